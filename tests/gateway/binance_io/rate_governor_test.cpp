// RateGovernor: pure logic on an injected clock (every call takes now_ms). Limits and header names
// follow Binance's docs (rest-api.md "LIMITS": x-mbx-used-weight-(intervalNum)(intervalLetter),
// x-mbx-order-count-..., Retry-After on 429/418).
#include "gateway/binance_io/rate_governor.h"

#include <gtest/gtest.h>

#include <vector>

#include "gateway/binance_io/clock_offset.h"

namespace dmabot::binance_io {
namespace {

using Reason = RateGovernor::Reason;
constexpr int64_t kMin = 60'000;

std::vector<RateLimit> spot_limits(int64_t weight_per_min, int64_t orders_per_10s) {
  return {{RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, weight_per_min},
          {RateLimitType::kOrders, RateLimitInterval::kSecond, 10, orders_per_10s},
          {RateLimitType::kRawRequests, RateLimitInterval::kMinute, 5, 61000}};
}

TEST(UsageHeaders, ParsesBinanceNamesCaseInsensitively) {
  UsageHeaders u;
  EXPECT_TRUE(parse_usage_header("X-MBX-USED-WEIGHT-1M", "42", u));
  EXPECT_TRUE(parse_usage_header("x-mbx-order-count-10s", "3", u));
  EXPECT_TRUE(parse_usage_header("x-mbx-order-count-1d", "17", u));
  EXPECT_TRUE(parse_usage_header("Retry-After", " 12 ", u));
  EXPECT_FALSE(parse_usage_header("x-mbx-used-weight", "42", u));  // no interval: not one of the counters
  EXPECT_FALSE(parse_usage_header("x-mbx-used-weight-1x", "42", u));
  EXPECT_FALSE(parse_usage_header("x-mbx-used-weight-1m", "4a", u));
  EXPECT_FALSE(parse_usage_header("content-type", "x", u));
  ASSERT_EQ(u.n, 3);
  EXPECT_EQ(u.counts[0].type, RateLimitType::kRequestWeight);
  EXPECT_EQ(u.counts[0].interval, RateLimitInterval::kMinute);
  EXPECT_EQ(u.counts[0].interval_num, 1);
  EXPECT_EQ(u.counts[0].count, 42);
  EXPECT_EQ(u.counts[1].type, RateLimitType::kOrders);
  EXPECT_EQ(u.counts[1].interval, RateLimitInterval::kSecond);
  EXPECT_EQ(u.counts[1].interval_num, 10);
  EXPECT_EQ(u.counts[2].interval, RateLimitInterval::kDay);
  EXPECT_EQ(u.retry_after_s, 12);
}

TEST(RateGovernor, StopsAtTheHeadroomBeforeTheLimitAndResumesAtTheNextWindow) {
  RateGovernor g;  // headroom 0.9: 100 weight/min → budget 90
  g.set_limits(spot_limits(100, 50));
  const int64_t t = 7 * kMin + 1000;  // 1 s into a minute window
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(g.try_request(10, t).allowed) << i;
  const auto v = g.try_request(10, t);  // 100 > 90
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kWeight);
  EXPECT_EQ(v.wait_until_ms, 8 * kMin);
  EXPECT_FALSE(g.check_request(1, 8 * kMin - 1).allowed);
  EXPECT_TRUE(g.check_request(10, 8 * kMin).allowed);  // the window turned: count restarts
}

TEST(RateGovernor, HeadersRaiseTheCountButNeverLowerIt) {
  RateGovernor g;
  g.set_limits(spot_limits(100, 50));
  const int64_t t = 3 * kMin + 5;
  g.on_request_sent(20, t);
  UsageHeaders u;
  ASSERT_TRUE(parse_usage_header("x-mbx-used-weight-1m", "85", u));  // other clients on the same IP
  g.on_response(200, u, t + 1);
  EXPECT_EQ(g.count(RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, t + 1), 85);
  EXPECT_TRUE(g.check_request(5, t + 2).allowed);   // 90 <= 90
  EXPECT_FALSE(g.check_request(6, t + 2).allowed);  // 91 > 90
  UsageHeaders lower;
  ASSERT_TRUE(parse_usage_header("x-mbx-used-weight-1m", "10", lower));  // a late answer
  g.on_response(200, lower, t + 3);
  EXPECT_EQ(g.count(RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, t + 3), 85);
}

TEST(RateGovernor, OrdersCountAgainstTheOrderLimitsToo) {
  RateGovernor g;
  g.set_limits(spot_limits(6000, 10));  // 10 orders / 10 s → budget 9
  const int64_t t = 20'000;             // start of a 10 s window
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(g.try_order(1, t + i).allowed) << i;
  const auto v = g.try_order(1, t + 9);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kOrders);
  EXPECT_EQ(v.wait_until_ms, 30'000);
  EXPECT_TRUE(g.try_request(1, t + 9).allowed);  // a query is not an order
  EXPECT_TRUE(g.try_order(1, 30'000).allowed);
}

TEST(RateGovernor, A429RefusesEverythingUntilRetryAfter) {
  RateGovernor g;
  g.set_limits(spot_limits(6000, 50));
  const int64_t t = 100 * kMin + 12'345;
  UsageHeaders u;
  ASSERT_TRUE(parse_usage_header("Retry-After", "7", u));
  g.on_response(429, u, t);
  EXPECT_EQ(g.blocked_until_ms(), t + 7000);
  const auto v = g.check_request(1, t + 6999);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kRetryAfter);
  EXPECT_EQ(v.wait_until_ms, t + 7000);
  EXPECT_FALSE(g.check_order(1, t + 6999).allowed);
  EXPECT_TRUE(g.check_request(1, t + 7000).allowed);
}

TEST(RateGovernor, A418WithoutRetryAfterUsesTheDefaultBanAndA429TheMinute) {
  RateGovernor g;
  const int64_t t = 10 * kMin + 500;
  g.on_response(429, UsageHeaders{}, t);
  EXPECT_EQ(g.blocked_until_ms(), 11 * kMin);
  g.on_response(418, UsageHeaders{}, t);
  EXPECT_EQ(g.blocked_until_ms(), t + 2 * kMin);
}

TEST(RateGovernor, WeightLargerThanTheBudgetIsNamed) {
  RateGovernor g;
  g.set_limits(spot_limits(10, 50));  // budget 9
  const auto v = g.check_request(10, 0);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, Reason::kTooLarge);
}

TEST(RateGovernor, WebSocketRateLimitsFeedTheSameCounters) {
  RateGovernor g;
  g.set_limits(spot_limits(100, 50));
  binance::RateLimitStatus s;
  ASSERT_TRUE(s.rate_limit_type.assign("REQUEST_WEIGHT"));
  ASSERT_TRUE(s.interval.assign("MINUTE"));
  s.interval_num = 1;
  s.limit = 100;
  s.count = 88;
  const binance::RateLimitStatus arr[] = {s};
  g.on_ws_rate_limits(arr, 5);
  EXPECT_TRUE(g.check_request(2, 6).allowed);
  EXPECT_FALSE(g.check_request(3, 6).allowed);
}

// ClockOffset's arithmetic (the network round is tested against binance-sim).
TEST(ClockOffset, KeepsTheMinRttSampleAndCorrectsByHalfTheTrip) {
  ClockOffset c;
  EXPECT_FALSE(c.synced());
  c.begin_round();
  // Local send 1000 ms, receive 1040 ms (RTT 40 ms), server said 6020 → offset ≈ 6020.5 - 1020.
  c.add_sample(1'000'000'000, 1'040'000'000, 6020);
  // Later, a faster trip (RTT 4 ms): send 2000, recv 2004, server 7001 → offset 7001.5 - 2002 = 4999.5 ms.
  c.add_sample(2'000'000'000, 2'004'000'000, 7001);
  // A slower one after it does not replace it.
  c.add_sample(3'000'000'000, 3'100'000'000, 9000);
  ASSERT_TRUE(c.commit(3'100'000'000));
  EXPECT_EQ(c.offset_ns(), 4'999'500'000);
  EXPECT_EQ(c.best_rtt_ns(), 4'000'000);
  EXPECT_EQ(c.server_ms_at(10'000'000'000), 14'999);
  EXPECT_FALSE(c.needs_sync(3'100'000'000));
  c.resync();
  EXPECT_TRUE(c.needs_sync(3'100'000'000));
  c.begin_round();
  EXPECT_FALSE(c.commit(4'000'000'000));  // no sample: the old offset stays
  EXPECT_EQ(c.offset_ns(), 4'999'500'000);
}

TEST(ClockOffset, RefreshIsDueAfterTheInterval) {
  ClockOffset c(ClockOffset::Options{3, 1000});
  c.begin_round();
  c.add_sample(0, 2'000'000, 10);
  ASSERT_TRUE(c.commit(5'000'000'000));
  EXPECT_FALSE(c.needs_sync(5'999'000'000));
  EXPECT_TRUE(c.needs_sync(6'000'000'000));
}

}  // namespace
}  // namespace dmabot::binance_io
