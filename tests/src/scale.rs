//! The largest account the layout allows, on the largest exchange: 32
//! markets listed on 16 distinct feeds, and an account holding 8
//! collaterals (on 8 feeds) and 8 positions (on the 8 others). Every
//! instruction over it names about 55 accounts, which only a v0
//! transaction through a lookup table can carry.
use reflex_sdk::pda;
use solana_signer::Signer;

use crate::world::World;
use crate::{Trader, SPL_TOKEN, TOKEN_2022};

/// Underlyings beyond the world's SOL, BTC and ETH.
const NAMES: [&str; 13] = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ", "KKK", "LLL", "MMM"];

/// Markets the largest account trades: 2..10, on underlyings 8..16.
pub const WORST_MARKETS: std::ops::Range<u16> = 2..10;

pub struct Largest {
    pub world: World,
    /// 8 collaterals, 8 positions of $40,000 long each.
    pub trader: Trader,
    /// A keeper's margin account with $200,000 of quote.
    pub keeper: Trader,
}

/// Builds the exchange and the account; every protocol account is in the
/// admin's lookup table (active from the current slot on).
pub fn largest() -> Largest {
    let mut world = World::new(5_000_000.0);
    for (offset, name) in NAMES.iter().enumerate() {
        world.add_underlying(name, 0x10 + offset as u8, 9, 10.0 * (offset + 1) as f64);
    }
    assert_eq!(world.underlyings.len(), 16);
    for underlying in 3..8 {
        world.add_collateral(underlying, if underlying % 2 == 0 { SPL_TOKEN } else { TOKEN_2022 });
    }
    for underlying in 8..16 {
        world.add_market(underlying);
    }
    while world.markets.len() < reflex::constants::MAX_MARKETS as usize {
        let underlying = 2 + world.markets.len() % 14;
        world.add_market(underlying);
    }
    world.t.table_protocol_accounts();
    world.tick(1);

    let deposits: Vec<(usize, f64)> = (0..8).map(|c| (c, 10_000.0 / world.underlyings[world.collaterals[c].underlying].price)).collect();
    let trader = world.trader(&deposits);
    for market in WORST_MARKETS {
        let price = world.underlyings[world.markets[market as usize]].price;
        world.trade(&trader, market, 40_000.0 / price).unwrap_or_else(|e| panic!("open market {market}: {:?}", e.meta.logs));
    }
    let margin = world.margin(&trader.margin_account);
    assert_eq!((margin.collateral_in_use().count(), margin.perps_in_use().count()), (8, 8));
    let keeper = world.keeper(200_000.0);
    assert_ne!(keeper.margin_account, pda::margin_account(&trader.keypair.pubkey(), 0));
    Largest { world, trader, keeper }
}

/// Every underlying's price times `factor`, posted in a new slot.
pub fn move_all(world: &mut World, factor: f64) {
    world.advance(1);
    for underlying in 0..world.underlyings.len() {
        let price = world.underlyings[underlying].price * factor;
        world.set_price(underlying, price);
    }
}
