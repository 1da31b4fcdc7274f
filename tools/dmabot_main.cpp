// dmabot — the command-line program. `dmabot run` starts the engine from a preset; every subcommand
// has --help. Exit codes: 0 ok, 2 bad usage or configuration (one line naming the key/flag and the
// file), 1 runtime failure.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/strings.h"
#include "tools/as2008.h"
#include "tools/binance_sim/binance_sim_cli.h"
#include "tools/canary_cli.h"
#include "tools/cli_common.h"
#include "tools/config_cli.h"
#include "tools/convert_cli.h"
#include "tools/engine.h"
#include "tools/engine_config.h"
#include "tools/export_cli.h"
#include "tools/latency_cli.h"
#include "tools/replay_cli.h"
#include "tools/sign_cli.h"
#include "tools/sweep_cli.h"

namespace {

using dmabot::core::str_cat;
using dmabot::tools::usage_error;
using dmabot::tools::write_file;

constexpr const char* kMainHelp =
    "usage: dmabot <command> [options]\n"
    "\n"
    "commands:\n"
    "  run          run the engine from a preset (.env.mock, .env.local, .env.sandbox, .env.mainnet)\n"
    "  replay       re-run a recording or a raw Binance capture; --diff checks the decisions\n"
    "  backtest     replay market data through one strategy on the simulated exchange\n"
    "  convert      turn a capture or recording into a binary event cache (fast replays/backtests)\n"
    "  export       write a journal recording (RECORD_FORMAT=journal) as JSONL\n"
    "  latency      a recorded run's exact tick-to-order and tick-to-signal latency (p50..max)\n"
    "  sweep        parameter sweep over backtests (grid/random, shards, out-of-sample ranking)\n"
    "  sim          re-run a published market-making experiment (sim as2008)\n"
    "  config       list every configuration key with its default and meaning (config --list)\n"
    "  sign         sign a Binance request payload (HMAC or Ed25519) to debug -1022 signature errors\n"
    "  binance-sim  a local Binance Spot + USD-M Futures venue on loopback (TLS), for tests\n"
    "  canary       place one far post-only order on Binance and cancel it: proves keys, streams, acks\n"
    "\n"
    "Run 'dmabot <command> --help' for the options of a command.\n"
    "Exit codes: 0 ok, 2 bad usage or configuration, 1 runtime failure.\n";

constexpr const char* kRunHelp =
    "usage: dmabot run [--env FILE] [--set KEY=VALUE ...] [options]\n"
    "\n"
    "Runs the engine until SIGINT/SIGTERM (or --duration). On stop it cancels working orders, drains\n"
    "every stage, flushes the recorder (footer line) and prints a summary; exit code 0. A second\n"
    "Ctrl-C during a --fused shutdown kills the process at once.\n"
    "\n"
    "  --env FILE            .env preset to load (default .env.mock)\n"
    "  --set KEY=VALUE       override one key (repeatable); the process environment overrides the\n"
    "                        file, --set overrides both\n"
    "  --duration SECONDS    stop by itself after this many seconds\n"
    "  --fused               run every stage on one thread on simulated time until MOCK_MAX_TICKS\n"
    "                        ticks are done (or SIGINT/SIGTERM): the same config gives the same run,\n"
    "                        byte for byte\n"
    "  --summary-json FILE   also write the final summary as JSON\n"
    "  --metrics-out FILE    also write the final metrics (Prometheus text) on exit\n"
    "  --print-config        print the effective configuration (secrets masked) and exit\n"
    "  --help                this text\n";

int cmd_run(int argc, char** argv) {
  std::string env_file = ".env.mock";
  std::vector<std::string> overrides;
  double duration = 0;
  bool fused = false, print_config = false;
  std::string summary_json, metrics_out;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::fputs(kRunHelp, stdout);
      return 0;
    } else if (a == "--env") {
      if (!value(env_file)) return usage_error("--env needs a file");
    } else if (a == "--set") {
      if (!value(v)) return usage_error("--set needs KEY=VALUE");
      overrides.push_back(v);
    } else if (a == "--duration") {
      if (!value(v)) return usage_error("--duration needs a number of seconds");
      char* end = nullptr;
      duration = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(duration > 0))
        return usage_error(str_cat("--duration '", v, "' is not a positive number"));
    } else if (a == "--fused") {
      fused = true;
    } else if (a == "--summary-json") {
      if (!value(summary_json)) return usage_error("--summary-json needs a file");
    } else if (a == "--metrics-out") {
      if (!value(metrics_out)) return usage_error("--metrics-out needs a file");
    } else if (a == "--print-config") {
      print_config = true;
    } else {
      return usage_error(str_cat("run: unknown option '", a, "' (see dmabot run --help)"));
    }
  }

  if (std::string err = dmabot::tools::check_readable_file("--env", env_file); !err.empty()) return usage_error(err);
  auto cfg = dmabot::core::Config::load(env_file, overrides);
  if (!cfg.ok()) return usage_error(std::string(cfg.status().message()));
  auto ec = dmabot::tools::EngineConfig::from_config(*cfg);
  if (!ec.ok()) return usage_error(std::string(ec.status().message()));
  dmabot::core::set_log_level(ec->log_level);
  if (print_config) {
    for (const auto& [k, val] : ec->effective) std::printf("%s=%s\n", k.c_str(), val.c_str());
    return 0;
  }
  // VENUE_MODE=binance_*: BinanceSettings refused mainnet without CONFIRM_LIVE=yes above, before
  // anything connects.
  if (fused && ec->venue_mode.starts_with("binance")) {
    return usage_error(str_cat("--fused runs on simulated time; VENUE_MODE=", ec->venue_mode,
                               " is a live venue: run it without --fused"));
  }
  if (fused && ec->feed_mode == "binance") {
    return usage_error(
        "--fused runs on simulated time until the feed ends; FEED_MODE=binance is live market data: "
        "run it without --fused");
  }

  if (fused && ec->feed_mode == "mock" && ec->mock_feed.max_ticks == 0) {
    return usage_error("--fused runs on simulated time until the feed ends: set MOCK_MAX_TICKS too");
  }
  // Threaded: block the stop signals before any thread starts so that only this thread receives
  // them (sigtimedwait below). Fused: everything runs on this thread, so a handler sets a flag that
  // the fused loop reads once per pass.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  const std::atomic<int>* stop_flag = nullptr;
  if (fused) {
    stop_flag = &dmabot::tools::install_stop_handler();
  } else {
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  }
  // Fused runs use simulated time from a fixed origin, so the same config gives the same run.
  constexpr int64_t kSimulatedStart = 1'700'000'000'000'000'000;
  auto engine = dmabot::tools::Engine::create(
      std::move(*ec), *cfg, fused ? dmabot::core::Clock::simulated(kSimulatedStart) : dmabot::core::Clock::live());
  if (!engine.ok()) {
    // A venue that cannot be reached is a runtime failure (1); everything else is configuration (2).
    const absl::StatusCode code = engine.status().code();
    if (code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) {
      std::fprintf(stderr, "dmabot: %s\n", std::string(engine.status().message()).c_str());
      return 1;
    }
    return usage_error(std::string(engine.status().message()));
  }
  dmabot::tools::Engine& e = **engine;
  for (const std::string& note : dmabot::tools::start_notes(e.config())) dmabot::core::log_info(note);

  if (fused) {
    e.set_stop_flag(stop_flag);
    if (auto st = e.run_fused_to_completion(); !st.ok()) {
      std::fprintf(stderr, "dmabot: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    // Stopping a run is what Ctrl-C is for (as in a threaded run): the shutdown was complete, exit 0.
    if (e.stopped_by() != 0) {
      dmabot::core::log_info("received ", dmabot::tools::signal_name(e.stopped_by()), ": stopped the fused run after ",
                             e.market_events(), " ticks");
    }
  } else {
    if (auto st = e.start(); !st.ok()) {
      std::fprintf(stderr, "dmabot: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    const std::string metrics =
        e.config().metrics_port < 0 ? std::string("off") : str_cat("http://127.0.0.1:", e.metrics_port(), "/metrics");
    dmabot::core::log_info("dmabot running: feed=", e.config().feed_mode, " venue=", e.config().venue_mode,
                           " symbols=", e.symbols().size(), " metrics=", metrics,
                           e.config().record_file.empty() ? "" : " record=", e.config().record_file);
    const int64_t deadline = duration > 0 ? dmabot::core::monotonic_ns() + static_cast<int64_t>(duration * 1e9) : 0;
    for (;;) {
      timespec wait{0, 100'000'000};
      const int sig = sigtimedwait(&stop_signals, nullptr, &wait);
      if (sig == SIGINT || sig == SIGTERM) {
        dmabot::core::log_info("received ", sig == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
        break;
      }
      e.poll_events();  // logs kill-switch changes (risk only hands over a record; this thread formats)
      if (deadline != 0 && dmabot::core::monotonic_ns() >= deadline) break;
      if (e.feed_finished()) break;
    }
    e.shutdown();
  }

  const dmabot::tools::EngineSummary s = e.summary();
  std::fputs(s.to_text().c_str(), stdout);
  std::fflush(stdout);
  if (std::string warning = s.working_orders_warning(); !warning.empty())
    std::fprintf(stderr, "dmabot: %s\n", warning.c_str());
  if (!summary_json.empty() && !write_file(summary_json, s.to_json())) {
    std::fprintf(stderr, "dmabot: cannot write --summary-json %s\n", summary_json.c_str());
    return 1;
  }
  if (!metrics_out.empty() && !write_file(metrics_out, e.metrics().render())) {
    std::fprintf(stderr, "dmabot: cannot write --metrics-out %s\n", metrics_out.c_str());
    return 1;
  }
  if (std::string problem = s.recording_problem(); !problem.empty()) {
    // A recording with holes must not pass for a complete one.
    std::fprintf(stderr, "dmabot: %s\n", problem.c_str());
    return 1;
  }
  return 0;
}

constexpr const char* kSimHelp =
    "usage: dmabot sim as2008 [--paths N] [--seed S] [--json]\n"
    "\n"
    "Re-runs the simulation of Avellaneda & Stoikov, 'High-frequency trading in a limit order book'\n"
    "(Quantitative Finance, 2008): s0=100, T=1, sigma=2, dt=0.005, q0=0, k=1.5, A=140, gamma in\n"
    "{0.1, 0.01, 1}. For each gamma it prints the inventory strategy and the symmetric strategy\n"
    "(quotes centred on the mid with the inventory strategy's average spread): average spread, mean\n"
    "and standard deviation of final profit and of final inventory. Same seed, same table.\n"
    "\n"
    "  --paths N   simulated paths per strategy and gamma (default 1000)\n"
    "  --seed S    random seed (default 1)\n"
    "  --json      print the same figures as JSON\n";

bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

int cmd_sim(int argc, char** argv) {
  if (argc < 1 || std::string_view(argv[0]) == "--help" || std::string_view(argv[0]) == "-h") {
    std::fputs(kSimHelp, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  if (std::string_view(argv[0]) != "as2008")
    return usage_error(str_cat("sim: unknown experiment '", argv[0], "' (as2008)"));
  dmabot::tools::As2008Params p;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    uint64_t v = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kSimHelp, stdout);
      return 0;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--paths") {
      if (i + 1 >= argc || !parse_u64(argv[i + 1], v) || v < 2 || v > 10'000'000) {
        return usage_error("--paths needs a whole number from 2 to 10000000");
      }
      p.paths = static_cast<int>(v);
      ++i;
    } else if (a == "--seed") {
      if (i + 1 >= argc || !parse_u64(argv[i + 1], v)) return usage_error("--seed needs a non-negative whole number");
      p.seed = v;
      ++i;
    } else {
      return usage_error(str_cat("sim as2008: unknown option '", a, "' (see dmabot sim --help)"));
    }
  }
  const auto rows = dmabot::tools::run_as2008(p);
  std::fputs((json ? dmabot::tools::as2008_json(p, rows) : dmabot::tools::as2008_table(p, rows)).c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kMainHelp, stderr);
    return 2;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kMainHelp, stdout);
    return 0;
  }
  if (cmd == "run") return cmd_run(argc - 2, argv + 2);
  if (cmd == "sim") return cmd_sim(argc - 2, argv + 2);
  if (cmd == "replay") return dmabot::tools::replay_command(argc - 2, argv + 2);
  if (cmd == "backtest") return dmabot::tools::backtest_command(argc - 2, argv + 2);
  if (cmd == "convert") return dmabot::tools::convert_command(argc - 2, argv + 2);
  if (cmd == "export") return dmabot::tools::export_command(argc - 2, argv + 2);
  if (cmd == "latency") return dmabot::tools::latency_command(argc - 2, argv + 2);
  if (cmd == "config") return dmabot::tools::config_command(argc - 2, argv + 2);
  if (cmd == "sign") return dmabot::tools::sign_command(argc - 2, argv + 2);
  if (cmd == "canary") return dmabot::tools::canary_command(argc - 2, argv + 2);
  if (cmd == "binance-sim") return dmabot::binance_sim::run_binance_sim(argc - 2, argv + 2);
  if (cmd == "sweep") {
    // Children are this very binary: resolve it now, so a relative argv[0] or PATH lookup cannot pick another.
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    const std::string exe = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string(argv[0]);
    return dmabot::tools::sweep_command(argc - 2, argv + 2, exe);
  }
  return usage_error(str_cat("unknown command '", cmd, "' (see dmabot --help)"));
}
