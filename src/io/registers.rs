//! Import of public industrial registers: their sites become facilities with NACE sectors, and
//! what they report (excess heat, CO2, waste sent off site) becomes output streams, each marked
//! as derived. The mapping is documented in `docs/REGISTERS.md`.
//!
//! Three registers are read, each recognised from its header (or named with
//! `symbiomap import FILE --register hotmaps|eprtr-co2|eprtr-fi`):
//!
//! - **Hotmaps industrial database** (`SiteID, CompanyName, SiteName, ..., Subsector, ...,
//!   Emissions_ETS_2014, Emissions_EPRTR_2014, ..., Excess_Heat_100-200C, Excess_Heat_200-500C,
//!   Excess_Heat_500C, Excess_Heat_Total, lat, lon`): one facility per site. `Subsector` maps
//!   to a NACE code by [`HOTMAPS_SECTORS`]; each excess-heat band with a value above 0 (GWh/yr)
//!   becomes a heat stream in MWh/yr of the catalogue material for its temperature; the 2014
//!   CO2 (t/yr, the EU ETS figure, else the E-PRTR one) a stream of `co2_flue_gas`.
//! - **E-PRTR CO2 emitters** (`FacilityReportID;...;PollutantName;MTonnes;FacilityName;City;
//!   CountryName;latitude;longitude;NACEMainEconomicActivityName`): one facility per report;
//!   the NACE activity's name is looked up in the NACE list; `MTonnes` (million tonnes) of CO2
//!   becomes a `co2_flue_gas` stream in t/yr.
//! - **Finnish E-PRTR** (a folder, or one of its files): `facilities_with_wgs84.csv` gives the
//!   facilities, their E-PRTR Annex I activity mapped to NACE by [`ANNEX_I_TO_NACE`];
//!   `releases.csv` their CO2 to air (kg/yr, the latest year each reported); and
//!   `waste_transfers.csv` their waste sent off site (t/yr, the latest year), one stream per
//!   waste class (an EWC code where the data gives one, else hazardous or not) and treatment
//!   (recovery or disposal).
//!
//! Facility ids are the register's with a prefix (`hotmaps-12`, `eprtr-1113729`,
//! `fi-FI_EEA_100003197`), so that registers merge into one region without clashes. Columns
//! the mapping does not use are kept as facility attributes. A row that cannot be read is
//! skipped and reported with its file and line; the report also counts what each mapping made
//! and lists the sectors it could not map.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::catalogue::{Category, Material};
use crate::io::csv_import::{
    cell_text, count_lines, parse_number, shown, FileSummary, ImportError, ImportReport,
    LineCounter, Place, RowProblem, Table,
};
use crate::model::{Facility, LatLon, OutputStream, PhysicalState, Region, Unit};
use crate::reference::{EwcList, NaceList};

/// A register this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Register {
    /// The Hotmaps industrial database (sites with excess heat by temperature band).
    Hotmaps,
    /// E-PRTR facility reports of CO2 to air (one pollutant a row, in million tonnes).
    EprtrCo2,
    /// The Finnish E-PRTR: facilities, releases and waste transfers in three tables.
    EprtrFinland,
}

impl Register {
    pub const ALL: [Register; 3] = [
        Register::Hotmaps,
        Register::EprtrCo2,
        Register::EprtrFinland,
    ];

    /// The name on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Register::Hotmaps => "hotmaps",
            Register::EprtrCo2 => "eprtr-co2",
            Register::EprtrFinland => "eprtr-fi",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Register::Hotmaps => "Hotmaps industrial database",
            Register::EprtrCo2 => "E-PRTR CO2 emitters",
            Register::EprtrFinland => "Finnish E-PRTR",
        }
    }

    pub fn parse(text: &str) -> Option<Register> {
        Self::ALL
            .into_iter()
            .find(|r| r.key().eq_ignore_ascii_case(text.trim()))
    }

    /// The columns (normalised: lower case, `_` for spaces, dashes and dots) that identify the
    /// register's main table.
    fn signature(self) -> &'static [&'static str] {
        match self {
            Register::Hotmaps => &[
                "siteid",
                "subsector",
                "excess_heat_100_200c",
                "excess_heat_200_500c",
                "excess_heat_500c",
            ],
            Register::EprtrCo2 => &[
                "facilityreportid",
                "pollutantname",
                "mtonnes",
                "nacemaineconomicactivityname",
            ],
            Register::EprtrFinland => FI_FACILITIES,
        }
    }
}

impl fmt::Display for Register {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

const FI_FACILITIES: &[&str] = &[
    "facility_inspire_id",
    "mainactivitycode",
    "facilityid",
    "lat_wgs84",
];
const FI_RELEASES: &[&str] = &[
    "facilityid",
    "pollutantcode",
    "medium",
    "totalpollutantquantitykg",
    "reportingyear",
];
const FI_WASTE: &[&str] = &[
    "facilityid",
    "wasteclassificationcode",
    "wastetreatmentcode",
    "totalwastequantitytne",
    "reportingyear",
];

/// Hotmaps `Subsector` to NACE Rev. 2. The sites of each subsector are the energy-intensive
/// plants of that industry, so the code is the class where one class holds them (cement,
/// steel, refineries) and the group or division where the subsector spans several.
/// `Other non-classified` has no code.
pub const HOTMAPS_SECTORS: &[(&str, &str)] = &[
    ("Iron and steel", "C24.10"),
    ("Cement", "C23.51"),
    ("Refineries", "C19.20"),
    ("Glass", "C23.1"),
    ("Paper and printing", "C17"),
    ("Chemical industry", "C20"),
    ("Non-metallic mineral products", "C23"),
    ("Non-ferrous metals", "C24.4"),
];

/// E-PRTR Annex I activities (Regulation (EC) No 166/2006) to NACE Rev. 2: the class that holds
/// the activity where one does, else its group, division or section. An activity code without
/// an entry falls back to its parent (`2(c)(i)` to `2(c)`).
pub const ANNEX_I_TO_NACE: &[(&str, &str)] = &[
    ("1(a)", "C19.20"),
    ("1(b)", "D35.21"),
    ("1(c)", "D35"),
    ("1(d)", "C19.10"),
    ("1(e)", "C19.20"),
    ("1(f)", "C19.20"),
    ("2(a)", "C24"),
    ("2(b)", "C24.10"),
    ("2(c)", "C24"),
    ("2(c)(i)", "C24.10"),
    ("2(c)(ii)", "C25.50"),
    ("2(c)(iii)", "C25.61"),
    ("2(d)", "C24.51"),
    ("2(e)", "C24.4"),
    ("2(f)", "C25.61"),
    ("3(a)", "B"),
    ("3(b)", "B"),
    ("3(c)", "C23.5"),
    ("3(c)(i)", "C23.51"),
    ("3(c)(ii)", "C23.52"),
    ("3(d)", "C23.99"),
    ("3(e)", "C23.1"),
    ("3(f)", "C23.99"),
    ("3(g)", "C23"),
    ("4(a)", "C20.14"),
    ("4(a)(viii)", "C20.16"),
    ("4(a)(ix)", "C20.17"),
    ("4(a)(x)", "C20.12"),
    ("4(a)(xi)", "C20.41"),
    ("4(b)", "C20.13"),
    ("4(b)(i)", "C20.11"),
    ("4(c)", "C20.15"),
    ("4(d)", "C20.20"),
    ("4(e)", "C21.10"),
    ("4(f)", "C20.51"),
    ("5(a)", "E38.22"),
    ("5(b)", "E38.21"),
    ("5(c)", "E38.21"),
    ("5(d)", "E38.21"),
    ("5(e)", "E38.2"),
    ("5(f)", "E37.00"),
    ("5(g)", "E37.00"),
    ("6(a)", "C17.11"),
    ("6(b)", "C17.12"),
    ("6(c)", "C16.10"),
    ("7(a)", "A01.4"),
    ("7(a)(i)", "A01.47"),
    ("7(a)(ii)", "A01.46"),
    ("7(a)(iii)", "A01.46"),
    ("7(b)", "A03.2"),
    ("8(a)", "C10.1"),
    ("8(b)", "C10"),
    ("8(c)", "C10.51"),
    ("9(a)", "C13.30"),
    ("9(b)", "C15.11"),
    ("9(c)", "C"),
    ("9(d)", "C23.99"),
    ("9(e)", "C30.11"),
];

/// The NACE code of an Annex I activity, the activity's own or its nearest parent's.
pub fn annex_i_nace(activity: &str) -> Option<&'static str> {
    let mut code = activity.trim();
    loop {
        if let Some((_, nace)) = ANNEX_I_TO_NACE.iter().find(|(a, _)| *a == code) {
            return Some(nace);
        }
        // `2(c)(i)` -> `2(c)`; `2(c)` -> none.
        let cut = code.rfind('(')?;
        if cut == 0 || !code[..cut].contains('(') {
            return None;
        }
        code = &code[..cut];
    }
}

