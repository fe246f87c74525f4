//! The partner search against a brute force on small random regions that exercise what the
//! economics now depend on: today's outlets (sold, landfilled by country, used on site),
//! supplies (secondary, from afar, heat sources), rules on the mass and the energy basis,
//! preprocessing chains, fixed and all modes with sites that have sidings and quays,
//! pipelines sized by flow, perishable streams, specifications, months and a carbon price.
//!
//! The brute force asks the engine's full explanation of every (stream, rule, need) pair,
//! which values the pair from scratch (its outlet, its flow, every mode, every check) without
//! the R-tree, the batches, the reach bound or the search's fast path; the search must find
//! exactly the viable pairs it finds, with the same value. Fixed seeds, as rstar's tests do.

use std::collections::BTreeMap;

use symbiomap::geodesy::{haversine_km, SpherePoint};
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::model::{ModeKey, Region};

#[path = "common/regions.rs"]
mod regions;
use regions::random_region;

/// Every viable pair by brute force: each stream's every option against each need of its
/// target material, valued by the engine's full explanation.
fn brute_force(engine: &Engine, region: &Region) -> BTreeMap<(u32, u16, u32), (f64, f64)> {
    let mut out = BTreeMap::new();
    for (si, s) in engine.supplies.iter().enumerate() {
        for (oi, opt) in s.options.iter().enumerate() {
            for (di, d) in engine.demands.iter().enumerate() {
                if d.material != Some(opt.to_material) || d.facility == s.facility {
                    continue;
                }
                let a = &region.facilities[s.facility as usize].location;
                let b = &region.facilities[d.facility as usize].location;
                let km = haversine_km(
                    &SpherePoint::from_degrees(a.lat_deg, a.lon_deg),
                    &SpherePoint::from_degrees(b.lat_deg, b.lon_deg),
                ) * opt.detour_factor;
                let probe = PairHit {
                    supply: si as u32,
                    demand: di as u32,
                    option: oi as u16,
                    kind: opt.kind,
                    mode: ModeKey::Truck,
                    viable: false,
                    level: symbiomap::checks::Level::Pass,
                    distance_km: km,
                    break_even_km: 0.0,
                    net_value_per_unit: 0.0,
                };
                if let Some(c) = engine.explain(region, &probe) {
                    if c.viable {
                        out.insert(
                            (si as u32, oi as u16, di as u32),
                            (c.value.net_value_per_unit, c.value.break_even_km),
                        );
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_search_finds_what_the_brute_force_finds() {
    let mut pairs = 0;
    let mut pipelines = 0;
    let mut perishable = 0;
    for seed in 0..40 {
        let region = random_region(seed, 8..40);
        let engine = Engine::new(&region).expect("engine");
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let found: BTreeMap<(u32, u16, u32), (f64, f64)> = hits
            .iter()
            .filter(|h| h.viable)
            .map(|h| {
                (
                    (h.supply, h.option, h.demand),
                    (h.net_value_per_unit, h.break_even_km),
                )
            })
            .collect();
        let expected = brute_force(&engine, &region);
        let only_search: Vec<_> = found.keys().filter(|k| !expected.contains_key(k)).collect();
        let only_brute: Vec<_> = expected.keys().filter(|k| !found.contains_key(k)).collect();
        assert!(
            only_search.is_empty() && only_brute.is_empty(),
            "seed {seed}: search only {only_search:?}, brute force only {only_brute:?}"
        );
        for (k, (net, be)) in &expected {
            let (n2, b2) = found[k];
            assert!(
                (net - n2).abs() <= 1e-9 * net.abs().max(1.0)
                    && (be - b2).abs() <= 1e-9 * be.abs().max(1.0),
                "seed {seed} {k:?}: brute force {net} / {be} km, search {n2} / {b2} km"
            );
        }
        pairs += expected.len();
        for h in hits.iter().filter(|h| h.viable) {
            if h.mode == ModeKey::Pipeline {
                pipelines += 1;
            }
            if engine.supplies[h.supply as usize].shelf_life_days.is_some() {
                perishable += 1;
            }
        }
    }
    // The regions exercise what they are meant to.
    assert!(pairs > 300, "{pairs} viable pairs in all");
    assert!(pipelines > 20, "{pipelines} by pipeline");
    assert!(perishable > 10, "{perishable} perishable");
}

/// The suppliers of each need, found from the need's side, are the pairs the region-wide search
/// finds with that need: the same hits, near misses and failed checks included.
#[test]
fn the_search_from_a_need_finds_the_pairs_the_search_from_streams_finds() {
    let options = SearchOptions {
        reach_factor: 1.25,
        include_failed: true,
    };
    let mut pairs = 0;
    for seed in 0..20 {
        let region = random_region(seed, 8..40);
        let engine = Engine::new(&region).expect("engine");
        let mut all: Vec<PairHit> = engine.search(&region, &options);
        all.sort_by_key(|h| (h.demand, h.supply, h.option));
        for demand in 0..engine.demands.len() {
            let mut from_need: Vec<PairHit> = Vec::new();
            engine.search_demand(&region, demand, &options, &mut from_need);
            let expected: Vec<PairHit> = all
                .iter()
                .filter(|h| h.demand as usize == demand)
                .copied()
                .collect();
            assert_eq!(from_need, expected, "seed {seed}, demand {demand}");
            pairs += from_need.len();
            let d = &engine.demands[demand];
            assert_eq!(
                engine.demand_index(d.facility as usize, d.need as usize),
                Some(demand)
            );
        }
    }
    assert!(pairs > 300, "{pairs} pairs in all");
}

/// The sample's plasterboard works only buys gypsum: the search from its need finds the power
/// station's FGD gypsum among its suppliers.
#[test]
fn a_facility_that_only_buys_has_suppliers() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-regions/scheldt-valley.json");
    let region = symbiomap::io::region_file::load(&path).expect("sample");
    let engine = Engine::new(&region).expect("engine");
    let works = region
        .facility_index("SV05")
        .expect("the plasterboard works");
    assert!(region.facilities[works].outputs.is_empty());
    let demand = engine
        .demand_index(works, 0)
        .expect("its gypsum need is searched");
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_demand(&region, demand, &SearchOptions::default(), &mut hits);
    let suppliers: Vec<&str> = hits
        .iter()
        .filter(|h| h.viable)
        .map(|h| {
            let s = &engine.supplies[h.supply as usize];
            region.facilities[s.facility as usize].outputs[s.stream as usize]
                .id
                .as_str()
        })
        .collect();
    assert!(suppliers.contains(&"SV01-gypsum"), "{suppliers:?}");
}
