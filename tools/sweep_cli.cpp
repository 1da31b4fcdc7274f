#include "tools/sweep_cli.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "core/clock.h"
#include "core/config.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "feed/replay_feed.h"
#include "strategy/registry.h"
#include "tools/backtest_report.h"
#include "tools/cli_common.h"
#include "tools/engine_config.h"
#include "tools/replay_cli.h"

namespace dmabot::tools {

using core::invalid;
using core::str_append;
using core::str_cat;

namespace {

constexpr const char* kHelp =
    "usage: dmabot sweep --data FILE|synthetic --strategy NAME (--grid SPEC | --random N --space SPEC)\n"
    "                    [options]\n"
    "\n"
    "Runs one `dmabot backtest` per parameter point, in parallel processes, appends one result row per\n"
    "point to --out as it finishes and ranks the points by a metric measured on the out-of-sample part\n"
    "of the data. Flags, keys, values, the strategy and the metric are all checked before any point runs.\n"
    "\n"
    "  --data FILE           capture or JSONL recording to backtest on, or the word 'synthetic'\n"
    "  --strategy NAME       strategy to backtest: dynmm, as, mean_reversion, ma_cross, vol_breakout\n"
    "  --grid SPEC           every point of a grid, e.g. DYNMM_FLOOR_BPS=4:30:2,DYNMM_A=0.5|1|2\n"
    "                        (KEY=start:stop:step, KEY=a|b|c, KEY=v; the first key varies slowest;\n"
    "                        keys are config keys, see .env.mock)\n"
    "  --random N            N random points drawn from --space\n"
    "  --space SPEC          ranges for --random: KEY=lo:hi, KEY=lo:hi:log, KEY=a|b|c, KEY=v\n"
    "                        (integers when lo and hi have no '.', e.g. 500:2000; 1.0:5.0 for reals)\n"
    "  --seed S              seed of the --random draw (default 1)\n"
    "  --env FILE            preset passed to every backtest\n"
    "  --set KEY=VALUE       override passed to every backtest, before the point's own (repeatable)\n"
    "  --jobs N              backtests at once (default: the number of local cores)\n"
    "  --shard i/n           run only the points whose index % n == i (0-based), for batch schedulers\n"
    "  --out FILE            results, .csv or .jsonl (default sweep_results.csv); rows are appended as\n"
    "                        points finish. CSV columns: index, the params, status, error, then the\n"
    "                        summary metrics (is_/oos_ prefixed with out-of-sample runs); a row that\n"
    "                        brings a new metric rewrites the file with the wider header. At the end\n"
    "                        the file is rewritten in index order\n"
    "  --resume              FILE exists: keep its ok rows, run only the other points of this sweep\n"
    "                        (failed ones again); the ranking includes the kept rows\n"
    "  --force               FILE exists: overwrite it. Without --resume or --force an existing,\n"
    "                        non-empty FILE stops the sweep (exit 2): finished work is never lost\n"
    "  --yes                 run more than 10000 points (refused without it)\n"
    "  --rank METRIC         summary metric to rank on (default sharpe), highest first. Points for\n"
    "                        which it is undefined (null, e.g. sharpe with fewer than 2 buckets) rank\n"
    "                        after every point that has a value, with a warning saying why\n"
    "  --ascending           rank lowest first (e.g. --rank max_drawdown --ascending)\n"
    "  --oos-frac F          the last fraction F (0 <= F < 1) of the data's market events is\n"
    "                        out-of-sample: each point runs once before the split and once after,\n"
    "                        and is ranked on the second run (default 0.3; 0 = one run on all data;\n"
    "                        must be 0 with --data synthetic, where it defaults to 0)\n"
    "  --timeout SECONDS     kill a backtest that runs longer (default 0: no limit)\n"
    "  --top N               rows in the printed ranking (default 10)\n"
    "  --help                this text\n"
    "\n"
    "Ctrl-C (SIGINT) or SIGTERM: no new point starts, running backtests are killed, finished rows stay\n"
    "in FILE and the command to resume is printed (the same command with --resume).\n"
    "\n"
    "Exit codes: 0 at least one point ran, 2 bad usage (nothing was run), 1 every point failed or the\n"
    "results cannot be written, 130 interrupted by SIGINT, 143 by SIGTERM.\n";

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

// ---------------------------------------------------------------------------------------------
// Stop signals

volatile std::sig_atomic_t g_stop_signal = 0;
int g_stop_write_fd = -1;  // the pipe the handler writes to: the file's only global state

extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
  const int saved = errno;
  const char byte = 1;
  if (g_stop_write_fd >= 0) (void)!::write(g_stop_write_fd, &byte, 1);
  errno = saved;
}

// SIGINT/SIGTERM handlers for the duration of a run; the previous dispositions come back on
// destruction. The read end of the pipe becomes readable on the first signal (run_sweep's stop_fd).
class StopSignals {
 public:
  StopSignals() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
      fds_[0] = fds_[1] = -1;
      return;
    }
    g_stop_signal = 0;
    g_stop_write_fd = fds_[1];
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C kills at once (the file is valid at every moment)
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    if (fds_[0] < 0) return;
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_stop_write_fd = -1;
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  [[nodiscard]] bool ok() const { return fds_[0] >= 0; }
  [[nodiscard]] int read_fd() const { return fds_[0]; }
  // Stops the sweep as a signal would (e.g. when the results can no longer be written).
  void stop() const { (void)!::write(fds_[1], "x", 1); }
  [[nodiscard]] static int signal() { return g_stop_signal; }

