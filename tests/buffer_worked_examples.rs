//! The worked examples of `docs/BUFFERS.md`, computed by `symbiomap::buffer`: each number the
//! document prints is asserted here to its printed digits (a change of a default in
//! `assets/catalogue/storage.json` or of the model fails this test until the document follows).
//! Then the checks the document cites: the simulation against the closed forms where both
//! apply, a day-by-day order-up-to simulation of the virgin backup (the oracle of the
//! simulation's safety stock), and brute-force day-by-day computations of the sequent peak and
//! the delivered share on random patterns with fixed seeds.

use symbiomap::buffer::{
    active_days, closed_form_safety_stock_t, cycle_stock_t, demand_by_month_t,
    monthly_delivered_share, monthly_sequent_peak_t, no_storage_share_closed,
    planned_delivered_share, simulate, simulate_supply, size_buffer, supply_by_month_t,
    textbook_batch_safety_stock_t, textbook_safety_stock_t, z_for_service_level, BufferInput,
    BufferSizing, Demand, Simulation, StorageCatalogue, Supply, SupplyPattern, ALL_MONTHS,
    DAYS_PER_YR, MONTH_DAYS,
};

/// April to September.
const APR_SEP: u16 = 0b0000_0001_1111_1000;

fn f(x: f64, digits: usize) -> String {
    format!("{x:.digits$}")
}

fn input(supply: Supply, demand: Demand, kind: &str, rho: f64, moisture: f64) -> BufferInput {
    BufferInput {
        supply,
        demand,
        service_level: 0.95,
        reaction_days: 5.0,
        headroom_t: None,
        bulk_density_t_per_m3: rho,
        moisture_pct: moisture,
        storage_kind: kind.into(),
        virgin_value_per_t: 25.0,
        simulation: Simulation::default(),
    }
}

fn size(input: &BufferInput) -> BufferSizing {
    size_buffer(input).expect("a valid example")
}

#[test]
fn example_1_safety_factors() {
    assert_eq!(f(z_for_service_level(0.95).unwrap(), 4), "1.6449");
    assert_eq!(f(z_for_service_level(0.99).unwrap(), 4), "2.3263");
    assert_eq!(f(z_for_service_level(0.90).unwrap(), 4), "1.2816");
    let c = StorageCatalogue::builtin().unwrap();
    assert_eq!(c.defaults.service_level, 0.95);
    assert_eq!(c.defaults.critical_service_level, 0.99);
    assert_eq!(c.defaults.reaction_days, 5.0);
    assert_eq!(c.defaults.virgin_holding_rate_per_yr, 0.10);
    let rates: Vec<(String, f64)> = c
        .storage_kinds
        .iter()
        .map(|k| (k.key.clone(), k.cost_per_unit_month))
        .collect();
    assert_eq!(
        rates,
        [
            ("open_stockpile".to_owned(), 2.1),
            ("covered_hall".to_owned(), 3.4),
            ("silo".to_owned(), 5.0),
            ("tank".to_owned(), 0.45)
        ]
    );
}

#[test]
fn example_2_continuous_supply_below_the_use() {
    // 20 t/day, CV 20 %, against 40 t/day; L = 5 days.
    let i = input(
        Supply::continuous(7300.0, 20.0, ALL_MONTHS),
        Demand::new(14_600.0, ALL_MONTHS),
        "silo",
        0.9,
        1.0,
    );
    let b = size(&i);
    assert_eq!(b.cycle_stock_t, 0.0);
    assert_eq!(f(b.safety_stock_closed_t.unwrap(), 2), "14.71");
    assert_eq!(f(textbook_safety_stock_t(b.z, 4.0, 5.0), 2), "14.71");
    assert_eq!(
        f(
            textbook_safety_stock_t(z_for_service_level(0.99).unwrap(), 4.0, 5.0),
            2
        ),
        "20.81"
    );
    assert_eq!(f(b.simulated.safety_stock_t, 2), "14.67");
    assert_eq!(f(b.capacity_t, 1), "14.7");
    assert_eq!(f(b.capacity_m3, 1), "16.3");
    assert_eq!(f(b.days_of_cover, 2), "0.37");
    assert_eq!(f(b.storage_cost_per_yr, 0), "883");
    assert_eq!(f(b.safety_stock_holding_cost_per_yr, 1), "36.8");
    assert_eq!(f(100.0 * b.delivered_share_no_storage, 2), "100.00");
    assert_eq!(f(b.simulated.virgin_t_per_yr, 0), "7298");
}

