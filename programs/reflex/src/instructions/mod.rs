//! One file per instruction: its accounts struct (constraints in attributes)
//! beside a thin handler (validate, load, update, emit).
pub mod collateral_vault;
pub mod create_margin_account;
pub mod deposit;
pub mod initialize_exchange;
pub mod list_collateral;
pub mod list_feed;
pub mod list_perp_market;
pub mod refresh_collateral;
pub mod refresh_feed;
pub mod refresh_market;
pub mod set_collateral_risk;
pub mod set_market_risk;
pub mod withdraw;

pub use collateral_vault::*;
pub use create_margin_account::*;
pub use deposit::*;
pub use initialize_exchange::*;
pub use list_collateral::*;
pub use list_feed::*;
pub use list_perp_market::*;
pub use refresh_collateral::*;
pub use refresh_feed::*;
pub use refresh_market::*;
pub use set_collateral_risk::*;
pub use set_market_risk::*;
pub use withdraw::*;
