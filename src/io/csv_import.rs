//! CSV import of facilities, their streams and the region's own materials: the tables planners
//! keep in spreadsheets.
//!
//! - `facilities.csv` (required): `id, name, sector, lat, lon`; optional `operator, address,
//!   tags` (separated by `;` or `|`), `confidential, rail_siding, quay` (yes/no). Any other
//!   column is kept as a facility attribute.
//! - `streams.csv`: `facility_id, direction` (`output` or `input`), `material`, a quantity
//!   (`quantity` with `unit`, or `tonnes_per_year`, `m3_per_year`, `mwh_per_year`), and
//!   optionally a cost (`cost_per_unit`, or `cost_eur_per_t`: the disposal cost of an output,
//!   the virgin price of an input), `id`, `moisture_pct`, `ewc_code`, `state`, `hazardous`,
//!   `description`, `variability_cv_pct`, `months` (`5-9` or `5;6;7`). Other columns are kept.
//! - `materials.csv`: `material, transport_eur_per_tkm, processing_eur_per_t, detour`, optionally
//!   `name, category, unit, bulk_density_t_per_m3`. A materials table makes these the region's
//!   own materials, and streams then match needs of the same material only (the built-in rules
//!   are switched off; a region may add rules of its own later).
//!
//! Column names are matched without regard to case, spaces or dashes; a `;`-separated file (with
//! decimal commas) is recognised from its header. Ids given in the files are kept; streams
//! without an id get `<facility id>-o<n>` or `<facility id>-n<n>`. A bad row is skipped and
//! reported with its line and column; the import says how many rows of each file it kept.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::catalogue::{Category, Material};
use crate::io::values;
use crate::model::{
    Availability, Extra, Facility, LatLon, Need, OutputStream, Pattern, PhysicalState, Region, Unit,
};

/// The files of one import.
#[derive(Clone, Debug, Default)]
pub struct CsvSources {
    pub facilities: PathBuf,
    pub streams: Option<PathBuf>,
    pub materials: Option<PathBuf>,
}

impl CsvSources {
    /// The tables an import of `path` reads: a folder's (as [`CsvSources::folder`]); for a
    /// file named `facilities.csv`, `streams.csv` or `materials.csv`, its folder's; any other
    /// file alone, as the facilities table (a register's sites, say).
    pub fn for_path(path: &Path) -> Self {
        if path.is_dir() {
            return Self::folder(path);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ["facilities.csv", "streams.csv", "materials.csv"].contains(&name.as_str()) {
            let dir = path.parent().unwrap_or_else(|| Path::new(""));
            let mut sources = Self::folder(dir);
            // The file as it was named (its case kept), whatever the folder holds.
            match name.as_str() {
                "facilities.csv" => path.clone_into(&mut sources.facilities),
                "streams.csv" => sources.streams = Some(path.to_owned()),
                _ => sources.materials = Some(path.to_owned()),
            }
            return sources;
        }
        Self {
            facilities: path.to_owned(),
            streams: None,
            materials: None,
        }
    }

    /// `facilities.csv`, and `streams.csv` and `materials.csv` where present, in `dir`.
    pub fn folder(dir: &Path) -> Self {
        let opt = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
        Self {
            facilities: dir.join("facilities.csv"),
            streams: opt("streams.csv"),
            materials: opt("materials.csv"),
        }
    }
}

/// Where in its file a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// A line of a CSV file (1 = the header).
    Line(u64),
    /// A feature of a `GeoJSON` file, by its index in `features` (from 0).
    Feature(usize),
}

/// A row that was skipped or a value that was ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct RowProblem {
    pub file: PathBuf,
    pub place: Place,
    /// The CSV column, or the feature's property (`properties.outputs[0].quantity`).
    pub column: Option<String>,
    pub message: String,
}

impl RowProblem {
    /// The CSV line, if the problem is in one.
    pub fn line(&self) -> Option<u64> {
        match self.place {
            Place::Line(l) => Some(l),
            Place::Feature(_) => None,
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match (self.place, &self.column) {
            (Place::Line(l), Some(c)) => write!(f, "{name} line {l}, column {c}: {}", self.message),
            (Place::Line(l), None) => write!(f, "{name} line {l}: {}", self.message),
            (Place::Feature(i), Some(c)) => {
                write!(f, "{name} features[{i}].{c}: {}", self.message)
            }
            (Place::Feature(i), None) => write!(f, "{name} features[{i}]: {}", self.message),
        }
    }
}

/// How many rows each file had and kept.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub file: PathBuf,
    pub rows: usize,
    pub kept: usize,
}

/// What an import kept and what it skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    pub files: Vec<FileSummary>,
    pub problems: Vec<RowProblem>,
    /// What the import derived, one line each (a register's mapping counts), shown between
    /// the files and the problems.
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn skipped(&self) -> usize {
        self.files.iter().map(|f| f.rows - f.kept).sum()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 50;
        for s in &self.files {
            writeln!(f, "{}: {} rows, {} kept", s.file.display(), s.rows, s.kept)?;
        }
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        for p in self.problems.iter().take(SHOWN) {
            writeln!(f, "  {p}")?;
        }
        if self.problems.len() > SHOWN {
            writeln!(f, "  ... and {} more", self.problems.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// Where each data row of `streams.csv` went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowRef {
    Output { facility: u32, index: u32 },
    Need { facility: u32, index: u32 },
    Skipped,
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Imported {
    pub region: Region,
    pub report: ImportReport,
    /// One entry per data row of `streams.csv`, in file order.
    pub stream_rows: Vec<FlowRef>,
}

/// An import that could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    Encoding { path: PathBuf, message: String },
    #[error(
        "{path}: no column for {wanted} (expected one of: {aliases}); the header has: {found}"
    )]
    MissingColumn {
        path: PathBuf,
        wanted: &'static str,
        aliases: String,
        found: String,
    },
}

/// Imports facilities, streams and materials into a new region named `name`.
pub fn import(sources: &CsvSources, name: &str) -> Result<Imported, ImportError> {
    let mut report = ImportReport::default();
    let mut region = Region {
        name: name.to_owned(),
        ..Region::default()
    };
    if let Some(path) = &sources.materials {
        region.catalogue.materials = read_materials(path, &mut report)?;
        region.catalogue.builtin_rules = false;
    }
    // Read both big tables while the facilities are parsed.
    let (facilities, streams) = rayon::join(
        || Table::open(&sources.facilities),
        || sources.streams.as_deref().map(Table::open).transpose(),
    );
    let (facilities, index) = read_facilities(&facilities?, &mut report)?;
    region.facilities = facilities;
    let mut stream_rows = Vec::new();
    if let Some(table) = streams? {
        stream_rows = read_streams(&table, &mut region.facilities, &index, &mut report)?;
    }
    report
        .problems
        .sort_by(|a, b| a.file.cmp(&b.file).then(a.place.cmp(&b.place)));
    Ok(Imported {
        region,
        report,
        stream_rows,
    })
}

