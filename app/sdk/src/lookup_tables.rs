//! Transactions that fit Solana's limits: one packet (1,232 bytes) and 64
//! account locks. An instruction over the largest account the layout
//! allows (8 collaterals and 8 perps on 16 distinct feeds) names about 55
//! accounts, 1,800 bytes of keys in a legacy transaction; through an
//! address lookup table each of them costs one byte. Clients send legacy
//! transactions when they fit and v0 transactions with lookup tables
//! otherwise ([`Tables::send`]).
//!
//! Tables are kept per authority (the keeper's signer, a trader's wallet):
//! [`Tables::ensure`] creates and extends them with the protocol's
//! accounts ([`protocol_addresses`]: exchange, vaults, markets, assets,
//! feeds and their oracles), and they are found again on the cluster by
//! their authority, so a restarted client reuses what it made. An address
//! added in a slot is usable from the next one.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use reflex::state::{CollateralAsset, Exchange, PerpMarket, PriceFeed};
use solana_address_lookup_table_interface::instruction::{create_lookup_table, extend_lookup_table};
use solana_address_lookup_table_interface::state::AddressLookupTable;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, Hash, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

use crate::cluster::{Cluster, ClusterError, Sent};
use crate::health::AccountReader;
use crate::pda;

/// Solana's limit on a serialized transaction (one packet).
pub const PACKET_BYTES: usize = 1232;
/// Accounts one transaction may lock on mainnet (signers and programs included).
pub const MAX_ACCOUNT_LOCKS: usize = 64;
/// Addresses one lookup table holds.
pub const MAX_TABLE_ADDRESSES: usize = 256;
/// Addresses appended per extension transaction (32 bytes each).
const EXTEND_CHUNK: usize = 24;

/// The lookup-table program.
pub const LOOKUP_TABLE_PROGRAM: Pubkey = solana_address_lookup_table_interface::program::ID;

/// One address lookup table as stored on the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupTable {
    pub address: Pubkey,
    pub authority: Option<Pubkey>,
    pub addresses: Vec<Pubkey>,
    pub last_extended_slot: u64,
    /// Addresses before this index were there before the last extension.
    pub last_extended_start: usize,
    pub deactivated: bool,
}

impl LookupTable {
    pub fn decode(address: Pubkey, data: &[u8]) -> Option<Self> {
        let table = AddressLookupTable::deserialize(data).ok()?;
        Some(LookupTable {
            address,
            authority: table.meta.authority,
            addresses: table.addresses.to_vec(),
            last_extended_slot: table.meta.last_extended_slot,
            last_extended_start: table.meta.last_extended_slot_start_index as usize,
            deactivated: table.meta.deactivation_slot != u64::MAX,
        })
    }

    /// The addresses a transaction may load at `slot`: those appended in
    /// `slot` itself wait for the next one.
    pub fn active(&self, slot: u64) -> &[Pubkey] {
        if self.deactivated {
            return &[];
        }
        let usable = if self.last_extended_slot >= slot { self.last_extended_start } else { self.addresses.len() };
        &self.addresses[..usable.min(self.addresses.len())]
    }
}

/// A transaction over the limits, or one that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub bytes: usize,
    pub locks: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "transaction too large: {} bytes (limit {PACKET_BYTES}), {} accounts (limit {MAX_ACCOUNT_LOCKS})", self.bytes, self.locks)
    }
}

/// What a v0 message compiles against: each table's addresses active at `slot`.
fn table_accounts(tables: &[LookupTable], slot: u64) -> Vec<AddressLookupTableAccount> {
    tables.iter().map(|table| AddressLookupTableAccount { key: table.address, addresses: table.active(slot).to_vec() }).collect()
}

/// Signs `instructions`: a legacy transaction without tables, a v0
/// transaction loading whatever it can from the active part of `tables`.
pub fn sign(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    tables: &[LookupTable],
    slot: u64,
    blockhash: Hash,
) -> Result<VersionedTransaction, String> {
    let mut all: Vec<&Keypair> = vec![payer];
    all.extend(signers.iter().copied().filter(|s| s.pubkey() != payer.pubkey()));
    if tables.is_empty() {
        let legacy = solana_transaction::Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &all, blockhash);
        return Ok(legacy.into());
    }
    let accounts = table_accounts(tables, slot);
    let message = v0::Message::try_compile(&payer.pubkey(), instructions, &accounts, blockhash)
        .map_err(|e| format!("compiling a v0 message: {e}"))?;
    VersionedTransaction::try_new(VersionedMessage::V0(message), &all).map_err(|e| format!("signing: {e}"))
}

