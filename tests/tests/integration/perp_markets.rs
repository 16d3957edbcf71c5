//! Perp markets and their live margin ratios on the SBF binary: listing with
//! bounds checked by the risk crate, margins that follow the feed's
//! volatility (bit for bit with reflex-risk), governance changes with old and
//! new values, and the guards.
use anchor_lang::prelude::Pubkey;
use reflex::events::{MarketMarginsUpdated, MarketRiskSet, PerpMarketListed};
use reflex::state::{MarketRiskPpm, PerpMarket, PriceFeed};
use reflex_risk::{FeedbackState, Fixed, VolatilityPath};
use reflex_sdk::presets::market_risk;
use reflex_sdk::{instructions as ix, pda};
use reflex_tests::oracle::{feed_config, sol_usd_print, SOL_USD};
use reflex_tests::*;
use solana_signer::Signer;

const START_SLOT: u64 = 3_000;
const START_TIME: i64 = 1_790_000_000;
const SOL_PERP: [u8; 16] = *b"SOL-PERP\0\0\0\0\0\0\0\0";

struct Setup {
    t: TestExchange,
    oracle: Pubkey,
    keeper: solana_keypair::Keypair,
    slot: u64,
    now: i64,
}

impl Setup {
    /// An exchange with the SOL/USD feed listed and cranked once.
    fn new() -> Self {
        let mut t = TestExchange::new();
        let oracle = t.env.new_keypair().pubkey();
        let keeper = t.env.funded_keypair(10);
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_price_update(&oracle, &sol_usd_print(150.0, 0.05, START_TIME, START_SLOT));
        let admin = t.admin.insecure_clone();
        t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, 9, feed_config())], &admin, &[]).unwrap();
        t.send(&[ix::refresh_feed(&SOL_USD, &oracle)], &keeper.insecure_clone(), &[]).unwrap();
        Setup { t, oracle, keeper, slot: START_SLOT, now: START_TIME }
    }

    fn list(&mut self, index: u16, risk: MarketRiskPpm) -> litesvm::types::TransactionResult {
        let admin = self.t.admin.insecure_clone();
        self.t.send(&[ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), index, &SOL_USD, SOL_PERP, risk)], &admin, &[])
    }

    fn crank(&mut self, slots: u64, price: f64) -> litesvm::types::TransactionResult {
        self.slot += slots;
        self.now += 1;
        self.t.env.set_clock(self.slot, self.now);
        self.t.env.write_price_update(&self.oracle, &sol_usd_print(price, 0.05, self.now, self.slot));
        let keeper = self.keeper.insecure_clone();
        self.t.send(&[ix::refresh_market(0, &SOL_USD, &self.oracle)], &keeper, &[])
    }

    fn market(&self, index: u16) -> PerpMarket {
        self.t.env.load(&pda::market(index)).expect("perp market")
    }

    fn feed(&self) -> PriceFeed {
        self.t.env.load(&pda::feed(&SOL_USD)).unwrap()
    }

    fn sigma(&self) -> Fixed {
        let feed = self.feed();
        feed.accumulator().risk_volatility(&feed.accumulator_config()).unwrap()
    }
}

#[test]
fn lists_markets_in_order_with_margins_at_their_targets() {
    let mut s = Setup::new();
    let result = s.list(0, market_risk());
    let listed = events::<PerpMarketListed>(&result);
    assert_eq!((listed[0].market_index, listed[0].name, listed[0].risk), (0, SOL_PERP, market_risk()));
    let market = s.market(0);
    assert_eq!((market.feed, market.market_index), (pda::feed(&SOL_USD), 0));
    let expected = FeedbackState::new(&market_risk().to_config().margin, s.sigma(), START_SLOT);
    assert_eq!(market.margin_state(), expected);

    s.list(1, market_risk()).expect("a second market on the same feed");
    assert_eq!(s.market(1).market_index, 1);
    assert_eq!(s.t.exchange().market_count, 2);
    // The next index is the only one that can be created, and only at its own address.
    assert_error(&s.list(5, market_risk()), ReflexError::WrongMarketIndex);
    let admin = s.t.admin.insecure_clone();
    let mut elsewhere = ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), 2, &SOL_USD, SOL_PERP, market_risk());
    let market = elsewhere.accounts.iter().position(|meta| meta.pubkey == pda::market(2)).expect("the market account");
    elsewhere.accounts[market].pubkey = pda::market(5);
    assert_error(&s.t.send(&[elsewhere], &admin, &[]), anchor_lang::error::ErrorCode::ConstraintSeeds);
}

