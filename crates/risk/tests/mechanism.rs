//! The study's mechanism variants: the robust σ_T is cadence-robust, the
//! add-ons and the APC floor match f64 references and stay in bounds, the
//! gap floor says by how much it falls short, the steward's rule is capped.
use proptest::prelude::*;
use reflex_risk::bounds::validate_gap_floor;
use reflex_risk::mechanism::*;
use reflex_risk::{AccumulatorConfig, FeedbackConfig, FeedbackState, Fixed, LevelCurve, VolatilityAccumulator, VolatilityPath};

// Shared with the SBF replay of real price files (tests/tests/integration/replay.rs).
#[path = "reference/mod.rs"]
mod reference;
use reference::RobustReference;

fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

fn robust_config() -> RobustConfig {
    RobustConfig {
        grid_slots: 150,
        initial_half_life_slots: 750,
        fast_half_life_slots: 9_000,
        slow_half_life_slots: 216_000,
        long_half_life_slots: 1_512_000,
        confidence_half_life_slots: 150,
        horizon_slots: 150,
        max_log_return: fx(0.2),
        range_weight: fx(0.5),
        seed_variance: fx(1e-9),
    }
}

/// A 10% fall from 100 starting at slot 1,500 (a cell boundary), posted in `prints` equal log steps one slot apart.
fn fall_in(prints: u64, config: &RobustConfig) -> (RobustVolatility, Vec<RobustSigma>) {
    let mut state = RobustVolatility::default();
    state.update(config, fx(100.0), Fixed::ZERO, 1_499).unwrap();
    let mut sigmas = Vec::new();
    for k in 1..=prints {
        let price = 100.0 * (0.9f64.ln() * k as f64 / prints as f64).exp();
        state.update(config, fx(price), Fixed::ZERO, 1_500 + k).unwrap();
        sigmas.push(state.sigma(config).unwrap());
    }
    (state, sigmas)
}

#[test]
fn a_fall_split_into_prints_within_a_cell_gives_the_same_sigma() {
    let config = robust_config();
    let (one, _) = fall_in(1, &config);
    let reference = one.sigma(&config).unwrap();
    assert!(reference.maintenance >= fx(0.05), "the range term sees the 10% fall at once: {}", reference.maintenance);
    for prints in [2, 5, 10, 50, 140] {
        let (state, _) = fall_in(prints, &config);
        let sigma = state.sigma(&config).unwrap();
        let tolerance = fx(1e-9);
        assert!(
            (sigma.maintenance - reference.maintenance).abs() <= tolerance,
            "{prints} prints: {} against {}",
            sigma.maintenance,
            reference.maintenance
        );
        assert!((sigma.initial - reference.initial).abs() <= tolerance, "{prints} prints");
        // A later print in the next cell: the variances agree bit for bit.
        let (mut a, mut b) = (one, state);
        a.update(&config, fx(90.0), Fixed::ZERO, 1_800).unwrap();
        b.update(&config, fx(90.0), Fixed::ZERO, 1_800).unwrap();
        assert_eq!(
            (a.fast_variance, a.initial_variance, a.slow_variance),
            (b.fast_variance, b.initial_variance, b.slow_variance),
            "{prints} prints"
        );
    }
    // The on-chain accumulator, for contrast, sees ten prints as a third of one.
    let acc = AccumulatorConfig {
        fast_half_life_slots: 9_000,
        slow_half_life_slots: 216_000,
        max_log_return: fx(0.2),
        horizon_slots: 150,
        seed_variance: fx(1e-9),
    };
    let sigma_of = |prints: u64| {
        let mut state = VolatilityAccumulator::default();
        state.update(&acc, fx(100.0), Fixed::ZERO, 1_499).unwrap();
        for k in 1..=prints {
            state.update(&acc, fx(100.0 * (0.9f64.ln() * k as f64 / prints as f64).exp()), Fixed::ZERO, 1_500 + k).unwrap();
        }
        state.risk_volatility(&acc).unwrap().to_num::<f64>()
    };
    assert!(sigma_of(10) < 0.5 * sigma_of(1));
}

