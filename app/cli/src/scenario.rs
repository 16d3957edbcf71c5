//! `reflex demo`: the whole protocol through a calm market, a crash and a
//! recovery, on the embedded SVM with the real SBF binary.
//!
//! Three collateral tokens (wSOL and wBTC on SPL Token, stETH on Token-2022),
//! two perp markets (SOL-PERP, BTC-PERP), an LP, a dozen traders with
//! different collateral mixes and leverage, and the SDK's keeper. Prices are
//! written slot by slot as Pyth `PriceUpdateV2` accounts; the keeper cranks
//! the feeds and liquidates. Every step is sampled for the report and chart.
use std::error::Error;

use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use reflex::state::{
    CollateralAsset, CollateralRiskExtPpm, CollateralRiskPpm, CurvePpm, Exchange, MarginAccount, MarketRiskExtPpm, MarketRiskPpm,
    PerpMarket, PriceFeed,
};
use reflex_risk::Fixed;
use reflex_sdk::cluster::{send_retrying, ClusterError};
use reflex_sdk::embedded::Embedded;
use reflex_sdk::keeper::{self, Keeper, KeeperAction};
use reflex_sdk::stage::{self, EmbeddedStage, Stage};
use reflex_sdk::steward::{self, Outcome as StewardMove, StewardSettings};
use reflex_sdk::{health, instructions as ix, pda, presets};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

const START_SLOT: u64 = 300_000;
const START_TIME: i64 = 1_790_000_000;
const USD: f64 = 1e6;
/// The LP's deposit: a per-side open-interest capacity of half of it.
const POOL_DOLLARS: f64 = 4_000_000.0;

/// One sample of the market, taken after each step's keeper pass.
#[derive(Serialize, Clone)]
pub struct Sample {
    pub slot: u64,
    pub phase: &'static str,
    pub sol_price: f64,
    pub btc_price: f64,
    /// The SOL feed's risk volatility σ_T (over the liquidation horizon):
    /// what maintenance levels follow, and the faster one initial levels follow.
    pub sol_sigma: f64,
    pub sol_sigma_initial: f64,
    pub wsol_initial_haircut: f64,
    pub wsol_maintenance_haircut: f64,
    pub sol_perp_initial_margin: f64,
    pub sol_perp_maintenance_margin: f64,
    /// SOL-PERP's base initial margin, as the steward bot leaves it.
    pub sol_perp_initial_base: f64,
    /// SOL-PERP's larger side over the pool's per-side capacity, and the
    /// initial-margin add-on that utilisation asks on top of the live level.
    pub sol_perp_utilisation: f64,
    pub sol_perp_open_interest_add_on: f64,
    /// Base moves the steward bot made in this step.
    pub steward_moves: usize,
    /// Open interest of both markets, long plus short, in dollars at the oracle price.
    pub open_interest: f64,
    /// Liquidations (perp and collateral) in this step.
    pub liquidations: usize,
    pub insurance_fund: f64,
    /// Losses socialised to the pool so far, dollars.
    pub bad_debt: f64,
}

/// One phase of the path, summarised.
#[derive(Serialize)]
pub struct PhaseRow {
    pub phase: &'static str,
    pub slots: u64,
    pub sol_start: f64,
    pub sol_end: f64,
    pub max_sigma: f64,
    pub max_sigma_initial: f64,
    pub max_wsol_initial_haircut: f64,
    pub max_wsol_maintenance_haircut: f64,
    pub max_initial_margin: f64,
    pub max_maintenance_margin: f64,
    pub max_initial_base: f64,
    pub max_utilisation: f64,
    pub max_open_interest_add_on: f64,
    pub steward_moves: usize,
    pub peak_open_interest: f64,
    pub perp_liquidations: usize,
    pub partial_perp_liquidations: usize,
    pub collateral_liquidations: usize,
    pub bankruptcies: usize,
    /// Orders the program refused (initial health) in this phase.
    pub refused_orders: usize,
    pub insurance_end: f64,
    pub bad_debt_end: f64,
}

