// binance-sim's --ledger: every accepted/rejected request, state change, fill and funding as one JSON
// line, parsed back here; a failed write is counted, never silent.
#include "tools/binance_sim/ledger.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/tools/binance_sim/exchange_test_util.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

std::string temp_path(const char* name) {
  return std::string(::testing::TempDir()) + name + "_" + std::to_string(::getpid()) + ".jsonl";
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void make_exchange(Exchange& ex) {
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
  a.api_key = "key\"A";  // a quote in a string must come out escaped
  a.hmac_secret = "do-not-print-me";
  a.spot_balances = {{"USDT", money("100000")}, {"BTC", money("1")}};
  a.futures_wallet_raw = money("10000");
  ASSERT_TRUE(ex.add_account(a).ok());
}

TEST(Ledger, WritesOneParsableLinePerEventWithTheDocumentedFields) {
  std::string path = temp_path("ledger");
  std::remove(path.c_str());
  Ledger ledger;
  ASSERT_TRUE(ledger.open(path).ok());
  Exchange ex;
  make_exchange(ex);
  ex.add_listener(&ledger);
  const std::string key = "key\"A";
  ex.set_market_top(Product::kSpot, "BTCUSDT", top("59999.99", "1", "60000.00", "0.25"), 1000);
  NewOrderRequest r = limit(OrderSide::kBuy, "60000.00", "0.5");
  r.new_client_order_id = "cid-1";
  ASSERT_TRUE(ex.new_order(key, Product::kSpot, r, 2000).ok());  // accepted, fill 0.25, rests
  OrderRef ref;
  ref.order_id = 1;
  ASSERT_TRUE(ex.cancel_order(key, Product::kSpot, "BTCUSDT", ref, std::string("cxl-1"), 3000).ok());
  EXPECT_EQ(ex.new_order(key, Product::kSpot, limit(OrderSide::kBuy, "60000.00", "50"), 4000).error.code, -2010);
  // Futures: a position and a funding settlement.
  ex.set_market_top(Product::kUsdmFutures, "BTCUSDT", top("30000.0", "1", "30000.1", "1"), 5000);
  ASSERT_TRUE(ex.new_order(key, Product::kUsdmFutures, market_order(OrderSide::kBuy, "0.1"), 6000).ok());
  ex.advance_time(8LL * 3600 * kNsPerSec);

  auto lines = read_lines(path);
  EXPECT_EQ(ledger.write_errors(), 0u);
  EXPECT_EQ(ledger.lines_written(), lines.size());
  std::vector<std::string> types;
  simdjson::dom::parser parser;
  for (const auto& line : lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    std::string_view type;
    ASSERT_EQ(doc["type"].get(type), simdjson::SUCCESS);
    types.emplace_back(type);
    std::string_view account, symbol;
    ASSERT_EQ(doc["account"].get(account), simdjson::SUCCESS);
    EXPECT_EQ(account, key);
    ASSERT_EQ(doc["symbol"].get(symbol), simdjson::SUCCESS);
    EXPECT_EQ(symbol, "BTCUSDT");
    int64_t ts = 0;
    EXPECT_EQ(doc["ts"].get(ts), simdjson::SUCCESS);
    EXPECT_EQ(line.find("do-not-print-me"), std::string::npos);
    if (type == "fill" && types.size() == 2) {
      std::string_view side, cid, price, q, fee, fee_asset, product;
      int64_t order_id = 0, trade_id = 0;
      bool maker = true;
      ASSERT_EQ(doc["side"].get(side), simdjson::SUCCESS);
      ASSERT_EQ(doc["clientOrderId"].get(cid), simdjson::SUCCESS);
      ASSERT_EQ(doc["orderId"].get(order_id), simdjson::SUCCESS);
      ASSERT_EQ(doc["tradeId"].get(trade_id), simdjson::SUCCESS);
      ASSERT_EQ(doc["price"].get(price), simdjson::SUCCESS);
      ASSERT_EQ(doc["qty"].get(q), simdjson::SUCCESS);
      ASSERT_EQ(doc["fee"].get(fee), simdjson::SUCCESS);
      ASSERT_EQ(doc["feeAsset"].get(fee_asset), simdjson::SUCCESS);
      ASSERT_EQ(doc["maker"].get(maker), simdjson::SUCCESS);
      ASSERT_EQ(doc["product"].get(product), simdjson::SUCCESS);
      EXPECT_EQ(side, "BUY");
      EXPECT_EQ(cid, "cid-1");
      EXPECT_EQ(order_id, 1);
      EXPECT_EQ(trade_id, 1);
      EXPECT_EQ(price, "60000");
      EXPECT_EQ(q, "0.25");
      EXPECT_EQ(fee, "0.00025");
      EXPECT_EQ(fee_asset, "BTC");
      EXPECT_FALSE(maker);
      EXPECT_EQ(product, "spot");
      EXPECT_EQ(ts, 2000);
    }
    if (type == "order_rejected") {
      int64_t code = 0;
      std::string_view msg, request;
      ASSERT_EQ(doc["code"].get(code), simdjson::SUCCESS);
      ASSERT_EQ(doc["msg"].get(msg), simdjson::SUCCESS);
      ASSERT_EQ(doc["request"].get(request), simdjson::SUCCESS);
      EXPECT_EQ(code, -2010);
      EXPECT_EQ(msg, "Account has insufficient balance for requested action.");
      EXPECT_EQ(request, "order.new");
    }
    if (type == "order_state") {
      std::string_view status, cid, cancel_cid;
      ASSERT_EQ(doc["status"].get(status), simdjson::SUCCESS);
      ASSERT_EQ(doc["clientOrderId"].get(cid), simdjson::SUCCESS);
      ASSERT_EQ(doc["cancelClientOrderId"].get(cancel_cid), simdjson::SUCCESS);
      EXPECT_EQ(status, "CANCELED");
      EXPECT_EQ(cid, "cid-1");
      EXPECT_EQ(cancel_cid, "cxl-1");
    }
    if (type == "funding") {
      std::string_view amount, product;
      ASSERT_EQ(doc["amount"].get(amount), simdjson::SUCCESS);
      ASSERT_EQ(doc["product"].get(product), simdjson::SUCCESS);
      EXPECT_EQ(product, "usdm");
      // 0.1 * mark 30000.0 * 0.0001 paid by the long.
      EXPECT_EQ(amount, "-0.3");
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"order_accepted", "fill", "order_state", "order_rejected",
                                             "order_accepted", "fill", "funding"}));
  std::remove(path.c_str());
}

TEST(Ledger, AFailedWriteIsCountedAndReported) {
  Ledger ledger;
  ASSERT_TRUE(ledger.open("/dev/full").ok());
  Exchange ex;
  make_exchange(ex);
  ex.add_listener(&ledger);
  EXPECT_EQ(ex.new_order("key\"A", Product::kSpot, limit(OrderSide::kBuy, "1.00", "1", TimeInForce::kGtc, "NOPE"), 1)
                .error.code,
            -1121);
  ASSERT_TRUE(ex.new_order("key\"A", Product::kSpot, limit(OrderSide::kBuy, "50000.00", "0.1"), 2).ok());
  EXPECT_EQ(ledger.lines_written(), 0u);
  EXPECT_EQ(ledger.write_errors(), 2u);
  EXPECT_NE(ledger.last_error().find("/dev/full"), std::string::npos);
  EXPECT_NE(ledger.last_error().find("No space left on device"), std::string::npos);
}

TEST(Ledger, OpeningAnUnwritablePathNamesIt) {
  Ledger ledger;
  auto st = ledger.open("/nonexistent-dir/ledger.jsonl");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("/nonexistent-dir/ledger.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::binance_sim
