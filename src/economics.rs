//! Break-even economics of one exchange: preprocessing at the source, substitution at the
//! receiver, transport in between. The formulas and worked examples are in `docs/ECONOMICS.md`;
//! `tests/economics_worked_examples.rs` reproduces every example.
//!
//! The computation is split so that the per-pair work is a handful of flops:
//! - [`DeliveredProfile`]: a stream after its preprocessing chain, per source unit (once per
//!   stream and chain);
//! - [`SupplySide`]: what one stream under one rule brings, per delivered unit (once per stream
//!   and rule);
//! - [`DemandSide`]: what one need pays and emits for the virgin material (once per need);
//! - [`ModeRates`]: a transport mode's cost and emissions for this delivered material;
//! - [`evaluate`]: net value, break-even distance and CO2 at one distance (per pair).
//!
//! With the region's own materials (a `materials.csv` with transport cost, processing cost and
//! detour) and no preprocessing, every factor here is exactly 1 or 0 and [`evaluate`] performs
//! the reference peers' arithmetic bit for bit: `margin = (disposal + price) - processing`,
//! `break_even = margin / transport`, `net = margin - transport * d`.

use crate::catalogue::{Access, Catalogue, Material, Rule, TransportMode};
use crate::model::{
    DisposalRoute, Facility, ModeKey, Need, OutputStream, PhysicalState, PreprocessStep, Settings,
    Unit,
};

/// Converts `amount` of `from` into `to`, using the bulk density for t <-> m3.
/// `None` when the units cannot be converted (heat into tonnes, or no density known).
pub fn convert_units(
    amount: f64,
    from: Unit,
    to: Unit,
    density_t_per_m3: Option<f64>,
) -> Option<f64> {
    match (from, to) {
        _ if from == to => Some(amount),
        (Unit::CubicMetre, Unit::Tonne) => density_t_per_m3.map(|rho| amount * rho),
        (Unit::Tonne, Unit::CubicMetre) => density_t_per_m3
            .filter(|rho| *rho > 0.0)
            .map(|rho| amount / rho),
        _ => None,
    }
}

/// Why a preprocessing chain cannot be applied as asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PreprocessError {
    #[error("unknown preprocessing step `{0}`")]
    UnknownStep(String),
    #[error("{step} works on {accepted}, but the stream is {state} at that point")]
    WrongState {
        step: String,
        accepted: String,
        state: PhysicalState,
    },
    #[error("{step} needs the stream in t or m3 with a known density; it is in {unit}")]
    NoMass { step: String, unit: Unit },
    #[error("{step} needs to know the moisture; give the stream's moisture_pct")]
    MoistureUnknown { step: String },
    #[error("{step} needs at most {limit_pct} % moisture, but the stream is at {moisture_pct:.1} %: dry it first")]
    TooWet {
        step: String,
        limit_pct: f64,
        moisture_pct: f64,
    },
    #[error("{step} reaches {min_pct} % moisture at best; {target_pct} % was asked")]
    TargetTooDry {
        step: String,
        min_pct: f64,
        target_pct: f64,
    },
    #[error("{step} to {target_pct} % does nothing: the stream is already at {moisture_pct:.1} %")]
    AlreadyDrier {
        step: String,
        target_pct: f64,
        moisture_pct: f64,
    },
    #[error("{step} gives {min}..{max} t/m3; {target} t/m3 was asked")]
    DensityOutOfRange {
        step: String,
        min: f64,
        max: f64,
        target: f64,
    },
    #[error("{step} needs the stream's bulk density; give bulk_density_t_per_m3")]
    DensityUnknown { step: String },
}

