//! The material catalogue: materials, substitution rules, transport modes, preprocessing options
//! and energy carriers, with a source for every number.
//!
//! The built-in catalogue ships in `assets/catalogue/`: `materials.json` (materials and rules)
//! and `logistics.json` (transport modes, preprocessing, energy). Each file has a `sources` table
//! (`id -> citation`); every object names, in its own `sources` map, the source id behind each of
//! its numeric fields (`"bulk_density_t_per_m3": "S12"`). A region adds or replaces materials and
//! rules ([`crate::model::CatalogueOverrides`]); [`Catalogue::with_overrides`] merges the two
//! (`Catalogue::for_region` in `model` hands it a region's).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::kinds::{HeatSource, ModeKey, OutletKind, PhysicalState, Specification, Unit};
use crate::unknown::Extra;

/// The family a material belongs to; drives colours, pickers and summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Ashes, slags, gypsum, aggregates, lime, dusts.
    Mineral,
    Metal,
    /// Food, agricultural and animal residues, sludges and digestates.
    Biomass,
    Wood,
    Chemical,
    Polymer,
    Paper,
    Glass,
    Water,
    /// Heat and steam.
    Energy,
    Gas,
    /// A material of the region's own, with no category given.
    Other,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Mineral,
        Category::Metal,
        Category::Biomass,
        Category::Wood,
        Category::Chemical,
        Category::Polymer,
        Category::Paper,
        Category::Glass,
        Category::Water,
        Category::Energy,
        Category::Gas,
        Category::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::Mineral => "mineral",
            Category::Metal => "metal",
            Category::Biomass => "biomass",
            Category::Wood => "wood",
            Category::Chemical => "chemical",
            Category::Polymer => "polymer",
            Category::Paper => "paper",
            Category::Glass => "glass",
            Category::Water => "water",
            Category::Energy => "energy",
            Category::Gas => "gas",
            Category::Other => "other",
        }
    }
}

/// How a by-product replaces what the receiver buys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Used as delivered in place of the virgin material.
    Direct,
    /// Needs a treatment before it can replace the virgin material.
    Indirect,
    /// A lower-grade use after the best use is gone: energy recovery, feed to fuel, heat cascades.
    Cascaded,
}

impl MatchKind {
    pub const ALL: [MatchKind; 3] = [MatchKind::Direct, MatchKind::Indirect, MatchKind::Cascaded];

    pub fn label(self) -> &'static str {
        match self {
            MatchKind::Direct => "direct",
            MatchKind::Indirect => "indirect",
            MatchKind::Cascaded => "cascaded",
        }
    }
}

impl std::fmt::Display for MatchKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A material: what streams and needs are made of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Material {
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default = "other_category")]
    pub category: Category,
    /// The usual state; a stream may say otherwise.
    #[serde(default = "solid")]
    pub state: PhysicalState,
    /// The unit quantities and prices of this material are usually counted in.
    #[serde(default = "tonne")]
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_density_t_per_m3: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_moisture_pct: Option<f64>,
    /// Typical price of the material bought new (or of what it replaces), per unit delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virgin_price_per_unit: Option<f64>,
    /// Typical cost of disposing of one unit (gate fee plus landfill tax where it applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposal_cost_per_unit: Option<f64>,
    /// Cradle-to-gate emissions of producing one unit of the virgin material, kg `CO2e`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virgin_emission_kg_co2_per_unit: Option<f64>,
    /// EWC codes this material is usually reported under (spaced, no star).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ewc_codes: Vec<String>,
    /// Sampling, testing and reception cost of any exchange of this material, per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_cost_per_unit: Option<f64>,
    /// All-in transport cost per unit-km that replaces the transport modes for this material
    /// (a region's `materials.csv`). Handling is then included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_cost_per_unit_km: Option<f64>,
    /// Road distance / great-circle distance for this material, replacing the region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detour_factor: Option<f64>,
    /// A by-product or recycled material: a need of it buys a secondary material today, so
    /// replacing that supply avoids no virgin production.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secondary: bool,
    /// Inert waste: landfilled at the inert-waste gate fee and tax.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inert: bool,
    /// What a stream of this material usually does today, when the stream does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_outlet: Option<OutletKind>,
    /// Costs (positive) per unit of outlets that depend on the material rather than the
    /// country: land spreading of manure, cooling of rejected heat, a sewer charge per m3.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outlet_costs_per_unit: BTreeMap<OutletKind, f64>,
    /// Observed market price range of the material traded as a by-product, per unit at the
    /// seller's gate, low and high.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_price_range_per_unit: Option<[f64; 2]>,
    /// Net calorific value of the dry matter, MJ/kg (for gases: as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhv_dry_mj_per_kg: Option<f64>,
    /// Ash in the dry matter, %: with `lhv_dry_mj_per_kg`, a stream whose composition gives
    /// its own `ash` gets the heating value of its combustible part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ash_pct_dry: Option<f64>,
    /// Fossil CO2 released when the material is burnt, kg per MWh of its heating value
    /// (0 for biogenic carbon, by the IPCC convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fossil_co2_kg_per_mwh: Option<f64>,
    /// Days the material keeps at ambient temperature before it spoils; `None`: it keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelf_life_days: Option<f64>,
    /// Sampling and acceptance testing, averaged per delivery (a lab analysis every so many
    /// loads, the visual check and paperwork of each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub testing_cost_per_delivery: Option<f64>,
    /// Source id of each numeric field, e.g. `"bulk_density_t_per_m3": "S3"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    #[serde(skip)]
    pub extra: Extra,
}
crate::unknown::keep_unknown_fields!(Material);

