// USD-M side of binance-sim's exchange: positions, PnL, fees in USDT, margin, funding, GTX/FOK/
// reduceOnly rules, hedge mode. Expected numbers are worked out by hand in the comments (base tier:
// maker 0.02%, taker 0.05%).
#include <gtest/gtest.h>

#include "tests/tools/binance_sim/exchange_test_util.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

constexpr Product kF = Product::kUsdmFutures;
constexpr UnixNanos kT0 = 1000 * kNsPerSec;  // funding boundaries at multiples of 8 h
constexpr UnixNanos k8h = 8LL * 3600 * kNsPerSec;

class FuturesExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SymbolConfig s;
    s.product = kF;
    s.name = "BTCUSDT";
    s.base_asset = "BTC";
    s.quote_asset = "USDT";
    s.tick_size = px("0.1");
    s.step_size = qty("0.001");
    s.min_qty = qty("0.001");
    s.max_qty = qty("1000");
    s.min_notional_raw = money("5");
    s.price_precision = 2;  // as the live BTCUSDT: pricePrecision 2 with tickSize 0.10
    ASSERT_TRUE(ex.add_symbol(s).ok());
    for (const char* k : {"F", "G", "H"}) {
      AccountConfig a;
      a.api_key = k;
      a.key_type = KeyType::kEd25519;
      a.ed25519_pem_path = "/nonexistent/key.pem";
      a.futures_wallet_raw = money("10000");
      a.default_leverage = 10;
      a.hedge_mode = std::string(k) == "H";
      ASSERT_TRUE(ex.add_account(a).ok());
    }
    ex.add_listener(&rec);
  }
  void set_top(std::string_view b, std::string_view bq, std::string_view a, std::string_view aq, UnixNanos t = kT0) {
    ex.set_market_top(kF, "BTCUSDT", top(b, bq, a, aq), t);
  }
  OrderResult place(const std::string& key, NewOrderRequest r, UnixNanos t = kT0) {
    return ex.new_order(key, kF, r, t);
  }
  int64_t wallet(const std::string& key) { return ex.find_account(key)->futures_wallet_raw; }
  PositionSnapshot pos(const std::string& key, PositionSide ps = PositionSide::kBoth) {
    for (const auto& p : ex.position_risk(key, "BTCUSDT"))
      if (p.position_side == ps) return p;
    ADD_FAILURE() << "no position row";
    return {};
  }

  Exchange ex;
  Recorder rec;
};

TEST(PositionMath, AveragesEntryAndRealizesExactly) {
  Position p;
  EXPECT_EQ(p.apply_fill(qty("0.3").raw, px("100")), 0);
  EXPECT_EQ(p.apply_fill(qty("0.1").raw, px("104")), 0);
  EXPECT_EQ(p.cost_raw, money("40.4"));                               // 30 + 10.4
  EXPECT_EQ(p.entry_price(), px("101"));                              // 40.4 / 0.4
  EXPECT_EQ(p.apply_fill(-qty("0.2").raw, px("110")), money("1.8"));  // 22 - 20.2
  EXPECT_EQ(p.apply_fill(-qty("0.2").raw, px("90")), money("-2.2"));  // 18 - 20.2
  EXPECT_EQ(p.amount_raw, 0);
  EXPECT_EQ(p.cost_raw, 0);
  EXPECT_EQ(p.realized_raw, money("-0.4"));
  // Short: sell 1 at 50, buy back 0.4 at 40: (50 - 40) * 0.4 = 4.
  Position s;
  s.apply_fill(-qty("1").raw, px("50"));
  EXPECT_EQ(s.apply_fill(qty("0.4").raw, px("40")), money("4"));
  EXPECT_EQ(s.unrealized(px("45")), money("3"));  // 0.6 * (50 - 45)
  // A cost that does not divide: nothing is lost across partial closes.
  Position t;
  t.apply_fill(qty("3").raw, px("3.33333333"));  // cost 9.99999999
  int64_t before = t.cost_raw;
  t.apply_fill(-qty("1").raw, px("3.33333333"));
  int64_t closed = before - t.cost_raw;
  EXPECT_EQ(closed, money("3.33333333"));
  EXPECT_EQ(t.cost_raw + closed, before);
}

