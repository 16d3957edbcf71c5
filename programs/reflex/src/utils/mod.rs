//! Small helpers for handlers.
mod create_pda_account;
mod create_token_account_pda;

pub use create_pda_account::{create_pda_account, create_zero_copy_pda};
pub use create_token_account_pda::create_token_account_pda;
// Settings arrive as integers; the conversion is the risk crate's, shared with clients.
pub use reflex_risk::units::{ppb, ppm};
