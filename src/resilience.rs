//! Resilience of a region's plan (issue 12): the backup partners of every exchange, what a stop
//! of one or more plants costs and who takes over, and which facilities the plan depends on most.
//! `docs/RESILIENCE.md` has every formula with a worked example (reproduced by
//! `tests/resilience_worked_example.rs`); the indicator is T3 of `docs/research/T1-trust.md`.
//!
//! Everything starts from a solved plan ([`crate::plan::Outcome`]): its candidates are the
//! ones the partner search found (one search core), its program's rows say what each stream and
//! need has left, and a backup is another column of the same program:
//! - **Backup supplier** of an exchange: another facility's stream with a column to the same
//!   need. **Backup outlet**: another facility's need with a column from the same stream.
//!   Ranked by net value (per need unit for suppliers, per source unit for outlets); the
//!   **spare** is what it can take over within what its stream, the need (and the rule's share)
//!   and the pair have left in the plan, its lot and its fixed cost (a column not yet running
//!   must fill its lot and pay its fixed cost).
//! - **Fallback**: what the receiver buys today (its virgin or usual supply, at its price) and
//!   what the sender does today (its outlet: landfill, incineration, a sale...), valued by the
//!   engine's economics. Falling back costs each company its gain from the exchange.
//! - **Replacement (T3)**: when facilities stop, their exchanges are lost; each lost exchange,
//!   the heaviest first, takes from its backups, best first, what they have left (greedy,
//!   T3's ASSUMPTION). `R_e` is the share replaced; `L_S`, `RL_S` the gross and residual loss.
//! - **A stop of N weeks**: the store sized for the exchange ([`crate::buffer`]) carries the
//!   receiver for its days of cover; backups deliver at their spare rate; the rest falls back.
//!   **For good**: the plan is solved again without the stopped facilities.
//!
//! Backups are direct exchanges (not through a hub). When the plan generated its columns (a
//! region too large to hold every candidate), backups come from the candidates it held.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::buffer::{
    size_buffer, supply_of_stream, tonnes_per_unit, BufferError, BufferInput, BufferSizing, Demand,
    Simulation, StorageCatalogue, SupplyPattern,
};
use crate::matching::Engine;
use crate::model::{OutletKind, Region};
use crate::plan::{
    greedy_room, greedy_takes, split_surplus, Column, Outcome, PlanError, PlanOptions,
    PlannedExchange, Problem, Report, Split, FLOW_EPS,
};

/// Days in the year of a stop (the buffer model's year).
pub const DAYS_PER_YR: f64 = crate::buffer::DAYS_PER_YR as f64;

/// Why a question cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum ResilienceError {
    #[error("{0}: no facility with this id in the region")]
    UnknownFacility(String),
    #[error("a stop of {0} weeks: expected more than 0 and at most 52 weeks (leave it out for a stop for good)")]
    BadDuration(f64),
    #[error("no facility to stop")]
    NothingStopped,
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// The plan's program with, per column, its flow, its exchange and its neighbours.
struct Network<'a> {
    outcome: &'a Outcome,
    x: &'a [f64],
    /// What each stream, need and share row has left in the plan.
    stream_left: Vec<f64>,
    need_left: Vec<f64>,
    share_left: Vec<f64>,
    /// Columns by stream row and by need row (direct ones only: the backups).
    by_stream: Vec<Vec<usize>>,
    by_need: Vec<Vec<usize>>,
    /// Columns the plan runs, and the exchange (index into the report) of each.
    running: Vec<usize>,
    exchange_of: HashMap<usize, usize>,
}

impl<'a> Network<'a> {
    fn new(outcome: &'a Outcome) -> Network<'a> {
        let p = &outcome.problem;
        let x = &outcome.solution.x[..];
        let mut stream_left = p.stream_caps.clone();
        let mut need_left = p.need_caps.clone();
        let mut share_left = p.share_caps.clone();
        let mut by_stream = vec![Vec::new(); p.stream_caps.len()];
        let mut by_need = vec![Vec::new(); p.need_caps.len()];
        let mut running = Vec::new();
        for (i, (c, &v)) in p.columns.iter().zip(x).enumerate() {
            if c.hub_row.is_none() {
                by_stream[c.stream_row].push(i);
                by_need[c.need_row].push(i);
            }
            if v > FLOW_EPS {
                running.push(i);
                stream_left[c.stream_row] -= v;
                need_left[c.need_row] -= v * c.need_units_per_source_unit;
                if let Some(r) = c.share_row {
                    share_left[r] -= v * c.need_units_per_source_unit;
                }
            }
        }
        let by_candidate: HashMap<usize, usize> = outcome
            .report
            .exchanges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.candidate, i))
            .collect();
        let exchange_of = running
            .iter()
            .filter_map(|&col| {
                by_candidate
                    .get(&p.columns[col].candidate)
                    .map(|&e| (col, e))
            })
            .collect();
        Network {
            outcome,
            x,
            stream_left,
            need_left,
            share_left,
            by_stream,
            by_need,
            running,
            exchange_of,
        }
    }

    fn problem(&self) -> &Problem {
        &self.outcome.problem
    }

    fn host(&self, c: &Column) -> Option<u32> {
        c.hub_row
            .and_then(|h| self.problem().hubs[h].host)
            .map(|f| f as u32)
    }

    /// Whether a column stops with the facilities `stopped`: its sender, its receiver or the
    /// host of its hub.
    fn touches(&self, c: &Column, stopped: &BTreeSet<u32>) -> bool {
        stopped.contains(&c.from_facility)
            || stopped.contains(&c.to_facility)
            || self.host(c).is_some_and(|h| stopped.contains(&h))
    }

    /// The running columns that stop with `stopped`.
    fn lost(&self, stopped: &BTreeSet<u32>) -> Vec<usize> {
        self.running
            .iter()
            .copied()
            .filter(|&i| self.touches(&self.problem().columns[i], stopped))
            .collect()
    }

    fn tonnes(&self, col: usize) -> f64 {
        let c = &self.problem().columns[col];
        self.x[col] * self.outcome.candidates[c.candidate].tonnes_per_source_unit
    }

    /// The exchange's value a year (its shares of hub and pool costs included), at least 0: a
    /// T3 weight.
    fn value(&self, col: usize) -> f64 {
        self.exchange_of
            .get(&col)
            .map_or(0.0, |&e| self.outcome.report.exchanges[e].value_per_yr)
            .max(0.0)
    }
}

/// Which side of a lost exchange the backups must replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The sender stopped (or the hub between them): another supplier for the receiver's need.
    Supplier,
    /// The receiver stopped: another outlet for the sender's stream.
    Outlet,
    /// Both stopped: nothing to replace.
    None,
}

/// One backup taking over (part of) a lost exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Takeover {
    /// The lost exchange's column and the backup's (indices into the program's columns).
    pub lost_column: usize,
    pub backup_column: usize,
    /// What the backup carries more, source units of its own stream a year.
    pub source_units_per_yr: f64,
    /// What it replaces of the lost exchange: need units a year (a supplier) or source units
    /// of the lost exchange's stream a year (an outlet).
    pub replaced_per_yr: f64,
    /// The backup's net value of that flow a year (its fixed cost when it starts).
    pub value_per_yr: f64,
    /// Each company's part of it at the plan's equal split.
    pub split: Split,
}

/// What the backups do when the facilities `stopped` stop: each lost exchange, the heaviest
/// (by `weight`) first, takes from its backups, best first.
struct Replacement {
    takeovers: Vec<Takeover>,
    /// Per lost column: its side, the share of it replaced (`R_e / q_e`) and what was
    /// replaced (need units a year for a supplier, source units for an outlet).
    replaced: BTreeMap<usize, (Side, f64, f64)>,
}

/// Only columns already running (no new fixed cost: a stop of a few weeks builds no pipeline
/// and signs no yearly contract), or any column (for good).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Starting {
    RunningOrFree,
    Any,
}

