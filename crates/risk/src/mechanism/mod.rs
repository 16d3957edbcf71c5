//! Mechanism variants the thesis study (`app/sim`, `docs/sim/report.md`)
//! measures against static margin, written like the rest of the crate
//! (fixed point, checked, no panics) so the program can adopt the winners
//! verbatim.
//!
//! - [`robust`]: a cadence-robust `σ_T` (realised variance on a fixed
//!   sampling grid, a directional range term, smoothed confidence) with a
//!   fast value for initial levels and a slower one for maintenance, and a
//!   long look-back value for the anti-procyclicality floor.
//! - [`utilisation`]: margin add-on from a market's open interest against
//!   the pool's capacity (dYdX v4's open-interest-scaled initial margin) and
//!   haircut add-on as a collateral's deposits pass a governed depth (Mango
//!   v4's deposit weight scaling).
//! - [`apc`]: an anti-procyclicality buffer (EMIR RTS Art. 28(1)(a) and (c)):
//!   margin held at least `(1 + buffer)` times the long look-back level,
//!   the buffer released first when volatility rises.
//! - [`steward`]: the cascade-aware steward's rule: the notional whose
//!   liquidation price lies within a `k·σ_T` move, and the capped, spaced
//!   step of base initial margin it asks for.
//!
//! The gap floor is a bounds rule and lives with the others in
//! [`crate::bounds::validate_gap_floor`]; levels move toward adjusted targets
//! through [`crate::FeedbackState::step_toward`].
pub mod apc;
pub mod robust;
pub mod steward;
pub mod utilisation;

pub use apc::apc_target;
pub use robust::{RobustConfig, RobustSigma, RobustVolatility};
pub use steward::{notional_within_move, steward_base, LiquidationPoint, StewardRule};
pub use utilisation::{deposit_haircut, margin_with_add_on, open_interest_add_on, OpenInterestScaling};
