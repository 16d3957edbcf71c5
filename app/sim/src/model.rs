//! One simulated market: an exogenous price process with endogenous
//! liquidation impact, a population of cross-margined accounts, keepers with
//! a latency, and a margin policy. Decisions use the risk crate verbatim:
//! the volatility accumulator, the feedback parameters (advance / targets),
//! health, and liquidation sizing. The per-slot scan of every account's
//! maintenance health is a linear f64 formula (the same terms), confirmed
//! with the risk crate before any liquidation.
use reflex_risk::VolatilityPath;
use reflex_risk::{
    apply_collateral_liquidation, apply_perp_liquidation, collateral_liquidation, perp_liquidation, AccountSnapshot,
    AccumulatorConfig, CollateralEntry, FeedbackConfig, FeedbackState, Fixed, HealthLevel, LevelCurve, OraclePrice, PerpEntry,
    VolatilityAccumulator,
};
use serde::Serialize;

use crate::config::{PolicyConfig, Scenario};

/// A slot's liquidations continue a cascade when the forced sales of the
/// slot before moved the price by at least this much (log): liquidations
/// triggered by liquidations.
const CASCADE_IMPACT: f64 = 1e-4;
/// Native units per whole unit: sizes and collateral enter the risk crate as integers.
const NATIVE: f64 = 1e6;
const POSITIVE_PNL_WEIGHT: f64 = 0.8;

/// SplitMix64: small, fast and deterministic for a seed.
#[derive(Clone)]
pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed ^ 0x9e37_79b9_7f4a_7c15, spare: None }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        if let Some(spare) = self.spare.take() {
            return spare;
        }
        let (u, v) = (self.uniform().max(f64::MIN_POSITIVE), self.uniform());
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = std::f64::consts::TAU * v;
        self.spare = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum Policy {
    /// Fixed margins and haircuts: the Reflex curves' targets at a stress σ.
    Static,
    /// Margins and haircuts jump to their targets every slot, no slew limit.
    DynamicUnbounded,
    /// Reflex: initial tightens at once, maintenance slewed, both bounded.
    Reflex,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Static, Policy::DynamicUnbounded, Policy::Reflex];

    pub fn name(self) -> &'static str {
        match self {
            Policy::Static => "static",
            Policy::DynamicUnbounded => "dynamic, no slew",
            Policy::Reflex => "reflex",
        }
    }
}

fn curve(values: [f64; 4]) -> LevelCurve {
    let f = Fixed::from_num;
    LevelCurve { base: f(values[0]), sensitivity: f(values[1]), lower: f(values[2]), upper: f(values[3]) }
}

/// A policy's live margin ratios and haircuts, moved by the risk crate.
pub struct PolicyState {
    policy: Policy,
    margin_config: FeedbackConfig,
    haircut_config: FeedbackConfig,
    pub margin: FeedbackState,
    pub haircut: FeedbackState,
}

impl PolicyState {
    pub fn new(policy: Policy, config: &PolicyConfig, sigma: Fixed) -> Self {
        let f = Fixed::from_num;
        let (tighten, loosen) = match policy {
            Policy::Reflex => (f(config.tighten_per_slot), f(config.loosen_per_slot)),
            // No slew limit: one slot can move a level across its whole range.
            _ => (Fixed::ONE, Fixed::ONE),
        };
        let margin_config = FeedbackConfig {
            initial: curve(config.initial_margin),
            maintenance: curve(config.maintenance_margin),
            tighten_per_slot: tighten,
            loosen_per_slot: loosen,
        };
        let haircut_config = FeedbackConfig {
            initial: curve(config.initial_haircut),
            maintenance: curve(config.maintenance_haircut),
            tighten_per_slot: tighten,
            loosen_per_slot: loosen,
        };
        let start = if policy == Policy::Static { f(config.static_calibration_sigma) } else { sigma };
        PolicyState {
            policy,
            margin: FeedbackState::new(&margin_config, start, 0),
            haircut: FeedbackState::new(&haircut_config, start, 0),
            margin_config,
            haircut_config,
        }
    }

