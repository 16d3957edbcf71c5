//! Feedback parameters and the bounds check: DESIGN.md invariant 4
//! (parameters never leave bounds; maintenance never moves faster than its
//! slew rate and never exceeds initial) over random volatility paths.
mod common;

use common::{valid_collateral as collateral, valid_market as market};
use proptest::prelude::*;
use reflex_risk::bounds::validate_feedback;
use reflex_risk::params::{size_scaled_collateral_weight, size_scaled_margin_ratio};
use reflex_risk::{
    validate_collateral, validate_market, BoundsError, FeedbackConfig, FeedbackState, Fixed, LevelCurve, MarketRiskConfig, VolatilityPath,
};

fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

/// A valid feedback config: maintenance curve first, then an initial curve
/// at least as tight in every respect.
/// `σ_T` of a print at `since`, the one before at `previous_since`.
fn printed(current: Fixed, since: u64, previous_since: u64) -> VolatilityPath {
    VolatilityPath { current, initial: current, since, previous_since }
}

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
    prop::collection::vec(
        (prop_oneof![Just(0u64), 1u64..10, 10u64..100_000, Just(10_000_000u64)], prop_oneof![0.0f64..0.02, 0.02f64..0.5, 0.5f64..50.0]),
        1..80,
    )
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
            state.advance(&config, printed(fx(sigma), slot, slot - dt), slot);
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

    /// No slot passing: the slew rule with zero elapsed slots, written out
    /// (both rates times zero), is what `step_toward` gives, for any levels
    /// and targets, ordered or not; and an advance in the slot a level is
    /// already at, under the same σ_T, is the same as one more zero-slot step.
    #[test]
    fn zero_slots_follow_the_slew_rule(config in feedback_config(), levels in any::<[i64; 4]>(), sigma in 0.0f64..1.0) {
        let [initial, maintenance, initial_target, maintenance_target] = levels.map(|bits| Fixed::from_bits(bits.into()));
        let mut state = FeedbackState { initial, maintenance, last_slot: 7, risk_volatility: Fixed::ZERO, initial_volatility: Fixed::ZERO };
        let rule_initial = if initial_target >= initial { initial_target } else { initial_target.max(initial.saturating_sub(Fixed::ZERO)) };
        let rule_maintenance = if maintenance_target >= maintenance {
            maintenance_target.min(maintenance.saturating_add(Fixed::ZERO))
        } else {
            maintenance_target.max(maintenance.saturating_sub(Fixed::ZERO))
        };
        state.step_toward(&config, initial_target, maintenance_target, 0);
        prop_assert_eq!((state.initial, state.maintenance), (rule_initial, rule_maintenance.min(rule_initial)));

        let mut twice = FeedbackState::new(&config, fx(sigma), 100);
        twice.advance(&config, printed(fx(sigma * 2.0), 100, 50), 100);
        let once = twice;
        twice.advance(&config, printed(fx(sigma * 2.0), 100, 50), 100);
        prop_assert_eq!(twice, once, "a second advance in the same slot moved the levels");
    }

    /// A level advanced only now and then, with at most one print of the
    /// feed between two advances, ends where a level cranked every slot
    /// ends: the slots before the print are replayed under the old `σ_T`
    /// (`an_idle_level_banks_no_slew_credit` covers several prints).
    #[test]
    fn intermittent_advances_replay_the_slots_they_missed(config in feedback_config(), prints in proptest::collection::vec((1u64..400, 0.0f64..0.6, any::<bool>()), 1..30)) {
        let start = 1_000u64;
        let mut cranked = FeedbackState::new(&config, Fixed::ZERO, start);
        let mut intermittent = cranked;
        let (mut slot, mut since, mut previous_since, mut sigma) = (start, start, start, Fixed::ZERO);
        for (gap, next_sigma, advance_before_print) in prints {
            // The feed prints at `slot + gap`; the intermittent level is
            // advanced (or not) just before the print, then at the print.
            for s in slot + 1..slot + gap {
                cranked.advance(&config, printed(sigma, since, previous_since), s);
            }
            if advance_before_print {
                intermittent.advance(&config, printed(sigma, since, previous_since), slot + gap - 1);
            }
            slot += gap;
            previous_since = since;
            since = slot;
            sigma = fx(next_sigma);
            cranked.advance(&config, printed(sigma, since, previous_since), slot);
            intermittent.advance(&config, printed(sigma, since, previous_since), slot);
            prop_assert_eq!((intermittent.initial, intermittent.maintenance), (cranked.initial, cranked.maintenance));
        }
    }

    #[test]
    fn a_spike_raises_initial_at_once_and_maintenance_only_at_the_slew_rate(config in feedback_config()) {
        let mut state = FeedbackState::new(&config, Fixed::ZERO, 0);
        let calm = state;
        state.advance(&config, printed(fx(10.0), 1, 0), 1);
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
        state.advance(&config, printed(Fixed::from_bits(bits[5]), slots[0], slots[2]), slots[1]);
        state.advance(&config, printed(Fixed::from_bits(bits[7]), slots[1], slots[0]), slots[2]);
        let old = config;
        state.install(&old, &config, printed(Fixed::from_bits(bits[2]), slots[2], slots[1]), slots[0]);
        let _ = size_scaled_margin_ratio(Fixed::from_bits(bits[0]), Fixed::from_bits(bits[1]), Fixed::from_bits(bits[2]));
        let _ = size_scaled_collateral_weight(Fixed::from_bits(bits[3]), Fixed::from_bits(bits[4]), Fixed::from_bits(bits[5]));
    }
}

