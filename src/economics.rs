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

use crate::catalogue::{Access, Basis, Catalogue, Material, Rule, TransportMode};
use crate::model::{
    Facility, HeatSource, ModeKey, Need, OutletKind, OutputStream, PhysicalState, PreprocessStep,
    Settings, SupplyOrigin, Unit,
};

/// MJ in one MWh.
pub const MJ_PER_MWH: f64 = 3600.0;

/// Converts `amount` of `from` into `to`, using the bulk density for t <-> m3.
/// `None` when the units cannot be converted (heat into tonnes, or no density known).
pub fn convert_units(
    amount: f64,
    from: Unit,
    to: Unit,
    density_t_per_m3: Option<f64>,
) -> Option<f64> {
    convert(amount, from, to, density_t_per_m3, None)
}

/// Converts between t, m3 and MWh: t <-> m3 by the bulk density (for a gas, t per Nm3),
/// t <-> MWh by the heating value (MWh per t). `None` when a factor is missing.
pub fn convert(
    amount: f64,
    from: Unit,
    to: Unit,
    density_t_per_m3: Option<f64>,
    mwh_per_t: Option<f64>,
) -> Option<f64> {
    let rho = density_t_per_m3.filter(|r| *r > 0.0 && r.is_finite());
    let e = mwh_per_t.filter(|e| *e > 0.0 && e.is_finite());
    let tonnes = match from {
        _ if from == to => return Some(amount),
        Unit::Tonne => amount,
        Unit::CubicMetre => amount * rho?,
        Unit::MegawattHour => amount / e?,
    };
    match to {
        Unit::Tonne => Some(tonnes),
        Unit::CubicMetre => Some(tonnes / rho?),
        Unit::MegawattHour => Some(tonnes * e?),
    }
}

/// Net calorific value as received from the dry basis: `q_ar = q_d (1 - M) - L M`, M the
/// moisture as a fraction of the wet mass and L the latent heat of the water (2.443 MJ/kg at
/// 25 C; ISO 18125:2017, the formula of EN 14918 and ISO 1928). Negative when the water takes
/// more heat to evaporate than the dry matter gives.
pub fn lhv_as_received_mj_per_kg(
    lhv_dry_mj_per_kg: f64,
    moisture_pct: f64,
    latent_mj_per_kg: f64,
) -> f64 {
    let m = moisture_pct / 100.0;
    lhv_dry_mj_per_kg * (1.0 - m) - latent_mj_per_kg * m
}

/// The heating value at a moisture, when the material has one (as is without a moisture).
fn lhv_at(
    lhv_dry_mj_per_kg: Option<f64>,
    moisture_pct: Option<f64>,
    latent_mj_per_kg: f64,
) -> Option<f64> {
    lhv_dry_mj_per_kg.map(|q| match moisture_pct {
        Some(w) => lhv_as_received_mj_per_kg(q, w, latent_mj_per_kg),
        None => q,
    })
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
    /// Net calorific value as delivered (wet basis), MJ/kg; `None`: the material has none.
    pub lhv_mj_per_kg: Option<f64>,
    /// Net calorific value of the dry matter, MJ/kg.
    pub lhv_dry_mj_per_kg: Option<f64>,
    /// Days the delivered material keeps; `None`: it keeps.
    pub shelf_life_days: Option<f64>,
}

impl DeliveredProfile {
    /// MWh of heating value per tonne delivered (0 or less: it does not burn).
    pub fn mwh_per_t(&self) -> Option<f64> {
        self.lhv_mj_per_kg.map(|q| q / MJ_PER_MWH * 1000.0)
    }

    /// Tonnes per delivered unit: 1 for t, the density for m3, 1 / heating value for MWh.
    pub fn tonnes_per_unit(&self) -> Option<f64> {
        convert(
            1.0,
            self.delivered_unit,
            Unit::Tonne,
            self.bulk_density_t_per_m3,
            self.mwh_per_t(),
        )
    }

    /// MWh of heating value per delivered unit; `None` without a heating value (1 for a
    /// stream counted in MWh).
    pub fn mwh_per_unit(&self) -> Option<f64> {
        if self.delivered_unit == Unit::MegawattHour {
            return Some(1.0);
        }
        let q = self.lhv_mj_per_kg?;
        let t = convert(
            1.0,
            self.delivered_unit,
            Unit::Tonne,
            self.bulk_density_t_per_m3,
            None,
        )?;
        Some(t * q / MJ_PER_MWH * 1000.0)
    }
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
    /// Net calorific value of the dry matter, after the stream's own ash if it gives one.
    pub lhv_dry_mj_per_kg: Option<f64>,
    pub shelf_life_days: Option<f64>,
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
        let ash_given = stream
            .composition
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case("ash"))
            .map(|c| c.mass_pct);
        let lhv_dry_mj_per_kg = material.and_then(|m| {
            let q = m.lhv_dry_mj_per_kg?;
            // The combustible part carries the heat: scale by (100 - ash) / (100 - ash typical).
            Some(match (ash_given, m.ash_pct_dry) {
                (Some(a), Some(a0)) if a0 < 100.0 => q * (100.0 - a).max(0.0) / (100.0 - a0),
                _ => q,
            })
        });
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
            lhv_dry_mj_per_kg,
            shelf_life_days: stream
                .shelf_life_days
                .or(material.and_then(|m| m.shelf_life_days)),
        }
    }
}

/// The steps of a stream's chain that can run, in order, and those left out with why: a step
/// that cannot run where it stands (a drying target above the stream's moisture, a state it
/// does not take, an unknown key) is left out and the chain goes on without it, so one bad step
/// in a file does not take the whole stream out of the search.
pub fn runnable_steps(
    basis: &StreamBasis,
    steps: &[PreprocessStep],
    catalogue: &Catalogue,
) -> (Vec<PreprocessStep>, Vec<(usize, PreprocessError)>) {
    let mut kept: Vec<PreprocessStep> = Vec::with_capacity(steps.len());
    let mut left_out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        kept.push(step.clone());
        if let Err(e) = apply_preprocessing(basis, &kept, catalogue) {
            kept.pop();
            left_out.push((i, e));
        }
    }
    (kept, left_out)
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
    let mut shelf_life_days = basis.shelf_life_days;
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
        if option.dry_matter_loss_pct > 0.0 {
            // Fermentation losses: dry matter (and the water in step with it) leave.
            mass_t *= 1.0 - option.dry_matter_loss_pct / 100.0;
        }
        if let Some(days) = option.shelf_life_days {
            shelf_life_days = shelf_life_days.map(|d| d.max(days));
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
    let lhv_mj_per_kg = lhv_at(
        basis.lhv_dry_mj_per_kg,
        moisture_pct,
        catalogue.defaults.water_latent_heat_mj_per_kg,
    );
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
        lhv_mj_per_kg,
        lhv_dry_mj_per_kg: basis.lhv_dry_mj_per_kg,
        shelf_life_days,
    })
}

