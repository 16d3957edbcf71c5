#!/usr/bin/env bash
# End to end on a real solana-test-validator (scripts/localnet.sh): the demo
# over JSON-RPC (real transactions, confirmations and blockhashes; prices
# through the localnet Pyth publisher), a second keeper (`reflex keeper run`)
# working against it at the same time, then the checks the embedded demo
# makes: no account a keeper could still liquidate, and every vault equal to
# its claims. Prints a summary; exits non-zero on any mismatch. No validator
# is left running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REFLEX_ROOT"

if [[ "${1:-}" != "--inside" ]]; then
  exec bash "$REFLEX_ROOT/scripts/localnet.sh" -- bash "$REFLEX_ROOT/scripts/e2e-localnet.sh" --inside
fi

out="$REFLEX_ROOT/target/localnet/e2e"
mkdir -p "$out"
reflex=(cargo "+$REFLEX_HOST_TOOLCHAIN" run --locked --quiet -p reflex-cli --)
"${reflex[@]}" --version >/dev/null   # build once before timing anything

# A second keeper, with its own margin account funded by the faucet's SOL
# only (it liquidates perps; collateral needs quote it does not have).
keeper="$out/keeper.json"
[[ -f "$keeper" ]] || "${reflex[@]}" keygen --out "$keeper" >/dev/null
keeper_pubkey=$("${reflex[@]}" --keypair "$keeper" whoami)
curl -s -X POST -H 'Content-Type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"requestAirdrop\",\"params\":[\"$keeper_pubkey\",10000000000]}" "$REFLEX_URL" >/dev/null

started=$(date +%s)
reflex_say "running the demo over JSON-RPC at $REFLEX_URL"
"${reflex[@]}" --keypair "$REFLEX_ADMIN_KEYPAIR" demo --out "$out" >"$out/demo.txt" 2>"$out/demo.err" &
demo=$!

# Once the demo has listed its markets (a crank succeeds), the second keeper
# makes its account and runs.
for _ in $(seq 1 600); do
  if "${reflex[@]}" --keypair "$keeper" keeper crank 2>/dev/null | grep -q "^cranked [1-9]"; then break; fi
  kill -0 "$demo" 2>/dev/null || break
  sleep 2
done
"${reflex[@]}" --keypair "$keeper" trader create >/dev/null 2>&1 || true
second_status=0
while kill -0 "$demo" 2>/dev/null; do
  "${reflex[@]}" --json --keypair "$keeper" keeper run --passes 1 >>"$out/keeper.jsonl" 2>>"$out/keeper.err" || second_status=$?
  # Exit 4 (work left) is expected mid-crash; anything else is a failure.
  if [[ $second_status -ne 0 && $second_status -ne 4 ]]; then break; fi
  second_status=0
done
demo_status=0
wait "$demo" || demo_status=$?
cat "$out/demo.txt"
[[ $demo_status -eq 0 ]] || { cat "$out/demo.err" >&2; reflex_die "the demo failed on the validator (exit $demo_status)"; }
[[ $second_status -eq 0 ]] || reflex_die "the second keeper failed (exit $second_status); see $out/keeper.err"

scan=$("${reflex[@]}" --json --keypair "$keeper" keeper scan)
left=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["need_keeper"]))' <<<"$scan")
report="$out/report.json"
conserved=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["conserved"], r["left_liquidatable"], r["transactions"])' "$report")
read -r holds demo_left transactions <<<"$conserved"
second_actions=$(python3 - "$out/keeper.jsonl" <<'PY' 2>/dev/null || echo 0
import json, sys
text, decoder, position, total = open(sys.argv[1]).read(), json.JSONDecoder(), 0, 0
while True:
    start = text.find("{", position)
    if start < 0:
        break
    try:
        value, position = decoder.raw_decode(text, start)
    except ValueError:
        position = start + 1
        continue
    total += len(value.get("actions", []))
print(total)
PY
)

echo
echo "e2e on localnet: $transactions transactions in $(( $(date +%s) - started )) s"
echo "  accounts a keeper could still liquidate: $left (the demo's own count: $demo_left)"
echo "  token conservation (vaults, insurance, pool, quote balances): $holds"
echo "  second keeper's liquidations: $second_actions"
[[ "$left" == 0 && "$demo_left" == 0 && "$holds" == "True" ]] || reflex_die "mismatch with the embedded demo's outcome"
reflex_say "e2e passed"