/// A stream as it leaves the site after its preprocessing chain, per unit of source stream.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveredProfile {
    /// Unit of the delivered material: the stream's, or t once mass-changing steps ran on m3.
    pub delivered_unit: Unit,
    /// Delivered units per source unit: (1 - w) / (1 - w') for drying from w to w'.
    pub mass_factor: f64,
    pub state: PhysicalState,
    pub moisture_pct: Option<f64>,
    pub bulk_density_t_per_m3: Option<f64>,
    /// Preprocessing operating cost plus energy, per source unit.
    pub preprocessing_cost_per_source_unit: f64,
    pub preprocessing_kwh_per_source_unit: f64,
    pub preprocessing_co2_kg_per_source_unit: f64,
    /// Multiplies transport handling cost (bales and pellets handle more cheaply).
    pub handling_factor: f64,
    /// Dry matter per delivered unit relative to the material at its typical moisture: scales
    /// the substitution ratio, (1 - w') / (1 - `w_typical`).
    pub dry_matter_factor: f64,
}

/// A stream's characterisation with the material's typical values filled in where the stream
/// says nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamBasis {
    pub unit: Unit,
    pub state: PhysicalState,
    pub moisture_pct: Option<f64>,
    pub bulk_density_t_per_m3: Option<f64>,
    pub typical_moisture_pct: Option<f64>,
}

impl StreamBasis {
    pub fn of(stream: &OutputStream, material: Option<&Material>) -> Self {
        let state = stream
            .physical_state
            .or(material.map(|m| m.state))
            .unwrap_or(PhysicalState::Solid);
        let typical_moisture_pct = material
            .and_then(|m| m.typical_moisture_pct)
            .filter(|_| state.has_moisture());
        Self {
            unit: stream.unit,
            state,
            moisture_pct: stream
                .moisture_pct
                .or(typical_moisture_pct)
                .filter(|_| state.has_moisture()),
            bulk_density_t_per_m3: stream
                .bulk_density_t_per_m3
                .or(material.and_then(|m| m.bulk_density_t_per_m3)),
            typical_moisture_pct,
        }
    }
}

