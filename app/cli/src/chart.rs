//! The demo's SVG chart: four stacked panels over the path's steps (price
//! with liquidations; σ_T; margin ratios, haircuts and the base the steward
//! bot moves, with its moves marked; utilisation and its margin add-on),
//! phases shaded.
use std::fmt::Write;

use crate::scenario::Sample;

const WIDTH: f64 = 960.0;
const PANEL_HEIGHT: f64 = 190.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 175.0;
const TOP: f64 = 56.0;
const GAP: f64 = 40.0;

struct Series<'a> {
    label: &'a str,
    color: &'a str,
    dashed: bool,
    values: Vec<f64>,
}

pub fn svg(samples: &[Sample]) -> String {
    let height = TOP + 4.0 * (PANEL_HEIGHT + GAP) + 20.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="15" font-weight="bold">Reflex demo: SOL through calm, build-up, crash, gap and recovery</text>
"#
    );
    let percent = |f: fn(&Sample) -> f64| samples.iter().map(|s| f(s) * 100.0).collect::<Vec<_>>();
    let panels: [(&str, Vec<Series>); 4] = [
        (
            "SOL price ($); red: liquidations",
            vec![Series { label: "SOL", color: "#1f4e9c", dashed: false, values: samples.iter().map(|s| s.sol_price).collect() }],
        ),
        (
            "risk volatility σ_T (%): initial levels follow the fast one, maintenance the slow one",
            vec![
                Series { label: "σ_T initial", color: "#8a3ab9", dashed: false, values: percent(|s| s.sol_sigma_initial) },
                Series { label: "σ_T maint.", color: "#8a3ab9", dashed: true, values: percent(|s| s.sol_sigma) },
            ],
        ),
        (
            "requirements (%)",
            vec![
                Series { label: "SOL-PERP initial", color: "#c0392b", dashed: false, values: percent(|s| s.sol_perp_initial_margin) },
                Series { label: "SOL-PERP maint.", color: "#c0392b", dashed: true, values: percent(|s| s.sol_perp_maintenance_margin) },
                Series { label: "wSOL haircut init.", color: "#16a085", dashed: false, values: percent(|s| s.wsol_initial_haircut) },
                Series { label: "wSOL haircut maint.", color: "#16a085", dashed: true, values: percent(|s| s.wsol_maintenance_haircut) },
                Series { label: "SOL-PERP init. base", color: "#e67e22", dashed: false, values: percent(|s| s.sol_perp_initial_base) },
            ],
        ),
        (
            "SOL-PERP utilisation (% of the pool's per-side capacity) and its initial-margin add-on (%)",
            vec![
                Series { label: "utilisation", color: "#2c3e50", dashed: false, values: percent(|s| s.sol_perp_utilisation) },
                Series { label: "OI add-on", color: "#c0392b", dashed: true, values: percent(|s| s.sol_perp_open_interest_add_on) },
            ],
        ),
    ];
    let n = samples.len().max(2);
    let x = |i: usize| LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    for (panel, (title, series)) in panels.iter().enumerate() {
        let top = TOP + panel as f64 * (PANEL_HEIGHT + GAP);
        let bottom = top + PANEL_HEIGHT;
        // Phase bands.
        let mut start = 0;
        for i in 1..=samples.len() {
            if i == samples.len() || samples[i].phase != samples[start].phase {
                let fill = match samples[start].phase {
                    "crash" | "gap" => "#fdecea",
                    "build-up" => "#fff4e0",
                    _ => "#f4f6f8",
                };
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top}" width="{:.1}" height="{PANEL_HEIGHT}" fill="{fill}"/>"#,
                    x(start),
                    (x(i - 1) - x(start)).max(1.0)
                );
                if panel == 0 && x(i - 1) - x(start) > 40.0 {
                    let _ = writeln!(
                        out,
                        r##"<text x="{:.1}" y="{:.1}" fill="#555">{}</text>"##,
                        x(start) + 4.0,
                        top + 14.0,
                        samples[start].phase
                    );
                }
                start = i;
            }
        }
        let all: Vec<f64> = series.iter().flat_map(|s| s.values.iter().copied()).collect();
        let (mut low, mut high) = (all.iter().copied().fold(f64::MAX, f64::min), all.iter().copied().fold(f64::MIN, f64::max));
        if high - low < 1e-9 {
            high += 1.0;
            low -= 1.0;
        }
        let pad = (high - low) * 0.08;
        // Quantities that cannot be negative keep their axis at or above zero.
        let (low, high) = (if low >= 0.0 { (low - pad).max(0.0) } else { low - pad }, high + pad);
        let y = |v: f64| bottom - (v - low) / (high - low) * PANEL_HEIGHT;
        let _ = writeln!(
            out,
            r##"<rect x="{LEFT}" y="{top}" width="{:.1}" height="{PANEL_HEIGHT}" fill="none" stroke="#999"/>"##,
            WIDTH - LEFT - RIGHT
        );
        let _ = writeln!(out, r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">{title}</text>"#, top - 6.0);
        for tick in 0..=4 {
            let value = low + (high - low) * tick as f64 / 4.0;
            let _ = writeln!(
                out,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{}</text>"##,
                LEFT - 6.0,
                y(value) + 4.0,
                label(value)
            );
        }
        for (index, s) in series.iter().enumerate() {
            let points: Vec<String> = s.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
            let dash = if s.dashed { r#" stroke-dasharray="6 4""# } else { "" };
            let _ = writeln!(out, r#"<polyline fill="none" stroke="{}" stroke-width="2"{dash} points="{}"/>"#, s.color, points.join(" "));
            let legend_y = top + 16.0 + index as f64 * 18.0;
            let _ = writeln!(
                out,
                r#"<line x1="{:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{}" stroke-width="2"{dash}/>"#,
                WIDTH - RIGHT + 10.0,
                WIDTH - RIGHT + 34.0,
                s.color
            );
            let _ = writeln!(out, r#"<text x="{:.1}" y="{:.1}">{}</text>"#, WIDTH - RIGHT + 40.0, legend_y + 4.0, s.label);
        }
        if panel == 2 {
            // Raises point up above the line, relaxations down below it.
            let triangle = |cx: f64, cy: f64, up: bool| {
                if up {
                    format!("M{cx:.1},{:.1} l5,9 h-10 z", cy - 14.0)
                } else {
                    format!("M{cx:.1},{:.1} l5,-9 h-10 z", cy + 14.0)
                }
            };
            for (i, sample) in samples.iter().enumerate().filter(|(_, s)| s.steward_moves > 0) {
                let up = i == 0 || sample.sol_perp_initial_base > samples[i - 1].sol_perp_initial_base;
                let path = triangle(x(i), y(sample.sol_perp_initial_base * 100.0), up);
                let what = if up { "raises" } else { "relaxes" };
                let base = sample.sol_perp_initial_base * 100.0;
                let _ = writeln!(
                    out,
                    r##"<path d="{path}" fill="#e67e22"><title>the steward bot {what} the base to {base:.1}% at slot {}</title></path>"##,
                    sample.slot
                );
            }
            for (row, (up, text)) in [(true, "steward raise"), (false, "steward relax")].into_iter().enumerate() {
                let legend_y = top + 16.0 + (series.len() + row) as f64 * 18.0;
                let _ = writeln!(
                    out,
                    r##"<path d="{}" fill="#e67e22"/>"##,
                    triangle(WIDTH - RIGHT + 22.0, legend_y + if up { 9.0 } else { -9.0 }, up)
                );
                let _ = writeln!(out, r#"<text x="{:.1}" y="{:.1}">{text}</text>"#, WIDTH - RIGHT + 40.0, legend_y + 4.0);
            }
        }
        if panel == 0 {
            for (i, sample) in samples.iter().enumerate().filter(|(_, s)| s.liquidations > 0) {
                let radius = 3.0 + (sample.liquidations as f64).sqrt() * 2.0;
                let _ = writeln!(
                    out,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="{radius:.1}" fill="#e74c3c" fill-opacity="0.7"><title>{} liquidations at slot {}</title></circle>"##,
                    x(i),
                    y(sample.sol_price),
                    sample.liquidations,
                    sample.slot
                );
            }
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">step (calm and build-up: 25 slots each, crash: 2, gap: 1 with no keeper awake, recovery: 300)</text>"##,
        (LEFT + WIDTH - RIGHT) / 2.0,
        height - 6.0
    );
    out.push_str("</svg>\n");
    out
}

fn label(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
