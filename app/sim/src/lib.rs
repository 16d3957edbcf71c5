//! `reflex-sim`: is volatility-feedback margin better than static margin,
//! fairly measured? Real and synthetic price paths, traders who react, the
//! static frontier, and the mechanism variants of `reflex_risk::mechanism`,
//! with every risk decision made by the risk crate.
//!
//! - [`config`]: the TOML scenario file
//! - [`rng`]: seeded random numbers
//! - [`path`]: price files bridged between bars, synthetic paths, the step grid
//! - [`policy`]: static and dynamic margin policies and their variants
//! - [`market`]: traders, pool, keepers, liquidations, one run's metrics
//! - [`frontier`]: the static frontier, frontier ratios, bootstrap intervals
//! - [`run`]: every run across cores, shards and merging
//! - [`report`]: the markdown report, its figures and its verdict
//! - [`calibrate`]: the settings search and the governance JSON it writes
pub mod calibrate;
pub mod config;
pub mod frontier;
pub mod market;
pub mod path;
pub mod policy;
pub mod report;
pub mod rng;
pub mod run;
