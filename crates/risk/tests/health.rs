//! Health against an f64 reference, its ordering across levels, and its
//! response to the inputs it must respond to.
mod common;

use common::*;
use proptest::prelude::*;
use reflex_risk::{
    is_liquidatable, unpriced_perp, AccountSnapshot, CollateralEntry, Fixed, HealthLevel, HealthSummary, OraclePrice, PerpEntry,
};

const LEVELS: [HealthLevel; 3] = [HealthLevel::Initial, HealthLevel::Maintenance, HealthLevel::LiquidationEnd];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn matches_the_f64_reference(snapshot in snapshot()) {
        for level in LEVELS {
            let got = snapshot.health(level).unwrap().to_num::<f64>();
            let want = reference_health(&snapshot, level);
            // f64 carries 53 bits: its own error is ~1e-15 of the largest term, per term.
            let tolerance = magnitude(&snapshot) * 1e-12 + 1e-6;
            prop_assert!((got - want).abs() <= tolerance, "{level:?}: {got} vs {want}");
        }
    }

    #[test]
    fn the_summary_equals_each_level_to_the_bit(snapshot in snapshot()) {
        let summary = snapshot.summary().unwrap();
        prop_assert_eq!(summary.initial, snapshot.health(HealthLevel::Initial).unwrap());
        prop_assert_eq!(summary.maintenance, snapshot.health(HealthLevel::Maintenance).unwrap());
        prop_assert_eq!(summary.liquidation_end, snapshot.health(HealthLevel::LiquidationEnd).unwrap());
        prop_assert_eq!(summary.equity, snapshot.equity().unwrap());
    }

    #[test]
    fn initial_and_liquidation_end_are_never_above_maintenance(snapshot in snapshot()) {
        let summary = snapshot.summary().unwrap();
        prop_assert!(summary.initial <= summary.maintenance);
        prop_assert!(summary.liquidation_end <= summary.maintenance);
    }

    #[test]
    fn more_collateral_never_lowers_health(snapshot in snapshot(), entry in collateral_entry(), extra in 1u64..1_000_000, index in 0usize..9) {
        let mut snapshot = snapshot;
        snapshot.collateral.push(entry);
        let index = index % snapshot.collateral.len();
        let mut richer = snapshot.clone();
        richer.collateral[index].amount = richer.collateral[index].amount.saturating_add(extra);
        // The size-scaled initial weight is `(1+imf)/(1+imf·sqrt(D))`, rounded
        // to 2^-48 before it multiplies `D`: the ideal contribution rises with
        // `D`, the computed one may fall back by that rounding, `D·2^-48` per
        // rounded step (three of them), never more.
        let rounding = Fixed::from_num(magnitude(&richer) * 3.0 * 2f64.powi(-48) + 1.0);
        for level in LEVELS {
            let (more, less) = (richer.health(level).unwrap(), snapshot.health(level).unwrap());
            prop_assert!(more >= less - rounding, "{level:?}: {more} < {less}");
            if level != HealthLevel::Initial {
                prop_assert!(more >= less, "{level:?}: {more} < {less}");
            }
        }
    }

    #[test]
    fn every_liquidatable_asks_the_one_rule(snapshot in snapshot(), being_liquidated in any::<bool>()) {
        let summary = snapshot.summary().unwrap();
        let rule = is_liquidatable(summary.maintenance, summary.liquidation_end, being_liquidated);
        prop_assert_eq!(summary.is_liquidatable(being_liquidated), rule);
        prop_assert_eq!(snapshot.is_liquidatable(being_liquidated).unwrap(), rule);
    }

    #[test]
    fn never_panics(bits in any::<[i128; 12]>(), amount in any::<u64>(), size in any::<i64>()) {
        let price = OraclePrice::new(Fixed::from_bits(bits[0]), Fixed::from_bits(bits[1]));
        let snapshot = AccountSnapshot {
            quote_balance: Fixed::from_bits(bits[2]),
            collateral: vec![CollateralEntry {
                amount,
                price,
                initial_haircut: Fixed::from_bits(bits[3]),
                maintenance_haircut: Fixed::from_bits(bits[4]),
                liquidation_buffer: Fixed::from_bits(bits[5]),
                size_factor: Fixed::from_bits(bits[6]),
            }],
            perps: vec![PerpEntry {
                base_size: size,
                quote_position: Fixed::from_bits(bits[7]),
                unsettled_funding: Fixed::from_bits(bits[8]),
                price,
                initial_margin_ratio: Fixed::from_bits(bits[9]),
                maintenance_margin_ratio: Fixed::from_bits(bits[10]),
                liquidation_buffer: Fixed::from_bits(bits[11]),
                size_factor: Fixed::from_bits(bits[6]),
                positive_pnl_weight_initial: Fixed::from_bits(bits[3]),
                positive_pnl_weight_maintenance: Fixed::from_bits(bits[4]),
            }],
        };
        for level in LEVELS {
            let _ = snapshot.health(level);
        }
    }
}

