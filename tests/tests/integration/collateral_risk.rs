//! Live haircuts on a collateral asset (DESIGN.md section 5) on the SBF
//! binary: governance bounds checked by the risk crate, and haircuts that
//! follow the feed's volatility: initial at once, maintenance at the slew
//! rate, calm loosening them at the loosening rate. On-chain values are
//! compared bit for bit with reflex-risk off-chain.
use anchor_lang::prelude::Pubkey;
use reflex::events::{CollateralHaircutsUpdated, CollateralRiskSet};
use reflex::state::FeedConfig;
use reflex::state::{CollateralRiskPpm, PriceFeed};
use reflex_risk::price::{native_confidence, native_price};
use reflex_risk::{FeedbackState, Fixed, VolatilityAccumulator};
use reflex_sdk::presets::collateral_risk;
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::oracle::{dollars, feed_config, sol_usd_print, SOL_USD};
use reflex_tests::*;
use solana_signer::Signer;

const START_SLOT: u64 = 2_000;
const START_TIME: i64 = 1_790_000_000;

/// wSOL listed as collateral with a SOL/USD feed, its haircut risk set.
struct Setup {
    t: TestExchange,
    mint: Pubkey,
    oracle: Pubkey,
    keeper: solana_keypair::Keypair,
    slot: u64,
    now: i64,
}

impl Setup {
    fn new() -> Self {
        Self::with_feed(feed_config())
    }

    fn with_feed(feed: FeedConfig) -> Self {
        let mut t = TestExchange::new();
        let mint = t.listed_mint(9, &SPL_TOKEN);
        let oracle = t.env.new_keypair().pubkey();
        let keeper = t.env.funded_keypair(10);
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_price_update(&oracle, &sol_usd_print(150.0, 0.05, START_TIME, START_SLOT));
        let admin = t.admin.insecure_clone();
        t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, 9, feed)], &admin, &[]).expect("list_feed");
        Setup { t, mint, oracle, keeper, slot: START_SLOT, now: START_TIME }
    }

    fn set_risk(&mut self, risk: CollateralRiskPpm) -> litesvm::types::TransactionResult {
        let admin = self.t.admin.insecure_clone();
        self.t.send(&[ix::set_collateral_risk(&admin.pubkey(), &self.mint, &SOL_USD, risk)], &admin, &[])
    }

    /// Advances `slots` slots and a second, posts a print and cranks the collateral.
    fn crank(&mut self, slots: u64, price: f64, confidence: f64) -> litesvm::types::TransactionResult {
        self.slot += slots;
        self.now += 1;
        self.t.env.set_clock(self.slot, self.now);
        self.t.env.write_price_update(&self.oracle, &sol_usd_print(price, confidence, self.now, self.slot));
        let keeper = self.keeper.insecure_clone();
        self.t.send(&[ix::refresh_collateral(&self.mint, &SOL_USD, &self.oracle)], &keeper, &[])
    }

    fn haircuts(&self) -> FeedbackState {
        self.t.collateral_asset(&self.mint).haircut_state()
    }
}

#[test]
fn haircuts_follow_volatility_exactly_as_the_risk_crate_says() {
    let mut s = Setup::new();
    s.set_risk(collateral_risk()).expect("set_collateral_risk");
    let config = collateral_risk().to_config().haircut;
    let feed_settings = feed_config().accumulator_config();
    let mut accumulator = VolatilityAccumulator::default();
    let mut expected = FeedbackState::new(&config, Fixed::ZERO, START_SLOT);
    assert_eq!(s.haircuts(), expected, "starts at the calm targets");

    // Calm, a 25% crash over four slots, then a long calm.
    let path =
        [(1, 150.0), (1, 150.2), (1, 149.9), (1, 140.0), (1, 126.0), (1, 118.0), (1, 112.5), (1, 113.0), (20_000, 114.0), (200_000, 115.0)];
    for (slots, price) in path {
        let before = s.haircuts();
        let result = s.crank(slots, price, 0.05);
        let updated = events::<CollateralHaircutsUpdated>(&result);
        assert_eq!(updated.len(), 1);

        let native = native_price(dollars(price), -8, 9, 6).unwrap();
        let confidence = native_confidence(dollars(0.05) as u64, -8, 9, 6).unwrap();
        accumulator.update(&feed_settings, native, confidence, s.slot).unwrap();
        let sigma = accumulator.risk_volatility(&feed_settings).unwrap();
        // The crank took a print in this slot; σ_T before it held since the last one.
        expected.advance(&config, accumulator.volatility_path(&feed_settings).unwrap(), s.slot);
        let after = s.haircuts();
        assert_eq!(after, expected, "haircuts at slot {}", s.slot);
        assert_eq!((updated[0].initial_haircut, updated[0].maintenance_haircut), (after.initial.to_bits(), after.maintenance.to_bits()));

        // The rules themselves, on the on-chain values.
        let elapsed = Fixed::from_num(slots);
        assert!(after.initial >= config.initial.target(sigma), "initial tightens at once");
        assert!(after.maintenance <= before.maintenance + config.tighten_per_slot * elapsed, "maintenance rises at most at the slew rate");
        assert!(after.maintenance <= after.initial);
        assert!(config.maintenance.lower <= after.maintenance && after.initial <= config.initial.upper);
    }
    // The crash raised initial above maintenance's slewed climb; the long calm brought both back down.
    let feed: PriceFeed = s.t.env.load(&pda::feed(&SOL_USD)).unwrap();
    assert_eq!(feed.accumulator(), accumulator);
}

