//! The leaf types shared by a region file (`model`) and the catalogue (`catalogue`): units,
//! physical states, transport modes, today's outlet kinds, heat sources and the specification
//! of what a receiver accepts. Neither module is imported here, so the catalogue reads these
//! without reading the region.

use serde::{Deserialize, Serialize};

use crate::unknown::keep_unknown_fields;
use crate::unknown::Extra;

/// The unit a stream's quantity and prices are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Unit {
    /// Tonnes of material as delivered (wet mass).
    #[serde(rename = "t")]
    Tonne,
    /// Cubic metres (liquids, gases at the stated conditions).
    #[serde(rename = "m3")]
    CubicMetre,
    /// Megawatt-hours of heat or steam.
    #[serde(rename = "MWh")]
    MegawattHour,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Unit::Tonne, Unit::CubicMetre, Unit::MegawattHour];

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Tonne => "t",
            Unit::CubicMetre => "m3",
            Unit::MegawattHour => "MWh",
        }
    }

    /// Parses `t`, `tonnes`, `m3`, `m³`, `MWh` (case-insensitive).
    pub fn parse(text: &str) -> Option<Unit> {
        match text.trim().to_ascii_lowercase().as_str() {
            "t" | "tonne" | "tonnes" | "ton" | "tons" | "t/yr" | "t/a" => Some(Unit::Tonne),
            "m3" | "m³" | "m^3" | "cubic metres" | "m3/yr" => Some(Unit::CubicMetre),
            "mwh" | "mwh/yr" => Some(Unit::MegawattHour),
            _ => None,
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Physical state of a stream as it leaves the facility (or after preprocessing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PhysicalState {
    Solid,
    Sludge,
    Liquid,
    Gas,
    Heat,
    Steam,
}

impl PhysicalState {
    pub const ALL: [PhysicalState; 6] = [
        PhysicalState::Solid,
        PhysicalState::Sludge,
        PhysicalState::Liquid,
        PhysicalState::Gas,
        PhysicalState::Heat,
        PhysicalState::Steam,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PhysicalState::Solid => "solid",
            PhysicalState::Sludge => "sludge",
            PhysicalState::Liquid => "liquid",
            PhysicalState::Gas => "gas",
            PhysicalState::Heat => "heat",
            PhysicalState::Steam => "steam",
        }
    }

    /// States whose moisture content is meaningful.
    pub fn has_moisture(self) -> bool {
        matches!(self, PhysicalState::Solid | PhysicalState::Sludge)
    }
}

impl std::fmt::Display for PhysicalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A transport mode, as named in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ModeKey {
    Truck,
    Rail,
    Barge,
    Pipeline,
}

impl ModeKey {
    pub const ALL: [ModeKey; 4] = [
        ModeKey::Truck,
        ModeKey::Rail,
        ModeKey::Barge,
        ModeKey::Pipeline,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ModeKey::Truck => "truck",
            ModeKey::Rail => "rail",
            ModeKey::Barge => "barge",
            ModeKey::Pipeline => "pipeline",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for ModeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One constituent of a composition, in mass % of dry matter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Constituent {
    pub name: String,
    pub mass_pct: f64,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Constituent);

impl Constituent {
    pub fn new(name: &str, mass_pct: f64) -> Self {
        Self {
            name: name.to_owned(),
            mass_pct,
            extra: Extra::new(),
        }
    }
}

/// What a facility does with an output stream today.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OutletKind {
    /// Landfilled: gate fee plus landfill tax. The only outlet whose exchange counts as
    /// landfill diverted.
    Landfill,
    /// Incinerated (energy from waste, co-incineration or hazardous-waste incineration).
    Incineration,
    /// Spread on land (manure, digestate, sludge) by a contractor.
    LandSpreading,
    /// Discharged to a sewer or a wastewater treatment plant.
    Sewer,
    /// Released: heat to a cooling tower or to air, CO2 to air, gas flared.
    Emitted,
    /// Sold: the sale price is an opportunity cost the exchange must beat.
    Sold,
    /// Given away (collected for free).
    GivenAway,
    /// Used on the site itself (burnt in its own boiler, say): what that use saves is given up.
    UsedOnSite,
    /// Not known: the material's typical disposal cost, with a note.
    #[default]
    Unspecified,
}

impl OutletKind {
    pub const ALL: [OutletKind; 9] = [
        OutletKind::Landfill,
        OutletKind::Incineration,
        OutletKind::LandSpreading,
        OutletKind::Sewer,
        OutletKind::Emitted,
        OutletKind::Sold,
        OutletKind::GivenAway,
        OutletKind::UsedOnSite,
        OutletKind::Unspecified,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OutletKind::Landfill => "landfill",
            OutletKind::Incineration => "incineration",
            OutletKind::LandSpreading => "land_spreading",
            OutletKind::Sewer => "sewer",
            OutletKind::Emitted => "emitted",
            OutletKind::Sold => "sold",
            OutletKind::GivenAway => "given_away",
            OutletKind::UsedOnSite => "used_on_site",
            OutletKind::Unspecified => "unspecified",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutletKind::Landfill => "landfill",
            OutletKind::Incineration => "incineration",
            OutletKind::LandSpreading => "land spreading",
            OutletKind::Sewer => "sewer or treatment plant",
            OutletKind::Emitted => "emitted (released, cooled, flared)",
            OutletKind::Sold => "sold",
            OutletKind::GivenAway => "given away",
            OutletKind::UsedOnSite => "used on site",
            OutletKind::Unspecified => "unspecified",
        }
    }

    /// Parses a key (`land_spreading`) or a label, case-insensitive.
    pub fn parse(text: &str) -> Option<OutletKind> {
        let t = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        OutletKind::ALL
            .into_iter()
            .find(|k| k.key() == t)
            .or(match t.as_str() {
                "sewer_or_treatment_plant" | "treatment" | "wastewater_treatment" => {
                    Some(OutletKind::Sewer)
                }
                "incinerated" | "energy_from_waste" => Some(OutletKind::Incineration),
                "landfilled" => Some(OutletKind::Landfill),
                "vented" | "flared" | "released" => Some(OutletKind::Emitted),
                "" | "other" | "unknown" => Some(OutletKind::Unspecified),
                _ => None,
            })
    }

    /// Outlets that earn money rather than cost it: their value is given up by an exchange.
    pub fn earns(self) -> bool {
        matches!(self, OutletKind::Sold | OutletKind::UsedOnSite)
    }
}

impl std::fmt::Display for OutletKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What makes a receiver's heat or steam today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeatSource {
    GasBoiler,
    OilBoiler,
    CoalBoiler,
    BiomassBoiler,
    ElectricBoiler,
    HeatPump,
}

impl HeatSource {
    pub const ALL: [HeatSource; 6] = [
        HeatSource::GasBoiler,
        HeatSource::OilBoiler,
        HeatSource::CoalBoiler,
        HeatSource::BiomassBoiler,
        HeatSource::ElectricBoiler,
        HeatSource::HeatPump,
    ];

    pub fn key(self) -> &'static str {
        match self {
            HeatSource::GasBoiler => "gas_boiler",
            HeatSource::OilBoiler => "oil_boiler",
            HeatSource::CoalBoiler => "coal_boiler",
            HeatSource::BiomassBoiler => "biomass_boiler",
            HeatSource::ElectricBoiler => "electric_boiler",
            HeatSource::HeatPump => "heat_pump",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HeatSource::GasBoiler => "gas boiler",
            HeatSource::OilBoiler => "oil boiler",
            HeatSource::CoalBoiler => "coal boiler",
            HeatSource::BiomassBoiler => "biomass boiler",
            HeatSource::ElectricBoiler => "electric boiler",
            HeatSource::HeatPump => "heat pump",
        }
    }
}

/// What a receiver (or a substitution rule) accepts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Specification {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_moisture_pct: Option<f64>,
    /// Constituents that must reach at least this mass % (purity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub min_constituents: Vec<Constituent>,
    /// Constituents that must stay at or below this mass % (contaminants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub max_constituents: Vec<Constituent>,
    /// Empty: any state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_states: Vec<PhysicalState>,
    /// Smallest delivery the receiver takes, in the need's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lot: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_variability_cv_pct: Option<f64>,
    /// The receiver holds the permits to take hazardous waste.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepts_hazardous: bool,
    /// Lowest net calorific value as delivered (wet basis) a boiler or kiln burns, MJ/kg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lhv_mj_per_kg: Option<f64>,
    /// The largest share of the need the receiver takes from secondary materials, all
    /// suppliers and rules together, % (a kiln that keeps a virgin base load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_secondary_share_pct: Option<f64>,
    #[serde(skip)]
    pub extra: Extra,
}
keep_unknown_fields!(Specification);

impl Specification {
    pub fn is_empty(&self) -> bool {
        self == &Specification::default()
    }
}
