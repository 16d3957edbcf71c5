//! A perp market's trading settings (spread, fee, funding, open-interest
//! cap), in integer parts per million as governance sets them.
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use reflex_risk::trading::SpreadConfig;
use reflex_risk::Fixed;

use crate::error::ReflexError;
use crate::utils::{ppb, ppm};

/// Not `#[zero_copy]` for the reason given in `collateral_risk`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct MarketTradingPpm {
    /// Taker fee on the filled notional, ppm; paid to the pool.
    pub taker_fee: u32,
    /// Spread at zero volatility and no added skew, ppm of the oracle price.
    pub base_spread: u32,
    /// Spread per unit of `σ_T`, ppm (1,000,000: the spread grows by `σ_T`).
    pub volatility_spread: u32,
    /// Spread when a trade adds one `skew_scale` of skew, ppm.
    pub skew_spread: u32,
    /// The spread never exceeds this, ppm.
    pub max_spread: u32,
    /// Funding rate per slot at a skew of `skew_scale` or more, parts per billion.
    pub max_funding_rate_per_slot_ppb: u32,
    /// Each side's open interest (notional at the oracle price) may be at
    /// most this fraction of the pool's balance, ppm.
    pub max_open_interest: u32,
    /// Keeper's share of a liquidation penalty, ppm; the rest goes to the
    /// insurance fund.
    pub keeper_penalty_share: u32,
    /// Skew (base native units) at which funding reaches its maximum rate.
    pub skew_scale: u64,
}

impl MarketTradingPpm {
    /// Checks the settings make sense: a positive skew scale and OI cap,
    /// spreads below 100% with the base under the cap, a fee below 10%,
    /// a keeper share of at most 100%.
    pub fn validate(&self) -> Result<()> {
        require!(self.skew_scale > 0, ReflexError::InvalidTradingConfig);
        require!(self.max_open_interest > 0, ReflexError::InvalidTradingConfig);
        require!(self.max_spread < 1_000_000 && self.base_spread <= self.max_spread, ReflexError::InvalidTradingConfig);
        require!(self.taker_fee < 100_000, ReflexError::InvalidTradingConfig);
        require!(self.max_funding_rate_per_slot_ppb < 1_000_000, ReflexError::InvalidTradingConfig);
        require!(self.keeper_penalty_share <= 1_000_000, ReflexError::InvalidTradingConfig);
        Ok(())
    }

    pub fn spread_config(&self) -> SpreadConfig {
        SpreadConfig {
            base: ppm(self.base_spread),
            per_volatility: ppm(self.volatility_spread),
            per_skew: ppm(self.skew_spread),
            max: ppm(self.max_spread),
            skew_scale: self.skew_scale,
        }
    }

    pub fn taker_fee_rate(&self) -> Fixed {
        ppm(self.taker_fee)
    }

    pub fn max_funding_rate_per_slot(&self) -> Fixed {
        ppb(self.max_funding_rate_per_slot_ppb)
    }

    pub fn keeper_penalty_share(&self) -> Fixed {
        ppm(self.keeper_penalty_share)
    }

    pub fn max_open_interest_ratio(&self) -> Fixed {
        ppm(self.max_open_interest)
    }
}
