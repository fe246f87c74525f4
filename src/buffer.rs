//! Buffer sizing for one exchange: the storage a receiver needs between a by-product's supply
//! pattern and its own use, for a chosen cycle service level, what that storage and the virgin
//! safety stock cost a year, and the share of the by-product's tonnes that reach the use with no
//! storage or with a store of a given size. `docs/BUFFERS.md` has every formula with a worked
//! example (reproduced by `tests/buffer_worked_examples.rs`); the figures and their sources are
//! in `docs/research/T1-trust.md` (T10-T27) and `assets/catalogue/storage.json`.
//!
//! The model, in short:
//! - Time runs in days: a year of 365 days, months of their calendar length, day 0 is 1 January.
//!   A continuous supply flows at the same rate on every day of its months; a batch supply
//!   brings a load every `every_days` days on a fixed schedule from day 0, in its months. The
//!   receiver uses the by-product at the same rate on every day of its own months.
//! - **The day rule.** What arrives on a day meets that day's use first; the by-product store
//!   keeps what is left at the end of the day, up to its capacity; what does not fit is refused
//!   (it goes to the supplier's old outlet). Use that the by-product cannot meet is met from
//!   the receiver's virgin supply: the **virgin demand**.
//! - **Cycle stock** is the store the nominal pattern needs (no variability): the sequent peak
//!   of the daily balances (T15). **Safety stock** is virgin material the receiver holds beyond
//!   its plan so that, when the by-product falls short, it does not run out during the
//!   `reaction_days` (L) it takes to bring more virgin in (T11, T12). The cycle service level is
//!   the share of cycles (days of a continuous supply, intervals between loads of a batch
//!   supply) without such a stockout (T10).
//! - Closed forms where the pattern allows; a seeded day-by-day simulation over many years
//!   everywhere (it measures the same definitions, so the two agree where both apply).
//!
//! Everything is in tonnes of the by-product as delivered; volumes through its bulk density.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::{OutputStream, Pattern, PhysicalState, Unit};

/// Days in the model's year (no leap day).
pub const DAYS_PER_YR: usize = 365;
/// Days of each month, January first.
pub const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Month mask with every month set (bit `m - 1` for month `m`, as `model::Availability`).
pub const ALL_MONTHS: u16 = 0x0fff;

/// Largest number of simulated years accepted (the simulation keeps a few numbers per day).
pub const MAX_SIMULATED_YEARS: u32 = 20_000;

/// Input that cannot be sized, with the field and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BufferError {
    #[error("{field}: expected {expected}, got {value}")]
    Invalid {
        field: &'static str,
        expected: &'static str,
        value: f64,
    },
    #[error("{0}: no month of the year (1-12) is set")]
    NoMonths(&'static str),
    #[error("{0}")]
    Unsupported(String),
    #[error("assets/catalogue/storage.json: {0}")]
    Catalogue(String),
}

