# Shared settings for the setup, build and test scripts. Source it; do not run it.
#
# Every pinned version lives here, so one edit moves the whole build.

# Host toolchain for the tests, the SDK and the CLI (agave 4.3 crates need >= 1.97.1).
REFLEX_HOST_TOOLCHAIN=1.99.1
# Nightly used only to build the SBF program: sbpf-linker 0.2.x loads this
# nightly's libLLVM (LLVM 23) at run time, and build-std needs its rust-src.
REFLEX_SBF_NIGHTLY=nightly-2026-10-30
REFLEX_SBPF_LINKER_VERSION=0.2.6

REFLEX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Tools live outside the work tree so every clone on this machine shares them
# (a fresh clone in CI does not rebuild the linker or re-copy the sysroot).
REFLEX_TOOLS=${REFLEX_TOOLS:-$HOME/.cache/reflex-tools}
# The patched sysroot copy is keyed by nightly and by the patch script's hash,
# so editing the patch produces a new copy instead of mutating a used one.
reflex_patch_hash() {
  cat "$REFLEX_ROOT/scripts/sbf/patch_sysroot.py" "$REFLEX_ROOT/scripts/sbf/make_target_spec.py" \
    | sha256sum | cut -c1-12
}
REFLEX_SBF_SYSROOT="$REFLEX_TOOLS/sysroot-$REFLEX_SBF_NIGHTLY-$(reflex_patch_hash)"
REFLEX_SBF_TARGET_SPEC="$REFLEX_SBF_SYSROOT/sbpf-solana-solana.json"
REFLEX_SBF_TARGET_DIR="$REFLEX_ROOT/target/sbf"
REFLEX_DEPLOY_DIR="$REFLEX_ROOT/target/deploy"

export PATH="$REFLEX_TOOLS/bin:$HOME/.cargo/bin:$PATH"

reflex_say() { printf '\033[1m[reflex]\033[0m %s\n' "$*" >&2; }
reflex_die() {
  printf '\033[1;31m[reflex] error:\033[0m %s\n' "$1" >&2
  shift
  for hint in "$@"; do printf '  -> %s\n' "$hint" >&2; done
  exit 1
}
