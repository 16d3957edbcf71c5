#!/usr/bin/env bash
# Regenerates docs/risk-benchmarks.md: native timings of the risk engine's
# hot paths (worst-case health, one accumulator update).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"
cd "$REFLEX_ROOT"
mkdir -p docs
{
  cargo "+$REFLEX_HOST_TOOLCHAIN" bench --locked -q -p reflex-risk --bench risk
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)."
} >docs/risk-benchmarks.md
reflex_say "wrote docs/risk-benchmarks.md"
cat docs/risk-benchmarks.md
