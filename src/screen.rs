//! Region-wide screening straight from the tables planners keep.
//!
//! A planner with a register of a hundred thousand sites and their streams in three CSV files
//! (`facilities.csv`, `streams.csv`, `materials.csv` with each material's all-in transport cost,
//! processing cost and detour) first wants to know where the exchanges are: how many pairs,
//! which, and what they are worth. Importing into the full region model builds a characterised
//! stream (about 280 bytes, its own strings) for every row; the screen reads only the columns
//! the break-even test needs into compact arrays and runs the same search as
//! [`crate::matching::Engine`] on them:
//!
//! - one R-tree per material over its inputs (needs), in unit-sphere coordinates
//!   ([`crate::spatial::SphereIndex`]);
//! - for each output, a radius query with the largest break-even any input of its material could
//!   give, then the exact test of each input found: haversine distance times the material's
//!   detour against the pair's own break-even, both from [`economics::evaluate`] with the
//!   material's transport cost, as the engine prices a material whose transport cost the region
//!   gives all-in.
//!
//! On such tables the screen finds exactly the engine's viable pairs, with the same distances
//! and values (tested in `tests/screen.rs`), and so the reference peers' pairs of
//! `bench-peers`. It reads the same column names as [`crate::io::csv_import`], skips the rows
//! that import skips, with the same messages, and reports rows it cannot screen: a material
//! missing from `materials.csv` or without a transport cost there, a quantity in a unit other
//! than its material's. Specifications, preprocessing, compatibility rules between materials
//! and the other modes need the full model: import the tables and run `symbiomap match`.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::economics::{evaluate, DemandSide, ModeRates, SupplySide};
use crate::geodesy::{chord_sq_to_km, haversine_km, SpherePoint};
use crate::io::csv_import::{
    self, count_lines, parse_direction, parse_number, shown, CsvSources, FileSummary, ImportError,
    ImportReport, Place, RowProblem, Table,
};
use crate::matching::NeumaierSum;
use crate::model::{ModeKey, Unit};
use crate::spatial::{self, morton_key, Leaf, SphereIndex};

/// A material of the screen, from `materials.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenMaterial {
    pub key: String,
    pub unit: Unit,
    /// All-in transport cost per unit and km of road; `None`: the file gives none, and the
    /// material's rows are not screened.
    pub transport_cost_per_unit_km: Option<f64>,
    pub processing_cost_per_unit: f64,
    pub detour_factor: f64,
}

/// An output stream prepared for the search: where, from whom, and its avoided disposal cost.
#[derive(Clone, Copy, Debug, PartialEq)]
struct OutFlow {
    /// 0-based data row in `streams.csv`.
    row: u32,
    facility: u32,
    /// Position of the facility along a space-filling curve ([`morton_key`]).
    map_order: u32,
    material: u32,
    disposal_cost_per_unit: f64,
}

/// What the exact test reads of an input, stored in the R-tree leaf itself.
#[derive(Clone, Copy, Debug, PartialEq)]
struct InFlow {
    row: u32,
    facility: u32,
    price_per_unit: f64,
}

/// A viable pair of the screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenPair {
    /// 0-based data rows of the output and the input in `streams.csv`.
    pub output_row: u32,
    pub input_row: u32,
    /// Indices of the output's and the input's facilities ([`Screen::facility_id`]).
    pub output_facility: u32,
    pub input_facility: u32,
    /// Index into [`ScreenTables::materials`].
    pub material: u32,
    /// Road distance: great-circle km times the material's detour.
    pub distance_km: f64,
    pub break_even_km: f64,
    pub net_value_per_unit: f64,
}

/// The count and value sum of the viable pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScreenTotals {
    pub pairs: u64,
    /// Sum of net value per unit over the pairs (compensated summation).
    pub net_value_sum: NeumaierSum,
}

impl ScreenTotals {
    fn add(&mut self, pair: &ScreenPair) {
        self.pairs += 1;
        self.net_value_sum.add(pair.net_value_per_unit);
    }

    fn merge(mut self, later: Self) -> Self {
        self.pairs += later.pairs;
        self.net_value_sum.merge(&later.net_value_sum);
        self
    }
}

/// What [`Screen::summary`] finds without keeping the pairs.
#[derive(Clone, Debug)]
pub struct ScreenSummary {
    pub pairs: u64,
    /// Per material (index into [`ScreenTables::materials`]): its pairs and their best net
    /// value per unit (`-inf` with none).
    pub by_material: Vec<(u64, f64)>,
    /// The best pairs by net value per unit (ties: output row, then input row), best first.
    pub best: Vec<ScreenPair>,
    top: std::collections::BinaryHeap<Ranked>,
    /// Pairs of each data row of `streams.csv` as the output.
    per_output_row: Vec<u32>,
}

impl ScreenSummary {
    fn new(materials: usize, rows: usize) -> Self {
        Self {
            pairs: 0,
            by_material: vec![(0, f64::NEG_INFINITY); materials],
            best: Vec::new(),
            top: std::collections::BinaryHeap::new(),
            per_output_row: vec![0; rows],
        }
    }

    fn add(&mut self, p: &ScreenPair, top: usize) {
        self.pairs += 1;
        let m = &mut self.by_material[p.material as usize];
        m.0 += 1;
        m.1 = m.1.max(p.net_value_per_unit);
        self.per_output_row[p.output_row as usize] += 1;
        if top > 0 {
            self.top.push(Ranked(*p));
            if self.top.len() > top {
                self.top.pop();
            }
        }
    }

