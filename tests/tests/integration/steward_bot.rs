//! The steward bot (`reflex steward run`, one pass = `reflex_sdk::steward::run_pass`)
//! on the SBF binary: leverage piles up on SOL-PERP with liquidation prices
//! a few percent under the price, and the price walks toward them. While
//! every account is still healthy, the bot sees the notional within
//! `k·σ_T` of the price pass what the market can absorb and raises base
//! initial margin by one step, which lifts initial margin above what the
//! same world without the bot reaches; it then waits out the on-chain
//! spacing, and the program refuses anything larger or sooner, from the bot
//! or from anyone holding the steward's key. After the fall and the
//! liquidations it relaxes step by step to the floor and no further.
use reflex::error::ReflexError;
use reflex::state::RiskLevel;
use reflex_risk::Fixed;
use reflex_sdk::instructions as ix;
use reflex_sdk::keeper::{self, Keeper};
use reflex_sdk::steward::{self, Decision, Outcome, StewardSettings};
use reflex_tests::world::*;
use reflex_tests::{assert_error, Trader};
use solana_keypair::Keypair;
use solana_signer::Signer;

const POOL_DOLLARS: f64 = 20_000_000.0;

/// The calibrated rule; what SOL-PERP absorbs taken as a twentieth of its
/// per-side capacity ($10M at this pool: $500k).
fn settings() -> StewardSettings {
    StewardSettings { absorbable_share: Fixed::from_num(0.05), ..StewardSettings::calibrated() }
}

/// A world whose risk steward has the calibrated step and spacing.
fn world() -> (World, Keypair) {
    let mut w = World::new(POOL_DOLLARS);
    let steward = w.t.env.funded_keypair(10);
    let admin = w.admin();
    let calibrated = settings();
    let name = ix::set_risk_steward(&admin.pubkey(), &steward.pubkey(), calibrated.step_ppm(), calibrated.spacing_slots as u32);
    w.send(&[name], &admin).expect("set_risk_steward");
    (w, steward)
}

/// One pass; SOL-PERP's decision. Conservation and bounds checked after it.
fn pass(w: &mut World, steward: &Keypair, settings: &StewardSettings, dry_run: bool) -> Decision {
    let decisions = steward::run_pass(&mut w.t.env, steward, settings, dry_run).expect("steward pass");
    w.t.assert_conservation();
    w.assert_parameters_in_bounds();
    assert_eq!(decisions.len(), 2, "one decision per market");
    decisions.into_iter().find(|d| d.market_index == SOL_PERP).expect("SOL-PERP decided")
}

/// 20 traders with $5,000 each, long SOL-PERP at 11x to 11.2x: $1.1M of
/// notional with liquidation prices in one layer about 3.5% under $150.
fn pile_up(w: &mut World) -> Vec<Trader> {
    let mut traders = Vec::new();
    for i in 0..20 {
        let trader = w.keeper(5_000.0);
        let leverage = 11.0 + (i % 5) as f64 * 0.05;
        w.trade(&trader, SOL_PERP, 5_000.0 * leverage / 150.0).expect("open the long");
        traders.push(trader);
    }
    traders
}

fn initial_base(w: &World) -> u32 {
    w.market(SOL_PERP).risk.margin.initial.base
}

