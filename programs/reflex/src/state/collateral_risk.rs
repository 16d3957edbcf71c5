//! Governance risk settings (collateral haircuts, perp margins) in integer parts per million, as stored in
//! accounts and passed in instructions and events.
//!
//! Not `#[zero_copy]`: these types also travel as instruction arguments and
//! event fields, and under `idl-build` zero_copy and AnchorSerialize would
//! both describe them. Plain `Pod` (all `u32`, no padding) serves the account.
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use reflex_risk::{CollateralRiskConfig, FeedbackConfig, LevelCurve, MarketRiskConfig};

use crate::utils::{ppb, ppm};

/// One level's curve, in parts per million: `clamp(base + k·σ_T, lower, upper)`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct CurvePpm {
    pub base: u32,
    /// `k`, ppm (3.0 = 3,000,000).
    pub sensitivity: u32,
    pub lower: u32,
    pub upper: u32,
}

impl CurvePpm {
    pub fn to_curve(&self) -> LevelCurve {
        LevelCurve { base: ppm(self.base), sensitivity: ppm(self.sensitivity), lower: ppm(self.lower), upper: ppm(self.upper) }
    }
}

/// A parameter's two curves and slew rates, in parts per million.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct FeedbackPpm {
    pub initial: CurvePpm,
    pub maintenance: CurvePpm,
    /// Largest rise of maintenance per slot, ppm.
    pub tighten_per_slot: u32,
    /// Largest fall of either level per slot, ppm.
    pub loosen_per_slot: u32,
}

impl FeedbackPpm {
    pub fn to_config(&self) -> FeedbackConfig {
        FeedbackConfig {
            initial: self.initial.to_curve(),
            maintenance: self.maintenance.to_curve(),
            tighten_per_slot: ppm(self.tighten_per_slot),
            loosen_per_slot: ppm(self.loosen_per_slot),
        }
    }
}

/// Everything governance sets for one collateral's haircut, as stored and
/// as passed to `set_collateral_risk`. Integers, so events carry the exact
/// old and new values and an explorer shows them readably.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct CollateralRiskPpm {
    pub haircut: FeedbackPpm,
    /// Discount below the oracle price at which keepers take this collateral, ppm.
    pub liquidation_discount: u32,
    /// Added to the maintenance haircut for the liquidation-end level, ppm.
    pub liquidation_buffer: u32,
    /// Largest price move provisioned for over the liquidation horizon, ppm.
    pub max_move_over_horizon: u32,
    /// IMF of the initial weight, parts per billion (typical values are ~1e-6).
    pub size_factor_ppb: u32,
}

impl CollateralRiskPpm {
    pub fn to_config(&self) -> CollateralRiskConfig {
        CollateralRiskConfig {
            haircut: self.haircut.to_config(),
            liquidation_discount: ppm(self.liquidation_discount),
            liquidation_buffer: ppm(self.liquidation_buffer),
            max_move_over_horizon: ppm(self.max_move_over_horizon),
            size_factor: ppb(self.size_factor_ppb),
        }
    }
}

/// Everything governance sets for one perp market's margin, as stored and as
/// passed to `list_perp_market` and `set_market_risk`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct MarketRiskPpm {
    /// Margin ratio curves (fraction of notional), ppm.
    pub margin: FeedbackPpm,
    /// Fraction of the closed notional a liquidated account pays, ppm.
    pub liquidation_penalty: u32,
    /// Added to the maintenance ratio for the liquidation-end level, ppm.
    pub liquidation_buffer: u32,
    /// Largest price move provisioned for over the liquidation horizon, ppm.
    pub max_move_over_horizon: u32,
    /// IMF of the initial margin, parts per billion.
    pub size_factor_ppb: u32,
    /// Weight of positive unrealised PnL at the initial level, ppm.
    pub positive_pnl_weight_initial: u32,
    /// Weight of positive unrealised PnL at the maintenance level, ppm.
    pub positive_pnl_weight_maintenance: u32,
}

impl MarketRiskPpm {
    pub fn to_config(&self) -> MarketRiskConfig {
        MarketRiskConfig {
            margin: self.margin.to_config(),
            liquidation_penalty: ppm(self.liquidation_penalty),
            liquidation_buffer: ppm(self.liquidation_buffer),
            max_move_over_horizon: ppm(self.max_move_over_horizon),
            size_factor: ppb(self.size_factor_ppb),
            positive_pnl_weight_initial: ppm(self.positive_pnl_weight_initial),
            positive_pnl_weight_maintenance: ppm(self.positive_pnl_weight_maintenance),
        }
    }
}