#[test]
fn one_wide_print_moves_the_smoothed_confidence_a_little() {
    let config = robust_config();
    let mut state = RobustVolatility::default();
    for slot in 0..300 {
        state.update(&config, fx(100.0), fx(0.05), slot).unwrap();
    }
    let calm = state.sigma(&config).unwrap().maintenance;
    state.update(&config, fx(100.0), fx(2.0), 300).unwrap();
    let after = state.sigma(&config).unwrap().maintenance;
    assert!(after - calm < fx(0.0002), "a 2% print moved σ_T by {}", after - calm);
    assert!(after > calm);
}

#[test]
fn initial_sigma_is_never_below_maintenance_and_bad_input_is_refused() {
    let config = robust_config();
    let mut state = RobustVolatility::default();
    let mut price = 100.0f64;
    for slot in 0..3_000u64 {
        price *= (0.003 * ((slot * 7919 % 13) as f64 - 6.0) / 6.0).exp();
        state.update(&config, fx(price), fx(price * 0.0005), slot * 20).unwrap();
        let sigma = state.sigma(&config).unwrap();
        assert!(sigma.initial >= sigma.maintenance);
    }
    let before = state;
    assert!(state.update(&config, fx(-1.0), Fixed::ZERO, 70_000).is_err());
    assert!(state.update(&config, fx(1.0), Fixed::ZERO, 10).is_err());
    assert_eq!(state, before);
}

proptest! {
    #[test]
    fn open_interest_add_on_matches_f64(lower in 0.0f64..0.9, span in 0.01f64..1.0, max in 0.0f64..0.3, used in 0.0f64..3.0) {
        let scaling = OpenInterestScaling { lower: fx(lower), upper: fx(lower + span), max_add_on: fx(max) };
        let got = open_interest_add_on(&scaling, fx(used * 1e9), fx(1e9)).unwrap().to_num::<f64>();
        let want = max * ((used - lower) / span).clamp(0.0, 1.0);
        prop_assert!((got - want).abs() <= 1e-9 + want * 1e-9, "{got} vs {want}");
        prop_assert!(got >= 0.0 && got <= max + 1e-12);
    }

    /// The lower-bound shortcut decides exactly as the utilisation's
    /// division would: the same result, to the bit, error for error, over
    /// notionals and capacities of every size, near the bound included.
    #[test]
    fn open_interest_add_on_equals_the_division(
        lower in 0i128..(1 << 49), span in 0i128..(1 << 49), max in 0i128..(1 << 47),
        capacity_bits in 1u32..126, capacity_noise in any::<u128>(), near in any::<bool>(), offset in -3i128..=3, notional_noise in any::<u128>(),
    ) {
        let scaling = OpenInterestScaling { lower: Fixed::from_bits(lower), upper: Fixed::from_bits(lower + span), max_add_on: Fixed::from_bits(max) };
        let capacity = Fixed::from_bits((capacity_noise >> (128 - capacity_bits)) as i128 | 1);
        let notional = if near {
            // At the bound the shortcut compares with: ⌊L·C/2⁴⁸⌋ and its neighbours.
            scaling.lower.checked_mul(capacity).map_or(Fixed::MAX, |bound| bound.saturating_add(Fixed::from_bits(offset)).max(Fixed::ZERO))
        } else {
            Fixed::from_bits((notional_noise >> 1) as i128 >> (notional_noise % 127))
        };
        prop_assert_eq!(open_interest_add_on(&scaling, notional, capacity), add_on_by_division(&scaling, notional, capacity));
    }

    #[test]
    fn margin_with_add_on_matches_f64_and_stays_in_bounds(live in 0.0f64..1.0, above in 0.0f64..0.5, add_on in -0.1f64..0.5) {
        let upper = (live + above).min(1.0);
        let got = margin_with_add_on(fx(live), fx(upper), fx(add_on));
        let want = live.max((live + add_on.max(0.0)).min(upper));
        prop_assert!((got.to_num::<f64>() - want).abs() <= 1e-12, "{got} vs {want}");
        prop_assert!(got >= fx(live) && (got <= fx(upper) || got == fx(live)));
    }

    #[test]
    fn deposit_haircut_matches_f64_and_only_grows(h in 0.0f64..0.9, deposits in 0.0f64..1e12, depth in 1.0f64..1e12) {
        let got = deposit_haircut(fx(h), fx(deposits), fx(depth)).unwrap().to_num::<f64>();
        let want = 1.0 - (1.0 - h) * (depth / deposits.max(depth));
        prop_assert!((got - want).abs() <= 1e-9, "{got} vs {want}");
        prop_assert!(got >= h - 1e-12 && got <= 1.0);
    }

    #[test]
    fn apc_target_holds_the_buffer_in_calm_and_releases_it(sigma in 0.0f64..0.2, long in 0.0f64..0.05, buffer in 0.0f64..0.5) {
        let curve = LevelCurve { base: fx(0.03), sensitivity: fx(2.0), lower: fx(0.03), upper: fx(0.25) };
        let got = apc_target(&curve, fx(sigma), fx(long), fx(buffer)).unwrap().to_num::<f64>();
        let target = |s: f64| (0.03 + 2.0 * s).clamp(0.03, 0.25);
        let want = target(sigma).max(((1.0 + buffer) * target(long)).min(0.25));
        prop_assert!((got - want).abs() <= 1e-9, "{got} vs {want}");
        prop_assert!(got <= 0.25 + 1e-12 && got >= target(sigma) - 1e-12);
    }

    #[test]
    fn step_toward_the_curve_targets_is_advance(sigmas in proptest::collection::vec(0.0f64..0.2, 1..40)) {
        let config = FeedbackConfig {
            initial: LevelCurve { base: fx(0.05), sensitivity: fx(4.0), lower: fx(0.05), upper: fx(0.5) },
            maintenance: LevelCurve { base: fx(0.03), sensitivity: fx(2.0), lower: fx(0.03), upper: fx(0.25) },
            tighten_per_slot: fx(0.0005),
            loosen_per_slot: fx(0.00005),
        };
        let mut a = FeedbackState::new(&config, Fixed::ZERO, 0);
        let mut b = a;
        for (slot, sigma) in sigmas.iter().enumerate() {
            let slot = slot as u64 + 1;
            a.advance(&config, VolatilityPath { current: fx(*sigma), initial: fx(*sigma), since: slot, previous_since: slot - 1 }, slot);
            b.step_toward(&config, config.initial.target(fx(*sigma)), config.maintenance.target(fx(*sigma)), 1);
            prop_assert_eq!((a.initial, a.maintenance), (b.initial, b.maintenance));
        }
    }
}