// The column names each file may use, after normalising (lower case, `_` for spaces).
pub(crate) const FACILITY_ID_COLUMNS: &[&str] = &[
    "id",
    "facility_id",
    "facilityid",
    "site_id",
    "siteid",
    "facilityreportid",
];
pub(crate) const LAT_COLUMNS: &[&str] = &["lat", "latitude", "lat_deg", "lat_wgs84"];
pub(crate) const LON_COLUMNS: &[&str] =
    &["lon", "lng", "long", "longitude", "lon_deg", "lon_wgs84"];
pub(crate) const STREAM_FACILITY_COLUMNS: &[&str] = &["facility_id", "facility", "site_id"];
pub(crate) const DIRECTION_COLUMNS: &[&str] = &["direction", "flow", "kind", "type"];
pub(crate) const MATERIAL_COLUMNS: &[&str] = &["material", "material_key"];
/// Quantity columns, and the unit a column's name implies.
const QUANTITY_COLUMNS: [(&str, Option<Unit>); 8] = [
    ("quantity_per_yr", None),
    ("quantity", None),
    ("amount", None),
    ("tonnes_per_year", Some(Unit::Tonne)),
    ("t_per_yr", Some(Unit::Tonne)),
    ("tonnes", Some(Unit::Tonne)),
    ("m3_per_year", Some(Unit::CubicMetre)),
    ("mwh_per_year", Some(Unit::MegawattHour)),
];
pub(crate) const UNIT_COLUMNS: &[&str] = &["unit"];
pub(crate) const COST_COLUMNS: &[&str] = &[
    "cost_per_unit",
    "cost",
    "cost_eur_per_t",
    "price",
    "cost_eur_per_unit",
];
pub(crate) const MATERIAL_KEY_COLUMNS: &[&str] = &["material", "key", "material_key"];
pub(crate) const TRANSPORT_COLUMNS: &[&str] = &[
    "transport_eur_per_tkm",
    "transport_cost_per_unit_km",
    "transport_per_t_km",
    "transport",
];
pub(crate) const PROCESSING_COLUMNS: &[&str] = &[
    "processing_eur_per_t",
    "processing_cost_per_unit",
    "processing",
];
pub(crate) const DETOUR_COLUMNS: &[&str] = &["detour", "detour_factor"];

/// A CSV file in memory with its header resolved.
pub(crate) struct Table {
    pub(crate) path: PathBuf,
    pub(crate) bytes: Vec<u8>,
    pub(crate) delimiter: u8,
    pub(crate) header: Vec<String>,
    /// Byte offset of the first data row.
    pub(crate) data_start: usize,
    /// `;`-separated files write decimals with a comma.
    pub(crate) decimal_comma: bool,
}

fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-', '.'], "_")
}

/// Parsed rows: what they produced (with line and 0-based data-row index), and what was wrong
/// with them.
struct Chunk<T, S> {
    rows: usize,
    items: Vec<Parsed<T>>,
    problems: Vec<RowProblem>,
    /// The parser's own state for this chunk (an interner, say).
    state: S,
}

struct Parsed<T> {
    line: u64,
    row: usize,
    value: T,
}

/// All parsed rows of a file, chunk by chunk in file order (not copied into one vector: the
/// rows of a big file are hundreds of megabytes).
struct Rows<T, S = ()> {
    chunks: Vec<Chunk<T, S>>,
    rows: usize,
}

impl<T, S> Rows<T, S> {
    fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.items.len()).sum()
    }

    /// The parsed rows in file order, and the problems of every row.
    fn into_parts(self) -> (impl Iterator<Item = Parsed<T>>, Vec<RowProblem>) {
        let mut problems = Vec::new();
        let mut items = Vec::with_capacity(self.chunks.len());
        for c in self.chunks {
            problems.extend(c.problems);
            items.push(c.items);
        }
        (items.into_iter().flatten(), problems)
    }
}

/// A row parser: the record, its line, and where to report problems.
struct RowCtx<'a> {
    path: &'a Path,
    header: &'a [String],
    line: u64,
    problems: &'a mut Vec<RowProblem>,
}

impl RowCtx<'_> {
    fn problem(&mut self, column: Option<usize>, message: String) {
        self.problems.push(RowProblem {
            file: self.path.to_owned(),
            place: Place::Line(self.line),
            column: column.map(|c| self.header[c].clone()),
            message,
        });
    }
}

impl Table {
    pub(crate) fn open(path: &Path) -> Result<Table, ImportError> {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Only the start of the file, up to the end of the header line (at least 64 KiB): for
    /// readers that read the data themselves. Returns the table and the file's length.
    pub(crate) fn open_header(path: &Path) -> Result<(Table, u64), ImportError> {
        use std::io::Read as _;
        let io = |source| ImportError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut bytes = Vec::new();
        loop {
            let before = bytes.len();
            (&mut file)
                .take(64 * 1024)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            // The header ends at a line end; a CR last in the buffer may be half of a CRLF.
            let read = &bytes[before..];
            let ends_line = read.contains(&b'\n')
                || read
                    .split_last()
                    .is_some_and(|(_, init)| init.contains(&b'\r'));
            if read.is_empty() || ends_line {
                break;
            }
        }
        Ok((Self::from_bytes(path, bytes)?, len))
    }

    fn from_bytes(path: &Path, mut bytes: Vec<u8>) -> Result<Table, ImportError> {
        if let Some(message) = utf16(&bytes) {
            return Err(ImportError::Encoding {
                path: path.to_owned(),
                message,
            });
        }
        // Line ends as the csv parser reads them (LF, CRLF or a lone CR) as LF or CRLF, so
        // that every reader counts the same lines.
        bare_cr_to_lf(&mut bytes);
        let first_line_end = memchr_newline(&bytes, 0).unwrap_or(bytes.len());
        let first = &bytes[..first_line_end];
        let count = |b: u8| first.iter().filter(|&&c| c == b).count();
        let (semis, commas, tabs) = (count(b';'), count(b','), count(b'\t'));
        let delimiter = if tabs > commas && tabs > semis {
            b'\t'
        } else if semis > commas {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| normalise(&cell_text(h)))
            .collect();
        // The parser ends a CRLF header at its CR: the LF is the header's too, and the data
        // starts after it.
        let mut data_start = reader.position().byte() as usize;
        if data_start > 0
            && bytes.get(data_start - 1) == Some(&b'\r')
            && bytes.get(data_start) == Some(&b'\n')
        {
            data_start += 1;
        }
        Ok(Table {
            path: path.to_owned(),
            bytes,
            delimiter,
            header,
            data_start,
            decimal_comma: delimiter == b';',
        })
    }

    pub(crate) fn column(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|a| self.header.iter().position(|h| h == a))
    }

