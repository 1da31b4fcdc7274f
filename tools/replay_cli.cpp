#include "tools/replay_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/journal.h"
#include "core/log.h"
#include "core/strings.h"
#include "feed/capture_reader.h"
#include "feed/event_cache.h"
#include "feed/replay_feed.h"
#include "tools/backtest_driver.h"
#include "tools/backtest_report.h"
#include "tools/cli_common.h"
#include "tools/engine.h"
#include "tools/engine_config.h"
#include "tools/exact_replay.h"
#include "tools/replay_diff.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

constexpr core::UnixNanos kSyntheticStart = 1'700'000'000'000'000'000;

constexpr const char* kReplayHelp =
    "usage: dmabot replay FILE [--diff] [--set KEY=VALUE ...] [options]\n"
    "\n"
    "Re-runs FILE through the strategies, risk and router with every stage on one thread and a\n"
    "simulated clock. FILE is a recording (RECORD_FILE), a raw Binance capture (gzip or plain,\n"
    "'<local time> <combined-stream JSON>' lines) or an event cache ('dmabot convert'). A recording is\n"
    "replayed with the config in its header, so its Signal and Order decisions come out again; a\n"
    "capture or cache with --env/--set (SYMBOLS, TICK_SIZE...). A journal recorded with\n"
    "RECORD_FORMAT=journal holds each stage's input takes and replays exactly: every stage takes the\n"
    "same inputs in the same order at the same times, so a threaded live run's decisions come out\n"
    "again; one that cannot be followed (damaged, cut short) ends with a line naming where, exit 1.\n"
    "Malformed or truncated lines are counted and reported with their line numbers.\n"
    "\n"
    "  --diff               compare the replayed decisions with the recorded ones; print the first\n"
    "                       divergence (line, field, recorded vs replayed) and exit 1 if there is one\n"
    "  --set KEY=VALUE      override one config key (repeatable)\n"
    "  --env FILE           config for a raw capture (a recording uses its own header)\n"
    "  --record OUT         write the replay's own recording to OUT (also --set RECORD_FILE=OUT; a\n"
    "                       RECORD_FILE from --env or the recording's header is ignored)\n"
    "  --force              let --record overwrite an existing file (otherwise exit 2)\n"
    "  --summary-json FILE  also write the summary as JSON\n"
    "  --from NS, --until NS  replay only events with from <= local time < until (ns since the epoch)\n"
    "  --help               this text\n"
    "\n"
    "The process environment is ignored: a replay depends only on FILE and these options.\n"
    "Exit codes: 0 ok, 1 --diff found a divergence or reading stopped early, 2 bad usage or input\n"
    "(missing file, a directory, not a recording/capture/cache, SYMBOLS absent from FILE), 130/143\n"
    "interrupted by SIGINT/SIGTERM (partial summary printed; --summary-json and --diff skipped).\n";

constexpr const char* kBacktestHelp =
    "usage: dmabot backtest --data FILE --strategy NAME [--set KEY=VALUE ...] [--out DIR] [options]\n"
    "\n"
    "Replays FILE (a raw Binance capture or a dmabot recording) through one strategy, risk and the\n"
    "simulated exchange (VENUE_MODE=sim: latency, queue position, partial fills, fees, funding), every\n"
    "stage on one thread and a simulated clock. Prints the summary and writes DIR/summary.json and\n"
    "DIR/report.html (one self-contained page: parameters, PnL split, trades, rejects, charts with fills,\n"
    "fills table with markouts).\n"
    "\n"
    "  --data FILE          market data to replay (capture, recording, or an event cache from\n"
    "                       'dmabot convert', the fastest), or 'synthetic' for the synthetic L1 market\n"
    "                       (SYN_* keys: Brownian mid, fixed spread, Poisson market orders that fill\n"
    "                       a quote at distance d from the mid with intensity A*exp(-k*d))\n"
    "  --strategy NAME      dynmm, as, mean_reversion, ma_cross, vol_breakout\n"
    "  --env FILE           base config (.env format); --set overrides it\n"
    "  --set KEY=VALUE      override one key (repeatable): strategy parameters, SYMBOLS, TICK_SIZE,\n"
    "                       STEP_SIZE, SIM_* (exchange model), BACKTEST_* (report), risk limits\n"
    "  --out DIR            output directory (default backtest_out; created if missing)\n"
    "  --json-summary-only  print only the summary as one JSON line (files written only with --out)\n"
    "  --record OUT         also write the JSONL recording of the run to OUT (also --set\n"
    "                       RECORD_FILE=OUT; a RECORD_FILE in --env is ignored: no recording by default)\n"
    "  --force              let --record overwrite an existing file (otherwise exit 2)\n"
    "  --from NS, --until NS  replay only events with from <= local time < until (ns since the epoch)\n"
    "  --help               this text\n"
    "\n"
    "A progress line is shown on stderr when stderr is a terminal. The process environment is ignored.\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input, 130/143 interrupted by SIGINT/SIGTERM:\n"
    "then summary.json and report.html are not written and --json-summary-only prints nothing.\n";