/// `lost`: each lost column with the flow to replace (its flow in the plan; for an exchange
/// the plan does not run, what it would carry). `only`: the backups allowed (all if `None`).
fn replace(
    net: &Network,
    stopped: &BTreeSet<u32>,
    lost: &[(usize, f64)],
    weight: &dyn Fn(usize) -> f64,
    starting: Starting,
    only: Option<&BTreeSet<usize>>,
) -> Replacement {
    let p = net.problem();
    let cands = &net.outcome.candidates;
    // The rows as the plan leaves them, with the lost exchanges' flows freed (on touched rows
    // only: a scenario's overlay).
    let mut stream_left: HashMap<usize, f64> = HashMap::new();
    let mut need_left: HashMap<usize, f64> = HashMap::new();
    let mut share_left: HashMap<usize, f64> = HashMap::new();
    let mut extra: HashMap<usize, f64> = HashMap::new();
    let lost_set: BTreeSet<usize> = lost.iter().map(|l| l.0).collect();
    let flow_of: HashMap<usize, f64> = lost.iter().copied().collect();
    for &(i, _) in lost {
        let c = &p.columns[i];
        let v = net.x[i];
        *stream_left
            .entry(c.stream_row)
            .or_insert(net.stream_left[c.stream_row]) += v;
        *need_left
            .entry(c.need_row)
            .or_insert(net.need_left[c.need_row]) += v * c.need_units_per_source_unit;
        if let Some(r) = c.share_row {
            *share_left.entry(r).or_insert(net.share_left[r]) += v * c.need_units_per_source_unit;
        }
    }
    let mut order: Vec<usize> = lost.iter().map(|l| l.0).collect();
    order.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)).then(a.cmp(&b)));
    let mut out = Replacement {
        takeovers: Vec::new(),
        replaced: BTreeMap::new(),
    };
    for e in order {
        let ce = &p.columns[e];
        let side = match (
            stopped.contains(&ce.from_facility),
            stopped.contains(&ce.to_facility),
        ) {
            (true, true) => Side::None,
            (false, true) => Side::Outlet,
            // The sender stopped, or the hub's host: the receiver needs another supply.
            _ => Side::Supplier,
        };
        let k_e = ce.need_units_per_source_unit;
        let mut wanted = match side {
            Side::Supplier => flow_of[&e] * k_e,
            Side::Outlet => flow_of[&e],
            Side::None => 0.0,
        };
        let total = wanted;
        let mut backups: Vec<usize> = match side {
            Side::Supplier => net.by_need[ce.need_row].clone(),
            Side::Outlet => net.by_stream[ce.stream_row].clone(),
            Side::None => Vec::new(),
        };
        backups.retain(|&b| {
            let cb = &p.columns[b];
            // A stopped sender's other streams stop with it; when only the hub between them
            // stopped, the same sender's direct exchange is a backup.
            !lost_set.contains(&b)
                && only.is_none_or(|o| o.contains(&b))
                && !stopped.contains(&cb.from_facility)
                && !stopped.contains(&cb.to_facility)
        });
        // Best first: value per need unit for a supplier, per source unit for an outlet.
        let score = |b: usize| {
            let cb = &p.columns[b];
            match side {
                Side::Supplier if cb.need_units_per_source_unit > 0.0 => {
                    cb.value_per_source_unit / cb.need_units_per_source_unit
                }
                _ => cb.value_per_source_unit,
            }
        };
        backups.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
        let mut replaced = 0.0;
        for b in backups {
            if wanted <= FLOW_EPS {
                break;
            }
            let cb = &p.columns[b];
            let k_b = cb.need_units_per_source_unit;
            let already = net.x[b] + extra.get(&b).copied().unwrap_or(0.0);
            let running = already > FLOW_EPS;
            if !running && starting == Starting::RunningOrFree && cb.fixed_cost_per_yr > 0.0 {
                continue;
            }
            let s_left = *stream_left
                .entry(cb.stream_row)
                .or_insert(net.stream_left[cb.stream_row]);
            let n_left = *need_left
                .entry(cb.need_row)
                .or_insert(net.need_left[cb.need_row]);
            let sh_left = cb
                .share_row
                .map(|r| *share_left.entry(r).or_insert(net.share_left[r]));
            let room = match side {
                Side::Supplier => greedy_room(
                    cb.max_source_units_per_yr - already,
                    k_b,
                    s_left,
                    n_left.min(wanted),
                    sh_left,
                ),
                _ => greedy_room(
                    cb.max_source_units_per_yr - already,
                    k_b,
                    s_left.min(wanted),
                    n_left,
                    sh_left,
                ),
            };
            let (min, fixed) = if running {
                (0.0, 0.0)
            } else {
                (cb.min_source_units_per_yr, cb.fixed_cost_per_yr)
            };
            if !greedy_takes(room, min, cb.value_per_source_unit, fixed, false) {
                continue;
            }
            *stream_left.get_mut(&cb.stream_row).expect("entered above") -= room;
            *need_left.get_mut(&cb.need_row).expect("entered above") -= room * k_b;
            if let Some(r) = cb.share_row {
                *share_left.get_mut(&r).expect("entered above") -= room * k_b;
            }
            *extra.entry(b).or_insert(0.0) += room;
            let took = match side {
                Side::Supplier => room * k_b,
                _ => room,
            };
            wanted -= took;
            replaced += took;
            let c = &cands[cb.candidate];
            let private =
                (c.sender_alone_per_source_unit + c.receiver_alone_per_source_unit) * room - fixed;
            out.takeovers.push(Takeover {
                lost_column: e,
                backup_column: b,
                source_units_per_yr: room,
                replaced_per_yr: took,
                value_per_yr: cb.value_per_source_unit * room - fixed,
                split: split_surplus(private, c.sender_alone_per_source_unit * room, false),
            });
        }
        let share = if total > 0.0 {
            (replaced / total).clamp(0.0, 1.0)
        } else {
            0.0
        };
        out.replaced.insert(e, (side, share, replaced));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// T3: gross and residual loss, network resilience
// ---------------------------------------------------------------------------------------------

/// T3's loss of a set of exchanges: `sum w_e (1 - r_e) / W` over `(w_e, r_e)`, `r_e` the share
/// of exchange `e` replaced (0 for the gross loss), `W` the plan's total weight. 0 when `W` is 0.
pub fn loss_share(lost: &[(f64, f64)], total_weight: f64) -> f64 {
    if total_weight <= 0.0 {
        return 0.0;
    }
    lost.iter()
        .map(|&(w, r)| w * (1.0 - r.clamp(0.0, 1.0)))
        .sum::<f64>()
        / total_weight
}

/// T3's network resilience from every firm's residual loss: `R_net = 1 - max RL_i` and
/// `R_avg = 1 - mean RL_i` (both 1 with no firm).
pub fn network_resilience(residual_losses: &[f64]) -> (f64, f64) {
    if residual_losses.is_empty() {
        return (1.0, 1.0);
    }
    let max = residual_losses.iter().copied().fold(0.0, f64::max);
    let mean = residual_losses.iter().sum::<f64>() / residual_losses.len() as f64;
    (1.0 - max, 1.0 - mean)
}

/// What a set of facilities stopping takes from the plan, by value and by tonnes (T3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loss {
    /// Exchanges of the plan it stops.
    pub exchanges: usize,
    pub value_per_yr: f64,
    pub tonnes_per_yr: f64,
    /// What backups' spare capacity replaces of them (the lost exchanges' own value and tonnes
    /// times the share replaced).
    pub replaced_value_per_yr: f64,
    pub replaced_tonnes_per_yr: f64,
    /// `L` and `RL` weighted by value (`w_e` the exchange's value a year, at least 0) and by
    /// tonnes.
    pub gross_value_share: f64,
    pub residual_value_share: f64,
    pub gross_tonnes_share: f64,
    pub residual_tonnes_share: f64,
}