    pub(crate) fn require(
        &self,
        wanted: &'static str,
        aliases: &[&str],
    ) -> Result<usize, ImportError> {
        self.column(aliases)
            .ok_or_else(|| ImportError::MissingColumn {
                path: self.path.clone(),
                wanted,
                aliases: aliases.join(", "),
                found: self.header.join(", "),
            })
    }

    /// The quantity column of a streams table, and the unit its name implies (`None`: the
    /// unit column says, or t).
    pub(crate) fn quantity_column(&self) -> Result<(usize, Option<Unit>), ImportError> {
        QUANTITY_COLUMNS
            .iter()
            .find_map(|(name, unit)| self.column(&[name]).map(|c| (c, *unit)))
            .ok_or_else(|| ImportError::MissingColumn {
                path: self.path.clone(),
                wanted: "the quantity",
                aliases: QUANTITY_COLUMNS
                    .iter()
                    .map(|c| c.0)
                    .collect::<Vec<_>>()
                    .join(", "),
                found: self.header.join(", "),
            })
    }

    /// Columns no alias claimed, kept as attributes.
    fn other_columns(&self, used: &[Option<usize>]) -> Vec<(usize, String)> {
        self.header
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !used.contains(&Some(*i)))
            .map(|(i, h)| (i, h.clone()))
            .collect()
    }

    /// Byte ranges of the data, with the line number each starts on. A file without quote
    /// characters is split at line ends into one chunk per worker; with quotes (where a field
    /// may span lines) it is one chunk.
    pub(crate) fn chunks(&self) -> Vec<(usize, usize, u64)> {
        let data = &self.bytes[self.data_start..];
        let workers = rayon::current_num_threads().max(1);
        let header_lines = count_lines(&self.bytes[..self.data_start]);
        if workers == 1 || data.len() < (1 << 20) || data.contains(&b'"') {
            return vec![(self.data_start, self.bytes.len(), header_lines + 1)];
        }
        let mut out = Vec::with_capacity(workers * 4);
        let target = data.len() / (workers * 4) + 1;
        let mut start = self.data_start;
        let mut line = header_lines + 1;
        while start < self.bytes.len() {
            let end = match memchr_newline(&self.bytes, (start + target).min(self.bytes.len())) {
                Some(nl) => nl + 1,
                None => self.bytes.len(),
            };
            out.push((start, end, line));
            line += count_lines(&self.bytes[start..end]);
            start = end;
        }
        out
    }

    /// Parses every data row with `parse`, in parallel where the file allows, keeping file order.
    fn parse_rows<T: Send>(
        &self,
        parse: impl Fn(&csv::ByteRecord, &mut RowCtx<'_>) -> Option<T> + Sync,
    ) -> Result<Rows<T>, ImportError> {
        self.parse_rows_with(|| (), |(), rec, ctx| parse(rec, ctx))
    }

    /// [`Self::parse_rows`] with a state of the parser's own per chunk.
    fn parse_rows_with<T: Send, S: Send>(
        &self,
        init: impl Fn() -> S + Sync,
        parse: impl Fn(&mut S, &csv::ByteRecord, &mut RowCtx<'_>) -> Option<T> + Sync,
    ) -> Result<Rows<T, S>, ImportError> {
        let chunks: Vec<Result<Chunk<T, S>, ImportError>> = self
            .chunks()
            .into_par_iter()
            .map(|(start, end, first_line)| {
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(self.delimiter)
                    .flexible(true)
                    .has_headers(false)
                    .from_reader(&self.bytes[start..end]);
                let mut rec = csv::ByteRecord::new();
                // One item per line at most: sized once, never copied while growing.
                let lines = count_lines(&self.bytes[start..end]) as usize + 1;
                let mut chunk = Chunk {
                    rows: 0,
                    items: Vec::with_capacity(lines),
                    problems: Vec::new(),
                    state: init(),
                };
                let unclosed = unclosed_quote(&self.bytes[start..end], self.delimiter);
                let mut lines_of = LineCounter::new(&self.bytes[start..end], first_line);
                loop {
                    match reader.read_byte_record(&mut rec) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            let line = lines_of.line(e.position());
                            return Err(ImportError::Csv {
                                path: self.path.clone(),
                                line,
                                message: e.to_string(),
                            });
                        }
                    }
                    if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
                        continue; // blank line
                    }
                    chunk.rows += 1;
                    if let Some(quote) = unclosed.filter(|&q| q < reader.position().byte() as usize)
                    {
                        let (line, message) =
                            unclosed_quote_problem(&self.bytes[start..end], quote, first_line);
                        chunk.problems.push(RowProblem {
                            file: self.path.clone(),
                            place: Place::Line(line),
                            column: None,
                            message,
                        });
                        continue;
                    }
                    let line = lines_of.line(rec.position());
                    let mut ctx = RowCtx {
                        path: &self.path,
                        header: &self.header,
                        line,
                        problems: &mut chunk.problems,
                    };
                    if let Some(value) = parse(&mut chunk.state, &rec, &mut ctx) {
                        chunk.items.push(Parsed {
                            line,
                            row: chunk.rows - 1,
                            value,
                        });
                    }
                }
                Ok(chunk)
            })
            .collect();
        let mut rows = 0;
        let mut out = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            let mut chunk = chunk?;
            for item in &mut chunk.items {
                item.row += rows;
            }
            rows += chunk.rows;
            out.push(chunk);
        }
        Ok(Rows { chunks: out, rows })
    }
}

/// What to say about a file in UTF-16 (a byte-order mark, or NUL bytes between the letters of
/// its first line), which the readers do not read; `None` for any other file.
fn utf16(bytes: &[u8]) -> Option<String> {
    let order = match bytes {
        [0xff, 0xfe, ..] => "little-endian",
        [0xfe, 0xff, ..] => "big-endian",
        _ => {
            let start = &bytes[..bytes.len().min(64)];
            let nuls = start.iter().filter(|&&b| b == 0).count();
            if nuls * 4 < start.len() {
                return None;
            }
            "without a byte-order mark"
        }
    };
    Some(format!(
        "the file is UTF-16 text ({order}); save it as UTF-8 (in a spreadsheet: CSV UTF-8) and import it again"
    ))
}

