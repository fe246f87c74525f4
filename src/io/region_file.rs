//! The region file: pretty-printed JSON, one object.
//!
//! ```json
//! {
//!   "format_version": 2,
//!   "name": "Scheldt Valley cluster",
//!   "currency": "EUR",
//!   "settings": { "detour_factor": 1.3, "carbon_price_per_t_co2": 0 },
//!   "facilities": [ { "id": "F01", "name": "...", "location": { "lat_deg": 51.1, "lon_deg": 3.8 },
//!                     "outputs": [ ... ], "needs": [ ... ] } ],
//!   "catalogue": { "materials": [], "rules": [], "builtin_rules": true },
//!   "notes": [],
//!   "proposals": [ { "id": "W1", "from_facility": "F01", "to_facility": "F02", "note": "..." } ],
//!   "projects": [ { "id": "J1", "name": "...", "stage": "feasibility", "members": [] } ]
//! }
//! ```
//!
//! The fields are those of [`crate::model::Region`]; `docs/FORMATS.md` lists them all. Rules:
//! - `format_version` is required. A file with a larger version than [`FORMAT_VERSION`] is
//!   refused with a message saying so, rather than read wrongly.
//! - Facility ids are unique; stream and need ids are unique across the region.
//! - Fields this version does not know are kept and written back on save.
//! - Saving is atomic ([`crate::io::atomic`]).
//!
//! Every load error names the file, the line and column, and the field path
//! (`facilities[3].outputs[0].ewc_code`).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::io::json_path::{locate, JsonPath};
use crate::io::values;
use crate::model::{Availability, Facility, Pattern, Region, Specification, FORMAT_VERSION};
use crate::reference::{ewc_digits, ewc_spaced, EwcList};

/// A problem at one place of a region file.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub field: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            _ => {}
        }
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Why a region file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {problem}")]
    Syntax { path: PathBuf, problem: Problem },
    #[error("{path}: written by a newer Symbiomap (format_version {found}); this version reads up to {supported}. Update Symbiomap to open it.")]
    Newer {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    #[error("{path}: {problem}")]
    Field { path: PathBuf, problem: Problem },
    #[error("{path}: {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl LoadError {
    /// The problems, one per place.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            LoadError::Io { source, .. } => vec![Problem {
                field: String::new(),
                line: None,
                column: None,
                message: source.to_string(),
            }],
            LoadError::Syntax { problem, .. } | LoadError::Field { problem, .. } => {
                vec![problem.clone()]
            }
            LoadError::Newer { .. } => vec![Problem {
                field: "format_version".to_owned(),
                line: None,
                column: None,
                message: self.to_string(),
            }],
            LoadError::Invalid { problems, .. } => problems.clone(),
        }
    }
}

/// Reads and validates a region file.
pub fn load(path: &Path) -> Result<Region, LoadError> {
    load_versioned(path).map(|(region, _)| region)
}

/// Reads and validates a region file; also returns the `format_version` the file had before it
/// was migrated.
pub fn load_versioned(path: &Path) -> Result<(Region, u32), LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_col_at(e.as_bytes(), e.utf8_error().valid_up_to());
            return Err(LoadError::Syntax {
                path: path.to_owned(),
                problem: Problem {
                    field: String::new(),
                    line: Some(line),
                    column: Some(column),
                    message: "not UTF-8 text".to_owned(),
                },
            });
        }
    };
    parse_versioned(&text, path)
}

/// The value of `format_version` when it is the document's first key and a plain number (as
/// this program writes it); `None` otherwise, and the whole text is probed for it.
fn leading_version(text: &str) -> Option<serde_json::Value> {
    let rest = text.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix("\"format_version\"")?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
        .unwrap_or(rest.len());
    let after = rest[end..].trim_start();
    if end == 0 || !(after.starts_with(',') || after.starts_with('}')) {
        return None;
    }
    serde_json::from_str(&rest[..end]).ok()
}

fn line_col_at(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos.min(bytes.len())];
    (
        before.iter().filter(|&&b| b == b'\n').count() + 1,
        before.iter().rev().take_while(|&&b| b != b'\n').count() + 1,
    )
}

/// Parses and validates region JSON; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Region, LoadError> {
    parse_versioned(text, path).map(|(region, _)| region)
}

