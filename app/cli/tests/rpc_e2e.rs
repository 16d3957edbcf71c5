//! The CLI and keeper end to end over JSON-RPC, against the embedded SVM
//! served on loopback (`reflex_sdk::embedded_rpc`) with the real SBF
//! binary: governance lists a feed, a collateral and a market; an LP funds
//! the pool; a trader opens a leveraged long; SOL falls; `reflex keeper run`
//! liquidates; at the end no account needs a keeper. `reflex steward run`
//! reads the liquidation-price distribution (dry run with any key, real
//! passes only with the named steward's). Every step is a
//! `reflex` process, as a user or a script runs it.
use std::process::Command;

use reflex_sdk::embedded::Embedded;
use reflex_sdk::embedded_rpc;
use reflex_sdk::rpc::RpcCluster;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

const FEED_ID: &str = "efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef";

struct Run {
    url: String,
    dir: std::path::PathBuf,
}

impl Run {
    fn keypair(&self, name: &str, seed: u8) -> (Keypair, String) {
        let keypair = Keypair::new_from_array([seed; 32]);
        let path = self.dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
        (keypair, path.display().to_string())
    }

    /// Runs `reflex --json --url … --keypair KEY args…`; panics with its output unless it exits 0.
    fn reflex(&self, keypair: &str, args: &[&str]) -> Value {
        let output = Command::new(env!("CARGO_BIN_EXE_reflex"))
            .args(["--json", "--url", &self.url, "--keypair", keypair])
            .args(args)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "reflex {args:?} failed ({:?}): {stdout}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}"))
    }
}

