//! The embedded demo: a short, real session against the SBF binary in LiteSVM.
use std::collections::BTreeMap;
use std::error::Error;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use reflex::state::FeedConfig;
use reflex::state::RiskLevel;
use reflex::state::{CollateralAsset, Exchange, MarginAccount, PerpMarket, PriceFeed};
use reflex_sdk::embedded::{self, Embedded};
use reflex_sdk::pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use reflex_sdk::{health, instructions as ix, pda, presets};
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[derive(Serialize)]
pub struct Report {
    pub program: ProgramInfo,
    pub steps: Vec<Step>,
    pub vaults: Vec<VaultRow>,
    pub accounts: Vec<AccountRow>,
    /// Every vault holds exactly what the margin accounts claim.
    pub conserved: bool,
}

#[derive(Serialize)]
pub struct ProgramInfo {
    pub path: String,
    pub bytes: usize,
    pub program_id: String,
}

#[derive(Serialize)]
pub struct Step {
    pub instruction: &'static str,
    pub description: String,
    /// `None` when the step was refused; `error` then says why.
    pub compute_units: Option<u64>,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub struct VaultRow {
    pub token: &'static str,
    pub token_program: &'static str,
    pub vault: String,
    pub vault_balance: f64,
    pub total_deposits: f64,
    pub claims: f64,
}

#[derive(Serialize)]
pub struct AccountRow {
    pub owner: &'static str,
    pub margin_account: String,
    /// Token symbol to balance in whole tokens.
    pub balances: BTreeMap<&'static str, f64>,
}

struct Token {
    symbol: &'static str,
    mint: Pubkey,
    program: Pubkey,
    decimals: u8,
}

impl Token {
    fn units(&self, whole: f64) -> u64 {
        (whole * 10f64.powi(self.decimals as i32)).round() as u64
    }
    fn whole(&self, units: u64) -> f64 {
        units as f64 / 10f64.powi(self.decimals as i32)
    }
    fn program_name(&self) -> &'static str {
        if self.program == spl_token_2022::ID {
            "Token-2022"
        } else {
            "SPL Token"
        }
    }
}

struct Session {
    env: Embedded,
    steps: Vec<Step>,
}

impl Session {
    /// Sends one instruction and records what happened. A refusal is recorded,
    /// not raised: the demo shows the program's errors too.
    fn step(&mut self, instruction: Instruction, name: &'static str, description: String, signer: &Keypair) -> bool {
        let result = self.env.send(&[instruction], signer, &[]);
        let (compute_units, error) = match &result {
            Ok(meta) => (Some(meta.compute_units_consumed), None),
            Err(failure) => {
                let message = failure
                    .meta
                    .logs
                    .iter()
                    .find_map(|line| line.split_once("Error Message: ").map(|(_, m)| m.to_string()))
                    .unwrap_or_else(|| format!("{:?}", failure.err));
                (None, Some(message))
            }
        };
        self.steps.push(Step { instruction: name, description, compute_units, error });
        result.is_ok()
    }
}

/// An illustrative Pyth feed id for SOL/USD on the embedded SVM.
const SOL_USD_FEED_ID: [u8; 32] = [0xef; 32];

/// A fully verified SOL/USD Pyth print, posted at `slot`.
fn sol_usd_print(price: f64, confidence: f64, publish_time: i64, slot: u64) -> PriceUpdateV2 {
    embedded::pyth_print(SOL_USD_FEED_ID, price, confidence, publish_time, slot)
}

