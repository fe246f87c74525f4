//! `docs/INTERMEDIARIES.md`: the nine workshops' worked example, the one-pair break-even and the
//! sample's ash trader, reproduced.

use std::path::Path;

use symbiomap::catalogue::Catalogue;
use symbiomap::intermediary::{
    compare, crf, facilitator_break_even_t_per_yr, groups, Flow, IntermediaryKind, TransactionCosts,
};
use symbiomap::matching::Engine;

fn costs() -> TransactionCosts {
    TransactionCosts::builtin(Catalogue::builtin()).expect("the built-in costs")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn nine_workshops_to_one_chp_through_a_facilitator() {
    let c = costs();
    let tonnes = [
        900.0, 880.0, 820.0, 760.0, 700.0, 640.0, 580.0, 520.0, 450.0,
    ];
    let flows: Vec<Flow> = tonnes
        .iter()
        .enumerate()
        .map(|(i, &t)| Flow {
            supplier: i,
            receiver: 100,
            stream: (i, 0),
            tonnes_per_yr: t,
            deliveries_per_yr: t / 25.0,
            value_per_t: 40.0,
            term_yr: 5.0,
        })
        .collect();
    let k = compare(&flows, &c, IntermediaryKind::Facilitator);
    assert_eq!((k.pairs, k.companies, k.streams), (9, 10, 9));
    assert!(close(k.bilateral.setup_per_yr, 24_259.73, 0.01));
    assert!(close(k.bilateral.governance_per_yr, 14_400.0, 1e-9));
    assert!(close(k.bilateral.analyses_per_yr, 23_400.0, 1e-9));
    assert!(close(k.bilateral.delivery_checks_per_yr, 3_750.0, 1e-9));
    assert!(close(k.bilateral.total_per_yr(), 65_809.73, 0.01));
    assert!(close(k.intermediated.setup_per_yr, 6_738.81, 0.01));
    assert!(close(k.intermediated.fee_per_yr, 6_250.0, 1e-9));
    assert!(close(k.intermediated.total_per_yr(), 40_138.81, 0.01));
    assert!(close(k.saving_per_yr(), 25_670.91, 0.01));
    // A broker takes 5 % of 40 EUR/t = 2 EUR/t, its floor.
    let b = compare(&flows, &c, IntermediaryKind::Broker);
    assert!(close(b.intermediated.fee_per_yr, 12_500.0, 1e-9));
}

#[test]
fn pooled_testing_analyses_a_stream_once_for_all_its_receivers() {
    let c = costs();
    let flows: Vec<Flow> = (0..3)
        .map(|r| Flow {
            supplier: 0,
            receiver: 10 + r,
            stream: (0, 0),
            tonnes_per_yr: 500.0,
            deliveries_per_yr: 20.0,
            value_per_t: 30.0,
            term_yr: 5.0,
        })
        .collect();
    let k = compare(&flows, &c, IntermediaryKind::Facilitator);
    assert_eq!(k.streams, 1);
    assert!(close(k.bilateral.analyses_per_yr, 3.0 * 4.0 * 650.0, 1e-9));
    assert!(close(k.intermediated.analyses_per_yr, 4.0 * 650.0, 1e-9));
    // Four companies, one contract each, against three deals.
    assert_eq!((k.bilateral.contracts, k.intermediated.contracts), (3, 4));
}

#[test]
fn one_pair_breaks_even_near_three_thousand_tonnes() {
    let c = costs();
    assert!(close(crf(0.04, 5.0), 0.224_627, 1e-6));
    let t = facilitator_break_even_t_per_yr(&c, 5.0).expect("a fee per tonne");
    assert!(close(t, 2_947.76, 0.01), "{t}");
    // Either side of it, the comparison agrees.
    for (tonnes, cheaper_through_facilitator) in [(t - 100.0, true), (t + 100.0, false)] {
        let flow = Flow {
            supplier: 0,
            receiver: 1,
            stream: (0, 0),
            tonnes_per_yr: tonnes,
            deliveries_per_yr: 10.0,
            value_per_t: 30.0,
            term_yr: 5.0,
        };
        let k = compare(&[flow], &c, IntermediaryKind::Facilitator);
        assert_eq!(
            k.saving_per_yr() > 0.0,
            cheaper_through_facilitator,
            "{tonnes}"
        );
    }
}

#[test]
fn the_samples_ash_trader_costs_more_than_it_saves_at_these_volumes() {
    let region = symbiomap::io::region_file::load(Path::new("sample-regions/scheldt-valley.json"))
        .expect("sample");
    let engine = Engine::new(&region).expect("engine");
    let c = costs();
    let gs = groups(&engine, &region, &c);
    let trader = gs
        .iter()
        .find(|g| g.name.starts_with("Scheldt Ash Trading"))
        .expect("the trader of J4 and J5");
    assert_eq!(trader.projects.len(), 2);
    assert_eq!(trader.flows.len(), 2);
    let k = &trader.facilitator;
    assert_eq!((k.pairs, k.companies, k.streams), (2, 3, 1));
    // One testing regime instead of two, one contract fewer per company... and a fee on every
    // tonne, which outweighs them.
    assert!(close(
        k.bilateral.analyses_per_yr - k.intermediated.analyses_per_yr,
        2_600.0,
        1e-9
    ));
    assert!(k.tonnes_per_yr > 50_000.0);
    assert!(k.saving_per_yr() < -40_000.0, "{}", k.saving_per_yr());
    // The steam pipe's operator (J2) has no tonnes to charge a fee on: left out, said so.
    let pipe = gs
        .iter()
        .find(|g| g.name == "Ghent District Heating")
        .expect("J2's operator");
    assert!(pipe.flows.is_empty());
    assert_eq!(pipe.left_out.len(), 1);
}