// Options shared by replay and backtest.
struct CommonArgs {
  std::string env_file;
  std::vector<std::string> sets;
  std::string from, until;
  std::string record;  // --record OUT
  bool force = false;  // --force: --record may overwrite
};

// A flag that takes the next argument as its value; `needs` completes "FLAG needs ...".
struct ValueFlag {
  std::string_view name;
  std::string* dst;
  const char* needs;
};

// Handles --env/--set/--from/--until and the command's own value flags; returns 1 if consumed, 0 if
// not one of them, -1 on a missing value (err says which).
int value_flag(std::string_view a, ArgCursor& args, CommonArgs& c, std::initializer_list<ValueFlag> own,
               std::string& err) {
  std::string set;
  const ValueFlag common[] = {{"--env", &c.env_file, "a file"},
                              {"--from", &c.from, "a time in ns"},
                              {"--until", &c.until, "a time in ns"},
                              {"--record", &c.record, "a file"},
                              {"--set", &set, "KEY=VALUE"}};
  const ValueFlag* f = nullptr;
  for (const ValueFlag& x : common) f = f == nullptr && x.name == a ? &x : f;
  for (const ValueFlag& x : own) f = f == nullptr && x.name == a ? &x : f;
  if (f == nullptr) return 0;
  if (!args.take_value(*f->dst)) {
    err = str_cat(a, " needs ", f->needs);
    return -1;
  }
  if (f->dst == &set) c.sets.push_back(set);
  return 1;
}

// --from/--until become REPLAY_FROM_NS/REPLAY_UNTIL_NS overrides; errors name the flags as typed.
bool window_overrides(const CommonArgs& c, std::vector<std::string>& out, std::string& err) {
  int64_t from = 0, until = 0;
  if (!c.from.empty()) {
    if (!parse_non_negative(c.from, from)) return err = str_cat("--from '", c.from, "' is not a time in ns"), false;
    out.push_back(str_cat("REPLAY_FROM_NS=", c.from));
  }
  if (!c.until.empty()) {
    if (!parse_non_negative(c.until, until)) return err = str_cat("--until '", c.until, "' is not a time in ns"), false;
    out.push_back(str_cat("REPLAY_UNTIL_NS=", c.until));
  }
  if (!c.from.empty() && !c.until.empty() && from >= until) {
    err = str_cat("--from ", c.from, " --until ", c.until,
                  ": the window from <= t < until is empty (--from must be "
                  "before --until)");
    return false;
  }
  return true;
}

// The files of the rotated recording `path` belongs to (core/recorder.h: PATH, PATH.1, PATH.2, ...; any
// of them names the set), in order; empty when `path` is not part of one.
std::vector<std::string> rotated_parts(const std::string& path) {
  struct stat st {};
  auto exists = [&st](const std::string& p) { return ::stat(p.c_str(), &st) == 0; };
  std::string base = path;
  if (const std::size_t dot = path.rfind('.');
      dot != std::string::npos && dot + 1 < path.size() &&
      std::all_of(path.begin() + static_cast<std::ptrdiff_t>(dot) + 1, path.end(),
                  [](char ch) { return ch >= '0' && ch <= '9'; })) {
    base = path.substr(0, dot);
    if (!exists(base)) base = path;
  }
  std::vector<std::string> parts;
  if (base == path && !exists(path + ".1")) return parts;
  parts.push_back(base);
  for (int k = 1; exists(str_cat(base, ".", k)); ++k) parts.push_back(str_cat(base, ".", k));
  return parts;
}

// Unlinks a temporary file when the command returns.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

