// Spot side of binance-sim's exchange: matching (price-time priority, partial fills, accounts against
// each other, taking the sim market), order types and time in force, post-only, fees, balance
// locking, Binance's error codes, cancelReplace, determinism. Expected numbers are worked out by hand
// in the comments (spot base tier fee 0.1% maker and taker).
#include <gtest/gtest.h>

#include <regex>

#include "tests/tools/binance_sim/exchange_test_util.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

constexpr UnixNanos kT0 = 1'700'000'000LL * kNsPerSec;

class SpotExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SymbolConfig s;
    s.product = Product::kSpot;
    s.name = "BTCUSDT";
    s.base_asset = "BTC";
    s.quote_asset = "USDT";
    s.tick_size = px("0.01");
    s.step_size = qty("0.00001");
    s.min_qty = qty("0.00001");
    s.min_notional_raw = money("5");
    ASSERT_TRUE(ex.add_symbol(s).ok());
    for (const char* k : {"A", "B", "C"}) {
      AccountConfig a;
      a.api_key = k;
      a.hmac_secret = "secret";
      a.spot_balances = {{"USDT", money("100000")}, {"BTC", money("10")}};
      ASSERT_TRUE(ex.add_account(a).ok());
    }
    ex.add_listener(&rec);
  }
  AssetBalance bal(const std::string& key, const std::string& asset) { return ex.find_account(key)->balance(asset); }
  void set_top(std::string_view b, std::string_view bq, std::string_view a, std::string_view aq, UnixNanos t = kT0) {
    ex.set_market_top(Product::kSpot, "BTCUSDT", top(b, bq, a, aq), t);
  }
  OrderResult place(const std::string& key, const NewOrderRequest& r, UnixNanos t = kT0) {
    return ex.new_order(key, Product::kSpot, r, t);
  }

  Exchange ex;
  Recorder rec;
};

TEST_F(SpotExchangeTest, LimitBuyLocksQuoteAndCancelUnlocksIt) {
  set_top("59999.99", "1", "60000.00", "1");
  OrderResult r = place("A", limit(OrderSide::kBuy, "50000.00", "0.5"));
  ASSERT_TRUE(r.ok()) << r.error.msg;
  EXPECT_EQ(r.order.status, OrderStatus::kNew);
  EXPECT_EQ(r.order.order_id, 1);
  // 0.5 * 50000 = 25000 locked.
  EXPECT_EQ(bal("A", "USDT").free, money("75000"));
  EXPECT_EQ(bal("A", "USDT").locked, money("25000"));
  OrderRef ref;
  ref.order_id = 1;
  OrderResult c = ex.cancel_order("A", Product::kSpot, "BTCUSDT", ref, std::nullopt, kT0 + 1);
  ASSERT_TRUE(c.ok()) << c.error.msg;
  EXPECT_EQ(c.order.status, OrderStatus::kCanceled);
  EXPECT_EQ(bal("A", "USDT").free, money("100000"));
  EXPECT_EQ(bal("A", "USDT").locked, 0);
  EXPECT_EQ(rec.exec_types(1), (std::vector<ExecType>{ExecType::kNew, ExecType::kCanceled}));
  EXPECT_TRUE(ex.open_orders("A", Product::kSpot, "BTCUSDT").empty());
}

TEST_F(SpotExchangeTest, TakesTheSimMarketThenRestsAndFillsAsMakerWhenTheMarketReachesIt) {
  set_top("59999.99", "1", "60000.00", "0.3");
  OrderResult r = place("A", limit(OrderSide::kBuy, "60010.00", "0.5"));
  ASSERT_TRUE(r.ok()) << r.error.msg;
  ASSERT_EQ(r.fills.size(), 1u);
  EXPECT_EQ(r.fills[0].price, px("60000.00"));  // the market's price, not the limit
  EXPECT_EQ(r.fills[0].qty, qty("0.3"));        // up to the market's size
  EXPECT_FALSE(r.fills[0].is_maker);
  EXPECT_EQ(r.fills[0].commission_raw, money("0.0003"));  // 0.3 BTC * 0.1%, in the asset received
  EXPECT_EQ(r.fills[0].commission_asset, "BTC");
  EXPECT_EQ(r.order.status, OrderStatus::kPartiallyFilled);
  // Locked 0.5 * 60010 = 30005; the fill releases 0.3 * 60010 = 18003 and spends 18000.
  EXPECT_EQ(bal("A", "USDT").free, money("69998"));
  EXPECT_EQ(bal("A", "USDT").locked, money("12002"));
  EXPECT_EQ(bal("A", "BTC").free, money("10.2997"));

  // The market's size at 60000 is used up: a second buyer gets nothing from it.
  OrderResult r2 = place("B", limit(OrderSide::kBuy, "60000.00", "0.1", TimeInForce::kIoc));
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2.fills.empty());
  EXPECT_EQ(r2.order.status, OrderStatus::kExpired);

  // The ask moves to 60005 <= 60010: the resting 0.2 fills at its own price, as maker.
  set_top("60004.00", "1", "60005.00", "1", kT0 + kNsPerSec);
  const auto& last = rec.orders.back();
  ASSERT_TRUE(last.fill.has_value());
  EXPECT_EQ(last.order.order_id, 1);
  EXPECT_EQ(last.order.status, OrderStatus::kFilled);
  EXPECT_EQ(last.fill->price, px("60010.00"));
  EXPECT_EQ(last.fill->qty, qty("0.2"));
  EXPECT_TRUE(last.fill->is_maker);
  EXPECT_EQ(last.fill->trade_id, 2);
  EXPECT_EQ(bal("A", "USDT").free, money("69998"));  // 12002 released, 12002 spent
  EXPECT_EQ(bal("A", "USDT").locked, 0);
  EXPECT_EQ(bal("A", "BTC").free, money("10.4995"));  // + 0.2 - 0.0002
}