/// [`parse`], also returning the `format_version` the text had before migration.
pub fn parse_versioned(text: &str, path: &Path) -> Result<(Region, u32), LoadError> {
    #[derive(Deserialize)]
    struct Probe {
        format_version: Option<serde_json::Value>,
    }
    // Files this program writes start with the version: read it there, not by a pass over
    // the whole text (a tenth of loading a large region).
    let probe = match leading_version(text) {
        Some(v) => Probe {
            format_version: Some(v),
        },
        None => serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            path: path.to_owned(),
            problem: json_problem(&e, String::new()),
        })?,
    };
    let version_problem = |message: String| LoadError::Field {
        path: path.to_owned(),
        problem: at(text, &JsonPath::root().key("format_version"), message),
    };
    let version = match probe.format_version {
        None => {
            return Err(LoadError::Field {
                path: path.to_owned(),
                problem: Problem {
                    field: "format_version".to_owned(),
                    line: Some(1),
                    column: Some(1),
                    message: "missing: a region file starts with \"format_version\"; is this a Symbiomap region?".to_owned(),
                },
            })
        }
        Some(v) => match v.as_u64() {
            Some(found) if found > u64::from(FORMAT_VERSION) => {
                return Err(LoadError::Newer {
                    path: path.to_owned(),
                    found,
                    supported: FORMAT_VERSION,
                })
            }
            Some(0) | None => {
                return Err(version_problem(format!(
                    "expected a whole number from 1 to {FORMAT_VERSION}, found {v}"
                )))
            }
            // At most FORMAT_VERSION, checked above.
            Some(found) => found as u32,
        },
    };
    // Read without tracking the path (a third of loading a large region); a file that does not
    // read is read again with it, for the message.
    let mut region: Region = match serde_json::from_str(text) {
        Ok(region) => region,
        Err(first) => {
            // Text that is not JSON is named as such, as the probe of the whole text does.
            if let Err(e) = serde_json::from_str::<Probe>(text) {
                return Err(LoadError::Syntax {
                    path: path.to_owned(),
                    problem: json_problem(&e, String::new()),
                });
            }
            let mut de = serde_json::Deserializer::from_str(text);
            let problem = match serde_path_to_error::deserialize::<_, Region>(&mut de) {
                Err(e) => {
                    let field = e.path().to_string();
                    json_problem(e.inner(), if field == "." { String::new() } else { field })
                }
                // Only `from_str` checks that nothing follows the document.
                Ok(_) => json_problem(&first, String::new()),
            };
            return Err(LoadError::Field {
                path: path.to_owned(),
                problem,
            });
        }
    };
    migrate(&mut region);
    let problems = validate(&region);
    if problems.is_empty() {
        Ok((region, version))
    } else {
        Err(LoadError::Invalid {
            path: path.to_owned(),
            problems: problems
                .into_iter()
                .map(|(p, message)| at(text, &p, message))
                .collect(),
        })
    }
}

/// Brings a region read from an older file up to [`FORMAT_VERSION`]; saving writes the new
/// version. Each step names what changed:
/// - 1 -> 2: `proposals` and `projects` appear. A version-1 file has none of its own; any it
///   carries (written by hand or by a later tool) are kept as read.
/// - 3 -> 4: a project may carry an `agreement`; a version-3 file has none, so nothing changes
///   but the number.
/// - 2 -> 3: an output's `disposal_cost_per_unit` and `disposal_route` become its `outlet`
///   ([`migrate_outlet`]); a need's `virgin_price_per_unit` becomes `supply.price_per_unit`.
///   The same fields met in a version-3 file (written by hand) are migrated the same way.
pub fn migrate(region: &mut Region) {
    for f in &mut region.facilities {
        for o in &mut f.outputs {
            migrate_outlet(o);
        }
        for n in &mut f.needs {
            if let Some(p) = n.virgin_price_per_unit.take() {
                n.supply.price_per_unit.get_or_insert(p);
            }
        }
    }
    region.format_version = FORMAT_VERSION;
}

