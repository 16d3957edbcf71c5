//! Trading math against f64 references: the spread, fill prices and quote
//! rounded against the trader, funding, and the pool's view of traders' PnL
//! equal to the sum over positions.
mod common;

use common::fx;
use proptest::prelude::*;
use reflex_risk::pool::traders_unrealized_pnl;
use reflex_risk::price::{native_confidence, native_price};
use reflex_risk::trading::{
    execution_price, fee, fill, fill_quote, funding_index_delta, funding_owed, skew_premium, spread, Fill, SpreadConfig,
};
use reflex_risk::Fixed;
use reflex_risk::RiskError;

fn config() -> impl Strategy<Value = SpreadConfig> {
    (0.0f64..0.001, 0.0f64..1.0, 0.0f64..0.05, 0.001f64..0.2, 1u64..1u64 << 50).prop_map(|(base, per_volatility, per_skew, max, scale)| {
        SpreadConfig {
            base: fx(base),
            per_volatility: fx(per_volatility),
            per_skew: fx(per_skew),
            max: fx(max.max(base)),
            skew_scale: scale,
        }
    })
}

fn price() -> impl Strategy<Value = f64> {
    (-4.0f64..3.0).prop_map(|exponent| 10f64.powf(exponent))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn the_spread_matches_the_f64_reference(config in config(), sigma in 0.0f64..2.0) {
        let got = spread(&config, fx(sigma)).unwrap().to_num::<f64>();
        let raw = config.base.to_num::<f64>() + config.per_volatility.to_num::<f64>() * sigma;
        let want = raw.min(config.max.to_num::<f64>());
        prop_assert!((got - want).abs() <= 1e-9, "{got} vs {want}");
        prop_assert!(got <= config.max.to_num::<f64>() + 1e-15);
    }

    /// The skew premium is `k·|D(after) − D(before)|` along the trade, with
    /// `D` the integral of `clamp(u, 0, 1)`: checked against f64.
    #[test]
    fn the_skew_premium_matches_the_f64_reference(config in config(), before in -(1i64 << 50)..(1i64 << 50), delta in -(1i64 << 50)..(1i64 << 50)) {
        let after = before as i128 + delta as i128;
        let got = skew_premium(&config, before as i128, after).unwrap().to_num::<f64>();
        let scale = config.skew_scale as f64;
        let potential = |x: f64| {
            let u = x / scale;
            scale * if u <= 0.0 { 0.0 } else if u <= 1.0 { u * u / 2.0 } else { u - 0.5 }
        };
        let sign = if delta >= 0 { 1.0 } else { -1.0 };
        let want = config.per_skew.to_num::<f64>() * (potential(sign * after as f64) - potential(sign * before as f64)).max(0.0);
        prop_assert!((got - want).abs() <= 1e-6 * want.abs().max(1.0), "{got} vs {want}");
        prop_assert!(got >= 0.0 && got <= config.per_skew.to_num::<f64>() * (delta.unsigned_abs() as f64) + 1e-6);
    }

    #[test]
    fn the_price_grows_with_volatility_and_added_skew(config in config(), sigma in 0.0f64..1.0, extra in 0.0f64..1.0, skew in 0i64..(1i64 << 40), more in 1i64..(1i64 << 40), p in price()) {
        let calm = spread(&config, fx(sigma)).unwrap();
        prop_assert!(spread(&config, fx(sigma + extra)).unwrap() >= calm);
        // A buy that adds skew to a crowded long side pays at least what the same buy pays from flat.
        let crowded = fill(&config, fx(sigma), fx(p), skew as i128, more).unwrap();
        let flat = fill(&config, fx(sigma), fx(p), 0, more).unwrap();
        prop_assert!(crowded.quote <= flat.quote);
        // Reducing the skew pays no skew part.
        let reducing = fill(&config, fx(sigma), fx(p), skew as i128 + more as i128, -more).unwrap();
        prop_assert_eq!(reducing.premium, Fixed::ZERO);
    }

    /// Path independence: an order cut into several fills, each moving the
    /// skew on from where the last left it, costs no less than one fill of
    /// the whole (each piece rounds against the trader), and not much more.
    #[test]
    fn splitting_an_order_costs_no_less_than_one_fill(config in config(), sigma in 0.0f64..1.0, p in price(), start in -(1i64 << 40)..(1i64 << 40), pieces in prop::collection::vec(1i64..(1i64 << 36), 1..8), buying in any::<bool>()) {
        let sign = if buying { 1 } else { -1 };
        let total: i64 = pieces.iter().sum::<i64>() * sign;
        let whole = fill(&config, fx(sigma), fx(p), start as i128, total).unwrap();
        let mut skew = start as i128;
        let mut quote = Fixed::ZERO;
        for piece in &pieces {
            let delta = piece * sign;
            quote += fill(&config, fx(sigma), fx(p), skew, delta).unwrap().quote;
            skew += delta as i128;
        }
        prop_assert!(quote <= whole.quote, "split {quote} vs whole {}", whole.quote);
        // Rounding only: a few units of 2⁻⁴⁸ per piece and per multiplication.
        let slack = Fixed::from_num(pieces.len() as u32 * 4) * (Fixed::DELTA.max(fx(p) * Fixed::DELTA * 4) + Fixed::from_num(1));
        prop_assert!(whole.quote - quote <= slack, "split costs {} more", whole.quote - quote);
    }

    #[test]
    fn fills_round_against_the_trader(p in price(), s in 0.0f64..0.2, size in 1i64..(1i64 << 40)) {
        let (p, s) = (fx(p), fx(s));
        let buy = execution_price(p, s, true).unwrap();
        let sell = execution_price(p, s, false).unwrap();
        prop_assert!(buy >= p && sell <= p);
        // Exact rationals: p·(1+s) ≤ buy and sell ≤ p·(1−s) hold in I80F48's
        // exact arithmetic, checked with wider integers.
        let exact_buy = (p.to_bits() * (Fixed::ONE + s).to_bits()) >> 48;
        prop_assert!(buy.to_bits() >= exact_buy);
        let cost = fill_quote(size, buy).unwrap();
        let proceeds = fill_quote(-size, sell).unwrap();
        // A buyer pays at least size · price (the floor of the product is below the exact one).
        prop_assert!(-cost >= Fixed::from_num(size).saturating_mul(buy));
        prop_assert!(proceeds <= Fixed::from_num(size).saturating_mul(sell) + Fixed::DELTA);
        prop_assert!(fee(size, p, fx(0.0005)).unwrap() >= Fixed::ZERO);
    }

    #[test]
    fn funding_follows_the_skew_and_is_bounded(skew in -(1i64 << 45)..(1i64 << 45), scale in 1u64..(1u64 << 45), rate in 0.0f64..1e-6, p in price(), slots in 0u64..1_000_000) {
        let delta = funding_index_delta(skew as i128, scale, fx(rate), fx(p), slots).unwrap();
        // The references use the inputs as the fixed-point type holds them.
        let (rate, p) = (fx(rate).to_num::<f64>(), fx(p).to_num::<f64>());
        if skew > 0 { prop_assert!(delta >= 0) }
        if skew < 0 { prop_assert!(delta <= 0) }
        let bound = rate * p * slots as f64;
        prop_assert!(delta.to_num::<f64>().abs() <= bound * (1.0 + 1e-9) + 2f64.powi(-47) * (slots as f64 + 1.0), "{delta} vs at most {bound}");
        let imbalance = (skew as f64 / scale as f64).clamp(-1.0, 1.0);
        let want = rate * imbalance * p * slots as f64;
        // Each multiplication floors at 2⁻⁴⁸; the per-slot terms are then scaled by `slots`.
        let resolution = 2f64.powi(-48);
        let tolerance = (resolution * (p + 1.0)) * slots as f64 + 2.0 * resolution + want.abs() * 1e-9;
        prop_assert!((delta.to_num::<f64>() - want).abs() <= tolerance, "{delta} vs {want}");
    }

    #[test]
    fn funding_owed_rounds_against_the_position(size in -(1i64 << 45)..(1i64 << 45), index in -1.0f64..1.0, snapshot in -1.0f64..1.0) {
        let owed = funding_owed(size, fx(index), fx(snapshot)).unwrap();
        let exact = Fixed::from_num(size).checked_mul(fx(index) - fx(snapshot)).unwrap();
        prop_assert!(owed >= exact && owed - exact <= Fixed::DELTA);
    }

    #[test]
    fn the_pool_sees_the_sum_of_the_positions(positions in prop::collection::vec((-(1i64 << 40)..(1i64 << 40), -1e9f64..1e9, -1.0f64..1.0), 1..12), index in -1.0f64..1.0, p in price()) {
        let (mut long, mut short, mut quote_sum, mut snapshot_sum, mut sum) = (0u64, 0u64, Fixed::ZERO, Fixed::ZERO, 0f64);
        for &(size, quote, snapshot) in &positions {
            if size > 0 { long += size as u64 } else { short += size.unsigned_abs() }
            quote_sum += fx(quote);
            snapshot_sum += Fixed::from_num(size) * fx(snapshot);
            sum += size as f64 * p + quote - size as f64 * (index - snapshot);
        }
        let got = traders_unrealized_pnl(long, short, quote_sum, snapshot_sum, fx(index), fx(p)).unwrap().to_num::<f64>();
        let scale: f64 = positions.iter().map(|&(size, quote, _)| (size as f64).abs() * (p + 2.0) + quote.abs()).sum();
        prop_assert!((got - sum).abs() <= scale * 1e-12 + 1e-6, "{got} vs {sum}");
    }
}

