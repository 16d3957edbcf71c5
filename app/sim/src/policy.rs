//! Margin policies: static at one calibration, or dynamic with a choice of
//! estimator and rules. Every number comes from the risk crate: the
//! on-chain accumulator or the robust estimator, the curves, the slew
//! (`FeedbackState::step_toward`), the add-ons, the APC floor, the steward's
//! rule and the bounds checks.
use reflex_risk::mechanism::{
    apc_target, deposit_haircut, margin_with_add_on, notional_within_move, open_interest_add_on, steward_base, LiquidationPoint,
    OpenInterestScaling, RobustConfig, RobustVolatility, StewardRule,
};
use reflex_risk::{
    validate_collateral, validate_collateral_ext, validate_market, validate_market_ext, AccumulatorConfig, CollateralRiskConfig,
    CollateralRiskExt, ExtError, FeedbackConfig, FeedbackState, Fixed, LevelCurve, MarketRiskConfig, MarketRiskExt, VolatilityAccumulator,
};
use serde::{Deserialize, Serialize};

use crate::config::{PolicyConfig, Variant};

/// What a policy is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum PolicySpec {
    /// Fixed margins and haircuts: the curves' targets at this σ_T.
    Static {
        sigma: f64,
    },
    Dynamic(Variant),
}

impl PolicySpec {
    pub fn name(&self) -> String {
        match self {
            PolicySpec::Static { sigma } => format!("static σ {sigma:.3}"),
            PolicySpec::Dynamic(variant) => variant.name.clone(),
        }
    }

    pub fn is_static(&self) -> bool {
        matches!(self, PolicySpec::Static { .. })
    }
}

fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

fn curve(values: [f64; 4]) -> LevelCurve {
    LevelCurve { base: fx(values[0]), sensitivity: fx(values[1]), lower: fx(values[2]), upper: fx(values[3]) }
}

/// The feedback settings of a policy, after the gap floor if it has one.
pub fn feedback_configs(config: &PolicyConfig, variant: Option<&Variant>) -> (FeedbackConfig, FeedbackConfig) {
    let slew = variant.is_none_or(|v| v.slew);
    let (tighten, loosen) = if slew { (fx(config.tighten_per_slot), fx(config.loosen_per_slot)) } else { (Fixed::ONE, Fixed::ONE) };
    let mut margin = FeedbackConfig {
        initial: curve(config.initial_margin),
        maintenance: curve(config.maintenance_margin),
        tighten_per_slot: tighten,
        loosen_per_slot: loosen,
    };
    let mut haircut = FeedbackConfig {
        initial: curve(config.initial_haircut),
        maintenance: curve(config.maintenance_haircut),
        tighten_per_slot: tighten,
        loosen_per_slot: loosen,
    };
    if variant.is_some_and(|v| v.gap_floor) {
        let gap = fx(config.gap_allowance);
        raise_floor(&mut margin, gap + fx(config.liquidation_penalty));
        raise_floor(&mut haircut, gap + fx(config.liquidation_discount));
    }
    (margin, haircut)
}

/// Lifts the lowest maintenance level to `floor`, and every level of both
/// curves by the same amount: the gap between initial and maintenance is
/// the room a trader has before liquidation, and a floor that closed it
/// would trade gap risk for liquidations at the first tick.
fn raise_floor(config: &mut FeedbackConfig, floor: Fixed) {
    let lift = (floor - config.maintenance.lower).max(Fixed::ZERO);
    for curve in [&mut config.initial, &mut config.maintenance] {
        curve.lower = (curve.lower + lift).min(Fixed::ONE);
        curve.base = (curve.base + lift).min(Fixed::ONE);
        curve.upper = (curve.upper + lift).min(Fixed::ONE);
    }
}

/// Weights of positive PnL in initial and maintenance health, for the
/// bounds check and the simulated accounts alike.
pub const PNL_WEIGHT_INITIAL: f64 = 0.5;
pub const PNL_WEIGHT_MAINTENANCE: f64 = 0.8;

