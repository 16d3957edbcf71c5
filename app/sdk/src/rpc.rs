//! A cluster over Solana's JSON-RPC API: what `reflex --url …` talks to.
//!
//! Only the calls the keeper and the CLI need: `getAccountInfo`,
//! `getProgramAccounts` (filtered to margin accounts), `getLatestBlockhash`,
//! `sendTransaction` (preflight on, so a refusal comes back with the
//! program's logs) and `getSignatureStatuses` until confirmed.
use std::time::{Duration, Instant};

use anchor_lang::__private::base64::{engine::general_purpose::STANDARD, Engine};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{Discriminator, ZeroCopy};
use reflex::state::MarginAccount;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::{decode, rejection, too_large, Cluster, ClusterError, Sent, TABLE_AUTHORITY_OFFSET};
use crate::health::AccountReader;
use crate::lookup_tables::{self, LookupTable};

pub struct RpcCluster {
    url: String,
    agent: ureq::Agent,
    /// How long to wait for a transaction to be confirmed.
    pub confirm_timeout: Duration,
}

impl RpcCluster {
    pub fn new(url: &str) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        RpcCluster { url: url.to_string(), agent, confirm_timeout: Duration::from_secs(60) }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One JSON-RPC call; the `result` field, or the error as a ClusterError.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, ClusterError> {
        let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let response = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json")
            .send_string(&request.to_string())
            .map_err(|error| ClusterError::Transport(format!("{method} to {}: {error}", self.url)))?;
        let body: Value = serde_json::from_str(&response.into_string().map_err(|e| ClusterError::Transport(e.to_string()))?)
            .map_err(|error| ClusterError::Transport(format!("{method}: not JSON: {error}")))?;
        if let Some(error) = body.get("error") {
            return Err(refusal(error));
        }
        body.get("result").cloned().ok_or_else(|| ClusterError::Transport(format!("{method}: no result in the answer")))
    }

    /// Raw account data and owner, if the account exists.
    pub fn account(&self, address: &Pubkey) -> Result<Option<(Pubkey, Vec<u8>)>, ClusterError> {
        let result = self.call("getAccountInfo", json!([address.to_string(), { "encoding": "base64", "commitment": "confirmed" }]))?;
        let value = &result["value"];
        if value.is_null() {
            return Ok(None);
        }
        Ok(Some(account_fields(value)?))
    }

    fn latest_blockhash(&self) -> Result<solana_transaction::Hash, ClusterError> {
        let result = self.call("getLatestBlockhash", json!([{ "commitment": "confirmed" }]))?;
        let text =
            result["value"]["blockhash"].as_str().ok_or_else(|| ClusterError::Transport("getLatestBlockhash: no blockhash".into()))?;
        text.parse().map_err(|_| ClusterError::Transport(format!("getLatestBlockhash: bad blockhash {text}")))
    }
}

fn account_fields(value: &Value) -> Result<(Pubkey, Vec<u8>), ClusterError> {
    let owner =
        value["owner"].as_str().and_then(|o| o.parse().ok()).ok_or_else(|| ClusterError::Transport("account without owner".into()))?;
    let data = value["data"][0].as_str().ok_or_else(|| ClusterError::Transport("account data not base64".into()))?;
    let bytes = STANDARD.decode(data).map_err(|e| ClusterError::Transport(format!("account data: {e}")))?;
    Ok((owner, bytes))
}

/// A JSON-RPC error: a preflight failure carries the logs and the
/// instruction error (`{"InstructionError": [0, {"Custom": 6035}]}`).
fn refusal(error: &Value) -> ClusterError {
    let data = &error["data"];
    let logs: Vec<String> =
        data["logs"].as_array().map(|lines| lines.iter().filter_map(|l| l.as_str().map(String::from)).collect()).unwrap_or_default();
    let code = data["err"]["InstructionError"][1]["Custom"].as_u64().map(|code| code as u32);
    let index = data["err"]["InstructionError"][0].as_u64().map(|index| index as u8);
    let message = error["message"].as_str().unwrap_or("unknown error").to_string();
    if data.is_null() && logs.is_empty() {
        return ClusterError::Transport(message);
    }
    rejection(code, index, logs, message)
}

impl AccountReader for RpcCluster {
    fn read<T: ZeroCopy + Discriminator>(&self, address: &Pubkey) -> Option<T> {
        let (owner, data) = self.account(address).ok()??;
        (owner == reflex::ID).then(|| decode::<T>(&data)).flatten()
    }

    fn unix_time(&self) -> Option<i64> {
        self.clock().ok().map(|(_, time)| time)
    }
}

impl Cluster for RpcCluster {
    fn margin_accounts(&self) -> Result<Vec<(Pubkey, MarginAccount)>, ClusterError> {
        let filters = json!([
            { "dataSize": MarginAccount::SPACE },
            { "memcmp": { "offset": 0, "bytes": STANDARD.encode(MarginAccount::DISCRIMINATOR), "encoding": "base64" } }
        ]);
        let mut accounts: Vec<(Pubkey, MarginAccount)> = self
            .program_accounts(&reflex::ID, filters)?
            .into_iter()
            .filter_map(|(address, data)| decode::<MarginAccount>(&data).map(|margin| (address, margin)))
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
        let blockhash = self.latest_blockhash()?;
        let signature = self.submit(instructions, payer, signers, tables, blockhash, false)?;
        self.confirm(signature)
    }