#[test]
fn governance_lp_trader_and_keeper_over_json_rpc() {
    let admin = Keypair::new_from_array([7; 32]);
    let admin_key = admin.pubkey();
    let served = embedded_rpc::serve(move || {
        let mut env = Embedded::new().expect("the SBF binary is built");
        env.set_upgrade_authority(&admin_key);
        env
    })
    .expect("serve");
    let dir = std::env::temp_dir().join(format!("reflex-rpc-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = Run { url: served.url.clone(), dir };
    let rpc = RpcCluster::new(&served.url);
    let dev = |method: &str, params: Value| rpc.call(method, params).unwrap_or_else(|e| panic!("{method}: {e}"));

    let (_, admin_path) = run.keypair("admin", 7);
    let (lp, lp_path) = run.keypair("lp", 8);
    let (trader, trader_path) = run.keypair("trader", 9);
    let (keeper, keeper_path) = run.keypair("keeper", 10);
    for key in [admin.pubkey(), lp.pubkey(), trader.pubkey(), keeper.pubkey()] {
        dev("requestAirdrop", json!([key.to_string(), 10_000_000_000u64]));
    }
    let (mut slot, mut time) = (1_000u64, 1_790_000_000i64);
    dev("reflexDev_setClock", json!([slot, time]));
    let oracle = Keypair::new_from_array([11; 32]).pubkey().to_string();
    dev("reflexDev_writePriceUpdate", json!([oracle, FEED_ID, 150.0, 0.075, time, slot]));
    let usdc = dev("reflexDev_createMint", json!([6, "spl"])).as_str().unwrap().to_string();
    let wsol = dev("reflexDev_createMint", json!([9, "spl"])).as_str().unwrap().to_string();

    // Governance.
    run.reflex(&admin_path, &["gov", "init", "--quote-mint", &usdc]);
    run.reflex(&admin_path, &["gov", "init-pool"]);
    run.reflex(&admin_path, &["gov", "list-feed", "--feed-id", FEED_ID, "--oracle", &oracle, "--base-decimals", "9"]);
    // The feed is listed with the calibrated robust estimator; governance can turn it off and on again.
    let shown = run.reflex(&admin_path, &["gov", "show-feed", "--feed-id", FEED_ID]);
    assert_eq!((shown["layout"].as_u64(), shown["robust"].as_bool()), (Some(2), Some(true)), "{shown}");
    assert!(shown["sigma_initial"].as_f64().unwrap() >= shown["sigma_maintenance"].as_f64().unwrap(), "{shown}");
    run.reflex(&admin_path, &["gov", "set-feed-robust", "--feed-id", FEED_ID, "--off"]);
    assert_eq!(run.reflex(&admin_path, &["gov", "show-feed", "--feed-id", FEED_ID])["robust"], false);
    let robust_file = run.dir.join("robust.json");
    std::fs::write(&robust_file, shown["robust_config"].to_string()).unwrap();
    run.reflex(&admin_path, &["gov", "set-feed-robust", "--feed-id", FEED_ID, "--file", robust_file.to_str().unwrap()]);
    assert_eq!(run.reflex(&admin_path, &["gov", "show-feed", "--feed-id", FEED_ID])["robust_config"], shown["robust_config"]);
    run.reflex(&admin_path, &["gov", "list-collateral", "--mint", &wsol, "--feed-id", FEED_ID]);
    let market = run.reflex(&admin_path, &["gov", "list-market", "--name", "SOL-PERP", "--feed-id", FEED_ID, "--skew-scale", "1000"]);
    assert_eq!(market["market_index"], 0);

    // Governance edits settings as JSON: show, change, set; an inconsistent
    // set is refused with the program's error (exit 1).
    let shown = run.reflex(&admin_path, &["gov", "show-risk", "--market", "0"]);
    let mut risk = shown["risk"].clone();
    risk["liquidation_buffer"] = json!(15_000);
    let file = run.dir.join("risk.json");
    std::fs::write(&file, risk.to_string()).unwrap();
    run.reflex(&admin_path, &["gov", "set-market-risk", "--market", "0", "--file", file.to_str().unwrap()]);
    assert_eq!(run.reflex(&admin_path, &["gov", "show-risk", "--market", "0"])["risk"]["liquidation_buffer"], 15_000);
    risk["liquidation_penalty"] = json!(900_000);
    std::fs::write(&file, risk.to_string()).unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_reflex"))
        .args(["--url", &run.url, "--keypair", &admin_path, "gov", "set-market-risk", "--market", "0", "--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Bounds are inconsistent"), "{}", String::from_utf8_lossy(&refused.stderr));

    // The LP, the trader, the keeper.
    dev("reflexDev_mintTo", json!([usdc, lp.pubkey().to_string(), 1_000_000_000_000u64]));
    run.reflex(&lp_path, &["lp", "deposit", "--amount", "1000000"]);
    dev("reflexDev_mintTo", json!([wsol, trader.pubkey().to_string(), 10_000_000_000u64]));
    run.reflex(&trader_path, &["trader", "create"]);
    run.reflex(&trader_path, &["trader", "deposit", "--mint", &wsol, "--amount", "10"]);
    run.reflex(&trader_path, &["trader", "open", "--market", "0", "--size", "60"]);
    let status = run.reflex(&trader_path, &["trader", "status"]);
    assert_eq!(status["positions"][0]["size"], 60.0);
    let liquidation_price = status["positions"][0]["liquidation_price"].as_f64().expect("a liquidation price");
    assert!(liquidation_price > 100.0 && liquidation_price < 150.0, "{liquidation_price}");
    assert!(status["health"]["initial"].as_f64().unwrap() >= 0.0);
    dev("reflexDev_mintTo", json!([usdc, keeper.pubkey().to_string(), 100_000_000_000u64]));
    run.reflex(&keeper_path, &["trader", "create"]);
    run.reflex(&keeper_path, &["trader", "deposit-quote", "--amount", "100000"]);

    // A refusal comes back as exit 1 with the program's message.
    let refused = Command::new(env!("CARGO_BIN_EXE_reflex"))
        .args(["--json", "--url", &run.url, "--keypair", &trader_path, "trader", "open", "--market", "0", "--size", "1000"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let refusal: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(refusal["error"]["kind"], "refused");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("initial health"), "{refusal}");

    // The steward bot: a dry run reads the distribution with any key; a
    // real pass needs the named steward; named, it holds in a calm market.
    let looked = run.reflex(&keeper_path, &["steward", "run", "--dry-run", "--passes", "1"]);
    let decision = &looked["decisions"][0];
    assert_eq!((decision["market"].as_str(), decision["positions"].as_u64()), (Some("SOL-PERP"), Some(1)), "{looked}");
    assert!(decision["notional"].as_f64().unwrap() > 0.0 && decision["absorbable"].as_f64().unwrap() > 0.0, "{looked}");
    assert_eq!(decision["outcome"]["kind"], "hold", "{looked}");
    let unnamed = Command::new(env!("CARGO_BIN_EXE_reflex"))
        .args(["--json", "--url", &run.url, "--keypair", &keeper_path, "steward", "run", "--passes", "1"])
        .output()
        .unwrap();
    assert_eq!(unnamed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unnamed.stdout).contains("is not the risk steward"), "{}", String::from_utf8_lossy(&unnamed.stdout));
    let steward = keeper.pubkey().to_string();
    run.reflex(&admin_path, &["gov", "set-steward", "--steward", &steward, "--max-change-ppm", "10000", "--min-slots", "1500"]);
    let named = run.reflex(&keeper_path, &["steward", "run", "--passes", "2", "--interval-ms", "10"]);
    assert_eq!((named["passes"].as_u64(), named["moves"].as_u64()), (Some(2), Some(0)), "{named}");

    // SOL falls 2% a step below the liquidation price; the keeper runs each step.
    let mut price = 150.0;
    let mut liquidations = 0;
    while price > liquidation_price * 0.9 {
        price *= 0.98;
        slot += 5;
        time += 2;
        dev("reflexDev_setClock", json!([slot, time]));
        dev("reflexDev_writePriceUpdate", json!([oracle, FEED_ID, price, price * 0.0005, time, slot]));
        let pass = run.reflex(&keeper_path, &["keeper", "run", "--passes", "1"]);
        liquidations += pass["actions"].as_array().unwrap().len();
        assert_eq!(pass["left_liquidatable"], 0);
    }
    assert!(liquidations > 0, "the keeper liquidated over JSON-RPC");
    let scan = run.reflex(&keeper_path, &["keeper", "scan"]);
    assert_eq!(scan["need_keeper"], json!([]));
    let status = run.reflex(&trader_path, &["trader", "status"]);
    let size = status["positions"][0]["size"].as_f64().unwrap_or(0.0);
    assert!(size < 60.0, "the position was reduced by liquidation: {size}");
}

/// `reflex demo --url`: the demo (calm and recovery shortened, as on any
/// cluster) through the validator stage (faucet
/// airdrops, the localnet Pyth publisher, a clock that runs in real time),
/// against the embedded SVM served over JSON-RPC. The same outcome as the
/// embedded demo: nobody left liquidatable, every vault equal to its claims.
#[test]
fn the_demo_runs_over_json_rpc_on_a_real_time_clock() {
    let admin = Keypair::new_from_array([21; 32]);
    let admin_key = admin.pubkey();
    let served = embedded_rpc::serve_on("127.0.0.1:0", true, move || {
        let mut env = Embedded::new().expect("the SBF binary is built");
        env.add_localnet_publisher().expect("bash scripts/build-sbf.sh --with-publisher");
        env.set_upgrade_authority(&admin_key);
        env.set_clock(1_000, 1_790_000_000);
        env
    })
    .expect("serve");
    let dir = std::env::temp_dir().join(format!("reflex-demo-rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = Run { url: served.url.clone(), dir: dir.clone() };
    let (_, admin_path) = run.keypair("admin", 21);
    let report = run.reflex(&admin_path, &["demo", "--out", dir.to_str().unwrap()]);
    assert_eq!(report["conserved"], true);
    assert_eq!(report["left_liquidatable"], 0);
    let crash = &report["phases"][2];
    assert_eq!(crash["phase"], "crash");
    assert!(crash["perp_liquidations"].as_u64().unwrap() > 0, "the keeper liquidated over JSON-RPC");
    assert!(report["transactions"].as_u64().unwrap() > 300, "{}", report["transactions"]);
}
