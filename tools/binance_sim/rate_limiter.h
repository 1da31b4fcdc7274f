// tools/binance_sim/rate_limiter.h — Binance's request-weight and order-count limits, with the 429 →
// 418 escalation, for binance-sim's HTTP and WebSocket API layers.
//
// Windows are fixed and aligned to the clock, as Binance's are: the weight of an IP counts per
// calendar minute (x-mbx-used-weight-1m), new orders of an account per 10 s, per minute (futures) and
// per UTC day (x-mbx-order-count-10s / -1m / -1d). A request that would pass a limit is refused
// with 429 (-1003 for weight, -1015 for orders) and `Retry-After` = seconds until its window ends;
// its weight is not counted. An IP that sends another over-limit request in the same window after
// its 429 is banned: 418 with Retry-After until the ban ends, 2 minutes the first time, doubling
// per ban up to 3 days (Binance: "scale in duration from 2 minutes to 3 days"). While banned every
// request of that IP is a 418.
//
// The clock is injected (every call takes `now`); nothing sleeps. request_weight() is the per-
// endpoint table from Binance's docs (spot rest-api.md, USD-M "Weight" lines).
//
// Threads: one owner (the sim's io thread). Allocation: one map entry per new IP / account.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "gateway/binance/binance_types.h"
#include "gateway/binance/instruments.h"

namespace dmabot::binance_sim {

struct RateLimits {
  int64_t weight_per_minute = 6000;  // spot REQUEST_WEIGHT 1m; USD-M: 2400
  int64_t orders_per_10s = 100;      // spot ORDERS 10s; USD-M: 300
  int64_t orders_per_minute = 0;     // 0 = not limited (spot); USD-M: 1200
  int64_t orders_per_day = 200000;   // spot ORDERS 1d; 0 = not limited (USD-M)
  int64_t first_ban_s = 120;
  int64_t max_ban_s = 3 * 24 * 3600;

  static RateLimits for_product(binance::Product p);
  // The same limits as exchangeInfo's `rateLimits` (REQUEST_WEIGHT 1 MINUTE, ORDERS 10 SECOND /
  // 1 MINUTE / 1 DAY where set), so what the sim advertises is what it enforces.
  [[nodiscard]] std::vector<binance::RateLimit> to_exchange_info() const;
};

// What to answer. http_status 200 means go ahead; 429/418 carry retry_after_s and the Binance error
// (code, msg) for the body. The used_* figures are the headers' values after this request.
struct RateDecision {
  int http_status = 200;
  int64_t retry_after_s = 0;
  int code = 0;
  std::string msg;
  int64_t used_weight_1m = 0;
  int64_t order_count_10s = 0;
  int64_t order_count_1m = 0;
  int64_t order_count_1d = 0;
  [[nodiscard]] bool allowed() const { return http_status == 200; }
};

// Inputs to the weight table that change an endpoint's weight.
struct WeightParams {
  bool has_symbol = true;     // openOrders / ticker without symbol weigh more
  int limit = 0;              // depth limit (0 = the endpoint's default)
  bool has_order_id = false;  // spot myTrades with orderId
};

// Weight of one REST request (method "GET"/"POST"/"PUT"/"DELETE", path as "/api/v3/order"); 1 for
// paths the table does not know. WebSocket API methods ("order.place") use the same table through
// ws_method_weight().
[[nodiscard]] int request_weight(binance::Product product, std::string_view method, std::string_view path,
                                 const WeightParams& params = {});
[[nodiscard]] int ws_method_weight(binance::Product product, std::string_view method, const WeightParams& params = {});

class RateLimiter {
 public:
  explicit RateLimiter(RateLimits limits) : limits_(limits) {}

  // Counts `weight` for `ip` at `now`, or refuses (429 / 418).
  [[nodiscard]] RateDecision on_request(const std::string& ip, int64_t weight, core::UnixNanos now);
  // Counts one new order for `account` (api key), or refuses with 429 / -1015. Call after
  // on_request() allowed the request. Fills the order-count figures.
  [[nodiscard]] RateDecision on_order(const std::string& account, core::UnixNanos now);
  // The headers' values without counting anything (for answers that count nothing).
  [[nodiscard]] int64_t used_weight(const std::string& ip, core::UnixNanos now) const;

  [[nodiscard]] const RateLimits& limits() const { return limits_; }
  void set_weight_limit(int64_t w) { limits_.weight_per_minute = w; }

 private:
  struct Window {
    int64_t index = -1;  // now / length
    int64_t used = 0;
    void roll(int64_t idx) {
      if (idx != index) {
        index = idx;
        used = 0;
      }
    }
  };
  struct IpState {
    Window minute;
    int64_t warned_window = -1;  // minute index of the last 429
    core::UnixNanos ban_until = 0;
    int bans = 0;
  };
  struct AccountState {
    Window s10, m1, d1;
  };

  RateLimits limits_;
  std::unordered_map<std::string, IpState> ips_;
  std::unordered_map<std::string, AccountState> accounts_;
};

}  // namespace dmabot::binance_sim