#[test]
fn a_worked_example() {
    // 10 SOL (9 decimals) at $100 with $0.10 confidence, haircuts 20%/10%,
    // buffer 5%; a 5 SOL-perp long (9 decimals) entered at $90; no quote.
    // Prices are quote (6 decimals) native per base native: $100 → 0.1.
    let price = OraclePrice::new(fx(0.1), fx(0.0001));
    let snapshot = AccountSnapshot {
        quote_balance: Fixed::ZERO,
        collateral: vec![CollateralEntry {
            amount: 10_000_000_000,
            price,
            initial_haircut: fx(0.2),
            maintenance_haircut: fx(0.1),
            liquidation_buffer: fx(0.05),
            size_factor: Fixed::ZERO,
        }],
        perps: vec![PerpEntry {
            base_size: 5_000_000_000,
            quote_position: fx(-450_000_000.0),
            unsettled_funding: Fixed::ZERO,
            price,
            initial_margin_ratio: fx(0.1),
            maintenance_margin_ratio: fx(0.05),
            liquidation_buffer: fx(0.025),
            size_factor: Fixed::ZERO,
            positive_pnl_weight_initial: fx(0.5),
            positive_pnl_weight_maintenance: fx(0.8),
        }],
    };
    let dollars = |level| snapshot.health(level).unwrap().to_num::<f64>() / 1e6;
    // Maintenance: 1000·0.9 + 0.8·(500 − 450) − 500·0.05 = 900 + 40 − 25 = 915
    assert!((dollars(HealthLevel::Maintenance) - 915.0).abs() < 1e-6);
    // LiquidationEnd: 1000·0.85 + 40 − 500·0.075 = 850 + 40 − 37.5 = 852.5
    assert!((dollars(HealthLevel::LiquidationEnd) - 852.5).abs() < 1e-6);
    // Initial: 999·0.8 + 0.5·(499.5 − 450) − 500.5·0.1 = 799.2 + 24.75 − 50.05 = 773.9
    assert!((dollars(HealthLevel::Initial) - 773.9).abs() < 1e-6);
}

/// Who may be liquidated, at the edges: maintenance below zero, or under
/// liquidation with liquidation-end health below zero; zero itself is healthy.
#[test]
fn liquidatable_is_strictly_below_zero_at_either_level() {
    let (below, zero, above) = (-Fixed::DELTA, Fixed::ZERO, Fixed::DELTA);
    for being in [false, true] {
        for end in [below, zero, above] {
            assert!(is_liquidatable(below, end, being), "maintenance below zero, end {end}, marked {being}");
            for maintenance in [zero, above] {
                let want = being && end == below;
                assert_eq!(is_liquidatable(maintenance, end, being), want, "maintenance {maintenance}, end {end}, marked {being}");
            }
        }
    }
    let summary = |maintenance, liquidation_end| HealthSummary { initial: below, maintenance, liquidation_end, equity: above };
    assert!(summary(zero, below).is_liquidatable(true));
    assert!(!summary(zero, below).is_liquidatable(false));
    assert!(!summary(zero, zero).is_liquidatable(true));
}

