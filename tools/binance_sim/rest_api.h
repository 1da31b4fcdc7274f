// tools/binance_sim/rest_api.h — binance-sim's REST endpoints, Spot (/api/v3) and USD-M (/fapi/v1|v2|v3):
// routing, parameters (binance::RequestParams with Binance's errors), security class per endpoint
// (NONE, USER_STREAM = API key only, SIGNED), weights and order counts (rate_limiter.h), the order
// faults, the call into the Exchange, and the answer in Binance's shapes (response_encoders.h).
// docs/BINANCE_SIM.md lists the endpoints; anything else is not_found_response().
//
// Choices where Binance's docs are silent (documented in docs/BINANCE_SIM.md):
//   - a known path with another method: HTTP 405 {"code":-1020,"msg":"This operation is not supported."}
//   - Spot rejects unknown parameters (-1104, check_all_read); USD-M ignores them.
//   - the form body is read when Content-Type is x-www-form-urlencoded or absent; other bodies (the
//     Node connectors send Content-Type: application/json with no body) are ignored.
//   - depth's lastUpdateId counts depth/bookTicker answers (the sim keeps no update ids).
//
// Threads: the io thread (SimVenue's). Allocation: per request. Errors: all answered, never thrown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/binance/request_params.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

class SimVenue;

class RestApi {
 public:
  explicit RestApi(SimVenue& venue) : venue_(venue) {}
  HttpResponse handle(Product product, const HttpRequest& request);

  // Endpoint security as Binance's docs name it.
  enum class Security : uint8_t { kNone, kUserStream, kSigned };
  struct Call;  // one request in flight (rest_api.cpp)

 private:
  SimVenue& venue_;
  HttpResponse admin(Product product, const HttpRequest& request);  // --admin test hooks

  binance::RequestParams params_;  // reused from request to request
  int64_t book_update_id_ = 0;
};

}  // namespace dmabot::binance_sim