#[test]
fn the_gap_floor_says_how_far_short_it_falls() {
    assert!(validate_gap_floor(fx(0.05), fx(0.01), fx(0.04)).is_ok());
    let short = validate_gap_floor(fx(0.03), fx(0.01), fx(0.04)).unwrap_err();
    assert_eq!(short.needed, fx(0.04) + fx(0.01));
    assert_eq!(short.shortfall, fx(0.04) + fx(0.01) - fx(0.03));
}

#[test]
fn the_steward_raises_by_at_most_its_step_and_relaxes_back_to_the_governed_base() {
    let rule = StewardRule { sigma_multiple: fx(3.0), step: fx(0.01), relax_below: fx(0.5) };
    let points = [LiquidationPoint { price: fx(95.0), notional: fx(600.0) }, LiquidationPoint { price: fx(80.0), notional: fx(10_000.0) }];
    let at_risk = notional_within_move(&points, fx(100.0), fx(0.06)).unwrap();
    assert_eq!(at_risk, fx(600.0), "only the position within a 6% move");
    let raised = steward_base(&rule, fx(0.05), fx(0.05), fx(0.15), at_risk, fx(500.0)).unwrap();
    assert_eq!(raised, fx(0.05) + fx(0.01));
    assert_eq!(steward_base(&rule, fx(0.15), fx(0.05), fx(0.15), at_risk, fx(500.0)).unwrap(), fx(0.15), "never past the ceiling");
    assert_eq!(steward_base(&rule, fx(0.08), fx(0.05), fx(0.15), fx(100.0), fx(500.0)).unwrap(), fx(0.08) - fx(0.01), "relaxes one step");
    assert_eq!(steward_base(&rule, fx(0.05), fx(0.05), fx(0.15), fx(0.0), fx(500.0)).unwrap(), fx(0.05), "never below the governed base");
}

