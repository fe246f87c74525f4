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

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use symbiomap::geodesy::{haversine_km, SpherePoint};
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::model::{
    Availability, CurrentSupply, Extra, Facility, HeatSource, LatLon, ModeKey, Need, Outlet,
    OutletKind, OutputStream, Pattern, PreprocessStep, Region, Specification, SupplyOrigin, Unit,
};

/// (material, unit, what can be done to it)
const OUTPUTS: &[(&str, Unit)] = &[
    ("spent_grain", Unit::Tonne),
    ("whey", Unit::Tonne),
    ("sewage_sludge", Unit::Tonne),
    ("fly_ash", Unit::Tonne),
    ("sawdust", Unit::Tonne),
    ("sawdust", Unit::CubicMetre),
    ("scrap_steel", Unit::Tonne),
    ("waste_heat_medium_temp", Unit::MegawattHour),
    ("process_steam_surplus", Unit::MegawattHour),
    ("co2_offgas", Unit::Tonne),
    ("hydrogen_offgas", Unit::Tonne),
    ("treated_wastewater", Unit::CubicMetre),
    ("manure", Unit::Tonne),
    ("blast_furnace_slag", Unit::Tonne),
];

const NEEDS: &[(&str, Unit)] = &[
    ("compound_feed", Unit::Tonne),
    ("coal", Unit::Tonne),
    ("portland_cement", Unit::Tonne),
    ("wood_chips_fuel", Unit::Tonne),
    ("scrap_steel", Unit::Tonne),
    ("district_heat", Unit::MegawattHour),
    ("process_steam", Unit::MegawattHour),
    ("industrial_co2", Unit::Tonne),
    ("natural_gas_fuel", Unit::MegawattHour),
    ("process_water", Unit::CubicMetre),
    ("maize_silage", Unit::Tonne),
    ("blast_furnace_slag", Unit::Tonne),
    ("mineral_fertiliser_npk", Unit::Tonne),
];

fn pick<T: Copy>(rng: &mut SmallRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

fn random_region(seed: u64) -> Region {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut region = Region::default();
    region.settings.country = Some(pick(&mut rng, &["BE", "NL", "DE", "XX"]).to_owned());
    if rng.random_bool(0.3) {
        region.settings.carbon_price_per_t_co2 = 60.0;
    }
    let n = rng.random_range(8..40);
    let spread = pick(&mut rng, &[0.2, 0.8, 3.0]);
    for i in 0..n {
        let mut f = Facility::new(
            &format!("F{i}"),
            &format!("F{i}"),
            LatLon::new(
                50.0 + rng.random_range(-spread..spread),
                4.0 + rng.random_range(-spread..spread),
            ),
        );
        f.country = rng
            .random_bool(0.2)
            .then(|| pick(&mut rng, &["FR", "UK"]).to_owned());
        f.rail_siding = rng.random_bool(0.4);
        f.quay = rng.random_bool(0.4);
        for k in 0..rng.random_range(0..3) {
            let (material, unit) = pick(&mut rng, OUTPUTS);
            let quantity = match unit {
                Unit::MegawattHour => rng.random_range(5_000.0..300_000.0),
                _ => rng.random_range(300.0..60_000.0),
            };
            let outlet = match rng.random_range(0..6) {
                0 => Outlet::sold(rng.random_range(0.0..50.0)),
                1 => Outlet::new(OutletKind::Landfill),
                2 => Outlet::with_cost(OutletKind::Incineration, rng.random_range(20.0..120.0)),
                3 => Outlet::new(OutletKind::Emitted),
                4 => Outlet::new(OutletKind::UsedOnSite),
                _ => Outlet::default(),
            };
            let mut preprocessing = Vec::new();
            if matches!(material, "spent_grain" | "sewage_sludge" | "manure") {
                match rng.random_range(0..4) {
                    0 => preprocessing.push(PreprocessStep::new("ensiling")),
                    1 => preprocessing.push(PreprocessStep {
                        target_moisture_pct: Some(10.0),
                        ..PreprocessStep::new("thermal_drying")
                    }),
                    _ => {}
                }
            }
            if material == "sawdust" && rng.random_bool(0.4) {
                preprocessing.push(PreprocessStep::new("pelletising"));
            }
            let availability = if rng.random_bool(0.2) {
                Availability {
                    pattern: Pattern::Batches {
                        batch_quantity: quantity / 50.0,
                        every_days: 7.0,
                    },
                    months: vec![3, 4, 5, 6, 7, 8],
                }
            } else {
                Availability::default()
            };
            f.outputs.push(OutputStream {
                availability,
                outlet,
                preprocessing,
                mode: rng.random_bool(0.15).then(|| pick(&mut rng, &ModeKey::ALL)),
                ..OutputStream::new(&format!("F{i}-o{k}"), material, quantity, unit)
            });
        }
        for k in 0..rng.random_range(0..3) {
            let (material, unit) = pick(&mut rng, NEEDS);
            let mut spec = Specification::default();
            if rng.random_bool(0.2) {
                spec.min_lot = Some(rng.random_range(5.0..50.0));
            }
            if material == "coal" && rng.random_bool(0.5) {
                spec.min_lhv_mj_per_kg = Some(8.0);
            }
            let supply = CurrentSupply {
                price_per_unit: rng.random_bool(0.5).then(|| rng.random_range(10.0..400.0)),
                origin: match rng.random_range(0..3) {
                    0 => Some(SupplyOrigin::Virgin),
                    1 => Some(SupplyOrigin::Secondary),
                    _ => None,
                },
                distance_km: rng.random_bool(0.3).then(|| rng.random_range(10.0..300.0)),
                mode: None,
                supplier: String::new(),
                heat_source: rng
                    .random_bool(0.5)
                    .then(|| pick(&mut rng, &HeatSource::ALL)),
                extra: Extra::new(),
            };
            let quantity = match unit {
                Unit::MegawattHour => rng.random_range(5_000.0..400_000.0),
                _ => rng.random_range(300.0..80_000.0),
            };
            let availability = if rng.random_bool(0.2) {
                Availability {
                    pattern: Pattern::Continuous,
                    months: vec![1, 2, 3, 10, 11, 12],
                }
            } else {
                Availability::default()
            };
            f.needs.push(Need {
                spec,
                availability,
                supply,
                ..Need::new(&format!("F{i}-n{k}"), material, quantity, unit)
            });
        }
        region.facilities.push(f);
    }
    region
}

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
        let region = random_region(seed);
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
