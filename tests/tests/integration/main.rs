//! The integration tests: the SBF build of the program in LiteSVM, one
//! module per area, compiled as one binary (one link of the test world
//! instead of one per file).
mod attacks;
mod collateral_risk;
mod crash_story;
mod dead_oracle;
mod deposit_withdraw;
mod exchange;
mod feeds;
mod fuzz;
mod governance;
mod health;
mod keeper;
mod legacy_feeds;
mod liquidation;
mod list_collateral;
mod localnet_publisher;
mod lp_pool;
mod perp_markets;
mod quote_and_trading_settings;
mod replay;
mod risk_steward;
mod robust_feed;
mod scale;
mod steward_bot;
mod trading;
mod utilisation;
