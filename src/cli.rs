//! The command line: `symbiomap check | import | match | plan | whatif | screen | export |
//! bench | generate | upgrade`.
//! With no command, the binary opens the desktop app (see `main.rs`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::catalogue::MatchKind;
use crate::io::csv_import::{self, CsvSources, FlowRef};
use crate::io::{geojson, region_file};
use crate::matching::{Candidate, Engine, PairHit, SearchOptions, Totals};
use crate::model::Region;
use crate::screen::ScreenTables;
use crate::summary::{allocate_streamed, StreamLimits, Summary};

/// `println!` for the commands' output: when stdout is closed (`symbiomap match ... | head`)
/// the command ends quietly, as a program killed by `SIGPIPE` would, instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        if writeln!(out, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

#[derive(Parser, Debug)]
#[command(
    name = "symbiomap",
    version,
    about = "Plan industrial symbiosis: characterised waste streams, honest transport economics, partners on a map.",
    long_about = "Plan industrial symbiosis.\n\nWith no command, opens the desktop app (on REGION if given, else on the last region or a sample)."
)]
pub struct Cli {
    /// Region file to open in the desktop app.
    pub region: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate a region file and print what it holds.
    Check { region: PathBuf },
    /// Build a region file from CSV tables or `GeoJSON`.
    Import(ImportArgs),
    /// Find every viable exchange in a region and summarise it.
    Match(MatchArgs),
    /// The region's optimal plan: how much of each stream goes to each need so that the region
    /// gains the most (HiGHS), against the greedy pass, with each company's gain.
    Plan(PlanArgs),
    /// What if plants stop: the plan's exchanges lost, what the stores bridge, the backups that
    /// take over and each company's cost; with --rank, every facility of the plan by what
    /// depends on it and the region's resilience (T3); with --backups, every exchange's backups.
    Whatif(WhatifArgs),
    /// The projects: each supply agreement judged against its stream (how often a delivery
    /// would be off-spec, the shortfall, the penalties, each company's gain at the agreed
    /// price) and what is still missing before it can be signed.
    Projects(ProjectsArgs),
    /// Screen CSV tables region-wide without importing them: every pair of the same material
    /// within its break-even distance, fast enough for registers of a million sites.
    Screen(ScreenArgs),
    /// Write facilities (and candidate links) as `GeoJSON` for QGIS.
    Export(ExportArgs),
    /// The partner-search benchmark on a folder from bench-peers/gen.py: load, index, search,
    /// and print the pair count and checksum the peers print.
    Bench(BenchArgs),
    /// Write a large synthetic region for benchmarks, with catalogue materials.
    Generate(GenerateArgs),
    /// Read a region file of any version this build reads, migrate it and save it in the
    /// current version (with every field it does not know kept).
    Upgrade(UpgradeArgs),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A folder with facilities.csv (and streams.csv, materials.csv), a single CSV file of
    /// facilities, a register (Hotmaps, E-PRTR: file or folder), or a .geojson file.
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub tables: TableArgs,
    /// Which register INPUT is: `auto` (from its header), `none` (a plain facilities table),
    /// `hotmaps`, `eprtr-co2` or `eprtr-fi` (see docs/REGISTERS.md).
    #[arg(long, default_value = "auto", value_name = "REGISTER")]
    pub register: String,
    /// Region name (default: the input's name; with --merge, the region's own).
    #[arg(long)]
    pub name: Option<String>,
    /// Merge into this region file instead of making a new region: its facilities, settings,
    /// proposals and projects are kept, the import's facilities added; an id the region
    /// already has is reported and the import's skipped.
    #[arg(long, value_name = "REGION")]
    pub merge: Option<PathBuf>,
    /// Region file to write (may be the --merge file itself).
    #[arg(short, long)]
    pub output: PathBuf,
}

