//! Instruction builders. Each takes the keys a caller knows and derives the
//! rest (PDAs, vaults), so the common case is one line.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};

use reflex::oracle::OracleKind;
use reflex::state::RiskLevel;

use crate::pda;

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: reflex::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// The Compute Budget program's `SetComputeUnitLimit`: every pricing
/// instruction reads each feed's oracle and runs its accumulator, so one
/// touching many feeds needs more than the default 200,000 units.
pub fn compute_unit_limit(units: u32) -> Instruction {
    let program_id: Pubkey = "ComputeBudget111111111111111111111111111111".parse().expect("compute budget program id");
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction { program_id, accounts: Vec::new(), data }
}

/// The most compute units a transaction may ask for.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// `admin` must be the program's upgrade authority.
pub fn initialize_exchange(admin: &Pubkey, quote_mint: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::InitializeExchange {
            admin: *admin,
            exchange: pda::exchange(),
            quote_mint: *quote_mint,
            program: reflex::ID,
            program_data: pda::program_data(),
            system_program: system_program::ID,
        },
        reflex::instruction::InitializeExchange {},
    )
}

/// `token_program` is the program that owns `mint` (SPL Token or Token-2022).
pub fn list_collateral(admin: &Pubkey, payer: &Pubkey, mint: &Pubkey, token_program: &Pubkey, deposit_cap: u64) -> Instruction {
    instruction(
        reflex::accounts::ListCollateral {
            exchange: pda::exchange(),
            admin: *admin,
            mint: *mint,
            token_program: *token_program,
            payer: *payer,
            collateral_asset: pda::collateral_asset(mint),
            vault: pda::vault(mint),
            system_program: system_program::ID,
        },
        reflex::instruction::ListCollateral { deposit_cap },
    )
}

pub fn create_margin_account(owner: &Pubkey, account_id: u32) -> Instruction {
    instruction(
        reflex::accounts::CreateMarginAccount {
            owner: *owner,
            exchange: pda::exchange(),
            margin_account: pda::margin_account(owner, account_id),
            system_program: system_program::ID,
        },
        reflex::instruction::CreateMarginAccount { account_id },
    )
}

/// The accounts of a listed collateral, derived from its mint.
pub fn collateral_vault(mint: &Pubkey, token_program: &Pubkey) -> reflex::accounts::CollateralVault {
    reflex::accounts::CollateralVault {
        collateral_asset: pda::collateral_asset(mint),
        vault: pda::vault(mint),
        mint: *mint,
        token_program: *token_program,
    }
}

pub fn deposit(
    owner: &Pubkey,
    margin_account: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    instruction(
        reflex::accounts::Deposit {
            owner: *owner,
            margin_account: *margin_account,
            collateral: collateral_vault(mint, token_program),
            source: *source,
            exchange: pda::exchange(),
        },
        reflex::instruction::Deposit { amount },
    )
}

pub fn withdraw(
    owner: &Pubkey,
    margin_account: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    destination: &Pubkey,
    amount: u64,
) -> Instruction {
    instruction(
        reflex::accounts::Withdraw {
            owner: *owner,
            margin_account: *margin_account,
            collateral: collateral_vault(mint, token_program),
            destination: *destination,
            exchange: pda::exchange(),
        },
        reflex::instruction::Withdraw { amount },
    )
}

/// A feed reading the Pyth `PriceUpdateV2` account `oracle` for `feed_id`.
pub fn list_feed(
    admin: &Pubkey,
    payer: &Pubkey,
    feed_id: [u8; 32],
    oracle: &Pubkey,
    base_decimals: u8,
    config: reflex::state::FeedConfig,
) -> Instruction {
    list_feed_of_kind(admin, payer, feed_id, oracle, base_decimals, OracleKind::PythPull, config)
}

/// A feed reading the legacy Pyth price account `price_account` (its
/// address is the feed id).
pub fn list_legacy_feed(
    admin: &Pubkey,
    payer: &Pubkey,
    price_account: &Pubkey,
    base_decimals: u8,
    config: reflex::state::FeedConfig,
) -> Instruction {
    list_feed_of_kind(admin, payer, price_account.to_bytes(), price_account, base_decimals, OracleKind::PythLegacy, config)
}

fn list_feed_of_kind(
    admin: &Pubkey,
    payer: &Pubkey,
    feed_id: [u8; 32],
    oracle: &Pubkey,
    base_decimals: u8,
    oracle_kind: OracleKind,
    config: reflex::state::FeedConfig,
) -> Instruction {
    instruction(
        reflex::accounts::ListFeed {
            listing: reflex::accounts::FeedListing { exchange: pda::exchange(), admin: *admin },
            new_feed: reflex::accounts::NewFeed {
                payer: *payer,
                feed: pda::feed(&feed_id),
                oracle: *oracle,
                system_program: system_program::ID,
            },
        },
        reflex::instruction::ListFeed { feed_id, base_decimals, oracle_kind, config },
    )
}