/// A transport mode's rates for one delivered material, per delivered unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModeRates {
    pub mode: ModeKey,
    /// Per delivered unit and km: haulage, or a pipeline's pumping (its investment is in
    /// `pipe`, resolved at a flow by [`ModeRates::at_flow`]).
    pub cost_per_unit_km: f64,
    /// Loading, unloading and testing per delivered unit.
    pub handling_per_unit: f64,
    pub co2_kg_per_unit_km: f64,
    /// Payload / actual load: above 1 when a light material fills the volume first.
    pub volume_penalty: f64,
    /// Delivered units one vehicle carries; 0 for a pipeline (a continuous flow).
    pub load_per_delivery: f64,
    pub speed_kmh: f64,
    pub terminal_hours: f64,
    /// Share of what is carried lost per km (heat from a pipeline): its avoided purchase is
    /// lost with it.
    pub loss_fraction_per_km: f64,
    /// Longest distance the mode can carry this material, km (a steam line).
    pub max_km: f64,
    pub pipe: Option<PipeRates>,
}

/// A pipeline's yearly costs for one delivered material, from the flow it carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PipeRates {
    /// Cubic metres in the line per delivered unit.
    pub line_m3_per_unit: f64,
    pub full_load_hours: f64,
    pub velocity_m_per_s: f64,
    pub min_diameter_m: f64,
    /// Yearly cost per km of route: fixed, and per metre of inner diameter.
    pub per_km_yr: f64,
    pub per_km_yr_per_m_diameter: f64,
    /// Yearly cost of the connection (and testing): fixed, and per delivered unit per hour
    /// of design flow.
    pub connection_yr: f64,
    pub connection_yr_per_unit_per_h: f64,
}

impl PipeRates {
    /// Inner diameter of the line that carries `flow_per_yr` delivered units at the design
    /// velocity: `d = sqrt(4 Q / (pi v))`, Q the design volume flow in m3/s.
    pub fn diameter_m(&self, flow_per_yr: f64) -> f64 {
        let q_m3_per_s =
            flow_per_yr.max(0.0) * self.line_m3_per_unit / (self.full_load_hours * 3600.0);
        (4.0 * q_m3_per_s / (std::f64::consts::PI * self.velocity_m_per_s))
            .sqrt()
            .max(self.min_diameter_m)
    }

    /// Investment cost per delivered unit and km, and connection cost per delivered unit, at
    /// `flow_per_yr` delivered units a year.
    pub fn costs_at(&self, flow_per_yr: f64) -> (f64, f64) {
        if flow_per_yr.is_nan() || flow_per_yr <= 0.0 {
            return (f64::INFINITY, f64::INFINITY);
        }
        let d = self.diameter_m(flow_per_yr);
        let per_km = (self.per_km_yr + self.per_km_yr_per_m_diameter * d) / flow_per_yr;
        let design_per_h = flow_per_yr / self.full_load_hours;
        let connection =
            (self.connection_yr + self.connection_yr_per_unit_per_h * design_per_h) / flow_per_yr;
        (per_km, connection)
    }
}

impl ModeRates {
    /// One all-in rate per unit and km, nothing else (a region's `materials.csv`).
    pub fn all_in(mode: ModeKey, cost_per_unit_km: f64) -> Self {
        Self {
            mode,
            cost_per_unit_km,
            ..ModeSet::default().rates[0]
        }
    }

    /// The rates at a yearly flow: a pipeline's investment and connection spread over it;
    /// other modes unchanged.
    pub fn at_flow(&self, flow_per_yr: f64) -> ModeRates {
        match self.pipe {
            None => *self,
            Some(p) => {
                let (per_km, connection) = p.costs_at(flow_per_yr);
                ModeRates {
                    cost_per_unit_km: self.cost_per_unit_km + per_km,
                    handling_per_unit: self.handling_per_unit + connection,
                    pipe: None,
                    ..*self
                }
            }
        }
    }

    /// Hours from loading to unloading over `distance_km`.
    pub fn transit_hours(&self, distance_km: f64) -> f64 {
        let drive = if self.speed_kmh > 0.0 {
            distance_km / self.speed_kmh
        } else {
            0.0
        };
        drive + self.terminal_hours
    }
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
            load_per_delivery: 0.0,
            speed_kmh: 0.0,
            terminal_hours: 0.0,
            loss_fraction_per_km: 0.0,
            max_km: f64::INFINITY,
            pipe: None,
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
    /// The stream (or the region) fixed another mode.
    Fixed(ModeKey),
    /// The region prices this material's transport all-in, on one mode.
    AllIn(ModeKey),
}

impl ModeBlock {
    pub fn explain(self) -> String {
        match self {
            ModeBlock::State => "cannot carry this physical state".to_owned(),
            ModeBlock::Unit => {
                "has no rate for this unit (or the density or heating value is unknown)".to_owned()
            }
            ModeBlock::NoSiding => "needs a rail siding at both sites".to_owned(),
            ModeBlock::NoQuay => "needs a quay at both sites".to_owned(),
            ModeBlock::Fixed(m) => format!("not used: the stream goes by {m}"),
            ModeBlock::AllIn(m) => {
                format!("not used: the region prices this material's transport all-in, by {m}")
            }
        }
    }
}

