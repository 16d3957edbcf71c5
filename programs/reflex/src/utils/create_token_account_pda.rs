use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_2022::spl_token_2022::state::Account as SplTokenAccount;
use anchor_spl::token_interface::{self, InitializeAccount3, Mint, TokenInterface};

use super::create_pda_account;

/// Creates the PDA `account` (signing with `seeds`) as a token account of
/// `mint` under `token_program` whose token authority is `authority`: the
/// program-owned vaults. Base account size: listing refuses the mint
/// extensions that would need account extensions.
pub fn create_token_account_pda<'info>(
    payer: &Signer<'info>,
    account: &UncheckedAccount<'info>,
    mint: &InterfaceAccount<'info, Mint>,
    authority: AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
    seeds: &[&[u8]],
    system: &Program<'info, System>,
) -> Result<()> {
    create_pda_account(payer, account, SplTokenAccount::LEN, &token_program.key(), seeds, system)?;
    token_interface::initialize_account3(CpiContext::new(
        token_program.key(),
        InitializeAccount3 { account: account.to_account_info(), mint: mint.to_account_info(), authority },
    ))
}
