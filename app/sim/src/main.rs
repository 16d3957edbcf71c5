//! `reflex-sim [run] --config sim/default.toml --out docs/sim`: runs the
//! study and writes report.md, results.json and the figures.
//! `--shard i/n --results FILE` runs one shard and writes only its results;
//! `reflex-sim merge --config … --out DIR FILE…` merges shards into the report.
//! `reflex-sim calibrate --config … --out sim/calibrated` searches the file's
//! `[calibration]` grid and writes the winner (shards as `run`, merged with
//! `reflex-sim calibrate --merge FILE…`).
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use reflex_sim::calibrate::{self, Calibration, CalibrationResults};
use reflex_sim::config::SimConfig;
use reflex_sim::policy::check_bounds;
use reflex_sim::report;
use reflex_sim::run::{self, Results, Shard};

const HELP: &str = "reflex-sim [run] [--config FILE.toml] [--out DIR] [--seeds N] [--shard i/n --results FILE]
reflex-sim merge [--config FILE.toml] [--out DIR] RESULTS.json...
reflex-sim calibrate [--config FILE.toml] [--out DIR] [--shard i/n --results FILE] [--merge RESULTS.json...]

run    runs every scenario of FILE (default sim/default.toml) under the static sweep and every
       dynamic variant on the same seeds, and writes DIR/report.md, DIR/results.json and SVG
       figures (default docs/sim). With --shard i/n it runs every n-th job from the i-th and
       writes only FILE (--results), for any batch scheduler.
merge  reads shard results and writes the report as run would.
calibrate
       runs every candidate of FILE's [calibration] grid on its scenarios and writes the most
       efficient one within the bad-debt budget to DIR (default sim/calibrated): policy.toml
       (the simulator's settings), market-risk.json, collateral-risk.json and their -ext.json
       files (what `reflex gov set-market-risk` / `set-collateral-risk` and their `-ext`
       commands take with --file, and what the SDK presets load), calibration.md and
       calibration.json. Fails if no candidate is within budget.";

#[derive(Clone, Copy, PartialEq)]
enum Command {
    Run,
    Merge,
    Calibrate,
}

struct Args {
    command: Command,
    /// `calibrate --merge`.
    merge: bool,
    config: PathBuf,
    out: PathBuf,
    seeds: Option<u64>,
    shard: Option<Shard>,
    results: Option<PathBuf>,
    inputs: Vec<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        command: Command::Run,
        merge: false,
        config: "sim/default.toml".into(),
        out: "docs/sim".into(),
        seeds: None,
        shard: None,
        results: None,
        inputs: Vec::new(),
    };
    let mut it = std::env::args().skip(1).peekable();
    let command = match it.peek().map(String::as_str) {
        Some("merge") => Some(Command::Merge),
        Some("calibrate") => Some(Command::Calibrate),
        Some("run") => Some(Command::Run),
        _ => None,
    };
    if let Some(command) = command {
        args.command = command;
        it.next();
    }
    if args.command == Command::Merge {
        args.merge = true;
    }
    if args.command == Command::Calibrate {
        args.out = "sim/calibrated".into();
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => args.config = it.next().ok_or("--config needs a file")?.into(),
            "--out" => args.out = it.next().ok_or("--out needs a folder")?.into(),
            "--seeds" => args.seeds = Some(it.next().and_then(|s| s.parse().ok()).ok_or("--seeds needs a number")?),
            "--shard" => args.shard = Some(Shard::parse(&it.next().ok_or("--shard needs i/n")?)?),
            "--results" => args.results = Some(it.next().ok_or("--results needs a file")?.into()),
            "--merge" if args.command == Command::Calibrate => args.merge = true,
            "--help" | "-h" => {
                println!("{HELP}");
                std::process::exit(0);
            }
            other if args.merge && !other.starts_with("--") => args.inputs.push(other.into()),
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
    }
    if args.shard.is_some() && args.results.is_none() {
        return Err("--shard needs --results FILE (merge the shards with `reflex-sim merge`)".into());
    }
    if args.merge && args.inputs.is_empty() {
        return Err("merge needs the shards' results files".into());
    }
    if args.merge && args.shard.is_some() {
        return Err("--shard runs a shard; merging takes every shard's file".into());
    }
    Ok(args)
}

/// Reads a scenario file; unless `calibrating` (the candidates replace the
/// curves and are checked themselves), its settings must pass the bounds
/// check as every policy.
fn load(path: &Path, seeds: Option<u64>, calibrating: bool) -> Result<SimConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut config = SimConfig::from_toml(&text, base).map_err(|error| format!("{}: {error}", path.display()))?;
    if let Some(seeds) = seeds {
        config.seeds = seeds;
        config.long_seeds = config.long_seeds.min(seeds);
    }
    if calibrating {
        return Ok(config);
    }
    check_bounds(&config.policies, None)?;
    for variant in &config.variants {
        check_bounds(&config.policies, Some(variant)).map_err(|error| format!("variant {}: {error}", variant.name))?;
    }
    Ok(config)
}

