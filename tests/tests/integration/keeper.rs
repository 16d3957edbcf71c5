//! The SDK's keeper (`reflex_sdk::keeper`) against the SBF binary: it cranks
//! the feeds itself (the test only posts Pyth prints), finds liquidatable
//! accounts from off-chain health, liquidates the most urgent first and
//! settles bankruptcies; a scripted crash over three dozen accounts ends with
//! none left liquidatable, and a second keeper running at the same time
//! cannot liquidate beyond what the program allows.
use anchor_lang::prelude::Pubkey;
use reflex_sdk::health;
use reflex_sdk::keeper::{self, Keeper, KeeperAction, PassReport};
use reflex_tests::world::*;
use reflex_tests::Trader;

fn sdk_keeper(w: &mut World, dollars: f64) -> Keeper {
    let trader = w.keeper(dollars);
    Keeper { keypair: trader.keypair.insecure_clone(), account: trader.margin_account }
}

/// Posts prints without cranking: cranking is the keeper's job.
fn post(w: &mut World, prices: [f64; 3]) {
    for (underlying, price) in prices.into_iter().enumerate() {
        w.underlyings[underlying].price = price;
        let print = reflex_sdk::embedded::pyth_print(w.underlyings[underlying].feed_id, price, price * 0.0005, w.time, w.slot);
        let oracle = w.underlyings[underlying].oracle;
        w.t.env.write_price_update(&oracle, &print);
    }
}

fn pass(w: &mut World, keeper: &Keeper) -> PassReport {
    let report = keeper::run_pass(&mut w.t.env, keeper).expect("keeper pass");
    w.t.assert_conservation();
    w.assert_parameters_in_bounds();
    report
}

fn liquidatable_accounts(w: &World) -> Vec<Pubkey> {
    keeper::survey(&w.t.env)
        .expect("survey")
        .into_iter()
        .filter(|(_, margin, summary)| health::is_liquidatable(margin, summary) || margin.is_bankrupt())
        .map(|(address, _, _)| address)
        .collect()
}

/// 36 traders: every collateral mix, leverage from 2x to 9x, long and short
/// on both markets.
fn crowd(w: &mut World) -> Vec<Trader> {
    let mut traders = Vec::new();
    for i in 0..36usize {
        let collateral = i % 3;
        let whole = [20.0, 0.05, 1.0][collateral]; // about $3,000 of each
        let trader = w.trader(&[(collateral, whole)]);
        let leverage = 2.0 + (i % 8) as f64;
        let market = if i % 2 == 0 { SOL_PERP } else { BTC_PERP };
        let price = w.underlyings[w.markets[market as usize]].price;
        let direction = if i % 5 == 4 { -1.0 } else { 1.0 };
        let size = direction * 3_000.0 * leverage / price;
        w.trade(&trader, market, size).expect("open");
        traders.push(trader);
    }
    traders
}

#[test]
fn a_quiet_market_gives_the_keeper_nothing_to_do() {
    let mut w = World::new(5_000_000.0);
    crowd(&mut w);
    let keeper = sdk_keeper(&mut w, 100_000.0);
    w.advance(2);
    post(&mut w, [150.0, 60_000.0, 3_000.0]);
    let report = pass(&mut w, &keeper);
    assert!(report.cranked >= 5, "markets and collateral cranked: {}", report.cranked);
    assert!(report.crank_failures.is_empty(), "{:?}", report.crank_failures);
    assert_eq!(report.accounts_examined, 36 + 1);
    assert_eq!((report.liquidatable, report.actions.len()), (0, 0));
}

#[test]
fn a_crash_over_three_dozen_accounts_ends_with_none_liquidatable() {
    let mut w = World::new(5_000_000.0);
    crowd(&mut w);
    let keeper = sdk_keeper(&mut w, 1_000_000.0);
    let (mut sol, mut btc, eth) = (150.0, 60_000.0, 3_000.0);
    let mut actions = Vec::new();
    for _ in 0..14 {
        w.advance(5);
        sol *= 0.965;
        btc *= 0.975;
        post(&mut w, [sol, btc, eth]);
        let report = pass(&mut w, &keeper);
        assert!(report.skipped.is_empty(), "the keeper skipped accounts: {:?}", report.skipped);
        actions.extend(report.actions);
        assert!(liquidatable_accounts(&w).is_empty(), "left liquidatable after a pass: {:?}", liquidatable_accounts(&w));
    }
    let perps = actions.iter().filter(|a| matches!(a, KeeperAction::PerpLiquidated { .. })).count();
    let partial = actions.iter().filter(|a| matches!(a, KeeperAction::PerpLiquidated { base_after, .. } if *base_after != 0)).count();
    assert!(perps >= 10, "a 40% fall liquidates many of the leveraged: {perps}");
    assert!(partial > 0, "some liquidations are partial");
}

#[test]
fn two_keepers_at_once_never_over_liquidate() {
    let mut w = World::new(5_000_000.0);
    crowd(&mut w);
    let first = sdk_keeper(&mut w, 1_000_000.0);
    let second = sdk_keeper(&mut w, 1_000_000.0);
    let (mut sol, mut btc) = (150.0, 60_000.0);
    for _ in 0..8 {
        w.advance(5);
        sol *= 0.96;
        btc *= 0.97;
        post(&mut w, [sol, btc, 3_000.0]);
        let before = liquidatable_accounts(&w).len();
        let a = pass(&mut w, &first);
        // The second keeper, in the same slot, finds the work done.
        let b = pass(&mut w, &second);
        assert!(before == 0 || !a.actions.is_empty());
        assert!(b.actions.is_empty(), "the second keeper liquidated again: {:?}", b.actions);
        assert!(b.skipped.is_empty(), "{:?}", b.skipped);
        assert!(liquidatable_accounts(&w).is_empty());
    }
    // The second keeper's account never changed: it did nothing.
    let second_account = w.margin(&second.account);
    assert_eq!(second_account.quote(), reflex_risk::Fixed::from_num(1_000_000_000_000u64));
    assert!(second_account.collateral_in_use().next().is_none());
}

#[test]
fn a_keeper_without_quote_cannot_take_collateral_and_says_so() {
    let mut w = World::new(5_000_000.0);
    // Debt backed by wSOL only: BTC long closed at a loss.
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, BTC_PERP, 0.25).unwrap();
    w.advance(5);
    w.set_price(BTC, 56_000.0);
    w.trade(&trader, BTC_PERP, -0.25).unwrap();
    let broke = sdk_keeper(&mut w, 0.0);
    let mut sol = 150.0;
    while w.health(&trader.margin_account).maintenance >= 0 {
        w.advance(5);
        sol *= 0.95;
        post(&mut w, [sol, 56_000.0, 3_000.0]);
        keeper::crank(&mut w.t.env, &broke.keypair).expect("crank");
    }
    let report = pass(&mut w, &broke);
    assert_eq!(report.liquidatable, 1);
    assert!(report.actions.is_empty());
    assert_eq!(report.skipped.len(), 1);
    assert!(report.skipped[0].1.contains("deposit_quote"), "{}", report.skipped[0].1);
    // Funded, it liquidates.
    let funded = sdk_keeper(&mut w, 100_000.0);
    let report = pass(&mut w, &funded);
    assert!(matches!(report.actions[..], [KeeperAction::CollateralLiquidated { .. }, ..]), "{:?}", report.actions);
    assert!(liquidatable_accounts(&w).is_empty());
}
