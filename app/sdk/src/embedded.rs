//! An in-process Solana VM (LiteSVM) running the program's real SBF binary,
//! `target/deploy/reflex.so`, with SPL Token and Token-2022 loaded.
//!
//! Loading refuses a missing, foreign or stale binary: the tests and the demo
//! must run what `scripts/build-sbf.sh` produced from the current sources,
//! never a natively linked program and never yesterday's build.
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anchor_lang::prelude::Clock;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::{AccountSerialize, Discriminator, ZeroCopy};
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use litesvm::types::FailedTransactionMetadata;
use litesvm::LiteSVM;
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_slot_hashes::SlotHashes;
use solana_transaction::versioned::VersionedTransaction;

use crate::lookup_tables::{self, LookupTable};

pub use litesvm::types::TransactionResult;

/// Where the SBF build puts the program. `REFLEX_PROGRAM_SO` overrides it.
pub fn program_path() -> PathBuf {
    std::env::var_os("REFLEX_PROGRAM_SO").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target/deploy/reflex.so"))
}

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Sources whose edits make a built binary stale.
const PROGRAM_SOURCES: &[&str] = &["programs/reflex", "crates/risk", "Cargo.lock", "Cargo.toml"];

#[derive(Debug)]
pub enum ProgramBinaryError {
    Missing(PathBuf),
    NotSbpfV3 { path: PathBuf, detail: String },
    Stale { path: PathBuf, newer_source: PathBuf },
}

impl std::fmt::Display for ProgramBinaryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(path) => {
                write!(f, "{} does not exist; build it with `bash scripts/build-sbf.sh`", path.display())
            }
            Self::NotSbpfV3 { path, detail } => {
                write!(f, "{} is not an SBPF v3 program ({detail}); rebuild it with `bash scripts/build-sbf.sh`", path.display())
            }
            Self::Stale { path, newer_source } => {
                write!(f, "{} is older than {}; rebuild it with `bash scripts/build-sbf.sh`", path.display(), newer_source.display())
            }
        }
    }
}

impl std::error::Error for ProgramBinaryError {}

/// Reads the program binary after checking it is an SBPF v3 ELF
/// (EM_BPF = 247, e_flags = 3) no older than any program source.
pub fn load_program_binary() -> Result<Vec<u8>, ProgramBinaryError> {
    let path = program_path();
    let bytes = std::fs::read(&path).map_err(|_| ProgramBinaryError::Missing(path.clone()))?;
    check_sbpf_v3(&bytes).map_err(|detail| ProgramBinaryError::NotSbpfV3 { path: path.clone(), detail })?;
    if std::env::var_os("REFLEX_PROGRAM_SO").is_none() {
        let built = modified(&path).unwrap_or(SystemTime::UNIX_EPOCH);
        let root = workspace_root();
        for source in PROGRAM_SOURCES {
            if let Some(newer_source) = newest_newer_than(&root.join(source), built) {
                return Err(ProgramBinaryError::Stale { path, newer_source });
            }
        }
    }
    Ok(bytes)
}