// Where a replay or backtest records: --record OUT, else an explicit --set RECORD_FILE=OUT, else
// nowhere — never a preset's or a recording header's RECORD_FILE (a backtest in a live run's working
// directory would overwrite its recording). An existing OUT is refused unless --force; OUT may never
// be the input itself.
bool record_target(const CommonArgs& c, const std::string& input, std::string& out, std::string& err) {
  std::string flag = "--record";
  out = c.record;
  if (out.empty()) {
    for (const std::string& kv : c.sets) {
      if (core::starts_with(kv, "RECORD_FILE=")) out = kv.substr(12), flag = "--set RECORD_FILE=";
    }
  }
  if (out.empty()) return true;
  const std::string named = flag == "--record" ? str_cat("--record ", out) : str_cat(flag, out);
  struct stat o {};
  if (::stat(out.c_str(), &o) != 0) return true;
  struct stat in {};
  if (::stat(input.c_str(), &in) == 0 && in.st_dev == o.st_dev && in.st_ino == o.st_ino) {
    return err = str_cat(named, ": is the input file itself; record elsewhere"), false;
  }
  if (S_ISDIR(o.st_mode)) return err = str_cat(named, ": is a directory"), false;
  if (!c.force) return err = str_cat(named, ": already exists; pass --force to overwrite it"), false;
  return true;
}

// Shared by replay and backtest: a replay that delivered nothing because none of SYMBOLS is in the
// file is a usage error (exit 2), not a run with ticks=0. Returns "" when fine.
std::string symbols_missing(const Engine& e, const std::string& path) {
  const feed::ReplayFeed* rf = e.replay_feed();
  if (rf == nullptr || e.market_events() != 0 || rf->stats().unconfigured_symbol == 0) return "";
  std::string have, want;
  for (std::size_t i = 0; i < e.replay_symbols().size(); ++i) {
    core::str_append(have, i ? "," : "", e.replay_symbols().name(static_cast<core::SymbolId>(i)));
  }
  for (std::size_t i = 0; i < e.symbols().size(); ++i) {
    core::str_append(want, i ? "," : "", e.symbols().name(static_cast<core::SymbolId>(i)));
  }
  return str_cat("SYMBOLS=", want, ": ", path, " has no events for these symbols (it has ", have, ")");
}

// One stderr line for a run cut short by SIGINT/SIGTERM.
void report_interrupted(std::string_view cmd, const Engine& e, std::string_view what_is_skipped) {
  std::fprintf(stderr, "dmabot: %.*s interrupted by %s after %llu market events: partial results; %.*s\n",
               static_cast<int>(cmd.size()), cmd.data(), signal_name(e.stopped_by()).c_str(),
               static_cast<unsigned long long>(e.market_events()), static_cast<int>(what_is_skipped.size()),
               what_is_skipped.data());
}

// Time of the first market event at or after `from`: where the simulated clock starts.
// The market a raw Binance capture comes from, for the fee defaults: USD-M bookTickers carry the
// event time ("E"/"T"), spot ones do not (BINANCE.md). "" when the file is no capture or holds no
// bookTicker in its first 10,000 events.
std::string capture_market_type(const std::string& path) {
  if (!feed::is_raw_capture(path)) return "";
  core::SymbolTable scratch;
  feed::CaptureReader reader(scratch);
  if (!reader.open(path).ok()) return "";
  feed::CaptureEvent ev;
  for (int i = 0; i < 10'000 && reader.next(ev); ++i) {
    if (ev.kind == feed::CaptureEvent::kMdTick) return ev.tick.ts_exchange != 0 ? "usdm" : "spot";
  }
  return "";
}

// Loads the config of a replay or backtest of `data`; when the data is a USD-M capture and nothing
// set MARKET_TYPE, the fees default to USD-M's base tier (MARKET_TYPE=usdm), and a line says so.
absl::StatusOr<core::Config> load_for_data(const std::string& env_file, std::vector<std::string> overrides,
                                           const std::string& data) {
  auto cfg = core::Config::load(env_file, overrides, &core::Config::no_env);
  if (!cfg.ok() || cfg->has("MARKET_TYPE") || capture_market_type(data) != "usdm") return cfg;
  std::fprintf(stderr,
               "dmabot: %s is a USD-M futures capture: MARKET_TYPE=usdm (fees default to USD-M's base tier; "
               "--set MARKET_TYPE=spot to override)\n",
               data.c_str());
  overrides.push_back("MARKET_TYPE=usdm");
  return core::Config::load(env_file, overrides, &core::Config::no_env);
}