/// Pipeline units of the medium per delivered unit: MWh for heat and steam, m3 for liquids,
/// Nm3 for gases.
fn pipe_base_per_unit(profile: &DeliveredProfile) -> Option<f64> {
    let unit = profile.delivered_unit;
    let rho = profile.bulk_density_t_per_m3;
    match profile.state {
        PhysicalState::Heat | PhysicalState::Steam => (unit == Unit::MegawattHour).then_some(1.0),
        PhysicalState::Liquid | PhysicalState::Gas => {
            convert(1.0, unit, Unit::CubicMetre, rho, profile.mwh_per_t())
        }
        PhysicalState::Solid | PhysicalState::Sludge => None,
    }
}

/// Rates of `mode` for the delivered material, before checking site access. Vehicles are
/// priced per tonne and converted to the delivered unit through the density (m3) or the
/// heating value (MWh), so one material costs the same per tonne whatever unit it is counted
/// in. A pipeline is priced from the flow it carries ([`PipeRates`]).
pub fn mode_rates(
    mode: &TransportMode,
    profile: &DeliveredProfile,
    material: Option<&Material>,
    settings: &Settings,
    catalogue: &Catalogue,
) -> Result<ModeRates, ModeBlock> {
    if !mode.states.contains(&profile.state) {
        return Err(ModeBlock::State);
    }
    let factor = settings.transport_cost_factor;
    let testing = material
        .and_then(|m| m.testing_cost_per_delivery)
        .unwrap_or(catalogue.defaults.testing_cost_per_delivery);
    let speed_kmh = mode.speed_kmh.unwrap_or(0.0);
    let terminal_hours = mode.terminal_hours.unwrap_or(0.0);
    // The region priced this material's transport all-in (a `materials.csv`): one rate per
    // unit and km, nothing else.
    if let Some(own) = material.and_then(|m| m.transport_cost_per_unit_km) {
        let co2 = mode
            .co2_kg_per_unit_km
            .get(profile.delivered_unit)
            .unwrap_or(0.0);
        return Ok(ModeRates {
            mode: mode.key,
            cost_per_unit_km: own * factor,
            handling_per_unit: 0.0,
            co2_kg_per_unit_km: co2,
            volume_penalty: 1.0,
            load_per_delivery: mode.payload_t.unwrap_or(0.0),
            speed_kmh,
            terminal_hours,
            loss_fraction_per_km: 0.0,
            max_km: f64::INFINITY,
            pipe: None,
        });
    }
    if let Some(scaling) = &mode.scaling {
        let Some(medium) = scaling.medium(profile.state) else {
            return Err(ModeBlock::State);
        };
        let Some(base) = pipe_base_per_unit(profile) else {
            return Err(ModeBlock::Unit);
        };
        let share = scaling.yearly_share();
        let electricity = catalogue.energy_carrier("electricity");
        let (price, ef) = electricity.map_or((0.0, 0.0), |e| (e.price_per_kwh, e.co2_kg_per_kwh));
        let pump_kwh = medium.pumping_kwh_per_base_unit_km * base;
        let inlet_kwh = medium.inlet_kwh_per_base_unit * base;
        return Ok(ModeRates {
            mode: mode.key,
            cost_per_unit_km: pump_kwh * price * factor,
            handling_per_unit: inlet_kwh * price * factor,
            co2_kg_per_unit_km: pump_kwh * ef,
            volume_penalty: 1.0,
            load_per_delivery: 0.0,
            speed_kmh,
            terminal_hours,
            loss_fraction_per_km: medium.heat_loss_pct_per_km / 100.0,
            max_km: medium.max_length_km.unwrap_or(f64::INFINITY),
            pipe: Some(PipeRates {
                line_m3_per_unit: base * medium.line_m3_per_base_unit,
                full_load_hours: medium.full_load_hours,
                velocity_m_per_s: medium.velocity_m_per_s,
                min_diameter_m: medium.min_diameter_m,
                per_km_yr: 1000.0 * medium.cost_per_m * share * factor,
                per_km_yr_per_m_diameter: 1000.0
                    * medium.cost_per_m_per_m_diameter
                    * share
                    * factor,
                connection_yr: (medium.connection_cost * share
                    + medium.tests_per_yr * catalogue.defaults.lab_analysis_cost_per_sample)
                    * factor,
                connection_yr_per_unit_per_h: medium.connection_cost_per_base_unit_per_h
                    * base
                    * share
                    * factor,
            }),
        });
    }
    // A vehicle: priced per tonne.
    let Some(t_per_unit) = profile.tonnes_per_unit() else {
        return Err(ModeBlock::Unit);
    };
    let (Some(cost_t), Some(co2_t)) = (mode.cost_per_unit_km.t, mode.co2_kg_per_unit_km.t) else {
        return Err(ModeBlock::Unit);
    };
    let handling_t = mode.handling_cost_per_unit.t.unwrap_or(0.0);
    // Vehicles that fill their volume before their payload carry fewer tonnes per trip.
    let volume_penalty = match (
        mode.payload_t,
        mode.volume_m3,
        profile.bulk_density_t_per_m3,
    ) {
        (Some(payload), Some(volume), Some(rho)) if rho > 0.0 => {
            (payload / (volume * rho)).max(1.0)
        }
        _ => 1.0,
    };
    let load_t = mode.payload_t.map_or(0.0, |p| p / volume_penalty);
    let load_per_delivery = if t_per_unit > 0.0 {
        load_t / t_per_unit
    } else {
        0.0
    };
    let testing_per_unit = if load_per_delivery > 0.0 {
        testing / load_per_delivery
    } else {
        0.0
    };
    Ok(ModeRates {
        mode: mode.key,
        cost_per_unit_km: cost_t * volume_penalty * t_per_unit * factor,
        handling_per_unit: (handling_t * profile.handling_factor * t_per_unit + testing_per_unit)
            * factor,
        co2_kg_per_unit_km: co2_t * volume_penalty * t_per_unit,
        volume_penalty,
        load_per_delivery,
        speed_kmh,
        terminal_hours,
        loss_fraction_per_km: 0.0,
        max_km: f64::INFINITY,
        pipe: None,
    })
}

/// Does the mode's infrastructure exist at both sites?
pub fn mode_access(mode: &TransportMode, a: &Facility, b: &Facility) -> Result<(), ModeBlock> {
    access_ok(
        mode.requires,
        (a.rail_siding, a.quay),
        (b.rail_siding, b.quay),
    )
}

