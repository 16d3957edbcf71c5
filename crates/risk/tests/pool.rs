//! LP share accounting: proportional, and rounding never pays out more than
//! was put in.
use proptest::prelude::*;
use reflex_risk::pool::{amount_for_shares, shares_for_deposit, ShareValue};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn a_round_trip_never_gains(pool_value in 1u64..1u64 << 50, total_shares in 1u64..1u64 << 50, amount in 0u64..1u64 << 40) {
        let shares = shares_for_deposit(amount, pool_value, total_shares).unwrap();
        let back = amount_for_shares(shares, pool_value + amount, total_shares + shares).unwrap();
        prop_assert!(back <= amount, "deposited {amount}, got back {back}");
    }

    #[test]
    fn shares_are_proportional(pool_value in 1u64..1u64 << 50, total_shares in 1u64..1u64 << 50, amount in 0u64..1u64 << 40) {
        let shares = shares_for_deposit(amount, pool_value, total_shares).unwrap();
        // shares / total ≤ amount / value < (shares + 1) / total
        prop_assert!(shares as u128 * pool_value as u128 <= amount as u128 * total_shares as u128);
        prop_assert!((shares as u128 + 1) * pool_value as u128 > amount as u128 * total_shares as u128);
    }

    #[test]
    fn redeeming_everything_pays_the_whole_pool(pool_value in any::<u64>(), total_shares in 1u64..) {
        prop_assert_eq!(amount_for_shares(total_shares, pool_value, total_shares).unwrap(), pool_value);
    }

    #[test]
    fn never_panics(a in any::<u64>(), b in any::<u64>(), c in any::<u64>()) {
        let _ = shares_for_deposit(a, b, c);
        let _ = amount_for_shares(a, b, c);
    }
}

#[test]
fn edge_cases() {
    assert_eq!(shares_for_deposit(500, 0, 0), Ok(500), "the first deposit mints 1:1");
    assert!(shares_for_deposit(500, 0, 10).is_err(), "shares of an empty pool refuse new money");
    assert!(amount_for_shares(11, 100, 10).is_err(), "more shares than exist");
    assert_eq!(amount_for_shares(0, 100, 10), Ok(0));
}

/// Share values compare exactly (10/5 = 2 is below 9/4 = 2.25; a sum or a
/// quotient of the parts would call them equal or reverse them). Of two
/// equal values (the same price either way) `dearer` keeps the receiver's
/// and `cheaper` takes the other, so the choice is fixed.
#[test]
fn share_values_compare_by_cross_multiplication() {
    let two = ShareValue { pool_value: 10, total_shares: 5 };
    let more = ShareValue { pool_value: 9, total_shares: 4 };
    assert_eq!(two.dearer(more), more);
    assert_eq!(more.dearer(two), more);
    assert_eq!(two.cheaper(more), two);
    assert_eq!(more.cheaper(two), two);
    let also_two = ShareValue { pool_value: 4, total_shares: 2 };
    assert_eq!(two.dearer(also_two), two, "equal: the receiver's");
    assert_eq!(also_two.dearer(two), also_two);
    assert_eq!(two.cheaper(also_two), also_two);
    assert_eq!(also_two.cheaper(two), two);
}
