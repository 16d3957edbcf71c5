//! The bounds consistency check, run on every change of governance bounds.
//!
//! The check asks one question: under these bounds, can a keeper always
//! restore an account before it goes bankrupt? With `m_lo` the lowest
//! maintenance requirement the bounds allow:
//!
//! - `penalty < m_lo` (markets): closing a position at a penalty below the
//!   requirement it releases raises health; otherwise a liquidation could
//!   lower it. For collateral the same role falls to `discount < buffer`.
//! - `max_move + penalty ≤ m_lo`: the largest price move governance provisions
//!   for over the liquidation horizon, plus the penalty, fits inside the
//!   margin held, so a keeper acting within the horizon leaves no bad debt.
//! - `initial ≥ maintenance` for every volatility: bounds, base and `k` of the
//!   initial curve are each at least maintenance's.
//! - slew rates positive, ratios in [0, 1], lower ≤ upper, weights in [0, 1].
use crate::error::BoundsError;
use crate::mechanism::OpenInterestScaling;
use crate::params::{FeedbackConfig, LevelCurve};
use crate::Fixed;

/// Everything governance sets for one perp market's margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketRiskConfig {
    /// Margin ratio curves (`m`, fraction of notional).
    pub margin: FeedbackConfig,
    /// Fraction of the closed notional a liquidated account pays.
    pub liquidation_penalty: Fixed,
    /// Added to the maintenance ratio for the liquidation-end level, so an
    /// account is left with a cushion rather than at the edge.
    pub liquidation_buffer: Fixed,
    /// Largest fractional price move provisioned for over the horizon.
    pub max_move_over_horizon: Fixed,
    /// IMF of the initial margin (`m(N) = max(m, imf·sqrt(N))`).
    pub size_factor: Fixed,
    /// Weight of positive unrealised PnL at the initial level.
    pub positive_pnl_weight_initial: Fixed,
    /// Weight of positive unrealised PnL at the maintenance and liquidation-end levels.
    pub positive_pnl_weight_maintenance: Fixed,
}

/// Everything governance sets for one collateral asset's haircut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralRiskConfig {
    /// Haircut curves (`h`; the asset counts at weight `1 − h`).
    pub haircut: FeedbackConfig,
    /// Fraction below the oracle price at which a keeper takes the collateral.
    pub liquidation_discount: Fixed,
    /// Added to the maintenance haircut for the liquidation-end level.
    pub liquidation_buffer: Fixed,
    /// Largest fractional price move provisioned for over the horizon.
    pub max_move_over_horizon: Fixed,
    /// IMF of the initial weight (`min(1 − h, (1 + imf)/(1 + imf·sqrt(D)))`).
    pub size_factor: Fixed,
}

/// Governed settings a market adds to [`MarketRiskConfig`]: the gap floor
/// and the open-interest scaling of initial margin. All zero: neither
/// applies (an allowance of zero asks only what `penalty < m_lo` does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketRiskExt {
    /// A jump no estimator sees coming, as a fraction of price: the lowest
    /// maintenance level must cover it plus the penalty.
    pub gap_allowance: Fixed,
    pub open_interest: OpenInterestScaling,
}

/// Governed settings a collateral adds to [`CollateralRiskConfig`]: the gap
/// floor and the deposit depth past which its initial weight shrinks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollateralRiskExt {
    pub gap_allowance: Fixed,
    /// Total deposit value (quote native units) past which the initial
    /// weight scales down ([`crate::mechanism::deposit_haircut`]); 0: off.
    pub deposit_depth: Fixed,
}

fn in_unit_interval(value: Fixed) -> bool {
    (Fixed::ZERO..=Fixed::ONE).contains(&value)
}

fn check_curve(curve: &LevelCurve) -> Result<(), BoundsError> {
    if curve.base < 0 || curve.sensitivity < 0 {
        return Err(BoundsError::NegativeCurve);
    }
    if !in_unit_interval(curve.lower) || !in_unit_interval(curve.upper) || !in_unit_interval(curve.base) {
        return Err(BoundsError::RatioOutOfRange);
    }
    if curve.lower > curve.upper {
        return Err(BoundsError::LowerAboveUpper);
    }
    Ok(())
}

/// Shape checks shared by haircuts and margin ratios.
pub fn validate_feedback(config: &FeedbackConfig) -> Result<(), BoundsError> {
    check_curve(&config.initial)?;
    check_curve(&config.maintenance)?;
    let (initial, maintenance) = (&config.initial, &config.maintenance);
    if initial.lower < maintenance.lower
        || initial.upper < maintenance.upper
        || initial.base < maintenance.base
        || initial.sensitivity < maintenance.sensitivity
    {
        return Err(BoundsError::InitialBelowMaintenance);
    }
    if config.tighten_per_slot <= 0 || config.loosen_per_slot <= 0 {
        return Err(BoundsError::NonPositiveSlewRate);
    }
    Ok(())
}

