#!/usr/bin/env bash
# RUSTC_WRAPPER for the SBF build.
#
# Cargo builds every crate type a dependency declares, so a dependency that
# lists "cdylib" (solana-zk-sdk, pulled in by the Token-2022 interface) gets
# linked as a stand-alone Solana program. That link cannot succeed (it has no
# allocator and no compiler builtins) and its output is never used. For every
# crate but our programs (reflex, and the localnet-only Pyth publisher) this
# wrapper drops the cdylib crate type and
# leaves an empty placeholder where cargo expects the file, so fingerprints
# stay fresh and rebuilds stay incremental.
set -euo pipefail
rustc=$1
shift

crate_name="" out_dir=""
prev=""
for arg in "$@"; do
  case "$prev" in
    --crate-name) crate_name=$arg ;;
    --out-dir) out_dir=$arg ;;
  esac
  prev=$arg
done

args=() dropped=0 prev=""
for arg in "$@"; do
  if [ -n "$out_dir" ] && [ "$prev" = "--crate-type" ] && [ "$arg" = "cdylib" ] && [ "$crate_name" != "reflex" ] && [ "$crate_name" != "pyth_localnet_publisher" ]; then
    unset 'args[${#args[@]}-1]'   # the --crate-type flag just added
    dropped=1
  else
    args+=("$arg")
  fi
  prev=$arg
done

"$rustc" "${args[@]}"
if [ "$dropped" = 1 ] && [ -n "$out_dir" ]; then
  : >"$out_dir/lib$crate_name.so"
fi
