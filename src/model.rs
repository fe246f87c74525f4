//! The region model: facilities, their characterised output streams and needs, and the region's
//! settings. Plain data with serde; everything here is what a region file stores.
//!
//! Units are in the field names (`moisture_pct`, `quantity_per_yr`, `lat_deg`). Money is in the
//! region's `currency` (the built-in catalogue's defaults are in EUR). Quantities are in the
//! stream's own [`Unit`]. Every struct that a user may have annotated keeps the fields this
//! version does not know in `extra`, so a file saved again loses nothing.

use serde::{Deserialize, Serialize};

use crate::unknown::keep_unknown_fields;
pub use crate::unknown::Extra;

// The leaf types a region file and the catalogue share live in `kinds`, below both, so that
// `catalogue` does not import `model` (the region) while `model` imports the catalogue's
// materials and rules.
pub use crate::kinds::{
    Constituent, HeatSource, ModeKey, OutletKind, PhysicalState, Specification, Unit,
};

/// The region file format this build writes. Files with a larger number are refused; older
/// ones are migrated on load (`io::region_file`).
///
/// - 1: facilities, streams, needs, settings, catalogue overrides, notes.
/// - 2: adds `proposals` (exchanges captured in workshops) and `projects` (the pipeline from
///   opportunity to operating exchange).
/// - 3: an output stream's `outlet` (what the facility does with it today) replaces
///   `disposal_cost_per_unit` and `disposal_route`; a need's `supply` (what it buys today,
///   from how far, what makes its heat) replaces `virgin_price_per_unit`; facilities and the
///   region's settings name their `country`.
/// - 4: a project's `agreement`: the supply agreement its companies sign (quality limits,
///   volume commitments, delivery schedule, price, penalties, duration and exit, buffer).
pub const FORMAT_VERSION: u32 = 4;

/// A region: the unit of work a planner opens, edits and saves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Region {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// ISO 4217 code of every money value in the file.
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub facilities: Vec<Facility>,
    /// The region's own materials and rules, on top of (or instead of) the built-in catalogue.
    #[serde(default)]
    pub catalogue: CatalogueOverrides,
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Exchanges people proposed (in a workshop, say) that are evaluated like candidates.
    #[serde(default)]
    pub proposals: Vec<Proposal>,
    /// Exchanges being turned into real ones.
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Candidate places for shared hubs (`crate::hubs`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::unknown::hub_sites"
    )]
    pub hubs: Vec<crate::hubs::HubSite>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Region);

fn default_currency() -> String {
    "EUR".to_owned()
}

impl Default for Region {
    fn default() -> Self {
        Self {
            format_version: FORMAT_VERSION,
            name: "Untitled region".to_owned(),
            description: String::new(),
            currency: default_currency(),
            settings: Settings::default(),
            facilities: Vec::new(),
            catalogue: CatalogueOverrides::default(),
            notes: Vec::new(),
            proposals: Vec::new(),
            projects: Vec::new(),
            hubs: Vec::new(),
            extra: Extra::new(),
        }
    }
}

impl Region {
    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.facilities.iter().find(|f| f.id == id)
    }

    /// Index of the facility with this id.
    pub fn facility_index(&self, id: &str) -> Option<usize> {
        self.facilities.iter().position(|f| f.id == id)
    }

    /// `(facility, output)` indices of the output stream with this id.
    pub fn output_index(&self, id: &str) -> Option<(usize, usize)> {
        self.facilities
            .iter()
            .enumerate()
            .find_map(|(fi, f)| f.outputs.iter().position(|o| o.id == id).map(|oi| (fi, oi)))
    }

    /// `(facility, need)` indices of the need with this id.
    pub fn need_index(&self, id: &str) -> Option<(usize, usize)> {
        self.facilities
            .iter()
            .enumerate()
            .find_map(|(fi, f)| f.needs.iter().position(|n| n.id == id).map(|ni| (fi, ni)))
    }

    /// An id not used by any facility, stream, need, proposal or project: `prefix` followed
    /// by the smallest free number.
    pub fn fresh_id(&self, prefix: &str) -> String {
        let taken = |id: &str| {
            self.facilities.iter().any(|f| {
                f.id == id
                    || f.outputs.iter().any(|o| o.id == id)
                    || f.needs.iter().any(|n| n.id == id)
            }) || self.proposals.iter().any(|p| p.id == id)
                || self.projects.iter().any(|p| p.id == id)
                || self.hubs.iter().any(|h| h.id == id)
        };
        // Among ids+1 numbers one is free, whatever the ids are.
        let bound = self
            .facilities
            .iter()
            .map(|f| 1 + f.outputs.len() + f.needs.len())
            .sum::<usize>()
            + self.proposals.len()
            + self.projects.len()
            + self.hubs.len()
            + 1;
        (1..=bound)
            .map(|n| format!("{prefix}{n}"))
            .find(|id| !taken(id))
            .unwrap_or_else(|| prefix.to_owned())
    }

    /// Number of output streams and needs in the region.
    pub fn stream_counts(&self) -> (usize, usize) {
        self.facilities
            .iter()
            .fold((0, 0), |(o, n), f| (o + f.outputs.len(), n + f.needs.len()))
    }
}