/// Hotmaps' excess-heat bands: the column, the band as shown, and the catalogue material for
/// heat at that temperature (`waste_heat_medium_temp` is 90-200 C, `waste_heat_high_temp`
/// above 200 C).
pub const HOTMAPS_HEAT_BANDS: [(&str, &str, &str); 3] = [
    (
        "excess_heat_100_200c",
        "100-200 C",
        "waste_heat_medium_temp",
    ),
    ("excess_heat_200_500c", "200-500 C", "waste_heat_high_temp"),
    ("excess_heat_500c", "above 500 C", "waste_heat_high_temp"),
];

/// The catalogue material of reported CO2 emissions.
pub const CO2_MATERIAL: &str = "co2_flue_gas";
/// The region's own materials for waste reported only as hazardous or not.
pub const WASTE_HAZARDOUS: &str = "eprtr_waste_hazardous";
pub const WASTE_NON_HAZARDOUS: &str = "eprtr_waste_non_hazardous";

/// MWh in a GWh.
const MWH_PER_GWH: f64 = 1_000.0;
/// Tonnes in a megatonne (E-PRTR's `MTonnes`).
const T_PER_MT: f64 = 1_000_000.0;
/// Kilograms in a tonne.
const KG_PER_T: f64 = 1_000.0;

/// What the mappings of one import made: per register value, the code it mapped to and how
/// many sites; per derived stream kind, how many streams.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MappingSummary {
    pub register: Option<Register>,
    pub sites: usize,
    /// Register sector text -> (NACE code, or `None` if not mapped; sites).
    pub sectors: BTreeMap<String, (Option<String>, usize)>,
    /// Kind of derived stream (`heat 100-200 C -> waste_heat_medium_temp`) -> streams.
    pub streams: BTreeMap<String, usize>,
}

impl MappingSummary {
    fn sector(&mut self, text: &str, code: Option<&str>) {
        let slot = self
            .sectors
            .entry(text.to_owned())
            .or_insert((code.map(str::to_owned), 0));
        slot.1 += 1;
    }

    fn stream(&mut self, kind: String) {
        *self.streams.entry(kind).or_insert(0) += 1;
    }

    /// Sites whose sector mapped to a NACE code, and those whose did not.
    pub fn sites_mapped(&self) -> (usize, usize) {
        self.sectors.values().fold((0, 0), |(m, u), (code, n)| {
            if code.is_some() {
                (m + n, u)
            } else {
                (m, u + n)
            }
        })
    }

    /// The lines the import report shows.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.register {
            out.push(format!("{r}: {} sites imported", self.sites));
        }
        let (mapped, unmapped) = self.sites_mapped();
        out.push(format!(
            "sectors: {mapped} sites mapped to NACE, {unmapped} not"
        ));
        for (text, (code, n)) in &self.sectors {
            match code {
                Some(c) => out.push(format!("  {text} -> {c}: {n}")),
                None => out.push(format!("  {text} -> not mapped (kept as text): {n}")),
            }
        }
        let total: usize = self.streams.values().sum();
        out.push(format!(
            "derived streams: {total} (each marked `derived_from`)"
        ));
        for (kind, n) in &self.streams {
            out.push(format!("  {kind}: {n}"));
        }
        out
    }
}

/// A register import: the region, the report (with the mapping counts in its notes), and the
/// counts themselves.
#[derive(Clone, Debug)]
pub struct RegisterImport {
    pub region: Region,
    pub report: ImportReport,
    pub summary: MappingSummary,
}

/// Which register `path` is (a file by its header; a folder by the headers of its CSV files),
/// or `None` if it is none of them.
pub fn detect(path: &Path) -> Result<Option<Register>, ImportError> {
    if path.is_dir() {
        return Ok(finnish_tables(path)?.map(|_| Register::EprtrFinland));
    }
    let header = header_of(path)?;
    Ok(Register::ALL
        .into_iter()
        .find(|r| has_all(&header, r.signature())))
}

fn header_of(path: &Path) -> Result<Vec<String>, ImportError> {
    Ok(Table::open_header(path)?.0.header)
}

fn has_all(header: &[String], wanted: &[&str]) -> bool {
    wanted.iter().all(|w| header.iter().any(|h| h == w))
}

/// The three tables of the Finnish E-PRTR, found by their headers among the CSV files of
/// `dir`; `None` if no facilities table is there.
#[derive(Clone, Debug, PartialEq)]
pub struct FinnishTables {
    pub facilities: PathBuf,
    pub releases: Option<PathBuf>,
    pub waste_transfers: Option<PathBuf>,
}

