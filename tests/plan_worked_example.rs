//! The worked example of `docs/PLAN.md`: greedy against the optimum, without and with a cost
//! per exchange.

use symbiomap::plan::{greedy, solve, violations, Column, PlanOptions, Problem, Status};

fn column(
    stream_row: usize,
    need_row: usize,
    share_row: Option<usize>,
    v: f64,
    max: f64,
) -> Column {
    Column {
        candidate: 0,
        stream_row,
        need_row,
        share_row,
        value_per_source_unit: v,
        fixed_cost_per_yr: 0.0,
        min_source_units_per_yr: 0.0,
        max_source_units_per_yr: max,
        need_units_per_source_unit: 1.0,
        binary: false,
        from_facility: stream_row as u32,
        to_facility: 10 + need_row as u32,
        hub_row: None,
        pool_row: None,
        tonnes_per_source_unit: 1.0,
    }
}

/// S1 -> N1 (12), S1 -> N2 (10), S2 -> N1 (9); N1 at most 25 % of 40 000 t from ash.
fn example() -> Problem {
    Problem {
        columns: vec![
            column(0, 0, Some(0), 12.0, 10_000.0),
            column(0, 1, None, 10.0, 8_000.0),
            column(1, 0, Some(0), 9.0, 6_000.0),
        ],
        stream_caps: vec![10_000.0, 6_000.0],
        need_caps: vec![40_000.0, 8_000.0],
        share_caps: vec![10_000.0],
        ..Problem::default()
    }
}

#[test]
fn greedy_gets_120_000_and_the_optimum_162_000() {
    let p = example();
    let g = greedy(&p);
    assert_eq!(g.x, vec![10_000.0, 0.0, 0.0]);
    assert_eq!(g.objective, 120_000.0);
    let s = solve(&p, &PlanOptions::default()).unwrap();
    assert_eq!(s.status, Status::Optimal);
    assert!(violations(&p, &s.x).is_empty());
    for (x, want) in s.x.iter().zip([4_000.0, 6_000.0, 6_000.0]) {
        assert!((x - want).abs() < 1e-6, "{:?}", s.x);
    }
    assert!((s.objective - 162_000.0).abs() < 1e-6);
}

#[test]
fn with_a_cost_per_exchange_all_three_still_pay() {
    let mut p = example();
    for c in &mut p.columns {
        c.fixed_cost_per_yr = 20_000.0;
        c.binary = true;
    }
    let g = greedy(&p);
    assert!(violations(&p, &g.x).is_empty());
    assert_eq!(g.objective, 100_000.0);
    let s = solve(&p, &PlanOptions::default()).unwrap();
    assert_eq!(s.status, Status::Optimal);
    assert!(violations(&p, &s.x).is_empty());
    assert!((s.objective - 102_000.0).abs() < 1e-6, "{}", s.objective);
    assert!(s.x.iter().all(|&x| x > 0.0), "{:?}", s.x);
}

/// `docs/PLAN.md`, each company's gain: a surplus of 9 000 EUR/yr through a hub, the sender
/// gaining 1 500 before any payment; and the same without a hub.
#[test]
fn a_pooled_exchange_shares_its_surplus_in_three() {
    use symbiomap::plan::split_surplus;
    let s = split_surplus(9_000.0, 1_500.0, true);
    assert_eq!(s.payment_per_yr, 1_500.0);
    assert_eq!(
        (s.sender_per_yr, s.receiver_per_yr, s.operator_per_yr),
        (3_000.0, 3_000.0, 3_000.0)
    );
    let s = split_surplus(9_000.0, 1_500.0, false);
    assert_eq!(s.payment_per_yr, 3_000.0);
    assert_eq!(
        (s.sender_per_yr, s.receiver_per_yr, s.operator_per_yr),
        (4_500.0, 4_500.0, 0.0)
    );
}
