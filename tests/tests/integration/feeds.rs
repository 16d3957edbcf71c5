//! list_feed and refresh_feed on the SBF binary, with real Pyth
//! `PriceUpdateV2` accounts (real owner, real layout) along price paths, the
//! on-chain accumulator compared bit for bit with reflex-risk off-chain.
use anchor_lang::prelude::Pubkey;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};
use reflex::events::{FeedListed, FeedRefreshed};
use reflex::state::FeedConfig;
use reflex::state::PriceFeed;
use reflex_risk::price::{native_confidence, native_price};
use reflex_risk::{AccumulatorConfig, VolatilityAccumulator};
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::oracle::{feed_config as config, price_update, EXPONENT, SOL_USD};
use reflex_tests::*;
use solana_signer::Signer;

const SOL_DECIMALS: u8 = 9;
const START_SLOT: u64 = 1_000;
const START_TIME: i64 = 1_790_000_000;

/// An exchange with a SOL/USD feed listed, its oracle account holding a
/// $150 print at START_SLOT / START_TIME.
struct Feed {
    t: TestExchange,
    oracle: Pubkey,
    keeper: solana_keypair::Keypair,
}

impl Feed {
    fn listed() -> Self {
        let mut t = TestExchange::new();
        let oracle = t.env.new_keypair().pubkey();
        let keeper = t.env.funded_keypair(10);
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_price_update(&oracle, &price_update(SOL_USD, 150_00000000, 5_000_000, START_TIME, START_SLOT, VerificationLevel::Full));
        let admin = t.admin.insecure_clone();
        let list = ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, SOL_DECIMALS, config());
        t.send(&[list], &admin, &[]).expect("list_feed");
        Feed { t, oracle, keeper }
    }

    /// Posts a fully verified print published `now` and moves the clock there.
    fn post(&mut self, slot: u64, now: i64, price: i64, conf: u64) {
        self.t.env.set_clock(slot, now);
        let update = price_update(SOL_USD, price, conf, now, slot, VerificationLevel::Full);
        self.t.env.write_price_update(&self.oracle, &update);
    }

    fn refresh(&mut self) -> litesvm::types::TransactionResult {
        let keeper = self.keeper.insecure_clone();
        self.t.send(&[ix::refresh_feed(&SOL_USD, &self.oracle)], &keeper, &[])
    }

    fn state(&self) -> PriceFeed {
        self.t.env.load(&pda::feed(&SOL_USD)).expect("price feed")
    }
}

fn accumulator_config() -> AccumulatorConfig {
    config().accumulator_config()
}

#[test]
fn list_feed_records_its_settings() {
    let mut t = TestExchange::new();
    let oracle = t.env.new_keypair().pubkey();
    t.env.set_clock(START_SLOT, START_TIME);
    t.env.write_price_update(&oracle, &price_update(SOL_USD, 150_00000000, 5_000_000, START_TIME, START_SLOT, VerificationLevel::Full));
    let admin = t.admin.insecure_clone();
    let result = t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, SOL_DECIMALS, config())], &admin, &[]);
    let listed = events::<FeedListed>(&result);
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].feed_id, listed[0].oracle, listed[0].config), (SOL_USD, oracle, config()));

    let feed: PriceFeed = t.env.load(&pda::feed(&SOL_USD)).unwrap();
    assert_eq!(feed.oracle, oracle);
    assert_eq!(feed.accumulator_config(), accumulator_config());
    assert_eq!((feed.base_decimals, feed.quote_decimals, feed.updates), (SOL_DECIMALS, 6, 0));
    assert_eq!(t.exchange().listed_feeds(), &[SOL_USD]);
}

#[test]
fn the_accumulator_on_chain_equals_reflex_risk_off_chain() {
    let mut feed = Feed::listed();
    let config = accumulator_config();
    let mut expected = VolatilityAccumulator::default();
    // Calm, a crash (one print beyond the return clamp), a gap, recovery.
    let path: [(u64, i64, i64, u64); 12] = [
        (0, 0, 150_00000000, 5_000_000),
        (1, 1, 150_10000000, 5_000_000),
        (1, 0, 149_95000000, 4_000_000),
        (2, 1, 150_02000000, 6_000_000),
        (1, 1, 140_00000000, 40_000_000),
        (1, 0, 118_00000000, 90_000_000),
        (1, 1, 95_00000000, 150_000_000),
        (3, 1, 97_50000000, 80_000_000),
        (25_000, 10, 99_00000000, 20_000_000),
        (1, 1, 101_00000000, 10_000_000),
        (10_000_000, 40, 120_00000000, 10_000_000),
        (1, 0, 120_01000000, 10_000_000),
    ];
    let (mut slot, mut now) = (START_SLOT, START_TIME);
    for (dt_slots, dt_seconds, price, conf) in path {
        slot += dt_slots;
        now += dt_seconds;
        feed.post(slot, now, price, conf);
        let result = feed.refresh();
        let refreshed = events::<FeedRefreshed>(&result);
        assert_eq!(refreshed.len(), 1, "a newer print in a new slot is accepted");

        let native = native_price(price, EXPONENT, SOL_DECIMALS, 6).unwrap();
        let confidence = native_confidence(conf, EXPONENT, SOL_DECIMALS, 6).unwrap();
        expected.update(&config, native, confidence, slot).unwrap();
        let on_chain = feed.state();
        assert_eq!(on_chain.accumulator(), expected, "accumulator at slot {slot}");
        assert_eq!(on_chain.last_confidence.get(), confidence);
        assert_eq!(refreshed[0].price, native.to_bits());
        assert_eq!(
            (refreshed[0].fast_variance, refreshed[0].slow_variance),
            (expected.fast_variance.to_bits(), expected.slow_variance.to_bits())
        );
    }
}