#[derive(Serialize)]
pub struct ScenarioReport {
    pub program: String,
    pub traders: usize,
    pub phases: Vec<PhaseRow>,
    pub samples: Vec<Sample>,
    /// Accounts a keeper could still liquidate at the end (should be none).
    pub left_liquidatable: usize,
    /// Every vault holds exactly what its claims add up to.
    pub conserved: bool,
    pub transactions: usize,
    pub seconds: f64,
    /// Insurance paid into bankrupt accounts over the run, dollars.
    pub insurance_used: f64,
    /// The same scenario under static margin (embedded runs only).
    pub comparison: Option<Comparison>,
}

/// The risk settings a run lists its markets and collateral with.
#[derive(Clone, Copy)]
pub struct RiskSettings {
    pub market: MarketRiskPpm,
    pub market_ext: MarketRiskExtPpm,
    pub collateral: CollateralRiskPpm,
    pub collateral_ext: CollateralRiskExtPpm,
    /// Whether the steward bot runs beside the keeper.
    pub steward: bool,
}

impl RiskSettings {
    /// The study's calibrated settings (`reflex_sdk::presets`), with the steward bot.
    pub fn calibrated() -> Self {
        RiskSettings {
            market: presets::market_risk(),
            market_ext: presets::market_risk_ext(),
            collateral: presets::collateral_risk(),
            collateral_ext: presets::collateral_risk_ext(0),
            steward: true,
        }
    }

    /// Static margin: every market's margins and every collateral's
    /// haircuts pinned at `levels` (initial margin, maintenance margin,
    /// initial haircut, maintenance haircut; fractions), so no σ_T feedback,
    /// no utilisation add-on and no steward; penalties, buffers and the gap
    /// allowance as calibrated.
    pub fn static_at(levels: [f64; 4]) -> Self {
        let pin = |level: f64| {
            let ppm = (level * 1e6).round() as u32;
            CurvePpm { base: ppm, sensitivity: 0, lower: ppm, upper: ppm }
        };
        let calibrated = RiskSettings::calibrated();
        let mut market = calibrated.market;
        (market.margin.initial, market.margin.maintenance) = (pin(levels[0]), pin(levels[1]));
        let mut collateral = calibrated.collateral;
        (collateral.haircut.initial, collateral.haircut.maintenance) = (pin(levels[2]), pin(levels[3]));
        let market_ext = MarketRiskExtPpm { open_interest_max_add_on: 0, ..calibrated.market_ext };
        RiskSettings { market, market_ext, collateral, collateral_ext: calibrated.collateral_ext, steward: false }
    }
}

/// The calibrated run against static margin at its calm levels.
#[derive(Serialize)]
pub struct Comparison {
    /// The static levels: SOL-PERP's initial and maintenance margin and
    /// wSOL's initial and maintenance haircut at the end of the calm phase
    /// of the calibrated run (so traders open the same positions at the
    /// same leverage), applied to every market and collateral.
    pub static_levels: [f64; 4],
    pub runs: Vec<ComparisonRow>,
}

#[derive(Serialize)]
pub struct ComparisonRow {
    pub configuration: &'static str,
    pub perp_liquidations: usize,
    pub collateral_liquidations: usize,
    pub bankruptcies: usize,
    pub refused_orders: usize,
    pub insurance_used: f64,
    /// Losses socialised to the pool, dollars.
    pub bad_debt: f64,
    pub left_liquidatable: usize,
    pub conserved: bool,
}

impl ComparisonRow {
    fn of(configuration: &'static str, report: &ScenarioReport) -> Self {
        let sum = |f: fn(&PhaseRow) -> usize| report.phases.iter().map(f).sum();
        ComparisonRow {
            configuration,
            perp_liquidations: sum(|p| p.perp_liquidations),
            collateral_liquidations: sum(|p| p.collateral_liquidations),
            bankruptcies: sum(|p| p.bankruptcies),
            refused_orders: sum(|p| p.refused_orders),
            insurance_used: report.insurance_used,
            bad_debt: report.phases.last().map_or(0.0, |p| p.bad_debt_end),
            left_liquidatable: report.left_liquidatable,
            conserved: report.conserved,
        }
    }
}

struct Market<S: Stage> {
    stage: S,
    admin: Keypair,
    issuer: Keypair,
    slot: u64,
    /// (feed id, oracle, price) per underlying: SOL, BTC, ETH.
    underlyings: Vec<([u8; 32], Pubkey, f64)>,
    /// (mint, token program) per collateral: wSOL, wBTC, stETH.
    collaterals: Vec<(Pubkey, Pubkey)>,
    transactions: usize,
}