proptest! {
    /// Along random paths (gaps from one slot to a day, moves up to ±15%,
    /// confidence up to 2%), the fixed-point estimator's σ_init and σ_maint
    /// stay within 1e-9 of the f64 reference, `level_sigmas` equals
    /// `sigma`, and σ_init is never below σ_maint.
    #[test]
    fn robust_sigma_matches_an_f64_reference(steps in proptest::collection::vec((0u64..5, 1u64..3_000, -150i64..150, 0u64..200), 1..120)) {
        let config = robust_config();
        let (mut state, mut reference) = (RobustVolatility::default(), RobustReference::default());
        let (mut slot, mut price) = (10_000u64, 100.0f64);
        for (kind, gap, move_bp, confidence_bp) in steps {
            slot += match kind { 0 => 1, 1 => gap % 150 + 1, 2 => gap, 3 => 150, _ => gap * 72 };
            price *= (move_bp as f64 / 1e3).exp();
            let confidence = price * confidence_bp as f64 / 1e4;
            state.update(&config, fx(price), fx(confidence), slot).unwrap();
            // The reference takes the prices the fixed point holds.
            reference.update(&config, fx(price).to_num(), fx(confidence).to_num(), slot);
            let sigma = state.sigma(&config).unwrap();
            prop_assert_eq!(state.level_sigmas(&config).unwrap(), (sigma.initial, sigma.maintenance));
            prop_assert!(sigma.initial >= sigma.maintenance);
            let (initial, maintenance) = reference.sigma(&config);
            prop_assert!((sigma.initial.to_num::<f64>() - initial).abs() < 1e-9, "σ_init {} vs {initial} at slot {slot}", sigma.initial);
            prop_assert!((sigma.maintenance.to_num::<f64>() - maintenance).abs() < 1e-9, "σ_maint {} vs {maintenance} at slot {slot}", sigma.maintenance);
        }
    }
}

/// `open_interest_add_on` as first written: the utilisation always divided out.
fn add_on_by_division(scaling: &OpenInterestScaling, notional: Fixed, capacity: Fixed) -> Result<Fixed, reflex_risk::RiskError> {
    use reflex_risk::fixed_math::{div, mul_ceil, sub};
    if scaling.max_add_on == 0 || notional == 0 {
        return Ok(Fixed::ZERO);
    }
    let utilisation = div(notional, capacity)?;
    if utilisation <= scaling.lower {
        return Ok(Fixed::ZERO);
    }
    if utilisation >= scaling.upper || scaling.upper <= scaling.lower {
        return Ok(scaling.max_add_on);
    }
    let fraction = div(sub(utilisation, scaling.lower)?, sub(scaling.upper, scaling.lower)?)?;
    Ok(mul_ceil(scaling.max_add_on, fraction)?.min(scaling.max_add_on))
}

/// Each setting the robust estimator refuses, alone and at its edge: a grid
/// cell or a confidence average longer than the initial half-life (equal is
/// fine), a range weight outside (0, 1].
#[test]
fn each_robust_setting_is_refused_alone_at_its_edge() {
    let valid = robust_config();
    assert_eq!(valid.validate(), Ok(()));
    let initial = valid.initial_half_life_slots;
    assert_eq!(RobustConfig { grid_slots: initial, ..valid }.validate(), Ok(()));
    assert!(RobustConfig { grid_slots: initial + 1, ..valid }.validate().is_err());
    assert_eq!(RobustConfig { confidence_half_life_slots: initial, ..valid }.validate(), Ok(()));
    assert!(RobustConfig { confidence_half_life_slots: initial + 1, ..valid }.validate().is_err());
    assert!(RobustConfig { range_weight: Fixed::ZERO, ..valid }.validate().is_err());
    assert_eq!(RobustConfig { range_weight: Fixed::DELTA, ..valid }.validate(), Ok(()));
    assert_eq!(RobustConfig { range_weight: Fixed::ONE, ..valid }.validate(), Ok(()));
    assert!(RobustConfig { range_weight: Fixed::ONE + Fixed::DELTA, ..valid }.validate().is_err());
}

