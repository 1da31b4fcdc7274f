// tools/binance_sim/user_data_publisher.h — binance-sim's user data: the exchange's account events
// turned into Binance's user-data events and delivered where each product delivers them.
//
//   Spot (WebSocket API subscriptions, user-data-stream.md): executionReport per OrderEvent;
//     outboundAccountPosition with every asset the request changed (BalanceEvents coalesced, sent
//     after the order reports — "balance after fill"). Each goes to
//     every spot WS API subscription of that account as {"subscriptionId":N,"event":{...}}, in
//     microseconds when that connection asked for timeUnit=MICROSECOND.
//   USD-M (StreamRoute::kPrivate, stream name = the listenKey): TRADE_LITE then ORDER_TRADE_UPDATE
//     per OrderEvent (TRADE_LITE only for fills), ACCOUNT_UPDATE (balances and positions of one
//     request coalesced, "m" = the reason) after it, published under the account's live listenKey.
//
// ListenKeyStore: USD-M listenKeys. One per API key; create() returns the live one again while it
// is valid (as POST /fapi/v1/listenKey does), keepalive() extends it by 60 min, remove() deletes it;
// expire(now) publishes {"e":"listenKeyExpired","E":"<ms>","listenKey":K} on each expired key and
// then closes that key's /private connections. Unknown keys: -1125 "This listenKey does not exist."
//
// Ordering: the exchange emits synchronously; the publisher holds the balances and positions a
// request or a tick moved until flush() — the venue calls it after each request and each market
// tick — so they follow the order reports (NEW, TRADE...) that moved them, in one event.
//
// Threads: the sim's io thread only (as the Exchange and the StreamHub). Allocation: per event.
// Errors: ExchangeError values (-1125); delivery to a closed connection is silently dropped.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/prng.h"
#include "gateway/binance/user_data.h"
#include "tools/binance_sim/exchange_types.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

class ListenKeyStore final : public ListenKeys {
 public:
  static constexpr UnixNanos kDefaultValidity = 60LL * 60 * kNsPerSec;

  // validity: 60 min, or the listenkey-expire-s fault.
  explicit ListenKeyStore(StreamHub& hub, UnixNanos validity = kDefaultValidity, uint64_t seed = 0x6c6b);

  // The account's listenKey: the live one (its validity extended, as Binance does on a repeated
  // POST) or a new 64-character key.
  std::string create(const std::string& api_key, UnixNanos now) override;
  // PUT /fapi/v1/listenKey: extends the account's key; nullopt (-1125) when it has none (or it expired).
  std::optional<std::string> keepalive(const std::string& api_key, UnixNanos now) override;
  // DELETE /fapi/v1/listenKey; false (-1125) when none. Its /private connections are closed.
  bool remove(const std::string& api_key, UnixNanos now) override;
  // Expires keys whose time has come: listenKeyExpired on each, then their subscribers closed.
  void expire(UnixNanos now);

  [[nodiscard]] bool valid(std::string_view listen_key, UnixNanos now) const override;
  // The live key of an account, nullptr when none.
  [[nodiscard]] const std::string* key_of(const std::string& api_key) const;
  [[nodiscard]] UnixNanos expires_at(const std::string& api_key) const;

  [[nodiscard]] static ExchangeError not_found();  // -1125

 private:
  struct Entry {
    std::string key;
    UnixNanos expires = 0;
  };
  StreamHub& hub_;
  UnixNanos validity_;
  core::SplitMix64 rng_;
  std::map<std::string, Entry, std::less<>> by_api_key_;
};

class UserDataPublisher final : public ExchangeListener {
 public:
  UserDataPublisher(StreamHub& hub, const ListenKeyStore& keys) : hub_(hub), keys_(keys) {}

  // ---- spot WS API subscriptions (ws_api.cpp calls these) ----
  // A new subscription of `conn` to the account's events; its subscriptionId (per connection, from 0).
  // nullopt when the connection already has one for that account (Binance: one per account and
  // connection). logon: made by userDataStream.subscribe (session.logout ends it).
  std::optional<int64_t> subscribe(const WsConnectionPtr& conn, const std::string& api_key, bool logon);
  // One subscription (true if it existed) / every one of the connection / the logon one.
  bool unsubscribe(uint64_t conn_id, int64_t subscription_id);
  void unsubscribe_all(uint64_t conn_id);
  void unsubscribe_logon(uint64_t conn_id);
  [[nodiscard]] std::vector<int64_t> subscriptions(uint64_t conn_id) const;
  // The connection is gone: forget it (ids are never reused for another connection).
  void on_close(uint64_t conn_id);

  // Sends the coalesced balance/position events now.
  void flush();

  // ExchangeListener.
  void on_order(const OrderEvent& e) override;
  void on_balance(const BalanceEvent& e) override;
  void on_position(const PositionEvent& e) override;

  // Formatters, public for tests.
  [[nodiscard]] static binance::ExecutionReport execution_report(const OrderEvent& e, int64_t execution_id);
  [[nodiscard]] static binance::OrderTradeUpdate order_trade_update(const OrderEvent& e);

 private:
  struct Sub {
    WsConnectionPtr conn;
    std::string api_key;
    int64_t id = 0;
    bool logon = false;
  };
  struct ConnSubs {
    std::vector<Sub> subs;
    int64_t next_id = 0;
  };
  struct PendingSpot {
    UnixNanos ts = 0;
    std::vector<binance::SpotBalance> balances;  // latest per asset
  };
  struct PendingFutures {
    UnixNanos ts = 0;
    std::string reason;
    std::vector<binance::FuturesBalance> balances;
    std::vector<binance::FuturesPosition> positions;
  };
  void deliver_spot(const std::string& api_key, const std::string& event_ms, const std::string& event_us);
  void publish_futures(const std::string& api_key, const std::string& payload);
  void flush_spot(const std::string& api_key, PendingSpot& p);
  void flush_futures(const std::string& api_key, PendingFutures& p);

  StreamHub& hub_;
  const ListenKeyStore& keys_;
  std::map<uint64_t, ConnSubs> conns_;
  std::map<std::string, PendingSpot> pending_spot_;
  std::map<std::string, PendingFutures> pending_futures_;
  int64_t next_execution_id_ = 1;
};

}  // namespace dmabot::binance_sim
