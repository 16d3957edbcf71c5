//! The cascade-aware steward as a bot (`reflex steward run`): the study's
//! rule (`reflex_risk::mechanism::steward`) run against a cluster.
//!
//! Each pass reads every margin account, values it as the program does
//! ([`crate::health`]), and finds each position's liquidation price (the
//! price of its market's feed at which the account's maintenance health
//! reaches zero, the account's other prices fixed). Per market that gives
//! the liquidation-price distribution; the notional whose liquidation price
//! lies within `k·σ_T` of the price is what one plausible move would force
//! out. Above what the market can absorb, the steward raises the market's
//! base initial margin one step; well below it, it relaxes one step toward
//! the floor. Maintenance is never touched, so the steward liquidates nobody.
//!
//! Every move goes through `steward_set_market_base`, whose caps the
//! program enforces whatever the bot asks: within the curve's governance
//! bounds, at most `steward_max_change_ppm` per change, at least
//! `steward_min_slots` apart. The bot asks for no more: its step is the
//! smaller of the study's and the on-chain cap, and it waits out the longer
//! of the study's spacing and the on-chain one itself. It relaxes back to
//! the base governance set (`PerpMarket::governed_bases`), never below. It keeps no state between passes (every decision is from
//! accounts read afresh), so a restarted bot, or two at once, cannot move a
//! base further than one bot would: the second change inside the spacing is
//! refused (`StewardChangeTooSoon`) and logged as a lost race.
use anchor_lang::prelude::Pubkey;
use reflex::error::ReflexError;
use reflex::state::RiskLevel;
use reflex::state::{Exchange, PerpMarket, PriceFeed};
use reflex_risk::mechanism::{notional_within_move, steward_base, LiquidationPoint, StewardRule};
use reflex_risk::Fixed;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::{Cluster, ClusterError};
use crate::{health, instructions as ix, pda, presets};

/// What the bot runs with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StewardSettings {
    /// `k`, the step and the relax threshold of the rule.
    pub rule: StewardRule,
    /// The furthest above its floor the steward takes a base.
    pub max_raise: Fixed,
    /// What a market can absorb, as a share of the pool's per-side
    /// open-interest capacity (the chain knows no order-book depth; the
    /// capacity is what governance sized the market's open interest to).
    pub absorbable_share: Fixed,
    /// Spacing the study calibrated (slots between two moves of a base):
    /// what governance should give `set_risk_steward` as `min_slots`.
    pub spacing_slots: u64,
}

impl StewardSettings {
    /// The calibrated settings (`sim/calibrated/policy.toml`, keys
    /// `steward_*`), with a quarter of the per-side capacity taken as absorbable.
    pub fn calibrated() -> Self {
        let number = |key: &str| presets::calibrated_policy(key);
        StewardSettings {
            rule: StewardRule {
                sigma_multiple: Fixed::from_num(number("steward_sigma_multiple")),
                step: Fixed::from_num(number("steward_step")),
                relax_below: Fixed::from_num(number("steward_relax_below")),
            },
            max_raise: Fixed::from_num(number("steward_max_raise")),
            absorbable_share: Fixed::from_num(0.25),
            spacing_slots: number("steward_spacing_slots") as u64,
        }
    }

    /// The calibrated step in ppm: what governance should give
    /// `set_risk_steward` as `max_change_ppm`.
    pub fn step_ppm(&self) -> u32 {
        to_ppm(self.rule.step)
    }
}

fn to_ppm(fraction: Fixed) -> u32 {
    (fraction.saturating_mul(Fixed::from_num(1_000_000))).round().max(Fixed::ZERO).to_num::<u64>().min(u32::MAX as u64) as u32
}

fn from_ppm(ppm: u32) -> Fixed {
    reflex::utils::ppm(ppm)
}

/// What became of one market's decision.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The rule leaves the base where it is.
    Hold,
    /// The rule wants a move, but the last one is too recent (on-chain spacing).
    Waiting { until_slot: u64 },
    /// `--dry-run`: the move the bot would have sent.
    WouldSend,
    /// Sent and confirmed.
    Sent { signature: String },
    /// Another steward moved the base first (refused as too soon): nothing to do.
    LostRace,
    /// The program refused the move (its message).
    Refused(String),
}

