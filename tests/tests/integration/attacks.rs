//! The attacks of the solvency review, replayed on the SBF binary: each was
//! a sequence that gained an attacker value (or left an account nobody
//! could liquidate) on the program before prices were taken per slot. Each
//! test runs the sequence and checks it is now refused or gains nothing.
use anchor_lang::prelude::Pubkey;
use reflex::events::{PerpFilled, PerpLiquidated};
use reflex::oracle::PriceGrade;
use reflex_risk::Fixed;
use reflex_sdk::{instructions as ix, presets};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_signer::Signer;

fn refresh_sol(w: &World) -> anchor_lang::solana_program::instruction::Instruction {
    ix::refresh_feed(&w.underlyings[SOL].feed_id, &w.underlyings[SOL].oracle)
}

/// Attack 1, one transaction: open at the stored print, take in the newer
/// print already sitting in the oracle account, close. The open now reads
/// the oracle itself: a 12% move is beyond the feed's 10% guard, so the
/// risk-increasing open is refused outright.
#[test]
fn a_newer_print_beyond_the_move_guard_refuses_the_open_that_would_front_run_it() {
    let mut w = World::new(1_000_000.0);
    let attacker = w.trader(&[(SOL, 200.0)]);
    w.advance(1);
    w.post_print(SOL, 168.0, 0.08);
    let size = w.base_units(SOL_PERP, 100.0);
    let signer = attacker.keypair.insecure_clone();
    let open = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, size, (200.0 * USD) as u64);
    let close = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, -size, 0);
    let result = w.send(&[open, refresh_sol(&w), close], &signer);
    assert_error(&result, ReflexError::PriceNotValidForAction);
    assert_eq!(w.position(&attacker.margin_account, SOL_PERP), 0);
}

/// Attack 1 with a fully valid +3% print: open, refresh, close in one
/// transaction now fill both legs at the same (new) price, so the attacker
/// pays the spread and fees twice and the pool gains them.
#[test]
fn open_refresh_close_in_one_transaction_fills_both_legs_at_one_price() {
    let mut w = World::new(1_000_000.0);
    let attacker = w.trader(&[(SOL, 200.0)]);
    let pool_before = pool_realized(&w);
    w.advance(1);
    w.post_print(SOL, 154.5, 0.07);
    let size = w.base_units(SOL_PERP, 100.0);
    let signer = attacker.keypair.insecure_clone();
    let open = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, size, (170.0 * USD) as u64);
    let close = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, -size, 0);
    let result = w.send(&[open, refresh_sol(&w), close], &signer);
    let fills = events::<PerpFilled>(&result);
    assert_eq!(fills.len(), 2);
    assert_eq!(fills[0].oracle_price, fills[1].oracle_price, "both legs at the slot's one print");
    let print = Fixed::from_bits(fills[0].oracle_price).to_num::<f64>() * 1e9 / USD;
    assert!((print - 154.5).abs() < 1e-6, "the open already used the newest print: {print}");
    let quote_after = w.margin(&attacker.margin_account).quote();
    assert!(quote_after < 0, "the round trip cost the attacker: {}", dollars(quote_after));
    assert!(pool_realized(&w) > pool_before, "and the pool gained what it cost");
}

/// Attack 1 across two transactions of one slot: the first reads the
/// oracle (nothing newer yet), a newer print is posted in the same slot,
/// the second refreshes and closes. The feed reads its oracle once per
/// slot, so the close fills at the open's print.
#[test]
fn a_print_posted_later_in_the_slot_waits_for_the_next_slot() {
    let mut w = World::new(1_000_000.0);
    let attacker = w.trader(&[(SOL, 200.0)]);
    w.advance(1);
    let size = w.base_units(SOL_PERP, 100.0);
    let signer = attacker.keypair.insecure_clone();
    let open = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, size, (170.0 * USD) as u64);
    let opened = w.send(&[open], &signer);
    let open_fill = events::<PerpFilled>(&opened).remove(0);
    w.post_print(SOL, 154.5, 0.07);
    let close = w.order_ix(&signer.pubkey(), &attacker.margin_account, SOL_PERP, -size, 0);
    let closed = w.send(&[refresh_sol(&w), close], &signer);
    let close_fill = events::<PerpFilled>(&closed).remove(0);
    assert_eq!(open_fill.oracle_price, close_fill.oracle_price, "the second read in the slot changed nothing");
    assert!(w.margin(&attacker.margin_account).quote() < 0, "no gain from the print posted in between");
    // The next slot takes it in, for everyone alike.
    w.advance(1);
    w.send(&[refresh_sol(&w)], &signer).expect("refresh");
    let price = w.feed(SOL).last_price.get().to_num::<f64>() * 1e9 / USD;
    assert!((price - 154.5).abs() < 1e-6);
}

