// tools/sweep.h — parameter sweeps: grid / random point generation, sharding, running each point as
// a separate `dmabot backtest` process, writing results as they finish, and ranking them.
//
//   auto points = expand_grid("DYNMM_FLOOR_BPS=4:30:2,DYNMM_A=0.5|1|2");   // or sample_random(spec, n, seed)
//   points = filter_shard(*points, *parse_shard("1/4"));                    // --shard i/n
//   SweepRunOptions o; o.argv = {bin, "backtest", "--data", F, "--strategy", S, "--json-summary-only"};
//   o.oos_argv = {... same, for the out-of-sample window ...};  o.jobs = J;
//   auto out = ResultsWriter::create("out.csv", keys, has_oos, {});  o.on_row = ... out->append(row) ...
//   auto rows = run_sweep(points, o);  out->finish();
//   auto ranked = rank(*rows, "sharpe", true);  std::cout << top_table(ranked, "sharpe");
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
// `set_flag`, "KEY=VALUE" pairs, via posix_spawnp (stdin /dev/null, own process group, default
// signal dispositions), at most `jobs` processes at once. A child must print its summary as one
// JSON object line on stdout (the last line starting with '{' is used; flat objects only) and exit
// 0. Anything else — spawn failure, non-zero exit, signal, timeout, unparsable output — makes that
// row status "error" with the child's first stderr line (or the reason); the sweep goes on. Rows come
// back in index order whatever the completion order, so output files are deterministic for
// deterministic children. Children get their own process group so that a terminal's Ctrl-C reaches
// only the sweep, which then stops them itself (see stop_fd) instead of recording them as failures.
//
// Undefined metrics: a metric that is missing, null or not a finite number in the ranked run is
// undefined for that row. rank() puts such rows after every row with a value (in both directions)
// and undefined_metric_warning() says how many and why.
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
  // When this fd becomes readable (e.g. the read end of a pipe a signal handler writes to), the
  // sweep stops: it starts no new child, SIGKILLs the process groups of the running ones, reaps
  // them and returns the rows finished so far. Nothing is read from it. -1: never.
  int stop_fd = -1;
  // Progress: called once per finished row (both runs done), in completion order.
  std::function<void(const SweepRow& row, std::size_t done, std::size_t total)> on_row;
};

// Rows for every finished point, sorted by index: every point, unless stop_fd stopped the sweep
// (then the points whose runs had all finished). Errors only for unusable options (empty argv,
// jobs < 1); a failing point is an error row, never an error of the sweep.
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

// A results file kept valid and complete while a sweep runs, so that a killed or interrupted sweep
// leaves every finished row behind (and `--resume` can pick them up with read_results()).
//  - create() writes the header and `rows` (e.g. rows kept from an earlier run) to a temporary file
//    beside `path` and renames it over `path`: the old file is replaced whole or not at all.
//  - append() writes one row with a single write(2) on an O_APPEND descriptor: once it returns the
//    row is in the file (in the kernel's page cache: it survives the process, not a power cut).
//    CSV: the columns are index, param_keys, status, error, then the metric columns learned so far.
//    A row that brings a metric the header lacks makes append() rewrite the whole file (temporary +
//    rename) with the wider header, so every line always has the header's columns. JSONL lines are
//    self-describing: a new metric only starts appearing from that line on.
//  - finish() rewrites the file in index order (the deterministic form to_csv/to_jsonl give).
// Errors name the path. Move-only; the destructor closes the descriptor (the file stays).
class ResultsWriter {
 public:
  [[nodiscard]] static absl::StatusOr<ResultsWriter> create(const std::string& path,
                                                            std::vector<std::string> param_keys, bool has_oos,
                                                            std::vector<SweepRow> rows);
  ResultsWriter(ResultsWriter&& o) noexcept;
  ResultsWriter& operator=(ResultsWriter&& o) noexcept;
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;
  ~ResultsWriter();

  [[nodiscard]] absl::Status append(const SweepRow& row);
  [[nodiscard]] absl::Status finish();
  // Every row in the file, in the order written.
  [[nodiscard]] const std::vector<SweepRow>& rows() const { return rows_; }
  // How many times append() had to rewrite the file (CSV header widened): for tests.
  [[nodiscard]] int rewrites() const { return rewrites_; }

 private:
  ResultsWriter() = default;
  absl::Status rewrite(bool sort_by_index);

  std::string path_;
  bool csv_ = true;
  bool has_oos_ = false;
  int fd_ = -1;
  std::vector<std::string> param_keys_;
  std::vector<std::string> metric_keys_;  // CSV header's metric columns (unprefixed), first-seen order
  std::vector<SweepRow> rows_;
  int rewrites_ = 0;
};

// Reads a results file written by ResultsWriter / write_results (.csv, .jsonl or .ndjson) back into
// rows: params are the columns between index and status, metrics those after error (split into is/oos
// by their is_/oos_ prefix when has_oos, the sweep's own setting: a file written with the other
// setting is an error). CSV cells come back as JSON tokens: empty -> null, numbers and true/false
// as they are, anything else as a string. A last line without its '\n' (a write cut short) is
// ignored; any other malformed line is an error naming the file and line.
[[nodiscard]] absl::StatusOr<std::vector<SweepRow>> read_results(const std::string& path, bool has_oos);

// Rows sorted for a ranking: first every ok row with a value of `metric` (SweepRow::rank_value),
// best first (highest when descending), ties by index; then ok rows for which the metric is
// undefined (missing, null or not a finite number), by index; then error rows, by index.
[[nodiscard]] std::vector<SweepRow> rank(const std::vector<SweepRow>& rows, std::string_view metric, bool descending);

// One line (no "dmabot: " prefix, no '\n') saying that `metric` is undefined for some ok rows, or ""
// when every ok row defines it (or there is none). Names the metric as ranked (oos_<metric> when the
// rows have out-of-sample runs), how many points lack it, and why: the run's `<metric>_note` string
// when the summary has one, else what the backtest printed (null, not reported, another value).
// When no ok row defines it the line starts with "WARNING" and says the ranking is meaningless.
[[nodiscard]] std::string undefined_metric_warning(const std::vector<SweepRow>& rows, std::string_view metric);

// Aligned table of the first top_n ranked rows: rank, index, status, is_<metric>, oos_<metric>
// (or just <metric> without oos runs; "-" when undefined), params. Ends in '\n'.
[[nodiscard]] std::string top_table(const std::vector<SweepRow>& ranked, std::string_view metric,
                                    std::size_t top_n = 10);

// Local cores (at least 1): the default for --jobs.
[[nodiscard]] int default_jobs();

}  // namespace dmabot::tools
