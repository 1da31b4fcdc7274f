// Hot-path discipline, proven for the whole pipeline: after warm-up, the fused engine (mock feed ->
// five strategies -> risk -> router -> two mock venues, recorder drained inline) runs thousands of
// passes — ticks, signals, orders, acks, fills, cancels — without a single heap allocation. Global
// operator new is replaced in this executable by tests/common/alloc_counter.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "tests/common/alloc_counter.h"
#include "tests/common/test_data.h"
#include "tests/tools/engine_test_util.h"
#include "tools/backtest_driver.h"
#include "tools/engine.h"

namespace dmabot::tools {
namespace {

TEST(EngineNoAlloc, FusedPipelineAllocatesNothingAfterWarmUp) {
  const std::string rec = ::testing::TempDir() + "/noalloc.jsonl";
  auto cfg = core::Config::load(".env.mock", {"METRICS_PORT=-1", "RECORD_FILE=" + rec, "MOCK_MAX_TICKS=0"},
                                &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto engine = build_test_engine(*cfg);
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  ASSERT_TRUE(e.open_fused().ok());
  for (int i = 0; i < 50'000; ++i) e.step_fused();  // warm-up: windows fill, tables settle
  const auto before = e.summary();
  const uint64_t allocs_before = testing::allocation_count();
  for (int i = 0; i < 100'000; ++i) e.step_fused();
  const uint64_t allocs = testing::allocation_count() - allocs_before;
  const auto after = e.summary();
  e.shutdown();
  // The measured window really exercised the pipeline.
  EXPECT_GT(after.ticks - before.ticks, 10'000u);
  EXPECT_GT(after.signals - before.signals, 100u);
  EXPECT_GT(after.orders - before.orders, 100u);
  EXPECT_GT(after.fills - before.fills, 10u);
  EXPECT_EQ(allocs, 0u);
}

// The backtest pipeline: a real capture replayed (gzip reader, Binance parser, symbol map) through two
// strategies, risk, the router and the simulated exchange, with the backtest observer draining its
// rings and sampling into the BacktestRecorder after every pass.
void expect_backtest_allocates_nothing(const std::vector<std::string>& sets, uint64_t min_events,
                                       int warm_up_passes = 10'000) {
  auto cfg = core::Config::parse("", "test", sets, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto report = BacktestReportParams::from_config(*cfg);
  ASSERT_TRUE(report.ok()) << report.status();
  auto engine = build_test_engine(*cfg, core::Clock::simulated(kTestEngineStart), EngineOptions{true});
  ASSERT_TRUE(engine.ok()) << engine.status();
  Engine& e = **engine;
  BacktestRecorder rec(*report);
  BacktestObserver obs(e, rec, 0);
  e.set_fused_hook([](void* o) { static_cast<BacktestObserver*>(o)->drain(); }, &obs);
  ASSERT_TRUE(e.open_fused().ok());
  for (int i = 0; i < warm_up_passes && !e.feed_finished(); ++i) e.step_fused();  // warm-up
  const auto before = e.summary();
  const uint64_t events_before = e.market_events();
  const uint64_t allocs_before = testing::allocation_count();
  for (int i = 0; i < 60'000 && !e.feed_finished(); ++i) e.step_fused();
  const uint64_t allocs = testing::allocation_count() - allocs_before;
  const auto after = e.summary();
  const uint64_t events = e.market_events() - events_before;
  e.shutdown();
  e.set_fused_hook(nullptr, nullptr);
  EXPECT_GT(events, min_events);
  EXPECT_GT(after.orders - before.orders, 20u);
  EXPECT_GT(after.fills - before.fills, 5u);
  EXPECT_EQ(allocs, 0u);
}

// The longest in-repo cut (28 s, 2718 ticks and trades): a short warm-up, then the rest is measured.
TEST(EngineNoAlloc, BacktestOnARealCaptureCutAllocatesNothingAfterWarmUp) {
  const std::string data = testdata::fixture_capture("spot_btcusdt_20240808");
  expect_backtest_allocates_nothing({"FEED_MODE=replay", "REPLAY_FILE=" + data, "VENUE_MODE=sim", "METRICS_PORT=-1",
                                     "STRATEGIES=dynmm,as", "DYNMM_MIN_REQUOTE_MS=200", "AS_MIN_REQUOTE_MS=200"},
                                    1'500, 1'000);
}

TEST(EngineNoAlloc, BacktestOnAFullRealCaptureAllocatesNothingAfterWarmUp) {
  const std::string data = testdata::full_capture("spot_btcusdt_20240809");
  if (data.empty()) GTEST_SKIP() << testdata::skip_reason("spot_btcusdt_20240809");
  expect_backtest_allocates_nothing({"FEED_MODE=replay", "REPLAY_FILE=" + data, "VENUE_MODE=sim", "METRICS_PORT=-1",
                                     "STRATEGIES=dynmm,as", "DYNMM_MIN_REQUOTE_MS=200", "AS_MIN_REQUOTE_MS=200"},
                                    10'000);
}

TEST(EngineNoAlloc, BacktestOnTheSyntheticMarketAllocatesNothingAfterWarmUp) {
  expect_backtest_allocates_nothing(
      {"FEED_MODE=synthetic", "SYN_STEPS=40000", "VENUE_MODE=sim", "METRICS_PORT=-1", "SYMBOLS=SYNUSD", "STEP_SIZE=1",
       "MIN_NOTIONAL=0", "STRATEGIES=as", "AS_ORDER_QTY=1"},
      3'000);
}

TEST(EngineNoAlloc, TheCounterSeesAllocations) {
  const uint64_t before = testing::allocation_count();
  auto* p = new std::string(100, 'x');                  // one allocation for the object, one for its buffer
  EXPECT_GE(testing::allocation_count() - before, 1u);  // the compiler may elide the object's own
  delete p;
}

}  // namespace
}  // namespace dmabot::tools
