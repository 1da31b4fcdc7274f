#include "tools/binance_sim/sim_venue.h"

#include "gateway/binance/response_encoders.h"
#include "tools/binance_sim/rest_api.h"

namespace dmabot::binance_sim {

namespace {

RateLimits limits_for(Product p, const ExchangeFaults& f) {
  RateLimits l = RateLimits::for_product(p);
  if (f.weight_limit > 0) l.weight_per_minute = f.weight_limit;
  if (f.order_limit_10s > 0) l.orders_per_10s = f.order_limit_10s;
  return l;
}

}  // namespace

// ---------------------------------------------------------------- InMemoryListenKeys

std::string InMemoryListenKeys::create(const std::string& api_key, UnixNanos now) {
  auto it = by_api_key_.find(api_key);
  if (it != by_api_key_.end() && it->second.expires > now) {
    it->second.expires = now + validity_ns_;
    return it->second.key;
  }
  // 64 characters of [A-Za-z0-9], as Binance's listenKeys look.
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  key.reserve(64);
  while (key.size() < 64) {
    uint64_t r = rng_.next();
    for (int i = 0; i < 10 && key.size() < 64; ++i, r /= kAlphabet.size()) key += kAlphabet[r % kAlphabet.size()];
  }
  by_api_key_[api_key] = Entry{key, now + validity_ns_};
  return key;
}

std::optional<std::string> InMemoryListenKeys::keepalive(const std::string& api_key, UnixNanos now) {
  auto it = by_api_key_.find(api_key);
  if (it == by_api_key_.end() || it->second.expires <= now) return std::nullopt;
  it->second.expires = now + validity_ns_;
  return it->second.key;
}

bool InMemoryListenKeys::remove(const std::string& api_key, UnixNanos now) {
  auto it = by_api_key_.find(api_key);
  if (it == by_api_key_.end()) return false;
  const bool live = it->second.expires > now;
  by_api_key_.erase(it);
  return live;
}

bool InMemoryListenKeys::valid(std::string_view listen_key, UnixNanos now) const {
  for (const auto& [api_key, e] : by_api_key_)
    if (e.key == listen_key) return e.expires > now;
  return false;
}

// ---------------------------------------------------------------- SimVenue

SimVenue::SimVenue(Exchange& exchange, const KeyRegistry& keys, const SimVenueOptions& options, const SimClock* clock)
    : exchange_(exchange),
      security_(keys, options.faults.clock_skew_ms),
      admin_(options.admin),
      clock_(clock ? clock : &wall_clock_),
      spot_limits_(limits_for(Product::kSpot, options.faults)),
      futures_limits_(limits_for(Product::kUsdmFutures, options.faults)),
      faults_(options.faults),
      own_listen_keys_(options.faults.listenkey_expire_s > 0 ? options.faults.listenkey_expire_s : 3600,
                       options.faults.seed ^ 0x4C15'7E9Bull),
      listen_keys_(&own_listen_keys_),
      rest_(std::make_unique<RestApi>(*this)) {}

SimVenue::~SimVenue() = default;

HttpResponse SimVenue::on_http(Product product, const HttpRequest& request) { return rest_->handle(product, request); }

void SimVenue::on_ws_api_open(const WsConnectionPtr& conn) {
  if (ws_api_) ws_api_->on_open(conn);
}

void SimVenue::on_ws_api_text(const WsConnectionPtr& conn, std::string_view text) {
  if (ws_api_) return ws_api_->on_text(conn, text);
  // No WebSocket API plugged in: Binance's error envelope, with the request's id when it has one.
  binance::RequestParams p;
  (void)p.parse_ws_request(text);
  std::string out;
  binance::encode_ws_error(p.ws_id_json(), 400, -1020, "This operation is not supported.", {}, out);
  conn->send_text(std::move(out));
}

void SimVenue::on_ws_api_close(const WsConnectionPtr& conn) {
  if (ws_api_) ws_api_->on_close(conn);
}

bool SimVenue::validate_listen_key(std::string_view listen_key) {
  return listen_keys_->valid(listen_key, server_now());
}

}  // namespace dmabot::binance_sim