#[test]
fn margins_follow_volatility_exactly_as_the_risk_crate_says() {
    let mut s = Setup::new();
    s.list(0, market_risk()).unwrap();
    let config = market_risk().to_config().margin;
    let mut expected = s.market(0).margin_state();
    let mut last_print = s.feed().last_slot;
    for (slots, price) in [(1, 150.1), (1, 149.8), (1, 138.0), (1, 121.0), (1, 124.0), (60, 125.0), (5_000, 126.0), (300_000, 127.0)] {
        let before = s.market(0).margin_state();
        let result = s.crank(slots, price);
        let updated = events::<MarketMarginsUpdated>(&result);
        let sigma = s.sigma();
        // The crank took a print in this slot; σ_T before it held since the last one.
        expected.advance(&config, VolatilityPath { current: sigma, initial: sigma, since: s.slot, previous_since: last_print }, s.slot);
        last_print = s.slot;
        let after = s.market(0).margin_state();
        assert_eq!(after, expected, "margins at slot {}", s.slot);
        assert_eq!(updated[0].initial_margin_ratio, after.initial.to_bits());
        assert!(after.initial >= config.initial.target(sigma), "initial tightens at once");
        assert!(after.maintenance <= before.maintenance + config.tighten_per_slot * Fixed::from_num(slots));
        assert!(after.maintenance <= after.initial);
    }
}

#[test]
fn a_spike_blocks_new_leverage_at_once_but_moves_maintenance_one_slot_at_a_time() {
    let mut s = Setup::new();
    s.list(0, market_risk()).unwrap();
    s.crank(1, 150.0).unwrap();
    let calm = s.market(0).margin_state();
    s.crank(1, 120.0).unwrap();
    let spiked = s.market(0).margin_state();
    let config = market_risk().to_config().margin;
    assert!(spiked.initial > calm.initial * 2, "initial margin more than doubled in the spike slot");
    assert_eq!(spiked.maintenance, calm.maintenance + config.tighten_per_slot);
}

/// Raised bounds tighten initial at once but move maintenance into them
/// only through the slew, slot by slot, like a volatility spike would.
#[test]
fn governance_changes_carry_old_and_new_values_and_move_maintenance_through_the_slew() {
    let mut s = Setup::new();
    s.list(0, market_risk()).unwrap();
    let before = s.market(0).margin_state();
    // Floors a point (maintenance) and three points (initial) above the listed ones.
    let mut tighter = market_risk();
    tighter.margin.maintenance.lower += 10_000;
    tighter.margin.initial.lower += 30_000;
    let (new_initial, new_maintenance) = (tighter.margin.initial.to_curve().lower, tighter.margin.maintenance.to_curve().lower);
    let admin = s.t.admin.insecure_clone();
    let result = s.t.send(&[ix::set_market_risk(&admin.pubkey(), 0, &SOL_USD, tighter)], &admin, &[]);
    let set = events::<MarketRiskSet>(&result);
    assert_eq!((set[0].old, set[0].new), (market_risk(), tighter));
    let market = s.market(0);
    assert_eq!(market.risk, tighter);
    assert!(market.margin_state().initial >= new_initial, "initial tightens at once");
    assert!(before.maintenance < new_maintenance, "the test needs maintenance below the new lower bound");
    assert_eq!(market.margin_state().maintenance, before.maintenance, "maintenance does not jump with the bounds");
    let rate = tighter.margin.to_config().tighten_per_slot;
    let mut previous = market.margin_state().maintenance;
    for _ in 0..5 {
        s.crank(1, 150.0).unwrap();
        let now = s.market(0).margin_state().maintenance;
        assert!(now > previous && now <= previous + rate, "one slot's slew at a time: {previous} -> {now}");
        previous = now;
    }
    s.crank(100_000, 150.0).unwrap();
    assert!(s.market(0).margin_state().maintenance >= new_maintenance, "inside the new bounds once the slew got there");
}