/// Attack 4: an LP deposits, the pool's value is refreshed to a newer
/// print, the LP withdraws, all in one slot. Entry and exit are now two
/// steps a delay apart, each executed at the share value worse for the LP:
/// inside a slot there is nothing to withdraw, and across the delay the
/// round trip returns no more than it put in.
#[test]
fn an_lp_cannot_sandwich_a_price_update() {
    let mut w = World::new(1_000_000.0);
    // Traders long 2,000 SOL: a lower print is a gain for the pool.
    let whale = w.trader(&[(SOL, 2_000.0)]);
    w.trade(&whale, SOL_PERP, 2_000.0).expect("open");
    let (lp, wallet) = w.new_lp(1_000_000.0);
    let before = w.t.env.token_balance(&wallet);
    w.advance(1);
    w.post_print(SOL, 145.0, 0.07);
    // One transaction: deposit, refresh, withdraw.
    let deposit = w.lp_deposit_ix(&lp.pubkey(), &wallet, before);
    let withdraw = w.lp_withdraw_ix(&lp.pubkey(), &wallet, 1);
    assert_error(&w.send(&[deposit.clone(), refresh_sol(&w), withdraw], &lp), ReflexError::LpRequestPending);
    // One slot, two transactions: the deposit is only a request; no shares to redeem.
    w.send(&[deposit], &lp).expect("deposit request");
    assert_eq!(w.lp_shares(&lp.pubkey()), 0);
    let withdraw = w.lp_withdraw_ix(&lp.pubkey(), &wallet, 1);
    assert_error(&w.send(&[refresh_sol(&w), withdraw], &lp), ReflexError::LpRequestPending);
    // Through the delays: in, then straight out again.
    w.tick(w.t.exchange().lp_delay_slots);
    w.send(&[w.execute_lp_ix(&lp.pubkey(), &wallet)], &lp).expect("deposit executes");
    let shares = w.lp_shares(&lp.pubkey());
    let withdraw = w.lp_withdraw_ix(&lp.pubkey(), &wallet, shares);
    w.request_and_execute(withdraw, &lp, &wallet).expect("withdrawal executes");
    let after = w.t.env.token_balance(&wallet);
    assert!(after <= before, "in {before}, out {after}");
}

/// Attack 3: after a gap leaves a trader insolvent, two LPs with equal
/// shares leave one after the other, the first asking at once, before any
/// loss is booked. Whether keepers liquidate and settle during its delay or
/// nobody acts, the first is paid at the lower of the exit values at its
/// request and at execution, and the exit value counts none of the trader's
/// uncollected loss as the pool's: leaving first cannot take more per share
/// than staying until the loss is settled.
#[test]
fn leaving_first_after_a_gap_takes_no_more_than_staying() {
    for keepers_act in [true, false] {
        let mut w = World::new(500_000.0);
        let (second, second_wallet) = w.new_lp(500_000.0);
        let deposit = w.lp_deposit_ix(&second.pubkey(), &second_wallet, (500_000.0 * USD) as u64);
        w.request_and_execute(deposit, &second, &second_wallet).expect("the second LP joins");
        // Equal but for the 1,000 shares the pool's first deposit locked for good.
        assert_eq!(w.lp_shares(&second.pubkey()), w.lp_shares(&w.lp.pubkey()) + 1_000, "equal shares");
        let trader = w.trader(&[(SOL, 100.0)]);
        w.trade(&trader, SOL_PERP, 600.0).expect("a levered long");
        // The gap: 30% in one print.
        w.advance(1);
        w.set_price(SOL, 105.0);
        let snapshot = reflex_sdk::health::snapshot(&w.t.env, &w.margin(&trader.margin_account)).unwrap();
        assert!(snapshot.equity().unwrap() < 0, "the trader cannot repay its loss");

        // The first LP asks to leave at once.
        let (first, first_wallet) = (w.lp.insecure_clone(), w.lp_wallet);
        let first_shares = w.lp_shares(&first.pubkey());
        let first_before = w.t.env.token_balance(&first_wallet);
        w.send(&[w.lp_withdraw_ix(&first.pubkey(), &first_wallet, first_shares)], &first).expect("request");
        // During the delay the deficit is found.
        if keepers_act {
            let keeper = w.keeper(100_000.0);
            w.keep(&keeper, &[trader.margin_account]);
        }
        w.tick(w.t.exchange().lp_delay_slots);
        w.send(&[w.execute_lp_ix(&first.pubkey(), &first_wallet)], &first).expect("the first leaves");
        let first_paid = w.t.env.token_balance(&first_wallet) - first_before;

        if !keepers_act {
            // The cash the trader owes comes in only when keepers seize its
            // collateral; they do now, after the first LP has left.
            let keeper = w.keeper(100_000.0);
            w.keep(&keeper, &[trader.margin_account]);
        }
        let second_before = w.t.env.token_balance(&second_wallet);
        let withdraw = w.lp_withdraw_ix(&second.pubkey(), &second_wallet, first_shares + 1_000);
        w.request_and_execute(withdraw, &second, &second_wallet).expect("the second leaves");
        let second_paid = w.t.env.token_balance(&second_wallet) - second_before;
        // Per share: the second LP holds 1,000 more (a thousandth of a cent's worth).
        let second_paid = (second_paid as f64 * first_shares as f64 / (first_shares + 1_000) as f64) as u64;
        let (first, second) = (first_paid as f64 / USD, second_paid as f64 / USD);
        assert!(
            first <= second + 1.0,
            "keepers act {keepers_act}: the first to leave took more than the one who stayed: first {first}, second {second}"
        );
    }
}

