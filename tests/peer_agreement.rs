//! Symbiomap's partner search against the GIS peers of the benchmark (`PostGIS`, `BallTree`,
//! `STRtree`, numpy brute force) on their generated 1 000-facility region: the same pairs, the
//! same distances and values to 6 decimals, the same checksum. Also checked against a
//! brute-force oracle on random regions.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use symbiomap::geodesy::{haversine_km, SpherePoint};
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
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    for seed in 0..12u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let n_fac = rng.random_range(20..300);
        let n_mat = rng.random_range(1..6);
        let spread_deg: f64 = [0.05, 0.5, 5.0, 40.0][seed as usize % 4];
        let mut fac = String::from("id,name,sector,lat,lon\n");
        let mut coords = Vec::new();
        for i in 0..n_fac {
            // Around 45 N, 0 E; the widest spread reaches 5..85 N.
            let lat = 45.0 + rng.random_range(-spread_deg..spread_deg);
            let lon = rng.random_range(-spread_deg..spread_deg);
            let (lat, lon) = ((lat * 1e6).round() / 1e6, (lon * 1e6).round() / 1e6);
            coords.push(SpherePoint::from_degrees(lat, lon));
            writeln!(fac, "{i},f{i},s,{lat},{lon}").expect("write to a String");
        }
        let mut mats = String::from("material,transport_eur_per_tkm,processing_eur_per_t,detour\n");
        let mut mat_params = Vec::new();
        for m in 0..n_mat {
            let t: f64 = (rng.random_range(0.01..0.5_f64) * 1e4).round() / 1e4;
            let p: f64 = (rng.random_range(0.0..50.0_f64) * 100.0).round() / 100.0;
            let d: f64 = (rng.random_range(1.0..1.6_f64) * 100.0).round() / 100.0;
            mat_params.push((t, p, d));
            writeln!(mats, "m{m},{t},{p},{d}").expect("write to a String");
        }
        let mut streams =
            String::from("facility_id,direction,material,tonnes_per_year,cost_eur_per_t\n");
        let mut rows = Vec::new();
        for i in 0..n_fac {
            for _ in 0..rng.random_range(0..4) {
                let out = rng.random_bool(0.5);
                let m = rng.random_range(0..n_mat);
                let cost: f64 = (rng.random_range(0.0..60.0_f64) * 100.0).round() / 100.0;
                rows.push((i, out, m, cost));
                writeln!(
                    streams,
                    "{i},{},m{m},10,{cost}",
                    if out { "output" } else { "input" }
                )
                .expect("write to a String");
            }
        }
        std::fs::write(dir.path().join("facilities.csv"), fac).unwrap();
        std::fs::write(dir.path().join("materials.csv"), mats).unwrap();
        std::fs::write(dir.path().join("streams.csv"), streams).unwrap();

        let mut want = Vec::new();
        for (a, &(fa, out_a, ma, ca)) in rows.iter().enumerate() {
            for (b, &(fb, out_b, mb, cb)) in rows.iter().enumerate() {
                if !out_a || out_b || ma != mb || fa == fb {
                    continue;
                }
                let (t, p, detour) = mat_params[ma];
                let margin = (ca + cb) - p;
                let be = margin / t;
                let d = haversine_km(&coords[fa], &coords[fb]) * detour;
                if be > 0.0 && d <= be {
                    want.push(format!("{a},{b},{d:.6},{:.6}", margin - t * d));
                }
            }
        }
        let imported = csv_import::import(&CsvSources::folder(dir.path()), "random").unwrap();
        let engine = Engine::new(&imported.region).unwrap();
        let hits: Vec<PairHit> = engine.search(&imported.region, &SearchOptions::default());
        let got = pair_lines(&engine, &imported.stream_rows, &hits);
        assert_eq!(got, want, "seed {seed}");
    }
}