fn check(
    field: &'static str,
    value: f64,
    ok: impl Fn(f64) -> bool,
    expected: &'static str,
) -> Result<f64, BufferError> {
    if value.is_finite() && ok(value) {
        Ok(value)
    } else {
        Err(BufferError::Invalid {
            field,
            expected,
            value,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The normal distribution (T10, T13)
// ---------------------------------------------------------------------------------------------

/// Standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal distribution function, to about 1e-15 absolute (through `erfc`).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: a series without cancellation below 3, a continued fraction
/// above (Abramowitz & Stegun 7.1.6 and 7.1.14).
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 3.0 {
        // erf x = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1 3 5 ... (2n+1))
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > 1e-17 * sum {
            n += 1.0;
            term *= 2.0 * x * x / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp() * sum
    } else {
        // erfc x = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        let mut f = x;
        for n in (1..=60).rev() {
            f = x + f64::from(n) / 2.0 / f;
        }
        (-x * x).exp() / (std::f64::consts::PI.sqrt() * f)
    }
}

/// The inverse of [`normal_cdf`] for `p` in (0, 1): Acklam's rational approximation refined by
/// two Newton steps, to about 1e-14.
pub fn normal_quantile(p: f64) -> Option<f64> {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let mut x = if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    for _ in 0..2 {
        let density = normal_pdf(x);
        if density > 0.0 {
            x -= (normal_cdf(x) - p) / density;
        }
    }
    Some(x)
}

/// The standard normal loss function `G(k) = phi(k) - k (1 - Phi(k))`: the expected amount by
/// which a standard normal variable exceeds `k` (T13).
pub fn normal_loss(k: f64) -> f64 {
    normal_pdf(k) - k * (1.0 - normal_cdf(k))
}

/// The safety factor `z = Phi^-1(CSL)` of a cycle service level (T10), for a level from 0.5
/// (no safety stock) to 0.9999.
pub fn z_for_service_level(service_level: f64) -> Result<f64, BufferError> {
    let p = check(
        "service_level",
        service_level,
        |p| (0.5..=0.9999).contains(&p),
        "a cycle service level from 0.5 to 0.9999",
    )?;
    Ok(normal_quantile(p).unwrap_or(0.0).max(0.0))
}

// ---------------------------------------------------------------------------------------------
// Calendar and patterns
// ---------------------------------------------------------------------------------------------

/// Month (0 = January) of each day of the year.
fn month_of_day() -> [u8; DAYS_PER_YR] {
    let mut out = [0u8; DAYS_PER_YR];
    let mut day = 0;
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        for _ in 0..len {
            out[day] = m as u8;
            day += 1;
        }
    }
    out
}

/// Days in the months of a mask (only bits 0-11 count).
pub fn active_days(months: u16) -> u32 {
    MONTH_DAYS
        .iter()
        .enumerate()
        .filter(|(m, _)| months & (1 << m) != 0)
        .map(|(_, d)| d)
        .sum()
}

/// How the by-product arrives.
#[derive(Clone, Debug, PartialEq)]
pub enum SupplyPattern {
    /// A steady flow on every day of the supply's months; each day's flow is normal around the
    /// mean with a coefficient of variation `cv_pct` (cut at zero), days independent.
    Continuous { t_per_yr: f64, cv_pct: f64 },
    /// A load of `batch_t` on the days `floor(k x every_days)` (k = 0, 1, ... counted from
    /// 1 January of the first year, on through the years) that fall in the supply's months. Each
    /// load's size is normal with a coefficient of variation `size_cv_pct` (cut at zero); each
    /// arrives `arrival_sd_days` (standard deviation, normal) early or late against its date,
    /// the schedule itself keeping its dates (a late barge does not delay the next one).
    Batches {
        batch_t: f64,
        every_days: f64,
        size_cv_pct: f64,
        arrival_sd_days: f64,
    },
}

/// A by-product supply: its pattern and its months.
#[derive(Clone, Debug, PartialEq)]
pub struct Supply {
    pub pattern: SupplyPattern,
    /// Bit `m - 1` set for each month `m` with supply; [`ALL_MONTHS`] for all year.
    pub months: u16,
}

/// The receiver's use of the by-product: a steady rate on every day of its months.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Demand {
    pub t_per_yr: f64,
    pub months: u16,
}

impl Supply {
    pub fn continuous(t_per_yr: f64, cv_pct: f64, months: u16) -> Self {
        Self {
            pattern: SupplyPattern::Continuous { t_per_yr, cv_pct },
            months,
        }
    }

    pub fn batches(
        batch_t: f64,
        every_days: f64,
        size_cv_pct: f64,
        arrival_sd_days: f64,
        months: u16,
    ) -> Self {
        Self {
            pattern: SupplyPattern::Batches {
                batch_t,
                every_days,
                size_cv_pct,
                arrival_sd_days,
            },
            months,
        }
    }

    fn validate(&self) -> Result<(), BufferError> {
        if self.months & ALL_MONTHS == 0 {
            return Err(BufferError::NoMonths("supply.months"));
        }
        match self.pattern {
            SupplyPattern::Continuous { t_per_yr, cv_pct } => {
                check(
                    "supply.t_per_yr",
                    t_per_yr,
                    |v| v > 0.0,
                    "tonnes a year above 0",
                )?;
                check(
                    "supply.cv_pct",
                    cv_pct,
                    |v| (0.0..=200.0).contains(&v),
                    "a CV from 0 to 200 %",
                )?;
            }
            SupplyPattern::Batches {
                batch_t,
                every_days,
                size_cv_pct,
                arrival_sd_days,
            } => {
                check(
                    "supply.batch_t",
                    batch_t,
                    |v| v > 0.0,
                    "tonnes per load above 0",
                )?;
                check(
                    "supply.every_days",
                    every_days,
                    |v| (1.0..=365.0).contains(&v),
                    "1 to 365 days between loads (several loads a day are a continuous supply)",
                )?;
                check(
                    "supply.size_cv_pct",
                    size_cv_pct,
                    |v| (0.0..=200.0).contains(&v),
                    "a CV from 0 to 200 %",
                )?;
                check(
                    "supply.arrival_sd_days",
                    arrival_sd_days,
                    |v| (0.0..=60.0).contains(&v),
                    "a standard deviation from 0 to 60 days",
                )?;
            }
        }
        Ok(())
    }

    /// Mean tonnes a year: a continuous supply's own; a batch supply's loads times the share of
    /// the year in its months over the interval (the long-run mean of its schedule).
    pub fn t_per_yr(&self) -> f64 {
        match self.pattern {
            SupplyPattern::Continuous { t_per_yr, .. } => t_per_yr,
            SupplyPattern::Batches {
                batch_t,
                every_days,
                ..
            } => batch_t * f64::from(active_days(self.months)) / every_days,
        }
    }

    /// Mean tonnes on a day of the supply's months.
    pub fn t_per_active_day(&self) -> f64 {
        self.t_per_yr() / f64::from(active_days(self.months).max(1))
    }

    fn is_variable(&self) -> bool {
        match self.pattern {
            SupplyPattern::Continuous { cv_pct, .. } => cv_pct > 0.0,
            SupplyPattern::Batches {
                size_cv_pct,
                arrival_sd_days,
                ..
            } => size_cv_pct > 0.0 || arrival_sd_days > 0.0,
        }
    }
}

impl Demand {
    pub fn new(t_per_yr: f64, months: u16) -> Self {
        Self { t_per_yr, months }
    }

    fn validate(&self) -> Result<(), BufferError> {
        if self.months & ALL_MONTHS == 0 {
            return Err(BufferError::NoMonths("demand.months"));
        }
        check(
            "demand.t_per_yr",
            self.t_per_yr,
            |v| v > 0.0,
            "tonnes a year above 0",
        )?;
        Ok(())
    }

    /// Tonnes used on a day of the receiver's months.
    pub fn t_per_day(&self) -> f64 {
        self.t_per_yr / f64::from(active_days(self.months).max(1))
    }
}

/// Monthly tonnes of a continuous supply (`None` for batches): its daily rate times the days of
/// each of its months.
pub fn supply_by_month_t(supply: &Supply) -> Option<[f64; 12]> {
    match supply.pattern {
        SupplyPattern::Continuous { .. } => {
            Some(by_month(supply.t_per_active_day(), supply.months))
        }
        SupplyPattern::Batches { .. } => None,
    }
}

/// Monthly tonnes of the receiver's use.
pub fn demand_by_month_t(demand: &Demand) -> [f64; 12] {
    by_month(demand.t_per_day(), demand.months)
}

fn by_month(t_per_day: f64, months: u16) -> [f64; 12] {
    let mut out = [0.0; 12];
    for (m, slot) in out.iter_mut().enumerate() {
        if months & (1 << m) != 0 {
            *slot = t_per_day * f64::from(MONTH_DAYS[m]);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The day rule and the nominal plan
// ---------------------------------------------------------------------------------------------

/// What one day (or one month of constant rates) did to the store.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DayFlows {
    /// By-product used.
    pub used_t: f64,
    /// By-product that did not fit in the store.
    pub refused_t: f64,
    /// Use the by-product could not meet: virgin demand.
    pub unmet_t: f64,
}

/// The day rule: arrivals meet the day's use first, the store keeps what is left up to its
/// capacity, the rest is refused. Also exact for a month whose daily supply and use are
/// constant (the stock then moves one way through the month).
pub fn store_day(stock_t: &mut f64, arrived_t: f64, use_t: f64, capacity_t: f64) -> DayFlows {
    let available = *stock_t + arrived_t;
    let used_t = available.min(use_t);
    let left = available - used_t;
    *stock_t = left.min(capacity_t);
    DayFlows {
        used_t,
        refused_t: left - *stock_t,
        unmet_t: use_t - used_t,
    }
}

/// Years over which the nominal pattern is run: a continuous pattern repeats every year (two
/// years reach its steady state, a third is measured); a batch schedule drifts against the
/// calendar, so 40 years are measured after the first.
fn plan_years(supply: &Supply) -> usize {
    match supply.pattern {
        SupplyPattern::Continuous { .. } => 3,
        SupplyPattern::Batches { .. } => 41,
    }
}

/// The nominal arrivals (no variability) on each of `days` days from 1 January.
fn nominal_arrivals_t(supply: &Supply, months: &[u8; DAYS_PER_YR], days: usize) -> Vec<f64> {
    let mut out = vec![0.0; days];
    match supply.pattern {
        SupplyPattern::Continuous { .. } => {
            let rate = supply.t_per_active_day();
            for (t, slot) in out.iter_mut().enumerate() {
                if supply.months & (1 << months[t % DAYS_PER_YR]) != 0 {
                    *slot = rate;
                }
            }
        }
        SupplyPattern::Batches {
            batch_t,
            every_days,
            ..
        } => {
            for day in batch_days(every_days, days) {
                if supply.months & (1 << months[day % DAYS_PER_YR]) != 0 {
                    out[day] += batch_t;
                }
            }
        }
    }
    out
}

/// The scheduled days `floor(k x every_days)` below `days`.
fn batch_days(every_days: f64, days: usize) -> impl Iterator<Item = usize> {
    (0u64..)
        .map(move |k| (k as f64 * every_days).floor())
        .take_while(move |&t| t < days as f64)
        .map(|t| t as usize)
}

fn demand_profile_t(demand: &Demand, months: &[u8; DAYS_PER_YR], days: usize) -> Vec<f64> {
    let rate = demand.t_per_day();
    (0..days)
        .map(|t| {
            if demand.months & (1 << months[t % DAYS_PER_YR]) != 0 {
                rate
            } else {
                0.0
            }
        })
        .collect()
}

/// Sequent peak (T15, B10) of a balance series over a repeated cycle: when supply is at most the
/// use, the largest stock of keeping every surplus, `J = max(0, J + s - d)`; when it is more,
/// the largest deficit a store that starts full must bridge, `K = max(0, K + d - s)`. The
/// smallest store with which the nominal pattern delivers `min(supply, use)`.
fn sequent_peak(supply_t: &[f64], use_t: &[f64], cycles: usize) -> f64 {
    let total_s: f64 = supply_t.iter().sum();
    let total_d: f64 = use_t.iter().sum();
    let mut level = 0.0_f64;
    let mut peak = 0.0_f64;
    for _ in 0..cycles {
        for (s, d) in supply_t.iter().zip(use_t) {
            level = if total_s <= total_d {
                (level + s - d).max(0.0)
            } else {
                (level + d - s).max(0.0)
            };
            peak = peak.max(level);
        }
    }
    peak
}

/// The sequent peak on monthly balances (T15), over two repeated years: exact for a continuous
/// supply and use (within a month both rates are constant, so the stock moves one way and its
/// extremes fall on month ends).
pub fn monthly_sequent_peak_t(supply_t: &[f64; 12], use_t: &[f64; 12]) -> f64 {
    sequent_peak(supply_t, use_t, 2)
}

/// The by-product store the nominal pattern needs (no variability): the sequent peak of the
/// daily balances. For a continuous supply it equals [`monthly_sequent_peak_t`]; for loads of
/// `X` every `N` days against a use of `X / N` a day all year it is `X - X/N` (the day a load
/// arrives, that day's use is drawn from it), up to one day's use more where `N` is not whole.
pub fn cycle_stock_t(supply: &Supply, demand: &Demand) -> Result<f64, BufferError> {
    supply.validate()?;
    demand.validate()?;
    let months = month_of_day();
    let days = plan_years(supply) * DAYS_PER_YR;
    let s = nominal_arrivals_t(supply, &months, days);
    let d = demand_profile_t(demand, &months, days);
    Ok(sequent_peak(&s, &d, 1))
}

/// The share of the nominal supply's tonnes that the receiver uses, with a by-product store of
/// `capacity_t` (0: no storage), in the steady state (the first year is not counted).
pub fn planned_delivered_share(
    supply: &Supply,
    demand: &Demand,
    capacity_t: f64,
) -> Result<f64, BufferError> {
    supply.validate()?;
    demand.validate()?;
    let capacity_t = check("capacity_t", capacity_t, |v| v >= 0.0, "tonnes, 0 or more")?;
    let months = month_of_day();
    let days = plan_years(supply) * DAYS_PER_YR;
    let s = nominal_arrivals_t(supply, &months, days);
    let d = demand_profile_t(demand, &months, days);
    let mut stock = 0.0;
    let (mut used, mut supplied) = (0.0, 0.0);
    for t in 0..days {
        let flows = store_day(&mut stock, s[t], d[t], capacity_t);
        if t >= DAYS_PER_YR {
            used += flows.used_t;
            supplied += s[t];
        }
    }
    Ok(if supplied > 0.0 { used / supplied } else { 0.0 })
}

/// The same share for a continuous supply on monthly balances (the day rule applied to each
/// month's totals, exact for constant daily rates), measured in the third of three years.
pub fn monthly_delivered_share(supply_t: &[f64; 12], use_t: &[f64; 12], capacity_t: f64) -> f64 {
    let mut stock = 0.0;
    let (mut used, mut supplied) = (0.0, 0.0);
    for year in 0..3 {
        for (s, d) in supply_t.iter().zip(use_t) {
            let flows = store_day(&mut stock, *s, *d, capacity_t.max(0.0));
            if year == 2 {
                used += flows.used_t;
                supplied += s;
            }
        }
    }
    if supplied > 0.0 {
        used / supplied
    } else {
        0.0
    }
}

/// The expected share of a continuous supply's tonnes used with no storage when each day's flow
/// is normal (mean `mu`, standard deviation `sigma = cv x mu`, not cut at zero): on each day in
/// both the supply's and the use's months the receiver takes `E[min(s, d)] = mu - sigma G((d -
/// mu)/sigma)` (T13's loss function). `None` for a batch supply.
pub fn no_storage_share_closed(
    supply: &Supply,
    demand: &Demand,
) -> Result<Option<f64>, BufferError> {
    supply.validate()?;
    demand.validate()?;
    let SupplyPattern::Continuous { cv_pct, .. } = supply.pattern else {
        return Ok(None);
    };
    let mu = supply.t_per_active_day();
    let sigma = mu * cv_pct / 100.0;
    let d = demand.t_per_day();
    let per_day = if sigma > 0.0 {
        mu - sigma * normal_loss((d - mu) / sigma)
    } else {
        mu.min(d)
    };
    let both = active_days(supply.months & demand.months);
    Ok(Some(per_day * f64::from(both) / supply.t_per_yr()))
}

// ---------------------------------------------------------------------------------------------
// Safety stock: closed forms (T11, T12)
// ---------------------------------------------------------------------------------------------

/// Mean and standard deviation of a day's virgin demand `max(0, d - s)` when the supply `s` is
/// normal (`mu`, `sigma`) and there is no store: with `k = (d - mu)/sigma`,
/// `E = sigma (k Phi(k) + phi(k))`, `E[v^2] = sigma^2 ((k^2 + 1) Phi(k) + k phi(k))`.
pub fn virgin_demand_moments_t(mu_t: f64, sigma_t: f64, use_t: f64) -> (f64, f64) {
    if sigma_t <= 0.0 {
        return ((use_t - mu_t).max(0.0), 0.0);
    }
    let k = (use_t - mu_t) / sigma_t;
    let (cdf, pdf) = (normal_cdf(k), normal_pdf(k));
    let mean = sigma_t * (k * cdf + pdf);
    let second = sigma_t * sigma_t * ((k * k + 1.0) * cdf + k * pdf);
    (mean, (second - mean * mean).max(0.0).sqrt())
}

/// The closed-form safety stock, where the pattern allows an exact one under the model; `None`
/// where only the simulation can say. `headroom_t` is the room in the by-product store above
/// its cycle stock. The forms:
///
/// - no variability: 0 (the receiver knows its virgin needs in advance);
/// - a continuous supply all year against a use all year, no headroom, the supply so far below
///   the use that it covers the use on fewer than 0.1 % of days (`k = (d - mu)/sigma >= 3.09`):
///   the virgin demand `d - s` is normal and due every day, so T11 holds as published,
///   `ss = z sigma sqrt(L)`;
/// - loads all year against a use all year, the use at least the supply, no headroom, sizes
///   that vary (`sigma_X = cv X`) and dates that do not: a short load runs the store dry
///   `e / d` days early and the receiver needs `e` of virgin at the end of that cycle, all
///   within L days unless `e > d L`, so `ss = min(z sigma_X, d L)`; provided the virgin
///   ordered for one short load arrives before the next load can be short
///   (`L + z sigma_X / d <= N`), otherwise shortfalls of successive loads add up.
///
/// Elsewhere the simulation decides (see [`textbook_batch_safety_stock_t`] for T12's form and
/// why it is only a bound here).
pub fn closed_form_safety_stock_t(
    supply: &Supply,
    demand: &Demand,
    headroom_t: f64,
    reaction_days: f64,
    z: f64,
) -> Result<Option<f64>, BufferError> {
    supply.validate()?;
    demand.validate()?;
    let l = check_reaction_days(reaction_days)?;
    if !supply.is_variable() {
        return Ok(Some(0.0));
    }
    let all_year =
        supply.months & ALL_MONTHS == ALL_MONTHS && demand.months & ALL_MONTHS == ALL_MONTHS;
    if !all_year || headroom_t > 0.0 {
        return Ok(None);
    }
    let d = demand.t_per_day();
    Ok(match supply.pattern {
        SupplyPattern::Continuous { cv_pct, .. } => {
            let mu = supply.t_per_active_day();
            let sigma = mu * cv_pct / 100.0;
            ((d - mu) / sigma >= CONTINUOUS_CLOSED_FORM_MIN_K).then(|| z * sigma * l.sqrt())
        }
        SupplyPattern::Batches {
            batch_t,
            every_days,
            size_cv_pct,
            arrival_sd_days,
        } => {
            let sd = batch_t * size_cv_pct / 100.0;
            (arrival_sd_days == 0.0
                && batch_t <= d * every_days * (1.0 + 1e-9)
                && l + z * sd / d <= every_days)
                .then(|| (z * sd).min(d * l))
        }
    })
}

/// `(d - mu)/sigma` from which a continuous supply meets the whole use on fewer than 0.1 % of
/// days (`Phi(-3.09) = 0.1 %`), so that its virgin demand is normal and T11 exact.
pub const CONTINUOUS_CLOSED_FORM_MIN_K: f64 = 3.09;

/// T12's safety stock for loads whose size and date vary, as published (T1, worked example 3):
/// `z sqrt(sigma_X^2 + d^2 sigma_a^2)`. It treats each cycle as starting from the plan. In this
/// model a late load is not lost (its tonnes are kept while virgin covered the days it was
/// late), so the next cycles start above the plan and the simulation needs less; with no
/// headroom, loads that come early do not fit and are refused, and it needs more. Reported as
/// the textbook's figure beside the simulated one.
pub fn textbook_batch_safety_stock_t(
    z: f64,
    use_t_per_day: f64,
    size_sd_t: f64,
    arrival_sd_days: f64,
) -> f64 {
    z * (size_sd_t * size_sd_t + (use_t_per_day * arrival_sd_days).powi(2)).sqrt()
}

/// T11 as published: `z sigma sqrt(L)`.
pub fn textbook_safety_stock_t(z: f64, sigma_t_per_day: f64, reaction_days: f64) -> f64 {
    z * sigma_t_per_day * reaction_days.sqrt()
}

/// The default headroom above the cycle stock: room for loads that arrive early at the same
/// service level, `z d sigma_a` (what is left of the previous load when a load comes
/// `z sigma_a` days early); 0 for a continuous supply (its surplus days are refused: headroom
/// for them is a choice, priced through the delivered share).
pub fn default_headroom_t(supply: &Supply, demand: &Demand, z: f64) -> f64 {
    match supply.pattern {
        SupplyPattern::Batches {
            arrival_sd_days, ..
        } => z * demand.t_per_day() * arrival_sd_days,
        SupplyPattern::Continuous { .. } => 0.0,
    }
}

fn check_reaction_days(reaction_days: f64) -> Result<f64, BufferError> {
    check(
        "reaction_days",
        reaction_days,
        |v| (1.0..=365.0).contains(&v),
        "1 to 365 days to bring in the virgin backup",
    )
}

// ---------------------------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------------------------

/// `SplitMix64` (Steele, Lea & Flood 2014): a small deterministic generator, so a seed gives the
/// same simulated years on every machine.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
    spare: Option<f64>,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed,
            spare: None,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    pub fn next_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller, both values used).
    pub fn next_normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * self.next_f64().ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * self.next_f64();
        self.spare = Some(r * theta.sin());
        r * theta.cos()
    }
}

/// How long and from which seed to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Simulation {
    /// Simulated years; the first is a warm-up and is not counted.
    pub years: u32,
    pub seed: u64,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            years: 1000,
            seed: 12,
        }
    }
}

