//! `reflex`: the Reflex command-line tool.
//!
//! This first version runs the protocol on an embedded in-process SVM
//! (LiteSVM) with the real SBF binary: `reflex demo` walks through listing,
//! deposits and withdrawals; `reflex bench-cu` measures compute units per
//! instruction. Cluster commands (governance, LP, trader, keeper) arrive with
//! the SDK/CLI issue.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod chart;
mod demo;
mod scenario;

#[derive(Parser)]
#[command(name = "reflex", version, about = "Reflex: volatility-feedback cross-margin perpetuals on Solana")]
struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the protocol through a calm market, a crash and a recovery on an
    /// embedded SVM with target/deploy/reflex.so: three collateral tokens, two
    /// perp markets, an LP, a dozen traders and the keeper. Prints a table per
    /// phase and writes a JSON report and an SVG chart.
    Demo {
        /// Folder for report.json and chart.svg.
        #[arg(long, default_value = "target/demo")]
        out: std::path::PathBuf,
    },
    /// A guided tour of listing, deposits, refusals, feeds and governance on
    /// the embedded SVM, with the compute units of each step.
    Walkthrough,
    /// Measure compute units per instruction on the SBF binary and print a
    /// markdown table (docs/compute-units.md is this command's output).
    BenchCu,
    /// Build the program's Anchor IDL from its sources (as `anchor idl build`
    /// does) and print it; idl/reflex.json is this command's output.
    Idl,
}

/// The IDL as pretty JSON. Runs `cargo test __anchor_private_print_idl` in
/// programs/reflex with the `idl-build` feature.
fn build_idl() -> Result<String, Box<dyn std::error::Error>> {
    // anchor-lang-idl forwards RUSTUP_TOOLCHAIN (which rustup sets for us)
    // as a malformed `+toolchain` argument; the repository's
    // rust-toolchain.toml picks the same toolchain without it.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let program = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../programs/reflex");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(program)
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .build()
        .map_err(|error| format!("building the IDL failed: {error}"))?;
    Ok(serde_json::to_string_pretty(&idl)?)
}

/// `reflex demo`: runs the scenario, writes the report and chart, prints the
/// table (or the report as JSON). Fails if a vault does not match its claims
/// or an account is left liquidatable.
fn run_demo(out: &std::path::Path, json: bool) -> Result<(), Box<dyn std::error::Error>> {
    let report = scenario::run()?;
    std::fs::create_dir_all(out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let report_path = out.join("report.json");
    let chart_path = out.join("chart.svg");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)?)?;
    std::fs::write(&chart_path, chart::svg(&report.samples))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print_human(&report_path.display().to_string(), &chart_path.display().to_string());
    }
    if !report.conserved {
        return Err("token conservation is broken: a vault does not match its claims".into());
    }
    if report.left_liquidatable > 0 {
        return Err(format!("{} accounts were left liquidatable", report.left_liquidatable).into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { out } => run_demo(&out, cli.json),
        Command::Walkthrough => demo::run().and_then(|report| {
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
            } else {
                report.print_human();
            }
            if report.conserved {
                Ok(())
            } else {
                Err("token conservation is broken: a vault does not match its claims".into())
            }
        }),
        Command::BenchCu => demo::run().and_then(|report| {
            let trading = bench::run()?;
            if cli.json {
                let json = serde_json::json!({ "demo": report.compute_units(), "trading": trading });
                println!("{}", serde_json::to_string_pretty(&json).expect("serializes"));
            } else {
                print!("{}{}", report.compute_units_markdown(), bench::markdown(&trading));
            }
            Ok(())
        }),
        Command::Idl => build_idl().map(|idl| println!("{idl}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
