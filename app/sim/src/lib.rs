//! `reflex-sim`: does volatility-driven margin with a slew limit beat static
//! margin? An agent-based market in which forced sales move the price, run
//! on many seeds under three policies that differ only in how margins move,
//! using the risk crate (`reflex-risk`) for every margin, haircut, health
//! and liquidation decision.
//!
//! - [`config`]: the TOML scenario file
//! - [`model`]: price process, accounts, keepers, policies, one run
//! - [`run`]: all runs across cores, means and 95% intervals
//! - [`report`]: the markdown report and its SVG figures
pub mod config;
pub mod model;
pub mod report;
pub mod run;
