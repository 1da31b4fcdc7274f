// Hot-path discipline, proven for the whole pipeline: after warm-up, the fused engine (mock feed ->
// five strategies -> risk -> router -> two mock venues, recorder drained inline) runs thousands of
// passes — ticks, signals, orders, acks, fills, cancels — without a single heap allocation. Global
// operator new is replaced in this executable with a counting version.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/clock.h"
#include "core/config.h"
#include "tools/engine.h"

// The replacement operators pair malloc with free by design; GCC cannot see that pairing.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

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
  const uint64_t allocs_before = g_allocations.load();
  for (int i = 0; i < 100'000; ++i) e.step_fused();
  const uint64_t allocs = g_allocations.load() - allocs_before;
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
  const uint64_t before = g_allocations.load();
  auto* p = new std::string(100, 'x');  // one allocation for the object, one for its buffer
  EXPECT_GE(g_allocations.load() - before, 2u);
  delete p;
}

}  // namespace
}  // namespace dmabot::tools
