//! The governance safety gate at each of its edges: every rule of
//! `reflex_risk::bounds` is tried exactly at its boundary and one resolution
//! step (2⁻⁴⁸) past it on each side, one setting at a time, so that a rule
//! written with the wrong comparison, or two rules joined with the wrong
//! connective, fails here (`cargo mutants` on `bounds.rs`: see
//! `scripts/mutants.sh`).
mod common;

use common::{fx, valid_collateral, valid_market};
use reflex_risk::bounds::{validate_collateral_ext, validate_feedback, validate_gap_floor, validate_market_ext, ExtError, GapShortfall};
use reflex_risk::mechanism::OpenInterestScaling;
use reflex_risk::{
    validate_collateral, validate_market, BoundsError, CollateralRiskConfig, CollateralRiskExt, Fixed, MarketRiskConfig, MarketRiskExt,
};

const STEP: Fixed = Fixed::DELTA;

fn market(change: impl FnOnce(&mut MarketRiskConfig)) -> Result<(), BoundsError> {
    let mut config = valid_market();
    change(&mut config);
    validate_market(&config)
}

fn collateral(change: impl FnOnce(&mut CollateralRiskConfig)) -> Result<(), BoundsError> {
    let mut config = valid_collateral();
    change(&mut config);
    validate_collateral(&config)
}

#[test]
fn the_reference_settings_pass() {
    assert_eq!(validate_market(&valid_market()), Ok(()));
    assert_eq!(validate_collateral(&valid_collateral()), Ok(()));
}

#[test]
fn curves_are_non_negative_ratios_with_ordered_bounds() {
    use BoundsError::*;
    // Base and sensitivity: zero is allowed, a step below is not.
    assert_eq!(market(|c| c.margin.maintenance.base = Fixed::ZERO), Ok(()));
    assert_eq!(market(|c| c.margin.maintenance.base = -STEP), Err(NegativeCurve));
    assert_eq!(market(|c| c.margin.maintenance.sensitivity = Fixed::ZERO), Ok(()));
    assert_eq!(market(|c| c.margin.maintenance.sensitivity = -STEP), Err(NegativeCurve));
    // Lower, upper and base in [0, 1], each on its own.
    assert_eq!(market(|c| c.margin.initial.upper = Fixed::ONE), Ok(()));
    assert_eq!(market(|c| c.margin.initial.upper = Fixed::ONE + STEP), Err(RatioOutOfRange));
    assert_eq!(market(|c| c.margin.initial.base = Fixed::ONE + STEP), Err(RatioOutOfRange));
    assert_eq!(
        market(|c| {
            c.margin.initial.base = Fixed::ONE;
            c.margin.initial.upper = Fixed::ONE;
        }),
        Ok(())
    );
    assert_eq!(market(|c| c.margin.maintenance.lower = -STEP), Err(RatioOutOfRange));
    assert_eq!(market(|c| c.margin.maintenance.upper = Fixed::ONE + STEP), Err(RatioOutOfRange));
    // lower = upper is a fixed level; lower a step above upper is not.
    assert_eq!(market(|c| c.margin.initial.lower = c.margin.initial.upper), Ok(()));
    assert_eq!(market(|c| c.margin.initial.lower = c.margin.initial.upper + STEP), Err(LowerAboveUpper));
}

#[test]
fn initial_is_at_least_maintenance_in_each_respect_on_its_own() {
    use BoundsError::InitialBelowMaintenance;
    let cases: [fn(&mut MarketRiskConfig) -> &mut Fixed; 4] = [
        |c| &mut c.margin.initial.lower,
        |c| &mut c.margin.initial.upper,
        |c| &mut c.margin.initial.base,
        |c| &mut c.margin.initial.sensitivity,
    ];
    let maintenance: [fn(&MarketRiskConfig) -> Fixed; 4] = [
        |c| c.margin.maintenance.lower,
        |c| c.margin.maintenance.upper,
        |c| c.margin.maintenance.base,
        |c| c.margin.maintenance.sensitivity,
    ];
    for (field, floor) in cases.into_iter().zip(maintenance) {
        assert_eq!(
            market(|c| {
                *field(c) = floor(c);
            }),
            Ok(()),
            "equal to maintenance is allowed"
        );
        assert_eq!(
            market(|c| {
                *field(c) = floor(c) - STEP;
            }),
            Err(InitialBelowMaintenance),
            "a step below maintenance is not"
        );
    }
}

#[test]
fn both_slew_rates_must_be_positive() {
    use BoundsError::NonPositiveSlewRate;
    assert_eq!(market(|c| c.margin.tighten_per_slot = STEP), Ok(()));
    assert_eq!(market(|c| c.margin.loosen_per_slot = STEP), Ok(()));
    assert_eq!(market(|c| c.margin.tighten_per_slot = Fixed::ZERO), Err(NonPositiveSlewRate));
    assert_eq!(market(|c| c.margin.loosen_per_slot = Fixed::ZERO), Err(NonPositiveSlewRate));
    assert_eq!(validate_feedback(&valid_collateral().haircut), Ok(()));
}