TEST_F(FuturesExchangeTest, OpenThenPartlyCloseMovesWalletByFeesAndRealizedPnl) {
  set_top("30000.0", "5", "30000.1", "5");
  OrderResult open = place("F", market_order(OrderSide::kBuy, "0.1"));
  ASSERT_TRUE(open.ok()) << open.error.msg;
  ASSERT_EQ(open.fills.size(), 1u);
  EXPECT_EQ(open.fills[0].price, px("30000.1"));
  EXPECT_EQ(open.fills[0].commission_raw, money("1.500005"));  // 3000.01 * 0.05%
  EXPECT_EQ(open.fills[0].commission_asset, "USDT");
  EXPECT_EQ(wallet("F"), money("9998.499995"));
  PositionSnapshot p = pos("F");
  EXPECT_EQ(p.amount, qty("0.1"));
  EXPECT_EQ(p.entry_price, px("30000.1"));
  EXPECT_EQ(p.mark_price, px("30000.0"));  // mid 30000.05 rounded down to the tick
  EXPECT_EQ(p.unrealized_pnl_raw, money("-0.01"));
  EXPECT_EQ(p.leverage, 10);

  set_top("31000.0", "5", "31000.1", "5", kT0 + kNsPerSec);
  OrderResult close = place("F", market_order(OrderSide::kSell, "0.05"), kT0 + kNsPerSec);
  ASSERT_TRUE(close.ok()) << close.error.msg;
  // Realized: 0.05 * 31000 - 0.05 * 30000.1 = 1550 - 1500.005; fee 1550 * 0.05% = 0.775.
  EXPECT_EQ(close.fills[0].realized_pnl_raw, money("49.995"));
  EXPECT_EQ(close.fills[0].commission_raw, money("0.775"));
  EXPECT_EQ(wallet("F"), money("10047.719995"));
  p = pos("F");
  EXPECT_EQ(p.amount, qty("0.05"));
  EXPECT_EQ(p.entry_price, px("30000.1"));
  EXPECT_EQ(p.realized_pnl_raw, money("49.995"));
  EXPECT_EQ(p.unrealized_pnl_raw, money("49.995"));  // 1550 - 1500.005 at mark 31000
  FuturesAccountView v = ex.futures_account("F");
  EXPECT_EQ(v.unrealized_raw, money("49.995"));
  EXPECT_EQ(v.position_margin_raw, money("155"));  // 0.05 * 31000 / 10
  EXPECT_EQ(v.available_raw, money("9942.714995"));
  // Events: balance (wallet) and position after each fill.
  ASSERT_FALSE(rec.positions.empty());
  EXPECT_EQ(rec.positions.back().position.amount, qty("0.05"));
  EXPECT_EQ(rec.balances.back().free_raw, money("10047.719995"));
  EXPECT_EQ(rec.balances.back().change_raw, 0);  // "bc" leaves out PnL and commission
  EXPECT_EQ(rec.balances.back().reason, "ORDER");
}

TEST_F(FuturesExchangeTest, FundingSettlesAtEachBoundaryAtTheMarkPrice) {
  set_top("30000.0", "5", "30000.1", "5");
  ASSERT_TRUE(place("F", market_order(OrderSide::kBuy, "0.05")).ok());   // fee 1500.005 * 0.05%
  ASSERT_TRUE(place("G", market_order(OrderSide::kSell, "0.05")).ok());  // fee 1500 * 0.05%
  EXPECT_EQ(wallet("F"), money("9999.2499975"));
  EXPECT_EQ(wallet("G"), money("9999.25"));
  ex.set_mark_price("BTCUSDT", px("31000.0"), px("30990.0"), money("0.0001"), 0, kT0 + 1);
  ASSERT_TRUE(ex.mark_price("BTCUSDT").has_value());
  EXPECT_EQ(ex.mark_price("BTCUSDT")->next_funding_time, k8h);

  ex.advance_time(k8h - 1);
  EXPECT_TRUE(rec.fundings.empty());
  ex.advance_time(k8h);
  // 0.05 * 31000 * 0.0001 = 0.155: the long pays, the short receives.
  ASSERT_EQ(rec.fundings.size(), 2u);
  EXPECT_EQ(wallet("F"), money("9999.0949975"));
  EXPECT_EQ(wallet("G"), money("9999.405"));
  EXPECT_EQ(rec.fundings[0].ts, k8h);
  EXPECT_EQ(rec.balances.back().reason, "FUNDING_FEE");
  EXPECT_EQ(rec.balances.back().change_raw, money("0.155"));  // G's, the last settled
  ex.advance_time(k8h + 1);
  EXPECT_EQ(rec.fundings.size(), 2u);  // each boundary once
  EXPECT_EQ(ex.mark_price("BTCUSDT")->next_funding_time, 2 * k8h);

  // A negative rate pays the longs: 0.05 * 31000 * 0.0002 = 0.31.
  ex.set_mark_price("BTCUSDT", px("31000.0"), px("30990.0"), money("-0.0002"), 0, k8h + 2);
  ex.advance_time(2 * k8h);
  EXPECT_EQ(wallet("F"), money("9999.4049975"));
  EXPECT_EQ(wallet("G"), money("9999.095"));
}

