#!/usr/bin/env bash
# The README's test command: set up the toolchains, check the formatting, build the SBF program, run clippy, run
# every test (unit tests and the LiteSVM integration tests on
# target/deploy/reflex.so), check idl/reflex.json is current, and close with one "N passed, N failed" line.
# Extra arguments go to `cargo test`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
# The tree is formatted as rustfmt.toml says (before any build: it fails in seconds).
(cd "$REFLEX_ROOT" && cargo "+$REFLEX_HOST_TOOLCHAIN" fmt --all --check) ||
  reflex_die "the tree is not formatted as rustfmt.toml says (cargo fmt --all --check)." \
    "Run: cargo +$REFLEX_HOST_TOOLCHAIN fmt --all, then review and commit the result."
bash "$REFLEX_ROOT/scripts/build-sbf.sh" --with-publisher
# Clippy with warnings denied (settings in clippy.toml; the program also denies
# clippy::arithmetic_side_effects).
(cd "$REFLEX_ROOT" && cargo "+$REFLEX_HOST_TOOLCHAIN" clippy --locked --quiet --workspace --all-targets -- -D warnings) ||
  reflex_die "clippy found something (above)." "Fix it, or run cargo +$REFLEX_HOST_TOOLCHAIN clippy --fix for what it can fix itself."
# The checked-in IDL must describe the program as it is.
bash "$REFLEX_ROOT/scripts/idl.sh" --check
cd "$REFLEX_ROOT"
reflex_say "running the test suite (host toolchain $REFLEX_HOST_TOOLCHAIN)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo "+$REFLEX_HOST_TOOLCHAIN" test --locked --workspace "$@" 2>&1 | tee "$log" || status=$?
# cargo prints one "test result:" line per test binary; add them up.
read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
echo "tests: $passed passed, $failed failed"
[ "$status" = 0 ] || exit "$status"
[ "$passed" -gt 0 ] || reflex_die "the test run executed no test."