fn loss_of(net: &Network, lost: &[usize], rep: &Replacement, totals: (f64, f64)) -> Loss {
    let share = |i: usize| rep.replaced.get(&i).map_or(0.0, |&(_, r, _)| r);
    let by_value: Vec<(f64, f64)> = lost.iter().map(|&i| (net.value(i), share(i))).collect();
    let by_t: Vec<(f64, f64)> = lost.iter().map(|&i| (net.tonnes(i), share(i))).collect();
    Loss {
        exchanges: lost.len(),
        value_per_yr: by_value.iter().map(|p| p.0).sum(),
        tonnes_per_yr: by_t.iter().map(|p| p.0).sum(),
        replaced_value_per_yr: by_value.iter().map(|p| p.0 * p.1).sum(),
        replaced_tonnes_per_yr: by_t.iter().map(|p| p.0 * p.1).sum(),
        gross_value_share: loss_share(
            &by_value.iter().map(|p| (p.0, 0.0)).collect::<Vec<_>>(),
            totals.0,
        ),
        residual_value_share: loss_share(&by_value, totals.0),
        gross_tonnes_share: loss_share(
            &by_t.iter().map(|p| (p.0, 0.0)).collect::<Vec<_>>(),
            totals.1,
        ),
        residual_tonnes_share: loss_share(&by_t, totals.1),
    }
}

fn weights_total(net: &Network) -> (f64, f64) {
    (
        net.running.iter().map(|&i| net.value(i)).sum(),
        net.running.iter().map(|&i| net.tonnes(i)).sum(),
    )
}

/// One facility of the plan and what depends on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    /// Index into the region's facilities.
    pub facility: usize,
    pub loss: Loss,
}

/// Every facility taking part in the plan, the most critical first, with T3's network figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Criticality {
    /// By residual loss of value, then gross loss of value, residual loss of tonnes, facility.
    pub actors: Vec<Actor>,
    /// `W`: the plan's exchanged value a year (each exchange at least 0) and tonnes.
    pub total_value_per_yr: f64,
    pub total_tonnes_per_yr: f64,
    /// `R_net = 1 - max RL_i`, `R_avg = 1 - mean RL_i` over the facilities taking part, by value
    /// and by tonnes.
    pub r_net_value: f64,
    pub r_avg_value: f64,
    pub r_net_tonnes: f64,
    pub r_avg_tonnes: f64,
    /// Per need receiving in the plan (facility, need index): the share of its secondary
    /// supply (need units) that backups would replace if its supplier stopped.
    pub redundancy: Vec<NeedRedundancy>,
}

/// How much of a need's secondary supply has a viable backup.
#[derive(Clone, Debug, PartialEq)]
pub struct NeedRedundancy {
    pub facility: usize,
    pub need: usize,
    /// Need units a year the plan brings it.
    pub secondary_need_units_per_yr: f64,
    /// Of those, what backups would replace if each supplier stopped (one at a time).
    pub backed_up_need_units_per_yr: f64,
    /// `backed_up / secondary`.
    pub share: f64,
}

/// The facilities of the plan: senders, receivers and hub hosts, in index order.
fn participants(net: &Network) -> Vec<u32> {
    let mut set = BTreeSet::new();
    for &i in &net.running {
        let c = &net.problem().columns[i];
        set.insert(c.from_facility);
        set.insert(c.to_facility);
        if let Some(h) = net.host(c) {
            set.insert(h);
        }
    }
    set.into_iter().collect()
}

/// Ranks every facility of the plan by what of it depends on them (T3): each one stopped for
/// good alone, its exchanges replaced by the spare capacity of their backups (value-weighted
/// order of replacement). `progress` gets a line every few hundred facilities.
pub fn criticality(
    engine: &Engine,
    outcome: &Outcome,
    progress: &mut dyn FnMut(&str),
) -> Criticality {
    let net = Network::new(outcome);
    let totals = weights_total(&net);
    let facilities = participants(&net);
    let mut actors = Vec::with_capacity(facilities.len());
    // What backups would replace of each exchange if its sender stopped: per column.
    let mut backed_if_sender_stops: HashMap<usize, f64> = HashMap::new();
    let started = std::time::Instant::now();
    for (k, &f) in facilities.iter().enumerate() {
        let stopped: BTreeSet<u32> = std::iter::once(f).collect();
        let lost = net.lost(&stopped);
        let flows: Vec<(usize, f64)> = lost.iter().map(|&i| (i, net.x[i])).collect();
        let rep = replace(
            &net,
            &stopped,
            &flows,
            &|i| net.value(i),
            Starting::Any,
            None,
        );
        for (&col, &(side, share, _)) in &rep.replaced {
            if side == Side::Supplier && net.problem().columns[col].from_facility == f {
                backed_if_sender_stops.insert(col, share);
            }
        }
        actors.push(Actor {
            facility: f as usize,
            loss: loss_of(&net, &lost, &rep, totals),
        });
        if (k + 1) % 500 == 0 {
            progress(&format!(
                "critical actors: {} of {} facilities in {:.1} s",
                k + 1,
                facilities.len(),
                started.elapsed().as_secs_f64()
            ));
        }
    }
    actors.sort_by(|a, b| {
        b.loss
            .residual_value_share
            .total_cmp(&a.loss.residual_value_share)
            .then(
                b.loss
                    .gross_value_share
                    .total_cmp(&a.loss.gross_value_share),
            )
            .then(
                b.loss
                    .residual_tonnes_share
                    .total_cmp(&a.loss.residual_tonnes_share),
            )
            .then(a.facility.cmp(&b.facility))
    });
    let (r_net_value, r_avg_value) = network_resilience(
        &actors
            .iter()
            .map(|a| a.loss.residual_value_share)
            .collect::<Vec<_>>(),
    );
    let (r_net_tonnes, r_avg_tonnes) = network_resilience(
        &actors
            .iter()
            .map(|a| a.loss.residual_tonnes_share)
            .collect::<Vec<_>>(),
    );
    // Redundancy per need.
    let mut per_need: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for &col in &net.running {
        let c = &net.problem().columns[col];
        let cand = &outcome.candidates[c.candidate];
        let d = &engine.demands[cand.hit.demand as usize];
        let k = net.x[col] * c.need_units_per_source_unit;
        let e = per_need
            .entry((d.facility as usize, d.need as usize))
            .or_insert((0.0, 0.0));
        e.0 += k;
        e.1 += k * backed_if_sender_stops.get(&col).copied().unwrap_or(0.0);
    }
    let redundancy = per_need
        .into_iter()
        .map(|((facility, need), (secondary, backed))| NeedRedundancy {
            facility,
            need,
            secondary_need_units_per_yr: secondary,
            backed_up_need_units_per_yr: backed,
            share: if secondary > 0.0 {
                backed / secondary
            } else {
                0.0
            },
        })
        .collect();
    Criticality {
        actors,
        total_value_per_yr: totals.0,
        total_tonnes_per_yr: totals.1,
        r_net_value,
        r_avg_value,
        r_net_tonnes,
        r_avg_tonnes,
        redundancy,
    }
}

// ---------------------------------------------------------------------------------------------
// Backups and fallbacks of each exchange
// ---------------------------------------------------------------------------------------------

/// An alternative partner for one side of an exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Backup {
    /// Its column in the plan's program, and its candidate (index into the outcome's).
    pub column: usize,
    pub candidate: usize,
    /// The other facility: the backup supplier's or the backup outlet's.
    pub facility: usize,
    /// Its stream (a supplier) or its need (an outlet): index into the facility's outputs or
    /// needs.
    pub flow: usize,
    /// Net value per source unit of its own stream, and per need unit.
    pub value_per_source_unit: f64,
    pub value_per_need_unit: f64,
    pub distance_km: f64,
    /// What it could take over if this exchange alone stopped: need units a year (a
    /// supplier) or source units of the exchange's stream a year (an outlet), within what the
    /// plan leaves it, its lot and its fixed cost. 0: no room (not a viable backup now).
    pub spare_per_yr: f64,
    /// The plan already runs it.
    pub running: bool,
}

