use anchor_lang::prelude::*;
use reflex_risk::{bankruptcy_deficit, AccountSnapshot};

use crate::constants::EXCHANGE_SEED;
use crate::controller::liquidation::unbook_deficit;
use crate::error::MapRiskErr;
use crate::error::ReflexError;
use crate::events::BankruptcySettled;
use crate::math::SafeMath;
use crate::state::{Exchange, MarginAccount};

#[derive(Accounts)]
pub struct SettleBankruptcy<'info> {
    #[account(mut, has_one = exchange @ ReflexError::WrongExchange)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Anyone: an account with no collateral and no positions left but quote
/// debt is bankrupt; the insurance fund covers the deficit, and what it
/// cannot cover is socialised to the pool (every LP share loses pro rata).
/// The account's balance returns to zero.
pub fn settle_bankruptcy(ctx: Context<SettleBankruptcy>) -> Result<()> {
    let mut margin = ctx.accounts.margin_account.load_mut()?;
    require!(margin.is_bankrupt(), ReflexError::NotBankrupt);
    let snapshot = AccountSnapshot { quote_balance: margin.quote(), collateral: Vec::new(), perps: Vec::new() };
    let deficit = bankruptcy_deficit(&snapshot).map_risk_err()?.ok_or(ReflexError::NotBankrupt)?;

    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let insurance = exchange.insurance_fund.get();
    let covered = deficit.min(insurance.max(reflex_risk::Fixed::ZERO));
    let socialized = deficit.safe_sub(covered)?;
    exchange.insurance_fund.set(insurance.safe_sub(covered)?);
    let pool_balance = exchange.pool_balance.get().safe_sub(socialized)?;
    exchange.pool_balance.set(pool_balance);
    margin.add_quote(deficit)?;
    margin.being_liquidated = 0;
    unbook_deficit(&mut exchange, &mut margin)?;

    emit!(BankruptcySettled {
        margin_account: ctx.accounts.margin_account.key(),
        deficit: deficit.to_bits(),
        covered_by_insurance: covered.to_bits(),
        socialized_to_pool: socialized.to_bits(),
        insurance_fund_after: exchange.insurance_fund.get().to_bits(),
        pool_balance_after: pool_balance.to_bits(),
    });
    Ok(())
}
