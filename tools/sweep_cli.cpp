#include "tools/sweep_cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/clock.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "feed/replay_feed.h"
#include "tools/cli_common.h"

namespace dmabot::tools {

using core::invalid;
using core::str_append;
using core::str_cat;

namespace {

constexpr const char* kHelp =
    "usage: dmabot sweep --data FILE|synthetic --strategy NAME (--grid SPEC | --random N --space SPEC)\n"
    "                    [options]\n"
    "\n"
    "Runs one `dmabot backtest` per parameter point, in parallel processes, writes one result row per\n"
    "point and ranks the points by a metric measured on the out-of-sample part of the data.\n"
    "\n"
    "  --data FILE           capture or JSONL recording to backtest on, or the word 'synthetic'\n"
    "  --strategy NAME       strategy to backtest (passed through)\n"
    "  --grid SPEC           every point of a grid, e.g. DYNMM_FLOOR_BPS=4:30:2,DYNMM_A=0.5|1|2\n"
    "                        (KEY=start:stop:step, KEY=a|b|c, KEY=v; the first key varies slowest)\n"
    "  --random N            N random points drawn from --space\n"
    "  --space SPEC          ranges for --random: KEY=lo:hi, KEY=lo:hi:log, KEY=a|b|c, KEY=v\n"
    "                        (integers when lo and hi have no '.', e.g. 500:2000; 1.0:5.0 for reals)\n"
    "  --seed S              seed of the --random draw (default 1)\n"
    "  --env FILE            preset passed to every backtest\n"
    "  --set KEY=VALUE       override passed to every backtest, before the point's own (repeatable)\n"
    "  --jobs N              backtests at once (default: the number of local cores)\n"
    "  --shard i/n           run only the points whose index % n == i (0-based), for batch schedulers\n"
    "  --out FILE            results, .csv or .jsonl (default sweep_results.csv)\n"
    "  --rank METRIC         summary metric to rank on (default sharpe), highest first\n"
    "  --ascending           rank lowest first (e.g. --rank max_drawdown --ascending)\n"
    "  --oos-frac F          the last fraction F (0 <= F < 1) of the data's market events is\n"
    "                        out-of-sample: each point runs once before the split and once after,\n"
    "                        and is ranked on the second run (default 0.3; 0 = one run on all data;\n"
    "                        must be 0 with --data synthetic, where it defaults to 0)\n"
    "  --timeout SECONDS     kill a backtest that runs longer (default 0: no limit)\n"
    "  --top N               rows in the printed ranking (default 10)\n"
    "  --help                this text\n"
    "\n"
    "Exit codes: 0 at least one point ran, 2 bad usage, 1 every point failed or the results cannot\n"
    "be written.\n";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_real(std::string_view s, double& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

// The metric's token as the child printed it, or "-".
std::string metric_text(const Metrics& m, std::string_view key) {
  const std::string* v = m.find(key);
  return v == nullptr ? std::string("-") : *v;
}

std::string progress_line(const SweepRow& row, std::size_t done, std::size_t total, const std::string& metric) {
  std::string line = str_cat('[', done, '/', total, "] index ", row.index, ' ', row.status());
  if (row.ok) {
    if (row.has_oos) {
      str_append(line, " is_", metric, '=', metric_text(row.is, metric), " oos_", metric, '=',
                 metric_text(row.oos, metric));
    } else {
      str_append(line, ' ', metric, '=', metric_text(row.is, metric));
    }
  }
  for (const auto& [k, v] : row.params) str_append(line, ' ', k, '=', v);
  if (!row.ok) str_append(line, ": ", row.error);
  return line;
}


}  // namespace

const char* sweep_help() { return kHelp; }

#define DMABOT_SWEEP_TRY(expr)                            \
  do {                                                    \
    if (absl::Status st_ = (expr); !st_.ok()) return st_; \
  } while (0)

absl::StatusOr<SweepArgs> parse_sweep_args(int argc, char** argv) {
  SweepArgs a;
  bool seen_oos = false, seen_seed = false, seen_random = false;
  std::vector<std::string> seen_flags;
  for (int i = 0; i < argc; ++i) {
    std::string_view flag = argv[i];
    std::string value;
    bool inline_value = false;
    // Accept --flag=value as well as --flag value.
    if (core::starts_with(flag, "--")) {
      const std::size_t eq = flag.find('=');
      if (eq != std::string_view::npos) {
        value = std::string(flag.substr(eq + 1));
        flag = flag.substr(0, eq);
        inline_value = true;
      }
    }
    auto take = [&](std::string_view what) -> absl::Status {
      if (inline_value) return absl::OkStatus();
      if (i + 1 >= argc) return invalid(flag, " needs ", what);
      value = argv[++i];
      return absl::OkStatus();
    };
    auto once = [&]() -> absl::Status {
      for (const std::string& f : seen_flags) {
        if (f == flag) return invalid(flag, " is given twice");
      }
      seen_flags.emplace_back(flag);
      return absl::OkStatus();
    };
    auto no_value = [&]() -> absl::Status {
      if (inline_value) return invalid(flag, " takes no value");
      return once();
    };
    if (flag == "--help" || flag == "-h") {
      a.help = true;
      return a;
    } else if (flag == "--data") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a file or 'synthetic'"));
      if (value.empty()) return invalid("--data needs a file or 'synthetic'");
      a.data = value;
    } else if (flag == "--strategy") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a strategy name"));
      if (value.empty()) return invalid("--strategy needs a strategy name");
      a.strategy = value;
    } else if (flag == "--grid") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a spec, e.g. KEY=1:5:1,OTHER=a|b"));
      a.grid = value;
      if (core::strip(a.grid).empty()) return invalid("--grid needs a spec, e.g. KEY=1:5:1,OTHER=a|b");
    } else if (flag == "--random") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a number of points"));
      if (!parse_int(value, a.random_n) || a.random_n < 1 || static_cast<std::size_t>(a.random_n) > kMaxSweepPoints) {
        return invalid("--random '", value, "' is not a whole number from 1 to ", kMaxSweepPoints);
      }
      seen_random = true;
    } else if (flag == "--space") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a spec, e.g. KEY=1:5,OTHER=0.1:10:log"));
      a.space = value;
      if (core::strip(a.space).empty()) return invalid("--space needs a spec, e.g. KEY=1:5,OTHER=0.1:10:log");
    } else if (flag == "--seed") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a non-negative whole number"));
      if (!parse_int(value, a.seed)) return invalid("--seed '", value, "' is not a non-negative whole number");
      seen_seed = true;
    } else if (flag == "--env") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a file"));
      if (value.empty()) return invalid("--env needs a file");
      a.env_file = value;
    } else if (flag == "--set") {
      DMABOT_SWEEP_TRY(take("KEY=VALUE"));
      const std::size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0) return invalid("--set '", value, "': expected KEY=VALUE");
      a.sets.push_back(value);
    } else if (flag == "--jobs") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a number of processes"));
      if (!parse_int(value, a.jobs) || a.jobs < 1 || a.jobs > 4096) {
        return invalid("--jobs '", value, "' is not a whole number from 1 to 4096");
      }
    } else if (flag == "--shard") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("i/n, e.g. 0/4"));
      auto s = parse_shard(value);
      if (!s.ok()) return invalid("--shard: ", std::string(s.status().message()));
      a.shard = *s;
    } else if (flag == "--out") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a file (.csv or .jsonl)"));
      if (!(ends_with(value, ".csv") || ends_with(value, ".jsonl") || ends_with(value, ".ndjson"))) {
        return invalid("--out '", value, "': the file name must end in .csv, .jsonl or .ndjson");
      }
      a.out = value;
    } else if (flag == "--rank") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a summary metric, e.g. sharpe"));
      if (value.empty()) return invalid("--rank needs a summary metric, e.g. sharpe");
      a.rank_metric = value;
    } else if (flag == "--ascending") {
      DMABOT_SWEEP_TRY(no_value());
      a.ascending = true;
    } else if (flag == "--oos-frac") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a fraction 0 <= F < 1"));
      if (!parse_real(value, a.oos_frac) || a.oos_frac < 0 || a.oos_frac >= 1) {
        return invalid("--oos-frac '", value, "' is not a number with 0 <= F < 1");
      }
      seen_oos = true;
    } else if (flag == "--timeout") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a number of seconds"));
      if (!parse_int(value, a.timeout_s) || a.timeout_s < 0 || a.timeout_s > 365LL * 86400) {
        return invalid("--timeout '", value, "' is not a whole number of seconds >= 0");
      }
    } else if (flag == "--top") {
      DMABOT_SWEEP_TRY(once());
      DMABOT_SWEEP_TRY(take("a number of rows"));
      if (!parse_int(value, a.top) || a.top < 1) return invalid("--top '", value, "' is not a whole number >= 1");
    } else {
      return invalid("sweep: unknown option '", argv[i], "' (see dmabot sweep --help)");
    }
  }

  if (a.data.empty()) return invalid("--data is required (a file, or 'synthetic')");
  if (a.strategy.empty()) return invalid("--strategy is required");
  if (a.grid.empty() && !seen_random) return invalid("--grid SPEC or --random N is required");
  if (!a.grid.empty() && seen_random) return invalid("--grid and --random exclude each other: give one");
  if (seen_random && a.space.empty()) return invalid("--random needs --space SPEC (the ranges to draw from)");
  if (!seen_random && !a.space.empty()) return invalid("--space only applies with --random");
  if (!seen_random && seen_seed) return invalid("--seed only applies with --random");
  if (a.data == "synthetic") {
    if (seen_oos && a.oos_frac != 0) {
      return invalid("--oos-frac must be 0 with --data synthetic (synthetic data has no fixed time line to split)");
    }
    a.oos_frac = 0;
  }
  return a;
}

