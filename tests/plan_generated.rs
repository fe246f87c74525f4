//! The plan of a region too large to hold every candidate (columns generated a pass at a
//! time, `docs/PLAN.md`) against the plan over every candidate, on the oracle's random regions
//! (fixed seeds) with random user constraints and sometimes hubs: the same greedy pass, the
//! same linear relaxation (so its value is a true bound), a mixed-integer plan between the
//! greedy pass and the optimum, and the checker satisfied.

#[path = "common/regions.rs"]
mod regions;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use regions::random_region;
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::model::Region;
use symbiomap::plan::{
    plan_region_with, solve, violations, Lock, PlanLimits, PlanOptions, Problem, Status,
};

/// The shadow prices the solver returns are the relaxation's: a column strictly between its
/// bounds prices to zero, one at zero to at most zero, one at its bound to at least zero.
#[test]
fn row_prices_are_the_relaxations_shadow_prices() {
    let mut interior = 0;
    for seed in 0..60u64 {
        let region = random_region(seed, 10..40);
        let engine = Engine::new(&region).expect("engine");
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let candidates = engine.quantify_all(&region, &hits);
        let problem = Problem::build(&engine, &region, &candidates, &PlanOptions::default())
            .expect("problem");
        let relax = PlanOptions {
            relax: true,
            ..PlanOptions::default()
        };
        let solution = solve(&problem, &relax).expect("HiGHS");
        if problem.columns.is_empty() {
            continue;
        }
        let prices = solution.row_prices.as_ref().expect("prices of an LP");
        for (i, c) in problem.columns.iter().enumerate() {
            if c.binary {
                continue;
            }
            let k = c.need_units_per_source_unit;
            let rc = c.value_per_source_unit
                - prices.streams[c.stream_row]
                - k * prices.needs[c.need_row]
                - c.share_row.map_or(0.0, |r| k * prices.shares[r]);
            let tol = 1e-6 * c.value_per_source_unit.abs().max(1.0);
            let x = solution.x[i];
            if x > 1e-3 && x < c.max_source_units_per_yr - 1e-3 {
                interior += 1;
                assert!(
                    rc.abs() <= tol,
                    "seed {seed} column {i}: in between, rc {rc}"
                );
            } else if x <= 1e-9 {
                assert!(rc <= tol, "seed {seed} column {i}: at zero, rc {rc}");
            } else {
                assert!(rc >= -tol, "seed {seed} column {i}: at its bound, rc {rc}");
            }
        }
    }
    assert!(interior >= 20, "only {interior} columns strictly inside");
}

