//! Shared generators: account snapshots over the documented domain (prices
//! 1e-4 ..= 1e3 quote native per base native, balances up to 1e12 native
//! units), with parameters that pass the bounds check.
#![allow(dead_code)]
use proptest::prelude::*;
use reflex_risk::{
    AccountSnapshot, CollateralEntry, CollateralRiskConfig, FeedbackConfig, Fixed, HealthLevel, LevelCurve, MarketRiskConfig, OraclePrice,
    PerpEntry,
};

pub fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

pub fn price() -> impl Strategy<Value = OraclePrice> {
    ((-4.0f64..3.0), 0.0f64..0.01).prop_map(|(exponent, confidence)| {
        let p = 10f64.powf(exponent);
        OraclePrice::new(fx(p), fx(p * confidence))
    })
}

pub fn collateral_entry() -> impl Strategy<Value = CollateralEntry> {
    (0u64..1_000_000_000_000, price(), 0.0f64..0.5, 0.0f64..0.2, 0.01f64..0.05, prop_oneof![Just(0.0f64), 0.0f64..1e-4]).prop_map(
        |(amount, price, maintenance, extra, buffer, size_factor)| CollateralEntry {
            amount,
            price,
            initial_haircut: fx(maintenance + extra),
            maintenance_haircut: fx(maintenance),
            liquidation_buffer: fx(buffer),
            size_factor: fx(size_factor),
        },
    )
}

pub fn perp_entry() -> impl Strategy<Value = PerpEntry> {
    (
        -1_000_000_000i64..1_000_000_000,
        price(),
        -0.5f64..0.5,
        -1e3f64..1e3,
        (0.02f64..0.2, 0.0f64..0.2, 0.005f64..0.05),
        (prop_oneof![Just(0.0f64), 0.0f64..1e-4], 0.0f64..0.5, 0.0f64..0.5),
    )
        .prop_map(|(base_size, price, entry_offset, funding, (maintenance, extra, buffer), (size_factor, w_initial, w_extra))| {
            let entry_price = price.price.to_num::<f64>() * (1.0 + entry_offset);
            PerpEntry {
                base_size,
                quote_position: fx(-(base_size as f64) * entry_price),
                unsettled_funding: fx(funding),
                price,
                initial_margin_ratio: fx(maintenance + extra),
                maintenance_margin_ratio: fx(maintenance),
                liquidation_buffer: fx(buffer),
                size_factor: fx(size_factor),
                positive_pnl_weight_initial: fx(w_initial),
                positive_pnl_weight_maintenance: fx(w_initial + w_extra),
            }
        })
}

pub fn snapshot() -> impl Strategy<Value = AccountSnapshot> {
    (-1e9f64..1e9, prop::collection::vec(collateral_entry(), 0..=8), prop::collection::vec(perp_entry(), 0..=8))
        .prop_map(|(quote, collateral, perps)| AccountSnapshot { quote_balance: fx(quote), collateral, perps })
}

/// Moves the quote balance so liquidation-end health is exactly `-deficit`.
pub fn with_deficit(mut snapshot: AccountSnapshot, deficit: f64) -> AccountSnapshot {
    let health = snapshot.health(HealthLevel::LiquidationEnd).unwrap();
    snapshot.quote_balance = snapshot.quote_balance - health - fx(deficit);
    snapshot
}

