//! The LP pool on the SBF binary: shares priced from the pool's value,
//! rounding against whoever enters or leaves, entry and exit two steps a
//! delay apart at the worse of the two share values, the quote vault always
//! equal to the pool, pending deposits and the insurance fund (checked
//! after every transaction).
use anchor_lang::prelude::Pubkey;
use reflex::events::{LiquidityAdded, LiquidityRemoved};
use reflex::state::LpPosition;
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Lp {
    keypair: Keypair,
    wallet: Pubkey,
}

fn pool() -> TestExchange {
    let mut t = TestExchange::new();
    let admin = t.admin.insecure_clone();
    t.send(&[ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &t.quote_mint.clone(), &SPL_TOKEN)], &admin, &[])
        .expect("initialize_pool");
    t
}

fn lp(t: &mut TestExchange, funds: u64) -> Lp {
    let keypair = t.env.funded_keypair(10);
    let quote_mint = t.quote_mint;
    let wallet = t.token_account_with(&keypair.pubkey(), &quote_mint, &SPL_TOKEN, funds);
    t.send(&[ix::open_lp_position(&keypair.pubkey())], &keypair.insecure_clone(), &[]).expect("open_lp_position");
    Lp { keypair, wallet }
}

/// `lp_deposit`, then, if it made a request, the delay and its execution.
fn deposit(t: &mut TestExchange, lp: &Lp, amount: u64) -> litesvm::types::TransactionResult {
    let quote_mint = t.quote_mint;
    let requested =
        t.send(&[ix::lp_deposit(&lp.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &lp.wallet, amount)], &lp.keypair.insecure_clone(), &[])?;
    if position(t, lp).request_kind == 0 {
        return Ok(requested);
    }
    wait_out_the_delay(t);
    execute(t, lp)
}

/// `lp_withdraw`, the delay, and its execution.
fn withdraw(t: &mut TestExchange, lp: &Lp, shares: u64) -> litesvm::types::TransactionResult {
    request_withdrawal(t, lp, shares)?;
    wait_out_the_delay(t);
    execute(t, lp)
}

fn request_withdrawal(t: &mut TestExchange, lp: &Lp, shares: u64) -> litesvm::types::TransactionResult {
    let quote_mint = t.quote_mint;
    t.send(&[ix::lp_withdraw(&lp.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &lp.wallet, shares)], &lp.keypair.insecure_clone(), &[])
}

/// `execute_lp_request` for `lp`, sent by someone else (anyone may).
fn execute(t: &mut TestExchange, lp: &Lp) -> litesvm::types::TransactionResult {
    let quote_mint = t.quote_mint;
    let destination = position(t, lp).request_destination;
    let keeper = t.env.funded_keypair(1);
    t.send(&[ix::execute_lp_request(&lp.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &destination, vec![])], &keeper, &[])
}

fn wait_out_the_delay(t: &mut TestExchange) {
    let delay = t.exchange().lp_delay_slots;
    let clock = t.env.svm.get_sysvar::<anchor_lang::prelude::Clock>();
    t.env.set_clock(clock.slot + delay, clock.unix_timestamp + (delay as f64 * 0.4) as i64);
}

fn position(t: &TestExchange, lp: &Lp) -> LpPosition {
    t.env.load::<LpPosition>(&pda::lp_position(&lp.keypair.pubkey())).unwrap()
}

fn shares(t: &TestExchange, lp: &Lp) -> u64 {
    t.env.load::<LpPosition>(&pda::lp_position(&lp.keypair.pubkey())).unwrap().shares
}

#[test]
fn lps_own_the_pool_in_proportion() {
    let mut t = pool();
    let (alice, bob) = (lp(&mut t, 1_000_000), lp(&mut t, 1_000_000));
    let added = events::<LiquidityAdded>(&deposit(&mut t, &alice, 600_000));
    // 1:1, less the 1,000 shares locked for good so the pool never empties.
    assert_eq!((added[0].shares, added[0].pool_value, added[0].lp_shares), (599_000, 600_000, 600_000), "the first deposit mints 1:1");
    deposit(&mut t, &bob, 300_000).unwrap();
    assert_eq!((shares(&t, &alice), shares(&t, &bob)), (599_000, 300_000));
    assert_eq!(t.env.token_balance(&pda::quote_vault()), 900_000);

    let removed = events::<LiquidityRemoved>(&withdraw(&mut t, &alice, 200_000));
    assert_eq!((removed[0].amount, removed[0].pool_value, removed[0].lp_shares), (200_000, 700_000, 700_000));
    withdraw(&mut t, &alice, 399_000).unwrap();
    withdraw(&mut t, &bob, 300_000).unwrap();
    assert_eq!(t.env.token_balance(&alice.wallet), 999_000);
    assert_eq!(t.env.token_balance(&bob.wallet), 1_000_000);
    let exchange = t.exchange();
    assert_eq!((exchange.pool_balance.get(), exchange.lp_shares), (1_000.into(), 1_000), "the locked shares and what they are worth stay");
    // Nobody can buy the pool at 1:1 again: a new deposit pays the share value.
    let carol = lp(&mut t, 1_000);
    deposit(&mut t, &carol, 500).unwrap();
    assert_eq!((shares(&t, &carol), t.exchange().lp_shares), (500, 1_500));
}

