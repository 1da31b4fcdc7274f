// The soak (`make soak`, not part of `make test`): every binance-sim fault at once for SOAK_SECONDS
// (default 300), half on Spot, half on USD-M, the engine quoting ETHUSDT with the market maker; the
// sim's clock also jumps back and forth every 20 s (-1021 each time). Then the ledger is held against
// the engine (venue_ledger_check.h) and one line per product is printed: orders sent, the faults that
// hit the engine (by kind), and the drift found (must be 0). The run is recorded as a journal with
// input takes (the live presets' format), and its exact replay must make every decision again.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/tools/venue_ledger_check.h"

namespace dmabot::testing {
namespace {

double soak_seconds() {
  const char* s = std::getenv("SOAK_SECONDS");
  const double v = s != nullptr ? std::strtod(s, nullptr) : 300;
  return v >= 10 ? v : 300;
}

double metric_sum(Engine& e, const std::string& name) {
  const std::string text = e.metrics().render();
  const std::string key = "\n" + name + "{";
  double sum = 0;
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const std::size_t sp = text.find("} ", at);
    if (sp != std::string::npos) sum += std::strtod(text.c_str() + sp + 2, nullptr);
  }
  return sum;
}

void soak(bool futures, double seconds) {
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  const std::vector<std::string> faults = {"drop-ws-every-s=25", "http-5xx-rate=0.02",    "http-5xx-applied-rate=0.02",
                                           "clock-skew-ms=1500", "listenkey-expire-s=40", "reject-rate=0.05",
                                           "stall-stream-s=15",  "weight-limit=3000",     "latency-ms=2"};
  SimProcess sim(faults, {"--ledger", ledger, "--admin", "--seed", "11"});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string journal = sim.dir + "/venue.journal", record = sim.dir + "/venue.jsonl";
  auto engine = venue_engine(
      with(venue_config(sim, futures, journal), {"BINANCE_STREAM_SILENT_TIMEOUT_S=2", "RECORD_FORMAT=journal"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  const absl::Status started = e.start();
  ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
  const std::string venue = futures ? "binance_futures" : "binance_spot";
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  int jumps = 0;
  // Runs for `seconds` by design (the soak's length); the condition only turns true at the end.
  (void)poll_until(seconds + 1, [&] {
    e.poll_events();
    if (elapsed() >= 20.0 * (jumps + 1)) {
      ++jumps;
      EXPECT_EQ(
          sim_admin(sim, futures, jumps % 2 == 1 ? "/sim/admin/clock?skewMs=9000" : "/sim/admin/clock?skewMs=1500"),
          "");
    }
    return elapsed() >= seconds;
  });
  e.shutdown();
  const std::string ledger_then = ledger_at_stop(ledger);
  const binance_gateway::GatewayStats& s = e.binance_venue()->core().stats();
  const Ledger l = read_ledger(ledger_then, "dm");
  std::string refusals;
  for (const auto& [code, n] : l.rejected) refusals += " " + code + "x" + std::to_string(n);
  Child x;
  EXPECT_EQ(run({dmabot_bin(), "export", journal, "--jsonl", "--out", record}, sim.dir, &x), 0)
      << read_file(x.err_path);
  const int drift = check_against_ledger(e, ledger_then, record, venue, {.min_accepted = 20, .min_fills = 1});
  const auto r0 = std::chrono::steady_clock::now();
  EXPECT_EQ(run({dmabot_bin(), "replay", journal, "--diff"}, sim.dir, &x), 0) << read_file(x.err_path);
  const double replay_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
  std::string replayed = read_file(x.out_path);
  const std::size_t at = replayed.find("diff: ");
  replayed = at == std::string::npos ? "no diff line" : replayed.substr(at, replayed.find('\n', at) - at);
  EXPECT_EQ(replayed.rfind("diff: identical: ", 0), 0u) << replayed;
  std::printf(
      "soak %s: %.0f s, orders sent %llu, cancels sent %llu, fills %d; faults injected: unknown outcomes %llu, "
      "venue rejects %llu, user-data resyncs %llu, clock -1021 %llu (jumps %d), stream reconnects %.0f, 429/418 "
      "%llu, held by the governor %llu, sim refusals by code:%s; drift found %d; exact replay (%.1f s): %s "
      "(ledger %s, recording %s)\n",
      venue.c_str(), elapsed(), static_cast<unsigned long long>(s.orders_sent.load()),
      static_cast<unsigned long long>(s.cancels_sent.load()), l.fills,
      static_cast<unsigned long long>(s.unknown_outcomes.load()),
      static_cast<unsigned long long>(s.venue_rejects.load()),
      static_cast<unsigned long long>(s.resyncs_after_reconnect.load()),
      static_cast<unsigned long long>(s.clock_resyncs.load()), jumps,
      metric_sum(e, "dmabot_md_stream_reconnects_total"), static_cast<unsigned long long>(s.rate_limited.load()),
      static_cast<unsigned long long>(s.local(binance_gateway::LocalReject::kRateLimited)),
      refusals.empty() ? " none" : refusals.c_str(), drift, replay_s, replayed.c_str(), ledger.c_str(),
      journal.c_str());
  std::fflush(stdout);
  EXPECT_EQ(drift, 0);
}

TEST(BinanceSoak, AllFaultsTogetherSpotThenUsdm) {
  const double seconds = soak_seconds();
  soak(false, seconds / 2);
  soak(true, seconds / 2);
}

}  // namespace
}  // namespace dmabot::testing
