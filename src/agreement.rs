//! Supply agreements judged against the stream they bind (`docs/AGREEMENTS.md`).
//!
//! A receiver signs for quality limits, a volume and a schedule; the supplier's stream has a
//! mean composition and a coefficient of variation (CV). From those this module says how often
//! a delivery would fall outside the agreed quality, the units a year that would be off-spec
//! or short of the commitment, and the penalties the supplier should expect to pay, plus each
//! company's gain at the agreed price. Every formula is in `docs/AGREEMENTS.md` with a worked
//! example that `tests/agreement_worked_example.rs` reproduces.
//!
//! Model, stated once:
//! - a quality parameter of one delivery is lognormal with the stream's mean as delivered
//!   (after its preprocessing) and the stream's CV (a concentration cannot go below zero and
//!   its spread is skewed; the lognormal is the usual model of one: Ott 1990, "A physical
//!   explanation of the lognormality of pollutant concentrations", J. Air Waste Manage. Assoc.
//!   40:1378-1383);
//! - parameters vary independently, so a delivery is off-spec with probability
//!   `1 - prod(1 - p_i)` (with any dependence it lies between `max p_i` and that: both are
//!   reported);
//! - deliveries are independent, so the yearly quantity has the mean of the year's
//!   deliveries and a CV of `cv / sqrt(n)`, and is normal (a sum of many deliveries).

use crate::buffer::{active_days, normal_cdf, normal_loss};
use crate::checks::month_list;
use crate::economics::{apply_preprocessing, gains, runnable_steps, StreamBasis};
use crate::matching::{Candidate, Engine};
use crate::model::{
    month_mask, Need, OutputStream, Pattern, PriceBasis, Project, QualityLimit, Region,
    SupplyAgreement, Unit, MOISTURE_PARAMETER,
};

/// Where a quality parameter's mean comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeanBasis {
    /// The stream's own characterisation.
    Stream,
    /// The stream's moisture after its preprocessing.
    Preprocessed,
    /// The material's typical value (the stream says nothing).
    Typical,
}

impl MeanBasis {
    pub fn label(self) -> &'static str {
        match self {
            MeanBasis::Stream => "the stream's",
            MeanBasis::Preprocessed => "after preprocessing",
            MeanBasis::Typical => "the material's typical",
        }
    }
}

/// One quality limit against the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct QualityRisk {
    pub limit: QualityLimit,
    /// The parameter's mean in a delivery, %, and where it comes from; `None`: unknown.
    pub mean: Option<(f64, MeanBasis)>,
    /// Probability that one delivery falls outside the limit; `None` when the mean or the
    /// stream's CV is unknown.
    pub probability: Option<f64>,
}

/// An agreement judged against its exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    /// Unit of every quantity below: the stream's delivered unit.
    pub unit: Unit,
    /// The stream's coefficient of variation, %, when known.
    pub cv_pct: Option<f64>,
    pub quality: Vec<QualityRisk>,
    /// Probability that a delivery is off-spec, parameters independent (the upper end), and
    /// the most likely single breach (the lower end, parameters fully dependent). `None`
    /// when a limit cannot be judged.
    pub off_spec_probability: Option<f64>,
    pub off_spec_probability_low: Option<f64>,
    pub deliveries_per_yr: f64,
    /// What the pair can exchange a year (stream after preprocessing, the need's share).
    pub exchangeable_per_yr: f64,
    /// What the agreement expects a year: the exchangeable quantity, at most `max_per_yr`.
    pub expected_per_yr: f64,
    pub off_spec_per_yr: Option<f64>,
    pub off_spec_penalty_per_yr: Option<f64>,
    /// Expected units a year short of `min_per_yr`, and the penalty on them.
    pub shortfall_per_yr: f64,
    pub short_penalty_per_yr: f64,
    /// The agreed price per delivered unit (negative: a gate fee the supplier pays).
    pub price_per_unit: f64,
    /// Each company's gain a year at the agreed price, before penalties.
    pub sender_gain_per_yr: f64,
    pub receiver_gain_per_yr: f64,
    /// Terms the stream cannot meet as characterised, in words.
    pub findings: Vec<String>,
}

impl Assessment {
    /// The supplier's expected penalties a year (off-spec unknown counts as 0).
    pub fn penalties_per_yr(&self) -> f64 {
        self.off_spec_penalty_per_yr.unwrap_or(0.0) + self.short_penalty_per_yr
    }
}

