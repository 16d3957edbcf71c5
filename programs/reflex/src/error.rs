use anchor_lang::prelude::*;

/// Every way a Reflex instruction can fail. Messages are written for the
/// person who sent the transaction: what went wrong and, where useful, what to do.
#[error_code]
pub enum ReflexError {
    #[msg("Only the exchange admin may do this")]
    NotAdmin,
    #[msg("Only the program's upgrade authority may initialize the exchange")]
    NotUpgradeAuthority,
    #[msg("The program data account passed is not this program's")]
    WrongProgramData,
    #[msg("Only the margin account's owner may do this")]
    NotAccountOwner,
    #[msg("This mint is already listed as collateral")]
    CollateralAlreadyListed,
    #[msg("The collateral registry is full; no further mints can be listed")]
    CollateralRegistryFull,
    #[msg("The mint has a Token-2022 extension Reflex does not support (transfer fees, hooks, permanent delegate, confidential or non-transferable tokens)")]
    UnsupportedMintExtension,
    #[msg("The amount must be greater than zero")]
    ZeroAmount,
    #[msg("The margin account does not hold that much of this collateral")]
    InsufficientCollateral,
    #[msg("This deposit would exceed the collateral's deposit cap")]
    DepositCapExceeded,
    #[msg("The margin account already holds the maximum number of collateral tokens; withdraw one fully first")]
    CollateralSlotsFull,
    #[msg("The vault passed is not this collateral's vault")]
    WrongVault,
    #[msg("The mint passed does not match the collateral or token account")]
    WrongMint,
    #[msg("The token program passed does not own this collateral's mint")]
    WrongTokenProgram,
    #[msg("The margin account belongs to a different exchange")]
    WrongExchange,
    #[msg("The vault received a different amount than was sent; the token behaves unexpectedly")]
    VaultAmountMismatch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
}
