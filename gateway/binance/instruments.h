// gateway/binance/instruments.h — exchangeInfo as data: one InstrumentSpec per symbol with its
// filters, the exchange's rate limits, exact quantization to the symbol's grid, and the filter
// checks Binance applies to a new order, answering Binance's own error code and `msg`.
//
// Both sides use it: the live gateways parse /api/v3/exchangeInfo (Spot) or /fapi/v1/exchangeInfo
// (USD-M) at start-up and pre-check orders; binance-sim builds its symbols from the same structs,
// serves them with write_exchange_info() and rejects orders with check_new_order().
//
// Shapes follow Binance's docs: Spot filters.md / rest-api.md and the USD-M "Common Definition" and
// "Exchange Information" pages. Products differ and the checks follow each product's rules:
//   - Spot PRICE_FILTER: price % tickSize == 0; LOT_SIZE / MARKET_LOT_SIZE: qty % stepSize == 0.
//     USD-M: (price - minPrice) % tickSize == 0 and (qty - minQty) % stepSize == 0.
//   - Spot failures are -1013 "Filter failure: <FILTER>"; USD-M failures have their own codes
//     (-4013/-4002/-4014 price, -4003/-4004/-4005/-4023 qty, -4016/-4024 percent price, -4164 min
//     notional with the symbol's value in the text, -2025 max open orders).
//   - Spot MIN_NOTIONAL (older) and NOTIONAL carry minNotional; USD-M MIN_NOTIONAL carries `notional`.
//   - Spot MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS use maxNumOrders / maxNumAlgoOrders; USD-M `limit`.
// Filters Binance adds later and this code does not know are kept verbatim (minified JSON) and
// written back in place, so they are counted, never an error.
//
// Threads: parse/write are cold-path functions on caller-owned data; the checks and quantizers are
// pure functions on a const spec — any thread may call them concurrently.
// Allocation: parse/write allocate (strings, vectors). check_new_order(), check_cancel(), the
// quantizers and ExchangeInfo::find() never allocate (CheckResult keeps its message inline).
// Errors: parse returns absl::Status with one line naming the symbol, the filter and the field;
// nothing throws out of this module.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/types.h"
#include "gateway/binance/binance_types.h"
#include "gateway/binance/errors.h"