TEST_F(SpotExchangeTest, PriceTimePriorityAcrossAccountsWithPartialFills) {
  set_top("59000.00", "1", "60200.00", "1");
  ASSERT_TRUE(place("A", limit(OrderSide::kSell, "60100.00", "0.1")).ok());  // id 1
  ASSERT_TRUE(place("B", limit(OrderSide::kSell, "60100.00", "0.1")).ok());  // id 2, behind id 1
  ASSERT_TRUE(place("A", limit(OrderSide::kSell, "60050.00", "0.1")).ok());  // id 3, better price
  OrderResult r = place("C", limit(OrderSide::kBuy, "60100.00", "0.25"));
  ASSERT_TRUE(r.ok()) << r.error.msg;
  ASSERT_EQ(r.fills.size(), 3u);
  EXPECT_EQ(r.fills[0].price, px("60050.00"));
  EXPECT_EQ(r.fills[1].price, px("60100.00"));
  EXPECT_EQ(r.fills[2].price, px("60100.00"));
  EXPECT_EQ(r.fills[2].qty, qty("0.05"));
  EXPECT_EQ(r.fills[0].trade_id, 1);
  EXPECT_EQ(r.fills[2].trade_id, 3);
  EXPECT_EQ(r.order.status, OrderStatus::kFilled);
  // Who was filled: id 3, then id 1 (earlier at 60100), then id 2 partly.
  OrderRef ref;
  ref.order_id = 1;
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "BTCUSDT", ref).order.status, OrderStatus::kFilled);
  ref.order_id = 2;
  OrderResult b = ex.query_order("B", Product::kSpot, "BTCUSDT", ref);
  EXPECT_EQ(b.order.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(b.order.executed_qty, qty("0.05"));
  // C spent 6005 + 6010 + 3005 = 15020 of the 15025 locked; the rest came back.
  EXPECT_EQ(bal("C", "USDT").free, money("84980"));
  EXPECT_EQ(bal("C", "USDT").locked, 0);
  EXPECT_EQ(bal("C", "BTC").free, money("10.24975"));  // + 0.25 - 0.00025
  // A sold 0.2 as maker: 6005 - 6.005 + 6010 - 6.01.
  EXPECT_EQ(bal("A", "USDT").free, money("112002.985"));
  EXPECT_EQ(bal("A", "BTC").free, money("9.8"));
  EXPECT_EQ(bal("A", "BTC").locked, 0);
  // The maker's fill is reported before the taker's for each trade.
  int maker_at = -1, taker_at = -1;
  for (int i = 0; i < static_cast<int>(rec.orders.size()); ++i) {
    const auto& e = rec.orders[i];
    if (!e.fill || e.fill->trade_id != 1) continue;
    (e.fill->is_maker ? maker_at : taker_at) = i;
  }
  EXPECT_GE(maker_at, 0);
  EXPECT_LT(maker_at, taker_at);
}

TEST_F(SpotExchangeTest, AtAnEqualPriceTheSimMarketFillsBeforeRestingOrders) {
  set_top("59999.00", "1", "60000.00", "0.1");
  ASSERT_TRUE(place("A", limit(OrderSide::kSell, "60000.00", "0.1")).ok());
  OrderResult r = place("B", limit(OrderSide::kBuy, "60000.00", "0.15"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.fills.size(), 2u);
  EXPECT_EQ(r.fills[0].qty, qty("0.1"));   // the market
  EXPECT_EQ(r.fills[1].qty, qty("0.05"));  // then A
  OrderRef ref;
  ref.order_id = 1;
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "BTCUSDT", ref).order.executed_qty, qty("0.05"));
}

