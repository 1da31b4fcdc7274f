// Hot-path discipline, proven for the whole pipeline: after warm-up, the fused engine (mock feed ->
// five strategies -> risk -> router -> two mock venues, recorder drained inline) runs thousands of
// passes — ticks, signals, orders, acks, fills, cancels — without a single heap allocation. Global
// operator new is replaced in this executable by tests/common/alloc_counter.cpp.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/config.h"
#include "tests/common/alloc_counter.h"
#include "tools/engine.h"

namespace dmabot::tools {
namespace {

TEST(EngineNoAlloc, FusedPipelineAllocatesNothingAfterWarmUp) {
  const std::string rec = ::testing::TempDir() + "/noalloc.jsonl";
  auto cfg = core::Config::load(".env.mock", {"METRICS_PORT=-1", "RECORD_FILE=" + rec, "MOCK_MAX_TICKS=0"},
                                &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto ec = EngineConfig::from_config(*cfg);
  ASSERT_TRUE(ec.ok()) << ec.status();
  auto engine = Engine::create(std::move(*ec), *cfg, core::Clock::simulated(1'700'000'000'000'000'000));
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

TEST(EngineNoAlloc, TheCounterSeesAllocations) {
  const uint64_t before = testing::allocation_count();
  auto* p = new std::string(100, 'x');  // one allocation for the object, one for its buffer
  EXPECT_GE(testing::allocation_count() - before, 1u);  // the compiler may elide the object's own
  delete p;
}

}  // namespace
}  // namespace dmabot::tools
