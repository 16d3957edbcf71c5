#!/usr/bin/env bash
# A local validator with Reflex: solana-test-validator on 127.0.0.1 only,
# its ledger under target/localnet, Reflex preloaded (upgradeable, with the
# localnet admin keypair as upgrade authority, so it can initialize the
# exchange) and the localnet Pyth publisher at the receiver's program id.
#
#   bash scripts/localnet.sh                 # run until Ctrl-C
#   bash scripts/localnet.sh -- CMD ARGS...  # run CMD against it, then stop
#
# The validator is stopped on Ctrl-C, on error and on exit: none is left running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$REFLEX_ROOT/scripts/install-validator.sh"
bash "$REFLEX_ROOT/scripts/build-sbf.sh" --with-publisher

cd "$REFLEX_ROOT"
validator="$REFLEX_ROOT/.tools/agave/bin/solana-test-validator"
dir="$REFLEX_ROOT/target/localnet"
mkdir -p "$dir"
admin="$dir/admin.json"
reflex=(cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli --)
# A localnet admin (a Solana CLI keypair file), made once; localnet only.
[[ -f "$admin" ]] || "${reflex[@]}" keygen --out "$admin" >/dev/null
admin_pubkey=$("${reflex[@]}" --keypair "$admin" whoami)
rpc_port="${REFLEX_RPC_PORT:-8899}"
url="http://127.0.0.1:$rpc_port"

"$validator" --ledger "$dir/ledger" --reset --quiet \
  --bind-address 127.0.0.1 --rpc-port "$rpc_port" --faucet-port $((rpc_port + 1001)) \
  --upgradeable-program keys/reflex-program-keypair.json target/deploy/reflex.so "$admin_pubkey" \
  --bpf-program rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ target/deploy/pyth_localnet_publisher.so \
  >"$dir/validator.log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    reflex_say "validator stopped"
  fi
}
trap stop EXIT INT TERM

for _ in $(seq 1 120); do
  if curl -s -X POST -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' "$url" | grep -q '"ok"'; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || reflex_die "the validator exited; see $dir/validator.log"
  sleep 1
done
curl -s -X POST -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' "$url" | grep -q '"ok"' \
  || reflex_die "the validator did not become healthy in 120 s; see $dir/validator.log"
reflex_say "localnet up at $url (admin keypair $admin = $admin_pubkey); ledger in $dir/ledger"

if [[ "${1:-}" == "--" ]]; then
  shift
  REFLEX_URL="$url" REFLEX_ADMIN_KEYPAIR="$admin" "$@"
else
  reflex_say "Ctrl-C stops it"
  wait "$pid"
fi
