//! A stateful fuzzer on the SBF binary. Each sequence starts from a fresh
//! world (three feeds, three collaterals, two markets, two LPs, three
//! traders, a keeper, a risk steward) and runs random actions: every
//! trader, LP, keeper, governance and steward instruction, prints posted
//! with random moves, gaps and confidence (or not posted at all, so feeds
//! go stale), slots passing, and refreshes placed between and inside the
//! actors' own transactions. After every transaction the world checks
//! DESIGN.md section 10 (token conservation to the unit, the markets' sums,
//! live levels inside their bounds), and after every action this file
//! checks what would have caught the review's attacks:
//!
//! - the stored levels obey the slew slot by slot (maintenance never rises
//!   faster than `tighten_per_slot` per slot passed, never above initial);
//! - inside one slot, a round trip (open, refresh, close in one
//!   transaction) never raises the trader's value;
//! - after a keeper pass, no account is left under maintenance that a
//!   keeper could liquidate (every entry with a usable price has been
//!   dealt with) and the keeper reports no refusal but the benign races;
//! - a healthy account can always close a position whose price is usable;
//! - two LPs who ask to leave in the same slot and are paid in the same
//!   transaction receive the same per share;
//! - an LP can always ask to withdraw shares it holds.
//!
//! `cargo test -p reflex-tests --test fuzz` runs a short campaign (seeded,
//! reproducible); `bash scripts/fuzz.sh` runs the long one (a million
//! transactions by default) and prints sequences/s and transactions
//! executed. A failure prints the shortest action sequence that reproduces
//! it (delta debugging), with the seed to replay it.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use reflex::state::RiskLevel;
use reflex::state::{CollateralRiskExtPpm, FeedbackPpm, LpPosition, MarginAccount, MarketRiskExtPpm};
use reflex_risk::{Fixed, HealthLevel};
use reflex_sdk::keeper::{self, Keeper};
use reflex_sdk::{health, instructions as ix, pda};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// SplitMix64: a small, seedable, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn signed(&mut self, n: i64) -> i64 {
        self.below(2 * n as u64 + 1) as i64 - n
    }
}

const TRADERS: usize = 3;

#[derive(Clone, Copy, Debug)]
enum Action {
    /// Slots pass (prints not re-posted: feeds age).
    Advance(u64),
    /// A print for an underlying at this slot: a move in basis points and a
    /// confidence in basis points of the price (above 200, past the cap).
    Post {
        underlying: usize,
        move_bp: i64,
        confidence_bp: u64,
    },
    /// A print 25% away in one go.
    Gap {
        underlying: usize,
        down: bool,
    },
    /// Keepers' refresh of an underlying's feed, markets and collateral.
    Crank(usize),
    /// Every price re-posted unchanged and cranked, some slots later.
    Tick(u64),
    Trade {
        trader: usize,
        market: u16,
        whole_tenths: i64,
    },
    /// Open, refresh the feed, close: one transaction, one slot.
    RoundTrip {
        trader: usize,
        market: u16,
        whole_tenths: i64,
    },
    Close {
        trader: usize,
        market: u16,
    },
    Deposit {
        trader: usize,
        collateral: usize,
        whole_tenths: u64,
    },
    Withdraw {
        trader: usize,
        collateral: usize,
        percent: u64,
    },
    DepositQuote {
        trader: usize,
        dollars: u64,
    },
    WithdrawQuote {
        trader: usize,
        percent: u64,
    },
    /// A keeper pass (the SDK's keeper: crank, survey, liquidate, settle).
    Keep,
    HealthCheck {
        trader: usize,
    },
    LpDeposit {
        lp: usize,
        thousands: u64,
    },
    LpWithdraw {
        lp: usize,
        percent: u64,
    },
    /// Both LPs ask to withdraw the same share of their holdings in one slot.
    LpBothWithdraw {
        percent: u64,
    },
    /// `inline` picks the markets passed with their feed and oracle; the
    /// others count only if something recorded them in this slot.
    LpExecute {
        lp: usize,
        inline: u8,
    },
    /// Both LPs' requests executed in one transaction.
    LpExecuteBoth,
    LpCancel {
        lp: usize,
    },
    Pause,
    Unpause,
    /// Governance moves a market's maintenance lower bound (and base) up or down.
    SetMarketRisk {
        market: u16,
        maintenance_lower_ppm: u32,
    },
    /// Governance sets a market's open-interest scaling and a collateral's
    /// deposit depth (dollars; 0: off).
    SetRiskExt {
        market: u16,
        collateral: usize,
        lower_ppm: u32,
        max_add_on_ppm: u32,
        depth_dollars: u64,
    },
    /// The steward nudges a market's maintenance base.
    StewardBase {
        market: u16,
        delta_ppm: i64,
    },
    SetLpDelay(u64),
    /// Governance turns a feed's robust estimator off (0), on without the
    /// split (1), or on as calibrated (2).
    SetFeedRobust {
        underlying: usize,
        mode: u8,
    },
}

