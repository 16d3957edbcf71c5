//! Every PDA in the checked-in IDL (`idl/reflex.json`) resolves from the
//! IDL alone, as a client that has nothing but the IDL resolves it (constant
//! seeds, instruction arguments, top-level accounts of the same
//! instruction), and lands on the address `reflex_sdk::pda` derives. A seed
//! that points into a nested account group, or loses part of its
//! expression, fails here by name.
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use reflex_sdk::pda;
use serde_json::Value;

const IDL: &str = include_str!("../../../idl/reflex.json");

/// One resolved seed: its bytes and, for an argument or account, the value
/// it was given (to compute the SDK's address from the same inputs).
enum Input {
    Const(String),
    U16(u16),
    U32(u32),
    Bytes32([u8; 32]),
    Account(Pubkey),
}

fn seed_bytes(input: &Input) -> Vec<u8> {
    match input {
        Input::Const(text) => text.as_bytes().to_vec(),
        Input::U16(value) => value.to_le_bytes().to_vec(),
        Input::U32(value) => value.to_le_bytes().to_vec(),
        Input::Bytes32(bytes) => bytes.to_vec(),
        Input::Account(key) => key.to_bytes().to_vec(),
    }
}

/// The instruction's accounts by name, top level only: a nested group's
/// members are not addressable by a seed path a client can follow.
fn top_level(instruction: &Value) -> HashMap<String, &Value> {
    instruction["accounts"].as_array().unwrap().iter().map(|account| (account["name"].as_str().unwrap().to_string(), account)).collect()
}

/// Sample values for an argument seed, by its IDL type.
fn argument(instruction: &Value, path: &str) -> Result<Input, String> {
    let args = instruction["args"].as_array().unwrap();
    let arg = args.iter().find(|arg| arg["name"] == path).ok_or(format!("seed argument `{path}` is not an argument"))?;
    match &arg["type"] {
        Value::String(kind) if kind == "u16" => Ok(Input::U16(7)),
        Value::String(kind) if kind == "u32" => Ok(Input::U32(3)),
        Value::Object(object) if object.get("array") == Some(&serde_json::json!(["u8", 32])) => Ok(Input::Bytes32([9; 32])),
        other => Err(format!("seed argument `{path}` has a type this test does not sample: {other}")),
    }
}

/// The bytes of a `const` seed (or program).
fn const_bytes(seed: &Value) -> Vec<u8> {
    seed["value"].as_array().unwrap().iter().map(|byte| byte.as_u64().unwrap() as u8).collect()
}

fn resolve(instruction: &Value, seed: &Value, keys: &mut HashMap<String, Pubkey>) -> Result<Input, String> {
    let accounts = top_level(instruction);
    match seed["kind"].as_str().unwrap() {
        "const" => {
            let bytes = const_bytes(seed);
            Ok(Input::Const(String::from_utf8(bytes).map_err(|_| "a constant seed that is not text".to_string())?))
        }
        "arg" => argument(instruction, seed["path"].as_str().unwrap()),
        "account" => {
            let path = seed["path"].as_str().unwrap();
            let account = accounts.get(path).ok_or(format!("seed account `{path}` is not a top-level account of the instruction"))?;
            if let Some(address) = account["address"].as_str() {
                return Ok(Input::Account(address.parse().unwrap()));
            }
            Ok(Input::Account(*keys.entry(path.to_string()).or_insert_with(Pubkey::new_unique)))
        }
        kind => Err(format!("a seed of kind `{kind}`")),
    }
}

/// The SDK's address for the same inputs, chosen by the PDA's seeds.
fn sdk_address(program: Option<Pubkey>, inputs: &[Input]) -> Result<Pubkey, String> {
    let loader = anchor_lang::solana_program::bpf_loader_upgradeable::ID;
    Ok(match (program, inputs) {
        (Some(owner), [Input::Account(program)]) if owner == loader && *program == reflex::ID => pda::program_data(),
        (None, [Input::Const(seed)]) if seed == "exchange" => pda::exchange(),
        (None, [Input::Const(seed)]) if seed == "quote_vault" => pda::quote_vault(),
        (None, [Input::Const(seed), Input::Account(mint)]) if seed == "collateral" => pda::collateral_asset(mint),
        (None, [Input::Const(seed), Input::Account(mint)]) if seed == "vault" => pda::vault(mint),
        (None, [Input::Const(seed), Input::Account(owner)]) if seed == "lp" => pda::lp_position(owner),
        (None, [Input::Const(seed), Input::Bytes32(id)]) if seed == "feed" => pda::feed(id),
        (None, [Input::Const(seed), Input::U16(index)]) if seed == "market" => pda::market(*index),
        (None, [Input::Const(seed), Input::Account(owner), Input::U32(id)]) if seed == "margin" => pda::margin_account(owner, *id),
        _ => return Err("seeds the SDK derives no address from".to_string()),
    })
}