pub fn run() -> Result<Report, Box<dyn Error>> {
    let program_bytes = embedded::load_program_binary()?.len();
    let mut session = Session { env: Embedded::new()?, steps: Vec::new() };
    let env = &mut session.env;
    let admin = env.funded_keypair(100);
    env.set_upgrade_authority(&admin.pubkey());
    let issuer = env.funded_keypair(100);

    let new_token = |env: &mut Embedded, symbol, program, decimals| Token {
        symbol,
        mint: env.create_mint(&issuer, &issuer.pubkey(), decimals, &program),
        program,
        decimals,
    };
    let tokens = [
        new_token(env, "USDC", spl_token::ID, 6),
        new_token(env, "wSOL", spl_token::ID, 9),
        new_token(env, "PYUSD", spl_token_2022::ID, 6),
    ];
    let (usdc, wsol, pyusd) = (&tokens[0], &tokens[1], &tokens[2]);

    session.step(
        ix::initialize_exchange(&admin.pubkey(), &usdc.mint),
        "initialize_exchange",
        "admin creates the exchange, quote token USDC".into(),
        &admin,
    );
    for token in &tokens {
        let cap = token.units(1_000_000.0);
        session.step(
            ix::list_collateral(&admin.pubkey(), &admin.pubkey(), &token.mint, &token.program, cap),
            "list_collateral",
            format!("list {} ({}) with its unified vault", token.symbol, token.program_name()),
            &admin,
        );
    }

    // The LP pool: the counterparty of future trades, funded by an LP.
    session.step(
        ix::initialize_pool(&admin.pubkey(), &admin.pubkey(), &usdc.mint, &usdc.program),
        "initialize_pool",
        "admin creates the LP pool's quote vault".into(),
        &admin,
    );
    let carol = session.env.funded_keypair(10);
    let carol_wallet = session.env.create_token_account(&issuer, &usdc.mint, &carol.pubkey(), &usdc.program);
    session.env.mint_to(&issuer, &usdc.mint, &carol_wallet, usdc.units(100_000.0), &usdc.program);
    session.step(ix::open_lp_position(&carol.pubkey()), "open_lp_position", "carol opens an LP position".into(), &carol);
    let lp_in = ix::lp_deposit(&carol.pubkey(), &usdc.mint, &usdc.program, &carol_wallet, usdc.units(50_000.0));
    session.step(lp_in, "lp_deposit", "carol deposits 50,000 USDC into the pool".into(), &carol);
    let lp_out = ix::lp_withdraw(&carol.pubkey(), &usdc.mint, &usdc.program, &carol_wallet, usdc.units(10_000.0));
    session.step(lp_out, "lp_withdraw", "carol asks to redeem 10,000 USDC worth of shares (paid after the pool's delay)".into(), &carol);

    let alice = session.env.funded_keypair(10);
    let bob = session.env.funded_keypair(10);
    let names = [("alice", &alice), ("bob", &bob)];
    let mut wallets = BTreeMap::new();
    for (name, trader) in names {
        session.step(
            ix::create_margin_account(&trader.pubkey(), 0),
            "create_margin_account",
            format!("{name} opens margin account 0"),
            trader,
        );
        for token in &tokens {
            let wallet = session.env.create_token_account(&issuer, &token.mint, &trader.pubkey(), &token.program);
            session.env.mint_to(&issuer, &token.mint, &wallet, token.units(10_000.0), &token.program);
            wallets.insert((name, token.symbol), wallet);
        }
    }
    let alice_account = pda::margin_account(&alice.pubkey(), 0);
    let bob_account = pda::margin_account(&bob.pubkey(), 0);

    let deposit = |session: &mut Session, name: &'static str, trader: &Keypair, account: &Pubkey, token: &Token, whole: f64| {
        let wallet = wallets[&(name, token.symbol)];
        let instruction = ix::deposit(&trader.pubkey(), account, &token.mint, &token.program, &wallet, token.units(whole));
        session.step(instruction, "deposit", format!("{name} deposits {whole} {}", token.symbol), trader);
    };
    deposit(&mut session, "alice", &alice, &alice_account, usdc, 5_000.0);
    deposit(&mut session, "alice", &alice, &alice_account, wsol, 20.0);
    deposit(&mut session, "bob", &bob, &bob_account, pyusd, 2_500.0);
    deposit(&mut session, "bob", &bob, &bob_account, wsol, 5.0);

    let withdraw = |session: &mut Session, name: &'static str, signer: &Keypair, account: &Pubkey, token: &Token, whole: f64| {
        let wallet = wallets[&(name, token.symbol)];
        let instruction = ix::withdraw(&signer.pubkey(), account, &token.mint, &token.program, &wallet, token.units(whole));
        session.step(instruction, "withdraw", format!("{name} withdraws {whole} {}", token.symbol), signer)
    };
    withdraw(&mut session, "alice", &alice, &alice_account, usdc, 1_000.0);
    withdraw(&mut session, "bob", &bob, &bob_account, pyusd, 2_500.0);
    // Refused on purpose: bob names alice's account; and alice asks for more than she has.
    withdraw(&mut session, "bob", &bob, &alice_account, wsol, 1.0);
    session.steps.last_mut().expect("step").description = "bob tries to withdraw 1 wSOL from alice's account".into();
    withdraw(&mut session, "alice", &alice, &alice_account, wsol, 25.0);

    // A SOL/USD price feed: the admin lists it, then a keeper cranks it
    // through a calm minute and a sharp drop, one Pyth print per slot.
    let oracle = session.env.new_keypair().pubkey();
    let keeper = session.env.funded_keypair(10);
    let (mut slot, mut now) = (5_000u64, 1_790_000_000i64);
    session.env.set_clock(slot, now);
    session.env.write_price_update(&oracle, &sol_usd_print(150.0, 0.05, now, slot));
    let list = ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD_FEED_ID, &oracle, wsol.decimals, presets::feed_config());
    session.step(list, "list_feed", "admin lists the SOL/USD feed (Pyth PriceUpdateV2)".into(), &admin);
    let tighter_feed = FeedConfig { max_age_seconds: 30, ..presets::feed_config() };
    let set_feed = ix::set_feed_config(&admin.pubkey(), &SOL_USD_FEED_ID, tighter_feed);
    session.step(set_feed, "set_feed_config", "admin tightens the SOL/USD feed's max age to 30 s".into(), &admin);
    let robust = ix::set_feed_robust(&admin.pubkey(), &SOL_USD_FEED_ID, presets::robust_feed_config());
    session.step(robust, "set_feed_robust", "admin turns on the calibrated robust σ_T with split time constants".into(), &admin);
    let set_risk = ix::set_collateral_risk(&admin.pubkey(), &wsol.mint, &SOL_USD_FEED_ID, presets::collateral_risk());
    session.step(set_risk, "set_collateral_risk", "admin sets wSOL haircut bounds (checked for solvency)".into(), &admin);
    let list_market =
        ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), 0, &SOL_USD_FEED_ID, *b"SOL-PERP\0\0\0\0\0\0\0\0", presets::market_risk());
    session.step(list_market, "list_perp_market", "admin lists SOL-PERP with margin bounds (checked for solvency)".into(), &admin);
    let collateral_ext = ix::set_collateral_risk_ext(&admin.pubkey(), &wsol.mint, &SOL_USD_FEED_ID, presets::collateral_risk_ext(0));
    session.step(
        collateral_ext,
        "set_collateral_risk_ext",
        "admin sets wSOL's gap allowance (checked against its haircut floor)".into(),
        &admin,
    );
    let market_ext = ix::set_market_risk_ext(&admin.pubkey(), 0, &SOL_USD_FEED_ID, presets::market_risk_ext());
    session.step(market_ext, "set_market_risk_ext", "admin sets SOL-PERP's gap allowance and open-interest scaling".into(), &admin);
    let prints = [
        (150.0, 0.05),
        (150.2, 0.05),
        (149.9, 0.06),
        (150.1, 0.05),
        (141.0, 0.4),
        (128.0, 0.9),
        (131.0, 0.5),
        (131.2, 0.2),
        (130.5, 0.2),
        (131.5, 0.2),
    ];
    for (i, (price, confidence)) in prints.into_iter().enumerate() {
        slot += 1;
        now += 1;
        session.env.set_clock(slot, now);
        session.env.write_price_update(&oracle, &sol_usd_print(price, confidence, now, slot));
        // The bare feed crank first, then the collateral crank (which refreshes
        // the feed and moves wSOL's haircuts), then the market crank (margins).
        let (instruction, name) = match i {
            0..=3 => (ix::refresh_feed(&SOL_USD_FEED_ID, &oracle), "refresh_feed"),
            4..=7 => (ix::refresh_collateral(&wsol.mint, &SOL_USD_FEED_ID, &oracle), "refresh_collateral"),
            _ => (ix::refresh_market(0, &SOL_USD_FEED_ID, &oracle), "refresh_market"),
        };
        if session.step(instruction, name, String::new(), &keeper) {
            let feed: PriceFeed = session.env.load(&pda::feed(&SOL_USD_FEED_ID)).ok_or("price feed missing")?;
            let sigma = feed.volatility_path()?;
            let percent = |x: reflex_risk::Fixed| x.to_num::<f64>() * 100.0;
            let detail = if name == "refresh_market" {
                let market: PerpMarket = session.env.load(&pda::market(0)).ok_or("market missing")?;
                let margins = market.margin_state();
                format!("SOL-PERP margin initial {:.1}% / maintenance {:.2}%", percent(margins.initial), percent(margins.maintenance))
            } else {
                let asset: CollateralAsset = session.env.load(&pda::collateral_asset(&wsol.mint)).ok_or("asset missing")?;
                let haircuts = asset.haircut_state();
                format!("wSOL haircut initial {:.1}% / maintenance {:.2}%", percent(haircuts.initial), percent(haircuts.maintenance))
            };
            session.steps.last_mut().expect("step").description =
                format!("SOL ${price:.2}: σ_T {:.2}% (initial) / {:.2}%, {detail}", percent(sigma.initial), percent(sigma.current));
        }
    }

    // Bob holds only wSOL now: its asset and feed are all his health needs.
    let margin: MarginAccount = session.env.load(&bob_account).ok_or("margin account missing")?;
    let bob_health = health::health_accounts(&session.env, &margin, None, None)?;
    if session.step(health::compute_health(&bob_account, bob_health), "compute_health", String::new(), &bob) {
        let margin: MarginAccount = session.env.load(&bob_account).ok_or("margin account missing")?;
        let summary = health::snapshot(&session.env, &margin)?.summary()?;
        let dollars = |x: reflex_risk::Fixed| x.to_num::<f64>() / 10f64.powi(usdc.decimals as i32);
        session.steps.last_mut().expect("step").description = format!(
            "bob's health: initial ${:.2}, maintenance ${:.2}, liquidation-end ${:.2}",
            dollars(summary.initial),
            dollars(summary.maintenance),
            dollars(summary.liquidation_end)
        );
    }

    // Two points on every floor and base of the listed (calibrated) curves.
    let mut tighter = presets::market_risk();
    for curve in [&mut tighter.margin.initial, &mut tighter.margin.maintenance] {
        curve.lower += 20_000;
        curve.base += 20_000;
    }
    let (initial, maintenance) = (tighter.margin.initial.lower as f64 / 1e4, tighter.margin.maintenance.lower as f64 / 1e4);
    let set_market = ix::set_market_risk(&admin.pubkey(), 0, &SOL_USD_FEED_ID, tighter);
    let raise =
        format!("admin raises SOL-PERP's margin floors and bases by 2 points, to {initial:.1}% / {maintenance:.1}% (applies at once)");
    session.step(set_market, "set_market_risk", raise, &admin);

    // Governance: a guardian that can only pause, and a two-step admin handover.
    let guardian = session.env.funded_keypair(10);
    session.step(ix::set_guardian(&admin.pubkey(), &guardian.pubkey()), "set_guardian", "admin names a guardian".into(), &admin);
    session.step(ix::pause(&guardian.pubkey()), "pause", "guardian pauses the exchange".into(), &guardian);
    deposit(&mut session, "bob", &bob, &bob_account, wsol, 1.0);
    session.steps.last_mut().expect("step").description = "bob deposits 1 wSOL while paused".into();
    session.step(ix::unpause(&guardian.pubkey()), "unpause", "guardian tries to unpause".into(), &guardian);
    session.step(ix::unpause(&admin.pubkey()), "unpause", "admin unpauses".into(), &admin);
    session.step(
        ix::set_market_reduce_only(&admin.pubkey(), 0, true),
        "set_market_reduce_only",
        "admin puts SOL-PERP in reduce-only".into(),
        &admin,
    );
    session.step(
        ix::set_exchange_reduce_only(&admin.pubkey(), false),
        "set_exchange_reduce_only",
        "admin confirms the exchange is not reduce-only".into(),
        &admin,
    );
    let steward = session.env.funded_keypair(10);
    // The study's calibrated step and spacing (sim/calibrated/policy.toml).
    let calibrated = reflex_sdk::steward::StewardSettings::calibrated();
    let (step, spacing) = (calibrated.step_ppm(), calibrated.spacing_slots);
    let name_steward = ix::set_risk_steward(&admin.pubkey(), &steward.pubkey(), step, spacing as u32);
    let named =
        format!("admin names a risk steward with the calibrated caps: ±{:.1} pp per step, {spacing} slots apart", step as f64 / 1e4);
    session.step(name_steward, "set_risk_steward", named, &admin);
    let base = tighter.margin.initial.base;
    let nudge = ix::steward_set_market_base(&steward.pubkey(), 0, &SOL_USD_FEED_ID, RiskLevel::Initial, base + step);
    let raise = format!("steward raises SOL-PERP's initial margin base {:.1}% -> {:.1}%", base as f64 / 1e4, (base + step) as f64 / 1e4);
    session.step(nudge, "steward_set_market_base", raise, &steward);
    let nudge = ix::steward_set_collateral_base(&steward.pubkey(), &wsol.mint, &SOL_USD_FEED_ID, RiskLevel::Maintenance, 65_000);
    session.step(nudge, "steward_set_collateral_base", "steward raises wSOL's maintenance haircut base 6% -> 6.5%".into(), &steward);
    let too_far = ix::steward_set_collateral_base(&steward.pubkey(), &wsol.mint, &SOL_USD_FEED_ID, RiskLevel::Initial, 120_000);
    session.step(too_far, "steward_set_collateral_base", "steward tries wSOL's initial base 10% -> 12%".into(), &steward);
    let successor = session.env.funded_keypair(10);
    session.step(ix::propose_admin(&admin.pubkey(), &successor.pubkey()), "propose_admin", "admin proposes a successor".into(), &admin);
    session.step(ix::accept_admin(&successor.pubkey()), "accept_admin", "successor accepts: the admin role has moved".into(), &successor);

    let env = &session.env;
    let exchange: Exchange = env.load(&pda::exchange()).ok_or("exchange account missing")?;
    let accounts = [("alice", alice_account), ("bob", bob_account)]
        .map(|(owner, address)| (owner, address, env.load::<MarginAccount>(&address).expect("margin account")));
    let mut vaults = Vec::new();
    for token in &tokens {
        let asset: CollateralAsset = env.load(&pda::collateral_asset(&token.mint)).ok_or("collateral asset missing")?;
        let claims: u64 = accounts.iter().map(|(_, _, account)| account.collateral_balance(asset.asset_index)).sum();
        vaults.push((token, asset.vault, env.token_balance(&asset.vault), asset.total_deposits, claims));
    }
    // The quote vault: the LP pool plus the insurance fund (no trades yet,
    // so no market has realised anything and no account holds quote).
    let pool_claims = (exchange.pool_balance.get() + exchange.insurance_fund.get()).to_num::<u64>();
    let pool_row = VaultRow {
        token: "USDC",
        token_program: "LP pool",
        vault: exchange.quote_vault.to_string(),
        vault_balance: usdc.whole(env.token_balance(&exchange.quote_vault)),
        total_deposits: usdc.whole(pool_claims),
        claims: usdc.whole(pool_claims),
    };
    let conserved = exchange.collateral_count as usize == tokens.len()
        && vaults.iter().all(|(_, _, balance, total, claims)| balance == total && total == claims)
        && env.token_balance(&exchange.quote_vault) == pool_claims;

    Ok(Report {
        program: ProgramInfo {
            path: embedded::program_path().display().to_string(),
            bytes: program_bytes,
            program_id: reflex::ID.to_string(),
        },
        steps: session.steps,
        vaults: vaults
            .into_iter()
            .map(|(token, vault, balance, total, claims)| VaultRow {
                token: token.symbol,
                token_program: token.program_name(),
                vault: vault.to_string(),
                vault_balance: token.whole(balance),
                total_deposits: token.whole(total),
                claims: token.whole(claims),
            })
            .chain(std::iter::once(pool_row))
            .collect(),
        accounts: accounts
            .iter()
            .map(|(owner, address, account)| AccountRow {
                owner,
                margin_account: address.to_string(),
                balances: tokens
                    .iter()
                    .map(|token| {
                        let asset: CollateralAsset = env.load(&pda::collateral_asset(&token.mint)).expect("asset");
                        (token.symbol, token.whole(account.collateral_balance(asset.asset_index)))
                    })
                    .collect(),
            })
            .collect(),
        conserved,
    })
}

