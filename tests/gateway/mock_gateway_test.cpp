// Mock venue lifecycle on a simulated clock: every expected time, quantity and fee below is worked
// out by hand from the parameters in the test.
#include "gateway/mock_gateway.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "tests/gateway/test_util.h"

namespace dmabot::gateway {
namespace {

using namespace testutil;

Order new_order(uint64_t id, const char* price, const char* q, TimeInForce tif = TimeInForce::kGtc,
                Side side = Side::kBuy) {
  Order o;
  o.client_id = id;
  o.price = px(price);
  o.qty = qty(q);
  o.symbol = 3;
  o.strategy = 7;
  o.side = side;
  o.tif = tif;
  o.action = OrderAction::kNew;
  return o;
}
Order cancel_order(uint64_t target) {
  Order o;
  o.action = OrderAction::kCancel;
  o.client_id = 999'000;
  o.target_id = target;
  o.symbol = 3;
  return o;
}

// Ack after 1000 ns, fill attempt 5000 ns after the ack.
MockGatewayParams base_params() {
  MockGatewayParams p;
  p.ack_latency_ns = 1000;
  p.fill_latency_ns = 5000;
  p.fill_prob = 1.0;
  p.partial_prob = 0.0;
  p.reject_prob = 0.0;
  p.seed = 1;
  p.maker_fee_bps = 2.0;
  p.taker_fee_bps = 5.0;
  return p;
}

// with_market: the venue gets a market-data ring (md) and fills by trade-through.
struct Harness {
  explicit Harness(MockGatewayParams p, std::size_t out_cap = 64, uint8_t venue = 2, bool with_market = false)
      : in(64), out(out_cap), md(64), gw("mock", venue, p, clock, &in, &out, with_market ? &md : nullptr) {}
  // Moves the clock to t, polls until idle and returns what came out.
  std::vector<ExecReport> at(core::UnixNanos t) {
    clock.advance_to(t);
    while (gw.poll() > 0) {
    }
    std::vector<ExecReport> got;
    ExecReport r;
    while (out.try_pop(r)) got.push_back(r);
    return got;
  }
  // Hands an order to the venue now (it arrives when poll() takes it off the ring).
  void send(const Order& o) {
    ASSERT_TRUE(in.try_push(o));
    while (gw.poll() > 0) {
    }
  }

  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<Order> in;
  core::SpscRing<ExecReport> out;
  core::SpscRing<core::MdTick> md;
  MockGateway gw;
};

TEST(MockGateway, AcksAfterAckLatency) {
  MockGatewayParams p = base_params();
  p.fill_prob = 0.0;
  Harness h(p);
  h.send(new_order(16, "100", "2"));
  EXPECT_TRUE(h.at(0).empty());
  EXPECT_TRUE(h.at(999).empty());
  auto r = h.at(1000);  // arrival 0 + ack 1000
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[0].ts_exchange, 1000);
  EXPECT_EQ(r[0].venue, 2);
  EXPECT_EQ(r[0].symbol, 3);
  EXPECT_EQ(r[0].strategy, 7);
  EXPECT_EQ(r[0].cum_qty, Qty{});
  EXPECT_EQ(h.gw.live_orders(), 1u);
  // fill_prob 0: a GTC order keeps resting after its single fill attempt at 6000.
  EXPECT_TRUE(h.at(100'000).empty());
  EXPECT_EQ(h.gw.live_orders(), 1u);
}

TEST(MockGateway, FillsAfterFillLatencyWithMakerFee) {
  Harness h(base_params());
  h.clock.advance_to(500);
  h.send(new_order(16, "100", "2"));
  ASSERT_EQ(h.at(500).size(), 0u);
  ASSERT_EQ(h.at(1500).size(), 1u);  // ack at 500 + 1000
  EXPECT_TRUE(h.at(6499).empty());
  auto r = h.at(6500);  // fill at ack 1500 + 5000
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].last_qty, qty("2"));
  EXPECT_EQ(r[0].cum_qty, qty("2"));
  EXPECT_EQ(r[0].last_px, px("100"));
  EXPECT_TRUE(r[0].maker);
  // notional 100 * 2 = 200; 2 bps of 200 = 0.04 = 4'000'000 raw
  EXPECT_EQ(r[0].fee_raw, 4'000'000);
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGateway, PartialThenFull) {
  MockGatewayParams p = base_params();
  p.partial_prob = 1.0;
  Harness h(p);
  h.send(new_order(16, "100", "3"));
  ASSERT_EQ(h.at(1000).size(), 1u);
  auto r = h.at(6000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(r[0].last_qty, qty("1.5"));  // half of 3
  EXPECT_EQ(r[0].cum_qty, qty("1.5"));
  EXPECT_EQ(r[0].fee_raw, 3'000'000);  // 100 * 1.5 = 150; 2 bps = 0.03
  EXPECT_TRUE(h.at(10'999).empty());
  r = h.at(11'000);  // another fill latency later
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].last_qty, qty("1.5"));
  EXPECT_EQ(r[0].cum_qty, qty("3"));
}

TEST(MockGateway, PartialHalfIsFloorOnTheRawGrid) {
  MockGatewayParams p = base_params();
  p.partial_prob = 1.0;
  Harness h(p);
  h.send(new_order(16, "100", "0.00000003"));  // 3 raw units
  h.at(1000);
  auto r = h.at(6000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last_qty.raw, 1);  // floor(3 / 2)
  r = h.at(11'000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last_qty.raw, 2);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
}

TEST(MockGateway, RejectProbabilityOneRejects) {
  MockGatewayParams p = base_params();
  p.reject_prob = 1.0;
  Harness h(p);
  h.send(new_order(16, "100", "1"));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kRejected);
  EXPECT_EQ(r[0].reject_reason, RejectReason::kVenueReject);
  EXPECT_TRUE(h.at(1'000'000).empty());  // no fill of a rejected order
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGateway, IocThatDoesNotFillExpires) {
  MockGatewayParams p = base_params();
  p.fill_prob = 0.0;
  Harness h(p);
  h.send(new_order(16, "100", "1", TimeInForce::kIoc));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  r = h.at(6000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kExpired);
  EXPECT_EQ(r[0].cum_qty, Qty{});
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGateway, IocFillPaysTakerFeeAndPartialRemainderExpires) {
  MockGatewayParams p = base_params();
  p.partial_prob = 1.0;
  Harness h(p);
  h.send(new_order(16, "100", "2", TimeInForce::kIoc, Side::kSell));
  h.at(1000);
  auto r = h.at(6000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(r[0].last_qty, qty("1"));
  EXPECT_FALSE(r[0].maker);
  EXPECT_EQ(r[0].side, Side::kSell);
  EXPECT_EQ(r[0].fee_raw, 5'000'000);  // 100 * 1 = 100; 5 bps = 0.05
  EXPECT_EQ(r[1].status, ExecStatus::kExpired);
  EXPECT_EQ(r[1].cum_qty, qty("1"));
  EXPECT_TRUE(h.at(100'000).empty());
}

TEST(MockGateway, CancelWorkingOrder) {
  MockGatewayParams p = base_params();
  p.fill_prob = 1.0;
  Harness h(p);
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  h.clock.advance_to(2000);
  h.send(cancel_order(16));
  auto r = h.at(3000);  // cancel arrives 2000, takes effect after the ack latency
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kCanceled);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[0].ts_exchange, 3000);
  // The fill that was due at 6000 no longer happens.
  EXPECT_TRUE(h.at(100'000).empty());
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGateway, CancelUnknownOrFinalOrderIsRejected) {
  Harness h(base_params());
  h.send(cancel_order(12345));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kCancelRejected);
  EXPECT_EQ(r[0].reject_reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(r[0].client_id, 12345u);

  h.send(new_order(32, "100", "1"));  // arrives 1000, acked 2000, filled 7000
  ASSERT_EQ(h.at(7000).size(), 2u);
  h.send(cancel_order(32));
  r = h.at(8000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kCancelRejected);
  EXPECT_EQ(r[0].client_id, 32u);
}

TEST(MockGateway, ReplaceCancelsOldThenAcksNew) {
  MockGatewayParams p = base_params();
  p.fill_prob = 0.0;
  Harness h(p);
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  Order rep = new_order(32, "101", "2");
  rep.action = OrderAction::kReplace;
  rep.target_id = 16;
  h.clock.advance_to(2000);
  h.send(rep);
  auto r = h.at(3000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kCanceled);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[0].last_px, px("100"));
  EXPECT_EQ(r[1].status, ExecStatus::kNew);
  EXPECT_EQ(r[1].client_id, 32u);
  EXPECT_EQ(r[1].last_px, px("101"));
  EXPECT_EQ(h.gw.live_orders(), 1u);

  // Replacing an order that no longer works does neither half.
  Order rep2 = new_order(48, "102", "1");
  rep2.action = OrderAction::kReplace;
  rep2.target_id = 16;
  h.send(rep2);
  r = h.at(4000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kCancelRejected);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[1].status, ExecStatus::kRejected);
  EXPECT_EQ(r[1].client_id, 48u);
  EXPECT_EQ(r[1].reject_reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(h.gw.live_orders(), 1u);
}

TEST(MockGateway, OpenOrderLimitRejects) {
  MockGatewayParams p = base_params();
  p.fill_prob = 0.0;
  p.max_live_orders = 2;
  Harness h(p);
  for (uint64_t id : {16, 32, 48}) h.send(new_order(id, "100", "1"));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  EXPECT_EQ(r[1].status, ExecStatus::kNew);
  EXPECT_EQ(r[2].status, ExecStatus::kRejected);
  EXPECT_EQ(r[2].client_id, 48u);
}

std::vector<ExecReport> run_random(uint64_t seed) {
  MockGatewayParams p = base_params();
  p.fill_prob = 0.5;
  p.partial_prob = 0.5;
  p.reject_prob = 0.2;
  p.seed = seed;
  Harness h(p, 1024);
  std::vector<ExecReport> all;
  for (uint64_t i = 1; i <= 200; ++i) {
    h.send(new_order(i << 4, "100", "1", i % 3 == 0 ? TimeInForce::kIoc : TimeInForce::kGtc));
    for (auto& r : h.at(static_cast<int64_t>(i) * 700)) all.push_back(r);
  }
  for (auto& r : h.at(10'000'000)) all.push_back(r);
  return all;
}

bool same_reports(const std::vector<ExecReport>& a, const std::vector<ExecReport>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].client_id != b[i].client_id || a[i].status != b[i].status || a[i].last_qty != b[i].last_qty ||
        a[i].ts_exchange != b[i].ts_exchange) {
      return false;
    }
  }
  return true;
}

TEST(MockGateway, SameSeedSameSequence) {
  const auto a = run_random(7);
  const auto b = run_random(7);
  const auto c = run_random(8);
  EXPECT_TRUE(same_reports(a, b));
  EXPECT_FALSE(same_reports(a, c));
  // The run exercised every branch the probabilities allow.
  int rejected = 0, partial = 0, filled = 0, expired = 0;
  for (const auto& r : a) {
    rejected += r.status == ExecStatus::kRejected;
    partial += r.status == ExecStatus::kPartiallyFilled;
    filled += r.status == ExecStatus::kFilled;
    expired += r.status == ExecStatus::kExpired;
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(partial, 0);
  EXPECT_GT(filled, 0);
  EXPECT_GT(expired, 0);
}

TEST(MockGateway, BackpressureWhenEventHeapFullLosesNothing) {
  MockGatewayParams p = base_params();
  p.max_live_orders = 2;  // heap of 4 * 2 = 8 scheduled events
  // An output ring of 2 also forces reports to wait for room.
  Harness h(p, 2);
  for (uint64_t i = 1; i <= 20; ++i) ASSERT_TRUE(h.in.try_push(new_order(i << 4, "100", "1")));
  while (h.gw.poll() > 0) {
  }
  EXPECT_EQ(h.gw.scheduled_events(), 8u);
  EXPECT_EQ(h.in.size_approx(), 12u);  // 20 - 8 left for later: nothing dropped

  std::vector<int> finals(21, 0);
  int reports = 0;
  for (int64_t t = 0; t <= 200'000; t += 500) {
    h.clock.advance_to(t);
    for (int spin = 0; spin < 50; ++spin) {
      h.gw.poll();
      ExecReport r;
      while (h.out.try_pop(r)) {
        ++reports;
        if (core::is_final(r.status)) ++finals[r.client_id >> 4];
      }
    }
  }
  EXPECT_EQ(h.in.size_approx(), 0u);
  for (int i = 1; i <= 20; ++i) EXPECT_EQ(finals[i], 1) << "order " << i;
  EXPECT_GE(reports, 20);
}

// --- with a market: fills by trade-through ------------------------------------------------------

core::MdTick tick(core::UnixNanos t, const char* bid, const char* ask, core::SymbolId sym = 3) {
  core::MdTick m;
  m.ts_local = t;
  m.ts_exchange = t;
  m.symbol = sym;
  m.bid = px(bid);
  m.ask = px(ask);
  m.bid_qty = qty("1");
  m.ask_qty = qty("1");
  return m;
}

// The venue with a market-data ring. Ack 1000 ns, reaches the matcher 5000 ns after the ack.
struct MarketHarness : Harness {
  explicit MarketHarness(MockGatewayParams p) : Harness(p, 64, 2, /*with_market=*/true) {}
  void market(const core::MdTick& m) { ASSERT_TRUE(md.try_push(m)); }
};

TEST(MockGatewayMarket, RestingBuyFillsOnlyWhenTheAskReachesIt) {
  MarketHarness h(base_params());  // fill_prob 1: without a market this order would fill at 6000
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(16, "99.90", "2"));
  ASSERT_EQ(h.at(1000).size(), 1u);        // kNew
  EXPECT_TRUE(h.at(6000).empty());         // at the matcher; ask 100.10 > 99.90
  h.market(tick(7000, "99.95", "99.91"));  // ask one tick above the bid: still not reached
  EXPECT_TRUE(h.at(7000).empty());
  h.market(tick(8000, "99.85", "99.90"));  // ask down to the order's price: trade-through
  auto r = h.at(8500);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].ts_exchange, 8000);  // the tick's time, not the poll's
  EXPECT_EQ(r[0].last_px, px("99.90"));
  EXPECT_TRUE(r[0].maker);
  // 99.9 * 2 = 199.8 notional; 2 bps = 0.03996
  EXPECT_EQ(r[0].fee_raw, 3'996'000);
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGatewayMarket, RestingSellAndOtherSymbolsTicks) {
  MarketHarness h(base_params());
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(17, "100.20", "1", TimeInForce::kGtc, Side::kSell));
  ASSERT_EQ(h.at(6000).size(), 1u);                     // kNew only
  h.market(tick(6500, "100.30", "100.40", /*sym=*/4));  // another symbol through the price: no fill
  EXPECT_TRUE(h.at(6500).empty());
  h.market(tick(7000, "100.20", "100.25"));  // bid up to the sell's price
  auto r = h.at(7000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].last_px, px("100.20"));
}

