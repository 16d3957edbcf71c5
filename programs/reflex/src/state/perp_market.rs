use anchor_lang::prelude::*;
use reflex_risk::fixed_math::mul_saturating;
use reflex_risk::mechanism::{margin_with_add_on, open_interest_add_on};
use reflex_risk::{FeedbackState, Fixed, OraclePrice, PerpEntry};

use super::{MarketRiskExtPpm, MarketRiskPpm, MarketTradingPpm, PerpPosition, PriceFeed, StoredFixed};
use crate::error::MapRiskErr;
use crate::math::{safe_mul_floor, SafeMath};
use crate::utils::{ppb, ppm};

/// One perpetual market (PDA `["market", market_index as u16 LE]`) on the
/// underlying of its feed, with its governed margin settings and the live
/// margin ratios that follow the feed's volatility, its trading settings
/// and the pool's side of every position in it (open interest, funding).
#[account(zero_copy)]
#[derive(Debug)]
pub struct PerpMarket {
    pub exchange: Pubkey,
    pub feed: Pubkey,
    /// Display name, UTF-8, zero padded (e.g. "SOL-PERP").
    pub name: [u8; 16],
    /// Governance margin curves, bounds and liquidation terms (validated by
    /// `reflex_risk::validate_market` on every change).
    pub risk: MarketRiskPpm,
    /// Live initial margin ratio: tightens at once, loosens at the loosening rate.
    pub initial_margin_ratio: StoredFixed,
    /// Live maintenance margin ratio: moves at the slew rates, never above initial.
    pub maintenance_margin_ratio: StoredFixed,
    /// Slot the live ratios were last advanced to.
    pub margin_slot: u64,
    /// Slots of the risk steward's last change of the initial and the
    /// maintenance base (0: never).
    pub steward_changed_slots: [u64; 2],
    pub market_index: u16,
    pub bump: u8,
    /// 1 while this market is reduce-only: trades may only reduce positions.
    pub reduce_only: u8,
    /// 1 once governance has set the trading settings; trades need it.
    pub trading_configured: u8,
    pub _padding: [u8; 3],
    /// Spread, fee, funding and open-interest settings.
    pub trading: MarketTradingPpm,
    /// Sum of the sizes of all long positions, base native units.
    pub long_base: u64,
    /// Sum of |size| of all short positions, base native units.
    pub short_base: u64,
    /// Sum of `quote_position` over open positions.
    pub quote_position_sum: StoredFixed,
    /// Sum of `size · funding_snapshot` over open positions.
    pub funding_snapshot_sum: StoredFixed,
    /// Cumulative funding per base native unit (quote native); longs owe its rises.
    pub funding_index: StoredFixed,
    /// Slot funding was last accrued to.
    pub funding_slot: u64,
    /// Quote the pool has realised in this market: fees, funding and PnL of
    /// closed positions (positive: the pool gained). Kept per market so
    /// trades on different markets do not write one shared account.
    pub pool_realized: StoredFixed,
    /// The `σ_T` the live margin ratios last moved toward.
    pub margin_volatility: StoredFixed,
    /// This market's part of the pool's value as last recorded at the
    /// price of `pool_value_slot`: `pool_realized − traders' unrealised
    /// PnL` (`controller::pool::record_market_value`). With it an LP
    /// instruction values the pool from market accounts alone, so 32
    /// markets fit one transaction.
    pub pool_value: StoredFixed,
    /// The same for the exit value: traders' unrealised losses left out.
    pub pool_exit_value: StoredFixed,
    /// Notional of the larger side at the recorded price (the OI cap).
    pub largest_side_notional: StoredFixed,
    /// Slot of the record; 0 once anything that moves the value (a
    /// position, funding, realised PnL) changed after it.
    pub pool_value_slot: u64,
    /// Gap floor and open-interest scaling (in what was reserved space:
    /// zero, off, in a market listed before them).
    pub risk_ext: MarketRiskExtPpm,
    /// Each side's open-interest cap in quote native units, as last
    /// measured by an instruction that had the pool at hand (a trade,
    /// governance): what utilisation is measured against. 0 with scaling
    /// on counts as fully used until the first trade measures it.
    pub open_interest_capacity: StoredFixed,
    /// The `σ_T` the live initial margin last moved toward, with split time
    /// constants (in what was reserved space: zero in a market listed
    /// before, read as `margin_volatility`).
    pub margin_initial_volatility: StoredFixed,
    /// The initial and maintenance margin bases as governance last set them
    /// (`list_perp_market`, `set_market_risk`), whatever the steward moved
    /// since: what a steward relaxes back to. Zero in a market listed
    /// before they were recorded (unknown until governance sets the risk again).
    pub governed_bases: [u32; 2],
}