/// Walks an instruction's accounts, nested groups included, collecting
/// every one with a `pda` with its dotted name.
fn each_pda<'a>(accounts: &'a [Value], prefix: &str, found: &mut Vec<(String, &'a Value)>) {
    for account in accounts {
        let name = format!("{prefix}{}", account["name"].as_str().unwrap());
        if let Some(nested) = account["accounts"].as_array() {
            each_pda(nested, &format!("{name}."), found);
        } else if !account["pda"].is_null() {
            found.push((name, &account["pda"]));
        }
    }
}

#[test]
fn every_pda_in_the_idl_resolves_to_the_sdks_address() {
    let idl: Value = serde_json::from_str(IDL).expect("idl/reflex.json is JSON");
    let mut failures = Vec::new();
    let mut checked = 0;
    for instruction in idl["instructions"].as_array().unwrap() {
        let name = instruction["name"].as_str().unwrap();
        let mut found = Vec::new();
        each_pda(instruction["accounts"].as_array().unwrap(), "", &mut found);
        for (account, spec) in found {
            let mut keys = HashMap::new();
            let result = (|| -> Result<(), String> {
                let inputs = spec["seeds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|seed| resolve(instruction, seed, &mut keys))
                    .collect::<Result<Vec<_>, _>>()?;
                let program = match &spec["program"] {
                    Value::Null => None,
                    program if program["kind"] == "const" => {
                        Some(Pubkey::try_from(const_bytes(program).as_slice()).map_err(|_| "a program that is not an address")?)
                    }
                    program => match resolve(instruction, program, &mut keys)? {
                        Input::Account(key) => Some(key),
                        _ => return Err("a program that is not an address".to_string()),
                    },
                };
                let seeds: Vec<Vec<u8>> = inputs.iter().map(seed_bytes).collect();
                let seed_refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
                let resolved = Pubkey::find_program_address(&seed_refs, &program.unwrap_or(reflex::ID)).0;
                let expected = sdk_address(program, &inputs)?;
                if resolved != expected {
                    return Err(format!("resolves to {resolved}, the SDK derives {expected}"));
                }
                Ok(())
            })();
            checked += 1;
            if let Err(why) = result {
                failures.push(format!("{name}.{account}: {why}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} PDAs in the IDL do not resolve to the SDK's address:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 40, "only {checked} PDAs found: is the IDL the program's?");
}

#[test]
fn the_seeds_are_exported_as_constants() {
    let idl: Value = serde_json::from_str(IDL).expect("idl/reflex.json is JSON");
    let constants: HashMap<&str, &Value> =
        idl["constants"].as_array().unwrap().iter().map(|constant| (constant["name"].as_str().unwrap(), constant)).collect();
    for (name, seed) in [
        ("EXCHANGE_SEED", reflex::constants::EXCHANGE_SEED),
        ("COLLATERAL_SEED", reflex::constants::COLLATERAL_SEED),
        ("VAULT_SEED", reflex::constants::VAULT_SEED),
        ("FEED_SEED", reflex::constants::FEED_SEED),
        ("QUOTE_VAULT_SEED", reflex::constants::QUOTE_VAULT_SEED),
        ("LP_POSITION_SEED", reflex::constants::LP_POSITION_SEED),
        ("MARKET_SEED", reflex::constants::MARKET_SEED),
        ("MARGIN_ACCOUNT_SEED", reflex::constants::MARGIN_ACCOUNT_SEED),
    ] {
        let constant = constants.get(name).unwrap_or_else(|| panic!("{name} is not in the IDL's constants"));
        assert_eq!(constant["type"], "bytes", "{name}");
        let value = constant["value"].as_str().unwrap();
        let expected = format!("{seed:?}").replace(' ', "");
        assert_eq!(value.replace(' ', ""), expected, "{name}");
    }
}