fn random_action(rng: &mut Rng) -> Action {
    let trader = rng.below(TRADERS as u64) as usize;
    let market = rng.below(2) as u16;
    let underlying = rng.below(3) as usize;
    let lp = rng.below(2) as usize;
    match rng.below(100) {
        0..=9 => Action::Advance(1 + rng.below(60)),
        10..=19 => {
            Action::Post { underlying, move_bp: rng.signed(400), confidence_bp: if rng.below(10) == 0 { 250 } else { rng.below(50) } }
        }
        20..=22 => Action::Gap { underlying, down: rng.below(3) != 0 },
        23..=27 => Action::Crank(underlying),
        28..=32 => Action::Tick(1 + rng.below(30)),
        33..=44 => Action::Trade { trader, market, whole_tenths: rng.signed(if market == 0 { 15_000 } else { 30 }) },
        45..=49 => Action::RoundTrip { trader, market, whole_tenths: rng.signed(if market == 0 { 15_000 } else { 30 }) },
        50..=53 => Action::Close { trader, market },
        54..=57 => Action::Deposit { trader, collateral: underlying, whole_tenths: 1 + rng.below(if underlying == 0 { 200 } else { 2 }) },
        58..=60 => Action::Withdraw { trader, collateral: underlying, percent: 1 + rng.below(100) },
        61..=62 => Action::DepositQuote { trader, dollars: 1 + rng.below(5_000) },
        63..=64 => Action::WithdrawQuote { trader, percent: 1 + rng.below(100) },
        65..=72 => Action::Keep,
        73..=74 => Action::HealthCheck { trader },
        75..=77 => Action::LpDeposit { lp, thousands: 1 + rng.below(300) },
        78..=80 => Action::LpWithdraw { lp, percent: 1 + rng.below(100) },
        81..=82 => Action::LpBothWithdraw { percent: 1 + rng.below(100) },
        83..=85 => Action::LpExecute { lp, inline: rng.below(4) as u8 },
        86..=87 => Action::LpExecuteBoth,
        88 => Action::LpCancel { lp },
        89 => Action::Pause,
        90..=91 => Action::Unpause,
        // Around the gap floor (allowance + penalty = 50,000 ppm): some refused.
        92..=93 => Action::SetMarketRisk { market, maintenance_lower_ppm: 40_000 + rng.below(30_000) as u32 },
        94 => Action::SetRiskExt {
            market,
            collateral: underlying,
            lower_ppm: rng.below(1_000_000) as u32,
            max_add_on_ppm: rng.below(200_000) as u32,
            depth_dollars: if rng.below(2) == 0 { 0 } else { rng.below(50_000) },
        },
        95..=97 => Action::StewardBase { market, delta_ppm: rng.signed(5_000) },
        98 => Action::SetFeedRobust { underlying, mode: rng.below(3) as u8 },
        _ => Action::SetLpDelay(1 + rng.below(400)),
    }
}

/// A violated property, with what was seen.
struct Violation(String);

struct Fuzz {
    w: World,
    traders: Vec<Trader>,
    lps: Vec<(Keypair, Pubkey)>,
    keeper: Keeper,
    steward: Keypair,
    /// Live levels of each market and asset at the last check, and the slot.
    levels: Vec<(Pubkey, Fixed, Fixed, u64)>,
    transactions: u64,
    /// Liquidations and bankruptcy settlements the keeper made.
    keeper_actions: u64,
}

impl Fuzz {
    /// A copy of this world to run a sequence on.
    fn fork(&self) -> Self {
        Fuzz {
            w: self.w.fork(),
            traders: self
                .traders
                .iter()
                .map(|t| Trader { keypair: t.keypair.insecure_clone(), margin_account: t.margin_account })
                .collect(),
            lps: self.lps.iter().map(|(k, w)| (k.insecure_clone(), *w)).collect(),
            keeper: Keeper { keypair: self.keeper.keypair.insecure_clone(), account: self.keeper.account },
            steward: self.steward.insecure_clone(),
            levels: self.levels.clone(),
            transactions: 0,
            keeper_actions: 0,
        }
    }

