// gateway/binance/errors.h — Binance's error codes and the `msg` texts that go with them, for Spot
// and USD-M Futures, shared by the live gateways (to classify a rejection) and binance-sim (to send
// the very bytes Binance sends).
//
// Sources: errors.md of binance/binance-spot-api-docs and the USD-M futures "Error Codes" page of
// developers.binance.com. A code can mean different things on the two products (-2021 is "Order
// cancel-replace partially failed" on Spot and ORDER_WOULD_IMMEDIATELY_TRIGGER on USD-M, -2022 and
// -2026 likewise), so every lookup takes the Product. Several codes carry many messages; the
// `msg` Binance sends depends on what failed. error_message() gives the first (generic) text of the
// docs; the specific texts a venue needs (filter failures, "Duplicate order sent.", ...) are the
// named constants below.
//
// Threads: every function is pure; any thread may call it.
// Allocation: none, except append_error_json() which appends to the caller's string (no allocation
// once its capacity suffices).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/binance/binance_types.h"

namespace dmabot::binance {

// The codes dmabot meets or the sim sends. Values are Binance's; where one value has two meanings
// the enumerators share it and the comment says which product uses which.
enum class ErrorCode : int32_t {
  kNone = 0,
  // 10xx — general server or network issues (both products)
  kUnknown = -1000,
  kDisconnected = -1001,
  kUnauthorized = -1002,
  kTooManyRequests = -1003,
  kUnexpectedResp = -1006,
  kTimeout = -1007,
  kServerBusy = -1008,  // spot
  kErrorMsgReceived = -1010,
  kInvalidMessage = -1013,  // spot: filter failures and order-placement failures
  kUnknownOrderComposition = -1014,
  kTooManyOrders = -1015,
  kServiceShuttingDown = -1016,
  kUnsupportedOperation = -1020,
  kInvalidTimestamp = -1021,
  kInvalidSignature = -1022,
  kStartTimeGreaterThanEndTime = -1023,  // futures
  // 11xx — request issues
  kIllegalChars = -1100,
  kTooManyParameters = -1101,
  kMandatoryParamEmptyOrMalformed = -1102,
  kUnknownParam = -1103,
  kUnreadParameters = -1104,
  kParamEmpty = -1105,
  kParamNotRequired = -1106,
  kBadPrecision = -1111,
  kNoDepth = -1112,
  kTifNotRequired = -1114,
  kInvalidTif = -1115,
  kInvalidOrderType = -1116,
  kInvalidSide = -1117,
  kEmptyNewClOrdId = -1118,
  kEmptyOrgClOrdId = -1119,
  kBadInterval = -1120,
  kBadSymbol = -1121,
  kInvalidSymbolStatus = -1122,
  kInvalidListenKey = -1125,
  kMoreThanXxHours = -1127,
  kOptionalParamsBadCombo = -1128,
  kInvalidParameter = -1130,
  kInvalidJson = -1135,              // spot
  kInvalidNewOrderRespType = -1136,  // futures
  // 20xx — processing issues
  kNewOrderRejected = -2010,
  kCancelRejected = -2011,
  kCancelAllFail = -2012,  // futures
  kNoSuchOrder = -2013,
  kBadApiKeyFmt = -2014,
  kRejectedMbxKey = -2015,
  kNoTradingWindow = -2016,
  kBalanceNotSufficient = -2018,             // futures
  kMarginNotSufficient = -2019,              // futures
  kUnableToFill = -2020,                     // futures
  kCancelReplacePartiallyFailed = -2021,     // spot
  kOrderWouldImmediatelyTrigger = -2021,     // futures
  kCancelReplaceFailed = -2022,              // spot
  kReduceOnlyReject = -2022,                 // futures
  kUserInLiquidation = -2023,                // futures
  kPositionNotSufficient = -2024,            // futures
  kMaxOpenOrderExceeded = -2025,             // futures
  kOrderArchived = -2026,                    // spot
  kReduceOnlyOrderTypeNotSupported = -2026,  // futures
  kSubscriptionActive = -2035,               // spot
  kSubscriptionInactive = -2036,             // spot
  // 40xx — futures filters and other issues
  kInvalidOrderStatus = -4000,
  kPriceLessThanZero = -4001,
  kPriceGreaterThanMaxPrice = -4002,
  kQtyLessThanZero = -4003,
  kQtyLessThanMinQty = -4004,
  kQtyGreaterThanMaxQty = -4005,
  kStopPriceLessThanZero = -4006,
  kStopPriceGreaterThanMaxPrice = -4007,
  kPriceLessThanMinPrice = -4013,
  kPriceNotIncreasedByTickSize = -4014,
  kInvalidClOrdIdLen = -4015,
  kPriceHigherThanMultiplierUp = -4016,  // Binance spells it PRICE_HIGHTER_THAN_MULTIPLIER_UP
  kQtyNotIncreasedByStepSize = -4023,
  kPriceLowerThanMultiplierDown = -4024,
  kInvalidLeverage = -4028,
  kMaxStopOrderExceeded = -4045,
  kInvalidPositionSide = -4060,
  kPositionSideNotMatch = -4061,
  kReduceOnlyConflict = -4062,
  kDuplicatedClientOrderId = -4116,
  kReduceOnlyMarginCheckFailed = -4118,
  kMarketOrderReject = -4131,
  kInvalidOpeningPositionStatus = -4140,
  kSymbolAlreadyClosed = -4141,
  kMinNotional = -4164,
  // 50xx — futures order execution issues
  kFokOrderReject = -5021,
  kGtxOrderReject = -5022,
};

[[nodiscard]] constexpr int32_t code_value(ErrorCode c) { return static_cast<int32_t>(c); }

// Binance's name for the code on that product ("NEW_ORDER_REJECTED", "MARGIN_NOT_SUFFICIEN" — sic),
// or "" for a code this table does not know.
[[nodiscard]] std::string_view error_name(int32_t code, Product product);
[[nodiscard]] inline std::string_view error_name(ErrorCode code, Product product) {
  return error_name(code_value(code), product);
}

// The docs' first (generic) message for the code on that product, e.g. -1022 → "Signature for this
// request is not valid.", -2013 → "Order does not exist.", futures -2019 → "Margin is
// insufficient."; "" for an unknown code. Codes whose docs text is a template take the template
// with "%s" left in; the filled-in texts come from the helpers below and from instruments.h.
[[nodiscard]] std::string_view error_message(int32_t code, Product product);
[[nodiscard]] inline std::string_view error_message(ErrorCode code, Product product) {
  return error_message(code_value(code), product);
}

// Spot: the `msg` of -1013 for a failed filter is "Filter failure: " + the filter's name.
inline constexpr std::string_view kFilterFailurePrefix = "Filter failure: ";

// Specific `msg` texts of Spot -2010 NEW_ORDER_REJECTED / -2011 CANCEL_REJECTED (errors.md,
// "Messages for -1010 ERROR_MSG_RECEIVED, -2010 NEW_ORDER_REJECTED, -2011 CANCEL_REJECTED ...").
namespace spot_msg {
inline constexpr std::string_view kUnknownOrder = "Unknown order sent.";
inline constexpr std::string_view kDuplicateOrder = "Duplicate order sent.";
inline constexpr std::string_view kMarketClosed = "Market is closed.";
inline constexpr std::string_view kInsufficientBalance = "Account has insufficient balance for requested action.";
inline constexpr std::string_view kMarketOrdersNotSupported = "Market orders are not supported for this symbol.";
inline constexpr std::string_view kStopLossNotSupported = "Stop loss orders are not supported for this symbol.";
inline constexpr std::string_view kStopLossLimitNotSupported =
    "Stop loss limit orders are not supported for this symbol.";
inline constexpr std::string_view kTakeProfitNotSupported = "Take profit orders are not supported for this symbol.";
inline constexpr std::string_view kTakeProfitLimitNotSupported =
    "Take profit limit orders are not supported for this symbol.";
inline constexpr std::string_view kPriceQtyZero = "Price * QTY is zero or less.";
inline constexpr std::string_view kUnsupportedOrderCombination = "Unsupported order combination";
inline constexpr std::string_view kWouldMatchAndTake = "Order would immediately match and take.";
inline constexpr std::string_view kCancelInvalid = "Cancel order is invalid. Check origClOrdId and orderId.";
inline constexpr std::string_view kOrderWouldTrigger = "Order would trigger immediately.";
}  // namespace spot_msg

// Appends Binance's error body {"code":-1013,"msg":"Filter failure: NOTIONAL"} (msg JSON-escaped).
void append_error_json(std::string& out, int32_t code, std::string_view msg);

}  // namespace dmabot::binance
