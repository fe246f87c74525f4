//! What was known to be wrong in the economics, each with a test that failed before it was
//! mended (issue "Honest economics", item 8), and the migration of version-2 region files.

use std::path::Path;

use symbiomap::catalogue::{Access, Catalogue};
use symbiomap::economics::ModeBlock;
use symbiomap::io::region_file;
use symbiomap::matching::{Candidate, Engine, PairHit, SearchOptions};
use symbiomap::model::{
    Availability, CurrentSupply, Facility, LatLon, ModeKey, Need, Outlet, OutletKind, OutputStream,
    Pattern, Region, SupplyOrigin, Unit,
};
use symbiomap::summary::allocate;

fn facility(id: &str, lat: f64, lon: f64) -> Facility {
    Facility::new(id, id, LatLon::new(lat, lon))
}

fn stream(id: &str, material: &str, quantity: f64, unit: Unit) -> OutputStream {
    OutputStream {
        outlet: Outlet::with_cost(OutletKind::Landfill, 40.0),
        ..OutputStream::new(id, material, quantity, unit)
    }
}

fn need(id: &str, material: &str, quantity: f64, price: f64) -> Need {
    Need {
        supply: CurrentSupply::priced(price),
        ..Need::new(id, material, quantity, Unit::Tonne)
    }
}

fn candidates(region: &Region) -> Vec<Candidate> {
    let engine = Engine::new(region).expect("engine");
    let options = SearchOptions {
        reach_factor: 10.0,
        include_failed: true,
    };
    let hits: Vec<PairHit> = engine.search(region, &options);
    hits.iter()
        .filter_map(|h| engine.explain(region, h))
        .collect()
}

#[test]
fn a_stream_in_m3_costs_the_same_per_tonne_as_one_in_t() {
    // Sawdust is light (0.2 t/m3): a truck fills its volume before its payload. Before, the
    // stream in m3 took the mode set of the first stream of its material (in t) and skipped
    // the volume penalty; it must cost per tonne what the stream in t costs.
    let mut region = Region::default();
    let mut a = facility("a", 50.0, 4.0);
    a.outputs
        .push(stream("in_t", "sawdust", 1_000.0, Unit::Tonne));
    let mut b = facility("b", 50.0, 4.001);
    b.outputs
        .push(stream("in_m3", "sawdust", 5_000.0, Unit::CubicMetre));
    let mut mill = facility("mill", 50.2, 4.0);
    mill.needs
        .push(need("chips", "wood_chips_fuel", 100_000.0, 100.0));
    region.facilities = vec![a, b, mill];
    let cands = candidates(&region);
    let truck = |id: &str| {
        cands
            .iter()
            .find(|c| region.facilities[c.from_facility].outputs[c.stream].id == id)
            .and_then(|c| c.by_mode.iter().find(|(m, _)| *m == ModeKey::Truck))
            .and_then(|(_, r)| r.as_ref().ok().copied())
            .expect("a truck candidate")
    };
    let per_t = truck("in_t").slope_per_unit_km;
    let per_m3 = truck("in_m3").slope_per_unit_km;
    let density = 0.2;
    assert!(
        (per_m3 / density - per_t).abs() < 1e-12,
        "{per_t} EUR/t-km against {} EUR/t-km for the m3 stream",
        per_m3 / density
    );
    // 25 t / (90 m3 x 0.2 t/m3) = 1.39: the light load pays more per tonne-km.
    assert!((per_t - 0.12 * 25.0 / 18.0).abs() < 1e-12, "{per_t}");
}