#[test]
fn example_3_continuous_supply_matching_the_use() {
    // T1's worked example 1: 40 t/day against 40 t/day, sigma 8 t/day (CV 20 %), L = 5.
    let i = input(
        Supply::continuous(14_600.0, 20.0, ALL_MONTHS),
        Demand::new(14_600.0, ALL_MONTHS),
        "silo",
        0.9,
        1.0,
    );
    let b = size(&i);
    assert_eq!(f(textbook_safety_stock_t(b.z, 8.0, 5.0), 1), "29.4");
    assert_eq!(b.safety_stock_closed_t, None);
    assert_eq!(f(b.safety_stock_t, 2), "33.32");
    assert_eq!(f(100.0 * b.delivered_share_no_storage, 2), "92.02");
    assert_eq!(f(100.0 * b.delivered_share, 2), "92.00");
    assert_eq!(f(b.simulated.refused_t_per_yr, 0), "1168");
    assert_eq!(f(b.simulated.virgin_t_per_yr, 0), "1163");
}

#[test]
fn example_4_loads_of_varying_size() {
    // 500 t every 14 days against 500/14 t/day, sizes CV 10 %, dates fixed, L = 5; fly ash in a
    // silo, replacing a material worth 25 EUR/t.
    let d = Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS);
    let b = size(&input(
        Supply::batches(500.0, 14.0, 10.0, 0.0, ALL_MONTHS),
        d,
        "silo",
        0.9,
        1.0,
    ));
    assert_eq!(f(b.use_t_per_day, 3), "35.714");
    assert_eq!(f(b.cycle_stock_t, 1), "464.3");
    assert_eq!(b.headroom_t, 0.0);
    assert_eq!(f(b.safety_stock_closed_t.unwrap(), 2), "82.24");
    assert_eq!(f(b.simulated.safety_stock_t, 2), "80.80");
    assert_eq!(f(b.capacity_t, 1), "546.5");
    assert_eq!(f(b.capacity_m3, 1), "607.3");
    assert_eq!(f(b.days_of_cover, 1), "15.3");
    assert_eq!(f(b.simulated.mean_store_t, 1), "214.5");
    assert_eq!(f(b.average_stock_t, 1), "296.8");
    assert_eq!(f(b.storage_cost_per_yr, 0), "32792");
    assert_eq!(f(b.safety_stock_holding_cost_per_yr, 1), "205.6");
    assert_eq!(f(100.0 * b.delivered_share, 2), "95.99");
    assert_eq!(f(100.0 * b.delivered_share_no_storage, 2), "7.14");
}