/// Attack 5: after a partial liquidation the owner restores health; the
/// flag of a liquidation in progress must not let keepers go on.
#[test]
fn an_owner_who_restores_health_ends_the_liquidation() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 70.0).expect("open");
    let keeper = w.keeper(0.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL);
    let least = w.least_to_close(&trader.margin_account, SOL_PERP).expect("liquidatable");
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, least / 10).expect("a tenth");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1);
    // A third party's payment does not end it (nobody but the owner can cut it short).
    let stranger = w.keeper(0.0);
    let quote_mint = w.t.quote_mint;
    let wallet = w.t.token_account_with(&stranger.keypair.pubkey(), &quote_mint, &SPL_TOKEN, 1);
    let pay = ix::deposit_quote(&stranger.keypair.pubkey(), &trader.margin_account, &quote_mint, &SPL_TOKEN, &wallet, 1);
    w.send(&[pay], &stranger.keypair.insecure_clone()).expect("anyone may pay into an account");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1);
    // The owner tops up to maintenance + $1 (liquidation-end health still below zero).
    let health = w.health(&trader.margin_account);
    let top_up = (-health.maintenance.to_num::<f64>()).max(0.0) + USD;
    w.deposit_quote(&trader, top_up as u64).expect("top up");
    let health = w.health(&trader.margin_account);
    assert!(health.maintenance >= 0 && health.liquidation_end < 0, "the case of the attack");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 0, "the deposit ended the liquidation");
    let size = w.position(&trader.margin_account, SOL_PERP);
    assert_error(&w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX), ReflexError::AccountHealthy);
    assert_eq!(w.position(&trader.margin_account, SOL_PERP), size);
}

/// After a partial liquidation, an owner's own reduction that brings
/// liquidation-end health back to ≥ 0 clears the flag too.
#[test]
fn a_reduction_that_restores_liquidation_end_health_clears_the_flag() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 70.0).expect("open");
    let keeper = w.keeper(0.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL);
    let least = w.least_to_close(&trader.margin_account, SOL_PERP).expect("liquidatable");
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, least / 10).expect("a tenth");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1);
    let size = w.position(&trader.margin_account, SOL_PERP);
    w.order(&trader, SOL_PERP, -size * 9 / 10, 0).expect("the owner closes most of the position");
    assert!(w.health(&trader.margin_account).liquidation_end >= 0);
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 0);
}

