// From parsed request parameters (binance::RequestParams, as the transport parses them) to the
// exchange's typed requests, with Binance's errors.
#include "tools/binance_sim/exchange_requests.h"

#include <gtest/gtest.h>

#include "tests/tools/binance_sim/exchange_test_util.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

TEST(ExchangeRequests, ReadsASpotNewOrderAndEveryParameterIsRead) {
  binance::RequestParams params;
  ASSERT_TRUE(params
                  .parse_rest("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=59000.5",
                              "newClientOrderId=abc-1&newOrderRespType=RESULT&selfTradePreventionMode=EXPIRE_BOTH")
                  .ok());
  NewOrderRequest r;
  ExchangeError e = read_new_order(params, Product::kSpot, r);
  ASSERT_TRUE(e.ok()) << e.msg;
  EXPECT_EQ(r.symbol, "BTCUSDT");
  EXPECT_EQ(r.side, OrderSide::kBuy);
  EXPECT_EQ(r.type, OrderType::kLimit);
  EXPECT_EQ(r.time_in_force, TimeInForce::kGtc);
  EXPECT_EQ(r.quantity, qty("0.1"));
  EXPECT_EQ(r.price, px("59000.5"));
  EXPECT_EQ(r.new_client_order_id, "abc-1");
  EXPECT_EQ(r.new_order_resp_type, OrderRespType::kResult);
  EXPECT_EQ(r.self_trade_prevention_mode, StpMode::kExpireBoth);
  EXPECT_FALSE(r.quote_order_qty.has_value());
  EXPECT_TRUE(params.check_all_read().ok());

  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT&type=MARKET&quoteOrderQty=100", "").ok());
  EXPECT_EQ(read_new_order(params, Product::kSpot, r).code, -1102);  // side
  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT&side=SELL&type=MARKET&quoteOrderQty=100", "").ok());
  ASSERT_TRUE(read_new_order(params, Product::kSpot, r).ok());
  EXPECT_EQ(r.quote_order_qty, qty("100"));
  EXPECT_FALSE(r.quantity.has_value());
  ASSERT_TRUE(
      params.parse_rest("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=1&selfTradePreventionMode=NOPE", "").ok());
  ExchangeError bad = read_new_order(params, Product::kSpot, r);
  EXPECT_EQ(bad.code, -1130);
  EXPECT_EQ(bad.msg, "Data sent for parameter 'selfTradePreventionMode' is not valid.");
  ASSERT_TRUE(
      params.parse_rest("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=1.123456789", "").ok());
  EXPECT_EQ(read_new_order(params, Product::kSpot, r).code, -1111);  // a 9th decimal
}

TEST(ExchangeRequests, ReadsFuturesPositionSideAndReduceOnly) {
  binance::RequestParams params;
  ASSERT_TRUE(params
                  .parse_rest("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.01&price=30000"
                              "&positionSide=BOTH&reduceOnly=true",
                              "")
                  .ok());
  NewOrderRequest r;
  ASSERT_TRUE(read_new_order(params, Product::kUsdmFutures, r).ok());
  EXPECT_EQ(r.time_in_force, TimeInForce::kGtx);
  EXPECT_EQ(r.position_side, PositionSide::kBoth);
  EXPECT_TRUE(r.reduce_only);
  EXPECT_TRUE(params.check_all_read().ok());
}

TEST(ExchangeRequests, OrderRefsCancelReplaceAndTradeQueries) {
  binance::RequestParams params;
  std::string symbol;
  OrderRef ref;
  std::optional<std::string> cancel_id;
  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT&orderId=42&newClientOrderId=cxl", "").ok());
  ASSERT_TRUE(read_order_ref(params, symbol, ref, &cancel_id).ok());
  EXPECT_EQ(symbol, "BTCUSDT");
  EXPECT_EQ(ref.order_id, 42);
  EXPECT_EQ(cancel_id, "cxl");
  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT", "").ok());
  ExchangeError none = read_order_ref(params, symbol, ref, nullptr);
  EXPECT_EQ(none.code, -1102);
  EXPECT_EQ(none.msg, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");

  CancelReplaceRequest cr;
  ASSERT_TRUE(params
                  .parse_rest("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=59000"
                              "&cancelReplaceMode=ALLOW_FAILURE&cancelOrigClientOrderId=old&cancelNewClientOrderId=c2",
                              "")
                  .ok());
  ExchangeError e = read_cancel_replace(params, symbol, cr);
  ASSERT_TRUE(e.ok()) << e.msg;
  EXPECT_EQ(cr.mode, CancelReplaceMode::kAllowFailure);
  EXPECT_EQ(cr.cancel.orig_client_order_id, "old");
  EXPECT_EQ(cr.cancel_new_client_order_id, "c2");
  EXPECT_EQ(cr.new_order.price, px("59000"));
  ASSERT_TRUE(params
                  .parse_rest("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=59000"
                              "&cancelReplaceMode=MAYBE&cancelOrderId=1",
                              "")
                  .ok());
  EXPECT_EQ(read_cancel_replace(params, symbol, cr).code, -1130);
  ASSERT_TRUE(params
                  .parse_rest("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=59000"
                              "&cancelReplaceMode=STOP_ON_FAILURE",
                              "")
                  .ok());
  EXPECT_EQ(read_cancel_replace(params, symbol, cr).code, -1102);

  TradeQuery q;
  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT&fromId=7&limit=10", "").ok());
  ASSERT_TRUE(read_trade_query(params, symbol, q).ok());
  EXPECT_EQ(q.from_id, 7);
  EXPECT_EQ(q.limit, 10);
  EXPECT_FALSE(q.order_id.has_value());
  ASSERT_TRUE(params.parse_rest("symbol=BTCUSDT&limit=1001", "").ok());
  EXPECT_EQ(read_trade_query(params, symbol, q).code, -1130);
}

TEST(ExchangeRequests, AWebSocketOrderPlaceGoesStraightToTheExchange) {
  Exchange ex;
  SymbolConfig s;
  s.name = "BTCUSDT";
  s.base_asset = "BTC";
  s.quote_asset = "USDT";
  ASSERT_TRUE(ex.add_symbol(s).ok());
  AccountConfig a;
  a.api_key = "K";
  a.hmac_secret = "s";
  a.spot_balances = {{"USDT", money("10000")}};
  ASSERT_TRUE(ex.add_account(a).ok());
  binance::RequestParams params;
  ASSERT_TRUE(params
                  .parse_ws_request(R"({"id":"x1","method":"order.place","params":{"symbol":"BTCUSDT","side":"BUY",)"
                                    R"("type":"LIMIT","timeInForce":"GTC","quantity":"0.1","price":"50000"}})")
                  .ok());
  NewOrderRequest r;
  ASSERT_TRUE(read_new_order(params, Product::kSpot, r).ok());
  OrderResult res = ex.new_order("K", Product::kSpot, r, 1);
  ASSERT_TRUE(res.ok()) << res.error.msg;
  EXPECT_EQ(ex.find_account("K")->balance("USDT").locked, money("5000"));
}

}  // namespace
}  // namespace dmabot::binance_sim
