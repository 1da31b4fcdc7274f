// The fault matrix: for each fault binance-sim can inject (docs/BINANCE_SIM.md "Faults"), the engine
// (in process, threaded, wall clock) trades ETHUSDT with the market maker on the sim — Spot and USD-M
// where the fault applies — until the fault has provably hit it (a gateway or stream counter says so)
// and it has kept trading after that, then shuts down, and the sim's ledger is held against the
// engine's recording and positions (venue_ledger_check.h: no client id accepted twice, no fill lost or
// counted twice, the venue's open orders = the engine's working orders, positions equal). The run is
// recorded as a journal with input takes, and its exact replay (`dmabot replay --diff`) must make every
// signal and order again: the fault's reconnects, stale books, rejects and unknown outcomes included.
//
// Each case is bounded (a deadline on every wait; a few seconds of trading). Names:
// FaultMatrix/BinanceFaults.Survives/<fault>_<product>; ctest label `faults` (ctest -L faults, or
// --gtest_filter='*Http5xx*'). `make soak` runs all faults together for minutes (tests/tools/soak.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "gateway/binance_io/https_get.h"
#include "tests/tools/venue_ledger_check.h"

namespace dmabot::testing {
namespace {

using binance_gateway::GatewayStats;

// What shows the fault reached the engine.
enum class Probe : uint8_t {
  kUnknownOutcome,   // gateway: 5xx / dropped connection with a request out
  kVenueReject,      // gateway: Binance refused a request
  kUserResync,       // gateway: working orders re-queried after the user-data stream came back
  kClockResync,      // gateway: -1021 seen (and the offset measured again)
  kStreamReconnect,  // feed: a market stream reconnected (silent or dropped)
  kRateLimited,      // gateway: 429/418 answered, or new orders held back by the rate governor (reported)
};

// Something the test does to the running venue once the engine trades.
enum class Action : uint8_t {
  kNone,
  kClockJump,   // the sim's clock jumps 6 s ahead (--admin): the engine's timestamps fall outside recvWindow
  kBurnWeight,  // another client on the same IP uses the request weight up and gets it banned (418)
};

struct FaultCase {
  std::string name;
  bool futures = false;
  std::vector<std::string> faults;  // binance-sim --fault NAME=VALUE
  std::vector<std::string> sets;    // engine configuration on top of venue_config
  Probe probe = Probe::kUnknownOutcome;
  Action action = Action::kNone;
};

void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

double stream_reconnects(Engine& e) {
  const std::string text = e.metrics().render();
  const std::string key = "\ndmabot_md_stream_reconnects_total{";
  double sum = 0;
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const std::size_t sp = text.find("} ", at);
    if (sp != std::string::npos) sum += std::strtod(text.c_str() + sp + 2, nullptr);
  }
  return sum;
}

double probe_value(Engine& e, Probe p) {
  const GatewayStats& s = e.binance_venue()->core().stats();
  switch (p) {
    case Probe::kUnknownOutcome:
      return static_cast<double>(s.unknown_outcomes.load());
    case Probe::kVenueReject:
      return static_cast<double>(s.venue_rejects.load());
    case Probe::kUserResync:
      return static_cast<double>(s.resyncs_after_reconnect.load());
    case Probe::kClockResync:
      return static_cast<double>(s.clock_resyncs.load());
    case Probe::kStreamReconnect:
      return stream_reconnects(e);
    case Probe::kRateLimited:
      return static_cast<double>(s.rate_limited.load() + s.local(binance_gateway::LocalReject::kRateLimited));
  }
  return 0;
}

// Another client on the engine's IP (this process: the sim counts weight per IP) uses the minute's
// request weight up: heavy GETs until the sim answers 429, then light ones (weight 1) until it refuses
// again — a 418, an IP ban. The engine's next request is answered 418 too. True when it got there.
bool burn_weight(const SimProcess& sim, bool futures) {
  binance_io::HttpsGetOptions o;
  o.ca_file = sim.ca;
  const std::string base = "https://" + (futures ? sim.futures_base() : sim.spot_base());
  const std::string heavy =
      futures ? "/fapi/v1/depth?symbol=ETHUSDT&limit=1000" : "/api/v3/depth?symbol=ETHUSDT&limit=5000";
  const std::string light = futures ? "/fapi/v1/ping" : "/api/v3/ping";
  bool warned = false;
  for (int i = 0; i < 4000; ++i) {
    auto r = binance_io::https_get(base, warned ? light : heavy, o);
    if (!r.ok() || r->status == 200) continue;
    if (r->status == 418) return true;
    // A 429: the next request past the limit in the same minute is banned. A minute that ended between
    // them (a slow run, e.g. under TSan) starts the count again: its 429 warns once more.
    warned = r->status == 429;
  }
  return false;
}

class BinanceFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(BinanceFaults, Survives) {
  const FaultCase& c = GetParam();
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  std::vector<std::string> extra = {"--ledger", ledger, "--seed", "7"};
  if (c.action == Action::kClockJump) extra.push_back("--admin");
  SimProcess sim(c.faults, extra);
  ASSERT_TRUE(sim.ok()) << sim.log();
  // A journal with the stages' input takes (the live presets' format), exported to JSONL for the ledger
  // check; its exact replay must make every decision again, whatever the fault did to the run.
  const std::string journal = sim.dir + "/venue.journal", record = sim.dir + "/venue.jsonl";
  std::vector<std::string> sets = c.sets;
  sets.push_back("RECORD_FORMAT=journal");
  auto engine = venue_engine(with(venue_config(sim, c.futures, journal), sets));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  const absl::Status started = e.start();
  ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
  const std::string venue = c.futures ? "binance_futures" : "binance_spot";
  const GatewayStats& gs = e.binance_venue()->core().stats();
  auto acked = [&] { return reports(e, venue, core::ExecStatus::kNew); };