    fn new() -> Self {
        let mut w = World::new(1_000_000.0);
        let traders = (0..TRADERS).map(|_| w.trader(&[(SOL, 40.0), (BTC, 0.2)])).collect();
        let first = (w.lp.insecure_clone(), w.lp_wallet);
        let second = w.new_lp(2_000_000.0);
        let keeper_trader = w.keeper(2_000_000.0);
        let keeper = Keeper { keypair: keeper_trader.keypair.insecure_clone(), account: keeper_trader.margin_account };
        let steward = w.t.env.funded_keypair(10);
        let admin = w.admin();
        w.send(&[ix::set_risk_steward(&admin.pubkey(), &steward.pubkey(), 5_000, 10)], &admin).expect("steward");
        w.send(&[ix::set_lp_delay(&admin.pubkey(), 20)], &admin).expect("lp delay");
        let mut fuzz =
            Fuzz { w, traders, lps: vec![first, second], keeper, steward, levels: Vec::new(), transactions: 0, keeper_actions: 0 };
        fuzz.levels = fuzz.read_levels();
        fuzz
    }

    fn read_levels(&self) -> Vec<(Pubkey, Fixed, Fixed, u64)> {
        let mut levels = Vec::new();
        for index in 0..2u16 {
            let market = self.w.market(index);
            levels.push((pda::market(index), market.initial_margin_ratio.get(), market.maintenance_margin_ratio.get(), market.margin_slot));
        }
        for collateral in 0..3 {
            let asset = self.w.asset(collateral);
            levels.push((
                self.w.collaterals[collateral].mint,
                asset.initial_haircut.get(),
                asset.maintenance_haircut.get(),
                asset.haircut_slot,
            ));
        }
        levels
    }

    /// The stored levels obey the slew slot by slot.
    fn check_levels(&mut self) -> Result<(), Violation> {
        let now = self.read_levels();
        for (index, (before, after)) in self.levels.iter().zip(&now).enumerate() {
            let rate = if index < 2 {
                self.w.market(index as u16).risk.margin.to_config().tighten_per_slot
            } else {
                self.w.asset(index - 2).risk.haircut.to_config().tighten_per_slot
            };
            let slots = Fixed::from_num(after.3.saturating_sub(before.3));
            if after.2 > before.2 + rate * slots {
                return Err(Violation(format!("level {index}: maintenance rose {} -> {} in {slots} slots", before.2, after.2)));
            }
            if after.2 > after.1 {
                return Err(Violation(format!("level {index}: maintenance {} above initial {}", after.2, after.1)));
            }
        }
        self.levels = now;
        Ok(())
    }

    fn trader_value(&self, trader: usize) -> Fixed {
        let margin = self.w.margin(&self.traders[trader].margin_account);
        health::snapshot(&self.w.t.env, &margin).expect("snapshot").equity().expect("equity")
    }

    fn usable(&self, underlying: usize) -> bool {
        self.w.feed(underlying).grade_at(self.w.time).is_some()
    }

