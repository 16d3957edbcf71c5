//! The simulator's own guarantees: a seed determines a run; no leverage, no
//! bad debt; cash conserved inside the market; bridged paths pass through
//! every real close; the frontier's ratios; every default variant passes the
//! bounds check; scenario files validated.
use reflex_sim::config::{default_variants, Crash, MarketConfig, PathSource, PolicyConfig, Population, Scenario, SimConfig};
use reflex_sim::frontier::{ratios, Frontier, Point};
use reflex_sim::market::Market;
use reflex_sim::path::{Bars, PricePath};
use reflex_sim::policy::{check_bounds, PolicySpec};
use std::sync::Arc;

fn scenario() -> Scenario {
    Scenario {
        name: "test".into(),
        family: "test".into(),
        path: PathSource {
            slots: 4_000,
            garch_alpha: 0.05,
            garch_beta: 0.9,
            crash: vec![Crash { start: 2_000, slots: 100, drop: 0.3 }],
            ..PathSource::default()
        },
        population: Population { accounts: 120, ..Population::default() },
        market: MarketConfig::default(),
    }
}

fn specs() -> Vec<PolicySpec> {
    let mut specs = vec![PolicySpec::Static { sigma: 0.0 }, PolicySpec::Static { sigma: 0.05 }];
    specs.extend(default_variants().into_iter().map(PolicySpec::Dynamic));
    specs
}

#[test]
fn a_seed_determines_the_run() {
    let (scenario, policies) = (scenario(), PolicyConfig::default());
    for spec in specs() {
        let run = |seed| serde_json::to_string(&Market::new(&scenario, &policies, spec.clone(), None, seed).run(50).0).unwrap();
        assert_eq!(run(42), run(42), "{}", spec.name());
        assert_ne!(run(42), run(43), "{}: another seed, another run", spec.name());
    }
}

#[test]
fn without_leverage_there_is_no_bad_debt_and_cash_is_conserved() {
    let mut flat = scenario();
    flat.population.target_leverage = [0.0, 0.0];
    flat.population.dip_buyer_fraction = 0.0;
    let policies = PolicyConfig::default();
    for spec in specs() {
        let (metrics, _) = Market::new(&flat, &policies, spec.clone(), None, 3).run(0);
        assert_eq!((metrics.bad_debt, metrics.liquidations), (0.0, 0), "{}", spec.name());
    }
    let levered = scenario();
    let mut liquidated = 0;
    for spec in specs() {
        for seed in 0..3 {
            let market = Market::new(&levered, &policies, spec.clone(), None, seed);
            let start = market.cash().abs().max(1.0);
            let (metrics, _) = market.run(0);
            liquidated += metrics.liquidations;
            assert!(metrics.cash_drift.abs() <= start * 1e-9, "{} seed {seed}: drift {}", spec.name(), metrics.cash_drift);
            assert!(metrics.leverage_used > 0.0);
        }
    }
    assert!(liquidated > 0, "the crash liquidates someone");
}

#[test]
fn a_bridged_path_passes_through_every_close_and_differs_between_seeds() {
    let text = "slot,price,conf\n0,100,0.05\n9000,103,0.05\n18000,95,0.05\n27000,96,0.05\n";
    let bars = Arc::new(Bars::parse(text).unwrap());
    let source = PathSource::default();
    let walk = |seed| {
        let mut path = PricePath::new(&source, Some(bars.clone()), seed);
        let mut seen = Vec::new();
        while let Some(step) = path.next_step() {
            assert!(step.dt >= 1 && step.dt <= source.max_step_slots);
            seen.push((step.slot, step.price));
        }
        seen
    };
    let (a, b) = (walk(1), walk(2));
    for (slot, close) in [(9000u64, 103.0), (18000, 95.0), (27000, 96.0)] {
        for path in [&a, &b] {
            let at = path.iter().find(|(s, _)| *s == slot).expect("a step ends on every bar");
            assert!((at.1 - close).abs() < 1e-9, "slot {slot}: {} against the close {close}", at.1);
        }
    }
    assert_eq!(a.last().unwrap().0, 27000);
    assert_ne!(a, b, "each seed fills the bars differently");
    assert!(Bars::parse("slot,price,conf\n0,100,1\n0,101,1\n").unwrap_err().contains("increase"));
    assert!(Bars::parse("slot,price,conf\n0,-1,1\n5,2,1\n").is_err());
}

#[test]
fn frontier_ratios_interpolate_between_calibrations() {
    let statics = [Point { efficiency: 2.0, bad_debt: 0.0 }, Point { efficiency: 6.0, bad_debt: 40.0 }, Point { efficiency: 10.0, bad_debt: 200.0 }];
    let frontier = Frontier::new(&statics);
    assert_eq!(frontier.bad_debt_at(4.0).unwrap().0, 20.0);
    assert_eq!(frontier.efficiency_at(120.0).unwrap().0, 8.0);
    // Same efficiency as the middle calibration, a quarter of its bad debt.
    let r = ratios(&frontier, Point { efficiency: 6.0, bad_debt: 10.0 });
    assert!((r.bad_debt.unwrap() - 0.25).abs() < 1e-12);
    assert!((r.efficiency.unwrap() - 6.0 / 3.0).abs() < 1e-12, "the frontier reaches 3.0 at 10 bp");
    // Both zero: undefined, not a win.
    assert!(ratios(&frontier, Point { efficiency: 1.0, bad_debt: 0.0 }).bad_debt.is_none());
    // A dominated static does not lower the envelope.
    let dominated = Frontier::new(&[statics[0], statics[1], Point { efficiency: 5.0, bad_debt: 90.0 }, statics[2]]);
    assert_eq!(dominated.bad_debt_at(5.0).unwrap().0, 40.0);
}

#[test]
fn every_default_variant_passes_the_bounds_check_and_a_penalty_above_maintenance_is_refused() {
    let policies = PolicyConfig::default();
    check_bounds(&policies, None).unwrap();
    for variant in default_variants() {
        check_bounds(&policies, Some(&variant)).unwrap_or_else(|e| panic!("{}: {e}", variant.name));
    }
    let mut loose = policies.clone();
    loose.liquidation_penalty = 0.04;
    assert!(check_bounds(&loose, None).is_err(), "penalty above the lowest maintenance level");
}

#[test]
fn bad_scenario_files_are_refused_with_the_reason() {
    let base = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sim"));
    let good = std::fs::read_to_string(base.join("default.toml")).unwrap();
    let config = SimConfig::from_toml(&good, base).unwrap();
    assert!(config.scenarios.iter().any(|s| s.family == "real"), "the price folder's files are scenarios");
    let garch = good.replacen("garch_beta = 0.9", "garch_beta = 0.99", 1);
    assert!(SimConfig::from_toml(&garch, base).unwrap_err().contains("GARCH"));
    let unknown = good.replacen("seeds = 8", "seeds = 8\nsede = 3", 1);
    assert!(SimConfig::from_toml(&unknown, base).is_err());
}
