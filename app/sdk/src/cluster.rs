//! Where a client's transactions go: the embedded SVM or a cluster over
//! JSON-RPC. The keeper and the CLI are written against [`Cluster`].
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use reflex::state::MarginAccount;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::health::AccountReader;
use crate::lookup_tables::LookupTable;

/// A transaction the cluster accepted.
#[derive(Clone, Debug, Default)]
pub struct Sent {
    pub signature: String,
    pub compute_units: Option<u64>,
    pub logs: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum ClusterError {
    /// The cluster could not be reached or answered nonsense.
    Transport(String),
    /// The transaction was refused; `code` is the program's custom error code.
    Rejected { code: Option<u32>, message: String, logs: Vec<String> },
}

impl ClusterError {
    /// Was the transaction refused with this Reflex error?
    pub fn is(&self, error: reflex::error::ReflexError) -> bool {
        matches!(self, ClusterError::Rejected { code: Some(code), .. } if *code == u32::from(error))
    }
}

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterError::Transport(message) => write!(f, "cluster unreachable or misbehaving: {message}"),
            ClusterError::Rejected { message, .. } => write!(f, "transaction refused: {message}"),
        }
    }
}

impl std::error::Error for ClusterError {}

/// What the keeper and the CLI need from a cluster.
pub trait Cluster: AccountReader {
    /// Every Reflex margin account.
    fn margin_accounts(&self) -> Result<Vec<(Pubkey, MarginAccount)>, ClusterError>;
    /// Signs with `payer` (and `signers`) and sends one legacy transaction,
    /// waiting for it to be confirmed.
    fn send(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Sent, ClusterError> {
        self.send_with_tables(instructions, payer, signers, &[])
    }
    /// The same as a v0 transaction loading accounts from `tables` (a legacy
    /// one if `tables` is empty). Refused before sending if it exceeds a
    /// packet or the account-lock limit ([`crate::lookup_tables::check_limits`]).
    fn send_with_tables(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
    ) -> Result<Sent, ClusterError>;
    /// Several transactions meant for one slot, each legacy if it fits and
    /// v0 through `tables` otherwise, signed by `payer`. Here one after the
    /// other; a cluster over JSON-RPC submits them all before confirming.
    fn send_all(&mut self, transactions: &[Vec<Instruction>], payer: &Keypair, tables: &[LookupTable]) -> Result<Vec<Sent>, ClusterError>
    where
        Self: Sized,
    {
        let mut sent = Vec::with_capacity(transactions.len());
        for instructions in transactions {
            let fitting = crate::lookup_tables::tables_for(instructions, &payer.pubkey(), tables);
            sent.push(self.send_with_tables(instructions, payer, &[], fitting)?);
        }
        Ok(sent)
    }
    /// The cluster's current slot and unix time.
    fn clock(&self) -> Result<(u64, i64), ClusterError>;
    /// A slot the lookup-table program accepts as recent (one in the
    /// SlotHashes sysvar), to derive a new table's address from.
    fn recent_slot(&self) -> Result<u64, ClusterError>;
    /// The address lookup tables `authority` owns.
    fn lookup_tables(&self, authority: &Pubkey) -> Result<Vec<LookupTable>, ClusterError>;
}

/// Where a table's authority sits in its account data (after the type tag,
/// deactivation slot, last extended slot and its start index, and the
/// option tag).
pub const TABLE_AUTHORITY_OFFSET: usize = 22;

/// A refusal before sending: the transaction exceeds Solana's limits.
pub fn too_large(size: crate::lookup_tables::TooLarge) -> ClusterError {
    ClusterError::Rejected { code: None, message: size.to_string(), logs: Vec::new() }
}

/// Decodes a Reflex zero-copy account (discriminator checked).
pub fn decode<T: anchor_lang::ZeroCopy + Discriminator>(data: &[u8]) -> Option<T> {
    if !data.starts_with(T::DISCRIMINATOR) {
        return None;
    }
    let body = data.get(T::DISCRIMINATOR.len()..)?.get(..std::mem::size_of::<T>())?;
    Some(anchor_lang::__private::bytemuck::pod_read_unaligned(body))
}

/// The message a failed transaction's logs give (Anchor's "Error Message: …").
pub fn error_message(logs: &[String]) -> Option<String> {
    logs.iter().find_map(|line| line.split_once("Error Message: ").map(|(_, message)| message.trim_end_matches('.').to_string()))
}

/// The instruction a refusal came from. Anchor logs each instruction's name
/// as it starts (`Program log: Instruction: PlacePerpOrder`), so the last
/// top-level name logged is the one that failed; a program without such
/// logs is named by its address (`Program … invoke [1]`).
pub fn failed_instruction(logs: &[String]) -> Option<String> {
    // Only the line right after a top-level invoke: a token program's own
    // "Instruction: TransferChecked" inside a CPI names nothing.
    let mut name = None;
    let mut top_level = false;
    for line in logs {
        if let Some(program) = line.strip_prefix("Program ").and_then(|rest| rest.strip_suffix(" invoke [1]")) {
            name = Some(known_program(program));
            top_level = true;
            continue;
        }
        if let (true, Some(anchor_name)) = (top_level, line.strip_prefix("Program log: Instruction: ")) {
            name = Some(snake_case(anchor_name.trim()));
        }
        top_level = false;
    }
    name
}

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (index, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn known_program(program: &str) -> String {
    match program {
        "ComputeBudget111111111111111111111111111111" => "compute budget".into(),
        "AddressLookupTab1e1111111111111111111111111" => "address lookup table".into(),
        "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA" => "SPL Token".into(),
        "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb" => "Token-2022".into(),
        other if other == reflex::ID.to_string() => "reflex".into(),
        other => format!("program {other}"),
    }
}

/// A refusal with the instruction it came from: `index` is the failing
/// instruction's position in the transaction, if the cluster said.
pub fn rejection(code: Option<u32>, index: Option<u8>, logs: Vec<String>, fallback: String) -> ClusterError {
    let message = error_message(&logs).unwrap_or(fallback);
    let message = match (failed_instruction(&logs), index) {
        (Some(name), Some(index)) => format!("{name} (instruction {}): {message}", index as usize + 1),
        (Some(name), None) => format!("{name}: {message}"),
        (None, Some(index)) => format!("instruction {}: {message}", index as usize + 1),
        (None, None) => message,
    };
    ClusterError::Rejected { code, message, logs }
}

/// Refusals that mean "a price this needs is not usable yet": a newer
/// print (or, for confidence, a calmer one) may clear them, so a client
/// posts or waits for one and tries again.
pub fn is_price_refusal(error: &ClusterError) -> bool {
    use reflex::error::ReflexError::*;
    [StalePrice, PriceNotValidForAction, ConfidenceTooWide, OracleNotTrading].iter().any(|e| error.is(*e))
}

/// Sends `instructions`; on a price refusal calls `refresh` (post a new
/// print, wait for the next slot) and tries again, `attempts` times in all.
pub fn send_retrying<C: Cluster>(
    cluster: &mut C,
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    attempts: usize,
    mut refresh: impl FnMut(&mut C) -> Result<(), ClusterError>,
) -> Result<Sent, ClusterError> {
    let mut attempt = 1;
    loop {
        match cluster.send(instructions, payer, signers) {
            Err(error) if attempt < attempts && is_price_refusal(&error) => {
                refresh(cluster)?;
                attempt += 1;
            }
            result => return result,
        }
    }
}

#[cfg(feature = "embedded")]
mod embedded_cluster {
    use super::*;
    use crate::embedded::Embedded;
    use anchor_lang::solana_program::instruction::error::InstructionError;
    use solana_transaction_error::TransactionError;

    impl Cluster for Embedded {
        fn margin_accounts(&self) -> Result<Vec<(Pubkey, MarginAccount)>, ClusterError> {
            let mut accounts: Vec<(Pubkey, MarginAccount)> = self
                .svm
                .get_program_accounts(&reflex::ID)
                .into_iter()
                .filter_map(|(address, account)| decode::<MarginAccount>(&account.data).map(|margin| (address, margin)))
                .collect();
            accounts.sort_by_key(|(address, _)| *address);
            Ok(accounts)
        }

        fn send_with_tables(
            &mut self,
            instructions: &[Instruction],
            payer: &Keypair,
            signers: &[&Keypair],
            tables: &[LookupTable],
        ) -> Result<Sent, ClusterError> {
            let transaction = self.sign(instructions, payer, signers, tables).map_err(ClusterError::Transport)?;
            crate::lookup_tables::check_limits(&transaction).map_err(too_large)?;
            match self.send_transaction(transaction) {
                Ok(meta) => {
                    Ok(Sent { signature: meta.signature.to_string(), compute_units: Some(meta.compute_units_consumed), logs: meta.logs })
                }
                Err(failure) => {
                    let (index, code) = match &failure.err {
                        TransactionError::InstructionError(index, InstructionError::Custom(code)) => (Some(*index), Some(*code)),
                        TransactionError::InstructionError(index, _) => (Some(*index), None),
                        _ => (None, None),
                    };
                    let fallback = failure.meta.logs.last().cloned().unwrap_or_else(|| format!("{:?}", failure.err));
                    Err(rejection(code, index, failure.meta.logs, fallback))
                }
            }
        }

        fn clock(&self) -> Result<(u64, i64), ClusterError> {
            let clock = self.svm.get_sysvar::<anchor_lang::prelude::Clock>();
            Ok((clock.slot, clock.unix_timestamp))
        }

        fn recent_slot(&self) -> Result<u64, ClusterError> {
            Ok(self.recent_slot())
        }

        fn lookup_tables(&self, authority: &Pubkey) -> Result<Vec<LookupTable>, ClusterError> {
            Ok(self
                .svm
                .get_program_accounts(&crate::lookup_tables::LOOKUP_TABLE_PROGRAM)
                .into_iter()
                .filter(|(_, account)| account.data.get(TABLE_AUTHORITY_OFFSET..TABLE_AUTHORITY_OFFSET + 32) == Some(authority.as_ref()))
                .filter_map(|(address, account)| LookupTable::decode(address, &account.data))
                .collect())
        }
    }
}
