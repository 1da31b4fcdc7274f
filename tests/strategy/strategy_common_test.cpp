// Shared strategy plumbing: SignalBuffer, StrategyCore quantization and ids, rolling windows,
// OrderTracker report handling, quote_target.
#include <gtest/gtest.h>

#include <cmath>

#include "strategy/order_tracker.h"
#include "strategy/quoting.h"
#include "strategy/rolling.h"
#include "strategy/signal_buffer.h"
#include "strategy/strategy.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using namespace testutil;

TEST(SignalBuffer, HoldsSixteenThenRefusesAndRewindsWhenDrained) {
  SignalBuffer b;
  core::Signal s;
  for (int i = 0; i < 16; ++i) {
    s.client_id = static_cast<uint64_t>(i + 1);
    ASSERT_TRUE(b.push(s));
  }
  EXPECT_FALSE(b.push(s));
  EXPECT_EQ(b.size(), 16u);
  EXPECT_EQ(b.remaining(), 0u);
  // Drain in order.
  for (uint64_t i = 1; i <= 16; ++i) {
    ASSERT_FALSE(b.empty());
    EXPECT_EQ(b.front().client_id, i);
    b.pop_front();
  }
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.remaining(), 16u);  // rewound
}

TEST(SignalBuffer, PartialDrainKeepsTheRestInOrder) {
  SignalBuffer b;
  core::Signal s;
  for (uint64_t i = 1; i <= 3; ++i) {
    s.client_id = i;
    ASSERT_TRUE(b.push(s));
  }
  b.pop_front();
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].client_id, 2u);
  EXPECT_EQ(b[1].client_id, 3u);
}

TEST(StrategyCore, QuantizesBidsDownAsksUpQuantityDown) {
  core::SymbolTable t = make_symbols();
  StrategyCore c(StrategyContext{&t, 7});
  // tick 0.01: 99.5024835 -> bid 99.50, ask 99.51; an exact grid price stays.
  EXPECT_EQ(c.quantize_price(0, Side::kBuy, 99.5024835), px("99.50"));
  EXPECT_EQ(c.quantize_price(0, Side::kSell, 99.5024835), px("99.51"));
  EXPECT_EQ(c.quantize_price(0, Side::kSell, 99.5), px("99.50"));
  // step 0.00001: 0.493242578 -> 0.49324 (down, never up).
  core::Qty q;
  ASSERT_TRUE(c.shape_qty(0, px("101.37"), 0.493242578, q));
  EXPECT_EQ(q, qty("0.49324"));
}

TEST(StrategyCore, RefusesZeroQtyAndNotionalBelowMinimum) {
  core::SymbolTable t = make_symbols();
  StrategyCore c(StrategyContext{&t, 7});
  core::Qty q;
  EXPECT_FALSE(c.shape_qty(0, px("100"), 0.000009, q));  // rounds to 0 steps
  // 0.04999 * 100 = 4.999 < 5 min notional; 0.05 * 100 = 5.00 is enough.
  EXPECT_FALSE(c.shape_qty(0, px("100"), 0.04999, q));
  EXPECT_TRUE(c.shape_qty(0, px("100"), 0.05, q));
  EXPECT_EQ(q, qty("0.05"));
  EXPECT_FALSE(c.shape_qty(0, px("0"), 1.0, q));
}

TEST(StrategyCore, ClientIdsAreInTheSlotNamespaceAndIncrease) {
  core::SymbolTable t = make_symbols();
  StrategyCore c(StrategyContext{&t, 7});
  EXPECT_EQ(c.next_id(), core::make_client_id(7, 1));
  EXPECT_EQ(c.next_id(), core::make_client_id(7, 2));
  core::ExecReport r;
  r.symbol = 0;
  r.client_id = core::make_client_id(7, 1) | 1;  // a router child
  EXPECT_TRUE(c.owns(r));
  r.client_id = core::make_client_id(8, 1);
  EXPECT_FALSE(c.owns(r));
  r.client_id = core::make_client_id(7, 1);
  r.symbol = 5;  // not in the table
  EXPECT_FALSE(c.owns(r));
}

TEST(StrategyCore, InventoryFollowsFillsSignedBySide) {
  core::SymbolTable t = make_symbols(2);
  StrategyCore c(StrategyContext{&t, 1});
  core::ExecReport r;
  r.symbol = 1;
  r.side = Side::kBuy;
  r.last_qty = qty("0.3");
  c.apply_fill(r);
  r.side = Side::kSell;
  r.last_qty = qty("0.1");
  c.apply_fill(r);
  r.last_qty = qty("0");  // an ack: not a fill
  c.apply_fill(r);
  EXPECT_EQ(c.inventory(1), qty("0.2"));  // 0.3 - 0.1
  EXPECT_EQ(c.inventory(0), qty("0"));
}

