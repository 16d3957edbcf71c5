//! Native benchmark of the risk engine's hot paths: health of the worst-case
//! account (8 collaterals + 8 perp positions, size scaling on) and one
//! accumulator update. Prints a markdown table; `bash scripts/bench-risk.sh`
//! writes it to docs/risk-benchmarks.md.
//!
//! Each figure is the median over several batches of wall-clock time per
//! call on the machine that ran it; they are for comparing changes on one
//! machine, not absolute truths.
use std::hint::black_box;
use std::time::Instant;

use reflex_risk::fixed_math::{exp2, ln};
use reflex_risk::{
    perp_liquidation, AccountSnapshot, AccumulatorConfig, CollateralEntry, Fixed, HealthLevel, OraclePrice, PerpEntry,
    VolatilityAccumulator,
};

fn fx(x: f64) -> Fixed {
    Fixed::from_num(x)
}

fn worst_case_account() -> AccountSnapshot {
    let collateral = (0..8)
        .map(|i| CollateralEntry {
            amount: 1_000_000_000 * (i + 1),
            price: OraclePrice::new(fx(0.1 + i as f64 * 0.01), fx(0.0001)),
            initial_haircut: fx(0.2),
            maintenance_haircut: fx(0.1),
            liquidation_buffer: fx(0.03),
            size_factor: fx(1e-6),
        })
        .collect();
    let perps = (0..8)
        .map(|i| PerpEntry {
            base_size: if i % 2 == 0 { 5_000_000_000 } else { -3_000_000_000 },
            quote_position: fx(if i % 2 == 0 { -450_000_000.0 } else { 310_000_000.0 }),
            unsettled_funding: fx(12.5),
            price: OraclePrice::new(fx(0.1), fx(0.0001)),
            initial_margin_ratio: fx(0.1),
            maintenance_margin_ratio: fx(0.05),
            liquidation_buffer: fx(0.02),
            size_factor: fx(1e-6),
            positive_pnl_weight_initial: fx(0.5),
            positive_pnl_weight_maintenance: fx(0.8),
        })
        .collect();
    // Under water at the liquidation-end level, so sizing does its full work.
    AccountSnapshot { quote_balance: fx(-6_000_000_000.0), collateral, perps }
}

/// Median nanoseconds per call over 15 batches of `iterations` calls.
fn measure(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut batches: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    batches.sort_by(|a, b| a.total_cmp(b));
    batches[batches.len() / 2]
}

fn main() {
    let account = worst_case_account();
    assert!(account.health(HealthLevel::LiquidationEnd).unwrap() < 0, "the benchmark account must need liquidation");
    let config = AccumulatorConfig {
        fast_half_life_slots: 9_000,
        slow_half_life_slots: 216_000,
        max_log_return: fx(0.2),
        horizon_slots: 150,
        seed_variance: fx(1e-9),
    };
    let mut seeded = VolatilityAccumulator::default();
    seeded.update(&config, fx(0.1), fx(0.0001), 1).unwrap();

    let rows: Vec<(&str, f64)> = vec![
        (
            "health, Initial (8 collateral + 8 perps, size scaling)",
            measure(2_000, || {
                black_box(black_box(&account).health(HealthLevel::Initial).unwrap());
            }),
        ),
        (
            "health, Maintenance",
            measure(2_000, || {
                black_box(black_box(&account).health(HealthLevel::Maintenance).unwrap());
            }),
        ),
        (
            "health summary (all three levels)",
            measure(1_000, || {
                black_box(black_box(&account).summary().unwrap());
            }),
        ),
        (
            "accumulator update (one slot later)",
            measure(20_000, || {
                let mut accumulator = seeded;
                black_box(accumulator.update(&config, black_box(fx(0.1003)), fx(0.0001), 2).unwrap());
            }),
        ),
        (
            "accumulator update after a 10^7-slot gap",
            measure(20_000, || {
                let mut accumulator = seeded;
                black_box(accumulator.update(&config, black_box(fx(0.13)), fx(0.0001), 10_000_001).unwrap());
            }),
        ),
        (
            "perp liquidation size (worst-case account)",
            measure(200, || {
                black_box(perp_liquidation(black_box(&account), 0, fx(0.01)).unwrap());
            }),
        ),
        (
            "ln",
            measure(50_000, || {
                black_box(ln(black_box(fx(1.2345))).unwrap());
            }),
        ),
        (
            "exp2",
            measure(50_000, || {
                black_box(exp2(black_box(fx(-0.3456))).unwrap());
            }),
        ),
    ];

    println!("# reflex-risk benchmarks\n");
    println!("Native, release build, median wall-clock time per call over 15 batches,");
    println!("measured by `bash scripts/bench-risk.sh` (`cargo bench -p reflex-risk`).");
    println!("On-chain cost is measured separately, in compute units, from the SBF binary.\n");
    println!("| operation | ns per call |\n|---|---:|");
    for (name, nanos) in rows {
        println!("| {name} | {nanos:.0} |");
    }
}