/// One simulated supply path: each day's arrivals and the start of each cycle.
#[derive(Clone, Debug, PartialEq)]
pub struct SupplyPath {
    pub arrived_t: Vec<f64>,
    /// `true` on the first day of a cycle: every day of a continuous supply all year (daily
    /// review); the first day of each season of a seasonal one (the season replenishes the
    /// store); the scheduled day of each load in the supply's months for a batch supply.
    pub cycle_start: Vec<bool>,
}

/// Draws `years` of the supply day by day from `seed`.
pub fn simulate_supply(supply: &Supply, years: u32, seed: u64) -> Result<SupplyPath, BufferError> {
    supply.validate()?;
    check_years(years)?;
    let months = month_of_day();
    let days = years as usize * DAYS_PER_YR;
    let mut rng = SplitMix64::new(seed);
    let mut arrived_t = vec![0.0; days];
    let mut cycle_start = vec![false; days];
    match supply.pattern {
        SupplyPattern::Continuous { cv_pct, .. } => {
            let mu = supply.t_per_active_day();
            let cv = cv_pct / 100.0;
            let all_year = supply.months & ALL_MONTHS == ALL_MONTHS;
            let active = |t: usize| supply.months & (1 << months[t % DAYS_PER_YR]) != 0;
            for t in 0..days {
                // All year: each day is a cycle (daily review). Seasonal: each season is one,
                // from the first day of a run of supply months.
                cycle_start[t] = all_year || (active(t) && !active(t + DAYS_PER_YR - 1));
                let z = rng.next_normal();
                if supply.months & (1 << months[t % DAYS_PER_YR]) != 0 {
                    arrived_t[t] = (mu * (1.0 + cv * z)).max(0.0);
                }
            }
        }
        SupplyPattern::Batches {
            batch_t,
            every_days,
            size_cv_pct,
            arrival_sd_days,
        } => {
            let cv = size_cv_pct / 100.0;
            for (k, day) in batch_days(every_days, days).enumerate() {
                let (z_size, z_time) = (rng.next_normal(), rng.next_normal());
                if supply.months & (1 << months[day % DAYS_PER_YR]) == 0 {
                    continue;
                }
                cycle_start[day] = true;
                let when = k as f64 * every_days + arrival_sd_days * z_time;
                let arrival = when.floor().clamp(0.0, (days - 1) as f64) as usize;
                arrived_t[arrival] += (batch_t * (1.0 + cv * z_size)).max(0.0);
            }
        }
    }
    Ok(SupplyPath {
        arrived_t,
        cycle_start,
    })
}

