//! `reflex`: the Reflex command-line tool.
//!
//! Cluster commands (`gov`, `lp`, `trader`, `keeper`) talk to a validator
//! over JSON-RPC (`--url`, keypairs as the Solana CLI writes them); `demo`,
//! `walkthrough` and `bench-cu` run the real SBF binary on an embedded
//! in-process SVM. Every command prints a table by default and JSON with
//! `--json`. Exit codes: 0 done, 1 refused by the program or a local
//! command failed, 2 bad arguments
//! or files, 3 cluster unreachable, 4 the keeper left work undone.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod chart;
mod commands;
mod demo;
mod scenario;

use commands::{CliError, Context};

#[derive(Parser)]
#[command(
    name = "reflex",
    version,
    about = "Reflex: volatility-feedback cross-margin perpetuals on Solana",
    after_help = "Exit codes: 0 done, 1 refused by the program (or a local command failed), 2 bad arguments or files, 3 cluster unreachable, 4 keeper left work undone."
)]
struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// JSON-RPC endpoint of the cluster [default: http://127.0.0.1:8899]. With
    /// `demo`, runs the demo on that cluster instead of the embedded SVM.
    #[arg(long, global = true, env = "REFLEX_URL")]
    url: Option<String>,
    /// Keypair file (a JSON array of 64 bytes, as `solana-keygen` writes).
    #[arg(long, global = true, env = "REFLEX_KEYPAIR")]
    keypair: Option<std::path::PathBuf>,
    /// Which of the signer's margin accounts to use.
    #[arg(long, global = true, default_value_t = 0)]
    account_id: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Governance: create the exchange and pool, list feeds, collateral and markets, pause.
    #[command(subcommand)]
    Gov(commands::governance::Gov),
    /// Liquidity providers: deposit into and withdraw from the pool.
    #[command(subcommand)]
    Lp(commands::trader::LpCommand),
    /// Traders: margin account, collateral, perp orders, status with health and liquidation prices.
    #[command(subcommand)]
    Trader(commands::trader::TraderCommand),
    /// Keepers: crank feeds, find and liquidate unhealthy accounts, settle bankruptcies.
    #[command(subcommand)]
    Keeper(commands::keeper::KeeperCommand),
    /// The risk steward: move base initial margin ahead of liquidation cascades, within the on-chain caps.
    #[command(subcommand)]
    Steward(commands::steward::StewardCommand),
    /// Write a new keypair file (Solana CLI format) and print its public key.
    Keygen {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print the public key of --keypair.
    Whoami,
    /// Serve the embedded SVM (the real SBF binaries, the localnet Pyth
    /// publisher, a real-time clock) over JSON-RPC on loopback, with
    /// --keypair as Reflex's upgrade authority: try the CLI without a validator.
    EmbeddedRpc {
        #[arg(long, default_value_t = 8899)]
        port: u16,
    },
    /// Run the protocol through a calm market, a crash, a gap and a recovery on an
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
fn run_demo(out: &std::path::Path, json: bool, connection: &Connection) -> Result<(), Box<dyn std::error::Error>> {
    let report = match &connection.url {
        None => scenario::run()?,
        Some(url) => {
            // On a validator, the admin must be the key Reflex was deployed
            // with as upgrade authority (scripts/localnet.sh passes it).
            let path = connection
                .keypair
                .clone()
                .or_else(|| std::env::var_os("REFLEX_ADMIN_KEYPAIR").map(Into::into))
                .unwrap_or_else(commands::default_keypair);
            let admin = commands::read_keypair(&path).map_err(|e| e.message().to_string())?;
            let stage = reflex_sdk::stage::ValidatorStage::new(url, admin)?;
            // Calm and recovery a sixth as long: on a validator every step
            // waits for real slots and confirmations.
            scenario::run_on(stage, format!("Reflex on the cluster at {url}"), 6, &scenario::RiskSettings::calibrated())?
        }
    };
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
    let compared = report.comparison.iter().flat_map(|c| c.runs.iter());
    if !report.conserved || compared.clone().any(|run| !run.conserved) {
        return Err("token conservation is broken: a vault does not match its claims".into());
    }
    if let Some(run) = compared.clone().find(|run| run.left_liquidatable > 0) {
        return Err(format!("{}: {} accounts were left liquidatable", run.configuration, run.left_liquidatable).into());
    }
    if report.left_liquidatable > 0 {
        return Err(format!("{} accounts were left liquidatable", report.left_liquidatable).into());
    }
    Ok(())
}

/// Where a cluster command connects, and how it prints.
struct Connection {
    url: Option<String>,
    keypair: Option<std::path::PathBuf>,
    json: bool,
}

/// A cluster command: connect, run, print; errors carry their exit code.
fn run_cluster(connection: Connection, run: impl FnOnce(&mut Context) -> commands::Outcome) -> ExitCode {
    let keypair = connection.keypair.unwrap_or_else(commands::default_keypair);
    let url = connection.url.as_deref().unwrap_or("http://127.0.0.1:8899");
    let outcome = Context::new(url, &keypair).and_then(|mut context| run(&mut context));
    match outcome {
        Ok(output) => {
            if connection.json {
                println!("{}", serde_json::to_string_pretty(&output.json).expect("JSON"));
            } else {
                println!("{}", output.human.trim_end());
            }
            ExitCode::SUCCESS
        }
        Err(error) => report_error(connection.json, &error),
    }
}

fn report_error(json: bool, error: &CliError) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({ "error": { "kind": error.kind(), "message": error.message() } }));
    } else {
        eprintln!("error: {}", error.message());
    }
    ExitCode::from(error.exit_code())
}