#undef DMABOT_SWEEP_TRY

absl::StatusOr<OosSplit> compute_oos_split(const std::string& path, double oos_frac) {
  // F in exact 1e-8 units, so k = floor((1 - F) * N) is integer arithmetic: with doubles,
  // (1 - 0.3) * 10 is 6.9999999999999996 and would floor to 6 instead of 7.
  const int64_t f_raw = std::isfinite(oos_frac) ? std::llround(oos_frac * 1e8) : 0;
  if (f_raw <= 0 || f_raw >= 100'000'000) return invalid("--oos-frac ", oos_frac, " must be in (0, 1) to split");
  // Two passes (count, then find event k) keep memory flat on captures of tens of millions of
  // events; one extra read is small next to the backtests that each read the whole file.
  uint64_t n = 0;
  {
    core::SymbolTable symbols;
    auto src = feed::open_source(path, symbols);
    if (!src.ok()) return invalid("--data: ", std::string(src.status().message()));
    feed::ReplayEvent ev;
    while ((*src)->next(ev)) ++n;
    if (absl::Status st = (*src)->status(); !st.ok()) {
      return invalid("--data '", path, "': reading stopped early: ", std::string(st.message()));
    }
  }
  if (n == 0) return invalid("--data '", path, "': no market events to split");
  OosSplit s;
  s.events = n;
  s.index = static_cast<uint64_t>(static_cast<unsigned __int128>(100'000'000 - f_raw) * n / 100'000'000);
  if (s.index == 0) {
    return invalid("--oos-frac ", oos_frac, " leaves no in-sample events in '", path, "' (", n, " market events)");
  }
  core::SymbolTable symbols;
  auto src = feed::open_source(path, symbols);
  if (!src.ok()) return invalid("--data: ", std::string(src.status().message()));
  feed::ReplayEvent ev;
  int64_t earliest = INT64_MAX;  // of the in-sample events
  for (uint64_t i = 0; i <= s.index; ++i) {
    if (!(*src)->next(ev)) return invalid("--data '", path, "': the file changed while it was being read");
    if (i < s.index) earliest = std::min(earliest, ev.ts_local);
  }
  s.ts = ev.ts_local;
  // Windows are by timestamp: if events 0..k-1 all share event k's time, [start, TS) is empty.
  if (earliest >= s.ts) {
    return invalid("--oos-frac ", oos_frac, ": every in-sample event of '", path, "' has a ts_local >= the split ",
                   s.ts, ", so the in-sample window would be empty");
  }
  return s;
}

