//! Feeds reading the legacy Pyth price-account format on the SBF binary,
//! with accounts written in the real layout and owned by Pyth's oracle
//! program; the accumulator compared bit for bit with reflex-risk.
use anchor_lang::prelude::Pubkey;
use reflex::events::{FeedListed, FeedRefreshed};
use reflex::oracle::{pyth_legacy, OracleKind};
use reflex::state::PriceFeed;
use reflex_risk::price::{native_confidence, native_price};
use reflex_risk::VolatilityAccumulator;
use reflex_sdk::embedded::LegacyPrint;
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::oracle::feed_config;
use reflex_tests::*;
use solana_signer::Signer;

const START_SLOT: u64 = 7_000;
const START_TIME: i64 = 1_790_000_000;

fn print(price: i64, confidence: u64, timestamp: i64, slot: u64) -> LegacyPrint {
    LegacyPrint { price, confidence, exponent: -8, timestamp, publish_slot: slot, status: pyth_legacy::STATUS_TRADING }
}

struct Legacy {
    t: TestExchange,
    account: Pubkey,
    keeper: solana_keypair::Keypair,
}

impl Legacy {
    fn listed() -> Self {
        let mut t = TestExchange::new();
        let account = t.env.new_keypair().pubkey();
        let keeper = t.env.funded_keypair(10);
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_legacy_price_account(&account, &print(150_00000000, 5_000_000, START_TIME, START_SLOT));
        let admin = t.admin.insecure_clone();
        let result = t.send(&[ix::list_legacy_feed(&admin.pubkey(), &admin.pubkey(), &account, 9, feed_config())], &admin, &[]);
        assert_eq!(events::<FeedListed>(&result)[0].oracle_kind, OracleKind::PythLegacy);
        Legacy { t, account, keeper }
    }

    fn refresh(&mut self) -> litesvm::types::TransactionResult {
        let keeper = self.keeper.insecure_clone();
        self.t.send(&[ix::refresh_feed(&self.account.to_bytes(), &self.account)], &keeper, &[])
    }
}

#[test]
fn a_legacy_feed_runs_the_same_accumulator() {
    let mut feed = Legacy::listed();
    let config = feed_config().accumulator_config();
    let mut expected = VolatilityAccumulator::default();
    let (mut slot, mut now) = (START_SLOT, START_TIME);
    for (price, conf) in
        [(150_00000000i64, 5_000_000u64), (150_20000000, 5_000_000), (139_00000000, 30_000_000), (131_00000000, 60_000_000)]
    {
        slot += 1;
        now += 1;
        feed.t.env.set_clock(slot, now);
        feed.t.env.write_legacy_price_account(&feed.account, &print(price, conf, now, slot));
        assert_eq!(events::<FeedRefreshed>(&feed.refresh()).len(), 1);
        let native = native_price(price, -8, 9, 6).unwrap();
        expected.update(&config, native, native_confidence(conf, -8, 9, 6).unwrap(), slot).unwrap();
        let on_chain: PriceFeed = feed.t.env.load(&pda::feed(&feed.account.to_bytes())).unwrap();
        assert_eq!(on_chain.accumulator(), expected);
    }
}

#[test]
fn legacy_accounts_are_checked() {
    let mut feed = Legacy::listed();
    feed.t.env.set_clock(START_SLOT + 1, START_TIME + 1);
    // Halted product.
    let mut halted = print(150_00000000, 5_000_000, START_TIME + 1, START_SLOT + 1);
    halted.status = 2;
    feed.t.env.write_legacy_price_account(&feed.account, &halted);
    assert_error(&feed.refresh(), ReflexError::OracleNotTrading);
    // Not a price account (wrong magic).
    feed.t.env.write_legacy_price_account(&feed.account, &print(150_00000000, 5_000_000, START_TIME + 1, START_SLOT + 1));
    let mut account = feed.t.env.svm.get_account(&feed.account).unwrap();
    account.data[0] ^= 0xff;
    feed.t.env.svm.set_account(feed.account, account.clone()).unwrap();
    assert_error(&feed.refresh(), ReflexError::InvalidOracleAccount);
    // Right bytes, wrong owner.
    account.data[0] ^= 0xff;
    account.owner = pyth_solana_receiver_sdk::ID;
    feed.t.env.svm.set_account(feed.account, account).unwrap();
    assert_error(&feed.refresh(), ReflexError::WrongOracleOwner);
}

#[test]
fn a_legacy_feed_id_is_the_price_accounts_address() {
    let mut t = TestExchange::new();
    let account = t.env.new_keypair().pubkey();
    t.env.set_clock(START_SLOT, START_TIME);
    t.env.write_legacy_price_account(&account, &print(150_00000000, 5_000_000, START_TIME, START_SLOT));
    let admin = t.admin.insecure_clone();
    // Claim another id for this account.
    let mut list = ix::list_legacy_feed(&admin.pubkey(), &admin.pubkey(), &account, 9, feed_config());
    let other = t.env.new_keypair().pubkey();
    let instruction = reflex::instruction::ListFeed {
        feed_id: other.to_bytes(),
        base_decimals: 9,
        oracle_kind: OracleKind::PythLegacy,
        config: feed_config(),
    };
    list.data = anchor_lang::InstructionData::data(&instruction);
    list.accounts[3].pubkey = pda::feed(&other.to_bytes());
    assert_error(&t.send(&[list], &admin, &[]), ReflexError::WrongFeedId);
}