TEST_F(SpotExchangeTest, LimitMakerThatWouldTakeIsRejectedAndOneThatRestsIsAccepted) {
  set_top("59999.00", "1", "60000.00", "1");
  NewOrderRequest r = limit(OrderSide::kBuy, "60000.00", "0.1");
  r.type = OrderType::kLimitMaker;
  r.time_in_force.reset();
  OrderResult bad = place("A", r);
  EXPECT_EQ(bad.error.code, -2010);
  EXPECT_EQ(bad.error.msg, "Order would immediately match and take.");
  EXPECT_EQ(bal("A", "USDT").free, money("100000"));
  EXPECT_TRUE(rec.orders.empty());
  ASSERT_EQ(rec.rejects.size(), 1u);

  // Crossing another account's resting order counts too.
  ASSERT_TRUE(place("B", limit(OrderSide::kSell, "59999.80", "0.1")).ok());
  r.price = px("59999.80");
  EXPECT_EQ(place("A", r).error.code, -2010);

  r.price = px("59999.50");
  OrderResult ok = place("A", r);
  ASSERT_TRUE(ok.ok()) << ok.error.msg;
  EXPECT_EQ(ok.order.status, OrderStatus::kNew);
  EXPECT_EQ(ok.order.type, OrderType::kLimitMaker);
  // LIMIT_MAKER with a timeInForce is not Binance's shape.
  r.time_in_force = TimeInForce::kGtc;
  EXPECT_EQ(place("A", r).error.code, -1106);
}

TEST_F(SpotExchangeTest, IocRemainderExpiresAndUnlocks) {
  set_top("59999.00", "1", "60000.00", "0.3");
  OrderResult r = place("A", limit(OrderSide::kBuy, "60000.00", "0.5", TimeInForce::kIoc));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.order.status, OrderStatus::kExpired);
  EXPECT_EQ(r.order.executed_qty, qty("0.3"));
  EXPECT_EQ(rec.exec_types(1), (std::vector<ExecType>{ExecType::kNew, ExecType::kTrade, ExecType::kExpired}));
  EXPECT_EQ(bal("A", "USDT").free, money("82000"));  // 100000 - 0.3 * 60000
  EXPECT_EQ(bal("A", "USDT").locked, 0);
}

TEST_F(SpotExchangeTest, FokThatCannotFillFullyExpiresWithoutTrading) {
  set_top("59999.00", "1", "60000.00", "0.3");
  OrderResult r = place("A", limit(OrderSide::kBuy, "60000.00", "0.5", TimeInForce::kFok));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.order.status, OrderStatus::kExpired);
  EXPECT_EQ(r.order.executed_qty.raw, 0);
  EXPECT_EQ(rec.exec_types(1), (std::vector<ExecType>{ExecType::kNew, ExecType::kExpired}));
  EXPECT_EQ(bal("A", "USDT").free, money("100000"));
  EXPECT_EQ(bal("A", "USDT").locked, 0);
  OrderResult full = place("A", limit(OrderSide::kBuy, "60000.00", "0.3", TimeInForce::kFok));
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.order.status, OrderStatus::kFilled);
}

TEST_F(SpotExchangeTest, MarketOrdersTakeTheMarketAndExpireWhatFindsNoLiquidity) {
  set_top("59990.00", "1", "60000.00", "0.3");
  OrderResult buy = place("A", market_order(OrderSide::kBuy, "0.5"));
  ASSERT_TRUE(buy.ok()) << buy.error.msg;
  EXPECT_EQ(buy.order.executed_qty, qty("0.3"));
  EXPECT_EQ(buy.order.status, OrderStatus::kExpired);
  EXPECT_EQ(buy.order.cum_quote_raw, money("18000"));
  EXPECT_EQ(bal("A", "USDT").free, money("82000"));
  OrderResult sell = place("A", market_order(OrderSide::kSell, "0.1"));
  ASSERT_TRUE(sell.ok());
  ASSERT_EQ(sell.fills.size(), 1u);
  EXPECT_EQ(sell.fills[0].price, px("59990.00"));
  EXPECT_EQ(sell.fills[0].commission_asset, "USDT");  // a sell pays in the quote it receives
  EXPECT_EQ(sell.fills[0].commission_raw, money("5.999"));
  EXPECT_EQ(bal("A", "USDT").free, money("87993.001"));  // 82000 + 5999 - 5.999
  // Selling more than the account holds.
  EXPECT_EQ(place("A", market_order(OrderSide::kSell, "20")).error.msg,
            "Account has insufficient balance for requested action.");
}

