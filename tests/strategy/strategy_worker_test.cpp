// StrategyWorker: drains in order without loss through a tiny output ring, exec reports before
// ticks, stamping, metrics and the recorder tap.
#include "strategy/strategy_worker.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
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
      : table(make_symbols(n_symbols)), clock(core::Clock::simulated(0)), md(64), exec(64), out(out_cap), rec(256) {
    WorkerRings rings{&md, &exec, &out, &rec, &waits};
    rings.status_in = &status;
    WorkerMetrics m;
    for (int i = 0; i < n_symbols; ++i) m.signals_by_symbol.push_back(&per_symbol[i]);
    if (n_symbols > 1) m.signals_by_symbol[1] = nullptr;  // a symbol of another shard: no counter
    m.tick_to_signal = &latency;
    m.ticks_seen = &ticks;
    worker = std::make_unique<StrategyWorker>("dynmm/0",
                                              AnyStrategy(std::in_place_type<DynMm>, p, StrategyContext{&table, kSlot}),
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
  core::SpscRing<core::BookStatus> status{16};
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

// Exact replay (core/input_sequence.h): the worker takes exactly the recorded inputs in the recorded
// order, at the recorded times, and waits while the input due has nothing — even against its own
// preference (exec reports before ticks).
TEST(StrategyWorker, ReplayFollowsTheRecordedTakesTheirOrderAndTimes) {
  DynMmParams p = flat_params();
  p.inv_cap = qty("0.3");
  Rig rig(16, 1, p);
  using namespace core::take_ids;
  auto take = [](uint8_t input, uint32_t count, core::UnixNanos ts) {
    core::InputTake t;
    t.input = input;
    t.count = count;
    t.ts = ts;
    return t;
  };
  const std::vector<core::InputTake> takes = {take(kWorkerMd, 3, 1'000), take(kWorkerExec, 2, 2'000),
                                              take(kWorkerMd, 1, 3'000), take(kWorkerExec, 1, 4'000)};
  rig.worker->input_sequence().replay_from(takes.data(), takes.size());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i * 100)));
  rig.worker->poll();
  std::vector<core::Signal> q = rig.pop_out();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].ts_local, 1'000) << "stamped with the recorded time, not the clock's";
  // The acks are due; a tick that arrives first waits.
  ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", 250)));
  EXPECT_EQ(rig.worker->poll(), 0);
  EXPECT_EQ(rig.ticks.value(), 3u);
  ASSERT_TRUE(rig.exec.try_push(report(q[0], ExecStatus::kNew)));
  ASSERT_TRUE(rig.exec.try_push(report(q[1], ExecStatus::kNew)));
  // The fill is there too; live, the worker would take it before the tick. Recorded: after it.
  ASSERT_TRUE(rig.exec.try_push(report(q[0], ExecStatus::kPartiallyFilled, "0.3", "0.3")));
  rig.worker->poll();  // the two acks, then the tick
  EXPECT_EQ(rig.ticks.value(), 4u);
  EXPECT_EQ(rig.exec.size_approx(), 1u) << "the fill waits for its record";
  EXPECT_EQ(rig.mm().inventory(0), qty("0"));
  rig.worker->poll();
  EXPECT_EQ(rig.exec.size_approx(), 0u);
  EXPECT_EQ(rig.mm().inventory(0), qty("0.3"));
  EXPECT_TRUE(rig.worker->input_sequence().finished());
  // Past the recording nothing more is taken.
  ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", 400)));
  EXPECT_EQ(rig.worker->poll(), 0);
  EXPECT_EQ(rig.ticks.value(), 4u);
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

// Issue 8: after a risk rejection a strategy used to resend the same intent on every tick (~2k
// rejected signals per second once the kill switch tripped). The worker now holds new orders back.

