//! The worked examples of `docs/ECONOMICS.md`, computed by the engine. Each number printed in
//! the document is asserted here; if a default in `assets/catalogue/logistics.json` changes,
//! this test fails until the document is updated. The examples use materials of their own (so
//! a change of the material catalogue does not move them) and the built-in transport modes,
//! preprocessing, outlet costs and defaults (so a change there does).

use symbiomap::catalogue::{Basis, Category, MatchKind, Material, Rule};
use symbiomap::checks::Level;
use symbiomap::geodesy::EARTH_RADIUS_KM;
use symbiomap::matching::{Candidate, Engine, PairHit, SearchOptions};
use symbiomap::model::{
    CurrentSupply, Extra, Facility, HeatSource, LatLon, ModeKey, Need, Outlet, OutletKind,
    OutputStream, PhysicalState, PreprocessStep, Region, Specification, SupplyOrigin, Unit,
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
    Facility::new(id, id, LatLon::new(0.0, lon_for_km(km_east)))
}

fn stream(id: &str, material: &str, quantity: f64, unit: Unit, outlet: Outlet) -> OutputStream {
    OutputStream {
        outlet,
        ..OutputStream::new(id, material, quantity, unit)
    }
}

fn need(id: &str, material: &str, quantity: f64, unit: Unit, price: f64) -> Need {
    Need {
        supply: CurrentSupply::priced(price),
        ..Need::new(id, material, quantity, unit)
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
        basis: Basis::Mass,
        discount_pct: None,
        treatment: None,
        spec: Specification::default(),
        description: String::new(),
        sources: std::collections::BTreeMap::default(),
        extra: Extra::new(),
    }
}

/// The one candidate between the two sites (searching far enough to see it even when it is
/// not viable, and with failed checks).
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

/// Example 1: fly ash landfilled today to a cement works 30 km away, by truck.
fn example_1(outlet: Outlet) -> Region {
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
        .push(stream("ash", "ex_fly_ash", 20_000.0, Unit::Tonne, outlet));
    let mut works = facility("cement_works", 30.0);
    works
        .needs
        .push(need("cement", "ex_cement", 100_000.0, Unit::Tonne, 110.0));
    region_with(vec![ash, cement], vec![r], power, works)
}

#[test]
fn example_1_fly_ash_to_cement() {
    let c = candidate(&example_1(Outlet::with_cost(OutletKind::Landfill, 40.0)));
    let v = c.value;
    assert_eq!(c.kind, MatchKind::Direct);
    assert_eq!(v.mode, ModeKey::Truck);
    close(v.distance_km, 39.0, 1e-9);
    close(v.avoided_outlet_per_unit, 40.0, 1e-12);
    // 0.4 x 110 x (1 - 20 % discount)
    close(c.price_factor, 0.8, 1e-12);
    close(v.avoided_purchase_per_unit, 35.2, 1e-12);
    // QA 3, handling 2, testing 15 EUR per 25 t load
    close(v.fixed_cost_per_unit, 3.0, 1e-12);
    close(v.handling_per_unit, 2.6, 1e-12);
    close(v.value_at_zero_per_unit, 69.6, 1e-12);
    close(v.slope_per_unit_km, 0.12, 1e-15);
    close(v.break_even_km, 580.0, 1e-9);
    close(v.net_value_per_unit, 64.92, 1e-9);
    close(c.annual.exchanged_per_yr, 20_000.0, 1e-9);
    close(c.annual.value_per_yr, 1_298_400.0, 1e-6);
    close(v.co2_avoided_kg_per_unit, 317.699, 1e-9);
    close(c.annual.co2_avoided_t_per_yr, 6_353.98, 1e-6);
    close(c.annual.landfill_diverted_t_per_yr, 20_000.0, 1e-9);
    // Who gains what: the sender's 40 against the receiver's 24.92, halved.
    let g = c.gains;
    close(g.sender_alone_per_unit, 40.0, 1e-12);
    close(g.receiver_alone_per_unit, 24.92, 1e-9);
    close(g.transfer_price_per_unit, -7.54, 1e-9);
    close(g.sender_per_unit, 32.46, 1e-9);
    close(g.receiver_per_unit, 32.46, 1e-9);
    close(g.sender_per_yr, 649_200.0, 1e-6);
    close(g.price_low_per_unit, -40.0, 1e-12);
    close(g.price_high_per_unit, 24.92, 1e-9);
    assert!(c.viable);
}

