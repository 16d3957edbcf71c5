//! Oracle reading and guard rails (DESIGN.md section 7).
//!
//! A print is read from its account ([`pyth_pull`] for Pyth pull-oracle
//! `PriceUpdateV2` accounts, [`pyth_legacy`] for legacy Pyth price accounts),
//! converted to the risk crate's units, and graded. The grade says which actions may use it:
//!
//! | grade | age | confidence | move since last | usable by |
//! |---|---|---|---|---|
//! | `Valid` | ≤ `max_age_seconds` | ≤ cap | ≤ cap | everything, including risk-increasing actions |
//! | `LiquidationOnly` | ≤ `max_liquidation_age_seconds` | ≤ cap | any | liquidations, reducing and closing |
//! | unusable | older | wider | | nothing: the refresh fails with the reason |
//!
//! Deposits and repayments need no price at all.
pub mod pyth_legacy;
pub mod pyth_pull;

use anchor_lang::prelude::*;
use reflex_risk::Fixed;

use crate::error::ReflexError;
use crate::math::{safe_mul_floor, SafeMath};

/// Which format a feed's oracle account has.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleKind {
    /// A Pyth pull-oracle `PriceUpdateV2` account (owned by the Pyth receiver).
    PythPull,
    /// A legacy Pyth price account (owned by Pyth's oracle program); the feed
    /// id of such a feed is the price account's address.
    PythLegacy,
}

impl OracleKind {
    pub fn to_stored(self) -> u8 {
        match self {
            OracleKind::PythPull => 0,
            OracleKind::PythLegacy => 1,
        }
    }

    pub fn from_stored(value: u8) -> Option<Self> {
        match value {
            0 => Some(OracleKind::PythPull),
            1 => Some(OracleKind::PythLegacy),
            _ => None,
        }
    }

    /// Reads the print in `oracle`, checking it is of this kind and for `feed_id`.
    pub fn read(self, oracle: &AccountInfo, feed_id: &[u8; 32]) -> Result<OraclePrint> {
        match self {
            OracleKind::PythPull => pyth_pull::read(oracle, feed_id),
            OracleKind::PythLegacy => {
                require!(oracle.key().to_bytes() == *feed_id, ReflexError::WrongFeedId);
                pyth_legacy::read(oracle)
            }
        }
    }
}

/// One oracle print, as the oracle reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrint {
    /// Price mantissa: the price is `price · 10^exponent` quote per whole base token.
    pub price: i64,
    pub confidence: u64,
    pub exponent: i32,
    /// Unix seconds at which the oracle published the price.
    pub publish_time: i64,
    /// Slot at which the print was posted on this chain: tells apart two
    /// prints published within the same second.
    pub posted_slot: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum PriceGrade {
    /// Good enough for liquidations, reducing and closing only.
    LiquidationOnly = 1,
    /// Good for everything.
    Valid = 2,
}

/// The guard rails of one feed.
#[derive(Clone, Copy, Debug)]
pub struct Guard {
    pub max_age_seconds: u32,
    pub max_liquidation_age_seconds: u32,
    pub max_confidence_ratio: Fixed,
    pub max_move_per_update: Fixed,
}

impl Guard {
    /// Grades a print converted to `price` and `confidence` (any common
    /// unit), published at `publish_time`, `now` being the cluster's unix
    /// time and `last_price` the last accepted price (zero if none).
    pub fn grade(&self, price: Fixed, confidence: Fixed, publish_time: i64, now: i64, last_price: Fixed) -> Result<PriceGrade> {
        require!(price > 0, ReflexError::InvalidOraclePrice);
        let age = now.saturating_sub(publish_time).max(0);
        require!(age <= self.max_liquidation_age_seconds as i64, ReflexError::StalePrice);
        // conf / price ≤ cap, as conf ≤ cap · price: a multiplication, where a
        // fixed-point division would cost thousands of compute units.
        let confidence_limit = safe_mul_floor(self.max_confidence_ratio, price)?;
        require!(confidence <= confidence_limit, ReflexError::ConfidenceTooWide);
        if age > self.max_age_seconds as i64 {
            return Ok(PriceGrade::LiquidationOnly);
        }
        if last_price > 0 {
            // |price − last| / last ≤ cap, likewise without dividing.
            // |change| of two positive prices cannot overflow once the difference does not.
            let change = price.safe_sub(last_price)?.abs();
            let move_limit = safe_mul_floor(self.max_move_per_update, last_price)?;
            if change > move_limit {
                return Ok(PriceGrade::LiquidationOnly);
            }
        }
        Ok(PriceGrade::Valid)
    }
}
