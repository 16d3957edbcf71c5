//! Liquidation and bankruptcy on the SBF binary: who may be liquidated, how
//! much (the least that restores liquidation-end health, never more), the
//! penalty split, collateral taken at a discount for debt, and bankruptcy
//! covered by insurance and then the pool. The world's helpers check after
//! every liquidation that health never fell and that the size was the risk
//! crate's least sufficient one.
use reflex::events::{BankruptcySettled, CollateralLiquidated, PerpLiquidated};
use reflex_risk::Fixed;
use reflex_sdk::{health, instructions as ix};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_signer::Signer;

/// Lowers `underlying`'s price by `step` (a fraction) every 20 slots, the
/// other prices re-posted unchanged, until `account` is liquidatable
/// (maintenance health < 0). Returns the price.
fn fall_until_liquidatable(w: &mut World, account: &anchor_lang::prelude::Pubkey, underlying: usize, step: f64) -> f64 {
    for _ in 0..200 {
        if w.health(account).maintenance < 0 {
            return w.underlyings[underlying].price;
        }
        w.advance(20);
        for other in 0..w.underlyings.len() {
            let price = w.underlyings[other].price * if other == underlying { 1.0 - step } else { 1.0 };
            w.set_price(other, price);
        }
    }
    panic!("the account never became liquidatable");
}

/// A trader long 70 SOL-PERP on 10 wSOL of collateral.
fn leveraged_long(w: &mut World) -> Trader {
    let trader = w.trader(&[(SOL, 10.0)]);
    w.trade(&trader, SOL_PERP, 70.0).expect("open");
    trader
}

#[test]
fn a_healthy_account_cannot_be_liquidated() {
    let mut w = World::new(1_000_000.0);
    let trader = leveraged_long(&mut w);
    let keeper = w.keeper(10_000.0);
    assert_error(&w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX), ReflexError::AccountHealthy);
    assert_error(&w.liquidate_collateral(&keeper, &trader.margin_account, SOL, u64::MAX), ReflexError::AccountHealthy);
    assert_error(&w.settle_bankruptcy(&trader.margin_account), ReflexError::NotBankrupt);
}

#[test]
fn a_perp_liquidation_closes_the_least_that_restores_health() {
    let mut w = World::new(1_000_000.0);
    let trader = leveraged_long(&mut w);
    let keeper = w.keeper(0.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL, 0.02);
    let size_before = w.position(&trader.margin_account, SOL_PERP);
    let insurance_before = w.t.exchange().insurance_fund.get();

    let result = w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX).expect("liquidate");
    let event = events::<PerpLiquidated>(&Ok(result)).remove(0);
    assert!(event.base_after > 0 && event.base_after < size_before, "partial: {} of {size_before}", event.base_closed);
    let after = w.health(&trader.margin_account);
    assert!(after.liquidation_end >= 0 && after.maintenance >= 0);
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 0, "restored: no longer being liquidated");

    // The penalty split: half to the keeper's account, half to insurance.
    let (penalty, keeper_share) = (Fixed::from_bits(event.penalty), Fixed::from_bits(event.keeper_share));
    assert!(penalty > 0);
    assert_eq!(keeper_share + Fixed::from_bits(event.insurance_share), penalty);
    assert_eq!(w.margin(&keeper.margin_account).quote(), keeper_share);
    assert_eq!(w.t.exchange().insurance_fund.get() - insurance_before, Fixed::from_bits(event.insurance_share));

    // Liquidating further is taking more than needed.
    assert_error(&w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, u64::MAX), ReflexError::AccountHealthy);
}

#[test]
fn a_capped_liquidation_continues_until_liquidation_end_health_is_restored() {
    let mut w = World::new(1_000_000.0);
    let trader = leveraged_long(&mut w);
    let keeper = w.keeper(0.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL, 0.02);
    let least = w.least_to_close(&trader.margin_account, SOL_PERP).expect("something to close");
    w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, least / 10).expect("a tenth");
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 1, "still below liquidation-end health");
    // Each further step takes the least still needed, until restored.
    for _ in 0..20 {
        if !w.margin(&trader.margin_account).is_being_liquidated() {
            break;
        }
        w.liquidate_perp(&keeper, &trader.margin_account, SOL_PERP, least / 4).expect("continue");
    }
    assert_eq!(w.margin(&trader.margin_account).being_liquidated, 0);
    assert!(w.health(&trader.margin_account).liquidation_end >= 0);
}

