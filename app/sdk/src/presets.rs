//! Example settings for a SOL-like underlying: what the demo lists and the
//! tests start from. They pass the risk crate's consistency check; real
//! listings should calibrate their own.
use reflex::instructions::FeedConfig;
use reflex::state::{CollateralRiskPpm, CurvePpm, FeedbackPpm, MarketRiskPpm, MarketTradingPpm};

/// One-hour and one-day half-lives (at 400 ms slots), a 150-slot (one
/// minute) liquidation horizon, a 20% clamp on one print's log return,
/// prints fully valid for 60 s and usable by liquidations for 300 s,
/// confidence up to 2%, moves beyond 10% per print graded for liquidations only.
pub fn feed_config() -> FeedConfig {
    FeedConfig {
        max_age_seconds: 60,
        max_liquidation_age_seconds: 300,
        max_confidence_ppm: 20_000,
        max_move_per_update_ppm: 100_000,
        fast_half_life_slots: 9_000,
        slow_half_life_slots: 216_000,
        horizon_slots: 150,
        max_log_return_ppm: 200_000,
        seed_volatility_ppm: 30,
    }
}

/// Haircuts: initial 10–60% (k = 3), maintenance 6–40% (k = 1.5);
/// maintenance climbs at most 0.1% per slot, both loosen 0.01% per slot;
/// keepers take collateral 1% below the oracle price.
pub fn collateral_risk() -> CollateralRiskPpm {
    CollateralRiskPpm {
        haircut: FeedbackPpm {
            initial: CurvePpm { base: 100_000, sensitivity: 3_000_000, lower: 100_000, upper: 600_000 },
            maintenance: CurvePpm { base: 60_000, sensitivity: 1_500_000, lower: 60_000, upper: 400_000 },
            tighten_per_slot: 1_000,
            loosen_per_slot: 100,
        },
        liquidation_discount: 10_000,
        liquidation_buffer: 20_000,
        max_move_over_horizon: 40_000,
        size_factor_ppb: 0,
    }
}

/// Margins: initial 5–50% (k = 4), maintenance 3–25% (k = 2); maintenance
/// climbs at most 0.05% per slot; a 1% liquidation penalty; positive PnL
/// counts 50% for initial and 80% for maintenance health.
pub fn market_risk() -> MarketRiskPpm {
    MarketRiskPpm {
        margin: FeedbackPpm {
            initial: CurvePpm { base: 50_000, sensitivity: 4_000_000, lower: 50_000, upper: 500_000 },
            maintenance: CurvePpm { base: 30_000, sensitivity: 2_000_000, lower: 30_000, upper: 250_000 },
            tighten_per_slot: 500,
            loosen_per_slot: 50,
        },
        liquidation_penalty: 10_000,
        liquidation_buffer: 10_000,
        max_move_over_horizon: 20_000,
        size_factor_ppb: 0,
        positive_pnl_weight_initial: 500_000,
        positive_pnl_weight_maintenance: 800_000,
    }
}

/// Trading: 5 bp taker fee; spread 2 bp + 0.1·σ_T + 0.5% per `skew_scale`
/// of added skew, at most 2%; funding up to 1e-8 per slot (about 0.2% a
/// day) at a skew of `skew_scale` base units; each side's open interest up
/// to 50% of the pool; keepers get half of a liquidation penalty.
pub fn market_trading(skew_scale: u64) -> MarketTradingPpm {
    MarketTradingPpm {
        taker_fee: 500,
        base_spread: 200,
        volatility_spread: 100_000,
        skew_spread: 5_000,
        max_spread: 20_000,
        max_funding_rate_per_slot_ppb: 10,
        max_open_interest: 500_000,
        keeper_penalty_share: 500_000,
        skew_scale,
    }
}
