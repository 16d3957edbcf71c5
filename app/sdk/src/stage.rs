//! A stage for scripted scenarios (the demo): a cluster plus what the world
//! around it provides, on the embedded SVM (clock set directly, Pyth accounts
//! written directly) or on a local validator over JSON-RPC (real clock, the
//! faucet, prints through the localnet Pyth publisher). Token mints and
//! accounts are made with SPL instructions on both.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::{Cluster, ClusterError};
use crate::embedded::pyth_print;
use crate::publisher;

pub type StageResult<T> = Result<T, ClusterError>;

pub trait Stage: Cluster {
    /// A keypair with SOL for fees and rent.
    fn funded_keypair(&mut self) -> StageResult<Keypair>;
    /// The key that may initialize the exchange (the program's upgrade authority).
    fn admin(&mut self) -> StageResult<Keypair>;
    /// Lets at least `slots` slots pass (embedded: exactly; a validator: at least one).
    fn advance(&mut self, slots: u64) -> StageResult<()>;
    /// A new Pyth price account for `feed_id`.
    fn new_oracle(&mut self, feed_id: [u8; 32]) -> StageResult<Pubkey>;
    /// Posts a fully verified print of `price` ± `confidence` (whole quote per whole token) now.
    fn post_price(&mut self, oracle: &Pubkey, feed_id: [u8; 32], price: f64, confidence: f64) -> StageResult<()>;
    /// A token account's balance.
    fn token_balance(&self, account: &Pubkey) -> StageResult<u64>;
}

/// Rent-exempt lamports for `space` bytes under the default rent.
fn rent(space: usize) -> u64 {
    publisher::rent_exempt(space)
}

/// A new mint with `authority` as mint authority.
pub fn create_mint(
    stage: &mut impl Stage,
    payer: &Keypair,
    authority: &Pubkey,
    decimals: u8,
    token_program: &Pubkey,
) -> StageResult<Pubkey> {
    let mint = Keypair::new();
    let space = spl_token::state::Mint::LEN;
    let instructions = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent(space),
            space as u64,
            token_program,
        ),
        spl_token_2022::instruction::initialize_mint2(token_program, &mint.pubkey(), authority, None, decimals).expect("initialize_mint2"),
    ];
    stage.send(&instructions, payer, &[&mint])?;
    Ok(mint.pubkey())
}

/// A new token account of `mint` owned by `owner`.
pub fn create_token_account(
    stage: &mut impl Stage,
    payer: &Keypair,
    mint: &Pubkey,
    owner: &Pubkey,
    token_program: &Pubkey,
) -> StageResult<Pubkey> {
    let account = Keypair::new();
    let space = spl_token::state::Account::LEN;
    let instructions = [
        anchor_lang::solana_program::system_instruction::create_account(
            &payer.pubkey(),
            &account.pubkey(),
            rent(space),
            space as u64,
            token_program,
        ),
        spl_token_2022::instruction::initialize_account3(token_program, &account.pubkey(), mint, owner).expect("initialize_account3"),
    ];
    stage.send(&instructions, payer, &[&account])?;
    Ok(account.pubkey())
}

pub fn mint_to(
    stage: &mut impl Stage,
    authority: &Keypair,
    mint: &Pubkey,
    destination: &Pubkey,
    amount: u64,
    token_program: &Pubkey,
) -> StageResult<()> {
    let instruction =
        spl_token_2022::instruction::mint_to(token_program, mint, destination, &authority.pubkey(), &[], amount).expect("mint_to");
    stage.send(&[instruction], authority, &[])?;
    Ok(())
}

/// The embedded SVM as a stage: the clock moves by `advance`, prints are written directly.
pub struct EmbeddedStage {
    pub env: crate::embedded::Embedded,
}

impl crate::health::AccountReader for EmbeddedStage {
    fn read<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(&self, address: &Pubkey) -> Option<T> {
        self.env.load(address)
    }
}

impl Cluster for EmbeddedStage {
    fn margin_accounts(&self) -> Result<Vec<(Pubkey, reflex::state::MarginAccount)>, ClusterError> {
        self.env.margin_accounts()
    }
    fn send_with_tables(
        &mut self,
        instructions: &[anchor_lang::solana_program::instruction::Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[crate::lookup_tables::LookupTable],
    ) -> Result<crate::cluster::Sent, ClusterError> {
        Cluster::send_with_tables(&mut self.env, instructions, payer, signers, tables)
    }
    fn recent_slot(&self) -> Result<u64, ClusterError> {
        Cluster::recent_slot(&self.env)
    }
    fn lookup_tables(&self, authority: &Pubkey) -> Result<Vec<crate::lookup_tables::LookupTable>, ClusterError> {
        self.env.lookup_tables(authority)
    }
    fn clock(&self) -> Result<(u64, i64), ClusterError> {
        self.env.clock()
    }
}

impl Stage for EmbeddedStage {
    fn funded_keypair(&mut self) -> StageResult<Keypair> {
        Ok(self.env.funded_keypair(100))
    }
    fn admin(&mut self) -> StageResult<Keypair> {
        let admin = self.env.funded_keypair(1_000);
        self.env.set_upgrade_authority(&admin.pubkey());
        Ok(admin)
    }
    fn advance(&mut self, slots: u64) -> StageResult<()> {
        let (slot, time) = self.env.clock()?;
        // 400 ms slots; whole seconds carried in the slot count.
        let seconds = ((slot + slots) * 2 / 5) as i64 - (slot * 2 / 5) as i64;
        self.env.set_clock(slot + slots, time + seconds);
        Ok(())
    }
    fn new_oracle(&mut self, _feed_id: [u8; 32]) -> StageResult<Pubkey> {
        Ok(self.env.new_keypair().pubkey())
    }
    fn post_price(&mut self, oracle: &Pubkey, feed_id: [u8; 32], price: f64, confidence: f64) -> StageResult<()> {
        let (slot, time) = self.env.clock()?;
        self.env.write_price_update(oracle, &pyth_print(feed_id, price, confidence, time, slot));
        Ok(())
    }
    fn token_balance(&self, account: &Pubkey) -> StageResult<u64> {
        Ok(self.env.token_balance(account))
    }
}

/// A validator over JSON-RPC as a stage: SOL from the faucet, prints through
/// the localnet Pyth publisher, the validator's own clock.
#[cfg(feature = "rpc")]
pub struct ValidatorStage {
    pub rpc: crate::rpc::RpcCluster,
    admin: Keypair,
    publisher: Keypair,
}

#[cfg(feature = "rpc")]
impl ValidatorStage {
    /// `admin`: the upgrade authority the validator deployed Reflex with.
    pub fn new(url: &str, admin: Keypair) -> StageResult<Self> {
        let mut stage = ValidatorStage { rpc: crate::rpc::RpcCluster::new(url), admin, publisher: Keypair::new() };
        let publisher = stage.publisher.pubkey();
        stage.airdrop(&publisher, 100)?;
        let admin = stage.admin.pubkey();
        stage.airdrop(&admin, 100)?;
        Ok(stage)
    }