/// The risk configs the bounds check sees for a policy (the program would
/// refuse any that fails).
pub fn risk_configs(config: &PolicyConfig, variant: Option<&Variant>) -> (MarketRiskConfig, CollateralRiskConfig) {
    let (margin, haircut) = feedback_configs(config, variant);
    let market = MarketRiskConfig {
        margin,
        liquidation_penalty: fx(config.liquidation_penalty),
        liquidation_buffer: fx(config.liquidation_buffer),
        max_move_over_horizon: fx(0.02),
        size_factor: Fixed::ZERO,
        positive_pnl_weight_initial: fx(PNL_WEIGHT_INITIAL),
        positive_pnl_weight_maintenance: fx(PNL_WEIGHT_MAINTENANCE),
    };
    let collateral = CollateralRiskConfig {
        haircut,
        liquidation_discount: fx(config.liquidation_discount),
        liquidation_buffer: fx(config.collateral_liquidation_buffer()),
        max_move_over_horizon: fx(0.04),
        size_factor: Fixed::ZERO,
    };
    (market, collateral)
}

/// The `-ext` settings governance would set for a policy: the gap
/// allowance where the variant claims the gap floor, the open-interest
/// scaling where it has utilisation feedback, zero (off) otherwise. The
/// deposit depth is 0: on chain it is an amount of quote, which the study
/// (measuring it in traders' equity) cannot give.
pub fn risk_exts(config: &PolicyConfig, variant: Option<&Variant>) -> (MarketRiskExt, CollateralRiskExt) {
    let gap = if variant.is_some_and(|v| v.gap_floor) { fx(config.gap_allowance) } else { Fixed::ZERO };
    let open_interest = if variant.is_some_and(|v| v.utilisation) {
        let [lower, upper, max_add_on] = config.open_interest_scaling.map(fx);
        OpenInterestScaling { lower, upper, max_add_on }
    } else {
        OpenInterestScaling::default()
    };
    (MarketRiskExt { gap_allowance: gap, open_interest }, CollateralRiskExt { gap_allowance: gap, deposit_depth: Fixed::ZERO })
}

/// Runs the bounds checks a policy's settings must pass on chain: the
/// program's own checks of the core settings and of the `-ext` ones (the
/// gap floor, the scaling's shape).
pub fn check_bounds(config: &PolicyConfig, variant: Option<&Variant>) -> Result<(), String> {
    let (market, collateral) = risk_configs(config, variant);
    let (market_ext, collateral_ext) = risk_exts(config, variant);
    validate_market(&market).map_err(|e| format!("market bounds: {e:?}"))?;
    validate_collateral(&collateral).map_err(|e| format!("collateral bounds: {e:?}"))?;
    let ext = |which: &str, error: ExtError| match error {
        ExtError::Gap(gap) => format!("{which} gap floor: maintenance {} short", gap.shortfall),
        ExtError::Bounds(bounds) => format!("{which} ext bounds: {bounds:?}"),
    };
    validate_market_ext(&market, &market_ext).map_err(|e| ext("market", e))?;
    validate_collateral_ext(&collateral, &collateral_ext).map_err(|e| ext("collateral", e))?;
    Ok(())
}

/// What the market tells a policy each step.
pub struct Observation<'p> {
    pub slot: u64,
    pub dt: u64,
    pub price: f64,
    pub confidence_ratio: f64,
    /// Largest side's notional and the pool's capacity for it (quote).
    pub largest_side: f64,
    pub capacity: f64,
    /// Value of the volatile collateral deposited, and its depth.
    pub deposits: f64,
    pub deposit_depth: f64,
    /// Notional forced sales that the book absorbs within the steward's impact budget.
    pub absorbable: f64,
    /// Every position's liquidation price and notional (only when the steward asks).
    pub liquidation_points: Option<&'p [LiquidationPoint]>,
}

/// The live levels a policy sets.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Levels {
    pub initial_margin: f64,
    pub maintenance_margin: f64,
    pub initial_haircut: f64,
    pub maintenance_haircut: f64,
}

