//! The keeper (DESIGN.md sections 9 and 11): cranks feeds, markets and
//! collateral, finds liquidatable margin accounts from their health computed
//! off-chain (the risk crate, as the program computes it), liquidates the
//! most urgent first, and settles bankruptcies.
//!
//! Every decision is made from freshly read accounts and checked again by
//! the program, which sizes each liquidation itself: a keeper restarted, or
//! two keepers at once, cannot liquidate beyond what the program allows. A
//! refusal that means "someone else got there" (`AccountHealthy`,
//! `NothingToLiquidate`, `NotBankrupt`) is a benign race and is skipped.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use reflex::error::ReflexError;
use reflex::events::{BankruptcySettled, CollateralLiquidated, PerpLiquidated};
use reflex::state::{CollateralAsset, Exchange, MarginAccount, PerpMarket, PriceFeed};
use reflex_risk::{AccountSnapshot, Fixed, HealthSummary};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::{Cluster, ClusterError};
use crate::health::{self, asset_address};
use crate::lookup_tables::{self, Tables};
use crate::{events, instructions as ix, pda};

/// A keeper: its signer and the margin account that receives penalties and
/// pays for seized collateral.
pub struct Keeper {
    pub keypair: Keypair,
    pub account: Pubkey,
}

/// Something a keeper did.
#[derive(Clone, Debug, PartialEq)]
pub enum KeeperAction {
    PerpLiquidated { account: Pubkey, market_index: u16, base_closed: u64, base_after: i64 },
    CollateralLiquidated { account: Pubkey, mint: Pubkey, amount: u64 },
    BankruptcySettled { account: Pubkey, deficit: Fixed, covered_by_insurance: Fixed, socialized_to_pool: Fixed },
}

/// What one pass did.
#[derive(Clone, Debug, Default)]
pub struct PassReport {
    /// Crank instructions that went through (feeds, markets, collateral).
    pub cranked: usize,
    /// Cranks refused (a feed whose oracle is too stale to use, say).
    pub crank_failures: Vec<String>,
    /// Transactions that created or extended the keeper's lookup tables.
    pub table_updates: usize,
    pub accounts_examined: usize,
    /// Accounts found liquidatable (or bankrupt) at the start of the pass.
    pub liquidatable: usize,
    pub actions: Vec<KeeperAction>,
    /// Accounts left alone, with the reason (a race lost, a refusal).
    pub skipped: Vec<(Pubkey, String)>,
}

/// Refreshes every listed market and configured collateral (and with them
/// their feeds) for the current slot, one instruction per transaction so one
/// stale oracle does not block the rest. Returns the instructions sent.
pub fn crank(cluster: &mut impl Cluster, payer: &Keypair) -> Result<(usize, Vec<String>), ClusterError> {
    let exchange: Exchange =
        cluster.read(&pda::exchange()).ok_or_else(|| ClusterError::Transport("no Reflex exchange on this cluster".into()))?;
    let mut cranks: Vec<(String, Instruction)> = Vec::new();
    for index in 0..exchange.market_count {
        let Some(market) = cluster.read::<PerpMarket>(&pda::market(index)) else { continue };
        let Some(feed) = cluster.read::<PriceFeed>(&market.feed) else { continue };
        cranks.push((format!("market {index}"), ix::refresh_market(index, &feed.feed_id, &feed.oracle)));
    }
    for mint in exchange.listed_collateral() {
        let Some(asset) = cluster.read::<CollateralAsset>(&pda::collateral_asset(mint)) else { continue };
        if !asset.is_risk_configured() {
            continue;
        }
        let Some(feed) = cluster.read::<PriceFeed>(&asset.feed) else { continue };
        cranks.push((format!("collateral {mint}"), ix::refresh_collateral(mint, &feed.feed_id, &feed.oracle)));
    }
    let (mut sent, mut failures) = (0, Vec::new());
    for (what, instruction) in cranks {
        match cluster.send(&[instruction], payer, &[]) {
            Ok(_) => sent += 1,
            Err(error @ ClusterError::Transport(_)) => return Err(error),
            Err(error) => failures.push(format!("{what}: {error}")),
        }
    }
    Ok((sent, failures))
}