/// Turns every carriage return that does not start a CRLF into a line feed, in place: old Mac
/// files end lines with a CR alone, which the csv parser reads as a line end but counts no
/// line for.
pub(crate) fn bare_cr_to_lf(bytes: &mut [u8]) {
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|&b| b == b'\r') {
        let at = i + at;
        if bytes.get(at + 1) != Some(&b'\n') {
            bytes[at] = b'\n';
        }
        i = at + 1;
    }
}

/// Where a quote that is never closed opens: its offset in `bytes`. The csv parser reads
/// quotes so (a quote starts a quoted cell only at the start of a cell; inside one, `""` is a
/// quote and line ends are text), and at the end of the file it ends such a cell without a
/// word: every row after the quote becomes part of one cell. The readers report it instead.
pub(crate) fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        CellStart,
        InCell,
        InQuotes,
        QuoteInQuotes,
    }
    if !bytes.contains(&b'"') {
        return None;
    }
    let mut state = State::CellStart;
    let mut opened = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let ends_cell = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::CellStart if b == b'"' => {
                opened = i;
                State::InQuotes
            }
            State::CellStart | State::InCell | State::QuoteInQuotes if ends_cell => {
                State::CellStart
            }
            State::CellStart | State::InCell | State::QuoteInQuotes if b != b'"' => State::InCell,
            State::CellStart | State::InCell => State::InCell,
            State::InQuotes if b == b'"' => State::QuoteInQuotes,
            // Text inside the quotes, or `""` (a quote) after a quote.
            State::InQuotes | State::QuoteInQuotes => State::InQuotes,
        };
    }
    (state == State::InQuotes).then_some(opened)
}

/// The line (counting from `first_line` at the start of `bytes`) and message of a quote at
/// `quote` that is never closed.
pub(crate) fn unclosed_quote_problem(bytes: &[u8], quote: usize, first_line: u64) -> (u64, String) {
    let line = first_line + count_lines(&bytes[..quote]);
    // Lines after this one (the last line end of the file starts none).
    let after = count_lines(&bytes[quote..]) - u64::from(bytes.ends_with(b"\n"));
    (
        line,
        format!(
            "a quote opens on this line and is never closed: the rest of the file ({after} more \
             line{}) reads as one cell; row skipped (close the quote, or double it inside a cell)",
            if after == 1 { "" } else { "s" }
        ),
    )
}

pub(crate) fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The line each record of a CSV text starts on, counted from the bytes.
///
/// The csv reader's own line number lags by one after a CRLF line end: it ends a record at
/// the CR and takes the record's position before it reads the LF, so with Windows line ends
/// every row after the first would name the line before (the same when a record is wider than
/// the reader's buffer). A record's start is taken past any line-end bytes, and the line ends
/// before it are counted once, as the records go forward.
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    /// The line of `bytes[0]`.
    first_line: u64,
    counted_to: usize,
    line_at: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Self {
            bytes,
            first_line,
            counted_to: 0,
            line_at: first_line,
        }
    }

    /// The line of the record (or error) at `position` (a byte offset into the bytes).
    pub(crate) fn line(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(p) = position else {
            return 0;
        };
        let mut s = usize::try_from(p.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while s < self.bytes.len() && matches!(self.bytes[s], b'\r' | b'\n') {
            s += 1;
        }
        if s >= self.counted_to {
            self.line_at += count_lines(&self.bytes[self.counted_to..s]);
        } else {
            self.line_at = self.first_line + count_lines(&self.bytes[..s]);
        }
        self.counted_to = s;
        self.line_at
    }
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| i + from)
}

fn csv_error(path: &Path, e: &csv::Error) -> ImportError {
    ImportError::Csv {
        path: path.to_owned(),
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    }
}

/// The characters Windows-1252 gives the bytes 0x80..=0x9F (the five it leaves undefined read
/// as the C1 control characters of the same number, as browsers read them).
const CP1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// A cell's text: UTF-8 if it is, else Windows-1252, the code page spreadsheets on Western
/// European systems save CSV in (Latin-1 agrees with it on every letter). The import and the
/// screen read every cell (and the header) through this, so they see the same ids.
pub(crate) fn cell_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(
            bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9f => CP1252_80_9F[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect(),
        ),
    }
}

/// A cell, trimmed; empty if the row has no such column.
fn text(rec: &csv::ByteRecord, col: Option<usize>) -> Cow<'_, str> {
    match col.and_then(|c| rec.get(c)).map(cell_text) {
        None => Cow::Borrowed(""),
        Some(Cow::Borrowed(s)) => Cow::Borrowed(s.trim()),
        Some(Cow::Owned(s)) => Cow::Owned(s.trim().to_owned()),
    }
}

fn owned_text(rec: &csv::ByteRecord, col: Option<usize>) -> String {
    text(rec, col).into_owned()
}

/// Characters of a cell a message quotes: a cell of a megabyte (a quote that swallowed the
/// file, a pasted blob) is shown by its start and its length.
const SHOWN_CHARS: usize = 60;

/// A cell as a message quotes it: whole if short, else its start and its length.
pub(crate) fn shown(t: &str) -> Cow<'_, str> {
    match t.char_indices().nth(SHOWN_CHARS) {
        None => Cow::Borrowed(t),
        Some((end, _)) => Cow::Owned(format!("{}... ({} bytes)", &t[..end], t.len())),
    }
}

/// A message that quotes a value whole (a parser's), cut to a few lines' length.
pub(crate) fn shown_message(m: &str) -> Cow<'_, str> {
    match m.char_indices().nth(4 * SHOWN_CHARS) {
        None => Cow::Borrowed(m),
        Some((end, _)) => Cow::Owned(format!("{}... ({} bytes)", &m[..end], m.len())),
    }
}

/// Parses a number; `Ok(None)` for an empty cell.
fn number(
    rec: &csv::ByteRecord,
    col: Option<usize>,
    decimal_comma: bool,
) -> Result<Option<f64>, String> {
    parse_number(&text(rec, col), decimal_comma)
}

/// Parses a trimmed cell as a finite number; `Ok(None)` for an empty cell. A file separated by
/// `;` may write decimals with a comma.
pub(crate) fn parse_number(t: &str, decimal_comma: bool) -> Result<Option<f64>, String> {
    if t.is_empty() {
        return Ok(None);
    }
    let parsed = if decimal_comma && t.contains(',') {
        t.replace(',', ".").parse::<f64>()
    } else {
        t.parse::<f64>()
    };
    match parsed {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!("`{}` is not a number", shown(t))),
    }
}

