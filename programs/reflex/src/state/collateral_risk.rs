//! Governance risk settings (collateral haircuts, perp margins) in integer parts per million, as stored in
//! accounts and passed in instructions and events.
//!
//! Not `#[zero_copy]`: these types also travel as instruction arguments and
//! event fields, and under `idl-build` zero_copy and AnchorSerialize would
//! both describe them. Plain `Pod` (all `u32`, no padding) serves the account.
use anchor_lang::prelude::*;
use bytemuck::{Pod, Zeroable};
use reflex_risk::mechanism::OpenInterestScaling;
use reflex_risk::{CollateralRiskConfig, CollateralRiskExt, FeedbackConfig, LevelCurve, MarketRiskConfig, MarketRiskExt};

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

/// A market's risk settings added after its account layout was fixed
/// (stored in what was reserved space, so a market listed before reads as
/// all zero: no gap allowance, no open-interest scaling), as stored and as
/// passed to `set_market_risk_ext`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct MarketRiskExtPpm {
    /// Jump no estimator sees coming: the lowest maintenance level must
    /// cover it plus the penalty (the gap floor), ppm.
    pub gap_allowance: u32,
    /// Utilisation (larger side's notional over the open-interest cap)
    /// below which initial margin gets no add-on, ppm.
    pub open_interest_lower: u32,
    /// Utilisation at which the whole add-on applies, ppm.
    pub open_interest_upper: u32,
    /// The add-on to initial margin at and above `open_interest_upper`, ppm of notional.
    pub open_interest_max_add_on: u32,
}

impl MarketRiskExtPpm {
    pub fn to_ext(&self) -> MarketRiskExt {
        MarketRiskExt {
            gap_allowance: ppm(self.gap_allowance),
            open_interest: OpenInterestScaling {
                lower: ppm(self.open_interest_lower),
                upper: ppm(self.open_interest_upper),
                max_add_on: ppm(self.open_interest_max_add_on),
            },
        }
    }
}

/// A collateral's risk settings added after its account layout was fixed
/// (stored in what was reserved space; all zero: no gap allowance, no depth
/// scaling), as stored and as passed to `set_collateral_risk_ext`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable, AnchorSerialize, AnchorDeserialize)]
#[repr(C)]
pub struct CollateralRiskExtPpm {
    /// The gap floor over the discount, ppm (as for markets).
    pub gap_allowance: u32,
    #[cfg_attr(feature = "serde", serde(default, skip_serializing))]
    pub _padding: u32,
    /// Total deposit value, quote native units, past which the initial
    /// weight shrinks as `depth / deposits` (Mango v4's deposit weight
    /// scaling); 0: no scaling.
    pub deposit_depth: u64,
}

impl CollateralRiskExtPpm {
    pub fn to_ext(&self) -> CollateralRiskExt {
        CollateralRiskExt { gap_allowance: ppm(self.gap_allowance), deposit_depth: reflex_risk::Fixed::from_num(self.deposit_depth) }
    }
}

/// Which level of a parameter the steward moves.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskLevel {
    Initial,
    Maintenance,
}

impl RiskLevel {
    pub(crate) fn index(self) -> usize {
        match self {
            RiskLevel::Initial => 0,
            RiskLevel::Maintenance => 1,
        }
    }
}
