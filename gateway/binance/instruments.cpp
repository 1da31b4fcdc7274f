#include "gateway/binance/instruments.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>
#include <utility>

#include "core/strings.h"
#include "simdjson.h"

namespace dmabot::binance {
namespace {

template <typename E, std::size_t N>
struct Names {
  std::array<std::string_view, N> names;
  [[nodiscard]] std::string_view name(E v) const {
    const auto i = static_cast<std::size_t>(v);
    return i < N ? names[i] : std::string_view{};
  }
  [[nodiscard]] bool parse(std::string_view s, E& out) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (!names[i].empty() && names[i] == s) {
        out = static_cast<E>(i);
        return true;
      }
    }
    return false;
  }
};

constexpr Names<RateLimitType, 3> kRateLimitTypes{{"REQUEST_WEIGHT", "ORDERS", "RAW_REQUESTS"}};
constexpr Names<RateLimitInterval, 4> kIntervals{{"SECOND", "MINUTE", "HOUR", "DAY"}};
constexpr Names<FilterType, kFilterTypeCount + 1> kFilterTypes{
    {"PRICE_FILTER", "PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE", "LOT_SIZE", "MARKET_LOT_SIZE", "MIN_NOTIONAL",
     "NOTIONAL", "ICEBERG_PARTS", "MAX_NUM_ORDERS", "MAX_NUM_ALGO_ORDERS", "MAX_NUM_ICEBERG_ORDERS", "MAX_POSITION",
     "TRAILING_DELTA", "MAX_NUM_ORDER_AMENDS", "MAX_NUM_ORDER_LISTS", ""}};

}  // namespace

std::string_view wire_name(RateLimitType v) { return kRateLimitTypes.name(v); }
std::string_view wire_name(RateLimitInterval v) { return kIntervals.name(v); }
std::string_view wire_name(FilterType v) { return kFilterTypes.name(v); }
bool parse_rate_limit_type(std::string_view s, RateLimitType& out) { return kRateLimitTypes.parse(s, out); }
bool parse_rate_limit_interval(std::string_view s, RateLimitInterval& out) { return kIntervals.parse(s, out); }
bool parse_filter_type(std::string_view s, FilterType& out) { return kFilterTypes.parse(s, out); }

bool InstrumentSpec::has(FilterType t) const {
  return std::find(filter_order.begin(), filter_order.end(), t) != filter_order.end();
}
bool InstrumentSpec::allows(OrderType t) const {
  return std::find(order_types.begin(), order_types.end(), t) != order_types.end();
}
bool InstrumentSpec::allows(TimeInForce t) const {
  if (product == Product::kSpot) return t == TimeInForce::kGtc || t == TimeInForce::kIoc || t == TimeInForce::kFok;
  return std::find(time_in_force.begin(), time_in_force.end(), t) != time_in_force.end();
}
void InstrumentSpec::add_filter(FilterType t) { filter_order.push_back(t); }

const InstrumentSpec* ExchangeInfo::find(std::string_view s) const {
  for (const InstrumentSpec& spec : symbols) {
    if (spec.symbol == s) return &spec;
  }
  return nullptr;
}

CheckResult CheckResult::reject(int32_t code, std::string_view msg) {
  CheckResult r;
  r.code = code;
  const std::size_t n = std::min(msg.size(), r.text.size());
  std::memcpy(r.text.data(), msg.data(), n);
  r.len = static_cast<uint8_t>(n);
  return r;
}

// ---- parse ------------------------------------------------------------------------------------
namespace {

namespace dom = simdjson::dom;

// Where a field sits, for the one-line error: `exchangeInfo symbol "X" filter F: field "k": ...`.
struct Where {
  std::string_view symbol;  // empty at top level
  std::string_view filter;  // empty outside a filter
};

absl::Status fail(const Where& w, std::string_view field, std::string_view what) {
  std::string m = "exchangeInfo";
  if (!w.symbol.empty()) {
    m += " symbol ";
    core::append_json_string(m, w.symbol);
  }
  if (!w.filter.empty()) core::str_append(m, " filter ", w.filter);
  m += ": ";
  if (!field.empty()) {
    m += "field ";
    core::append_json_string(m, field);
    m += ": ";
  }
  m += what;
  return absl::InvalidArgumentError(m);
}

std::string_view type_name(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "?";
}

// A local copy: iterating `get_array().value_unsafe()` directly would bind to a dying temporary.
dom::array as_array(const dom::element& e) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return dom::array{};  // callers checked the type
  return a;
}

absl::Status get_field(const dom::object& o, const Where& w, std::string_view key, dom::element& out) {
  if (o[key].get(out) != simdjson::SUCCESS) return fail(w, key, "missing");
  return absl::OkStatus();
}

absl::Status want_type(const Where& w, std::string_view key, const dom::element& e, dom::element_type t,
                       std::string_view wanted) {
  if (e.type() == t) return absl::OkStatus();
  return fail(w, key, core::str_cat("expected ", wanted, ", got ", type_name(e.type())));
}

absl::Status get_sv(const dom::object& o, const Where& w, std::string_view key, std::string_view& out) {
  dom::element e;
  if (auto st = get_field(o, w, key, e); !st.ok()) return st;
  if (auto st = want_type(w, key, e, dom::element_type::STRING, "a string"); !st.ok()) return st;
  out = e.get_string().value_unsafe();
  return absl::OkStatus();
}

absl::Status get_string(const dom::object& o, const Where& w, std::string_view key, std::string& out) {
  std::string_view v;
  if (auto st = get_sv(o, w, key, v); !st.ok()) return st;
  out.assign(v.data(), v.size());
  return absl::OkStatus();
}

// Integers: JSON numbers; a string of digits is accepted too (USD-M sends multiplierDecimal as "4"
// where its docs show 4).
absl::Status get_int(const dom::object& o, const Where& w, std::string_view key, int64_t& out) {
  dom::element e;
  if (auto st = get_field(o, w, key, e); !st.ok()) return st;
  if (e.is_int64()) {
    out = e.get_int64().value_unsafe();
    return absl::OkStatus();
  }
  if (e.is_string()) {
    const std::string_view s = e.get_string().value_unsafe();
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
      out = v;
      return absl::OkStatus();
    }
    return fail(w, key, core::str_cat("bad integer \"", s, "\""));
  }
  return fail(w, key, core::str_cat("expected an integer, got ", type_name(e.type())));
}

