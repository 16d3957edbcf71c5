//! Account types. Large and hot accounts are zero-copy (`AccountLoader`),
//! with fixed sizes and explicit padding so their layout is the same on every
//! target.
pub mod collateral_asset;
pub mod collateral_risk;
pub mod exchange;
pub mod feed_config;
pub mod lp_position;
pub mod margin_account;
pub mod market_trading;
pub mod perp_market;
pub mod price_feed;
pub mod robust_feed;
pub mod stored_fixed;

pub use collateral_asset::*;
pub use collateral_risk::*;
pub use exchange::*;
pub use feed_config::*;
pub use lp_position::*;
pub use margin_account::*;
pub use market_trading::*;
pub use perp_market::*;
pub use price_feed::*;
pub use robust_feed::*;
pub use stored_fixed::*;