#[test]
fn liquidations_must_name_the_registered_market_and_feed_and_not_the_keeper_itself() {
    let mut w = World::new(1_000_000.0);
    let trader = leveraged_long(&mut w);
    let keeper = w.keeper(10_000.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL, 0.02);
    let margin = w.margin(&trader.margin_account);
    let accounts = health::health_accounts(&w.t.env, &margin, Some(SOL_PERP), None).unwrap();
    let signer = keeper.keypair.insecure_clone();

    let (btc_feed, btc_oracle) = (w.underlyings[BTC].feed(), w.underlyings[BTC].oracle);
    let (sol_feed, sol_oracle) = (w.underlyings[SOL].feed(), w.underlyings[SOL].oracle);
    let wrong_feed = ix::liquidate_perp(
        &signer.pubkey(),
        &keeper.margin_account,
        &trader.margin_account,
        SOL_PERP,
        &btc_feed,
        &btc_oracle,
        u64::MAX,
        accounts.clone(),
    );
    assert_error(&w.send(&[wrong_feed], &signer), ReflexError::WrongFeed);
    // The right feed with another feed's oracle account: the caller cannot choose the print.
    let wrong_oracle = ix::liquidate_perp(
        &signer.pubkey(),
        &keeper.margin_account,
        &trader.margin_account,
        SOL_PERP,
        &sol_feed,
        &btc_oracle,
        u64::MAX,
        accounts.clone(),
    );
    assert_error(&w.send(&[wrong_oracle], &signer), ReflexError::WrongOracleAccount);
    let own = ix::liquidate_perp(
        &signer.pubkey(),
        &keeper.margin_account,
        &keeper.margin_account,
        SOL_PERP,
        &sol_feed,
        &sol_oracle,
        u64::MAX,
        vec![],
    );
    assert_error(&w.send(&[own], &signer), ReflexError::SelfLiquidation);
    // The keeper account must be the signer's own.
    let other = w.keeper(0.0);
    let borrowed = ix::liquidate_perp(
        &signer.pubkey(),
        &other.margin_account,
        &trader.margin_account,
        SOL_PERP,
        &sol_feed,
        &sol_oracle,
        u64::MAX,
        accounts,
    );
    assert_error(&w.send(&[borrowed], &signer), ReflexError::NotAccountOwner);
    // A position the account does not hold.
    assert_error(&w.liquidate_perp(&keeper, &trader.margin_account, BTC_PERP, u64::MAX), ReflexError::NothingToLiquidate);
    // Collateral with BTC's feed.
    let mint = w.collaterals[SOL].mint;
    let asset_index = w.asset(SOL).asset_index;
    let accounts = health::health_accounts(&w.t.env, &margin, None, Some(asset_index)).unwrap();
    let wrong = ix::liquidate_collateral(
        &signer.pubkey(),
        &keeper.margin_account,
        &trader.margin_account,
        &mint,
        &btc_feed,
        &btc_oracle,
        u64::MAX,
        accounts,
    );
    assert_error(&w.send(&[wrong], &signer), ReflexError::WrongFeed);
}

/// A trader whose position closed at a loss: quote debt backed by wSOL and stETH.
fn indebted(w: &mut World) -> Trader {
    let trader = w.trader(&[(SOL, 20.0), (ETH, 0.2)]);
    w.trade(&trader, BTC_PERP, 0.5).expect("open BTC long");
    w.advance(20);
    w.set_price(BTC, 57_000.0);
    w.trade(&trader, BTC_PERP, -0.5).expect("close at a loss");
    assert!(w.margin(&trader.margin_account).quote() < -1_500 * 1_000_000);
    trader
}

