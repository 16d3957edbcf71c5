//! The cadence-robust estimator with split time constants on the SBF
//! binary (`set_feed_robust`, the feed's second layout, `migrate_feed`):
//! the on-chain state and `σ_T` equal `reflex_risk::mechanism::robust`
//! off-chain bit for bit along a path; a crash posted in small steps
//! counts as much as one print once the cell closes; initial margin
//! follows the fast `σ_T` while maintenance follows the slow one; settings
//! are checked against the feed's half-lives; a feed of the first layout
//! is refused by name until migrated, then prices as before.
use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use reflex::error::ReflexError;
use reflex::events::{FeedMigrated, FeedRobustSet};
use reflex::state::{PerpMarket, PriceFeed, RobustFeedConfig};
use reflex_risk::mechanism::RobustVolatility;
use reflex_sdk::presets::{feed_config, market_risk, robust_feed_config};
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::oracle::{price_update, SOL_USD};
use reflex_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

const START_SLOT: u64 = 150_000;
const START_TIME: i64 = 1_790_000_000;

/// SOL/USD listed with a $150 print at START_SLOT, refreshed once; SOL-PERP on it.
struct Feed {
    t: TestExchange,
    oracle: Pubkey,
    keeper: Keypair,
    slot: u64,
    now: i64,
}

impl Feed {
    fn listed() -> Self {
        let mut t = TestExchange::new();
        let oracle = t.env.new_keypair().pubkey();
        let keeper = t.env.funded_keypair(10);
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_price_update(&oracle, &price_update(SOL_USD, 150_00000000, 7_500_000, START_TIME, START_SLOT, VerificationLevel::Full));
        let admin = t.admin.insecure_clone();
        let list = ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, 9, feed_config());
        let market = ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), 0, &SOL_USD, *b"SOL-PERP\0\0\0\0\0\0\0\0", market_risk());
        t.send(&[list, ix::refresh_feed(&SOL_USD, &oracle), market], &admin, &[]).expect("list");
        Feed { t, oracle, keeper, slot: START_SLOT, now: START_TIME }
    }

    fn set_robust(&mut self, config: RobustFeedConfig) -> litesvm::types::TransactionResult {
        let admin = self.t.admin.insecure_clone();
        self.t.send(&[ix::set_feed_robust(&admin.pubkey(), &SOL_USD, config)], &admin, &[])
    }

    /// A print of `price` dollars `slots` later (a second per 2.5 slots), refreshed with the market.
    fn print(&mut self, slots: u64, price: f64) {
        self.slot += slots;
        self.now += (slots as i64 * 2 / 5).max(1);
        self.t.env.set_clock(self.slot, self.now);
        let update =
            price_update(SOL_USD, (price * 1e8) as i64, (price * 0.0005 * 1e8) as u64, self.now, self.slot, VerificationLevel::Full);
        self.t.env.write_price_update(&self.oracle, &update);
        let keeper = self.keeper.insecure_clone();
        self.t.send(&[ix::refresh_market(0, &SOL_USD, &self.oracle)], &keeper, &[]).expect("refresh_market");
    }

    fn feed(&self) -> PriceFeed {
        self.t.env.load(&pda::feed(&SOL_USD)).expect("feed")
    }

    fn market(&self) -> PerpMarket {
        self.t.env.load(&pda::market(0)).expect("market")
    }
}

#[test]
fn the_robust_estimator_on_chain_equals_reflex_risk_off_chain() {
    let mut f = Feed::listed();
    let before = f.feed();
    let set = f.set_robust(robust_feed_config());
    let event = &events::<FeedRobustSet>(&set)[0];
    assert_eq!((event.old, event.new), (RobustFeedConfig::default(), robust_feed_config()));
    let feed = f.feed();
    let settings = feed.robust_settings();
    // Turned on with history: it starts from the baseline accumulator's.
    let mut expected = reflex::state::RobustFeedState::seeded_from(&before.accumulator());
    assert_eq!(feed.robust.get(), expected);
    assert_eq!((expected.updates, expected.anchor_price), (1, before.last_price.get()));
    let seeded = expected.sigma(&settings).unwrap();
    assert_eq!((feed.volatility_path().unwrap().initial, feed.volatility_path().unwrap().current), (seeded.initial, seeded.maintenance));

    // Prints inside cells and across them, a crash, a gap of hours, recovery.
    let path: [(u64, f64); 14] = [
        (1, 150.1),
        (40, 149.9),
        (120, 150.3),
        (150, 149.0),
        (3, 140.0),
        (1, 131.0),
        (2, 122.0),
        (150, 118.0),
        (300, 121.0),
        (9_000, 126.0),
        (1, 126.2),
        (151, 127.0),
        (75, 126.5),
        (200_000, 140.0),
    ];
    for (slots, price) in path {
        f.print(slots, price);
        let feed = f.feed();
        expected.update(&settings, feed.last_price.get(), feed.last_confidence.get(), f.slot).unwrap();
        assert_eq!(feed.robust.get(), expected, "robust state at slot {}", f.slot);
        let sigma = expected.sigma(&settings).unwrap();
        let path = feed.volatility_path().unwrap();
        assert_eq!((path.initial, path.current), (sigma.initial, sigma.maintenance), "σ_T at slot {}", f.slot);
        assert!(path.initial >= path.current);
        // The market moved toward the curves' targets for the two values.
        let market = f.market();
        assert_eq!((market.margin_initial_volatility.get(), market.margin_volatility.get()), (sigma.initial, sigma.maintenance));
    }
}