pub fn refresh_feed(feed_id: &[u8; 32], oracle: &Pubkey) -> Instruction {
    instruction(reflex::accounts::RefreshFeed { feed: pda::feed(feed_id), oracle: *oracle }, reflex::instruction::RefreshFeed {})
}

/// The accounts of `set_collateral_risk` and `set_collateral_risk_ext`.
fn collateral_risk_accounts(admin: &Pubkey, mint: &Pubkey, feed_id: &[u8; 32]) -> reflex::accounts::SetCollateralRisk {
    reflex::accounts::SetCollateralRisk {
        exchange: pda::exchange(),
        admin: *admin,
        collateral_asset: pda::collateral_asset(mint),
        feed: pda::feed(feed_id),
    }
}

pub fn set_collateral_risk(admin: &Pubkey, mint: &Pubkey, feed_id: &[u8; 32], risk: reflex::state::CollateralRiskPpm) -> Instruction {
    instruction(collateral_risk_accounts(admin, mint, feed_id), reflex::instruction::SetCollateralRisk { risk })
}

/// Sets a collateral's gap allowance and deposit depth (same accounts as
/// [`set_collateral_risk`]).
pub fn set_collateral_risk_ext(admin: &Pubkey, mint: &Pubkey, feed_id: &[u8; 32], ext: reflex::state::CollateralRiskExtPpm) -> Instruction {
    instruction(collateral_risk_accounts(admin, mint, feed_id), reflex::instruction::SetCollateralRiskExt { ext })
}

pub fn refresh_collateral(mint: &Pubkey, feed_id: &[u8; 32], oracle: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::RefreshCollateral { collateral_asset: pda::collateral_asset(mint), feed: pda::feed(feed_id), oracle: *oracle },
        reflex::instruction::RefreshCollateral {},
    )
}

/// Lists the next perp market: `market_index` must be the exchange's
/// current market count.
pub fn list_perp_market(
    admin: &Pubkey,
    payer: &Pubkey,
    market_index: u16,
    feed_id: &[u8; 32],
    name: [u8; 16],
    risk: reflex::state::MarketRiskPpm,
) -> Instruction {
    instruction(
        reflex::accounts::ListPerpMarket {
            exchange: pda::exchange(),
            admin: *admin,
            payer: *payer,
            market: pda::market(market_index),
            feed: pda::feed(feed_id),
            system_program: system_program::ID,
        },
        reflex::instruction::ListPerpMarket { market_index, name, risk },
    )
}

/// The accounts of `set_market_risk` and `set_market_risk_ext`.
fn market_risk_accounts(admin: &Pubkey, market_index: u16, feed_id: &[u8; 32]) -> reflex::accounts::SetMarketRisk {
    reflex::accounts::SetMarketRisk {
        exchange: pda::exchange(),
        admin: *admin,
        market: pda::market(market_index),
        feed: pda::feed(feed_id),
    }
}

pub fn set_market_risk(admin: &Pubkey, market_index: u16, feed_id: &[u8; 32], risk: reflex::state::MarketRiskPpm) -> Instruction {
    instruction(market_risk_accounts(admin, market_index, feed_id), reflex::instruction::SetMarketRisk { risk })
}

/// Sets a market's gap allowance and open-interest scaling (same accounts
/// as [`set_market_risk`]).
pub fn set_market_risk_ext(admin: &Pubkey, market_index: u16, feed_id: &[u8; 32], ext: reflex::state::MarketRiskExtPpm) -> Instruction {
    instruction(market_risk_accounts(admin, market_index, feed_id), reflex::instruction::SetMarketRiskExt { ext })
}

pub fn refresh_market(market_index: u16, feed_id: &[u8; 32], oracle: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::RefreshMarket { market: pda::market(market_index), feed: pda::feed(feed_id), oracle: *oracle },
        reflex::instruction::RefreshMarket {},
    )
}

pub fn propose_admin(admin: &Pubkey, new_admin: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::ProposeAdmin { governance: admin_only(admin) },
        reflex::instruction::ProposeAdmin { new_admin: *new_admin },
    )
}

pub fn accept_admin(new_admin: &Pubkey) -> Instruction {
    instruction(reflex::accounts::AcceptAdmin { exchange: pda::exchange(), new_admin: *new_admin }, reflex::instruction::AcceptAdmin {})
}

