//! `reflex keeper …`: crank, inspect, liquidate, settle, or run the loop.
use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::Subcommand;
use reflex_sdk::keeper::{self, Keeper, KeeperAction};
use reflex_sdk::{health, instructions as ix};
use serde_json::json;

use super::*;

#[derive(Subcommand)]
pub enum KeeperCommand {
    /// Refresh every market and collateral (and their feeds) once.
    Crank,
    /// List the accounts a keeper could act on now, most urgent first.
    Scan,
    /// One pass: crank, then liquidate and settle what needs it.
    Liquidate,
    /// Settle one bankrupt account.
    Settle {
        #[arg(long)]
        account: String,
    },
    /// Run passes until stopped (or for --passes), sleeping between them.
    Run {
        /// Stop after this many passes (default: run until interrupted).
        #[arg(long)]
        passes: Option<u64>,
        /// Milliseconds between passes.
        #[arg(long, default_value_t = 400)]
        interval_ms: u64,
    },
}

fn keeper(context: &Context, account_id: u32) -> Keeper {
    Keeper { keypair: context.payer.insecure_clone(), account: pda::margin_account(&me(context), account_id) }
}

fn action_json(action: &KeeperAction) -> serde_json::Value {
    match action {
        KeeperAction::PerpLiquidated { account, market_index, base_closed, base_after } => {
            json!({ "kind": "perp", "account": account.to_string(), "market_index": market_index, "base_closed": base_closed, "base_after": base_after })
        }
        KeeperAction::CollateralLiquidated { account, mint, amount } => {
            json!({ "kind": "collateral", "account": account.to_string(), "mint": mint.to_string(), "amount": amount })
        }
        KeeperAction::BankruptcySettled { account, deficit, covered_by_insurance, socialized_to_pool } => json!({
            "kind": "bankruptcy", "account": account.to_string(), "deficit": deficit.to_num::<f64>(),
            "covered_by_insurance": covered_by_insurance.to_num::<f64>(), "socialized_to_pool": socialized_to_pool.to_num::<f64>()
        }),
    }
}

fn pass_output(report: &keeper::PassReport) -> Output {
    let actions: Vec<_> = report.actions.iter().map(action_json).collect();
    let skipped: Vec<_> = report.skipped.iter().map(|(account, why)| json!({ "account": account.to_string(), "reason": why })).collect();
    let json = json!({
        "cranked": report.cranked,
        "crank_failures": report.crank_failures,
        "accounts_examined": report.accounts_examined,
        "liquidatable": report.liquidatable,
        "actions": actions,
        "skipped": skipped,
    });
    let mut human = format!(
        "cranked {}, examined {} accounts, {} liquidatable, {} actions\n",
        report.cranked,
        report.accounts_examined,
        report.liquidatable,
        report.actions.len()
    );
    for action in &actions {
        human.push_str(&format!("  {action}\n"));
    }
    for (account, why) in &report.skipped {
        human.push_str(&format!("  skipped {account}: {why}\n"));
    }
    for failure in &report.crank_failures {
        human.push_str(&format!("  crank failed: {failure}\n"));
    }
    Output { json, human }
}

pub fn run(context: &mut Context, command: KeeperCommand, account_id: u32) -> Outcome {
    let keeper = keeper(context, account_id);
    match command {
        KeeperCommand::Crank => {
            let (sent, failures) = keeper::crank(&mut context.cluster, &keeper.keypair)?;
            let human = format!("cranked {sent}{}", failures.iter().map(|f| format!("\n  failed: {f}")).collect::<String>());
            Ok(Output { json: json!({ "cranked": sent, "failures": failures }), human })
        }
        KeeperCommand::Scan => {
            let survey = keeper::survey(&context.cluster)?;
            let rows: Vec<_> = survey
                .iter()
                .filter(|(_, margin, summary)| health::is_liquidatable(margin, summary) || margin.is_bankrupt())
                .map(|(address, margin, summary)| {
                    json!({
                        "account": address.to_string(),
                        "maintenance": summary.maintenance.to_num::<f64>(),
                        "liquidation_end": summary.liquidation_end.to_num::<f64>(),
                        "bankrupt": margin.is_bankrupt(),
                    })
                })
                .collect();
            let mut human = format!("{} accounts, {} need a keeper\n", survey.len(), rows.len());
            for row in &rows {
                human.push_str(&format!(
                    "  {}  maintenance {:.0}  bankrupt {}\n",
                    row["account"].as_str().unwrap_or(""),
                    row["maintenance"].as_f64().unwrap_or(0.0),
                    row["bankrupt"]
                ));
            }
            Ok(Output { json: json!({ "accounts": survey.len(), "need_keeper": rows }), human })
        }
        KeeperCommand::Liquidate => {
            let report = keeper::run_pass(&mut context.cluster, &keeper)?;
            Ok(pass_output(&report))
        }
        KeeperCommand::Settle { account } => {
            let account = pubkey(&account)?;
            let signature = context.send(&[ix::settle_bankruptcy(&account)])?;
            Ok(signed_output("settle_bankruptcy", &signature, json!({ "account": account.to_string() })))
        }
        KeeperCommand::Run { passes, interval_ms } => {
            let progress = std::io::stderr().is_terminal();
            let (mut pass, mut actions, mut skipped) = (0u64, Vec::new(), 0usize);
            loop {
                let report = keeper::run_pass(&mut context.cluster, &keeper)?;
                pass += 1;
                skipped += report.skipped.len();
                actions.extend(report.actions.iter().map(action_json));
                if progress {
                    eprint!(
                        "\rpass {pass}: {} accounts, {} liquidatable, {} actions so far   ",
                        report.accounts_examined,
                        report.liquidatable,
                        actions.len()
                    );
                    let _ = std::io::stderr().flush();
                }
                if passes.is_some_and(|limit| pass >= limit) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(interval_ms));
            }
            if progress {
                eprintln!();
            }
            let left = keeper::survey(&context.cluster)?
                .iter()
                .filter(|(_, margin, summary)| health::is_liquidatable(margin, summary) || margin.is_bankrupt())
                .count();
            let json = json!({ "passes": pass, "actions": actions, "skipped": skipped, "left_liquidatable": left });
            if left > 0 {
                return Err(CliError::Unfinished(format!("{left} accounts still need a keeper after {pass} passes")));
            }
            Ok(Output { human: format!("{pass} passes, {} actions, {skipped} skipped, none left liquidatable", actions.len()), json })
        }
    }
}