 private:
  int fds_[2] = {-1, -1};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// ---------------------------------------------------------------------------------------------
// Checks before running

// Keys the backtest command sets itself from its own flags: a sweep cannot vary them.
constexpr std::string_view kCommandKeys[] = {"STRATEGIES", "FEED_MODE", "REPLAY_FILE", "REPLAY_FROM_NS",
                                             "REPLAY_UNTIL_NS"};

// Builds the config a `dmabot backtest` child builds from the same arguments (backtest_command in
// tools/replay_cli.cpp: its defaults, the --set values (the sweep's, then the point's), the
// strategy and the data) and reads it with EngineConfig::from_config, which checks every value and
// rejects keys nobody reads. known (optional) receives every key the engine read or declared.
class ChildConfigCheck {
 public:
  static absl::StatusOr<ChildConfigCheck> create(const SweepArgs& a) {
    ChildConfigCheck c;
    c.args_ = &a;
    if (!a.env_file.empty()) {
      std::FILE* f = std::fopen(a.env_file.c_str(), "rb");
      if (f == nullptr) return invalid("--env '", a.env_file, "': ", std::strerror(errno));
      char buf[65536];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) c.env_text_.append(buf, n);
      std::fclose(f);
    }
    return c;
  }

  absl::Status check(const std::vector<std::pair<std::string, std::string>>& params,
                     std::vector<std::string>* known = nullptr) const {
    const SweepArgs& a = *args_;
    std::vector<std::string> user = a.sets;
    for (const auto& [k, v] : params) user.push_back(str_cat(k, '=', v));
    const std::vector<std::string> overrides = backtest_overrides(std::move(user), a.strategy, a.data);
    auto cfg = core::Config::parse(env_text_, a.env_file, overrides, &core::Config::no_env);
    if (!cfg.ok()) return cfg.status();
    auto ec = EngineConfig::from_config(*cfg);
    if (known != nullptr) {
      for (const auto& kv : cfg->dump()) known->push_back(kv.first);
    }
    return ec.status();
  }

 private:
  const SweepArgs* args_ = nullptr;
  std::string env_text_;
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'X'?)" for the closest name within a few edits, or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& names) {
  const std::string* best = nullptr;
  std::size_t best_d = 4;
  for (const std::string& n : names) {
    const std::size_t d = edit_distance(name, n);
    if (d < best_d) {
      best_d = d;
      best = &n;
    }
  }
  return best ? str_cat(" (did you mean '", *best, "'?)") : std::string();
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) str_append(out, out.empty() ? "" : ", ", s);
  return out;
}

