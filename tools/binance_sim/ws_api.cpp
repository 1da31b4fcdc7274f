#include "tools/binance_sim/ws_api.h"

#include <algorithm>
#include <array>

#include "core/strings.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/response_encoders.h"
#include "gateway/binance/user_data.h"
#include "tools/binance_sim/exchange_requests.h"
#include "tools/binance_sim/exchange_wire.h"
#include "tools/binance_sim/rate_limiter.h"

namespace dmabot::binance_sim {

namespace {

constexpr UnixNanos kMs = 1'000'000;

ExchangeError from_api(const binance::ApiError& e) { return ExchangeError::make(e.code, e.msg, 400); }

void append_dec(std::string& out, int64_t raw, int decimals) {
  char buf[48];
  const std::size_t n = core::format_decimal(raw, buf, std::clamp(decimals, 0, 8));
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

// The weights of web-socket-api.md (spot) and the USD-M WebSocket API pages for the methods the
// limiter's table (rate_limiter.h, shared with REST) does not list; the rest from that table.
int method_weight(Product p, std::string_view m, const WeightParams& wp) {
  const bool spot = p == Product::kSpot;
  if (m == "exchangeInfo") return spot ? 20 : 1;
  if (m == "ticker.book") return wp.has_symbol ? 2 : (spot ? 4 : 5);
  if (m == "account.balance" || m == "account.position") return 5;
  if (m == "session.status" || m == "session.logout" || m == "session.subscriptions" ||
      m == "userDataStream.unsubscribe")
    return 2;
  return ws_method_weight(p, m, wp);
}

}  // namespace

struct WsApi::Call {
  const WsConnectionPtr& conn;
  Session& session;
  binance::RequestParams& params;
  Product product;
  UnixNanos now;        // the venue's clock: authentication applies the clock skew itself
  UnixNanos t;          // the server's clock (clock-skew-ms applied): exchange, listenKeys, limits, times shown
  std::string api_key;  // set by authorize()
  bool return_rate_limits = true;
  std::vector<binance::RateLimitStatus> limits;
  bool answered = false;
};

const WsApi::Method* WsApi::find_method(std::string_view name) {
  struct Entry {
    std::string_view name;
    Method m;
  };
  static const std::array kMethods = {
      Entry{"ping", {&WsApi::m_ping, false, false, true, true}},
      Entry{"time", {&WsApi::m_time, false, false, true, true}},
      Entry{"exchangeInfo", {&WsApi::m_exchange_info, false, false, true, true}},
      Entry{"ticker.book", {&WsApi::m_ticker_book, false, false, true, true}},
      Entry{"session.logon", {&WsApi::m_session_logon, false, false, true, true}},
      Entry{"session.status", {&WsApi::m_session_status, false, false, true, true}},
      Entry{"session.logout", {&WsApi::m_session_logout, false, false, true, true}},
      Entry{"order.place", {&WsApi::m_order_place, true, true, true, true}},
      Entry{"order.cancel", {&WsApi::m_order_cancel, true, false, true, true}},
      Entry{"order.status", {&WsApi::m_order_status, true, false, true, true}},
      Entry{"order.cancelReplace", {&WsApi::m_order_cancel_replace, true, true, true, false}},
      Entry{"openOrders.status", {&WsApi::m_open_orders_status, true, false, true, true}},
      Entry{"openOrders.cancelAll", {&WsApi::m_open_orders_cancel_all, true, false, true, false}},
      Entry{"account.status", {&WsApi::m_account_status, true, false, true, true}},
      Entry{"account.balance", {&WsApi::m_account_balance, true, false, false, true}},
      Entry{"account.position", {&WsApi::m_account_position, true, false, false, true}},
      Entry{"userDataStream.subscribe", {&WsApi::m_uds_subscribe, false, false, true, false}},
      Entry{"userDataStream.subscribe.signature", {&WsApi::m_uds_subscribe_signature, false, false, true, false}},
      Entry{"userDataStream.unsubscribe", {&WsApi::m_uds_unsubscribe, false, false, true, false}},
      Entry{"session.subscriptions", {&WsApi::m_session_subscriptions, false, false, true, false}},
      Entry{"userDataStream.start", {&WsApi::m_uds_start, false, false, false, true}},
      Entry{"userDataStream.ping", {&WsApi::m_uds_ping, false, false, false, true}},
      Entry{"userDataStream.stop", {&WsApi::m_uds_stop, false, false, false, true}},
  };
  for (const Entry& e : kMethods)
    if (e.name == name) return &e.m;
  return nullptr;
}

WsApi::Session& WsApi::session(const WsConnectionPtr& conn, UnixNanos now) {
  auto [it, inserted] = sessions_.try_emplace(conn->id());
  if (inserted) {
    it->second.conn = conn;
    it->second.connected_since = now;
  }
  return it->second;
}

void WsApi::on_open(const WsConnectionPtr& conn, UnixNanos now) { (void)session(conn, now); }

void WsApi::on_close(const WsConnectionPtr& conn) {
  uds_.on_close(conn->id());
  sessions_.erase(conn->id());
}

void WsApi::announce_shutdown(UnixNanos now) {
  binance::StreamEvent ev;
  ev.event_time = now;
  for (auto& [id, s] : sessions_) {
    if (s.conn->product() != Product::kSpot || !s.conn->is_open()) continue;
    std::string event, frame;
    binance::encode_server_shutdown(
        ev, event, s.conn->time_unit_us() ? binance::TimeUnit::kMicrosecond : binance::TimeUnit::kMillisecond);
    binance::wrap_ws_api_event(event, -1, frame);
    s.conn->send_text(std::move(frame));
  }
}

void WsApi::finish(Call& c, std::string_view result_json) {
  out_.clear();
  binance::encode_ws_result(c.params.ws_id_json(), 200, result_json,
                            c.return_rate_limits ? std::span<const binance::RateLimitStatus>(c.limits)
                                                 : std::span<const binance::RateLimitStatus>(),
                            out_);
  c.conn->send_text(out_);
  c.answered = true;
}

void WsApi::fail(Call& c, const ExchangeError& e, std::string_view data_json) {
  out_.clear();
  const int status = e.http_status >= 400 ? e.http_status : 400;
  binance::encode_ws_error(c.params.ws_id_json(), status, e.code, e.msg,
                           c.return_rate_limits ? std::span<const binance::RateLimitStatus>(c.limits)
                                                : std::span<const binance::RateLimitStatus>(),
                           out_, data_json);
  c.conn->send_text(out_);
  c.answered = true;
}

void WsApi::on_text(const WsConnectionPtr& conn, std::string_view text, UnixNanos now) {
  Session& s = session(conn, now);
  Call c{conn, s, params_, conn->product(), now, host_.server_time(now), {}, true, {}, false};
  if (binance::ApiError e = params_.parse_ws_request(text); !e.ok()) {
    fail(c, from_api(e));
    return;
  }
  // returnRateLimits=false leaves rateLimits out (web-socket-api.md "Rate limits").
  bool rrl = true;
  if (params_.has("returnRateLimits")) {
    if (binance::ApiError e = params_.get_bool("returnRateLimits", rrl, binance::Need::kOptional); !e.ok()) {
      fail(c, from_api(e));
      return;
    }
  }
  c.return_rate_limits = rrl;
  const Method* m = find_method(params_.ws_method());
  if (!m || (c.product == Product::kSpot ? !m->spot : !m->futures)) {
    fail(c, ExchangeError::make(-1020, "This operation is not supported."));
    return;
  }
  if (m->signed_request && !authorize(c)) return;
  WeightParams wp;
  wp.has_symbol = params_.has("symbol");
  const int weight = method_weight(c.product, params_.ws_method(), wp);
  if (ExchangeError e = host_.charge(c.product, c.api_key, weight, m->order, c.t, c.limits); !e.ok()) {
    fail(c, e);
    return;
  }
  (this->*(m->handler))(c);
  if (!c.answered) fail(c, ExchangeError::make(-1000, "An unknown error occurred while processing the request."));
  // Balances the request moved follow its order events, now rather than at the next tick.
  uds_.flush();
}

bool WsApi::authorize(Call& c) {
  if (c.params.has("signature")) {
    const std::string key(c.params.peek("apiKey"));
    if (ExchangeError e = host_.verify_signed(c.product, c.params, c.now); !e.ok()) {
      fail(c, e);
      return false;
    }
    c.api_key = key;
    return true;
  }
  if (!c.session.logon_key.empty()) {
    // After session.logon the connectors send timestamp only (apiKey and signature left out).
    if (c.params.has("apiKey") && c.params.peek("apiKey") != c.session.logon_key) {
      fail(c, from_api(binance::RequestParams::mandatory_error("signature")));
      return false;
    }
    c.params.mark_read("apiKey");
    if (ExchangeError e = host_.check_timestamp(c.product, c.params, c.now); !e.ok()) {
      fail(c, e);
      return false;
    }
    c.api_key = c.session.logon_key;
    return true;
  }
  fail(c, from_api(binance::RequestParams::mandatory_error(c.params.has("apiKey") ? "signature" : "apiKey")));
  return false;
}

binance::DecimalStyle WsApi::style(Product p, std::string_view symbol) const {
  binance::DecimalStyle st;
  if (p == Product::kSpot) return st;
  if (const binance::InstrumentSpec* spec = ex_.find_symbol(p, symbol)) {
    st.price = std::clamp(spec->price_precision, 0, 8);
    st.qty = std::clamp(spec->quantity_precision, 0, 8);
  }
  return st;
}

// ---- market data and session ----------------------------------------------------------------------

void WsApi::m_ping(Call& c) { finish(c, "{}"); }

void WsApi::m_time(Call& c) {
  std::string r;
  binance::encode_server_time(c.t / kMs, r);
  finish(c, r);
}

void WsApi::m_exchange_info(Call& c) {
  binance::ExchangeInfo info;
  info.product = c.product;
  info.server_time_ms = c.t / kMs;
  info.rate_limits = host_.rate_limits(c.product);
  if (c.product == Product::kUsdmFutures) {
    info.futures_type = "U_MARGINED";
    info.assets.push_back(binance::FuturesAsset{"USDT", true, "null"});
  }
  std::vector<std::string> wanted;
  std::string_view one;
  if (binance::ApiError e = c.params.get_string("symbol", one, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  if (!one.empty()) wanted.emplace_back(one);
  std::string_view many;
  if (binance::ApiError e = c.params.get_string("symbols", many, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  // "symbols" is a JSON array; its names are the quoted strings in it.
  for (std::size_t i = 0; i < many.size();) {
    const std::size_t a = many.find('"', i);
    if (a == std::string_view::npos) break;
    const std::size_t b = many.find('"', a + 1);
    if (b == std::string_view::npos) break;
    wanted.emplace_back(many.substr(a + 1, b - a - 1));
    i = b + 1;
  }
  std::string_view ignored;
  (void)c.params.get_string("permissions", ignored, binance::Need::kOptional);
  (void)c.params.get_string("showPermissionSets", ignored, binance::Need::kOptional);
  (void)c.params.get_string("symbolStatus", ignored, binance::Need::kOptional);
  for (const std::string& w : wanted) {
    const binance::InstrumentSpec* spec = ex_.find_symbol(c.product, w);
    if (!spec) return fail(c, ExchangeError::make(-1121, "Invalid symbol."));
    info.symbols.push_back(*spec);
  }
  if (wanted.empty()) info.symbols = ex_.symbols(c.product);
  std::string r;
  binance::write_exchange_info(info, info.server_time_ms, r);
  finish(c, r);
}

void WsApi::m_ticker_book(Call& c) {
  std::string_view symbol;
  if (binance::ApiError e = c.params.get_string("symbol", symbol, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  std::vector<binance::InstrumentSpec> specs;
  if (!symbol.empty()) {
    const binance::InstrumentSpec* spec = ex_.find_symbol(c.product, symbol);
    if (!spec) return fail(c, ExchangeError::make(-1121, "Invalid symbol."));
    specs.push_back(*spec);
  } else {
    specs = ex_.symbols(c.product);
  }
  std::string r;
  if (symbol.empty()) r += '[';
  bool first = true;
  for (const binance::InstrumentSpec& spec : specs) {
    const TopOfBook top = ex_.book_ticker(c.product, spec.symbol);
    const bool spot = c.product == Product::kSpot;
    const int pd = spot ? 8 : spec.price_precision, qd = spot ? 8 : spec.quantity_precision;
    if (!first) r += ',';
    first = false;
    r += '{';
    if (!spot) r += "\"lastUpdateId\":0,";
    r += "\"symbol\":";
    core::append_json_string(r, spec.symbol);
    r += ",\"bidPrice\":";
    append_dec(r, top.bid.raw, pd);
    r += ",\"bidQty\":";
    append_dec(r, top.bid_qty.raw, qd);
    r += ",\"askPrice\":";
    append_dec(r, top.ask.raw, pd);
    r += ",\"askQty\":";
    append_dec(r, top.ask_qty.raw, qd);
    if (!spot) core::str_append(r, ",\"time\":", c.t / kMs);
    r += '}';
  }
  if (symbol.empty()) r += ']';
  finish(c, r);
}

void WsApi::status_result(Call& c) {
  binance::SessionStatus st;
  st.api_key = c.session.logon_key;
  st.authorized_since_ms = c.session.authorized_since / kMs;
  st.connected_since_ms = c.session.connected_since / kMs;
  st.return_rate_limits = true;
  st.server_time_ms = c.t / kMs;
  st.user_data_stream = !uds_.subscriptions(c.conn->id()).empty();
  std::string r;
  binance::encode_session_status(st, r);
  finish(c, r);
}

void WsApi::m_session_logon(Call& c) {
  const std::string key(c.params.peek("apiKey"));
  if (ExchangeError e = host_.verify_signed(c.product, c.params, c.now); !e.ok()) return fail(c, e);
  // Only Ed25519 keys may log on (web-socket-api.md "Session Authentication"); the answer to an HMAC
  // key is security.h's (-4056).
  if (host_.key_kind(key) != WsApiHost::KeyKind::kEd25519)
    return fail(c, ExchangeError::make(-4056, "HMAC_SHA256 API key is not supported."));
  if (c.session.logon_key != key) uds_.unsubscribe_logon(c.conn->id());
  c.session.logon_key = key;
  c.session.authorized_since = c.t;
  status_result(c);
}

void WsApi::m_session_status(Call& c) { status_result(c); }

void WsApi::m_session_logout(Call& c) {
  uds_.unsubscribe_logon(c.conn->id());
  c.session.logon_key.clear();
  c.session.authorized_since = 0;
  status_result(c);
}

// ---- orders -----------------------------------------------------------------------------------------

bool WsApi::order_fault(Call& c, bool creates_order, std::string_view request, const std::string& symbol,
                        std::optional<OrderSide> side, const std::string& client_id, bool& applied) {
  const OrderFault f = host_.order_fault(creates_order);
  applied = f == OrderFault::kHttp5xxApplied;
  if (f == OrderFault::kNone || applied) return false;
  const ExchangeError e = fault_error(f);
  ex_.record_reject(c.api_key, c.product, request, symbol, side, client_id, 0, e, c.t);
  fail(c, e);
  return true;
}

void WsApi::m_order_place(Call& c) {
  NewOrderRequest req;
  if (ExchangeError e = read_new_order(c.params, c.product, req); !e.ok()) return fail(c, e);
  bool applied = false;
  if (order_fault(c, true, "order.new", req.symbol, req.side, req.new_client_order_id.value_or(""), applied)) return;
  const OrderResult res = ex_.new_order(c.api_key, c.product, req, c.t);
  if (applied) return fail(c, fault_error(OrderFault::kHttp5xxApplied));
  if (!res.ok()) return fail(c, res.error);
  const binance::DecimalStyle st = style(c.product, req.symbol);
  std::string r;
  if (c.product == Product::kSpot) {
    std::vector<binance::Fill> fills;
    for (const TradeRecord& t : res.fills) fills.push_back(to_wire_fill(t));
    binance::encode_spot_new_order(to_wire(res.order), fills, res.order.resp_type, st, r);
  } else {
    binance::encode_futures_order(to_wire(res.order), st, false, r);
  }
  finish(c, r);
}

void WsApi::m_order_cancel(Call& c) {
  std::string symbol;
  OrderRef ref;
  std::optional<std::string> new_cid;
  if (ExchangeError e = read_order_ref(c.params, symbol, ref, c.product == Product::kSpot ? &new_cid : nullptr);
      !e.ok())
    return fail(c, e);
  bool applied = false;
  if (order_fault(c, false, "order.cancel", symbol, std::nullopt, ref.orig_client_order_id.value_or(""), applied))
    return;
  const OrderResult res = ex_.cancel_order(c.api_key, c.product, symbol, ref, new_cid, c.t);
  if (applied) return fail(c, fault_error(OrderFault::kHttp5xxApplied));
  if (!res.ok()) return fail(c, res.error);
  std::string r;
  if (c.product == Product::kSpot)
    binance::encode_spot_cancel(to_wire(res.order), style(c.product, symbol), r);
  else
    binance::encode_futures_order(to_wire(res.order), style(c.product, symbol), false, r);
  finish(c, r);
}

void WsApi::m_order_status(Call& c) {
  std::string symbol;
  OrderRef ref;
  if (ExchangeError e = read_order_ref(c.params, symbol, ref, nullptr); !e.ok()) return fail(c, e);
  const OrderResult res = ex_.query_order(c.api_key, c.product, symbol, ref);
  if (!res.ok()) return fail(c, res.error);
  std::string r;
  if (c.product == Product::kSpot)
    binance::encode_spot_query(to_wire(res.order), style(c.product, symbol), r);
  else
    binance::encode_futures_order(to_wire(res.order), style(c.product, symbol), true, r);
  finish(c, r);
}

void WsApi::m_order_cancel_replace(Call& c) {
  std::string symbol;
  CancelReplaceRequest req;
  if (ExchangeError e = read_cancel_replace(c.params, symbol, req); !e.ok()) return fail(c, e);
  bool applied = false;
  if (order_fault(c, true, "order.cancelReplace", symbol, req.new_order.side,
                  req.new_order.new_client_order_id.value_or(""), applied))
    return;
  const CancelReplaceResult res = ex_.cancel_replace(c.api_key, symbol, req, c.t);
  if (applied) return fail(c, fault_error(OrderFault::kHttp5xxApplied));
  if (res.http_status == 400 && res.cancel_result == StepResult::kNotAttempted) return fail(c, res.error);
  const binance::OrderResult cancel = to_wire(res.cancel_response.order);
  const binance::OrderResult placed = to_wire(res.new_order_response.order);
  std::vector<binance::Fill> fills;
  for (const TradeRecord& t : res.new_order_response.fills) fills.push_back(to_wire_fill(t));
  binance::CancelReplaceReport rep;
  rep.cancel_result = to_string(res.cancel_result);
  rep.new_order_result = to_string(res.new_order_result);
  if (res.cancel_result == StepResult::kSuccess)
    rep.cancel = &cancel;
  else
    rep.cancel_error = binance::ErrorBody{res.cancel_error.code, res.cancel_error.msg};
  if (res.new_order_result == StepResult::kSuccess) {
    rep.new_order = &placed;
    rep.new_order_fills = fills;
    rep.new_order_resp_type = res.new_order_response.order.resp_type;
  } else if (res.new_order_result == StepResult::kFailure) {
    rep.new_order_error = binance::ErrorBody{res.new_order_error.code, res.new_order_error.msg};
  }
  std::string r;
  binance::encode_cancel_replace(rep, style(c.product, symbol), r);
  if (res.http_status == 200) return finish(c, r);
  ExchangeError e = res.error;
  e.http_status = res.http_status;
  fail(c, e, r);
}

void WsApi::m_open_orders_status(Call& c) {
  std::string_view symbol;
  if (binance::ApiError e = c.params.get_string("symbol", symbol, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  if (!symbol.empty() && !ex_.find_symbol(c.product, symbol))
    return fail(c, ExchangeError::make(-1121, "Invalid symbol."));
  std::vector<binance::OrderResult> wire;
  for (const OrderSnapshot& o : ex_.open_orders(c.api_key, c.product, std::string(symbol))) wire.push_back(to_wire(o));
  std::string r;
  if (c.product == Product::kSpot)
    binance::encode_spot_open_orders(wire, style(c.product, symbol), r);
  else
    binance::encode_futures_open_orders(wire, style(c.product, symbol), r);
  finish(c, r);
}

void WsApi::m_open_orders_cancel_all(Call& c) {
  std::string_view symbol;
  if (binance::ApiError e = c.params.get_string("symbol", symbol, binance::Need::kRequired); !e.ok())
    return fail(c, from_api(e));
  bool applied = false;
  if (order_fault(c, false, "openOrders.cancelAll", std::string(symbol), std::nullopt, "", applied)) return;
  const CancelAllResult res = ex_.cancel_open_orders(c.api_key, c.product, std::string(symbol), c.t);
  if (applied) return fail(c, fault_error(OrderFault::kHttp5xxApplied));
  if (!res.error.ok()) return fail(c, res.error);
  std::vector<binance::OrderResult> wire;
  for (const OrderSnapshot& o : res.canceled) wire.push_back(to_wire(o));
  std::string r;
  binance::encode_spot_cancel_all(wire, style(c.product, symbol), r);
  finish(c, r);
}

void WsApi::m_account_status(Call& c) {
  std::string r;
  if (c.product == Product::kSpot) {
    const Account* a = ex_.find_account(c.api_key);
    if (!a) return fail(c, ExchangeError::make(-2015, "Invalid API-key, IP, or permissions for action.", 401));
    binance::SpotAccount acct;
    std::vector<binance::SpotAssetBalance> balances;
    spot_account_to_wire(*a, c.t, acct, balances);
    binance::encode_spot_account(acct, balances, r);
    return finish(c, r);
  }
  const FuturesAccountView v = ex_.futures_account(c.api_key);
  if (!v.error.ok()) return fail(c, v.error);
  binance::FuturesAccount acct;
  std::vector<binance::FuturesAssetBalance> assets;
  futures_account_to_wire(v, c.t, acct, assets);
  std::vector<binance::FuturesPositionInfo> positions;
  for (const PositionSnapshot& p : v.positions) positions.push_back(to_wire(p));
  binance::encode_futures_account(acct, assets, positions, 2, r);
  finish(c, r);
}

void WsApi::m_account_balance(Call& c) {
  const FuturesAccountView v = ex_.futures_account(c.api_key);
  if (!v.error.ok()) return fail(c, v.error);
  binance::FuturesAccount acct;
  std::vector<binance::FuturesAssetBalance> assets;
  futures_account_to_wire(v, c.t, acct, assets);
  std::string r;
  binance::encode_futures_balances(assets, r);
  finish(c, r);
}

void WsApi::m_account_position(Call& c) {
  std::string_view symbol;
  if (binance::ApiError e = c.params.get_string("symbol", symbol, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  std::vector<binance::FuturesPositionInfo> positions;
  for (const PositionSnapshot& p : ex_.position_risk(c.api_key, std::string(symbol))) positions.push_back(to_wire(p));
  std::string r;
  binance::encode_position_risk(positions, 2, style(c.product, symbol), r);
  finish(c, r);
}

// ---- user data ----------------------------------------------------------------------------------------

void WsApi::m_uds_subscribe(Call& c) {
  if (c.session.logon_key.empty())
    return fail(c, ExchangeError::make(-2015, "Invalid API-key, IP, or permissions for action.", 401));
  const std::optional<int64_t> id = uds_.subscribe(c.conn, c.session.logon_key, true);
  if (!id) return fail(c, ExchangeError::make(-1020, "This operation is not supported."));
  std::string r;
  binance::encode_subscription_id(*id, r);
  finish(c, r);
}

void WsApi::m_uds_subscribe_signature(Call& c) {
  // A logged-on connector strips apiKey and signature here too: the session's key then subscribes.
  if (!c.params.has("signature") && !c.session.logon_key.empty()) {
    if (!authorize(c)) return;
  } else {
    const std::string key(c.params.peek("apiKey"));
    if (ExchangeError e = host_.verify_signed(c.product, c.params, c.now); !e.ok()) return fail(c, e);
    c.api_key = key;
  }
  const std::optional<int64_t> id = uds_.subscribe(c.conn, c.api_key, false);
  if (!id) return fail(c, ExchangeError::make(-1020, "This operation is not supported."));
  std::string r;
  binance::encode_subscription_id(*id, r);
  finish(c, r);
}

void WsApi::m_uds_unsubscribe(Call& c) {
  int64_t id = -1;
  if (binance::ApiError e = c.params.get_int64("subscriptionId", id, binance::Need::kOptional); !e.ok())
    return fail(c, from_api(e));
  if (id < 0)
    uds_.unsubscribe_all(c.conn->id());
  else
    (void)uds_.unsubscribe(c.conn->id(), id);
  finish(c, "{}");
}

void WsApi::m_session_subscriptions(Call& c) {
  std::string r = "[";
  bool first = true;
  for (const int64_t id : uds_.subscriptions(c.conn->id())) {
    if (!first) r += ',';
    first = false;
    core::str_append(r, "{\"subscriptionId\":", id, "}");
  }
  r += ']';
  finish(c, r);
}

void WsApi::m_uds_start(Call& c) {
  std::string_view key;
  if (binance::ApiError e = c.params.get_string("apiKey", key, binance::Need::kRequired); !e.ok())
    return fail(c, from_api(e));
  if (host_.key_kind(key) == WsApiHost::KeyKind::kUnknown)
    return fail(c, ExchangeError::make(-2015, "Invalid API-key, IP, or permissions for action.", 401));
  std::string r;
  binance::encode_listen_key(keys_.create(std::string(key), c.t), r);
  finish(c, r);
}

void WsApi::m_uds_ping(Call& c) {
  std::string_view key;
  if (binance::ApiError e = c.params.get_string("apiKey", key, binance::Need::kRequired); !e.ok())
    return fail(c, from_api(e));
  std::string_view lk;
  (void)c.params.get_string("listenKey", lk, binance::Need::kOptional);
  const std::optional<std::string> live = keys_.keepalive(std::string(key), c.t);
  if (!live) return fail(c, ListenKeyStore::not_found());
  std::string r;
  binance::encode_listen_key(*live, r);
  finish(c, r);
}

void WsApi::m_uds_stop(Call& c) {
  std::string_view key;
  if (binance::ApiError e = c.params.get_string("apiKey", key, binance::Need::kRequired); !e.ok())
    return fail(c, from_api(e));
  std::string_view lk;
  (void)c.params.get_string("listenKey", lk, binance::Need::kOptional);
  if (!keys_.remove(std::string(key), c.t)) return fail(c, ListenKeyStore::not_found());
  finish(c, "{}");
}

}  // namespace dmabot::binance_sim
