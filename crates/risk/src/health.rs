//! Account health (DESIGN.md section 6). One module owns it: the program, the
//! SDK and the keeper all build an [`AccountSnapshot`] once per decision and
//! query it.
//!
//! All values are in quote native units. For a level `L`:
//!
//! ```text
//! health_L = quote_balance
//!          + Σ_collateral  floor(amount · p_asset,L) · w_L
//!          + Σ_perps       weight_L(pnl_L) − ceil(|size| · p_liab,L) · m_L
//!
//! pnl_L        = size · p_pnl,L + quote_position − unsettled_funding
//! weight_L(x)  = x                    if x ≤ 0   (losses count in full)
//!              = x · pnl_weight_L     if x > 0   (gains are discounted)
//! ```
//!
//! | level | prices | collateral weight `w` | margin ratio `m` |
//! |---|---|---|---|
//! | Initial | assets at `p − conf`, liabilities at `p + conf` | `min(1 − h_init, (1 + imf)/(1 + imf·sqrt(value)))` | `min(1, max(m_init, imf·sqrt(notional)))` |
//! | Maintenance | `p` | `1 − h_maint` | `m_maint` |
//! | LiquidationEnd | `p` | `1 − min(1, h_maint + buffer)` | `min(1, m_maint + buffer)` |
//!
//! A long's PnL is priced like an asset and a short's like a liability.
//! Initial must stay ≥ 0 after anything that adds risk; Maintenance < 0 makes
//! the account liquidatable; liquidation stops once LiquidationEnd ≥ 0, a
//! buffer above maintenance so an account is not liquidated again next slot.
//!
//! Size scaling applies to the initial level only: it gates new risk,
//! while the maintenance and liquidation-end levels stay linear in size, so
//! the slewed maintenance ratio alone decides liquidations and the size to
//! liquidate has an exact closed form ([`crate::liquidation`]).
//!
//! Rounding: every asset term rounds down and every liability term up (the
//! `fixed` multiplication rounds toward −∞, which is against the account for
//! negative terms too), so computed health never exceeds exact health.
use crate::error::{RiskError, RiskResult};
use crate::fixed_math::{add, mul_ceil, mul_floor, sub};
use crate::params::{size_scaled_collateral_weight, size_scaled_margin_ratio};
use crate::Fixed;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HealthLevel {
    Initial,
    Maintenance,
    LiquidationEnd,
}

/// An oracle price with its confidence interval, both in quote native units
/// per base native unit (see [`crate::price`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    pub price: Fixed,
    pub confidence: Fixed,
}

impl OraclePrice {
    pub fn new(price: Fixed, confidence: Fixed) -> Self {
        OraclePrice { price, confidence }
    }

    /// The price an asset is valued at: `p − conf` (not below 0) for Initial.
    pub fn asset_price(&self, level: HealthLevel) -> RiskResult<Fixed> {
        match level {
            HealthLevel::Initial => Ok(sub(self.price, self.confidence)?.max(Fixed::ZERO)),
            _ => Ok(self.price),
        }
    }

    /// The price a liability is valued at: `p + conf` for Initial.
    pub fn liability_price(&self, level: HealthLevel) -> RiskResult<Fixed> {
        match level {
            HealthLevel::Initial => add(self.price, self.confidence),
            _ => Ok(self.price),
        }
    }
}

/// One collateral balance with its live haircuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralEntry {
    /// Balance in the token's native units.
    pub amount: u64,
    pub price: OraclePrice,
    pub initial_haircut: Fixed,
    pub maintenance_haircut: Fixed,
    pub liquidation_buffer: Fixed,
    /// IMF of the initial weight; 0 disables size scaling.
    pub size_factor: Fixed,
}

impl CollateralEntry {
    /// `floor(amount · p_asset)` in quote native units.
    pub fn value(&self, level: HealthLevel) -> RiskResult<Fixed> {
        mul_floor(Fixed::from_num(self.amount), self.price.asset_price(level)?)
    }

    /// Haircut of the liquidation-end level: `min(1, h_maint + buffer)`.
    pub fn liquidation_end_haircut(&self) -> Fixed {
        self.maintenance_haircut.saturating_add(self.liquidation_buffer).min(Fixed::ONE)
    }

    /// The weight `w` this balance counts at (see the module table).
    pub fn weight(&self, level: HealthLevel, value: Fixed) -> RiskResult<Fixed> {
        let weight = match level {
            HealthLevel::Initial => size_scaled_collateral_weight(self.initial_haircut, self.size_factor, value)?,
            HealthLevel::Maintenance => sub(Fixed::ONE, self.maintenance_haircut)?,
            HealthLevel::LiquidationEnd => sub(Fixed::ONE, self.liquidation_end_haircut())?,
        };
        Ok(weight.clamp(Fixed::ZERO, Fixed::ONE))
    }

