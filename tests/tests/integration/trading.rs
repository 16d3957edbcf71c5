//! Perp trading against the pool on the SBF binary: open, increase, reduce,
//! flip and close; the spread, fee and limit price; open-interest caps;
//! initial health for risk-increasing trades and withdrawals; delegates;
//! reduce-only; stale prices; funding; and the accounts a trade must name.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use reflex::events::PerpFilled;
use reflex_risk::Fixed;
use reflex_sdk::{health, instructions as ix};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_signer::Signer;

fn fill(result: litesvm::types::TransactionResult) -> PerpFilled {
    events::<PerpFilled>(&result).remove(0)
}

#[test]
fn open_increase_reduce_flip_and_close() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    let oracle = w.feed(SOL).last_price.get();

    // Open: buy 5 SOL above the oracle (spread), paying the fee.
    let open = fill(w.trade(&trader, SOL_PERP, 5.0));
    assert_eq!((open.base_before, open.base_after), (0, 5_000_000_000));
    let fill_price = Fixed::from_bits(open.fill_price);
    assert!(fill_price > oracle, "a buy fills above the oracle: {fill_price} vs {oracle}");
    assert!(Fixed::from_bits(open.spread) > 0 && Fixed::from_bits(open.fee) > 0);
    // 5 SOL at $150: $750 notional, 5 bp fee = $0.375 (to within the
    // fixed-point resolution of $150 per 10⁹ lamports).
    let fee = Fixed::from_bits(open.fee);
    assert!((fee - Fixed::from_num(375_000)).abs() < Fixed::from_num(1) / 1000, "fee {fee}");
    assert_eq!(w.margin(&trader.margin_account).quote(), -fee);
    assert_eq!((w.market(SOL_PERP).long_base, w.market(SOL_PERP).short_base), (5_000_000_000, 0));

    // Increase, reduce, flip to short, close.
    assert_eq!(fill(w.trade(&trader, SOL_PERP, 3.0)).base_after, 8_000_000_000);
    assert_eq!(fill(w.trade(&trader, SOL_PERP, -6.0)).base_after, 2_000_000_000);
    let flip = fill(w.trade(&trader, SOL_PERP, -4.0));
    assert_eq!(flip.base_after, -2_000_000_000);
    assert!(Fixed::from_bits(flip.fill_price) < oracle, "a sell fills below the oracle");
    assert_eq!((w.market(SOL_PERP).long_base, w.market(SOL_PERP).short_base), (0, 2_000_000_000));
    let close = fill(w.trade(&trader, SOL_PERP, 2.0));
    assert_eq!(close.base_after, 0);

    // Closed: the slot is free, PnL (spreads and fees paid, the price never
    // moved) sits in the quote balance, and the pool realised exactly that.
    let margin = w.margin(&trader.margin_account);
    assert!(margin.perps_in_use().next().is_none());
    assert!(margin.quote() < 0, "round trips at a constant price cost spread and fees");
    let market = w.market(SOL_PERP);
    assert_eq!((market.long_base, market.short_base), (0, 0));
    assert_eq!(market.quote_position_sum.get(), 0);
    assert_eq!(market.pool_realized.get(), -margin.quote(), "what the trader lost, the pool gained");
}

#[test]
fn the_limit_price_bounds_slippage() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    let size = w.base_units(SOL_PERP, 1.0);
    // At the oracle price exactly: a buy pays the spread on top, a sell receives less.
    assert_error(&w.order(&trader, SOL_PERP, size, 150_000_000), ReflexError::LimitPriceExceeded);
    assert_error(&w.order(&trader, SOL_PERP, -size, 150_000_000), ReflexError::LimitPriceExceeded);
    let filled = fill(w.order(&trader, SOL_PERP, size, 150_100_000));
    // Per whole SOL, the fill is within the limit.
    assert!(Fixed::from_bits(filled.fill_price) * Fixed::from_num(1_000_000_000u64) <= Fixed::from_num(150_100_000));
}

