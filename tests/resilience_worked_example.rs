//! The worked examples of `docs/RESILIENCE.md`, each number computed by the engine: T3's four
//! firms of `docs/research/T1-trust.md` (A a coal plant with gypsum and fly ash, B a board maker,
//! C a cement works, D a second plant with 30 000 t of ash to spare) entered as a region, planned
//! by HiGHS, ranked; then A stopped for four weeks (its ash coming by barge, so the cement works
//! has a store) and for good.

use symbiomap::buffer::Simulation;
use symbiomap::matching::Engine;
use symbiomap::model::{
    Availability, CurrentSupply, Facility, LatLon, Need, Outlet, OutletKind, OutputStream, Pattern,
    Region, Unit,
};
use symbiomap::plan::{plan_region, Outcome, PlanOptions};
use symbiomap::resilience::{
    backups, criticality, loss_share, network_resilience, what_if, Side, Stop, DAYS_PER_YR,
};

fn stream(id: &str, material: &str, t: f64) -> OutputStream {
    OutputStream {
        outlet: Outlet::new(OutletKind::Landfill),
        ..OutputStream::new(id, material, t, Unit::Tonne)
    }
}

fn need(id: &str, material: &str, t: f64, price: f64) -> Need {
    Need {
        supply: CurrentSupply {
            price_per_unit: Some(price),
            ..CurrentSupply::default()
        },
        ..Need::new(id, material, t, Unit::Tonne)
    }
}

/// T1's four firms. A's ash comes by barge (2 000 t every 14.6 days: 50 000 t a year).
fn four_firms() -> Region {
    let mut region = Region {
        name: "T3 four firms".into(),
        ..Region::default()
    };
    region.settings.country = Some("BE".into());
    let mut a = Facility::new("A", "A coal plant", LatLon::new(51.0, 4.0));
    a.outputs.push(stream("A-gypsum", "fgd_gypsum", 100_000.0));
    a.outputs.push(OutputStream {
        availability: Availability {
            pattern: Pattern::Batches {
                batch_quantity: 2_000.0,
                every_days: 14.6,
            },
            ..Availability::default()
        },
        ..stream("A-ash", "fly_ash", 50_000.0)
    });
    let mut b = Facility::new("B", "B board maker", LatLon::new(51.05, 4.0));
    b.needs
        .push(need("B-gypsum", "fgd_gypsum", 100_000.0, 24.0));
    let mut c = Facility::new("C", "C cement works", LatLon::new(51.0, 4.1));
    c.needs.push(need("C-ash", "fly_ash", 100_000.0, 25.0));
    let mut d = Facility::new("D", "D second plant", LatLon::new(51.2, 4.1));
    d.outputs.push(stream("D-ash", "fly_ash", 80_000.0));
    region.facilities = vec![a, b, c, d];
    region
}

fn planned(region: &Region) -> (Engine, Outcome) {
    let engine = Engine::new(region).expect("engine");
    let outcome =
        plan_region(&engine, region, &[], &PlanOptions::default(), &mut |_| {}).expect("plan");
    (engine, outcome)
}

