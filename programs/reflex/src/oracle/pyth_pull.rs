//! Pyth pull-oracle `PriceUpdateV2` accounts, through
//! `pyth-solana-receiver-sdk`'s own type.
use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use super::OraclePrint;
use crate::error::ReflexError;

/// Reads the print in `account`, checking that the Pyth Solana receiver
/// program owns it, that it is a `PriceUpdateV2` (discriminator), that its
/// Wormhole signatures were fully verified, and that it carries `feed_id`.
pub fn read(account: &AccountInfo, feed_id: &[u8; 32]) -> Result<OraclePrint> {
    require_keys_eq!(*account.owner, pyth_solana_receiver_sdk::ID, ReflexError::WrongOracleOwner);
    let data = account.try_borrow_data()?;
    let update = PriceUpdateV2::try_deserialize(&mut &data[..]).map_err(|_| error!(ReflexError::InvalidOracleAccount))?;
    require!(update.verification_level == VerificationLevel::Full, ReflexError::UnverifiedPriceUpdate);
    let message = &update.price_message;
    require!(message.feed_id == *feed_id, ReflexError::WrongFeedId);
    Ok(OraclePrint {
        price: message.price,
        confidence: message.conf,
        exponent: message.exponent,
        publish_time: message.publish_time,
        posted_slot: update.posted_slot,
    })
}
