//! `reflex trader …` and `reflex lp …`: what traders and liquidity providers run.
use clap::Subcommand;
use reflex::state::{LpPosition, MarginAccount};
use reflex_risk::{Fixed, HealthLevel};
use reflex_sdk::{health, instructions as ix, lp};
use serde_json::json;

use super::*;

#[derive(Subcommand)]
pub enum TraderCommand {
    /// Create a margin account (id 0 unless --account-id).
    Create,
    /// Deposit collateral from your associated token account.
    Deposit {
        #[arg(long)]
        mint: String,
        /// Whole tokens.
        #[arg(long)]
        amount: f64,
    },
    /// Withdraw collateral to your associated token account (initial health must stay ≥ 0).
    Withdraw {
        #[arg(long)]
        mint: String,
        #[arg(long)]
        amount: f64,
    },
    /// Pay quote tokens from your associated token account into the quote
    /// balance (repays debt; a keeper's account pays for seized collateral from it).
    DepositQuote {
        /// Whole quote tokens.
        #[arg(long)]
        amount: f64,
    },
    /// Buy (positive size) or sell (negative) a perp, no worse than the slippage bound.
    Open {
        #[arg(long)]
        market: u16,
        /// Whole base tokens; negative sells.
        #[arg(long, allow_hyphen_values = true)]
        size: f64,
        /// Worst acceptable fill, as a fraction away from the oracle price.
        #[arg(long, default_value_t = 0.01)]
        slippage: f64,
    },
    /// Close a position entirely.
    Close {
        #[arg(long)]
        market: u16,
        #[arg(long, default_value_t = 0.01)]
        slippage: f64,
    },
    /// Balances, positions, health at all three levels and liquidation prices.
    Status {
        /// Any margin account (default: yours).
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum LpCommand {
    /// Open your LP position and deposit quote tokens: shares at once into an
    /// empty pool, else a request that executes after the pool's delay.
    Deposit {
        /// Whole quote tokens.
        #[arg(long)]
        amount: f64,
    },
    /// Ask to redeem shares for quote tokens, paid after the pool's delay.
    Withdraw {
        #[arg(long)]
        shares: u64,
    },
    /// Execute your pending request once its delay has passed.
    Execute,
    /// Cancel your pending request (a deposit's tokens come back).
    Cancel,
}

fn own_account(context: &Context, account_id: u32) -> Pubkey {
    pda::margin_account(&me(context), account_id)
}

pub fn run(context: &mut Context, command: TraderCommand, account_id: u32) -> Outcome {
    let owner = me(context);
    let account = own_account(context, account_id);
    match command {
        TraderCommand::Create => {
            let signature = context.send(&[ix::create_margin_account(&owner, account_id)])?;
            Ok(signed_output("create_margin_account", &signature, json!({ "margin_account": account.to_string() })))
        }
        TraderCommand::Deposit { mint, amount } => {
            let mint = pubkey(&mint)?;
            let asset = context.collateral(&mint)?;
            let native = to_native(amount, asset.decimals)?;
            let source = associated_token_account(&owner, &mint, &asset.token_program);
            let signature = context.send(&[ix::deposit(&owner, &account, &mint, &asset.token_program, &source, native)])?;
            Ok(signed_output("deposit", &signature, json!({ "mint": mint.to_string(), "amount": native })))
        }
        TraderCommand::Withdraw { mint, amount } => {
            let mint = pubkey(&mint)?;
            let asset = context.collateral(&mint)?;
            let native = to_native(amount, asset.decimals)?;
            let destination = associated_token_account(&owner, &mint, &asset.token_program);
            let margin: MarginAccount = context.read("margin account", &account)?;
            let accounts = health::health_accounts(&context.cluster, &margin, None, None)?;
            let withdraw = ix::with_remaining(ix::withdraw(&owner, &account, &mint, &asset.token_program, &destination, native), accounts);
            let signature = context.send(&[withdraw])?;
            Ok(signed_output("withdraw", &signature, json!({ "mint": mint.to_string(), "amount": native })))
        }
        TraderCommand::DepositQuote { amount } => {
            let exchange = context.exchange()?;
            let native = to_native(amount, exchange.quote_decimals)?;
            let source = associated_token_account(&owner, &exchange.quote_mint, &exchange.quote_token_program);
            let deposit = ix::deposit_quote(&owner, &account, &exchange.quote_mint, &exchange.quote_token_program, &source, native);
            let signature = context.send(&[deposit])?;
            Ok(signed_output("deposit_quote", &signature, json!({ "amount": native })))
        }
        TraderCommand::Open { market, size, slippage } => order(context, &account, market, Some(size), slippage),
        TraderCommand::Close { market, slippage } => order(context, &account, market, None, slippage),
        TraderCommand::Status { account: other } => {
            let address = other.map(|text| pubkey(&text)).transpose()?.unwrap_or(account);
            status(context, &address)
        }
    }
}

/// A market order: `size` whole tokens (None: close the position).
fn order(context: &mut Context, account: &Pubkey, market_index: u16, size: Option<f64>, slippage: f64) -> Outcome {
    if !(0.0..0.5).contains(&slippage) {
        return Err(CliError::Usage(format!("slippage {slippage} must be between 0 and 0.5")));
    }
    let (market, feed) = context.market(market_index)?;
    let margin: MarginAccount = context.read("margin account", account)?;
    let held = margin.perps_in_use().find(|p| p.market_index == market_index).map_or(0, |p| p.base_size);
    let base_delta = match size {
        Some(size) => {
            let native = to_native(size.abs(), feed.base_decimals)? as i64;
            if size < 0.0 {
                -native
            } else {
                native
            }
        }
        None if held == 0 => return Err(CliError::Usage(format!("no position in market {market_index} to close"))),
        None => -held,
    };
    let per_token = feed.last_price.get().to_num::<f64>() * 10f64.powi(feed.base_decimals as i32);
    let limit = if base_delta > 0 { per_token * (1.0 + slippage) } else { per_token * (1.0 - slippage) };
    let accounts = health::health_accounts(&context.cluster, &margin, Some(market_index), None)?;
    let signer = me(context);
    let trade =
        ix::place_perp_order(&signer, account, market_index, &market.feed, &feed.oracle, base_delta, limit.max(0.0) as u64, accounts);
    let signature = context.send(&[ix::compute_unit_limit(ix::MAX_COMPUTE_UNITS), trade])?;
    Ok(signed_output(
        "place_perp_order",
        &signature,
        json!({ "market_index": market_index, "base_delta": base_delta, "limit_price": limit as u64 }),
    ))
}

fn status(context: &Context, address: &Pubkey) -> Outcome {
    let margin: MarginAccount = context.read("margin account", address)?;
    let exchange = context.exchange()?;
    let (snapshot, feeds) = health::snapshot_with_feeds(&context.cluster, &margin)?;
    let summary = snapshot.summary().map_err(|e| CliError::Unreachable(format!("{e:?}")))?;
    let usd = |x: Fixed| x.to_num::<f64>() / 10f64.powi(exchange.quote_decimals as i32);
    let mut collateral = Vec::new();
    for (index, slot) in margin.collateral_in_use().enumerate() {
        let asset: CollateralAsset = context.read("collateral", &health::asset_address(&exchange, slot.asset_index))?;
        let value = snapshot.collateral[index].value(HealthLevel::Maintenance).unwrap_or_default();
        collateral.push(json!({
            "mint": asset.mint.to_string(),
            "amount": slot.amount as f64 / 10f64.powi(asset.decimals as i32),
            "value": usd(value),
            "maintenance_haircut": asset.maintenance_haircut.get().to_num::<f64>(),
            // What a risk-increasing action counts: after deposit-depth scaling.
            "initial_haircut": snapshot.collateral[index].initial_haircut.to_num::<f64>(),
        }));
    }
    let mut positions = Vec::new();
    for (index, position) in margin.perps_in_use().enumerate() {
        let (market, feed) = context.market(position.market_index)?;
        let per_token = 10f64.powi(feed.base_decimals as i32) / 10f64.powi(exchange.quote_decimals as i32);
        let price = feed.last_price.get().to_num::<f64>() * per_token;
        let multiple = health::liquidation_multiple(&snapshot, &feeds, &market.feed);
        let entry = &snapshot.perps[index];
        positions.push(json!({
            "market_index": position.market_index,
            "name": String::from_utf8_lossy(&market.name).trim_end_matches('\0'),
            "size": position.base_size as f64 / 10f64.powi(feed.base_decimals as i32),
            "price": price,
            "unrealized_pnl": usd(entry.pnl(HealthLevel::Maintenance).unwrap_or_default()),
            "maintenance_margin_ratio": entry.maintenance_margin_ratio.to_num::<f64>(),
            // What a risk-increasing action is held to: with the open-interest add-on.
            "initial_margin_ratio": entry.initial_margin_ratio.to_num::<f64>(),
            "open_interest_add_on": market.open_interest_add_on(&feed).to_num::<f64>(),
            "liquidation_price": multiple.map(|m| m * price),
        }));
    }
    let json = json!({
        "margin_account": address.to_string(),
        "owner": margin.owner.to_string(),
        "quote_balance": usd(margin.quote()),
        "being_liquidated": margin.is_being_liquidated(),
        "health": { "initial": usd(summary.initial), "maintenance": usd(summary.maintenance), "liquidation_end": usd(summary.liquidation_end) },
        "collateral": collateral,
        "positions": positions,
    });
    let mut human = format!(
        "margin account {address}\n  quote balance {:.2}\n  health: initial {:.2}, maintenance {:.2}, liquidation-end {:.2}{}\n",
        usd(margin.quote()),
        usd(summary.initial),
        usd(summary.maintenance),
        usd(summary.liquidation_end),
        if margin.is_being_liquidated() { " (being liquidated)" } else { "" }
    );
    human.push_str(&format!("  {:<46} {:>16} {:>14} {:>10} {:>10}\n", "collateral", "amount", "value", "haircut", "initial"));
    for row in json["collateral"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "  {:<46} {:>16.6} {:>14.2} {:>9.2}% {:>9.2}%\n",
            row["mint"].as_str().unwrap_or(""),
            row["amount"].as_f64().unwrap_or(0.0),
            row["value"].as_f64().unwrap_or(0.0),
            row["maintenance_haircut"].as_f64().unwrap_or(0.0) * 100.0,
            row["initial_haircut"].as_f64().unwrap_or(0.0) * 100.0
        ));
    }
    human.push_str(&format!(
        "  {:<12} {:>14} {:>12} {:>14} {:>16} {:>18}\n",
        "market", "size", "price", "PnL", "liquidation at", "initial margin"
    ));
    for row in json["positions"].as_array().into_iter().flatten() {
        let liquidation = row["liquidation_price"].as_f64().map_or("none in 0.01x-100x".to_string(), |p| format!("{p:.4}"));
        let add_on = row["open_interest_add_on"].as_f64().unwrap_or(0.0);
        human.push_str(&format!(
            "  {:<12} {:>14.6} {:>12.4} {:>14.2} {:>16} {:>18}\n",
            row["name"].as_str().unwrap_or(""),
            row["size"].as_f64().unwrap_or(0.0),
            row["price"].as_f64().unwrap_or(0.0),
            row["unrealized_pnl"].as_f64().unwrap_or(0.0),
            liquidation,
            format!("{:.2}% (+{:.2} OI)", row["initial_margin_ratio"].as_f64().unwrap_or(0.0) * 100.0, add_on * 100.0)
        ));
    }
    Ok(Output { json, human })
}

