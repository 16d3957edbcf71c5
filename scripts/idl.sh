#!/usr/bin/env bash
# Regenerates idl/reflex.json, the program's Anchor IDL (`reflex idl`).
# With --check, fails instead if the checked-in IDL differs from the sources.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
cd "$REFLEX_ROOT"
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli -- idl >"$fresh"
if [ "${1:-}" = "--check" ]; then
  diff -u idl/reflex.json "$fresh" >&2 ||
    reflex_die "idl/reflex.json is out of date with the program." "Run: bash scripts/idl.sh"
  reflex_say "idl/reflex.json is up to date"
else
  mkdir -p idl
  cp "$fresh" idl/reflex.json
  reflex_say "wrote idl/reflex.json"
fi
