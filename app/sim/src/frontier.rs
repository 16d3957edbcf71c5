//! The static frontier and the frontier ratios.
//!
//! Static margin at a sweep of calibrations traces bad debt against
//! efficiency (leverage actually used). The frontier is its lower envelope:
//! at efficiency `e`, the least bad debt any static calibration with at
//! least that efficiency reaches, linear between calibrations. For a
//! dynamic policy at `(e, b)`:
//!
//! - *bad-debt ratio* `b / B(e)`: its bad debt over the frontier's at the same efficiency;
//! - *efficiency ratio* `e / E(b)`: its efficiency over the most the frontier
//!   reaches with no more bad debt.
//!
//! Both ratios see bad debt beyond a tolerance ([`BAD_DEBT_TOLERANCE_BP`]),
//! so a policy cannot win (or lose) a group on a difference nobody would
//! act on: 0.2 bp against zero is not a bad-debt ratio of zero.
//!
//! Outside the swept range the frontier is not extrapolated: the nearest
//! end is used and the ratio marked as a bound. Intervals are percentile
//! bootstraps over seeds (the same resampled seeds for every policy, so the
//! comparison stays paired).
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub efficiency: f64,
    pub bad_debt: f64,
}

/// Bad debt the ratios leave out, in basis points of mean equity: a tenth
/// of a percent, fixed before the study was rerun with it. Below it a
/// difference between two policies is a rounding error to an insurance
/// fund and, on two seeds, mostly noise; the tables still print the raw
/// bad debt.
pub const BAD_DEBT_TOLERANCE_BP: f64 = 10.0;

/// `point` as the ratios see it: bad debt beyond `tolerance` (bp).
pub fn net(point: Point, tolerance: f64) -> Point {
    Point { efficiency: point.efficiency, bad_debt: (point.bad_debt - tolerance).max(0.0) }
}

/// How a frontier value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reach {
    /// Between two calibrations.
    Inside,
    /// Past the most efficient (or safest) calibration: the ratio is a bound.
    Beyond,
}

pub struct Frontier {
    /// Sorted by efficiency; bad debt made non-decreasing (the envelope).
    envelope: Vec<Point>,
}

impl Frontier {
    pub fn new(points: &[Point]) -> Self {
        let mut sorted: Vec<Point> = points.iter().copied().filter(|p| p.efficiency.is_finite() && p.bad_debt.is_finite()).collect();
        sorted.sort_by(|a, b| a.efficiency.total_cmp(&b.efficiency));
        let mut best = f64::INFINITY;
        for point in sorted.iter_mut().rev() {
            best = best.min(point.bad_debt);
            point.bad_debt = best;
        }
        Frontier { envelope: sorted }
    }

    pub fn points(&self) -> &[Point] {
        &self.envelope
    }

    /// `B(e)`: the frontier's bad debt at efficiency `e`.
    pub fn bad_debt_at(&self, efficiency: f64) -> Option<(f64, Reach)> {
        let (first, last) = (self.envelope.first()?, self.envelope.last()?);
        if efficiency <= first.efficiency {
            return Some((first.bad_debt, if efficiency < first.efficiency { Reach::Beyond } else { Reach::Inside }));
        }
        if efficiency >= last.efficiency {
            return Some((last.bad_debt, if efficiency > last.efficiency { Reach::Beyond } else { Reach::Inside }));
        }
        let j = self.envelope.iter().rposition(|p| p.efficiency <= efficiency)?;
        let (a, b) = (self.envelope[j], self.envelope[j + 1]);
        let t = if b.efficiency > a.efficiency { (efficiency - a.efficiency) / (b.efficiency - a.efficiency) } else { 0.0 };
        Some((a.bad_debt + t * (b.bad_debt - a.bad_debt), Reach::Inside))
    }

    /// `E(b)`: the most efficiency the frontier reaches with bad debt ≤ `b`;
    /// `None` when every calibration has more bad debt than `b`.
    pub fn efficiency_at(&self, bad_debt: f64) -> Option<(f64, Reach)> {
        let j = self.envelope.iter().rposition(|p| p.bad_debt <= bad_debt)?;
        if j + 1 == self.envelope.len() {
            let reach = if bad_debt > self.envelope[j].bad_debt { Reach::Beyond } else { Reach::Inside };
            return Some((self.envelope[j].efficiency, reach));
        }
        let (a, b) = (self.envelope[j], self.envelope[j + 1]);
        let t = if b.bad_debt > a.bad_debt { (bad_debt - a.bad_debt) / (b.bad_debt - a.bad_debt) } else { 0.0 };
        Some((a.efficiency + t * (b.efficiency - a.efficiency), Reach::Inside))
    }
}

/// A policy's two ratios against a frontier. `None`: undefined (both bad
/// debts zero for the first; no calibration as safe for the second, which
/// then counts as unbounded).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Ratios {
    pub bad_debt: Option<f64>,
    pub bad_debt_reach: Reach,
    pub efficiency: Option<f64>,
    pub efficiency_reach: Reach,
}

