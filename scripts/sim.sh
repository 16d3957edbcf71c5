#!/usr/bin/env bash
# Regenerates docs/sim (report.md, results.json, SVG figures): every scenario
# of sim/default.toml (or the file given) under the static sweep and every
# dynamic variant, on the same seeds.
# Usage: bash scripts/sim.sh [scenario.toml] [output folder]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
cd "$REFLEX_ROOT"
config="${1:-sim/default.toml}"
out="${2:-docs/sim}"
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --release --quiet -p reflex-sim -- --config "$config" --out "$out"
reflex_say "wrote $out/report.md (and results.json, frontier-*.svg, path-*.svg)"
