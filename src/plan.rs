//! The region's plan: how much of each stream goes to each need so that the region as a whole
//! gains the most, solved by HiGHS (a mixed-integer linear program), with the greedy pass of
//! the text summary beside it for comparison, and an independent checker that every plan
//! (the solver's, the greedy one, a brute force's) must pass.
//!
//! The model (`docs/PLAN.md` has it with a worked example):
//! - one column `x_c` per candidate (a stream, a need, the rule between them and its best
//!   mode), in source units a year, `0 <= x_c <= U_c` (the stream, or the perishable share of
//!   it the receiver can take, and the rule's share of the need);
//! - per stream: `sum x_c <= supply`; per need: `sum k_c x_c <= quantity` (times the need's
//!   largest share from secondary materials, if it sets one); per need and rule:
//!   `sum k_c x_c <= share x quantity`, `k_c` need units per source unit;
//! - a candidate with a fixed yearly cost (a pipeline's line and connection, the user's cost
//!   of contracting one exchange) or a minimum lot is all or nothing: a binary `y_c` with
//!   `L_c y_c <= x_c <= U_c y_c`;
//! - the user's constraints: a locked exchange carries at least its quantity; an excluded pair
//!   of facilities has no column; a required facility takes part in at least one exchange;
//! - maximise `sum v_c x_c - f_c y_c`, `v_c` the net value per source unit (carbon price
//!   included when set), `f_c` the fixed cost.
//!
//! One column per (stream, need, rule) with its best mode at the pair's flow: at most one mode
//! per pair is built in.

use std::collections::HashMap;
use std::fmt;

use crate::matching::{Engine, PlanCandidate};
use crate::model::Region;

/// Flows below this many source units a year are read as zero.
pub const FLOW_EPS: f64 = 1e-6;

/// The sign that turns HiGHS's row duals of a maximisation into shadow prices (checked by a
/// test on a program whose prices are known).
const DUAL_SIGN: f64 = 1.0;

/// The least time a solve is given when the plan's time limit has (nearly) run out: enough
/// for HiGHS to take the greedy start it is handed and report it (20 000 facilities with
/// `--time-limit 1`: the mixed-integer solve ended in 1.55 s with the greedy plan).
const MIN_SOLVE_S: f64 = 1.0;

/// What the user asks of the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanOptions {
    /// A yearly cost every exchange carries (contracting, set-up, quality agreements), in the
    /// region's currency: it makes every exchange all or nothing.
    pub exchange_cost_per_yr: f64,
    pub locks: Vec<Lock>,
    /// Pairs of facility ids (either direction) that will not trade.
    pub exclude: Vec<(String, String)>,
    /// Facility ids that must take part in at least one exchange.
    pub require: Vec<String>,
    /// Seconds for the plan from its search on (`plan_region_with` shares them between the
    /// generated columns and the solve); a solve on its own ([`solve`]) stops after them.
    /// The best plan found by then is reported with its bound.
    pub time_limit_s: Option<f64>,
    /// Stop when the plan is within this fraction of the bound (mixed-integer plans).
    pub mip_rel_gap: Option<f64>,
    /// Let the solver write its progress to standard error, for programs of at least
    /// `solver_log_min_columns` columns (long solves).
    pub progress: bool,
    pub solver_log_min_columns: usize,
    /// Solve the linear relaxation only: all-or-nothing exchanges may come out fractional (a
    /// bound on the plan, and what the benchmarks time as the LP).
    pub relax: bool,
    /// HiGHS's `solver` option for the linear program: `simplex`, `ipm`, `pdlp` or `choose`
    /// (default).
    pub lp_solver: Option<String>,
}

/// An exchange that already operates: the plan must keep it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lock {
    pub stream_id: String,
    pub need_id: String,
    /// At least this many source units a year; `None`: as much as the pair can carry.
    pub source_units_per_yr: Option<f64>,
}

/// One column of the program.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Column {
    /// Index into the candidates the problem was built from.
    pub candidate: usize,
    /// Row indices: the stream's, the need's, the (need, rule) share's if it has one.
    pub stream_row: usize,
    pub need_row: usize,
    pub share_row: Option<usize>,
    pub value_per_source_unit: f64,
    pub fixed_cost_per_yr: f64,
    /// The least it carries when it runs (binary columns; 0 otherwise).
    pub min_source_units_per_yr: f64,
    pub max_source_units_per_yr: f64,
    pub need_units_per_source_unit: f64,
    /// All or nothing: it has a fixed cost, a lot, or a required facility counts on it.
    pub binary: bool,
    pub from_facility: u32,
    pub to_facility: u32,
    /// Through a hub: its row, and the pool (hub, need) whose lot it helps fill.
    pub hub_row: Option<usize>,
    pub pool_row: Option<usize>,
    pub tonnes_per_source_unit: f64,
}

impl Column {
    /// Its reduced cost at row prices `p`, with `stream_price` for its stream's row (0 to
    /// leave that row out): [`crate::streamed::reduced_cost`].
    pub fn reduced_cost(&self, stream_price: f64, p: &crate::streamed::RowPrices) -> f64 {
        crate::streamed::reduced_cost(
            self.value_per_source_unit,
            self.fixed_cost_per_yr,
            self.max_source_units_per_yr,
            self.need_units_per_source_unit,
            [
                stream_price,
                p.needs[self.need_row],
                self.share_row.map_or(0.0, |r| p.shares[r]),
            ],
        )
    }
}

/// A candidate hub in the program: open (paying its fixed cost) or not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HubRow {
    /// Index into the hubs the candidates were built for.
    pub hub: usize,
    /// The facility it stands at, which runs it (index into the region's facilities).
    pub host: Option<usize>,
    pub capacity_t_per_yr: f64,
    pub fixed_cost_per_yr: f64,
}

/// The flow from one hub to one need: all or nothing when the need has a lot (the pooled flow
/// must fill it) or exchanges cost something to set up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolRow {
    pub hub_row: usize,
    pub need_row: usize,
    pub lot_need_units: f64,
    pub fixed_cost_per_yr: f64,
}

impl PoolRow {
    pub fn binary(&self) -> bool {
        self.lot_need_units > 0.0 || self.fixed_cost_per_yr > 0.0
    }
}

/// The plan as a mixed-integer program over the candidates of a region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problem {
    pub columns: Vec<Column>,
    /// Right-hand sides: source units per stream, need units per need and per share row.
    pub stream_caps: Vec<f64>,
    pub need_caps: Vec<f64>,
    pub share_caps: Vec<f64>,
    /// Each locked exchange: its columns and the source units a year they must carry.
    pub locks: Vec<(Vec<usize>, f64)>,
    /// Each required facility: the columns it takes part in.
    pub requires: Vec<(u32, Vec<usize>)>,
    pub hubs: Vec<HubRow>,
    pub pools: Vec<PoolRow>,
}

/// Why a problem cannot be built: a constraint names something the region does not have, or
/// asks for what no candidate offers.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("lock {0}: no stream or need with this id")]
    UnknownFlow(String),
    #[error("lock {stream} -> {need}: the search found no viable exchange between them{why}")]
    LockNotViable {
        stream: String,
        need: String,
        why: String,
    },
    #[error("{0}: no facility with this id")]
    UnknownFacility(String),
    #[error("the solver failed: {0}")]
    Solver(String),
}

impl Problem {
    /// The program over `candidates` (quantified hits of `engine`'s search in `region`).
    /// Candidates that lose money at any flow, cannot reach their lot, or join an excluded
    /// pair get no column.
    pub fn build(
        engine: &Engine,
        region: &Region,
        candidates: &[PlanCandidate],
        options: &PlanOptions,
    ) -> Result<Problem, PlanError> {
        Self::build_with_hubs(engine, region, candidates, &[], options)
    }

