//! `reflex-sim calibrate`: searches a variant's margin settings on a chosen
//! set of scenarios for the most capital efficiency within a bad-debt
//! budget, checks the winner with the program's bounds check, and writes it
//! in the JSON that `reflex gov set-market-risk` / `set-collateral-risk`
//! take (and that `reflex_sdk::presets` loads).
//!
//! The budget binds the *worst* calibration scenario's mean bad debt over
//! seeds, not the average: a setting that is safe on average and ruinous on
//! one real crash is not a calibration governance could defend.
use std::collections::BTreeMap;

use reflex_risk::Fixed;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::{PolicyConfig, Scenario, SimConfig, Variant};
use crate::policy::{check_bounds, risk_configs, risk_exts, PolicySpec};
use crate::run::{load_bars, run_jobs, scenario_slots, Shard};

/// Candidates within this fraction of the best efficiency count as equally
/// efficient; the least worst-case bad debt among them wins.
pub const EFFICIENCY_TIE: f64 = 0.01;

/// The `[calibration]` table of a scenario file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationConfig {
    /// The variant searched (a `name` among the file's variants).
    pub variant: String,
    /// Worst calibration scenario's mean bad debt, bp of mean equity.
    pub budget_bp: f64,
    /// Scenarios searched on, by family and by name (their union).
    #[serde(default)]
    pub families: Vec<String>,
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Seeds per scenario (the study's `seeds_for` if unset).
    #[serde(default)]
    pub seeds: Option<u64>,
    /// The grid; every combination is a candidate. Initial margin's base and
    /// lower bound, its sensitivity k, the maintenance curve as a share of the
    /// initial one (base, k, lower and upper), and maintenance's slew limit.
    pub initial_base: Vec<f64>,
    pub initial_sensitivity: Vec<f64>,
    pub maintenance_share: Vec<f64>,
    pub tighten_per_slot: Vec<f64>,
}

/// One point of the grid.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub initial_base: f64,
    pub initial_sensitivity: f64,
    pub maintenance_share: f64,
    pub tighten_per_slot: f64,
}

impl Candidate {
    /// The study's settings with this candidate's margin curves and slew.
    pub fn apply(&self, base: &PolicyConfig) -> PolicyConfig {
        let mut policy = base.clone();
        let upper = base.initial_margin[3];
        policy.initial_margin = [self.initial_base, self.initial_sensitivity, self.initial_base, upper];
        let share = self.maintenance_share;
        policy.maintenance_margin = [self.initial_base * share, self.initial_sensitivity * share, self.initial_base * share, upper * share];
        policy.tighten_per_slot = self.tighten_per_slot;
        policy
    }

    pub fn label(&self) -> String {
        format!(
            "initial {:.1}% + {:.1}·σ, maintenance ×{:.2}, slew {:.3}%/slot",
            self.initial_base * 100.0,
            self.initial_sensitivity,
            self.maintenance_share,
            self.tighten_per_slot * 100.0
        )
    }
}

/// Every combination of the grid, in a fixed order.
pub fn candidates(grid: &CalibrationConfig) -> Vec<Candidate> {
    let mut all = Vec::new();
    for &initial_base in &grid.initial_base {
        for &initial_sensitivity in &grid.initial_sensitivity {
            for &maintenance_share in &grid.maintenance_share {
                for &tighten_per_slot in &grid.tighten_per_slot {
                    all.push(Candidate { initial_base, initial_sensitivity, maintenance_share, tighten_per_slot });
                }
            }
        }
    }
    all
}

/// One run of a candidate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CalibrationRun {
    pub candidate: usize,
    pub scenario: String,
    pub seed: u64,
    pub leverage_used: f64,
    pub bad_debt_bp: f64,
}

/// What a shard of the calibration writes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CalibrationResults {
    pub runs: Vec<CalibrationRun>,
    pub seconds: f64,
    /// The plan every shard computes in full before taking its share: the
    /// grid (so shards of another grid are refused) and the seeds each
    /// scenario runs (so a lost shard is found, whichever jobs it held).
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    #[serde(default)]
    pub seeds: BTreeMap<String, u64>,
}

impl CalibrationResults {
    /// Merges shards of one plan; shards of different plans are refused.
    pub fn merge(parts: Vec<CalibrationResults>) -> Result<CalibrationResults, String> {
        let mut all = CalibrationResults::default();
        for (index, part) in parts.into_iter().enumerate() {
            if index == 0 {
                (all.candidates, all.seeds) = (part.candidates, part.seeds);
            } else if !same_grid(&part.candidates, &all.candidates) || part.seeds != all.seeds {
                return Err(format!("shard file {} comes from another grid or scenario set", index + 1));
            }
            all.runs.extend(part.runs);
            all.seconds += part.seconds;
        }
        all.runs.sort_by(|a, b| (a.candidate, &a.scenario, a.seed).cmp(&(b.candidate, &b.scenario, b.seed)));
        all.runs.dedup_by(|a, b| (a.candidate, &a.scenario, a.seed) == (b.candidate, &b.scenario, b.seed));
        Ok(all)
    }
}