#[test]
fn the_steward_raises_initial_margin_before_the_fall_and_the_caps_hold() {
    let (mut w, steward) = world();
    let settings = settings();
    let traders = pile_up(&mut w);
    let accounts: Vec<_> = traders.iter().map(|t| t.margin_account).collect();
    let floor = w.market(SOL_PERP).risk.margin.initial.lower;
    assert_eq!(initial_base(&w), floor, "the calibrated base is its lower bound");

    // Calm at $150: the layer is 3% or more away, far outside 3σ_T.
    let calm = pass(&mut w, &steward, &settings, false);
    assert_eq!(calm.outcome, Outcome::Hold, "{}", calm.log_line());
    assert_eq!(calm.positions, 20);
    assert!(calm.notional > calm.absorbable, "the layer is larger than what the market absorbs: {}", calm.log_line());
    assert_eq!(calm.at_risk, Fixed::ZERO, "{}", calm.log_line());

    // The price walks toward the layer; the bot (dry run) watches each print.
    let mut price = 150.0;
    let seen = loop {
        price *= 0.9975;
        assert!(price > 140.0, "the band never reached the layer");
        w.set_price(SOL, price);
        let decision = pass(&mut w, &steward, &settings, true);
        if decision.outcome != Outcome::Hold {
            break decision;
        }
    };
    assert_eq!(seen.outcome, Outcome::WouldSend, "{}", seen.log_line());
    assert!(seen.at_risk > seen.absorbable, "{}", seen.log_line());
    assert_eq!(seen.wanted_ppm, floor + settings.step_ppm(), "one calibrated step: {}", seen.log_line());
    assert_eq!(initial_base(&w), floor, "a dry run sends nothing");
    assert!(w.liquidatable(&accounts).is_empty(), "the steward acts before anyone is liquidatable");

    // The real pass moves the base one step; without the bot the world stays where it was.
    let mut without = w.fork();
    let moved = pass(&mut w, &steward, &settings, false);
    assert!(matches!(moved.outcome, Outcome::Sent { .. }), "{}", moved.log_line());
    assert_eq!(initial_base(&w), floor + settings.step_ppm());
    assert_eq!(w.market(SOL_PERP).steward_changed_slots[0], w.slot);
    for world in [&mut w, &mut without] {
        world.tick(100);
    }
    let (with_bot, no_bot) = (w.market(SOL_PERP).initial_margin_ratio.get(), without.market(SOL_PERP).initial_margin_ratio.get());
    assert!(with_bot >= no_bot + Fixed::from_num(0.0099), "live initial margin {with_bot} against {no_bot} without the bot");
    assert_eq!(
        w.market(SOL_PERP).maintenance_margin_ratio.get(),
        without.market(SOL_PERP).maintenance_margin_ratio.get(),
        "maintenance untouched"
    );

    // Inside the spacing: a second pass (or a second bot) waits, sending nothing.
    let again = pass(&mut w, &steward, &settings, false);
    assert_eq!(again.outcome, Outcome::Waiting { until_slot: moved.slot + settings.spacing_slots }, "{}", again.log_line());
    assert_eq!(initial_base(&w), floor + settings.step_ppm());

    // The program's caps, whatever the steward's key asks: a double step,
    // a step too soon, a base past the curve's bounds.
    let base = initial_base(&w);
    let ask = |w: &mut World, base_ppm: u32| {
        let change = ix::steward_set_market_base(&steward.pubkey(), SOL_PERP, &w.underlyings[SOL].feed_id, RiskLevel::Initial, base_ppm);
        w.send(&[change], &steward)
    };
    assert_error(&ask(&mut w, base + 2 * settings.step_ppm()), ReflexError::StewardChangeTooLarge);
    assert_error(&ask(&mut w, base + settings.step_ppm()), ReflexError::StewardChangeTooSoon);
    let upper = w.market(SOL_PERP).risk.margin.initial.upper;
    assert_error(&ask(&mut w, upper + 1), ReflexError::StewardOutsideBounds);
    assert_eq!(initial_base(&w), base);

    // A bot configured with a larger step still asks only what the program allows.
    w.advance(settings.spacing_slots);
    w.set_price(SOL, price);
    let greedy = StewardSettings { rule: reflex_risk::mechanism::StewardRule { step: Fixed::from_num(0.05), ..settings.rule }, ..settings };
    let capped = pass(&mut w, &steward, &greedy, false);
    assert!(matches!(capped.outcome, Outcome::Sent { .. }), "{}", capped.log_line());
    assert_eq!(capped.max_change_ppm, settings.step_ppm());
    assert_eq!(initial_base(&w), base + settings.step_ppm(), "one on-chain cap, not five: {}", capped.log_line());

    // The fall: the keeper liquidates the layer.
    let keeper_account = w.keeper(2_000_000.0);
    let keeper = Keeper { keypair: keeper_account.keypair.insecure_clone(), account: keeper_account.margin_account };
    w.set_price(SOL, price * 0.94);
    let report = keeper::run_pass(&mut w.t.env, &keeper).expect("keeper pass");
    assert!(!report.actions.is_empty(), "the fall liquidates the layer");
    w.t.assert_conservation();
    assert!(w.liquidatable(&accounts).is_empty(), "{:?}", report.skipped);

    // With the layer gone the bot relaxes one step per spacing, to the floor and no further.
    let mut steps = 0;
    loop {
        w.advance(settings.spacing_slots);
        w.set_price(SOL, price * 0.94);
        let decision = pass(&mut w, &steward, &settings, false);
        match &decision.outcome {
            Outcome::Sent { .. } => {
                assert!(decision.at_risk < decision.absorbable, "{}", decision.log_line());
                assert_eq!(decision.wanted_ppm + settings.step_ppm(), decision.base_ppm, "down one step: {}", decision.log_line());
                steps += 1;
            }
            Outcome::Hold => break,
            other => panic!("unexpected {other:?}: {}", decision.log_line()),
        }
    }
    assert_eq!((steps, initial_base(&w)), (2, floor), "relaxed back to the floor");
}