    /// The program over direct and hub candidates; `hubs` are those the hub candidates were
    /// built for ([`Engine::hub_candidates`]).
    pub fn build_with_hubs(
        engine: &Engine,
        region: &Region,
        candidates: &[PlanCandidate],
        hubs: &[crate::hubs::Hub],
        options: &PlanOptions,
    ) -> Result<Problem, PlanError> {
        let facility_index: HashMap<&str, u32> = region
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i as u32))
            .collect();
        let facility = |id: &str| {
            facility_index
                .get(id)
                .copied()
                .ok_or_else(|| PlanError::UnknownFacility(id.to_owned()))
        };
        let excluded = excluded_pairs(region, options)?;
        let required: Vec<u32> = options
            .require
            .iter()
            .map(|id| facility(id))
            .collect::<Result<_, _>>()?;
        // Locks by (facility, stream) and (facility, need) position.
        let mut flow_pos: HashMap<&str, (u32, u32)> = HashMap::new();
        for (fi, f) in region.facilities.iter().enumerate() {
            for (i, o) in f.outputs.iter().enumerate() {
                flow_pos.insert(o.id.as_str(), (fi as u32, i as u32));
            }
            for (i, n) in f.needs.iter().enumerate() {
                flow_pos.insert(n.id.as_str(), (fi as u32, i as u32));
            }
        }
        let mut locked_pairs = Vec::new();
        for lock in &options.locks {
            let s = *flow_pos
                .get(lock.stream_id.as_str())
                .ok_or_else(|| PlanError::UnknownFlow(lock.stream_id.clone()))?;
            let n = *flow_pos
                .get(lock.need_id.as_str())
                .ok_or_else(|| PlanError::UnknownFlow(lock.need_id.clone()))?;
            locked_pairs.push((s, n));
        }
        let stream_of = |c: &PlanCandidate| {
            let s = &engine.supplies[c.hit.supply as usize];
            (s.facility, s.stream)
        };
        let need_of = |c: &PlanCandidate| {
            let d = &engine.demands[c.hit.demand as usize];
            (d.facility, d.need)
        };
        let is_locked = |c: &PlanCandidate| {
            c.hub.is_none() && locked_pairs.contains(&(stream_of(c), need_of(c)))
        };
        let mut hub_rows: HashMap<u32, usize> = HashMap::new();
        let mut pool_rows: HashMap<(u32, u32), usize> = HashMap::new();

        let mut problem = Problem::default();
        // Most candidates get a column: reserved once rather than grown by doubling.
        problem.columns.reserve_exact(candidates.len());
        let mut stream_rows: HashMap<u32, usize> = HashMap::new();
        let mut need_rows: HashMap<u32, usize> = HashMap::new();
        let mut share_rows: HashMap<(u32, Option<u32>), usize> = HashMap::new();
        for (ci, c) in candidates.iter().enumerate() {
            let pair = (
                c.from_facility.min(c.to_facility),
                c.from_facility.max(c.to_facility),
            );
            if excluded.contains(&pair) {
                continue;
            }
            let locked = is_locked(c);
            let Some(fixed) = column_fixed_cost(c, options, locked) else {
                continue;
            };
            let hub = c.hub.and_then(|h| hubs.get(h as usize).map(|k| (h, k)));
            if c.hub.is_some() && hub.is_none() {
                continue;
            }
            let supply = &engine.supplies[c.hit.supply as usize];
            let demand = &engine.demands[c.hit.demand as usize];
            let next = problem.stream_caps.len();
            let stream_row = *stream_rows.entry(c.hit.supply).or_insert(next);
            if stream_row == next {
                problem.stream_caps.push(supply.quantity_per_yr);
            }
            let next = problem.need_caps.len();
            let need_row = *need_rows.entry(c.hit.demand).or_insert(next);
            if need_row == next {
                problem.need_caps.push(need_cap(region, demand));
            }
            let share_row = (c.max_share_pct < 100.0).then(|| {
                let next = problem.share_caps.len();
                let row = *share_rows.entry((c.hit.demand, c.rule)).or_insert(next);
                if row == next {
                    problem.share_caps.push(share_cap(demand, c));
                }
                row
            });
            let counted_on =
                required.contains(&c.from_facility) || required.contains(&c.to_facility);
            // A required facility takes part with at least one source unit a year (or all
            // the pair can carry, if less).
            let min_source_units_per_yr = if counted_on {
                c.min_source_units_per_yr
                    .max(c.max_source_units_per_yr.min(1.0))
            } else {
                c.min_source_units_per_yr
            };
            let binary = fixed > 0.0 || min_source_units_per_yr > 0.0 || counted_on;
            let (hub_row, pool_row) = match hub {
                None => (None, None),
                Some((h, k)) => {
                    let next = problem.hubs.len();
                    let hr = *hub_rows.entry(h).or_insert(next);
                    if hr == next {
                        problem.hubs.push(HubRow {
                            hub: h as usize,
                            host: k.host,
                            capacity_t_per_yr: k.kind.capacity_t_per_yr,
                            fixed_cost_per_yr: k.kind.fixed_cost_per_yr,
                        });
                    }
                    let next = problem.pools.len();
                    let pr = *pool_rows.entry((h, c.hit.demand)).or_insert(next);
                    if pr == next {
                        problem.pools.push(PoolRow {
                            hub_row: hr,
                            need_row,
                            lot_need_units: c.pool_lot_need_units,
                            fixed_cost_per_yr: options.exchange_cost_per_yr,
                        });
                    }
                    (Some(hr), Some(pr))
                }
            };
            problem.columns.push(Column {
                candidate: ci,
                stream_row,
                need_row,
                share_row,
                value_per_source_unit: c.value_per_source_unit,
                fixed_cost_per_yr: fixed,
                min_source_units_per_yr,
                max_source_units_per_yr: c.max_source_units_per_yr,
                need_units_per_source_unit: c.need_units_per_source_unit,
                binary,
                from_facility: c.from_facility,
                to_facility: c.to_facility,
                hub_row,
                pool_row,
                tonnes_per_source_unit: c.tonnes_per_source_unit,
            });
        }
        for (lock, &(s, n)) in options.locks.iter().zip(&locked_pairs) {
            let cols: Vec<usize> = problem
                .columns
                .iter()
                .enumerate()
                .filter(|(_, col)| {
                    let c = &candidates[col.candidate];
                    col.hub_row.is_none() && stream_of(c) == s && need_of(c) == n
                })
                .map(|(i, _)| i)
                .collect();
            if cols.is_empty() {
                let why = candidates
                    .iter()
                    .find(|c| stream_of(c) == s && need_of(c) == n)
                    .map_or(String::from(" (not within reach)"), |c| {
                        format!(
                            " ({} km against a break-even of {:.1} km{})",
                            c.hit.distance_km.round(),
                            c.hit.break_even_km,
                            if c.hit.viable {
                                ""
                            } else {
                                ", a specification fails"
                            }
                        )
                    });
                return Err(PlanError::LockNotViable {
                    stream: lock.stream_id.clone(),
                    need: lock.need_id.clone(),
                    why,
                });
            }
            let most = cols
                .iter()
                .map(|&i| problem.columns[i].max_source_units_per_yr)
                .fold(0.0, f64::max);
            let at_least = lock.source_units_per_yr.unwrap_or(most).min(most);
            problem.locks.push((cols, at_least));
        }
        for &f in &required {
            let cols = problem
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.from_facility == f || c.to_facility == f)
                .map(|(i, _)| i)
                .collect();
            problem.requires.push((f, cols));
        }
        Ok(problem)
    }

    /// Net value of a plan given as source units per column, fixed costs included (a hub's
    /// and a pool's once, when anything flows through them).
    pub fn objective(&self, x: &[f64]) -> f64 {
        let mut hub_used = vec![false; self.hubs.len()];
        let mut pool_used = vec![false; self.pools.len()];
        let mut v = 0.0;
        for (c, &x) in self.columns.iter().zip(x) {
            if x > FLOW_EPS {
                v += c.value_per_source_unit * x - c.fixed_cost_per_yr;
                if let Some(h) = c.hub_row {
                    hub_used[h] = true;
                }
                if let Some(p) = c.pool_row {
                    pool_used[p] = true;
                }
            }
        }
        for (h, used) in self.hubs.iter().zip(hub_used) {
            if used {
                v -= h.fixed_cost_per_yr;
            }
        }
        for (p, used) in self.pools.iter().zip(pool_used) {
            if used {
                v -= p.fixed_cost_per_yr;
            }
        }
        v
    }

    /// The columns a mixed-integer solve after column generation works with (price and
    /// branch, `docs/PLAN.md`): those the relaxation (`relaxed`) or the starting plan
    /// (`start`) use, those of locks, required facilities and hubs, and the `per_row` of best
    /// reduced cost at `prices` per stream and per need. `None` when every column is kept;
    /// else which are (the mask [`solve_from`] takes as `open`: the others carry nothing, so
    /// its plans are plans of `self`, column for column) and how many.
    pub fn restricted(
        &self,
        relaxed: &[f64],
        start: &[f64],
        prices: &crate::streamed::RowPrices,
        per_row: usize,
    ) -> Option<(Vec<bool>, usize)> {
        let n = self.columns.len();
        let mut keep: Vec<bool> = (0..n)
            .map(|i| {
                let c = &self.columns[i];
                relaxed.get(i).is_some_and(|&x| x > FLOW_EPS)
                    || start.get(i).is_some_and(|&x| x > FLOW_EPS)
                    || c.hub_row.is_some()
                    || c.pool_row.is_some()
            })
            .collect();
        for i in self
            .locks
            .iter()
            .flat_map(|(cols, _)| cols)
            .chain(self.requires.iter().flat_map(|(_, cols)| cols))
        {
            keep[*i] = true;
        }
        let reduced: Vec<f64> = self
            .columns
            .iter()
            .map(|c| c.reduced_cost(prices.streams[c.stream_row], prices))
            .collect();
        let mut order: Vec<usize> = (0..n).filter(|&i| !keep[i]).collect();
        order.sort_unstable_by(|&a, &b| reduced[b].total_cmp(&reduced[a]).then(a.cmp(&b)));
        let mut per_stream = vec![0usize; self.stream_caps.len()];
        let mut per_need = vec![0usize; self.need_caps.len()];
        for i in order {
            let c = &self.columns[i];
            if per_stream[c.stream_row] < per_row || per_need[c.need_row] < per_row {
                per_stream[c.stream_row] += 1;
                per_need[c.need_row] += 1;
                keep[i] = true;
            }
        }
        let kept = keep.iter().filter(|&&k| k).count();
        (kept < n).then_some((keep, kept))
    }
}

/// How the solver ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Optimal,
    /// The time limit came first: the best plan found, with its bound.
    TimeLimit,
    Infeasible,
    /// A plan with a bound farther from it than the gap asked for (generated columns: the
    /// solver's optimum over the columns held).
    Feasible,
    /// No candidate to plan with.
    Empty,
    /// The greedy pass (not a solver).
    Greedy,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::TimeLimit => "time_limit",
            Status::Infeasible => "infeasible",
            Status::Feasible => "feasible",
            Status::Empty => "empty",
            Status::Greedy => "greedy",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A plan: source units a year per column.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub status: Status,
    pub x: Vec<f64>,
    /// The plan's net value a year, recomputed from the columns.
    pub objective: f64,
    /// The best any plan could reach (the solver's dual bound; the objective when optimal).
    pub bound: f64,
    /// `(bound - objective) / max(|objective|, 1)`.
    pub gap: f64,
    pub solve_seconds: f64,
    /// The shadow prices of the stream, need and share rows (linear relaxations only).
    pub row_prices: Option<crate::streamed::RowPrices>,
}

/// The excluded pairs of facilities, as (smaller index, larger index).
pub fn excluded_pairs(
    region: &Region,
    options: &PlanOptions,
) -> Result<std::collections::HashSet<(u32, u32)>, PlanError> {
    let index = |id: &str| {
        region
            .facilities
            .iter()
            .position(|f| f.id == id)
            .map(|i| i as u32)
            .ok_or_else(|| PlanError::UnknownFacility(id.to_owned()))
    };
    let mut out = std::collections::HashSet::new();
    for (a, b) in &options.exclude {
        let (a, b) = (index(a)?, index(b)?);
        out.insert((a.min(b), a.max(b)));
    }
    Ok(out)
}

/// The fixed yearly cost of a candidate's column, or `None` when the column can never be part
/// of a plan (not viable, nothing to carry, or, unless locked, it never pays or its lot is
/// more than it can carry). Through a hub, the cost of an exchange is the pool's (one contract
/// from the hub to the receiver).
pub fn column_fixed_cost(c: &PlanCandidate, options: &PlanOptions, locked: bool) -> Option<f64> {
    if !c.hit.viable || c.max_source_units_per_yr <= FLOW_EPS {
        return None;
    }
    let fixed = if c.hub.is_some() {
        0.0
    } else {
        c.fixed_cost_per_yr + options.exchange_cost_per_yr
    };
    let never = c.value_per_yr(c.max_source_units_per_yr) + c.fixed_cost_per_yr - fixed <= 0.0
        || c.min_source_units_per_yr > c.max_source_units_per_yr;
    (locked || !never).then_some(fixed)
}

/// A need's row bound: its quantity, times its largest share from secondary materials.
pub fn need_cap(region: &Region, demand: &crate::matching::Demand) -> f64 {
    let need = &region.facilities[demand.facility as usize].needs[demand.need as usize];
    let secondary = need.spec.max_secondary_share_pct.unwrap_or(100.0);
    demand.quantity_per_yr * secondary.clamp(0.0, 100.0) / 100.0
}

/// A (need, rule) share row's bound.
pub fn share_cap(demand: &crate::matching::Demand, c: &PlanCandidate) -> f64 {
    demand.quantity_per_yr * c.max_share_pct / 100.0
}

/// What the greedy pass offers a column: as much as the pair can carry, the stream has left,
/// and the need (and the rule's share of it) still wants.
pub fn greedy_room(
    max_source_units_per_yr: f64,
    need_units_per_source_unit: f64,
    stream_left: f64,
    need_left: f64,
    share_left: Option<f64>,
) -> f64 {
    let k = need_units_per_source_unit;
    let mut room = max_source_units_per_yr.min(stream_left);
    if k > 0.0 {
        room = room.min(need_left / k);
        if let Some(left) = share_left {
            room = room.min(left / k);
        }
    }
    room
}

/// Whether the greedy pass takes a column offered `room`: enough to matter, its lot, and
/// (unless locked) paying its fixed cost.
pub fn greedy_takes(
    room: f64,
    min_source_units_per_yr: f64,
    value_per_source_unit: f64,
    fixed_cost_per_yr: f64,
    locked: bool,
) -> bool {
    !(room <= FLOW_EPS
        || room < min_source_units_per_yr
        || (!locked && value_per_source_unit * room - fixed_cost_per_yr <= 0.0))
}

