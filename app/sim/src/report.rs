//! The study's report: frontier ratios per group of scenarios with their
//! intervals, frontier figures, anti-procyclicality metrics, the cascade
//! comparison, and a conclusion computed from those numbers.
use std::collections::BTreeMap;
use std::fmt::Write;

use crate::config::SimConfig;
use crate::frontier::{bootstrap, pooled_points, Frontier, GroupRuns, Interval, Point, BAD_DEBT_TOLERANCE_BP};
use crate::market::RunMetrics;
use crate::policy::PolicySpec;
use crate::run::{policies, Results};

/// The goals of the study: frontier ratios at most this in bad debt…
pub const DEBT_GOAL: f64 = 0.5;
/// …or at least this in efficiency.
pub const EFFICIENCY_GOAL: f64 = 1.3;
/// Slewed against unslewed: at least this cut in forced notional and largest cascade.
pub const CASCADE_GOAL: f64 = 0.25;
const RESAMPLES: usize = 300;

/// One group's numbers for every policy.
pub struct Group {
    pub name: String,
    pub scenarios: Vec<String>,
    pub points: Vec<Point>,
    /// `(bad-debt ratio, efficiency ratio)` per dynamic policy.
    pub ratios: Vec<(Interval, Interval)>,
}

impl Group {
    /// Meets the goal: bad-debt ratio ≤ 0.5 or efficiency ratio ≥ 1.3 (point estimates).
    pub fn meets_goal(&self, dynamic: usize) -> bool {
        let (debt, efficiency) = self.ratios[dynamic];
        debt.value.is_some_and(|r| r <= DEBT_GOAL) || efficiency.value.is_some_and(|r| r >= EFFICIENCY_GOAL)
    }
}

/// All the numbers the report prints, computed once.
pub struct Study {
    /// Bad debt (bp) the ratios leave out (see [`crate::frontier::net`]).
    pub tolerance: f64,
    pub specs: Vec<PolicySpec>,
    pub statics: Vec<usize>,
    pub dynamic: Vec<usize>,
    pub groups: Vec<Group>,
    /// `metrics[scenario][policy]` over seeds.
    pub metrics: BTreeMap<String, Vec<Vec<RunMetrics>>>,
}

fn point(m: &RunMetrics) -> Point {
    Point { efficiency: m.leverage_used, bad_debt: m.bad_debt_bp() }
}

/// The study at the report's tolerance, [`BAD_DEBT_TOLERANCE_BP`].
pub fn study(config: &SimConfig, results: &Results) -> Study {
    study_at(config, results, BAD_DEBT_TOLERANCE_BP)
}