absl::Status get_int32(const dom::object& o, const Where& w, std::string_view key, int32_t& out) {
  int64_t v = 0;
  if (auto st = get_int(o, w, key, v); !st.ok()) return st;
  if (v < INT32_MIN || v > INT32_MAX) return fail(w, key, core::str_cat("out of range: ", v));
  out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

absl::Status get_bool(const dom::object& o, const Where& w, std::string_view key, bool& out) {
  dom::element e;
  if (auto st = get_field(o, w, key, e); !st.ok()) return st;
  if (auto st = want_type(w, key, e, dom::element_type::BOOL, "a boolean"); !st.ok()) return st;
  out = e.get_bool().value_unsafe();
  return absl::OkStatus();
}

// Decimal fields are strings ("0.01000000"), parsed exactly; the digits after the point are kept as
// the wire format hint.
absl::Status get_decimal(const dom::object& o, const Where& w, std::string_view key, int64_t& raw,
                         int8_t* decimals = nullptr) {
  std::string_view s;
  if (auto st = get_sv(o, w, key, s); !st.ok()) return st;
  const core::DecimalError de = core::parse_decimal(s, false, raw);
  if (de != core::DecimalError::kOk) {
    return fail(w, key, core::str_cat("bad decimal \"", s, "\" (", core::to_string(de), ")"));
  }
  if (decimals != nullptr) {
    const std::size_t dot = s.find('.');
    *decimals = static_cast<int8_t>(dot == std::string_view::npos ? 0 : s.size() - dot - 1);
  }
  return absl::OkStatus();
}

// A decimal kept as Binance's text (informational USD-M fields), still checked to be one; "" is
// accepted (what a hand-built spec writes for a field it does not set).
absl::Status get_decimal_text(const dom::object& o, const Where& w, std::string_view key, std::string& out) {
  if (auto st = get_string(o, w, key, out); !st.ok() || out.empty()) return st;
  int64_t raw = 0;
  return get_decimal(o, w, key, raw);
}

absl::Status get_string_array(const dom::object& o, const Where& w, std::string_view key,
                              std::vector<std::string>& out) {
  dom::element e;
  if (auto st = get_field(o, w, key, e); !st.ok()) return st;
  if (auto st = want_type(w, key, e, dom::element_type::ARRAY, "an array"); !st.ok()) return st;
  out.clear();
  for (dom::element item : as_array(e)) {
    if (!item.is_string()) return fail(w, key, core::str_cat("expected strings, got ", type_name(item.type())));
    out.emplace_back(item.get_string().value_unsafe());
  }
  return absl::OkStatus();
}

bool has_key(const dom::object& o, std::string_view key) {
  dom::element e;
  return o[key].get(e) == simdjson::SUCCESS;
}

// Optional fields keep the struct's default when absent; present ones must be well-formed.
template <typename T, typename Get>
absl::Status optional(const dom::object& o, const Where& w, std::string_view key, T& out, Get get) {
  if (!has_key(o, key)) return absl::OkStatus();
  return get(o, w, key, out);
}

#define DMABOT_RETURN_IF_ERROR(expr)                      \
  do {                                                    \
    if (absl::Status st_ = (expr); !st_.ok()) return st_; \
  } while (0)

int8_t* slot(InstrumentSpec& spec, DecimalSlot s) { return &spec.wire.decimals[static_cast<int>(s)]; }

absl::Status parse_lot(const dom::object& f, const Where& w, InstrumentSpec& spec, LotSizeFilter& lot,
                       DecimalSlot min_slot, DecimalSlot max_slot, DecimalSlot step_slot) {
  DMABOT_RETURN_IF_ERROR(get_decimal(f, w, "minQty", lot.min_qty.raw, slot(spec, min_slot)));
  DMABOT_RETURN_IF_ERROR(get_decimal(f, w, "maxQty", lot.max_qty.raw, slot(spec, max_slot)));
  DMABOT_RETURN_IF_ERROR(get_decimal(f, w, "stepSize", lot.step_size.raw, slot(spec, step_slot)));
  return absl::OkStatus();
}

absl::Status parse_filter(const dom::element& fe, Product product, InstrumentSpec& spec, std::size_t index) {
  Where w{spec.symbol, {}};
  std::string idx = core::str_cat("filters[", index, "]");
  if (!fe.is_object()) return fail(w, idx, core::str_cat("expected an object, got ", type_name(fe.type())));
  const dom::object f = fe.get_object().value_unsafe();
  std::string_view type_text;
  if (!get_sv(f, w, "filterType", type_text).ok()) {
    return fail(w, core::str_cat(idx, ".filterType"), "missing or not a string");
  }
  FilterType type{};
  if (!parse_filter_type(type_text, type)) {
    spec.filter_order.push_back(FilterType::kUnknown);
    spec.unknown_filters.push_back(simdjson::minify(fe));
    return absl::OkStatus();
  }
  w.filter = type_text;
  const bool spot = product == Product::kSpot;
  switch (type) {
    case FilterType::kPriceFilter:
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "minPrice", spec.price.min_price.raw, slot(spec, DecimalSlot::kMinPrice)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "maxPrice", spec.price.max_price.raw, slot(spec, DecimalSlot::kMaxPrice)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "tickSize", spec.price.tick_size.raw, slot(spec, DecimalSlot::kTickSize)));
      break;
    case FilterType::kLotSize:
      DMABOT_RETURN_IF_ERROR(
          parse_lot(f, w, spec, spec.lot, DecimalSlot::kLotMinQty, DecimalSlot::kLotMaxQty, DecimalSlot::kLotStep));
      break;
    case FilterType::kMarketLotSize:
      DMABOT_RETURN_IF_ERROR(parse_lot(f, w, spec, spec.market_lot, DecimalSlot::kMarketMinQty,
                                       DecimalSlot::kMarketMaxQty, DecimalSlot::kMarketStep));
      break;
    case FilterType::kPercentPrice: {
      PercentPriceFilter& p = spec.percent_price;
      DMABOT_RETURN_IF_ERROR(get_decimal(f, w, "multiplierUp", p.multiplier_up_e8, slot(spec, DecimalSlot::kPctUp)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "multiplierDown", p.multiplier_down_e8, slot(spec, DecimalSlot::kPctDown)));
      if (spot) {
        DMABOT_RETURN_IF_ERROR(get_int32(f, w, "avgPriceMins", p.avg_price_mins));
      } else {
        DMABOT_RETURN_IF_ERROR(get_int32(f, w, "multiplierDecimal", p.multiplier_decimal));
      }
      break;
    }
    case FilterType::kPercentPriceBySide: {
      PercentPriceBySideFilter& p = spec.percent_price_by_side;
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "bidMultiplierUp", p.bid_multiplier_up_e8, slot(spec, DecimalSlot::kBidUp)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "bidMultiplierDown", p.bid_multiplier_down_e8, slot(spec, DecimalSlot::kBidDown)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "askMultiplierUp", p.ask_multiplier_up_e8, slot(spec, DecimalSlot::kAskUp)));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "askMultiplierDown", p.ask_multiplier_down_e8, slot(spec, DecimalSlot::kAskDown)));
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "avgPriceMins", p.avg_price_mins));
      break;
    }
    case FilterType::kMinNotional: {
      MinNotionalFilter& m = spec.min_notional;
      if (spot) {
        DMABOT_RETURN_IF_ERROR(
            get_decimal(f, w, "minNotional", m.min_notional.raw, slot(spec, DecimalSlot::kMinNotional)));
        DMABOT_RETURN_IF_ERROR(get_bool(f, w, "applyToMarket", m.apply_to_market));
        DMABOT_RETURN_IF_ERROR(get_int32(f, w, "avgPriceMins", m.avg_price_mins));
      } else {
        DMABOT_RETURN_IF_ERROR(
            get_decimal(f, w, "notional", m.min_notional.raw, slot(spec, DecimalSlot::kMinNotional)));
      }
      break;
    }
    case FilterType::kNotional: {
      NotionalFilter& n = spec.notional;
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "minNotional", n.min_notional.raw, slot(spec, DecimalSlot::kNotionalMin)));
      DMABOT_RETURN_IF_ERROR(get_bool(f, w, "applyMinToMarket", n.apply_min_to_market));
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "maxNotional", n.max_notional.raw, slot(spec, DecimalSlot::kNotionalMax)));
      DMABOT_RETURN_IF_ERROR(get_bool(f, w, "applyMaxToMarket", n.apply_max_to_market));
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "avgPriceMins", n.avg_price_mins));
      break;
    }
    case FilterType::kIcebergParts:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "limit", spec.iceberg_parts));
      break;
    case FilterType::kMaxNumOrders:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, spot ? "maxNumOrders" : "limit", spec.max_num_orders));
      break;
    case FilterType::kMaxNumAlgoOrders:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, spot ? "maxNumAlgoOrders" : "limit", spec.max_num_algo_orders));
      break;
    case FilterType::kMaxNumIcebergOrders:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "maxNumIcebergOrders", spec.max_num_iceberg_orders));
      break;
    case FilterType::kMaxPosition:
      DMABOT_RETURN_IF_ERROR(
          get_decimal(f, w, "maxPosition", spec.max_position.raw, slot(spec, DecimalSlot::kMaxPosition)));
      break;
    case FilterType::kTrailingDelta: {
      TrailingDeltaFilter& t = spec.trailing_delta;
      DMABOT_RETURN_IF_ERROR(get_int(f, w, "minTrailingAboveDelta", t.min_trailing_above_delta));
      DMABOT_RETURN_IF_ERROR(get_int(f, w, "maxTrailingAboveDelta", t.max_trailing_above_delta));
      DMABOT_RETURN_IF_ERROR(get_int(f, w, "minTrailingBelowDelta", t.min_trailing_below_delta));
      DMABOT_RETURN_IF_ERROR(get_int(f, w, "maxTrailingBelowDelta", t.max_trailing_below_delta));
      break;
    }
    case FilterType::kMaxNumOrderAmends:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "maxNumOrderAmends", spec.max_num_order_amends));
      break;
    case FilterType::kMaxNumOrderLists:
      DMABOT_RETURN_IF_ERROR(get_int32(f, w, "maxNumOrderLists", spec.max_num_order_lists));
      break;
    case FilterType::kUnknown:
      break;
  }
  spec.filter_order.push_back(type);
  return absl::OkStatus();
}

