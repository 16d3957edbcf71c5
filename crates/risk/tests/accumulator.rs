//! The volatility accumulator against an f64 reference of DESIGN.md section 4.
use proptest::prelude::*;
use reflex_risk::{AccumulatorConfig, ConfigError, Fixed, RiskError, UpdateOutcome, VolatilityAccumulator, VolatilityPath};

fn config() -> AccumulatorConfig {
    AccumulatorConfig {
        fast_half_life_slots: 9_000,
        slow_half_life_slots: 216_000,
        max_log_return: Fixed::from_num(0.2),
        horizon_slots: 150,
        seed_variance: Fixed::from_num(1e-9),
    }
}

/// The same update in f64, straight from the spec.
#[derive(Clone, Copy)]
struct Reference {
    price: f64,
    slot: u64,
    fast: f64,
    slow: f64,
    confidence_ratio: f64,
}

impl Reference {
    fn new(config: &AccumulatorConfig, price: f64, confidence: f64, slot: u64) -> Self {
        let seed = config.seed_variance.to_num::<f64>();
        Reference { price, slot, fast: seed, slow: seed, confidence_ratio: confidence / price }
    }

    fn update(&mut self, config: &AccumulatorConfig, price: f64, confidence: f64, slot: u64) {
        if slot == self.slot {
            return;
        }
        let dt = (slot - self.slot) as f64;
        let r_max = config.max_log_return.to_num::<f64>();
        let r = (price / self.price).ln().clamp(-r_max, r_max);
        let v = r * r / dt;
        let lambda_fast = (-dt / config.fast_half_life_slots as f64).exp2();
        let lambda_slow = (-dt / config.slow_half_life_slots as f64).exp2();
        self.fast = lambda_fast * self.fast + (1.0 - lambda_fast) * v;
        self.slow = lambda_slow * self.slow + (1.0 - lambda_slow) * v;
        self.price = price;
        self.slot = slot;
        self.confidence_ratio = confidence / price;
    }

    fn sigma(&self, config: &AccumulatorConfig) -> f64 {
        (self.fast.max(self.slow) * config.horizon_slots as f64).sqrt() + self.confidence_ratio
    }
}

/// A price path: a start price (quote native per base native, 1e-6 ..= 1e6)
/// and steps of (slots elapsed, log return, confidence fraction).
fn path() -> impl Strategy<Value = (f64, Vec<(u64, f64, f64)>)> {
    let start = (-6.0f64..6.0).prop_map(|e| 10f64.powf(e));
    let step = (prop_oneof![Just(1u64), 1u64..50, 50u64..100_000, Just(10_000_000u64)], -0.3f64..0.3, 0.0f64..0.02);
    (start, prop::collection::vec(step, 1..60))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn tracks_the_f64_reference((start, steps) in path()) {
        let config = config();
        let mut accumulator = VolatilityAccumulator::default();
        let price = Fixed::from_num(start);
        accumulator.update(&config, price, Fixed::ZERO, 100).unwrap();
        let mut reference = Reference::new(&config, price.to_num(), 0.0, 100);
        let mut slot = 100u64;
        let mut price = start;
        for (dt, log_return, confidence) in steps {
            slot += dt;
            price *= log_return.exp();
            let (p, c) = (Fixed::from_num(price), Fixed::from_num(price * confidence));
            prop_assert_eq!(accumulator.update(&config, p, c, slot).unwrap(), UpdateOutcome::Updated);
            reference.update(&config, p.to_num(), c.to_num(), slot);
            // Variances to a relative 1e-6 or a few units of resolution. σ_T
            // inherits the variance's absolute error ε ≈ 1e-13 as
            // sqrt(T·ε) ≈ 4e-6 near zero volatility: far below any margin
            // ratio's granularity.
            for (got, want) in [(accumulator.fast_variance, reference.fast), (accumulator.slow_variance, reference.slow)] {
                let got = got.to_num::<f64>();
                prop_assert!((got - want).abs() <= want * 1e-6 + 1e-13, "variance {got} vs {want}");
            }
            let sigma = accumulator.risk_volatility(&config).unwrap().to_num::<f64>();
            let tolerance = (config.horizon_slots as f64 * 1e-13).sqrt() + 1e-7 * reference.sigma(&config);
            prop_assert!((sigma - reference.sigma(&config)).abs() <= tolerance, "sigma {sigma} vs {}", reference.sigma(&config));
            // The variance never exceeds the largest sample it could have seen.
            let r_max = config.max_log_return.to_num::<f64>();
            prop_assert!(accumulator.fast_variance.to_num::<f64>() <= r_max * r_max + 1e-12);
        }
    }

    #[test]
    fn same_inputs_give_bit_identical_state((start, steps) in path()) {
        let config = config();
        let run = || {
            let mut accumulator = VolatilityAccumulator::default();
            let mut slot = 1u64;
            let mut price = start;
            accumulator.update(&config, Fixed::from_num(price), Fixed::ZERO, slot).unwrap();
            for &(dt, log_return, confidence) in &steps {
                slot += dt;
                price *= log_return.exp();
                accumulator.update(&config, Fixed::from_num(price), Fixed::from_num(price * confidence), slot).unwrap();
            }
            accumulator
        };
        prop_assert_eq!(run(), run());
    }

    #[test]
    fn never_panics(bits in any::<[i128; 4]>(), slots in any::<[u64; 3]>(), fast in any::<u64>(), slow in any::<u64>(), horizon in any::<u64>()) {
        let config = AccumulatorConfig {
            fast_half_life_slots: fast,
            slow_half_life_slots: slow,
            max_log_return: Fixed::from_bits(bits[0]),
            horizon_slots: horizon,
            seed_variance: Fixed::from_bits(bits[1]),
        };
        let mut accumulator = VolatilityAccumulator::default();
        for slot in slots {
            let _ = accumulator.update(&config, Fixed::from_bits(bits[2]), Fixed::from_bits(bits[3]), slot);
            let _ = accumulator.risk_volatility(&config);
        }
    }
}