TEST_F(FuturesExchangeTest, GtxThatWouldCrossIsRejectedWithMinus5022) {
  set_top("30000.0", "5", "30000.1", "5");
  OrderResult r = place("F", limit(OrderSide::kBuy, "30000.1", "0.1", TimeInForce::kGtx));
  EXPECT_EQ(r.error.code, -5022);
  EXPECT_TRUE(rec.orders.empty());
  OrderResult ok = place("F", limit(OrderSide::kBuy, "30000.0", "0.1", TimeInForce::kGtx));
  ASSERT_TRUE(ok.ok()) << ok.error.msg;
  EXPECT_EQ(ok.order.status, OrderStatus::kNew);
  EXPECT_EQ(ok.order.resp_type, OrderRespType::kAck);  // futures default
  NewOrderRequest full = limit(OrderSide::kBuy, "29000.0", "0.1");
  full.new_order_resp_type = OrderRespType::kFull;
  EXPECT_EQ(place("F", full).error.code, -1136);
  full.new_order_resp_type = OrderRespType::kResult;
  EXPECT_EQ(place("F", full).order.resp_type, OrderRespType::kResult);
  // LIMIT_MAKER is a spot type.
  NewOrderRequest lm = limit(OrderSide::kBuy, "29000.0", "0.1");
  lm.type = OrderType::kLimitMaker;
  lm.time_in_force.reset();
  EXPECT_EQ(place("F", lm).error.code, -1116);
}

TEST_F(FuturesExchangeTest, FokThatCannotFillIsRejectedWithMinus5021AndIocRemainderExpires) {
  set_top("30000.0", "0.1", "30000.1", "0.1");
  EXPECT_EQ(place("F", limit(OrderSide::kBuy, "30000.1", "0.2", TimeInForce::kFok)).error.code, -5021);
  OrderResult ioc = place("F", limit(OrderSide::kBuy, "30000.1", "0.2", TimeInForce::kIoc));
  ASSERT_TRUE(ioc.ok());
  EXPECT_EQ(ioc.order.status, OrderStatus::kExpired);
  EXPECT_EQ(ioc.order.executed_qty, qty("0.1"));
  EXPECT_EQ(ioc.order.avg_price, px("30000.1"));
}

TEST_F(FuturesExchangeTest, ReduceOnlyMayOnlyReduceAndExpiresWhenThePositionIsGone) {
  set_top("30000.0", "5", "30000.1", "5");
  NewOrderRequest ro = market_order(OrderSide::kSell, "0.01");
  ro.reduce_only = true;
  OrderResult none = place("F", ro);
  EXPECT_EQ(none.error.code, -2022);
  EXPECT_EQ(none.error.msg, "ReduceOnly Order is rejected.");
  ASSERT_TRUE(place("F", market_order(OrderSide::kBuy, "0.1")).ok());
  NewOrderRequest up = market_order(OrderSide::kBuy, "0.01");
  up.reduce_only = true;
  EXPECT_EQ(place("F", up).error.code, -2022);  // would increase the long
  NewOrderRequest too_big = market_order(OrderSide::kSell, "0.2");
  too_big.reduce_only = true;
  EXPECT_EQ(place("F", too_big).error.code, -2022);
  NewOrderRequest rest = limit(OrderSide::kSell, "31000.0", "0.05");
  rest.reduce_only = true;
  OrderResult r = place("F", rest);
  ASSERT_TRUE(r.ok()) << r.error.msg;
  // Closing the whole position elsewhere leaves the reduce-only order nothing to reduce.
  ASSERT_TRUE(place("F", market_order(OrderSide::kSell, "0.1")).ok());
  EXPECT_EQ(pos("F").amount.raw, 0);
  EXPECT_EQ(rec.exec_types(r.order.order_id), (std::vector<ExecType>{ExecType::kNew, ExecType::kExpired}));
}

