// tools/binance_reconcile.h: the account read as inventory, and the two-rounds drift rule.
#include "tools/binance_reconcile.h"

#include <gtest/gtest.h>

namespace dmabot::tools {
namespace {

binance::InstrumentSpec spec(const std::string& symbol, const std::string& base) {
  binance::InstrumentSpec s;
  s.symbol = symbol;
  s.base_asset = base;
  s.quote_asset = "USDT";
  return s;
}

TEST(BinanceReconcile, SpotInventoryIsTheBaseBalanceLessItsNeutralPart) {
  const binance::InstrumentSpec eth = spec("ETHUSDT", "ETH"), btc = spec("BTCUSDT", "BTC");
  const std::vector<const binance::InstrumentSpec*> symbols = {&eth, nullptr, &btc};
  std::vector<binance::SpotAssetBalance> balances(3);
  ASSERT_TRUE(balances[0].asset.assign("ETH"));
  balances[0].free = core::Qty::from_raw(300);
  balances[0].locked = core::Qty::from_raw(200);
  ASSERT_TRUE(balances[1].asset.assign("USDT"));
  balances[1].free = core::Qty::from_raw(999);
  ASSERT_TRUE(balances[2].asset.assign("BTC"));
  balances[2].free = core::Qty::from_raw(50);
  const std::vector<std::pair<std::string, int64_t>> neutral = {{"BTC", 80}};
  const std::vector<ExchangePosition> inv = spot_inventory(balances, symbols, neutral);
  ASSERT_EQ(inv.size(), 2u);
  EXPECT_EQ(inv[0].symbol, 0);
  EXPECT_EQ(inv[0].qty_raw, 500);  // free + locked
  EXPECT_EQ(inv[1].symbol, 2);
  EXPECT_EQ(inv[1].qty_raw, -30);  // below the neutral amount: short of it
  EXPECT_EQ(inv[1].entry_px_raw, 0);
}

// The wallet cannot tell two symbols' inventories apart when they share a base asset, or when one's base
// asset is another's quote asset: refused in one line naming both.
TEST(BinanceReconcile, SpotSymbolsTheWalletCannotSeparateAreRefused) {
  binance::InstrumentSpec eth = spec("ETHUSDT", "ETH"), btc = spec("BTCUSDT", "BTC"), ethfd = spec("ETHFDUSD", "ETH"),
                          ethbtc = spec("ETHBTC", "ETH");
  ethfd.quote_asset = "FDUSD";
  ethbtc.quote_asset = "BTC";
  EXPECT_TRUE(check_spot_assets(std::vector<const binance::InstrumentSpec*>{&eth, nullptr, &btc}).ok());
  const absl::Status shared = check_spot_assets(std::vector<const binance::InstrumentSpec*>{&eth, &ethfd});
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.message(),
            "SYMBOLS: ETHUSDT and ETHFDUSD share the base asset ETH; the spot wallet cannot tell their inventories "
            "apart: trade one of them per run");
  const absl::Status quote = check_spot_assets(std::vector<const binance::InstrumentSpec*>{&btc, nullptr, &ethbtc});
  ASSERT_FALSE(quote.ok());
  EXPECT_NE(std::string(quote.message()).find("BTCUSDT's base asset BTC is ETHBTC's quote asset"), std::string::npos)
      << quote.message();
}

TEST(BinanceReconcile, FuturesInventoryIsOneWayPositionRisk) {
  const binance::InstrumentSpec eth = spec("ETHUSDT", "ETH");
  const std::vector<const binance::InstrumentSpec*> symbols = {&eth};
  std::vector<binance::FuturesPositionInfo> rows(2);
  ASSERT_TRUE(rows[0].symbol.assign("BTCUSDT"));
  rows[0].position_amt = core::Qty::from_raw(7);
  ASSERT_TRUE(rows[1].symbol.assign("ETHUSDT"));
  rows[1].position_amt = core::Qty::from_raw(-4);
  rows[1].entry_price = core::Price::from_units(3000);
  std::vector<ExchangePosition> out;
  ASSERT_TRUE(futures_inventory(rows, symbols, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].qty_raw, -4);
  EXPECT_EQ(out[0].entry_px_raw, core::Price::from_units(3000).raw);
  rows[1].position_side = binance::PositionSide::kShort;  // hedge mode
  const absl::Status st = futures_inventory(rows, symbols, out);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("one-way mode only"), std::string_view::npos) << st;
}

TEST(BinanceReconcile, DriftIsTheSameDifferenceTwiceInARow) {
  DriftTracker t(2);
  EXPECT_FALSE(t.observe(0, 5));  // once: could be in flight
  EXPECT_FALSE(t.observe(0, 3));  // changed: still moving
  EXPECT_TRUE(t.observe(0, 3));   // the same twice: drift
  EXPECT_FALSE(t.observe(0, 3));  // acted on: starts afresh
  EXPECT_FALSE(t.observe(1, 0));
  EXPECT_FALSE(t.observe(1, 0));  // no difference is never drift
  EXPECT_FALSE(t.observe(1, 2));
  t.skip(1);  // the engine moved during the request
  EXPECT_FALSE(t.observe(1, 2));
  EXPECT_TRUE(t.observe(1, 2));
  EXPECT_FALSE(t.observe(5, 1));  // out of range
}

}  // namespace
}  // namespace dmabot::tools