/// Applies a preprocessing chain to a stream, step by step.
pub fn apply_preprocessing(
    basis: &StreamBasis,
    steps: &[PreprocessStep],
    catalogue: &Catalogue,
) -> Result<DeliveredProfile, PreprocessError> {
    let mut state = basis.state;
    let mut moisture_pct = basis.moisture_pct;
    let mut density = basis.bulk_density_t_per_m3;
    let mut cost = 0.0;
    let mut kwh = 0.0;
    let mut co2 = 0.0;
    let mut handling_factor = 1.0;
    // Tonnes per source unit while steps run.
    let mut mass_t = 1.0;
    let mut delivered_unit = basis.unit;

    if !steps.is_empty() {
        let Some(mass0) = convert_units(1.0, basis.unit, Unit::Tonne, density) else {
            return Err(PreprocessError::NoMass {
                step: steps[0].step.clone(),
                unit: basis.unit,
            });
        };
        mass_t = mass0;
        delivered_unit = Unit::Tonne;
    }

    for step in steps {
        let Some(option) = catalogue.preprocess_option(&step.step) else {
            return Err(PreprocessError::UnknownStep(step.step.clone()));
        };
        let name = || option.name.clone();
        if !option.applies_to.contains(&state) {
            return Err(PreprocessError::WrongState {
                step: name(),
                accepted: option
                    .applies_to
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join(" or "),
                state,
            });
        }
        if let Some(limit_pct) = option.requires_max_moisture_pct {
            match moisture_pct {
                Some(w) if w > limit_pct => {
                    return Err(PreprocessError::TooWet {
                        step: name(),
                        limit_pct,
                        moisture_pct: w,
                    })
                }
                Some(_) => {}
                None => return Err(PreprocessError::MoistureUnknown { step: name() }),
            }
        }
        let Some(carrier) = catalogue.energy_carrier(&option.energy_carrier) else {
            return Err(PreprocessError::UnknownStep(step.step.clone()));
        };
        let mut step_kwh = option.energy_kwh_per_t_input * mass_t;
        cost += option.cost_per_t_input * mass_t;

        if let Some(effect) = &option.moisture {
            let Some(w_pct) = moisture_pct else {
                return Err(PreprocessError::MoistureUnknown { step: name() });
            };
            let target_pct = step
                .target_moisture_pct
                .unwrap_or(effect.default_target_pct);
            if target_pct < effect.min_target_pct {
                return Err(PreprocessError::TargetTooDry {
                    step: name(),
                    min_pct: effect.min_target_pct,
                    target_pct,
                });
            }
            if target_pct >= w_pct {
                return Err(PreprocessError::AlreadyDrier {
                    step: name(),
                    target_pct,
                    moisture_pct: w_pct,
                });
            }
            let ratio = (1.0 - w_pct / 100.0) / (1.0 - target_pct / 100.0);
            let water_removed_t = mass_t * (1.0 - ratio);
            step_kwh += option.energy_kwh_per_t_water_removed * water_removed_t;
            mass_t *= ratio;
            density = density.map(|rho| rho * ratio.powf(effect.density_exponent));
            moisture_pct = Some(target_pct);
        }
        if let Some(effect) = &option.density {
            let target = step
                .target_density_t_per_m3
                .unwrap_or(effect.default_t_per_m3);
            if !(effect.min_t_per_m3..=effect.max_t_per_m3).contains(&target) {
                return Err(PreprocessError::DensityOutOfRange {
                    step: name(),
                    min: effect.min_t_per_m3,
                    max: effect.max_t_per_m3,
                    target,
                });
            }
            let Some(rho) = density else {
                return Err(PreprocessError::DensityUnknown { step: name() });
            };
            // Densification never makes a material lighter than it already is.
            density = Some(rho.max(target));
        }
        if let Some(out) = option.output_state {
            state = out;
        }
        handling_factor *= option.handling_factor;
        cost += step_kwh * carrier.price_per_kwh;
        co2 += step_kwh * carrier.co2_kg_per_kwh;
        kwh += step_kwh;
    }

    let dry_matter_factor = match (moisture_pct, basis.typical_moisture_pct) {
        (Some(w), Some(w_ref)) if w_ref < 100.0 => (1.0 - w / 100.0) / (1.0 - w_ref / 100.0),
        _ => 1.0,
    };
    Ok(DeliveredProfile {
        delivered_unit,
        // With no chain the delivered unit is the stream's own; otherwise tonnes per source unit.
        mass_factor: if steps.is_empty() { 1.0 } else { mass_t },
        state,
        moisture_pct,
        bulk_density_t_per_m3: density,
        preprocessing_cost_per_source_unit: cost,
        preprocessing_kwh_per_source_unit: kwh,
        preprocessing_co2_kg_per_source_unit: co2,
        handling_factor,
        dry_matter_factor,
    })
}

/// A transport mode's rates for one delivered material, per delivered unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModeRates {
    pub mode: ModeKey,
    pub cost_per_unit_km: f64,
    pub handling_per_unit: f64,
    pub co2_kg_per_unit_km: f64,
    /// Payload / actual load: above 1 when a light material fills the volume first.
    pub volume_penalty: f64,
}

/// The modes that can carry one delivered material: at most one per [`ModeKey`], kept inline
/// (a search prepares millions of these).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModeSet {
    len: u8,
    rates: [ModeRates; 4],
}

impl Default for ModeSet {
    fn default() -> Self {
        let empty = ModeRates {
            mode: ModeKey::Truck,
            cost_per_unit_km: 0.0,
            handling_per_unit: 0.0,
            co2_kg_per_unit_km: 0.0,
            volume_penalty: 1.0,
        };
        Self {
            len: 0,
            rates: [empty; 4],
        }
    }
}

impl ModeSet {
    /// Adds a mode; a second entry for the same mode, or a fifth, is ignored.
    pub fn push(&mut self, rates: ModeRates) {
        let n = usize::from(self.len);
        if n < self.rates.len() && !self.iter().any(|r| r.mode == rates.mode) {
            self.rates[n] = rates;
            self.len += 1;
        }
    }