fn write_report(config: &SimConfig, results: &Results, out: &Path, command: &str) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let study = report::study(config, results);
    let mut files = vec![
        ("report.md".to_string(), report::markdown(config, results, &study, command)),
        // Every run's metrics; the charted traces are in the figures already.
        ("results.json".to_string(), serde_json::to_string(&Results { traces: Vec::new(), ..results.clone() }).map_err(|e| e.to_string())?),
    ];
    for group in &study.groups {
        files.push((format!("frontier-{}.svg", report::slug(&group.name)), report::frontier_svg(&study, group)));
    }
    for scenario in config.scenarios.iter().filter(|s| s.path.file.is_none()) {
        let traces: Vec<(String, &reflex_sim::market::Trace)> =
            results.traces.iter().filter(|t| t.0 == scenario.name).map(|t| (t.1.clone(), &t.2)).collect();
        // Merging the report's own results.json (which keeps no traces) leaves the path figures as they are.
        if traces.is_empty() {
            continue;
        }
        files.push((format!("path-{}.svg", report::slug(&scenario.name)), report::path_svg(&scenario.name, &traces)));
    }
    for (name, content) in files {
        std::fs::write(out.join(&name), content).map_err(|error| format!("cannot write {name}: {error}"))?;
    }
    Ok(())
}

/// Runs `work` with a progress line on a terminal.
fn with_progress<T>(work: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> T) -> T {
    let terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if terminal {
            eprint!("\r  {done}/{total} runs");
            let _ = std::io::stderr().flush();
        }
    };
    let outcome = work(&progress);
    if terminal {
        eprintln!();
    }
    outcome
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|error| format!("cannot write {}: {error}", path.display()))
}

fn calibrate(config: &SimConfig, args: &Args) -> Result<String, String> {
    let calibration = Calibration::new(config)?;
    let results = if args.merge {
        CalibrationResults::merge(run::read_json_files(&args.inputs)?)?
    } else {
        let results = with_progress(|progress| calibration.run(args.shard.unwrap_or(Shard::ALL), progress))?;
        if let Some(path) = &args.results {
            write_json(path, &results)?;
            if args.shard.is_some() {
                return Ok(format!("{} runs in {:.1} s; wrote {}", results.runs.len(), results.seconds, path.display()));
            }
        }
        results
    };
    let outcome = calibrate::decide(&calibration, &results)?;
    // The winner passed the bounds check as every policy (`Calibration::new`); only eligible candidates win.
    let winner = calibration.candidates[outcome.winner].apply(&config.policies);
    let settings = calibrate::governance_json(&winner, calibration.variant);
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let command = format!("reflex-sim calibrate --config {} --out {}", args.config.display(), out.display());
    let header =
        format!("# Written by `{command}`: variant {:?}, {}.\n", calibration.grid.variant, calibration.candidates[outcome.winner].label());
    std::fs::write(out.join("policy.toml"), winner.to_policy_file(&header))
        .map_err(|error| format!("cannot write policy.toml: {error}"))?;
    write_json(&out.join("market-risk.json"), &settings.market)?;
    write_json(&out.join("collateral-risk.json"), &settings.collateral)?;
    write_json(&out.join("market-risk-ext.json"), &settings.market_ext)?;
    write_json(&out.join("collateral-risk-ext.json"), &settings.collateral_ext)?;
    write_json(&out.join("calibration.json"), &results)?;
    std::fs::write(out.join("calibration.md"), calibrate::markdown(&calibration, &outcome, &results, &command))
        .map_err(|error| format!("cannot write calibration.md: {error}"))?;
    let standing = &outcome.standings[outcome.winner];
    let summary = format!(
        "{}: efficiency {:.2}×, worst bad debt {:.1} bp ({}); wrote {}",
        calibration.candidates[outcome.winner].label(),
        standing.efficiency,
        standing.worst_bad_debt_bp,
        standing.worst_scenario,
        out.display()
    );
    if outcome.within_budget {
        Ok(summary)
    } else {
        Err(format!("no candidate within {} bp; least bad {summary}", calibration.grid.budget_bp))
    }
}

fn main() -> ExitCode {
    let outcome = (|| -> Result<String, String> {
        let args = parse()?;
        let config = load(&args.config, args.seeds, args.command == Command::Calibrate)?;
        if args.command == Command::Calibrate {
            return calibrate(&config, &args);
        }
        let command = format!("reflex-sim --config {} --out {}", args.config.display(), args.out.display());
        if args.merge {
            let results = run::read_results(&args.inputs)?;
            write_report(&config, &results, &args.out, &command)?;
            return Ok(format!("merged {} runs; wrote {}/report.md", results.runs.len(), args.out.display()));
        }
        let results = with_progress(|progress| run::run_all(&config, args.shard.unwrap_or(Shard::ALL), progress))?;
        if let Some(path) = &args.results {
            std::fs::write(path, serde_json::to_string(&results).map_err(|e| e.to_string())?)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
            if args.shard.is_some() {
                return Ok(format!("{} runs in {:.1} s; wrote {}", results.runs.len(), results.seconds, path.display()));
            }
        }
        write_report(&config, &results, &args.out, &command)?;
        Ok(format!("{} runs in {:.1} s; wrote {}/report.md", results.runs.len(), results.seconds, args.out.display()))
    })();
    match outcome {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