    /// `floor(value · w)`: what this balance adds to health.
    pub fn contribution(&self, level: HealthLevel) -> RiskResult<Fixed> {
        let value = self.value(level)?;
        mul_floor(value, self.weight(level, value)?)
    }
}

/// One perp position with its live margin ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpEntry {
    /// Signed size in base native units (positive long, negative short).
    pub base_size: i64,
    /// Quote side of the position: what opening it cost (negative for a
    /// long) plus PnL realised by partial closes and not yet settled.
    pub quote_position: Fixed,
    /// Funding the account owes (negative: funding owed to it), quote native.
    pub unsettled_funding: Fixed,
    pub price: OraclePrice,
    pub initial_margin_ratio: Fixed,
    pub maintenance_margin_ratio: Fixed,
    pub liquidation_buffer: Fixed,
    /// IMF of the initial margin; 0 disables size scaling.
    pub size_factor: Fixed,
    pub positive_pnl_weight_initial: Fixed,
    pub positive_pnl_weight_maintenance: Fixed,
}

impl PerpEntry {
    /// `size · p_pnl + quote_position − unsettled_funding`, with a long valued
    /// at the asset price and a short at the liability price.
    pub fn pnl(&self, level: HealthLevel) -> RiskResult<Fixed> {
        let price = if self.base_size > 0 { self.price.asset_price(level)? } else { self.price.liability_price(level)? };
        let position_value = mul_floor(Fixed::from_num(self.base_size), price)?;
        sub(add(position_value, self.quote_position)?, self.unsettled_funding)
    }

    /// `ceil(|size| · p_liab)`.
    pub fn notional(&self, level: HealthLevel) -> RiskResult<Fixed> {
        mul_ceil(Fixed::from_num(self.base_size.unsigned_abs()), self.price.liability_price(level)?)
    }

    /// Margin ratio of the liquidation-end level: `min(1, m_maint + buffer)`.
    pub fn liquidation_end_margin_ratio(&self) -> Fixed {
        self.maintenance_margin_ratio.saturating_add(self.liquidation_buffer).min(Fixed::ONE)
    }

    /// The margin ratio `m` for this position at `level` (see the module table).
    pub fn margin_ratio(&self, level: HealthLevel, notional: Fixed) -> RiskResult<Fixed> {
        match level {
            HealthLevel::Initial => size_scaled_margin_ratio(self.initial_margin_ratio, self.size_factor, notional),
            HealthLevel::Maintenance => Ok(self.maintenance_margin_ratio),
            HealthLevel::LiquidationEnd => Ok(self.liquidation_end_margin_ratio()),
        }
    }

    /// `ceil(notional · m)`.
    pub fn requirement(&self, level: HealthLevel) -> RiskResult<Fixed> {
        let notional = self.notional(level)?;
        mul_ceil(notional, self.margin_ratio(level, notional)?)
    }

    /// `weight(pnl)`: gains discounted by the level's PnL weight, losses in full.
    pub fn weighted_pnl(&self, level: HealthLevel, pnl: Fixed) -> RiskResult<Fixed> {
        if pnl <= 0 {
            return Ok(pnl);
        }
        let weight = match level {
            HealthLevel::Initial => self.positive_pnl_weight_initial,
            _ => self.positive_pnl_weight_maintenance,
        };
        mul_floor(pnl, weight.clamp(Fixed::ZERO, Fixed::ONE))
    }

    /// `weight(pnl) − requirement`: what this position adds to health.
    pub fn contribution(&self, level: HealthLevel) -> RiskResult<Fixed> {
        let weighted = self.weighted_pnl(level, self.pnl(level)?)?;
        sub(weighted, self.requirement(level)?)
    }
}

/// A perp position whose feed has no usable price, as health counts it for
/// liquidations and reductions: the last price moved against the position
/// by `band` (a long at `p·(1 − band)`, a short at `p·(1 + band)`, no
/// confidence) and no credit for gains. It can only value the position
/// lower than any price inside the band would, so the account's other
/// entries can be liquidated without trusting the missing price.
pub fn unpriced_perp(entry: &PerpEntry, band: Fixed) -> RiskResult<PerpEntry> {
    let band = band.clamp(Fixed::ZERO, Fixed::ONE);
    let price = entry.price.price;
    let moved = if entry.base_size > 0 { mul_floor(price, sub(Fixed::ONE, band)?)? } else { mul_ceil(price, add(Fixed::ONE, band)?)? };
    Ok(PerpEntry {
        price: OraclePrice::new(moved, Fixed::ZERO),
        positive_pnl_weight_initial: Fixed::ZERO,
        positive_pnl_weight_maintenance: Fixed::ZERO,
        ..*entry
    })
}