TEST_F(SpotExchangeTest, QuoteOrderQtyMarketOrdersSpendOrReceiveTheAmount) {
  set_top("59990.00", "1", "60000.00", "0.1");
  ASSERT_TRUE(place("B", limit(OrderSide::kSell, "60010.00", "1")).ok());
  NewOrderRequest r;
  r.symbol = "BTCUSDT";
  r.side = OrderSide::kBuy;
  r.type = OrderType::kMarket;
  r.quote_order_qty = qty("9001");
  // 0.1 at 60000 (6000), then 3001 / 60010 = 0.05000833 → 0.05 on the step grid (3000.5).
  OrderResult buy = place("A", r);
  ASSERT_TRUE(buy.ok()) << buy.error.msg;
  EXPECT_EQ(buy.order.orig_qty, qty("0.15"));
  EXPECT_EQ(buy.order.executed_qty, qty("0.15"));
  EXPECT_EQ(buy.order.cum_quote_raw, money("9000.5"));
  EXPECT_EQ(buy.order.quote_order_qty, qty("9001"));
  EXPECT_EQ(buy.order.status, OrderStatus::kFilled);
  EXPECT_EQ(bal("A", "USDT").free, money("90999.5"));
  r.side = OrderSide::kSell;
  r.quote_order_qty = qty("599.9");  // 0.01 at 59990
  OrderResult sell = place("A", r);
  ASSERT_TRUE(sell.ok()) << sell.error.msg;
  EXPECT_EQ(sell.order.executed_qty, qty("0.01"));
  r.quantity = qty("0.01");
  EXPECT_EQ(place("A", r).error.code, -1106);  // not both
  r.quantity.reset();
  r.quote_order_qty.reset();
  OrderResult neither = place("A", r);
  EXPECT_EQ(neither.error.code, -1102);
  EXPECT_EQ(neither.error.msg, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  r.quote_order_qty = qty("0.0001");  // buys less than one step
  EXPECT_EQ(place("A", r).error.msg, "Order book liquidity is less than symbol minimum quantity.");
  NewOrderRequest lim = limit(OrderSide::kBuy, "59000.00", "0.1");
  lim.quote_order_qty = qty("100");
  EXPECT_EQ(place("A", lim).error.code, -1106);
}

TEST_F(SpotExchangeTest, MarketOrderWithNoLiquidityExpires) {
  OrderResult r = place("A", market_order(OrderSide::kBuy, "0.1"));
  ASSERT_TRUE(r.ok()) << r.error.msg;
  EXPECT_EQ(r.order.status, OrderStatus::kExpired);
  EXPECT_EQ(r.order.executed_qty.raw, 0);
  EXPECT_EQ(bal("A", "USDT").free, money("100000"));
}

TEST_F(SpotExchangeTest, InsufficientBalanceIsRejectedWithBinancesMessage) {
  set_top("59999.00", "1", "60000.00", "1");
  OrderResult r = place("A", limit(OrderSide::kBuy, "59000.00", "2"));  // 118000 > 100000
  EXPECT_EQ(r.error.code, -2010);
  EXPECT_EQ(r.error.msg, "Account has insufficient balance for requested action.");
  EXPECT_EQ(place("A", limit(OrderSide::kSell, "61000.00", "10.00001")).error.code, -2010);
  EXPECT_TRUE(place("A", limit(OrderSide::kSell, "61000.00", "10")).ok());
  EXPECT_EQ(bal("A", "BTC").locked, money("10"));
  EXPECT_EQ(rec.rejects.size(), 2u);
}

TEST_F(SpotExchangeTest, DuplicateClientOrderIdAmongOpenOrdersIsRejected) {
  set_top("59999.00", "1", "60000.00", "1");
  NewOrderRequest r = limit(OrderSide::kBuy, "59000.00", "0.1");
  r.new_client_order_id = "my-order_1";
  ASSERT_TRUE(place("A", r).ok());
  OrderResult dup = place("A", r);
  EXPECT_EQ(dup.error.code, -2010);
  EXPECT_EQ(dup.error.msg, "Duplicate order sent.");
  EXPECT_TRUE(place("B", r).ok());  // another account may use it
  OrderRef ref;
  ref.orig_client_order_id = "my-order_1";
  ASSERT_TRUE(ex.cancel_order("A", Product::kSpot, "BTCUSDT", ref, std::nullopt, kT0).ok());
  EXPECT_TRUE(place("A", r).ok());  // no longer open: free again
  r.new_client_order_id = "bad id!";
  EXPECT_EQ(place("A", r).error.code, -1100);
}

TEST_F(SpotExchangeTest, UnknownOrdersAnswerMinus2011OnCancelAndMinus2013OnQuery) {
  OrderRef ref;
  ref.order_id = 999;
  OrderResult c = ex.cancel_order("A", Product::kSpot, "BTCUSDT", ref, std::nullopt, kT0);
  EXPECT_EQ(c.error.code, -2011);
  EXPECT_EQ(c.error.msg, "Unknown order sent.");
  OrderResult q = ex.query_order("A", Product::kSpot, "BTCUSDT", ref);
  EXPECT_EQ(q.error.code, -2013);
  EXPECT_EQ(q.error.msg, "Order does not exist.");
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "BTCUSDT", OrderRef{}).error.code, -1102);
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "ETHUSDT", ref).error.code, -1121);
  EXPECT_EQ(ex.query_order("nobody", Product::kSpot, "BTCUSDT", ref).error.code, -2015);

  set_top("59999.00", "1", "60000.00", "1");
  NewOrderRequest r = limit(OrderSide::kBuy, "59000.00", "0.1");
  r.new_client_order_id = "orig1";
  ASSERT_TRUE(place("A", r).ok());
  OrderRef mine;
  mine.order_id = 1;
  // Another account cannot see or cancel it.
  EXPECT_EQ(ex.cancel_order("B", Product::kSpot, "BTCUSDT", mine, std::nullopt, kT0).error.code, -2011);
  OrderResult c1 = ex.cancel_order("A", Product::kSpot, "BTCUSDT", mine, std::string("cancel1"), kT0);
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1.order.client_order_id, "cancel1");     // spot: the cancel's own id ...
  EXPECT_EQ(c1.order.orig_client_order_id, "orig1");  // ... and the order's
  EXPECT_EQ(ex.cancel_order("A", Product::kSpot, "BTCUSDT", mine, std::nullopt, kT0).error.code, -2011);
  OrderRef by_cid;
  by_cid.orig_client_order_id = "orig1";
  OrderResult q2 = ex.query_order("A", Product::kSpot, "BTCUSDT", by_cid);
  ASSERT_TRUE(q2.ok());
  EXPECT_EQ(q2.order.status, OrderStatus::kCanceled);
  EXPECT_EQ(q2.order.client_order_id, "orig1");
}

