//! Feedback parameters and the bounds check: DESIGN.md invariant 4
//! (parameters never leave bounds; maintenance never moves faster than its
//! slew rate and never exceeds initial) over random volatility paths.
use proptest::prelude::*;
use reflex_risk::bounds::validate_feedback;
use reflex_risk::params::{size_scaled_collateral_weight, size_scaled_margin_ratio};
use reflex_risk::{
    validate_collateral, validate_market, BoundsError, CollateralRiskConfig, FeedbackConfig, FeedbackState, Fixed,
    LevelCurve, MarketRiskConfig,
};

fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

/// A valid feedback config: maintenance curve first, then an initial curve
/// at least as tight in every respect.
fn feedback_config() -> impl Strategy<Value = FeedbackConfig> {
    (
        (0.0f64..0.3, 0.0f64..0.2, 0.0f64..5.0, 0.0f64..0.5),
        (0.0f64..0.2, 0.0f64..0.3, 0.0f64..5.0, 0.0f64..0.3),
        (1e-6f64..0.01, 1e-6f64..0.01),
    )
        .prop_map(|((m_lower, m_span, m_k, m_base), (i_extra_lower, i_extra_span, i_extra_k, i_extra_base), (tighten, loosen))| {
            let maintenance = LevelCurve { base: fx(m_base), sensitivity: fx(m_k), lower: fx(m_lower), upper: fx(m_lower + m_span) };
            let i_lower = m_lower + i_extra_lower;
            let initial = LevelCurve {
                base: fx(m_base + i_extra_base),
                sensitivity: fx(m_k + i_extra_k),
                lower: fx(i_lower),
                upper: fx((i_lower + m_span + i_extra_span).max(m_lower + m_span)),
            };
            FeedbackConfig { initial, maintenance, tighten_per_slot: fx(tighten), loosen_per_slot: fx(loosen) }
        })
}

