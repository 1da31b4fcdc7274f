// Tests of tools/binance_instruments.h without a network: resolution of explicit SYMBOLS and
// SYMBOLS=auto, overrides, refresh, and the keys — on the exchangeInfo fixtures in
// tests/data/binance/ (values read off their text: spot BTCUSDT tick 0.01, step 0.00001, NOTIONAL 5;
// BNBBTC CANCEL_ONLY; 币安人生USDT; USD-M BLZUSDT tick 0.0001, step 1, MIN_NOTIONAL 5.0; BTCUSDT tick
// 0.10, step 0.001, minPrice 556.80, MIN_NOTIONAL 100; ETHUSDT_260626 CURRENT_QUARTER PENDING_TRADING).
#include "tools/binance_instruments.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "tests/common/test_data.h"
#include "tools/engine_config.h"

namespace dmabot::tools {
namespace {

using binance::ContractType;
using binance::ExchangeInfo;
using binance::Product;
using binance::SymbolStatus;
using core::kScale;

ExchangeInfo load(const std::string& name, Product product) {
  std::ifstream in(testdata::source_dir() + "/tests/data/binance/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ExchangeInfo info;
  const absl::Status st = binance::parse_exchange_info(ss.str(), product, info);
  EXPECT_TRUE(st.ok()) << st.message();
  return info;
}
ExchangeInfo spot() { return load("exchange_info_spot.json", Product::kSpot); }
ExchangeInfo usdm() { return load("exchange_info_usdm.json", Product::kUsdmFutures); }

binance::InstrumentSpec& spec(ExchangeInfo& info, std::string_view symbol) {
  for (auto& s : info.symbols)
    if (s.symbol == symbol) return s;
  ADD_FAILURE() << "no " << symbol;
  static binance::InstrumentSpec none;
  return none;
}

InstrumentRules explicit_rules(std::vector<std::string> symbols, int64_t order_usd = 20) {
  InstrumentRules r;
  r.symbols = std::move(symbols);
  r.order_notional_raw = order_usd * kScale;
  r.order_size_key = "DYNMM_BASE_SIZE_USD";
  return r;
}

InstrumentRules auto_rules(std::vector<std::string> quotes, int64_t order_usd = 20) {
  InstrumentRules r = explicit_rules({}, order_usd);
  r.auto_symbols = true;
  r.quote_assets = std::move(quotes);
  return r;
}

std::vector<std::string> names(const InstrumentSet& s) {
  std::vector<std::string> out;
  for (const auto& i : s.instruments) out.push_back(i.info.name);
  return out;
}

std::string error_of(const absl::StatusOr<InstrumentSet>& s) {
  return s.ok() ? "(ok)" : std::string(s.status().message());
}

// ---- explicit SYMBOLS -------------------------------------------------------------------------

TEST(BinanceInstruments, ExplicitSpotSymbolTakesTheExchangesFilters) {
  auto set = resolve_instruments(spot(), explicit_rules({"BTCUSDT"}));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->instruments.size(), 1u);
  const auto& i = set->instruments[0].info;
  EXPECT_EQ(i.name, "BTCUSDT");
  EXPECT_EQ(i.tick.raw, 1'000'000);           // 0.01
  EXPECT_EQ(i.step.raw, 1'000);               // 0.00001
  EXPECT_EQ(i.min_qty.raw, 1'000);            // minQty 0.00001
  EXPECT_EQ(i.min_notional_raw, 5 * kScale);  // NOTIONAL minNotional 5
  EXPECT_EQ(set->instruments[0].spec.symbol, "BTCUSDT");
  EXPECT_EQ(set->product, Product::kSpot);
  EXPECT_FALSE(set->rate_limits.empty());
  EXPECT_TRUE(set->notes.empty());
}

TEST(BinanceInstruments, ExplicitSymbolsKeepTheirOrderAndOlderMinNotionalFilterCounts) {
  InstrumentRules r = explicit_rules({"ETHBTC"}, 0);  // no order-size check (ETHBTC is quoted in BTC)
  auto set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->instruments[0].info.tick.raw, 100);                  // 0.00000100
  EXPECT_EQ(set->instruments[0].info.step.raw, 100'000);              // 0.001
  EXPECT_EQ(set->instruments[0].info.min_notional_raw, 10 * kScale);  // its filter's minNotional 10
}

TEST(BinanceInstruments, UnknownSymbolIsAnErrorNamingIt) {
  EXPECT_EQ(error_of(resolve_instruments(spot(), explicit_rules({"BTCUSDT", "NOPEUSDT"}))),
            "SYMBOLS: NOPEUSDT is not listed by Binance spot (exchangeInfo)");
  EXPECT_EQ(error_of(resolve_instruments(usdm(), explicit_rules({"ETHBTC"}))),
            "SYMBOLS: ETHBTC is not listed by Binance USD-M (exchangeInfo)");
}

TEST(BinanceInstruments, CancelOnlyIsAnErrorUnlessSkipIsAsked) {
  InstrumentRules r = explicit_rules({"BTCUSDT", "BNBBTC"}, 0);
  EXPECT_EQ(error_of(resolve_instruments(spot(), r)),
            "SYMBOLS: BNBBTC is CANCEL_ONLY on Binance spot, not TRADING (SYMBOLS_NOT_TRADING=skip starts without it)");
  r.skip_not_trading = true;
  auto set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(names(*set), std::vector<std::string>{"BTCUSDT"});
  ASSERT_EQ(set->notes.size(), 1u);
  EXPECT_EQ(set->notes[0], "SYMBOLS: BNBBTC is CANCEL_ONLY, not TRADING: skipped (SYMBOLS_NOT_TRADING=skip)");
  // Nothing left to trade is still an error.
  r.symbols = {"BNBBTC"};
  EXPECT_EQ(error_of(resolve_instruments(spot(), r)), "SYMBOLS: none of the listed symbols is TRADING on Binance spot");
}

TEST(BinanceInstruments, FuturesNeedAPerpetualUnlessOtherContractTypesAreAllowed) {
  InstrumentRules r = explicit_rules({"ETHUSDT_260626"});
  EXPECT_EQ(error_of(resolve_instruments(usdm(), r)),
            "SYMBOLS: ETHUSDT_260626 is a CURRENT_QUARTER contract; FUTURES_CONTRACT_TYPES allows PERPETUAL");
  r.contract_types = {ContractType::kPerpetual, ContractType::kCurrentQuarter};
  // Allowed as a contract type, it is still PENDING_TRADING.
  EXPECT_EQ(error_of(resolve_instruments(usdm(), r)),
            "SYMBOLS: ETHUSDT_260626 is PENDING_TRADING on Binance USD-M, not TRADING (SYMBOLS_NOT_TRADING=skip starts "
            "without it)");
}

TEST(BinanceInstruments, MinNotionalAboveTheOrderSizeIsAnErrorForAnExplicitSymbol) {
  EXPECT_EQ(error_of(resolve_instruments(usdm(), explicit_rules({"BTCUSDT"}, 20))),
            "SYMBOLS: BTCUSDT minimum notional 100 exceeds the order size 20 (DYNMM_BASE_SIZE_USD): every order would "
            "be rejected");
  auto set = resolve_instruments(usdm(), explicit_rules({"BTCUSDT"}, 100));  // equal is enough
  ASSERT_TRUE(set.ok()) << set.status();
  const auto& i = set->instruments[0].info;
  EXPECT_EQ(i.tick.raw, 10'000'000);  // 0.10
  EXPECT_EQ(i.step.raw, 100'000);     // 0.001
  EXPECT_EQ(i.min_notional_raw, 100 * kScale);
  EXPECT_EQ(set->instruments[0].spec.contract_type, ContractType::kPerpetual);
}

TEST(BinanceInstruments, AGridTheEngineCannotReproduceIsAnError) {
  ExchangeInfo info = usdm();
  spec(info, "BTCUSDT").price.min_price = core::Price::from_raw(55'685'000'000);  // 556.85: off the 0.10 grid
  EXPECT_EQ(
      error_of(resolve_instruments(info, explicit_rules({"BTCUSDT"}, 100))),
      "SYMBOLS: BTCUSDT cannot be quantized by the engine: minPrice 556.85 is not a multiple of tickSize 0.1 (the "
      "engine's price grid is k * tick)");
  spec(info, "BLZUSDT").lot.step_size = core::Qty::from_raw(0);
  EXPECT_EQ(error_of(resolve_instruments(info, explicit_rules({"BLZUSDT"}))),
            "SYMBOLS: BLZUSDT cannot be quantized by the engine: no step size (LOT_SIZE stepSize 0)");
}

// ---- overrides --------------------------------------------------------------------------------

InstrumentRules with_override(std::string symbol, int64_t tick, int64_t step, int64_t min_notional) {
  InstrumentRules r = explicit_rules({symbol});
  core::InstrumentInfo o;
  o.name = symbol;
  r.tick_set = tick > 0;
  r.step_set = step > 0;
  r.min_notional_set = min_notional >= 0;
  if (tick > 0) o.tick = core::Price::from_raw(tick);
  if (step > 0) o.step = o.min_qty = core::Qty::from_raw(step);
  if (min_notional >= 0) o.min_notional_raw = min_notional;
  r.overrides = {o};
  return r;
}

TEST(BinanceInstruments, AnOverrideFinerThanTheExchangeIsAnErrorNamingKeyAndBothValues) {
  EXPECT_EQ(error_of(resolve_instruments(spot(), with_override("BTCUSDT", 100'000, 0, -1))),
            "TICK_SIZE: BTCUSDT 0.001 is finer than the exchange's tick 0.01 (exchangeInfo)");
  EXPECT_EQ(error_of(resolve_instruments(spot(), with_override("BTCUSDT", 1'500'000, 0, -1))),
            "TICK_SIZE: BTCUSDT 0.015 is not a multiple of the exchange's tick 0.01 (exchangeInfo)");
  EXPECT_EQ(error_of(resolve_instruments(spot(), with_override("BTCUSDT", 0, 100, -1))),
            "STEP_SIZE: BTCUSDT 0.000001 is finer than the exchange's step 0.00001 (exchangeInfo)");
  EXPECT_EQ(error_of(resolve_instruments(spot(), with_override("BTCUSDT", 0, 0, 1 * kScale))),
            "MIN_NOTIONAL: BTCUSDT 1 is below the exchange's minimum notional 5 (exchangeInfo)");
}

TEST(BinanceInstruments, ACoarserOverrideIsAllowedAndSaidSo) {
  auto set = resolve_instruments(spot(), with_override("BTCUSDT", 10'000'000, 100'000, 10 * kScale));
  ASSERT_TRUE(set.ok()) << set.status();
  const auto& i = set->instruments[0].info;
  EXPECT_EQ(i.tick.raw, 10'000'000);  // 0.1
  EXPECT_EQ(i.step.raw, 100'000);     // 0.001
  EXPECT_EQ(i.min_qty.raw, 100'000);  // raised to one step
  EXPECT_EQ(i.min_notional_raw, 10 * kScale);
  ASSERT_EQ(set->notes.size(), 3u);
  EXPECT_EQ(set->notes[0],
            "TICK_SIZE: BTCUSDT 0.1 is coarser than the exchange's tick 0.01; allowed (every order stays on its grid)");
  EXPECT_EQ(set->notes[2], "MIN_NOTIONAL: BTCUSDT 10 is above the exchange's minimum notional 5; allowed");
  // Equal values are no override worth a note.
  auto same = resolve_instruments(spot(), with_override("BTCUSDT", 1'000'000, 1'000, 5 * kScale));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->notes.empty());
}

TEST(BinanceInstruments, OverridesApplyPerSymbolInSymbolsOrder) {
  InstrumentRules r = explicit_rules({"BTCUSDT", "ETHBTC"}, 0);
  r.tick_set = true;
  core::InstrumentInfo a, b;
  a.tick = core::Price::from_raw(1'000'000);  // BTCUSDT: its own 0.01
  b.tick = core::Price::from_raw(10);         // ETHBTC: 0.0000001, finer than its 0.000001
  r.overrides = {a, b};
  EXPECT_EQ(error_of(resolve_instruments(spot(), r)),
            "TICK_SIZE: ETHBTC 0.0000001 is finer than the exchange's tick 0.000001 (exchangeInfo)");
}

// ---- SYMBOLS=auto -----------------------------------------------------------------------------

TEST(BinanceInstruments, AutoSpotPicksTradingSymbolsOfTheQuoteAssetsInOrder) {
  auto set = resolve_instruments(spot(), auto_rules({"USDT"}));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(names(*set), std::vector<std::string>{"BTCUSDT"});  // 币安人生USDT: not an engine symbol name
  ASSERT_EQ(set->notes.size(), 2u);
  EXPECT_EQ(set->notes[0], "SYMBOLS=auto: 2 TRADING spot symbols quoted in USDT, 1 eligible, 1 taken (MAX_SYMBOLS=10)");
  EXPECT_EQ(set->notes[1], "SYMBOLS=auto skipped 1 whose names are not ASCII letters and digits: 币安人生USDT");

  // The group's order decides; BNBBTC is CANCEL_ONLY and never picked.
  InstrumentRules r = auto_rules({"USDT", "BTC"}, 0);
  set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(names(*set), (std::vector<std::string>{"BTCUSDT", "ETHBTC"}));
  r.quote_assets = {"BTC", "USDT"};
  set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(names(*set), (std::vector<std::string>{"ETHBTC", "BTCUSDT"}));
  r.max_symbols = 1;
  set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(names(*set), std::vector<std::string>{"ETHBTC"});
}

TEST(BinanceInstruments, AutoSkipsSymbolsWhoseMinNotionalExceedsTheOrderSize) {
  // ETHBTC's minimum notional is 10 (BTC); an order size of 5 skips it.
  auto set = resolve_instruments(spot(), auto_rules({"USDT", "BTC"}, 5));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(names(*set), std::vector<std::string>{"BTCUSDT"});
  ASSERT_EQ(set->notes.size(), 3u);
  EXPECT_EQ(set->notes[1],
            "SYMBOLS=auto skipped 1 whose minimum notional exceeds the order size 5 (DYNMM_BASE_SIZE_USD): ETHBTC");
}

TEST(BinanceInstruments, AutoFuturesPicksPerpetualsThatTheOrderSizeAffords) {
  auto set = resolve_instruments(usdm(), auto_rules({"USDT"}, 20));
  ASSERT_TRUE(set.ok()) << set.status();
  // BTCUSDT needs 100; ETHUSDT_260626 is a quarterly (and PENDING_TRADING).
  EXPECT_EQ(names(*set), std::vector<std::string>{"BLZUSDT"});
  EXPECT_EQ(set->instruments[0].info.min_notional_raw, 5 * kScale);
  EXPECT_EQ(set->instruments[0].info.step.raw, kScale);  // 1
  EXPECT_EQ(set->notes[0],
            "SYMBOLS=auto: 2 TRADING USD-M symbols quoted in USDT (PERPETUAL), 1 eligible, 1 taken (MAX_SYMBOLS=10)");
  set = resolve_instruments(usdm(), auto_rules({"USDT"}, 100));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(names(*set), (std::vector<std::string>{"BLZUSDT", "BTCUSDT"}));  // exchangeInfo's order
}

TEST(BinanceInstruments, AutoSkipsWhatCannotBeQuantizedAndFailsWhenNothingIsLeft) {
  ExchangeInfo info = usdm();
  spec(info, "BLZUSDT").price.tick_size = core::Price::from_raw(0);
  auto set = resolve_instruments(info, auto_rules({"USDT"}, 100));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(names(*set), std::vector<std::string>{"BTCUSDT"});
  EXPECT_EQ(set->notes.back(), "SYMBOLS=auto skipped 1 that the engine cannot quantize: BLZUSDT");
  EXPECT_EQ(error_of(resolve_instruments(info, auto_rules({"USDC"}))),
            "SYMBOLS=auto: no TRADING Binance USD-M symbol quoted in USDC passes the rules (0 candidates; see "
            "QUOTE_ASSETS, ORDER_SIZE_USD)");
}

// ---- refresh ----------------------------------------------------------------------------------

TEST(BinanceInstruments, RefreshReportsAStatusChangeAndUpdatesTheSpec) {
  auto set = resolve_instruments(spot(), explicit_rules({"BTCUSDT"}));
  ASSERT_TRUE(set.ok());
  ExchangeInfo fresh = spot();
  EXPECT_TRUE(apply_refresh(fresh, explicit_rules({"BTCUSDT"}), *set).empty());  // nothing changed
  spec(fresh, "BTCUSDT").status = SymbolStatus::kCancelOnly;
  auto changes = apply_refresh(fresh, explicit_rules({"BTCUSDT"}), *set);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind, InstrumentChange::Kind::kStatus);
  EXPECT_EQ(changes[0].symbol, "BTCUSDT");
  EXPECT_EQ(changes[0].what, "BTCUSDT: status TRADING -> CANCEL_ONLY");
  EXPECT_FALSE(changes[0].tradable);
  EXPECT_EQ(set->instruments[0].spec.status, SymbolStatus::kCancelOnly);
  // And back.
  spec(fresh, "BTCUSDT").status = SymbolStatus::kTrading;
  changes = apply_refresh(fresh, explicit_rules({"BTCUSDT"}), *set);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].tradable);
}

TEST(BinanceInstruments, RefreshReportsNewFiltersAndAVanishedSymbol) {
  auto set = resolve_instruments(spot(), explicit_rules({"BTCUSDT", "ETHBTC"}, 0));
  ASSERT_TRUE(set.ok());
  ExchangeInfo fresh = spot();
  spec(fresh, "BTCUSDT").price.tick_size = core::Price::from_raw(10'000'000);  // 0.1
  fresh.symbols.erase(fresh.symbols.begin());                                  // ETHBTC delisted
  const auto changes = apply_refresh(fresh, explicit_rules({"BTCUSDT", "ETHBTC"}, 0), *set);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, InstrumentChange::Kind::kFilters);
  EXPECT_EQ(changes[0].what,
            "BTCUSDT: tick 0.01 -> 0.1, step 0.00001 -> 0.00001, min qty 0.00001 -> 0.00001, min "
            "notional 5 -> 5");
  EXPECT_TRUE(changes[0].tradable);
  EXPECT_EQ(changes[1].kind, InstrumentChange::Kind::kGone);
  EXPECT_EQ(changes[1].what, "ETHBTC: no longer listed by exchangeInfo");
  EXPECT_FALSE(changes[1].tradable);
  EXPECT_EQ(set->find("BTCUSDT")->info.tick.raw, 10'000'000);
}

TEST(BinanceInstruments, RefreshDropsAnOverrideTheExchangeNoLongerAllows) {
  const InstrumentRules r = with_override("BTCUSDT", 2'000'000, 0, -1);  // 0.02 over the exchange's 0.01
  auto set = resolve_instruments(spot(), r);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->instruments[0].info.tick.raw, 2'000'000);
  ExchangeInfo fresh = spot();
  spec(fresh, "BTCUSDT").price.tick_size = core::Price::from_raw(5'000'000);  // 0.05: 0.02 is now finer
  const auto changes = apply_refresh(fresh, r, *set);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, InstrumentChange::Kind::kOverride);
  EXPECT_EQ(changes[0].what,
            "BTCUSDT: TICK_SIZE: BTCUSDT 0.02 is finer than the exchange's tick 0.05 (exchangeInfo); the exchange's "
            "values apply");
  EXPECT_EQ(changes[1].kind, InstrumentChange::Kind::kFilters);
  EXPECT_EQ(set->instruments[0].info.tick.raw, 5'000'000);
}

// ---- keys -------------------------------------------------------------------------------------

absl::StatusOr<EngineConfig> engine_config(std::vector<std::string> sets) {
  auto cfg = core::Config::parse("", "t.env", sets, &core::Config::no_env);
  EXPECT_TRUE(cfg.ok());
  return EngineConfig::from_config(*cfg);
}

std::string config_error(std::vector<std::string> sets) {
  auto ec = engine_config(std::move(sets));
  return ec.ok() ? "(ok)" : std::string(ec.status().message());
}

TEST(BinanceInstrumentKeys, DefaultsAndOrderSizeFromTheStrategies) {
  auto ec = engine_config({"STRATEGIES=dynmm,mean_reversion,as", "DYNMM_BASE_SIZE_USD=30", "MR_ORDER_USD=12.5"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  const InstrumentRules& r = ec->instrument_rules;
  EXPECT_FALSE(r.auto_symbols);
  EXPECT_EQ(r.symbols, std::vector<std::string>{"BTCUSDT"});
  EXPECT_EQ(r.quote_assets, std::vector<std::string>{"USDT"});
  EXPECT_EQ(r.max_symbols, 10);
  EXPECT_EQ(r.contract_types, std::vector<ContractType>{ContractType::kPerpetual});
  EXPECT_FALSE(r.skip_not_trading);
  EXPECT_EQ(r.refresh_s, 300);
  EXPECT_EQ(r.order_notional_raw, 1'250'000'000);  // 12.5
  EXPECT_EQ(r.order_size_key, "MR_ORDER_USD");
  EXPECT_FALSE(r.tick_set || r.step_set || r.min_notional_set);
  EXPECT_TRUE(r.overrides.empty());

  ec = engine_config({"STRATEGIES=as", "ORDER_SIZE_USD=auto"});
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->instrument_rules.order_notional_raw, 0);  // as sizes in base units: no check
  ec = engine_config({"ORDER_SIZE_USD=250", "SYMBOLS_NOT_TRADING=skip", "FUTURES_CONTRACT_TYPES=PERPETUAL,NEXT_QUARTER",
                      "QUOTE_ASSETS=usdt,USDC,FDUSD"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_EQ(ec->instrument_rules.order_notional_raw, 250 * kScale);
  EXPECT_EQ(ec->instrument_rules.order_size_key, "ORDER_SIZE_USD");
  EXPECT_TRUE(ec->instrument_rules.skip_not_trading);
  EXPECT_EQ(ec->instrument_rules.contract_types,
            (std::vector<ContractType>{ContractType::kPerpetual, ContractType::kNextQuarter}));
  EXPECT_EQ(ec->instrument_rules.quote_assets, (std::vector<std::string>{"USDT", "USDC", "FDUSD"}));
}

TEST(BinanceInstrumentKeys, OverridesAreRecordedPerSymbol) {
  auto ec = engine_config({"SYMBOLS=BTCUSDT,ETHUSDT", "TICK_SIZE=0.01,0.02"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  const InstrumentRules& r = ec->instrument_rules;
  EXPECT_TRUE(r.tick_set);
  EXPECT_FALSE(r.step_set);
  ASSERT_EQ(r.overrides.size(), 2u);
  EXPECT_EQ(r.overrides[1].tick.raw, 2'000'000);
}

TEST(BinanceInstrumentKeys, AutoNeedsABinanceModeAndRefusesOverrides) {
  EXPECT_EQ(config_error({"SYMBOLS=auto"}),
            "SYMBOLS='auto' (--set): auto picks symbols from Binance's exchangeInfo: it needs FEED_MODE=binance or "
            "VENUE_MODE=binance_spot|binance_futures|binance");
  auto ec = engine_config({"SYMBOLS=auto", "FEED_MODE=binance", "QUOTE_ASSETS=USDT,USDC", "MAX_SYMBOLS=3"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_TRUE(ec->instrument_rules.auto_symbols);
  EXPECT_TRUE(ec->instruments.empty());
  EXPECT_EQ(ec->instrument_rules.max_symbols, 3);
  EXPECT_EQ(config_error({"SYMBOLS=auto", "FEED_MODE=binance", "TICK_SIZE=0.1"}),
            "TICK_SIZE='0.1' (--set): overrides need explicit SYMBOLS (with SYMBOLS=auto every symbol takes the "
            "exchange's values)");
  // A preset's per-symbol list gets the same message, not a count mismatch.
  EXPECT_EQ(config_error({"SYMBOLS=auto", "FEED_MODE=binance", "STEP_SIZE=0.00001,0.0001"}),
            "STEP_SIZE='0.00001,0.0001' (--set): overrides need explicit SYMBOLS (with SYMBOLS=auto every symbol takes "
            "the exchange's values)");
}

TEST(BinanceInstrumentKeys, BadValuesNameTheKey) {
  EXPECT_EQ(config_error({"FUTURES_CONTRACT_TYPES=FOREVER"}).rfind("FUTURES_CONTRACT_TYPES='FOREVER' (--set): ", 0),
            0u);
  EXPECT_EQ(config_error({"ORDER_SIZE_USD=-3"}).rfind("ORDER_SIZE_USD='-3' (--set): ", 0), 0u);
  EXPECT_EQ(config_error({"ORDER_SIZE_USD=0"}), "ORDER_SIZE_USD='0' (--set): must be greater than zero (or auto)");
  EXPECT_EQ(config_error({"QUOTE_ASSETS=USDT,usdt"}), "QUOTE_ASSETS='USDT,usdt' (--set): 'usdt' is listed twice");
  EXPECT_EQ(config_error({"SYMBOLS_NOT_TRADING=maybe"}).rfind("SYMBOLS_NOT_TRADING='maybe' (--set): ", 0), 0u);
}

// QUOTE_ASSET is another spelling of QUOTE_ASSETS: the same list and checks, its own name in errors; when
// both are set they must agree (empty = unset, as the preset listings have it).
TEST(BinanceInstrumentKeys, QuoteAssetIsAnotherNameForQuoteAssets) {
  auto ec = engine_config({"SYMBOLS=auto", "FEED_MODE=binance", "QUOTE_ASSET=fdusd,USDC"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_EQ(ec->instrument_rules.quote_assets, (std::vector<std::string>{"FDUSD", "USDC"}));
  EXPECT_EQ(config_error({"QUOTE_ASSET=USDT", "QUOTE_ASSETS=USDC"}),
            "QUOTE_ASSET='USDT' (--set): is another name for QUOTE_ASSETS, which says otherwise; set only one");
  EXPECT_EQ(config_error({"QUOTE_ASSET=USDC", "QUOTE_ASSETS=USDC"}), "(ok)") << "both, saying the same";
  ec = engine_config({"QUOTE_ASSET=", "QUOTE_ASSETS=USDC"});
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_EQ(ec->instrument_rules.quote_assets, (std::vector<std::string>{"USDC"})) << "empty = unset";
  EXPECT_EQ(config_error({"QUOTE_ASSET=USDT,usdt"}), "QUOTE_ASSET='USDT,usdt' (--set): 'usdt' is listed twice");
}

}  // namespace
}  // namespace dmabot::tools
