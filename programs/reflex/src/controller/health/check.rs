//! Health policy as one primitive (Mango v4's `check_health_pre` /
//! `check_health_post`): what an action must leave an account's health at
//! follows from what the action does to its risk, not from which handler
//! runs it. A handler builds the account's [`HealthCache`], calls
//! [`check_pre`] with the action's [`RiskChange`], applies the action to the
//! account and to the cache, and calls [`check_post`].
use anchor_lang::prelude::*;
use reflex_risk::{Fixed, HealthLevel};

use super::HealthCache;
use crate::error::ReflexError;
use crate::state::MarginAccount;

/// What an action does to the account's risk, and so the rule it is held to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskChange {
    /// Opens or grows a position, withdraws collateral or quote: initial
    /// health must be ≥ 0 after (the handler prices at `PriceGrade::Valid`),
    /// and an account under liquidation must come out of it (liquidation-end
    /// health ≥ 0 after): where the initial level sits below liquidation-end
    /// (a margin under maintenance plus the buffer), its owner could
    /// otherwise add risk that keepers go on liquidating at a penalty.
    Raises,
    /// Shrinks or closes a position: always allowed when initial health is
    /// ≥ 0 after; below it, only if maintenance health does not fall, so a
    /// reduction can never leave the account worse placed for liquidation.
    Reduces,
    /// A keeper's liquidation step: only on a liquidatable account
    /// (`reflex_risk::is_liquidatable`, which marks it as under
    /// liquidation), and liquidation-end health must not fall.
    Liquidates,
}

/// The account's health before an action, to hold it to after.
#[derive(Clone, Copy, Debug)]
pub struct HealthBefore {
    change: RiskChange,
    maintenance: Option<Fixed>,
    liquidation_end: Option<Fixed>,
}

impl HealthBefore {
    /// Maintenance health before the action, where the rule needs it
    /// (reductions and liquidations; not measured for a risk-raising action).
    pub fn maintenance(&self) -> Option<Fixed> {
        self.maintenance
    }
}

/// Before the action: measures what the rule compares against, and for a
/// liquidation requires the account to be liquidatable and marks it.
pub fn check_pre(margin: &mut MarginAccount, cache: &HealthCache, change: RiskChange) -> Result<HealthBefore> {
    let mut before = HealthBefore { change, maintenance: None, liquidation_end: None };
    match change {
        RiskChange::Raises => {}
        RiskChange::Reduces => before.maintenance = Some(cache.health(HealthLevel::Maintenance)?),
        RiskChange::Liquidates => {
            let maintenance = cache.health(HealthLevel::Maintenance)?;
            let liquidation_end = cache.health(HealthLevel::LiquidationEnd)?;
            if !reflex_risk::is_liquidatable(maintenance, liquidation_end, margin.is_being_liquidated()) {
                return err!(ReflexError::AccountHealthy);
            }
            margin.being_liquidated = 1;
            before.maintenance = Some(maintenance);
            before.liquidation_end = Some(liquidation_end);
        }
    }
    Ok(before)
}

/// After the action (the cache updated with its effect): enforces the
/// rule, then clears the under-liquidation mark once liquidation-end health
/// is back to ≥ 0 (Mango v4 clears it when the account recovers), so keepers
/// cannot go on liquidating an account that was restored. Returns initial
/// health after (for a liquidation, liquidation-end health after).
pub fn check_post(margin: &mut MarginAccount, cache: &HealthCache, before: HealthBefore) -> Result<Fixed> {
    match before.change {
        RiskChange::Raises => {
            let initial = cache.health(HealthLevel::Initial)?;
            if initial < 0 {
                msg!("initial health after the action: {}", initial);
                return err!(ReflexError::InsufficientInitialHealth);
            }
            if margin.is_being_liquidated() {
                let liquidation_end = cache.health(HealthLevel::LiquidationEnd)?;
                if liquidation_end < 0 {
                    msg!("liquidation-end health after the action: {}", liquidation_end);
                    return err!(ReflexError::BeingLiquidated);
                }
                margin.being_liquidated = 0;
            }
            Ok(initial)
        }
        RiskChange::Reduces => {
            let initial = cache.health(HealthLevel::Initial)?;
            if initial < 0 {
                let maintenance = cache.health(HealthLevel::Maintenance)?;
                require!(Some(maintenance) >= before.maintenance, ReflexError::TradeLowersHealth);
            }
            if margin.is_being_liquidated() && cache.health(HealthLevel::LiquidationEnd)? >= 0 {
                margin.being_liquidated = 0;
            }
            Ok(initial)
        }
        RiskChange::Liquidates => {
            let liquidation_end = cache.health(HealthLevel::LiquidationEnd)?;
            let liquidation_end_before = before.liquidation_end.unwrap_or_default();
            if liquidation_end < liquidation_end_before {
                msg!("liquidation-end health would fall from {} to {}", liquidation_end_before, liquidation_end);
                return err!(ReflexError::LiquidationWouldLowerHealth);
            }
            if liquidation_end >= 0 {
                margin.being_liquidated = 0;
            }
            Ok(liquidation_end)
        }
    }
}
