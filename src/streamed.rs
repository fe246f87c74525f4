//! Passes over every candidate of a region without holding them.
//!
//! A region of 100 000 facilities has about 125 million candidates, more than fit in memory.
//! The greedy pass and the plan therefore work a pass over the region at a time
//! ([`Engine::search_chunked`], `docs/PLAN.md`):
//!
//! - [`greedy_in_bands`]: the greedy pass in bands of value, each a pass over the region
//!   holding only the band's candidates with room left: exactly the greedy pass over all.
//! - [`Prices`]: the reduced cost of a candidate left out at the linear relaxation's duals.
//!   When none is positive, the relaxation over the kept ones is the relaxation over all of
//!   them (column generation), and its value bounds every plan of the region.

use std::collections::HashMap;

use crate::matching::{Engine, PlanCandidate, SearchOptions};
use crate::model::Region;
use crate::plan::{greedy_room, greedy_takes, need_cap, share_cap, Problem, FLOW_EPS};

/// Stream options searched per chunk of a pass (a few megabytes of candidates).
pub const MEMBERS_PER_CHUNK: usize = 512;

/// A candidate's identity: its stream, the stream's option (the rule) and its need.
pub type Key = (u32, u16, u32);

pub fn key(c: &PlanCandidate) -> Key {
    (c.hit.supply, c.hit.option, c.hit.demand)
}

/// The best few candidates of every stream and every need by a score (highest first, ties
/// by key), each list kept sorted so that a candidate worse than a full list's last costs one
/// comparison.
pub struct BestPerRow {
    keep: usize,
    by_supply: Vec<Vec<(f64, PlanCandidate)>>,
    by_demand: Vec<Vec<(f64, PlanCandidate)>>,
}

impl BestPerRow {
    pub fn new(engine: &Engine, keep: usize) -> BestPerRow {
        BestPerRow {
            keep: keep.max(1),
            by_supply: vec![Vec::new(); engine.supplies.len()],
            by_demand: vec![Vec::new(); engine.demands.len()],
        }
    }

    pub fn offer(&mut self, c: &PlanCandidate, score: f64) {
        let keep = self.keep;
        for list in [
            &mut self.by_supply[c.hit.supply as usize],
            &mut self.by_demand[c.hit.demand as usize],
        ] {
            let better = |a: &(f64, PlanCandidate)| {
                a.0.total_cmp(&score)
                    .reverse()
                    .then(key(&a.1).cmp(&key(c)))
                    .is_lt()
            };
            if list.len() == keep && list.last().is_some_and(|w| !better(w)) {
                continue;
            }
            let at = list.partition_point(better);
            list.insert(at, (score, *c));
            list.truncate(keep);
        }
    }

    /// Every candidate kept, each once, in the search's order.
    pub fn into_sorted(self) -> Vec<PlanCandidate> {
        let mut out: Vec<PlanCandidate> = self
            .by_supply
            .into_iter()
            .chain(self.by_demand)
            .flatten()
            .map(|(_, c)| c)
            .collect();
        sort_dedup(&mut out);
        out
    }
}

/// In the search's order, each candidate once.
pub fn sort_dedup(list: &mut Vec<PlanCandidate>) {
    // The search hands candidates over mostly in key order; when they already are, no sort.
    if !list.is_sorted_by_key(key) {
        // Sorting the keys with their positions and gathering once moves 16 bytes per
        // comparison instead of a hundred (4.9 M candidates: 2 s less).
        let mut order: Vec<(Key, u32)> = list
            .iter()
            .enumerate()
            .map(|(i, c)| (key(c), i as u32))
            .collect();
        order.sort_unstable();
        let sorted: Vec<PlanCandidate> = order.iter().map(|&(_, i)| list[i as usize]).collect();
        *list = sorted;
    }
    list.dedup_by_key(|c| key(c));
}

/// The linear relaxation's shadow prices of the stream, need and share rows, by the engine's
/// supply, demand and (demand, rule): what one more unit of each would be worth. A row the
/// kept candidates do not touch has price 0 (it is not binding).
#[derive(Debug, Default)]
pub struct Prices {
    streams: HashMap<u32, f64>,
    needs: HashMap<u32, f64>,
    shares: HashMap<(u32, Option<u32>), f64>,
}

impl Prices {
    /// From the relaxation of `problem` (built from `candidates`) and its row duals
    /// ([`crate::plan::Solution::row_prices`]).
    pub fn new(problem: &Problem, candidates: &[PlanCandidate], prices: &RowPrices) -> Prices {
        let mut out = Prices::default();
        for col in &problem.columns {
            let c = &candidates[col.candidate];
            out.streams
                .insert(c.hit.supply, prices.streams[col.stream_row]);
            out.needs.insert(c.hit.demand, prices.needs[col.need_row]);
            if let Some(r) = col.share_row {
                out.shares.insert((c.hit.demand, c.rule), prices.shares[r]);
            }
        }
        out
    }

