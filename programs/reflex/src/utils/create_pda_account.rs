use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

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