impl PerpMarket {
    pub const SPACE: usize = 8 + std::mem::size_of::<PerpMarket>();

    /// Governance set its trading settings (`set_market_trading`).
    pub fn is_trading_configured(&self) -> bool {
        self.trading_configured == 1
    }

    /// This market is reduce-only: no order may add to a position.
    pub fn is_reduce_only(&self) -> bool {
        self.reduce_only == 1
    }

    pub fn margin_state(&self) -> FeedbackState {
        FeedbackState {
            initial: self.initial_margin_ratio.get(),
            maintenance: self.maintenance_margin_ratio.get(),
            last_slot: self.margin_slot,
            risk_volatility: self.margin_volatility.get(),
            // Never below maintenance's: zero (not yet recorded) reads as it.
            initial_volatility: self.margin_initial_volatility.get().max(self.margin_volatility.get()),
        }
    }

    /// The open-interest add-on to initial margin at the feed's price: the
    /// larger side's notional against the recorded capacity, through the
    /// governed scaling (`reflex_risk::mechanism::open_interest_add_on`).
    /// Never fails: it is part of every health entry, and a liquidation
    /// must not stop on it; a notional past what the fixed point holds
    /// counts as the whole add-on.
    pub fn open_interest_add_on(&self, feed: &PriceFeed) -> Fixed {
        let scaling = self.risk_ext.to_ext().open_interest;
        if scaling.max_add_on == 0 {
            return Fixed::ZERO;
        }
        let largest = Fixed::from_num(self.long_base.max(self.short_base));
        let notional = mul_saturating(largest, feed.last_price.get().max(Fixed::ZERO));
        open_interest_add_on(&scaling, notional, self.open_interest_capacity.get().max(Fixed::ZERO)).unwrap_or(scaling.max_add_on)
    }

    /// The initial margin ratio a risk-increasing action is held to: the
    /// live level plus the open-interest add-on, within the curve's upper bound.
    pub fn initial_margin_at_use(&self, feed: &PriceFeed) -> Fixed {
        margin_with_add_on(self.initial_margin_ratio.get(), ppm(self.risk.margin.initial.upper), self.open_interest_add_on(feed))
    }

    /// Any position open in this market?
    pub fn has_open_interest(&self) -> bool {
        self.long_base > 0 || self.short_base > 0
    }

    /// `long − short` open interest, base native units.
    pub fn skew(&self) -> i128 {
        // Two u64s in an i128: the difference always fits.
        (self.long_base as i128).saturating_sub(self.short_base as i128)
    }

    /// Accrues funding to `slot` at `price` from the skew as it stood.
    pub fn accrue_funding(&mut self, price: Fixed, slot: u64) -> Result<Fixed> {
        let slots = slot.saturating_sub(self.funding_slot);
        let delta = reflex_risk::trading::funding_index_delta(
            self.skew(),
            self.trading.skew_scale.max(1),
            self.trading.max_funding_rate_per_slot(),
            price,
            slots,
        )
        .map_risk_err()?;
        self.funding_slot = self.funding_slot.max(slot);
        if delta == 0 {
            // Nothing accrued (no slot passed, no skew): the pool's record
            // of this market stays current.
            return Ok(self.funding_index.get());
        }
        let index = self.funding_index.get().safe_add(delta)?;
        self.funding_index.set(index);
        self.pool_value_slot = 0;
        Ok(index)
    }

    /// Settles the funding `position` owes into its quote side and moves its
    /// snapshot to the current index. Returns the funding paid (negative: received).
    pub fn settle_funding(&mut self, position: &mut PerpPosition) -> Result<Fixed> {
        let index = self.funding_index.get();
        let snapshot = position.funding_snapshot.get();
        if index == snapshot {
            return Ok(Fixed::ZERO);
        }
        let owed = reflex_risk::trading::funding_owed(position.base_size, index, snapshot).map_risk_err()?;
        self.remove_position(position)?;
        position.quote_position.set(position.quote_position.get().safe_sub(owed)?);
        position.funding_snapshot.set(index);
        self.add_position(position)?;
        Ok(owed)
    }

