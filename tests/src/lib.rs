//! Test fixture over [`reflex_sdk::embedded::Embedded`]: the SBF binary of
//! the program in LiteSVM, plus the bookkeeping the tests assert on.
//!
//! Every transaction sent through [`TestExchange::send`] is followed by a
//! token-conservation check (DESIGN.md invariant 1): for each listed mint,
//! the vault's token balance equals the asset's recorded total, which equals
//! the sum of every margin account's balance of that mint.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::{metadata_pointer, ExtensionType};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use litesvm::types::TransactionResult;
use reflex::state::{CollateralAsset, Exchange, MarginAccount, PerpMarket};
use reflex_risk::Fixed;
use reflex_sdk::embedded::Embedded;
use reflex_sdk::lookup_tables::{self, Tables};
use reflex_sdk::{instructions as ix, pda};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub use reflex::error::ReflexError;

pub mod oracle;
pub mod scale;
pub mod world;

pub const SPL_TOKEN: Pubkey = spl_token::ID;
pub const TOKEN_2022: Pubkey = spl_token_2022::ID;
/// Deposit cap used where a test does not care about caps.
pub const NO_CAP: u64 = u64::MAX;

pub struct TestExchange {
    pub env: Embedded,
    pub admin: Keypair,
    /// Mint authority of every test mint.
    pub mint_authority: Keypair,
    pub quote_mint: Pubkey,
    /// Every margin account the fixture created: the conservation check sums them.
    pub margin_accounts: Vec<Pubkey>,
    /// Lookup tables of the admin's, for transactions too large for a
    /// legacy one (empty until [`TestExchange::table_protocol_accounts`]).
    pub tables: Tables,
}

/// A trader with a margin account (`account_id` 0).
pub struct Trader {
    pub keypair: Keypair,
    pub margin_account: Pubkey,
}

impl TestExchange {
    /// Loads the program with a funded admin as its upgrade authority,
    /// without initializing the exchange.
    pub fn uninitialized() -> Self {
        let mut env = Embedded::new().unwrap_or_else(|error| panic!("{error}"));
        let admin = env.funded_keypair(1_000);
        env.set_upgrade_authority(&admin.pubkey());
        let mint_authority = env.funded_keypair(1_000);
        let quote_mint = env.create_mint(&mint_authority, &mint_authority.pubkey(), 6, &SPL_TOKEN);
        Self { env, admin, mint_authority, quote_mint, margin_accounts: Vec::new(), tables: Tables::default() }
    }

    /// An independent copy of this exchange and its ledger.
    pub fn fork(&self) -> Self {
        TestExchange {
            env: self.env.clone(),
            admin: self.admin.insecure_clone(),
            mint_authority: self.mint_authority.insecure_clone(),
            quote_mint: self.quote_mint,
            margin_accounts: self.margin_accounts.clone(),
            tables: self.tables.clone(),
        }
    }

    /// An initialized exchange with an SPL Token quote mint.
    pub fn new() -> Self {
        let mut exchange = Self::uninitialized();
        let init = ix::initialize_exchange(&exchange.admin.pubkey(), &exchange.quote_mint);
        let admin = exchange.admin.insecure_clone();
        exchange.send(&[init], &admin, &[]).expect("initialize_exchange");
        exchange
    }

    /// Sends one transaction (v0 through the lookup tables if a legacy one
    /// would not fit), then asserts token conservation.
    pub fn send(&mut self, instructions: &[Instruction], payer: &Keypair, signers: &[&Keypair]) -> TransactionResult {
        let tables = self.tables.tables.clone();
        let result = self.env.send_fitting(instructions, payer, signers, &tables);
        self.assert_conservation();
        result
    }

    /// Puts every protocol account in the admin's lookup tables (usable
    /// from the next slot), as a keeper or front end would.
    pub fn table_protocol_accounts(&mut self) {
        let admin = self.admin.insecure_clone();
        let wanted = lookup_tables::protocol_addresses(&self.env);
        let mut tables = std::mem::take(&mut self.tables);
        tables.ensure(&mut self.env, &admin, &wanted).expect("lookup tables");
        self.tables = tables;
    }

    pub fn create_mint(&mut self, decimals: u8, token_program: &Pubkey) -> Pubkey {
        let authority = self.mint_authority.insecure_clone();
        self.env.create_mint(&authority, &authority.pubkey(), decimals, token_program)
    }

