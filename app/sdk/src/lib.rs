//! `reflex-sdk`: what a client needs to talk to the Reflex program.
//!
//! - [`pda`]: every program-derived address, from the same seeds the program uses
//! - [`instructions`]: one builder per instruction
//! - [`presets`]: example feed, haircut and margin settings
//! - [`health`]: off-chain health from decoded accounts, equal to the program's,
//!   and the health accounts each instruction expects
//! - [`cluster`]: the [`cluster::Cluster`] trait the keeper and CLI send through
//! - [`keeper`]: crank, survey, liquidate, settle
//! - [`steward`]: the cascade-aware steward bot (liquidation-price distribution, capped base moves)
//! - [`lp`]: LP actions on any number of markets (cranks, then the action)
//! - [`lookup_tables`]: Solana's transaction limits, v0 transactions and
//!   the address lookup tables that make the largest accounts fit
//! - [`events`]: Anchor events from transaction logs
//! - [`publisher`]: the localnet Pyth publisher's instructions
//! - [`stage`]: the world around a cluster for scripted scenarios (embedded or a validator)
//! - [`rpc`] (feature `rpc`, on by default): a [`cluster::Cluster`] over JSON-RPC
//! - [`embedded_rpc`]: the embedded SVM served over JSON-RPC on loopback, to
//!   run the CLI and keeper end to end without a validator
//! - [`embedded`] (feature `embedded`, on by default): LiteSVM with the real
//!   SBF binary loaded, SPL Token and Token-2022 helpers; used by the
//!   integration tests and by `reflex demo`
pub mod cluster;
pub mod events;
pub mod health;
pub mod instructions;
pub mod keeper;
pub mod lookup_tables;
pub mod lp;
pub mod pda;
pub mod presets;
pub mod publisher;
pub mod steward;

#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(all(feature = "embedded", feature = "rpc"))]
pub mod embedded_rpc;
#[cfg(feature = "rpc")]
pub mod rpc;
#[cfg(feature = "embedded")]
pub mod stage;

pub use anchor_lang::prelude::Pubkey;
pub use pyth_solana_receiver_sdk;
pub use reflex::ID as PROGRAM_ID;