/// A version-2 stream's disposal cost and route as a version-3 outlet:
/// - a negative cost was a sale: `sold` at that price;
/// - `landfill`, `incineration`, `sewer`, `land_spreading` and `emitted` keep their meaning,
///   with the cost as the outlet's cost;
/// - `other`, or no route at all (version 2 assumed landfill when a file said nothing), become
///   `unspecified` with the cost: Symbiomap no longer assumes a landfill, so such a stream
///   counts as landfill diverted only once its outlet is set to `landfill`.
///
/// A stream that already has an outlet of its own keeps it; the old fields are dropped.
pub fn migrate_outlet(o: &mut crate::model::OutputStream) {
    use crate::model::{DisposalRoute, Outlet, OutletKind};
    let cost = o.disposal_cost_per_unit.take();
    let route = o.disposal_route.take();
    if cost.is_none() && route.is_none() {
        return;
    }
    if o.outlet != Outlet::default() {
        return;
    }
    let kind = match route {
        Some(DisposalRoute::Landfill) => OutletKind::Landfill,
        Some(DisposalRoute::Incineration) => OutletKind::Incineration,
        Some(DisposalRoute::Sewer) => OutletKind::Sewer,
        Some(DisposalRoute::LandSpreading) => OutletKind::LandSpreading,
        Some(DisposalRoute::Emitted) => OutletKind::Emitted,
        Some(DisposalRoute::Other) | None => OutletKind::Unspecified,
    };
    let extra = std::mem::take(&mut o.outlet.extra);
    o.outlet = Outlet {
        extra,
        ..Outlet::from_net_cost(kind, cost)
    };
}

fn json_problem(e: &serde_json::Error, field: String) -> Problem {
    let message = match e.classify() {
        serde_json::error::Category::Eof => {
            "the file ends too early (truncated or not closed)".to_owned()
        }
        // serde_json quotes a value of the wrong type whole: at most the start of it.
        _ => crate::io::csv_import::shown_message(&strip_position(&e.to_string())).into_owned(),
    };
    Problem {
        field,
        line: (e.line() > 0).then_some(e.line()),
        column: (e.line() > 0).then_some(e.column()),
        message,
    }
}

/// `serde_json` appends " at line L column C"; the problem carries those itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn at(text: &str, path: &JsonPath, message: String) -> Problem {
    let pos = locate(text, path);
    Problem {
        field: path.to_string(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        message,
    }
}

