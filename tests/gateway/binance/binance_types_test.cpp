#include "gateway/binance/binance_types.h"

#include <gtest/gtest.h>

#include <string>

namespace dmabot::binance {
namespace {

// Every value's wire name parses back to the same value, and no two values share a name.
template <typename E, typename Parse>
void expect_round_trip(int count, Parse parse) {
  for (int i = 0; i < count; ++i) {
    const auto v = static_cast<E>(i);
    const std::string_view name = wire_name(v);
    if (name.empty()) continue;  // ContractType::kNone has no wire form
    E back{};
    ASSERT_TRUE(parse(name, back)) << name;
    EXPECT_EQ(static_cast<int>(back), i) << name;
  }
}

TEST(BinanceTypes, EveryNameRoundTrips) {
  expect_round_trip<SymbolStatus>(12, parse_symbol_status);
  expect_round_trip<ContractType>(8, parse_contract_type);
  expect_round_trip<OrderSide>(2, parse_order_side);
  expect_round_trip<OrderType>(11, parse_order_type);
  expect_round_trip<TimeInForce>(5, parse_time_in_force);
  expect_round_trip<OrderStatus>(9, parse_order_status);
  expect_round_trip<ExecutionType>(9, parse_execution_type);
  expect_round_trip<OrderRespType>(3, parse_order_resp_type);
  expect_round_trip<PositionSide>(3, parse_position_side);
}

// Names as Binance's docs spell them (enums.md; USD-M common definitions).
TEST(BinanceTypes, NamesAreBinancesSpelling) {
  EXPECT_EQ(wire_name(OrderType::kLimitMaker), "LIMIT_MAKER");
  EXPECT_EQ(wire_name(TimeInForce::kGtx), "GTX");
  EXPECT_EQ(wire_name(OrderStatus::kPartiallyFilled), "PARTIALLY_FILLED");
  EXPECT_EQ(wire_name(OrderStatus::kExpiredInMatch), "EXPIRED_IN_MATCH");
  EXPECT_EQ(wire_name(SymbolStatus::kCancelOnly), "CANCEL_ONLY");
  EXPECT_EQ(wire_name(ContractType::kPerpetual), "PERPETUAL");
  EXPECT_EQ(wire_name(ExecutionType::kTradePrevention), "TRADE_PREVENTION");
  EXPECT_EQ(wire_name(OrderRespType::kFull), "FULL");
}

TEST(BinanceTypes, UnknownAndWrongCaseAreRefused) {
  OrderStatus s = OrderStatus::kNew;
  EXPECT_FALSE(parse_order_status("new", s));
  EXPECT_FALSE(parse_order_status("", s));
  EXPECT_FALSE(parse_order_status("NEW ", s));
  EXPECT_EQ(s, OrderStatus::kNew);  // untouched on failure
  ContractType c = ContractType::kPerpetual;
  EXPECT_FALSE(parse_contract_type("", c));
  TimeInForce t{};
  EXPECT_FALSE(parse_time_in_force("GTE_GTC", t));
}

TEST(BinanceTypes, FinalStatuses) {
  EXPECT_TRUE(is_final(OrderStatus::kFilled));
  EXPECT_TRUE(is_final(OrderStatus::kExpiredInMatch));
  EXPECT_FALSE(is_final(OrderStatus::kPartiallyFilled));
  EXPECT_FALSE(is_final(OrderStatus::kNew));
}

}  // namespace
}  // namespace dmabot::binance