#[test]
fn the_price_widens_with_the_skew_a_trade_adds_and_with_volatility() {
    let mut w = World::new(1_000_000.0);
    let (alice, bob) = (w.trader(&[(SOL, 100.0)]), w.trader(&[(SOL, 100.0)]));
    let premium_per_unit = |filled: &PerpFilled| Fixed::from_bits(filled.skew_premium) / Fixed::from_num(filled.base_delta.unsigned_abs());
    let small = fill(w.trade(&alice, SOL_PERP, 1.0));
    let large = fill(w.trade(&bob, SOL_PERP, 100.0));
    assert!(premium_per_unit(&large) > premium_per_unit(&small), "adding 100 SOL of skew costs more per unit than 1");
    assert_eq!(large.spread, small.spread, "the volatility part does not depend on size");
    // Reducing the skew pays no skew part.
    let reducing = fill(w.trade(&bob, SOL_PERP, -50.0));
    assert_eq!((reducing.skew_premium, reducing.spread), (0, small.spread));
    // A volatile stretch raises σ_T, and with it the spread of the same trade.
    for (step, price) in [160.0, 142.0, 158.0, 140.0, 155.0].into_iter().enumerate() {
        w.advance(10 + step as u64);
        w.set_price(SOL, price);
    }
    w.tick(1);
    let reducing_now = fill(w.trade(&alice, SOL_PERP, -1.0));
    assert!(Fixed::from_bits(reducing_now.spread) > Fixed::from_bits(reducing.spread), "the volatility part grew");
    let volatile = fill(w.trade(&alice, SOL_PERP, 1.0));
    assert!(Fixed::from_bits(volatile.spread) > Fixed::from_bits(small.spread), "σ_T widened the spread");
}

/// Path independence on the SBF binary: 100 SOL bought in ten orders from
/// flat costs no less than 100 SOL bought in one from flat (same slot,
/// same print; the skew premium depends on where the skew starts and ends).
#[test]
fn splitting_an_order_costs_no_less_than_one_fill() {
    let mut w = World::new(1_000_000.0);
    let (one, many) = (w.trader(&[(SOL, 200.0)]), w.trader(&[(SOL, 200.0)]));
    let whole = fill(w.trade(&one, SOL_PERP, 100.0));
    let whole_cost = -Fixed::from_bits(whole.quote) + Fixed::from_bits(whole.fee);
    w.trade(&one, SOL_PERP, -100.0).expect("back to flat");
    assert_eq!(w.market(SOL_PERP).skew(), 0);
    let mut split_cost = Fixed::ZERO;
    for _ in 0..10 {
        let piece = fill(w.trade(&many, SOL_PERP, 10.0));
        split_cost += -Fixed::from_bits(piece.quote) + Fixed::from_bits(piece.fee);
    }
    assert!(split_cost >= whole_cost, "ten fills cost {split_cost}, one costs {whole_cost}");
    assert!(split_cost - whole_cost < Fixed::from_num(20), "and only rounding more: {}", split_cost - whole_cost);
}

#[test]
fn open_interest_is_capped_by_the_pool() {
    // A $100,000 pool allows $50,000 per side per market.
    let mut w = World::new(100_000.0);
    let whale = w.trader(&[(SOL, 2_000.0)]);
    assert_error(&w.trade(&whale, SOL_PERP, 340.0), ReflexError::OpenInterestCapExceeded);
    w.trade(&whale, SOL_PERP, 320.0).expect("$48,000 fits under the cap");
    // The other side has its own cap; reducing is never capped.
    assert_error(&w.trade(&whale, SOL_PERP, -680.0), ReflexError::OpenInterestCapExceeded);
    w.trade(&whale, SOL_PERP, -320.0).expect("closing");
}

#[test]
fn risk_increasing_actions_need_initial_health() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 1.0)]);
    // $150 of wSOL at a 10% haircut backs at most ~$2,700 at 5% initial margin.
    assert_error(&w.trade(&trader, SOL_PERP, 20.0), ReflexError::InsufficientInitialHealth);
    w.trade(&trader, SOL_PERP, 10.0).expect("$1,500 fits");
    assert!(w.health(&trader.margin_account).initial >= 0);

    // Withdrawing the collateral behind the position is refused; a little is fine.
    let (mint, token_program) = (w.collaterals[SOL].mint, w.collaterals[SOL].token_program);
    let wallet = w.t.token_account_with(&trader.keypair.pubkey(), &mint, &token_program, 0);
    let margin = w.margin(&trader.margin_account);
    let accounts = health::health_accounts(&w.t.env, &margin, None, None).unwrap();
    let withdraw_all = ix::with_remaining(
        ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &token_program, &wallet, 1_000_000_000),
        accounts.clone(),
    );
    assert_error(&w.send(&[withdraw_all], &trader.keypair.insecure_clone()), ReflexError::InsufficientInitialHealth);
    let withdraw_some = ix::with_remaining(
        ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &token_program, &wallet, 10_000_000),
        accounts,
    );
    w.send(&[withdraw_some], &trader.keypair.insecure_clone()).expect("0.01 SOL leaves initial health positive");
    // Without the health accounts the program cannot value the account.
    let bare = ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &token_program, &wallet, 1);
    assert_error(&w.send(&[bare], &trader.keypair.insecure_clone()), ReflexError::WrongHealthAccounts);
}

