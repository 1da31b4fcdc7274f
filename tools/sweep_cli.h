// tools/sweep_cli.h — the `dmabot sweep` subcommand: parses its flags, checks everything a typo could
// break before the first child starts, splits the data into an in-sample and an out-of-sample
// window, runs one `dmabot backtest --json-summary-only` child per point and window through
// tools/sweep.h's process pool, appends one result row per point to the results file as it
// finishes, and prints the ranking.
//
//   dmabot sweep --data FILE|synthetic --strategy NAME (--grid SPEC | --random N --space SPEC [--seed S])
//                [--env FILE] [--set KEY=VALUE ...] [--jobs N] [--shard i/n] [--out FILE]
//                [--resume | --force] [--yes] [--rank METRIC] [--ascending] [--oos-frac F]
//                [--timeout SECONDS] [--top N]
//
// Checked before any point runs (exit 2, one line naming the flag): the flags themselves, --data
// and --env exist, --strategy is a strategy (strategy::strategy_names), --rank is a metric the
// backtest summary reports (BacktestSummary::fields), the --grid/--space keys are config keys the
// backtest reads and every value of each key is accepted (the child's config is built in-process
// with EngineConfig::from_config for point 0 and for each distinct value of each key — values that
// are only wrong in combination still fail as error rows), a sweep above kSweepConfirmPoints points
// has --yes, and an existing non-empty --out has --resume or --force.
//
// Out-of-sample split: the parent scans --data once (feed::open_source, every market event of every
// symbol, file order); with N events and k = floor((1 - F) * N), the split timestamp is the
// ts_local of event k (0-based). In-sample children get `--until TS`, out-of-sample ones
// `--from TS`, so the windows are [start, TS) and [TS, end) by ts_local. F = 0 runs each point once
// on the whole data and ranks on that run.
//
// Child argv: {self_exe, "backtest", "--data", F, "--strategy", S, "--json-summary-only",
// [--env E], [--set KV]..., [--until TS | --from TS]}, then the point's own `--set KEY=VALUE` pairs
// (appended by run_sweep), so a point's value overrides a pass-through --set of the same key.
//
// Results file (.csv or .jsonl/.ndjson, tools/sweep.h ResultsWriter): rows are appended as points
// finish, so an interrupted sweep keeps them; at the end the file is rewritten in index order.
// --resume reads it back (read_results) and runs only the points of this sweep that have no ok row
// there (error rows are run again); a row whose index is not a point of this sweep or whose params
// differ is an error (another sweep's file). The final ranking includes the kept rows.
//
// Signals: SIGINT/SIGTERM during the run stop the sweep (tools/sweep.h stop_fd): no new point
// starts, running children are killed, finished rows stay in the file, a line says how many points
// finished and the command that resumes, and the exit code is 128 + the signal (130 for SIGINT, 143
// for SIGTERM). The handlers are installed for the run only (SA_RESETHAND: a second Ctrl-C kills at
// once) and the previous ones restored; the handler writes to a pipe through one file-scope fd —
// the only global state.
//
// Output: progress lines, an estimate of the total time after the first point, warnings (a rank
// metric undefined for some points) and a summary on stderr; the ranking table on stdout. Exit
// codes: 0 when at least one row is ok (or the shard has no points), 2 for bad usage (one line
// "dmabot: ..." naming the flag), 1 when every row failed or the results cannot be written,
// 130/143 when interrupted.
//
// Threads: everything runs on the caller's thread; children are separate processes. Allocation:
// freely (cold, offline tool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/sweep.h"

namespace dmabot::tools {

// Above this many points (in this shard, after --resume) a sweep needs --yes.
inline constexpr std::size_t kSweepConfirmPoints = 10'000;

// The parsed command line of `dmabot sweep`.
struct SweepArgs {
  std::string data;  // a file, or "synthetic"
  std::string strategy;
  std::string grid;  // exactly one of grid / random_n is set
  int random_n = 0;
  std::string space;  // --space, with --random
  uint64_t seed = 1;
  std::string env_file;           // empty: not passed
  std::vector<std::string> sets;  // pass-through KEY=VALUE, in command-line order
  int jobs = 0;                   // 0: default_jobs()
  std::optional<Shard> shard;
  std::string out = "sweep_results.csv";
  bool resume = false;  // --resume: keep the finished rows of an existing --out, run the rest
  bool force = false;   // --force: overwrite an existing --out
  bool yes = false;     // --yes: run more than kSweepConfirmPoints points
  std::string rank_metric = "sharpe";
  bool ascending = false;
  double oos_frac = 0.3;  // 0 with --data synthetic unless given
  int64_t timeout_s = 0;
  int top = 10;
  bool help = false;  // --help seen: print the usage and exit 0
};

// Parses argv (the arguments after "sweep"). Errors are one line naming the flag (no "dmabot: "
// prefix), for exit code 2. Checks the flags themselves only — not that files exist.
[[nodiscard]] absl::StatusOr<SweepArgs> parse_sweep_args(int argc, char** argv);

// Where the out-of-sample part of a data file starts.
struct OosSplit {
  uint64_t events = 0;  // N: market events the file yields
  uint64_t index = 0;   // k = floor((1 - oos_frac) * N): first out-of-sample event, 0-based
  int64_t ts = 0;       // ts_local of event k, ns since the epoch
};
// Reads `path` twice (count, then find event k; memory stays flat). oos_frac is taken to 8 decimals
// and k computed exactly in integers. Errors (naming the file or flag): it cannot be opened or read
// to the end, it has no market events, oos_frac is not in (0, 1), or the in-sample window
// [start, ts) would be empty (k == 0, or no event before k has an earlier ts_local).
[[nodiscard]] absl::StatusOr<OosSplit> compute_oos_split(const std::string& path, double oos_frac);

// The backtest command for one window (without the point's params). window: 0 = whole data,
// -1 = in-sample (`--until split_ts`), +1 = out-of-sample (`--from split_ts`).
[[nodiscard]] std::vector<std::string> backtest_argv(const SweepArgs& args, const std::string& self_exe, int window,
                                                     int64_t split_ts);

// Metrics `--rank` accepts: the keys of the backtest's JSON summary, in its order.
[[nodiscard]] std::vector<std::string> rank_metrics();

// The usage text printed by --help.
[[nodiscard]] const char* sweep_help();

// The whole subcommand. argv: the arguments after "sweep"; self_exe: the path of the running dmabot
// binary (the children run `self_exe backtest ...`). Returns the process exit code.
int sweep_command(int argc, char** argv, const std::string& self_exe);

}  // namespace dmabot::tools
