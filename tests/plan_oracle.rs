//! The region's plan against a brute force on small random regions (fixed seeds): the same
//! regions as the search's oracle (outlets, supplies, rules on both bases, preprocessing,
//! modes, pipelines with their fixed cost, perishables, lots, months, a carbon price), with a
//! random cost per exchange, a locked exchange, an excluded pair and a required facility.
//!
//! The brute force knows nothing of HiGHS: it tries every on/off choice of the all-or-nothing
//! columns and, for each, every vertex of the remaining linear program (each choice of as many
//! tight constraints as there are flows, solved by Gaussian elimination). Every plan passes
//! the independent checker, equals the brute force's optimum and is never worse than the
//! greedy pass.

#[path = "common/regions.rs"]
mod regions;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use regions::random_region;
use symbiomap::matching::{Engine, PairHit, SearchOptions};
use symbiomap::plan::{greedy, solve, violations, Lock, PlanOptions, Problem, Status};

/// `a x <= b` rows over the flows that are on.
struct Lp {
    rows: Vec<(Vec<f64>, f64)>,
    cost: Vec<f64>,
}

/// Solves `rows` for the tight set `tight` (n rows, n unknowns); `None` if singular.
fn vertex(lp: &Lp, tight: &[usize], n: usize) -> Option<Vec<f64>> {
    let mut m: Vec<Vec<f64>> = tight
        .iter()
        .map(|&r| {
            let mut row = lp.rows[r].0.clone();
            row.push(lp.rows[r].1);
            row
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                if f != 0.0 {
                    for (a, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                        *a -= f * p;
                    }
                }
            }
        }
    }
    Some((0..n).map(|i| m[i][n] / m[i][i]).collect())
}

/// The best vertex of a bounded LP (maximise), or `None` when it has no feasible point.
fn best_vertex(lp: &Lp) -> Option<(f64, Vec<f64>)> {
    let n = lp.cost.len();
    if n == 0 {
        let feasible = lp.rows.iter().all(|(_, b)| *b >= -1e-7);
        return feasible.then(|| (0.0, Vec::new()));
    }
    let m = lp.rows.len();
    let mut best: Option<(f64, Vec<f64>)> = None;
    let mut pick: Vec<usize> = (0..n).collect();
    loop {
        if let Some(x) = vertex(lp, &pick, n) {
            let ok = lp.rows.iter().all(|(a, b)| {
                let lhs: f64 = a.iter().zip(&x).map(|(a, x)| a * x).sum();
                lhs <= b + 1e-7 * b.abs().max(1.0)
            });
            if ok {
                let v: f64 = lp.cost.iter().zip(&x).map(|(c, x)| c * x).sum();
                if best.as_ref().is_none_or(|(b, _)| v > *b) {
                    best = Some((v, x));
                }
            }
        }
        // Next combination of n rows out of m.
        let mut i = n;
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            if pick[i] < m - n + i {
                pick[i] += 1;
                for j in i + 1..n {
                    pick[j] = pick[j - 1] + 1;
                }
                break;
            }
        }
    }
}

