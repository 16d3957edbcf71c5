//! A trading world on the SBF binary: three underlyings with real Pyth
//! `PriceUpdateV2` accounts, three collateral tokens (wSOL and wBTC on SPL
//! Token, stETH on Token-2022), two perp markets (SOL-PERP, BTC-PERP), an LP
//! pool, and helpers that build every instruction's health accounts with the
//! SDK, as a client would.
//!
//! Every transaction goes through [`World::send`], which after each one
//! checks DESIGN.md section 10: token conservation and the markets' running
//! sums (via [`TestExchange::send`]), and every live parameter inside its
//! governance bounds with maintenance at most initial. Trades and
//! liquidations check their own invariants (Init health after adding risk;
//! liquidations never lower health and take no more than needed).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use litesvm::types::TransactionResult;
use reflex::events::{PerpFilled, PerpLiquidated};
use reflex::state::{CollateralAsset, MarginAccount, PerpMarket, PriceFeed};
use reflex_risk::{perp_liquidation, Fixed, HealthSummary};
use reflex_sdk::embedded::pyth_print;
use reflex_sdk::{health, instructions as ix, pda, presets};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{events, TestExchange, Trader, SPL_TOKEN, TOKEN_2022};

pub const START_SLOT: u64 = 100_000;
pub const START_TIME: i64 = 1_790_000_000;
/// Quote (USDC) native units per dollar.
pub const USD: f64 = 1e6;

pub struct Underlying {
    pub name: &'static str,
    pub feed_id: [u8; 32],
    pub oracle: Pubkey,
    pub decimals: u8,
    pub price: f64,
}

impl Underlying {
    pub fn feed(&self) -> Pubkey {
        pda::feed(&self.feed_id)
    }
}

pub struct Collateral {
    pub mint: Pubkey,
    pub token_program: Pubkey,
    pub underlying: usize,
}

pub const SOL: usize = 0;
pub const BTC: usize = 1;
pub const ETH: usize = 2;
pub const SOL_PERP: u16 = 0;
pub const BTC_PERP: u16 = 1;

pub struct World {
    pub t: TestExchange,
    pub slot: u64,
    pub time: i64,
    pub underlyings: Vec<Underlying>,
    /// wSOL, wBTC, stETH (Token-2022), in listing order (asset index).
    pub collaterals: Vec<Collateral>,
    /// Underlying of each market, by market index.
    pub markets: Vec<usize>,
    pub lp: Keypair,
    pub lp_wallet: Pubkey,
    /// Live (initial, maintenance) of each market, then each asset, and
    /// their curves at the last check: a level outside new bounds must be
    /// walking into them.
    levels: Vec<Option<(Fixed, Fixed, reflex::state::FeedbackPpm)>>,
    /// Transactions sent through [`World::send`] that succeeded and failed.
    pub succeeded: u64,
    pub refused: u64,
}

impl World {
    /// Everything listed and configured, and `pool_dollars` in the LP pool.
    pub fn new(pool_dollars: f64) -> Self {
        let mut t = TestExchange::new();
        t.env.set_clock(START_SLOT, START_TIME);
        let admin = t.admin.insecure_clone();
        let quote_mint = t.quote_mint;
        t.send(&[ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &quote_mint, &SPL_TOKEN)], &admin, &[]).expect("initialize_pool");