    fn run(&mut self, action: Action) -> Result<(), Violation> {
        let w = &mut self.w;
        match action {
            Action::Advance(slots) => w.advance(slots),
            Action::Post { underlying, move_bp, confidence_bp } => {
                if w.feed(underlying).last_posted_slot >= w.slot {
                    w.advance(1);
                }
                let price = w.underlyings[underlying].price * (1.0 + move_bp as f64 / 10_000.0);
                w.underlyings[underlying].price = price;
                w.post_print(underlying, price, price * confidence_bp as f64 / 10_000.0);
            }
            Action::Gap { underlying, down } => {
                w.advance(1);
                let price = w.underlyings[underlying].price * if down { 0.75 } else { 1.25 };
                w.underlyings[underlying].price = price;
                w.post_print(underlying, price, price * 0.0005);
            }
            Action::Crank(underlying) => {
                let (feed_id, oracle) = (w.underlyings[underlying].feed_id, w.underlyings[underlying].oracle);
                let admin = w.admin();
                self.transactions += 1;
                let _ = w.send(&[ix::refresh_feed(&feed_id, &oracle)], &admin);
            }
            Action::Tick(slots) => {
                self.transactions += 3;
                w.tick(slots);
            }
            Action::Trade { trader, market, whole_tenths } => {
                let base = w.base_units(market, whole_tenths as f64 / 10.0);
                if base != 0 {
                    let limit = if base > 0 { u64::MAX } else { 0 };
                    self.transactions += 1;
                    let _ = w.order(&self.traders[trader], market, base, limit);
                }
            }
            Action::RoundTrip { trader, market, whole_tenths } => {
                let base = w.base_units(market, whole_tenths as f64 / 10.0);
                if base == 0 {
                    return Ok(());
                }
                let t = &self.traders[trader];
                let signer = t.keypair.insecure_clone();
                let underlying = w.markets[market as usize];
                let (feed_id, oracle) = (w.underlyings[underlying].feed_id, w.underlyings[underlying].oracle);
                // Value the trader at this slot's prints: every feed read first.
                let admin = w.admin();
                for u in 0..3 {
                    let (id, oracle) = (w.underlyings[u].feed_id, w.underlyings[u].oracle);
                    self.transactions += 1;
                    let _ = w.send(&[ix::refresh_feed(&id, &oracle)], &admin);
                }
                let open = w.order_ix(&signer.pubkey(), &t.margin_account, market, base, if base > 0 { u64::MAX } else { 0 });
                let close = w.order_ix(&signer.pubkey(), &t.margin_account, market, -base, if base > 0 { 0 } else { u64::MAX });
                let before = self.trader_value(trader);
                let size_before = self.w.position(&self.traders[trader].margin_account, market);
                self.transactions += 1;
                let result = self.w.send(&[open, ix::refresh_feed(&feed_id, &oracle), close], &signer);
                if result.is_ok() {
                    let after = self.trader_value(trader);
                    assert_eq!(self.w.position(&self.traders[trader].margin_account, market), size_before);
                    if after > before {
                        return Err(Violation(format!("a round trip in one slot raised the trader's value {before} -> {after}")));
                    }
                }
            }
            Action::Close { trader, market } => {
                let account = self.traders[trader].margin_account;
                let size = w.position(&account, market);
                if size == 0 {
                    return Ok(());
                }
                let healthy = w.health(&account).initial >= 0;
                let usable = w.feed(w.markets[market as usize]).grade_at(w.time).is_some();
                let others_priced =
                    w.margin(&account).perps_in_use().all(|p| w.feed(w.markets[p.market_index as usize]).grade_at(w.time).is_some());
                self.transactions += 1;
                let result = w.order(&self.traders[trader], market, -size, if size > 0 { 0 } else { u64::MAX });
                if healthy && usable && others_priced && result.is_err() {
                    let error = result.err().map(|e| format!("{:?}", e.err));
                    return Err(Violation(format!("a healthy account could not close its position: {error:?}")));
                }
            }
            Action::Deposit { trader, collateral, whole_tenths } => {
                let amount = w.units(collateral, whole_tenths as f64 / 10.0);
                let (mint, program) = (w.collaterals[collateral].mint, w.collaterals[collateral].token_program);
                let owner = self.traders[trader].keypair.pubkey();
                let wallet = w.t.token_account_with(&owner, &mint, &program, amount);
                self.transactions += 1;
                w.t.deposit(&self.traders[trader], &mint, &program, &wallet, amount)
                    .map_err(|e| Violation(format!("a deposit was refused: {:?}", e.err)))?;
            }
            Action::Withdraw { trader, collateral, percent } => {
                let t = &self.traders[trader];
                let asset = w.asset(collateral);
                let amount = w.margin(&t.margin_account).collateral_balance(asset.asset_index) * percent / 100;
                if amount == 0 {
                    return Ok(());
                }
                let (mint, program) = (w.collaterals[collateral].mint, w.collaterals[collateral].token_program);
                let wallet = w.t.token_account_with(&t.keypair.pubkey(), &mint, &program, 0);
                let margin = w.margin(&t.margin_account);
                let accounts = health::health_accounts(&w.t.env, &margin, None, None).expect("health accounts");
                let withdraw =
                    ix::with_remaining(ix::withdraw(&t.keypair.pubkey(), &t.margin_account, &mint, &program, &wallet, amount), accounts);
                self.transactions += 1;
                let _ = w.send(&[withdraw], &t.keypair.insecure_clone());
            }
            Action::DepositQuote { trader, dollars } => {
                self.transactions += 1;
                w.deposit_quote(&self.traders[trader], dollars * 1_000_000)
                    .map_err(|e| Violation(format!("a quote deposit was refused: {:?}", e.err)))?;
            }
            Action::WithdrawQuote { trader, percent } => {
                let t = &self.traders[trader];
                let balance = w.margin(&t.margin_account).quote();
                let amount = (balance.max(Fixed::ZERO) * Fixed::from_num(percent) / 100).to_num::<u64>();
                if amount == 0 {
                    return Ok(());
                }
                let quote_mint = w.t.quote_mint;
                let wallet = w.t.token_account_with(&t.keypair.pubkey(), &quote_mint, &SPL_TOKEN, 0);
                let margin = w.margin(&t.margin_account);
                let accounts = health::health_accounts(&w.t.env, &margin, None, None).expect("health accounts");
                let withdraw =
                    ix::withdraw_quote(&t.keypair.pubkey(), &t.margin_account, &quote_mint, &SPL_TOKEN, &wallet, amount, accounts);
                self.transactions += 1;
                let _ = w.send(&[withdraw], &t.keypair.insecure_clone());
            }
            Action::Keep => return self.keep(),
            Action::HealthCheck { trader } => {
                let t = &self.traders[trader];
                let margin = w.margin(&t.margin_account);
                let accounts = health::health_accounts(&w.t.env, &margin, None, None).expect("health accounts");
                self.transactions += 1;
                let payer = self.keeper.keypair.insecure_clone();
                let _ = w.send(&[health::compute_health(&t.margin_account, accounts)], &payer);
            }
            Action::LpDeposit { lp, thousands } => {
                let (keypair, wallet) = (self.lps[lp].0.insecure_clone(), self.lps[lp].1);
                let amount = (thousands * 1_000_000_000).min(w.t.env.token_balance(&wallet));
                if amount > 0 {
                    self.transactions += 1;
                    let _ = w.send(&[w.lp_deposit_ix(&keypair.pubkey(), &wallet, amount)], &keypair);
                }
            }
            Action::LpWithdraw { lp, percent } => return self.lp_withdraw(lp, percent),
            Action::LpBothWithdraw { percent } => {
                self.lp_withdraw(0, percent)?;
                self.lp_withdraw(1, percent)?;
            }
            Action::LpExecute { lp, inline } => {
                let (keypair, wallet) = (self.lps[lp].0.insecure_clone(), self.lps[lp].1);
                if self.lp_request(lp).is_some() {
                    self.transactions += 1;
                    let pool = health::pool_accounts_with(&self.w.t.env, |market| inline & (1 << market) != 0).expect("pool accounts");
                    let quote_mint = self.w.t.quote_mint;
                    let _ = self.w.send(&[ix::execute_lp_request(&keypair.pubkey(), &quote_mint, &SPL_TOKEN, &wallet, pool)], &keypair);
                }
            }
            Action::LpExecuteBoth => return self.lp_execute_both(),
            Action::LpCancel { lp } => {
                let (keypair, wallet) = (self.lps[lp].0.insecure_clone(), self.lps[lp].1);
                self.transactions += 1;
                let quote_mint = w.t.quote_mint;
                let _ = w.send(&[ix::cancel_lp_request(&keypair.pubkey(), &quote_mint, &SPL_TOKEN, &wallet)], &keypair);
            }
            Action::Pause => {
                let admin = w.admin();
                self.transactions += 1;
                w.send(&[ix::pause(&admin.pubkey())], &admin).map_err(|_| Violation("the admin could not pause".into()))?;
            }
            Action::Unpause => {
                let admin = w.admin();
                self.transactions += 1;
                w.send(&[ix::unpause(&admin.pubkey())], &admin).map_err(|_| Violation("the admin could not unpause".into()))?;
            }
            Action::SetMarketRisk { market, maintenance_lower_ppm } => {
                let mut risk = w.market(market).risk;
                let FeedbackPpm { maintenance, .. } = &mut risk.margin;
                maintenance.lower = maintenance_lower_ppm;
                maintenance.base = maintenance.base.max(maintenance_lower_ppm);
                let admin = w.admin();
                let feed_id = w.underlyings[w.markets[market as usize]].feed_id;
                self.transactions += 1;
                let _ = w.send(&[ix::set_market_risk(&admin.pubkey(), market, &feed_id, risk)], &admin);
            }
            Action::SetRiskExt { market, collateral, lower_ppm, max_add_on_ppm, depth_dollars } => {
                let admin = w.admin();
                let feed_id = w.underlyings[w.markets[market as usize]].feed_id;
                let ext = MarketRiskExtPpm {
                    open_interest_lower: lower_ppm,
                    open_interest_upper: lower_ppm + 500_000,
                    open_interest_max_add_on: max_add_on_ppm,
                    ..w.market(market).risk_ext
                };
                let mint = w.collaterals[collateral].mint;
                let collateral_feed = w.underlyings[w.collaterals[collateral].underlying].feed_id;
                let depth = CollateralRiskExtPpm { deposit_depth: depth_dollars * USD as u64, ..w.asset(collateral).risk_ext };
                self.transactions += 1;
                w.send(
                    &[
                        ix::set_market_risk_ext(&admin.pubkey(), market, &feed_id, ext),
                        ix::set_collateral_risk_ext(&admin.pubkey(), &mint, &collateral_feed, depth),
                    ],
                    &admin,
                )
                .map_err(|_| Violation("governance could not set well-formed scaling and depth".into()))?;
            }
            Action::StewardBase { market, delta_ppm } => {
                let base = w.market(market).risk.margin.maintenance.base as i64 + delta_ppm;
                let feed_id = w.underlyings[w.markets[market as usize]].feed_id;
                let steward = self.steward.insecure_clone();
                self.transactions += 1;
                let set = ix::steward_set_market_base(&steward.pubkey(), market, &feed_id, RiskLevel::Maintenance, base.max(0) as u32);
                let _ = w.send(&[set], &steward);
            }
            Action::SetLpDelay(slots) => {
                let admin = w.admin();
                self.transactions += 1;
                w.send(&[ix::set_lp_delay(&admin.pubkey(), slots)], &admin)
                    .map_err(|_| Violation("a valid LP delay was refused".into()))?;
            }
            Action::SetFeedRobust { underlying, mode } => {
                let admin = w.admin();
                let preset = reflex_sdk::presets::robust_feed_config();
                let config = match mode {
                    0 => reflex::state::RobustFeedConfig::default(),
                    1 => reflex::state::RobustFeedConfig { split: 0, ..preset },
                    _ => preset,
                };
                let feed_id = w.underlyings[underlying].feed_id;
                self.transactions += 1;
                w.send(&[ix::set_feed_robust(&admin.pubkey(), &feed_id, config)], &admin)
                    .map_err(|_| Violation("governance could not set well-formed robust settings".into()))?;
            }
        }
        Ok(())
    }

