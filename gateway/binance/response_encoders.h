// gateway/binance/response_encoders.h — binance-sim side: the JSON bodies Binance sends for orders and
// accounts, from the value types of order_messages.h, with the field sets and order of Binance's docs
// examples (Binance's official clients deserialize these; dmabot's ResponseDecoder reads them back).
//
// Shapes: spot new order ACK/RESULT/FULL, cancel, cancel-all, query/openOrders, account, myTrades;
// futures order (new/cancel and query shapes), openOrders, account v2/v3, balance, positionRisk v2/v3,
// userTrades, leverage; error body; WebSocket API envelopes (result or error, with rateLimits);
// serverTime, listenKey, subscriptionId, session.logon status.
// Decimals are printed exactly from fixed point with a fixed number of decimals per DecimalStyle
// (Binance prints the symbol's precision: spot "0.10000000", futures "43187.00"); values must lie on
// that grid (fewer decimals truncate toward zero).
//
// Threads: pure functions. Allocation: they append to the caller's std::string (sim side; reuse it).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "gateway/binance/order_messages.h"

namespace dmabot::binance {

struct DecimalStyle {
  int price = 8;  // prices (price, stopPrice, avgPrice, fill price)
  int qty = 8;    // quantities (origQty, executedQty, positionAmt)
  int quote = 8;  // quote amounts (cummulativeQuoteQty, cumQuote, commission, quoteQty)
};

// Spot POST /api/v3/order and order.place result. fills only in FULL.
void encode_spot_new_order(const OrderResult& o, std::span<const Fill> fills, OrderRespType resp_type,
                           const DecimalStyle& style, std::string& out);
// Spot DELETE /api/v3/order and order.cancel result.
void encode_spot_cancel(const OrderResult& o, const DecimalStyle& style, std::string& out);
// Spot DELETE /api/v3/openOrders: an array of cancel shapes.
void encode_spot_cancel_all(std::span<const OrderResult> orders, const DecimalStyle& style, std::string& out);
// Spot GET /api/v3/order (one) and GET /api/v3/openOrders (array).
void encode_spot_query(const OrderResult& o, const DecimalStyle& style, std::string& out);
void encode_spot_open_orders(std::span<const OrderResult> orders, const DecimalStyle& style, std::string& out);
void encode_spot_account(const SpotAccount& a, std::span<const SpotAssetBalance> balances, std::string& out);
void encode_spot_my_trades(std::span<const AccountTrade> trades, const DecimalStyle& style, std::string& out);

// Futures POST/DELETE /fapi/v1/order (query_shape=false) or GET /fapi/v1/order (query_shape=true:
// adds `time`, no cumQty).
void encode_futures_order(const OrderResult& o, const DecimalStyle& style, bool query_shape, std::string& out);
void encode_futures_open_orders(std::span<const OrderResult> orders, const DecimalStyle& style, std::string& out);
// version 2 or 3 (/fapi/v2/account, /fapi/v3/account).
void encode_futures_account(const FuturesAccount& a, std::span<const FuturesAssetBalance> assets,
                            std::span<const FuturesPositionInfo> positions, int version, std::string& out);
// /fapi/v2/balance and /fapi/v3/balance (same shape).
void encode_futures_balances(std::span<const FuturesAssetBalance> balances, std::string& out);
// /fapi/v2/positionRisk (version 2) or /fapi/v3/positionRisk (version 3).
void encode_position_risk(std::span<const FuturesPositionInfo> positions, int version, const DecimalStyle& style,
                          std::string& out);
void encode_futures_user_trades(std::span<const AccountTrade> trades, const DecimalStyle& style, std::string& out);
void encode_leverage(const LeverageResult& r, std::string& out);

// Spot cancel-replace: the object {"cancelResult","newOrderResult","cancelResponse","newOrderResponse"}
// — the success result, or the `data` of a failure (pass it to encode_error / encode_ws_error).
// cancel/new_order null: that half failed (its *_error is sent) or, for the new order, was not
// attempted (newOrderResponse null).
struct CancelReplaceReport {
  std::string_view cancel_result;     // "SUCCESS" / "FAILURE"
  std::string_view new_order_result;  // "SUCCESS" / "FAILURE" / "NOT_ATTEMPTED"
  const OrderResult* cancel = nullptr;
  ErrorBody cancel_error;
  const OrderResult* new_order = nullptr;
  std::span<const Fill> new_order_fills;
  OrderRespType new_order_resp_type = OrderRespType::kFull;
  ErrorBody new_order_error;
};
void encode_cancel_replace(const CancelReplaceReport& r, const DecimalStyle& style, std::string& out);

// {"code":-1121,"msg":"Invalid symbol."}; with data_json: {"code":..,"msg":..,"data":<data_json>}.
void encode_error(int code, std::string_view msg, std::string& out, std::string_view data_json = {});
void encode_server_time(int64_t server_time_ms, std::string& out);
void encode_listen_key(std::string_view listen_key, std::string& out);
void encode_subscription_id(int64_t subscription_id, std::string& out);

// session.logon / session.status result.
struct SessionStatus {
  std::string_view api_key;  // empty: null (not logged on)
  int64_t authorized_since_ms = 0;
  int64_t connected_since_ms = 0;
  bool return_rate_limits = true;
  int64_t server_time_ms = 0;
  bool user_data_stream = false;
};
void encode_session_status(const SessionStatus& s, std::string& out);

// WebSocket API envelopes. id_json is the request's id as JSON text (RequestParams::ws_id_json()).
// result_json is a body made by one of the encoders above. rateLimits is left out when empty
// (returnRateLimits=false).
void encode_ws_result(std::string_view id_json, int status, std::string_view result_json,
                      std::span<const RateLimitStatus> rate_limits, std::string& out);
void encode_ws_error(std::string_view id_json, int status, int code, std::string_view msg,
                     std::span<const RateLimitStatus> rate_limits, std::string& out, std::string_view data_json = {});

}  // namespace dmabot::binance
