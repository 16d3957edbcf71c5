//! Anchor events: one per state change, carrying what an indexer needs to
//! rebuild balances without reading accounts.
use anchor_lang::prelude::*;

#[event]
pub struct ExchangeInitialized {
    pub exchange: Pubkey,
    pub admin: Pubkey,
    pub quote_mint: Pubkey,
}

#[event]
pub struct CollateralListed {
    pub collateral_asset: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub token_program: Pubkey,
    pub asset_index: u16,
    pub decimals: u8,
    pub deposit_cap: u64,
}

#[event]
pub struct MarginAccountCreated {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub account_id: u32,
}

#[event]
pub struct CollateralDeposited {
    pub margin_account: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    /// The account's balance of this collateral after the deposit.
    pub account_balance: u64,
    /// All deposits of this collateral after the deposit.
    pub total_deposits: u64,
}

#[event]
pub struct CollateralWithdrawn {
    pub margin_account: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    /// The account's balance of this collateral after the withdrawal.
    pub account_balance: u64,
    /// All deposits of this collateral after the withdrawal.
    pub total_deposits: u64,
}

#[event]
pub struct FeedListed {
    pub feed: Pubkey,
    pub feed_id: [u8; 32],
    pub oracle: Pubkey,
    pub base_decimals: u8,
    pub oracle_kind: crate::oracle::OracleKind,
    pub config: crate::instructions::FeedConfig,
}

/// Emitted when a refresh accepts a newer print. Fixed-point values are
/// I80F48 bits (value · 2⁴⁸); prices in quote native units per base native
/// unit. `σ_T` follows from the variances and the feed's horizon and
/// confidence (`reflex_risk::VolatilityAccumulator::risk_volatility`); the
/// program does not spend a square root on the event.
#[event]
pub struct FeedRefreshed {
    pub feed: Pubkey,
    pub slot: u64,
    pub price: i128,
    pub confidence: i128,
    /// Per-slot variance EWMAs after the update.
    pub fast_variance: i128,
    pub slow_variance: i128,
    /// 2: valid for everything; 1: for liquidations, reducing and closing only.
    pub grade: u8,
}

/// Governance changed a collateral's haircut bounds, curves or liquidation
/// terms (all in ppm, old and new); haircuts are I80F48 bits after the change.
#[event]
pub struct CollateralRiskSet {
    pub collateral_asset: Pubkey,
    pub feed: Pubkey,
    pub old: crate::state::CollateralRiskPpm,
    pub new: crate::state::CollateralRiskPpm,
    pub initial_haircut: i128,
    pub maintenance_haircut: i128,
}

/// The live haircuts after a refresh (I80F48 bits).
#[event]
pub struct CollateralHaircutsUpdated {
    pub collateral_asset: Pubkey,
    pub slot: u64,
    pub initial_haircut: i128,
    pub maintenance_haircut: i128,
}

#[event]
pub struct PerpMarketListed {
    pub market: Pubkey,
    pub market_index: u16,
    pub name: [u8; 16],
    pub feed: Pubkey,
    pub risk: crate::state::MarketRiskPpm,
    pub initial_margin_ratio: i128,
    pub maintenance_margin_ratio: i128,
}

/// Governance changed a market's margin settings (ppm, old and new); ratios
/// are I80F48 bits after the change.
#[event]
pub struct MarketRiskSet {
    pub market: Pubkey,
    pub old: crate::state::MarketRiskPpm,
    pub new: crate::state::MarketRiskPpm,
    pub initial_margin_ratio: i128,
    pub maintenance_margin_ratio: i128,
}

/// The live margin ratios after a refresh (I80F48 bits).
#[event]
pub struct MarketMarginsUpdated {
    pub market: Pubkey,
    pub slot: u64,
    pub initial_margin_ratio: i128,
    pub maintenance_margin_ratio: i128,
}

#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub old_pending: Pubkey,
    pub new_pending: Pubkey,
}

#[event]
pub struct AdminTransferred {
    pub old: Pubkey,
    pub new: Pubkey,
}

#[event]
pub struct GuardianSet {
    pub old: Pubkey,
    pub new: Pubkey,
}

#[event]
pub struct PausedChanged {
    /// The guardian or admin who signed.
    pub by: Pubkey,
    pub was_paused: bool,
    pub paused: bool,
}

#[event]
pub struct RiskStewardSet {
    pub old_steward: Pubkey,
    pub new_steward: Pubkey,
    pub old_max_change_ppm: u32,
    pub new_max_change_ppm: u32,
    pub old_min_slots: u32,
    pub new_min_slots: u32,
}

/// The risk steward moved a base parameter of a collateral asset or market.
#[event]
pub struct StewardBaseChanged {
    /// The CollateralAsset or PerpMarket account.
    pub target: Pubkey,
    pub level: crate::controller::steward::RiskLevel,
    pub old_base_ppm: u32,
    pub new_base_ppm: u32,
}

/// Reduce-only mode changed for the exchange or one market.
#[event]
pub struct ReduceOnlyChanged {
    /// The Exchange or PerpMarket account.
    pub target: Pubkey,
    pub was_reduce_only: bool,
    pub reduce_only: bool,
}

/// A margin account's health (I80F48 bits, quote native units).
#[event]
pub struct HealthComputed {
    pub margin_account: Pubkey,
    pub initial: i128,
    pub maintenance: i128,
    pub liquidation_end: i128,
}

#[event]
pub struct PoolInitialized {
    pub quote_vault: Pubkey,
    pub quote_mint: Pubkey,
}

#[event]
pub struct LpPositionOpened {
    pub lp_position: Pubkey,
    pub owner: Pubkey,
}

/// An LP deposit; pool totals are after it.
#[event]
pub struct LiquidityAdded {
    pub lp_position: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub pool_balance: u64,
    pub lp_shares: u64,
}

/// An LP withdrawal; pool totals are after it.
#[event]
pub struct LiquidityRemoved {
    pub lp_position: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub pool_balance: u64,
    pub lp_shares: u64,
}

/// Governance changed a feed's guard rails or accumulator settings.
#[event]
pub struct FeedConfigSet {
    pub feed: Pubkey,
    pub old: crate::instructions::FeedConfig,
    pub new: crate::instructions::FeedConfig,
}