    fn stats(&self) -> Stats {
        Stats { transactions: self.transactions, refused: self.w.refused, keeper_actions: self.keeper_actions }
    }

    fn lp_request(&self, lp: usize) -> Option<LpPosition> {
        let position: LpPosition = self.w.t.env.load(&pda::lp_position(&self.lps[lp].0.pubkey()))?;
        (position.request_kind != 0).then_some(position)
    }

    fn lp_withdraw(&mut self, lp: usize, percent: u64) -> Result<(), Violation> {
        let (keypair, wallet) = (self.lps[lp].0.insecure_clone(), self.lps[lp].1);
        let shares = self.w.lp_shares(&keypair.pubkey()) * percent / 100;
        if shares == 0 {
            return Ok(());
        }
        let pending = self.lp_request(lp).is_some();
        let paused = self.w.t.exchange().is_paused();
        let pool_priced = (0..3).filter(|&u| u != ETH).all(|u| self.usable(u));
        self.transactions += 1;
        let result = self.w.send(&[self.w.lp_withdraw_ix(&keypair.pubkey(), &wallet, shares)], &keypair);
        if result.is_err() && !pending && !paused && pool_priced {
            let error = result.err().map(|e| format!("{:?}", e.err));
            return Err(Violation(format!("an LP could not ask to withdraw shares it holds: {error:?}")));
        }
        Ok(())
    }