/// The access test on (rail siding, quay) flags of both sites.
pub fn access_ok(
    requires: Option<Access>,
    a: (bool, bool),
    b: (bool, bool),
) -> Result<(), ModeBlock> {
    match requires {
        Some(Access::RailSiding) if !(a.0 && b.0) => Err(ModeBlock::NoSiding),
        Some(Access::Quay) if !(a.1 && b.1) => Err(ModeBlock::NoQuay),
        _ => Ok(()),
    }
}

/// Today's outlet of a stream, valued: what an exchange saves, or gives up, per source unit.
#[derive(Clone, Debug, PartialEq)]
pub struct OutletValue {
    /// The outlet valued: the stream's, or its material's typical one when it says nothing.
    pub kind: OutletKind,
    /// The kind was not given by the stream but assumed from its material.
    pub assumed: bool,
    pub cost_per_unit: f64,
    pub revenue_per_unit: f64,
    /// `cost - revenue`: what an exchange saves per source unit (negative: a sale given up).
    pub net_cost_per_unit: f64,
    /// Where the figures come from, in words.
    pub basis: String,
}

impl OutletValue {
    /// Exchanging the stream keeps it out of a landfill (only when the stream says so).
    pub fn diverts_landfill(&self) -> bool {
        self.kind == OutletKind::Landfill && !self.assumed
    }

    /// The stream is burnt today, so burning it elsewhere releases no extra CO2.
    pub fn burnt_today(&self) -> bool {
        matches!(
            self.kind,
            OutletKind::Incineration | OutletKind::Emitted | OutletKind::UsedOnSite
        )
    }
}

/// Values a stream's outlet today. A figure the stream gives wins; then the material's own
/// cost for that outlet (land spreading of manure, cooling of heat); then the country's
/// table (landfill gate fee and tax by class, incineration, sewer); a sale without a price
/// takes the middle of the material's market range, a use on site the fuel it replaces.
pub fn outlet_value(
    stream: &OutputStream,
    material: Option<&Material>,
    hazardous: bool,
    country: Option<&str>,
    catalogue: &Catalogue,
    explain: bool,
) -> OutletValue {
    // The words are built only when someone reads them (a search values every stream).
    macro_rules! say {
        ($($arg:tt)*) => {
            if explain { format!($($arg)*) } else { String::new() }
        };
    }
    let outlet = &stream.outlet;
    let given = outlet.cost_per_unit.is_some() || outlet.revenue_per_unit.is_some();
    let (kind, assumed) = match (outlet.kind, material.and_then(|m| m.typical_outlet)) {
        (OutletKind::Unspecified, Some(typical)) if !given => (typical, true),
        (k, _) => (k, false),
    };
    let basis_s = StreamBasis::of(stream, material);
    let lhv = lhv_at(
        basis_s.lhv_dry_mj_per_kg,
        basis_s.moisture_pct,
        catalogue.defaults.water_latent_heat_mj_per_kg,
    );
    let mwh_per_t = lhv.map(|q| q / MJ_PER_MWH * 1000.0);
    let t_per_unit = convert(
        1.0,
        stream.unit,
        Unit::Tonne,
        basis_s.bulk_density_t_per_m3,
        mwh_per_t,
    );
    let m3_per_unit = convert(
        1.0,
        stream.unit,
        Unit::CubicMetre,
        basis_s.bulk_density_t_per_m3,
        mwh_per_t,
    );
    let (table, own_country) = catalogue.country_outlets(country);
    let place = if own_country {
        say!("{}", table.name)
    } else {
        say!("{} (no country given)", table.name)
    };
    let material_cost = material.and_then(|m| m.outlet_costs_per_unit.get(&kind).copied());
    let unit = stream.unit;
    let per_t = |per_t: f64, what: String| -> (f64, String) {
        match t_per_unit {
            Some(t) => (per_t * t, what),
            None => (
                0.0,
                say!("{what}, but a stream in {unit} has no tonnes to price"),
            ),
        }
    };
    let (default_cost, mut basis) = match (material_cost, kind) {
        (Some(c), _) => (
            c,
            say!(
                "{}'s typical cost of {}",
                material.map_or("the material", Material::display_name),
                kind.label()
            ),
        ),
        (None, OutletKind::Landfill) => {
            let (fee, class) = if hazardous {
                (table.landfill_hazardous, "hazardous-waste")
            } else if material.is_some_and(|m| m.inert) {
                (table.landfill_inert, "inert-waste")
            } else {
                (table.landfill, "non-hazardous")
            };
            per_t(
                fee.total_per_t(),
                say!(
                    "{place} {class} landfill: gate fee {:.0} + tax {:.0} per t",
                    fee.gate_fee_per_t,
                    fee.tax_per_t
                ),
            )
        }
        (None, OutletKind::Incineration) => {
            let fee = if hazardous {
                table.incineration_hazardous_per_t
            } else {
                table.incineration_per_t
            };
            per_t(
                fee,
                say!(
                    "{place} {}incineration gate fee {fee:.0} per t",
                    if hazardous { "hazardous-waste " } else { "" }
                ),
            )
        }
        (None, OutletKind::Sewer) => match m3_per_unit {
            Some(m3) => (
                table.sewer_per_m3 * m3,
                say!(
                    "{place} industrial wastewater charge {:.2} per m3",
                    table.sewer_per_m3
                ),
            ),
            None => (0.0, say!("no sewer charge for a stream without a volume")),
        },
        (None, OutletKind::Unspecified) => match material.and_then(|m| m.disposal_cost_per_unit) {
            Some(c) => (
                c,
                say!("outlet not given: the material's typical disposal cost"),
            ),
            None => (0.0, say!("outlet not given and no typical cost known: 0")),
        },
        (None, OutletKind::LandSpreading | OutletKind::Emitted) => {
            (0.0, say!("no typical cost of {} known: 0", kind.label()))
        }
        (None, OutletKind::Sold | OutletKind::GivenAway | OutletKind::UsedOnSite) => {
            (0.0, String::new())
        }
    };
    let cost = match outlet.cost_per_unit {
        Some(c) => {
            basis = say!("the stream's own outlet cost");
            c
        }
        None => default_cost,
    };
    let revenue = match (outlet.revenue_per_unit, kind) {
        (Some(r), _) => {
            basis = join_basis(explain, &basis, "the stream's own sale price or value");
            r
        }
        (None, OutletKind::Sold) => {
            if let Some(mid) = material.and_then(Material::market_price_mid) {
                basis = join_basis(
                    explain,
                    &basis,
                    &say!("sold at the middle of the market range, {mid:.2} per {unit}"),
                );
                mid
            } else {
                basis = join_basis(explain, &basis, "sold, at no known price: 0");
                0.0
            }
        }
        (None, OutletKind::UsedOnSite) => {
            let gas = catalogue
                .energy_carrier("natural_gas")
                .map_or(0.0, |e| e.price_per_kwh * 1000.0);
            let energy = if unit == Unit::MegawattHour {
                Some(1.0)
            } else {
                t_per_unit.zip(mwh_per_t).map(|(t, e)| t * e.max(0.0))
            };
            match (energy, material.and_then(Material::market_price_mid)) {
                (Some(e), _) => {
                    basis = join_basis(explain, &basis, &say!("used on site as fuel: {e:.3} MWh per {unit} in place of natural gas at {gas:.0} per MWh"));
                    e * gas
                }
                (None, Some(mid)) => {
                    basis = join_basis(
                        explain,
                        &basis,
                        &say!("used on site, worth the middle of the market range, {mid:.2}"),
                    );
                    mid
                }
                (None, None) => {
                    basis = join_basis(explain, &basis, "used on site, of no known value: 0");
                    0.0
                }
            }
        }
        (None, _) => 0.0,
    };
    if assumed {
        basis = say!(
            "outlet not given; {} usually goes to {}: {basis}",
            material.map_or("the material", Material::display_name),
            kind.label()
        );
    }
    OutletValue {
        kind,
        assumed,
        cost_per_unit: cost,
        revenue_per_unit: revenue,
        net_cost_per_unit: cost - revenue,
        basis,
    }
}