fn main() -> ExitCode {
    let Cli { json, url, keypair, account_id, command } = Cli::parse();
    let connection = Connection { url, keypair, json };
    let result = match command {
        Command::Gov(command) => return run_cluster(connection, |context| commands::governance::run(context, command)),
        Command::Lp(command) => return run_cluster(connection, |context| commands::trader::run_lp(context, command)),
        Command::Trader(command) => return run_cluster(connection, |context| commands::trader::run(context, command, account_id)),
        Command::Keeper(command) => return run_cluster(connection, |context| commands::keeper::run(context, command, account_id)),
        Command::Steward(command) => return run_cluster(connection, |context| commands::steward::run(context, command, json)),
        Command::Keygen { out } => {
            let keypair = solana_keypair::Keypair::new();
            let bytes = keypair.to_bytes().to_vec();
            std::fs::write(&out, serde_json::to_string(&bytes).expect("JSON"))
                .map(|_| println!("{}", solana_signer::Signer::pubkey(&keypair)))
                .map_err(|error| format!("cannot write {}: {error}", out.display()).into())
        }
        Command::Whoami => {
            let path = connection.keypair.clone().unwrap_or_else(commands::default_keypair);
            return match commands::read_keypair(&path) {
                Ok(keypair) => {
                    println!("{}", solana_signer::Signer::pubkey(&keypair));
                    ExitCode::SUCCESS
                }
                Err(error) => report_error(json, &error),
            };
        }
        Command::EmbeddedRpc { port } => {
            let path = connection.keypair.clone().unwrap_or_else(commands::default_keypair);
            let admin = match commands::read_keypair(&path) {
                Ok(keypair) => solana_signer::Signer::pubkey(&keypair),
                Err(error) => return report_error(json, &error),
            };
            let address = format!("127.0.0.1:{port}");
            let setup = move || {
                let mut env = reflex_sdk::embedded::Embedded::new().expect("the SBF binary is built");
                env.add_localnet_publisher().expect("bash scripts/build-sbf.sh --with-publisher");
                env.set_upgrade_authority(&admin);
                env.set_clock(1_000, 1_790_000_000);
                env
            };
            match reflex_sdk::embedded_rpc::serve_on(&address, true, setup) {
                Ok(served) => {
                    eprintln!("serving the embedded SVM at {} (Ctrl-C stops it)", served.url);
                    loop {
                        std::thread::park();
                    }
                }
                Err(error) => Err(format!("cannot listen on {address}: {error}").into()),
            }
        }
        Command::Demo { out } => run_demo(&out, json, &connection),
        Command::Walkthrough => demo::run().and_then(|report| {
            if json {
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
            if json {
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
        Err(error) => report_error(json, &CliError::Failed(error.to_string())),
    }
}
