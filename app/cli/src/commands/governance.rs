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
            Ok(signed_output("initialize_exchange", &signature, json!({ "exchange": pda::exchange().to_string(), "admin": admin.to_string() })))
        }
        Gov::InitPool => {
            let exchange = context.exchange()?;
            let (token_program, _) = context.mint(&exchange.quote_mint)?;
            let signature = context.send(&[ix::initialize_pool(&admin, &admin, &exchange.quote_mint, &token_program)])?;
            Ok(signed_output("initialize_pool", &signature, json!({ "quote_vault": pda::quote_vault().to_string() })))
        }
        Gov::ListFeed { feed_id: id, oracle, base_decimals } => {
            let (id, oracle) = (feed_id(&id)?, pubkey(&oracle)?);
            let signature = context.send(&[
                ix::list_feed(&admin, &admin, id, &oracle, base_decimals, presets::feed_config()),
                ix::refresh_feed(&id, &oracle),
            ])?;
            Ok(signed_output("list_feed", &signature, json!({ "feed": pda::feed(&id).to_string() })))
        }
        Gov::ListCollateral { mint, feed_id: id, deposit_cap } => {
            let (mint, id) = (pubkey(&mint)?, feed_id(&id)?);
            let (token_program, decimals) = context.mint(&mint)?;
            let cap = deposit_cap.map(|cap| to_native(cap, decimals)).transpose()?.unwrap_or(u64::MAX);
            let signature = context.send(&[
                ix::list_collateral(&admin, &admin, &mint, &token_program, cap),
                ix::set_collateral_risk(&admin, &mint, &id, presets::collateral_risk()),
            ])?;
            Ok(signed_output("list_collateral", &signature, json!({ "collateral_asset": pda::collateral_asset(&mint).to_string(), "vault": pda::vault(&mint).to_string() })))
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
            ])?;
            Ok(signed_output("list_perp_market", &signature, json!({ "market_index": index, "market": pda::market(index).to_string() })))
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