// Order types and timeInForce values this code does not know are left out (Binance adds values;
// an unknown one only means dmabot never sends it).
absl::Status parse_order_types(const dom::object& o, const Where& w, std::string_view key,
                               std::vector<OrderType>& out) {
  std::vector<std::string> names;
  DMABOT_RETURN_IF_ERROR(get_string_array(o, w, key, names));
  out.clear();
  for (const std::string& n : names) {
    OrderType t{};
    if (parse_order_type(n, t)) out.push_back(t);
  }
  return absl::OkStatus();
}

absl::Status parse_tifs(const dom::object& o, const Where& w, std::string_view key, std::vector<TimeInForce>& out) {
  std::vector<std::string> names;
  DMABOT_RETURN_IF_ERROR(get_string_array(o, w, key, names));
  out.clear();
  for (const std::string& n : names) {
    TimeInForce t{};
    if (parse_time_in_force(n, t)) out.push_back(t);
  }
  return absl::OkStatus();
}

// Returns OK with skip_reason set when the symbol is well-formed but carries a value this code
// does not know (it is then left out, not an error).
absl::Status parse_symbol(const dom::element& se, Product product, std::size_t index, InstrumentSpec& spec,
                          std::string& skip_reason) {
  const Where top{};
  const std::string idx = core::str_cat("symbols[", index, "]");
  if (!se.is_object()) return fail(top, idx, core::str_cat("expected an object, got ", type_name(se.type())));
  const dom::object o = se.get_object().value_unsafe();
  spec = InstrumentSpec{};
  spec.product = product;
  std::string_view sym;
  if (auto st = get_sv(o, top, "symbol", sym); !st.ok())
    return fail(top, idx, "field \"symbol\" missing or not a string");
  spec.symbol.assign(sym.data(), sym.size());
  const Where w{spec.symbol, {}};
  std::string_view status_text;
  DMABOT_RETURN_IF_ERROR(get_sv(o, w, "status", status_text));
  if (!parse_symbol_status(status_text, spec.status)) {
    skip_reason = core::str_cat(spec.symbol, ": unknown status \"", status_text, "\"");
    return absl::OkStatus();
  }
  DMABOT_RETURN_IF_ERROR(get_string(o, w, "baseAsset", spec.base_asset));
  DMABOT_RETURN_IF_ERROR(get_string(o, w, "quoteAsset", spec.quote_asset));
  DMABOT_RETURN_IF_ERROR(optional(o, w, "baseAssetPrecision", spec.base_asset_precision, get_int32));
  DMABOT_RETURN_IF_ERROR(optional(o, w, "quotePrecision", spec.quote_precision, get_int32));
  if (product == Product::kSpot) {
    DMABOT_RETURN_IF_ERROR(parse_order_types(o, w, "orderTypes", spec.order_types));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "quoteAssetPrecision", spec.quote_asset_precision, get_int32));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "baseCommissionPrecision", spec.base_commission_precision, get_int32));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "quoteCommissionPrecision", spec.quote_commission_precision, get_int32));
    const std::pair<std::string_view, bool*> flags[] = {
        {"icebergAllowed", &spec.iceberg_allowed},
        {"ocoAllowed", &spec.oco_allowed},
        {"otoAllowed", &spec.oto_allowed},
        {"opoAllowed", &spec.opo_allowed},
        {"quoteOrderQtyMarketAllowed", &spec.quote_order_qty_market_allowed},
        {"allowTrailingStop", &spec.allow_trailing_stop},
        {"cancelReplaceAllowed", &spec.cancel_replace_allowed},
        {"amendAllowed", &spec.amend_allowed},
        {"pegInstructionsAllowed", &spec.peg_instructions_allowed},
        {"isSpotTradingAllowed", &spec.is_spot_trading_allowed},
        {"isMarginTradingAllowed", &spec.is_margin_trading_allowed},
    };
    for (const auto& [key, dst] : flags) DMABOT_RETURN_IF_ERROR(optional(o, w, key, *dst, get_bool));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "permissions", spec.permissions, get_string_array));
    if (has_key(o, "permissionSets")) {
      dom::element ps;
      DMABOT_RETURN_IF_ERROR(get_field(o, w, "permissionSets", ps));
      DMABOT_RETURN_IF_ERROR(want_type(w, "permissionSets", ps, dom::element_type::ARRAY, "an array"));
      for (dom::element set : as_array(ps)) {
        if (!set.is_array()) return fail(w, "permissionSets", "expected an array of arrays of strings");
        auto& dst = spec.permission_sets.emplace_back();
        for (dom::element p : as_array(set)) {
          if (!p.is_string()) return fail(w, "permissionSets", "expected an array of arrays of strings");
          dst.emplace_back(p.get_string().value_unsafe());
        }
      }
    }
    DMABOT_RETURN_IF_ERROR(optional(
        o, w, "defaultSelfTradePreventionMode", spec.default_stp_mode,
        static_cast<absl::Status (*)(const dom::object&, const Where&, std::string_view, std::string&)>(get_string)));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "allowedSelfTradePreventionModes", spec.allowed_stp_modes, get_string_array));
  } else {
    // The docs' example spells the key "OrderType"; the live API sends "orderTypes".
    DMABOT_RETURN_IF_ERROR(parse_order_types(
        o, w, has_key(o, "OrderType") && !has_key(o, "orderTypes") ? "OrderType" : "orderTypes", spec.order_types));
    DMABOT_RETURN_IF_ERROR(parse_tifs(o, w, "timeInForce", spec.time_in_force));
    std::string_view ct;
    DMABOT_RETURN_IF_ERROR(get_sv(o, w, "contractType", ct));
    if (!parse_contract_type(ct, spec.contract_type)) {
      skip_reason = core::str_cat(spec.symbol, ": unknown contractType \"", ct, "\"");
      return absl::OkStatus();
    }
    DMABOT_RETURN_IF_ERROR(optional(o, w, "pair", spec.pair, get_string));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "marginAsset", spec.margin_asset, get_string));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "deliveryDate", spec.delivery_date_ms, get_int));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "onboardDate", spec.onboard_date_ms, get_int));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "maintMarginPercent", spec.maint_margin_percent, get_decimal_text));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "requiredMarginPercent", spec.required_margin_percent, get_decimal_text));
    DMABOT_RETURN_IF_ERROR(get_int32(o, w, "pricePrecision", spec.price_precision));
    DMABOT_RETURN_IF_ERROR(get_int32(o, w, "quantityPrecision", spec.quantity_precision));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "underlyingType", spec.underlying_type, get_string));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "underlyingSubType", spec.underlying_sub_type, get_string_array));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "settlePlan", spec.settle_plan, get_int));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "triggerProtect", spec.trigger_protect, get_decimal_text));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "liquidationFee", spec.liquidation_fee, get_decimal_text));
    DMABOT_RETURN_IF_ERROR(optional(o, w, "marketTakeBound", spec.market_take_bound, get_decimal_text));
  }
  dom::element filters;
  DMABOT_RETURN_IF_ERROR(get_field(o, w, "filters", filters));
  DMABOT_RETURN_IF_ERROR(want_type(w, "filters", filters, dom::element_type::ARRAY, "an array"));
  std::size_t i = 0;
  for (dom::element fe : as_array(filters)) {
    DMABOT_RETURN_IF_ERROR(parse_filter(fe, product, spec, i++));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status parse_exchange_info(std::string_view json, Product product, ExchangeInfo& out) {
  out = ExchangeInfo{};
  out.product = product;
  const Where top{};
  dom::parser parser;
  dom::element doc;
  if (auto ec = parser.parse(json.data(), json.size(), true).get(doc); ec != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        core::str_cat("exchangeInfo: not valid JSON (", simdjson::error_message(ec), ")"));
  }
  if (!doc.is_object()) return fail(top, "", core::str_cat("expected an object, got ", type_name(doc.type())));
  const dom::object o = doc.get_object().value_unsafe();
  DMABOT_RETURN_IF_ERROR(optional(o, top, "timezone", out.timezone, get_string));
  DMABOT_RETURN_IF_ERROR(optional(o, top, "serverTime", out.server_time_ms, get_int));
  if (product == Product::kUsdmFutures)
    DMABOT_RETURN_IF_ERROR(optional(o, top, "futuresType", out.futures_type, get_string));

  if (has_key(o, "rateLimits")) {
    dom::element rl;
    DMABOT_RETURN_IF_ERROR(get_field(o, top, "rateLimits", rl));
    DMABOT_RETURN_IF_ERROR(want_type(top, "rateLimits", rl, dom::element_type::ARRAY, "an array"));
    std::size_t i = 0;
    for (dom::element e : as_array(rl)) {
      const std::string key = core::str_cat("rateLimits[", i++, "]");
      if (!e.is_object()) return fail(top, key, "expected an object");
      const dom::object r = e.get_object().value_unsafe();
      RateLimit lim;
      std::string_view t, iv;
      if (!get_sv(r, top, "rateLimitType", t).ok() || !get_sv(r, top, "interval", iv).ok()) {
        return fail(top, key, "rateLimitType and interval must be strings");
      }
      if (!parse_rate_limit_type(t, lim.type))
        return fail(top, key, core::str_cat("unknown rateLimitType \"", t, "\""));
      if (!parse_rate_limit_interval(iv, lim.interval))
        return fail(top, key, core::str_cat("unknown interval \"", iv, "\""));
      DMABOT_RETURN_IF_ERROR(get_int32(r, top, "intervalNum", lim.interval_num));
      DMABOT_RETURN_IF_ERROR(get_int(r, top, "limit", lim.limit));
      out.rate_limits.push_back(lim);
    }
  }
  if (has_key(o, "exchangeFilters")) {
    dom::element ef;
    DMABOT_RETURN_IF_ERROR(get_field(o, top, "exchangeFilters", ef));
    DMABOT_RETURN_IF_ERROR(want_type(top, "exchangeFilters", ef, dom::element_type::ARRAY, "an array"));
    for (dom::element e : as_array(ef)) out.exchange_filters.push_back(simdjson::minify(e));
  }
  if (product == Product::kUsdmFutures && has_key(o, "assets")) {
    dom::element as;
    DMABOT_RETURN_IF_ERROR(get_field(o, top, "assets", as));
    DMABOT_RETURN_IF_ERROR(want_type(top, "assets", as, dom::element_type::ARRAY, "an array"));
    for (dom::element e : as_array(as)) {
      if (!e.is_object()) return fail(top, "assets", "expected objects");
      const dom::object a = e.get_object().value_unsafe();
      FuturesAsset fa;
      DMABOT_RETURN_IF_ERROR(get_string(a, top, "asset", fa.asset));
      DMABOT_RETURN_IF_ERROR(get_bool(a, Where{fa.asset, {}}, "marginAvailable", fa.margin_available));
      dom::element x;
      if (a["autoAssetExchange"].get(x) == simdjson::SUCCESS) fa.auto_asset_exchange_json = simdjson::minify(x);
      out.assets.push_back(std::move(fa));
    }
  }
  dom::element syms;
  DMABOT_RETURN_IF_ERROR(get_field(o, top, "symbols", syms));
  DMABOT_RETURN_IF_ERROR(want_type(top, "symbols", syms, dom::element_type::ARRAY, "an array"));
  std::size_t i = 0;
  for (dom::element se : as_array(syms)) {
    InstrumentSpec spec;
    std::string skip;
    DMABOT_RETURN_IF_ERROR(parse_symbol(se, product, i++, spec, skip));
    if (!skip.empty()) {
      out.skipped.push_back(std::move(skip));
      continue;
    }
    out.symbols.push_back(std::move(spec));
  }
  return absl::OkStatus();
}