/// Attack 5 again, from the other side: where the initial margin sits
/// below maintenance plus the buffer (6% against 5% + 5% here, static), an
/// account the keepers have started on can come back to initial health
/// ≥ 0 while liquidation-end health is still negative. Its owner may not
/// then add risk (grow the position, withdraw quote) that keepers would go
/// on liquidating at a penalty; a deposit ends the liquidation and the
/// withdrawal goes through.
#[test]
fn an_account_under_liquidation_cannot_add_risk_until_it_is_out() {
    let mut w = World::new(1_000_000.0);
    let admin = w.admin();
    let mut risk = presets::market_risk();
    for level in [&mut risk.margin.initial, &mut risk.margin.maintenance] {
        level.sensitivity = 0;
    }
    risk.margin.initial.base = 60_000;
    risk.margin.initial.lower = 60_000;
    risk.liquidation_buffer = 50_000;
    let feed_id = w.underlyings[SOL].feed_id;
    w.send(&[ix::set_market_risk(&admin.pubkey(), SOL_PERP, &feed_id, risk)], &admin).expect("static margins, a wide buffer");
    let trader = w.keeper(10_000.0);
    w.trade(&trader, SOL_PERP, 860.0).expect("open about 13x");
    let keeper = w.keeper(0.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL);
    let least = w.least_to_close(&trader.margin_account, SOL_PERP).expect("liquidatable");
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, least / 10).expect("a tenth");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1);
    w.set_price(SOL, 150.0);
    let health = w.health(&trader.margin_account);
    assert!(health.initial >= 0 && health.liquidation_end < 0, "the case of the attack: {health:?}");

    let quote_mint = w.t.quote_mint;
    let owner = trader.keypair.insecure_clone();
    let wallet = w.t.token_account_with(&owner.pubkey(), &quote_mint, &SPL_TOKEN, 0);
    let withdraw = |w: &World| {
        let accounts = reflex_sdk::health::health_accounts(&w.t.env, &w.margin(&trader.margin_account), None, None).expect("accounts");
        ix::withdraw_quote(&owner.pubkey(), &trader.margin_account, &quote_mint, &SPL_TOKEN, &wallet, USD as u64, accounts)
    };
    assert_error(&w.send(&[withdraw(&w)], &owner), ReflexError::BeingLiquidated);
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::BeingLiquidated);
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1, "still under liquidation");
    // The owner's deposit ends it (attack 5); the withdrawal then only
    // needs initial health.
    w.deposit_quote(&trader, USD as u64).expect("deposit");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 0);
    w.send(&[withdraw(&w)], &owner).expect("withdraw once out of liquidation");
}

/// Attack 2: one native unit of a collateral whose feed has gone stale (or
/// of a listed mint without risk settings) must not make an account
/// unliquidatable: unpriced collateral counts zero.
#[test]
fn dust_of_an_unpriced_collateral_does_not_block_liquidation() {
    for unconfigured in [false, true] {
        let mut w = World::new(1_000_000.0);
        let trader = w.trader(&[(SOL, 10.0)]);
        let (mint, token_program) = if unconfigured {
            (w.t.listed_mint(6, &SPL_TOKEN), SPL_TOKEN)
        } else {
            (w.collaterals[BTC].mint, w.collaterals[BTC].token_program)
        };
        let wallet = w.t.token_account_with(&trader.keypair.pubkey(), &mint, &token_program, 1);
        w.t.deposit(&trader, &mint, &token_program, &wallet, 1).expect("one native unit of dust");
        w.trade(&trader, SOL_PERP, 70.0).expect("open");
        // Only SOL is posted from here on: BTC's last print ages past every grade.
        for _ in 0..40 {
            w.advance(20);
            let price = w.underlyings[SOL].price;
            w.set_price(SOL, price);
        }
        assert_eq!(w.feed(BTC).grade_at(w.time), None, "BTC's print is unusable");
        let keeper = w.keeper(0.0);
        for _ in 0..100 {
            if w.health(&trader.margin_account).maintenance < 0 {
                break;
            }
            w.advance(20);
            let price = w.underlyings[SOL].price * 0.98;
            w.set_price(SOL, price);
        }
        let result = w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX);
        assert!(result.is_ok(), "unconfigured {unconfigured}: the dust blocked the liquidation: {:?}", result.err().map(|e| e.err));
    }
}

/// A liquidation of an account whose equity is gone charges no penalty: it
/// could only be paid out of the loss the insurance fund and the pool absorb.
#[test]
fn an_insolvent_account_pays_no_liquidation_penalty() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 70.0).expect("open");
    let keeper = w.keeper(0.0);
    // A 30% gap in one print (usable for liquidations only).
    w.advance(1);
    w.set_price(SOL, 105.0);
    assert_eq!(w.feed(SOL).grade_at(w.time), Some(PriceGrade::LiquidationOnly));
    let snapshot = reflex_sdk::health::snapshot(&w.t.env, &w.margin(&trader.margin_account)).unwrap();
    assert!(snapshot.equity().unwrap() < 0, "the gap made the account insolvent");
    let insurance_before = w.t.exchange().insurance_fund.get();
    let result = w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX).expect("liquidate");
    let event = events::<PerpLiquidated>(&Ok(result)).remove(0);
    assert_eq!(event.penalty, 0, "no penalty out of the socialised loss");
    assert_eq!(w.t.exchange().insurance_fund.get(), insurance_before);
    assert_eq!(w.margin(&keeper.margin_account).quote(), 0);
}