absl::StatusOr<core::UnixNanos> first_event_time(const std::string& path, const EngineConfig& ec) {
  const core::UnixNanos from = ec.replay_from_ns;
  core::SymbolTable scratch;
  feed::SourceOptions options;  // the same line limit as the replay itself
  options.max_line_bytes = static_cast<std::size_t>(ec.replay_max_line_bytes);
  auto src = feed::open_source(path, scratch, options);
  if (!src.ok()) return src.status();
  feed::ReplayEvent e;
  while ((*src)->next(e)) {
    if (e.ts_local >= from) return e.ts_local;
  }
  return core::UnixNanos{0};
}

// "FILE:LINE: time goes backwards ...": where the data's local time first steps back, how often and
// how far. Such events are replayed at once, at the latest time already reached.
std::string time_backwards_note(const feed::ReplayStats& st, const std::string& path) {
  return str_cat(path, ":", st.first_out_of_order_line, ": time goes backwards: ", st.out_of_order,
                 " event(s) older than one before them (this one by ",
                 core::format_fixed(static_cast<double>(st.first_out_of_order_ns) / 1e6, 3), " ms, the largest step ",
                 core::format_fixed(static_cast<double>(st.max_out_of_order_ns) / 1e6, 3),
                 " ms); they are replayed at the latest time already reached");
}

// Prints what the replay read: events, skips, malformed lines (first few with line numbers).
// Returns false when reading stopped early (I/O error, truncated gzip).
bool report_replay(const Engine& e, const std::string& path, bool quiet) {
  const feed::ReplayFeed* rf = e.replay_feed();
  if (rf == nullptr) return true;
  const feed::ReplayStats st = rf->stats();
  const feed::SourceStats& src = st.source;
  if (!quiet) {
    std::fprintf(stderr,
                 "replay: %s: %llu lines, %llu ticks, %llu trades, %llu mark prices; skipped %llu other lines, "
                 "%llu events of symbols not in SYMBOLS, %llu outside --from/--until; %llu malformed\n",
                 path.c_str(), static_cast<unsigned long long>(src.lines),
                 static_cast<unsigned long long>(st.delivered[feed::ReplayEvent::kMdTick]),
                 static_cast<unsigned long long>(st.delivered[feed::ReplayEvent::kTrade]),
                 static_cast<unsigned long long>(st.delivered[feed::ReplayEvent::kMarkPrice]),
                 static_cast<unsigned long long>(src.skipped), static_cast<unsigned long long>(st.unconfigured_symbol),
                 static_cast<unsigned long long>(st.outside_window), static_cast<unsigned long long>(src.malformed));
  }
  for (std::size_t i = 0; i < src.samples.size() && i < 5; ++i) {
    std::fprintf(stderr, "dmabot: %s:%llu: %s\n", path.c_str(), static_cast<unsigned long long>(src.samples[i].line),
                 src.samples[i].reason.c_str());
  }
  if (src.malformed > 5) {
    std::fprintf(stderr, "dmabot: %s: %llu more malformed lines\n", path.c_str(),
                 static_cast<unsigned long long>(src.malformed - 5));
  }
  if (st.out_of_order > 0) {
    std::fprintf(stderr, "dmabot: %s\n", time_backwards_note(st, path).c_str());
  }
  if (absl::Status s = rf->status(); !s.ok()) {
    std::fprintf(stderr, "dmabot: %s\n", std::string(s.message()).c_str());
    return false;
  }
  return true;
}

// A file in $TMPDIR (or /tmp) that the caller removes.
std::string temp_path(std::string_view stem) {
  const char* dir = std::getenv("TMPDIR");
  std::string tmpl = str_cat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/dmabot-", stem, "-XXXXXX");
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) return "";
  close(fd);
  return tmpl;
}

// True when `path` starts with the journal's magic bytes.
bool is_journal(const std::string& path) {
  char head[sizeof core::journal::kMagic] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const std::size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return core::journal::has_magic(std::string_view(head, n));
}

}  // namespace

