use anchor_lang::prelude::*;

use reflex_risk::fixed_math::mul_saturating;
use reflex_risk::mechanism::deposit_haircut;
use reflex_risk::{CollateralEntry, FeedbackState, Fixed, OraclePrice};

use super::{CollateralRiskExtPpm, CollateralRiskPpm, PriceFeed, StoredFixed};
use crate::error::ReflexError;
use crate::math::SafeMath;
use crate::utils::{ppb, ppm};

/// One listed collateral mint (PDA `["collateral", mint]`). It is also the
/// token authority of the mint's unified vault, so only this program, signing
/// with these seeds, can move tokens out of the vault.
#[account(zero_copy)]
#[derive(Debug)]
pub struct CollateralAsset {
    pub exchange: Pubkey,
    pub mint: Pubkey,
    /// SPL Token or Token-2022: the program that owns `mint` and `vault`.
    pub token_program: Pubkey,
    /// PDA `["vault", mint]`.
    pub vault: Pubkey,
    /// Sum of every margin account's balance of this mint, in native units.
    /// Equals the vault's token balance (token conservation).
    pub total_deposits: u64,
    /// Deposits are refused once `total_deposits` would exceed this.
    pub deposit_cap: u64,
    /// Position in `Exchange::collateral_mints`.
    pub asset_index: u16,
    pub decimals: u8,
    pub bump: u8,
    pub vault_bump: u8,
    /// 1 once governance has set haircut bounds and a feed.
    pub risk_configured: u8,
    pub _padding: [u8; 2],
    /// The price feed of this collateral's underlying.
    pub feed: Pubkey,
    /// Governance bounds, curves and liquidation terms (validated by
    /// `reflex_risk::validate_collateral` on every change).
    pub risk: CollateralRiskPpm,
    /// Live initial haircut: tightens at once, loosens at the loosening rate.
    pub initial_haircut: StoredFixed,
    /// Live maintenance haircut: moves at the slew rates, never above initial.
    pub maintenance_haircut: StoredFixed,
    /// Slot the live haircuts were last advanced to.
    pub haircut_slot: u64,
    /// Slots of the risk steward's last change of the initial and the
    /// maintenance base (0: never).
    pub steward_changed_slots: [u64; 2],
    /// The `σ_T` the live haircuts last moved toward.
    pub haircut_volatility: StoredFixed,
    /// Gap floor and deposit depth (in what was reserved space: zero, off,
    /// in a collateral listed before them).
    pub risk_ext: CollateralRiskExtPpm,
    /// The `σ_T` the live initial haircut last moved toward, with split
    /// time constants (in what was reserved space: zero in a collateral
    /// listed before, read as `haircut_volatility`).
    pub haircut_initial_volatility: StoredFixed,
    pub _reserved: [u8; 64],
}

impl CollateralAsset {
    pub const SPACE: usize = 8 + std::mem::size_of::<CollateralAsset>();

    /// Governance set its haircut settings (`set_collateral_risk`): until
    /// then it backs nothing and cannot be liquidated.
    pub fn is_risk_configured(&self) -> bool {
        self.risk_configured == 1
    }

    pub fn add_deposit(&mut self, amount: u64) -> Result<u64> {
        let total = self.total_deposits.safe_add(amount)?;
        require!(total <= self.deposit_cap, ReflexError::DepositCapExceeded);
        self.total_deposits = total;
        Ok(total)
    }

    pub fn haircut_state(&self) -> FeedbackState {
        FeedbackState {
            initial: self.initial_haircut.get(),
            maintenance: self.maintenance_haircut.get(),
            last_slot: self.haircut_slot,
            risk_volatility: self.haircut_volatility.get(),
            // Never below maintenance's: zero (not yet recorded) reads as it.
            initial_volatility: self.haircut_initial_volatility.get().max(self.haircut_volatility.get()),
        }
    }

    pub fn store_haircut_state(&mut self, state: &FeedbackState) {
        self.initial_haircut.set(state.initial);
        self.maintenance_haircut.set(state.maintenance);
        self.haircut_slot = state.last_slot;
        self.haircut_volatility.set(state.risk_volatility);
        self.haircut_initial_volatility.set(state.initial_volatility);
    }

    /// The initial haircut a risk-increasing action is held to: the live
    /// level, raised once the total deposits' value at the feed's price
    /// passes the governed depth (`reflex_risk::mechanism::deposit_haircut`;
    /// a value too large to represent counts as all the way past it).
    pub fn initial_haircut_at_use(&self, feed: &PriceFeed) -> Fixed {
        let live = self.initial_haircut.get();
        let depth = self.risk_ext.to_ext().deposit_depth;
        if depth == 0 {
            return live;
        }
        let value = mul_saturating(Fixed::from_num(self.total_deposits), feed.last_price.get().max(Fixed::ZERO));
        deposit_haircut(live, value, depth).unwrap_or(Fixed::ONE)
    }

    /// `amount` of this collateral as the risk crate values it: the feed's
    /// last price and confidence, the live haircuts (initial after depth
    /// scaling), the governed buffer and size factor. The SDK builds the
    /// same entry from the same accounts.
    pub fn health_entry(&self, feed: &PriceFeed, amount: u64) -> CollateralEntry {
        CollateralEntry {
            amount,
            price: OraclePrice::new(feed.last_price.get(), feed.last_confidence.get()),
            initial_haircut: self.initial_haircut_at_use(feed),
            maintenance_haircut: self.maintenance_haircut.get(),
            liquidation_buffer: ppm(self.risk.liquidation_buffer),
            size_factor: ppb(self.risk.size_factor_ppb),
        }
    }

    pub fn remove_deposit(&mut self, amount: u64) -> Result<u64> {
        // Cannot underflow while the conservation invariant holds; a checked
        // subtraction turns a broken invariant into an error, not a wrap.
        self.total_deposits = self.total_deposits.safe_sub(amount)?;
        Ok(self.total_deposits)
    }
}

// The layout is frozen: a field added, removed or resized changes this, on the
// host and on SBF alike, and so must come with a migration (see PriceFeed).
const _: () = assert!(CollateralAsset::SPACE == 416);
