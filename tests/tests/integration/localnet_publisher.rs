//! The localnet Pyth publisher on the SBF binaries: written through it, a
//! PriceUpdateV2 account is read by Reflex's unchanged oracle checks; only
//! its write authority may update it.
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use reflex::state::PriceFeed;
use reflex_sdk::embedded::pyth_print;
use reflex_sdk::{instructions as ix, pda, presets, publisher};
use reflex_tests::*;
use solana_signer::Signer;

const FEED: [u8; 32] = [0xef; 32];

fn print(authority: &anchor_lang::prelude::Pubkey, price: f64, time: i64, slot: u64) -> PriceUpdateV2 {
    let mut update = pyth_print(FEED, price, price * 0.0005, time, slot);
    update.write_authority = *authority;
    update
}

#[test]
fn prints_written_by_the_publisher_feed_reflex_and_only_their_authority_may_write() {
    let mut t = TestExchange::new();
    t.env.add_localnet_publisher().expect("bash scripts/build-sbf.sh --with-publisher builds the publisher");
    t.env.set_clock(1_000, 1_790_000_000);
    let publisher_key = t.env.funded_keypair(10);
    let account = t.env.new_keypair();
    let create = publisher::create_price_account(&publisher_key.pubkey(), &account.pubkey());
    let write = publisher::write_price_update(
        &publisher_key.pubkey(),
        &account.pubkey(),
        &print(&publisher_key.pubkey(), 150.0, 1_790_000_000, 1_000),
    );
    t.send(&[create, write], &publisher_key, &[&account]).expect("create and write");

    let admin = t.admin.insecure_clone();
    let list = ix::list_feed(&admin.pubkey(), &admin.pubkey(), FEED, &account.pubkey(), 9, presets::feed_config());
    t.send(&[list, ix::refresh_feed(&FEED, &account.pubkey())], &admin, &[]).expect("Reflex reads the published account");
    let feed: PriceFeed = t.env.load(&pda::feed(&FEED)).unwrap();
    assert!((feed.last_price.get().to_num::<f64>() - 0.15).abs() < 1e-9, "150 USD per SOL is 0.15 per lamport");

    // Someone else cannot write it, even naming themselves as the authority.
    let intruder = t.env.funded_keypair(10);
    let forged =
        publisher::write_price_update(&intruder.pubkey(), &account.pubkey(), &print(&intruder.pubkey(), 1.0, 1_790_000_001, 1_001));
    assert_error(&t.send(&[forged], &intruder, &[]), 6002u32);

    // The authority's next print moves the feed.
    t.env.set_clock(1_002, 1_790_000_001);
    let next = publisher::write_price_update(
        &publisher_key.pubkey(),
        &account.pubkey(),
        &print(&publisher_key.pubkey(), 140.0, 1_790_000_001, 1_002),
    );
    t.send(&[next, ix::refresh_feed(&FEED, &account.pubkey())], &publisher_key, &[]).expect("update");
    let feed: PriceFeed = t.env.load(&pda::feed(&FEED)).unwrap();
    assert!((feed.last_price.get().to_num::<f64>() - 0.14).abs() < 1e-9);
}