// ---- write ------------------------------------------------------------------------------------
namespace {

// Minimal JSON object/array writers: commas handled, keys escaped, values appended as given.
class JsonObj {
 public:
  explicit JsonObj(std::string& out) : out_(out) { out_.push_back('{'); }
  ~JsonObj() { out_.push_back('}'); }
  JsonObj(const JsonObj&) = delete;
  JsonObj& operator=(const JsonObj&) = delete;

  std::string& key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    core::append_json_string(out_, k);
    out_.push_back(':');
    return out_;
  }
  void str(std::string_view k, std::string_view v) { core::append_json_string(key(k), v); }
  void num(std::string_view k, int64_t v) { core::str_append(key(k), v); }
  void boolean(std::string_view k, bool v) { key(k).append(v ? "true" : "false"); }
  void raw(std::string_view k, std::string_view json) { key(k).append(json); }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_string_array(std::string& out, const std::vector<std::string>& v) {
  out.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out.push_back(',');
    core::append_json_string(out, v[i]);
  }
  out.push_back(']');
}

int needed_decimals(int64_t raw) {
  int64_t frac = (raw < 0 ? -raw : raw) % core::kScale;
  if (frac == 0) return 0;
  int d = core::kDecimals;
  while (frac % 10 == 0) {
    frac /= 10;
    --d;
  }
  return d;
}

