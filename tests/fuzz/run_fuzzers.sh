#!/usr/bin/env bash
# Runs every libFuzzer target of a DMABOT_FUZZ=ON build: first each target's regression inputs
# (tests/fuzz/regressions/<target>/*, once each, except those listed in tests/fuzz/regressions/PENDING),
# then SECONDS of fuzzing from the committed seeds (tests/fuzz/corpus/<target>) plus what earlier runs
# of this build directory found (BUILD/fuzz-corpus/<target>, never the repository).
# A crash or a broken property leaves its input in BUILD/fuzz-artifacts/<target>/ and makes the
# script exit 1 after the other targets have run (docs/RELIABILITY.md: how it becomes a regression).
#   usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(binance_parser capture_reader jsonl_recording decimal config event_cache user_data binance_order_messages binance_sim)

# Longest input each target is given: room for several messages / lines / edits, small enough to be fast.
max_len() {
  case $1 in
    decimal) echo 64 ;;
    event_cache) echo 256 ;;
    config) echo 4096 ;;
    *) echo 12288 ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "run_fuzzers: $bin is missing (configure with -DDMABOT_FUZZ=ON and build target fuzzers)" >&2; exit 2; }
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  regressions=()
  if [ -d "tests/fuzz/regressions/$t" ]; then
    for f in "tests/fuzz/regressions/$t"/*; do
      [ -f "$f" ] || continue
      if grep -qx "$t/$(basename "$f")\( .*\)\?" tests/fuzz/regressions/PENDING 2>/dev/null; then
        echo "== $t: $(basename "$f") is pending a fix (tests/fuzz/regressions/PENDING): not replayed"
        continue
      fi
      regressions+=("$f")
    done
  fi
  if [ ${#regressions[@]} -gt 0 ]; then
    echo "== $t: ${#regressions[@]} regression inputs"
    if ! "$bin" -artifact_prefix="$artifacts/" "${regressions[@]}" >"$artifacts/regressions.log" 2>&1; then
      tail -n 30 "$artifacts/regressions.log"
      failed+=("$t (regressions)")
      continue
    fi
  fi
  echo "== $t: fuzzing for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "tests/fuzz/corpus/$t" >"$artifacts/fuzz.log" 2>&1; then
    grep -A3 "FUZZ FINDING\|ERROR: AddressSanitizer\|runtime error\|ERROR: libFuzzer\|SUMMARY" "$artifacts/fuzz.log" | head -n 40
    echo "   input(s) in $artifacts/ (full log: $artifacts/fuzz.log)"
    failed+=("$t")
  else
    grep -E "stat::number_of_executed_runs|cov:" "$artifacts/fuzz.log" | tail -n 2 | sed 's/^/   /'
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers: ${#targets[@]} targets, no finding"