/// A Pyth print to quote native per base native: SOL at $150.00000000
/// (exponent -8) with 9 base and 6 quote decimals is 0.15, its confidence
/// scaled the same way; a price that is not positive is refused.
#[test]
fn oracle_prints_convert_to_native_units() {
    let tenth = |value: i64, power: u32| Fixed::from_num(value).checked_div_int(10i128.pow(power)).unwrap();
    assert_eq!(native_price(15_000_000_000, -8, 9, 6), Ok(tenth(15_000_000_000, 11)));
    assert_eq!(native_confidence(5_000_000, -8, 9, 6), Ok(tenth(5_000_000, 11)));
    // More quote decimals than base: the price scales up.
    assert_eq!(native_price(3, 0, 6, 9), Ok(Fixed::from_num(3_000)));
    assert_eq!(native_confidence(2, 0, 6, 9), Ok(Fixed::from_num(2_000)));
    assert_eq!(native_price(0, -8, 9, 6), Err(RiskError::NonPositiveInput));
    assert_eq!(native_price(-1, -8, 9, 6), Err(RiskError::NonPositiveInput));
}

/// The limit check's average price: a buy's rounded up (bumped one step only
/// when the division was inexact), a sell's rounded down.
#[test]
fn the_average_price_rounds_against_the_trader() {
    let fill_of = |quote: f64| Fill { spread: Fixed::ZERO, price: Fixed::ONE, premium: Fixed::ZERO, quote: fx(quote) };
    assert_eq!(fill_of(-10.0).average_price(2), Ok(fx(5.0)), "an exact buy");
    let inexact = fill_of(-10.0).average_price(3).unwrap();
    assert_eq!(inexact, Fixed::from_num(10).checked_div_int(3).unwrap() + Fixed::DELTA, "a buy rounds up");
    assert!(Fixed::from_num(3).checked_mul(inexact).unwrap() >= fx(10.0));
    assert_eq!(fill_of(10.0).average_price(-2), Ok(fx(5.0)), "an exact sell");
    assert_eq!(fill_of(10.0).average_price(-3), Ok(Fixed::from_num(10).checked_div_int(3).unwrap()), "a sell rounds down");
    assert_eq!(fill_of(-10.0).average_price(-3), Ok(Fixed::ZERO), "a sell that received nothing");
}

