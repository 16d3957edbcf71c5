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
    pub config: crate::state::FeedConfig,
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
    /// The initial haircut a risk-increasing action is held to: the live
    /// one after deposit-depth scaling (I80F48 bits).
    pub initial_haircut_at_use: i128,
}

/// Governance changed a collateral's gap allowance or deposit depth.
#[event]
pub struct CollateralRiskExtSet {
    pub collateral_asset: Pubkey,
    pub old: crate::state::CollateralRiskExtPpm,
    pub new: crate::state::CollateralRiskExtPpm,
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
    /// The open-interest add-on at this slot's price (I80F48 bits): a
    /// risk-increasing action is held to the initial ratio plus this,
    /// within the curve's upper bound.
    pub open_interest_add_on: i128,
}

/// Governance changed a market's gap allowance or open-interest scaling;
/// `open_interest_capacity` is the cap utilisation is measured against
/// from now on (I80F48 bits, quote native units).
#[event]
pub struct MarketRiskExtSet {
    pub market: Pubkey,
    pub old: crate::state::MarketRiskExtPpm,
    pub new: crate::state::MarketRiskExtPpm,
    pub open_interest_capacity: i128,
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
    pub level: crate::state::RiskLevel,
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

/// An LP deposit. `pool_value` (rounded down, quote native units) and
/// `lp_shares` are after it.
#[event]
pub struct LiquidityAdded {
    pub lp_position: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub pool_value: u64,
    pub lp_shares: u64,
}

/// An LP withdrawal. `pool_value` (rounded down) and `lp_shares` are after it.
#[event]
pub struct LiquidityRemoved {
    pub lp_position: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub pool_value: u64,
    pub lp_shares: u64,
}

/// An LP asked to deposit (`amount` quote native units, already in the
/// vault) or withdraw (`amount` shares, locked); it executes from
/// `ready_slot` at the share value worse for the LP of `pool_value /
/// lp_shares` (now) and the one then.
#[event]
pub struct LpRequested {
    pub lp_position: Pubkey,
    pub kind: crate::state::LpRequestKind,
    pub amount: u64,
    pub ready_slot: u64,
    pub pool_value: u64,
    pub lp_shares: u64,
}

/// An LP cancelled its pending request (tokens returned or shares unlocked).
#[event]
pub struct LpRequestCancelled {
    pub lp_position: Pubkey,
    pub kind: crate::state::LpRequestKind,
    pub amount: u64,
}

/// Governance set the delay between an LP request and its execution.
#[event]
pub struct LpDelaySet {
    pub old_slots: u64,
    pub new_slots: u64,
}

/// Governance changed a feed's guard rails or accumulator settings.
#[event]
pub struct FeedConfigSet {
    pub feed: Pubkey,
    pub old: crate::state::FeedConfig,
    pub new: crate::state::FeedConfig,
}

/// Governance turned a feed's robust estimator on, re-tuned it or turned it off.
#[event]
pub struct FeedRobustSet {
    pub feed: Pubkey,
    pub old: crate::state::RobustFeedConfig,
    pub new: crate::state::RobustFeedConfig,
}

/// A feed of the first layout grew to the current one (`migrate_feed`).
#[event]
pub struct FeedMigrated {
    pub feed: Pubkey,
    pub old_space: u32,
    pub new_space: u32,
}

/// Governance pointed a feed at another oracle account.
#[event]
pub struct FeedOracleSet {
    pub feed: Pubkey,
    pub old_oracle: Pubkey,
    pub new_oracle: Pubkey,
    pub oracle_kind: crate::oracle::OracleKind,
}

/// Governance posted a price for a feed whose oracle gave none usable.
#[event]
pub struct FallbackPriceSet {
    pub feed: Pubkey,
    /// Quote native per base native (I80F48 bits).
    pub price: i128,
    pub confidence: i128,
    /// Publish time of the last print before it (unix seconds).
    pub last_oracle_publish_time: i64,
    /// When it goes unusable unless posted again or replaced by the oracle.
    pub usable_until: i64,
}

/// Governance set a market's trading settings.
#[event]
pub struct MarketTradingSet {
    pub market: Pubkey,
    pub old: crate::state::MarketTradingPpm,
    pub new: crate::state::MarketTradingPpm,
}

/// A perp trade against the pool. Fixed-point fields are I80F48 bits in
/// quote native units (prices: per base native unit).
#[event]
pub struct PerpFilled {
    pub margin_account: Pubkey,
    pub market: Pubkey,
    pub base_delta: i64,
    pub base_before: i64,
    pub base_after: i64,
    pub oracle_price: i128,
    /// The average price of the fill, skew premium included (rounded
    /// against the trader).
    pub fill_price: i128,
    /// The volatility part of the spread (a fraction).
    pub spread: i128,
    /// The skew premium paid, quote native units.
    pub skew_premium: i128,
    /// Added to the position's quote side (negative for a buy).
    pub quote: i128,
    pub fee: i128,
    /// Funding settled before the fill (negative: received).
    pub funding_paid: i128,
    /// Moved to the quote balance because the position closed.
    pub realized: i128,
    pub long_open_interest: u64,
    pub short_open_interest: u64,
    pub initial_health_after: i128,
}

/// A keeper closed part of a liquidatable account's position at the oracle price.
#[event]
pub struct PerpLiquidated {
    pub margin_account: Pubkey,
    pub liquidator: Pubkey,
    pub market: Pubkey,
    pub market_index: u16,
    pub base_closed: u64,
    pub base_after: i64,
    pub oracle_price: i128,
    pub penalty: i128,
    pub keeper_share: i128,
    pub insurance_share: i128,
    pub maintenance_before: i128,
    pub liquidation_end_after: i128,
}

/// A keeper paid an account's quote debt and took collateral at a discount.
#[event]
pub struct CollateralLiquidated {
    pub margin_account: Pubkey,
    pub liquidator: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    pub quote_paid: i128,
    pub maintenance_before: i128,
    pub liquidation_end_after: i128,
}

/// A bankrupt account's deficit, covered by insurance and then by the pool.
#[event]
pub struct BankruptcySettled {
    pub margin_account: Pubkey,
    pub deficit: i128,
    pub covered_by_insurance: i128,
    pub socialized_to_pool: i128,
    pub insurance_fund_after: i128,
    pub pool_balance_after: i128,
}

/// The owner named (or cleared, with the default key) a trading delegate.
#[event]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub old: Pubkey,
    pub new: Pubkey,
}

/// Quote moved into or out of a margin account's quote balance.
#[event]
pub struct QuoteMoved {
    pub margin_account: Pubkey,
    /// Positive: deposited (repaying debt first); negative: withdrawn.
    pub amount: i64,
    pub quote_balance_after: i128,
}
