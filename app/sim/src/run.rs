//! Running every (scenario, policy, seed) across cores, in shards if asked,
//! and summarising each metric as a mean with a 95% interval over seeds.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::{Scenario, SimConfig};
use crate::market::{Market, RunMetrics, Trace};
use crate::path::{Bars, PricePath};
use crate::policy::PolicySpec;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub scenario: String,
    pub policy: String,
    pub seed: u64,
    pub metrics: RunMetrics,
    /// Seconds this run took (throughput).
    pub seconds: f64,
}

/// What a shard (or the whole study) writes: enough to merge and report.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Results {
    pub runs: Vec<RunResult>,
    /// Seed 0 of every scenario for the charted policies.
    pub traces: Vec<(String, String, Trace)>,
    pub seconds: f64,
    pub threads: usize,
}

impl Results {
    pub fn merge(parts: Vec<Results>) -> Results {
        let mut all = Results::default();
        for part in parts {
            all.runs.extend(part.runs);
            all.traces.extend(part.traces);
            all.seconds += part.seconds;
            all.threads = all.threads.max(part.threads);
        }
        all.runs.sort_by(|a, b| (&a.scenario, &a.policy, a.seed).cmp(&(&b.scenario, &b.policy, b.seed)));
        all.runs.dedup_by(|a, b| (&a.scenario, &a.policy, a.seed) == (&b.scenario, &b.policy, b.seed));
        all.traces.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        all.traces.dedup_by(|a, b| (&a.0, &a.1) == (&b.0, &b.1));
        all
    }
}

/// Every policy of the study: the static sweep, then the dynamic variants.
pub fn policies(config: &SimConfig) -> Vec<PolicySpec> {
    let statics = config.static_sweep.iter().map(|&sigma| PolicySpec::Static { sigma });
    statics.chain(config.variants.iter().cloned().map(PolicySpec::Dynamic)).collect()
}

/// Policies whose seed-0 path is charted.
pub fn charted(spec: &PolicySpec) -> bool {
    matches!(spec, PolicySpec::Dynamic(v) if v.name == "reflex" || v.name == "combined")
}

/// Loads each scenario's price file once.
pub fn load_bars(config: &SimConfig) -> Result<HashMap<String, Arc<Bars>>, String> {
    let mut bars = HashMap::new();
    for scenario in &config.scenarios {
        if let Some(file) = &scenario.path.file {
            bars.insert(scenario.name.clone(), Arc::new(Bars::load(file)?));
        }
    }
    Ok(bars)
}

/// Slots a scenario runs for.
pub fn scenario_slots(scenario: &Scenario, bars: &HashMap<String, Arc<Bars>>) -> u64 {
    PricePath::new(&scenario.path, bars.get(&scenario.name).cloned(), 0).total_slots()
}

/// Which jobs a shard runs: `(index, count)`, jobs taken round-robin.
#[derive(Clone, Copy, Debug)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// `i/n` with `0 ≤ i < n`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text.split_once('/').ok_or("--shard takes i/n")?;
        let (index, count): (usize, usize) = (i.parse().map_err(|_| "--shard i/n: i is not a number")?, n.parse().map_err(|_| "--shard i/n: n is not a number")?);
        if count == 0 || index >= count {
            return Err("--shard i/n needs 0 ≤ i < n".into());
        }
        Ok(Shard { index, count })
    }
}

/// Runs a shard of the study; `progress` gets (done, total) after each run.
pub fn run_all(config: &SimConfig, shard: Shard, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Results, String> {
    let started = Instant::now();
    let bars = load_bars(config)?;
    let specs = policies(config);
    let mut jobs = Vec::new();
    for scenario in &config.scenarios {
        let seeds = config.seeds_for(scenario_slots(scenario, &bars));
        for spec in &specs {
            for seed in 0..seeds {
                jobs.push((scenario, spec, seed));
            }
        }
    }
    // Long runs first, so the last core is not left with a five-year file.
    jobs.sort_by_key(|(scenario, _, _)| std::cmp::Reverse(scenario_slots(scenario, &bars)));
    let jobs: Vec<_> = jobs.into_iter().enumerate().filter(|(i, _)| i % shard.count == shard.index).map(|(_, job)| job).collect();
    let threads = config.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results = Mutex::new(Results { threads, ..Results::default() });
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(scenario, spec, seed)) = jobs.get(index) else { break };
                let run_started = Instant::now();
                let trace_points = if seed == 0 && charted(spec) { 600 } else { 0 };
                let market = Market::new(scenario, &config.policies, spec.clone(), bars.get(&scenario.name).cloned(), seed);
                let (metrics, trace) = market.run(trace_points);
                let seconds = run_started.elapsed().as_secs_f64();
                let mut results = results.lock().expect("results");
                if trace_points > 0 {
                    results.traces.push((scenario.name.clone(), spec.name(), trace));
                }
                results.runs.push(RunResult { scenario: scenario.name.clone(), policy: spec.name(), seed, metrics, seconds });
                drop(results);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
            });
        }
    });
    let mut results = results.into_inner().expect("results");
    results.seconds = started.elapsed().as_secs_f64();
    Ok(Results::merge(vec![results]))
}

/// Reads shard files written by `--shard i/n --results FILE`.
pub fn read_results(paths: &[PathBuf]) -> Result<Results, String> {
    let mut parts = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        parts.push(serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?);
    }
    Ok(Results::merge(parts))
}

/// Mean and 95% confidence half-width (normal approximation) over seeds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
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
}
