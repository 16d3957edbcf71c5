//! `reflex-risk`: the Reflex risk engine as pure, deterministic math.
//!
//! It has no Solana or Anchor types, so the on-chain program, the SDK, the
//! keeper and the simulator use it verbatim, and it is tested natively in
//! milliseconds. All arithmetic is fixed point ([`Fixed`] = I80F48) and
//! checked: every public function returns a [`RiskError`] rather than
//! panicking, whatever its inputs.
//!
//! Data flows one way, and so does this crate, read top to bottom:
//!
//! 1. [`fixed_math`]: `ln`, `exp2`/`exp`, `sqrt`, directed rounding, with
//!    their error bounds.
//! 2. [`price`]: oracle prints to quote native units per base native unit,
//!    the price unit everything else uses.
//! 3. [`accumulator`]: per-slot EWMA variances and the risk volatility `σ_T`.
//! 4. [`params`]: haircuts and margin ratios that follow `σ_T` inside bounds,
//!    initial at once, maintenance at a slew rate; size scaling.
//! 5. [`bounds`]: the consistency check that rejects bounds under which
//!    keepers could not keep the protocol solvent.
//! 6. [`health`]: Initial, Maintenance and LiquidationEnd health of an
//!    account snapshot, rounded against the account.
//! 7. [`liquidation`]: closed-form liquidation sizes, penalty split,
//!    bankruptcy.

pub mod accumulator;
pub mod bounds;
pub mod error;
pub mod fixed_math;
pub mod health;
pub mod liquidation;
pub mod params;
pub mod price;

/// The crate's number type: 80 integer bits, 48 fractional bits.
pub type Fixed = fixed::types::I80F48;

pub use accumulator::{AccumulatorConfig, UpdateOutcome, VolatilityAccumulator};
pub use bounds::{validate_collateral, validate_market, CollateralRiskConfig, MarketRiskConfig};
pub use error::{BoundsError, ConfigError, RiskError, RiskResult};
pub use health::{AccountSnapshot, CollateralEntry, HealthLevel, HealthSummary, OraclePrice, PerpEntry};
pub use liquidation::{
    apply_collateral_liquidation, apply_perp_liquidation, bankruptcy_deficit, collateral_liquidation, perp_liquidation,
    split_penalty, CollateralLiquidation, PerpLiquidation,
};
pub use params::{FeedbackConfig, FeedbackState, LevelCurve};
