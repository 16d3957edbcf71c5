//! One simulated market: a price path with the impact of forced sales on
//! top, traders who come and go and trade toward a target leverage, an LP
//! pool on the other side of every position, keepers with a latency, and a
//! margin policy. Liquidations use the risk crate verbatim (health,
//! least-size closes, collateral seizure, bankruptcy); the per-step scan of
//! every account is the same linear formula in f64, confirmed with the risk
//! crate before a keeper acts.
use std::collections::VecDeque;
use std::sync::Arc;

use reflex_risk::mechanism::LiquidationPoint;
use reflex_risk::{
    apply_collateral_liquidation, apply_perp_liquidation, collateral_liquidation, perp_liquidation, AccountSnapshot, CollateralEntry,
    Fixed, HealthLevel, OraclePrice, PerpEntry,
};
use serde::{Deserialize, Serialize};

use crate::config::{PolicyConfig, Population, Scenario};
use crate::path::{Bars, PricePath, Step};
use crate::policy::{Levels, Observation, PolicySpec, PolicyState, PNL_WEIGHT_INITIAL, PNL_WEIGHT_MAINTENANCE};
use crate::rng::Rng;

/// Steps with liquidations continue a cascade when the forced sales of the
/// step before moved the price by at least this much (log).
const CASCADE_IMPACT: f64 = 1e-4;
/// Native units per whole unit: sizes and collateral enter the risk crate as integers.
const NATIVE: f64 = 1e6;
const HOUR: u64 = 9_000;
const DAY: u64 = 216_000;

/// One trader's account and habits.
#[derive(Clone, Debug, Default)]
pub struct Trader {
    pub active: bool,
    /// Stable collateral and settled PnL (quote).
    pub quote: f64,
    /// Volatile collateral (units of the underlying).
    pub volatile: f64,
    /// Signed base units and the quote side of the position.
    pub size: f64,
    pub quote_position: f64,
    /// Target notional as a fraction of what initial margin allows.
    target: f64,
    long: bool,
    dip_buyer: bool,
    rebalance_slots: f64,
    deleverage_latency: u64,
    deleverage_due: Option<u64>,
    /// The slot a keeper acts at, once it has seen the account liquidatable.
    due: Option<u64>,
    life: Rng,
    behaviour: Rng,
}

/// Per-run results (one scenario, policy and seed).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Shortfall of bankrupt accounts before insurance (quote): the protocol's bad debt.
    pub bad_debt: f64,
    /// What insurance could not cover: socialised to the LPs.
    pub uncovered: f64,
    /// Perp notional closed by keepers.
    pub forced_notional: f64,
    /// Collateral seized by keepers (quote).
    pub seized_notional: f64,
    /// Notional traders cut themselves when under initial health.
    pub voluntary_notional: f64,
    pub liquidations: u64,
    pub bankruptcies: u64,
    /// Most liquidation steps in one cascade, and their notional.
    pub largest_cascade: u64,
    pub largest_cascade_notional: f64,
    /// Time-averaged Σ notional / Σ equity: leverage actually used.
    pub leverage_used: f64,
    /// Time averages of the live initial and maintenance margin, and of 1 / initial.
    pub mean_initial_margin: f64,
    pub mean_maintenance_margin: f64,
    pub available_leverage: f64,
    /// Time-averaged Σ equity (quote): bad debt is reported per unit of it.
    pub mean_equity: f64,
    /// Anti-procyclicality: highest / lowest level over the run, and the
    /// largest rise within an hour and within a day, for both margin levels.
    pub initial_peak_to_trough: f64,
    pub initial_rise_hour: f64,
    pub initial_rise_day: f64,
    pub maintenance_peak_to_trough: f64,
    pub maintenance_rise_hour: f64,
    pub maintenance_rise_day: f64,
    pub steward_moves: u64,
    pub insurance_used: f64,
    pub min_price: f64,
    pub final_price: f64,
    pub slots: u64,
    pub steps: u64,
    /// Σ cash inside the market minus its start, deposits and withdrawals: zero up to rounding.
    pub cash_drift: f64,
}