// Quotes symbol 0 (three ticks fill DynMm's window of 2) and returns the bid and ask.
std::vector<core::Signal> first_quotes(Rig& rig) {
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i * 100)));
  rig.worker->poll();
  return rig.pop_out();
}
// One tick of symbol 0 at the rig's clock time; returns what the worker sent.
std::vector<core::Signal> tick_now(Rig& rig) {
  EXPECT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", rig.clock.now() / kMs)));
  rig.worker->poll();
  return rig.pop_out();
}
void deliver(Rig& rig, const core::ExecReport& r) {
  ASSERT_TRUE(rig.exec.try_push(r));
  rig.worker->poll();
}

// Risk rejects `s` at the rig's clock time; a tick 1 ms before `until_ms` sends nothing, and what a
// tick at `until_ms` sends is returned.
std::vector<core::Signal> reject_and_wait(Rig& rig, const core::Signal& s, core::RejectReason why, int64_t until_ms) {
  deliver(rig, risk_reject(s, why));
  rig.clock.advance_to((until_ms - 1) * kMs);
  EXPECT_TRUE(tick_now(rig).empty()) << "held until " << until_ms;
  rig.clock.advance_to(until_ms * kMs);
  return tick_now(rig);
}

TEST(StrategyWorkerBackoff, RiskRejectHoldsTheSymbolWithDoublingDelayUntilAnOrderIsAccepted) {
  Rig rig(16, 2);
  rig.clock.advance_to(1'000 * kMs);
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  deliver(rig, report(q[1], ExecStatus::kNew));  // the ask rests
  // The bid is refused by the QPS throttle: no new bid for 50 ms (BackoffPolicy::first_ns) ...
  deliver(rig, risk_reject(q[0], core::RejectReason::kQpsSecond));
  EXPECT_TRUE(rig.worker->holds(0));
  EXPECT_FALSE(rig.worker->holds(1));  // per symbol
  rig.clock.advance_to(1'049 * kMs);
  EXPECT_TRUE(tick_now(rig).empty());
  EXPECT_EQ(rig.worker->held_signals(), 1u);
  rig.clock.advance_to(1'050 * kMs);
  std::vector<core::Signal> again = tick_now(rig);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].side, Side::kBuy);
  EXPECT_EQ(again[0].action, core::SignalAction::kNew);
  // ... refused again: 100 ms this time.
  again = reject_and_wait(rig, again[0], core::RejectReason::kQpsSecond, 1'150);
  ASSERT_EQ(again.size(), 1u);
  // Accepted (the venue acknowledges it): the back-off is over, and the next reject starts at 50 ms.
  deliver(rig, report(again[0], ExecStatus::kNew));
  EXPECT_FALSE(rig.worker->holds(0));
  deliver(rig, report(again[0], ExecStatus::kCanceled));  // gone (e.g. cancelled at the venue)
  rig.clock.advance_to(1'200 * kMs);
  again = tick_now(rig);
  ASSERT_EQ(again.size(), 1u);
  again = reject_and_wait(rig, again[0], core::RejectReason::kNotionalOrder, 1'250);
  ASSERT_EQ(again.size(), 1u);
  // A venue's own reject (post-only would cross, filters) is not a risk reject: no back-off.
  core::ExecReport venue_reject = report(again[0], ExecStatus::kRejected);
  venue_reject.reject_reason = core::RejectReason::kVenueReject;
  deliver(rig, venue_reject);
  EXPECT_FALSE(rig.worker->holds(0));
  EXPECT_EQ(tick_now(rig).size(), 1u);
}

TEST(StrategyWorkerBackoff, DelayIsCappedAndRejectsPerTickStayBounded) {
  // Every new bid is refused; over 10 s of ticks every 1 ms the bid is retried only at the
  // back-off times (50, 100, 200 ms, then the 400 ms cap), never on every tick.
  Rig rig(16, 1);
  // Rebuild the worker with a small cap.
  WorkerRings rings{&rig.md, &rig.exec, &rig.out, nullptr, nullptr};
  rig.worker = std::make_unique<StrategyWorker>(
      "dynmm/0", AnyStrategy(std::in_place_type<DynMm>, flat_params(), StrategyContext{&rig.table, kSlot}), rig.clock,
      rings, WorkerMetrics{}, BackoffPolicy{50 * kMs, 400 * kMs});
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  deliver(rig, report(q[1], ExecStatus::kNew));
  deliver(rig, risk_reject(q[0], core::RejectReason::kInventory));
  std::vector<int64_t> sent_at;
  for (int64_t ms = 1; ms <= 10'000; ++ms) {
    rig.clock.advance_to(ms * kMs);
    for (const core::Signal& s : tick_now(rig)) {
      sent_at.push_back(ms);
      deliver(rig, risk_reject(s, core::RejectReason::kInventory));
    }
  }
  // Retries at 50, 150, 350, 750, then every 400 ms: 4 + (10000 - 750) / 400 = 4 + 23.
  ASSERT_GE(sent_at.size(), 4u);
  EXPECT_EQ((std::vector<int64_t>(sent_at.begin(), sent_at.begin() + 4)), (std::vector<int64_t>{50, 150, 350, 750}));
  EXPECT_EQ(sent_at.size(), 4u + 23u);
  EXPECT_EQ(sent_at.back(), 750 + 23 * 400);
}

TEST(StrategyWorkerBackoff, KillSwitchHaltsEveryNewOrderUntilRiskSaysResumed) {
  Rig rig(16, 2);
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  deliver(rig, report(q[1], ExecStatus::kNew));
  // A daily-loss reject means "halted": nothing new on any symbol, however long it lasts.
  deliver(rig, risk_reject(q[0], core::RejectReason::kDailyLoss));
  EXPECT_TRUE(rig.worker->halted());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.md.try_push(tick(1, "49.99", "50.01", 400 + i * 100)));
  rig.worker->poll();
  for (int64_t ms = 1'000; ms <= 600'000; ms += 1'000) {
    rig.clock.advance_to(ms * kMs);
    ASSERT_TRUE(tick_now(rig).empty()) << ms;
  }
  EXPECT_TRUE(rig.out.empty_approx());
  EXPECT_GT(rig.worker->held_signals(), 500u);
  // What the worker relies on: a held buffer refuses new orders (the strategy sees it full) but
  // still takes cancels, so a halted strategy can pull its quotes.
  SignalBuffer b;
  b.hold_new_orders(true);
  core::Signal c = q[1];
  c.action = core::SignalAction::kCancel;
  EXPECT_TRUE(b.push(c));
  EXPECT_FALSE(b.push(q[0]));
  EXPECT_EQ(b.remaining(), 0u);
  // Risk's "resumed" state report ends the halt; it is not passed to the strategy.
  core::ExecReport resumed;
  resumed.client_id = 0;
  resumed.venue = core::kRiskVenue;
  resumed.status = ExecStatus::kCanceled;
  deliver(rig, resumed);
  EXPECT_FALSE(rig.worker->halted());
  std::vector<core::Signal> back = tick_now(rig);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].side, Side::kBuy);
  // Risk's "halted" state report halts too, before any order was refused.
  core::ExecReport halted = resumed;
  halted.status = ExecStatus::kRejected;
  halted.reject_reason = core::RejectReason::kKillSwitch;
  deliver(rig, halted);
  EXPECT_TRUE(rig.worker->halted());
}

}  // namespace
}  // namespace dmabot::strategy