/// Shared by markets and collateral: the keeper's cost (`penalty`) and the
/// provisioned move must fit inside the lowest maintenance level.
fn check_horizon(lowest_maintenance: Fixed, penalty: Fixed, max_move: Fixed) -> Result<(), BoundsError> {
    if !in_unit_interval(penalty) || !in_unit_interval(max_move) {
        return Err(BoundsError::RatioOutOfRange);
    }
    if max_move.saturating_add(penalty) > lowest_maintenance {
        return Err(BoundsError::HorizonMoveNotCovered);
    }
    Ok(())
}

/// The gap floor: the lowest maintenance level must cover a governed gap
/// allowance plus the penalty (or discount), for the jump no estimator
/// sees coming (a gap out of calm moves the price before `σ_T` rises).
/// On failure, says by how much the lowest maintenance level falls short.
pub fn validate_gap_floor(lowest_maintenance: Fixed, penalty: Fixed, gap_allowance: Fixed) -> Result<(), GapShortfall> {
    let needed = gap_allowance.max(Fixed::ZERO).saturating_add(penalty.max(Fixed::ZERO));
    if lowest_maintenance >= needed {
        return Ok(());
    }
    Err(GapShortfall { needed, shortfall: needed - lowest_maintenance })
}

/// A gap floor the bounds do not meet: the lowest maintenance level needs
/// `needed` and is `shortfall` below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GapShortfall {
    pub needed: Fixed,
    pub shortfall: Fixed,
}

impl From<GapShortfall> for BoundsError {
    fn from(_: GapShortfall) -> Self {
        BoundsError::GapNotCovered
    }
}

pub fn validate_market(config: &MarketRiskConfig) -> Result<(), BoundsError> {
    validate_feedback(&config.margin)?;
    // Closing notional x releases m·x of requirement and costs penalty·x.
    if config.liquidation_penalty >= config.margin.maintenance.lower {
        return Err(BoundsError::PenaltyNotBelowMaintenance);
    }
    check_horizon(config.margin.maintenance.lower, config.liquidation_penalty, config.max_move_over_horizon)?;
    let buffer = config.liquidation_buffer;
    if buffer < 0 || config.margin.maintenance.upper.saturating_add(buffer) > Fixed::ONE {
        return Err(BoundsError::BadLiquidationBuffer);
    }
    if config.size_factor < 0 {
        return Err(BoundsError::NegativeSizeFactor);
    }
    let (w_initial, w_maintenance) = (config.positive_pnl_weight_initial, config.positive_pnl_weight_maintenance);
    if !in_unit_interval(w_initial) || !in_unit_interval(w_maintenance) || w_initial > w_maintenance {
        return Err(BoundsError::WeightOutOfRange);
    }
    Ok(())
}

pub fn validate_collateral(config: &CollateralRiskConfig) -> Result<(), BoundsError> {
    validate_feedback(&config.haircut)?;
    check_horizon(config.haircut.maintenance.lower, config.liquidation_discount, config.max_move_over_horizon)?;
    // Seizing collateral raises liquidation-end health by value·(h_end − discount),
    // and h_end ≥ buffer: the buffer must exceed the discount.
    let buffer = config.liquidation_buffer;
    if buffer <= config.liquidation_discount || buffer > Fixed::ONE {
        return Err(BoundsError::BadLiquidationBuffer);
    }
    if config.size_factor < 0 {
        return Err(BoundsError::NegativeSizeFactor);
    }
    Ok(())
}

/// The market's added settings against its core ones: the gap floor, and
/// an open-interest scaling whose thresholds are ordered and non-negative
/// with an add-on in [0, 1]. A gap shortfall is reported with its size
/// ([`validate_gap_floor`]), so callers can say by how much.
pub fn validate_market_ext(config: &MarketRiskConfig, ext: &MarketRiskExt) -> Result<(), ExtError> {
    if !in_unit_interval(ext.gap_allowance) {
        return Err(ExtError::Bounds(BoundsError::RatioOutOfRange));
    }
    let scaling = &ext.open_interest;
    if scaling.lower < 0 || scaling.upper < scaling.lower || !in_unit_interval(scaling.max_add_on) {
        return Err(ExtError::Bounds(BoundsError::BadOpenInterestScaling));
    }
    validate_gap_floor(config.margin.maintenance.lower, config.liquidation_penalty, ext.gap_allowance).map_err(ExtError::Gap)
}

/// The collateral's added settings against its core ones: the gap floor
/// (over the discount) and a non-negative depth.
pub fn validate_collateral_ext(config: &CollateralRiskConfig, ext: &CollateralRiskExt) -> Result<(), ExtError> {
    if !in_unit_interval(ext.gap_allowance) {
        return Err(ExtError::Bounds(BoundsError::RatioOutOfRange));
    }
    if ext.deposit_depth < 0 {
        return Err(ExtError::Bounds(BoundsError::NegativeDepositDepth));
    }
    validate_gap_floor(config.haircut.maintenance.lower, config.liquidation_discount, ext.gap_allowance).map_err(ExtError::Gap)
}

/// Why added settings were refused: a shape rule, or the gap floor by how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtError {
    Bounds(BoundsError),
    Gap(GapShortfall),
}

impl From<ExtError> for BoundsError {
    fn from(error: ExtError) -> Self {
        match error {
            ExtError::Bounds(bounds) => bounds,
            ExtError::Gap(gap) => gap.into(),
        }
    }
}
