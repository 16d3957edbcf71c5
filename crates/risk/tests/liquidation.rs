//! Liquidation sizing (DESIGN.md invariant 3): the computed size restores
//! liquidation-end health, one unit less does not, and no liquidation lowers
//! health. Plus the fee split and bankruptcy detection.
mod common;

use common::*;
use proptest::prelude::*;
use reflex_risk::{
    apply_collateral_liquidation, apply_perp_liquidation, bankruptcy_deficit, collateral_liquidation, perp_liquidation, split_penalty,
    AccountSnapshot, Fixed, HealthLevel, OraclePrice, PerpEntry, RiskError,
};

/// A snapshot with liquidation-end health `-deficit` (deficit up to 1e9 quote
/// native units) and at least one open position.
fn underwater_with_perp() -> impl Strategy<Value = (AccountSnapshot, usize)> {
    (snapshot(), perp_entry(), 0usize..8, 1e-6f64..1e9).prop_map(|(mut snapshot, perp, index, deficit)| {
        let mut perp = perp;
        if perp.base_size == 0 {
            perp.base_size = 1_000;
        }
        snapshot.perps.push(perp);
        let index = index % snapshot.perps.len();
        let index = if snapshot.perps[index].base_size == 0 { snapshot.perps.len() - 1 } else { index };
        (with_deficit(snapshot, deficit), index)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn perp_liquidation_takes_the_least_that_restores_health((snapshot, index) in underwater_with_perp(), penalty_fraction in 0.0f64..0.99) {
        // Any penalty below the maintenance ratio (what the bounds check allows).
        let penalty_rate = snapshot.perps[index].maintenance_margin_ratio * fx(penalty_fraction);
        let liquidation = perp_liquidation(&snapshot, index, penalty_rate).unwrap().expect("underwater with an open position");
        let size = snapshot.perps[index].base_size.unsigned_abs();
        prop_assert!(liquidation.base_to_close >= 1 && liquidation.base_to_close <= size);

        let (after, penalty) = apply_perp_liquidation(&snapshot, index, liquidation.base_to_close, penalty_rate).unwrap();
        prop_assert_eq!(penalty, liquidation.penalty);
        prop_assert!(penalty >= 0);
        let end = |s: &AccountSnapshot| s.health(HealthLevel::LiquidationEnd).unwrap();
        let maintenance = |s: &AccountSnapshot| s.health(HealthLevel::Maintenance).unwrap();
        // Restores liquidation-end health, or closes the whole position trying.
        prop_assert!(end(&after) >= 0 || liquidation.base_to_close == size, "left at {}", end(&after));
        // One unit less would not have done.
        let (less, _) = apply_perp_liquidation(&snapshot, index, liquidation.base_to_close - 1, penalty_rate).unwrap();
        prop_assert!(end(&less) < 0, "one unit less also restores health: {}", end(&less));
        // Never lowers health.
        prop_assert!(end(&after) >= end(&snapshot));
        prop_assert!(maintenance(&after) >= maintenance(&snapshot));
    }

    #[test]
    fn collateral_liquidation_takes_the_least_that_restores_health(
        snapshot in snapshot(),
        entry in collateral_entry(),
        deficit in 1e-6f64..1e9,
        discount_fraction in 0.0f64..0.99,
    ) {
        let mut snapshot = snapshot;
        let mut entry = entry;
        entry.amount = entry.amount.max(1);
        snapshot.collateral.push(entry);
        let index = snapshot.collateral.len() - 1;
        let snapshot = with_deficit(snapshot, deficit);
        prop_assume!(snapshot.quote_balance < 0);
        // Any discount below the liquidation buffer and the maintenance
        // haircut (what the bounds check allows).
        let entry = &snapshot.collateral[index];
        let discount = entry.liquidation_buffer.min(entry.maintenance_haircut) * fx(discount_fraction);
        let Some(liquidation) = collateral_liquidation(&snapshot, index, discount).unwrap() else {
            // Only when the debt is too small to repay even one unit.
            let credit_one = apply_collateral_liquidation(&snapshot, index, 1, discount).unwrap().1;
            prop_assert!(credit_one > -snapshot.quote_balance);
            return Ok(());
        };
        let (after, credit) = apply_collateral_liquidation(&snapshot, index, liquidation.amount, discount).unwrap();
        prop_assert_eq!(credit, liquidation.quote_credit);
        prop_assert!(credit <= -snapshot.quote_balance, "repays no more than the debt");
        let end = |s: &AccountSnapshot| s.health(HealthLevel::LiquidationEnd).unwrap();
        let limited = liquidation.amount == snapshot.collateral[index].amount || after.quote_balance + credit_one_more(&snapshot, index, liquidation.amount, discount) > 0;
        prop_assert!(end(&after) >= 0 || limited, "left at {}", end(&after));
        let (less, _) = apply_collateral_liquidation(&snapshot, index, liquidation.amount - 1, discount).unwrap();
        prop_assert!(end(&less) < 0);
        // Never lowers health, beyond the resolution of the values it moves
        // (a few units of 2⁻⁴⁸ quote native units, when the haircut and the
        // discount are nearly equal).
        let rounding = Fixed::DELTA * 8;
        prop_assert!(end(&after) >= end(&snapshot) - rounding);
        prop_assert!(after.health(HealthLevel::Maintenance).unwrap() >= snapshot.health(HealthLevel::Maintenance).unwrap() - rounding);
    }

    #[test]
    fn the_penalty_split_adds_up(penalty in 0.0f64..1e12, share in 0.0f64..=1.0) {
        let (keeper, insurance) = split_penalty(fx(penalty), fx(share)).unwrap();
        prop_assert_eq!(keeper + insurance, fx(penalty));
        prop_assert!(keeper >= 0 && insurance >= 0);
        prop_assert!(keeper <= fx(penalty) * fx(share));
    }

    #[test]
    fn never_panics(snapshot in snapshot(), bits in any::<i128>(), index in any::<usize>(), units in any::<u64>()) {
        let rate = Fixed::from_bits(bits);
        let _ = perp_liquidation(&snapshot, index % 9, rate);
        let _ = collateral_liquidation(&snapshot, index % 9, rate);
        let _ = apply_perp_liquidation(&snapshot, index % 9, units, rate);
        let _ = apply_collateral_liquidation(&snapshot, index % 9, units, rate);
        let _ = bankruptcy_deficit(&snapshot);
        let _ = split_penalty(rate, rate);
    }
}

/// The credit one more unit would bring: used to tell "stopped by the debt"
/// from "stopped short".
fn credit_one_more(snapshot: &AccountSnapshot, index: usize, amount: u64, discount: Fixed) -> Fixed {
    let after = apply_collateral_liquidation(snapshot, index, amount, discount).unwrap().0;
    if after.collateral[index].amount == 0 {
        return Fixed::ZERO;
    }
    apply_collateral_liquidation(&after, index, 1, discount).unwrap().1
}

#[test]
fn a_healthy_account_needs_no_liquidation() {
    let snapshot = AccountSnapshot { quote_balance: fx(10.0), ..Default::default() };
    assert_eq!(bankruptcy_deficit(&snapshot).unwrap(), None);
    assert!(!snapshot.is_liquidatable(false).unwrap());
    assert!(!snapshot.is_liquidatable(true).unwrap(), "nor once under liquidation");
}

#[test]
fn bankruptcy_is_an_empty_account_with_debt() {
    let mut snapshot = AccountSnapshot { quote_balance: fx(-250.0), ..Default::default() };
    assert_eq!(bankruptcy_deficit(&snapshot).unwrap(), Some(fx(250.0)));
    // Realised PnL left in a closed position counts toward the deficit.
    let mut closed = proptest::strategy::ValueTree::current(
        &proptest::strategy::Strategy::new_tree(&perp_entry(), &mut proptest::test_runner::TestRunner::deterministic()).unwrap(),
    );
    closed.base_size = 0;
    closed.quote_position = fx(100.0);
    closed.unsettled_funding = fx(10.0);
    snapshot.perps.push(closed);
    assert_eq!(bankruptcy_deficit(&snapshot).unwrap(), Some(fx(160.0)));
    // Any open position or collateral means liquidation, not bankruptcy.
    snapshot.perps[0].base_size = 1;
    assert_eq!(bankruptcy_deficit(&snapshot).unwrap(), None);
}

#[test]
fn a_vanishing_gain_per_unit_closes_the_whole_position_without_overflow() {
    let snapshot = proptest::strategy::ValueTree::current(
        &proptest::strategy::Strategy::new_tree(&underwater_with_perp(), &mut proptest::test_runner::TestRunner::deterministic()).unwrap(),
    );
    let (snapshot, index) = snapshot;
    // A penalty one unit of resolution below the liquidation-end ratio: each
    // closed unit gains almost nothing, so the quotient leaves the range.
    let penalty = snapshot.perps[index].liquidation_end_margin_ratio() - Fixed::DELTA;
    let liquidation = perp_liquidation(&snapshot, index, penalty).unwrap().unwrap();
    assert_eq!(liquidation.base_to_close, snapshot.perps[index].base_size.unsigned_abs());
}

/// A perp of `base_size` at 1, 10% maintenance and 10% buffer, entered at 1.
fn perp_at_one(base_size: i64) -> PerpEntry {
    PerpEntry {
        base_size,
        quote_position: fx(-(base_size as f64)),
        unsettled_funding: Fixed::ZERO,
        price: OraclePrice::new(Fixed::ONE, Fixed::ZERO),
        initial_margin_ratio: fx(0.3),
        maintenance_margin_ratio: fx(0.1),
        liquidation_buffer: fx(0.1),
        size_factor: Fixed::ZERO,
        positive_pnl_weight_initial: fx(0.5),
        positive_pnl_weight_maintenance: fx(0.8),
    }
}

/// Each reason for "nothing to liquidate" on its own: liquidation-end health
/// not below zero, no position to close, no debt to repay, no balance to take.
#[test]
fn each_condition_alone_means_nothing_to_liquidate() {
    let penalty = fx(0.01);
    // Healthy, with an open position: nothing to close.
    let healthy = AccountSnapshot { quote_balance: fx(100.0), collateral: vec![], perps: vec![perp_at_one(100)] };
    assert_eq!(perp_liquidation(&healthy, 0, penalty).unwrap(), None);
    // Underwater, but the position is empty.
    let empty = AccountSnapshot { quote_balance: fx(-100.0), collateral: vec![], perps: vec![perp_at_one(0)] };
    assert_eq!(perp_liquidation(&empty, 0, penalty).unwrap(), None);
    // The same account underwater with the position open is liquidated.
    let open = AccountSnapshot { quote_balance: fx(10.0), collateral: vec![], perps: vec![perp_at_one(100)] };
    assert!(perp_liquidation(&open, 0, penalty).unwrap().is_some(), "10 of quote against 20 of requirement");

    let discount = fx(0.1);
    // Debt and a balance, but liquidation-end health is exactly zero.
    assert_eq!(collateral_liquidation(&with_collateral(-25.0, 100), 0, discount).unwrap(), None);
    // Underwater through a perp, but no quote debt (none, or quote to spare):
    // collateral liquidation repays debt only.
    for quote in [0.0, 10.0] {
        let no_debt = AccountSnapshot { perps: vec![perp_at_one(1_000)], ..with_collateral(quote, 100) };
        assert!(no_debt.health(HealthLevel::LiquidationEnd).unwrap() < 0);
        assert_eq!(collateral_liquidation(&no_debt, 0, discount).unwrap(), None, "quote {quote}");
    }
    // Underwater with debt, but nothing of this collateral left.
    assert_eq!(collateral_liquidation(&with_collateral(-30.0, 0), 0, discount).unwrap(), None);
    // All three present: liquidated.
    assert!(collateral_liquidation(&with_collateral(-30.0, 100), 0, discount).unwrap().is_some());
}

/// The penalty split refuses a negative penalty and a share outside [0, 1],
/// each alone; a zero penalty and either end of the share are fine.
#[test]
fn the_penalty_split_checks_each_input() {
    assert_eq!(split_penalty(-Fixed::DELTA, fx(0.5)), Err(RiskError::NegativeInput));
    assert_eq!(split_penalty(fx(10.0), fx(1.0) + Fixed::DELTA), Err(RiskError::NegativeInput));
    assert_eq!(split_penalty(fx(10.0), -Fixed::DELTA), Err(RiskError::NegativeInput));
    assert_eq!(split_penalty(Fixed::ZERO, fx(0.5)), Ok((Fixed::ZERO, Fixed::ZERO)));
    assert_eq!(split_penalty(fx(10.0), Fixed::ONE), Ok((fx(10.0), Fixed::ZERO)));
    assert_eq!(split_penalty(fx(10.0), Fixed::ZERO), Ok((Fixed::ZERO, fx(10.0))));
}

/// Only a balance left in some collateral stops an empty account with debt
/// from being bankrupt; an entry with nothing left in it does not.
#[test]
fn bankruptcy_looks_at_what_is_left_in_each_collateral() {
    assert_eq!(bankruptcy_deficit(&with_collateral(-30.0, 0)).unwrap(), Some(fx(30.0)));
    assert_eq!(bankruptcy_deficit(&with_collateral(-30.0, 1)).unwrap(), None);
    let mut two = with_collateral(-30.0, 0);
    two.collateral.push(two.collateral[0]);
    two.collateral[1].amount = 5;
    assert_eq!(bankruptcy_deficit(&two).unwrap(), None, "the second entry still holds 5");
    assert_eq!(bankruptcy_deficit(&with_collateral(0.0, 0)).unwrap(), None, "nothing owed is not a deficit");
}
