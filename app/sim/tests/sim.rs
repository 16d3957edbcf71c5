//! The simulator's own guarantees: deterministic under a seed; no leverage,
//! no bad debt; no price moves, no liquidations; cash conserved inside the
//! market; scenario files validated.
use reflex_sim::config::{Crash, PolicyConfig, Scenario, SimConfig};
use reflex_sim::model::{Market, Policy};

fn scenario() -> Scenario {
    Scenario {
        name: "test".into(),
        accounts: 300,
        slots: 3_000,
        initial_price: 100.0,
        calm_volatility: 0.0004,
        garch_alpha: 0.05,
        garch_beta: 0.9,
        jump_probability: 0.001,
        jump_mean: -0.01,
        jump_volatility: 0.02,
        crash: vec![Crash { start: 1_500, slots: 100, drop: 0.3 }],
        fast_half_life_slots: 300,
        depth: 5e7,
        keeper_latency_slots: 2,
        long_fraction: 0.7,
        equity_median: 5_000.0,
        equity_log_spread: 1.0,
        volatile_collateral: [0.0, 1.0],
        utilisation: [0.5, 0.95],
    }
}

#[test]
fn a_seed_determines_the_run() {
    let (scenario, policies) = (scenario(), PolicyConfig::default());
    for policy in Policy::ALL {
        let first = serde_json::to_string(&Market::new(&scenario, &policies, policy, 42).run(10)).unwrap();
        let second = serde_json::to_string(&Market::new(&scenario, &policies, policy, 42).run(10)).unwrap();
        assert_eq!(first, second, "{policy:?}");
        let other = serde_json::to_string(&Market::new(&scenario, &policies, policy, 43).run(10)).unwrap();
        assert_ne!(first, other, "another seed, another path");
    }
}

#[test]
fn without_leverage_there_is_no_bad_debt() {
    let mut scenario = scenario();
    scenario.utilisation = [0.0, 0.0];
    for policy in Policy::ALL {
        for seed in 0..4 {
            let (metrics, _) = Market::new(&scenario, &PolicyConfig::default(), policy, seed).run(0);
            assert_eq!((metrics.bad_debt, metrics.deficits, metrics.liquidations), (0.0, 0.0, 0), "{policy:?} seed {seed}");
        }
    }
}

#[test]
fn without_price_moves_nobody_is_liquidated() {
    let mut scenario = scenario();
    scenario.calm_volatility = 0.0;
    scenario.jump_probability = 0.0;
    scenario.crash.clear();
    for policy in Policy::ALL {
        let (metrics, _) = Market::new(&scenario, &PolicyConfig::default(), policy, 7).run(0);
        assert_eq!(metrics.liquidations, 0, "{policy:?}");
        assert_eq!(metrics.final_price, 100.0);
    }
}

#[test]
fn cash_is_conserved_inside_the_market() {
    let (scenario, policies) = (scenario(), PolicyConfig::default());
    for policy in Policy::ALL {
        for seed in 0..4 {
            let market = Market::new(&scenario, &policies, policy, seed);
            let start = market.cash();
            let (metrics, _) = market.run(0);
            assert!(metrics.liquidations > 0, "the crash liquidates ({policy:?})");
            assert!(metrics.cash_drift.abs() <= start.abs() * 1e-9, "{policy:?} seed {seed}: drift {}", metrics.cash_drift);
        }
    }
}

#[test]
fn the_static_policy_never_moves_and_reflex_maintenance_respects_its_slew() {
    let scenario = scenario();
    let policies = PolicyConfig::default();
    let mut fixed = Market::new(&scenario, &policies, Policy::Static, 1);
    let mut reflex = Market::new(&scenario, &policies, Policy::Reflex, 1);
    let start = fixed.levels();
    let mut previous = reflex.levels();
    for slot in 1..=scenario.slots {
        fixed.step(slot);
        reflex.step(slot);
        assert_eq!(fixed.levels(), start);
        let now = reflex.levels();
        assert!(now.1 - previous.1 <= policies.tighten_per_slot + 1e-12, "slot {slot}: maintenance rose {}", now.1 - previous.1);
        assert!(now.1 <= now.0 + 1e-12, "maintenance never above initial");
        previous = now;
    }
}

#[test]
fn bad_scenario_files_are_refused_with_the_reason() {
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sim/default.toml")).unwrap();
    assert!(SimConfig::from_toml(&good).is_ok());
    let garch = good.replacen("garch_beta = 0.9", "garch_beta = 0.99", 1);
    assert!(SimConfig::from_toml(&garch).unwrap_err().contains("GARCH"));
    let unknown = good.replacen("seeds = 16", "seeds = 16\nsede = 3", 1);
    assert!(SimConfig::from_toml(&unknown).is_err());
}