  const auto t0 = std::chrono::steady_clock::now();
  // Trade until the fault has hit (the action done once the engine quotes), then on for a while.
  bool acted = c.action == Action::kNone, burned = true;
  const bool hit = poll_until(25, [&] {
    e.poll_events();
    if (!acted && acked() >= 5) {
      acted = true;
      if (c.action == Action::kClockJump) {
        EXPECT_EQ(sim_admin(sim, c.futures, "/sim/admin/clock?skewMs=9000"), "");
      }
      if (c.action == Action::kBurnWeight) burned = burn_weight(sim, c.futures);
    }
    // The ban is the fault; the engine may be idle then (waiting for its cancels), so its counters
    // need not move.
    return acted && (c.action == Action::kBurnWeight ? burned : probe_value(e, c.probe) >= 1);
  });
  const auto t_hit = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(burned) << "the sim never banned the IP (418)";
  const double acked_at_hit = acked();
  // Then it goes on trading. Not after the IP ban: until Retry-After (2 min) the engine must send
  // nothing (each request would be another 418 and a longer ban on Binance). Risk keeps handing the
  // gateway orders (new ones and the cancels of requotes); the governor refuses the new ones locally
  // and holds the cancels back. At most what was already in flight when the first 418 came back gets
  // a 418 too (spot usually none: the WS API's rateLimits told the governor the weight was used up).
  bool after = c.action == Action::kBurnWeight;
  if (c.action == Action::kBurnWeight) {
    auto sends = [&] { return gs.orders_sent.load() + gs.cancels_sent.load() + gs.queries_sent.load(); };
    auto routed = [&] { return static_cast<double>(e.metrics().counter_value("orders_total", {{{"venue", venue}}})); };
    const uint64_t sends_at_hit = sends();
    const double routed_at_hit = routed();
    // An observation window, not a wait for something: for 3 s nothing may leave the gateway.
    (void)poll_until(3, [&] {
      e.poll_events();
      return false;
    });
    EXPECT_LE(sends() - sends_at_hit, 2u) << "requests were sent during the ban";
    EXPECT_LE(gs.rate_limited.load(), 2u) << "requests were sent during the ban";
    std::printf("[ fault    ] %s: during the ban risk routed %.0f orders, the gateway refused %llu locally\n",
                c.name.c_str(), routed() - routed_at_hit,
                static_cast<unsigned long long>(gs.local(binance_gateway::LocalReject::kRateLimited)));
  } else {
    after = poll_until(20, [&] {
      e.poll_events();
      return acked() >= acked_at_hit + 5;
    });
  }
  e.shutdown();
  const std::string ledger_then = ledger_at_stop(ledger);
  ASSERT_TRUE(hit) << "the fault never showed: " << e.metrics().render() << "\n" << sim.log();
  EXPECT_TRUE(after) << "the engine did not go on after the fault: " << e.metrics().render();
  Child x;
  ASSERT_EQ(run({dmabot_bin(), "export", journal, "--jsonl", "--out", record}, sim.dir, &x), 0)
      << read_file(x.err_path);
  ASSERT_EQ(run({dmabot_bin(), "replay", journal, "--diff"}, sim.dir, &x), 0)
      << read_file(x.err_path) << read_file(x.out_path);
  EXPECT_NE(read_file(x.out_path).find("diff: identical: "), std::string::npos) << read_file(x.out_path);
  check_against_ledger(e, ledger_then, record, venue,
                       {.min_accepted = 5, .min_fills = 0, .all_closed = c.action != Action::kBurnWeight});
  std::printf(
      "[ fault    ] %s: fault seen after %.1f s, %llu orders sent, probe %.0f, ledger rejects %zu kinds, unknown "
      "outcomes %llu, "
      "user-data resyncs %llu (ledger %s, recording %s)\n",
      c.name.c_str(), std::chrono::duration<double>(t_hit).count(),
      static_cast<unsigned long long>(gs.orders_sent.load()), probe_value(e, c.probe),
      read_ledger(ledger_then, "dm").rejected.size(), static_cast<unsigned long long>(gs.unknown_outcomes.load()),
      static_cast<unsigned long long>(gs.resyncs_after_reconnect.load()), ledger.c_str(), record.c_str());
}

std::vector<FaultCase> cases() {
  std::vector<FaultCase> out;
  for (bool futures : {false, true}) {
    const std::string p = futures ? "_usdm" : "_spot";
    out.push_back({"DroppedStreams" + p, futures, {"drop-ws-every-s=2"}, {}, Probe::kUserResync});
    out.push_back({"Http5xxNoEffect" + p, futures, {"http-5xx-rate=0.15"}, {}, Probe::kUnknownOutcome});
    out.push_back({"Http5xxApplied" + p, futures, {"http-5xx-applied-rate=0.15"}, {}, Probe::kUnknownOutcome});
    // The sim's clock runs 3 s ahead from the start (the engine measures it), then 9 s ahead (-1021: outside the 5 s
    // recvWindow).
    out.push_back({"ClockSkew" + p, futures, {"clock-skew-ms=3000"}, {}, Probe::kClockResync, Action::kClockJump});
    out.push_back({"RateLimit" + p, futures, {"weight-limit=1500"}, {}, Probe::kRateLimited, Action::kBurnWeight});
    out.push_back({"RandomRejects" + p, futures, {"reject-rate=0.2"}, {}, Probe::kVenueReject});
    out.push_back({"StalledStream" + p,
                   futures,
                   {"stall-stream-s=2"},
                   {"BINANCE_STREAM_SILENT_TIMEOUT_S=0.5"},
                   Probe::kStreamReconnect});
  }
  // listenKey: USD-M user data only (spot's comes over the WebSocket API session).
  out.push_back({"ListenKeyExpiry_usdm", true, {"listenkey-expire-s=2"}, {}, Probe::kUserResync});
  return out;
}

INSTANTIATE_TEST_SUITE_P(FaultMatrix, BinanceFaults, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<FaultCase>& i) { return i.param.name; });

}  // namespace
}  // namespace dmabot::testing