fn check_years(years: u32) -> Result<u32, BufferError> {
    if (2..=MAX_SIMULATED_YEARS).contains(&years) {
        Ok(years)
    } else {
        Err(BufferError::Invalid {
            field: "simulation.years",
            expected: "2 to 20 000 simulated years",
            value: f64::from(years),
        })
    }
}

/// What a simulation measured, the first year left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulated {
    /// The safety stock at the service level: the `service_level` quantile, over the cycles in
    /// which the receiver uses the by-product, of the largest virgin demand beyond the plan over
    /// the L days to a day of the cycle on which it needs virgin (0 if there is none, or if
    /// negative).
    pub safety_stock_t: f64,
    /// By-product used / by-product supplied.
    pub delivered_share: f64,
    pub refused_t_per_yr: f64,
    /// All the virgin the receiver uses a year, planned (months without by-product) and not.
    pub virgin_t_per_yr: f64,
    /// Of which the nominal pattern would already need.
    pub planned_virgin_t_per_yr: f64,
    /// The by-product store at the end of the day: mean and largest.
    pub mean_store_t: f64,
    pub max_store_t: f64,
    /// Cycles counted.
    pub cycles: usize,
}

/// Simulates the by-product store of `store_t` day by day against the use, over the years of
/// `sim`, and measures the safety stock the virgin backup needs at `service_level` for a
/// reaction time of `reaction_days` (rounded up to whole days).
///
/// The virgin demand on day t is `v_t`; the nominal pattern through the same store gives the
/// planned `p_t`; `W_t = sum over the L days to t of (v - p)`. The receiver orders virgin each
/// day to keep what it holds and has on order at `ss + ` the planned virgin of the next L days;
/// what it orders arrives L days later; so it runs out on day t exactly when it needs virgin
/// that day and `W_t > ss`
/// (`tests/buffer_worked_examples.rs` checks this identity against a day-by-day order-up-to
/// simulation).
pub fn simulate(
    supply: &Supply,
    demand: &Demand,
    store_t: f64,
    reaction_days: f64,
    service_level: f64,
    sim: Simulation,
) -> Result<Simulated, BufferError> {
    supply.validate()?;
    demand.validate()?;
    let store_t = check("store_t", store_t, |v| v >= 0.0, "tonnes, 0 or more")?;
    let l = check_reaction_days(reaction_days)?.ceil() as usize;
    z_for_service_level(service_level)?;
    let path = simulate_supply(supply, sim.years, sim.seed)?;
    let months = month_of_day();
    let days = path.arrived_t.len();
    let nominal = nominal_arrivals_t(supply, &months, days);
    let use_t = demand_profile_t(demand, &months, days);

    let mut stock = 0.0;
    let mut plan_stock = 0.0;
    let mut excess = vec![0.0; days]; // v_t - p_t
    let mut virgin_day = vec![false; days];
    let (mut used, mut supplied, mut refused, mut virgin, mut planned) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut stock_sum, mut stock_max) = (0.0, 0.0_f64);
    for t in 0..days {
        let actual = store_day(&mut stock, path.arrived_t[t], use_t[t], store_t);
        let plan = store_day(&mut plan_stock, nominal[t], use_t[t], store_t);
        excess[t] = actual.unmet_t - plan.unmet_t;
        virgin_day[t] = actual.unmet_t > 0.0;
        if t >= DAYS_PER_YR {
            used += actual.used_t;
            supplied += path.arrived_t[t];
            refused += actual.refused_t;
            virgin += actual.unmet_t;
            planned += plan.unmet_t;
            stock_sum += stock;
            stock_max = stock_max.max(stock);
        }
    }

    // In each cycle with use, from the first that starts after the warm-up year and a full
    // window: the largest L-day excess on a day with virgin demand (on a day the by-product
    // covers, the receiver cannot run out whatever it owes its backup), 0 if there is none.
    let mut worst: Vec<f64> = Vec::new();
    let mut window = 0.0;
    let mut current: Option<f64> = None;
    let mut counting = false;
    for t in 0..days {
        window += excess[t];
        if t >= l {
            window -= excess[t - l];
        }
        if path.cycle_start[t] {
            if let Some(w) = current.take() {
                worst.push(w);
            }
            counting = t >= DAYS_PER_YR + l;
        }
        if counting && use_t[t] > 0.0 {
            let here = if virgin_day[t] { window } else { 0.0 };
            current = Some(current.map_or(here, |w: f64| w.max(here)));
        }
    }
    if let Some(w) = current {
        worst.push(w);
    }
    let safety_stock_t = quantile(&mut worst, service_level).max(0.0);
    let measured_yrs = f64::from(sim.years - 1);
    let measured_days = (days - DAYS_PER_YR) as f64;
    Ok(Simulated {
        safety_stock_t,
        delivered_share: if supplied > 0.0 { used / supplied } else { 0.0 },
        refused_t_per_yr: refused / measured_yrs,
        virgin_t_per_yr: virgin / measured_yrs,
        planned_virgin_t_per_yr: planned / measured_yrs,
        mean_store_t: stock_sum / measured_days,
        max_store_t: stock_max,
        cycles: worst.len(),
    })
}

