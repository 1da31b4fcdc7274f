#include "gateway/binance/user_data.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <utility>

#include "core/strings.h"
#include "simdjson.h"

namespace dmabot::binance {

namespace sj = simdjson;
namespace od = simdjson::ondemand;
using core::UnixNanos;
using R = UserDataResult;
using E = UserDataError;
using K = UserEventKind;

static_assert(UserDataDecoder::kPadding == sj::SIMDJSON_PADDING);

std::string_view to_string(UserEventKind k) {
  switch (k) {
    case K::kExecutionReport:
      return "executionReport";
    case K::kAccountPosition:
      return "outboundAccountPosition";
    case K::kBalanceUpdate:
      return "balanceUpdate";
    case K::kExternalLockUpdate:
      return "externalLockUpdate";
    case K::kEventStreamTerminated:
      return "eventStreamTerminated";
    case K::kServerShutdown:
      return "serverShutdown";
    case K::kOrderTradeUpdate:
      return "ORDER_TRADE_UPDATE";
    case K::kAccountUpdate:
      return "ACCOUNT_UPDATE";
    case K::kMarginCall:
      return "MARGIN_CALL";
    case K::kListenKeyExpired:
      return "listenKeyExpired";
    case K::kTradeLite:
      return "TRADE_LITE";
    case K::kAccountConfigUpdate:
      return "ACCOUNT_CONFIG_UPDATE";
    case K::kIgnored:
      return "ignored";
    case K::kUnknown:
      return "unknown";
    case K::kError:
      return "error";
    case K::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(UserDataError e) {
  switch (e) {
    case E::kNone:
      return "none";
    case E::kEmpty:
      return "empty";
    case E::kBadJson:
      return "bad_json";
    case E::kNotObject:
      return "not_object";
    case E::kTrailingContent:
      return "trailing_content";
    case E::kMissingField:
      return "missing_field";
    case E::kWrongType:
      return "wrong_type";
    case E::kBadDecimal:
      return "bad_decimal";
    case E::kNegative:
      return "negative";
    case E::kTooManyDecimals:
      return "too_many_decimals";
    case E::kOutOfRange:
      return "out_of_range";
    case E::kBadEnum:
      return "bad_enum";
    case E::kTooLong:
      return "too_long";
    case E::kTooMany:
      return "too_many";
    case E::kTooLarge:
      return "too_large";
    case E::kBadEnvelope:
      return "bad_envelope";
    case E::kUnknownEvent:
      return "unknown_event";
    case E::kNoEventType:
      return "no_event_type";
    case E::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(Envelope e) {
  switch (e) {
    case Envelope::kBare:
      return "bare";
    case Envelope::kWsApi:
      return "ws_api";
    case Envelope::kCombined:
      return "combined";
  }
  return "?";
}

namespace {

// kind == kCount: no verdict yet, carry on.
constexpr R kGo{K::kCount, E::kNone, {}, 0, Envelope::kBare, -1};

constexpr R fail(E e, std::string_view field = {}, sj::error_code je = sj::SUCCESS) {
  return R{K::kError, e, field, static_cast<int>(je), Envelope::kBare, -1};
}
constexpr R verdict(K k, E e = E::kNone, std::string_view field = {}) { return R{k, e, field, 0, Envelope::kBare, -1}; }
constexpr bool go(const R& r) { return r.kind == K::kCount; }

R json_fail(sj::error_code e, std::string_view field) {
  switch (e) {
    case sj::INCORRECT_TYPE:
      return fail(E::kWrongType, field, e);
    case sj::NUMBER_OUT_OF_RANGE:
      return fail(E::kOutOfRange, field, e);
    default:
      return fail(E::kBadJson, field, e);
  }
}

R decimal_fail(core::DecimalError e, std::string_view field) {
  switch (e) {
    case core::DecimalError::kNegative:
      return fail(E::kNegative, field);
    case core::DecimalError::kTooManyDecimals:
      return fail(E::kTooManyDecimals, field);
    case core::DecimalError::kOverflow:
      return fail(E::kOutOfRange, field);
    default:
      return fail(E::kBadDecimal, field);
  }
}

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Keys are at most 4 bytes here: packed into an integer so that a switch dispatches them.
constexpr uint32_t key(std::string_view s) {
  uint32_t k = 0;
  for (std::size_t i = 0; i < s.size(); ++i) k |= static_cast<uint32_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  return k;
}
// 0 for keys longer than 4 bytes (none of ours): they are skipped. Reading stops at the closing
// quote, which a key always has inside the document.
uint32_t key_code(od::field& f) {
  const char* raw = f.key().raw();
  uint32_t k = 0;
  for (int i = 0; i < 5; ++i) {
    const char c = raw[i];
    if (c == '"') return k;
    if (i == 4) return 0;
    k |= static_cast<uint32_t>(static_cast<uint8_t>(c)) << (8 * i);
  }
  return 0;
}

// The text between a string value's quotes, straight from the input (numbers and enum names: a
// backslash there is an error anyway).
bool string_token(od::value& v, std::string_view& out) {
  std::string_view t = v.raw_json_token();
  while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return false;
  out = t.substr(1, t.size() - 2);
  return true;
}

template <class Tag>
R read_dec(od::value& v, std::string_view field, core::Fixed<Tag>& out, bool allow_negative = false) {
  std::string_view t;
  if (!string_token(v, t)) return fail(E::kWrongType, field);
  if (auto e = core::parse_decimal(t, allow_negative, out.raw); e != core::DecimalError::kOk) {
    return decimal_fail(e, field);
  }
  return kGo;
}
template <class Tag>
R read_signed(od::value& v, std::string_view field, core::Fixed<Tag>& out) {
  return read_dec(v, field, out, true);
}

R read_i64(od::value& v, std::string_view field, int64_t& out) {
  if (auto e = v.get_int64().get(out); e) {
    // simdjson calls an integer too big for int64 "wrong type"; it is out of range.
    const std::string_view t = v.raw_json_token();
    if (e == sj::INCORRECT_TYPE && !t.empty() && (t.front() == '-' || (t.front() >= '0' && t.front() <= '9')) &&
        t.find_first_of(".eE") == std::string_view::npos) {
      return fail(E::kOutOfRange, field, e);
    }
    return json_fail(e, field);
  }
  return kGo;
}

bool to_ns(uint64_t t, TimeUnit unit, UnixNanos& out) {
  const uint64_t mul = unit == TimeUnit::kMillisecond ? 1'000'000 : 1'000;
  if (t > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / mul) return false;
  out = static_cast<UnixNanos>(t * mul);
  return true;
}

R read_time(od::value& v, std::string_view field, TimeUnit unit, UnixNanos& out) {
  int64_t t = 0;
  if (R r = read_i64(v, field, t); !go(r)) return r;
  if (t < 0 || !to_ns(static_cast<uint64_t>(t), unit, out)) return fail(E::kOutOfRange, field);
  return kGo;
}

// "E": a number everywhere but in futures listenKeyExpired, where it is a string of digits.
R read_event_time(od::value& v, std::string_view field, TimeUnit unit, UnixNanos& out) {
  std::string_view t;
  if (!string_token(v, t)) return read_time(v, field, unit, out);
  uint64_t n = 0;
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (t.empty() || ec == std::errc::invalid_argument || p != t.data() + t.size()) return fail(E::kWrongType, field);
  if (ec == std::errc::result_out_of_range || !to_ns(n, unit, out)) return fail(E::kOutOfRange, field);
  return kGo;
}

template <std::size_t N>
R read_text(od::value& v, std::string_view field, FixedString<N>& out) {
  std::string_view s;
  if (auto e = v.get_string().get(s); e) return json_fail(e, field);
  if (!out.assign(s)) return fail(E::kTooLong, field);
  return kGo;
}

// A string or null ("N": null on an executionReport without commission).
template <std::size_t N>
R read_text_or_null(od::value& v, std::string_view field, FixedString<N>& out) {
  od::json_type t;
  if (auto e = v.type().get(t); e) return json_fail(e, field);
  if (t == od::json_type::null) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null); e || !is_null) return fail(E::kBadJson, field, e);
    out.len = 0;
    return kGo;
  }
  return read_text(v, field, out);
}

R read_bool(od::value& v, std::string_view field, bool& out) {
  if (auto e = v.get_bool().get(out); e) return json_fail(e, field);
  return kGo;
}

template <class T>
R read_enum(od::value& v, std::string_view field, bool (*parse)(std::string_view, T&), T& out) {
  std::string_view t;
  if (!string_token(v, t)) return fail(E::kWrongType, field);
  if (!parse(t, out)) return fail(E::kBadEnum, field);
  return kGo;
}
// Lenient: an unknown name keeps the event, known = false.
template <class T>
R read_enum_lenient(od::value& v, std::string_view field, bool (*parse)(std::string_view, T&), T& out, bool& known) {
  std::string_view t;
  if (!string_token(v, t)) return fail(E::kWrongType, field);
  known = parse(t, out);
  return kGo;
}

bool parse_margin_type(std::string_view s, MarginType& out) {
  if (s == "cross" || s == "CROSSED" || s == "crossed" || s == "CROSS") {
    out = MarginType::kCross;
    return true;
  }
  if (s == "isolated" || s == "ISOLATED") {
    out = MarginType::kIsolated;
    return true;
  }
  return false;
}

R get_object(od::value& v, std::string_view field, od::object& out) {
  if (auto e = v.get_object().get(out); e) return json_fail(e, field);
  return kGo;
}

// Calls fn(key_code, value) for each field of obj, in order; stops at the first verdict.
template <class Fn>
R each_field(od::object& obj, Fn&& fn) {
  for (auto res : obj) {
    od::field f;
    if (auto e = std::move(res).get(f); e) return json_fail(e, {});
    od::value v = f.value();
    if (R r = fn(key_code(f), v); !go(r)) return r;
  }
  return kGo;
}

// Calls fn(object) for each element of an array of objects; counts them against `max`.
template <class Fn>
R each_object(od::value& v, std::string_view field, std::string_view element_field, std::size_t max, uint32_t& count,
              Fn&& fn) {
  od::array arr;
  if (auto e = v.get_array().get(arr); e) return json_fail(e, field);
  count = 0;
  for (auto res : arr) {
    od::value el;
    if (auto e = std::move(res).get(el); e) return json_fail(e, field);
    od::object obj;
    if (auto e = el.get_object().get(obj); e) return json_fail(e, element_field);
    if (count == max) return fail(E::kTooMany, field);
    if (R r = fn(obj, count); !go(r)) return r;
    ++count;
  }
  return kGo;
}

// Required fields: bit i of `seen` stands for names[i]; the first missing one is to blame.
template <std::size_t N>
R require(uint64_t seen, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if ((seen & (uint64_t{1} << i)) == 0) return fail(E::kMissingField, names[i]);
  }
  return kGo;
}
constexpr uint64_t bit(int i) { return uint64_t{1} << i; }

// ---- spot events --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 17> kErRequired = {"E", "s", "c", "S", "o", "f", "q", "p", "x",
                                                          "X", "i", "l", "z", "L", "n", "T", "t"};

R decode_execution_report(od::object& obj, TimeUnit u, ExecutionReport& o) {
  o = ExecutionReport{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("s"):
        seen |= bit(1);
        return read_text(v, "s", o.symbol);
      case key("c"):
        seen |= bit(2);
        return read_text(v, "c", o.client_order_id);
      case key("S"):
        seen |= bit(3);
        return read_enum(v, "S", parse_order_side, o.side);
      case key("o"):
        seen |= bit(4);
        return read_enum_lenient(v, "o", parse_order_type, o.order_type, o.order_type_known);
      case key("f"):
        seen |= bit(5);
        return read_enum_lenient(v, "f", parse_time_in_force, o.time_in_force, o.time_in_force_known);
      case key("q"):
        seen |= bit(6);
        return read_dec(v, "q", o.orig_qty);
      case key("p"):
        seen |= bit(7);
        return read_dec(v, "p", o.price);
      case key("x"):
        seen |= bit(8);
        return read_enum(v, "x", parse_execution_type, o.execution_type);
      case key("X"):
        seen |= bit(9);
        return read_enum(v, "X", parse_order_status, o.status);
      case key("i"):
        seen |= bit(10);
        return read_i64(v, "i", o.order_id);
      case key("l"):
        seen |= bit(11);
        return read_dec(v, "l", o.last_qty);
      case key("z"):
        seen |= bit(12);
        return read_dec(v, "z", o.cum_qty);
      case key("L"):
        seen |= bit(13);
        return read_dec(v, "L", o.last_price);
      case key("n"):
        seen |= bit(14);
        return read_signed(v, "n", o.commission);
      case key("T"):
        seen |= bit(15);
        return read_time(v, "T", u, o.transaction_time);
      case key("t"):
        seen |= bit(16);
        return read_i64(v, "t", o.trade_id);
      case key("P"):
        return read_dec(v, "P", o.stop_price);
      case key("F"):
        return read_dec(v, "F", o.iceberg_qty);
      case key("g"):
        return read_i64(v, "g", o.order_list_id);
      case key("C"):
        return read_text_or_null(v, "C", o.orig_client_order_id);
      case key("r"):
        return read_text(v, "r", o.reject_reason);
      case key("N"):
        return read_text_or_null(v, "N", o.commission_asset);
      case key("v"):
        return read_i64(v, "v", o.prevented_match_id);
      case key("I"):
        return read_i64(v, "I", o.execution_id);
      case key("w"):
        return read_bool(v, "w", o.is_working);
      case key("m"):
        return read_bool(v, "m", o.is_maker);
      case key("O"):
        return read_time(v, "O", u, o.order_time);
      case key("Z"):
        return read_dec(v, "Z", o.cum_quote_qty);
      case key("Y"):
        return read_dec(v, "Y", o.last_quote_qty);
      case key("Q"):
        return read_dec(v, "Q", o.quote_order_qty);
      case key("W"):
        return read_time(v, "W", u, o.working_time);
      case key("V"):
        return read_text(v, "V", o.stp_mode);
      case key("eR"):
        return read_text(v, "eR", o.expiry_reason);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  return require(seen, kErRequired);
}

R decode_account_position(od::object& obj, TimeUnit u, AccountPosition& o) {
  o.event_time = o.last_update_time = 0;
  o.count = 0;
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("u"):
        seen |= bit(1);
        return read_time(v, "u", u, o.last_update_time);
      case key("B"):
        seen |= bit(2);
        return each_object(v, "B", "B[]", kMaxBalances, o.count, [&](od::object& b, uint32_t idx) -> R {
          SpotBalance& x = o.entries[idx];
          x = SpotBalance{};
          uint64_t bs = 0;
          R rb = each_field(b, [&](uint32_t bk, od::value& bv) -> R {
            switch (bk) {
              case key("a"):
                bs |= bit(0);
                return read_text(bv, "B[].a", x.asset);
              case key("f"):
                bs |= bit(1);
                return read_dec(bv, "B[].f", x.free);
              case key("l"):
                bs |= bit(2);
                return read_dec(bv, "B[].l", x.locked);
              default:
                return kGo;
            }
          });
          if (!go(rb)) return rb;
          static constexpr std::array<std::string_view, 3> kNames = {"B[].a", "B[].f", "B[].l"};
          return require(bs, kNames);
        });
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 3> kNames = {"E", "u", "B"};
  return require(seen, kNames);
}

R decode_balance_update(od::object& obj, TimeUnit u, BalanceUpdate& o) {
  o = BalanceUpdate{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("a"):
        seen |= bit(1);
        return read_text(v, "a", o.asset);
      case key("d"):
        seen |= bit(2);
        return read_signed(v, "d", o.delta);
      case key("T"):
        seen |= bit(3);
        return read_time(v, "T", u, o.clear_time);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 4> kNames = {"E", "a", "d", "T"};
  return require(seen, kNames);
}

R decode_stream_event(od::object& obj, TimeUnit u, StreamEvent& o) {
  o = StreamEvent{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    if (k == key("E")) {
      seen |= bit(0);
      return read_event_time(v, "E", u, o.event_time);
    }
    return kGo;
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 1> kNames = {"E"};
  return require(seen, kNames);
}

// ---- futures events -----------------------------------------------------------------------------

constexpr std::array<std::string_view, 16> kOtuRequired = {"o.s", "o.c", "o.S", "o.o", "o.f", "o.q", "o.p", "o.x",
                                                           "o.X", "o.i", "o.l", "o.z", "o.L", "o.T", "o.t", "o.m"};

R decode_order_object(od::object& obj, TimeUnit u, OrderTradeUpdate& o) {
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("s"):
        seen |= bit(0);
        return read_text(v, "o.s", o.symbol);
      case key("c"):
        seen |= bit(1);
        return read_text(v, "o.c", o.client_order_id);
      case key("S"):
        seen |= bit(2);
        return read_enum(v, "o.S", parse_order_side, o.side);
      case key("o"):
        seen |= bit(3);
        return read_enum_lenient(v, "o.o", parse_order_type, o.order_type, o.order_type_known);
      case key("f"):
        seen |= bit(4);
        return read_enum_lenient(v, "o.f", parse_time_in_force, o.time_in_force, o.time_in_force_known);
      case key("q"):
        seen |= bit(5);
        return read_dec(v, "o.q", o.orig_qty);
      case key("p"):
        seen |= bit(6);
        return read_dec(v, "o.p", o.price);
      case key("x"):
        seen |= bit(7);
        return read_enum(v, "o.x", parse_execution_type, o.execution_type);
      case key("X"):
        seen |= bit(8);
        return read_enum(v, "o.X", parse_order_status, o.status);
      case key("i"):
        seen |= bit(9);
        return read_i64(v, "o.i", o.order_id);
      case key("l"):
        seen |= bit(10);
        return read_dec(v, "o.l", o.last_qty);
      case key("z"):
        seen |= bit(11);
        return read_dec(v, "o.z", o.cum_qty);
      case key("L"):
        seen |= bit(12);
        return read_dec(v, "o.L", o.last_price);
      case key("T"):
        seen |= bit(13);
        return read_time(v, "o.T", u, o.trade_time);
      case key("t"):
        seen |= bit(14);
        return read_i64(v, "o.t", o.trade_id);
      case key("m"):
        seen |= bit(15);
        return read_bool(v, "o.m", o.is_maker);
      case key("ap"):
        return read_dec(v, "o.ap", o.avg_price);
      case key("sp"):
        return read_dec(v, "o.sp", o.stop_price);
      case key("N"):
        return read_text_or_null(v, "o.N", o.commission_asset);
      case key("n"):
        return read_signed(v, "o.n", o.commission);
      case key("b"):
        return read_dec(v, "o.b", o.bid_notional);
      case key("a"):
        return read_dec(v, "o.a", o.ask_notional);
      case key("R"):
        return read_bool(v, "o.R", o.reduce_only);
      case key("wt"):
        return read_text(v, "o.wt", o.working_type);
      case key("ot"):
        return read_enum_lenient(v, "o.ot", parse_order_type, o.orig_type, o.orig_type_known);
      case key("ps"):
        return read_enum(v, "o.ps", parse_position_side, o.position_side);
      case key("cp"):
        return read_bool(v, "o.cp", o.close_position);
      case key("AP"):
        return read_dec(v, "o.AP", o.activation_price);
      case key("cr"):
        return read_dec(v, "o.cr", o.callback_rate);
      case key("pP"):
        return read_bool(v, "o.pP", o.price_protect);
      case key("rp"):
        return read_signed(v, "o.rp", o.realized_profit);
      case key("V"):
        return read_text(v, "o.V", o.stp_mode);
      case key("pm"):
        return read_text(v, "o.pm", o.price_match);
      case key("gtd"):
        return read_time(v, "o.gtd", u, o.good_till);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  return require(seen, kOtuRequired);
}

R decode_order_trade_update(od::object& obj, TimeUnit u, OrderTradeUpdate& o) {
  o = OrderTradeUpdate{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("T"):
        seen |= bit(1);
        return read_time(v, "T", u, o.transaction_time);
      case key("o"): {
        seen |= bit(2);
        od::object inner;
        if (R ro = get_object(v, "o", inner); !go(ro)) return ro;
        return decode_order_object(inner, u, o);
      }
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 3> kNames = {"E", "T", "o"};
  return require(seen, kNames);
}

R decode_futures_balance(od::object& b, FuturesBalance& x) {
  x = FuturesBalance{};
  uint64_t seen = 0;
  R r = each_field(b, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("a"):
        seen |= bit(0);
        return read_text(v, "a.B[].a", x.asset);
      case key("wb"):
        seen |= bit(1);
        return read_signed(v, "a.B[].wb", x.wallet_balance);
      case key("cw"):
        seen |= bit(2);
        return read_signed(v, "a.B[].cw", x.cross_wallet_balance);
      case key("bc"):
        return read_signed(v, "a.B[].bc", x.balance_change);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 3> kNames = {"a.B[].a", "a.B[].wb", "a.B[].cw"};
  return require(seen, kNames);
}

R decode_futures_position(od::object& p, FuturesPosition& x) {
  x = FuturesPosition{};
  uint64_t seen = 0;
  R r = each_field(p, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("s"):
        seen |= bit(0);
        return read_text(v, "a.P[].s", x.symbol);
      case key("pa"):
        seen |= bit(1);
        return read_signed(v, "a.P[].pa", x.amount);
      case key("ep"):
        seen |= bit(2);
        return read_dec(v, "a.P[].ep", x.entry_price);
      case key("up"):
        seen |= bit(3);
        return read_signed(v, "a.P[].up", x.unrealized_pnl);
      case key("ps"):
        seen |= bit(4);
        return read_enum(v, "a.P[].ps", parse_position_side, x.position_side);
      case key("bep"):
        return read_dec(v, "a.P[].bep", x.breakeven_price);
      case key("cr"):
        return read_signed(v, "a.P[].cr", x.accumulated_realized);
      case key("mt"):
        return read_enum(v, "a.P[].mt", parse_margin_type, x.margin_type);
      case key("iw"):
        return read_signed(v, "a.P[].iw", x.isolated_wallet);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 5> kNames = {"a.P[].s", "a.P[].pa", "a.P[].ep", "a.P[].up", "a.P[].ps"};
  return require(seen, kNames);
}

R decode_account_update(od::object& obj, TimeUnit u, AccountUpdate& o) {
  o.event_time = o.transaction_time = 0;
  o.reason = Text{};
  o.balance_count = o.position_count = 0;
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("T"):
        seen |= bit(1);
        return read_time(v, "T", u, o.transaction_time);
      case key("a"): {
        seen |= bit(2);
        od::object a;
        if (R ra = get_object(v, "a", a); !go(ra)) return ra;
        uint64_t as = 0;
        R rr = each_field(a, [&](uint32_t ak, od::value& av) -> R {
          switch (ak) {
            case key("m"):
              as |= bit(0);
              return read_text(av, "a.m", o.reason);
            case key("B"):
              as |= bit(1);
              return each_object(av, "a.B", "a.B[]", kMaxBalances, o.balance_count, [&](od::object& b, uint32_t i) {
                return decode_futures_balance(b, o.balance_entries[i]);
              });
            case key("P"):
              as |= bit(2);
              return each_object(av, "a.P", "a.P[]", kMaxPositions, o.position_count, [&](od::object& p, uint32_t i) {
                return decode_futures_position(p, o.position_entries[i]);
              });
            default:
              return kGo;
          }
        });
        if (!go(rr)) return rr;
        // "P" may be absent (a funding fee on a crossed position pushes only "B").
        static constexpr std::array<std::string_view, 2> kNames = {"a.m", "a.B"};
        return require(as, kNames);
      }
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 3> kNames = {"E", "T", "a"};
  return require(seen, kNames);
}

R decode_margin_call(od::object& obj, TimeUnit u, MarginCall& o) {
  o.event_time = 0;
  o.has_cross_wallet = false;
  o.cross_wallet_balance = {};
  o.count = 0;
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("cw"):
        o.has_cross_wallet = true;
        return read_signed(v, "cw", o.cross_wallet_balance);
      case key("p"):
        seen |= bit(1);
        return each_object(v, "p", "p[]", kMaxPositions, o.count, [&](od::object& p, uint32_t i) -> R {
          MarginCallPosition& x = o.entries[i];
          x = MarginCallPosition{};
          uint64_t ps = 0;
          R rp = each_field(p, [&](uint32_t pk, od::value& pv) -> R {
            switch (pk) {
              case key("s"):
                ps |= bit(0);
                return read_text(pv, "p[].s", x.symbol);
              case key("ps"):
                ps |= bit(1);
                return read_enum(pv, "p[].ps", parse_position_side, x.position_side);
              case key("pa"):
                ps |= bit(2);
                return read_signed(pv, "p[].pa", x.amount);
              case key("mt"):
                ps |= bit(3);
                return read_enum(pv, "p[].mt", parse_margin_type, x.margin_type);
              case key("mp"):
                ps |= bit(4);
                return read_dec(pv, "p[].mp", x.mark_price);
              case key("up"):
                ps |= bit(5);
                return read_signed(pv, "p[].up", x.unrealized_pnl);
              case key("mm"):
                ps |= bit(6);
                return read_dec(pv, "p[].mm", x.maint_margin);
              case key("iw"):
                return read_signed(pv, "p[].iw", x.isolated_wallet);
              default:
                return kGo;
            }
          });
          if (!go(rp)) return rp;
          static constexpr std::array<std::string_view, 7> kNames = {"p[].s",  "p[].ps", "p[].pa", "p[].mt",
                                                                     "p[].mp", "p[].up", "p[].mm"};
          return require(ps, kNames);
        });
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 2> kNames = {"E", "p"};
  return require(seen, kNames);
}

R decode_listen_key_expired(od::object& obj, TimeUnit u, ListenKeyExpired& o) {
  o = ListenKeyExpired{};
  uint64_t seen = 0;
  // "listenKey" is longer than the packed keys: this walk compares whole keys.
  for (auto res : obj) {
    od::field f;
    if (auto e = std::move(res).get(f); e) return json_fail(e, {});
    std::string_view k;
    if (auto e = f.unescaped_key().get(k); e) return json_fail(e, {});
    od::value v = f.value();
    if (k == "E") {
      seen |= bit(0);
      if (R r = read_event_time(v, "E", u, o.event_time); !go(r)) return r;
    } else if (k == "listenKey") {
      if (R r = read_text(v, "listenKey", o.listen_key); !go(r)) return r;
    }
  }
  static constexpr std::array<std::string_view, 1> kNames = {"E"};
  return require(seen, kNames);
}

constexpr std::array<std::string_view, 12> kTradeLiteRequired = {"E", "T", "s", "q", "p", "m",
                                                                 "c", "S", "L", "l", "t", "i"};

R decode_trade_lite(od::object& obj, TimeUnit u, TradeLite& o) {
  o = TradeLite{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("T"):
        seen |= bit(1);
        return read_time(v, "T", u, o.transaction_time);
      case key("s"):
        seen |= bit(2);
        return read_text(v, "s", o.symbol);
      case key("q"):
        seen |= bit(3);
        return read_dec(v, "q", o.orig_qty);
      case key("p"):
        seen |= bit(4);
        return read_dec(v, "p", o.orig_price);
      case key("m"):
        seen |= bit(5);
        return read_bool(v, "m", o.is_maker);
      case key("c"):
        seen |= bit(6);
        return read_text(v, "c", o.client_order_id);
      case key("S"):
        seen |= bit(7);
        return read_enum(v, "S", parse_order_side, o.side);
      case key("L"):
        seen |= bit(8);
        return read_dec(v, "L", o.last_price);
      case key("l"):
        seen |= bit(9);
        return read_dec(v, "l", o.last_qty);
      case key("t"):
        seen |= bit(10);
        return read_i64(v, "t", o.trade_id);
      case key("i"):
        seen |= bit(11);
        return read_i64(v, "i", o.order_id);
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  return require(seen, kTradeLiteRequired);
}

R decode_account_config_update(od::object& obj, TimeUnit u, AccountConfigUpdate& o) {
  o = AccountConfigUpdate{};
  uint64_t seen = 0;
  R r = each_field(obj, [&](uint32_t k, od::value& v) -> R {
    switch (k) {
      case key("E"):
        seen |= bit(0);
        return read_event_time(v, "E", u, o.event_time);
      case key("T"):
        seen |= bit(1);
        return read_time(v, "T", u, o.transaction_time);
      case key("ac"): {
        od::object ac;
        if (R ra = get_object(v, "ac", ac); !go(ra)) return ra;
        o.has_leverage = true;
        uint64_t s = 0;
        R rr = each_field(ac, [&](uint32_t ak, od::value& av) -> R {
          switch (ak) {
            case key("s"):
              s |= bit(0);
              return read_text(av, "ac.s", o.symbol);
            case key("l"): {
              s |= bit(1);
              int64_t l = 0;
              if (R rl = read_i64(av, "ac.l", l); !go(rl)) return rl;
              if (l < 0 || l > std::numeric_limits<int32_t>::max()) return fail(E::kOutOfRange, "ac.l");
              o.leverage = static_cast<int32_t>(l);
              return kGo;
            }
            default:
              return kGo;
          }
        });
        if (!go(rr)) return rr;
        static constexpr std::array<std::string_view, 2> kNames = {"ac.s", "ac.l"};
        return require(s, kNames);
      }
      case key("ai"): {
        od::object ai;
        if (R ra = get_object(v, "ai", ai); !go(ra)) return ra;
        o.has_multi_assets = true;
        uint64_t s = 0;
        R rr = each_field(ai, [&](uint32_t ak, od::value& av) -> R {
          if (ak == key("j")) {
            s |= bit(0);
            return read_bool(av, "ai.j", o.multi_assets);
          }
          return kGo;
        });
        if (!go(rr)) return rr;
        static constexpr std::array<std::string_view, 1> kNames = {"ai.j"};
        return require(s, kNames);
      }
      default:
        return kGo;
    }
  });
  if (!go(r)) return r;
  static constexpr std::array<std::string_view, 2> kNames = {"E", "T"};
  return require(seen, kNames);
}

// Known event types that carry nothing dmabot acts on (yet).
bool is_ignored_event(std::string_view t) {
  return t == "listStatus" || t == "ALGO_UPDATE" || t == "CONDITIONAL_ORDER_TRIGGER_REJECT" || t == "STRATEGY_UPDATE" ||
         t == "GRID_UPDATE";
}

}  // namespace

// ---- the decoder ---------------------------------------------------------------------------------

struct UserDataDecoder::Impl {
  explicit Impl(UserDataDecoder& s) : self(s) {}

  R decode_document(sj::padded_string_view message);
  // The object holding "e"; kGo when there is none (then it may be an envelope).
  R decode_event(od::object& obj, bool& had_type);
  // A verdict on well-formed JSON only: the on-demand walk stops early for unknown/ignored events,
  // so the whole document is checked by the DOM parser first (allocated at construction).
  R confirm(sj::padded_string_view message, R r);

  UserDataDecoder& self;
  od::parser parser;
  sj::dom::parser validator;
};

R UserDataDecoder::Impl::confirm(sj::padded_string_view message, R r) {
  sj::dom::element root;
  if (auto e = validator.parse(message.data(), message.size(), false).get(root); e) {
    R bad = fail(E::kBadJson, {}, e);
    bad.envelope = r.envelope;
    return bad;
  }
  return r;
}

R UserDataDecoder::Impl::decode_event(od::object& obj, bool& had_type) {
  had_type = false;
  std::string_view type;
  {
    od::value ev;
    auto e = obj.find_field_unordered("e").get(ev);
    if (e == sj::NO_SUCH_FIELD) {
      if (auto re = obj.reset().error(); re) return json_fail(re, {});
      return kGo;
    }
    if (e) return json_fail(e, "e");
    if (!string_token(ev, type)) return fail(E::kWrongType, "e");
    if (auto re = obj.reset().error(); re) return json_fail(re, {});
  }
  had_type = true;
  // Cut, not refused: only used to name what was ignored or unknown.
  if (!self.event_type_.assign(type)) (void)self.event_type_.assign(type.substr(0, kTextCap));
  const TimeUnit u = self.unit_;
  auto run = [](R r, K kind) { return go(r) ? verdict(kind) : r; };
  if (type == "executionReport")
    return run(decode_execution_report(obj, u, self.execution_report_), K::kExecutionReport);
  if (type == "ORDER_TRADE_UPDATE") {
    return run(decode_order_trade_update(obj, u, self.order_trade_update_), K::kOrderTradeUpdate);
  }
  if (type == "TRADE_LITE") return run(decode_trade_lite(obj, u, self.trade_lite_), K::kTradeLite);
  if (type == "outboundAccountPosition") {
    return run(decode_account_position(obj, u, self.account_position_), K::kAccountPosition);
  }
  if (type == "ACCOUNT_UPDATE") return run(decode_account_update(obj, u, self.account_update_), K::kAccountUpdate);
  if (type == "balanceUpdate") return run(decode_balance_update(obj, u, self.balance_update_), K::kBalanceUpdate);
  if (type == "externalLockUpdate") {
    return run(decode_balance_update(obj, u, self.balance_update_), K::kExternalLockUpdate);
  }
  if (type == "eventStreamTerminated") {
    return run(decode_stream_event(obj, u, self.stream_event_), K::kEventStreamTerminated);
  }
  if (type == "serverShutdown") return run(decode_stream_event(obj, u, self.stream_event_), K::kServerShutdown);
  if (type == "MARGIN_CALL") return run(decode_margin_call(obj, u, self.margin_call_), K::kMarginCall);
  if (type == "listenKeyExpired") {
    return run(decode_listen_key_expired(obj, u, self.listen_key_expired_), K::kListenKeyExpired);
  }
  if (type == "ACCOUNT_CONFIG_UPDATE") {
    return run(decode_account_config_update(obj, u, self.account_config_update_), K::kAccountConfigUpdate);
  }
  if (is_ignored_event(type)) return verdict(K::kIgnored, E::kNone, "e");
  return verdict(K::kUnknown, E::kUnknownEvent, "e");
}

R UserDataDecoder::Impl::decode_document(sj::padded_string_view message) {
  {
    std::size_t n = 0;
    while (n < message.size() && is_space(message[n])) ++n;
    if (n == message.size()) return fail(E::kEmpty);
  }
  self.event_type_.len = 0;
  self.stream_.len = 0;
  od::document doc;
  if (auto e = parser.iterate(message).get(doc); e) return fail(E::kBadJson, {}, e);
  od::object obj;
  if (auto e = doc.get_object().get(obj); e) {
    return e == sj::INCORRECT_TYPE ? fail(E::kNotObject, {}, e) : fail(E::kBadJson, {}, e);
  }
  bool had_type = false;
  R r = decode_event(obj, had_type);
  if (had_type) {
    if (r.kind == K::kIgnored || r.kind == K::kUnknown) return confirm(message, r);
    if (r.kind == K::kError) return r;
  } else {
    if (!go(r)) return r;
    // No "e": an envelope, or not an event at all.
    bool have_payload = false;
    Envelope env = Envelope::kBare;
    int64_t sub_id = -1;
    R inner = kGo;
    for (auto res : obj) {
      od::field f;
      if (auto e = std::move(res).get(f); e) return json_fail(e, {});
      std::string_view k;
      if (auto e = f.unescaped_key().get(k); e) return json_fail(e, {});
      od::value v = f.value();
      if (k == "event" || k == "data") {
        const Envelope this_env = k == "event" ? Envelope::kWsApi : Envelope::kCombined;
        if (have_payload) {
          R bad = fail(E::kBadEnvelope, k == "event" ? "event" : "data");
          return bad;
        }
        have_payload = true;
        env = this_env;
        od::object child;
        if (auto e = v.get_object().get(child); e) {
          return e == sj::INCORRECT_TYPE ? fail(E::kBadEnvelope, this_env == Envelope::kWsApi ? "event" : "data", e)
                                         : json_fail(e, this_env == Envelope::kWsApi ? "event" : "data");
        }
        bool child_type = false;
        inner = decode_event(child, child_type);
        if (!child_type) {
          if (!go(inner)) return inner;
          return fail(E::kMissingField, this_env == Envelope::kWsApi ? "event.e" : "data.e");
        }
        if (inner.kind == K::kError) {
          inner.envelope = env;
          return inner;
        }
        if (inner.kind == K::kIgnored || inner.kind == K::kUnknown) {
          inner.envelope = env;
          return confirm(message, inner);
        }
      } else if (k == "subscriptionId") {
        if (R rs = read_i64(v, "subscriptionId", sub_id); !go(rs)) return rs;
        if (sub_id < 0) return fail(E::kOutOfRange, "subscriptionId");
      } else if (k == "stream") {
        if (R rs = read_text(v, "stream", self.stream_); !go(rs)) return rs;
      }
    }
    if (!have_payload) return confirm(message, verdict(K::kUnknown, E::kNoEventType));
    r = inner;
    r.envelope = env;
    r.subscription_id = sub_id;
    if (env != Envelope::kCombined) self.stream_.len = 0;
  }
  // On-demand parsing stops at the closing brace; anything after it would be silently ignored.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == sj::SUCCESS) return fail(E::kTrailingContent);
  return r;
}

UserDataDecoder::UserDataDecoder(TimeUnit unit, std::size_t max_message_bytes)
    : unit_(unit), max_message_bytes_(max_message_bytes), impl_(std::make_unique<Impl>(*this)) {
  // Allocate now rather than on the first message (a failure shows up as kBadJson on every decode).
  [[maybe_unused]] sj::error_code e1 = impl_->parser.allocate(kDefaultScratchBytes);
  [[maybe_unused]] sj::error_code e2 = impl_->validator.allocate(kDefaultScratchBytes);
  scratch_size_ = kDefaultScratchBytes + sj::SIMDJSON_PADDING;
  scratch_ = std::make_unique<char[]>(scratch_size_);
}

UserDataDecoder::~UserDataDecoder() = default;

R UserDataDecoder::finish(R r) {
  ++counters_.by_kind[static_cast<std::size_t>(r.kind)];
  if (r.error != E::kNone) ++counters_.by_error[static_cast<std::size_t>(r.error)];
  return r;
}

R UserDataDecoder::decode(std::string_view message) {
  if (message.size() > max_message_bytes_) return finish(fail(E::kTooLarge));
  return decode_copy(message);
}

R UserDataDecoder::decode_copy(std::string_view message) {
  const std::size_t need = message.size() + sj::SIMDJSON_PADDING;
  if (scratch_size_ < need) {
    std::size_t cap = scratch_size_;
    while (cap < need) cap *= 2;  // warm-up growth only
    scratch_ = std::make_unique<char[]>(cap);
    scratch_size_ = cap;
  }
  // Blank padding every time: simdjson reads into it when a document ends early.
  std::memcpy(scratch_.get(), message.data(), message.size());
  std::memset(scratch_.get() + message.size(), 0, sj::SIMDJSON_PADDING);
  return finish(impl_->decode_document(sj::padded_string_view(scratch_.get(), message.size(), scratch_size_)));
}

R UserDataDecoder::decode_padded(const char* data, std::size_t size, std::size_t capacity) {
  if (size > max_message_bytes_) return finish(fail(E::kTooLarge));
  if (capacity < size + sj::SIMDJSON_PADDING) return decode_copy(std::string_view(data, size));
  const R r = impl_->decode_document(sj::padded_string_view(data, size, capacity));
  // A document read in place is complete only when its closing brace lies inside `size`, and then no
  // token reaches into the padding; a failure may depend on the padding bytes, so failures are decided
  // again on a blank-padded copy (cold path).
  if (r.kind != K::kError) return finish(r);
  return decode_copy(std::string_view(data, size));
}

// ---- encoders ------------------------------------------------------------------------------------

namespace {

int64_t from_ns(UnixNanos t, TimeUnit u) { return u == TimeUnit::kMillisecond ? t / 1'000'000 : t / 1'000; }

void put_key(std::string& out, std::string_view k, bool first = false) {
  if (!first) out.push_back(',');
  out.push_back('"');
  out.append(k);
  out.append("\":");
}
void put_str(std::string& out, std::string_view k, std::string_view v, bool first = false) {
  put_key(out, k, first);
  core::append_json_string(out, v);
}
void put_int(std::string& out, std::string_view k, int64_t v) {
  put_key(out, k);
  core::str_append(out, v);
}
void put_bool(std::string& out, std::string_view k, bool v) {
  put_key(out, k);
  out.append(v ? "true" : "false");
}
// Spot: always 8 decimals ("0.10264410").
void put_dec8(std::string& out, std::string_view k, int64_t raw) {
  put_key(out, k);
  char buf[core::kDecimalBufSize];
  out.push_back('"');
  out.append(buf, core::format_decimal(raw, buf, 8));
  out.push_back('"');
}
// Futures: the shortest exact form ("0.001", "0", "-1.166074").
void put_dec(std::string& out, std::string_view k, int64_t raw) {
  put_key(out, k);
  char buf[core::kDecimalBufSize];
  out.push_back('"');
  out.append(buf, core::format_decimal_trimmed(raw, buf));
  out.push_back('"');
}
void put_type(std::string& out, std::string_view e, bool first = true) { put_str(out, "e", e, first); }

std::string_view margin_type_lower(MarginType m) { return m == MarginType::kCross ? "cross" : "isolated"; }
std::string_view margin_type_upper(MarginType m) { return m == MarginType::kCross ? "CROSSED" : "ISOLATED"; }

void encode_balance_like(std::string_view type, const BalanceUpdate& e, std::string& out, TimeUnit u) {
  out.push_back('{');
  put_type(out, type);
  put_int(out, "E", from_ns(e.event_time, u));
  put_str(out, "a", e.asset.view());
  put_dec8(out, "d", e.delta.raw);
  put_int(out, "T", from_ns(e.clear_time, u));
  out.push_back('}');
}

void encode_stream_event(std::string_view type, const StreamEvent& e, std::string& out, TimeUnit u) {
  out.push_back('{');
  put_type(out, type);
  put_int(out, "E", from_ns(e.event_time, u));
  out.push_back('}');
}

}  // namespace

void encode_execution_report(const ExecutionReport& e, std::string& out, TimeUnit u) {
  out.push_back('{');
  put_type(out, "executionReport");
  put_int(out, "E", from_ns(e.event_time, u));
  put_str(out, "s", e.symbol.view());
  put_str(out, "c", e.client_order_id.view());
  put_str(out, "S", wire_name(e.side));
  put_str(out, "o", wire_name(e.order_type));
  put_str(out, "f", wire_name(e.time_in_force));
  put_dec8(out, "q", e.orig_qty.raw);
  put_dec8(out, "p", e.price.raw);
  put_dec8(out, "P", e.stop_price.raw);
  put_dec8(out, "F", e.iceberg_qty.raw);
  put_int(out, "g", e.order_list_id);
  put_str(out, "C", e.orig_client_order_id.view());
  put_str(out, "x", wire_name(e.execution_type));
  put_str(out, "X", wire_name(e.status));
  put_str(out, "r", e.reject_reason.empty() ? std::string_view("NONE") : e.reject_reason.view());
  put_int(out, "i", e.order_id);
  put_dec8(out, "l", e.last_qty.raw);
  put_dec8(out, "z", e.cum_qty.raw);
  put_dec8(out, "L", e.last_price.raw);
  if (e.commission.raw == 0) {
    put_key(out, "n");
    out.append("\"0\"");
  } else {
    put_dec8(out, "n", e.commission.raw);
  }
  if (e.commission_asset.empty()) {
    put_key(out, "N");
    out.append("null");
  } else {
    put_str(out, "N", e.commission_asset.view());
  }
  put_int(out, "T", from_ns(e.transaction_time, u));
  put_int(out, "t", e.trade_id);
  if (e.prevented_match_id >= 0) put_int(out, "v", e.prevented_match_id);
  put_int(out, "I", e.execution_id);
  put_bool(out, "w", e.is_working);
  put_bool(out, "m", e.is_maker);
  put_bool(out, "M", false);
  put_int(out, "O", from_ns(e.order_time, u));
  put_dec8(out, "Z", e.cum_quote_qty.raw);
  put_dec8(out, "Y", e.last_quote_qty.raw);
  put_dec8(out, "Q", e.quote_order_qty.raw);
  if (e.working_time != 0) put_int(out, "W", from_ns(e.working_time, u));
  put_str(out, "V", e.stp_mode.empty() ? std::string_view("NONE") : e.stp_mode.view());
  if (!e.expiry_reason.empty()) put_str(out, "eR", e.expiry_reason.view());
  out.push_back('}');
}

void encode_account_position(const AccountPosition& e, std::string& out, TimeUnit u) {
  out.push_back('{');
  put_type(out, "outboundAccountPosition");
  put_int(out, "E", from_ns(e.event_time, u));
  put_int(out, "u", from_ns(e.last_update_time, u));
  put_key(out, "B");
  out.push_back('[');
  bool first = true;
  for (const SpotBalance& b : e.balances()) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    put_str(out, "a", b.asset.view(), true);
    put_dec8(out, "f", b.free.raw);
    put_dec8(out, "l", b.locked.raw);
    out.push_back('}');
  }
  out.append("]}");
}

void encode_balance_update(const BalanceUpdate& e, std::string& out, TimeUnit u) {
  encode_balance_like("balanceUpdate", e, out, u);
}
void encode_external_lock_update(const BalanceUpdate& e, std::string& out, TimeUnit u) {
  encode_balance_like("externalLockUpdate", e, out, u);
}
void encode_event_stream_terminated(const StreamEvent& e, std::string& out, TimeUnit u) {
  encode_stream_event("eventStreamTerminated", e, out, u);
}
void encode_server_shutdown(const StreamEvent& e, std::string& out, TimeUnit u) {
  encode_stream_event("serverShutdown", e, out, u);
}

void encode_order_trade_update(const OrderTradeUpdate& e, std::string& out) {
  constexpr TimeUnit u = TimeUnit::kMillisecond;
  out.push_back('{');
  put_type(out, "ORDER_TRADE_UPDATE");
  put_int(out, "E", from_ns(e.event_time, u));
  put_int(out, "T", from_ns(e.transaction_time, u));
  put_key(out, "o");
  out.push_back('{');
  put_str(out, "s", e.symbol.view(), true);
  put_str(out, "c", e.client_order_id.view());
  put_str(out, "S", wire_name(e.side));
  put_str(out, "o", wire_name(e.order_type));
  put_str(out, "f", wire_name(e.time_in_force));
  put_dec(out, "q", e.orig_qty.raw);
  put_dec(out, "p", e.price.raw);
  put_dec(out, "ap", e.avg_price.raw);
  put_dec(out, "sp", e.stop_price.raw);
  put_str(out, "x", wire_name(e.execution_type));
  put_str(out, "X", wire_name(e.status));
  put_int(out, "i", e.order_id);
  put_dec(out, "l", e.last_qty.raw);
  put_dec(out, "z", e.cum_qty.raw);
  put_dec(out, "L", e.last_price.raw);
  if (!e.commission_asset.empty()) {
    put_str(out, "N", e.commission_asset.view());
    put_dec(out, "n", e.commission.raw);
  }
  put_int(out, "T", from_ns(e.trade_time, u));
  put_int(out, "t", e.trade_id);
  put_dec(out, "b", e.bid_notional.raw);
  put_dec(out, "a", e.ask_notional.raw);
  put_bool(out, "m", e.is_maker);
  put_bool(out, "R", e.reduce_only);
  put_str(out, "wt", e.working_type.empty() ? std::string_view("CONTRACT_PRICE") : e.working_type.view());
  put_str(out, "ot", wire_name(e.orig_type_known ? e.orig_type : e.order_type));
  put_str(out, "ps", wire_name(e.position_side));
  put_bool(out, "cp", e.close_position);
  if (e.order_type == OrderType::kTrailingStopMarket) {
    put_dec(out, "AP", e.activation_price.raw);
    put_dec(out, "cr", e.callback_rate.raw);
  }
  put_bool(out, "pP", e.price_protect);
  put_int(out, "si", 0);
  put_int(out, "ss", 0);
  put_dec(out, "rp", e.realized_profit.raw);
  put_str(out, "V", e.stp_mode.empty() ? std::string_view("NONE") : e.stp_mode.view());
  put_str(out, "pm", e.price_match.empty() ? std::string_view("NONE") : e.price_match.view());
  put_int(out, "gtd", from_ns(e.good_till, u));
  out.append("}}");
}

void encode_account_update(const AccountUpdate& e, std::string& out) {
  constexpr TimeUnit u = TimeUnit::kMillisecond;
  out.push_back('{');
  put_type(out, "ACCOUNT_UPDATE");
  put_int(out, "E", from_ns(e.event_time, u));
  put_int(out, "T", from_ns(e.transaction_time, u));
  put_key(out, "a");
  out.push_back('{');
  put_str(out, "m", e.reason.view(), true);
  put_key(out, "B");
  out.push_back('[');
  bool first = true;
  for (const FuturesBalance& b : e.balances()) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    put_str(out, "a", b.asset.view(), true);
    put_dec(out, "wb", b.wallet_balance.raw);
    put_dec(out, "cw", b.cross_wallet_balance.raw);
    put_dec(out, "bc", b.balance_change.raw);
    out.push_back('}');
  }
  out.push_back(']');
  put_key(out, "P");
  out.push_back('[');
  first = true;
  for (const FuturesPosition& p : e.positions()) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    put_str(out, "s", p.symbol.view(), true);
    put_dec(out, "pa", p.amount.raw);
    put_dec(out, "ep", p.entry_price.raw);
    put_dec(out, "bep", p.breakeven_price.raw);
    put_dec(out, "cr", p.accumulated_realized.raw);
    put_dec(out, "up", p.unrealized_pnl.raw);
    put_str(out, "mt", margin_type_lower(p.margin_type));
    put_dec(out, "iw", p.isolated_wallet.raw);
    put_str(out, "ps", wire_name(p.position_side));
    out.push_back('}');
  }
  out.append("]}}");
}

void encode_margin_call(const MarginCall& e, std::string& out) {
  out.push_back('{');
  put_type(out, "MARGIN_CALL");
  put_int(out, "E", from_ns(e.event_time, TimeUnit::kMillisecond));
  if (e.has_cross_wallet) put_dec(out, "cw", e.cross_wallet_balance.raw);
  put_key(out, "p");
  out.push_back('[');
  bool first = true;
  for (const MarginCallPosition& p : e.positions()) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    put_str(out, "s", p.symbol.view(), true);
    put_str(out, "ps", wire_name(p.position_side));
    put_dec(out, "pa", p.amount.raw);
    put_str(out, "mt", margin_type_upper(p.margin_type));
    put_dec(out, "iw", p.isolated_wallet.raw);
    put_dec(out, "mp", p.mark_price.raw);
    put_dec(out, "up", p.unrealized_pnl.raw);
    put_dec(out, "mm", p.maint_margin.raw);
    out.push_back('}');
  }
  out.append("]}");
}

void encode_listen_key_expired(const ListenKeyExpired& e, std::string& out) {
  out.push_back('{');
  put_type(out, "listenKeyExpired");
  put_key(out, "E");
  out.push_back('"');
  core::str_append(out, from_ns(e.event_time, TimeUnit::kMillisecond));
  out.push_back('"');
  put_str(out, "listenKey", e.listen_key.view());
  out.push_back('}');
}

void encode_trade_lite(const TradeLite& e, std::string& out) {
  constexpr TimeUnit u = TimeUnit::kMillisecond;
  out.push_back('{');
  put_type(out, "TRADE_LITE");
  put_int(out, "E", from_ns(e.event_time, u));
  put_int(out, "T", from_ns(e.transaction_time, u));
  put_str(out, "s", e.symbol.view());
  put_dec(out, "q", e.orig_qty.raw);
  put_dec(out, "p", e.orig_price.raw);
  put_bool(out, "m", e.is_maker);
  put_str(out, "c", e.client_order_id.view());
  put_str(out, "S", wire_name(e.side));
  put_dec(out, "L", e.last_price.raw);
  put_dec(out, "l", e.last_qty.raw);
  put_int(out, "t", e.trade_id);
  put_int(out, "i", e.order_id);
  out.push_back('}');
}

void encode_account_config_update(const AccountConfigUpdate& e, std::string& out) {
  constexpr TimeUnit u = TimeUnit::kMillisecond;
  out.push_back('{');
  put_type(out, "ACCOUNT_CONFIG_UPDATE");
  put_int(out, "E", from_ns(e.event_time, u));
  put_int(out, "T", from_ns(e.transaction_time, u));
  if (e.has_leverage) {
    put_key(out, "ac");
    out.push_back('{');
    put_str(out, "s", e.symbol.view(), true);
    put_int(out, "l", e.leverage);
    out.push_back('}');
  }
  if (e.has_multi_assets) {
    put_key(out, "ai");
    out.push_back('{');
    put_key(out, "j", true);
    out.append(e.multi_assets ? "true" : "false");
    out.push_back('}');
  }
  out.push_back('}');
}

void wrap_ws_api_event(std::string_view event_json, int64_t subscription_id, std::string& out) {
  out.push_back('{');
  if (subscription_id >= 0) {
    put_key(out, "subscriptionId", true);
    core::str_append(out, subscription_id);
    put_key(out, "event");
  } else {
    put_key(out, "event", true);
  }
  out.append(event_json);
  out.push_back('}');
}

void wrap_combined(std::string_view stream, std::string_view data_json, std::string& out) {
  out.push_back('{');
  put_str(out, "stream", stream, true);
  put_key(out, "data");
  out.append(data_json);
  out.push_back('}');
}

}  // namespace dmabot::binance
