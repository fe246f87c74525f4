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
    /// The one mode it sends onward by (`None`: any the site allows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onward_mode: Option<ModeKey>,
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