    fn merge(mut self, other: Self, top: usize) -> Self {
        self.pairs += other.pairs;
        for (a, b) in self.by_material.iter_mut().zip(&other.by_material) {
            a.0 += b.0;
            a.1 = a.1.max(b.1);
        }
        for (a, b) in self.per_output_row.iter_mut().zip(&other.per_output_row) {
            *a += b;
        }
        self.top.extend(other.top);
        while self.top.len() > top {
            self.top.pop();
        }
        self
    }
}

/// A pair ordered for the best-pairs heap: greater is worse (lower net value per unit, then a
/// later output row, then a later input row), so the heap's top is the pair to drop.
#[derive(Clone, Copy, Debug)]
struct Ranked(ScreenPair);

impl Ranked {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (&self.0, &other.0);
        b.net_value_per_unit
            .total_cmp(&a.net_value_per_unit)
            .then(a.output_row.cmp(&b.output_row))
            .then(a.input_row.cmp(&b.input_row))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.order(other).is_eq()
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order(other)
    }
}

/// Tables loaded for screening: facilities as coordinate arrays, streams by material.
pub struct ScreenTables {
    pub materials: Vec<ScreenMaterial>,
    /// Facility ids as in the file: the text each parsing task kept, and each facility's
    /// (task, start, end) in it.
    id_text: Vec<String>,
    id_spans: Vec<[u32; 3]>,
    /// Locations, in file order of the kept rows.
    points: Vec<SpherePoint>,
    xyz: Vec<[f64; 3]>,
    /// Outputs of screened materials, grouped by material, in map order within one.
    outputs: Vec<OutFlow>,
    /// Inputs of screened materials, per material.
    inputs: Vec<Vec<Leaf<InFlow>>>,
    /// Data rows of `streams.csv`.
    pub stream_rows: usize,
    pub report: ImportReport,
}

/// Tables with their per-material R-trees, ready to search.
pub struct Screen {
    pub tables: ScreenTables,
    trees: Vec<Option<SphereIndex<InFlow>>>,
    /// Per material: the highest price among its inputs.
    max_price: Vec<f64>,
}

/// What one row of `streams.csv` gives the screen.
#[derive(Clone, Copy)]
struct StreamRow {
    /// Data row, counted from the parsing task's first row until [`parse_table`] returns.
    row: u32,
    facility: u32,
    material: u32,
    is_output: bool,
    cost_per_unit: f64,
}

/// Bytes one parsing task reads at a time. A big table streams through these small buffers
/// instead of being read whole: on the build machine every megabyte of fresh memory a process
/// touches costs milliseconds (`BENCHMARKS.md`).
const BLOCK_BYTES: usize = 1 << 20;

/// One parsing task's result.
struct Parsed<T> {
    items: Vec<T>,
    /// Data rows (blank lines are not rows) and lines (blank ones too).
    rows: usize,
    lines: u64,
    problems: Vec<RowProblem>,
    /// Text the parser keeps (facility ids), referred to by its items.
    text: String,
}

impl<T> Parsed<T> {
    fn new() -> Self {
        Self {
            items: Vec::new(),
            rows: 0,
            lines: 0,
            problems: Vec::new(),
            text: String::new(),
        }
    }
}

/// How a parsing task ended early.
enum Stop {
    /// The file has quote characters (a field may span lines): read it whole instead.
    Quoted,
    Failed(ImportError),
}

/// A row parser: (row and line counted from the task's start, cells, problems, kept text).
trait RowParser<T>:
    Fn(usize, u64, &[&str], &mut Vec<RowProblem>, &mut String) -> Option<T> + Sync
{
}
impl<T, F> RowParser<T> for F where
    F: Fn(usize, u64, &[&str], &mut Vec<RowProblem>, &mut String) -> Option<T> + Sync
{
}

/// Parses every data row of `t` (opened with [`Table::open_header`]; the file is `len` bytes)
/// in parallel tasks over line-aligned ranges, each reading its range in blocks. Returns each
/// task's result with the data row and the line it starts at; its problems carry file line
/// numbers already. A file with
/// quote characters is read whole and parsed by the csv parser in one task.
fn parse_table<T: Send>(
    t: &Table,
    len: u64,
    parse: &impl RowParser<T>,
) -> Result<Vec<(Parsed<T>, usize, u64)>, ImportError> {
    let io = |source| ImportError::Io {
        path: t.path.clone(),
        source,
    };
    let parts = rayon::current_num_threads().max(1) * 4;
    let ranges = line_ranges(&t.path, t.data_start as u64, len, parts).map_err(io)?;
    let tasks: Result<Vec<Parsed<T>>, Stop> = ranges
        .into_par_iter()
        .map(|(start, end)| parse_range(t, start, end, parse))
        .collect();
    let first_line = count_lines(&t.bytes[..t.data_start]) + 1;
    let tasks = match tasks {
        Ok(tasks) => tasks,
        Err(Stop::Failed(e)) => return Err(e),
        Err(Stop::Quoted) => vec![parse_quoted(&Table::open(&t.path)?, parse)?],
    };
    let mut out = Vec::with_capacity(tasks.len());
    let (mut row, mut line) = (0, first_line);
    for mut task in tasks {
        for p in &mut task.problems {
            if let Place::Line(l) = &mut p.place {
                *l += line;
            }
        }
        let rows = task.rows;
        let lines = task.lines;
        out.push((task, row, line));
        line += lines;
        row += rows;
    }
    Ok(out)
}