pub fn run_lp(context: &mut Context, command: LpCommand) -> Outcome {
    let owner = me(context);
    let exchange = context.exchange()?;
    let wallet = associated_token_account(&owner, &exchange.quote_mint, &exchange.quote_token_program);
    let payer = context.payer.insecure_clone();
    match command {
        LpCommand::Deposit { amount } => {
            let native = to_native(amount, exchange.quote_decimals)?;
            let open = context.cluster.account(&pda::lp_position(&owner))?.is_none();
            let sent = lp::send_pool_action(&mut context.cluster, &payer, |pool| {
                let deposit =
                    ix::with_remaining(ix::lp_deposit(&owner, &exchange.quote_mint, &exchange.quote_token_program, &wallet, native), pool);
                if open {
                    vec![ix::open_lp_position(&owner), deposit]
                } else {
                    vec![deposit]
                }
            })?;
            let position: LpPosition = context.read("LP position", &pda::lp_position(&owner))?;
            Ok(signed_output("lp_deposit", &sent.signature, json!({ "amount": native, "ready_slot": pending_ready_slot(&position) })))
        }
        LpCommand::Withdraw { shares } => {
            let position: LpPosition = context.read("LP position", &pda::lp_position(&owner))?;
            if shares > position.shares {
                return Err(CliError::Usage(format!("you hold {} shares, not {shares}", position.shares)));
            }
            let sent = lp::send_pool_action(&mut context.cluster, &payer, |pool| {
                vec![ix::with_remaining(
                    ix::lp_withdraw(&owner, &exchange.quote_mint, &exchange.quote_token_program, &wallet, shares),
                    pool,
                )]
            })?;
            let position: LpPosition = context.read("LP position", &pda::lp_position(&owner))?;
            Ok(signed_output("lp_withdraw", &sent.signature, json!({ "shares": shares, "ready_slot": pending_ready_slot(&position) })))
        }
        LpCommand::Execute => {
            let position: LpPosition = context.read("LP position", &pda::lp_position(&owner))?;
            if position.request_kind == 0 {
                return Err(CliError::Usage("you have no pending LP request".into()));
            }
            let destination = position.request_destination;
            let sent = lp::send_pool_action(&mut context.cluster, &payer, |pool| {
                vec![ix::execute_lp_request(&owner, &exchange.quote_mint, &exchange.quote_token_program, &destination, pool)]
            })?;
            Ok(signed_output("execute_lp_request", &sent.signature, json!({ "amount": position.request_amount })))
        }
        LpCommand::Cancel => {
            let cancel = ix::cancel_lp_request(&owner, &exchange.quote_mint, &exchange.quote_token_program, &wallet);
            let signature = context.send(&[cancel])?;
            Ok(signed_output("cancel_lp_request", &signature, json!({})))
        }
    }
}

/// The slot a pending request may execute from, if one is pending.
fn pending_ready_slot(position: &LpPosition) -> Option<u64> {
    (position.request_kind != 0).then_some(position.request_ready_slot)
}
