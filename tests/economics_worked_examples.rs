//! The worked examples of `docs/ECONOMICS.md`, computed by the engine. Each number printed in
//! the document is asserted here; if a default in `assets/catalogue/logistics.json` changes,
//! this test fails until the document is updated.

use symbiomap::catalogue::{Category, MatchKind, Material, Rule};
use symbiomap::geodesy::EARTH_RADIUS_KM;
use symbiomap::matching::{Candidate, Engine, PairHit, SearchOptions};
use symbiomap::model::{
    Availability, Extra, Facility, LatLon, ModeKey, Need, OutputStream, PhysicalState,
    PreprocessStep, Region, Specification, Unit,
};

/// Longitude on the equator that lies `km` east of 0 deg along the great circle.
fn lon_for_km(km: f64) -> f64 {
    (km / EARTH_RADIUS_KM).to_degrees()
}

fn material(key: &str, category: Category, state: PhysicalState, unit: Unit) -> Material {
    Material {
        category,
        state,
        unit,
        ..Material::named(key)
    }
}

fn facility(id: &str, km_east: f64) -> Facility {
    Facility {
        id: id.into(),
        name: id.into(),
        operator: String::new(),
        sector: String::new(),
        location: LatLon::new(0.0, lon_for_km(km_east)),
        address: String::new(),
        tags: Vec::new(),
        confidential: false,
        rail_siding: false,
        quay: false,
        outputs: Vec::new(),
        needs: Vec::new(),
        attributes: std::collections::BTreeMap::default(),
        extra: Extra::new(),
    }
}

fn stream(id: &str, material: &str, quantity: f64, unit: Unit, disposal: f64) -> OutputStream {
    OutputStream {
        id: id.into(),
        material: material.into(),
        ewc_code: None,
        description: String::new(),
        composition: Vec::new(),
        physical_state: None,
        moisture_pct: None,
        bulk_density_t_per_m3: None,
        quantity_per_yr: quantity,
        unit,
        variability_cv_pct: None,
        availability: Availability::default(),
        disposal_cost_per_unit: Some(disposal),
        disposal_route: symbiomap::model::DisposalRoute::Landfill,
        hazardous: false,
        preprocessing: Vec::new(),
        mode: None,
        extra: Extra::new(),
    }
}

fn need(id: &str, material: &str, quantity: f64, unit: Unit, price: f64) -> Need {
    Need {
        id: id.into(),
        material: material.into(),
        description: String::new(),
        spec: Specification::default(),
        quantity_per_yr: quantity,
        unit,
        availability: Availability::default(),
        virgin_price_per_unit: Some(price),
        extra: Extra::new(),
    }
}

fn rule(id: &str, from: &str, to: &str, kind: MatchKind, ratio: f64) -> Rule {
    Rule {
        id: id.into(),
        from: from.into(),
        to: to.into(),
        kind,
        substitution_ratio: ratio,
        max_share_pct: None,
        treatment: None,
        spec: Specification::default(),
        description: String::new(),
        sources: std::collections::BTreeMap::default(),
        extra: Extra::new(),
    }
}

/// The one candidate between the two sites (searching far enough to see it even when it is
/// not viable).
fn candidate(region: &Region) -> Candidate {
    let engine = Engine::new(region).expect("engine");
    assert!(engine.issues.is_empty(), "{:?}", engine.issues);
    let options = SearchOptions {
        reach_factor: 100.0,
        include_failed: true,
    };
    let hits: Vec<PairHit> = engine.search(region, &options);
    assert_eq!(hits.len(), 1, "{hits:?}");
    engine
        .explain(region, &hits[0])
        .expect("explain the first hit")
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (tolerance {tol})");
}

fn region_with(materials: Vec<Material>, rules: Vec<Rule>, a: Facility, b: Facility) -> Region {
    let mut region = Region::default();
    region.catalogue.materials = materials;
    region.catalogue.rules = rules;
    region.catalogue.builtin_rules = false;
    region.facilities = vec![a, b];
    region
}

