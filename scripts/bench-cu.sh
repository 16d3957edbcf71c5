#!/usr/bin/env bash
# Regenerates docs/compute-units.md: compute units per instruction, measured on
# the SBF binary in LiteSVM by `reflex bench-cu`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
bash "$REFLEX_ROOT/scripts/build-sbf.sh"
cd "$REFLEX_ROOT"
mkdir -p docs
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli -- bench-cu >docs/compute-units.md
reflex_say "wrote docs/compute-units.md"
cat docs/compute-units.md