/// Two grids are the same up to the last bit a JSON round trip may move.
fn same_grid(a: &[Candidate], b: &[Candidate]) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(y.abs());
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            close(a.initial_base, b.initial_base)
                && close(a.initial_sensitivity, b.initial_sensitivity)
                && close(a.maintenance_share, b.maintenance_share)
                && close(a.tighten_per_slot, b.tighten_per_slot)
        })
}

/// The calibration's inputs, resolved from a scenario file.
pub struct Calibration<'a> {
    pub config: &'a SimConfig,
    pub grid: &'a CalibrationConfig,
    pub variant: &'a Variant,
    pub scenarios: Vec<&'a Scenario>,
    pub candidates: Vec<Candidate>,
    /// Bounds-check outcome per candidate (`Err` candidates are not run).
    pub bounds: Vec<Result<(), String>>,
}

impl<'a> Calibration<'a> {
    pub fn new(config: &'a SimConfig) -> Result<Self, String> {
        let grid = config.calibration.as_ref().ok_or("the file has no [calibration] table")?;
        let variant = config
            .variants
            .iter()
            .find(|v| v.name == grid.variant)
            .ok_or_else(|| format!("calibration: no variant named {:?}", grid.variant))?;
        let scenarios: Vec<&Scenario> =
            config.scenarios.iter().filter(|s| grid.families.contains(&s.family) || grid.scenarios.contains(&s.name)).collect();
        if scenarios.is_empty() {
            return Err("calibration: no scenario matches its families or scenarios".into());
        }
        if grid.budget_bp.is_nan() || grid.budget_bp < 0.0 {
            return Err("calibration: budget_bp must be ≥ 0".into());
        }
        let candidates = candidates(grid);
        if candidates.is_empty() {
            return Err("calibration: every grid list needs at least one value".into());
        }
        // The study runs every policy on the same settings, so a candidate
        // must pass the bounds check as each of them, not only as the one searched.
        let bounds = candidates
            .iter()
            .map(|c| {
                let policy = c.apply(&config.policies);
                check_bounds(&policy, None)?;
                config.variants.iter().try_for_each(|v| check_bounds(&policy, Some(v)).map_err(|error| format!("as {}: {error}", v.name)))
            })
            .collect();
        Ok(Calibration { config, grid, variant, scenarios, candidates, bounds })
    }

    /// Runs this shard's (candidate, scenario, seed) jobs.
    pub fn run(&self, shard: Shard, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<CalibrationResults, String> {
        let started = std::time::Instant::now();
        let bars = load_bars(self.config)?;
        let mut jobs = Vec::new();
        let mut plan = BTreeMap::new();
        for scenario in &self.scenarios {
            let slots = scenario_slots(scenario, &bars);
            let seeds = self.grid.seeds.unwrap_or_else(|| self.config.seeds_for(slots));
            plan.insert(scenario.name.clone(), seeds);
            for (index, candidate) in self.candidates.iter().enumerate().filter(|(i, _)| self.bounds[*i].is_ok()) {
                for seed in 0..seeds {
                    jobs.push((slots, index, candidate.apply(&self.config.policies), *scenario, seed));
                }
            }
        }
        jobs.sort_by_key(|job| std::cmp::Reverse(job.0));
        let jobs = shard.take(jobs);
        let threads = self.config.worker_threads();
        let spec = PolicySpec::Dynamic(self.variant.clone());
        let runs = run_jobs(&jobs, threads, progress, |(_, candidate, policy, scenario, seed)| {
            let market = crate::market::Market::new(scenario, policy, spec.clone(), bars.get(&scenario.name).cloned(), *seed);
            let (metrics, _) = market.run(0);
            CalibrationRun {
                candidate: *candidate,
                scenario: scenario.name.clone(),
                seed: *seed,
                leverage_used: metrics.leverage_used,
                bad_debt_bp: metrics.bad_debt_bp(),
            }
        });
        Ok(CalibrationResults { runs, seconds: started.elapsed().as_secs_f64(), candidates: self.candidates.clone(), seeds: plan })
    }
}

/// One candidate's standing.
#[derive(Clone, Debug, Serialize)]
pub struct Standing {
    pub candidate: Candidate,
    pub bounds: Result<(), String>,
    /// Mean over scenarios of the mean leverage used over seeds.
    pub efficiency: f64,
    /// Worst scenario's mean bad debt (bp) and that scenario.
    pub worst_bad_debt_bp: f64,
    pub worst_scenario: String,
    pub runs: usize,
}

/// The outcome: every candidate's standing and the winner.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub standings: Vec<Standing>,
    /// The most efficient candidate within budget (efficiency within
    /// [`EFFICIENCY_TIE`] of the best is a tie, settled by the lesser worst
    /// bad debt); if none is, the one with
    /// the least worst-case bad debt (and `within_budget` false).
    pub winner: usize,
    pub within_budget: bool,
}

