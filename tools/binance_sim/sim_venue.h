// tools/binance_sim/sim_venue.h — the Venue (venue_api.h) behind `dmabot binance-sim`: Binance's REST
// API (rest_api.h) on the exchange (exchange.h), with authentication (security.h), the request-weight
// and order-count limits (rate_limiter.h) and the exchange faults (exchange_faults.h). The WebSocket
// API and the listenKey store are seams: set_ws_api() / set_listen_keys() plug in other
// implementations (ws_api.*, user_data_publisher.*); until then the venue answers WebSocket API
// requests with Binance's error shape and keeps futures listenKeys itself (InMemoryListenKeys).
//
// Per REST request, in Binance's order: unknown path → 404 page; rate limit (429 -1003 with
// Retry-After, then 418); parameters (-1100/-1101/...); authentication (security.h); the endpoint.
// Every answer carries x-mbx-used-weight-1m (and x-mbx-used-weight for the legacy name); new-order
// answers also x-mbx-order-count-10s / -1d (spot) or -1m (USD-M). Order requests draw the faults:
// http-5xx-rate → 503 -1007 before anything changes; http-5xx-applied-rate → the order takes effect,
// then 503 -1007 (Binance's "Send status unknown; execution status unknown." answer, the case a client
// must resolve by querying); reject-rate → 400 -2010.
//
// Threads: the server's io thread only (venue_api.h); no locks. Allocation: per request. Errors: every
// failure is a Binance error answer; nothing throws out of on_http.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/prng.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/exchange_faults.h"
#include "tools/binance_sim/rate_limiter.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

// The venue's clock. Tests inject a ManualClock; the CLI uses WallClock.
class SimClock {
 public:
  virtual ~SimClock() = default;
  [[nodiscard]] virtual UnixNanos now() const = 0;
};
class WallClock final : public SimClock {
 public:
  [[nodiscard]] UnixNanos now() const override { return core::wall_clock_ns(); }
};
class ManualClock final : public SimClock {
 public:
  explicit ManualClock(UnixNanos t = 0) : t_(t) {}
  [[nodiscard]] UnixNanos now() const override { return t_; }
  void set(UnixNanos t) { t_ = t; }
  void advance(UnixNanos d) { t_ += d; }

 private:
  UnixNanos t_;
};

// USD-M listenKeys (POST/PUT/DELETE /fapi/v1/listenKey; /private streams). One key per api key, as
// Binance: POST while a key is valid returns that key and extends it. Implemented by the user-data
// publisher (which also publishes listenKeyExpired and closes /private subscribers); the venue calls
// it on the io thread.
class ListenKeys {
 public:
  virtual ~ListenKeys() = default;
  // POST: the api key's valid listenKey (extended to now + validity), or a new one.
  virtual std::string create(const std::string& api_key, UnixNanos now) = 0;
  // PUT: extends the api key's listenKey; its value, or nullopt when it has none (→ -1125).
  virtual std::optional<std::string> keepalive(const std::string& api_key, UnixNanos now) = 0;
  // DELETE: closes the api key's listenKey; false when it has none.
  virtual bool remove(const std::string& api_key, UnixNanos now) = 0;
  // Is this listenKey live (the /private stream check)?
  [[nodiscard]] virtual bool valid(std::string_view listen_key, UnixNanos now) const = 0;
};

// The stand-in store: 64-char keys from a seeded generator, validity = the listenkey-expire-s fault or
// 60 minutes; an expired key is simply invalid (no listenKeyExpired event: the publisher's job).
class InMemoryListenKeys final : public ListenKeys {
 public:
  InMemoryListenKeys(int64_t validity_s, uint64_t seed) : validity_ns_(validity_s * kNsPerSec), rng_(seed) {}
  std::string create(const std::string& api_key, UnixNanos now) override;
  std::optional<std::string> keepalive(const std::string& api_key, UnixNanos now) override;
  bool remove(const std::string& api_key, UnixNanos now) override;
  [[nodiscard]] bool valid(std::string_view listen_key, UnixNanos now) const override;

