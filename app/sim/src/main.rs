//! `reflex-sim --config sim/default.toml --out docs/sim`: runs every
//! scenario under every policy and writes report.md, results.json and the
//! figures. `--perf` adds the 10,000 accounts × 100,000 slots throughput run.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use reflex_sim::config::SimConfig;
use reflex_sim::model::{Market, Policy};
use reflex_sim::report::{self, Throughput};
use reflex_sim::run;

struct Args {
    config: PathBuf,
    out: PathBuf,
    perf: bool,
    seeds: Option<u64>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args { config: "sim/default.toml".into(), out: "docs/sim".into(), perf: false, seeds: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => args.config = it.next().ok_or("--config needs a file")?.into(),
            "--out" => args.out = it.next().ok_or("--out needs a folder")?.into(),
            "--seeds" => args.seeds = Some(it.next().and_then(|s| s.parse().ok()).ok_or("--seeds needs a number")?),
            "--perf" => args.perf = true,
            "--help" | "-h" => {
                println!("reflex-sim [--config FILE.toml] [--out DIR] [--seeds N] [--perf]\n\nRuns every scenario of FILE (default sim/default.toml) under the static, unbounded-dynamic and Reflex\nmargin policies on the same seeds, and writes DIR/report.md, DIR/results.json and SVG figures\n(default docs/sim). --perf adds a 10,000-account × 100,000-slot throughput run.");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.config) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", args.config.display());
            return ExitCode::from(2);
        }
    };
    let mut config = match SimConfig::from_toml(&text) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {}: {error}", args.config.display());
            return ExitCode::from(2);
        }
    };
    if let Some(seeds) = args.seeds {
        config.seeds = seeds;
    }
    let terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if terminal {
            eprint!("\r  {done}/{total} runs");
            let _ = std::io::stderr().flush();
        }
    };
    let outcome = run::run_all(&config, &progress);
    if terminal {
        eprintln!();
    }
    let throughput = args.perf.then(|| {
        let mut scenario = config.scenarios[0].clone();
        scenario.accounts = 10_000;
        scenario.slots = 100_000;
        scenario.crash.clear();
        let started = Instant::now();
        let (metrics, _) = Market::new(&scenario, &config.policies, Policy::Reflex, 1).run(0);
        Throughput { accounts: scenario.accounts, slots: scenario.slots, seconds: started.elapsed().as_secs_f64(), liquidations: metrics.liquidations }
    });
    if let Err(error) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {error}", args.out.display());
        return ExitCode::from(2);
    }
    let files = [
        ("report.md", report::markdown(&config, &outcome, throughput.as_ref(), &args.config.display().to_string())),
        ("path.svg", report::path_svg(&config, &outcome.traces)),
        ("tradeoff.svg", report::tradeoff_svg(&config, &outcome.results)),
        ("cascades.svg", report::cascades_svg(&outcome.results)),
        ("results.json", serde_json::to_string_pretty(&serde_json::json!({ "summaries": outcome.summaries, "runs": outcome.results })).expect("JSON")),
    ];
    for (name, content) in files {
        if let Err(error) = std::fs::write(args.out.join(name), content) {
            eprintln!("error: cannot write {name}: {error}");
            return ExitCode::from(1);
        }
    }
    println!(
        "{} runs, {:.2e} account-slots in {:.1} s; wrote {}/report.md",
        outcome.results.len(),
        outcome.account_slots,
        outcome.seconds,
        args.out.display()
    );
    ExitCode::SUCCESS
}
