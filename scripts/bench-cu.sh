#!/usr/bin/env bash
# Regenerates docs/compute-units.md: compute units per instruction, measured on
# the SBF binary in LiteSVM by `reflex bench-cu`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
bash "$REFLEX_ROOT/scripts/build-sbf.sh"
cd "$REFLEX_ROOT"
mkdir -p docs
# Written aside and moved into place, so a failed run leaves the table as it was.
trap 'rm -f docs/compute-units.md.partial' EXIT
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli -- bench-cu >docs/compute-units.md.partial
mv docs/compute-units.md.partial docs/compute-units.md
reflex_say "wrote docs/compute-units.md"
cat docs/compute-units.md