/// One market's decision and the numbers behind it (quote native units,
/// prices in quote native per base native, like the feed's).
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub market_index: u16,
    pub name: String,
    pub slot: u64,
    pub price: Fixed,
    /// The maintenance `σ_T` the band is measured in.
    pub sigma: Fixed,
    /// `k·σ_T`: the fractional move the steward looks through.
    pub band: Fixed,
    /// Positions with a liquidation price, and their total notional.
    pub positions: usize,
    pub notional: Fixed,
    /// Notional whose liquidation price lies within the band.
    pub at_risk: Fixed,
    pub absorbable: Fixed,
    /// The distribution: notional within 1, 2, 5 and 10 bands of the price.
    pub within_bands: [Fixed; 4],
    /// Base initial margin now, the floor and ceiling the bot keeps it
    /// within, the largest change the program allows, and what the rule asks.
    pub base_ppm: u32,
    pub floor_ppm: u32,
    pub ceiling_ppm: u32,
    pub max_change_ppm: u32,
    pub wanted_ppm: u32,
    pub outcome: Outcome,
}

impl Decision {
    /// One line with the numbers behind the decision.
    pub fn log_line(&self) -> String {
        let pct = |ppm: u32| ppm as f64 / 1e4;
        let action = match &self.outcome {
            Outcome::Hold => "hold".to_string(),
            Outcome::Waiting { until_slot } => format!("wants {:.2}%, waits for slot {until_slot} (spacing)", pct(self.wanted_ppm)),
            Outcome::WouldSend => format!("would move to {:.2}% (dry run)", pct(self.wanted_ppm)),
            Outcome::Sent { signature } => format!("moved to {:.2}% ({signature})", pct(self.wanted_ppm)),
            Outcome::LostRace => "another steward moved it first".to_string(),
            Outcome::Refused(why) => format!("refused: {why}"),
        };
        format!(
            "slot {} {}: σ_T {:.3}%, band ±{:.2}%, at risk {:.0} of {:.0} over {} positions, absorbable {:.0}; initial base {:.2}% in [{:.2}%, {:.2}%]: {action}",
            self.slot,
            self.name,
            self.sigma.to_num::<f64>() * 100.0,
            self.band.to_num::<f64>() * 100.0,
            self.at_risk.to_num::<f64>(),
            self.notional.to_num::<f64>(),
            self.positions,
            self.absorbable.to_num::<f64>(),
            pct(self.base_ppm),
            pct(self.floor_ppm),
            pct(self.ceiling_ppm),
        )
    }
}

/// Every listed market with its feed, read once for a pass (by market
/// index; `None` where either account is missing).
pub fn listed_markets(cluster: &impl Cluster, market_count: u16) -> Vec<Option<(PerpMarket, PriceFeed)>> {
    (0..market_count)
        .map(|index| {
            let market = cluster.read::<PerpMarket>(&pda::market(index))?;
            let feed = cluster.read::<PriceFeed>(&market.feed)?;
            Some((market, feed))
        })
        .collect()
}

/// Each market's liquidation-price distribution: for every margin account
/// with a position there, the position's liquidation price and notional.
/// Accounts that cannot be valued (an account they name is missing) and
/// positions with no liquidation price within 0.01x–100x are left out.
pub fn liquidation_points(
    cluster: &impl Cluster,
    markets: &[Option<(PerpMarket, PriceFeed)>],
) -> Result<Vec<Vec<LiquidationPoint>>, ClusterError> {
    let mut points = vec![Vec::new(); markets.len()];
    for (_, margin) in cluster.margin_accounts()? {
        let Ok((snapshot, feeds)) = health::snapshot_with_feeds(cluster, &margin) else { continue };
        for position in margin.perps_in_use() {
            let index = position.market_index as usize;
            let Some(Some((market, feed))) = markets.get(index) else { continue };
            let Some(multiple) = health::liquidation_multiple(&snapshot, &feeds, &market.feed) else { continue };
            let price = feed.last_price.get();
            let notional = Fixed::from_num(position.base_size.unsigned_abs()).saturating_mul(price);
            points[index].push(LiquidationPoint { price: Fixed::from_num(multiple).saturating_mul(price), notional });
        }
    }
    Ok(points)
}

