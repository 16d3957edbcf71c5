//! `reflex steward run`: the cascade-aware steward as a long-running bot
//! (`reflex_sdk::steward`), beside `reflex keeper run`.
use std::time::Duration;

use clap::Subcommand;
use reflex_risk::Fixed;
use reflex_sdk::steward::{self, Decision, Outcome as Move, StewardSettings};
use serde_json::json;

use super::*;

#[derive(Subcommand)]
pub enum StewardCommand {
    /// Read every margin account, build each market's liquidation-price
    /// distribution, and move base initial margin within the on-chain caps
    /// and spacing; every decision is logged (stderr, one line each) with the
    /// numbers behind it.
    Run {
        /// Stop after this many passes (default: run until interrupted).
        #[arg(long)]
        passes: Option<u64>,
        /// Milliseconds between passes.
        #[arg(long, default_value_t = 2_000)]
        interval_ms: u64,
        /// Decide and log, send nothing (needs no steward key).
        #[arg(long)]
        dry_run: bool,
        /// What a market absorbs, as a share of its pool's per-side
        /// open-interest capacity.
        #[arg(long, default_value_t = 0.25)]
        absorbable_share: f64,
    },
}

fn outcome_json(outcome: &Move) -> serde_json::Value {
    match outcome {
        Move::Hold => json!({ "kind": "hold" }),
        Move::Waiting { until_slot } => json!({ "kind": "waiting", "until_slot": until_slot }),
        Move::WouldSend => json!({ "kind": "would_send" }),
        Move::Sent { signature } => json!({ "kind": "sent", "signature": signature }),
        Move::LostRace => json!({ "kind": "lost_race" }),
        Move::Refused(why) => json!({ "kind": "refused", "message": why }),
    }
}

pub fn decision_json(decision: &Decision) -> serde_json::Value {
    let number = |x: Fixed| x.to_num::<f64>();
    json!({
        "slot": decision.slot,
        "market_index": decision.market_index,
        "market": decision.name,
        "price": number(decision.price),
        "sigma": number(decision.sigma),
        "band": number(decision.band),
        "positions": decision.positions,
        "notional": number(decision.notional),
        "at_risk": number(decision.at_risk),
        "absorbable": number(decision.absorbable),
        "notional_within_bands": { "1": number(decision.within_bands[0]), "2": number(decision.within_bands[1]), "5": number(decision.within_bands[2]), "10": number(decision.within_bands[3]) },
        "initial_base_ppm": decision.base_ppm,
        "floor_ppm": decision.floor_ppm,
        "ceiling_ppm": decision.ceiling_ppm,
        "max_change_ppm": decision.max_change_ppm,
        "wanted_ppm": decision.wanted_ppm,
        "outcome": outcome_json(&decision.outcome),
    })
}

pub fn run(context: &mut Context, command: StewardCommand, json_lines: bool) -> Outcome {
    let StewardCommand::Run { passes, interval_ms, dry_run, absorbable_share } = command;
    if !(0.0..=1e6).contains(&absorbable_share) {
        return Err(CliError::Usage(format!("--absorbable-share {absorbable_share} is not a non-negative share")));
    }
    let settings = StewardSettings { absorbable_share: Fixed::from_num(absorbable_share), ..StewardSettings::calibrated() };
    // Every decision is logged as it is made; the output keeps the last
    // pass's, so a bot that runs for days does not hold them all.
    let (mut pass, mut last, mut moves, mut refusals) = (0u64, Vec::new(), 0usize, 0usize);
    let mut failures = 0;
    loop {
        // A cluster that does not answer is retried (a bot that runs for
        // days meets outages); ten passes in a row end the run.
        let decisions = match steward::run_pass(&mut context.cluster, &context.payer, &settings, dry_run) {
            Ok(decisions) => decisions,
            Err(error @ reflex_sdk::cluster::ClusterError::Transport(_)) if failures < 10 && passes != Some(1) => {
                failures += 1;
                eprintln!("pass failed ({failures} in a row), retrying: {error}");
                std::thread::sleep(Duration::from_millis(interval_ms));
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        failures = 0;
        pass += 1;
        last.clear();
        for decision in &decisions {
            // Logged as it happens: a bot that runs for days is read from its log.
            if json_lines {
                eprintln!("{}", decision_json(decision));
            } else {
                eprintln!("{}", decision.log_line());
            }
            match decision.outcome {
                Move::Sent { .. } | Move::WouldSend => moves += 1,
                Move::Refused(_) => refusals += 1,
                _ => {}
            }
            last.push(decision_json(decision));
        }
        // A refusal is not retried: the program and the bot disagree, and
        // an operator should look before it sends again.
        if refusals > 0 {
            break;
        }
        if passes.is_some_and(|limit| pass >= limit) {
            break;
        }
        std::thread::sleep(Duration::from_millis(interval_ms));
    }
    let verb = if dry_run { "would move" } else { "moved" };
    let json = json!({ "passes": pass, "dry_run": dry_run, "moves": moves, "refused": refusals, "decisions": last });
    if refusals > 0 {
        return Err(CliError::Refused(format!("{refusals} steward moves were refused by the program (see the log)")));
    }
    Ok(Output { human: format!("{pass} passes, {verb} a base {moves} times"), json })
}
