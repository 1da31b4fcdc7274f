// FEED_MODE=binance end to end: the engine (in process, threaded, wall clock) reads binance-sim's
// streams (a child process: `dmabot binance-sim` on free loopback ports with its generated CA) and
// trades on mock venues. Checked: ticks reach the strategies and orders flow (metrics and the
// recording); USD-M brings bookTicker and markPrice; a dropped stream (the sim's drop-ws-every-s
// fault) marks the books stale — risk and the workers hear it, the market maker pulls its quotes and
// sends no new order on the symbol until the book recovered, then quotes again. Every wait polls a
// condition against a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "tests/tools/engine_test_util.h"
#include "tests/tools/sim_process.h"
#include "tests/tools/test_process.h"

namespace dmabot::tools {
namespace {

namespace tp = dmabot::testing;
using namespace std::chrono_literals;

using tp::SimProcess;

// The engine's configuration: the sim's streams, mock venues, a market maker that quotes early.
std::vector<std::string> live_config(const SimProcess& sim, const std::string& market, const std::string& record) {
  return {"FEED_MODE=binance",
          "VENUE_MODE=mock",
          "MARKET_TYPE=" + market,
          "BINANCE_ENV=local",
          "BINANCE_SPOT_STREAM_URL=wss://127.0.0.1:" + std::to_string(sim.spot_port),
          "BINANCE_FUTURES_STREAM_URL=wss://127.0.0.1:" + std::to_string(sim.futures_port),
          "BINANCE_CA_FILE=" + sim.ca,
          "SYMBOLS=BTCUSDT,ETHUSDT",
          market == "usdm" ? "TICK_SIZE=0.1,0.01" : "TICK_SIZE=0.01,0.01",
          market == "usdm" ? "STEP_SIZE=0.001,0.001" : "STEP_SIZE=0.00001,0.0001",
          "MIN_NOTIONAL=5",
          "STRATEGIES=dynmm",
          "DYNMM_SIGMA_WINDOW=3",
          "DYNMM_MIN_REQUOTE_MS=0",
          "MOCK_PARTIAL_PROB=0",
          "MAX_QPS=1000",
          "MAX_QPM=100000",
          "RECORD_FILE=" + record,
          "METRICS_PORT=-1",
          "IDLE_POLICY=sleep",
          "LOG_LEVEL=warn"};
}

absl::StatusOr<std::unique_ptr<Engine>> live_engine(const std::vector<std::string>& sets) {
  auto cfg = core::Config::parse("", "live.env", sets, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return build_test_engine(*cfg, core::Clock::live());
}

// Polls `cond` until it holds or `seconds` pass; `each` runs on every round (sampling).
bool poll_until(double seconds, const std::function<bool()>& cond, const std::function<void()>& each = {}) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (each) each();
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);  // polling a condition against a deadline
  }
  return false;
}

double metric(Engine& e, const std::string& name, const core::Labels& labels = {}) {
  return static_cast<double>(e.metrics().counter_value(name, labels));
}
// Gauges are read from the rendered text (the exporter's view): "dmabot_name{labels} value"; -1 when absent.
double gauge(Engine& e, const std::string& series) {
  const std::string text = e.metrics().render();
  const std::string key = "\ndmabot_" + series + " ";
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + key.size(), nullptr);
}

struct Recorded {
  std::string kind;  // md, ord, mark, ...
  core::UnixNanos ts = 0;
  core::UnixNanos ts_tick = 0;  // ord
  uint64_t client_id = 0;       // ord
  std::string symbol;
  core::SignalAction action = core::SignalAction::kNew;
};

std::vector<Recorded> read_recording(const std::string& path) {
  std::vector<Recorded> out;
  core::SymbolTable symbols;
  core::EventDecoder dec(&symbols);
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    core::RecordedEvent ev;
    if (dec.decode(line, ev) != core::DecodeResult::kOk) continue;
    Recorded r;
    r.kind = std::string(core::to_string(ev.kind));
    if (const auto* t = std::get_if<core::MdTick>(&ev.event)) {
      r.ts = t->ts_local;
      r.symbol = std::string(symbols.name(t->symbol));
    } else if (const auto* o = std::get_if<core::Order>(&ev.event)) {
      r.ts = o->ts_local;
      r.ts_tick = o->ts_tick;
      r.client_id = o->client_id;
      r.symbol = std::string(symbols.name(o->symbol));
      r.action = o->action;
    } else if (const auto* m = std::get_if<core::MarkPrice>(&ev.event)) {
      r.ts = m->ts_local;
      r.symbol = std::string(symbols.name(m->symbol));
    }
    out.push_back(std::move(r));
  }
  return out;
}

