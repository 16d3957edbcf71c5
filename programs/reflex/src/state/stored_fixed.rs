use anchor_lang::prelude::*;
use reflex_risk::Fixed;

/// An I80F48 stored as 16 little-endian bytes. Alignment 1: an `i128` field
/// is 16-aligned on x86-64 but 8-aligned on SBPF, so storing the raw integer
/// would give zero-copy accounts different layouts on the host and on chain.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StoredFixed {
    pub bits: [u8; 16],
}

impl StoredFixed {
    pub fn new(value: Fixed) -> Self {
        StoredFixed { bits: value.to_bits().to_le_bytes() }
    }

    pub fn get(&self) -> Fixed {
        Fixed::from_bits(i128::from_le_bytes(self.bits))
    }

    pub fn set(&mut self, value: Fixed) {
        self.bits = value.to_bits().to_le_bytes();
    }
}

impl From<Fixed> for StoredFixed {
    fn from(value: Fixed) -> Self {
        StoredFixed::new(value)
    }
}
