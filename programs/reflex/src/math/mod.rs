//! Checked arithmetic for the program's own bookkeeping (balances, totals,
//! slots). The risk formulas are `reflex_risk`'s; this only adds, subtracts
//! and negates what they return, and says where it failed.
mod safe_math;

pub use safe_math::{overflow, safe_mul_floor, SafeMath};