/// Region-wide economic settings. The defaults and their sources are in `docs/ECONOMICS.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Settings {
    /// Road distance / great-circle distance. Default 1.3: European road circuity factors lie
    /// between about 1.2 and 1.4 (Ballou, Rahardja & Sakai 2002, "Selected country circuity
    /// factors for road travel distance estimation", Transportation Research Part A 36(9)).
    #[serde(default = "default_detour")]
    pub detour_factor: f64,
    /// Mode used when a stream does not name one and several are possible: `None` picks the mode
    /// with the best net value for each pair.
    #[serde(default)]
    pub default_mode: Option<ModeKey>,
    /// Price put on avoided CO2 in the net value. 0 keeps the private economics only; the EU ETS
    /// allowance price averaged about 65 EUR/t in 2024 (EEX auction results) for comparison.
    #[serde(default)]
    pub carbon_price_per_t_co2: f64,
    /// Multiplies every transport cost (fuel price or haulage rate scenarios). 1 = catalogue.
    #[serde(default = "one")]
    pub transport_cost_factor: f64,
    /// Country whose outlet costs (landfill gate fees and taxes, incineration, sewer charges)
    /// are the defaults: an ISO 3166-1 alpha-2 code (`BE`, `NL`, `DE`...). `None`: EU averages.
    /// A facility's own `country` takes precedence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Cycle service level the buffer stores are sized for, % (50 to 99.99): the share of
    /// replenishment cycles that pass without the receiver running short. `None`: 95 %, or
    /// choose 99 % where the receiver's process cannot stop (T16, `docs/BUFFERS.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level_pct: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Settings);

fn default_detour() -> f64 {
    1.3
}
fn one() -> f64 {
    1.0
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            detour_factor: default_detour(),
            default_mode: None,
            carbon_price_per_t_co2: 0.0,
            transport_cost_factor: 1.0,
            country: None,
            service_level_pct: None,
            extra: Extra::new(),
        }
    }
}

/// A site that gives away by-products and buys materials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Facility {
    /// Stable identifier, unique in the region.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub operator: String,
    /// The sector as given: a NACE Rev. 2 code (`"C23.51"`, `"23.51"`, `"C"`) or free text.
    #[serde(default)]
    pub sector: String,
    pub location: LatLon,
    #[serde(default)]
    pub address: String,
    /// ISO 3166-1 alpha-2 code of the country the site is in; `None`: the region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Costs and prices of a confidential facility are hidden in workshop mode and exports can
    /// leave them out.
    #[serde(default)]
    pub confidential: bool,
    /// The site can load and unload rail wagons.
    #[serde(default)]
    pub rail_siding: bool,
    /// The site has a quay on a navigable waterway.
    #[serde(default)]
    pub quay: bool,
    /// The hub type this site could host for its neighbours (`crate::hubs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_host: Option<String>,
    #[serde(default)]
    pub outputs: Vec<OutputStream>,
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Extra columns of an imported table, kept as text.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Facility, within: ["location"]);

impl Facility {
    /// A site with nothing but its id, name and position.
    pub fn new(id: &str, name: &str, location: LatLon) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            operator: String::new(),
            sector: String::new(),
            location,
            address: String::new(),
            country: None,
            tags: Vec::new(),
            confidential: false,
            rail_siding: false,
            quay: false,
            hub_host: None,
            outputs: Vec::new(),
            needs: Vec::new(),
            attributes: std::collections::BTreeMap::new(),
            extra: Extra::new(),
        }
    }
}