#[test]
fn example_5_loads_arriving_early_or_late() {
    // T1's worked example 3: 500 t every 14 days, dates with sigma 2 days, L = 5.
    let d = Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS);
    let z = z_for_service_level(0.95).unwrap();
    assert_eq!(
        f(textbook_batch_safety_stock_t(z, 500.0 / 14.0, 0.0, 2.0), 1),
        "117.5"
    );
    let late = input(
        Supply::batches(500.0, 14.0, 0.0, 2.0, ALL_MONTHS),
        d,
        "silo",
        0.9,
        1.0,
    );
    let b = size(&late);
    assert_eq!(f(b.headroom_t, 1), "117.5");
    assert_eq!(b.safety_stock_closed_t, None);
    assert_eq!(f(b.safety_stock_t, 1), "96.8");
    assert_eq!(f(b.capacity_t, 1), "678.6");
    assert_eq!(f(100.0 * b.delivered_share, 2), "97.50");
    let tight = BufferInput {
        headroom_t: Some(0.0),
        ..late
    };
    let b = size(&tight);
    assert_eq!(f(b.safety_stock_t, 1), "178.6"); // d L: the virgin ordered arrives then
    assert_eq!(f(b.capacity_t, 1), "642.9");
    assert_eq!(f(100.0 * b.delivered_share, 2), "91.90");
    // Both vary: T12's form against the simulation.
    let both = input(
        Supply::batches(500.0, 14.0, 10.0, 2.0, ALL_MONTHS),
        d,
        "silo",
        0.9,
        1.0,
    );
    assert_eq!(
        f(textbook_batch_safety_stock_t(z, 500.0 / 14.0, 50.0, 2.0), 1),
        "143.4"
    );
    let b = size(&both);
    assert_eq!(f(b.safety_stock_t, 1), "113.3");
    assert_eq!(f(b.capacity_t, 1), "695.1");
}

#[test]
fn example_6_seasonal_supply() {
    // 12 000 t over April-September (183 days), used evenly all year.
    let s = Supply::continuous(12_000.0, 0.0, APR_SEP);
    let d = Demand::new(12_000.0, ALL_MONTHS);
    assert_eq!(active_days(APR_SEP), 183);
    assert_eq!(f(s.t_per_active_day(), 3), "65.574");
    assert_eq!(f(d.t_per_day(), 3), "32.877");
    let by_month = supply_by_month_t(&s).unwrap();
    assert_eq!(f(by_month[3], 1), "1967.2");
    assert_eq!(f(by_month[4], 1), "2032.8");
    let use_by_month = demand_by_month_t(&d);
    assert_eq!(f(use_by_month[0], 1), "1019.2");
    assert_eq!(f(use_by_month[1], 1), "920.5");
    assert_eq!(f(use_by_month[3], 1), "986.3");
    // The table's month-end stock, from an empty store at the end of March.
    let mut stock = 0.0;
    let mut ends = Vec::new();
    for m in 3..12 {
        symbiomap::buffer::store_day(&mut stock, by_month[m], use_by_month[m], f64::INFINITY);
        ends.push(f(stock, 1));
    }
    assert_eq!(
        ends,
        ["980.9", "1994.5", "2975.4", "3989.0", "5002.6", "5983.6", "4964.4", "3978.1", "2958.9"]
    );
    assert_eq!(f(use_by_month[9..].iter().sum::<f64>(), 1), "3024.7");
    let peak = monthly_sequent_peak_t(&by_month, &use_by_month);
    assert_eq!(f(peak, 1), "5983.6");
    assert_eq!(f(12_000.0 * (1.0 - 183.0 / 365.0), 1), "5983.6");
    assert_eq!(f(12_000.0 * (1.0 - 6.0 / 12.0), 1), "6000.0"); // T15 with equal months
    assert!((cycle_stock_t(&s, &d).unwrap() - peak).abs() < 1e-6);
    assert_eq!(
        f(100.0 * planned_delivered_share(&s, &d, 0.0).unwrap(), 2),
        "50.14"
    );
    assert_eq!(
        f(100.0 * planned_delivered_share(&s, &d, 3000.0).unwrap(), 2),
        "75.14"
    );
    assert_eq!(
        f(
            100.0 * monthly_delivered_share(&by_month, &use_by_month, 3000.0),
            2
        ),
        "75.14"
    );
    // Wood chips: 0.25 t/m3, 45 % moisture.
    let pile = size(&input(s.clone(), d, "open_stockpile", 0.25, 45.0));
    assert_eq!(f(pile.average_stock_t, 1), "2991.8");
    assert_eq!(f(pile.days_of_cover, 0), "182");
    assert_eq!(f(pile.storage_cost_per_yr, 0), "41466");
    let hall = size(&input(s, d, "covered_hall", 0.25, 45.0));
    assert_eq!(f(hall.capacity_m3, 1), "23934.2");
    assert_eq!(f(hall.storage_cost_per_yr, 0), "976517");
    // The same with each day's flow varying (CV 20 %): simulation only.
    let varying = size(&input(
        Supply::continuous(12_000.0, 20.0, APR_SEP),
        d,
        "open_stockpile",
        0.25,
        45.0,
    ));
    assert_eq!(varying.safety_stock_closed_t, None);
    assert_eq!(f(varying.safety_stock_t, 1), "164.4"); // d L, the reactive backup's bound
    assert_eq!(f(100.0 * varying.delivered_share, 2), "99.38");
    assert_eq!(f(100.0 * varying.delivered_share_no_storage, 2), "50.10");
    assert_eq!(f(varying.capacity_t, 1), "6147.9");
}