/// Probability that a lognormal quantity with `mean` and coefficient of variation `cv` (a
/// fraction) lies below `min` or above `max`. With `cv` 0 the quantity is its mean.
pub fn outside_probability(mean: f64, cv: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    if mean <= 0.0 || cv <= 0.0 {
        let below = min.is_some_and(|l| mean < l);
        let above = max.is_some_and(|u| mean > u);
        return if below || above { 1.0 } else { 0.0 };
    }
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let mu = mean.ln() - 0.5 * sigma * sigma;
    let cdf = |x: f64| {
        if x <= 0.0 {
            0.0
        } else {
            normal_cdf((x.ln() - mu) / sigma)
        }
    };
    let below = min.map_or(0.0, cdf);
    let above = max.map_or(0.0, |u| 1.0 - cdf(u));
    (below + above).min(1.0)
}

/// Expected amount by which a normal quantity (mean `mu`, standard deviation `sigma`) falls
/// short of `floor`: `E[(floor - X)+] = sigma G((mu - floor) / sigma)` with `G` the standard
/// normal loss function.
pub fn expected_shortfall(mu: f64, sigma: f64, floor: f64) -> f64 {
    if sigma <= 0.0 {
        return (floor - mu).max(0.0);
    }
    sigma * normal_loss((mu - floor) / sigma)
}

/// Deliveries a year: the days of the delivery months over the days between deliveries, or
/// one a day for a steady flow.
pub fn deliveries_per_yr(agreement: &SupplyAgreement) -> f64 {
    let days = f64::from(active_days(month_mask(&agreement.delivery_months)));
    match agreement.delivery_every_days {
        Some(every) if every > 0.0 => (days / every).max(1.0),
        _ => days,
    }
}

/// The quality limits an agreement starts from: the need's specification.
pub fn quality_from_need(need: &Need) -> Vec<QualityLimit> {
    let spec = &need.spec;
    let mut out = Vec::new();
    if let Some(max) = spec.max_moisture_pct {
        out.push(QualityLimit::new(MOISTURE_PARAMETER, None, Some(max)));
    }
    for c in &spec.min_constituents {
        out.push(QualityLimit::new(&c.name, Some(c.mass_pct), None));
    }
    for c in &spec.max_constituents {
        out.push(QualityLimit::new(&c.name, None, Some(c.mass_pct)));
    }
    out
}

/// A first draft for a candidate exchange: the need's quality limits, its whole exchangeable
/// quantity as the most a year, deliveries as the stream comes (its batches, or weekly), the
/// surplus halved, everything else left for the companies to fill in.
pub fn draft(candidate: &Candidate, stream: &OutputStream, need: &Need) -> SupplyAgreement {
    let every = match stream.availability.pattern {
        Pattern::Batches { every_days, .. } => every_days,
        Pattern::Continuous => 7.0,
    };
    SupplyAgreement {
        quality: quality_from_need(need),
        max_per_yr: Some(round_sig(candidate.annual.exchanged_per_yr)),
        delivery_every_days: Some(every),
        delivery_months: need.availability.months.clone(),
        ..SupplyAgreement::default()
    }
}

/// Three significant figures: a draft's numbers read as proposals, not as measurements.
fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// The unit the stream is delivered in: its own, or t once its preprocessing changes it.
pub fn delivered_unit(engine: &Engine, stream: &OutputStream) -> Unit {
    if stream.preprocessing.is_empty() {
        return stream.unit;
    }
    let basis = StreamBasis::of(stream, engine.catalogue.material(&stream.material));
    let (steps, _) = runnable_steps(&basis, &stream.preprocessing, &engine.catalogue);
    apply_preprocessing(&basis, &steps, &engine.catalogue).map_or(stream.unit, |p| p.delivered_unit)
}

/// The mean of one quality parameter in a delivery, %.
fn parameter_mean(
    engine: &Engine,
    stream: &OutputStream,
    parameter: &str,
) -> Option<(f64, MeanBasis)> {
    if parameter == MOISTURE_PARAMETER {
        let material = engine.catalogue.material(&stream.material);
        let basis = StreamBasis::of(stream, material);
        let (steps, _) = runnable_steps(&basis, &stream.preprocessing, &engine.catalogue);
        if !steps.is_empty() {
            if let Ok(p) = apply_preprocessing(&basis, &steps, &engine.catalogue) {
                if let Some(m) = p.moisture_pct {
                    return Some((m, MeanBasis::Preprocessed));
                }
            }
        }
        return match (stream.moisture_pct, basis.moisture_pct) {
            (Some(m), _) => Some((m, MeanBasis::Stream)),
            (None, Some(m)) => Some((m, MeanBasis::Typical)),
            (None, None) => None,
        };
    }
    stream
        .composition
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(parameter))
        .map(|c| (c.mass_pct, MeanBasis::Stream))
}