namespace dmabot::binance {

// exchangeInfo `rateLimits[].rateLimitType` and `.interval`.
enum class RateLimitType : uint8_t { kRequestWeight, kOrders, kRawRequests };
enum class RateLimitInterval : uint8_t { kSecond, kMinute, kHour, kDay };
[[nodiscard]] std::string_view wire_name(RateLimitType v);
[[nodiscard]] std::string_view wire_name(RateLimitInterval v);
[[nodiscard]] bool parse_rate_limit_type(std::string_view s, RateLimitType& out);
[[nodiscard]] bool parse_rate_limit_interval(std::string_view s, RateLimitInterval& out);

struct RateLimit {
  RateLimitType type = RateLimitType::kRequestWeight;
  RateLimitInterval interval = RateLimitInterval::kMinute;
  int32_t interval_num = 1;
  int64_t limit = 0;
  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// Symbol filter types, in filters.md's naming. kUnknown stands for a filter kept verbatim.
enum class FilterType : uint8_t {
  kPriceFilter,
  kPercentPrice,
  kPercentPriceBySide,
  kLotSize,
  kMarketLotSize,
  kMinNotional,
  kNotional,
  kIcebergParts,
  kMaxNumOrders,
  kMaxNumAlgoOrders,
  kMaxNumIcebergOrders,
  kMaxPosition,
  kTrailingDelta,
  kMaxNumOrderAmends,
  kMaxNumOrderLists,
  kUnknown,
};
inline constexpr int kFilterTypeCount = static_cast<int>(FilterType::kUnknown);
[[nodiscard]] std::string_view wire_name(FilterType v);  // "PRICE_FILTER", ...; "" for kUnknown
[[nodiscard]] bool parse_filter_type(std::string_view s, FilterType& out);

// Each filter's fields. A field Binance documents as "0 = disabled" is disabled at 0 here too.
// Multipliers (percent price) are ratios in the same 1e-8 fixed point as Price ("1.1500" → 115000000).
struct PriceFilter {
  core::Price min_price, max_price, tick_size;  // each 0 = that rule disabled
  friend bool operator==(const PriceFilter&, const PriceFilter&) = default;
};
struct LotSizeFilter {  // LOT_SIZE and MARKET_LOT_SIZE
  core::Qty min_qty, max_qty, step_size;
  friend bool operator==(const LotSizeFilter&, const LotSizeFilter&) = default;
};
struct PercentPriceFilter {  // spot: avgPriceMins; futures: multiplierDecimal
  int64_t multiplier_up_e8 = 0, multiplier_down_e8 = 0;
  int32_t avg_price_mins = 0;
  int32_t multiplier_decimal = 0;
  friend bool operator==(const PercentPriceFilter&, const PercentPriceFilter&) = default;
};
struct PercentPriceBySideFilter {  // spot
  int64_t bid_multiplier_up_e8 = 0, bid_multiplier_down_e8 = 0;
  int64_t ask_multiplier_up_e8 = 0, ask_multiplier_down_e8 = 0;
  int32_t avg_price_mins = 0;
  friend bool operator==(const PercentPriceBySideFilter&, const PercentPriceBySideFilter&) = default;
};
struct MinNotionalFilter {  // spot: minNotional/applyToMarket/avgPriceMins; futures: `notional` only
  core::Price min_notional;
  bool apply_to_market = false;
  int32_t avg_price_mins = 0;
  friend bool operator==(const MinNotionalFilter&, const MinNotionalFilter&) = default;
};
struct NotionalFilter {  // spot NOTIONAL
  core::Price min_notional;
  bool apply_min_to_market = false;
  core::Price max_notional;
  bool apply_max_to_market = false;
  int32_t avg_price_mins = 0;
  friend bool operator==(const NotionalFilter&, const NotionalFilter&) = default;
};
struct TrailingDeltaFilter {  // spot
  int64_t min_trailing_above_delta = 0, max_trailing_above_delta = 0;
  int64_t min_trailing_below_delta = 0, max_trailing_below_delta = 0;
  friend bool operator==(const TrailingDeltaFilter&, const TrailingDeltaFilter&) = default;
};

// How each decimal was written (digits after the point), so write(parse(text)) reproduces Binance's
// text exactly ("0.10" stays "0.10", "5.0" stays "5.0"). -1 = the product's default style: Spot 8
// decimals ("0.01000000"); USD-M whole numbers bare ("1000"), others with the symbol's
// pricePrecision / quantityPrecision / multiplierDecimal ("0.10", "0.001", "1.0500"). Formatting
// hints are not part of the value: they compare equal always.
enum class DecimalSlot : uint8_t {
  kMinPrice,
  kMaxPrice,
  kTickSize,
  kLotMinQty,
  kLotMaxQty,
  kLotStep,
  kMarketMinQty,
  kMarketMaxQty,
  kMarketStep,
  kPctUp,
  kPctDown,
  kBidUp,
  kBidDown,
  kAskUp,
  kAskDown,
  kMinNotional,
  kNotionalMin,
  kNotionalMax,
  kMaxPosition,
  kCount,
};
struct WireFormat {
  std::array<int8_t, static_cast<int>(DecimalSlot::kCount)> decimals;
  WireFormat() { decimals.fill(-1); }
  friend bool operator==(const WireFormat&, const WireFormat&) { return true; }
};

// One symbol of exchangeInfo. Fields that exist on one product only stay default on the other.
struct InstrumentSpec {
  std::string symbol;  // UTF-8; the Spot testnet lists non-ASCII symbols
  Product product = Product::kSpot;
  SymbolStatus status = SymbolStatus::kTrading;
  std::string base_asset, quote_asset;
  int32_t base_asset_precision = 8;
  int32_t quote_precision = 8;
  std::vector<OrderType> order_types;      // as listed ("orderTypes")
  std::vector<TimeInForce> time_in_force;  // futures "timeInForce"; spot lists none (GTC/IOC/FOK)

