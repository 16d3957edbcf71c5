//! `reflex-sdk`: what a client needs to talk to the Reflex program.
//!
//! - [`pda`]: every program-derived address, from the same seeds the program uses
//! - [`instructions`]: one builder per instruction
//! - [`presets`]: example feed, haircut and margin settings
//! - [`health`]: off-chain health from decoded accounts, equal to the program's
//! - [`embedded`] (feature `embedded`, on by default): LiteSVM with the real
//!   SBF binary loaded, SPL Token and Token-2022 helpers; used by the
//!   integration tests and by `reflex demo`
pub mod health;
pub mod instructions;
pub mod pda;
pub mod presets;

#[cfg(feature = "embedded")]
pub mod embedded;

pub use anchor_lang::prelude::Pubkey;
pub use pyth_solana_receiver_sdk;
pub use reflex::ID as PROGRAM_ID;