/// The optimum by enumeration: every on/off choice of the binary columns, hubs and pools, then
/// every vertex of what is left.
fn brute_force(problem: &Problem) -> Option<f64> {
    #[derive(Clone, Copy)]
    enum Switch {
        Column(usize),
        Hub(usize),
        Pool(usize),
    }
    let mut switches: Vec<Switch> = (0..problem.columns.len())
        .filter(|&i| problem.columns[i].binary)
        .map(Switch::Column)
        .collect();
    switches.extend((0..problem.hubs.len()).map(Switch::Hub));
    switches.extend(
        (0..problem.pools.len())
            .filter(|&p| problem.pools[p].binary())
            .map(Switch::Pool),
    );
    assert!(switches.len() <= 16, "{} switches", switches.len());
    let mut best: Option<f64> = None;
    for mask in 0u32..(1 << switches.len()) {
        let is_on = |sw: &dyn Fn(&Switch) -> bool| {
            switches
                .iter()
                .enumerate()
                .any(|(k, s)| sw(s) && mask & (1 << k) != 0)
        };
        let hub_on = |h: usize| is_on(&|s| matches!(s, Switch::Hub(x) if *x == h));
        let pool_binary_on = |p: usize| is_on(&|s| matches!(s, Switch::Pool(x) if *x == p));
        let pool_on = |p: usize| !problem.pools[p].binary() || pool_binary_on(p);
        let on: Vec<usize> = (0..problem.columns.len())
            .filter(|&i| {
                let c = &problem.columns[i];
                (!c.binary || is_on(&|s| matches!(s, Switch::Column(x) if *x == i)))
                    && c.hub_row.is_none_or(hub_on)
                    && c.pool_row.is_none_or(pool_on)
            })
            .collect();
        // A required facility needs one of its columns on (binary, so at least its lot > 0).
        if problem
            .requires
            .iter()
            .any(|(_, cols)| !cols.iter().any(|c| on.contains(c)))
        {
            continue;
        }
        let n = on.len();
        let mut rows: Vec<(Vec<f64>, f64)> = Vec::new();
        let unit = |k: usize, v: f64| {
            let mut a = vec![0.0; n];
            a[k] = v;
            a
        };
        for (k, &i) in on.iter().enumerate() {
            let c = &problem.columns[i];
            rows.push((unit(k, 1.0), c.max_source_units_per_yr));
            let low = if c.binary {
                c.min_source_units_per_yr
            } else {
                0.0
            };
            rows.push((unit(k, -1.0), -low));
        }
        let mut add = |select: &dyn Fn(usize) -> Option<f64>, cap: f64| {
            let a: Vec<f64> = on.iter().map(|&i| select(i).unwrap_or(0.0)).collect();
            if a.iter().any(|&v| v != 0.0) || cap < 0.0 {
                rows.push((a, cap));
            }
        };
        for (r, &cap) in problem.stream_caps.iter().enumerate() {
            add(
                &|i| (problem.columns[i].stream_row == r).then_some(1.0),
                cap,
            );
        }
        for (r, &cap) in problem.need_caps.iter().enumerate() {
            add(
                &|i| {
                    let c = &problem.columns[i];
                    (c.need_row == r).then_some(c.need_units_per_source_unit)
                },
                cap,
            );
        }
        for (r, &cap) in problem.share_caps.iter().enumerate() {
            add(
                &|i| {
                    let c = &problem.columns[i];
                    (c.share_row == Some(r)).then_some(c.need_units_per_source_unit)
                },
                cap,
            );
        }
        for (cols, at_least) in &problem.locks {
            add(&|i| cols.contains(&i).then_some(-1.0), -at_least);
        }
        let mut fixed = 0.0;
        for (h, row) in problem.hubs.iter().enumerate() {
            if hub_on(h) {
                fixed += row.fixed_cost_per_yr;
                add(
                    &|i| {
                        let c = &problem.columns[i];
                        (c.hub_row == Some(h)).then_some(c.tonnes_per_source_unit)
                    },
                    row.capacity_t_per_yr,
                );
            }
        }
        for (p, row) in problem.pools.iter().enumerate() {
            if row.binary() && pool_binary_on(p) {
                fixed += row.fixed_cost_per_yr;
                add(
                    &|i| {
                        let c = &problem.columns[i];
                        (c.pool_row == Some(p)).then_some(-c.need_units_per_source_unit)
                    },
                    -row.lot_need_units,
                );
            }
        }
        let lp = Lp {
            cost: on
                .iter()
                .map(|&i| problem.columns[i].value_per_source_unit)
                .collect(),
            rows,
        };
        if let Some((v, _)) = best_vertex(&lp) {
            fixed += on
                .iter()
                .filter(|&&i| problem.columns[i].binary)
                .map(|&i| problem.columns[i].fixed_cost_per_yr)
                .sum::<f64>();
            let v = v - fixed;
            if best.is_none_or(|b| v > b) {
                best = Some(v);
            }
        }
    }
    best
}