#[test]
fn the_greedy_plan_keeps_a_rules_blending_share_across_suppliers() {
    // Fly ash may cover at most 25 % of a cement need. Two power stations each have ash enough
    // for all of it; before, each took the full share, together 50 %.
    let mut region = Region::default();
    for (i, lon) in [3.80, 3.82].into_iter().enumerate() {
        let mut p = facility(&format!("power{i}"), 51.0, lon);
        let mut s = stream(&format!("ash{i}"), "fly_ash", 100_000.0, Unit::Tonne);
        s.composition = vec![
            symbiomap::model::Constituent::new("unburnt_carbon", 3.0),
            symbiomap::model::Constituent::new("Cl", 0.01),
        ];
        s.moisture_pct = Some(0.5);
        p.outputs.push(s);
        region.facilities.push(p);
    }
    let mut works = facility("works", 51.05, 3.85);
    works
        .needs
        .push(need("cement", "portland_cement", 100_000.0, 110.0));
    region.facilities.push(works);
    let engine = Engine::new(&region).expect("engine");
    let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
    let cands = engine.quantify_all(&region, &hits);
    let summary = allocate(&engine, &region, &cands);
    let cement_units: f64 = summary
        .allocated
        .iter()
        .map(|a| a.source_units_per_yr * a.candidate.need_units_per_source_unit)
        .sum();
    assert!(!summary.allocated.is_empty());
    assert!(
        cement_units <= 25_000.0 + 1e-6,
        "{cement_units} t of cement replaced, more than 25 % of 100 000 t"
    );
    assert!(cement_units > 24_999.0, "{cement_units}");
}

#[test]
fn the_minimum_lot_is_compared_in_the_needs_unit() {
    // Batches of 30 t of wet grain replace 30 x 0.2 = 6 t of feed: less than a 10 t lot.
    // Before, 30 (t of grain) was compared with 10 (t of feed) and passed.
    let mut region = Region::default();
    let mut brewery = facility("brewery", 51.0, 3.8);
    let mut s = stream("grain", "spent_grain", 1_560.0, Unit::Tonne);
    s.outlet = Outlet::with_cost(OutletKind::Unspecified, 30.0);
    s.availability = Availability {
        pattern: Pattern::Batches {
            batch_quantity: 30.0,
            every_days: 7.0,
        },
        ..Availability::default()
    };
    brewery.outputs.push(s);
    let mut farm = facility("farm", 51.05, 3.8);
    let mut n = need("feed", "compound_feed", 5_000.0, 350.0);
    n.spec.min_lot = Some(10.0);
    farm.needs.push(n);
    region.facilities = vec![brewery, farm];
    let cands = candidates(&region);
    let c = cands
        .iter()
        .find(|c| {
            c.rule
                .as_ref()
                .is_some_and(|r| r.id == "spent_grain>compound_feed")
        })
        .expect("grain to feed");
    let lot = c
        .checks
        .iter()
        .find(|x| x.aspect == "lot")
        .expect("a lot check");
    assert_ne!(lot.level, symbiomap::checks::Level::Pass, "{}", lot.message);
    assert!(
        lot.message.contains("50.0 t of the stream"),
        "{}",
        lot.message
    );
}

#[test]
fn a_mode_left_out_by_the_streams_fixed_mode_says_so() {
    // Whey is a liquid: a pipeline can carry it. With the stream's mode fixed to truck, the
    // pipeline was reported as unable to carry the physical state.
    let mut region = Region::default();
    let mut dairy = facility("dairy", 51.0, 3.8);
    let mut s = stream("whey", "whey", 20_000.0, Unit::Tonne);
    s.mode = Some(ModeKey::Truck);
    dairy.outputs.push(s);
    let mut farm = facility("farm", 51.05, 3.8);
    farm.needs
        .push(need("feed", "compound_feed", 5_000.0, 350.0));
    region.facilities = vec![dairy, farm];
    let cands = candidates(&region);
    let c = cands.first().expect("a candidate");
    let pipe = c
        .by_mode
        .iter()
        .find(|(m, _)| *m == ModeKey::Pipeline)
        .expect("a pipeline line");
    assert_eq!(pipe.1, Err(ModeBlock::Fixed(ModeKey::Truck)));
    assert!(ModeBlock::Fixed(ModeKey::Truck)
        .explain()
        .contains("goes by truck"));
    // Rail and barge need infrastructure the sites lack: that is said too.
    let rail = c.by_mode.iter().find(|(m, _)| *m == ModeKey::Rail).unwrap();
    assert!(rail.1.is_err());
}

