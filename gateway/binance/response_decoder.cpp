#include "gateway/binance/response_decoder.h"

#include <cstring>
#include <vector>

#include "simdjson.h"

namespace dmabot::binance {
namespace {

namespace sj = simdjson;
namespace dom = simdjson::dom;

#define DMABOT_TRY(expr)                               \
  do {                                                 \
    if (DecodeResult r_ = (expr); !r_.ok()) return r_; \
  } while (0)

constexpr DecodeResult kOk{};
constexpr DecodeResult fail(DecodeError e, std::string_view field = {}) { return DecodeResult{e, field}; }

enum class Need : uint8_t { kRequired, kOptional };
// Strict: the value is an echo of what was sent (price, qty); a 9th decimal means a wrong field.
// Truncate: a computed value (average price, PnL, margin) that Binance may print with more digits.
enum class Digits : uint8_t { kStrict, kTruncate };
enum class Sign : uint8_t { kUnsigned, kSigned };

DecodeResult find(const dom::object& o, std::string_view key, dom::element& out, Need need) {
  if (o.at_key(key).get(out) != sj::SUCCESS) {
    return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : fail(DecodeError::kOk);
  }
  return kOk;
}

// kOk with found=false when an optional field is absent.
DecodeResult get_string(const dom::object& o, std::string_view key, std::string_view& out, Need need,
                        bool* found = nullptr) {
  dom::element e;
  if (o.at_key(key).get(e) != sj::SUCCESS) {
    if (found) *found = false;
    return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : kOk;
  }
  if (e.get_string().get(out) != sj::SUCCESS) return fail(DecodeError::kWrongType, key);
  if (found) *found = true;
  return kOk;
}

template <std::size_t N>
DecodeResult get_text(const dom::object& o, std::string_view key, InlineString<N>& out, Need need) {
  std::string_view s;
  bool found = false;
  DMABOT_TRY(get_string(o, key, s, need, &found));
  if (found && !out.assign(s)) return fail(DecodeError::kTooLong, key);
  return kOk;
}

DecodeResult decimal_error(core::DecimalError e, std::string_view key) {
  switch (e) {
    case core::DecimalError::kNegative:
      return fail(DecodeError::kNegative, key);
    case core::DecimalError::kTooManyDecimals:
      return fail(DecodeError::kTooManyDecimals, key);
    case core::DecimalError::kOverflow:
      return fail(DecodeError::kOutOfRange, key);
    default:
      return fail(DecodeError::kBadDecimal, key);
  }
}

DecodeResult parse_dec(std::string_view s, std::string_view key, int64_t& raw, Sign sign, Digits digits) {
  if (digits == Digits::kTruncate) {
    const std::size_t dot = s.find('.');
    if (dot != std::string_view::npos && s.size() - dot - 1 > static_cast<std::size_t>(core::kDecimals)) {
      const std::string_view extra = s.substr(dot + 1 + core::kDecimals);
      for (char c : extra) {
        if (c < '0' || c > '9') return fail(DecodeError::kBadDecimal, key);
      }
      s = s.substr(0, dot + 1 + core::kDecimals);
    }
  }
  const core::DecimalError e = core::parse_decimal(s, sign == Sign::kSigned, raw);
  return e == core::DecimalError::kOk ? kOk : decimal_error(e, key);
}

template <class Tag>
DecodeResult get_dec(const dom::object& o, std::string_view key, core::Fixed<Tag>& out, Need need,
                     Sign sign = Sign::kUnsigned, Digits digits = Digits::kStrict) {
  std::string_view s;
  bool found = false;
  DMABOT_TRY(get_string(o, key, s, need, &found));
  if (!found) return kOk;
  return parse_dec(s, key, out.raw, sign, digits);
}

DecodeResult int_error(const dom::element& e, std::string_view key) {
  const dom::element_type t = e.type();
  return (t == dom::element_type::INT64 || t == dom::element_type::UINT64) ? fail(DecodeError::kOutOfRange, key)
                                                                           : fail(DecodeError::kWrongType, key);
}

DecodeResult get_u64(const dom::object& o, std::string_view key, uint64_t& out, Need need) {
  dom::element e;
  if (o.at_key(key).get(e) != sj::SUCCESS) return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : kOk;
  if (e.type() == dom::element_type::DOUBLE) return fail(DecodeError::kWrongType, key);  // ids carry no fraction
  if (e.get_uint64().get(out) != sj::SUCCESS) return int_error(e, key);
  return kOk;
}

DecodeResult get_i64(const dom::object& o, std::string_view key, int64_t& out, Need need) {
  dom::element e;
  if (o.at_key(key).get(e) != sj::SUCCESS) return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : kOk;
  if (e.type() == dom::element_type::DOUBLE) return fail(DecodeError::kWrongType, key);
  if (e.get_int64().get(out) != sj::SUCCESS) return int_error(e, key);
  return kOk;
}

DecodeResult get_int(const dom::object& o, std::string_view key, int& out, Need need) {
  int64_t v = out;
  DMABOT_TRY(get_i64(o, key, v, need));
  if (v < INT32_MIN || v > INT32_MAX) return fail(DecodeError::kOutOfRange, key);
  out = static_cast<int>(v);
  return kOk;
}

// Futures positionRisk v2 sends `leverage` as a string ("10"); accept a number too.
DecodeResult get_int_or_string(const dom::object& o, std::string_view key, int& out, Need need) {
  dom::element e;
  if (o.at_key(key).get(e) != sj::SUCCESS) return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : kOk;
  if (e.is_string()) {
    std::string_view s = e.get_string().value_unsafe();
    int64_t raw = 0;
    if (core::parse_decimal(s, false, raw) != core::DecimalError::kOk || raw % core::kScale != 0 ||
        raw / core::kScale > INT32_MAX) {
      return fail(DecodeError::kBadDecimal, key);
    }
    out = static_cast<int>(raw / core::kScale);
    return kOk;
  }
  return get_int(o, key, out, need);
}

DecodeResult get_bool(const dom::object& o, std::string_view key, bool& out, Need need) {
  dom::element e;
  if (o.at_key(key).get(e) != sj::SUCCESS) return need == Need::kRequired ? fail(DecodeError::kMissingField, key) : kOk;
  if (e.get_bool().get(out) == sj::SUCCESS) return kOk;
  // positionRisk v2's isAutoAddMargin is the string "true"/"false".
  std::string_view s;
  if (e.get_string().get(s) == sj::SUCCESS && (s == "true" || s == "false")) {
    out = s == "true";
    return kOk;
  }
  return fail(DecodeError::kWrongType, key);
}

template <class E>
DecodeResult get_enum(const dom::object& o, std::string_view key, E& out, bool (*parse)(std::string_view, E&),
                      Need need) {
  std::string_view s;
  bool found = false;
  DMABOT_TRY(get_string(o, key, s, need, &found));
  if (found && !parse(s, out)) return fail(DecodeError::kBadEnum, key);
  return kOk;
}

DecodeResult as_object(const dom::element& e, dom::object& out, std::string_view where) {
  return e.get_object().get(out) == sj::SUCCESS ? kOk : fail(DecodeError::kNotObject, where);
}
DecodeResult as_array(const dom::element& e, dom::array& out, std::string_view where) {
  return e.get_array().get(out) == sj::SUCCESS ? kOk : fail(DecodeError::kNotArray, where);
}

DecodeResult decode_fill(const dom::object& o, Fill& f) {
  DMABOT_TRY(get_dec(o, "price", f.price, Need::kRequired));
  DMABOT_TRY(get_dec(o, "qty", f.qty, Need::kRequired));
  DMABOT_TRY(get_dec(o, "commission", f.commission, Need::kRequired, Sign::kSigned, Digits::kTruncate));
  DMABOT_TRY(get_text(o, "commissionAsset", f.commission_asset, Need::kRequired));
  DMABOT_TRY(get_u64(o, "tradeId", f.trade_id, Need::kRequired));
  return kOk;
}

DecodeResult decode_order_object(const dom::object& o, Product product, OrderResult& r) {
  r = OrderResult{};
  DMABOT_TRY(get_text(o, "symbol", r.symbol, Need::kRequired));
  DMABOT_TRY(get_u64(o, "orderId", r.order_id, Need::kRequired));
  DMABOT_TRY(get_text(o, "clientOrderId", r.client_order_id, Need::kRequired));
  DMABOT_TRY(get_text(o, "origClientOrderId", r.orig_client_order_id, Need::kOptional));
  DMABOT_TRY(get_i64(o, "time", r.time_ms, Need::kOptional));
  DMABOT_TRY(get_i64(o, "updateTime", r.update_time_ms, Need::kOptional));
  DMABOT_TRY(get_text(o, "selfTradePreventionMode", r.self_trade_prevention_mode, Need::kOptional));
  DMABOT_TRY(get_dec(o, "stopPrice", r.stop_price, Need::kOptional));
  if (product == Product::kSpot) {
    DMABOT_TRY(get_i64(o, "orderListId", r.order_list_id, Need::kOptional));
    DMABOT_TRY(get_i64(o, "transactTime", r.transact_time_ms, Need::kOptional));
    dom::element status;
    if (o.at_key("status").get(status) != sj::SUCCESS) return kOk;  // ACK: ids and times only
    r.has_details = true;
    DMABOT_TRY(get_dec(o, "price", r.price, Need::kRequired));
    DMABOT_TRY(get_dec(o, "origQty", r.orig_qty, Need::kRequired));
    DMABOT_TRY(get_dec(o, "executedQty", r.executed_qty, Need::kRequired));
    DMABOT_TRY(get_dec(o, "cummulativeQuoteQty", r.cum_quote, Need::kRequired, Sign::kSigned, Digits::kTruncate));
    DMABOT_TRY(get_dec(o, "origQuoteOrderQty", r.orig_quote_order_qty, Need::kOptional));
    DMABOT_TRY(get_i64(o, "workingTime", r.working_time_ms, Need::kOptional));
    DMABOT_TRY(get_bool(o, "isWorking", r.is_working, Need::kOptional));
  } else {
    r.has_details = true;
    DMABOT_TRY(get_dec(o, "price", r.price, Need::kRequired));
    DMABOT_TRY(get_dec(o, "avgPrice", r.avg_price, Need::kOptional, Sign::kUnsigned, Digits::kTruncate));
    DMABOT_TRY(get_dec(o, "origQty", r.orig_qty, Need::kRequired));
    DMABOT_TRY(get_dec(o, "executedQty", r.executed_qty, Need::kRequired));
    DMABOT_TRY(get_dec(o, "cumQty", r.cum_qty, Need::kOptional));
    DMABOT_TRY(get_dec(o, "cumQuote", r.cum_quote, Need::kOptional, Sign::kUnsigned, Digits::kTruncate));
    DMABOT_TRY(get_bool(o, "reduceOnly", r.reduce_only, Need::kOptional));
    DMABOT_TRY(get_bool(o, "closePosition", r.close_position, Need::kOptional));
    DMABOT_TRY(get_bool(o, "priceProtect", r.price_protect, Need::kOptional));
    DMABOT_TRY(get_enum(o, "positionSide", r.position_side, &parse_position_side, Need::kOptional));
    DMABOT_TRY(get_enum(o, "origType", r.orig_type, &parse_order_type, Need::kOptional));
    DMABOT_TRY(get_text(o, "workingType", r.working_type, Need::kOptional));
    DMABOT_TRY(get_text(o, "priceMatch", r.price_match, Need::kOptional));
    DMABOT_TRY(get_i64(o, "goodTillDate", r.good_till_date, Need::kOptional));
  }
  DMABOT_TRY(get_enum(o, "status", r.status, &parse_order_status, Need::kRequired));
  DMABOT_TRY(get_enum(o, "timeInForce", r.time_in_force, &parse_time_in_force, Need::kRequired));
  DMABOT_TRY(get_enum(o, "type", r.type, &parse_order_type, Need::kRequired));
  DMABOT_TRY(get_enum(o, "side", r.side, &parse_order_side, Need::kRequired));
  if (product == Product::kUsdmFutures && o.at_key("origType").error() != sj::SUCCESS) r.orig_type = r.type;
  return kOk;
}

DecodeResult decode_futures_asset(const dom::object& o, FuturesAssetBalance& a) {
  a = FuturesAssetBalance{};
  constexpr Need kOpt = Need::kOptional;
  constexpr Sign kS = Sign::kSigned;
  constexpr Digits kT = Digits::kTruncate;
  DMABOT_TRY(get_text(o, "asset", a.asset, Need::kRequired));
  DMABOT_TRY(get_text(o, "accountAlias", a.account_alias, kOpt));
  // account: walletBalance; balance: balance. One of the two must be there.
  bool found = false;
  std::string_view s;
  DMABOT_TRY(get_string(o, "walletBalance", s, kOpt, &found));
  if (!found) DMABOT_TRY(get_string(o, "balance", s, Need::kRequired, &found));
  DMABOT_TRY(parse_dec(s, found ? "walletBalance" : "balance", a.wallet_balance.raw, kS, kT));
  DMABOT_TRY(get_dec(o, "unrealizedProfit", a.unrealized_profit, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "marginBalance", a.margin_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "maintMargin", a.maint_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "initialMargin", a.initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "positionInitialMargin", a.position_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "openOrderInitialMargin", a.open_order_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "crossWalletBalance", a.cross_wallet_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "crossUnPnl", a.cross_un_pnl, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "availableBalance", a.available_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "maxWithdrawAmount", a.max_withdraw_amount, kOpt, kS, kT));
  DMABOT_TRY(get_bool(o, "marginAvailable", a.margin_available, kOpt));
  DMABOT_TRY(get_i64(o, "updateTime", a.update_time_ms, kOpt));
  return kOk;
}

DecodeResult decode_position(const dom::object& o, FuturesPositionInfo& p) {
  p = FuturesPositionInfo{};
  constexpr Need kOpt = Need::kOptional;
  constexpr Sign kS = Sign::kSigned;
  constexpr Digits kT = Digits::kTruncate;
  DMABOT_TRY(get_text(o, "symbol", p.symbol, Need::kRequired));
  DMABOT_TRY(get_enum(o, "positionSide", p.position_side, &parse_position_side, kOpt));
  DMABOT_TRY(get_dec(o, "positionAmt", p.position_amt, Need::kRequired, kS, kT));
  DMABOT_TRY(get_dec(o, "entryPrice", p.entry_price, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "breakEvenPrice", p.break_even_price, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "markPrice", p.mark_price, kOpt, kS, kT));
  // positionRisk says unRealizedProfit, account positions say unrealizedProfit.
  DMABOT_TRY(get_dec(o, "unRealizedProfit", p.unrealized_profit, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "unrealizedProfit", p.unrealized_profit, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "liquidationPrice", p.liquidation_price, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "isolatedMargin", p.isolated_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "notional", p.notional, kOpt, kS, kT));
  DMABOT_TRY(get_text(o, "marginAsset", p.margin_asset, kOpt));
  DMABOT_TRY(get_dec(o, "isolatedWallet", p.isolated_wallet, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "initialMargin", p.initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "maintMargin", p.maint_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "positionInitialMargin", p.position_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "openOrderInitialMargin", p.open_order_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_int(o, "adl", p.adl, kOpt));
  DMABOT_TRY(get_dec(o, "bidNotional", p.bid_notional, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "askNotional", p.ask_notional, kOpt, kS, kT));
  DMABOT_TRY(get_int_or_string(o, "leverage", p.leverage, kOpt));
  DMABOT_TRY(get_text(o, "marginType", p.margin_type, kOpt));
  DMABOT_TRY(get_bool(o, "isAutoAddMargin", p.is_auto_add_margin, kOpt));
  DMABOT_TRY(get_dec(o, "maxNotionalValue", p.max_notional_value, kOpt, kS, kT));
  DMABOT_TRY(get_i64(o, "updateTime", p.update_time_ms, kOpt));
  return kOk;
}

DecodeResult decode_trade(const dom::object& o, Product product, AccountTrade& t) {
  t = AccountTrade{};
  DMABOT_TRY(get_text(o, "symbol", t.symbol, Need::kRequired));
  DMABOT_TRY(get_u64(o, "id", t.id, Need::kRequired));
  DMABOT_TRY(get_u64(o, "orderId", t.order_id, Need::kRequired));
  DMABOT_TRY(get_dec(o, "price", t.price, Need::kRequired));
  DMABOT_TRY(get_dec(o, "qty", t.qty, Need::kRequired));
  DMABOT_TRY(get_dec(o, "quoteQty", t.quote_qty, Need::kOptional, Sign::kUnsigned, Digits::kTruncate));
  DMABOT_TRY(get_dec(o, "commission", t.commission, Need::kRequired, Sign::kSigned, Digits::kTruncate));
  DMABOT_TRY(get_text(o, "commissionAsset", t.commission_asset, Need::kRequired));
  DMABOT_TRY(get_i64(o, "time", t.time_ms, Need::kRequired));
  if (product == Product::kSpot) {
    DMABOT_TRY(get_i64(o, "orderListId", t.order_list_id, Need::kOptional));
    DMABOT_TRY(get_bool(o, "isBuyer", t.is_buyer, Need::kRequired));
    DMABOT_TRY(get_bool(o, "isMaker", t.is_maker, Need::kRequired));
    DMABOT_TRY(get_bool(o, "isBestMatch", t.is_best_match, Need::kOptional));
    t.side = t.is_buyer ? OrderSide::kBuy : OrderSide::kSell;
  } else {
    DMABOT_TRY(get_bool(o, "buyer", t.is_buyer, Need::kRequired));
    DMABOT_TRY(get_bool(o, "maker", t.is_maker, Need::kRequired));
    DMABOT_TRY(get_enum(o, "side", t.side, &parse_order_side, Need::kRequired));
    DMABOT_TRY(get_enum(o, "positionSide", t.position_side, &parse_position_side, Need::kOptional));
    DMABOT_TRY(get_dec(o, "realizedPnl", t.realized_pnl, Need::kOptional, Sign::kSigned, Digits::kTruncate));
  }
  return kOk;
}

DecodeResult decode_rate_limit(const dom::object& o, RateLimitStatus& r) {
  r = RateLimitStatus{};
  DMABOT_TRY(get_text(o, "rateLimitType", r.rate_limit_type, Need::kRequired));
  DMABOT_TRY(get_text(o, "interval", r.interval, Need::kRequired));
  DMABOT_TRY(get_int(o, "intervalNum", r.interval_num, Need::kRequired));
  DMABOT_TRY(get_i64(o, "limit", r.limit, Need::kRequired));
  DMABOT_TRY(get_i64(o, "count", r.count, Need::kOptional));
  return kOk;
}

DecodeResult decode_error_object(const dom::object& o, ErrorBody& out) {
  out = ErrorBody{};
  DMABOT_TRY(get_int(o, "code", out.code, Need::kRequired));
  DMABOT_TRY(get_string(o, "msg", out.msg, Need::kRequired));
  return kOk;
}

}  // namespace

std::string_view to_string(DecodeError e) {
  switch (e) {
    case DecodeError::kOk:
      return "ok";
    case DecodeError::kEmpty:
      return "empty input";
    case DecodeError::kBadJson:
      return "not valid JSON";
    case DecodeError::kNotObject:
      return "not an object";
    case DecodeError::kNotArray:
      return "not an array";
    case DecodeError::kMissingField:
      return "missing field";
    case DecodeError::kWrongType:
      return "wrong JSON type";
    case DecodeError::kBadDecimal:
      return "bad decimal";
    case DecodeError::kNegative:
      return "negative value";
    case DecodeError::kTooManyDecimals:
      return "more than 8 decimals";
    case DecodeError::kOutOfRange:
      return "integer out of range";
    case DecodeError::kBadEnum:
      return "unknown enum value";
    case DecodeError::kTooLong:
      return "text too long";
    case DecodeError::kApiError:
      return "Binance error body";
    case DecodeError::kNoWsResult:
      return "no WebSocket result to read";
  }
  return "?";
}

std::string describe(DecodeResult r) {
  std::string s(to_string(r.error));
  if (!r.field.empty()) {
    s += " in '";
    s.append(r.field.data(), r.field.size());
    s += "'";
  }
  return s;
}

struct ResponseDecoder::Impl {
  dom::parser parser;
  std::vector<char> scratch = std::vector<char>(4096 + sj::SIMDJSON_PADDING);
  dom::element root;
  dom::element ws_result;
  bool have_ws_result = false;
  std::vector<Fill> fills;
  std::vector<OrderResult> orders;
  std::vector<SpotAssetBalance> balances;
  std::vector<FuturesAssetBalance> assets;
  std::vector<FuturesPositionInfo> positions;
  std::vector<AccountTrade> trades;
  std::vector<RateLimitStatus> rate_limits;
  ErrorBody api_error;