/// What falling back to today costs one company of an exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct Fallback {
    /// The receiver's supply today (its price per need unit) or the sender's outlet today (its
    /// net cost per source unit, negative when it earns: a sale given up).
    pub per_unit: f64,
    /// What the exchange's quantity costs a year that way: need units x price (the receiver's
    /// purchase), or source units x net cost (the sender's outlet).
    pub cost_per_yr: f64,
    /// What the company loses a year against the plan: its gain from the exchange.
    pub loss_per_yr: f64,
    /// The outlet (senders only).
    pub outlet: Option<OutletKind>,
}

/// The backups and fallbacks of one exchange.
#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeBackups {
    /// Index into the plan report's exchanges, or `None` for a project's exchange the plan
    /// does not run.
    pub exchange: Option<usize>,
    /// The project (index into the region's projects) that names this exchange, if any.
    pub project: Option<usize>,
    pub column: usize,
    /// Source units a year it carries (in the plan, or the most the pair can carry).
    pub source_units_per_yr: f64,
    pub need_units_per_yr: f64,
    /// Other suppliers for the receiver's need, best value per need unit first.
    pub suppliers: Vec<Backup>,
    /// Other outlets for the sender's stream, best value per source unit first.
    pub outlets: Vec<Backup>,
    /// The receiver buying as today; the sender's outlet today.
    pub virgin: Fallback,
    pub disposal: Fallback,
    /// Share of the exchange (need units) that backups could take over together if it stopped
    /// alone, and of its stream (source units).
    pub supplier_cover: f64,
    pub outlet_cover: f64,
}

/// The receiver's price today per need unit (its own supply's, else its material's virgin
/// price) and the sender's outlet today per source unit.
fn today(
    engine: &Engine,
    region: &Region,
    column: &Column,
    outcome: &Outcome,
) -> (f64, f64, OutletKind) {
    let c = &outcome.candidates[column.candidate];
    let s = &engine.supplies[c.hit.supply as usize];
    let d = &engine.demands[c.hit.demand as usize];
    let price = d
        .side
        .as_ref()
        .filter(|side| side.need_units_per_to_unit > 0.0)
        .map_or(0.0, |side| {
            side.price_per_to_unit / side.need_units_per_to_unit
        });
    let outlet = engine.outlet(region, s.facility as usize, s.stream as usize);
    (price, outlet.net_cost_per_unit, outlet.kind)
}

fn list_backups(
    net: &Network,
    engine: &Engine,
    col: usize,
    quantity: f64,
    side: Side,
) -> (Vec<Backup>, f64) {
    let p = net.problem();
    let ce = &p.columns[col];
    let stopped: BTreeSet<u32> = std::iter::once(match side {
        Side::Supplier => ce.from_facility,
        _ => ce.to_facility,
    })
    .collect();
    let candidates = match side {
        Side::Supplier => &net.by_need[ce.need_row],
        _ => &net.by_stream[ce.stream_row],
    };
    let x_e = if net.x[col] > FLOW_EPS {
        net.x[col]
    } else {
        quantity
    };
    let mut out = Vec::new();
    for &b in candidates {
        let cb = &p.columns[b];
        let other = match side {
            Side::Supplier => cb.from_facility != ce.from_facility,
            _ => cb.to_facility != ce.to_facility,
        };
        if b == col || !other {
            continue;
        }
        // This backup alone against the exchange stopped.
        let spare = replace_with(net, &stopped, col, x_e, &[b]).1;
        let cand = &net.outcome.candidates[cb.candidate];
        let k = cb.need_units_per_source_unit;
        let (facility, flow) = if side == Side::Supplier {
            let s = &engine.supplies[cand.hit.supply as usize];
            (s.facility as usize, s.stream as usize)
        } else {
            let d = &engine.demands[cand.hit.demand as usize];
            (d.facility as usize, d.need as usize)
        };
        out.push(Backup {
            column: b,
            candidate: cb.candidate,
            facility,
            flow,
            value_per_source_unit: cb.value_per_source_unit,
            value_per_need_unit: if k > 0.0 {
                cb.value_per_source_unit / k
            } else {
                0.0
            },
            distance_km: cand.hit.distance_km,
            spare_per_yr: spare,
            running: net.x[b] > FLOW_EPS,
        });
    }
    out.sort_by(|a, b| {
        let key = |x: &Backup| match side {
            Side::Supplier => x.value_per_need_unit,
            _ => x.value_per_source_unit,
        };
        key(b).total_cmp(&key(a)).then(a.column.cmp(&b.column))
    });
    let all: Vec<usize> = out.iter().map(|b| b.column).collect();
    let together = replace_with(net, &stopped, col, x_e, &all).0;
    (out, together)
}

/// The share and the quantity of column `col` (carrying `flow`) that the backups `only`
/// replace when `stopped` stop.
fn replace_with(
    net: &Network,
    stopped: &BTreeSet<u32>,
    col: usize,
    flow: f64,
    only: &[usize],
) -> (f64, f64) {
    let only: BTreeSet<usize> = only.iter().copied().collect();
    let rep = replace(
        net,
        stopped,
        &[(col, flow)],
        &|_| 0.0,
        Starting::Any,
        Some(&only),
    );
    rep.replaced
        .get(&col)
        .map_or((0.0, 0.0), |&(_, s, q)| (s, q))
}