#[test]
fn a_delegate_trades_but_never_withdraws() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    let delegate = w.t.env.funded_keypair(1);
    let stranger = w.t.env.funded_keypair(1);
    let size = w.base_units(SOL_PERP, 1.0);

    let by_stranger = w.order_ix(&stranger.pubkey(), &trader.margin_account, SOL_PERP, size, 160_000_000);
    assert_error(&w.send(&[by_stranger], &stranger), ReflexError::NotOwnerOrDelegate);
    // Only the owner names a delegate.
    let hijack = ix::set_delegate(&stranger.pubkey(), &trader.margin_account, &stranger.pubkey());
    assert_error(&w.send(&[hijack], &stranger), ReflexError::NotAccountOwner);
    let name = ix::set_delegate(&trader.keypair.pubkey(), &trader.margin_account, &delegate.pubkey());
    w.send(&[name], &trader.keypair.insecure_clone()).unwrap();

    let by_delegate = w.order_ix(&delegate.pubkey(), &trader.margin_account, SOL_PERP, size, 160_000_000);
    w.send(&[by_delegate], &delegate).expect("the delegate trades");
    assert_eq!(w.position(&trader.margin_account, SOL_PERP), size);

    let (mint, token_program) = (w.collaterals[SOL].mint, w.collaterals[SOL].token_program);
    let wallet = w.t.token_account_with(&delegate.pubkey(), &mint, &token_program, 0);
    let margin = w.margin(&trader.margin_account);
    let accounts = health::health_accounts(&w.t.env, &margin, None, None).unwrap();
    let steal = ix::with_remaining(ix::withdraw(&delegate.pubkey(), &trader.margin_account, &mint, &token_program, &wallet, 1), accounts);
    assert_error(&w.send(&[steal], &delegate), ReflexError::NotAccountOwner);
    let quote_wallet = w.t.token_account_with(&delegate.pubkey(), &w.t.quote_mint.clone(), &SPL_TOKEN, 0);
    let steal_quote =
        ix::withdraw_quote(&delegate.pubkey(), &trader.margin_account, &w.t.quote_mint.clone(), &SPL_TOKEN, &quote_wallet, 1, vec![]);
    assert_error(&w.send(&[steal_quote], &delegate), ReflexError::NotAccountOwner);
}

#[test]
fn reduce_only_and_pause_allow_only_reducing() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 4.0).unwrap();
    let admin = w.admin();
    w.send(&[ix::set_market_reduce_only(&admin.pubkey(), SOL_PERP, true)], &admin).unwrap();
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::ReduceOnly);
    assert_error(&w.trade(&trader, SOL_PERP, -8.0), ReflexError::ReduceOnly); // a flip adds risk
    w.trade(&trader, SOL_PERP, -1.0).expect("reducing");
    w.send(&[ix::set_market_reduce_only(&admin.pubkey(), SOL_PERP, false)], &admin).unwrap();
    w.send(&[ix::set_exchange_reduce_only(&admin.pubkey(), true)], &admin).unwrap();
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::ReduceOnly);
    w.send(&[ix::set_exchange_reduce_only(&admin.pubkey(), false)], &admin).unwrap();
    w.send(&[ix::pause(&admin.pubkey())], &admin).unwrap();
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::PausedReduceOnly);
    w.trade(&trader, SOL_PERP, -1.0).expect("reducing while paused");
}

#[test]
fn stale_prices_block_new_risk_but_not_reducing() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 4.0).unwrap();
    // 120 s without a new print: older than max_age (60 s), within the
    // liquidation age (300 s).
    w.advance(300);
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::PriceNotValidForAction);
    w.trade(&trader, SOL_PERP, -1.0).expect("reducing accepts a liquidation-grade price");
    // Past 300 s nothing may use it.
    w.advance(600);
    assert_error(&w.trade(&trader, SOL_PERP, -1.0), ReflexError::StalePrice);
    w.set_price(SOL, 150.0);
    w.trade(&trader, SOL_PERP, 1.0).expect("fresh again");
}

