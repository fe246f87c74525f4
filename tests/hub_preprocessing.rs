//! A hub that processes what it gathers (the built-in shared dryer): a path through it is
//! worth what the same stream, dried at its source, is worth from there, less the first leg
//! and the hub's handling; and drying at the hub reaches a kiln beyond the wet sludge's
//! break-even.

use symbiomap::geodesy::destination;
use symbiomap::hubs::{resolve, HubSite, HubsFile};
use symbiomap::matching::{Engine, PairHit, PlanCandidate, SearchOptions};
use symbiomap::model::{
    Extra, Facility, LatLon, ModeKey, Need, OutputStream, PreprocessStep, Region, Unit,
};

const LAT: f64 = 51.0;
const LON: f64 = 4.0;

/// A wastewater plant with 4 000 t/yr of dewatered sludge (75 % moisture) and a cement works
/// burning coal `road_km` by road to the east.
fn region(road_km: f64) -> Region {
    let mut region = Region {
        name: "Sludge and a kiln".into(),
        ..Region::default()
    };
    let mut wwtp = Facility::new("wwtp", "Wastewater plant", LatLon::new(LAT, LON));
    wwtp.sector = "E37.00".into();
    wwtp.outputs.push(OutputStream {
        moisture_pct: Some(75.0),
        ..OutputStream::new("wwtp-sludge", "sewage_sludge", 4_000.0, Unit::Tonne)
    });
    region.facilities.push(wwtp);
    let (lat, lon) = destination(LAT, LON, 90.0, road_km / region.settings.detour_factor);
    let mut kiln = Facility::new("kiln", "Cement works", LatLon::new(lat, lon));
    kiln.sector = "C23.51".into();
    kiln.needs
        .push(Need::new("kiln-coal", "coal", 80_000.0, Unit::Tonne));
    region.facilities.push(kiln);
    region
}

fn dryer_at_the_plant() -> HubsFile {
    HubsFile {
        sites: vec![HubSite {
            id: "D".into(),
            name: "Shared dryer".into(),
            location: LatLon::new(LAT, LON),
            hub_type: "shared_dryer".into(),
            rail_siding: None,
            quay: None,
            extra: Extra::new(),
        }],
        ..HubsFile::default()
    }
}

fn direct(region: &Region) -> Vec<PlanCandidate> {
    let engine = Engine::new(region).expect("engine");
    let hits: Vec<PairHit> = engine.search(region, &SearchOptions::default());
    engine
        .quantify_all(region, &hits)
        .into_iter()
        .filter(|c| c.hit.viable)
        .collect()
}

#[test]
fn a_path_through_the_dryer_is_the_dried_stream_less_the_first_leg_and_handling() {
    let region = region(150.0);
    let engine = Engine::new(&region).expect("engine");
    let hubs = resolve(&region, &dryer_at_the_plant()).expect("hubs");
    let through = engine.hub_candidates(&region, &hubs);
    assert_eq!(through.len(), 1, "{through:?}");
    let h = &through[0];

    // The same stream dried at its source, from the same place.
    let mut dried = region.clone();
    dried.facilities[0].outputs[0].preprocessing = vec![PreprocessStep {
        target_moisture_pct: Some(10.0),
        ..PreprocessStep::new("waste_heat_drying")
    }];
    let d = direct(&dried);
    assert_eq!(d.len(), 1, "{d:?}");
    let d = &d[0];
    assert_eq!(h.hit.mode, d.hit.mode);
    assert!((h.need_units_per_source_unit - d.need_units_per_source_unit).abs() < 1e-12);

    // The first leg is 0 km long: the truck's handling of the wet sludge; then the hub's
    // 4 EUR per tonne gathered.
    let s = &engine.supplies[h.hit.supply as usize];
    let opt = &s.options[h.hit.option as usize];
    let loading = engine
        .modes(opt)
        .iter()
        .find(|r| r.mode == ModeKey::Truck)
        .expect("truck")
        .handling_per_unit;
    let handling = hubs[0].kind.variable_cost_per_t * s.tonnes_per_source_unit;
    let expected = d.value_per_source_unit - loading - handling;
    assert!(
        (h.value_per_source_unit - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "through the hub {} against {expected} (dried at source {}, loading {loading}, handling {handling})",
        h.value_per_source_unit,
        d.value_per_source_unit
    );
    assert!(h.hub_variable_cost_per_t == 4.0 && h.first_leg_km < 1e-6);
}

#[test]
fn drying_at_the_hub_reaches_a_kiln_the_wet_sludge_cannot() {
    // Wet sludge is worth little as fuel and costs four times the haul of dried sludge per
    // tonne gathered: its break-even ends short of a kiln 1 200 km away.
    let near = direct(&region(150.0));
    assert_eq!(near.len(), 1);
    assert!(
        near[0].hit.break_even_km < 1_200.0,
        "{}",
        near[0].hit.break_even_km
    );
    let far = region(1_200.0);
    assert!(direct(&far).is_empty(), "the wet sludge should not reach");
    let engine = Engine::new(&far).expect("engine");
    let hubs = resolve(&far, &dryer_at_the_plant()).expect("hubs");
    let through = engine.hub_candidates(&far, &hubs);
    assert_eq!(through.len(), 1);
    assert!(through[0].value_per_source_unit > 0.0);
    // A hub that only gathers (a transfer station at the same place) does not make it pay.
    let mut plain = dryer_at_the_plant();
    plain.sites[0].hub_type = "transfer_station".into();
    let hubs = resolve(&far, &plain).expect("hubs");
    let gathered = engine.hub_candidates(&far, &hubs);
    assert!(gathered.is_empty(), "{gathered:?}");
}
