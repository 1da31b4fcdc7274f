// binance-sim's rate limits (429 then 418 with Retry-After, window rollover on an injected clock, the
// weight table from Binance's docs) and exchange faults (parsing, seeded decisions).
#include "tools/binance_sim/rate_limiter.h"

#include <gtest/gtest.h>

#include "tools/binance_sim/accounts.h"
#include "tools/binance_sim/exchange_faults.h"

namespace dmabot::binance_sim {
namespace {

constexpr core::UnixNanos kSec = 1'000'000'000;
constexpr core::UnixNanos kMin0 = 28'333'333LL * 60 * kSec;  // the start of some minute

TEST(RateLimiter, WeightCountsPerMinuteThen429Then418WithRetryAfter) {
  RateLimits l;
  l.weight_per_minute = 10;
  RateLimiter rl(l);
  core::UnixNanos t = kMin0 + 10 * kSec + kSec / 2;  // 10.5 s into the minute
  RateDecision d = rl.on_request("1.2.3.4", 4, t);
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.used_weight_1m, 4);
  EXPECT_EQ(rl.on_request("1.2.3.4", 6, t).used_weight_1m, 10);  // exactly the limit is fine
  RateDecision over = rl.on_request("1.2.3.4", 1, t);
  EXPECT_EQ(over.http_status, 429);
  EXPECT_EQ(over.code, -1003);
  EXPECT_EQ(over.retry_after_s, 50);   // 49.5 s left in the minute, rounded up
  EXPECT_EQ(over.used_weight_1m, 10);  // the refused request is not counted
  // Another IP is not affected.
  EXPECT_TRUE(rl.on_request("5.6.7.8", 1, t).allowed());
  // Going on after the 429 in the same window: banned for 2 minutes.
  RateDecision ban = rl.on_request("1.2.3.4", 1, t + kSec);
  EXPECT_EQ(ban.http_status, 418);
  EXPECT_EQ(ban.retry_after_s, 120);
  // While banned, even a request the window would allow is a 418, with the time left.
  RateDecision still = rl.on_request("1.2.3.4", 1, t + 61 * kSec);
  EXPECT_EQ(still.http_status, 418);
  EXPECT_EQ(still.retry_after_s, 60);
  // After the ban, in a fresh window.
  RateDecision after = rl.on_request("1.2.3.4", 1, t + 121 * kSec);
  EXPECT_TRUE(after.allowed());
  EXPECT_EQ(after.used_weight_1m, 1);
  // A second ban is twice as long.
  core::UnixNanos t2 = t + 121 * kSec;
  EXPECT_TRUE(rl.on_request("1.2.3.4", 9, t2).allowed());
  EXPECT_EQ(rl.on_request("1.2.3.4", 1, t2).http_status, 429);
  RateDecision ban2 = rl.on_request("1.2.3.4", 1, t2);
  EXPECT_EQ(ban2.http_status, 418);
  EXPECT_EQ(ban2.retry_after_s, 240);
}

TEST(RateLimiter, A429InOneWindowDoesNotBanInTheNext) {
  RateLimits l;
  l.weight_per_minute = 2;
  RateLimiter rl(l);
  core::UnixNanos t = kMin0 + 59 * kSec;
  EXPECT_TRUE(rl.on_request("ip", 2, t).allowed());
  EXPECT_EQ(rl.on_request("ip", 1, t).http_status, 429);
  EXPECT_EQ(rl.on_request("ip", 1, t).retry_after_s, 120);  // the second one in the window bans
  // A fresh limiter: backing off until the rollover is fine.
  RateLimiter rl2(l);
  EXPECT_TRUE(rl2.on_request("ip", 2, t).allowed());
  EXPECT_EQ(rl2.on_request("ip", 1, t).retry_after_s, 1);
  RateDecision next = rl2.on_request("ip", 2, kMin0 + 60 * kSec);
  EXPECT_TRUE(next.allowed());
  EXPECT_EQ(next.used_weight_1m, 2);
  EXPECT_EQ(rl2.used_weight("ip", kMin0 + 61 * kSec), 2);
  EXPECT_EQ(rl2.used_weight("ip", kMin0 + 120 * kSec), 0);
}

TEST(RateLimiter, OrderCountsPer10sAndPerDayPerAccount) {
  RateLimits l;
  l.orders_per_10s = 3;
  l.orders_per_day = 5;
  RateLimiter rl(l);
  core::UnixNanos day0 = 19'000LL * 86400 * kSec;
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(rl.on_order("A", day0 + i).order_count_10s, i);
  RateDecision over = rl.on_order("A", day0 + 5 * kSec);
  EXPECT_EQ(over.http_status, 429);
  EXPECT_EQ(over.code, -1015);
  EXPECT_EQ(over.retry_after_s, 5);
  EXPECT_EQ(over.msg, "Too many new orders; current limit is 3 orders per 10 SECOND.");
  EXPECT_TRUE(rl.on_order("B", day0 + 5 * kSec).allowed());  // per account
  RateDecision next = rl.on_order("A", day0 + 10 * kSec);
  EXPECT_TRUE(next.allowed());
  EXPECT_EQ(next.order_count_10s, 1);
  EXPECT_EQ(next.order_count_1d, 4);
  EXPECT_TRUE(rl.on_order("A", day0 + 20 * kSec).allowed());
  RateDecision day = rl.on_order("A", day0 + 30 * kSec);
  EXPECT_EQ(day.http_status, 429);
  EXPECT_EQ(day.msg, "Too many new orders; current limit is 5 orders per 1 DAY.");
  EXPECT_TRUE(rl.on_order("A", day0 + 86400 * kSec).allowed());
}

TEST(RateLimiter, ProductDefaultsAndTheWeightTableFollowBinancesDocs) {
  EXPECT_EQ(RateLimits::for_product(binance::Product::kSpot).weight_per_minute, 6000);
  EXPECT_EQ(RateLimits::for_product(binance::Product::kUsdmFutures).weight_per_minute, 2400);
  EXPECT_EQ(RateLimits::for_product(binance::Product::kUsdmFutures).orders_per_minute, 1200);
  auto info = RateLimits::for_product(binance::Product::kUsdmFutures).to_exchange_info();
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info[0],
            (binance::RateLimit{binance::RateLimitType::kRequestWeight, binance::RateLimitInterval::kMinute, 1, 2400}));
  EXPECT_EQ(info[1],
            (binance::RateLimit{binance::RateLimitType::kOrders, binance::RateLimitInterval::kSecond, 10, 300}));
  EXPECT_EQ(RateLimits::for_product(binance::Product::kSpot).to_exchange_info().size(), 3u);  // weight, 10 s, day
  using binance::Product;
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/order"), 4);
  EXPECT_EQ(request_weight(Product::kSpot, "POST", "/api/v3/order"), 1);
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/exchangeInfo"), 20);
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/openOrders", {.has_symbol = false}), 80);
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/depth", {.limit = 500}), 25);
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/depth", {.limit = 5000}), 250);
  EXPECT_EQ(request_weight(Product::kSpot, "GET", "/api/v3/myTrades", {.has_order_id = true}), 5);
  EXPECT_EQ(request_weight(Product::kUsdmFutures, "POST", "/fapi/v1/order"), 0);
  EXPECT_EQ(request_weight(Product::kUsdmFutures, "GET", "/fapi/v2/positionRisk"), 5);
  EXPECT_EQ(request_weight(Product::kUsdmFutures, "GET", "/fapi/v1/depth", {.limit = 1000}), 20);
  EXPECT_EQ(ws_method_weight(Product::kSpot, "order.status"), 4);
}