impl RunMetrics {
    /// Bad debt in basis points of the mean equity.
    pub fn bad_debt_bp(&self) -> f64 {
        1e4 * self.bad_debt / self.mean_equity.max(f64::MIN_POSITIVE)
    }
}

/// A downsampled path for charts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Trace {
    pub slot: Vec<u64>,
    pub price: Vec<f64>,
    pub sigma: Vec<f64>,
    pub initial_margin: Vec<f64>,
    pub maintenance_margin: Vec<f64>,
    pub leverage: Vec<f64>,
    pub liquidations: Vec<u64>,
}

/// Sums over the accounts, taken in one pass per step.
#[derive(Default)]
struct Tally {
    /// Notional long and short (quote).
    side: [f64; 2],
    /// Σ unrealised PnL of open positions: the pool holds the other side.
    open: f64,
    /// Volatile collateral deposited (base units).
    volatile: f64,
}

/// Largest rise of a level within a window of slots (monotone deque of minima).
struct RiseTracker {
    window: u64,
    minima: VecDeque<(u64, f64)>,
    largest: f64,
}

impl RiseTracker {
    fn new(window: u64) -> Self {
        RiseTracker { window, minima: VecDeque::new(), largest: 0.0 }
    }

    fn push(&mut self, slot: u64, value: f64) {
        while self.minima.front().is_some_and(|(s, _)| *s + self.window < slot) {
            self.minima.pop_front();
        }
        if let Some((_, low)) = self.minima.front() {
            self.largest = self.largest.max(value - low);
        }
        while self.minima.back().is_some_and(|(_, v)| *v >= value) {
            self.minima.pop_back();
        }
        self.minima.push_back((slot, value));
    }
}

struct LevelStats {
    low: f64,
    high: f64,
    hour: RiseTracker,
    day: RiseTracker,
}

impl LevelStats {
    fn new() -> Self {
        LevelStats { low: f64::INFINITY, high: 0.0, hour: RiseTracker::new(HOUR), day: RiseTracker::new(DAY) }
    }

    fn push(&mut self, slot: u64, value: f64) {
        self.low = self.low.min(value);
        self.high = self.high.max(value);
        self.hour.push(slot, value);
        self.day.push(slot, value);
    }
}

pub struct Market<'a> {
    population: &'a Population,
    scenario: &'a Scenario,
    config: &'a PolicyConfig,
    path: PricePath<'a>,
    pub policy: PolicyState,
    pub traders: Vec<Trader>,
    pub price: f64,
    calm_volatility: f64,
    depth: f64,
    /// Log price offset of forced sales, decaying as the book refills.
    impact: f64,
    day_high: f64,
    pool_capital: f64,
    pool_cash: f64,
    /// Each side's open-interest cap this step (quote).
    side_cap: f64,
    insurance: f64,
    keeper_cash: f64,
    initial_cash: f64,
    deposits: f64,
    withdrawals: f64,
    pub metrics: RunMetrics,
}

/// The population's starting equity: the unit depth and the pool are quoted in.
fn equity_scale(population: &Population) -> f64 {
    population.accounts as f64 * population.active_fraction * population.equity_median * (population.equity_log_spread.powi(2) / 2.0).exp()
}

