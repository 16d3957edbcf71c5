//! `reflex gov …`: what the admin (and the guardian) run.
use clap::Subcommand;
use reflex_sdk::{instructions as ix, presets};
use serde_json::json;

use super::*;

#[derive(Subcommand)]
pub enum Gov {
    /// Create the exchange (the signer must be the program's upgrade authority).
    Init {
        /// The settlement (quote) token's mint.
        #[arg(long)]
        quote_mint: String,
    },
    /// Create the LP pool's quote vault.
    InitPool,
    /// List a Pyth feed for one underlying (example guard rails and accumulator settings).
    ListFeed {
        /// The Pyth feed id, 64 hex characters.
        #[arg(long)]
        feed_id: String,
        /// The Pyth PriceUpdateV2 account the feed reads.
        #[arg(long)]
        oracle: String,
        /// Decimals of the underlying's token.
        #[arg(long)]
        base_decimals: u8,
    },
    /// Print a feed's settings (with the robust estimator's), its `σ_T` for
    /// initial and maintenance levels, and its layout version.
    ShowFeed {
        #[arg(long)]
        feed_id: String,
    },
    /// Turn a feed's robust estimator on or re-tune it from a JSON file
    /// (`robust_config` of show-feed), or turn it off with --off.
    SetFeedRobust {
        #[arg(long)]
        feed_id: String,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        file: Option<std::path::PathBuf>,
        #[arg(long)]
        off: bool,
    },
    /// Grow a feed listed under the first account layout to the current one (anyone may pay).
    MigrateFeed {
        #[arg(long)]
        feed_id: String,
    },
    /// List a collateral mint and give it example haircut bounds on a listed feed.
    ListCollateral {
        #[arg(long)]
        mint: String,
        /// The feed of the mint's underlying (Pyth feed id, hex).
        #[arg(long)]
        feed_id: String,
        /// Largest total deposit, whole tokens (default: none).
        #[arg(long)]
        deposit_cap: Option<f64>,
    },
    /// List the next perp market on a listed feed with example margin and trading settings.
    ListMarket {
        /// Display name, at most 16 bytes (e.g. SOL-PERP).
        #[arg(long)]
        name: String,
        #[arg(long)]
        feed_id: String,
        /// Skew (whole base tokens) at which funding and the skew spread reach their maximum.
        #[arg(long)]
        skew_scale: f64,
    },
    /// Print a market's or a collateral's governed settings as JSON (edit
    /// the file, then set it with the matching set-… command).
    ShowRisk {
        #[arg(long, conflicts_with = "mint", required_unless_present = "mint")]
        market: Option<u16>,
        #[arg(long)]
        mint: Option<String>,
    },
    /// Replace a market's margin curves, bounds and liquidation terms from a JSON file.
    SetMarketRisk {
        #[arg(long)]
        market: u16,
        /// JSON of MarketRiskPpm (as `show-risk` prints under "risk").
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Set a market's gap allowance and open-interest scaling of initial margin from a JSON file.
    SetMarketRiskExt {
        #[arg(long)]
        market: u16,
        /// JSON of MarketRiskExtPpm (as `show-risk` prints under "risk_ext").
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Replace a market's spread, fee, funding and open-interest settings from a JSON file.
    SetMarketTrading {
        #[arg(long)]
        market: u16,
        /// JSON of MarketTradingPpm (as `show-risk` prints under "trading").
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Replace a collateral's haircut curves, bounds and liquidation terms from a JSON file.
    SetCollateralRisk {
        #[arg(long)]
        mint: String,
        /// JSON of CollateralRiskPpm (as `show-risk` prints under "risk").
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Set a collateral's gap allowance and deposit depth from a JSON file.
    SetCollateralRiskExt {
        #[arg(long)]
        mint: String,
        /// JSON of CollateralRiskExtPpm (as `show-risk` prints under "risk_ext").
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Name the risk steward and its per-step cap and spacing.
    SetSteward {
        #[arg(long)]
        steward: String,
        /// Largest change of a base per step, parts per million.
        #[arg(long)]
        max_change_ppm: u32,
        /// Fewest slots between two changes of the same base.
        #[arg(long)]
        min_slots: u32,
    },
    /// Steward: move a market's or a collateral's base inside its bounds.
    StewardBase {
        #[arg(long, conflicts_with = "mint", required_unless_present = "mint")]
        market: Option<u16>,
        #[arg(long)]
        mint: Option<String>,
        /// initial or maintenance.
        #[arg(long)]
        level: String,
        #[arg(long)]
        base_ppm: u32,
    },
    /// Put a market (or, without --market, the whole exchange) in or out of reduce-only mode.
    ReduceOnly {
        #[arg(long)]
        market: Option<u16>,
        /// true or false.
        #[arg(long, action = clap::ArgAction::Set)]
        enabled: bool,
    },
    /// Pause deposits, withdrawals and risk-increasing trades (guardian or admin).
    Pause,
    /// Lift a pause (admin).
    Unpause,
}

fn feed_id(text: &str) -> Result<[u8; 32], CliError> {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| CliError::Usage(format!("feed id {text} is not hex")))?;
    bytes.try_into().map_err(|_| CliError::Usage(format!("feed id {text} is not 32 bytes (64 hex characters)")))
}

pub fn run(context: &mut Context, command: Gov) -> Outcome {
    let admin = me(context);
    match command {
        Gov::Init { quote_mint } => {
            let quote_mint = pubkey(&quote_mint)?;
            let signature = context.send(&[ix::initialize_exchange(&admin, &quote_mint)])?;
            Ok(signed_output(
                "initialize_exchange",
                &signature,
                json!({ "exchange": pda::exchange().to_string(), "admin": admin.to_string() }),
            ))
        }
        Gov::InitPool => {
            let exchange = context.exchange()?;
            let (token_program, _) = context.mint(&exchange.quote_mint)?;
            let signature = context.send(&[ix::initialize_pool(&admin, &admin, &exchange.quote_mint, &token_program)])?;
            Ok(signed_output("initialize_pool", &signature, json!({ "quote_vault": pda::quote_vault().to_string() })))
        }
        Gov::ListFeed { feed_id: id, oracle, base_decimals } => {
            let (id, oracle) = (feed_id(&id)?, pubkey(&oracle)?);
            // The calibrated estimator from the first print on.
            let signature = context.send(&[
                ix::list_feed(&admin, &admin, id, &oracle, base_decimals, presets::feed_config()),
                ix::refresh_feed(&id, &oracle),
                ix::set_feed_robust(&admin, &id, presets::robust_feed_config()),
            ])?;
            Ok(signed_output("list_feed", &signature, json!({ "feed": pda::feed(&id).to_string() })))
        }
        Gov::ShowFeed { feed_id: id } => {
            let id = feed_id(&id)?;
            let address = pda::feed(&id);
            let (owner, data) = context.cluster.account(&address)?.ok_or_else(|| CliError::Usage(format!("no feed at {address}")))?;
            if owner == reflex::ID && data.len() == reflex::state::PriceFeed::V1_SPACE {
                let json = json!({ "feed": address.to_string(), "layout": 1 });
                return Ok(Output { human: format!("feed {address}: first account layout; run `reflex gov migrate-feed`"), json });
            }
            let feed: reflex::state::PriceFeed = (owner == reflex::ID)
                .then(|| reflex_sdk::cluster::decode(&data))
                .flatten()
                .ok_or_else(|| CliError::Usage(format!("{address} is not a Reflex price feed")))?;
            let path = feed.volatility_path().map_err(|e| CliError::Unreachable(format!("σ_T: {e}")))?;
            let json = json!({
                "feed": address.to_string(),
                "layout": 2,
                "config": feed.config,
                "robust_config": feed.robust_config,
                "robust": feed.robust_config.is_on(),
                "sigma_maintenance": path.current.to_num::<f64>(),
                "sigma_initial": path.initial.to_num::<f64>(),
                "last_slot": feed.last_slot,
            });
            let estimator = if feed.robust_config.is_on() {
                format!(
                    "robust (grid {} slots{})",
                    feed.robust_config.grid_slots,
                    if feed.robust_config.splits() { ", split time constants" } else { "" }
                )
            } else {
                "baseline accumulator".to_string()
            };
            let human = format!(
                "feed {address}\n  estimator: {estimator}\n  σ_T: initial {:.3}%, maintenance {:.3}%\n  settings: {}\n  robust: {}",
                path.initial.to_num::<f64>() * 100.0,
                path.current.to_num::<f64>() * 100.0,
                json["config"],
                json["robust_config"]
            );
            Ok(Output { human, json })
        }
        Gov::SetFeedRobust { feed_id: id, file, off } => {
            let id = feed_id(&id)?;
            let config: reflex::state::RobustFeedConfig = match (file, off) {
                (_, true) => Default::default(),
                (Some(path), false) => read_json(&path)?,
                (None, false) => return Err(CliError::Usage("give --file or --off".into())),
            };
            let signature = context.send(&[ix::set_feed_robust(&admin, &id, config)])?;
            Ok(signed_output("set_feed_robust", &signature, json!({ "feed": pda::feed(&id).to_string(), "robust_config": config })))
        }
        Gov::MigrateFeed { feed_id: id } => {
            let id = feed_id(&id)?;
            let signature = context.send(&[ix::migrate_feed(&admin, &id)])?;
            Ok(signed_output("migrate_feed", &signature, json!({ "feed": pda::feed(&id).to_string() })))
        }
        Gov::ListCollateral { mint, feed_id: id, deposit_cap } => {
            let (mint, id) = (pubkey(&mint)?, feed_id(&id)?);
            let (token_program, decimals) = context.mint(&mint)?;
            let cap = deposit_cap.map(|cap| to_native(cap, decimals)).transpose()?.unwrap_or(u64::MAX);
            let signature = context.send(&[
                ix::list_collateral(&admin, &admin, &mint, &token_program, cap),
                ix::set_collateral_risk(&admin, &mint, &id, presets::collateral_risk()),
                ix::set_collateral_risk_ext(&admin, &mint, &id, presets::collateral_risk_ext(0)),
            ])?;
            Ok(signed_output(
                "list_collateral",
                &signature,
                json!({ "collateral_asset": pda::collateral_asset(&mint).to_string(), "vault": pda::vault(&mint).to_string() }),
            ))
        }
        Gov::ListMarket { name, feed_id: id, skew_scale } => {
            let id = feed_id(&id)?;
            if name.len() > 16 {
                return Err(CliError::Usage(format!("market name {name} is longer than 16 bytes")));
            }
            let mut padded = [0u8; 16];
            padded[..name.len()].copy_from_slice(name.as_bytes());
            let index = context.exchange()?.market_count;
            let feed: PriceFeed = context.read("price feed", &pda::feed(&id))?;
            let scale = to_native(skew_scale, feed.base_decimals)?;
            let signature = context.send(&[
                ix::list_perp_market(&admin, &admin, index, &id, padded, presets::market_risk()),
                ix::set_market_trading(&admin, index, &id, presets::market_trading(scale)),
                ix::set_market_risk_ext(&admin, index, &id, presets::market_risk_ext()),
            ])?;
            Ok(signed_output("list_perp_market", &signature, json!({ "market_index": index, "market": pda::market(index).to_string() })))
        }
        Gov::ShowRisk { market, mint } => {
            let json = match (market, mint) {
                (Some(index), _) => {
                    let (market, feed) = context.market(index)?;
                    let (add_on, at_use) = (market.open_interest_add_on(&feed), market.initial_margin_at_use(&feed));
                    json!({
                        "market_index": index,
                        "risk": market.risk,
                        "risk_ext": market.risk_ext,
                        "trading": market.trading,
                        "initial_margin_ratio": market.initial_margin_ratio.get().to_num::<f64>(),
                        "maintenance_margin_ratio": market.maintenance_margin_ratio.get().to_num::<f64>(),
                        "open_interest_capacity": market.open_interest_capacity.get().to_num::<f64>(),
                        "open_interest_add_on": add_on.to_num::<f64>(),
                        "initial_margin_ratio_at_use": at_use.to_num::<f64>(),
                    })
                }
                (None, Some(mint)) => {
                    let asset = context.collateral(&pubkey(&mint)?)?;
                    let feed: PriceFeed = context.read("price feed", &asset.feed)?;
                    json!({
                        "mint": mint,
                        "risk": asset.risk,
                        "risk_ext": asset.risk_ext,
                        "total_deposits": asset.total_deposits,
                        "initial_haircut": asset.initial_haircut.get().to_num::<f64>(),
                        "maintenance_haircut": asset.maintenance_haircut.get().to_num::<f64>(),
                        "initial_haircut_at_use": asset.initial_haircut_at_use(&feed).to_num::<f64>(),
                    })
                }
                (None, None) => return Err(CliError::Usage("give --market or --mint".into())),
            };
            Ok(Output { human: serde_json::to_string_pretty(&json).unwrap_or_default(), json })
        }
        Gov::SetMarketRisk { market, file } => {
            let risk: reflex::state::MarketRiskPpm = read_json(&file)?;
            let (_, feed) = context.market(market)?;
            let signature = context.send(&[ix::set_market_risk(&admin, market, &feed.feed_id, risk)])?;
            Ok(signed_output("set_market_risk", &signature, json!({ "market_index": market, "risk": risk })))
        }
        Gov::SetMarketRiskExt { market, file } => {
            let ext: reflex::state::MarketRiskExtPpm = read_json(&file)?;
            let (_, feed) = context.market(market)?;
            let signature = context.send(&[ix::set_market_risk_ext(&admin, market, &feed.feed_id, ext)])?;
            Ok(signed_output("set_market_risk_ext", &signature, json!({ "market_index": market, "risk_ext": ext })))
        }
        Gov::SetMarketTrading { market, file } => {
            let trading: reflex::state::MarketTradingPpm = read_json(&file)?;
            let (_, feed) = context.market(market)?;
            let signature = context.send(&[ix::set_market_trading(&admin, market, &feed.feed_id, trading)])?;
            Ok(signed_output("set_market_trading", &signature, json!({ "market_index": market, "trading": trading })))
        }
        Gov::SetCollateralRisk { mint, file } => {
            let risk: reflex::state::CollateralRiskPpm = read_json(&file)?;
            let mint = pubkey(&mint)?;
            let asset = context.collateral(&mint)?;
            let feed: PriceFeed = context.read("price feed", &asset.feed)?;
            let signature = context.send(&[ix::set_collateral_risk(&admin, &mint, &feed.feed_id, risk)])?;
            Ok(signed_output("set_collateral_risk", &signature, json!({ "mint": mint.to_string(), "risk": risk })))
        }
        Gov::SetCollateralRiskExt { mint, file } => {
            let ext: reflex::state::CollateralRiskExtPpm = read_json(&file)?;
            let mint = pubkey(&mint)?;
            let asset = context.collateral(&mint)?;
            let feed: PriceFeed = context.read("price feed", &asset.feed)?;
            let signature = context.send(&[ix::set_collateral_risk_ext(&admin, &mint, &feed.feed_id, ext)])?;
            Ok(signed_output("set_collateral_risk_ext", &signature, json!({ "mint": mint.to_string(), "risk_ext": ext })))
        }
        Gov::SetSteward { steward, max_change_ppm, min_slots } => {
            let steward = pubkey(&steward)?;
            let signature = context.send(&[ix::set_risk_steward(&admin, &steward, max_change_ppm, min_slots)])?;
            Ok(signed_output("set_risk_steward", &signature, json!({ "steward": steward.to_string() })))
        }
        Gov::StewardBase { market, mint, level, base_ppm } => {
            let level = match level.as_str() {
                "initial" => reflex::state::RiskLevel::Initial,
                "maintenance" => reflex::state::RiskLevel::Maintenance,
                other => return Err(CliError::Usage(format!("level {other}: use initial or maintenance"))),
            };
            let instruction = match (market, mint) {
                (Some(index), _) => {
                    let (_, feed) = context.market(index)?;
                    ix::steward_set_market_base(&admin, index, &feed.feed_id, level, base_ppm)
                }
                (None, Some(mint)) => {
                    let mint = pubkey(&mint)?;
                    let asset = context.collateral(&mint)?;
                    let feed: PriceFeed = context.read("price feed", &asset.feed)?;
                    ix::steward_set_collateral_base(&admin, &mint, &feed.feed_id, level, base_ppm)
                }
                (None, None) => return Err(CliError::Usage("give --market or --mint".into())),
            };
            let signature = context.send(&[instruction])?;
            Ok(signed_output("steward_set_base", &signature, json!({ "base_ppm": base_ppm })))
        }
        Gov::ReduceOnly { market, enabled } => {
            let instruction = match market {
                Some(index) => ix::set_market_reduce_only(&admin, index, enabled),
                None => ix::set_exchange_reduce_only(&admin, enabled),
            };
            let signature = context.send(&[instruction])?;
            Ok(signed_output("reduce_only", &signature, json!({ "market_index": market, "enabled": enabled })))
        }
        Gov::Pause => {
            let signature = context.send(&[ix::pause(&admin)])?;
            Ok(signed_output("pause", &signature, json!({})))
        }
        Gov::Unpause => {
            let signature = context.send(&[ix::unpause(&admin)])?;
            Ok(signed_output("unpause", &signature, json!({})))
        }
    }
}

/// A settings file: JSON of one of the program's governance types.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, CliError> {
    let text = std::fs::read_to_string(path).map_err(|error| CliError::Usage(format!("cannot read {}: {error}", path.display())))?;
    serde_json::from_str(&text).map_err(|error| CliError::Usage(format!("{}: {error} (start from `reflex gov show-risk`)", path.display())))
}