TEST(ExchangeFaults, ParsesEachFaultAndNamesTheBadOnes) {
  ExchangeFaults f;
  EXPECT_TRUE(parse_fault("http-5xx-rate=0.25", f).ok());
  EXPECT_DOUBLE_EQ(f.http_5xx_rate, 0.25);
  EXPECT_TRUE(parse_fault("http-5xx-applied-rate=1", f).ok());
  EXPECT_TRUE(parse_fault("reject-rate=0", f).ok());
  EXPECT_TRUE(parse_fault("clock-skew-ms=-1500", f).ok());
  EXPECT_EQ(f.clock_skew_ms, -1500);
  EXPECT_TRUE(parse_fault("listenkey-expire-s=30", f).ok());
  EXPECT_TRUE(parse_fault("weight-limit=50", f).ok());
  EXPECT_EQ(f.weight_limit, 50);
  EXPECT_TRUE(parse_fault("order-limit-10s=100000", f).ok());
  EXPECT_EQ(f.order_limit_10s, 100000);
  EXPECT_FALSE(parse_fault("order-limit-10s=0", f).ok());
  auto bad = parse_fault("reject-rate=1.5", f);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.message()).find("reject-rate"), std::string::npos);
  EXPECT_FALSE(parse_fault("weight-limit=0", f).ok());
  EXPECT_FALSE(parse_fault("listenkey-expire-s=-1", f).ok());
  EXPECT_FALSE(parse_fault("nonsense=1", f).ok());
  EXPECT_FALSE(parse_fault("http-5xx-rate", f).ok());

  FaultInjector inj(f);
  EXPECT_EQ(inj.server_time(10'000'000'000), 10'000'000'000 - 1'500'000'000);
  EXPECT_EQ(inj.listen_key_validity_s(), 30);
}

TEST(ExchangeFaults, TimestampRuleFollowsTheDocsAndSeesTheSkew) {
  constexpr core::UnixNanos kMs = 1'000'000;
  core::UnixNanos server = 1'700'000'000'000 * kMs;
  EXPECT_TRUE(check_timestamp(server, 5000 * kMs, server).ok());
  EXPECT_TRUE(check_timestamp(server + 999 * kMs, 5000 * kMs, server).ok());
  EXPECT_EQ(check_timestamp(server + 1000 * kMs, 5000 * kMs, server).msg,
            "Timestamp for this request was 1000ms ahead of the server's time.");
  EXPECT_TRUE(check_timestamp(server - 5000 * kMs, 5000 * kMs, server).ok());
  ExchangeError late = check_timestamp(server - 5001 * kMs, 5000 * kMs, server);
  EXPECT_EQ(late.code, -1021);
  EXPECT_EQ(late.msg, "Timestamp for this request is outside of the recvWindow.");
  // A server clock 3 s ahead (clock-skew-ms=3000) makes an honest client's request 3 s old.
  ExchangeFaults f;
  f.clock_skew_ms = 3000;
  FaultInjector inj(f);
  EXPECT_TRUE(check_timestamp(server, 5000 * kMs, inj.server_time(server)).ok());
  EXPECT_EQ(check_timestamp(server, 2000 * kMs, inj.server_time(server)).code, -1021);
}

TEST(ExchangeFaults, DecisionsAreSeededAndFollowTheRates) {
  ExchangeFaults f;
  f.seed = 42;
  f.http_5xx_rate = 0.1;
  f.http_5xx_applied_rate = 0.1;
  f.reject_rate = 0.2;
  FaultInjector a(f), b(f);
  int counts[4] = {};
  std::vector<OrderFault> seq_a, seq_b;
  for (int i = 0; i < 10000; ++i) {
    seq_a.push_back(a.decide_order(true));
    seq_b.push_back(b.decide_order(true));
    ++counts[static_cast<int>(seq_a.back())];
  }
  EXPECT_EQ(seq_a, seq_b);
  // Expected: 10% before, 90% * 10% = 9% applied, 81% * 20% = 16.2% rejected (wide bounds).
  EXPECT_NEAR(counts[1], 1000, 150);
  EXPECT_NEAR(counts[2], 900, 150);
  EXPECT_NEAR(counts[3], 1620, 200);
  // Nothing happens at rate 0; a cancel is never "rejected".
  ExchangeFaults none;
  FaultInjector n(none);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(n.decide_order(true), OrderFault::kNone);
  ExchangeFaults all;
  all.reject_rate = 1.0;
  FaultInjector r(all);
  EXPECT_EQ(r.decide_order(true), OrderFault::kReject);
  EXPECT_EQ(r.decide_order(false), OrderFault::kNone);
  EXPECT_EQ(fault_error(OrderFault::kHttp5xxBefore).http_status, 503);
  EXPECT_EQ(fault_error(OrderFault::kHttp5xxApplied).code, -1007);
  EXPECT_EQ(fault_error(OrderFault::kReject).code, -2010);
  EXPECT_TRUE(fault_error(OrderFault::kNone).ok());
}

}  // namespace
}  // namespace dmabot::binance_sim