    pub fn single(rates: ModeRates) -> Self {
        let mut set = Self::default();
        set.push(rates);
        set
    }
}

impl std::ops::Deref for ModeSet {
    type Target = [ModeRates];
    fn deref(&self) -> &[ModeRates] {
        &self.rates[..usize::from(self.len)]
    }
}

/// Why a mode cannot carry a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeBlock {
    State,
    Unit,
    NoSiding,
    NoQuay,
}

impl ModeBlock {
    pub fn explain(self) -> &'static str {
        match self {
            ModeBlock::State => "cannot carry this physical state",
            ModeBlock::Unit => "has no rate for this unit (or the density is unknown)",
            ModeBlock::NoSiding => "needs a rail siding at both sites",
            ModeBlock::NoQuay => "needs a quay at both sites",
        }
    }
}

/// Rates of `mode` for the delivered material, before checking site access.
pub fn mode_rates(
    mode: &TransportMode,
    profile: &DeliveredProfile,
    material: Option<&Material>,
    settings: &Settings,
) -> Result<ModeRates, ModeBlock> {
    if !mode.states.contains(&profile.state) {
        return Err(ModeBlock::State);
    }
    let unit = profile.delivered_unit;
    let density = profile.bulk_density_t_per_m3;
    // A rate per t also prices a stream in m3 through its density, and the other way round.
    let rate = |rates: &crate::catalogue::UnitRates| -> Option<f64> {
        rates.get(unit).or_else(|| match unit {
            Unit::CubicMetre => rates.t.and_then(|r| density.map(|rho| r * rho)),
            Unit::Tonne => rates
                .m3
                .and_then(|r| density.filter(|rho| *rho > 0.0).map(|rho| r / rho)),
            Unit::MegawattHour => None,
        })
    };
    let (Some(cost), Some(co2)) = (rate(&mode.cost_per_unit_km), rate(&mode.co2_kg_per_unit_km))
    else {
        return Err(ModeBlock::Unit);
    };
    let handling = rate(&mode.handling_cost_per_unit).unwrap_or(0.0);
    // Vehicles that fill their volume before their payload carry fewer tonnes per trip.
    let volume_penalty = match (mode.payload_t, mode.volume_m3, density) {
        (Some(payload), Some(volume), Some(rho)) if unit == Unit::Tonne && rho > 0.0 => {
            (payload / (volume * rho)).max(1.0)
        }
        _ => 1.0,
    };
    let (cost_per_unit_km, handling_per_unit) =
        match material.and_then(|m| m.transport_cost_per_unit_km) {
            // The region priced this material's transport all-in.
            Some(own) => (own, 0.0),
            None => (cost * volume_penalty, handling * profile.handling_factor),
        };
    Ok(ModeRates {
        mode: mode.key,
        cost_per_unit_km: cost_per_unit_km * settings.transport_cost_factor,
        handling_per_unit,
        co2_kg_per_unit_km: co2 * volume_penalty,
        volume_penalty,
    })
}

/// Does the mode's infrastructure exist at both sites?
pub fn mode_access(mode: &TransportMode, a: &Facility, b: &Facility) -> Result<(), ModeBlock> {
    match mode.requires {
        Some(Access::RailSiding) if !(a.rail_siding && b.rail_siding) => Err(ModeBlock::NoSiding),
        Some(Access::Quay) if !(a.quay && b.quay) => Err(ModeBlock::NoQuay),
        _ => Ok(()),
    }
}