#[test]
fn a_donation_to_the_vault_does_not_move_the_share_price() {
    let mut t = pool();
    let (alice, bob) = (lp(&mut t, 1_001), lp(&mut t, 1_000_000));
    deposit(&mut t, &alice, 1_001).unwrap();
    assert_eq!(shares(&t, &alice), 1, "one share beside the 1,000 locked");
    // Alice sends tokens straight to the vault, hoping to inflate her one share.
    let authority = t.mint_authority.insecure_clone();
    let quote_mint = t.quote_mint;
    t.env.mint_to(&authority, &quote_mint, &pda::quote_vault(), 999_999, &SPL_TOKEN);
    // Sent without the fixture's conservation check, which rightly flags the
    // donated tokens as unclaimed.
    let bob_deposit = ix::lp_deposit(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, 500_000);
    t.env.send(&[bob_deposit], &bob.keypair, &[]).expect("bob deposits");
    wait_out_the_delay(&mut t);
    let execute = ix::execute_lp_request(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, vec![]);
    t.env.send(&[execute], &bob.keypair, &[]).expect("bob's deposit executes");
    assert_eq!(shares(&t, &bob), 500_000, "bob's shares are priced from the tracked pool, not the vault balance");
    let exchange = t.exchange();
    assert_eq!((exchange.pool_balance.get(), exchange.lp_shares), (501_001.into(), 501_001));
}

#[test]
fn lp_actions_are_guarded() {
    let mut t = pool();
    let (alice, mallory) = (lp(&mut t, 3_000), lp(&mut t, 1_000));
    assert_error(&deposit(&mut t, &alice, 1_000), ReflexError::DepositTooSmallForAShare);
    deposit(&mut t, &alice, 2_000).unwrap();
    assert_error(&deposit(&mut t, &alice, 0), ReflexError::ZeroAmount);
    assert_error(&withdraw(&mut t, &alice, 0), ReflexError::ZeroAmount);
    assert_error(&withdraw(&mut t, &alice, 1_001), ReflexError::InsufficientShares);
    // Mallory names Alice's position.
    let quote_mint = t.quote_mint;
    let mut steal = ix::lp_withdraw(&mallory.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &mallory.wallet, 1_000);
    // [owner, exchange, quote vault, quote mint, token program, lp position, token account]
    steal.accounts[5].pubkey = pda::lp_position(&alice.keypair.pubkey());
    assert_error(&t.send(&[steal], &mallory.keypair.insecure_clone(), &[]), ReflexError::NotLpOwner);
    // Paused.
    let admin = t.admin.insecure_clone();
    t.send(&[ix::pause(&admin.pubkey())], &admin, &[]).unwrap();
    assert_error(&withdraw(&mut t, &alice, 10), ReflexError::ExchangePaused);
    t.send(&[ix::unpause(&admin.pubkey())], &admin, &[]).unwrap();
    // The pool is created once.
    let again = ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &quote_mint, &SPL_TOKEN);
    assert_error(&t.send(&[again], &admin, &[]), ReflexError::PoolAlreadyInitialized);
}

#[test]
fn the_pool_needs_initializing_by_the_admin_with_the_quote_mint() {
    let mut t = TestExchange::new();
    let intruder = t.env.funded_keypair(10);
    let quote_mint = t.quote_mint;
    let by_intruder = ix::initialize_pool(&intruder.pubkey(), &intruder.pubkey(), &quote_mint, &SPL_TOKEN);
    assert_error(&t.send(&[by_intruder], &intruder, &[]), ReflexError::NotAdmin);
    let other_mint = t.create_mint(6, &SPL_TOKEN);
    let admin = t.admin.insecure_clone();
    let wrong_mint = ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &other_mint, &SPL_TOKEN);
    assert_error(&t.send(&[wrong_mint], &admin, &[]), ReflexError::WrongMint);
    // Before initialize_pool there is no quote vault to deposit into.
    let alice = lp(&mut t, 100);
    assert_error(&deposit(&mut t, &alice, 100), anchor_lang::error::ErrorCode::AccountNotInitialized);
}

#[test]
fn an_lp_position_opens_once_and_takes_only_the_pools_token_program() {
    let mut t = pool();
    let alice = lp(&mut t, 1_000);
    let again = t.send(&[ix::open_lp_position(&alice.keypair.pubkey())], &alice.keypair.insecure_clone(), &[]);
    assert!(again.is_err(), "a second open of the same position must fail");
    let quote_mint = t.quote_mint;
    let wrong_program = ix::lp_deposit(&alice.keypair.pubkey(), &quote_mint, &TOKEN_2022, &alice.wallet, 100);
    assert_error(&t.send(&[wrong_program], &alice.keypair.insecure_clone(), &[]), ReflexError::WrongTokenProgram);
    assert_eq!(shares(&t, &alice), 0);
}