/// A WGS84 position in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat_deg: f64,
    pub lon_deg: f64,
}

impl LatLon {
    pub fn new(lat_deg: f64, lon_deg: f64) -> Self {
        Self { lat_deg, lon_deg }
    }

    /// Finite and inside [-90, 90] x [-180, 180].
    pub fn is_valid(self) -> bool {
        self.lat_deg.is_finite()
            && self.lon_deg.is_finite()
            && (-90.0..=90.0).contains(&self.lat_deg)
            && (-180.0..=180.0).contains(&self.lon_deg)
    }
}

/// When a stream flows, or when a need must be served. Written as one object: the pattern's
/// fields beside the months (`{"pattern": "batches", "batch_quantity": 500, "every_days": 30,
/// "months": [5, 6]}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Availability {
    pub pattern: Pattern,
    /// Months of the year (1 = January) in which the flow exists. Empty means all year.
    pub months: Vec<u8>,
    pub extra: Extra,
}

impl Default for Availability {
    fn default() -> Self {
        Self {
            pattern: Pattern::Continuous,
            months: Vec::new(),
            extra: Extra::new(),
        }
    }
}

/// An availability as the file has it.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Self")]
struct AvailabilityFields {
    pattern: PatternKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch_quantity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    every_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    months: Vec<u8>,
    #[serde(skip)]
    extra: Extra,
}
keep_unknown_fields!(AvailabilityFields);

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PatternKind {
    Continuous,
    Batches,
}

impl Serialize for Availability {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (pattern, batch_quantity, every_days) = match self.pattern {
            Pattern::Continuous => (PatternKind::Continuous, None, None),
            Pattern::Batches {
                batch_quantity,
                every_days,
            } => (PatternKind::Batches, Some(batch_quantity), Some(every_days)),
        };
        let fields = AvailabilityFields {
            pattern,
            batch_quantity,
            every_days,
            months: self.months.clone(),
            extra: self.extra.clone(),
        };
        <AvailabilityFields as Serialize>::serialize(&fields, serializer)
    }
}

impl<'de> Deserialize<'de> for Availability {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // The trait's, which keeps the unknown fields (the inherent one is serde's derived code).
        let f = <AvailabilityFields as Deserialize>::deserialize(deserializer)?;
        let mut extra = f.extra;
        let pattern = match f.pattern {
            PatternKind::Continuous => {
                // Batch fields beside a continuous pattern mean nothing to it: kept as they were.
                for (key, v) in [
                    ("batch_quantity", f.batch_quantity),
                    ("every_days", f.every_days),
                ] {
                    if let Some(v) = v {
                        extra.insert(key.to_owned(), serde_json::Value::from(v));
                    }
                }
                Pattern::Continuous
            }
            PatternKind::Batches => Pattern::Batches {
                batch_quantity: f
                    .batch_quantity
                    .ok_or_else(|| D::Error::missing_field("batch_quantity"))?,
                every_days: f
                    .every_days
                    .ok_or_else(|| D::Error::missing_field("every_days"))?,
            },
        };
        Ok(Self {
            pattern,
            months: f.months,
            extra,
        })
    }
}

/// Bit `m - 1` set for every month of `months` (1 = January); all twelve for an empty list
/// (all year). Numbers outside 1..12 are ignored.
pub fn month_mask(months: &[u8]) -> u16 {
    if months.is_empty() {
        0x0fff
    } else {
        months
            .iter()
            .filter(|m| (1..=12).contains(*m))
            .fold(0, |mask, m| mask | (1 << (m - 1)))
    }
}

impl Availability {
    /// Bit `m - 1` set for every month of availability.
    pub fn month_mask(&self) -> u16 {
        month_mask(&self.months)
    }

    pub fn active_months(&self) -> u32 {
        self.month_mask().count_ones()
    }
}

/// How a flow is spread over time (written as the availability's `pattern`).
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// Steady flow while available.
    Continuous,
    /// Batches of `batch_quantity` units every `every_days` days.
    Batches {
        batch_quantity: f64,
        every_days: f64,
    },
}

