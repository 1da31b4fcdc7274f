// StrategyWorker: drains in order without loss through a tiny output ring, exec reports before
// ticks, stamping, metrics and the recorder tap.
#include <gtest/gtest.h>

#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
#include "strategy/strategy_worker.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using namespace testutil;

constexpr uint8_t kSlot = 2;

DynMmParams flat_params() {
  DynMmParams p;
  p.sigma_window = 2;
  p.a = 1.0;
  p.b = 0.0;
  p.floor_bps = 10.0;
  p.inv_cap = qty("1");
  p.base_size_usd = 50.0;
  p.tolerance_bps = 2.0;
  p.min_requote_ms = 0;
  return p;
}

struct Rig {
  explicit Rig(std::size_t out_cap, int n_symbols = 4, DynMmParams p = flat_params())
      : table(make_symbols(n_symbols)),
        clock(core::Clock::simulated(0)),
        md(64),
        exec(64),
        out(out_cap),
        rec(256) {
    WorkerRings rings{&md, &exec, &out, &rec, &waits};
    WorkerMetrics m;
    for (int i = 0; i < n_symbols; ++i) m.signals_by_symbol.push_back(&per_symbol[i]);
    if (n_symbols > 1) m.signals_by_symbol[1] = nullptr;  // a symbol of another shard: no counter
    m.tick_to_signal = &latency;
    m.ticks_seen = &ticks;
    worker = std::make_unique<StrategyWorker>("dynmm/0", AnyStrategy(std::in_place_type<DynMm>, p,
                                                                     StrategyContext{&table, kSlot}),
                                              clock, rings, std::move(m));
  }
  std::vector<core::Signal> pop_out() {
    std::vector<core::Signal> v;
    core::Signal s;
    while (out.try_pop(s)) v.push_back(s);
    return v;
  }
  const DynMm& mm() const { return std::get<DynMm>(worker->strategy()); }

  core::SymbolTable table;
  core::Clock clock;
  core::SpscRing<core::MdTick> md;
  core::SpscRing<core::ExecReport> exec;
  core::SpscRing<core::Signal> out;
  core::SpscRing<core::Signal> rec;
  core::Counter waits;
  core::Counter per_symbol[4];
  core::Counter ticks;
  core::LatencyHistogram latency;
  std::unique_ptr<StrategyWorker> worker;
};

TEST(StrategyWorker, TinyOutputRingLosesNothingAndKeepsOrder) {
  Rig rig(2);
  // Three rounds of ticks over four symbols at mid 100; each symbol's third tick quotes bid + ask
  // (window of 2 returns full): 8 signals from the last 4 ticks, ids 1..8 in tick order.
  for (int round = 0; round < 3; ++round) {
    for (core::SymbolId s = 0; s < 4; ++s) {
      ASSERT_TRUE(rig.md.try_push(tick(s, "99.99", "100.01", round * 100 + s)));
    }
  }
  rig.clock.advance_to(5000 * kMs);
  std::vector<core::Signal> got;
  // First poll: symbol 0's quotes fill the ring; symbol 1's stay pending and stop the input.
  EXPECT_GT(rig.worker->poll(), 0);
  EXPECT_EQ(rig.out.size_approx(), 2u);
  EXPECT_EQ(rig.worker->pending_signals(), 2u);
  EXPECT_EQ(rig.md.size_approx(), 2u);  // symbols 2 and 3's last ticks not consumed yet
  for (int i = 0; i < 20 && got.size() < 8; ++i) {
    for (const core::Signal& s : rig.pop_out()) got.push_back(s);
    rig.worker->poll();
  }
  for (const core::Signal& s : rig.pop_out()) got.push_back(s);
  ASSERT_EQ(got.size(), 8u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].symbol, i / 2);
    EXPECT_EQ(got[i].side, i % 2 == 0 ? Side::kBuy : Side::kSell);
    EXPECT_EQ(got[i].client_id, core::make_client_id(kSlot, i + 1));
    EXPECT_EQ(got[i].ts_local, 5000 * kMs);  // stamped from the clock
    EXPECT_EQ(got[i].ts_tick, (200 + i / 2) * kMs);
  }
  EXPECT_EQ(rig.worker->poll(), 0);  // idle
  EXPECT_EQ(rig.worker->signals_emitted(), 8u);
  // The recorder got the same signals in the same order.
  for (std::size_t i = 0; i < 8; ++i) {
    core::Signal s;
    ASSERT_TRUE(rig.rec.try_pop(s));
    EXPECT_EQ(s.client_id, got[i].client_id);
    EXPECT_EQ(s.ts_local, got[i].ts_local);
  }
  EXPECT_TRUE(rig.rec.empty_approx());
  // Metrics: 12 ticks; 2 signals per counted symbol; symbol 1 has no counter; 8 latencies.
  EXPECT_EQ(rig.ticks.value(), 12u);
  EXPECT_EQ(rig.per_symbol[0].value(), 2u);
  EXPECT_EQ(rig.per_symbol[1].value(), 0u);
  EXPECT_EQ(rig.per_symbol[2].value(), 2u);
  EXPECT_EQ(rig.per_symbol[3].value(), 2u);
  EXPECT_EQ(rig.latency.count(), 8u);
  // Sum of (5000 - 200 - s) ms over s = 0..3, twice each: 2 * (4 * 4800 - 6) ms.
  EXPECT_EQ(rig.latency.sum_ns(), static_cast<uint64_t>(2 * (4 * 4800 - 6) * kMs));
  EXPECT_EQ(rig.waits.value(), 0u);
}

TEST(StrategyWorker, ExecReportsAreHandledBeforeTicks) {
  DynMmParams p = flat_params();
  p.inv_cap = qty("0.3");
  Rig rig(16, 1, p);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i * 100)));
  rig.worker->poll();
  std::vector<core::Signal> q = rig.pop_out();
  ASSERT_EQ(q.size(), 2u);
  ASSERT_TRUE(rig.exec.try_push(report(q[0], ExecStatus::kNew)));
  ASSERT_TRUE(rig.exec.try_push(report(q[1], ExecStatus::kNew)));
  rig.worker->poll();
  // A tick and a partial fill to the cap arrive together. The tick was queued first, but the fill
  // must be seen first, so this very tick cancels the bid (inventory 0.3 >= cap 0.3).
  ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", 300)));
  ASSERT_TRUE(rig.exec.try_push(report(q[0], ExecStatus::kPartiallyFilled, "0.3", "0.3")));
  EXPECT_EQ(rig.worker->poll(), 3);  // 2 events + 1 signal
  std::vector<core::Signal> c = rig.pop_out();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].action, core::SignalAction::kCancel);
  EXPECT_EQ(c[0].target_id, q[0].client_id);
  EXPECT_EQ(rig.mm().inventory(0), qty("0.3"));
}

TEST(StrategyWorker, BatchIsBounded) {
  Rig rig(16, 1);
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i)));
  for (int i = 0; i < 10; ++i) {
    core::ExecReport r;
    r.client_id = core::make_client_id(kSlot + 1, 1);  // not ours: ignored, but consumed
    ASSERT_TRUE(rig.exec.try_push(r));
  }
  // 64 events per poll: 10 reports + 54 ticks (which produce the 2 first quotes); then the rest.
  EXPECT_EQ(rig.worker->poll(), 64 + 2);
  EXPECT_EQ(rig.md.size_approx(), 10u);
  EXPECT_EQ(rig.worker->poll(), 10);
  EXPECT_EQ(rig.ticks.value(), 64u);
}

}  // namespace
}  // namespace dmabot::strategy
