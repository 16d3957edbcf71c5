//! The simulator's own guarantees: a seed determines a run; no leverage, no
//! bad debt; cash conserved inside the market; bridged paths pass through
//! every real close; the frontier's ratios; every default variant passes the
//! bounds check; scenario files validated; calibration picks within budget,
//! shards merge, and what it writes is what was checked.
use reflex_sim::calibrate::{decide, governance_json, Calibration, CalibrationConfig, CalibrationResults, EFFICIENCY_TIE};
use reflex_sim::config::{default_variants, Crash, MarketConfig, PathSource, PolicyConfig, Population, Scenario, SimConfig};
use reflex_sim::frontier::{net, ratios, Frontier, Point, BAD_DEBT_TOLERANCE_BP};
use reflex_sim::market::Market;
use reflex_sim::path::{Bars, PricePath};
use reflex_sim::policy::{check_bounds, risk_configs, PolicySpec};
use reflex_sim::run::Shard;
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
    let statics =
        [Point { efficiency: 2.0, bad_debt: 0.0 }, Point { efficiency: 6.0, bad_debt: 40.0 }, Point { efficiency: 10.0, bad_debt: 200.0 }];
    let frontier = Frontier::new(&statics);
    assert_eq!(frontier.bad_debt_at(4.0).unwrap().0, 20.0);
    assert_eq!(frontier.efficiency_at(120.0).unwrap().0, 8.0);
    // Same efficiency as the middle calibration, a quarter of its bad debt.
    let r = ratios(&frontier, Point { efficiency: 6.0, bad_debt: 10.0 });
    assert!((r.bad_debt.unwrap() - 0.25).abs() < 1e-12);
    assert!((r.efficiency.unwrap() - 6.0 / 3.0).abs() < 1e-12, "the frontier reaches 3.0 at 10 bp");
    // Both zero: undefined, not a win.
    assert!(ratios(&frontier, Point { efficiency: 1.0, bad_debt: 0.0 }).bad_debt.is_none());
    // Bad debt within the tolerance counts as none: 0.2 bp at 8× against
    // zero at 7× is no bad-debt ratio at all, and the 8× calibration is
    // as safe as the policy.
    let tolerant = |p: Point| net(p, BAD_DEBT_TOLERANCE_BP);
    let tiny = Frontier::new(&[Point { efficiency: 2.0, bad_debt: 0.0 }, Point { efficiency: 8.0, bad_debt: 0.2 }].map(tolerant));
    let r = ratios(&tiny, tolerant(Point { efficiency: 7.0, bad_debt: 0.0 }));
    assert!(r.bad_debt.is_none());
    assert!((r.efficiency.unwrap() - 7.0 / 8.0).abs() < 1e-12);
    assert_eq!(tolerant(Point { efficiency: 1.0, bad_debt: BAD_DEBT_TOLERANCE_BP + 5.0 }).bad_debt, 5.0);
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
    let twice = format!("{good}\n[[scenario]]\nname = \"calm\"\n");
    assert!(SimConfig::from_toml(&twice, base).unwrap_err().contains("two scenarios"));
    let stray = good.replacen("\"btc_2022-01_to_2025-06_1h\",", "\"btc_2099_1h\",", 1);
    assert!(SimConfig::from_toml(&stray, base).unwrap_err().contains("btc_2099_1h"));
    let file = "[[scenario]]\nname = \"f\"\npath = { file = \"x.csv\" }\n[[scenario]]\nname = \"s\"\n";
    let families: Vec<String> = SimConfig::from_toml(file, base).unwrap().scenarios.into_iter().map(|s| s.family).collect();
    assert_eq!(families, ["real", "synthetic"], "a price file without a family is real");
    let unknown = good.replacen("seeds = 8", "seeds = 8\nsede = 3", 1);
    assert!(SimConfig::from_toml(&unknown, base).is_err());
}

fn calibration_config(budget_bp: f64) -> SimConfig {
    let mut config = SimConfig::from_toml("[[scenario]]\nname = \"test\"\nfamily = \"test\"\n", std::path::Path::new(".")).unwrap();
    config.scenarios = vec![scenario()];
    config.calibration = Some(CalibrationConfig {
        variant: "reflex".into(),
        budget_bp,
        families: vec!["test".into()],
        scenarios: Vec::new(),
        seeds: Some(2),
        // The second candidate's maintenance is below the penalty: refused, never run.
        initial_base: vec![0.05, 0.10],
        initial_sensitivity: vec![4.0],
        maintenance_share: vec![0.6, 0.05],
        // Two slews: equally efficient, so the tie rule decides between them.
        tighten_per_slot: vec![0.0005, 0.00002],
    });
    config
}

