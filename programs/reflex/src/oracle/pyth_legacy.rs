//! The legacy Pyth price-account format (Pyth's on-chain oracle program,
//! before pull updates), read by offset.
//!
//! `pyth-sdk-solana` parses this format but depends on the `solana-program`
//! 1.x/2.x line, which would put a second Solana SDK beside Anchor 1.2's; the
//! layout is small and frozen, so it is read here directly (little-endian,
//! `#[repr(C)]` offsets of `pyth_sdk_solana::state::SolanaPriceAccount`).
use anchor_lang::prelude::*;

use super::OraclePrint;
use crate::error::ReflexError;

/// Pyth's oracle program on mainnet-beta, owner of every legacy price account.
pub const PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

pub const MAGIC: u32 = 0xa1b2_c3d4;
pub const VERSION: u32 = 2;
/// Account type 3: a price account.
pub const ACCOUNT_TYPE_PRICE: u32 = 3;
/// Aggregate status 1: trading (anything else is not a usable price).
pub const STATUS_TRADING: u32 = 1;

pub const OFFSET_MAGIC: usize = 0;
pub const OFFSET_VERSION: usize = 4;
pub const OFFSET_ACCOUNT_TYPE: usize = 8;
pub const OFFSET_EXPONENT: usize = 20;
/// Unix time of the aggregate price.
pub const OFFSET_TIMESTAMP: usize = 96;
pub const OFFSET_AGGREGATE_PRICE: usize = 208;
pub const OFFSET_AGGREGATE_CONFIDENCE: usize = 216;
pub const OFFSET_AGGREGATE_STATUS: usize = 224;
pub const OFFSET_AGGREGATE_PUBLISH_SLOT: usize = 232;
/// The header and aggregate price end here (the publisher components follow).
pub const MIN_LEN: usize = 240;

fn field<const N: usize>(data: &[u8], offset: usize) -> [u8; N] {
    let mut bytes = [0; N];
    // Offsets are the constants above, all below MIN_LEN, which the caller
    // checked the account holds: the end cannot overflow or pass the data.
    bytes.copy_from_slice(&data[offset..offset.saturating_add(N)]);
    bytes
}

/// Reads the aggregate price of a legacy price account, checking the owner,
/// the magic number, version and account type, and that it is trading.
pub fn read(account: &AccountInfo) -> Result<OraclePrint> {
    require_keys_eq!(*account.owner, PROGRAM_ID, ReflexError::WrongOracleOwner);
    let data = account.try_borrow_data()?;
    require!(data.len() >= MIN_LEN, ReflexError::InvalidOracleAccount);
    let u32_at = |offset| u32::from_le_bytes(field(&data, offset));
    require!(
        u32_at(OFFSET_MAGIC) == MAGIC && u32_at(OFFSET_VERSION) == VERSION && u32_at(OFFSET_ACCOUNT_TYPE) == ACCOUNT_TYPE_PRICE,
        ReflexError::InvalidOracleAccount
    );
    require!(u32_at(OFFSET_AGGREGATE_STATUS) == STATUS_TRADING, ReflexError::OracleNotTrading);
    Ok(OraclePrint {
        price: i64::from_le_bytes(field(&data, OFFSET_AGGREGATE_PRICE)),
        confidence: u64::from_le_bytes(field(&data, OFFSET_AGGREGATE_CONFIDENCE)),
        exponent: i32::from_le_bytes(field(&data, OFFSET_EXPONENT)),
        publish_time: i64::from_le_bytes(field(&data, OFFSET_TIMESTAMP)),
        posted_slot: u64::from_le_bytes(field(&data, OFFSET_AGGREGATE_PUBLISH_SLOT)),
    })
}