 private:
  struct Entry {
    std::string key;
    UnixNanos expires = 0;
  };
  UnixNanos validity_ns_;
  core::SplitMix64 rng_;
  std::map<std::string, Entry> by_api_key_;
};

// The WebSocket API side (ws_api.*): SimVenue forwards its Venue callbacks to it when set.
class WsApiHandler {
 public:
  virtual ~WsApiHandler() = default;
  virtual void on_open(const WsConnectionPtr& conn) { (void)conn; }
  virtual void on_text(const WsConnectionPtr& conn, std::string_view text) = 0;
  virtual void on_close(const WsConnectionPtr& conn) { (void)conn; }
};

struct SimVenueOptions {
  ExchangeFaults faults;  // http-5xx*, reject-rate, clock-skew-ms, listenkey-expire-s, weight-limit, seed
  bool admin = false;     // serve the /sim/admin/* test hooks (rest_api.cpp)
};

class RestApi;

class SimVenue final : public Venue {
 public:
  // exchange, keys and clock must outlive the venue. clock nullptr = the wall clock.
  SimVenue(Exchange& exchange, const KeyRegistry& keys, const SimVenueOptions& options,
           const SimClock* clock = nullptr);
  ~SimVenue() override;

  HttpResponse on_http(Product product, const HttpRequest& request) override;
  void on_ws_api_open(const WsConnectionPtr& conn) override;
  void on_ws_api_text(const WsConnectionPtr& conn, std::string_view text) override;
  void on_ws_api_close(const WsConnectionPtr& conn) override;
  bool validate_listen_key(std::string_view listen_key) override;

  // Seams (nullptr restores the built-in behaviour). Not owned; must outlive the venue's use.
  void set_ws_api(WsApiHandler* handler) { ws_api_ = handler; }
  void set_listen_keys(ListenKeys* keys) { listen_keys_ = keys ? keys : &own_listen_keys_; }

  // Shared with the WebSocket API: the same exchange, keys, limits, faults and clock.
  [[nodiscard]] Exchange& exchange() { return exchange_; }
  [[nodiscard]] const Security& security() const { return security_; }
  [[nodiscard]] Security& security() { return security_; }
  [[nodiscard]] bool admin() const { return admin_; }
  [[nodiscard]] RateLimiter& rate_limiter(Product p) { return p == Product::kSpot ? spot_limits_ : futures_limits_; }
  [[nodiscard]] FaultInjector& fault_injector() { return faults_; }
  [[nodiscard]] ListenKeys& listen_keys() { return *listen_keys_; }
  // The clock as given (authentication takes it and applies the skew itself).
  [[nodiscard]] UnixNanos now() const { return clock_->now(); }
  // The server's clock (clock-skew-ms applied): what the exchange, the rate-limit windows, listenKey
  // expiry and every timestamp in an answer use, as on a Binance whose clock is off.
  [[nodiscard]] UnixNanos server_now() const { return security_.server_time(now()); }
  [[nodiscard]] int64_t server_time_ms() const { return server_now() / kNsPerMs; }
  // exchangeInfo's rateLimits: what the limiter of that product enforces.
  [[nodiscard]] std::vector<binance::RateLimit> advertised_rate_limits(Product p) {
    return rate_limiter(p).limits().to_exchange_info();
  }

 private:
  Exchange& exchange_;
  Security security_;
  bool admin_ = false;
  WallClock wall_clock_;
  const SimClock* clock_;
  RateLimiter spot_limits_;
  RateLimiter futures_limits_;
  FaultInjector faults_;
  InMemoryListenKeys own_listen_keys_;
  ListenKeys* listen_keys_;
  WsApiHandler* ws_api_ = nullptr;
  std::unique_ptr<RestApi> rest_;
};

}  // namespace dmabot::binance_sim