TEST(LiveFeed, SpotTicksReachTheStrategiesAndOrdersFlow) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/live.jsonl";
  auto engine = live_engine(live_config(sim, "spot", record));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_NE(e.binance_feed(), nullptr);
  ASSERT_TRUE(e.start().ok());
  const bool flowed = poll_until(60, [&] {
    return metric(e, "ticks_total", {{{"symbol", "BTCUSDT"}}}) >= 20 &&
           metric(e, "ticks_total", {{{"symbol", "ETHUSDT"}}}) >= 20 && e.metrics().counter_total("orders_total") >= 4;
  });
  e.shutdown();
  ASSERT_TRUE(flowed) << e.metrics().render() << "\nI/O: " << e.binance_feed()->io().last_error() << "\n" << sim.log();
  EXPECT_TRUE(e.feed_finished());  // shutdown stopped the feed (and joined its I/O thread)
  EXPECT_GT(metric(e, "strategy_ticks_total", {{{"strategy", "dynmm"}, {"worker", "0"}}}), 0);
  EXPECT_GT(metric(e, "md_stream_messages_total", {{{"stream", "spot_book"}}}), 0);
  EXPECT_EQ(e.binance_feed()->stage().stats().stale_events, 0u);
  EXPECT_EQ(e.risk_rejects(core::RejectReason::kStaleBook), 0u);
  // The recording has the ticks of both symbols and the orders they caused.
  const std::vector<Recorded> rec = read_recording(record);
  int md_btc = 0, md_eth = 0, ord_new = 0;
  for (const Recorded& r : rec) {
    if (r.kind == "md") (r.symbol == "BTCUSDT" ? md_btc : md_eth)++;
    if (r.kind == "ord" && r.action == core::SignalAction::kNew) ++ord_new;
  }
  EXPECT_GE(md_btc, 20);
  EXPECT_GE(md_eth, 20);
  EXPECT_GE(ord_new, 2);
  // The recording replays (on mock venues) although the sim's CA file it names is gone.
  ASSERT_EQ(::unlink(sim.ca.c_str()), 0);
  tp::Child c;
  EXPECT_EQ(tp::run({tp::dmabot_bin(), "replay", record, "--record", sim.dir + "/replayed.jsonl"}, tp::temp_dir(), &c,
                    {}, 60),
            0)
      << tp::read_file(c.err_path);
  EXPECT_NE(tp::read_file(c.out_path).find("ticks="), std::string::npos) << tp::read_file(c.out_path);
}

TEST(LiveFeed, UsdmBringsBookTickerAndMarkPrice) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/usdm.jsonl";
  auto engine = live_engine(live_config(sim, "usdm", record));
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok());
  const bool flowed = poll_until(60, [&] {
    return metric(e, "ticks_total", {{{"symbol", "BTCUSDT"}}}) >= 10 &&
           metric(e, "md_stream_messages_total", {{{"stream", "futures_mark"}}}) >= 2;
  });
  e.shutdown();
  ASSERT_TRUE(flowed) << e.metrics().render() << "\n" << sim.log();
  EXPECT_GT(metric(e, "strategy_ticks_total", {{{"strategy", "dynmm"}, {"worker", "0"}}}), 0);
  EXPECT_EQ(metric(e, "md_stream_messages_total", {{{"stream", "spot_book"}}}), 0);  // not streamed
  int marks = 0;
  for (const Recorded& r : read_recording(record)) marks += r.kind == "mark" && r.symbol == "BTCUSDT";
  EXPECT_GE(marks, 1);
}