    /// Both LPs' requests in one transaction: withdrawals asked in the same
    /// slot must pay the same per share.
    fn lp_execute_both(&mut self) -> Result<(), Violation> {
        let (Some(first), Some(second)) = (self.lp_request(0), self.lp_request(1)) else { return Ok(()) };
        let balances = [self.w.t.env.token_balance(&self.lps[0].1), self.w.t.env.token_balance(&self.lps[1].1)];
        // The first values every market itself; the second reads what the
        // first recorded (the markets alone).
        let quote_mint = self.w.t.quote_mint;
        let alone = health::pool_accounts_cranked(&self.w.t.env).expect("pool accounts");
        let execute = vec![
            self.w.execute_lp_ix(&self.lps[0].0.pubkey(), &self.lps[0].1),
            ix::execute_lp_request(&self.lps[1].0.pubkey(), &quote_mint, &SPL_TOKEN, &self.lps[1].1, alone),
        ];
        let payer = self.keeper.keypair.insecure_clone();
        self.transactions += 1;
        if self.w.send(&execute, &payer).is_err() {
            return Ok(());
        }
        let same_request = first.request_kind == 2
            && second.request_kind == 2
            && first.request_ready_slot == second.request_ready_slot
            && (first.request_pool_value, first.request_total_shares) == (second.request_pool_value, second.request_total_shares);
        if same_request {
            let paid = [self.w.t.env.token_balance(&self.lps[0].1) - balances[0], self.w.t.env.token_balance(&self.lps[1].1) - balances[1]];
            let per_share = |index: usize, shares: u64| paid[index] as f64 / shares as f64;
            let (a, b) = (per_share(0, first.request_amount), per_share(1, second.request_amount));
            // Each payout rounds down once: at most one native unit apart in total.
            let tolerance = 1.0 / first.request_amount.min(second.request_amount) as f64 + 1e-12;
            if (a - b).abs() > tolerance {
                return Err(Violation(format!("LPs who left together were paid {a} and {b} per share")));
            }
        }
        Ok(())
    }

