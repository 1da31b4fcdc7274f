#include "gateway/binance/instruments.h"

#include <algorithm>
#include <cstring>

namespace dmabot::binance {
namespace {

template <typename E, std::size_t N>
struct Names {
  std::array<std::string_view, N> names;
  [[nodiscard]] std::string_view name(E v) const {
    const auto i = static_cast<std::size_t>(v);
    return i < N ? names[i] : std::string_view{};
  }
  [[nodiscard]] bool parse(std::string_view s, E& out) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (!names[i].empty() && names[i] == s) {
        out = static_cast<E>(i);
        return true;
      }
    }
    return false;
  }
};

constexpr Names<RateLimitType, 3> kRateLimitTypes{{"REQUEST_WEIGHT", "ORDERS", "RAW_REQUESTS"}};
constexpr Names<RateLimitInterval, 4> kIntervals{{"SECOND", "MINUTE", "HOUR", "DAY"}};
constexpr Names<FilterType, kFilterTypeCount + 1> kFilterTypes{
    {"PRICE_FILTER", "PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE", "LOT_SIZE", "MARKET_LOT_SIZE", "MIN_NOTIONAL",
     "NOTIONAL", "ICEBERG_PARTS", "MAX_NUM_ORDERS", "MAX_NUM_ALGO_ORDERS", "MAX_NUM_ICEBERG_ORDERS", "MAX_POSITION",
     "TRAILING_DELTA", "MAX_NUM_ORDER_AMENDS", "MAX_NUM_ORDER_LISTS", ""}};

}  // namespace

std::string_view wire_name(RateLimitType v) { return kRateLimitTypes.name(v); }
std::string_view wire_name(RateLimitInterval v) { return kIntervals.name(v); }
std::string_view wire_name(FilterType v) { return kFilterTypes.name(v); }
bool parse_rate_limit_type(std::string_view s, RateLimitType& out) { return kRateLimitTypes.parse(s, out); }
bool parse_rate_limit_interval(std::string_view s, RateLimitInterval& out) { return kIntervals.parse(s, out); }
bool parse_filter_type(std::string_view s, FilterType& out) { return kFilterTypes.parse(s, out); }

bool InstrumentSpec::has(FilterType t) const {
  return std::find(filter_order.begin(), filter_order.end(), t) != filter_order.end();
}
bool InstrumentSpec::allows(OrderType t) const {
  return std::find(order_types.begin(), order_types.end(), t) != order_types.end();
}
bool InstrumentSpec::allows(TimeInForce t) const {
  if (product == Product::kSpot) return t == TimeInForce::kGtc || t == TimeInForce::kIoc || t == TimeInForce::kFok;
  return std::find(time_in_force.begin(), time_in_force.end(), t) != time_in_force.end();
}
void InstrumentSpec::add_filter(FilterType t) { filter_order.push_back(t); }

const InstrumentSpec* ExchangeInfo::find(std::string_view s) const {
  for (const InstrumentSpec& spec : symbols) {
    if (spec.symbol == s) return &spec;
  }
  return nullptr;
}

CheckResult CheckResult::reject(int32_t code, std::string_view msg) {
  CheckResult r;
  r.code = code;
  const std::size_t n = std::min(msg.size(), r.text.size());
  std::memcpy(r.text.data(), msg.data(), n);
  r.len = static_cast<uint8_t>(n);
  return r;
}

absl::Status parse_exchange_info(std::string_view, Product, ExchangeInfo&) {
  return absl::UnimplementedError("parse_exchange_info: not yet");
}
void write_exchange_info(const ExchangeInfo&, int64_t, std::string&) {}
CheckResult check_new_order(const InstrumentSpec&, const OrderCheck&) { return {}; }
CheckResult check_cancel(const InstrumentSpec&) { return {}; }
core::Price price_floor(const InstrumentSpec&, core::Price px) { return px; }
core::Price price_ceil(const InstrumentSpec&, core::Price px) { return px; }
core::Qty qty_floor(const InstrumentSpec&, core::Qty q, bool) { return q; }

}  // namespace dmabot::binance
