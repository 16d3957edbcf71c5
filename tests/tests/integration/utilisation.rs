//! Utilisation feedback and the gap floor on the SBF binary (DESIGN.md
//! section 5): a market's initial margin rises with its open interest
//! against the pool's cap, a collateral's initial weight falls once its
//! deposits pass a governed depth, both at use, bit for bit with the risk
//! crate, neither touching maintenance; and bounds that let maintenance fall
//! below the gap allowance plus the penalty are refused, saying by how much.
use reflex::events::{CollateralHaircutsUpdated, MarketMarginsUpdated, MarketRiskExtSet};
use reflex::state::{CollateralRiskExtPpm, MarketRiskExtPpm};
use reflex_risk::mechanism::{deposit_haircut, margin_with_add_on, open_interest_add_on};
use reflex_risk::Fixed;
use reflex_sdk::{health, instructions as ix, presets};
use reflex_tests::world::*;
use reflex_tests::*;
use solana_signer::Signer;

fn scaling_off() -> MarketRiskExtPpm {
    MarketRiskExtPpm { open_interest_lower: 0, open_interest_upper: 0, open_interest_max_add_on: 0, ..presets::market_risk_ext() }
}

fn set_market_ext(w: &mut World, market: u16, ext: MarketRiskExtPpm) -> litesvm::types::TransactionResult {
    let admin = w.admin();
    let feed_id = w.underlyings[w.markets[market as usize]].feed_id;
    w.send(&[ix::set_market_risk_ext(&admin.pubkey(), market, &feed_id, ext)], &admin)
}

fn set_collateral_ext(w: &mut World, collateral: usize, ext: CollateralRiskExtPpm) -> litesvm::types::TransactionResult {
    let admin = w.admin();
    let mint = w.collaterals[collateral].mint;
    let feed_id = w.underlyings[w.collaterals[collateral].underlying].feed_id;
    w.send(&[ix::set_collateral_risk_ext(&admin.pubkey(), &mint, &feed_id, ext)], &admin)
}

fn logs(result: &litesvm::types::TransactionResult) -> String {
    match result {
        Ok(meta) => meta.logs.join("\n"),
        Err(failure) => failure.meta.logs.join("\n"),
    }
}

/// The shortfall a refused gap floor logged ("… and is X short").
#[track_caller]
fn logged_shortfall(result: &litesvm::types::TransactionResult) -> f64 {
    let logs = logs(result);
    let line =
        logs.lines().find(|line| line.contains("gap allowance + penalty")).unwrap_or_else(|| panic!("no gap floor message:\n{logs}"));
    let after = line.split("and is ").nth(1).expect("the shortfall");
    after.trim_end_matches(" short").trim().parse().unwrap_or_else(|_| panic!("unreadable shortfall in {line}"))
}

#[test]
fn open_interest_raises_the_initial_margin_of_new_risk_and_nothing_else() {
    let mut w = World::new(1_000_000.0);
    let scaling = presets::market_risk_ext().to_ext().open_interest;
    assert!(scaling.max_add_on > 0, "the calibrated preset scales initial margin");
    // Each side may hold half the pool: $500,000. A whale takes 70% of it.
    let whale = w.keeper(200_000.0);
    w.trade(&whale, SOL_PERP, 350_000.0 / 150.0).unwrap();
    let (market, feed) = (w.market(SOL_PERP), w.feed(SOL));
    let capacity = market.open_interest_capacity.get();
    assert!((capacity.to_num::<f64>() / USD - 500_000.0).abs() < 1.0, "the cap the trade measured: {capacity}");
    let notional = Fixed::from_num(market.long_base.max(market.short_base)) * feed.last_price.get();
    let expected = open_interest_add_on(&scaling, notional, capacity).unwrap();
    assert!(expected > Fixed::from_num(0.03), "utilisation 0.7 of the cap adds {expected}");
    assert_eq!(market.open_interest_add_on(&feed), expected, "the risk crate's add-on, bit for bit");
    let upper = reflex::utils::ppm(market.risk.margin.initial.upper);
    assert_eq!(market.initial_margin_at_use(&feed), margin_with_add_on(market.initial_margin_ratio.get(), upper, expected));

    // The crank reports it.
    let underlying = &w.underlyings[SOL];
    let (feed_id, oracle) = (underlying.feed_id, underlying.oracle);
    let keeper = w.keeper(0.0).keypair;
    let crank = w.send(&[ix::refresh_market(SOL_PERP, &feed_id, &oracle)], &keeper);
    assert_eq!(Fixed::from_bits(events::<MarketMarginsUpdated>(&crank)[0].open_interest_add_on), expected);

    // The same world without the scaling: what the add-on decides.
    let mut off = w.fork();
    set_market_ext(&mut off, SOL_PERP, scaling_off()).unwrap();
    assert_eq!(off.market(SOL_PERP).open_interest_add_on(&off.feed(SOL)), Fixed::ZERO);
    // Maintenance, which decides liquidations, does not see it.
    let (on_health, off_health) = (w.health(&whale.margin_account), off.health(&whale.margin_account));
    assert_eq!(on_health.maintenance, off_health.maintenance);
    assert!(on_health.initial < off_health.initial, "initial health pays the add-on: {} vs {}", on_health.initial, off_health.initial);

    // $70,000 more on the long side with $9,000 of margin. Without the
    // scaling it fits; with it, it would fit the add-on of 70% utilisation
    // but not the one of 84% that it causes, and it is held to the latter.
    let size = 70_000.0 / 150.0;
    let buyer_off = off.keeper(9_000.0);
    off.trade(&buyer_off, SOL_PERP, size).expect("without the add-on the trade fits");
    let fits_off = off.health(&buyer_off.margin_account).initial;
    let position = Fixed::from_num(off.position(&buyer_off.margin_account, SOL_PERP)) * feed.last_price.get();
    let off_market = off.market(SOL_PERP);
    let caused = open_interest_add_on(&scaling, Fixed::from_num(off_market.long_base) * feed.last_price.get(), capacity).unwrap();
    assert!(fits_off - position * expected > 0, "setup: the trade fits the add-on before it ({fits_off}, {expected})");
    assert!(fits_off - position * caused < 0, "setup: the trade does not fit the add-on it causes ({fits_off}, {caused})");
    let buyer = w.keeper(9_000.0);
    assert_error(&w.trade(&buyer, SOL_PERP, size), ReflexError::InsufficientInitialHealth);
    w.trade(&buyer, SOL_PERP, size / 3.0).expect("a third of it fits under the add-on");
    w.t.assert_conservation();
}