    /// Takes `position` out of the market's running sums (before changing it).
    pub fn remove_position(&mut self, position: &PerpPosition) -> Result<()> {
        self.track(position, false)
    }

    /// Puts `position` into the market's running sums (after changing it).
    pub fn add_position(&mut self, position: &PerpPosition) -> Result<()> {
        self.track(position, true)
    }

    fn track(&mut self, position: &PerpPosition, adding: bool) -> Result<()> {
        self.pool_value_slot = 0;
        let size = position.base_size;
        let side = if size >= 0 { &mut self.long_base } else { &mut self.short_base };
        let units = size.unsigned_abs();
        *side = if adding { side.safe_add(units)? } else { side.safe_sub(units)? };
        let snapshot_term = safe_mul_floor(Fixed::from_num(size), position.funding_snapshot.get())?;
        let (quote, snapshot) = (position.quote_position.get(), snapshot_term);
        let apply = |sum: Fixed, term: Fixed| if adding { sum.safe_add(term) } else { sum.safe_sub(term) };
        self.quote_position_sum.set(apply(self.quote_position_sum.get(), quote)?);
        self.funding_snapshot_sum.set(apply(self.funding_snapshot_sum.get(), snapshot)?);
        Ok(())
    }

    /// Books quote the pool realised (positive) or paid (negative).
    pub fn add_pool_realized(&mut self, amount: Fixed) -> Result<()> {
        let total = self.pool_realized.get().safe_add(amount)?;
        self.pool_realized.set(total);
        self.pool_value_slot = 0;
        Ok(())
    }

    /// Traders' unrealised PnL in this market at the feed's price (the
    /// pool owes it; negative: traders owe the pool).
    pub fn traders_unrealized_pnl(&self, feed: &PriceFeed) -> Result<Fixed> {
        reflex_risk::pool::traders_unrealized_pnl(
            self.long_base,
            self.short_base,
            self.quote_position_sum.get(),
            self.funding_snapshot_sum.get(),
            self.funding_index.get(),
            feed.last_price.get(),
        )
        .map_risk_err()
    }

    /// `position` as the risk crate values it, with the feed's last price,
    /// the live margins (initial with its open-interest add-on) and the
    /// governed buffer, size factor and PnL weights. Unsettled funding uses the market's index as it stands.
    pub fn health_entry(&self, feed: &PriceFeed, position: &PerpPosition) -> Result<PerpEntry> {
        let unsettled_funding =
            reflex_risk::trading::funding_owed(position.base_size, self.funding_index.get(), position.funding_snapshot.get())
                .map_risk_err()?;
        Ok(PerpEntry {
            base_size: position.base_size,
            quote_position: position.quote_position.get(),
            unsettled_funding,
            price: OraclePrice::new(feed.last_price.get(), feed.last_confidence.get()),
            initial_margin_ratio: self.initial_margin_at_use(feed),
            maintenance_margin_ratio: self.maintenance_margin_ratio.get(),
            liquidation_buffer: ppm(self.risk.liquidation_buffer),
            size_factor: ppb(self.risk.size_factor_ppb),
            positive_pnl_weight_initial: ppm(self.risk.positive_pnl_weight_initial),
            positive_pnl_weight_maintenance: ppm(self.risk.positive_pnl_weight_maintenance),
        })
    }

    /// Records the bases governance just set (see `governed_bases`).
    pub fn record_governed_bases(&mut self) {
        self.governed_bases = [self.risk.margin.initial.base, self.risk.margin.maintenance.base];
    }

    pub fn store_margin_state(&mut self, state: &FeedbackState) {
        self.initial_margin_ratio.set(state.initial);
        self.maintenance_margin_ratio.set(state.maintenance);
        self.margin_slot = state.last_slot;
        self.margin_volatility.set(state.risk_volatility);
        self.margin_initial_volatility.set(state.initial_volatility);
    }
}

// The layout is frozen: a field added, removed or resized changes this, on the
// host and on SBF alike, and so must come with a migration (see PriceFeed).
const _: () = assert!(PerpMarket::SPACE == 472);
