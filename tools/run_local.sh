#!/usr/bin/env bash
# tools/run_local.sh — `make run-local`: binance-sim on the ports .env.local expects, then the engine
# with .env.local. Ctrl-C (SIGINT) or SIGTERM stops the engine first (SIGINT: it cancels its working
# orders and drains), waits for it to exit, then stops the sim (SIGTERM) and waits for it. If either
# exits by itself, the other is stopped the same way. Exit code: the engine's (1 when the sim failed).
#
# Both children run in their own process groups (set -m), so a Ctrl-C at the terminal reaches only
# this script, which then stops them in order; without that the terminal would signal all three at
# once and the sim could go before the engine.
#
# Environment (defaults in brackets):
#   DMABOT               the dmabot binary [build/dmabot]
#   RUN_LOCAL_ENV        the engine's preset [.env.local]
#   RUN_LOCAL_DIR        where the sim writes ca.pem and ready.json [build/binance-sim]; the engine
#                        gets BINANCE_CA_FILE=$RUN_LOCAL_DIR/ca.pem (the value .env.local has by default)
#   RUN_LOCAL_SYMBOLS    symbols the sim lists [BTCUSDT,ETHUSDT]
#   RUN_LOCAL_SIM        a command run instead of `$DMABOT binance-sim` (same arguments; tests)
#   RUN_LOCAL_ENGINE     a command run instead of `$DMABOT run --env $RUN_LOCAL_ENV` (tests)
#   RUN_LOCAL_READY_TIMEOUT_S  how long to wait for the sim to listen [30]
set -u  # needs bash >= 5.1 (wait -n -p)
set -m

dmabot=${DMABOT:-build/dmabot}
preset=${RUN_LOCAL_ENV:-.env.local}
dir=${RUN_LOCAL_DIR:-build/binance-sim}
symbols=${RUN_LOCAL_SYMBOLS:-BTCUSDT,ETHUSDT}
ready_timeout=${RUN_LOCAL_READY_TIMEOUT_S:-30}
# The ports of BINANCE_ENV=local (tools/binance_settings.h kLocalSpotPort / kLocalFuturesPort).
spot_listen=127.0.0.1:18443
futures_listen=127.0.0.1:18444

say() { echo "run-local: $*" >&2; }

mkdir -p "$dir" || exit 1
ready="$dir/ready.json"
rm -f "$ready"

sim_pid=""
engine_pid=""
engine_rc=""

# Signals a child and waits for it; prints nothing if it is already gone. Sets $reaped_rc.
stop_child() {  # name pid signal
  reaped_rc=0
  [ -n "$2" ] || return 0
  if kill -0 "$2" 2>/dev/null; then
    say "stopping $1 (pid $2, SIG$3)"
    kill -s "$3" "$2" 2>/dev/null
  fi
  wait "$2" 2>/dev/null
  reaped_rc=$?
}

shutdown() {  # exit code
  trap '' INT TERM
  if [ -n "$engine_pid" ] && [ -z "$engine_rc" ]; then
    stop_child engine "$engine_pid" INT
    engine_rc=$reaped_rc
  fi
  stop_child binance-sim "$sim_pid" TERM
  say "stopped (engine exit code ${engine_rc:-none})"
  exit "$1"
}

trap 'say "interrupted"; shutdown 0' INT TERM

sim_args=(--listen-spot "$spot_listen" --listen-futures "$futures_listen" --tls-dir "$dir" --ready-file "$ready"
  --symbols "$symbols")
if [ -n "${RUN_LOCAL_SIM:-}" ]; then
  $RUN_LOCAL_SIM "${sim_args[@]}" &
else
  "$dmabot" binance-sim "${sim_args[@]}" &
fi
sim_pid=$!
say "binance-sim started (pid $sim_pid): spot https://$spot_listen, USD-M https://$futures_listen, CA $dir/ca.pem"

# Bounded wait for the sim to listen (it writes the ready file once both ports are bound).
deadline=$((SECONDS + ready_timeout))
while [ ! -s "$ready" ]; do
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    wait "$sim_pid"
    say "binance-sim exited (code $?) before listening (ports $spot_listen / $futures_listen in use?)"
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "binance-sim did not listen within ${ready_timeout}s"
    shutdown 1
  fi
  sleep 0.1
done

if [ -n "${RUN_LOCAL_ENGINE:-}" ]; then
  $RUN_LOCAL_ENGINE &
else
  BINANCE_CA_FILE="$dir/ca.pem" "$dmabot" run --env "$preset" &
fi
engine_pid=$!
say "engine started (pid $engine_pid): $preset; Ctrl-C stops the engine, then the sim"

# Whichever exits first: the other is stopped. A signal interrupts `wait` and runs the trap.
while :; do
  done_pid=""
  wait -n -p done_pid "$engine_pid" "$sim_pid"
  rc=$?
  [ -n "$done_pid" ] && break
done
if [ "$done_pid" = "$engine_pid" ]; then
  engine_rc=$rc
  say "the engine exited by itself (code $engine_rc); stopping binance-sim"
  shutdown "$engine_rc"
fi
sim_pid_done=$sim_pid
sim_pid=""
say "binance-sim (pid $sim_pid_done) exited by itself (code $rc); stopping the engine"
shutdown 1