#[test]
fn a_trade_must_name_the_registered_market_feed_and_health_accounts() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0), (BTC, 0.1)]);
    w.trade(&trader, BTC_PERP, 0.01).unwrap();
    let size = w.base_units(SOL_PERP, 1.0);
    let owner = trader.keypair.insecure_clone();

    // SOL-PERP with BTC's feed.
    let mut wrong_feed = w.order_ix(&owner.pubkey(), &trader.margin_account, SOL_PERP, size, 160_000_000);
    wrong_feed.accounts[3].pubkey = w.underlyings[BTC].feed();
    wrong_feed.accounts[4].pubkey = w.underlyings[BTC].oracle;
    assert_error(&w.send(&[wrong_feed], &owner), ReflexError::WrongFeed);

    // Health accounts: BTC-PERP left out, or replaced by SOL-PERP, or a feed missing.
    let good = w.order_ix(&owner.pubkey(), &trader.margin_account, SOL_PERP, size, 160_000_000);
    let remaining: Vec<AccountMeta> = good.accounts[6..].to_vec();
    let named = good.accounts[..6].to_vec();
    let with = |metas: Vec<AccountMeta>| {
        let mut instruction = good.clone();
        instruction.accounts = named.iter().cloned().chain(metas).collect();
        instruction
    };
    // remaining = [wSOL asset, wBTC asset, BTC-PERP market, BTC feed, BTC oracle]
    // (the SOL feed and its oracle are the order's own).
    assert_eq!(remaining.len(), 5);
    let mut no_market = remaining.clone();
    no_market.remove(2);
    // (The BTC feed then sits where BTC-PERP belongs, and its oracle has no pair.)
    assert_error(&w.send(&[with(no_market)], &owner), ReflexError::WrongHealthAccounts);
    let mut swapped = remaining.clone();
    swapped[2].pubkey = reflex_sdk::pda::market(SOL_PERP);
    assert!(w.send(&[with(swapped)], &owner).is_err(), "the traded market cannot stand in for another");
    let mut no_btc_feed = remaining.clone();
    no_btc_feed.truncate(3);
    assert_error(&w.send(&[with(no_btc_feed)], &owner), ReflexError::WrongFeed);
    let mut no_btc_oracle = remaining.clone();
    no_btc_oracle.pop();
    assert_error(&w.send(&[with(no_btc_oracle)], &owner), ReflexError::WrongHealthAccounts);
    // The BTC feed with another oracle account: the caller cannot pick the print.
    let mut other_oracle = remaining.clone();
    other_oracle[4].pubkey = w.underlyings[ETH].oracle;
    assert_error(&w.send(&[with(other_oracle)], &owner), ReflexError::WrongOracleAccount);
    // The SOL feed again among the health accounts (it is the order's own).
    let mut named_again = remaining.clone();
    named_again.extend([AccountMeta::new(w.underlyings[SOL].feed(), false), AccountMeta::new_readonly(w.underlyings[SOL].oracle, false)]);
    assert_error(&w.send(&[with(named_again)], &owner), ReflexError::WrongHealthAccounts);
    // A feed passed read-only cannot be brought to this slot.
    let mut read_only = remaining.clone();
    read_only[3].is_writable = false;
    assert_error(&w.send(&[with(read_only)], &owner), anchor_lang::error::ErrorCode::AccountNotMutable);
    // An account of another program posing as the BTC feed.
    let impostor = Pubkey::new_unique();
    w.t.env.svm.airdrop(&impostor, 1_000_000).unwrap();
    let mut fake_feed = remaining.clone();
    fake_feed[3].pubkey = impostor;
    assert_error(&w.send(&[with(fake_feed)], &owner), anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    w.send(&[with(remaining)], &owner).expect("the right accounts");
}

#[test]
fn sizes_that_overflow_are_refused() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    assert_error(&w.order(&trader, SOL_PERP, i64::MIN, 0), ReflexError::InvalidSize);
    assert_error(&w.order(&trader, SOL_PERP, 0, 0), ReflexError::InvalidSize);
    // The largest size there is: far past the open-interest cap (its
    // notional fits the fixed-point range, so the cap is what refuses it).
    assert_error(&w.order(&trader, SOL_PERP, i64::MAX, u64::MAX), ReflexError::OpenInterestCapExceeded);
    assert!(w.order(&trader, SOL_PERP, -i64::MAX, 0).is_err());
}

