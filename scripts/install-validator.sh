#!/usr/bin/env bash
# Installs solana-test-validator (the agave-validator crate, 4.2.x) from
# crates.io into .tools/agave, once. Why 4.2.x: 4.3.x as published does not
# compile (its solana-ledger calls RocksDB methods only Agave's fork has);
# 3.1.x compiles but refuses SBPF v3 programs; 4.2.2 compiles and runs ours.
# The first build takes 35-45 minutes on 2 cores; later runs reuse the binary.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
version="4.2.2"
root="$REFLEX_ROOT/.tools/agave"
binary="$root/bin/solana-test-validator"
if [[ -x "$binary" ]] && "$binary" --version 2>/dev/null | grep -q "$version"; then
  reflex_say "solana-test-validator $version already installed at $binary"
  exit 0
fi
bash "$REFLEX_ROOT/scripts/setup.sh"
# Native build dependencies (RocksDB, protobuf, udev), from Debian.
missing=()
for package in libclang-dev clang protobuf-compiler libudev-dev pkg-config; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  reflex_say "installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}"; else sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}"; fi
fi
reflex_say "building solana-test-validator $version from crates.io: 35-45 minutes on 2 cores, once per machine"
started=$(date +%s)
CARGO_TARGET_DIR="$REFLEX_TOOLS/agave-target" cargo "+$REFLEX_HOST_TOOLCHAIN" install agave-validator \
  --version "$version" --locked --bin solana-test-validator --root "$root"
reflex_say "built $binary in $(( $(date +%s) - started )) s"