#[test]
fn only_the_named_steward_moves_anything_and_a_dry_run_needs_no_key() {
    let (mut w, _steward) = world();
    let settings = settings();
    pile_up(&mut w);
    let stranger = w.t.env.funded_keypair(10);
    let refused = steward::run_pass(&mut w.t.env, &stranger, &settings, false).expect_err("a stranger's pass is refused");
    assert!(refused.is(ReflexError::NotRiskSteward), "{refused}");
    assert!(refused.to_string().contains("--dry-run"), "the refusal says how to look without the key: {refused}");
    let decisions = steward::run_pass(&mut w.t.env, &stranger, &settings, true).expect("a dry run reads only");
    assert_eq!(decisions.len(), 2);
    assert!(decisions.iter().all(|d| d.outcome == Outcome::Hold), "calm: nothing to do");
}

#[test]
fn the_steward_relaxes_to_the_base_governance_set_and_no_further() {
    let (mut w, steward) = world();
    let settings = settings();
    // Governance sets SOL-PERP's initial base two points above its lower bound.
    let admin = w.admin();
    let mut risk = reflex_sdk::presets::market_risk();
    risk.margin.initial.base = risk.margin.initial.lower + 20_000;
    let governed = risk.margin.initial.base;
    let feed_id = w.underlyings[SOL].feed_id;
    w.send(&[ix::set_market_risk(&admin.pubkey(), SOL_PERP, &feed_id, risk)], &admin).expect("set_market_risk");
    assert_eq!(w.market(SOL_PERP).governed_bases, [governed, risk.margin.maintenance.base]);
    // A small trade records the pool's capacity (what the bot measures against).
    let trader = w.keeper(5_000.0);
    w.trade(&trader, SOL_PERP, 10.0).expect("a small long");
    // Nothing at risk: the bot leaves governance's base alone.
    assert_eq!(pass(&mut w, &steward, &settings, false).outcome, Outcome::Hold);
    // The steward's key raised it by hand; the bot walks it back to the governed base, then holds.
    let raise = ix::steward_set_market_base(&steward.pubkey(), SOL_PERP, &feed_id, RiskLevel::Initial, governed + settings.step_ppm());
    w.send(&[raise], &steward).expect("a raise within the caps");
    w.advance(settings.spacing_slots);
    w.set_price(SOL, 150.0);
    let relaxed = pass(&mut w, &steward, &settings, false);
    assert!(matches!(relaxed.outcome, Outcome::Sent { .. }), "{}", relaxed.log_line());
    assert_eq!((relaxed.floor_ppm, initial_base(&w)), (governed, governed));
    w.advance(settings.spacing_slots);
    w.set_price(SOL, 150.0);
    assert_eq!(pass(&mut w, &steward, &settings, false).outcome, Outcome::Hold, "not below the governed base");
    assert_eq!(initial_base(&w), governed);
}
