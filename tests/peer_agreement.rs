//! Symbiomap's partner search against the GIS peers of the benchmark (`PostGIS`, `BallTree`,
//! `STRtree`, numpy brute force) on their generated 1 000-facility region: the same pairs, the
//! same distances and values to 6 decimals, the same checksum. Also checked against a
//! brute-force oracle on random regions.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use symbiomap::io::csv_import::{self, CsvSources, FlowRef};
use symbiomap::matching::{Engine, PairHit, SearchOptions, Totals};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peer_n1000_s42")
}

/// `output_row,input_row,d_road_km,net_value` lines, sorted as the peers sort them.
fn pair_lines(engine: &Engine, rows: &[FlowRef], hits: &[PairHit]) -> Vec<String> {
    let row_of: HashMap<FlowRef, usize> = rows.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut out: Vec<(usize, usize, f64, f64)> = hits
        .iter()
        .filter(|h| h.viable)
        .map(|h| {
            let s = &engine.supplies[h.supply as usize];
            let d = &engine.demands[h.demand as usize];
            (
                row_of[&FlowRef::Output {
                    facility: s.facility,
                    index: s.stream,
                }],
                row_of[&FlowRef::Need {
                    facility: d.facility,
                    index: d.need,
                }],
                h.distance_km,
                h.net_value_per_unit,
            )
        })
        .collect();
    out.sort_by_key(|r| (r.0, r.1));
    out.iter()
        .map(|(o, i, d, v)| format!("{o},{i},{d:.6},{v:.6}"))
        .collect()
}

#[test]
fn csv_import_finds_exactly_the_peers_pairs() {
    let imported = csv_import::import(&CsvSources::folder(&fixture()), "peer").unwrap();
    assert!(imported.report.problems.is_empty(), "{}", imported.report);
    assert_eq!(imported.region.facilities.len(), 1000);
    assert_eq!(imported.stream_rows.len(), 3985);
    let engine = Engine::new(&imported.region).unwrap();
    assert!(engine.issues.is_empty(), "{:?}", engine.issues);

    let hits: Vec<PairHit> = engine.search(&imported.region, &SearchOptions::default());
    let ours = pair_lines(&engine, &imported.stream_rows, &hits);
    let reference = std::fs::read_to_string(fixture().join("pairs_numpy_brute.csv")).unwrap();
    let theirs: Vec<&str> = reference.lines().skip(1).collect();
    assert_eq!(ours.len(), 27_398);
    assert_eq!(ours.len(), theirs.len());
    for (a, b) in ours.iter().zip(&theirs) {
        assert_eq!(a, b);
    }

    let totals: Totals = engine.search(&imported.region, &SearchOptions::default());
    assert_eq!(totals.pairs, 27_398);
    let raw = totals.net_value_sum.value();
    assert_eq!(format!("{:.2}", (raw * 100.0).round() / 100.0), "36999.55");
    assert!((raw - 36_999.549_450).abs() < 1e-3, "{raw}");
}

#[test]
fn geojson_import_finds_the_same_pairs() {
    let dir = fixture();
    let (mut region, report) =
        symbiomap::io::geojson::import(&dir.join("region.geojson"), "peer").unwrap();
    assert!(report.problems.is_empty(), "{report}");
    let mut r = csv_import::ImportReport::default();
    region.catalogue.materials =
        csv_import::read_materials(&dir.join("materials.csv"), &mut r).unwrap();
    region.catalogue.builtin_rules = false;
    let engine = Engine::new(&region).unwrap();
    let totals: Totals = engine.search(&region, &SearchOptions::default());
    assert_eq!(totals.pairs, 27_398);
    assert!((totals.net_value_sum.value() - 36_999.549_450).abs() < 1e-3);
}

#[test]
fn one_thread_and_many_give_the_same_hits_in_the_same_order() {
    let imported = csv_import::import(&CsvSources::folder(&fixture()), "peer").unwrap();
    let engine = Engine::new(&imported.region).unwrap();
    let many: Vec<PairHit> = engine.search(&imported.region, &SearchOptions::default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one: Vec<PairHit> =
        pool.install(|| engine.search(&imported.region, &SearchOptions::default()));
    assert_eq!(many, one);
}

/// Random regions of the peers' kind, searched by the engine and by a plain double loop.
#[test]
fn search_equals_brute_force_on_random_regions() {
    for seed in 0..12u64 {
        let dir = tempfile::tempdir().unwrap();
        let spread_deg = [0.05, 0.5, 5.0, 40.0][seed as usize % 4];
        let want = common::random_peer_tables(dir.path(), seed, 300, spread_deg, "");
        let imported = csv_import::import(&CsvSources::folder(dir.path()), "random").unwrap();
        let engine = Engine::new(&imported.region).unwrap();
        let hits: Vec<PairHit> = engine.search(&imported.region, &SearchOptions::default());
        let got = pair_lines(&engine, &imported.stream_rows, &hits);
        assert_eq!(got, want, "seed {seed}");
    }
}
