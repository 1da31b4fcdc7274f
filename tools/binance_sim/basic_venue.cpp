#include "tools/binance_sim/basic_venue.h"

#include <cmath>

#include "core/clock.h"
#include "core/strings.h"
#include "simdjson.h"

namespace dmabot::binance_sim {

HttpResponse BasicVenue::on_http(Product product, const HttpRequest& request) {
  const std::string_view base = product == Product::kSpot ? "/api/v3/" : "/fapi/v1/";
  if (request.method == "GET" && request.path.size() > base.size() && request.path.compare(0, base.size(), base) == 0) {
    const std::string_view name = std::string_view(request.path).substr(base.size());
    HttpResponse r;
    // Weight 1 each (rest-api.md); the exchange keeps the real per-minute count.
    r.headers.emplace_back("x-mbx-used-weight-1m", "1");
    if (name == "ping") {
      r.body = "{}";
      return r;
    }
    if (name == "time") {
      const int64_t ms =
          static_cast<int64_t>(core::wall_clock_ns() / 1'000'000) + static_cast<int64_t>(std::llround(skew_ms_));
      r.body = core::str_cat("{\"serverTime\":", ms, "}");
      return r;
    }
  }
  return not_found_response();
}

void BasicVenue::on_ws_api_text(const WsConnectionPtr& conn, std::string_view text) {
  // Echo the request id when there is one (string ids are the common case in Binance's docs).
  std::string id = "null";
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element doc, id_el;
  if (parser.parse(padded).get(doc) == simdjson::SUCCESS && doc["id"].get(id_el) == simdjson::SUCCESS) {
    std::string_view s;
    int64_t n = 0;
    if (id_el.get(s) == simdjson::SUCCESS) {
      id.clear();
      core::append_json_string(id, s);
    } else if (id_el.get(n) == simdjson::SUCCESS) {
      id = std::to_string(n);
    }
  }
  conn->send_text(core::str_cat(
      "{\"id\":", id, ",\"status\":400,\"error\":{\"code\":-1020,\"msg\":\"This operation is not supported.\"}}"));
}

}  // namespace dmabot::binance_sim