fn decide(
    exchange: &Exchange,
    market: &PerpMarket,
    feed: &PriceFeed,
    points: &[LiquidationPoint],
    settings: &StewardSettings,
    slot: u64,
) -> Result<Decision, ClusterError> {
    let bad = |what: &str| ClusterError::Transport(format!("market {}: {what}", market.market_index));
    let curve = market.risk.margin.initial;
    let price = feed.last_price.get();
    // The band is measured in the σ_T the margins follow now.
    let sigma = feed.volatility_path().map_err(|_| bad("its feed's σ_T cannot be computed"))?.current;
    let band = settings.rule.sigma_multiple.saturating_mul(sigma);
    // One move goes one way: longs are forced out below the price, shorts
    // above it, so what one move forces out is the larger side (a hedged
    // pair of accounts does not count twice). A sum past what the fixed
    // point holds counts as everything (fails closed: a raise, never a relax).
    let (below, above): (Vec<LiquidationPoint>, Vec<LiquidationPoint>) = points.iter().partition(|p| p.price <= price);
    let within = |bands: i32| -> Fixed {
        let reach = band.saturating_mul(Fixed::from_num(bands));
        let side = |side: &[LiquidationPoint]| notional_within_move(side, price, reach).unwrap_or(Fixed::MAX);
        side(&below).max(side(&above))
    };
    let at_risk = within(1);
    let notional = points.iter().fold(Fixed::ZERO, |sum, p| sum.saturating_add(p.notional));
    let absorbable = market.open_interest_capacity.get().saturating_mul(settings.absorbable_share);
    // Relax back to the base governance set (the curve's lower bound in a
    // market listed before it was recorded), and never below the
    // maintenance base, which the bounds check would refuse.
    let governed = if market.governed_bases[0] != 0 { market.governed_bases[0] } else { curve.lower };
    let floor_ppm = governed.max(curve.lower).max(market.risk.margin.maintenance.base).min(curve.upper);
    let ceiling_ppm = curve.upper.min(floor_ppm.saturating_add(to_ppm(settings.max_raise)));
    let max_change_ppm = exchange.steward_max_change_ppm;
    let rule = StewardRule { step: settings.rule.step.min(from_ppm(max_change_ppm)), ..settings.rule };
    let wanted = steward_base(&rule, from_ppm(curve.base), from_ppm(floor_ppm), from_ppm(ceiling_ppm), at_risk, absorbable)
        .map_err(|_| bad("the steward rule overflowed"))?;
    // Never ask for more than the program allows, whatever the rounding.
    let wanted_ppm = to_ppm(wanted)
        .clamp(curve.base.saturating_sub(max_change_ppm), curve.base.saturating_add(max_change_ppm))
        .clamp(curve.lower, curve.upper);
    // The program's spacing, or the calibrated one if that is longer.
    let last = market.steward_changed_slots[0];
    let until_slot = last.saturating_add((exchange.steward_min_slots as u64).max(settings.spacing_slots));
    let outcome = if wanted_ppm == curve.base {
        Outcome::Hold
    } else if last != 0 && slot < until_slot {
        Outcome::Waiting { until_slot }
    } else {
        Outcome::WouldSend
    };
    Ok(Decision {
        market_index: market.market_index,
        name: String::from_utf8_lossy(&market.name).trim_end_matches('\0').to_string(),
        slot,
        price,
        sigma,
        band,
        positions: points.len(),
        notional,
        at_risk,
        absorbable,
        within_bands: [at_risk, within(2), within(5), within(10)],
        base_ppm: curve.base,
        floor_ppm,
        ceiling_ppm,
        max_change_ppm,
        wanted_ppm,
        outcome,
    })
}

/// One pass over every market: decide, and unless `dry_run`, send the moves
/// signed by `steward` (which must be the exchange's risk steward).
pub fn run_pass(
    cluster: &mut impl Cluster,
    steward: &Keypair,
    settings: &StewardSettings,
    dry_run: bool,
) -> Result<Vec<Decision>, ClusterError> {
    let exchange: Exchange =
        cluster.read(&pda::exchange()).ok_or_else(|| ClusterError::Transport("no Reflex exchange on this cluster".into()))?;
    if !dry_run && exchange.risk_steward != steward.pubkey() {
        return Err(ClusterError::Rejected {
            code: Some(u32::from(ReflexError::NotRiskSteward)),
            message: format!(
                "{} is not the risk steward ({}); governance names it with `reflex gov set-steward`, or run with --dry-run",
                steward.pubkey(),
                if exchange.risk_steward == Pubkey::default() { "none is named".to_string() } else { exchange.risk_steward.to_string() }
            ),
            logs: Vec::new(),
        });
    }
    let (slot, _) = cluster.clock()?;
    let markets = listed_markets(cluster, exchange.market_count);
    let points = liquidation_points(cluster, &markets)?;
    let mut decisions = Vec::new();
    for (index, listed) in markets.iter().enumerate() {
        let Some((market, feed)) = listed else { continue };
        let index = index as u16;
        let mut decision = decide(&exchange, market, feed, &points[index as usize], settings, slot)?;
        if decision.outcome == Outcome::WouldSend && !dry_run {
            let move_ = ix::steward_set_market_base(&steward.pubkey(), index, &feed.feed_id, RiskLevel::Initial, decision.wanted_ppm);
            decision.outcome = match cluster.send(&[move_], steward, &[]) {
                Ok(sent) => Outcome::Sent { signature: sent.signature },
                Err(error @ ClusterError::Transport(_)) => return Err(error),
                Err(error) if error.is(ReflexError::StewardChangeTooSoon) => Outcome::LostRace,
                Err(error) => Outcome::Refused(error.to_string()),
            };
        }
        decisions.push(decision);
    }
    Ok(decisions)
}