fn other_category() -> Category {
    Category::Other
}
fn solid() -> PhysicalState {
    PhysicalState::Solid
}
fn tonne() -> Unit {
    Unit::Tonne
}

impl Material {
    /// A bare material of the region's own: only its key.
    pub fn named(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            name: key.replace('_', " "),
            category: Category::Other,
            state: PhysicalState::Solid,
            unit: Unit::Tonne,
            bulk_density_t_per_m3: None,
            typical_moisture_pct: None,
            virgin_price_per_unit: None,
            disposal_cost_per_unit: None,
            virgin_emission_kg_co2_per_unit: None,
            ewc_codes: Vec::new(),
            processing_cost_per_unit: None,
            transport_cost_per_unit_km: None,
            detour_factor: None,
            secondary: false,
            inert: false,
            typical_outlet: None,
            outlet_costs_per_unit: BTreeMap::new(),
            market_price_range_per_unit: None,
            lhv_dry_mj_per_kg: None,
            ash_pct_dry: None,
            fossil_co2_kg_per_mwh: None,
            shelf_life_days: None,
            testing_cost_per_delivery: None,
            sources: BTreeMap::new(),
            extra: Extra::new(),
        }
    }

    /// The middle of the observed by-product market price range.
    pub fn market_price_mid(&self) -> Option<f64> {
        self.market_price_range_per_unit
            .map(|[lo, hi]| 0.5 * (lo + hi))
    }

    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.key
        } else {
            &self.name
        }
    }
}

/// The treatment an indirect substitution needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Treatment {
    pub name: String,
    /// Per unit of by-product treated.
    pub cost_per_unit: f64,
    #[serde(default)]
    pub co2_kg_per_unit: f64,
    #[serde(skip)]
    pub extra: Extra,
}
crate::unknown::keep_unknown_fields!(Treatment);

/// What a substitution ratio counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Units of the receiver's material per unit of by-product (at its typical moisture, by
    /// dry matter).
    #[default]
    Mass,
    /// Delivered heating value: the ratio is the share of the by-product's net calorific
    /// value (as delivered, after its moisture) that replaces the fuel's (1 = equal use).
    Energy,
}

/// A documented way in which one material replaces another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Rule {
    pub id: String,
    pub from: String,
    pub to: String,
    pub kind: MatchKind,
    /// Units of `to` replaced per unit of `from` delivered. For materials with a typical moisture
    /// the ratio holds at that moisture and scales with dry matter (see `docs/ECONOMICS.md`).
    pub substitution_ratio: f64,
    /// Largest share of the receiver's need this by-product may cover (blending limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "is_mass")]
    pub basis: Basis,
    /// What the receiver knocks off the price of what it replaces for taking a by-product
    /// (quality risk, handling, testing it does itself), %. `None`: the catalogue's default
    /// for the kind of match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment: Option<Treatment>,
    /// Limits the by-product must meet for this use, on top of the receiver's own.
    #[serde(default, skip_serializing_if = "Specification::is_empty")]
    pub spec: Specification,
    /// The documented case, in a sentence.
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    #[serde(skip)]
    pub extra: Extra,
}
crate::unknown::keep_unknown_fields!(Rule);

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_mass(b: &Basis) -> bool {
    *b == Basis::Mass
}