namespace dmabot::binance_sim {
namespace {

TEST(AccountSpec, ParsesKeysAndBalancesWithoutEchoingSecrets) {
  auto h = parse_account_spec("k1:hmac:se:cret");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->api_key, "k1");
  EXPECT_EQ(h->key_type, KeyType::kHmac);
  EXPECT_EQ(h->hmac_secret, "se:cret");
  auto e = parse_account_spec("k2:ed25519:/tmp/pub.pem");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->key_type, KeyType::kEd25519);
  EXPECT_EQ(e->ed25519_pem_path, "/tmp/pub.pem");
  auto bad = parse_account_spec("k3:rsa:topsecret");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()).find("topsecret"), std::string::npos);
  EXPECT_FALSE(parse_account_spec("k4:hmac:").ok());
  EXPECT_FALSE(parse_account_spec("nocolons").ok());

  std::vector<std::pair<std::string, int64_t>> b;
  ASSERT_TRUE(parse_balances("USDT=10000, BTC=1.5", b).ok());
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], (std::pair<std::string, int64_t>{"USDT", 10000 * core::kScale}));
  EXPECT_EQ(b[1].second, 150'000'000);
  EXPECT_FALSE(parse_balances("USDT=-1", b).ok());
  EXPECT_FALSE(parse_balances("USDT=1.000000001", b).ok());
  EXPECT_FALSE(parse_balances("USDT=1,USDT=2", b).ok());
  EXPECT_FALSE(parse_balances("USDT", b).ok());
}

}  // namespace
}  // namespace dmabot::binance_sim