impl<S: Stage> Market<S> {
    /// Sends one transaction. A price refusal (a print that aged while a
    /// slow cluster confirmed the last transactions) is met as a client
    /// should (`cluster::send_retrying`): a new slot, every price posted
    /// again, and one more try (three in all); the error then names the
    /// instruction it came from.
    fn send(
        &mut self,
        instructions: &[anchor_lang::solana_program::instruction::Instruction],
        payer: &Keypair,
    ) -> Result<(), Box<dyn Error>> {
        let underlyings = self.underlyings.clone();
        let mut retries = 0;
        let result = send_retrying(&mut self.stage, instructions, payer, &[], 3, |stage| {
            retries += 1;
            stage.advance(1)?;
            for (feed_id, oracle, price) in &underlyings {
                stage.post_price(oracle, *feed_id, *price, price * 0.0005)?;
            }
            Ok(())
        });
        // Each try, and each re-posted print, is a transaction.
        self.transactions += 1 + retries * (1 + underlyings.len());
        if retries > 0 {
            self.slot = self.stage.clock()?.0;
        }
        result?;
        Ok(())
    }

    fn post_prices(&mut self, prices: [f64; 3]) -> Result<(), Box<dyn Error>> {
        for (index, price) in prices.into_iter().enumerate() {
            let (feed_id, oracle, _) = self.underlyings[index];
            self.stage.post_price(&oracle, feed_id, price, price * 0.0005)?;
            self.underlyings[index].2 = price;
            self.transactions += 1;
        }
        Ok(())
    }

    fn advance(&mut self, slots: u64) -> Result<(), Box<dyn Error>> {
        self.stage.advance(slots)?;
        self.slot = self.stage.clock()?.0;
        Ok(())
    }