int default_decimals(const InstrumentSpec& spec, DecimalSlot s, int64_t raw) {
  if (spec.product == Product::kSpot) return core::kDecimals;
  if (raw % core::kScale == 0) return 0;
  switch (s) {
    case DecimalSlot::kMinPrice:
    case DecimalSlot::kMaxPrice:
    case DecimalSlot::kTickSize:
      return spec.price_precision;
    case DecimalSlot::kLotMinQty:
    case DecimalSlot::kLotMaxQty:
    case DecimalSlot::kLotStep:
    case DecimalSlot::kMarketMinQty:
    case DecimalSlot::kMarketMaxQty:
    case DecimalSlot::kMarketStep:
      return spec.quantity_precision;
    case DecimalSlot::kPctUp:
    case DecimalSlot::kPctDown:
      return spec.percent_price.multiplier_decimal;
    default:
      return 0;
  }
}

// Writes a decimal the way the spec was read (or the product's default style), never dropping a
// digit the value needs.
void put_dec(JsonObj& o, const InstrumentSpec& spec, std::string_view k, int64_t raw, DecimalSlot s) {
  const int hint = spec.wire.decimals[static_cast<int>(s)];
  int d = hint >= 0 ? hint : default_decimals(spec, s, raw);
  d = std::clamp(std::max(d, needed_decimals(raw)), 0, core::kDecimals);
  char buf[core::kDecimalBufSize];
  const std::size_t n = core::format_decimal(raw, buf, d);
  core::append_json_string(o.key(k), std::string_view(buf, n));
}

void write_filter(std::string& out, const InstrumentSpec& spec, FilterType t) {
  const bool spot = spec.product == Product::kSpot;
  JsonObj f(out);
  f.str("filterType", wire_name(t));
  switch (t) {
    case FilterType::kPriceFilter:
      put_dec(f, spec, "minPrice", spec.price.min_price.raw, DecimalSlot::kMinPrice);
      put_dec(f, spec, "maxPrice", spec.price.max_price.raw, DecimalSlot::kMaxPrice);
      put_dec(f, spec, "tickSize", spec.price.tick_size.raw, DecimalSlot::kTickSize);
      break;
    case FilterType::kLotSize:
      put_dec(f, spec, "minQty", spec.lot.min_qty.raw, DecimalSlot::kLotMinQty);
      put_dec(f, spec, "maxQty", spec.lot.max_qty.raw, DecimalSlot::kLotMaxQty);
      put_dec(f, spec, "stepSize", spec.lot.step_size.raw, DecimalSlot::kLotStep);
      break;
    case FilterType::kMarketLotSize:
      put_dec(f, spec, "minQty", spec.market_lot.min_qty.raw, DecimalSlot::kMarketMinQty);
      put_dec(f, spec, "maxQty", spec.market_lot.max_qty.raw, DecimalSlot::kMarketMaxQty);
      put_dec(f, spec, "stepSize", spec.market_lot.step_size.raw, DecimalSlot::kMarketStep);
      break;
    case FilterType::kPercentPrice:
      put_dec(f, spec, "multiplierUp", spec.percent_price.multiplier_up_e8, DecimalSlot::kPctUp);
      put_dec(f, spec, "multiplierDown", spec.percent_price.multiplier_down_e8, DecimalSlot::kPctDown);
      if (spot) {
        f.num("avgPriceMins", spec.percent_price.avg_price_mins);
      } else {
        f.num("multiplierDecimal", spec.percent_price.multiplier_decimal);
      }
      break;
    case FilterType::kPercentPriceBySide: {
      const PercentPriceBySideFilter& p = spec.percent_price_by_side;
      put_dec(f, spec, "bidMultiplierUp", p.bid_multiplier_up_e8, DecimalSlot::kBidUp);
      put_dec(f, spec, "bidMultiplierDown", p.bid_multiplier_down_e8, DecimalSlot::kBidDown);
      put_dec(f, spec, "askMultiplierUp", p.ask_multiplier_up_e8, DecimalSlot::kAskUp);
      put_dec(f, spec, "askMultiplierDown", p.ask_multiplier_down_e8, DecimalSlot::kAskDown);
      f.num("avgPriceMins", p.avg_price_mins);
      break;
    }
    case FilterType::kMinNotional:
      if (spot) {
        put_dec(f, spec, "minNotional", spec.min_notional.min_notional.raw, DecimalSlot::kMinNotional);
        f.boolean("applyToMarket", spec.min_notional.apply_to_market);
        f.num("avgPriceMins", spec.min_notional.avg_price_mins);
      } else {
        put_dec(f, spec, "notional", spec.min_notional.min_notional.raw, DecimalSlot::kMinNotional);
      }
      break;
    case FilterType::kNotional:
      put_dec(f, spec, "minNotional", spec.notional.min_notional.raw, DecimalSlot::kNotionalMin);
      f.boolean("applyMinToMarket", spec.notional.apply_min_to_market);
      put_dec(f, spec, "maxNotional", spec.notional.max_notional.raw, DecimalSlot::kNotionalMax);
      f.boolean("applyMaxToMarket", spec.notional.apply_max_to_market);
      f.num("avgPriceMins", spec.notional.avg_price_mins);
      break;
    case FilterType::kIcebergParts:
      f.num("limit", spec.iceberg_parts);
      break;
    case FilterType::kMaxNumOrders:
      f.num(spot ? "maxNumOrders" : "limit", spec.max_num_orders);
      break;
    case FilterType::kMaxNumAlgoOrders:
      f.num(spot ? "maxNumAlgoOrders" : "limit", spec.max_num_algo_orders);
      break;
    case FilterType::kMaxNumIcebergOrders:
      f.num("maxNumIcebergOrders", spec.max_num_iceberg_orders);
      break;
    case FilterType::kMaxPosition:
      put_dec(f, spec, "maxPosition", spec.max_position.raw, DecimalSlot::kMaxPosition);
      break;
    case FilterType::kTrailingDelta:
      f.num("minTrailingAboveDelta", spec.trailing_delta.min_trailing_above_delta);
      f.num("maxTrailingAboveDelta", spec.trailing_delta.max_trailing_above_delta);
      f.num("minTrailingBelowDelta", spec.trailing_delta.min_trailing_below_delta);
      f.num("maxTrailingBelowDelta", spec.trailing_delta.max_trailing_below_delta);
      break;
    case FilterType::kMaxNumOrderAmends:
      f.num("maxNumOrderAmends", spec.max_num_order_amends);
      break;
    case FilterType::kMaxNumOrderLists:
      f.num("maxNumOrderLists", spec.max_num_order_lists);
      break;
    case FilterType::kUnknown:
      break;
  }
}