/// A request waits out the delay; one request at a time; anyone executes
/// it; a withdrawal pays only into the account named at request; cancels
/// return tokens or unlock shares; while paused nothing executes.
#[test]
fn requests_wait_for_the_delay_and_are_executed_by_anyone() {
    let mut t = pool();
    let (alice, bob) = (lp(&mut t, 1_000_000), lp(&mut t, 1_000_000));
    deposit(&mut t, &alice, 600_000).expect("alice opens the pool");
    let quote_mint = t.quote_mint;
    let bob_deposit = ix::lp_deposit(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, 300_000);
    let requested = t.send(std::slice::from_ref(&bob_deposit), &bob.keypair.insecure_clone(), &[]);
    let request = events::<reflex::events::LpRequested>(&requested).remove(0);
    assert_eq!((request.amount, request.pool_value, request.lp_shares), (300_000, 600_000, 600_000));
    assert_eq!(shares(&t, &bob), 0, "no shares before execution");
    assert_eq!(t.exchange().pending_lp_deposits, 300_000);
    assert_error(&execute(&mut t, &bob), ReflexError::LpRequestNotReady);
    assert_error(&t.send(&[bob_deposit], &bob.keypair.insecure_clone(), &[]), ReflexError::LpRequestPending);
    wait_out_the_delay(&mut t);
    execute(&mut t, &bob).expect("anyone executes a ready request");
    assert_eq!((shares(&t, &bob), t.exchange().pending_lp_deposits), (300_000, 0));
    let again = ix::execute_lp_request(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, vec![]);
    assert_error(&t.send(&[again], &bob.keypair.insecure_clone(), &[]), ReflexError::NoLpRequest);

    // A request not executed within its window expires; only a cancel clears it.
    t.send(&[ix::lp_deposit(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, 1_000)], &bob.keypair.insecure_clone(), &[])
        .unwrap();
    wait_out_the_delay(&mut t);
    wait_out_the_delay(&mut t);
    wait_out_the_delay(&mut t);
    assert_error(&execute(&mut t, &bob), ReflexError::LpRequestExpired);
    let cancel = ix::cancel_lp_request(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet);
    t.send(&[cancel], &bob.keypair.insecure_clone(), &[]).expect("cancel the expired request");

    // A withdrawal pays into the account named at request, not another.
    request_withdrawal(&mut t, &bob, 100_000).unwrap();
    assert_eq!(shares(&t, &bob), 200_000, "the shares are locked");
    wait_out_the_delay(&mut t);
    let other = t.token_account_with(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, 0);
    let keeper = t.env.funded_keypair(1);
    let elsewhere = ix::execute_lp_request(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &other, vec![]);
    assert_error(&t.send(&[elsewhere], &keeper, &[]), ReflexError::WrongLpDestination);
    // Paused: nothing executes; cancelling unlocks the shares.
    let admin = t.admin.insecure_clone();
    t.send(&[ix::pause(&admin.pubkey())], &admin, &[]).unwrap();
    assert_error(&execute(&mut t, &bob), ReflexError::ExchangePaused);
    t.send(&[ix::unpause(&admin.pubkey())], &admin, &[]).unwrap();
    let cancel = ix::cancel_lp_request(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet);
    t.send(std::slice::from_ref(&cancel), &bob.keypair.insecure_clone(), &[]).expect("cancel the withdrawal");
    assert_eq!(shares(&t, &bob), 300_000);
    assert_error(&t.send(std::slice::from_ref(&cancel), &bob.keypair.insecure_clone(), &[]), ReflexError::NoLpRequest);
    // A cancelled deposit's tokens come back.
    let before = t.env.token_balance(&bob.wallet);
    t.send(&[ix::lp_deposit(&bob.keypair.pubkey(), &quote_mint, &SPL_TOKEN, &bob.wallet, 50_000)], &bob.keypair.insecure_clone(), &[])
        .unwrap();
    assert_eq!(t.env.token_balance(&bob.wallet), before - 50_000);
    t.send(&[cancel], &bob.keypair.insecure_clone(), &[]).expect("cancel the deposit");
    assert_eq!(t.env.token_balance(&bob.wallet), before);
    assert_eq!(t.exchange().pending_lp_deposits, 0);
}

#[test]
fn only_the_admin_sets_the_lp_delay_within_bounds() {
    let mut t = pool();
    let admin = t.admin.insecure_clone();
    assert_eq!(t.exchange().lp_delay_slots, 300, "the default: two liquidation horizons");
    let intruder = t.env.funded_keypair(10);
    assert_error(&t.send(&[ix::set_lp_delay(&intruder.pubkey(), 10)], &intruder, &[]), ReflexError::NotAdmin);
    for slots in [0, 216_001] {
        assert_error(&t.send(&[ix::set_lp_delay(&admin.pubkey(), slots)], &admin, &[]), ReflexError::InvalidLpDelay);
    }
    let set = t.send(&[ix::set_lp_delay(&admin.pubkey(), 1_000)], &admin, &[]);
    let event = events::<reflex::events::LpDelaySet>(&set).remove(0);
    assert_eq!((event.old_slots, event.new_slots, t.exchange().lp_delay_slots), (300, 1_000, 1_000));
}
