#!/usr/bin/env bash
# Mutation testing of reflex-risk with cargo-mutants (installed here from
# crates.io, pinned): every comparison, operator and return value the tool
# can change is changed in turn, and the crate's own tests must fail.
#
#   bash scripts/mutants.sh                          every file of reflex-risk
#   bash scripts/mutants.sh crates/risk/src/bounds.rs  one file (or several)
#
# Prints each missed mutant and the score (caught / viable). Mutants that
# cannot change a result are excluded in .cargo/mutants.toml, each with its
# reason. Not run by CI: each mutant rebuilds and tests the crate (~3 s with
# the tests of one file, several times that with the whole suite), and the
# crate has over 1,000 (about half unviable). Measured, on 2 cores:
#   bounds.rs                             92 of 92 viable   3 min  -- --test bounds --test params --test mechanism
#   fixed_math.rs                         every viable one  4 min  -- --lib --test fixed_math
#   units.rs                              16 of 16          1 min  -- --lib
#   health, liquidation, accumulator,
#   params, error, lib                   139 of 139        14 min  -- --lib --test health --test liquidation
#                                                                      --test accumulator --test params --test mechanism
#   mechanism/*, trading, pool, price    172 of 173        14 min  -- --test mechanism --test trading --test pool
#                                                                      --test params (the one miss has had its test since)
#   all of them with every test          (38 min for 616 mutants)
# Extra arguments for `cargo test` go after `--`:
#
#   bash scripts/mutants.sh crates/risk/src/bounds.rs -- --test bounds
#
# Output (mutants.out) goes to target/mutants.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
cd "$REFLEX_ROOT"
MUTANTS_VERSION=27.1.0
if ! cargo "+$REFLEX_HOST_TOOLCHAIN" mutants --version 2>/dev/null | grep -q "$MUTANTS_VERSION"; then
  reflex_say "installing cargo-mutants $MUTANTS_VERSION (~1 min)"
  cargo "+$REFLEX_HOST_TOOLCHAIN" install --locked --quiet cargo-mutants --version "$MUTANTS_VERSION"
fi
files=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  files+=(--file "$1")
  shift
done
test_args=("$@")
out="$REFLEX_ROOT/target/mutants"
mkdir -p "$out"
start=$(date +%s)
# cargo-mutants exits non-zero when a mutant is missed; the score below says so.
RUSTUP_TOOLCHAIN="$REFLEX_HOST_TOOLCHAIN" cargo mutants -p reflex-risk "${files[@]}" --timeout 300 -o "$out" "${test_args[@]}" || true
results="$out/mutants.out"
caught=$(wc -l <"$results/caught.txt")
missed=$(wc -l <"$results/missed.txt")
timeouts=$(wc -l <"$results/timeout.txt")
unviable=$(wc -l <"$results/unviable.txt")
if [ "$missed" -gt 0 ]; then
  reflex_say "missed mutants:"
  cat "$results/missed.txt" >&2
fi
viable=$((caught + missed + timeouts))
reflex_say "reflex-risk mutants: $caught caught, $timeouts timed out (caught), $missed missed of $viable viable ($unviable unviable), $(( (caught + timeouts) * 100 / (viable > 0 ? viable : 1) ))%, in $(( $(date +%s) - start )) s"
[ "$missed" -eq 0 ]