/// Positions of `values` from the highest to the lowest (in `f64::total_cmp`'s order), ties
/// by position: sorted as compact keys, not through the columns (at 4.9 M columns the
/// comparisons reading them cost 10 s; these keys, half a second).
pub fn by_value_desc(values: impl Iterator<Item = f64>) -> impl Iterator<Item = usize> {
    let mut keys: Vec<(u64, u32)> = values
        .enumerate()
        .map(|(i, v)| (crate::streamed::descending_key(v), i as u32))
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, i)| i as usize)
}

/// The greedy pass: columns by value per source unit, each taking all it still can (within
/// the stream, the need and the rule's share), skipped when what is left misses its lot or
/// does not pay its fixed cost. Locks are taken first. One feasible plan, not the optimum.
pub fn greedy(problem: &Problem) -> Solution {
    let n = problem.columns.len();
    let mut x = vec![0.0; n];
    let mut stream_left = problem.stream_caps.clone();
    let mut need_left = problem.need_caps.clone();
    let mut share_left = problem.share_caps.clone();
    let order = by_value_desc(problem.columns.iter().map(|c| c.value_per_source_unit));
    let locked: Vec<usize> = problem
        .locks
        .iter()
        .flat_map(|(cols, _)| cols.iter().copied())
        .collect();
    let first = locked.iter().copied().chain(order);
    for i in first {
        if x[i] > 0.0 {
            continue;
        }
        let c = &problem.columns[i];
        if c.hub_row.is_some() {
            // The greedy pass is the plan without hubs.
            continue;
        }
        let k = c.need_units_per_source_unit;
        let room = greedy_room(
            c.max_source_units_per_yr,
            k,
            stream_left[c.stream_row],
            need_left[c.need_row],
            c.share_row.map(|r| share_left[r]),
        );
        if !greedy_takes(
            room,
            c.min_source_units_per_yr,
            c.value_per_source_unit,
            c.fixed_cost_per_yr,
            locked.contains(&i),
        ) {
            continue;
        }
        x[i] = room;
        stream_left[c.stream_row] -= room;
        need_left[c.need_row] -= room * k;
        if let Some(r) = c.share_row {
            share_left[r] -= room * k;
        }
    }
    let objective = problem.objective(&x);
    Solution {
        status: Status::Greedy,
        x,
        objective,
        bound: f64::NAN,
        gap: f64::NAN,
        solve_seconds: 0.0,
        row_prices: None,
    }
}

/// The Lagrangian part of a priced bound: what the stream, need and share rows are worth at
/// the relaxation's prices, plus what the program's own columns could still add
/// (`U x max(0, rc)`; about 0 at the relaxation's optimum). Valid for a problem whose only rows
/// are those (no locks, required facilities or hubs).
fn lagrangian_bound(problem: &Problem, p: &crate::streamed::RowPrices) -> f64 {
    let dot =
        |caps: &[f64], prices: &[f64]| -> f64 { caps.iter().zip(prices).map(|(c, p)| c * p).sum() };
    let rows = dot(&problem.stream_caps, &p.streams)
        + dot(&problem.need_caps, &p.needs)
        + dot(&problem.share_caps, &p.shares);
    let columns: f64 = problem
        .columns
        .iter()
        .map(|c| c.max_source_units_per_yr * c.reduced_cost(p.streams[c.stream_row], p).max(0.0))
        .sum();
    rows + columns
}

/// A bound that keeps each stream's own row: the need and share rows are priced (dualised) as
/// in [`lagrangian_bound`], and what is left splits by stream into a fractional knapsack:
/// the stream's supply filled with its columns, best reduced cost (before the stream's own
/// price) first. For any prices it is no larger than the bound that prices the stream rows
/// too (the knapsack's dual is that bound, stream by stream), and much smaller where a stream
/// has many columns left out with a positive reduced cost, each of which the other bound
/// counts at its whole capacity. Columns are offered one at a time; per stream the best
/// [`KNAPSACK_KEEP`] are kept, and the rest counted at the best reduced cost among them.
#[derive(Debug, Default)]
pub struct StreamKnapsacks {
    per_stream: HashMap<u32, Knapsack>,
}

/// Columns kept per stream for [`StreamKnapsacks`] (twice as many are held between sorts).
pub const KNAPSACK_KEEP: usize = 16;

#[derive(Debug, Default)]
struct Knapsack {
    /// (reduced cost per source unit, most source units a year), best first after a sort.
    items: Vec<(f64, f64)>,
    /// The best reduced cost among the columns dropped.
    rest_max: f64,
}

impl StreamKnapsacks {
    /// A column of stream `supply` with reduced cost `rc` (its stream's price added back) and
    /// capacity `units` a year.
    pub fn offer(&mut self, supply: u32, rc: f64, units: f64) {
        if !(rc > 0.0 && units > 0.0) {
            return;
        }
        let k = self.per_stream.entry(supply).or_default();
        k.items.push((rc, units));
        if k.items.len() >= 2 * KNAPSACK_KEEP {
            k.items.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (r, _) in k.items.drain(KNAPSACK_KEEP..) {
                k.rest_max = k.rest_max.max(r);
            }
        }
    }

    /// The knapsacks' total: per stream, its supply (`cap(supply)`, source units a year)
    /// filled best first; what the kept columns leave is filled at the best dropped one.
    pub fn value(mut self, cap: impl Fn(u32) -> f64) -> f64 {
        let mut total = 0.0;
        for (supply, k) in &mut self.per_stream {
            k.items.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut left = cap(*supply).max(0.0);
            for &(rc, units) in &k.items {
                if left <= 0.0 {
                    break;
                }
                let take = units.min(left);
                total += rc * take;
                left -= take;
            }
            if left > 0.0 && k.rest_max > 0.0 {
                total += k.rest_max * left;
            }
        }
        total
    }
}

/// What the need and share rows are worth at prices `p` (the part of a Lagrangian bound the
/// stream knapsacks leave to them).
fn need_and_share_rows(problem: &Problem, p: &crate::streamed::RowPrices) -> f64 {
    let dot =
        |caps: &[f64], prices: &[f64]| -> f64 { caps.iter().zip(prices).map(|(c, p)| c * p).sum() };
    dot(&problem.need_caps, &p.needs) + dot(&problem.share_caps, &p.shares)
}

/// The problem's own columns into the stream knapsacks at prices `p`.
fn offer_columns(
    knapsacks: &mut StreamKnapsacks,
    problem: &Problem,
    candidates: &[PlanCandidate],
    p: &crate::streamed::RowPrices,
) {
    for c in &problem.columns {
        let rc = c.reduced_cost(0.0, p);
        knapsacks.offer(
            candidates[c.candidate].hit.supply,
            rc,
            c.max_source_units_per_yr,
        );
    }
}

/// A greedy plan given as flows per column (the greedy pass run in bands over more candidates
/// than the problem holds, read back into it).
pub fn greedy_solution(problem: &Problem, x: Vec<f64>) -> Solution {
    Solution {
        status: Status::Greedy,
        objective: problem.objective(&x),
        x,
        bound: f64::NAN,
        gap: f64::NAN,
        solve_seconds: 0.0,
        row_prices: None,
    }
}

/// The optimal plan by HiGHS.
pub fn solve(problem: &Problem, options: &PlanOptions) -> Result<Solution, PlanError> {
    solve_from(problem, options, None, None)
}