#[test]
fn a_second_refresh_in_the_same_slot_changes_nothing() {
    let mut feed = Feed::listed();
    feed.refresh().expect("first refresh");
    let before = feed.t.env.svm.get_account(&pda::feed(&SOL_USD)).unwrap().data;
    // A new print in the same slot: still at most one update per slot.
    feed.post(START_SLOT, START_TIME + 1, 151_00000000, 5_000_000);
    let result = feed.refresh();
    assert!(events::<FeedRefreshed>(&result).is_empty());
    assert_eq!(feed.t.env.svm.get_account(&pda::feed(&SOL_USD)).unwrap().data, before);
}

#[test]
fn an_old_print_in_a_new_slot_changes_nothing() {
    let mut feed = Feed::listed();
    feed.refresh().expect("first refresh");
    let before = feed.state().accumulator();
    // Next slot, but the oracle account still holds the same print.
    feed.t.env.set_clock(START_SLOT + 1, START_TIME + 1);
    let result = feed.refresh();
    assert!(events::<FeedRefreshed>(&result).is_empty());
    assert_eq!(feed.state().accumulator(), before);
}

#[test]
fn prints_are_graded() {
    let mut feed = Feed::listed();
    assert_eq!(events::<FeedRefreshed>(&feed.refresh())[0].grade, 2, "fresh, tight: valid");
    // Published 61 s before the clock: past max_age (60), within the liquidation age (300).
    feed.post(START_SLOT + 1, START_TIME + 100, 150_50000000, 5_000_000);
    feed.t.env.set_clock(START_SLOT + 1, START_TIME + 161);
    assert_eq!(events::<FeedRefreshed>(&feed.refresh())[0].grade, 1, "61 seconds old: liquidations only");
    // A 20% move since the last accepted print (cap 10%): accepted, liquidations only.
    feed.post(START_SLOT + 2, START_TIME + 162, 180_60000000, 5_000_000);
    assert_eq!(events::<FeedRefreshed>(&feed.refresh())[0].grade, 1, "a move beyond the cap: liquidations only");
    feed.post(START_SLOT + 3, START_TIME + 163, 181_00000000, 5_000_000);
    assert_eq!(events::<FeedRefreshed>(&feed.refresh())[0].grade, 2);
}

#[test]
fn guards_refuse_unusable_prints() {
    let mut feed = Feed::listed();
    let oracle = feed.oracle;
    let refresh_with = |feed: &mut Feed, update: PriceUpdateV2, now: i64| {
        feed.t.env.set_clock(START_SLOT + 1, now);
        feed.t.env.write_price_update(&oracle, &update);
        feed.refresh()
    };
    let fresh = START_TIME + 10;
    // Older than the liquidation age.
    let stale = price_update(SOL_USD, 150_00000000, 5_000_000, fresh - 301, START_SLOT, VerificationLevel::Full);
    assert_error(&refresh_with(&mut feed, stale, fresh), ReflexError::StalePrice);
    // Confidence 3% of price (cap 2%).
    let wide = price_update(SOL_USD, 150_00000000, 450_000_000, fresh, START_SLOT, VerificationLevel::Full);
    assert_error(&refresh_with(&mut feed, wide, fresh), ReflexError::ConfidenceTooWide);
    // Partially verified Wormhole signatures.
    let partial = price_update(SOL_USD, 150_00000000, 5_000_000, fresh, START_SLOT, VerificationLevel::Partial { num_signatures: 5 });
    assert_error(&refresh_with(&mut feed, partial, fresh), ReflexError::UnverifiedPriceUpdate);
    // Another feed's price in the account.
    let other_feed = price_update([0x11; 32], 150_00000000, 5_000_000, fresh, START_SLOT, VerificationLevel::Full);
    assert_error(&refresh_with(&mut feed, other_feed, fresh), ReflexError::WrongFeedId);
    // A zero price.
    let zero = price_update(SOL_USD, 0, 0, fresh, START_SLOT, VerificationLevel::Full);
    assert_error(&refresh_with(&mut feed, zero, fresh), ReflexError::InvalidOraclePrice);
    assert_eq!(feed.state().updates, 0, "nothing was accepted");
}

