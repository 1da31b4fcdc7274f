// Tests of gateway/binance/instruments.h. Expected numbers are read off the fixture text by hand
// (tests/data/binance/exchange_info_*.json, built from Binance's docs examples) and written here as
// raw 1e-8 integers; the filter rules and error texts come from Binance's docs (spot filters.md /
// errors.md, USD-M "Common Definition" and "Error Codes" pages).
#include "gateway/binance/instruments.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/test_data.h"

namespace dmabot::binance {
namespace {

using core::Price;
using core::Qty;

std::string read_fixture(const std::string& name) {
  std::ifstream in(testdata::source_dir() + "/tests/data/binance/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Price px(int64_t raw) { return Price::from_raw(raw); }
Qty qt(int64_t raw) { return Qty::from_raw(raw); }

ExchangeInfo load(const std::string& name, Product product) {
  ExchangeInfo info;
  const absl::Status st = parse_exchange_info(read_fixture(name), product, info);
  EXPECT_TRUE(st.ok()) << st.message();
  return info;
}

const InstrumentSpec& must_find(const ExchangeInfo& info, std::string_view symbol) {
  const InstrumentSpec* s = info.find(symbol);
  if (s == nullptr) {
    ADD_FAILURE() << "no symbol " << symbol;
    static const InstrumentSpec kEmpty;
    return kEmpty;
  }
  return *s;
}

// ---- parsing the fixtures ---------------------------------------------------------------------

TEST(ExchangeInfoParse, SpotFixture) {
  const ExchangeInfo info = load("exchange_info_spot.json", Product::kSpot);
  EXPECT_EQ(info.timezone, "UTC");
  EXPECT_EQ(info.server_time_ms, 1565246363776);
  ASSERT_EQ(info.rate_limits.size(), 3u);
  EXPECT_EQ(info.rate_limits[0], (RateLimit{RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, 6000}));
  EXPECT_EQ(info.rate_limits[1], (RateLimit{RateLimitType::kOrders, RateLimitInterval::kSecond, 1, 10}));
  EXPECT_EQ(info.rate_limits[2], (RateLimit{RateLimitType::kRawRequests, RateLimitInterval::kMinute, 5, 61000}));
  ASSERT_EQ(info.exchange_filters.size(), 1u);
  EXPECT_EQ(info.exchange_filters[0], R"({"filterType":"EXCHANGE_MAX_NUM_ORDERS","maxNumOrders":1000})");
  ASSERT_EQ(info.symbols.size(), 4u);
  EXPECT_TRUE(info.skipped.empty());

  const InstrumentSpec& btc = must_find(info, "BTCUSDT");
  EXPECT_EQ(btc.product, Product::kSpot);
  EXPECT_EQ(btc.status, SymbolStatus::kTrading);
  EXPECT_EQ(btc.base_asset, "BTC");
  EXPECT_EQ(btc.quote_asset, "USDT");
  EXPECT_EQ(btc.price.min_price, px(1'000'000));            // "0.01000000"
  EXPECT_EQ(btc.price.max_price, px(100'000'000'000'000));  // "1000000.00000000"
  EXPECT_EQ(btc.price.tick_size, px(1'000'000));
  EXPECT_EQ(btc.lot.min_qty, qt(1'000));  // "0.00001000"
  EXPECT_EQ(btc.lot.max_qty, qt(900'000'000'000));
  EXPECT_EQ(btc.lot.step_size, qt(1'000));
  EXPECT_EQ(btc.market_lot.min_qty, qt(0));
  EXPECT_EQ(btc.market_lot.max_qty, qt(10'793'000'000));  // "107.93000000"
  EXPECT_EQ(btc.market_lot.step_size, qt(0));
  EXPECT_EQ(btc.notional.min_notional, px(500'000'000));
  EXPECT_TRUE(btc.notional.apply_min_to_market);
  EXPECT_EQ(btc.notional.max_notional, px(900'000'000'000'000));
  EXPECT_FALSE(btc.notional.apply_max_to_market);
  EXPECT_EQ(btc.notional.avg_price_mins, 5);
  EXPECT_EQ(btc.percent_price_by_side.bid_multiplier_up_e8, 500'000'000);
  EXPECT_EQ(btc.percent_price_by_side.bid_multiplier_down_e8, 20'000'000);
  EXPECT_EQ(btc.max_num_orders, 200);
  EXPECT_EQ(btc.max_num_algo_orders, 5);
  EXPECT_EQ(btc.iceberg_parts, 10);
  EXPECT_EQ(btc.trailing_delta.max_trailing_below_delta, 2000);
  EXPECT_TRUE(btc.has(FilterType::kNotional));
  EXPECT_FALSE(btc.has(FilterType::kMinNotional));
  EXPECT_EQ(btc.order_types.size(), 7u);
  EXPECT_TRUE(btc.allows(OrderType::kLimitMaker));
  EXPECT_FALSE(btc.allows(OrderType::kStopMarket));
  EXPECT_TRUE(btc.allows(TimeInForce::kIoc));
  EXPECT_FALSE(btc.allows(TimeInForce::kGtx));
  EXPECT_EQ(btc.default_stp_mode, "EXPIRE_MAKER");
  ASSERT_EQ(btc.permission_sets.size(), 1u);
  EXPECT_EQ(btc.permission_sets[0], (std::vector<std::string>{"SPOT", "MARGIN", "TRD_GRP_004", "TRD_GRP_005"}));
  EXPECT_EQ(btc.allowed_stp_modes.size(), 5u);
  EXPECT_TRUE(btc.cancel_replace_allowed);
  EXPECT_FALSE(btc.opo_allowed);

  const InstrumentSpec& eth = must_find(info, "ETHBTC");
  EXPECT_EQ(eth.percent_price_by_side.bid_multiplier_up_e8, 120'000'000);  // "1.2"
  EXPECT_EQ(eth.percent_price_by_side.ask_multiplier_up_e8, 500'000'000);  // "5"
  EXPECT_EQ(eth.percent_price_by_side.ask_multiplier_down_e8, 80'000'000);
  EXPECT_EQ(eth.percent_price_by_side.avg_price_mins, 1);
  EXPECT_EQ(eth.max_position, qt(1'000'000'000));
  EXPECT_EQ(eth.max_num_iceberg_orders, 5);
  EXPECT_EQ(eth.max_num_order_amends, 10);
  EXPECT_EQ(eth.max_num_order_lists, 20);
  EXPECT_EQ(eth.filter_order.size(), 13u);

  // UTF-8 symbol and the older MIN_NOTIONAL / PERCENT_PRICE filters.
  const InstrumentSpec& life = must_find(info, "\xE5\xB8\x81\xE5\xAE\x89\xE4\xBA\xBA\xE7\x94\x9FUSDT");
  EXPECT_EQ(life.base_asset, "\xE5\xB8\x81\xE5\xAE\x89\xE4\xBA\xBA\xE7\x94\x9F");
  EXPECT_EQ(life.min_notional.min_notional, px(100'000));  // "0.00100000"
  EXPECT_TRUE(life.min_notional.apply_to_market);
  EXPECT_EQ(life.percent_price.multiplier_up_e8, 130'000'000);
  EXPECT_EQ(life.percent_price.multiplier_down_e8, 70'000'000);
  EXPECT_EQ(life.percent_price.avg_price_mins, 5);

  EXPECT_EQ(must_find(info, "BNBBTC").status, SymbolStatus::kCancelOnly);
  EXPECT_EQ(info.find("NOPE"), nullptr);
}

TEST(ExchangeInfoParse, UsdmFixture) {
  const ExchangeInfo info = load("exchange_info_usdm.json", Product::kUsdmFutures);
  EXPECT_EQ(info.futures_type, "U_MARGINED");
  EXPECT_EQ(info.server_time_ms, 1565613908500);
  ASSERT_EQ(info.rate_limits.size(), 2u);
  EXPECT_EQ(info.rate_limits[1], (RateLimit{RateLimitType::kOrders, RateLimitInterval::kMinute, 1, 1200}));
  ASSERT_EQ(info.assets.size(), 3u);
  EXPECT_EQ(info.assets[0].asset, "BUSD");
  EXPECT_TRUE(info.assets[0].margin_available);
  EXPECT_EQ(info.assets[0].auto_asset_exchange_json, "0");
  EXPECT_EQ(info.assets[2].auto_asset_exchange_json, "null");
  ASSERT_EQ(info.symbols.size(), 3u);

  const InstrumentSpec& btc = must_find(info, "BTCUSDT");
  EXPECT_EQ(btc.product, Product::kUsdmFutures);
  EXPECT_EQ(btc.contract_type, ContractType::kPerpetual);
  EXPECT_EQ(btc.pair, "BTCUSDT");
  EXPECT_EQ(btc.margin_asset, "USDT");
  EXPECT_EQ(btc.delivery_date_ms, 4133404800000);
  EXPECT_EQ(btc.onboard_date_ms, 1569398400000);
  EXPECT_EQ(btc.price_precision, 2);
  EXPECT_EQ(btc.quantity_precision, 3);
  EXPECT_EQ(btc.price.min_price, px(55'680'000'000));  // "556.80"
  EXPECT_EQ(btc.price.max_price, px(452'976'400'000'000));
  EXPECT_EQ(btc.price.tick_size, px(10'000'000));  // "0.10"
  EXPECT_EQ(btc.lot.step_size, qt(100'000));       // "0.001"
  EXPECT_EQ(btc.lot.max_qty, qt(100'000'000'000));
  EXPECT_EQ(btc.market_lot.max_qty, qt(12'000'000'000));
  EXPECT_EQ(btc.min_notional.min_notional, px(10'000'000'000));  // MIN_NOTIONAL "notional": "100"
  EXPECT_EQ(btc.percent_price.multiplier_up_e8, 105'000'000);
  EXPECT_EQ(btc.percent_price.multiplier_down_e8, 95'000'000);
  EXPECT_EQ(btc.percent_price.multiplier_decimal, 4);  // sent as the string "4"
  EXPECT_EQ(btc.max_num_orders, 200);                  // MAX_NUM_ORDERS "limit"
  EXPECT_EQ(btc.max_num_algo_orders, 10);
  EXPECT_EQ(btc.time_in_force.size(), 5u);
  EXPECT_TRUE(btc.allows(TimeInForce::kGtx));
  EXPECT_FALSE(btc.allows(OrderType::kLimitMaker));
  EXPECT_EQ(btc.trigger_protect, "0.0500");
  EXPECT_EQ(btc.liquidation_fee, "0.012500");
  EXPECT_EQ(btc.market_take_bound, "0.05");
  EXPECT_EQ(btc.underlying_sub_type, (std::vector<std::string>{"PoW"}));

  const InstrumentSpec& blz = must_find(info, "BLZUSDT");
  EXPECT_EQ(blz.min_notional.min_notional, px(500'000'000));  // "5.0"
  EXPECT_EQ(blz.percent_price.multiplier_decimal, 4);         // sent as the number 4
  EXPECT_EQ(blz.maint_margin_percent, "2.5000");

  const InstrumentSpec& eth = must_find(info, "ETHUSDT_260626");
  EXPECT_EQ(eth.contract_type, ContractType::kCurrentQuarter);
  EXPECT_EQ(eth.status, SymbolStatus::kPendingTrading);
}

// ---- malformed input --------------------------------------------------------------------------

std::string spot_with_filter(std::string_view symbol, std::string_view filter_json) {
  std::string s = R"({"timezone":"UTC","serverTime":1,"rateLimits":[],"exchangeFilters":[],"symbols":[{"symbol":")";
  s += symbol;
  s += R"(","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","orderTypes":["LIMIT"],"filters":[)";
  s += filter_json;
  s += "]}]}";
  return s;
}

std::string parse_error(std::string_view json, Product product = Product::kSpot) {
  ExchangeInfo info;
  const absl::Status st = parse_exchange_info(json, product, info);
  EXPECT_FALSE(st.ok()) << json;
  return std::string(st.message());
}

TEST(ExchangeInfoParse, MissingFilterFieldNamesSymbolFilterAndField) {
  const std::string m =
      parse_error(spot_with_filter("BTCUSDT", R"({"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100"})"));
  EXPECT_EQ(m, R"(exchangeInfo symbol "BTCUSDT" filter PRICE_FILTER: field "tickSize": missing)");
}

TEST(ExchangeInfoParse, BadDecimalNamesTheValue) {
  const std::string m = parse_error(
      spot_with_filter("BTCUSDT", R"({"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"100","stepSize":"0.0x1"})"));
  EXPECT_NE(m.find(R"(symbol "BTCUSDT" filter LOT_SIZE: field "stepSize": bad decimal "0.0x1")"), std::string::npos)
      << m;
  const std::string nine = parse_error(spot_with_filter(
      "ETHBTC", R"({"filterType":"PRICE_FILTER","minPrice":"0.000000001","maxPrice":"1","tickSize":"0.1"})"));
  EXPECT_NE(nine.find(R"(symbol "ETHBTC" filter PRICE_FILTER: field "minPrice": bad decimal)"), std::string::npos)
      << nine;
  const std::string number = parse_error(
      spot_with_filter("ETHBTC", R"({"filterType":"PRICE_FILTER","minPrice":0.1,"maxPrice":"1","tickSize":"0.1"})"));
  EXPECT_NE(number.find(R"(field "minPrice": expected a string, got a number)"), std::string::npos) << number;
}

TEST(ExchangeInfoParse, NonObjectsAreErrors) {
  EXPECT_NE(parse_error("[1,2]").find("expected an object, got an array"), std::string::npos);
  EXPECT_NE(parse_error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error(R"({"symbols":[42]})").find(R"(field "symbols[0]": expected an object, got a number)"),
            std::string::npos);
  EXPECT_NE(parse_error(spot_with_filter("X", "\"PRICE_FILTER\"")).find(R"(symbol "X": field "filters[0]")"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"timezone":"UTC"})").find(R"(field "symbols": missing)"), std::string::npos);
}

TEST(ExchangeInfoParse, MissingSymbolFieldNamesIt) {
  const std::string m = parse_error(
      R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","quoteAsset":"USDT","orderTypes":[],"filters":[]}]})");
  EXPECT_EQ(m, R"(exchangeInfo symbol "BTCUSDT": field "baseAsset": missing)");
  const std::string fut = parse_error(
      R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","contractType":"PERPETUAL",
          "pricePrecision":2,"quantityPrecision":3,"orderTypes":[],"timeInForce":[],
          "filters":[{"filterType":"MIN_NOTIONAL","minNotional":"5"}]}]})",
      Product::kUsdmFutures);
  EXPECT_EQ(fut, R"(exchangeInfo symbol "BTCUSDT" filter MIN_NOTIONAL: field "notional": missing)");
}

TEST(ExchangeInfoParse, UnknownFiltersAreKeptNotErrors) {
  const std::string json = spot_with_filter(
      "BTCUSDT", R"({"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"100","tickSize":"0.01"},)"
                 R"({"filterType":"SOME_FUTURE_FILTER","x":[1,2],"y":"z"})");
  ExchangeInfo info;
  ASSERT_TRUE(parse_exchange_info(json, Product::kSpot, info).ok());
  const InstrumentSpec& s = info.symbols.at(0);
  ASSERT_EQ(s.unknown_filters.size(), 1u);
  EXPECT_EQ(s.unknown_filters[0], R"({"filterType":"SOME_FUTURE_FILTER","x":[1,2],"y":"z"})");
  EXPECT_EQ(s.filter_order, (std::vector<FilterType>{FilterType::kPriceFilter, FilterType::kUnknown}));
  // Written back in place.
  std::string out;
  write_exchange_info(info, 7, out);
  EXPECT_NE(out.find(R"("tickSize":"0.01"},{"filterType":"SOME_FUTURE_FILTER","x":[1,2],"y":"z"}])"), std::string::npos)
      << out;
}

TEST(ExchangeInfoParse, UnknownStatusSkipsTheSymbolOnly) {
  std::string json = spot_with_filter("OLDCOIN", "");
  json.replace(json.find("\"TRADING\""), 9, "\"DELISTED_SOMEDAY\"");
  ExchangeInfo info;
  ASSERT_TRUE(parse_exchange_info(json, Product::kSpot, info).ok());
  EXPECT_TRUE(info.symbols.empty());
  ASSERT_EQ(info.skipped.size(), 1u);
  EXPECT_EQ(info.skipped[0], R"(OLDCOIN: unknown status "DELISTED_SOMEDAY")");
}

TEST(ExchangeInfoParse, DocsOrderTypeKeyIsAccepted) {
  // The USD-M docs' example spells the key "OrderType"; the live API "orderTypes".
  const std::string json =
      R"({"symbols":[{"symbol":"BLZUSDT","status":"TRADING","baseAsset":"BLZ","quoteAsset":"USDT",)"
      R"("contractType":"PERPETUAL","pricePrecision":5,"quantityPrecision":0,"filters":[],)"
      R"("OrderType":["LIMIT","MARKET","SOME_NEW_TYPE"],"timeInForce":["GTC","GTX","XYZ"]}]})";
  ExchangeInfo info;
  const absl::Status st = parse_exchange_info(json, Product::kUsdmFutures, info);
  ASSERT_TRUE(st.ok()) << st.message();
  const InstrumentSpec& s = info.symbols.at(0);
  EXPECT_EQ(s.order_types, (std::vector<OrderType>{OrderType::kLimit, OrderType::kMarket}));  // unknown left out
  EXPECT_EQ(s.time_in_force, (std::vector<TimeInForce>{TimeInForce::kGtc, TimeInForce::kGtx}));
}

TEST(ExchangeInfoParse, DamagedInputNeverCrashes) {
  // Every prefix (stepped) and a byte flipped at many places: an error or a result, never a crash.
  for (const auto& [file, product] : {std::pair{"exchange_info_spot.json", Product::kSpot},
                                      std::pair{"exchange_info_usdm.json", Product::kUsdmFutures}}) {
    const std::string text = read_fixture(file);
    ASSERT_FALSE(text.empty());
    int errors = 0;
    for (std::size_t n = 0; n < text.size(); n += 13) {
      ExchangeInfo info;
      if (!parse_exchange_info(std::string_view(text).substr(0, n), product, info).ok()) ++errors;
    }
    EXPECT_GT(errors, 0);
    for (std::size_t i = 0; i < text.size(); i += 7) {
      for (char c : {'"', '9', 'x', '{', ']', ','}) {
        std::string bad = text;
        bad[i] = c;
        ExchangeInfo info;
        const absl::Status st = parse_exchange_info(bad, product, info);
        if (!st.ok()) EXPECT_EQ(std::string(st.message()).rfind("exchangeInfo", 0), 0u) << st.message();
      }
    }
  }
}

// ---- write / round trip -----------------------------------------------------------------------

TEST(ExchangeInfoWrite, RoundTripBothFixtures) {
  for (const auto& [file, product] : {std::pair{"exchange_info_spot.json", Product::kSpot},
                                      std::pair{"exchange_info_usdm.json", Product::kUsdmFutures}}) {
    const ExchangeInfo info = load(file, product);
    std::string text;
    write_exchange_info(info, info.server_time_ms, text);
    ExchangeInfo back;
    const absl::Status st = parse_exchange_info(text, product, back);
    ASSERT_TRUE(st.ok()) << st.message() << "\n" << text;
    EXPECT_EQ(back, info) << file;
    std::string again;
    write_exchange_info(back, back.server_time_ms, again);
    EXPECT_EQ(again, text) << file;  // the text is stable too, decimals included
  }
}

TEST(ExchangeInfoWrite, DecimalsAsBinanceWritesThem) {
  const ExchangeInfo fut = load("exchange_info_usdm.json", Product::kUsdmFutures);
  std::string f;
  write_exchange_info(fut, 1, f);
  EXPECT_NE(f.find(R"({"filterType":"PRICE_FILTER","minPrice":"556.80","maxPrice":"4529764","tickSize":"0.10"})"),
            std::string::npos)
      << f;
  EXPECT_NE(f.find(R"({"filterType":"MIN_NOTIONAL","notional":"5.0"})"), std::string::npos);
  EXPECT_NE(f.find(R"("multiplierUp":"1.0500","multiplierDown":"0.9500","multiplierDecimal":4)"), std::string::npos);
  EXPECT_EQ(f.rfind(R"({"timezone":"UTC","serverTime":1,"futuresType":"U_MARGINED","rateLimits":[)", 0), 0u) << f;
  EXPECT_NE(f.find(R"({"interval":"MINUTE","intervalNum":1,"limit":2400,"rateLimitType":"REQUEST_WEIGHT"})"),
            std::string::npos);
  EXPECT_NE(f.find(R"("assets":[{"asset":"BUSD","marginAvailable":true,"autoAssetExchange":0},)"), std::string::npos);

  const ExchangeInfo spot = load("exchange_info_spot.json", Product::kSpot);
  std::string s;
  write_exchange_info(spot, 1565246363776, s);
  EXPECT_NE(
      s.find(
          R"({"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"})"),
      std::string::npos);
  EXPECT_NE(s.find(R"({"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":1,"limit":10})"), std::string::npos);
  EXPECT_EQ(s.rfind(R"({"timezone":"UTC","serverTime":1565246363776,"rateLimits":[)", 0), 0u);
}

TEST(ExchangeInfoWrite, HandBuiltSpecsUseTheProductDefaults) {
  ExchangeInfo info;
  info.product = Product::kUsdmFutures;
  info.futures_type = "U_MARGINED";
  InstrumentSpec s;
  s.symbol = "BTCUSDT";
  s.product = Product::kUsdmFutures;
  s.contract_type = ContractType::kPerpetual;
  s.price_precision = 2;
  s.quantity_precision = 3;
  s.order_types = {OrderType::kLimit, OrderType::kMarket};
  s.time_in_force = {TimeInForce::kGtc, TimeInForce::kGtx};
  s.price = {px(10'000'000), px(100'000'000'000'000), px(10'000'000)};  // 0.10, 1000000, 0.10
  s.lot = {qt(100'000), qt(100'000'000'000), qt(100'000)};              // 0.001, 1000, 0.001
  s.min_notional.min_notional = px(500'000'000);
  s.add_filter(FilterType::kPriceFilter);
  s.add_filter(FilterType::kLotSize);
  s.add_filter(FilterType::kMinNotional);
  info.symbols.push_back(s);
  std::string out;
  write_exchange_info(info, 5, out);
  EXPECT_NE(out.find(R"("minPrice":"0.10","maxPrice":"1000000","tickSize":"0.10")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("minQty":"0.001","maxQty":"1000","stepSize":"0.001")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"filterType":"MIN_NOTIONAL","notional":"5"})"), std::string::npos) << out;
  ExchangeInfo back;
  ASSERT_TRUE(parse_exchange_info(out, Product::kUsdmFutures, back).ok());
  back.server_time_ms = info.server_time_ms;
  EXPECT_EQ(back, info);
}

TEST(ExchangeInfoWrite, HandBuiltSpotSpecWritesEightDecimals) {
  ExchangeInfo info;  // Product::kSpot
  info.rate_limits.push_back({RateLimitType::kOrders, RateLimitInterval::kDay, 1, 200000});
  InstrumentSpec s;
  s.symbol = "\xE6\xB5\x8B\xE8\xAF\x95USDT";  // UTF-8 written as is
  s.base_asset = "\xE6\xB5\x8B\xE8\xAF\x95";
  s.quote_asset = "USDT";
  s.order_types = {OrderType::kLimit, OrderType::kLimitMaker, OrderType::kMarket};
  s.price = {px(1'000'000), px(0), px(1'000'000)};
  s.notional = {px(500'000'000), true, px(0), false, 5};
  s.add_filter(FilterType::kPriceFilter);
  s.add_filter(FilterType::kNotional);
  s.permission_sets = {{"SPOT"}};
  info.symbols.push_back(s);
  std::string out;
  write_exchange_info(info, 9, out);
  EXPECT_NE(
      out.find(
          R"({"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"0.00000000","tickSize":"0.01000000"})"),
      std::string::npos)
      << out;
  EXPECT_NE(
      out.find(
          R"({"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"0.00000000","applyMaxToMarket":false,"avgPriceMins":5})"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("\"symbol\":\"\xE6\xB5\x8B\xE8\xAF\x95USDT\""), std::string::npos);
  EXPECT_NE(out.find(R"({"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000})"),
            std::string::npos);
  ExchangeInfo back;
  ASSERT_TRUE(parse_exchange_info(out, Product::kSpot, back).ok());
  back.server_time_ms = 0;
  EXPECT_EQ(back, info);
}

// ---- spot checks ------------------------------------------------------------------------------

class SpotChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    info_ = load("exchange_info_spot.json", Product::kSpot);
    btc_ = must_find(info_, "BTCUSDT");
  }
  // A LIMIT GTC BUY that passes every BTCUSDT filter: 60000.00 x 0.001 = 60 USDT.
  static OrderCheck limit(int64_t price_raw, int64_t qty_raw) {
    OrderCheck o;
    o.type = OrderType::kLimit;
    o.tif = TimeInForce::kGtc;
    o.price = px(price_raw);
    o.qty = qt(qty_raw);
    o.reference_price = px(6'000'000'000'000);  // 60000
    return o;
  }
  static void expect_filter(const CheckResult& r, std::string_view filter) {
    EXPECT_EQ(r.code, -1013);
    EXPECT_EQ(r.msg(), std::string("Filter failure: ") + std::string(filter));
  }
  ExchangeInfo info_;
  InstrumentSpec btc_;
};

TEST_F(SpotChecks, PassingOrder) { EXPECT_TRUE(check_new_order(btc_, limit(6'000'000'000'000, 100'000)).ok()); }

TEST_F(SpotChecks, PriceFilterEdges) {
  // tickSize 0.01: 60000.01 passes, 60000.005 (half a tick) fails.
  EXPECT_TRUE(check_new_order(btc_, limit(6'000'001'000'000, 100'000)).ok());
  expect_filter(check_new_order(btc_, limit(6'000'000'500'000, 100'000)), "PRICE_FILTER");
  // Exactly minPrice 0.01 passes the price filter (then fails NOTIONAL: 0.01 * 0.001 < 5).
  btc_.filter_order = {FilterType::kPriceFilter};
  EXPECT_TRUE(check_new_order(btc_, limit(1'000'000, 100'000)).ok());
  expect_filter(check_new_order(btc_, limit(0, 100'000)), "PRICE_FILTER");  // one tick below min
  // Exactly maxPrice passes; one tick above fails.
  EXPECT_TRUE(check_new_order(btc_, limit(100'000'000'000'000, 100'000)).ok());
  expect_filter(check_new_order(btc_, limit(100'000'001'000'000, 100'000)), "PRICE_FILTER");
  // 0 disables each rule (filters.md): with all three 0, any price passes.
  btc_.price = {};
  EXPECT_TRUE(check_new_order(btc_, limit(123'456'789, 100'000)).ok());
}

TEST_F(SpotChecks, SpotTickRuleIsPriceModTick) {
  // Spot's rule is price % tickSize == 0, not anchored at minPrice: with minPrice 0.005 and tick
  // 0.01, 0.015 is off the grid and 0.02 is on it.
  btc_.filter_order = {FilterType::kPriceFilter};
  btc_.price = {px(500'000), px(0), px(1'000'000)};
  expect_filter(check_new_order(btc_, limit(1'500'000, 100'000)), "PRICE_FILTER");
  EXPECT_TRUE(check_new_order(btc_, limit(2'000'000, 100'000)).ok());
}

TEST_F(SpotChecks, LotSizeEdges) {
  btc_.filter_order = {FilterType::kLotSize};
  EXPECT_TRUE(check_new_order(btc_, limit(6'000'000'000'000, 1'000)).ok());  // exactly minQty
  expect_filter(check_new_order(btc_, limit(6'000'000'000'000, 999)), "LOT_SIZE");
  EXPECT_TRUE(check_new_order(btc_, limit(6'000'000'000'000, 900'000'000'000)).ok());  // exactly maxQty
  expect_filter(check_new_order(btc_, limit(6'000'000'000'000, 900'000'001'000)), "LOT_SIZE");
  expect_filter(check_new_order(btc_, limit(6'000'000'000'000, 1'500)), "LOT_SIZE");  // off step
  expect_filter(check_new_order(btc_, limit(6'000'000'000'000, 0)), "LOT_SIZE");
}

TEST_F(SpotChecks, NotionalEdges) {
  // minNotional 5: at 50000.00, 0.0001 BTC = 5 exactly passes; 0.00009 = 4.5 fails.
  EXPECT_TRUE(check_new_order(btc_, limit(5'000'000'000'000, 10'000)).ok());
  expect_filter(check_new_order(btc_, limit(5'000'000'000'000, 9'000)), "NOTIONAL");
  // maxNotional 9000000: 90000 x 100 = 9,000,000 exactly passes; one step more fails.
  OrderCheck big = limit(9'000'000'000'000, 10'000'000'000);
  big.reference_price = px(9'000'000'000'000);
  EXPECT_TRUE(check_new_order(btc_, big).ok());
  big.qty = qt(10'000'001'000);
  expect_filter(check_new_order(btc_, big), "NOTIONAL");
}

TEST_F(SpotChecks, MarketOrdersUseReferencePriceAndMarketLot) {
  OrderCheck m;
  m.type = OrderType::kMarket;
  m.has_tif = false;
  m.qty = qt(10'000);                         // 0.0001 BTC
  m.reference_price = px(4'000'000'000'000);  // 40000 → notional 4 < 5 (applyMinToMarket true)
  expect_filter(check_new_order(btc_, m), "NOTIONAL");
  m.reference_price = px(5'000'000'000'000);  // 5 exactly
  EXPECT_TRUE(check_new_order(btc_, m).ok());
  m.reference_price = px(0);  // unknown: the filter cannot be evaluated
  m.qty = qt(1'000);
  EXPECT_TRUE(check_new_order(btc_, m).ok());
  // MARKET_LOT_SIZE maxQty 107.93 (stepSize 0 = no step rule).
  m.reference_price = px(100'000'000);  // 1 USDT, keeps NOTIONAL's max out of the way
  m.qty = qt(10'793'000'000);
  EXPECT_TRUE(check_new_order(btc_, m).ok());
  m.qty = qt(10'793'001'000);
  expect_filter(check_new_order(btc_, m), "MARKET_LOT_SIZE");
  // A LIMIT order ignores MARKET_LOT_SIZE.
  OrderCheck l = limit(1'000'000'000, 10'793'001'000);  // 10 x 107.93001
  l.reference_price = px(0);
  EXPECT_TRUE(check_new_order(btc_, l).ok());
}

TEST_F(SpotChecks, PercentPriceBySide) {
  // BTCUSDT: bid up 5, bid down 0.2 around reference 60000 → BUY in [12000, 300000].
  EXPECT_TRUE(check_new_order(btc_, limit(30'000'000'000'000, 100'000)).ok());  // exactly 5x
  expect_filter(check_new_order(btc_, limit(30'000'001'000'000, 100'000)), "PERCENT_PRICE_BY_SIDE");
  EXPECT_TRUE(check_new_order(btc_, limit(1'200'000'000'000, 1'000'000)).ok());  // exactly 0.2x
  expect_filter(check_new_order(btc_, limit(1'199'999'000'000, 1'000'000)), "PERCENT_PRICE_BY_SIDE");
  // ETHBTC: ask down 0.8 vs bid down 0.2 — a SELL at 0.5x the reference fails, a BUY passes.
  const InstrumentSpec& eth = must_find(info_, "ETHBTC");
  OrderCheck o;
  o.price = px(2'500'000);            // 0.025
  o.qty = qt(50'000'000'000);         // 500 ETH → 12.5 BTC, inside NOTIONAL [10, 10000]
  o.reference_price = px(5'000'000);  // 0.05
  o.side = OrderSide::kBuy;
  EXPECT_TRUE(check_new_order(eth, o).ok()) << check_new_order(eth, o).msg();
  o.side = OrderSide::kSell;
  expect_filter(check_new_order(eth, o), "PERCENT_PRICE_BY_SIDE");
}

TEST_F(SpotChecks, OlderFiltersPercentPriceAndMinNotional) {
  const InstrumentSpec& life = must_find(info_, "\xE5\xB8\x81\xE5\xAE\x89\xE4\xBA\xBA\xE7\x94\x9FUSDT");
  OrderCheck o;
  o.price = px(13'000'000);  // 0.13 = 1.3 x 0.1
  o.qty = qt(100'000'000);   // 1
  o.reference_price = px(10'000'000);
  EXPECT_TRUE(check_new_order(life, o).ok());
  o.price = px(13'010'000);
  expect_filter(check_new_order(life, o), "PERCENT_PRICE");
  o.price = px(7'000'000);  // exactly 0.7x
  EXPECT_TRUE(check_new_order(life, o).ok());
  // MIN_NOTIONAL 0.001: 0.0001 x 1 = 0.0001 fails (reference 0 skips PERCENT_PRICE).
  o.reference_price = px(0);
  o.price = px(10'000);
  expect_filter(check_new_order(life, o), "MIN_NOTIONAL");
  o.qty = qt(1'000'000'000);  // 10 → 0.001 exactly
  EXPECT_TRUE(check_new_order(life, o).ok());
}

TEST_F(SpotChecks, MaxNumOrders) {
  OrderCheck o = limit(6'000'000'000'000, 100'000);
  o.open_orders_count = 199;
  EXPECT_TRUE(check_new_order(btc_, o).ok());
  o.open_orders_count = 200;
  expect_filter(check_new_order(btc_, o), "MAX_NUM_ORDERS");
}

TEST_F(SpotChecks, SpotTakeProfitHasNoPriceToFilter) {
  // Spot TAKE_PROFIT trades at the market once triggered: no price, so no PRICE_FILTER; LOT_SIZE
  // still applies.
  OrderCheck o;
  o.type = OrderType::kTakeProfit;
  o.has_tif = false;
  o.qty = qt(100'000);
  EXPECT_TRUE(check_new_order(btc_, o).ok()) << check_new_order(btc_, o).msg();
  o.qty = qt(1'500);
  expect_filter(check_new_order(btc_, o), "LOT_SIZE");
}

TEST_F(SpotChecks, FiltersAnswerInBinanceOrder) {
  // Both price and quantity are wrong: PRICE_FILTER comes first.
  expect_filter(check_new_order(btc_, limit(6'000'000'500'000, 1)), "PRICE_FILTER");
}

TEST_F(SpotChecks, StatusAndTypeGates) {
  const InstrumentSpec& bnb = must_find(info_, "BNBBTC");  // CANCEL_ONLY
  OrderCheck o = limit(1'000'000, 100'000'000);
  const CheckResult r = check_new_order(bnb, o);
  EXPECT_EQ(r.code, -2010);
  EXPECT_EQ(r.msg(), "Market is closed.");
  EXPECT_TRUE(check_cancel(bnb).ok());
  EXPECT_FALSE(accepts_new_orders(SymbolStatus::kHalt));

  o = limit(6'000'000'000'000, 100'000);
  o.has_tif = false;
  EXPECT_EQ(check_new_order(btc_, o).code, -1102);
  EXPECT_EQ(check_new_order(btc_, o).msg(),
            "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
  o.has_tif = true;
  o.tif = TimeInForce::kGtx;
  EXPECT_EQ(check_new_order(btc_, o).code, -1115);
  EXPECT_EQ(check_new_order(btc_, o).msg(), "Invalid timeInForce.");
  o.type = OrderType::kLimitMaker;
  EXPECT_EQ(check_new_order(btc_, o).code, -1106);
  o.has_tif = false;
  EXPECT_TRUE(check_new_order(btc_, o).ok());
  o.type = OrderType::kStopMarket;
  EXPECT_EQ(check_new_order(btc_, o).code, -1116);

  InstrumentSpec no_market = btc_;
  no_market.order_types = {OrderType::kLimit};
  OrderCheck m;
  m.type = OrderType::kMarket;
  m.has_tif = false;
  m.qty = qt(100'000);
  const CheckResult rm = check_new_order(no_market, m);
  EXPECT_EQ(rm.code, -2010);
  EXPECT_EQ(rm.msg(), "Market orders are not supported for this symbol.");
}

// ---- USD-M checks -----------------------------------------------------------------------------

class FuturesChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    info_ = load("exchange_info_usdm.json", Product::kUsdmFutures);
    btc_ = must_find(info_, "BTCUSDT");
  }
  static OrderCheck limit(OrderSide side, int64_t price_raw, int64_t qty_raw) {
    OrderCheck o;
    o.side = side;
    o.type = OrderType::kLimit;
    o.tif = TimeInForce::kGtc;
    o.price = px(price_raw);
    o.qty = qt(qty_raw);
    o.reference_price = px(6'000'000'000'000);  // mark 60000
    return o;
  }
  static void expect(const CheckResult& r, int32_t code, std::string_view msg) {
    EXPECT_EQ(r.code, code);
    EXPECT_EQ(r.msg(), msg);
  }
  ExchangeInfo info_;
  InstrumentSpec btc_;
};

TEST_F(FuturesChecks, PassingOrder) {
  // 60000 x 0.002 = 120 USDT, above MIN_NOTIONAL 100.
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'000'000'000, 200'000)).ok());
}

TEST_F(FuturesChecks, PriceFilterCodes) {
  btc_.filter_order = {FilterType::kPriceFilter};
  // minPrice 556.80, tick 0.10: grid is 556.80 + k*0.10.
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 55'680'000'000, 100'000)).ok());
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 55'670'000'000, 100'000)), -4013, "Price less than min price.");
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'005'000'000, 100'000)), -4014,
         "Price not increased by tick size.");
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 452'976'400'000'000, 100'000)).ok());  // = maxPrice
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 452'976'410'000'000, 100'000)), -4002,
         "Price greater than max price.");
}

TEST_F(FuturesChecks, FuturesTickRuleIsAnchoredAtMinPrice) {
  // (price - minPrice) % tickSize == 0: with minPrice 0.05 and tick 0.10, 0.15 is on the grid and
  // 0.20 is not (the spot rule would say the opposite).
  btc_.filter_order = {FilterType::kPriceFilter};
  btc_.price = {px(5'000'000), px(0), px(10'000'000)};
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 15'000'000, 100'000)).ok());
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 20'000'000, 100'000)), -4014,
         "Price not increased by tick size.");
  EXPECT_EQ(price_floor(btc_, px(29'000'000)), px(25'000'000));
  EXPECT_EQ(price_ceil(btc_, px(16'000'000)), px(25'000'000));
}

TEST_F(FuturesChecks, QuantityCodes) {
  btc_.filter_order = {FilterType::kLotSize, FilterType::kMarketLotSize};
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'000'000'000, 0)), -4003, "Quantity less than zero.");
  // Precision comes before the filters: quantityPrecision 3, so 0.0005 is -1111.
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'000'000'000, 50'000)), -1111,
         "Precision is over the maximum defined for this asset.");
  InstrumentSpec fine = btc_;
  fine.quantity_precision = 8;
  expect(check_new_order(fine, limit(OrderSide::kBuy, 6'000'000'000'000, 50'000)), -4004,
         "Quantity less than min quantity.");
  expect(check_new_order(fine, limit(OrderSide::kBuy, 6'000'000'000'000, 150'000)), -4023,
         "Qty not increased by step size.");
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'000'000'000, 100'000'000'000)).ok());  // = max
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 6'000'000'000'000, 100'000'100'000)), -4005,
         "Quantity greater than max quantity.");
  // MARKET orders use MARKET_LOT_SIZE (maxQty 120).
  OrderCheck m = limit(OrderSide::kBuy, 0, 12'000'000'000);
  m.type = OrderType::kMarket;
  m.has_tif = false;
  EXPECT_TRUE(check_new_order(btc_, m).ok());
  m.qty = qt(12'000'100'000);
  expect(check_new_order(btc_, m), -4005, "Quantity greater than max quantity.");
}

TEST_F(FuturesChecks, PercentPriceAgainstMark) {
  // Mark 60000, up 1.05 → BUY ≤ 63000; down 0.95 → SELL ≥ 57000.
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 6'300'000'000'000, 200'000)).ok());
  expect(check_new_order(btc_, limit(OrderSide::kBuy, 6'300'010'000'000, 200'000)), -4016,
         "Price is higher than mark price multiplier cap.");
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kSell, 5'700'000'000'000, 200'000)).ok());
  expect(check_new_order(btc_, limit(OrderSide::kSell, 5'699'990'000'000, 200'000)), -4024,
         "Price is lower than mark price multiplier floor.");
  // A BUY far below the mark is not this filter's business.
  EXPECT_TRUE(check_new_order(btc_, limit(OrderSide::kBuy, 5'000'000'000'000, 200'000)).ok());
}

TEST_F(FuturesChecks, MinNotionalWithTheSymbolsValue) {
  // notional 100: 50000 x 0.002 = 100 exactly passes; 0.001 (50) fails unless reduce-only.
  OrderCheck o = limit(OrderSide::kBuy, 5'000'000'000'000, 200'000);
  o.reference_price = px(5'000'000'000'000);
  EXPECT_TRUE(check_new_order(btc_, o).ok());
  o.qty = qt(100'000);
  expect(check_new_order(btc_, o), -4164,
         "Order's notional must be no smaller than 100 (unless you choose reduce only).");
  o.reduce_only = true;
  EXPECT_TRUE(check_new_order(btc_, o).ok());
  const InstrumentSpec& blz = must_find(info_, "BLZUSDT");      // notional "5.0"
  OrderCheck b = limit(OrderSide::kBuy, 100'000, 100'000'000);  // 0.001 x 1
  b.reference_price = px(0);
  expect(check_new_order(blz, b), -4164, "Order's notional must be no smaller than 5 (unless you choose reduce only).");
}

TEST_F(FuturesChecks, MaxOpenOrdersAndGates) {
  OrderCheck o = limit(OrderSide::kBuy, 6'000'000'000'000, 200'000);
  o.open_orders_count = 200;
  expect(check_new_order(btc_, o), -2025, "Reach max open order limit.");
  o.open_orders_count = 0;
  o.type = OrderType::kLimitMaker;  // spot's post-only; USD-M uses GTX
  expect(check_new_order(btc_, o), -1116, "Invalid orderType.");
  o.type = OrderType::kLimit;
  o.tif = TimeInForce::kGtx;
  EXPECT_TRUE(check_new_order(btc_, o).ok());
  InstrumentSpec no_gtd = must_find(info_, "BLZUSDT");
  OrderCheck g = limit(OrderSide::kBuy, 100'000, 10'000'000'000);
  g.reference_price = px(0);
  g.tif = TimeInForce::kGtd;
  expect(check_new_order(no_gtd, g), -1115, "Invalid timeInForce.");

  const InstrumentSpec& pending = must_find(info_, "ETHUSDT_260626");
  expect(check_new_order(pending, o), -4140, "Invalid symbol status for opening position");
  InstrumentSpec closed = btc_;
  closed.status = SymbolStatus::kClose;
  expect(check_new_order(closed, o), -4141, "Symbol is closed");
  expect(check_cancel(closed), -4141, "Symbol is closed");
  EXPECT_TRUE(check_cancel(pending).ok());
}

// ---- quantization -----------------------------------------------------------------------------

TEST(Quantize, SpotGrid) {
  const ExchangeInfo info = load("exchange_info_spot.json", Product::kSpot);
  const InstrumentSpec& btc = must_find(info, "BTCUSDT");
  EXPECT_EQ(price_floor(btc, px(6'000'000'999'999)), px(6'000'000'000'000));
  EXPECT_EQ(price_ceil(btc, px(6'000'000'000'001)), px(6'000'001'000'000));
  EXPECT_EQ(price_ceil(btc, px(6'000'000'000'000)), px(6'000'000'000'000));
  EXPECT_EQ(qty_floor(btc, qt(123'456)), qt(123'000));
  // MARKET_LOT_SIZE has step 0 there, so the LOT_SIZE step applies to market quantities too.
  EXPECT_EQ(qty_floor(btc, qt(123'456), true), qt(123'000));
  InstrumentSpec off = btc;
  off.price.tick_size = px(0);
  EXPECT_EQ(price_floor(off, px(123)), px(123));
}

TEST(Quantize, FuturesGridAnchoredAtMin) {
  const ExchangeInfo info = load("exchange_info_usdm.json", Product::kUsdmFutures);
  const InstrumentSpec& btc = must_find(info, "BTCUSDT");
  // 556.80 + k*0.10: 60000.05 floors to 60000.00 and ceils to 60000.10.
  EXPECT_EQ(price_floor(btc, px(6'000'005'000'000)), px(6'000'000'000'000));
  EXPECT_EQ(price_ceil(btc, px(6'000'005'000'000)), px(6'000'010'000'000));
  EXPECT_EQ(qty_floor(btc, qt(123'456)), qt(100'000));
  EXPECT_TRUE(check_new_order(btc,
                              [&] {
                                OrderCheck o;
                                o.price = price_floor(btc, px(6'000'005'000'000));
                                o.qty = qty_floor(btc, qt(223'456));
                                o.reference_price = px(6'000'000'000'000);
                                return o;
                              }())
                  .ok());
}

TEST(CheckResult, MessageIsInlineAndTruncatesSafely) {
  const CheckResult r = CheckResult::reject(-1, std::string(500, 'x'));
  EXPECT_EQ(r.msg().size(), r.text.size());
  EXPECT_FALSE(r.ok());
}

TEST(RateLimitNames, RoundTrip) {
  for (auto t : {RateLimitType::kRequestWeight, RateLimitType::kOrders, RateLimitType::kRawRequests}) {
    RateLimitType back{};
    ASSERT_TRUE(parse_rate_limit_type(wire_name(t), back));
    EXPECT_EQ(back, t);
  }
  RateLimitInterval iv{};
  EXPECT_TRUE(parse_rate_limit_interval("DAY", iv));
  EXPECT_EQ(iv, RateLimitInterval::kDay);
  EXPECT_FALSE(parse_rate_limit_interval("day", iv));
}

TEST(FilterNames, RoundTrip) {
  for (int i = 0; i < kFilterTypeCount; ++i) {
    FilterType back{};
    ASSERT_TRUE(parse_filter_type(wire_name(static_cast<FilterType>(i)), back));
    EXPECT_EQ(static_cast<int>(back), i);
  }
  FilterType t{};
  EXPECT_FALSE(parse_filter_type("", t));
}

}  // namespace
}  // namespace dmabot::binance