/// The simulation agrees with the closed form where both apply: within 2 % over 1000 simulated
/// years, for several seeds, levels and reaction times.
#[test]
fn simulation_agrees_with_the_closed_forms() {
    let cases: Vec<(Supply, Demand, f64, f64)> = vec![
        (
            Supply::continuous(7300.0, 20.0, ALL_MONTHS),
            Demand::new(14_600.0, ALL_MONTHS),
            5.0,
            0.95,
        ),
        (
            Supply::continuous(7300.0, 20.0, ALL_MONTHS),
            Demand::new(14_600.0, ALL_MONTHS),
            10.0,
            0.99,
        ),
        (
            Supply::continuous(3000.0, 10.0, ALL_MONTHS),
            Demand::new(4000.0, ALL_MONTHS),
            3.0,
            0.95,
        ),
        (
            Supply::batches(500.0, 14.0, 10.0, 0.0, ALL_MONTHS),
            Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS),
            5.0,
            0.95,
        ),
        (
            Supply::batches(500.0, 14.0, 10.0, 0.0, ALL_MONTHS),
            Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS),
            7.0,
            0.99,
        ),
        (
            Supply::batches(200.0, 7.0, 20.0, 0.0, ALL_MONTHS),
            Demand::new(40.0 * 365.0, ALL_MONTHS),
            5.0,
            0.95,
        ),
        (
            Supply::batches(500.0, 14.0, 10.0, 0.0, ALL_MONTHS),
            Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS),
            1.0,
            0.95,
        ),
    ];
    for (supply, demand, l, p) in cases {
        let z = z_for_service_level(p).unwrap();
        let closed = closed_form_safety_stock_t(&supply, &demand, 0.0, l, z)
            .unwrap()
            .unwrap_or_else(|| panic!("no closed form for {supply:?}"));
        let store = cycle_stock_t(&supply, &demand).unwrap();
        for seed in [1, 2, 3] {
            let sim = simulate(
                &supply,
                &demand,
                store,
                l,
                p,
                Simulation { years: 1000, seed },
            )
            .unwrap();
            let rel = (sim.safety_stock_t - closed).abs() / closed;
            assert!(
                rel < 0.02,
                "{supply:?} L {l} p {p} seed {seed}: sim {} closed {closed}",
                sim.safety_stock_t
            );
        }
    }
    // No variability: the simulation needs no safety stock and delivers what the plan does.
    let s = Supply::continuous(12_000.0, 0.0, APR_SEP);
    let d = Demand::new(9000.0, 0b1111_0000_1111);
    let store = cycle_stock_t(&s, &d).unwrap();
    let sim = simulate(&s, &d, store, 5.0, 0.99, Simulation { years: 5, seed: 4 }).unwrap();
    assert_eq!(sim.safety_stock_t, 0.0);
    assert!((sim.delivered_share - planned_delivered_share(&s, &d, store).unwrap()).abs() < 1e-12);
    assert!((sim.max_store_t - store).abs() < 1e-9);
}