/// Everything health needs about one margin account, with the prices and
/// parameters of the current slot. Built once per instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSnapshot {
    /// Signed quote balance in quote native units (negative is debt).
    pub quote_balance: Fixed,
    pub collateral: Vec<CollateralEntry>,
    pub perps: Vec<PerpEntry>,
}

/// The three health levels of one account, and its equity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthSummary {
    pub initial: Fixed,
    pub maintenance: Fixed,
    pub liquidation_end: Fixed,
    /// [`AccountSnapshot::equity`].
    pub equity: Fixed,
}

impl HealthSummary {
    /// [`is_liquidatable`] for these levels, `being_liquidated` the account's mark.
    pub fn is_liquidatable(&self, being_liquidated: bool) -> bool {
        is_liquidatable(self.maintenance, self.liquidation_end, being_liquidated)
    }
}

/// Who keepers may liquidate (DESIGN.md section 9): an account whose
/// maintenance health is below zero, or one under liquidation (it carries
/// the mark the first step set) whose liquidation-end health is still
/// below zero, so a liquidation runs to the buffer instead of stopping the
/// moment maintenance is met. The one definition: the program's
/// liquidations refuse anything else, and the keeper, the CLI, the tests
/// and the simulator ask it.
pub fn is_liquidatable(maintenance: Fixed, liquidation_end: Fixed, being_liquidated: bool) -> bool {
    maintenance < 0 || (being_liquidated && liquidation_end < 0)
}

impl AccountSnapshot {
    /// Health at `level` (formula in the module docs).
    pub fn health(&self, level: HealthLevel) -> RiskResult<Fixed> {
        let mut health = self.quote_balance;
        for entry in &self.collateral {
            health = add(health, entry.contribution(level)?)?;
        }
        for entry in &self.perps {
            health = add(health, entry.contribution(level)?)?;
        }
        Ok(health)
    }

    /// All three levels and the equity. Maintenance, liquidation-end and
    /// equity value every entry at the same price, so the values, PnL and
    /// notionals they share are computed once (bit-identical to
    /// [`AccountSnapshot::health`] per level and [`AccountSnapshot::equity`],
    /// at about half the multiplications).
    pub fn summary(&self) -> RiskResult<HealthSummary> {
        let (mut maintenance, mut liquidation_end, mut equity) = (self.quote_balance, self.quote_balance, self.quote_balance);
        for entry in &self.collateral {
            let value = entry.value(HealthLevel::Maintenance)?;
            equity = add(equity, value)?;
            maintenance = add(maintenance, mul_floor(value, entry.weight(HealthLevel::Maintenance, value)?)?)?;
            liquidation_end = add(liquidation_end, mul_floor(value, entry.weight(HealthLevel::LiquidationEnd, value)?)?)?;
        }
        for entry in &self.perps {
            let pnl = entry.pnl(HealthLevel::Maintenance)?;
            equity = add(equity, pnl)?;
            let weighted = entry.weighted_pnl(HealthLevel::Maintenance, pnl)?;
            let notional = entry.notional(HealthLevel::Maintenance)?;
            let requirement = mul_ceil(notional, entry.margin_ratio(HealthLevel::Maintenance, notional)?)?;
            maintenance = add(maintenance, sub(weighted, requirement)?)?;
            let requirement = mul_ceil(notional, entry.margin_ratio(HealthLevel::LiquidationEnd, notional)?)?;
            liquidation_end = add(liquidation_end, sub(weighted, requirement)?)?;
        }
        Ok(HealthSummary { initial: self.health(HealthLevel::Initial)?, maintenance, liquidation_end, equity })
    }

    /// The account's net value: quote balance, collateral and perp PnL at
    /// oracle prices, with no haircut, margin or PnL discount. Negative
    /// means insolvent: closing everything would leave debt.
    pub fn equity(&self) -> RiskResult<Fixed> {
        let mut equity = self.quote_balance;
        for entry in &self.collateral {
            equity = add(equity, entry.value(HealthLevel::Maintenance)?)?;
        }
        for entry in &self.perps {
            equity = add(equity, entry.pnl(HealthLevel::Maintenance)?)?;
        }
        Ok(equity)
    }

    /// [`is_liquidatable`] for this account, `being_liquidated` its mark.
    pub fn is_liquidatable(&self, being_liquidated: bool) -> RiskResult<bool> {
        let maintenance = self.health(HealthLevel::Maintenance)?;
        if maintenance < 0 || !being_liquidated {
            return Ok(maintenance < 0);
        }
        Ok(self.health(HealthLevel::LiquidationEnd)? < 0)
    }

    pub(crate) fn perp(&self, index: usize) -> RiskResult<&PerpEntry> {
        self.perps.get(index).ok_or(RiskError::NoSuchEntry)
    }

    pub(crate) fn collateral_entry(&self, index: usize) -> RiskResult<&CollateralEntry> {
        self.collateral.get(index).ok_or(RiskError::NoSuchEntry)
    }
}
