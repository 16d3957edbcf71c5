#!/usr/bin/env bash
# The fuzzer's long run: random sequences of every instruction on the SBF
# binary until a million transactions have run (override with
# REFLEX_FUZZ_TRANSACTIONS; REFLEX_FUZZ_SEED picks the campaign), then prints
# sequences/s and transactions executed. A failure prints the shortest
# sequence that reproduces it. `bash scripts/test.sh` runs a short campaign.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
bash "$REFLEX_ROOT/scripts/build-sbf.sh"
cd "$REFLEX_ROOT"
export REFLEX_FUZZ_TRANSACTIONS=${REFLEX_FUZZ_TRANSACTIONS:-1000000}
export REFLEX_FUZZ_SEQUENCES=${REFLEX_FUZZ_SEQUENCES:-100000000}
export REFLEX_FUZZ_SEED=${REFLEX_FUZZ_SEED:-$(date +%s)}
export REFLEX_FUZZ_THREADS=${REFLEX_FUZZ_THREADS:-$(nproc)}
reflex_say "fuzzing until $REFLEX_FUZZ_TRANSACTIONS transactions (seed $REFLEX_FUZZ_SEED)"
cargo "+$REFLEX_HOST_TOOLCHAIN" test --locked -p reflex-tests --test integration fuzz::random_sequences_keep_every_invariant -- --nocapture 2>&1 | grep -v '^$'
