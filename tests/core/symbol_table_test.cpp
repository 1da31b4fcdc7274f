// Tests for core/symbol_table.h: case-insensitive interning, duplicates, rejected names, capacity.
#include "core/symbol_table.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "core/strings.h"

namespace dmabot::core {
namespace {

TEST(SymbolTable, AddAndFindCaseInsensitive) {
  SymbolTable t;
  EXPECT_EQ(t.find("BTCUSDT"), kNoSymbol);  // empty table
  const SymbolId btc = t.add("btcusdt");
  const SymbolId eth = t.add("EthUsdt");
  EXPECT_EQ(btc, 0);  // dense ids in insertion order
  EXPECT_EQ(eth, 1);
  EXPECT_EQ(t.name(btc), "BTCUSDT");  // stored upper case
  EXPECT_EQ(t.name(eth), "ETHUSDT");
  EXPECT_EQ(t.find("BTCUSDT"), btc);
  EXPECT_EQ(t.find("btcusdt"), btc);
  EXPECT_EQ(t.find("BtCuSdT"), btc);
  EXPECT_EQ(t.find("ethusdt"), eth);
  EXPECT_EQ(t.find("BTCUSD"), kNoSymbol);  // prefix is not a match
  EXPECT_EQ(t.find("BTCUSDTX"), kNoSymbol);
  EXPECT_EQ(t.find(""), kNoSymbol);
  EXPECT_EQ(t.size(), 2u);
}

TEST(SymbolTable, DuplicatesReturnTheExistingId) {
  SymbolTable t;
  const SymbolId a = t.add("SOLUSDT");
  EXPECT_EQ(t.add("solusdt"), a);
  EXPECT_EQ(t.add("SOLUSDT"), a);
  EXPECT_EQ(t.size(), 1u);
  // A duplicate added with instrument info does not overwrite the first registration.
  InstrumentInfo again;
  again.name = "SolUsdt";
  again.tick = Price::from_raw(1);
  EXPECT_EQ(t.add(again), a);
  EXPECT_EQ(t.info(a).tick, Price::from_raw(1'000'000));  // the default 0.01 kept
}

TEST(SymbolTable, RejectsEmptyAndSpacedNames) {
  SymbolTable t;
  EXPECT_EQ(t.add(""), kNoSymbol);
  EXPECT_EQ(t.add(" BTCUSDT"), kNoSymbol);
  EXPECT_EQ(t.add("BTCUSDT "), kNoSymbol);
  EXPECT_EQ(t.add("BTC USDT"), kNoSymbol);
  EXPECT_EQ(t.add("BTC\tUSDT"), kNoSymbol);
  EXPECT_EQ(t.size(), 0u);  // nothing half-added
  EXPECT_EQ(t.find(" BTCUSDT"), kNoSymbol);
}

TEST(SymbolTable, KeepsInstrumentInfo) {
  SymbolTable t;
  InstrumentInfo info;
  info.name = "ethusdt";
  info.tick = Price::from_raw(10'000'000);  // 0.1
  info.step = Qty::from_raw(100'000);       // 0.001
  info.min_notional_raw = 20 * kScale;
  const SymbolId id = t.add(info);
  ASSERT_NE(id, kNoSymbol);
  EXPECT_EQ(t.info(id).name, "ETHUSDT");
  EXPECT_EQ(t.info(id).tick.raw, 10'000'000);
  EXPECT_EQ(t.info(id).step.raw, 100'000);
  EXPECT_EQ(t.info(id).min_notional_raw, 2'000'000'000);
  t.mutable_info(id).tick = Price::from_raw(1'000'000);
  EXPECT_EQ(t.info(id).tick.raw, 1'000'000);
}

TEST(SymbolTable, FullTableRejectsNewNamesButFindsOldOnes) {
  SymbolTable t;
  for (std::size_t i = 0; i < SymbolTable::kMaxSymbols; ++i) {
    ASSERT_EQ(t.add(str_cat("S", i)), static_cast<SymbolId>(i));
  }
  EXPECT_EQ(t.add("ONEMORE"), kNoSymbol);
  EXPECT_EQ(t.size(), SymbolTable::kMaxSymbols);
  EXPECT_EQ(t.add("s5"), 5);  // existing names still resolve
  EXPECT_EQ(t.find("S1023"), 1023);
}

// The index behind find(): in a full table every name resolves to its own id in any letter case,
// names that differ by one character or only in length do not, and the probe ends on absent names.
TEST(SymbolTable, EveryNameOfAFullTableIsFoundInAnyCaseAndNoOtherName) {
  SymbolTable t;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < SymbolTable::kMaxSymbols; ++i) {
    names.push_back(str_cat(i % 2 == 0 ? "sym" : "SYM", i, "usdt"));
    ASSERT_EQ(t.add(names.back()), static_cast<SymbolId>(i));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string lower = names[i], upper = names[i];
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_EQ(t.find(lower), static_cast<SymbolId>(i)) << lower;
    ASSERT_EQ(t.find(upper), static_cast<SymbolId>(i)) << upper;
    ASSERT_EQ(t.find(str_cat(upper, "X")), kNoSymbol) << upper;
    ASSERT_EQ(t.find(upper.substr(0, upper.size() - 1)), kNoSymbol) << upper;
  }
  EXPECT_EQ(t.find(""), kNoSymbol);
  EXPECT_EQ(t.find("SYM1024USDT"), kNoSymbol);
  // A copy keeps its index.
  const SymbolTable copy = t;
  EXPECT_EQ(copy.find("sym777usdt"), 777);
}

TEST(SymbolTable, UsdmPrefixNamesTheProductAndKeepsTheExchangeName) {
  SymbolTable t;
  const SymbolId spot = t.add("btcusdt");
  const SymbolId um = t.add("um:btcusdt");
  ASSERT_NE(spot, kNoSymbol);
  ASSERT_NE(um, kNoSymbol);
  EXPECT_NE(spot, um);
  EXPECT_EQ(t.name(um), "UM:BTCUSDT");
  EXPECT_EQ(t.info(um).exchange_name, "BTCUSDT");
  EXPECT_EQ(t.info(um).product, Product::kUsdm);
  EXPECT_EQ(t.info(spot).exchange_name, "BTCUSDT");
  EXPECT_EQ(t.info(spot).product, Product::kSpot);
  EXPECT_EQ(t.find_exchange(Product::kUsdm, "btcusdt"), um);
  EXPECT_EQ(t.find_exchange(Product::kSpot, "BTCUSDT"), spot);
  // No USD-M instrument with that exchange name: the one named so (a bare-named table).
  EXPECT_EQ(t.find_exchange(Product::kUsdm, "ETHUSDT"), kNoSymbol);
  const SymbolId eth = t.add("ETHUSDT");
  EXPECT_EQ(t.find_exchange(Product::kUsdm, "ETHUSDT"), eth);
  EXPECT_EQ(t.add("UM:"), kNoSymbol);
  EXPECT_EQ(to_string(Product::kUsdm), "usdm");
}

}  // namespace
}  // namespace dmabot::core