/// What one stream under one rule brings, per delivered unit, independent of the receiver.
#[derive(Clone, Debug, PartialEq)]
pub struct SupplySide {
    /// Disposal cost avoided per delivered unit: D / `mass_factor`.
    pub avoided_disposal_per_unit: f64,
    /// Treatment (indirect rules), material processing and preprocessing, per delivered unit.
    pub fixed_cost_per_unit: f64,
    /// Preprocessing and treatment emissions per delivered unit.
    pub fixed_co2_kg_per_unit: f64,
    /// Units of the rule's `to` material replaced per delivered unit.
    pub ratio_to_units: f64,
    /// Delivered units per source unit.
    pub mass_factor: f64,
}

impl SupplySide {
    /// `disposal_cost_per_unit` and `processing_cost_per_unit` are per source unit.
    pub fn new(
        profile: &DeliveredProfile,
        from: &Material,
        rule: Option<&Rule>,
        disposal_cost_per_unit: f64,
    ) -> Option<SupplySide> {
        let mf = profile.mass_factor;
        let ratio = rule.map_or(1.0, |r| r.substitution_ratio);
        // One delivered unit in the from-material's unit, at the delivered density.
        let in_from_units = if profile.delivered_unit == from.unit {
            1.0
        } else {
            convert_units(
                1.0,
                profile.delivered_unit,
                from.unit,
                profile.bulk_density_t_per_m3,
            )?
        };
        let treatment = rule.and_then(|r| r.treatment.as_ref());
        let per_source = treatment.map_or(0.0, |t| t.cost_per_unit)
            + profile.preprocessing_cost_per_source_unit
            + from.processing_cost_per_unit.unwrap_or(0.0);
        let co2_per_source = treatment.map_or(0.0, |t| t.co2_kg_per_unit)
            + profile.preprocessing_co2_kg_per_source_unit;
        Some(SupplySide {
            avoided_disposal_per_unit: disposal_cost_per_unit / mf,
            fixed_cost_per_unit: per_source / mf,
            fixed_co2_kg_per_unit: co2_per_source / mf,
            ratio_to_units: ratio * profile.dry_matter_factor * in_from_units,
            mass_factor: mf,
        })
    }
}

/// What the receiver saves per unit of the rule's `to` material (in that material's unit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemandSide {
    pub price_per_to_unit: f64,
    pub virgin_co2_kg_per_to_unit: f64,
    /// Need units per unit of the to-material.
    pub need_units_per_to_unit: f64,
}

impl DemandSide {
    pub fn new(need: &Need, to: &Material) -> Option<DemandSide> {
        let need_units_per_to_unit = if need.unit == to.unit {
            1.0
        } else {
            convert_units(1.0, to.unit, need.unit, to.bulk_density_t_per_m3)?
        };
        let price_per_need_unit = need
            .virgin_price_per_unit
            .or(to.virgin_price_per_unit)
            .unwrap_or(0.0);
        let co2_per_to_unit = to.virgin_emission_kg_co2_per_unit.unwrap_or(0.0);
        Some(DemandSide {
            price_per_to_unit: need_units_per_to_unit * price_per_need_unit,
            virgin_co2_kg_per_to_unit: co2_per_to_unit,
            need_units_per_to_unit,
        })
    }
}

/// The economics of one pair at one distance by one mode, per delivered unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairValue {
    pub mode: ModeKey,
    pub distance_km: f64,
    /// Net value at zero distance.
    pub value_at_zero_per_unit: f64,
    /// Loss of net value per km.
    pub slope_per_unit_km: f64,
    /// Where net value reaches zero: 0 if never positive, infinite if transport is free.
    pub break_even_km: f64,
    pub net_value_per_unit: f64,
    /// Avoided virgin production minus preprocessing, treatment and transport emissions.
    pub co2_avoided_kg_per_unit: f64,
    /// The terms of the net value at this distance, per delivered unit.
    pub avoided_disposal_per_unit: f64,
    pub avoided_purchase_per_unit: f64,
    pub fixed_cost_per_unit: f64,
    pub handling_per_unit: f64,
    pub transport_per_unit: f64,
    pub carbon_value_per_unit: f64,
}