/// A path of (slots elapsed, σ_T) with calm stretches, spikes and long gaps.
fn sigma_path() -> impl Strategy<Value = Vec<(u64, f64)>> {
    prop::collection::vec((prop_oneof![Just(0u64), 1u64..10, 10u64..100_000, Just(10_000_000u64)], prop_oneof![0.0f64..0.02, 0.02f64..0.5, 0.5f64..50.0]), 1..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn levels_stay_in_bounds_and_slew(config in feedback_config(), path in sigma_path(), start_sigma in 0.0f64..1.0) {
        prop_assert_eq!(validate_feedback(&config), Ok(()));
        let mut slot = 1_000u64;
        let mut state = FeedbackState::new(&config, fx(start_sigma), slot);
        for (dt, sigma) in path {
            let before = state;
            slot += dt;
            state.advance(&config, fx(sigma), slot);
            let (i, m) = (state.initial, state.maintenance);
            prop_assert!(config.initial.lower <= i && i <= config.initial.upper, "initial {i} out of bounds");
            prop_assert!(config.maintenance.lower <= m && m <= config.maintenance.upper, "maintenance {m} out of bounds");
            prop_assert!(m <= i, "maintenance {m} above initial {i}");
            let elapsed = Fixed::saturating_from_num(dt);
            let max_rise = config.tighten_per_slot.saturating_mul(elapsed);
            let max_fall = config.loosen_per_slot.saturating_mul(elapsed);
            prop_assert!(m <= before.maintenance.saturating_add(max_rise), "maintenance rose faster than tighten_per_slot");
            prop_assert!(m >= before.maintenance.saturating_sub(max_fall) || m == i, "maintenance fell faster than loosen_per_slot");
            prop_assert!(i >= before.initial.saturating_sub(max_fall), "initial fell faster than loosen_per_slot");
            // Initial tightens at once: it is never below its target.
            prop_assert!(i >= config.initial.target(fx(sigma)));
        }
    }

    #[test]
    fn a_spike_raises_initial_at_once_and_maintenance_only_at_the_slew_rate(config in feedback_config()) {
        let mut state = FeedbackState::new(&config, Fixed::ZERO, 0);
        let calm = state;
        state.advance(&config, fx(10.0), 1);
        prop_assert_eq!(state.initial, config.initial.target(fx(10.0)));
        prop_assert!(state.maintenance <= calm.maintenance + config.tighten_per_slot);
    }

    #[test]
    fn size_scaling_only_tightens(ratio in 0.0f64..1.0, factor in 0.0f64..0.01, notional in 0.0f64..1e15) {
        let scaled = size_scaled_margin_ratio(fx(ratio), fx(factor), fx(notional)).unwrap();
        prop_assert!(scaled >= fx(ratio).min(Fixed::ONE) && scaled <= Fixed::ONE);
        let weight = size_scaled_collateral_weight(fx(ratio), fx(factor), fx(notional)).unwrap();
        prop_assert!(weight <= Fixed::ONE - fx(ratio) && weight >= Fixed::ZERO);
    }

    #[test]
    fn never_panics(bits in any::<[i128; 10]>(), slots in any::<[u64; 3]>()) {
        let curve = |a: i128, b: i128, c: i128, d: i128| LevelCurve {
            base: Fixed::from_bits(a), sensitivity: Fixed::from_bits(b), lower: Fixed::from_bits(c), upper: Fixed::from_bits(d),
        };
        let config = FeedbackConfig {
            initial: curve(bits[0], bits[1], bits[2], bits[3]),
            maintenance: curve(bits[4], bits[5], bits[6], bits[7]),
            tighten_per_slot: Fixed::from_bits(bits[8]),
            loosen_per_slot: Fixed::from_bits(bits[9]),
        };
        let _ = validate_feedback(&config);
        let mut state = FeedbackState::new(&config, Fixed::from_bits(bits[3]), slots[0]);
        state.advance(&config, Fixed::from_bits(bits[5]), slots[1]);
        state.advance(&config, Fixed::from_bits(bits[7]), slots[2]);
        let _ = size_scaled_margin_ratio(Fixed::from_bits(bits[0]), Fixed::from_bits(bits[1]), Fixed::from_bits(bits[2]));
        let _ = size_scaled_collateral_weight(Fixed::from_bits(bits[3]), Fixed::from_bits(bits[4]), Fixed::from_bits(bits[5]));
    }
}

#[test]
fn calm_loosens_at_the_loosening_rate() {
    let config = FeedbackConfig {
        initial: LevelCurve { base: fx(0.05), sensitivity: fx(2.0), lower: fx(0.05), upper: fx(0.5) },
        maintenance: LevelCurve { base: fx(0.03), sensitivity: fx(1.0), lower: fx(0.03), upper: fx(0.3) },
        tighten_per_slot: fx(0.001),
        loosen_per_slot: fx(0.0001),
    };
    let mut state = FeedbackState::new(&config, fx(0.2), 0); // initial 0.45, maintenance 0.23
    state.advance(&config, Fixed::ZERO, 100);
    assert!((state.initial.to_num::<f64>() - (0.45 - 0.01)).abs() < 1e-12);
    assert!((state.maintenance.to_num::<f64>() - (0.23 - 0.01)).abs() < 1e-12);
    state.advance(&config, Fixed::ZERO, 1_000_000);
    assert_eq!((state.initial, state.maintenance), (fx(0.05), fx(0.03)), "reaches the calm targets");
}

#[test]
fn tightened_bounds_apply_at_once() {
    let mut config = FeedbackConfig {
        initial: LevelCurve { base: fx(0.05), sensitivity: Fixed::ZERO, lower: fx(0.05), upper: fx(0.5) },
        maintenance: LevelCurve { base: fx(0.03), sensitivity: Fixed::ZERO, lower: fx(0.03), upper: fx(0.3) },
        tighten_per_slot: fx(0.001),
        loosen_per_slot: fx(0.001),
    };
    let mut state = FeedbackState::new(&config, Fixed::ZERO, 0);
    config.initial.lower = fx(0.1);
    config.maintenance.lower = fx(0.08);
    state.advance(&config, Fixed::ZERO, 0);
    assert_eq!((state.initial, state.maintenance), (fx(0.1), fx(0.08)));
}

fn market() -> MarketRiskConfig {
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

fn collateral() -> CollateralRiskConfig {
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

#[test]
fn the_bounds_check_names_each_inconsistency() {
    assert_eq!(validate_market(&market()), Ok(()));
    assert_eq!(validate_collateral(&collateral()), Ok(()));

    let cases: Vec<(MarketRiskConfig, BoundsError)> = vec![
        ({ let mut c = market(); c.margin.maintenance.lower = fx(0.3); c }, BoundsError::LowerAboveUpper),
        ({ let mut c = market(); c.margin.initial.upper = fx(1.5); c }, BoundsError::RatioOutOfRange),
        ({ let mut c = market(); c.margin.maintenance.sensitivity = fx(-1.0); c }, BoundsError::NegativeCurve),
        ({ let mut c = market(); c.margin.initial.lower = fx(0.04); c }, BoundsError::InitialBelowMaintenance),
        ({ let mut c = market(); c.margin.initial.sensitivity = fx(1.0); c }, BoundsError::InitialBelowMaintenance),
        ({ let mut c = market(); c.liquidation_penalty = fx(0.05); c }, BoundsError::PenaltyNotBelowMaintenance),
        ({ let mut c = market(); c.max_move_over_horizon = fx(0.045); c }, BoundsError::HorizonMoveNotCovered),
        ({ let mut c = market(); c.margin.tighten_per_slot = Fixed::ZERO; c }, BoundsError::NonPositiveSlewRate),
        ({ let mut c = market(); c.liquidation_buffer = fx(0.8); c }, BoundsError::BadLiquidationBuffer),
        ({ let mut c = market(); c.positive_pnl_weight_initial = fx(0.9); c }, BoundsError::WeightOutOfRange),
        ({ let mut c = market(); c.size_factor = fx(-0.1); c }, BoundsError::NegativeSizeFactor),
    ];
    for (config, error) in cases {
        assert_eq!(validate_market(&config), Err(error));
    }

    let mut c = collateral();
    c.liquidation_buffer = fx(0.02);
    assert_eq!(validate_collateral(&c), Err(BoundsError::BadLiquidationBuffer), "buffer must exceed the discount");
    let mut c = collateral();
    c.max_move_over_horizon = fx(0.09);
    assert_eq!(validate_collateral(&c), Err(BoundsError::HorizonMoveNotCovered));
}
