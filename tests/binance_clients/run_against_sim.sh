#!/usr/bin/env bash
# Starts `DMABOT_BINARY binance-sim` on free loopback ports with the test accounts, runs the chosen
# client scenarios (Binance's official Node connectors) against it, stops it, and exits non-zero if
# any scenario failed or the sim did not come up.
#
#   tests/binance_clients/run_against_sim.sh DMABOT_BINARY [SCENARIO[:KEY]...]
#
# SCENARIO is a script name without .mjs (spot_rest, spot_ws_api, spot_streams, spot_user_data,
# futures_rest, futures_streams, futures_user_data); KEY is hmac or ed25519 (both when omitted; the
# *_streams scenarios use no key and run once).
# With no SCENARIO, all of them run. Each invocation starts its own sim, so tests are independent.
# Needs node and the pinned connectors (bash tests/binance_clients/install.sh; .ci/run does it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
all_scenarios=(spot_rest spot_ws_api spot_streams spot_user_data futures_rest futures_streams futures_user_data)

if [ $# -lt 1 ]; then
  echo "usage: $0 DMABOT_BINARY [SCENARIO[:hmac|:ed25519]...]" >&2
  exit 2
fi
bin=$1
shift
[ -x "$bin" ] || { echo "run_against_sim: $bin is not an executable" >&2; exit 2; }
command -v node >/dev/null 2>&1 || { echo "run_against_sim: node is not installed (apt-get install nodejs npm)" >&2; exit 2; }
if [ ! -d "$here/node_modules/@binance/spot" ] || [ ! -d "$here/node_modules/@binance/derivatives-trading-usds-futures" ]; then
  echo "run_against_sim: the connectors are not installed in $here/node_modules: run bash $here/install.sh (.ci/run does)" >&2
  exit 2
fi

# The test accounts (fake, test-only; the same values are in lib.mjs).
hmac_key=dmabot-test-hmac-key
hmac_secret=dmabot-test-hmac-secret-not-a-real-secret
ed_key=dmabot-test-ed25519-key
ed_pub=$here/keys/test-ed25519-public.pem
balance=USDT=10000,BTC=1

runs=()
if [ $# -eq 0 ]; then
  set -- "${all_scenarios[@]}"
fi
for arg in "$@"; do
  name=${arg%%:*}
  key=${arg#"$name"}
  key=${key#:}
  [ -f "$here/$name.mjs" ] || { echo "run_against_sim: unknown scenario '$name' (one of: ${all_scenarios[*]})" >&2; exit 2; }
  case "$name:$key" in
    *_streams:) runs+=("$name:none") ;;
    *:) runs+=("$name:hmac" "$name:ed25519") ;;
    *:hmac | *:ed25519 | *_streams:none) runs+=("$name:$key") ;;
    *) echo "run_against_sim: key for $name must be hmac or ed25519, got '$key'" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/binance-clients.XXXXXX")
sim_pid=
stop_sim() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    # Bounded wait for a clean exit, then force.
    for _ in $(seq 50); do
      kill -0 "$sim_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$sim_pid" 2>/dev/null; then kill -KILL "$sim_pid" 2>/dev/null || true; fi
    wait "$sim_pid" 2>/dev/null || true
  fi
  sim_pid=
}
trap 'stop_sim; rm -rf "$work"' EXIT

ready=$work/ready.json
"$bin" binance-sim --listen-spot 127.0.0.1:0 --listen-futures 127.0.0.1:0 --ready-file "$ready" \
  --account "$hmac_key:hmac:$hmac_secret" --account "$ed_key:ed25519:$ed_pub" --balance "$balance" \
  >"$work/sim.log" 2>&1 &
sim_pid=$!

# Wait for the ready file (complete JSON with both ports), at most 30 s, failing early if the sim dies.
deadline=$((SECONDS + 30))
until [ -s "$ready" ] && node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  process.exit(Number.isInteger(r.spot_port) && Number.isInteger(r.futures_port) && typeof r.ca_file === "string" ? 0 : 1);
' "$ready" 2>/dev/null; do
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "FAIL binance-sim exited before writing $ready; its output:" >&2
    tail -n 30 "$work/sim.log" >&2
    exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "FAIL binance-sim wrote no complete ready file within 30 s; its output:" >&2
    tail -n 30 "$work/sim.log" >&2
    exit 1
  fi
  sleep 0.1
done
# A relative ca_file is relative to where the sim was started: here.
ca_file=$(node -e 'process.stdout.write(require("path").resolve(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ca_file))' "$ready")
[ -s "$ca_file" ] || { echo "FAIL ready file names ca_file $ca_file, which is missing or empty" >&2; exit 1; }

passed=0
failed=0
for run in "${runs[@]}"; do
  name=${run%%:*}
  key=${run#*:}
  # A scenario bounds its own steps (60 s overall); timeout is the backstop for a hung node.
  rc=0
  (cd "$here" && NODE_EXTRA_CA_CERTS="$ca_file" BINANCE_SIM_CA="$ca_file" BINANCE_SIM_READY="$ready" BINANCE_SIM_KEY="$key" \
    BINANCE_SIM_BALANCE="$balance" timeout 90 node "$name.mjs") || rc=$?
  [ $rc -ne 124 ] || echo "FAIL $run: killed after 90 s"
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    if ! kill -0 "$sim_pid" 2>/dev/null; then
      echo "FAIL binance-sim is no longer running after $run; its output:" >&2
      tail -n 30 "$work/sim.log" >&2
      break
    fi
  fi
done

stop_sim
if [ $failed -gt 0 ]; then
  echo "binance-sim log (last 30 lines):" >&2
  tail -n 30 "$work/sim.log" >&2
fi
echo "binance_clients: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -eq ${#runs[@]} ]