/// Cuts `start..end` of a file into about `parts` ranges that start at line starts.
fn line_ranges(
    path: &Path,
    start: u64,
    end: u64,
    parts: usize,
) -> std::io::Result<Vec<(u64, u64)>> {
    let mut file = File::open(path)?;
    let mut cuts = vec![start];
    let mut probe = vec![0u8; 64 * 1024];
    for k in 1..parts as u64 {
        let mut at = start + (end - start) * k / parts as u64;
        if at <= cuts[cuts.len() - 1] {
            continue;
        }
        file.seek(SeekFrom::Start(at))?;
        let cut = loop {
            let n = file.read(&mut probe)?;
            if n == 0 {
                break end;
            }
            // After a LF, or a CR that is not the first half of a CRLF (a CR last in the
            // probe may be: the next probe finds its LF).
            let line_end = (0..n).find(|&i| {
                probe[i] == b'\n' || (probe[i] == b'\r' && i + 1 < n && probe[i + 1] != b'\n')
            });
            if let Some(i) = line_end {
                break at + i as u64 + 1;
            }
            at += n as u64;
        };
        if cut < end {
            cuts.push(cut);
        }
    }
    cuts.push(end);
    Ok(cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// One task: the lines of `start..end`, read block by block.
fn parse_range<T>(
    t: &Table,
    start: u64,
    end: u64,
    parse: &impl RowParser<T>,
) -> Result<Parsed<T>, Stop> {
    let fail = |source| {
        Stop::Failed(ImportError::Io {
            path: t.path.clone(),
            source,
        })
    };
    let mut file = File::open(&t.path).map_err(fail)?;
    file.seek(SeekFrom::Start(start)).map_err(fail)?;
    let mut reader = file.take(end - start);
    let mut out = Parsed::new();
    out.items.reserve(((end - start) / 32) as usize);
    let mut buf = vec![0u8; BLOCK_BYTES.min((end - start) as usize + 1)];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than a block
        }
        let n = reader.read(&mut buf[filled..]).map_err(fail)?;
        filled += n;
        let eof = n == 0;
        let upto = if eof {
            filled
        } else {
            // The last line end read, but not a CR last in the buffer (its LF may follow).
            let line_end = |b: &u8| *b == b'\n' || *b == b'\r';
            match buf[..filled.saturating_sub(1)].iter().rposition(line_end) {
                Some(i) if buf[i] == b'\r' && buf[i + 1] == b'\n' => i + 2,
                Some(i) => i + 1,
                None => continue,
            }
        };
        let block = &buf[..upto];
        if block.contains(&b'"') {
            return Err(Stop::Quoted);
        }
        // One UTF-8 check per block; a block that is not UTF-8 is read cell by cell as the
        // import reads it (`csv_import::cell_text`).
        let text = std::str::from_utf8(block).ok();
        let mut cells: Vec<&str> = Vec::with_capacity(t.header.len());
        for line in lines(block) {
            if !line.is_empty() {
                let parsed = if let Some(text) = text {
                    // Line ends are ASCII: the line is a slice of the text at char boundaries.
                    let start = line.as_ptr() as usize - block.as_ptr() as usize;
                    let line = &text[start..start + line.len()];
                    cells.clear();
                    cells.extend(line.split(char::from(t.delimiter)).map(str::trim));
                    parse(
                        out.rows,
                        out.lines,
                        &cells,
                        &mut out.problems,
                        &mut out.text,
                    )
                } else {
                    let decoded: Vec<std::borrow::Cow<'_, str>> = line
                        .split(|&b| b == t.delimiter)
                        .map(csv_import::cell_text)
                        .collect();
                    let cells: Vec<&str> = decoded.iter().map(|c| c.trim()).collect();
                    parse(
                        out.rows,
                        out.lines,
                        &cells,
                        &mut out.problems,
                        &mut out.text,
                    )
                };
                if let Some(v) = parsed {
                    out.items.push(v);
                }
                out.rows += 1;
            }
            out.lines += 1;
        }
        drop(cells);
        buf.copy_within(upto..filled, 0);
        filled -= upto;
        if eof {
            return Ok(out);
        }
    }
}

/// The lines of a block that ends at a line end (or the file's end), without their line ends:
/// LF, CRLF, or a CR alone, as the csv parser reads them.
fn lines(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = block;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
            return Some(std::mem::take(&mut rest));
        };
        let line = &rest[..i];
        let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        rest = &rest[i + skip..];
        Some(line)
    })
}

/// A file with quote characters, whole, through the csv parser.
fn parse_quoted<T>(t: &Table, parse: &impl RowParser<T>) -> Result<Parsed<T>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(t.delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(&t.bytes[t.data_start..]);
    let mut rec = csv::ByteRecord::new();
    let mut out = Parsed::new();
    let first_line = count_lines(&t.bytes[..t.data_start]) + 1;
    let data = &t.bytes[t.data_start..];
    let unclosed = csv_import::unclosed_quote(data, t.delimiter);
    // Lines counted from the task's start (0), as the other problems are.
    let mut lines_of = csv_import::LineCounter::new(data, 0);
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ImportError::Csv {
                    path: t.path.clone(),
                    line: lines_of.line(e.position()) + first_line,
                    message: e.to_string(),
                })
            }
        }
        if rec.len() == 1 && rec.get(0).is_some_and(<[u8]>::is_empty) {
            continue;
        }
        if let Some(quote) = unclosed.filter(|&q| q < reader.position().byte() as usize) {
            // Lines counted from the task's start, as the other problems are.
            let (line, message) = csv_import::unclosed_quote_problem(data, quote, 0);
            out.problems.push(problem(t, line, None, message));
            out.rows += 1;
            continue;
        }
        let line = lines_of.line(rec.position());
        let cells: Vec<std::borrow::Cow<'_, str>> = rec.iter().map(csv_import::cell_text).collect();
        let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
        if let Some(v) = parse(out.rows, line, &cells, &mut out.problems, &mut out.text) {
            out.items.push(v);
        }
        out.rows += 1;
    }
    Ok(out)
}