    /// The SDK's keeper pass; then nothing it could act on is left.
    fn keep(&mut self) -> Result<(), Violation> {
        let report = keeper::run_pass(&mut self.w.t.env, &self.keeper).map_err(|e| Violation(format!("keeper: {e}")))?;
        self.transactions += (report.cranked + report.actions.len() + report.crank_failures.len()) as u64;
        self.keeper_actions += report.actions.len() as u64;
        self.w.t.assert_conservation();
        if let Some((account, reason)) = report.skipped.first() {
            return Err(Violation(format!("the keeper was refused on {account}: {reason}")));
        }
        for t in &self.traders {
            let margin: MarginAccount = self.w.margin(&t.margin_account);
            let snapshot = health::snapshot(&self.w.t.env, &margin).expect("snapshot");
            if snapshot.health(HealthLevel::Maintenance).expect("health") >= 0 {
                continue;
            }
            // Left under maintenance: only acceptable if nothing in it has a usable price.
            let priced_perp =
                margin.perps_in_use().any(|p| self.w.feed(self.w.markets[p.market_index as usize]).grade_at(self.w.time).is_some());
            let priced_debt = margin.quote() < 0
                && (0..3)
                    .any(|c| margin.collateral_balance(self.w.asset(c).asset_index) > 0 && self.usable(self.w.collaterals[c].underlying));
            if priced_perp || priced_debt {
                return Err(Violation(format!("{} left under maintenance though a keeper could act", t.margin_account)));
            }
        }
        Ok(())
    }
}

/// What a sequence did: transactions run, refused by the program, and the
/// keeper's liquidations and settlements.
#[derive(Default)]
struct Stats {
    transactions: u64,
    refused: u64,
    keeper_actions: u64,
}

/// Runs `actions` on a fresh world; the index of the action that broke a
/// property (or panicked) and why.
fn replay(actions: &[Action]) -> (u64, Option<(usize, String)>) {
    let (stats, failure) = replay_counted(actions);
    (stats.transactions, failure)
}

fn replay_counted(actions: &[Action]) -> (Stats, Option<(usize, String)>) {
    thread_local! {
        static START: Fuzz = Fuzz::new();
    }
    let mut fuzz = START.with(|start| start.fork());
    for (index, action) in actions.iter().enumerate() {
        let outcome = catch_unwind(AssertUnwindSafe(|| fuzz.run(*action).and_then(|_| fuzz.check_levels())));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(Violation(reason))) => return (fuzz.stats(), Some((index, reason))),
            Err(panic) => {
                let reason = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                return (fuzz.stats(), Some((index, format!("panicked: {}", reason.unwrap_or_default()))));
            }
        }
    }
    (fuzz.stats(), None)
}

/// Delta debugging: the shortest sub-sequence that still fails.
fn shrink(mut actions: Vec<Action>) -> (Vec<Action>, String) {
    let fails = |candidate: &[Action]| replay(candidate).1;
    let mut reason = fails(&actions).map(|(_, r)| r).unwrap_or_default();
    let mut chunk = actions.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start < actions.len() {
            let end = (start + chunk).min(actions.len());
            let candidate: Vec<Action> = actions[..start].iter().chain(&actions[end..]).copied().collect();
            if let Some((index, why)) = fails(&candidate) {
                actions = candidate[..=index].to_vec();
                reason = why;
            } else {
                start += chunk;
            }
        }
        chunk /= 2;
    }
    (actions, reason)
}

