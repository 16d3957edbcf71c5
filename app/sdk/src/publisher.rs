//! The localnet Pyth publisher (`programs/pyth-localnet-publisher`): where
//! the Pyth receiver cannot verify updates (a local validator), one
//! authority writes `PriceUpdateV2` accounts in the real layout at the
//! receiver's program id. Never used on a real cluster.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{AnchorSerialize, Discriminator, InstructionData, ToAccountMetas};
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;

/// The program id it is deployed at: the Pyth receiver's.
pub const PROGRAM_ID: Pubkey = pyth_localnet_publisher::ID;

/// Rent-exempt lamports for `space` bytes (the cluster's default rent).
pub fn rent_exempt(space: usize) -> u64 {
    (space as u64 + 128) * 6_960
}

/// Creates the account a feed's prints are written to (`price_account` signs).
pub fn create_price_account(payer: &Pubkey, price_account: &Pubkey) -> Instruction {
    anchor_lang::solana_program::system_instruction::create_account(
        payer,
        price_account,
        rent_exempt(PriceUpdateV2::LEN),
        PriceUpdateV2::LEN as u64,
        &PROGRAM_ID,
    )
}

/// Writes `update` (whose `write_authority` must be `authority`) into `price_account`.
pub fn write_price_update(authority: &Pubkey, price_account: &Pubkey, update: &PriceUpdateV2) -> Instruction {
    let mut data = PriceUpdateV2::DISCRIMINATOR.to_vec();
    update.serialize(&mut data).expect("a PriceUpdateV2 serializes");
    Instruction {
        program_id: PROGRAM_ID,
        accounts: pyth_localnet_publisher::accounts::Write { authority: *authority, price_update: *price_account }.to_account_metas(None),
        data: pyth_localnet_publisher::instruction::Write { data }.data(),
    }
}