fn cell<'a>(cells: &[&'a str], col: Option<usize>) -> &'a str {
    col.and_then(|c| cells.get(c)).copied().unwrap_or("")
}

/// A problem of one row, as the import words it (the line counted from the task's start).
fn problem(t: &Table, line: u64, col: Option<usize>, message: String) -> RowProblem {
    RowProblem {
        file: t.path.clone(),
        place: Place::Line(line),
        column: col.map(|c| t.header[c].clone()),
        message,
    }
}

fn missing(dir: Option<&Path>, name: &str, why: &str) -> ImportError {
    ImportError::Io {
        path: dir.map_or_else(|| PathBuf::from(name), |d| d.join(name)),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, why.to_owned()),
    }
}

impl ScreenTables {
    /// Reads the three tables of `sources`; `streams.csv` and `materials.csv` are required.
    pub fn load(sources: &CsvSources) -> Result<ScreenTables, ImportError> {
        let dir = sources.facilities.parent();
        let materials_path = sources.materials.as_deref().ok_or_else(|| {
            missing(
                dir,
                "materials.csv",
                "screening needs materials.csv with each material's transport cost",
            )
        })?;
        let streams_path = sources
            .streams
            .as_deref()
            .ok_or_else(|| missing(dir, "streams.csv", "no streams.csv"))?;
        let mut report = ImportReport::default();
        let materials = read_materials(materials_path, &mut report)?;
        let material_index: FxHashMap<&str, u32> = materials
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key.as_str(), i as u32))
            .collect();
        let (f_table, f_len) = Table::open_header(&sources.facilities)?;
        let (s_table, s_len) = Table::open_header(streams_path)?;
        let facility_tasks = read_facilities(&f_table, f_len, &mut report)?;
        let (index, id_spans, points) = index_facilities(&f_table, &facility_tasks, &mut report);
        let (rows, stream_rows) = read_streams(
            &s_table,
            s_len,
            &index,
            &material_index,
            &materials,
            &mut report,
        )?;
        drop(index);
        let id_text = facility_tasks
            .into_iter()
            .map(|(task, _)| task.text)
            .collect();
        report
            .problems
            .sort_by(|a, b| a.file.cmp(&b.file).then(a.place.cmp(&b.place)));

        let (xyz, morton): (Vec<[f64; 3]>, Vec<u32>) = points
            .par_iter()
            .map(|p| {
                let key = morton_key(p.lat_rad.to_degrees(), p.lon_rad.to_degrees());
                (p.unit_vector(), key)
            })
            .unzip();
        // Outputs by material, then along a space-filling curve: neighbours search together.
        let rows = || rows.iter().flatten();
        let mut outputs: Vec<OutFlow> = rows()
            .filter(|r| r.is_output)
            .map(|r| OutFlow {
                row: r.row,
                facility: r.facility,
                map_order: morton[r.facility as usize],
                material: r.material,
                disposal_cost_per_unit: r.cost_per_unit,
            })
            .collect();
        outputs.par_sort_unstable_by_key(|o| {
            (u64::from(o.material) << 32 | u64::from(o.map_order), o.row)
        });
        let mut counts = vec![0usize; materials.len()];
        for r in rows().filter(|r| !r.is_output) {
            counts[r.material as usize] += 1;
        }
        let mut inputs: Vec<Vec<Leaf<InFlow>>> =
            counts.iter().map(|&n| Vec::with_capacity(n)).collect();
        for r in rows().filter(|r| !r.is_output) {
            inputs[r.material as usize].push(Leaf {
                xyz: xyz[r.facility as usize],
                data: InFlow {
                    row: r.row,
                    facility: r.facility,
                    price_per_unit: r.cost_per_unit,
                },
            });
        }
        Ok(ScreenTables {
            materials,
            id_text,
            id_spans,
            points,
            xyz,
            outputs,
            inputs,
            stream_rows,
            report,
        })
    }

    pub fn facilities(&self) -> usize {
        self.points.len()
    }

    /// Screened outputs and inputs.
    pub fn flows(&self) -> (usize, usize) {
        (self.outputs.len(), self.inputs.iter().map(Vec::len).sum())
    }

    /// Bulk-loads one R-tree per material over its inputs.
    pub fn index(mut self) -> Screen {
        let inputs = std::mem::take(&mut self.inputs);
        let max_price = inputs
            .iter()
            .map(|v| {
                v.iter()
                    .map(|l| l.data.price_per_unit)
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let trees = inputs
            .into_par_iter()
            .map(|leaves| (!leaves.is_empty()).then(|| SphereIndex::from_leaves(leaves)))
            .collect();
        Screen {
            tables: self,
            trees,
            max_price,
        }
    }
}

/// The material's costs as the engine prices a material with an all-in transport cost: one
/// mode at that cost per unit and km, no handling, no emissions priced (the tables give none).
fn supply_side(m: &ScreenMaterial, disposal_cost_per_unit: f64) -> SupplySide {
    SupplySide::plain(disposal_cost_per_unit, m.processing_cost_per_unit)
}

fn demand_side(price_per_unit: f64) -> DemandSide {
    DemandSide::priced(price_per_unit)
}

fn rates(transport_cost_per_unit_km: f64) -> ModeRates {
    ModeRates::all_in(ModeKey::Truck, transport_cost_per_unit_km)
}

/// Outputs searched by one worker task at a time: neighbours on the map (the outputs are in
/// map order within a material), which share traversals of their material's tree.
const TASK_OUTPUTS: usize = 64;

/// Within this distance of its break-even, a pair is decided by the haversine distance in the
/// reference operation order instead of the chord's: 1e-9 km is a hundred times the largest
/// rounding difference between the two on the Earth's sphere.
const BOUNDARY_KM: f64 = 1e-9;

/// What the exact test needs of one output, fixed for all its inputs.
struct Prepared<'a> {
    out: &'a OutFlow,
    side: SupplySide,
    rates: ModeRates,
    detour: f64,
    /// Great-circle reach: the break-even with the best-priced input, over the detour.
    reach_km: f64,
}