void write_filters(JsonObj& o, const InstrumentSpec& spec) {
  std::string& out = o.key("filters");
  out.push_back('[');
  std::size_t unknown = 0;
  bool first = true;
  for (FilterType t : spec.filter_order) {
    if (t == FilterType::kUnknown && unknown >= spec.unknown_filters.size()) continue;
    if (!first) out.push_back(',');
    first = false;
    if (t == FilterType::kUnknown) {
      out.append(spec.unknown_filters[unknown++]);
    } else {
      write_filter(out, spec, t);
    }
  }
  out.push_back(']');
}

template <typename E>
void write_enum_array(JsonObj& o, std::string_view k, const std::vector<E>& v) {
  std::string& out = o.key(k);
  out.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out.push_back(',');
    core::append_json_string(out, wire_name(v[i]));
  }
  out.push_back(']');
}

void write_spot_symbol(std::string& out, const InstrumentSpec& s) {
  JsonObj o(out);
  o.str("symbol", s.symbol);
  o.str("status", wire_name(s.status));
  o.str("baseAsset", s.base_asset);
  o.num("baseAssetPrecision", s.base_asset_precision);
  o.str("quoteAsset", s.quote_asset);
  o.num("quotePrecision", s.quote_precision);
  o.num("quoteAssetPrecision", s.quote_asset_precision);
  o.num("baseCommissionPrecision", s.base_commission_precision);
  o.num("quoteCommissionPrecision", s.quote_commission_precision);
  write_enum_array(o, "orderTypes", s.order_types);
  o.boolean("icebergAllowed", s.iceberg_allowed);
  o.boolean("ocoAllowed", s.oco_allowed);
  o.boolean("otoAllowed", s.oto_allowed);
  o.boolean("opoAllowed", s.opo_allowed);
  o.boolean("quoteOrderQtyMarketAllowed", s.quote_order_qty_market_allowed);
  o.boolean("allowTrailingStop", s.allow_trailing_stop);
  o.boolean("cancelReplaceAllowed", s.cancel_replace_allowed);
  o.boolean("amendAllowed", s.amend_allowed);
  o.boolean("pegInstructionsAllowed", s.peg_instructions_allowed);
  o.boolean("isSpotTradingAllowed", s.is_spot_trading_allowed);
  o.boolean("isMarginTradingAllowed", s.is_margin_trading_allowed);
  write_filters(o, s);
  append_string_array(o.key("permissions"), s.permissions);
  std::string& ps = o.key("permissionSets");
  ps.push_back('[');
  for (std::size_t i = 0; i < s.permission_sets.size(); ++i) {
    if (i != 0) ps.push_back(',');
    append_string_array(ps, s.permission_sets[i]);
  }
  ps.push_back(']');
  o.str("defaultSelfTradePreventionMode", s.default_stp_mode);
  append_string_array(o.key("allowedSelfTradePreventionModes"), s.allowed_stp_modes);
}

void write_futures_symbol(std::string& out, const InstrumentSpec& s) {
  JsonObj o(out);
  o.str("symbol", s.symbol);
  o.str("pair", s.pair);
  o.str("contractType", wire_name(s.contract_type));
  o.num("deliveryDate", s.delivery_date_ms);
  o.num("onboardDate", s.onboard_date_ms);
  o.str("status", wire_name(s.status));
  o.str("maintMarginPercent", s.maint_margin_percent);
  o.str("requiredMarginPercent", s.required_margin_percent);
  o.str("baseAsset", s.base_asset);
  o.str("quoteAsset", s.quote_asset);
  o.str("marginAsset", s.margin_asset);
  o.num("pricePrecision", s.price_precision);
  o.num("quantityPrecision", s.quantity_precision);
  o.num("baseAssetPrecision", s.base_asset_precision);
  o.num("quotePrecision", s.quote_precision);
  o.str("underlyingType", s.underlying_type);
  append_string_array(o.key("underlyingSubType"), s.underlying_sub_type);
  o.num("settlePlan", s.settle_plan);
  o.str("triggerProtect", s.trigger_protect);
  write_filters(o, s);
  write_enum_array(o, "orderTypes", s.order_types);
  write_enum_array(o, "timeInForce", s.time_in_force);
  o.str("liquidationFee", s.liquidation_fee);
  o.str("marketTakeBound", s.market_take_bound);
}

}  // namespace

void write_exchange_info(const ExchangeInfo& info, int64_t server_time_ms, std::string& out) {
  const bool spot = info.product == Product::kSpot;
  JsonObj o(out);
  o.str("timezone", info.timezone);
  o.num("serverTime", server_time_ms);
  if (!spot) o.str("futuresType", info.futures_type);
  {
    std::string& rl = o.key("rateLimits");
    rl.push_back('[');
    for (std::size_t i = 0; i < info.rate_limits.size(); ++i) {
      if (i != 0) rl.push_back(',');
      const RateLimit& r = info.rate_limits[i];
      JsonObj e(rl);
      // Key order as each product's docs show it.
      if (spot) e.str("rateLimitType", wire_name(r.type));
      e.str("interval", wire_name(r.interval));
      e.num("intervalNum", r.interval_num);
      e.num("limit", r.limit);
      if (!spot) e.str("rateLimitType", wire_name(r.type));
    }
    rl.push_back(']');
  }
  {
    std::string& ef = o.key("exchangeFilters");
    ef.push_back('[');
    for (std::size_t i = 0; i < info.exchange_filters.size(); ++i) {
      if (i != 0) ef.push_back(',');
      ef.append(info.exchange_filters[i]);
    }
    ef.push_back(']');
  }
  if (!spot) {
    std::string& as = o.key("assets");
    as.push_back('[');
    for (std::size_t i = 0; i < info.assets.size(); ++i) {
      if (i != 0) as.push_back(',');
      JsonObj a(as);
      a.str("asset", info.assets[i].asset);
      a.boolean("marginAvailable", info.assets[i].margin_available);
      a.raw("autoAssetExchange", info.assets[i].auto_asset_exchange_json);
    }
    as.push_back(']');
  }
  std::string& sy = o.key("symbols");
  sy.push_back('[');
  for (std::size_t i = 0; i < info.symbols.size(); ++i) {
    if (i != 0) sy.push_back(',');
    if (spot) {
      write_spot_symbol(sy, info.symbols[i]);
    } else {
      write_futures_symbol(sy, info.symbols[i]);
    }
  }
  sy.push_back(']');
}

