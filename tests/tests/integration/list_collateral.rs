//! list_collateral on the SBF binary: SPL Token and Token-2022 mints, the
//! unified vault, and every way a listing must be refused.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_spl::token_2022::spl_token_2022::{self, extension::ExtensionType};
use reflex::constants::MAX_COLLATERAL_ASSETS;
use reflex::events::CollateralListed;
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::*;
use solana_signer::Signer;

fn token_account_owner_and_mint(
    t: &TestExchange,
    account: &anchor_lang::prelude::Pubkey,
) -> (anchor_lang::prelude::Pubkey, anchor_lang::prelude::Pubkey, anchor_lang::prelude::Pubkey) {
    use anchor_lang::solana_program::program_pack::Pack;
    let raw = t.env.svm.get_account(account).expect("vault exists");
    let state = spl_token_2022::state::Account::unpack_from_slice(&raw.data[..165]).expect("token account");
    (raw.owner, state.owner, state.mint)
}

#[test]
fn lists_an_spl_token_mint_with_a_pda_owned_vault() {
    let mut t = TestExchange::new();
    let mint = t.create_mint(9, &SPL_TOKEN);
    let result = t.list(&mint, &SPL_TOKEN, 5_000);
    let emitted = events::<CollateralListed>(&result);
    assert_eq!(emitted.len(), 1);
    assert_eq!(emitted[0].mint, mint);
    assert_eq!(emitted[0].vault, pda::vault(&mint));
    assert_eq!(emitted[0].asset_index, 0);
    assert_eq!(emitted[0].deposit_cap, 5_000);

    let asset = t.collateral_asset(&mint);
    assert_eq!(asset.mint, mint);
    assert_eq!(asset.vault, pda::vault(&mint));
    assert_eq!(asset.token_program, SPL_TOKEN);
    assert_eq!(asset.exchange, pda::exchange());
    assert_eq!((asset.decimals, asset.deposit_cap, asset.total_deposits), (9, 5_000, 0));

    // The vault is a token account of the mint whose authority is the asset PDA.
    let (program, authority, vault_mint) = token_account_owner_and_mint(&t, &asset.vault);
    assert_eq!(program, SPL_TOKEN);
    assert_eq!(authority, pda::collateral_asset(&mint));
    assert_eq!(vault_mint, mint);
    assert_eq!(t.exchange().listed_collateral(), &[mint]);
}

#[test]
fn lists_a_token_2022_mint() {
    let mut t = TestExchange::new();
    let first = t.listed_mint(6, &SPL_TOKEN);
    let mint = t.create_mint(6, &TOKEN_2022);
    t.list(&mint, &TOKEN_2022, NO_CAP).expect("list Token-2022 mint");
    let asset = t.collateral_asset(&mint);
    assert_eq!(asset.token_program, TOKEN_2022);
    assert_eq!(asset.asset_index, 1);
    let (program, authority, _) = token_account_owner_and_mint(&t, &asset.vault);
    assert_eq!(program, TOKEN_2022);
    assert_eq!(authority, pda::collateral_asset(&mint));
    assert_eq!(t.exchange().listed_collateral(), &[first, mint]);
}

#[test]
fn accepts_token_2022_metadata_but_refuses_a_permanent_delegate() {
    let mut t = TestExchange::new();
    let with_metadata = t.token_2022_mint_with(ExtensionType::MetadataPointer);
    t.list(&with_metadata, &TOKEN_2022, NO_CAP).expect("metadata pointer is harmless");

    // A permanent delegate could move tokens out of the vault behind the program's back.
    let with_delegate = t.token_2022_mint_with(ExtensionType::PermanentDelegate);
    let result = t.list(&with_delegate, &TOKEN_2022, NO_CAP);
    assert_error(&result, ReflexError::UnsupportedMintExtension);
    assert!(t.env.svm.get_account(&pda::collateral_asset(&with_delegate)).is_none());
}

#[test]
fn only_the_admin_can_list() {
    let mut t = TestExchange::new();
    let mint = t.create_mint(6, &SPL_TOKEN);
    let intruder = t.env.funded_keypair(10);
    let list = ix::list_collateral(&intruder.pubkey(), &intruder.pubkey(), &mint, &SPL_TOKEN, NO_CAP);
    let result = t.send(&[list], &intruder, &[]);
    assert_error(&result, ReflexError::NotAdmin);
    assert_eq!(t.exchange().collateral_count, 0);
}

#[test]
fn a_mint_cannot_be_listed_twice() {
    let mut t = TestExchange::new();
    let mint = t.listed_mint(6, &SPL_TOKEN);
    let result = t.list(&mint, &SPL_TOKEN, NO_CAP);
    assert_error(&result, ReflexError::CollateralAlreadyListed);
    assert_eq!(t.exchange().collateral_count, 1);
}

#[test]
fn the_token_program_must_own_the_mint() {
    let mut t = TestExchange::new();
    let mint = t.create_mint(6, &SPL_TOKEN);
    let result = t.list(&mint, &TOKEN_2022, NO_CAP);
    assert_error(&result, AnchorError::ConstraintMintTokenProgram);
}

#[test]
fn a_vault_address_funded_in_advance_does_not_block_listing() {
    let mut t = TestExchange::new();
    let mint = t.create_mint(6, &SPL_TOKEN);
    // Rent-exempt as an empty account, short of what a token account needs: the top-up path.
    t.env.svm.airdrop(&pda::vault(&mint), 1_000_000).expect("pre-fund the vault address");
    t.list(&mint, &SPL_TOKEN, NO_CAP).expect("listing still works");
    let (program, authority, _) = token_account_owner_and_mint(&t, &pda::vault(&mint));
    assert_eq!((program, authority), (SPL_TOKEN, pda::collateral_asset(&mint)));
}

#[test]
fn the_registry_refuses_listings_beyond_its_capacity() {
    let mut t = TestExchange::new();
    for _ in 0..MAX_COLLATERAL_ASSETS {
        t.listed_mint(6, &SPL_TOKEN);
    }
    let one_too_many = t.create_mint(6, &SPL_TOKEN);
    let result = t.list(&one_too_many, &SPL_TOKEN, NO_CAP);
    assert_error(&result, ReflexError::CollateralRegistryFull);
    assert_eq!(t.exchange().collateral_count as usize, MAX_COLLATERAL_ASSETS);
}
