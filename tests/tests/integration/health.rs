//! compute_health on the SBF binary: the program values a margin account from
//! validated collateral assets and feeds, and the SDK's off-chain replica
//! (same accounts, same risk crate) gives the same numbers to the bit.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use reflex::events::HealthComputed;
use reflex::state::CollateralAsset;
use reflex_sdk::{health, instructions as ix, pda, presets};
use reflex_tests::oracle::sol_usd_print;
use reflex_tests::*;
use solana_signer::Signer;

const BTC_USD: [u8; 32] = [0xb7; 32];
const START_SLOT: u64 = 9_000;
const START_TIME: i64 = 1_790_000_000;

/// wSOL and wBTC listed with feeds and haircut risk; a trader holding both.
struct Setup {
    t: TestExchange,
    trader: Trader,
    assets: [(Pubkey, [u8; 32], Pubkey); 2], // (mint, feed id, oracle)
}

impl Setup {
    fn new() -> Self {
        let mut t = TestExchange::new();
        t.env.set_clock(START_SLOT, START_TIME);
        let admin = t.admin.insecure_clone();
        let trader = t.new_trader();
        let mut assets = Vec::new();
        for (feed_id, price, decimals, amount) in
            [(reflex_tests::oracle::SOL_USD, 150.0, 9u8, 20_000_000_000u64), (BTC_USD, 60_000.0, 8u8, 5_000_000u64)]
        {
            let mint = t.listed_mint(decimals, &SPL_TOKEN);
            let oracle = t.env.new_keypair().pubkey();
            let mut print = sol_usd_print(price, price * 0.0005, START_TIME, START_SLOT);
            print.price_message.feed_id = feed_id;
            t.env.write_price_update(&oracle, &print);
            t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), feed_id, &oracle, decimals, presets::feed_config())], &admin, &[])
                .unwrap();
            t.send(&[ix::refresh_feed(&feed_id, &oracle)], &admin, &[]).unwrap();
            t.send(&[ix::set_collateral_risk(&admin.pubkey(), &mint, &feed_id, presets::collateral_risk())], &admin, &[]).unwrap();
            let wallet = t.token_account_with(&trader.keypair.pubkey(), &mint, &SPL_TOKEN, amount);
            t.deposit(&trader, &mint, &SPL_TOKEN, &wallet, amount).unwrap();
            assets.push((mint, feed_id, oracle));
        }
        Setup { t, trader, assets: [assets[0], assets[1]] }
    }

    /// The health accounts in the program's order: assets, then each feed
    /// followed by its oracle account.
    fn health_accounts(&self) -> Vec<Pubkey> {
        let assets = self.assets.iter().map(|(mint, _, _)| pda::collateral_asset(mint));
        let feeds = self.assets.iter().flat_map(|(_, feed_id, oracle)| [pda::feed(feed_id), *oracle]);
        assets.chain(feeds).collect()
    }

    /// `compute_health` with `accounts`, every one writable (oracles too:
    /// the program only reads them).
    fn compute(&mut self, accounts: &[Pubkey]) -> litesvm::types::TransactionResult {
        let metas = accounts.iter().map(|key| AccountMeta::new(*key, false)).collect();
        self.compute_with(metas)
    }

    fn compute_with(&mut self, metas: Vec<AccountMeta>) -> litesvm::types::TransactionResult {
        let payer = self.trader.keypair.insecure_clone();
        self.t.send(&[health::compute_health(&self.trader.margin_account, metas)], &payer, &[])
    }
}

#[test]
fn program_and_sdk_agree_on_health_to_the_bit() {
    let mut s = Setup::new();
    let margin = s.t.margin_account(&s.trader.margin_account);
    let sdk_accounts: Vec<Pubkey> =
        health::health_accounts(&s.t.env, &margin, None, None).unwrap().iter().map(|meta| meta.pubkey).collect();
    assert_eq!(sdk_accounts, s.health_accounts(), "the SDK gathers the accounts in the program's order");
    let metas = health::health_accounts(&s.t.env, &margin, None, None).unwrap();
    let result = s.compute_with(metas);
    let computed = events::<HealthComputed>(&result);

    let summary = health::snapshot(&s.t.env, &margin).unwrap().summary().unwrap();
    let decoded: Vec<CollateralAsset> = s.assets.iter().map(|(mint, _, _)| s.t.collateral_asset(mint)).collect();
    assert_eq!(
        (computed[0].initial, computed[0].maintenance, computed[0].liquidation_end),
        (summary.initial.to_bits(), summary.maintenance.to_bits(), summary.liquidation_end.to_bits())
    );
    // 20 SOL at $150 and 0.05 BTC at $60,000, $3,000 each, at their live maintenance haircuts.
    let expected: f64 = decoded.iter().map(|asset| 3_000.0 * (1.0 - asset.maintenance_haircut.get().to_num::<f64>())).sum();
    let maintenance_dollars = summary.maintenance.to_num::<f64>() / 1e6;
    assert!((maintenance_dollars - expected).abs() < 0.01, "{maintenance_dollars} vs {expected}");
    assert!(summary.initial < summary.maintenance && summary.liquidation_end < summary.maintenance);
}

#[test]
fn health_accounts_are_validated() {
    let mut s = Setup::new();
    let [asset0, asset1, feed0, oracle0, feed1, oracle1] = s.health_accounts()[..] else { unreachable!() };
    // Too few accounts, assets out of slot order, a feed missing, a feed without its oracle.
    assert_error(&s.compute(&[asset0]), ReflexError::WrongHealthAccounts);
    assert_error(&s.compute(&[asset1, asset0, feed0, oracle0, feed1, oracle1]), ReflexError::WrongHealthAccounts);
    assert_error(&s.compute(&[asset0, asset1, feed1, oracle1]), ReflexError::WrongFeed);
    assert_error(&s.compute(&[asset0, asset1, feed0, oracle0, feed1]), ReflexError::WrongHealthAccounts);
    // A feed with another feed's oracle: the caller cannot choose the print.
    assert_error(&s.compute(&[asset0, asset1, feed0, oracle1, feed1, oracle1]), ReflexError::WrongOracleAccount);
    // A feed where an asset belongs.
    assert_error(&s.compute(&[feed0, asset1, feed0, oracle0, feed1, oracle1]), anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch);
    // A feed listed twice: refused by name, not by a failed borrow.
    let twice = s.compute(&[asset0, asset1, feed0, oracle0, feed1, oracle1, feed0, oracle0]);
    assert_error(&twice, ReflexError::WrongHealthAccounts);
    assert!(twice.as_ref().unwrap_err().meta.logs.iter().any(|line| line.contains("is listed twice")), "{twice:?}");
    // An account of another program where an asset belongs, or in place of a feed.
    let stranger = s.t.env.new_keypair().pubkey();
    s.t.env.svm.airdrop(&stranger, 1_000_000).unwrap();
    assert_error(
        &s.compute(&[stranger, asset1, feed0, oracle0, feed1, oracle1]),
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram,
    );
    assert_error(
        &s.compute(&[asset0, asset1, stranger, oracle0, feed1, oracle1]),
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram,
    );
    // Feeds are brought to this slot, so they must be writable.
    let mut read_only: Vec<AccountMeta> = s.health_accounts().iter().map(|key| AccountMeta::new(*key, false)).collect();
    read_only[2].is_writable = false;
    assert_error(&s.compute_with(read_only), anchor_lang::error::ErrorCode::AccountNotMutable);
    s.compute(&[asset0, asset1, feed1, oracle1, feed0, oracle0]).expect("feeds may come in any order");
}