/// Ranks the candidates from their runs.
pub fn decide(calibration: &Calibration, results: &CalibrationResults) -> Result<Outcome, String> {
    if !same_grid(&results.candidates, &calibration.candidates) {
        return Err("the results come from another grid than the file's [calibration]".into());
    }
    let mut per: BTreeMap<(usize, &str), Vec<&CalibrationRun>> = BTreeMap::new();
    for run in &results.runs {
        per.entry((run.candidate, run.scenario.as_str())).or_default().push(run);
    }
    let mut standings = Vec::new();
    for (index, candidate) in calibration.candidates.iter().enumerate() {
        let (mut efficiency, mut worst, mut worst_scenario, mut runs, mut complete) = (0.0, 0.0f64, String::new(), 0, true);
        for scenario in &calibration.scenarios {
            let expected = results.seeds.get(&scenario.name).copied().unwrap_or(0);
            let Some(list) = per.get(&(index, scenario.name.as_str())).filter(|list| expected > 0 && list.len() as u64 == expected) else {
                complete = false;
                continue;
            };
            let n = list.len() as f64;
            runs += list.len();
            efficiency += list.iter().map(|r| r.leverage_used).sum::<f64>() / n / calibration.scenarios.len() as f64;
            let bad_debt = list.iter().map(|r| r.bad_debt_bp).sum::<f64>() / n;
            if bad_debt >= worst {
                worst = bad_debt;
                worst_scenario = scenario.name.clone();
            }
        }
        let bounds = calibration.bounds[index].clone();
        if bounds.is_ok() && !complete {
            return Err(format!("candidate {index} lacks runs of the plan's seeds for some scenario: merge every shard"));
        }
        standings.push(Standing { candidate: candidate.clone(), bounds, efficiency, worst_bad_debt_bp: worst, worst_scenario, runs });
    }
    let eligible: Vec<usize> = (0..standings.len()).filter(|&i| standings[i].bounds.is_ok()).collect();
    if eligible.is_empty() {
        return Err("calibration: no candidate passes the bounds check".into());
    }
    let within: Vec<usize> = eligible.iter().copied().filter(|&i| standings[i].worst_bad_debt_bp <= calibration.grid.budget_bp).collect();
    let (winner, within_budget) = if within.is_empty() {
        (
            *eligible
                .iter()
                .min_by(|&&a, &&b| standings[a].worst_bad_debt_bp.total_cmp(&standings[b].worst_bad_debt_bp))
                .expect("eligible"),
            false,
        )
    } else {
        // Efficiency within EFFICIENCY_TIE of the best is a tie (the slew,
        // for one, barely moves it), settled by the lesser worst bad debt.
        let best = within.iter().map(|&i| standings[i].efficiency).fold(f64::NEG_INFINITY, f64::max);
        let tied = within.iter().copied().filter(|&i| standings[i].efficiency >= best * (1.0 - EFFICIENCY_TIE));
        (tied.min_by(|&a, &b| standings[a].worst_bad_debt_bp.total_cmp(&standings[b].worst_bad_debt_bp)).expect("within"), true)
    };
    Ok(Outcome { standings, winner, within_budget })
}

fn to_ppm(x: Fixed) -> u64 {
    (x.to_num::<f64>() * 1e6).round().max(0.0) as u64
}

fn curve_ppm(curve: &reflex_risk::LevelCurve) -> Value {
    json!({ "base": to_ppm(curve.base), "sensitivity": to_ppm(curve.sensitivity), "lower": to_ppm(curve.lower), "upper": to_ppm(curve.upper) })
}

fn feedback_ppm(config: &reflex_risk::FeedbackConfig) -> Value {
    json!({
        "initial": curve_ppm(&config.initial),
        "maintenance": curve_ppm(&config.maintenance),
        "tighten_per_slot": to_ppm(config.tighten_per_slot),
        "loosen_per_slot": to_ppm(config.loosen_per_slot),
    })
}

