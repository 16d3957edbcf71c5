//! Small helpers for handlers.
mod create_pda_account;

pub use create_pda_account::create_pda_account;
