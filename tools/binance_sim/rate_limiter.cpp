#include "tools/binance_sim/rate_limiter.h"

#include <algorithm>

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {
constexpr core::UnixNanos kSec = 1'000'000'000;
constexpr core::UnixNanos kMinute = 60 * kSec;
constexpr core::UnixNanos k10s = 10 * kSec;
constexpr core::UnixNanos kDay = 86400 * kSec;

int64_t floor_div(core::UnixNanos a, core::UnixNanos b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}
// Whole seconds until the window of length `len` holding `now` ends, at least 1.
int64_t seconds_left(core::UnixNanos now, core::UnixNanos len) {
  core::UnixNanos end = (floor_div(now, len) + 1) * len;
  return std::max<int64_t>(1, (end - now + kSec - 1) / kSec);
}

int spot_depth_weight(int limit) {
  if (limit <= 0) limit = 100;
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}
int futures_depth_weight(int limit) {
  if (limit <= 0) limit = 500;
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}
}  // namespace

RateLimits RateLimits::for_product(binance::Product p) {
  RateLimits l;
  if (p == binance::Product::kUsdmFutures) {
    l.weight_per_minute = 2400;
    l.orders_per_10s = 300;
    l.orders_per_minute = 1200;
    l.orders_per_day = 0;
  }
  return l;
}

std::vector<binance::RateLimit> RateLimits::to_exchange_info() const {
  using binance::RateLimitInterval;
  using binance::RateLimitType;
  std::vector<binance::RateLimit> out;
  out.push_back({RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, weight_per_minute});
  out.push_back({RateLimitType::kOrders, RateLimitInterval::kSecond, 10, orders_per_10s});
  if (orders_per_minute > 0) out.push_back({RateLimitType::kOrders, RateLimitInterval::kMinute, 1, orders_per_minute});
  if (orders_per_day > 0) out.push_back({RateLimitType::kOrders, RateLimitInterval::kDay, 1, orders_per_day});
  return out;
}

int request_weight(binance::Product product, std::string_view method, std::string_view path, const WeightParams& p) {
  auto is = [&](std::string_view m, std::string_view pa) { return method == m && path == pa; };
  if (product == binance::Product::kSpot) {
    if (is("GET", "/api/v3/ping") || is("GET", "/api/v3/time")) return 1;
    if (is("GET", "/api/v3/exchangeInfo")) return 20;
    if (is("GET", "/api/v3/depth")) return spot_depth_weight(p.limit);
    if (is("GET", "/api/v3/ticker/bookTicker") || is("GET", "/api/v3/ticker/price")) return p.has_symbol ? 2 : 4;
    if (is("POST", "/api/v3/order") || is("DELETE", "/api/v3/order")) return 1;
    if (is("GET", "/api/v3/order")) return 4;
    if (is("POST", "/api/v3/order/cancelReplace")) return 1;
    if (is("GET", "/api/v3/openOrders")) return p.has_symbol ? 6 : 80;
    if (is("DELETE", "/api/v3/openOrders")) return 1;
    if (is("GET", "/api/v3/account")) return 20;
    if (is("GET", "/api/v3/myTrades")) return p.has_order_id ? 5 : 20;
    return 1;
  }
  if (is("GET", "/fapi/v1/ping") || is("GET", "/fapi/v1/time") || is("GET", "/fapi/v1/exchangeInfo")) return 1;
  if (is("GET", "/fapi/v1/depth")) return futures_depth_weight(p.limit);
  if (is("GET", "/fapi/v1/ticker/bookTicker")) return p.has_symbol ? 2 : 5;
  if (is("GET", "/fapi/v1/premiumIndex")) return p.has_symbol ? 1 : 10;
  // New orders weigh 0 on the IP limit (they count on the order limits instead).
  if (is("POST", "/fapi/v1/order")) return 0;
  if (is("DELETE", "/fapi/v1/order") || is("GET", "/fapi/v1/order")) return 1;
  if (is("GET", "/fapi/v1/openOrders")) return p.has_symbol ? 1 : 40;
  if (is("DELETE", "/fapi/v1/allOpenOrders")) return 1;
  if (path == "/fapi/v2/account" || path == "/fapi/v3/account" || path == "/fapi/v2/balance" ||
      path == "/fapi/v3/balance" || path == "/fapi/v2/positionRisk" || path == "/fapi/v3/positionRisk" ||
      path == "/fapi/v1/userTrades")
    return 5;
  return 1;
}

