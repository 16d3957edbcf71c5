//! Seeds and fixed capacities. Every PDA's seeds are listed here, once,
//! and exported in the IDL (`#[constant]`) so clients derive the same
//! addresses without copying the strings.
use anchor_lang::prelude::constant;

/// `["exchange"]`: the single Exchange account.
#[constant]
pub const EXCHANGE_SEED: &[u8] = b"exchange";
/// `["collateral", mint]`: the CollateralAsset of a listed mint.
#[constant]
pub const COLLATERAL_SEED: &[u8] = b"collateral";
/// `["vault", mint]`: the unified vault holding every deposit of a mint.
/// Its token authority is the mint's CollateralAsset PDA.
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
/// `["feed", pyth_feed_id]`: the PriceFeed of one underlying.
#[constant]
pub const FEED_SEED: &[u8] = b"feed";
/// `["quote_vault"]`: the quote token account of the LP pool and insurance fund.
#[constant]
pub const QUOTE_VAULT_SEED: &[u8] = b"quote_vault";
/// `["lp", owner]`: a liquidity provider's shares.
#[constant]
pub const LP_POSITION_SEED: &[u8] = b"lp";
/// `["market", market_index as u16 little-endian]`: a perp market.
#[constant]
pub const MARKET_SEED: &[u8] = b"market";
/// `["margin", owner, account_id as u32 little-endian]`: a trader's margin account.
#[constant]
pub const MARGIN_ACCOUNT_SEED: &[u8] = b"margin";

/// Collateral mints the exchange can list (the registry is a fixed array).
pub const MAX_COLLATERAL_ASSETS: usize = 32;
/// Price feeds the exchange can list.
pub const MAX_FEEDS: usize = 32;
/// Perp markets the exchange can list.
#[constant]
pub const MAX_MARKETS: u16 = 32;
/// Distinct collateral tokens one margin account can hold at once.
pub const MAX_COLLATERAL_SLOTS: usize = 8;
/// Perp positions one margin account can hold at once.
pub const MAX_PERP_SLOTS: usize = 8;

/// Slots between an LP request and its execution unless governance sets
/// another (`set_lp_delay`): two liquidation horizons (two minutes), so the
/// deficits a price move causes are found and booked by keepers before an
/// LP who asked to leave is paid.
pub const DEFAULT_LP_DELAY_SLOTS: u64 = 300;
/// The longest LP delay governance may set: a day of slots.
pub const MAX_LP_DELAY_SLOTS: u64 = 216_000;

/// Shares minted to nobody by the first deposit into the pool: the share
/// count can never return to zero, so no later depositor can buy a pool
/// with value left in it at 1:1.
pub const LOCKED_LP_SHARES: u64 = 1_000;
/// Slots after its ready slot during which a request may be executed;
/// later it has expired and only its owner can cancel it. Nobody can hold a
/// request open as an option on a later value.
pub const LP_EXECUTION_WINDOW_SLOTS: u64 = 300;

/// Largest step the risk steward may be allowed per change of a base
/// parameter, ppm (5 percentage points): governance sets the bounds, the
/// steward only nudges inside them.
pub const MAX_STEWARD_STEP_PPM: u32 = 50_000;