    pub fn advance(&mut self, sigma: Fixed, slot: u64) {
        match self.policy {
            Policy::Static => {}
            Policy::DynamicUnbounded | Policy::Reflex => {
                // The accumulator takes a print every slot and the levels
                // move every slot: σ_T is this slot's, the last was the slot before.
                let path = VolatilityPath { current: sigma, since: slot, previous_since: slot.saturating_sub(1) };
                self.margin.advance(&self.margin_config, path, slot);
                self.haircut.advance(&self.haircut_config, path, slot);
            }
        }
    }
}

/// One trader: stable collateral and realised PnL in `quote`, volatile
/// collateral in `volatile` (units of the underlying), a perp position.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub quote: f64,
    pub volatile: f64,
    /// Signed base units.
    pub size: f64,
    pub quote_position: f64,
    /// The slot a keeper will act at, once it has seen the account liquidatable.
    pub due: Option<u64>,
}

/// Per-run results (one scenario, policy and seed).
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunMetrics {
    /// Deficits of bankrupt accounts (quote).
    pub deficits: f64,
    /// What insurance could not cover: socialised to the LPs.
    pub bad_debt: f64,
    pub liquidated_notional: f64,
    pub liquidations: u64,
    /// Most liquidations in one cascade: a chain of slots with liquidations,
    /// each moved by the previous one's forced sales by at least 1 bp.
    pub largest_cascade: u64,
    /// Every cascade's size (for the histogram; not written to results.json).
    #[serde(skip_serializing)]
    pub cascades: Vec<u64>,
    /// Account-slots spent with maintenance health < 0, per account.
    pub time_under_water: f64,
    /// Mean over calm slots of 1 / initial margin: leverage available to a healthy account.
    pub calm_leverage: f64,
    /// Opened notional / equity at the start: how much of the collateral traders could use.
    pub utilisation: f64,
    pub final_price: f64,
    pub min_price: f64,
    /// Σ cash (accounts, the pool, insurance, keepers) minus its start:
    /// zero up to rounding (conservation inside the market).
    pub cash_drift: f64,
}

/// A downsampled path for charts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Trace {
    pub slot: Vec<u64>,
    pub price: Vec<f64>,
    pub sigma: Vec<f64>,
    pub initial_margin: Vec<f64>,
    pub maintenance_margin: Vec<f64>,
    pub liquidations: Vec<u64>,
}

pub struct Market<'a> {
    scenario: &'a Scenario,
    config: &'a PolicyConfig,
    rng: Rng,
    pub price: f64,
    variance: f64,
    last_shock: f64,
    accumulator: VolatilityAccumulator,
    accumulator_config: AccumulatorConfig,
    pub policy: PolicyState,
    pub accounts: Vec<Account>,
    /// Signed quote the keepers and liquidations sold into the market this slot.
    sold: f64,
    /// Log price move the last slot's forced sales caused.
    last_impact: f64,
    /// Cash the pool paid out (negative) or took in, as positions settled and losses were socialised.
    pool_cash: f64,
    insurance: f64,
    keeper_cash: f64,
    initial_cash: f64,
    pub metrics: RunMetrics,
}