impl Screen {
    /// Every viable pair, folded into `A` per worker and merged in output order.
    pub fn fold<A: Send>(
        &self,
        init: impl Fn() -> A + Sync + Send,
        add: impl Fn(&mut A, &ScreenPair) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        self.fold_over(&self.tables.outputs, init, add, merge)
    }

    /// [`Self::fold`] over the pairs of the outputs whose row of `streams.csv` is in `rows`.
    pub fn fold_rows<A: Send>(
        &self,
        rows: std::ops::Range<u32>,
        init: impl Fn() -> A + Sync + Send,
        add: impl Fn(&mut A, &ScreenPair) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let outputs: Vec<OutFlow> = self
            .tables
            .outputs
            .iter()
            .filter(|o| rows.contains(&o.row))
            .copied()
            .collect();
        self.fold_over(&outputs, init, add, merge)
    }

    fn fold_over<A: Send>(
        &self,
        outputs: &[OutFlow],
        init: impl Fn() -> A + Sync + Send,
        add: impl Fn(&mut A, &ScreenPair) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        outputs
            .par_chunks(TASK_OUTPUTS)
            .fold(
                || (init(), Vec::new(), Vec::new()),
                |(mut acc, mut batch, mut found), chunk| {
                    self.search_chunk(chunk, &mut batch, &mut found, &mut |p| add(&mut acc, p));
                    (acc, batch, found)
                },
            )
            .map(|(acc, _, _)| acc)
            .reduce(&init, merge)
    }

    /// The count and value sum of every viable pair.
    pub fn totals(&self) -> ScreenTotals {
        self.fold(
            ScreenTotals::default,
            ScreenTotals::add,
            ScreenTotals::merge,
        )
    }

    /// The pairs per material, the `top` best and the pairs of each output, without keeping
    /// the pairs: a screen of a large register finds hundreds of millions.
    pub fn summary(&self, top: usize) -> ScreenSummary {
        let materials = self.tables.materials.len();
        let rows = self.tables.stream_rows;
        let mut summary = self.fold(
            || ScreenSummary::new(materials, rows),
            |s, p| s.add(p, top),
            |a, b| a.merge(b, top),
        );
        // Ascending in the heap's order: best first.
        summary.best = std::mem::take(&mut summary.top)
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
            .collect();
        summary
    }

    /// Every viable pair in the order of [`Self::pairs`] (by output row, then input row), to
    /// `emit`, holding the pairs of at most about `max_pairs` (at least one output's) at a
    /// time: the search runs once more per slice of output rows.
    pub fn for_each_pair_sorted<E>(
        &self,
        summary: &ScreenSummary,
        max_pairs: usize,
        mut emit: impl FnMut(&ScreenPair) -> Result<(), E>,
    ) -> Result<(), E> {
        let counts = &summary.per_output_row;
        let mut start = 0usize;
        while start < counts.len() {
            let mut end = start;
            let mut held = 0usize;
            while end < counts.len() && (end == start || held + counts[end] as usize <= max_pairs) {
                held += counts[end] as usize;
                end += 1;
            }
            if held > 0 {
                let mut pairs = self.fold_rows(
                    start as u32..end as u32,
                    Vec::new,
                    |v, p| v.push(*p),
                    |mut a, b| {
                        a.extend(b);
                        a
                    },
                );
                pairs.par_sort_unstable_by_key(|p| (p.output_row, p.input_row));
                for p in &pairs {
                    emit(p)?;
                }
            }
            start = end;
        }
        Ok(())
    }

    /// Every viable pair, sorted by output row, then input row.
    pub fn pairs(&self) -> Vec<ScreenPair> {
        let mut pairs = self.fold(
            Vec::new,
            |v, p| v.push(*p),
            |mut a, b| {
                a.extend(b);
                a
            },
        );
        pairs.par_sort_unstable_by_key(|p| (p.output_row, p.input_row));
        pairs
    }

