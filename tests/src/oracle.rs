//! Pyth prints for tests: `PriceUpdateV2` values in the receiver SDK's own
//! type, and the feed settings the tests use.
use anchor_lang::prelude::Pubkey;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use reflex::instructions::FeedConfig;

/// An illustrative Pyth feed id for SOL/USD.
pub const SOL_USD: [u8; 32] = [0xef; 32];
/// The exponent of every test print (Pyth's usual for USD pairs).
pub const EXPONENT: i32 = -8;

/// One-hour and one-day half-lives, a 150-slot horizon, a 20% return clamp,
/// prints valid for 60 s and usable by liquidations for 300 s.
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

/// A print with raw mantissas, as the receiver stores it.
pub fn price_update(feed_id: [u8; 32], price: i64, conf: u64, publish_time: i64, slot: u64, level: VerificationLevel) -> PriceUpdateV2 {
    PriceUpdateV2 {
        write_authority: Pubkey::new_from_array([9; 32]),
        verification_level: level,
        price_message: PriceFeedMessage {
            feed_id,
            price,
            conf,
            exponent: EXPONENT,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: price,
            ema_conf: conf,
        },
        posted_slot: slot,
    }
}

/// A fully verified SOL/USD print of `price` ± `confidence` dollars.
pub fn sol_usd_print(price: f64, confidence: f64, publish_time: i64, slot: u64) -> PriceUpdateV2 {
    price_update(SOL_USD, dollars(price), dollars(confidence) as u64, publish_time, slot, VerificationLevel::Full)
}

/// Dollars as a Pyth mantissa at [`EXPONENT`].
pub fn dollars(value: f64) -> i64 {
    (value * 1e8).round() as i64
}
