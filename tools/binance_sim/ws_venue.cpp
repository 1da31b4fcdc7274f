#include "tools/binance_sim/ws_venue.h"

namespace dmabot::binance_sim {

namespace {

// WebSocket connections do not tell the venue their peer; the sim listens on loopback, so every
// connection counts against the loopback address, shared with REST as Binance shares an IP's weight.
const std::string kLoopback = "127.0.0.1";

binance::RateLimitStatus status(std::string_view type, std::string_view interval, int num, int64_t limit,
                                int64_t count) {
  binance::RateLimitStatus s;
  (void)s.rate_limit_type.assign(type);
  (void)s.interval.assign(interval);
  s.interval_num = num;
  s.limit = limit;
  s.count = count;
  return s;
}

}  // namespace

WsVenue::WsVenue(SimVenue& venue, StreamHub& hub, UnixNanos listen_key_validity)
    : venue_(venue),
      listen_keys_(hub, listen_key_validity),
      user_data_(hub, listen_keys_),
      market_(venue.exchange(), hub),
      ws_api_(venue.exchange(), user_data_, listen_keys_, *this) {
  venue_.exchange().add_listener(&user_data_);
  venue_.set_ws_api(this);
  venue_.set_listen_keys(&listen_keys_);
}

WsVenue::~WsVenue() {
  venue_.set_ws_api(nullptr);
  venue_.set_listen_keys(nullptr);
}

void WsVenue::tick(UnixNanos now) {
  user_data_.flush();
  market_.poll(now);
  listen_keys_.expire(now);
}

void WsVenue::on_open(const WsConnectionPtr& conn) { ws_api_.on_open(conn, venue_.now()); }
void WsVenue::on_text(const WsConnectionPtr& conn, std::string_view text) { ws_api_.on_text(conn, text, venue_.now()); }
void WsVenue::on_close(const WsConnectionPtr& conn) { ws_api_.on_close(conn); }

WsApiHost::KeyKind WsVenue::key_kind(std::string_view api_key) const {
  const std::optional<KeyType> t = venue_.security().keys().type(api_key);
  if (!t) return KeyKind::kUnknown;
  return *t == KeyType::kEd25519 ? KeyKind::kEd25519 : KeyKind::kHmac;
}

ExchangeError WsVenue::verify_signed(Product p, binance::RequestParams& params, UnixNanos now) {
  (void)p;
  std::string key;
  return venue_.security().authenticate_ws(params, now, key);
}

ExchangeError WsVenue::check_timestamp(Product p, binance::RequestParams& params, UnixNanos now) {
  (void)p;
  return venue_.security().check_timing(params, now);
}

ExchangeError WsVenue::charge(Product p, std::string_view api_key, int weight, bool order, UnixNanos now,
                              std::vector<binance::RateLimitStatus>& limits) {
  RateLimiter& rl = venue_.rate_limiter(p);
  const RateLimits& lim = rl.limits();
  RateDecision d = rl.on_request(kLoopback, weight, now);
  RateDecision od;
  if (d.allowed() && order) od = rl.on_order(std::string(api_key), now);
  // web-socket-api.md "Rate limits": the limits the request touched, ORDERS first.
  limits.clear();
  if (order) {
    limits.push_back(status("ORDERS", "SECOND", 10, lim.orders_per_10s, od.order_count_10s));
    if (lim.orders_per_minute > 0)
      limits.push_back(status("ORDERS", "MINUTE", 1, lim.orders_per_minute, od.order_count_1m));
    if (lim.orders_per_day > 0) limits.push_back(status("ORDERS", "DAY", 1, lim.orders_per_day, od.order_count_1d));
  }
  limits.push_back(status("REQUEST_WEIGHT", "MINUTE", 1, lim.weight_per_minute,
                          d.allowed() ? d.used_weight_1m : rl.used_weight(kLoopback, now)));
  const RateDecision& refused = d.allowed() ? od : d;
  if (refused.allowed()) return {};
  return ExchangeError::make(refused.code, refused.msg, refused.http_status);
}

UnixNanos WsVenue::server_time(UnixNanos now) const { return venue_.security().server_time(now); }

std::vector<binance::RateLimit> WsVenue::rate_limits(Product p) const { return venue_.advertised_rate_limits(p); }

OrderFault WsVenue::order_fault(bool creates_order) { return venue_.fault_injector().decide_order(creates_order); }

}  // namespace dmabot::binance_sim