/// The nearest-rank `p` quantile (the smallest value with at least `p` of the values at or
/// below it); 0 for no values.
fn quantile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

// ---------------------------------------------------------------------------------------------
// Storage kinds and costs (T17-T27)
// ---------------------------------------------------------------------------------------------

/// What a storage kind's rate is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageUnit {
    /// Tonnes as stored.
    T,
    /// Oven-dry tonnes: tonnes x (1 - moisture).
    TDry,
    /// Cubic metres: tonnes / bulk density.
    M3,
}

/// Whether a storage kind is paid for its size or for what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargedOn {
    /// Owned or rented by size: paid full or empty.
    Capacity,
    /// Paid for what is stored (handling, covers, losses).
    AverageStock,
}

/// A kind of store with its monthly rate and its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorageKind {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Money (EUR in the built-in file) per `unit` per month.
    pub cost_per_unit_month: f64,
    pub unit: StorageUnit,
    pub charged_on: ChargedOn,
    /// States of matter the kind stores.
    pub states: Vec<PhysicalState>,
    /// Source id of each number, from the file's `sources` table.
    pub sources: BTreeMap<String, String>,
}

/// The defaults of buffer sizing, each with its source id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BufferDefaults {
    pub service_level: f64,
    pub critical_service_level: f64,
    pub reaction_days: f64,
    /// Capital, insurance and shrinkage of a virgin safety stock, a year, as a share of its
    /// value (storage priced apart).
    pub virgin_holding_rate_per_yr: f64,
    pub sources: BTreeMap<String, String>,
}