/// With no storage, the simulated share of a varying continuous supply agrees with
/// `E[min(s, d)] = mu - sigma G((d - mu)/sigma)` within 0.3 percentage points.
#[test]
fn no_storage_share_agrees_with_its_closed_form() {
    for (s_t, cv, d_t, supply_months, use_months) in [
        (14_600.0, 20.0, 14_600.0, ALL_MONTHS, ALL_MONTHS),
        (10_000.0, 30.0, 14_600.0, APR_SEP, ALL_MONTHS),
        (20_000.0, 15.0, 5000.0, ALL_MONTHS, 0b0000_1111_0000),
    ] {
        let s = Supply::continuous(s_t, cv, supply_months);
        let d = Demand::new(d_t, use_months);
        let closed = no_storage_share_closed(&s, &d).unwrap().unwrap();
        let sim = simulate(
            &s,
            &d,
            0.0,
            5.0,
            0.95,
            Simulation {
                years: 400,
                seed: 9,
            },
        )
        .unwrap();
        assert!(
            (sim.delivered_share - closed).abs() < 0.003,
            "{s:?}: sim {} closed {closed}",
            sim.delivered_share
        );
    }
}

/// A day-by-day simulation of the receiver's virgin backup, written apart from the module:
/// the by-product store by the day rule, the nominal plan, and an order-up-to policy that each
/// day orders virgin to bring stock plus orders to `ss +` the planned virgin of the next L
/// days, each order arriving L days later, shortfalls backordered. Returns the share of cycles
/// with use (from the first that starts after the first year and L days) without a day on which
/// the receiver needed virgin and had none.
fn order_up_to_service(
    supply: &Supply,
    demand: &Demand,
    store_t: f64,
    l: usize,
    ss: f64,
    sim: Simulation,
) -> f64 {
    let path = simulate_supply(supply, sim.years, sim.seed).expect("a valid supply");
    let days = path.arrived_t.len();
    let mut month = Vec::new();
    for (m, len) in MONTH_DAYS.iter().enumerate() {
        month.extend(std::iter::repeat_n(m, *len as usize));
    }
    let active = |mask: u16, t: usize| mask & (1 << month[t % DAYS_PER_YR]) != 0;
    let mut nominal = vec![0.0; days];
    match supply.pattern {
        SupplyPattern::Continuous { .. } => {
            for (t, n) in nominal.iter_mut().enumerate() {
                if active(supply.months, t) {
                    *n = supply.t_per_active_day();
                }
            }
        }
        SupplyPattern::Batches {
            batch_t,
            every_days,
            ..
        } => {
            let mut k = 0.0;
            while k * every_days < days as f64 {
                let t = (k * every_days).floor() as usize;
                if active(supply.months, t) {
                    nominal[t] += batch_t;
                }
                k += 1.0;
            }
        }
    }
    let use_t: Vec<f64> = (0..days)
        .map(|t| {
            if active(demand.months, t) {
                demand.t_per_day()
            } else {
                0.0
            }
        })
        .collect();
    let run = |arrivals: &[f64]| {
        let mut stock = 0.0_f64;
        arrivals
            .iter()
            .zip(&use_t)
            .map(|(a, u)| {
                let from_stock = (stock + a).min(*u);
                stock = (stock + a - from_stock).min(store_t);
                u - from_stock
            })
            .collect::<Vec<f64>>()
    };
    let v = run(&path.arrived_t);
    let p = run(&nominal);
    let mut due = vec![0.0; days + l];
    due[..l].copy_from_slice(&p[..l]);
    let mut stock = ss;
    let mut pending: f64 = p[..l].iter().sum();
    let mut planned_ahead: f64 = p[1..=l].iter().sum();
    let (mut cycles, mut failed) = (0usize, 0usize);
    let (mut in_cycle, mut cycle_failed, mut cycle_used) = (false, false, false);
    for t in 0..days {
        if path.cycle_start[t] {
            if in_cycle && cycle_used {
                cycles += 1;
                failed += usize::from(cycle_failed);
            }
            in_cycle = t >= DAYS_PER_YR + l;
            cycle_failed = false;
            cycle_used = false;
        }
        stock += due[t];
        pending -= due[t];
        stock -= v[t];
        if in_cycle && use_t[t] > 0.0 {
            cycle_used = true;
            if v[t] > 0.0 && stock < -1e-6 {
                cycle_failed = true;
            }
        }
        let target = ss + planned_ahead;
        let order = (target - stock - pending).max(0.0);
        due[t + l] += order;
        pending += order;
        planned_ahead +=
            p.get(t + l + 1).copied().unwrap_or(0.0) - p.get(t + 1).copied().unwrap_or(0.0);
    }
    if in_cycle && cycle_used {
        cycles += 1;
        failed += usize::from(cycle_failed);
    }
    1.0 - failed as f64 / cycles as f64
}