int ws_method_weight(binance::Product product, std::string_view method, const WeightParams& p) {
  bool spot = product == binance::Product::kSpot;
  if (method == "order.place") return spot ? 1 : 0;
  if (method == "order.cancel" || method == "order.cancelReplace" || method == "openOrders.cancelAll") return 1;
  if (method == "order.status") return spot ? 4 : 1;
  if (method == "openOrders.status") return spot ? (p.has_symbol ? 6 : 80) : (p.has_symbol ? 1 : 40);
  if (method == "session.logon" || method == "userDataStream.subscribe" ||
      method == "userDataStream.subscribe.signature")
    return 2;
  if (method == "account.status") return spot ? 20 : 5;
  return 1;
}

RateDecision RateLimiter::on_request(const std::string& ip, int64_t weight, core::UnixNanos now) {
  RateDecision d;
  IpState& s = ips_[ip];
  int64_t idx = floor_div(now, kMinute);
  s.minute.roll(idx);
  d.used_weight_1m = s.minute.used;
  if (now < s.ban_until) {
    d.http_status = 418;
    d.retry_after_s = std::max<int64_t>(1, (s.ban_until - now + kSec - 1) / kSec);
    d.code = -1003;
    d.msg = core::str_cat("Way too much request weight used; IP banned until ", s.ban_until / 1'000'000,
                          ". Please use WebSocket Streams for live updates to avoid bans.");
    return d;
  }
  if (s.minute.used + weight > limits_.weight_per_minute) {
    d.code = -1003;
    if (s.warned_window == idx) {
      // Kept going after a 429 in this window: ban, longer each time.
      int64_t ban_s = limits_.first_ban_s;
      for (int i = 0; i < s.bans && ban_s < limits_.max_ban_s; ++i) ban_s *= 2;
      ban_s = std::min(ban_s, limits_.max_ban_s);
      ++s.bans;
      s.ban_until = now + ban_s * kSec;
      d.http_status = 418;
      d.retry_after_s = ban_s;
      d.msg = core::str_cat("Way too much request weight used; IP banned until ", s.ban_until / 1'000'000,
                            ". Please use WebSocket Streams for live updates to avoid bans.");
      return d;
    }
    s.warned_window = idx;
    d.http_status = 429;
    d.retry_after_s = seconds_left(now, kMinute);
    d.msg = core::str_cat("Too much request weight used; current limit is ", limits_.weight_per_minute,
                          " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                          "polling the API.");
    return d;
  }
  s.minute.used += weight;
  d.used_weight_1m = s.minute.used;
  return d;
}

RateDecision RateLimiter::on_order(const std::string& account, core::UnixNanos now) {
  RateDecision d;
  AccountState& a = accounts_[account];
  a.s10.roll(floor_div(now, k10s));
  a.m1.roll(floor_div(now, kMinute));
  a.d1.roll(floor_div(now, kDay));
  auto fill = [&] {
    d.order_count_10s = a.s10.used;
    d.order_count_1m = a.m1.used;
    d.order_count_1d = a.d1.used;
  };
  auto refuse = [&](int64_t limit, std::string_view per, core::UnixNanos len) {
    d.http_status = 429;
    d.code = -1015;
    d.retry_after_s = seconds_left(now, len);
    d.msg = core::str_cat("Too many new orders; current limit is ", limit, " orders per ", per, ".");
    fill();
  };
  if (a.s10.used + 1 > limits_.orders_per_10s) {
    refuse(limits_.orders_per_10s, "10 SECOND", k10s);
    return d;
  }
  if (limits_.orders_per_minute > 0 && a.m1.used + 1 > limits_.orders_per_minute) {
    refuse(limits_.orders_per_minute, "1 MINUTE", kMinute);
    return d;
  }
  if (limits_.orders_per_day > 0 && a.d1.used + 1 > limits_.orders_per_day) {
    refuse(limits_.orders_per_day, "1 DAY", kDay);
    return d;
  }
  ++a.s10.used;
  ++a.m1.used;
  ++a.d1.used;
  fill();
  return d;
}

int64_t RateLimiter::used_weight(const std::string& ip, core::UnixNanos now) const {
  auto it = ips_.find(ip);
  if (it == ips_.end() || it->second.minute.index != floor_div(now, kMinute)) return 0;
  return it->second.minute.used;
}

}  // namespace dmabot::binance_sim