#[test]
fn at_most_one_update_per_slot() {
    let config = config();
    let mut accumulator = VolatilityAccumulator::default();
    assert_eq!(accumulator.update(&config, Fixed::from_num(100), Fixed::ZERO, 10), Ok(UpdateOutcome::Initialized));
    assert_eq!(accumulator.update(&config, Fixed::from_num(120), Fixed::ZERO, 11), Ok(UpdateOutcome::Updated));
    let after_first = accumulator;
    assert_eq!(accumulator.update(&config, Fixed::from_num(50), Fixed::from_num(5), 11), Ok(UpdateOutcome::SameSlot));
    assert_eq!(accumulator, after_first, "a second update in the same slot changes nothing");
    assert_eq!(accumulator.update(&config, Fixed::from_num(50), Fixed::ZERO, 9), Err(RiskError::SlotWentBackwards));
    assert_eq!(accumulator, after_first);
}

#[test]
fn one_print_is_clamped_but_the_real_price_is_kept() {
    let config = config();
    let mut accumulator = VolatilityAccumulator::default();
    accumulator.update(&config, Fixed::from_num(100), Fixed::ZERO, 1).unwrap();
    accumulator.update(&config, Fixed::from_num(1_000), Fixed::ZERO, 2).unwrap(); // ln 10 ≈ 2.3 ≫ r_max
    assert_eq!(accumulator.last_price, Fixed::from_num(1_000));
    let r_max = config.max_log_return.to_num::<f64>();
    let lambda = (-1.0f64 / 9_000.0).exp2();
    let want = lambda * 1e-9 + (1.0 - lambda) * r_max * r_max;
    assert!((accumulator.fast_variance.to_num::<f64>() - want).abs() < 1e-12);
}

#[test]
fn bad_inputs_are_rejected_without_changing_state() {
    let config = config();
    let mut accumulator = VolatilityAccumulator::default();
    accumulator.update(&config, Fixed::from_num(100), Fixed::ZERO, 1).unwrap();
    let before = accumulator;
    assert_eq!(accumulator.update(&config, Fixed::ZERO, Fixed::ZERO, 2), Err(RiskError::NonPositiveInput));
    assert_eq!(accumulator.update(&config, Fixed::from_num(-5), Fixed::ZERO, 2), Err(RiskError::NonPositiveInput));
    assert_eq!(accumulator.update(&config, Fixed::from_num(5), Fixed::from_num(-1), 2), Err(RiskError::NegativeInput));
    let broken = AccumulatorConfig { slow_half_life_slots: 10, ..config };
    assert_eq!(accumulator.update(&broken, Fixed::from_num(5), Fixed::ZERO, 2), Err(ConfigError::SlowFasterThanFast.into()));
    assert_eq!(accumulator, before);
}

