//! `docs/AGREEMENTS.md`: the worked example reproduced on the Scheldt Valley sample, the closed
//! forms against a seeded simulation, the readiness checklist, and the agreement in the region
//! file (version 4, migration from 3, unknown fields kept, errors naming the field).

use std::path::Path;

use symbiomap::agreement::{assess_project, expected_shortfall, outside_probability};
use symbiomap::buffer::SplitMix64;
use symbiomap::io::region_file;
use symbiomap::matching::Engine;
use symbiomap::model::{Region, FORMAT_VERSION};
use symbiomap::readiness::{checklist, score};

fn sample() -> Region {
    region_file::load(Path::new("sample-regions/scheldt-valley.json")).expect("the sample loads")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn worked_example_fly_ash_agreement() {
    let region = sample();
    let engine = Engine::new(&region).expect("engine");
    let j1 = region.projects.iter().find(|p| p.id == "J1").expect("J1");
    let (c, a) = assess_project(&engine, &region, j1).expect("J1 has an exchange and terms");
    // Quality: unburnt carbon 3.8 % at CV 12 % against 5.0 %.
    assert_eq!(a.quality.len(), 2);
    let carbon = &a.quality[0];
    assert_eq!(carbon.limit.parameter, "unburnt_carbon");
    assert_eq!(carbon.mean.map(|m| m.0), Some(3.8));
    let p = carbon.probability.expect("judged");
    assert!(close(p, 0.009_262_4, 1e-6), "{p}");
    assert!(a.quality[1].probability.expect("judged") < 1e-12);
    let p_all = a.off_spec_probability.expect("judged");
    assert!(close(p_all, 0.009_262_4, 1e-6), "{p_all}");
    // Volume: the need's 40 000 t at the typical 1 % moisture are 39 799 t of this 0.5 % ash.
    let q = 40_000.0 * (1.0 - 0.01) / (1.0 - 0.005);
    assert!(
        close(c.annual.exchanged_per_yr, q, 1e-6),
        "{}",
        c.annual.exchanged_per_yr
    );
    assert!(close(a.expected_per_yr, q, 1e-6));
    assert!(close(a.deliveries_per_yr, 365.0 / 7.0, 1e-9));
    let off = a.off_spec_per_yr.expect("judged");
    assert!(close(off, 368.6, 0.05), "{off}");
    let pen = a.off_spec_penalty_per_yr.expect("judged");
    assert!(close(pen, 5529.5, 0.5), "{pen}");
    assert!(
        close(a.shortfall_per_yr, 36.50, 0.01),
        "{}",
        a.shortfall_per_yr
    );
    assert!(
        close(a.short_penalty_per_yr, 729.9, 0.2),
        "{}",
        a.short_penalty_per_yr
    );
    // Price and the supplier's gain: a sale at 10 EUR/t given up for 14 EUR/t.
    assert_eq!(a.price_per_unit, 14.0);
    assert!(
        close(a.sender_gain_per_yr, 4.0 * q, 1e-6),
        "{}",
        a.sender_gain_per_yr
    );
    assert!(
        close(a.receiver_gain_per_yr, 203_419.0, 1.0),
        "{}",
        a.receiver_gain_per_yr
    );
    assert!(a.receiver_gain_per_yr > 0.0);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
}

#[test]
fn a_commitment_at_ninety_percent_has_no_shortfall_to_speak_of() {
    let q = 40_000.0 * (1.0 - 0.01) / (1.0 - 0.005);
    let sigma = 0.12 * q / (365.0_f64 / 7.0).sqrt();
    assert!(expected_shortfall(q, sigma, 36_000.0) < 0.001);
}

#[test]
fn closed_forms_agree_with_a_seeded_simulation() {
    let mut rng = SplitMix64::new(42);
    // Lognormal deliveries: mean 3.8, CV 12 %, limit 5.
    let (m, cv, limit) = (3.8_f64, 0.12_f64, 5.0_f64);
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let mu = m.ln() - 0.5 * sigma * sigma;
    let n = 400_000;
    let mut above = 0u32;
    let mut sum = 0.0;
    for _ in 0..n {
        let x = (mu + sigma * rng.next_normal()).exp();
        sum += x;
        if x > limit {
            above += 1;
        }
    }
    let simulated = f64::from(above) / f64::from(n);
    let closed = outside_probability(m, cv, None, Some(limit));
    // Binomial standard error at n = 400 000 and p = 0.93 %: 0.015 %; four of them.
    assert!(close(simulated, closed, 0.0006), "{simulated} vs {closed}");
    assert!(
        close(sum / f64::from(n), m, 0.01),
        "the lognormal keeps the mean"
    );
    // Shortfall: years of 52 weekly deliveries, each normal with CV 12 %.
    let years = 40_000;
    let weekly = 40_000.0 / 52.0;
    let mut short = 0.0;
    for _ in 0..years {
        let total: f64 = (0..52)
            .map(|_| weekly * (1.0 + 0.12 * rng.next_normal()))
            .sum();
        short += (39_000.0_f64 - total).max(0.0);
    }
    let simulated = short / f64::from(years);
    let closed = expected_shortfall(40_000.0, 0.12 * 40_000.0 / 52.0_f64.sqrt(), 39_000.0);
    assert!(
        close(simulated, closed, 0.1 * closed),
        "{simulated} vs {closed}"
    );
}

#[test]
fn readiness_of_the_sample_projects() {
    let region = sample();
    let engine = Engine::new(&region).expect("engine");
    let j1 = region.projects.iter().find(|p| p.id == "J1").expect("J1");
    let items = checklist(&engine, &region, j1, true);
    let missing: Vec<_> = items.iter().filter(|i| !i.done).map(|i| i.label).collect();
    // The fly ash deal lacks only a backup within reach or is complete: every item is derived.
    for i in &items {
        assert!(!i.detail.is_empty(), "{}", i.label);
    }
    assert!(
        !missing.contains(&"stream characterised")
            && !missing.contains(&"supply agreement drafted"),
        "{missing:?}"
    );
    // The steam deal: the steel works' steam has no stated variability.
    let j2 = region.projects.iter().find(|p| p.id == "J2").expect("J2");
    let items = checklist(&engine, &region, j2, true);
    let characterised = items
        .iter()
        .find(|i| i.label == "stream characterised")
        .expect("item");
    assert!(!characterised.done);
    assert!(
        characterised.detail.contains("variability"),
        "{}",
        characterised.detail
    );
    // Removing the agreement takes the agreement's items away, and only them.
    let mut bare = j1.clone();
    bare.agreement = None;
    let before = score(&checklist(&engine, &region, j1, true)).0;
    let after_items = checklist(&engine, &region, &bare, true);
    let after = score(&after_items).0;
    assert_eq!(before - after, 2, "{after_items:?}");
}

#[test]
fn agreements_survive_the_file_and_version_3_migrates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let region = sample();
    assert_eq!(region.format_version, FORMAT_VERSION);
    // An unknown field inside the agreement and inside its price is kept.
    let mut text = std::fs::read_to_string("sample-regions/scheldt-valley.json").expect("read");
    text = text.replacen(
        "\"penalty_off_spec_per_unit\": 15.0,",
        "\"penalty_off_spec_per_unit\": 15.0, \"arbitration\": {\"seat\": \"Ghent\", \"id\": 12345678901234567890123},",
        1,
    );
    text = text.replacen(
        "\"basis\": \"fixed\", \"value\": 14.0",
        "\"basis\": \"fixed\", \"value\": 14.0, \"indexation\": \"CPI\"",
        1,
    );
    let path = dir.path().join("r.json");
    std::fs::write(&path, &text).expect("write");
    let loaded = region_file::load(&path).expect("loads");
    let out = dir.path().join("out.json");
    region_file::save(&loaded, &out).expect("save");
    let saved = std::fs::read_to_string(&out).expect("read");
    assert!(
        saved.contains("12345678901234567890123"),
        "big integers keep their text"
    );
    assert!(saved.contains("\"seat\": \"Ghent\""));
    assert!(saved.contains("\"indexation\": \"CPI\""));
    let again = region_file::load(&out).expect("reloads");
    assert_eq!(again, loaded);

    // A version-3 file (no agreements) loads, migrates and saves as the current version.
    let v3 = std::fs::read_to_string("sample-regions/rhine-scheldt-delta.json").expect("read");
    let v3 = v3.replacen(
        &format!("\"format_version\": {FORMAT_VERSION}"),
        "\"format_version\": 3",
        1,
    );
    assert!(v3.contains("\"format_version\": 3"));
    let p3 = dir.path().join("v3.json");
    std::fs::write(&p3, &v3).expect("write");
    let (r3, version) = region_file::load_versioned(&p3).expect("a version-3 file loads");
    assert_eq!(version, 3);
    assert_eq!(r3.format_version, FORMAT_VERSION);
    assert!(r3.projects.iter().all(|p| p.agreement.is_none()));
    let o3 = dir.path().join("v3-saved.json");
    region_file::save(&r3, &o3).expect("save");
    let saved = std::fs::read_to_string(&o3).expect("read");
    assert!(saved.contains(&format!("\"format_version\": {FORMAT_VERSION}")));
}

