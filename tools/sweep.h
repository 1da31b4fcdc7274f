// tools/sweep.h — parameter sweeps: grid / random point generation, sharding, running each point as
// a separate `dmabot backtest` process, and ranking the results.
//
//   auto points = expand_grid("DYNMM_FLOOR_BPS=4:30:2,DYNMM_A=0.5|1|2");   // or sample_random(spec, n, seed)
//   points = filter_shard(*points, *parse_shard("1/4"));                    // --shard i/n
//   SweepRunOptions o; o.argv = {bin, "backtest", "--data", F, "--strategy", S, "--json-summary-only"};
//   o.oos_argv = {... same, for the out-of-sample window ...};  o.jobs = J;
//   auto rows = run_sweep(points, o);  write_results(*rows, "out.csv");
//   auto ranked = rank(*rows, "sharpe", true);  std::cout << top_table(*ranked, "sharpe");
//
// Spec grammar (items separated by ',', blanks around pieces ignored, keys [A-Za-z_][A-Za-z0-9_.]*):
//   grid:    KEY=start:stop:step  every start + i*step <= stop (i = 0, 1, ...), computed in exact
//                                 fixed point (at most 8 decimals) and printed with minimal digits,
//                                 so 0.1:0.3:0.1 gives exactly "0.1", "0.2", "0.3".
//            KEY=a|b|c            the listed values, verbatim.   KEY=v   one value.
//            The Cartesian product is enumerated like nested loops in spec order: the first key
//            varies slowest, the last fastest. Index = position in that order.
//   random:  KEY=lo:hi            uniform. If lo and hi are both written without a '.', integers in
//                                 [lo, hi]; otherwise reals in [lo, hi] rounded to 6 significant
//                                 digits (at most 8 decimals) — write 1.0:5.0 for a real range.
//            KEY=lo:hi:log        log-uniform (lo > 0), same integer/real rule.
//            KEY=a|b|c            one of the values, uniformly.   KEY=v   always v.
//            One std::mt19937_64 seeded with `seed` draws the keys of point 0 in spec order, then
//            point 1, ...: the same (spec, n, seed) always gives the same points.
//   Errors are one line naming the spec item and what is wrong with it. At most kMaxSweepPoints points.
//
// Sharding: point `index` belongs to shard i of n when index % n == i, so shards 0/n .. n-1/n
// partition any sweep; each machine runs the same spec with its own --shard.
//
// run_sweep: each point runs `argv` (+ `oos_argv` when given) with the point's params appended as
// `set_flag`, "KEY=VALUE" pairs, via posix_spawnp (stdin /dev/null), at most `jobs` processes at
// once. A child must print its summary as one JSON object line on stdout (the last line starting with
// '{' is used; flat objects only) and exit 0. Anything else — spawn failure, non-zero exit, signal,
// timeout, unparsable output — makes that row status "error" with the child's first stderr line (or
// the reason); the sweep always runs every point. Rows come back in index order whatever the
// completion order, so output files are deterministic for deterministic children.
//
// Threads: everything runs on the caller's thread (run_sweep blocks until all children are reaped;
// on_row is called on that thread). No global state; SIGCHLD is left alone (children are reaped with
// waitpid on their pid). Allocation: freely — this is a cold, offline tool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dmabot::tools {

inline constexpr std::size_t kMaxSweepPoints = 1'000'000;

struct SweepPoint {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> params;  // (KEY, VALUE) in spec order
};

[[nodiscard]] absl::StatusOr<std::vector<SweepPoint>> expand_grid(std::string_view spec);
[[nodiscard]] absl::StatusOr<std::vector<SweepPoint>> sample_random(std::string_view spec, int n, uint64_t seed);

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};
// "i/n" with 0 <= i < n.
[[nodiscard]] absl::StatusOr<Shard> parse_shard(std::string_view text);
[[nodiscard]] inline bool in_shard(int index, Shard s) { return index % s.count == s.index; }
// The points of one shard, order kept.
[[nodiscard]] std::vector<SweepPoint> filter_shard(const std::vector<SweepPoint>& points, Shard s);