#[test]
fn site_access_is_read_from_the_modes_requirements() {
    // A catalogue in which barges need nothing at either end: before, the search still asked
    // for a quay at both sites (the requirement was written into the code).
    let mut region = Region::default();
    let mut a = facility("a", 51.0, 3.8);
    let mut s = stream("slag", "steel_slag", 50_000.0, Unit::Tonne);
    s.mode = Some(ModeKey::Barge);
    a.outputs.push(s);
    let mut b = facility("b", 51.3, 3.8);
    b.needs
        .push(need("agg", "natural_aggregate", 100_000.0, 16.0));
    region.facilities = vec![a, b];
    let mut catalogue = Catalogue::for_region(&region).unwrap();
    for m in &mut catalogue.modes {
        if m.key == ModeKey::Barge {
            assert_eq!(m.requires, Some(Access::Quay));
            m.requires = None;
        }
    }
    let engine = Engine::with_catalogue(&region, catalogue);
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_supply(&region, 0, &SearchOptions::default(), &mut hits);
    assert!(
        hits.iter().any(|h| h.mode == ModeKey::Barge),
        "no quay needed, the barge goes: {hits:?}"
    );
    // With the built-in requirement and no quays, it cannot.
    let engine = Engine::new(&region).unwrap();
    let mut hits: Vec<PairHit> = Vec::new();
    engine.search_supply(&region, 0, &SearchOptions::default(), &mut hits);
    assert!(hits.iter().all(|h| h.mode != ModeKey::Barge), "{hits:?}");
}

#[test]
fn landfill_diverted_counts_only_streams_landfilled_today() {
    let mut region = Region::default();
    let mut a = facility("a", 51.0, 3.8);
    let mut s = stream("water", "treated_wastewater", 100_000.0, Unit::CubicMetre);
    s.outlet = Outlet::with_cost(OutletKind::Sewer, 0.3);
    a.outputs.push(s);
    let mut b = facility("b", 51.02, 3.8);
    let mut n = need("water_in", "process_water", 200_000.0, 1.6);
    n.unit = Unit::CubicMetre;
    b.needs.push(n);
    region.facilities = vec![a, b];
    let cands = candidates(&region);
    let c = cands.first().expect("water to water");
    assert_eq!(c.annual.landfill_diverted_t_per_yr, 0.0);
    assert!(c.annual.exchanged_per_yr > 0.0);
}

#[test]
fn a_same_material_sale_is_no_virgin_production() {
    // Scrap sold today at 320 to a steelworks that buys scrap at 360: the surplus is the
    // difference, and no production is avoided (scrap is a secondary material).
    let mut region = Region::default();
    let mut yard = facility("yard", 51.0, 3.8);
    let mut s = stream("scrap", "scrap_steel", 10_000.0, Unit::Tonne);
    s.outlet = Outlet::sold(320.0);
    yard.outputs.push(s);
    let mut works = facility("works", 51.05, 3.8);
    works
        .needs
        .push(need("scrap_in", "scrap_steel", 100_000.0, 360.0));
    region.facilities = vec![yard, works];
    let cands = candidates(&region);
    let c = cands.first().expect("scrap to scrap");
    assert_eq!(c.demand.origin, SupplyOrigin::Secondary);
    assert_eq!(c.demand.production_co2_kg_per_to_unit, 0.0);
    assert!(
        c.value.co2_avoided_kg_per_unit < 0.0,
        "only the truck's CO2"
    );
    // 360 - 320 - (3 QA + 2 handling + 0.6 testing) = 34.4 EUR/t at the gate
    assert!((c.value.value_at_zero_per_unit - 34.4).abs() < 1e-9);
    assert!(c.value.break_even_km < 300.0, "{}", c.value.break_even_km);
}