/// The study with ratios on bad debt beyond `tolerance` bp.
pub fn study_at(config: &SimConfig, results: &Results, tolerance: f64) -> Study {
    let specs = policies(config);
    let names: Vec<String> = specs.iter().map(|s| s.name()).collect();
    let statics: Vec<usize> = (0..specs.len()).filter(|&i| specs[i].is_static()).collect();
    let dynamic: Vec<usize> = (0..specs.len()).filter(|&i| !specs[i].is_static()).collect();
    let mut metrics: BTreeMap<String, Vec<Vec<RunMetrics>>> = BTreeMap::new();
    for run in &results.runs {
        let Some(policy) = names.iter().position(|n| *n == run.policy) else { continue };
        let entry = metrics.entry(run.scenario.clone()).or_insert_with(|| vec![Vec::new(); specs.len()]);
        entry[policy].push(run.metrics.clone());
    }
    let mut families: Vec<(String, Vec<String>)> = Vec::new();
    for scenario in &config.scenarios {
        match families.iter_mut().find(|(f, _)| *f == scenario.family) {
            Some((_, list)) => list.push(scenario.name.clone()),
            None => families.push((scenario.family.clone(), vec![scenario.name.clone()])),
        }
    }
    let group_of = |name: String, scenarios: Vec<String>| -> Option<Group> {
        let runs: GroupRuns = scenarios
            .iter()
            .filter_map(|s| metrics.get(s))
            .filter(|per| per.iter().all(|seeds| !seeds.is_empty()) && per.iter().all(|seeds| seeds.len() == per[0].len()))
            .map(|per| per.iter().map(|seeds| seeds.iter().map(point).collect()).collect())
            .collect();
        if runs.is_empty() {
            return None;
        }
        let points = pooled_points(&runs, specs.len());
        let ratios = bootstrap(&runs, &statics, &dynamic, tolerance, RESAMPLES, 20_261_202);
        Some(Group { name, scenarios, points, ratios })
    };
    // Real files split into the calibration set and the files held out of
    // it, so the report shows how the settings carry to paths they never saw.
    let calibrated = |name: &str| {
        config.calibration.as_ref().is_some_and(|c| c.scenarios.iter().any(|s| s == name) || c.families.iter().any(|f| f == "real"))
    };
    let mut groups: Vec<Group> = Vec::new();
    for (family, list) in &families {
        if family != "real" {
            groups.extend(group_of(family.clone(), list.clone()));
            continue;
        }
        let (seen, held): (Vec<String>, Vec<String>) = list.iter().cloned().partition(|s| calibrated(s));
        if config.calibration.is_none() {
            groups.extend(group_of("real".into(), list.clone()));
        } else {
            groups.extend(group_of("real (calibration set)".into(), seen));
            groups.extend(group_of("real (held out)".into(), held));
        }
    }
    for (family, list) in &families {
        if family == "real" {
            groups.extend(list.iter().filter_map(|s| group_of(format!("real: {s}"), vec![s.clone()])));
        }
    }
    Study { tolerance, specs, statics, dynamic, groups, metrics }
}

fn ratio_text(interval: &Interval) -> String {
    let show = |x: f64| {
        if x.is_infinite() {
            "∞".to_string()
        } else if x.is_nan() {
            "–".to_string()
        } else {
            format!("{x:.2}")
        }
    };
    match interval.value {
        None => "n/a".into(),
        Some(v) => format!("{}{} [{}, {}]", show(v), if interval.bound { "†" } else { "" }, show(interval.low), show(interval.high)),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n.max(1) as f64
}

/// The study's verdict, computed from its numbers.
pub struct Verdict {
    /// Index into `Study::dynamic` of the adopted configuration.
    pub adopted: usize,
    pub groups_met: usize,
    pub groups: usize,
    /// Variants that improve on plain Reflex in most groups, by name.
    pub improving: Vec<String>,
    /// Cascade comparison per pair: (slewed, unslewed, forced-notional cut, cascade cut, bad debt no worse).
    pub cascades: Vec<(String, String, f64, f64, bool)>,
}

/// Ratios the score clamps to: a bad-debt ratio of 0 (the policy has none
/// where the frontier has some) or ∞ (the reverse) counts as a hundredfold
/// win or loss, not as no information.
const SCORE_CLAMP: f64 = 100.0;

/// `ln(efficiency ratio) − ln(bad-debt ratio)`: higher is better; an
/// undefined ratio adds nothing.
fn log_score(group: &Group, k: usize) -> f64 {
    let (debt, efficiency) = group.ratios[k];
    let ln = |v: Option<f64>| v.filter(|v| !v.is_nan()).map_or(0.0, |v| v.clamp(1.0 / SCORE_CLAMP, SCORE_CLAMP).ln());
    ln(efficiency.value) - ln(debt.value)
}

pub fn verdict(study: &Study) -> Verdict {
    let groups: Vec<&Group> = study.groups.iter().filter(|g| !g.name.starts_with("real: ")).collect();
    let score = |k: usize| -> (usize, f64) {
        let met = groups.iter().filter(|g| g.meets_goal(k)).count();
        (met, groups.iter().map(|g| log_score(g, k)).sum::<f64>())
    };
    let names: Vec<String> = study.dynamic.iter().map(|&i| study.specs[i].name()).collect();
    let candidates: Vec<usize> = (0..study.dynamic.len()).filter(|&k| !names[k].contains("no slew")).collect();
    let adopted = candidates
        .iter()
        .copied()
        .max_by(|&a, &b| {
            let (sa, sb) = (score(a), score(b));
            sa.0.cmp(&sb.0).then(sa.1.total_cmp(&sb.1))
        })
        .unwrap_or(0);
    let baseline = names.iter().position(|n| n == "reflex");
    let improving = match baseline {
        Some(base) => candidates
            .iter()
            .filter(|&&k| k != base)
            .filter(|&&k| groups.iter().filter(|g| log_score(g, k) > log_score(g, base)).count() * 2 > groups.len())
            .map(|&k| names[k].clone())
            .collect(),
        None => Vec::new(),
    };
    let mut cascades = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let Some(partner) = names.iter().position(|n| *n == format!("{name}, no slew")) else { continue };
        let (slewed, unslewed) = (study.dynamic[k], study.dynamic[partner]);
        let total =
            |policy: usize, f: fn(&RunMetrics) -> f64| -> f64 { study.metrics.values().map(|per| mean(per[policy].iter().map(f))).sum() };
        let forced = |p| total(p, |m| m.forced_notional / m.mean_equity.max(1e-9));
        let cascade = |p| total(p, |m| m.largest_cascade_notional / m.mean_equity.max(1e-9));
        let debt = |p| total(p, |m| m.bad_debt_bp());
        let cut = |a: f64, b: f64| if b > 0.0 { 1.0 - a / b } else { 0.0 };
        cascades.push((
            name.clone(),
            names[partner].clone(),
            cut(forced(slewed), forced(unslewed)),
            cut(cascade(slewed), cascade(unslewed)),
            debt(slewed) <= debt(unslewed) * 1.000_001 + 1e-9,
        ));
    }
    let groups_met = score(adopted).0;
    Verdict { adopted, groups_met, groups: groups.len(), improving, cascades }
}

