//! What may be shown of the money of facilities marked confidential.
//!
//! A facility's `confidential` flag means: its costs and prices (today's outlet, what it pays
//! for what it buys) and every money figure of its exchanges (net value per unit, value per
//! year, transfer prices, each company's gain, the break-even distance) stay inside the
//! planner's desk. Exports leave them out unless the user asks for them
//! (`--include-confidential`, or the app's export checkbox), and workshop mode never shows them.
//!
//! The break-even distance counts as money: with the transport rate of the material (public,
//! in the catalogue) it gives the margin per unit, `margin = rate x break-even`. Where a
//! distance must still be said, it is said as a [`distance_band`] ("20–50 km"), whose width
//! (a factor of 2 to 2.5) hides the margin to within the same factor.

use crate::model::Region;

/// Whether the money of the pair `from` -> `to` (facility indices) is withheld: either party
/// is confidential and the user did not ask to include confidential figures.
pub fn withheld(region: &Region, from: usize, to: usize, include_confidential: bool) -> bool {
    !include_confidential && (confidential(region, from) || confidential(region, to))
}

/// Whether facility `index` is marked confidential (an index out of range is not).
pub fn confidential(region: &Region, index: usize) -> bool {
    region.facilities.get(index).is_some_and(|f| f.confidential)
}

/// The `p` of the p %-rule, as a share (0.10 = 10 %): a total that contains withheld money is published only if the
/// rest of it hides the largest confidential company's part to within `p` of that part.
///
/// The p %-rule is the sensitivity rule statistical offices use for magnitude tables
/// (Hundepool et al. 2012, *Statistical Disclosure Control*, Wiley, section 4.2): the second
/// largest contributor knows its own part, subtracts it from the total and must still be left
/// uncertain of the largest by at least `p`. The value of `p` is an office's choice; 10 % is
/// ours. It also holds the threshold rule: with one or two contributors nothing is left over.
pub const P_RULE_SHARE: f64 = 0.10;

/// Whether a total over exchanges must be withheld because the open exchanges' figures would
/// let a reader subtract their way to a confidential company's money.
///
/// `parts` are the exchanges in the total: each one's value (per year, or any money figure)
/// and its parties (facility indices: sender, receiver, a hub's host). The withheld part of
/// the total is the sum of the exchanges with a confidential party; each confidential company
/// contributes the exchanges it takes part in (an exchange of two confidential companies
/// counts for both, which can only make the rule stricter). Withheld when
/// `rest < p x largest`, `rest` being the withheld part less its two largest contributions
/// ([`P_RULE_SHARE`]). Nothing is withheld when `include_confidential`, or when no exchange
/// has a confidential party.
///
/// ```
/// use symbiomap::disclosure::total_withheld;
/// use symbiomap::model::Region;
/// let region = Region::default();
/// // No confidential company: the total is open.
/// assert!(!total_withheld(&region, [(100.0, &[0usize, 1][..])], false));
/// ```
pub fn total_withheld<'a>(
    region: &Region,
    parts: impl IntoIterator<Item = (f64, &'a [usize])>,
    include_confidential: bool,
) -> bool {
    if include_confidential {
        return false;
    }
    let mut cell = 0.0;
    let mut by_company: Vec<(usize, f64)> = Vec::new();
    for (value, parties) in parts {
        let mut conf: Vec<usize> = parties
            .iter()
            .copied()
            .filter(|&f| confidential(region, f))
            .collect();
        conf.sort_unstable();
        conf.dedup();
        if conf.is_empty() {
            continue;
        }
        let v = value.abs();
        cell += v;
        for f in conf {
            match by_company.iter_mut().find(|(g, _)| *g == f) {
                Some((_, x)) => *x += v,
                None => by_company.push((f, v)),
            }
        }
    }
    if by_company.is_empty() {
        return false;
    }
    let mut x: Vec<f64> = by_company.into_iter().map(|(_, v)| v).collect();
    x.sort_by(|a, b| b.total_cmp(a));
    let largest = x[0];
    let second = x.get(1).copied().unwrap_or(0.0);
    cell - largest - second < P_RULE_SHARE * largest
}

/// The edges of the distance bands, km: a 1-2-5 series.
const EDGES_KM: [f64; 12] = [
    0.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0,
];

