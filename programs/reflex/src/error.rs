use anchor_lang::prelude::*;
use reflex_risk::{ConfigError, RiskError};

/// Every way a Reflex instruction can fail. Messages are written for the
/// person who sent the transaction: what went wrong and, where useful, what to do.
#[error_code]
pub enum ReflexError {
    #[msg("Only the exchange admin may do this")]
    NotAdmin,
    #[msg("Only the proposed admin may accept the admin role")]
    NotPendingAdmin,
    #[msg("Only the guardian or the admin may pause the exchange")]
    NotGuardian,
    #[msg("The exchange is paused: withdrawals and LP deposits are suspended until governance unpauses it (deposits, reducing, closing and liquidations go on)")]
    ExchangePaused,
    #[msg("Only the program's upgrade authority may initialize the exchange")]
    NotUpgradeAuthority,
    #[msg("The program data account passed is not this program's")]
    WrongProgramData,
    #[msg("Only the margin account's owner may do this")]
    NotAccountOwner,
    #[msg("This mint is already listed as collateral")]
    CollateralAlreadyListed,
    #[msg("The collateral registry is full; no further mints can be listed")]
    CollateralRegistryFull,
    #[msg("The mint has a Token-2022 extension Reflex does not support (transfer fees, hooks, permanent delegate, confidential or non-transferable tokens)")]
    UnsupportedMintExtension,
    #[msg("The amount must be greater than zero")]
    ZeroAmount,
    #[msg("The margin account does not hold that much of this collateral")]
    InsufficientCollateral,
    #[msg("This deposit would exceed the collateral's deposit cap")]
    DepositCapExceeded,
    #[msg("The margin account already holds the maximum number of collateral tokens; withdraw one fully first")]
    CollateralSlotsFull,
    #[msg("The vault passed is not this collateral's vault")]
    WrongVault,
    #[msg("The mint passed does not match the collateral or token account")]
    WrongMint,
    #[msg("The token program passed does not own this collateral's mint")]
    WrongTokenProgram,
    #[msg("The margin account belongs to a different exchange")]
    WrongExchange,
    #[msg("The vault received a different amount than was sent; the token behaves unexpectedly")]
    VaultAmountMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("A feed for this Pyth feed id is already listed")]
    FeedAlreadyListed,
    #[msg("The feed registry is full; no further feeds can be listed")]
    FeedRegistryFull,
    #[msg("Feed settings are inconsistent: the liquidation age must be at least the max age, and ratios at most 100%")]
    InvalidFeedConfig,
    #[msg("Accumulator settings are invalid: half-lives and horizon must be positive, the slow half-life at least the fast one, the return clamp positive")]
    InvalidAccumulatorConfig,
    #[msg("Bounds are inconsistent: a keeper could not keep the protocol solvent under them")]
    InconsistentBounds,
    #[msg("The oracle account passed is not the one this feed reads")]
    WrongOracleAccount,
    #[msg("The oracle account is not owned by the Pyth Solana receiver program")]
    WrongOracleOwner,
    #[msg("The oracle account is not a Pyth PriceUpdateV2 account")]
    InvalidOracleAccount,
    #[msg("The price update was not fully verified (Wormhole signatures); post a fully verified update")]
    UnverifiedPriceUpdate,
    #[msg("The price update is for a different Pyth feed id")]
    WrongFeedId,
    #[msg("The oracle price is older than this feed accepts; post a fresh price update")]
    StalePrice,
    #[msg("The oracle's confidence interval is wider than this feed accepts")]
    ConfidenceTooWide,
    #[msg("The oracle reports this product is not trading (halted, in auction or unknown)")]
    OracleNotTrading,
    #[msg("The oracle price is zero or negative")]
    InvalidOraclePrice,
    #[msg("The clock went backwards relative to the feed's last update")]
    SlotWentBackwards,
    #[msg("The feed passed is not this collateral's or market's feed")]
    WrongFeed,
    #[msg("Governance has not set this collateral's haircut bounds and feed yet")]
    CollateralRiskNotConfigured,
    #[msg("The market registry is full; no further perp markets can be listed")]
    MarketRegistryFull,
    #[msg("Health needs, in this order: the collateral asset of each collateral slot in use, the market of each perp slot in use, then each feed they read with its oracle account (the instruction's own market or collateral and its feed left out)")]
    WrongHealthAccounts,
    #[msg("The LP pool is already initialized")]
    PoolAlreadyInitialized,
    #[msg("Only the LP position's owner may do this")]
    NotLpOwner,
    #[msg("The LP position does not hold that many shares")]
    InsufficientShares,
    #[msg("The pool has shares outstanding but no value; it cannot take deposits")]
    PoolHasNoValue,
    #[msg("This deposit is too small to mint a single share")]
    DepositTooSmallForAShare,
    #[msg("Only the risk steward may do this")]
    NotRiskSteward,
    #[msg("The steward's new base lies outside the level's governance bounds")]
    StewardOutsideBounds,
    #[msg("The steward's change is larger than its per-step cap")]
    StewardChangeTooLarge,
    #[msg("The steward changed this parameter too recently; wait for the minimum spacing")]
    StewardChangeTooSoon,
    #[msg("The margin account already has the maximum number of perp positions; close one first")]
    PerpSlotsFull,
    #[msg("Market trading settings are invalid: skew scale and open-interest cap must be positive, spreads below 100% with the base under the cap, the fee below 10%, the keeper share at most 100%")]
    InvalidTradingConfig,
    #[msg("Governance has not set this market's trading settings yet")]
    MarketTradingNotConfigured,
    #[msg("Only the margin account's owner or its delegate may trade")]
    NotOwnerOrDelegate,
    #[msg("The fill price is worse than the order's limit price")]
    LimitPriceExceeded,
    #[msg("This trade would take the market's open interest past its cap (a fraction of the pool's balance)")]
    OpenInterestCapExceeded,
    #[msg("The market or the exchange is reduce-only: trades may only reduce positions")]
    ReduceOnly,
    #[msg("The exchange is paused: only reducing and closing trades are allowed")]
    PausedReduceOnly,
    #[msg("A price this action needs is not fully valid (too old or moved too far); refresh the feed and retry")]
    PriceNotValidForAction,
    #[msg("The account's initial health would be negative after this action; add collateral or reduce risk")]
    InsufficientInitialHealth,
    #[msg("This trade would lower the health of an account below initial margin")]
    TradeLowersHealth,
    #[msg("The account is not liquidatable: its maintenance health is not negative")]
    AccountHealthy,
    #[msg(
        "Nothing to liquidate here: liquidation-end health is already restored, or the account has no such position, collateral or debt"
    )]
    NothingToLiquidate,
    #[msg("A keeper cannot liquidate its own margin account")]
    SelfLiquidation,
    #[msg("The keeper's margin account must hold enough quote balance and no perp positions to take over collateral")]
    LiquidatorCannotPay,
    #[msg("The account is not bankrupt: it still holds collateral or positions, or has no debt")]
    NotBankrupt,
    #[msg("The size is zero or does not fit: base sizes and notionals must stay within 64 bits")]
    InvalidSize,
    #[msg("The margin account does not hold that much quote balance")]
    InsufficientQuoteBalance,
    #[msg("The pool's accounts passed are not every listed market with its feed and the feed's oracle account, in market order")]
    WrongPoolAccounts,
    #[msg("This LP withdrawal would leave a market's open interest above its cap of the pool")]
    PoolWithdrawalUncovered,
    #[msg("The quote vault does not hold that much cash: part of the pool's value is traders' unpaid debt")]
    PoolCashInsufficient,
    #[msg("This liquidation would lower the account's health; nothing was changed")]
    LiquidationWouldLowerHealth,
    #[msg("The feed's base decimals differ from the collateral mint's decimals: it would value the collateral wrongly")]
    FeedDecimalsMismatch,
    #[msg("This LP position already has a request pending; execute or cancel it first")]
    LpRequestPending,
    #[msg("This LP position has no pending request")]
    NoLpRequest,
    #[msg("The LP request's delay has not passed yet")]
    LpRequestNotReady,
    #[msg("The LP request was not executed within its window after the delay; cancel it and ask again")]
    LpRequestExpired,
    #[msg("A withdrawal pays only into the token account named when it was requested")]
    WrongLpDestination,
    #[msg("The LP delay must be at least one slot and at most a day (216,000 slots)")]
    InvalidLpDelay,
    #[msg("Steward limits must bound it: a step of at most 5 percentage points (50,000 ppm) and at least one slot between steps")]
    InvalidStewardLimits,
    #[msg("A market with open interest has no value recorded in this slot: pass its feed and oracle after it, or crank it (refresh_market) earlier in this slot")]
    PoolValueNotCurrent,
    #[msg("The feed still has a usable price (or never had one): a fallback price is only for a feed whose oracle stopped")]
    FeedNotDead,
    #[msg("The lowest maintenance level does not cover the gap allowance plus the liquidation penalty (or discount); the log says by how much")]
    GapFloorNotCovered,
    #[msg("Robust estimator settings are invalid: all zero (off), or a positive grid and half-lives with the grid and the confidence half-life at most the initial half-life, the initial half-life at most the feed's fast one and the long one at least its slow one, a range weight above 0 and at most 100%, split 0 or 1")]
    InvalidRobustConfig,
    #[msg("This is not a price feed of the first account layout: nothing to migrate")]
    NotAFirstLayoutFeed,
    #[msg("This price feed already has the current account layout")]
    FeedAlreadyMigrated,
    #[msg("A value that cannot be negative came out negative (a square root, an amount, a confidence or a rate); the log says where")]
    NegativeValue,
    #[msg("Health has no entry for this position or balance: the health accounts do not match the margin account")]
    NoSuchHealthEntry,
    #[msg("The account is under liquidation: an action that adds risk must leave its liquidation-end health at zero or above; deposit first, or reduce")]
    BeingLiquidated,
    #[msg("Markets are numbered in listing order: the index given is not the exchange's market count")]
    WrongMarketIndex,
}

