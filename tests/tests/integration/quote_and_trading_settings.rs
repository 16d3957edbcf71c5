//! Negative tests for the quote-balance and market-trading instructions:
//! who may set trading settings and which are refused, a market without
//! them cannot be traded, and quote withdrawals are bounded by the balance
//! and by the pause.
use reflex_sdk::{instructions as ix, presets};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_signer::Signer;

#[test]
fn only_the_admin_sets_trading_settings_and_inconsistent_ones_are_refused() {
    let mut w = World::new(1_000_000.0);
    let feed_id = w.underlyings[SOL].feed_id;
    let stranger = w.t.env.funded_keypair(1);
    let by_stranger = ix::set_market_trading(&stranger.pubkey(), SOL_PERP, &feed_id, presets::market_trading(1_000));
    assert_error(&w.send(&[by_stranger], &stranger), ReflexError::NotAdmin);
    let admin = w.admin();
    for broken in [
        {
            let mut t = presets::market_trading(1_000);
            t.skew_scale = 0;
            t
        },
        {
            let mut t = presets::market_trading(1_000);
            t.max_open_interest = 0;
            t
        },
        {
            let mut t = presets::market_trading(1_000);
            t.base_spread = t.max_spread + 1;
            t
        },
        {
            let mut t = presets::market_trading(1_000);
            t.taker_fee = 100_000;
            t
        },
        {
            let mut t = presets::market_trading(1_000);
            t.keeper_penalty_share = 1_000_001;
            t
        },
    ] {
        let set = ix::set_market_trading(&admin.pubkey(), SOL_PERP, &feed_id, broken);
        assert_error(&w.send(&[set], &admin), ReflexError::InvalidTradingConfig);
    }
    // Another market's feed is refused.
    let btc_feed = w.underlyings[BTC].feed_id;
    let wrong_feed = ix::set_market_trading(&admin.pubkey(), SOL_PERP, &btc_feed, presets::market_trading(1_000));
    assert_error(&w.send(&[wrong_feed], &admin), ReflexError::WrongFeed);
}

#[test]
fn a_market_without_trading_settings_cannot_be_traded() {
    let mut w = World::new(1_000_000.0);
    let admin = w.admin();
    let feed_id = w.underlyings[SOL].feed_id;
    let list = ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), 2, &feed_id, *b"SOL-PERP-2\0\0\0\0\0\0", presets::market_risk());
    w.send(&[list], &admin).expect("listed without trading settings");
    w.markets.push(SOL);
    let trader = w.trader(&[(SOL, 10.0)]);
    assert_error(&w.trade(&trader, 2, 1.0), ReflexError::MarketTradingNotConfigured);
}

#[test]
fn quote_withdrawals_are_bounded_by_the_balance_and_the_pause() {
    let mut w = World::new(1_000_000.0);
    let trader = w.keeper(100.0); // a margin account with $100 of quote balance
    let quote_mint = w.t.quote_mint;
    let wallet = w.t.token_account_with(&trader.keypair.pubkey(), &quote_mint, &SPL_TOKEN, 0);
    let owner = trader.keypair.insecure_clone();
    let withdraw =
        |amount: u64| ix::withdraw_quote(&owner.pubkey(), &trader.margin_account, &quote_mint, &SPL_TOKEN, &wallet, amount, vec![]);
    // No borrowing: not a unit more than the balance.
    assert_error(&w.send(&[withdraw(100_000_001)], &owner), ReflexError::InsufficientQuoteBalance);
    assert_error(&w.send(&[withdraw(0)], &owner), ReflexError::ZeroAmount);
    let admin = w.admin();
    w.send(&[ix::pause(&admin.pubkey())], &admin).unwrap();
    assert_error(&w.send(&[withdraw(1)], &owner), ReflexError::ExchangePaused);
    // Repaying needs no permission and works while paused.
    w.deposit_quote(&trader, 1_000_000).expect("deposit_quote while paused");
    w.send(&[ix::unpause(&admin.pubkey())], &admin).unwrap();
    w.send(&[withdraw(101_000_000)], &owner).expect("the whole balance");
    assert_eq!(w.t.env.token_balance(&wallet), 101_000_000);
    assert_eq!(w.margin(&trader.margin_account).quote(), 0);
    // A source token account of another mint is refused.
    let wsol = w.collaterals[SOL].mint;
    let wrong = w.t.token_account_with(&owner.pubkey(), &wsol, &SPL_TOKEN, 10);
    let deposit = ix::deposit_quote(&owner.pubkey(), &trader.margin_account, &quote_mint, &SPL_TOKEN, &wrong, 10);
    assert_error(&w.send(&[deposit], &owner), ReflexError::WrongMint);
}
