//! The risk steward on the SBF binary: it moves base parameters inside the
//! bounds, each change capped in size and spaced in slots per parameter, and
//! can do nothing else.
use anchor_lang::prelude::Pubkey;
use reflex::events::{RiskStewardSet, StewardBaseChanged};
use reflex::state::RiskLevel;
use reflex_sdk::instructions as ix;
use reflex_sdk::presets::{collateral_risk, market_risk};
use reflex_tests::oracle::{feed_config, sol_usd_print, SOL_USD};
use reflex_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

const START_SLOT: u64 = 5_000;
const START_TIME: i64 = 1_790_000_000;
const MAX_CHANGE: u32 = 5_000; // 0.5 percentage points
const MIN_SLOTS: u32 = 100;

/// wSOL collateral and SOL-PERP on a SOL/USD feed, with a steward named.
struct Setup {
    t: TestExchange,
    mint: Pubkey,
    steward: Keypair,
}

impl Setup {
    fn new() -> Self {
        let mut t = TestExchange::new();
        let mint = t.listed_mint(9, &SPL_TOKEN);
        let oracle = t.env.new_keypair().pubkey();
        t.env.set_clock(START_SLOT, START_TIME);
        t.env.write_price_update(&oracle, &sol_usd_print(150.0, 0.05, START_TIME, START_SLOT));
        let admin = t.admin.insecure_clone();
        let steward = t.env.funded_keypair(10);
        t.send(&[ix::list_feed(&admin.pubkey(), &admin.pubkey(), SOL_USD, &oracle, 9, feed_config())], &admin, &[]).unwrap();
        t.send(&[ix::set_collateral_risk(&admin.pubkey(), &mint, &SOL_USD, collateral_risk())], &admin, &[]).unwrap();
        t.send(
            &[ix::list_perp_market(&admin.pubkey(), &admin.pubkey(), 0, &SOL_USD, *b"SOL-PERP\0\0\0\0\0\0\0\0", market_risk())],
            &admin,
            &[],
        )
        .unwrap();
        let result = t.send(&[ix::set_risk_steward(&admin.pubkey(), &steward.pubkey(), MAX_CHANGE, MIN_SLOTS)], &admin, &[]);
        let set = events::<RiskStewardSet>(&result);
        assert_eq!((set[0].old_steward, set[0].new_steward, set[0].new_max_change_ppm), (Pubkey::default(), steward.pubkey(), MAX_CHANGE));
        Setup { t, mint, steward }
    }

    fn collateral_base(&mut self, level: RiskLevel, base: u32) -> litesvm::types::TransactionResult {
        let steward = self.steward.insecure_clone();
        self.t.send(&[ix::steward_set_collateral_base(&steward.pubkey(), &self.mint, &SOL_USD, level, base)], &steward, &[])
    }

    fn market_base(&mut self, level: RiskLevel, base: u32) -> litesvm::types::TransactionResult {
        let steward = self.steward.insecure_clone();
        self.t.send(&[ix::steward_set_market_base(&steward.pubkey(), 0, &SOL_USD, level, base)], &steward, &[])
    }

    fn at_slot(&mut self, slot: u64) {
        self.t.env.set_clock(slot, START_TIME + (slot - START_SLOT) as i64 / 2);
    }
}

#[test]
fn the_steward_moves_bases_within_its_cap_and_spacing() {
    let mut s = Setup::new();
    s.at_slot(START_SLOT + 1);
    let result = s.collateral_base(RiskLevel::Initial, 105_000);
    let changed = events::<StewardBaseChanged>(&result);
    assert_eq!((changed[0].level, changed[0].old_base_ppm, changed[0].new_base_ppm), (RiskLevel::Initial, 100_000, 105_000));
    assert_eq!(s.t.collateral_asset(&s.mint).risk.haircut.initial.base, 105_000);

    // Too large a step.
    s.at_slot(START_SLOT + 500);
    assert_error(&s.collateral_base(RiskLevel::Initial, 111_000), ReflexError::StewardChangeTooLarge);
    // Too soon after the last change of the same parameter...
    s.at_slot(START_SLOT + 50);
    assert_error(&s.collateral_base(RiskLevel::Initial, 106_000), ReflexError::StewardChangeTooSoon);
    // ...while another parameter has its own spacing.
    s.collateral_base(RiskLevel::Maintenance, 64_000).expect("maintenance base has not been changed yet");
    s.at_slot(START_SLOT + 101);
    s.collateral_base(RiskLevel::Initial, 110_000).expect("spaced far enough");

    // Market bases, same rules.
    let maintenance = market_risk().margin.maintenance.base;
    s.market_base(RiskLevel::Maintenance, maintenance + 4_000).expect("market maintenance base");
    assert_error(&s.market_base(RiskLevel::Maintenance, maintenance + 5_000), ReflexError::StewardChangeTooSoon);
}

