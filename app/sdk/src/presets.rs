//! Settings for a SOL-like underlying: what the demo and localnet list and
//! the tests start from. The risk settings are what `reflex-sim calibrate`
//! found for the study's calibrated variant (`sim/calibrated/`): the curves
//! with the gap floor, and the `-ext` settings (gap allowance,
//! open-interest scaling of initial margin). They pass the risk crate's
//! bounds checks (tested below). The variant's robust σ_T with split time
//! constants is [`robust_feed_config`] (`set_feed_robust`), from the same
//! calibration's `policy.toml`. Real listings should calibrate their own.
use reflex::state::FeedConfig;
use reflex::state::{CollateralRiskExtPpm, CollateralRiskPpm, MarketRiskExtPpm, MarketRiskPpm, MarketTradingPpm, RobustFeedConfig};

/// The calibrated variant's policy as `reflex-sim calibrate` wrote it
/// (`sim/calibrated/policy.toml`): the estimator's and the steward's settings.
pub const CALIBRATED_POLICY: &str = include_str!("../../../sim/calibrated/policy.toml");

/// One number of the calibrated policy's `[policies]` table (the file is
/// parsed once).
pub fn calibrated_policy(key: &str) -> f64 {
    static POLICIES: std::sync::OnceLock<toml::Table> = std::sync::OnceLock::new();
    let policies = POLICIES.get_or_init(|| {
        let file: toml::Table = toml::from_str(CALIBRATED_POLICY).expect("sim/calibrated/policy.toml is TOML");
        file.get("policies").and_then(|policies| policies.as_table()).cloned().expect("sim/calibrated/policy.toml has a [policies] table")
    });
    policies
        .get(key)
        .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
        .unwrap_or_else(|| panic!("sim/calibrated/policy.toml has no number [policies].{key}"))
}

/// The calibrated robust estimator with split time constants: a one-minute
/// grid, initial levels on a five-minute half-life, the range term at half
/// weight, confidence smoothed over a minute, a three-week long look-back
/// (`sim/calibrated/policy.toml`; the fast and slow half-lives, horizon and
/// clamp are [`feed_config`]'s, which match the file's).
pub fn robust_feed_config() -> RobustFeedConfig {
    let slots = |key: &str| calibrated_policy(key) as u64;
    RobustFeedConfig {
        grid_slots: slots("grid_slots"),
        initial_half_life_slots: slots("initial_half_life_slots"),
        long_half_life_slots: slots("long_half_life_slots"),
        confidence_half_life_slots: slots("confidence_half_life_slots"),
        range_weight_ppm: (calibrated_policy("range_weight") * 1e6).round() as u32,
        split: 1,
    }
}

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

/// The calibrated collateral settings: `sim/calibrated/collateral-risk.json`,
/// written by `reflex-sim calibrate` (see `sim/calibrated/calibration.md` for
/// the search, the budget and the scenarios it was run on).
pub fn collateral_risk() -> CollateralRiskPpm {
    serde_json::from_str(CALIBRATED_COLLATERAL_RISK).expect("sim/calibrated/collateral-risk.json is a CollateralRiskPpm")
}

/// The calibrated margin settings: `sim/calibrated/market-risk.json`, from
/// the same calibration.
pub fn market_risk() -> MarketRiskPpm {
    serde_json::from_str(CALIBRATED_MARKET_RISK).expect("sim/calibrated/market-risk.json is a MarketRiskPpm")
}

/// The calibrated gap allowance and open-interest scaling:
/// `sim/calibrated/market-risk-ext.json`.
pub fn market_risk_ext() -> MarketRiskExtPpm {
    serde_json::from_str(CALIBRATED_MARKET_RISK_EXT).expect("sim/calibrated/market-risk-ext.json is a MarketRiskExtPpm")
}

/// The calibrated collateral gap allowance, with `deposit_depth` (quote
/// native units) for this deployment: the study cannot calibrate an
/// amount, only its multiple of the traders' equity.
pub fn collateral_risk_ext(deposit_depth: u64) -> CollateralRiskExtPpm {
    let ext: CollateralRiskExtPpm =
        serde_json::from_str(CALIBRATED_COLLATERAL_RISK_EXT).expect("sim/calibrated/collateral-risk-ext.json is a CollateralRiskExtPpm");
    CollateralRiskExtPpm { deposit_depth, ..ext }
}

/// The files as checked in (what `reflex gov set-market-risk --file`,
/// `set-collateral-risk --file` and their `-ext` commands read).
pub const CALIBRATED_MARKET_RISK: &str = include_str!("../../../sim/calibrated/market-risk.json");
pub const CALIBRATED_COLLATERAL_RISK: &str = include_str!("../../../sim/calibrated/collateral-risk.json");
pub const CALIBRATED_MARKET_RISK_EXT: &str = include_str!("../../../sim/calibrated/market-risk-ext.json");
pub const CALIBRATED_COLLATERAL_RISK_EXT: &str = include_str!("../../../sim/calibrated/collateral-risk-ext.json");

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calibrated_presets_pass_the_programs_bounds_check() {
        reflex_risk::validate_market(&market_risk().to_config()).expect("market risk within bounds");
        reflex_risk::validate_collateral(&collateral_risk().to_config()).expect("collateral risk within bounds");
        reflex_risk::validate_market_ext(&market_risk().to_config(), &market_risk_ext().to_ext()).expect("market gap floor and scaling");
        reflex_risk::validate_collateral_ext(&collateral_risk().to_config(), &collateral_risk_ext(1_000_000).to_ext())
            .expect("collateral gap floor");
    }

    #[test]
    fn the_calibrated_estimator_fits_the_feed_preset_it_was_calibrated_with() {
        let feed = feed_config();
        assert_eq!(feed.fast_half_life_slots as f64, calibrated_policy("fast_half_life_slots"));
        assert_eq!(feed.slow_half_life_slots as f64, calibrated_policy("slow_half_life_slots"));
        assert_eq!(feed.horizon_slots as f64, calibrated_policy("horizon_slots"));
        assert_eq!(feed.max_log_return_ppm as f64, calibrated_policy("max_log_return") * 1e6);
        robust_feed_config().to_config(&feed.accumulator_config()).validate().expect("robust settings valid against the feed preset");
    }
}
