use anchor_lang::prelude::*;

use super::admin_only::*;
use crate::error::ReflexError;
use crate::events::ReduceOnlyChanged;
use crate::state::PerpMarket;

#[derive(Accounts)]
pub struct SetExchangeReduceOnly<'info> {
    pub governance: AdminOnly<'info>,
}

/// Admin: puts the whole exchange in (or out of) reduce-only mode, where
/// trades may only reduce positions (enforced by the trading instructions).
pub fn set_exchange_reduce_only(ctx: Context<SetExchangeReduceOnly>, reduce_only: bool) -> Result<()> {
    let mut exchange = ctx.accounts.governance.exchange.load_mut()?;
    let was = exchange.is_reduce_only();
    exchange.reduce_only = reduce_only as u8;
    emit!(ReduceOnlyChanged { target: ctx.accounts.governance.exchange.key(), was_reduce_only: was, reduce_only });
    Ok(())
}

#[derive(Accounts)]
pub struct SetMarketReduceOnly<'info> {
    pub governance: AdminOnly<'info>,
    #[account(mut, constraint = market.load()?.exchange == governance.exchange.key() @ ReflexError::WrongExchange)]
    pub market: AccountLoader<'info, PerpMarket>,
}

/// Admin: puts one market in (or out of) reduce-only mode.
pub fn set_market_reduce_only(ctx: Context<SetMarketReduceOnly>, reduce_only: bool) -> Result<()> {
    let mut market = ctx.accounts.market.load_mut()?;
    let was = market.is_reduce_only();
    market.reduce_only = reduce_only as u8;
    emit!(ReduceOnlyChanged { target: ctx.accounts.market.key(), was_reduce_only: was, reduce_only });
    Ok(())
}