#[test]
fn the_steward_stays_inside_the_bounds_and_the_consistency_check() {
    let mut s = Setup::new();
    s.at_slot(START_SLOT + 1);
    // Below the maintenance lower bound (60,000).
    assert_error(&s.collateral_base(RiskLevel::Maintenance, 58_000), ReflexError::StewardOutsideBounds);
    // Inside the bounds, step by step, until the maintenance base would pass
    // the initial base: the consistency check refuses that step.
    let (mut base, initial) = (market_risk().margin.maintenance.base, market_risk().margin.initial.base);
    let mut slot = START_SLOT + 1;
    while base + MAX_CHANGE <= initial {
        base += MAX_CHANGE;
        s.market_base(RiskLevel::Maintenance, base).unwrap();
        slot += 200;
        s.at_slot(slot);
    }
    assert_error(&s.market_base(RiskLevel::Maintenance, base + MAX_CHANGE + 1), ReflexError::StewardChangeTooLarge);
    if base < initial {
        s.market_base(RiskLevel::Maintenance, initial).unwrap();
        slot += 200;
        s.at_slot(slot);
    }
    assert_error(&s.market_base(RiskLevel::Maintenance, initial + 4_000), ReflexError::InconsistentBounds);
}

/// The steward's limits must bound it: a step of at most five percentage
/// points, and at least a slot between two steps of one parameter.
#[test]
fn steward_limits_must_bound_the_steward() {
    let mut s = Setup::new();
    let admin = s.t.admin.insecure_clone();
    let steward = s.steward.pubkey();
    for (max_change, min_slots) in [(50_001, 100), (u32::MAX, 100), (1_000, 0)] {
        let set = ix::set_risk_steward(&admin.pubkey(), &steward, max_change, min_slots);
        assert_error(&s.t.send(&[set], &admin, &[]), ReflexError::InvalidStewardLimits);
    }
    s.t.send(&[ix::set_risk_steward(&admin.pubkey(), &steward, 50_000, 1)], &admin, &[]).expect("the widest limits allowed");
    assert_eq!((s.t.exchange().steward_max_change_ppm, s.t.exchange().steward_min_slots), (50_000, 1));
}

#[test]
fn only_the_steward_and_only_bases() {
    let mut s = Setup::new();
    s.at_slot(START_SLOT + 1);
    // The admin is not the steward.
    let admin = s.t.admin.insecure_clone();
    let by_admin = ix::steward_set_collateral_base(&admin.pubkey(), &s.mint, &SOL_USD, RiskLevel::Initial, 101_000);
    assert_error(&s.t.send(&[by_admin], &admin, &[]), ReflexError::NotRiskSteward);
    // The steward cannot change bounds or name anyone.
    let steward = s.steward.insecure_clone();
    let bounds = ix::set_collateral_risk(&steward.pubkey(), &s.mint, &SOL_USD, collateral_risk());
    assert_error(&s.t.send(&[bounds], &steward, &[]), ReflexError::NotAdmin);
    let rename = ix::set_risk_steward(&steward.pubkey(), &steward.pubkey(), u32::MAX, 0);
    assert_error(&s.t.send(&[rename], &steward, &[]), ReflexError::NotAdmin);
    // Removing the steward stops it.
    s.t.send(&[ix::set_risk_steward(&admin.pubkey(), &Pubkey::default(), 0, 1)], &admin, &[]).unwrap();
    assert_error(&s.collateral_base(RiskLevel::Initial, 101_000), ReflexError::NotRiskSteward);
}
