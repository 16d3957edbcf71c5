//! Program-derived addresses. Seeds come from `reflex::constants`, so the SDK
//! and the program cannot disagree.
use anchor_lang::prelude::Pubkey;
use reflex::constants::{
    COLLATERAL_SEED, EXCHANGE_SEED, FEED_SEED, LP_POSITION_SEED, MARGIN_ACCOUNT_SEED, MARKET_SEED, QUOTE_VAULT_SEED, VAULT_SEED,
};

pub fn exchange() -> Pubkey {
    Pubkey::find_program_address(&[EXCHANGE_SEED], &reflex::ID).0
}

pub fn collateral_asset(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[COLLATERAL_SEED, mint.as_ref()], &reflex::ID).0
}

pub fn vault(mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, mint.as_ref()], &reflex::ID).0
}

pub fn margin_account(owner: &Pubkey, account_id: u32) -> Pubkey {
    Pubkey::find_program_address(&[MARGIN_ACCOUNT_SEED, owner.as_ref(), &account_id.to_le_bytes()], &reflex::ID).0
}

/// The upgradeable loader's ProgramData account of the Reflex program.
pub fn program_data() -> Pubkey {
    Pubkey::find_program_address(&[reflex::ID.as_ref()], &anchor_lang::solana_program::bpf_loader_upgradeable::ID).0
}

pub fn feed(feed_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[FEED_SEED, feed_id.as_ref()], &reflex::ID).0
}

pub fn market(market_index: u16) -> Pubkey {
    Pubkey::find_program_address(&[MARKET_SEED, &market_index.to_le_bytes()], &reflex::ID).0
}

pub fn quote_vault() -> Pubkey {
    Pubkey::find_program_address(&[QUOTE_VAULT_SEED], &reflex::ID).0
}

pub fn lp_position(owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[LP_POSITION_SEED, owner.as_ref()], &reflex::ID).0
}
