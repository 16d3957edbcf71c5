#!/usr/bin/env bash
# Builds the on-chain program into target/deploy/reflex.so (SBPF v3) with
# crates-only tooling: the pinned nightly's build-std on a custom BPF target,
# linked by sbpf-linker. Incremental: a rebuild after an edit takes seconds.
# See docs/sbf-build.md for the how and why; `anchor build` remains the path
# for machines with Solana's platform-tools.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/setup.sh"

cd "$REFLEX_ROOT"
export RUSTC="$REFLEX_SBF_SYSROOT/bin/rustc"
export RUSTC_WRAPPER="$REFLEX_ROOT/scripts/sbf/rustc-wrapper.sh"
# sbpf-linker dlopens libLLVM; point it at the nightly's own (LLVM 23).
export LD_LIBRARY_PATH="$REFLEX_SBF_SYSROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CARGO_TARGET_DIR="$REFLEX_SBF_TARGET_DIR"
# With --target, RUSTFLAGS reach only the program's crates, not build scripts.
flags=(
  -C "linker=$REFLEX_TOOLS/bin/sbpf-linker"
  -C panic=abort
  -C relocation-model=static
  -C link-arg=--llvm-args=-bpf-stack-size=4096
  -C link-arg=--deploy=false        # else the linker drops .so files into the cargo registry
  -C passes=lower-atomic            # SBPF is single-threaded; the BPF backend has no atomics
  --cfg 'target_os="solana"'        # anchor-lang and the SDK pick syscalls on this cfg
  -A explicit_builtin_cfgs_in_flags
  -A linker_messages                # the linker's libLLVM probing, see below
)
export CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f'; echo "${flags[*]}")

target_name=$(basename "$REFLEX_SBF_TARGET_SPEC" .json)
quiet=()
[ "${REFLEX_VERBOSE:-0}" = 1 ] || quiet=(--quiet)
start=$(date +%s)
# The harmless noise ("unable to open LLVM shared lib ... dlopen failed",
# "unable to read dir") comes from the linker probing for libLLVM.
# --with-publisher also builds the localnet Pyth publisher (scripts/localnet.sh).
packages=(-p reflex)
[ "${1:-}" = "--with-publisher" ] && packages+=(-p pyth-localnet-publisher)
"$REFLEX_SBF_SYSROOT/bin/cargo" build "${quiet[@]}" --locked --release "${packages[@]}" --lib \
  --target "$REFLEX_SBF_TARGET_SPEC" \
  -Z build-std=std,panic_abort -Z build-std-features= -Z json-target-spec \
  2> >(grep -v -e 'unable to open LLVM shared lib' -e 'unable to read dir' >&2)

built="$REFLEX_SBF_TARGET_DIR/$target_name/release/libreflex.so"
[ -f "$built" ] || reflex_die "the build finished but $built is missing."
mkdir -p "$REFLEX_DEPLOY_DIR"
cp "$built" "$REFLEX_DEPLOY_DIR/reflex.so"
# `anchor deploy` looks for the program keypair beside the binary.
cp "$REFLEX_ROOT/keys/reflex-program-keypair.json" "$REFLEX_DEPLOY_DIR/reflex-keypair.json"

python3 "$REFLEX_ROOT/scripts/sbf/check_elf.py" "$REFLEX_DEPLOY_DIR/reflex.so"
if [ "${1:-}" = "--with-publisher" ]; then
  cp "$REFLEX_SBF_TARGET_DIR/$target_name/release/libpyth_localnet_publisher.so" "$REFLEX_DEPLOY_DIR/pyth_localnet_publisher.so"
  python3 "$REFLEX_ROOT/scripts/sbf/check_elf.py" "$REFLEX_DEPLOY_DIR/pyth_localnet_publisher.so"
  reflex_say "built target/deploy/pyth_localnet_publisher.so (localnet only)"
fi
reflex_say "built target/deploy/reflex.so ($(stat -c %s "$REFLEX_DEPLOY_DIR/reflex.so") bytes, $(( $(date +%s) - start )) s)"
