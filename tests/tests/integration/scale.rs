//! The largest account the layout allows (8 collaterals and 8 positions on
//! 16 distinct feeds, 32 markets listed) on the SBF binary, with Solana's
//! transaction limits enforced (one packet, 64 account locks): its trades
//! and its liquidation go through as v0 transactions with a lookup table.
//! The SDK keeper, through the `Cluster` trait, keeps its own table and
//! liquidates the account after a crash. (The same over JSON-RPC and the
//! CLI: `app/cli/tests/scale_rpc.rs`.)
use reflex::error::ReflexError;
use reflex::events::LiquidityAdded;
use reflex_sdk::keeper::{self, Keeper, KeeperAction};
use reflex_sdk::lookup_tables::{self, PACKET_BYTES};
use reflex_sdk::{health, instructions as ix};
use reflex_tests::scale::{largest, move_all, WORST_MARKETS};
use reflex_tests::world::USD;
use reflex_tests::{assert_error, events, SPL_TOKEN};
use solana_signer::Signer;

#[test]
fn the_largest_account_trades_and_is_liquidated_through_a_lookup_table() {
    let mut large = largest();
    let (world, trader) = (&mut large.world, &large.trader);

    // A legacy transaction of its liquidation would not fit.
    let margin = world.margin(&trader.margin_account);
    let market = WORST_MARKETS.start;
    let accounts = health::health_accounts(&world.t.env, &margin, Some(market), None).expect("health accounts");
    let underlying = &world.underlyings[world.markets[market as usize]];
    let keeper_signer = large.keeper.keypair.insecure_clone();
    let liquidate = ix::liquidate_perp(
        &keeper_signer.pubkey(),
        &large.keeper.margin_account,
        &trader.margin_account,
        market,
        &underlying.feed(),
        &underlying.oracle,
        u64::MAX,
        accounts,
    );
    let budgeted = [ix::compute_unit_limit(ix::MAX_COMPUTE_UNITS), liquidate];
    let legacy = lookup_tables::measure(&world.t.env.sign(&budgeted, &keeper_signer, &[], &[]).expect("signs"));
    assert!(legacy.bytes > PACKET_BYTES, "the worst case fits a legacy transaction after all: {legacy}");
    let refused = world.t.env.send_fitting(&budgeted, &keeper_signer, &[], &[]).expect_err("a validator refuses it");
    assert!(refused.meta.logs[0].contains("transaction too large"), "{:?}", refused.meta.logs);

    // A quiet pass: nothing to do; the keeper builds its lookup table.
    let sdk_keeper = Keeper { keypair: keeper_signer.insecure_clone(), account: large.keeper.margin_account };
    let quiet = keeper::run_pass(&mut world.t.env, &sdk_keeper).expect("pass");
    assert!(quiet.actions.is_empty() && quiet.table_updates > 0, "{quiet:?}");
    let tables = lookup_tables::Tables::load(&world.t.env, &keeper_signer.pubkey()).expect("tables");
    let protocol = lookup_tables::protocol_addresses(&world.t.env);
    // Exchange, quote vault and mint, three programs; 32 markets; 16 feeds
    // with their oracles; 8 assets with their vaults and mints.
    assert_eq!(protocol.len(), 6 + 32 + 2 * 16 + 3 * 8);
    assert!(protocol.iter().all(|address| tables.tables.iter().any(|table| table.addresses.contains(address))));

    // Everything falls; the account goes under maintenance.
    for _ in 0..12 {
        if world.health(&trader.margin_account).maintenance < 0 {
            break;
        }
        move_all(world, 0.98);
    }
    assert!(world.health(&trader.margin_account).maintenance < 0, "{:?}", world.health(&trader.margin_account));
    let mut liquidations = 0;
    for _ in 0..4 {
        world.advance(1);
        let report = keeper::run_pass(&mut world.t.env, &sdk_keeper).expect("pass");
        world.t.assert_conservation();
        world.assert_parameters_in_bounds();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.table_updates, 0, "nothing new to table");
        liquidations += report.actions.iter().filter(|a| matches!(a, KeeperAction::PerpLiquidated { .. })).count();
        let margin = world.margin(&trader.margin_account);
        if !health::is_liquidatable(&margin, &world.health(&trader.margin_account)) {
            break;
        }
    }
    assert!(liquidations > 0, "the keeper liquidated the largest account");
    let margin = world.margin(&trader.margin_account);
    assert!(
        !health::is_liquidatable(&margin, &world.health(&trader.margin_account)),
        "left liquidatable: {:?}",
        world.health(&trader.margin_account)
    );
}

/// LP actions on 32 markets: with every market's feed and oracle they
/// cannot fit (more than 64 accounts); with the markets alone, after the
/// markets were cranked in the same slot, they do. A market with open
/// interest that was not valued in this slot is refused by name, so no LP
/// enters or leaves at an older print.
#[test]
fn lp_actions_on_32_markets_go_through_after_cranks_in_the_same_slot() {
    let mut large = largest();
    let world = &mut large.world;
    let admin = world.admin();
    let (lp, wallet) = world.new_lp(100_000.0);
    let amount = (100_000.0 * USD) as u64;
    let quote_mint = world.t.quote_mint;
    let deposit = |accounts| ix::with_remaining(ix::lp_deposit(&lp.pubkey(), &quote_mint, &SPL_TOKEN, &wallet, amount), accounts);

    let every_feed = deposit(health::pool_accounts(&world.t.env).expect("pool accounts"));
    let refused = world.send(&[every_feed], &lp);
    assert!(refused.as_ref().is_err_and(|e| e.meta.logs[0].contains("transaction too large")), "{refused:?}");

    // A new slot: every record is older than it.
    world.advance(1);
    let alone = deposit(health::pool_accounts_cranked(&world.t.env).expect("pool accounts"));
    let stale = world.send(std::slice::from_ref(&alone), &lp);
    assert_error(&stale, ReflexError::PoolValueNotCurrent);

    for batch in health::pool_cranks(&world.t.env, 8).expect("cranks") {
        world.send(&batch, &admin).expect("refresh_market");
    }
    // A trade in between records its market again: still current.
    let trader = world.trader(&[(0, 10.0)]);
    world.trade(&trader, WORST_MARKETS.start, 1.0).expect("trade");
    world.send(&[alone], &lp).expect("lp_deposit request with the markets alone");

    // After the delay: crank in the execution's slot, then execute.
    let delay = world.t.exchange().lp_delay_slots;
    world.tick(delay);
    for batch in health::pool_cranks(&world.t.env, 8).expect("cranks") {
        world.send(&batch, &admin).expect("refresh_market");
    }
    let execute =
        ix::execute_lp_request(&lp.pubkey(), &quote_mint, &SPL_TOKEN, &wallet, health::pool_accounts_cranked(&world.t.env).expect("pool"));
    let executed = world.send(&[execute], &lp).expect("execute_lp_request");
    let added = events::<LiquidityAdded>(&Ok(executed));
    assert_eq!(added.len(), 1);
    assert!(added[0].shares > 0 && world.lp_shares(&lp.pubkey()) == added[0].shares);
}