/// Per-unit rates for the three units; `None` where the mode cannot carry that unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitRates {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m3: Option<f64>,
    #[serde(default, rename = "MWh", skip_serializing_if = "Option::is_none")]
    pub mwh: Option<f64>,
}

impl UnitRates {
    pub fn get(&self, unit: Unit) -> Option<f64> {
        match unit {
            Unit::Tonne => self.t,
            Unit::CubicMetre => self.m3,
            Unit::MegawattHour => self.mwh,
        }
    }
}

/// Infrastructure a mode needs at both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    RailSiding,
    Quay,
}

/// A transport mode with its costs and emissions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransportMode {
    pub key: ModeKey,
    pub name: String,
    /// States the mode can carry.
    pub states: Vec<PhysicalState>,
    /// Cost per unit-km at full payload, empty return included.
    pub cost_per_unit_km: UnitRates,
    /// Loading, unloading and transshipment per unit (both ends).
    pub handling_cost_per_unit: UnitRates,
    pub co2_kg_per_unit_km: UnitRates,
    /// Mass a vehicle carries when full; with `volume_m3` it decides when a light material fills
    /// the vehicle's volume before its payload, so densification pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_t: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_m3: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Access>,
    /// Average speed on the way, loading excluded, km/h (transit time of perishables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    /// Hours at the terminals per delivery: loading, waiting, unloading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_hours: Option<f64>,
    /// A pipeline's cost from the flow it carries; its `cost_per_unit_km` is then the
    /// pumping only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<PipelineScaling>,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

/// A pipeline's investment as a function of the flow it must carry (`docs/ECONOMICS.md`,
/// "Pipelines that scale with flow").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineScaling {
    /// Discount rate and lifetime of the annuity, % and years.
    pub interest_pct: f64,
    pub lifetime_yr: f64,
    /// Operation and maintenance per year, % of the investment.
    pub om_pct_per_yr: f64,
    /// One entry per physical state the pipeline carries.
    pub media: Vec<PipeMedium>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

impl PipelineScaling {
    /// Capital recovery factor plus operation and maintenance: yearly cost per unit of
    /// investment.
    pub fn yearly_share(&self) -> f64 {
        let i = self.interest_pct / 100.0;
        let n = self.lifetime_yr;
        let crf = if i > 0.0 {
            i / (1.0 - (1.0 + i).powf(-n))
        } else {
            1.0 / n
        };
        crf + self.om_pct_per_yr / 100.0
    }

    pub fn medium(&self, state: PhysicalState) -> Option<&PipeMedium> {
        self.media.iter().find(|m| m.state == state)
    }
}

/// How a pipeline carries one state: the line's cost per metre from its inner diameter, the
/// diameter from the design flow, and the connection at both ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipeMedium {
    pub state: PhysicalState,
    /// Construction cost per metre of route = `cost_per_m` + `cost_per_m_per_m_diameter` x d.
    pub cost_per_m: f64,
    pub cost_per_m_per_m_diameter: f64,
    /// Smallest line built, inner diameter in m.
    pub min_diameter_m: f64,
    /// Design velocity in the line, m/s.
    pub velocity_m_per_s: f64,
    /// Yearly flow / design flow, hours: how much the line is used.
    pub full_load_hours: f64,
    /// Volume in the line per unit of the medium's base unit: m3 of water per MWh of heat,
    /// of steam per MWh, 1 for liquids (per m3), and per Nm3 of gas at the line's pressure.
    pub line_m3_per_base_unit: f64,
    /// Connection at both ends (heat exchangers, metering, a compressor): fixed, and per unit
    /// of design flow (base units per hour: MW for heat).
    pub connection_cost: f64,
    pub connection_cost_per_base_unit_per_h: f64,
    /// Energy at the inlet per base unit (a compressor), kWh of electricity.
    #[serde(default)]
    pub inlet_kwh_per_base_unit: f64,
    /// Pumping along the line per base unit and km, kWh of electricity.
    #[serde(default)]
    pub pumping_kwh_per_base_unit_km: f64,
    /// Share of the heat carried lost per km of line, % (heat and steam).
    #[serde(default)]
    pub heat_loss_pct_per_km: f64,
    /// Longest line that works without re-raising the pressure (steam), km.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length_km: Option<f64>,
    /// Laboratory analyses of the stream a year (0 for heat, which is metered).
    #[serde(default)]
    pub tests_per_yr: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

