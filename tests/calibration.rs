//! `docs/CALIBRATION.md`, recomputed: the engine's figures for documented real exchanges
//! (`sample-regions/calibration-cases.json`), the viable distances by material group on the
//! samples, and the pairs checked by hand. Each table row of the document that carries an
//! engine figure is compared with what the engine gives now, to the digits printed; the
//! ratios to the published figures are recomputed from the same row.

use std::collections::BTreeMap;
use std::path::PathBuf;

use symbiomap::io::region_file;
use symbiomap::matching::{Candidate, Engine, PairHit, SearchOptions};
use symbiomap::model::Region;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(rel: &str) -> Region {
    region_file::load(&root().join(rel)).expect("a sample loads")
}

fn viable_candidates(region: &Region) -> Vec<Candidate> {
    let engine = Engine::new(region).expect("engine");
    let hits: Vec<PairHit> = engine.search(region, &SearchOptions::default());
    hits.iter()
        .filter(|h| h.viable)
        .filter_map(|h| engine.explain(region, h))
        .collect()
}

/// The rows of the document's table whose first cell starts with `prefix`, split in cells.
fn table_rows(prefix: &str) -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(root().join("docs/CALIBRATION.md")).expect("the doc");
    doc.lines()
        .filter(|l| l.starts_with(&format!("| {prefix}")))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// Does `got` round to the number printed in `cell`, to the digits printed?
fn as_printed(cell: &str, got: f64) -> bool {
    let decimals = cell
        .split('.')
        .nth(1)
        .map_or(0, |d| d.chars().take_while(char::is_ascii_digit).count());
    (number(cell) - got).abs() <= 0.5 * 10f64.powi(-(decimals as i32)) + 1e-9
}

fn number(cell: &str) -> f64 {
    let t: String = cell
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    t.parse()
        .unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}

/// Per case: (value per year in MEUR, CO2 avoided in kt per year, exchanged in units).
fn cases() -> BTreeMap<String, (f64, f64, f64)> {
    let region = load("sample-regions/calibration-cases.json");
    let case_of = |fi: usize| {
        region.facilities[fi]
            .tags
            .iter()
            .find_map(|t| t.strip_prefix("case:"))
            .map(str::to_owned)
    };
    let mut out: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    for c in viable_candidates(&region) {
        let (Some(a), Some(b)) = (case_of(c.from_facility), case_of(c.to_facility)) else {
            continue;
        };
        if a != b {
            continue;
        }
        let e = out.entry(a).or_default();
        e.0 += c.annual.value_per_yr / 1e6;
        e.1 += c.annual.co2_avoided_t_per_yr / 1e3;
        e.2 += c.annual.exchanged_per_yr;
    }
    out
}

#[test]
fn the_documented_cases_give_the_figures_the_document_shows() {
    let computed = cases();
    for (case, (value, co2, _)) in &computed {
        eprintln!("{case}: {value:.2} MEUR/yr, {co2:.1} kt CO2/yr");
    }
    let rows = table_rows("C");
    assert!(rows.len() >= 5, "at least five cases: {rows:?}");
    for row in &rows {
        // | case | exchange | engine MEUR/yr | published MEUR/yr | ratio | engine kt CO2 | published kt | ratio |
        let case = &row[0];
        let (value, co2, _) = computed
            .get(case)
            .unwrap_or_else(|| panic!("no viable exchange for case {case}"));
        let check = |cell: &str, got: f64, what: &str| {
            assert!(
                cell == "-" || as_printed(cell, got),
                "{case} {what}: the document says {cell}, the engine gives {got}"
            );
        };
        check(&row[2], *value, "value");
        check(&row[5], *co2, "CO2");
        for (engine, published, ratio) in [(2, 3, 4), (5, 6, 7)] {
            if row[published] == "-" || row[engine] == "-" {
                continue;
            }
            let r = number(&row[engine]) / number(&row[published]);
            check(&row[ratio], r, "ratio");
        }
    }
}

/// Median break-even (km) of the viable candidates by material category of the stream, on
/// both samples.
fn break_even_by_group() -> BTreeMap<String, (usize, f64, f64)> {
    let mut per: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for rel in [
        "sample-regions/scheldt-valley.json",
        "sample-regions/rhine-scheldt-delta.json",
    ] {
        let region = load(rel);
        let engine = Engine::new(&region).expect("engine");
        for c in viable_candidates(&region) {
            let stream = &region.facilities[c.from_facility].outputs[c.stream];
            let group = engine
                .catalogue
                .material(&stream.material)
                .map_or("other".to_owned(), |m| m.category.label().to_owned());
            let e = per.entry(group).or_default();
            e.0.push(c.value.break_even_km);
            e.1.push(c.value.distance_km);
        }
    }
    per.into_iter()
        .map(|(g, (mut be, mut d))| {
            be.sort_by(f64::total_cmp);
            d.sort_by(f64::total_cmp);
            let median = |v: &[f64]| {
                let n = v.len();
                if n % 2 == 1 {
                    v[n / 2]
                } else {
                    0.5 * (v[n / 2 - 1] + v[n / 2])
                }
            };
            (g, (be.len(), median(&be), median(&d)))
        })
        .collect()
}

#[test]
fn the_viable_distances_by_material_group_are_the_documents() {
    let groups = break_even_by_group();
    for (g, (n, be, d)) in &groups {
        eprintln!("| G {g} | {n} | {be:.0} | {d:.0} |");
    }
    let rows = table_rows("G ");
    assert!(!rows.is_empty());
    for row in &rows {
        let group = row[0].trim_start_matches("G ").to_owned();
        let (n, be, d) = groups
            .get(&group)
            .unwrap_or_else(|| panic!("no candidates of group {group}"));
        assert_eq!(number(&row[1]) as usize, *n, "{group}: candidates");
        assert!(
            (number(&row[2]) - be).abs() <= 0.5,
            "{group}: median break-even {be}"
        );
        assert!(
            (number(&row[3]) - d).abs() <= 0.5,
            "{group}: median distance {d}"
        );
    }
    assert_eq!(rows.len(), groups.len(), "every group is in the table");
}

#[test]
fn the_pairs_checked_by_hand_are_what_match_prints() {
    // | P1 | sample | stream id | need id | km | b/e km | net/unit | value/yr |
    let rows = table_rows("P");
    assert!(rows.len() >= 5, "at least five pairs checked by hand");
    let mut by_sample: BTreeMap<String, (Region, Vec<Candidate>)> = BTreeMap::new();
    for row in &rows {
        let (region, cands) = by_sample.entry(row[1].clone()).or_insert_with(|| {
            let region = load(&format!("sample-regions/{}", row[1]));
            let cands = viable_candidates(&region);
            (region, cands)
        });
        let c = cands
            .iter()
            .find(|c| {
                region.facilities[c.from_facility].outputs[c.stream].id == row[2]
                    && region.facilities[c.to_facility].needs[c.need].id == row[3]
            })
            .unwrap_or_else(|| panic!("{}: no viable candidate {} -> {}", row[0], row[2], row[3]));
        let near = as_printed;
        assert!(
            near(&row[4], c.value.distance_km),
            "{}: km {}",
            row[0],
            c.value.distance_km
        );
        assert!(
            near(&row[5], c.value.break_even_km),
            "{}: b/e {}",
            row[0],
            c.value.break_even_km
        );
        assert!(
            near(&row[6], c.value.net_value_per_unit),
            "{}: net {}",
            row[0],
            c.value.net_value_per_unit
        );
        assert!(
            near(&row[7], c.annual.value_per_yr),
            "{}: value {}",
            row[0],
            c.annual.value_per_yr
        );
    }
}