    fn prepare<'a>(&self, out: &'a OutFlow) -> Option<Prepared<'a>> {
        let m = out.material as usize;
        let material = &self.tables.materials[m];
        let transport = material.transport_cost_per_unit_km?;
        self.trees[m].as_ref()?;
        let side = supply_side(material, out.disposal_cost_per_unit);
        let rates = rates(transport);
        let detour = material.detour_factor;
        let best = evaluate(&side, &demand_side(self.max_price[m]), &rates, 0.0, 0.0);
        let reach_km = best.break_even_km / detour;
        (reach_km > 0.0).then_some(Prepared {
            out,
            side,
            rates,
            detour,
            reach_km,
        })
    }

    /// Splits a run of outputs into batches of neighbours of one material
    /// ([`crate::spatial::batch`], the engine's batching) and searches each.
    fn search_chunk<'a>(
        &'a self,
        chunk: &'a [OutFlow],
        batch: &mut Vec<Prepared<'a>>,
        found: &mut Vec<&'a Leaf<InFlow>>,
        emit: &mut impl FnMut(&ScreenPair),
    ) {
        let xyz = &self.tables.xyz;
        batch.clear();
        batch.extend(chunk.iter().filter_map(|out| self.prepare(out)));
        let queries = batch.iter().map(|p| spatial::batch::Query {
            tree: p.out.material,
            xyz: xyz[p.out.facility as usize],
            reach_km: p.reach_km,
        });
        for run in spatial::batch::runs(queries, usize::MAX) {
            self.search_batch(&batch[run.start..run.end], run.spread_km, found, emit);
        }
    }

    /// One traversal of the material's tree for the whole batch (the largest reach plus the
    /// batch's spread around its first output), then each output's exact test of the inputs
    /// within its own reach.
    fn search_batch<'a>(
        &'a self,
        batch: &[Prepared<'_>],
        spread_km: f64,
        found: &mut Vec<&'a Leaf<InFlow>>,
        emit: &mut impl FnMut(&ScreenPair),
    ) {
        let t = &self.tables;
        let Some(tree) = &self.trees[batch[0].out.material as usize] else {
            return;
        };
        let largest = batch.iter().map(|p| p.reach_km).fold(0.0, f64::max);
        spatial::batch::walk(
            tree,
            &t.xyz[batch[0].out.facility as usize],
            largest,
            spread_km,
            found,
        );
        for p in batch {
            let o = p.out;
            let from_xyz = &t.xyz[o.facility as usize];
            let from = &t.points[o.facility as usize];
            for (leaf, d_sq) in spatial::batch::within(found, from_xyz, p.reach_km) {
                let i = &leaf.data;
                if i.facility == o.facility {
                    continue;
                }
                let demand = demand_side(i.price_per_unit);
                // The great-circle distance from the chord the filter computed anyway: one
                // arcsine instead of the haversine's two sines and an arcsine. It differs from
                // the haversine by rounding only (under 1e-11 km); a pair that close to its
                // break-even is decided by the haversine in the reference order.
                let mut distance_km = chord_sq_to_km(d_sq) * p.detour;
                let mut v = evaluate(&p.side, &demand, &p.rates, 0.0, distance_km);
                if (distance_km - v.break_even_km).abs() <= BOUNDARY_KM {
                    let to = &t.points[i.facility as usize];
                    distance_km = haversine_km(from, to) * p.detour;
                    v = evaluate(&p.side, &demand, &p.rates, 0.0, distance_km);
                }
                if v.is_viable() {
                    emit(&ScreenPair {
                        output_row: o.row,
                        input_row: i.row,
                        output_facility: o.facility,
                        input_facility: i.facility,
                        material: o.material,
                        distance_km,
                        break_even_km: v.break_even_km,
                        net_value_per_unit: v.net_value_per_unit,
                    });
                }
            }
        }
    }
}

impl Screen {
    /// The facility id (as in `facilities.csv`) of a facility index.
    pub fn facility_id(&self, facility: u32) -> &str {
        let [task, start, end] = self.tables.id_spans[facility as usize];
        &self.tables.id_text[task as usize][start as usize..end as usize]
    }
}

/// `materials.csv`: key, unit, transport, processing, detour. Rows the import would skip are
/// skipped with its message.
fn read_materials(
    path: &Path,
    report: &mut ImportReport,
) -> Result<Vec<ScreenMaterial>, ImportError> {
    // The import's reader gives the checks and messages; the screen keeps the numbers.
    let mut own = ImportReport::default();
    let materials = csv_import::read_materials(path, &mut own)?;
    report.problems.extend(own.problems);
    report.files.extend(own.files);
    Ok(materials
        .into_iter()
        .map(|m| ScreenMaterial {
            unit: m.unit,
            transport_cost_per_unit_km: m.transport_cost_per_unit_km,
            processing_cost_per_unit: m.processing_cost_per_unit.unwrap_or(0.0),
            detour_factor: m
                .detour_factor
                .unwrap_or(crate::model::Settings::default().detour_factor),
            key: m.key,
        })
        .collect())
}

/// A parsed row of `facilities.csv`: line (from its task's start), its id's span in the task's
/// kept text, its location.
struct FacilityRow {
    line: u64,
    id_start: u32,
    id_end: u32,
    point: SpherePoint,
}