/// [`solve`], handing the solver a feasible plan to start from (source units per column, as
/// the greedy pass gives; the all-or-nothing switches follow from them).
pub fn solve_from(
    problem: &Problem,
    options: &PlanOptions,
    start: Option<&[f64]>,
    open: Option<&[bool]>,
) -> Result<Solution, PlanError> {
    use highs::{ColProblem, HighsModelStatus, Sense};
    let started = std::time::Instant::now();
    if problem.columns.is_empty() {
        return Ok(Solution {
            status: Status::Empty,
            x: Vec::new(),
            objective: 0.0,
            bound: 0.0,
            gap: 0.0,
            solve_seconds: 0.0,
            row_prices: None,
        });
    }
    let mut pb = ColProblem::default();
    let stream_rows: Vec<_> = problem
        .stream_caps
        .iter()
        .map(|&cap| pb.add_row(..=cap))
        .collect();
    let need_rows: Vec<_> = problem
        .need_caps
        .iter()
        .map(|&cap| pb.add_row(..=cap))
        .collect();
    let share_rows: Vec<_> = problem
        .share_caps
        .iter()
        .map(|&cap| pb.add_row(..=cap))
        .collect();
    // Columns that can carry nothing, or that `open` closes (`Problem::restricted`, a hub
    // left out), are not handed to the solver; their flows read back as zero.
    let used =
        |i: usize| problem.columns[i].max_source_units_per_yr > 0.0 && open.is_none_or(|o| o[i]);
    // Per binary column: x - U y <= 0 and x - L y >= 0.
    let mut link = vec![None; problem.columns.len()];
    for (i, c) in problem.columns.iter().enumerate() {
        if c.binary && used(i) {
            link[i] = Some((pb.add_row(..=0.0), pb.add_row(0.0..)));
        }
    }
    let mut lock_rows = vec![Vec::new(); problem.columns.len()];
    for (cols, at_least) in &problem.locks {
        let row = pb.add_row(*at_least..);
        for &i in cols {
            lock_rows[i].push(row);
        }
    }
    // Per hub: sum t x - capacity o <= 0. Per pool with a lot: sum k x - L w >= 0 and
    // sum k x - M w <= 0.
    let hub_cap_rows: Vec<_> = problem.hubs.iter().map(|_| pb.add_row(..=0.0)).collect();
    let pool_rows: Vec<Option<_>> = problem
        .pools
        .iter()
        .map(|p| p.binary().then(|| (pb.add_row(0.0..), pb.add_row(..=0.0))))
        .collect();
    let mut pool_big_m = vec![0.0; problem.pools.len()];
    for (i, c) in problem.columns.iter().enumerate() {
        if let Some(p) = c.pool_row.filter(|_| used(i)) {
            pool_big_m[p] += c.max_source_units_per_yr * c.need_units_per_source_unit;
        }
    }
    let mut require_rows = vec![Vec::new(); problem.columns.len()];
    for (_, cols) in &problem.requires {
        let row = pb.add_row(1.0..);
        for &i in cols {
            require_rows[i].push(row);
        }
    }
    let mut factors = Vec::with_capacity(8);
    for (i, c) in problem.columns.iter().enumerate().filter(|&(i, _)| used(i)) {
        factors.clear();
        factors.push((stream_rows[c.stream_row], 1.0));
        factors.push((need_rows[c.need_row], c.need_units_per_source_unit));
        if let Some(r) = c.share_row {
            factors.push((share_rows[r], c.need_units_per_source_unit));
        }
        if let Some((hi, lo)) = link[i] {
            factors.push((hi, 1.0));
            factors.push((lo, 1.0));
        }
        for &r in &lock_rows[i] {
            factors.push((r, 1.0));
        }
        if let Some(h) = c.hub_row {
            factors.push((hub_cap_rows[h], c.tonnes_per_source_unit));
        }
        if let Some((lo, hi)) = c.pool_row.and_then(|p| pool_rows[p]) {
            factors.push((lo, c.need_units_per_source_unit));
            factors.push((hi, c.need_units_per_source_unit));
        }
        pb.add_column(
            c.value_per_source_unit,
            0.0..=c.max_source_units_per_yr,
            factors.iter().copied(),
        );
    }
    for (i, c) in problem.columns.iter().enumerate() {
        if let Some((hi, lo)) = link[i] {
            factors.clear();
            factors.push((hi, -c.max_source_units_per_yr));
            factors.push((lo, -c.min_source_units_per_yr));
            for &r in &require_rows[i] {
                factors.push((r, 1.0));
            }
            if options.relax {
                pb.add_column(-c.fixed_cost_per_yr, 0.0..=1.0, factors.iter().copied());
            } else {
                pb.add_integer_column(-c.fixed_cost_per_yr, 0.0..=1.0, factors.iter().copied());
            }
        }
    }
    for (h, row) in problem.hubs.iter().zip(&hub_cap_rows) {
        let f = [(*row, -h.capacity_t_per_yr)];
        if options.relax {
            pb.add_column(-h.fixed_cost_per_yr, 0.0..=1.0, f);
        } else {
            pb.add_integer_column(-h.fixed_cost_per_yr, 0.0..=1.0, f);
        }
    }
    for (p, (rows, m)) in problem.pools.iter().zip(pool_rows.iter().zip(&pool_big_m)) {
        if let Some((lo, hi)) = rows {
            let f = [(*lo, -p.lot_need_units), (*hi, -m)];
            if options.relax {
                pb.add_column(-p.fixed_cost_per_yr, 0.0..=1.0, f);
            } else {
                pb.add_integer_column(-p.fixed_cost_per_yr, 0.0..=1.0, f);
            }
        }
    }
    let mut model = pb.optimise(Sense::Maximise);
    if options.progress && problem.columns.len() >= options.solver_log_min_columns {
        model.set_option("output_flag", true);
        model.set_option("log_to_console", false);
        #[cfg(unix)]
        model.set_option("log_file", "/dev/stderr");
    } else {
        model.make_quiet();
    }
    if let Some(t) = options.time_limit_s {
        model.set_option("time_limit", t);
    }
    if let Some(solver) = &options.lp_solver {
        model.set_option("solver", solver.as_str());
    }
    if let Some(g) = options.mip_rel_gap {
        model.set_option("mip_rel_gap", g);
    }
    if let Some(x) = start.filter(|x| x.len() == problem.columns.len()) {
        // x, then a switch per all-or-nothing column, per hub and per pool with a switch.
        let handed = || {
            problem
                .columns
                .iter()
                .zip(x)
                .enumerate()
                .filter(|&(i, _)| used(i))
                .map(|(_, cx)| cx)
        };
        let mut cols: Vec<f64> = handed().map(|(_, &v)| v).collect();
        cols.extend(
            handed()
                .filter(|(c, _)| c.binary)
                .map(|(_, &v)| if v > FLOW_EPS { 1.0 } else { 0.0 }),
        );
        cols.extend(problem.hubs.iter().map(|_| 0.0));
        cols.extend(problem.pools.iter().filter(|p| p.binary()).map(|_| 0.0));
        if start.is_some_and(|x| {
            problem
                .columns
                .iter()
                .zip(x)
                .all(|(c, &v)| v <= FLOW_EPS || c.hub_row.is_none())
        }) {
            // A start that is not accepted only costs the solver its own first plan.
            let _ = model.try_set_solution(Some(&cols), None, None, None);
        }
    }
    let solved = model
        .try_solve()
        .map_err(|e| PlanError::Solver(format!("{e:?}")))?;
    let status = match solved.status() {
        HighsModelStatus::Optimal => Status::Optimal,
        HighsModelStatus::ReachedTimeLimit => Status::TimeLimit,
        HighsModelStatus::Infeasible => Status::Infeasible,
        HighsModelStatus::ModelEmpty => Status::Empty,
        other => return Err(PlanError::Solver(format!("{other:?}"))),
    };
    let n = problem.columns.len();
    let mut x: Vec<f64> = vec![0.0; n];
    if status != Status::Infeasible {
        let solution = solved.get_solution();
        let mut values = solution.columns().iter();
        for (i, v) in x.iter_mut().enumerate() {
            if used(i) {
                *v = values.next().copied().unwrap_or(0.0);
            }
        }
    }
    // Round the solver's tolerance away: nothing below zero or above the column's bound,
    // nothing left of a column switched off.
    for (v, c) in x.iter_mut().zip(&problem.columns) {
        *v = v.clamp(0.0, c.max_source_units_per_yr);
        if *v <= FLOW_EPS {
            *v = 0.0;
        }
    }
    let objective = if options.relax {
        solved.objective_value()
    } else {
        problem.objective(&x)
    };
    // The rows were added streams, needs, shares first. HiGHS gives the duals of a
    // maximisation with the sign of the minimisation of its negative; the prices are their
    // negatives (at least zero for these `<=` rows).
    let row_prices = (options.relax && status == Status::Optimal).then(|| {
        let duals = solved.get_solution().dual_rows().to_vec();
        let (ns, nn) = (problem.stream_caps.len(), problem.need_caps.len());
        let price = |r: &[f64]| r.iter().map(|d| (DUAL_SIGN * d).max(0.0)).collect();
        crate::streamed::RowPrices {
            streams: price(&duals[..ns]),
            needs: price(&duals[ns..ns + nn]),
            shares: price(&duals[ns + nn..ns + nn + problem.share_caps.len()]),
        }
    });
    let mip = !options.relax
        && (problem.columns.iter().any(|c| c.binary)
            || !problem.hubs.is_empty()
            || problem.pools.iter().any(PoolRow::binary));
    let bound = if mip && status != Status::Infeasible {
        solved
            .double_info_value(c"mip_dual_bound")
            .unwrap_or(objective)
            .max(objective)
    } else {
        objective
    };
    Ok(Solution {
        status,
        x,
        objective,
        bound,
        gap: (bound - objective) / objective.abs().max(1.0),
        solve_seconds: started.elapsed().as_secs_f64(),
        row_prices,
    })
}

/// What is wrong with a plan, constraint by constraint; empty when it is feasible. Reads only
/// the problem and the plan, not the solver.
pub fn violations(problem: &Problem, x: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    if x.len() != problem.columns.len() {
        out.push(format!(
            "{} flows for {} columns",
            x.len(),
            problem.columns.len()
        ));
        return out;
    }
    let tol = |cap: f64| 1e-6 * cap.abs().max(1.0);
    let mut stream = vec![0.0; problem.stream_caps.len()];
    let mut need = vec![0.0; problem.need_caps.len()];
    let mut share = vec![0.0; problem.share_caps.len()];
    for (i, (c, &v)) in problem.columns.iter().zip(x).enumerate() {
        if !v.is_finite() || v < 0.0 {
            out.push(format!("column {i}: flow {v}"));
            continue;
        }
        if v > c.max_source_units_per_yr + tol(c.max_source_units_per_yr) {
            out.push(format!(
                "column {i}: {v} above its bound {}",
                c.max_source_units_per_yr
            ));
        }
        if v > FLOW_EPS {
            let low = c.min_source_units_per_yr;
            if v < low - tol(low) {
                out.push(format!("column {i}: {v} below its lot {low}"));
            }
        }
        stream[c.stream_row] += v;
        need[c.need_row] += v * c.need_units_per_source_unit;
        if let Some(r) = c.share_row {
            share[r] += v * c.need_units_per_source_unit;
        }
    }
    for (name, used, caps) in [
        ("stream", &stream, &problem.stream_caps),
        ("need", &need, &problem.need_caps),
        ("share", &share, &problem.share_caps),
    ] {
        for (r, (&u, &cap)) in used.iter().zip(caps.iter()).enumerate() {
            if u > cap + tol(cap) {
                out.push(format!("{name} row {r}: {u} above {cap}"));
            }
        }
    }
    let mut hub_t = vec![0.0; problem.hubs.len()];
    let mut pool_k = vec![0.0; problem.pools.len()];
    for (c, &v) in problem.columns.iter().zip(x) {
        if let Some(h) = c.hub_row {
            hub_t[h] += v * c.tonnes_per_source_unit;
        }
        if let Some(p) = c.pool_row {
            pool_k[p] += v * c.need_units_per_source_unit;
        }
    }
    for (h, (row, &t)) in problem.hubs.iter().zip(&hub_t).enumerate() {
        if t > row.capacity_t_per_yr + tol(row.capacity_t_per_yr) {
            out.push(format!(
                "hub {h}: {t} t above its capacity {}",
                row.capacity_t_per_yr
            ));
        }
    }
    for (p, (row, &k)) in problem.pools.iter().zip(&pool_k).enumerate() {
        if k > FLOW_EPS && k < row.lot_need_units - tol(row.lot_need_units) {
            out.push(format!(
                "pool {p}: {k} below its lot {}",
                row.lot_need_units
            ));
        }
    }
    for (k, (cols, at_least)) in problem.locks.iter().enumerate() {
        let carried: f64 = cols.iter().map(|&i| x[i]).sum();
        if carried < at_least - tol(*at_least) {
            out.push(format!("lock {k}: {carried} below {at_least}"));
        }
    }
    for (f, cols) in &problem.requires {
        if !cols.iter().any(|&i| x[i] > FLOW_EPS) {
            out.push(format!("facility {f}: required but in no exchange"));
        }
    }
    out
}

/// One exchange of a plan, with the ids and figures a planner reads.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedExchange {
    /// Index into the candidates.
    pub candidate: usize,
    pub from_facility: usize,
    pub stream: usize,
    pub to_facility: usize,
    pub need: usize,
    pub source_units_per_yr: f64,
    pub need_units_per_yr: f64,
    /// Tonnes a year (0 for a stream measured in energy).
    pub tonnes_per_yr: f64,
    /// Through this hub (index into the outcome's hubs), with the sender's leg to it in km.
    pub hub: Option<usize>,
    pub first_leg_km: f64,
    /// Net value a year, fixed cost and carbon price included.
    pub value_per_yr: f64,
    pub fixed_cost_per_yr: f64,
    /// What the two companies share (the value without the carbon price).
    pub private_value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
    /// The payment per source unit from receiver to sender that halves the companies' surplus
    /// (negative: the sender pays the receiver to take it), and the range within which both
    /// gain.
    pub transfer_price_per_source_unit: f64,
    pub price_low_per_source_unit: f64,
    pub price_high_per_source_unit: f64,
    pub sender_gain_per_yr: f64,
    pub receiver_gain_per_yr: f64,
    /// Through a hub: what its operator gains beyond its costs (its fee is its share of the
    /// hub's fixed cost, its handling, and this).
    pub operator_gain_per_yr: f64,
}

/// What one company gets from a plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompanyGain {
    pub facility: usize,
    pub as_sender: usize,
    pub as_receiver: usize,
    /// Exchanges it carries as the operator of a hub it hosts.
    pub as_operator: usize,
    /// Its gain a year at the plan's transfer prices.
    pub gain_per_yr: f64,
    /// What it would lose on exchanges the companies do not gain from together (kept by a
    /// lock, or paid for only by the carbon price): the compensation it would need.
    pub compensation_needed_per_yr: f64,
}

/// One open hub of a plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HubUse {
    /// Index into the outcome's hubs.
    pub hub: usize,
    /// Facilities sending to it and receiving from it.
    pub senders: Vec<usize>,
    pub receivers: Vec<usize>,
    pub tonnes_per_yr: f64,
    pub fixed_cost_per_yr: f64,
    pub variable_cost_per_yr: f64,
    /// What the region's plan is worth with this hub, more than the best plan without it
    /// (filled in by [`plan_region`]).
    pub earns_per_yr: f64,
    /// What its operator gains beyond its costs: a third of each pooled exchange's surplus.
    pub operator_gain_per_yr: f64,
    /// The facility that hosts and runs it, if any.
    pub host: Option<usize>,
}