fn finnish_tables(dir: &Path) -> Result<Option<FinnishTables>, ImportError> {
    let io = |source| ImportError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    let mut tables = (None, None, None);
    for f in files {
        let header = header_of(&f)?;
        if tables.0.is_none() && has_all(&header, FI_FACILITIES) {
            tables.0 = Some(f);
        } else if tables.1.is_none() && has_all(&header, FI_RELEASES) {
            tables.1 = Some(f);
        } else if tables.2.is_none() && has_all(&header, FI_WASTE) {
            tables.2 = Some(f);
        }
    }
    Ok(tables.0.map(|facilities| FinnishTables {
        facilities,
        releases: tables.1,
        waste_transfers: tables.2,
    }))
}

/// Imports `path` as `register` into a new region named `name`. A file of the Finnish
/// register brings its folder's other tables along.
pub fn import(path: &Path, register: Register, name: &str) -> Result<RegisterImport, ImportError> {
    let mut ctx = Ctx {
        report: ImportReport::default(),
        summary: MappingSummary {
            register: Some(register),
            ..MappingSummary::default()
        },
    };
    let mut region = Region {
        name: name.to_owned(),
        ..Region::default()
    };
    region.facilities = match register {
        Register::Hotmaps => hotmaps(&Table::open(path)?, &mut ctx)?,
        Register::EprtrCo2 => eprtr_co2(&Table::open(path)?, &mut ctx)?,
        Register::EprtrFinland => {
            let dir = if path.is_dir() {
                path
            } else {
                path.parent().unwrap_or_else(|| Path::new("."))
            };
            let mut tables = finnish_tables(dir)?.ok_or_else(|| {
                // Name the table that was expected, from the file the user chose.
                let found = if path.is_dir() {
                    String::from("no CSV file with these columns in the folder")
                } else {
                    header_of(path).map_or_else(|e| e.to_string(), |h| h.join(", "))
                };
                ImportError::MissingColumn {
                    path: path.to_owned(),
                    wanted: "the Finnish E-PRTR facilities table",
                    aliases: FI_FACILITIES.join(", "),
                    found,
                }
            })?;
            if path.is_file() && has_all(&header_of(path)?, FI_FACILITIES) {
                // The file chosen is the facilities table, whatever else the folder holds.
                path.clone_into(&mut tables.facilities);
            }
            let facilities = finnish(&tables, &mut ctx)?;
            if facilities.iter().any(|f| {
                f.outputs
                    .iter()
                    .any(|o| o.material == WASTE_HAZARDOUS || o.material == WASTE_NON_HAZARDOUS)
            }) {
                region.catalogue.materials = waste_materials();
            }
            facilities
        }
    };
    ctx.summary.sites = region.facilities.len();
    let Ctx {
        mut report,
        summary,
    } = ctx;
    report
        .problems
        .sort_by(|a, b| a.file.cmp(&b.file).then(a.place.cmp(&b.place)));
    report.notes = summary.lines();
    Ok(RegisterImport {
        region,
        report,
        summary,
    })
}

/// The region's own materials for waste the register gives only as hazardous or not: no
/// rule uses them, so they are shown and counted but not matched.
fn waste_materials() -> Vec<Material> {
    [
        (
            WASTE_HAZARDOUS,
            "Hazardous waste sent off site (E-PRTR; kind not reported)",
            true,
        ),
        (
            WASTE_NON_HAZARDOUS,
            "Non-hazardous waste sent off site (E-PRTR; kind not reported)",
            false,
        ),
    ]
    .into_iter()
    .map(|(key, name, hazardous)| {
        let mut m = Material::named(key);
        name.clone_into(&mut m.name);
        m.category = Category::Other;
        m.state = PhysicalState::Solid;
        m.unit = Unit::Tonne;
        m.sources.insert(
            "all".to_owned(),
            format!(
                "E-PRTR waste transfers, class {} (docs/REGISTERS.md)",
                if hazardous { "HW" } else { "NONHW" }
            ),
        );
        m
    })
    .collect()
}

struct Ctx {
    report: ImportReport,
    summary: MappingSummary,
}

impl Ctx {
    fn problem(&mut self, t: &Table, line: u64, column: Option<usize>, message: String) {
        self.report.problems.push(RowProblem {
            file: t.path.clone(),
            place: Place::Line(line),
            column: column.map(|c| t.header[c].clone()),
            message,
        });
    }

    /// The row's id in column `c`, or `None` with "no {what}; row skipped" reported.
    fn required_id(
        &mut self,
        t: &Table,
        line: u64,
        rec: &csv::ByteRecord,
        c: usize,
        what: &str,
    ) -> Option<String> {
        let id = cell(rec, Some(c));
        if id.is_empty() {
            self.problem(t, line, Some(c), format!("no {what}; row skipped"));
            None
        } else {
            Some(id.into_owned())
        }
    }

    /// Whether `key` (the row's id as the register gives it) is new in `seen`; if it was on an
    /// earlier line, "{what} `key` already on line N; row skipped" is reported. The key is not
    /// recorded (the row may still be skipped for another reason).
    fn is_new(
        &mut self,
        t: &Table,
        line: u64,
        c: usize,
        seen: &FxHashMap<String, u64>,
        key: &str,
        what: &str,
    ) -> bool {
        match seen.get(key) {
            Some(first) => {
                self.problem(
                    t,
                    line,
                    Some(c),
                    format!(
                        "{what} `{}` already on line {first}; row skipped",
                        shown(key)
                    ),
                );
                false
            }
            None => true,
        }
    }

    /// An E-PRTR row's CO2 stream onto its facility, or a note that the row's pollutant
    /// (in column `c_pollutant`) is not CO2.
    fn co2_stream(
        &mut self,
        t: &Table,
        line: u64,
        c_pollutant: usize,
        pollutant: &str,
        f: &mut Facility,
        stream: Option<OutputStream>,
    ) {
        match stream {
            Some(s) => {
                f.outputs.push(s);
                self.summary
                    .stream(format!("CO2 (E-PRTR) -> {CO2_MATERIAL}"));
            }
            None => self.problem(
                t,
                line,
                Some(c_pollutant),
                format!(
                    "pollutant `{}` is not CO2: no stream derived",
                    shown(pollutant)
                ),
            ),
        }
    }

    /// The index of the facility the row of a Finnish pollutant or waste table names in
    /// column `c_key`, or `None` with the problem reported.
    fn known_facility(
        &mut self,
        t: &Table,
        line: u64,
        rec: &csv::ByteRecord,
        c_key: usize,
        index: &FxHashMap<String, usize>,
    ) -> Option<usize> {
        let key = cell(rec, Some(c_key));
        let found = index.get(key.as_ref()).copied();
        if found.is_none() {
            self.problem(
                t,
                line,
                Some(c_key),
                format!(
                    "facility `{}` is not in the facilities table; row skipped",
                    shown(&key)
                ),
            );
        }
        found
    }

