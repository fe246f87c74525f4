//! `GeoJSON` (RFC 7946) import of point facilities and export of facilities and candidate links.
//!
//! Import reads a `FeatureCollection` of `Point` features. Each feature's properties carry the
//! facility fields of `facilities.csv` (`id`, `name`, `sector`, ...), and optionally `outputs`
//! and `inputs` (or `needs`): arrays of objects with the fields of `streams.csv`
//! (`material`, `quantity` + `unit` or `tonnes_per_year`, `cost_per_unit` or `cost_eur_per_t`,
//! `id`, `moisture_pct`, `ewc_code`, ...). Other properties are kept as facility attributes.
//! The peer benchmark's `region.geojson` imports as it is.
//!
//! Export writes two files that open as layers in QGIS: facilities as points, candidate links as
//! two-point lines, each with flat properties (WGS84, `[lon, lat]` order, no `crs` member). The
//! facilities carry no costs or prices; a link that touches a confidential facility has its
//! money (break-even, net value, value per year) null unless confidential figures are asked for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::io::csv_import::{shown, FileSummary, ImportReport, Place, RowProblem};
use crate::io::values;
use crate::model::{
    Availability, Extra, Facility, LatLon, Need, OutputStream, Region, Specification, Unit,
};
use crate::reference::{ewc_spaced, EwcList, NaceList};

