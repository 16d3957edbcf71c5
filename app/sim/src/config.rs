//! Scenario files (TOML): price paths (synthetic or a real price file),
//! the population of traders, the market around them, and the policies
//! compared. Every population and market setting has a default, justified
//! where it is defined, so a scenario names only what it changes.
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Seeds per scenario (the same seeds for every policy).
    #[serde(default = "default_seeds")]
    pub seeds: u64,
    /// Seeds for scenarios longer than `long_slots` (the multi-year files);
    /// each seed is a new Brownian-bridge fill of the same bars.
    #[serde(default = "default_long_seeds")]
    pub long_seeds: u64,
    #[serde(default = "default_long_slots")]
    pub long_slots: u64,
    /// Worker threads (default: the machine's cores).
    #[serde(default)]
    pub threads: Option<usize>,
    /// Adds one scenario (family "real") per `*.csv` in this folder, with
    /// the default population and market. Relative to the scenario file.
    #[serde(default)]
    pub price_folder: Option<PathBuf>,
    /// Settings a file names in `[policies]` replace the calibrated ones;
    /// the rest stay calibrated.
    #[serde(default, deserialize_with = "policies_over_calibrated")]
    pub policies: PolicyConfig,
    /// The static frontier: one static policy per σ_T, fixed at the curves'
    /// targets there (from calm to crash).
    #[serde(default = "default_static_sweep")]
    pub static_sweep: Vec<f64>,
    /// Dynamic policies (default: [`default_variants`]).
    #[serde(default = "default_variants", rename = "variant")]
    pub variants: Vec<Variant>,
    #[serde(rename = "scenario", default)]
    pub scenarios: Vec<Scenario>,
    /// What `reflex-sim calibrate` searches.
    #[serde(default)]
    pub calibration: Option<crate::calibrate::CalibrationConfig>,
}

fn default_seeds() -> u64 {
    8
}
fn default_long_seeds() -> u64 {
    4
}
fn default_long_slots() -> u64 {
    50_000_000
}

/// σ_T from calm (0: the curves' lower bounds, 20× initial leverage) to
/// crash (0.12: 53% initial margin): nine points, so the frontier spans
/// every calibration a static venue might choose.
pub fn default_static_sweep() -> Vec<f64> {
    vec![0.0, 0.004, 0.008, 0.014, 0.022, 0.032, 0.045, 0.07, 0.12]
}

/// Which estimator a dynamic policy follows and which rules it adds.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    /// `σ_T` from the cadence-robust estimator (`reflex_risk::mechanism::robust`)
    /// instead of the on-chain accumulator.
    #[serde(default)]
    pub robust: bool,
    /// Initial levels follow the fast `σ_init`, maintenance the slower `σ_maint`
    /// (needs `robust`).
    #[serde(default)]
    pub split: bool,
    /// Maintenance moves at the slew rate (false: every level jumps to its target).
    #[serde(default = "yes")]
    pub slew: bool,
    /// Lowest maintenance levels raised to cover the gap allowance plus the penalty.
    #[serde(default)]
    pub gap_floor: bool,
    /// Open-interest margin add-on and deposit-depth haircut.
    #[serde(default)]
    pub utilisation: bool,
    /// The cascade-aware steward moves base initial margin.
    #[serde(default)]
    pub steward: bool,
    /// The anti-procyclicality buffer over the long look-back.
    #[serde(default)]
    pub apc: bool,
}

fn yes() -> bool {
    true
}

/// The dynamic policies of the default study: the protocol as it is, the
/// same without slew, each variant alone on top of it, and all together
/// with and without slew (the cascade comparison).
pub fn default_variants() -> Vec<Variant> {
    let base = Variant {
        name: String::new(),
        robust: false,
        split: false,
        slew: true,
        gap_floor: false,
        utilisation: false,
        steward: false,
        apc: false,
    };
    let with = |name: &str, edit: fn(&mut Variant)| {
        let mut variant = base.clone();
        variant.name = name.into();
        edit(&mut variant);
        variant
    };
    vec![
        with("reflex", |_| {}),
        with("reflex, no slew", |v| v.slew = false),
        with("robust σ", |v| v.robust = true),
        with("split σ", |v| {
            v.robust = true;
            v.split = true
        }),
        with("gap floor", |v| v.gap_floor = true),
        with("utilisation", |v| v.utilisation = true),
        with("steward", |v| v.steward = true),
        with("APC buffer", |v| {
            v.robust = true;
            v.apc = true
        }),
        with("combined", |v| {
            v.robust = true;
            v.split = true;
            v.gap_floor = true;
            v.utilisation = true;
            v.steward = true
        }),
        with("combined, no slew", |v| {
            v.robust = true;
            v.split = true;
            v.gap_floor = true;
            v.utilisation = true;
            v.steward = true;
            v.slew = false
        }),
    ]
}

