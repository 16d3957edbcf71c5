use std::cell::RefMut;

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use anchor_lang::{Discriminator, ZeroCopy};

/// Creates the PDA `account` (signing with `seeds`) with `space` bytes owned by
/// `owner`, rent paid by `payer`. Like Anchor's `init`, it copes with an
/// address someone has already sent lamports to, so nobody can block a
/// listing by pre-funding the PDA.
pub fn create_pda_account<'info>(
    payer: &Signer<'info>,
    account: &UncheckedAccount<'info>,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
    system: &Program<'info, System>,
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let signer_seeds = &[seeds];
    let current = account.lamports();
    if current == 0 {
        let accounts = CreateAccount { from: payer.to_account_info(), to: account.to_account_info() };
        return system_program::create_account(
            CpiContext::new_with_signer(system.key(), accounts, signer_seeds),
            rent,
            space as u64,
            owner,
        );
    }
    let top_up = rent.saturating_sub(current);
    if top_up > 0 {
        let accounts = Transfer { from: payer.to_account_info(), to: account.to_account_info() };
        system_program::transfer(CpiContext::new(system.key(), accounts), top_up)?;
    }
    let accounts = Allocate { account_to_allocate: account.to_account_info() };
    system_program::allocate(CpiContext::new_with_signer(system.key(), accounts, signer_seeds), space as u64)?;
    let accounts = Assign { account_to_assign: account.to_account_info() };
    system_program::assign(CpiContext::new_with_signer(system.key(), accounts, signer_seeds), owner)
}

/// Creates the PDA `account` (as [`create_pda_account`], `space` bytes
/// owned by `T`'s program) as a zero-copy `T`: its discriminator written
/// and its zeroed body returned to fill in, which is what Anchor's `init`
/// does for an `AccountLoader`, for a handler that must create the account
/// only after its own checks.
pub fn create_zero_copy_pda<'a, 'info, T: ZeroCopy + Owner + Discriminator>(
    payer: &Signer<'info>,
    account: &'a UncheckedAccount<'info>,
    space: usize,
    seeds: &[&[u8]],
    system: &Program<'info, System>,
) -> Result<RefMut<'a, T>> {
    create_pda_account(payer, account, space, &T::owner(), seeds, system)?;
    let mut data = account.try_borrow_mut_data()?;
    let tag = T::DISCRIMINATOR.len();
    let end = tag.checked_add(std::mem::size_of::<T>()).ok_or(ErrorCode::AccountDidNotDeserialize)?;
    require!(data.len() >= end, ErrorCode::AccountDidNotDeserialize);
    require!(data[..tag].iter().all(|byte| *byte == 0), ErrorCode::AccountDiscriminatorAlreadySet);
    data[..tag].copy_from_slice(T::DISCRIMINATOR);
    Ok(RefMut::map(data, |data| bytemuck::from_bytes_mut(&mut data[tag..end])))
}
