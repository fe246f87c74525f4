//! Random tables of the peers' kind, shared by the tests that check a search against a plain
//! double loop.

use std::fmt::Write as _;
use std::path::Path;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use symbiomap::geodesy::{haversine_km, SpherePoint};

/// Writes `facilities.csv`, `materials.csv` and `streams.csv` of a random region into `dir`:
/// 20 to `max_facilities` sites around 45 N 0 E spread by `spread_deg`, facility ids
/// `{id_prefix}{i}`, 1 to 5 materials, 0 to 3 streams per site. Returns the pairs the peers'
/// definition gives, by brute force, as `output_row,input_row,d_road_km,net_value` lines.
pub fn random_peer_tables(
    dir: &Path,
    rng_seed: u64,
    max_facilities: usize,
    spread_deg: f64,
    id_prefix: &str,
) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(rng_seed);
    let n_fac = rng.random_range(20..max_facilities);
    let n_mat = rng.random_range(1..6);
    let mut fac = String::from("id,name,sector,lat,lon\n");
    let mut coords = Vec::new();
    for i in 0..n_fac {
        // Around 45 N, 0 E; the widest spread reaches 5..85 N.
        let lat = 45.0 + rng.random_range(-spread_deg..spread_deg);
        let lon = rng.random_range(-spread_deg..spread_deg);
        let (lat, lon) = ((lat * 1e6).round() / 1e6, (lon * 1e6).round() / 1e6);
        coords.push(SpherePoint::from_degrees(lat, lon));
        writeln!(fac, "{id_prefix}{i},f{i},s,{lat},{lon}").expect("write to a String");
    }
    let mut mats = String::from("material,transport_eur_per_tkm,processing_eur_per_t,detour\n");
    let mut params = Vec::new();
    for m in 0..n_mat {
        let t: f64 = (rng.random_range(0.01..0.5_f64) * 1e4).round() / 1e4;
        let p: f64 = (rng.random_range(0.0..50.0_f64) * 100.0).round() / 100.0;
        let d: f64 = (rng.random_range(1.0..1.6_f64) * 100.0).round() / 100.0;
        params.push((t, p, d));
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
            let direction = if out { "output" } else { "input" };
            writeln!(streams, "{id_prefix}{i},{direction},m{m},10,{cost}")
                .expect("write to a String");
        }
    }
    std::fs::write(dir.join("facilities.csv"), fac).expect("write facilities.csv");
    std::fs::write(dir.join("materials.csv"), mats).expect("write materials.csv");
    std::fs::write(dir.join("streams.csv"), streams).expect("write streams.csv");

    let mut want = Vec::new();
    for (a, &(fa, out_a, ma, ca)) in rows.iter().enumerate() {
        for (b, &(fb, out_b, mb, cb)) in rows.iter().enumerate() {
            if !out_a || out_b || ma != mb || fa == fb {
                continue;
            }
            let (t, p, detour) = params[ma];
            let margin = (ca + cb) - p;
            let be = margin / t;
            let d = haversine_km(&coords[fa], &coords[fb]) * detour;
            if be > 0.0 && d <= be {
                want.push(format!("{a},{b},{d:.6},{:.6}", margin - t * d));
            }
        }
    }
    want
}