    /// The row's reporting year in column `c_year`, or `None` with the problem reported.
    fn reporting_year(
        &mut self,
        t: &Table,
        line: u64,
        rec: &csv::ByteRecord,
        c_year: usize,
    ) -> Option<u16> {
        match year(&cell(rec, Some(c_year))) {
            Ok(y) => Some(y),
            Err(m) => {
                self.problem(t, line, Some(c_year), m);
                None
            }
        }
    }

    /// The row's position ([`position`]), or `None` with the problem reported.
    fn located(
        &mut self,
        t: &Table,
        line: u64,
        rec: &csv::ByteRecord,
        c_lat: usize,
        c_lon: usize,
    ) -> Option<LatLon> {
        match position(rec, c_lat, c_lon, t.decimal_comma) {
            Ok(p) => Some(p),
            Err((c, m)) => {
                self.problem(t, line, Some(c), m);
                None
            }
        }
    }
}

/// Calls `row` with each data row and its line; returns how many rows there were and how
/// many `row` kept (returned `true` for).
fn each_row(
    t: &Table,
    mut row: impl FnMut(u64, &csv::ByteRecord) -> bool,
) -> Result<(usize, usize), ImportError> {
    // Lines counted from the bytes (the csv reader's own lag after a CRLF).
    let mut lines_of = LineCounter::new(
        &t.bytes[t.data_start..],
        count_lines(&t.bytes[..t.data_start]) + 1,
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(t.delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(&t.bytes[t.data_start..]);
    let mut rec = csv::ByteRecord::new();
    let (mut rows, mut kept) = (0, 0);
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ImportError::Csv {
                    path: t.path.clone(),
                    line: lines_of.line(e.position()),
                    message: e.to_string(),
                })
            }
        }
        if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
            continue; // blank line
        }
        rows += 1;
        let line = lines_of.line(rec.position());
        if row(line, &rec) {
            kept += 1;
        }
    }
    Ok((rows, kept))
}

/// A cell, trimmed; empty if the row has no such column.
fn cell(rec: &csv::ByteRecord, col: Option<usize>) -> Cow<'_, str> {
    match col.and_then(|c| rec.get(c)).map(cell_text) {
        None => Cow::Borrowed(""),
        Some(Cow::Borrowed(s)) => Cow::Borrowed(s.trim()),
        Some(Cow::Owned(s)) => Cow::Owned(s.trim().to_owned()),
    }
}

/// The columns of `t` the mapping does not use, kept as attributes.
fn other_columns(t: &Table, used: &[Option<usize>]) -> Vec<(usize, String)> {
    t.header
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.is_empty() && !used.contains(&Some(*i)))
        .map(|(i, h)| (i, h.clone()))
        .collect()
}

fn attributes(rec: &csv::ByteRecord, columns: &[(usize, String)]) -> BTreeMap<String, String> {
    columns
        .iter()
        .filter_map(|(c, h)| {
            let v = cell(rec, Some(*c));
            (!v.is_empty()).then(|| (h.clone(), v.into_owned()))
        })
        .collect()
}

/// A position from two cells; the problem (with its column) if there is none.
fn position(
    rec: &csv::ByteRecord,
    c_lat: usize,
    c_lon: usize,
    decimal_comma: bool,
) -> Result<LatLon, (usize, String)> {
    let read = |c: usize, range: f64, what: &str| -> Result<f64, (usize, String)> {
        match parse_number(&cell(rec, Some(c)), decimal_comma) {
            Ok(Some(v)) if v.abs() <= range => Ok(v),
            Ok(Some(v)) => Err((c, format!("{v} is not a {what}; row skipped"))),
            Ok(None) => Err((
                c,
                format!("no {what} (the register gives no position); row skipped"),
            )),
            Err(m) => Err((c, format!("{m}; row skipped"))),
        }
    };
    Ok(LatLon::new(
        read(c_lat, 90.0, "latitude")?,
        read(c_lon, 180.0, "longitude")?,
    ))
}

/// ISO 3166-1 alpha-2 code of a European country's English name as the registers write it.
pub fn country_code(name: &str) -> Option<&'static str> {
    const CODES: &[(&str, &str)] = &[
        ("austria", "AT"),
        ("belgium", "BE"),
        ("bulgaria", "BG"),
        ("croatia", "HR"),
        ("cyprus", "CY"),
        ("czech republic", "CZ"),
        ("czechia", "CZ"),
        ("denmark", "DK"),
        ("estonia", "EE"),
        ("finland", "FI"),
        ("france", "FR"),
        ("germany", "DE"),
        ("greece", "GR"),
        ("hungary", "HU"),
        ("iceland", "IS"),
        ("ireland", "IE"),
        ("italy", "IT"),
        ("latvia", "LV"),
        ("liechtenstein", "LI"),
        ("lithuania", "LT"),
        ("luxembourg", "LU"),
        ("malta", "MT"),
        ("netherlands", "NL"),
        // Hotmaps writes it so.
        ("netherland", "NL"),
        ("norway", "NO"),
        ("poland", "PL"),
        ("portugal", "PT"),
        ("romania", "RO"),
        ("serbia", "RS"),
        ("slovakia", "SK"),
        ("slovenia", "SI"),
        ("spain", "ES"),
        ("sweden", "SE"),
        ("switzerland", "CH"),
        ("united kingdom", "GB"),
    ];
    let n = name.trim().to_lowercase();
    CODES.iter().find(|(k, _)| *k == n).map(|(_, c)| *c)
}

/// A stream derived from a register value, marked as such: `derived_from` names the register
/// and column, `register_value` the value as reported with its unit.
fn derived_stream(
    id: &str,
    material: &str,
    quantity_per_yr: f64,
    unit: Unit,
    description: String,
    derived_from: String,
    register_value: String,
) -> OutputStream {
    let mut s = OutputStream::new(id, material, quantity_per_yr, unit);
    s.description = description;
    s.extra
        .insert("derived_from".to_owned(), Value::String(derived_from));
    s.extra
        .insert("register_value".to_owned(), Value::String(register_value));
    s
}

/// A number as the description shows it: `2 808 536`, `192.34`.
fn show(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        let digits = format!("{}", rounded.abs() as u64);
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        if rounded < 0.0 {
            out.insert(0, '-');
        }
        out
    } else {
        format!("{rounded}")
    }
}