TEST(MockGatewayMarket, AlreadyReachedAtTheMatcherFillsAtOnceAtItsOwnPrice) {
  MarketHarness h(base_params());
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(16, "100.00", "1"));
  ASSERT_EQ(h.at(1000).size(), 1u);
  h.market(tick(3000, "99.80", "99.95"));  // before the order reaches the matcher at 6000
  EXPECT_TRUE(h.at(3000).empty());
  auto r = h.at(6000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].ts_exchange, 6000);
  EXPECT_EQ(r[0].last_px, px("100.00"));  // a resting order fills at its own price
}

TEST(MockGatewayMarket, IocTakesAtTheTouchOrExpires) {
  MarketHarness h(base_params());
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(16, "100.50", "1", TimeInForce::kIoc));
  h.send(new_order(18, "100.05", "1", TimeInForce::kIoc));  // below the ask: cannot take
  ASSERT_EQ(h.at(1000).size(), 2u);
  auto r = h.at(6000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].last_px, px("100.10"));  // the best ask, not the limit
  EXPECT_FALSE(r[0].maker);
  EXPECT_EQ(r[0].fee_raw, 5'005'000);  // 100.1 * 5 bps = 0.05005
  EXPECT_EQ(r[1].client_id, 18u);
  EXPECT_EQ(r[1].status, ExecStatus::kExpired);
  EXPECT_EQ(r[1].cum_qty, Qty{});
}

