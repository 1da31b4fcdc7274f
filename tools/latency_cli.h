// tools/latency_cli.h — the `dmabot latency REC [--json]` command: the tick→order and tick→signal
// latency of a recorded run, exactly, from the recording's own timestamps (every order, not a
// histogram's coarse buckets): for each `ord` line `ts_local − ts_tick` (risk's approval minus the
// arrival of the tick that caused it, both the engine's clock), for each `sig` line its strategy's
// emission minus the same arrival. Lines without a causing tick (ts_tick 0: timer-driven cancels,
// shutdown's cancel-all) are counted apart, never mixed in. Percentiles come from core::HdrHistogram
// (≤ 1% buckets, never under-reporting); count, min and max are exact.
//
// It reads JSONL and journal recordings alike (core::JsonlReader) and prints the run's thread layout,
// idle policy and CPU pinning from the header, so figures of several runs can be told apart. This is
// how BENCHMARKS.md's live-run tails (issue 12) are measured.
//
// Output: a table on stdout, or with --json one object:
//   {"file":..,"thread_layout":..,"idle_policy":..,"pin_cpus":..,
//    "tick_to_order":{"count","p50_ns","p90_ns","p99_ns","p999_ns","p9999_ns","max_ns","min_ns","mean_ns"},
//    "tick_to_signal":{...},"untimed_orders":N,"negative":N}
// "negative" counts lines whose ts_local is before ts_tick (the wall clock stepped back): reported,
// not recorded in the histograms.
// Exit codes: 0 ok; 2 bad usage, REC missing / not a recording; 1 a line that does not decode (one
// line naming REC:line and the problem) or a read error. A recording cut short by a crash is
// measured up to its last whole line, with a warning.
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

namespace dmabot::tools {

int latency_command(int argc, char** argv);

}  // namespace dmabot::tools
