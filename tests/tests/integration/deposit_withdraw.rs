//! deposit and withdraw on the SBF binary. The fixture checks token
//! conservation after every transaction; these tests check balances, events
//! and every constraint that guards the vaults.
use anchor_lang::prelude::Pubkey;
use reflex::constants::MAX_COLLATERAL_SLOTS;
use reflex::events::{CollateralDeposited, CollateralWithdrawn};
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::*;
use solana_signer::Signer;

/// An exchange with one listed mint and a trader holding `amount` of it.
fn setup(token_program: &Pubkey, amount: u64) -> (TestExchange, Trader, Pubkey, Pubkey) {
    let mut t = TestExchange::new();
    let mint = t.listed_mint(6, token_program);
    let trader = t.new_trader();
    let wallet = t.token_account_with(&trader.keypair.pubkey(), &mint, token_program, amount);
    (t, trader, mint, wallet)
}

fn round_trip(token_program: Pubkey) {
    let (mut t, trader, mint, wallet) = setup(&token_program, 1_000_000);

    let result = t.deposit(&trader, &mint, &token_program, &wallet, 400_000);
    let deposited = events::<CollateralDeposited>(&result);
    assert_eq!(deposited.len(), 1);
    assert_eq!((deposited[0].amount, deposited[0].account_balance, deposited[0].total_deposits), (400_000, 400_000, 400_000));
    assert_eq!(deposited[0].margin_account, trader.margin_account);
    assert_eq!(t.balance(&trader.margin_account, &mint), 400_000);
    assert_eq!(t.env.token_balance(&wallet), 600_000);
    assert_eq!(t.env.token_balance(&pda::vault(&mint)), 400_000);

    let result = t.withdraw(&trader, &mint, &token_program, &wallet, 150_000);
    let withdrawn = events::<CollateralWithdrawn>(&result);
    assert_eq!(withdrawn.len(), 1);
    assert_eq!((withdrawn[0].amount, withdrawn[0].account_balance, withdrawn[0].total_deposits), (150_000, 250_000, 250_000));
    assert_eq!(t.balance(&trader.margin_account, &mint), 250_000);
    assert_eq!(t.env.token_balance(&wallet), 750_000);

    // Withdrawing everything frees the slot.
    t.withdraw(&trader, &mint, &token_program, &wallet, 250_000).expect("withdraw the rest");
    assert_eq!(t.env.token_balance(&wallet), 1_000_000);
    assert!(t.margin_account(&trader.margin_account).collateral.iter().all(|slot| !slot.is_in_use()));
}

#[test]
fn spl_token_deposit_and_withdraw_round_trip() {
    round_trip(SPL_TOKEN);
}

#[test]
fn token_2022_deposit_and_withdraw_round_trip() {
    round_trip(TOKEN_2022);
}

#[test]
fn deposits_from_many_traders_and_mints_share_the_unified_vaults() {
    let mut t = TestExchange::new();
    let mints = [(t.listed_mint(6, &SPL_TOKEN), SPL_TOKEN), (t.listed_mint(9, &TOKEN_2022), TOKEN_2022)];
    let traders: Vec<Trader> = (0..4).map(|_| t.new_trader()).collect();
    for (i, trader) in traders.iter().enumerate() {
        for (mint, program) in &mints {
            let amount = 1_000 * (i as u64 + 1);
            let wallet = t.token_account_with(&trader.keypair.pubkey(), mint, program, amount);
            t.deposit(trader, mint, program, &wallet, amount).expect("deposit");
        }
    }
    for (mint, _) in &mints {
        assert_eq!(t.env.token_balance(&pda::vault(mint)), 10_000);
        assert_eq!(t.collateral_asset(mint).total_deposits, 10_000);
    }
    // Each account holds both mints, in two slots.
    let account = t.margin_account(&traders[3].margin_account);
    assert_eq!(account.collateral.iter().filter(|slot| slot.is_in_use()).count(), 2);
}

#[test]
fn zero_amounts_are_refused() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 100);
    assert_error(&t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 0), ReflexError::ZeroAmount);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 100).expect("deposit");
    assert_error(&t.withdraw(&trader, &mint, &SPL_TOKEN, &wallet, 0), ReflexError::ZeroAmount);
}

