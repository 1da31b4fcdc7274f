// tools/convert_cli.h — the `dmabot convert IN OUT` command: turns a raw Binance capture (gzip or
// plain) or a dmabot JSONL recording into a binary event cache (feed/event_cache.h), which
// `dmabot backtest --data OUT`, `dmabot replay OUT` and `dmabot sweep --data OUT` then read at
// memory speed instead of parsing text on every run.
//
// Prints one summary line on stdout (events by kind, skipped, malformed, bytes, events/s) and the
// first malformed source lines with their line numbers on stderr, like replay does.
// Exit codes: 0 ok; 2 bad usage, unreadable/unrecognised input (tools/cli_common.h check_market_data:
// the same messages as replay and backtest) or OUT a directory; 1 the output could not be written,
// or the input stopped early (truncated gzip: the cache is still written, holding the events before
// the cut, and remembers that the source was incomplete).
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

namespace dmabot::tools {

int convert_command(int argc, char** argv);

}  // namespace dmabot::tools
