//! Cluster commands: governance, LP, trader and keeper, over JSON-RPC.
//!
//! Each command returns an [`Output`]: a JSON value (`--json`) and the
//! human rendering of the same. Failures map to exit codes scripts can use:
//! 1 refused by the program (its message is shown) or a local command
//! failed, 2 bad arguments,
//! 3 cluster unreachable, 4 the keeper left an account liquidatable.
pub mod governance;
pub mod keeper;
pub mod steward;
pub mod trader;

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use reflex::state::{CollateralAsset, Exchange, PerpMarket, PriceFeed};
use reflex_sdk::cluster::ClusterError;
use reflex_sdk::health::AccountReader;
use reflex_sdk::pda;
use reflex_sdk::rpc::RpcCluster;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// What a command produced.
pub struct Output {
    pub json: Value,
    pub human: String,
}

#[derive(Debug)]
pub enum CliError {
    /// The program refused the transaction.
    Refused(String),
    /// The arguments or local files are wrong.
    Usage(String),
    /// The cluster could not be reached or answered nonsense.
    Unreachable(String),
    /// The keeper finished with accounts still liquidatable.
    Unfinished(String),
    /// A local command (demo, bench, IDL) failed.
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Refused(_) | CliError::Failed(_) => 1,
            CliError::Usage(_) => 2,
            CliError::Unreachable(_) => 3,
            CliError::Unfinished(_) => 4,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Refused(_) => "refused",
            CliError::Usage(_) => "usage",
            CliError::Unreachable(_) => "unreachable",
            CliError::Unfinished(_) => "unfinished",
            CliError::Failed(_) => "failed",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            CliError::Refused(m) | CliError::Usage(m) | CliError::Unreachable(m) | CliError::Unfinished(m) | CliError::Failed(m) => m,
        }
    }
}

impl From<ClusterError> for CliError {
    fn from(error: ClusterError) -> Self {
        match error {
            ClusterError::Transport(message) => CliError::Unreachable(format!("{message} (is the validator running? check --url)")),
            ClusterError::Rejected { message, .. } => CliError::Refused(message),
        }
    }
}

impl From<reflex_sdk::health::HealthError> for CliError {
    fn from(error: reflex_sdk::health::HealthError) -> Self {
        CliError::Unreachable(error.to_string())
    }
}

pub type Outcome = Result<Output, CliError>;

/// The cluster and the signer every cluster command uses.
pub struct Context {
    pub cluster: RpcCluster,
    pub payer: Keypair,
}

impl Context {
    pub fn new(url: &str, keypair: &Path) -> Result<Self, CliError> {
        Ok(Context { cluster: RpcCluster::new(url), payer: read_keypair(keypair)? })
    }

    /// Sends as a legacy transaction, or as a v0 one through the signer's
    /// lookup tables when the accounts do not fit (the largest accounts).
    pub fn send(&mut self, instructions: &[Instruction]) -> Result<String, CliError> {
        let payer = self.payer.insecure_clone();
        Ok(reflex_sdk::lookup_tables::send_fitting(&mut self.cluster, instructions, &payer, &[])?.signature)
    }

    pub fn read<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(&self, what: &str, address: &Pubkey) -> Result<T, CliError> {
        // A transport failure reads as "missing" through AccountReader; ask directly to tell them apart.
        match self.cluster.account(address)? {
            Some(_) => self.cluster.read(address).ok_or_else(|| CliError::Usage(format!("{address} is not a Reflex {what}"))),
            None => Err(CliError::Usage(format!("no {what} at {address}"))),
        }
    }

    pub fn exchange(&self) -> Result<Exchange, CliError> {
        self.read("exchange", &pda::exchange())
            .map_err(|_| CliError::Usage("no Reflex exchange on this cluster; run `reflex gov init` first".into()))
    }

    pub fn market(&self, index: u16) -> Result<(PerpMarket, PriceFeed), CliError> {
        let market: PerpMarket = self.read("perp market", &pda::market(index))?;
        let feed: PriceFeed = self.read("price feed", &market.feed)?;
        Ok((market, feed))
    }

    pub fn collateral(&self, mint: &Pubkey) -> Result<CollateralAsset, CliError> {
        self.read("listed collateral", &pda::collateral_asset(mint))
    }

    /// The owner of a mint (SPL Token or Token-2022) and its decimals.
    pub fn mint(&self, mint: &Pubkey) -> Result<(Pubkey, u8), CliError> {
        let (owner, data) = self.cluster.account(mint)?.ok_or_else(|| CliError::Usage(format!("no mint at {mint}")))?;
        let decimals = *data.get(44).ok_or_else(|| CliError::Usage(format!("{mint} is not a mint")))?;
        Ok((owner, decimals))
    }
}

/// A keypair file as the Solana CLI writes it: a JSON array of 64 bytes.
pub fn read_keypair(path: &Path) -> Result<Keypair, CliError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        CliError::Usage(format!("cannot read keypair {}: {error} (create one with `solana-keygen new` or pass --keypair)", path.display()))
    })?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|_| CliError::Usage(format!("{} is not a keypair file (a JSON array of 64 numbers)", path.display())))?;
    let secret: [u8; 32] = bytes
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| CliError::Usage(format!("{} holds {} bytes, not 64", path.display(), bytes.len())))?;
    Ok(Keypair::new_from_array(secret))
}

/// The Solana CLI's default keypair path.
pub fn default_keypair() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".config/solana/id.json")
}

pub fn pubkey(text: &str) -> Result<Pubkey, CliError> {
    text.parse().map_err(|_| CliError::Usage(format!("{text} is not a base-58 address")))
}

/// The associated token account of `owner` for `mint`.
pub fn associated_token_account(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    let program: Pubkey = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL".parse().expect("associated token program id");
    Pubkey::find_program_address(&[owner.as_ref(), token_program.as_ref(), mint.as_ref()], &program).0
}

/// Whole tokens to native units, refusing what does not fit.
pub fn to_native(amount: f64, decimals: u8) -> Result<u64, CliError> {
    let native = amount * 10f64.powi(decimals as i32);
    if !(native.is_finite() && native >= 1.0 && native < u64::MAX as f64) {
        return Err(CliError::Usage(format!("amount {amount} is not a positive amount of a token with {decimals} decimals")));
    }
    Ok(native.round() as u64)
}

pub fn signed_output(action: &str, signature: &str, details: Value) -> Output {
    let mut json = serde_json::json!({ "action": action, "signature": signature });
    if let (Value::Object(map), Value::Object(extra)) = (&mut json, details) {
        map.extend(extra);
    }
    Output { human: format!("{action}: confirmed ({signature})"), json }
}

/// The payer's public key, for messages.
pub fn me(context: &Context) -> Pubkey {
    context.payer.pubkey()
}
