use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::constants::EXCHANGE_SEED;

/// Pays `amount` quote tokens from the quote vault to `destination`, signed
/// by the Exchange PDA (`exchange`, bump `exchange_bump`), the vault's token
/// authority. Used by LP and trader withdrawals alike.
pub fn pay_from_quote_vault<'info>(
    token_program: &Interface<'info, TokenInterface>,
    quote_vault: &InterfaceAccount<'info, TokenAccount>,
    quote_mint: &InterfaceAccount<'info, Mint>,
    exchange: AccountInfo<'info>,
    exchange_bump: u8,
    destination: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let signer_seeds: &[&[&[u8]]] = &[&[EXCHANGE_SEED, &[exchange_bump]]];
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked {
                from: quote_vault.to_account_info(),
                mint: quote_mint.to_account_info(),
                to: destination,
                authority: exchange,
            },
            signer_seeds,
        ),
        amount,
        quote_mint.decimals,
    )
}