/// The backups of every exchange of the plan, best value first, and of every project's
/// exchange (a project naming a stream and a need with a column in the program), with the
/// fallbacks to today.
pub fn backups(engine: &Engine, region: &Region, outcome: &Outcome) -> Vec<ExchangeBackups> {
    let net = Network::new(outcome);
    let p = &outcome.problem;
    let mut targets: Vec<(Option<usize>, Option<usize>, usize, f64)> = Vec::new();
    let col_of: HashMap<usize, usize> = p
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.candidate, i))
        .collect();
    for (ei, e) in outcome.report.exchanges.iter().enumerate() {
        if let Some(&col) = col_of.get(&e.candidate) {
            targets.push((Some(ei), None, col, e.source_units_per_yr));
        }
    }
    for (pi, project) in region.projects.iter().enumerate() {
        let (Some(stream), Some(need)) = (&project.stream, &project.need) else {
            continue;
        };
        // The project's pair: its direct column of best value.
        let col = p
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.hub_row.is_none())
            .filter(|(_, c)| {
                let cand = &outcome.candidates[c.candidate];
                let s = &engine.supplies[cand.hit.supply as usize];
                let d = &engine.demands[cand.hit.demand as usize];
                region.facilities[s.facility as usize].outputs[s.stream as usize].id == *stream
                    && region.facilities[d.facility as usize].needs[d.need as usize].id == *need
            })
            .max_by(|a, b| {
                a.1.value_per_source_unit
                    .total_cmp(&b.1.value_per_source_unit)
            })
            .map(|(i, _)| i);
        let Some(col) = col else { continue };
        if let Some(t) = targets.iter_mut().find(|t| t.2 == col) {
            t.1 = Some(pi);
        } else {
            targets.push((None, Some(pi), col, p.columns[col].max_source_units_per_yr));
        }
    }
    targets
        .into_iter()
        .map(|(exchange, project, col, q)| {
            let c = &p.columns[col];
            let (suppliers, supplier_cover) = list_backups(&net, engine, col, q, Side::Supplier);
            let (outlets, outlet_cover) = list_backups(&net, engine, col, q, Side::Outlet);
            let (price, outlet_cost, outlet) = today(engine, region, c, outcome);
            let need_units = q * c.need_units_per_source_unit;
            let (sender_gain, receiver_gain) = if let Some(ei) = exchange {
                let e = &outcome.report.exchanges[ei];
                (e.sender_gain_per_yr, e.receiver_gain_per_yr)
            } else {
                let cand = &outcome.candidates[c.candidate];
                let private =
                    cand.private_value_per_yr(q) - c.fixed_cost_per_yr + cand.fixed_cost_per_yr;
                let split = split_surplus(private, cand.sender_alone_per_source_unit * q, false);
                (split.sender_per_yr, split.receiver_per_yr)
            };
            ExchangeBackups {
                exchange,
                project,
                column: col,
                source_units_per_yr: q,
                need_units_per_yr: need_units,
                suppliers,
                outlets,
                virgin: Fallback {
                    per_unit: price,
                    cost_per_yr: need_units * price,
                    loss_per_yr: receiver_gain,
                    outlet: None,
                },
                disposal: Fallback {
                    per_unit: outlet_cost,
                    cost_per_yr: q * outlet_cost,
                    loss_per_yr: sender_gain,
                    outlet: Some(outlet),
                },
                supplier_cover,
                outlet_cover,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The store sized for an exchange
// ---------------------------------------------------------------------------------------------

/// Sizes the store of one exchange of the plan with [`crate::buffer`]: the exchange's share of
/// the stream's pattern (its months, loads and CV) against the receiver's months, in the
/// stream's tonnes, the built-in service level and reaction time (T16, T1's worked example),
/// the usual store for the stream's state and `simulation`.
pub fn exchange_buffer(
    engine: &Engine,
    region: &Region,
    exchange: &PlannedExchange,
    simulation: Simulation,
) -> Result<BufferSizing, BufferError> {
    pair_buffer(
        engine,
        region,
        &PairFlow {
            from_facility: exchange.from_facility,
            stream: exchange.stream,
            to_facility: exchange.to_facility,
            need: exchange.need,
            source_units_per_yr: exchange.source_units_per_yr,
            need_units_per_yr: exchange.need_units_per_yr,
        },
        simulation,
    )
}

/// One pair's flow a year: a planned exchange, or a candidate of the partner search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairFlow {
    /// Indices into the region's facilities, the sender's outputs and the receiver's needs.
    pub from_facility: usize,
    pub stream: usize,
    pub to_facility: usize,
    pub need: usize,
    /// Source units of the stream a year, and need units of the receiver's need a year.
    pub source_units_per_yr: f64,
    pub need_units_per_yr: f64,
}

impl PairFlow {
    /// A candidate's flow: what it can exchange a year (delivered units, after the stream's
    /// preprocessing) back in the stream's units, and in the need's.
    pub fn of_candidate(c: &crate::matching::Candidate) -> PairFlow {
        let delivered = c.annual.exchanged_per_yr;
        PairFlow {
            from_facility: c.from_facility,
            stream: c.stream,
            to_facility: c.to_facility,
            need: c.need,
            source_units_per_yr: if c.mass_factor > 0.0 {
                delivered / c.mass_factor
            } else {
                0.0
            },
            need_units_per_yr: delivered * c.need_units_per_delivered,
        }
    }
}

/// Sizes the store of one pair's flow as [`exchange_buffer`] does for a planned exchange (the
/// inspector sizes a candidate's this way). An index out of range is an error, not a panic.
pub fn pair_buffer(
    engine: &Engine,
    region: &Region,
    exchange: &PairFlow,
    simulation: Simulation,
) -> Result<BufferSizing, BufferError> {
    size_buffer(&pair_buffer_input(engine, region, exchange, simulation)?)
}

/// What [`pair_buffer`] sizes, gathered from the region (quick): the sizing itself, a seeded
/// simulation, can then run elsewhere (the app sizes on a worker thread).
pub fn pair_buffer_input(
    engine: &Engine,
    region: &Region,
    exchange: &PairFlow,
    simulation: Simulation,
) -> Result<BufferInput, BufferError> {
    let missing = || BufferError::Unsupported("the pair is no longer in the region".to_owned());
    let from = region
        .facilities
        .get(exchange.from_facility)
        .ok_or_else(missing)?;
    let stream = from.outputs.get(exchange.stream).ok_or_else(missing)?;
    let need = region
        .facilities
        .get(exchange.to_facility)
        .and_then(|f| f.needs.get(exchange.need))
        .ok_or_else(missing)?;
    let material = engine.catalogue.material(&stream.material);
    let density = stream
        .bulk_density_t_per_m3
        .or(material.and_then(|m| m.bulk_density_t_per_m3))
        .unwrap_or(1.0);
    let t_per_unit = tonnes_per_unit(stream.unit, density)?;
    let mut supply = supply_of_stream(stream, t_per_unit, 0.0)?;
    let share = if stream.quantity_per_yr > 0.0 {
        (exchange.source_units_per_yr / stream.quantity_per_yr).clamp(0.0, 1.0)
    } else {
        0.0
    };
    match &mut supply.pattern {
        SupplyPattern::Continuous { t_per_yr, .. } => *t_per_yr *= share,
        SupplyPattern::Batches { batch_t, .. } => *batch_t *= share,
    }
    let demand = Demand::new(supply.t_per_yr(), need.availability.month_mask());
    let state = stream
        .physical_state
        .or(material.map(|m| m.state))
        .unwrap_or(crate::model::PhysicalState::Solid);
    let catalogue = StorageCatalogue::builtin()?;
    let kind = catalogue.default_kind(state).ok_or_else(|| {
        BufferError::Unsupported(format!(
            "{}: a {state:?} stream is not kept in a bulk store",
            stream.id
        ))
    })?;
    let tonnes = exchange.source_units_per_yr * t_per_unit;
    let price = engine
        .demands
        .iter()
        .find(|d| d.facility as usize == exchange.to_facility && d.need as usize == exchange.need)
        .and_then(|d| d.side.as_ref())
        .filter(|side| side.need_units_per_to_unit > 0.0)
        .map_or(0.0, |side| {
            side.price_per_to_unit / side.need_units_per_to_unit
        });
    Ok(BufferInput {
        supply,
        demand,
        service_level: region
            .settings
            .service_level_pct
            .map_or(catalogue.defaults.service_level, |p| p / 100.0),
        reaction_days: catalogue.defaults.reaction_days,
        headroom_t: None,
        bulk_density_t_per_m3: density,
        moisture_pct: stream
            .moisture_pct
            .or(material.and_then(|m| m.typical_moisture_pct))
            .unwrap_or(0.0)
            .clamp(0.0, 99.0),
        storage_kind: kind.key.clone(),
        virgin_value_per_t: if tonnes > 0.0 {
            exchange.need_units_per_yr * price / tonnes
        } else {
            0.0
        },
        simulation,
    })
}

// ---------------------------------------------------------------------------------------------
// What if plants stop
// ---------------------------------------------------------------------------------------------

/// Facilities that stop, for a number of weeks or for good.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    /// Indices into the region's facilities.
    pub facilities: Vec<usize>,
    /// `None`: for good.
    pub weeks: Option<f64>,
}

impl Stop {
    /// A stop of the facilities with these ids; an unknown id is an error that names it.
    pub fn by_ids(
        region: &Region,
        ids: &[String],
        weeks: Option<f64>,
    ) -> Result<Stop, ResilienceError> {
        let mut facilities = Vec::new();
        for id in ids {
            let id = id.trim();
            let Some(i) = region.facilities.iter().position(|f| f.id == id) else {
                return Err(ResilienceError::UnknownFacility(id.to_owned()));
            };
            if !facilities.contains(&i) {
                facilities.push(i);
            }
        }
        if facilities.is_empty() {
            return Err(ResilienceError::NothingStopped);
        }
        if let Some(w) = weeks {
            if w.is_nan() || w <= 0.0 || w > 52.0 {
                return Err(ResilienceError::BadDuration(w));
            }
        }
        Ok(Stop { facilities, weeks })
    }

    /// Days of the stop (a year for good: figures are then a year's).
    pub fn days(&self) -> f64 {
        self.weeks.map_or(DAYS_PER_YR, |w| w * 7.0)
    }
}

/// What the store sized for a lost exchange does during a stop.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferCover {
    pub sizing: BufferSizing,
    /// Days the store bridges: the sender stopped, the receiver runs on its mean store and
    /// safety stock (`average stock / daily use`); the receiver stopped, the sender's deliveries
    /// fill the store's free room (`(by-product store - mean store) / daily flow`).
    pub cover_days: f64,
    /// Of the stop's days, those it bridges and those it does not.
    pub covered_days: f64,
    pub uncovered_days: f64,
    /// The sender stopped: days the receiver runs short before its usual supply can arrive
    /// (the reaction time, T1's worked example, less the cover; 0 when the store bridges it).
    pub short_days: f64,
}