/// `assets/catalogue/storage.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorageCatalogue {
    pub sources: BTreeMap<String, String>,
    pub storage_kinds: Vec<StorageKind>,
    pub defaults: BufferDefaults,
}

pub const STORAGE_JSON: &str = include_str!("../assets/catalogue/storage.json");

impl StorageCatalogue {
    /// The built-in storage kinds and defaults, parsed once.
    pub fn builtin() -> Result<&'static StorageCatalogue, BufferError> {
        static BUILTIN: OnceLock<Result<StorageCatalogue, BufferError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                serde_json::from_str(STORAGE_JSON)
                    .map_err(|e| BufferError::Catalogue(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn kind(&self, key: &str) -> Option<&StorageKind> {
        self.storage_kinds.iter().find(|k| k.key == key)
    }

    /// The usual kind for a state of matter: a tank for liquids, a covered hall for sludges, a
    /// silo for everything else solid. Heat, steam and gas are not stored in bulk.
    pub fn default_kind(&self, state: PhysicalState) -> Option<&StorageKind> {
        match state {
            PhysicalState::Liquid => self.kind("tank"),
            PhysicalState::Sludge => self.kind("covered_hall"),
            PhysicalState::Solid => self.kind("silo"),
            PhysicalState::Gas | PhysicalState::Heat | PhysicalState::Steam => None,
        }
    }
}

/// The yearly cost of a store: its rate x 12 x its capacity or its average stock, in the kind's
/// unit (tonnes, oven-dry tonnes, or cubic metres).
pub fn storage_cost_per_yr(
    kind: &StorageKind,
    capacity_t: f64,
    average_stock_t: f64,
    bulk_density_t_per_m3: f64,
    moisture_pct: f64,
) -> f64 {
    let t = match kind.charged_on {
        ChargedOn::Capacity => capacity_t,
        ChargedOn::AverageStock => average_stock_t,
    };
    let quantity = match kind.unit {
        StorageUnit::T => t,
        StorageUnit::TDry => t * (1.0 - moisture_pct / 100.0),
        StorageUnit::M3 => t / bulk_density_t_per_m3,
    };
    quantity * kind.cost_per_unit_month * 12.0
}

// ---------------------------------------------------------------------------------------------
// Sizing
// ---------------------------------------------------------------------------------------------

/// Everything a buffer is sized from.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferInput {
    pub supply: Supply,
    pub demand: Demand,
    /// Cycle service level, 0.5 to 0.9999 (T10, T16: 0.95, or 0.99 for a process that cannot
    /// stop).
    pub service_level: f64,
    /// Days to bring in the virgin backup once the by-product falls short (L).
    pub reaction_days: f64,
    /// Room in the by-product store above the cycle stock; `None`: [`default_headroom_t`].
    pub headroom_t: Option<f64>,
    pub bulk_density_t_per_m3: f64,
    /// Water in the stored material, % of wet mass (for a kind priced per dry tonne).
    pub moisture_pct: f64,
    /// Key of a storage kind in `assets/catalogue/storage.json`.
    pub storage_kind: String,
    /// What one tonne of by-product replaces, at the virgin price (for the safety stock's
    /// holding cost): price per need unit x need units per tonne of by-product.
    pub virgin_value_per_t: f64,
    pub simulation: Simulation,
}

/// The sized buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferSizing {
    pub z: f64,
    pub supply_t_per_yr: f64,
    pub use_t_per_day: f64,
    /// The store the nominal pattern needs (sequent peak).
    pub cycle_stock_t: f64,
    pub headroom_t: f64,
    /// Cycle stock + headroom: the by-product store.
    pub byproduct_store_t: f64,
    /// The closed form's safety stock, where the pattern allows one.
    pub safety_stock_closed_t: Option<f64>,
    /// What the simulation measured.
    pub simulated: Simulated,
    /// The safety stock used below: the closed form's where there is one, else the simulation's.
    pub safety_stock_t: f64,
    /// By-product store + safety stock.
    pub capacity_t: f64,
    pub capacity_m3: f64,
    /// Mean by-product store (simulated) + safety stock.
    pub average_stock_t: f64,
    /// Capacity / the use of one day.
    pub days_of_cover: f64,
    pub storage_kind: String,
    pub storage_cost_per_yr: f64,
    pub safety_stock_holding_cost_per_yr: f64,
    /// Share of the supply's tonnes used with no storage: closed form for a continuous supply,
    /// else simulated.
    pub delivered_share_no_storage: f64,
    /// Share of the supply's tonnes used with the by-product store (simulated).
    pub delivered_share: f64,
}