impl<'a> Market<'a> {
    pub fn new(scenario: &'a Scenario, config: &'a PolicyConfig, spec: PolicySpec, bars: Option<Arc<Bars>>, seed: u64) -> Self {
        let calm_volatility =
            scenario.market.calm_volatility.unwrap_or_else(|| bars.as_ref().map_or(scenario.path.calm_volatility, |b| b.calm_volatility()));
        let path = PricePath::new(&scenario.path, bars, seed);
        let price = path.start_price();
        let policy = PolicyState::new(spec, config, price, calm_volatility);
        let population = &scenario.population;
        let scale = equity_scale(population);
        let mut market = Market {
            population,
            scenario,
            config,
            path,
            policy,
            traders: Vec::with_capacity(population.accounts),
            price,
            calm_volatility,
            depth: scenario.market.depth_equity_multiple * scale,
            impact: 0.0,
            day_high: price,
            pool_capital: scenario.market.pool_equity_multiple * scale,
            pool_cash: 0.0,
            side_cap: 0.0,
            insurance: 0.0,
            keeper_cash: 0.0,
            initial_cash: 0.0,
            deposits: 0.0,
            withdrawals: 0.0,
            metrics: RunMetrics { min_price: price, ..Default::default() },
        };
        // Accounts are drawn from the seed alone, so every policy sees the same traders.
        for index in 0..population.accounts {
            let key = seed.wrapping_mul(1_000_003).wrapping_add(index as u64);
            let mut trader = Trader {
                life: Rng::new(key.wrapping_mul(31).wrapping_add(7)),
                behaviour: Rng::new(key ^ 0x5bd1_e995),
                ..Default::default()
            };
            if trader.life.uniform() < population.active_fraction {
                market.spawn(&mut trader);
            }
            market.traders.push(trader);
        }
        let levels = market.policy.levels();
        let tally = market.tally();
        market.side_cap = (scenario.market.max_open_interest * market.pool_value(tally.open)).max(0.0);
        let mut side = tally.side;
        for index in 0..market.traders.len() {
            let mut trader = std::mem::take(&mut market.traders[index]);
            if trader.active {
                let wanted = trader.target * market.allowed_notional(&trader, &levels);
                market.trade_to(&mut trader, wanted, &mut side, false);
            }
            market.traders[index] = trader;
        }
        market.initial_cash = market.cash();
        market.deposits = 0.0;
        market.withdrawals = 0.0;
        market
    }

    /// Draws a new account's money and habits from its own stream.
    fn spawn(&mut self, trader: &mut Trader) {
        let p = self.population;
        let rng = &mut trader.life;
        let equity = p.equity_median * (p.equity_log_spread * rng.normal()).exp();
        let volatile_share = lerp(p.volatile_collateral, rng.uniform());
        trader.target = lerp(p.target_leverage, rng.uniform());
        trader.long = rng.uniform() < p.long_fraction;
        trader.dip_buyer = trader.long && rng.uniform() < p.dip_buyer_fraction;
        trader.rebalance_slots = -p.rebalance_slots * (1.0 - rng.uniform()).ln().max(-20.0) + 1.0;
        let latency = lerp([p.deleverage_latency[0] as f64, p.deleverage_latency[1] as f64], rng.uniform());
        trader.deleverage_latency = latency as u64;
        trader.quote = equity * (1.0 - volatile_share);
        trader.volatile = equity * volatile_share / self.price;
        trader.size = 0.0;
        trader.quote_position = 0.0;
        trader.deleverage_due = None;
        trader.due = None;
        trader.active = true;
        self.deposits += trader.quote;
    }

    /// Σ cash: accounts' quote, the pool, insurance, keepers. Positions are
    /// claims, not cash, until they settle.
    pub fn cash(&self) -> f64 {
        self.traders.iter().map(|t| t.quote).sum::<f64>() + self.pool_cash + self.insurance + self.keeper_cash
    }