/// The simulated safety stock is exactly what an order-up-to backup needs: with it the service
/// level is met, with a hair less it is not (the cases below plan no virgin, so the policy's
/// orders always bind and the identity `stock = ss - W` is exact).
#[test]
fn the_simulated_safety_stock_is_what_an_order_up_to_backup_needs() {
    let sim = Simulation {
        years: 300,
        seed: 21,
    };
    let cases: Vec<(Supply, Demand, f64, usize, f64)> = vec![
        (
            Supply::continuous(14_600.0, 20.0, ALL_MONTHS),
            Demand::new(14_600.0, ALL_MONTHS),
            0.0,
            5,
            0.95,
        ),
        (
            Supply::continuous(14_600.0, 35.0, ALL_MONTHS),
            Demand::new(14_600.0, ALL_MONTHS),
            50.0,
            7,
            0.99,
        ),
        (
            Supply::batches(500.0, 14.0, 10.0, 2.0, ALL_MONTHS),
            Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS),
            464.3 + 60.0,
            5,
            0.95,
        ),
        (
            Supply::batches(300.0, 10.0, 25.0, 0.0, ALL_MONTHS),
            Demand::new(30.0 * 365.0, ALL_MONTHS),
            270.0,
            12,
            0.95,
        ),
        (
            Supply::continuous(12_000.0, 20.0, APR_SEP),
            Demand::new(12_000.0, ALL_MONTHS),
            5983.6,
            3,
            0.90,
        ),
    ];
    for (supply, demand, store, l, p) in cases {
        let r = simulate(&supply, &demand, store, l as f64, p, sim).unwrap();
        assert!(r.safety_stock_t > 0.0, "{supply:?}");
        let met = order_up_to_service(&supply, &demand, store, l, r.safety_stock_t, sim);
        let short = order_up_to_service(
            &supply,
            &demand,
            store,
            l,
            r.safety_stock_t - 1e-5 * (1.0 + r.safety_stock_t),
            sim,
        );
        assert!(met >= p, "{supply:?}: {met} < {p}");
        assert!(short < p, "{supply:?}: {short} >= {p} with less stock");
    }
}

/// A brute-force day-by-day run of the nominal pattern (written apart from the module), its
/// share of the supply used with a store of `capacity`, in the third year.
fn brute_share(s_t: f64, s_months: u16, d_t: f64, d_months: u16, capacity: f64) -> f64 {
    let s_rate = s_t / f64::from(active_days(s_months));
    let d_rate = d_t / f64::from(active_days(d_months));
    let mut day_month = Vec::new();
    for (m, len) in MONTH_DAYS.iter().enumerate() {
        day_month.extend(std::iter::repeat_n(m, *len as usize));
    }
    let (mut stock, mut used, mut supplied) = (0.0_f64, 0.0, 0.0);
    for year in 0..3 {
        for m in &day_month {
            let s = if s_months & (1 << m) != 0 {
                s_rate
            } else {
                0.0
            };
            let d = if d_months & (1 << m) != 0 {
                d_rate
            } else {
                0.0
            };
            let take = (stock + s).min(d);
            stock = (stock + s - take).min(capacity);
            if year == 2 {
                used += take;
                supplied += s;
            }
        }
    }
    used / supplied
}