fn join_basis(explain: bool, a: &str, b: &str) -> String {
    if !explain {
        String::new()
    } else if a.is_empty() {
        b.to_owned()
    } else {
        format!("{a}; {b}")
    }
}

/// The receiver's discount on the price of what a by-product replaces, %: the rule's own,
/// else the catalogue's default for its kind; 0 for the same material without a rule (the
/// receiver already buys it, at the price it states).
pub fn discount_pct(rule: Option<&Rule>, catalogue: &Catalogue) -> f64 {
    match rule {
        None => 0.0,
        Some(r) => r
            .discount_pct
            .unwrap_or_else(|| catalogue.defaults.discount_pct(r.kind)),
    }
}

/// MWh of heating value per unit of a material at its typical moisture (1 for a material
/// counted in MWh).
pub fn material_mwh_per_unit(m: &Material, catalogue: &Catalogue) -> Option<f64> {
    if m.unit == Unit::MegawattHour {
        return Some(1.0);
    }
    let q = lhv_at(
        m.lhv_dry_mj_per_kg,
        m.typical_moisture_pct,
        catalogue.defaults.water_latent_heat_mj_per_kg,
    )?;
    let t = convert(1.0, m.unit, Unit::Tonne, m.bulk_density_t_per_m3, None)?;
    Some(t * q / MJ_PER_MWH * 1000.0)
}

/// What one stream under one rule brings, per delivered unit, independent of the receiver.
#[derive(Clone, Debug, PartialEq)]
pub struct SupplySide {
    /// Outlet cost avoided per delivered unit: (cost - revenue of today's outlet) / `mass_factor`.
    pub avoided_outlet_per_unit: f64,
    /// Treatment (indirect rules), material processing and preprocessing, per delivered unit.
    pub fixed_cost_per_unit: f64,
    /// The sender's part of `fixed_cost_per_unit`: its preprocessing.
    pub preprocessing_cost_per_unit: f64,
    /// Preprocessing and treatment emissions, and fossil CO2 of burning what was not burnt
    /// before, per delivered unit.
    pub fixed_co2_kg_per_unit: f64,
    /// Units of the rule's `to` material replaced per delivered unit.
    pub ratio_to_units: f64,
    /// 1 - the receiver's discount: the share of the replaced price it pays for.
    pub price_factor: f64,
    /// Delivered units per source unit.
    pub mass_factor: f64,
    /// Heating value per delivered unit, MWh, when the rule counts energy.
    pub energy_mwh_per_unit: Option<f64>,
    /// The most the receiver saves per delivered unit ([`market_cap_per_source_unit`] over
    /// the mass factor): a traded material replacing another is worth no more to a receiver
    /// than buying it on its market and treating it. Infinite where no market caps it.
    pub market_cap_per_unit: f64,
}

/// The most a receiver saves per source unit of `from` replacing another material under
/// `rule`: the highest price `from` trades at (its market range's top) plus the rule's
/// treatment, which the receiver would pay as well after buying it on the market. `None`
/// (no cap) for the same material as is (the receiver's price today is already the market's),
/// for a material without a market range, and for what has no market to buy from but its
/// neighbour: heat, steam, gases and water, which go by pipe.
///
/// Recovered paper replacing virgin pulp (0.8 x 850 x 0.7 = 476 EUR/t less 180 of deinking)
/// would save a paper mill 296 EUR/t; recovered paper trades at 40 to 190 EUR/t, so no mill
/// saves more than 190 + 180 = 370 EUR/t before deinking by taking a neighbour's instead of
/// the market's (`docs/ECONOMICS.md`, "The market caps a traded material").
pub fn market_cap_per_source_unit(from: &Material, rule: Option<&Rule>) -> Option<f64> {
    let rule = rule?;
    if !has_a_market(from) {
        return None;
    }
    let [_, high] = from.market_price_range_per_unit?;
    Some(high + rule.treatment.as_ref().map_or(0.0, |t| t.cost_per_unit))
}

/// Whether a material is bought and sold beyond its neighbours: not heat, steam, gases or
/// water, which go by pipe to whoever is near.
pub fn has_a_market(m: &Material) -> bool {
    use crate::catalogue::Category;
    !(matches!(
        m.state,
        PhysicalState::Heat | PhysicalState::Steam | PhysicalState::Gas
    ) || matches!(
        m.category,
        Category::Water | Category::Energy | Category::Gas
    ))
}