/// A by-product or waste a facility gives away, characterised well enough to judge reuse.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct OutputStream {
    /// Stable identifier, unique in the region.
    pub id: String,
    /// Material key in the catalogue (built-in or the region's own).
    pub material: String,
    /// European List of Waste code, six digits, spaced (`"10 01 02"`); a star is not stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ewc_code: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composition: Vec<Constituent>,
    /// `None`: the material's usual state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_state: Option<PhysicalState>,
    /// Water content, % of wet mass. `None`: the material's typical moisture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moisture_pct: Option<f64>,
    /// Loose bulk density as stored. `None`: the material's typical density.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_density_t_per_m3: Option<f64>,
    pub quantity_per_yr: f64,
    pub unit: Unit,
    /// Variability of composition or flow as a coefficient of variation, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variability_cv_pct: Option<f64>,
    #[serde(default)]
    pub availability: Availability,
    /// What the facility does with the stream today, and what that costs or earns: the
    /// counterfactual every exchange is measured against.
    #[serde(default)]
    pub outlet: Outlet,
    /// Days the stream keeps before it spoils, as it leaves the site. `None`: the material's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelf_life_days: Option<f64>,
    /// Version-2 field, read only: moved into `outlet` on load.
    #[serde(default, skip_serializing)]
    pub disposal_cost_per_unit: Option<f64>,
    /// Version-2 field, read only: moved into `outlet` on load.
    #[serde(default, skip_serializing)]
    pub disposal_route: Option<DisposalRoute>,
    #[serde(default)]
    pub hazardous: bool,
    /// Preprocessing applied at the source before transport: the design variable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preprocessing: Vec<PreprocessStep>,
    /// Transport mode the planner fixed for this stream; `None`: choose per pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeKey>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(OutputStream);

impl OutputStream {
    /// A stream of `material` with everything else the material's typical value.
    pub fn new(id: &str, material: &str, quantity_per_yr: f64, unit: Unit) -> Self {
        Self {
            id: id.to_owned(),
            material: material.to_owned(),
            ewc_code: None,
            description: String::new(),
            composition: Vec::new(),
            physical_state: None,
            moisture_pct: None,
            bulk_density_t_per_m3: None,
            quantity_per_yr,
            unit,
            variability_cv_pct: None,
            availability: Availability::default(),
            outlet: Outlet::default(),
            shelf_life_days: None,
            disposal_cost_per_unit: None,
            disposal_route: None,
            hazardous: false,
            preprocessing: Vec::new(),
            mode: None,
            extra: Extra::new(),
        }
    }
}

/// Where a stream went in a version-2 file (`disposal_route`); read only, for migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalRoute {
    Landfill,
    Incineration,
    Sewer,
    LandSpreading,
    Emitted,
    Other,
}

/// Today's outlet of a stream: its kind, and what it costs or earns per unit of the stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Outlet {
    pub kind: OutletKind,
    /// What the facility pays per unit today: gate fee and tax, the contractor, the haulage to
    /// the outlet. `None`: the catalogue's default for this outlet, material and country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_unit: Option<f64>,
    /// What the outlet brings per unit: the sale price at the gate (`sold`), or what the use
    /// on site saves (`used_on_site`). `None`: the catalogue's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_per_unit: Option<f64>,
    /// Who takes it today (a facility id or a name), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub buyer: String,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Outlet);