namespace dmabot::strategy {
namespace {

core::BookStatus book(core::SymbolId s, bool stale, int64_t ts_ms) {
  core::BookStatus st;
  st.symbol = s;
  st.stale = stale;
  st.ts_local = ts_ms * kMs;
  st.stale_since = st.ts_local;
  st.reason = core::StaleReason::kSilent;
  return st;
}

// The live feed's stale book reaches the strategy (DynMm pulls both quotes), holds the symbol's new
// orders in the worker until the recovery, and the next tick after it quotes again.
TEST(StrategyWorkerBookStatus, StaleBookPullsTheQuotesAndHoldsNewOrdersUntilRecovery) {
  Rig rig(16, 2);
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  deliver(rig, report(q[0], ExecStatus::kNew));
  deliver(rig, report(q[1], ExecStatus::kNew));

  ASSERT_TRUE(rig.status.try_push(book(0, true, 300)));
  rig.worker->poll();
  std::vector<core::Signal> pulled = rig.pop_out();
  ASSERT_EQ(pulled.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(pulled[i].action, core::SignalAction::kCancel);
    EXPECT_EQ(pulled[i].target_id, q[i].client_id);
    EXPECT_EQ(pulled[i].ts_tick, 300 * kMs);  // the status's time is the signal's origin
  }
  EXPECT_TRUE(rig.worker->book_stale(0));
  EXPECT_TRUE(rig.worker->holds(0));
  EXPECT_FALSE(rig.worker->holds(1));
  EXPECT_TRUE(rig.mm().stale(0));
  EXPECT_EQ(rig.worker->book_statuses(), 1u);
  deliver(rig, target_report(pulled[0], ExecStatus::kCanceled));
  deliver(rig, target_report(pulled[1], ExecStatus::kCanceled));
  // A tick racing the status (queued before the feed noticed) quotes nothing.
  EXPECT_TRUE(tick_now(rig).empty());
  EXPECT_FALSE(rig.mm().side(0, Side::kBuy).has_order());
  EXPECT_FALSE(rig.mm().side(0, Side::kSell).has_order());

  ASSERT_TRUE(rig.status.try_push(book(0, false, 400)));
  rig.worker->poll();
  EXPECT_FALSE(rig.worker->book_stale(0));
  EXPECT_FALSE(rig.worker->holds(0));
  EXPECT_TRUE(rig.out.empty_approx());  // a recovery alone sends nothing: the next tick decides
  rig.clock.advance_to(500 * kMs);
  const std::vector<core::Signal> back = tick_now(rig);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].action, core::SignalAction::kNew);
  EXPECT_EQ(back[1].action, core::SignalAction::kNew);
}

