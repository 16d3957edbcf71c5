//! LP actions on any number of markets. `lp_deposit`, `lp_withdraw` and
//! `execute_lp_request` value the pool from every listed market; with
//! each market's feed and oracle that fits one transaction up to about ten
//! markets. Past that the markets are cranked (`refresh_market`, which
//! records each market's part of the pool value) and the LP instruction
//! follows in the same slot with the markets alone, all submitted before
//! any is confirmed (`Cluster::send_all`); if the slot turned in between,
//! the program refuses with `PoolValueNotCurrent` and the whole sequence is
//! tried again. (A busy cluster may need them as one bundle.)
use anchor_lang::prelude::AccountMeta;
use anchor_lang::solana_program::instruction::Instruction;
use reflex::error::ReflexError;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::{Cluster, ClusterError, Sent};
use crate::health;
use crate::lookup_tables::{self, Tables};

/// Cranks per transaction (three accounts each).
const CRANKS_PER_TRANSACTION: usize = 8;
/// Tries of crank-then-act before giving up on landing them in one slot.
const ATTEMPTS: usize = 3;

fn unreadable(error: health::HealthError) -> ClusterError {
    ClusterError::Transport(error.to_string())
}

/// Sends the LP action `build` makes from the pool's remaining accounts,
/// in whichever form fits (see the module's notes), paid and signed by `payer`.
pub fn send_pool_action<C: Cluster>(
    cluster: &mut C,
    payer: &Keypair,
    build: impl Fn(Vec<AccountMeta>) -> Vec<Instruction>,
) -> Result<Sent, ClusterError> {
    let inline = build(health::pool_accounts(cluster).map_err(unreadable)?);
    if lookup_tables::fits_legacy(&inline, &payer.pubkey()) {
        return cluster.send(&inline, payer, &[]);
    }
    let mut tables = Tables::load(cluster, &payer.pubkey())?;
    if tables.ensure(cluster, payer, &lookup_tables::protocol_addresses(cluster))? > 0 {
        lookup_tables::wait_past(cluster, cluster.clock()?.0)?;
    }
    if tables.fits(cluster, &inline, payer)? {
        return tables.send(cluster, &inline, payer, &[]);
    }
    let mut attempt = 1;
    loop {
        let mut transactions = health::pool_cranks(cluster, CRANKS_PER_TRANSACTION).map_err(unreadable)?;
        transactions.push(build(health::pool_accounts_cranked(cluster).map_err(unreadable)?));
        match cluster.send_all(&transactions, payer, &tables.tables) {
            Err(error) if attempt < ATTEMPTS && error.is(ReflexError::PoolValueNotCurrent) => attempt += 1,
            result => return result.map(|mut sent| sent.pop().expect("the action was sent")),
        }
    }
}