/// A buy fills above the oracle price and a sell below it (a spread of
/// 1/64 on 128, exact in binary).
#[test]
fn buys_fill_above_the_oracle_and_sells_below() {
    let config = SpreadConfig { base: fx(1.0 / 64.0), per_volatility: Fixed::ZERO, per_skew: Fixed::ZERO, max: fx(0.1), skew_scale: 1_000 };
    let buy = fill(&config, Fixed::ZERO, fx(128.0), 0, 5).unwrap();
    assert_eq!((buy.price, buy.quote), (fx(130.0), fx(-650.0)));
    let sell = fill(&config, Fixed::ZERO, fx(128.0), 0, -5).unwrap();
    assert_eq!((sell.price, sell.quote), (fx(126.0), fx(630.0)));
}

/// No premium without a positive skew weight, nor for a trade that leaves
/// the skew where it was.
#[test]
fn the_skew_premium_needs_a_weight_and_a_move() {
    let config = SpreadConfig { base: Fixed::ZERO, per_volatility: Fixed::ZERO, per_skew: fx(-0.01), max: fx(0.1), skew_scale: 1_000 };
    assert_eq!(skew_premium(&config, 0, 500), Ok(Fixed::ZERO), "a negative weight charges nothing");
    let weighted = SpreadConfig { per_skew: fx(0.01), ..config };
    assert_eq!(skew_premium(&weighted, 300, 300), Ok(Fixed::ZERO));
    assert!(skew_premium(&weighted, 0, 500).unwrap() > 0);
}

/// Funding accrues nothing without skew, slots or a rate, and then asks
/// nothing of the skew scale (an unconfigured market's is zero).
#[test]
fn nothing_to_accrue_needs_no_skew_scale() {
    let (rate, price) = (fx(1e-8), fx(100.0));
    assert_eq!(funding_index_delta(0, 0, rate, price, 10), Ok(Fixed::ZERO));
    assert_eq!(funding_index_delta(500, 0, rate, price, 0), Ok(Fixed::ZERO));
    assert_eq!(funding_index_delta(500, 0, Fixed::ZERO, price, 10), Ok(Fixed::ZERO));
    assert_eq!(funding_index_delta(500, 0, rate, price, 10), Err(RiskError::NonPositiveInput));
}