/// The half-lives in order (initial ≤ fast ≤ slow ≤ long: equal is fine,
/// one slot out of order is not, pair by pair), none zero, and the other
/// settings with their own errors.
#[test]
fn the_robust_half_lives_are_ordered_and_the_rest_named() {
    use reflex_risk::{ConfigError, RiskError};
    let valid = robust_config();
    let refused = |config: RobustConfig| config.validate().err();
    let order = Some(RiskError::from(ConfigError::SlowFasterThanFast));
    let (fast, slow, long) = (valid.fast_half_life_slots, valid.slow_half_life_slots, valid.long_half_life_slots);
    assert_eq!(RobustConfig { initial_half_life_slots: fast, grid_slots: 1, confidence_half_life_slots: 1, ..valid }.validate(), Ok(()));
    assert_eq!(refused(RobustConfig { initial_half_life_slots: fast + 1, ..valid }), order);
    assert_eq!(RobustConfig { fast_half_life_slots: slow, ..valid }.validate(), Ok(()));
    assert_eq!(refused(RobustConfig { fast_half_life_slots: slow + 1, ..valid }), order);
    assert_eq!(RobustConfig { slow_half_life_slots: long, ..valid }.validate(), Ok(()));
    assert_eq!(refused(RobustConfig { slow_half_life_slots: long + 1, ..valid }), order);
    let zero = Some(RiskError::from(ConfigError::ZeroHalfLife));
    for config in [
        RobustConfig { initial_half_life_slots: 0, ..valid },
        RobustConfig { fast_half_life_slots: 0, ..valid },
        RobustConfig { slow_half_life_slots: 0, ..valid },
        RobustConfig { long_half_life_slots: 0, ..valid },
        RobustConfig { confidence_half_life_slots: 0, ..valid },
        RobustConfig { grid_slots: 0, ..valid },
    ] {
        assert_eq!(refused(config), zero);
    }
    assert_eq!(refused(RobustConfig { max_log_return: Fixed::ZERO, ..valid }), Some(ConfigError::NonPositiveReturnClamp.into()));
    assert_eq!(refused(RobustConfig { horizon_slots: 0, ..valid }), Some(ConfigError::ZeroHorizon.into()));
    let negative = Some(RiskError::from(ConfigError::NegativeSeedVariance));
    assert_eq!(refused(RobustConfig { seed_variance: -Fixed::DELTA, ..valid }), negative);
    assert_eq!(RobustConfig { seed_variance: Fixed::ZERO, ..valid }.validate(), Ok(()));
    assert_eq!(refused(RobustConfig { range_weight: -Fixed::DELTA, ..valid }), negative, "a negative weight is named as negative");
    assert_eq!(refused(RobustConfig { range_weight: Fixed::ZERO, ..valid }), Some(ConfigError::RobustOutOfRange.into()));
}

/// The robust estimator takes one print per slot: a second in the same slot
/// changes nothing and is not an error; an older slot is. Before any print
/// every σ_T is zero, after one the long look-back's is not.
#[test]
fn the_robust_estimator_takes_one_print_per_slot_and_starts_at_zero() {
    use reflex_risk::RiskError;
    let config = robust_config();
    let mut robust = RobustVolatility::default();
    assert_eq!(robust.sigma(&config).unwrap(), RobustSigma { initial: Fixed::ZERO, maintenance: Fixed::ZERO, long: Fixed::ZERO });
    robust.update(&config, fx(100.0), fx(0.01), 10).unwrap();
    robust.update(&config, fx(101.0), fx(0.01), 400).unwrap();
    let before = robust;
    assert_eq!(robust.update(&config, fx(50.0), fx(0.01), 400), Ok(()), "the same slot");
    assert_eq!(robust, before);
    assert_eq!(robust.update(&config, fx(50.0), fx(0.01), 399), Err(RiskError::SlotWentBackwards));
    let sigma = robust.sigma(&config).unwrap();
    assert!(sigma.long > 0 && sigma.maintenance > 0, "{sigma:?}");
    assert_eq!((sigma.initial, sigma.maintenance), robust.level_sigmas(&config).unwrap());
}

/// The steward's view of liquidation prices: a price and a move that are
/// not usable are refused (zero move is fine), and a point without a price
/// is never counted, however wide the move.
#[test]
fn notional_within_a_move_counts_only_priced_points() {
    use reflex_risk::RiskError;
    let points = [LiquidationPoint { price: Fixed::ZERO, notional: fx(1_000.0) }, LiquidationPoint { price: fx(50.0), notional: fx(10.0) }];
    assert_eq!(notional_within_move(&points, fx(100.0), fx(1.0)), Ok(fx(10.0)), "the unpriced point is left out");
    assert_eq!(notional_within_move(&points, fx(50.0), Fixed::ZERO), Ok(fx(10.0)), "a zero move sees the price itself");
    assert_eq!(notional_within_move(&points, Fixed::ZERO, fx(0.1)), Err(RiskError::NegativeInput));
    assert_eq!(notional_within_move(&points, fx(100.0), -Fixed::DELTA), Err(RiskError::NegativeInput));
    assert_eq!(notional_within_move(&points, Fixed::DELTA, Fixed::ZERO), Ok(Fixed::ZERO));
}