/// Initial 5% + 2σ up to 50%, maintenance 3% + σ up to 30%; 0.1% a slot
/// to tighten, 0.01% to loosen.
fn two_curves() -> FeedbackConfig {
    FeedbackConfig {
        initial: LevelCurve { base: fx(0.05), sensitivity: fx(2.0), lower: fx(0.05), upper: fx(0.5) },
        maintenance: LevelCurve { base: fx(0.03), sensitivity: fx(1.0), lower: fx(0.03), upper: fx(0.3) },
        tighten_per_slot: fx(0.001),
        loosen_per_slot: fx(0.0001),
    }
}

#[test]
fn calm_loosens_at_the_loosening_rate() {
    let config = two_curves();
    let mut state = FeedbackState::new(&config, fx(0.2), 0); // initial 0.45, maintenance 0.23
    state.advance(&config, VolatilityPath::constant_since(Fixed::ZERO, 0), 100);
    assert!((state.initial.to_num::<f64>() - (0.45 - 0.01)).abs() < 1e-12);
    assert!((state.maintenance.to_num::<f64>() - (0.23 - 0.01)).abs() < 1e-12);
    state.advance(&config, VolatilityPath::constant_since(Fixed::ZERO, 0), 1_000_000);
    assert_eq!((state.initial, state.maintenance), (fx(0.05), fx(0.03)), "reaches the calm targets");
}

/// A level left uncranked while the target was flat banks no credit for the
/// slots before `σ_T` rose: after a spike at slot 1,000 (cranked each slot
/// since), a market last advanced at slot 0 may rise by one slot's rate for
/// each slot from 1,000 on, not for all 1,000 idle slots at once.
#[test]
fn an_idle_level_banks_no_slew_credit() {
    let config = FeedbackConfig {
        initial: LevelCurve { base: fx(0.05), sensitivity: fx(2.0), lower: fx(0.05), upper: fx(0.5) },
        maintenance: LevelCurve { base: fx(0.03), sensitivity: fx(1.0), lower: fx(0.03), upper: fx(0.3) },
        tighten_per_slot: fx(0.0001),
        loosen_per_slot: fx(0.0001),
    };
    let mut idle = FeedbackState::new(&config, Fixed::ZERO, 0);
    let mut cranked = idle;
    for slot in 1..1_000 {
        cranked.advance(&config, printed(Fixed::ZERO, slot, slot - 1), slot);
    }
    // σ_T jumps at slot 1,000 and the feed is refreshed every slot after it.
    for slot in 1_000..1_010 {
        cranked.advance(&config, printed(fx(0.2), slot, slot - 1), slot);
    }
    idle.advance(&config, printed(fx(0.2), 1_009, 1_008), 1_009);
    assert_eq!(cranked.maintenance, fx(0.03) + fx(0.0001) * 10, "cranked every slot: ten slots of slew");
    assert_eq!(idle.maintenance, fx(0.03) + fx(0.0001), "idle: only the slot of the current target counts");
    assert_eq!(idle.initial, config.initial.target(fx(0.2)), "initial tightens at once either way");
    // A feed that did not move while the level sat idle: the target was the
    // same all along, so every slot counts.
    let mut steady = FeedbackState::new(&config, fx(0.2), 0);
    steady.maintenance = fx(0.03);
    steady.advance(&config, VolatilityPath::constant_since(fx(0.2), 0), 50);
    assert_eq!(steady.maintenance, fx(0.03) + fx(0.0001) * 50);
}