impl<'a> Market<'a> {
    pub fn new(scenario: &'a Scenario, config: &'a PolicyConfig, policy: Policy, seed: u64) -> Self {
        let accumulator_config = AccumulatorConfig {
            fast_half_life_slots: scenario.fast_half_life_slots,
            slow_half_life_slots: 216_000.max(scenario.fast_half_life_slots),
            max_log_return: Fixed::from_num(0.2),
            horizon_slots: 150,
            seed_variance: Fixed::from_num(scenario.calm_volatility * scenario.calm_volatility),
        };
        let mut accumulator = VolatilityAccumulator::default();
        let start = Fixed::from_num(scenario.initial_price);
        accumulator.update(&accumulator_config, start, Fixed::ZERO, 0).expect("valid accumulator");
        let sigma = accumulator.risk_volatility(&accumulator_config).expect("σ");
        let policy = PolicyState::new(policy, config, sigma);

        // The population is drawn from the seed alone, so every policy sees
        // the same traders (they only open different sizes).
        let mut population = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let mut accounts = Vec::with_capacity(scenario.accounts);
        let (p, m_init, h_init) = (scenario.initial_price, policy.margin.initial.to_num::<f64>(), policy.haircut.initial.to_num::<f64>());
        let (mut equity_total, mut notional_total) = (0.0, 0.0);
        for _ in 0..scenario.accounts {
            let equity = scenario.equity_median * (scenario.equity_log_spread * population.normal()).exp();
            let volatile_share = lerp(scenario.volatile_collateral, population.uniform());
            let utilisation = lerp(scenario.utilisation, population.uniform());
            let long = population.uniform() < scenario.long_fraction;
            let volatile = equity * volatile_share / p;
            let quote = equity * (1.0 - volatile_share);
            // Initial health = weighted collateral − notional·m_init ≥ 0.
            let weighted = quote + volatile * p * (1.0 - h_init);
            let notional = utilisation * weighted / m_init;
            let size = if long { notional / p } else { -notional / p };
            equity_total += equity;
            notional_total += notional;
            accounts.push(Account { quote, volatile, size, quote_position: -size * p, due: None });
        }
        let initial_cash: f64 = accounts.iter().map(|a| a.quote).sum();
        let metrics = RunMetrics { utilisation: notional_total / equity_total.max(f64::MIN_POSITIVE), min_price: p, ..Default::default() };
        Market {
            scenario,
            config,
            rng: Rng::new(seed),
            price: p,
            variance: scenario.calm_volatility * scenario.calm_volatility,
            last_shock: 0.0,
            accumulator,
            accumulator_config,
            policy,
            accounts,
            sold: 0.0,
            last_impact: 0.0,
            pool_cash: 0.0,
            insurance: 0.0,
            keeper_cash: 0.0,
            initial_cash,
            metrics,
        }
    }

    /// Σ cash (accounts' quote, the pool, insurance, keepers): must equal
    /// its starting value (see [`RunMetrics::cash_drift`]). Positions' quote
    /// sides are claims, not cash, until they settle.
    pub fn cash(&self) -> f64 {
        let accounts: f64 = self.accounts.iter().map(|a| a.quote).sum();
        accounts + self.pool_cash + self.insurance + self.keeper_cash
    }

    /// Current margin and haircut levels as f64: (m_init, m_maint, h_init, h_maint).
    pub fn levels(&self) -> (f64, f64, f64, f64) {
        let (m, h) = (&self.policy.margin, &self.policy.haircut);
        (m.initial.to_num(), m.maintenance.to_num(), h.initial.to_num(), h.maintenance.to_num())
    }

    pub fn sigma(&self) -> f64 {
        self.accumulator.risk_volatility(&self.accumulator_config).map_or(0.0, |s| s.to_num())
    }

    /// Moves the price one slot: GARCH noise, jumps, crash drift, and the
    /// impact of last slot's forced sales on a book whose depth shrinks as
    /// volatility rises and the price falls.
    fn move_price(&mut self, slot: u64) {
        let s = self.scenario;
        let calm_variance = s.calm_volatility * s.calm_volatility;
        let omega = calm_variance * (1.0 - s.garch_alpha - s.garch_beta);
        self.variance = omega + s.garch_alpha * self.last_shock * self.last_shock + s.garch_beta * self.variance;
        let shock = self.variance.sqrt() * self.rng.normal();
        self.last_shock = shock;
        let mut log_return = shock;
        if s.jump_probability > 0.0 && self.rng.uniform() < s.jump_probability {
            log_return += s.jump_mean + s.jump_volatility * self.rng.normal();
        }
        for crash in &s.crash {
            if slot >= crash.start && slot < crash.start + crash.slots {
                log_return += (1.0 - crash.drop).ln() / crash.slots as f64;
            }
        }
        let volatility_ratio = if self.variance > 0.0 { (calm_variance / self.variance).sqrt().min(1.0) } else { 1.0 };
        let depth = s.depth * volatility_ratio * (self.price / s.initial_price).min(1.0);
        self.last_impact = (self.sold / depth).clamp(-0.5, 0.5);
        log_return -= self.last_impact;
        self.sold = 0.0;
        self.price *= log_return.exp();
        self.metrics.min_price = self.metrics.min_price.min(self.price);
    }