#[test]
fn a_market_penalty_below_maintenance_and_a_move_that_fits() {
    use BoundsError::*;
    // m_lo = 0.05: a penalty of m_lo is refused, a step below passes (with
    // no provisioned move, so the horizon rule has room).
    assert_eq!(
        market(|c| {
            c.liquidation_penalty = c.margin.maintenance.lower;
            c.max_move_over_horizon = Fixed::ZERO;
        }),
        Err(PenaltyNotBelowMaintenance)
    );
    assert_eq!(
        market(|c| {
            c.liquidation_penalty = c.margin.maintenance.lower - STEP;
            c.max_move_over_horizon = Fixed::ZERO;
        }),
        Ok(())
    );
    // move + penalty = m_lo fits exactly; a step more does not.
    assert_eq!(market(|c| c.max_move_over_horizon = c.margin.maintenance.lower - c.liquidation_penalty), Ok(()));
    assert_eq!(market(|c| c.max_move_over_horizon = c.margin.maintenance.lower - c.liquidation_penalty + STEP), Err(HorizonMoveNotCovered));
    // The move is a ratio in [0, 1].
    assert_eq!(market(|c| c.max_move_over_horizon = Fixed::ZERO), Ok(()));
    assert_eq!(market(|c| c.max_move_over_horizon = -STEP), Err(RatioOutOfRange));
}

#[test]
fn a_market_buffer_keeps_liquidation_end_within_one() {
    use BoundsError::BadLiquidationBuffer;
    assert_eq!(market(|c| c.liquidation_buffer = Fixed::ZERO), Ok(()));
    assert_eq!(market(|c| c.liquidation_buffer = -STEP), Err(BadLiquidationBuffer));
    // maintenance upper (0.25) + buffer = 1 is allowed, a step more is not.
    assert_eq!(market(|c| c.liquidation_buffer = Fixed::ONE - c.margin.maintenance.upper), Ok(()));
    assert_eq!(market(|c| c.liquidation_buffer = Fixed::ONE - c.margin.maintenance.upper + STEP), Err(BadLiquidationBuffer));
}

#[test]
fn size_factors_are_non_negative() {
    use BoundsError::NegativeSizeFactor;
    assert_eq!(market(|c| c.size_factor = Fixed::ZERO), Ok(()));
    assert_eq!(market(|c| c.size_factor = -STEP), Err(NegativeSizeFactor));
    assert_eq!(collateral(|c| c.size_factor = Fixed::ZERO), Ok(()));
    assert_eq!(collateral(|c| c.size_factor = -STEP), Err(NegativeSizeFactor));
}

#[test]
fn pnl_weights_are_ratios_with_initial_at_most_maintenance() {
    use BoundsError::WeightOutOfRange;
    // Each weight on its own out of [0, 1].
    assert_eq!(market(|c| c.positive_pnl_weight_initial = -STEP), Err(WeightOutOfRange));
    assert_eq!(
        market(|c| {
            c.positive_pnl_weight_initial = Fixed::ZERO;
            c.positive_pnl_weight_maintenance = -STEP;
        }),
        Err(WeightOutOfRange)
    );
    assert_eq!(market(|c| c.positive_pnl_weight_maintenance = Fixed::ONE), Ok(()));
    assert_eq!(
        market(|c| {
            c.positive_pnl_weight_maintenance = Fixed::ONE + STEP;
            c.positive_pnl_weight_initial = Fixed::ONE + STEP;
        }),
        Err(WeightOutOfRange)
    );
    assert_eq!(
        market(|c| {
            c.positive_pnl_weight_initial = Fixed::ZERO;
            c.positive_pnl_weight_maintenance = Fixed::ONE + STEP;
        }),
        Err(WeightOutOfRange)
    );
    // Initial equal to maintenance passes; a step above does not.
    assert_eq!(market(|c| c.positive_pnl_weight_initial = c.positive_pnl_weight_maintenance), Ok(()));
    assert_eq!(market(|c| c.positive_pnl_weight_initial = c.positive_pnl_weight_maintenance + STEP), Err(WeightOutOfRange));
}

#[test]
fn a_collateral_buffer_exceeds_the_discount_and_stays_within_one() {
    use BoundsError::*;
    assert_eq!(collateral(|c| c.liquidation_buffer = c.liquidation_discount + STEP), Ok(()));
    assert_eq!(collateral(|c| c.liquidation_buffer = c.liquidation_discount), Err(BadLiquidationBuffer));
    assert_eq!(collateral(|c| c.liquidation_buffer = Fixed::ONE), Ok(()));
    assert_eq!(collateral(|c| c.liquidation_buffer = Fixed::ONE + STEP), Err(BadLiquidationBuffer));
    // The discount and the move against the lowest haircut (h_lo = 0.1).
    assert_eq!(collateral(|c| c.max_move_over_horizon = c.haircut.maintenance.lower - c.liquidation_discount), Ok(()));
    assert_eq!(
        collateral(|c| c.max_move_over_horizon = c.haircut.maintenance.lower - c.liquidation_discount + STEP),
        Err(HorizonMoveNotCovered)
    );
    assert_eq!(collateral(|c| c.liquidation_discount = -STEP), Err(RatioOutOfRange));
    assert_eq!(collateral(|c| c.liquidation_discount = Fixed::ONE + STEP), Err(RatioOutOfRange));
    assert_eq!(collateral(|c| c.max_move_over_horizon = Fixed::ONE + STEP), Err(RatioOutOfRange));
}