fn policies_over_calibrated<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<PolicyConfig, D::Error> {
    let given = toml::Table::deserialize(deserializer)?;
    let mut table = toml::Table::from_str(CALIBRATED_POLICY)
        .ok()
        .and_then(|mut file| file.remove("policies"))
        .and_then(|v| v.as_table().cloned())
        .unwrap_or_default();
    table.extend(given);
    toml::Value::Table(table).try_into().map_err(serde::de::Error::custom)
}

/// The margin curves and every variant's settings (every one required in a
/// policy file; a scenario file's `[policies]` names only what it changes).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Margin curve (fractions): base, sensitivity k, lower, upper, for the
    /// initial and maintenance levels.
    pub initial_margin: [f64; 4],
    pub maintenance_margin: [f64; 4],
    /// Haircut curve of the volatile collateral, same layout.
    pub initial_haircut: [f64; 4],
    pub maintenance_haircut: [f64; 4],
    /// Largest rise of a maintenance level per slot (the slew limit).
    pub tighten_per_slot: f64,
    /// Largest fall of either level per slot.
    pub loosen_per_slot: f64,
    pub liquidation_buffer: f64,
    pub liquidation_penalty: f64,
    pub liquidation_discount: f64,
    /// The on-chain accumulator: fast and slow half-lives, horizon, clamp.
    pub fast_half_life_slots: u64,
    pub slow_half_life_slots: u64,
    pub horizon_slots: u64,
    pub max_log_return: f64,
    /// The robust estimator: grid, the initial level's half-life (5 min),
    /// the long look-back (a week), the confidence half-life, the range weight.
    pub grid_slots: u64,
    pub initial_half_life_slots: u64,
    pub long_half_life_slots: u64,
    pub confidence_half_life_slots: u64,
    pub range_weight: f64,
    /// Gap floor: the jump allowance the lowest maintenance level covers
    /// beyond the penalty.
    pub gap_allowance: f64,
    /// Open-interest scaling of initial margin: utilisation (largest side /
    /// capacity) where it starts, where it is full, and the add-on there.
    pub open_interest_scaling: [f64; 3],
    /// Deposit depth of the volatile collateral, as a multiple of the
    /// population's starting equity (Mango's deposit weight scale).
    pub deposit_depth_equity_multiple: f64,
    /// APC buffer over the long look-back's level (EMIR: at least 25%).
    pub apc_buffer: f64,
    /// Steward: k (σ_T multiples looked through), the largest base change
    /// per step, the fewest slots between steps, the impact the book may
    /// take from forced sales, and the relax threshold.
    pub steward_sigma_multiple: f64,
    pub steward_step: f64,
    pub steward_spacing_slots: u64,
    pub steward_absorbable_impact: f64,
    pub steward_relax_below: f64,
    pub steward_max_raise: f64,
}

/// The calibrated settings, as `reflex-sim calibrate` wrote them: what a
/// scenario file that names no `[policies]` runs, and what
/// `reflex_sdk::presets` lists (from the JSON written beside this file).
pub const CALIBRATED_POLICY: &str = include_str!("../../../sim/calibrated/policy.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    policies: PolicyConfig,
}

impl PolicyConfig {
    /// A collateral's liquidation buffer: at least twice its discount, so a
    /// seizure at the discount cannot leave the account under maintenance
    /// again at once. The bounds check, the governance JSON and the
    /// simulated accounts all use this one value.
    pub fn collateral_liquidation_buffer(&self) -> f64 {
        self.liquidation_buffer.max(self.liquidation_discount * 2.0)
    }

    /// Reads the `[policies]` table of a file `reflex-sim calibrate` wrote
    /// (every setting named).
    pub fn from_policy_file(text: &str) -> Result<Self, String> {
        toml::from_str::<PolicyFile>(text).map(|file| file.policies).map_err(|error| error.to_string())
    }

