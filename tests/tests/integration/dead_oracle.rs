//! A dead oracle freezes nothing for good (issue 12, item 2): governance
//! posts a documented fallback price for a feed with no usable print, at
//! which the underwater account is liquidated and LPs act, while nobody can
//! add risk at it; the oracle's next print takes over; governance can also
//! point the feed at another source of the same feed id. Each step on the
//! SBF binary, with the refusals named.
use reflex::error::ReflexError;
use reflex::events::{FallbackPriceSet, FeedOracleSet};
use reflex::oracle::OracleKind;
use reflex::oracle::PriceGrade;
use reflex_sdk::embedded::pyth_print;
use reflex_sdk::instructions as ix;
use reflex_tests::world::*;
use reflex_tests::{assert_error, events};
use solana_signer::Signer;

/// Prices of BTC and ETH stay fresh; SOL's oracle posts nothing more.
fn sol_goes_silent(w: &mut World, seconds: f64) {
    let slots = (seconds / 0.4) as u64;
    for _ in 0..slots / 50 {
        w.advance(50);
        for underlying in [BTC, ETH] {
            let price = w.underlyings[underlying].price;
            w.set_price(underlying, price);
        }
    }
}

fn fallback(w: &World, price: f64) -> anchor_lang::solana_program::instruction::Instruction {
    let admin = w.admin();
    let sol = &w.underlyings[SOL];
    ix::set_fallback_price(&admin.pubkey(), &sol.feed_id, &sol.oracle, (price * 1e8) as i64, (price * 0.001 * 1e8) as u64, -8)
}

#[test]
fn a_fallback_price_unfreezes_a_dead_feed_and_the_oracle_takes_back_over() {
    let mut w = World::new(1_000_000.0);
    let admin = w.admin();
    let trader = w.trader(&[(BTC, 0.1)]); // $6,000
    w.trade(&trader, SOL_PERP, 200.0).expect("a 5x long"); // $30,000 of SOL
    let keeper = w.keeper(50_000.0);

    // While the oracle lives, governance cannot override it; nor can anyone else.
    assert_error(&w.send(&[fallback(&w, 120.0)], &admin), ReflexError::FeedNotDead);
    let stranger = w.t.env.funded_keypair(1);
    let forged =
        ix::set_fallback_price(&stranger.pubkey(), &w.underlyings[SOL].feed_id, &w.underlyings[SOL].oracle, 120_0000_0000, 1_0000_0000, -8);
    assert_error(&w.send(&[forged], &stranger), ReflexError::NotAdmin);

    // SOL's oracle stops for longer than a liquidation may use a print.
    sol_goes_silent(&mut w, 320.0);
    assert_eq!(w.feed(SOL).grade_at(w.time), None);
    let frozen = w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX);
    assert!(frozen.is_err(), "nothing can price the position yet");

    // Governance's price: SOL at $120, graded for liquidations only, in
    // force from the next slot (this slot keeps pricing as it did).
    let posted = w.send(&[fallback(&w, 120.0)], &admin).expect("fallback price");
    let event = &events::<FallbackPriceSet>(&Ok(posted))[0];
    assert!(event.usable_until > w.time);
    w.crank(SOL);
    assert_eq!(w.feed(SOL).grade_at(w.time), None, "not within the slot it was posted in");
    w.advance(1);
    w.crank(SOL);
    assert_eq!(w.feed(SOL).grade_at(w.time), Some(PriceGrade::LiquidationOnly));
    // Governance may post again while its price stands; too wide a
    // confidence is refused.
    w.send(&[fallback(&w, 120.0)], &admin).expect("posted again");
    let wide =
        ix::set_fallback_price(&admin.pubkey(), &w.underlyings[SOL].feed_id, &w.underlyings[SOL].oracle, 120_0000_0000, 12_0000_0000, -8);
    assert_error(&w.send(&[wide], &admin), ReflexError::ConfidenceTooWide);

    // Nobody adds risk at it; the underwater account is liquidated at it.
    let other = w.trader(&[(BTC, 0.1)]);
    w.underlyings[SOL].price = 120.0;
    assert_error(&w.trade(&other, SOL_PERP, 10.0), ReflexError::PriceNotValidForAction);
    assert!(w.health(&trader.margin_account).maintenance < 0);
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX).expect("liquidated at the fallback price");
    // An LP enters at it: the market with open interest is valued.
    let (lp, wallet) = w.new_lp(10_000.0);
    let deposit = w.lp_deposit_ix(&lp.pubkey(), &wallet, 10_000_000_000);
    w.request_and_execute(deposit, &lp, &wallet).expect("LP deposit at the fallback price");

    // The oracle comes back: its newer print takes over, fully valid.
    w.advance(1);
    w.set_price(SOL, 121.0);
    assert_eq!(w.feed(SOL).grade_at(w.time), Some(PriceGrade::Valid));
    assert_eq!(w.feed(SOL).last_publish_time, w.time);
    w.trade(&other, SOL_PERP, 10.0).expect("risk may be added again");
}