#[test]
fn the_gap_floor_at_its_edge_says_by_how_much() {
    let lowest = fx(0.05);
    assert_eq!(validate_gap_floor(lowest, fx(0.01), fx(0.04)), Ok(()), "gap + penalty = lowest is covered");
    let short = validate_gap_floor(lowest, fx(0.01), fx(0.04) + STEP);
    assert_eq!(short, Err(GapShortfall { needed: fx(0.05) + STEP, shortfall: STEP }));
    // Negative inputs count as zero, not as room.
    assert_eq!(validate_gap_floor(fx(0.01), fx(0.01), -fx(0.5)), Ok(()));
    assert_eq!(validate_gap_floor(fx(0.01), -fx(0.5), fx(0.01)), Ok(()));
    assert_eq!(validate_gap_floor(fx(0.01) - STEP, -fx(0.5), fx(0.01)), Err(GapShortfall { needed: fx(0.01), shortfall: STEP }));
    assert_eq!(BoundsError::from(short.unwrap_err()), BoundsError::GapNotCovered);
}

#[test]
fn market_extensions_at_their_edges() {
    let config = valid_market();
    let ext = |change: &dyn Fn(&mut MarketRiskExt)| {
        let mut ext = MarketRiskExt {
            gap_allowance: Fixed::ZERO,
            open_interest: OpenInterestScaling { lower: fx(0.5), upper: fx(0.9), max_add_on: fx(0.05) },
        };
        change(&mut ext);
        validate_market_ext(&config, &ext)
    };
    let bad = Err(ExtError::Bounds(BoundsError::BadOpenInterestScaling));
    assert_eq!(ext(&|_| {}), Ok(()));
    assert_eq!(ext(&|e| e.open_interest.lower = Fixed::ZERO), Ok(()));
    assert_eq!(ext(&|e| e.open_interest.lower = -STEP), bad);
    assert_eq!(ext(&|e| e.open_interest.upper = e.open_interest.lower), Ok(()));
    assert_eq!(ext(&|e| e.open_interest.upper = e.open_interest.lower - STEP), bad);
    assert_eq!(ext(&|e| e.open_interest.max_add_on = Fixed::ONE), Ok(()));
    assert_eq!(ext(&|e| e.open_interest.max_add_on = Fixed::ONE + STEP), bad);
    assert_eq!(ext(&|e| e.open_interest.max_add_on = -STEP), bad);
    assert_eq!(ext(&|e| e.gap_allowance = -STEP), Err(ExtError::Bounds(BoundsError::RatioOutOfRange)));
    assert_eq!(ext(&|e| e.gap_allowance = Fixed::ONE + STEP), Err(ExtError::Bounds(BoundsError::RatioOutOfRange)));
    // m_lo less the penalty fits exactly; a step more falls short by a step.
    let room = config.margin.maintenance.lower - config.liquidation_penalty;
    assert_eq!(ext(&|e| e.gap_allowance = room), Ok(()));
    let needed = room + STEP + config.liquidation_penalty;
    assert_eq!(
        ext(&|e| e.gap_allowance = room + STEP),
        Err(ExtError::Gap(GapShortfall { needed, shortfall: needed - config.margin.maintenance.lower }))
    );
    assert_eq!(BoundsError::from(ExtError::Bounds(BoundsError::RatioOutOfRange)), BoundsError::RatioOutOfRange);
}

#[test]
fn collateral_extensions_at_their_edges() {
    let config = valid_collateral();
    let ext =
        |gap_allowance: Fixed, deposit_depth: Fixed| validate_collateral_ext(&config, &CollateralRiskExt { gap_allowance, deposit_depth });
    assert_eq!(ext(Fixed::ZERO, Fixed::ZERO), Ok(()));
    assert_eq!(ext(Fixed::ZERO, -STEP), Err(ExtError::Bounds(BoundsError::NegativeDepositDepth)));
    assert_eq!(ext(-STEP, Fixed::ZERO), Err(ExtError::Bounds(BoundsError::RatioOutOfRange)));
    assert_eq!(ext(Fixed::ONE + STEP, Fixed::ZERO), Err(ExtError::Bounds(BoundsError::RatioOutOfRange)));
    // h_lo less the discount fits exactly; a step more falls short by a step.
    let room = config.haircut.maintenance.lower - config.liquidation_discount;
    assert_eq!(ext(room, fx(1e9)), Ok(()));
    let needed = room + STEP + config.liquidation_discount;
    assert_eq!(
        ext(room + STEP, fx(1e9)),
        Err(ExtError::Gap(GapShortfall { needed, shortfall: needed - config.haircut.maintenance.lower }))
    );
}