        let mut world = World {
            t,
            slot: START_SLOT,
            time: START_TIME,
            underlyings: Vec::new(),
            collaterals: Vec::new(),
            markets: Vec::new(),
            lp: Keypair::new(),
            lp_wallet: Pubkey::default(),
            levels: Vec::new(),
            succeeded: 0,
            refused: 0,
        };
        for (name, id, decimals, price) in [("SOL", 0xef, 9u8, 150.0), ("BTC", 0xb7, 8, 60_000.0), ("ETH", 0xe7, 8, 3_000.0)] {
            world.add_underlying(name, id, decimals, price);
        }
        for (underlying, token_program) in [(SOL, SPL_TOKEN), (BTC, SPL_TOKEN), (ETH, TOKEN_2022)] {
            world.add_collateral(underlying, token_program);
        }
        for (index, underlying) in [(SOL_PERP, SOL), (BTC_PERP, BTC)] {
            assert_eq!(world.add_market(underlying), index);
        }
        world.lp = world.t.env.funded_keypair(10);
        let lp_units = (pool_dollars * USD) as u64;
        world.lp_wallet = world.t.token_account_with(&world.lp.pubkey(), &quote_mint, &SPL_TOKEN, lp_units);
        let lp = world.lp.insecure_clone();
        world.send(&[ix::open_lp_position(&lp.pubkey())], &lp).expect("open_lp_position");
        if lp_units > 0 {
            world.lp_deposit(lp_units).expect("lp_deposit");
        }
        world
    }

    /// Lists one more underlying: its oracle with a first print and its
    /// Pyth feed (id `[id; 32]`), with the calibrated robust estimator on. Returns its index.
    pub fn add_underlying(&mut self, name: &'static str, id: u8, decimals: u8, price: f64) -> usize {
        let admin = self.admin();
        let oracle = self.t.env.new_keypair().pubkey();
        let underlying = Underlying { name, feed_id: [id; 32], oracle, decimals, price };
        self.write_print(&underlying, price);
        let list = ix::list_feed(&admin.pubkey(), &admin.pubkey(), underlying.feed_id, &oracle, decimals, presets::feed_config());
        // The shipped estimator: the calibrated robust σ_T with split time constants.
        let robust = ix::set_feed_robust(&admin.pubkey(), &underlying.feed_id, presets::robust_feed_config());
        self.send(&[list, ix::refresh_feed(&underlying.feed_id, &oracle), robust], &admin).expect("list_feed");
        self.underlyings.push(underlying);
        self.underlyings.len() - 1
    }

    /// Lists a collateral mint on `underlying`'s feed with the preset
    /// haircuts. Returns its index (the asset index).
    pub fn add_collateral(&mut self, underlying: usize, token_program: Pubkey) -> usize {
        let admin = self.admin();
        let decimals = self.underlyings[underlying].decimals;
        let mint = self.t.listed_mint(decimals, &token_program);
        let feed_id = self.underlyings[underlying].feed_id;
        let risk = ix::set_collateral_risk(&admin.pubkey(), &mint, &feed_id, presets::collateral_risk());
        let ext = ix::set_collateral_risk_ext(&admin.pubkey(), &mint, &feed_id, presets::collateral_risk_ext(0));
        self.send(&[risk, ext], &admin).expect("risk");
        self.collaterals.push(Collateral { mint, token_program, underlying });
        self.collaterals.len() - 1
    }

    /// Lists a perp market on `underlying`'s feed, with funding and skew
    /// spread at their maximum at $150,000 of skew. Returns its index.
    pub fn add_market(&mut self, underlying: usize) -> u16 {
        let admin = self.admin();
        let index = self.markets.len() as u16;
        let feed_id = self.underlyings[underlying].feed_id;
        let mut name = [0u8; 16];
        let label = format!("{}-PERP{}", self.underlyings[underlying].name, if index < 2 { String::new() } else { format!("-{index}") });
        name[..label.len().min(16)].copy_from_slice(&label.as_bytes()[..label.len().min(16)]);
        let skew_scale = (150_000.0 / self.underlyings[underlying].price * 10f64.powi(self.underlyings[underlying].decimals as i32)) as u64;
        let list = ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), index, &feed_id, name, presets::market_risk());
        let trading = ix::set_market_trading(&admin.pubkey(), index, &feed_id, presets::market_trading(skew_scale));
        let ext = ix::set_market_risk_ext(&admin.pubkey(), index, &feed_id, presets::market_risk_ext());
        self.send(&[list, trading, ext], &admin).expect("list_perp_market");
        self.markets.push(underlying);
        index
    }

    /// An independent copy of this world and its ledger.
    pub fn fork(&self) -> Self {
        World {
            t: self.t.fork(),
            slot: self.slot,
            time: self.time,
            underlyings: self
                .underlyings
                .iter()
                .map(|u| Underlying { name: u.name, feed_id: u.feed_id, oracle: u.oracle, decimals: u.decimals, price: u.price })
                .collect(),
            collaterals: self
                .collaterals
                .iter()
                .map(|c| Collateral { mint: c.mint, token_program: c.token_program, underlying: c.underlying })
                .collect(),
            markets: self.markets.clone(),
            lp: self.lp.insecure_clone(),
            lp_wallet: self.lp_wallet,
            levels: self.levels.clone(),
            succeeded: 0,
            refused: 0,
        }
    }

    pub fn admin(&self) -> Keypair {
        self.t.admin.insecure_clone()
    }

    /// Sends one transaction and checks the invariants after it.
    pub fn send(&mut self, instructions: &[Instruction], payer: &Keypair) -> TransactionResult {
        self.send_signed(instructions, payer, &[])
    }

    pub fn send_signed(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> TransactionResult {
        let result = self.t.send(instructions, payer, signers);
        self.assert_parameters_in_bounds();
        if result.is_ok() {
            self.succeeded += 1
        } else {
            self.refused += 1
        }
        result
    }

    /// DESIGN.md invariant 4: live haircuts and margins inside their bounds,
    /// maintenance at most initial. After governance moves the bounds, a
    /// level may sit outside them only while it walks into them through the
    /// slew: in the transaction that changed them it is still inside the
    /// old ones (it caught up under the old settings first), and from then
    /// on it moves toward the new ones, never away.
    pub fn assert_parameters_in_bounds(&mut self) {
        let ppm = |value: u32| Fixed::from_num(value) / 1_000_000;
        let mut levels = Vec::new();
        for index in 0..self.markets.len() as u16 {
            let Some(market) = self.t.env.load::<PerpMarket>(&pda::market(index)) else {
                levels.push(None);
                continue;
            };
            let curves = market.risk.margin;
            levels.push(Some((market.initial_margin_ratio.get(), market.maintenance_margin_ratio.get(), curves)));
        }
        for collateral in &self.collaterals {
            let asset = self.t.collateral_asset(&collateral.mint);
            if !asset.is_risk_configured() {
                levels.push(None);
                continue;
            }
            levels.push(Some((asset.initial_haircut.get(), asset.maintenance_haircut.get(), asset.risk.haircut)));
        }
        for (index, level) in levels.iter().enumerate() {
            let Some((initial, maintenance, curves)) = level else { continue };
            let previous = self.levels.get(index).copied().flatten();
            let old = previous.map(|p| p.2).filter(|old| old != curves);
            let walking_in = |value: Fixed, before: Option<Fixed>, lower: Fixed, upper: Fixed, old: Option<reflex::state::CurvePpm>| {
                (lower..=upper).contains(&value)
                    || old.is_some_and(|old| (ppm(old.lower)..=ppm(old.upper)).contains(&value))
                    || before.is_some_and(|before| (value < lower && value >= before) || (value > upper && value <= before))
            };
            let (curve_i, curve_m) = (curves.initial, curves.maintenance);
            assert!(
                walking_in(*initial, previous.map(|p| p.0), ppm(curve_i.lower), ppm(curve_i.upper), old.map(|o| o.initial)),
                "level {index}: initial {initial} outside [{}, {}] and not walking in (was {previous:?})",
                ppm(curve_i.lower),
                ppm(curve_i.upper)
            );
            assert!(
                walking_in(*maintenance, previous.map(|p| p.1), ppm(curve_m.lower), ppm(curve_m.upper), old.map(|o| o.maintenance)),
                "level {index}: maintenance {maintenance} outside [{}, {}] and not walking in (was {previous:?})",
                ppm(curve_m.lower),
                ppm(curve_m.upper)
            );
            assert!(maintenance <= initial, "level {index}: maintenance {maintenance} above initial {initial}");
        }
        self.levels = levels;
    }

    fn write_print(&mut self, underlying: &Underlying, price: f64) {
        let print = pyth_print(underlying.feed_id, price, price * 0.0005, self.time, self.slot);
        self.t.env.write_price_update(&underlying.oracle, &print);
    }

    /// Posts a Pyth print for `underlying` to its oracle account at the
    /// current slot and time, as anyone may, without refreshing anything:
    /// the program takes it in when an instruction first reads the oracle
    /// in a slot.
    pub fn post_print(&mut self, underlying: usize, price: f64, confidence: f64) {
        let (feed_id, oracle) = (self.underlyings[underlying].feed_id, self.underlyings[underlying].oracle);
        let print = pyth_print(feed_id, price, confidence, self.time, self.slot);
        self.t.env.write_price_update(&oracle, &print);
    }

    /// A second liquidity provider with `dollars` of quote in its wallet and
    /// an LP position.
    pub fn new_lp(&mut self, dollars: f64) -> (Keypair, Pubkey) {
        let lp = self.t.env.funded_keypair(10);
        let quote_mint = self.t.quote_mint;
        let wallet = self.t.token_account_with(&lp.pubkey(), &quote_mint, &SPL_TOKEN, (dollars * USD) as u64);
        self.send(&[ix::open_lp_position(&lp.pubkey())], &lp).expect("open_lp_position");
        (lp, wallet)
    }

    /// `lp_deposit` of `amount` by `lp` from `wallet`, with the pool accounts.
    pub fn lp_deposit_ix(&self, lp: &Pubkey, wallet: &Pubkey, amount: u64) -> Instruction {
        let pool = health::pool_accounts(&self.t.env).expect("pool accounts");
        ix::with_remaining(ix::lp_deposit(lp, &self.t.quote_mint, &SPL_TOKEN, wallet, amount), pool)
    }

    /// `lp_withdraw` of `shares` by `lp` to `wallet`, with the pool accounts.
    pub fn lp_withdraw_ix(&self, lp: &Pubkey, wallet: &Pubkey, shares: u64) -> Instruction {
        let pool = health::pool_accounts(&self.t.env).expect("pool accounts");
        ix::with_remaining(ix::lp_withdraw(lp, &self.t.quote_mint, &SPL_TOKEN, wallet, shares), pool)
    }

    /// Shares held by `lp`'s position.
    pub fn lp_shares(&self, lp: &Pubkey) -> u64 {
        self.t.env.load::<reflex::state::LpPosition>(&pda::lp_position(lp)).map_or(0, |position| position.shares)
    }

    /// Moves the clock `slots` forward (400 ms a slot).
    pub fn advance(&mut self, slots: u64) {
        self.slot += slots;
        self.time = START_TIME + ((self.slot - START_SLOT) as f64 * 0.4) as i64;
        self.t.env.set_clock(self.slot, self.time);
    }

    /// Posts a new Pyth print for `underlying` at the current slot (the next
    /// one if the feed already took a print in this slot: feeds refresh once
    /// per slot) and cranks its feed, markets and collateral, as keepers would.
    pub fn set_price(&mut self, underlying: usize, price: f64) {
        if self.feed(underlying).last_slot == self.slot {
            self.advance(1);
        }
        self.underlyings[underlying].price = price;
        let feed_id = self.underlyings[underlying].feed_id;
        let oracle = self.underlyings[underlying].oracle;
        let print = pyth_print(feed_id, price, price * 0.0005, self.time, self.slot);
        self.t.env.write_price_update(&oracle, &print);
        self.crank(underlying);
    }

    /// Refreshes `underlying`'s feed and everything that reads it.
    pub fn crank(&mut self, underlying: usize) {
        let feed_id = self.underlyings[underlying].feed_id;
        let oracle = self.underlyings[underlying].oracle;
        let mut cranks = vec![ix::refresh_feed(&feed_id, &oracle)];
        for (index, _) in self.markets.iter().enumerate().filter(|(_, u)| **u == underlying) {
            cranks.push(ix::refresh_market(index as u16, &feed_id, &oracle));
        }
        for collateral in self.collaterals.iter().filter(|c| c.underlying == underlying) {
            cranks.push(ix::refresh_collateral(&collateral.mint, &feed_id, &oracle));
        }
        let admin = self.admin();
        self.send(&cranks, &admin).expect("crank");
    }

    /// Advances `slots` and re-posts every underlying's price (so prints stay fresh).
    pub fn tick(&mut self, slots: u64) {
        self.advance(slots);
        for underlying in 0..self.underlyings.len() {
            let price = self.underlyings[underlying].price;
            self.set_price(underlying, price);
        }
    }

    /// The world's LP deposits `amount`: at once into an empty pool, else
    /// requested, then executed once the pool's delay has passed (prices
    /// re-posted meanwhile). The result is the request's if it failed, else
    /// the execution's; a request whose execution failed is cancelled.
    pub fn lp_deposit(&mut self, amount: u64) -> TransactionResult {
        let (lp, wallet) = (self.lp.insecure_clone(), self.lp_wallet);
        let deposit = self.lp_deposit_ix(&lp.pubkey(), &wallet, amount);
        self.request_and_execute(deposit, &lp, &wallet)
    }

    /// The world's LP redeems `shares`: requested, then executed once the
    /// pool's delay has passed, as [`World::lp_deposit`].
    pub fn lp_withdraw(&mut self, shares: u64) -> TransactionResult {
        let (lp, wallet) = (self.lp.insecure_clone(), self.lp_wallet);
        let withdraw = self.lp_withdraw_ix(&lp.pubkey(), &wallet, shares);
        self.request_and_execute(withdraw, &lp, &wallet)
    }

    /// Sends an LP request and, if it is pending, waits out the delay and executes it.
    pub fn request_and_execute(&mut self, request: Instruction, lp: &Keypair, wallet: &Pubkey) -> TransactionResult {
        let requested = self.send(&[request], lp)?;
        let pending = self.t.env.load::<reflex::state::LpPosition>(&pda::lp_position(&lp.pubkey())).is_some_and(|p| p.request_kind != 0);
        if !pending {
            return Ok(requested);
        }
        let delay = self.t.exchange().lp_delay_slots;
        self.tick(delay);
        let executed = self.send(&[self.execute_lp_ix(&lp.pubkey(), wallet)], lp);
        if executed.is_err() {
            let cancel = ix::cancel_lp_request(&lp.pubkey(), &self.t.quote_mint, &SPL_TOKEN, wallet);
            self.send(&[cancel], lp).expect("cancel the request that could not execute");
        }
        executed
    }

    /// `execute_lp_request` for `lp`, paying into `wallet`.
    pub fn execute_lp_ix(&self, lp: &Pubkey, wallet: &Pubkey) -> Instruction {
        let pool = health::pool_accounts(&self.t.env).expect("pool accounts");
        ix::execute_lp_request(lp, &self.t.quote_mint, &SPL_TOKEN, wallet, pool)
    }

    /// Native units of `whole` tokens of collateral `index`.
    pub fn units(&self, collateral: usize, whole: f64) -> u64 {
        let decimals = self.underlyings[self.collaterals[collateral].underlying].decimals;
        (whole * 10f64.powi(decimals as i32)).round() as u64
    }

    /// Base native units of `whole` tokens of market `index`'s underlying.
    pub fn base_units(&self, market: u16, whole: f64) -> i64 {
        let decimals = self.underlyings[self.markets[market as usize]].decimals;
        (whole * 10f64.powi(decimals as i32)).round() as i64
    }

    /// A trader who deposited `whole` tokens of each listed collateral given.
    pub fn trader(&mut self, deposits: &[(usize, f64)]) -> Trader {
        let trader = self.t.new_trader();
        for &(collateral, whole) in deposits {
            let amount = self.units(collateral, whole);
            let (mint, token_program) = (self.collaterals[collateral].mint, self.collaterals[collateral].token_program);
            let wallet = self.t.token_account_with(&trader.keypair.pubkey(), &mint, &token_program, amount);
            self.t.deposit(&trader, &mint, &token_program, &wallet, amount).expect("deposit");
        }
        trader
    }

    /// A keeper with a margin account holding `dollars` of quote balance.
    pub fn keeper(&mut self, dollars: f64) -> Trader {
        let keeper = self.t.new_trader();
        if dollars > 0.0 {
            self.deposit_quote(&keeper, (dollars * USD) as u64).expect("deposit_quote");
        }
        keeper
    }

    pub fn deposit_quote(&mut self, trader: &Trader, amount: u64) -> TransactionResult {
        let quote_mint = self.t.quote_mint;
        let wallet = self.t.token_account_with(&trader.keypair.pubkey(), &quote_mint, &SPL_TOKEN, amount);
        let deposit = ix::deposit_quote(&trader.keypair.pubkey(), &trader.margin_account, &quote_mint, &SPL_TOKEN, &wallet, amount);
        self.send(&[deposit], &trader.keypair.insecure_clone())
    }

    pub fn margin(&self, account: &Pubkey) -> MarginAccount {
        self.t.margin_account(account)
    }

    pub fn market(&self, index: u16) -> PerpMarket {
        self.t.env.load(&pda::market(index)).expect("market")
    }

    pub fn feed(&self, underlying: usize) -> PriceFeed {
        self.t.env.load(&self.underlyings[underlying].feed()).expect("feed")
    }

    pub fn asset(&self, collateral: usize) -> CollateralAsset {
        self.t.collateral_asset(&self.collaterals[collateral].mint)
    }

    /// The account's health as the SDK computes it from the current accounts.
    pub fn health(&self, account: &Pubkey) -> HealthSummary {
        let margin = self.margin(account);
        health::snapshot(&self.t.env, &margin).expect("snapshot").summary().expect("health")
    }

    pub fn position(&self, account: &Pubkey, market: u16) -> i64 {
        let margin = self.margin(account);
        let size = margin.perps_in_use().find(|p| p.market_index == market).map_or(0, |p| p.base_size);
        size
    }

    /// A `place_perp_order` signed by `signer` for `account`.
    pub fn order_ix(&self, signer: &Pubkey, account: &Pubkey, market: u16, base_delta: i64, limit_price: u64) -> Instruction {
        let margin = self.margin(account);
        let accounts = health::health_accounts(&self.t.env, &margin, Some(market), None).expect("health accounts");
        let underlying = &self.underlyings[self.markets[market as usize]];
        ix::place_perp_order(signer, account, market, &underlying.feed(), &underlying.oracle, base_delta, limit_price, accounts)
    }

    /// Trades `base_delta` and, if it filled and added risk, checks
    /// invariant 2 (initial health ≥ 0 after) from the event and the SDK.
    pub fn order(&mut self, trader: &Trader, market: u16, base_delta: i64, limit_price: u64) -> TransactionResult {
        let order = self.order_ix(&trader.keypair.pubkey(), &trader.margin_account, market, base_delta, limit_price);
        let result = self.send(&[order], &trader.keypair.insecure_clone());
        if result.is_ok() {
            let fill = &events::<PerpFilled>(&result)[0];
            let added_risk = fill.base_after.unsigned_abs() > fill.base_before.unsigned_abs()
                || (fill.base_before != 0 && fill.base_after != 0 && (fill.base_before > 0) != (fill.base_after > 0));
            if added_risk {
                assert!(Fixed::from_bits(fill.initial_health_after) >= 0, "a risk-increasing trade left initial health negative");
                assert!(self.health(&trader.margin_account).initial >= 0, "the SDK disagrees: initial health negative after the trade");
            }
        }
        result
    }

    /// A market order: `whole` tokens (negative sells) with a limit 5% away from the oracle.
    pub fn trade(&mut self, trader: &Trader, market: u16, whole: f64) -> TransactionResult {
        let base_delta = self.base_units(market, whole);
        let price = self.underlyings[self.markets[market as usize]].price;
        let limit = if base_delta > 0 { price * 1.05 } else { price * 0.95 };
        self.order(trader, market, base_delta, (limit * USD) as u64)
    }

    /// `liquidate_perp`, checking invariant 3: health never falls, and the
    /// size closed is exactly the risk crate's least sufficient size (or the
    /// keeper's cap). The market is cranked first in this slot, as a keeper
    /// does, so the program sees the same state the SDK sized from.
    pub fn liquidate_perp(&mut self, keeper: &Trader, target: &Pubkey, market: u16, max_base: u64) -> TransactionResult {
        self.crank(self.markets[market as usize]);
        let margin = self.margin(target);
        let accounts = health::health_accounts(&self.t.env, &margin, Some(market), None).expect("health accounts");
        let underlying = &self.underlyings[self.markets[market as usize]];
        let (feed, oracle) = (underlying.feed(), underlying.oracle);
        let liquidate =
            ix::liquidate_perp(&keeper.keypair.pubkey(), &keeper.margin_account, target, market, &feed, &oracle, max_base, accounts);
        let before = self.health(target);
        let expected = self.least_to_close(target, market);
        let result = self.send(&[liquidate], &keeper.keypair.insecure_clone());
        if result.is_ok() {
            let event = &events::<PerpLiquidated>(&result)[0];
            let after = self.health(target);
            assert!(after.liquidation_end >= before.liquidation_end, "liquidation lowered liquidation-end health");
            assert!(after.maintenance >= before.maintenance, "liquidation lowered maintenance health");
            assert_eq!(Fixed::from_bits(event.liquidation_end_after), after.liquidation_end, "event vs SDK");
            let expected = expected.expect("the SDK found something to liquidate");
            assert_eq!(event.base_closed, expected.min(max_base), "the program closed other than the least sufficient size");
            if after.liquidation_end < 0 {
                assert!(event.base_after == 0 || event.base_closed == max_base, "stopped short of restoring health");
            }
        }
        result
    }

    pub fn liquidate_collateral(&mut self, keeper: &Trader, target: &Pubkey, collateral: usize, max_amount: u64) -> TransactionResult {
        let margin = self.margin(target);
        let asset_index = self.asset(collateral).asset_index;
        let accounts = health::health_accounts(&self.t.env, &margin, None, Some(asset_index)).expect("health accounts");
        let mint = self.collaterals[collateral].mint;
        let underlying = &self.underlyings[self.collaterals[collateral].underlying];
        let (feed, oracle) = (underlying.feed(), underlying.oracle);
        let liquidate =
            ix::liquidate_collateral(&keeper.keypair.pubkey(), &keeper.margin_account, target, &mint, &feed, &oracle, max_amount, accounts);
        let before = self.health(target);
        let result = self.send(&[liquidate], &keeper.keypair.insecure_clone());
        if result.is_ok() {
            let after = self.health(target);
            // Collateral seized at a discount below its haircut raises health,
            // up to the fixed-point resolution of the values moved.
            let tolerance = Fixed::from_num(1) / 1_000_000;
            assert!(after.liquidation_end + tolerance >= before.liquidation_end, "collateral liquidation lowered health");
        }
        result
    }

    pub fn settle_bankruptcy(&mut self, target: &Pubkey) -> TransactionResult {
        let admin = self.admin();
        self.send(&[ix::settle_bankruptcy(target)], &admin)
    }

    /// One pass of a keeper over `accounts`, using only what the SDK sees:
    /// liquidate perps (least size), then collateral for debt, until each
    /// account is no longer liquidatable; then settle bankruptcies.
    pub fn keep(&mut self, keeper: &Trader, accounts: &[Pubkey]) -> KeeperPass {
        let mut pass = KeeperPass::default();
        for account in accounts {
            for _ in 0..32 {
                let margin = self.margin(account);
                let health = self.health(account);
                if !health::is_liquidatable(&margin, &health) {
                    break;
                }
                let markets: Vec<u16> = margin.perps_in_use().map(|p| p.market_index).collect();
                if let Some(&market) = markets.iter().find(|&&m| self.least_to_close(account, m).is_some()) {
                    let result = self.liquidate_perp(keeper, account, market, u64::MAX).expect("liquidate_perp");
                    let event = &events::<PerpLiquidated>(&Ok(result))[0];
                    pass.perp_liquidations += 1;
                    if event.base_after != 0 {
                        pass.partial_perp_liquidations += 1;
                    }
                    continue;
                }
                let held: Vec<usize> =
                    (0..self.collaterals.len()).filter(|&c| margin.collateral_balance(self.asset(c).asset_index) > 0).collect();
                if margin.quote() < 0 && !held.is_empty() {
                    self.liquidate_collateral(keeper, account, held[0], u64::MAX).expect("liquidate_collateral");
                    pass.collateral_liquidations += 1;
                    continue;
                }
                break;
            }
            let margin = self.margin(account);
            if margin.is_bankrupt() {
                let result = self.settle_bankruptcy(account);
                pass.bankruptcies.push(events::<reflex::events::BankruptcySettled>(&result).remove(0));
            }
        }
        pass
    }

    /// Is any of `accounts` liquidatable in a way a keeper could still act on?
    pub fn liquidatable(&self, accounts: &[Pubkey]) -> Vec<Pubkey> {
        accounts.iter().filter(|account| health::is_liquidatable(&self.margin(account), &self.health(account))).copied().collect()
    }

    /// The least base units the risk crate would close in `market` for `target` now.
    pub fn least_to_close(&self, target: &Pubkey, market: u16) -> Option<u64> {
        let margin = self.margin(target);
        let snapshot = health::snapshot(&self.t.env, &margin).ok()?;
        let index = margin.perps_in_use().position(|p| p.market_index == market)?;
        let penalty = Fixed::from_num(self.market(market).risk.liquidation_penalty) / 1_000_000;
        perp_liquidation(&snapshot, index, penalty).ok()?.map(|plan| plan.base_to_close)
    }
}

/// Whole tokens of `units` with `decimals`.
pub fn whole(units: i64, decimals: u8) -> f64 {
    units as f64 / 10f64.powi(decimals as i32)
}

pub fn dollars(value: Fixed) -> f64 {
    value.to_num::<f64>() / USD
}

/// What [`World::keep`] did in one pass (or, added up, in several).
#[derive(Default)]
pub struct KeeperPass {
    pub perp_liquidations: usize,
    pub partial_perp_liquidations: usize,
    pub collateral_liquidations: usize,
    pub bankruptcies: Vec<reflex::events::BankruptcySettled>,
}

impl KeeperPass {
    pub fn add(&mut self, mut other: KeeperPass) {
        self.perp_liquidations += other.perp_liquidations;
        self.partial_perp_liquidations += other.partial_perp_liquidations;
        self.collateral_liquidations += other.collateral_liquidations;
        self.bankruptcies.append(&mut other.bankruptcies);
    }
}
