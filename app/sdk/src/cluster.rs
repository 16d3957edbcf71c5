//! Where a client's transactions go: the embedded SVM or a cluster over
//! JSON-RPC. The keeper and the CLI are written against [`Cluster`].
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use reflex::state::MarginAccount;
use solana_keypair::Keypair;

use crate::health::AccountReader;

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
    /// Signs with `payer` (and `signers`) and sends one transaction, waiting
    /// for it to be confirmed.
    fn send(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Sent, ClusterError>;
    /// The cluster's current slot and unix time.
    fn clock(&self) -> Result<(u64, i64), ClusterError>;
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

        fn send(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> Result<Sent, ClusterError> {
            match Embedded::send(self, instructions, payer, signers) {
                Ok(meta) => Ok(Sent { signature: meta.signature.to_string(), compute_units: Some(meta.compute_units_consumed), logs: meta.logs }),
                Err(failure) => {
                    let code = match &failure.err {
                        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
                        _ => None,
                    };
                    let message = error_message(&failure.meta.logs).unwrap_or_else(|| format!("{:?}", failure.err));
                    Err(ClusterError::Rejected { code, message, logs: failure.meta.logs })
                }
            }
        }

        fn clock(&self) -> Result<(u64, i64), ClusterError> {
            let clock = self.svm.get_sysvar::<anchor_lang::prelude::Clock>();
            Ok((clock.slot, clock.unix_timestamp))
        }
    }
}
