// tools/binance_sim/ws_venue.h — binance-sim's WebSocket side assembled on a SimVenue: the WebSocket
// API (ws_api.h), the user-data publisher and the listenKey store (user_data_publisher.h) and the
// market streams (market_publisher.h), plugged into the venue's seams (set_ws_api, set_listen_keys)
// and the exchange's listeners, sharing the venue's clock, keys, rate limits and clock skew.
//
//   SimVenue venue(...);  Server server(ioc, opts, venue);
//   WsVenue ws(venue, server, listen_key_validity);   // after both, before serving
//   timer every 10-100 ms:  now = venue.server_now(); driver.poll(now); ws.tick(now);
//   SIGTERM:                ws.announce_shutdown(now); server.stop();
//
// Threads: the sim's io thread only. Allocation: per request and event. Errors: none raised; every
// client error is a Binance answer on its connection.
#pragma once

#include <memory>

#include "tools/binance_sim/market_publisher.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/user_data_publisher.h"
#include "tools/binance_sim/ws_api.h"

namespace dmabot::binance_sim {

class WsVenue final : public WsApiHandler, private WsApiHost {
 public:
  // listen_key_validity: 60 min, or the listenkey-expire-s fault. Registers itself with `venue` and
  // the venue's exchange; must outlive both's use (destroy after the io_context stopped).
  WsVenue(SimVenue& venue, StreamHub& hub, UnixNanos listen_key_validity = ListenKeyStore::kDefaultValidity);
  ~WsVenue() override;
  WsVenue(const WsVenue&) = delete;
  WsVenue& operator=(const WsVenue&) = delete;

  // Market streams due at `now` (the server's clock, SimVenue::server_now()), listenKey expiry,
  // coalesced account events.
  void tick(UnixNanos now);
  // serverShutdown to every spot WebSocket API connection.
  void announce_shutdown(UnixNanos now) { ws_api_.announce_shutdown(now); }
  // After a REST request that may have moved balances: send the coalesced account events now.
  void flush() { user_data_.flush(); }

  // WsApiHandler (SimVenue forwards its Venue callbacks).
  void on_open(const WsConnectionPtr& conn) override;
  void on_text(const WsConnectionPtr& conn, std::string_view text) override;
  void on_close(const WsConnectionPtr& conn) override;

  [[nodiscard]] ListenKeyStore& listen_keys() { return listen_keys_; }
  [[nodiscard]] UserDataPublisher& user_data() { return user_data_; }

 private:
  // WsApiHost over the venue's Security and RateLimiter.
  [[nodiscard]] KeyKind key_kind(std::string_view api_key) const override;
  [[nodiscard]] ExchangeError verify_signed(Product p, binance::RequestParams& params, UnixNanos now) override;
  [[nodiscard]] ExchangeError check_timestamp(Product p, binance::RequestParams& params, UnixNanos now) override;
  [[nodiscard]] ExchangeError charge(Product p, std::string_view api_key, int weight, bool order, UnixNanos now,
                                     std::vector<binance::RateLimitStatus>& limits) override;
  [[nodiscard]] UnixNanos server_time(UnixNanos now) const override;
  [[nodiscard]] std::vector<binance::RateLimit> rate_limits(Product p) const override;
  [[nodiscard]] OrderFault order_fault(bool creates_order) override;

  SimVenue& venue_;
  ListenKeyStore listen_keys_;
  UserDataPublisher user_data_;
  MarketPublisher market_;
  WsApi ws_api_;
};

}  // namespace dmabot::binance_sim
