#include "gateway/binance/errors.h"

#include <gtest/gtest.h>

#include <string>

namespace dmabot::binance {
namespace {

// Expected texts are copied from Binance's docs (spot errors.md; USD-M "Error Codes" page).
TEST(BinanceErrors, GenericMessagesMatchTheDocs) {
  EXPECT_EQ(error_message(ErrorCode::kInvalidSignature, Product::kSpot), "Signature for this request is not valid.");
  EXPECT_EQ(error_message(-1021, Product::kUsdmFutures), "Timestamp for this request is outside of the recvWindow.");
  EXPECT_EQ(error_message(-2013, Product::kSpot), "Order does not exist.");
  EXPECT_EQ(error_name(-2010, Product::kSpot), "NEW_ORDER_REJECTED");
}

TEST(BinanceErrors, ErrorJsonShape) {
  std::string out;
  append_error_json(out, -1013, "Filter failure: NOTIONAL");
  EXPECT_EQ(out, R"({"code":-1013,"msg":"Filter failure: NOTIONAL"})");
}

}  // namespace
}  // namespace dmabot::binance
