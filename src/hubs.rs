//! Shared hubs: places where small flows of several companies are gathered (a transfer
//! station, a rail transload terminal, a shared baler) so that together they fill a receiver's
//! minimum lot, or reach a cheaper onward mode (rail from a siding, barge from a quay) than
//! any of them has on its own.
//!
//! A hub type (built in: `assets/catalogue/hubs.json`, each figure with its source; a file
//! given to `symbiomap plan --hubs` may add its own) has a capacity, a fixed yearly cost, a
//! variable cost per tonne and the infrastructure it brings. A hub site is a candidate place
//! for one: placed by the user (the region's `hubs`, or the `--hubs` file), or a facility
//! marked as a possible host (`hub_host`: the hub type it could host, with its siding and
//! quay). The plan decides which hubs to open and what flows through them (`docs/PLAN.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Extra, LatLon, ModeKey, Region};

/// A kind of hub, with its costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HubType {
    pub key: String,
    pub name: String,
    /// Material keys it takes; empty: any material measured in mass or volume.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepts: Vec<String>,
    pub capacity_t_per_yr: f64,
    /// Capital annuity and fixed operation, per year, whatever flows through it.
    pub fixed_cost_per_yr: f64,
    /// Handling (unloading, storage, loading) per tonne through it.
    pub variable_cost_per_t: f64,
    /// Farthest a sender may be, by road, for its flow to be gathered here (default 40 km, the
    /// built-in types' estimate).
    #[serde(default = "default_catchment_km")]
    pub catchment_km: f64,
    /// The one mode it sends onward by (`None`: any the site allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onward_mode: Option<ModeKey>,
    /// A step it applies to what it gathers (a shared dryer, a baler) before sending it on;
    /// the step is costed as the catalogue's (its cost per tonne and its energy), the plant's
    /// capital and staff are the fixed cost, and `variable_cost_per_t` is the handling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocess: Option<crate::model::PreprocessStep>,
    /// The infrastructure a standalone site of this type has.
    #[serde(default)]
    pub rail_siding: bool,
    #[serde(default)]
    pub quay: bool,
    #[serde(default)]
    pub description: String,
    /// Where each figure comes from, by field name.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A candidate place for a hub.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HubSite {
    pub id: String,
    pub name: String,
    pub location: LatLon,
    /// Key of its [`HubType`].
    pub hub_type: String,
    /// Its own siding and quay, if it differs from its type's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rail_siding: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quay: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `--hubs FILE` holds: hub types of its own and candidate sites.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HubsFile {
    #[serde(default)]
    pub hub_types: Vec<HubType>,
    #[serde(default)]
    pub sites: Vec<HubSite>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn default_catchment_km() -> f64 {
    40.0
}

pub const HUBS_JSON: &str = include_str!("../assets/catalogue/hubs.json");

/// The built-in hub types.
pub fn builtin_types() -> Vec<HubType> {
    // Parsed (and checked) by a test; an unreadable built-in file is a build defect.
    serde_json::from_str::<HubsFile>(HUBS_JSON)
        .map(|f| f.hub_types)
        .unwrap_or_default()
}

/// A hub site with its type resolved, as the plan uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct Hub {
    pub id: String,
    pub name: String,
    pub location: LatLon,
    pub kind: HubType,
    /// Rail siding and quay.
    pub access: (bool, bool),
    /// The facility it stands at, if any (index into the region's facilities).
    pub host: Option<usize>,
}

/// Why a hub cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HubError {
    #[error("hub site `{site}`: no hub type `{hub_type}` (built in: {known})")]
    UnknownType {
        site: String,
        hub_type: String,
        known: String,
    },
    #[error("hub type `{0}`: capacity, fixed and variable cost must be finite, capacity above 0 and costs at least 0")]
    BadType(String),
}