  Impl() {
    fills.reserve(16);
    orders.reserve(64);
    balances.reserve(64);
    assets.reserve(16);
    positions.reserve(64);
    trades.reserve(64);
    rate_limits.reserve(8);
  }

  DecodeResult parse_text(std::string_view text, dom::element& out) {
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    if (i == text.size()) return fail(DecodeError::kEmpty);
    const std::size_t need = text.size() + sj::SIMDJSON_PADDING;
    if (scratch.size() < need) scratch.resize(need * 2);
    std::memcpy(scratch.data(), text.data(), text.size());
    std::memset(scratch.data() + text.size(), 0, sj::SIMDJSON_PADDING);
    have_ws_result = false;
    if (parser.parse(reinterpret_cast<const uint8_t*>(scratch.data()), text.size(), false).get(out) != sj::SUCCESS) {
      return fail(DecodeError::kBadJson);
    }
    return kOk;
  }

  // The root to decode: a fresh parse of the body, or the last envelope's result.
  DecodeResult input(const DecodeInput& in, dom::element& out) {
    if (in.ws_result) {
      if (!have_ws_result) return fail(DecodeError::kNoWsResult);
      out = ws_result;
      return kOk;
    }
    return parse_text(in.text, out);
  }

  // An error object where something else was expected: kApiError, the error kept.
  DecodeResult api_error_or(const dom::element& e, DecodeResult otherwise) {
    dom::object o;
    if (e.get_object().get(o) == sj::SUCCESS && o.at_key("code").error() == sj::SUCCESS &&
        o.at_key("msg").error() == sj::SUCCESS && decode_error_object(o, api_error).ok()) {
      return fail(DecodeError::kApiError);
    }
    return otherwise;
  }

