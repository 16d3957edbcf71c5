//! The robust estimator (`reflex_risk::mechanism::robust`) written from its
//! module docs in f64, independently of the fixed-point code: the reference
//! the risk crate's values (`tests/mechanism.rs`) and the SBF binary's
//! (`tests/tests/integration/replay.rs` at the workspace root) are held to. Included by
//! path in both, so there is one copy.
use reflex_risk::mechanism::RobustConfig;

/// The robust estimator written from its module docs in f64, independently
/// of the fixed-point code: the reference the on-chain values are held to.
#[derive(Default)]
pub struct RobustReference {
    last_price: f64,
    last_slot: u64,
    anchor_price: f64,
    anchor_slot: u64,
    previous_anchor: f64,
    variances: [f64; 4],
    confidence: f64,
    updates: u64,
}

impl RobustReference {
    pub fn update(&mut self, c: &RobustConfig, price: f64, confidence: f64, slot: u64) {
        let ratio = confidence / price;
        let seed = c.seed_variance.to_num::<f64>();
        if self.updates == 0 {
            *self = RobustReference {
                last_price: price,
                last_slot: slot,
                anchor_price: price,
                anchor_slot: slot,
                previous_anchor: price,
                variances: [seed; 4],
                confidence: ratio,
                updates: 1,
            };
            return;
        }
        if slot <= self.last_slot {
            return;
        }
        let decay = |dt: u64, half_life: u64| 0.5f64.powf(dt as f64 / half_life as f64);
        let w = 1.0 - decay(slot - self.last_slot, c.confidence_half_life_slots);
        self.confidence += w * (ratio - self.confidence);
        let (g, clamp) = (c.grid_slots, c.max_log_return.to_num::<f64>());
        let cells = self.last_slot / g - self.anchor_slot / g;
        if slot / g > self.last_slot / g && cells > 0 {
            let dt = cells * g;
            let r = (self.last_price / self.anchor_price).ln().clamp(-clamp, clamp);
            let sample = r * r / dt as f64;
            let half_lives = [c.initial_half_life_slots, c.fast_half_life_slots, c.slow_half_life_slots, c.long_half_life_slots];
            for (variance, half_life) in self.variances.iter_mut().zip(half_lives) {
                *variance += (1.0 - decay(dt, half_life)) * (sample - *variance);
            }
            self.previous_anchor = self.anchor_price;
            self.anchor_price = self.last_price;
            self.anchor_slot = self.last_slot;
        }
        self.last_price = price;
        self.last_slot = slot;
        self.updates += 1;
    }

    /// (σ_init, σ_maint).
    pub fn sigma(&self, c: &RobustConfig) -> (f64, f64) {
        let (t, clamp) = (c.horizon_slots as f64, c.max_log_return.to_num::<f64>());
        let range = |reference: f64| (self.last_price / reference).ln().clamp(-clamp, clamp).abs();
        let directional = c.range_weight.to_num::<f64>() * range(self.anchor_price).max(range(self.previous_anchor));
        let confidence = self.confidence.min(clamp);
        let [initial, fast, slow, _] = self.variances;
        let slow = fast.max(slow);
        ((slow.max(initial) * t).sqrt().max(directional) + confidence, (slow * t).sqrt().max(directional) + confidence)
    }
}