fn random_options(region: &Region, engine: &Engine, rng: &mut SmallRng) -> PlanOptions {
    let hits: Vec<PairHit> = engine.search(region, &SearchOptions::default());
    let candidates = engine.quantify_all(region, &hits);
    let viable: Vec<_> = candidates.iter().filter(|c| c.hit.viable).collect();
    let mut options = PlanOptions::default();
    if rng.random_bool(0.3) {
        options.exchange_cost_per_yr = rng.random_range(1_000.0..200_000.0);
    }
    if viable.is_empty() {
        return options;
    }
    if rng.random_bool(0.2) {
        let c = viable[rng.random_range(0..viable.len())];
        let s = &engine.supplies[c.hit.supply as usize];
        let d = &engine.demands[c.hit.demand as usize];
        options.locks.push(Lock {
            stream_id: region.facilities[s.facility as usize].outputs[s.stream as usize]
                .id
                .clone(),
            need_id: region.facilities[d.facility as usize].needs[d.need as usize]
                .id
                .clone(),
            source_units_per_yr: rng
                .random_bool(0.5)
                .then_some(c.max_source_units_per_yr * 0.3),
        });
    }
    if rng.random_bool(0.2) {
        let c = viable[rng.random_range(0..viable.len())];
        options.exclude.push((
            region.facilities[c.from_facility as usize].id.clone(),
            region.facilities[c.to_facility as usize].id.clone(),
        ));
    }
    if rng.random_bool(0.2) {
        let c = viable[rng.random_range(0..viable.len())];
        options
            .require
            .push(region.facilities[c.from_facility as usize].id.clone());
    }
    options
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn generated_plans_equal_the_plan_over_every_candidate() {
    let mut compared = 0;
    let mut generated_more = 0;
    let mut with_hubs = 0;
    let mut with_binaries = 0;
    let mut restricted = 0;
    let mut with_constraints = 0;
    for seed in 0..150u64 {
        let mut region = random_region(seed, 8..30);
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x2545_f491);
        for f in &mut region.facilities {
            for need in &mut f.needs {
                if rng.random_bool(0.2) {
                    need.spec.min_lot = Some(rng.random_range(300.0..20_000.0));
                }
            }
        }
        let engine = Engine::new(&region).expect("engine");
        let mut options = random_options(&region, &engine, &mut rng);
        options.time_limit_s = Some(60.0);
        options.mip_rel_gap = Some(1e-9);
        let hubs = if rng.random_bool(0.3) {
            let file = symbiomap::hubs::HubsFile {
                sites: symbiomap::hubs::propose(&region, 2, "transfer_station", 50_000.0),
                ..Default::default()
            };
            symbiomap::hubs::resolve(&region, &file).expect("hubs")
        } else {
            Vec::new()
        };
        let whole = plan_region_with(
            &engine,
            &region,
            &hubs,
            &options,
            PlanLimits {
                hold: usize::MAX,
                ..PlanLimits::default()
            },
            &mut |_| {},
        );
        let generated = plan_region_with(
            &engine,
            &region,
            &hubs,
            &options,
            PlanLimits {
                hold: 0,
                keep: 1,
                add: 1,
                max_rounds: usize::MAX,
                // Often none: the mixed-integer solve over only the columns in use.
                mip_per_row: (seed % 3) as usize,
            },
            &mut |_| {},
        );
        let (whole, generated) = match (whole, generated) {
            (Ok(w), Ok(g)) => (w, g),
            (Err(w), Err(g)) => {
                assert_eq!(w.to_string(), g.to_string(), "seed {seed}");
                continue;
            }
            (w, g) => panic!("seed {seed}: {:?} against {:?}", w.err(), g.err()),
        };
        assert!(!whole.gathering.generated);
        if whole.gathering.found == 0 {
            continue;
        }
        assert!(generated.gathering.generated, "seed {seed}");
        assert_eq!(whole.gathering.found, generated.gathering.found);
        // The greedy pass: the same over the columns held as over every one.
        assert!(
            near(generated.greedy.objective, whole.greedy.objective),
            "seed {seed}: greedy {} against {}",
            generated.greedy.objective,
            whole.greedy.objective
        );
        if whole.solution.status == Status::Infeasible {
            assert_eq!(generated.solution.status, Status::Infeasible, "seed {seed}");
            continue;
        }
        // The relaxation over every candidate.
        let relax = PlanOptions {
            relax: true,
            ..options.clone()
        };
        let lp = solve(&whole.problem, &relax).expect("HiGHS");
        let bound = generated
            .gathering
            .relaxation_bound_per_yr
            .unwrap_or_else(|| {
                panic!(
                    "seed {seed}: no bound, status {}, converged {}",
                    generated.solution.status, generated.gathering.converged
                )
            });
        assert!(
            near(bound, lp.objective),
            "seed {seed}: relaxation {bound} against {}",
            lp.objective
        );
        assert!(near(
            generated.solution.bound,
            bound.max(generated.solution.objective)
        ));
        // The plan: feasible, no better than the optimum, no worse than greedy.
        let broken = violations(&generated.problem, &generated.solution.x);
        assert!(broken.is_empty(), "seed {seed}: {broken:?}");
        let optimum = whole.solution.objective;
        let tol = 1e-6 * optimum.abs().max(1.0);
        assert!(
            generated.solution.objective <= optimum + tol,
            "seed {seed}: {} above the optimum {optimum}",
            generated.solution.objective
        );
        assert!(
            generated.solution.objective >= generated.greedy.objective - tol
                || !violations(&generated.problem, &generated.greedy.x).is_empty(),
            "seed {seed}: {} below greedy {}",
            generated.solution.objective,
            generated.greedy.objective
        );
        assert!(
            bound >= optimum - tol,
            "seed {seed}: bound {bound} below {optimum}"
        );
        // Objective recomputed from the columns.
        assert!(near(
            generated.problem.objective(&generated.solution.x),
            generated.solution.objective
        ));
        compared += 1;
        generated_more += usize::from(generated.gathering.passes > 2);
        with_hubs += usize::from(!generated.problem.hubs.is_empty());
        with_binaries += usize::from(generated.problem.columns.iter().any(|c| c.binary));
        restricted += usize::from(generated.gathering.mip_columns.is_some());
        with_constraints += usize::from(
            !options.locks.is_empty() || !options.require.is_empty() || !options.exclude.is_empty(),
        );
    }
    eprintln!(
        "{compared} compared, {generated_more} needed more than one round, {with_hubs} with hubs, {with_binaries} with all-or-nothing columns, {restricted} solved over fewer columns than held, {with_constraints} with constraints"
    );
    assert!(compared >= 80, "{compared} compared");
    assert!(
        generated_more >= 30,
        "{generated_more} generated more columns"
    );
    assert!(with_hubs >= 10, "{with_hubs} with hubs");
    assert!(
        with_binaries >= 30,
        "{with_binaries} with all-or-nothing columns"
    );
    assert!(restricted >= 30, "{restricted} solved over fewer columns");
    assert!(
        with_constraints >= 20,
        "{with_constraints} with constraints"
    );
}