#[test]
fn funding_flows_from_the_crowded_side_to_the_pool() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 100.0)]);
    w.trade(&trader, SOL_PERP, 200.0).unwrap(); // $30,000 long skew
    let index_before = w.market(SOL_PERP).funding_index.get();
    for _ in 0..10 {
        w.tick(1_000);
    }
    let index_after = w.market(SOL_PERP).funding_index.get();
    assert!(index_after > index_before, "a long skew raises the index");
    // The next trade settles the funding owed into the position.
    let paid = Fixed::from_bits(fill(w.trade(&trader, SOL_PERP, 1.0)).funding_paid);
    // 200 SOL · (index rise): 10,000 slots at 1e-8 · (30k/150k) · $150/SOL.
    let expected = Fixed::from_num(200_000_000_000u64) * (index_after - index_before);
    assert!(paid >= expected && paid > 0, "the long paid {paid} (at least {expected})");
}

#[test]
fn lp_shares_are_priced_with_traders_pnl_and_withdrawals_keep_open_interest_covered() {
    let mut w = World::new(100_000.0);
    let trader = w.trader(&[(SOL, 200.0)]);
    w.trade(&trader, SOL_PERP, 300.0).unwrap(); // $45,000 long against a $100,000 pool
    w.tick(1);
    w.set_price(SOL, 165.0); // the long gains ~$4,500: the pool's value falls

    let lp_before = w.t.env.load::<reflex::state::LpPosition>(&reflex_sdk::pda::lp_position(&w.lp.pubkey())).unwrap().shares;
    let (authority, quote_mint, wallet) = (w.t.mint_authority.insecure_clone(), w.t.quote_mint, w.lp_wallet);
    w.t.env.mint_to(&authority, &quote_mint, &wallet, 10_000_000_000, &SPL_TOKEN);
    let added = events::<reflex::events::LiquidityAdded>(&w.lp_deposit(10_000_000_000)).remove(0);
    assert!(added.shares > 10_000_000_000, "a pool worth less than its deposits mints more shares per dollar: {}", added.shares);

    // Withdrawing most of the pool would leave the $49,500 long above 50% of it.
    assert_error(&w.lp_withdraw(lp_before), ReflexError::PoolWithdrawalUncovered);
    // A tenth of the shares (~$9,600) leaves a booked balance of ~$100,400,
    // enough for the cap on paper, but the pool is worth ~$4,500 less (the
    // long's unrealised gain): the cap is measured against what it is worth.
    assert_error(&w.lp_withdraw(lp_before / 10), ReflexError::PoolWithdrawalUncovered);
    w.lp_withdraw(1_000_000_000).expect("a small withdrawal keeps the cap covered");
    // Pool accounts must be every market (with its feed, or cranked), in order.
    let (lp, wallet, quote_mint) = (w.lp.insecure_clone(), w.lp_wallet, w.t.quote_mint);
    let missing = ix::lp_withdraw(&lp.pubkey(), &quote_mint, &SPL_TOKEN, &wallet, 1);
    assert_error(&w.send(&[missing], &lp), ReflexError::WrongPoolAccounts);
}

#[test]
fn program_and_sdk_agree_on_the_health_of_an_account_with_positions() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0), (ETH, 0.5), (BTC, 0.02)]);
    w.trade(&trader, SOL_PERP, 20.0).unwrap();
    w.trade(&trader, BTC_PERP, -0.03).unwrap();
    w.tick(500);
    w.set_price(SOL, 141.0);
    let margin = w.margin(&trader.margin_account);
    let accounts = health::health_accounts(&w.t.env, &margin, None, None).unwrap();
    assert_eq!(accounts.len(), 3 + 2 + 3 * 2, "three assets, two markets, three feeds with their oracles");
    let result = w.send(&[health::compute_health(&trader.margin_account, accounts)], &trader.keypair.insecure_clone());
    let computed = events::<reflex::events::HealthComputed>(&result).remove(0);
    let summary = w.health(&trader.margin_account);
    assert_eq!(
        (computed.initial, computed.maintenance, computed.liquidation_end),
        (summary.initial.to_bits(), summary.maintenance.to_bits(), summary.liquidation_end.to_bits())
    );
    assert!(summary.initial < summary.maintenance, "positions and haircuts separate the levels");
}