/// The snapshot's own test, where maintenance and liquidation-end health
/// sit exactly at zero or one step either side of it: quote plus 100 units
/// at 1 with a 50% maintenance haircut and a 25% buffer count 50 at
/// maintenance and 25 at liquidation-end.
#[test]
fn the_snapshot_is_liquidatable_exactly_where_the_rule_says() {
    let with_quote = |quote: Fixed| AccountSnapshot { quote_balance: quote, ..with_collateral(0.0, 100) };
    for quote in [fx(-50.0), fx(-25.0)] {
        for step in [-Fixed::DELTA, Fixed::ZERO, Fixed::DELTA] {
            let snapshot = with_quote(quote + step);
            let (maintenance, end) =
                (snapshot.health(HealthLevel::Maintenance).unwrap(), snapshot.health(HealthLevel::LiquidationEnd).unwrap());
            assert_eq!(maintenance - end, fx(25.0));
            for being in [false, true] {
                assert_eq!(
                    snapshot.is_liquidatable(being).unwrap(),
                    is_liquidatable(maintenance, end, being),
                    "{maintenance} {end} {being}"
                );
            }
        }
    }
    assert!(with_quote(fx(-25.0) - Fixed::DELTA).is_liquidatable(true).unwrap(), "marked, just below the end level");
    assert!(!with_quote(fx(-25.0)).is_liquidatable(true).unwrap(), "marked, exactly at the end level");
    assert!(!with_quote(fx(-25.0) - Fixed::DELTA).is_liquidatable(false).unwrap(), "not marked: maintenance is 25");
    assert!(!with_quote(fx(-50.0)).is_liquidatable(false).unwrap(), "maintenance exactly zero");
}

/// A position without a usable price: a long at `p·(1 − band)` rounded down,
/// a short at `p·(1 + band)` rounded up, no confidence, no credit for gains,
/// the band held to [0, 1]; everything else as it was.
#[test]
fn an_unpriced_position_is_moved_against_itself_and_earns_nothing() {
    let entry = |base_size: i64| PerpEntry {
        base_size,
        quote_position: fx(-(base_size as f64) * 90.0),
        unsettled_funding: fx(3.0),
        price: OraclePrice::new(fx(100.0) + Fixed::DELTA, fx(1.0)),
        initial_margin_ratio: fx(0.1),
        maintenance_margin_ratio: fx(0.05),
        liquidation_buffer: fx(0.025),
        size_factor: Fixed::ZERO,
        positive_pnl_weight_initial: fx(0.5),
        positive_pnl_weight_maintenance: fx(0.8),
    };
    let band = fx(0.25);
    let long = unpriced_perp(&entry(10), band).unwrap();
    // (100 + δ)·0.75 = 75 + 0.75δ: down to 75; (100 + δ)·1.25 = 125 + 1.25δ: up to 125 + 2δ.
    assert_eq!(long.price, OraclePrice::new(fx(75.0), Fixed::ZERO));
    let short = unpriced_perp(&entry(-10), band).unwrap();
    assert_eq!(short.price, OraclePrice::new(fx(125.0) + Fixed::DELTA * 2, Fixed::ZERO));
    for (moved, original) in [(long, entry(10)), (short, entry(-10))] {
        assert_eq!((moved.positive_pnl_weight_initial, moved.positive_pnl_weight_maintenance), (Fixed::ZERO, Fixed::ZERO));
        let unchanged =
            PerpEntry { price: original.price, positive_pnl_weight_initial: fx(0.5), positive_pnl_weight_maintenance: fx(0.8), ..moved };
        assert_eq!(unchanged, original, "only the price and the gain weights change");
    }
    // The long entered at 90 and marked at 75 loses 150 (+3 funding); no gain counts for the short either.
    assert_eq!(long.pnl(HealthLevel::Maintenance).unwrap(), fx(-153.0));
    assert!(short.weighted_pnl(HealthLevel::Maintenance, fx(10.0)).unwrap() == Fixed::ZERO);
    // The band is held to [0, 1].
    assert_eq!(unpriced_perp(&entry(10), fx(2.0)).unwrap().price.price, Fixed::ZERO);
    assert_eq!(unpriced_perp(&entry(10), fx(-1.0)).unwrap().price.price, fx(100.0) + Fixed::DELTA);
    assert_eq!(unpriced_perp(&entry(-10), fx(-1.0)).unwrap().price.price, fx(100.0) + Fixed::DELTA);
}