/// A sector as the facility stores it: the NACE code (with its section letter) if the text
/// maps to one, else the text itself.
fn sector_of(code: Option<&str>, text: &str) -> String {
    code.map_or_else(|| text.to_owned(), str::to_owned)
}

/// Reads a quantity cell: `Ok(None)` for an empty cell or 0, the problem for text or a
/// negative number.
fn amount(t: &str, decimal_comma: bool) -> Result<Option<f64>, String> {
    match parse_number(t, decimal_comma)? {
        Some(v) if v < 0.0 => Err(format!("negative value {v}")),
        Some(v) if v > 0.0 => Ok(Some(v)),
        _ => Ok(None),
    }
}

fn hotmaps(t: &Table, ctx: &mut Ctx) -> Result<Vec<Facility>, ImportError> {
    let c_id = t.require("the site id", &["siteid"])?;
    let c_sub = t.require("the subsector", &["subsector"])?;
    let c_lat = t.require("latitude", &["lat", "latitude"])?;
    let c_lon = t.require("longitude", &["lon", "longitude"])?;
    let c_company = t.column(&["companyname"]);
    let c_site = t.column(&["sitename"]);
    let c_address = t.column(&["address"]);
    let c_country = t.column(&["country"]);
    let c_ets = t.column(&["emissions_ets_2014"]);
    let c_eprtr = t.column(&["emissions_eprtr_2014"]);
    let bands: Vec<(usize, &str, &str)> = HOTMAPS_HEAT_BANDS
        .iter()
        .map(|(col, band, material)| {
            Ok((t.require("an excess-heat band", &[col])?, *band, *material))
        })
        .collect::<Result<_, ImportError>>()?;
    let mut used = vec![
        Some(c_id),
        Some(c_sub),
        Some(c_lat),
        Some(c_lon),
        c_company,
        c_site,
        c_address,
    ];
    used.extend(bands.iter().map(|b| Some(b.0)));
    let keep = other_columns(t, &used);
    let sectors: FxHashMap<String, &str> = HOTMAPS_SECTORS
        .iter()
        .map(|(k, v)| (k.to_lowercase(), *v))
        .collect();
    let mut facilities: Vec<Facility> = Vec::new();
    let mut seen: FxHashMap<String, u64> = FxHashMap::default();
    let (rows, kept) = each_row(t, |line, rec| {
        let Some(site_id) = ctx.required_id(t, line, rec, c_id, "site id") else {
            return false;
        };
        let id = format!("hotmaps-{site_id}");
        if !ctx.is_new(t, line, c_id, &seen, &site_id, "site id") {
            return false;
        }
        let Some(location) = ctx.located(t, line, rec, c_lat, c_lon) else {
            return false;
        };
        // Every number the row gives, read before anything is kept.
        let mut heat = Vec::new();
        for &(c, band, material) in &bands {
            match amount(&cell(rec, Some(c)), t.decimal_comma) {
                Ok(Some(gwh)) => heat.push((c, band, material, gwh)),
                Ok(None) => {}
                Err(m) => {
                    ctx.problem(
                        t,
                        line,
                        Some(c),
                        format!("{m}: not a quantity in GWh/yr; row skipped"),
                    );
                    return false;
                }
            }
        }
        let mut co2 = None;
        for c in [c_ets, c_eprtr].into_iter().flatten() {
            match amount(&cell(rec, Some(c)), t.decimal_comma) {
                Ok(Some(v)) => {
                    co2 = Some((c, v));
                    break;
                }
                Ok(None) => {}
                Err(m) => {
                    ctx.problem(
                        t,
                        line,
                        Some(c),
                        format!("{m}: not an emission in t/yr; no CO2 stream"),
                    );
                }
            }
        }
        seen.insert(site_id.clone(), line);
        let subsector = cell(rec, Some(c_sub));
        let code = sectors.get(&subsector.to_lowercase()).copied();
        ctx.summary.sector(
            if subsector.is_empty() {
                "(none)"
            } else {
                &subsector
            },
            code,
        );
        let company = cell(rec, Some(c_company.unwrap_or(c_id))).into_owned();
        let site = cell(rec, c_site);
        let mut f = Facility::new(
            &id,
            if site.is_empty() { &company } else { &site },
            location,
        );
        f.operator = company;
        f.sector = sector_of(code, &subsector);
        f.address = cell(rec, c_address).into_owned();
        f.country = country_code(&cell(rec, c_country)).map(str::to_owned);
        f.attributes = attributes(rec, &keep);
        if code.is_some() && !subsector.is_empty() {
            f.attributes
                .insert("register_sector".to_owned(), subsector.into_owned());
        }
        for (c, band, material, gwh) in heat {
            let column = &t.header[c];
            f.outputs.push(derived_stream(
                &format!("{id}-heat-{}", column.trim_start_matches("excess_heat_")),
                material,
                gwh * MWH_PER_GWH,
                Unit::MegawattHour,
                format!(
                    "Excess heat at {band}: {} GWh/yr in the Hotmaps industrial database \
                     (derived: GWh x 1 000 = MWh; an estimate of the register, not a measurement)",
                    show(gwh)
                ),
                format!("hotmaps:{}", raw_header(t, c)),
                format!("{} GWh/yr", show(gwh)),
            ));
            ctx.summary.stream(format!("heat {band} -> {material}"));
        }
        if let Some((c, t_co2)) = co2 {
            let source = if Some(c) == c_ets { "EU ETS" } else { "E-PRTR" };
            f.outputs.push(derived_stream(
                &format!("{id}-co2"),
                CO2_MATERIAL,
                t_co2,
                Unit::Tonne,
                format!(
                    "CO2 emitted in 2014: {} t/yr as reported to the {source} (Hotmaps); \
                     derived: all of it taken as flue-gas CO2",
                    show(t_co2)
                ),
                format!("hotmaps:{}", raw_header(t, c)),
                format!("{} t/yr", show(t_co2)),
            ));
            ctx.summary
                .stream(format!("CO2 ({source} 2014) -> {CO2_MATERIAL}"));
        }
        facilities.push(f);
        true
    })?;
    ctx.report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    Ok(facilities)
}