#[derive(Debug, thiserror::Error)]
pub enum GeoJsonError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Structure { path: PathBuf, message: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Properties read into facility fields; the others are kept as attributes.
const KNOWN: [&str; 12] = [
    "id",
    "name",
    "operator",
    "sector",
    "address",
    "tags",
    "confidential",
    "rail_siding",
    "quay",
    "outputs",
    "inputs",
    "needs",
];

/// Properties our export derives from the facility (`facilities_collection`): read back, they
/// would become attributes the next export writes twice.
const DERIVED: [&str; 4] = [
    "nace_section",
    "nace_description",
    "outputs_count",
    "needs_count",
];

/// Imports point facilities (and their streams) into a new region.
pub fn import(path: &Path, name: &str) -> Result<(Region, ImportReport), GeoJsonError> {
    let text = std::fs::read_to_string(path).map_err(|source| GeoJsonError::Io {
        path: path.to_owned(),
        source,
    })?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| GeoJsonError::Syntax {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let structure = |message: String| GeoJsonError::Structure {
        path: path.to_owned(),
        message,
    };
    let features: Vec<&Value> = match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => doc
            .get("features")
            .and_then(Value::as_array)
            .ok_or_else(|| structure("a FeatureCollection needs a `features` array".to_owned()))?
            .iter()
            .collect(),
        Some("Feature") => vec![&doc],
        other => {
            return Err(structure(format!(
                "expected a FeatureCollection or a Feature, found {}",
                other.map_or("no `type`".to_owned(), |t| format!("type `{t}`"))
            )))
        }
    };

    let mut region = Region {
        name: name.to_owned(),
        ..Region::default()
    };
    let mut report = ImportReport::default();
    let mut seen_ids = std::collections::HashSet::new();
    let mut problem = |i: usize, property: &str, message: String| {
        report.problems.push(RowProblem {
            file: path.to_owned(),
            place: Place::Feature(i),
            column: Some(property.to_owned()),
            message,
        });
    };
    // Stream and need ids given in the file, with the feature that gave each first.
    let mut given_flow_ids: HashMap<String, usize> = HashMap::new();
    // Streams and needs whose id is made up (facility, output or need, index): numbered once
    // every given id is known, so that none takes a given one.
    let mut made_up: Vec<(usize, bool, usize)> = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        let props = feature.get("properties").and_then(Value::as_object);
        let geometry = feature.get("geometry");
        let kind = geometry.and_then(|g| g.get("type")).and_then(Value::as_str);
        if kind != Some("Point") {
            problem(
                i,
                "geometry",
                format!(
                    "only Point facilities are imported, found {}; skipped",
                    shown(kind.unwrap_or("no geometry"))
                ),
            );
            continue;
        }
        let coords = geometry
            .and_then(|g| g.get("coordinates"))
            .and_then(Value::as_array);
        let (Some(lon), Some(lat)) = (
            coords.and_then(|c| c.first()).and_then(Value::as_f64),
            coords.and_then(|c| c.get(1)).and_then(Value::as_f64),
        ) else {
            problem(
                i,
                "geometry.coordinates",
                "no [lon, lat] coordinates; skipped".to_owned(),
            );
            continue;
        };
        let location = LatLon::new(lat, lon);
        if !location.is_valid() {
            problem(
                i,
                "geometry.coordinates",
                format!("[{lon}, {lat}] is not a WGS84 position; skipped"),
            );
            continue;
        }
        let empty = Map::new();
        let props = props.unwrap_or(&empty);
        let id = props
            .get("id")
            .or_else(|| feature.get("id"))
            .map(scalar_text)
            .unwrap_or_default();
        if id.is_empty() {
            problem(i, "properties.id", "no id; skipped".to_owned());
            continue;
        }
        if !seen_ids.insert(id.clone()) {
            problem(
                i,
                "properties.id",
                format!("duplicate facility id `{}`; skipped", shown(&id)),
            );
            continue;
        }
        let get = |k: &str| props.get(k).map(scalar_text).unwrap_or_default();
        let mut facility = Facility {
            name: Some(get("name"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.clone()),
            id,
            operator: get("operator"),
            sector: get("sector"),
            location,
            address: get("address"),
            country: None,
            tags: match props.get("tags") {
                Some(Value::Array(a)) => a.iter().map(scalar_text).collect(),
                Some(v) => scalar_text(v)
                    .split([';', '|'])
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                None => Vec::new(),
            },
            confidential: props
                .get("confidential")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            rail_siding: props
                .get("rail_siding")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            quay: props.get("quay").and_then(Value::as_bool).unwrap_or(false),
            hub_host: None,
            outputs: Vec::new(),
            needs: Vec::new(),
            attributes: std::collections::BTreeMap::default(),
            extra: Extra::new(),
        };
        for (k, v) in props {
            if KNOWN.contains(&k.as_str()) || DERIVED.contains(&k.as_str()) || v.is_null() {
                continue;
            }
            // What our own export wrote as `attr_<name>` comes back as `<name>`, so that an
            // export read and exported again does not grow `attr_attr_...`.
            let key = k
                .strip_prefix("attr_")
                .filter(|rest| !rest.is_empty())
                .unwrap_or(k);
            facility
                .attributes
                .entry(key.to_owned())
                .or_insert_with(|| scalar_text(v));
        }
        let index = region.facilities.len();
        for (key, is_output) in [("outputs", true), ("inputs", false), ("needs", false)] {
            let Some(list) = props.get(key) else { continue };
            let Some(list) = list.as_array() else {
                problem(
                    i,
                    &format!("properties.{key}"),
                    format!("`{key}` must be an array; ignored"),
                );
                continue;
            };
            for (k, flow) in list.iter().enumerate() {
                let at = format!("properties.{key}[{k}]");
                let (flow, id) = match flow_from_json(flow, is_output) {
                    Ok(parsed) => parsed,
                    Err((field, m)) => {
                        let at = if field.is_empty() {
                            at
                        } else {
                            format!("{at}.{field}")
                        };
                        problem(i, &at, format!("{m}; skipped"));
                        continue;
                    }
                };
                if let Some(id) = &id {
                    if let Some(first) = given_flow_ids.get(id) {
                        problem(
                            i,
                            &format!("{at}.id"),
                            format!("duplicate stream or need id `{}` (also in features[{first}]); skipped", shown(id)),
                        );
                        continue;
                    }
                    given_flow_ids.insert(id.clone(), i);
                }
                let list_len = match flow {
                    Flow::Output(o) => {
                        facility.outputs.push(o);
                        facility.outputs.len()
                    }
                    Flow::Need(n) => {
                        facility.needs.push(n);
                        facility.needs.len()
                    }
                };
                if id.is_none() {
                    made_up.push((index, is_output, list_len - 1));
                }
            }
        }
        region.facilities.push(facility);
    }
    // `<facility id>-o<n>` (`-n<n>` for a need), the n-th of the facility, unless the file
    // gives that id to another: then `~2` and on, as the CSV import does.
    let mut taken: rustc_hash::FxHashSet<String> = given_flow_ids.into_keys().collect();
    for (f, is_output, k) in made_up {
        let facility = &mut region.facilities[f];
        let mut id = format!(
            "{}-{}{}",
            facility.id,
            if is_output { "o" } else { "n" },
            k + 1
        );
        crate::io::csv_import::dedupe_id(&mut id, &mut taken);
        if is_output {
            facility.outputs[k].id = id;
        } else {
            facility.needs[k].id = id;
        }
    }
    report.files.push(FileSummary {
        file: path.to_owned(),
        rows: features.len(),
        kept: region.facilities.len(),
    });
    Ok((region, report))
}

enum Flow {
    Output(OutputStream),
    Need(Need),
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A stream or need from its object, with the id the file gives it (if any; the caller
/// makes one up otherwise). An error names the property at fault (empty: the object) and
/// what is wrong, in the words of the CSV import and the region file's checks.
fn flow_from_json(v: &Value, is_output: bool) -> Result<(Flow, Option<String>), (String, String)> {
    let Some(o) = v.as_object() else {
        return Err((String::new(), "a stream must be an object".to_owned()));
    };
    // A number given as a number or as text, checked as the region file checks the field.
    let num = |keys: &[&str], check: values::Check| -> Result<Option<f64>, (String, String)> {
        for k in keys {
            let at = |m: String| ((*k).to_owned(), m);
            let v = match o.get(*k) {
                None | Some(Value::Null) => continue,
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => {
                    crate::io::csv_import::parse_number(s.trim(), false).map_err(at)?
                }
                Some(other) => {
                    return Err(at(format!("{} is not a number", shown(&other.to_string()))))
                }
            };
            let Some(v) = v else { continue };
            return check(v).map(Some).map_err(at);
        }
        Ok(None)
    };
    let material = o.get("material").map(scalar_text).unwrap_or_default();
    if material.is_empty() {
        return Err(("material".to_owned(), "no material".to_owned()));
    }
    let (quantity, implied_unit) =
        if let Some(q) = num(&["quantity_per_yr", "quantity"], values::at_least_zero)? {
            (q, None)
        } else if let Some(q) = num(&["tonnes_per_year"], values::at_least_zero)? {
            (q, Some(Unit::Tonne))
        } else {
            return Err((
                String::new(),
                "no quantity (quantity_per_yr, quantity or tonnes_per_year)".to_owned(),
            ));
        };
    let unit = match (implied_unit, o.get("unit").map(scalar_text)) {
        (Some(u), _) => u,
        (None, None) => Unit::Tonne,
        (None, Some(u)) => Unit::parse(&u).ok_or_else(|| {
            (
                "unit".to_owned(),
                format!("`{}` is not a unit (t, m3 or MWh)", shown(&u)),
            )
        })?,
    };
    let cost = num(
        &[
            "cost_per_unit",
            "cost",
            "cost_eur_per_t",
            "disposal_cost_per_unit",
            "virgin_price_per_unit",
        ],
        values::finite,
    )?;
    let moisture_pct = num(&["moisture_pct"], values::percent)?;
    let ewc_code = match o.get("ewc_code").map(scalar_text).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => match EwcList::get().lookup(&code) {
            Some(e) => Some(ewc_spaced(&e.code)),
            None => {
                return Err((
                    "ewc_code".to_owned(),
                    format!("`{}` is not in the European List of Waste", shown(&code)),
                ))
            }
        },
    };
    let id = o.get("id").map(scalar_text).filter(|s| !s.is_empty());
    // Numbered by the caller when the file gives no id.
    let placeholder = id.clone().unwrap_or_default();
    let description = o.get("description").map(scalar_text).unwrap_or_default();
    let availability = Availability::default();
    let flow = if is_output {
        Flow::Output(OutputStream {
            id: placeholder,
            material,
            ewc_code,
            description,
            composition: Vec::new(),
            physical_state: None,
            moisture_pct,
            bulk_density_t_per_m3: None,
            quantity_per_yr: quantity,
            unit,
            variability_cv_pct: None,
            availability,
            outlet: crate::model::Outlet::from_net_cost(
                crate::model::OutletKind::Unspecified,
                cost,
            ),
            shelf_life_days: None,
            disposal_cost_per_unit: None,
            disposal_route: None,
            hazardous: o.get("hazardous").and_then(Value::as_bool).unwrap_or(false),
            preprocessing: Vec::new(),
            mode: None,
            extra: Extra::new(),
        })
    } else {
        Flow::Need(Need {
            id: placeholder,
            material,
            description,
            spec: Specification::default(),
            quantity_per_yr: quantity,
            unit,
            availability,
            supply: crate::model::CurrentSupply {
                price_per_unit: cost,
                ..crate::model::CurrentSupply::default()
            },
            virgin_price_per_unit: None,
            extra: Extra::new(),
        })
    };
    Ok((flow, id))
}

/// What to leave out of an export.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportOptions {
    /// Leave out confidential facilities and every link that touches one.
    pub omit_confidential: bool,
    /// Keep the money figures of links that touch a confidential facility (by default they
    /// are left out: [`crate::disclosure`]).
    pub include_confidential: bool,
}

fn flows_summary<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join("; ")
}