TEST(MockGatewayMarket, PostOnlyThatWouldTakeExpiresAtAck) {
  MarketHarness h(base_params());
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(16, "100.10", "1", TimeInForce::kPostOnly));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kExpired);
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

TEST(MockGatewayMarket, PartialThenRestAtTheNextTickThatStillTradesThrough) {
  MockGatewayParams p = base_params();
  p.partial_prob = 1.0;
  MarketHarness h(p);
  h.market(tick(0, "100.00", "100.10"));
  h.send(new_order(16, "100.00", "3"));
  ASSERT_EQ(h.at(6000).size(), 1u);
  h.market(tick(7000, "99.90", "100.00"));
  auto r = h.at(7000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(r[0].last_qty, qty("1.5"));
  h.market(tick(8000, "100.00", "100.05"));  // moved away: the rest waits
  EXPECT_TRUE(h.at(8000).empty());
  h.market(tick(9000, "99.95", "99.99"));
  r = h.at(9000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].cum_qty, qty("3"));
}

TEST(MockGatewayMarket, CancelledRestingOrderNeverFillsAndOthersStillDo) {
  MarketHarness h(base_params());
  h.market(tick(0, "100.00", "100.10"));
  for (uint64_t id : {16u, 17u, 18u}) h.send(new_order(id, "99.00", "1"));
  ASSERT_EQ(h.at(6000).size(), 3u);
  h.send(cancel_order(16));  // the first in the matcher's list: the last moves into its slot
  auto r = h.at(7000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kCanceled);
  h.market(tick(8000, "98.00", "98.50"));
  r = h.at(8000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[1].status, ExecStatus::kFilled);
  EXPECT_NE(r[0].client_id, 16u);
  EXPECT_NE(r[1].client_id, 16u);
  EXPECT_EQ(h.gw.live_orders(), 0u);
}