/// Health in f64, straight from the formulas of `reflex_risk::health`.
pub fn reference_health(snapshot: &AccountSnapshot, level: HealthLevel) -> f64 {
    let initial = level == HealthLevel::Initial;
    let mut health = snapshot.quote_balance.to_num::<f64>();
    for c in &snapshot.collateral {
        let (p, conf) = (c.price.price.to_num::<f64>(), c.price.confidence.to_num::<f64>());
        let price = if initial { (p - conf).max(0.0) } else { p };
        let value = c.amount as f64 * price;
        let (h_init, h_maint, buffer, imf) = (
            c.initial_haircut.to_num::<f64>(),
            c.maintenance_haircut.to_num::<f64>(),
            c.liquidation_buffer.to_num::<f64>(),
            c.size_factor.to_num::<f64>(),
        );
        let weight = match level {
            HealthLevel::Initial if imf > 0.0 && value > 0.0 => (1.0 - h_init).min((1.0 + imf) / (1.0 + imf * value.sqrt())),
            HealthLevel::Initial => 1.0 - h_init,
            HealthLevel::Maintenance => 1.0 - h_maint,
            HealthLevel::LiquidationEnd => 1.0 - (h_maint + buffer).min(1.0),
        };
        health += value * weight.clamp(0.0, 1.0);
    }
    for perp in &snapshot.perps {
        let (p, conf) = (perp.price.price.to_num::<f64>(), perp.price.confidence.to_num::<f64>());
        let size = perp.base_size as f64;
        let pnl_price = match (initial, size > 0.0) {
            (false, _) => p,
            (true, true) => (p - conf).max(0.0),
            (true, false) => p + conf,
        };
        let pnl = size * pnl_price + perp.quote_position.to_num::<f64>() - perp.unsettled_funding.to_num::<f64>();
        let pnl_weight = if initial { perp.positive_pnl_weight_initial } else { perp.positive_pnl_weight_maintenance }.to_num::<f64>();
        let weighted = if pnl > 0.0 { pnl * pnl_weight } else { pnl };
        let notional = size.abs() * if initial { p + conf } else { p };
        let (m_init, m_maint, buffer, imf) = (
            perp.initial_margin_ratio.to_num::<f64>(),
            perp.maintenance_margin_ratio.to_num::<f64>(),
            perp.liquidation_buffer.to_num::<f64>(),
            perp.size_factor.to_num::<f64>(),
        );
        let ratio = match level {
            HealthLevel::Initial if imf > 0.0 && notional > 0.0 => m_init.max(imf * notional.sqrt()).min(1.0),
            HealthLevel::Initial => m_init,
            HealthLevel::Maintenance => m_maint,
            HealthLevel::LiquidationEnd => (m_maint + buffer).min(1.0),
        };
        health += weighted - notional * ratio;
    }
    health
}

/// The largest magnitude of any term: the scale f64's own rounding works at.
pub fn magnitude(snapshot: &AccountSnapshot) -> f64 {
    let mut scale = snapshot.quote_balance.to_num::<f64>().abs();
    for c in &snapshot.collateral {
        scale = scale.max(c.amount as f64 * c.price.price.to_num::<f64>());
    }
    for perp in &snapshot.perps {
        scale = scale.max((perp.base_size as f64 * perp.price.price.to_num::<f64>()).abs());
        scale = scale.max(perp.quote_position.to_num::<f64>().abs());
    }
    scale.max(1.0)
}

/// A market whose settings pass the bounds check with room on every side:
/// m_lo 0.05, penalty 0.01, move 0.03, buffer 0.01, maintenance upper 0.25.
pub fn valid_market() -> MarketRiskConfig {
    MarketRiskConfig {
        margin: FeedbackConfig {
            initial: LevelCurve { base: fx(0.1), sensitivity: fx(3.0), lower: fx(0.1), upper: fx(0.5) },
            maintenance: LevelCurve { base: fx(0.05), sensitivity: fx(1.5), lower: fx(0.05), upper: fx(0.25) },
            tighten_per_slot: fx(0.0001),
            loosen_per_slot: fx(0.00001),
        },
        liquidation_penalty: fx(0.01),
        liquidation_buffer: fx(0.01),
        max_move_over_horizon: fx(0.03),
        size_factor: fx(0.000001),
        positive_pnl_weight_initial: fx(0.5),
        positive_pnl_weight_maintenance: fx(0.8),
    }
}

/// A collateral whose settings pass the bounds check: h_lo 0.1, discount
/// 0.02, buffer 0.03, move 0.05.
pub fn valid_collateral() -> CollateralRiskConfig {
    CollateralRiskConfig {
        haircut: FeedbackConfig {
            initial: LevelCurve { base: fx(0.2), sensitivity: fx(2.0), lower: fx(0.2), upper: fx(0.6) },
            maintenance: LevelCurve { base: fx(0.1), sensitivity: fx(1.0), lower: fx(0.1), upper: fx(0.4) },
            tighten_per_slot: fx(0.0001),
            loosen_per_slot: fx(0.00001),
        },
        liquidation_discount: fx(0.02),
        liquidation_buffer: fx(0.03),
        max_move_over_horizon: fx(0.05),
        size_factor: Fixed::ZERO,
    }
}

/// `quote` of quote balance and `amount` units at 1 with haircuts 75%
/// (initial) and 50% (maintenance) and a 25% buffer: `amount/2` at
/// maintenance and `amount/4` at liquidation-end, exactly.
pub fn with_collateral(quote: f64, amount: u64) -> AccountSnapshot {
    AccountSnapshot {
        quote_balance: fx(quote),
        collateral: vec![CollateralEntry {
            amount,
            price: OraclePrice::new(Fixed::ONE, Fixed::ZERO),
            initial_haircut: fx(0.75),
            maintenance_haircut: fx(0.5),
            liquidation_buffer: fx(0.25),
            size_factor: Fixed::ZERO,
        }],
        perps: vec![],
    }
}