int replay_command(int argc, char** argv) {
  ArgCursor args(argc, argv);
  CommonArgs c;
  std::string file, summary_json;
  bool diff = false;
  while (!args.done()) {
    const std::string_view a = args.next();
    std::string err;
    const int r = value_flag(a, args, c, {{"--summary-json", &summary_json, "a file"}}, err);
    if (r < 0) return usage_error(err);
    if (r > 0) continue;
    if (a == "--help" || a == "-h") {
      std::fputs(kReplayHelp, stdout);
      return kExitOk;
    } else if (a == "--diff") {
      diff = true;
    } else if (a == "--force") {
      c.force = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error(str_cat("replay: unknown option '", a, "' (see dmabot replay --help)"));
    } else if (file.empty()) {
      file = std::string(a);
    } else {
      return usage_error(str_cat("replay: one FILE only ('", file, "' and '", a, "')"));
    }
  }
  if (file.empty()) return usage_error("replay: needs a FILE (see dmabot replay --help)");
  const std::size_t line_limit = replay_line_limit(c.sets);
  if (std::string err = check_market_data("", file, line_limit); !err.empty()) return usage_error(err);
  if (!c.env_file.empty()) {
    if (std::string err = check_readable_file("--env", c.env_file); !err.empty()) return usage_error(err);
  }

  // A rotated journal replays as one (its input takes run on from file to file): its parts joined into a
  // temporary journal, which is then the file replayed and compared.
  TempFile joined;
  std::string shown = file;  // the name reports use (the set, when joined)
  std::vector<std::string> parts;
  if (is_journal(file)) {
    if (parts = rotated_parts(file); !parts.empty()) {
      joined.path = temp_path("joined");
      if (joined.path.empty())
        return runtime_error("cannot create a temporary file to join a rotated journal (set TMPDIR)");
      auto slots = join_rotated_journal(parts, joined.path);
      if (!slots.ok()) return usage_error(std::string(slots.status().message()));
      core::log_info("replay: ", file, " is part of a rotated recording: ", parts.front(), " .. ", parts.back(), " (",
                     parts.size(), " files, ", *slots, " slots) replayed as one");
      shown = str_cat(parts.front(), " .. ", parts.back());
      file = joined.path;
    }
  }

  // A raw capture and an event cache hold market data only: both replay with --env/--set.
  const bool capture = feed::is_raw_capture(file) || feed::is_event_cache(file);
  if (diff && capture)
    return usage_error(str_cat("--diff: ", file, " is a raw capture or event cache; it holds no decisions to compare"));

  std::string err;
  std::vector<std::string> overrides = c.sets;
  if (!window_overrides(c, overrides, err)) return usage_error(err);
  std::string out;
  if (!record_target(c, file, out, err)) return usage_error(err);
  for (const std::string& part : parts) {  // a joined recording: OUT is none of its files either
    if (!record_target(c, part, out, err)) return usage_error(err);
  }
  const bool temp_out = diff && out.empty();
  if (temp_out) {
    out = temp_path("replay");
    if (out.empty()) return runtime_error("cannot create a temporary file for --diff (set TMPDIR)");
  }
  // A replay connects to nothing: a live run's CA file (BINANCE_CA_FILE, e.g. a sim's temporary one)
  // need not exist any more.
  for (std::string kv : {str_cat("FEED_MODE=replay"), str_cat("REPLAY_FILE=", file), str_cat("RECORD_FILE=", out),
                         str_cat("METRICS_PORT=-1"), str_cat("BINANCE_CA_FILE=")}) {
    overrides.push_back(std::move(kv));
  }

  absl::StatusOr<core::Config> cfg = absl::InvalidArgumentError("");
  if (capture) {
    cfg = load_for_data(c.env_file, overrides, file);
  } else {
    if (!c.env_file.empty())
      return usage_error("--env: a recording is replayed with the config in its header; use --set");
    core::SymbolTable scratch;
    feed::RecordingSource rs(scratch, line_limit);
    if (absl::Status st = rs.open(file); !st.ok()) return usage_error(std::string(st.message()));
    // A recording outlives the build that made it: keys this build no longer has (removed or
    // renamed since) are dropped with a warning instead of making the recording unreplayable.
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string dropped;
    for (const auto& kv : rs.header().pairs) {
      if (find_config_key(kv.first) != nullptr) {
        pairs.push_back(kv);
      } else {
        core::str_append(dropped, dropped.empty() ? "" : ", ", kv.first);
      }
    }
    if (!dropped.empty()) {
      std::fprintf(stderr,
                   "dmabot: warning: %s (config header): keys this build does not know, ignored: %s (recorded by "
                   "another version; its decisions may not come out again)\n",
                   file.c_str(), dropped.c_str());
    }
    cfg = core::Config::from_pairs(pairs, str_cat(file, " (config header)"), overrides, &core::Config::no_env);
  }
  auto cleanup = [&] {
    if (temp_out) ::unlink(out.c_str());
  };
  if (!cfg.ok()) return cleanup(), usage_error(std::string(cfg.status().message()));
  auto ec = EngineConfig::from_config(*cfg, /*connects=*/false);
  if (!ec.ok()) return cleanup(), usage_error(std::string(ec.status().message()));
  core::set_log_level(ec->log_level);
  // A journal with the decision stages' input takes replays exactly (tools/exact_replay.h): the same
  // inputs in the same order at the same times, so a threaded live run's decisions come out again —
  // also a live Binance run's: its venues are the recorded reports and position events.
  ExactReplay exact;
  if (!capture && is_journal(file)) {
    auto loaded = load_exact_replay(file);
    if (!loaded.ok()) return cleanup(), usage_error(std::string(loaded.status().message()));
    exact = std::move(*loaded);
  }
  const bool exact_mode = exact.take_records != 0;
  if (ec->venue_mode != "mock" && ec->venue_mode != "sim" && !exact_mode) {
    return cleanup(), usage_error(str_cat("VENUE_MODE=", ec->venue_mode,
                                          ": replay runs against mock or sim venues only (a journal with input "
                                          "takes, RECORD_FORMAT=journal, replays a live venue's run exactly)"));
  }
  auto start = first_event_time(file, *ec);
  if (!start.ok()) return cleanup(), usage_error(std::string(start.status().message()));
  if (exact_mode && (ec->replay_from_ns != 0 || ec->replay_until_ns != 0)) {
    return cleanup(), usage_error(str_cat("--from/--until: ", file,
                                          " replays exactly (input takes), which needs all of it; export it to "
                                          "JSONL (dmabot export) for a market-data replay of a window"));
  }
  EngineOptions options;
  if (exact_mode) options.exact = &exact;
  auto engine = Engine::create(std::move(*ec), *cfg, core::Clock::simulated(*start), options);
  if (!engine.ok()) return cleanup(), usage_error(std::string(engine.status().message()));
  Engine& e = **engine;
  e.set_stop_flag(&install_stop_handler());
  if (exact_mode) {
    core::log_info("replay: exact (", exact.take_records, " input take records)");
    const absl::Status st = e.run_exact_to_completion();
    // A recording cut short is the cause of whatever could not be followed at its end: say that first.
    if (!exact.incomplete.empty() && e.stopped_by() == 0) {
      std::string then(st.message());
      if (const std::string prefix = str_cat("exact replay of ", file, ": "); then.rfind(prefix, 0) == 0) {
        then.erase(0, prefix.size());
      }
      return cleanup(),
             runtime_error(str_cat("exact replay of ", file, ": the recording is incomplete: ", exact.incomplete,
                                   "; its decisions were followed up to there only",
                                   st.ok() ? "" : str_cat(" (then: ", then, ")")));
    }
    if (!st.ok()) return cleanup(), runtime_error(std::string(st.message()));
  } else if (auto st = e.run_fused_to_completion(); !st.ok()) {
    return cleanup(), runtime_error(std::string(st.message()));
  }
  if (e.stopped_by() != 0) {
    std::fputs(e.summary().to_text().c_str(), stdout);
    std::fflush(stdout);
    report_interrupted("replay", e, "--summary-json and --diff skipped");
    cleanup();
    return interrupted_exit_code(e.stopped_by());
  }
  if (std::string missing = symbols_missing(e, file); !missing.empty()) return cleanup(), usage_error(missing);
  const bool read_ok = report_replay(e, shown, false);
  const EngineSummary s = e.summary();
  std::fputs(s.to_text().c_str(), stdout);
  if (!summary_json.empty() && !write_file(summary_json, s.to_json())) {
    return cleanup(), runtime_error(str_cat("cannot write --summary-json ", summary_json));
  }
  int rc = read_ok ? kExitOk : kExitRuntime;
  if (std::string problem = s.recording_problem(); !problem.empty()) {
    std::fprintf(stderr, "dmabot: %s\n", problem.c_str());
    rc = kExitRuntime;
  }
  if (diff) {
    auto d = diff_decisions(file, out);
    if (!d.ok()) return cleanup(), runtime_error(std::string(d.status().message()));
    std::printf("diff: %s\n", d->to_text().c_str());
    if (!d->identical) rc = kExitRuntime;
  }
  std::fflush(stdout);
  cleanup();
  return rc;
}