// A seeded random-walk market and a quoting loop: every maker fill must be at a price the market
// had reached when it happened (the opposite touch at or through the order's price), where the
// coin-flip venue filled most quotes at prices the market never touched.
TEST(MockGatewayMarket, SeededMarketNoMakerFillBeyondTheTouch) {
  MockGatewayParams p = base_params();
  p.partial_prob = 0.3;
  p.reject_prob = 0.05;
  MarketHarness h(p);
  core::SplitMix64 rng(2024);
  int64_t mid = 10'000'000'000;  // 100.00 in raw 1e-8
  const int64_t tick_raw = 1'000'000;
  uint64_t next_id = 100;
  int maker_fills = 0;
  // Ticks at whole microseconds, orders sent 300 ns later, so no venue event shares a tick's time
  // and "the touch at fill time" is unambiguous: the last tick stamped at or before the fill.
  std::vector<std::pair<core::UnixNanos, core::MdTick>> touches;
  auto check = [&](const std::vector<ExecReport>& reports) {
    for (const ExecReport& r : reports) {
      if (r.last_qty.is_zero()) continue;
      ASSERT_TRUE(r.maker);
      ++maker_fills;
      auto it = std::upper_bound(touches.begin(), touches.end(), r.ts_exchange,
                                 [](core::UnixNanos t, const auto& e) { return t < e.first; });
      ASSERT_NE(it, touches.begin());
      const core::MdTick& m = std::prev(it)->second;
      if (r.side == Side::kBuy) {
        EXPECT_LE(m.ask.raw, r.last_px.raw)
            << "buy filled at " << r.last_px.to_double() << " with ask " << m.ask.to_double();
      } else {
        EXPECT_GE(m.bid.raw, r.last_px.raw)
            << "sell filled at " << r.last_px.to_double() << " with bid " << m.bid.to_double();
      }
    }
  };
  for (int step = 1; step <= 20'000; ++step) {
    const core::UnixNanos t = step * 1'000;
    mid += (rng.uniform() < 0.5 ? -1 : 1) * tick_raw;
    core::MdTick m = tick(t, "1", "1");
    m.bid = core::Price::from_raw(mid - tick_raw);
    m.ask = core::Price::from_raw(mid + tick_raw);
    touches.emplace_back(t, m);
    h.market(m);
    check(h.at(t));
    if (step % 10 == 0 && h.gw.live_orders() < 40) {
      // Quotes 0..4 ticks behind the touch on both sides.
      const int64_t off = static_cast<int64_t>(rng.next() % 5) * tick_raw;
      Order b = new_order(next_id++, "1", "1");
      b.price = core::Price::from_raw(m.bid.raw - off);
      Order s = new_order(next_id++, "1", "1", TimeInForce::kGtc, Side::kSell);
      s.price = core::Price::from_raw(m.ask.raw + off);
      h.clock.advance_to(t + 300);
      ASSERT_TRUE(h.in.try_push(b));
      ASSERT_TRUE(h.in.try_push(s));
      check(h.at(t + 300));
    }
  }
  EXPECT_GT(maker_fills, 100);  // the walk does reach the quotes: the check above is not vacuous
}

