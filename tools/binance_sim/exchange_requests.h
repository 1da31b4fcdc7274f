// tools/binance_sim/exchange_requests.h — from a parsed request (binance::RequestParams: REST query
// and body, or WebSocket API params) to the exchange's typed requests, with Binance's errors for
// what is missing or malformed. The transport parses and checks the signature; these read the
// trading parameters and leave the request's other parameters (timestamp, recvWindow, signature,
// apiKey) to it.
//
//   read_new_order      POST /api/v3/order, POST /fapi/v1/order, order.place
//   read_order_ref      GET / DELETE order, order.status / order.cancel (symbol, orderId,
//                       origClientOrderId; spot cancels also newClientOrderId)
//   read_cancel_replace POST /api/v3/order/cancelReplace, order.cancelReplace
//   read_trade_query    GET /api/v3/myTrades, GET /fapi/v1/userTrades
//
// Threads: the caller's (the sim's io thread). Allocation: the strings of the typed requests.
#pragma once

#include <optional>
#include <string>

#include "gateway/binance/request_params.h"
#include "tools/binance_sim/exchange.h"

namespace dmabot::binance_sim {

[[nodiscard]] ExchangeError read_new_order(binance::RequestParams& params, Product p, NewOrderRequest& out);
// new_client_order_id: non-null for a spot cancel (its optional newClientOrderId), null otherwise.
[[nodiscard]] ExchangeError read_order_ref(binance::RequestParams& params, std::string& symbol, OrderRef& out,
                                           std::optional<std::string>* new_client_order_id);
[[nodiscard]] ExchangeError read_cancel_replace(binance::RequestParams& params, std::string& symbol,
                                                CancelReplaceRequest& out);
[[nodiscard]] ExchangeError read_trade_query(binance::RequestParams& params, std::string& symbol, TradeQuery& out);

}  // namespace dmabot::binance_sim