/// One exchange of the plan that a stop interrupts.
#[derive(Clone, Debug, PartialEq)]
pub struct LostExchange {
    /// Index into the plan report's exchanges.
    pub exchange: usize,
    pub side: Side,
    /// Over the stop (a year for good): what the exchange no longer carries.
    pub source_units: f64,
    pub need_units: f64,
    pub tonnes: f64,
    pub value: f64,
    /// The store (a stop of N weeks), or why none was sized (heat, a stream the buffer model
    /// refuses).
    pub buffer: Option<Result<BufferCover, String>>,
    /// Tonnes the store bridges during the stop (drawn from it, or taken into it), to be made
    /// up after the restart: the store moves them in time, it does not replace them.
    pub covered_tonnes: f64,
    /// The share backups replace (need units for a supplier, source units for an outlet), and
    /// what they replace over the stop.
    pub replaced_share: f64,
    pub replaced: f64,
    /// What falls back to today over the stop (need units bought as today, or source units sent
    /// to today's outlet) and what that costs.
    pub fallback_units: f64,
    pub fallback_cost: f64,
}

/// What one company gains and loses from a stop (over the stop; a year for good).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompanyCost {
    pub facility: usize,
    pub stopped: bool,
    /// Its gains from the exchanges lost (sender, receiver or hub operator).
    pub lost_gain: f64,
    /// Its part of what backups earn by taking over.
    pub backup_gain: f64,
    /// `lost_gain - backup_gain` (for good: its gain in the plan less its gain in the plan
    /// solved again).
    pub cost: f64,
}

/// The plan solved again without the stopped facilities.
#[derive(Clone, Debug)]
pub struct Replan {
    pub solution: crate::plan::Solution,
    pub report: Report,
    pub problem: Problem,
    /// Columns whose flow rose: (column, source units a year before, after).
    pub increased: Vec<(usize, f64, f64)>,
    /// Required facilities left out (stopped, or all their partners stopped).
    pub dropped_requirements: Vec<usize>,
}

/// Everything a stop does to the plan.
#[derive(Clone, Debug)]
pub struct WhatIf {
    pub stop: Stop,
    pub days: f64,
    pub lost: Vec<LostExchange>,
    /// Backups taking over (a stop of N weeks: their rates a year; only exchanges already
    /// running or without a fixed cost start for a stop of weeks).
    pub takeovers: Vec<Takeover>,
    /// T3 for the stopped set, replaced by spare capacity (a year).
    pub loss: Loss,
    /// For good: the plan solved again.
    pub replan: Option<Replan>,
    pub companies: Vec<CompanyCost>,
    /// Over the stop: the plan's value lost (for good: the plan's value less the new plan's).
    pub value_lost: f64,
    pub tonnes_not_delivered: f64,
    pub tonnes_covered: f64,
    pub tonnes_replaced: f64,
}

/// What stopping `stop.facilities` does to the plan of `outcome` (`options`: the plan's
/// options, for solving again when the stop is for good).
pub fn what_if(
    engine: &Engine,
    region: &Region,
    outcome: &Outcome,
    stop: &Stop,
    options: &PlanOptions,
    simulation: Simulation,
    progress: &mut dyn FnMut(&str),
) -> Result<WhatIf, ResilienceError> {
    if stop.facilities.is_empty() {
        return Err(ResilienceError::NothingStopped);
    }
    let net = Network::new(outcome);
    let p = &outcome.problem;
    let stopped: BTreeSet<u32> = stop.facilities.iter().map(|&f| f as u32).collect();
    let lost_cols = net.lost(&stopped);
    let flows: Vec<(usize, f64)> = lost_cols.iter().map(|&i| (i, net.x[i])).collect();
    let totals = weights_total(&net);
    let for_good = stop.weeks.is_none();
    let rep_t3 = replace(
        &net,
        &stopped,
        &flows,
        &|i| net.value(i),
        Starting::Any,
        None,
    );
    let loss = loss_of(&net, &lost_cols, &rep_t3, totals);
    let rep = if for_good {
        rep_t3
    } else {
        replace(
            &net,
            &stopped,
            &flows,
            &|i| net.value(i),
            Starting::RunningOrFree,
            None,
        )
    };
    let days = stop.days();
    let f = days / DAYS_PER_YR;
    let catalogue_reaction = StorageCatalogue::builtin().map_or(5.0, |c| c.defaults.reaction_days);
    let mut companies: BTreeMap<usize, CompanyCost> = BTreeMap::new();
    let mut lost = Vec::new();
    for (k, &col) in lost_cols.iter().enumerate() {
        let Some(&ei) = net.exchange_of.get(&col) else {
            continue;
        };
        let e = &outcome.report.exchanges[ei];
        let c = &p.columns[col];
        let (side, share, replaced_per_yr) =
            rep.replaced
                .get(&col)
                .copied()
                .unwrap_or((Side::None, 0.0, 0.0));
        let tonnes = e.tonnes_per_yr * f;
        let buffer = (!for_good && side != Side::None).then(|| {
            if lost_cols.len() > 20 && k % 20 == 0 {
                progress(&format!("stores: {k} of {} exchanges", lost_cols.len()));
            }
            exchange_buffer(engine, region, e, simulation)
                .map(|sizing| {
                    let (cover_days, short_days) = if side == Side::Outlet {
                        let mean_store = sizing.average_stock_t - sizing.safety_stock_t;
                        let room = (sizing.byproduct_store_t - mean_store).max(0.0);
                        let per_day = sizing.supply_t_per_yr / DAYS_PER_YR;
                        (if per_day > 0.0 { room / per_day } else { 0.0 }, 0.0)
                    } else {
                        let cover = if sizing.use_t_per_day > 0.0 {
                            sizing.average_stock_t / sizing.use_t_per_day
                        } else {
                            0.0
                        };
                        (cover, (days.min(catalogue_reaction) - cover).max(0.0))
                    };
                    let covered_days = cover_days.min(days);
                    BufferCover {
                        sizing,
                        cover_days,
                        covered_days,
                        uncovered_days: days - covered_days,
                        short_days,
                    }
                })
                .map_err(|err| err.to_string())
        });
        let covered_tonnes = match &buffer {
            Some(Ok(b)) => e.tonnes_per_yr * b.covered_days / DAYS_PER_YR,
            _ => 0.0,
        };
        let (price, outlet_cost, _) = today(engine, region, c, outcome);
        let (fallback_units, fallback_cost) = match side {
            Side::Supplier => {
                let units = (e.need_units_per_yr - replaced_per_yr).max(0.0) * f;
                (units, units * price)
            }
            Side::Outlet => {
                let units = (e.source_units_per_yr - replaced_per_yr).max(0.0) * f;
                (units, units * outlet_cost)
            }
            Side::None => (0.0, 0.0),
        };
        // Each company of the exchange loses its gain from it over the stop.
        company(&mut companies, &stopped, e.from_facility).lost_gain += e.sender_gain_per_yr * f;
        company(&mut companies, &stopped, e.to_facility).lost_gain += e.receiver_gain_per_yr * f;
        if let Some(host) = c.hub_row.and_then(|h| p.hubs[h].host) {
            company(&mut companies, &stopped, host).lost_gain += e.operator_gain_per_yr * f;
        }
        lost.push(LostExchange {
            exchange: ei,
            side,
            source_units: e.source_units_per_yr * f,
            need_units: e.need_units_per_yr * f,
            tonnes,
            value: e.value_per_yr * f,
            buffer,
            covered_tonnes,
            replaced_share: share,
            replaced: replaced_per_yr * f,
            fallback_units,
            fallback_cost,
        });
    }
    lost.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then(a.exchange.cmp(&b.exchange))
    });
    let replan = if for_good {
        progress("solving the plan again without the stopped facilities");
        Some(solve_without(engine, outcome, &stopped, options)?)
    } else {
        for t in &rep.takeovers {
            let cb = &p.columns[t.backup_column];
            company(&mut companies, &stopped, cb.from_facility as usize).backup_gain +=
                t.split.sender_per_yr * f;
            company(&mut companies, &stopped, cb.to_facility as usize).backup_gain +=
                t.split.receiver_per_yr * f;
        }
        None
    };
    let mut value_lost: f64 = lost.iter().map(|l| l.value).sum::<f64>()
        - rep
            .takeovers
            .iter()
            .map(|t| t.value_per_yr * f)
            .sum::<f64>();
    if let Some(r) = &replan {
        value_lost = outcome.solution.objective - r.solution.objective;
        // For good, each company's cost is its gain in the plan less its gain in the new one.
        let gain = |rep: &Report| -> BTreeMap<usize, f64> {
            rep.companies
                .iter()
                .map(|c| (c.facility, c.gain_per_yr - c.compensation_needed_per_yr))
                .collect()
        };
        let before = gain(&outcome.report);
        let after = gain(&r.report);
        for fac in before.keys().chain(after.keys()) {
            let b = before.get(fac).copied().unwrap_or(0.0);
            let a = after.get(fac).copied().unwrap_or(0.0);
            let cc = company(&mut companies, &stopped, *fac);
            cc.backup_gain = cc.lost_gain - (b - a);
        }
    }
    let mut companies: Vec<CompanyCost> = companies
        .into_values()
        .map(|mut c| {
            c.cost = c.lost_gain - c.backup_gain;
            c
        })
        .filter(|c| c.cost.abs() > 1e-9 || c.lost_gain.abs() > 1e-9)
        .collect();
    companies.sort_by(|a, b| b.cost.total_cmp(&a.cost).then(a.facility.cmp(&b.facility)));
    let tonnes_not_delivered = lost.iter().map(|l| l.tonnes).sum();
    let tonnes_covered = lost.iter().map(|l| l.covered_tonnes).sum();
    let tonnes_replaced = lost.iter().map(|l| l.tonnes * l.replaced_share).sum();
    Ok(WhatIf {
        stop: stop.clone(),
        days,
        lost,
        takeovers: rep.takeovers,
        loss,
        replan,
        companies,
        value_lost,
        tonnes_not_delivered,
        tonnes_covered,
        tonnes_replaced,
    })
}

