//! The limits a region's numbers keep, each with its message. The region file's validation
//! and the importers (CSV, `GeoJSON`, the screen) check a value with the same function where
//! they read it, so an import keeps nothing that saving would refuse, and a bad value is
//! reported at its line (or feature) rather than by the save, at the whole region.
//!
//! Each check returns the value, or what is wrong with it: `must be between 1 and 5, found 6`.

/// A check of one number.
pub type Check = fn(f64) -> Result<f64, String>;

/// Road distance over great-circle distance: 1 to 5.
pub fn detour_factor(v: f64) -> Result<f64, String> {
    if v.is_finite() && (1.0..=5.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be between 1 and 5, found {v}"))
    }
}

/// A share in %: 0 to 100.
pub fn percent(v: f64) -> Result<f64, String> {
    if v.is_finite() && (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be within 0..100 %, found {v}"))
    }
}

/// A size that cannot be zero (a density, a transport cost, a lot).
pub fn positive(v: f64) -> Result<f64, String> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("must be above 0, found {v}"))
    }
}

/// A quantity, a distance, a price on carbon: 0 or more.
pub fn at_least_zero(v: f64) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("must be 0 or more, found {v}"))
    }
}

/// Money, which may be negative (a sale), but must be a number.
pub fn finite(v: f64) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("must be a number, found {v}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_messages() {
        assert_eq!(detour_factor(1.3), Ok(1.3));
        assert_eq!(
            detour_factor(6.0),
            Err("must be between 1 and 5, found 6".to_owned())
        );
        assert!(detour_factor(f64::NAN).is_err());
        assert_eq!(percent(100.0), Ok(100.0));
        assert!(percent(100.5).is_err());
        assert!(positive(0.0).is_err());
        assert_eq!(at_least_zero(0.0), Ok(0.0));
        assert!(at_least_zero(f64::INFINITY).is_err());
        assert_eq!(finite(-3.0), Ok(-3.0));
        assert_eq!(
            finite(f64::NAN),
            Err("must be a number, found NaN".to_owned())
        );
    }
}
