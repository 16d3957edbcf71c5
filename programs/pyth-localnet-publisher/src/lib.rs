//! A stand-in for the Pyth Solana receiver on a localnet validator, deployed
//! at the receiver's program id. The real receiver posts only updates it has
//! verified against Wormhole guardian signatures, which a localnet does not
//! have; this program lets one authority write `PriceUpdateV2` accounts in
//! the real layout instead, so Reflex runs unchanged (its owner, layout and
//! verification-level checks are the mainnet ones).
//!
//! Never deploy it anywhere else: on a real cluster the receiver's id holds
//! the real receiver, and nothing here is linked into Reflex.
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;

#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

declare_id!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");

/// Bytes of the write authority inside a PriceUpdateV2 account (after the discriminator).
const AUTHORITY: std::ops::Range<usize> = 8..40;

#[program]
pub mod pyth_localnet_publisher {
    use super::*;

    /// Writes `data` (a serialized `PriceUpdateV2`, discriminator included)
    /// into `price_update`, an account of this program's. The update names
    /// its write authority; the first write claims the account for it and
    /// later writes must be signed by it.
    pub fn write(ctx: Context<Write>, data: Vec<u8>) -> Result<()> {
        let account = &ctx.accounts.price_update;
        let mut stored = account.try_borrow_mut_data()?;
        require!(data.len() <= stored.len() && data.len() > AUTHORITY.end, PublisherError::WrongSize);
        require!(data.starts_with(PriceUpdateV2::DISCRIMINATOR), PublisherError::NotAPriceUpdate);
        let signer = ctx.accounts.authority.key().to_bytes();
        require!(data[AUTHORITY] == signer, PublisherError::WrongAuthority);
        let current = &stored[AUTHORITY];
        require!(current.iter().all(|b| *b == 0) || current == signer, PublisherError::WrongAuthority);
        stored[..data.len()].copy_from_slice(&data);
        stored[data.len()..].fill(0);
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Write<'info> {
    pub authority: Signer<'info>,
    /// CHECK: an account this program owns (created by the client with the
    /// PriceUpdateV2 size); the handler checks layout and authority.
    #[account(mut, owner = crate::ID)]
    pub price_update: UncheckedAccount<'info>,
}

#[error_code]
pub enum PublisherError {
    #[msg("The update does not fit the account, or the account is not sized for a PriceUpdateV2")]
    WrongSize,
    #[msg("The data is not a PriceUpdateV2")]
    NotAPriceUpdate,
    #[msg("Only the account's write authority may write it, and the update must name the signer")]
    WrongAuthority,
}