// ---- checks -----------------------------------------------------------------------------------
namespace {

using i128 = __int128;

// Order types that carry a `price` (the rest trade at the market once live). Spot TAKE_PROFIT is a
// market order on trigger; USD-M TAKE_PROFIT and STOP carry a price.
bool is_priced(Product p, OrderType t) {
  if (p == Product::kSpot) {
    return t == OrderType::kLimit || t == OrderType::kLimitMaker || t == OrderType::kStopLossLimit ||
           t == OrderType::kTakeProfitLimit;
  }
  return t == OrderType::kLimit || t == OrderType::kStop || t == OrderType::kTakeProfit;
}

// price <= ref * multiplier, exactly: both sides scaled by 1e8 in 128 bits.
bool le_scaled(core::Price price, core::Price ref, int64_t mult_e8) {
  return static_cast<i128>(price.raw) * core::kScale <= static_cast<i128>(ref.raw) * mult_e8;
}
bool ge_scaled(core::Price price, core::Price ref, int64_t mult_e8) {
  return static_cast<i128>(price.raw) * core::kScale >= static_cast<i128>(ref.raw) * mult_e8;
}
// price * qty compared with a notional bound (all raw 1e-8), exactly.
i128 notional_e16(core::Price px, core::Qty qty) { return static_cast<i128>(px.raw) * qty.raw; }
i128 bound_e16(core::Price bound) { return static_cast<i128>(bound.raw) * core::kScale; }

CheckResult spot_filter_failure(std::string_view filter) {
  char buf[64];
  const std::size_t p = kFilterFailurePrefix.size();
  std::memcpy(buf, kFilterFailurePrefix.data(), p);
  const std::size_t n = std::min(filter.size(), sizeof(buf) - p);
  std::memcpy(buf + p, filter.data(), n);
  return CheckResult::reject(ErrorCode::kInvalidMessage, std::string_view(buf, p + n));
}

// Spot LOT_SIZE / MARKET_LOT_SIZE rule (filters.md): qty >= minQty, qty <= maxQty, qty % stepSize == 0.
bool spot_lot_ok(const LotSizeFilter& f, core::Qty q) {
  if (q < f.min_qty || q > f.max_qty) return false;
  return f.step_size.raw == 0 || q.raw % f.step_size.raw == 0;
}

CheckResult check_spot(const InstrumentSpec& spec, const OrderCheck& o) {
  if (!accepts_new_orders(spec.status))
    return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kMarketClosed);
  if (!spec.allows(o.type)) {
    switch (o.type) {
      case OrderType::kMarket:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kMarketOrdersNotSupported);
      case OrderType::kStopLoss:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kStopLossNotSupported);
      case OrderType::kStopLossLimit:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kStopLossLimitNotSupported);
      case OrderType::kTakeProfit:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kTakeProfitNotSupported);
      case OrderType::kTakeProfitLimit:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kTakeProfitLimitNotSupported);
      case OrderType::kLimit:
      case OrderType::kLimitMaker:
        return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kUnsupportedOrderCombination);
      default:
        return CheckResult::reject(ErrorCode::kInvalidOrderType, error_message(-1116, Product::kSpot));
    }
  }
  // timeInForce: required by LIMIT, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT; not sent with MARKET or
  // LIMIT_MAKER (rest-api.md "Additional mandatory parameters based on type").
  const bool needs_tif =
      o.type == OrderType::kLimit || o.type == OrderType::kStopLossLimit || o.type == OrderType::kTakeProfitLimit;
  if (needs_tif && !o.has_tif) {
    return CheckResult::reject(ErrorCode::kMandatoryParamEmptyOrMalformed,
                               "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
  }
  if (!needs_tif && o.has_tif) {
    return CheckResult::reject(ErrorCode::kParamNotRequired, "Parameter 'timeInForce' sent when not required.");
  }
  if (o.has_tif && !spec.allows(o.tif)) return CheckResult::reject(ErrorCode::kInvalidTif, "Invalid timeInForce.");

  const bool priced = is_priced(spec.product, o.type);
  const bool market = o.type == OrderType::kMarket;
  const bool have_ref = o.reference_price.raw > 0;
  for (FilterType t : spec.filter_order) {
    switch (t) {
      case FilterType::kPriceFilter: {
        if (!priced) break;
        const PriceFilter& f = spec.price;
        if ((f.min_price.raw != 0 && o.price < f.min_price) || (f.max_price.raw != 0 && o.price > f.max_price) ||
            (f.tick_size.raw != 0 && o.price.raw % f.tick_size.raw != 0)) {
          return spot_filter_failure("PRICE_FILTER");
        }
        break;
      }
      case FilterType::kPercentPrice: {
        if (!priced || !have_ref) break;
        const PercentPriceFilter& f = spec.percent_price;
        if (!le_scaled(o.price, o.reference_price, f.multiplier_up_e8) ||
            !ge_scaled(o.price, o.reference_price, f.multiplier_down_e8)) {
          return spot_filter_failure("PERCENT_PRICE");
        }
        break;
      }
      case FilterType::kPercentPriceBySide: {
        if (!priced || !have_ref) break;
        const PercentPriceBySideFilter& f = spec.percent_price_by_side;
        const bool buy = o.side == OrderSide::kBuy;
        const int64_t up = buy ? f.bid_multiplier_up_e8 : f.ask_multiplier_up_e8;
        const int64_t down = buy ? f.bid_multiplier_down_e8 : f.ask_multiplier_down_e8;
        if (!le_scaled(o.price, o.reference_price, up) || !ge_scaled(o.price, o.reference_price, down)) {
          return spot_filter_failure("PERCENT_PRICE_BY_SIDE");
        }
        break;
      }
      case FilterType::kLotSize:
        if (!spot_lot_ok(spec.lot, o.qty)) return spot_filter_failure("LOT_SIZE");
        break;
      case FilterType::kMarketLotSize:
        if (market && !spot_lot_ok(spec.market_lot, o.qty)) return spot_filter_failure("MARKET_LOT_SIZE");
        break;
      case FilterType::kMinNotional: {
        const MinNotionalFilter& f = spec.min_notional;
        if (market && (!f.apply_to_market || !have_ref)) break;
        const core::Price px = market ? o.reference_price : o.price;
        if (!priced && !market) break;
        if (notional_e16(px, o.qty) < bound_e16(f.min_notional)) return spot_filter_failure("MIN_NOTIONAL");
        break;
      }
      case FilterType::kNotional: {
        if (!priced && !market) break;
        if (market && !have_ref) break;
        const NotionalFilter& f = spec.notional;
        const core::Price px = market ? o.reference_price : o.price;
        const i128 n = notional_e16(px, o.qty);
        if ((!market || f.apply_min_to_market) && n < bound_e16(f.min_notional)) return spot_filter_failure("NOTIONAL");
        if ((!market || f.apply_max_to_market) && n > bound_e16(f.max_notional)) return spot_filter_failure("NOTIONAL");
        break;
      }
      case FilterType::kMaxNumOrders:
        if (o.open_orders_count >= spec.max_num_orders) return spot_filter_failure("MAX_NUM_ORDERS");
        break;
      default:
        break;  // filters on order kinds dmabot does not check here (iceberg, algo, trailing, ...)
    }
  }
  if (priced && notional_e16(o.price, o.qty) <= 0) {
    return CheckResult::reject(ErrorCode::kNewOrderRejected, spot_msg::kPriceQtyZero);
  }
  return {};
}