pub fn set_guardian(admin: &Pubkey, guardian: &Pubkey) -> Instruction {
    instruction(reflex::accounts::SetGuardian { governance: admin_only(admin) }, reflex::instruction::SetGuardian { guardian: *guardian })
}

/// `authority` is the guardian or the admin.
pub fn pause(authority: &Pubkey) -> Instruction {
    instruction(reflex::accounts::Pause { exchange: pda::exchange(), authority: *authority }, reflex::instruction::Pause {})
}

pub fn unpause(admin: &Pubkey) -> Instruction {
    instruction(reflex::accounts::Unpause { governance: admin_only(admin) }, reflex::instruction::Unpause {})
}

fn admin_only(admin: &Pubkey) -> reflex::accounts::AdminOnly {
    reflex::accounts::AdminOnly { exchange: pda::exchange(), admin: *admin }
}

pub fn set_risk_steward(admin: &Pubkey, steward: &Pubkey, max_change_ppm: u32, min_slots: u32) -> Instruction {
    instruction(
        reflex::accounts::SetRiskSteward { governance: admin_only(admin) },
        reflex::instruction::SetRiskSteward { steward: *steward, max_change_ppm, min_slots },
    )
}

pub fn steward_set_collateral_base(steward: &Pubkey, mint: &Pubkey, feed_id: &[u8; 32], level: RiskLevel, base_ppm: u32) -> Instruction {
    instruction(
        reflex::accounts::StewardSetCollateralBase {
            authority: reflex::accounts::StewardOnly { exchange: pda::exchange(), steward: *steward },
            collateral_asset: pda::collateral_asset(mint),
            feed: pda::feed(feed_id),
        },
        reflex::instruction::StewardSetCollateralBase { level, base_ppm },
    )
}

pub fn steward_set_market_base(steward: &Pubkey, market_index: u16, feed_id: &[u8; 32], level: RiskLevel, base_ppm: u32) -> Instruction {
    instruction(
        reflex::accounts::StewardSetMarketBase {
            authority: reflex::accounts::StewardOnly { exchange: pda::exchange(), steward: *steward },
            market: pda::market(market_index),
            feed: pda::feed(feed_id),
        },
        reflex::instruction::StewardSetMarketBase { level, base_ppm },
    )
}

pub fn set_exchange_reduce_only(admin: &Pubkey, reduce_only: bool) -> Instruction {
    instruction(
        reflex::accounts::SetExchangeReduceOnly { governance: admin_only(admin) },
        reflex::instruction::SetExchangeReduceOnly { reduce_only },
    )
}

pub fn set_market_reduce_only(admin: &Pubkey, market_index: u16, reduce_only: bool) -> Instruction {
    instruction(
        reflex::accounts::SetMarketReduceOnly { governance: admin_only(admin), market: pda::market(market_index) },
        reflex::instruction::SetMarketReduceOnly { reduce_only },
    )
}

pub fn initialize_pool(admin: &Pubkey, payer: &Pubkey, quote_mint: &Pubkey, token_program: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::InitializePool {
            governance: admin_only(admin),
            payer: *payer,
            quote_mint: *quote_mint,
            quote_vault: pda::quote_vault(),
            token_program: *token_program,
            system_program: system_program::ID,
        },
        reflex::instruction::InitializePool {},
    )
}

pub fn open_lp_position(owner: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::OpenLpPosition {
            owner: *owner,
            exchange: pda::exchange(),
            lp_position: pda::lp_position(owner),
            system_program: system_program::ID,
        },
        reflex::instruction::OpenLpPosition {},
    )
}

fn lp_liquidity(owner: &Pubkey, quote_mint: &Pubkey, token_program: &Pubkey, lp_token_account: &Pubkey) -> reflex::accounts::LpLiquidity {
    reflex::accounts::LpLiquidity {
        owner: *owner,
        vault: quote_vault(quote_mint, token_program),
        lp_position: pda::lp_position(owner),
        lp_token_account: *lp_token_account,
    }
}

/// `source` is the LP's quote token account.
pub fn lp_deposit(owner: &Pubkey, quote_mint: &Pubkey, token_program: &Pubkey, source: &Pubkey, amount: u64) -> Instruction {
    instruction(lp_liquidity(owner, quote_mint, token_program, source), reflex::instruction::LpDeposit { amount })
}

/// `destination` is the LP's quote token account.
pub fn lp_withdraw(owner: &Pubkey, quote_mint: &Pubkey, token_program: &Pubkey, destination: &Pubkey, shares: u64) -> Instruction {
    instruction(lp_liquidity(owner, quote_mint, token_program, destination), reflex::instruction::LpWithdraw { shares })
}