// An order still awaiting its ack when the book went stale is pulled as soon as the ack arrives.
TEST(StrategyWorkerBookStatus, AnOrderAckedAfterTheBookWentStaleIsCancelledOnItsAck) {
  Rig rig(16, 1);
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  ASSERT_TRUE(rig.status.try_push(book(0, true, 300)));
  rig.worker->poll();
  EXPECT_TRUE(rig.pop_out().empty());  // both in flight: nothing to cancel yet
  deliver(rig, report(q[1], ExecStatus::kNew));
  const std::vector<core::Signal> c = rig.pop_out();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].action, core::SignalAction::kCancel);
  EXPECT_EQ(c[0].target_id, q[1].client_id);
  deliver(rig, report(q[0], ExecStatus::kRejected));  // gone by itself: nothing to pull
  EXPECT_TRUE(rig.pop_out().empty());
}

// The feed pushes a status before the tick that follows it: a worker that finds both waiting
// handles the status first, whatever order its own loop would take them in.
TEST(StrategyWorkerBookStatus, StatusesGoBeforeTheTicksBehindThem) {
  Rig rig(16, 1);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i * 100)));
  rig.worker->poll();
  ASSERT_TRUE(rig.status.try_push(book(0, true, 150)));
  ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", 200)));  // would fill the window and quote
  rig.worker->poll();
  EXPECT_TRUE(rig.pop_out().empty());
  EXPECT_EQ(rig.ticks.value(), 3u);  // the tick was handed over (indicators stay current)
  ASSERT_TRUE(rig.status.try_push(book(0, false, 250)));
  ASSERT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", 300)));
  rig.worker->poll();
  EXPECT_EQ(rig.pop_out().size(), 2u);
}