/// What a preprocessing option does to moisture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoistureEffect {
    /// The lowest moisture the technique reaches.
    pub min_target_pct: f64,
    pub default_target_pct: f64,
    /// Bulk density after = before x `mass_factor` ^ exponent (0: volume shrinks with the water,
    /// 1: volume unchanged).
    pub density_exponent: f64,
}

/// What a preprocessing option does to bulk density.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DensityEffect {
    pub min_t_per_m3: f64,
    pub max_t_per_m3: f64,
    pub default_t_per_m3: f64,
}

/// A preprocessing option the user can apply to a stream at its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreprocessOption {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// States the option can take as input.
    pub applies_to: Vec<PhysicalState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moisture: Option<MoistureEffect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<DensityEffect>,
    /// State after the step (dewatered sludge becomes a solid cake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_state: Option<PhysicalState>,
    /// The input must be at most this wet (pelletising needs dry material).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_max_moisture_pct: Option<f64>,
    /// Operating and capital cost per tonne entering the step, energy excluded.
    pub cost_per_t_input: f64,
    pub energy_kwh_per_t_input: f64,
    #[serde(default)]
    pub energy_kwh_per_t_water_removed: f64,
    /// Key of an energy carrier.
    pub energy_carrier: String,
    /// Multiplies the transport mode's handling cost after this step (bales and pellets handle
    /// more cheaply than loose material).
    #[serde(default = "handling_one")]
    pub handling_factor: f64,
    /// Days the material keeps after this step (drying, ensiling, pelletising stabilise it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelf_life_days: Option<f64>,
    /// Share of the dry matter lost in the step (fermentation losses of ensiling), %.
    #[serde(default)]
    pub dry_matter_loss_pct: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

fn handling_one() -> f64 {
    1.0
}

/// Electricity, natural gas, ...: price and emission factor of the energy preprocessing uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnergyCarrier {
    pub key: String,
    pub name: String,
    pub price_per_kwh: f64,
    pub co2_kg_per_kwh: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

/// How a receiver makes its heat today: what a MWh of it costs and emits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeatSupply {
    pub key: HeatSource,
    pub name: String,
    /// Heat delivered per unit of fuel or electricity (COP for a heat pump).
    pub efficiency: f64,
    /// CO2 of the fuel or electricity, kg per MWh of it (biogenic CO2 counts 0).
    pub fuel_co2_kg_per_mwh: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

impl HeatSupply {
    /// kg CO2 per MWh of heat delivered: the fuel's factor over the efficiency.
    pub fn co2_kg_per_mwh_heat(&self) -> f64 {
        if self.efficiency > 0.0 {
            self.fuel_co2_kg_per_mwh / self.efficiency
        } else {
            0.0
        }
    }
}

/// A landfill's gate fee and tax per tonne.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateFee {
    pub gate_fee_per_t: f64,
    #[serde(default)]
    pub tax_per_t: f64,
}

impl GateFee {
    pub fn total_per_t(&self) -> f64 {
        self.gate_fee_per_t + self.tax_per_t
    }
}

/// What the outlets that depend on the country cost there, per tonne (sewer per m3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountryOutlets {
    /// ISO 3166-1 alpha-2 code, or `EU` for the averages used when no country is given.
    pub country: String,
    pub name: String,
    pub landfill: GateFee,
    pub landfill_inert: GateFee,
    pub landfill_hazardous: GateFee,
    pub incineration_per_t: f64,
    pub incineration_hazardous_per_t: f64,
    /// Industrial wastewater to the sewer or a treatment plant, per m3.
    pub sewer_per_m3: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