#[test]
fn cannot_withdraw_more_than_the_balance() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 600).expect("deposit");
    // Another trader's deposit sits in the same vault; it must stay out of reach.
    let other = t.new_trader();
    let other_wallet = t.token_account_with(&other.keypair.pubkey(), &mint, &SPL_TOKEN, 5_000);
    t.deposit(&other, &mint, &SPL_TOKEN, &other_wallet, 5_000).expect("deposit");

    assert_error(&t.withdraw(&trader, &mint, &SPL_TOKEN, &wallet, 601), ReflexError::InsufficientCollateral);
    assert_eq!(t.balance(&trader.margin_account, &mint), 600);
    t.withdraw(&trader, &mint, &SPL_TOKEN, &wallet, 600).expect("exact balance");
}

#[test]
fn cannot_withdraw_a_mint_never_deposited() {
    let (mut t, trader, _, _) = setup(&SPL_TOKEN, 0);
    let other_mint = t.listed_mint(6, &SPL_TOKEN);
    let wallet = t.token_account_with(&trader.keypair.pubkey(), &other_mint, &SPL_TOKEN, 0);
    assert_error(&t.withdraw(&trader, &other_mint, &SPL_TOKEN, &wallet, 1), ReflexError::InsufficientCollateral);
}

#[test]
fn nobody_else_can_withdraw_from_my_account() {
    let (mut t, victim, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    t.deposit(&victim, &mint, &SPL_TOKEN, &wallet, 1_000).expect("deposit");
    let thief = t.env.funded_keypair(10);
    let loot = t.token_account_with(&thief.pubkey(), &mint, &SPL_TOKEN, 0);

    // The thief signs and names the victim's margin account.
    let steal = ix::withdraw(&thief.pubkey(), &victim.margin_account, &mint, &SPL_TOKEN, &loot, 1_000);
    assert_error(&t.send(&[steal], &thief, &[]), ReflexError::NotAccountOwner);

    assert_eq!(t.balance(&victim.margin_account, &mint), 1_000);
    assert_eq!(t.env.token_balance(&loot), 0);
}

#[test]
fn nobody_else_can_deposit_into_my_account() {
    let (mut t, victim, mint, _) = setup(&SPL_TOKEN, 0);
    let stranger = t.env.funded_keypair(10);
    let wallet = t.token_account_with(&stranger.pubkey(), &mint, &SPL_TOKEN, 10);
    let deposit = ix::deposit(&stranger.pubkey(), &victim.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    assert_error(&t.send(&[deposit], &stranger, &[]), ReflexError::NotAccountOwner);
}

#[test]
fn the_vault_must_be_the_collaterals_own() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 1_000).expect("deposit");
    let other_mint = t.listed_mint(6, &SPL_TOKEN);

    // Withdraw naming another listed mint's vault.
    let mut withdraw = ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    withdraw.accounts[3].pubkey = pda::vault(&other_mint);
    assert_eq!(ix::collateral_vault(&mint, &SPL_TOKEN).vault, pda::vault(&mint), "index 3 is the vault");
    assert_error(&t.send(&[withdraw], &trader.keypair.insecure_clone(), &[]), ReflexError::WrongVault);

    // Deposit naming the trader's own token account as the vault.
    let mut deposit = ix::deposit(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    deposit.accounts[3].pubkey = wallet;
    assert_error(&t.send(&[deposit], &trader.keypair.insecure_clone(), &[]), ReflexError::WrongVault);
}

#[test]
fn the_mint_must_match_the_collateral_and_the_token_accounts() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 500).expect("deposit");
    let other_mint = t.listed_mint(6, &SPL_TOKEN);

    // The collateral asset of `mint` with a different mint account.
    let mut deposit = ix::deposit(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    deposit.accounts[4].pubkey = other_mint;
    assert_error(&t.send(&[deposit], &trader.keypair.insecure_clone(), &[]), ReflexError::WrongMint);

    // A source token account of another mint.
    let other_wallet = t.token_account_with(&trader.keypair.pubkey(), &other_mint, &SPL_TOKEN, 10);
    assert_error(&t.deposit(&trader, &mint, &SPL_TOKEN, &other_wallet, 10), ReflexError::WrongMint);

    // A destination token account of another mint.
    assert_error(&t.withdraw(&trader, &mint, &SPL_TOKEN, &other_wallet, 10), ReflexError::WrongMint);
}

