// The backtest driver end to end, in process: real backtests (the synthetic market always, a real
// capture: the in-repo cut) whose report numbers are checked against the engine's own
// accounting — risk's positions for PnL and fees, risk's metric counters for rejects.
#include "tools/backtest_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "tests/common/test_data.h"
#include "tools/backtest_report.h"
#include "tools/engine.h"
#include "tests/tools/engine_test_util.h"

namespace dmabot::tools {
namespace {

struct Outcome {
  BacktestSummary summary;
  EngineSummary engine;
  double equity = 0.0;  // risk's positions at the end
  double fees = 0.0;
  std::string html;
};

Outcome backtest(const std::vector<std::string>& sets, core::Config::EnvLookup env = &core::Config::no_env) {
  Outcome out;
  auto cfg = core::Config::parse("", "test", sets, env);
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  if (!cfg.ok()) return out;
  auto engine = build_test_engine(*cfg, core::Clock::simulated(kTestEngineStart), EngineOptions{true});
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return out;
  Engine& e = **engine;
  BacktestRecorder rec(e.config().backtest);
  const absl::Status st = run_backtest(e, rec, 0);
  EXPECT_TRUE(st.ok()) << st;
  out.summary = summarize(rec, e.market_events());
  out.engine = e.summary();
  out.equity = e.positions().total_equity();
  out.fees = static_cast<double>(e.positions().total_fees_raw()) / 1e8;
  out.html = render_html(out.summary, rec, "test");
  return out;
}

const std::vector<std::string> kSynthetic = {"FEED_MODE=synthetic", "SYN_STEPS=20000", "VENUE_MODE=sim",
                                             "METRICS_PORT=-1",     "SYMBOLS=SYNUSD",  "STEP_SIZE=1",
                                             "MIN_NOTIONAL=0",      "STRATEGIES=as",   "AS_ORDER_QTY=1"};

std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// spread capture + inventory - fees = net PnL, where net PnL is risk's equity (realized +
// unrealized - fees, average-cost accounting) and the split is the report's own bookkeeping.
void expect_split_adds_up(const Outcome& o) {
  const BacktestSummary& s = o.summary;
  ASSERT_GT(s.fills, 10u) << "the run must trade for the identity to mean anything";
  EXPECT_DOUBLE_EQ(s.net_pnl, o.equity);  // the last sample is taken after the last fill
  EXPECT_NEAR(s.fees, o.fees, 1e-9);
  const double scale = std::max({1.0, std::fabs(s.spread_capture), std::fabs(s.inventory_pnl), std::fabs(s.fees)});
  EXPECT_NEAR(s.spread_capture + s.inventory_pnl - s.fees, s.net_pnl, 1e-9 * scale)
      << "spread " << s.spread_capture << " inventory " << s.inventory_pnl << " fees " << s.fees;
  EXPECT_NE(s.spread_capture, 0.0);
  EXPECT_NE(s.inventory_pnl, 0.0);
}

TEST(BacktestDriver, PnlSplitAddsUpOnTheSyntheticMarket) { expect_split_adds_up(backtest(kSynthetic)); }

TEST(BacktestDriver, PnlSplitAddsUpOnARealCapture) {
  const std::string data = testdata::fixture_capture("spot_btcusdt_20240808");  // the in-repo 28 s cut
  const Outcome o = backtest({"FEED_MODE=replay", "REPLAY_FILE=" + data, "VENUE_MODE=sim", "METRICS_PORT=-1",
                              "STRATEGIES=dynmm", "SYMBOLS=BTCUSDT", "TICK_SIZE=0.01", "STEP_SIZE=0.00001",
                              // quotes close enough to trade ~20 times in the cut's 28 s
                              "DYNMM_MIN_REQUOTE_MS=200", "DYNMM_FLOOR_BPS=0.5"});
  expect_split_adds_up(o);
  // The markouts have a mid path behind them (28 s of data: most fills reach the 1 s markout).
  EXPECT_GT(o.summary.markout_fills[0], o.summary.fills / 2);
  EXPECT_GT(o.summary.round_trips, 0u);
}

// MAX_QPS=1 against a strategy that requotes both sides every 200 ms: most signals hit the QPS
// limit. The report counts them by reason; the total matches risk's own metric counters; and a run
// where risk rejects at least as many signals as reach the venue says so.
TEST(BacktestDriver, RejectsByReasonWithATinyQpsLimit) {
  const Outcome o = backtest(with(kSynthetic, {"MAX_QPS=1", "AS_MIN_REQUOTE_MS=200"}));
  const BacktestSummary& s = o.summary;
  uint64_t qps = 0, total = 0;
  for (const auto& [reason, n] : s.rejects.risk) {
    total += n;
    if (reason == "qps_second") qps = n;
  }
  EXPECT_GT(qps, 0u);
  EXPECT_EQ(total, o.engine.risk_rejects);  // risk_rejects_total{reason}, summed by the registry
  EXPECT_EQ(s.risk_rejects, total);
  ASSERT_GE(s.risk_rejects, s.orders);
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_NE(s.warnings[0].find("results are shaped by risk limits"), std::string::npos) << s.warnings[0];
  EXPECT_NE(s.warnings[0].find("(most: qps_second "), std::string::npos) << s.warnings[0];
  EXPECT_NE(s.to_json().find("\"risk_rejects_qps_second\":" + std::to_string(qps) + ","), std::string::npos);
  EXPECT_NE(o.html.find("<b>Warning:</b> results are shaped by risk limits"), std::string::npos);

  // Without the limit the same run is not shaped by QPS.
  const Outcome free = backtest(kSynthetic);
  EXPECT_EQ(free.summary.to_json().find("risk_rejects_qps_second"), std::string::npos) << free.summary.to_json();
}

TEST(BacktestDriver, ReportsTheParametersUsedWithoutSecrets) {
  // Credentials come from the environment only (a --set one is refused).
  auto env = [](const char* key) -> std::optional<std::string> {
    if (std::string_view(key) == "BINANCE_API_KEY") return "key-abc-123";
    if (std::string_view(key) == "BINANCE_API_SECRET") return "s3cr3t-xyz";
    return std::nullopt;
  };
  const Outcome o = backtest(with(kSynthetic, {"SIM_MAKER_FEE_BPS=1.5", "SIM_TAKER_FEE_BPS=5", "AS_GAMMA=0.002"}), env);
  const BacktestSummary& s = o.summary;
  EXPECT_EQ(s.maker_fee_bps, 1.5);
  EXPECT_EQ(s.taker_fee_bps, 5.0);
  const std::string doc = s.to_json_document();
  for (const std::string& text : {doc, o.html, s.to_text()}) {
    EXPECT_EQ(text.find("s3cr3t-xyz"), std::string::npos);
    EXPECT_EQ(text.find("key-abc-123"), std::string::npos);
    EXPECT_EQ(text.find("BINANCE_API"), std::string::npos);
  }
  EXPECT_NE(doc.find("\"AS_GAMMA\":\"0.002\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("\"SIM_MAKER_FEE_BPS\":\"1.5\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("\"MAX_QPS\":"), std::string::npos) << doc;
  EXPECT_NE(doc.find("\"SYN_SIGMA\":"), std::string::npos) << doc;  // the synthetic market is the data
  EXPECT_NE(doc.find("\"maker_fee_bps\":1.5,"), std::string::npos) << doc;
  // Keys of strategies, feeds and venues not in the run, and plumbing, are not parameters of it.
  for (const char* absent : {"\"DYNMM_", "\"MOCK_", "\"REPLAY_", "\"METRICS_PORT\"", "\"THREAD_LAYOUT\""}) {
    EXPECT_EQ(doc.find(absent), std::string::npos) << absent;
  }
  EXPECT_NE(doc.find("\"money\":\"USD\""), std::string::npos) << doc;  // SYNUSD
  EXPECT_NE(o.html.find("<td>AS_GAMMA</td><td class=\"v\">0.002</td>"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::tools