/// Defaults that hold for every material.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EconomicDefaults {
    /// The receiver's discount on the price of what it replaces, %, by kind of match, when a
    /// rule gives none. Same-material exchanges of a secondary material use 0.
    pub discount_pct_direct: f64,
    pub discount_pct_indirect: f64,
    pub discount_pct_cascaded: f64,
    /// Sampling and testing per delivery when the material gives none.
    pub testing_cost_per_delivery: f64,
    /// A full laboratory analysis of a sample (a pipeline's stream is analysed so many times a
    /// year, see [`PipeMedium::tests_per_yr`]).
    pub lab_analysis_cost_per_sample: f64,
    /// Latent heat of water in the net calorific value, MJ per kg of water.
    pub water_latent_heat_mj_per_kg: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

impl EconomicDefaults {
    pub fn discount_pct(&self, kind: MatchKind) -> f64 {
        match kind {
            MatchKind::Direct => self.discount_pct_direct,
            MatchKind::Indirect => self.discount_pct_indirect,
            MatchKind::Cascaded => self.discount_pct_cascaded,
        }
    }
}

/// `assets/catalogue/materials.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MaterialsFile {
    pub sources: BTreeMap<String, String>,
    pub materials: Vec<Material>,
    pub rules: Vec<Rule>,
}

/// `assets/catalogue/logistics.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogisticsFile {
    pub sources: BTreeMap<String, String>,
    #[serde(flatten)]
    pub logistics: Logistics,
}

/// Everything of the catalogue that a region does not override: modes, preprocessing,
/// energy, heat supplies, outlet costs by country and the general defaults.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Logistics {
    pub energy: Vec<EnergyCarrier>,
    #[serde(rename = "transport_modes")]
    pub modes: Vec<TransportMode>,
    pub preprocessing: Vec<PreprocessOption>,
    pub heat_sources: Vec<HeatSupply>,
    pub outlets: Vec<CountryOutlets>,
    pub defaults: EconomicDefaults,
}

pub const MATERIALS_JSON: &str = include_str!("../assets/catalogue/materials.json");
pub const LOGISTICS_JSON: &str = include_str!("../assets/catalogue/logistics.json");

/// A catalogue ready for lookups: the built-in one, or the built-in one merged with a region's.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub materials: Vec<Material>,
    pub rules: Vec<Rule>,
    pub modes: Vec<TransportMode>,
    pub preprocessing: Vec<PreprocessOption>,
    pub energy: Vec<EnergyCarrier>,
    pub heat_sources: Vec<HeatSupply>,
    pub outlets: Vec<CountryOutlets>,
    pub defaults: EconomicDefaults,
    material_index: FxHashMap<String, usize>,
    /// Rule indices by `from` material index.
    rules_from: Vec<Vec<usize>>,
}