fn check_sbpf_v3(elf: &[u8]) -> Result<(), String> {
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    let machine = u16::from_le_bytes([elf[18], elf[19]]);
    let flags = u32::from_le_bytes([elf[48], elf[49], elf[50], elf[51]]);
    if machine != 247 || flags != 3 {
        return Err(format!("e_machine {machine}, e_flags {flags}"));
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The first file under `path` modified after `time`, if any.
fn newest_newer_than(path: &Path, time: SystemTime) -> Option<PathBuf> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.is_file() {
        return (metadata.modified().ok()? > time).then(|| path.to_path_buf());
    }
    std::fs::read_dir(path).ok()?.flatten().find_map(|entry| newest_newer_than(&entry.path(), time))
}

/// A fully verified Pyth `PriceUpdateV2` for `feed_id`: `price ± confidence`
/// in whole quote units per whole base token, at exponent −8 (Pyth's usual
/// for USD pairs), published at `publish_time` and posted at `slot`.
pub fn pyth_print(feed_id: [u8; 32], price: f64, confidence: f64, publish_time: i64, slot: u64) -> PriceUpdateV2 {
    let mantissa = |x: f64| (x * 1e8).round() as i64;
    PriceUpdateV2 {
        write_authority: Pubkey::new_from_array([9; 32]),
        verification_level: pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
        price_message: pyth_solana_receiver_sdk::price_update::PriceFeedMessage {
            feed_id,
            price: mantissa(price),
            conf: mantissa(confidence) as u64,
            exponent: -8,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: mantissa(price),
            ema_conf: mantissa(confidence) as u64,
        },
        posted_slot: slot,
    }
}

/// The aggregate of a legacy Pyth price account.
#[derive(Clone, Copy, Debug)]
pub struct LegacyPrint {
    pub price: i64,
    pub confidence: u64,
    pub exponent: i32,
    /// Unix seconds.
    pub timestamp: i64,
    pub publish_slot: u64,
    /// 1 = trading.
    pub status: u32,
}

/// LiteSVM with Reflex loaded at its program id. A clone is an independent
/// copy of the whole ledger (the fuzzer forks one set-up world per sequence).
#[derive(Clone)]
pub struct Embedded {
    pub svm: LiteSVM,
    /// Keypairs handed out so far; the next one derives from this count.
    keys_issued: u64,
}

impl Embedded {
    pub fn new() -> Result<Self, ProgramBinaryError> {
        let program = load_program_binary()?;
        let mut svm = LiteSVM::new();
        svm.add_program(reflex::ID, &program).expect("LiteSVM rejected target/deploy/reflex.so");
        Ok(Self { svm, keys_issued: 0 })
    }

    /// Sets the program's upgrade authority, as a deployment with
    /// `--upgrade-authority` would (LiteSVM deploys with none). Only the upgrade
    /// authority may initialize the exchange.
    /// Loads the localnet Pyth publisher (`target/deploy/pyth_localnet_publisher.so`,
    /// built by `bash scripts/build-sbf.sh --with-publisher`) at the Pyth
    /// receiver's program id, so tests can exercise the localnet price path.
    pub fn add_localnet_publisher(&mut self) -> Result<(), ProgramBinaryError> {
        let path = workspace_root().join("target/deploy/pyth_localnet_publisher.so");
        let bytes = std::fs::read(&path).map_err(|_| ProgramBinaryError::Missing(path.clone()))?;
        if bytes.is_empty() {
            return Err(ProgramBinaryError::Missing(path));
        }
        self.svm
            .add_program(crate::publisher::PROGRAM_ID, &bytes)
            .map_err(|error| ProgramBinaryError::NotSbpfV3 { path, detail: format!("{error:?}") })?;
        Ok(())
    }

    pub fn set_upgrade_authority(&mut self, authority: &Pubkey) {
        let address = crate::pda::program_data();
        let mut account = self.svm.get_account(&address).expect("the program's ProgramData account");
        // bincode UpgradeableLoaderState::ProgramData { slot, upgrade_authority_address }:
        // u32 variant 3, u64 slot (kept), Option tag, 32-byte key.
        assert_eq!(account.data[..4], 3u32.to_le_bytes(), "ProgramData variant");
        account.data[12] = 1;
        account.data[13..45].copy_from_slice(authority.as_ref());
        self.svm.set_account(address, account).expect("write ProgramData");
    }

    /// A new keypair, derived from how many were issued before it. Keys (and
    /// so PDA bump searches, and so compute units) are the same on every run.
    pub fn new_keypair(&mut self) -> Keypair {
        self.keys_issued += 1;
        let mut secret = [0x5e; 32];
        secret[..8].copy_from_slice(&self.keys_issued.to_le_bytes());
        Keypair::new_from_array(secret)
    }

    /// A new keypair holding `sol` SOL.
    pub fn funded_keypair(&mut self, sol: u64) -> Keypair {
        let keypair = self.new_keypair();
        self.svm.airdrop(&keypair.pubkey(), sol * 1_000_000_000).expect("airdrop");
        keypair
    }

    /// Signs and sends one transaction, `payer` first among the signers. The
    /// blockhash is expired afterwards so an identical transaction sent next is
    /// a new transaction, as it would be on a cluster a slot later.
    pub fn send(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> TransactionResult {
        let transaction = self.sign(instructions, payer, signers, &[]).expect("a legacy transaction always compiles");
        self.send_transaction(transaction)
    }

    /// Sends a legacy transaction if it fits a packet and the lock limit,
    /// otherwise a v0 transaction loading from `tables`, as
    /// [`crate::lookup_tables::Tables::send`] does on a cluster.
    pub fn send_fitting(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> TransactionResult {
        let legacy = self.sign(instructions, payer, signers, &[]).expect("a legacy transaction always compiles");
        if tables.is_empty() || lookup_tables::check_limits(&legacy).is_ok() {
            return self.send_transaction(legacy);
        }
        match self.sign(instructions, payer, signers, tables) {
            Ok(transaction) => self.send_transaction(transaction),
            Err(message) => {
                let meta = litesvm::types::TransactionMetadata { logs: vec![message], ..Default::default() };
                Err(FailedTransactionMetadata { err: solana_transaction_error::TransactionError::SanitizeFailure, meta })
            }
        }
    }

    /// Signs `instructions` with the current blockhash: legacy without
    /// tables, v0 loading from their active addresses with.
    pub fn sign(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<VersionedTransaction, String> {
        let slot = self.svm.get_sysvar::<Clock>().slot;
        lookup_tables::sign(instructions, payer, signers, tables, slot, self.svm.latest_blockhash())
    }

    /// Executes a signed transaction as a validator would take it: one
    /// larger than a packet or locking more than 64 accounts is refused
    /// (`SanitizeFailure`, its size in the logs) before it runs.
    pub fn send_transaction(&mut self, transaction: VersionedTransaction) -> TransactionResult {
        if let Err(size) = lookup_tables::check_limits(&transaction) {
            let meta = litesvm::types::TransactionMetadata { logs: vec![size.to_string()], ..Default::default() };
            return Err(FailedTransactionMetadata { err: solana_transaction_error::TransactionError::SanitizeFailure, meta });
        }
        let result = self.svm.send_transaction(transaction);
        self.svm.expire_blockhash();
        result
    }

    /// The newest slot in the SlotHashes sysvar (what a new lookup table's
    /// address is derived from).
    pub fn recent_slot(&self) -> u64 {
        let hashes = self.svm.get_sysvar::<SlotHashes>();
        hashes.first().map_or(0, |(slot, _)| *slot)
    }

    /// Creates an account of `space` bytes owned by `owner`, paid by `payer`.
    fn create_account_ix(&self, payer: &Pubkey, account: &Pubkey, space: usize, owner: &Pubkey) -> Instruction {
        let lamports = self.svm.minimum_balance_for_rent_exemption(space);
        anchor_lang::solana_program::system_instruction::create_account(payer, account, lamports, space as u64, owner)
    }

    /// A new mint of `token_program` (SPL Token or Token-2022) with `authority`
    /// as mint authority and no freeze authority. `extension_ixs` are
    /// Token-2022 mint extensions' initialize instructions (they must come
    /// before InitializeMint2), with `space` sized for them.
    pub fn create_mint_with(
        &mut self,
        payer: &Keypair,
        authority: &Pubkey,
        decimals: u8,
        token_program: &Pubkey,
        space: usize,
        extension_ixs: impl FnOnce(&Pubkey) -> Vec<Instruction>,
    ) -> Result<Pubkey, FailedTransactionMetadata> {
        let mint = self.new_keypair();
        let mut ixs = vec![self.create_account_ix(&payer.pubkey(), &mint.pubkey(), space, token_program)];
        ixs.extend(extension_ixs(&mint.pubkey()));
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(token_program, &mint.pubkey(), authority, None, decimals)
                .expect("initialize_mint2"),
        );
        self.send(&ixs, payer, &[&mint])?;
        Ok(mint.pubkey())
    }

    pub fn create_mint(&mut self, payer: &Keypair, authority: &Pubkey, decimals: u8, token_program: &Pubkey) -> Pubkey {
        self.create_mint_with(payer, authority, decimals, token_program, spl_token::state::Mint::LEN, |_| vec![]).expect("create mint")
    }

    /// A new token account for `mint`, owned by `owner`.
    pub fn create_token_account(&mut self, payer: &Keypair, mint: &Pubkey, owner: &Pubkey, token_program: &Pubkey) -> Pubkey {
        let account = self.new_keypair();
        let ixs = [
            self.create_account_ix(&payer.pubkey(), &account.pubkey(), spl_token::state::Account::LEN, token_program),
            spl_token_2022::instruction::initialize_account3(token_program, &account.pubkey(), mint, owner).expect("initialize_account3"),
        ];
        self.send(&ixs, payer, &[&account]).expect("create token account");
        account.pubkey()
    }

    pub fn mint_to(&mut self, authority: &Keypair, mint: &Pubkey, destination: &Pubkey, amount: u64, token_program: &Pubkey) {
        let ix = spl_token_2022::instruction::mint_to(token_program, mint, destination, &authority.pubkey(), &[], amount).expect("mint_to");
        self.send(&[ix], authority, &[]).expect("mint_to");
    }

    /// Sets the cluster clock: slot and unix time (LiteSVM's own warp moves
    /// only the slot; oracle staleness is judged on unix time).
    pub fn set_clock(&mut self, slot: u64, unix_timestamp: i64) {
        let mut clock = self.svm.get_sysvar::<Clock>();
        clock.unix_timestamp = unix_timestamp;
        let previous = clock.slot;
        clock.slot = slot;
        self.svm.set_sysvar(&clock);
        // A validator's SlotHashes holds the slots before the current one;
        // lookup tables are derived from (and activate against) them.
        if slot > previous {
            let mut hashes: Vec<(u64, solana_transaction::Hash)> = self.svm.get_sysvar::<SlotHashes>().to_vec();
            hashes.retain(|(held, _)| *held < slot);
            for held in [previous, slot - 1] {
                if !hashes.iter().any(|(h, _)| *h == held) {
                    let mut hash = [0u8; 32];
                    hash[..8].copy_from_slice(&held.to_le_bytes());
                    hashes.push((held, solana_transaction::Hash::new_from_array(hash)));
                }
            }
            // Newest first, and no more than a validator keeps (512): the
            // sysvar has a fixed size, and a long session would overflow it.
            hashes.sort_by_key(|entry| std::cmp::Reverse(entry.0));
            hashes.truncate(solana_slot_hashes::MAX_ENTRIES);
            self.svm.set_sysvar(&SlotHashes::new(&hashes));
        }
    }

    /// `owner`'s associated token account for `mint` (created if missing), paid by `payer`.
    pub fn create_associated_token_account(
        &mut self,
        payer: &Keypair,
        owner: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<Pubkey, String> {
        let program: Pubkey = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL".parse().expect("associated token program id");
        let ata = Pubkey::find_program_address(&[owner.as_ref(), token_program.as_ref(), mint.as_ref()], &program).0;
        let create = Instruction {
            program_id: program,
            accounts: vec![
                AccountMeta::new(payer.pubkey(), true),
                AccountMeta::new(ata, false),
                AccountMeta::new_readonly(*owner, false),
                AccountMeta::new_readonly(*mint, false),
                AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
                AccountMeta::new_readonly(*token_program, false),
            ],
            data: vec![1], // CreateIdempotent
        };
        self.send(&[create], payer, &[]).map_err(|failure| format!("creating the token account: {:?}", failure.err))?;
        Ok(ata)
    }

    /// Writes a Pyth `PriceUpdateV2` account at `address`, owned by the Pyth
    /// Solana receiver program and serialized with the receiver SDK's own
    /// type, exactly as the receiver leaves it after posting an update.
    pub fn write_price_update(&mut self, address: &Pubkey, update: &PriceUpdateV2) {
        let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
        update.try_serialize(&mut data).expect("serialize PriceUpdateV2");
        let account = solana_account::Account {
            lamports: self.svm.minimum_balance_for_rent_exemption(data.len()),
            data,
            owner: pyth_solana_receiver_sdk::ID,
            executable: false,
            rent_epoch: 0,
        };
        self.svm.set_account(*address, account).expect("write PriceUpdateV2");
    }

    /// Writes a legacy Pyth price account at `address` (the layout of
    /// `pyth_sdk_solana::state::SolanaPriceAccount`, 3,312 bytes), owned by
    /// Pyth's oracle program, with the given aggregate price.
    pub fn write_legacy_price_account(&mut self, address: &Pubkey, print: &LegacyPrint) {
        use reflex::oracle::pyth_legacy::*;
        let mut data = vec![0u8; 3_312];
        let mut put = |offset: usize, bytes: &[u8]| data[offset..offset + bytes.len()].copy_from_slice(bytes);
        put(OFFSET_MAGIC, &MAGIC.to_le_bytes());
        put(OFFSET_VERSION, &VERSION.to_le_bytes());
        put(OFFSET_ACCOUNT_TYPE, &ACCOUNT_TYPE_PRICE.to_le_bytes());
        put(12, &3_312u32.to_le_bytes()); // size
        put(16, &1u32.to_le_bytes()); // price type: price
        put(OFFSET_EXPONENT, &print.exponent.to_le_bytes());
        put(OFFSET_TIMESTAMP, &print.timestamp.to_le_bytes());
        put(OFFSET_AGGREGATE_PRICE, &print.price.to_le_bytes());
        put(OFFSET_AGGREGATE_CONFIDENCE, &print.confidence.to_le_bytes());
        put(OFFSET_AGGREGATE_STATUS, &print.status.to_le_bytes());
        put(OFFSET_AGGREGATE_PUBLISH_SLOT, &print.publish_slot.to_le_bytes());
        let account = solana_account::Account {
            lamports: self.svm.minimum_balance_for_rent_exemption(data.len()),
            data,
            owner: PROGRAM_ID,
            executable: false,
            rent_epoch: 0,
        };
        self.svm.set_account(*address, account).expect("write legacy price account");
    }

    /// A token account's balance (SPL Token or Token-2022).
    pub fn token_balance(&self, account: &Pubkey) -> u64 {
        let data = self.svm.get_account(account).expect("token account exists").data;
        spl_token::state::Account::unpack_from_slice(&data[..spl_token::state::Account::LEN]).expect("token account").amount
    }

    /// Decodes a zero-copy Reflex account, checking its owner and discriminator.
    pub fn load<T: ZeroCopy + Discriminator>(&self, address: &Pubkey) -> Option<T> {
        let account = self.svm.get_account(address)?;
        if account.owner != reflex::ID || !account.data.starts_with(T::DISCRIMINATOR) {
            return None;
        }
        let body = account.data.get(T::DISCRIMINATOR.len()..)?.get(..std::mem::size_of::<T>())?;
        Some(anchor_lang::__private::bytemuck::pod_read_unaligned(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf_header(machine: u16, flags: u32) -> Vec<u8> {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[18..20].copy_from_slice(&machine.to_le_bytes());
        elf[48..52].copy_from_slice(&flags.to_le_bytes());
        elf
    }

    #[test]
    fn accepts_only_sbpf_v3_elf_files() {
        assert!(check_sbpf_v3(&elf_header(247, 3)).is_ok());
        assert!(check_sbpf_v3(&elf_header(247, 0)).is_err(), "SBPF v0");
        assert!(check_sbpf_v3(&elf_header(62, 3)).is_err(), "x86-64, a natively linked program");
        assert!(check_sbpf_v3(b"\x7fELF").is_err(), "truncated");
        assert!(check_sbpf_v3(&[0u8; 64]).is_err(), "not an ELF file");
    }

    #[test]
    fn finds_a_source_newer_than_the_binary() {
        let dir = std::env::temp_dir().join(format!("reflex-stale-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        let source = dir.join("nested/lib.rs");
        std::fs::write(&source, "// source").unwrap();
        let written = modified(&source).unwrap();
        let before = written - std::time::Duration::from_secs(60);
        let after = written + std::time::Duration::from_secs(60);
        assert_eq!(newest_newer_than(&dir, before), Some(source.clone()));
        assert_eq!(newest_newer_than(&dir, after), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
