use reflex_risk::Fixed;

/// Parts per million as a fraction: instruction arguments carry ratios as
/// integers (exact, readable in an explorer), the state as fixed point.
pub fn ppm(value: u32) -> Fixed {
    Fixed::from_num(value) / 1_000_000
}

/// Parts per billion as a fraction (for size factors, typically ~1e-6).
pub fn ppb(value: u32) -> Fixed {
    ppm(value) / 1_000
}
