//! `reflex bench-cu`'s trading scenarios: compute units of the trading,
//! liquidation and pool instructions on the SBF binary, for a typical
//! account (one collateral, one position) and for the worst case the
//! account layout allows (8 collaterals and 8 perp positions).
//!
//! Eight underlyings each have a Pyth feed, a collateral mint (alternately
//! SPL Token and Token-2022) and a perp market on that feed; an asset and a
//! market share their feed, as wSOL and SOL-PERP would, so the worst-case
//! account reads 8 assets, 8 markets and 8 feeds.
use std::error::Error;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use reflex::state::{MarginAccount, RobustFeedConfig};
use reflex_sdk::embedded::{pyth_print, Embedded};
use reflex_sdk::lookup_tables::{self, Tables, PACKET_BYTES};
use reflex_sdk::{health, instructions as ix, pda, presets};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

const SLOTS: usize = 8;
const START_SLOT: u64 = 50_000;
const START_TIME: i64 = 1_790_000_000;

/// One measured transaction.
#[derive(Serialize, Clone)]
pub struct Measurement {
    pub instruction: &'static str,
    pub case: &'static str,
    pub compute_units: u64,
    /// Accounts the transaction names (signers and program included).
    pub accounts: usize,
    /// Its serialized size as a legacy transaction, in bytes (limit 1232).
    pub transaction_bytes: usize,
    /// Its size as a v0 transaction through the protocol's lookup table,
    /// when the legacy one does not fit (how it was sent).
    pub v0_bytes: Option<usize>,
    /// The goal for this case, if it sets one.
    pub goal: Option<u64>,
}

struct Underlying {
    feed_id: [u8; 32],
    oracle: Pubkey,
    price: f64,
    mint: Pubkey,
    token_program: Pubkey,
}

struct Bench {
    env: Embedded,
    admin: Keypair,
    issuer: Keypair,
    slot: u64,
    underlyings: Vec<Underlying>,
    measurements: Vec<Measurement>,
    /// The protocol's accounts in a lookup table, for what does not fit a legacy transaction.
    tables: Tables,
}

impl Bench {
    /// Sends with the largest compute budget (the worst cases need more than
    /// the default 200,000); returns the units the transaction consumed
    /// (the budget instruction itself costs none).
    fn send(&mut self, instructions: &[Instruction], payer: &Keypair) -> Result<u64, Box<dyn Error>> {
        let tables = self.tables.tables.clone();
        match self.env.send_fitting(&budgeted(instructions), payer, &[], &tables) {
            Ok(meta) => Ok(meta.compute_units_consumed),
            Err(failure) => Err(format!("{:?}: {}", failure.err, failure.meta.logs.join("\n")).into()),
        }
    }

    /// Measures `instruction` in a new slot whose prints were posted but not
    /// yet read: every feed the instruction prices with is read from its
    /// oracle and its accumulator advanced in the measured instruction
    /// itself, as it is when nobody cranked before it.
    fn measure(
        &mut self,
        instruction: Instruction,
        payer: &Keypair,
        name: &'static str,
        case: &'static str,
        goal: Option<u64>,
    ) -> Result<(), Box<dyn Error>> {
        self.post_prices(1.0)?;
        self.measure_now(instruction, payer, name, case, goal)
    }

    /// Measures `instruction` in the current slot, as it is.
    fn measure_now(
        &mut self,
        instruction: Instruction,
        payer: &Keypair,
        name: &'static str,
        case: &'static str,
        goal: Option<u64>,
    ) -> Result<(), Box<dyn Error>> {
        let budgeted = budgeted(std::slice::from_ref(&instruction));
        let legacy = lookup_tables::measure(&self.env.sign(&budgeted, payer, &[], &[])?);
        let v0_bytes = (legacy.bytes > PACKET_BYTES)
            .then(|| self.env.sign(&budgeted, payer, &[], &self.tables.tables).map(|tx| lookup_tables::measure(&tx).bytes))
            .transpose()?;
        let compute_units = self.send(&[instruction], payer).map_err(|error| format!("{name} ({case}) failed: {error}"))?;
        self.measurements.push(Measurement {
            instruction: name,
            case,
            compute_units,
            accounts: legacy.locks,
            transaction_bytes: legacy.bytes,
            v0_bytes,
            goal,
        });
        Ok(())
    }

