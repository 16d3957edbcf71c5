//! Anchor events from a transaction's logs.
use anchor_lang::__private::base64::{engine::general_purpose::STANDARD, Engine};
use anchor_lang::Event;

/// The events of type `E` in `logs` ("Program data: …" lines), in order.
pub fn decode<E: Event>(logs: &[String]) -> Vec<E> {
    logs.iter()
        .filter_map(|line| line.strip_prefix("Program data: "))
        .filter_map(|data| STANDARD.decode(data).ok())
        .filter(|bytes| bytes.starts_with(E::DISCRIMINATOR))
        .filter_map(|bytes| E::try_from_slice(&bytes[E::DISCRIMINATOR.len()..]).ok())
        .collect()
}
