#!/usr/bin/env bash
# Regenerates sim/calibrated (policy.toml, market-risk.json,
# collateral-risk.json, calibration.md): the [calibration] grid of
# sim/default.toml (or the file given). The SDK presets load the JSON, so
# rebuild and re-run the tests after it changes.
# Usage: bash scripts/calibrate.sh [scenario.toml] [output folder]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
cd "$REFLEX_ROOT"
config="${1:-sim/default.toml}"
out="${2:-sim/calibrated}"
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --release --quiet -p reflex-sim -- calibrate --config "$config" --out "$out"
reflex_say "wrote $out (policy.toml, market-risk.json, collateral-risk.json, calibration.md)"