#[test]
fn deposits_past_the_depth_back_less_new_risk_but_liquidate_no_one() {
    let mut w = World::new(1_000_000.0);
    let trader = w.trader(&[(SOL, 100.0)]);
    w.trade(&trader, SOL_PERP, 400.0).unwrap();
    let before = w.health(&trader.margin_account);
    assert!(before.initial > 0);

    // $15,000 of wSOL deposited; the depth is set at $4,000 of it.
    let depth = 4_000 * USD as u64;
    let set = set_collateral_ext(&mut w, SOL, presets::collateral_risk_ext(depth));
    assert_eq!(events::<reflex::events::CollateralRiskExtSet>(&set)[0].new.deposit_depth, depth);
    let (asset, feed) = (w.asset(SOL), w.feed(SOL));
    let value = Fixed::from_num(asset.total_deposits) * feed.last_price.get();
    let expected = deposit_haircut(asset.initial_haircut.get(), value, Fixed::from_num(depth)).unwrap();
    assert_eq!(asset.initial_haircut_at_use(&feed), expected, "the risk crate's haircut, bit for bit");
    assert!(expected > asset.initial_haircut.get());
    let underlying = &w.underlyings[SOL];
    let (mint, feed_id, oracle) = (w.collaterals[SOL].mint, underlying.feed_id, underlying.oracle);
    let keeper = w.keeper(0.0).keypair;
    let crank = w.send(&[ix::refresh_collateral(&mint, &feed_id, &oracle)], &keeper);
    assert_eq!(Fixed::from_bits(events::<CollateralHaircutsUpdated>(&crank)[0].initial_haircut_at_use), expected);

    let after = w.health(&trader.margin_account);
    assert_eq!(after.maintenance, before.maintenance, "maintenance, and so liquidation, is untouched");
    assert!(after.initial < 0, "initial weight {expected} leaves initial health {}", after.initial);
    assert!(w.liquidatable(&[trader.margin_account]).is_empty());
    // New risk is refused, reducing is not.
    assert_error(&w.trade(&trader, SOL_PERP, 1.0), ReflexError::InsufficientInitialHealth);
    let wallet = w.t.token_account_with(&trader.keypair.pubkey(), &mint, &SPL_TOKEN, 0);
    let accounts = health::health_accounts(&w.t.env, &w.margin(&trader.margin_account), None, None).unwrap();
    let withdraw = ix::with_remaining(
        ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, &mint, &SPL_TOKEN, &wallet, 1_000_000_000),
        accounts,
    );
    assert_error(&w.send(&[withdraw], &trader.keypair.insecure_clone()), ReflexError::InsufficientInitialHealth);
    w.trade(&trader, SOL_PERP, -10.0).expect("reducing is always allowed");
    // Depth 0 turns it off again.
    set_collateral_ext(&mut w, SOL, presets::collateral_risk_ext(0)).unwrap();
    assert_eq!(w.asset(SOL).initial_haircut_at_use(&w.feed(SOL)), w.asset(SOL).initial_haircut.get());
}