TEST_F(SpotExchangeTest, GeneratedClientOrderIdsHaveBinancesShapeAndIdsCountUp) {
  set_top("59999.00", "1", "60000.00", "1");
  OrderResult a = place("A", limit(OrderSide::kBuy, "59000.00", "0.1"));
  OrderResult b = place("B", limit(OrderSide::kBuy, "59000.00", "0.1"));
  std::regex shape("^[A-Za-z0-9]{22}$");
  EXPECT_TRUE(std::regex_match(a.order.client_order_id, shape)) << a.order.client_order_id;
  EXPECT_TRUE(std::regex_match(b.order.client_order_id, shape));
  EXPECT_NE(a.order.client_order_id, b.order.client_order_id);
  EXPECT_EQ(a.order.order_id, 1);
  EXPECT_EQ(b.order.order_id, 2);
  EXPECT_EQ(a.order.resp_type, OrderRespType::kFull);  // LIMIT defaults to FULL on spot
}

TEST_F(SpotExchangeTest, CancelOnlySymbolRefusesNewOrdersButCancels) {
  set_top("59999.00", "1", "60000.00", "1");
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "59000.00", "0.1")).ok());
  ASSERT_TRUE(ex.set_symbol_status(Product::kSpot, "BTCUSDT", SymbolStatus::kCancelOnly).ok());
  OrderResult r = place("A", limit(OrderSide::kBuy, "59000.00", "0.1"));
  EXPECT_EQ(r.error.code, -2010);
  EXPECT_EQ(r.error.msg, "Market is closed.");
  OrderRef ref;
  ref.order_id = 1;
  EXPECT_TRUE(ex.cancel_order("A", Product::kSpot, "BTCUSDT", ref, std::nullopt, kT0).ok());
}

TEST_F(SpotExchangeTest, FiltersRejectWithMinus1013NamingTheFilter) {
  set_top("59999.00", "1", "60000.00", "1");
  EXPECT_EQ(place("A", limit(OrderSide::kBuy, "59000.005", "0.1")).error.msg, "Filter failure: PRICE_FILTER");
  EXPECT_EQ(place("A", limit(OrderSide::kBuy, "59000.00", "0.000015")).error.msg, "Filter failure: LOT_SIZE");
  // 0.00008 * 59000 = 4.72 < 5.
  OrderResult n = place("A", limit(OrderSide::kBuy, "59000.00", "0.00008"));
  EXPECT_EQ(n.error.code, -1013);
  EXPECT_EQ(n.error.msg, "Filter failure: NOTIONAL");
  EXPECT_TRUE(place("A", limit(OrderSide::kBuy, "59000.00", "0.00009")).ok());  // 5.31
  NewOrderRequest no_tif = limit(OrderSide::kBuy, "59000.00", "0.1");
  no_tif.time_in_force.reset();
  EXPECT_EQ(place("A", no_tif).error.code, -1102);
  NewOrderRequest gtx = limit(OrderSide::kBuy, "59000.00", "0.1", TimeInForce::kGtx);
  EXPECT_EQ(place("A", gtx).error.code, -1115);  // GTX is futures only
}

