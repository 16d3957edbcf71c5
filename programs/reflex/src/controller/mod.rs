//! State transitions shared by several instructions. Handlers validate
//! accounts and call these; these call the risk crate.
pub mod collateral;
pub mod feed;
pub mod health;
pub mod liquidation;
pub mod market;
pub mod params;
pub mod pool;
pub mod position;
pub mod steward;
pub mod token;