pub struct PolicyState {
    spec: PolicySpec,
    config: PolicyConfig,
    margin_config: FeedbackConfig,
    haircut_config: FeedbackConfig,
    accumulator_config: AccumulatorConfig,
    accumulator: VolatilityAccumulator,
    robust_config: RobustConfig,
    robust: RobustVolatility,
    margin: FeedbackState,
    haircut: FeedbackState,
    /// Targets in force since the last print (the slots before a print are
    /// spent under them, as `FeedbackState::advance` replays them on chain).
    targets: [Fixed; 4],
    governed_initial_base: Fixed,
    steward_last: Option<u64>,
    pub steward_moves: u64,
    /// The levels at use: live initial margin plus the open-interest
    /// add-on, live initial haircut after depth scaling (as on chain).
    initial_margin: Fixed,
    initial_haircut: Fixed,
    pub sigma: f64,
}

impl PolicyState {
    pub fn new(spec: PolicySpec, config: &PolicyConfig, start_price: f64, calm_volatility: f64) -> Self {
        let variant = match &spec {
            PolicySpec::Dynamic(v) => Some(v.clone()),
            PolicySpec::Static { .. } => None,
        };
        let (margin_config, haircut_config) = feedback_configs(config, variant.as_ref());
        let seed_variance = fx(calm_volatility * calm_volatility);
        let accumulator_config = AccumulatorConfig {
            fast_half_life_slots: config.fast_half_life_slots,
            slow_half_life_slots: config.slow_half_life_slots.max(config.fast_half_life_slots),
            max_log_return: fx(config.max_log_return),
            horizon_slots: config.horizon_slots,
            seed_variance,
        };
        let robust_config = RobustConfig {
            grid_slots: config.grid_slots,
            initial_half_life_slots: config.initial_half_life_slots.min(config.fast_half_life_slots),
            fast_half_life_slots: config.fast_half_life_slots,
            slow_half_life_slots: config.slow_half_life_slots.max(config.fast_half_life_slots),
            long_half_life_slots: config.long_half_life_slots.max(config.slow_half_life_slots),
            confidence_half_life_slots: config.confidence_half_life_slots,
            horizon_slots: config.horizon_slots,
            max_log_return: fx(config.max_log_return),
            range_weight: fx(config.range_weight),
            seed_variance,
        };
        let price = fx(start_price);
        let confidence = fx(start_price * 0.0005);
        let mut accumulator = VolatilityAccumulator::default();
        accumulator.update(&accumulator_config, price, confidence, 0).expect("valid accumulator settings");
        let mut robust = RobustVolatility::default();
        robust.update(&robust_config, price, confidence, 0).expect("valid robust settings");
        let start_sigma = match &spec {
            PolicySpec::Static { sigma } => fx(*sigma),
            PolicySpec::Dynamic(_) => accumulator.risk_volatility(&accumulator_config).expect("σ_T"),
        };
        let margin = FeedbackState::new(&margin_config, start_sigma, 0);
        let haircut = FeedbackState::new(&haircut_config, start_sigma, 0);
        let targets = [margin.initial, margin.maintenance, haircut.initial, haircut.maintenance];
        PolicyState {
            governed_initial_base: margin_config.initial.base,
            spec,
            config: config.clone(),
            margin_config,
            haircut_config,
            accumulator_config,
            accumulator,
            robust_config,
            robust,
            initial_margin: margin.initial,
            initial_haircut: haircut.initial,
            margin,
            haircut,
            targets,
            steward_last: None,
            steward_moves: 0,
            sigma: start_sigma.to_num(),
        }
    }

    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// Whether the policy wants liquidation prices at this slot.
    pub fn wants_liquidation_points(&self, slot: u64) -> bool {
        matches!(&self.spec, PolicySpec::Dynamic(v) if v.steward)
            && self.steward_last.is_none_or(|last| slot >= last + self.config.steward_spacing_slots)
    }

    pub fn levels(&self) -> Levels {
        Levels {
            initial_margin: self.initial_margin.to_num(),
            maintenance_margin: self.margin.maintenance.to_num(),
            initial_haircut: self.initial_haircut.to_num(),
            maintenance_haircut: self.haircut.maintenance.to_num(),
        }
    }

    /// The risk crate's fixed-point levels: margins (initial, maintenance), haircuts (initial, maintenance).
    pub fn fixed_levels(&self) -> [Fixed; 4] {
        [self.initial_margin, self.margin.maintenance, self.initial_haircut, self.haircut.maintenance]
    }