  // Spot only.
  int32_t quote_asset_precision = 8;
  int32_t base_commission_precision = 8;
  int32_t quote_commission_precision = 8;
  bool iceberg_allowed = false, oco_allowed = false, oto_allowed = false, opo_allowed = false;
  bool quote_order_qty_market_allowed = false, allow_trailing_stop = false;
  bool cancel_replace_allowed = false, amend_allowed = false, peg_instructions_allowed = false;
  bool is_spot_trading_allowed = true, is_margin_trading_allowed = false;
  std::vector<std::string> permissions;
  std::vector<std::vector<std::string>> permission_sets;
  std::string default_stp_mode = "NONE";
  std::vector<std::string> allowed_stp_modes;

  // USD-M only. The informational decimals ("2.5000", "0.15", ...) are kept as Binance's text,
  // validated as decimals on parse.
  std::string pair, margin_asset;
  ContractType contract_type = ContractType::kNone;
  int64_t delivery_date_ms = 0, onboard_date_ms = 0;
  std::string maint_margin_percent, required_margin_percent;
  int32_t price_precision = 8, quantity_precision = 8;
  std::string underlying_type;
  std::vector<std::string> underlying_sub_type;
  int64_t settle_plan = 0;
  std::string trigger_protect, liquidation_fee, market_take_bound;

  // Filters. has(t) says whether exchangeInfo listed the filter; an absent filter checks nothing.
  PriceFilter price;
  LotSizeFilter lot;
  LotSizeFilter market_lot;
  PercentPriceFilter percent_price;
  PercentPriceBySideFilter percent_price_by_side;
  MinNotionalFilter min_notional;
  NotionalFilter notional;
  int32_t iceberg_parts = 0;
  int32_t max_num_orders = 0;
  int32_t max_num_algo_orders = 0;
  int32_t max_num_iceberg_orders = 0;
  core::Qty max_position;
  TrailingDeltaFilter trailing_delta;
  int32_t max_num_order_amends = 0;
  int32_t max_num_order_lists = 0;

  std::vector<FilterType> filter_order;      // filters as listed; kUnknown → next of unknown_filters
  std::vector<std::string> unknown_filters;  // minified JSON of filters this code does not know
  WireFormat wire;

  [[nodiscard]] bool has(FilterType t) const;
  [[nodiscard]] bool allows(OrderType t) const;
  [[nodiscard]] bool allows(TimeInForce t) const;  // spot: GTC, IOC, FOK
  // Appends a filter and marks it present (builders: the sim's config, tests).
  void add_filter(FilterType t);

  friend bool operator==(const InstrumentSpec&, const InstrumentSpec&) = default;
};

// USD-M `assets[]`. autoAssetExchange is a number, a string or null depending on the asset; kept
// as its JSON text ("0", "null").
struct FuturesAsset {
  std::string asset;
  bool margin_available = false;
  std::string auto_asset_exchange_json = "null";
  friend bool operator==(const FuturesAsset&, const FuturesAsset&) = default;
};

struct ExchangeInfo {
  Product product = Product::kSpot;
  std::string timezone = "UTC";
  int64_t server_time_ms = 0;
  std::string futures_type;  // USD-M "U_MARGINED"
  std::vector<RateLimit> rate_limits;
  std::vector<std::string> exchange_filters;  // minified JSON, verbatim
  std::vector<FuturesAsset> assets;           // USD-M
  std::vector<InstrumentSpec> symbols;
  // Symbols left out because something in them is unknown to this code (a new status, ...):
  // "SYMBOL: reason". They are not errors: Binance adds values, and one strange symbol must not stop
  // a gateway from trading the others.
  std::vector<std::string> skipped;

  // Linear scan (cold path; the engine maps symbols to ids once at start-up).
  [[nodiscard]] const InstrumentSpec* find(std::string_view symbol) const;