/// `facilities.csv`: id, lat, lon, with the import's checks and messages. Returns each task's
/// rows with its kept text and first line.
fn read_facilities(
    t: &Table,
    len: u64,
    report: &mut ImportReport,
) -> Result<Vec<(Parsed<FacilityRow>, u64)>, ImportError> {
    let c_id = t.require("the facility id", csv_import::FACILITY_ID_COLUMNS)?;
    let c_lat = t.require("latitude", csv_import::LAT_COLUMNS)?;
    let c_lon = t.require("longitude", csv_import::LON_COLUMNS)?;
    let dc = t.decimal_comma;
    let parse =
        |_: usize, line: u64, cells: &[&str], problems: &mut Vec<RowProblem>, text: &mut String| {
            let id = cell(cells, Some(c_id));
            if id.is_empty() {
                let why = "no facility id; row skipped".to_owned();
                problems.push(problem(t, line, Some(c_id), why));
                return None;
            }
            let mut coord = |col: usize, range: f64, what: &str| -> Option<f64> {
                csv_import::coordinate(cell(cells, Some(col)), range, what, dc)
                    .map_err(|m| problems.push(problem(t, line, Some(col), m)))
                    .ok()
            };
            let lat = coord(c_lat, 90.0, "latitude")?;
            let lon = coord(c_lon, 180.0, "longitude")?;
            let id_start = text.len() as u32;
            text.push_str(id);
            Some(FacilityRow {
                line,
                id_start,
                id_end: text.len() as u32,
                point: SpherePoint::from_degrees(lat, lon),
            })
        };
    let tasks = parse_table(t, len, &parse)?;
    Ok(tasks
        .into_iter()
        .map(|(mut task, _, line)| {
            report.problems.append(&mut task.problems);
            (task, line)
        })
        .collect())
}

/// Facility ids to their index. Registers mostly number their sites: when every id is a
/// plain decimal number (no sign, no leading zero) and the numbers are not much sparser than
/// the sites, a table indexed by the number replaces hashing every id of `streams.csv`.
enum FacilityIndex<'a> {
    /// Index + 1 by id number; 0: no such facility.
    Numbered(Vec<u32>),
    Named(FxHashMap<&'a str, u32>),
}

/// The number a plain decimal id stands for, if it is one (below 10^9).
fn id_number(id: &str) -> Option<u32> {
    let b = id.as_bytes();
    let plain = !b.is_empty()
        && b.len() <= 9
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1);
    plain.then(|| b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

impl<'a> FacilityIndex<'a> {
    /// An empty index for `count` facilities with these `ids`.
    fn new(mut ids: impl Iterator<Item = &'a str>, count: usize) -> Self {
        let numbered = ids.try_fold(0u32, |max, id| id_number(id).map(|n| max.max(n)));
        match numbered {
            Some(max) if (max as usize) < 4 * count + 1024 => {
                FacilityIndex::Numbered(vec![0; max as usize + 1])
            }
            _ => {
                let mut map = FxHashMap::default();
                map.reserve(count);
                FacilityIndex::Named(map)
            }
        }
    }

    /// Adds `id` as facility `index`; false if the id is taken.
    fn insert(&mut self, id: &'a str, index: u32) -> bool {
        match self {
            FacilityIndex::Numbered(table) => {
                let slot = &mut table[id_number(id).unwrap_or_default() as usize];
                let free = *slot == 0;
                if free {
                    *slot = index + 1;
                }
                free
            }
            FacilityIndex::Named(map) => match map.entry(id) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(index);
                    true
                }
            },
        }
    }

    fn get(&self, id: &str) -> Option<u32> {
        match self {
            FacilityIndex::Numbered(table) => {
                let slot = *table.get(id_number(id)? as usize)?;
                slot.checked_sub(1)
            }
            FacilityIndex::Named(map) => map.get(id).copied(),
        }
    }
}

/// The facilities by id: the first row of each id is kept, a later one is reported and
/// skipped, and the file's summary is reported. Returns the index, each kept facility's id
/// span and location.
fn index_facilities<'a>(
    t: &Table,
    tasks: &'a [(Parsed<FacilityRow>, u64)],
    report: &mut ImportReport,
) -> (FacilityIndex<'a>, Vec<[u32; 3]>, Vec<SpherePoint>) {
    let total: usize = tasks.iter().map(|(task, _)| task.items.len()).sum();
    let ids = tasks.iter().flat_map(|(task, _)| {
        task.items
            .iter()
            .map(|f| &task.text[f.id_start as usize..f.id_end as usize])
    });
    let mut index = FacilityIndex::new(ids, total);
    let mut spans = Vec::with_capacity(total);
    let mut points = Vec::with_capacity(total);
    let c_id = t.column(csv_import::FACILITY_ID_COLUMNS);
    for (k, (task, first_line)) in tasks.iter().enumerate() {
        for f in &task.items {
            let id = &task.text[f.id_start as usize..f.id_end as usize];
            if !index.insert(id, points.len() as u32) {
                report.problems.push(problem(
                    t,
                    first_line + f.line,
                    c_id,
                    format!("duplicate facility id `{}`; row skipped", shown(id)),
                ));
                continue;
            }
            spans.push([k as u32, f.id_start, f.id_end]);
            points.push(f.point);
        }
    }
    report.files.push(FileSummary {
        file: t.path.clone(),
        rows: tasks.iter().map(|(task, _)| task.rows).sum(),
        kept: points.len(),
    });
    (index, spans, points)
}

