//! Small helpers for handlers.
mod create_pda_account;
mod create_token_account_pda;
mod pay_from_quote_vault;
mod ppm;

pub use create_pda_account::create_pda_account;
pub use create_token_account_pda::create_token_account_pda;
pub use pay_from_quote_vault::pay_from_quote_vault;
pub use ppm::{ppb, ppm};