/// The panic hook is the process's: the two tests here take turns with it.
static PANIC_HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// A campaign: sequences of `REFLEX_FUZZ_ACTIONS` actions until
/// `REFLEX_FUZZ_TRANSACTIONS` transactions have run (or
/// `REFLEX_FUZZ_SEQUENCES` sequences), from `REFLEX_FUZZ_SEED`, on
/// `REFLEX_FUZZ_THREADS` threads (sequence `i` always draws the same
/// actions, whichever thread runs it).
#[test]
fn random_sequences_keep_every_invariant() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let seed = env_u64("REFLEX_FUZZ_SEED", 0x5EED);
    let length = env_u64("REFLEX_FUZZ_ACTIONS", 60) as usize;
    let max_sequences = env_u64("REFLEX_FUZZ_SEQUENCES", 300);
    let max_transactions = env_u64("REFLEX_FUZZ_TRANSACTIONS", u64::MAX);
    let threads = env_u64("REFLEX_FUZZ_THREADS", 2).max(1);
    let started = Instant::now();
    // Set up once here first, so a broken setup (a stale binary, say) fails loudly.
    drop(Fuzz::new());
    // Replays while shrinking panic on purpose; keep their reports quiet.
    let _turn = PANIC_HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (next, sequences, transactions, stop) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicBool::new(false));
    let (refused, keeper_actions) = (AtomicU64::new(0), AtomicU64::new(0));
    let failure = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                if stop.load(Ordering::Relaxed) || transactions.load(Ordering::Relaxed) >= max_transactions {
                    return;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= max_sequences {
                    return;
                }
                let mut rng = Rng(seed.wrapping_add(index.wrapping_mul(0x1000_0001)));
                let actions: Vec<Action> = (0..length).map(|_| random_action(&mut rng)).collect();
                let (ran, broken) = replay_counted(&actions);
                sequences.fetch_add(1, Ordering::Relaxed);
                transactions.fetch_add(ran.transactions, Ordering::Relaxed);
                refused.fetch_add(ran.refused, Ordering::Relaxed);
                keeper_actions.fetch_add(ran.keeper_actions, Ordering::Relaxed);
                if let Some((at, _)) = broken {
                    stop.store(true, Ordering::Relaxed);
                    let (shortest, reason) = shrink(actions[..=at].to_vec());
                    *failure.lock().unwrap() = Some((index, shortest, reason));
                    return;
                }
            });
        }
    });
    std::panic::set_hook(report);
    if let Some((index, shortest, reason)) = failure.into_inner().unwrap() {
        panic!(
            "sequence {index} (seed {seed:#x}) broke a property: {reason}\nshortest sequence that reproduces it ({} actions):\n{:#?}",
            shortest.len(),
            shortest
        );
    }
    let (sequences, transactions) = (sequences.into_inner(), transactions.into_inner());
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "fuzz: {sequences} sequences, {transactions} transactions ({} refused by the program, {} keeper liquidations and settlements) in {seconds:.1} s on {threads} thread(s) ({:.1} sequences/s, {:.0} transactions/s), seed {seed:#x}: no invariant broken",
        refused.into_inner(),
        keeper_actions.into_inner(),
        sequences as f64 / seconds,
        transactions as f64 / seconds
    );
}

/// The fuzzer's own check: a broken property is found and shrunk to the
/// one action that breaks it (an LP delay of 0, which the program refuses
/// and this harness treats as a property: "a valid delay is accepted").
#[test]
fn the_shrinker_finds_a_short_reproduction() {
    let _turn = PANIC_HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let actions = vec![Action::Advance(3), Action::Tick(2), Action::Pause, Action::SetLpDelay(0), Action::Advance(1)];
    let (_, failure) = replay(&actions);
    let (index, reason) = failure.expect("an LP delay of 0 is refused, which the action treats as a violation");
    assert_eq!(index, 3);
    assert!(reason.contains("LP delay"));
    let (shortest, _) = shrink(actions[..=index].to_vec());
    std::panic::set_hook(report);
    assert_eq!(shortest.len(), 1, "{shortest:?}");
}