impl Outlet {
    pub fn new(kind: OutletKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    pub fn with_cost(kind: OutletKind, cost_per_unit: f64) -> Self {
        Self {
            kind,
            cost_per_unit: Some(cost_per_unit),
            ..Self::default()
        }
    }

    /// The outlet of a table row that gives one net cost per unit: paid (positive) or earned
    /// (negative, a sale).
    pub fn from_net_cost(kind: OutletKind, net_cost_per_unit: Option<f64>) -> Self {
        match net_cost_per_unit {
            Some(c) if c < 0.0 => Self {
                kind: if kind == OutletKind::Unspecified {
                    OutletKind::Sold
                } else {
                    kind
                },
                revenue_per_unit: Some(-c),
                ..Self::default()
            },
            c => Self {
                kind,
                cost_per_unit: c,
                ..Self::default()
            },
        }
    }

    pub fn sold(revenue_per_unit: f64) -> Self {
        Self {
            kind: OutletKind::Sold,
            revenue_per_unit: Some(revenue_per_unit),
            ..Self::default()
        }
    }
}

/// One preprocessing step applied to a stream, with its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PreprocessStep {
    /// Key of a preprocessing option in the catalogue (`dewatering`, `thermal_drying`, ...).
    pub step: String,
    /// Moisture the step brings the material to (dewatering, drying).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_moisture_pct: Option<f64>,
    /// Bulk density the step brings the material to (compaction, baling, pelletising).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_density_t_per_m3: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(PreprocessStep);

impl PreprocessStep {
    pub fn new(step: &str) -> Self {
        Self {
            step: step.to_owned(),
            target_moisture_pct: None,
            target_density_t_per_m3: None,
            extra: Extra::new(),
        }
    }
}

/// A material a facility buys today and could replace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Need {
    /// Stable identifier, unique in the region.
    pub id: String,
    pub material: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub spec: Specification,
    pub quantity_per_yr: f64,
    pub unit: Unit,
    #[serde(default)]
    pub availability: Availability,
    /// What the facility buys today: its price delivered, where it comes from, what makes its
    /// heat.
    #[serde(default, skip_serializing_if = "CurrentSupply::is_empty")]
    pub supply: CurrentSupply,
    /// Version-2 field, read only: moved into `supply.price_per_unit` on load.
    #[serde(default, skip_serializing)]
    pub virgin_price_per_unit: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Need);

impl Need {
    /// A need of `material` with no specification, all year, at the catalogue's price.
    pub fn new(id: &str, material: &str, quantity_per_yr: f64, unit: Unit) -> Self {
        Self {
            id: id.to_owned(),
            material: material.to_owned(),
            description: String::new(),
            spec: Specification::default(),
            quantity_per_yr,
            unit,
            availability: Availability::default(),
            supply: CurrentSupply::default(),
            virgin_price_per_unit: None,
            extra: Extra::new(),
        }
    }
}

/// Whether what a receiver buys today is newly produced or itself a secondary material.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyOrigin {
    /// Newly produced: replacing it avoids its production emissions.
    Virgin,
    /// A by-product or recycled material bought from elsewhere: replacing it saves only the
    /// difference in transport.
    Secondary,
}

/// A need's supply today. Every field is optional: what is not given comes from the catalogue
/// (the material's price, virgin origin unless the material is itself secondary, no transport
/// today, a gas boiler for heat).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CurrentSupply {
    /// What one unit costs the facility delivered today, its transport included. `None`: the
    /// catalogue's price of the material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_unit: Option<f64>,
    /// `None`: virgin, unless the need's material is a secondary one in the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<SupplyOrigin>,
    /// Road distance today's supply travels, km. `None`: not known (no transport credited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// How today's supply travels. `None`: truck for solids and liquids, pipeline otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeKey>,
    /// Who supplies it today, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub supplier: String,
    /// For heat and steam: what makes the receiver's heat today. `None`: a gas boiler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heat_source: Option<HeatSource>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(CurrentSupply);

impl CurrentSupply {
    pub fn is_empty(&self) -> bool {
        self == &CurrentSupply::default()
    }

    pub fn priced(price_per_unit: f64) -> Self {
        Self {
            price_per_unit: Some(price_per_unit),
            ..Self::default()
        }
    }
}

/// The region's additions to the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CatalogueOverrides {
    /// Materials defined or redefined by the region (a key equal to a built-in one replaces it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<crate::catalogue::Material>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<crate::catalogue::Rule>,
    /// Use the built-in substitution rules too. An import with its own `materials.csv` turns this
    /// off: streams then match needs of the same material only, or the region's own rules.
    #[serde(default = "yes")]
    pub builtin_rules: bool,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(CatalogueOverrides);

fn yes() -> bool {
    true
}

impl Default for CatalogueOverrides {
    fn default() -> Self {
        Self {
            materials: Vec::new(),
            rules: Vec::new(),
            builtin_rules: true,
            extra: Extra::new(),
        }
    }
}

impl crate::catalogue::Catalogue {
    /// The built-in catalogue merged with the region's own materials and rules
    /// ([`crate::catalogue::Catalogue::with_overrides`]).
    pub fn for_region(
        region: &Region,
    ) -> Result<crate::catalogue::Catalogue, crate::catalogue::CatalogueError> {
        let c = &region.catalogue;
        Self::with_overrides(&c.materials, &c.rules, c.builtin_rules)
    }
}

