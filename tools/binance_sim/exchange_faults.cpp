#include "tools/binance_sim/exchange_faults.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {
absl::Status parse_rate(std::string_view name, std::string_view v, double& out) {
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d) || d < 0.0 || d > 1.0) {
    return core::invalid("--fault ", name, "=", v, ": expected a probability between 0 and 1");
  }
  out = d;
  return absl::OkStatus();
}
absl::Status parse_int(std::string_view name, std::string_view v, bool allow_negative, int64_t& out) {
  int64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || (!allow_negative && x < 0)) {
    return core::invalid("--fault ", name, "=", v, ": expected ",
                         allow_negative ? "an integer" : "a non-negative integer");
  }
  out = x;
  return absl::OkStatus();
}
}  // namespace

absl::Status parse_fault(std::string_view spec, ExchangeFaults& f) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos) return core::invalid("--fault ", spec, ": expected NAME=VALUE");
  std::string_view name = spec.substr(0, eq), v = spec.substr(eq + 1);
  if (name == "http-5xx-rate") return parse_rate(name, v, f.http_5xx_rate);
  if (name == "http-5xx-applied-rate") return parse_rate(name, v, f.http_5xx_applied_rate);
  if (name == "reject-rate") return parse_rate(name, v, f.reject_rate);
  if (name == "clock-skew-ms") return parse_int(name, v, true, f.clock_skew_ms);
  if (name == "listenkey-expire-s") return parse_int(name, v, false, f.listenkey_expire_s);
  if (name == "weight-limit") {
    auto st = parse_int(name, v, false, f.weight_limit);
    if (st.ok() && f.weight_limit == 0) return core::invalid("--fault weight-limit=0: the limit must be positive");
    return st;
  }
  if (name == "order-limit-10s") {
    auto st = parse_int(name, v, false, f.order_limit_10s);
    if (st.ok() && f.order_limit_10s == 0)
      return core::invalid("--fault order-limit-10s=0: the limit must be positive");
    return st;
  }
  if (name == "drop-ws-every-s") return parse_int(name, v, false, f.drop_ws_every_s);
  if (name == "latency-ms") return parse_int(name, v, false, f.latency_ms);
  if (name == "stall-stream-s") return parse_int(name, v, false, f.stall_stream_s);
  return core::invalid(
      "--fault ", name,
      ": unknown fault (known: http-5xx-rate, http-5xx-applied-rate, reject-rate, clock-skew-ms, "
      "listenkey-expire-s, weight-limit, order-limit-10s, drop-ws-every-s, latency-ms, stall-stream-s)");
}

ExchangeError fault_error(OrderFault f) {
  switch (f) {
    case OrderFault::kNone:
      return {};
    case OrderFault::kHttp5xxBefore:
    case OrderFault::kHttp5xxApplied:
      return ExchangeError::make(
          -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
          503);
    case OrderFault::kReject:
      return ExchangeError::make(-2010, "NEW_ORDER_REJECTED", 400);
  }
  return {};
}

ExchangeError check_timestamp(core::UnixNanos timestamp, core::UnixNanos recv_window, core::UnixNanos server_now) {
  if (timestamp >= server_now + 1'000'000'000) {
    return ExchangeError::make(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (server_now - timestamp > recv_window) {
    return ExchangeError::make(-1021, "Timestamp for this request is outside of the recvWindow.");
  }
  return {};
}

OrderFault FaultInjector::decide_order(bool creates_order) {
  // Always draw the same number of values per call so one fault's rate does not shift the others'.
  double a = rng_.uniform(), b = rng_.uniform(), c = rng_.uniform();
  if (a < faults_.http_5xx_rate) return OrderFault::kHttp5xxBefore;
  if (b < faults_.http_5xx_applied_rate) return OrderFault::kHttp5xxApplied;
  if (creates_order && c < faults_.reject_rate) return OrderFault::kReject;
  return OrderFault::kNone;
}

}  // namespace dmabot::binance_sim