  DecodeResult object_root(const DecodeInput& in, dom::object& o, std::string_view main_field) {
    dom::element e;
    DMABOT_TRY(input(in, e));
    DMABOT_TRY(as_object(e, o, {}));
    if (o.at_key(main_field).error() != sj::SUCCESS)
      return api_error_or(e, fail(DecodeError::kMissingField, main_field));
    return kOk;
  }

  DecodeResult array_root(const DecodeInput& in, dom::array& a) {
    dom::element e;
    DMABOT_TRY(input(in, e));
    if (e.get_array().get(a) != sj::SUCCESS) return api_error_or(e, fail(DecodeError::kNotArray));
    return kOk;
  }
};

ResponseDecoder::ResponseDecoder() : impl_(std::make_unique<Impl>()) {}
ResponseDecoder::~ResponseDecoder() = default;

std::span<const Fill> ResponseDecoder::fills() const { return impl_->fills; }
const ErrorBody& ResponseDecoder::last_api_error() const { return impl_->api_error; }

DecodeResult ResponseDecoder::decode_error(DecodeInput in, ErrorBody& out) {
  dom::element e;
  DMABOT_TRY(impl_->input(in, e));
  dom::object o;
  DMABOT_TRY(as_object(e, o, {}));
  return decode_error_object(o, out);
}

DecodeResult ResponseDecoder::decode_order(DecodeInput in, Product product, OrderResult& out) {
  Impl& m = *impl_;
  m.fills.clear();
  dom::object o;
  DMABOT_TRY(m.object_root(in, o, "orderId"));
  DMABOT_TRY(decode_order_object(o, product, out));
  dom::element fills;
  if (o.at_key("fills").get(fills) == sj::SUCCESS) {
    dom::array a;
    DMABOT_TRY(as_array(fills, a, "fills"));
    for (dom::element fe : a) {
      dom::object fo;
      DMABOT_TRY(as_object(fe, fo, "fills"));
      m.fills.emplace_back();
      DMABOT_TRY(decode_fill(fo, m.fills.back()));
    }
  }
  return kOk;
}

DecodeResult ResponseDecoder::decode_orders(DecodeInput in, Product product, std::span<const OrderResult>& out) {
  Impl& m = *impl_;
  m.orders.clear();
  out = {};
  dom::array a;
  DMABOT_TRY(m.array_root(in, a));
  for (dom::element e : a) {
    dom::object o;
    DMABOT_TRY(as_object(e, o, "orders"));
    if (o.at_key("contingencyType").error() == sj::SUCCESS) continue;  // an order list's report
    m.orders.emplace_back();
    DMABOT_TRY(decode_order_object(o, product, m.orders.back()));
  }
  out = m.orders;
  return kOk;
}

DecodeResult ResponseDecoder::decode_spot_account(DecodeInput in, SpotAccount& out,
                                                  std::span<const SpotAssetBalance>& balances) {
  Impl& m = *impl_;
  m.balances.clear();
  balances = {};
  dom::object o;
  DMABOT_TRY(m.object_root(in, o, "balances"));
  out = SpotAccount{};
  DMABOT_TRY(get_int(o, "makerCommission", out.maker_commission, Need::kOptional));
  DMABOT_TRY(get_int(o, "takerCommission", out.taker_commission, Need::kOptional));
  DMABOT_TRY(get_int(o, "buyerCommission", out.buyer_commission, Need::kOptional));
  DMABOT_TRY(get_int(o, "sellerCommission", out.seller_commission, Need::kOptional));
  dom::element rates;
  if (o.at_key("commissionRates").get(rates) == sj::SUCCESS) {
    dom::object r;
    DMABOT_TRY(as_object(rates, r, "commissionRates"));
    DMABOT_TRY(get_dec(r, "maker", out.commission_maker, Need::kRequired));
    DMABOT_TRY(get_dec(r, "taker", out.commission_taker, Need::kRequired));
    DMABOT_TRY(get_dec(r, "buyer", out.commission_buyer, Need::kOptional));
    DMABOT_TRY(get_dec(r, "seller", out.commission_seller, Need::kOptional));
  }
  DMABOT_TRY(get_bool(o, "canTrade", out.can_trade, Need::kOptional));
  DMABOT_TRY(get_bool(o, "canWithdraw", out.can_withdraw, Need::kOptional));
  DMABOT_TRY(get_bool(o, "canDeposit", out.can_deposit, Need::kOptional));
  DMABOT_TRY(get_bool(o, "brokered", out.brokered, Need::kOptional));
  DMABOT_TRY(get_bool(o, "requireSelfTradePrevention", out.require_self_trade_prevention, Need::kOptional));
  DMABOT_TRY(get_bool(o, "preventSor", out.prevent_sor, Need::kOptional));
  DMABOT_TRY(get_i64(o, "updateTime", out.update_time_ms, Need::kOptional));
  DMABOT_TRY(get_text(o, "accountType", out.account_type, Need::kOptional));
  DMABOT_TRY(get_u64(o, "uid", out.uid, Need::kOptional));
  dom::array a;
  DMABOT_TRY(as_array(o["balances"].value_unsafe(), a, "balances"));
  for (dom::element e : a) {
    dom::object b;
    DMABOT_TRY(as_object(e, b, "balances"));
    SpotAssetBalance& sb = m.balances.emplace_back();
    DMABOT_TRY(get_text(b, "asset", sb.asset, Need::kRequired));
    DMABOT_TRY(get_dec(b, "free", sb.free, Need::kRequired));
    DMABOT_TRY(get_dec(b, "locked", sb.locked, Need::kRequired));
  }
  balances = m.balances;
  return kOk;
}

DecodeResult ResponseDecoder::decode_futures_account(DecodeInput in, FuturesAccount& out,
                                                     std::span<const FuturesAssetBalance>& assets,
                                                     std::span<const FuturesPositionInfo>& positions) {
  Impl& m = *impl_;
  m.assets.clear();
  m.positions.clear();
  assets = {};
  positions = {};
  dom::object o;
  DMABOT_TRY(m.object_root(in, o, "totalWalletBalance"));
  out = FuturesAccount{};
  constexpr Need kOpt = Need::kOptional;
  constexpr Sign kS = Sign::kSigned;
  constexpr Digits kT = Digits::kTruncate;
  DMABOT_TRY(get_dec(o, "totalInitialMargin", out.total_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalMaintMargin", out.total_maint_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalWalletBalance", out.total_wallet_balance, Need::kRequired, kS, kT));
  DMABOT_TRY(get_dec(o, "totalUnrealizedProfit", out.total_unrealized_profit, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalMarginBalance", out.total_margin_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalPositionInitialMargin", out.total_position_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalOpenOrderInitialMargin", out.total_open_order_initial_margin, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalCrossWalletBalance", out.total_cross_wallet_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "totalCrossUnPnl", out.total_cross_un_pnl, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "availableBalance", out.available_balance, kOpt, kS, kT));
  DMABOT_TRY(get_dec(o, "maxWithdrawAmount", out.max_withdraw_amount, kOpt, kS, kT));
  dom::element e;
  if (o.at_key("assets").get(e) == sj::SUCCESS) {
    dom::array a;
    DMABOT_TRY(as_array(e, a, "assets"));
    for (dom::element x : a) {
      dom::object xo;
      DMABOT_TRY(as_object(x, xo, "assets"));
      DMABOT_TRY(decode_futures_asset(xo, m.assets.emplace_back()));
    }
  }
  if (o.at_key("positions").get(e) == sj::SUCCESS) {
    dom::array a;
    DMABOT_TRY(as_array(e, a, "positions"));
    for (dom::element x : a) {
      dom::object xo;
      DMABOT_TRY(as_object(x, xo, "positions"));
      DMABOT_TRY(decode_position(xo, m.positions.emplace_back()));
    }
  }
  assets = m.assets;
  positions = m.positions;
  return kOk;
}

DecodeResult ResponseDecoder::decode_futures_balances(DecodeInput in, std::span<const FuturesAssetBalance>& out) {
  Impl& m = *impl_;
  m.assets.clear();
  out = {};
  dom::array a;
  DMABOT_TRY(m.array_root(in, a));
  for (dom::element x : a) {
    dom::object xo;
    DMABOT_TRY(as_object(x, xo, "balances"));
    DMABOT_TRY(decode_futures_asset(xo, m.assets.emplace_back()));
  }
  out = m.assets;
  return kOk;
}

DecodeResult ResponseDecoder::decode_positions(DecodeInput in, std::span<const FuturesPositionInfo>& out) {
  Impl& m = *impl_;
  m.positions.clear();
  out = {};
  dom::array a;
  DMABOT_TRY(m.array_root(in, a));
  for (dom::element x : a) {
    dom::object xo;
    DMABOT_TRY(as_object(x, xo, "positions"));
    DMABOT_TRY(decode_position(xo, m.positions.emplace_back()));
  }
  out = m.positions;
  return kOk;
}

DecodeResult ResponseDecoder::decode_trades(DecodeInput in, Product product, std::span<const AccountTrade>& out) {
  Impl& m = *impl_;
  m.trades.clear();
  out = {};
  dom::array a;
  DMABOT_TRY(m.array_root(in, a));
  for (dom::element x : a) {
    dom::object xo;
    DMABOT_TRY(as_object(x, xo, "trades"));
    DMABOT_TRY(decode_trade(xo, product, m.trades.emplace_back()));
  }
  out = m.trades;
  return kOk;
}

DecodeResult ResponseDecoder::decode_server_time(DecodeInput in, int64_t& server_time_ms) {
  dom::object o;
  DMABOT_TRY(impl_->object_root(in, o, "serverTime"));
  return get_i64(o, "serverTime", server_time_ms, Need::kRequired);
}

DecodeResult ResponseDecoder::decode_listen_key(DecodeInput in, InlineString<128>& listen_key) {
  dom::object o;
  DMABOT_TRY(impl_->object_root(in, o, "listenKey"));
  return get_text(o, "listenKey", listen_key, Need::kRequired);
}

DecodeResult ResponseDecoder::decode_leverage(DecodeInput in, LeverageResult& out) {
  dom::object o;
  DMABOT_TRY(impl_->object_root(in, o, "leverage"));
  out = LeverageResult{};
  DMABOT_TRY(get_int(o, "leverage", out.leverage, Need::kRequired));
  DMABOT_TRY(
      get_dec(o, "maxNotionalValue", out.max_notional_value, Need::kOptional, Sign::kUnsigned, Digits::kTruncate));
  return get_text(o, "symbol", out.symbol, Need::kRequired);
}

DecodeResult ResponseDecoder::decode_cancel_replace(DecodeInput in, CancelReplaceResult& out) {
  Impl& m = *impl_;
  m.fills.clear();
  out = CancelReplaceResult{};
  dom::element root;
  DMABOT_TRY(m.input(in, root));
  dom::object o;
  DMABOT_TRY(as_object(root, o, {}));
  dom::element data;
  if (o.at_key("cancelResult").error() != sj::SUCCESS && o.at_key("data").get(data) == sj::SUCCESS) {
    DMABOT_TRY(decode_error_object(o, m.api_error));  // REST failure body: code, msg, data
    DMABOT_TRY(as_object(data, o, "data"));
  }
  DMABOT_TRY(get_text(o, "cancelResult", out.cancel_result, Need::kRequired));
  DMABOT_TRY(get_text(o, "newOrderResult", out.new_order_result, Need::kRequired));
  dom::element e;
  if (o.at_key("cancelResponse").get(e) == sj::SUCCESS && !e.is_null()) {
    dom::object co;
    DMABOT_TRY(as_object(e, co, "cancelResponse"));
    if (co.at_key("orderId").error() == sj::SUCCESS) {
      DMABOT_TRY(decode_order_object(co, Product::kSpot, out.cancel));
      out.has_cancel = true;
    } else {
      DMABOT_TRY(decode_error_object(co, out.cancel_error));
    }
  }
  if (o.at_key("newOrderResponse").get(e) == sj::SUCCESS && !e.is_null()) {
    dom::object no;
    DMABOT_TRY(as_object(e, no, "newOrderResponse"));
    if (no.at_key("orderId").error() == sj::SUCCESS) {
      DMABOT_TRY(decode_order_object(no, Product::kSpot, out.new_order));
      out.has_new_order = true;
      dom::element fills;
      if (no.at_key("fills").get(fills) == sj::SUCCESS) {
        dom::array a;
        DMABOT_TRY(as_array(fills, a, "fills"));
        for (dom::element fe : a) {
          dom::object fo;
          DMABOT_TRY(as_object(fe, fo, "fills"));
          DMABOT_TRY(decode_fill(fo, m.fills.emplace_back()));
        }
      }
    } else {
      DMABOT_TRY(decode_error_object(no, out.new_order_error));
    }
  }
  return kOk;
}

DecodeResult ResponseDecoder::decode_subscription_id(DecodeInput in, int64_t& subscription_id) {
  dom::object o;
  DMABOT_TRY(impl_->object_root(in, o, "subscriptionId"));
  return get_i64(o, "subscriptionId", subscription_id, Need::kRequired);
}

DecodeResult ResponseDecoder::decode_ws_envelope(std::string_view frame, WsEnvelope& out) {
  Impl& m = *impl_;
  m.rate_limits.clear();
  out = WsEnvelope{};
  DMABOT_TRY(m.parse_text(frame, m.root));
  dom::object o;
  DMABOT_TRY(as_object(m.root, o, {}));
  dom::element id;
  DMABOT_TRY(find(o, "id", id, Need::kRequired));
  if (id.is_null()) {
    out.id_is_null = true;
  } else if (id.is_string()) {
    out.id_is_string = true;
    if (!out.id.assign(id.get_string().value_unsafe())) return fail(DecodeError::kTooLong, "id");
  } else if (id.type() == dom::element_type::INT64 || id.type() == dom::element_type::UINT64) {
    char buf[24];
    const int n =
        id.type() == dom::element_type::INT64
            ? std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(id.get_int64().value_unsafe()))
            : std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(id.get_uint64().value_unsafe()));
    (void)out.id.assign(std::string_view(buf, static_cast<std::size_t>(n)));
  } else {
    return fail(DecodeError::kWrongType, "id");
  }
  DMABOT_TRY(get_int(o, "status", out.status, Need::kRequired));
  dom::element e;
  if (o.at_key("result").get(e) == sj::SUCCESS) {
    out.has_result = true;
    m.ws_result = e;
  } else if (o.at_key("error").get(e) == sj::SUCCESS) {
    dom::object eo;
    DMABOT_TRY(as_object(e, eo, "error"));
    DMABOT_TRY(decode_error_object(eo, out.error));
    if (eo.at_key("data").get(e) == sj::SUCCESS) {
      out.error_has_data = true;
      m.ws_result = e;
    }
  } else {
    return fail(DecodeError::kMissingField, "result");
  }
  if (o.at_key("rateLimits").get(e) == sj::SUCCESS) {
    dom::array a;
    DMABOT_TRY(as_array(e, a, "rateLimits"));
    for (dom::element x : a) {
      dom::object xo;
      DMABOT_TRY(as_object(x, xo, "rateLimits"));
      DMABOT_TRY(decode_rate_limit(xo, m.rate_limits.emplace_back()));
    }
  }
  out.rate_limits = m.rate_limits;
  m.have_ws_result = out.has_result || out.error_has_data;
  return kOk;
}

}  // namespace dmabot::binance