/// The transaction `sign` would make, with empty signatures: for measuring
/// before anyone signs (other signers need not be at hand).
pub fn unsigned(instructions: &[Instruction], payer: &Pubkey, tables: &[LookupTable], slot: u64) -> Result<VersionedTransaction, String> {
    if tables.is_empty() {
        return Ok(solana_transaction::Transaction::new_with_payer(instructions, Some(payer)).into());
    }
    let accounts = table_accounts(tables, slot);
    let message =
        v0::Message::try_compile(payer, instructions, &accounts, Hash::default()).map_err(|e| format!("compiling a v0 message: {e}"))?;
    let signatures = vec![Default::default(); message.header.num_required_signatures as usize];
    Ok(VersionedTransaction { signatures, message: VersionedMessage::V0(message) })
}

/// Would `instructions` fit a legacy transaction paid by `payer`?
pub fn fits_legacy(instructions: &[Instruction], payer: &Pubkey) -> bool {
    unsigned(instructions, payer, &[], 0).is_ok_and(|legacy| check_limits(&legacy).is_ok())
}

/// The tables a transaction of `instructions` needs: none if it fits a
/// legacy one, else `tables`.
pub fn tables_for<'a>(instructions: &[Instruction], payer: &Pubkey, tables: &'a [LookupTable]) -> &'a [LookupTable] {
    if fits_legacy(instructions, payer) {
        &[]
    } else {
        tables
    }
}

/// Serialized size and account locks of a transaction.
pub fn measure(transaction: &VersionedTransaction) -> TooLarge {
    let bytes = bincode::serialize(transaction).map_or(usize::MAX, |bytes| bytes.len());
    let loaded: usize = transaction
        .message
        .address_table_lookups()
        .map_or(0, |lookups| lookups.iter().map(|l| l.writable_indexes.len() + l.readonly_indexes.len()).sum());
    TooLarge { bytes, locks: transaction.message.static_account_keys().len() + loaded }
}

/// Refuses a transaction a validator would not accept.
pub fn check_limits(transaction: &VersionedTransaction) -> Result<(), TooLarge> {
    let size = measure(transaction);
    if size.bytes > PACKET_BYTES || size.locks > MAX_ACCOUNT_LOCKS {
        return Err(size);
    }
    Ok(())
}

/// Every account of the protocol a large transaction names: the exchange
/// and its quote vault, each market with its feed and oracle, each listed
/// collateral with its vault, mint, feed and oracle, and the programs
/// instructions pass as accounts.
pub fn protocol_addresses(reader: &impl AccountReader) -> Vec<Pubkey> {
    let mut addresses =
        vec![pda::exchange(), pda::quote_vault(), anchor_spl::token::ID, anchor_spl::token_2022::ID, anchor_lang::system_program::ID];
    let Some(exchange) = reader.read::<Exchange>(&pda::exchange()) else { return addresses };
    addresses.push(exchange.quote_mint);
    let feed = |addresses: &mut Vec<Pubkey>, feed: &Pubkey| {
        addresses.push(*feed);
        if let Some(feed) = reader.read::<PriceFeed>(feed) {
            addresses.push(feed.oracle);
        }
    };
    for index in 0..exchange.market_count {
        let market_address = pda::market(index);
        addresses.push(market_address);
        if let Some(market) = reader.read::<PerpMarket>(&market_address) {
            feed(&mut addresses, &market.feed);
        }
    }
    for mint in exchange.listed_collateral() {
        let asset_address = pda::collateral_asset(mint);
        addresses.extend([asset_address, pda::vault(mint), *mint]);
        if let Some(asset) = reader.read::<CollateralAsset>(&asset_address) {
            feed(&mut addresses, &asset.feed);
        }
    }
    let mut seen = std::collections::HashSet::new();
    addresses.retain(|address| seen.insert(*address));
    addresses
}