/// Problems a well-formed region can still have, with the path of each.
pub fn validate(region: &Region) -> Vec<(JsonPath, String)> {
    let mut out = Vec::new();
    let root = JsonPath::root();
    let s = &region.settings;
    let settings = root.key("settings");
    let checks: [(&str, f64, values::Check); 3] = [
        ("detour_factor", s.detour_factor, values::detour_factor),
        (
            "carbon_price_per_t_co2",
            s.carbon_price_per_t_co2,
            values::at_least_zero,
        ),
        (
            "transport_cost_factor",
            s.transport_cost_factor,
            values::positive,
        ),
    ];
    for (field, v, check) in checks {
        checked(&mut out, &settings, field, Some(v), check);
    }
    country(&mut out, &settings, s.country.as_deref());
    if let Some(v) = s.service_level_pct {
        if !(v.is_finite() && (50.0..=99.99).contains(&v)) {
            out.push((
                settings.key("service_level_pct"),
                format!("must be between 50 and 99.99 %, found {v}"),
            ));
        }
    }

    let mut facility_ids: HashMap<&str, usize> = HashMap::new();
    // Paths are built for the stream and need ids only when one repeats: a path per stream
    // was a tenth of loading a large region.
    let flow_ids_repeat = {
        let mut seen = std::collections::HashSet::new();
        !region
            .facilities
            .iter()
            .flat_map(|f| {
                let outputs = f.outputs.iter().map(|o| o.id.as_str());
                outputs.chain(f.needs.iter().map(|n| n.id.as_str()))
            })
            .filter(|id| !id.trim().is_empty())
            .all(|id| seen.insert(id))
    };
    let mut flow_ids: HashMap<&str, JsonPath> = HashMap::new();
    for (fi, f) in region.facilities.iter().enumerate() {
        let fp = root.key("facilities").index(fi);
        if !f.id.trim().is_empty() {
            if let Some(first) = facility_ids.insert(&f.id, fi) {
                out.push((
                    fp.key("id"),
                    format!(
                        "duplicate facility id `{}` (also facilities[{first}])",
                        f.id
                    ),
                ));
            }
        }
        if flow_ids_repeat {
            for (si, o) in f.outputs.iter().enumerate() {
                let sp = fp.key("outputs").index(si);
                unique_id(&mut flow_ids, &o.id, &sp, "stream or need", &mut out);
            }
            for (ni, n) in f.needs.iter().enumerate() {
                let np = fp.key("needs").index(ni);
                unique_id(&mut flow_ids, &n.id, &np, "stream or need", &mut out);
            }
        }
        out.extend(validate_facility(f, &fp));
    }
    validate_pipeline(region, &root, &mut out);
    for (ri, r) in region.catalogue.rules.iter().enumerate() {
        let rp = root.key("catalogue").key("rules").index(ri);
        percent(&mut out, &rp, "discount_pct", r.discount_pct);
        checked(
            &mut out,
            &rp,
            "substitution_ratio",
            Some(r.substitution_ratio),
            values::at_least_zero,
        );
        specification(&mut out, &rp.key("spec"), &r.spec);
    }
    for (mi, m) in region.catalogue.materials.iter().enumerate() {
        let mp = root.key("catalogue").key("materials").index(mi);
        if m.key.trim().is_empty() {
            out.push((mp.key("key"), "must not be empty".to_owned()));
        }
        positive(
            &mut out,
            &mp,
            "transport_cost_per_unit_km",
            m.transport_cost_per_unit_km,
        );
        positive(
            &mut out,
            &mp,
            "bulk_density_t_per_m3",
            m.bulk_density_t_per_m3,
        );
        percent(
            &mut out,
            &mp,
            "typical_moisture_pct",
            m.typical_moisture_pct,
        );
        money(
            &mut out,
            &mp,
            "virgin_price_per_unit",
            m.virgin_price_per_unit,
        );
        money(
            &mut out,
            &mp,
            "disposal_cost_per_unit",
            m.disposal_cost_per_unit,
        );
        money(
            &mut out,
            &mp,
            "processing_cost_per_unit",
            m.processing_cost_per_unit,
        );
        money(
            &mut out,
            &mp,
            "virgin_emission_kg_co2_per_unit",
            m.virgin_emission_kg_co2_per_unit,
        );
        positive(&mut out, &mp, "lhv_dry_mj_per_kg", m.lhv_dry_mj_per_kg);
        percent(&mut out, &mp, "ash_pct_dry", m.ash_pct_dry);
        positive(&mut out, &mp, "shelf_life_days", m.shelf_life_days);
        money(
            &mut out,
            &mp,
            "testing_cost_per_delivery",
            m.testing_cost_per_delivery,
        );
        money(
            &mut out,
            &mp,
            "fossil_co2_kg_per_mwh",
            m.fossil_co2_kg_per_mwh,
        );
        if let Some([lo, hi]) = m.market_price_range_per_unit {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                out.push((
                    mp.key("market_price_range_per_unit"),
                    format!("must be [low, high] with low <= high, found [{lo}, {hi}]"),
                ));
            }
        }
        checked(
            &mut out,
            &mp,
            "detour_factor",
            m.detour_factor,
            values::detour_factor,
        );
    }
    out
}