/// The flow of an exchange of the plan, by facility ids.
fn flow(region: &Region, outcome: &Outcome, from: &str, to: &str) -> f64 {
    outcome
        .report
        .exchanges
        .iter()
        .filter(|e| region.facilities[e.from_facility].id == from)
        .filter(|e| region.facilities[e.to_facility].id == to)
        .map(|e| e.source_units_per_yr)
        .sum()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn t3_formulas_reproduce_the_research_example() {
    // w_e in tonnes, W = 200 000; A loses A->B (not replaced) and A->C (30 000 of 50 000).
    let w = 200_000.0;
    assert!(close(
        loss_share(&[(100_000.0, 0.0), (50_000.0, 0.0)], w),
        0.75,
        1e-12
    ));
    assert!(close(
        loss_share(&[(100_000.0, 0.0), (50_000.0, 0.6)], w),
        0.60,
        1e-12
    ));
    let (r_net, r_avg) = network_resilience(&[0.60, 0.50, 0.50, 0.25]);
    assert!(close(r_net, 0.40, 1e-12) && close(r_avg, 0.5375, 1e-12));
    // No exchange, no loss; no firm, resilience 1.
    assert_eq!(loss_share(&[], 0.0), 0.0);
    assert_eq!(network_resilience(&[]), (1.0, 1.0));
}

#[test]
fn the_four_firms_planned_and_ranked_give_t3s_numbers() {
    let region = four_firms();
    let (engine, outcome) = planned(&region);
    // The plan is the research example's: A's ash is nearer the cement works than D's.
    assert!(close(flow(&region, &outcome, "A", "B"), 100_000.0, 1e-3));
    assert!(close(flow(&region, &outcome, "A", "C"), 50_000.0, 1e-3));
    assert!(close(flow(&region, &outcome, "D", "C"), 50_000.0, 1e-3));
    assert_eq!(outcome.report.exchanges.len(), 3);

    let k = criticality(&engine, &outcome, &mut |_| {});
    assert!(close(k.total_tonnes_per_yr, 200_000.0, 1e-3));
    let by_id = |id: &str| {
        k.actors
            .iter()
            .find(|a| region.facilities[a.facility].id == id)
            .unwrap_or_else(|| panic!("{id} ranked"))
    };
    for (id, gross, residual) in [
        ("A", 0.75, 0.60),
        ("B", 0.50, 0.50),
        ("C", 0.50, 0.50),
        ("D", 0.25, 0.25),
    ] {
        let a = by_id(id);
        assert!(
            close(a.loss.gross_tonnes_share, gross, 1e-9)
                && close(a.loss.residual_tonnes_share, residual, 1e-9),
            "{id}: L {} RL {}",
            a.loss.gross_tonnes_share,
            a.loss.residual_tonnes_share
        );
    }
    assert!(
        close(k.r_net_tonnes, 0.40, 1e-9),
        "R_net {}",
        k.r_net_tonnes
    );
    assert!(
        close(k.r_avg_tonnes, 0.5375, 1e-9),
        "R_avg {}",
        k.r_avg_tonnes
    );
    // A is the critical firm by value too.
    assert_eq!(region.facilities[k.actors[0].facility].id, "A");

    // Redundancy: the cement works' ash from A has D's 30 000 t behind it, D's own none (A has
    // no ash to spare): 30 000 of 100 000; the board maker's gypsum none.
    let need = |id: &str| {
        k.redundancy
            .iter()
            .find(|n| region.facilities[n.facility].needs[n.need].id == id)
            .expect("a need of the plan")
    };
    assert!(
        close(need("C-ash").share, 0.30, 1e-9),
        "{}",
        need("C-ash").share
    );
    assert!(close(need("B-gypsum").share, 0.0, 1e-12));

    // Backups of A -> C: D for the cement works (30 000 t spare), no other outlet for A's ash.
    let list = backups(&engine, &region, &outcome);
    let a_c = list
        .iter()
        .find(|b| {
            let e = &outcome.report.exchanges[b.exchange.expect("in the plan")];
            region.facilities[e.from_facility].id == "A"
                && region.facilities[e.to_facility].id == "C"
        })
        .expect("A -> C");
    assert_eq!(a_c.suppliers.len(), 1);
    assert_eq!(region.facilities[a_c.suppliers[0].facility].id, "D");
    assert!(close(a_c.suppliers[0].spare_per_yr, 30_000.0, 1e-6));
    assert!(a_c.suppliers[0].running);
    assert!(close(a_c.supplier_cover, 0.6, 1e-9));
    assert!(a_c.outlets.is_empty());
    // Falling back: the cement works buys 50 000 t as today at 25 EUR/t.
    assert!(close(a_c.virgin.per_unit, 25.0, 1e-9));
    assert!(close(a_c.virgin.cost_per_yr, 1_250_000.0, 1e-6));
    let e = &outcome.report.exchanges[a_c.exchange.expect("in the plan")];
    assert!(close(a_c.virgin.loss_per_yr, e.receiver_gain_per_yr, 1e-9));
    assert!(close(a_c.disposal.loss_per_yr, e.sender_gain_per_yr, 1e-9));
    assert_eq!(a_c.disposal.outlet, Some(OutletKind::Landfill));
}

#[test]
fn a_stopped_for_four_weeks_and_for_good() {
    let region = four_firms();
    let (engine, outcome) = planned(&region);
    let stop = Stop::by_ids(&region, &["A".into()], Some(4.0)).expect("A exists");
    let w = what_if(
        &engine,
        &region,
        &outcome,
        &stop,
        &PlanOptions::default(),
        Simulation::default(),
        &mut |_| {},
    )
    .expect("what if");
    assert_eq!(w.days, 28.0);
    let f = 28.0 / DAYS_PER_YR;
    let lost = |to: &str| {
        w.lost
            .iter()
            .find(|l| region.facilities[outcome.report.exchanges[l.exchange].to_facility].id == to)
            .expect("lost")
    };
    let gypsum = lost("B");
    let ash = lost("C");
    assert_eq!(w.lost.len(), 2);
    // 100 000 t/yr x 28/365 and 50 000 t/yr x 28/365.
    assert!(close(gypsum.tonnes, 7_671.23, 0.01), "{}", gypsum.tonnes);
    assert!(close(ash.tonnes, 3_835.62, 0.01), "{}", ash.tonnes);
    assert_eq!(ash.side, Side::Supplier);
    // The cement works' store for the barges: the cycle stock of a load, 2 000 t less a day's
    // use (137 t), up to a day's use more as 14.6 days is not whole (docs/BUFFERS.md); it holds
    // on average about half of it, which carries the works some days of the four weeks.
    let b = ash
        .buffer
        .as_ref()
        .expect("a stop of weeks")
        .as_ref()
        .expect("sized");
    let d = 50_000.0 / 365.0;
    assert!(
        b.sizing.cycle_stock_t >= 2_000.0 - d - 1e-6 && b.sizing.cycle_stock_t <= 2_000.0 + 1e-6,
        "{}",
        b.sizing.cycle_stock_t
    );
    assert!(b.covered_days > 0.0 && b.covered_days < 28.0);
    assert!(close(
        b.cover_days,
        b.sizing.average_stock_t / b.sizing.use_t_per_day,
        1e-9
    ));
    assert!(close(
        ash.covered_tonnes,
        50_000.0 * b.covered_days / 365.0,
        1e-6
    ));
    // A continuous gypsum flow with no variability needs no store: nothing bridges, and the
    // board maker runs short until its usual supply comes (5 days).
    let g = gypsum
        .buffer
        .as_ref()
        .expect("a stop of weeks")
        .as_ref()
        .expect("sized");
    assert!(close(g.sizing.capacity_t, 0.0, 1e-9) && close(g.short_days, 5.0, 1e-9));
    // D already sends to C: its 30 000 t/yr to spare take over 60 % of A's ash, the rest bought
    // as today at 25 EUR/t: (50 000 - 30 000) x 28/365 = 1 534.2 t, 38 356 EUR.
    assert!(close(ash.replaced_share, 0.6, 1e-9));
    assert!(close(ash.replaced, 30_000.0 * f, 1e-6));
    assert!(
        close(ash.fallback_units, 1_534.25, 0.01),
        "{}",
        ash.fallback_units
    );
    assert!(
        close(ash.fallback_cost, 38_356.2, 0.1),
        "{}",
        ash.fallback_cost
    );
    assert!(close(gypsum.replaced_share, 0.0, 1e-12));
    assert!(close(gypsum.fallback_units, 7_671.23, 0.01));
    // Companies: A forgoes its gains; B loses its gain on the gypsum; C its gain on A's ash less
    // its part of D's extra ash; D gains its part.
    let cost = |id: &str| {
        w.companies
            .iter()
            .find(|c| region.facilities[c.facility].id == id)
            .map_or(0.0, |c| c.cost)
    };
    let ex = |to: &str| &outcome.report.exchanges[lost(to).exchange];
    let t = &w.takeovers[0];
    assert_eq!(w.takeovers.len(), 1);
    assert!(close(cost("B"), ex("B").receiver_gain_per_yr * f, 1e-6));
    assert!(close(
        cost("C"),
        (ex("C").receiver_gain_per_yr - t.split.receiver_per_yr) * f,
        1e-6
    ));
    assert!(close(cost("D"), -t.split.sender_per_yr * f, 1e-6));
    assert!(close(
        cost("A"),
        (ex("B").sender_gain_per_yr + ex("C").sender_gain_per_yr) * f,
        1e-6
    ));
    // The figures docs/RESILIENCE.md prints (the engine's economics for these firms).
    assert!(close(b.sizing.average_stock_t, 986.3, 0.05));
    assert!(close(b.cover_days, 7.20, 0.005));
    assert!(close(ash.covered_tonnes, 986.3, 0.05));
    for (id, eur) in [
        ("A", 1_126_470.0),
        ("B", 749_988.0),
        ("C", 153_329.0),
        ("D", -223_153.0),
    ] {
        assert!(close(cost(id), eur, 1.0), "{id}: {}", cost(id));
    }
    assert!(close(w.value_lost, 1_806_634.0, 1.0), "{}", w.value_lost);
    eprintln!(
        "A 4 weeks: ash store {:.1} t capacity ({:.1} cycle), {:.1} t mean, cover {:.2} days, covered {:.1} t; \
         value lost {:.0}; costs A {:.0} B {:.0} C {:.0} D {:.0}; exchange values {:.0} {:.0}",
        b.sizing.capacity_t,
        b.sizing.cycle_stock_t,
        b.sizing.average_stock_t,
        b.cover_days,
        ash.covered_tonnes,
        w.value_lost,
        cost("A"),
        cost("B"),
        cost("C"),
        cost("D"),
        ex("B").value_per_yr,
        ex("C").value_per_yr
    );

    // For good: the plan solved again sends D's whole 80 000 t to the cement works.
    let stop = Stop::by_ids(&region, &["A".into()], None).expect("A exists");
    let w = what_if(
        &engine,
        &region,
        &outcome,
        &stop,
        &PlanOptions::default(),
        Simulation::default(),
        &mut |_| {},
    )
    .expect("what if");
    let r = w.replan.as_ref().expect("solved again");
    assert_eq!(r.report.exchanges.len(), 1);
    assert!(close(
        r.report.exchanges[0].source_units_per_yr,
        80_000.0,
        1e-3
    ));
    assert!(close(
        w.value_lost,
        outcome.solution.objective - r.solution.objective,
        1e-9
    ));
    assert!(close(w.loss.residual_tonnes_share, 0.60, 1e-9));
    assert!(w.lost.iter().all(|l| l.buffer.is_none()));
}

#[test]
fn an_unknown_facility_is_named() {
    let region = four_firms();
    let err = Stop::by_ids(&region, &["A".into(), "Z9".into()], None).expect_err("Z9");
    assert!(err.to_string().contains("Z9"), "{err}");
    assert!(Stop::by_ids(&region, &["A".into()], Some(0.0)).is_err());
    assert!(Stop::by_ids(&region, &[], None).is_err());
}