/// How an exchange's surplus is shared (`docs/PLAN.md`, each company's gain).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Split {
    /// What the sender is paid a year (negative: it pays to be rid of the stream).
    pub payment_per_yr: f64,
    pub sender_per_yr: f64,
    pub receiver_per_yr: f64,
    /// The hub operator's gain beyond its costs (0 without a hub).
    pub operator_per_yr: f64,
}

/// Equal shares of the companies' surplus `private_per_yr`: the sender's and the receiver's,
/// and through a hub its operator's too (its fee covers its costs and its share).
/// `sender_alone_per_yr` is what the sender gains before any payment.
pub fn split_surplus(private_per_yr: f64, sender_alone_per_yr: f64, through_hub: bool) -> Split {
    let parties = if through_hub { 3.0 } else { 2.0 };
    let share = private_per_yr / parties;
    let operator_per_yr = if through_hub { share } else { 0.0 };
    Split {
        payment_per_yr: share - sender_alone_per_yr,
        sender_per_yr: share,
        receiver_per_yr: private_per_yr - share - operator_per_yr,
        operator_per_yr,
    }
}

/// A company's part in one exchange of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Sender,
    Receiver,
    Operator,
}

/// A plan read back into the region: its exchanges, totals and each company's gain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub exchanges: Vec<PlannedExchange>,
    pub companies: Vec<CompanyGain>,
    pub hubs: Vec<HubUse>,
    pub value_per_yr: f64,
    pub private_value_per_yr: f64,
    pub co2_avoided_t_per_yr: f64,
    pub landfill_diverted_t_per_yr: f64,
    /// Source units a year exchanged, converted to tonnes where the unit allows.
    pub exchanged_t_per_yr: f64,
}

impl Report {
    /// Exchanges best first (value a year), companies by gain.
    pub fn new(
        engine: &Engine,
        candidates: &[PlanCandidate],
        problem: &Problem,
        x: &[f64],
    ) -> Report {
        let mut report = Report::default();
        let mut companies: HashMap<usize, CompanyGain> = HashMap::new();
        // A hub's and a pool's fixed costs are shared by what flows through them: by tonnes,
        // and by need units.
        let mut hub_t = vec![0.0; problem.hubs.len()];
        let mut pool_k = vec![0.0; problem.pools.len()];
        for (col, &v) in problem.columns.iter().zip(x) {
            if v > FLOW_EPS {
                if let Some(h) = col.hub_row {
                    hub_t[h] += v * col.tonnes_per_source_unit;
                }
                if let Some(p) = col.pool_row {
                    pool_k[p] += v * col.need_units_per_source_unit;
                }
            }
        }
        let mut uses: Vec<Option<HubUse>> = vec![None; problem.hubs.len()];
        for (col, &v) in problem.columns.iter().zip(x) {
            if v <= FLOW_EPS {
                continue;
            }
            let c = &candidates[col.candidate];
            let s = &engine.supplies[c.hit.supply as usize];
            let d = &engine.demands[c.hit.demand as usize];
            let mut fixed = col.fixed_cost_per_yr;
            if let Some(h) = col.hub_row {
                let row = &problem.hubs[h];
                let t = v * col.tonnes_per_source_unit;
                if hub_t[h] > 0.0 {
                    fixed += row.fixed_cost_per_yr * t / hub_t[h];
                }
                let u = uses[h].get_or_insert_with(|| HubUse {
                    hub: row.hub,
                    host: row.host,
                    fixed_cost_per_yr: row.fixed_cost_per_yr,
                    ..HubUse::default()
                });
                u.tonnes_per_yr += t;
                u.variable_cost_per_yr += t * c.hub_variable_cost_per_t;
                for (list, f) in [
                    (&mut u.senders, s.facility as usize),
                    (&mut u.receivers, d.facility as usize),
                ] {
                    if !list.contains(&f) {
                        list.push(f);
                    }
                }
            }
            if let Some(p) = col.pool_row {
                if pool_k[p] > 0.0 {
                    fixed +=
                        problem.pools[p].fixed_cost_per_yr * v * col.need_units_per_source_unit
                            / pool_k[p];
                }
            }
            let value = v * col.value_per_source_unit - fixed;
            let private =
                (c.sender_alone_per_source_unit + c.receiver_alone_per_source_unit) * v - fixed;
            let sender_alone = c.sender_alone_per_source_unit * v;
            let Split {
                payment_per_yr: payment,
                sender_per_yr: sender_gain,
                receiver_per_yr: receiver_gain,
                operator_per_yr: operator_gain,
            } = split_surplus(private, sender_alone, col.hub_row.is_some());
            let e = PlannedExchange {
                candidate: col.candidate,
                from_facility: s.facility as usize,
                stream: s.stream as usize,
                to_facility: d.facility as usize,
                need: d.need as usize,
                source_units_per_yr: v,
                need_units_per_yr: v * c.need_units_per_source_unit,
                tonnes_per_yr: v * s.tonnes_per_source_unit,
                hub: col.hub_row.map(|h| problem.hubs[h].hub),
                first_leg_km: c.first_leg_km,
                value_per_yr: value,
                fixed_cost_per_yr: fixed,
                private_value_per_yr: private,
                co2_avoided_t_per_yr: v * c.co2_t_per_source_unit,
                landfill_diverted_t_per_yr: v * c.landfill_t_per_source_unit,
                transfer_price_per_source_unit: payment / v,
                price_low_per_source_unit: -c.sender_alone_per_source_unit,
                price_high_per_source_unit: c.receiver_alone_per_source_unit - fixed / v,
                sender_gain_per_yr: sender_gain,
                receiver_gain_per_yr: receiver_gain,
                operator_gain_per_yr: operator_gain,
            };
            report.value_per_yr += e.value_per_yr;
            report.private_value_per_yr += e.private_value_per_yr;
            report.co2_avoided_t_per_yr += e.co2_avoided_t_per_yr;
            report.landfill_diverted_t_per_yr += e.landfill_diverted_t_per_yr;
            report.exchanged_t_per_yr += e.tonnes_per_yr;
            let operator = col.hub_row.map(|h| {
                let u = uses[h].as_mut().expect("a hub's use is made above");
                u.operator_gain_per_yr += e.operator_gain_per_yr;
                u.host
            });
            let mut parties = vec![
                (e.from_facility, e.sender_gain_per_yr, Role::Sender),
                (e.to_facility, e.receiver_gain_per_yr, Role::Receiver),
            ];
            if let Some(Some(host)) = operator {
                parties.push((host, e.operator_gain_per_yr, Role::Operator));
            }
            for (f, gain, role) in parties {
                let g = companies.entry(f).or_insert_with(|| CompanyGain {
                    facility: f,
                    ..CompanyGain::default()
                });
                match role {
                    Role::Sender => g.as_sender += 1,
                    Role::Receiver => g.as_receiver += 1,
                    Role::Operator => g.as_operator += 1,
                }
                if gain >= 0.0 {
                    g.gain_per_yr += gain;
                } else {
                    g.compensation_needed_per_yr -= gain;
                }
            }
            report.exchanges.push(e);
        }
        report
            .exchanges
            .sort_by(|a, b| b.value_per_yr.total_cmp(&a.value_per_yr));
        report.companies = companies.into_values().collect();
        report.hubs = uses.into_iter().flatten().collect();
        report.companies.sort_by(|a, b| {
            b.gain_per_yr
                .total_cmp(&a.gain_per_yr)
                .then(a.facility.cmp(&b.facility))
        });
        report
    }
}

/// Everything `symbiomap plan` and the app's Plan panel show: the problem, the solver's plan
/// and the greedy one, each read back.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub candidates: Vec<PlanCandidate>,
    pub problem: Problem,
    pub solution: Solution,
    pub report: Report,
    pub greedy: Solution,
    pub greedy_report: Report,
    /// Tonnes a year the region's streams send to landfill today.
    pub landfill_today_t_per_yr: f64,
    pub search_seconds: f64,
    /// The candidate hubs (direct candidates first in `candidates`, then through hubs).
    pub hubs: Vec<crate::hubs::Hub>,
    pub gathering: Gathering,
}

/// How many of the region's candidates the plan holds in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanLimits {
    /// Hold every candidate while there are at most this many (the program over all of
    /// them); beyond, generate the columns that matter (`docs/PLAN.md`).
    pub hold: usize,
    /// Candidates kept per stream and per need to start the generation from.
    pub keep: usize,
    /// Candidates with a positive reduced cost added per stream and per need each round.
    pub add: usize,
    /// Rounds of generation at most (then the plan is solved over the columns held, bounded by
    /// the best priced bound).
    pub max_rounds: usize,
    /// Columns of best reduced cost per stream and per need that the mixed-integer solve
    /// after generation keeps besides those the relaxation and the greedy plan use
    /// ([`Problem::restricted`]).
    pub mip_per_row: usize,
}

impl Default for PlanLimits {
    /// About 2 GB of candidates held (a region of some 20 000 facilities).
    fn default() -> Self {
        PlanLimits {
            hold: (2 << 30) / std::mem::size_of::<PlanCandidate>(),
            keep: 4,
            // 16 rather than 4 (`docs/PLAN.md`): at 100 000 facilities the bound came within
            // 0.16 % of the held relaxation in 4 rounds, against 0.72 % after 6 rounds.
            add: 16,
            max_rounds: usize::MAX,
            // On `generate --facilities 20000 --seed 42` with `--hold 1500000 --gap 0.01`
            // (426 568 columns held, docs/PLAN.md): every column 23.6 s; 2 per row 149 895
            // columns, 10.7 s, the plan 0.0004 % less; 1 per row 0.00002 % less again, none
            // 0.05 % less.
            mip_per_row: 2,
        }
    }
}

/// How the plan's candidates were gathered.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gathering {
    /// Candidates the search found in the region (direct; hub paths are in `Outcome::hubs`).
    pub found: usize,
    /// Passes over the region's candidates.
    pub passes: usize,
    /// Columns generated: the program holds only the candidates that matter, and the bound
    /// is the linear relaxation over every candidate.
    pub generated: bool,
    /// A bound on every plan of the region (generated plans only): the linear relaxation
    /// over every candidate when the generation converged, else the best bound of a round's
    /// prices (`docs/PLAN.md`); `None` when neither is known.
    pub relaxation_bound_per_yr: Option<f64>,
    /// The generation ended with no column left to price in.
    pub converged: bool,
    /// Columns the mixed-integer solve kept when it worked with fewer than were held
    /// ([`Problem::restricted`]).
    pub mip_columns: Option<usize>,
}

/// Relative tolerance on a reduced cost: below it a column is not worth adding.
const REDUCED_COST_TOL: f64 = 1e-7;