    /// A trader holding `dollars` of one collateral, with a position of
    /// `leverage` × that in `market` (negative: short). `None` if the
    /// program refused the order (the trader keeps the deposit and no position).
    fn trader(&mut self, collateral: usize, dollars: f64, market: u16, leverage: f64) -> Result<Option<Pubkey>, Box<dyn Error>> {
        let trader = self.stage.funded_keypair()?;
        self.send(&[ix::create_margin_account(&trader.pubkey(), 0)], &trader)?;
        let account = pda::margin_account(&trader.pubkey(), 0);
        let (mint, token_program) = self.collaterals[collateral];
        let (_, _, price) = self.underlyings[collateral];
        let decimals = [9, 8, 8][collateral];
        let amount = (dollars / price * 10f64.powi(decimals)) as u64;
        let issuer = self.issuer.insecure_clone();
        let wallet = stage::create_token_account(&mut self.stage, &issuer, &mint, &trader.pubkey(), &token_program)?;
        stage::mint_to(&mut self.stage, &issuer, &mint, &wallet, amount, &token_program)?;
        self.send(&[ix::deposit(&trader.pubkey(), &account, &mint, &token_program, &wallet, amount)], &trader)?;
        let underlying = market as usize;
        let (feed_id, _, market_price) = self.underlyings[underlying];
        let base_decimals = [9, 8][underlying];
        let base = (dollars * leverage / market_price * 10f64.powi(base_decimals)) as i64;
        let limit = if base > 0 { market_price * 1.05 } else { market_price * 0.95 };
        let margin: MarginAccount = self.stage.read(&account).ok_or("margin account missing")?;
        let accounts = health::health_accounts(&self.stage, &margin, Some(market), None)?;
        let feed = pda::feed(&feed_id);
        let oracle = health::oracle_of(&self.stage, &feed)?;
        let order = ix::place_perp_order(&trader.pubkey(), &account, market, &feed, &oracle, base, (limit * USD) as u64, accounts);
        match self.send(&[order], &trader) {
            Ok(()) => Ok(Some(account)),
            Err(error) if matches!(error.downcast_ref::<ClusterError>(), Some(ClusterError::Rejected { .. })) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

fn fixed(value: Fixed) -> f64 {
    value.to_num::<f64>()
}

/// The demo on the embedded SVM: the calibrated configuration, then the
/// same scenario under static margin at the levels it had in the calm.
pub fn run() -> Result<ScenarioReport, Box<dyn Error>> {
    let stage = || -> Result<EmbeddedStage, Box<dyn Error>> {
        let mut env = Embedded::new()?;
        env.set_clock(START_SLOT, START_TIME);
        Ok(EmbeddedStage { env })
    };
    let program = format!("program {} on an embedded SVM", reflex_sdk::embedded::program_path().display());
    let mut report = run_on(stage()?, program.clone(), 1, &RiskSettings::calibrated())?;
    let calm = report.samples.iter().rfind(|s| s.phase == "calm").ok_or("no calm phase")?;
    let levels = [calm.sol_perp_initial_margin, calm.sol_perp_maintenance_margin, calm.wsol_initial_haircut, calm.wsol_maintenance_haircut];
    let static_run = run_on(stage()?, program, 1, &RiskSettings::static_at(levels))?;
    report.comparison = Some(Comparison {
        static_levels: levels,
        runs: vec![ComparisonRow::of("calibrated Reflex", &report), ComparisonRow::of("static margin", &static_run)],
    });
    report.transactions += static_run.transactions;
    report.seconds += static_run.seconds;
    Ok(report)
}

/// The demo on any stage (the embedded SVM, or a validator over JSON-RPC).
/// `calm_divisor` shortens the calm and recovery phases (a validator's
/// transactions take a slot or two each; the crash and gap keep every step).
pub fn run_on<S: Stage>(mut stage: S, program: String, calm_divisor: usize, risk: &RiskSettings) -> Result<ScenarioReport, Box<dyn Error>> {
    let started = std::time::Instant::now();
    let admin = stage.admin()?;
    let issuer = stage.funded_keypair()?;
    let quote_mint = stage::create_mint(&mut stage, &issuer, &issuer.pubkey(), 6, &spl_token::ID)?;
    let slot = stage.clock()?.0;
    let mut m = Market { stage, admin, issuer, slot, underlyings: Vec::new(), collaterals: Vec::new(), transactions: 0 };
    let admin = m.admin.insecure_clone();

    m.send(&[ix::initialize_exchange(&admin.pubkey(), &quote_mint)], &admin)?;
    m.send(&[ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &quote_mint, &spl_token::ID)], &admin)?;
    for (index, (id, price, decimals, token_program)) in
        [(0xef, 150.0, 9u8, spl_token::ID), (0xb7, 60_000.0, 8, spl_token::ID), (0xe7, 3_000.0, 8, spl_token_2022::ID)]
            .into_iter()
            .enumerate()
    {
        let feed_id = [id; 32];
        let oracle = m.stage.new_oracle(feed_id)?;
        m.underlyings.push((feed_id, oracle, price));
        m.stage.post_price(&oracle, feed_id, price, price * 0.0005)?;
        m.send(
            &[
                ix::list_feed(&admin.pubkey(), &admin.pubkey(), feed_id, &oracle, decimals, presets::feed_config()),
                ix::refresh_feed(&feed_id, &oracle),
                ix::set_feed_robust(&admin.pubkey(), &feed_id, presets::robust_feed_config()),
            ],
            &admin,
        )?;
        let issuer = m.issuer.insecure_clone();
        let mint = stage::create_mint(&mut m.stage, &issuer, &issuer.pubkey(), decimals, &token_program)?;
        m.send(&[ix::list_collateral(&admin.pubkey(), &admin.pubkey(), &mint, &token_program, u64::MAX)], &admin)?;
        m.send(
            &[
                ix::set_collateral_risk(&admin.pubkey(), &mint, &feed_id, risk.collateral),
                ix::set_collateral_risk_ext(&admin.pubkey(), &mint, &feed_id, risk.collateral_ext),
            ],
            &admin,
        )?;
        m.collaterals.push((mint, token_program));
        if index < 2 {
            let name = *[b"SOL-PERP\0\0\0\0\0\0\0\0", b"BTC-PERP\0\0\0\0\0\0\0\0"][index];
            let skew_scale = (150_000.0 / price * 10f64.powi(decimals as i32)) as u64;
            m.send(
                &[
                    ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), index as u16, &feed_id, name, risk.market),
                    ix::set_market_trading(&admin.pubkey(), index as u16, &feed_id, presets::market_trading(skew_scale)),
                    ix::set_market_risk_ext(&admin.pubkey(), index as u16, &feed_id, risk.market_ext),
                ],
                &admin,
            )?;
        }
    }