impl PairValue {
    /// Viable: positive break-even and the pair within it (the reference peers' test).
    pub fn is_viable(&self) -> bool {
        self.break_even_km > 0.0 && self.distance_km <= self.break_even_km
    }
}

/// Net value, break-even and CO2 of one pair. The first lines are the reference arithmetic and
/// must keep their operation order (see the module documentation).
#[inline]
pub fn evaluate(
    supply: &SupplySide,
    demand: &DemandSide,
    rates: &ModeRates,
    carbon_price_per_t_co2: f64,
    distance_km: f64,
) -> PairValue {
    let avoided_purchase = supply.ratio_to_units * demand.price_per_to_unit;
    let fixed = supply.fixed_cost_per_unit + rates.handling_per_unit;
    let private_at_zero = (supply.avoided_disposal_per_unit + avoided_purchase) - fixed;
    let co2_at_zero_kg =
        supply.ratio_to_units * demand.virgin_co2_kg_per_to_unit - supply.fixed_co2_kg_per_unit;
    let carbon_at_zero = carbon_price_per_t_co2 * co2_at_zero_kg / 1000.0;
    let value_at_zero = private_at_zero + carbon_at_zero;
    let slope = rates.cost_per_unit_km + carbon_price_per_t_co2 * rates.co2_kg_per_unit_km / 1000.0;
    let break_even_km = if value_at_zero <= 0.0 {
        0.0
    } else if slope > 0.0 {
        value_at_zero / slope
    } else {
        f64::INFINITY
    };
    let net = value_at_zero - slope * distance_km;
    let co2_avoided = co2_at_zero_kg - rates.co2_kg_per_unit_km * distance_km;
    PairValue {
        mode: rates.mode,
        distance_km,
        value_at_zero_per_unit: value_at_zero,
        slope_per_unit_km: slope,
        break_even_km,
        net_value_per_unit: net,
        co2_avoided_kg_per_unit: co2_avoided,
        avoided_disposal_per_unit: supply.avoided_disposal_per_unit,
        avoided_purchase_per_unit: avoided_purchase,
        fixed_cost_per_unit: supply.fixed_cost_per_unit,
        handling_per_unit: rates.handling_per_unit,
        transport_per_unit: rates.cost_per_unit_km * distance_km,
        carbon_value_per_unit: carbon_price_per_t_co2 * co2_avoided / 1000.0,
    }
}

/// Yearly figures of an exchange.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnualFigures {
    /// Delivered units exchanged per year (limited by supply after preprocessing and by need).
    pub exchanged_per_yr: f64,
    /// Share of the stream (source units) that finds use.
    pub supply_used_pct: f64,
    /// Share of the need covered.
    pub need_covered_pct: f64,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    /// Tonnes per year no longer landfilled (0 unless the stream goes to landfill today).
    pub landfill_diverted_t_per_yr: f64,
    /// Tonnes (or units) per year no longer disposed of by any route.
    pub disposal_diverted_per_yr: f64,
}