/// Health of every margin account, most urgent (lowest maintenance health) first.
pub fn survey(cluster: &impl Cluster) -> Result<Vec<(Pubkey, MarginAccount, HealthSummary)>, ClusterError> {
    let mut accounts = Vec::new();
    for (address, margin) in cluster.margin_accounts()? {
        let Ok(snapshot) = health::snapshot(cluster, &margin) else { continue };
        let Ok(summary) = snapshot.summary() else { continue };
        accounts.push((address, margin, summary));
    }
    accounts.sort_by_key(|(_, _, summary)| summary.maintenance);
    Ok(accounts)
}

/// One pass: crank, survey, then for each liquidatable account (most urgent
/// first) liquidate until it is no longer liquidatable: positions first (the
/// program closes the least size that restores liquidation-end health), then
/// collateral against quote debt (largest holding first); settle what ends bankrupt.
pub fn run_pass(cluster: &mut impl Cluster, keeper: &Keeper) -> Result<PassReport, ClusterError> {
    let mut report = PassReport::default();
    let (cranked, failures) = crank(cluster, &keeper.keypair)?;
    report.cranked = cranked;
    report.crank_failures = failures;
    let tables = keep_tables(cluster, keeper, &mut report)?;
    let survey = survey(cluster)?;
    report.accounts_examined = survey.len();
    for (address, margin, summary) in survey {
        if address == keeper.account || !(health::is_liquidatable(&margin, &summary) || margin.is_bankrupt()) {
            continue;
        }
        report.liquidatable += 1;
        liquidate_account(cluster, keeper, &tables, &address, &mut report)?;
    }
    Ok(report)
}

/// The keeper's lookup tables, extended with every protocol account (new
/// markets, collateral, feeds), so that a liquidation of the largest
/// account fits one v0 transaction. Extended ahead of need: what is added
/// in this slot is usable from the next. A refusal (no lamports for rent,
/// say) is reported and the keeper goes on with the tables it has.
fn keep_tables(cluster: &mut impl Cluster, keeper: &Keeper, report: &mut PassReport) -> Result<Tables, ClusterError> {
    let mut tables = Tables::load(cluster, &keeper.keypair.pubkey())?;
    let wanted = lookup_tables::protocol_addresses(cluster);
    match tables.ensure(cluster, &keeper.keypair, &wanted) {
        Ok(sent) => report.table_updates = sent,
        Err(error @ ClusterError::Transport(_)) => return Err(error),
        Err(error) => report.crank_failures.push(format!("lookup table: {error}")),
    }
    Ok(tables)
}

/// The races a keeper may lose to another keeper: not errors.
fn benign(error: &ClusterError) -> bool {
    [ReflexError::AccountHealthy, ReflexError::NothingToLiquidate, ReflexError::NotBankrupt].iter().any(|e| error.is(*e))
}

fn liquidate_account(
    cluster: &mut impl Cluster,
    keeper: &Keeper,
    tables: &Tables,
    address: &Pubkey,
    report: &mut PassReport,
) -> Result<(), ClusterError> {
    // Each step reads the account afresh; 2 × 8 slots bound the steps an
    // account can need (every position closed, every collateral taken).
    for _ in 0..20 {
        let Some(margin) = cluster.read::<MarginAccount>(address) else { return Ok(()) };
        let valued = health::snapshot(cluster, &margin).and_then(|snapshot| {
            let summary = snapshot.summary().map_err(health::HealthError::Risk)?;
            Ok((snapshot, summary))
        });
        let Ok((snapshot, summary)) = valued else {
            report.skipped.push((*address, "cannot value the account (an account it refers to is missing)".into()));
            return Ok(());
        };
        if !health::is_liquidatable(&margin, &summary) {
            break;
        }
        let step = match next_step(cluster, keeper, address, &margin, &snapshot) {
            Ok(Some(step)) => step,
            Ok(None) => break,
            Err(reason) => {
                report.skipped.push((*address, reason));
                return Ok(());
            }
        };
        match tables.send(cluster, &[ix::compute_unit_limit(ix::MAX_COMPUTE_UNITS), step], &keeper.keypair, &[]) {
            Ok(sent) => report.actions.extend(actions_in(&sent.logs)),
            Err(error @ ClusterError::Transport(_)) => return Err(error),
            Err(error) => {
                if !benign(&error) {
                    report.skipped.push((*address, error.to_string()));
                }
                return Ok(());
            }
        }
    }
    let Some(margin) = cluster.read::<MarginAccount>(address) else { return Ok(()) };
    if margin.is_bankrupt() {
        match cluster.send(&[ix::settle_bankruptcy(address)], &keeper.keypair, &[]) {
            Ok(sent) => report.actions.extend(actions_in(&sent.logs)),
            Err(error @ ClusterError::Transport(_)) => return Err(error),
            Err(error) if benign(&error) => {}
            Err(error) => report.skipped.push((*address, error.to_string())),
        }
    }
    Ok(())
}