// --- configuration -----------------------------------------------------------------------------

absl::StatusOr<std::vector<std::pair<std::string, MockGatewayParams>>> venues_from(const std::string& text) {
  auto cfg = core::Config::parse(text, "test.env", {}, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return mock_venues_from_config(*cfg);
}

TEST(MockGatewayConfig, DefaultsToOneMockVenue) {
  auto v = venues_from("");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].first, "mock");
  EXPECT_EQ((*v)[0].second.ack_latency_ns, 50'000);  // 50 µs
  EXPECT_DOUBLE_EQ((*v)[0].second.partial_prob, 0.2);
  EXPECT_EQ((*v)[0].second.seed, 1u);  // the mock market's MOCK_SEED default too
}

// Binance's base tier (VIP 0): spot 0.1% maker and taker; USD-M futures 0.02% maker, 0.05% taker.
TEST(MockGatewayConfig, FeesDefaultToBinanceBaseTierOfTheMarket) {
  auto v = venues_from("");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ((*v)[0].second.maker_fee_bps, 10.0);
  EXPECT_DOUBLE_EQ((*v)[0].second.taker_fee_bps, 10.0);
  EXPECT_EQ((*v)[0].second.market, MarketType::kSpot);
  v = venues_from("MARKET_TYPE=usdm\n");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ((*v)[0].second.maker_fee_bps, 2.0);
  EXPECT_DOUBLE_EQ((*v)[0].second.taker_fee_bps, 5.0);
  v = venues_from("MARKET_TYPE=usdm\nMOCK_MAKER_FEE_BPS=-0.5\n");  // the key still wins
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ((*v)[0].second.maker_fee_bps, -0.5);
  EXPECT_DOUBLE_EQ((*v)[0].second.taker_fee_bps, 5.0);
  v = venues_from("MARKET_TYPE=coinm\n");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("MARKET_TYPE='coinm' (test.env:1)"), std::string::npos)
      << v.status();
}

