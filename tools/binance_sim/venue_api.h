// tools/binance_sim/venue_api.h — the seam between binance-sim's network side (server.h: TLS, HTTP,
// WebSocket, routing, limits, transport faults) and its exchange (accounts, matching, orders).
//
// The transport parses bytes and owns connections; the venue turns requests into answers and
// publishes events. The transport calls a Venue; the venue calls back through WsConnection handles
// and the StreamHub. Both sides know nothing else about each other.
//
// Threads: everything here runs on the server's single io_context thread — every Venue callback,
// every WsConnection and StreamHub call. The venue therefore needs no locks; it must not block (no
// sleeping, no blocking I/O beyond its ledger's line writes) because one slow callback stalls every
// connection. Timers the venue needs (market ticks, listenKey expiry) go on Server::io_context().
// Allocation: per request and per event (strings); this is a test venue, not the engine's hot path.
// Errors: a venue answers a bad request with Binance's error shape in HttpResponse / a WS text; it
// never throws into the transport (an exception escaping a callback is caught, logged and answered
// with HTTP 500 {"code":-1000,...} or ends that one connection — never the process).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/binance/binance_types.h"

namespace dmabot::binance_sim {

using binance::Product;

// One REST request as the client sent it. Strings are raw: the query is not percent-decoded (the
// signature covers the encoded form), the body is the bytes received.
struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "DELETE", ...
  std::string path;    // "/api/v3/order" (target up to '?')
  std::string query;   // "symbol=BTCUSDT&timestamp=1" (after '?', "" if none)
  std::string body;
  std::string content_type;  // e.g. "application/x-www-form-urlencoded" ("" if absent)
  std::string api_key;       // the X-MBX-APIKEY header ("" if absent)
  std::string remote_ip;     // "127.0.0.1"; the weight limits of Binance are per IP
  // Every header, names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;

  // First header with this lower-case name, "" if none.
  [[nodiscard]] std::string_view header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
};

// The venue's answer. The transport adds Content-Length, Date and Server, and honours the
// latency-ms fault before writing it.
struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json;charset=UTF-8";
  // Extra headers, e.g. {"x-mbx-used-weight-1m","3"}, {"x-mbx-order-count-10s","1"},
  // {"Retry-After","60"}. Binance sends the x-mbx ones lower-case; so should the venue.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Binance's answer to a REST path that does not exist: HTTP 404 with Binance's HTML error page (not
// a JSON {"code":..} body — real clients see a non-JSON 404 and fail loudly). Source and reasoning:
// docs/BINANCE_SIM.md, "Unknown paths".
[[nodiscard]] HttpResponse not_found_response();
// {"code":C,"msg":"M"} with this HTTP status (msg JSON-escaped).
[[nodiscard]] HttpResponse error_response(int http_status, int code, std::string_view msg);

// A WebSocket API connection (/ws-api/v3 on spot, /ws-fapi/v1 on futures) as the venue sees it.
// The venue may keep the shared_ptr (e.g. a user-data subscription) and push to it later; once the
// connection is gone send_text() returns false and does nothing — drop the handle in
// on_ws_api_close().
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Unique for the server's lifetime, never reused; handy as a map key.
  [[nodiscard]] virtual uint64_t id() const = 0;
  [[nodiscard]] virtual Product product() const = 0;
  // The connection asked for microsecond timestamps (timeUnit=MICROSECOND|microsecond in its URL).
  [[nodiscard]] virtual bool time_unit_us() const = 0;
  // Queues one text frame (sent in order, after the latency-ms fault). False if the connection is
  // closed or was closed for being a slow consumer (its outbound queue over the limit).
  virtual bool send_text(std::string text) = 0;
  // Sends a close frame (1000 normal) and ends the connection; on_ws_api_close follows.
  virtual void close() = 0;
  [[nodiscard]] virtual bool is_open() const = 0;
};
using WsConnectionPtr = std::shared_ptr<WsConnection>;

// Which stream server an event belongs to. Spot has one; USD-M futures routes streams by URL prefix
// (/public: bookTicker, depth; /market: markPrice, aggTrade, kline, ticker; /private: user data).
// A futures connection with no route prefix (/ws/..., /stream?...) is served as /public. An event
// published to one route never reaches a connection on another, even if it asked for the name (as
// Binance: a stream asked on the wrong route receives nothing, silently).
enum class StreamRoute : uint8_t { kSpot, kPublic, kMarket, kPrivate };

// Fan-out of market and user-data events to stream connections (/ws, /stream, routed futures
// streams). Implemented by the Server.
class StreamHub {
 public:
  virtual ~StreamHub() = default;
  // Sends one event to every connection of (product, route) subscribed to `stream` (exact, case-
  // sensitive name as the client asked, e.g. "btcusdt@bookTicker"; on /private the listenKey).
  // Raw connections (/ws/...) get the payload as is; combined ones (/stream?...) get
  // {"stream":"<stream>","data":<payload>}. `payload_us` is the same event with microsecond
  // timestamps, sent to connections that asked for timeUnit=MICROSECOND; when empty they get
  // `payload_ms` (right for events that carry no timestamps). The venue formats both variants itself
  // because only it knows which fields are times. Returns how many connections it was queued to
  // (0 when nobody listens: the venue may skip formatting next time via has_subscribers()).
  // Spot events use kSpot; futures ones kPublic/kMarket/kPrivate (kSpot with kUsdmFutures, or the
  // reverse, reaches nobody).
  virtual std::size_t publish(Product product, StreamRoute route, std::string_view stream, std::string_view payload_ms,
                              std::string_view payload_us = {}) = 0;
  [[nodiscard]] virtual bool has_subscribers(Product product, StreamRoute route, std::string_view stream) const = 0;
  // Ends every stream connection of (product, route) subscribed to `stream` (close frame 1000) —
  // e.g. after a listenKey expired and its listenKeyExpired event was published. Returns the count.
  virtual std::size_t close_subscribers(Product product, StreamRoute route, std::string_view stream) = 0;
};

// What the exchange implements. Every method runs on the io thread (see the overview).
class Venue {
 public:
  virtual ~Venue() = default;
  // A REST request under the product's REST prefix (/api/ on spot, /fapi/ on futures). Paths the
  // venue does not serve answer not_found_response().
  virtual HttpResponse on_http(Product product, const HttpRequest& request) = 0;
  // WebSocket API connections: opened (after the handshake), each text frame, closed (by either side
  // or by a fault). Binary frames are refused by the transport (close 1003) and never reach here.
  virtual void on_ws_api_open(const WsConnectionPtr& conn) { (void)conn; }
  virtual void on_ws_api_text(const WsConnectionPtr& conn, std::string_view text) = 0;
  virtual void on_ws_api_close(const WsConnectionPtr& conn) { (void)conn; }
  // A futures /private connection names a listenKey (URL or SUBSCRIBE). False refuses it: at
  // connect, the handshake is answered HTTP 400 {"code":-1125,"msg":"This listenKey does not
  // exist."}; in a SUBSCRIBE, the key is not added (the request is still answered with result null).
  virtual bool validate_listen_key(std::string_view listen_key) {
    (void)listen_key;
    return true;
  }
};

}  // namespace dmabot::binance_sim