/// Waits (polling the clock) until the cluster is past `slot`: what a
/// table gained in `slot` is usable then.
pub fn wait_past(cluster: &impl Cluster, slot: u64) -> Result<(), ClusterError> {
    for _ in 0..100 {
        if cluster.clock()?.0 > slot {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err(ClusterError::Transport(format!("the cluster did not pass slot {slot} in 20 s")))
}

/// Sends `instructions` as a legacy transaction if it fits; otherwise
/// through `payer`'s lookup tables, first extended with the protocol's
/// accounts and the instructions' own (and waited for, one slot) if they
/// lack any. For clients that send now and then (the CLI); a keeper keeps
/// its tables ahead of need instead.
pub fn send_fitting<C: Cluster>(
    cluster: &mut C,
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
) -> Result<Sent, ClusterError> {
    if fits_legacy(instructions, &payer.pubkey()) {
        return cluster.send(instructions, payer, signers);
    }
    let mut tables = Tables::load(cluster, &payer.pubkey())?;
    if !tables.fits(cluster, instructions, payer)? {
        let mut wanted = protocol_addresses(cluster);
        wanted.extend(instructions.iter().flat_map(|ix| ix.accounts.iter()).filter(|meta| !meta.is_signer).map(|meta| meta.pubkey));
        if tables.ensure(cluster, payer, &wanted)? > 0 {
            wait_past(cluster, cluster.clock()?.0)?;
        }
    }
    tables.send(cluster, instructions, payer, signers)
}

/// The lookup tables one authority owns on a cluster.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    pub tables: Vec<LookupTable>,
}

impl Tables {
    /// The active tables `authority` owns.
    pub fn load(cluster: &impl Cluster, authority: &Pubkey) -> Result<Self, ClusterError> {
        let mut tables: Vec<LookupTable> = cluster.lookup_tables(authority)?.into_iter().filter(|table| !table.deactivated).collect();
        tables.sort_by_key(|table| table.address);
        Ok(Tables { tables })
    }

    fn contains(&self, address: &Pubkey) -> bool {
        self.tables.iter().any(|table| table.addresses.contains(address))
    }

    /// Makes every address of `wanted` part of one of the tables of
    /// `authority` (creating and extending tables, paid by it). Returns the
    /// transactions sent; what they added is usable from the next slot.
    pub fn ensure(&mut self, cluster: &mut impl Cluster, authority: &Keypair, wanted: &[Pubkey]) -> Result<usize, ClusterError> {
        let mut missing: Vec<Pubkey> = Vec::new();
        for address in wanted {
            if !self.contains(address) && !missing.contains(address) {
                missing.push(*address);
            }
        }
        let mut sent = 0;
        while !missing.is_empty() {
            let room = self.tables.iter().position(|table| table.addresses.len() < MAX_TABLE_ADDRESSES);
            let (table, mut instructions) = match room {
                Some(index) => (self.tables[index].address, Vec::new()),
                None => {
                    let (create, table) = create_lookup_table(authority.pubkey(), authority.pubkey(), cluster.recent_slot()?);
                    (table, vec![create])
                }
            };
            let free = room.map_or(MAX_TABLE_ADDRESSES, |index| MAX_TABLE_ADDRESSES - self.tables[index].addresses.len());
            let chunk: Vec<Pubkey> = missing.drain(..missing.len().min(EXTEND_CHUNK).min(free)).collect();
            instructions.push(extend_lookup_table(table, authority.pubkey(), Some(authority.pubkey()), chunk));
            cluster.send(&instructions, authority, &[])?;
            sent += 1;
            *self = Tables::load(cluster, &authority.pubkey())?;
        }
        Ok(sent)
    }

    /// Would `instructions` fit one transaction, legacy or through the
    /// tables' addresses active now?
    pub fn fits(&self, cluster: &impl Cluster, instructions: &[Instruction], payer: &Keypair) -> Result<bool, ClusterError> {
        if fits_legacy(instructions, &payer.pubkey()) {
            return Ok(true);
        }
        let (slot, _) = cluster.clock()?;
        Ok(!self.tables.is_empty() && unsigned(instructions, &payer.pubkey(), &self.tables, slot).is_ok_and(|v0| check_limits(&v0).is_ok()))
    }

    /// Sends `instructions` as a legacy transaction if it fits, otherwise
    /// as a v0 transaction through the tables' active addresses. A
    /// transaction that fits neither way is refused here, with its size.
    pub fn send(
        &self,
        cluster: &mut impl Cluster,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<Sent, ClusterError> {
        cluster.send_with_tables(instructions, payer, signers, tables_for(instructions, &payer.pubkey(), &self.tables))
    }
}
