//! A preprocessing step that cannot run where it stands (a drying target wetter than the stream)
//! is left out with a message naming it, and the stream is searched without it: one bad step in
//! a file no longer takes the whole stream out of the search.

use std::path::Path;

use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::model::PreprocessStep;

#[test]
fn a_drying_target_above_the_streams_moisture_is_left_out_not_the_stream() {
    let mut region =
        symbiomap::io::region_file::load(Path::new("sample-regions/scheldt-valley.json"))
            .expect("sample");
    let (fi, si) = region.output_index("SV01-gypsum").expect("the gypsum");
    let hits = |region: &symbiomap::model::Region| {
        let engine = Engine::new(region).expect("engine");
        let supply = engine.supply_index(fi, si).expect("a supply");
        let mut hits: Vec<PairHit> = Vec::new();
        engine.search_supply(region, supply, &SearchOptions::default(), &mut hits);
        let mut found: Vec<(u32, u64)> = hits
            .iter()
            .filter(|h| h.viable)
            .map(|h| (h.demand, h.net_value_per_unit.to_bits()))
            .collect();
        found.sort_unstable();
        (found, engine.issues.clone())
    };
    let (plain, plain_issues) = hits(&region);
    assert!(!plain.is_empty(), "the gypsum has partners");
    // Dry the 9 % moisture gypsum "to 40 %": the step cannot run.
    let mut step = PreprocessStep::new("thermal_drying");
    step.target_moisture_pct = Some(40.0);
    region.facilities[fi].outputs[si].preprocessing.push(step);
    let (with_bad_step, issues) = hits(&region);
    assert_eq!(
        with_bad_step, plain,
        "searched as if the step were not there"
    );
    let said: Vec<&str> = issues
        .iter()
        .filter(|i| i.facility as usize == fi && i.stream == Some(si as u32))
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(
        said.len(),
        1 + plain_issues
            .iter()
            .filter(|i| i.facility as usize == fi && i.stream == Some(si as u32))
            .count(),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("SV01-gypsum") && m.contains("step 1 left out")),
        "{said:?}"
    );
}
