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
//! 8. [`pool`]: LP share accounting, rounding against whoever enters or leaves.
//! 9. [`mechanism`]: the variants the thesis study measures (a cadence-robust
//!    `σ_T` with two time constants, utilisation feedback, the
//!    anti-procyclicality floor, the cascade-aware steward's rule).
//!
//! Units: token amounts are native units (`u64`, or `i64` for signed perp
//! sizes); prices are quote native units per base native unit; values and
//! health are quote native units; ratios, haircuts and `σ_T` are fractions.
//!
//! ```
//! use reflex_risk::*;
//! let fx = |x: f64| Fixed::from_num(x);
//!
//! // A feed: one-hour and one-day half-lives, a 150-slot liquidation horizon.
//! let config = AccumulatorConfig {
//!     fast_half_life_slots: 9_000,
//!     slow_half_life_slots: 216_000,
//!     max_log_return: fx(0.2),
//!     horizon_slots: 150,
//!     seed_variance: fx(1e-9),
//! };
//! let mut feed = VolatilityAccumulator::default();
//! feed.update(&config, fx(0.150), fx(0.0001), 1_000)?; // SOL at $150, in USDC native per lamport
//! feed.update(&config, fx(0.135), fx(0.0003), 1_001)?; // a 10% drop in one slot
//! let sigma = feed.risk_volatility(&config)?;
//!
//! // A market's margin ratio follows it: initial at once, maintenance slewed.
//! let margin = FeedbackConfig {
//!     initial: LevelCurve { base: fx(0.10), sensitivity: fx(2.0), lower: fx(0.10), upper: fx(0.50) },
//!     maintenance: LevelCurve { base: fx(0.05), sensitivity: fx(1.0), lower: fx(0.05), upper: fx(0.25) },
//!     tighten_per_slot: fx(0.0005),
//!     loosen_per_slot: fx(0.00005),
//! };
//! let mut ratios = FeedbackState::new(&margin, Fixed::ZERO, 1_000);
//! ratios.advance(&margin, feed.volatility_path(&config)?, 1_001);
//! assert!(ratios.initial > fx(0.10));                // tightened in the same slot
//! assert!(ratios.maintenance <= fx(0.05 + 0.0005));  // moved one slot's worth
//!
//! // An account: a 100 SOL long entered at $150, with $2,100 of quote.
//! let account = AccountSnapshot {
//!     quote_balance: fx(2_100e6),
//!     collateral: vec![],
//!     perps: vec![PerpEntry {
//!         base_size: 100_000_000_000,
//!         quote_position: fx(-15_000e6),
//!         unsettled_funding: Fixed::ZERO,
//!         price: OraclePrice::new(fx(0.135), fx(0.0003)),
//!         initial_margin_ratio: ratios.initial,
//!         maintenance_margin_ratio: ratios.maintenance,
//!         liquidation_buffer: fx(0.02),
//!         size_factor: Fixed::ZERO,
//!         positive_pnl_weight_initial: fx(0.5),
//!         positive_pnl_weight_maintenance: fx(0.8),
//!     }],
//! };
//! // −$1,500 of PnL leaves $600 against $682 of maintenance margin: keepers
//! // close the least size that restores liquidation-end health.
//! assert!(account.is_liquidatable(false)?);
//! let liquidation = perp_liquidation(&account, 0, fx(0.01))?.expect("under water");
//! let (after, _penalty) = apply_perp_liquidation(&account, 0, liquidation.base_to_close, fx(0.01))?;
//! assert!(after.health(HealthLevel::LiquidationEnd)? >= 0);
//! # Ok::<(), RiskError>(())
//! ```

pub mod accumulator;
pub mod bounds;
pub mod error;
pub mod fixed_math;
mod fixed_tables;
pub mod health;
pub mod liquidation;
pub mod mechanism;
pub mod params;
pub mod pool;
pub mod price;
pub mod trading;
pub mod units;

/// The crate's number type: 80 integer bits, 48 fractional bits.
pub type Fixed = fixed::types::I80F48;

pub use accumulator::{AccumulatorConfig, UpdateOutcome, VolatilityAccumulator, VolatilityPath};
pub use bounds::{
    validate_collateral, validate_collateral_ext, validate_market, validate_market_ext, CollateralRiskConfig, CollateralRiskExt, ExtError,
    MarketRiskConfig, MarketRiskExt,
};
pub use error::{BoundsError, ConfigError, RiskError, RiskResult};
pub use health::{is_liquidatable, unpriced_perp, AccountSnapshot, CollateralEntry, HealthLevel, HealthSummary, OraclePrice, PerpEntry};
pub use liquidation::{
    apply_collateral_liquidation, apply_perp_liquidation, bankruptcy_deficit, collateral_liquidation, perp_liquidation, split_penalty,
    CollateralLiquidation, PerpLiquidation,
};
pub use params::{FeedbackConfig, FeedbackState, LevelCurve};