/// What is wrong with one facility on its own (ids unique across the region are checked by
/// [`validate`]): the checks of the edit forms, with paths under `fp`.
pub fn validate_facility(f: &Facility, fp: &JsonPath) -> Vec<(JsonPath, String)> {
    let mut out = Vec::new();
    let ewc = EwcList::get();
    if f.id.trim().is_empty() {
        out.push((fp.key("id"), "must not be empty".to_owned()));
    }
    if f.name.trim().is_empty() {
        out.push((fp.key("name"), "must not be empty".to_owned()));
    }
    country(&mut out, fp, f.country.as_deref());
    let loc = fp.key("location");
    if !(f.location.lat_deg.is_finite() && (-90.0..=90.0).contains(&f.location.lat_deg)) {
        out.push((
            loc.key("lat_deg"),
            format!(
                "latitude must be within -90..90 degrees, found {}",
                f.location.lat_deg
            ),
        ));
    }
    if !(f.location.lon_deg.is_finite() && (-180.0..=180.0).contains(&f.location.lon_deg)) {
        out.push((
            loc.key("lon_deg"),
            format!(
                "longitude must be within -180..180 degrees, found {}",
                f.location.lon_deg
            ),
        ));
    }
    for (si, o) in f.outputs.iter().enumerate() {
        let sp = fp.key("outputs").index(si);
        if o.id.trim().is_empty() {
            out.push((sp.key("id"), "must not be empty".to_owned()));
        }
        if o.material.trim().is_empty() {
            out.push((sp.key("material"), "must name a material".to_owned()));
        }
        if let Some(code) = &o.ewc_code {
            match ewc_digits(code) {
                Some(d) if ewc.lookup(&d).is_some() => {}
                Some(d) => out.push((
                    sp.key("ewc_code"),
                    format!(
                        "`{code}` is not in the European List of Waste ({} is not a code)",
                        ewc_spaced(&d)
                    ),
                )),
                None => out.push((
                    sp.key("ewc_code"),
                    format!("`{code}` is not an EWC code: expected six digits like \"10 01 02\""),
                )),
            }
        }
        quantity(&mut out, &sp, o.quantity_per_yr);
        percent(&mut out, &sp, "moisture_pct", o.moisture_pct);
        percent(
            &mut out,
            &sp,
            "variability_cv_pct",
            o.variability_cv_pct.map(|v| v.min(100.0)),
        );
        positive(
            &mut out,
            &sp,
            "bulk_density_t_per_m3",
            o.bulk_density_t_per_m3,
        );
        let op = sp.key("outlet");
        money(&mut out, &op, "cost_per_unit", o.outlet.cost_per_unit);
        money(&mut out, &op, "revenue_per_unit", o.outlet.revenue_per_unit);
        positive(&mut out, &sp, "shelf_life_days", o.shelf_life_days);
        for (ci, c) in o.composition.iter().enumerate() {
            let cp = sp.key("composition").index(ci);
            percent(&mut out, &cp, "mass_pct", Some(c.mass_pct));
        }
        let total: f64 = o.composition.iter().map(|c| c.mass_pct).sum();
        if total > 100.5 {
            out.push((
                sp.key("composition"),
                format!("constituents add up to {total:.1} %, more than 100 %"),
            ));
        }
        for (pi, step) in o.preprocessing.iter().enumerate() {
            let pp = sp.key("preprocessing").index(pi);
            percent(
                &mut out,
                &pp,
                "target_moisture_pct",
                step.target_moisture_pct,
            );
            positive(
                &mut out,
                &pp,
                "target_density_t_per_m3",
                step.target_density_t_per_m3,
            );
        }
        availability(&mut out, &sp.key("availability"), &o.availability);
    }
    for (ni, n) in f.needs.iter().enumerate() {
        let np = fp.key("needs").index(ni);
        if n.id.trim().is_empty() {
            out.push((np.key("id"), "must not be empty".to_owned()));
        }
        if n.material.trim().is_empty() {
            out.push((np.key("material"), "must name a material".to_owned()));
        }
        quantity(&mut out, &np, n.quantity_per_yr);
        let supply = np.key("supply");
        money(&mut out, &supply, "price_per_unit", n.supply.price_per_unit);
        checked(
            &mut out,
            &supply,
            "distance_km",
            n.supply.distance_km,
            values::at_least_zero,
        );
        specification(&mut out, &np.key("spec"), &n.spec);
        availability(&mut out, &np.key("availability"), &n.availability);
    }
    out
}

