// The exchange's snapshots through the protocol core's response encoders: the JSON a client gets.
#include "tools/binance_sim/exchange_wire.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "gateway/binance/response_encoders.h"
#include "tests/tools/binance_sim/exchange_test_util.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

class ExchangeWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SymbolConfig s;
    s.name = "BTCUSDT";
    s.base_asset = "BTC";
    s.quote_asset = "USDT";
    ASSERT_TRUE(ex.add_symbol(s).ok());
    SymbolConfig f = s;
    f.product = Product::kUsdmFutures;
    f.tick_size = px("0.1");
    f.step_size = qty("0.001");
    f.min_qty = qty("0.001");
    ASSERT_TRUE(ex.add_symbol(f).ok());
    AccountConfig a;
    a.api_key = "K";
    a.hmac_secret = "s";
    a.spot_balances = {{"USDT", money("100000")}, {"BTC", money("1")}};
    a.futures_wallet_raw = money("10000");
    a.default_leverage = 10;
    ASSERT_TRUE(ex.add_account(a).ok());
  }
  simdjson::dom::element parse(const std::string& json) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
    return doc;
  }
  Exchange ex;
  simdjson::dom::parser parser;
};

TEST_F(ExchangeWireTest, SpotFullNewOrderCarriesTheFillsAndTheCommissionAsset) {
  ex.set_market_top(Product::kSpot, "BTCUSDT", top("59999.99", "1", "60000.00", "0.25"), 5 * kNsPerMs);
  NewOrderRequest r = limit(OrderSide::kBuy, "60000.00", "0.5");
  r.new_client_order_id = "wire-1";
  OrderResult res = ex.new_order("K", Product::kSpot, r, 7 * kNsPerMs);
  ASSERT_TRUE(res.ok());
  std::vector<binance::Fill> fills;
  for (const auto& f : res.fills) fills.push_back(to_wire_fill(f));
  std::string out;
  binance::encode_spot_new_order(to_wire(res.order), fills, res.order.resp_type, binance::DecimalStyle{}, out);
  auto doc = parse(out);
  EXPECT_EQ(doc["symbol"].get_string().value(), "BTCUSDT");
  EXPECT_EQ(doc["orderId"].get_int64().value(), 1);
  EXPECT_EQ(doc["clientOrderId"].get_string().value(), "wire-1");
  EXPECT_EQ(doc["transactTime"].get_int64().value(), 7);
  EXPECT_EQ(doc["status"].get_string().value(), "PARTIALLY_FILLED");
  EXPECT_EQ(doc["executedQty"].get_string().value(), "0.25000000");
  EXPECT_EQ(doc["cummulativeQuoteQty"].get_string().value(), "15000.00000000");
  EXPECT_EQ(doc["selfTradePreventionMode"].get_string().value(), "EXPIRE_MAKER");
  auto f0 = doc["fills"].at(0);
  EXPECT_EQ(f0["price"].get_string().value(), "60000.00000000");
  EXPECT_EQ(f0["commission"].get_string().value(), "0.00025000");
  EXPECT_EQ(f0["commissionAsset"].get_string().value(), "BTC");
  EXPECT_EQ(f0["tradeId"].get_int64().value(), 1);

  binance::SpotAccount acct;
  std::vector<binance::SpotAssetBalance> balances;
  spot_account_to_wire(*ex.find_account("K"), 9 * kNsPerMs, acct, balances);
  out.clear();
  binance::encode_spot_account(acct, balances, out);
  auto a = parse(out);
  EXPECT_EQ(a["makerCommission"].get_int64().value(), 10);  // 0.1% in basis points
  EXPECT_EQ(a["commissionRates"]["maker"].get_string().value(), "0.00100000");
  auto b0 = a["balances"].at(0);  // BTC first (asset order)
  EXPECT_EQ(b0["asset"].get_string().value(), "BTC");
  EXPECT_EQ(b0["free"].get_string().value(), "1.24975000");
  auto b1 = a["balances"].at(1);
  EXPECT_EQ(b1["locked"].get_string().value(), "15000.00000000");  // 0.25 still resting at 60000
}