// The checks of a row that the import and the screen share, with their messages.

/// A latitude (`range` 90) or longitude (180) in degrees.
pub(crate) fn coordinate(
    t: &str,
    range: f64,
    what: &str,
    decimal_comma: bool,
) -> Result<f64, String> {
    match parse_number(t, decimal_comma) {
        Ok(Some(v)) if v.abs() <= range => Ok(v),
        Ok(Some(v)) => Err(format!(
            "{v} is not a {what} (-{range}..{range}); row skipped"
        )),
        Ok(None) => Err(format!("no {what}; row skipped")),
        Err(m) => Err(format!("{m}; row skipped")),
    }
}

/// A stream's quantity per year: a number, at least 0.
pub(crate) fn quantity(t: &str, decimal_comma: bool) -> Result<f64, String> {
    match parse_number(t, decimal_comma) {
        Ok(Some(q)) if q >= 0.0 => Ok(q),
        Ok(Some(q)) => Err(format!("negative quantity {q}; row skipped")),
        Ok(None) => Err("no quantity; row skipped".to_owned()),
        Err(m) => Err(format!("{m}; row skipped")),
    }
}

/// A stream's unit: the one its quantity column's name implies, else the unit column's (t
/// when empty).
pub(crate) fn stream_unit(implied: Option<Unit>, t: &str) -> Result<Unit, String> {
    match (implied, t) {
        (Some(u), _) => Ok(u),
        (None, "") => Ok(Unit::Tonne),
        (None, u) => Unit::parse(u)
            .ok_or_else(|| format!("`{}` is not a unit (t, m3 or MWh); row skipped", shown(u))),
    }
}

pub(crate) fn flag(t: &str) -> Result<bool, String> {
    match t.to_ascii_lowercase().as_str() {
        "" | "0" | "no" | "n" | "false" | "f" => Ok(false),
        "1" | "yes" | "y" | "true" | "t" | "x" => Ok(true),
        _ => Err(format!("`{}` is not yes or no", shown(t))),
    }
}

fn read_facilities(
    t: &Table,
    report: &mut ImportReport,
) -> Result<(Vec<Facility>, FxHashMap<String, u32>), ImportError> {
    let c_id = t.require("the facility id", FACILITY_ID_COLUMNS)?;
    let c_lat = t.require("latitude", LAT_COLUMNS)?;
    let c_lon = t.require("longitude", LON_COLUMNS)?;
    let c_name = t.column(&[
        "name",
        "facility_name",
        "facilityname",
        "site_name",
        "sitename",
        "nameoffeature",
    ]);
    let c_sector = t.column(&[
        "sector",
        "nace",
        "nace_code",
        "activity",
        "subsector",
        "mainactivityname",
        "nacemaineconomicactivityname",
    ]);
    let c_operator = t.column(&[
        "operator",
        "company",
        "companyname",
        "parent_company",
        "parentcompanyname",
    ]);
    let c_address = t.column(&["address"]);
    let c_tags = t.column(&["tags"]);
    let c_conf = t.column(&["confidential"]);
    let c_rail = t.column(&["rail_siding", "rail"]);
    let c_quay = t.column(&["quay", "port"]);
    let extra_cols = t.other_columns(&[
        Some(c_id),
        Some(c_lat),
        Some(c_lon),
        c_name,
        c_sector,
        c_operator,
        c_address,
        c_tags,
        c_conf,
        c_rail,
        c_quay,
    ]);
    let decimal_comma = t.decimal_comma;

    let parsed = t.parse_rows(|rec, ctx| {
        let id = owned_text(rec, Some(c_id));
        if id.is_empty() {
            ctx.problem(Some(c_id), "no facility id; row skipped".to_owned());
            return None;
        }
        let mut coord = |col: usize, range: f64, what: &str| -> Option<f64> {
            coordinate(&text(rec, Some(col)), range, what, decimal_comma)
                .map_err(|m| ctx.problem(Some(col), m))
                .ok()
        };
        let lat = coord(c_lat, 90.0, "latitude")?;
        let lon = coord(c_lon, 180.0, "longitude")?;
        let mut flags = [false; 3];
        for (slot, col) in flags.iter_mut().zip([c_conf, c_rail, c_quay]) {
            match flag(&text(rec, col)) {
                Ok(v) => *slot = v,
                Err(m) => ctx.problem(col, format!("{m}; taken as no")),
            }
        }
        let name = owned_text(rec, c_name);
        let attributes = extra_cols
            .iter()
            .filter_map(|(c, h)| {
                let v = owned_text(rec, Some(*c));
                (!v.is_empty()).then(|| (h.clone(), v))
            })
            .collect();
        Some(Facility {
            name: if name.is_empty() { id.clone() } else { name },
            id,
            operator: owned_text(rec, c_operator),
            sector: owned_text(rec, c_sector),
            location: LatLon::new(lat, lon),
            address: owned_text(rec, c_address),
            country: None,
            tags: text(rec, c_tags)
                .split([';', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            confidential: flags[0],
            rail_siding: flags[1],
            quay: flags[2],
            hub_host: None,
            outputs: Vec::new(),
            needs: Vec::new(),
            attributes,
            extra: Extra::new(),
        })
    })?;

    let rows = parsed.rows;
    let mut facilities = Vec::with_capacity(parsed.len());
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    index.reserve(parsed.len());
    let (items, mut problems) = parsed.into_parts();
    for Parsed { line, value: f, .. } in items {
        if index.contains_key(&f.id) {
            problems.push(RowProblem {
                file: t.path.clone(),
                place: Place::Line(line),
                column: Some(t.header[c_id].clone()),
                message: format!("duplicate facility id `{}`; row skipped", shown(&f.id)),
            });
            continue;
        }
        index.insert(f.id.clone(), facilities.len() as u32);
        facilities.push(f);
    }
    report.problems.extend(problems);
    report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept: facilities.len(),
    });
    Ok((facilities, index))
}

pub(crate) fn parse_direction(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "output" | "out" | "supply" | "waste" | "by-product" | "byproduct" | "by_product" | "o" => {
            Some(true)
        }
        "input" | "in" | "need" | "demand" | "i" | "n" => Some(false),
        _ => None,
    }
}

fn parse_state(t: &str) -> Option<PhysicalState> {
    PhysicalState::ALL
        .into_iter()
        .find(|s| s.label().eq_ignore_ascii_case(t.trim()))
}