    /// One step: the estimators take the print, the levels move.
    pub fn observe(&mut self, seen: &Observation) {
        let PolicySpec::Dynamic(variant) = &self.spec else { return };
        let price = fx(seen.price);
        let confidence = fx(seen.price * seen.confidence_ratio);
        let _ = self.accumulator.update(&self.accumulator_config, price, confidence, seen.slot);
        let _ = self.robust.update(&self.robust_config, price, confidence, seen.slot);
        let baseline = self.accumulator.risk_volatility(&self.accumulator_config).unwrap_or(Fixed::ZERO);
        let robust = self.robust.sigma(&self.robust_config).ok();
        let (sigma_initial, sigma_maintenance) = match (variant.robust, robust) {
            (true, Some(s)) if variant.split => (s.initial, s.maintenance),
            (true, Some(s)) => (s.maintenance, s.maintenance),
            _ => (baseline, baseline),
        };
        let sigma_long = robust.map_or(baseline, |s| s.long);
        self.sigma = sigma_maintenance.to_num();

        if variant.steward {
            if let Some(points) = seen.liquidation_points {
                let move_ = fx(self.config.steward_sigma_multiple) * sigma_maintenance;
                if let Ok(at_risk) = notional_within_move(points, price, move_) {
                    let rule = StewardRule {
                        sigma_multiple: fx(self.config.steward_sigma_multiple),
                        step: fx(self.config.steward_step),
                        relax_below: fx(self.config.steward_relax_below),
                    };
                    let governed = self.governed_initial_base;
                    let ceiling = (governed + fx(self.config.steward_max_raise)).min(self.margin_config.initial.upper);
                    let current = self.margin_config.initial.base;
                    if let Ok(next) = steward_base(&rule, current, governed, ceiling, at_risk, fx(seen.absorbable)) {
                        if next != current {
                            self.margin_config.initial.base = next;
                            self.steward_moves += 1;
                            self.steward_last = Some(seen.slot);
                        }
                    }
                }
            }
        }

        let add_on = if variant.utilisation {
            let scaling = OpenInterestScaling {
                lower: fx(self.config.open_interest_scaling[0]),
                upper: fx(self.config.open_interest_scaling[1]),
                max_add_on: fx(self.config.open_interest_scaling[2]),
            };
            open_interest_add_on(&scaling, fx(seen.largest_side.max(0.0)), fx(seen.capacity.max(0.0))).unwrap_or(Fixed::ZERO)
        } else {
            Fixed::ZERO
        };
        let buffer = fx(self.config.apc_buffer);
        let with_floor = |curve: &LevelCurve, sigma: Fixed, target: Fixed| {
            if variant.apc {
                apc_target(curve, sigma, sigma_long, buffer).map_or(target, |floor| floor.max(target))
            } else {
                target
            }
        };
        let (m, h) = (&self.margin_config, &self.haircut_config);
        let targets = [
            with_floor(&m.initial, sigma_initial, m.initial.target(sigma_initial)),
            with_floor(&m.maintenance, sigma_maintenance, m.maintenance.target(sigma_maintenance)),
            with_floor(&h.initial, sigma_initial, h.initial.target(sigma_initial)),
            with_floor(&h.maintenance, sigma_maintenance, h.maintenance.target(sigma_maintenance)),
        ];
        // As on chain: the slots before this print under the targets in
        // force, then one slot under the new ones.
        let old = self.targets;
        if seen.dt > 1 {
            self.margin.step_toward(&self.margin_config, old[0], old[1], seen.dt - 1);
            self.haircut.step_toward(&self.haircut_config, old[2], old[3], seen.dt - 1);
        }
        self.margin.step_toward(&self.margin_config, targets[0], targets[1], 1);
        self.haircut.step_toward(&self.haircut_config, targets[2], targets[3], 1);
        self.targets = targets;
        self.initial_margin = margin_with_add_on(self.margin.initial, self.margin_config.initial.upper, add_on);
        self.initial_haircut = if variant.utilisation && seen.deposit_depth > 0.0 {
            deposit_haircut(self.haircut.initial, fx(seen.deposits.max(0.0)), fx(seen.deposit_depth)).unwrap_or(self.haircut.initial)
        } else {
            self.haircut.initial
        };
    }
}
