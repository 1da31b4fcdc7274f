// VENUE_MODE=binance_spot|binance_futures end to end: the engine (in process, threaded, wall clock)
// reads binance-sim's streams (FEED_MODE=binance) and trades on it through the Binance gateways, a
// market maker (dynmm) quoting ETHUSDT. binance-sim runs as a child process with a JSONL ledger of
// every order and fill. After the run (shutdown cancels what is working) the ledger is held against
// the engine's own record (the recording's venue reports) and its positions:
//   * no newClientOrderId was accepted twice, and every accepted order is one of this run's;
//   * the orders the venue accepted are exactly the ones the engine saw acknowledged;
//   * the orders still open on the venue are exactly the ones the engine thinks are working;
//   * the engine's position is the sum of the venue's fills, fill for fill.
// Then DRY_RUN (orders logged, the ledger has none), bad credentials and an unreachable venue (one
// error line, non-zero exit, bounded) through the program itself. Every wait polls a condition
// against a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/config.h"
#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "gateway/binance_io/https_get.h"
#include "gateway/binance_io/rest_client.h"
#include "tests/tools/engine_test_util.h"
#include "tests/tools/sim_process.h"
#include "tests/tools/test_process.h"
#include "tests/tools/venue_ledger_check.h"
#include "tools/binance_venue.h"

namespace dmabot::tools {
namespace {

namespace tp = dmabot::testing;
using namespace std::chrono_literals;
using tp::check_against_ledger;
using tp::field;
using tp::gauge;
using tp::Ledger;
using tp::poll_until;
using tp::read_ledger;
using tp::reports;
using tp::sim_admin;
using tp::SimProcess;
using tp::venue_config;
using tp::venue_engine;
using tp::with;

// Risk's rejects for a reason, from its counter (readable while the risk thread runs).
uint64_t not_trading_rejects(Engine& e) {
  return e.metrics().counter_value("risk_rejects_total",
                                   {{{"reason", std::string(core::to_string(core::RejectReason::kNotTrading))}}});
}

// `sim_extra`: more binance-sim flags; `sets`: configuration replacing venue_config's.
void trade_and_reconcile(bool futures, std::vector<std::string> sim_extra = {},
                         const std::vector<std::string>& sets = {}) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  sim_extra.insert(sim_extra.end(), {"--ledger", ledger});
  SimProcess sim({}, sim_extra);
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/venue.jsonl";
  auto engine = venue_engine(with(venue_config(sim, futures, record), sets));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  const absl::Status started = e.start();
  ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
  ASSERT_NE(e.binance_venue(), nullptr);
  const std::string venue = futures ? "binance_futures" : "binance_spot";
  const bool traded = poll_until(90, [&] {
    return reports(e, venue, core::ExecStatus::kNew) >= 20 &&
           reports(e, venue, core::ExecStatus::kFilled) + reports(e, venue, core::ExecStatus::kPartiallyFilled) >= 3;
  });
  e.shutdown();
  ASSERT_TRUE(traded) << e.metrics().render() << "\n" << sim.log();
  const binance_gateway::GatewayCore& gw = e.binance_venue()->core();
  EXPECT_GE(gw.stats().orders_sent.load(), 20u);
  EXPECT_EQ(gw.stats().local(binance_gateway::LocalReject::kDryRun), 0u);
  // The gateway's counters are exported; the recording's config header masks the secret.
  const std::string metrics_text = e.metrics().render();
  const std::string sent = "\ndmabot_binance_orders_sent{venue=\"" + venue + "\"} ";
  ASSERT_NE(metrics_text.find(sent), std::string::npos) << metrics_text;
  EXPECT_EQ(std::strtod(metrics_text.c_str() + metrics_text.find(sent) + sent.size(), nullptr),
            static_cast<double>(gw.stats().orders_sent.load()));
  EXPECT_NE(metrics_text.find("\ndmabot_binance_user_stream_connected{venue=\"" + venue + "\"} 1"), std::string::npos)
      << metrics_text;
  for (const char* held : {"held", "dropped", "ignored"}) {
    EXPECT_NE(metrics_text.find("\ndmabot_binance_position_events_" + std::string(held) + "{venue=\"" + venue + "\"} "),
              std::string::npos)
        << metrics_text;
  }
  EXPECT_EQ(tp::read_file(record).find("dmabot-local-secret"), std::string::npos);