TEST(RollingStats, MeanAndPopulationStdevOverTheWindow) {
  RollingStats s(4);
  for (double x : {100.0, 100.0, 100.0, 104.0}) s.push(x);
  ASSERT_TRUE(s.full());
  // mean 101; deviations -1,-1,-1,3 -> variance (1+1+1+9)/4 = 3.
  EXPECT_DOUBLE_EQ(s.mean(), 101.0);
  EXPECT_NEAR(s.variance(), 3.0, 1e-9);
  s.push(108.0);  // window 100,100,104,108: mean 103, dev -3,-3,1,5 -> 44/4 = 11
  EXPECT_NEAR(s.mean(), 103.0, 1e-9);
  EXPECT_NEAR(s.variance(), 11.0, 1e-9);
  EXPECT_NEAR(s.sum(), 412.0, 1e-9);
}

TEST(RollingStats, StaysAccurateAfterManyRebases) {
  RollingStats s(3);
  for (int i = 0; i < 100000; ++i) s.push(60000.0 + (i % 7));
  // Last three pushes: i = 99997, 99998, 99999 -> i % 7 = 2, 3, 4 -> values 60002, 60003, 60004:
  // mean 60003, variance (1 + 0 + 1) / 3.
  EXPECT_NEAR(s.mean(), 60003.0, 1e-7);
  EXPECT_NEAR(s.variance(), 2.0 / 3.0, 1e-6);
}

TEST(RollingMinMax, TracksExtremesOfTheLastN) {
  RollingMinMax m(3);
  m.push(5);
  m.push(1);
  EXPECT_FALSE(m.full());
  m.push(3);
  EXPECT_TRUE(m.full());
  EXPECT_EQ(m.max(), 5);
  EXPECT_EQ(m.min(), 1);
  m.push(2);  // window 1,3,2
  EXPECT_EQ(m.max(), 3);
  EXPECT_EQ(m.min(), 1);
  m.push(4);  // window 3,2,4
  EXPECT_EQ(m.max(), 4);
  EXPECT_EQ(m.min(), 2);
  m.push(4);  // window 2,4,4
  m.push(4);  // window 4,4,4
  EXPECT_EQ(m.min(), 4);
}

class TrackerTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols();
  StrategyCore core_{StrategyContext{&table_, 3}};
  OrderTracker tr_;
  SignalBuffer buf_;
  core::MdTick t_ = tick(0, "99.99", "100.01", 1000);

  core::Signal place() {
    EXPECT_TRUE(tr_.send_new(core_, t_, Side::kBuy, px("99.90"), qty("0.5"), core::TimeInForce::kPostOnly, buf_));
    return take(buf_).at(0);
  }
};

TEST_F(TrackerTest, NewIsInFlightUntilAcknowledged) {
  core::Signal s = place();
  EXPECT_EQ(s.action, core::SignalAction::kNew);
  EXPECT_EQ(s.ts_tick, t_.ts_local);
  EXPECT_EQ(s.ts_local, 0);
  EXPECT_EQ(s.strategy, 3);
  EXPECT_TRUE(tr_.has_order());
  EXPECT_TRUE(tr_.in_flight());
  EXPECT_TRUE(tr_.on_report(report(s, ExecStatus::kNew)));
  EXPECT_FALSE(tr_.in_flight());
  EXPECT_TRUE(tr_.has_order());
}

TEST_F(TrackerTest, RiskRejectionLeavesNoWorkingOrder) {
  core::Signal s = place();
  tr_.on_report(risk_reject(s, core::RejectReason::kNotionalOrder));
  EXPECT_FALSE(tr_.has_order());
  EXPECT_FALSE(tr_.in_flight());
}

TEST_F(TrackerTest, ReplaceWaitsForBothReportsThenTheNewOrderWorks) {
  core::Signal s = place();
  tr_.on_report(report(s, ExecStatus::kNew));
  ASSERT_TRUE(tr_.send_replace(core_, t_, px("99.80"), qty("0.5"), buf_));
  core::Signal rep = take(buf_).at(0);
  EXPECT_EQ(rep.action, core::SignalAction::kReplace);
  EXPECT_EQ(rep.target_id, s.client_id);
  EXPECT_NE(rep.client_id, s.client_id);
  EXPECT_TRUE(tr_.in_flight());
  tr_.on_report(target_report(rep, ExecStatus::kCanceled));
  EXPECT_TRUE(tr_.in_flight());  // the new order is not acknowledged yet
  tr_.on_report(report(rep, ExecStatus::kNew));
  EXPECT_FALSE(tr_.in_flight());
  EXPECT_EQ(tr_.order().id, rep.client_id);
  EXPECT_EQ(tr_.order().price, px("99.80"));
}

