// No allocation after warm-up: thousands of ticks through StrategyWorker + DynMm, with a scripted
// venue acknowledging, replacing, cancelling and filling, while every global operator new in this
// executable is counted. (Its own executable: the replaced operators apply program-wide.)
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
#include "strategy/strategy_worker.h"
#include "tests/common/alloc_counter.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using namespace testutil;

// A venue that answers every signal at once: kNew acks, replace = kCanceled(old) + kNew(new),
// cancel = kCanceled(target); every 5th new/replace order is then filled completely.
class ScriptedVenue {
 public:
  explicit ScriptedVenue(core::SpscRing<core::ExecReport>& exec) : exec_(exec) {}
  // Returns false if the exec ring had no room (the test sizes it so this never happens).
  bool answer(const core::Signal& s) {
    bool ok = true;
    if (s.action != core::SignalAction::kNew) {
      core::ExecReport gone = target_report(s, core::ExecStatus::kCanceled);
      ok = ok && exec_.try_push(gone);
    }
    if (s.action != core::SignalAction::kCancel) {
      ok = ok && exec_.try_push(report(s, core::ExecStatus::kNew));
      if (++orders_ % 5 == 0) {
        core::ExecReport fill = report(s, core::ExecStatus::kFilled);
        fill.last_qty = s.qty;
        fill.cum_qty = s.qty;
        ok = ok && exec_.try_push(fill);
      }
    }
    return ok;
  }
  uint64_t orders() const { return orders_; }

 private:
  core::SpscRing<core::ExecReport>& exec_;
  uint64_t orders_ = 0;
};

TEST(StrategyWorkerAlloc, NoAllocationAfterWarmUp) {
  constexpr int kSymbols = 3;
  constexpr int kWarmup = 5'000;
  constexpr int kMeasured = 30'000;
  core::SymbolTable table = make_symbols(kSymbols);

  DynMmParams p;
  p.sigma_window = 20;
  p.a = 1.0;
  p.b = 5.0;
  p.floor_bps = 2.0;
  p.inv_cap = qty("2");
  p.base_size_usd = 50.0;
  p.tolerance_bps = 0.5;
  p.min_requote_ms = 0;

  // Pre-generated random walk (seeded LCG), so the loop itself allocates nothing.
  std::vector<core::MdTick> ticks;
  ticks.reserve(kWarmup + kMeasured);
  uint64_t rng = 12345;
  int64_t mid_cents[kSymbols] = {10000, 5000, 20000};
  for (int i = 0; i < kWarmup + kMeasured; ++i) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    const int s = static_cast<int>((rng >> 33) % kSymbols);
    const int step = static_cast<int>((rng >> 40) % 5) - 2;  // -2..+2 cents
    mid_cents[s] += step;
    core::MdTick t;
    t.symbol = static_cast<core::SymbolId>(s);
    t.bid = core::Price::from_raw((mid_cents[s] - 1) * 1'000'000);
    t.ask = core::Price::from_raw((mid_cents[s] + 1) * 1'000'000);
    t.ts_local = static_cast<int64_t>(i + 1) * kMs;
    ticks.push_back(t);
  }

  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(64);
  core::SpscRing<core::ExecReport> exec(256);
  core::SpscRing<core::Signal> out(64);
  core::SpscRing<core::Signal> rec(64);
  core::Registry registry;
  WorkerMetrics m;
  for (int i = 0; i < kSymbols; ++i) m.signals_by_symbol.push_back(&registry.add_counter("signals_total", "x"));
  m.tick_to_signal = &registry.add_histogram("tick_to_signal_seconds", "x");
  m.ticks_seen = &registry.add_counter("strategy_ticks_total", "x");
  core::Counter waits;
  StrategyWorker worker("dynmm/0", AnyStrategy(std::in_place_type<DynMm>, p, StrategyContext{&table, 1}), clock,
                        WorkerRings{&md, &exec, &out, &rec, &waits}, std::move(m));
  ScriptedVenue venue(exec);

  uint64_t signals = 0;
  bool venue_ok = true;
  auto run = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      clock.advance_to(ticks[i].ts_local);
      while (!md.try_push(ticks[i])) worker.poll();
      worker.poll();
      core::Signal s;
      while (out.try_pop(s)) {
        ++signals;
        venue_ok = venue.answer(s) && venue_ok;
        worker.poll();  // take the reports before the venue ring could fill
      }
      while (rec.try_pop(s)) {
      }
    }
  };

  run(0, kWarmup);
  const uint64_t signals_after_warmup = signals;
  const uint64_t before = dmabot::testing::allocation_count();
  run(kWarmup, kWarmup + kMeasured);
  const uint64_t during = dmabot::testing::allocation_count() - before;

  EXPECT_GT(before, 0u);  // the counting operator new is in effect (setup allocated)
  EXPECT_EQ(during, 0u);
  EXPECT_TRUE(venue_ok);
  // The measured phase really exercised the hot path: many quotes, replaces and fills.
  EXPECT_GT(signals - signals_after_warmup, 1000u);
  EXPECT_GT(venue.orders(), 1000u);
  EXPECT_EQ(registry.counter_total("strategy_ticks_total"), static_cast<uint64_t>(kWarmup + kMeasured));
}

}  // namespace
}  // namespace dmabot::strategy
