#include "gateway/binance/errors.h"

#include <array>
#include <cstddef>

#include "core/strings.h"

namespace dmabot::binance {
namespace {

// Which product a row applies to: both, or one only (the codes whose meaning or text differs).
enum class On : uint8_t { kBoth, kSpot, kFutures };

struct Row {
  int32_t code;
  On on;
  std::string_view name;
  std::string_view msg;  // the docs' first message for the code
};

// Texts as written in Binance's docs (spot errors.md; USD-M error-code page), typos included
// ("occured" on USD-M), because the sim must send what Binance sends.
constexpr std::array kRows{
    Row{-1000, On::kSpot, "UNKNOWN", "An unknown error occurred while processing the request."},
    Row{-1000, On::kFutures, "UNKNOWN", "An unknown error occured while processing the request."},
    Row{-1001, On::kBoth, "DISCONNECTED", "Internal error; unable to process your request. Please try again."},
    Row{-1002, On::kBoth, "UNAUTHORIZED", "You are not authorized to execute this request."},
    Row{-1003, On::kBoth, "TOO_MANY_REQUESTS", "Too many requests queued."},
    Row{-1006, On::kBoth, "UNEXPECTED_RESP",
        "An unexpected response was received from the message bus. Execution status unknown."},
    Row{-1007, On::kBoth, "TIMEOUT",
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown."},
    Row{-1008, On::kSpot, "SERVER_BUSY",
        "Server is currently overloaded with other requests. Please try again in a few minutes."},
    Row{-1010, On::kBoth, "ERROR_MSG_RECEIVED", "ERROR_MSG_RECEIVED."},
    Row{-1013, On::kSpot, "INVALID_MESSAGE",
        "The request is rejected by the API. (i.e. The request didn't reach the Matching Engine.)"},
    Row{-1013, On::kFutures, "INVALID_MESSAGE", "INVALID_MESSAGE."},
    Row{-1014, On::kBoth, "UNKNOWN_ORDER_COMPOSITION", "Unsupported order combination."},
    Row{-1015, On::kBoth, "TOO_MANY_ORDERS", "Too many new orders."},
    Row{-1016, On::kBoth, "SERVICE_SHUTTING_DOWN", "This service is no longer available."},
    Row{-1020, On::kBoth, "UNSUPPORTED_OPERATION", "This operation is not supported."},
    Row{-1021, On::kBoth, "INVALID_TIMESTAMP", "Timestamp for this request is outside of the recvWindow."},
    Row{-1022, On::kBoth, "INVALID_SIGNATURE", "Signature for this request is not valid."},
    Row{-1023, On::kFutures, "START_TIME_GREATER_THAN_END_TIME", "Start time is greater than end time."},
    Row{-1100, On::kBoth, "ILLEGAL_CHARS", "Illegal characters found in a parameter."},
    Row{-1101, On::kBoth, "TOO_MANY_PARAMETERS", "Too many parameters sent for this endpoint."},
    Row{-1102, On::kBoth, "MANDATORY_PARAM_EMPTY_OR_MALFORMED",
        "A mandatory parameter was not sent, was empty/null, or malformed."},
    Row{-1103, On::kBoth, "UNKNOWN_PARAM", "An unknown parameter was sent."},
    Row{-1104, On::kBoth, "UNREAD_PARAMETERS", "Not all sent parameters were read."},
    Row{-1105, On::kBoth, "PARAM_EMPTY", "A parameter was empty."},
    Row{-1106, On::kBoth, "PARAM_NOT_REQUIRED", "A parameter was sent when not required."},
    Row{-1111, On::kSpot, "BAD_PRECISION", "Parameter '%s' has too much precision."},
    Row{-1111, On::kFutures, "BAD_PRECISION", "Precision is over the maximum defined for this asset."},
    Row{-1112, On::kBoth, "NO_DEPTH", "No orders on book for symbol."},
    Row{-1114, On::kBoth, "TIF_NOT_REQUIRED", "TimeInForce parameter sent when not required."},
    Row{-1115, On::kBoth, "INVALID_TIF", "Invalid timeInForce."},
    Row{-1116, On::kBoth, "INVALID_ORDER_TYPE", "Invalid orderType."},
    Row{-1117, On::kBoth, "INVALID_SIDE", "Invalid side."},
    Row{-1118, On::kBoth, "EMPTY_NEW_CL_ORD_ID", "New client order ID was empty."},
    Row{-1119, On::kBoth, "EMPTY_ORG_CL_ORD_ID", "Original client order ID was empty."},
    Row{-1120, On::kBoth, "BAD_INTERVAL", "Invalid interval."},
    Row{-1121, On::kBoth, "BAD_SYMBOL", "Invalid symbol."},
    Row{-1122, On::kSpot, "INVALID_SYMBOLSTATUS", "Invalid symbolStatus."},
    Row{-1122, On::kFutures, "INVALID_SYMBOL_STATUS", "Invalid symbol status."},
    Row{-1125, On::kSpot, "INVALID_LISTEN_KEY", "This listenKey does not exist."},
    Row{-1125, On::kFutures, "INVALID_LISTEN_KEY",
        "This listenKey does not exist. Please use `POST /fapi/v1/listenKey` to recreate `listenKey`"},
    Row{-1127, On::kBoth, "MORE_THAN_XX_HOURS", "Lookup interval is too big."},
    Row{-1128, On::kBoth, "OPTIONAL_PARAMS_BAD_COMBO", "Combination of optional parameters invalid."},
    Row{-1130, On::kBoth, "INVALID_PARAMETER", "Invalid data sent for a parameter."},
    Row{-1135, On::kSpot, "INVALID_JSON", "Invalid JSON Request"},
    Row{-1136, On::kFutures, "INVALID_NEW_ORDER_RESP_TYPE", "Invalid newOrderRespType."},
    Row{-2010, On::kBoth, "NEW_ORDER_REJECTED", "NEW_ORDER_REJECTED"},
    Row{-2011, On::kBoth, "CANCEL_REJECTED", "CANCEL_REJECTED"},
    Row{-2012, On::kFutures, "CANCEL_ALL_FAIL", "Batch cancel failure."},
    Row{-2013, On::kBoth, "NO_SUCH_ORDER", "Order does not exist."},
    Row{-2014, On::kBoth, "BAD_API_KEY_FMT", "API-key format invalid."},
    Row{-2015, On::kBoth, "REJECTED_MBX_KEY", "Invalid API-key, IP, or permissions for action."},
    Row{-2016, On::kBoth, "NO_TRADING_WINDOW",
        "No trading window could be found for the symbol. Try ticker/24hrs instead."},
    Row{-2018, On::kFutures, "BALANCE_NOT_SUFFICIENT", "Balance is insufficient."},
    Row{-2019, On::kFutures, "MARGIN_NOT_SUFFICIEN", "Margin is insufficient."},
    Row{-2020, On::kFutures, "UNABLE_TO_FILL", "Unable to fill."},
    Row{-2021, On::kSpot, "Order cancel-replace partially failed", "Order cancel-replace partially failed."},
    Row{-2021, On::kFutures, "ORDER_WOULD_IMMEDIATELY_TRIGGER", "Order would immediately trigger."},
    Row{-2022, On::kSpot, "Order cancel-replace failed.", "Order cancel-replace failed."},
    Row{-2022, On::kFutures, "REDUCE_ONLY_REJECT", "ReduceOnly Order is rejected."},
    Row{-2023, On::kFutures, "USER_IN_LIQUIDATION", "User in liquidation mode now."},
    Row{-2024, On::kFutures, "POSITION_NOT_SUFFICIENT", "Position is not sufficient."},
    Row{-2025, On::kFutures, "MAX_OPEN_ORDER_EXCEEDED", "Reach max open order limit."},
    Row{-2026, On::kSpot, "ORDER_ARCHIVED",
        "Order was canceled or expired with no executed qty over 90 days ago and has been archived."},
    Row{-2026, On::kFutures, "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED",
        "This OrderType is not supported when reduceOnly."},
    Row{-2035, On::kSpot, "SUBSCRIPTION_ACTIVE", "User Data Stream subscription already active."},
    Row{-2036, On::kSpot, "SUBSCRIPTION_INACTIVE", "User Data Stream subscription not active."},
    Row{-4000, On::kFutures, "INVALID_ORDER_STATUS", "Invalid order status."},
    Row{-4001, On::kFutures, "PRICE_LESS_THAN_ZERO", "Price less than 0."},
    Row{-4002, On::kFutures, "PRICE_GREATER_THAN_MAX_PRICE", "Price greater than max price."},
    Row{-4003, On::kFutures, "QTY_LESS_THAN_ZERO", "Quantity less than zero."},
    Row{-4004, On::kFutures, "QTY_LESS_THAN_MIN_QTY", "Quantity less than min quantity."},
    Row{-4005, On::kFutures, "QTY_GREATER_THAN_MAX_QTY", "Quantity greater than max quantity."},
    Row{-4006, On::kFutures, "STOP_PRICE_LESS_THAN_ZERO", "Stop price less than zero."},
    Row{-4007, On::kFutures, "STOP_PRICE_GREATER_THAN_MAX_PRICE", "Stop price greater than max price."},
    Row{-4013, On::kFutures, "PRICE_LESS_THAN_MIN_PRICE", "Price less than min price."},
    Row{-4014, On::kFutures, "PRICE_NOT_INCREASED_BY_TICK_SIZE", "Price not increased by tick size."},
    Row{-4015, On::kFutures, "INVALID_CL_ORD_ID_LEN", "Client order id is not valid."},
    Row{-4016, On::kFutures, "PRICE_HIGHTER_THAN_MULTIPLIER_UP", "Price is higher than mark price multiplier cap."},
    Row{-4023, On::kFutures, "QTY_NOT_INCREASED_BY_STEP_SIZE", "Qty not increased by step size."},
    Row{-4024, On::kFutures, "PRICE_LOWER_THAN_MULTIPLIER_DOWN", "Price is lower than mark price multiplier floor."},
    Row{-4028, On::kFutures, "INVALID_LEVERAGE", "Invalid leverage"},
    Row{-4045, On::kFutures, "MAX_STOP_ORDER_EXCEEDED", "Reach max stop order limit."},
    Row{-4060, On::kFutures, "INVALID_POSITION_SIDE", "Invalid position side."},
    Row{-4061, On::kFutures, "POSITION_SIDE_NOT_MATCH", "Order's position side does not match user's setting."},
    Row{-4062, On::kFutures, "REDUCE_ONLY_CONFLICT", "Invalid or improper reduceOnly value."},
    Row{-4116, On::kFutures, "DUPLICATED_CLIENT_ORDER_ID", "clientOrderId is duplicated"},
    Row{-4118, On::kFutures, "REDUCE_ONLY_MARGIN_CHECK_FAILED",
        "ReduceOnly Order Failed. Please check your existing position and open orders"},
    Row{-4131, On::kFutures, "MARKET_ORDER_REJECT",
        "The counterparty's best price does not meet the PERCENT_PRICE filter limit"},
    Row{-4140, On::kFutures, "INVALID_OPENING_POSITION_STATUS", "Invalid symbol status for opening position"},
    Row{-4141, On::kFutures, "SYMBOL_ALREADY_CLOSED", "Symbol is closed"},
    Row{-4164, On::kFutures, "MIN_NOTIONAL",
        "Order's notional must be no smaller than 5.0 (unless you choose reduce only)"},
    Row{-5021, On::kFutures, "FOK_ORDER_REJECT",
        "Due to the order could not be filled immediately, the FOK order has been rejected."},
    Row{-5022, On::kFutures, "GTX_ORDER_REJECT",
        "Due to the order could not be executed as maker, the Post Only order will be rejected."},
};

const Row* find_row(int32_t code, Product product) {
  const On want = product == Product::kSpot ? On::kSpot : On::kFutures;
  for (const Row& r : kRows) {
    if (r.code == code && (r.on == On::kBoth || r.on == want)) return &r;
  }
  return nullptr;
}

}  // namespace

std::string_view error_name(int32_t code, Product product) {
  const Row* r = find_row(code, product);
  return r != nullptr ? r->name : std::string_view{};
}

std::string_view error_message(int32_t code, Product product) {
  const Row* r = find_row(code, product);
  return r != nullptr ? r->msg : std::string_view{};
}

void append_error_json(std::string& out, int32_t code, std::string_view msg) {
  out.append("{\"code\":");
  core::str_append(out, code);
  out.append(",\"msg\":");
  core::append_json_string(out, msg);
  out.push_back('}');
}

}  // namespace dmabot::binance
