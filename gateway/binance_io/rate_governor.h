// gateway/binance_io/rate_governor.h — decides when the gateway may send: Binance's request-weight and
// order-count limits (exchangeInfo `rateLimits`), kept current from the x-mbx-used-weight-* /
// x-mbx-order-count-* response headers (and the WebSocket API's `rateLimits`), with a headroom so that
// it slows the flow *before* Binance answers 429. After a 429 or 418 it refuses everything until the
// Retry-After time.
//
// Model: Binance counts in fixed windows aligned to the clock (a minute limit resets at each minute
// boundary). The governor keeps, per limit, the count of the current window: its own sends add to it,
// a response header raises it to what the server reports (never lowers it: responses lag the sends
// still in flight), and the count restarts when the window turns. A request of weight W may go when
// count + W <= limit * headroom for every REQUEST_WEIGHT limit (orders: also every ORDERS limit with
// one more order); otherwise the answer is "wait until the window turns".
//
// Pure logic: every call takes `now_ms` (the server's time in ms, e.g. ClockOffset::now_server_ms(),
// so windows line up with Binance's); nothing reads a clock. Threads: one owner thread (the gateway).
// Allocation: none (limits live in a fixed array; set_limits keeps the first kMaxLimits).
// Errors: none; a header it does not understand is ignored (parse_usage_header answers false).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "gateway/binance/instruments.h"
#include "gateway/binance/order_messages.h"

namespace dmabot::binance_io {

using binance::RateLimit;
using binance::RateLimitInterval;
using binance::RateLimitType;

[[nodiscard]] int64_t interval_ms(RateLimitInterval interval, int32_t num);

// One usage counter a response reported: `x-mbx-used-weight-1m: 42` → {kRequestWeight, kMinute, 1, 42}.
struct UsageCount {
  RateLimitType type = RateLimitType::kRequestWeight;
  RateLimitInterval interval = RateLimitInterval::kMinute;
  int32_t interval_num = 1;
  int64_t count = 0;
};

// The rate headers of one REST response, parsed without allocation.
struct UsageHeaders {
  static constexpr std::size_t kMax = 8;
  std::array<UsageCount, kMax> counts{};
  uint8_t n = 0;
  int64_t retry_after_s = -1;  // Retry-After in seconds; -1 when absent
  void clear() {
    n = 0;
    retry_after_s = -1;
  }
  [[nodiscard]] std::span<const UsageCount> view() const { return {counts.data(), n}; }
};

// Reads one header into `out` when it is x-mbx-used-weight-<N><s|m|h|d>, x-mbx-order-count-<N><...>
// or Retry-After (names case-insensitive). False for any other header or an unreadable value.
bool parse_usage_header(std::string_view name, std::string_view value, UsageHeaders& out);

class RateGovernor {
 public:
  static constexpr std::size_t kMaxLimits = 8;

  struct Options {
    double headroom = 0.9;  // use at most this share of each limit
    // A 429 without Retry-After: refuse until the current minute window turns. A 418 without it:
    // Binance's shortest ban.
    int64_t ban_without_retry_after_ms = 2 * 60 * 1000;
  };

  enum class Reason : uint8_t {
    kOk,
    kWeight,      // a REQUEST_WEIGHT limit would pass its headroom
    kOrders,      // an ORDERS limit would pass its headroom
    kRetryAfter,  // after a 429/418: until Retry-After
    kTooLarge,    // W alone exceeds a limit's budget: it can never go (wait_until_ms is then the next window)
  };
  struct Verdict {
    bool allowed = false;
    int64_t wait_until_ms = 0;  // when not allowed: ask again at this time (server ms)
    Reason reason = Reason::kOk;
  };

  RateGovernor() : RateGovernor(Options{}) {}
  explicit RateGovernor(Options o) : opt_(o) {}

  // Replaces the limits (exchangeInfo rateLimits; RAW_REQUESTS are kept but not counted by weight).
  void set_limits(std::span<const RateLimit> limits);

  // May a request of weight `weight` go now? An order: also counts one order.
  [[nodiscard]] Verdict check_request(int64_t weight, int64_t now_ms);
  [[nodiscard]] Verdict check_order(int64_t weight, int64_t now_ms);
  // Record a send (call right after a check said yes, or use the try_ forms).
  void on_request_sent(int64_t weight, int64_t now_ms);
  void on_order_sent(int64_t weight, int64_t now_ms);
  [[nodiscard]] Verdict try_request(int64_t weight, int64_t now_ms);
  [[nodiscard]] Verdict try_order(int64_t weight, int64_t now_ms);

  // A response: its usage headers (REST) raise the counts; status 429/418 starts a refusal until
  // now + Retry-After (or the defaults above).
  void on_response(int http_status, const UsageHeaders& usage, int64_t now_ms);
  // The WebSocket API's `rateLimits` of a response (its counts are authoritative for its window).
  void on_ws_rate_limits(std::span<const binance::RateLimitStatus> limits, int64_t now_ms);

  [[nodiscard]] int64_t blocked_until_ms() const { return blocked_until_ms_; }
  // The current window's count of the first limit of this type and interval (-1 if none): for metrics.
  [[nodiscard]] int64_t count(RateLimitType type, RateLimitInterval interval, int32_t num, int64_t now_ms);

 private:
  struct Window {
    RateLimit limit;
    int64_t len_ms = 60'000;
    int64_t budget = 0;  // floor(limit * headroom)
    int64_t start_ms = 0;
    int64_t count = 0;
  };
  void roll(Window& w, int64_t now_ms);
  void raise(RateLimitType type, RateLimitInterval interval, int32_t num, int64_t count, int64_t now_ms);
  Verdict check(int64_t weight, bool order, int64_t now_ms);
  void add(int64_t weight, bool order, int64_t now_ms);

  Options opt_;
  std::array<Window, kMaxLimits> w_{};
  std::size_t n_ = 0;
  int64_t blocked_until_ms_ = 0;
};

}  // namespace dmabot::binance_io
