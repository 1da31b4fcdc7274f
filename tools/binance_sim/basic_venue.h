// tools/binance_sim/basic_venue.h — the stand-in venue `dmabot binance-sim` runs until the exchange
// (exchange*.h) is wired in: GET /api/v3/ping and /fapi/v1/ping answer {}, GET /api/v3/time and
// /fapi/v1/time answer {"serverTime":<ms>} (both as Binance's docs show), every other REST path
// answers not_found_response(), WebSocket API requests get Binance's unknown-method error.
//
// Threads: the server's io thread (see venue_api.h). Allocation: per response. Errors: none raised.
#pragma once

#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

class BasicVenue final : public Venue {
 public:
  // clock_skew_ms shifts serverTime (the clock-skew-ms fault).
  explicit BasicVenue(double clock_skew_ms = 0) : skew_ms_(clock_skew_ms) {}
  HttpResponse on_http(Product product, const HttpRequest& request) override;
  void on_ws_api_text(const WsConnectionPtr& conn, std::string_view text) override;

 private:
  double skew_ms_;
};

}  // namespace dmabot::binance_sim