/// `docs/PLAN.md`'s example of column generation: S (100 t) to A (60 t, 10 EUR/t) and to B
/// (100 t, 5 EUR/t); T (50 t) could serve B at 4 and A at 3.
#[test]
fn the_worked_example_of_column_generation() {
    use symbiomap::plan::Column;
    use symbiomap::streamed::reduced_cost;
    let column = |candidate, stream_row, need_row, value: f64, max: f64| Column {
        candidate,
        stream_row,
        need_row,
        share_row: None,
        value_per_source_unit: value,
        fixed_cost_per_yr: 0.0,
        min_source_units_per_yr: 0.0,
        max_source_units_per_yr: max,
        need_units_per_source_unit: 1.0,
        binary: false,
        from_facility: 0,
        to_facility: 1,
        hub_row: None,
        pool_row: None,
        tonnes_per_source_unit: 1.0,
    };
    let relax = PlanOptions {
        relax: true,
        ..PlanOptions::default()
    };
    let mut problem = Problem {
        columns: vec![column(0, 0, 0, 10.0, 100.0), column(1, 0, 1, 5.0, 100.0)],
        stream_caps: vec![100.0],
        need_caps: vec![60.0, 100.0],
        ..Problem::default()
    };
    let first = solve(&problem, &relax).expect("HiGHS");
    assert!(near(first.objective, 800.0), "{}", first.objective);
    let p = first.row_prices.expect("prices");
    assert!(near(p.streams[0], 5.0), "p_S {}", p.streams[0]);
    assert!(near(p.needs[0], 5.0), "p_A {}", p.needs[0]);
    assert!(near(p.needs[1], 0.0), "p_B {}", p.needs[1]);
    // T is not held: its row has no price.
    let t_to_b = reduced_cost(4.0, 0.0, 50.0, 1.0, [0.0, p.needs[1], 0.0]);
    let t_to_a = reduced_cost(3.0, 0.0, 50.0, 1.0, [0.0, p.needs[0], 0.0]);
    assert!(near(t_to_b, 4.0) && near(t_to_a, -2.0), "{t_to_b} {t_to_a}");
    // T to B enters.
    problem.stream_caps.push(50.0);
    problem.columns.push(column(2, 1, 1, 4.0, 50.0));
    let second = solve(&problem, &relax).expect("HiGHS");
    assert!(near(second.objective, 1000.0), "{}", second.objective);
    let p = second.row_prices.expect("prices");
    assert!(
        (-1e-9..=4.0 + 1e-9).contains(&p.streams[1]),
        "p_T {}",
        p.streams[1]
    );
    let t_to_a = reduced_cost(3.0, 0.0, 50.0, 1.0, [p.streams[1], p.needs[0], 0.0]);
    assert!(t_to_a < 0.0, "{t_to_a}");
    assert_eq!(second.x, vec![60.0, 40.0, 50.0]);
}

/// A generation stopped after its first round (as a time limit stops it on a large region):
/// the plan is feasible, no better than the optimum, and the bound of the round's prices is a
/// true bound, at least the relaxation over every candidate.
#[test]
fn a_generation_stopped_early_still_bounds_the_plan() {
    let mut stopped = 0;
    for seed in 0..80u64 {
        let region = random_region(seed, 10..30);
        let engine = Engine::new(&region).expect("engine");
        let options = PlanOptions {
            mip_rel_gap: Some(1e-9),
            ..PlanOptions::default()
        };
        let whole = plan_region_with(
            &engine,
            &region,
            &[],
            &options,
            PlanLimits {
                hold: usize::MAX,
                ..PlanLimits::default()
            },
            &mut |_| {},
        )
        .expect("plan");
        if whole.gathering.found == 0 || whole.problem.columns.is_empty() {
            continue;
        }
        let early = plan_region_with(
            &engine,
            &region,
            &[],
            &options,
            PlanLimits {
                hold: 0,
                keep: 1,
                add: 1,
                max_rounds: 1,
                ..PlanLimits::default()
            },
            &mut |_| {},
        )
        .expect("plan");
        let relax = PlanOptions {
            relax: true,
            ..options.clone()
        };
        let lp = solve(&whole.problem, &relax).expect("HiGHS").objective;
        let bound = early
            .gathering
            .relaxation_bound_per_yr
            .expect("a priced bound");
        let tol = 1e-6 * lp.abs().max(1.0);
        assert!(
            bound >= lp - tol,
            "seed {seed}: bound {bound} below the relaxation {lp}"
        );
        assert!(violations(&early.problem, &early.solution.x).is_empty());
        assert!(early.solution.objective <= whole.solution.objective + tol);
        assert!(early.solution.bound >= whole.solution.objective - tol);
        if !early.gathering.converged {
            stopped += 1;
        }
    }
    assert!(stopped >= 20, "only {stopped} generations stopped early");
}
