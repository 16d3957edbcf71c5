//! The largest account the layout allows (8 collaterals and 8 positions on
//! 16 distinct feeds, 32 markets listed), liquidated by `reflex keeper run`
//! over JSON-RPC: the embedded SVM serves the fixture on loopback, refusing
//! what a validator refuses (more than one packet or 64 account locks), and
//! the keeper builds its lookup table and sends v0 transactions. Then an LP
//! deposits and executes with `reflex lp` on the same 32 markets.
use std::process::Command;

use reflex_sdk::embedded_rpc;
use reflex_sdk::lookup_tables;
use reflex_sdk::rpc::RpcCluster;
use reflex_tests::scale::largest;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Fixture {
    keeper: Keypair,
    trader_account: String,
    /// (oracle, feed id in hex, price) of each underlying.
    underlyings: Vec<(String, String, f64)>,
    slot: u64,
    time: i64,
}

fn reflex(url: &str, keypair: &str, args: &[&str]) -> (bool, Value) {
    let output =
        Command::new(env!("CARGO_BIN_EXE_reflex")).args(["--json", "--url", url, "--keypair", keypair]).args(args).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
    (output.status.success(), value)
}

#[test]
fn the_largest_account_is_liquidated_and_an_lp_enters_32_markets_over_json_rpc() {
    let (sender, receiver) = std::sync::mpsc::channel();
    let served = embedded_rpc::serve(move || {
        let large = largest();
        let mut world = large.world;
        // An LP with $100,000 of quote in its associated token account.
        let lp = Keypair::new_from_array([31; 32]);
        world.t.env.svm.airdrop(&lp.pubkey(), 10_000_000_000).expect("airdrop");
        let (quote_mint, authority) = (world.t.quote_mint, world.t.mint_authority.insecure_clone());
        let wallet =
            world.t.env.create_associated_token_account(&authority, &lp.pubkey(), &quote_mint, &reflex_tests::SPL_TOKEN).expect("ATA");
        world.t.env.mint_to(&authority, &quote_mint, &wallet, 100_000_000_000, &reflex_tests::SPL_TOKEN);
        let hex = |id: &[u8; 32]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
        sender
            .send(Fixture {
                keeper: large.keeper.keypair.insecure_clone(),
                trader_account: large.trader.margin_account.to_string(),
                underlyings: world.underlyings.iter().map(|u| (u.oracle.to_string(), hex(&u.feed_id), u.price)).collect(),
                slot: world.slot,
                time: world.time,
            })
            .expect("fixture");
        world.t.env
    })
    .expect("serve");
    let mut fixture = receiver.recv().expect("the fixture was built");
    let dir = std::env::temp_dir().join(format!("reflex-scale-rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keeper_path = dir.join("keeper.json");
    std::fs::write(&keeper_path, serde_json::to_string(&fixture.keeper.to_bytes().to_vec()).unwrap()).unwrap();
    let keeper_path = keeper_path.display().to_string();
    let rpc = RpcCluster::new(&served.url);
    let dev = |method: &str, params: Value| rpc.call(method, params).unwrap_or_else(|e| panic!("{method}: {e}"));

    // A quiet pass: nothing to liquidate; the keeper makes its lookup table.
    let (ok, quiet) = reflex(&served.url, &keeper_path, &["keeper", "run", "--passes", "1"]);
    assert!(ok && quiet["actions"] == json!([]), "{quiet}");
    let tables = lookup_tables::Tables::load(&rpc, &fixture.keeper.pubkey()).expect("tables over JSON-RPC");
    assert!(tables.tables.iter().map(|t| t.addresses.len()).sum::<usize>() >= 94, "{tables:?}");

    // Everything falls 2% a slot until the account needs a keeper.
    let mut needs_keeper = false;
    for _ in 0..12 {
        fixture.slot += 1;
        fixture.time += 1;
        dev("reflexDev_setClock", json!([fixture.slot, fixture.time]));
        for (oracle, feed_id, price) in &mut fixture.underlyings {
            *price *= 0.98;
            dev("reflexDev_writePriceUpdate", json!([oracle, feed_id, *price, *price * 0.0005, fixture.time, fixture.slot]));
        }
        let (ok, cranked) = reflex(&served.url, &keeper_path, &["keeper", "crank"]);
        assert!(ok && cranked["failures"] == json!([]), "{cranked}");
        let (_, scan) = reflex(&served.url, &keeper_path, &["keeper", "scan"]);
        if scan["need_keeper"].as_array().unwrap().iter().any(|row| row["account"] == fixture.trader_account.as_str()) {
            needs_keeper = true;
            break;
        }
    }
    assert!(needs_keeper, "the crash put the largest account under maintenance");

    let (ok, run) = reflex(&served.url, &keeper_path, &["keeper", "run", "--passes", "2"]);
    assert!(ok, "{run}");
    assert_eq!(run["left_liquidatable"], 0, "{run}");
    assert_eq!(run["skipped"], 0, "{run}");
    let liquidated: Vec<&Value> =
        run["actions"].as_array().unwrap().iter().filter(|a| a["account"] == fixture.trader_account.as_str()).collect();
    assert!(liquidated.iter().any(|a| a["kind"] == "perp"), "{run}");

    // An LP on 32 markets: its lookup table made once (here through the
    // SDK), then reused by `reflex lp`, which cranks every market and sends
    // the action with the markets alone in the same slot.
    let lp = Keypair::new_from_array([31; 32]);
    let lp_path = dir.join("lp.json");
    std::fs::write(&lp_path, serde_json::to_string(&lp.to_bytes().to_vec()).unwrap()).unwrap();
    let lp_path = lp_path.display().to_string();
    let mut cluster = RpcCluster::new(&served.url);
    let mut tables = lookup_tables::Tables::default();
    let wanted = lookup_tables::protocol_addresses(&cluster);
    assert!(tables.ensure(&mut cluster, &lp, &wanted).expect("the LP's table") > 0);
    let next_slot = |fixture: &mut Fixture, slots: u64| {
        fixture.slot += slots;
        fixture.time += (slots * 2 / 5).max(1) as i64;
        dev("reflexDev_setClock", json!([fixture.slot, fixture.time]));
        for (oracle, feed_id, price) in &fixture.underlyings {
            dev("reflexDev_writePriceUpdate", json!([oracle, feed_id, *price, *price * 0.0005, fixture.time, fixture.slot]));
        }
    };
    next_slot(&mut fixture, 1);
    let (ok, deposit) = reflex(&served.url, &lp_path, &["lp", "deposit", "--amount", "100000"]);
    assert!(ok, "{deposit}");
    let ready = deposit["ready_slot"].as_u64().expect("a request");
    let wait = ready - fixture.slot;
    next_slot(&mut fixture, wait);
    let (ok, executed) = reflex(&served.url, &lp_path, &["lp", "execute"]);
    assert!(ok, "{executed}");
    let position: reflex::state::LpPosition =
        reflex_sdk::health::AccountReader::read(&cluster, &reflex_sdk::pda::lp_position(&lp.pubkey())).expect("LP position");
    assert!(position.shares > 0 && position.request_kind == 0, "{position:?}");
}