/// The band a distance falls in, as `[low, high)` km; `high` is infinite beyond the last edge.
/// A negative or NaN distance (a pair that never pays) has no band.
///
/// ```
/// use symbiomap::disclosure::distance_band_km;
/// assert_eq!(distance_band_km(37.2), Some((20.0, 50.0)));
/// assert_eq!(distance_band_km(50.0), Some((50.0, 100.0)));
/// assert_eq!(distance_band_km(3.0), Some((0.0, 5.0)));
/// assert_eq!(distance_band_km(12_000.0), Some((10_000.0, f64::INFINITY)));
/// assert_eq!(distance_band_km(-1.0), None);
/// ```
pub fn distance_band_km(km: f64) -> Option<(f64, f64)> {
    if km.is_nan() || km < 0.0 {
        return None;
    }
    let i = EDGES_KM.iter().rposition(|&e| km >= e)?;
    Some((
        EDGES_KM[i],
        EDGES_KM.get(i + 1).copied().unwrap_or(f64::INFINITY),
    ))
}

/// A distance said as its band: `"20–50 km"`, `"over 10000 km"`, `"unlimited"` (infinite),
/// `"none"` (negative: the pair does not pay at any distance).
///
/// ```
/// use symbiomap::disclosure::distance_band;
/// assert_eq!(distance_band(37.2), "20–50 km");
/// assert_eq!(distance_band(f64::INFINITY), "unlimited");
/// ```
pub fn distance_band(km: f64) -> String {
    if km == f64::INFINITY {
        return "unlimited".to_owned();
    }
    match distance_band_km(km) {
        Some((lo, hi)) if hi.is_finite() => format!("{lo:.0}–{hi:.0} km"),
        Some((lo, _)) => format!("over {lo:.0} km"),
        None => "none".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Facility, LatLon};

    #[test]
    fn every_distance_falls_in_one_band_that_holds_it() {
        let mut km = 0.0;
        while km < 20_000.0 {
            let (lo, hi) = distance_band_km(km).expect("a band");
            assert!(lo <= km && km < hi, "{km} in [{lo}, {hi})");
            // Wide enough not to give the margin away, except next to zero.
            if lo > 0.0 {
                assert!(hi / lo >= 2.0);
            }
            km += 0.37;
        }
    }

    #[test]
    fn a_total_is_withheld_unless_several_confidential_companies_hide_each_other() {
        let mut region = Region::default();
        // 0 and 5 open; 1 to 4 confidential.
        for (i, conf) in [false, true, true, true, true, false]
            .into_iter()
            .enumerate()
        {
            let mut f = Facility::new(&format!("F{i}"), "x", LatLon::new(50.0, 4.0));
            f.confidential = conf;
            region.facilities.push(f);
        }
        let w = |parts: &[(f64, [usize; 2])], include: bool| {
            total_withheld(&region, parts.iter().map(|(v, p)| (*v, &p[..])), include)
        };
        assert!(!w(&[(100.0, [0, 5])], false), "no confidential party");
        assert!(
            w(&[(100.0, [0, 5]), (3.0, [0, 1])], false),
            "one: total - open = its value"
        );
        assert!(
            w(&[(50.0, [0, 1]), (40.0, [2, 5])], false),
            "two: each knows the other's"
        );
        assert!(
            !w(&[(30.0, [0, 1]), (30.0, [0, 2]), (30.0, [3, 5])], false),
            "three alike"
        );
        assert!(
            w(&[(100.0, [0, 1]), (5.0, [0, 2]), (4.0, [3, 5])], false),
            "one dominates: the rest (4) is under 10 % of it"
        );
        assert!(
            !w(&[(100.0, [0, 1]), (12.0, [0, 2]), (11.0, [3, 5])], false),
            "the rest (11, after the second largest 12) hides it to within 10 %"
        );
        assert!(
            w(&[(60.0, [1, 2])], false),
            "two confidential parties of one exchange"
        );
        assert!(!w(&[(100.0, [0, 1])], true), "unless asked for");
        // Negative values count by size.
        assert!(w(&[(-80.0, [0, 1]), (1.0, [2, 5]), (1.0, [3, 5])], false));
    }

    #[test]
    fn a_pair_is_withheld_when_either_party_is_confidential() {
        let mut region = Region::default();
        for (i, conf) in [false, true, false].into_iter().enumerate() {
            let mut f = Facility::new(&format!("F{i}"), "x", LatLon::new(50.0, 4.0));
            f.confidential = conf;
            region.facilities.push(f);
        }
        assert!(!withheld(&region, 0, 2, false));
        assert!(withheld(&region, 0, 1, false));
        assert!(withheld(&region, 1, 2, false));
        assert!(!withheld(&region, 1, 2, true), "unless asked for");
        assert!(!withheld(&region, 0, 99, false), "out of range is open");
    }
}