#[test]
fn the_gap_floor_refuses_bounds_that_cannot_cover_a_jump_and_says_by_how_much() {
    let mut w = World::new(0.0);
    let risk = w.market(SOL_PERP).risk;
    let room = risk.margin.maintenance.lower - risk.liquidation_penalty;
    assert_eq!(w.market(SOL_PERP).risk_ext, presets::market_risk_ext());

    // An allowance one ppm past what the lowest maintenance level covers.
    let too_big = MarketRiskExtPpm { gap_allowance: room + 1, ..presets::market_risk_ext() };
    let refused = set_market_ext(&mut w, SOL_PERP, too_big);
    assert_error(&refused, ReflexError::GapFloorNotCovered);
    assert!((logged_shortfall(&refused) - 1e-6).abs() < 1e-12, "the log says by how much:\n{}", logs(&refused));
    let at_floor = MarketRiskExtPpm { gap_allowance: room, ..presets::market_risk_ext() };
    let set = set_market_ext(&mut w, SOL_PERP, at_floor);
    assert_eq!((events::<MarketRiskExtSet>(&set)[0].old, events::<MarketRiskExtSet>(&set)[0].new), (presets::market_risk_ext(), at_floor));

    // Once set, the floor holds the core bounds too.
    let admin = w.admin();
    let feed_id = w.underlyings[SOL].feed_id;
    let mut lower = risk;
    lower.margin.maintenance.lower -= 1_000;
    lower.margin.maintenance.base = lower.margin.maintenance.base.min(lower.margin.maintenance.lower);
    let refused = w.send(&[ix::set_market_risk(&admin.pubkey(), SOL_PERP, &feed_id, lower)], &admin);
    assert_error(&refused, ReflexError::GapFloorNotCovered);
    assert!((logged_shortfall(&refused) - 1e-3).abs() < 1e-12);
    assert_eq!(w.market(SOL_PERP).risk, risk, "a refused change changes nothing");

    // Malformed scaling, and the admin only.
    for bad in [
        MarketRiskExtPpm { open_interest_lower: 800_000, open_interest_upper: 500_000, ..presets::market_risk_ext() },
        MarketRiskExtPpm { open_interest_max_add_on: 1_000_001, ..presets::market_risk_ext() },
        MarketRiskExtPpm { gap_allowance: 1_000_001, ..presets::market_risk_ext() },
    ] {
        assert_error(&set_market_ext(&mut w, SOL_PERP, bad), ReflexError::InconsistentBounds);
    }
    let intruder = w.keeper(0.0).keypair;
    let by_intruder = ix::set_market_risk_ext(&intruder.pubkey(), SOL_PERP, &feed_id, presets::market_risk_ext());
    assert_error(&w.send(&[by_intruder], &intruder), ReflexError::NotAdmin);
    assert_eq!(w.market(SOL_PERP).risk_ext, at_floor);

    // Collateral: the same floor over the discount.
    let collateral = w.asset(SOL).risk;
    let room = collateral.haircut.maintenance.lower - collateral.liquidation_discount;
    let refused = set_collateral_ext(&mut w, SOL, CollateralRiskExtPpm { gap_allowance: room + 10, ..presets::collateral_risk_ext(0) });
    assert_error(&refused, ReflexError::GapFloorNotCovered);
    assert!((logged_shortfall(&refused) - 1e-5).abs() < 1e-12);
    set_collateral_ext(&mut w, SOL, CollateralRiskExtPpm { gap_allowance: room, ..presets::collateral_risk_ext(0) }).unwrap();
    let mut lower = collateral;
    lower.haircut.maintenance.lower -= 1;
    let mint = w.collaterals[SOL].mint;
    let refused = w.send(&[ix::set_collateral_risk(&admin.pubkey(), &mint, &feed_id, lower)], &admin);
    assert_error(&refused, ReflexError::GapFloorNotCovered);
    let by_intruder = ix::set_collateral_risk_ext(&intruder.pubkey(), &mint, &feed_id, presets::collateral_risk_ext(0));
    assert_error(&w.send(&[by_intruder], &intruder), ReflexError::NotAdmin);
    // A collateral with no risk settings has no floor to set.
    let bare = w.t.listed_mint(9, &SPL_TOKEN);
    let unconfigured = ix::set_collateral_risk_ext(&admin.pubkey(), &bare, &feed_id, presets::collateral_risk_ext(0));
    assert_error(&w.send(&[unconfigured], &admin), ReflexError::CollateralRiskNotConfigured);
}