TEST_F(SpotExchangeTest, CancelReplaceModes) {
  set_top("59999.00", "1", "60000.00", "1");
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "59000.00", "0.1")).ok());  // id 1
  CancelReplaceRequest cr;
  cr.cancel.order_id = 1;
  cr.new_order = limit(OrderSide::kBuy, "59100.00", "0.1");
  CancelReplaceResult ok = ex.cancel_replace("A", "BTCUSDT", cr, kT0);
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_EQ(ok.cancel_result, StepResult::kSuccess);
  EXPECT_EQ(ok.new_order_result, StepResult::kSuccess);
  EXPECT_EQ(ok.cancel_response.order.order_id, 1);
  EXPECT_EQ(ok.new_order_response.order.order_id, 2);
  EXPECT_EQ(bal("A", "USDT").locked, money("5910"));

  cr.cancel.order_id = 99;
  cr.new_order = limit(OrderSide::kBuy, "59200.00", "0.1");
  CancelReplaceResult stop = ex.cancel_replace("A", "BTCUSDT", cr, kT0);
  EXPECT_EQ(stop.http_status, 400);
  EXPECT_EQ(stop.error.code, -2022);
  EXPECT_EQ(stop.cancel_result, StepResult::kFailure);
  EXPECT_EQ(stop.cancel_error.code, -2011);
  EXPECT_EQ(stop.new_order_result, StepResult::kNotAttempted);
  EXPECT_EQ(ex.open_orders("A", Product::kSpot, "BTCUSDT").size(), 1u);

  cr.mode = CancelReplaceMode::kAllowFailure;
  CancelReplaceResult partial = ex.cancel_replace("A", "BTCUSDT", cr, kT0);
  EXPECT_EQ(partial.http_status, 409);
  EXPECT_EQ(partial.error.code, -2021);
  EXPECT_EQ(partial.cancel_result, StepResult::kFailure);
  EXPECT_EQ(partial.new_order_result, StepResult::kSuccess);
  EXPECT_EQ(ex.open_orders("A", Product::kSpot, "BTCUSDT").size(), 2u);

  // The new order may reuse the client id of the order it replaces, named by orderId.
  NewOrderRequest named = limit(OrderSide::kBuy, "58000.00", "0.1");
  named.new_client_order_id = "keep-me";
  OrderResult kept = place("A", named);
  ASSERT_TRUE(kept.ok());
  CancelReplaceRequest same;
  same.cancel.order_id = kept.order.order_id;
  same.new_order = limit(OrderSide::kBuy, "58100.00", "0.1");
  same.new_order.new_client_order_id = "keep-me";
  CancelReplaceResult reused = ex.cancel_replace("A", "BTCUSDT", same, kT0);
  EXPECT_EQ(reused.http_status, 200) << reused.error.msg;
  EXPECT_EQ(reused.new_order_response.order.client_order_id, "keep-me");
  ASSERT_TRUE(ex.cancel_order("A", Product::kSpot, "BTCUSDT", OrderRef{reused.new_order_response.order.order_id, {}},
                              std::nullopt, kT0)
                  .ok());

  // A new order that fails its filters stops everything before the cancel.
  cr.cancel.order_id = 2;
  cr.new_order = limit(OrderSide::kBuy, "59200.001", "0.1");
  CancelReplaceResult bad = ex.cancel_replace("A", "BTCUSDT", cr, kT0);
  EXPECT_EQ(bad.error.code, -1013);
  EXPECT_EQ(bad.cancel_result, StepResult::kNotAttempted);
  EXPECT_EQ(ex.open_orders("A", Product::kSpot, "BTCUSDT").size(), 2u);
}

TEST_F(SpotExchangeTest, MarketTradeStrictlyThroughARestingOrderFillsIt) {
  set_top("59500.00", "1", "59600.00", "1");
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "59000.00", "0.1")).ok());
  ex.on_market_trade(Product::kSpot, "BTCUSDT", px("59000.00"), qty("1"), kT0);  // at the limit: no
  EXPECT_EQ(rec.exec_types(1), std::vector<ExecType>{ExecType::kNew});
  ex.on_market_trade(Product::kSpot, "BTCUSDT", px("58999.99"), qty("0.04"), kT0);  // through: up to 0.04
  ASSERT_TRUE(rec.orders.back().fill.has_value());
  EXPECT_EQ(rec.orders.back().fill->price, px("59000.00"));
  EXPECT_EQ(rec.orders.back().fill->qty, qty("0.04"));
  EXPECT_TRUE(rec.orders.back().fill->is_maker);
  EXPECT_EQ(rec.orders.back().order.status, OrderStatus::kPartiallyFilled);
}

