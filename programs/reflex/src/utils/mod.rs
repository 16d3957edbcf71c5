//! Small helpers for handlers.
mod create_pda_account;
mod create_token_account_pda;
mod ppm;

pub use create_pda_account::create_pda_account;
pub use create_token_account_pda::create_token_account_pda;
pub use ppm::{ppb, ppm};
