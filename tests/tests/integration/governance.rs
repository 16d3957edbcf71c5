//! Governance on the SBF binary: two-step admin transfer, a guardian that can
//! pause and only pause, and what a pause stops.
use reflex::events::{AdminProposed, AdminTransferred, GuardianSet, PausedChanged};
use reflex_sdk::instructions as ix;
use reflex_tests::*;
use solana_signer::Signer;

#[test]
fn the_admin_role_moves_in_two_steps() {
    let mut t = TestExchange::new();
    let admin = t.admin.insecure_clone();
    let successor = t.env.funded_keypair(10);

    let result = t.send(&[ix::propose_admin(&admin.pubkey(), &successor.pubkey())], &admin, &[]);
    let proposed = events::<AdminProposed>(&result);
    assert_eq!((proposed[0].old_pending, proposed[0].new_pending), (Default::default(), successor.pubkey()));
    assert_eq!(t.exchange().admin, admin.pubkey(), "proposing changes nothing yet");

    // Nobody but the proposed key can accept.
    let stranger = t.env.funded_keypair(10);
    assert_error(&t.send(&[ix::accept_admin(&stranger.pubkey())], &stranger, &[]), ReflexError::NotPendingAdmin);

    let result = t.send(&[ix::accept_admin(&successor.pubkey())], &successor, &[]);
    let transferred = events::<AdminTransferred>(&result);
    assert_eq!((transferred[0].old, transferred[0].new), (admin.pubkey(), successor.pubkey()));
    let exchange = t.exchange();
    assert_eq!((exchange.admin, exchange.pending_admin), (successor.pubkey(), Default::default()));

    // The old admin has lost its powers; the new one has them.
    let mint = t.create_mint(6, &SPL_TOKEN);
    let old_list = ix::list_collateral(&admin.pubkey(), &admin.pubkey(), &mint, &SPL_TOKEN, NO_CAP);
    assert_error(&t.send(&[old_list], &admin, &[]), ReflexError::NotAdmin);
    let new_list = ix::list_collateral(&successor.pubkey(), &successor.pubkey(), &mint, &SPL_TOKEN, NO_CAP);
    t.send(&[new_list], &successor, &[]).expect("the new admin lists");
    // And acceptance cannot be replayed.
    assert_error(&t.send(&[ix::accept_admin(&successor.pubkey())], &successor, &[]), ReflexError::NotPendingAdmin);
}

#[test]
fn only_the_admin_proposes_or_names_a_guardian() {
    let mut t = TestExchange::new();
    let intruder = t.env.funded_keypair(10);
    assert_error(&t.send(&[ix::propose_admin(&intruder.pubkey(), &intruder.pubkey())], &intruder, &[]), ReflexError::NotAdmin);
    assert_error(&t.send(&[ix::set_guardian(&intruder.pubkey(), &intruder.pubkey())], &intruder, &[]), ReflexError::NotAdmin);
    assert_eq!(t.exchange().pending_admin, Default::default());
}

#[test]
fn the_guardian_pauses_withdrawals_but_not_deposits_and_only_the_admin_unpauses() {
    let mut t = TestExchange::new();
    let admin = t.admin.insecure_clone();
    let guardian = t.env.funded_keypair(10);
    let result = t.send(&[ix::set_guardian(&admin.pubkey(), &guardian.pubkey())], &admin, &[]);
    assert_eq!(events::<GuardianSet>(&result)[0].new, guardian.pubkey());

    let mint = t.listed_mint(6, &SPL_TOKEN);
    let trader = t.new_trader();
    let wallet = t.token_account_with(&trader.keypair.pubkey(), &mint, &SPL_TOKEN, 1_000);
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 400).expect("deposit before the pause");

    // Someone else cannot pause.
    let stranger = t.env.funded_keypair(10);
    assert_error(&t.send(&[ix::pause(&stranger.pubkey())], &stranger, &[]), ReflexError::NotGuardian);

    let result = t.send(&[ix::pause(&guardian.pubkey())], &guardian, &[]);
    let paused = events::<PausedChanged>(&result);
    assert_eq!((paused[0].by, paused[0].was_paused, paused[0].paused), (guardian.pubkey(), false, true));
    // A pause never stops an owner adding collateral; it stops taking it out.
    t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, 100).expect("deposits go on while paused");
    assert_error(&t.withdraw(&trader, &mint, &SPL_TOKEN, &wallet, 100), ReflexError::ExchangePaused);

    // The guardian can only pause: it cannot unpause, nor govern.
    assert_error(&t.send(&[ix::unpause(&guardian.pubkey())], &guardian, &[]), ReflexError::NotAdmin);
    assert_error(&t.send(&[ix::set_guardian(&guardian.pubkey(), &stranger.pubkey())], &guardian, &[]), ReflexError::NotAdmin);

    let result = t.send(&[ix::unpause(&admin.pubkey())], &admin, &[]);
    assert!(!events::<PausedChanged>(&result)[0].paused);
    t.withdraw(&trader, &mint, &SPL_TOKEN, &wallet, 500).expect("withdraw after the pause");
    assert_eq!(t.env.token_balance(&wallet), 1_000);
}

#[test]
fn the_admin_can_pause_too() {
    let mut t = TestExchange::new();
    let admin = t.admin.insecure_clone();
    t.send(&[ix::pause(&admin.pubkey())], &admin, &[]).expect("admin pauses");
    assert!(t.exchange().is_paused());
}