/// CSV tables given one by one (each overrides the folder's).
#[derive(Args, Debug, Default)]
pub struct TableArgs {
    #[arg(long)]
    pub facilities: Option<PathBuf>,
    #[arg(long)]
    pub streams: Option<PathBuf>,
    #[arg(long)]
    pub materials: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ScreenArgs {
    /// A folder with facilities.csv, streams.csv and materials.csv.
    pub folder: Option<PathBuf>,
    #[command(flatten)]
    pub tables: TableArgs,
    /// Write every pair to this CSV file (rows of streams.csv, facility ids, distance,
    /// break-even, net value per unit), sorted by output row.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// How many of the best pairs to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Args, Debug)]
pub struct MatchArgs {
    pub region: PathBuf,
    /// Write one row per candidate to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Print the summary and candidates as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also list near misses (up to 1.25 x break-even) and candidates failing a specification.
    #[arg(long)]
    pub all: bool,
    /// How many candidates to print (the CSV gets them all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Also write and print the money of exchanges with a confidential facility (break-even,
    /// net value, value per year, outlet cost, prices, gains); by default they are left out.
    #[arg(long)]
    pub include_confidential: bool,
}

// Command-line switches are independent yes/no flags by nature.
#[allow(clippy::struct_excessive_bools)]
#[derive(Args, Debug)]
pub struct PlanArgs {
    pub region: PathBuf,
    /// Candidate hub sites (and hub types of their own) to pool small flows through, as JSON
    /// (`docs/PLAN.md`); the region's own hub sites and host facilities are always candidates.
    #[arg(long)]
    pub hubs: Option<PathBuf>,
    /// Also propose this many candidate hub sites at the centres of the densest clusters of
    /// small senders (streams under 5 000 t a year).
    #[arg(long, default_value_t = 0)]
    pub propose_hubs: usize,
    /// The hub type of the proposed sites.
    #[arg(long, default_value = "transfer_station")]
    pub hub_type: String,
    /// Carbon price, per tonne of CO2 (default: the region's setting).
    #[arg(long)]
    pub carbon_price: Option<f64>,
    /// A yearly cost every exchange carries (contracting, set-up, quality agreements): makes
    /// each exchange all or nothing.
    #[arg(long, default_value_t = 0.0)]
    pub exchange_cost: f64,
    /// Keep an exchange that already operates: `STREAM_ID:NEED_ID`, or `STREAM_ID:NEED_ID=QTY` for
    /// at least QTY source units a year. Repeatable.
    #[arg(long, value_name = "STREAM:NEED[=QTY]")]
    pub lock: Vec<String>,
    /// Two facilities that will not trade with each other: `FACILITY_ID:FACILITY_ID`. Repeatable.
    #[arg(long, value_name = "FACILITY:FACILITY")]
    pub exclude: Vec<String>,
    /// A facility that must take part in at least one exchange. Repeatable.
    #[arg(long, value_name = "FACILITY")]
    pub require: Vec<String>,
    /// Seconds for the whole plan (search, generated columns and solve): stop with the best
    /// plan found by then and its bound. What each open hub earns is solved afterwards, each
    /// within the limit again.
    #[arg(long, default_value_t = 300.0)]
    pub time_limit: f64,
    /// Stop a mixed-integer solve within this relative gap of the bound.
    #[arg(long, default_value_t = 1e-4)]
    pub gap: f64,
    /// Print the plan as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write one row per planned exchange to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// How many exchanges and companies to print (the CSV and JSON get them all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Hold at most this many candidates in memory (default: about 2 GB of them); beyond,
    /// the plan generates the columns that matter and bounds itself by the relaxation over
    /// every candidate (`docs/PLAN.md`).
    #[arg(long)]
    pub hold: Option<usize>,
    /// No progress on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// Show the solver's own log on standard error (on by itself for large programs).
    #[arg(long)]
    pub solver_log: bool,
    /// Solve the linear relaxation only (a bound; all-or-nothing exchanges may come out
    /// fractional, so the checker is not run).
    #[arg(long)]
    pub relax: bool,
    /// HiGHS's solver for the linear program: simplex, ipm, pdlp or choose.
    #[arg(long)]
    pub lp_solver: Option<String>,
    /// Also write and print the money of exchanges with a confidential facility (value,
    /// prices, gains, and the gains of the companies that trade with one); by default they
    /// are left out.
    #[arg(long)]
    pub include_confidential: bool,
}

// Command-line switches are independent yes/no flags by nature.
#[allow(clippy::struct_excessive_bools)]
#[derive(Args, Debug)]
pub struct WhatifArgs {
    pub region: PathBuf,
    /// Facilities that stop, by id: `FACILITY[,FACILITY...]` (repeatable).
    #[arg(long, value_delimiter = ',', value_name = "FACILITY[,..]")]
    pub stop: Vec<String>,
    /// For this many weeks (default: for good, and the plan is solved again without them).
    #[arg(long)]
    pub weeks: Option<f64>,
    /// Rank every facility of the plan by the share of its exchanged value and tonnes that
    /// depends on it, and print the region's resilience (T3, `docs/RESILIENCE.md`).
    #[arg(long)]
    pub rank: bool,
    /// List every exchange's backup suppliers and outlets, and the cost of falling back.
    #[arg(long)]
    pub backups: bool,
    /// Carbon price, per tonne of CO2 (default: the region's setting).
    #[arg(long)]
    pub carbon_price: Option<f64>,
    /// Cycle service level the stores are sized for, % (default: the region's setting, else
    /// 95; 99 for a receiver whose process cannot stop).
    #[arg(long, value_name = "PCT")]
    pub service_level: Option<f64>,
    /// A yearly cost every exchange carries (as for `plan`).
    #[arg(long, default_value_t = 0.0)]
    pub exchange_cost: f64,
    /// Seconds for the plan (and again for each solve after a stop).
    #[arg(long, default_value_t = 300.0)]
    pub time_limit: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many rows of each list to print (JSON gets them all).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// No progress on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// Keep the money of exchanges with a confidential company (values lost, each company's
    /// cost, backups' values); by default they are left out.
    #[arg(long)]
    pub include_confidential: bool,
}

#[derive(Args, Debug)]
pub struct ProjectsArgs {
    pub region: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write one row per project to this CSV file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Keep the money of projects with a confidential company (price, penalties, gains); by
    /// default they are left out.
    #[arg(long)]
    pub include_confidential: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    pub region: PathBuf,
    /// `GeoJSON` file for the facilities (points).
    #[arg(short, long)]
    pub output: PathBuf,
    /// `GeoJSON` file for the viable candidate links (lines).
    #[arg(long)]
    pub links: Option<PathBuf>,
    /// Leave out confidential facilities and their links.
    #[arg(long, conflicts_with = "include_confidential")]
    pub omit_confidential: bool,
    /// Keep the money of links that touch a confidential facility (break-even, net value,
    /// value per year); by default they are null.
    #[arg(long)]
    pub include_confidential: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A folder written by bench-peers/gen.py.
    pub folder: PathBuf,
    /// Also write the sorted pairs in the peers' CSV format (not timed).
    #[arg(long)]
    pub pairs_csv: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Time the full import into the region model and the matching engine instead of the
    /// screen.
    #[arg(long)]
    pub engine: bool,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    #[arg(long)]
    pub facilities: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct UpgradeArgs {
    /// Region file to read (any `format_version` up to this build's).
    pub region: PathBuf,
    /// Region file to write (may be the same file: the save is atomic).
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Runs a command; the caller prints the error.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Check { region } => check(&region),
        Command::Import(args) => import(&args),
        Command::Match(args) => run_match(&args),
        Command::Plan(args) => plan(&args),
        Command::Whatif(args) => whatif(&args),
        Command::Projects(args) => projects(&args),
        Command::Screen(args) => screen(&args),
        Command::Export(args) => export(&args),
        Command::Bench(args) => bench(&args),
        Command::Generate(args) => generate(&args),
        Command::Upgrade(args) => upgrade(&args),
    }
}

fn load(path: &Path) -> Result<Region> {
    Ok(region_file::load(path)?)
}

fn check(path: &Path) -> Result<()> {
    let region = load(path)?;
    let engine = Engine::new(&region)?;
    let (outputs, needs) = region.stream_counts();
    outln!(
        "{}: valid region file (format {})",
        path.display(),
        region.format_version
    );
    outln!("  name        {}", region.name);
    outln!("  facilities  {}", region.facilities.len());
    outln!("  outputs     {outputs}");
    outln!("  needs       {needs}");
    if !region.proposals.is_empty() || !region.projects.is_empty() {
        outln!(
            "  pipeline    {} proposals, {} projects",
            region.proposals.len(),
            region.projects.len()
        );
    }
    outln!(
        "  catalogue   {} materials, {} rules{}",
        engine.catalogue.materials.len(),
        engine.catalogue.rules.len(),
        if region.catalogue.builtin_rules {
            ""
        } else {
            " (region's own only)"
        }
    );
    let warnings = crate::checks::outlet_warnings(&region, &engine.catalogue);
    if !warnings.is_empty() {
        outln!(
            "  {} warning{}:",
            warnings.len(),
            if warnings.len() == 1 { "" } else { "s" }
        );
        for w in &warnings {
            outln!("    {w}");
        }
    }
    if engine.issues.is_empty() {
        outln!("  every stream and need can be searched");
    } else {
        outln!("  {} left out of the search:", engine.issues.len());
        for issue in &engine.issues {
            let f = &region.facilities[issue.facility as usize];
            outln!("    {} ({}): {}", f.name, f.id, issue.message);
        }
    }
    Ok(())
}

/// The CSV files of a folder, overridden one by one.
fn csv_sources(folder: Option<&Path>, tables: &TableArgs, or_else: &str) -> Result<CsvSources> {
    let is_csv = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut sources = match folder {
        Some(dir) if dir.is_dir() => CsvSources::folder(dir),
        Some(file) if is_csv(file) && file.is_file() => CsvSources::for_path(file),
        Some(other) if !other.exists() => bail!("{}: no such file or folder", other.display()),
        Some(other) => bail!("{}: not a folder, a CSV file or {or_else}", other.display()),
        None => CsvSources::default(),
    };
    if let Some(f) = &tables.facilities {
        sources.facilities.clone_from(f);
    }
    if tables.streams.is_some() {
        sources.streams.clone_from(&tables.streams);
    }
    if tables.materials.is_some() {
        sources.materials.clone_from(&tables.materials);
    }
    if sources.facilities.as_os_str().is_empty() {
        bail!("give a folder with facilities.csv, {or_else}, or --facilities");
    }
    Ok(sources)
}

fn import(args: &ImportArgs) -> Result<()> {
    let is_geojson = args
        .input
        .as_ref()
        .and_then(|p| p.extension())
        .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
    let default_name = args
        .input
        .as_ref()
        .or(args.tables.facilities.as_ref())
        .and_then(|p| p.file_stem())
        .map_or_else(
            || "Imported region".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
    let name = args.name.clone().unwrap_or(default_name);
    let register = register_of(args)?;
    let (mut region, report) = if let (Some(register), Some(path)) = (register, &args.input) {
        let imported = crate::io::registers::import(path, register, &name)?;
        (imported.region, imported.report)
    } else if is_geojson {
        let path = args.input.as_ref().context("no input")?;
        geojson::import(path, &name)?
    } else {
        let sources = csv_sources(args.input.as_deref(), &args.tables, "a .geojson file")?;
        let imported = csv_import::import(&sources, &name)?;
        (imported.region, imported.report)
    };
    let mut report = report;
    if let (true, Some(m)) = (is_geojson, &args.tables.materials) {
        region.catalogue.materials = csv_import::read_materials(m, &mut report)?;
        region.catalogue.builtin_rules = false;
    }
    eprint!("{report}");
    let mut problems = report.problems.len();
    let mut merged = None;
    if let Some(path) = &args.merge {
        let mut into = load(path)?;
        if let Some(name) = &args.name {
            into.name.clone_from(name);
        }
        let m = crate::io::merge::merge(&mut into, region);
        eprint!("{}: {m}", path.display());
        problems += m.collisions.len();
        merged = Some(m);
        region = into;
    }
    let (outputs, needs) = region.stream_counts();
    region_file::save(&region, &args.output)?;
    outln!(
        "{}: {} facilities, {outputs} outputs, {needs} needs{}{}",
        args.output.display(),
        region.facilities.len(),
        merged.as_ref().map_or(String::new(), |m| format!(
            " ({} facilities added{})",
            m.added,
            if m.collisions.is_empty() {
                String::new()
            } else {
                format!(", {} id collisions", m.collisions.len())
            }
        )),
        if problems == 0 {
            String::new()
        } else {
            format!("; {problems} problems reported above")
        }
    );
    Ok(())
}

/// The register `import` reads its input as: the one named, or the one its header shows
/// (`None`: a plain table, `GeoJSON`, or tables given one by one).
fn register_of(args: &ImportArgs) -> Result<Option<crate::io::registers::Register>> {
    use crate::io::registers::{self, Register};
    let choice = args.register.trim().to_ascii_lowercase();
    let Some(path) = &args.input else {
        if choice == "auto" || choice == "none" {
            return Ok(None);
        }
        bail!("--register {choice} needs the register's file or folder as INPUT");
    };
    match choice.as_str() {
        "none" => Ok(None),
        "auto" => {
            let plain_tables = args.tables.facilities.is_some()
                || args.tables.streams.is_some()
                || (path.is_dir() && path.join("facilities.csv").exists())
                || path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json")
                });
            if plain_tables || !path.exists() {
                return Ok(None);
            }
            Ok(registers::detect(path)?)
        }
        other => Register::parse(other).map(Some).with_context(|| {
            format!(
                "--register {other}: expected auto, none, {}",
                Register::ALL.map(Register::key).join(", ")
            )
        }),
    }
}

fn run_match(args: &MatchArgs) -> Result<()> {
    let region = load(&args.region)?;
    let started = Instant::now();
    let engine = Engine::new(&region)?;
    let options = SearchOptions {
        reach_factor: if args.all { 1.25 } else { 1.0 },
        include_failed: args.all,
    };
    // Every candidate the greedy pass could take is held while they fit in about 2 GB;
    // beyond, the pass runs in bands of value of that size (see `allocate_streamed`).
    let limits = StreamLimits::within_bytes(2 << 30, args.top);
    let mut progress = |line: &str| eprintln!("{line}");
    let streamed = match &args.csv {
        None => allocate_streamed(&engine, &region, &options, limits, |_| {}, &mut progress),
        Some(path) => {
            let mut streamed = None;
            let mut rows = 0;
            crate::io::atomic::write_atomic_with(path, |w| {
                // Small: the rows come in large buffers, written through.
                let mut out = std::io::BufWriter::with_capacity(64 << 10, w);
                out.write_all(&crate::io::candidates_csv::header_bytes()?)?;
                let mut failed = None;
                let s = allocate_streamed(
                    &engine,
                    &region,
                    &options,
                    limits,
                    |chunk| {
                        if failed.is_none() {
                            match crate::io::candidates_csv::write_rows(
                                &mut out,
                                &engine,
                                &region,
                                chunk,
                                args.include_confidential,
                            ) {
                                Ok(n) => rows += n,
                                Err(e) => failed = Some(e),
                            }
                        }
                    },
                    &mut progress,
                );
                if let Some(e) = failed {
                    return Err(e);
                }
                streamed = Some(s);
                out.flush()
            })
            .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!("wrote {rows} rows to {}", path.display());
            streamed.expect("written")
        }
    };
    let summary = &streamed.summary;
    eprintln!(
        "searched {} outputs against {} needs: {} candidates in {:.2} s ({} pass{} over them, greedy pass on at most {} held at once)",
        engine.supplies.len(),
        engine.demands.len(),
        summary.viable + summary.near_or_failed,
        started.elapsed().as_secs_f64(),
        streamed.passes,
        if streamed.passes == 1 { "" } else { "es" },
        streamed.kept,
    );
    // Only what is printed is explained.
    let top: Vec<Candidate> = streamed
        .top
        .iter()
        .filter_map(|c| engine.explain(&region, &c.hit))
        .collect();
    if args.json {
        let json = crate::summary::to_json(&region, summary, &top, args.include_confidential);
        outln!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!(
            "{}",
            render_summary(&region, summary, &top, args.include_confidential)
        );
    }
    for issue in &engine.issues {
        let f = &region.facilities[issue.facility as usize];
        eprintln!("left out: {} ({}): {}", f.name, f.id, issue.message);
    }
    Ok(())
}

/// `--time-limit`: a number of seconds above 0.
fn time_limit_s(seconds: f64) -> Result<f64> {
    if !(seconds > 0.0 && seconds.is_finite()) {
        bail!("--time-limit {seconds}: expected a number of seconds above 0");
    }
    Ok(seconds)
}

fn plan_options(args: &PlanArgs) -> Result<crate::plan::PlanOptions> {
    let mut options = crate::plan::PlanOptions {
        exchange_cost_per_yr: args.exchange_cost,
        time_limit_s: Some(time_limit_s(args.time_limit)?),
        mip_rel_gap: Some(args.gap),
        progress: !args.quiet,
        solver_log_min_columns: if args.solver_log { 0 } else { 100_000 },
        relax: args.relax,
        lp_solver: args.lp_solver.clone(),
        require: args.require.clone(),
        ..Default::default()
    };
    for lock in &args.lock {
        let (pair, qty) = match lock.split_once('=') {
            Some((pair, q)) => {
                let q: f64 = q.trim().parse().with_context(|| {
                    format!("--lock {lock}: `{q}` is not a number of source units a year")
                })?;
                (pair, Some(q))
            }
            None => (lock.as_str(), None),
        };
        let Some((stream, need)) = pair.split_once(':') else {
            bail!("--lock {lock}: expected STREAM_ID:NEED_ID[=QTY]");
        };
        options.locks.push(crate::plan::Lock {
            stream_id: stream.trim().to_owned(),
            need_id: need.trim().to_owned(),
            source_units_per_yr: qty,
        });
    }
    for pair in &args.exclude {
        let Some((a, b)) = pair.split_once(':') else {
            bail!("--exclude {pair}: expected FACILITY_ID:FACILITY_ID");
        };
        options
            .exclude
            .push((a.trim().to_owned(), b.trim().to_owned()));
    }
    Ok(options)
}

fn plan(args: &PlanArgs) -> Result<()> {
    let mut region = load(&args.region)?;
    if let Some(p) = args.carbon_price {
        region.settings.carbon_price_per_t_co2 = p;
    }
    let options = plan_options(args)?;
    let engine = Engine::new(&region)?;
    let extra = match &args.hubs {
        None => crate::hubs::HubsFile::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let mut de = serde_json::Deserializer::from_str(&text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let inner = e.inner();
                anyhow::anyhow!(
                    "{}: line {}, column {}: {}: {inner}",
                    path.display(),
                    inner.line(),
                    inner.column(),
                    e.path()
                )
            })?
        }
    };
    let mut extra = extra;
    extra.sites.extend(crate::hubs::propose(
        &region,
        args.propose_hubs,
        &args.hub_type,
        5_000.0,
    ));
    let hubs = crate::hubs::resolve(&region, &extra)?;
    let quiet = args.quiet;
    let mut progress = |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let mut limits = crate::plan::PlanLimits::default();
    if let Some(hold) = args.hold {
        limits.hold = hold;
    }
    let outcome =
        crate::plan::plan_region_with(&engine, &region, &hubs, &options, limits, &mut progress)
            .with_context(|| format!("{}: no plan", args.region.display()))?;
    let broken = crate::plan::violations(&outcome.problem, &outcome.solution.x);
    if !args.relax && !broken.is_empty() {
        bail!(
            "the solver's plan breaks {} constraints (first: {})",
            broken.len(),
            broken[0]
        );
    }
    if let Some(path) = &args.csv {
        write_plan_csv(path, &engine, &region, &outcome, args.include_confidential)?;
        eprintln!(
            "wrote {} exchanges to {}",
            outcome.report.exchanges.len(),
            path.display()
        );
    }
    if args.json {
        let json = crate::plan::to_json(&engine, &region, &outcome, args.include_confidential);
        outln!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!(
            "{}",
            render_plan(
                &engine,
                &region,
                &outcome,
                args.top,
                args.include_confidential
            )
        );
    }
    Ok(())
}

