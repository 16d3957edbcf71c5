//! A JSON-RPC facade over the embedded SVM on loopback, so the CLI and the
//! keeper can be run end to end over their real RPC path without a
//! validator (issue 8 adds a real `solana-test-validator`).
//!
//! It answers the part of Solana's API the CLI uses (`getAccountInfo`,
//! `getProgramAccounts` with `dataSize`/`memcmp` filters,
//! `getLatestBlockhash`, `getSlot`, `sendTransaction` (legacy or v0, at
//! most one packet) with preflight logs,
//! `getSignatureStatuses`, `getTransaction`, `requestAirdrop`), plus
//! `reflexDev_*` methods standing in for the world around a validator: set
//! the clock, post a Pyth print, create a mint, mint to an associated token
//! account. Those exist only here, never in the program.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use anchor_lang::__private::base64::{engine::general_purpose::STANDARD, Engine};
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::embedded::{pyth_print, Embedded};

/// A running facade: its URL. The server thread lives as long as the process.
pub struct EmbeddedRpc {
    pub url: String,
}

/// Serves the SVM `setup` builds (it runs on the server's thread) on an
/// ephemeral loopback port. The clock moves only by `reflexDev_setClock`.
pub fn serve(setup: impl FnOnce() -> Embedded + Send + 'static) -> std::io::Result<EmbeddedRpc> {
    serve_on("127.0.0.1:0", false, setup)
}

/// Serves on `address`; with `realtime`, slots pass with the wall clock (400 ms each),
/// as on a validator.
pub fn serve_on(address: &str, realtime: bool, setup: impl FnOnce() -> Embedded + Send + 'static) -> std::io::Result<EmbeddedRpc> {
    let listener = TcpListener::bind(address)?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let env = setup();
        let clock = env.svm.get_sysvar::<anchor_lang::prelude::Clock>();
        let realtime = realtime.then(|| (std::time::Instant::now(), clock.slot, clock.unix_timestamp));
        let mut server = Server { env, logs: HashMap::new(), issuer: Keypair::new(), realtime };
        for stream in listener.incoming().flatten() {
            server.tick();
            let _ = server.handle(stream);
        }
    });
    Ok(EmbeddedRpc { url })
}

struct Server {
    env: Embedded,
    /// Logs of the transactions sent, by signature.
    logs: HashMap<String, Vec<String>>,
    /// Mint authority of the mints `reflexDev_createMint` makes.
    issuer: Keypair,
    /// With a real-time clock: when it started, and the slot and time then.
    realtime: Option<(std::time::Instant, u64, i64)>,
}

fn pubkey(value: &Value) -> Result<Pubkey, String> {
    value.as_str().and_then(|text| text.parse().ok()).ok_or_else(|| format!("not an address: {value}"))
}

fn account_json(account: &solana_account::Account) -> Value {
    json!({
        "data": [STANDARD.encode(&account.data), "base64"],
        "owner": account.owner.to_string(),
        "lamports": account.lamports,
        "executable": account.executable,
        "rentEpoch": 0,
        "space": account.data.len(),
    })
}

impl Server {
    /// Moves the clock to the wall clock's slot (real-time mode only).
    fn tick(&mut self) {
        let Some((started, slot, time)) = self.realtime else { return };
        let elapsed = started.elapsed();
        let now_slot = slot + (elapsed.as_millis() / 400) as u64;
        let clock = self.env.svm.get_sysvar::<anchor_lang::prelude::Clock>();
        if now_slot > clock.slot {
            // The blockhash stays (a validator accepts recent ones); it
            // changes after each transaction instead.
            self.env.set_clock(now_slot, time + elapsed.as_secs() as i64);
        }
    }