/// The sequent peak on monthly balances and on daily balances equals the smallest store with
/// which a brute-force daily run delivers `min(S, D)`, found by bisection; and the monthly
/// delivered share equals the daily one at any capacity. 300 random patterns, fixed seed.
#[test]
fn sequent_peak_and_delivered_share_match_a_brute_force_daily_run() {
    let mut rng = symbiomap::buffer::SplitMix64::new(2024);
    for case in 0..300 {
        let mask = |rng: &mut symbiomap::buffer::SplitMix64| {
            let m = (rng.next_u64() & 0x0fff) as u16;
            if m == 0 {
                1 << (rng.next_u64() % 12)
            } else {
                m
            }
        };
        let (sm, dm) = (mask(&mut rng), mask(&mut rng));
        let s_t = 100.0 + 20_000.0 * rng.next_f64();
        let d_t = 100.0 + 20_000.0 * rng.next_f64();
        let s = Supply::continuous(s_t, 0.0, sm);
        let d = Demand::new(d_t, dm);
        let full = brute_share(s_t, sm, d_t, dm, 1e12);
        let (mut lo, mut hi) = (0.0_f64, s_t + d_t);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if brute_share(s_t, sm, d_t, dm, mid) >= full - 1e-12 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let monthly =
            monthly_sequent_peak_t(&supply_by_month_t(&s).unwrap(), &demand_by_month_t(&d));
        let daily = cycle_stock_t(&s, &d).unwrap();
        let tol = 1e-6 * (s_t + d_t);
        assert!(
            (monthly - hi).abs() < tol,
            "case {case}: monthly {monthly} brute {hi}"
        );
        assert!(
            (daily - hi).abs() < tol,
            "case {case}: daily {daily} brute {hi}"
        );
        let expected_full = s_t.min(d_t) / s_t;
        if sm & dm != 0 || hi > 0.0 {
            assert!(
                (full - expected_full).abs() < 1e-9,
                "case {case}: {full} vs {expected_full}"
            );
        }
        let capacity = hi * rng.next_f64();
        let brute = brute_share(s_t, sm, d_t, dm, capacity);
        let by_month = monthly_delivered_share(
            &supply_by_month_t(&s).unwrap(),
            &demand_by_month_t(&d),
            capacity,
        );
        let by_day = planned_delivered_share(&s, &d, capacity).unwrap();
        assert!(
            (by_month - brute).abs() < 1e-9,
            "case {case}: {by_month} vs {brute}"
        );
        assert!(
            (by_day - brute).abs() < 1e-9,
            "case {case}: {by_day} vs {brute}"
        );
    }
}

