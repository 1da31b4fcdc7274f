#!/usr/bin/env bash
# CI's sanitizer and fuzzer pass (docs/RELIABILITY.md), run by .ci/run after the normal suite:
#   1. ASan + UBSan (gcc): the whole suite, in build-asan       (`make asan`)
#   2. TSan (gcc): the suite under ThreadSanitizer, in build-tsan (`make tsan`)
#   3. libFuzzer (clang, ASan + UBSan): every target of tests/fuzz, in build-fuzz: its regression
#      inputs once, then FUZZ_SECONDS (default 20) of fuzzing from the committed seeds (`make fuzz`)
# Any failure fails the script (after the remaining steps have run, so one run reports everything);
# a fuzzer's finding leaves its input under build-fuzz/fuzz-artifacts/<target>/.
#
# Time on this machine (2 cores shared with other builds, ccache cold, build included; measured with
# `time .ci/sanitizers.sh`): see "Measured" below. CI's budget is 90 minutes for .ci/run in total,
# of which the normal suite takes ~6.
# Measured: MEASURED_PLACEHOLDER
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
# The three build directories compile the same sources with other flags; ccache still shares the
# objects of repeated runs (and of a standalone copy, as .ci/run makes one).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-/}
# Sanitizer reports stop the test that triggered them, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

failed=()
timings=()
step() {
  local name=$1
  shift
  local t0=$SECONDS
  echo "== sanitizers.sh: $name"
  if "$@"; then
    timings+=("$name $((SECONDS - t0))s")
  else
    timings+=("$name $((SECONDS - t0))s FAILED")
    failed+=("$name")
  fi
}

step "asan+ubsan (whole suite)" make asan JOBS="$JOBS"
step "tsan" make tsan JOBS="$JOBS"
step "fuzzers (${FUZZ_SECONDS}s each)" make fuzz JOBS="$JOBS" FUZZ_SECONDS="$FUZZ_SECONDS"

echo "== sanitizers.sh: times: ${timings[*]/%/;} total $((SECONDS))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitizers.sh: failed: ${failed[*]}" >&2
  exit 1
fi