#[test]
fn calm_decays_toward_zero_and_confidence_adds_directly() {
    let config = config();
    let mut accumulator = VolatilityAccumulator::default();
    accumulator.update(&config, Fixed::from_num(100), Fixed::ZERO, 1).unwrap();
    // A flat price for ten days of slots.
    accumulator.update(&config, Fixed::from_num(100), Fixed::from_num(0.5), 1 + 2_160_000).unwrap();
    assert!(accumulator.slow_variance < Fixed::from_num(1e-12));
    let sigma = accumulator.risk_volatility(&config).unwrap().to_num::<f64>();
    // sqrt(var·T) ≈ sqrt(1e-12 · 150) ≈ 1.2e-5 is left of the seed.
    assert!((sigma - 0.005).abs() < 2e-5, "σ_T is about the confidence ratio 0.5/100, got {sigma}");
}

/// Each setting the accumulator refuses, alone and at its edge: a zero half-
/// life (either one), a slow half-life shorter than the fast one (equal is
/// fine), a non-positive return clamp, a zero horizon, a negative seed
/// variance (zero is fine).
#[test]
fn each_invalid_setting_is_refused_alone_at_its_edge() {
    let valid = config();
    assert_eq!(valid.validate(), Ok(()));
    let refused = |config: AccumulatorConfig| config.validate().err();
    assert_eq!(refused(AccumulatorConfig { fast_half_life_slots: 0, ..valid }), Some(ConfigError::ZeroHalfLife.into()));
    assert_eq!(refused(AccumulatorConfig { slow_half_life_slots: 0, ..valid }), Some(ConfigError::ZeroHalfLife.into()));
    let slow_is_fast = AccumulatorConfig { slow_half_life_slots: valid.fast_half_life_slots, ..valid };
    assert_eq!(slow_is_fast.validate(), Ok(()), "equal half-lives");
    let slower = AccumulatorConfig { slow_half_life_slots: valid.fast_half_life_slots - 1, ..valid };
    assert_eq!(refused(slower), Some(ConfigError::SlowFasterThanFast.into()));
    assert_eq!(refused(AccumulatorConfig { max_log_return: Fixed::ZERO, ..valid }), Some(ConfigError::NonPositiveReturnClamp.into()));
    assert_eq!(AccumulatorConfig { max_log_return: Fixed::DELTA, ..valid }.validate(), Ok(()));
    assert_eq!(refused(AccumulatorConfig { horizon_slots: 0, ..valid }), Some(ConfigError::ZeroHorizon.into()));
    assert_eq!(AccumulatorConfig { seed_variance: Fixed::ZERO, ..valid }.validate(), Ok(()), "no seed");
    assert_eq!(refused(AccumulatorConfig { seed_variance: -Fixed::DELTA, ..valid }), Some(ConfigError::NegativeSeedVariance.into()));
}

/// A path restarted at a slot (a settings change) starts both its slots
/// there and keeps its σ_T.
#[test]
fn a_restarted_path_starts_at_the_restart() {
    let path = VolatilityPath { current: Fixed::from_num(0.02), initial: Fixed::from_num(0.03), since: 40, previous_since: 10 };
    let restarted = path.restarted_at(70);
    assert_eq!(restarted, VolatilityPath { since: 70, previous_since: 70, ..path });
}

/// Every error reads as what went wrong (the program logs it).
#[test]
fn errors_say_what_went_wrong() {
    for (error, says) in [
        (RiskError::NonPositiveInput, "input must be positive"),
        (RiskError::NegativeInput, "input must not be negative"),
        (RiskError::Overflow, "out of fixed-point range"),
        (RiskError::SlotWentBackwards, "older than the last update"),
        (RiskError::NoSuchEntry, "no such entry"),
        (ConfigError::ZeroHorizon.into(), "invalid accumulator configuration: ZeroHorizon"),
    ] {
        assert!(error.to_string().contains(says), "{error:?} reads {:?}", error.to_string());
    }
}