/// The built-in catalogue could not be read: a bug in the shipped assets, caught by tests.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("assets/catalogue/{file}: {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Catalogue {
    /// The built-in catalogue, parsed once.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| match Self::parse_builtin() {
            Ok(c) => c,
            // The assets are compiled in and checked by the test suite; a broken build must
            // not run with a silently empty catalogue.
            Err(e) => panic!("built-in catalogue is broken: {e}"),
        })
    }

    /// Parses the shipped catalogue files.
    pub fn parse_builtin() -> Result<Catalogue, CatalogueError> {
        let materials: MaterialsFile =
            serde_json::from_str(MATERIALS_JSON).map_err(|source| CatalogueError::Json {
                file: "materials.json",
                source,
            })?;
        let logistics: LogisticsFile =
            serde_json::from_str(LOGISTICS_JSON).map_err(|source| CatalogueError::Json {
                file: "logistics.json",
                source,
            })?;
        Self::build(materials.materials, materials.rules, logistics.logistics)
    }

    fn build(
        materials: Vec<Material>,
        rules: Vec<Rule>,
        logistics: Logistics,
    ) -> Result<Catalogue, CatalogueError> {
        let Logistics {
            modes,
            preprocessing,
            energy,
            heat_sources,
            outlets,
            defaults,
        } = logistics;
        let mut material_index = FxHashMap::default();
        for (i, m) in materials.iter().enumerate() {
            if material_index.insert(m.key.clone(), i).is_some() {
                return Err(CatalogueError::Invalid(format!(
                    "material `{}` is defined twice",
                    m.key
                )));
            }
        }
        let mut rules_from = vec![Vec::new(); materials.len()];
        for (i, r) in rules.iter().enumerate() {
            let (Some(&from), Some(_)) = (material_index.get(&r.from), material_index.get(&r.to))
            else {
                return Err(CatalogueError::Invalid(format!(
                    "rule `{}` links `{}` to `{}`, but one of them is not a material",
                    r.id, r.from, r.to
                )));
            };
            rules_from[from].push(i);
        }
        for p in &preprocessing {
            if !energy.iter().any(|e| e.key == p.energy_carrier) {
                return Err(CatalogueError::Invalid(format!(
                    "preprocessing `{}` uses unknown energy carrier `{}`",
                    p.key, p.energy_carrier
                )));
            }
        }
        if !outlets.iter().any(|o| o.country == "EU") {
            return Err(CatalogueError::Invalid(
                "outlet costs have no `EU` entry (the default country)".to_owned(),
            ));
        }
        for h in HeatSource::ALL {
            if !heat_sources.iter().any(|x| x.key == h) {
                return Err(CatalogueError::Invalid(format!(
                    "heat source `{}` has no entry",
                    h.key()
                )));
            }
        }
        Ok(Catalogue {
            materials,
            rules,
            modes,
            preprocessing,
            energy,
            heat_sources,
            outlets,
            defaults,
            material_index,
            rules_from,
        })
    }

    /// The built-in catalogue merged with the region's own materials and rules. A region material
    /// with a built-in key replaces it whole; region rules come after the built-in ones (which
    /// are left out when the region turns `builtin_rules` off); a region rule with a built-in id
    /// replaces it.
    pub fn with_overrides(
        region_materials: &[Material],
        region_rules: &[Rule],
        builtin_rules: bool,
    ) -> Result<Catalogue, CatalogueError> {
        let base = Self::builtin();
        if region_materials.is_empty() && region_rules.is_empty() && builtin_rules {
            return Ok(base.clone());
        }
        let mut materials = base.materials.clone();
        for m in region_materials {
            match base.material_index.get(&m.key) {
                Some(&i) => materials[i] = m.clone(),
                None => materials.push(m.clone()),
            }
        }
        let mut rules: Vec<Rule> = if builtin_rules {
            base.rules.clone()
        } else {
            Vec::new()
        };
        for r in region_rules {
            match rules.iter_mut().find(|x| x.id == r.id) {
                Some(slot) => *slot = r.clone(),
                None => rules.push(r.clone()),
            }
        }
        Self::build(materials, rules, base.logistics())
    }

    /// A copy of the parts a region does not override.
    pub fn logistics(&self) -> Logistics {
        Logistics {
            energy: self.energy.clone(),
            modes: self.modes.clone(),
            preprocessing: self.preprocessing.clone(),
            heat_sources: self.heat_sources.clone(),
            outlets: self.outlets.clone(),
            defaults: self.defaults.clone(),
        }
    }

    pub fn material_index(&self, key: &str) -> Option<usize> {
        self.material_index.get(key).copied()
    }

    pub fn material(&self, key: &str) -> Option<&Material> {
        self.material_index(key).map(|i| &self.materials[i])
    }

    /// Rules whose `from` is the material at `material_index`.
    pub fn rules_from(&self, material_index: usize) -> impl Iterator<Item = (usize, &Rule)> {
        self.rules_from
            .get(material_index)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.rules[i]))
    }

    pub fn mode(&self, key: ModeKey) -> Option<&TransportMode> {
        self.modes.iter().find(|m| m.key == key)
    }

    pub fn preprocess_option(&self, key: &str) -> Option<&PreprocessOption> {
        self.preprocessing.iter().find(|p| p.key == key)
    }

    pub fn energy_carrier(&self, key: &str) -> Option<&EnergyCarrier> {
        self.energy.iter().find(|e| e.key == key)
    }

    pub fn heat_source(&self, key: HeatSource) -> Option<&HeatSupply> {
        self.heat_sources.iter().find(|h| h.key == key)
    }

    /// Outlet costs of a country (ISO alpha-2, case-insensitive; `UK` and `GB` are one), the EU
    /// averages when the country has no entry or none is given. The flag says whether the
    /// country's own entry was found.
    pub fn country_outlets(&self, country: Option<&str>) -> (&CountryOutlets, bool) {
        let wanted = country.map(|c| {
            let c = c.trim().to_ascii_uppercase();
            if c == "GB" {
                "UK".to_owned()
            } else {
                c
            }
        });
        if let Some(c) = wanted.as_deref() {
            if let Some(o) = self.outlets.iter().find(|o| o.country == c) {
                return (o, c != "EU");
            }
        }
        let eu = self
            .outlets
            .iter()
            .find(|o| o.country == "EU")
            .unwrap_or(&self.outlets[0]);
        (eu, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The tests build regions; the catalogue itself reads none.
    use crate::model::Region;

    /// Every default of a built-in material or rule names its source, and every source id it
    /// names is in the file's table.
    #[test]
    fn every_default_has_its_source() {
        let file: MaterialsFile = serde_json::from_str(MATERIALS_JSON).unwrap();
        let mut missing = Vec::new();
        let mut check =
            |owner: &str, sources: &BTreeMap<String, String>, fields: &[(&str, bool)]| {
                for (field, present) in fields {
                    match sources.get(*field) {
                        None if *present => missing.push(format!("{owner}.{field}: no source")),
                        Some(ids) => {
                            for id in ids.split(',').map(str::trim) {
                                if !file.sources.contains_key(id) {
                                    missing.push(format!("{owner}.{field}: unknown source {id}"));
                                }
                            }
                        }
                        None => {}
                    }
                }
            };
        for m in &file.materials {
            check(
                &m.key,
                &m.sources,
                &[
                    ("bulk_density_t_per_m3", m.bulk_density_t_per_m3.is_some()),
                    ("typical_moisture_pct", m.typical_moisture_pct.is_some()),
                    ("virgin_price_per_unit", m.virgin_price_per_unit.is_some()),
                    ("disposal_cost_per_unit", m.disposal_cost_per_unit.is_some()),
                    (
                        "virgin_emission_kg_co2_per_unit",
                        m.virgin_emission_kg_co2_per_unit.is_some(),
                    ),
                    (
                        "processing_cost_per_unit",
                        m.processing_cost_per_unit.is_some(),
                    ),
                    ("typical_outlet", m.typical_outlet.is_some()),
                    ("outlet_costs_per_unit", !m.outlet_costs_per_unit.is_empty()),
                    (
                        "market_price_range_per_unit",
                        m.market_price_range_per_unit.is_some(),
                    ),
                    ("lhv_dry_mj_per_kg", m.lhv_dry_mj_per_kg.is_some()),
                    ("ash_pct_dry", m.ash_pct_dry.is_some()),
                    ("fossil_co2_kg_per_mwh", m.fossil_co2_kg_per_mwh.is_some()),
                    ("shelf_life_days", m.shelf_life_days.is_some()),
                    (
                        "testing_cost_per_delivery",
                        m.testing_cost_per_delivery.is_some(),
                    ),
                ],
            );
        }
        for r in &file.rules {
            check(
                &r.id,
                &r.sources,
                &[
                    ("substitution_ratio", r.substitution_ratio != 1.0),
                    ("max_share_pct", r.max_share_pct.is_some()),
                    ("discount_pct", r.discount_pct.is_some()),
                    ("treatment", r.treatment.is_some()),
                    ("basis", r.basis == Basis::Energy),
                ],
            );
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn builtin_catalogue_parses() {
        let c = Catalogue::parse_builtin().unwrap();
        assert!(!c.materials.is_empty());
        assert_eq!(c.modes.len(), ModeKey::ALL.len());
    }

    #[test]
    fn region_material_replaces_builtin_and_can_drop_builtin_rules() {
        let base = Catalogue::builtin();
        let some = base.materials[0].key.clone();
        let mut region = Region::default();
        let mut own = Material::named(&some);
        own.transport_cost_per_unit_km = Some(0.5);
        region.catalogue.materials.push(own);
        region
            .catalogue
            .materials
            .push(Material::named("region_only_stuff"));
        region.catalogue.builtin_rules = false;
        let c = Catalogue::for_region(&region).unwrap();
        assert_eq!(
            c.material(&some).unwrap().transport_cost_per_unit_km,
            Some(0.5)
        );
        assert!(c.material("region_only_stuff").is_some());
        assert!(c.rules.is_empty());
        assert_eq!(c.materials.len(), base.materials.len() + 1);
    }
}