    /// Maintenance health in f64: the risk crate's formula for one collateral and one position.
    fn maintenance_health(&self, account: &Account, m_maint: f64, h_maint: f64) -> f64 {
        let p = self.price;
        let pnl = account.size * p + account.quote_position;
        let weighted = if pnl > 0.0 { pnl * POSITIVE_PNL_WEIGHT } else { pnl };
        account.quote + account.volatile * p * (1.0 - h_maint) + weighted - account.size.abs() * p * m_maint
    }

    /// The account as the risk crate sees it.
    fn snapshot(&self, account: &Account) -> AccountSnapshot {
        let f = Fixed::from_num;
        let price = OraclePrice::new(f(self.price / NATIVE), Fixed::ZERO);
        let (margin, haircut) = (&self.policy.margin, &self.policy.haircut);
        let collateral = (account.volatile > 0.0).then(|| CollateralEntry {
            amount: (account.volatile * NATIVE) as u64,
            price,
            initial_haircut: haircut.initial,
            maintenance_haircut: haircut.maintenance,
            liquidation_buffer: f(self.config.liquidation_buffer),
            size_factor: Fixed::ZERO,
        });
        let perp = (account.size != 0.0).then(|| PerpEntry {
            base_size: (account.size * NATIVE) as i64,
            quote_position: f(account.quote_position),
            unsettled_funding: Fixed::ZERO,
            price,
            initial_margin_ratio: margin.initial,
            maintenance_margin_ratio: margin.maintenance,
            liquidation_buffer: f(self.config.liquidation_buffer),
            size_factor: Fixed::ZERO,
            positive_pnl_weight_initial: f(0.5),
            positive_pnl_weight_maintenance: f(POSITIVE_PNL_WEIGHT),
        });
        AccountSnapshot { quote_balance: f(account.quote), collateral: collateral.into_iter().collect(), perps: perp.into_iter().collect() }
    }

    /// Liquidates account `index` as far as the risk crate allows: the
    /// least perp size, then collateral against debt, then bankruptcy.
    /// Returns the liquidation steps taken.
    fn liquidate(&mut self, index: usize) -> u64 {
        let mut steps = 0;
        let penalty = Fixed::from_num(self.config.liquidation_penalty);
        let discount = Fixed::from_num(self.config.liquidation_discount);
        for _ in 0..4 {
            let account = self.accounts[index].clone();
            let snapshot = self.snapshot(&account);
            let Ok(end) = snapshot.health(HealthLevel::LiquidationEnd) else { break };
            if end >= 0 {
                break;
            }
            if !snapshot.perps.is_empty() {
                let Ok(Some(plan)) = perp_liquidation(&snapshot, 0, penalty) else { break };
                let Ok((after, paid)) = apply_perp_liquidation(&snapshot, 0, plan.base_to_close, penalty) else { break };
                let account = &mut self.accounts[index];
                let old_size = account.size;
                let new_size = after.perps[0].base_size as f64 / NATIVE;
                let quote_delta = after.perps[0].quote_position.to_num::<f64>() - account.quote_position;
                account.size = new_size;
                account.quote_position += quote_delta;
                let paid = paid.to_num::<f64>();
                account.quote -= paid;
                self.insurance += paid;
                if new_size == 0.0 {
                    // The closed position settles: the pool pays its PnL (or receives the loss).
                    account.quote += account.quote_position;
                    self.pool_cash -= account.quote_position;
                    account.quote_position = 0.0;
                }
                let closed = (old_size - new_size).abs();
                self.metrics.liquidated_notional += closed * self.price;
                // Closing a long sells into the book; closing a short buys.
                self.sold += (old_size - new_size) * self.price;
                steps += 1;
                continue;
            }
            if account.quote < 0.0 && account.volatile > 0.0 {
                let Ok(Some(plan)) = collateral_liquidation(&snapshot, 0, discount) else { break };
                let Ok((_, credit)) = apply_collateral_liquidation(&snapshot, 0, plan.amount, discount) else { break };
                let account = &mut self.accounts[index];
                let units = plan.amount as f64 / NATIVE;
                let credit = credit.to_num::<f64>();
                account.volatile = (account.volatile - units).max(0.0);
                if account.volatile * NATIVE < 1.0 {
                    account.volatile = 0.0;
                }
                account.quote += credit;
                self.keeper_cash -= credit;
                self.metrics.liquidated_notional += units * self.price;
                // The keeper sells the seized collateral into the book.
                self.sold += units * self.price;
                steps += 1;
                continue;
            }
            break;
        }
        let account = &mut self.accounts[index];
        if account.size == 0.0 && account.volatile == 0.0 && account.quote < 0.0 {
            let deficit = -account.quote;
            let covered = deficit.min(self.insurance);
            self.insurance -= covered;
            self.metrics.deficits += deficit;
            self.metrics.bad_debt += deficit - covered;
            self.pool_cash -= deficit - covered;
            account.quote = 0.0;
        }
        steps
    }