TEST(MockGatewayConfig, FillProbIsNoLongerAKey) {
  // The engine always gives the mock a market, so a fill coin flip would be ignored: say so.
  auto cfg = core::Config::parse("MOCK_FILL_PROB=0.5\n", "test.env", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(mock_venues_from_config(*cfg).ok());
  EXPECT_FALSE(cfg->check_unknown_keys().ok());
}

TEST(MockGatewayConfig, OneValueForAllOrOnePerVenue) {
  auto v = venues_from("MOCK_VENUES=a,b\nMOCK_ACK_LATENCY_US=10,20.5\nMOCK_SEED=7\nMOCK_TAKER_FEE_BPS=-1,3\n");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].first, "a");
  EXPECT_EQ((*v)[1].first, "b");
  EXPECT_EQ((*v)[0].second.ack_latency_ns, 10'000);
  EXPECT_EQ((*v)[1].second.ack_latency_ns, 20'500);  // 20.5 µs
  EXPECT_EQ((*v)[0].second.seed, 7u);
  EXPECT_EQ((*v)[1].second.seed, 7u);
  EXPECT_DOUBLE_EQ((*v)[0].second.taker_fee_bps, -1.0);
  EXPECT_DOUBLE_EQ((*v)[1].second.taker_fee_bps, 3.0);
}

TEST(MockGatewayConfig, WrongListLengthNamesTheKey) {
  auto v = venues_from("MOCK_VENUES=a,b,c\nMOCK_PARTIAL_PROB=0.1,0.2\n");
  ASSERT_FALSE(v.ok());
  const std::string msg(v.status().message());
  EXPECT_NE(msg.find("MOCK_PARTIAL_PROB='0.1,0.2' (test.env:2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 values"), std::string::npos) << msg;
}

TEST(MockGatewayConfig, BadValuesNameTheKey) {
  auto v = venues_from("MOCK_REJECT_PROB=1.5\n");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("MOCK_REJECT_PROB"), std::string::npos);
  v = venues_from("MOCK_SEED=-3\n");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("MOCK_SEED"), std::string::npos);
  v = venues_from("MOCK_VENUES=a,a\n");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("MOCK_VENUES"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::gateway