#[test]
fn the_plan_equals_the_brute_force_and_beats_greedy() {
    let mut compared = 0;
    let mut with_binaries = 0;
    let mut with_shares = 0;
    let mut with_constraints = 0;
    let mut beat_greedy = 0;
    for seed in 0..1000u64 {
        let region = random_region(seed, 3..9);
        let engine = Engine::new(&region).expect("engine");
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let candidates = engine.quantify_all(&region, &hits);
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x9e37_79b9);
        let mut options = PlanOptions::default();
        if rng.random_bool(0.3) {
            options.exchange_cost_per_yr = rng.random_range(1_000.0..200_000.0);
        }
        let viable: Vec<_> = candidates.iter().filter(|c| c.hit.viable).collect();
        if !viable.is_empty() && rng.random_bool(0.25) {
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
        if !viable.is_empty() && rng.random_bool(0.25) {
            let c = viable[rng.random_range(0..viable.len())];
            options.exclude.push((
                region.facilities[c.from_facility as usize].id.clone(),
                region.facilities[c.to_facility as usize].id.clone(),
            ));
        }
        if !viable.is_empty() && rng.random_bool(0.25) {
            let c = viable[rng.random_range(0..viable.len())];
            options
                .require
                .push(region.facilities[c.to_facility as usize].id.clone());
        }
        let problem = match Problem::build(&engine, &region, &candidates, &options) {
            Ok(p) => p,
            // A lock on a pair the exclusion removed: refused with a reason, as it should be.
            Err(e) => {
                assert!(!options.locks.is_empty(), "seed {seed}: {e}");
                continue;
            }
        };
        if problem.columns.len() > 6 || problem.columns.is_empty() {
            continue;
        }
        let solution = solve(&problem, &PlanOptions::default()).expect("HiGHS");
        let expected = brute_force(&problem);
        match expected {
            None => assert_eq!(solution.status, Status::Infeasible, "seed {seed}"),
            Some(best) => {
                assert_eq!(solution.status, Status::Optimal, "seed {seed}");
                let broken = violations(&problem, &solution.x);
                assert!(broken.is_empty(), "seed {seed}: {broken:?}");
                assert!(
                    (solution.objective - best).abs() <= 1e-6 * best.abs().max(1.0) + 1e-3,
                    "seed {seed}: HiGHS {} against brute force {best}",
                    solution.objective
                );
                let g = greedy(&problem);
                if violations(&problem, &g.x).is_empty() {
                    assert!(
                        solution.objective >= g.objective - 1e-6 * g.objective.abs().max(1.0),
                        "seed {seed}: plan {} below greedy {}",
                        solution.objective,
                        g.objective
                    );
                    if solution.objective > g.objective * (1.0 + 1e-9) + 1e-6 {
                        beat_greedy += 1;
                    }
                }
            }
        }
        compared += 1;
        with_binaries += usize::from(problem.columns.iter().any(|c| c.binary));
        with_shares += usize::from(!problem.share_caps.is_empty());
        with_constraints += usize::from(
            !problem.locks.is_empty()
                || !problem.requires.is_empty()
                || !options.exclude.is_empty(),
        );
    }
    // The regions exercise what they are meant to.
    eprintln!("{compared} compared, {with_binaries} with binaries, {with_shares} with shares, {with_constraints} with constraints, {beat_greedy} beat greedy");
    assert!(compared >= 300, "{compared} problems compared");
    assert!(
        with_binaries >= 20,
        "{with_binaries} with all-or-nothing columns"
    );
    assert!(with_shares >= 50, "{with_shares} with share limits");
    assert!(
        with_constraints >= 20,
        "{with_constraints} with user constraints"
    );
    assert!(beat_greedy >= 8, "the plan beat greedy in {beat_greedy}");
}

/// Greedy skips what the user locked only if it cannot carry it; every greedy plan of the
/// random regions (locks taken first) is feasible.
#[test]
fn greedy_plans_pass_the_checker() {
    for seed in 0..100u64 {
        let region = random_region(seed, 8..30);
        let engine = Engine::new(&region).expect("engine");
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let candidates = engine.quantify_all(&region, &hits);
        let problem = Problem::build(&engine, &region, &candidates, &PlanOptions::default())
            .expect("no constraints");
        let g = greedy(&problem);
        let broken = violations(&problem, &g.x);
        assert!(broken.is_empty(), "seed {seed}: {broken:?}");
    }
}

