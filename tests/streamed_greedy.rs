//! The region-wide summary without holding every candidate: the chunked search finds exactly
//! the hits of the whole search, and the streamed greedy pass (in bands of value, a pass over
//! the region each) equals the greedy pass over all of them, on the oracle's random regions
//! (fixed seeds) and on generated ones.

#[path = "common/regions.rs"]
mod regions;

use regions::random_region;
use symbiomap::matching::{Engine, PairHit, PlanCandidate, SearchOptions};
use symbiomap::model::Region;
use symbiomap::summary::{allocate, allocate_streamed, top_by_value, StreamLimits};

fn key(h: &PairHit) -> (u32, u16, u32) {
    (h.supply, h.option, h.demand)
}

#[test]
fn chunks_hold_exactly_the_hits_of_the_whole_search() {
    let mut split = 0;
    for seed in 0..40u64 {
        let region = random_region(seed, 8..30);
        let engine = Engine::new(&region).expect("engine");
        let options = SearchOptions::default();
        let whole: Vec<PairHit> = engine.search(&region, &options);
        for members in [1, 3, 1000] {
            let mut chunks = 0;
            let mut all = Vec::new();
            engine.search_chunked(&region, &options, members, |hits| {
                assert!(hits.windows(2).all(|w| key(&w[0]) <= key(&w[1])));
                chunks += 1;
                all.extend_from_slice(hits);
            });
            all.sort_by_key(key);
            assert_eq!(all, whole, "seed {seed}, {members} per chunk");
            if members == 1 && chunks > 1 {
                split += 1;
            }
        }
    }
    // One batch per chunk splits most regions into several chunks.
    assert!(split >= 30, "only {split} regions came in several chunks");
}

fn check(region: &Region, hold: usize, what: &str) -> usize {
    let engine = Engine::new(region).expect("engine");
    let options = SearchOptions::default();
    let hits: Vec<PairHit> = engine.search(region, &options);
    let candidates: Vec<PlanCandidate> = engine.quantify_all(region, &hits);
    let whole = allocate(&engine, region, &candidates);
    let mut seen = 0;
    let limits = StreamLimits { top: 5, hold };
    let streamed = allocate_streamed(
        &engine,
        region,
        &options,
        limits,
        |chunk| seen += chunk.len(),
        &mut |_| {},
    );
    assert_eq!(
        seen,
        candidates.len(),
        "{what}: every candidate handed on once"
    );
    assert_eq!(streamed.summary, whole, "{what}, hold {hold}");
    let top: Vec<PlanCandidate> = top_by_value(&candidates, 5)
        .into_iter()
        .map(|i| candidates[i])
        .collect();
    assert_eq!(streamed.top, top, "{what}: the top five");
    streamed.passes
}

#[test]
fn the_streamed_greedy_pass_equals_the_whole_one() {
    let mut banded = 0;
    for seed in 0..120u64 {
        let region = random_region(seed, 6..40);
        // Bands of one bin at least (hold 0), of a few candidates, of more.
        for hold in [0, 3, 10] {
            if check(&region, hold, &format!("seed {seed}")) > 3 {
                banded += 1;
            }
        }
        // Held whole when they fit: one pass.
        assert_eq!(check(&region, usize::MAX, &format!("seed {seed}")), 1);
    }
    // Most runs must have gone through several bands.
    assert!(banded > 100, "only {banded} runs had several bands");
}

#[test]
fn the_streamed_greedy_pass_equals_the_whole_one_on_generated_regions() {
    for seed in [1u64, 7] {
        let region = symbiomap::synth::generate(600, seed);
        for hold in [300, 3_000] {
            let passes = check(&region, hold, &format!("generated, seed {seed}"));
            assert!(passes >= 3, "{passes} passes");
        }
        let passes = check(&region, 1 << 30, &format!("generated, seed {seed}"));
        assert_eq!(passes, 1);
    }
}
