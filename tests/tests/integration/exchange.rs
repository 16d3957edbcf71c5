//! initialize_exchange and create_margin_account on the SBF binary.
use anchor_lang::solana_program::instruction::error::InstructionError;
use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use reflex::events::{ExchangeInitialized, MarginAccountCreated};
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::*;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

#[test]
fn initialize_exchange_records_admin_and_quote_mint() {
    let mut t = TestExchange::uninitialized();
    let admin = t.admin.insecure_clone();
    let result = t.send(&[ix::initialize_exchange(&admin.pubkey(), &t.quote_mint)], &admin, &[]);
    let emitted = events::<ExchangeInitialized>(&result);
    assert_eq!(emitted.len(), 1);
    assert_eq!(emitted[0].admin, admin.pubkey());
    assert_eq!(emitted[0].quote_mint, t.quote_mint);

    let exchange = t.exchange();
    assert_eq!(exchange.admin, admin.pubkey());
    assert_eq!(exchange.quote_mint, t.quote_mint);
    assert_eq!(exchange.quote_decimals, 6);
    assert_eq!(exchange.collateral_count, 0);
}

#[test]
fn only_the_upgrade_authority_can_initialize_the_exchange() {
    let mut t = TestExchange::uninitialized();
    let squatter = t.env.funded_keypair(10);
    let result = t.send(&[ix::initialize_exchange(&squatter.pubkey(), &t.quote_mint)], &squatter, &[]);
    assert_error(&result, ReflexError::NotUpgradeAuthority);
    assert!(t.env.svm.get_account(&pda::exchange()).is_none());
}

#[test]
fn initialize_exchange_checks_the_program_data_account() {
    let mut t = TestExchange::uninitialized();
    let admin = t.admin.insecure_clone();
    // An account shaped like ProgramData, owned by the loader and naming the
    // admin as upgrade authority, but not the one the Reflex program points to.
    let mut init = ix::initialize_exchange(&admin.pubkey(), &t.quote_mint);
    let impostor = t.env.new_keypair().pubkey();
    let mut fake = t.env.svm.get_account(&pda::program_data()).expect("program data");
    fake.data.truncate(45);
    t.env.svm.set_account(impostor, fake).expect("write impostor");
    init.accounts[4].pubkey = impostor;
    assert_error(&t.send(&[init], &admin, &[]), ReflexError::WrongProgramData);
}

#[test]
fn exchange_cannot_be_initialized_twice() {
    let mut t = TestExchange::new();
    let admin = t.admin.insecure_clone();
    let other_quote = t.create_mint(6, &SPL_TOKEN);
    let result = t.send(&[ix::initialize_exchange(&admin.pubkey(), &other_quote)], &admin, &[]);
    assert!(result.is_err(), "a second initialize_exchange must fail");
    assert_eq!(t.exchange().quote_mint, t.quote_mint, "the quote mint must not change");
    assert_eq!(t.exchange().admin, t.admin.pubkey(), "the admin must not change");
}

#[test]
fn initialize_exchange_rejects_a_quote_mint_that_is_not_a_mint() {
    let mut t = TestExchange::uninitialized();
    let admin = t.admin.insecure_clone();
    let not_a_mint = t.token_account_with(&admin.pubkey(), &t.quote_mint.clone(), &SPL_TOKEN, 0);
    let result = t.send(&[ix::initialize_exchange(&admin.pubkey(), &not_a_mint)], &admin, &[]);
    // The token interface cannot unpack a token account as a mint.
    let error = result.expect_err("a token account is not a mint").err;
    assert_eq!(error, TransactionError::InstructionError(0, InstructionError::InvalidAccountData));
}

#[test]
fn the_quote_mint_follows_the_collateral_mint_rules() {
    let mut t = TestExchange::uninitialized();
    let admin = t.admin.insecure_clone();
    let with_delegate = t.token_2022_mint_with(ExtensionType::PermanentDelegate);
    let result = t.send(&[ix::initialize_exchange(&admin.pubkey(), &with_delegate)], &admin, &[]);
    assert_error(&result, ReflexError::UnsupportedMintExtension);

    let with_metadata = t.token_2022_mint_with(ExtensionType::MetadataPointer);
    t.send(&[ix::initialize_exchange(&admin.pubkey(), &with_metadata)], &admin, &[]).expect("a Token-2022 quote mint");
    assert_eq!(t.exchange().quote_mint, with_metadata);
}

#[test]
fn margin_accounts_are_per_owner_and_id() {
    let mut t = TestExchange::new();
    let owner = t.env.funded_keypair(10);
    let first = t.create_margin_account(&owner, 0).expect("account 0");
    let second = t.create_margin_account(&owner, 7).expect("account 7");
    assert_ne!(first, second);
    assert_eq!(first, pda::margin_account(&owner.pubkey(), 0));

    let account = t.margin_account(&second);
    assert_eq!(account.owner, owner.pubkey());
    assert_eq!(account.exchange, pda::exchange());
    assert_eq!(account.account_id, 7);
    assert_eq!(account.quote(), 0);
    assert!(account.collateral.iter().all(|slot| !slot.is_in_use()));

    // The same owner and id cannot be created twice.
    assert!(t.create_margin_account(&owner, 7).is_err());
}

#[test]
fn create_margin_account_emits_its_event() {
    let mut t = TestExchange::new();
    let owner = t.env.funded_keypair(10);
    let result = t.send(&[ix::create_margin_account(&owner.pubkey(), 3)], &owner, &[]);
    let emitted = events::<MarginAccountCreated>(&result);
    assert_eq!(emitted.len(), 1);
    assert_eq!(emitted[0].owner, owner.pubkey());
    assert_eq!(emitted[0].account_id, 3);
    assert_eq!(emitted[0].margin_account, pda::margin_account(&owner.pubkey(), 3));
}

#[test]
fn margin_account_needs_an_initialized_exchange() {
    let mut t = TestExchange::uninitialized();
    let owner = t.env.funded_keypair(10);
    let result = t.send(&[ix::create_margin_account(&owner.pubkey(), 0)], &owner, &[]);
    // The exchange PDA is still an empty system account.
    assert_error(&result, anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
}

#[test]
fn the_svm_runs_the_built_sbf_binary() {
    let t = TestExchange::uninitialized();
    let on_disk = std::fs::read(reflex_sdk::embedded::program_path()).expect("target/deploy/reflex.so");
    let program_data = t.env.svm.get_account(&pda::program_data()).expect("ProgramData");
    // ProgramData is 45 bytes of loader metadata followed by the ELF.
    assert_eq!(&program_data.data[45..], &on_disk[..], "the loaded program is target/deploy/reflex.so, byte for byte");
    assert_eq!(u16::from_le_bytes([on_disk[18], on_disk[19]]), 247, "EM_BPF");
    assert_eq!(u32::from_le_bytes(on_disk[48..52].try_into().unwrap()), 3, "SBPF v3");
}