impl Report {
    pub fn print_human(&self) {
        println!("Reflex demo on an embedded SVM");
        println!("  program {} ({} bytes, SBPF v3) at {}\n", self.program.path, self.program.bytes, self.program.program_id);
        println!("  {:<28} {:>7}  what happened", "instruction", "CU");
        for step in &self.steps {
            let cu = step.compute_units.map_or("-".to_string(), |cu| cu.to_string());
            match &step.error {
                None => println!("  {:<28} {:>7}  {}", step.instruction, cu, step.description),
                Some(error) => println!("  {:<28} {:>7}  {}: refused, \"{}\"", step.instruction, cu, step.description, error),
            }
        }
        println!("\n  {:<6} {:<11} {:>14} {:>14} {:>14}", "token", "program", "vault", "recorded", "claims");
        for row in &self.vaults {
            println!(
                "  {:<6} {:<11} {:>14.4} {:>14.4} {:>14.4}",
                row.token, row.token_program, row.vault_balance, row.total_deposits, row.claims
            );
        }
        println!();
        for account in &self.accounts {
            let balances: Vec<String> = account.balances.iter().map(|(symbol, amount)| format!("{amount} {symbol}")).collect();
            println!("  {:<6} {}  {}", account.owner, account.margin_account, balances.join(", "));
        }
        println!(
            "\n  token conservation (vault == recorded == sum of account claims): {}",
            if self.conserved { "holds" } else { "BROKEN" }
        );
    }