    // The LP and the keeper.
    let issuer = m.issuer.insecure_clone();
    let lp = m.stage.funded_keypair()?;
    let lp_wallet = stage::create_token_account(&mut m.stage, &issuer, &quote_mint, &lp.pubkey(), &spl_token::ID)?;
    stage::mint_to(&mut m.stage, &issuer, &quote_mint, &lp_wallet, (POOL_DOLLARS * USD) as u64, &spl_token::ID)?;
    m.send(&[ix::open_lp_position(&lp.pubkey())], &lp)?;
    let pool = health::pool_accounts(&m.stage)?;
    m.send(
        &[ix::with_remaining(ix::lp_deposit(&lp.pubkey(), &quote_mint, &spl_token::ID, &lp_wallet, (POOL_DOLLARS * USD) as u64), pool)],
        &lp,
    )?;
    let keeper_key = m.stage.funded_keypair()?;
    m.send(&[ix::create_margin_account(&keeper_key.pubkey(), 0)], &keeper_key)?;
    let keeper_account = pda::margin_account(&keeper_key.pubkey(), 0);
    let keeper_wallet = stage::create_token_account(&mut m.stage, &issuer, &quote_mint, &keeper_key.pubkey(), &spl_token::ID)?;
    stage::mint_to(&mut m.stage, &issuer, &quote_mint, &keeper_wallet, (500_000.0 * USD) as u64, &spl_token::ID)?;
    m.send(
        &[ix::deposit_quote(&keeper_key.pubkey(), &keeper_account, &quote_mint, &spl_token::ID, &keeper_wallet, (500_000.0 * USD) as u64)],
        &keeper_key,
    )?;
    let keeper = Keeper { keypair: keeper_key, account: keeper_account };
    // The steward bot with the study's calibrated rule, step and spacing.
    let steward_settings = StewardSettings::calibrated();
    let steward = m.stage.funded_keypair()?;
    m.send(
        &[ix::set_risk_steward(&admin.pubkey(), &steward.pubkey(), steward_settings.step_ppm(), steward_settings.spacing_slots as u32)],
        &admin,
    )?;

    // A dozen traders: (collateral, dollars, market, leverage).
    let book: [(usize, f64, u16, f64); 12] = [
        (0, 20_000.0, 0, 3.0),
        (0, 10_000.0, 0, 6.0),
        (0, 8_000.0, 0, 9.0),
        (1, 30_000.0, 0, 4.0),
        (2, 15_000.0, 0, 7.0),
        (2, 12_000.0, 0, -5.0),
        (1, 25_000.0, 1, 3.0),
        (0, 10_000.0, 1, 5.0),
        (2, 10_000.0, 1, -4.0),
        (1, 6_000.0, 0, 8.0),
        (0, 5_000.0, 0, -6.0),
        (2, 9_000.0, 1, 8.0),
    ];
    for (collateral, dollars, market, leverage) in book {
        m.trader(collateral, dollars, market, leverage)?.ok_or("a calm trader's order was refused")?;
    }