TEST_F(TrackerTest, ReplaceRejectedByRiskKeepsTheOldOrderWorking) {
  core::Signal s = place();
  tr_.on_report(report(s, ExecStatus::kNew));
  ASSERT_TRUE(tr_.send_replace(core_, t_, px("90.00"), qty("0.5"), buf_));
  core::Signal rep = take(buf_).at(0);
  tr_.on_report(risk_reject(rep, core::RejectReason::kPriceDeviation));
  EXPECT_FALSE(tr_.in_flight());
  EXPECT_EQ(tr_.order().id, s.client_id);
  EXPECT_EQ(tr_.order().price, px("99.90"));
}

TEST_F(TrackerTest, ReplaceOfAnOrderThatFilledMeanwhileLeavesNothing) {
  core::Signal s = place();
  tr_.on_report(report(s, ExecStatus::kNew));
  ASSERT_TRUE(tr_.send_replace(core_, t_, px("99.80"), qty("0.5"), buf_));
  core::Signal rep = take(buf_).at(0);
  tr_.on_report(report(s, ExecStatus::kFilled, "0.5", "0.5"));     // old filled before the replace
  tr_.on_report(target_report(rep, ExecStatus::kCancelRejected));  // so the venue refuses it
  EXPECT_TRUE(tr_.in_flight());
  tr_.on_report(report(rep, ExecStatus::kRejected));
  EXPECT_FALSE(tr_.has_order());
  EXPECT_FALSE(tr_.in_flight());
}

TEST_F(TrackerTest, CancelResolvesOnTheTargetsReportOrOnItsOwnRejection) {
  core::Signal s = place();
  tr_.on_report(report(s, ExecStatus::kNew));
  ASSERT_TRUE(tr_.send_cancel(core_, t_, buf_));
  core::Signal c = take(buf_).at(0);
  EXPECT_EQ(c.action, core::SignalAction::kCancel);
  EXPECT_EQ(c.target_id, s.client_id);
  EXPECT_NE(c.client_id, 0u);
  EXPECT_TRUE(tr_.in_flight());
  tr_.on_report(target_report(c, ExecStatus::kCanceled));
  EXPECT_FALSE(tr_.has_order());
  EXPECT_FALSE(tr_.in_flight());

  // Second order; this time the cancel is answered under its own id with kCancelRejected.
  core::Signal s2 = place();
  tr_.on_report(report(s2, ExecStatus::kNew));
  ASSERT_TRUE(tr_.send_cancel(core_, t_, buf_));
  core::Signal c2 = take(buf_).at(0);
  tr_.on_report(report(c2, ExecStatus::kCancelRejected));
  EXPECT_FALSE(tr_.has_order());
  EXPECT_FALSE(tr_.in_flight());
}

TEST_F(TrackerTest, SplitChildReportsMatchTheParent) {
  core::Signal s = place();
  core::ExecReport r = report(s, ExecStatus::kPartiallyFilled, "0.2", "0.2");
  r.client_id = s.client_id | 2;  // second child of a split
  EXPECT_TRUE(tr_.on_report(r));
  EXPECT_FALSE(tr_.in_flight());
  r.client_id = s.client_id | 1;
  r.status = ExecStatus::kFilled;
  EXPECT_TRUE(tr_.on_report(r));
  EXPECT_FALSE(tr_.has_order());
}

TEST_F(TrackerTest, SendFailsCleanlyWhenTheBufferIsFull) {
  core::Signal filler;
  while (buf_.push(filler)) {
  }
  EXPECT_FALSE(tr_.send_new(core_, t_, Side::kBuy, px("99.90"), qty("0.5"), core::TimeInForce::kGtc, buf_));
  EXPECT_FALSE(tr_.has_order());
  EXPECT_FALSE(tr_.in_flight());
}

TEST(QuoteTarget, PostOnlyQuotesStayOffTheOppositeTouch) {
  core::SymbolTable t = make_symbols();
  StrategyCore c(StrategyContext{&t, 1});
  const core::MdTick m = tick(0, "99.99", "100.01", 0);
  // A bid model price above the ask would cross: it is pulled to ask - tick = 100.00.
  QuoteTarget b = quote_target(c, m, Side::kBuy, 100.5, 1.0);
  EXPECT_TRUE(b.want);
  EXPECT_EQ(b.price, px("100.00"));
  QuoteTarget a = quote_target(c, m, Side::kSell, 99.0, 1.0);
  EXPECT_EQ(a.price, px("100.00"));  // bid + tick
  // Below min notional: 0.04 * 99 = 3.96 < 5.
  EXPECT_FALSE(quote_target(c, m, Side::kBuy, 99.0, 0.04).want);
}

}  // namespace
}  // namespace dmabot::strategy