/// Every error of the risk crate as one of the program's, each kind its own
/// (`From<RiskError>`): nothing is folded into another name.
impl From<RiskError> for ReflexError {
    fn from(error: RiskError) -> Self {
        match error {
            RiskError::NonPositiveInput => ReflexError::InvalidOraclePrice,
            RiskError::NegativeInput => ReflexError::NegativeValue,
            RiskError::Overflow => ReflexError::MathOverflow,
            RiskError::SlotWentBackwards => ReflexError::SlotWentBackwards,
            RiskError::NoSuchEntry => ReflexError::NoSuchHealthEntry,
            RiskError::InvalidConfig(ConfigError::RobustOutOfRange) => ReflexError::InvalidRobustConfig,
            RiskError::InvalidConfig(_) => ReflexError::InvalidAccumulatorConfig,
            RiskError::InvalidBounds(_) => ReflexError::InconsistentBounds,
        }
    }
}

/// A risk-crate error as the program's error, logging the risk crate's own
/// reason (the config or bounds rule that failed) and the caller's file and
/// line, which the error code alone does not carry.
#[track_caller]
#[inline(never)]
#[cold]
pub fn risk_error(error: RiskError) -> Error {
    let caller = core::panic::Location::caller();
    msg!("risk error {:?} at {}:{}", error, caller.file(), caller.line());
    Error::from(ReflexError::from(error))
}