    fn admin(&self) -> Keypair {
        self.admin.insecure_clone()
    }

    /// Posts every price (times `factor`) one slot later, cranking nothing.
    fn post_prices(&mut self, factor: f64) -> Result<(), Box<dyn Error>> {
        self.slot += 1;
        let time = START_TIME + ((self.slot - START_SLOT) as f64 * 0.4) as i64;
        self.env.set_clock(self.slot, time);
        for underlying in &mut self.underlyings {
            underlying.price *= factor;
            let print = pyth_print(underlying.feed_id, underlying.price, underlying.price * 0.0005, time, self.slot);
            self.env.write_price_update(&underlying.oracle, &print);
        }
        Ok(())
    }

    /// [`Bench::post_prices`], then cranks every feed, market and collateral.
    fn move_prices(&mut self, factor: f64) -> Result<(), Box<dyn Error>> {
        self.post_prices(factor)?;
        let admin = self.admin();
        for index in 0..self.underlyings.len() {
            let underlying = &self.underlyings[index];
            let (oracle, feed_id, mint) = (underlying.oracle, underlying.feed_id, underlying.mint);
            let cranks = [ix::refresh_market(index as u16, &feed_id, &oracle), ix::refresh_collateral(&mint, &feed_id, &oracle)];
            self.send(&cranks, &admin)?;
        }
        Ok(())
    }

    fn trader(&mut self, deposits: &[(usize, f64)]) -> Result<(Keypair, Pubkey), Box<dyn Error>> {
        let trader = self.env.funded_keypair(10);
        self.send(&[ix::create_margin_account(&trader.pubkey(), 0)], &trader)?;
        let account = pda::margin_account(&trader.pubkey(), 0);
        for &(index, dollars) in deposits {
            let underlying = &self.underlyings[index];
            let (mint, token_program) = (underlying.mint, underlying.token_program);
            let amount = (dollars / underlying.price * 1e9) as u64;
            let wallet = self.env.create_token_account(&self.issuer, &mint, &trader.pubkey(), &token_program);
            self.env.mint_to(&self.issuer, &mint, &wallet, amount, &token_program);
            self.send(&[ix::deposit(&trader.pubkey(), &account, &mint, &token_program, &wallet, amount)], &trader)?;
        }
        Ok((trader, account))
    }

    fn margin(&self, account: &Pubkey) -> Result<MarginAccount, Box<dyn Error>> {
        Ok(self.env.load(account).ok_or("margin account missing")?)
    }

    /// Underlying `index`'s feed and the oracle account it reads.
    fn feed_and_oracle(&self, index: usize) -> Result<(Pubkey, Pubkey), Box<dyn Error>> {
        let feed = pda::feed(&self.underlyings[index].feed_id);
        Ok((feed, health::oracle_of(&self.env, &feed)?))
    }

    /// A market order for `dollars` of notional (negative sells), limit 10% away.
    fn order(&self, signer: &Keypair, account: &Pubkey, market: usize, dollars: f64) -> Result<Instruction, Box<dyn Error>> {
        let price = self.underlyings[market].price;
        let base = (dollars / price * 1e9) as i64;
        let limit = if base > 0 { price * 1.1 } else { price * 0.9 };
        let margin = self.margin(account)?;
        let accounts = health::health_accounts(&self.env, &margin, Some(market as u16), None)?;
        let feed = pda::feed(&self.underlyings[market].feed_id);
        let oracle = health::oracle_of(&self.env, &feed)?;
        Ok(ix::place_perp_order(&signer.pubkey(), account, market as u16, &feed, &oracle, base, (limit * 1e6) as u64, accounts))
    }
}

