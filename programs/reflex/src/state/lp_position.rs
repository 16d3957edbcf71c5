use anchor_lang::prelude::*;

/// One liquidity provider's shares of the pool (PDA `["lp", owner]`).
#[account(zero_copy)]
#[derive(Debug)]
pub struct LpPosition {
    pub exchange: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub bump: u8,
    pub _padding: [u8; 7],
    pub _reserved: [u8; 64],
}

impl LpPosition {
    pub const SPACE: usize = 8 + std::mem::size_of::<LpPosition>();
}