/// Searches `region`, builds the program and solves it. `progress` gets a line per phase.
pub fn plan_region(
    engine: &Engine,
    region: &Region,
    hubs: &[crate::hubs::Hub],
    options: &PlanOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, PlanError> {
    plan_region_with(
        engine,
        region,
        hubs,
        options,
        PlanLimits::default(),
        progress,
    )
}

/// A stream's and a need's (facility, position) pairs.
type Positions = ((u32, u32), (u32, u32));

fn positions(engine: &Engine, c: &PlanCandidate) -> Positions {
    let s = &engine.supplies[c.hit.supply as usize];
    let d = &engine.demands[c.hit.demand as usize];
    ((s.facility, s.stream), (d.facility, d.need))
}

/// The candidates a plan must hold whatever it keeps: those of a locked exchange and of a
/// required facility (their rows count on every one of them).
struct Forced {
    locks: Vec<Positions>,
    facilities: Vec<u32>,
}

impl Forced {
    fn new(region: &Region, options: &PlanOptions) -> Forced {
        let mut pos: HashMap<&str, (u32, u32)> = HashMap::new();
        for (fi, f) in region.facilities.iter().enumerate() {
            for (i, o) in f.outputs.iter().enumerate() {
                pos.insert(o.id.as_str(), (fi as u32, i as u32));
            }
            for (i, n) in f.needs.iter().enumerate() {
                pos.insert(n.id.as_str(), (fi as u32, i as u32));
            }
        }
        Forced {
            locks: options
                .locks
                .iter()
                .filter_map(|l| {
                    Some((
                        *pos.get(l.stream_id.as_str())?,
                        *pos.get(l.need_id.as_str())?,
                    ))
                })
                .collect(),
            facilities: options
                .require
                .iter()
                .filter_map(|id| region.facilities.iter().position(|f| &f.id == id))
                .map(|i| i as u32)
                .collect(),
        }
    }

    fn locked(&self, engine: &Engine, c: &PlanCandidate) -> bool {
        c.hub.is_none() && self.locks.contains(&positions(engine, c))
    }

    /// A required facility counts on it.
    fn counted_on(&self, c: &PlanCandidate) -> bool {
        self.facilities.contains(&c.from_facility) || self.facilities.contains(&c.to_facility)
    }

    fn holds(&self, engine: &Engine, c: &PlanCandidate) -> bool {
        let s = &engine.supplies[c.hit.supply as usize];
        let d = &engine.demands[c.hit.demand as usize];
        self.locks
            .contains(&((s.facility, s.stream), (d.facility, d.need)))
            || self.facilities.contains(&c.from_facility)
            || self.facilities.contains(&c.to_facility)
    }
}

/// [`plan_region`] within `limits`. While the region's candidates fit, the program holds every
/// one. Beyond, the greedy pass runs in bands of value (exact, `crate::streamed`), and the
/// program holds the candidates of locks and required facilities, a few per stream and per
/// need, and those greedy took, and generates the rest of the columns that matter, a pass over
/// the region per round: those with a positive reduced cost at the relaxation's prices. When a
/// pass finds none, the relaxation is the relaxation over every candidate (its value bounds any
/// plan of the region), and the mixed-integer program is solved over the columns held,
/// starting from the greedy plan.
pub fn plan_region_with(
    engine: &Engine,
    region: &Region,
    hubs: &[crate::hubs::Hub],
    options: &PlanOptions,
    limits: PlanLimits,
    progress: &mut dyn FnMut(&str),
) -> Result<Outcome, PlanError> {
    use crate::streamed::{
        greedy_in_bands, key, sort_dedup, value_bin, BestPerRow, GreedyColumn, GreedyState, Held,
        Key, Prices, MEMBERS_PER_CHUNK, VALUE_BINS,
    };
    use std::collections::HashSet;
    let started = std::time::Instant::now();
    // The time limit is for the plan, from the search on, not for each solve: the column
    // generation stops once it has used half of the time left when it began, and the
    // mixed-integer solve has what is left then (at least `MIN_SOLVE_S`). (What each open
    // hub earns is solved afterwards, each within the limit again.)
    let deadline = options
        .time_limit_s
        .and_then(|t| std::time::Duration::try_from_secs_f64(t).ok())
        .and_then(|t| started.checked_add(t));
    let until = |end: Option<std::time::Instant>| PlanOptions {
        time_limit_s: end.map(|e| {
            e.saturating_duration_since(std::time::Instant::now())
                .as_secs_f64()
                .max(MIN_SOLVE_S)
        }),
        ..options.clone()
    };
    let search = crate::matching::SearchOptions::default();
    let forced = Forced::new(region, options);
    let excluded = excluded_pairs(region, options)?;
    // A candidate's column as `Problem::build` makes it (`None`: it gets none).
    let column = |c: &PlanCandidate| {
        let pair = (
            c.from_facility.min(c.to_facility),
            c.from_facility.max(c.to_facility),
        );
        if excluded.contains(&pair) {
            return None;
        }
        let locked = forced.locked(engine, c);
        let fixed = column_fixed_cost(c, options, locked)?;
        let min = if forced.counted_on(c) {
            c.min_source_units_per_yr
                .max(c.max_source_units_per_yr.min(1.0))
        } else {
            c.min_source_units_per_yr
        };
        Some(GreedyColumn {
            fixed_cost_per_yr: fixed,
            min_source_units_per_yr: min,
            locked,
        })
    };
    let mut held: Option<Held> = Some(Held::default());
    let mut gathering = Gathering {
        passes: 1,
        ..Gathering::default()
    };
    let mut best = BestPerRow::new(engine, limits.keep);
    let mut kept: Vec<PlanCandidate> = Vec::new();
    let mut histogram = vec![0u64; VALUE_BINS];
    engine.search_chunked(region, &search, MEMBERS_PER_CHUNK, |hits| {
        let chunk = engine.quantify_all(region, hits);
        gathering.found += chunk.len();
        for c in &chunk {
            if forced.holds(engine, c) {
                kept.push(*c);
            }
            if let Some(col) = column(c) {
                histogram[value_bin(c.value_per_source_unit)] += 1;
                best.offer(
                    c,
                    c.value_per_source_unit - col.fixed_cost_per_yr / c.max_source_units_per_yr,
                );
            }
        }
        match &mut held {
            Some(all) if all.len() + chunk.len() <= limits.hold => all.push(chunk),
            _ => held = None,
        }
    });
    let hub_candidates = if hubs.is_empty() {
        Vec::new()
    } else {
        engine.hub_candidates(region, hubs)
    };
    let search_seconds = started.elapsed().as_secs_f64();
    // Generated columns: whether the relaxation over every candidate was reached, and the best
    // bound the rounds' prices gave.
    let mut generation_converged = false;
    let mut generation_bound: Option<f64> = None;
    let (candidates, problem, greedy, relaxed) = if let Some(all) = held {
        let mut all = all.into_vec();
        sort_dedup(&mut all);
        drop(kept);
        drop(best);
        all.extend(hub_candidates);
        let problem = Problem::build_with_hubs(engine, region, &all, hubs, options)?;
        progress(&format!(
            "{} candidates in {:.2} s; program: {} columns ({} all or nothing), {} streams, {} needs, {} share limits",
            gathering.found,
            search_seconds,
            problem.columns.len(),
            problem.columns.iter().filter(|c| c.binary).count(),
            problem.stream_caps.len(),
            problem.need_caps.len(),
            problem.share_caps.len(),
        ));
        let greedy = greedy(&problem);
        (all, problem, greedy, None)
    } else {
        gathering.generated = true;
        sort_dedup(&mut kept);
        progress(&format!(
            "{} candidates in {:.2} s, more than are held: the greedy pass in bands, columns generated",
            gathering.found, search_seconds,
        ));
        // The greedy pass: the locked exchanges first, in the order of the locks, then every
        // candidate in bands of value.
        let mut state = GreedyState::new(engine, region);
        let mut taken: Vec<(PlanCandidate, f64)> = Vec::new();
        for lock in &forced.locks {
            for c in kept
                .iter()
                .filter(|c| c.hub.is_none() && positions(engine, c) == *lock)
            {
                if taken.iter().any(|(t, _)| key(t) == key(c)) {
                    continue;
                }
                if let Some(col) = column(c) {
                    let x = state.take(engine, c, &col);
                    if x > 0.0 {
                        taken.push((*c, x));
                    }
                }
            }
        }
        let first: HashSet<Key> = taken.iter().map(|(c, _)| key(c)).collect();
        let bands = greedy_in_bands(
            engine,
            region,
            &search,
            limits.hold,
            histogram,
            &mut state,
            &column,
            &|c| first.contains(&key(c)),
            progress,
        );
        gathering.passes += bands.passes;
        let bands_passes = bands.passes;
        taken.extend(bands.taken);
        kept.extend(taken.iter().map(|(c, _)| *c));
        kept.extend(best.into_sorted());
        sort_dedup(&mut kept);
        let generation = std::time::Instant::now();
        let generation_until =
            deadline.map(|d| generation + d.saturating_duration_since(generation) / 2);
        if deadline.is_some_and(|d| generation >= d) {
            progress(
                "the time limit has passed before any column could be generated: the plan will be \
                 little better than the greedy pass (a longer time limit gives it time)",
            );
        }
        // A bound from each round's prices (the Lagrangian of the stream, need and share rows),
        // where those are the only rows: locks, required facilities and hubs have their own.
        let priced_bound =
            options.locks.is_empty() && options.require.is_empty() && hub_candidates.is_empty();
        loop {
            let mut candidates = kept.clone();
            candidates.extend_from_slice(&hub_candidates);
            let problem = Problem::build_with_hubs(engine, region, &candidates, hubs, options)?;
            let relax = PlanOptions {
                relax: true,
                ..until(generation_until)
            };
            let relaxed = solve(&problem, &relax)?;
            let greedy_x = |problem: &Problem| {
                let by_key: HashMap<Key, f64> = taken.iter().map(|(c, x)| (key(c), *x)).collect();
                problem
                    .columns
                    .iter()
                    .map(|col| {
                        let c = &candidates[col.candidate];
                        if c.hub.is_some() {
                            0.0
                        } else {
                            by_key.get(&key(c)).copied().unwrap_or(0.0)
                        }
                    })
                    .collect::<Vec<f64>>()
            };
            let Some(row_prices) = relaxed.row_prices.as_ref() else {
                // Infeasible over the columns held, infeasible over all: every column of a
                // lock or of a required facility is held, and any other only takes room. No
                // column at all: every candidate with a column is among the best held.
                generation_converged = relaxed.status == Status::Empty;
                let x = greedy_x(&problem);
                let greedy = greedy_solution(&problem, x);
                break (candidates, problem, greedy, Some(relaxed));
            };
            let prices = Prices::new(&problem, &candidates, row_prices);
            let in_kept: HashSet<Key> = kept.iter().map(key).collect();
            let round = std::time::Instant::now();
            let mut entering = BestPerRow::new(engine, limits.add);
            let mut priced = 0usize;
            // What every column could still add at these prices: U x max(0, rc); and the
            // tighter bound that keeps each stream's row (`StreamKnapsacks`).
            let mut excess = 0.0;
            let mut knapsacks = StreamKnapsacks::default();
            if priced_bound {
                offer_columns(&mut knapsacks, &problem, &candidates, row_prices);
            }
            engine.search_chunked(region, &search, MEMBERS_PER_CHUNK, |hits| {
                for c in &engine.quantify_all(region, hits) {
                    if in_kept.contains(&key(c)) {
                        continue;
                    }
                    let Some(col) = column(c) else {
                        continue;
                    };
                    let rc = prices.reduced_cost(c, col.fixed_cost_per_yr);
                    excess += c.max_source_units_per_yr * rc.max(0.0);
                    if priced_bound {
                        knapsacks.offer(
                            c.hit.supply,
                            rc + prices.stream_price(c),
                            c.max_source_units_per_yr,
                        );
                    }
                    if rc > REDUCED_COST_TOL * c.value_per_source_unit.abs().max(1.0) {
                        entering.offer(c, rc);
                        priced += 1;
                    }
                }
            });
            gathering.passes += 1;
            let bound = priced_bound.then(|| {
                let by_stream = need_and_share_rows(&problem, row_prices)
                    + knapsacks.value(|s| {
                        engine
                            .supplies
                            .get(s as usize)
                            .map_or(0.0, |x| x.quantity_per_yr)
                    });
                (lagrangian_bound(&problem, row_prices) + excess).min(by_stream)
            });
            if let Some(b) = bound {
                generation_bound = Some(generation_bound.map_or(b, |g: f64| g.min(b)));
            }
            progress(&format!(
                "round: {} columns, relaxation {:.0}{}; pass {:.1} s: {} with a positive reduced cost",
                problem.columns.len(),
                relaxed.objective,
                generation_bound.map_or(String::new(), |b| format!(", bound {b:.0}")),
                round.elapsed().as_secs_f64(),
                priced,
            ));
            let gap_tol = options.mip_rel_gap.unwrap_or(1e-4);
            let close = generation_bound.is_some_and(|b| {
                (b - relaxed.objective) <= gap_tol * relaxed.objective.abs().max(1.0)
            });
            let out_of_time = generation_until.is_some_and(|u| std::time::Instant::now() > u)
                || gathering.passes - 1 - bands_passes >= limits.max_rounds;
            if priced == 0 || close || out_of_time {
                generation_converged = priced == 0;
                let x = greedy_x(&problem);
                let greedy = greedy_solution(&problem, x);
                break (candidates, problem, greedy, Some(relaxed));
            }
            kept.extend(entering.into_sorted());
            sort_dedup(&mut kept);
        }
    };
    let solution = match relaxed {
        None => solve(&problem, &until(deadline))?,
        Some(relaxed) if relaxed.status == Status::Infeasible => relaxed,
        Some(mut relaxed) if options.relax => {
            if !generation_converged {
                relaxed.bound = generation_bound.unwrap_or(f64::NAN);
                relaxed.gap =
                    (relaxed.bound - relaxed.objective) / relaxed.objective.abs().max(1.0);
                relaxed.status = Status::Feasible;
            }
            gathering.relaxation_bound_per_yr = Some(relaxed.bound);
            gathering.converged = generation_converged;
            relaxed
        }
        Some(relaxed) => {
            // The solver's bound holds for the columns held only; the relaxation over every
            // candidate bounds every plan of the region, and so does any round's priced bound.
            let bound = if generation_converged {
                Some(relaxed.objective)
            } else {
                generation_bound
            };
            gathering.relaxation_bound_per_yr = bound;
            gathering.converged = generation_converged;
            // Price and branch: the mixed-integer solve over the columns the relaxation and
            // the greedy plan use and the best few per row, not every column held.
            let restricted = relaxed
                .row_prices
                .as_ref()
                .and_then(|p| problem.restricted(&relaxed.x, &greedy.x, p, limits.mip_per_row));
            if let Some((_, kept)) = &restricted {
                gathering.mip_columns = Some(*kept);
                progress(&format!(
                    "the mixed-integer program over {kept} of the {} columns held",
                    problem.columns.len()
                ));
            }
            let open = restricted.as_ref().map(|(keep, _)| keep.as_slice());
            let mut s = solve_from(&problem, &until(deadline), Some(&greedy.x), open)?;
            drop(restricted);
            s.bound = bound.map_or(f64::NAN, |b| b.max(s.objective));
            s.gap = (s.bound - s.objective) / s.objective.abs().max(1.0);
            if s.status == Status::Optimal
                && (s.gap.is_nan() || s.gap > options.mip_rel_gap.unwrap_or(1e-4))
            {
                s.status = Status::Feasible;
            }
            s
        }
    };
    progress(&format!(
        "solved in {:.2} s: {}, value {:.0}, bound {:.0}",
        solution.solve_seconds, solution.status, solution.objective, solution.bound
    ));
    let mut report = Report::new(engine, &candidates, &problem, &solution.x);
    // What each open hub earns: the plan against the best plan without it.
    for u in &mut report.hubs {
        let without: Vec<bool> = problem
            .columns
            .iter()
            .map(|c| c.hub_row.is_none_or(|h| problem.hubs[h].hub != u.hub))
            .collect();
        let alt = solve_from(&problem, options, None, Some(&without))?;
        u.earns_per_yr = solution.objective - alt.objective;
    }
    let greedy_report = Report::new(engine, &candidates, &problem, &greedy.x);
    let landfill_today_t_per_yr = engine
        .supplies
        .iter()
        .map(|s| s.quantity_per_yr * s.landfill_t_per_source_unit)
        .sum();
    Ok(Outcome {
        candidates,
        problem,
        solution,
        report,
        greedy,
        greedy_report,
        landfill_today_t_per_yr,
        search_seconds,
        hubs: hubs.to_vec(),
        gathering,
    })
}

/// Which money of a plan is withheld because a confidential facility takes part
/// ([`crate::disclosure`]): an exchange's (either party, or the host of its hub, confidential),
/// a company's gain (it is confidential, or one of its exchanges is withheld: with the equal
/// split its gain would give the other party's margin away), a hub's earnings (one of its
/// exchanges is withheld), and the money totals of the plan and of the greedy pass when the
/// open exchanges would let a reader subtract their way to a confidential company's money
/// ([`crate::disclosure::total_withheld`]: the objective, its bound and the totals go
/// together). Nothing is withheld when `include_confidential`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withheld {
    /// Per exchange of the report.
    pub exchanges: Vec<bool>,
    /// Per company of the report.
    pub companies: Vec<bool>,
    /// Per hub of the report.
    pub hubs: Vec<bool>,
    /// The plan's money totals: its value, private value, objective and bounds.
    pub totals: bool,
    /// The greedy pass's money totals.
    pub greedy_totals: bool,
}