    /// A Token-2022 mint with one extension: MetadataPointer (harmless to a
    /// vault) or PermanentDelegate (lets its holder move anyone's tokens).
    pub fn token_2022_mint_with(&mut self, extension: ExtensionType) -> Pubkey {
        let authority = self.mint_authority.insecure_clone();
        let space = ExtensionType::try_calculate_account_len::<MintState>(&[extension]).expect("mint size");
        self.env
            .create_mint_with(&authority, &authority.pubkey(), 6, &TOKEN_2022, space, |mint| match extension {
                ExtensionType::MetadataPointer => {
                    vec![metadata_pointer::instruction::initialize(&TOKEN_2022, mint, Some(authority.pubkey()), Some(*mint))
                        .expect("metadata pointer")]
                }
                ExtensionType::PermanentDelegate => {
                    vec![spl_token_2022::instruction::initialize_permanent_delegate(&TOKEN_2022, mint, &authority.pubkey())
                        .expect("permanent delegate")]
                }
                other => panic!("no initializer for {other:?} in the fixture"),
            })
            .expect("create Token-2022 mint")
    }

    /// A mint listed as collateral with no deposit cap.
    pub fn listed_mint(&mut self, decimals: u8, token_program: &Pubkey) -> Pubkey {
        let mint = self.create_mint(decimals, token_program);
        self.list(&mint, token_program, NO_CAP).expect("list_collateral");
        mint
    }

    pub fn list(&mut self, mint: &Pubkey, token_program: &Pubkey, deposit_cap: u64) -> TransactionResult {
        let admin = self.admin.insecure_clone();
        let list = ix::list_collateral(&admin.pubkey(), &admin.pubkey(), mint, token_program, deposit_cap);
        self.send(&[list], &admin, &[])
    }

    pub fn new_trader(&mut self) -> Trader {
        let keypair = self.env.funded_keypair(10);
        let margin_account = self.create_margin_account(&keypair, 0).expect("create_margin_account");
        Trader { keypair, margin_account }
    }

    pub fn create_margin_account(
        &mut self,
        owner: &Keypair,
        account_id: u32,
    ) -> Result<Pubkey, Box<litesvm::types::FailedTransactionMetadata>> {
        let create = ix::create_margin_account(&owner.pubkey(), account_id);
        self.send(&[create], owner, &[]).map_err(Box::new)?;
        let address = pda::margin_account(&owner.pubkey(), account_id);
        self.margin_accounts.push(address);
        Ok(address)
    }

    /// A token account of `mint` owned by `owner`, holding `amount`.
    pub fn token_account_with(&mut self, owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey, amount: u64) -> Pubkey {
        let authority = self.mint_authority.insecure_clone();
        let account = self.env.create_token_account(&authority, mint, owner, token_program);
        if amount > 0 {
            self.env.mint_to(&authority, mint, &account, amount, token_program);
        }
        account
    }

    pub fn deposit(&mut self, trader: &Trader, mint: &Pubkey, token_program: &Pubkey, source: &Pubkey, amount: u64) -> TransactionResult {
        let deposit = ix::deposit(&trader.keypair.pubkey(), &trader.margin_account, mint, token_program, source, amount);
        let owner = trader.keypair.insecure_clone();
        self.send(&[deposit], &owner, &[])
    }

    pub fn withdraw(
        &mut self,
        trader: &Trader,
        mint: &Pubkey,
        token_program: &Pubkey,
        destination: &Pubkey,
        amount: u64,
    ) -> TransactionResult {
        let withdraw = ix::withdraw(&trader.keypair.pubkey(), &trader.margin_account, mint, token_program, destination, amount);
        let owner = trader.keypair.insecure_clone();
        self.send(&[withdraw], &owner, &[])
    }

    pub fn exchange(&self) -> Exchange {
        self.env.load(&pda::exchange()).expect("exchange account")
    }

    pub fn collateral_asset(&self, mint: &Pubkey) -> CollateralAsset {
        self.env.load(&pda::collateral_asset(mint)).expect("collateral asset account")
    }

    pub fn margin_account(&self, address: &Pubkey) -> MarginAccount {
        self.env.load(address).expect("margin account")
    }

    /// A margin account's balance of a listed mint.
    pub fn balance(&self, margin_account: &Pubkey, mint: &Pubkey) -> u64 {
        let asset_index = self.collateral_asset(mint).asset_index;
        self.margin_account(margin_account).collateral_balance(asset_index)
    }

