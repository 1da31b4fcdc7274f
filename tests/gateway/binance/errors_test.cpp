// Tests of gateway/binance/errors.h. Every expected text below is copied from Binance's docs: spot
// errors.md (binance-spot-api-docs) and the USD-M futures "Error Codes" page.
#include "gateway/binance/errors.h"

#include <gtest/gtest.h>

#include <string>

namespace dmabot::binance {
namespace {

constexpr Product kSpot = Product::kSpot;
constexpr Product kFut = Product::kUsdmFutures;

TEST(BinanceErrors, SharedCodesHaveTheDocsText) {
  for (Product p : {kSpot, kFut}) {
    EXPECT_EQ(error_message(ErrorCode::kInvalidSignature, p), "Signature for this request is not valid.");
    EXPECT_EQ(error_message(ErrorCode::kInvalidTimestamp, p),
              "Timestamp for this request is outside of the recvWindow.");
    EXPECT_EQ(error_message(ErrorCode::kUnauthorized, p), "You are not authorized to execute this request.");
    EXPECT_EQ(error_message(ErrorCode::kTooManyRequests, p), "Too many requests queued.");
    EXPECT_EQ(error_message(ErrorCode::kTooManyOrders, p), "Too many new orders.");
    EXPECT_EQ(error_message(ErrorCode::kMandatoryParamEmptyOrMalformed, p),
              "A mandatory parameter was not sent, was empty/null, or malformed.");
    EXPECT_EQ(error_message(ErrorCode::kUnknownParam, p), "An unknown parameter was sent.");
    EXPECT_EQ(error_message(ErrorCode::kIllegalChars, p), "Illegal characters found in a parameter.");
    EXPECT_EQ(error_message(ErrorCode::kTooManyParameters, p), "Too many parameters sent for this endpoint.");
    EXPECT_EQ(error_message(ErrorCode::kUnreadParameters, p), "Not all sent parameters were read.");
    EXPECT_EQ(error_message(ErrorCode::kParamEmpty, p), "A parameter was empty.");
    EXPECT_EQ(error_message(ErrorCode::kParamNotRequired, p), "A parameter was sent when not required.");
    EXPECT_EQ(error_message(ErrorCode::kInvalidTif, p), "Invalid timeInForce.");
    EXPECT_EQ(error_message(ErrorCode::kInvalidOrderType, p), "Invalid orderType.");
    EXPECT_EQ(error_message(ErrorCode::kInvalidSide, p), "Invalid side.");
    EXPECT_EQ(error_message(ErrorCode::kBadSymbol, p), "Invalid symbol.");
    EXPECT_EQ(error_message(ErrorCode::kInvalidParameter, p), "Invalid data sent for a parameter.");
    EXPECT_EQ(error_message(ErrorCode::kNewOrderRejected, p), "NEW_ORDER_REJECTED");
    EXPECT_EQ(error_message(ErrorCode::kCancelRejected, p), "CANCEL_REJECTED");
    EXPECT_EQ(error_message(ErrorCode::kNoSuchOrder, p), "Order does not exist.");
    EXPECT_EQ(error_message(ErrorCode::kBadApiKeyFmt, p), "API-key format invalid.");
    EXPECT_EQ(error_message(ErrorCode::kRejectedMbxKey, p), "Invalid API-key, IP, or permissions for action.");
    EXPECT_EQ(error_name(-1102, p), "MANDATORY_PARAM_EMPTY_OR_MALFORMED");
    EXPECT_EQ(error_name(-2015, p), "REJECTED_MBX_KEY");
  }
}

TEST(BinanceErrors, ProductAwareTexts) {
  // -1000: spot "occurred", USD-M "occured" (sic, as on its page).
  EXPECT_EQ(error_message(-1000, kSpot), "An unknown error occurred while processing the request.");
  EXPECT_EQ(error_message(-1000, kFut), "An unknown error occured while processing the request.");
  EXPECT_EQ(error_message(-1111, kSpot), "Parameter '%s' has too much precision.");
  EXPECT_EQ(error_message(-1111, kFut), "Precision is over the maximum defined for this asset.");
  EXPECT_EQ(error_message(-1125, kSpot), "This listenKey does not exist.");
  EXPECT_EQ(error_message(-1125, kFut),
            "This listenKey does not exist. Please use `POST /fapi/v1/listenKey` to recreate `listenKey`");
  EXPECT_EQ(error_message(-1013, kFut), "INVALID_MESSAGE.");
  // Same value, different meaning.
  EXPECT_EQ(error_message(-2021, kSpot), "Order cancel-replace partially failed.");
  EXPECT_EQ(error_message(-2021, kFut), "Order would immediately trigger.");
  EXPECT_EQ(error_name(ErrorCode::kReduceOnlyReject, kFut), "REDUCE_ONLY_REJECT");
  EXPECT_EQ(error_message(ErrorCode::kReduceOnlyReject, kFut), "ReduceOnly Order is rejected.");
  EXPECT_EQ(error_message(-2022, kSpot), "Order cancel-replace failed.");
  EXPECT_EQ(error_name(-2026, kSpot), "ORDER_ARCHIVED");
  EXPECT_EQ(error_name(-2026, kFut), "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED");
  EXPECT_EQ(code_value(ErrorCode::kCancelReplacePartiallyFailed), code_value(ErrorCode::kOrderWouldImmediatelyTrigger));
}

TEST(BinanceErrors, FuturesOnlyCodes) {
  EXPECT_EQ(error_name(-2019, kFut), "MARGIN_NOT_SUFFICIEN");
  EXPECT_EQ(error_message(-2019, kFut), "Margin is insufficient.");
  EXPECT_EQ(error_message(-2025, kFut), "Reach max open order limit.");
  EXPECT_EQ(error_message(-4003, kFut), "Quantity less than zero.");
  EXPECT_EQ(error_message(-4004, kFut), "Quantity less than min quantity.");
  EXPECT_EQ(error_message(-4005, kFut), "Quantity greater than max quantity.");
  EXPECT_EQ(error_message(-4013, kFut), "Price less than min price.");
  EXPECT_EQ(error_message(-4014, kFut), "Price not increased by tick size.");
  EXPECT_EQ(error_message(-4016, kFut), "Price is higher than mark price multiplier cap.");
  EXPECT_EQ(error_name(-4016, kFut), "PRICE_HIGHTER_THAN_MULTIPLIER_UP");
  EXPECT_EQ(error_message(-4023, kFut), "Qty not increased by step size.");
  EXPECT_EQ(error_message(-4024, kFut), "Price is lower than mark price multiplier floor.");
  EXPECT_EQ(error_message(-4164, kFut), "Order's notional must be no smaller than 5.0 (unless you choose reduce only)");
  EXPECT_EQ(error_message(-5021, kFut),
            "Due to the order could not be filled immediately, the FOK order has been rejected.");
  EXPECT_EQ(error_message(-5022, kFut),
            "Due to the order could not be executed as maker, the Post Only order will be rejected.");
  // Not spot codes.
  EXPECT_EQ(error_message(-2019, kSpot), "");
  EXPECT_EQ(error_message(-4164, kSpot), "");
}

TEST(BinanceErrors, SpotOnlyCodesAndOrderMessages) {
  EXPECT_EQ(error_message(-1013, kSpot),
            "The request is rejected by the API. (i.e. The request didn't reach the Matching Engine.)");
  EXPECT_EQ(error_message(-2035, kSpot), "User Data Stream subscription already active.");
  EXPECT_EQ(error_message(-2035, kFut), "");
  EXPECT_EQ(spot_msg::kDuplicateOrder, "Duplicate order sent.");
  EXPECT_EQ(spot_msg::kUnknownOrder, "Unknown order sent.");
  EXPECT_EQ(spot_msg::kInsufficientBalance, "Account has insufficient balance for requested action.");
  EXPECT_EQ(spot_msg::kWouldMatchAndTake, "Order would immediately match and take.");
  EXPECT_EQ(spot_msg::kMarketClosed, "Market is closed.");
  EXPECT_EQ(std::string(kFilterFailurePrefix) + "NOTIONAL", "Filter failure: NOTIONAL");
}

TEST(BinanceErrors, UnknownCodesGiveEmpty) {
  EXPECT_EQ(error_message(-9999, kSpot), "");
  EXPECT_EQ(error_name(0, kFut), "");
  EXPECT_EQ(error_message(ErrorCode::kNone, kSpot), "");
}

TEST(BinanceErrors, ErrorJsonShape) {
  std::string out;
  append_error_json(out, -1013, "Filter failure: NOTIONAL");
  EXPECT_EQ(out, R"({"code":-1013,"msg":"Filter failure: NOTIONAL"})");
  out.clear();
  append_error_json(out, -1102, "Mandatory parameter 'x' was \"y\"");
  EXPECT_EQ(out, R"({"code":-1102,"msg":"Mandatory parameter 'x' was \"y\""})");
}

}  // namespace
}  // namespace dmabot::binance