namespace {

struct ProgressState {
  int64_t started = 0;
};

void show_progress(const BacktestProgress& p, void* ctx) {
  const auto* st = static_cast<const ProgressState*>(ctx);
  const double secs = static_cast<double>(core::monotonic_ns() - st->started) / 1e9;
  const double rate = secs > 0 ? static_cast<double>(p.events) / 1e6 / secs : 0.0;
  if (p.fraction < 0) {
    std::fprintf(stderr, "\r[backtest] %.2fM events  %.1f s  %.2fM events/s ", static_cast<double>(p.events) / 1e6,
                 secs, rate);
  } else {
    constexpr int kWidth = 30;
    char bar[kWidth + 1];
    const int filled = static_cast<int>(p.fraction * kWidth);
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    std::fprintf(stderr, "\r[%s] %3.0f%%  %.2fM events  %.1f s  %.2fM events/s ", bar, p.fraction * 100,
                 static_cast<double>(p.events) / 1e6, secs, rate);
  }
  std::fflush(stderr);
}

}  // namespace

std::vector<std::string> backtest_overrides(std::vector<std::string> user, const std::string& strategy,
                                            const std::string& data) {
  std::vector<std::string> overrides = {"VENUE_MODE=sim", "METRICS_PORT=-1", "LOG_LEVEL=warn"};
  overrides.insert(overrides.end(), std::make_move_iterator(user.begin()), std::make_move_iterator(user.end()));
  overrides.push_back(str_cat("STRATEGIES=", strategy));
  if (data == "synthetic") {
    overrides.push_back("FEED_MODE=synthetic");
  } else {
    overrides.push_back("FEED_MODE=replay");
    overrides.push_back(str_cat("REPLAY_FILE=", data));
  }
  return overrides;
}