pub fn markdown(config: &SimConfig, results: &Results, study: &Study, command: &str) -> String {
    let verdict = verdict(study);
    // The same rule on raw bad debt, so the reader sees what the tolerance decides.
    let raw = (study.tolerance > 0.0).then(|| {
        let raw = study_at(config, results, 0.0);
        let v = self::verdict(&raw);
        (raw.specs[raw.dynamic[v.adopted]].name(), v.groups_met, v.groups)
    });
    let names: Vec<String> = study.specs.iter().map(|s| s.name()).collect();
    let dynamic_names: Vec<&String> = study.dynamic.iter().map(|&i| &names[i]).collect();
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# The thesis, measured: volatility-feedback margin against the static frontier\n");
    let runs = results.runs.len();
    let slots: f64 = results.runs.iter().map(|r| r.metrics.slots as f64).sum();
    let account_steps: f64 = results
        .runs
        .iter()
        .map(|r| {
            r.metrics.steps as f64 * config.scenarios.iter().find(|s| s.name == r.scenario).map_or(0.0, |s| s.population.accounts as f64)
        })
        .sum();
    let cpu: f64 = results.runs.iter().map(|r| r.seconds).sum();
    let _ = writeln!(
        w,
        "Generated by `{command}`: {} scenarios × {} policies ({} static calibrations, {} dynamic) × seeds, {runs} runs, {:.2e} simulated slots in {:.0} s of wall time on {} threads ({:.0} s of CPU; {:.2e} account-steps per CPU second). \
         Every margin, haircut, volatility estimate, bounds check, health and liquidation decision is the risk crate's code (`reflex-risk`), as on chain.\n",
        config.scenarios.len(),
        study.specs.len(),
        study.statics.len(),
        study.dynamic.len(),
        slots,
        results.seconds,
        results.threads,
        cpu,
        account_steps / cpu.max(1e-9),
    );
    let _ = writeln!(w, "## Conclusion\n");
    let adopted = dynamic_names[verdict.adopted];
    let _ = writeln!(
        w,
        "- **Adopted configuration: `{adopted}`**, the dynamic policy that meets the goal (bad-debt ratio ≤ {DEBT_GOAL} or efficiency ratio ≥ {EFFICIENCY_GOAL} against the static frontier) in the most scenario groups: **{} of {}** ({}).",
        verdict.groups_met,
        verdict.groups,
        if verdict.groups_met == verdict.groups { "the goal is met everywhere" } else { "the goal is not met everywhere; see the table for where it fails" }
    );
    if let Some((name, met, groups)) = &raw {
        let _ = writeln!(
            w,
            "- The ratios leave out bad debt up to {} bp of mean equity. On raw bad debt the same rule adopts `{name}` ({met} of {groups}){}.",
            study.tolerance,
            if name == adopted { "" } else { ": the choice turns on differences below the tolerance" }
        );
    }
    let riskless: Vec<&str> = study
        .groups
        .iter()
        .filter(|g| !g.name.starts_with("real: ") && study.statics.iter().all(|&s| g.points[s].bad_debt <= study.tolerance))
        .map(|g| g.name.as_str())
        .collect();
    if !riskless.is_empty() {
        let _ = writeln!(
            w,
            "- In {} no static calibration has bad debt beyond the tolerance: the bad-debt ratio is undefined there for any policy within it, and a dynamic policy meets the goal only by using at least 1.3× the leverage of the lowest static margin.",
            riskless.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(grid) = &config.calibration {
        let _ = writeln!(
            w,
            "- The settings are `reflex-sim calibrate`'s winner for `{}` (`sim/calibrated/calibration.md`: {}). {}",
            grid.variant,
            crate::config::CALIBRATED_POLICY.lines().next().unwrap_or("").trim_start_matches("# "),
            if grid.variant == *adopted {
                "The adopted configuration is the calibrated one.".to_string()
            } else {
                format!(
                    "The adopted configuration is not the calibrated variant (`{}`): the next calibration should search `{adopted}`.",
                    grid.variant
                )
            }
        );
    }
    let _ = writeln!(
        w,
        "- Variants that improve on plain `reflex` (higher efficiency ratio over bad-debt ratio) in most groups: {}.",
        if verdict.improving.is_empty() {
            "none".to_string()
        } else {
            verdict.improving.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        }
    );
    for (slewed, unslewed, forced, cascade, debt) in &verdict.cascades {
        let met = *forced >= CASCADE_GOAL && *cascade >= CASCADE_GOAL && *debt;
        let _ = writeln!(
            w,
            "- Slew (`{slewed}` against `{unslewed}`, same curves, with voluntary deleveraging): forced-liquidation notional {:+.0}%, largest cascade {:+.0}%, bad debt {}: the ≥{:.0}% goal is **{}**.",
            -forced * 100.0,
            -cascade * 100.0,
            if *debt { "no higher" } else { "higher" },
            CASCADE_GOAL * 100.0,
            if met { "met" } else { "not met" }
        );
    }
    let _ = writeln!(w, "\nRatios are point estimates of pooled means with 95% bootstrap intervals over seeds in brackets, on bad debt beyond {} bp of mean equity; `n/a` where neither bad debt exceeds it; † marks a ratio whose frontier value lies past the swept calibrations (a bound, not an estimate). The conclusion above is computed from these tables by `reflex_sim::report::verdict`: the most groups meeting the goal, ties broken by the sum over groups of ln(efficiency ratio) − ln(bad-debt ratio), ratios clamped to [1/{SCORE_CLAMP}, {SCORE_CLAMP}].\n", study.tolerance);

    let _ = writeln!(w, "## Frontier ratios\n");
    let _ = writeln!(w, "Bad-debt ratio: the policy's bad debt over the static frontier's at the same efficiency (lower is better). Efficiency ratio: its leverage used over the most the frontier reaches with no more bad debt (higher is better). Efficiency is time-averaged Σ notional / Σ equity; bad debt is the shortfall of bankrupt accounts before insurance, in basis points of mean equity.\n");
    for group in &study.groups {
        let _ = writeln!(w, "### {}\n", group.name);
        let _ = writeln!(w, "Scenarios: {}.\n", group.scenarios.join(", "));
        let _ = writeln!(w, "| policy | leverage used | bad debt (bp) | bad-debt ratio | efficiency ratio | goal |");
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---|");
        for &s in &study.statics {
            let p = group.points[s];
            let _ = writeln!(w, "| {} | {:.2} | {:.2} | | | |", names[s], p.efficiency, p.bad_debt);
        }
        for (k, &d) in study.dynamic.iter().enumerate() {
            let p = group.points[d];
            let (debt, efficiency) = &group.ratios[k];
            let _ = writeln!(
                w,
                "| **{}** | {:.2} | {:.2} | {} | {} | {} |",
                names[d],
                p.efficiency,
                p.bad_debt,
                ratio_text(debt),
                ratio_text(efficiency),
                if group.meets_goal(k) { "met" } else { "–" }
            );
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(w, "## Anti-procyclicality\n");
    let _ = writeln!(w, "Per policy, averaged over every scenario: the initial and maintenance margin's peak-to-trough ratio and its largest rise within one hour and one day (fractions of notional), as central-bank studies of CCP margin report them.\n");
    let _ = writeln!(w, "| policy | initial peak/trough | initial rise 1 h | initial rise 1 d | maint. peak/trough | maint. rise 1 h | maint. rise 1 d | steward moves |");
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for &d in &study.dynamic {
        let all = |f: fn(&RunMetrics) -> f64| mean(study.metrics.values().map(|per| mean(per[d].iter().map(f))));
        let _ = writeln!(
            w,
            "| {} | {:.2} | {:.3} | {:.3} | {:.2} | {:.3} | {:.3} | {:.1} |",
            names[d],
            all(|m| m.initial_peak_to_trough),
            all(|m| m.initial_rise_hour),
            all(|m| m.initial_rise_day),
            all(|m| m.maintenance_peak_to_trough),
            all(|m| m.maintenance_rise_hour),
            all(|m| m.maintenance_rise_day),
            all(|m| m.steward_moves as f64),
        );
    }
    let _ = writeln!(w, "\n## Cascades: slewed against unslewed maintenance\n");
    let _ = writeln!(w, "Per scenario, means over seeds; notional in multiples of mean equity.\n");
    let _ = writeln!(
        w,
        "| scenario | policy | forced notional | voluntary notional | largest cascade (notional) | liquidations | bad debt (bp) |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|---:|");
    for (scenario, per) in &study.metrics {
        for (slewed, unslewed, ..) in &verdict.cascades {
            for name in [slewed, unslewed] {
                let Some(p) = names.iter().position(|n| n == name) else { continue };
                let runs = &per[p];
                let m = |f: fn(&RunMetrics) -> f64| mean(runs.iter().map(f));
                let _ = writeln!(
                    w,
                    "| {scenario} | {name} | {:.2} | {:.2} | {:.3} | {:.1} | {:.2} |",
                    m(|m| m.forced_notional / m.mean_equity.max(1e-9)),
                    m(|m| m.voluntary_notional / m.mean_equity.max(1e-9)),
                    m(|m| m.largest_cascade_notional / m.mean_equity.max(1e-9)),
                    m(|m| m.liquidations as f64),
                    m(|m| m.bad_debt_bp()),
                );
            }
        }
    }
    let _ = writeln!(w, "\n## Model\n");
    let p = &config.policies;
    let _ = writeln!(w, "- **Paths.** Real files are bridged between closes by a seeded Brownian bridge with each bar's own variance (`app/sim/src/path.rs`); synthetic paths are GARCH(1,1) with jumps and crashes. Liquidation sales add a log-price impact `sold / depth` that decays with a half-life (the book refills); depth shrinks when volatility rises above calm.");
    let _ = writeln!(w, "- **Steps.** A step lasts until the price has moved about `step_move` (one standard deviation of the bar's volatility), between one slot and `max_step_slots`: calm hours take a few steps, a crash is stepped slot by slot. The grid depends on the path alone, so every policy sees the same prices. The accumulator and the levels accept any step; slots before a print are spent under the targets in force, as on chain.");
    let _ = writeln!(w, "- **Traders.** Accounts arrive and leave (Poisson, mean life three days), hold stable and volatile collateral and one perp, and trade toward a target share of what initial margin allows at their own rate; under initial health they deleverage to target after a latency with a probability, paying the spread; some longs buy dips. Each side's open interest is capped at the pool's share, as on chain.");
    let _ = writeln!(w, "- **Keepers** act after a latency with the risk crate's least-size liquidation, then seize collateral at the discount, then settle bankruptcy from insurance (the penalties) and the pool.");
    let _ = writeln!(w, "- **Policies.** Static: the curves' targets at a fixed σ_T. Dynamic: margin curves initial {:?}, maintenance {:?} (base, k, lower, upper), slew {} per slot up and {} down; the variants add the robust estimator (grid {} slots, range weight {}), split time constants (initial half-life {} slots), the gap floor ({} + penalty), the utilisation add-on {:?} (lower, upper, most; applied at use on top of the live initial level, as on chain) and deposit-depth scaling, the steward (k = {}, step {}, every {} slots), the APC buffer ({}). Every variant's settings pass `validate_market` / `validate_collateral` (and the gap floor where claimed) before a run.", p.initial_margin, p.maintenance_margin, p.tighten_per_slot, p.loosen_per_slot, p.grid_slots, p.range_weight, p.initial_half_life_slots, p.gap_allowance, p.open_interest_scaling, p.steward_sigma_multiple, p.steward_step, p.steward_spacing_slots, p.apc_buffer);
    let _ = writeln!(w, "\nFigures: `frontier-*.svg` (one per group: the static frontier and every dynamic policy), `path-*.svg` (seed 0 of each synthetic scenario under `reflex` and `combined`).");
    out
}

const PALETTE: [&str; 10] = ["#1f4e9c", "#c0392b", "#16a085", "#8e44ad", "#d35400", "#2c3e50", "#27ae60", "#f39c12", "#e84393", "#7f8c8d"];

/// Bad debt against efficiency: the static frontier as a line, each dynamic policy as a labelled dot.
pub fn frontier_svg(study: &Study, group: &Group) -> String {
    let (width, height, left, bottom, top, right) = (760.0, 440.0, 60.0, 50.0, 30.0, 200.0);
    let all: Vec<Point> = group.points.clone();
    let max_e = all.iter().map(|p| p.efficiency).fold(0.0, f64::max).max(1e-9) * 1.05;
    let max_b = all.iter().map(|p| p.bad_debt).fold(0.0, f64::max).max(1e-6) * 1.1;
    let x = |e: f64| left + (width - left - right) * e / max_e;
    let y = |b: f64| height - bottom - (height - bottom - top) * b / max_b;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = write!(svg, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"{left}\" y=\"18\" font-size=\"14\">{}: bad debt against leverage used</text>", group.name);
    let _ = write!(svg, "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>", y(0.0), width - right, y(0.0));
    let _ = write!(svg, "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#333\"/>", y(0.0));
    for i in 0..=4 {
        let (e, b) = (max_e * i as f64 / 4.0, max_b * i as f64 / 4.0);
        let _ = write!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{e:.1}</text>", x(e), y(0.0) + 16.0);
        let _ = write!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{b:.1}</text>", left - 4.0, y(b) + 4.0);
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">leverage used (Σ notional / Σ equity, time average)</text>",
        (left + width - right) / 2.0,
        height - 12.0
    );
    let _ = write!(
        svg,
        "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">bad debt (bp of equity)</text>",
        height / 2.0,
        height / 2.0
    );
    let statics: Vec<Point> = study.statics.iter().map(|&s| group.points[s]).collect();
    let frontier = Frontier::new(&statics);
    let line: Vec<String> = frontier.points().iter().map(|p| format!("{:.1},{:.1}", x(p.efficiency), y(p.bad_debt))).collect();
    let _ = write!(svg, "<polyline points=\"{}\" fill=\"none\" stroke=\"#7f8c8d\" stroke-width=\"2\"/>", line.join(" "));
    for p in &statics {
        let _ = write!(svg, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#7f8c8d\"/>", x(p.efficiency), y(p.bad_debt));
    }
    let legend_x = width - right + 14.0;
    let _ = write!(svg, "<line x1=\"{legend_x}\" y1=\"{top}\" x2=\"{}\" y2=\"{top}\" stroke=\"#7f8c8d\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">static frontier</text>", legend_x + 16.0, legend_x + 20.0, top + 4.0);
    for (k, &d) in study.dynamic.iter().enumerate() {
        let p = group.points[d];
        let color = PALETTE[k % PALETTE.len()];
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{color}\" fill-opacity=\"0.8\"/>",
            x(p.efficiency),
            y(p.bad_debt)
        );
        let ly = top + 20.0 + 18.0 * k as f64;
        let _ = write!(
            svg,
            "<circle cx=\"{}\" cy=\"{ly}\" r=\"5\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            legend_x + 8.0,
            legend_x + 20.0,
            ly + 4.0,
            study.specs[d].name()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Price, σ_T and the margin levels of one charted run.
pub fn path_svg(title: &str, traces: &[(String, &crate::market::Trace)]) -> String {
    let (width, height, left, right) = (760.0, 420.0, 60.0, 160.0);
    let mut svg = String::new();
    let _ = write!(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ =
        write!(svg, "<text x=\"{left}\" y=\"18\" font-size=\"14\">{title}: price (top) and initial / maintenance margin (bottom)</text>");
    let Some((_, first)) = traces.first() else {
        svg.push_str("</svg>");
        return svg;
    };
    let max_slot = first.slot.last().copied().unwrap_or(1).max(1) as f64;
    let x = |s: u64| left + (width - left - right) * s as f64 / max_slot;
    let (p_lo, p_hi) = first.price.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    let py = |p: f64| 40.0 + 140.0 * (p_hi - p) / (p_hi - p_lo).max(1e-12);
    let line = |values: Vec<(u64, f64)>, color: &str, dash: &str, y: &dyn Fn(f64) -> f64| {
        let points: Vec<String> = values.iter().map(|(s, v)| format!("{:.1},{:.1}", x(*s), y(*v))).collect();
        format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"{dash}\"/>",
            points.join(" ")
        )
    };
    svg.push_str(&line(first.slot.iter().copied().zip(first.price.iter().copied()).collect(), "#333", "", &py));
    let m_hi = traces.iter().flat_map(|(_, t)| t.initial_margin.iter().copied()).fold(0.0f64, f64::max).max(0.01);
    let my = |m: f64| 210.0 + 170.0 * (m_hi - m) / m_hi;
    for (k, (name, trace)) in traces.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        svg.push_str(&line(trace.slot.iter().copied().zip(trace.initial_margin.iter().copied()).collect(), color, "", &my));
        svg.push_str(&line(trace.slot.iter().copied().zip(trace.maintenance_margin.iter().copied()).collect(), color, "4 3", &my));
        let ly = 60.0 + 36.0 * k as f64;
        let _ = write!(svg, "<text x=\"{}\" y=\"{ly}\" fill=\"{color}\">{name}</text><text x=\"{}\" y=\"{}\" fill=\"{color}\" font-size=\"10\">solid initial, dashed maint.</text>", width - right + 10.0, width - right + 10.0, ly + 14.0);
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.2}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.2}</text>",
        left - 4.0,
        py(p_hi) + 4.0,
        p_hi,
        left - 4.0,
        py(p_lo) + 4.0,
        p_lo
    );
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0}%</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0%</text>",
        left - 4.0,
        my(m_hi) + 4.0,
        m_hi * 100.0,
        left - 4.0,
        my(0.0) + 4.0
    );
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">slot (0 – {max_slot:.0})</text></svg>",
        (left + width - right) / 2.0,
        height - 10.0
    );
    svg
}

/// The group names as file-name slugs.
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