/// The column's name as the file writes it (the header is kept normalised).
fn raw_header(t: &Table, c: usize) -> String {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(t.delimiter)
        .has_headers(false)
        .from_reader(&t.bytes[..t.data_start]);
    let mut rec = csv::ByteRecord::new();
    match reader.read_byte_record(&mut rec) {
        Ok(true) => rec.get(c).map_or_else(
            || t.header[c].clone(),
            |h| {
                cell_text(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            },
        ),
        _ => t.header[c].clone(),
    }
}

fn eprtr_co2(t: &Table, ctx: &mut Ctx) -> Result<Vec<Facility>, ImportError> {
    let c_id = t.require("the facility report id", &["facilityreportid"])?;
    let c_pollutant = t.require("the pollutant", &["pollutantname"])?;
    let c_mt = t.require("the quantity (MTonnes)", &["mtonnes"])?;
    let c_lat = t.require("latitude", &["latitude", "lat"])?;
    let c_lon = t.require("longitude", &["longitude", "lon"])?;
    let c_nace = t.require("the NACE activity", &["nacemaineconomicactivityname"])?;
    let c_name = t.column(&["facilityname"]);
    let c_city = t.column(&["city"]);
    let c_country = t.column(&["countryname"]);
    let c_year = t.column(&["reportingyear"]);
    let keep = other_columns(
        t,
        &[
            Some(c_id),
            Some(c_mt),
            Some(c_lat),
            Some(c_lon),
            c_name,
            Some(c_pollutant),
        ],
    );
    let nace = NaceList::get();
    let mut facilities: Vec<Facility> = Vec::new();
    let mut index: FxHashMap<String, (usize, u64)> = FxHashMap::default();
    let (rows, kept) =
        each_row(t, |line, rec| {
            let Some(report_id) = ctx.required_id(t, line, rec, c_id, "facility report id") else {
                return false;
            };
            let id = format!("eprtr-{report_id}");
            let pollutant = cell(rec, Some(c_pollutant));
            let is_co2 = {
                let p = pollutant.to_lowercase();
                p.contains("(co2)") || p == "carbon dioxide" || p == "co2"
            };
            let quantity = match parse_number(&cell(rec, Some(c_mt)), t.decimal_comma) {
                Ok(Some(v)) if v >= 0.0 => v,
                Ok(Some(v)) => {
                    ctx.problem(
                        t,
                        line,
                        Some(c_mt),
                        format!("negative quantity {v}; row skipped"),
                    );
                    return false;
                }
                Ok(None) => {
                    ctx.problem(t, line, Some(c_mt), "no quantity; row skipped".to_owned());
                    return false;
                }
                Err(m) => {
                    ctx.problem(t, line, Some(c_mt), format!("{m}; row skipped"));
                    return false;
                }
            };
            let year = cell(rec, c_year).into_owned();
            let stream =
                is_co2.then(|| {
                    let t_co2 = quantity * T_PER_MT;
                    derived_stream(
                        &format!("{id}-co2"),
                        CO2_MATERIAL,
                        t_co2,
                        Unit::Tonne,
                        format!(
                    "CO2 to air reported to the E-PRTR{}: {} Mt = {} t/yr (derived: MTonnes x \
                     1 000 000; all of it taken as flue-gas CO2)",
                    if year.is_empty() { String::new() } else { format!(" for {year}") },
                    show(quantity),
                    show(t_co2)
                ),
                        format!("eprtr:{}", raw_header(t, c_mt)),
                        format!("{} Mt/yr", show(quantity)),
                    )
                });
            if let Some(&(i, first)) = index.get(&id) {
                // Another pollutant of a facility already read.
                let f: &mut Facility = &mut facilities[i];
                match stream {
                    Some(_) if f.outputs.iter().any(|o| o.material == CO2_MATERIAL) => {
                        ctx.problem(
                            t,
                            line,
                            Some(c_id),
                            format!(
                                "second CO2 report of `{}` (first on line {first}); row skipped",
                                shown(&report_id)
                            ),
                        );
                        return false;
                    }
                    stream => ctx.co2_stream(t, line, c_pollutant, &pollutant, f, stream),
                }
                return true;
            }
            let Some(location) = ctx.located(t, line, rec, c_lat, c_lon) else {
                return false;
            };
            let activity = cell(rec, Some(c_nace));
            let entry = nace.by_name(&activity);
            let code = entry.map(|e| format!("{}{}", e.section, e.code));
            ctx.summary.sector(
                if activity.is_empty() {
                    "(none)"
                } else {
                    &activity
                },
                code.as_deref(),
            );
            let name = cell(rec, c_name);
            let mut f = Facility::new(&id, if name.is_empty() { &id } else { &name }, location);
            f.sector = sector_of(code.as_deref(), &activity);
            f.address = cell(rec, c_city).into_owned();
            f.country = country_code(&cell(rec, c_country)).map(str::to_owned);
            f.attributes = attributes(rec, &keep);
            ctx.co2_stream(t, line, c_pollutant, &pollutant, &mut f, stream);
            index.insert(id, (facilities.len(), line));
            facilities.push(f);
            true
        })?;
    ctx.report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    Ok(facilities)
}

fn finnish(tables: &FinnishTables, ctx: &mut Ctx) -> Result<Vec<Facility>, ImportError> {
    let t = Table::open(&tables.facilities)?;
    let c_key = t.require("the facility id", &["facilityid"])?;
    let c_lat = t.require("latitude", &["lat_wgs84", "pointgeometrylat"])?;
    let c_lon = t.require("longitude", &["lon_wgs84", "pointgeometrylon"])?;
    let c_activity = t.require("the Annex I activity", &["mainactivitycode"])?;
    let c_name = t.column(&["nameoffeature"]);
    let c_operator = t.column(&["parentcompanyname"]);
    let c_street = t.column(&["streetname"]);
    let c_number = t.column(&["buildingnumber"]);
    let c_postcode = t.column(&["postalcode"]);
    let c_city = t.column(&["city"]);
    let c_country = t.column(&["countrycode"]);
    let keep = other_columns(
        &t,
        &[Some(c_key), Some(c_lat), Some(c_lon), c_name, c_operator],
    );
    let mut facilities: Vec<Facility> = Vec::new();
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut seen_line: FxHashMap<String, u64> = FxHashMap::default();
    let (rows, kept) = each_row(&t, |line, rec| {
        let Some(key) = ctx.required_id(&t, line, rec, c_key, "facility id") else {
            return false;
        };
        if !ctx.is_new(&t, line, c_key, &seen_line, &key, "facility") {
            return false;
        }
        let Some(location) = ctx.located(&t, line, rec, c_lat, c_lon) else {
            return false;
        };
        seen_line.insert(key.clone(), line);
        let activity = cell(rec, Some(c_activity));
        let code = annex_i_nace(&activity);
        ctx.summary.sector(
            &if activity.is_empty() {
                "(none)".to_owned()
            } else {
                format!("Annex I {activity}")
            },
            code,
        );
        let id = format!("fi-{key}");
        let name = cell(rec, c_name);
        let mut f = Facility::new(&id, if name.is_empty() { &id } else { &name }, location);
        f.operator = cell(rec, c_operator).into_owned();
        f.sector = sector_of(code, &activity);
        let street = [cell(rec, c_street), cell(rec, c_number)]
            .iter()
            .filter(|s| !s.is_empty())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let town = [cell(rec, c_postcode), cell(rec, c_city)]
            .iter()
            .filter(|s| !s.is_empty())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        f.address = [street, town]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let country = cell(rec, c_country);
        f.country = (country.len() == 2).then(|| country.to_ascii_uppercase());
        f.attributes = attributes(rec, &keep);
        index.insert(key, facilities.len());
        facilities.push(f);
        true
    })?;
    ctx.report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    if let Some(path) = &tables.releases {
        finnish_releases(&Table::open(path)?, &index, &mut facilities, ctx)?;
    }
    if let Some(path) = &tables.waste_transfers {
        finnish_waste(&Table::open(path)?, &index, &mut facilities, ctx)?;
    }
    Ok(facilities)
}

/// A reporting year; the problem if the cell is not one.
fn year(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
        .ok_or_else(|| format!("`{}` is not a reporting year; row skipped", shown(text)))
}

/// Rows of one facility and year, summed by a key; the lines they came from.
type ByYear<K> = FxHashMap<usize, (u16, BTreeMap<K, (f64, Vec<u64>)>)>;

/// Adds `quantity` under `key` to the facility's latest year (a later year replaces what an
/// earlier one gave).
fn add_latest<K: Ord>(
    by: &mut ByYear<K>,
    facility: usize,
    y: u16,
    key: K,
    quantity: f64,
    line: u64,
) {
    let slot = by.entry(facility).or_insert_with(|| (y, BTreeMap::new()));
    if y > slot.0 {
        *slot = (y, BTreeMap::new());
    }
    if y == slot.0 {
        let e = slot.1.entry(key).or_insert((0.0, Vec::new()));
        e.0 += quantity;
        e.1.push(line);
    }
}

fn lines_text(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(5).map(u64::to_string).collect();
    let more = lines.len().saturating_sub(5);
    format!(
        "line{} {}{}",
        if lines.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

fn finnish_releases(
    t: &Table,
    index: &FxHashMap<String, usize>,
    facilities: &mut [Facility],
    ctx: &mut Ctx,
) -> Result<(), ImportError> {
    let c_key = t.require("the facility id", &["facilityid"])?;
    let c_code = t.require("the pollutant code", &["pollutantcode"])?;
    let c_medium = t.require("the medium", &["medium"])?;
    let c_kg = t.require("the quantity (kg)", &["totalpollutantquantitykg"])?;
    let c_year = t.require("the reporting year", &["reportingyear"])?;
    let mut by: ByYear<()> = FxHashMap::default();
    let mut other = 0usize;
    let (rows, kept) = each_row(t, |line, rec| {
        if !(cell(rec, Some(c_code)).eq_ignore_ascii_case("CO2")
            && cell(rec, Some(c_medium)).eq_ignore_ascii_case("AIR"))
        {
            other += 1;
            return false;
        }
        let Some(fi) = ctx.known_facility(t, line, rec, c_key, index) else {
            return false;
        };
        let Some(y) = ctx.reporting_year(t, line, rec, c_year) else {
            return false;
        };
        match amount(&cell(rec, Some(c_kg)), t.decimal_comma) {
            Ok(Some(kg)) => {
                add_latest(&mut by, fi, y, (), kg, line);
                true
            }
            Ok(None) => false,
            Err(m) => {
                ctx.problem(
                    t,
                    line,
                    Some(c_kg),
                    format!("{m}: not a quantity in kg; row skipped"),
                );
                false
            }
        }
    })?;
    let mut entries: Vec<_> = by.into_iter().collect();
    entries.sort_by_key(|(fi, _)| *fi);
    for (fi, (y, sums)) in entries {
        let f = &mut facilities[fi];
        for ((), (kg, lines)) in sums {
            let t_co2 = kg / KG_PER_T;
            f.outputs.push(derived_stream(
                &format!("{}-co2", f.id),
                CO2_MATERIAL,
                t_co2,
                Unit::Tonne,
                format!(
                    "CO2 to air reported to the E-PRTR for {y}, the latest year reported: {} kg = \
                     {} t/yr (derived: kg / 1 000; biogenic CO2 included; all of it taken as \
                     flue-gas CO2)",
                    show(kg),
                    show(t_co2)
                ),
                format!(
                    "eprtr-fi:{} {}",
                    t.path
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                    lines_text(&lines)
                ),
                format!("{} kg in {y}", show(kg)),
            ));
            ctx.summary
                .stream(format!("CO2 to air (latest year) -> {CO2_MATERIAL}"));
        }
    }
    ctx.report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    ctx.report.notes.push(format!(
        "{}: {other} rows of other pollutants or media not mapped; earlier years of a facility \
         that reported later are not used",
        t.path.display()
    ));
    Ok(())
}

/// A waste class: an EWC code (from the List of Waste) or the register's hazardous flag.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WasteClass {
    /// Spaced EWC code (`"10 01 02"`).
    Ewc(String),
    Hazardous,
    NonHazardous,
}

impl WasteClass {
    /// Reads the register's classification: an EWC code in any usual spelling, or `HW`/`NONHW`.
    pub fn parse(text: &str) -> Option<WasteClass> {
        if let Some(e) = EwcList::get().lookup(text) {
            return Some(WasteClass::Ewc(crate::reference::ewc_spaced(&e.code)));
        }
        match text.trim().to_ascii_uppercase().as_str() {
            "HW" => Some(WasteClass::Hazardous),
            "NONHW" | "NHW" => Some(WasteClass::NonHazardous),
            _ => None,
        }
    }

    pub fn hazardous(&self) -> bool {
        match self {
            WasteClass::Ewc(code) => EwcList::get().lookup(code).is_some_and(|e| e.hazardous),
            WasteClass::Hazardous => true,
            WasteClass::NonHazardous => false,
        }
    }

    /// The material of the stream: the catalogue material usually reported under the EWC
    /// code if there is one, else the region's own hazardous or non-hazardous waste.
    pub fn material(&self) -> String {
        if let WasteClass::Ewc(code) = self {
            if let Some(m) = crate::catalogue::Catalogue::builtin()
                .materials
                .iter()
                .find(|m| m.ewc_codes.iter().any(|c| c == code))
            {
                return m.key.clone();
            }
        }
        if self.hazardous() {
            WASTE_HAZARDOUS.to_owned()
        } else {
            WASTE_NON_HAZARDOUS.to_owned()
        }
    }

    fn slug(&self) -> String {
        match self {
            WasteClass::Ewc(c) => c.replace(' ', ""),
            WasteClass::Hazardous => "hw".to_owned(),
            WasteClass::NonHazardous => "nonhw".to_owned(),
        }
    }

    fn label(&self) -> String {
        match self {
            WasteClass::Ewc(c) => format!("EWC {c}"),
            WasteClass::Hazardous => "hazardous (no EWC code)".to_owned(),
            WasteClass::NonHazardous => "non-hazardous (no EWC code)".to_owned(),
        }
    }
}

fn finnish_waste(
    t: &Table,
    index: &FxHashMap<String, usize>,
    facilities: &mut [Facility],
    ctx: &mut Ctx,
) -> Result<(), ImportError> {
    let c_key = t.require("the facility id", &["facilityid"])?;
    let c_class = t.require("the waste classification", &["wasteclassificationcode"])?;
    let c_treatment = t.require("the waste treatment", &["wastetreatmentcode"])?;
    let c_t = t.require("the quantity (t)", &["totalwastequantitytne"])?;
    let c_year = t.require("the reporting year", &["reportingyear"])?;
    let c_ewc = t.column(&["ewc_code", "ewccode", "wastecode", "ewc"]);
    let mut by: ByYear<(WasteClass, String)> = FxHashMap::default();
    let (rows, kept) = each_row(t, |line, rec| {
        let Some(fi) = ctx.known_facility(t, line, rec, c_key, index) else {
            return false;
        };
        let class_text = cell(rec, Some(c_class));
        let ewc_text = cell(rec, c_ewc);
        let class = WasteClass::parse(&ewc_text)
            .filter(|c| matches!(c, WasteClass::Ewc(_)))
            .or_else(|| WasteClass::parse(&class_text));
        let Some(class) = class else {
            ctx.problem(
                t,
                line,
                Some(c_class),
                format!(
                    "`{}` is neither an EWC code nor HW or NONHW; row skipped",
                    shown(&class_text)
                ),
            );
            return false;
        };
        let treatment = cell(rec, Some(c_treatment)).to_ascii_uppercase();
        let Some(y) = ctx.reporting_year(t, line, rec, c_year) else {
            return false;
        };
        match amount(&cell(rec, Some(c_t)), t.decimal_comma) {
            Ok(Some(tonnes)) => {
                add_latest(&mut by, fi, y, (class, treatment), tonnes, line);
                true
            }
            Ok(None) => {
                ctx.problem(t, line, Some(c_t), "no quantity; row skipped".to_owned());
                false
            }
            Err(m) => {
                ctx.problem(
                    t,
                    line,
                    Some(c_t),
                    format!("{m}: not a quantity in t; row skipped"),
                );
                false
            }
        }
    })?;
    let file_name = t
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut entries: Vec<_> = by.into_iter().collect();
    entries.sort_by_key(|(fi, _)| *fi);
    for (fi, (y, sums)) in entries {
        let f = &mut facilities[fi];
        for ((class, treatment), (tonnes, lines)) in sums {
            let material = class.material();
            let route = match treatment.as_str() {
                "R" => "destined for recovery",
                "D" => "destined for disposal",
                _ => "treatment not given",
            };
            let mut s = derived_stream(
                &format!(
                    "{}-waste-{}-{}",
                    f.id,
                    class.slug(),
                    treatment.to_ascii_lowercase()
                ),
                &material,
                tonnes,
                Unit::Tonne,
                format!(
                    "Waste sent off site in {y}, the latest year reported: {}, {route}, {} t/yr \
                     (E-PRTR; the sum of {} transfer{})",
                    class.label(),
                    show(tonnes),
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                ),
                format!("eprtr-fi:{file_name} {}", lines_text(&lines)),
                format!("{} t in {y}", show(tonnes)),
            );
            s.hazardous = class.hazardous();
            if let WasteClass::Ewc(code) = &class {
                s.ewc_code = Some(code.clone());
            }
            s.extra.insert(
                "waste_treatment".to_owned(),
                Value::String(format!("{treatment}: {route}")),
            );
            f.outputs.push(s);
            ctx.summary.stream(format!(
                "waste {} ({treatment}) -> {material}",
                match class {
                    WasteClass::Ewc(_) => "with EWC code",
                    WasteClass::Hazardous => "hazardous, no EWC code",
                    WasteClass::NonHazardous => "non-hazardous, no EWC code",
                }
            ));
        }
    }
    ctx.report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_code_is_in_the_nace_list() {
        let nace = NaceList::get();
        for (from, code) in HOTMAPS_SECTORS.iter().chain(ANNEX_I_TO_NACE) {
            let entry = nace
                .lookup(code)
                .unwrap_or_else(|| panic!("{from} -> {code} is not a NACE code"));
            assert_eq!(
                code.chars().next(),
                Some(entry.section),
                "{from} -> {code}: the section letter must be the code's"
            );
        }
    }

    #[test]
    fn annex_i_activities_fall_back_to_their_parent() {
        assert_eq!(annex_i_nace("3(c)(ii)"), Some("C23.52"));
        assert_eq!(annex_i_nace("4(a)(ii)"), Some("C20.14"), "from 4(a)");
        assert_eq!(annex_i_nace("2(e)(i)"), Some("C24.4"), "from 2(e)");
        assert_eq!(annex_i_nace(" 5(c) "), Some("E38.21"));
        assert_eq!(annex_i_nace("10(a)"), None);
        assert_eq!(annex_i_nace("steel"), None);
    }

    #[test]
    fn waste_classes_read_ewc_codes_and_hazard_flags() {
        let ash = WasteClass::parse("10 01 02").unwrap();
        assert_eq!(ash, WasteClass::Ewc("10 01 02".to_owned()));
        assert!(!ash.hazardous());
        assert_eq!(
            ash.material(),
            "fly_ash",
            "the catalogue's material for 10 01 02"
        );
        let oil_ash = WasteClass::parse("100104*").unwrap();
        assert!(oil_ash.hazardous(), "hazardous by the List of Waste");
        assert_eq!(WasteClass::parse("HW"), Some(WasteClass::Hazardous));
        assert_eq!(WasteClass::Hazardous.material(), WASTE_HAZARDOUS);
        assert_eq!(WasteClass::parse("nonhw"), Some(WasteClass::NonHazardous));
        assert_eq!(WasteClass::NonHazardous.material(), WASTE_NON_HAZARDOUS);
        assert_eq!(WasteClass::parse("99 99 99"), None);
    }

    #[test]
    fn numbers_are_shown_as_reported() {
        assert_eq!(show(2_808_536.0), "2 808 536");
        assert_eq!(show(192.34), "192.34");
        assert_eq!(show(0.5), "0.5");
        assert_eq!(show(1000.0), "1 000");
    }

    #[test]
    fn country_names_become_codes() {
        assert_eq!(country_code("Austria"), Some("AT"));
        assert_eq!(country_code("Netherland"), Some("NL"));
        assert_eq!(country_code("United Kingdom"), Some("GB"));
        assert_eq!(country_code("Atlantis"), None);
    }
}