    fn airdrop(&mut self, to: &Pubkey, sol: u64) -> StageResult<()> {
        let signature = self.rpc.call("requestAirdrop", serde_json::json!([to.to_string(), sol * 1_000_000_000]))?;
        let signature = signature.as_str().unwrap_or_default().to_string();
        for _ in 0..120 {
            let status = self.rpc.call("getSignatureStatuses", serde_json::json!([[signature]]))?;
            let level = status["value"][0]["confirmationStatus"].as_str().unwrap_or("");
            if level == "confirmed" || level == "finalized" {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        Err(ClusterError::Transport(format!("airdrop to {to} not confirmed")))
    }
}

#[cfg(feature = "rpc")]
impl crate::health::AccountReader for ValidatorStage {
    fn read<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(&self, address: &Pubkey) -> Option<T> {
        self.rpc.read(address)
    }
}

#[cfg(feature = "rpc")]
impl Cluster for ValidatorStage {
    fn margin_accounts(&self) -> Result<Vec<(Pubkey, reflex::state::MarginAccount)>, ClusterError> {
        self.rpc.margin_accounts()
    }
    fn send_with_tables(
        &mut self,
        instructions: &[anchor_lang::solana_program::instruction::Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[crate::lookup_tables::LookupTable],
    ) -> Result<crate::cluster::Sent, ClusterError> {
        Cluster::send_with_tables(&mut self.rpc, instructions, payer, signers, tables)
    }
    fn recent_slot(&self) -> Result<u64, ClusterError> {
        Cluster::recent_slot(&self.rpc)
    }
    fn lookup_tables(&self, authority: &Pubkey) -> Result<Vec<crate::lookup_tables::LookupTable>, ClusterError> {
        self.rpc.lookup_tables(authority)
    }
    fn clock(&self) -> Result<(u64, i64), ClusterError> {
        self.rpc.clock()
    }
}

#[cfg(feature = "rpc")]
impl Stage for ValidatorStage {
    fn funded_keypair(&mut self) -> StageResult<Keypair> {
        let keypair = Keypair::new();
        self.airdrop(&keypair.pubkey(), 100)?;
        Ok(keypair)
    }
    fn admin(&mut self) -> StageResult<Keypair> {
        Ok(self.admin.insecure_clone())
    }
    fn advance(&mut self, slots: u64) -> StageResult<()> {
        // Real slots cannot be skipped: wait for at least one new one (a new
        // print needs a later slot), not for all of them.
        let _ = slots;
        let (start, _) = self.rpc.clock()?;
        for _ in 0..200 {
            if self.rpc.clock()?.0 > start {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err(ClusterError::Transport("the validator's slot did not advance in 20 s".into()))
    }
    fn new_oracle(&mut self, _feed_id: [u8; 32]) -> StageResult<Pubkey> {
        let account = Keypair::new();
        let create = publisher::create_price_account(&self.publisher.pubkey(), &account.pubkey());
        let publisher = self.publisher.insecure_clone();
        self.rpc.send(&[create], &publisher, &[&account])?;
        Ok(account.pubkey())
    }
    fn post_price(&mut self, oracle: &Pubkey, feed_id: [u8; 32], price: f64, confidence: f64) -> StageResult<()> {
        let (slot, time) = self.rpc.clock()?;
        let mut update = pyth_print(feed_id, price, confidence, time, slot);
        update.write_authority = self.publisher.pubkey();
        let write = publisher::write_price_update(&self.publisher.pubkey(), oracle, &update);
        let publisher = self.publisher.insecure_clone();
        self.rpc.send(&[write], &publisher, &[])?;
        Ok(())
    }
    fn token_balance(&self, account: &Pubkey) -> StageResult<u64> {
        let (_, data) = self.rpc.account(account)?.ok_or_else(|| ClusterError::Transport(format!("no token account {account}")))?;
        let bytes: [u8; 8] =
            data.get(64..72).and_then(|b| b.try_into().ok()).ok_or_else(|| ClusterError::Transport("not a token account".into()))?;
        Ok(u64::from_le_bytes(bytes))
    }
}