/// Whether the money totals of `report` are withheld ([`crate::disclosure::total_withheld`]
/// over its exchanges, each with its sender, receiver and the host of its hub).
pub fn totals_withheld(region: &Region, report: &Report, include_confidential: bool) -> bool {
    let parts: Vec<(f64, Vec<usize>)> = report
        .exchanges
        .iter()
        .map(|e| {
            let host = e
                .hub
                .and_then(|h| report.hubs.iter().find(|u| u.hub == h))
                .and_then(|u| u.host);
            let mut parties = vec![e.from_facility, e.to_facility];
            parties.extend(host);
            (e.value_per_yr, parties)
        })
        .collect();
    crate::disclosure::total_withheld(
        region,
        parts.iter().map(|(v, p)| (*v, p.as_slice())),
        include_confidential,
    )
}

impl Withheld {
    pub fn new(region: &Region, outcome: &Outcome, include_confidential: bool) -> Withheld {
        let r = &outcome.report;
        let conf = |f: usize| !include_confidential && crate::disclosure::confidential(region, f);
        let host = |e: &PlannedExchange| {
            e.hub
                .and_then(|h| r.hubs.iter().find(|u| u.hub == h))
                .and_then(|u| u.host)
        };
        let exchanges: Vec<bool> = r
            .exchanges
            .iter()
            .map(|e| conf(e.from_facility) || conf(e.to_facility) || host(e).is_some_and(conf))
            .collect();
        // The companies and hubs a withheld exchange touches, in one pass (the Plan tab asks
        // every frame).
        let mut touched: std::collections::HashSet<usize> = std::collections::HashSet::new();
        let mut hubs_touched: std::collections::HashSet<usize> = std::collections::HashSet::new();
        for (e, _) in r.exchanges.iter().zip(&exchanges).filter(|(_, &w)| w) {
            touched.extend([e.from_facility, e.to_facility]);
            touched.extend(host(e));
            hubs_touched.extend(e.hub);
        }
        let companies = r
            .companies
            .iter()
            .map(|c| conf(c.facility) || touched.contains(&c.facility))
            .collect();
        let hubs = r
            .hubs
            .iter()
            .map(|u| u.host.is_some_and(conf) || hubs_touched.contains(&u.hub))
            .collect();
        Withheld {
            exchanges,
            companies,
            hubs,
            totals: totals_withheld(region, r, include_confidential),
            greedy_totals: totals_withheld(region, &outcome.greedy_report, include_confidential),
        }
    }
}

