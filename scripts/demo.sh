#!/usr/bin/env bash
# The README's main job: set up, build the SBF program, and run `reflex demo`
# on the embedded SVM. Extra arguments go to the demo (for example --json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
bash "$REFLEX_ROOT/scripts/build-sbf.sh"
cd "$REFLEX_ROOT"
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli -- demo "$@"