/// Exchanged quantity and yearly value, CO2 and landfill diversion of one evaluated pair.
pub fn annual_figures(
    stream: &OutputStream,
    basis: &StreamBasis,
    supply: &SupplySide,
    demand: &DemandSide,
    need: &Need,
    max_share_pct: Option<f64>,
    value: &PairValue,
) -> AnnualFigures {
    let supply_delivered = stream.quantity_per_yr * supply.mass_factor;
    let need_units_per_delivered = supply.ratio_to_units * demand.need_units_per_to_unit;
    let need_cap = need.quantity_per_yr * max_share_pct.unwrap_or(100.0) / 100.0;
    let need_delivered = if need_units_per_delivered > 0.0 {
        need_cap / need_units_per_delivered
    } else {
        0.0
    };
    let exchanged = supply_delivered.min(need_delivered).max(0.0);
    let source_units = if supply.mass_factor > 0.0 {
        exchanged / supply.mass_factor
    } else {
        0.0
    };
    let source_t = convert_units(
        source_units,
        basis.unit,
        Unit::Tonne,
        basis.bulk_density_t_per_m3,
    )
    .unwrap_or(0.0);
    AnnualFigures {
        exchanged_per_yr: exchanged,
        supply_used_pct: percent(source_units, stream.quantity_per_yr),
        need_covered_pct: percent(exchanged * need_units_per_delivered, need.quantity_per_yr),
        value_per_yr: exchanged * value.net_value_per_unit,
        co2_avoided_t_per_yr: exchanged * value.co2_avoided_kg_per_unit / 1000.0,
        landfill_diverted_t_per_yr: if stream.disposal_route == DisposalRoute::Landfill {
            source_t
        } else {
            0.0
        },
        disposal_diverted_per_yr: source_units,
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(cost: f64) -> ModeRates {
        ModeRates {
            mode: ModeKey::Truck,
            cost_per_unit_km: cost,
            handling_per_unit: 0.0,
            co2_kg_per_unit_km: 0.0,
            volume_penalty: 1.0,
        }
    }

    #[test]
    fn reduces_to_the_reference_formula_bit_for_bit() {
        // Values as in a generated peer folder.
        let (o_cost, i_cost, processing, transport, d) = (12.34, 56.78, 20.01, 0.1234, 321.5);
        let supply = SupplySide {
            avoided_disposal_per_unit: o_cost / 1.0,
            fixed_cost_per_unit: (0.0 + 0.0 + processing) / 1.0,
            fixed_co2_kg_per_unit: 0.0,
            ratio_to_units: 1.0 * 1.0 * 1.0,
            mass_factor: 1.0,
        };
        let demand = DemandSide {
            price_per_to_unit: 1.0 * i_cost,
            virgin_co2_kg_per_to_unit: 0.0,
            need_units_per_to_unit: 1.0,
        };
        let v = evaluate(&supply, &demand, &rates(transport * 1.0), 0.0, d);
        let margin = (o_cost + i_cost) - processing;
        assert_eq!(v.break_even_km.to_bits(), (margin / transport).to_bits());
        assert_eq!(
            v.net_value_per_unit.to_bits(),
            (margin - transport * d).to_bits()
        );
    }

    #[test]
    fn break_even_is_zero_when_never_worth_it_and_infinite_when_transport_is_free() {
        let supply = SupplySide {
            avoided_disposal_per_unit: 5.0,
            fixed_cost_per_unit: 10.0,
            fixed_co2_kg_per_unit: 0.0,
            ratio_to_units: 1.0,
            mass_factor: 1.0,
        };
        let demand = DemandSide {
            price_per_to_unit: 2.0,
            virgin_co2_kg_per_to_unit: 0.0,
            need_units_per_to_unit: 1.0,
        };
        let v = evaluate(&supply, &demand, &rates(0.1), 0.0, 0.0);
        assert_eq!(v.break_even_km, 0.0);
        assert!(!v.is_viable());
        let demand = DemandSide {
            price_per_to_unit: 20.0,
            ..demand
        };
        let v = evaluate(&supply, &demand, &rates(0.0), 0.0, 1e6);
        assert!(v.break_even_km.is_infinite());
        assert!(v.is_viable());
    }

    #[test]
    fn units_convert_through_density() {
        assert_eq!(
            convert_units(2.0, Unit::CubicMetre, Unit::Tonne, Some(1.5)),
            Some(3.0)
        );
        assert_eq!(
            convert_units(3.0, Unit::Tonne, Unit::CubicMetre, Some(1.5)),
            Some(2.0)
        );
        assert_eq!(
            convert_units(1.0, Unit::Tonne, Unit::CubicMetre, None),
            None
        );
        assert_eq!(
            convert_units(1.0, Unit::MegawattHour, Unit::Tonne, Some(1.0)),
            None
        );
    }
}