/// The plan as JSON; the money [`Withheld`] for confidential facilities is null (and each
/// exchange says `figures_withheld`) unless `include_confidential`.
pub fn to_json(
    engine: &Engine,
    region: &Region,
    outcome: &Outcome,
    include_confidential: bool,
) -> serde_json::Value {
    use serde_json::json;
    let r = &outcome.report;
    let sol = &outcome.solution;
    let fid = |i: usize| region.facilities[i].id.as_str();
    let withheld = Withheld::new(region, outcome, include_confidential);
    let money = |w: bool, v: serde_json::Value| if w { serde_json::Value::Null } else { v };
    let totals = |rep: &Report, w: bool| {
        json!({
            "exchanges": rep.exchanges.len(),
            "value_per_yr": money(w, json!(rep.value_per_yr)),
            "private_value_per_yr": money(w, json!(rep.private_value_per_yr)),
            "co2_avoided_t_per_yr": rep.co2_avoided_t_per_yr,
            "landfill_diverted_t_per_yr": rep.landfill_diverted_t_per_yr,
            "exchanged_t_per_yr": rep.exchanged_t_per_yr,
        })
    };
    let objective = money(withheld.totals, json!(sol.objective));
    let bound = money(withheld.totals, json!(sol.bound));
    let relaxation_bound = money(
        withheld.totals,
        json!(outcome.gathering.relaxation_bound_per_yr),
    );
    let plan_totals = totals(r, withheld.totals);
    let greedy_totals = totals(&outcome.greedy_report, withheld.greedy_totals);
    let mut v = json!({
        "region": region.name,
        "currency": region.currency,
        "solver": "HiGHS",
        "status": sol.status.label(),
        "value_per_yr": objective,
        "bound_per_yr": bound,
        "gap": sol.gap,
        "solve_seconds": sol.solve_seconds,
        "carbon_price_per_t_co2": engine.settings.carbon_price_per_t_co2,
        "program": {
            "columns": outcome.problem.columns.len(),
            "all_or_nothing": outcome.problem.columns.iter().filter(|c| c.binary).count(),
            "candidates": outcome.gathering.found,
            "candidates_held": outcome.candidates.len(),
            "columns_generated": outcome.gathering.generated,
            "passes": outcome.gathering.passes,
            "relaxation_bound_per_yr": relaxation_bound,
            "generation_converged": outcome.gathering.converged,
            "mixed_integer_columns": outcome.gathering.mip_columns.unwrap_or(outcome.problem.columns.len()),
        },
        "totals": plan_totals,
        "greedy": greedy_totals,
        "today": {"landfill_t_per_yr": outcome.landfill_today_t_per_yr},
        "exchanges": r.exchanges.iter().zip(&withheld.exchanges).map(|(e, &w)| {
            let c = &outcome.candidates[e.candidate];
            let from = &region.facilities[e.from_facility];
            let to = &region.facilities[e.to_facility];
            let stream = &from.outputs[e.stream];
            let need = &to.needs[e.need];
            json!({
                "from_facility": from.id, "to_facility": to.id,
                "stream_id": stream.id, "need_id": need.id,
                "material": stream.material, "to_material": need.material,
                "rule": c.rule.map(|r| engine.catalogue.rules[r as usize].id.clone()),
                "mode": c.hit.mode.label(),
                "distance_km": c.hit.distance_km,
                "source_units_per_yr": e.source_units_per_yr,
                "unit": stream.unit.symbol(),
                "need_units_per_yr": e.need_units_per_yr,
                "need_unit": need.unit.symbol(),
                "value_per_yr": money(w, json!(e.value_per_yr)),
                "fixed_cost_per_yr": e.fixed_cost_per_yr,
                "co2_avoided_t_per_yr": e.co2_avoided_t_per_yr,
                "landfill_diverted_t_per_yr": e.landfill_diverted_t_per_yr,
                "hub": e.hub.map(|h| outcome.hubs[h].id.clone()),
                "first_leg_km": e.hub.map(|_| e.first_leg_km),
                "transfer_price_per_source_unit": money(w, json!(e.transfer_price_per_source_unit)),
                "price_range_per_source_unit": money(w, json!([e.price_low_per_source_unit, e.price_high_per_source_unit])),
                "gains": {
                    "sender_per_yr": money(w, json!(e.sender_gain_per_yr)),
                    "receiver_per_yr": money(w, json!(e.receiver_gain_per_yr)),
                    "hub_operator_per_yr": money(w, json!(e.hub.map(|_| e.operator_gain_per_yr))),
                },
                "figures_withheld": w,
            })
        }).collect::<Vec<_>>(),
        "hubs": r.hubs.iter().zip(&withheld.hubs).map(|(u, &w)| {
            let h = &outcome.hubs[u.hub];
            json!({
                "id": h.id, "name": h.name, "hub_type": h.kind.key,
                "senders": u.senders.iter().map(|&f| fid(f)).collect::<Vec<_>>(),
                "receivers": u.receivers.iter().map(|&f| fid(f)).collect::<Vec<_>>(),
                "tonnes_per_yr": u.tonnes_per_yr,
                "capacity_t_per_yr": h.kind.capacity_t_per_yr,
                "fixed_cost_per_yr": u.fixed_cost_per_yr,
                "variable_cost_per_yr": u.variable_cost_per_yr,
                "earns_per_yr": money(w, json!(u.earns_per_yr)),
                "operator": u.host.map(fid),
                "operator_gain_per_yr": money(w, json!(u.operator_gain_per_yr)),
                "figures_withheld": w,
            })
        }).collect::<Vec<_>>(),
        "companies": r.companies.iter().zip(&withheld.companies).map(|(c, &w)| json!({
            "facility_id": fid(c.facility),
            "name": region.facilities[c.facility].name,
            "as_sender": c.as_sender,
            "as_receiver": c.as_receiver,
            "as_hub_operator": c.as_operator,
            "gain_per_yr": money(w, json!(c.gain_per_yr)),
            "compensation_needed_per_yr": money(w, json!(c.compensation_needed_per_yr)),
            "figures_withheld": w,
        })).collect::<Vec<_>>(),
    });
    v["totals_withheld"] = json!(withheld.totals);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_knapsack_fills_its_supply_best_first_and_bounds_what_it_dropped() {
        // Stream 1 (supply 100): columns of 40 at 5, 40 at 3 and 80 at 2 a unit: 40 x 5 +
        // 40 x 3 + 20 x 2 = 360. Stream 2 (supply 10): one column of 50 at 1: 10.
        let mut k = StreamKnapsacks::default();
        k.offer(1, 3.0, 40.0);
        k.offer(1, 2.0, 80.0);
        k.offer(1, 5.0, 40.0);
        k.offer(1, -4.0, 1_000.0);
        k.offer(2, 1.0, 50.0);
        let cap = |s: u32| if s == 1 { 100.0 } else { 10.0 };
        assert!((k.value(cap) - 370.0).abs() < 1e-9);
        // More columns than are kept: the dropped ones count at the best of them, never less
        // than the exact knapsack.
        let mut exact = Vec::new();
        let mut k = StreamKnapsacks::default();
        for i in 0..(5 * KNAPSACK_KEEP) {
            let rc = ((i * 37) % 101) as f64 / 10.0;
            k.offer(7, rc, 3.0);
            exact.push(rc);
        }
        exact.sort_by(|a, b| b.total_cmp(a));
        let supply = 3.0 * KNAPSACK_KEEP as f64 + 7.5;
        // The exact fractional knapsack: whole columns of 3, best first, then part of one.
        let (mut left, mut true_value) = (supply, 0.0);
        for &rc in exact.iter().filter(|&&r| r > 0.0) {
            let take = left.min(3.0);
            true_value += rc * take;
            left -= take;
            if left <= 0.0 {
                break;
            }
        }
        let bound = k.value(|_| supply);
        assert!(bound >= true_value - 1e-9, "{bound} < {true_value}");
        // At most what the dropped columns were counted at beyond their worth.
        assert!(bound <= true_value + supply * (exact[0] - exact[KNAPSACK_KEEP]) + 1e-9);
    }

    #[test]
    fn values_are_ordered_highest_first_as_total_cmp_orders_them() {
        use rand::{rngs::SmallRng, Rng, SeedableRng};
        let mut rng = SmallRng::seed_from_u64(7);
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1.0,
            1.0,
        ];
        let mut values: Vec<f64> = specials.to_vec();
        for _ in 0..2000 {
            let v = match rng.random_range(0..3) {
                0 => rng.random_range(-1e6..1e6),
                1 => f64::from(rng.random_range(-5i32..5)),
                _ => f64::from_bits(rng.random::<u64>()),
            };
            values.push(v);
        }
        let mut expected: Vec<usize> = (0..values.len()).collect();
        expected.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        let got: Vec<usize> = by_value_desc(values.iter().copied()).collect();
        assert_eq!(got, expected);
    }

    fn column(stream_row: usize, need_row: usize, v: f64, max: f64) -> Column {
        Column {
            candidate: 0,
            stream_row,
            need_row,
            share_row: None,
            value_per_source_unit: v,
            fixed_cost_per_yr: 0.0,
            min_source_units_per_yr: 0.0,
            max_source_units_per_yr: max,
            need_units_per_source_unit: 1.0,
            binary: false,
            from_facility: stream_row as u32,
            to_facility: 100 + need_row as u32,
            hub_row: None,
            pool_row: None,
            tonnes_per_source_unit: 1.0,
        }
    }

    /// The textbook case where greedy loses: the best column takes the stream the second
    /// need has no other source for.
    #[test]
    fn the_optimum_beats_greedy_where_greedy_blocks_a_need() {
        let problem = Problem {
            columns: vec![
                column(0, 0, 10.0, 100.0),
                column(0, 1, 9.0, 100.0),
                column(1, 0, 8.0, 100.0),
            ],
            stream_caps: vec![100.0, 100.0],
            need_caps: vec![100.0, 100.0],
            ..Problem::default()
        };
        let g = greedy(&problem);
        assert!(violations(&problem, &g.x).is_empty());
        assert_eq!(g.objective, 1000.0);
        let s = solve(&problem, &PlanOptions::default()).unwrap();
        assert_eq!(s.status, Status::Optimal);
        assert!(violations(&problem, &s.x).is_empty());
        assert!((s.objective - 1700.0).abs() < 1e-6, "{}", s.objective);
    }

    #[test]
    fn a_fixed_cost_makes_a_small_exchange_not_worth_it() {
        let mut c = column(0, 0, 10.0, 5.0);
        c.fixed_cost_per_yr = 60.0;
        c.binary = true;
        let problem = Problem {
            columns: vec![c, column(1, 0, 1.0, 5.0)],
            stream_caps: vec![5.0, 5.0],
            need_caps: vec![10.0],
            ..Problem::default()
        };
        let s = solve(&problem, &PlanOptions::default()).unwrap();
        assert_eq!(s.x[0], 0.0);
        assert!((s.objective - 5.0).abs() < 1e-6);
        assert!(violations(&problem, &s.x).is_empty());
    }

    #[test]
    fn the_checker_names_what_is_broken() {
        let mut c = column(0, 0, 1.0, 10.0);
        c.binary = true;
        c.min_source_units_per_yr = 4.0;
        let problem = Problem {
            columns: vec![c, column(0, 0, 1.0, 10.0)],
            stream_caps: vec![10.0],
            need_caps: vec![8.0],
            locks: vec![(vec![1], 5.0)],
            ..Problem::default()
        };
        let v = violations(&problem, &[2.0, 9.0]);
        assert!(v.iter().any(|m| m.contains("below its lot")), "{v:?}");
        assert!(v.iter().any(|m| m.starts_with("stream row 0")), "{v:?}");
        assert!(v.iter().any(|m| m.starts_with("need row 0")), "{v:?}");
        assert!(violations(&problem, &[0.0, 4.0])
            .iter()
            .any(|m| m.starts_with("lock 0")));
        assert!(violations(&problem, &[0.0, 5.0]).is_empty());
    }

    #[test]
    fn the_restricted_program_keeps_what_is_used_and_the_best_per_row() {
        // Stream 0 has five columns to needs 0..5 of reduced cost 5, 4, 3, 2, 1 (no prices);
        // the relaxation uses column 4 and the start column 3; column 2 is locked.
        let mut columns: Vec<Column> = (0..5).map(|i| column(0, i, 5.0 - i as f64, 10.0)).collect();
        // A second stream with a column to need 0, and one to need 1 priced out.
        columns.push(column(1, 0, 0.5, 10.0));
        columns.push(column(1, 1, 0.1, 10.0));
        let problem = Problem {
            columns,
            stream_caps: vec![10.0, 10.0],
            need_caps: vec![10.0; 5],
            locks: vec![(vec![2], 1.0)],
            ..Problem::default()
        };
        let relaxed = [0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0];
        let start = [0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0];
        let prices = crate::streamed::RowPrices {
            streams: vec![0.0, 0.0],
            needs: vec![0.0, 0.3, 0.0, 0.0, 0.0],
            shares: Vec::new(),
        };
        let (open, kept) = problem.restricted(&relaxed, &start, &prices, 1).unwrap();
        // 2, 3, 4: locked, started, relaxed. Then best reduced cost first: 0 (5, stream 0's
        // and need 0's first), 1 (4 - 0.3, need 1's first), 5 (0.5, stream 1's first); 6
        // (0.1 - 0.3) comes when stream 1 and need 1 have theirs.
        assert_eq!(open, [true, true, true, true, true, true, false]);
        assert_eq!(kept, 6);
        // Plans of the restricted program are plans of the whole one, column for column: 1 t
        // locked on column 2 (3), 9 t on column 0 (45), 1 t of stream 1 to need 0 (0.5). The
        // whole program would also send 9 t of stream 1 on column 6 (0.9 more).
        let s = solve_from(&problem, &PlanOptions::default(), None, Some(&open)).unwrap();
        assert!(violations(&problem, &s.x).is_empty());
        assert!(s.x.iter().zip(&open).all(|(&x, &o)| o || x == 0.0));
        assert!((s.objective - 48.5).abs() < 1e-6, "{}", s.objective);
        let all = solve(&problem, &PlanOptions::default()).unwrap();
        assert!((all.objective - 49.4).abs() < 1e-6, "{}", all.objective);
        // Every column used or best somewhere: nothing to restrict.
        assert!(problem.restricted(&relaxed, &start, &prices, 5).is_none());
    }
}