/// Judges `agreement` for the exchange `candidate` (its stream and need in `region`).
pub fn assess(
    engine: &Engine,
    region: &Region,
    candidate: &Candidate,
    agreement: &SupplyAgreement,
) -> Assessment {
    let stream = &region.facilities[candidate.from_facility].outputs[candidate.stream];
    let unit = delivered_unit(engine, stream);
    let cv = stream.variability_cv_pct.map(|v| v / 100.0);
    let mut findings = Vec::new();
    let quality: Vec<QualityRisk> = agreement
        .quality
        .iter()
        .map(|limit| {
            let mean = parameter_mean(engine, stream, &limit.parameter);
            let probability = match (mean, cv) {
                (Some((m, _)), Some(cv)) => {
                    Some(outside_probability(m, cv, limit.min_pct, limit.max_pct))
                }
                _ => None,
            };
            if mean.is_none() {
                findings.push(format!(
                    "{} of the stream is not known: ask for an analysis",
                    parameter_label(&limit.parameter)
                ));
            }
            QualityRisk {
                limit: limit.clone(),
                mean,
                probability,
            }
        })
        .collect();
    if cv.is_none() && !quality.is_empty() {
        findings.push(
            "the stream's variability (CV) is not known: how often a delivery is off-spec \
             cannot be judged"
                .to_owned(),
        );
    }
    let judged: Option<Vec<f64>> = quality.iter().map(|q| q.probability).collect();
    let off_spec_probability = judged
        .as_ref()
        .map(|ps| 1.0 - ps.iter().map(|p| 1.0 - p).product::<f64>());
    let off_spec_probability_low = judged
        .as_ref()
        .map(|ps| ps.iter().copied().fold(0.0, f64::max));

    let exchangeable_per_yr = candidate.annual.exchanged_per_yr;
    let expected_per_yr = agreement
        .max_per_yr
        .map_or(exchangeable_per_yr, |m| exchangeable_per_yr.min(m));
    let n = deliveries_per_yr(agreement);
    let (shortfall_per_yr, short_penalty_per_yr) = match agreement.min_per_yr {
        Some(floor) => {
            if floor > exchangeable_per_yr {
                findings.push(format!(
                    "the commitment of {} {} a year is more than the stream can deliver ({} {})",
                    quantity_text(floor),
                    unit.symbol(),
                    quantity_text(exchangeable_per_yr),
                    unit.symbol()
                ));
            }
            let sigma = cv.map_or(0.0, |cv| cv * expected_per_yr / n.sqrt());
            let short = expected_shortfall(expected_per_yr, sigma, floor);
            (
                short,
                short * agreement.penalty_short_per_unit.unwrap_or(0.0),
            )
        }
        None => (0.0, 0.0),
    };
    let off_spec_per_yr = off_spec_probability.map(|p| p * expected_per_yr);
    let off_spec_penalty_per_yr =
        off_spec_per_yr.map(|u| u * agreement.penalty_off_spec_per_unit.unwrap_or(0.0));

    // The stream's batches against the agreed delivery sizes.
    if let Pattern::Batches { batch_quantity, .. } = stream.availability.pattern {
        let batch = batch_quantity * candidate.mass_factor;
        if let Some(min) = agreement.min_per_delivery {
            if min > batch {
                findings.push(format!(
                    "a delivery of at least {} needs {:.1} of the stream's batches of {}: the \
                     supplier must store between batches",
                    quantity_text(min),
                    min / batch,
                    quantity_text(batch)
                ));
            }
        }
        if let Some(max) = agreement.max_per_delivery {
            if max < batch {
                findings.push(format!(
                    "a batch of {} is more than the largest delivery of {}: split it or store it",
                    quantity_text(batch),
                    quantity_text(max)
                ));
            }
        }
    }
    // Months deliveries are due but the stream does not flow.
    let dry = month_mask(&agreement.delivery_months) & !stream.availability.month_mask();
    if dry != 0 && agreement.buffer_t.is_none_or(|t| t <= 0.0) {
        findings.push(format!(
            "deliveries are due in {} when the stream does not flow, and no buffer is agreed",
            month_list(dry)
        ));
    }

    let price_per_unit = price_per_unit(candidate, agreement);
    let g = gains(&candidate.value, expected_per_yr, Some(price_per_unit));
    for (gain, who) in [
        (g.sender_per_unit, "supplier"),
        (g.receiver_per_unit, "receiver"),
    ] {
        if gain < 0.0 {
            findings.push(format!("at this price the {who} loses on every unit"));
        } else if gain == 0.0 {
            findings.push(format!(
                "at this price the {who} gains nothing: it has no reason to sign"
            ));
        }
    }
    Assessment {
        unit,
        cv_pct: stream.variability_cv_pct,
        quality,
        off_spec_probability,
        off_spec_probability_low,
        deliveries_per_yr: n,
        exchangeable_per_yr,
        expected_per_yr,
        off_spec_per_yr,
        off_spec_penalty_per_yr,
        shortfall_per_yr,
        short_penalty_per_yr,
        price_per_unit,
        sender_gain_per_yr: g.sender_per_yr,
        receiver_gain_per_yr: g.receiver_per_yr,
        findings,
    }
}

