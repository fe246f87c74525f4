//! The critical-actor ranking and the what-if against naive recomputations on small random
//! regions (the search's and the plan's oracle regions, fixed seeds: outlets, supplies, rules
//! on both bases, preprocessing, modes, pipelines, perishables, specifications, lots, months,
//! a carbon price, sometimes a cost per exchange).
//!
//! For every facility of each plan, stopped for good:
//! - the gross and residual losses (T3) are recomputed from the report's exchanges by facility
//!   id and a plain greedy over every column of the program (no row index, no overlay), and
//!   the ranking is their order;
//! - the backups' takeover, applied to the plan, is a plan the independent checker accepts;
//! - the plan solved again equals a plan of the region with the facility deleted, searched
//!   and solved from scratch, and is never worse than the takeover.

#[path = "common/regions.rs"]
mod regions;

use std::collections::BTreeSet;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use regions::random_region;
use symbiomap::buffer::Simulation;
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::plan::{
    greedy_room, greedy_takes, plan_region, solve, violations, Outcome, PlanOptions, Problem,
    FLOW_EPS,
};
use symbiomap::resilience::{criticality, what_if, Stop};

/// What T3 gives for one facility: (gross, residual) by value and by tonnes.
type Shares = ((f64, f64), (f64, f64));

/// T3 by brute force for facility `f`, and what each column carries more.
fn naive_t3(outcome: &Outcome, f: usize) -> (Shares, Vec<f64>) {
    let p = &outcome.problem;
    let x = &outcome.solution.x;
    let value = |col: usize| {
        let cand = p.columns[col].candidate;
        outcome
            .report
            .exchanges
            .iter()
            .find(|e| e.candidate == cand)
            .map_or(0.0, |e| e.value_per_yr.max(0.0))
    };
    let tonnes =
        |col: usize| x[col] * outcome.candidates[p.columns[col].candidate].tonnes_per_source_unit;
    let running: Vec<usize> = (0..p.columns.len()).filter(|&i| x[i] > FLOW_EPS).collect();
    let w_value: f64 = running.iter().map(|&i| value(i)).sum();
    let w_t: f64 = running.iter().map(|&i| tonnes(i)).sum();
    let f = f as u32;
    let mut lost: Vec<usize> = running
        .iter()
        .copied()
        .filter(|&i| p.columns[i].from_facility == f || p.columns[i].to_facility == f)
        .collect();
    lost.sort_by(|&a, &b| value(b).total_cmp(&value(a)).then(a.cmp(&b)));
    // The plan's flows with the lost ones gone, and the backups' extra flows.
    let mut y: Vec<f64> = x.clone();
    for &i in &lost {
        y[i] = 0.0;
    }
    let left = |y: &[f64]| {
        let mut s = p.stream_caps.clone();
        let mut n = p.need_caps.clone();
        let mut sh = p.share_caps.clone();
        for (c, &v) in p.columns.iter().zip(y) {
            s[c.stream_row] -= v;
            n[c.need_row] -= v * c.need_units_per_source_unit;
            if let Some(r) = c.share_row {
                sh[r] -= v * c.need_units_per_source_unit;
            }
        }
        (s, n, sh)
    };
    let mut residual = (0.0, 0.0);
    let mut gross = (0.0, 0.0);
    for &e in &lost {
        let ce = &p.columns[e];
        gross.0 += value(e);
        gross.1 += tonnes(e);
        let supplier_side = ce.to_facility != f;
        let k_e = ce.need_units_per_source_unit;
        let total = if supplier_side { x[e] * k_e } else { x[e] };
        let mut wanted = total;
        let mut backups: Vec<usize> = (0..p.columns.len())
            .filter(|&b| {
                let cb = &p.columns[b];
                b != e
                    && !lost.contains(&b)
                    && cb.hub_row.is_none()
                    && cb.from_facility != f
                    && cb.to_facility != f
                    && if supplier_side {
                        cb.need_row == ce.need_row && cb.from_facility != ce.from_facility
                    } else {
                        cb.stream_row == ce.stream_row && cb.to_facility != ce.to_facility
                    }
            })
            .collect();
        let score = |b: usize| {
            let cb = &p.columns[b];
            if supplier_side && cb.need_units_per_source_unit > 0.0 {
                cb.value_per_source_unit / cb.need_units_per_source_unit
            } else {
                cb.value_per_source_unit
            }
        };
        backups.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
        let mut replaced = 0.0;
        for b in backups {
            if wanted <= FLOW_EPS {
                break;
            }
            let cb = &p.columns[b];
            let (s, n, sh) = left(&y);
            let k = cb.need_units_per_source_unit;
            let share = cb.share_row.map(|r| sh[r]);
            let room = if supplier_side {
                greedy_room(
                    cb.max_source_units_per_yr - y[b],
                    k,
                    s[cb.stream_row],
                    n[cb.need_row].min(wanted),
                    share,
                )
            } else {
                greedy_room(
                    cb.max_source_units_per_yr - y[b],
                    k,
                    s[cb.stream_row].min(wanted),
                    n[cb.need_row],
                    share,
                )
            };
            let running = y[b] > FLOW_EPS;
            let (min, fixed) = if running {
                (0.0, 0.0)
            } else {
                (cb.min_source_units_per_yr, cb.fixed_cost_per_yr)
            };
            if !greedy_takes(room, min, cb.value_per_source_unit, fixed, false) {
                continue;
            }
            y[b] += room;
            let took = if supplier_side { room * k } else { room };
            wanted -= took;
            replaced += took;
        }
        let r = if total > 0.0 {
            (replaced / total).clamp(0.0, 1.0)
        } else {
            0.0
        };
        residual.0 += value(e) * (1.0 - r);
        residual.1 += tonnes(e) * (1.0 - r);
    }
    let share = |a: f64, w: f64| if w > 0.0 { a / w } else { 0.0 };
    let extra = y
        .iter()
        .zip(x)
        .enumerate()
        .map(|(i, (y, x))| if lost.contains(&i) { 0.0 } else { y - x })
        .collect();
    (
        (
            (share(gross.0, w_value), share(residual.0, w_value)),
            (share(gross.1, w_t), share(residual.1, w_t)),
        ),
        extra,
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_ranking_and_the_stops_match_naive_recomputations() {
    let mut regions = 0;
    let mut facilities = 0;
    let mut replaced_some = 0;
    let mut reworked = 0;
    for seed in 0..60u64 {
        let mut region = random_region(seed, 5..13);
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x7f4a_7c15);
        let mut options = PlanOptions {
            mip_rel_gap: Some(1e-9),
            ..PlanOptions::default()
        };
        if rng.random_bool(0.2) {
            options.exchange_cost_per_yr = rng.random_range(1_000.0..50_000.0);
        }
        // Several facilities of the same kinds, so that streams and needs have backups.
        let n = region.facilities.len();
        for i in 0..n / 2 {
            let mut twin = region.facilities[i].clone();
            twin.id = format!("{}-twin", twin.id);
            twin.location.lat_deg += rng.random_range(-0.2..0.2);
            twin.location.lon_deg += rng.random_range(-0.2..0.2);
            for o in &mut twin.outputs {
                o.id = format!("{}-twin", o.id);
                o.quantity_per_yr *= rng.random_range(0.3..1.5);
            }
            for nd in &mut twin.needs {
                nd.id = format!("{}-twin", nd.id);
                nd.quantity_per_yr *= rng.random_range(0.3..1.5);
            }
            region.facilities.push(twin);
        }
        let engine = Engine::new(&region).expect("engine");
        let outcome = plan_region(&engine, &region, &[], &options, &mut |_| {}).expect("plan");
        if outcome.report.exchanges.is_empty() {
            continue;
        }
        regions += 1;
        let k = criticality(&engine, &outcome, &mut |_| {});
        // Every facility of the plan is ranked, once, in order.
        let mut in_plan = BTreeSet::new();
        for e in &outcome.report.exchanges {
            in_plan.insert(e.from_facility);
            in_plan.insert(e.to_facility);
        }
        let ranked: BTreeSet<usize> = k.actors.iter().map(|a| a.facility).collect();
        assert_eq!(ranked, in_plan, "seed {seed}");
        for pair in k.actors.windows(2) {
            assert!(
                pair[0].loss.residual_value_share >= pair[1].loss.residual_value_share,
                "seed {seed}: ranking out of order"
            );
        }
        for a in &k.actors {
            let (((g_v, r_v), (g_t, r_t)), naive_extra) = naive_t3(&outcome, a.facility);
            assert!(
                close(a.loss.gross_value_share, g_v)
                    && close(a.loss.residual_value_share, r_v)
                    && close(a.loss.gross_tonnes_share, g_t)
                    && close(a.loss.residual_tonnes_share, r_t),
                "seed {seed} facility {}: engine L {} RL {} / {} {}, naive {g_v} {r_v} / {g_t} {r_t}",
                region.facilities[a.facility].id,
                a.loss.gross_value_share,
                a.loss.residual_value_share,
                a.loss.gross_tonnes_share,
                a.loss.residual_tonnes_share,
            );
            if r_v < g_v - 1e-9 {
                replaced_some += 1;
            }
            // Stopped for good.
            let stop = Stop::by_ids(&region, &[region.facilities[a.facility].id.clone()], None)
                .expect("a facility of the region");
            let w = what_if(
                &engine,
                &region,
                &outcome,
                &stop,
                &options,
                Simulation::default(),
                &mut |_| {},
            )
            .expect("what if");
            let replan = w.replan.as_ref().expect("for good");
            // The takeover applied to the plan is a plan of the program without the facility.
            let mut y = outcome.solution.x.clone();
            for (i, c) in outcome.problem.columns.iter().enumerate() {
                if c.from_facility as usize == a.facility || c.to_facility as usize == a.facility {
                    y[i] = 0.0;
                }
            }
            let mut extra = vec![0.0; y.len()];
            for t in &w.takeovers {
                y[t.backup_column] += t.source_units_per_yr;
                extra[t.backup_column] += t.source_units_per_yr;
            }
            // The same backups take over, each as much, as the brute force's.
            for (i, (a, b)) in extra.iter().zip(&naive_extra).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
                    "seed {seed} column {i}: takes {a} more, the brute force {b}"
                );
            }
            let broken = violations(&replan.problem, &y);
            assert!(broken.is_empty(), "seed {seed}: takeover breaks {broken:?}");
            let takeover_value = replan.problem.objective(&y);
            assert!(
                replan.solution.objective >= takeover_value - 1e-6 * takeover_value.abs().max(1.0),
                "seed {seed}: solved again {} below the takeover {takeover_value}",
                replan.solution.objective
            );
            // The region without the facility, from scratch.
            let mut smaller = region.clone();
            smaller.facilities.remove(a.facility);
            let engine2 = Engine::new(&smaller).expect("engine");
            let hits: Vec<PairHit> = engine2.search(&smaller, &SearchOptions::default());
            let cands = engine2.quantify_all(&smaller, &hits);
            let problem = Problem::build(&engine2, &smaller, &cands, &options).expect("problem");
            let fresh = solve(&problem, &options).expect("HiGHS");
            assert!(
                (fresh.objective - replan.solution.objective).abs()
                    <= 1e-6 * fresh.objective.abs().max(1.0) + 1e-3,
                "seed {seed} without {}: from scratch {}, solved again {}",
                region.facilities[a.facility].id,
                fresh.objective,
                replan.solution.objective
            );
            assert!(close(
                w.value_lost,
                outcome.solution.objective - replan.solution.objective
            ));
            if !replan.increased.is_empty() {
                reworked += 1;
            }
            facilities += 1;
        }
    }
    eprintln!(
        "{regions} regions, {facilities} facilities stopped, backups replaced some in {replaced_some}, the plan reworked in {reworked}"
    );
    assert!(regions >= 30, "{regions} regions with a plan");
    assert!(facilities >= 150, "{facilities} facilities");
    assert!(
        replaced_some >= 20,
        "backups replaced some in {replaced_some}"
    );
    assert!(reworked >= 20, "reworked in {reworked}");
}