#[test]
fn governance_points_a_feed_at_another_source_of_the_same_feed_id() {
    let mut w = World::new(1_000_000.0);
    let admin = w.admin();
    let feed_id = w.underlyings[SOL].feed_id;
    let second = w.t.env.new_keypair().pubkey();
    w.advance(1);
    w.t.env.write_price_update(&second, &pyth_print(feed_id, 151.0, 0.05, w.time, w.slot));

    let stranger = w.t.env.funded_keypair(1);
    assert_error(
        &w.send(&[ix::set_feed_oracle(&stranger.pubkey(), &feed_id, &second, OracleKind::PythPull)], &stranger),
        ReflexError::NotAdmin,
    );
    // An account carrying another feed id is refused.
    let btc_source = w.t.env.new_keypair().pubkey();
    w.t.env.write_price_update(&btc_source, &pyth_print(w.underlyings[BTC].feed_id, 60_000.0, 1.0, w.time, w.slot));
    assert!(w.send(&[ix::set_feed_oracle(&admin.pubkey(), &feed_id, &btc_source, OracleKind::PythPull)], &admin).is_err());

    let switched = w.send(&[ix::set_feed_oracle(&admin.pubkey(), &feed_id, &second, OracleKind::PythPull)], &admin).expect("switch");
    let event = &events::<FeedOracleSet>(&Ok(switched))[0];
    assert_eq!((event.old_oracle, event.new_oracle), (w.underlyings[SOL].oracle, second));
    w.underlyings[SOL].oracle = second;
    // Switching again to the same account is refused; the new source is read from the next slot.
    assert_error(
        &w.send(&[ix::set_feed_oracle(&admin.pubkey(), &feed_id, &second, OracleKind::PythPull)], &admin),
        ReflexError::WrongOracleAccount,
    );
    w.t.send(&[ix::refresh_feed(&feed_id, &second)], &admin, &[]).expect("read later");
    let price: f64 = w.feed(SOL).last_price.get().to_num::<f64>() * 1e9 / 1e6;
    assert!((price - 150.0).abs() < 1e-6, "the slot of the switch keeps its price: {price}");
    w.advance(1);
    w.t.env.write_price_update(&second, &pyth_print(feed_id, 151.0, 0.05, w.time, w.slot));
    w.t.send(&[ix::refresh_feed(&feed_id, &second)], &admin, &[]).expect("the feed reads its new source");
    let price: f64 = w.feed(SOL).last_price.get().to_num::<f64>() * 1e9 / 1e6;
    assert!((price - 151.0).abs() < 1e-6, "{price}");
    // The old oracle account is no longer accepted.
    let old = ix::refresh_feed(&feed_id, &w.t.env.new_keypair().pubkey());
    assert_error(&w.send(&[old], &admin), ReflexError::WrongOracleAccount);
}