// One child's summary: the flat JSON object's members in the child's order, each value kept as its
// JSON token text (numbers byte-exact as printed, strings with their quotes, null, true, false).
struct Metrics {
  std::vector<std::pair<std::string, std::string>> values;

  [[nodiscard]] const std::string* find(std::string_view key) const;
  // The value as a number when it is a finite JSON number.
  [[nodiscard]] std::optional<double> number(std::string_view key) const;
};
// Parses one flat JSON object ({"k": number|string|true|false|null, ...}); nested values are errors.
[[nodiscard]] absl::StatusOr<Metrics> parse_summary_json(std::string_view text);

struct SweepRow {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> params;
  bool ok = false;
  std::string error;  // empty when ok; "in-sample: ..." / "out-of-sample: ..." when has_oos
  Metrics is;         // the in-sample run (the only run without oos_argv)
  Metrics oos;        // the out-of-sample run, when has_oos
  bool has_oos = false;

  [[nodiscard]] std::string_view status() const { return ok ? "ok" : "error"; }
  // What rank() sorts on: the oos value when has_oos, else the in-sample one.
  [[nodiscard]] std::optional<double> rank_value(std::string_view metric) const;
};

struct SweepRunOptions {
  std::vector<std::string> argv;      // command for the in-sample (or only) run; argv[0] via PATH
  std::vector<std::string> oos_argv;  // command for the out-of-sample run; empty: none
  std::string set_flag = "--set";     // put before each "KEY=VALUE"; empty: pairs only
  int jobs = 1;                       // concurrent children, >= 1
  int64_t timeout_s = 0;              // per child; 0 = no limit. On expiry: SIGKILL, error row
  // Progress: called once per finished row (both runs done), in completion order.
  std::function<void(const SweepRow& row, std::size_t done, std::size_t total)> on_row;
};

// Rows for every point, sorted by index. Errors only for unusable options (empty argv, jobs < 1);
// a failing point is an error row, never an error of the sweep.
[[nodiscard]] absl::StatusOr<std::vector<SweepRow>> run_sweep(const std::vector<SweepPoint>& points,
                                                              const SweepRunOptions& opts);

// Columns: index, each param key (first-seen order), status, error, then each metric key (first-seen
// order over the rows) — prefixed is_ and then oos_ when any row has an oos run. Missing values are
// empty (CSV) or null (JSONL); rows in the given order. CSV quotes fields per RFC 4180; JSONL writes
// one flat object per row with numbers-looking params as numbers.
[[nodiscard]] std::string to_csv(const std::vector<SweepRow>& rows);
[[nodiscard]] std::string to_jsonl(const std::vector<SweepRow>& rows);
// Picks the format from the extension: .csv, or .jsonl / .ndjson. Errors name the path.
[[nodiscard]] absl::Status write_results(const std::vector<SweepRow>& rows, const std::string& path);

// Rows with a numeric value of `metric` (see SweepRow::rank_value) sorted by it, ties by index;
// then the rest (errors, nulls) by index. Error when no ok row reports that metric (a typo),
// listing the metrics that exist.
[[nodiscard]] absl::StatusOr<std::vector<SweepRow>> rank(const std::vector<SweepRow>& rows, std::string_view metric,
                                                         bool descending);
// Aligned table of the first top_n ranked rows: rank, index, status, is_<metric>, oos_<metric>
// (or just <metric> without oos runs), params. Ends in '\n'.
[[nodiscard]] std::string top_table(const std::vector<SweepRow>& ranked, std::string_view metric,
                                    std::size_t top_n = 10);

// Local cores (at least 1): the default for --jobs.
[[nodiscard]] int default_jobs();

}  // namespace dmabot::tools