#[test]
fn bad_agreements_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("sample-regions/scheldt-valley.json").expect("read");
    for (from, to, field) in [
        (
            "\"min_per_yr\": 39000",
            "\"min_per_yr\": 41000",
            "agreement.min_per_yr",
        ),
        (
            "\"max_pct\": 5.0",
            "\"max_pct\": 105.0",
            "agreement.quality[0].max_pct",
        ),
        (
            "\"delivery_every_days\": 7",
            "\"delivery_every_days\": 0",
            "agreement.delivery_every_days",
        ),
        (
            "\"start\": \"2027-04-01\"",
            "\"start\": \"April 2027\"",
            "agreement.start",
        ),
        (
            "\"buffer_holder\": \"receiver\",\n        \"buffer_t\": 2000",
            "\"buffer_holder\": \"neighbour\",\n        \"buffer_t\": 2000",
            "agreement.buffer_holder",
        ),
    ] {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        let path = dir.path().join("bad.json");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
        let e = region_file::load(&path).expect_err("refused").to_string();
        assert!(e.contains(field), "{field}: {e}");
        assert!(e.contains("bad.json"), "{e}");
    }
}

#[test]
fn a_seasonal_stream_without_a_buffer_is_reported_and_sized() {
    use symbiomap::agreement::quantity_text;
    use symbiomap::buffer::Simulation;
    use symbiomap::resilience::{pair_buffer, PairFlow};
    let region = sample();
    let engine = Engine::new(&region).expect("engine");
    let j3 = region.projects.iter().find(|p| p.id == "J3").expect("J3");
    let (c, a) = assess_project(&engine, &region, j3).expect("judged");
    // Peel from June to November against deliveries all year, no buffer size agreed.
    assert!(
        a.findings
            .iter()
            .any(|f| f.contains("Jan, Feb, Mar, Apr, May, Dec") && f.contains("no buffer")),
        "{:?}",
        a.findings
    );
    // Given away today and taken at no price: the supplier gains nothing.
    assert!(a
        .findings
        .iter()
        .any(|f| f.contains("supplier gains nothing")));
    // The checklist names the store the pattern needs: the buffer module's sizing.
    let items = checklist(&engine, &region, j3, true);
    let buffer = items
        .iter()
        .find(|i| i.label == "buffer sized")
        .expect("item");
    assert!(!buffer.done);
    let sizing = pair_buffer(
        &engine,
        &region,
        &PairFlow::of_candidate(&c),
        Simulation::default(),
    )
    .expect("sized");
    assert!(
        sizing.capacity_t > 5_000.0,
        "half a year of peel: {}",
        sizing.capacity_t
    );
    assert!(
        buffer.detail.contains(&quantity_text(sizing.capacity_t)),
        "{}",
        buffer.detail
    );
    // Agreeing a big enough store ticks it.
    let mut agreed = j3.clone();
    if let Some(t) = agreed.agreement.as_mut() {
        t.buffer_t = Some(sizing.capacity_t.ceil());
    }
    let items = checklist(&engine, &region, &agreed, true);
    assert!(items.iter().any(|i| i.label == "buffer sized" && i.done));
    let (_, a) = assess_project(&engine, &region, &agreed).expect("judged");
    assert!(!a.findings.iter().any(|f| f.contains("no buffer")));
}