impl BufferSizing {
    pub fn total_cost_per_yr(&self) -> f64 {
        self.storage_cost_per_yr + self.safety_stock_holding_cost_per_yr
    }
}

/// Sizes the buffer: cycle stock, headroom, safety stock (closed form and simulated), capacity
/// in tonnes, cubic metres and days of cover, yearly costs, and the delivered shares.
pub fn size_buffer(input: &BufferInput) -> Result<BufferSizing, BufferError> {
    let catalogue = StorageCatalogue::builtin()?;
    let kind = catalogue.kind(&input.storage_kind).ok_or_else(|| {
        BufferError::Unsupported(format!(
            "storage kind `{}` is not in assets/catalogue/storage.json (known: {})",
            input.storage_kind,
            catalogue
                .storage_kinds
                .iter()
                .map(|k| k.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let z = z_for_service_level(input.service_level)?;
    check_reaction_days(input.reaction_days)?;
    let density = check(
        "bulk_density_t_per_m3",
        input.bulk_density_t_per_m3,
        |v| v > 0.0 && v <= 25.0,
        "a bulk density above 0 and at most 25 t/m3",
    )?;
    let moisture = check(
        "moisture_pct",
        input.moisture_pct,
        |v| (0.0..100.0).contains(&v),
        "0 to below 100 %",
    )?;
    let value = check(
        "virgin_value_per_t",
        input.virgin_value_per_t,
        |v| v >= 0.0,
        "a price, 0 or more",
    )?;
    let cycle_stock_t = cycle_stock_t(&input.supply, &input.demand)?;
    let headroom_t = match input.headroom_t {
        Some(h) => check("headroom_t", h, |v| v >= 0.0, "tonnes, 0 or more")?,
        None => default_headroom_t(&input.supply, &input.demand, z),
    };
    let byproduct_store_t = cycle_stock_t + headroom_t;
    let safety_stock_closed_t = closed_form_safety_stock_t(
        &input.supply,
        &input.demand,
        headroom_t,
        input.reaction_days,
        z,
    )?;
    let simulated = simulate(
        &input.supply,
        &input.demand,
        byproduct_store_t,
        input.reaction_days,
        input.service_level,
        input.simulation,
    )?;
    let delivered_share_no_storage = match no_storage_share_closed(&input.supply, &input.demand)? {
        Some(share) => share,
        None => {
            simulate(
                &input.supply,
                &input.demand,
                0.0,
                input.reaction_days,
                input.service_level,
                input.simulation,
            )?
            .delivered_share
        }
    };
    let safety_stock_t = safety_stock_closed_t.unwrap_or(simulated.safety_stock_t);
    let capacity_t = byproduct_store_t + safety_stock_t;
    let average_stock_t = simulated.mean_store_t + safety_stock_t;
    let use_t_per_day = input.demand.t_per_day();
    Ok(BufferSizing {
        z,
        supply_t_per_yr: input.supply.t_per_yr(),
        use_t_per_day,
        cycle_stock_t,
        headroom_t,
        byproduct_store_t,
        safety_stock_closed_t,
        safety_stock_t,
        capacity_t,
        capacity_m3: capacity_t / density,
        average_stock_t,
        days_of_cover: capacity_t / use_t_per_day,
        storage_kind: kind.key.clone(),
        storage_cost_per_yr: storage_cost_per_yr(
            kind,
            capacity_t,
            average_stock_t,
            density,
            moisture,
        ),
        safety_stock_holding_cost_per_yr: safety_stock_t
            * value
            * catalogue.defaults.virgin_holding_rate_per_yr,
        delivered_share_no_storage,
        delivered_share: simulated.delivered_share,
        simulated,
    })
}

// ---------------------------------------------------------------------------------------------
// From the region model
// ---------------------------------------------------------------------------------------------

/// Tonnes per unit of a stream counted in `unit`, through its bulk density for cubic metres.
/// Heat counted in MWh has no store here.
pub fn tonnes_per_unit(unit: Unit, bulk_density_t_per_m3: f64) -> Result<f64, BufferError> {
    match unit {
        Unit::Tonne => Ok(1.0),
        Unit::CubicMetre => check(
            "bulk_density_t_per_m3",
            bulk_density_t_per_m3,
            |v| v > 0.0 && v <= 25.0,
            "a bulk density above 0 and at most 25 t/m3",
        ),
        Unit::MegawattHour => Err(BufferError::Unsupported(
            "a stream counted in MWh (heat, steam) is buffered by a heat store, not sized here"
                .to_owned(),
        )),
    }
}

/// The supply of a region's output stream, in tonnes: its pattern and months, its
/// `variability_cv_pct` taken as the day-to-day variation of a continuous flow or of a load's
/// size (0 when not given), and the spread of a load's arrival, which the model does not hold.
pub fn supply_of_stream(
    stream: &OutputStream,
    tonnes_per_unit: f64,
    arrival_sd_days: f64,
) -> Result<Supply, BufferError> {
    let cv = stream.variability_cv_pct.unwrap_or(0.0);
    let months = stream.availability.month_mask();
    let supply = match stream.availability.pattern {
        Pattern::Continuous => {
            Supply::continuous(stream.quantity_per_yr * tonnes_per_unit, cv, months)
        }
        Pattern::Batches {
            batch_quantity,
            every_days,
        } => Supply::batches(
            batch_quantity * tonnes_per_unit,
            every_days,
            cv,
            arrival_sd_days,
            months,
        ),
    };
    supply.validate()?;
    Ok(supply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_match_published_values() {
        // T10: 1.6449 and 2.3263; the tables of B3 and Python's NormalDist agree.
        assert!((normal_quantile(0.95).unwrap() - 1.644_853_626_951_472_2).abs() < 1e-12);
        assert!((normal_quantile(0.99).unwrap() - 2.326_347_874_040_840_8).abs() < 1e-12);
        assert!((normal_quantile(0.01).unwrap() + 2.326_347_874_040_840_8).abs() < 1e-12);
        assert!((normal_quantile(0.5).unwrap()).abs() < 1e-15);
        assert!((normal_cdf(1.96) - 0.975_002_104_851_779_6).abs() < 1e-15);
        assert!((normal_cdf(-4.0) - 3.167_124_183_311_998e-5).abs() < 1e-15);
        assert!((normal_cdf(6.0) - (1.0 - 9.865_876_450_377e-10)).abs() < 1e-15);
        // T13: G(1.6449) = 0.02089, G(2.3263) = 0.00339.
        assert_eq!(format!("{:.5}", normal_loss(1.6449)), "0.02089");
        assert_eq!(format!("{:.5}", normal_loss(2.3263)), "0.00339");
        assert_eq!(normal_quantile(0.0), None);
        assert_eq!(normal_quantile(f64::NAN), None);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let demand = Demand::new(1000.0, ALL_MONTHS);
        for bad in [
            Supply::continuous(-1.0, 10.0, ALL_MONTHS),
            Supply::continuous(0.0, 10.0, ALL_MONTHS),
            Supply::continuous(f64::NAN, 10.0, ALL_MONTHS),
            Supply::continuous(100.0, f64::INFINITY, ALL_MONTHS),
            Supply::continuous(100.0, 10.0, 0),
            Supply::continuous(100.0, 10.0, 0xf000),
            Supply::batches(10.0, 0.5, 0.0, 0.0, ALL_MONTHS),
            Supply::batches(0.0, 7.0, 0.0, 0.0, ALL_MONTHS),
            Supply::batches(10.0, 7.0, 0.0, -1.0, ALL_MONTHS),
        ] {
            assert!(cycle_stock_t(&bad, &demand).is_err(), "{bad:?}");
            assert!(simulate(
                &bad,
                &demand,
                0.0,
                5.0,
                0.95,
                Simulation { years: 3, seed: 1 }
            )
            .is_err());
        }
        let supply = Supply::continuous(1000.0, 10.0, ALL_MONTHS);
        assert!(cycle_stock_t(&supply, &Demand::new(0.0, ALL_MONTHS)).is_err());
        assert!(cycle_stock_t(&supply, &Demand::new(5.0, 0)).is_err());
        assert!(z_for_service_level(1.0).is_err());
        assert!(z_for_service_level(0.3).is_err());
        assert!(z_for_service_level(f64::NAN).is_err());
        assert!(simulate(&supply, &demand, -1.0, 5.0, 0.95, Simulation::default()).is_err());
        assert!(simulate(&supply, &demand, 0.0, 0.0, 0.95, Simulation::default()).is_err());
        assert!(simulate(
            &supply,
            &demand,
            0.0,
            5.0,
            0.95,
            Simulation { years: 1, seed: 1 }
        )
        .is_err());
        assert!(planned_delivered_share(&supply, &demand, f64::NAN).is_err());
        assert!(tonnes_per_unit(Unit::MegawattHour, 1.0).is_err());
        assert!(tonnes_per_unit(Unit::CubicMetre, 0.0).is_err());
    }

    #[test]
    fn every_storage_default_names_a_source_in_the_table() {
        let c = StorageCatalogue::builtin().unwrap();
        let mut missing = Vec::new();
        let mut check_sources =
            |owner: &str, sources: &BTreeMap<String, String>, fields: &[&str]| {
                for field in fields {
                    match sources.get(*field) {
                        None => missing.push(format!("{owner}.{field}: no source")),
                        Some(ids) => {
                            for id in ids.split(',') {
                                if !c.sources.contains_key(id.trim()) {
                                    missing.push(format!("{owner}.{field}: unknown source {id}"));
                                }
                            }
                        }
                    }
                }
            };
        for k in &c.storage_kinds {
            check_sources(&k.key, &k.sources, &["cost_per_unit_month", "charged_on"]);
        }
        check_sources(
            "defaults",
            &c.defaults.sources,
            &[
                "service_level",
                "critical_service_level",
                "reaction_days",
                "virgin_holding_rate_per_yr",
            ],
        );
        assert!(missing.is_empty(), "{missing:#?}");
        for key in ["open_stockpile", "covered_hall", "silo", "tank"] {
            assert!(c.kind(key).is_some(), "{key}");
        }
    }

    #[test]
    fn the_day_rule_uses_arrivals_first_and_refuses_what_does_not_fit() {
        let mut stock = 5.0;
        let f = store_day(&mut stock, 20.0, 10.0, 12.0);
        assert_eq!(
            (f.used_t, f.refused_t, f.unmet_t, stock),
            (10.0, 3.0, 0.0, 12.0)
        );
        let f = store_day(&mut stock, 0.0, 15.0, 12.0);
        assert_eq!(
            (f.used_t, f.refused_t, f.unmet_t, stock),
            (12.0, 0.0, 3.0, 0.0)
        );
    }

    #[test]
    fn a_region_stream_becomes_a_supply_in_tonnes() {
        use crate::model::{Availability, OutputStream};
        let mut stream = OutputStream::new("s", "whey", 2000.0, Unit::CubicMetre);
        stream.variability_cv_pct = Some(15.0);
        stream.availability = Availability {
            pattern: Pattern::Batches {
                batch_quantity: 30.0,
                every_days: 7.0,
            },
            months: vec![4, 5, 6],
            ..Availability::default()
        };
        let t = tonnes_per_unit(stream.unit, 1.03).unwrap();
        let supply = supply_of_stream(&stream, t, 1.5).unwrap();
        assert_eq!(supply.months, 0b0000_0011_1000);
        let SupplyPattern::Batches {
            batch_t,
            every_days,
            size_cv_pct,
            arrival_sd_days,
        } = supply.pattern
        else {
            panic!("batches expected");
        };
        assert!((batch_t - 30.9).abs() < 1e-12);
        assert_eq!((every_days, size_cv_pct, arrival_sd_days), (7.0, 15.0, 1.5));
        // 91 days of April-June, a load every 7 days.
        assert!((supply.t_per_yr() - 30.9 * 91.0 / 7.0).abs() < 1e-9);
        stream.availability.months = vec![13];
        assert!(supply_of_stream(&stream, t, 0.0).is_err());
    }

    #[test]
    fn splitmix_is_reproducible_and_roughly_normal() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let n = 200_000;
        let (mut sum, mut sq, mut above) = (0.0, 0.0, 0);
        for _ in 0..n {
            let z = a.next_normal();
            sum += z;
            sq += z * z;
            if z > 1.6449 {
                above += 1;
            }
        }
        let mean = sum / f64::from(n);
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((sq / f64::from(n) - 1.0).abs() < 0.01);
        assert!((f64::from(above) / f64::from(n) - 0.05).abs() < 0.002);
    }
}