    /// One slot: price, accumulator, policy, keepers. Returns liquidations.
    pub fn step(&mut self, slot: u64) -> u64 {
        self.move_price(slot);
        let price = Fixed::from_num(self.price);
        let _ = self.accumulator.update(&self.accumulator_config, price, Fixed::ZERO, slot);
        if let Ok(sigma) = self.accumulator.risk_volatility(&self.accumulator_config) {
            self.policy.advance(sigma, slot);
        }
        let (m_init, m_maint, _, h_maint) = self.levels();
        if self.scenario.is_calm(slot) {
            self.metrics.calm_leverage += 1.0 / m_init;
        }
        let latency = self.scenario.keeper_latency_slots;
        let mut liquidations = 0;
        let mut under_water = 0u64;
        for index in 0..self.accounts.len() {
            let account = &self.accounts[index];
            if account.size == 0.0 && account.quote >= 0.0 {
                continue;
            }
            let health = self.maintenance_health(account, m_maint, h_maint);
            if health < 0.0 {
                under_water += 1;
                let due = *self.accounts[index].due.get_or_insert(slot + latency);
                if due <= slot {
                    let steps = self.liquidate(index);
                    liquidations += steps;
                    self.accounts[index].due = None;
                }
            } else if self.accounts[index].due.is_some() {
                // Recovered before the keeper arrived, unless still below liquidation-end.
                let snapshot = self.snapshot(&self.accounts[index]);
                if snapshot.health(HealthLevel::LiquidationEnd).is_ok_and(|end| end >= 0) {
                    self.accounts[index].due = None;
                } else if self.accounts[index].due.is_some_and(|due| due <= slot) {
                    liquidations += self.liquidate(index);
                    self.accounts[index].due = None;
                }
            }
        }
        self.metrics.time_under_water += under_water as f64;
        self.metrics.liquidations += liquidations;
        liquidations
    }

    /// Runs every slot; `trace_every` > 0 records a downsampled trace.
    pub fn run(mut self, trace_every: u64) -> (RunMetrics, Trace) {
        let mut trace = Trace::default();
        let mut cascade = 0u64;
        let mut calm_slots = 0u64;
        for slot in 1..=self.scenario.slots {
            let liquidations = self.step(slot);
            if self.scenario.is_calm(slot) {
                calm_slots += 1;
            }
            let continues = liquidations > 0 && cascade > 0 && self.last_impact.abs() >= CASCADE_IMPACT;
            if !continues && cascade > 0 {
                self.metrics.cascades.push(cascade);
                self.metrics.largest_cascade = self.metrics.largest_cascade.max(cascade);
                cascade = 0;
            }
            cascade += liquidations;
            if trace_every > 0 && (slot % trace_every == 0 || liquidations > 0) {
                let (m_init, m_maint, _, _) = self.levels();
                trace.slot.push(slot);
                trace.price.push(self.price);
                trace.sigma.push(self.sigma());
                trace.initial_margin.push(m_init);
                trace.maintenance_margin.push(m_maint);
                trace.liquidations.push(liquidations);
            }
        }
        if cascade > 0 {
            self.metrics.cascades.push(cascade);
            self.metrics.largest_cascade = self.metrics.largest_cascade.max(cascade);
        }
        self.metrics.calm_leverage /= calm_slots.max(1) as f64;
        self.metrics.time_under_water /= self.accounts.len().max(1) as f64;
        self.metrics.final_price = self.price;
        self.metrics.cash_drift = self.cash() - self.initial_cash;
        (self.metrics, trace)
    }
}

fn lerp(range: [f64; 2], t: f64) -> f64 {
    range[0] + (range[1] - range[0]) * t
}