// A strategy without the hook (the takers) is not called, yet the worker holds its symbol's new
// orders while the book is stale; risk's stale_book reject starts no back-off (the hold covers it).
TEST(StrategyWorkerBookStatus, StrategiesWithoutTheHookAreHeldAndStaleRejectsStartNoBackoff) {
  static_assert(HasBookStatusHook<DynMm> && HasBookStatusHook<AvellanedaStoikov>);
  static_assert(!HasBookStatusHook<MeanReversion> && !HasBookStatusHook<MaCrossover> &&
                !HasBookStatusHook<VolBreakout>);
  core::SymbolTable table = make_symbols(1);
  AnyStrategy mr(std::in_place_type<MeanReversion>, MeanReversionParams{}, StrategyContext{&table, kSlot});
  SignalBuffer b;
  on_book_status(mr, book(0, true, 1), b);  // the default: nothing
  EXPECT_TRUE(b.empty());

  Rig rig(16, 1);
  const std::vector<core::Signal> q = first_quotes(rig);
  ASSERT_EQ(q.size(), 2u);
  deliver(rig, risk_reject(q[0], core::RejectReason::kStaleBook));
  EXPECT_FALSE(rig.worker->holds(0));  // no back-off
  rig.clock.advance_to(1'000 * kMs);
  EXPECT_EQ(tick_now(rig).size(), 1u);  // the bid again, at once
}

// Risk's position adjust report (a position the engine did not trade: the exchange's at start) reaches
// DynMm through its on_position_adjust hook: started on a long 0.5, its first quotes are skewed (the b
// term widens the spread: 99.90 / 100.10) where a flat start quotes 99.95 / 100.05; at the inventory
// cap the bid is not quoted at all. The report halts nothing and is not a fill of the strategy's own.
// A worker of another shard ignores it.
TEST(StrategyWorkerPositionAdjust, AMarketMakerStartedOnAPositionQuotesSkewedFromItsFirstQuotes) {
  DynMmParams p = flat_params();
  p.b = 40.0;
  auto adjust = [](const char* q, Side side) {
    core::ExecReport r;
    r.client_id = 0;
    r.venue = core::kRiskVenue;
    r.status = ExecStatus::kPartiallyFilled;
    r.symbol = 0;
    r.side = side;
    r.last_qty = qty(q);
    r.cum_qty = r.last_qty;
    return r;
  };
  // Three ticks at mid 100 (window of 2 returns: sigma 0), then the quotes.
  auto first_quotes = [](Rig& rig) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(rig.md.try_push(tick(0, "99.99", "100.01", i * 100)));
    while (rig.worker->poll() != 0) {
    }
    return rig.pop_out();
  };
  Rig flat(16, 4, p);
  const std::vector<core::Signal> f = first_quotes(flat);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].price, px("99.95"));
  EXPECT_EQ(f[1].price, px("100.05"));

  Rig seeded(16, 4, p);
  ASSERT_TRUE(seeded.exec.try_push(adjust("0.5", Side::kBuy)));
  const std::vector<core::Signal> s = first_quotes(seeded);
  EXPECT_EQ(seeded.mm().inventory(0), qty("0.5"));
  EXPECT_FALSE(seeded.worker->halted());
  ASSERT_EQ(s.size(), 2u);
  // spread = max(40 * 0.5 / 1, 10) = 20 bps, half 0.001.
  EXPECT_EQ(s[0].side, Side::kBuy);
  EXPECT_EQ(s[0].price, px("99.90"));
  EXPECT_EQ(s[1].side, Side::kSell);
  EXPECT_EQ(s[1].price, px("100.10"));

  Rig capped(16, 4, p);
  ASSERT_TRUE(capped.exec.try_push(adjust("1", Side::kBuy)));
  const std::vector<core::Signal> c = first_quotes(capped);
  ASSERT_EQ(c.size(), 1u) << "long the cap: only the ask";
  EXPECT_EQ(c[0].side, Side::kSell);

  Rig other_shard(16, 4, p);
  other_shard.worker->set_shard(2, 1);  // symbols 1, 3
  ASSERT_TRUE(other_shard.exec.try_push(adjust("0.5", Side::kBuy)));
  while (other_shard.worker->poll() != 0) {
  }
  EXPECT_EQ(other_shard.mm().inventory(0), qty("0"));
}

}  // namespace
}  // namespace dmabot::strategy
