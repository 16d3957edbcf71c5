//! Reflex: a volatility-feedback cross-margin perpetuals protocol.
//!
//! This crate is the on-chain program. The risk math lives in `reflex-risk`
//! (pure, no Solana types); handlers here validate accounts, load state, call
//! the math, write and emit. Layout:
//! - `instructions/`: one file per instruction, accounts struct beside handler
//! - `state/`: account types
//! - `controller/`: state transitions shared by instructions (feed refresh)
//! - `oracle/`: Pyth formats and guard rails
//! - `validation/`: checks shared by several instructions
//! - `math/`: checked bookkeeping arithmetic (`SafeMath`)
//! - `error.rs`, `events.rs`, `constants.rs`: the one error enum, the events, seeds
//!
//! No bare `+ - * /` on numbers that can overflow: the lint below fails the
//! test command on one (use `math::SafeMath` or `reflex_risk::fixed_math`).
#![allow(clippy::result_large_err)]
#![deny(clippy::arithmetic_side_effects)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod controller;
pub mod error;
pub mod events;
pub mod instructions;
pub mod math;
pub mod oracle;
pub mod state;
pub mod utils;
pub mod validation;

use instructions::*;
use state::FeedConfig;

// Routes memcpy/memset/memcmp/memmove to the sol_mem* syscalls; referenced so
// the linker keeps it (see docs/sbf-build.md).
#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

declare_id!("Rfxd5RbcxvwNqFJ8m2xjVcpt5RcVmoVQXSnHck1HDqn");

#[program]
pub mod reflex {
    use super::*;

