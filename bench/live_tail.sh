#!/usr/bin/env bash
# The live engine's tick-to-order tail under each thread layout (issue 12): runs
# `dmabot run --env .env.mock` threaded (wall clock, the mock venues) for LIVE_SECONDS per run,
# LIVE_RUNS runs per configuration, recording a journal, and prints each run's exact tick-to-order
# and tick-to-signal percentiles from its recording (`dmabot latency`), with p99/p50 and p99.9/p50.
# The configurations run interleaved (run 1 of each, then run 2 of each, ...) so a change in the
# machine's load shows in every configuration alike.
#
# usage: bench/live_tail.sh BUILD_DIR            (make live-tail)
# env:   LIVE_SECONDS  seconds per run (default 30)
#        LIVE_RUNS     runs per configuration (default 3)
#        LIVE_CONFIGS  space-separated names from the list below (default: all)
# Configurations: auto        THREAD_LAYOUT=auto (the default: on < 4 CPUs one pinned hot thread)
#                 t2u         feed,strategy;risk,router,gateway unpinned (the default before auto)
#                 t2p         the same pinned to CPUs 0,1
#                 auto_sleep  auto with IDLE_POLICY=sleep
# Recordings and outputs go to BUILD_DIR/bench/results/live_tail/. Exit 1 when a run fails.
set -uo pipefail

build_dir=${1:?usage: live_tail.sh BUILD_DIR}
src_dir=$(cd "$(dirname "$0")/.." && pwd)
dmabot="$build_dir/dmabot"
[ -x "$dmabot" ] || { echo "live_tail: $dmabot not built (make build)" >&2; exit 1; }
seconds=${LIVE_SECONDS:-30}
runs=${LIVE_RUNS:-3}
configs=${LIVE_CONFIGS:-"auto t2u t2p auto_sleep"}
out="$build_dir/bench/results/live_tail"
mkdir -p "$out"

sets_of() {
  case "$1" in
    auto) echo "--set THREAD_LAYOUT=auto" ;;
    t2u) echo "--set THREAD_LAYOUT=feed,strategy;risk,router,gateway --set PIN_CPUS=none" ;;
    t2p) echo "--set THREAD_LAYOUT=feed,strategy;risk,router,gateway --set PIN_CPUS=0,1" ;;
    auto_sleep) echo "--set THREAD_LAYOUT=auto --set IDLE_POLICY=sleep" ;;
    *) return 1 ;;
  esac
}
for c in $configs; do sets_of "$c" >/dev/null || { echo "live_tail: unknown configuration '$c'" >&2; exit 2; }; done

echo "live tick-to-order, .env.mock, ${seconds} s per run, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %3s %8s %8s %8s %9s %9s %8s %10s\n' config run orders "p50 us" "p99 us" "p99.9 us" "max us" p99/p50 p99.9/p50
status=0
for r in $(seq 1 "$runs"); do
  for c in $configs; do
    rec="$out/$c.$r.journal"
    rm -f "$rec"
    # shellcheck disable=SC2046  # the sets are words by design
    if ! (cd "$src_dir" && "$dmabot" run --env .env.mock --duration "$seconds" $(sets_of "$c") \
          --set METRICS_PORT=0 --set RECORD_FILE="$rec" --set RECORD_FORMAT=journal) >"$out/$c.$r.log" 2>&1; then
      echo "live_tail: $c run $r failed; see $out/$c.$r.log" >&2
      status=1
      continue
    fi
    if ! "$dmabot" latency "$rec" --json >"$out/$c.$r.json" 2>"$out/$c.$r.err"; then
      echo "live_tail: dmabot latency $rec failed: $(cat "$out/$c.$r.err")" >&2
      status=1
      continue
    fi
    # tick_to_order's fields (the first series in the object).
    o=$(sed -e 's/.*"tick_to_order":{\([^}]*\)}.*/\1/' "$out/$c.$r.json")
    field() { echo "$o" | tr ',' '\n' | sed -n "s/^\"$1\":\([0-9]*\)$/\1/p"; }
    n=$(field count); p50=$(field p50_ns); p99=$(field p99_ns); p999=$(field p999_ns); max=$(field max_ns)
    awk -v c="$c" -v r="$r" -v n="$n" -v a="$p50" -v b="$p99" -v d="$p999" -v m="$max" 'BEGIN {
      printf "%-11s %3d %8d %8.2f %8.2f %9.2f %9.1f %8.1f %10.1f\n", c, r, n, a/1000, b/1000, d/1000, m/1000,
             (a > 0 ? b/a : 0), (a > 0 ? d/a : 0) }'
    grep -m1 "threads:" "$out/$c.$r.log" | sed 's/^.*threads: /            threads: /' >"$out/$c.$r.threads"
  done
done
echo "thread plans:"; for c in $configs; do [ -f "$out/$c.1.threads" ] && echo "  $c: $(sed 's/^ *threads: //' "$out/$c.1.threads")"; done
exit $status