#[test]
fn a_version_2_file_migrates_its_disposal_costs_to_outlets() {
    let text = r#"{
      "format_version": 2, "name": "old",
      "facilities": [
        { "id": "F1", "name": "one", "location": { "lat_deg": 51.0, "lon_deg": 3.8 },
          "outputs": [
            { "id": "a", "material": "fly_ash", "quantity_per_yr": 10, "unit": "t",
              "disposal_cost_per_unit": 45, "disposal_route": "landfill" },
            { "id": "b", "material": "scrap_steel", "quantity_per_yr": 10, "unit": "t",
              "disposal_cost_per_unit": -320, "disposal_route": "other" },
            { "id": "c", "material": "bottom_ash", "quantity_per_yr": 10, "unit": "t",
              "disposal_cost_per_unit": 40 },
            { "id": "d", "material": "waste_heat_low_temp", "quantity_per_yr": 10, "unit": "MWh",
              "disposal_cost_per_unit": 1, "disposal_route": "emitted" },
            { "id": "e", "material": "treated_wastewater", "quantity_per_yr": 10, "unit": "m3",
              "disposal_route": "sewer" }
          ],
          "needs": [
            { "id": "n", "material": "portland_cement", "quantity_per_yr": 10, "unit": "t",
              "virgin_price_per_unit": 95 }
          ] }
      ],
      "proposals": [ { "id": "W1", "from_facility": "F1", "to_facility": "F1", "note": "kept" } ]
    }"#;
    let region = region_file::parse(text, Path::new("old.json")).expect("a version-2 file loads");
    assert_eq!(region.format_version, symbiomap::model::FORMAT_VERSION);
    let o = &region.facilities[0].outputs;
    assert_eq!(o[0].outlet, Outlet::with_cost(OutletKind::Landfill, 45.0));
    assert_eq!(o[1].outlet, Outlet::sold(320.0));
    assert_eq!(
        o[2].outlet,
        Outlet::with_cost(OutletKind::Unspecified, 40.0)
    );
    assert_eq!(o[3].outlet, Outlet::with_cost(OutletKind::Emitted, 1.0));
    assert_eq!(o[4].outlet, Outlet::new(OutletKind::Sewer));
    assert_eq!(
        region.facilities[0].needs[0].supply.price_per_unit,
        Some(95.0)
    );
    assert_eq!(region.proposals.len(), 1);
    // Saved again, the old fields are gone and the new ones are there; it loads the same.
    let saved = region_file::to_text(&region).unwrap();
    assert!(!saved.contains("disposal_cost_per_unit"), "{saved}");
    assert!(!saved.contains("virgin_price_per_unit"), "{saved}");
    assert!(saved.contains("\"outlet\""));
    let again = region_file::parse(&saved, Path::new("new.json")).unwrap();
    assert_eq!(again, region);
}

#[test]
fn a_version_1_file_keeps_the_proposals_it_carries() {
    let text = r#"{ "format_version": 1, "name": "v1",
      "facilities": [ { "id": "F1", "name": "one", "location": { "lat_deg": 51.0, "lon_deg": 3.8 } } ],
      "proposals": [ { "id": "W1", "from_facility": "F1", "to_facility": "F1" } ],
      "projects": [ { "id": "J1", "name": "kept" } ] }"#;
    let region = region_file::parse(text, Path::new("v1.json")).unwrap();
    assert_eq!(region.proposals.len(), 1);
    assert_eq!(region.projects.len(), 1);
}

#[test]
fn check_warns_about_a_stream_that_sells_and_pays_for_disposal() {
    let mut region = Region::default();
    let mut a = facility("a", 51.0, 3.8);
    let mut s = stream("grain", "spent_grain", 1_000.0, Unit::Tonne);
    s.outlet = Outlet {
        cost_per_unit: Some(30.0),
        ..Outlet::sold(25.0)
    };
    a.outputs.push(s);
    let mut s = stream("grain2", "spent_grain", 1_000.0, Unit::Tonne);
    s.description = "Wet grain, sold today as feed".into();
    s.outlet = Outlet::with_cost(OutletKind::Unspecified, 30.0);
    a.outputs.push(s);
    // "Unsold" is not a sale; a stream of a material without a positive market is not flagged.
    let mut s = stream("dust", "cement_kiln_dust", 1_000.0, Unit::Tonne);
    s.description = "Unsold bypass dust".into();
    s.outlet = Outlet::with_cost(OutletKind::Landfill, 50.0);
    a.outputs.push(s);
    // Paid for although its material sells: asked about.
    let mut s = stream("cullet", "glass_cullet", 1_000.0, Unit::Tonne);
    s.outlet = Outlet::with_cost(OutletKind::Landfill, 40.0);
    a.outputs.push(s);
    region.facilities.push(a);
    let catalogue = symbiomap::catalogue::Catalogue::builtin();
    let w = symbiomap::checks::outlet_warnings(&region, catalogue);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].contains("`grain`") && w[0].contains("also pays 30"),
        "{}",
        w[0]
    );
    assert!(
        w[1].contains("`grain2`") && w[1].contains("description says it is sold"),
        "{}",
        w[1]
    );
    assert!(
        w[2].contains("`cullet`") && w[2].contains("sells at 10-60"),
        "{}",
        w[2]
    );
}
