//! `reflex-risk`: the protocol's risk engine as pure, deterministic math.
//!
//! It has no Solana or Anchor types, so the program, the SDK, the keeper and
//! the simulator all use it verbatim, and it is tested natively.
//!
//! Contents arrive with the risk-engine issue (DESIGN.md sections 4, 5, 6, 9):
//! the volatility accumulator, feedback parameters, health and liquidation
//! sizing on I80F48 fixed point. This first version only pins the crate into
//! the workspace and the SBF build.
#![forbid(unsafe_code)]
