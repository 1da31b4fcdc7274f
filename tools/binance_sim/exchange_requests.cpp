#include "tools/binance_sim/exchange_requests.h"

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {
ExchangeError from(const binance::ApiError& e) { return ExchangeError::make(e.code, e.msg); }
ExchangeError invalid_data(std::string_view name) {
  return ExchangeError::make(-1130, core::str_cat("Data sent for parameter '", name, "' is not valid."));
}

#define DMABOT_SIM_TRY(expr)       \
  do {                             \
    binance::ApiError e_ = (expr); \
    if (!e_.ok()) return from(e_); \
  } while (false)

template <class T, class Get>
ExchangeError optional_value(binance::RequestParams& params, std::string_view name, std::optional<T>& out, Get get) {
  if (!params.has(name)) return {};
  T v{};
  binance::ApiError e = get(name, v);
  if (!e.ok()) return from(e);
  out = v;
  return {};
}
}  // namespace

ExchangeError read_new_order(binance::RequestParams& params, Product p, NewOrderRequest& out) {
  using binance::Need;
  out = NewOrderRequest{};
  std::string_view symbol;
  DMABOT_SIM_TRY(params.get_string("symbol", symbol, Need::kRequired));
  out.symbol = std::string(symbol);
  DMABOT_SIM_TRY(params.get_side("side", out.side, Need::kRequired));
  DMABOT_SIM_TRY(params.get_order_type("type", out.type, Need::kRequired));
  auto tif = [&](std::string_view n, TimeInForce& v) { return params.get_time_in_force(n, v, Need::kOptional); };
  auto qty = [&](std::string_view n, Qty& v) { return params.get_qty(n, v, Need::kOptional); };
  auto price = [&](std::string_view n, Price& v) { return params.get_price(n, v, Need::kOptional); };
  auto resp = [&](std::string_view n, OrderRespType& v) { return params.get_resp_type(n, v, Need::kOptional); };
  if (ExchangeError e = optional_value(params, "timeInForce", out.time_in_force, tif); !e.ok()) return e;
  if (ExchangeError e = optional_value(params, "quantity", out.quantity, qty); !e.ok()) return e;
  if (p == Product::kSpot) {
    if (ExchangeError e = optional_value(params, "quoteOrderQty", out.quote_order_qty, qty); !e.ok()) return e;
  }
  if (ExchangeError e = optional_value(params, "price", out.price, price); !e.ok()) return e;
  if (ExchangeError e = optional_value(params, "newOrderRespType", out.new_order_resp_type, resp); !e.ok()) return e;
  if (params.has("newClientOrderId")) {
    std::string_view cid;
    DMABOT_SIM_TRY(params.get_string("newClientOrderId", cid, Need::kOptional));
    out.new_client_order_id = std::string(cid);
  }
  if (params.has("selfTradePreventionMode")) {
    std::string_view m;
    DMABOT_SIM_TRY(params.get_string("selfTradePreventionMode", m, Need::kOptional));
    StpMode mode;
    if (!parse_stp_mode(m, mode)) return invalid_data("selfTradePreventionMode");
    out.self_trade_prevention_mode = mode;
  }
  if (p == Product::kUsdmFutures) {
    auto side = [&](std::string_view n, PositionSide& v) { return params.get_position_side(n, v, Need::kOptional); };
    if (ExchangeError e = optional_value(params, "positionSide", out.position_side, side); !e.ok()) return e;
    DMABOT_SIM_TRY(params.get_bool("reduceOnly", out.reduce_only, Need::kOptional));
  }
  return {};
}

ExchangeError read_order_ref(binance::RequestParams& params, std::string& symbol, OrderRef& out,
                             std::optional<std::string>* new_client_order_id) {
  using binance::Need;
  out = OrderRef{};
  std::string_view s;
  DMABOT_SIM_TRY(params.get_string("symbol", s, Need::kRequired));
  symbol = std::string(s);
  if (params.has("orderId")) {
    int64_t id = 0;
    DMABOT_SIM_TRY(params.get_int64("orderId", id, Need::kOptional));
    out.order_id = id;
  }
  if (params.has("origClientOrderId")) {
    std::string_view cid;
    DMABOT_SIM_TRY(params.get_string("origClientOrderId", cid, Need::kOptional));
    out.orig_client_order_id = std::string(cid);
  }
  if (!out.order_id && !out.orig_client_order_id) {
    return from(binance::RequestParams::either_error("origClientOrderId", "orderId"));
  }
  if (new_client_order_id && params.has("newClientOrderId")) {
    std::string_view cid;
    DMABOT_SIM_TRY(params.get_string("newClientOrderId", cid, Need::kOptional));
    *new_client_order_id = std::string(cid);
  }
  return {};
}

ExchangeError read_cancel_replace(binance::RequestParams& params, std::string& symbol, CancelReplaceRequest& out) {
  using binance::Need;
  out = CancelReplaceRequest{};
  if (ExchangeError e = read_new_order(params, Product::kSpot, out.new_order); !e.ok()) return e;
  symbol = out.new_order.symbol;
  std::string_view mode;
  DMABOT_SIM_TRY(params.get_string("cancelReplaceMode", mode, Need::kRequired));
  if (mode == "STOP_ON_FAILURE") {
    out.mode = CancelReplaceMode::kStopOnFailure;
  } else if (mode == "ALLOW_FAILURE") {
    out.mode = CancelReplaceMode::kAllowFailure;
  } else {
    return invalid_data("cancelReplaceMode");
  }
  if (params.has("cancelOrderId")) {
    int64_t id = 0;
    DMABOT_SIM_TRY(params.get_int64("cancelOrderId", id, Need::kOptional));
    out.cancel.order_id = id;
  }
  if (params.has("cancelOrigClientOrderId")) {
    std::string_view cid;
    DMABOT_SIM_TRY(params.get_string("cancelOrigClientOrderId", cid, Need::kOptional));
    out.cancel.orig_client_order_id = std::string(cid);
  }
  if (!out.cancel.order_id && !out.cancel.orig_client_order_id) {
    return from(binance::RequestParams::either_error("cancelOrderId", "cancelOrigClientOrderId"));
  }
  if (params.has("cancelNewClientOrderId")) {
    std::string_view cid;
    DMABOT_SIM_TRY(params.get_string("cancelNewClientOrderId", cid, Need::kOptional));
    out.cancel_new_client_order_id = std::string(cid);
  }
  return {};
}

ExchangeError read_trade_query(binance::RequestParams& params, std::string& symbol, TradeQuery& out) {
  using binance::Need;
  out = TradeQuery{};
  std::string_view s;
  DMABOT_SIM_TRY(params.get_string("symbol", s, Need::kRequired));
  symbol = std::string(s);
  auto i64 = [&](std::string_view n, int64_t& v) { return params.get_int64(n, v, Need::kOptional); };
  if (ExchangeError e = optional_value(params, "orderId", out.order_id, i64); !e.ok()) return e;
  if (ExchangeError e = optional_value(params, "fromId", out.from_id, i64); !e.ok()) return e;
  int64_t limit = out.limit;
  DMABOT_SIM_TRY(params.get_int64("limit", limit, Need::kOptional));
  if (limit < 1 || limit > 1000) return invalid_data("limit");
  out.limit = static_cast<int>(limit);
  return {};
}

#undef DMABOT_SIM_TRY

}  // namespace dmabot::binance_sim