pub fn ratios(frontier: &Frontier, point: Point) -> Ratios {
    let (b_front, bad_debt_reach) = frontier.bad_debt_at(point.efficiency).unwrap_or((f64::NAN, Reach::Beyond));
    let bad_debt = if b_front > 0.0 {
        Some(point.bad_debt / b_front)
    } else if point.bad_debt > 0.0 {
        Some(f64::INFINITY)
    } else {
        None
    };
    let (efficiency, efficiency_reach) = match frontier.efficiency_at(point.bad_debt) {
        Some((e, reach)) if e > 0.0 => (Some(point.efficiency / e), reach),
        Some((_, reach)) => (None, reach),
        None => (Some(f64::INFINITY), Reach::Beyond),
    };
    Ratios { bad_debt, bad_debt_reach, efficiency, efficiency_reach }
}

/// A ratio with its bootstrap interval.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Interval {
    pub value: Option<f64>,
    pub low: f64,
    pub high: f64,
    /// The point estimate's frontier value lies past the swept
    /// calibrations: the ratio is a bound, not an estimate.
    #[serde(default)]
    pub bound: bool,
}

/// Per-seed (efficiency, bad debt) of every policy in one group of
/// scenarios: `runs[scenario][policy][seed]`.
pub type GroupRuns = Vec<Vec<Vec<Point>>>;

fn pooled(runs: &GroupRuns, policy: usize, picks: &[Vec<usize>]) -> Point {
    let (mut e, mut b) = (0.0, 0.0);
    for (scenario, seeds) in runs.iter().zip(picks) {
        let n = seeds.len().max(1) as f64;
        e += seeds.iter().map(|&s| scenario[policy][s].efficiency).sum::<f64>() / n;
        b += seeds.iter().map(|&s| scenario[policy][s].bad_debt).sum::<f64>() / n;
    }
    let k = runs.len().max(1) as f64;
    Point { efficiency: e / k, bad_debt: b / k }
}

/// The group's pooled point of each policy (mean over its scenarios of the mean over seeds).
pub fn pooled_points(runs: &GroupRuns, policies: usize) -> Vec<Point> {
    let all: Vec<Vec<usize>> = runs.iter().map(|s| (0..s.first().map_or(0, |p| p.len())).collect()).collect();
    (0..policies).map(|p| pooled(runs, p, &all)).collect()
}

/// Frontier ratios of every policy in `dynamic` against the statics in
/// `statics`, on bad debt beyond `tolerance` bp (see [`net`]), with
/// percentile intervals from `resamples` bootstrap draws of seeds.
pub fn bootstrap(
    runs: &GroupRuns,
    statics: &[usize],
    dynamic: &[usize],
    tolerance: f64,
    resamples: usize,
    seed: u64,
) -> Vec<(Interval, Interval)> {
    let policies = runs.first().map_or(0, |s| s.len());
    let points: Vec<Point> = pooled_points(runs, policies).into_iter().map(|p| net(p, tolerance)).collect();
    let frontier = Frontier::new(&statics.iter().map(|&s| points[s]).collect::<Vec<_>>());
    let central: Vec<Ratios> = dynamic.iter().map(|&d| ratios(&frontier, points[d])).collect();
    let mut rng = Rng::new(seed);
    let mut draws: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); dynamic.len()];
    for _ in 0..resamples {
        let picks: Vec<Vec<usize>> = runs
            .iter()
            .map(|s| {
                let n = s.first().map_or(0, |p| p.len());
                (0..n).map(|_| ((rng.uniform() * n as f64) as usize).min(n.saturating_sub(1))).collect()
            })
            .collect();
        let sample: Vec<Point> = (0..policies).map(|p| net(pooled(runs, p, &picks), tolerance)).collect();
        let frontier = Frontier::new(&statics.iter().map(|&s| sample[s]).collect::<Vec<_>>());
        for (k, &d) in dynamic.iter().enumerate() {
            let r = ratios(&frontier, sample[d]);
            if let Some(v) = r.bad_debt {
                draws[k].0.push(v);
            }
            if let Some(v) = r.efficiency {
                draws[k].1.push(v);
            }
        }
    }
    central
        .iter()
        .zip(draws)
        .map(|(c, (mut debt, mut efficiency))| {
            (interval(c.bad_debt, c.bad_debt_reach, &mut debt), interval(c.efficiency, c.efficiency_reach, &mut efficiency))
        })
        .collect()
}

fn interval(value: Option<f64>, reach: Reach, draws: &mut [f64]) -> Interval {
    let bound = value.is_some() && reach == Reach::Beyond;
    if draws.is_empty() {
        return Interval { value, low: f64::NAN, high: f64::NAN, bound };
    }
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((q * (draws.len() - 1) as f64).round() as usize).min(draws.len() - 1)];
    Interval { value, low: at(0.025), high: at(0.975), bound }
}