TEST_F(ExchangeWireTest, FuturesPositionRiskAndAccount) {
  ex.set_market_top(Product::kUsdmFutures, "BTCUSDT", top("30000.0", "5", "30000.1", "5"), 1);
  ASSERT_TRUE(ex.new_order("K", Product::kUsdmFutures, market_order(OrderSide::kSell, "0.1"), 2).ok());
  std::vector<binance::FuturesPositionInfo> rows;
  for (const auto& p : ex.position_risk("K", "BTCUSDT")) rows.push_back(to_wire(p));
  std::string out;
  binance::DecimalStyle style{2, 3, 8};
  binance::encode_position_risk(rows, 2, style, out);
  auto doc = parse(out);
  auto p0 = doc.at(0);
  EXPECT_EQ(p0["symbol"].get_string().value(), "BTCUSDT");
  EXPECT_EQ(p0["positionAmt"].get_string().value(), "-0.100");
  EXPECT_EQ(p0["entryPrice"].get_string().value(), "30000.00");
  EXPECT_EQ(p0["markPrice"].get_string().value(), "30000.00000000");  // Binance prints the mark with 8
  EXPECT_EQ(p0["leverage"].get_string().value(), "10");
  EXPECT_EQ(p0["positionSide"].get_string().value(), "BOTH");

  binance::FuturesAccount acct;
  std::vector<binance::FuturesAssetBalance> assets;
  futures_account_to_wire(ex.futures_account("K"), 3, acct, assets);
  // Wallet 10000 - 3000 * 0.05% = 9998.5; position margin 3000 / 10 = 300.
  EXPECT_EQ(acct.total_wallet_balance, px("9998.5"));
  EXPECT_EQ(acct.total_position_initial_margin, px("300"));
  EXPECT_EQ(acct.available_balance, px("9698.5"));
  ASSERT_EQ(assets.size(), 1u);
  EXPECT_EQ(assets[0].asset.view(), "USDT");
}

TEST_F(ExchangeWireTest, OrderEventsBecomeExecutionReportsAndOrderTradeUpdates) {
  Recorder rec;
  ex.add_listener(&rec);
  ex.set_market_top(Product::kSpot, "BTCUSDT", top("59999.99", "1", "60000.00", "0.25"), 5 * kNsPerMs);
  ASSERT_TRUE(ex.new_order("K", Product::kSpot, limit(OrderSide::kBuy, "60000.00", "0.5"), 7 * kNsPerMs).ok());
  ASSERT_GE(rec.orders.size(), 2u);
  std::string out;
  binance::encode_execution_report(to_execution_report(rec.orders[1], 77), out);
  auto doc = parse(out);
  EXPECT_EQ(doc["e"].get_string().value(), "executionReport");
  EXPECT_EQ(doc["x"].get_string().value(), "TRADE");
  EXPECT_EQ(doc["X"].get_string().value(), "PARTIALLY_FILLED");
  EXPECT_EQ(doc["l"].get_string().value(), "0.25000000");
  EXPECT_EQ(doc["L"].get_string().value(), "60000.00000000");
  EXPECT_EQ(doc["n"].get_string().value(), "0.00025000");
  EXPECT_EQ(doc["N"].get_string().value(), "BTC");
  EXPECT_EQ(doc["t"].get_int64().value(), 1);
  EXPECT_EQ(doc["I"].get_int64().value(), 77);
  EXPECT_FALSE(doc["m"].get_bool().value());
  EXPECT_EQ(doc["E"].get_int64().value(), 7);

  ex.set_market_top(Product::kUsdmFutures, "BTCUSDT", top("30000.0", "5", "30000.1", "5"), 8 * kNsPerMs);
  ASSERT_TRUE(ex.new_order("K", Product::kUsdmFutures, market_order(OrderSide::kBuy, "0.1"), 9 * kNsPerMs).ok());
  const OrderEvent* trade = nullptr;
  for (const auto& e : rec.orders)
    if (e.order.product == Product::kUsdmFutures && e.exec_type == ExecType::kTrade) trade = &e;
  ASSERT_NE(trade, nullptr);
  out.clear();
  binance::encode_order_trade_update(to_order_trade_update(*trade), out);
  auto u = parse(out);
  EXPECT_EQ(u["e"].get_string().value(), "ORDER_TRADE_UPDATE");
  auto o = u["o"];
  EXPECT_EQ(o["x"].get_string().value(), "TRADE");
  EXPECT_EQ(o["X"].get_string().value(), "FILLED");
  EXPECT_EQ(o["N"].get_string().value(), "USDT");
  EXPECT_EQ(o["ps"].get_string().value(), "BOTH");
  ASSERT_FALSE(rec.positions.empty());
  binance::FuturesPosition pos = to_futures_position(rec.positions.back().position);
  EXPECT_EQ(pos.amount, qty("0.1"));
  EXPECT_EQ(pos.entry_price, px("30000.1"));
  binance::FuturesBalance bal = to_futures_balance(rec.balances.back());
  EXPECT_EQ(bal.wallet_balance.raw, money("9998.499995"));  // 10000 - 3000.01 * 0.05%
}

}  // namespace
}  // namespace dmabot::binance_sim