/// The settings as `reflex gov` reads them.
pub struct GovernanceJson {
    /// `MarketRiskPpm` and `CollateralRiskPpm` (`set-market-risk`,
    /// `set-collateral-risk`): the bounds-checked configs of
    /// [`risk_configs`], gap floor applied, in parts per million.
    pub market: Value,
    pub collateral: Value,
    /// `MarketRiskExtPpm` and `CollateralRiskExtPpm` (`set-market-risk-ext`,
    /// `set-collateral-risk-ext`): the gap allowance where the variant claims
    /// the gap floor, the open-interest scaling where it has utilisation
    /// feedback; zero (off) otherwise. The deposit depth is 0: it is an
    /// amount of quote, which each deployment sets from its own size (the
    /// study puts it at `deposit_depth_equity_multiple` of its traders' equity).
    pub market_ext: Value,
    pub collateral_ext: Value,
}

pub fn governance_json(policy: &PolicyConfig, variant: &Variant) -> GovernanceJson {
    let (market, collateral) = risk_configs(policy, Some(variant));
    let market = json!({
        "margin": feedback_ppm(&market.margin),
        "liquidation_penalty": to_ppm(market.liquidation_penalty),
        "liquidation_buffer": to_ppm(market.liquidation_buffer),
        "max_move_over_horizon": to_ppm(market.max_move_over_horizon),
        "size_factor_ppb": 0,
        "positive_pnl_weight_initial": to_ppm(market.positive_pnl_weight_initial),
        "positive_pnl_weight_maintenance": to_ppm(market.positive_pnl_weight_maintenance),
    });
    let collateral = json!({
        "haircut": feedback_ppm(&collateral.haircut),
        "liquidation_discount": to_ppm(collateral.liquidation_discount),
        "liquidation_buffer": to_ppm(collateral.liquidation_buffer),
        "max_move_over_horizon": to_ppm(collateral.max_move_over_horizon),
        "size_factor_ppb": 0,
    });
    let (market_ext, collateral_ext) = risk_exts(policy, Some(variant));
    let market_ext = json!({
        "gap_allowance": to_ppm(market_ext.gap_allowance),
        "open_interest_lower": to_ppm(market_ext.open_interest.lower),
        "open_interest_upper": to_ppm(market_ext.open_interest.upper),
        "open_interest_max_add_on": to_ppm(market_ext.open_interest.max_add_on),
    });
    let collateral_ext = json!({ "gap_allowance": to_ppm(collateral_ext.gap_allowance), "deposit_depth": 0 });
    GovernanceJson { market, collateral, market_ext, collateral_ext }
}

/// The calibration's record (`calibration.md`): every candidate and why the winner won.
pub fn markdown(calibration: &Calibration, outcome: &Outcome, results: &CalibrationResults, command: &str) -> String {
    let grid = calibration.grid;
    let mut out = String::new();
    out += "# Calibration\n\n";
    out += &format!("Regenerate with `{command}`. Variant **{}**; budget: the worst calibration scenario's mean bad debt ≤ {} bp of mean equity; efficiency within {:.0}% of the best within budget is a tie, won by the lesser worst bad debt. ", grid.variant, grid.budget_bp, EFFICIENCY_TIE * 100.0);
    out += &format!(
        "Scenarios ({}): {}. {} runs in {:.0} s.\n\n",
        calibration.scenarios.len(),
        calibration.scenarios.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
        results.runs.len(),
        results.seconds
    );
    let winner = &outcome.standings[outcome.winner];
    if outcome.within_budget {
        out += &format!(
            "**Winner:** {} — efficiency {:.2}× mean leverage used, worst bad debt {:.1} bp ({}).\n\n",
            winner.candidate.label(),
            winner.efficiency,
            winner.worst_bad_debt_bp,
            winner.worst_scenario
        );
    } else {
        out += &format!("**No candidate is within budget.** The least bad: {} — worst bad debt {:.1} bp ({}), efficiency {:.2}×. These settings are written, but the budget is not met.\n\n", winner.candidate.label(), winner.worst_bad_debt_bp, winner.worst_scenario, winner.efficiency);
    }
    out += "| candidate | bounds | efficiency (× used) | worst bad debt (bp) | worst scenario | runs |\n|---|---|---:|---:|---|---:|\n";
    for (index, standing) in outcome.standings.iter().enumerate() {
        let mark = if index == outcome.winner { " **(winner)**" } else { "" };
        match &standing.bounds {
            Ok(()) => {
                out += &format!(
                    "| {}{mark} | ok | {:.2} | {:.1} | {} | {} |\n",
                    standing.candidate.label(),
                    standing.efficiency,
                    standing.worst_bad_debt_bp,
                    standing.worst_scenario,
                    standing.runs
                )
            }
            Err(reason) => out += &format!("| {} | refused: {reason} | – | – | – | 0 |\n", standing.candidate.label()),
        }
    }
    out
}
