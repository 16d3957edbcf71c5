//! The crate's one error type. Every public function returns these instead
//! of panicking, whatever its inputs.
use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskError {
    /// `ln` of zero or a negative number, or a price that is not positive.
    NonPositiveInput,
    /// `sqrt` of a negative number, or a negative amount, confidence or rate.
    NegativeInput,
    /// A result does not fit the fixed-point range.
    Overflow,
    /// An update for a slot older than the last accepted one.
    SlotWentBackwards,
    /// An index past the end of a snapshot's entries.
    NoSuchEntry,
    /// A configuration that cannot work (see the variant).
    InvalidConfig(ConfigError),
    /// Governance bounds under which keepers could not keep the protocol solvent.
    InvalidBounds(BoundsError),
}

/// Accumulator configuration errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A half-life of zero slots.
    ZeroHalfLife,
    /// The slow half-life is shorter than the fast one.
    SlowFasterThanFast,
    /// The log-return clamp `r_max` is not positive.
    NonPositiveReturnClamp,
    /// The liquidation horizon `T` is zero slots.
    ZeroHorizon,
    /// The seed variance is negative.
    NegativeSeedVariance,
    /// A robust estimator's grid is longer than the half-life initial levels
    /// follow, its confidence half-life longer than that, or its range
    /// weight outside (0, 1].
    RobustOutOfRange,
}

/// Why a set of governance bounds was rejected by [`crate::bounds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsError {
    /// A level's lower bound is above its upper bound.
    LowerAboveUpper,
    /// A bound, base or ratio lies outside [0, 1].
    RatioOutOfRange,
    /// A base or volatility sensitivity `k` is negative.
    NegativeCurve,
    /// The initial level could fall below the maintenance level for some
    /// volatility (its lower/upper bound, base or `k` is below maintenance's).
    InitialBelowMaintenance,
    /// The liquidation penalty (or collateral discount) is not strictly below
    /// the lowest maintenance requirement: a liquidation could lower health.
    PenaltyNotBelowMaintenance,
    /// The largest price move over the liquidation horizon plus the penalty
    /// does not fit inside the lowest maintenance requirement: a keeper acting
    /// within the horizon could still leave bad debt.
    HorizonMoveNotCovered,
    /// A slew rate is zero or negative: the parameter could never move.
    NonPositiveSlewRate,
    /// The liquidation buffer is not above the collateral discount, or it
    /// pushes the liquidation-end requirement past 100%.
    BadLiquidationBuffer,
    /// A weight or share lies outside [0, 1], or the initial positive-PnL
    /// weight exceeds the maintenance one.
    WeightOutOfRange,
    /// A size-scaling factor (IMF) is negative.
    NegativeSizeFactor,
    /// The lowest maintenance level does not cover the governed gap
    /// allowance plus the penalty ([`crate::bounds::validate_gap_floor`]).
    GapNotCovered,
    /// An open-interest scaling's thresholds are negative or out of order,
    /// or its add-on lies outside [0, 1].
    BadOpenInterestScaling,
    /// A collateral's deposit depth is negative.
    NegativeDepositDepth,
}

impl From<ConfigError> for RiskError {
    fn from(error: ConfigError) -> Self {
        RiskError::InvalidConfig(error)
    }
}

impl From<BoundsError> for RiskError {
    fn from(error: BoundsError) -> Self {
        RiskError::InvalidBounds(error)
    }
}

impl fmt::Display for RiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RiskError::NonPositiveInput => write!(f, "input must be positive"),
            RiskError::NegativeInput => write!(f, "input must not be negative"),
            RiskError::Overflow => write!(f, "result out of fixed-point range"),
            RiskError::SlotWentBackwards => write!(f, "slot is older than the last update"),
            RiskError::NoSuchEntry => write!(f, "no such entry in the snapshot"),
            RiskError::InvalidConfig(e) => write!(f, "invalid accumulator configuration: {e:?}"),
            RiskError::InvalidBounds(e) => write!(f, "inconsistent risk bounds: {e:?}"),
        }
    }
}

impl std::error::Error for RiskError {}

pub type RiskResult<T> = Result<T, RiskError>;
