//! Exogenous price paths: real bars filled in by a seeded Brownian bridge,
//! or synthetic GARCH with jumps and crashes. The market adds the impact of
//! forced sales on top.
//!
//! **Bridging.** A bar hides its path: between two closes the price went
//! through the bar's range. Between closes `a` and `b`, `n` slots apart, the
//! path is a Brownian bridge from `ln a` to `ln b` with the per-slot variance
//! of the bar itself, `max(r², mean of r² over the bar and its neighbours)/n`
//! (`r = ln(b/a)`; the neighbours keep a flat bar between two wild ones from
//! being bridged as calm). It is sampled exactly at any step: from `x` at
//! `t`, `h` slots on, with `R` slots to the close,
//! `x' ~ N(x + (ln b − x)·h/R, σ²·h·(R − h)/R)`. One file gives a new path
//! for every seed, always through the real closes.
//!
//! **Steps.** Years of slots cannot be stepped one at a time, and need not
//! be: a step is as long as it takes the price to move about `step_move`
//! (one standard deviation), `(step_move/σ)²` slots, at least one slot and at
//! most `max_step_slots`. So calm hours take a few steps and a crash is
//! stepped slot by slot. The grid depends on the path alone, so every
//! policy sees the same prices at the same slots.
use std::path::Path;
use std::sync::Arc;

use crate::config::PathSource;
use crate::rng::Rng;

/// A price file, as loaded.
#[derive(Debug)]
pub struct Bars {
    pub slot: Vec<u64>,
    pub log_price: Vec<f64>,
    pub confidence_ratio: Vec<f64>,
    /// Per-slot volatility of the bridge from bar `i` to bar `i + 1`.
    pub sigma: Vec<f64>,
}

impl Bars {
    /// Reads `slot,price,conf` (a header line, slots strictly increasing, prices positive).
    pub fn load(path: &Path) -> Result<Bars, String> {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        Bars::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Bars, String> {
        let (mut slot, mut log_price, mut confidence_ratio) = (Vec::new(), Vec::new(), Vec::new());
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (number == 0 && line.starts_with("slot")) {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            let bad = || format!("line {}: expected slot,price,conf, found {line:?}", number + 1);
            if fields.len() != 3 {
                return Err(bad());
            }
            let s: u64 = fields[0].trim().parse().map_err(|_| bad())?;
            let p: f64 = fields[1].trim().parse().map_err(|_| bad())?;
            let c: f64 = fields[2].trim().parse().map_err(|_| bad())?;
            if !(p > 0.0 && p.is_finite() && c >= 0.0) {
                return Err(format!("line {}: price must be positive and confidence not negative", number + 1));
            }
            if slot.last().is_some_and(|last| s <= *last) {
                return Err(format!("line {}: slots must increase", number + 1));
            }
            slot.push(s);
            log_price.push(p.ln());
            confidence_ratio.push(c / p);
        }
        if slot.len() < 2 {
            return Err("a price file needs at least two bars".into());
        }
        let squared: Vec<f64> = log_price.windows(2).map(|w| (w[1] - w[0]).powi(2)).collect();
        let sigma = (0..squared.len())
            .map(|i| {
                let neighbours = &squared[i.saturating_sub(1)..(i + 2).min(squared.len())];
                let mean = neighbours.iter().sum::<f64>() / neighbours.len() as f64;
                (squared[i].max(mean) / (slot[i + 1] - slot[i]) as f64).sqrt()
            })
            .collect();
        Ok(Bars { slot, log_price, confidence_ratio, sigma })
    }

    pub fn slots(&self) -> u64 {
        self.slot[self.slot.len() - 1] - self.slot[0]
    }

    /// The median bar's per-slot volatility: the file's calm.
    pub fn calm_volatility(&self) -> f64 {
        let mut sigma = self.sigma.clone();
        sigma.sort_by(f64::total_cmp);
        sigma[sigma.len() / 2]
    }
}

/// One step of the path.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// Slot at the end of the step (slots count from 0 at the first bar).
    pub slot: u64,
    pub dt: u64,
    pub price: f64,
    pub confidence_ratio: f64,
    /// Per-slot volatility in force over the step.
    pub sigma: f64,
}

enum Kind {
    Bars { bars: Arc<Bars>, index: usize },
    Synthetic { variance: f64, last_shock: f64 },
}

/// A path being walked.
pub struct PricePath<'a> {
    source: &'a PathSource,
    kind: Kind,
    rng: Rng,
    slot: u64,
    log_price: f64,
    end: u64,
}

impl<'a> PricePath<'a> {
    pub fn new(source: &'a PathSource, bars: Option<Arc<Bars>>, seed: u64) -> Self {
        let rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d).wrapping_add(11));
        match bars {
            Some(bars) => {
                let end = bars.slots();
                let log_price = bars.log_price[0];
                PricePath { source, kind: Kind::Bars { bars, index: 0 }, rng, slot: 0, log_price, end }
            }
            None => {
                let variance = source.calm_volatility * source.calm_volatility;
                let kind = Kind::Synthetic { variance, last_shock: 0.0 };
                PricePath { source, kind, rng, slot: 0, log_price: source.initial_price.ln(), end: source.slots }
            }
        }
    }

    pub fn total_slots(&self) -> u64 {
        self.end
    }

    pub fn start_price(&self) -> f64 {
        self.log_price.exp()
    }

    /// The next step, or `None` at the end of the path.
    pub fn next_step(&mut self) -> Option<Step> {
        if self.slot >= self.end {
            return None;
        }
        let source = self.source;
        match &mut self.kind {
            Kind::Bars { bars, index } => {
                let first = bars.slot[0];
                while bars.slot[*index + 1] - first <= self.slot {
                    *index += 1;
                }
                let i = *index;
                let sigma = bars.sigma[i];
                let remaining = bars.slot[i + 1] - first - self.slot;
                let wanted = if sigma > 0.0 { (source.step_move / sigma).powi(2) } else { f64::INFINITY };
                let h = (wanted.min(source.max_step_slots as f64) as u64).max(1).min(remaining);
                let target = bars.log_price[i + 1];
                if h == remaining {
                    self.log_price = target;
                } else {
                    let (h, r) = (h as f64, remaining as f64);
                    let mean = self.log_price + (target - self.log_price) * h / r;
                    let spread = sigma * (h * (r - h) / r).sqrt();
                    self.log_price = mean + spread * self.rng.normal();
                }
                self.slot += h;
                Some(Step { slot: self.slot, dt: h, price: self.log_price.exp(), confidence_ratio: bars.confidence_ratio[i + 1], sigma })
            }
            Kind::Synthetic { variance, last_shock } => {
                let calm = source.calm_volatility * source.calm_volatility;
                let omega = calm * (1.0 - source.garch_alpha - source.garch_beta);
                *variance = omega + source.garch_alpha * *last_shock * *last_shock + source.garch_beta * *variance;
                let shock = variance.sqrt() * self.rng.normal();
                *last_shock = shock;
                let mut log_return = shock;
                if source.jump_probability > 0.0 && self.rng.uniform() < source.jump_probability {
                    log_return += source.jump_mean + source.jump_volatility * self.rng.normal();
                }
                self.slot += 1;
                for crash in &source.crash {
                    if self.slot >= crash.start && self.slot < crash.start + crash.slots {
                        log_return += (1.0 - crash.drop).ln() / crash.slots as f64;
                    }
                }
                self.log_price += log_return;
                let sigma = variance.sqrt();
                Some(Step { slot: self.slot, dt: 1, price: self.log_price.exp(), confidence_ratio: 0.0005, sigma })
            }
        }
    }
}