#[test]
fn a_spike_raises_initial_in_the_same_slot_and_maintenance_only_at_the_slew_rate() {
    let mut s = Setup::new();
    s.set_risk(collateral_risk()).unwrap();
    s.crank(1, 150.0, 0.05).unwrap();
    let calm = s.haircuts();
    s.crank(1, 125.0, 0.05).unwrap(); // a 17% drop in one slot
    let spiked = s.haircuts();
    let config = collateral_risk().to_config().haircut;
    assert!(spiked.initial > calm.initial + Fixed::from_num(0.05), "initial jumped: {} -> {}", calm.initial, spiked.initial);
    assert_eq!(spiked.maintenance, calm.maintenance + config.tighten_per_slot, "maintenance moved exactly one slot's worth");
}

#[test]
fn calm_loosens_at_the_loosening_rate() {
    // Half-lives of a few slots, so volatility (and the targets) fall back
    // long before the haircuts may: the loosening rate is what binds.
    let mut s = Setup::with_feed(FeedConfig { fast_half_life_slots: 5, slow_half_life_slots: 10, ..feed_config() });
    s.set_risk(collateral_risk()).unwrap();
    s.crank(1, 150.0, 0.05).unwrap();
    s.crank(1, 125.0, 0.05).unwrap(); // spike
    s.crank(400, 125.5, 0.05).unwrap(); // maintenance climbs while volatility decays
    let high = s.haircuts();
    s.crank(300, 125.6, 0.05).unwrap(); // calm: targets back near base
    let later = s.haircuts();
    let config = collateral_risk().to_config().haircut;
    let fall = config.loosen_per_slot * Fixed::from_num(300);
    let calm_sigma = Fixed::from_num(0.001);
    assert!(config.initial.target(calm_sigma) < high.initial - fall, "the target is further down than one step");
    assert_eq!(later.initial, high.initial - fall, "initial fell exactly 300 slots' worth");
    // Maintenance falls by the same step, or to its (volatility-dependent) target if that is closer.
    let feed: PriceFeed = s.t.env.load(&pda::feed(&SOL_USD)).unwrap();
    let sigma = feed.accumulator().risk_volatility(&feed.accumulator_config()).unwrap();
    assert_eq!(later.maintenance, (high.maintenance - fall).max(config.maintenance.target(sigma)).min(later.initial));
}

#[test]
fn only_the_admin_sets_risk_and_only_consistent_bounds() {
    let mut s = Setup::new();
    let intruder = s.t.env.funded_keypair(10);
    let set = ix::set_collateral_risk(&intruder.pubkey(), &s.mint, &SOL_USD, collateral_risk());
    assert_error(&s.t.send(&[set], &intruder, &[]), ReflexError::NotAdmin);

    let mut lower_above_upper = collateral_risk();
    lower_above_upper.haircut.maintenance.lower = 500_000;
    let mut discount_eats_buffer = collateral_risk();
    discount_eats_buffer.liquidation_discount = 20_000;
    let mut move_not_covered = collateral_risk();
    move_not_covered.max_move_over_horizon = 55_000;
    let mut initial_below_maintenance = collateral_risk();
    initial_below_maintenance.haircut.initial.sensitivity = 1_000_000;
    let mut frozen = collateral_risk();
    frozen.haircut.tighten_per_slot = 0;
    for (name, bad) in [
        ("lower above upper", lower_above_upper),
        ("discount not below the buffer", discount_eats_buffer),
        ("horizon move not covered", move_not_covered),
        ("initial below maintenance", initial_below_maintenance),
        ("zero slew rate", frozen),
    ] {
        let result = s.set_risk(bad);
        assert_error(&result, ReflexError::InconsistentBounds);
        let logs = result.unwrap_err().meta.logs.join("\n");
        assert!(logs.contains("rejected bounds"), "{name}: the log names the reason");
    }
    assert_eq!(s.t.collateral_asset(&s.mint).risk_configured, 0, "nothing took effect");

    let result = s.set_risk(collateral_risk());
    let set = events::<CollateralRiskSet>(&result);
    assert_eq!((set[0].old, set[0].new), (CollateralRiskPpm::default(), collateral_risk()), "the event carries old and new values");
}

#[test]
fn refresh_needs_configured_risk_and_the_collaterals_own_feed() {
    let mut s = Setup::new();
    assert_error(&s.crank(1, 150.0, 0.05), ReflexError::CollateralRiskNotConfigured);
    s.set_risk(collateral_risk()).unwrap();

    // A second feed, listed but not this collateral's.
    let other_id = [0x44; 32];
    let other_oracle = s.t.env.new_keypair().pubkey();
    let mut other_print = sol_usd_print(1.0, 0.001, s.now, s.slot);
    other_print.price_message.feed_id = other_id;
    s.t.env.write_price_update(&other_oracle, &other_print);
    let admin = s.t.admin.insecure_clone();
    s.t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), other_id, &other_oracle, 6, feed_config())], &admin, &[]).unwrap();
    let keeper = s.keeper.insecure_clone();
    let wrong = ix::refresh_collateral(&s.mint, &other_id, &other_oracle);
    assert_error(&s.t.send(&[wrong], &keeper, &[]), ReflexError::WrongFeed);
}