#[test]
fn a_crash_posted_in_small_steps_counts_as_much_as_one_print() {
    let mut one = Feed::listed();
    one.set_robust(robust_feed_config()).expect("on");
    // Start at a cell boundary so the steps below stay inside one cell.
    let to_boundary = 150 - one.slot % 150;
    one.print(to_boundary, 150.0);
    let mut steps = Feed { t: one.t.fork(), oracle: one.oracle, keeper: one.keeper.insecure_clone(), slot: one.slot, now: one.now };
    // -10% in one print, or in ten prints a slot apart, within the same cell.
    one.print(10, 135.0);
    for i in 1..=10 {
        steps.print(1, 150.0 * (1.0 - 0.01 * i as f64));
    }
    // The cell closes: one more print at the same price in the next.
    one.print(150, 135.0);
    steps.print(150, 135.0);
    let (a, b) = (one.feed().robust.get(), steps.feed().robust.get());
    // The same sample, however the move was posted (only the confidence
    // average saw more prints: the same ratio each time, up to rounding).
    let variances = |r: &RobustVolatility| {
        (r.initial_variance, r.fast_variance, r.slow_variance, r.long_variance, r.anchor_price, r.previous_anchor_price)
    };
    assert_eq!(variances(&a), variances(&b));
    let (sigma_a, sigma_b) = (one.feed().volatility_path().unwrap().current, steps.feed().volatility_path().unwrap().current);
    assert!((sigma_a - sigma_b).abs() < reflex_risk::Fixed::from_num(1e-9), "{sigma_a} vs {sigma_b}");
    assert!(sigma_a > Feed::listed().feed().volatility_path().unwrap().current * 5, "the crash is seen: {sigma_a}");
}

#[test]
fn initial_margin_follows_the_fast_sigma_and_maintenance_the_slow_one() {
    let mut f = Feed::listed();
    f.set_robust(robust_feed_config()).expect("on");
    let curve = f.market().risk.margin.to_config();
    // Minutes of ±2.7% swings that end where they began: no range term,
    // so what shows is the diffusive part, the five-minute variance first.
    for price in [146.0, 150.0, 146.0, 150.0, 146.0, 150.0, 150.0] {
        f.print(150, price);
    }
    let path = f.feed().volatility_path().unwrap();
    assert!(path.initial > path.current, "after the swings the five-minute σ_T leads: {} vs {}", path.initial, path.current);
    let market = f.market();
    // Initial tightens at once to its target at the fast σ_T; maintenance walks at the slew toward the slow one's.
    assert_eq!(market.initial_margin_ratio.get(), curve.initial.target(path.initial));
    assert!(market.maintenance_margin_ratio.get() <= curve.maintenance.target(path.current));

    // Without the split both follow σ_maint: initial's target drops, and it loosens only at the slew.
    let held = market.initial_margin_ratio.get();
    f.set_robust(RobustFeedConfig { split: 0, ..robust_feed_config() }).expect("split off");
    f.print(1, 150.0);
    let path = f.feed().volatility_path().unwrap();
    assert_eq!(path.initial, path.current);
    let loosened = f.market().initial_margin_ratio.get();
    assert!(
        loosened < held && loosened >= curve.initial.target(path.current),
        "{loosened} between the old level {held} and the new target"
    );
}