#[test]
fn collateral_liquidation_repays_debt_at_a_bounded_discount() {
    let mut w = World::new(1_000_000.0);
    let trader = indebted(&mut w);
    let keeper = w.keeper(50_000.0);
    fall_until_liquidatable(&mut w, &trader.margin_account, SOL, 0.03);
    let debt_before = -w.margin(&trader.margin_account).quote();
    let sol_before = w.margin(&trader.margin_account).collateral_balance(w.asset(SOL).asset_index);

    // A keeper with no quote cannot pay for the collateral.
    let broke = w.keeper(0.0);
    assert_error(&w.liquidate_collateral(&broke, &trader.margin_account, SOL, u64::MAX), ReflexError::LiquidatorCannotPay);

    let result = w.liquidate_collateral(&keeper, &trader.margin_account, SOL, u64::MAX).expect("liquidate collateral");
    let event = events::<CollateralLiquidated>(&Ok(result)).remove(0);
    assert!(event.amount > 0 && event.amount < sol_before, "partial: {} of {sol_before}", event.amount);
    let paid = Fixed::from_bits(event.quote_paid);
    // The price the keeper paid is 1% below the oracle (the collateral's discount).
    let oracle = w.feed(SOL).last_price.get();
    let value = Fixed::from_num(event.amount) * oracle;
    let ratio = (paid / value).to_num::<f64>();
    assert!((ratio - 0.99).abs() < 1e-9, "paid {paid} for {value}: {ratio}");
    assert_eq!(-w.margin(&trader.margin_account).quote(), debt_before - paid);
    assert!(w.health(&trader.margin_account).liquidation_end >= 0);
    // The collateral moved inside the vault, to the keeper's account.
    assert_eq!(w.margin(&keeper.margin_account).collateral_balance(w.asset(SOL).asset_index), event.amount);
    assert_eq!(w.margin(&keeper.margin_account).quote(), Fixed::from_num(50_000_000_000u64) - paid);
    assert_error(&w.liquidate_collateral(&keeper, &trader.margin_account, SOL, u64::MAX), ReflexError::AccountHealthy);
}

#[test]
fn a_bankruptcy_is_covered_by_insurance_then_socialised_to_the_pool() {
    let mut w = World::new(1_000_000.0);
    // Penalties from an earlier liquidation seed the insurance fund.
    let early = leveraged_long(&mut w);
    let keeper = w.keeper(100_000.0);
    fall_until_liquidatable(&mut w, &early.margin_account, SOL, 0.02);
    w.liquidate_perp(&keeper, &early.margin_account, SOL_PERP, u64::MAX).unwrap();
    let insurance = w.t.exchange().insurance_fund.get();
    assert!(insurance > 0);

    // A BTC long on wSOL collateral, then BTC gaps down 10% a slot with no keeper awake.
    let doomed = w.trader(&[(SOL, 10.0)]);
    w.trade(&doomed, BTC_PERP, 0.2).expect("open");
    for _ in 0..4 {
        let price = w.underlyings[BTC].price * 0.9;
        w.set_price(BTC, price);
    }
    assert!(w.health(&doomed.margin_account).maintenance < 0);
    assert_error(&w.settle_bankruptcy(&doomed.margin_account), ReflexError::NotBankrupt);
    // Keepers close the whole position (nothing less restores health) and take all collateral.
    w.liquidate_perp(&keeper, &doomed.margin_account, BTC_PERP, u64::MAX).unwrap();
    assert_eq!(w.position(&doomed.margin_account, BTC_PERP), 0);
    w.liquidate_collateral(&keeper, &doomed.margin_account, SOL, u64::MAX).unwrap();
    let margin = w.margin(&doomed.margin_account);
    assert!(margin.collateral_in_use().next().is_none() && margin.quote() < 0, "bankrupt: nothing left but debt");

    let pool_before = w.t.exchange().pool_balance.get();
    let insurance_before = w.t.exchange().insurance_fund.get();
    let settled = events::<BankruptcySettled>(&w.settle_bankruptcy(&doomed.margin_account)).remove(0);
    let (deficit, covered, socialized) =
        (Fixed::from_bits(settled.deficit), Fixed::from_bits(settled.covered_by_insurance), Fixed::from_bits(settled.socialized_to_pool));
    assert_eq!(covered, insurance_before, "insurance pays all it has");
    assert!(socialized > 0 && covered + socialized == deficit);
    assert_eq!(w.t.exchange().insurance_fund.get(), 0);
    assert_eq!(w.t.exchange().pool_balance.get(), pool_before - socialized);
    assert_eq!(w.margin(&doomed.margin_account).quote(), 0);
    assert_error(&w.settle_bankruptcy(&doomed.margin_account), ReflexError::NotBankrupt);
}