// The sim cuts every connection every 3 s; the feed waits 1..2 s (BACKOFF_MIN = MAX = 2, equal
// jitter) before it reconnects, so each symbol's book is stale for a second or more each time (the
// sim publishes about ten ticks a second per symbol).
TEST(LiveFeed, ADroppedStreamMakesTheBookStaleTheMarketMakerPullsAndNothingNewGoesOutUntilRecovery) {
  SimProcess sim({"drop-ws-every-s=3"});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const std::string record = sim.dir + "/drops.jsonl";
  std::vector<std::string> sets = live_config(sim, "spot", record);
  sets.push_back("BINANCE_STREAM_BACKOFF_MIN_S=2");
  sets.push_back("BINANCE_STREAM_BACKOFF_MAX_S=2");
  auto engine = live_engine(sets);
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.start().ok());

  // Risk's view, sampled: three stale episodes of BTCUSDT, the book fresh again after the last one and
  // orders flowing after it.
  double orders_at_recovery = -1;
  const bool done = poll_until(
      90, [&] { return orders_at_recovery >= 0 && e.metrics().counter_total("orders_total") > orders_at_recovery + 2; },
      [&] {
        if (orders_at_recovery < 0 && metric(e, "book_stale_events_total", {{{"symbol", "BTCUSDT"}}}) >= 3 &&
            gauge(e, "book_stale{symbol=\"BTCUSDT\"}") == 0) {
          orders_at_recovery = static_cast<double>(e.metrics().counter_total("orders_total"));
        }
      });
  e.shutdown();
  ASSERT_TRUE(done) << e.metrics().render() << "\n" << sim.log();
  // Risk and the workers were told; the feed counted the drops and the reconnects.
  EXPECT_GE(metric(e, "book_stale_events_total", {{{"symbol", "ETHUSDT"}}}), 3);
  EXPECT_GE(metric(e, "md_stream_reconnects_total", {{{"stream", "spot_book"}}}), 3);
  const feed::BinanceStreamStage::Stats& st = e.binance_feed()->stage().stats();
  EXPECT_GE(st.stale_events, 6u);  // both symbols, three times
  EXPECT_GE(st.recovered_events, 6u);

  // The recording. While the stream was down no tick came: each stale window lies inside a gap
  // between two BTCUSDT ticks. An order whose ts_tick is no tick's time was caused by something else:
  // for the market maker, only the stale status (or a report while stale), and only to pull a quote;
  // its ts_tick is the status's time, so the first one in a gap marks when the book went stale. From
  // then until the first fresh tick risk must approve no new order or replace for BTCUSDT (orders
  // caused by earlier ticks included), and after it the market maker quotes again.
  const std::vector<Recorded> rec = read_recording(record);
  std::set<core::UnixNanos> tick_times;
  std::vector<std::pair<core::UnixNanos, core::UnixNanos>> gaps;
  core::UnixNanos last_tick = 0;
  for (const Recorded& r : rec) {
    if (r.kind != "md" || r.symbol != "BTCUSDT") continue;
    tick_times.insert(r.ts);
    if (last_tick != 0 && r.ts - last_tick > 500'000'000) gaps.emplace_back(last_tick, r.ts);
    last_tick = r.ts;
  }
  int gaps_with_pulls = 0, new_while_stale = 0, new_after = 0, pulls_outside_gaps = 0;
  for (const auto& [from, to] : gaps) {
    core::UnixNanos stale_at = 0;
    for (const Recorded& r : rec) {
      const bool pull = r.kind == "ord" && r.symbol == "BTCUSDT" && r.action == core::SignalAction::kCancel &&
                        core::client_id_slot(r.client_id) != 0 && tick_times.count(r.ts_tick) == 0;
      if (pull && r.ts_tick > from && r.ts_tick < to && (stale_at == 0 || r.ts_tick < stale_at)) stale_at = r.ts_tick;
    }
    if (stale_at == 0) continue;  // nothing was working when it went stale
    ++gaps_with_pulls;
    for (const Recorded& r : rec) {
      if (r.kind != "ord" || r.symbol != "BTCUSDT" || r.action == core::SignalAction::kCancel) continue;
      if (r.ts > stale_at && r.ts < to) ++new_while_stale;
      if (r.ts >= to && r.action == core::SignalAction::kNew) ++new_after;
    }
  }
  for (const Recorded& r : rec) {
    if (r.kind != "ord" || r.symbol != "BTCUSDT" || r.action != core::SignalAction::kCancel) continue;
    // Ticks' cancels, and the engine's own at shutdown (slot 0), are not pulls.
    if (tick_times.count(r.ts_tick) != 0 || core::client_id_slot(r.client_id) == 0) continue;
    // A drop shortly before the end leaves a stale window open after the last tick.
    bool inside = r.ts_tick > last_tick;
    for (const auto& [from, to] : gaps) inside = inside || (r.ts_tick > from && r.ts_tick < to);
    if (!inside) {
      ++pulls_outside_gaps;
      ADD_FAILURE() << "a pull outside the stale windows: ts_local " << r.ts << " ts_tick " << r.ts_tick;
    }
  }
  EXPECT_GE(gaps.size(), 3u);
  EXPECT_GE(gaps_with_pulls, 1) << gaps.size() << " gaps";
  EXPECT_EQ(new_while_stale, 0);
  EXPECT_GE(new_after, 1);
  EXPECT_EQ(pulls_outside_gaps, 0);  // the market maker pulls only while the book is stale
}

TEST(LiveFeed, FusedRunsRefuseTheLiveFeed) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  auto engine = live_engine(live_config(sim, "spot", ""));
  ASSERT_TRUE(engine.ok()) << engine.status();
  const absl::Status st = (*engine)->open_fused();
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("FEED_MODE=binance"), std::string_view::npos) << st;
  // The program says so before it builds anything (exit 2, one line).
  const std::string dir = tp::temp_dir();
  std::ofstream(dir + "/empty.env").close();
  tp::Child c;
  std::vector<std::string> args = {tp::dmabot_bin(), "run", "--env", dir + "/empty.env", "--fused"};
  for (const std::string& kv : live_config(sim, "spot", "")) {
    args.push_back("--set");
    args.push_back(kv);
  }
  EXPECT_EQ(tp::run(args, dir, &c, {}, 30), 2) << tp::read_file(c.err_path);
  EXPECT_NE(tp::read_file(c.err_path).find("FEED_MODE=binance is live market data"), std::string::npos)
      << tp::read_file(c.err_path);
}

}  // namespace
}  // namespace dmabot::tools