int backtest_command(int argc, char** argv) {
  ArgCursor args(argc, argv);
  CommonArgs c;
  std::string data, strategy, out_dir;
  bool json_only = false;
  while (!args.done()) {
    const std::string_view a = args.next();
    std::string err;
    const int r = value_flag(
        a, args, c,
        {{"--data", &data, "a file"}, {"--strategy", &strategy, "a name"}, {"--out", &out_dir, "a directory"}}, err);
    if (r < 0) return usage_error(err);
    if (r > 0) continue;
    if (a == "--help" || a == "-h") {
      std::fputs(kBacktestHelp, stdout);
      return kExitOk;
    } else if (a == "--json-summary-only") {
      json_only = true;
    } else if (a == "--force") {
      c.force = true;
    } else {
      return usage_error(str_cat("backtest: unknown option '", a, "' (see dmabot backtest --help)"));
    }
  }
  if (data.empty()) return usage_error("backtest: --data FILE is required (see dmabot backtest --help)");
  if (strategy.empty()) return usage_error("backtest: --strategy NAME is required (see dmabot backtest --help)");
  const bool synthetic = data == "synthetic";
  if (!synthetic) {
    if (std::string err = check_market_data("--data", data, replay_line_limit(c.sets)); !err.empty())
      return usage_error(err);
  }
  if (!c.env_file.empty()) {
    if (std::string err = check_readable_file("--env", c.env_file); !err.empty()) return usage_error(err);
  }
  if (synthetic && (!c.from.empty() || !c.until.empty())) {
    return usage_error("--from/--until: --data synthetic has no recorded time to cut (use SYN_STEPS)");
  }
  const bool write_files = !json_only || !out_dir.empty();
  if (out_dir.empty()) out_dir = "backtest_out";
  if (write_files) {
    // Checked now, not after a long run: the directory exists (or is made) and takes files.
    if (::mkdir(out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return usage_error(str_cat("--out ", out_dir, ": cannot create the directory: ", std::strerror(errno)));
    }
    struct stat sb {};
    if (::stat(out_dir.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      return usage_error(str_cat("--out ", out_dir, ": not a directory"));
    }
    if (::access(out_dir.c_str(), W_OK | X_OK) != 0) {
      return usage_error(str_cat("--out ", out_dir, ": not writable: ", std::strerror(errno)));
    }
  }

  std::vector<std::string> overrides = backtest_overrides(c.sets, strategy, data);
  std::string err;
  if (!window_overrides(c, overrides, err)) return usage_error(err);
  std::string record;
  if (!record_target(c, data, record, err)) return usage_error(err);
  overrides.push_back(str_cat("RECORD_FILE=", record));
  auto cfg = synthetic ? core::Config::load(c.env_file, overrides, &core::Config::no_env)
                       : load_for_data(c.env_file, overrides, data);
  if (!cfg.ok()) return usage_error(std::string(cfg.status().message()));
  auto ec = EngineConfig::from_config(*cfg);
  if (!ec.ok()) return usage_error(std::string(ec.status().message()));
  core::set_log_level(ec->log_level);
  if (ec->venue_mode != "mock" && ec->venue_mode != "sim") {
    return usage_error(str_cat("VENUE_MODE=", ec->venue_mode, ": a backtest runs against the sim (or mock) venue"));
  }
  // Synthetic markets start at a fixed time, so the same config gives the same run.
  absl::StatusOr<core::UnixNanos> start = kSyntheticStart;
  if (!synthetic) start = first_event_time(data, *ec);
  if (!start.ok()) return usage_error(std::string(start.status().message()));
  auto engine = Engine::create(std::move(*ec), *cfg, core::Clock::simulated(*start), EngineOptions{true});
  if (!engine.ok()) return usage_error(std::string(engine.status().message()));
  Engine& e = **engine;
  e.set_stop_flag(&install_stop_handler());

  BacktestRecorder rec(e.config().backtest);
  ProgressState ps{core::monotonic_ns()};
  const bool tty = !json_only && ::isatty(STDERR_FILENO) == 1;
  if (auto st = run_backtest(e, rec, 0, tty ? &show_progress : nullptr, &ps); !st.ok()) {
    return runtime_error(std::string(st.message()));
  }
  if (tty) std::fputs("\r\033[K", stderr);
  BacktestSummary s = summarize(rec, e.market_events());
  if (const feed::ReplayFeed* rf = e.replay_feed(); rf != nullptr && rf->stats().out_of_order > 0) {
    s.warnings.push_back(time_backwards_note(rf->stats(), data));
  }
  if (e.stopped_by() != 0) {
    // Partial results must not pass for a finished backtest: no files, nothing a sweep could parse.
    if (!json_only) {
      std::printf("backtest: INTERRUPTED (partial results) strategy=%s data=%s\n%s", strategy.c_str(), data.c_str(),
                  s.to_text().c_str());
      std::fflush(stdout);
    }
    report_interrupted("backtest", e, "summary.json and report.html not written");
    return interrupted_exit_code(e.stopped_by());
  }
  if (std::string missing = symbols_missing(e, data); !missing.empty()) return usage_error(missing);
  const bool read_ok = report_replay(e, data, json_only);
  if (s.orders == 0) {
    // Not an error (a strategy may rightly stay out), but the usual cause is a size that rounds to
    // zero at STEP_SIZE or falls under MIN_NOTIONAL: say so rather than print a silent row of zeros.
    const EngineSummary es = e.summary();
    std::fprintf(stderr,
                 "dmabot: warning: %s sent no orders (%llu signals, %llu rejected by risk); check its order size "
                 "against STEP_SIZE and MIN_NOTIONAL\n",
                 strategy.c_str(), static_cast<unsigned long long>(es.signals),
                 static_cast<unsigned long long>(es.risk_rejects));
  }
  if (json_only) {
    std::printf("%s\n", s.to_json().c_str());
  } else {
    std::printf("backtest: strategy=%s data=%s\n%s", strategy.c_str(), data.c_str(), s.to_text().c_str());
  }
  if (write_files) {
    const std::string title = str_cat("dmabot backtest: ", strategy, " on ", data);
    if (!write_file(str_cat(out_dir, "/summary.json"), s.to_json_document()) ||
        !write_file(str_cat(out_dir, "/report.html"), render_html(s, rec, title))) {
      return runtime_error(str_cat("--out ", out_dir, ": cannot write summary.json/report.html"));
    }
    if (!json_only) std::printf("wrote %s/summary.json and %s/report.html\n", out_dir.c_str(), out_dir.c_str());
  }
  std::fflush(stdout);
  if (std::string problem = e.summary().recording_problem(); !problem.empty()) {
    std::fprintf(stderr, "dmabot: %s\n", problem.c_str());
    return kExitRuntime;
  }
  return read_ok ? kExitOk : kExitRuntime;
}

}  // namespace dmabot::tools
