//! Off-chain health: the same snapshot the program builds, from the same
//! accounts, valued by the same risk crate, so the numbers agree to the bit.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use reflex::state::{CollateralAsset, MarginAccount, PriceFeed};
use reflex_risk::{AccountSnapshot, Fixed};

/// The snapshot of `margin` given, for each collateral slot in use in slot
/// order, its asset and that asset's feed.
pub fn snapshot(margin: &MarginAccount, assets: &[(CollateralAsset, PriceFeed)]) -> AccountSnapshot {
    let slots = margin.collateral.iter().filter(|slot| slot.in_use == 1);
    let collateral = slots.zip(assets).map(|(slot, (asset, feed))| asset.health_entry(feed, slot.amount)).collect();
    AccountSnapshot { quote_balance: Fixed::from_num(margin.quote_balance), collateral, perps: Vec::new() }
}

/// `compute_health` for `margin_account`, with `(asset, feed)` address pairs
/// for its collateral slots in use, in slot order.
pub fn compute_health(margin_account: &Pubkey, pairs: &[(Pubkey, Pubkey)]) -> Instruction {
    let mut accounts = reflex::accounts::ComputeHealth { margin_account: *margin_account }.to_account_metas(None);
    for (asset, feed) in pairs {
        accounts.push(AccountMeta::new_readonly(*asset, false));
        accounts.push(AccountMeta::new_readonly(*feed, false));
    }
    Instruction { program_id: reflex::ID, accounts, data: reflex::instruction::ComputeHealth {}.data() }
}