#[test]
fn robust_settings_are_checked_against_the_feed() {
    let mut f = Feed::listed();
    let preset = robust_feed_config();
    let refused = |f: &mut Feed, config: RobustFeedConfig| assert_error(&f.set_robust(config), ReflexError::InvalidRobustConfig);
    refused(&mut f, RobustFeedConfig { initial_half_life_slots: feed_config().fast_half_life_slots + 1, ..preset });
    refused(&mut f, RobustFeedConfig { long_half_life_slots: feed_config().slow_half_life_slots - 1, ..preset });
    refused(&mut f, RobustFeedConfig { confidence_half_life_slots: 0, ..preset });
    refused(&mut f, RobustFeedConfig { split: 2, ..preset });
    // A grid or a confidence average slower than the initial half-life, no range term, or more than all of it.
    refused(&mut f, RobustFeedConfig { grid_slots: preset.initial_half_life_slots + 1, ..preset });
    refused(&mut f, RobustFeedConfig { confidence_half_life_slots: preset.initial_half_life_slots + 1, ..preset });
    refused(&mut f, RobustFeedConfig { range_weight_ppm: 0, ..preset });
    refused(&mut f, RobustFeedConfig { range_weight_ppm: 1_000_001, ..preset });
    refused(&mut f, RobustFeedConfig { grid_slots: 0, ..preset });
    let stranger = f.t.env.funded_keypair(10);
    let result = f.t.send(&[ix::set_feed_robust(&stranger.pubkey(), &SOL_USD, preset)], &stranger, &[]);
    assert_error(&result, ReflexError::NotAdmin);

    f.set_robust(preset).expect("on");
    // A feed setting that would put the robust half-lives out of order is refused.
    let admin = f.t.admin.insecure_clone();
    let faster = reflex::state::FeedConfig { fast_half_life_slots: preset.initial_half_life_slots - 1, ..feed_config() };
    assert_error(&f.t.send(&[ix::set_feed_config(&admin.pubkey(), &SOL_USD, faster)], &admin, &[]), ReflexError::InvalidRobustConfig);

    // Off: the state is cleared and the baseline accumulator prices again.
    f.set_robust(RobustFeedConfig::default()).expect("off");
    let feed = f.feed();
    assert_eq!(feed.robust.get(), RobustVolatility::default());
    assert_eq!(feed.volatility_path().unwrap().current, feed.accumulator().risk_volatility(&feed.accumulator_config()).unwrap());
}

#[test]
fn a_first_layout_feed_is_refused_until_migrated_then_prices_as_before() {
    let mut f = Feed::listed();
    assert_eq!((PriceFeed::V1_SPACE, PriceFeed::SPACE), (440, 696), "the first layout's size, and the current one's");
    let address = pda::feed(&SOL_USD);
    let current = f.t.env.svm.get_account(&address).unwrap();
    // The feed as the first layout stored it: the same bytes, without the appended space.
    let mut v1 = current.clone();
    v1.data.truncate(PriceFeed::V1_SPACE);
    f.t.env.svm.set_account(address, v1.clone()).unwrap();
    let keeper = f.keeper.insecure_clone();
    let refused = f.t.send(&[ix::refresh_feed(&SOL_USD, &f.oracle)], &keeper, &[]);
    assert_eq!(custom_error_code(&refused), Some(anchor_lang::error::ErrorCode::AccountDidNotDeserialize as u32));

    let payer = f.t.env.funded_keypair(1);
    let migrated = f.t.send(&[ix::migrate_feed(&payer.pubkey(), &SOL_USD)], &payer, &[]);
    let event = &events::<FeedMigrated>(&migrated)[0];
    assert_eq!((event.old_space, event.new_space), (440, 696));
    let grown = f.t.env.svm.get_account(&address).unwrap();
    assert_eq!(&grown.data[..PriceFeed::V1_SPACE], &v1.data[..], "nothing of the first layout moved");
    assert!(grown.data[PriceFeed::V1_SPACE..].iter().all(|b| *b == 0), "the appended space is zero: robust off");
    assert!(grown.lamports >= f.t.env.svm.minimum_balance_for_rent_exemption(PriceFeed::SPACE));
    f.print(1, 150.5);
    assert_eq!(f.feed().updates, 2, "prices again");

    assert_error(&f.t.send(&[ix::migrate_feed(&payer.pubkey(), &SOL_USD)], &payer, &[]), ReflexError::FeedAlreadyMigrated);
    // Only a Reflex feed grows: not another of its accounts, not a foreign one.
    let mut not_a_feed = ix::migrate_feed(&payer.pubkey(), &SOL_USD);
    not_a_feed.accounts[1].pubkey = pda::market(0);
    assert_error(&f.t.send(&[not_a_feed], &payer, &[]), ReflexError::NotAFirstLayoutFeed);
    let mut foreign = ix::migrate_feed(&payer.pubkey(), &SOL_USD);
    foreign.accounts[1].pubkey = f.oracle;
    assert_error(&f.t.send(&[foreign], &payer, &[]), ReflexError::NotAFirstLayoutFeed);
    assert_eq!(PriceFeed::DISCRIMINATOR, &grown.data[..8]);
}