TEST_F(FuturesExchangeTest, TwoRestingClosesCannotOverCloseAHedgePosition) {
  set_top("30000.0", "5", "30000.1", "5");
  NewOrderRequest open = market_order(OrderSide::kBuy, "0.1");
  open.position_side = PositionSide::kLong;
  ASSERT_TRUE(place("H", open).ok());
  NewOrderRequest close1 = limit(OrderSide::kSell, "31000.0", "0.1");
  close1.position_side = PositionSide::kLong;
  OrderResult c1 = place("H", close1);
  ASSERT_TRUE(c1.ok()) << c1.error.msg;
  close1.price = px("31001.0");
  OrderResult c2 = place("H", close1);
  ASSERT_TRUE(c2.ok()) << c2.error.msg;
  // The bid jumps through both: the first closes the long, the second has nothing left to close.
  set_top("31005.0", "5", "31005.1", "5", kT0 + 1);
  EXPECT_EQ(pos("H", PositionSide::kLong).amount.raw, 0);
  EXPECT_EQ(rec.exec_types(c2.order.order_id), (std::vector<ExecType>{ExecType::kNew, ExecType::kExpired}));
  EXPECT_EQ(rec.exec_types(c1.order.order_id), (std::vector<ExecType>{ExecType::kNew, ExecType::kTrade}));
}

TEST_F(FuturesExchangeTest, InsufficientMarginIsMinus2019AndLeverageChangesIt) {
  set_top("30000.0", "5", "30000.1", "5");
  LeverageResult l1 = ex.set_leverage("F", "BTCUSDT", 1, kT0);
  ASSERT_TRUE(l1.error.ok());
  EXPECT_EQ(l1.leverage, 1);
  // 0.4 * 29000 = 11600 at 1x > 10000.
  OrderResult r = place("F", limit(OrderSide::kBuy, "29000.0", "0.4"));
  EXPECT_EQ(r.error.code, -2019);
  EXPECT_EQ(r.error.msg, "Margin is insufficient.");
  ASSERT_TRUE(ex.set_leverage("F", "BTCUSDT", 2, kT0).error.ok());
  ASSERT_TRUE(place("F", limit(OrderSide::kBuy, "29000.0", "0.4")).ok());  // 5800
  // Open orders hold margin: another 0.3 (4350) makes 10150 > 10000.
  EXPECT_EQ(place("F", limit(OrderSide::kBuy, "29000.0", "0.3")).error.code, -2019);
  EXPECT_EQ(ex.futures_account("F").open_order_margin_raw, money("5800"));
  EXPECT_EQ(ex.set_leverage("F", "BTCUSDT", 0, kT0).error.code, -4028);
  EXPECT_EQ(ex.set_leverage("F", "BTCUSDT", 126, kT0).error.code, -4028);
  EXPECT_EQ(ex.set_leverage("F", "ETHUSDT", 5, kT0).error.code, -1121);
}

TEST_F(FuturesExchangeTest, AFillLargerThanThePositionFlipsIt) {
  set_top("30000.0", "5", "30000.1", "5");
  ASSERT_TRUE(place("F", market_order(OrderSide::kBuy, "0.1")).ok());
  OrderResult flip = place("F", market_order(OrderSide::kSell, "0.3"));
  ASSERT_TRUE(flip.ok()) << flip.error.msg;
  EXPECT_EQ(flip.fills[0].realized_pnl_raw, money("-0.01"));  // 3000.0 - 3000.01
  PositionSnapshot p = pos("F");
  EXPECT_EQ(p.amount, qty("-0.2"));
  EXPECT_EQ(p.entry_price, px("30000.0"));
  EXPECT_EQ(p.cost_raw, money("6000"));
}

