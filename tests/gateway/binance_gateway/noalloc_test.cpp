// The Binance gateways allocate nothing on their own thread per order after warm-up: encode, sign,
// submit, read the answers, decode user data, update the table, emit reports — measured on this
// thread only (tests/common/alloc_counter.cpp counts per thread; the clients' I/O threads and the
// in-process binance-sim allocate freely meanwhile).
#include <gtest/gtest.h>

#include "tests/common/alloc_counter.h"
#include "tests/gateway/binance_gateway/gateway_rig.h"

namespace dmabot::binance_gateway {
namespace {

using core::ExecStatus;
using testing::Rig;
using testing::RigOptions;

// Place one resting order, then cancel it; true when both were answered.
bool round(Rig& rig, uint64_t n, core::Price px, core::Qty qty) {
  const core::Order o = rig.order(2 * n, core::Side::kBuy, px, qty);
  if (!rig.orders_push(o)) return false;
  if (!rig.poll_until([&] { return rig.has_fast(o.client_id, ExecStatus::kNew); })) return false;
  if (!rig.orders_push(rig.cancel_of(2 * n + 1, o.client_id))) return false;
  return rig.poll_until([&] { return rig.has_fast(o.client_id, ExecStatus::kCanceled); });
}

// An IOC through the ask: fills (spot: in the answer and again in user data; futures: from userTrades).
bool cross(Rig& rig, uint64_t n, core::Price px, core::Qty qty) {
  const core::Order o = rig.order(2 * n, core::Side::kBuy, px, qty, core::TimeInForce::kIoc);
  if (!rig.orders_push(o)) return false;
  return rig.poll_until([&] {
    return rig.has_fast(o.client_id, ExecStatus::kFilled) || rig.has_fast(o.client_id, ExecStatus::kExpired);
  });
}

void run(RigOptions opt, core::Qty qty) {
  opt.tweak = [](GatewayOptions& g) { g.fill_grace_ms = 20; };
  Rig rig(std::move(opt));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Price px = bid - core::Price::from_raw(rig.spec().price.tick_size.raw * 200);
  const core::Price through = ask + core::Price::from_raw(rig.spec().price.tick_size.raw * 20);
  rig.reports.reserve(100'000);
  // Spot allows 100 orders per 10 s (the governor keeps 90%): 40 + 40 orders fit.
  for (uint64_t i = 1; i <= 40; ++i) {
    ASSERT_TRUE(i % 4 == 0 ? cross(rig, i, through, qty) : round(rig, i, px, qty)) << i;
  }
  const uint64_t fills_before = rig.stats().fills.load();
  const uint64_t before = dmabot::testing::thread_allocation_count();
  for (uint64_t i = 41; i <= 80; ++i) {
    ASSERT_TRUE(i % 4 == 0 ? cross(rig, i, through, qty) : round(rig, i, px, qty)) << i;
  }
  EXPECT_EQ(dmabot::testing::thread_allocation_count() - before, 0u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 80u);
  EXPECT_GE(rig.stats().fills.load() - fills_before, 10u);  // the measured window had fills
}

TEST(BinanceGatewayNoAlloc, SpotWsApiOrderPathAllocatesNothingAfterWarmUp) {
  RigOptions o;
  run(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewayNoAlloc, SpotRestOrderPathAllocatesNothingAfterWarmUp) {
  RigOptions o;
  o.ws = false;
  run(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewayNoAlloc, FuturesRestOrderPathAllocatesNothingAfterWarmUp) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  run(o, core::Qty::from_raw(1'000'000));
}

}  // namespace
}  // namespace dmabot::binance_gateway