    /// Creates the exchange. The signer must be the program's upgrade
    /// authority and becomes admin; `quote_mint` is the settlement token.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>) -> Result<()> {
        instructions::initialize_exchange(ctx)
    }

    /// Admin: lists a collateral mint (SPL Token or Token-2022) and creates its
    /// PDA-owned unified vault. `deposit_cap` is in the mint's native units.
    pub fn list_collateral(ctx: Context<ListCollateral>, deposit_cap: u64) -> Result<()> {
        instructions::list_collateral(ctx, deposit_cap)
    }

    /// Creates a margin account for the signer; one owner may hold several,
    /// told apart by `account_id`.
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, account_id: u32) -> Result<()> {
        instructions::create_margin_account(ctx, account_id)
    }

    /// Owner: deposits collateral into the unified vault.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit(ctx, amount)
    }

    /// Admin: lists a price feed for one underlying, reading `oracle`: a
    /// Pyth `PriceUpdateV2` account for `feed_id`, or a legacy Pyth price
    /// account whose address is `feed_id`.
    pub fn list_feed(
        ctx: Context<ListFeed>,
        feed_id: [u8; 32],
        base_decimals: u8,
        oracle_kind: oracle::OracleKind,
        config: FeedConfig,
    ) -> Result<()> {
        instructions::list_feed(ctx, feed_id, base_decimals, oracle_kind, config)
    }

    /// Admin: points a feed at another oracle account for the same feed id
    /// (a fallback source when its oracle dies).
    pub fn set_feed_oracle(ctx: Context<SetFeedOracle>, oracle_kind: oracle::OracleKind) -> Result<()> {
        instructions::set_feed_oracle(ctx, oracle_kind)
    }

    /// Admin, only while a feed has no usable price: posts a documented
    /// price graded for liquidations only, so reductions, liquidations and
    /// LP actions go on; the oracle's next newer print takes over.
    pub fn set_fallback_price(ctx: Context<SetFallbackPrice>, price: i64, confidence: u64, exponent: i32) -> Result<()> {
        instructions::set_fallback_price(ctx, price, confidence, exponent)
    }

    /// Admin: replaces a feed's guard rails and accumulator settings.
    pub fn set_feed_config(ctx: Context<SetFeedConfig>, config: FeedConfig) -> Result<()> {
        instructions::set_feed_config(ctx, config)
    }

    /// Admin: turns a feed's cadence-robust estimator on (split time
    /// constants optional), re-tunes it, or turns it off (all zero).
    pub fn set_feed_robust(ctx: Context<SetFeedConfig>, config: state::RobustFeedConfig) -> Result<()> {
        instructions::set_feed_robust(ctx, config)
    }

    /// Anyone: grows a feed of the first account layout to the current one
    /// (the payer tops up its rent; the new space is zero, the robust
    /// estimator off).
    pub fn migrate_feed(ctx: Context<MigrateFeed>) -> Result<()> {
        instructions::migrate_feed(ctx)
    }

    /// Anyone: refreshes a feed's price and volatility accumulator for the
    /// current slot (a second call in the same slot changes nothing).
    pub fn refresh_feed(ctx: Context<RefreshFeed>) -> Result<()> {
        instructions::refresh_feed(ctx)
    }

    /// Admin: sets a collateral's haircut bounds, curves, liquidation terms and
    /// feed, validated by the risk crate's consistency check.
    pub fn set_collateral_risk(ctx: Context<SetCollateralRisk>, risk: state::CollateralRiskPpm) -> Result<()> {
        instructions::set_collateral_risk(ctx, risk)
    }

    /// Admin: sets a collateral's gap allowance and deposit depth, checked
    /// against its haircut bounds (the gap floor).
    pub fn set_collateral_risk_ext(ctx: Context<SetCollateralRisk>, ext: state::CollateralRiskExtPpm) -> Result<()> {
        instructions::set_collateral_risk_ext(ctx, ext)
    }

    /// Anyone: refreshes a collateral's feed and moves its live haircuts.
    pub fn refresh_collateral(ctx: Context<RefreshCollateral>) -> Result<()> {
        instructions::refresh_collateral(ctx)
    }

    /// Admin: lists a perp market on a listed feed with its margin settings,
    /// validated by the risk crate's consistency check. `market_index` must
    /// be the exchange's current market count (`WrongMarketIndex`); the
    /// market's address is `["market", market_index as u16 LE]`.
    pub fn list_perp_market(ctx: Context<ListPerpMarket>, market_index: u16, name: [u8; 16], risk: state::MarketRiskPpm) -> Result<()> {
        instructions::list_perp_market(ctx, market_index, name, risk)
    }

    /// Admin: replaces a market's margin settings.
    pub fn set_market_risk(ctx: Context<SetMarketRisk>, risk: state::MarketRiskPpm) -> Result<()> {
        instructions::set_market_risk(ctx, risk)
    }

    /// Admin: sets a market's gap allowance and open-interest scaling of
    /// initial margin, checked against its margin bounds (the gap floor).
    pub fn set_market_risk_ext(ctx: Context<SetMarketRisk>, ext: state::MarketRiskExtPpm) -> Result<()> {
        instructions::set_market_risk_ext(ctx, ext)
    }

    /// Anyone: refreshes a market's feed and moves its live margin ratios.
    pub fn refresh_market(ctx: Context<RefreshMarket>) -> Result<()> {
        instructions::refresh_market(ctx)
    }

    /// Admin: proposes a new admin (two-step transfer).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        instructions::propose_admin(ctx, new_admin)
    }

    /// Proposed admin: accepts the admin role.
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin(ctx)
    }

    /// Admin: names the guardian, who may only pause.
    pub fn set_guardian(ctx: Context<SetGuardian>, guardian: Pubkey) -> Result<()> {
        instructions::set_guardian(ctx, guardian)
    }

    /// Guardian or admin: pauses withdrawals, LP actions and risk-increasing
    /// trades (never deposits, reductions, liquidations or cranks).
    pub fn pause(ctx: Context<Pause>) -> Result<()> {
        instructions::pause(ctx)
    }

    /// Admin: lifts a pause.
    pub fn unpause(ctx: Context<Unpause>) -> Result<()> {
        instructions::unpause(ctx)
    }

    /// Admin: names the risk steward and its per-step cap and spacing.
    pub fn set_risk_steward(ctx: Context<SetRiskSteward>, steward: Pubkey, max_change_ppm: u32, min_slots: u32) -> Result<()> {
        instructions::set_risk_steward(ctx, steward, max_change_ppm, min_slots)
    }

    /// Risk steward: moves a collateral's haircut base inside the bounds.
    pub fn steward_set_collateral_base(ctx: Context<StewardSetCollateralBase>, level: state::RiskLevel, base_ppm: u32) -> Result<()> {
        instructions::steward_set_collateral_base(ctx, level, base_ppm)
    }

    /// Risk steward: moves a market's margin base inside the bounds.
    pub fn steward_set_market_base(ctx: Context<StewardSetMarketBase>, level: state::RiskLevel, base_ppm: u32) -> Result<()> {
        instructions::steward_set_market_base(ctx, level, base_ppm)
    }

    /// Admin: exchange-wide reduce-only mode.
    pub fn set_exchange_reduce_only(ctx: Context<SetExchangeReduceOnly>, reduce_only: bool) -> Result<()> {
        instructions::set_exchange_reduce_only(ctx, reduce_only)
    }

    /// Admin: reduce-only mode for one market.
    pub fn set_market_reduce_only(ctx: Context<SetMarketReduceOnly>, reduce_only: bool) -> Result<()> {
        instructions::set_market_reduce_only(ctx, reduce_only)
    }

    /// Anyone: computes a margin account's health at this slot and emits
    /// it; books the deficit of an insolvent account.
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn compute_health<'info>(ctx: Context<'info, ComputeHealth<'info>>) -> Result<()> {
        instructions::compute_health(ctx)
    }

    /// Admin: creates the quote vault of the LP pool and insurance fund.
    pub fn initialize_pool(ctx: Context<InitializePool>) -> Result<()> {
        instructions::initialize_pool(ctx)
    }

    /// Anyone: opens their LP position.
    pub fn open_lp_position(ctx: Context<OpenLpPosition>) -> Result<()> {
        instructions::open_lp_position(ctx)
    }

    /// LP: deposits quote tokens; shares at once into an empty pool, else a
    /// request executed after the pool's delay. Remaining accounts (also for
    /// `lp_withdraw` and `execute_lp_request`): every listed market in market
    /// order, each followed by its feed and the feed's oracle to bring it to
    /// this slot here; a market with open interest passed alone must have
    /// been cranked (`refresh_market`) earlier in this slot.
    pub fn lp_deposit<'info>(ctx: Context<'info, LpLiquidity<'info>>, amount: u64) -> Result<()> {
        instructions::lp_deposit(ctx, amount)
    }

    /// LP: asks to redeem pool shares; executed after the pool's delay.
    pub fn lp_withdraw<'info>(ctx: Context<'info, LpLiquidity<'info>>, shares: u64) -> Result<()> {
        instructions::lp_withdraw(ctx, shares)
    }

    /// Anyone: executes an LP request whose delay has passed, at the share
    /// value worse for the LP of the one at request and the one now.
    pub fn execute_lp_request<'info>(ctx: Context<'info, ExecuteLpRequest<'info>>) -> Result<()> {
        instructions::execute_lp_request(ctx)
    }

    /// LP: cancels its pending request.
    pub fn cancel_lp_request(ctx: Context<LpLiquidityNoPool>) -> Result<()> {
        instructions::cancel_lp_request(ctx)
    }

    /// Admin: sets the delay between an LP request and its execution.
    pub fn set_lp_delay(ctx: Context<SetLpDelay>, slots: u64) -> Result<()> {
        instructions::set_lp_delay(ctx, slots)
    }

    /// Owner: withdraws collateral from the unified vault; initial health
    /// must stay ≥ 0 if the account has liabilities (with none, no health
    /// accounts are needed).
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw(ctx, amount)
    }

    /// Admin: sets a market's spread, fee, funding, open-interest and keeper settings.
    pub fn set_market_trading(ctx: Context<SetMarketTrading>, trading: state::MarketTradingPpm) -> Result<()> {
        instructions::set_market_trading(ctx, trading)
    }

    /// Owner: names (or clears) a delegate who may trade but not withdraw.
    pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
        instructions::set_delegate(ctx, delegate)
    }

    /// Anyone: pays quote tokens into a margin account's quote balance.
    pub fn deposit_quote(ctx: Context<DepositQuote>, amount: u64) -> Result<()> {
        instructions::deposit_quote(ctx, amount)
    }

    /// Owner: withdraws from a positive quote balance.
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn withdraw_quote<'info>(ctx: Context<'info, WithdrawQuote<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw_quote(ctx, amount)
    }

    /// Owner or delegate: trades `base_delta` (positive buys) against the
    /// pool, filling no worse than `limit_price` per whole base token.
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles. The
    /// traded market is left out of (2) and its feed out of (3): the
    /// instruction names them.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn place_perp_order<'info>(ctx: Context<'info, PlacePerpOrder<'info>>, base_delta: i64, limit_price: u64) -> Result<()> {
        instructions::place_perp_order(ctx, base_delta, limit_price)
    }

    /// Anyone: closes the least of a liquidatable account's position that
    /// restores liquidation-end health, at most `max_base`.
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles. The
    /// liquidated market is left out of (2) and its feed out of (3): the
    /// instruction names them.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn liquidate_perp<'info>(ctx: Context<'info, LiquidatePerp<'info>>, max_base: u64) -> Result<()> {
        instructions::liquidate_perp(ctx, max_base)
    }

    /// Anyone: repays a liquidatable account's debt for collateral at a
    /// discount, the least that restores liquidation-end health.
    ///
    /// Health accounts (the remaining accounts), in this order: (1) the
    /// CollateralAsset of every collateral slot the margin account uses, in
    /// slot order; (2) the PerpMarket of every perp slot in use, in slot
    /// order; (3) for each PriceFeed those read, once each and in any order,
    /// the feed then its oracle account. All writable but the oracles. The
    /// seized collateral is left out of (1) and its feed out of (3): the
    /// instruction names them.
    /// `reflex_sdk::health::health_accounts` builds the list.
    pub fn liquidate_collateral<'info>(ctx: Context<'info, LiquidateCollateral<'info>>, max_amount: u64) -> Result<()> {
        instructions::liquidate_collateral(ctx, max_amount)
    }

    /// Anyone: covers a bankrupt account's debt from insurance, then the pool.
    pub fn settle_bankruptcy(ctx: Context<SettleBankruptcy>) -> Result<()> {
        instructions::settle_bankruptcy(ctx)
    }
}
