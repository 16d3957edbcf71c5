//! The `reflex` binary as a script sees it: help, argument errors, exit
//! codes and the shape of `--json` output.
use std::process::{Command, Output};

use serde_json::Value;

fn reflex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reflex")).args(args).env_remove("REFLEX_URL").env_remove("REFLEX_KEYPAIR").output().expect("runs")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("stdout is not JSON: {}", String::from_utf8_lossy(&output.stdout)))
}

/// A keypair file in the Solana CLI's format.
fn keypair_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("reflex-cli-test-{}.json", std::process::id()));
    let bytes: Vec<u8> = (0..64).map(|i| i as u8 + 1).collect();
    std::fs::write(&path, serde_json::to_string(&bytes).unwrap()).unwrap();
    path
}

#[test]
fn help_lists_every_role() {
    let output = reflex(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["gov", "lp", "trader", "keeper", "demo", "bench-cu", "Exit codes"] {
        assert!(text.contains(command), "--help lacks {command}");
    }
    for sub in [["gov", "list-market"], ["trader", "status"], ["keeper", "run"], ["lp", "withdraw"]] {
        assert!(reflex(&[sub[0], sub[1], "--help"]).status.success(), "{sub:?} --help");
    }
}

#[test]
fn bad_arguments_exit_2_and_say_what_is_missing() {
    let output = reflex(&["trader", "open", "--market", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--size"));
    assert_eq!(reflex(&["trader", "open", "--market", "x", "--size", "1"]).status.code(), Some(2));
    assert_eq!(reflex(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_missing_keypair_is_a_usage_error_with_a_hint() {
    let output = reflex(&["--keypair", "/nonexistent/id.json", "trader", "status"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("solana-keygen new"));
    let output = reflex(&["--json", "--keypair", "/nonexistent/id.json", "trader", "status"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout_json(&output)["error"]["kind"], "usage");
}

#[test]
fn an_unreachable_cluster_exits_3() {
    let keypair = keypair_file();
    let keypair = keypair.to_str().unwrap();
    let output = reflex(&["--json", "--url", "http://127.0.0.1:1", "--keypair", keypair, "keeper", "scan"]);
    assert_eq!(output.status.code(), Some(3));
    let json = stdout_json(&output);
    assert_eq!(json["error"]["kind"], "unreachable");
    assert!(json["error"]["message"].as_str().unwrap().contains("--url"));
    let output = reflex(&["--url", "http://127.0.0.1:1", "--keypair", keypair, "trader", "status", "--account", "not-an-address"]);
    assert_eq!(output.status.code(), Some(2), "a bad address is caught before the network");
}

#[test]
fn the_demo_writes_its_report_and_chart_and_prints_json() {
    let out = std::env::temp_dir().join(format!("reflex-demo-test-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_reflex"))
        .args(["--json", "demo", "--out", out.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json = stdout_json(&output);
    assert_eq!(json["conserved"], true);
    assert_eq!(json["left_liquidatable"], 0);
    let phases: Vec<&str> = json["phases"].as_array().unwrap().iter().map(|p| p["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["calm", "build-up", "crash", "gap", "recovery"]);
    assert!(json["samples"].as_array().unwrap().len() > 100);
    // The steward bot raises SOL-PERP's base as the layer builds up and
    // relaxes it in the recovery; the raise refuses part of the layer's
    // second wave, which static margin lets through.
    let (build_up, recovery) = (&json["phases"][1], &json["phases"][4]);
    assert!(build_up["steward_moves"].as_u64().unwrap() >= 1 && build_up["max_initial_base"].as_f64().unwrap() > 0.06, "{build_up}");
    assert!(recovery["steward_moves"].as_u64().unwrap() >= 1, "{recovery}");
    let runs = json["comparison"]["runs"].as_array().expect("the static comparison");
    assert_eq!((runs[0]["configuration"].as_str(), runs[1]["configuration"].as_str()), (Some("calibrated Reflex"), Some("static margin")));
    assert!(runs[0]["refused_orders"].as_u64().unwrap() > runs[1]["refused_orders"].as_u64().unwrap(), "{runs:?}");
    assert!(runs.iter().all(|run| run["conserved"] == true && run["left_liquidatable"] == 0), "{runs:?}");
    let crash = &json["phases"][2];
    assert!(crash["perp_liquidations"].as_u64().unwrap() > 0);
    assert!(crash["max_initial_margin"].as_f64().unwrap() > json["phases"][0]["max_initial_margin"].as_f64().unwrap());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["phases"], json["phases"]);
    let chart = std::fs::read_to_string(out.join("chart.svg")).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("polyline") && chart.contains("σ_T"));
    assert!(
        chart.contains("utilisation") && chart.contains("steward raise") && chart.contains("the steward bot raises the base"),
        "the chart shows the steward's moves"
    );
}
