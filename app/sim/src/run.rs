//! Running every (scenario, policy, seed) across cores and summarising
//! each metric as a mean with a 95% confidence interval over seeds.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::config::SimConfig;
use crate::model::{Market, Policy, RunMetrics, Trace};

#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    pub scenario: String,
    pub policy: Policy,
    pub seed: u64,
    pub metrics: RunMetrics,
}

/// Mean and 95% confidence half-width (normal approximation) over seeds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub half_width: f64,
}

impl Estimate {
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        Estimate { mean, half_width: 1.96 * (variance / n).sqrt() }
    }

    /// Entirely below `other` (the intervals do not overlap).
    pub fn clearly_below(&self, other: &Estimate) -> bool {
        self.mean + self.half_width < other.mean - other.half_width
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub policy: Policy,
    pub seeds: usize,
    pub bad_debt: Estimate,
    pub deficits: Estimate,
    pub liquidated_notional: Estimate,
    pub largest_cascade: Estimate,
    pub time_under_water: Estimate,
    pub calm_leverage: Estimate,
    pub utilisation: Estimate,
    pub min_price: Estimate,
}

pub struct Outcome {
    pub results: Vec<RunResult>,
    pub summaries: Vec<Summary>,
    /// Seed 0 of each scenario, per policy: the charts' paths.
    pub traces: Vec<(String, Policy, Trace)>,
    pub account_slots: f64,
    pub seconds: f64,
}

/// Runs everything; `progress` is called after each finished run with (done, total).
pub fn run_all(config: &SimConfig, progress: &(dyn Fn(usize, usize) + Sync)) -> Outcome {
    let started = Instant::now();
    let mut jobs = Vec::new();
    for scenario in &config.scenarios {
        for policy in Policy::ALL {
            for seed in 0..config.seeds {
                jobs.push((scenario, policy, seed));
            }
        }
    }
    let threads = config.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let traces = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(scenario, policy, seed)) = jobs.get(index) else { break };
                let trace_every = if seed == 0 { (scenario.slots / 1_500).max(1) } else { 0 };
                let (metrics, trace) = Market::new(scenario, &config.policies, policy, seed).run(trace_every);
                if seed == 0 {
                    traces.lock().expect("traces").push((scenario.name.clone(), policy, trace));
                }
                results.lock().expect("results").push(RunResult { scenario: scenario.name.clone(), policy, seed, metrics });
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.sort_by(|a, b| (&a.scenario, a.policy, a.seed).cmp(&(&b.scenario, b.policy, b.seed)));
    let mut traces = traces.into_inner().expect("traces");
    traces.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let summaries = summarise(config, &results);
    let account_slots = config.scenarios.iter().map(|s| s.accounts as f64 * s.slots as f64).sum::<f64>() * 3.0 * config.seeds as f64;
    Outcome { results, summaries, traces, account_slots, seconds: started.elapsed().as_secs_f64() }
}

fn summarise(config: &SimConfig, results: &[RunResult]) -> Vec<Summary> {
    let mut summaries = Vec::new();
    for scenario in &config.scenarios {
        for policy in Policy::ALL {
            let runs: Vec<&RunMetrics> = results.iter().filter(|r| r.scenario == scenario.name && r.policy == policy).map(|r| &r.metrics).collect();
            let of = |f: fn(&RunMetrics) -> f64| Estimate::of(&runs.iter().map(|m| f(m)).collect::<Vec<_>>());
            summaries.push(Summary {
                scenario: scenario.name.clone(),
                policy,
                seeds: runs.len(),
                bad_debt: of(|m| m.bad_debt),
                deficits: of(|m| m.deficits),
                liquidated_notional: of(|m| m.liquidated_notional),
                largest_cascade: of(|m| m.largest_cascade as f64),
                time_under_water: of(|m| m.time_under_water),
                calm_leverage: of(|m| m.calm_leverage),
                utilisation: of(|m| m.utilisation),
                min_price: of(|m| m.min_price),
            });
        }
    }
    summaries
}