    /// One pass over the accounts for what every step needs.
    fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for trader in &self.traders {
            tally.side[usize::from(trader.size < 0.0)] += trader.size.abs() * self.price;
            tally.open += self.pnl(trader);
            tally.volatile += trader.volatile;
        }
        tally
    }

    /// The pool's value for capacity: capital, cash taken in or paid out,
    /// and the other side of every open position (`open`, the traders' PnL);
    /// gains above the capital count for nothing (LPs take profits out),
    /// losses count in full.
    fn pool_value(&self, open: f64) -> f64 {
        (self.pool_capital + self.pool_cash - open).min(self.pool_capital)
    }

    fn pnl(&self, trader: &Trader) -> f64 {
        trader.size * self.price + trader.quote_position
    }

    /// Weighted collateral and PnL at the initial level.
    fn initial_collateral(&self, trader: &Trader, levels: &Levels) -> f64 {
        let pnl = self.pnl(trader);
        let weighted = if pnl > 0.0 { pnl * PNL_WEIGHT_INITIAL } else { pnl };
        trader.quote + trader.volatile * self.price * (1.0 - levels.initial_haircut) + weighted
    }

    /// The most notional initial health allows.
    fn allowed_notional(&self, trader: &Trader, levels: &Levels) -> f64 {
        self.initial_collateral(trader, levels).max(0.0) / levels.initial_margin.max(1e-6)
    }

    fn initial_health(&self, trader: &Trader, levels: &Levels) -> f64 {
        self.initial_collateral(trader, levels) - trader.size.abs() * self.price * levels.initial_margin
    }

    /// The risk crate's maintenance health in f64 (one collateral, one position).
    fn maintenance_health(&self, trader: &Trader, levels: &Levels) -> f64 {
        let pnl = self.pnl(trader);
        let weighted = if pnl > 0.0 { pnl * PNL_WEIGHT_MAINTENANCE } else { pnl };
        trader.quote + trader.volatile * self.price * (1.0 - levels.maintenance_haircut) + weighted
            - trader.size.abs() * self.price * levels.maintenance_margin
    }

    fn equity(&self, trader: &Trader) -> f64 {
        trader.quote + trader.volatile * self.price + self.pnl(trader)
    }

    /// Trades the account to `notional` in its direction against the pool:
    /// PnL settles, the spread goes to the pool, the side cap holds for
    /// increases. Returns the notional traded.
    fn trade_to(&mut self, trader: &mut Trader, notional: f64, side: &mut [f64; 2], pay_spread: bool) -> f64 {
        let p = self.price;
        let current = trader.size.abs() * p;
        let index = usize::from(!trader.long);
        let cap = self.side_cap;
        let target = if notional > current { notional.min(current + (cap - side[index]).max(0.0)) } else { notional.max(0.0) };
        let traded = (target - current).abs();
        if traded <= 0.0 {
            return 0.0;
        }
        let pnl = self.pnl(trader);
        trader.quote += pnl;
        self.pool_cash -= pnl;
        let sign = if trader.long { 1.0 } else { -1.0 };
        trader.size = sign * target / p;
        trader.quote_position = -trader.size * p;
        if pay_spread {
            let fee = self.population.spread * traded;
            trader.quote -= fee;
            self.pool_cash += fee;
        }
        side[index] += target - current;
        traded
    }

    /// The account as the risk crate sees it.
    fn snapshot(&self, trader: &Trader) -> AccountSnapshot {
        let f = Fixed::from_num;
        let price = OraclePrice::new(f(self.price / NATIVE), Fixed::ZERO);
        let [m_init, m_maint, h_init, h_maint] = self.policy.fixed_levels();
        let collateral = (trader.volatile > 0.0).then(|| CollateralEntry {
            amount: (trader.volatile * NATIVE) as u64,
            price,
            initial_haircut: h_init,
            maintenance_haircut: h_maint,
            liquidation_buffer: f(self.config.collateral_liquidation_buffer()),
            size_factor: Fixed::ZERO,
        });
        let perp = (trader.size != 0.0).then(|| PerpEntry {
            base_size: (trader.size * NATIVE) as i64,
            quote_position: f(trader.quote_position),
            unsettled_funding: Fixed::ZERO,
            price,
            initial_margin_ratio: m_init,
            maintenance_margin_ratio: m_maint,
            liquidation_buffer: f(self.config.liquidation_buffer),
            size_factor: Fixed::ZERO,
            positive_pnl_weight_initial: f(PNL_WEIGHT_INITIAL),
            positive_pnl_weight_maintenance: f(PNL_WEIGHT_MAINTENANCE),
        });
        AccountSnapshot { quote_balance: f(trader.quote), collateral: collateral.into_iter().collect(), perps: perp.into_iter().collect() }
    }

    /// Liquidates as far as the risk crate allows: the least perp size,
    /// then collateral against debt, then bankruptcy. Returns (steps, notional, forced sales).
    fn liquidate(&mut self, trader: &mut Trader) -> (u64, f64, f64) {
        let (mut steps, mut notional, mut sold) = (0, 0.0, 0.0);
        let penalty = Fixed::from_num(self.config.liquidation_penalty);
        let discount = Fixed::from_num(self.config.liquidation_discount);
        for _ in 0..4 {
            let snapshot = self.snapshot(trader);
            let Ok(end) = snapshot.health(HealthLevel::LiquidationEnd) else { break };
            if end >= 0 {
                break;
            }
            if !snapshot.perps.is_empty() {
                let Ok(Some(plan)) = perp_liquidation(&snapshot, 0, penalty) else { break };
                let Ok((after, paid)) = apply_perp_liquidation(&snapshot, 0, plan.base_to_close, penalty) else { break };
                let old_size = trader.size;
                let new_size = after.perps[0].base_size as f64 / NATIVE;
                trader.quote_position += after.perps[0].quote_position.to_num::<f64>() - trader.quote_position;
                trader.size = new_size;
                let paid = paid.to_num::<f64>();
                trader.quote -= paid;
                self.insurance += paid;
                if new_size == 0.0 {
                    trader.quote += trader.quote_position;
                    self.pool_cash -= trader.quote_position;
                    trader.quote_position = 0.0;
                }
                let closed = (old_size - new_size) * self.price;
                self.metrics.forced_notional += closed.abs();
                notional += closed.abs();
                // Closing a long sells into the book; closing a short buys.
                sold += closed;
                steps += 1;
                continue;
            }
            if trader.quote < 0.0 && trader.volatile > 0.0 {
                let Ok(Some(plan)) = collateral_liquidation(&snapshot, 0, discount) else { break };
                let Ok((_, credit)) = apply_collateral_liquidation(&snapshot, 0, plan.amount, discount) else { break };
                let units = plan.amount as f64 / NATIVE;
                let credit = credit.to_num::<f64>();
                trader.volatile = (trader.volatile - units).max(0.0);
                if trader.volatile * NATIVE < 1.0 {
                    trader.volatile = 0.0;
                }
                trader.quote += credit;
                self.keeper_cash -= credit;
                self.metrics.seized_notional += units * self.price;
                notional += units * self.price;
                sold += units * self.price;
                steps += 1;
                continue;
            }
            break;
        }
        if trader.size == 0.0 && trader.volatile == 0.0 && trader.quote < 0.0 {
            let deficit = -trader.quote;
            let covered = deficit.min(self.insurance);
            self.insurance -= covered;
            self.metrics.insurance_used += covered;
            self.metrics.bad_debt += deficit;
            self.metrics.uncovered += deficit - covered;
            self.metrics.bankruptcies += 1;
            self.pool_cash -= deficit - covered;
            trader.quote = 0.0;
        }
        (steps, notional, sold)
    }

    /// Where each position's maintenance health reaches zero (linear in price).
    fn liquidation_points(&self, levels: &Levels) -> Vec<LiquidationPoint> {
        let f = Fixed::from_num;
        self.traders
            .iter()
            .filter(|t| t.active && t.size != 0.0)
            .filter_map(|t| {
                let constant = t.quote + t.quote_position;
                let slope = t.volatile * (1.0 - levels.maintenance_haircut) + t.size - t.size.abs() * levels.maintenance_margin;
                let price = -constant / slope;
                (slope != 0.0 && price > 0.0 && price.is_finite())
                    .then(|| LiquidationPoint { price: f(price), notional: f(t.size.abs() * self.price) })
            })
            .collect()
    }

    /// One step of the path. Returns (liquidation steps, liquidated notional, impact added).
    fn step(&mut self, step: Step) -> (u64, f64, f64) {
        let dt = step.dt as f64;
        self.impact *= 0.5f64.powf(dt / self.scenario.market.impact_half_life_slots);
        self.price = step.price * (-self.impact).exp();
        self.metrics.min_price = self.metrics.min_price.min(self.price);
        self.day_high = self.price.max(self.price + (self.day_high - self.price) * 0.5f64.powf(dt / DAY as f64));
        let Tally { side, open, volatile } = self.tally();
        self.side_cap = (self.scenario.market.max_open_interest * self.pool_value(open)).max(0.0);
        let depth = self.depth * (self.calm_volatility / step.sigma.max(f64::MIN_POSITIVE)).min(1.0);
        let deposits = volatile * self.price;
        let levels_before = self.policy.levels();
        let points = self.policy.wants_liquidation_points(step.slot).then(|| self.liquidation_points(&levels_before));
        let observation = Observation {
            slot: step.slot,
            dt: step.dt,
            price: self.price,
            confidence_ratio: step.confidence_ratio,
            largest_side: side[0].max(side[1]),
            capacity: self.side_cap,
            deposits,
            deposit_depth: self.config.deposit_depth_equity_multiple * equity_scale(self.population),
            absorbable: depth * self.config.steward_absorbable_impact,
            liquidation_points: points.as_deref(),
        };
        self.policy.observe(&observation);
        let levels = self.policy.levels();

        let population = self.population;
        let latency = self.scenario.market.keeper_latency_slots;
        let depart = 1.0 - (-dt / population.lifetime_slots).exp();
        let arrival_rate = population.active_fraction / (1.0 - population.active_fraction).max(1e-9) / population.lifetime_slots;
        let arrive = 1.0 - (-dt * arrival_rate).exp();
        let dipping = self.price < self.day_high * (1.0 - population.dip_trigger);
        let mut side = side;
        let (mut liquidations, mut liquidated, mut sold) = (0u64, 0.0, 0.0);
        let (mut notional_sum, mut equity_sum) = (0.0, 0.0);
        for index in 0..self.traders.len() {
            let mut trader = std::mem::take(&mut self.traders[index]);
            let draw = trader.life.uniform();
            if !trader.active {
                if draw < arrive {
                    self.spawn(&mut trader);
                }
                self.traders[index] = trader;
                continue;
            }
            // Keepers.
            let exposed = trader.size != 0.0 || trader.quote < 0.0;
            if exposed && self.maintenance_health(&trader, &levels) < 0.0 {
                let due = *trader.due.get_or_insert(step.slot + latency);
                if due <= step.slot {
                    let before = trader.size.abs() * self.price;
                    let (steps, notional, forced) = self.liquidate(&mut trader);
                    side[usize::from(!trader.long)] -= before - trader.size.abs() * self.price;
                    liquidations += steps;
                    liquidated += notional;
                    sold += forced;
                    trader.due = None;
                }
            } else {
                trader.due = None;
            }
            // The trader.
            let allowed = self.allowed_notional(&trader, &levels);
            let aim = if trader.dip_buyer && dipping { population.dip_target } else { trader.target };
            let wanted = aim * allowed;
            let current = trader.size.abs() * self.price;
            if self.initial_health(&trader, &levels) < 0.0 && current > 0.0 {
                let due = *trader.deleverage_due.get_or_insert(step.slot + trader.deleverage_latency);
                if due <= step.slot {
                    if trader.behaviour.uniform() < population.deleverage_probability {
                        let cut = self.trade_to(&mut trader, wanted, &mut side, true);
                        self.metrics.voluntary_notional += cut;
                        trader.deleverage_due = None;
                    } else {
                        trader.deleverage_due = Some(step.slot + trader.deleverage_latency.max(1));
                    }
                }
            } else {
                trader.deleverage_due = None;
                let gap = wanted - current;
                if gap.abs() > population.rebalance_band * wanted.max(current) {
                    let moved = current + gap * (1.0 - (-dt / trader.rebalance_slots).exp());
                    self.trade_to(&mut trader, moved, &mut side, true);
                }
            }
            if draw < depart && trader.due.is_none() && self.maintenance_health(&trader, &levels) >= 0.0 {
                self.trade_to(&mut trader, 0.0, &mut side, true);
                self.withdrawals += trader.quote;
                trader.quote = 0.0;
                trader.volatile = 0.0;
                trader.active = false;
            } else {
                notional_sum += trader.size.abs() * self.price;
                equity_sum += self.equity(&trader).max(0.0);
            }
            self.traders[index] = trader;
        }
        let added = (sold / depth).clamp(-0.5, 0.5);
        self.impact += added;

        let m = &mut self.metrics;
        m.liquidations += liquidations;
        m.leverage_used += notional_sum * dt;
        m.mean_equity += equity_sum * dt;
        m.mean_initial_margin += levels.initial_margin * dt;
        m.mean_maintenance_margin += levels.maintenance_margin * dt;
        m.available_leverage += dt / levels.initial_margin.max(1e-6);
        m.steps += 1;
        (liquidations, liquidated, added)
    }

    /// Runs the whole path; `trace_points` > 0 records a downsampled trace.
    pub fn run(mut self, trace_points: u64) -> (RunMetrics, Trace) {
        let mut trace = Trace::default();
        let total = self.path.total_slots().max(1);
        let trace_every = total.checked_div(trace_points).map_or(u64::MAX, |every| every.max(1));
        let mut next_trace = 0;
        let (mut cascade, mut cascade_notional, mut last_added) = (0u64, 0.0, 0.0);
        let (mut initial_stats, mut maintenance_stats) = (LevelStats::new(), LevelStats::new());
        while let Some(step) = self.path.next_step() {
            let (liquidations, notional, added) = self.step(step);
            let continues = liquidations > 0 && cascade > 0 && last_added >= CASCADE_IMPACT;
            if !continues && cascade > 0 {
                self.close_cascade(cascade, cascade_notional);
                (cascade, cascade_notional) = (0, 0.0);
            }
            cascade += liquidations;
            cascade_notional += notional;
            last_added = added.abs();
            let levels = self.policy.levels();
            initial_stats.push(step.slot, levels.initial_margin);
            maintenance_stats.push(step.slot, levels.maintenance_margin);
            if trace_points > 0 && (step.slot >= next_trace || liquidations > 0) {
                next_trace = step.slot.saturating_add(trace_every);
                let (notional, equity) = self
                    .traders
                    .iter()
                    .filter(|t| t.active)
                    .fold((0.0, 0.0), |(n, e), t| (n + t.size.abs() * self.price, e + self.equity(t).max(0.0)));
                trace.slot.push(step.slot);
                trace.price.push(self.price);
                trace.sigma.push(self.policy.sigma);
                trace.initial_margin.push(levels.initial_margin);
                trace.maintenance_margin.push(levels.maintenance_margin);
                trace.leverage.push(notional / equity.max(f64::MIN_POSITIVE));
                trace.liquidations.push(liquidations);
            }
            self.metrics.slots = step.slot;
        }
        if cascade > 0 {
            self.close_cascade(cascade, cascade_notional);
        }
        let m = &mut self.metrics;
        let slots = m.slots.max(1) as f64;
        m.leverage_used /= m.mean_equity.max(f64::MIN_POSITIVE);
        m.mean_equity /= slots;
        m.mean_initial_margin /= slots;
        m.mean_maintenance_margin /= slots;
        m.available_leverage /= slots;
        m.initial_peak_to_trough = initial_stats.high / initial_stats.low.max(1e-12);
        m.initial_rise_hour = initial_stats.hour.largest;
        m.initial_rise_day = initial_stats.day.largest;
        m.maintenance_peak_to_trough = maintenance_stats.high / maintenance_stats.low.max(1e-12);
        m.maintenance_rise_hour = maintenance_stats.hour.largest;
        m.maintenance_rise_day = maintenance_stats.day.largest;
        m.steward_moves = self.policy.steward_moves;
        m.final_price = self.price;
        let drift = self.cash() - self.initial_cash - self.deposits + self.withdrawals;
        self.metrics.cash_drift = drift;
        (self.metrics, trace)
    }

    fn close_cascade(&mut self, steps: u64, notional: f64) {
        if notional > self.metrics.largest_cascade_notional {
            self.metrics.largest_cascade_notional = notional;
        }
        self.metrics.largest_cascade = self.metrics.largest_cascade.max(steps);
    }
}

fn lerp(range: [f64; 2], t: f64) -> f64 {
    range[0] + (range[1] - range[0]) * t
}