    /// Compute units per instruction over the successful steps: (min, max, samples).
    pub fn compute_units(&self) -> BTreeMap<&'static str, (u64, u64, usize)> {
        let mut table: BTreeMap<&'static str, (u64, u64, usize)> = BTreeMap::new();
        for step in &self.steps {
            if let Some(cu) = step.compute_units {
                let entry = table.entry(step.instruction).or_insert((u64::MAX, 0, 0));
                *entry = (entry.0.min(cu), entry.1.max(cu), entry.2 + 1);
            }
        }
        table
    }

    pub fn compute_units_markdown(&self) -> String {
        let mut out = String::from(
            "# Compute units per instruction\n\n\
             Measured by `reflex bench-cu` (`bash scripts/bench-cu.sh`): the SBF binary\n\
             `target/deploy/reflex.so` in LiteSVM, over the demo scenario (three mints, SPL Token\n\
             and Token-2022, two traders, a SOL/USD feed cranked through ten Pyth prints, wSOL haircuts and SOL-PERP margins following it). Whole-transaction CU, including the token-program CPIs.\n\
             Keys are derived deterministically, so PDA bump searches and the figures repeat\n\
             exactly from run to run; min and max differ by mint, token program and bump.\n\n\
             | instruction | min CU | max CU | samples |\n|---|---:|---:|---:|\n",
        );
        for (instruction, (min, max, samples)) in self.compute_units() {
            out.push_str(&format!("| `{instruction}` | {min} | {max} | {samples} |\n"));
        }
        out
    }
}