/// `RiskResult::map_risk_err`: [`risk_error`] with the caller's own line in
/// the log (a `map_err(risk_error)` would report a line inside `core`).
pub trait MapRiskErr<T> {
    fn map_risk_err(self) -> Result<T>;
}

impl<T> MapRiskErr<T> for core::result::Result<T, RiskError> {
    #[track_caller]
    #[inline(always)]
    fn map_risk_err(self) -> Result<T> {
        match self {
            Ok(value) => Ok(value),
            Err(error) => Err(risk_error(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reflex_risk::BoundsError;

    #[test]
    fn every_risk_error_kind_keeps_its_own_name() {
        let kinds = [
            RiskError::NonPositiveInput,
            RiskError::NegativeInput,
            RiskError::Overflow,
            RiskError::SlotWentBackwards,
            RiskError::NoSuchEntry,
            RiskError::InvalidConfig(ConfigError::ZeroHalfLife),
            RiskError::InvalidConfig(ConfigError::RobustOutOfRange),
            RiskError::InvalidBounds(BoundsError::LowerAboveUpper),
        ];
        let names: Vec<u32> = kinds.iter().map(|&kind| ReflexError::from(kind) as u32).collect();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(a, b, "two risk error kinds share one name");
            }
        }
        assert_eq!(ReflexError::from(RiskError::Overflow) as u32, ReflexError::MathOverflow as u32);
        let slow = RiskError::InvalidConfig(ConfigError::SlowFasterThanFast);
        assert_eq!(ReflexError::from(slow) as u32, ReflexError::InvalidAccumulatorConfig as u32);
    }
}