std::vector<std::string> backtest_argv(const SweepArgs& args, const std::string& self_exe, int window,
                                       int64_t split_ts) {
  std::vector<std::string> v = {self_exe,      "backtest",           "--data", args.data, "--strategy",
                                args.strategy, "--json-summary-only"};
  if (!args.env_file.empty()) {
    v.push_back("--env");
    v.push_back(args.env_file);
  }
  for (const std::string& kv : args.sets) {
    v.push_back("--set");
    v.push_back(kv);
  }
  if (window < 0) {
    v.push_back("--until");
    v.push_back(str_cat(split_ts));
  } else if (window > 0) {
    v.push_back("--from");
    v.push_back(str_cat(split_ts));
  }
  return v;
}

int sweep_command(int argc, char** argv, const std::string& self_exe) {
  auto parsed = parse_sweep_args(argc, argv);
  if (!parsed.ok()) return usage_error(std::string(parsed.status().message()));
  const SweepArgs& a = *parsed;
  if (a.help) {
    std::fputs(kHelp, stdout);
    std::fflush(stdout);
    return 0;
  }

  // Everything a typo could break is checked before the first child starts.
  auto points = a.grid.empty() ? sample_random(a.space, a.random_n, a.seed) : expand_grid(a.grid);
  if (!points.ok())
    return usage_error(str_cat(a.grid.empty() ? "--space: " : "--grid: ", std::string(points.status().message())));
  const std::size_t all_points = points->size();
  std::vector<SweepPoint> mine = a.shard ? filter_shard(*points, *a.shard) : std::move(*points);

  if (!a.env_file.empty() && ::access(a.env_file.c_str(), R_OK) != 0) {
    return usage_error(str_cat("--env '", a.env_file, "': ", std::strerror(errno)));
  }
  if (a.data != "synthetic" && ::access(a.data.c_str(), R_OK) != 0) {
    return usage_error(str_cat("--data '", a.data, "': ", std::strerror(errno)));
  }
  OosSplit split;
  const bool has_oos = a.oos_frac > 0;
  if (has_oos) {
    auto s = compute_oos_split(a.data, a.oos_frac);
    if (!s.ok()) return usage_error(std::string(s.status().message()));
    split = *s;
  }
  // Fail now rather than after hours of backtests. O_APPEND: an existing file is not clobbered yet.
  {
    const int fd = ::open(a.out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return runtime_error(str_cat("cannot write --out '", a.out, "': ", std::strerror(errno)));
    ::close(fd);
  }

  SweepRunOptions opts;
  opts.argv = backtest_argv(a, self_exe, has_oos ? -1 : 0, split.ts);
  if (has_oos) opts.oos_argv = backtest_argv(a, self_exe, +1, split.ts);
  opts.jobs = a.jobs > 0 ? a.jobs : default_jobs();
  opts.timeout_s = a.timeout_s;
  opts.on_row = [&](const SweepRow& row, std::size_t done, std::size_t total) {
    const std::string line = progress_line(row, done, total, a.rank_metric);
    std::fprintf(stderr, "%s\n", line.c_str());
  };

  std::string plan = str_cat("sweep: ", mine.size(), " point(s)");
  if (a.shard) str_append(plan, " (shard ", a.shard->index, '/', a.shard->count, " of ", all_points, ")");
  str_append(plan, ", ", opts.jobs, " job(s), strategy ", a.strategy, ", data ", a.data);
  if (has_oos) {
    str_append(plan, "; out-of-sample from ts_local ", split.ts, " (event ", split.index, " of ", split.events, ")");
  }
  std::fprintf(stderr, "%s\n", plan.c_str());

  const int64_t t0 = core::monotonic_ns();
  auto rows = run_sweep(mine, opts);
  if (!rows.ok()) return runtime_error(std::string(rows.status().message()));
  const double secs = static_cast<double>(core::monotonic_ns() - t0) / 1e9;

  std::size_t ok = 0;
  const SweepRow* first_failed = nullptr;
  for (const SweepRow& r : *rows) {
    if (r.ok) {
      ++ok;
    } else if (first_failed == nullptr) {
      first_failed = &r;
    }
  }
  const absl::Status written = write_results(*rows, a.out);
  std::fprintf(stderr, "sweep: %zu row(s), %zu ok, %zu failed, %.1f s; results %s%s\n", rows->size(), ok,
               rows->size() - ok, secs, written.ok() ? "in " : "NOT written to ", a.out.c_str());
  if (!written.ok()) return runtime_error(std::string(written.message()));
  if (rows->empty()) return 0;  // a shard with no points has nothing to fail
  if (ok == 0) {
    return runtime_error(str_cat("every run failed; index ", first_failed->index, ": ", first_failed->error));
  }

  auto ranked = rank(*rows, a.rank_metric, !a.ascending);
  if (!ranked.ok()) return usage_error(str_cat("--rank: ", std::string(ranked.status().message())));
  const std::string table = top_table(*ranked, a.rank_metric, static_cast<std::size_t>(a.top));
  std::fputs(table.c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace dmabot::tools
