//! Passes over every candidate of a region without holding them.
//!
//! A region of 100 000 facilities has about 125 million candidates, more than fit in memory.
//! The greedy pass and the plan therefore work on a kept subset: a few candidates per stream
//! and per need, plus whatever each pass over the region ([`Engine::search_chunked`]) shows
//! to matter. Two checks decide what matters (`docs/PLAN.md`):
//!
//! - [`GreedyTrace`]: would the greedy pass have taken a candidate left out, given what its
//!   stream, its need and its rule's share had left at its place in the pass? When no
//!   candidate left out would be, the greedy pass over the kept ones is the greedy pass over
//!   all of them.
//! - [`Prices`]: the reduced cost of a candidate left out at the linear relaxation's duals.
//!   When none is positive, the relaxation over the kept ones is the relaxation over all of
//!   them (column generation), and its value bounds every plan of the region.

use std::collections::HashMap;

use crate::matching::{Engine, PlanCandidate};
use crate::model::Region;
use crate::plan::{greedy_room, greedy_takes, need_cap, share_cap, Problem};

/// Stream options searched per chunk of a pass (a few megabytes of candidates).
pub const MEMBERS_PER_CHUNK: usize = 512;

/// A candidate's identity: its stream, the stream's option (the rule) and its need.
pub type Key = (u32, u16, u32);

pub fn key(c: &PlanCandidate) -> Key {
    (c.hit.supply, c.hit.option, c.hit.demand)
}

/// A candidate's place in the greedy order: by value per source unit, best first, then in
/// the search's order (stream, option, need), as [`crate::plan::greedy`] breaks ties over a
/// list in that order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    value_per_source_unit: f64,
    key: Key,
}

impl Place {
    pub fn of(c: &PlanCandidate) -> Place {
        Place {
            value_per_source_unit: c.value_per_source_unit,
            key: key(c),
        }
    }

    /// Whether `self` comes before `other` in the greedy order.
    pub fn before(&self, other: &Place) -> bool {
        other
            .value_per_source_unit
            .total_cmp(&self.value_per_source_unit)
            .then(self.key.cmp(&other.key))
            .is_lt()
    }
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
    list.sort_by_key(key);
    list.dedup_by_key(|c| key(c));
}

/// What one row (a stream, a need, a need's share for one rule) has left along the greedy
/// pass: after each exchange that drew on it, in the pass's order. `None` for a take of the
/// first phase (the locked exchanges, before any other).
#[derive(Clone, Debug, Default)]
struct RowTrace {
    takes: Vec<(Option<Place>, f64)>,
}

impl RowTrace {
    /// What the row has left when the pass reaches `place` in its second phase (`cap` before
    /// any take).
    fn left_at(&self, place: &Place, cap: f64) -> f64 {
        let n = self
            .takes
            .partition_point(|(p, _)| p.as_ref().is_none_or(|p| p.before(place)));
        if n == 0 {
            cap
        } else {
            self.takes[n - 1].1
        }
    }
}

/// The greedy pass over the kept candidates, row by row, to check the candidates left out.
#[derive(Debug, Default)]
pub struct GreedyTrace {
    streams: HashMap<u32, RowTrace>,
    needs: HashMap<u32, RowTrace>,
    shares: HashMap<(u32, Option<u32>), RowTrace>,
}

impl GreedyTrace {
    /// From the greedy pass over `problem` (built from `candidates`): `takes` are its columns
    /// in the order it took them, each with whether it was taken as a lock.
    pub fn new(
        problem: &Problem,
        candidates: &[PlanCandidate],
        x: &[f64],
        takes: &[(usize, bool)],
    ) -> GreedyTrace {
        let mut trace = GreedyTrace::default();
        let mut stream_left = problem.stream_caps.clone();
        let mut need_left = problem.need_caps.clone();
        let mut share_left = problem.share_caps.clone();
        for &(i, as_lock) in takes {
            let col = &problem.columns[i];
            let c = &candidates[col.candidate];
            let at = (!as_lock).then(|| Place::of(c));
            let (x, k) = (x[i], col.need_units_per_source_unit);
            stream_left[col.stream_row] -= x;
            need_left[col.need_row] -= x * k;
            trace
                .streams
                .entry(c.hit.supply)
                .or_default()
                .takes
                .push((at, stream_left[col.stream_row]));
            trace
                .needs
                .entry(c.hit.demand)
                .or_default()
                .takes
                .push((at, need_left[col.need_row]));
            if let Some(r) = col.share_row {
                share_left[r] -= x * k;
                trace
                    .shares
                    .entry((c.hit.demand, c.rule))
                    .or_default()
                    .takes
                    .push((at, share_left[r]));
            }
        }
        trace
    }

    /// Whether the greedy pass would have taken `c` (not locked, no required facility), whose
    /// column would carry `fixed_cost_per_yr`.
    pub fn would_take(
        &self,
        engine: &Engine,
        region: &Region,
        c: &PlanCandidate,
        fixed_cost_per_yr: f64,
    ) -> bool {
        static EMPTY: RowTrace = RowTrace { takes: Vec::new() };
        let place = Place::of(c);
        let supply = &engine.supplies[c.hit.supply as usize];
        let demand = &engine.demands[c.hit.demand as usize];
        let stream = self.streams.get(&c.hit.supply).unwrap_or(&EMPTY);
        let need = self.needs.get(&c.hit.demand).unwrap_or(&EMPTY);
        let share = (c.max_share_pct < 100.0).then(|| {
            self.shares
                .get(&(c.hit.demand, c.rule))
                .unwrap_or(&EMPTY)
                .left_at(&place, share_cap(demand, c))
        });
        let room = greedy_room(
            c.max_source_units_per_yr,
            c.need_units_per_source_unit,
            stream.left_at(&place, supply.quantity_per_yr),
            need.left_at(&place, need_cap(region, demand)),
            share,
        );
        greedy_takes(
            room,
            c.min_source_units_per_yr,
            c.value_per_source_unit,
            fixed_cost_per_yr,
            false,
        )
    }
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

    /// The greedy pass's step for `c` (not locked, with its column's fixed cost): takes all
    /// the room it has if the pass would, and returns it.
    pub fn take(&mut self, engine: &Engine, c: &PlanCandidate, fixed_cost_per_yr: f64) -> f64 {
        let room = self.room(engine, c);
        if !greedy_takes(
            room,
            c.min_source_units_per_yr,
            c.value_per_source_unit,
            fixed_cost_per_yr,
            false,
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
