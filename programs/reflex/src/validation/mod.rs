//! Checks shared by several instructions.
pub mod mint;