#[test]
fn the_oracle_account_must_be_the_feeds_and_the_receivers() {
    let mut feed = Feed::listed();
    let keeper = feed.keeper.insecure_clone();
    // A different, perfectly valid PriceUpdateV2 account for the same feed id.
    let impostor = feed.t.env.new_keypair().pubkey();
    feed.t.env.write_price_update(&impostor, &price_update(SOL_USD, 10_00000000, 5_000, START_TIME, START_SLOT, VerificationLevel::Full));
    assert_error(&feed.t.send(&[ix::refresh_feed(&SOL_USD, &impostor)], &keeper, &[]), ReflexError::WrongOracleAccount);

    // The right address, but the account is owned by another program.
    let mut account = feed.t.env.svm.get_account(&feed.oracle).unwrap();
    account.owner = reflex::ID;
    feed.t.env.svm.set_account(feed.oracle, account).unwrap();
    assert_error(&feed.refresh(), ReflexError::WrongOracleOwner);
}

#[test]
fn listing_is_guarded() {
    let mut t = TestExchange::new();
    let oracle = t.env.new_keypair().pubkey();
    t.env.set_clock(START_SLOT, START_TIME);
    t.env.write_price_update(&oracle, &price_update(SOL_USD, 150_00000000, 5_000_000, START_TIME, START_SLOT, VerificationLevel::Full));
    let admin = t.admin.insecure_clone();
    let list = |admin: &Pubkey, config: FeedConfig| ix::list_feed(admin, admin, SOL_USD, &oracle, SOL_DECIMALS, config);

    let intruder = t.env.funded_keypair(10);
    assert_error(&t.send(&[list(&intruder.pubkey(), config())], &intruder, &[]), ReflexError::NotAdmin);
    let backwards = FeedConfig { max_liquidation_age_seconds: 30, ..config() };
    assert_error(&t.send(&[list(&admin.pubkey(), backwards)], &admin, &[]), ReflexError::InvalidFeedConfig);
    let slow_is_fast = FeedConfig { slow_half_life_slots: 100, ..config() };
    assert_error(&t.send(&[list(&admin.pubkey(), slow_is_fast)], &admin, &[]), ReflexError::InvalidAccumulatorConfig);
    let no_horizon = FeedConfig { horizon_slots: 0, ..config() };
    assert_error(&t.send(&[list(&admin.pubkey(), no_horizon)], &admin, &[]), ReflexError::InvalidAccumulatorConfig);
    // The oracle account must be a verified PriceUpdateV2 of this feed id.
    let wrong_id = ix::list_feed(&admin.pubkey(), &admin.pubkey(), [0x22; 32], &oracle, SOL_DECIMALS, config());
    assert_error(&t.send(&[wrong_id], &admin, &[]), ReflexError::WrongFeedId);

    t.send(&[list(&admin.pubkey(), config())], &admin, &[]).expect("list");
    assert_error(&t.send(&[list(&admin.pubkey(), config())], &admin, &[]), ReflexError::FeedAlreadyListed);
}

#[test]
fn governance_changes_feed_settings_with_old_and_new_values() {
    use reflex::events::FeedConfigSet;
    let mut feed = Feed::listed();
    feed.refresh().expect("first refresh");
    let admin = feed.t.admin.insecure_clone();
    let stricter = FeedConfig { max_age_seconds: 5, ..config() };

    let intruder = feed.t.env.funded_keypair(10);
    assert_error(&feed.t.send(&[ix::set_feed_config(&intruder.pubkey(), &SOL_USD, stricter)], &intruder, &[]), ReflexError::NotAdmin);
    let broken = FeedConfig { fast_half_life_slots: 0, ..config() };
    assert_error(
        &feed.t.send(&[ix::set_feed_config(&admin.pubkey(), &SOL_USD, broken)], &admin, &[]),
        ReflexError::InvalidAccumulatorConfig,
    );

    let result = feed.t.send(&[ix::set_feed_config(&admin.pubkey(), &SOL_USD, stricter)], &admin, &[]);
    let set = events::<FeedConfigSet>(&result);
    assert_eq!((set[0].old, set[0].new), (config(), stricter));
    assert_eq!(feed.state().config, stricter);
    // A print 10 s old was valid under max_age 60; under 5 it is for liquidations only.
    feed.post(START_SLOT + 1, START_TIME + 10, 150_10000000, 5_000_000);
    feed.t.env.set_clock(START_SLOT + 1, START_TIME + 20);
    assert_eq!(events::<FeedRefreshed>(&feed.refresh())[0].grade, 1);
}
