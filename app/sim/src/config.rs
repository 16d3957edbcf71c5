//! Scenario files (TOML): the price process, the population, the market's
//! depth, keepers, and how many seeds to run.
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Seeds per scenario and policy (the same seeds for every policy).
    #[serde(default = "default_seeds")]
    pub seeds: u64,
    /// Worker threads (default: the machine's cores).
    #[serde(default)]
    pub threads: Option<usize>,
    #[serde(default)]
    pub policies: PolicyConfig,
    #[serde(rename = "scenario")]
    pub scenarios: Vec<Scenario>,
}

fn default_seeds() -> u64 {
    16
}

/// The three margin policies compared. All share the Reflex curves' shape;
/// they differ in how the live values move.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// σ_T at which the static policy's fixed margins and haircuts are set
    /// (the Reflex curves' targets there): "calibrated to the same worst case".
    pub static_calibration_sigma: f64,
    /// Margin curve (fractions): base, sensitivity k, lower, upper, for the
    /// initial and maintenance levels.
    pub initial_margin: [f64; 4],
    pub maintenance_margin: [f64; 4],
    /// Haircut curve of the volatile collateral, same layout.
    pub initial_haircut: [f64; 4],
    pub maintenance_haircut: [f64; 4],
    /// Largest rise of a maintenance level per slot (Reflex's slew limit).
    pub tighten_per_slot: f64,
    /// Largest fall of either level per slot.
    pub loosen_per_slot: f64,
    pub liquidation_buffer: f64,
    pub liquidation_penalty: f64,
    pub liquidation_discount: f64,
}

impl Default for PolicyConfig {
    /// The SDK's example settings (`reflex_sdk::presets`).
    fn default() -> Self {
        PolicyConfig {
            static_calibration_sigma: 0.04,
            initial_margin: [0.05, 4.0, 0.05, 0.5],
            maintenance_margin: [0.03, 2.0, 0.03, 0.25],
            initial_haircut: [0.10, 3.0, 0.10, 0.6],
            maintenance_haircut: [0.06, 1.5, 0.06, 0.4],
            tighten_per_slot: 0.0005,
            loosen_per_slot: 0.00005,
            liquidation_buffer: 0.01,
            liquidation_penalty: 0.01,
            liquidation_discount: 0.01,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub accounts: usize,
    pub slots: u64,
    #[serde(default = "default_price")]
    pub initial_price: f64,
    /// Per-slot volatility of log returns in calm conditions.
    pub calm_volatility: f64,
    /// GARCH(1,1) on the per-slot variance: h = ω + α·ε² + β·h, with ω set
    /// so the long-run variance is `calm_volatility²`. α = β = 0: constant.
    #[serde(default)]
    pub garch_alpha: f64,
    #[serde(default)]
    pub garch_beta: f64,
    /// Jumps: probability per slot and the jump's mean and spread (log).
    #[serde(default)]
    pub jump_probability: f64,
    #[serde(default)]
    pub jump_mean: f64,
    #[serde(default)]
    pub jump_volatility: f64,
    /// Crashes: each falls `drop` (a fraction) over `slots` from `start`.
    #[serde(default)]
    pub crash: Vec<Crash>,
    /// Market depth: quote notional that moves the price by 100% (log) at
    /// calm volatility and the initial price. Depth shrinks as volatility
    /// rises (by (σ_calm/σ)) and as the price falls (by p/p0).
    pub depth: f64,
    /// Half-life of the accumulator's fast variance, slots (the protocol's
    /// example feed uses 9,000: one hour).
    #[serde(default = "default_fast_half_life")]
    pub fast_half_life_slots: u64,
    /// Slots between a keeper seeing an account liquidatable and acting.
    pub keeper_latency_slots: u64,
    /// Fraction of accounts that are long (the rest short).
    pub long_fraction: f64,
    /// Account equity: log-normal with this median (quote) and log spread.
    pub equity_median: f64,
    pub equity_log_spread: f64,
    /// Each account's collateral is this fraction volatile (the underlying),
    /// drawn uniformly between the two bounds; the rest is stable.
    pub volatile_collateral: [f64; 2],
    /// Each account opens a position using this fraction of the leverage its
    /// policy's initial margin allows at the start, drawn uniformly.
    pub utilisation: [f64; 2],
}

fn default_price() -> f64 {
    100.0
}

fn default_fast_half_life() -> u64 {
    9_000
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crash {
    pub start: u64,
    pub slots: u64,
    pub drop: f64,
}

impl SimConfig {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let config: SimConfig = toml::from_str(text).map_err(|error| error.to_string())?;
        for scenario in &config.scenarios {
            scenario.validate()?;
        }
        if config.scenarios.is_empty() {
            return Err("no [[scenario]] in the file".into());
        }
        Ok(config)
    }
}

impl Scenario {
    pub fn validate(&self) -> Result<(), String> {
        let fail = |what: &str| Err(format!("scenario {}: {what}", self.name));
        if self.accounts == 0 || self.slots == 0 || self.fast_half_life_slots == 0 {
            return fail("accounts and slots must be positive");
        }
        if !(self.calm_volatility >= 0.0 && self.depth > 0.0 && self.initial_price > 0.0) {
            return fail("volatility must be ≥ 0, depth and initial price > 0");
        }
        if self.garch_alpha < 0.0 || self.garch_beta < 0.0 || self.garch_alpha + self.garch_beta >= 1.0 {
            return fail("GARCH needs α, β ≥ 0 and α + β < 1");
        }
        if !(0.0..=1.0).contains(&self.long_fraction) || !(0.0..=1.0).contains(&self.jump_probability) {
            return fail("fractions and probabilities must be within [0, 1]");
        }
        for range in [self.volatile_collateral, self.utilisation] {
            if !(0.0 <= range[0] && range[0] <= range[1] && range[1] <= 1.0) {
                return fail("ranges must satisfy 0 ≤ low ≤ high ≤ 1");
            }
        }
        if self.crash.iter().any(|c| c.slots == 0 || !(0.0..1.0).contains(&c.drop)) {
            return fail("a crash needs slots > 0 and 0 ≤ drop < 1");
        }
        Ok(())
    }

    /// Slots outside every crash window (for the calm-period metrics).
    pub fn is_calm(&self, slot: u64) -> bool {
        self.crash.iter().all(|c| slot < c.start || slot >= c.start + c.slots * 4)
    }
}