/// `streams.csv`: facility, direction, material, quantity (checked as the import checks it),
/// unit, cost. Returns the screened rows of each parsing task (in file order) and the number
/// of data rows.
fn read_streams(
    t: &Table,
    len: u64,
    facilities: &FacilityIndex<'_>,
    material_index: &FxHashMap<&str, u32>,
    materials: &[ScreenMaterial],
    report: &mut ImportReport,
) -> Result<(Vec<Vec<StreamRow>>, usize), ImportError> {
    let c_fac = t.require("the facility id", csv_import::STREAM_FACILITY_COLUMNS)?;
    let c_dir = t.require(
        "the direction (output or input)",
        csv_import::DIRECTION_COLUMNS,
    )?;
    let c_mat = t.require("the material", csv_import::MATERIAL_COLUMNS)?;
    let (c_qty, qty_unit) = t.quantity_column()?;
    let c_unit = t.column(csv_import::UNIT_COLUMNS);
    let c_cost = t.column(csv_import::COST_COLUMNS);
    let dc = t.decimal_comma;
    let parse =
        |row: usize, line: u64, cells: &[&str], problems: &mut Vec<RowProblem>, _: &mut String| {
            let mut skip = |col: Option<usize>, message: String| {
                problems.push(problem(t, line, col, message));
                None
            };
            let key = cell(cells, Some(c_fac));
            let Some(facility) = facilities.get(key) else {
                return skip(
                    Some(c_fac),
                    format!("unknown facility `{}`; row skipped", shown(key)),
                );
            };
            let dir = cell(cells, Some(c_dir));
            let is_output = match dir {
                "output" => true,
                "input" => false,
                _ => match parse_direction(dir) {
                    Some(d) => d,
                    None => {
                        return skip(
                            Some(c_dir),
                            format!("`{}` is not output or input; row skipped", shown(dir)),
                        )
                    }
                },
            };
            let name = cell(cells, Some(c_mat));
            if name.is_empty() {
                return skip(Some(c_mat), "no material; row skipped".to_owned());
            }
            if let Err(m) = csv_import::quantity(cell(cells, Some(c_qty)), dc) {
                return skip(Some(c_qty), m);
            }
            let unit = match csv_import::stream_unit(qty_unit, cell(cells, c_unit)) {
                Ok(u) => u,
                Err(m) => return skip(c_unit, m),
            };
            let cost = match parse_number(cell(cells, c_cost), dc) {
                Ok(v) => v.unwrap_or(0.0),
                Err(m) => return skip(c_cost, format!("{m}; row skipped")),
            };
            let Some(&material) = material_index.get(name) else {
                return skip(
                    Some(c_mat),
                    format!(
                        "material `{}` is not in materials.csv; not screened",
                        shown(name)
                    ),
                );
            };
            let m = &materials[material as usize];
            if m.transport_cost_per_unit_km.is_none() {
                return skip(
                    Some(c_mat),
                    format!(
                        "materials.csv gives `{}` no transport cost; not screened",
                        shown(name)
                    ),
                );
            }
            if unit != m.unit {
                return skip(
                    c_unit.or(Some(c_qty)),
                    format!(
                        "quantity in {unit}, material `{}` in {}; not screened",
                        shown(name),
                        m.unit
                    ),
                );
            }
            Some(StreamRow {
                row: row as u32,
                facility,
                material,
                is_output,
                cost_per_unit: cost,
            })
        };
    let mut tasks = parse_table(t, len, &parse)?;
    let rows: usize = tasks.iter().map(|(task, ..)| task.rows).sum();
    let mut kept = 0;
    for (task, first_row, _) in &mut tasks {
        report.problems.append(&mut task.problems);
        for r in &mut task.items {
            r.row += *first_row as u32;
        }
        kept += task.items.len();
    }
    report.files.push(FileSummary {
        file: t.path.clone(),
        rows,
        kept,
    });
    Ok((
        tasks.into_iter().map(|(task, ..)| task.items).collect(),
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_decimal_ids_are_numbers() {
        assert_eq!(id_number("0"), Some(0));
        assert_eq!(id_number("4711"), Some(4711));
        assert_eq!(id_number("999999999"), Some(999_999_999));
        for not in ["", "007", "+7", "-7", "7a", " 7", "1000000000", "１"] {
            assert_eq!(id_number(not), None, "{not:?}");
        }
    }

    #[test]
    fn numbered_and_named_indexes_match_ids_as_text() {
        // Numbers only: a table; "07" is not the id "7".
        let ids = ["7", "3", "12"];
        let mut numbered = FacilityIndex::new(ids.iter().copied(), ids.len());
        assert!(matches!(numbered, FacilityIndex::Numbered(_)));
        for (i, id) in ids.iter().enumerate() {
            assert!(numbered.insert(id, i as u32));
        }
        assert!(!numbered.insert("3", 9), "a taken id");
        assert_eq!(numbered.get("12"), Some(2));
        assert_eq!(numbered.get("07"), None);
        assert_eq!(numbered.get("5"), None);
        assert_eq!(numbered.get("100000"), None);
        // One id that is not a plain number: a hash map, where "007" and "7" differ.
        let ids = ["7", "007"];
        let mut named = FacilityIndex::new(ids.iter().copied(), ids.len());
        assert!(matches!(named, FacilityIndex::Named(_)));
        assert!(named.insert("7", 0) && named.insert("007", 1));
        assert_eq!((named.get("7"), named.get("007")), (Some(0), Some(1)));
        // Numbers far sparser than the sites: a hash map, not a table of a billion slots.
        let ids = ["1", "999999999"];
        assert!(matches!(
            FacilityIndex::new(ids.iter().copied(), 2),
            FacilityIndex::Named(_)
        ));
    }
}