// USD-M rule (Common Definition page): (value - min) % step == 0.
bool anchored_on_grid(int64_t v, int64_t min, int64_t step) { return step == 0 || (v - min) % step == 0; }

// True when raw has no digits beyond `precision` decimals.
bool within_precision(int64_t raw, int32_t precision) {
  if (precision < 0 || precision >= core::kDecimals) return true;
  int64_t unit = 1;
  for (int i = precision; i < core::kDecimals; ++i) unit *= 10;
  return raw % unit == 0;
}

CheckResult check_futures(const InstrumentSpec& spec, const OrderCheck& o) {
  if (!accepts_new_orders(spec.status)) {
    if (spec.status == SymbolStatus::kClose || spec.status == SymbolStatus::kDelivered) {
      return CheckResult::reject(ErrorCode::kSymbolAlreadyClosed, error_message(-4141, Product::kUsdmFutures));
    }
    return CheckResult::reject(ErrorCode::kInvalidOpeningPositionStatus, error_message(-4140, Product::kUsdmFutures));
  }
  if (!spec.allows(o.type)) return CheckResult::reject(ErrorCode::kInvalidOrderType, "Invalid orderType.");
  const bool priced = is_priced(spec.product, o.type);
  const bool market = o.type == OrderType::kMarket;
  if (o.type == OrderType::kLimit && !o.has_tif) {
    return CheckResult::reject(ErrorCode::kMandatoryParamEmptyOrMalformed,
                               "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
  }
  if (o.has_tif && !spec.allows(o.tif)) return CheckResult::reject(ErrorCode::kInvalidTif, "Invalid timeInForce.");
  const std::string_view precision_msg = error_message(-1111, Product::kUsdmFutures);
  if (priced && !within_precision(o.price.raw, spec.price_precision)) {
    return CheckResult::reject(ErrorCode::kBadPrecision, precision_msg);
  }
  if (!within_precision(o.qty.raw, spec.quantity_precision)) {
    return CheckResult::reject(ErrorCode::kBadPrecision, precision_msg);
  }
  auto msg = [](int32_t code) { return error_message(code, Product::kUsdmFutures); };
  if (priced && spec.has(FilterType::kPriceFilter)) {
    const PriceFilter& f = spec.price;
    if (f.min_price.raw != 0 && o.price < f.min_price) return CheckResult::reject(-4013, msg(-4013));
    if (f.max_price.raw != 0 && o.price > f.max_price) return CheckResult::reject(-4002, msg(-4002));
    if (!anchored_on_grid(o.price.raw, f.min_price.raw, f.tick_size.raw)) return CheckResult::reject(-4014, msg(-4014));
  }
  if (o.qty.raw <= 0) return CheckResult::reject(-4003, msg(-4003));
  const bool use_market_lot = market && spec.has(FilterType::kMarketLotSize);
  if (use_market_lot || spec.has(FilterType::kLotSize)) {
    const LotSizeFilter& f = use_market_lot ? spec.market_lot : spec.lot;
    if (o.qty < f.min_qty) return CheckResult::reject(-4004, msg(-4004));
    if (o.qty > f.max_qty) return CheckResult::reject(-4005, msg(-4005));
    if (!anchored_on_grid(o.qty.raw, f.min_qty.raw, f.step_size.raw)) return CheckResult::reject(-4023, msg(-4023));
  }
  const bool have_mark = o.reference_price.raw > 0;
  if (priced && have_mark && spec.has(FilterType::kPercentPrice)) {
    const PercentPriceFilter& f = spec.percent_price;
    if (o.side == OrderSide::kBuy && !le_scaled(o.price, o.reference_price, f.multiplier_up_e8)) {
      return CheckResult::reject(-4016, msg(-4016));
    }
    if (o.side == OrderSide::kSell && !ge_scaled(o.price, o.reference_price, f.multiplier_down_e8)) {
      return CheckResult::reject(-4024, msg(-4024));
    }
  }
  if (!o.reduce_only && spec.has(FilterType::kMinNotional) && (priced || (market && have_mark))) {
    const core::Price px = market ? o.reference_price : o.price;
    if (notional_e16(px, o.qty) < bound_e16(spec.min_notional.min_notional)) {
      // The live text (as Binance sends it): the symbol's value, trimmed, and a closing period.
      char buf[112];
      constexpr std::string_view kHead = "Order's notional must be no smaller than ";
      constexpr std::string_view kTail = " (unless you choose reduce only).";
      std::size_t n = 0;
      std::memcpy(buf, kHead.data(), kHead.size());
      n += kHead.size();
      n += core::format_decimal_trimmed(spec.min_notional.min_notional.raw, buf + n);
      std::memcpy(buf + n, kTail.data(), kTail.size());
      n += kTail.size();
      return CheckResult::reject(ErrorCode::kMinNotional, std::string_view(buf, n));
    }
  }
  if (spec.has(FilterType::kMaxNumOrders) && o.open_orders_count >= spec.max_num_orders) {
    return CheckResult::reject(-2025, msg(-2025));
  }
  return {};
}

}  // namespace

CheckResult check_new_order(const InstrumentSpec& spec, const OrderCheck& order) {
  return spec.product == Product::kSpot ? check_spot(spec, order) : check_futures(spec, order);
}

CheckResult check_cancel(const InstrumentSpec& spec) {
  if (spec.product == Product::kUsdmFutures &&
      (spec.status == SymbolStatus::kClose || spec.status == SymbolStatus::kDelivered)) {
    return CheckResult::reject(ErrorCode::kSymbolAlreadyClosed, error_message(-4141, Product::kUsdmFutures));
  }
  return {};
}

// ---- quantization -----------------------------------------------------------------------------

core::Price price_floor(const InstrumentSpec& spec, core::Price px) {
  const int64_t tick = spec.price.tick_size.raw;
  if (tick <= 0) return px;
  const int64_t base = spec.product == Product::kSpot ? 0 : spec.price.min_price.raw;
  return core::Price::from_raw(base + core::floor_to_step(px.raw - base, tick));
}

core::Price price_ceil(const InstrumentSpec& spec, core::Price px) {
  const int64_t tick = spec.price.tick_size.raw;
  if (tick <= 0) return px;
  const int64_t base = spec.product == Product::kSpot ? 0 : spec.price.min_price.raw;
  return core::Price::from_raw(base + core::ceil_to_step(px.raw - base, tick));
}

core::Qty qty_floor(const InstrumentSpec& spec, core::Qty qty, bool market) {
  const LotSizeFilter& f =
      market && spec.has(FilterType::kMarketLotSize) && spec.market_lot.step_size.raw > 0 ? spec.market_lot : spec.lot;
  const int64_t step = f.step_size.raw;
  if (step <= 0) return qty;
  const int64_t base = spec.product == Product::kSpot ? 0 : f.min_qty.raw;
  return core::Qty::from_raw(base + core::floor_to_step(qty.raw - base, step));
}
#undef DMABOT_RETURN_IF_ERROR

}  // namespace dmabot::binance