/// Example 1: fly ash to a cement works 30 km away, by truck, no preprocessing.
fn example_1() -> Region {
    let mut ash = material(
        "ex_fly_ash",
        Category::Mineral,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    ash.bulk_density_t_per_m3 = Some(0.9);
    ash.processing_cost_per_unit = Some(3.0);
    let mut cement = material(
        "ex_cement",
        Category::Mineral,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    cement.virgin_emission_kg_co2_per_unit = Some(800.0);
    let mut r = rule(
        "ash>cement",
        "ex_fly_ash",
        "ex_cement",
        MatchKind::Direct,
        0.4,
    );
    r.max_share_pct = Some(30.0);
    let mut power = facility("power", 0.0);
    power
        .outputs
        .push(stream("ash", "ex_fly_ash", 20_000.0, Unit::Tonne, 40.0));
    let mut works = facility("cement_works", 30.0);
    works
        .needs
        .push(need("cement", "ex_cement", 100_000.0, Unit::Tonne, 110.0));
    region_with(vec![ash, cement], vec![r], power, works)
}

#[test]
fn example_1_fly_ash_to_cement() {
    let c = candidate(&example_1());
    let v = c.value;
    assert_eq!(c.kind, MatchKind::Direct);
    assert_eq!(v.mode, ModeKey::Truck);
    close(v.distance_km, 39.0, 1e-9);
    close(v.avoided_disposal_per_unit, 40.0, 1e-12);
    close(v.avoided_purchase_per_unit, 44.0, 1e-12);
    close(v.fixed_cost_per_unit + v.handling_per_unit, 5.0, 1e-12);
    close(v.value_at_zero_per_unit, 79.0, 1e-12);
    close(v.slope_per_unit_km, 0.12, 1e-15);
    close(v.break_even_km, 658.333_333, 1e-6);
    close(v.net_value_per_unit, 74.32, 1e-9);
    close(c.annual.exchanged_per_yr, 20_000.0, 1e-9);
    close(c.annual.value_per_yr, 1_486_400.0, 1e-6);
    close(v.co2_avoided_kg_per_unit, 317.699, 1e-9);
    close(c.annual.co2_avoided_t_per_yr, 6_353.98, 1e-6);
    close(c.annual.landfill_diverted_t_per_yr, 20_000.0, 1e-9);
    assert!(c.viable);
}

/// Example 2: wet brewers' spent grain to a feed mill 40 km away, as is and after dewatering
/// and thermal drying.
fn example_2(chain: Vec<PreprocessStep>) -> Region {
    let mut grain = material(
        "ex_spent_grain",
        Category::Biomass,
        PhysicalState::Sludge,
        Unit::Tonne,
    );
    grain.bulk_density_t_per_m3 = Some(0.95);
    grain.typical_moisture_pct = Some(78.0);
    let mut feed = material(
        "ex_feed_barley",
        Category::Biomass,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    feed.virgin_emission_kg_co2_per_unit = Some(400.0);
    let r = rule(
        "grain>feed",
        "ex_spent_grain",
        "ex_feed_barley",
        MatchKind::Direct,
        0.2,
    );
    let mut brewery = facility("brewery", 0.0);
    let mut s = stream("grain", "ex_spent_grain", 10_000.0, Unit::Tonne, 30.0);
    s.preprocessing = chain;
    brewery.outputs.push(s);
    let mut mill = facility("feed_mill", 40.0 / 1.3);
    mill.needs.push(need(
        "barley",
        "ex_feed_barley",
        50_000.0,
        Unit::Tonne,
        200.0,
    ));
    region_with(vec![grain, feed], vec![r], brewery, mill)
}

#[test]
fn example_2_spent_grain_as_is() {
    let c = candidate(&example_2(Vec::new()));
    let v = c.value;
    close(v.distance_km, 40.0, 1e-9);
    close(v.value_at_zero_per_unit, 68.0, 1e-12);
    close(v.break_even_km, 566.666_667, 1e-6);
    close(v.net_value_per_unit, 63.2, 1e-9);
    close(c.annual.value_per_yr, 632_000.0, 1e-6);
    close(v.co2_avoided_kg_per_unit, 77.64, 1e-9);
    close(c.annual.co2_avoided_t_per_yr, 776.4, 1e-9);
}

#[test]
fn example_2_spent_grain_dewatered_and_dried() {
    let chain = vec![
        PreprocessStep {
            target_moisture_pct: Some(65.0),
            ..PreprocessStep::new("dewatering")
        },
        PreprocessStep {
            target_moisture_pct: Some(10.0),
            ..PreprocessStep::new("thermal_drying")
        },
    ];
    let region = example_2(chain);
    let engine = Engine::new(&region).unwrap();
    let (_, profile) = engine.profile(&region, 0, 0).unwrap();
    let p = profile.unwrap();
    close(p.mass_factor, 0.244_444_444, 1e-9);
    close(p.dry_matter_factor, 4.090_909_091, 1e-9);
    close(p.preprocessing_kwh_per_source_unit, 367.920_635, 1e-6);
    close(p.preprocessing_cost_per_source_unit, 30.011_746, 1e-6);
    close(p.preprocessing_co2_kg_per_source_unit, 74.463_968, 1e-6);
    close(p.bulk_density_t_per_m3.unwrap(), 0.715_602, 1e-6);
    assert_eq!(p.state, PhysicalState::Solid);

    let c = candidate(&region);
    let v = c.value;
    close(v.avoided_disposal_per_unit, 122.727_273, 1e-6);
    close(v.avoided_purchase_per_unit, 163.636_364, 1e-6);
    close(v.fixed_cost_per_unit, 122.775_325, 1e-6);
    close(v.value_at_zero_per_unit, 161.588_312, 1e-6);
    close(v.break_even_km, 1_346.569_264, 1e-6);
    close(v.net_value_per_unit, 156.788_312, 1e-6);
    close(c.annual.exchanged_per_yr, 2_444.444_444, 1e-6);
    close(c.annual.value_per_yr, 383_260.317, 1e-3);
    close(v.co2_avoided_kg_per_unit, 20.287_403, 1e-6);
    close(c.annual.co2_avoided_t_per_yr, 49.591_429, 1e-6);
}

/// Example 3: waste heat piped to a district heating network 12 km away.
fn example_3(km: f64) -> Region {
    let heat = material(
        "ex_waste_heat",
        Category::Energy,
        PhysicalState::Heat,
        Unit::MegawattHour,
    );
    let mut dh = material(
        "ex_network_heat",
        Category::Energy,
        PhysicalState::Heat,
        Unit::MegawattHour,
    );
    dh.virgin_emission_kg_co2_per_unit = Some(224.4);
    let r = rule(
        "heat>dh",
        "ex_waste_heat",
        "ex_network_heat",
        MatchKind::Cascaded,
        1.0,
    );
    let mut plant = facility("plant", 0.0);
    plant.outputs.push(stream(
        "heat",
        "ex_waste_heat",
        50_000.0,
        Unit::MegawattHour,
        2.0,
    ));
    plant.outputs[0].disposal_route = symbiomap::model::DisposalRoute::Emitted;
    let mut network = facility("network", km / 1.3);
    network.needs.push(need(
        "dh",
        "ex_network_heat",
        80_000.0,
        Unit::MegawattHour,
        45.0,
    ));
    region_with(vec![heat, dh], vec![r], plant, network)
}

#[test]
fn example_3_waste_heat_by_pipeline() {
    let c = candidate(&example_3(12.0));
    let v = c.value;
    assert_eq!(v.mode, ModeKey::Pipeline);
    assert_eq!(c.kind, MatchKind::Cascaded);
    close(v.value_at_zero_per_unit, 44.0, 1e-12);
    close(v.break_even_km, 44.0, 1e-12);
    close(v.net_value_per_unit, 32.0, 1e-9);
    close(c.annual.value_per_yr, 1_600_000.0, 1e-6);
    close(v.co2_avoided_kg_per_unit, 222.9, 1e-9);
    close(c.annual.landfill_diverted_t_per_yr, 0.0, 0.0);
    let truck = c
        .by_mode
        .iter()
        .find(|(m, _)| *m == ModeKey::Truck)
        .unwrap();
    assert!(truck.1.is_err(), "heat does not go by truck");
    // 50 km is past the break-even: the pair is a near miss, not a candidate.
    assert!(!candidate(&example_3(50.0)).viable);
}

/// Example 4: loose wood shavings fill a truck's volume first; pelletising fixes that.
fn example_4(chain: Vec<PreprocessStep>) -> Region {
    let mut shavings = material(
        "ex_shavings",
        Category::Wood,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    shavings.bulk_density_t_per_m3 = Some(0.15);
    shavings.typical_moisture_pct = Some(12.0);
    let fuel = material(
        "ex_biomass_fuel",
        Category::Wood,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    let r = rule(
        "shavings>fuel",
        "ex_shavings",
        "ex_biomass_fuel",
        MatchKind::Cascaded,
        0.8,
    );
    let mut sawmill = facility("sawmill", 0.0);
    let mut s = stream("shavings", "ex_shavings", 6_000.0, Unit::Tonne, 20.0);
    s.preprocessing = chain;
    sawmill.outputs.push(s);
    let mut plant = facility("chp", 100.0 / 1.3);
    plant.needs.push(need(
        "fuel",
        "ex_biomass_fuel",
        40_000.0,
        Unit::Tonne,
        150.0,
    ));
    region_with(vec![shavings, fuel], vec![r], sawmill, plant)
}

#[test]
fn example_4_densification_extends_the_reach() {
    let loose = candidate(&example_4(Vec::new())).value;
    close(loose.slope_per_unit_km, 0.222_222_222, 1e-9);
    close(loose.value_at_zero_per_unit, 138.0, 1e-12);
    close(loose.break_even_km, 621.0, 1e-9);
    close(loose.net_value_per_unit, 115.777_778, 1e-6);

    let pellets = candidate(&example_4(vec![PreprocessStep::new("pelletising")])).value;
    close(pellets.slope_per_unit_km, 0.12, 1e-12);
    close(pellets.fixed_cost_per_unit, 50.0, 1e-9);
    close(pellets.handling_per_unit, 1.2, 1e-12);
    close(pellets.value_at_zero_per_unit, 88.8, 1e-9);
    close(pellets.break_even_km, 740.0, 1e-9);
    close(pellets.net_value_per_unit, 76.8, 1e-9);
}