    /// The price of `c`'s stream row (0 for a stream the problem has no row for).
    pub fn stream_price(&self, c: &PlanCandidate) -> f64 {
        self.streams.get(&c.hit.supply).copied().unwrap_or(0.0)
    }

    /// Value per source unit of one more unit of `c`'s column at these prices: its value
    /// less its fixed cost spread over all it can carry (what the relaxation sees of an
    /// all-or-nothing column) less what it takes from its rows.
    pub fn reduced_cost(&self, c: &PlanCandidate, fixed_cost_per_yr: f64) -> f64 {
        let share = if c.max_share_pct < 100.0 {
            self.shares
                .get(&(c.hit.demand, c.rule))
                .copied()
                .unwrap_or(0.0)
        } else {
            0.0
        };
        reduced_cost(
            c.value_per_source_unit,
            fixed_cost_per_yr,
            c.max_source_units_per_yr,
            c.need_units_per_source_unit,
            [
                self.streams.get(&c.hit.supply).copied().unwrap_or(0.0),
                self.needs.get(&c.hit.demand).copied().unwrap_or(0.0),
                share,
            ],
        )
    }
}

/// `rc = v - f / U - p_stream - k (p_need + p_share)`, per source unit (`docs/PLAN.md`).
pub fn reduced_cost(
    value_per_source_unit: f64,
    fixed_cost_per_yr: f64,
    max_source_units_per_yr: f64,
    need_units_per_source_unit: f64,
    [stream, need, share]: [f64; 3],
) -> f64 {
    value_per_source_unit
        - fixed_cost_per_yr / max_source_units_per_yr
        - stream
        - need_units_per_source_unit * (need + share)
}

/// Shadow prices of a problem's rows, as the solver returns them for a linear program (at
/// least zero for the `<=` rows of a maximisation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowPrices {
    pub streams: Vec<f64>,
    pub needs: Vec<f64>,
    pub shares: Vec<f64>,
}

/// Candidates held a chunk at a time, joined into one list at the end with no room to spare
/// (a list grown one candidate at a time can take twice the memory of what it holds).
#[derive(Debug, Default)]
pub struct Held {
    chunks: Vec<Vec<PlanCandidate>>,
    len: usize,
}

impl Held {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, mut chunk: Vec<PlanCandidate>) {
        chunk.shrink_to_fit();
        self.len += chunk.len();
        self.chunks.push(chunk);
    }

    pub fn iter(&self) -> impl Iterator<Item = &PlanCandidate> {
        self.chunks.iter().flatten()
    }

    /// Each candidate once, in the greedy pass's order ([`greedy_order`]), read where it is.
    pub fn in_greedy_order(&self) -> impl Iterator<Item = &PlanCandidate> {
        let all: Vec<&PlanCandidate> = self.iter().collect();
        greedy_order(all.iter().copied())
            .into_iter()
            .map(move |i| all[i as usize])
    }

    /// One list, in the order they came.
    pub fn into_vec(self) -> Vec<PlanCandidate> {
        let mut out = Vec::with_capacity(self.len);
        for chunk in self.chunks {
            out.extend_from_slice(&chunk);
        }
        out
    }
}

/// Bins of a value per source unit that keep its order: the top 16 bits of an order-keeping
/// key of the float (its sign, exponent and 4 bits of mantissa: a bin spans a factor of
/// 2^(1/16)).
pub const VALUE_BINS: usize = 1 << 16;

pub fn value_bin(v: f64) -> usize {
    let bits = v.to_bits();
    let key = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    (key >> 48) as usize
}

/// An unsigned key that orders values from the highest to the lowest as `f64::total_cmp`
/// orders them from the lowest (the standard library's own mapping, flipped).
pub fn descending_key(v: f64) -> u64 {
    let bits = v.to_bits() as i64;
    let ordered = bits ^ ((((bits >> 63) as u64) >> 1) as i64);
    !((ordered as u64) ^ (1 << 63))
}

/// Positions of `candidates` in the greedy pass's order: value per source unit from the
/// highest (in `f64::total_cmp`'s order), ties by key, each key once (the first). Sorts
/// 24-byte keys, not the hundred-byte candidates.
pub fn greedy_order<'a>(candidates: impl Iterator<Item = &'a PlanCandidate>) -> Vec<u32> {
    let mut order: Vec<(u64, Key, u32)> = candidates
        .enumerate()
        .map(|(i, c)| (descending_key(c.value_per_source_unit), key(c), i as u32))
        .collect();
    order.sort_unstable();
    order.dedup_by_key(|o| o.1);
    order.into_iter().map(|o| o.2).collect()
}

/// What the greedy pass has left along the way: per stream, per need and per (need, rule).
#[derive(Debug)]
pub struct GreedyState {
    pub stream_left: Vec<f64>,
    pub need_left: Vec<f64>,
    pub share_left: HashMap<(u32, Option<u32>), f64>,
}

impl GreedyState {
    /// Nothing taken yet: every stream and need whole.
    pub fn new(engine: &Engine, region: &Region) -> GreedyState {
        GreedyState {
            stream_left: engine.supplies.iter().map(|s| s.quantity_per_yr).collect(),
            need_left: engine.demands.iter().map(|d| need_cap(region, d)).collect(),
            share_left: HashMap::new(),
        }
    }