#[test]
fn example_1_landfill_cost_from_the_country() {
    // No cost given: the Dutch non-hazardous landfill, gate fee 60 + tax 33.15 per t.
    let mut region = example_1(Outlet::new(OutletKind::Landfill));
    region.settings.country = Some("NL".into());
    let c = candidate(&region);
    close(c.outlet.net_cost_per_unit, 93.15, 1e-9);
    assert!(
        c.outlet.basis.contains("gate fee 60 + tax 33"),
        "{}",
        c.outlet.basis
    );
    close(c.value.value_at_zero_per_unit, 122.75, 1e-9);
    close(c.value.break_even_km, 1_022.916_667, 1e-6);
    // The same stream sold at 10 EUR/t today: the sale is given up.
    let c = candidate(&example_1(Outlet::sold(10.0)));
    close(c.value.avoided_outlet_per_unit, -10.0, 1e-12);
    close(c.value.value_at_zero_per_unit, 19.6, 1e-9);
    close(c.value.break_even_km, 163.333_333, 1e-6);
    close(c.annual.landfill_diverted_t_per_yr, 0.0, 0.0);
}

/// Example 2: wet brewers' spent grain sold to farmers today, offered to a feed mill 40 km
/// away by road.
fn example_2(quantity: f64, chain: Vec<PreprocessStep>) -> Region {
    let mut grain = material(
        "ex_spent_grain",
        Category::Biomass,
        PhysicalState::Sludge,
        Unit::Tonne,
    );
    grain.bulk_density_t_per_m3 = Some(0.95);
    grain.typical_moisture_pct = Some(78.0);
    grain.shelf_life_days = Some(3.0);
    let mut feed = material(
        "ex_feed",
        Category::Biomass,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    feed.virgin_emission_kg_co2_per_unit = Some(400.0);
    let mut r = rule(
        "grain>feed",
        "ex_spent_grain",
        "ex_feed",
        MatchKind::Direct,
        0.2,
    );
    r.discount_pct = Some(30.0);
    let mut brewery = facility("brewery", 0.0);
    let mut s = stream(
        "grain",
        "ex_spent_grain",
        quantity,
        Unit::Tonne,
        Outlet::sold(35.0),
    );
    s.preprocessing = chain;
    brewery.outputs.push(s);
    let mut mill = facility("feed_mill", 40.0 / 1.3);
    mill.needs
        .push(need("feed", "ex_feed", 50_000.0, Unit::Tonne, 350.0));
    region_with(vec![grain, feed], vec![r], brewery, mill)
}

#[test]
fn example_2_spent_grain_sold_today() {
    let c = candidate(&example_2(10_000.0, Vec::new()));
    let v = c.value;
    close(v.distance_km, 40.0, 1e-9);
    close(v.avoided_outlet_per_unit, -35.0, 1e-12);
    close(v.avoided_purchase_per_unit, 49.0, 1e-12);
    close(v.value_at_zero_per_unit, 11.4, 1e-12);
    close(v.break_even_km, 95.0, 1e-9);
    close(v.net_value_per_unit, 6.6, 1e-9);
    close(c.annual.value_per_yr, 66_000.0, 1e-6);
    close(v.co2_avoided_kg_per_unit, 77.64, 1e-9);
    close(c.annual.co2_avoided_t_per_yr, 776.4, 1e-9);
    let g = c.gains;
    close(g.transfer_price_per_unit, 38.3, 1e-9);
    close(g.sender_per_yr, 33_000.0, 1e-6);
    close(g.receiver_per_yr, 33_000.0, 1e-6);
    close(g.price_low_per_unit, 35.0, 1e-12);
    close(g.price_high_per_unit, 41.6, 1e-9);
    // 27.4 t a day fill a 25 t truck in 0.91 days; on the way 0.12; used in 0.91.
    let f = c.freshness.expect("perishable");
    close(f.wait_at_source_days, 0.913_125, 1e-6);
    close(f.transit_days, 0.123_016, 1e-6);
    close(f.age_days, 1.949_266, 1e-6);
    assert!(!f.spoils());
    assert!(c.viable);
}

#[test]
fn example_2_a_small_brewery_spoils_its_grain() {
    let c = candidate(&example_2(2_000.0, Vec::new()));
    let f = c.freshness.expect("perishable");
    close(f.age_days, 9.254_266, 1e-6);
    assert!(f.spoils());
    assert!(!c.viable, "a 25 t load of grain takes 4.6 days to gather");
    let check = c
        .checks
        .iter()
        .find(|x| x.aspect == "perishability")
        .expect("a perishability reason");
    assert_eq!(check.level, Level::Fail);
    assert!(
        check.message.starts_with("spoils: keeps 3 days"),
        "{}",
        check.message
    );
    // Ensiled it keeps, but the silage bag and its losses cost more than the exchange earns.
    let c = candidate(&example_2(2_000.0, vec![PreprocessStep::new("ensiling")]));
    assert!(!c.freshness.expect("still tracked").spoils());
    close(c.mass_factor, 0.9, 1e-12);
    close(c.value.value_at_zero_per_unit, 0.488_889, 1e-6);
    close(c.value.break_even_km, 4.074_074, 1e-6);
    assert!(!c.viable);
}

/// Example 3: digested sewage sludge, incinerated today, as a fuel for a cement kiln 25 km
/// away: valued by its heating value as delivered.
fn example_3(chain: Vec<PreprocessStep>) -> Region {
    let mut sludge = material(
        "ex_sludge",
        Category::Biomass,
        PhysicalState::Sludge,
        Unit::Tonne,
    );
    sludge.bulk_density_t_per_m3 = Some(1.0);
    sludge.typical_moisture_pct = Some(76.0);
    sludge.lhv_dry_mj_per_kg = Some(11.0);
    sludge.ash_pct_dry = Some(45.0);
    let mut coal = material(
        "ex_coal",
        Category::Mineral,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    coal.bulk_density_t_per_m3 = Some(0.8);
    coal.typical_moisture_pct = Some(10.0);
    coal.lhv_dry_mj_per_kg = Some(28.6);
    coal.virgin_emission_kg_co2_per_unit = Some(2400.0);
    let mut r = rule(
        "sludge>coal",
        "ex_sludge",
        "ex_coal",
        MatchKind::Cascaded,
        1.0,
    );
    r.basis = Basis::Energy;
    r.discount_pct = Some(50.0);
    let mut plant = facility("wwtp", 0.0);
    let mut s = stream(
        "sludge",
        "ex_sludge",
        30_000.0,
        Unit::Tonne,
        Outlet::with_cost(OutletKind::Incineration, 65.0),
    );
    s.preprocessing = chain;
    plant.outputs.push(s);
    let mut kiln = facility("kiln", 25.0 / 1.3);
    let mut n = need("coal", "ex_coal", 90_000.0, Unit::Tonne, 120.0);
    n.spec.min_lhv_mj_per_kg = Some(8.0);
    kiln.needs.push(n);
    region_with(vec![sludge, coal], vec![r], plant, kiln)
}

#[test]
fn example_3_wet_sludge_is_worth_almost_nothing_as_fuel() {
    let c = candidate(&example_3(Vec::new()));
    // 11 x 0.24 - 2.443 x 0.76 = 0.78 MJ/kg, against coal's 28.6 x 0.9 - 2.443 x 0.1 = 25.50
    close(c.lhv_mj_per_kg.unwrap(), 0.783_32, 1e-9);
    close(c.energy_mwh_per_unit.unwrap(), 0.217_588_889, 1e-9);
    close(c.value.avoided_purchase_per_unit, 1.843_417, 1e-6);
    close(c.value.value_at_zero_per_unit, 64.243_417, 1e-6);
    let check = c
        .checks
        .iter()
        .find(|x| x.aspect == "heating value")
        .expect("the kiln's minimum");
    assert_eq!(check.level, Level::Fixable);
    assert_eq!(check.fix_step.as_deref(), Some("thermal_drying"));
    assert!(!c.viable, "the kiln cannot burn it as delivered");
}

#[test]
fn example_3_dried_sludge_burns() {
    let region = example_3(vec![PreprocessStep {
        target_moisture_pct: Some(10.0),
        ..PreprocessStep::new("thermal_drying")
    }]);
    let engine = Engine::new(&region).unwrap();
    let (_, profile) = engine.profile(&region, 0, 0).unwrap();
    let p = profile.unwrap();
    close(p.mass_factor, 0.266_666_667, 1e-9);
    close(p.preprocessing_kwh_per_source_unit, 696.666_667, 1e-6);
    close(p.preprocessing_cost_per_source_unit, 44.833_333, 1e-6);
    close(p.preprocessing_co2_kg_per_source_unit, 140.726_667, 1e-6);
    close(p.lhv_mj_per_kg.unwrap(), 9.655_7, 1e-9);
    let c = candidate(&region);
    let v = c.value;
    close(v.avoided_outlet_per_unit, 243.75, 1e-9);
    close(v.avoided_purchase_per_unit, 22.723_126, 1e-6);
    close(v.fixed_cost_per_unit, 168.125, 1e-9);
    close(v.value_at_zero_per_unit, 95.748_126, 1e-6);
    close(v.break_even_km, 797.901_049, 1e-6);
    close(v.co2_avoided_kg_per_unit, 379.725_034, 1e-6);
    close(c.annual.exchanged_per_yr, 8_000.0, 1e-6);
    close(c.annual.value_per_yr, 741_985.01, 1e-2);
    assert!(c.viable);
}

/// Example 4: waste heat piped to a district heating network 12 km away; the pipe is sized
/// for the flow.
fn example_4(flow_mwh: f64, heat_source: HeatSource) -> Region {
    let heat = material(
        "ex_waste_heat",
        Category::Energy,
        PhysicalState::Heat,
        Unit::MegawattHour,
    );
    let dh = material(
        "ex_network_heat",
        Category::Energy,
        PhysicalState::Heat,
        Unit::MegawattHour,
    );
    let mut r = rule(
        "heat>dh",
        "ex_waste_heat",
        "ex_network_heat",
        MatchKind::Cascaded,
        1.0,
    );
    r.discount_pct = Some(10.0);
    let mut plant = facility("plant", 0.0);
    plant.outputs.push(stream(
        "heat",
        "ex_waste_heat",
        flow_mwh,
        Unit::MegawattHour,
        Outlet::with_cost(OutletKind::Emitted, 2.0),
    ));
    let mut network = facility("network", 12.0 / 1.3);
    let mut n = need("dh", "ex_network_heat", 300_000.0, Unit::MegawattHour, 45.0);
    n.supply.heat_source = Some(heat_source);
    network.needs.push(n);
    region_with(vec![heat, dh], vec![r], plant, network)
}

#[test]
fn example_4_a_heat_pipeline_scales_with_its_flow() {
    let big = candidate(&example_4(200_000.0, HeatSource::GasBoiler));
    assert_eq!(big.value.mode, ModeKey::Pipeline);
    close(big.pipe_diameter_m.unwrap(), 0.415_823, 1e-6);
    close(big.value.handling_per_unit, 0.433_752, 1e-6);
    close(big.value.value_at_zero_per_unit, 42.066_248, 1e-6);
    close(big.value.slope_per_unit_km, 0.483_326, 1e-6);
    close(big.value.break_even_km, 87.034_9, 1e-4);
    close(big.value.net_value_per_unit, 36.266_334, 1e-6);
    close(big.annual.value_per_yr, 7_253_266.76, 1e-1);
    // A gas boiler's heat: 202 / 0.9 kg CO2 per MWh, less pumping and the heat lost on the way.
    close(big.demand.displaced_co2_kg_per_to_unit, 224.444_444, 1e-6);
    close(big.value.co2_avoided_kg_per_unit, 214.864_444, 1e-6);
    close(big.annual.landfill_diverted_t_per_yr, 0.0, 0.0);

    let small = candidate(&example_4(20_000.0, HeatSource::GasBoiler));
    close(small.pipe_diameter_m.unwrap(), 0.131_495, 1e-6);
    close(small.value.value_at_zero_per_unit, 41.793_893, 1e-6);
    close(small.value.break_even_km, 27.217_991, 1e-6);
    close(small.value.net_value_per_unit, 23.367_598, 1e-6);

    // A receiver heated by a heat pump today saves far less CO2.
    let hp = candidate(&example_4(200_000.0, HeatSource::HeatPump));
    close(hp.demand.displaced_co2_kg_per_to_unit, 71.428_571, 1e-6);
    close(hp.value.co2_avoided_kg_per_unit, 67.357_143, 1e-6);
    let truck = big
        .by_mode
        .iter()
        .find(|(m, _)| *m == ModeKey::Truck)
        .unwrap();
    assert!(truck.1.is_err(), "heat does not go by truck");
}

/// Example 5: loose wood shavings fill a truck's volume first; pelletising fixes that.
fn example_5(chain: Vec<PreprocessStep>) -> Region {
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
    let mut s = stream(
        "shavings",
        "ex_shavings",
        6_000.0,
        Unit::Tonne,
        Outlet::with_cost(OutletKind::Incineration, 20.0),
    );
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
fn example_5_densification_extends_the_reach() {
    let loose = candidate(&example_5(Vec::new())).value;
    close(loose.slope_per_unit_km, 0.222_222_222, 1e-9);
    close(loose.handling_per_unit, 3.111_111, 1e-6);
    close(loose.value_at_zero_per_unit, 118.888_889, 1e-6);
    close(loose.break_even_km, 535.0, 1e-9);
    close(loose.net_value_per_unit, 96.666_667, 1e-6);

    let pellets = candidate(&example_5(vec![PreprocessStep::new("pelletising")])).value;
    close(pellets.slope_per_unit_km, 0.12, 1e-12);
    close(pellets.fixed_cost_per_unit, 50.0, 1e-9);
    close(pellets.handling_per_unit, 1.8, 1e-12);
    close(pellets.value_at_zero_per_unit, 70.2, 1e-9);
    close(pellets.break_even_km, 585.0, 1e-9);
    close(pellets.net_value_per_unit, 58.2, 1e-9);
}

/// Example 6: granulated slag sold today, offered to a cement works that already buys slag
/// from 150 km away by barge.
fn example_6(origin: Option<SupplyOrigin>) -> Region {
    let mut slag = material(
        "ex_slag",
        Category::Mineral,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    slag.bulk_density_t_per_m3 = Some(1.2);
    slag.processing_cost_per_unit = Some(2.0);
    slag.secondary = true;
    slag.virgin_emission_kg_co2_per_unit = Some(100.0);
    let mut steel = facility("steelworks", 0.0);
    steel.outputs.push(stream(
        "slag",
        "ex_slag",
        100_000.0,
        Unit::Tonne,
        Outlet::sold(15.0),
    ));
    let mut works = facility("cement_works", 17.0 / 1.3);
    let mut n = need("slag_in", "ex_slag", 250_000.0, Unit::Tonne, 42.0);
    n.supply.distance_km = Some(150.0);
    n.supply.mode = Some(ModeKey::Barge);
    n.supply.origin = origin;
    works.needs.push(n);
    region_with(vec![slag], Vec::new(), steel, works)
}

#[test]
fn example_6_a_secondary_material_already_bought() {
    let c = candidate(&example_6(None));
    let v = c.value;
    assert_eq!(c.demand.origin, SupplyOrigin::Secondary);
    close(c.price_factor, 1.0, 0.0);
    close(v.value_at_zero_per_unit, 22.4, 1e-12);
    close(v.break_even_km, 186.666_667, 1e-6);
    close(v.net_value_per_unit, 20.36, 1e-9);
    // No production credit: only the barge's 150 km against the truck's 17.
    close(c.demand.production_co2_kg_per_to_unit, 0.0, 0.0);
    close(c.demand.transport_co2_kg_per_to_unit, 4.5, 1e-12);
    close(v.co2_avoided_kg_per_unit, 3.497, 1e-9);
    close(c.annual.landfill_diverted_t_per_yr, 0.0, 0.0);
    // Told the supply is virgin, the same pair is credited with the production.
    let c = candidate(&example_6(Some(SupplyOrigin::Virgin)));
    close(c.value.co2_avoided_kg_per_unit, 103.497, 1e-9);
}

/// Example 7: recovered paper, sold to a collector at 40 EUR/t today, in place of a paper
/// mill's virgin pulp 20 km away (13 km as the crow flies, detour 1.3).
fn example_7(market: Option<[f64; 2]>) -> Region {
    let mut rcp = material("ex_rcp", Category::Paper, PhysicalState::Solid, Unit::Tonne);
    rcp.bulk_density_t_per_m3 = Some(0.5);
    rcp.processing_cost_per_unit = Some(3.0);
    rcp.secondary = true;
    rcp.market_price_range_per_unit = market;
    let mut pulp = material(
        "ex_pulp",
        Category::Paper,
        PhysicalState::Solid,
        Unit::Tonne,
    );
    pulp.bulk_density_t_per_m3 = Some(0.6);
    let mut r = rule(
        "ex_rcp>ex_pulp",
        "ex_rcp",
        "ex_pulp",
        MatchKind::Indirect,
        0.8,
    );
    r.discount_pct = Some(30.0);
    r.treatment = Some(symbiomap::catalogue::Treatment {
        name: "pulping and deinking".into(),
        cost_per_unit: 180.0,
        co2_kg_per_unit: 0.0,
        extra: Extra::new(),
    });
    let mut store = facility("store", 0.0);
    store.outputs.push(stream(
        "cardboard",
        "ex_rcp",
        8_500.0,
        Unit::Tonne,
        Outlet::sold(40.0),
    ));
    let mut mill = facility("mill", 20.0 / 1.3);
    mill.needs
        .push(need("pulp", "ex_pulp", 45_000.0, Unit::Tonne, 850.0));
    region_with(vec![rcp, pulp], vec![r], store, mill)
}

#[test]
fn example_7_the_market_caps_a_traded_material() {
    // Without a market for the recovered paper: the virgin pulp it replaces, in full.
    let open = candidate(&example_7(None)).value;
    close(open.replaced_purchase_per_unit, 476.0, 1e-9);
    close(open.avoided_purchase_per_unit, 476.0, 1e-9);
    close(open.value_at_zero_per_unit, 250.4, 1e-9);
    close(open.break_even_km, 2_086.666_667, 1e-6);
    close(open.net_value_per_unit, 248.0, 1e-9);
    // Recovered paper trades at 40-190 EUR/t: the mill saves at most 190 + 180 of deinking.
    let c = candidate(&example_7(Some([40.0, 190.0])));
    let v = c.value;
    close(v.replaced_purchase_per_unit, 476.0, 1e-9);
    close(v.avoided_purchase_per_unit, 370.0, 1e-9);
    close(v.value_at_zero_per_unit, 144.4, 1e-9);
    close(v.break_even_km, 1_203.333_333, 1e-6);
    close(v.net_value_per_unit, 142.0, 1e-9);
    // The explanation says so.
    assert!(
        c.checks
            .iter()
            .any(|x| x.message.contains("trades at up to 190")),
        "{:?}",
        c.checks
    );
    // A mill that also buys recovered paper, at 125 EUR/t, saves no more than that.
    let mut buys = example_7(Some([40.0, 190.0]));
    buys.facilities[1]
        .needs
        .push(need("rcp_in", "ex_rcp", 100_000.0, Unit::Tonne, 125.0));
    let engine = Engine::new(&buys).expect("engine");
    let options = SearchOptions {
        reach_factor: 100.0,
        include_failed: true,
    };
    let hits: Vec<PairHit> = engine.search(&buys, &options);
    let c = hits
        .iter()
        .filter_map(|h| engine.explain(&buys, h))
        .find(|c| c.rule.is_some())
        .expect("the pulp pair");
    let v = c.value;
    close(v.avoided_purchase_per_unit, 305.0, 1e-9);
    close(v.value_at_zero_per_unit, 79.4, 1e-9);
    close(v.break_even_km, 661.666_667, 1e-6);
    close(v.net_value_per_unit, 77.0, 1e-9);
    assert!(
        c.checks
            .iter()
            .any(|x| x.aspect == "market" && x.message.contains("the receiver buys")),
        "{:?}",
        c.checks
    );
    // The search finds it with the same value as the explanation.
    let hit = hits.iter().find(|h| h.option == c.hit.option).expect("hit");
    close(hit.net_value_per_unit, 77.0, 1e-9);
    // The same material as is is not capped: the receiver's price is already the market's.
    let mut same = example_7(Some([40.0, 190.0]));
    same.catalogue.rules.clear();
    same.facilities[1].needs[0] = need("rcp_in", "ex_rcp", 45_000.0, Unit::Tonne, 400.0);
    let v = candidate(&same).value;
    close(v.avoided_purchase_per_unit, 400.0, 1e-9);
}