#[test]
fn the_token_program_must_be_the_collaterals_own() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    assert_error(&t.deposit(&trader, &mint, &TOKEN_2022, &wallet, 10), ReflexError::WrongTokenProgram);
}

#[test]
fn an_unlisted_mint_has_no_collateral_asset() {
    let (mut t, trader, _, _) = setup(&SPL_TOKEN, 0);
    let unlisted = t.create_mint(6, &SPL_TOKEN);
    let wallet = t.token_account_with(&trader.keypair.pubkey(), &unlisted, &SPL_TOKEN, 10);
    // Its PDA is an empty system account, not a CollateralAsset of this program.
    assert_error(&t.deposit(&trader, &unlisted, &SPL_TOKEN, &wallet, 10), anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
}

#[test]
fn deposits_stop_at_the_cap() {
    let mut t = TestExchange::new();
    let mint = t.create_mint(6, &SPL_TOKEN);
    t.list(&mint, &SPL_TOKEN, 1_000).expect("list with cap");
    let trader = t.new_trader();
    let wallet = t.token_account_with(&trader.keypair.pubkey(), &mint, &SPL_TOKEN, 2_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 700).expect("under the cap");
    assert_error(&t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 301), ReflexError::DepositCapExceeded);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 300).expect("exactly at the cap");
}

#[test]
fn an_account_holds_at_most_eight_distinct_collaterals() {
    let mut t = TestExchange::new();
    let trader = t.new_trader();
    let mut mints = Vec::new();
    for _ in 0..=MAX_COLLATERAL_SLOTS {
        let mint = t.listed_mint(6, &SPL_TOKEN);
        let wallet = t.token_account_with(&trader.keypair.pubkey(), &mint, &SPL_TOKEN, 10);
        mints.push((mint, wallet));
    }
    for (mint, wallet) in &mints[..MAX_COLLATERAL_SLOTS] {
        t.deposit(&trader, mint, &SPL_TOKEN, wallet, 10).expect("deposit into a free slot");
    }
    let (ninth, ninth_wallet) = mints[MAX_COLLATERAL_SLOTS];
    assert_error(&t.deposit(&trader, &ninth, &SPL_TOKEN, &ninth_wallet, 10), ReflexError::CollateralSlotsFull);

    // Emptying one slot makes room.
    let (first, first_wallet) = mints[0];
    t.withdraw(&trader, &first, &SPL_TOKEN, &first_wallet, 10).expect("empty a slot");
    t.deposit(&trader, &ninth, &SPL_TOKEN, &ninth_wallet, 10).expect("the freed slot takes the ninth mint");
}

#[test]
fn accounts_of_the_wrong_type_are_refused() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    // A margin account (owned by Reflex, so the owner check passes) where the
    // collateral asset belongs: its discriminator gives it away.
    let mut deposit = ix::deposit(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    deposit.accounts[2].pubkey = trader.margin_account;
    assert_error(&t.send(&[deposit], &trader.keypair.insecure_clone(), &[]), anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch);

    // And the collateral asset where the margin account belongs.
    let mut deposit = ix::deposit(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
    deposit.accounts[1].pubkey = pda::collateral_asset(&mint);
    assert_error(&t.send(&[deposit], &trader.keypair.insecure_clone(), &[]), anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch);
}

#[test]
fn accounts_that_change_must_be_passed_writable() {
    let (mut t, trader, mint, wallet) = setup(&SPL_TOKEN, 1_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 500).expect("deposit");
    for (index, name) in [(1, "margin account"), (2, "collateral asset"), (3, "vault")] {
        let mut withdraw = ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 10);
        withdraw.accounts[index].is_writable = false;
        let result = t.send(&[withdraw], &trader.keypair.insecure_clone(), &[]);
        assert_eq!(custom_error_code(&result), Some(anchor_lang::error::ErrorCode::ConstraintMut.into()), "read-only {name}");
    }
    assert_eq!(t.balance(&trader.margin_account, &mint), 500);
}