/// The agreed price per delivered unit.
pub fn price_per_unit(candidate: &Candidate, agreement: &SupplyAgreement) -> f64 {
    let v = &candidate.value;
    let value = agreement.price.value;
    match agreement.price.basis {
        PriceBasis::Fixed => value,
        PriceBasis::ShareOfCurrent => value / 100.0 * v.replaced_purchase_per_unit,
        PriceBasis::SurplusShare => {
            let sender_alone = v.avoided_outlet_per_unit - v.preprocessing_cost_per_unit;
            value / 100.0 * v.private_net_per_unit() - sender_alone
        }
    }
}

/// The project's exchange and agreement judged, when it names a stream, a need and terms.
pub fn assess_project(
    engine: &Engine,
    region: &Region,
    project: &Project,
) -> Option<(Candidate, Assessment)> {
    let agreement = project.agreement.as_ref()?;
    let candidate = project_candidate(engine, region, project)?;
    let a = assess(engine, region, &candidate, agreement);
    Some((candidate, a))
}

/// The engine's view of a project's exchange, at any distance.
pub fn project_candidate(engine: &Engine, region: &Region, project: &Project) -> Option<Candidate> {
    let s = region.output_index(project.stream.as_deref()?)?;
    let n = region.need_index(project.need.as_deref()?)?;
    crate::pipeline::evaluate_pair(engine, region, s, n)
}

/// `Meadow Vegetables'` or `Delta Steel's`.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// `moisture` or a constituent's name, for a sentence.
pub fn parameter_label(parameter: &str) -> String {
    if parameter == MOISTURE_PARAMETER {
        "moisture".to_owned()
    } else {
        parameter.replace('_', " ")
    }
}

/// A quantity for reading: whole numbers in groups of three from 100 up, apart by a no-break
/// space (`39 799`, never wrapped between its groups), one decimal below.
pub fn quantity_text(v: f64) -> String {
    if v.abs() >= 100.0 {
        crate::cli::thousands(v).replace(' ', "\u{a0}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A probability range as a share of deliveries: `0.93 %`, or `0.90-0.93 %` when the
/// dependence bounds differ.
pub fn percent_range(low: f64, high: f64) -> String {
    if (high - low).abs() < 0.000_05 {
        format!("{:.2} %", 100.0 * high)
    } else {
        format!("{:.2}-{:.2} %", 100.0 * low, 100.0 * high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_probability_limits() {
        // No spread: inside or outside.
        assert_eq!(outside_probability(10.0, 0.0, None, Some(12.0)), 0.0);
        assert_eq!(outside_probability(13.0, 0.0, None, Some(12.0)), 1.0);
        // The median of a lognormal is below its mean: P(X > mean) < 0.5.
        let p = outside_probability(10.0, 0.3, None, Some(10.0));
        assert!(p < 0.5 && p > 0.4, "{p}");
        // Both sides add up.
        let lo = outside_probability(10.0, 0.2, Some(8.0), None);
        let hi = outside_probability(10.0, 0.2, None, Some(12.0));
        let both = outside_probability(10.0, 0.2, Some(8.0), Some(12.0));
        assert!((both - (lo + hi)).abs() < 1e-12);
    }

    #[test]
    fn shortfall_limits() {
        assert_eq!(expected_shortfall(100.0, 0.0, 80.0), 0.0);
        assert_eq!(expected_shortfall(70.0, 0.0, 80.0), 10.0);
        // Mean at the floor: sigma * phi(0).
        let s = expected_shortfall(100.0, 10.0, 100.0);
        assert!(
            (s - 10.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-9,
            "{s}"
        );
    }

    #[test]
    fn deliveries_count_the_months() {
        let mut a = SupplyAgreement {
            delivery_every_days: Some(7.0),
            ..SupplyAgreement::default()
        };
        assert!((deliveries_per_yr(&a) - 365.0 / 7.0).abs() < 1e-9);
        a.delivery_months = vec![1, 2, 3];
        assert!((deliveries_per_yr(&a) - 90.0 / 7.0).abs() < 1e-9);
        a.delivery_every_days = None;
        assert_eq!(deliveries_per_yr(&a), 90.0);
    }

    #[test]
    fn quantities_read() {
        assert_eq!(quantity_text(39_798.99), "39\u{a0}799");
        assert_eq!(quantity_text(-1_234_567.0), "-1\u{a0}234\u{a0}567");
        assert_eq!(quantity_text(7.0), "7");
        assert_eq!(quantity_text(2.25), "2.2");
    }

    #[test]
    fn month_names_read() {
        assert_eq!(month_list(0b1000_0000_0011), "Jan, Feb, Dec");
        assert_eq!(month_mask(&[1, 2, 12, 13]), 0b1000_0000_0011);
        assert_eq!(percent_range(0.009, 0.009), "0.90 %");
    }
}