/// A free-text note, optionally about one facility.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Note {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_id: Option<String>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Note);

/// Who proposed an exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalOrigin {
    /// Drawn on the map during a workshop, from what the people in the room said.
    #[default]
    Workshop,
    /// Entered by the planner.
    Planner,
}

/// An exchange someone proposed between two facilities: evaluated by the engine like any
/// candidate once its stream and need are named.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Proposal {
    pub id: String,
    /// Facility id of the supplier.
    pub from_facility: String,
    /// Output stream id at the supplier, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Facility id of the receiver.
    pub to_facility: String,
    /// Need id at the receiver, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<String>,
    /// What was said ("their wastewater is calcium-rich").
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub origin: ProposalOrigin,
    /// Day it was captured, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Proposal);

/// Where a project stands, in order.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Identified,
    Contacted,
    Feasibility,
    Agreement,
    Operating,
    Ended,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Identified,
        Stage::Contacted,
        Stage::Feasibility,
        Stage::Agreement,
        Stage::Operating,
        Stage::Ended,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Identified => "Identified",
            Stage::Contacted => "Contacted",
            Stage::Feasibility => "Feasibility",
            Stage::Agreement => "Agreement",
            Stage::Operating => "Operating",
            Stage::Ended => "Ended",
        }
    }
}

/// What a member does in a project.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Supplier,
    Receiver,
    /// A broker, logistics firm or treatment operator between supplier and receiver.
    Intermediary,
    IsPlanner,
    IsProjectManager,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Supplier,
        Role::Receiver,
        Role::Intermediary,
        Role::IsPlanner,
        Role::IsProjectManager,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::Supplier => "supplier",
            Role::Receiver => "receiver",
            Role::Intermediary => "intermediary",
            Role::IsPlanner => "IS planner",
            Role::IsProjectManager => "IS project manager",
        }
    }
}

/// A facility or a person in a project.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Member {
    pub role: Role,
    /// The facility's id, for suppliers, receivers and intermediaries on the map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// A person or organisation (always shown; the facility's name if empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Member);

/// Something to do, by a date.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Action {
    pub text: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub due: String,
    #[serde(default)]
    pub done: bool,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Action);

/// An exchange on its way from opportunity to operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub members: Vec<Member>,
    /// The output stream and the need exchanged, when named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<String>,
    /// The proposal it was promoted from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<String>,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub notes: String,
    /// The supply agreement for its exchange, once drafted (`docs/AGREEMENTS.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<SupplyAgreement>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Project);

/// The terms a supplier and a receiver sign for one exchange: what a company needs before it
/// bets its production on a neighbour's by-product. Quantities are in delivered units (the
/// stream's unit after its preprocessing), money in the region's currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyAgreement {
    /// Quality each delivery must meet; drafted from the need's specification.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<QualityLimit>,
    /// Volume commitment a year: the least the supplier delivers (short of it, the penalty per
    /// unit short applies) and the most the receiver takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_per_yr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_yr: Option<f64>,
    /// Size of one delivery, least and most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_per_delivery: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_delivery: Option<f64>,
    /// Days between deliveries. `None`: a steady flow (a pipe), judged day by day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_every_days: Option<f64>,
    /// Months deliveries are due (1 = January). Empty: all year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivery_months: Vec<u8>,
    #[serde(default)]
    pub price: AgreedPrice,
    /// Paid by the supplier per unit short of `min_per_yr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_short_per_unit: Option<f64>,
    /// Paid by the supplier per unit delivered outside the quality limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_off_spec_per_unit: Option<f64>,
    /// First day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_yr: Option<f64>,
    /// Notice either side gives to end it, months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_months: Option<f64>,
    /// Exit terms in words (what ends it early, who pays what then).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exit_terms: String,
    /// Who holds the buffer storage, and how big it is, t.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_holder: Option<BufferHolder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_t: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(SupplyAgreement);

/// A range one quality parameter of every delivery must stay in: `moisture_pct` (% of wet
/// mass) or a constituent's name (mass % of dry matter).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct QualityLimit {
    pub parameter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pct: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(QualityLimit);

