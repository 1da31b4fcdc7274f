#!/usr/bin/env bash
# Runs every *_bench binary in BUILD_DIR/bench with a short minimum time and prints one summary
# table: each benchmark's time per item and its ratio to the baseline of its group, measured in the
# same run. A group is the name up to the first '/' ("spsc_2thread/boost_lockfree_spsc" belongs to
# spsc_2thread); the baseline is the group's first benchmark (the dmabot implementation).
#
# usage: run_benchmarks.sh BUILD_DIR [extra Google Benchmark flags, e.g. --benchmark_filter=spsc]
# env:   BENCH_MIN_TIME  seconds per benchmark (default 0.2)
#        T2O_SAMPLES     samples per configuration of the tick-to-order harness (default 100000 here,
#                        so its 16 configurations take about a minute on a quiet 2-core box — more when
#                        loaded, as cross-thread answers come back late and orders per tick drop; the
#                        binary's own default is 1000000)
#        T2O_ARGS        extra arguments for it (e.g. "--configs fused,t2_spin_fixed --rate 50000")
#        T2W_ARGS        arguments for tick_to_wire (e.g. "--samples 20000"), run last when built
# After the Google Benchmark suites, BUILD_DIR/bench/tick_to_order (when built) prints its own table:
# tick-to-signed-order latency percentiles per configuration and the parse+sign baseline of the same
# run (bench/tick_to_order.cpp). Its output goes to results/tick_to_order.txt too.
# Raw CSV and logs go to BUILD_DIR/bench/results/. Exit status 1 if any benchmark binary fails.
set -uo pipefail

build_dir=${1:?usage: run_benchmarks.sh BUILD_DIR [benchmark flags]}
shift
min_time=${BENCH_MIN_TIME:-0.2}
bench_dir="$build_dir/bench"
results="$bench_dir/results"
mkdir -p "$results"

shopt -s nullglob
bins=()
for f in "$bench_dir"/*_bench; do
  [ -x "$f" ] && bins+=("$f")
done
if [ ${#bins[@]} -eq 0 ]; then
  echo "run_benchmarks.sh: no *_bench binaries in $bench_dir (configure with -DDMABOT_BUILD_BENCH=ON and build)" >&2
  exit 1
fi

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null)
echo "# dmabot benchmarks: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg), build type ${build_type:-unknown}, min time ${min_time}s"
if [ "${build_type}" != "Release" ] && [ "${build_type}" != "RelWithDebInfo" ]; then
  echo "# warning: not an optimized build; numbers are not meaningful" >&2
fi

status=0
csvs=()
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  if ! "$bin" --benchmark_min_time="$min_time" --benchmark_format=csv "$@" >"$results/$name.csv" 2>"$results/$name.log"; then
    echo "run_benchmarks.sh: $name failed; see $results/$name.log" >&2
    tail -n 5 "$results/$name.log" >&2
    status=1
  fi
  csvs+=("$results/$name.csv")
done

# CSV columns: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,
# error_occurred,error_message. Time per item comes from items_per_second when the benchmark sets
# it (two-thread runs count consumed items against wall time), else from real_time.
awk -F, '
  function to_ns(v, unit) {
    if (unit == "ns") return v; if (unit == "us") return v * 1e3
    if (unit == "ms") return v * 1e6; if (unit == "s") return v * 1e9
    return v
  }
  FNR == 1 || $1 == "name" { next }
  {
    name = $1; gsub(/"/, "", name)
    sub(/\/real_time/, "", name)
    group = name; sub(/\/.*/, "", group)
    if ($9 == "true") { err[++n] = 1; names[n] = name; msg[n] = $10; groups[n] = group; next }
    ns = ($7 != "" && $7 > 0) ? 1e9 / $7 : to_ns($3, $5)
    n++; names[n] = name; groups[n] = group; per_item[n] = ns; rate[n] = 1e9 / ns
    if (!(group in base)) { base[group] = ns; base_name[group] = name }
  }
  END {
    printf "%-55s %12s %14s %8s\n", "benchmark", "ns/item", "items/s", "ratio"
    last = ""
    for (i = 1; i <= n; i++) {
      if (groups[i] != last) {
        printf "%s\n", "-- " groups[i] " (ratio = ns/item / " base_name[groups[i]] ", same run)"
        last = groups[i]
      }
      if (err[i]) { printf "%-55s %s\n", names[i], "ERROR " msg[i]; continue }
      printf "%-55s %12.2f %14.4g %8.2f%s\n", names[i], per_item[i], rate[i], per_item[i] / base[groups[i]],
             names[i] == base_name[groups[i]] ? "  (baseline)" : ""
    }
  }' "${csvs[@]}"

t2o="$bench_dir/tick_to_order"
if [ -x "$t2o" ]; then
  echo
  # shellcheck disable=SC2086  # T2O_ARGS is a list of words on purpose
  if ! "$t2o" --samples "${T2O_SAMPLES:-100000}" ${T2O_ARGS:-} >"$results/tick_to_order.txt" 2>"$results/tick_to_order.log"; then
    echo "run_benchmarks.sh: tick_to_order failed; see $results/tick_to_order.log" >&2
    tail -n 5 "$results/tick_to_order.log" >&2
    status=1
  fi
  cat "$results/tick_to_order.txt"
fi

# Tick-to-wire on loopback: the real `dmabot run` against binance-sim, its own market data and a
# relay timing the order frames (bench/tick_to_wire.cpp); ~80 s with its defaults.
t2w="$bench_dir/tick_to_wire"
if [ -x "$t2w" ]; then
  echo
  # shellcheck disable=SC2086  # T2W_ARGS is a list of words on purpose
  if ! "$t2w" ${T2W_ARGS:-} >"$results/tick_to_wire.txt" 2>"$results/tick_to_wire.log"; then
    echo "run_benchmarks.sh: tick_to_wire failed; see $results/tick_to_wire.log" >&2
    tail -n 5 "$results/tick_to_wire.log" >&2
    status=1
  fi
  cat "$results/tick_to_wire.txt"
fi

exit $status
