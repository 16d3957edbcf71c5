use anchor_lang::prelude::*;
use reflex_risk::pool::ShareValue;

/// What an LP's pending request asks for.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpRequestKind {
    /// `amount` quote native units, already in the vault, become shares.
    Deposit,
    /// `amount` shares, already locked, are paid out.
    Withdrawal,
}

/// One liquidity provider's shares of the pool (PDA `["lp", owner]`) and
/// its pending request, if any (DESIGN.md section 8: entry and exit are two
/// steps a governed delay apart, so they cannot be sandwiched).
#[account(zero_copy)]
#[derive(Debug)]
pub struct LpPosition {
    pub exchange: Pubkey,
    pub owner: Pubkey,
    /// Shares held, not counting shares locked by a pending withdrawal.
    pub shares: u64,
    pub bump: u8,
    /// 0: no request pending; 1: a deposit; 2: a withdrawal.
    pub request_kind: u8,
    pub _padding: [u8; 6],
    /// Quote native units (deposit) or shares (withdrawal) of the request.
    pub request_amount: u64,
    /// First slot at which the request may execute.
    pub request_ready_slot: u64,
    /// The share value when the request was made (see `ShareValue`).
    pub request_pool_value: u64,
    pub request_total_shares: u64,
    /// The token account a withdrawal pays into.
    pub request_destination: Pubkey,
    pub _reserved: [u8; 64],
}

impl LpPosition {
    pub const SPACE: usize = 8 + std::mem::size_of::<LpPosition>();

    pub fn request(&self) -> Option<LpRequestKind> {
        match self.request_kind {
            1 => Some(LpRequestKind::Deposit),
            2 => Some(LpRequestKind::Withdrawal),
            _ => None,
        }
    }

    pub fn request_value(&self) -> ShareValue {
        ShareValue { pool_value: self.request_pool_value, total_shares: self.request_total_shares }
    }

    pub fn set_request(&mut self, kind: LpRequestKind, amount: u64, ready_slot: u64, value: ShareValue, destination: Pubkey) {
        self.request_kind = match kind {
            LpRequestKind::Deposit => 1,
            LpRequestKind::Withdrawal => 2,
        };
        self.request_amount = amount;
        self.request_ready_slot = ready_slot;
        self.request_pool_value = value.pool_value;
        self.request_total_shares = value.total_shares;
        self.request_destination = destination;
    }

    pub fn clear_request(&mut self) {
        self.set_request(LpRequestKind::Deposit, 0, 0, ShareValue { pool_value: 0, total_shares: 0 }, Pubkey::default());
        self.request_kind = 0;
    }
}

// The layout is frozen: a field added, removed or resized changes this, on the
// host and on SBF alike, and so must come with a migration (see PriceFeed).
const _: () = assert!(LpPosition::SPACE == 216);
