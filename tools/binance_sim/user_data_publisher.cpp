#include "tools/binance_sim/user_data_publisher.h"

#include <algorithm>

#include "tools/binance_sim/exchange_wire.h"

namespace dmabot::binance_sim {

namespace {

using binance::TimeUnit;

template <std::size_t N>
void put(binance::FixedString<N>& dst, std::string_view s) {
  if (!dst.assign(s)) (void)dst.assign(s.substr(0, N));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// ListenKeyStore

ListenKeyStore::ListenKeyStore(StreamHub& hub, UnixNanos validity, uint64_t seed)
    : hub_(hub), validity_(validity > 0 ? validity : kDefaultValidity), rng_(seed) {}

ExchangeError ListenKeyStore::not_found() { return ExchangeError::make(-1125, "This listenKey does not exist."); }

std::string ListenKeyStore::create(const std::string& api_key, UnixNanos now) {
  // A key that lapsed since the last tick announces its expiry before a new one replaces it.
  expire(now);
  auto it = by_api_key_.find(api_key);
  if (it != by_api_key_.end() && it->second.expires > now) {
    it->second.expires = now + validity_;
    return it->second.key;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string key;
  key.reserve(64);
  for (int i = 0; i < 64; ++i) key.push_back(kAlphabet[rng_.next() % (sizeof(kAlphabet) - 1)]);
  by_api_key_[api_key] = Entry{key, now + validity_};
  return key;
}

std::optional<std::string> ListenKeyStore::keepalive(const std::string& api_key, UnixNanos now) {
  expire(now);
  auto it = by_api_key_.find(api_key);
  if (it == by_api_key_.end() || it->second.expires <= now) return std::nullopt;
  it->second.expires = now + validity_;
  return it->second.key;
}

bool ListenKeyStore::remove(const std::string& api_key, UnixNanos now) {
  (void)now;
  auto it = by_api_key_.find(api_key);
  if (it == by_api_key_.end()) return false;
  const std::string key = it->second.key;
  by_api_key_.erase(it);
  hub_.close_subscribers(Product::kUsdmFutures, StreamRoute::kPrivate, key);
  return true;
}

void ListenKeyStore::expire(UnixNanos now) {
  for (auto it = by_api_key_.begin(); it != by_api_key_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    const std::string key = it->second.key;
    it = by_api_key_.erase(it);
    binance::ListenKeyExpired ev;
    ev.event_time = now;
    put(ev.listen_key, key);
    std::string payload;
    binance::encode_listen_key_expired(ev, payload);
    hub_.publish(Product::kUsdmFutures, StreamRoute::kPrivate, key, payload);
    hub_.close_subscribers(Product::kUsdmFutures, StreamRoute::kPrivate, key);
  }
}

bool ListenKeyStore::valid(std::string_view listen_key, UnixNanos now) const {
  for (const auto& [api_key, e] : by_api_key_)
    if (e.key == listen_key) return e.expires > now;
  return false;
}

const std::string* ListenKeyStore::key_of(const std::string& api_key) const {
  auto it = by_api_key_.find(api_key);
  return it == by_api_key_.end() ? nullptr : &it->second.key;
}

UnixNanos ListenKeyStore::expires_at(const std::string& api_key) const {
  auto it = by_api_key_.find(api_key);
  return it == by_api_key_.end() ? 0 : it->second.expires;
}

// ---------------------------------------------------------------------------------------------------
// Subscriptions

std::optional<int64_t> UserDataPublisher::subscribe(const WsConnectionPtr& conn, const std::string& api_key,
                                                    bool logon) {
  ConnSubs& cs = conns_[conn->id()];
  for (const Sub& s : cs.subs)
    if (s.api_key == api_key) return std::nullopt;
  const int64_t id = cs.next_id++;
  cs.subs.push_back(Sub{conn, api_key, id, logon});
  return id;
}

bool UserDataPublisher::unsubscribe(uint64_t conn_id, int64_t subscription_id) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end()) return false;
  auto& v = it->second.subs;
  const auto n = std::erase_if(v, [&](const Sub& s) { return s.id == subscription_id; });
  return n > 0;
}

void UserDataPublisher::unsubscribe_all(uint64_t conn_id) {
  auto it = conns_.find(conn_id);
  if (it != conns_.end()) it->second.subs.clear();
}

void UserDataPublisher::unsubscribe_logon(uint64_t conn_id) {
  auto it = conns_.find(conn_id);
  if (it != conns_.end()) std::erase_if(it->second.subs, [](const Sub& s) { return s.logon; });
}

std::vector<int64_t> UserDataPublisher::subscriptions(uint64_t conn_id) const {
  std::vector<int64_t> out;
  auto it = conns_.find(conn_id);
  if (it != conns_.end())
    for (const Sub& s : it->second.subs) out.push_back(s.id);
  return out;
}

void UserDataPublisher::on_close(uint64_t conn_id) { conns_.erase(conn_id); }

// ---------------------------------------------------------------------------------------------------
// Events

binance::ExecutionReport UserDataPublisher::execution_report(const OrderEvent& e, int64_t execution_id) {
  return to_execution_report(e, execution_id);
}

binance::OrderTradeUpdate UserDataPublisher::order_trade_update(const OrderEvent& e) {
  return to_order_trade_update(e);
}

void UserDataPublisher::deliver_spot(const std::string& api_key, const std::string& event_ms,
                                     const std::string& event_us) {
  std::string frame;
  for (auto& [conn_id, cs] : conns_) {
    for (const Sub& s : cs.subs) {
      if (s.api_key != api_key) continue;
      frame.clear();
      binance::wrap_ws_api_event(s.conn->time_unit_us() ? event_us : event_ms, s.id, frame);
      s.conn->send_text(frame);
    }
  }
}

void UserDataPublisher::publish_futures(const std::string& api_key, const std::string& payload) {
  const std::string* key = keys_.key_of(api_key);
  if (key) hub_.publish(Product::kUsdmFutures, StreamRoute::kPrivate, *key, payload);
}

void UserDataPublisher::on_order(const OrderEvent& e) {
  // Balances stay coalesced until the request or tick ends (flush()): Binance sends one
  // outboundAccountPosition / ACCOUNT_UPDATE after the order's NEW and TRADE reports.
  if (e.order.product == Product::kSpot) {
    const binance::ExecutionReport r = execution_report(e, next_execution_id_++);
    std::string ms, us;
    binance::encode_execution_report(r, ms, TimeUnit::kMillisecond);
    binance::encode_execution_report(r, us, TimeUnit::kMicrosecond);
    deliver_spot(e.api_key, ms, us);
    return;
  }
  if (!keys_.key_of(e.api_key)) return;
  if (e.fill) {
    const TradeRecord& t = *e.fill;
    binance::TradeLite tl;
    tl.event_time = e.ts;
    tl.transaction_time = t.time;
    put(tl.symbol, e.order.symbol);
    tl.orig_qty = e.order.orig_qty;
    tl.orig_price = e.order.price;
    tl.is_maker = t.is_maker;
    put(tl.client_order_id, e.order.client_order_id);
    tl.side = e.order.side;
    tl.last_price = t.price;
    tl.last_qty = t.qty;
    tl.trade_id = t.trade_id;
    tl.order_id = e.order.order_id;
    std::string payload;
    binance::encode_trade_lite(tl, payload);
    publish_futures(e.api_key, payload);
  }
  std::string payload;
  binance::encode_order_trade_update(order_trade_update(e), payload);
  publish_futures(e.api_key, payload);
}

void UserDataPublisher::on_balance(const BalanceEvent& e) {
  if (e.product == Product::kSpot) {
    PendingSpot& p = pending_spot_[e.api_key];
    p.ts = e.ts;
    auto it = std::find_if(p.balances.begin(), p.balances.end(),
                           [&](const binance::SpotBalance& b) { return b.asset.view() == e.asset; });
    if (it == p.balances.end()) it = p.balances.insert(p.balances.end(), binance::SpotBalance{});
    put(it->asset, e.asset);
    it->free = Qty::from_raw(e.free_raw);
    it->locked = Qty::from_raw(e.locked_raw);
    return;
  }
  PendingFutures& p = pending_futures_[e.api_key];
  if (!p.reason.empty() && p.reason != e.reason) flush_futures(e.api_key, p);
  p.ts = e.ts;
  p.reason = e.reason;
  auto it = std::find_if(p.balances.begin(), p.balances.end(),
                         [&](const binance::FuturesBalance& b) { return b.asset.view() == e.asset; });
  if (it == p.balances.end()) {
    it = p.balances.insert(p.balances.end(), binance::FuturesBalance{});
    put(it->asset, e.asset);
  }
  it->wallet_balance = Qty::from_raw(e.free_raw);
  it->cross_wallet_balance = Qty::from_raw(e.free_raw);
  it->balance_change = Qty::from_raw(it->balance_change.raw + e.change_raw);
}

void UserDataPublisher::on_position(const PositionEvent& e) {
  PendingFutures& p = pending_futures_[e.api_key];
  if (!p.reason.empty() && p.reason != e.reason) flush_futures(e.api_key, p);
  p.ts = e.ts;
  p.reason = e.reason;
  const PositionSnapshot& s = e.position;
  auto it = std::find_if(p.positions.begin(), p.positions.end(), [&](const binance::FuturesPosition& x) {
    return x.symbol.view() == s.symbol && x.position_side == s.position_side;
  });
  if (it == p.positions.end()) it = p.positions.insert(p.positions.end(), binance::FuturesPosition{});
  put(it->symbol, s.symbol);
  it->amount = s.amount;
  it->entry_price = s.entry_price;
  it->breakeven_price = s.entry_price;
  it->accumulated_realized = Qty::from_raw(s.realized_pnl_raw);
  it->unrealized_pnl = Qty::from_raw(s.unrealized_pnl_raw);
  it->margin_type = binance::MarginType::kCross;
  it->position_side = s.position_side;
}

void UserDataPublisher::flush_spot(const std::string& api_key, PendingSpot& p) {
  if (p.balances.empty()) return;
  binance::AccountPosition ap;
  ap.event_time = p.ts;
  ap.last_update_time = p.ts;
  for (const auto& b : p.balances) {
    if (ap.count == ap.entries.size()) break;
    ap.entries[ap.count++] = b;
  }
  p.balances.clear();
  std::string ms, us;
  binance::encode_account_position(ap, ms, TimeUnit::kMillisecond);
  binance::encode_account_position(ap, us, TimeUnit::kMicrosecond);
  deliver_spot(api_key, ms, us);
}

void UserDataPublisher::flush_futures(const std::string& api_key, PendingFutures& p) {
  if (p.balances.empty() && p.positions.empty()) return;
  binance::AccountUpdate au;
  au.event_time = p.ts;
  au.transaction_time = p.ts;
  put(au.reason, p.reason);
  for (const auto& b : p.balances)
    if (au.balance_count < au.balance_entries.size()) au.balance_entries[au.balance_count++] = b;
  for (const auto& x : p.positions)
    if (au.position_count < au.position_entries.size()) au.position_entries[au.position_count++] = x;
  p.balances.clear();
  p.positions.clear();
  p.reason.clear();
  std::string payload;
  binance::encode_account_update(au, payload);
  publish_futures(api_key, payload);
}

void UserDataPublisher::flush() {
  for (auto& [k, p] : pending_spot_) flush_spot(k, p);
  for (auto& [k, p] : pending_futures_) flush_futures(k, p);
}

}  // namespace dmabot::binance_sim