/// Hand-calculated cases.
#[test]
fn hand_calculated_cases() {
    // Loads of 100 t every 10 days against 10 t/day: the arrival day uses 10 of the load, 90
    // are stored; 90 t of store delivers everything, 45 t loses 45 t a load.
    let s = Supply::batches(100.0, 10.0, 0.0, 0.0, ALL_MONTHS);
    let d = Demand::new(10.0 * 365.0, ALL_MONTHS);
    assert!((cycle_stock_t(&s, &d).unwrap() - 90.0).abs() < 1e-9);
    assert!((planned_delivered_share(&s, &d, 90.0).unwrap() - 1.0).abs() < 1e-12);
    assert!((planned_delivered_share(&s, &d, 45.0).unwrap() - 0.55).abs() < 1e-12);
    assert!((planned_delivered_share(&s, &d, 0.0).unwrap() - 0.10).abs() < 1e-12);
    // A supply larger than the use all year: nothing to store, the use's share delivered.
    let s = Supply::continuous(7300.0, 0.0, ALL_MONTHS);
    let d = Demand::new(3650.0, ALL_MONTHS);
    assert_eq!(cycle_stock_t(&s, &d).unwrap(), 0.0);
    assert!((planned_delivered_share(&s, &d, 0.0).unwrap() - 0.5).abs() < 1e-12);
    // Supply in January only (31 days, 3100 t), use in February only (28 days, 2800 t): the
    // store must carry 2800 t over the month end; with 1000 t, 1000 of 3100 reach the use.
    let s = Supply::continuous(3100.0, 0.0, 0b1);
    let d = Demand::new(2800.0, 0b10);
    assert!((cycle_stock_t(&s, &d).unwrap() - 2800.0).abs() < 1e-9);
    assert!((planned_delivered_share(&s, &d, 1000.0).unwrap() - 1000.0 / 3100.0).abs() < 1e-12);
    assert_eq!(planned_delivered_share(&s, &d, 0.0).unwrap(), 0.0);
    // Supply below the use, seasonal: the store carries the season's surplus over its rate.
    // 6000 t in April-September at 32.787 t/day against 10 950 t/yr all year (30 t/day): 2.787
    // t/day surplus over 183 days = 510 t.
    let s = Supply::continuous(6000.0, 0.0, APR_SEP);
    let d = Demand::new(10_950.0, ALL_MONTHS);
    assert!((cycle_stock_t(&s, &d).unwrap() - (6000.0 - 30.0 * 183.0)).abs() < 1e-6);
    // A short load with L = 1: the virgin ordered arrives the next day, so at most one day's
    // use is at risk.
    let s = Supply::batches(500.0, 14.0, 30.0, 0.0, ALL_MONTHS);
    let d = Demand::new(500.0 / 14.0 * 365.0, ALL_MONTHS);
    let z = z_for_service_level(0.95).unwrap();
    assert!(
        (closed_form_safety_stock_t(&s, &d, 0.0, 1.0, z)
            .unwrap()
            .unwrap()
            - 500.0 / 14.0)
            .abs()
            < 1e-9
    );
}

/// The region's service level sizes every store: 99 % keeps a larger virgin safety stock than
/// the default 95 %, and a level outside 50-99.99 % is refused naming the field.
#[test]
fn the_regions_service_level_sizes_the_stores() {
    use symbiomap::buffer::Simulation;
    use symbiomap::resilience::{pair_buffer, PairFlow};
    let path = std::path::Path::new("sample-regions/scheldt-valley.json");
    let mut region = symbiomap::io::region_file::load(path).expect("sample");
    let sized = |region: &symbiomap::model::Region| {
        let engine = symbiomap::matching::Engine::new(region).expect("engine");
        let j3 = region.projects.iter().find(|p| p.id == "J3").expect("J3");
        let c = symbiomap::agreement::project_candidate(&engine, region, j3).expect("pair");
        pair_buffer(
            &engine,
            region,
            &PairFlow::of_candidate(&c),
            Simulation::default(),
        )
        .expect("sized")
    };
    let at_95 = sized(&region);
    assert!((at_95.z - 1.6449).abs() < 1e-3, "{}", at_95.z);
    region.settings.service_level_pct = Some(99.0);
    let at_99 = sized(&region);
    assert!((at_99.z - 2.3263).abs() < 1e-3, "{}", at_99.z);
    assert!(at_99.safety_stock_t > at_95.safety_stock_t);
    // The seasonal cycle stock does not depend on the service level.
    assert!((at_99.cycle_stock_t - at_95.cycle_stock_t).abs() < 1e-6);
    region.settings.service_level_pct = Some(120.0);
    let problems = symbiomap::io::region_file::validate(&region);
    assert!(
        problems
            .iter()
            .any(|(p, m)| p.to_string() == "settings.service_level_pct" && m.contains("120")),
        "{problems:?}"
    );
}