#[test]
fn only_the_admin_and_only_consistent_bounds() {
    let mut s = Setup::new();
    let intruder = s.t.env.funded_keypair(10);
    let list = ix::list_perp_market(&intruder.pubkey(), &intruder.pubkey(), 0, &SOL_USD, SOL_PERP, market_risk());
    assert_error(&s.t.send(&[list], &intruder, &[]), ReflexError::NotAdmin);

    let lowest = market_risk().margin.maintenance.lower;
    let mut penalty_too_high = market_risk();
    penalty_too_high.liquidation_penalty = lowest; // = the lowest maintenance ratio
    let mut move_not_covered = market_risk();
    move_not_covered.max_move_over_horizon = lowest - market_risk().liquidation_penalty + 1;
    let mut weights_backwards = market_risk();
    weights_backwards.positive_pnl_weight_initial = 900_000;
    for bad in [penalty_too_high, move_not_covered, weights_backwards] {
        assert_error(&s.list(0, bad), ReflexError::InconsistentBounds);
    }
    assert_eq!(s.t.exchange().market_count, 0);

    s.list(0, market_risk()).unwrap();
    let set = ix::set_market_risk(&intruder.pubkey(), 0, &SOL_USD, market_risk());
    assert_error(&s.t.send(&[set], &intruder, &[]), ReflexError::NotAdmin);
    let admin = s.t.admin.insecure_clone();
    assert_error(
        &s.t.send(&[ix::set_market_risk(&admin.pubkey(), 0, &SOL_USD, penalty_too_high)], &admin, &[]),
        ReflexError::InconsistentBounds,
    );
    assert_eq!(s.market(0).risk, market_risk(), "a rejected change changes nothing");
}

/// Markets are numbered in listing order and the index is an argument (so
/// a client derives the address from the IDL): any index but the market
/// count is refused by name, before any account is created, including the
/// index of a market already listed.
#[test]
fn a_market_is_listed_only_at_the_next_index() {
    let mut s = Setup::new();
    assert_error(&s.list(1, market_risk()), ReflexError::WrongMarketIndex);
    s.list(0, market_risk()).unwrap();
    assert_error(&s.list(0, market_risk()), ReflexError::WrongMarketIndex);
    assert_error(&s.list(2, market_risk()), ReflexError::WrongMarketIndex);
    assert_eq!(s.t.exchange().market_count, 1);
    assert!(s.t.env.svm.get_account(&pda::market(2)).is_none(), "nothing created at a refused index");
    s.list(1, market_risk()).unwrap();
    assert_eq!((s.market(1).market_index, s.t.exchange().market_count), (1, 2));
}

#[test]
fn a_market_is_refreshed_only_with_its_own_feed() {
    let mut s = Setup::new();
    s.list(0, market_risk()).unwrap();
    let other_id = [0x55; 32];
    let other_oracle = s.t.env.new_keypair().pubkey();
    let mut print = sol_usd_print(1.0, 0.001, s.now, s.slot);
    print.price_message.feed_id = other_id;
    s.t.env.write_price_update(&other_oracle, &print);
    let admin = s.t.admin.insecure_clone();
    s.t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), other_id, &other_oracle, 6, feed_config())], &admin, &[]).unwrap();
    let keeper = s.keeper.insecure_clone();
    assert_error(&s.t.send(&[ix::refresh_market(0, &other_id, &other_oracle)], &keeper, &[]), ReflexError::WrongFeed);
}

#[test]
fn reduce_only_is_set_by_the_admin_for_the_exchange_and_per_market() {
    use reflex::events::ReduceOnlyChanged;
    let mut s = Setup::new();
    s.list(0, market_risk()).unwrap();
    let admin = s.t.admin.insecure_clone();
    let intruder = s.t.env.funded_keypair(10);
    assert_error(&s.t.send(&[ix::set_exchange_reduce_only(&intruder.pubkey(), true)], &intruder, &[]), ReflexError::NotAdmin);
    assert_error(&s.t.send(&[ix::set_market_reduce_only(&intruder.pubkey(), 0, true)], &intruder, &[]), ReflexError::NotAdmin);

    let result = s.t.send(&[ix::set_exchange_reduce_only(&admin.pubkey(), true)], &admin, &[]);
    let changed = events::<ReduceOnlyChanged>(&result);
    assert_eq!((changed[0].target, changed[0].was_reduce_only, changed[0].reduce_only), (pda::exchange(), false, true));
    assert_eq!(s.t.exchange().reduce_only, 1);

    let result = s.t.send(&[ix::set_market_reduce_only(&admin.pubkey(), 0, true)], &admin, &[]);
    assert_eq!(events::<ReduceOnlyChanged>(&result)[0].target, pda::market(0));
    assert_eq!(s.market(0).reduce_only, 1);
    s.t.send(&[ix::set_market_reduce_only(&admin.pubkey(), 0, false)], &admin, &[]).unwrap();
    assert_eq!(s.market(0).reduce_only, 0);
}