    /// DESIGN.md invariant 1, exactly: for every listed mint, and for the
    /// quote vault, whose tokens are claimed by the pool (its balance plus
    /// what each market realised for it), the insurance fund and every
    /// margin account's quote balance (negative: debt owed to the others).
    /// Also that each market's running sums equal the sums over positions.
    pub fn assert_conservation(&self) {
        let Some(exchange) = self.env.load::<Exchange>(&pda::exchange()) else { return };
        let accounts: Vec<MarginAccount> = self.margin_accounts.iter().filter_map(|address| self.env.load(address)).collect();
        let markets: Vec<PerpMarket> = (0..exchange.market_count).filter_map(|index| self.env.load(&pda::market(index))).collect();
        if exchange.pool_initialized == 1 {
            let vault = Fixed::from_num(self.env.token_balance(&exchange.quote_vault));
            let realized: Fixed = markets.iter().map(|market| market.pool_realized.get()).sum();
            let quote: Fixed = accounts.iter().map(|account| account.quote()).sum();
            let pending = Fixed::from_num(exchange.pending_lp_deposits);
            let claims = exchange.pool_balance.get() + exchange.insurance_fund.get() + realized + quote + pending;
            assert_eq!(
                vault,
                claims,
                "the quote vault holds {vault} but claims add to {claims} (pool {}, realised {realized}, insurance {}, accounts {quote})",
                exchange.pool_balance.get(),
                exchange.insurance_fund.get()
            );
        }
        for market in &markets {
            let positions = accounts.iter().flat_map(|account| account.perps_in_use().filter(|p| p.market_index == market.market_index));
            let (mut long, mut short, mut quote) = (0u64, 0u64, Fixed::ZERO);
            for position in positions {
                if position.base_size > 0 {
                    long += position.base_size as u64
                } else {
                    short += position.base_size.unsigned_abs()
                }
                quote += position.quote_position.get();
            }
            assert_eq!((market.long_base, market.short_base), (long, short), "market {} open interest vs positions", market.market_index);
            assert_eq!(market.quote_position_sum.get(), quote, "market {} quote sum vs positions", market.market_index);
        }
        for mint in exchange.listed_collateral() {
            let asset = self.collateral_asset(mint);
            let vault = self.env.token_balance(&asset.vault);
            let claims: u64 = accounts.iter().map(|account| account.collateral_balance(asset.asset_index)).sum();
            assert_eq!(vault, asset.total_deposits, "vault of {mint} holds {vault} but the asset records {}", asset.total_deposits);
            assert_eq!(vault, claims, "vault of {mint} holds {vault} but margin accounts claim {claims}");
        }
    }
}

impl Default for TestExchange {
    fn default() -> Self {
        Self::new()
    }
}

/// The custom error code a failed transaction's instruction returned.
pub fn custom_error_code(result: &TransactionResult) -> Option<u32> {
    use solana_transaction_error::TransactionError;
    let failure = result.as_ref().err()?;
    match &failure.err {
        TransactionError::InstructionError(_, anchor_lang::solana_program::instruction::error::InstructionError::Custom(code)) => {
            Some(*code)
        }
        _ => None,
    }
}

/// Asserts the transaction failed with `expected` (a Reflex error or one of
/// Anchor's own), printing the logs if not.
#[track_caller]
pub fn assert_error(result: &TransactionResult, expected: impl Into<u32> + std::fmt::Debug + Copy) {
    let code = expected.into();
    match result {
        Ok(meta) => panic!("expected {expected:?} ({code}), but the transaction succeeded; logs:\n{}", meta.logs.join("\n")),
        Err(failure) => assert_eq!(
            custom_error_code(result),
            Some(code),
            "expected {expected:?} ({code}), got {:?}; logs:\n{}",
            failure.err,
            failure.meta.logs.join("\n")
        ),
    }
}

/// The Anchor events of type `E` a successful transaction emitted, in order.
#[track_caller]
pub fn events<E: anchor_lang::Event>(result: &TransactionResult) -> Vec<E> {
    use anchor_lang::__private::base64::{engine::general_purpose::STANDARD, Engine};
    let meta = match result {
        Ok(meta) => meta,
        Err(failure) => panic!("transaction failed: {:?}; logs:\n{}", failure.err, failure.meta.logs.join("\n")),
    };
    meta.logs
        .iter()
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|data| STANDARD.decode(data).ok())
        .filter(|bytes| bytes.starts_with(E::DISCRIMINATOR))
        .map(|bytes| E::try_from_slice(&bytes[E::DISCRIMINATOR.len()..]).expect("event decodes"))
        .collect()
}