    /// What the pass would offer `c` now.
    pub fn room(&self, engine: &Engine, c: &PlanCandidate) -> f64 {
        let share = (c.max_share_pct < 100.0).then(|| {
            self.share_left
                .get(&(c.hit.demand, c.rule))
                .copied()
                .unwrap_or_else(|| share_cap(&engine.demands[c.hit.demand as usize], c))
        });
        greedy_room(
            c.max_source_units_per_yr,
            c.need_units_per_source_unit,
            self.stream_left[c.hit.supply as usize],
            self.need_left[c.hit.demand as usize],
            share,
        )
    }

    /// The greedy pass's step for `c` with its column `col`: takes all the room it has if the
    /// pass would, and returns it.
    pub fn take(&mut self, engine: &Engine, c: &PlanCandidate, col: &GreedyColumn) -> f64 {
        let room = self.room(engine, c);
        if !greedy_takes(
            room,
            col.min_source_units_per_yr,
            c.value_per_source_unit,
            col.fixed_cost_per_yr,
            col.locked,
        ) {
            return 0.0;
        }
        let k = c.need_units_per_source_unit;
        self.stream_left[c.hit.supply as usize] -= room;
        self.need_left[c.hit.demand as usize] -= room * k;
        if c.max_share_pct < 100.0 {
            let cap = share_cap(&engine.demands[c.hit.demand as usize], c);
            *self.share_left.entry((c.hit.demand, c.rule)).or_insert(cap) -= room * k;
        }
        room
    }
}

/// A candidate's column as the greedy pass sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GreedyColumn {
    pub fixed_cost_per_yr: f64,
    pub min_source_units_per_yr: f64,
    /// Kept by the user: taken whatever its fixed cost.
    pub locked: bool,
}

/// What [`greedy_in_bands`] did.
#[derive(Clone, Debug, Default)]
pub struct Bands {
    /// Each candidate taken and the source units a year it takes, in the order taken.
    pub taken: Vec<(PlanCandidate, f64)>,
    pub passes: usize,
    /// The most candidates held at once.
    pub largest_band: usize,
}

/// The greedy pass over every candidate of the region in bands of value, the highest first,
/// going on from `state`: each band is the highest bins below those done whose candidates
/// (`histogram`, counted by [`value_bin`]) fit `hold` (at least one bin); a pass over the
/// region holds the band's candidates that have a column and still have room (streams with
/// none are not searched), and counts those below it for the next band; the band is sorted in
/// the greedy order and taken from. `column` gives a candidate's column (`None`: it has none);
/// `skip` leaves out candidates already taken (the locked ones, taken first).
#[allow(clippy::too_many_arguments)]
pub fn greedy_in_bands(
    engine: &Engine,
    region: &Region,
    search: &SearchOptions,
    hold: usize,
    mut histogram: Vec<u64>,
    state: &mut GreedyState,
    column: &(dyn Fn(&PlanCandidate) -> Option<GreedyColumn> + Sync),
    skip: &(dyn Fn(&PlanCandidate) -> bool + Sync),
    progress: &mut dyn FnMut(&str),
) -> Bands {
    let mut out = Bands::default();
    let mut hi = VALUE_BINS;
    loop {
        if histogram[..hi].iter().all(|&n| n == 0) {
            return out;
        }
        let mut lo = hi;
        let mut count = 0u64;
        while lo > 0 && (lo == hi || count + histogram[lo - 1] <= hold as u64) {
            count += histogram[lo - 1];
            lo -= 1;
        }
        let round = std::time::Instant::now();
        let mut band: Vec<PlanCandidate> = Vec::new();
        let mut below = vec![0u64; VALUE_BINS];
        let stream_left = &state.stream_left;
        let open = |supply: u32| stream_left[supply as usize] > FLOW_EPS;
        engine.search_chunked_where(region, search, MEMBERS_PER_CHUNK, &open, |hits| {
            for c in &engine.quantify_all(region, hits) {
                let b = value_bin(c.value_per_source_unit);
                if b >= hi || column(c).is_none() || skip(c) || state.room(engine, c) <= FLOW_EPS {
                    continue;
                }
                if b >= lo {
                    band.push(*c);
                } else {
                    below[b] += 1;
                }
            }
        });
        let before = out.taken.len();
        for c in greedy_order(band.iter())
            .into_iter()
            .map(|i| &band[i as usize])
        {
            if let Some(col) = column(c) {
                let x = state.take(engine, c, &col);
                if x > 0.0 {
                    out.taken.push((*c, x));
                }
            }
        }
        out.passes += 1;
        out.largest_band = out.largest_band.max(band.len());
        progress(&format!(
            "greedy band {}: {} candidates with room, {} taken, {:.1} s",
            out.passes,
            band.len(),
            out.taken.len() - before,
            round.elapsed().as_secs_f64()
        ));
        histogram = below;
        hi = lo;
    }
}