fn whatif(args: &WhatifArgs) -> Result<()> {
    use crate::resilience::{backups, criticality, to_json, what_if, Stop};
    let mut region = load(&args.region)?;
    if let Some(p) = args.carbon_price {
        region.settings.carbon_price_per_t_co2 = p;
    }
    if let Some(p) = args.service_level {
        if !(p.is_finite() && (50.0..=99.99).contains(&p)) {
            bail!("--service-level must be between 50 and 99.99 %, found {p}");
        }
        region.settings.service_level_pct = Some(p);
    }
    if args.stop.is_empty() && !args.rank && !args.backups {
        bail!(
            "whatif: nothing to do: give --stop FACILITY[,..] (and --weeks N), --rank or --backups"
        );
    }
    if args.weeks.is_some() && args.stop.is_empty() {
        bail!("whatif: --weeks needs --stop FACILITY[,..]");
    }
    // The facilities first: an unknown id is reported before anything is solved.
    let stop = if args.stop.is_empty() {
        None
    } else {
        Some(
            Stop::by_ids(&region, &args.stop, args.weeks)
                .with_context(|| format!("--stop: {}", args.region.display()))?,
        )
    };
    let options = crate::plan::PlanOptions {
        exchange_cost_per_yr: args.exchange_cost,
        time_limit_s: Some(time_limit_s(args.time_limit)?),
        progress: !args.quiet,
        solver_log_min_columns: 100_000,
        ..Default::default()
    };
    let engine = Engine::new(&region)?;
    let hubs = crate::hubs::resolve(&region, &crate::hubs::HubsFile::default())?;
    let quiet = args.quiet;
    let mut progress = |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let outcome = crate::plan::plan_region(&engine, &region, &hubs, &options, &mut progress)
        .with_context(|| format!("{}: no plan", args.region.display()))?;
    let mut scenario = match &stop {
        Some(stop) => Some(what_if(
            &engine,
            &region,
            &outcome,
            stop,
            &options,
            crate::buffer::Simulation::default(),
            &mut progress,
        )?),
        None => None,
    };
    let mut ranking = args.rank.then(|| {
        progress("critical actors: each facility of the plan stopped in turn");
        criticality(&engine, &outcome, &mut progress)
    });
    let mut backup_list = args.backups.then(|| backups(&engine, &region, &outcome));
    if !args.include_confidential {
        crate::resilience::withhold(
            &region,
            &outcome,
            scenario.as_mut(),
            ranking.as_mut(),
            backup_list.as_deref_mut(),
        );
    }
    if args.json {
        let json = to_json(
            &engine,
            &region,
            &outcome,
            scenario.as_ref(),
            ranking.as_ref(),
            backup_list.as_deref(),
        );
        outln!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!(
            "{}",
            render_whatif(
                &engine,
                &region,
                &outcome,
                scenario.as_ref(),
                ranking.as_ref(),
                backup_list.as_deref(),
                args.top,
            )
        );
    }
    Ok(())
}