    /// The file `reflex-sim calibrate` writes: the `[policies]` table.
    pub fn to_policy_file(&self, header: &str) -> String {
        let mut table = toml::Table::new();
        table.insert("policies".into(), toml::Value::try_from(self).expect("settings serialise"));
        format!("{header}{}", toml::to_string(&table).expect("settings serialise"))
    }

    /// Where calibration starts: the curves of the first presets and every
    /// other setting explained beside it. Calibration moves only the margin
    /// curves and the slew (see `calibrate::Candidate`).
    pub fn starting_point() -> Self {
        PolicyConfig {
            initial_margin: [0.05, 4.0, 0.05, 0.5],
            maintenance_margin: [0.03, 2.0, 0.03, 0.25],
            initial_haircut: [0.10, 3.0, 0.10, 0.6],
            maintenance_haircut: [0.06, 1.5, 0.06, 0.4],
            tighten_per_slot: 0.0005,
            loosen_per_slot: 0.00005,
            liquidation_buffer: 0.01,
            liquidation_penalty: 0.01,
            liquidation_discount: 0.01,
            fast_half_life_slots: 9_000,
            slow_half_life_slots: 216_000,
            horizon_slots: 150,
            max_log_return: 0.2,
            grid_slots: 150,
            // Five minutes: a spike blocks new leverage within a few cells.
            initial_half_life_slots: 750,
            // A week (EMIR asks ten years for the floor; a week is what a
            // crypto venue re-listing weekly could keep).
            long_half_life_slots: 1_512_000,
            confidence_half_life_slots: 150,
            // Half the horizon's range: a 10% fall within a minute asks for a
            // 5% σ_T at once, whatever the number of prints it came in.
            range_weight: 0.5,
            // 4%: the worst 1-minute gap out of calm in the five-minute
            // files is about 3–4%; with the 1% penalty maintenance ≥ 5%.
            gap_allowance: 0.04,
            // dYdX v4 scales from a lower to an upper open-interest cap; here
            // from half the pool's capacity to all of it, up to +10% initial margin.
            open_interest_scaling: [0.5, 1.0, 0.10],
            deposit_depth_equity_multiple: 0.5,
            apc_buffer: 0.25,
            steward_sigma_multiple: 3.0,
            // The program's steward caps: 1% per change, ten minutes apart.
            steward_step: 0.01,
            steward_spacing_slots: 1_500,
            steward_absorbable_impact: 0.02,
            steward_relax_below: 0.5,
            steward_max_raise: 0.10,
        }
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::from_policy_file(CALIBRATED_POLICY).expect("sim/calibrated/policy.toml is a [policies] table")
    }
}

/// A scenario: where prices come from, who trades, and the market.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// Groups scenarios in the report's frontier figures and the goal check (default: "real" for a price file, "synthetic" otherwise).
    #[serde(default = "default_family")]
    pub family: String,
    #[serde(default)]
    pub path: PathSource,
    #[serde(default)]
    pub population: Population,
    #[serde(default)]
    pub market: MarketConfig,
}

/// Unset: "real" for a price file, "synthetic" otherwise (filled in by `SimConfig::from_toml`).
fn default_family() -> String {
    String::new()
}

/// Synthetic prices (GARCH, jumps, crashes) or a real price file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathSource {
    /// A price file in the format of `../shared/data/prices/` (`slot,price,conf`);
    /// when set, the synthetic settings below are ignored. Relative to the scenario file.
    pub file: Option<PathBuf>,
    /// Slots between bars are filled by a Brownian bridge stepped so that
    /// one step moves the price by about this much (one standard deviation),
    /// at least one slot and at most `max_step_slots`.
    pub step_move: f64,
    pub max_step_slots: u64,
    /// Synthetic: slots to simulate, start price, per-slot calm volatility.
    pub slots: u64,
    pub initial_price: f64,
    pub calm_volatility: f64,
    /// GARCH(1,1) on the per-slot variance, ω set for `calm_volatility²`.
    pub garch_alpha: f64,
    pub garch_beta: f64,
    /// Jumps: probability per slot, mean and spread (log).
    pub jump_probability: f64,
    pub jump_mean: f64,
    pub jump_volatility: f64,
    /// Crashes: each falls `drop` over `slots` from `start`.
    pub crash: Vec<Crash>,
}