/// The region's candidate hubs: its own sites, the facilities marked as hosts, and `extra`'s
/// (a `--hubs` file), with types from `extra`, then the built-in ones.
pub fn resolve(region: &Region, extra: &HubsFile) -> Result<Vec<Hub>, HubError> {
    let mut types = extra.hub_types.clone();
    for t in builtin_types() {
        if !types.iter().any(|x| x.key == t.key) {
            types.push(t);
        }
    }
    for t in &types {
        let ok = t.capacity_t_per_yr.is_finite()
            && t.capacity_t_per_yr > 0.0
            && t.fixed_cost_per_yr.is_finite()
            && t.fixed_cost_per_yr >= 0.0
            && t.variable_cost_per_t.is_finite()
            && t.variable_cost_per_t >= 0.0;
        if !ok {
            return Err(HubError::BadType(t.key.clone()));
        }
    }
    let kind = |site: &str, key: &str| {
        types
            .iter()
            .find(|t| t.key == key)
            .cloned()
            .ok_or_else(|| HubError::UnknownType {
                site: site.to_owned(),
                hub_type: key.to_owned(),
                known: types
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let mut hubs = Vec::new();
    for s in region.hubs.iter().chain(&extra.sites) {
        let k = kind(&s.id, &s.hub_type)?;
        hubs.push(Hub {
            id: s.id.clone(),
            name: s.name.clone(),
            location: s.location,
            access: (
                s.rail_siding.unwrap_or(k.rail_siding),
                s.quay.unwrap_or(k.quay),
            ),
            kind: k,
            host: None,
        });
    }
    for (i, f) in region.facilities.iter().enumerate() {
        if let Some(key) = &f.hub_host {
            let k = kind(&f.id, key)?;
            hubs.push(Hub {
                id: format!("hub@{}", f.id),
                name: format!("{} at {}", k.name, f.name),
                location: f.location,
                access: (f.rail_siding, f.quay),
                kind: k,
                host: Some(i),
            });
        }
    }
    Ok(hubs)
}

/// Candidate hub sites at the centres of the densest clusters of small senders: streams
/// measured in mass or volume of less than `small_t_per_yr` a year, binned into cells about
/// 28 km across (a quarter degree of latitude); the `n` cells with the most of those tonnes
/// give a site each, at their tonne-weighted centre, of type `hub_type`.
pub fn propose(region: &Region, n: usize, hub_type: &str, small_t_per_yr: f64) -> Vec<HubSite> {
    use std::collections::HashMap;
    /// Tonnes, tonnes x lat, tonnes x lon, senders.
    type Cell = (f64, f64, f64, usize);
    let cell_deg = 0.25;
    let mut cells: HashMap<(i64, i64), Cell> = HashMap::new();
    for f in &region.facilities {
        let lat = f.location.lat_deg;
        let lon = f.location.lon_deg;
        let small: f64 = f
            .outputs
            .iter()
            .filter_map(|o| {
                let t = match o.unit {
                    crate::model::Unit::Tonne => o.quantity_per_yr,
                    crate::model::Unit::CubicMetre => {
                        o.quantity_per_yr * o.bulk_density_t_per_m3.unwrap_or(1.0)
                    }
                    crate::model::Unit::MegawattHour => return None,
                };
                (t > 0.0 && t < small_t_per_yr).then_some(t)
            })
            .sum();
        if small <= 0.0 {
            continue;
        }
        let lon_cell = cell_deg / lat.to_radians().cos().max(0.1);
        let key = (
            (lat / cell_deg).floor() as i64,
            (lon / lon_cell).floor() as i64,
        );
        let c = cells.entry(key).or_insert((0.0, 0.0, 0.0, 0));
        c.0 += small;
        c.1 += small * lat;
        c.2 += small * lon;
        c.3 += 1;
    }
    let mut ranked: Vec<((i64, i64), Cell)> = cells.into_iter().filter(|(_, c)| c.3 >= 2).collect();
    ranked.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(n)
        .enumerate()
        .map(|(i, (_, (t, tl, tn, senders)))| HubSite {
            id: format!("P{}", i + 1),
            name: format!(
                "Proposed hub P{} ({senders} small senders, {t:.0} t/yr)",
                i + 1
            ),
            location: LatLon::new(tl / t, tn / t),
            hub_type: hub_type.to_owned(),
            rail_siding: None,
            quay: None,
            extra: Extra::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_hub_types_parse_and_cite_their_figures() {
        let file: HubsFile = serde_json::from_str(HUBS_JSON).expect("hubs.json");
        assert!(!file.hub_types.is_empty());
        for t in &file.hub_types {
            for field in [
                "capacity_t_per_yr",
                "fixed_cost_per_yr",
                "variable_cost_per_t",
            ] {
                assert!(
                    t.sources.get(field).is_some_and(|s| !s.trim().is_empty()),
                    "{}: no source for {field}",
                    t.key
                );
            }
        }
        assert_eq!(builtin_types().len(), file.hub_types.len());
    }
}

#[cfg(test)]
mod propose_tests {
    use super::*;
    use crate::model::{Facility, OutputStream, Unit};

    #[test]
    fn a_proposed_hub_sits_at_the_centre_of_the_small_senders() {
        let mut region = Region::default();
        for (i, (lat, lon, t)) in [
            (51.0, 4.0, 500.0),
            (51.02, 4.02, 1500.0),
            (52.5, 6.0, 300.0),
        ]
        .into_iter()
        .enumerate()
        {
            let mut f = Facility::new(&format!("F{i}"), "f", LatLon::new(lat, lon));
            f.outputs.push(OutputStream::new(
                &format!("o{i}"),
                "waste_wood",
                t,
                Unit::Tonne,
            ));
            // A large stream does not count.
            f.outputs.push(OutputStream::new(
                &format!("big{i}"),
                "waste_wood",
                90_000.0,
                Unit::Tonne,
            ));
            region.facilities.push(f);
        }
        let sites = propose(&region, 3, "transfer_station", 5_000.0);
        // The lone sender far away is no cluster.
        assert_eq!(sites.len(), 1);
        let s = &sites[0];
        assert!(
            (s.location.lat_deg - 51.015).abs() < 1e-9,
            "{:?}",
            s.location
        );
        assert!((s.location.lon_deg - 4.015).abs() < 1e-9);
        assert!(s.name.contains("2 small senders"));
    }
}
