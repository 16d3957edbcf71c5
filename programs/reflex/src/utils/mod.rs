//! Small helpers for handlers.
mod create_pda_account;
mod ppm;

pub use create_pda_account::create_pda_account;
pub use ppm::ppm;
