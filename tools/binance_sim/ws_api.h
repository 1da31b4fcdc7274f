// tools/binance_sim/ws_api.h — binance-sim's WebSocket API: spot /ws-api/v3 and USD-M /ws-fapi/v1.
//
// Requests are {"id":..,"method":"..","params":{..}} (binance::RequestParams::parse_ws_request; numbers
// may come as strings, as Binance's Node connectors send them); answers are
//   {"id":<id as sent>,"status":200,"result":<..>,"rateLimits":[..]}
//   {"id":<id or null>,"status":4xx,"error":{"code":..,"msg":".."},"rateLimits":[..]}
// (web-socket-api.md "Response format"; rateLimits left out with returnRateLimits=false).
//
// Methods (both products unless marked):
//   ping, time, exchangeInfo, ticker.book                         unsigned
//   session.logon (Ed25519 keys only: an HMAC key is refused with -4056), session.status,
//   session.logout                                                after logon, SIGNED requests need
//                                                                 only `timestamp` (no apiKey/signature)
//   order.place, order.cancel, order.status, openOrders.status    SIGNED
//   spot: order.cancelReplace, openOrders.cancelAll, account.status,
//         userDataStream.subscribe (logged-on session), userDataStream.subscribe.signature,
//         userDataStream.unsubscribe, session.subscriptions
//   USD-M: account.status, account.balance, account.position (SIGNED);
//          userDataStream.start / ping / stop (apiKey only: the listenKey of ListenKeyStore)
// Order requests draw the venue's order faults (WsApiHost::order_fault). Unknown methods answer -1020; malformed frames
// -1135 / -1102 with the id when one was readable; nothing a client sends ends the sim or the connection.
//
// The venue supplies key checks and rate limits through WsApiHost (security.h and the rate limiter
// behind SimVenue); the clock is passed in (`now`, Unix ns, the venue's clock), so tests inject it.
// The exchange, the listenKeys and the times shown run on host.server_time(now) (clock-skew-ms), as
// the REST side does.
//
// Threads: the sim's io thread (Venue callbacks). Allocation: per request (a test venue).
// Errors: Binance's error answers on the connection; never exceptions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/request_params.h"
#include "gateway/binance/response_encoders.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/exchange_faults.h"
#include "tools/binance_sim/user_data_publisher.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

// What the WebSocket API needs from the venue.
class WsApiHost {
 public:
  virtual ~WsApiHost() = default;
  enum class KeyKind : uint8_t { kUnknown, kHmac, kEd25519 };
  [[nodiscard]] virtual KeyKind key_kind(std::string_view api_key) const = 0;
  // A SIGNED request carrying apiKey, timestamp and signature: the key exists (-2015), the timestamp
  // is inside recvWindow (-1021), the signature matches the raw or the encodeURIComponent payload
  // (-1022); missing ones -1102. Marks apiKey, timestamp, recvWindow and signature read.
  [[nodiscard]] virtual ExchangeError verify_signed(Product p, binance::RequestParams& params, UnixNanos now) = 0;
  // A SIGNED request on a logged-on session: timestamp / recvWindow only (-1021, -1102).
  [[nodiscard]] virtual ExchangeError check_timestamp(Product p, binance::RequestParams& params, UnixNanos now) = 0;
  // Counts (at server time) one request of `weight` (and one new order of api_key when `order`); refuses with
  // 429/418 (-1003 / -1015). Fills `limits` with the answer's rateLimits either way.
  [[nodiscard]] virtual ExchangeError charge(Product p, std::string_view api_key, int weight, bool order, UnixNanos now,
                                             std::vector<binance::RateLimitStatus>& limits) = 0;
  // The server's clock as clients see it (clock-skew-ms).
  [[nodiscard]] virtual UnixNanos server_time(UnixNanos now) const { return now; }
  // exchangeInfo's rateLimits (what charge() enforces).
  [[nodiscard]] virtual std::vector<binance::RateLimit> rate_limits(Product p) const = 0;
  // The order faults (exchange_faults.h: http-5xx-rate, http-5xx-applied-rate, reject-rate), one draw
  // per order request; the 5xx ones answer status 503 -1007 on the WebSocket API.
  [[nodiscard]] virtual OrderFault order_fault(bool creates_order) {
    (void)creates_order;
    return OrderFault::kNone;
  }
};

class WsApi {
 public:
  WsApi(Exchange& exchange, UserDataPublisher& user_data, ListenKeyStore& listen_keys, WsApiHost& host)
      : ex_(exchange), uds_(user_data), keys_(listen_keys), host_(host) {}

  void on_open(const WsConnectionPtr& conn, UnixNanos now);
  // One text frame: answered on `conn` (always exactly one answer).
  void on_text(const WsConnectionPtr& conn, std::string_view text, UnixNanos now);
  void on_close(const WsConnectionPtr& conn);

  // serverShutdown to every open spot WS API connection ({"event":{"e":"serverShutdown","E":..}}).
  void announce_shutdown(UnixNanos now);

  [[nodiscard]] std::size_t sessions() const { return sessions_.size(); }

 private:
  struct Session {
    WsConnectionPtr conn;
    std::string logon_key;  // "" = not logged on
    UnixNanos authorized_since = 0;
    UnixNanos connected_since = 0;
  };
  struct Call;  // one request being answered (ws_api.cpp)
  using Handler = void (WsApi::*)(Call&);

  Session& session(const WsConnectionPtr& conn, UnixNanos now);
  // SIGNED authorization: signature, or the logged-on session. Sets call.api_key.
  [[nodiscard]] bool authorize(Call& c);
  void finish(Call& c, std::string_view result_json);
  void fail(Call& c, const ExchangeError& e, std::string_view data_json = {});
  [[nodiscard]] binance::DecimalStyle style(Product p, std::string_view symbol) const;
  void status_result(Call& c);
  // Draws the order fault; a refusing one (5xx before, reject) is answered and recorded here (true =
  // stop). `applied` is set for the 5xx-after-applying kind, answered by the caller once done.
  [[nodiscard]] bool order_fault(Call& c, bool creates_order, std::string_view request, const std::string& symbol,
                                 std::optional<OrderSide> side, const std::string& client_id, bool& applied);

  void m_ping(Call& c);
  void m_time(Call& c);
  void m_exchange_info(Call& c);
  void m_ticker_book(Call& c);
  void m_session_logon(Call& c);
  void m_session_status(Call& c);
  void m_session_logout(Call& c);
  void m_order_place(Call& c);
  void m_order_cancel(Call& c);
  void m_order_status(Call& c);
  void m_order_cancel_replace(Call& c);
  void m_open_orders_status(Call& c);
  void m_open_orders_cancel_all(Call& c);
  void m_account_status(Call& c);
  void m_account_balance(Call& c);
  void m_account_position(Call& c);
  void m_uds_subscribe(Call& c);
  void m_uds_subscribe_signature(Call& c);
  void m_uds_unsubscribe(Call& c);
  void m_session_subscriptions(Call& c);
  void m_uds_start(Call& c);
  void m_uds_ping(Call& c);
  void m_uds_stop(Call& c);

  struct Method {
    Handler handler;
    bool signed_request;
    bool order;  // counts toward the order limits
    bool spot, futures;
  };
  [[nodiscard]] static const Method* find_method(std::string_view name);

  Exchange& ex_;
  UserDataPublisher& uds_;
  ListenKeyStore& keys_;
  WsApiHost& host_;
  std::map<uint64_t, Session> sessions_;
  binance::RequestParams params_;
  std::string out_;
};

}  // namespace dmabot::binance_sim