impl Default for PathSource {
    fn default() -> Self {
        PathSource {
            file: None,
            // 0.5%: a sixth of the lowest maintenance margin, so an account is
            // seen within a step of crossing its liquidation price (and the
            // keeper's latency is at least that); steps reach one slot in a crash.
            step_move: 0.005,
            // Ten minutes: the slew and the traders never sleep longer.
            max_step_slots: 1_500,
            slots: 20_000,
            initial_price: 100.0,
            calm_volatility: 0.0004,
            garch_alpha: 0.0,
            garch_beta: 0.0,
            jump_probability: 0.0,
            jump_mean: 0.0,
            jump_volatility: 0.0,
            crash: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Crash {
    pub start: u64,
    pub slots: u64,
    pub drop: f64,
}

/// The traders.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Population {
    /// Account slots; about `active_fraction` of them hold an account at a time.
    pub accounts: usize,
    pub active_fraction: f64,
    /// Mean slots an account stays (arrivals keep the active share steady).
    pub lifetime_slots: f64,
    pub long_fraction: f64,
    /// Equity: log-normal with this median (quote) and log spread.
    pub equity_median: f64,
    pub equity_log_spread: f64,
    /// Share of equity in the volatile collateral, uniform in the range.
    pub volatile_collateral: [f64; 2],
    /// Target notional as a fraction of what initial margin allows, uniform.
    pub target_leverage: [f64; 2],
    /// Slots over which an account closes the gap to its target (mean of an
    /// exponential: most rebalance within the hour, some within minutes).
    pub rebalance_slots: f64,
    /// No trade while the gap is under this fraction of the target.
    pub rebalance_band: f64,
    /// Under initial health, an account deleverages to its target after a
    /// latency (uniform, slots) with this probability, else looks again later.
    pub deleverage_latency: [u64; 2],
    pub deleverage_probability: f64,
    /// Share of long accounts that buy dips: when the price is `dip_trigger`
    /// below its day high, they aim for `dip_target` of what is allowed.
    pub dip_buyer_fraction: f64,
    pub dip_trigger: f64,
    pub dip_target: f64,
    /// Spread paid on every voluntary trade (to the pool).
    pub spread: f64,
}

impl Default for Population {
    fn default() -> Self {
        Population {
            // 400 accounts: enough for a liquidation-price distribution,
            // cheap enough for years of slots.
            accounts: 400,
            active_fraction: 0.8,
            // Three days: perp positions on crypto venues are held for days.
            lifetime_slots: 648_000.0,
            long_fraction: 0.65,
            equity_median: 5_000.0,
            equity_log_spread: 1.0,
            volatile_collateral: [0.0, 0.8],
            // Few traders run at the edge; most keep a third to four fifths.
            target_leverage: [0.3, 0.85],
            // Twenty minutes.
            rebalance_slots: 3_000.0,
            rebalance_band: 0.1,
            // 10 s to 5 min to react; three in four do.
            deleverage_latency: [25, 750],
            deleverage_probability: 0.75,
            dip_buyer_fraction: 0.2,
            dip_trigger: 0.05,
            dip_target: 0.95,
            // 5 bp taker fee + 2 bp spread, as the presets.
            spread: 0.0007,
        }
    }
}

/// The book, the pool and the keepers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketConfig {
    /// Notional of forced sales that moves the price by 100% (log), as a
    /// multiple of the population's starting equity. Depth shrinks as
    /// volatility rises above calm.
    pub depth_equity_multiple: f64,
    /// Half-life of the price impact of forced sales (the book refills).
    pub impact_half_life_slots: f64,
    /// The LP pool's capital, as a multiple of the population's starting equity.
    pub pool_equity_multiple: f64,
    /// Each side's open interest may reach this fraction of the pool's value.
    pub max_open_interest: f64,
    pub keeper_latency_slots: u64,
    /// Calm per-slot volatility the book's depth is quoted at (real paths:
    /// measured from the file's median bar).
    pub calm_volatility: Option<f64>,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            // Liquidating the whole population at 5× moves the price 5%: a
            // mid-cap perp book, where forced sales matter but do not rule.
            depth_equity_multiple: 100.0,
            impact_half_life_slots: 1_500.0,
            // Ten times the traders' equity: each side up to 5× their equity.
            pool_equity_multiple: 10.0,
            // The presets: each side up to 50% of the pool.
            max_open_interest: 0.5,
            keeper_latency_slots: 2,
            calm_volatility: None,
        }
    }
}