/// The text of `symbiomap whatif`.
pub fn render_whatif(
    engine: &Engine,
    region: &Region,
    outcome: &crate::plan::Outcome,
    scenario: Option<&crate::resilience::WhatIf>,
    ranking: Option<&crate::resilience::Criticality>,
    backups: Option<&[crate::resilience::ExchangeBackups]>,
    top: usize,
) -> String {
    use crate::resilience::Side;
    let cur = &region.currency;
    let fac = |i: usize| &region.facilities[i];
    let exchange_name = |e: &crate::plan::PlannedExchange| {
        let from = fac(e.from_facility);
        let to = fac(e.to_facility);
        format!(
            "{} -> {} ({} -> {})",
            from.name, to.name, from.outputs[e.stream].material, to.needs[e.need].material
        )
    };
    let column_partner = |col: usize, side: Side| {
        let c = &outcome.problem.columns[col];
        let cand = &outcome.candidates[c.candidate];
        if side == Side::Outlet {
            let d = &engine.demands[cand.hit.demand as usize];
            let f = fac(d.facility as usize);
            format!("{} ({})", f.name, f.needs[d.need as usize].material)
        } else {
            let sp = &engine.supplies[cand.hit.supply as usize];
            let f = fac(sp.facility as usize);
            format!("{} ({})", f.name, f.outputs[sp.stream as usize].material)
        }
    };
    let mut s = String::new();
    let r = &outcome.report;
    let _ = writeln!(s, "Region: {}", region.name);
    let _ = writeln!(
        s,
        "Plan: {}, {} exchanges, value {} {cur}/yr, {:.0} t/yr exchanged",
        outcome.solution.status,
        r.exchanges.len(),
        thousands(outcome.solution.objective),
        r.exchanged_t_per_yr
    );
    if let Some(w) = scenario {
        let names: Vec<String> = w
            .stop
            .facilities
            .iter()
            .map(|&f| format!("{} ({})", fac(f).name, fac(f).id))
            .collect();
        let period = match w.stop.weeks {
            Some(n) => format!("for {n} weeks ({:.0} days)", w.days),
            None => "for good (figures a year)".to_owned(),
        };
        let _ = writeln!(s, "\nStop: {} {period}", names.join(", "));
        let _ = writeln!(
            s,
            "  {} exchanges lost: {:.0} t not delivered, value {} {cur} lost{}",
            w.lost.len(),
            w.tonnes_not_delivered,
            money(w.value_lost),
            if w.stop.weeks.is_some() {
                format!(
                    "; stores bridge {:.0} t (to be made up after the restart), backups replace {:.0} t",
                    w.tonnes_covered, w.tonnes_replaced
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            s,
            "  T3: gross loss {:.1} % of the plan's value ({:.1} % of its tonnes), {:.1} % ({:.1} %) after backups' spare capacity",
            100.0 * w.loss.gross_value_share,
            100.0 * w.loss.gross_tonnes_share,
            100.0 * w.loss.residual_value_share,
            100.0 * w.loss.residual_tonnes_share
        );
        for l in w.lost.iter().take(top) {
            let e = &r.exchanges[l.exchange];
            let from = fac(e.from_facility);
            let unit = from.outputs[e.stream].unit.symbol();
            let need_unit = fac(e.to_facility).needs[e.need].unit.symbol();
            let _ = writeln!(
                s,
                "\n  {}\n    {} {unit} not delivered ({:.0} t), value {} {cur}",
                exchange_name(e),
                thousands(l.source_units),
                l.tonnes,
                money(l.value)
            );
            match &l.buffer {
                Some(Ok(b)) => {
                    let what = match l.side {
                        Side::Outlet => "its free room takes the sender's deliveries for",
                        _ => "its stock carries the receiver for",
                    };
                    let _ = writeln!(
                        s,
                        "    store: {} of {:.0} t ({:.1} days of cover when full); {what} {:.1} of {:.0} days ({:.0} t){}",
                        b.sizing.storage_kind,
                        b.sizing.capacity_t,
                        b.sizing.days_of_cover,
                        b.covered_days,
                        w.days,
                        l.covered_tonnes,
                        if b.short_days > 0.0 {
                            format!(
                                "; the receiver runs short {:.1} days before its usual supply can arrive",
                                b.short_days
                            )
                        } else {
                            String::new()
                        }
                    );
                }
                Some(Err(why)) => {
                    let _ = writeln!(s, "    no store: {why}");
                }
                None => {}
            }
            let takers: Vec<String> = w
                .takeovers
                .iter()
                .filter(|t| {
                    r.exchanges.get(l.exchange).is_some()
                        && outcome.problem.columns[t.lost_column].candidate == e.candidate
                })
                .map(|t| {
                    format!(
                        "{} {:.0}/yr",
                        column_partner(t.backup_column, l.side),
                        t.replaced_per_yr
                    )
                })
                .collect();
            match l.side {
                Side::Supplier => {
                    let _ = writeln!(
                        s,
                        "    the receiver needs another supply: backups replace {:.0} % ({}{}); {} {need_unit} bought as today, {} {cur}",
                        100.0 * l.replaced_share,
                        thousands(l.replaced),
                        if takers.is_empty() { String::new() } else { format!(" {need_unit}: {}", takers.join(", ")) },
                        thousands(l.fallback_units),
                        money(l.fallback_cost)
                    );
                }
                Side::Outlet => {
                    let _ = writeln!(
                        s,
                        "    the sender needs another outlet: backups take {:.0} % ({}{}); {} {unit} to today's outlet, {} {cur}{}",
                        100.0 * l.replaced_share,
                        thousands(l.replaced),
                        if takers.is_empty() { String::new() } else { format!(" {unit}: {}", takers.join(", ")) },
                        thousands(l.fallback_units),
                        money(l.fallback_cost),
                        if l.fallback_cost < 0.0 { " (negative: it sells the stream today)" } else { "" }
                    );
                }
                Side::None => {
                    let _ = writeln!(s, "    both companies stopped: nothing to replace");
                }
            }
        }
        if let Some(rp) = &w.replan {
            let _ = writeln!(
                s,
                "\n  Plan solved again without them: {}, value {} ({} exchanges); {} exchanges carry more:",
                rp.solution.status,
                if rp.solution.objective.is_nan() {
                    "confidential".to_owned()
                } else {
                    format!("{} {cur}/yr", thousands(rp.solution.objective))
                },
                rp.report.exchanges.len(),
                rp.increased.len()
            );
            for &(col, before, after) in rp.increased.iter().take(top) {
                let c = &outcome.problem.columns[col];
                let cand = &outcome.candidates[c.candidate];
                let sp = &engine.supplies[cand.hit.supply as usize];
                let d = &engine.demands[cand.hit.demand as usize];
                let from = fac(sp.facility as usize);
                let to = fac(d.facility as usize);
                let _ = writeln!(
                    s,
                    "    {} -> {} ({} -> {}): {} -> {} {}/yr",
                    from.name,
                    to.name,
                    from.outputs[sp.stream as usize].material,
                    to.needs[d.need as usize].material,
                    thousands(before),
                    thousands(after),
                    from.outputs[sp.stream as usize].unit.symbol()
                );
            }
        }
        let _ = writeln!(
            s,
            "\n  Cost to each company ({cur}, over the stop; negative: it gains):"
        );
        for c in w.companies.iter().take(top) {
            let _ = writeln!(
                s,
                "    {:<34} {:>12}  (gain lost {}, from backups {}){}",
                clip(&fac(c.facility).name, 34),
                money(c.cost),
                money(c.lost_gain),
                money(c.backup_gain),
                if c.stopped { "  stopped" } else { "" }
            );
        }
    }
    if let Some(k) = ranking {
        let _ = writeln!(
            s,
            "\nCritical actors ({} of {} facilities of the plan; T3: share of the plan lost if it stops for good, gross and after backups' spare capacity):",
            top.min(k.actors.len()),
            k.actors.len()
        );
        let _ = writeln!(
            s,
            "  {:<34} {:>9} {:>14} {:>9} {:>9} {:>12} {:>9} {:>9}",
            "facility", "exchanges", "value/yr", "L value", "RL value", "t/yr", "L t", "RL t"
        );
        for a in k.actors.iter().take(top) {
            let _ = writeln!(
                s,
                "  {:<34} {:>9} {:>14} {:>8.1}% {:>8.1}% {:>12.0} {:>8.1}% {:>8.1}%",
                clip(
                    &format!("{} ({})", fac(a.facility).name, fac(a.facility).id),
                    34
                ),
                a.loss.exchanges,
                money(a.loss.value_per_yr),
                100.0 * a.loss.gross_value_share,
                100.0 * a.loss.residual_value_share,
                a.loss.tonnes_per_yr,
                100.0 * a.loss.gross_tonnes_share,
                100.0 * a.loss.residual_tonnes_share,
            );
        }
        let _ = writeln!(
            s,
            "  Resilience: R_net {:.3}, R_avg {:.3} by value; R_net {:.3}, R_avg {:.3} by tonnes",
            k.r_net_value, k.r_avg_value, k.r_net_tonnes, k.r_avg_tonnes
        );
        let weak: Vec<&crate::resilience::NeedRedundancy> =
            k.redundancy.iter().filter(|n| n.share < 0.5).collect();
        let _ = writeln!(
            s,
            "  Needs with a backup for their secondary supply: {} of {} fully, {} below half",
            k.redundancy
                .iter()
                .filter(|n| n.share >= 1.0 - 1e-9)
                .count(),
            k.redundancy.len(),
            weak.len()
        );
        for n in weak.iter().take(top) {
            let f = fac(n.facility);
            let _ = writeln!(
                s,
                "    {:<34} {:<24} {:>5.1} % of {} {}/yr backed up",
                clip(&f.name, 34),
                clip(&f.needs[n.need].material, 24),
                100.0 * n.share,
                thousands(n.secondary_need_units_per_yr),
                f.needs[n.need].unit.symbol()
            );
        }
    }
    if let Some(list) = backups {
        let _ = writeln!(
            s,
            "\nBackups ({} of {} exchanges):",
            top.min(list.len()),
            list.len()
        );
        for b in list.iter().take(top) {
            let c = &outcome.problem.columns[b.column];
            let cand = &outcome.candidates[c.candidate];
            let sp = &engine.supplies[cand.hit.supply as usize];
            let d = &engine.demands[cand.hit.demand as usize];
            let from = fac(sp.facility as usize);
            let to = fac(d.facility as usize);
            let unit = from.outputs[sp.stream as usize].unit.symbol();
            let need_unit = to.needs[d.need as usize].unit.symbol();
            let _ = writeln!(
                s,
                "\n  {} -> {} ({} -> {}), {} {unit}/yr{}",
                from.name,
                to.name,
                from.outputs[sp.stream as usize].material,
                to.needs[d.need as usize].material,
                thousands(b.source_units_per_yr),
                match (b.exchange, b.project) {
                    (Some(_), Some(p)) => format!(", project {}", region.projects[p].name),
                    (None, Some(p)) =>
                        format!(", project {} (not in the plan)", region.projects[p].name),
                    _ => String::new(),
                }
            );
            // The best three backups: each with its value per unit and its spare a year.
            let best = |backups: &[crate::resilience::Backup],
                        value: fn(&crate::resilience::Backup) -> f64,
                        unit: &str| {
                if backups.is_empty() {
                    return "none".to_owned();
                }
                backups
                    .iter()
                    .take(3)
                    .map(|x| {
                        format!(
                            "{} ({} {cur}/{unit}, spare {} {unit}/yr)",
                            fac(x.facility).name,
                            per_unit(value(x)),
                            thousands(x.spare_per_yr)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let _ = writeln!(
                s,
                "    suppliers could replace {:.0} %: {}",
                100.0 * b.supplier_cover,
                best(&b.suppliers, |x| x.value_per_need_unit, need_unit)
            );
            let _ = writeln!(
                s,
                "    outlets could take {:.0} %: {}",
                100.0 * b.outlet_cover,
                best(&b.outlets, |x| x.value_per_source_unit, unit)
            );
            let _ = writeln!(
                s,
                "    fallback: the receiver buys as today at {} {cur}/{need_unit} ({} {cur}/yr, its gain {} {cur}/yr lost); the sender's outlet today ({}) costs {} {cur}/{unit} ({} {cur}/yr, its gain {} {cur}/yr lost)",
                per_unit(b.virgin.per_unit),
                money(b.virgin.cost_per_yr),
                money(b.virgin.loss_per_yr),
                b.disposal.outlet.map_or("-".to_owned(), |k| format!("{k:?}").to_lowercase()),
                per_unit(b.disposal.per_unit),
                money(b.disposal.cost_per_yr),
                money(b.disposal.loss_per_yr),
            );
        }
    }
    // A figure left out reads "confidential", without a currency after it.
    s.replace(&format!("confidential {cur}"), "confidential")
}

/// The text of `symbiomap plan`; money withheld for confidential facilities
/// ([`crate::plan::Withheld`]) reads `confidential` unless `include_confidential`.
pub fn render_plan(
    engine: &Engine,
    region: &Region,
    outcome: &crate::plan::Outcome,
    top: usize,
    include_confidential: bool,
) -> String {
    let cur = &region.currency;
    let withheld = crate::plan::Withheld::new(region, outcome, include_confidential);
    let money = |w: bool, v: f64| {
        if w {
            "confidential".to_owned()
        } else {
            thousands(v)
        }
    };
    let sol = &outcome.solution;
    let r = &outcome.report;
    let g = &outcome.greedy_report;
    let mut s = String::new();
    let _ = writeln!(s, "Region: {}", region.name);
    let _ = writeln!(
        s,
        "Plan: {} (HiGHS, {:.2} s), value {} {cur}/yr, bound {} {cur}/yr, gap {:.4} %",
        sol.status,
        sol.solve_seconds,
        money(withheld.totals, sol.objective),
        money(withheld.totals, sol.bound),
        100.0 * sol.gap
    );
    if withheld.totals || withheld.greedy_totals {
        let _ = writeln!(
            s,
            "  totals confidential: with the open exchanges they would give a confidential company's money away (the p %-rule, docs/FORMATS.md)"
        );
    }
    let gathering = &outcome.gathering;
    if gathering.generated {
        let _ = writeln!(
            s,
            "  {} candidates, more than are held: {} columns generated in {} passes; {}",
            gathering.found,
            outcome.problem.columns.len(),
            gathering.passes,
            match (gathering.converged, gathering.relaxation_bound_per_yr) {
                (true, _) => "the bound is the relaxation over every candidate",
                (false, Some(_)) => "stopped before every column was priced in: the bound is the best of the rounds' prices",
                (false, None) => "stopped before every column was priced in, with locks, required facilities or hubs: no bound is known",
            }
        );
    }
    let _ = writeln!(
        s,
        "\n  {:<22} {:>10} {:>18} {:>16} {:>22} {:>18}",
        "", "exchanges", "value/yr", "CO2 avoided t/yr", "landfill t/yr", "exchanged t/yr"
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>10} {:>18} {:>16} {:>22} {:>18}",
        "today",
        0,
        0,
        0,
        format!("{:.0} landfilled", outcome.landfill_today_t_per_yr),
        0
    );
    for (name, rep, w) in [
        ("greedy pass", g, withheld.greedy_totals),
        ("optimal plan", r, withheld.totals),
    ] {
        let _ = writeln!(
            s,
            "  {:<22} {:>10} {:>18} {:>16.0} {:>22} {:>18.0}",
            name,
            rep.exchanges.len(),
            money(w, rep.value_per_yr),
            rep.co2_avoided_t_per_yr,
            format!("{:.0} diverted", rep.landfill_diverted_t_per_yr),
            rep.exchanged_t_per_yr,
        );
    }
    if g.value_per_yr.abs() > 0.0 && !withheld.totals && !withheld.greedy_totals {
        let _ = writeln!(
            s,
            "  the plan gains {} {cur}/yr more than the greedy pass ({:+.2} %)",
            thousands(r.value_per_yr - g.value_per_yr),
            100.0 * (r.value_per_yr - g.value_per_yr) / g.value_per_yr.abs()
        );
    }
    if !r.exchanges.is_empty() {
        let _ = writeln!(
            s,
            "\nExchanges ({} of {}, by value):",
            top.min(r.exchanges.len()),
            r.exchanges.len()
        );
        let _ = writeln!(
            s,
            "  {:<26} {:<26} {:<34} {:>8} {:>12} {:>12} {:>12} {:>12}",
            "from",
            "to",
            "material -> use",
            "km",
            "source/yr",
            "value/yr",
            "sender/yr",
            "receiver/yr"
        );
        for (e, &w) in r.exchanges.iter().zip(&withheld.exchanges).take(top) {
            let c = &outcome.candidates[e.candidate];
            let from = &region.facilities[e.from_facility];
            let to = &region.facilities[e.to_facility];
            let stream = &from.outputs[e.stream];
            let need = &to.needs[e.need];
            let to_name = match e.hub {
                Some(h) => format!("{} (via {})", to.name, outcome.hubs[h].id),
                None => to.name.clone(),
            };
            let _ = writeln!(
                s,
                "  {:<26} {:<26} {:<34} {:>8.1} {:>12} {:>12} {:>12} {:>12}",
                clip(&from.name, 26),
                clip(&to_name, 26),
                clip(&format!("{} -> {}", stream.material, need.material), 34),
                c.hit.distance_km,
                format!(
                    "{} {}",
                    thousands(e.source_units_per_yr),
                    stream.unit.symbol()
                ),
                money(w, e.value_per_yr),
                money(w, e.sender_gain_per_yr),
                money(w, e.receiver_gain_per_yr),
            );
        }
        if !r.hubs.is_empty() {
            let _ = writeln!(s, "\nHubs opened:");
            for (u, &w) in r.hubs.iter().zip(&withheld.hubs) {
                let h = &outcome.hubs[u.hub];
                let names = |fs: &[usize]| {
                    fs.iter()
                        .map(|&f| region.facilities[f].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let _ = writeln!(
                    s,
                    "  {} ({}): {:.0} t/yr of {:.0}, costs {} {cur}/yr ({} fixed), earns the region {} {cur}/yr against the best plan without it; its operator{} gains {} {cur}/yr beyond its costs\n    from {}\n    to {}",
                    h.name,
                    h.kind.name,
                    u.tonnes_per_yr,
                    h.kind.capacity_t_per_yr,
                    thousands(u.fixed_cost_per_yr + u.variable_cost_per_yr),
                    thousands(u.fixed_cost_per_yr),
                    money(w, u.earns_per_yr),
                    u.host
                        .map_or(String::new(), |f| format!(" ({})", region.facilities[f].name)),
                    money(w, u.operator_gain_per_yr),
                    names(&u.senders),
                    names(&u.receivers),
                );
            }
        }
        let _ = writeln!(
            s,
            "\nCompanies ({} of {}, by gain at transfer prices that share each exchange's surplus equally, in three through a hub):",
            top.min(r.companies.len()),
            r.companies.len()
        );
        for (c, &w) in r.companies.iter().zip(&withheld.companies).take(top) {
            let f = &region.facilities[c.facility];
            let _ = writeln!(
                s,
                "  {:<32} {:>3} out {:>3} in  gains {:>12} {cur}/yr{}",
                clip(&f.name, 32),
                c.as_sender,
                c.as_receiver,
                money(w, c.gain_per_yr),
                if c.compensation_needed_per_yr > 0.0 && !w {
                    format!(
                        ", needs {} {cur}/yr of compensation",
                        thousands(c.compensation_needed_per_yr)
                    )
                } else {
                    String::new()
                }
            );
        }
        let short: Vec<&crate::plan::CompanyGain> = r
            .companies
            .iter()
            .filter(|c| c.compensation_needed_per_yr > 0.0)
            .collect();
        if short.is_empty() {
            let _ = writeln!(s, "  every company in the plan gains.");
        } else {
            let _ = writeln!(
                s,
                "  {} companies lose on exchanges the companies do not gain from together (locked, or paid by the carbon price): {} {cur}/yr in all",
                short.len(),
                thousands(short.iter().map(|c| c.compensation_needed_per_yr).sum())
            );
        }
    }
    let _ = engine;
    s
}

/// One row per planned exchange; the money withheld for confidential facilities
/// ([`crate::plan::Withheld`]) is empty unless `include_confidential`.
fn write_plan_csv(
    path: &Path,
    engine: &Engine,
    region: &Region,
    outcome: &crate::plan::Outcome,
    include_confidential: bool,
) -> Result<()> {
    let withheld = crate::plan::Withheld::new(region, outcome, include_confidential);
    crate::io::atomic::write_atomic_with(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        out.write_record([
            "from_facility",
            "to_facility",
            "stream_id",
            "need_id",
            "material",
            "to_material",
            "rule",
            "mode",
            "distance_km",
            "source_units_per_yr",
            "unit",
            "need_units_per_yr",
            "need_unit",
            "value_per_yr",
            "fixed_cost_per_yr",
            "co2_avoided_t_per_yr",
            "landfill_diverted_t_per_yr",
            "transfer_price_per_source_unit",
            "price_low_per_source_unit",
            "price_high_per_source_unit",
            "sender_gain_per_yr",
            "receiver_gain_per_yr",
            "hub",
            "first_leg_km",
            "hub_operator_gain_per_yr",
            "figures_withheld",
        ])?;
        for (e, &hidden) in outcome.report.exchanges.iter().zip(&withheld.exchanges) {
            let money = |v: f64, decimals: usize| {
                if hidden {
                    String::new()
                } else {
                    format!("{v:.decimals$}")
                }
            };
            let c = &outcome.candidates[e.candidate];
            let from = &region.facilities[e.from_facility];
            let to = &region.facilities[e.to_facility];
            let stream = &from.outputs[e.stream];
            let need = &to.needs[e.need];
            out.write_record([
                from.id.as_str(),
                to.id.as_str(),
                stream.id.as_str(),
                need.id.as_str(),
                stream.material.as_str(),
                need.material.as_str(),
                c.rule
                    .map_or("", |r| engine.catalogue.rules[r as usize].id.as_str()),
                c.hit.mode.label(),
                &format!("{:.3}", c.hit.distance_km),
                &format!("{:.3}", e.source_units_per_yr),
                stream.unit.symbol(),
                &format!("{:.3}", e.need_units_per_yr),
                need.unit.symbol(),
                &money(e.value_per_yr, 2),
                &format!("{:.2}", e.fixed_cost_per_yr),
                &format!("{:.3}", e.co2_avoided_t_per_yr),
                &format!("{:.3}", e.landfill_diverted_t_per_yr),
                &money(e.transfer_price_per_source_unit, 4),
                &money(e.price_low_per_source_unit, 4),
                &money(e.price_high_per_source_unit, 4),
                &money(e.sender_gain_per_yr, 2),
                &money(e.receiver_gain_per_yr, 2),
                e.hub.map_or("", |h| outcome.hubs[h].id.as_str()),
                &e.hub
                    .map_or(String::new(), |_| format!("{:.3}", e.first_leg_km)),
                &e.hub
                    .map_or(String::new(), |_| money(e.operator_gain_per_yr, 2)),
                if hidden { "yes" } else { "no" },
            ])?;
        }
        out.flush()
    })
    .with_context(|| format!("{}: cannot write", path.display()))
}

/// The text summary of `symbiomap match`.
/// `top`: the candidates to list, explained, best first.
/// The money of a pair with a confidential party reads `confidential` unless
/// `include_confidential`.
pub fn render_summary(
    region: &Region,
    summary: &Summary,
    top: &[Candidate],
    include_confidential: bool,
) -> String {
    let cur = &region.currency;
    let mut s = String::new();
    let _ = writeln!(s, "Region: {}", region.name);
    let _ = writeln!(
        s,
        "Candidates: {} viable ({} direct, {} indirect, {} cascaded)",
        summary.viable,
        summary.viable_by_kind[MatchKind::Direct as usize],
        summary.viable_by_kind[MatchKind::Indirect as usize],
        summary.viable_by_kind[MatchKind::Cascaded as usize],
    );
    if summary.near_or_failed > 0 {
        let _ = writeln!(
            s,
            "            {} more near misses or failing a specification",
            summary.near_or_failed
        );
    }
    let _ = writeln!(
        s,
        "If each stream goes to its best partners (greedy, no stream or need used twice):\n  {} exchanges, value {}, CO2 avoided {:.0} t/yr, landfill diverted {:.0} t/yr",
        summary.allocated.len(),
        if crate::summary::totals_withheld(region, summary, include_confidential) {
            "confidential".to_owned()
        } else {
            format!("{} {cur}/yr", thousands(summary.value_per_yr))
        },
        summary.co2_avoided_t_per_yr,
        summary.landfill_diverted_t_per_yr,
    );
    if !top.is_empty() {
        let _ = writeln!(s, "\nTop {} candidates by yearly value:", top.len());
        let _ = writeln!(
            s,
            "  {:<28} {:<28} {:<42} {:<9} {:>8} {:>9} {:>10} {:>12} {:>12} {:>12}",
            "from",
            "to",
            "material -> use",
            "category",
            "km",
            "b/e km",
            "net/unit",
            "value/yr",
            "sender/yr",
            "receiver/yr"
        );
        let mut said_withheld = false;
        for c in crate::summary::withheld_last(region, top, include_confidential) {
            let from = &region.facilities[c.from_facility];
            let to = &region.facilities[c.to_facility];
            let stream = &from.outputs[c.stream];
            let need = &to.needs[c.need];
            let withheld = crate::disclosure::withheld(
                region,
                c.from_facility,
                c.to_facility,
                include_confidential,
            );
            if withheld && !said_withheld {
                let _ = writeln!(
                    s,
                    "  with a confidential company (by name: their place would say their value):"
                );
                said_withheld = true;
            }
            let money = |text: String| {
                if withheld {
                    "confidential".to_owned()
                } else {
                    text
                }
            };
            let _ = writeln!(
                s,
                "  {:<28} {:<28} {:<42} {:<9} {:>8.1} {:>9} {:>10} {:>12} {:>12} {:>12}",
                clip(&from.name, 28),
                clip(&to.name, 28),
                clip(&format!("{} -> {}", stream.material, need.material), 42),
                c.kind.label(),
                c.value.distance_km,
                if withheld {
                    crate::disclosure::distance_band(c.value.break_even_km)
                } else {
                    format!("{:.1}", c.value.break_even_km)
                },
                money(format!("{:.2}", c.value.net_value_per_unit)),
                money(thousands(c.annual.value_per_yr)),
                money(thousands(c.gains.sender_per_yr)),
                money(thousands(c.gains.receiver_per_yr)),
            );
        }
    }
    s
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// 1234567.8 -> "1 234 568".
/// Money in the text of `whatif`: grouped, or `confidential` where it was left out (NaN,
/// `resilience::withhold`).
fn money(v: f64) -> String {
    if v.is_nan() {
        "confidential".to_owned()
    } else {
        thousands(v)
    }
}

/// Money per unit in the text of `whatif`, two decimals, or `confidential`.
fn per_unit(v: f64) -> String {
    if v.is_nan() {
        "confidential".to_owned()
    } else {
        format!("{v:.2}")
    }
}

pub fn thousands(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let n = v.round().abs() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    if v < -0.5 {
        format!("-{out}")
    } else {
        out
    }
}

fn projects(args: &ProjectsArgs) -> Result<()> {
    use crate::io::projects;
    let region = load(&args.region)?;
    let engine = Engine::new(&region)?;
    let reports = projects::reports(&engine, &region, args.include_confidential);
    let costs = crate::intermediary::TransactionCosts::builtin(&engine.catalogue)
        .map_err(|e| anyhow::anyhow!(e))?;
    let groups = crate::intermediary::groups(&engine, &region, &costs);
    if let Some(path) = &args.csv {
        let mut bytes = Vec::new();
        projects::write_csv(&mut bytes, &region, &reports)
            .with_context(|| format!("cannot write {}", path.display()))?;
        crate::io::atomic::write_atomic(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        let mut json = projects::to_json(&region, &reports);
        json["intermediaries"] =
            projects::intermediaries_json(&region, &groups, args.include_confidential);
        let text = serde_json::to_string_pretty(&json)?;
        outln!("{text}");
    } else {
        let text = projects::text(&region, &reports)
            + &projects::intermediaries_text(&region, &groups, &costs, args.include_confidential);
        outln!("{}", text.trim_end());
        if let Some(path) = &args.csv {
            outln!("{}: {} projects", path.display(), reports.len());
        }
    }
    Ok(())
}

fn export(args: &ExportArgs) -> Result<()> {
    let region = load(&args.region)?;
    let options = geojson::ExportOptions {
        omit_confidential: args.omit_confidential,
        include_confidential: args.include_confidential,
    };
    let facilities = geojson::facilities_collection(&region, options);
    geojson::write(&args.output, &facilities)?;
    let n = facilities["features"].as_array().map_or(0, Vec::len);
    outln!("{}: {n} facilities", args.output.display());
    if let Some(links) = &args.links {
        let engine = Engine::new(&region)?;
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let links_of: Vec<geojson::Link> = hits
            .iter()
            .filter_map(|h| engine.explain(&region, h))
            .map(|c| c.link())
            .collect();
        let collection = geojson::links_collection(&region, &links_of, options);
        geojson::write(links, &collection)?;
        let n = collection["features"].as_array().map_or(0, Vec::len);
        outln!("{}: {n} candidate links", links.display());
    }
    Ok(())
}

fn bench(args: &BenchArgs) -> Result<()> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot set up worker threads")?;
    }
    if args.engine {
        bench_engine(args)
    } else {
        bench_screen(args)
    }
}

/// The peers' result line.
fn print_result(args: &BenchArgs, pairs: u64, raw: f64, phases: [f64; 3]) {
    let [load, index, query] = phases;
    let result = serde_json::json!({
        "peer": if args.engine { "symbiomap-engine" } else { "symbiomap" },
        "data": std::fs::canonicalize(&args.folder).unwrap_or_else(|_| args.folder.clone()),
        "pairs": pairs,
        "checksum": format!("{:.2}", (raw * 100.0).round() / 100.0),
        "checksum_raw": format!("{raw:.6}"),
        "load_s": round3(load),
        "index_s": round3(index),
        "query_s": round3(query),
        "total_s": round3(load + index + query),
        "threads": rayon::current_num_threads(),
        "peak_rss_mb": peak_rss_mb(),
    });
    outln!("RESULT {result}");
}

/// The screen: the tables read into compact arrays, one R-tree per material, every pair.
fn bench_screen(args: &BenchArgs) -> Result<()> {
    let t0 = Instant::now();
    let tables = ScreenTables::load(&CsvSources::folder(&args.folder))?;
    if !tables.report.problems.is_empty() {
        eprint!("{}", tables.report);
    }
    let t1 = Instant::now();
    outln!("PHASE load {:.3}", (t1 - t0).as_secs_f64());
    let screen = tables.index();
    let t2 = Instant::now();
    outln!("PHASE index {:.3}", (t2 - t1).as_secs_f64());
    let totals = screen.totals();
    let t3 = Instant::now();
    outln!("PHASE query {:.3}", (t3 - t2).as_secs_f64());
    let phases = [t1 - t0, t2 - t1, t3 - t2].map(|d| d.as_secs_f64());
    print_result(args, totals.pairs, totals.net_value_sum.value(), phases);
    if let Some(path) = &args.pairs_csv {
        let pairs = screen.pairs();
        let rows = pairs.iter().map(|p| {
            (
                p.output_row as usize,
                p.input_row as usize,
                p.distance_km,
                p.net_value_per_unit,
            )
        });
        write_pairs_csv(path, rows)?;
        eprintln!("wrote {} pairs to {}", pairs.len(), path.display());
    }
    Ok(())
}

/// The full path of the app: import into the region model, the matching engine, its search.
fn bench_engine(args: &BenchArgs) -> Result<()> {
    let t0 = Instant::now();
    let imported = csv_import::import(&CsvSources::folder(&args.folder), "bench")?;
    if !imported.report.problems.is_empty() {
        eprint!("{}", imported.report);
    }
    let region = imported.region;
    let t1 = Instant::now();
    outln!("PHASE load {:.3}", (t1 - t0).as_secs_f64());
    let engine = Engine::new(&region)?;
    let t2 = Instant::now();
    outln!("PHASE index {:.3}", (t2 - t1).as_secs_f64());
    let totals: Totals = engine.search(&region, &SearchOptions::default());
    let t3 = Instant::now();
    outln!("PHASE query {:.3}", (t3 - t2).as_secs_f64());
    let phases = [t1 - t0, t2 - t1, t3 - t2].map(|d| d.as_secs_f64());
    print_result(args, totals.pairs, totals.net_value_sum.value(), phases);
    if let Some(path) = &args.pairs_csv {
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let rows = engine_pair_rows(&engine, &imported.stream_rows, &hits);
        let n = rows.len();
        write_pairs_csv(path, rows.into_iter())?;
        eprintln!("wrote {n} pairs to {}", path.display());
    }
    Ok(())
}

/// Pairs `screen --csv` holds at a time (56 bytes each; more slices only cost a scan of the
/// outputs each).
const SCREEN_PAIRS_HELD: usize = 1_000_000;

/// Screens CSV tables and prints what it found.
fn screen(args: &ScreenArgs) -> Result<()> {
    let sources = csv_sources(args.folder.as_deref(), &args.tables, "--facilities")?;
    let started = Instant::now();
    let tables = ScreenTables::load(&sources)?;
    if !tables.report.problems.is_empty() {
        eprint!("{}", tables.report);
    }
    let (outputs, inputs) = tables.flows();
    let screen = tables.index();
    // Counts, the best pairs and each output's pairs, without keeping the pairs.
    let summary = screen.summary(args.top);
    let elapsed = started.elapsed().as_secs_f64();
    let t = &screen.tables;
    outln!(
        "{} facilities; {} rows of streams, {outputs} outputs and {inputs} inputs screened",
        t.facilities(),
        t.stream_rows
    );
    outln!("{} pairs within break-even ({elapsed:.2} s)", summary.pairs);
    // Per material: pairs and the best net value per unit.
    let mut by_material: Vec<(usize, u64, f64)> = summary
        .by_material
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(m, (n, best))| (m, *n, *best))
        .collect();
    by_material.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !by_material.is_empty() {
        outln!("\nPairs by material (and the best net value per unit):");
        for (m, n, best) in by_material.iter().take(15) {
            outln!("  {:<28} {n:>10}  {best:>10.2}", t.materials[*m].key);
        }
        if by_material.len() > 15 {
            outln!("  ... and {} more materials", by_material.len() - 15);
        }
    }
    if !summary.best.is_empty() {
        outln!("\nBest pairs (net value per unit; rows of streams.csv from 0):");
        for p in &summary.best {
            outln!(
                "  row {} (facility {}) -> row {} (facility {}): {}, {:.1} km of {:.1} km break-even, {:.2} per unit",
                p.output_row,
                screen.facility_id(p.output_facility),
                p.input_row,
                screen.facility_id(p.input_facility),
                t.materials[p.material as usize].key,
                p.distance_km,
                p.break_even_km,
                p.net_value_per_unit
            );
        }
    }
    if let Some(path) = &args.csv {
        crate::io::atomic::write_atomic_with(path, |w| {
            writeln!(
                w,
                "output_stream_row,input_stream_row,output_facility_id,input_facility_id,material,distance_km,break_even_km,net_value_per_unit"
            )?;
            // In row order, a slice of output rows at a time (the search runs again per
            // slice): never every pair in memory.
            screen.for_each_pair_sorted(&summary, SCREEN_PAIRS_HELD, |p| {
                writeln!(
                    w,
                    "{},{},{},{},{},{:.6},{:.6},{:.6}",
                    p.output_row,
                    p.input_row,
                    csv_cell(screen.facility_id(p.output_facility)),
                    csv_cell(screen.facility_id(p.input_facility)),
                    csv_cell(&t.materials[p.material as usize].key),
                    p.distance_km,
                    p.break_even_km,
                    p.net_value_per_unit
                )
            })
        })
        .with_context(|| format!("{}: cannot write", path.display()))?;
        outln!("\n{}: {} pairs", path.display(), summary.pairs);
    }
    Ok(())
}

/// A CSV cell, quoted when it must be.
fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// The process's peak resident memory (Linux; `None` elsewhere).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb / 1024)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The engine's viable hits as (output row, input row, distance, net value) of streams.csv,
/// sorted by rows.
fn engine_pair_rows(
    engine: &Engine,
    rows: &[FlowRef],
    hits: &[PairHit],
) -> Vec<(usize, usize, f64, f64)> {
    use std::collections::HashMap;
    let mut row_of: HashMap<FlowRef, usize> = HashMap::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        row_of.insert(*r, i);
    }
    let mut out: Vec<(usize, usize, f64, f64)> = hits
        .iter()
        .filter(|h| h.viable)
        .filter_map(|h| {
            let s = &engine.supplies[h.supply as usize];
            let d = &engine.demands[h.demand as usize];
            let o = row_of.get(&FlowRef::Output {
                facility: s.facility,
                index: s.stream,
            })?;
            let i = row_of.get(&FlowRef::Need {
                facility: d.facility,
                index: d.need,
            })?;
            Some((*o, *i, h.distance_km, h.net_value_per_unit))
        })
        .collect();
    out.sort_by_key(|r| (r.0, r.1));
    out
}

/// The peers' pairs CSV: (output row, input row, road km, net value) in the caller's order.
fn write_pairs_csv(
    path: &Path,
    rows: impl Iterator<Item = (usize, usize, f64, f64)>,
) -> Result<()> {
    crate::io::atomic::write_atomic_with(path, |w| {
        writeln!(w, "output_stream_row,input_stream_row,d_road_km,net_value")?;
        for (o, i, d, v) in rows {
            writeln!(w, "{o},{i},{d:.6},{v:.6}")?;
        }
        Ok(())
    })
    .with_context(|| format!("{}: cannot write", path.display()))
}

/// `symbiomap upgrade`: load (which migrates), save in the current version.
fn upgrade(args: &UpgradeArgs) -> Result<()> {
    let (region, was) = region_file::load_versioned(&args.region)?;
    region_file::save(&region, &args.output)?;
    let now = crate::model::FORMAT_VERSION;
    let (outputs, needs) = region.stream_counts();
    outln!(
        "{}: {} (format {was}{}): {} facilities, {outputs} outputs, {needs} needs",
        args.output.display(),
        args.region.display(),
        if was == now {
            ", already the current one".to_owned()
        } else {
            format!(", upgraded to {now}")
        },
        region.facilities.len()
    );
    Ok(())
}

fn generate(args: &GenerateArgs) -> Result<()> {
    let region = crate::synth::generate(args.facilities, args.seed);
    region_file::save(&region, &args.output)?;
    let (outputs, needs) = region.stream_counts();
    outln!(
        "{}: {} facilities, {outputs} outputs, {needs} needs",
        args.output.display(),
        region.facilities.len()
    );
    Ok(())
}

/// Flushes stdout, ignoring a closed pipe (`symbiomap match ... | head`).
pub fn flush_stdout() {
    let _ = std::io::stdout().flush();
}