/// Proposals and projects: unique ids, references to facilities, streams and needs that
/// exist, and real dates.
fn validate_pipeline(region: &Region, root: &JsonPath, out: &mut Vec<(JsonPath, String)>) {
    let facility = |id: &str| region.facility_index(id).is_some();
    let mut seen: HashMap<&str, JsonPath> = HashMap::new();
    for (i, pr) in region.proposals.iter().enumerate() {
        let pp = root.key("proposals").index(i);
        if pr.id.trim().is_empty() {
            out.push((pp.key("id"), "must not be empty".to_owned()));
        }
        unique_id(&mut seen, &pr.id, &pp, "proposal or project", out);
        for (field, id) in [
            ("from_facility", &pr.from_facility),
            ("to_facility", &pr.to_facility),
        ] {
            if !facility(id) {
                out.push((pp.key(field), format!("no facility `{id}` in the region")));
            }
        }
        if let Some(id) = &pr.stream {
            match region.output_index(id) {
                Some((fi, _)) if region.facilities[fi].id == pr.from_facility => {}
                Some(_) => out.push((
                    pp.key("stream"),
                    format!("stream `{id}` is not an output of `{}`", pr.from_facility),
                )),
                None => out.push((pp.key("stream"), format!("no output stream `{id}`"))),
            }
        }
        if let Some(id) = &pr.need {
            match region.need_index(id) {
                Some((fi, _)) if region.facilities[fi].id == pr.to_facility => {}
                Some(_) => out.push((
                    pp.key("need"),
                    format!("need `{id}` is not a need of `{}`", pr.to_facility),
                )),
                None => out.push((pp.key("need"), format!("no need `{id}`"))),
            }
        }
        date(out, &pp, "created", &pr.created);
    }
    for (i, pj) in region.projects.iter().enumerate() {
        let pp = root.key("projects").index(i);
        if pj.id.trim().is_empty() {
            out.push((pp.key("id"), "must not be empty".to_owned()));
        }
        unique_id(&mut seen, &pj.id, &pp, "proposal or project", out);
        if pj.name.trim().is_empty() {
            out.push((pp.key("name"), "must not be empty".to_owned()));
        }
        for (mi, m) in pj.members.iter().enumerate() {
            if let Some(id) = &m.facility {
                if !facility(id) {
                    out.push((
                        pp.key("members").index(mi).key("facility"),
                        format!("no facility `{id}` in the region"),
                    ));
                }
            }
        }
        if let Some(id) = &pj.stream {
            if region.output_index(id).is_none() {
                out.push((pp.key("stream"), format!("no output stream `{id}`")));
            }
        }
        if let Some(id) = &pj.need {
            if region.need_index(id).is_none() {
                out.push((pp.key("need"), format!("no need `{id}`")));
            }
        }
        if let Some(id) = &pj.proposal {
            if !region.proposals.iter().any(|p| &p.id == id) {
                out.push((pp.key("proposal"), format!("no proposal `{id}`")));
            }
        }
        for (ai, a) in pj.actions.iter().enumerate() {
            date(out, &pp.key("actions").index(ai), "due", &a.due);
        }
        if let Some(a) = &pj.agreement {
            agreement(out, &pp.key("agreement"), a);
        }
    }
}

/// A supply agreement's numbers, ranges and dates.
fn agreement(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, a: &crate::model::SupplyAgreement) {
    for (field, v) in [
        ("min_per_yr", a.min_per_yr),
        ("max_per_yr", a.max_per_yr),
        ("min_per_delivery", a.min_per_delivery),
        ("max_per_delivery", a.max_per_delivery),
        ("penalty_short_per_unit", a.penalty_short_per_unit),
        ("penalty_off_spec_per_unit", a.penalty_off_spec_per_unit),
        ("duration_yr", a.duration_yr),
        ("notice_months", a.notice_months),
        ("buffer_t", a.buffer_t),
    ] {
        checked(out, p, field, v, values::at_least_zero);
    }
    positive(out, p, "delivery_every_days", a.delivery_every_days);
    for (lo, hi, what) in [
        (a.min_per_yr, a.max_per_yr, "min_per_yr"),
        (a.min_per_delivery, a.max_per_delivery, "min_per_delivery"),
    ] {
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if lo > hi {
                out.push((p.key(what), format!("{lo} is above the maximum {hi}")));
            }
        }
    }
    if let Some(m) = a.delivery_months.iter().find(|m| !(1..=12).contains(*m)) {
        out.push((
            p.key("delivery_months"),
            format!("{m} is not a month: expected 1 (January) to 12"),
        ));
    }
    date(out, p, "start", &a.start);
    let price = p.key("price");
    match a.price.basis {
        crate::model::PriceBasis::Fixed => money(out, &price, "value", Some(a.price.value)),
        crate::model::PriceBasis::ShareOfCurrent => {
            checked(
                out,
                &price,
                "value",
                Some(a.price.value),
                values::at_least_zero,
            );
        }
        crate::model::PriceBasis::SurplusShare => {
            percent(out, &price, "value", Some(a.price.value));
        }
    }
    for (i, q) in a.quality.iter().enumerate() {
        let qp = p.key("quality").index(i);
        if q.parameter.trim().is_empty() {
            out.push((
                qp.key("parameter"),
                "must name moisture_pct or a constituent".to_owned(),
            ));
        }
        percent(out, &qp, "min_pct", q.min_pct);
        percent(out, &qp, "max_pct", q.max_pct);
        match (q.min_pct, q.max_pct) {
            (None, None) => out.push((
                qp.key("max_pct"),
                "give min_pct, max_pct or both".to_owned(),
            )),
            (Some(lo), Some(hi)) if lo > hi => {
                out.push((qp.key("min_pct"), format!("{lo} is above the maximum {hi}")));
            }
            _ => {}
        }
    }
}