/// A company's line of a stop, made when first needed.
fn company<'a>(
    companies: &'a mut BTreeMap<usize, CompanyCost>,
    stopped: &BTreeSet<u32>,
    facility: usize,
) -> &'a mut CompanyCost {
    companies.entry(facility).or_insert_with(|| CompanyCost {
        facility,
        stopped: stopped.contains(&(facility as u32)),
        ..CompanyCost::default()
    })
}

/// The plan's program with every column of the stopped facilities closed (their locks and
/// requirements dropped), solved again.
fn solve_without(
    engine: &Engine,
    outcome: &Outcome,
    stopped: &BTreeSet<u32>,
    options: &PlanOptions,
) -> Result<Replan, ResilienceError> {
    let net = Network::new(outcome);
    let mut without = outcome.problem.clone();
    let closed: Vec<bool> = without
        .columns
        .iter()
        .map(|c| net.touches(c, stopped))
        .collect();
    for (c, &shut) in without.columns.iter_mut().zip(&closed) {
        if shut {
            c.max_source_units_per_yr = 0.0;
            c.min_source_units_per_yr = 0.0;
        }
    }
    for h in &mut without.hubs {
        if h.host.is_some_and(|f| stopped.contains(&(f as u32))) {
            h.capacity_t_per_yr = 0.0;
        }
    }
    without
        .locks
        .retain(|(cols, _)| cols.iter().any(|&i| !closed[i]));
    let mut dropped_requirements = Vec::new();
    without.requires.retain(|(f, cols)| {
        let keep = !stopped.contains(f) && cols.iter().any(|&i| !closed[i]);
        if !keep {
            dropped_requirements.push(*f as usize);
        }
        keep
    });
    let solution = crate::plan::solve(&without, options)?;
    let report = Report::new(engine, &outcome.candidates, &without, &solution.x);
    let increased = outcome
        .solution
        .x
        .iter()
        .zip(&solution.x)
        .enumerate()
        .filter(|(_, (b, a))| **a > **b + FLOW_EPS)
        .map(|(i, (b, a))| (i, *b, *a))
        .collect();
    Ok(Replan {
        solution,
        report,
        problem: without,
        increased,
        dropped_requirements,
    })
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// `symbiomap whatif --json`: the stop, the ranking and the backups asked for, by ids.
pub fn to_json(
    engine: &Engine,
    region: &Region,
    outcome: &Outcome,
    scenario: Option<&WhatIf>,
    ranking: Option<&Criticality>,
    backups: Option<&[ExchangeBackups]>,
) -> serde_json::Value {
    use serde_json::json;
    let fid = |i: usize| region.facilities[i].id.clone();
    let p = &outcome.problem;
    let pair = |col: usize| {
        let cand = &outcome.candidates[p.columns[col].candidate];
        let s = &engine.supplies[cand.hit.supply as usize];
        let d = &engine.demands[cand.hit.demand as usize];
        let from = &region.facilities[s.facility as usize];
        let to = &region.facilities[d.facility as usize];
        json!({
            "from_facility": from.id,
            "stream_id": from.outputs[s.stream as usize].id,
            "to_facility": to.id,
            "need_id": to.needs[d.need as usize].id,
        })
    };
    let side = |s: Side| match s {
        Side::Supplier => "supplier",
        Side::Outlet => "outlet",
        Side::None => "none",
    };
    let loss = |l: &Loss| {
        json!({
            "exchanges": l.exchanges,
            "value_per_yr": l.value_per_yr,
            "tonnes_per_yr": l.tonnes_per_yr,
            "replaced_value_per_yr": l.replaced_value_per_yr,
            "replaced_tonnes_per_yr": l.replaced_tonnes_per_yr,
            "gross_value_share": l.gross_value_share,
            "residual_value_share": l.residual_value_share,
            "gross_tonnes_share": l.gross_tonnes_share,
            "residual_tonnes_share": l.residual_tonnes_share,
        })
    };
    let stop = scenario.map(|w| {
        json!({
            "facilities": w.stop.facilities.iter().map(|&f| fid(f)).collect::<Vec<_>>(),
            "weeks": w.stop.weeks,
            "days": w.days,
            "value_lost": w.value_lost,
            "tonnes_not_delivered": w.tonnes_not_delivered,
            "tonnes_covered_by_stores": w.tonnes_covered,
            "tonnes_replaced_by_backups": w.tonnes_replaced,
            "t3": loss(&w.loss),
            "lost": w.lost.iter().map(|l| {
                let e = &outcome.report.exchanges[l.exchange];
                let col = p.columns.iter().position(|c| c.candidate == e.candidate);
                let mut j = col.map_or(json!({}), pair);
                j["side"] = json!(side(l.side));
                j["source_units"] = json!(l.source_units);
                j["need_units"] = json!(l.need_units);
                j["tonnes"] = json!(l.tonnes);
                j["value"] = json!(l.value);
                j["store"] = match &l.buffer {
                    Some(Ok(b)) => json!({
                        "kind": b.sizing.storage_kind,
                        "capacity_t": b.sizing.capacity_t,
                        "average_stock_t": b.sizing.average_stock_t,
                        "days_of_cover_full": b.sizing.days_of_cover,
                        "cover_days": b.cover_days,
                        "covered_days": b.covered_days,
                        "uncovered_days": b.uncovered_days,
                        "short_days": b.short_days,
                    }),
                    Some(Err(why)) => json!({"none": why}),
                    None => serde_json::Value::Null,
                };
                j["covered_tonnes"] = json!(l.covered_tonnes);
                j["replaced_share"] = json!(l.replaced_share);
                j["replaced"] = json!(l.replaced);
                j["fallback_units"] = json!(l.fallback_units);
                j["fallback_cost"] = json!(l.fallback_cost);
                j
            }).collect::<Vec<_>>(),
            "takeovers": w.takeovers.iter().map(|t| json!({
                "lost": pair(t.lost_column),
                "backup": pair(t.backup_column),
                "source_units_per_yr": t.source_units_per_yr,
                "replaced_per_yr": t.replaced_per_yr,
                "value_per_yr": t.value_per_yr,
            })).collect::<Vec<_>>(),
            "replan": w.replan.as_ref().map(|r| json!({
                "status": r.solution.status.label(),
                "value_per_yr": r.solution.objective,
                "exchanges": r.report.exchanges.len(),
                "increased": r.increased.iter().map(|&(col, before, after)| {
                    let mut j = pair(col);
                    j["source_units_per_yr_before"] = json!(before);
                    j["source_units_per_yr_after"] = json!(after);
                    j
                }).collect::<Vec<_>>(),
                "dropped_requirements": r.dropped_requirements.iter().map(|&f| fid(f)).collect::<Vec<_>>(),
            })),
            "companies": w.companies.iter().map(|c| json!({
                "facility_id": fid(c.facility),
                "stopped": c.stopped,
                "lost_gain": c.lost_gain,
                "backup_gain": c.backup_gain,
                "cost": c.cost,
            })).collect::<Vec<_>>(),
        })
    });
    let rank = ranking.map(|k| {
        json!({
            "total_value_per_yr": k.total_value_per_yr,
            "total_tonnes_per_yr": k.total_tonnes_per_yr,
            "r_net_value": k.r_net_value,
            "r_avg_value": k.r_avg_value,
            "r_net_tonnes": k.r_net_tonnes,
            "r_avg_tonnes": k.r_avg_tonnes,
            "actors": k.actors.iter().map(|a| {
                let mut j = loss(&a.loss);
                j["facility_id"] = json!(fid(a.facility));
                j
            }).collect::<Vec<_>>(),
            "redundancy": k.redundancy.iter().map(|n| json!({
                "facility_id": fid(n.facility),
                "need_id": region.facilities[n.facility].needs[n.need].id,
                "secondary_need_units_per_yr": n.secondary_need_units_per_yr,
                "backed_up_need_units_per_yr": n.backed_up_need_units_per_yr,
                "share": n.share,
            })).collect::<Vec<_>>(),
        })
    });
    let backup = |b: &Backup| {
        let mut j = pair(b.column);
        j["value_per_source_unit"] = json!(b.value_per_source_unit);
        j["value_per_need_unit"] = json!(b.value_per_need_unit);
        j["distance_km"] = json!(b.distance_km);
        j["spare_per_yr"] = json!(b.spare_per_yr);
        j["running"] = json!(b.running);
        j
    };
    let fallback = |f: &Fallback| {
        json!({
            "per_unit": f.per_unit,
            "cost_per_yr": f.cost_per_yr,
            "loss_per_yr": f.loss_per_yr,
            "outlet": f.outlet.map(|k| format!("{k:?}").to_lowercase()),
        })
    };
    let list = backups.map(|list| {
        list.iter()
            .map(|b| {
                let mut j = pair(b.column);
                j["in_plan"] = json!(b.exchange.is_some());
                j["project_id"] = json!(b.project.map(|p| region.projects[p].id.clone()));
                j["source_units_per_yr"] = json!(b.source_units_per_yr);
                j["need_units_per_yr"] = json!(b.need_units_per_yr);
                j["suppliers"] = json!(b.suppliers.iter().map(backup).collect::<Vec<_>>());
                j["outlets"] = json!(b.outlets.iter().map(backup).collect::<Vec<_>>());
                j["supplier_cover"] = json!(b.supplier_cover);
                j["outlet_cover"] = json!(b.outlet_cover);
                j["virgin"] = fallback(&b.virgin);
                j["disposal"] = fallback(&b.disposal);
                j
            })
            .collect::<Vec<_>>()
    });
    json!({
        "region": region.name,
        "currency": region.currency,
        "plan": {
            "status": outcome.solution.status.label(),
            "value_per_yr": outcome.solution.objective,
            "exchanges": outcome.report.exchanges.len(),
            "exchanged_t_per_yr": outcome.report.exchanged_t_per_yr,
        },
        "stop": stop,
        "critical_actors": rank,
        "backups": list,
    })
}

// ---------------------------------------------------------------------------------------------
// Confidential figures
// ---------------------------------------------------------------------------------------------

/// Leaves out the money a what-if would give away about a confidential company
/// (`crate::disclosure`): each lost exchange, takeover and fallback it takes part in, the cost
/// to it and to every company that trades with it there (the equal split would give its share
/// away), the value lost when any of it is, the critical actors' yearly value where they trade
/// with one, and the backups' values per unit. A figure left out becomes NaN: JSON writes
/// `null`, the text `confidential`; so does the value of the plan solved again when it would
/// say the value lost or fails the p %-rule ([`crate::plan::totals_withheld`]). Shares and
/// tonnes stay.
pub fn withhold(
    region: &Region,
    outcome: &Outcome,
    scenario: Option<&mut WhatIf>,
    ranking: Option<&mut Criticality>,
    backups: Option<&mut [ExchangeBackups]>,
) {
    use crate::disclosure::confidential;
    let exchanges = &outcome.report.exchanges;
    // The plan's own rule for its exchanges (a confidential sender, receiver or hub host).
    let plan_withheld = crate::plan::Withheld::new(region, outcome, false);
    let masked_pair =
        |from: usize, to: usize| confidential(region, from) || confidential(region, to);
    let column_pair = |col: usize| {
        let c = &outcome.problem.columns[col];
        (c.from_facility as usize, c.to_facility as usize)
    };
    if let Some(w) = scenario {
        let mut touched: std::collections::HashSet<usize> = std::collections::HashSet::new();
        let mut any = false;
        for l in &mut w.lost {
            let e = &exchanges[l.exchange];
            if plan_withheld.exchanges[l.exchange] {
                l.value = f64::NAN;
                l.fallback_cost = f64::NAN;
                touched.extend([e.from_facility, e.to_facility]);
                any = true;
            }
        }
        for t in &mut w.takeovers {
            let (a, b) = column_pair(t.lost_column);
            let (c, d) = column_pair(t.backup_column);
            if masked_pair(a, b) || masked_pair(c, d) {
                t.value_per_yr = f64::NAN;
                touched.extend([a, b, c, d]);
            }
        }
        for c in &mut w.companies {
            if confidential(region, c.facility) || touched.contains(&c.facility) {
                c.lost_gain = f64::NAN;
                c.backup_gain = f64::NAN;
                c.cost = f64::NAN;
            }
        }
        if any {
            w.value_lost = f64::NAN;
        }
        // The plan solved again: its value against the plan's says the value lost, and with
        // its own open exchanges it could give a confidential company's money away.
        if let Some(r) = &mut w.replan {
            if any || plan_withheld.totals || crate::plan::totals_withheld(region, &r.report, false)
            {
                r.solution.objective = f64::NAN;
                r.solution.bound = f64::NAN;
            }
        }
    }
    if let Some(k) = ranking {
        for a in &mut k.actors {
            let trades = exchanges
                .iter()
                .zip(&plan_withheld.exchanges)
                .any(|(e, &w)| w && (e.from_facility == a.facility || e.to_facility == a.facility));
            if trades || confidential(region, a.facility) {
                a.loss.value_per_yr = f64::NAN;
                a.loss.replaced_value_per_yr = f64::NAN;
            }
        }
    }
    if let Some(list) = backups {
        for b in list {
            let (from, to) = column_pair(b.column);
            let pair_masked = masked_pair(from, to);
            for x in b.suppliers.iter_mut().chain(b.outlets.iter_mut()) {
                if pair_masked || confidential(region, x.facility) {
                    x.value_per_source_unit = f64::NAN;
                    x.value_per_need_unit = f64::NAN;
                }
            }
            if pair_masked {
                for f in [&mut b.virgin, &mut b.disposal] {
                    f.per_unit = f64::NAN;
                    f.cost_per_yr = f64::NAN;
                    f.loss_per_yr = f64::NAN;
                }
            }
        }
    }
}