/// A maintenance level left uncranked while the feed took a print every
/// slot of a spike banks no slew credit: the market's first advance after
/// it moves maintenance by one slot's rate, not by the idle slots'.
#[test]
fn an_idle_market_banks_no_slew_credit() {
    let mut w = World::new(1_000_000.0);
    let before = w.market(SOL_PERP).margin_state();
    let admin = w.admin();
    let mut price = 150.0;
    for _ in 0..20 {
        w.advance(1);
        price *= 0.97;
        w.post_print(SOL, price, price * 0.0005);
        w.send(&[refresh_sol(&w)], &admin).expect("only the feed is cranked");
    }
    assert_eq!(w.market(SOL_PERP).margin_state(), before, "the market sat idle");
    let feed = w.underlyings[SOL].feed_id;
    w.send(&[ix::refresh_market(SOL_PERP, &feed, &w.underlyings[SOL].oracle)], &admin).expect("refresh_market");
    let after = w.market(SOL_PERP).margin_state();
    let rate = w.market(SOL_PERP).risk.margin.to_config().tighten_per_slot;
    assert!(after.initial > before.initial, "initial tightened at once");
    assert!(after.maintenance <= before.maintenance + rate, "one slot's slew, not twenty: {} -> {}", before.maintenance, after.maintenance);
    // From here, cranked every slot: one slot's rate a slot.
    let mut previous = after.maintenance;
    for _ in 0..5 {
        w.advance(1);
        w.post_print(SOL, price, price * 0.0005);
        w.send(&[ix::refresh_market(SOL_PERP, &feed, &w.underlyings[SOL].oracle)], &admin).expect("crank");
        let now = w.market(SOL_PERP).margin_state().maintenance;
        assert!(now <= previous + rate && now > previous, "{previous} -> {now}");
        previous = now;
    }
}

/// A feed pairs with a collateral only if it prices the mint's own units.
#[test]
fn a_feed_with_other_decimals_cannot_price_a_collateral() {
    let mut w = World::new(0.0);
    let admin = w.admin();
    // wBTC has 8 decimals; the SOL feed converts for 9.
    let set = ix::set_collateral_risk(&admin.pubkey(), &w.collaterals[BTC].mint, &w.underlyings[SOL].feed_id, presets::collateral_risk());
    assert_error(&w.send(&[set], &admin), ReflexError::FeedDecimalsMismatch);
}

/// What a guardian pause stops (taking value out, adding risk) and what it
/// must never stop (adding collateral, reducing, liquidating, cranking).
#[test]
fn a_pause_stops_withdrawals_and_new_risk_but_never_deposits_reductions_or_liquidations() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 60.0).expect("open");
    let keeper = w.keeper(0.0);
    let admin = w.admin();
    w.send(&[ix::pause(&admin.pubkey())], &admin).expect("pause");

    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::PausedReduceOnly);
    w.trade(&trader, SOL_PERP, -1.0).expect("reducing goes on");
    let (mint, token_program) = (w.collaterals[SOL].mint, w.collaterals[SOL].token_program);
    let wallet = w.t.token_account_with(&trader.keypair.pubkey(), &mint, &token_program, 1_000_000);
    w.t.deposit(&trader, &mint, &token_program, &wallet, 1_000_000).expect("deposits go on");
    w.deposit_quote(&trader, 1_000_000).expect("quote deposits go on");
    assert_error(&w.t.withdraw(&trader, &mint, &token_program, &wallet, 1), ReflexError::ExchangePaused);
    assert_error(&w.lp_withdraw(1), ReflexError::ExchangePaused);
    assert_error(&w.lp_deposit(1), ReflexError::ExchangePaused);

    fall_until_liquidatable(&mut w, &trader.margin_account, SOL);
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX).expect("liquidations go on while paused");
}

/// Lowers SOL 2% every 20 slots (other prices re-posted) until `account`
/// is liquidatable.
fn fall_until_liquidatable(w: &mut World, account: &Pubkey, underlying: usize) {
    for _ in 0..200 {
        if w.health(account).maintenance < 0 {
            return;
        }
        w.advance(20);
        for other in 0..w.underlyings.len() {
            let price = w.underlyings[other].price * if other == underlying { 0.98 } else { 1.0 };
            w.set_price(other, price);
        }
    }
    panic!("the account never became liquidatable");
}

/// Quote the pool has realised across its markets.
fn pool_realized(w: &World) -> Fixed {
    (0..2).map(|index| w.market(index).pool_realized.get()).sum()
}