fn date(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, field: &'static str, text: &str) {
    if !text.is_empty() && crate::date::parse(text).is_none() {
        out.push((
            p.key(field),
            format!("`{text}` is not a date: expected YYYY-MM-DD"),
        ));
    }
}

/// Records `id` (at `path`) and reports it if it was seen before; an empty id is reported by
/// the object's own checks.
fn unique_id<'a>(
    seen: &mut HashMap<&'a str, JsonPath>,
    id: &'a str,
    path: &JsonPath,
    what: &str,
    out: &mut Vec<(JsonPath, String)>,
) {
    if id.trim().is_empty() {
        return;
    }
    if let Some(first) = seen.get(id) {
        out.push((
            path.key("id"),
            format!("duplicate {what} id `{id}` (also {first})"),
        ));
    } else {
        seen.insert(id, path.clone());
    }
}

/// An ISO 3166-1 alpha-2 code (or `EU`).
fn country(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, code: Option<&str>) {
    if let Some(c) = code {
        if !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())) {
            out.push((
                p.key("country"),
                format!("`{c}` is not a country code: expected two letters such as \"BE\""),
            ));
        }
    }
}

/// `field` of `p`, if given, checked by one of [`values`]'s checks.
fn checked(
    out: &mut Vec<(JsonPath, String)>,
    p: &JsonPath,
    field: &'static str,
    v: Option<f64>,
    check: values::Check,
) {
    if let Some(Err(message)) = v.map(check) {
        out.push((p.key(field), message));
    }
}

fn quantity(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, v: f64) {
    checked(out, p, "quantity_per_yr", Some(v), values::at_least_zero);
}

fn percent(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, field: &'static str, v: Option<f64>) {
    checked(out, p, field, v, values::percent);
}

fn positive(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, field: &'static str, v: Option<f64>) {
    checked(out, p, field, v, values::positive);
}

fn money(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, field: &'static str, v: Option<f64>) {
    checked(out, p, field, v, values::finite);
}

fn specification(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, spec: &Specification) {
    percent(out, p, "max_moisture_pct", spec.max_moisture_pct);
    percent(
        out,
        p,
        "max_variability_cv_pct",
        spec.max_variability_cv_pct.map(|v| v.min(100.0)),
    );
    positive(out, p, "min_lot", spec.min_lot);
    money(out, p, "min_lhv_mj_per_kg", spec.min_lhv_mj_per_kg);
    for (key, list) in [
        ("min_constituents", &spec.min_constituents),
        ("max_constituents", &spec.max_constituents),
    ] {
        for (i, c) in list.iter().enumerate() {
            percent(out, &p.key(key).index(i), "mass_pct", Some(c.mass_pct));
        }
    }
}

fn availability(out: &mut Vec<(JsonPath, String)>, p: &JsonPath, a: &Availability) {
    for (i, m) in a.months.iter().enumerate() {
        if !(1..=12).contains(m) {
            out.push((
                p.key("months").index(i),
                format!("months are 1 to 12, found {m}"),
            ));
        }
    }
    if let Pattern::Batches {
        batch_quantity,
        every_days,
    } = a.pattern
    {
        positive(out, p, "batch_quantity", Some(batch_quantity));
        positive(out, p, "every_days", Some(every_days));
    }
}

/// Why a region could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path}: cannot save: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode the region: {0}")]
    Encode(#[from] serde_json::Error),
    /// The region would not load again; nothing was written.
    #[error("{path}: not saved, the region has {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|(p, m)| format!("  {p}: {m}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<(JsonPath, String)>,
    },
}

/// The region as file text: pretty JSON with a final newline.
pub fn to_text(region: &Region) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(region)?;
    text.push('\n');
    Ok(text)
}

/// Saves atomically. A region that would not load again (a duplicate id, a number that is not
/// finite) is refused, and the file on disk is left as it was.
pub fn save(region: &Region, path: &Path) -> Result<(), SaveError> {
    let problems = validate(region);
    if !problems.is_empty() {
        return Err(SaveError::Invalid {
            path: path.to_owned(),
            problems,
        });
    }
    // Written as it is encoded, into the atomic writer's buffer: a region of a million
    // streams is never held as text as well (the same text as [`to_text`]).
    crate::io::atomic::write_atomic_with(path, |w| {
        serde_json::to_writer_pretty(&mut *w, region)?;
        w.write_all(b"\n")
    })
    .map_err(|source| SaveError::Io {
        path: path.to_owned(),
        source,
    })
}