/// The instructions behind a compute-budget request for the most units.
fn budgeted(instructions: &[Instruction]) -> Vec<Instruction> {
    std::iter::once(ix::compute_unit_limit(ix::MAX_COMPUTE_UNITS)).chain(instructions.iter().cloned()).collect()
}

pub fn run() -> Result<Vec<Measurement>, Box<dyn Error>> {
    let mut env = Embedded::new()?;
    let admin = env.funded_keypair(1_000);
    env.set_upgrade_authority(&admin.pubkey());
    let issuer = env.funded_keypair(1_000);
    let quote_mint = env.create_mint(&issuer, &issuer.pubkey(), 6, &spl_token::ID);
    env.set_clock(START_SLOT, START_TIME);
    let mut bench =
        Bench { env, admin, issuer, slot: START_SLOT, underlyings: Vec::new(), measurements: Vec::new(), tables: Tables::default() };
    let admin = bench.admin();

    bench.send(&[ix::initialize_exchange(&admin.pubkey(), &quote_mint)], &admin)?;
    bench.send(&[ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &quote_mint, &spl_token::ID)], &admin)?;
    for index in 0..SLOTS {
        let token_program = if index % 2 == 0 { spl_token::ID } else { spl_token_2022::ID };
        let mint = bench.env.create_mint(&bench.issuer, &bench.issuer.pubkey(), 9, &token_program);
        let feed_id = [0x40 + index as u8; 32];
        let oracle = bench.env.new_keypair().pubkey();
        let price = 20.0 * (index + 1) as f64;
        bench.env.write_price_update(&oracle, &pyth_print(feed_id, price, price * 0.0005, START_TIME, START_SLOT));
        let name = *format!("BENCH{index}-PERP\0\0\0\0\0").as_bytes().first_chunk::<16>().expect("16 bytes");
        bench.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), feed_id, &oracle, 9, presets::feed_config())], &admin)?;
        bench.send(&[ix::refresh_feed(&feed_id, &oracle)], &admin)?;
        // The shipped estimator: robust σ_T with split time constants.
        bench.send(&[ix::set_feed_robust(&admin.pubkey(), &feed_id, presets::robust_feed_config())], &admin)?;
        bench.send(&[ix::list_collateral(&admin.pubkey(), &admin.pubkey(), &mint, &token_program, u64::MAX)], &admin)?;
        bench.send(&[ix::set_collateral_risk(&admin.pubkey(), &mint, &feed_id, presets::collateral_risk())], &admin)?;
        // Depth scaling on, at $15,000 of deposits: binding once the worst
        // case's traders have deposited, so it pays for every term.
        let ext = ix::set_collateral_risk_ext(&admin.pubkey(), &mint, &feed_id, presets::collateral_risk_ext(15_000_000_000));
        if index == 0 {
            bench.measure(ext, &admin, "set_collateral_risk_ext", "typical", None)?;
        } else {
            bench.send(&[ext], &admin)?;
        }
        let list = ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), index as u16, &feed_id, name, presets::market_risk());
        let skew_scale = (1_000_000.0 / price * 1e9) as u64;
        let trading = ix::set_market_trading(&admin.pubkey(), index as u16, &feed_id, presets::market_trading(skew_scale));
        bench.send(&[list], &admin)?;
        if index == 0 {
            bench.measure(trading, &admin, "set_market_trading", "typical", None)?;
        } else {
            bench.send(&[trading], &admin)?;
        }
        let ext = ix::set_market_risk_ext(&admin.pubkey(), index as u16, &feed_id, presets::market_risk_ext());
        if index == 0 {
            bench.measure(ext, &admin, "set_market_risk_ext", "typical", None)?;
        } else {
            bench.send(&[ext], &admin)?;
        }
        bench.underlyings.push(Underlying { feed_id, oracle, price, mint, token_program });
    }

    // Every protocol account in a lookup table, usable from the next slot.
    let addresses = lookup_tables::protocol_addresses(&bench.env);
    let mut tables = Tables::default();
    tables.ensure(&mut bench.env, &admin, &addresses)?;
    bench.tables = tables;

    // An LP funds the pool; its deposit and withdrawal value all 8 markets.
    let lp = bench.env.funded_keypair(10);
    let lp_wallet = bench.env.create_token_account(&bench.issuer, &quote_mint, &lp.pubkey(), &spl_token::ID);
    bench.env.mint_to(&bench.issuer, &quote_mint, &lp_wallet, 20_000_000_000_000, &spl_token::ID);
    bench.send(&[ix::open_lp_position(&lp.pubkey())], &lp)?;
    let pool = health::pool_accounts(&bench.env)?;
    let lp_in = ix::with_remaining(ix::lp_deposit(&lp.pubkey(), &quote_mint, &spl_token::ID, &lp_wallet, 10_000_000_000_000), pool.clone());
    bench.measure(lp_in, &lp, "lp_deposit", "into the empty pool, 8 markets, no open interest", None)?;
    let admin = bench.admin();
    bench.send(&[ix::set_lp_delay(&admin.pubkey(), 1)], &admin)?;

    // A typical trader: one collateral, one position, later bankrupted.
    let (typical, typical_account) = bench.trader(&[(0, 1_000.0)])?;
    let open = bench.order(&typical, &typical_account, 0, 10_000.0)?;
    bench.measure(open, &typical, "place_perp_order", "open, 1 collateral + 1 position", None)?;

    // The worst case: 8 collaterals and 8 positions.
    let every_collateral: Vec<(usize, f64)> = (0..SLOTS).map(|index| (index, 10_000.0)).collect();
    let (worst, worst_account) = bench.trader(&every_collateral)?;
    for market in 0..SLOTS - 1 {
        let order = bench.order(&worst, &worst_account, market, 60_000.0)?;
        bench.send(&[order], &worst)?;
    }
    let open = bench.order(&worst, &worst_account, SLOTS - 1, 60_000.0)?;
    bench.measure(open, &worst, "place_perp_order", "open the 8th position, 8 collaterals", Some(100_000))?;
    let increase = bench.order(&worst, &worst_account, 0, 1_000.0)?;
    bench.measure(increase, &worst, "place_perp_order", "increase, 8 collaterals + 8 positions", Some(100_000))?;
    let reduce = bench.order(&worst, &worst_account, 1, -1_000.0)?;
    bench.measure(reduce, &worst, "place_perp_order", "reduce, 8 collaterals + 8 positions", Some(100_000))?;
    let size = bench.margin(&worst_account)?.perps_in_use().find(|p| p.market_index == 2).map_or(0, |p| p.base_size);
    let margin = bench.margin(&worst_account)?;
    let accounts = health::health_accounts(&bench.env, &margin, Some(2), None)?;
    let (feed, oracle) = bench.feed_and_oracle(2)?;
    let close = ix::place_perp_order(&worst.pubkey(), &worst_account, 2, &feed, &oracle, -size, 0, accounts);
    bench.measure(close, &worst, "place_perp_order", "close, 8 collaterals + 8 positions", Some(100_000))?;
    let reopen = bench.order(&worst, &worst_account, 2, 60_000.0)?;
    bench.send(&[reopen], &worst)?;
    // A second worst-case account that keeps its quote debt (its fees), for
    // the collateral liquidation.
    let (indebted, indebted_account) = bench.trader(&every_collateral)?;
    for market in 0..SLOTS {
        let order = bench.order(&indebted, &indebted_account, market, 60_000.0)?;
        bench.send(&[order], &indebted)?;
    }

    let margin = bench.margin(&worst_account)?;
    let all = health::health_accounts(&bench.env, &margin, None, None)?;
    bench.measure(
        health::compute_health(&worst_account, all.clone()),
        &worst,
        "compute_health",
        "8 collaterals + 8 positions",
        Some(33_000),
    )?;
    let cranked = health::compute_health(&worst_account, all.clone());
    // The same after a crank brought every feed, market and collateral to a
    // new slot: what pricing costs once nothing is left to ingest or advance
    // (how Mango v4's health is measured).
    bench.move_prices(1.0)?;
    bench.measure_now(cranked, &worst, "compute_health", "8 collaterals + 8 positions, all cranked this slot", Some(33_000))?;
    // What the robust estimator costs: the same health with it off on every
    // feed (the baseline accumulator alone), then on again as shipped.
    let admin = bench.admin();
    let feed_ids: Vec<[u8; 32]> = bench.underlyings.iter().map(|u| u.feed_id).collect();
    for (robust, case) in [(RobustFeedConfig::default(), "off"), (presets::robust_feed_config(), "on")] {
        for feed_id in &feed_ids {
            bench.send(&[ix::set_feed_robust(&admin.pubkey(), feed_id, robust)], &admin)?;
        }
        if case == "off" {
            let health = health::compute_health(&worst_account, all.clone());
            bench.measure(health, &worst, "compute_health", "8 collaterals + 8 positions, robust σ_T off (baseline accumulator)", None)?;
        }
    }
    let underlying = &bench.underlyings[0];
    let (mint, token_program) = (underlying.mint, underlying.token_program);
    let wallet = bench.env.create_token_account(&bench.issuer, &mint, &worst.pubkey(), &token_program);
    let withdraw =
        ix::with_remaining(ix::withdraw(&worst.pubkey(), &worst_account, &mint, &token_program, &wallet, 1_000_000), all.clone());
    bench.measure(withdraw, &worst, "withdraw", "with health, 8 collaterals + 8 positions", None)?;
    let quote_wallet = bench.env.create_token_account(&bench.issuer, &quote_mint, &worst.pubkey(), &spl_token::ID);
    bench.env.mint_to(&bench.issuer, &quote_mint, &quote_wallet, 1_000_000_000, &spl_token::ID);
    let deposit = ix::deposit_quote(&worst.pubkey(), &worst_account, &quote_mint, &spl_token::ID, &quote_wallet, 1_000_000_000);
    bench.measure(deposit, &worst, "deposit_quote", "typical", None)?;
    let withdraw = ix::withdraw_quote(&worst.pubkey(), &worst_account, &quote_mint, &spl_token::ID, &quote_wallet, 1_000_000, all);
    bench.measure(withdraw, &worst, "withdraw_quote", "with health, 8 collaterals + 8 positions", None)?;
    let delegate = ix::set_delegate(&worst.pubkey(), &worst_account, &lp.pubkey());
    bench.measure(delegate, &worst, "set_delegate", "typical", None)?;

    // Prices fall 12% in two prints: the worst-case account becomes
    // liquidatable (not bankrupt); the typical one is wiped out.
    bench.move_prices(0.94)?;
    bench.move_prices(0.94)?;
    let keeper = bench.env.funded_keypair(10);
    bench.send(&[ix::create_margin_account(&keeper.pubkey(), 0)], &keeper)?;
    let keeper_account = pda::margin_account(&keeper.pubkey(), 0);
    let keeper_wallet = bench.env.create_token_account(&bench.issuer, &quote_mint, &keeper.pubkey(), &spl_token::ID);
    bench.env.mint_to(&bench.issuer, &quote_mint, &keeper_wallet, 1_000_000_000_000, &spl_token::ID);
    bench.send(
        &[ix::deposit_quote(&keeper.pubkey(), &keeper_account, &quote_mint, &spl_token::ID, &keeper_wallet, 1_000_000_000_000)],
        &keeper,
    )?;

    let margin = bench.margin(&indebted_account)?;
    let accounts = health::health_accounts(&bench.env, &margin, None, Some(1))?;
    let mint = bench.underlyings[1].mint;
    let (feed, oracle) = bench.feed_and_oracle(1)?;
    let seize = ix::liquidate_collateral(&keeper.pubkey(), &keeper_account, &indebted_account, &mint, &feed, &oracle, u64::MAX, accounts);
    bench.measure(seize, &keeper, "liquidate_collateral", "up to its debt, 8 collaterals + 8 positions", None)?;
    let margin = bench.margin(&worst_account)?;
    let accounts = health::health_accounts(&bench.env, &margin, Some(0), None)?;
    let (feed, oracle) = bench.feed_and_oracle(0)?;
    let liquidate = ix::liquidate_perp(&keeper.pubkey(), &keeper_account, &worst_account, 0, &feed, &oracle, 1_000_000_000, accounts);
    bench.measure(liquidate, &keeper, "liquidate_perp", "partial, 8 collaterals + 8 positions", Some(70_000))?;

    let margin = bench.margin(&typical_account)?;
    let accounts = health::health_accounts(&bench.env, &margin, Some(0), None)?;
    let liquidate = ix::liquidate_perp(&keeper.pubkey(), &keeper_account, &typical_account, 0, &feed, &oracle, u64::MAX, accounts);
    bench.measure(liquidate, &keeper, "liquidate_perp", "whole position, 1 collateral + 1 position", None)?;
    let margin = bench.margin(&typical_account)?;
    let accounts = health::health_accounts(&bench.env, &margin, None, Some(0))?;
    let mint = bench.underlyings[0].mint;
    let seize = ix::liquidate_collateral(&keeper.pubkey(), &keeper_account, &typical_account, &mint, &feed, &oracle, u64::MAX, accounts);
    bench.measure(seize, &keeper, "liquidate_collateral", "all of it, 1 collateral", None)?;
    bench.measure(ix::settle_bankruptcy(&typical_account), &keeper, "settle_bankruptcy", "typical", None)?;

    let pool = health::pool_accounts(&bench.env)?;
    let lp_out = ix::with_remaining(ix::lp_withdraw(&lp.pubkey(), &quote_mint, &spl_token::ID, &lp_wallet, 1_000_000_000), pool);
    bench.measure(lp_out, &lp, "lp_withdraw", "request, 8 markets with open interest", None)?;
    bench.post_prices(1.0)?;
    let pool = health::pool_accounts(&bench.env)?;
    let execute = ix::execute_lp_request(&lp.pubkey(), &quote_mint, &spl_token::ID, &lp_wallet, pool);
    bench.measure(execute, &lp, "execute_lp_request", "withdrawal, 8 markets with open interest", None)?;
    Ok(bench.measurements)
}

