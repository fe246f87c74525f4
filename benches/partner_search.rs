//! Criterion benchmarks of the engine:
//! - `pair/*`: one pair's economics, with and without a preprocessing chain (the per-frame
//!   work while a slider moves);
//! - `peer_search/*`: the peer benchmark's whole job (import the CSV folder, build the index,
//!   search, count and checksum) on the committed 1k fixture, or on the folder named by
//!   `SYMBIOMAP_PEER_DIR` (e.g. a 100k folder from `bench-peers/gen.py`);
//! - `screen_search/*`: the same job by the screen (`symbiomap screen`: the tables read into
//!   compact arrays instead of the region model), on the same folder;
//! - `catalogue_search/*`: a synthetic region with the built-in catalogue's rules.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use symbiomap::catalogue::Catalogue;
use symbiomap::economics::{
    apply_preprocessing, evaluate, mode_rates, DemandSide, StreamBasis, SupplySide,
};
use symbiomap::io::csv_import::{self, CsvSources};
use symbiomap::matching::{Engine, SearchOptions, Totals};
use symbiomap::model::{PreprocessStep, Settings, Unit};
use symbiomap::screen::ScreenTables;

fn pair(c: &mut Criterion) {
    let catalogue = Catalogue::builtin();
    // Wet brewers' spent grain (about 78 % water): the chain below dewaters and dries it.
    let from = catalogue
        .material("spent_grain")
        .expect("spent grain in the catalogue");
    assert!(from.typical_moisture_pct.is_some_and(|w| w > 60.0));
    let to = catalogue
        .materials
        .iter()
        .find(|m| m.virgin_price_per_unit.is_some() && m.unit == Unit::Tonne)
        .expect("a priced material");
    let need = symbiomap::model::Need {
        id: "n".into(),
        material: to.key.clone(),
        description: String::new(),
        spec: symbiomap::model::Specification::default(),
        quantity_per_yr: 1000.0,
        unit: Unit::Tonne,
        availability: symbiomap::model::Availability::default(),
        supply: symbiomap::model::CurrentSupply::default(),
        virgin_price_per_unit: None,
        extra: symbiomap::model::Extra::default(),
    };
    let basis = StreamBasis {
        unit: Unit::Tonne,
        state: from.state,
        moisture_pct: from.typical_moisture_pct,
        bulk_density_t_per_m3: from.bulk_density_t_per_m3,
        typical_moisture_pct: from.typical_moisture_pct,
        lhv_dry_mj_per_kg: from.lhv_dry_mj_per_kg,
        shelf_life_days: from.shelf_life_days,
    };
    let truck = catalogue.modes.first().expect("modes");
    let settings = Settings::default();
    let chain = vec![
        PreprocessStep {
            target_moisture_pct: Some(60.0),
            ..PreprocessStep::new("dewatering")
        },
        PreprocessStep {
            target_moisture_pct: Some(10.0),
            ..PreprocessStep::new("thermal_drying")
        },
    ];
    let demand = DemandSide::new(&need, to, catalogue).expect("same unit");
    let mut group = c.benchmark_group("pair");
    group.bench_function("evaluate_only", |b| {
        let profile = apply_preprocessing(&basis, &[], catalogue).expect("no chain");
        let supply =
            SupplySide::new(&profile, from, to, None, 40.0, false, catalogue).expect("supply");
        let rates = mode_rates(truck, &profile, Some(from), &settings, catalogue).expect("truck");
        b.iter(|| {
            evaluate(
                black_box(&supply),
                black_box(&demand),
                black_box(&rates),
                0.0,
                black_box(37.5),
            )
        });
    });
    group.bench_function("two_step_chain_and_evaluate", |b| {
        b.iter(|| {
            let profile = apply_preprocessing(black_box(&basis), black_box(&chain), catalogue)
                .expect("valid chain");
            let supply =
                SupplySide::new(&profile, from, to, None, 40.0, false, catalogue).expect("supply");
            let rates =
                mode_rates(truck, &profile, Some(from), &settings, catalogue).expect("truck");
            evaluate(&supply, &demand, &rates, 0.0, black_box(37.5))
        });
    });
    group.finish();
}