  friend bool operator==(const ExchangeInfo&, const ExchangeInfo&) = default;
};

// Parses exchangeInfo JSON of the given product into `out` (replaced). A malformed document, a
// symbol without a required field, a filter with a missing or non-decimal field, give an error like
// `exchangeInfo symbol "BTCUSDT" filter PRICE_FILTER: field "tickSize": bad decimal "0.0x" (bad
// character)`; `out` is then unspecified.
[[nodiscard]] absl::Status parse_exchange_info(std::string_view json, Product product, ExchangeInfo& out);

// Writes exchangeInfo in Binance's shape for info.product (key order as in Binance's docs), with
// `serverTime` = server_time_ms, appended to `out`. parse(write(x)) == x.
void write_exchange_info(const ExchangeInfo& info, int64_t server_time_ms, std::string& out);

// ---- checks -----------------------------------------------------------------------------------

// A new order as the checks see it. price is ignored for MARKET. reference_price: Spot — the
// symbol's reference / average price (PERCENT_PRICE(_BY_SIDE), and NOTIONAL/MIN_NOTIONAL for MARKET
// orders); USD-M — the mark price (PERCENT_PRICE, MIN_NOTIONAL for MARKET). 0 = unknown: the filters
// that need it are skipped (they cannot be evaluated). open_orders_count: orders this account
// already has open on the symbol.
struct OrderCheck {
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  bool has_tif = true;  // false = no timeInForce sent
  TimeInForce tif = TimeInForce::kGtc;
  core::Price price;
  core::Qty qty;
  core::Price reference_price;
  bool reduce_only = false;  // USD-M
  int32_t open_orders_count = 0;
};

// code 0 = accepted. Otherwise Binance's code and `msg`, kept inline (no allocation).
struct CheckResult {
  int32_t code = 0;
  uint8_t len = 0;
  std::array<char, 118> text{};

  [[nodiscard]] bool ok() const { return code == 0; }
  [[nodiscard]] std::string_view msg() const { return {text.data(), len}; }
  [[nodiscard]] static CheckResult reject(int32_t code, std::string_view msg);
  [[nodiscard]] static CheckResult reject(ErrorCode code, std::string_view msg) {
    return reject(code_value(code), msg);
  }
};

// The checks Binance applies to a new order; the first failure answers. Order: symbol status,
// order type, timeInForce, (USD-M) precision against pricePrecision/quantityPrecision, then the
// filters. Spot evaluates the filters in the order the symbol lists them (Binance does not document
// its evaluation order; the listing order — PRICE_FILTER, LOT_SIZE, ..., PERCENT_PRICE_BY_SIDE,
// NOTIONAL, MAX_NUM_ORDERS on the live BTCUSDT — is this code's reading of it); USD-M in a fixed order: price (-4013,
// -4002, -4014), quantity
// (-4003, -4004, -4005, -4023; MARKET orders against MARKET_LOT_SIZE), PERCENT_PRICE (-4016/-4024),
// MIN_NOTIONAL (-4164, waived for reduce-only), MAX_NUM_ORDERS (-2025).
// Status gates: only TRADING takes new orders. Spot answers -2010 "Market is closed."; USD-M -4141
// "Symbol is closed" (CLOSE, DELIVERED) or -4140 "Invalid symbol status for opening position".
// Spot timeInForce: required for LIMIT / STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT (-1102 when missing),
// refused on the others (-1106), GTC/IOC/FOK only (-1115) — so a MARKET check needs has_tif = false.
// Not covered: stopPrice / trailingDelta / icebergQty rules, quoteOrderQty MARKET orders, USD-M
// marketTakeBound (-4131); balance, margin, matching and post-only crossing are the venue's business.
[[nodiscard]] CheckResult check_new_order(const InstrumentSpec& spec, const OrderCheck& order);

// Whether a cancel may go ahead given the symbol's status. Spot CANCEL_ONLY takes cancels (that is
// what it is for); every status that can still hold open orders does. Refused only where no order
// can be open any more: USD-M DELIVERED and CLOSE, with -4141 "Symbol is closed". Binance does not
// document cancels per status; this is the sim's reading, stated so callers know.
[[nodiscard]] CheckResult check_cancel(const InstrumentSpec& spec);

[[nodiscard]] constexpr bool accepts_new_orders(SymbolStatus s) { return s == SymbolStatus::kTrading; }

// ---- quantization (exact integers) ------------------------------------------------------------
// The grid is the product's: Spot k * tickSize; USD-M minPrice + k * tickSize (likewise step sizes,
// anchored at minQty). A disabled (0) tick or step leaves the value unchanged.
[[nodiscard]] core::Price price_floor(const InstrumentSpec& spec, core::Price px);
[[nodiscard]] core::Price price_ceil(const InstrumentSpec& spec, core::Price px);
// market = use MARKET_LOT_SIZE's step when the symbol has one with a non-zero step.
[[nodiscard]] core::Qty qty_floor(const InstrumentSpec& spec, core::Qty qty, bool market = false);

}  // namespace dmabot::binance
