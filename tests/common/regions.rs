//! Small random regions that exercise what the economics depend on: today's outlets (sold,
//! landfilled by country, used on site), supplies (secondary, from afar, heat sources), rules
//! on the mass and the energy basis, preprocessing chains, fixed and all modes with sites that
//! have sidings and quays, pipelines sized by flow, perishable streams, specifications, lots,
//! months and a carbon price. Shared by the oracle tests (`#[path]`-included).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
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

pub fn pick<T: Copy>(rng: &mut SmallRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// A random region of `facilities` sites (see the module documentation).
pub fn random_region(seed: u64, facilities: std::ops::Range<usize>) -> Region {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut region = Region::default();
    region.settings.country = Some(pick(&mut rng, &["BE", "NL", "DE", "XX"]).to_owned());
    if rng.random_bool(0.3) {
        region.settings.carbon_price_per_t_co2 = 60.0;
    }
    let n = rng.random_range(facilities);
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
                    ..Availability::default()
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
                    ..Availability::default()
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