/// The peer benchmark's folder and its name.
fn peer_dir() -> (PathBuf, String) {
    let dir = std::env::var_os("SYMBIOMAP_PEER_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peer_n1000_s42"),
        PathBuf::from,
    );
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    (dir, name)
}

fn screen_search(c: &mut Criterion) {
    let (dir, name) = peer_dir();
    let sources = CsvSources::folder(&dir);
    let mut group = c.benchmark_group("screen_search");
    group.sample_size(10);
    group.bench_function(format!("whole_job/{name}"), |b| {
        b.iter(|| {
            let tables = ScreenTables::load(&sources).expect("load");
            tables.index().totals().pairs
        });
    });
    group.bench_function(format!("load/{name}"), |b| {
        b.iter(|| ScreenTables::load(&sources).expect("load").stream_rows);
    });
    group.bench_function(format!("index/{name}"), |b| {
        b.iter_batched(
            || ScreenTables::load(&sources).expect("load"),
            |tables| tables.index().tables.facilities(),
            BatchSize::LargeInput,
        );
    });
    let screen = ScreenTables::load(&sources).expect("load").index();
    group.bench_function(format!("query/{name}"), |b| {
        b.iter(|| screen.totals().pairs);
    });
    group.finish();
}

fn peer_search(c: &mut Criterion) {
    let (dir, name) = peer_dir();
    let mut group = c.benchmark_group("peer_search");
    group.sample_size(10);
    group.bench_function(format!("whole_job/{name}"), |b| {
        b.iter(|| {
            let imported = csv_import::import(&CsvSources::folder(&dir), "bench").expect("import");
            let engine = Engine::new(&imported.region).expect("engine");
            let totals: Totals = engine.search(&imported.region, &SearchOptions::default());
            totals.pairs
        });
    });
    let imported = csv_import::import(&CsvSources::folder(&dir), "bench").expect("import");
    group.bench_function(format!("import/{name}"), |b| {
        b.iter(|| {
            csv_import::import(&CsvSources::folder(&dir), "bench")
                .expect("import")
                .region
                .facilities
                .len()
        });
    });
    group.bench_function(format!("index/{name}"), |b| {
        b.iter(|| {
            Engine::new(&imported.region)
                .expect("engine")
                .supplies
                .len()
        });
    });
    let engine = Engine::new(&imported.region).expect("engine");
    group.bench_function(format!("query/{name}"), |b| {
        b.iter(|| {
            engine
                .search::<Totals>(&imported.region, &SearchOptions::default())
                .pairs
        });
    });
    group.finish();
}

fn catalogue_search(c: &mut Criterion) {
    let region = symbiomap::synth::generate(10_000, 42);
    let engine = Engine::new(&region).expect("engine");
    let mut group = c.benchmark_group("catalogue_search");
    group.sample_size(10);
    group.bench_function("synthetic_10k/index", |b| {
        b.iter(|| Engine::new(&region).expect("engine").supplies.len());
    });
    group.bench_function("synthetic_10k/query", |b| {
        b.iter(|| {
            engine
                .search::<Totals>(&region, &SearchOptions::default())
                .pairs
        });
    });
    group.bench_function("synthetic_10k/one_stream_refresh_and_search", |b| {
        let mut engine = Engine::new(&region).expect("engine");
        let mut hits = Vec::new();
        b.iter(|| {
            engine.refresh_supply(&region, 17, 0);
            hits.clear();
            let i = engine.supply_index(17, 0).expect("stream");
            engine.search_supply(
                &region,
                i,
                &SearchOptions {
                    reach_factor: 1.25,
                    include_failed: true,
                },
                &mut hits,
            );
            hits.len()
        });
    });
    group.finish();
}

criterion_group!(benches, pair, peer_search, screen_search, catalogue_search);
criterion_main!(benches);