  check_against_ledger(e, ledger, record, venue, {.min_accepted = 20, .min_fills = 3});
}

TEST(BinanceVenueEngine, SpotMarketMakerTradesAndTheLedgerAgreesWithTheEngine) { trade_and_reconcile(false); }

TEST(BinanceVenueEngine, FuturesMarketMakerTradesAndTheLedgerAgreesWithTheEngine) { trade_and_reconcile(true); }

// Ed25519 keys (RFC 8032 test 1): spot logs the WS API session on (unsigned orders), REST and USD-M
// sign each request with the private key file.
TEST(BinanceVenueEngine, Ed25519KeysTradeOnBothProducts) {
  const std::string dir = tp::temp_dir();
  const std::string key = dir + "/ed25519.pem", pub = dir + "/ed25519.pub.pem";
  std::ofstream(key)
      << "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
         "-----END PRIVATE KEY-----\n";
  std::ofstream(pub) << "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                        "-----END PUBLIC KEY-----\n";
  const std::vector<std::string> sim = {"--account", "dmabot-ed-key:ed25519:" + pub};
  const std::vector<std::string> sets = {"BINANCE_API_KEY=dmabot-ed-key",
                                         "BINANCE_API_SECRET=", "BINANCE_PRIVATE_KEY_FILE=" + key};
  trade_and_reconcile(false, sim, sets);
  trade_and_reconcile(true, sim, sets);
}

// BINANCE_CLOCK_REFRESH_S: the control thread (poll_events, as dmabot's main loop calls it) measures the
// clock offset again every second while the gateway trades. The sim's clock is moved 2.5 s ahead while
// running: the offset follows (periodic rounds, not a -1021: none is seen) and orders keep being accepted.
TEST(BinanceVenueEngine, TheClockOffsetIsMeasuredAgainWhileTrading) {
  for (bool futures : {false, true}) {
    SCOPED_TRACE(futures ? "futures" : "spot");
    SimProcess sim({}, {"--admin"});
    ASSERT_TRUE(sim.ok()) << sim.log();
    auto engine = venue_engine(with(venue_config(sim, futures, ""), {"BINANCE_CLOCK_REFRESH_S=1"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    Engine& e = **engine;
    const absl::Status started = e.start();
    ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
    const std::string venue = futures ? "binance_futures" : "binance_spot";
    const binance_io::ClockOffset& clock = e.binance_venue()->clock_offset();
    EXPECT_EQ(clock.rounds(), 1u);
    EXPECT_NEAR(gauge(e, "dmabot_binance_clock_offset_seconds", venue), 0.0, 0.25);
    const bool traded = poll_until(30, [&] {
      e.poll_events();
      return reports(e, venue, core::ExecStatus::kNew) >= 3;
    });
    EXPECT_TRUE(traded) << e.metrics().render();
    ASSERT_EQ(sim_admin(sim, futures, "/sim/admin/clock?skewMs=2500"), "");
    const uint64_t rounds_before = clock.rounds();
    const double acked_before = reports(e, venue, core::ExecStatus::kNew);
    const bool followed = poll_until(30, [&] {
      e.poll_events();
      return std::abs(gauge(e, "dmabot_binance_clock_offset_seconds", venue) - 2.5) < 0.25 &&
             reports(e, venue, core::ExecStatus::kNew) >= acked_before + 5;
    });
    const double rounds = gauge(e, "dmabot_binance_clock_rounds", venue);
    e.shutdown();
    ASSERT_TRUE(followed) << "rounds " << clock.rounds() << "\n" << e.metrics().render();
    EXPECT_GT(rounds, static_cast<double>(rounds_before));
    const binance_gateway::GatewayStats& s = e.binance_venue()->core().stats();
    EXPECT_EQ(s.clock_resyncs.load(), 0u) << "a request was refused for its timestamp (-1021)";
    EXPECT_EQ(gauge(e, "dmabot_binance_clock_round_failures", venue), 0.0);
  }
}

// INSTRUMENTS_REFRESH_S: exchangeInfo is read again every second from the control thread. The sim puts
// ETHUSDT in BREAK (USD-M: SETTLING): risk blocks new orders on it (not_trading rejects, the symbol's gauge 0) and the
// sim accepts none; back to TRADING, quoting resumes. Then its minimum notional is raised above the
// order size: the gateway's own check refuses the orders (local kNotional rejects), which it can only
// do with the refreshed spec.
TEST(BinanceVenueEngine, InstrumentRefreshHaltsResumesAndUpdatesTheGatewaysFilters) {
  for (bool futures : {false, true}) {
    SCOPED_TRACE(futures ? "futures" : "spot");
    const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
    SimProcess sim({}, {"--admin", "--ledger", ledger});
    ASSERT_TRUE(sim.ok()) << sim.log();
    auto engine = venue_engine(with(venue_config(sim, futures, ""), {"INSTRUMENTS_REFRESH_S=1"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    Engine& e = **engine;
    const absl::Status started = e.start();
    ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
    const std::string venue = futures ? "binance_futures" : "binance_spot";
    const std::string trading = "dmabot_binance_symbol_trading{venue=\"" + venue + "\",symbol=\"ETHUSDT\"} ";
    auto trading_gauge = [&] {
      const std::string text = e.metrics().render();
      const std::size_t at = text.find(trading);
      return at == std::string::npos ? -1.0 : std::strtod(text.c_str() + at + trading.size(), nullptr);
    };
    EXPECT_EQ(trading_gauge(), 1.0) << e.metrics().render();
    const binance_gateway::GatewayStats& gs = e.binance_venue()->core().stats();
    ASSERT_TRUE(poll_until(30, [&] {
      e.poll_events();
      return reports(e, venue, core::ExecStatus::kNew) >= 3;
    })) << e.metrics().render();

    // BREAK (USD-M: SETTLING): halted in risk within a refresh or two.
    const std::string stopped = futures ? "SETTLING" : "BREAK";
    ASSERT_EQ(sim_admin(sim, futures, "/sim/admin/symbol?symbol=ETHUSDT&status=" + stopped), "");
    const bool halted = poll_until(20, [&] {
      e.poll_events();
      return trading_gauge() == 0.0 && not_trading_rejects(e) >= 3;
    });
    ASSERT_TRUE(halted) << e.metrics().render();
    // From now on nothing new reaches the venue: what the gateway had sent so far is all it sends.
    const uint64_t sent_at_halt = gs.orders_sent.load();
    const uint64_t rejects_at_halt = not_trading_rejects(e);
    ASSERT_TRUE(poll_until(20, [&] {
      e.poll_events();
      return not_trading_rejects(e) >= rejects_at_halt + 5;
    }));
    EXPECT_EQ(gs.orders_sent.load(), sent_at_halt);

    // TRADING again: orders flow again.
    ASSERT_EQ(sim_admin(sim, futures, "/sim/admin/symbol?symbol=ETHUSDT&status=TRADING"), "");
    const double acked_before = reports(e, venue, core::ExecStatus::kNew);
    const bool resumed = poll_until(30, [&] {
      e.poll_events();
      return trading_gauge() == 1.0 && reports(e, venue, core::ExecStatus::kNew) >= acked_before + 3;
    });
    ASSERT_TRUE(resumed) << e.metrics().render();

    // A minimum notional above the order size (20 spot / 40 USD-M): the gateway refuses locally.
    ASSERT_EQ(sim_admin(sim, futures, "/sim/admin/symbol?symbol=ETHUSDT&minNotional=1000"), "");
    const bool filtered = poll_until(20, [&] {
      e.poll_events();
      return gs.local(binance_gateway::LocalReject::kNotional) >= 3;
    });
    e.shutdown();
    EXPECT_TRUE(filtered) << e.metrics().render();
    EXPECT_EQ(trading_gauge(), 1.0);
  }
}

TEST(BinanceVenueEngine, FusedRunsRefuseTheLiveVenue) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  std::vector<std::string> sets = venue_config(sim, false, "");
  sets[0] = "FEED_MODE=mock";
  sets.push_back("MOCK_MAX_TICKS=10");
  auto engine = venue_engine(sets);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const absl::Status st = (*engine)->open_fused();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("VENUE_MODE=binance_spot is a live venue"), std::string_view::npos) << st;
}

// `dmabot run` with the configuration as --set flags; returns the exit code (output in c's files).
// `dmabot run` with the configuration as --set flags, started in a fresh directory (output in c's files).
tp::Child spawn_dmabot(const std::vector<std::string>& sets, const std::vector<std::string>& extra,
                       const std::vector<std::string>& env_extra = {}) {
  const std::string dir = tp::temp_dir();
  const std::string env = dir + "/empty.env";
  { std::ofstream(env).close(); }
  std::vector<std::string> args = {tp::dmabot_bin(), "run", "--env", env};
  for (const std::string& kv : sets) {
    args.push_back("--set");
    args.push_back(kv);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return tp::spawn(args, dir, env_extra);
}

// The same, run to completion: its exit code (-1 when it outlived timeout_s and was killed).
int run_dmabot(const std::vector<std::string>& sets, const std::vector<std::string>& extra, tp::Child& c,
               double timeout_s, const std::vector<std::string>& env_extra = {}) {
  c = spawn_dmabot(sets, extra, env_extra);
  return tp::wait_exit(c, timeout_s);
}

TEST(BinanceVenueEngine, DryRunLogsOrdersAndSendsNone) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  tp::Child c;
  const int rc =
      run_dmabot(with(venue_config(sim, false, ""), {"DRY_RUN=true", "LOG_LEVEL=info"}), {"--duration", "8"}, c, 60);
  const std::string err = tp::read_file(c.err_path);
  EXPECT_EQ(rc, 0) << err;
  EXPECT_NE(err.find("DRY_RUN: orders are checked and logged, nothing is sent"), std::string::npos) << err;
  const std::size_t line = err.find("DRY_RUN: would send binance_spot ETHUSDT ");
  ASSERT_NE(line, std::string::npos) << err;
  EXPECT_NE(err.find("newClientOrderId=dm", line), std::string::npos) << err;
  EXPECT_EQ(read_ledger(ledger, "dm").order_lines, 0) << tp::read_file(ledger);
}

TEST(BinanceVenueEngine, BadCredentialsStopTheStartWithOneLine) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  for (bool futures : {false, true}) {
    tp::Child c;
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = run_dmabot(with(venue_config(sim, futures, ""), {"BINANCE_API_SECRET=not-the-secret"}), {}, c, 60);
    const std::string err = tp::read_file(c.err_path);
    EXPECT_EQ(rc, 1) << err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
    EXPECT_NE(err.find(futures ? "dmabot: Binance USD-M GET https://" : "dmabot: Binance spot GET https://"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("-1022 Signature for this request is not valid."), std::string::npos) << err;
    EXPECT_EQ(err.find("not-the-secret"), std::string::npos) << "the secret is never echoed";
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  tp::Child c;
  const int rc = run_dmabot(with(venue_config(sim, false, ""), {"BINANCE_API_KEY=nobody"}), {}, c, 60);
  const std::string err = tp::read_file(c.err_path);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_NE(err.find("-2015"), std::string::npos) << err;
  EXPECT_EQ(read_ledger(ledger, "dm").order_lines, 0) << tp::read_file(ledger);
}

TEST(BinanceVenueEngine, AnUnreachableVenueStopsTheStartWithOneLine) {
  std::string closed;
  {
    SimProcess gone({});
    ASSERT_TRUE(gone.ok()) << gone.log();
    closed = gone.spot_base();
  }  // stopped: nothing listens on its ports any more
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  tp::Child c;
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = run_dmabot(with(venue_config(sim, false, ""), {"BINANCE_SPOT_REST_URL=https://" + closed}), {}, c, 60);
  const std::string err = tp::read_file(c.err_path);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  EXPECT_NE(err.find("dmabot: exchangeInfo https://" + closed), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

// Mainnet (here: its checks, pointed at the sim) without CONFIRM_LIVE=yes stops before anything connects.
TEST(BinanceVenueEngine, MainnetWithoutConfirmLiveStopsBeforeAnythingIsSent) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  std::vector<std::string> sets = with(venue_config(sim, false, ""), {"BINANCE_ENV=mainnet"});
  std::erase_if(sets, [](const std::string& s) { return s.rfind("BINANCE_API_", 0) == 0; });
  const std::vector<std::string> env = {"BINANCE_API_KEY=dmabot-local-key", "BINANCE_API_SECRET=dmabot-local-secret"};
  tp::Child c;
  EXPECT_EQ(run_dmabot(sets, {}, c, 30, env), 2) << tp::read_file(c.err_path);
  EXPECT_NE(tp::read_file(c.err_path).find("live trading on mainnet requires CONFIRM_LIVE=yes"), std::string::npos)
      << tp::read_file(c.err_path);
  // The same with the confirmation connects and trades (the sim stands in for mainnet here); the
  // program's stop (--duration, as SIGINT) cancels every order it placed before it exits.
  EXPECT_EQ(run_dmabot(with(sets, {"CONFIRM_LIVE=yes"}), {"--duration", "3"}, c, 30, env), 0)
      << tp::read_file(c.err_path);
  const Ledger l = read_ledger(ledger, "dm");
  EXPECT_GT(l.accepted.size(), 0u) << tp::read_file(c.err_path);
  for (const std::string& id : l.accepted) EXPECT_EQ(l.closed.count(id), 1u) << id << " is still open";
}

// Places one resting spot ETHUSDT BUY far below the market with this client id, as another process
// would (REST, the sim's account, HMAC). Empty string on success.
std::string place_resting(const SimProcess& sim, const std::string& client_id) {
  binance_io::RestClient::Options ro;
  ro.base_url = "https://" + sim.spot_base();
  ro.ca_file = sim.ca;
  ro.api_key = "dmabot-local-key";
  auto rest = binance_io::RestClient::create(ro);
  if (!rest.ok()) return std::string(rest.status().message());
  auto hmac = binance::HmacSha256Signer::create("dmabot-local-secret");
  if (!hmac.ok()) return "signer";
  binance_gateway::OrderEncoder enc({binance::Product::kSpot, "dmabot-local-key", false}, &*hmac, nullptr);
  binance::NewOrder o;
  o.symbol = "ETHUSDT";
  o.side = binance::OrderSide::kBuy;
  o.time_in_force = binance::TimeInForce::kGtc;
  o.quantity = core::Qty::from_raw(1'000'000);  // 0.01
  o.price = core::Price::from_units(2900);      // the walk starts at 3000 and moves 0.01 per 100 ms
  o.new_client_order_id = client_id;
  o.timestamp_ms = core::wall_clock_ns() / 1'000'000;
  o.recv_window_ms = 5000;
  binance_io::RestRequest req;
  if (!enc.encode_new(o, binance_gateway::Wire::kRest, 0) || !req.set(1, binance::kSpotNewOrder, enc.view()))
    return "encode";
  if (!(*rest)->submit(req) || !(*rest)->wait_response(10s)) return "no answer";
  const binance_io::RestResponse* r = (*rest)->front();
  std::string err = r->status == 200 ? "" : std::string(r->body_view());
  (*rest)->pop();
  return err;
}

// Orders an earlier dmabot run left (its client-id shape, another run id) are canceled at start by
// default and left with ON_START_OPEN_ORDERS=leave; an order dmabot did not place is never touched.
TEST(BinanceVenueEngine, OrdersEarlierRunsLeftAreCanceledAtStartOthersAreLeftAlone) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string stale = "dm00000001-1", stale2 = "dm00000002-2", manual = "by-hand-1";
  for (const std::string& id : {stale, stale2, manual}) ASSERT_EQ(place_resting(sim, id), "") << id;
  auto canceled = [&](const std::string& id) {
    int n = 0;
    std::istringstream in(tp::read_file(ledger));
    for (std::string line; std::getline(in, line);)
      n += field(line, "type") == "order_state" && field(line, "clientOrderId") == id &&
           field(line, "status") == "CANCELED";
    return n;
  };
  {
    auto engine = venue_engine(with(venue_config(sim, false, ""), {"ON_START_OPEN_ORDERS=leave"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    ASSERT_TRUE((*engine)->start().ok());
    EXPECT_EQ((*engine)->binance_venue()->open_orders_at_start(), 3u);
    EXPECT_EQ((*engine)->binance_venue()->stale_orders_canceled(), 0u);
  }
  {  // DRY_RUN sends no cancel either.
    auto engine = venue_engine(with(venue_config(sim, false, ""), {"DRY_RUN=true"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    ASSERT_TRUE((*engine)->start().ok());
    EXPECT_EQ((*engine)->binance_venue()->stale_orders_canceled(), 0u);
  }
  EXPECT_EQ(canceled(stale) + canceled(stale2) + canceled(manual), 0);
  auto engine = venue_engine(venue_config(sim, false, ""));
  ASSERT_TRUE(engine.ok()) << engine.status();
  const absl::Status st = (*engine)->start();
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ((*engine)->binance_venue()->open_orders_at_start(), 3u);
  EXPECT_EQ((*engine)->binance_venue()->stale_orders_canceled(), 2u);
  (*engine)->shutdown();
  EXPECT_EQ(canceled(stale), 1);
  EXPECT_EQ(canceled(stale2), 1);
  EXPECT_EQ(canceled(manual), 0) << "the engine never touches an order it did not place";
}

// Ctrl-C while quoting: the program cancels every order it placed, waits for the answers, exits 0.
TEST(BinanceVenueEngine, SigintCancelsEveryWorkingOrderBeforeTheProgramExits) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  for (bool futures : {false, true}) {
    tp::Child c = spawn_dmabot(with(venue_config(sim, futures, ""), {"LOG_LEVEL=info"}), {});
    const std::string product = futures ? "\"product\":\"usdm\"" : "\"product\":\"spot\"";
    const bool quoting = poll_until(30, [&] {
      const std::string text = tp::read_file(ledger);
      std::size_t n = 0;
      for (std::size_t at = 0; (at = text.find("\"type\":\"order_accepted\",", at)) != std::string::npos; ++at)
        n += text.compare(text.find("\"product\":", at), product.size(), product) == 0;
      return n >= 6;
    });
    kill(c.pid, SIGINT);
    EXPECT_EQ(tp::wait_exit(c, 30), 0) << tp::read_file(c.err_path);
    ASSERT_TRUE(quoting) << tp::read_file(c.err_path) << sim.log();
    const Ledger l = read_ledger(ledger, "dm");
    ASSERT_GE(l.accepted.size(), 6u);
    for (const std::string& id : l.accepted) EXPECT_EQ(l.closed.count(id), 1u) << id << " is still open";
    EXPECT_NE(tp::read_file(c.err_path).find("received SIGINT, shutting down"), std::string::npos);
  }
}

// --- VENUE_MODE=binance: Spot and USD-M at once ------------------------------------------------------

// The ledger's lines of one product ("spot" / "usdm") in a file of their own, for read_ledger.
std::string ledger_of(const std::string& ledger, const std::string& product) {
  const std::string path = ledger + "." + product;
  std::ofstream out(path);
  std::istringstream in(tp::read_file(ledger));
  std::string line;
  while (std::getline(in, line)) {
    if (field(line, "product") == product) out << line << "\n";
  }
  return path;
}

// One dynmm quoting ETHUSDT on spot and UM:ETHUSDT on USD-M through two Binance venues. Every order
// the router sent went to the venue of its symbol's product; each product's ledger holds exactly the
// orders the engine saw acknowledged on that product (by the client ids of that venue's gateway);
// each position is that product's fills; the recording replays (mock venues) with both instruments.
TEST(BinanceVenueEngine, SpotAndUsdmAtOnceEachSymbolTradesOnItsProductsVenue) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/both.jsonl";
  auto engine = venue_engine(with(venue_config(sim, false, record),
                                  {"VENUE_MODE=binance", "FUTURES_SYMBOLS=ETHUSDT", "DYNMM_BASE_SIZE_USD=40"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_EQ(e.binance_venue_count(), 2u);
  const core::SymbolId spot_id = e.symbols().find("ETHUSDT");
  const core::SymbolId um_id = e.symbols().find("UM:ETHUSDT");
  ASSERT_NE(spot_id, core::kNoSymbol);
  ASSERT_NE(um_id, core::kNoSymbol);
  EXPECT_EQ(e.symbols().info(um_id).exchange_name, "ETHUSDT");
  EXPECT_EQ(e.symbols().info(um_id).product, core::Product::kUsdm);
  // exchangeInfo's filters, not the configuration's: USD-M ETHUSDT's minimum notional is 20 on the sim.
  EXPECT_EQ(e.symbols().info(um_id).min_notional_raw, 20 * core::kScale);
  const absl::Status started = e.start();
  ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
  ASSERT_NE(e.binance_venue(core::Product::kSpot), nullptr);
  ASSERT_NE(e.binance_venue(core::Product::kUsdm), nullptr);
  auto fills = [&](const std::string& v) {
    return reports(e, v, core::ExecStatus::kFilled) + reports(e, v, core::ExecStatus::kPartiallyFilled);
  };
  const bool traded = poll_until(120, [&] {
    return reports(e, "binance_spot", core::ExecStatus::kNew) >= 10 &&
           reports(e, "binance_futures", core::ExecStatus::kNew) >= 10 && fills("binance_spot") >= 2 &&
           fills("binance_futures") >= 2;
  });
  e.shutdown();
  ASSERT_TRUE(traded) << e.metrics().render() << "\n" << sim.log();

  // The recording: every order the router sent went to its symbol's venue (0 spot, 1 USD-M); the venue
  // reports, per product, which client ids were acknowledged and filled.
  core::SymbolTable names;
  core::EventDecoder dec(&names);
  std::istringstream in(tp::read_file(record));
  std::string line;
  std::map<core::Product, std::set<uint64_t>> acked;
  std::map<core::Product, std::map<uint64_t, int64_t>> filled;
  std::map<core::Product, int> sent;
  int wrong_venue = 0;
  while (std::getline(in, line)) {
    core::RecordedEvent ev;
    if (dec.decode(line, ev) != core::DecodeResult::kOk) continue;
    if (const auto* o = std::get_if<core::Order>(&ev.event)) {
      const core::Product p = names.info(o->symbol).product;
      ++sent[p];
      wrong_venue += o->venue != (p == core::Product::kUsdm ? 1 : 0);
    } else if (const auto* r = std::get_if<core::ExecReport>(&ev.event)) {
      if (r->venue == core::kRiskVenue) continue;
      const core::Product p = names.info(r->symbol).product;
      EXPECT_EQ(r->venue, p == core::Product::kUsdm ? 1 : 0) << line;
      if (r->status == core::ExecStatus::kNew) acked[p].insert(r->client_id);
      if (r->last_qty.raw != 0)
        filled[p][r->client_id] += r->side == core::Side::kSell ? -r->last_qty.raw : r->last_qty.raw;
    }
  }
  EXPECT_EQ(wrong_venue, 0);
  EXPECT_GE(sent[core::Product::kSpot], 10);
  EXPECT_GE(sent[core::Product::kUsdm], 10);

  for (const core::Product p : {core::Product::kSpot, core::Product::kUsdm}) {
    SCOPED_TRACE(std::string(core::to_string(p)));
    const binance_gateway::GatewayCore& gw = e.binance_venue(p)->core();
    const std::string prefix = "dm" + std::string(gw.ids().run_text()) + "-";
    int foreign = 0;
    const Ledger l = read_ledger(ledger_of(ledger, std::string(core::to_string(p))), prefix, &foreign);
    EXPECT_EQ(foreign, 0) << "orders on this product that are not its venue's";
    const std::set<std::string> accepted(l.accepted.begin(), l.accepted.end());
    EXPECT_EQ(accepted.size(), l.accepted.size()) << "a newClientOrderId was accepted twice";
    auto text = [&](uint64_t id) {
      char buf[binance_gateway::kClientIdTextMax];
      return std::string(gw.client_text(id, buf));
    };
    std::set<std::string> acked_text;
    for (uint64_t id : acked[p]) acked_text.insert(text(id));
    EXPECT_EQ(acked_text, accepted) << "the product's venue accepted what the engine saw acknowledged on it";
    for (const std::string& cid : accepted) EXPECT_EQ(l.closed.count(cid), 1u) << cid << ": open after shutdown";
    std::map<std::string, int64_t> engine_fill_text;
    for (const auto& [id, q] : filled[p]) engine_fill_text[text(id)] += q;
    EXPECT_EQ(engine_fill_text, l.fill_qty);
    // Plus what risk booked that the product's fills do not show (spot commissions in the base asset).
    const tp::RecordedAdjusts adjusts =
        tp::recorded_adjusts(record, p == core::Product::kUsdm ? "UM:ETHUSDT" : "ETHUSDT");
    EXPECT_TRUE(adjusts.user_data.empty()) << "no change behind the engine's back";
    int64_t venue_position = adjusts.sum;
    for (const auto& [cid, q] : l.fill_qty) venue_position += q;
    EXPECT_EQ(e.positions().symbol_qty(p == core::Product::kUsdm ? um_id : spot_id).raw, venue_position);
    EXPECT_GE(l.fills, 2);
  }
  // The two gateways' client ids differ (one run id each), so neither product's ledger holds the other's.
  EXPECT_NE(std::string(e.binance_venue(core::Product::kSpot)->core().ids().run_text()),
            std::string(e.binance_venue(core::Product::kUsdm)->core().ids().run_text()));
  const std::string metrics_text = e.metrics().render();
  EXPECT_NE(metrics_text.find("\ndmabot_ticks_total{symbol=\"UM:ETHUSDT\"} "), std::string::npos) << metrics_text;
  EXPECT_NE(metrics_text.find("\ndmabot_router_no_venue_total 0\n"), std::string::npos) << metrics_text;

  // The recording replays against mock venues: both instruments come back by name, with their ticks.
  tp::Child c;
  ASSERT_EQ(tp::run({tp::dmabot_bin(), "replay", record, "--set", "VENUE_MODE=mock", "--record", sim.dir + "/re.jsonl"},
                    sim.dir, &c),
            0)
      << tp::read_file(c.err_path);
  const std::string out = tp::read_file(c.out_path);
  EXPECT_NE(out.find("\n  UM:ETHUSDT ticks="), std::string::npos) << out;
  EXPECT_EQ(out.find("\n  UM:ETHUSDT ticks=0 "), std::string::npos) << out;
  EXPECT_NE(out.find("\n  ETHUSDT ticks="), std::string::npos) << out;
}

// SYMBOLS=auto picks the spot symbols next to explicit FUTURES_SYMBOLS: spot instruments first, then
// the USD-M ones, each with its own product's exchangeInfo filters.
TEST(BinanceVenueEngine, AutoSpotSymbolsLoadNextToExplicitFuturesSymbols) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  auto engine = venue_engine(with(venue_config(sim, false, ""), {"VENUE_MODE=binance", "SYMBOLS=auto",
                                                                 "FUTURES_SYMBOLS=ETHUSDT", "DYNMM_BASE_SIZE_USD=40"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  const core::SymbolTable& t = (*engine)->symbols();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.name(0), "BTCUSDT");
  EXPECT_EQ(t.name(1), "ETHUSDT");
  EXPECT_EQ(t.name(2), "UM:ETHUSDT");
  EXPECT_EQ(t.info(1).product, core::Product::kSpot);
  EXPECT_EQ(t.info(2).product, core::Product::kUsdm);
  EXPECT_EQ(t.info(2).exchange_name, "ETHUSDT");
  EXPECT_EQ(t.info(2).min_notional_raw, 20 * core::kScale);
  EXPECT_NE(t.info(1).min_notional_raw, t.info(2).min_notional_raw) << "each product's own filters";
  EXPECT_EQ((*engine)->config().binance_stream.spot_symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ((*engine)->config().binance_stream.futures_symbols, (std::vector<std::string>{"ETHUSDT"}));
}

// FUTURES_SYMBOLS=auto: the USD-M venue's symbols come from the futures exchangeInfo (perpetuals quoted
// in QUOTE_ASSETS, at most MAX_SYMBOLS), named UM:<symbol>, after the spot ones; each product's own
// filters. Outside VENUE_MODE=binance, or next to a filter override, it is one line naming the key.
TEST(BinanceVenueEngine, AutoFuturesSymbolsLoadFromTheFuturesExchangeInfo) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  {
    // USD-M BTCUSDT's minimum notional (100) exceeds the order size: skipped, ETHUSDT (20) taken.
    auto engine = venue_engine(with(venue_config(sim, false, ""), {"VENUE_MODE=binance", "SYMBOLS=BTCUSDT",
                                                                   "FUTURES_SYMBOLS=auto", "DYNMM_BASE_SIZE_USD=40"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    const core::SymbolTable& t = (*engine)->symbols();
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.name(0), "BTCUSDT");
    EXPECT_EQ(t.name(1), "UM:ETHUSDT");
    EXPECT_EQ(t.info(0).product, core::Product::kSpot);
    EXPECT_EQ(t.info(1).product, core::Product::kUsdm);
    EXPECT_EQ(t.info(1).exchange_name, "ETHUSDT");
    EXPECT_EQ(t.info(1).min_notional_raw, 20 * core::kScale) << "USD-M's own filter";
    EXPECT_EQ((*engine)->config().binance_stream.spot_symbols, (std::vector<std::string>{"BTCUSDT"}));
    EXPECT_EQ((*engine)->config().binance_stream.futures_symbols, (std::vector<std::string>{"ETHUSDT"}));
    // The recording's header (the effective configuration) holds what was loaded, so a replay rebuilds
    // the same instruments on the same grids.
    std::map<std::string, std::string> header((*engine)->config().effective.begin(),
                                              (*engine)->config().effective.end());
    EXPECT_EQ(header["SYMBOLS"], "BTCUSDT");
    EXPECT_EQ(header["FUTURES_SYMBOLS"], "ETHUSDT");
    EXPECT_EQ(header["TICK_SIZE"],
              core::decimal_to_string(t.info(0).tick.raw) + "," + core::decimal_to_string(t.info(1).tick.raw));
    EXPECT_EQ(header["STEP_SIZE"],
              core::decimal_to_string(t.info(0).step.raw) + "," + core::decimal_to_string(t.info(1).step.raw));
    EXPECT_EQ(header["MIN_NOTIONAL"], core::decimal_to_string(t.info(0).min_notional_raw) + ",20");
    // ... and that header configures the same instruments for a replay against mock venues.
    std::vector<std::pair<std::string, std::string>> pairs;  // as the header has them: no secret keys
    for (const auto& [k, v] : header)
      if (!core::is_secret_key(k)) pairs.emplace_back(k, v);
    auto cfg = core::Config::from_pairs(pairs, "header", {"VENUE_MODE=mock", "FEED_MODE=mock"}, &core::Config::no_env);
    ASSERT_TRUE(cfg.ok()) << cfg.status();
    auto replayed = EngineConfig::from_config(*cfg);
    ASSERT_TRUE(replayed.ok()) << replayed.status();
    ASSERT_EQ(replayed->instruments.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      const core::InstrumentInfo& a = replayed->instruments[i];
      const core::InstrumentInfo& b = t.info(static_cast<core::SymbolId>(i));
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.tick.raw, b.tick.raw) << a.name;
      EXPECT_EQ(a.step.raw, b.step.raw) << a.name;
      EXPECT_EQ(a.min_notional_raw, b.min_notional_raw) << a.name;
    }
  }
  {
    // Both sides auto, MAX_SYMBOLS per product; an order size every symbol allows.
    auto engine =
        venue_engine(with(venue_config(sim, false, ""), {"VENUE_MODE=binance", "SYMBOLS=auto", "FUTURES_SYMBOLS=auto",
                                                         "MAX_SYMBOLS=1", "DYNMM_BASE_SIZE_USD=150"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    const core::SymbolTable& t = (*engine)->symbols();
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.name(0), "BTCUSDT");
    EXPECT_EQ(t.name(1), "UM:BTCUSDT");
  }
  for (const auto& [sets, key, words] : std::vector<std::tuple<std::vector<std::string>, std::string, std::string>>{
           {{"VENUE_MODE=binance_spot", "FUTURES_SYMBOLS=auto"}, "FUTURES_SYMBOLS", "VENUE_MODE=binance"},
           {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=auto", "TICK_SIZE=0.1"}, "TICK_SIZE", "auto"},
           {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=BTCUSDT,auto"}, "FUTURES_SYMBOLS", "only entry"},
           {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=auto", "QUOTE_ASSETS=BUSD"}, "FUTURES_SYMBOLS=auto", "BUSD"},
           {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=SOLUSDT"}, "FUTURES_SYMBOLS: SOLUSDT", "not listed"}}) {
    auto engine = venue_engine(with(venue_config(sim, false, ""), sets));
    ASSERT_FALSE(engine.ok()) << sets.back();
    const std::string msg(engine.status().message());
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find(words), std::string::npos) << msg;
  }
}

// Mistakes of the two-product mode: configuration ones exit 2, a refused USD-M key exits 1; one line
// each, nothing sent.
TEST(BinanceVenueEngine, TwoProductMistakesStopTheStartWithOneLine) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  struct Case {
    std::vector<std::string> sets;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"VENUE_MODE=binance_spot", "FUTURES_SYMBOLS=ETHUSDT"}, "FUTURES_SYMBOLS"},
      {{"VENUE_MODE=binance_futures", "MARKET_TYPE=usdm", "FUTURES_SYMBOLS=ETHUSDT"}, "FUTURES_SYMBOLS"},
      {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=NOPEUSDT"}, "NOPEUSDT"},
      {{"VENUE_MODE=binance", "FUTURES_SYMBOLS=ETH-USDT"}, "FUTURES_SYMBOLS"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.sets.back());
    tp::Child c;
    const int rc = run_dmabot(with(venue_config(sim, false, ""), k.sets), {}, c, 60);
    const std::string err = tp::read_file(c.err_path);
    EXPECT_EQ(rc, 2) << err;
    EXPECT_NE(err.find(k.says), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  // The USD-M venue's key is refused after the spot venue connected: one line naming USD-M, exit 1, and
  // the spot venue torn down with nothing sent.
  tp::Child c;
  const int rc = run_dmabot(with(venue_config(sim, false, ""),
                                 {"VENUE_MODE=binance", "FUTURES_SYMBOLS=ETHUSDT", "BINANCE_FUTURES_API_KEY=nobody",
                                  "BINANCE_FUTURES_API_SECRET=not-the-secret"}),
                            {}, c, 60);
  const std::string err = tp::read_file(c.err_path);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_NE(err.find("dmabot: Binance USD-M GET https://"), std::string::npos) << err;
  EXPECT_NE(err.find("-2015"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(read_ledger(ledger, "dm").order_lines, 0) << tp::read_file(ledger);
}

// Whether the sim's ledger shows the order with this client id CANCELED.
bool ledger_canceled(const std::string& ledger, const std::string& id) {
  std::istringstream in(tp::read_file(ledger));
  for (std::string line; std::getline(in, line);) {
    if (field(line, "type") == "order_state" && field(line, "clientOrderId") == id &&
        field(line, "status") == "CANCELED")
      return true;
  }
  return false;
}

// A signed GET on the sim's account (another client of the same account); the body, or "" with `err` set.
std::string sim_signed_get(const SimProcess& sim, bool futures, const binance::RestTarget& target, std::string& err) {
  binance_io::RestClient::Options ro;
  ro.base_url = "https://" + (futures ? sim.futures_base() : sim.spot_base());
  ro.ca_file = sim.ca;
  ro.api_key = "dmabot-local-key";
  auto rest = binance_io::RestClient::create(ro);
  if (!rest.ok()) return err = std::string(rest.status().message()), "";
  auto hmac = binance::HmacSha256Signer::create("dmabot-local-secret");
  const binance::Product product = futures ? binance::Product::kUsdmFutures : binance::Product::kSpot;
  binance_gateway::OrderEncoder enc({product, "dmabot-local-key", false}, &*hmac, nullptr);
  const binance::SymbolScope scope{product, "", core::wall_clock_ns() / 1'000'000, 5000};
  binance_io::RestRequest req;
  if (!enc.encode_scope(scope, binance_gateway::Wire::kRest, "", 0) || !req.set(1, target, enc.view()))
    return err = "encode", "";
  if (!(*rest)->submit(req) || !(*rest)->wait_response(10s)) return err = "no answer", "";
  const binance_io::RestResponse* r = (*rest)->front();
  std::string body(r->body_view());
  if (r->status != 200) err = body;
  (*rest)->pop();
  return body;
}

// The sim's one-way USD-M ETHUSDT position (raw), as positionRisk reports it.
int64_t sim_futures_position(const SimProcess& sim) {
  std::string err;
  const std::string body = sim_signed_get(sim, true, binance::kFuturesPositionRiskV3, err);
  EXPECT_EQ(err, "");
  binance::ResponseDecoder dec;
  std::span<const binance::FuturesPositionInfo> rows;
  EXPECT_TRUE(dec.decode_positions(body, rows).ok()) << body;
  for (const auto& r : rows) {
    if (r.symbol.view() == "ETHUSDT") return r.position_amt.raw;
  }
  return 0;
}

// A metric's value in the registry's text (labels exactly as rendered); NaN when absent.
double metric(Engine& e, const std::string& series) {
  const std::string text = e.metrics().render();
  const std::size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? std::nan("") : std::strtod(text.c_str() + at + series.size() + 2, nullptr);
}

// Positions come from the exchange: a USD-M position and a spot balance the account already holds are
// the engine's inventory once it has started (risk's position, its inventory gauge, the recording's
// ctl line), USD-M at the exchange's entry price, spot at the first mid. Risk then refuses what would
// take the position past MAX_INVENTORY, which it would let through from flat (40 USDT orders, limit 80).
TEST(BinanceVenueEngine, TheExchangesPositionIsTheEnginesStartInventory) {
  for (bool futures : {true, false}) {
    SCOPED_TRACE(futures ? "futures" : "spot");
    SimProcess sim({}, {"--admin"});
    ASSERT_TRUE(sim.ok()) << sim.log();
    if (futures) {
      ASSERT_EQ(sim_admin(sim, true, "/sim/admin/position?symbol=ETHUSDT&amount=0.02&entryPrice=2990"), "");
    }
    const std::string record = sim.dir + "/venue.jsonl";
    // Spot: ETH 10 in the wallet, 9.98 of it neutral: 0.02 ETH of inventory.
    auto engine =
        venue_engine(with(venue_config(sim, futures, record),
                          {"MAX_INVENTORY=80", "RECONCILE_S=0", "DYNMM_BASE_SIZE_USD=40",
                           futures ? "BINANCE_SPOT_NEUTRAL_BALANCE=" : "BINANCE_SPOT_NEUTRAL_BALANCE=ETH:9.98"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    Engine& e = **engine;
    const absl::Status started = e.start();
    ASSERT_TRUE(started.ok()) << started << "\n" << sim.log();
    const std::string venue = futures ? "binance_futures" : "binance_spot";
    ASSERT_EQ(e.binance_venue()->start_positions().size(), 1u);
    EXPECT_EQ(e.binance_venue()->start_positions()[0].qty_raw, 2'000'000);
    const std::string inventory = "dmabot_inventory_qty{symbol=\"ETHUSDT\",venue=\"" + venue + "\"}";
    const bool seeded = poll_until(10, [&] { return std::abs(metric(e, inventory) - 0.02) < 1e-12; });
    // Long 0.02 (60 USDT): a 40 USDT buy would hold 100 > 80.
    const bool refused =
        poll_until(30, [&] { return metric(e, "dmabot_risk_rejects_total{reason=\"inventory\"}") >= 1; });
    e.shutdown();
    EXPECT_TRUE(seeded) << e.metrics().render();
    EXPECT_TRUE(refused) << e.metrics().render();
    if (futures) {
      EXPECT_EQ(e.positions().avg_price(0, 0), core::Price::from_units(2990));
    } else {
      EXPECT_GT(e.positions().avg_price(0, 0).raw, core::Price::from_units(2900).raw);  // the first mid (~3000)
      EXPECT_LT(e.positions().avg_price(0, 0).raw, core::Price::from_units(3100).raw);
    }
    const std::string rec = tp::read_file(record);
    EXPECT_NE(rec.find("\"kind\":\"ctl\""), std::string::npos);
    EXPECT_NE(rec.find("\"cmd\":\"position_adjust\""), std::string::npos) << rec.substr(0, 2000);
    EXPECT_NE(rec.find("\"measured\":\"0.02\""), std::string::npos);
  }
}

// RECONCILE_S: the USD-M position is changed behind the engine's back while it trades, with no user-data
// event (event=0: as if lost in a stream gap): two rounds later it is counted as drift, logged and
// resynced — unless the next fill's ACCOUNT_UPDATE (absolute) showed it first; exactly one of the two
// corrects it, once, and after the run the engine's position is the exchange's.
// Trading itself (orders and fills in flight at every round) is not drift.
TEST(BinanceVenueEngine, APositionChangedBehindTheEnginesBackIsDriftCountedAndResynced) {
  SimProcess sim({}, {"--admin"});
  ASSERT_TRUE(sim.ok()) << sim.log();
  auto engine = venue_engine(with(venue_config(sim, true, ""), {"RECONCILE_S=1"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok()) << sim.log();
  BinanceVenue& v = *e.binance_venue();
  const std::string venue = "binance_futures";
  // Trading, and several rounds with it: no drift.
  ASSERT_TRUE(poll_until(60, [&] {
    e.poll_events();
    return reports(e, venue, core::ExecStatus::kNew) >= 5 && v.reconcile_rounds() >= 4;
  })) << e.metrics().render();
  EXPECT_EQ(v.position_drift(), 0u);
  // Behind its back: 0.5 ETH more than whatever it holds now (the sim sets the amount).
  const int64_t held = sim_futures_position(sim);
  ASSERT_EQ(sim_admin(sim, true,
                      "/sim/admin/position?symbol=ETHUSDT&amount=" + core::decimal_to_string(held + 50'000'000) +
                          "&entryPrice=3000&event=0"),
            "");
  // The next fill's ACCOUNT_UPDATE shows the absolute position, so the user-data path may see it first:
  // either way it is corrected exactly once (the two paths never both book it).
  const bool found = poll_until(30, [&] {
    e.poll_events();
    return v.position_drift() + e.risk().external_changes() >= 1;
  });
  ASSERT_TRUE(found) << e.metrics().render();
  const uint64_t rounds = v.reconcile_rounds();
  ASSERT_TRUE(poll_until(30, [&] {
    e.poll_events();
    return v.reconcile_rounds() >= rounds + 3;
  }));
  e.shutdown();
  EXPECT_EQ(v.position_drift() + e.risk().external_changes(), 1u) << "resynced once; later rounds agree";
  EXPECT_EQ(v.order_drift(), 0u) << "orders in flight at every round are not drift";
  EXPECT_EQ(metric(e, "dmabot_binance_drift_total{venue=\"binance_futures\",kind=\"position\"}"),
            static_cast<double>(v.position_drift()));
  EXPECT_EQ(e.positions().qty(0, 0).raw, sim_futures_position(sim)) << "the exchange wins";
}

// The sim's spot ETH balance (free, locked; raw), as GET account reports it.
std::pair<int64_t, int64_t> sim_spot_eth(const SimProcess& sim) {
  std::string err;
  const std::string body = sim_signed_get(sim, false, binance::kSpotAccount, err);
  EXPECT_EQ(err, "");
  binance::ResponseDecoder dec;
  binance::SpotAccount account;
  std::span<const binance::SpotAssetBalance> balances;
  EXPECT_TRUE(dec.decode_spot_account(body, account, balances).ok()) << body;
  for (const auto& b : balances) {
    if (b.asset.view() == "ETH") return {b.free.raw, b.locked.raw};
  }
  return {0, 0};
}

// Issue 11, positions from user data: while dynmm trades, the account changes behind the engine's back
// (+0.5 ETH: a USD-M position change announced by ACCOUNT_UPDATE, a spot deposit announced by
// outboundAccountPosition). With RECONCILE_S an hour away, the engine's position follows within
// seconds: exactly one change is counted as external (the engine's own fills, in the same stream
// before every account event, are not), recorded as one user_data ctl line of about +0.5 (exactly what
// the exchange changed beyond the fills risk had booked), and nothing is reconciliation drift. At the
// end the engine's position is the fills plus the recorded adjustments, fill for fill against the
// ledger, and equals the exchange's (spot: the wallet less the neutral 10 ETH).
TEST(BinanceVenueEngine, APositionChangedBehindTheEnginesBackFollowsFromUserData) {
  for (bool futures : {true, false}) {
    SCOPED_TRACE(futures ? "futures" : "spot");
    const std::string ledger = tp::temp_dir() + (futures ? "/ledger_f.jsonl" : "/ledger_s.jsonl");
    SimProcess sim({}, {"--admin", "--ledger", ledger});
    ASSERT_TRUE(sim.ok()) << sim.log();
    const std::string record = sim.dir + "/venue.jsonl";
    auto engine = venue_engine(with(venue_config(sim, futures, record), {"RECONCILE_S=3600"}));
    ASSERT_TRUE(engine.ok()) << engine.status();
    Engine& e = **engine;
    ASSERT_TRUE(e.start().ok()) << sim.log();
    const std::string venue = futures ? "binance_futures" : "binance_spot";
    auto fills = [&] {
      return reports(e, venue, core::ExecStatus::kFilled) + reports(e, venue, core::ExecStatus::kPartiallyFilled);
    };
    ASSERT_TRUE(poll_until(90,
                           [&] {
                             e.poll_events();
                             return fills() >= 2 && e.risk().position_events() >= 2;
                           }))
        << e.metrics().render() << sim.log();
    EXPECT_EQ(e.risk().external_changes(), 0u) << "the engine's own fills are not a change behind its back";
    const int64_t kChange = 50'000'000;  // 0.5 ETH
    if (futures) {
      const int64_t held = sim_futures_position(sim);
      ASSERT_EQ(sim_admin(sim, true,
                          "/sim/admin/position?symbol=ETHUSDT&amount=" + core::decimal_to_string(held + kChange) +
                              "&entryPrice=3000&reason=ADJUSTMENT"),
                "");
    } else {
      const auto [free, locked] = sim_spot_eth(sim);
      ASSERT_EQ(sim_admin(sim, false, "/sim/admin/balance?asset=ETH&free=" + core::decimal_to_string(free + kChange)),
                "");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const bool followed = poll_until(10, [&] {
      e.poll_events();
      return e.risk().external_changes() >= 1;
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(followed) << e.metrics().render();
    EXPECT_LT(seconds, 10.0);
    // More trading after the change: still no other external change.
    const double fills_then = fills();
    EXPECT_TRUE(poll_until(60, [&] {
      e.poll_events();
      return fills() >= fills_then + 2;
    })) << e.metrics().render();
    e.shutdown();
    EXPECT_EQ(e.risk().external_changes(), 1u);
    EXPECT_EQ(metric(e, "dmabot_position_external_changes_total{venue=\"" + venue + "\"}"), 1.0);
    EXPECT_GE(metric(e, "dmabot_position_events_total{venue=\"" + venue + "\"}"), 3.0);
    EXPECT_EQ(e.binance_venue()->position_drift(), 0u);
    const tp::RecordedAdjusts adjusts = tp::recorded_adjusts(record);
    ASSERT_EQ(adjusts.user_data.size(), 1u);
    // The change less at most the fills that landed between reading the account and setting it.
    EXPECT_NEAR(static_cast<double>(adjusts.user_data[0]), static_cast<double>(kChange), 3e6);
    check_against_ledger(e, ledger, record, venue, {.min_accepted = 2, .min_fills = 2, .user_data_adjusts = 1});
    if (futures) {
      EXPECT_EQ(e.positions().qty(0, 0).raw, sim_futures_position(sim)) << "the exchange's position";
    } else {
      const auto [free, locked] = sim_spot_eth(sim);
      // Within the base-asset commission of a last fill whose balance event came after the drain.
      EXPECT_NEAR(static_cast<double>(e.positions().qty(0, 0).raw), static_cast<double>(free + locked - 1'000'000'000),
                  1e3);
    }
  }
}

// A live Binance run recorded as a journal with input takes (RECORD_FORMAT=journal, threaded) replays to
// every signal and order again (issue 12, item 5), with no network: both products' venues are the
// recorded reports, and risk follows its recorded position events and confirmations — here a spot
// balance changed behind the engine's back, booked from user data after 1 s, which the replay books
// at the same point (and the market maker's later quotes, skewed by it, come out the same).
TEST(BinanceVenueEngine, ALiveRunsJournalReplaysExactlyWithItsPositionEvents) {
  SimProcess sim({}, {"--admin"});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/live.journal";
  auto engine = venue_engine(
      with(venue_config(sim, false, record), {"VENUE_MODE=binance", "FUTURES_SYMBOLS=ETHUSDT", "DYNMM_BASE_SIZE_USD=40",
                                              "RECORD_FORMAT=journal", "RECONCILE_S=3600"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok()) << sim.log();
  auto fills = [&](const std::string& v) {
    return reports(e, v, core::ExecStatus::kFilled) + reports(e, v, core::ExecStatus::kPartiallyFilled);
  };
  ASSERT_TRUE(poll_until(120,
                         [&] {
                           e.poll_events();
                           return fills("binance_spot") >= 1 && fills("binance_futures") >= 1 &&
                                  e.risk().position_events() >= 2;
                         }))
      << e.metrics().render() << sim.log();
  const auto [free, locked] = sim_spot_eth(sim);
  ASSERT_EQ(sim_admin(sim, false, "/sim/admin/balance?asset=ETH&free=" + core::decimal_to_string(free + 20'000'000)),
            "");
  ASSERT_TRUE(poll_until(30, [&] {
    e.poll_events();
    return e.risk().external_changes() >= 1;
  })) << e.metrics().render();
  const double orders_then = reports(e, "binance_spot", core::ExecStatus::kNew);
  EXPECT_TRUE(poll_until(60, [&] { return reports(e, "binance_spot", core::ExecStatus::kNew) >= orders_then + 5; }));
  e.shutdown();

  tp::Child c;
  const std::string exported = sim.dir + "/live.jsonl";
  ASSERT_EQ(tp::run({tp::dmabot_bin(), "export", record, "--jsonl", "--out", exported}, sim.dir, &c), 0)
      << tp::read_file(c.err_path);
  const tp::RecordedAdjusts live = tp::recorded_adjusts(exported);
  ASSERT_EQ(live.user_data.size(), 1u);
  int orders = 0;
  tp::for_each_recorded<core::Order>(exported, [&](const core::Order&, const core::SymbolTable&) { ++orders; });
  ASSERT_GE(orders, 10);

  const std::string replayed = sim.dir + "/re.jsonl";
  ASSERT_EQ(
      tp::run({tp::dmabot_bin(), "replay", record, "--diff", "--set", "RECORD_FORMAT=jsonl", "--record", replayed},
              sim.dir, &c),
      0)
      << tp::read_file(c.err_path) << tp::read_file(c.out_path);
  const std::string out = tp::read_file(c.out_path);
  EXPECT_NE(out.find("diff: identical: "), std::string::npos) << out;
  EXPECT_NE(out.find(" and " + std::to_string(orders) + " orders"), std::string::npos) << out;
  const tp::RecordedAdjusts again = tp::recorded_adjusts(replayed);
  EXPECT_EQ(again.user_data, live.user_data) << "the same change behind the engine's back, booked again";
  EXPECT_EQ(again.sum, live.sum);
  // Without the takes (the JSONL export) a live venue's run has nothing to stand in for its venues.
  ASSERT_EQ(tp::run({tp::dmabot_bin(), "replay", exported}, sim.dir, &c), 2);
  EXPECT_NE(tp::read_file(c.err_path).find("VENUE_MODE=binance: replay runs against mock or sim venues only"),
            std::string::npos)
      << tp::read_file(c.err_path);
}

// RECONCILE_S: an order of an earlier dmabot run that appears on the exchange while the engine runs
// (it is never the engine's) is order drift: counted and canceled. So is an order with this run's
// client id that the gateway does not track (reported by two snapshots in a row). An order dmabot did
// not place is never touched.
TEST(BinanceVenueEngine, AnEarlierRunsOrderFoundWhileRunningIsCanceled) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  auto engine = venue_engine(with(venue_config(sim, false, ""), {"RECONCILE_S=1"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok()) << sim.log();
  ASSERT_EQ(place_resting(sim, "dm00000003-5"), "");
  ASSERT_EQ(place_resting(sim, "by-hand-2"), "");
  char buf[binance_gateway::kClientIdTextMax];
  const std::string ours(e.binance_venue()->core().client_text(core::make_client_id(9, 12345), buf));
  ASSERT_EQ(place_resting(sim, ours), "");
  auto canceled = [&](const std::string& id) { return ledger_canceled(ledger, id); };
  const bool gone = poll_until(30, [&] {
    e.poll_events();
    return canceled("dm00000003-5") && canceled(ours);
  });
  const uint64_t rounds = e.binance_venue()->reconcile_rounds();
  ASSERT_TRUE(poll_until(30, [&] {
    e.poll_events();
    return e.binance_venue()->reconcile_rounds() >= rounds + 2;
  }));
  e.shutdown();
  EXPECT_TRUE(gone) << tp::read_file(ledger);
  EXPECT_EQ(e.binance_venue()->order_drift(), 2u);
  EXPECT_EQ(metric(e, "dmabot_binance_drift_total{venue=\"binance_spot\",kind=\"order\"}"), 2.0);
  EXPECT_FALSE(canceled("by-hand-2")) << "never touches an order dmabot did not place";
}

// ON_START_OPEN_ORDERS=adopt: an order an earlier dmabot run left is taken over — the gateway, risk and
// the router track it (reconciliation rounds leave it alone), and the shutdown's cancel-all (what
// SIGINT runs) cancels it on the exchange. An order dmabot did not place is never touched.
TEST(BinanceVenueEngine, AdoptTakesOverAnEarlierRunsOrderAndShutdownCancelsIt) {
  const std::string ledger = tp::temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string left = "dm00000005-9", manual = "by-hand-3";
  ASSERT_EQ(place_resting(sim, left), "");
  ASSERT_EQ(place_resting(sim, manual), "");
  auto canceled = [&](const std::string& id) { return ledger_canceled(ledger, id); };
  const std::string record = sim.dir + "/adopt.journal";
  auto engine = venue_engine(with(venue_config(sim, false, record), {"ON_START_OPEN_ORDERS=adopt", "RECONCILE_S=1",
                                                                     "MAX_NOTIONAL=1", "RECORD_FORMAT=journal"}));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok()) << sim.log();
  BinanceVenue& v = *e.binance_venue();
  ASSERT_EQ(v.adopted_orders().size(), 1u);
  const core::Order& o = v.adopted_orders()[0];
  EXPECT_EQ(o.side, core::Side::kBuy);
  EXPECT_EQ(o.qty.raw, 1'000'000);
  EXPECT_EQ(o.price, core::Price::from_units(2900));
  EXPECT_EQ(core::client_id_slot(o.client_id), 0);
  EXPECT_EQ(v.stale_orders_canceled(), 0u);
  // Risk counts it as working (MAX_NOTIONAL=1 keeps the market maker's own orders out); two
  // reconciliation rounds leave it alone.
  EXPECT_TRUE(poll_until(10, [&] { return metric(e, "dmabot_working_orders") == 1.0; })) << e.metrics().render();
  ASSERT_TRUE(poll_until(30, [&] {
    e.poll_events();
    return v.reconcile_rounds() >= 2;
  }));
  EXPECT_EQ(v.order_drift(), 0u);
  EXPECT_FALSE(canceled(left));
  e.shutdown();
  EXPECT_TRUE(canceled(left)) << tp::read_file(ledger);
  EXPECT_FALSE(canceled(manual)) << "never touches an order dmabot did not place";
  EXPECT_EQ(e.binance_venue()->core().live_orders(), 0u);
  EXPECT_EQ(reports(e, "binance_spot", core::ExecStatus::kCanceled), 1.0);
  // The recording holds the adoption (risk's and the router's takes): its exact replay cancels the
  // adopted order at the same point, as the run did.
  tp::Child c;
  ASSERT_EQ(tp::run({tp::dmabot_bin(), "replay", record, "--diff"}, sim.dir, &c), 0)
      << tp::read_file(c.err_path) << tp::read_file(c.out_path);
  EXPECT_NE(tp::read_file(c.out_path).find("diff: identical: "), std::string::npos) << tp::read_file(c.out_path);
  EXPECT_NE(tp::read_file(c.out_path).find(" and 1 orders"), std::string::npos) << tp::read_file(c.out_path);
}

}  // namespace
}  // namespace dmabot::tools