/// The next liquidation instruction for a liquidatable account (valued as
/// `snapshot`), if any can help.
fn next_step(
    cluster: &impl Cluster,
    keeper: &Keeper,
    address: &Pubkey,
    margin: &MarginAccount,
    snapshot: &AccountSnapshot,
) -> Result<Option<Instruction>, String> {
    let signer = keeper.keypair.pubkey();
    let (_, now) = cluster.clock().map_err(|e| e.to_string())?;
    // Only an entry whose own price is usable can be liquidated; the others
    // are valued conservatively (or at zero) and wait for their feed.
    let priced = |feed: &Pubkey| cluster.read::<PriceFeed>(feed).is_some_and(|feed| feed.grade_at(now).is_some());
    for (index, position) in margin.perps_in_use().enumerate() {
        let market: PerpMarket = cluster.read(&pda::market(position.market_index)).ok_or("market missing")?;
        if !priced(&market.feed) {
            continue;
        }
        let penalty = reflex::utils::ppm(market.risk.liquidation_penalty);
        if let Ok(Some(_)) = reflex_risk::perp_liquidation(snapshot, index, penalty) {
            let accounts = health::health_accounts(cluster, margin, Some(position.market_index), None).map_err(|e| e.to_string())?;
            let oracle = health::oracle_of(cluster, &market.feed).map_err(|e| e.to_string())?;
            return Ok(Some(ix::liquidate_perp(
                &signer,
                &keeper.account,
                address,
                position.market_index,
                &market.feed,
                &oracle,
                u64::MAX,
                accounts,
            )));
        }
    }
    if margin.quote() >= 0 {
        return Ok(None);
    }
    // Collateral against the debt: the largest holding by value first.
    let exchange: Exchange = cluster.read(&pda::exchange()).ok_or("exchange missing")?;
    let mut best: Option<(Fixed, u16, CollateralAsset)> = None;
    for (index, slot) in margin.collateral_in_use().enumerate() {
        let asset: CollateralAsset = cluster.read(&asset_address(&exchange, slot.asset_index)).ok_or("asset missing")?;
        let value = snapshot.collateral[index].value(reflex_risk::HealthLevel::Maintenance).unwrap_or(Fixed::ZERO);
        if value <= 0 || !asset.is_risk_configured() || !priced(&asset.feed) {
            continue;
        }
        if best.as_ref().is_none_or(|(best_value, _, _)| value > *best_value) {
            best = Some((value, slot.asset_index, asset));
        }
    }
    let Some((_, asset_index, asset)) = best else { return Ok(None) };
    let keeper_margin: MarginAccount = cluster.read(&keeper.account).ok_or("the keeper's margin account does not exist")?;
    if keeper_margin.quote() <= 0 {
        return Err("the keeper's margin account has no quote balance to pay for collateral; deposit_quote into it".into());
    }
    let accounts = health::health_accounts(cluster, margin, None, Some(asset_index)).map_err(|e| e.to_string())?;
    let oracle = health::oracle_of(cluster, &asset.feed).map_err(|e| e.to_string())?;
    Ok(Some(ix::liquidate_collateral(&signer, &keeper.account, address, &asset.mint, &asset.feed, &oracle, u64::MAX, accounts)))
}

fn actions_in(logs: &[String]) -> Vec<KeeperAction> {
    let mut actions = Vec::new();
    for event in events::decode::<PerpLiquidated>(logs) {
        actions.push(KeeperAction::PerpLiquidated {
            account: event.margin_account,
            market_index: event.market_index,
            base_closed: event.base_closed,
            base_after: event.base_after,
        });
    }
    for event in events::decode::<CollateralLiquidated>(logs) {
        actions.push(KeeperAction::CollateralLiquidated { account: event.margin_account, mint: event.mint, amount: event.amount });
    }
    for event in events::decode::<BankruptcySettled>(logs) {
        actions.push(KeeperAction::BankruptcySettled {
            account: event.margin_account,
            deficit: Fixed::from_bits(event.deficit),
            covered_by_insurance: Fixed::from_bits(event.covered_by_insurance),
            socialized_to_pool: Fixed::from_bits(event.socialized_to_pool),
        });
    }
    actions
}