    // The path: (phase, steps, slots per step, SOL multiplier per step,
    // keeper awake every step). The gap is an outage: three 12% drops in
    // three slots before the keeper wakes up, which bankrupts a dip buyer who
    // levered up just before it. The recovery is long enough (about two hours) for
    // σ_T's one-hour half-life to show.
    let path: [(&'static str, usize, u64, f64, bool); 5] = [
        ("calm", 60, 25, 1.0, true),
        ("build-up", 16, 25, 0.9975, true),
        ("crash", 20, 2, 0.975, true),
        ("gap", 3, 1, 0.88, false),
        ("recovery", 60, 300, 1.005, true),
    ];
    let mut samples = Vec::new();
    let mut phases = Vec::new();
    let (mut sol, mut btc) = (150.0, 60_000.0);
    let (mut bad_debt, mut insurance_used) = (0.0, 0.0);
    let mut step_index = 0usize;
    // Progress on a terminal only, so redirected output stays clean.
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    for (phase, steps, slots, drift, awake) in path {
        let steps = if phase == "calm" || phase == "recovery" { (steps / calm_divisor.max(1)).max(1) } else { steps };
        let (slot_start, sol_start) = (m.slot, sol);
        let (mut perp, mut partial, mut collateral, mut bankruptcies, mut refused) = (0, 0, 0, 0, 0);
        // Leverage piles up in one layer: 10x longs on wBTC, whose
        // liquidation prices lie a few percent under SOL's price, which then
        // edges toward them; six open as the build-up starts, four more at
        // its end, after the steward bot has seen the layer inside k·σ_T.
        let layer = |m: &mut Market<S>, refused: &mut usize, traders: usize| -> Result<(), Box<dyn Error>> {
            for _ in 0..traders {
                *refused += m.trader(1, 10_000.0, 0, 10.0)?.is_none() as usize;
            }
            Ok(())
        };
        if phase == "build-up" {
            layer(&mut m, &mut refused, 6)?;
        }
        if phase == "gap" {
            // A dip buyer levers up 6x on wSOL just before the outage.
            refused += m.trader(0, 20_000.0, 0, 6.0)?.is_none() as usize;
        }
        for step in 0..steps {
            step_index += 1;
            // Calm wobbles ±0.4%; the crash falls; the recovery climbs with noise.
            let wobble = 1.0 + 0.004 * ((step_index as f64) * 0.9).sin();
            sol *= drift;
            btc *= 1.0 + (drift - 1.0) * 0.6;
            m.advance(slots)?;
            m.post_prices([sol * wobble, btc * wobble, 3_000.0 * wobble])?;
            let mut in_step = 0;
            let mut moves = 0;
            if awake || step + 1 == steps {
                let decisions =
                    if risk.steward { steward::run_pass(&mut m.stage, &steward, &steward_settings, false)? } else { Vec::new() };
                for decision in decisions {
                    match decision.outcome {
                        StewardMove::Sent { .. } => moves += 1,
                        StewardMove::Refused(why) => return Err(format!("the program refused the steward bot: {why}").into()),
                        _ => {}
                    }
                }
                m.transactions += moves;
                let report = keeper::run_pass(&mut m.stage, &keeper)?;
                m.transactions += report.cranked + report.actions.len();
                for action in &report.actions {
                    match action {
                        KeeperAction::PerpLiquidated { base_after, .. } => {
                            in_step += 1;
                            perp += 1;
                            if *base_after != 0 {
                                partial += 1;
                            }
                        }
                        KeeperAction::CollateralLiquidated { .. } => {
                            in_step += 1;
                            collateral += 1;
                        }
                        KeeperAction::BankruptcySettled { socialized_to_pool, covered_by_insurance, .. } => {
                            bankruptcies += 1;
                            insurance_used += fixed(*covered_by_insurance) / USD;
                            bad_debt += fixed(*socialized_to_pool) / USD;
                        }
                    }
                }
            }
            if phase == "build-up" && step + 1 == steps {
                layer(&mut m, &mut refused, 4)?;
            }
            samples.push(sample(&m, phase, in_step, moves, bad_debt)?);
            if progress {
                eprint!("\r  {phase:<9} step {:>3}/{steps}, SOL ${:.2}   ", step + 1, sol);
            }
        }
        if progress {
            eprintln!();
        }
        let rows: Vec<&Sample> = samples.iter().filter(|s| s.phase == phase).collect();
        let max = |f: fn(&Sample) -> f64| rows.iter().map(|s| f(s)).fold(f64::MIN, f64::max);
        phases.push(PhaseRow {
            phase,
            slots: m.slot - slot_start,
            sol_start,
            sol_end: sol,
            max_sigma: max(|s| s.sol_sigma),
            max_sigma_initial: max(|s| s.sol_sigma_initial),
            max_wsol_initial_haircut: max(|s| s.wsol_initial_haircut),
            max_wsol_maintenance_haircut: max(|s| s.wsol_maintenance_haircut),
            max_initial_margin: max(|s| s.sol_perp_initial_margin),
            max_maintenance_margin: max(|s| s.sol_perp_maintenance_margin),
            max_initial_base: max(|s| s.sol_perp_initial_base),
            max_utilisation: max(|s| s.sol_perp_utilisation),
            max_open_interest_add_on: max(|s| s.sol_perp_open_interest_add_on),
            steward_moves: rows.iter().map(|s| s.steward_moves).sum(),
            peak_open_interest: max(|s| s.open_interest),
            perp_liquidations: perp,
            partial_perp_liquidations: partial,
            collateral_liquidations: collateral,
            bankruptcies,
            refused_orders: refused,
            insurance_end: rows.last().map_or(0.0, |s| s.insurance_fund),
            bad_debt_end: bad_debt,
        });
    }

    let left_liquidatable = keeper::survey(&m.stage)?
        .iter()
        .filter(|(_, margin, summary)| health::is_liquidatable(margin, summary) || margin.is_bankrupt())
        .count();
    Ok(ScenarioReport {
        program,
        traders: book.len() + 11,
        phases,
        samples,
        left_liquidatable,
        conserved: conserved(&m.stage)?,
        insurance_used,
        comparison: None,
        transactions: m.transactions,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn sample<S: Stage>(
    m: &Market<S>,
    phase: &'static str,
    liquidations: usize,
    steward_moves: usize,
    bad_debt: f64,
) -> Result<Sample, Box<dyn Error>> {
    let feed: PriceFeed = m.stage.read(&pda::feed(&m.underlyings[0].0)).ok_or("feed missing")?;
    let path = feed.volatility_path().ok();
    let (sigma, sigma_initial) = path.map_or((0.0, 0.0), |path| (fixed(path.current), fixed(path.initial)));
    let asset: CollateralAsset = m.stage.read(&pda::collateral_asset(&m.collaterals[0].0)).ok_or("asset missing")?;
    let market: PerpMarket = m.stage.read(&pda::market(0)).ok_or("market missing")?;
    let exchange: Exchange = m.stage.read(&pda::exchange()).ok_or("exchange missing")?;
    let mut open_interest = 0.0;
    for index in 0..2u16 {
        let market: PerpMarket = m.stage.read(&pda::market(index)).ok_or("market missing")?;
        let price: PriceFeed = m.stage.read(&market.feed).ok_or("feed missing")?;
        open_interest += (market.long_base + market.short_base) as f64 * fixed(price.last_price.get()) / USD;
    }
    Ok(Sample {
        slot: m.slot,
        phase,
        sol_price: m.underlyings[0].2,
        btc_price: m.underlyings[1].2,
        sol_sigma: sigma,
        sol_sigma_initial: sigma_initial,
        wsol_initial_haircut: fixed(asset.initial_haircut.get()),
        wsol_maintenance_haircut: fixed(asset.maintenance_haircut.get()),
        sol_perp_initial_margin: fixed(market.initial_margin_ratio.get()),
        sol_perp_maintenance_margin: fixed(market.maintenance_margin_ratio.get()),
        sol_perp_initial_base: market.risk.margin.initial.base as f64 / 1e6,
        sol_perp_utilisation: {
            let capacity = fixed(market.open_interest_capacity.get());
            let larger_side = market.long_base.max(market.short_base) as f64 * fixed(feed.last_price.get());
            if capacity > 0.0 {
                larger_side / capacity
            } else {
                0.0
            }
        },
        sol_perp_open_interest_add_on: fixed(market.open_interest_add_on(&feed)),
        steward_moves,
        open_interest,
        liquidations,
        insurance_fund: fixed(exchange.insurance_fund.get()) / USD,
        bad_debt,
    })
}

/// DESIGN.md invariant 1 over the whole SVM: every collateral vault equals
/// its asset's total and the accounts' balances; the quote vault equals pool,
/// markets' realised quote, insurance and every quote balance, exactly.
fn conserved<S: Stage>(env: &S) -> Result<bool, Box<dyn Error>> {
    let exchange: Exchange = env.read(&pda::exchange()).ok_or("exchange missing")?;
    let accounts = env.margin_accounts()?;
    let mut claims = exchange.pool_balance.get() + exchange.insurance_fund.get();
    for index in 0..exchange.market_count {
        let market: PerpMarket = env.read(&pda::market(index)).ok_or("market missing")?;
        claims += market.pool_realized.get();
    }
    for (_, account) in &accounts {
        claims += account.quote();
    }
    let mut holds = Fixed::from_num(env.token_balance(&exchange.quote_vault)?) == claims;
    for mint in exchange.listed_collateral() {
        let asset: CollateralAsset = env.read(&pda::collateral_asset(mint)).ok_or("asset missing")?;
        let balances: u64 = accounts.iter().map(|(_, account)| account.collateral_balance(asset.asset_index)).sum();
        holds &= env.token_balance(&asset.vault)? == asset.total_deposits && asset.total_deposits == balances;
    }
    Ok(holds)
}

impl ScenarioReport {
    pub fn print_human(&self, report_path: &str, chart_path: &str) {
        println!("Reflex demo: calm, build-up, crash, gap and recovery");
        println!(
            "  {}; {} traders, an LP, a keeper; {} transactions in {:.1} s\n",
            self.program, self.traders, self.transactions, self.seconds
        );
        println!(
            "  {:<9} {:>6} {:>17} {:>13} {:>12} {:>14} {:>15} {:>11} {:>8} {:>16} {:>10} {:>8} {:>10} {:>9}",
            "phase",
            "slots",
            "SOL",
            "σ_T i/m",
            "wSOL h i/m",
            "SOL-PERP i/m",
            "base (moves)",
            "util/add-on",
            "peak OI",
            "perp liq (part.)",
            "collateral",
            "bankrupt",
            "insurance",
            "bad debt"
        );
        for p in &self.phases {
            println!(
                "  {:<9} {:>6} {:>17} {:>13} {:>12} {:>14} {:>15} {:>11} {:>7.0}k {:>16} {:>10} {:>8} {:>10.0} {:>9.0}",
                p.phase,
                p.slots,
                format!("${:.2} → ${:.2}", p.sol_start, p.sol_end),
                format!("{:.2}%/{:.2}%", p.max_sigma_initial * 100.0, p.max_sigma * 100.0),
                format!("{:.1}%/{:.1}%", p.max_wsol_initial_haircut * 100.0, p.max_wsol_maintenance_haircut * 100.0),
                format!("{:.1}%/{:.1}%", p.max_initial_margin * 100.0, p.max_maintenance_margin * 100.0),
                format!("{:.1}% ({})", p.max_initial_base * 100.0, p.steward_moves),
                format!("{:.0}%/{:.1}%", p.max_utilisation * 100.0, p.max_open_interest_add_on * 100.0),
                p.peak_open_interest / 1_000.0,
                format!("{} ({})", p.perp_liquidations, p.partial_perp_liquidations),
                p.collateral_liquidations,
                p.bankruptcies,
                p.insurance_end,
                p.bad_debt_end,
            );
        }
        println!("\n  σ_T (the fast one initial levels follow, the slow one maintenance), haircuts (h), margins, SOL-PERP's base initial margin (moved by the steward bot; its moves in brackets),");
        println!("  utilisation (larger side over the pool's per-side capacity) and its initial-margin add-on are the phase's maxima;");
        println!("  money in dollars");
        println!("  accounts left liquidatable: {}", self.left_liquidatable);
        println!("  token conservation (every vault equals its claims, exactly): {}", if self.conserved { "holds" } else { "BROKEN" });
        if let Some(comparison) = &self.comparison {
            let [im, mm, ih, mh] = comparison.static_levels.map(|l| l * 100.0);
            println!("\n  The same scenario under static margin at the calibrated run's calm levels (margin {im:.1}%/{mm:.1}%, haircut {ih:.1}%/{mh:.1}%):");
            println!(
                "  {:<18} {:>15} {:>10} {:>10} {:>8} {:>16} {:>9} {:>9} {:>13}",
                "configuration",
                "orders refused",
                "perp liq",
                "collateral",
                "bankrupt",
                "insurance used",
                "bad debt",
                "deficit",
                "left / vaults"
            );
            for row in &comparison.runs {
                println!(
                    "  {:<18} {:>15} {:>10} {:>10} {:>8} {:>16.0} {:>9.0} {:>9.0} {:>13}",
                    row.configuration,
                    row.refused_orders,
                    row.perp_liquidations,
                    row.collateral_liquidations,
                    row.bankruptcies,
                    row.insurance_used,
                    row.bad_debt,
                    row.insurance_used + row.bad_debt,
                    format!("{} / {}", row.left_liquidatable, if row.conserved { "hold" } else { "BROKEN" })
                );
            }
            println!(
                "  bad debt: socialised to the pool after insurance; deficit: insurance used plus bad debt (what bankrupt accounts owed)"
            );
        }
        println!("\n  report: {report_path}\n  chart:  {chart_path}");
    }
}
