// RiskStage::poll() never allocates after construction. This executable replaces the global
// operator new/delete with counting versions, so it lives apart from the other risk tests.
#include <gtest/gtest.h>

#include <vector>

#include "risk/risk_stage.h"
#include "tests/common/alloc_counter.h"
#include "tests/risk/test_util.h"

namespace dmabot::risk {
namespace {

using core::ExecStatus;
using core::Side;
using namespace testing;

// The counter itself works (otherwise the test below would prove nothing).
TEST(RiskNoAlloc, CounterSeesAllocations) {
  const uint64_t before = dmabot::testing::allocation_count();
  auto* p = new std::vector<int>(100);
  const uint64_t after = dmabot::testing::allocation_count();
  delete p;
  // At least the vector's buffer (the compiler may elide the allocation of the object itself).
  EXPECT_GE(after - before, 1u);
}

TEST(RiskNoAlloc, PollAllocatesNothingAfterConstruction) {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  symbols.add("ETHUSDT");
  core::Clock clock = core::Clock::simulated(1'000 * kSec);
  core::Registry registry;
  moodycamel::ConcurrentQueue<core::Control> control;
  core::SpscRing<core::Signal> sig(256);
  core::SpscRing<core::MdTick> md(256);
  core::SpscRing<core::ExecReport> exec_in(256), to_worker(4), record(256);
  core::SpscRing<core::Order> order_out(8);  // small: exercises the "no room" paths too
  RiskRings r;
  r.signals_in = {&sig};
  r.md_in = &md;
  r.exec_in = &exec_in;
  r.order_out = &order_out;
  r.exec_to_worker = {&to_worker};
  r.record_exec = &record;
  RiskLimits l;
  l.max_qps = 100'000;
  l.max_qpm = 1'000'000;
  l.max_working_orders = 1024;
  RiskStage stage(l, symbols, 2, clock, r, &registry, &control);

  uint64_t allocs_in_polls = 0;  // only stage.poll() is measured, not the test's own set-up
  uint64_t polls = 0;
  auto poll_all = [&] {
    for (int i = 0; i < 1000; ++i) {
      const uint64_t before_poll = dmabot::testing::allocation_count();
      const int n = stage.poll();
      allocs_in_polls += dmabot::testing::allocation_count() - before_poll;
      ++polls;
      core::Order o;
      while (order_out.try_pop(o)) {
      }
      core::ExecReport e;
      while (to_worker.try_pop(e)) {
      }
      while (record.try_pop(e)) {
      }
      if (n == 0) return;
    }
  };
  uint64_t next = 1;
  for (int round = 0; round < 2000; ++round) {
    clock.advance_to(clock.now() + 3 * kMs);
    core::MdTick t;
    t.symbol = static_cast<core::SymbolId>(round % 2);
    t.bid = px(round % 3 ? "99.5" : "99.4");
    t.ask = px("100.5");
    ASSERT_TRUE(md.try_push(t));
    // Two accepted orders, one rejected (zero qty), one cancel of an unknown id.
    const uint64_t a = core::make_client_id(1, next++), b = core::make_client_id(1, next++);
    ASSERT_TRUE(sig.try_push(new_order(a, t.symbol, Side::kBuy, "0.1", "99")));
    ASSERT_TRUE(sig.try_push(new_order(b, t.symbol, Side::kSell, "0.1", "101")));
    ASSERT_TRUE(sig.try_push(new_order(core::make_client_id(1, next++), t.symbol, Side::kBuy, "0", "99")));
    ASSERT_TRUE(sig.try_push(cancel(core::make_client_id(1, next++))));
    poll_all();
    // The venue acks both, fills one, cancels the other.
    core::ExecReport ack = report(a, ExecStatus::kNew);
    ASSERT_TRUE(exec_in.try_push(ack));
    ASSERT_TRUE(exec_in.try_push(fill(t.symbol, static_cast<uint8_t>(round % 2), Side::kBuy, "0.1", "99", 100, a)));
    ASSERT_TRUE(exec_in.try_push(report(b, ExecStatus::kCanceled)));
    poll_all();
    if (round % 100 == 50) {
      // Cancel-all over a few working orders (the enqueue itself is outside the counted polls).
      for (int k = 0; k < 5; ++k) {
        ASSERT_TRUE(sig.try_push(new_order(core::make_client_id(1, next++), t.symbol, Side::kBuy, "0.1", "99")));
      }
      poll_all();
      core::Control c;
      c.command = core::ControlCommand::kCancelAll;
      control.enqueue(c);
      poll_all();
    }
  }
  EXPECT_GT(polls, 4000u);
  EXPECT_GT(stage.positions().fills(), 0u);
  EXPECT_GT(stage.rejects(core::RejectReason::kBadOrder), 0u);
  EXPECT_EQ(allocs_in_polls, 0u);
  EXPECT_GT(stage.working_orders(), 0u);
}

}  // namespace
}  // namespace dmabot::risk