#[test]
fn calibration_takes_the_most_efficient_candidate_within_budget_and_refuses_out_of_bounds_ones() {
    let config = calibration_config(1e9);
    let calibration = Calibration::new(&config).unwrap();
    assert_eq!(calibration.candidates.len(), 8);
    assert_eq!(calibration.bounds.iter().filter(|b| b.is_err()).count(), 4, "maintenance below the penalty is refused");
    let results = calibration.run(Shard::ALL, &|_, _| {}).unwrap();
    assert_eq!(results.runs.len(), 4 * 2, "four candidates pass, two seeds each");
    let outcome = decide(&calibration, &results).unwrap();
    assert!(outcome.within_budget);
    // Candidates run base × share × slew: 0..2 are the 5% base at share 0.6.
    let (low, high) = (&outcome.standings[0], &outcome.standings[4]);
    assert!(
        low.efficiency > high.efficiency * (1.0 + EFFICIENCY_TIE),
        "a 5% base allows more leverage than 10%: {} vs {}",
        low.efficiency,
        high.efficiency
    );
    assert!(outcome.winner < 2, "the 5% base wins: {}", outcome.standings[outcome.winner].candidate.label());
    let slews = &outcome.standings[0..2];
    assert!(
        (slews[0].efficiency / slews[1].efficiency - 1.0).abs() < EFFICIENCY_TIE,
        "the slew barely moves efficiency: {} vs {}",
        slews[0].efficiency,
        slews[1].efficiency
    );
    let least = slews.iter().map(|s| s.worst_bad_debt_bp).fold(f64::INFINITY, f64::min);
    assert_eq!(outcome.standings[outcome.winner].worst_bad_debt_bp, least, "the tie goes to the lesser worst bad debt");

    // Shards merge to the same runs.
    let mut parts: Vec<CalibrationResults> = (0..2).map(|i| calibration.run(Shard { index: i, count: 2 }, &|_, _| {}).unwrap()).collect();
    let merged = CalibrationResults::merge(parts.clone()).unwrap();
    assert_eq!(serde_json::to_string(&merged.runs).unwrap(), serde_json::to_string(&results.runs).unwrap());
    // A lost shard is found even when it held one seed of every candidate and scenario.
    let half = CalibrationResults::merge(vec![parts[0].clone()]).unwrap();
    assert!(half.runs.len() < results.runs.len());
    assert!(decide(&calibration, &half).unwrap_err().contains("merge every shard"));
    // Shards of another grid are refused.
    parts[1].candidates.pop();
    assert!(CalibrationResults::merge(parts).is_err());

    // A budget below every candidate's bad debt: the least bad is named, and flagged.
    let worst = outcome.standings.iter().filter(|s| s.bounds.is_ok()).map(|s| s.worst_bad_debt_bp).fold(f64::INFINITY, f64::min);
    if worst > 0.0 {
        let strict = calibration_config(worst / 2.0);
        let strict = Calibration::new(&strict).unwrap();
        let outcome = decide(&strict, &results).unwrap();
        assert!(!outcome.within_budget);
        assert_eq!(outcome.standings[outcome.winner].worst_bad_debt_bp, worst);
    }
    // A missing shard is an error, not a silent winner.
    let mut partial = results.clone();
    partial.runs.retain(|r| r.candidate != 0);
    assert!(decide(&calibration, &partial).is_err());
}

#[test]
fn the_calibrated_settings_file_round_trips_and_must_name_every_setting() {
    let policies = PolicyConfig::default();
    let text = policies.to_policy_file("# test\n");
    let back = PolicyConfig::from_policy_file(&text).unwrap();
    assert_eq!(toml::to_string(&back).unwrap(), toml::to_string(&policies).unwrap());
    let without = text.lines().filter(|l| !l.starts_with("gap_allowance")).collect::<Vec<_>>().join("\n");
    assert!(PolicyConfig::from_policy_file(&without).unwrap_err().contains("gap_allowance"));
    // A scenario file changes what it names; the rest stays calibrated.
    let config = SimConfig::from_toml("[policies]\ngap_allowance = 0.05\n[[scenario]]\nname = \"x\"\n", std::path::Path::new(".")).unwrap();
    assert_eq!(config.policies.gap_allowance, 0.05);
    assert_eq!(config.policies.initial_margin, policies.initial_margin);
    assert!(SimConfig::from_toml("[policies]\ngap_alowance = 0.05\n[[scenario]]\nname = \"x\"\n", std::path::Path::new(".")).is_err());
}

#[test]
fn the_governance_json_is_what_the_bounds_check_saw() {
    let policies = PolicyConfig::default();
    for variant in default_variants() {
        let settings = governance_json(&policies, &variant);
        let (checked, _) = risk_configs(&policies, Some(&variant));
        let lower = settings.market["margin"]["maintenance"]["lower"].as_u64().unwrap() as f64 / 1e6;
        assert!((lower - checked.margin.maintenance.lower.to_num::<f64>()).abs() < 1e-6, "{}", variant.name);
        let gap = settings.market_ext["gap_allowance"].as_u64().unwrap() as f64 / 1e6;
        if variant.gap_floor {
            assert!((gap - policies.gap_allowance).abs() < 1e-6, "{}: the allowance is in the ext file", variant.name);
            assert!(lower >= gap + policies.liquidation_penalty - 1e-9, "{}: the gap floor is in the file", variant.name);
        } else {
            assert_eq!(gap, 0.0, "{}: no gap floor claimed", variant.name);
        }
        let add_on = settings.market_ext["open_interest_max_add_on"].as_u64().unwrap() as f64 / 1e6;
        assert_eq!(add_on > 0.0, variant.utilisation && policies.open_interest_scaling[2] > 0.0, "{}", variant.name);
    }
}