TEST_F(SpotExchangeTest, TradesHistoryAndCancelAll) {
  set_top("59999.00", "1", "60000.00", "1");
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "60000.00", "0.1")).ok());   // fills, trade 1
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "60000.00", "0.2")).ok());   // fills, trade 2
  ASSERT_TRUE(place("A", limit(OrderSide::kBuy, "59000.00", "0.1")).ok());   // rests
  ASSERT_TRUE(place("A", limit(OrderSide::kSell, "61000.00", "0.1")).ok());  // rests
  TradeQuery q;
  TradesResult all = ex.trades("A", Product::kSpot, "BTCUSDT", q);
  ASSERT_EQ(all.trades.size(), 2u);
  EXPECT_EQ(all.trades[0].trade_id, 1);
  EXPECT_EQ(all.trades[1].qty, qty("0.2"));
  EXPECT_TRUE(all.trades[0].side == OrderSide::kBuy);
  q.order_id = 2;
  ASSERT_EQ(ex.trades("A", Product::kSpot, "BTCUSDT", q).trades.size(), 1u);
  q.order_id.reset();
  q.limit = 1;
  TradesResult last = ex.trades("A", Product::kSpot, "BTCUSDT", q);
  ASSERT_EQ(last.trades.size(), 1u);
  EXPECT_EQ(last.trades[0].trade_id, 2);  // the most recent
  EXPECT_TRUE(ex.trades("B", Product::kSpot, "BTCUSDT", TradeQuery{}).trades.empty());

  CancelAllResult c = ex.cancel_open_orders("A", Product::kSpot, "BTCUSDT", kT0);
  ASSERT_TRUE(c.error.ok());
  EXPECT_EQ(c.canceled.size(), 2u);
  EXPECT_TRUE(ex.open_orders("A", Product::kSpot, "").empty());
  EXPECT_EQ(bal("A", "USDT").locked, 0);
  EXPECT_EQ(bal("A", "BTC").locked, 0);
  EXPECT_EQ(ex.cancel_open_orders("A", Product::kSpot, "BTCUSDT", kT0).error.code, -2011);
}

TEST_F(SpotExchangeTest, SelfTradePreventionExpiresByTheTakersMode) {
  set_top("59000.00", "1", "60200.00", "1");
  // Default (the symbol's EXPIRE_MAKER): A's resting sell expires, A's buy trades nothing and rests.
  OrderResult sell = place("A", limit(OrderSide::kSell, "60100.00", "0.1"));
  ASSERT_TRUE(sell.ok());
  EXPECT_EQ(sell.order.stp_mode, StpMode::kExpireMaker);
  OrderResult buy = place("A", limit(OrderSide::kBuy, "60100.00", "0.2"));
  ASSERT_TRUE(buy.ok());
  EXPECT_TRUE(buy.fills.empty());
  EXPECT_EQ(buy.order.status, OrderStatus::kNew);
  OrderRef ref;
  ref.order_id = sell.order.order_id;
  OrderResult gone = ex.query_order("A", Product::kSpot, "BTCUSDT", ref);
  EXPECT_EQ(gone.order.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(gone.order.prevented_qty, qty("0.1"));
  EXPECT_EQ(gone.order.prevented_match_id, 1);
  EXPECT_EQ(rec.exec_types(sell.order.order_id), (std::vector<ExecType>{ExecType::kNew, ExecType::kTradePrevention}));
  EXPECT_EQ(bal("A", "BTC").locked, 0);
  EXPECT_EQ(bal("A", "BTC").free, money("10"));
  ASSERT_TRUE(ex.cancel_open_orders("A", Product::kSpot, "BTCUSDT", kT0).error.ok());

  // EXPIRE_TAKER: the taker stops at its own order, even with other liquidity behind it.
  OrderResult own = place("A", limit(OrderSide::kSell, "60100.00", "0.1"));
  ASSERT_TRUE(place("B", limit(OrderSide::kSell, "60150.00", "0.1")).ok());
  NewOrderRequest taker = limit(OrderSide::kBuy, "60200.00", "0.3");
  taker.self_trade_prevention_mode = StpMode::kExpireTaker;
  OrderResult t = place("A", taker);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t.fills.empty());
  EXPECT_EQ(t.order.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(t.order.prevented_qty, qty("0.3"));
  EXPECT_EQ(bal("A", "USDT").locked, 0);
  ref.order_id = own.order.order_id;
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "BTCUSDT", ref).order.status, OrderStatus::kNew);

  // EXPIRE_BOTH: both go.
  taker.self_trade_prevention_mode = StpMode::kExpireBoth;
  OrderResult both = place("A", taker);
  EXPECT_EQ(both.order.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(ex.query_order("A", Product::kSpot, "BTCUSDT", ref).order.status, OrderStatus::kExpiredInMatch);

  // NONE: the account trades with itself (B's 0.1 at 60150 first now, then the market at 60200).
  ASSERT_TRUE(place("A", limit(OrderSide::kSell, "60100.00", "0.1")).ok());
  taker.self_trade_prevention_mode = StpMode::kNone;
  OrderResult none = place("A", taker);
  ASSERT_EQ(none.fills.size(), 3u);
  EXPECT_EQ(none.fills[0].price, px("60100.00"));
  EXPECT_EQ(none.order.status, OrderStatus::kFilled);

  taker.self_trade_prevention_mode = StpMode::kDecrement;
  EXPECT_EQ(place("A", taker).error.code, -1020);
}