    fn handle(&mut self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let id = request["id"].clone();
        let answer = match self.dispatch(request["method"].as_str().unwrap_or(""), &request["params"]) {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error }),
        };
        let text = answer.to_string();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        )?;
        stream.flush()
    }

    fn context(&self) -> Value {
        json!({ "slot": self.env.svm.get_sysvar::<anchor_lang::prelude::Clock>().slot })
    }

    fn dispatch(&mut self, method: &str, params: &Value) -> Result<Value, Value> {
        let bad = |message: String| json!({ "code": -32602, "message": message });
        match method {
            "getAccountInfo" => {
                let address = pubkey(&params[0]).map_err(bad)?;
                let value = self.env.svm.get_account(&address).filter(|a| a.lamports > 0).map(|a| account_json(&a));
                Ok(json!({ "context": self.context(), "value": value }))
            }
            "getProgramAccounts" => {
                let program = pubkey(&params[0]).map_err(bad)?;
                let filters = params[1]["filters"].as_array().cloned().unwrap_or_default();
                let matches = |data: &[u8]| {
                    filters.iter().all(|filter| {
                        if let Some(size) = filter["dataSize"].as_u64() {
                            return data.len() as u64 == size;
                        }
                        let offset = filter["memcmp"]["offset"].as_u64().unwrap_or(0) as usize;
                        let bytes = STANDARD.decode(filter["memcmp"]["bytes"].as_str().unwrap_or("")).unwrap_or_default();
                        data.get(offset..offset + bytes.len()) == Some(&bytes[..])
                    })
                };
                let accounts: Vec<Value> = self
                    .env
                    .svm
                    .get_program_accounts(&program)
                    .into_iter()
                    .filter(|(_, account)| matches(&account.data))
                    .map(|(address, account)| json!({ "pubkey": address.to_string(), "account": account_json(&account) }))
                    .collect();
                Ok(json!(accounts))
            }
            "getSlot" => {
                // Every slot the facade has been at counts as finalized; the
                // newest one in SlotHashes is the newest a table may name.
                Ok(json!(self.env.recent_slot()))
            }
            "getLatestBlockhash" => Ok(
                json!({ "context": self.context(), "value": { "blockhash": self.env.svm.latest_blockhash().to_string(), "lastValidBlockHeight": 0 } }),
            ),
            "sendTransaction" => {
                let bytes = STANDARD.decode(params[0].as_str().unwrap_or("")).map_err(|e| bad(e.to_string()))?;
                if bytes.len() > crate::lookup_tables::PACKET_BYTES {
                    return Err(bad(format!(
                        "transaction too large: {} bytes (max: raw {})",
                        bytes.len(),
                        crate::lookup_tables::PACKET_BYTES
                    )));
                }
                let transaction: solana_transaction::versioned::VersionedTransaction =
                    bincode::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
                let signature = transaction.signatures.first().map(|s| s.to_string()).unwrap_or_default();
                match self.env.send_transaction(transaction) {
                    Ok(meta) => {
                        self.logs.insert(signature.clone(), meta.logs);
                        Ok(json!(signature))
                    }
                    Err(failure) => {
                        let err = serde_json::to_value(&failure.err).unwrap_or(Value::Null);
                        Err(json!({
                            "code": -32002,
                            "message": format!("Transaction simulation failed: {:?}", failure.err),
                            "data": { "err": err, "logs": failure.meta.logs },
                        }))
                    }
                }
            }
            "getSignatureStatuses" => {
                let statuses: Vec<Value> = params[0]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|signature| {
                        let known = signature.as_str().is_some_and(|s| self.logs.contains_key(s));
                        if known {
                            json!({ "slot": 0, "confirmations": null, "err": null, "confirmationStatus": "confirmed" })
                        } else {
                            Value::Null
                        }
                    })
                    .collect();
                Ok(json!({ "context": self.context(), "value": statuses }))
            }
            "getTransaction" => {
                let logs = params[0].as_str().and_then(|s| self.logs.get(s)).cloned().ok_or_else(|| bad("unknown signature".into()))?;
                Ok(json!({ "meta": { "err": null, "logMessages": logs } }))
            }
            "requestAirdrop" => {
                let address = pubkey(&params[0]).map_err(bad)?;
                let meta = self.env.svm.airdrop(&address, params[1].as_u64().unwrap_or(0)).map_err(|e| bad(format!("{:?}", e.err)))?;
                let signature = meta.signature.to_string();
                self.logs.insert(signature.clone(), meta.logs);
                Ok(json!(signature))
            }
            "reflexDev_setUpgradeAuthority" => {
                self.env.set_upgrade_authority(&pubkey(&params[0]).map_err(bad)?);
                Ok(Value::Null)
            }
            "reflexDev_setClock" => {
                self.env.set_clock(params[0].as_u64().unwrap_or(0), params[1].as_i64().unwrap_or(0));
                Ok(Value::Null)
            }
            "reflexDev_writePriceUpdate" => {
                let address = pubkey(&params[0]).map_err(bad)?;
                let feed_id: [u8; 32] = hex(params[1].as_str().unwrap_or("")).ok_or_else(|| bad("feed id is not 32 hex bytes".into()))?;
                let (price, confidence) = (params[2].as_f64().unwrap_or(0.0), params[3].as_f64().unwrap_or(0.0));
                let print = pyth_print(feed_id, price, confidence, params[4].as_i64().unwrap_or(0), params[5].as_u64().unwrap_or(0));
                self.env.write_price_update(&address, &print);
                Ok(Value::Null)
            }
            "reflexDev_createMint" => {
                let token_program =
                    if params[1].as_str() == Some("token-2022") { anchor_spl::token_2022::ID } else { anchor_spl::token::ID };
                let issuer = self.issuer.insecure_clone();
                self.env.svm.airdrop(&issuer.pubkey(), 10_000_000_000).map_err(|e| bad(format!("{:?}", e.err)))?;
                let mint = self.env.create_mint(&issuer, &issuer.pubkey(), params[0].as_u64().unwrap_or(6) as u8, &token_program);
                Ok(json!(mint.to_string()))
            }
            "reflexDev_mintTo" => {
                let (mint, owner) = (pubkey(&params[0]).map_err(bad)?, pubkey(&params[1]).map_err(bad)?);
                let amount = params[2].as_u64().unwrap_or(0);
                let token_program = self.env.svm.get_account(&mint).map(|a| a.owner).ok_or_else(|| bad("no such mint".into()))?;
                let issuer = self.issuer.insecure_clone();
                let ata = self.env.create_associated_token_account(&issuer, &owner, &mint, &token_program).map_err(bad)?;
                self.env.mint_to(&issuer, &mint, &ata, amount, &token_program);
                Ok(json!(ata.to_string()))
            }
            other => Err(json!({ "code": -32601, "message": format!("method {other} is not served by the embedded facade") })),
        }
    }
}

fn hex(text: &str) -> Option<[u8; 32]> {
    let bytes: Option<Vec<u8>> =
        (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok())).collect();
    bytes?.try_into().ok()
}