/// Executes `owner`'s pending LP request (anyone may send it once its delay
/// has passed); `destination` is the token account a withdrawal was
/// requested into (any quote token account for a deposit). `pool`: the
/// pool accounts ([`crate::health::pool_accounts`]).
pub fn execute_lp_request(
    owner: &Pubkey,
    quote_mint: &Pubkey,
    token_program: &Pubkey,
    destination: &Pubkey,
    pool: Vec<AccountMeta>,
) -> Instruction {
    with_remaining(
        instruction(
            reflex::accounts::ExecuteLpRequest {
                vault: quote_vault(quote_mint, token_program),
                lp_position: pda::lp_position(owner),
                destination: *destination,
            },
            reflex::instruction::ExecuteLpRequest {},
        ),
        pool,
    )
}

/// `owner` cancels its pending LP request; a deposit's tokens return to `wallet`.
pub fn cancel_lp_request(owner: &Pubkey, quote_mint: &Pubkey, token_program: &Pubkey, wallet: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::LpLiquidityNoPool {
            owner: *owner,
            vault: quote_vault(quote_mint, token_program),
            lp_position: pda::lp_position(owner),
            lp_token_account: *wallet,
        },
        reflex::instruction::CancelLpRequest {},
    )
}

pub fn set_lp_delay(admin: &Pubkey, slots: u64) -> Instruction {
    instruction(reflex::accounts::SetLpDelay { governance: admin_only(admin) }, reflex::instruction::SetLpDelay { slots })
}

pub fn set_feed_config(admin: &Pubkey, feed_id: &[u8; 32], config: reflex::state::FeedConfig) -> Instruction {
    instruction(
        reflex::accounts::SetFeedConfig { governance: admin_only(admin), feed: pda::feed(feed_id) },
        reflex::instruction::SetFeedConfig { config },
    )
}

/// Turns the feed's robust estimator on, re-tunes it, or turns it off (all zero).
pub fn set_feed_robust(admin: &Pubkey, feed_id: &[u8; 32], config: reflex::state::RobustFeedConfig) -> Instruction {
    instruction(
        reflex::accounts::SetFeedConfig { governance: admin_only(admin), feed: pda::feed(feed_id) },
        reflex::instruction::SetFeedRobust { config },
    )
}

/// Grows the feed `feed_id` from the first account layout to the current one, `payer` topping up its rent.
pub fn migrate_feed(payer: &Pubkey, feed_id: &[u8; 32]) -> Instruction {
    instruction(
        reflex::accounts::MigrateFeed { payer: *payer, feed: pda::feed(feed_id), system_program: anchor_lang::system_program::ID },
        reflex::instruction::MigrateFeed {},
    )
}

/// Points the feed `feed_id` at `oracle` (another source of the same feed id).
pub fn set_feed_oracle(admin: &Pubkey, feed_id: &[u8; 32], oracle: &Pubkey, oracle_kind: OracleKind) -> Instruction {
    instruction(
        reflex::accounts::SetFeedOracle { governance: admin_only(admin), feed: pda::feed(feed_id), oracle: *oracle },
        reflex::instruction::SetFeedOracle { oracle_kind },
    )
}

/// Governance's price for a dead feed (whose oracle is `oracle`): `price ±
/// confidence` at `exponent`, as Pyth gives them; in force from the next slot.
pub fn set_fallback_price(admin: &Pubkey, feed_id: &[u8; 32], oracle: &Pubkey, price: i64, confidence: u64, exponent: i32) -> Instruction {
    instruction(
        reflex::accounts::SetFallbackPrice { governance: admin_only(admin), feed: pda::feed(feed_id), oracle: *oracle },
        reflex::instruction::SetFallbackPrice { price, confidence, exponent },
    )
}

/// `instruction` with `remaining` appended (health or pool accounts).
pub fn with_remaining(mut instruction: Instruction, remaining: Vec<AccountMeta>) -> Instruction {
    instruction.accounts.extend(remaining);
    instruction
}

pub fn set_market_trading(admin: &Pubkey, market_index: u16, feed_id: &[u8; 32], trading: reflex::state::MarketTradingPpm) -> Instruction {
    instruction(
        reflex::accounts::SetMarketTrading {
            exchange: pda::exchange(),
            admin: *admin,
            market: pda::market(market_index),
            feed: pda::feed(feed_id),
        },
        reflex::instruction::SetMarketTrading { trading },
    )
}

