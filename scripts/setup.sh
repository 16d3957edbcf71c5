#!/usr/bin/env bash
# Installs everything Reflex needs to build and test, idempotently.
#
#   host toolchain  rustc 1.99.1 (tests, SDK, CLI)
#   SBF toolchain   nightly + rust-src, sbpf-linker, and a patched *copy* of the
#                   nightly sysroot (see scripts/sbf/patch_sysroot.py and
#                   docs/sbf-build.md for why)
#
# Quiet when everything is present; a second run takes a second or two.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

command -v rustup >/dev/null ||
  reflex_die "rustup is not on PATH." "Install rustup (https://rustup.rs) or add ~/.cargo/bin to PATH, then re-run scripts/setup.sh."
command -v python3 >/dev/null ||
  reflex_die "python3 is not on PATH (needed to patch the SBF sysroot)." "apt-get install -y python3"

# rustup <args...>, with a message that says what failed and what to try.
rustup_or_die() {
  local what=$1; shift
  local log
  log=$(mktemp)
  if ! rustup "$@" >"$log" 2>&1; then
    cat "$log" >&2
    reflex_die "could not install $what (rustup $*)." \
      "Check that the Rust toolchain server is reachable (curl -sI https://static.rust-lang.org)." \
      "Re-run scripts/setup.sh; it resumes where it stopped."
  fi
  rm -f "$log"
}

toolchain_dir() { echo "$(rustup show home)/toolchains/$1-$(rustc_host)"; }
rustc_host() { echo "$(uname -m)-unknown-linux-gnu"; }

# 1. Host toolchain.
if [ ! -x "$(toolchain_dir "$REFLEX_HOST_TOOLCHAIN")/bin/rustc" ]; then
  reflex_say "installing Rust $REFLEX_HOST_TOOLCHAIN (host toolchain, ~15 s)"
  rustup_or_die "Rust $REFLEX_HOST_TOOLCHAIN" toolchain install "$REFLEX_HOST_TOOLCHAIN" --profile minimal --no-self-update
fi

# 1b. rustfmt and clippy for the host toolchain: the test command runs both.
for component in rustfmt clippy; do
  binary=$component
  [ "$component" = clippy ] && binary=cargo-clippy
  if [ ! -x "$(toolchain_dir "$REFLEX_HOST_TOOLCHAIN")/bin/$binary" ]; then
    reflex_say "adding $component to Rust $REFLEX_HOST_TOOLCHAIN (~5 s)"
    rustup_or_die "$component for Rust $REFLEX_HOST_TOOLCHAIN" component add "$component" --toolchain "$REFLEX_HOST_TOOLCHAIN"
  fi
done

# 2. Nightly with rust-src for the SBF build.
NIGHTLY_DIR=$(toolchain_dir "$REFLEX_SBF_NIGHTLY")
if [ ! -x "$NIGHTLY_DIR/bin/rustc" ] || [ ! -d "$NIGHTLY_DIR/lib/rustlib/src/rust/library/std" ]; then
  reflex_say "installing $REFLEX_SBF_NIGHTLY with rust-src (SBF build toolchain, ~30 s)"
  rustup_or_die "$REFLEX_SBF_NIGHTLY" toolchain install "$REFLEX_SBF_NIGHTLY" --profile minimal --component rust-src --no-self-update
fi

# 3. sbpf-linker, built with the host toolchain into the shared tools folder.
# (Output captured first: `grep -q` closing the pipe early would fail the
# pipeline under pipefail and rebuild a linker that is there.)
linker_version=$("$REFLEX_TOOLS/bin/sbpf-linker" --version 2>/dev/null || true)
if ! grep -q " $REFLEX_SBPF_LINKER_VERSION\$" <<<"$linker_version"; then
  reflex_say "building sbpf-linker $REFLEX_SBPF_LINKER_VERSION from crates.io (~2 min, once per machine)"
  mkdir -p "$REFLEX_TOOLS"
  log="$REFLEX_TOOLS/sbpf-linker-install.log"
  if ! cargo "+$REFLEX_HOST_TOOLCHAIN" install --locked --quiet sbpf-linker \
      --version "$REFLEX_SBPF_LINKER_VERSION" --root "$REFLEX_TOOLS" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    reflex_die "cargo install sbpf-linker $REFLEX_SBPF_LINKER_VERSION failed (full log: $log)." \
      "Check that crates.io is reachable, then re-run scripts/setup.sh."
  fi
fi

# 4. The patched sysroot copy: hard links into the installed nightly, with the
#    few std files we patch replaced by real files (the installed toolchain is
#    never edited). Built in a temporary folder and renamed into place, so an
#    interrupted run never leaves a half-patched sysroot behind.
if [ ! -f "$REFLEX_SBF_SYSROOT/.complete" ]; then
  reflex_say "preparing the patched SBF sysroot ($REFLEX_SBF_SYSROOT)"
  staging="$REFLEX_SBF_SYSROOT.partial"
  rm -rf "$staging"
  cp -al "$NIGHTLY_DIR" "$staging"
  python3 "$REFLEX_ROOT/scripts/sbf/patch_sysroot.py" "$staging/lib/rustlib/src/rust/library/std" ||
    reflex_die "patching the nightly's std failed (see above)." \
      "The pinned nightly ($REFLEX_SBF_NIGHTLY) should not change; if you moved it, update scripts/sbf/patch_sysroot.py."
  python3 "$REFLEX_ROOT/scripts/sbf/make_target_spec.py" "$staging/bin/rustc" "$staging/sbpf-solana-solana.json" ||
    reflex_die "could not derive the SBPF target spec from $REFLEX_SBF_NIGHTLY."
  touch "$staging/.complete"
  mv "$staging" "$REFLEX_SBF_SYSROOT"
  # Older copies (from an earlier patch) are dead weight; their names differ only in the hash.
  for old in "$REFLEX_TOOLS"/sysroot-*; do
    [ "$old" = "$REFLEX_SBF_SYSROOT" ] || rm -rf "$old"
  done
fi
