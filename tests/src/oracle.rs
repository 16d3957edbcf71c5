//! Pyth prints for tests: `PriceUpdateV2` values in the receiver SDK's own
//! type, and the feed settings the tests use.
use anchor_lang::prelude::Pubkey;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
pub use reflex_sdk::presets::feed_config;

/// An illustrative Pyth feed id for SOL/USD.
pub const SOL_USD: [u8; 32] = [0xef; 32];
/// The exponent of every test print (Pyth's usual for USD pairs).
pub const EXPONENT: i32 = -8;

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
    reflex_sdk::embedded::pyth_print(SOL_USD, price, confidence, publish_time, slot)
}

/// Dollars as a Pyth mantissa at [`EXPONENT`].
pub fn dollars(value: f64) -> i64 {
    (value * 1e8).round() as i64
}