/// The steward raises only when more is at risk than can be absorbed
/// (equal is not more), relaxes only from above the governed base and only
/// below the relax threshold (at it, it holds), and leaves a base below the
/// governed one where it is.
#[test]
fn the_steward_moves_at_strict_thresholds_only() {
    let rule = StewardRule { sigma_multiple: fx(3.0), step: fx(0.01), relax_below: fx(0.5) };
    let (governed, upper, absorbable) = (fx(0.05), fx(0.15), fx(100.0));
    assert_eq!(steward_base(&rule, fx(0.08), governed, upper, absorbable, absorbable), Ok(fx(0.08)), "at risk equal to absorbable");
    assert_eq!(steward_base(&rule, fx(0.08), governed, upper, absorbable + Fixed::DELTA, absorbable), Ok(fx(0.08) + fx(0.01)));
    assert_eq!(steward_base(&rule, fx(0.08), governed, upper, fx(50.0), absorbable), Ok(fx(0.08)), "at the relax threshold");
    assert_eq!(steward_base(&rule, fx(0.08), governed, upper, fx(50.0) - Fixed::DELTA, absorbable), Ok(fx(0.08) - fx(0.01)));
    assert_eq!(steward_base(&rule, fx(0.08), governed, upper, fx(80.0), absorbable), Ok(fx(0.08)), "between the thresholds");
    assert_eq!(steward_base(&rule, fx(0.03), governed, upper, Fixed::ZERO, absorbable), Ok(fx(0.03)), "below the governed base: left");
}

/// The open-interest add-on refuses each negative input alone (zeros are
/// fine) and adds nothing without open interest, even with no capacity.
#[test]
fn the_open_interest_add_on_checks_each_input() {
    use reflex_risk::RiskError;
    let scaling = OpenInterestScaling { lower: fx(0.5), upper: fx(1.0), max_add_on: fx(0.1) };
    let negative = Err(RiskError::NegativeInput);
    assert_eq!(open_interest_add_on(&scaling, -Fixed::DELTA, fx(100.0)), negative);
    assert_eq!(open_interest_add_on(&scaling, fx(10.0), -Fixed::DELTA), negative);
    assert_eq!(open_interest_add_on(&OpenInterestScaling { max_add_on: -Fixed::DELTA, ..scaling }, fx(10.0), fx(100.0)), negative);
    assert_eq!(open_interest_add_on(&scaling, Fixed::ZERO, Fixed::ZERO), Ok(Fixed::ZERO), "no open interest, no capacity");
    assert_eq!(open_interest_add_on(&scaling, fx(10.0), Fixed::ZERO), Ok(fx(0.1)), "open interest and no capacity: all of it");
    assert_eq!(open_interest_add_on(&OpenInterestScaling { max_add_on: Fixed::ZERO, ..scaling }, fx(10.0), Fixed::ZERO), Ok(Fixed::ZERO));
    // At or past the upper bound the whole add-on, without interpolating
    // (which, over a narrow band at a utilisation of 2⁴⁰, would overflow).
    let narrow = OpenInterestScaling { lower: fx(0.5), upper: fx(0.5) + Fixed::from_bits(1 << 8), max_add_on: fx(0.1) };
    assert_eq!(open_interest_add_on(&narrow, Fixed::from_num(1u64 << 40), Fixed::ONE), Ok(fx(0.1)));
}

/// Depth scaling refuses a negative deposit value or depth, each alone.
#[test]
fn depth_scaling_refuses_negative_inputs() {
    use reflex_risk::RiskError;
    assert_eq!(deposit_haircut(fx(0.1), -Fixed::DELTA, fx(100.0)), Err(RiskError::NegativeInput));
    assert_eq!(deposit_haircut(fx(0.1), fx(100.0), -Fixed::DELTA), Err(RiskError::NegativeInput));
    assert_eq!(deposit_haircut(fx(0.1), Fixed::ZERO, Fixed::ZERO), Ok(fx(0.1)));
    assert_eq!(deposit_haircut(fx(0.2), fx(200.0), fx(100.0)), Ok(fx(0.6)), "1 − 0.8·(100/200)");
}