TEST(SpotSelfTradePrevention, AModeTheSymbolDoesNotAllowIsMinus1013) {
  SymbolConfig s;
  s.name = "ETHUSDT";
  s.base_asset = "ETH";
  s.quote_asset = "USDT";
  binance::InstrumentSpec spec = to_instrument(s);
  spec.default_stp_mode = "NONE";
  spec.allowed_stp_modes = {"NONE", "EXPIRE_TAKER"};
  Exchange ex;
  ASSERT_TRUE(ex.add_symbol(spec).ok());
  AccountConfig a;
  a.api_key = "A";
  a.hmac_secret = "s";
  a.spot_balances = {{"USDT", money("1000")}};
  ASSERT_TRUE(ex.add_account(a).ok());
  NewOrderRequest r = limit(OrderSide::kBuy, "100.00", "1", TimeInForce::kGtc, "ETHUSDT");
  r.self_trade_prevention_mode = StpMode::kExpireMaker;
  OrderResult bad = ex.new_order("A", Product::kSpot, r, kT0);
  EXPECT_EQ(bad.error.code, -1013);
  EXPECT_EQ(bad.error.msg, "This symbol does not allow the specified self-trade prevention mode.");
  r.self_trade_prevention_mode.reset();
  OrderResult ok = ex.new_order("A", Product::kSpot, r, kT0);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.order.stp_mode, StpMode::kNone);  // the symbol's default
}

// The same seed and the same requests give the same events, byte for byte.
std::vector<std::string> scripted_run(uint64_t seed) {
  ExchangeConfig cfg;
  cfg.seed = seed;
  Exchange ex(cfg);
  SymbolConfig s;
  s.name = "BTCUSDT";
  s.base_asset = "BTC";
  s.quote_asset = "USDT";
  EXPECT_TRUE(ex.add_symbol(s).ok());
  for (const char* k : {"A", "B"}) {
    AccountConfig a;
    a.api_key = k;
    a.hmac_secret = "s";
    a.spot_balances = {{"USDT", 1'000'000 * core::kScale}, {"BTC", 100 * core::kScale}};
    EXPECT_TRUE(ex.add_account(a).ok());
  }
  Recorder rec;
  ex.add_listener(&rec);
  RandomWalkConfig rw;
  rw.seed = seed;
  rw.tick = Price::from_raw(1'000'000);
  RandomWalkMarket walk(rw);
  for (int i = 0; i < 300; ++i) {
    UnixNanos t = kT0 + i * 100'000'000LL;
    if (walk.advance(t)) ex.set_market_top(Product::kSpot, "BTCUSDT", walk.top(), t);
    if (i % 7 == 0) {
      bool buy = (i / 7) % 2 == 0;
      NewOrderRequest r;
      r.symbol = "BTCUSDT";
      r.side = buy ? OrderSide::kBuy : OrderSide::kSell;
      r.type = OrderType::kLimit;
      r.time_in_force = TimeInForce::kGtc;
      r.price = buy ? walk.top().bid : walk.top().ask;
      r.quantity = Qty::from_raw(10'000'000);  // 0.1
      (void)ex.new_order(i % 2 ? "A" : "B", Product::kSpot, r, t);
    }
  }
  return rec.log;
}

TEST(SpotExchangeDeterminism, SameSeedSameEventsDifferentSeedDifferentEvents) {
  auto a = scripted_run(7), b = scripted_run(7), c = scripted_run(8);
  ASSERT_GT(a.size(), 50u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  bool any_fill = false;
  for (const auto& line : a) any_fill |= line.find(" fill ") != std::string::npos;
  EXPECT_TRUE(any_fill) << "the walk should reach some resting orders";
}

}  // namespace
}  // namespace dmabot::binance_sim