/// `delegate` = `Pubkey::default()` removes the delegate.
pub fn set_delegate(owner: &Pubkey, margin_account: &Pubkey, delegate: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::SetDelegate { owner: *owner, margin_account: *margin_account },
        reflex::instruction::SetDelegate { delegate: *delegate },
    )
}

fn quote_vault(quote_mint: &Pubkey, token_program: &Pubkey) -> reflex::accounts::QuoteVault {
    reflex::accounts::QuoteVault {
        exchange: pda::exchange(),
        quote_vault: pda::quote_vault(),
        quote_mint: *quote_mint,
        token_program: *token_program,
    }
}

/// `payer` signs for `source` (its quote token account).
pub fn deposit_quote(
    payer: &Pubkey,
    margin_account: &Pubkey,
    quote_mint: &Pubkey,
    token_program: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    instruction(
        reflex::accounts::DepositQuote {
            payer: *payer,
            margin_account: *margin_account,
            vault: quote_vault(quote_mint, token_program),
            source: *source,
        },
        reflex::instruction::DepositQuote { amount },
    )
}

/// `health`: [`crate::health::health_accounts`] with nothing named.
#[allow(clippy::too_many_arguments)]
pub fn withdraw_quote(
    owner: &Pubkey,
    margin_account: &Pubkey,
    quote_mint: &Pubkey,
    token_program: &Pubkey,
    destination: &Pubkey,
    amount: u64,
    health: Vec<AccountMeta>,
) -> Instruction {
    with_remaining(
        instruction(
            reflex::accounts::WithdrawQuote {
                owner: *owner,
                margin_account: *margin_account,
                vault: quote_vault(quote_mint, token_program),
                destination: *destination,
            },
            reflex::instruction::WithdrawQuote { amount },
        ),
        health,
    )
}

/// `health`: [`crate::health::health_accounts`] naming this market.
/// `limit_price` is quote native units per whole base token.
#[allow(clippy::too_many_arguments)]
pub fn place_perp_order(
    signer: &Pubkey,
    margin_account: &Pubkey,
    market_index: u16,
    feed: &Pubkey,
    oracle: &Pubkey,
    base_delta: i64,
    limit_price: u64,
    health: Vec<AccountMeta>,
) -> Instruction {
    with_remaining(
        instruction(
            reflex::accounts::PlacePerpOrder {
                signer: *signer,
                margin_account: *margin_account,
                market: pda::market(market_index),
                feed: *feed,
                oracle: *oracle,
                exchange: pda::exchange(),
            },
            reflex::instruction::PlacePerpOrder { base_delta, limit_price },
        ),
        health,
    )
}

/// `health`: the liquidated account's [`crate::health::health_accounts`] naming this market.
#[allow(clippy::too_many_arguments)]
pub fn liquidate_perp(
    liquidator: &Pubkey,
    liquidator_account: &Pubkey,
    margin_account: &Pubkey,
    market_index: u16,
    feed: &Pubkey,
    oracle: &Pubkey,
    max_base: u64,
    health: Vec<AccountMeta>,
) -> Instruction {
    with_remaining(
        instruction(
            reflex::accounts::LiquidatePerp {
                liquidator: *liquidator,
                liquidator_account: *liquidator_account,
                margin_account: *margin_account,
                market: pda::market(market_index),
                feed: *feed,
                oracle: *oracle,
                exchange: pda::exchange(),
            },
            reflex::instruction::LiquidatePerp { max_base },
        ),
        health,
    )
}

/// `health`: the liquidated account's [`crate::health::health_accounts`] naming this collateral.
#[allow(clippy::too_many_arguments)]
pub fn liquidate_collateral(
    liquidator: &Pubkey,
    liquidator_account: &Pubkey,
    margin_account: &Pubkey,
    mint: &Pubkey,
    feed: &Pubkey,
    oracle: &Pubkey,
    max_amount: u64,
    health: Vec<AccountMeta>,
) -> Instruction {
    with_remaining(
        instruction(
            reflex::accounts::LiquidateCollateral {
                liquidator: *liquidator,
                liquidator_account: *liquidator_account,
                margin_account: *margin_account,
                collateral_asset: pda::collateral_asset(mint),
                feed: *feed,
                oracle: *oracle,
                exchange: pda::exchange(),
            },
            reflex::instruction::LiquidateCollateral { max_amount },
        ),
        health,
    )
}

pub fn settle_bankruptcy(margin_account: &Pubkey) -> Instruction {
    instruction(
        reflex::accounts::SettleBankruptcy { margin_account: *margin_account, exchange: pda::exchange() },
        reflex::instruction::SettleBankruptcy {},
    )
}