/// Regions with one or two candidate hubs near their middle (built-in types, or a small one of
/// the test's own whose capacity binds): the plan with hubs equals the brute force, opens a
/// hub only where it pays, and is never worse than the plan without hubs.
#[test]
fn the_plan_with_hubs_equals_the_brute_force() {
    use symbiomap::hubs::{resolve, HubSite, HubType, HubsFile};
    use symbiomap::model::{Extra, LatLon};
    let mut compared = 0;
    let mut opened = 0;
    let mut declined = 0;
    for seed in 0..3000u64 {
        let mut region = random_region(seed, 3..8);
        let mut rng = SmallRng::seed_from_u64(seed ^ 0x5bd1_e995);
        // Lots that small senders cannot fill alone: what hubs are for.
        for f in &mut region.facilities {
            for need in &mut f.needs {
                if rng.random_bool(0.8) {
                    need.spec.min_lot = Some(rng.random_range(300.0..40_000.0));
                }
            }
        }
        let n = region.facilities.len() as f64;
        let (lat, lon) = region.facilities.iter().fold((0.0, 0.0), |(a, b), f| {
            (a + f.location.lat_deg / n, b + f.location.lon_deg / n)
        });
        let small = HubType {
            key: "test_small".into(),
            name: "Small test yard".into(),
            accepts: Vec::new(),
            capacity_t_per_yr: rng.random_range(500.0..20_000.0),
            fixed_cost_per_yr: rng.random_range(0.0..20_000.0),
            variable_cost_per_t: rng.random_range(0.0..10.0),
            catchment_km: 1_000.0,
            onward_mode: None,
            // Sometimes a step of its own (a dryer, a baler): what is sent on changes.
            preprocess: match rng.random_range(0..4) {
                0 => Some(symbiomap::model::PreprocessStep::new("thermal_drying")),
                1 => Some(symbiomap::model::PreprocessStep::new("baling")),
                _ => None,
            },
            rail_siding: rng.random_bool(0.5),
            quay: false,
            description: String::new(),
            sources: std::collections::BTreeMap::default(),
            extra: Extra::new(),
        };
        let kinds = ["transfer_station", "rail_transload", "test_small"];
        let sites = (0..rng.random_range(1..3))
            .map(|k| HubSite {
                id: format!("H{k}"),
                name: format!("H{k}"),
                location: LatLon::new(
                    lat + rng.random_range(-0.1..0.1),
                    lon + rng.random_range(-0.1..0.1),
                ),
                hub_type: if rng.random_bool(0.8) {
                    kinds[2]
                } else {
                    kinds[rng.random_range(0..2)]
                }
                .into(),
                rail_siding: None,
                quay: None,
                extra: Extra::new(),
            })
            .collect();
        let file = HubsFile {
            hub_types: vec![small],
            sites,
            extra: Extra::new(),
        };
        let hubs = resolve(&region, &file).expect("hubs");
        let engine = Engine::new(&region).expect("engine");
        let hits: Vec<PairHit> = engine.search(&region, &SearchOptions::default());
        let mut candidates = engine.quantify_all(&region, &hits);
        let direct = candidates.len();
        candidates.extend(engine.hub_candidates(&region, &hubs));
        let options = PlanOptions::default();
        let problem = symbiomap::plan::Problem::build_with_hubs(
            &engine,
            &region,
            &candidates,
            &hubs,
            &options,
        )
        .expect("problem");
        let switches = problem.columns.iter().filter(|c| c.binary).count()
            + problem.hubs.len()
            + problem.pools.iter().filter(|p| p.binary()).count();
        if problem.hubs.is_empty() || problem.columns.len() > 6 || switches > 10 {
            continue;
        }
        let solution = solve(&problem, &options).expect("HiGHS");
        let best = brute_force(&problem).expect("doing nothing is always feasible");
        assert_eq!(solution.status, Status::Optimal, "seed {seed}");
        let broken = violations(&problem, &solution.x);
        assert!(broken.is_empty(), "seed {seed}: {broken:?}");
        assert!(
            (solution.objective - best).abs() <= 1e-6 * best.abs().max(1.0) + 1e-3,
            "seed {seed}: HiGHS {} against brute force {best}",
            solution.objective
        );
        // Without the hubs: never better.
        let plain =
            Problem::build(&engine, &region, &candidates[..direct], &options).expect("problem");
        let without = solve(&plain, &options).expect("HiGHS");
        assert!(
            solution.objective >= without.objective - 1e-6 * without.objective.abs().max(1.0),
            "seed {seed}: {} with hubs, {} without",
            solution.objective,
            without.objective
        );
        let used = problem
            .columns
            .iter()
            .zip(&solution.x)
            .any(|(c, &x)| c.hub_row.is_some() && x > 0.0);
        if used {
            opened += 1;
        } else {
            declined += 1;
        }
        compared += 1;
    }
    eprintln!("{compared} compared, a hub opened in {opened}, declined in {declined}");
    assert!(compared >= 50, "{compared} compared");
    assert!(opened >= 8, "a hub opened in {opened}");
    assert!(declined >= 10, "no hub opened in {declined}");
}