/// The worst-case table, markdown.
pub fn markdown(measurements: &[Measurement]) -> String {
    let mut out = String::from(
        "\n## Trading, liquidation and pool instructions\n\n\
         Measured by the same command on a second scenario: eight underlyings, each with a\n\
         Pyth feed, a collateral mint (alternately SPL Token and Token-2022) and a perp market\n\
         on that feed; a typical account (one collateral, one position) and the worst case the\n\
         account layout allows (8 collaterals + 8 positions, reading 8 assets, 8 markets and\n\
         8 feeds). CU is the whole transaction's. Unless the case says otherwise, every print\n\
         was posted in the measured slot and not yet read, so the instruction itself reads\n\
         each oracle, advances each feed's estimators and each level to the slot (the worst\n\
         case: nobody cranked first); \"all cranked this slot\" is health once a crank did that\n\
         (how Mango v4 measures its health: 3,350 CU per token and 4,800 per perp in its\n\
         regression tests). Goals: trades issue 5's; health and liquidation issue 15's.\n\
         A legacy transaction must fit 1,232 bytes; a case above it was sent as a v0 transaction\n\
         through a lookup table holding the protocol's accounts (`reflex_sdk::lookup_tables`),\n\
         whose size is given beside it. Accounts counts every account the transaction locks (limit 64).\n\n\
         | instruction | case | CU | goal | accounts | tx bytes |\n|---|---|---:|---:|---:|---:|\n",
    );
    for m in measurements {
        let goal = m.goal.map_or(String::new(), |goal| {
            let verdict = if m.compute_units < goal { "met" } else { "MISSED" };
            format!("< {goal} ({verdict})")
        });
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {}{} |\n",
            m.instruction,
            m.case,
            m.compute_units,
            goal,
            m.accounts,
            m.transaction_bytes,
            m.v0_bytes.map_or(String::new(), |bytes| format!(" (v0 with the lookup table: {bytes})"))
        ));
    }
    out
}
