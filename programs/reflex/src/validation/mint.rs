use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;

use crate::error::ReflexError;

/// Token-2022 mint extensions that leave a unified vault's accounting intact:
/// they describe the token (name, group, UI scaling) without changing how many
/// raw units a transfer moves or who may move them.
const ALLOWED_MINT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Rejects mints whose extensions would break the vault: a transfer fee makes
/// the vault receive less than was credited, a transfer hook runs foreign code
/// on every transfer, a permanent delegate can drain the vault, and
/// confidential, non-transferable, pausable or default-frozen tokens cannot be
/// moved in and out freely. Classic SPL Token mints have no extensions.
pub fn require_supported_mint(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    let extensions = state.get_extension_types()?;
    for extension in extensions {
        if !ALLOWED_MINT_EXTENSIONS.contains(&extension) {
            msg!("unsupported Token-2022 mint extension: {:?}", extension);
            return err!(ReflexError::UnsupportedMintExtension);
        }
    }
    Ok(())
}
