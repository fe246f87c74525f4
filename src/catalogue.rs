//! The material catalogue: materials, substitution rules, transport modes, preprocessing options
//! and energy carriers, with a source for every number.
//!
//! The built-in catalogue ships in `assets/catalogue/`: `materials.json` (materials and rules)
//! and `logistics.json` (transport modes, preprocessing, energy). Each file has a `sources` table
//! (`id -> citation`); every object names, in its own `sources` map, the source id behind each of
//! its numeric fields (`"bulk_density_t_per_m3": "S12"`). A region adds or replaces materials and
//! rules ([`crate::model::CatalogueOverrides`]); [`Catalogue::for_region`] merges the two.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::{Extra, ModeKey, PhysicalState, Region, Specification, Unit};

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
    /// Source id of each numeric field, e.g. `"bulk_density_t_per_m3": "S3"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Extra,
}

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
            sources: BTreeMap::new(),
            extra: Extra::new(),
        }
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
pub struct Treatment {
    pub name: String,
    /// Per unit of by-product treated.
    pub cost_per_unit: f64,
    #[serde(default)]
    pub co2_kg_per_unit: f64,
}

/// A documented way in which one material replaces another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    #[serde(flatten)]
    pub extra: Extra,
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
    #[serde(default)]
    pub description: String,
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
    pub energy: Vec<EnergyCarrier>,
    pub transport_modes: Vec<TransportMode>,
    pub preprocessing: Vec<PreprocessOption>,
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
        Self::build(
            materials.materials,
            materials.rules,
            logistics.transport_modes,
            logistics.preprocessing,
            logistics.energy,
        )
    }

    fn build(
        materials: Vec<Material>,
        rules: Vec<Rule>,
        modes: Vec<TransportMode>,
        preprocessing: Vec<PreprocessOption>,
        energy: Vec<EnergyCarrier>,
    ) -> Result<Catalogue, CatalogueError> {
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
        Ok(Catalogue {
            materials,
            rules,
            modes,
            preprocessing,
            energy,
            material_index,
            rules_from,
        })
    }

    /// The built-in catalogue merged with the region's own materials and rules. A region material
    /// with a built-in key replaces it whole; region rules come after the built-in ones (which
    /// are left out when the region turns `builtin_rules` off); a region rule with a built-in id
    /// replaces it.
    pub fn for_region(region: &Region) -> Result<Catalogue, CatalogueError> {
        let base = Self::builtin();
        let over = &region.catalogue;
        if over.materials.is_empty() && over.rules.is_empty() && over.builtin_rules {
            return Ok(base.clone());
        }
        let mut materials = base.materials.clone();
        for m in &over.materials {
            match base.material_index.get(&m.key) {
                Some(&i) => materials[i] = m.clone(),
                None => materials.push(m.clone()),
            }
        }
        let mut rules: Vec<Rule> = if over.builtin_rules {
            base.rules.clone()
        } else {
            Vec::new()
        };
        for r in &over.rules {
            match rules.iter_mut().find(|x| x.id == r.id) {
                Some(slot) => *slot = r.clone(),
                None => rules.push(r.clone()),
            }
        }
        Self::build(
            materials,
            rules,
            base.modes.clone(),
            base.preprocessing.clone(),
            base.energy.clone(),
        )
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