/// `5-9`, `5;6;7`, `11-2` (wrapping), or empty.
fn parse_months(t: &str) -> Result<Vec<u8>, String> {
    let mut months = Vec::new();
    for part in t.split([';', '|', ' ']).filter(|p| !p.is_empty()) {
        let bad = || {
            format!(
                "`{}` is not a list of months (1-12, e.g. `5-9` or `5;6;7`)",
                shown(t)
            )
        };
        if let Some((a, b)) = part.split_once('-') {
            let (a, b) = (
                a.trim().parse::<u8>().map_err(|_| bad())?,
                b.trim().parse::<u8>().map_err(|_| bad())?,
            );
            if !(1..=12).contains(&a) || !(1..=12).contains(&b) {
                return Err(bad());
            }
            let mut m = a;
            loop {
                months.push(m);
                if m == b {
                    break;
                }
                m = m % 12 + 1;
            }
        } else {
            let m = part.trim().parse::<u8>().map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            months.push(m);
        }
    }
    months.sort_unstable();
    months.dedup();
    if months.len() == 12 {
        months.clear();
    }
    Ok(months)
}

/// One parsed row of `streams.csv`, compact: numbers parsed, material interned, rare text
/// boxed. A million-facility import holds millions of these at once.
struct FlowRow {
    facility: u32,
    is_output: bool,
    unit: Unit,
    hazardous: bool,
    physical_state: Option<PhysicalState>,
    /// Index into the chunk's material names.
    material: u32,
    /// Months mask, bit 0 = January; 0 = all year.
    months: u16,
    quantity: f64,
    /// NaN: not given.
    cost: f64,
    moisture_pct: f64,
    variability_cv_pct: f64,
    /// Digits of a valid EWC code.
    ewc: Option<u32>,
    rare: Option<Box<RareFields>>,
}

/// Text columns that most files leave empty.
#[derive(Default)]
struct RareFields {
    id: String,
    description: String,
    extra: Extra,
}

