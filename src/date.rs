//! Calendar dates as the region file writes them (`YYYY-MM-DD`, proleptic Gregorian, UTC):
//! today's date and a check, without a date library.

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month, day of the day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
///
/// ```
/// assert_eq!(symbiomap::date::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(symbiomap::date::civil_from_days(20_417), (2025, 11, 25));
/// assert_eq!(symbiomap::date::civil_from_days(-1), (1969, 12, 31));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `(year, month, day)` of a `YYYY-MM-DD` date that exists, else `None`.
///
/// ```
/// assert_eq!(symbiomap::date::parse("2026-02-28"), Some((2026, 2, 28)));
/// assert_eq!(symbiomap::date::parse("2026-02-29"), None);
/// assert_eq!(symbiomap::date::parse("2024-02-29"), Some((2024, 2, 29)));
/// assert_eq!(symbiomap::date::parse("26-2-1"), None);
/// ```
pub fn parse(text: &str) -> Option<(i32, u32, u32)> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = text[0..4].parse().ok()?;
    let m: u32 = text[5..7].parse().ok()?;
    let d: u32 = text[8..10].parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_valid_date() {
        assert!(parse(&today()).is_some(), "{}", today());
    }

    #[test]
    fn days_round_trip_over_four_centuries() {
        // Every 1000th day from 1600 to 2400 lands on a date that parses.
        for days in (-135_000..155_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            let text = format!("{y:04}-{m:02}-{d:02}");
            assert!(parse(&text).is_some(), "{days} -> {text}");
        }
    }
}