impl SimConfig {
    /// Parses a scenario file; `base` is its folder (relative paths resolve there).
    pub fn from_toml(text: &str, base: &Path) -> Result<Self, String> {
        let mut config: SimConfig = toml::from_str(text).map_err(|error| error.to_string())?;
        for scenario in &mut config.scenarios {
            if let Some(file) = &scenario.path.file {
                scenario.path.file = Some(base.join(file));
            }
            if scenario.family.is_empty() {
                scenario.family = if scenario.path.file.is_some() { "real" } else { "synthetic" }.into();
            }
        }
        if let Some(folder) = &config.price_folder {
            let folder = base.join(folder);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .map_err(|error| format!("price_folder {}: {error}", folder.display()))?
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "csv"))
                .collect();
            files.sort();
            for file in files {
                let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                config.scenarios.push(Scenario {
                    name,
                    family: "real".into(),
                    path: PathSource { file: Some(file), ..PathSource::default() },
                    population: Population::default(),
                    market: MarketConfig::default(),
                });
            }
        }
        if config.scenarios.is_empty() {
            return Err("no [[scenario]] and no price_folder in the file".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for scenario in &config.scenarios {
            scenario.validate()?;
            // Runs are keyed by name: two scenarios of one name would be pooled.
            if !names.insert(scenario.name.as_str()) {
                return Err(format!("two scenarios are named {:?}", scenario.name));
            }
        }
        if let Some(grid) = &config.calibration {
            if let Some(missing) = grid.scenarios.iter().find(|name| !names.contains(name.as_str())) {
                return Err(format!("[calibration] names scenario {missing:?}, which the file does not have"));
            }
            if let Some(missing) = grid.families.iter().find(|family| !config.scenarios.iter().any(|s| &s.family == *family)) {
                return Err(format!("[calibration] names family {missing:?}, which no scenario has"));
            }
        }
        if config.static_sweep.len() < 2 {
            return Err("static_sweep needs at least two calibrations".into());
        }
        for variant in &config.variants {
            if variant.split && !variant.robust {
                return Err(format!("variant {}: split needs robust", variant.name));
            }
        }
        Ok(config)
    }

    /// Worker threads: `threads`, or the machine's cores.
    pub fn worker_threads(&self) -> usize {
        self.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
    }

    /// Seeds run for a scenario of this length.
    pub fn seeds_for(&self, slots: u64) -> u64 {
        if slots > self.long_slots {
            self.long_seeds.min(self.seeds)
        } else {
            self.seeds
        }
    }
}

impl Scenario {
    pub fn validate(&self) -> Result<(), String> {
        let fail = |what: &str| Err(format!("scenario {}: {what}", self.name));
        let (path, population, market) = (&self.path, &self.population, &self.market);
        if population.accounts == 0 || path.slots == 0 || path.max_step_slots == 0 {
            return fail("accounts, slots and max_step_slots must be positive");
        }
        if !(path.calm_volatility >= 0.0 && path.initial_price > 0.0 && path.step_move > 0.0) {
            return fail("volatility must be ≥ 0, initial price and step_move > 0");
        }
        if path.garch_alpha < 0.0 || path.garch_beta < 0.0 || path.garch_alpha + path.garch_beta >= 1.0 {
            return fail("GARCH needs α, β ≥ 0 and α + β < 1");
        }
        let fractions = [
            population.long_fraction,
            path.jump_probability,
            population.active_fraction,
            population.deleverage_probability,
            population.dip_buyer_fraction,
            population.dip_target,
        ];
        if fractions.iter().any(|f| !(0.0..=1.0).contains(f)) {
            return fail("fractions and probabilities must be within [0, 1]");
        }
        for range in [population.volatile_collateral, population.target_leverage] {
            if !(0.0 <= range[0] && range[0] <= range[1] && range[1] <= 1.0) {
                return fail("ranges must satisfy 0 ≤ low ≤ high ≤ 1");
            }
        }
        if population.deleverage_latency[0] > population.deleverage_latency[1] {
            return fail("deleverage_latency must be [low, high]");
        }
        if population.lifetime_slots <= 0.0 || population.rebalance_slots <= 0.0 {
            return fail("lifetime and rebalance slots must be positive");
        }
        if market.depth_equity_multiple <= 0.0 || market.pool_equity_multiple <= 0.0 || market.impact_half_life_slots <= 0.0 {
            return fail("depth, pool and impact half-life must be positive");
        }
        if path.crash.iter().any(|c| c.slots == 0 || !(0.0..1.0).contains(&c.drop)) {
            return fail("a crash needs slots > 0 and 0 ≤ drop < 1");
        }
        Ok(())
    }
}