TEST_F(FuturesExchangeTest, RestingOrderFillsAsMakerWithTheMakerRate) {
  set_top("30000.0", "5", "30000.1", "5");
  OrderResult r = place("F", limit(OrderSide::kBuy, "29990.0", "0.1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.order.status, OrderStatus::kNew);
  set_top("29980.0", "1", "29989.9", "1", kT0 + 1);
  ASSERT_TRUE(rec.orders.back().fill.has_value());
  EXPECT_TRUE(rec.orders.back().fill->is_maker);
  EXPECT_EQ(rec.orders.back().fill->price, px("29990.0"));
  EXPECT_EQ(rec.orders.back().fill->commission_raw, money("0.5998"));  // 2999 * 0.02%
  EXPECT_EQ(wallet("F"), money("9999.4002"));
  EXPECT_EQ(pos("F").entry_price, px("29990.0"));
}

TEST_F(FuturesExchangeTest, HedgeModeKeepsLongAndShortApart) {
  set_top("30000.0", "5", "30000.1", "5");
  EXPECT_EQ(place("H", market_order(OrderSide::kBuy, "0.1")).error.code, -4061);  // BOTH in hedge mode
  NewOrderRequest long_open = market_order(OrderSide::kBuy, "0.1");
  long_open.position_side = PositionSide::kLong;
  ASSERT_TRUE(place("H", long_open).ok());
  NewOrderRequest short_open = market_order(OrderSide::kSell, "0.1");
  short_open.position_side = PositionSide::kShort;
  ASSERT_TRUE(place("H", short_open).ok());
  EXPECT_EQ(pos("H", PositionSide::kLong).amount, qty("0.1"));
  EXPECT_EQ(pos("H", PositionSide::kShort).amount, qty("-0.1"));
  NewOrderRequest long_close = market_order(OrderSide::kSell, "0.05");
  long_close.position_side = PositionSide::kLong;
  OrderResult c = place("H", long_close);
  ASSERT_TRUE(c.ok()) << c.error.msg;
  EXPECT_EQ(c.fills[0].realized_pnl_raw, money("-0.005"));  // 0.05 * (30000.0 - 30000.1)
  EXPECT_EQ(pos("H", PositionSide::kLong).amount, qty("0.05"));
  EXPECT_EQ(pos("H", PositionSide::kShort).amount, qty("-0.1"));
  long_close.quantity = qty("0.06");  // more than the long holds
  EXPECT_EQ(place("H", long_close).error.code, -2022);
  NewOrderRequest ro = long_close;
  ro.reduce_only = true;
  EXPECT_EQ(place("H", ro).error.code, -1106);
  EXPECT_EQ(ex.set_position_mode("H", false).code, -4068);
  EXPECT_EQ(ex.set_position_mode("F", false).code, -4059);
  ASSERT_TRUE(ex.set_position_mode("F", true).ok());
  // One-way account in the same book: a BOTH position and a hedge account trade with each other.
  EXPECT_EQ(ex.position_risk("H", "").size(), 2u);
}

TEST_F(FuturesExchangeTest, AccountsCrossEachOtherAndTheMinimumNotionalIsMinus4164) {
  set_top("29000.0", "5", "31000.0", "5");
  ASSERT_TRUE(place("F", limit(OrderSide::kSell, "30000.0", "0.1")).ok());
  OrderResult b = place("G", limit(OrderSide::kBuy, "30000.0", "0.1"));
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b.fills.size(), 1u);
  EXPECT_FALSE(b.fills[0].is_maker);
  EXPECT_EQ(pos("F").amount, qty("-0.1"));
  EXPECT_EQ(pos("G").amount, qty("0.1"));
  EXPECT_EQ(b.fills[0].trade_id, 1);
  // 0.0001 is below the step; 0.001 * 3000 = 3 < 5.
  EXPECT_EQ(place("G", limit(OrderSide::kBuy, "3000.0", "0.0001")).error.code, -1111);
  OrderResult small = place("G", limit(OrderSide::kBuy, "3000.0", "0.001"));
  EXPECT_EQ(small.error.code, -4164);
  EXPECT_EQ(small.error.msg, "Order's notional must be no smaller than 5 (unless you choose reduce only).");
  EXPECT_EQ(place("G", limit(OrderSide::kBuy, "3000.05", "0.01")).error.code, -4014);  // within precision, off the tick
  EXPECT_EQ(place("G", limit(OrderSide::kBuy, "3000.001", "0.01")).error.code, -1111);  // beyond pricePrecision
}

TEST_F(FuturesExchangeTest, ACancelOnAClosedSymbolIsMinus4141AndNewOrdersNeedTrading) {
  set_top("30000.0", "5", "30000.1", "5");
  OrderResult r = place("F", limit(OrderSide::kBuy, "29000.0", "0.1"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(ex.set_symbol_status(kF, "BTCUSDT", SymbolStatus::kSettling).ok());
  EXPECT_EQ(place("F", limit(OrderSide::kBuy, "29000.0", "0.1")).error.code, -4140);
  ASSERT_TRUE(ex.set_symbol_status(kF, "BTCUSDT", SymbolStatus::kClose).ok());
  OrderRef ref;
  ref.order_id = r.order.order_id;
  EXPECT_EQ(ex.cancel_order("F", kF, "BTCUSDT", ref, std::nullopt, kT0).error.code, -4141);
  ASSERT_EQ(ex.open_orders("F", kF, "BTCUSDT").size(), 1u);
  // Futures cancels keep the order's client id (no cancel id as on spot).
  ASSERT_TRUE(ex.set_symbol_status(kF, "BTCUSDT", SymbolStatus::kTrading).ok());
  OrderResult c = ex.cancel_order("F", kF, "BTCUSDT", ref, std::nullopt, kT0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.order.client_order_id, r.order.client_order_id);
  EXPECT_TRUE(c.order.orig_client_order_id.empty());
  // Futures cancel-all with nothing open is fine (spot answers -2011).
  EXPECT_TRUE(ex.cancel_open_orders("F", kF, "BTCUSDT", kT0).error.ok());
}

}  // namespace
}  // namespace dmabot::binance_sim