// The values to check per key: each distinct value in first-seen order, or — past kMaxProbes
// distinct values, as wide random ranges give — the numeric smallest and largest plus any value
// that is not a number. Config getters check numbers against a [min, max] range, so the extremes
// stand for everything between them.
constexpr std::size_t kMaxProbes = 256;

std::vector<std::pair<std::string, std::vector<std::string>>> probe_values(const std::vector<SweepPoint>& points) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  if (points.empty()) return out;
  for (const auto& kv : points.front().params) out.emplace_back(kv.first, std::vector<std::string>{});
  for (std::size_t d = 0; d < out.size(); ++d) {
    std::set<std::string_view> seen;
    std::vector<std::string>& values = out[d].second;
    for (const SweepPoint& p : points) {
      if (seen.insert(p.params[d].second).second) values.push_back(p.params[d].second);
    }
    if (values.size() <= kMaxProbes) continue;
    std::vector<std::string> probes;
    const std::string *lo = nullptr, *hi = nullptr;
    double lo_v = 0, hi_v = 0;
    for (const std::string& v : values) {
      double x = 0;
      if (!parse_real(v, x)) {
        probes.push_back(v);
        continue;
      }
      if (lo == nullptr || x < lo_v) lo = &v, lo_v = x;
      if (hi == nullptr || x > hi_v) hi = &v, hi_v = x;
    }
    if (lo != nullptr) probes.push_back(*lo);
    if (hi != nullptr && hi != lo) probes.push_back(*hi);
    values = std::move(probes);
  }
  return out;
}

// Checks that need no data scan and no point values: strategy, rank metric, --env/--set, spec keys.
// One line for exit code 2, or "".
std::string check_names(const SweepArgs& a, const std::vector<SweepPoint>& points) {
  const std::string spec_flag = a.grid.empty() ? "--space" : "--grid";
  bool strategy_known = false;
  std::vector<std::string> strategies;
  for (std::string_view n : strategy::strategy_names()) {
    strategies.emplace_back(n);
    strategy_known = strategy_known || n == a.strategy;
  }
  if (!strategy_known) {
    return str_cat("--strategy '", a.strategy, "': unknown strategy", did_you_mean(a.strategy, strategies),
                   " (known: ", joined(strategies), ")");
  }
  const std::vector<std::string> metrics = rank_metrics();
  if (std::find(metrics.begin(), metrics.end(), a.rank_metric) == metrics.end()) {
    return str_cat("--rank '", a.rank_metric, "': the backtest summary has no such metric",
                   did_you_mean(a.rank_metric, metrics), " (known: ", joined(metrics), ")");
  }
  auto check = ChildConfigCheck::create(a);
  if (!check.ok()) return std::string(check.status().message());
  // The sweep's own settings first: an error here is in --env/--set, whatever the points.
  std::vector<std::string> known;
  if (absl::Status st = check->check({}, &known); !st.ok()) return str_cat("--env/--set: ", std::string(st.message()));
  if (points.empty()) return {};
  for (const auto& [key, unused] : points.front().params) {
    for (std::string_view fixed : kCommandKeys) {
      if (key == fixed)
        return str_cat(spec_flag, ": ", key, " is set by the sweep itself (--strategy, --data, --oos-frac)");
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return str_cat(spec_flag, ": unknown key '", key, "': dmabot backtest reads no such config key",
                     did_you_mean(key, known), " (keys: see .env.mock)");
    }
  }
  return {};
}