/// New bounds move the live levels only through the slew: initial tightens
/// at once, maintenance walks up into the raised bounds at its rate.
#[test]
fn new_bounds_move_maintenance_through_the_slew() {
    let old = FeedbackConfig {
        initial: LevelCurve { base: fx(0.05), sensitivity: Fixed::ZERO, lower: fx(0.05), upper: fx(0.5) },
        maintenance: LevelCurve { base: fx(0.03), sensitivity: Fixed::ZERO, lower: fx(0.03), upper: fx(0.3) },
        tighten_per_slot: fx(0.001),
        loosen_per_slot: fx(0.001),
    };
    let mut new = old;
    new.initial.lower = fx(0.1);
    new.maintenance.lower = fx(0.08);
    let calm = VolatilityPath::constant_since(Fixed::ZERO, 0);
    let mut state = FeedbackState::new(&old, Fixed::ZERO, 0);
    state.install(&old, &new, calm, 500);
    assert_eq!((state.initial, state.maintenance), (fx(0.1), fx(0.03)), "initial at once, maintenance not yet");
    state.advance(&new, calm, 510);
    assert_eq!(state.maintenance, fx(0.03) + fx(0.001) * 10);
    state.advance(&new, calm, 10_000);
    assert_eq!(state.maintenance, fx(0.08), "inside the new bounds once the slew got there");
    // Lowered bounds: initial loosens at its rate, not at once.
    let mut looser = new;
    looser.initial.lower = fx(0.05);
    looser.initial.base = fx(0.05);
    state.install(&new, &looser, calm, 10_000);
    assert_eq!(state.initial, fx(0.1));
    state.advance(&looser, calm, 10_010);
    assert_eq!(state.initial, fx(0.1) - fx(0.001) * 10);
}
#[test]
fn the_bounds_check_names_each_inconsistency() {
    assert_eq!(validate_market(&market()), Ok(()));
    assert_eq!(validate_collateral(&collateral()), Ok(()));

    let cases: Vec<(MarketRiskConfig, BoundsError)> = vec![
        (
            {
                let mut c = market();
                c.margin.maintenance.lower = fx(0.3);
                c
            },
            BoundsError::LowerAboveUpper,
        ),
        (
            {
                let mut c = market();
                c.margin.initial.upper = fx(1.5);
                c
            },
            BoundsError::RatioOutOfRange,
        ),
        (
            {
                let mut c = market();
                c.margin.maintenance.sensitivity = fx(-1.0);
                c
            },
            BoundsError::NegativeCurve,
        ),
        (
            {
                let mut c = market();
                c.margin.initial.lower = fx(0.04);
                c
            },
            BoundsError::InitialBelowMaintenance,
        ),
        (
            {
                let mut c = market();
                c.margin.initial.sensitivity = fx(1.0);
                c
            },
            BoundsError::InitialBelowMaintenance,
        ),
        (
            {
                let mut c = market();
                c.liquidation_penalty = fx(0.05);
                c
            },
            BoundsError::PenaltyNotBelowMaintenance,
        ),
        (
            {
                let mut c = market();
                c.max_move_over_horizon = fx(0.045);
                c
            },
            BoundsError::HorizonMoveNotCovered,
        ),
        (
            {
                let mut c = market();
                c.margin.tighten_per_slot = Fixed::ZERO;
                c
            },
            BoundsError::NonPositiveSlewRate,
        ),
        (
            {
                let mut c = market();
                c.liquidation_buffer = fx(0.8);
                c
            },
            BoundsError::BadLiquidationBuffer,
        ),
        (
            {
                let mut c = market();
                c.positive_pnl_weight_initial = fx(0.9);
                c
            },
            BoundsError::WeightOutOfRange,
        ),
        (
            {
                let mut c = market();
                c.size_factor = fx(-0.1);
                c
            },
            BoundsError::NegativeSizeFactor,
        ),
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

/// Size scaling is off for a zero or negative size factor and for a
/// notional or value that is not positive: the unscaled level, never an
/// error (a square root of a negative value would be one).
#[test]
fn size_scaling_needs_a_positive_factor_and_a_positive_size() {
    let (ratio, haircut) = (fx(0.1), fx(0.2));
    for (factor, size) in [(fx(1e-3), fx(-5.0)), (fx(1e-3), Fixed::ZERO), (Fixed::ZERO, fx(1e6)), (fx(-1e-3), fx(1e6))] {
        assert_eq!(size_scaled_margin_ratio(ratio, factor, size), Ok(ratio), "factor {factor}, notional {size}");
        assert_eq!(size_scaled_collateral_weight(haircut, factor, size), Ok(fx(0.8)), "factor {factor}, value {size}");
    }
    assert!(size_scaled_margin_ratio(ratio, fx(1e-3), fx(1e6)).unwrap() > ratio, "on: 1e-3·sqrt(1e6) = 1 > 0.1");
}

/// A level advanced again at the slot of the print it last moved with
/// replays nothing before it: the σ_T it remembers is not applied again.
#[test]
fn an_advance_at_the_last_prints_slot_replays_no_earlier_slot() {
    let config = two_curves();
    // Levels below what the remembered σ_T (0.2: initial target 0.45) would hold them at.
    let state =
        FeedbackState { initial: fx(0.1), maintenance: fx(0.05), last_slot: 100, risk_volatility: fx(0.2), initial_volatility: fx(0.2) };
    let mut advanced = state;
    advanced.advance(&config, printed(Fixed::ZERO, 100, 50), 101);
    // One slot toward the calm targets from where the levels were.
    assert_eq!(advanced.initial, fx(0.1) - fx(0.0001));
    assert_eq!(advanced.last_slot, 101);
}