impl SupplySide {
    /// A stream as the reference tables give it: an outlet cost and a processing cost per
    /// unit, nothing else (no preprocessing, ratio 1, no discount, no emissions).
    pub fn plain(outlet_cost_per_unit: f64, processing_cost_per_unit: f64) -> Self {
        Self {
            avoided_outlet_per_unit: outlet_cost_per_unit,
            fixed_cost_per_unit: processing_cost_per_unit,
            preprocessing_cost_per_unit: 0.0,
            fixed_co2_kg_per_unit: 0.0,
            ratio_to_units: 1.0,
            price_factor: 1.0,
            mass_factor: 1.0,
            energy_mwh_per_unit: None,
            market_cap_per_unit: f64::INFINITY,
        }
    }

    /// `outlet_cost_per_source_unit` (today's outlet, net of revenue) and the material's
    /// `processing_cost_per_unit` are per source unit. `burnt_today`: the stream's carbon is
    /// released today anyway (incinerated, flared, burnt on site).
    pub fn new(
        profile: &DeliveredProfile,
        from: &Material,
        to: &Material,
        rule: Option<&Rule>,
        outlet_cost_per_source_unit: f64,
        burnt_today: bool,
        catalogue: &Catalogue,
    ) -> Option<SupplySide> {
        let mf = profile.mass_factor;
        let ratio = rule.map_or(1.0, |r| r.substitution_ratio);
        let energy_basis = rule.is_some_and(|r| r.basis == Basis::Energy);
        let mut energy_mwh_per_unit = None;
        let mut fossil_co2 = 0.0;
        // One delivered unit in the from-material's unit, at the delivered density.
        let in_from_units = if profile.delivered_unit == from.unit {
            Some(1.0)
        } else {
            convert(
                1.0,
                profile.delivered_unit,
                from.unit,
                profile.bulk_density_t_per_m3,
                profile.mwh_per_t(),
            )
        };
        let ratio_to_units = if energy_basis {
            let e = profile.mwh_per_unit()?.max(0.0);
            let e_to = material_mwh_per_unit(to, catalogue).filter(|e| *e > 0.0)?;
            energy_mwh_per_unit = Some(e);
            if !burnt_today {
                fossil_co2 = from.fossil_co2_kg_per_mwh.unwrap_or(0.0) * e;
            }
            ratio * e / e_to
        } else {
            ratio * profile.dry_matter_factor * in_from_units?
        };
        let treatment = rule.and_then(|r| r.treatment.as_ref());
        let per_source = treatment.map_or(0.0, |t| t.cost_per_unit)
            + profile.preprocessing_cost_per_source_unit
            + from.processing_cost_per_unit.unwrap_or(0.0);
        let co2_per_source = treatment.map_or(0.0, |t| t.co2_kg_per_unit)
            + profile.preprocessing_co2_kg_per_source_unit;
        Some(SupplySide {
            avoided_outlet_per_unit: outlet_cost_per_source_unit / mf,
            fixed_cost_per_unit: per_source / mf,
            preprocessing_cost_per_unit: profile.preprocessing_cost_per_source_unit / mf,
            fixed_co2_kg_per_unit: co2_per_source / mf + fossil_co2,
            ratio_to_units,
            price_factor: 1.0 - discount_pct(rule, catalogue) / 100.0,
            mass_factor: mf,
            energy_mwh_per_unit,
            market_cap_per_unit: market_cap_per_source_unit(from, rule)
                .map_or(f64::INFINITY, |cap| cap / mf),
        })
    }
}

/// What the receiver saves per unit of the rule's `to` material (in that material's unit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemandSide {
    /// What the receiver pays today per to-unit, delivered.
    pub price_per_to_unit: f64,
    /// CO2 no longer emitted per to-unit not bought: its production if virgin, plus its
    /// transport today.
    pub displaced_co2_kg_per_to_unit: f64,
    /// Need units per unit of the to-material.
    pub need_units_per_to_unit: f64,
    pub production_co2_kg_per_to_unit: f64,
    pub transport_co2_kg_per_to_unit: f64,
    pub origin: SupplyOrigin,
    /// For heat and steam: the heat source whose emissions are displaced.
    pub heat_source: Option<HeatSource>,
}

impl DemandSide {
    /// A need of a material bought at `price_per_unit`, nothing else known (the reference
    /// tables of the partner-search peers).
    pub fn priced(price_per_unit: f64) -> Self {
        Self {
            price_per_to_unit: price_per_unit,
            displaced_co2_kg_per_to_unit: 0.0,
            need_units_per_to_unit: 1.0,
            production_co2_kg_per_to_unit: 0.0,
            transport_co2_kg_per_to_unit: 0.0,
            origin: SupplyOrigin::Virgin,
            heat_source: None,
        }
    }