// Point 0 whole, then each probe value of each key with the other keys at point 0's values: every
// value a user typed (or the extremes a range produced) is read by the engine's config once. One
// line for exit code 2, or "".
std::string check_values(const SweepArgs& a, const std::vector<SweepPoint>& points) {
  if (points.empty()) return {};
  const std::string spec_flag = a.grid.empty() ? "--space" : "--grid";
  auto check = ChildConfigCheck::create(a);
  if (!check.ok()) return std::string(check.status().message());
  const SweepPoint& p0 = points.front();
  if (absl::Status st = check->check(p0.params); !st.ok()) return str_cat(spec_flag, ": ", std::string(st.message()));
  for (const auto& [key, values] : probe_values(points)) {
    std::vector<std::pair<std::string, std::string>> probe = p0.params;
    auto slot = std::find_if(probe.begin(), probe.end(), [&](const auto& kv) { return kv.first == key; });
    for (const std::string& v : values) {
      slot->second = v;
      if (absl::Status st = check->check(probe); !st.ok()) return str_cat(spec_flag, ": ", std::string(st.message()));
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Output file and resume

std::string params_text(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) str_append(out, out.empty() ? "" : " ", k, '=', v);
  return out;
}

struct Resumed {
  std::vector<SweepRow> kept;  // ok rows of this sweep found in --out
  std::size_t dropped_errors = 0;
};

// Reads an existing --out for --resume and matches its rows with this sweep's points. One line for
// exit code 2 on a file that is not this sweep's.
absl::StatusOr<Resumed> load_resume(const SweepArgs& a, const std::vector<SweepPoint>& mine, bool has_oos) {
  auto rows = read_results(a.out, has_oos);
  if (!rows.ok()) return invalid("--resume: ", std::string(rows.status().message()));
  std::map<int, const SweepPoint*> by_index;
  for (const SweepPoint& p : mine) by_index[p.index] = &p;
  Resumed r;
  std::set<int> done;
  const std::string other = " (use another --out, or --force to overwrite it)";
  for (SweepRow& row : *rows) {
    auto it = by_index.find(row.index);
    if (it == by_index.end()) {
      return invalid("--resume: '", a.out, "' has a row with index ", row.index, ", which is not a point of this sweep",
                     a.shard ? " shard" : "", ": it holds another sweep's results", other);
    }
    if (row.params != it->second->params) {
      return invalid("--resume: '", a.out, "' row index ", row.index, " has ", params_text(row.params),
                     ", this sweep's point ", row.index, " has ", params_text(it->second->params),
                     ": it holds another sweep's results", other);
    }
    if (!row.ok) {
      ++r.dropped_errors;
      continue;
    }
    if (!done.insert(row.index).second) continue;
    r.kept.push_back(std::move(row));
  }
  return r;
}

// The argument as the shell reads it back.
std::string shell_quote(std::string_view s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_./=:,@%+-").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

// The command line that resumes this sweep: the same arguments, --force dropped, --resume added.
std::string resume_command(int argc, char** argv) {
  std::string cmd = "dmabot sweep";
  bool has_resume = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--force") continue;
    has_resume = has_resume || arg == "--resume";
    str_append(cmd, ' ', shell_quote(arg));
  }
  if (!has_resume) cmd.append(" --resume");
  return cmd;
}

std::string duration_text(double secs) {
  char buf[48];
  if (secs < 120) {
    std::snprintf(buf, sizeof buf, "%.0f s", secs);
  } else if (secs < 2 * 3600) {
    std::snprintf(buf, sizeof buf, "%.1f min", secs / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", secs / 3600);
  }
  return buf;
}

}  // namespace

const char* sweep_help() { return kHelp; }

std::vector<std::string> rank_metrics() {
  std::vector<std::string> out;
  for (const BacktestSummary::Field& f : BacktestSummary{}.fields()) out.emplace_back(f.name);
  return out;
}

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
    } else if (flag == "--resume") {
      DMABOT_SWEEP_TRY(no_value());
      a.resume = true;
    } else if (flag == "--force") {
      DMABOT_SWEEP_TRY(no_value());
      a.force = true;
    } else if (flag == "--yes") {
      DMABOT_SWEEP_TRY(no_value());
      a.yes = true;
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
  if (a.resume && a.force)
    return invalid("--resume and --force exclude each other: keep the results or overwrite them");
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
  std::vector<std::string> param_keys;
  for (const auto& kv : points->front().params) param_keys.push_back(kv.first);
  std::vector<SweepPoint> mine = a.shard ? filter_shard(*points, *a.shard) : std::move(*points);

  // The same input checks, with the same words, as replay and backtest.
  if (!a.env_file.empty()) {
    if (std::string err = check_readable_file("--env", a.env_file); !err.empty()) return usage_error(err);
  }
  if (a.data != "synthetic") {
    if (std::string err = check_market_data("--data", a.data); !err.empty()) return usage_error(err);
  }
  if (const std::string bad = check_names(a, mine); !bad.empty()) return usage_error(bad);

  const bool has_oos = a.oos_frac > 0;
  // Never overwrite finished work by accident.
  Resumed resumed;
  struct stat sb {};
  const bool out_exists = ::stat(a.out.c_str(), &sb) == 0;
  if (out_exists && S_ISDIR(sb.st_mode)) return usage_error(str_cat("--out '", a.out, "' is a directory"));
  if (out_exists && sb.st_size > 0 && !a.resume && !a.force) {
    return usage_error(str_cat("--out '", a.out,
                               "' already exists: add --resume to keep its finished points and run the rest, or "
                               "--force to overwrite it"));
  }
  if (out_exists && a.resume) {
    auto r = load_resume(a, mine, has_oos);
    if (!r.ok()) return usage_error(std::string(r.status().message()));
    resumed = std::move(*r);
  }
  std::vector<SweepPoint> to_run;
  {
    std::set<int> done;
    for (const SweepRow& r : resumed.kept) done.insert(r.index);
    for (SweepPoint& p : mine) {
      if (done.count(p.index) == 0) to_run.push_back(std::move(p));
    }
  }
  const int runs_per_point = has_oos ? 2 : 1;
  if (to_run.size() > kSweepConfirmPoints && !a.yes) {
    return usage_error(str_cat("--yes: this sweep would run ", to_run.size(), " points (",
                               to_run.size() * static_cast<std::size_t>(runs_per_point), " backtests), more than ",
                               kSweepConfirmPoints,
                               "; add --yes to run them, or narrow --grid/--random or use --shard"));
  }
  if (const std::string bad = check_values(a, to_run); !bad.empty()) return usage_error(bad);

  OosSplit split;
  if (has_oos) {
    auto s = compute_oos_split(a.data, a.oos_frac);
    if (!s.ok()) return usage_error(std::string(s.status().message()));
    split = *s;
  }

  SweepRunOptions opts;
  opts.argv = backtest_argv(a, self_exe, has_oos ? -1 : 0, split.ts);
  if (has_oos) opts.oos_argv = backtest_argv(a, self_exe, +1, split.ts);
  opts.jobs = a.jobs > 0 ? a.jobs : default_jobs();
  opts.timeout_s = a.timeout_s;

  // From here on a signal stops the sweep instead of killing it. Installed before the results file
  // is written, so whoever waits for a new file to appear can rely on it.
  StopSignals signals;
  if (!signals.ok()) return runtime_error(str_cat("sweep: cannot create a pipe: ", std::strerror(errno)));
  opts.stop_fd = signals.read_fd();
  const std::size_t kept = resumed.kept.size();
  auto writer = ResultsWriter::create(a.out, param_keys, has_oos, std::move(resumed.kept));
  if (!writer.ok()) return runtime_error(str_cat("--out: ", std::string(writer.status().message())));

  std::string plan = str_cat("sweep: ", mine.size(), " point(s)");
  if (a.shard) str_append(plan, " (shard ", a.shard->index, '/', a.shard->count, " of ", all_points, ")");
  if (kept > 0 || resumed.dropped_errors > 0) {
    str_append(plan, ", ", kept, " already done in ", a.out, " (", resumed.dropped_errors, " failed row(s) to retry)");
  }
  str_append(plan, "; running ", to_run.size(),
             " point(s) = ", to_run.size() * static_cast<std::size_t>(runs_per_point), " backtest(s)",
             has_oos ? " (in- and out-of-sample)" : "", ", ", opts.jobs, " job(s), strategy ", a.strategy, ", data ",
             a.data);
  if (has_oos) {
    str_append(plan, "; out-of-sample from ts_local ", split.ts, " (event ", split.index, " of ", split.events, ")");
  }
  std::fprintf(stderr, "%s\n", plan.c_str());

  const int64_t t0 = core::monotonic_ns();
  absl::Status write_failed;
  opts.on_row = [&](const SweepRow& row, std::size_t done, std::size_t total) {
    const std::string line = progress_line(row, done, total, a.rank_metric);
    std::fprintf(stderr, "%s\n", line.c_str());
    if (done == 1 && total > 1) {
      // Points run side by side, runs_per_point slots each: the first one's time, scaled.
      const double first = static_cast<double>(core::monotonic_ns() - t0) / 1e9;
      const std::size_t parallel = std::max(1, opts.jobs / runs_per_point);
      const double est = first * static_cast<double>((total + parallel - 1) / parallel);
      std::fprintf(stderr, "sweep: first point took %.1f s; the %zu point(s) should take about %s in all (estimate)\n",
                   first, total, duration_text(est).c_str());
    }
    if (write_failed.ok()) {
      write_failed = writer->append(row);
      if (!write_failed.ok()) signals.stop();  // no point running what cannot be saved
    }
  };

  auto rows = run_sweep(to_run, opts);
  if (!rows.ok()) return runtime_error(std::string(rows.status().message()));
  const double secs = static_cast<double>(core::monotonic_ns() - t0) / 1e9;
  const int sig = StopSignals::signal();
  if (!write_failed.ok()) return runtime_error(std::string(write_failed.message()));
  if (absl::Status st = writer->finish(); !st.ok()) return runtime_error(std::string(st.message()));
  const std::vector<SweepRow>& all = writer->rows();

  if (sig != 0) {
    std::fprintf(stderr,
                 "sweep: interrupted by %s: %zu of %zu point(s) finished (%zu this run), kept in %s; resume with:\n"
                 "  %s\n",
                 signal_name(sig).c_str(), all.size(), mine.size(), rows->size(), a.out.c_str(),
                 resume_command(argc, argv).c_str());
    return interrupted_exit_code(sig);
  }

  std::size_t ok = 0;
  const SweepRow* first_failed = nullptr;
  for (const SweepRow& r : all) {
    if (r.ok) {
      ++ok;
    } else if (first_failed == nullptr) {
      first_failed = &r;
    }
  }
  std::string done_line = str_cat("sweep: ", all.size(), " row(s), ", ok, " ok, ", all.size() - ok, " failed");
  if (kept > 0) str_append(done_line, " (", kept, " kept from the earlier run)");
  char took[32];
  std::snprintf(took, sizeof took, ", %.1f s", secs);
  str_append(done_line, took, "; results in ", a.out);
  std::fprintf(stderr, "%s\n", done_line.c_str());
  if (all.empty()) return 0;  // a shard with no points has nothing to fail
  if (ok == 0) {
    return runtime_error(str_cat("every run failed; index ", first_failed->index, ": ", first_failed->error));
  }

  const std::vector<SweepRow> ranked = rank(all, a.rank_metric, !a.ascending);
  if (const std::string warn = undefined_metric_warning(all, a.rank_metric); !warn.empty()) {
    std::fprintf(stderr, "dmabot: %s\n", warn.c_str());
  }
  const std::string table = top_table(ranked, a.rank_metric, static_cast<std::size_t>(a.top));
  std::fputs(table.c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace dmabot::tools
