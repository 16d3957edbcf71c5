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
        let (index, count): (usize, usize) =
            (i.parse().map_err(|_| "--shard i/n: i is not a number")?, n.parse().map_err(|_| "--shard i/n: n is not a number")?);
        if count == 0 || index >= count {
            return Err("--shard i/n needs 0 ≤ i < n".into());
        }
        Ok(Shard { index, count })
    }

    /// This shard's jobs: every `count`-th from the `index`-th.
    pub fn take<T>(self, jobs: Vec<T>) -> Vec<T> {
        jobs.into_iter().enumerate().filter(|(i, _)| i % self.count == self.index).map(|(_, job)| job).collect()
    }
}

/// Runs a shard of the study; `progress` gets (done, total) after each run.
pub fn run_all(config: &SimConfig, shard: Shard, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Results, String> {
    let started = Instant::now();
    let bars = load_bars(config)?;
    let specs = policies(config);
    let mut jobs = Vec::new();
    for scenario in &config.scenarios {
        let slots = scenario_slots(scenario, &bars);
        for spec in &specs {
            for seed in 0..config.seeds_for(slots) {
                jobs.push((slots, scenario, spec, seed));
            }
        }
    }
    // Long runs first, so the last core is not left with a five-year file.
    jobs.sort_by_key(|job| std::cmp::Reverse(job.0));
    let jobs: Vec<_> = shard.take(jobs).into_iter().map(|(_, scenario, spec, seed)| (scenario, spec, seed)).collect();
    let threads = config.worker_threads();
    let outcomes = run_jobs(&jobs, threads, progress, |&(scenario, spec, seed)| {
        let run_started = Instant::now();
        let trace_points = if seed == 0 && charted(spec) { 600 } else { 0 };
        let market = Market::new(scenario, &config.policies, spec.clone(), bars.get(&scenario.name).cloned(), seed);
        let (metrics, trace) = market.run(trace_points);
        let run =
            RunResult { scenario: scenario.name.clone(), policy: spec.name(), seed, metrics, seconds: run_started.elapsed().as_secs_f64() };
        (run, (trace_points > 0).then(|| (scenario.name.clone(), spec.name(), trace)))
    });
    let mut results = Results { threads, seconds: started.elapsed().as_secs_f64(), ..Results::default() };
    for (run, trace) in outcomes {
        results.runs.push(run);
        results.traces.extend(trace);
    }
    Ok(Results::merge(vec![results]))
}

/// Runs `work` on every job over `threads` workers, longest-first order
/// kept by taking jobs in turn; `progress` gets (done, total) after each.
pub fn run_jobs<J: Sync, R: Send>(
    jobs: &[J],
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
    work: impl Fn(&J) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(index) else { break };
                let outcome = work(job);
                outcomes.lock().expect("outcomes").push((index, outcome));
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len());
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("outcomes");
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// Reads shard files written by `--shard i/n --results FILE`.
pub fn read_results(paths: &[PathBuf]) -> Result<Results, String> {
    Ok(Results::merge(read_json_files(paths)?))
}

/// Parses each JSON file, naming the file in any error.
pub fn read_json_files<T: serde::de::DeserializeOwned>(paths: &[PathBuf]) -> Result<Vec<T>, String> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
        })
        .collect()
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