/// Facilities as a `FeatureCollection` of points.
pub fn facilities_collection(region: &Region, options: ExportOptions) -> Value {
    let nace = NaceList::get();
    let features: Vec<Value> = region
        .facilities
        .iter()
        .filter(|f| !(options.omit_confidential && f.confidential))
        .map(|f| {
            let entry = nace.lookup(&f.sector);
            let mut props = Map::new();
            props.insert("id".into(), json!(f.id));
            props.insert("name".into(), json!(f.name));
            props.insert("operator".into(), json!(f.operator));
            props.insert("sector".into(), json!(f.sector));
            props.insert("nace_section".into(), json!(entry.map(|e| e.section.to_string())));
            props.insert("nace_description".into(), json!(entry.map(|e| e.description.clone())));
            props.insert("address".into(), json!(f.address));
            props.insert("confidential".into(), json!(f.confidential));
            props.insert("outputs_count".into(), json!(f.outputs.len()));
            props.insert("needs_count".into(), json!(f.needs.len()));
            props.insert(
                "outputs".into(),
                json!(flows_summary(&f.outputs, |o| format!("{} {} {}/yr", o.material, o.quantity_per_yr, o.unit))),
            );
            props.insert(
                "needs".into(),
                json!(flows_summary(&f.needs, |n| format!("{} {} {}/yr", n.material, n.quantity_per_yr, n.unit))),
            );
            for (k, v) in &f.attributes {
                props.entry(format!("attr_{k}")).or_insert(json!(v));
            }
            json!({
                "type": "Feature",
                "id": f.id,
                "geometry": { "type": "Point", "coordinates": [f.location.lon_deg, f.location.lat_deg] },
                "properties": props,
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "name": "facilities", "features": features })
}

/// What the export writes of one candidate exchange: the matching engine's candidates make
/// these (`Candidate::link`), so this module reads no engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from_facility: usize,
    pub stream: usize,
    pub to_facility: usize,
    pub need: usize,
    pub category: &'static str,
    pub rule: Option<String>,
    pub mode: &'static str,
    pub viable: bool,
    pub distance_km: f64,
    pub break_even_km: f64,
    pub net_value_per_unit: f64,
    pub exchanged_per_yr: f64,
    pub value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
}

/// Candidate links as a `FeatureCollection` of two-point lines, from supplier to receiver.
pub fn links_collection(region: &Region, candidates: &[Link], options: ExportOptions) -> Value {
    let features: Vec<Value> = candidates
        .iter()
        .filter_map(|c| {
            let from = region.facilities.get(c.from_facility)?;
            let to = region.facilities.get(c.to_facility)?;
            if options.omit_confidential && (from.confidential || to.confidential) {
                return None;
            }
            let stream = from.outputs.get(c.stream)?;
            let need = to.needs.get(c.need)?;
            let withheld = crate::disclosure::withheld(
                region,
                c.from_facility,
                c.to_facility,
                options.include_confidential,
            );
            let money = |v: f64, decimals: i32| {
                if withheld {
                    Value::Null
                } else {
                    round(v, decimals)
                }
            };
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "LineString", "coordinates": [
                    [from.location.lon_deg, from.location.lat_deg],
                    [to.location.lon_deg, to.location.lat_deg]] },
                "properties": {
                    "from_facility": from.id, "from_name": from.name,
                    "to_facility": to.id, "to_name": to.name,
                    "stream_id": stream.id, "need_id": need.id,
                    "material": stream.material, "to_material": need.material,
                    "category": c.category,
                    "rule": c.rule,
                    "mode": c.mode,
                    "viable": c.viable,
                    "distance_km": round(c.distance_km, 3),
                    "break_even_km": money(c.break_even_km, 3),
                    "net_value_per_unit": money(c.net_value_per_unit, 4),
                    "unit": stream.unit.symbol(),
                    "exchanged_per_yr": round(c.exchanged_per_yr, 3),
                    "value_per_yr": money(c.value_per_yr, 2),
                    "co2_avoided_t_per_yr": round(c.co2_avoided_t_per_yr, 3),
                    "landfill_diverted_t_per_yr": round(c.landfill_diverted_t_per_yr, 3),
                    "figures_withheld": withheld,
                }
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "name": "candidate_links", "features": features })
}

fn round(v: f64, decimals: i32) -> Value {
    if v.is_finite() {
        let p = 10f64.powi(decimals);
        json!((v * p).round() / p)
    } else {
        Value::Null
    }
}

/// Writes a collection atomically.
pub fn write(path: &Path, collection: &Value) -> Result<(), GeoJsonError> {
    let text = serde_json::to_string(collection).map_err(|e| GeoJsonError::Structure {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    crate::io::atomic::write_atomic(path, text.as_bytes()).map_err(|source| GeoJsonError::Write {
        path: path.to_owned(),
        source,
    })
}