fn some(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

fn months_vec(mask: u16) -> Vec<u8> {
    (1..=12u8).filter(|m| mask & (1 << (m - 1)) != 0).collect()
}

/// Material names seen in one chunk, interned.
#[derive(Default)]
struct Materials {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Materials {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

#[allow(clippy::too_many_lines)]
fn read_streams(
    t: &Table,
    facilities: &mut [Facility],
    index: &FxHashMap<String, u32>,
    report: &mut ImportReport,
) -> Result<Vec<FlowRef>, ImportError> {
    let c_fac = t.require("the facility id", STREAM_FACILITY_COLUMNS)?;
    let c_dir = t.require("the direction (output or input)", DIRECTION_COLUMNS)?;
    let c_mat = t.require("the material", MATERIAL_COLUMNS)?;
    let (c_qty, qty_unit) = t.quantity_column()?;
    let c_unit = t.column(UNIT_COLUMNS);
    let c_cost = t.column(COST_COLUMNS);
    let c_id = t.column(&["id", "stream_id"]);
    let c_moist = t.column(&["moisture_pct", "moisture"]);
    let c_ewc = t.column(&["ewc_code", "ewc", "waste_code", "low_code"]);
    let c_state = t.column(&["state", "physical_state"]);
    let c_haz = t.column(&["hazardous"]);
    let c_desc = t.column(&["description"]);
    let c_var = t.column(&["variability_cv_pct", "variability"]);
    let c_months = t.column(&["months", "months_available"]);
    let extra_cols = t.other_columns(&[
        Some(c_fac),
        Some(c_dir),
        Some(c_mat),
        Some(c_qty),
        c_unit,
        c_cost,
        c_id,
        c_moist,
        c_ewc,
        c_state,
        c_haz,
        c_desc,
        c_var,
        c_months,
    ]);
    let decimal_comma = t.decimal_comma;
    let ewc_list = crate::reference::EwcList::get();
    let extra_cols = extra_keys(t, extra_cols, report);

    // Materials are interned per chunk (the chunk's parser state).
    let parsed = t.parse_rows_with(Materials::default, |mats: &mut Materials, rec, ctx| {
        let key = text(rec, Some(c_fac));
        let Some(&facility) = index.get(key.as_ref()) else {
            ctx.problem(
                Some(c_fac),
                format!("unknown facility `{}`; row skipped", shown(&key)),
            );
            return None;
        };
        let Some(is_output) = parse_direction(&text(rec, Some(c_dir))) else {
            ctx.problem(
                Some(c_dir),
                format!(
                    "`{}` is not output or input; row skipped",
                    shown(&text(rec, Some(c_dir)))
                ),
            );
            return None;
        };
        let material = text(rec, Some(c_mat));
        if material.is_empty() {
            ctx.problem(Some(c_mat), "no material; row skipped".to_owned());
            return None;
        }
        let quantity = match quantity(&text(rec, Some(c_qty)), decimal_comma) {
            Ok(q) => q,
            Err(m) => {
                ctx.problem(Some(c_qty), m);
                return None;
            }
        };
        let unit = match stream_unit(qty_unit, &text(rec, c_unit)) {
            Ok(u) => u,
            Err(m) => {
                ctx.problem(c_unit, m);
                return None;
            }
        };
        let cost = match number(rec, c_cost, decimal_comma) {
            Ok(v) => v.unwrap_or(f64::NAN),
            Err(m) => {
                ctx.problem(c_cost, format!("{m}; row skipped"));
                return None;
            }
        };
        let mut optional = |c: Option<usize>, lo: f64, hi: f64| -> f64 {
            match number(rec, c, decimal_comma) {
                Ok(Some(v)) if (lo..=hi).contains(&v) => v,
                Ok(None) => f64::NAN,
                Ok(Some(v)) => {
                    ctx.problem(c, format!("{v} is outside {lo}..{hi}; ignored"));
                    f64::NAN
                }
                Err(m) => {
                    ctx.problem(c, format!("{m}; ignored"));
                    f64::NAN
                }
            }
        };
        let moisture_pct = optional(c_moist, 0.0, 100.0);
        let variability_cv_pct = optional(c_var, 0.0, 1000.0);
        let ewc_text = text(rec, c_ewc);
        let ewc = if ewc_text.is_empty() {
            None
        } else if let Some(e) = ewc_list.lookup(&ewc_text) {
            e.code.parse::<u32>().ok()
        } else {
            ctx.problem(
                c_ewc,
                format!(
                    "`{}` is not in the European List of Waste; ignored",
                    shown(&ewc_text)
                ),
            );
            None
        };
        let state_text = text(rec, c_state);
        let physical_state = if state_text.is_empty() {
            None
        } else {
            let s = parse_state(&state_text);
            if s.is_none() {
                ctx.problem(
                    c_state,
                    format!(
                        "`{}` is not a state (solid, sludge, liquid, gas, heat, steam); ignored",
                        shown(&state_text)
                    ),
                );
            }
            s
        };
        let hazardous = flag(&text(rec, c_haz)).unwrap_or_else(|m| {
            ctx.problem(c_haz, format!("{m}; taken as no"));
            false
        });
        let months = parse_months(&text(rec, c_months))
            .unwrap_or_else(|m| {
                ctx.problem(c_months, format!("{m}; taken as all year"));
                Vec::new()
            })
            .iter()
            .fold(0u16, |mask, m| mask | (1 << (m - 1)));
        let id = owned_text(rec, c_id);
        let description = owned_text(rec, c_desc);
        let mut extra = Extra::new();
        for (c, h) in &extra_cols {
            let v = owned_text(rec, Some(*c));
            if !v.is_empty() {
                extra.insert(h.clone(), serde_json::Value::String(v));
            }
        }
        let rare = (!id.is_empty() || !description.is_empty() || !extra.is_empty()).then(|| {
            Box::new(RareFields {
                id,
                description,
                extra,
            })
        });
        Some(FlowRow {
            facility,
            is_output,
            unit,
            hazardous,
            physical_state,
            material: mats.intern(&material),
            months,
            quantity,
            cost,
            moisture_pct,
            variability_cv_pct,
            ewc,
            rare,
        })
    })?;

    // Where every row goes, in file order: its facility and its index there.
    let mut rows = vec![FlowRef::Skipped; parsed.rows];
    let mut counts = vec![(0u32, 0u32); facilities.len()];
    let mut given_ids: FxHashSet<&str> = FxHashSet::default();
    let mut problems = Vec::new();
    for chunk in &parsed.chunks {
        for item in &chunk.items {
            let row = &item.value;
            if let Some(id) = row
                .rare
                .as_ref()
                .map(|r| r.id.as_str())
                .filter(|id| !id.is_empty())
            {
                if !given_ids.insert(id) {
                    problems.push(RowProblem {
                        file: t.path.clone(),
                        place: Place::Line(item.line),
                        column: c_id.map(|c| t.header[c].clone()),
                        message: format!("duplicate stream id `{}`; row skipped", shown(id)),
                    });
                    continue;
                }
            }
            let slot = &mut counts[row.facility as usize];
            rows[item.row] = if row.is_output {
                slot.0 += 1;
                FlowRef::Output {
                    facility: row.facility,
                    index: slot.0 - 1,
                }
            } else {
                slot.1 += 1;
                FlowRef::Need {
                    facility: row.facility,
                    index: slot.1 - 1,
                }
            };
        }
    }
    let kept = rows.iter().filter(|r| **r != FlowRef::Skipped).count();

    // Each facility's rows, in file order, then every facility built in parallel in place.
    let mut start = vec![0usize; facilities.len() + 1];
    for (f, (o, n)) in counts.iter().enumerate() {
        start[f + 1] = start[f] + (*o + *n) as usize;
    }
    let mut fill = start.clone();
    let mut by_facility: Vec<(u32, u32)> = vec![(0, 0); kept];
    for (ci, chunk) in parsed.chunks.iter().enumerate() {
        for (ii, item) in chunk.items.iter().enumerate() {
            if rows[item.row] == FlowRef::Skipped {
                continue;
            }
            let f = item.value.facility as usize;
            by_facility[fill[f]] = (ci as u32, ii as u32);
            fill[f] += 1;
        }
    }
    let chunks = &parsed.chunks;
    facilities
        .par_iter_mut()
        .enumerate()
        .for_each(|(f, facility)| {
            let mine = &by_facility[start[f]..start[f + 1]];
            facility.outputs.reserve_exact(counts[f].0 as usize);
            facility.needs.reserve_exact(counts[f].1 as usize);
            for &(ci, ii) in mine {
                let chunk = &chunks[ci as usize];
                let row = &chunk.items[ii as usize].value;
                let material = chunk.state.names[row.material as usize].clone();
                let rare = row.rare.as_deref();
                let id = match rare.map(|r| r.id.as_str()).filter(|id| !id.is_empty()) {
                    Some(id) => id.to_owned(),
                    None if row.is_output => {
                        format!("{}-o{}", facility.id, facility.outputs.len() + 1)
                    }
                    None => format!("{}-n{}", facility.id, facility.needs.len() + 1),
                };
                let description = rare.map(|r| r.description.clone()).unwrap_or_default();
                let extra = rare.map(|r| r.extra.clone()).unwrap_or_default();
                let availability = Availability {
                    pattern: Pattern::Continuous,
                    months: months_vec(row.months),
                    extra: Extra::new(),
                };
                if row.is_output {
                    facility.outputs.push(OutputStream {
                        id,
                        material,
                        ewc_code: row
                            .ewc
                            .map(|d| crate::reference::ewc_spaced(&format!("{d:06}"))),
                        description,
                        composition: Vec::new(),
                        physical_state: row.physical_state,
                        moisture_pct: some(row.moisture_pct),
                        bulk_density_t_per_m3: None,
                        quantity_per_yr: row.quantity,
                        unit: row.unit,
                        variability_cv_pct: some(row.variability_cv_pct),
                        availability,
                        outlet: crate::model::Outlet::from_net_cost(
                            crate::model::OutletKind::Unspecified,
                            some(row.cost),
                        ),
                        shelf_life_days: None,
                        disposal_cost_per_unit: None,
                        disposal_route: None,
                        hazardous: row.hazardous,
                        preprocessing: Vec::new(),
                        mode: None,
                        extra,
                    });
                } else {
                    facility.needs.push(Need {
                        id,
                        material,
                        description,
                        spec: crate::model::Specification::default(),
                        quantity_per_yr: row.quantity,
                        unit: row.unit,
                        availability,
                        supply: crate::model::CurrentSupply {
                            price_per_unit: some(row.cost),
                            ..crate::model::CurrentSupply::default()
                        },
                        virgin_price_per_unit: None,
                        extra,
                    });
                }
            }
        });
    let (_, mut chunk_problems) = parsed.into_parts();
    chunk_problems.extend(problems);
    report.problems.extend(chunk_problems);
    report.files.push(FileSummary {
        file: t.path.clone(),
        rows: rows.len(),
        kept,
    });
    if c_id.is_some() {
        // Generated ids may clash with ids given elsewhere in the file.
        let mut seen = FxHashSet::default();
        for f in facilities.iter_mut() {
            for o in &mut f.outputs {
                dedupe_id(&mut o.id, &mut seen);
            }
            for n in &mut f.needs {
                dedupe_id(&mut n.id, &mut seen);
            }
        }
    }
    Ok(rows)
}

/// The keys the other columns of `streams.csv` are kept under in a stream's (or need's) extra
/// fields: the column's name, unless a stream or a need has a field of that name (a second
/// `material` column, an `outlet` column), which would be written twice and not read back,
/// or an earlier column has it; then `csv_<name>` (and `~2`... if that is taken), reported
/// once at the header.
fn extra_keys(
    t: &Table,
    columns: Vec<(usize, String)>,
    report: &mut ImportReport,
) -> Vec<(usize, String)> {
    let fields: FxHashSet<&str> = crate::unknown::field_names::<OutputStream>()
        .iter()
        .chain(crate::unknown::field_names::<Need>())
        .copied()
        .collect();
    let mut taken: FxHashSet<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    columns
        .into_iter()
        .map(|(c, name)| {
            let mut key = name.clone();
            if taken.contains(&key) {
                key = format!("csv_{name}");
                dedupe_id(&mut key, &mut taken);
                let why = if fields.contains(name.as_str()) {
                    "a stream or need has a field of this name"
                } else {
                    "an earlier column has this name"
                };
                report.problems.push(RowProblem {
                    file: t.path.clone(),
                    place: Place::Line(1),
                    column: Some(name),
                    message: format!("{why}; the column is kept as `{key}`"),
                });
            } else {
                taken.insert(key.clone());
            }
            (c, key)
        })
        .collect()
}

/// `id`, or `id~2`, `id~3`... if it is taken; records it.
pub(crate) fn dedupe_id(id: &mut String, seen: &mut FxHashSet<String>) {
    if seen.insert(id.clone()) {
        return;
    }
    let base = id.clone();
    let mut n = 2;
    while !seen.insert(format!("{base}~{n}")) {
        n += 1;
    }
    *id = format!("{base}~{n}");
}

/// Reads a `materials.csv` into the region's own materials.
pub fn read_materials(
    path: &Path,
    report: &mut ImportReport,
) -> Result<Vec<Material>, ImportError> {
    let t = Table::open(path)?;
    let c_key = t.require("the material", MATERIAL_KEY_COLUMNS)?;
    let c_transport = t.column(TRANSPORT_COLUMNS);
    let c_processing = t.column(PROCESSING_COLUMNS);
    let c_detour = t.column(DETOUR_COLUMNS);
    let c_name = t.column(&["name"]);
    let c_category = t.column(&["category"]);
    let c_unit = t.column(&["unit"]);
    let c_density = t.column(&["bulk_density_t_per_m3", "density"]);
    let decimal_comma = t.decimal_comma;
    let source = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let parsed = t.parse_rows(|rec, ctx| {
        let key = owned_text(rec, Some(c_key));
        if key.is_empty() {
            ctx.problem(Some(c_key), "no material; row skipped".to_owned());
            return None;
        }
        let mut m = Material::named(&key);
        // The checks the region file applies to the material's fields.
        let checks: [(Option<usize>, values::Check); 4] = [
            (c_transport, values::positive),
            (c_processing, values::finite),
            (c_detour, values::detour_factor),
            (c_density, values::positive),
        ];
        let mut read = [None; 4];
        for (slot, (c, check)) in read.iter_mut().zip(checks) {
            match number(rec, c, decimal_comma).and_then(|v| v.map(check).transpose()) {
                Ok(v) => *slot = v,
                Err(msg) => {
                    ctx.problem(c, format!("{msg}; row skipped"));
                    return None;
                }
            }
        }
        let [transport, processing, detour, density] = read;
        m.transport_cost_per_unit_km = transport;
        m.processing_cost_per_unit = processing;
        m.detour_factor = detour;
        m.bulk_density_t_per_m3 = density;
        let name = owned_text(rec, c_name);
        if !name.is_empty() {
            m.name = name;
        }
        let cat = text(rec, c_category);
        if !cat.is_empty() {
            match Category::ALL
                .into_iter()
                .find(|c| c.label().eq_ignore_ascii_case(&cat))
            {
                Some(c) => m.category = c,
                None => ctx.problem(
                    c_category,
                    format!("`{}` is not a category; taken as other", shown(&cat)),
                ),
            }
        }
        let unit = text(rec, c_unit);
        if !unit.is_empty() {
            match Unit::parse(&unit) {
                Some(u) => m.unit = u,
                None => ctx.problem(
                    c_unit,
                    format!("`{}` is not a unit; taken as t", shown(&unit)),
                ),
            }
        }
        m.sources.insert("all".to_owned(), source.clone());
        Some(m)
    })?;
    let rows = parsed.rows;
    let mut out: Vec<Material> = Vec::with_capacity(parsed.len());
    let mut keys: FxHashSet<String> = FxHashSet::default();
    let (items, mut problems) = parsed.into_parts();
    for Parsed { line, value: m, .. } in items {
        if !keys.insert(m.key.clone()) {
            problems.push(RowProblem {
                file: t.path.clone(),
                place: Place::Line(line),
                column: Some(t.header[c_key].clone()),
                message: format!("material `{}` defined twice; row skipped", shown(&m.key)),
            });
            continue;
        }
        out.push(m);
    }
    report.problems.extend(problems);
    report.files.push(FileSummary {
        file: path.to_owned(),
        rows,
        kept: out.len(),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_quote_is_found_as_the_csv_parser_reads_quotes() {
        assert_eq!(unclosed_quote(b"a,\"b\"\"c\",d\n", b','), None);
        assert_eq!(
            unclosed_quote(b"a,\"b\nc\",d\n", b','),
            None,
            "a cell over two lines"
        );
        assert_eq!(
            unclosed_quote(b"a,b\"c\n", b','),
            None,
            "a quote inside a cell is text"
        );
        assert_eq!(unclosed_quote(b"a,\"b\n1,2\n", b','), Some(2));
        assert_eq!(unclosed_quote(b"\"x\"y;\"z\n", b';'), Some(5));
        let (line, message) = unclosed_quote_problem(b"1,2\n3,\"4\n5,6\n", 6, 2);
        assert_eq!(line, 3);
        assert!(message.contains("(1 more line)"), "{message}");
    }

    #[test]
    fn months_parse_ranges_lists_and_wraps() {
        assert_eq!(parse_months("5-9").unwrap(), vec![5, 6, 7, 8, 9]);
        assert_eq!(parse_months("11-2").unwrap(), vec![1, 2, 11, 12]);
        assert_eq!(parse_months("5;6;7").unwrap(), vec![5, 6, 7]);
        assert_eq!(parse_months("1-12").unwrap(), Vec::<u8>::new());
        assert!(parse_months("13").is_err());
        assert!(parse_months("May").is_err());
    }
}