    pub fn new(need: &Need, to: &Material, catalogue: &Catalogue) -> Option<DemandSide> {
        let need_units_per_to_unit = if need.unit == to.unit {
            1.0
        } else {
            convert(
                1.0,
                to.unit,
                need.unit,
                to.bulk_density_t_per_m3,
                material_mwh_per_unit(to, catalogue).and_then(|e| {
                    convert(1.0, to.unit, Unit::Tonne, to.bulk_density_t_per_m3, None)
                        .map(|t| e / t)
                }),
            )?
        };
        let supply = &need.supply;
        let price_per_need_unit = supply
            .price_per_unit
            .or(to.virgin_price_per_unit)
            .unwrap_or(0.0);
        let origin = supply.origin.unwrap_or(if to.secondary {
            SupplyOrigin::Secondary
        } else {
            SupplyOrigin::Virgin
        });
        let is_heat = matches!(to.state, PhysicalState::Heat | PhysicalState::Steam);
        let heat_source = is_heat.then(|| supply.heat_source.unwrap_or(HeatSource::GasBoiler));
        let production = match (origin, heat_source) {
            (SupplyOrigin::Secondary, _) => 0.0,
            (SupplyOrigin::Virgin, Some(h)) => {
                catalogue
                    .heat_source(h)
                    .map_or(0.0, crate::catalogue::HeatSupply::co2_kg_per_mwh_heat)
                    * convert(1.0, to.unit, Unit::MegawattHour, None, None).unwrap_or(1.0)
            }
            (SupplyOrigin::Virgin, None) => to.virgin_emission_kg_co2_per_unit.unwrap_or(0.0),
        };
        // Today's transport of the supply, when the need says how far it comes.
        let transport = match (supply.distance_km, is_heat) {
            (Some(km), false) => {
                let mode = supply.mode.unwrap_or(ModeKey::Truck);
                let co2_t_km = catalogue
                    .mode(mode)
                    .and_then(|m| m.co2_kg_per_unit_km.t)
                    .unwrap_or(0.0);
                let t = convert(1.0, to.unit, Unit::Tonne, to.bulk_density_t_per_m3, None)
                    .unwrap_or(0.0);
                km * co2_t_km * t
            }
            _ => 0.0,
        };
        Some(DemandSide {
            price_per_to_unit: need_units_per_to_unit * price_per_need_unit,
            displaced_co2_kg_per_to_unit: production + transport,
            need_units_per_to_unit,
            production_co2_kg_per_to_unit: production,
            transport_co2_kg_per_to_unit: transport,
            origin,
            heat_source,
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
    /// Avoided production and transport of the displaced supply minus preprocessing,
    /// treatment, combustion and transport emissions.
    pub co2_avoided_kg_per_unit: f64,
    /// The terms of the net value at this distance, per delivered unit.
    pub avoided_outlet_per_unit: f64,
    /// What the receiver saves: what it buys today for the replaced quantity, at most the
    /// market's price for the same material ([`SupplySide::market_cap_per_unit`]).
    pub avoided_purchase_per_unit: f64,
    /// What the receiver pays today for the quantity replaced (at the by-product discount),
    /// before the market's cap.
    pub replaced_purchase_per_unit: f64,
    pub fixed_cost_per_unit: f64,
    /// The sender's part of `fixed_cost_per_unit`.
    pub preprocessing_cost_per_unit: f64,
    pub handling_per_unit: f64,
    pub transport_per_unit: f64,
    pub carbon_value_per_unit: f64,
}

impl PairValue {
    /// Viable: positive break-even and the pair within it (the reference peers' test).
    pub fn is_viable(&self) -> bool {
        self.break_even_km > 0.0 && self.distance_km <= self.break_even_km
    }

    /// Net value without the carbon price: what the two companies share.
    pub fn private_net_per_unit(&self) -> f64 {
        self.net_value_per_unit - self.carbon_value_per_unit
    }
}

/// Net value, break-even and CO2 of one pair. The first lines are the reference arithmetic and
/// must keep their operation order (see the module documentation). A pipeline's rates must be
/// resolved at the pair's flow first ([`ModeRates::at_flow`]).
#[inline]
pub fn evaluate(
    supply: &SupplySide,
    demand: &DemandSide,
    rates: &ModeRates,
    carbon_price_per_t_co2: f64,
    distance_km: f64,
) -> PairValue {
    let replaced_purchase = supply.ratio_to_units * demand.price_per_to_unit * supply.price_factor;
    // No more than the market asks for the same material (infinite where none does: the
    // reference arithmetic is unchanged).
    let avoided_purchase = replaced_purchase.min(supply.market_cap_per_unit);
    let fixed = supply.fixed_cost_per_unit + rates.handling_per_unit;
    let private_at_zero = (supply.avoided_outlet_per_unit + avoided_purchase) - fixed;
    let co2_at_zero_kg =
        supply.ratio_to_units * demand.displaced_co2_kg_per_to_unit - supply.fixed_co2_kg_per_unit;
    let carbon_at_zero = carbon_price_per_t_co2 * co2_at_zero_kg / 1000.0;
    let value_at_zero = private_at_zero + carbon_at_zero;
    let mut slope =
        rates.cost_per_unit_km + carbon_price_per_t_co2 * rates.co2_kg_per_unit_km / 1000.0;
    if rates.loss_fraction_per_km > 0.0 {
        // Heat lost on the way is heat the receiver still buys (and its CO2 still emitted).
        slope += rates.loss_fraction_per_km
            * (avoided_purchase
                + carbon_price_per_t_co2
                    * supply.ratio_to_units
                    * demand.displaced_co2_kg_per_to_unit
                    / 1000.0);
    }
    let break_even_km = if value_at_zero <= 0.0 {
        0.0
    } else if slope > 0.0 {
        value_at_zero / slope
    } else {
        f64::INFINITY
    };
    // A mode that cannot reach this far (a steam line) is never viable there.
    let break_even_km = break_even_km.min(rates.max_km);
    let net = value_at_zero - slope * distance_km;
    let co2_avoided = co2_at_zero_kg
        - (rates.co2_kg_per_unit_km
            + rates.loss_fraction_per_km
                * supply.ratio_to_units
                * demand.displaced_co2_kg_per_to_unit)
            * distance_km;
    PairValue {
        mode: rates.mode,
        distance_km,
        value_at_zero_per_unit: value_at_zero,
        slope_per_unit_km: slope,
        break_even_km,
        net_value_per_unit: net,
        co2_avoided_kg_per_unit: co2_avoided,
        avoided_outlet_per_unit: supply.avoided_outlet_per_unit,
        avoided_purchase_per_unit: avoided_purchase,
        replaced_purchase_per_unit: replaced_purchase,
        fixed_cost_per_unit: supply.fixed_cost_per_unit,
        preprocessing_cost_per_unit: supply.preprocessing_cost_per_unit,
        handling_per_unit: rates.handling_per_unit,
        transport_per_unit: (rates.cost_per_unit_km
            + rates.loss_fraction_per_km * avoided_purchase)
            * distance_km,
        carbon_value_per_unit: carbon_price_per_t_co2 * co2_avoided / 1000.0,
    }
}

/// Who gains what: the private surplus of an exchange split between sender and receiver by a
/// transfer price paid ex works (the receiver arranges transport, handling, testing and any
/// treatment; the sender pays its preprocessing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gains {
    /// Per delivered unit, before any payment: the sender's avoided outlet minus its
    /// preprocessing; the receiver's avoided purchase minus everything else.
    pub sender_alone_per_unit: f64,
    pub receiver_alone_per_unit: f64,
    /// Paid by the receiver to the sender per delivered unit (negative: the sender pays the
    /// receiver a gate fee).
    pub transfer_price_per_unit: f64,
    /// Transfer prices at which both gain (empty, low above high, when the exchange loses).
    pub price_low_per_unit: f64,
    pub price_high_per_unit: f64,
    pub sender_per_unit: f64,
    pub receiver_per_unit: f64,
    pub sender_per_yr: f64,
    pub receiver_per_yr: f64,
}

/// Splits a pair's private surplus at `transfer_price_per_unit`, by default the price that
/// halves it.
pub fn gains(
    value: &PairValue,
    exchanged_per_yr: f64,
    transfer_price_per_unit: Option<f64>,
) -> Gains {
    let sender_alone = value.avoided_outlet_per_unit - value.preprocessing_cost_per_unit;
    let receiver_alone = value.private_net_per_unit() - sender_alone;
    let p = transfer_price_per_unit.unwrap_or(0.5 * (receiver_alone - sender_alone));
    Gains {
        sender_alone_per_unit: sender_alone,
        receiver_alone_per_unit: receiver_alone,
        transfer_price_per_unit: p,
        price_low_per_unit: -sender_alone,
        price_high_per_unit: receiver_alone,
        sender_per_unit: sender_alone + p,
        receiver_per_unit: receiver_alone - p,
        sender_per_yr: (sender_alone + p) * exchanged_per_yr,
        receiver_per_yr: (receiver_alone - p) * exchanged_per_yr,
    }
}

/// How old a perishable delivery gets before it is used up, in days.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Freshness {
    /// Gathering a delivery at the source (or waiting for the receiver's next intake).
    pub wait_at_source_days: f64,
    pub transit_days: f64,
    /// Using a delivery up at the receiver.
    pub use_days: f64,
    pub age_days: f64,
    pub shelf_life_days: f64,
}

impl Freshness {
    pub fn spoils(&self) -> bool {
        self.age_days.is_nan() || self.age_days > self.shelf_life_days
    }
}

/// The age of the oldest part of a delivery when it is used: gathered at the source at the
/// exchanged rate, carried, then used at that rate. `delivered_per_day`: the exchange's rate
/// while it runs; `batch`: the stream's batch size in delivered units; `min_delivery`: the
/// receiver's smallest lot in delivered units; `intake_every_days`: the receiver takes
/// deliveries only that often.
pub fn freshness(
    shelf_life_days: f64,
    rates: &ModeRates,
    distance_km: f64,
    delivered_per_day: f64,
    batch: Option<f64>,
    min_delivery: Option<f64>,
    intake_every_days: Option<f64>,
) -> Freshness {
    let delivery = rates.load_per_delivery.max(min_delivery.unwrap_or(0.0));
    let q = delivered_per_day;
    let days = |amount: f64| if q > 0.0 { amount / q } else { f64::INFINITY };
    let (mut wait, mut use_days) = match batch {
        Some(b) => (days((delivery - b).max(0.0)), days(b.max(delivery))),
        None => (days(delivery), days(delivery)),
    };
    if let Some(n) = intake_every_days {
        wait = wait.max(n);
        use_days = use_days.max(n);
    }
    let transit = rates.transit_hours(distance_km) / 24.0;
    Freshness {
        wait_at_source_days: wait,
        transit_days: transit,
        use_days,
        age_days: wait + transit + use_days,
        shelf_life_days,
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
    /// Source units per year taken from today's outlet.
    pub disposal_diverted_per_yr: f64,
}

/// The most a pair can exchange per year, in delivered units: the stream after its
/// preprocessing (times the share of it that can be delivered) against the need's share
/// for this rule.
pub fn exchangeable_per_yr(
    stream_quantity_per_yr: f64,
    deliverable_share: f64,
    supply: &SupplySide,
    demand: &DemandSide,
    need_quantity_per_yr: f64,
    max_share_pct: Option<f64>,
) -> f64 {
    let supply_delivered = stream_quantity_per_yr * supply.mass_factor * deliverable_share;
    let need_units_per_delivered = supply.ratio_to_units * demand.need_units_per_to_unit;
    let need_cap = need_quantity_per_yr * max_share_pct.unwrap_or(100.0) / 100.0;
    let need_delivered = if need_units_per_delivered > 0.0 {
        need_cap / need_units_per_delivered
    } else {
        0.0
    };
    supply_delivered.min(need_delivered).max(0.0)
}

/// Exchanged quantity and yearly value, CO2 and landfill diversion of one evaluated pair.
/// `deliverable_share`: the part of the stream that can reach the receiver (a perishable
/// stream flowing in months the receiver takes none delivers only the rest);
/// `landfill`: the stream goes to landfill today.
#[allow(clippy::too_many_arguments)]
pub fn annual_figures(
    stream: &OutputStream,
    basis: &StreamBasis,
    supply: &SupplySide,
    demand: &DemandSide,
    need: &Need,
    max_share_pct: Option<f64>,
    value: &PairValue,
    deliverable_share: f64,
    landfill: bool,
) -> AnnualFigures {
    let need_units_per_delivered = supply.ratio_to_units * demand.need_units_per_to_unit;
    let exchanged = exchangeable_per_yr(
        stream.quantity_per_yr,
        deliverable_share,
        supply,
        demand,
        need.quantity_per_yr,
        max_share_pct,
    );
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
        landfill_diverted_t_per_yr: if landfill { source_t } else { 0.0 },
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
        ModeRates::all_in(ModeKey::Truck, cost)
    }

    #[test]
    fn reduces_to_the_reference_formula_bit_for_bit() {
        // Values as in a generated peer folder.
        let (o_cost, i_cost, processing, transport, d) = (12.34, 56.78, 20.01, 0.1234, 321.5);
        let supply = SupplySide::plain(o_cost / 1.0, (0.0 + 0.0 + processing) / 1.0);
        let demand = DemandSide::priced(1.0 * i_cost);
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
        let supply = SupplySide::plain(5.0, 10.0);
        let demand = DemandSide::priced(2.0);
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
