// tools/replay_cli.h — the `dmabot replay` and `dmabot backtest` commands.
//
// replay FILE: re-runs a recording (or a raw Binance capture) through strategies, risk and router,
// every stage fused on one thread on a simulated clock. A recording is replayed with the config in
// its header (then --set), so its Signal and Order decisions come out again; --diff compares them
// with the recorded ones (tools/replay_diff.h). A raw capture is replayed with --env / --set. A journal
// with the decision stages' input takes (RECORD_FORMAT=journal) is replayed exactly
// (tools/exact_replay.h): even a threaded live run's decisions come out again.
//
// backtest --data FILE --strategy NAME: the same fused replay against the simulated exchange
// (VENUE_MODE=sim), observed by the backtest analytics; prints the summary and writes summary.json
// and report.html into --out.
//
// Both ignore the process environment (a replay or backtest is reproducible from its arguments),
// record only with --record OUT / --set RECORD_FILE=OUT (never a preset's RECORD_FILE; an existing OUT
// only with --force), check their input with check_market_data() (tools/cli_common.h), and stop
// cleanly on SIGINT/SIGTERM (partial summary marked as such, no summary.json/report.html).
// Exit codes: 0 ok, 2 bad usage/config/file (also: none of SYMBOLS in the file), 1 runtime failure
// (and replay --diff: a divergence), 128+signal when interrupted.
// Threads: the main thread. Allocation: freely outside the replay loop.
#pragma once

#include <string>
#include <vector>

namespace dmabot::tools {

int replay_command(int argc, char** argv);
int backtest_command(int argc, char** argv);

// The config overrides a backtest of `data` (a file or "synthetic") with `strategy` runs under: the
// backtest's defaults (VENUE_MODE=sim, no metrics port, warnings only), then `user` (--set pairs, a
// sweep point's parameters), then what the command decides itself (STRATEGIES, FEED_MODE,
// REPLAY_FILE). `dmabot sweep` checks its points against exactly this.
std::vector<std::string> backtest_overrides(std::vector<std::string> user, const std::string& strategy,
                                            const std::string& data);

}  // namespace dmabot::tools