    fn send_all(&mut self, transactions: &[Vec<Instruction>], payer: &Keypair, tables: &[LookupTable]) -> Result<Vec<Sent>, ClusterError> {
        // Submitted back to back without preflight (a later one would fail
        // it before the earlier ones land), then confirmed: so they can land
        // in one slot.
        let mut signatures = Vec::with_capacity(transactions.len());
        for instructions in transactions {
            let fitting = lookup_tables::tables_for(instructions, &payer.pubkey(), tables);
            let blockhash = self.latest_blockhash()?;
            signatures.push(self.submit(instructions, payer, &[], fitting, blockhash, true)?);
        }
        signatures.into_iter().map(|signature| self.confirm(signature)).collect()
    }

    fn recent_slot(&self) -> Result<u64, ClusterError> {
        // A finalized slot is in every validator's SlotHashes (it keeps 512).
        self.call("getSlot", json!([{ "commitment": "finalized" }]))?
            .as_u64()
            .ok_or_else(|| ClusterError::Transport("getSlot: not a number".into()))
    }

    fn lookup_tables(&self, authority: &Pubkey) -> Result<Vec<LookupTable>, ClusterError> {
        let filters =
            json!([{ "memcmp": { "offset": TABLE_AUTHORITY_OFFSET, "bytes": STANDARD.encode(authority.as_ref()), "encoding": "base64" } }]);
        let accounts = self.program_accounts(&lookup_tables::LOOKUP_TABLE_PROGRAM, filters)?;
        Ok(accounts.into_iter().filter_map(|(address, data)| LookupTable::decode(address, &data)).collect())
    }

    fn clock(&self) -> Result<(u64, i64), ClusterError> {
        // The Clock sysvar: slot, epoch start, epoch, leader schedule epoch,
        // unix time, each 8 bytes little-endian.
        let clock_id: Pubkey = "SysvarC1ock11111111111111111111111111111111".parse().expect("clock sysvar id");
        let (_, data) = self.account(&clock_id)?.ok_or_else(|| ClusterError::Transport("no clock sysvar".into()))?;
        let field = |index: usize| data.get(index * 8..index * 8 + 8).map(|bytes| <[u8; 8]>::try_from(bytes).expect("8 bytes"));
        match (field(0), field(4)) {
            (Some(slot), Some(time)) => Ok((u64::from_le_bytes(slot), i64::from_le_bytes(time))),
            _ => Err(ClusterError::Transport("clock sysvar too short".into())),
        }
    }
}

impl RpcCluster {
    /// Signs and submits one transaction; its signature.
    fn submit(
        &self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        tables: &[LookupTable],
        blockhash: solana_transaction::Hash,
        skip_preflight: bool,
    ) -> Result<String, ClusterError> {
        let (slot, _) = self.clock()?;
        let transaction = lookup_tables::sign(instructions, payer, signers, tables, slot, blockhash).map_err(ClusterError::Transport)?;
        lookup_tables::check_limits(&transaction).map_err(too_large)?;
        let bytes = bincode::serialize(&transaction).map_err(|e| ClusterError::Transport(format!("serializing: {e}")))?;
        let options = json!({ "encoding": "base64", "preflightCommitment": "confirmed", "skipPreflight": skip_preflight });
        Ok(self.call("sendTransaction", json!([STANDARD.encode(bytes), options]))?.as_str().unwrap_or_default().to_string())
    }

    /// Waits for `signature` to be confirmed; its logs, or the refusal.
    fn confirm(&self, signature: String) -> Result<Sent, ClusterError> {
        let deadline = Instant::now() + self.confirm_timeout;
        loop {
            let statuses = self.call("getSignatureStatuses", json!([[signature]]))?;
            let status = &statuses["value"][0];
            if !status.is_null() {
                if !status["err"].is_null() {
                    let code = status["err"]["InstructionError"][1]["Custom"].as_u64().map(|c| c as u32);
                    let index = status["err"]["InstructionError"][0].as_u64().map(|index| index as u8);
                    let logs = self.logs(&signature).unwrap_or_default();
                    return Err(rejection(code, index, logs, format!("{}", status["err"])));
                }
                let level = status["confirmationStatus"].as_str().unwrap_or("");
                if level == "confirmed" || level == "finalized" {
                    let logs = self.logs(&signature).unwrap_or_default();
                    return Ok(Sent { signature, compute_units: None, logs });
                }
            }
            if Instant::now() > deadline {
                return Err(ClusterError::Transport(format!("transaction {signature} not confirmed within {:?}", self.confirm_timeout)));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Address and data of every account of `program` matching `filters`.
    fn program_accounts(&self, program: &Pubkey, filters: Value) -> Result<Vec<(Pubkey, Vec<u8>)>, ClusterError> {
        let result = self.call(
            "getProgramAccounts",
            json!([program.to_string(), { "encoding": "base64", "commitment": "confirmed", "filters": filters }]),
        )?;
        let mut accounts = Vec::new();
        for entry in result.as_array().ok_or_else(|| ClusterError::Transport("getProgramAccounts: not a list".into()))? {
            let address: Pubkey =
                entry["pubkey"].as_str().and_then(|p| p.parse().ok()).ok_or_else(|| ClusterError::Transport("bad pubkey".into()))?;
            let (_, data) = account_fields(&entry["account"])?;
            accounts.push((address, data));
        }
        Ok(accounts)
    }

    /// A confirmed transaction's logs (for its events).
    fn logs(&self, signature: &str) -> Result<Vec<String>, ClusterError> {
        let result = self.call(
            "getTransaction",
            json!([signature, { "encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0 }]),
        )?;
        Ok(result["meta"]["logMessages"]
            .as_array()
            .map(|lines| lines.iter().filter_map(|l| l.as_str().map(String::from)).collect())
            .unwrap_or_default())
    }
}