/// The quality parameter of water content.
pub const MOISTURE_PARAMETER: &str = "moisture_pct";

impl QualityLimit {
    pub fn new(parameter: &str, min_pct: Option<f64>, max_pct: Option<f64>) -> Self {
        Self {
            parameter: parameter.to_owned(),
            min_pct,
            max_pct,
            extra: Extra::new(),
        }
    }
}

/// How the price of a delivered unit is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceBasis {
    /// `value` per delivered unit, paid by the receiver (negative: the supplier pays a gate fee).
    Fixed,
    /// `value` % of what the receiver pays today for what a delivered unit replaces (indexed
    /// to the market).
    ShareOfCurrent,
    /// The price that gives the supplier `value` % of the exchange's surplus (50: halved).
    #[default]
    SurplusShare,
}

impl PriceBasis {
    pub const ALL: [PriceBasis; 3] = [
        PriceBasis::Fixed,
        PriceBasis::ShareOfCurrent,
        PriceBasis::SurplusShare,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PriceBasis::Fixed => "fixed price per unit",
            PriceBasis::ShareOfCurrent => "% of today's purchase price",
            PriceBasis::SurplusShare => "supplier's % of the surplus",
        }
    }
}

/// The price or transfer formula of an agreement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AgreedPrice {
    pub basis: PriceBasis,
    pub value: f64,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(AgreedPrice);

impl Default for AgreedPrice {
    fn default() -> Self {
        Self {
            basis: PriceBasis::SurplusShare,
            value: 50.0,
            extra: Extra::new(),
        }
    }
}

/// Who keeps the stock that covers gaps in supply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BufferHolder {
    Receiver,
    Supplier,
    Hub,
    Intermediary,
}

impl BufferHolder {
    pub const ALL: [BufferHolder; 4] = [
        BufferHolder::Receiver,
        BufferHolder::Supplier,
        BufferHolder::Hub,
        BufferHolder::Intermediary,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BufferHolder::Receiver => "receiver",
            BufferHolder::Supplier => "supplier",
            BufferHolder::Hub => "hub",
            BufferHolder::Intermediary => "intermediary",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_mask_counts_months_and_defaults_to_all_year() {
        let all = Availability::default();
        assert_eq!(all.active_months(), 12);
        let summer = Availability {
            pattern: Pattern::Continuous,
            months: vec![6, 7, 8, 13],
            extra: Extra::new(),
        };
        assert_eq!(summer.month_mask(), 0b0000_1110_0000);
        assert_eq!(summer.active_months(), 3);
    }

    #[test]
    fn unit_parses_common_spellings() {
        assert_eq!(Unit::parse(" Tonnes "), Some(Unit::Tonne));
        assert_eq!(Unit::parse("m³"), Some(Unit::CubicMetre));
        assert_eq!(Unit::parse("MWh"), Some(Unit::MegawattHour));
        assert_eq!(Unit::parse("kg"), None);
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"id":"n1","material":"fly_ash","quantity_per_yr":5.0,"unit":"t","colour":"grey","audit":{"by":"ann"}}"#;
        let need: Need = serde_json::from_str(text).unwrap();
        assert_eq!(
            need.extra.get("colour"),
            Some(serde_json::Value::String("grey".into()))
        );
        let back = serde_json::to_value(&need).unwrap();
        assert_eq!(back["audit"]["by"], "ann");
        assert_eq!(back["colour"], "grey");
        let plain: Need =
            serde_json::from_str(r#"{"id":"n","material":"m","quantity_per_yr":1,"unit":"t"}"#)
                .unwrap();
        assert!(plain.extra.is_empty());
        assert_eq!(std::mem::size_of::<Extra>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn availability_serialises_flat() {
        let a = Availability {
            pattern: Pattern::Batches {
                batch_quantity: 30.0,
                every_days: 7.0,
            },
            months: vec![1, 2],
            extra: Extra::new(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"pattern":"batches","batch_quantity":30.0,"every_days":7.0,"months":[1,2]}"#
        );
        let back: Availability = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        let e = serde_json::from_str::<Availability>(r#"{"pattern":"batches","every_days":7}"#)
            .unwrap_err();
        assert!(
            e.to_string().contains("missing field `batch_quantity`"),
            "{e}"
        );
    }
}
