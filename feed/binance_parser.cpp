#include "feed/binance_parser.h"

#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "feed/internal/book_ticker_scan.h"
#include "feed/internal/fast_decimal.h"
#include "simdjson.h"

namespace dmabot::feed {

namespace sj = simdjson;
namespace od = simdjson::ondemand;
using core::UnixNanos;

std::string_view to_string(MsgKind k) {
  switch (k) {
    case MsgKind::kMdTick: return "md_tick";
    case MsgKind::kTrade: return "trade";
    case MsgKind::kMarkPrice: return "mark_price";
    case MsgKind::kDepth: return "depth";
    case MsgKind::kSnapshot: return "snapshot";
    case MsgKind::kUnknown: return "unknown";
    case MsgKind::kError: return "error";
    case MsgKind::kCount: break;
  }
  return "?";
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kEmpty: return "empty";
    case ParseError::kBadJson: return "bad_json";
    case ParseError::kNotObject: return "not_object";
    case ParseError::kTrailingContent: return "trailing_content";
    case ParseError::kMissingField: return "missing_field";
    case ParseError::kWrongType: return "wrong_type";
    case ParseError::kBadLevel: return "bad_level";
    case ParseError::kBadDecimal: return "bad_decimal";
    case ParseError::kNegative: return "negative";
    case ParseError::kTooManyDecimals: return "too_many_decimals";
    case ParseError::kOutOfRange: return "out_of_range";
    case ParseError::kTooLarge: return "too_large";
    case ParseError::kUnknownStream: return "unknown_stream";
    case ParseError::kUnknownEvent: return "unknown_event";
    case ParseError::kUnknownSymbol: return "unknown_symbol";
    case ParseError::kNoEventType: return "no_event_type";
    case ParseError::kCount: break;
  }
  return "?";
}

static_assert(BinanceParser::kPadding == sj::SIMDJSON_PADDING);

std::string_view json_error_message(int json_error) {
  return sj::error_message(static_cast<sj::error_code>(json_error));
}

namespace {

// kind == kCount means "no verdict yet, carry on".
constexpr ParseResult kGo{MsgKind::kCount, ParseError::kNone, {}, 0};
constexpr ParseResult kFastTick{MsgKind::kMdTick, ParseError::kNone, {}, 0};

constexpr ParseResult error(ParseError e, std::string_view field = {}, sj::error_code je = sj::SUCCESS) {
  return ParseResult{MsgKind::kError, e, field, static_cast<int>(je)};
}
constexpr ParseResult unknown(ParseError e, std::string_view field = {}) {
  return ParseResult{MsgKind::kUnknown, e, field, 0};
}

// A simdjson error met while reading a field's value.
ParseResult value_error(sj::error_code e, std::string_view field) {
  switch (e) {
    case sj::INCORRECT_TYPE:
      return error(ParseError::kWrongType, field, e);
    case sj::NUMBER_OUT_OF_RANGE:
      return error(ParseError::kOutOfRange, field, e);
    default:
      return error(ParseError::kBadJson, field, e);
  }
}

ParseResult decimal_error(core::DecimalError e, std::string_view field) {
  switch (e) {
    case core::DecimalError::kNegative: return error(ParseError::kNegative, field);
    case core::DecimalError::kTooManyDecimals: return error(ParseError::kTooManyDecimals, field);
    case core::DecimalError::kOverflow: return error(ParseError::kOutOfRange, field);
    default: return error(ParseError::kBadDecimal, field);
  }
}

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The text between the quotes of a string value, taken straight from the input (no unescaping:
// every string we read is a number or a name, where a backslash is an error anyway).
inline bool string_token(od::value& v, std::string_view& out) {
  std::string_view t = v.raw_json_token();
  while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return false;
  out = t.substr(1, t.size() - 2);
  return true;
}

// Reads an unsigned integer field (ids, times) exactly; marks it seen.
inline ParseResult read_u64(od::value& v, std::string_view field, uint64_t& out, uint32_t& seen, uint32_t bit) {
  if (auto e = v.get_uint64().get(out); e) {
    // simdjson says "wrong type" for -5 and 1e30 alike; a number that merely does not fit a uint64
    // (negative, too big) is out of range, a fraction or exponent is the wrong type.
    const std::string_view t = v.raw_json_token();
    if (e == sj::INCORRECT_TYPE && !t.empty() && (t.front() == '-' || (t.front() >= '0' && t.front() <= '9')) &&
        t.find_first_of(".eE") == std::string_view::npos) {
      return error(ParseError::kOutOfRange, field, e);
    }
    return value_error(e, field);
  }
  seen |= bit;
  return kGo;
}

inline ParseResult read_str(od::value& v, std::string_view field, std::string_view& out, uint32_t& seen, uint32_t bit) {
  if (!string_token(v, out)) return error(ParseError::kWrongType, field);
  seen |= bit;
  return kGo;
}

// `raw` points just after a key's opening quote; the key equals lit when the quote follows it.
// Reading past a short key is safe: the key is followed by at least `":` and a value, and the
// document by SIMDJSON_PADDING bytes.
template <std::size_t N>
bool key_is(const char* raw, const char (&lit)[N]) {
  return std::memcmp(raw, lit, N - 1) == 0 && raw[N - 1] == '"';
}

constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
bool ms_to_ns(uint64_t ms, UnixNanos& out) {
  if (ms > static_cast<uint64_t>(kMaxMs)) return false;
  out = static_cast<UnixNanos>(ms) * 1'000'000;
  return true;
}

// Kind named by a combined-stream name ("btcusdt@depth@100ms"); kCount when not ours.
MsgKind stream_kind(std::string_view stream, std::string_view& symbol_part) {
  std::size_t at = stream.find('@');
  if (at == std::string_view::npos) return MsgKind::kCount;
  symbol_part = stream.substr(0, at);
  std::string_view rest = stream.substr(at + 1);
  std::size_t at2 = rest.find('@');
  std::string_view name = at2 == std::string_view::npos ? rest : rest.substr(0, at2);
  if (name == "bookTicker") return MsgKind::kMdTick;
  if (name == "trade" || name == "aggTrade") return MsgKind::kTrade;
  if (name == "markPrice") return MsgKind::kMarkPrice;
  // depth, depth5/10/20 (partial book: a snapshot on spot, a depthUpdate on futures).
  if (name.substr(0, 5) == "depth") return MsgKind::kDepth;
  return MsgKind::kCount;
}

bool valid_symbol_text(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Presence bits for Fields::seen.
enum FieldBit : uint32_t {
  kSeenStream = 1u << 0,
  kSeenEvent = 1u << 1,    // "e"
  kSeenSymbol = 1u << 2,   // "s"
  kSeenP = 1u << 3,        // "p" price / mark price
  kSeenQ = 1u << 4,        // "q"
  kSeenI = 1u << 5,        // "i" index price
  kSeenR = 1u << 6,        // "r" funding rate
  kSeenBidStr = 1u << 7,   // "b" as a string (bookTicker)
  kSeenBidQty = 1u << 8,   // "B"
  kSeenAskStr = 1u << 9,   // "a" as a string (bookTicker)
  kSeenAskQty = 1u << 10,  // "A"
  kSeenEvTime = 1u << 11,  // "E"
  kSeenTxTime = 1u << 12,  // "T"
  kSeenLastU = 1u << 13,   // "u"
  kSeenFirstU = 1u << 14,  // "U"
  kSeenPrevU = 1u << 15,   // "pu"
  kSeenTradeId = 1u << 16, // "t"
  kSeenAggId = 1u << 17,   // "a" as a number (aggTrade)
  kSeenLastUpdateId = 1u << 18,
  kSeenMaker = 1u << 19,   // "m"
  kSeenBidLevels = 1u << 20,  // "b" or "bids" as an array
  kSeenAskLevels = 1u << 21,  // "a" or "asks" as an array
};

// Raw pieces of one payload object, filled in arrival order, turned into an event at the end.
struct Fields {
  uint32_t seen = 0;
  MsgKind event_kind = MsgKind::kCount;   // from "e"
  MsgKind stream_kind = MsgKind::kCount;  // from "stream"
  bool agg_trade = false;
  bool maker = false;
  std::string_view stream_symbol, symbol, p, q, i, r, b, bq, a, aq;
  uint64_t ev_time = 0, tx_time = 0, last_u = 0, first_u = 0, prev_u = 0, trade_id = 0, agg_id = 0,
           last_update_id = 0;
  uint32_t bid_begin = 0, bid_end = 0, ask_begin = 0, ask_end = 0;

  bool has(uint32_t bits) const { return (seen & bits) == bits; }
};

}  // namespace

// Everything that needs simdjson types, kept out of the header.
struct BinanceParser::Impl {
  explicit Impl(BinanceParser& s) : self(s) {}

  ParseResult parse_document(sj::padded_string_view message, UnixNanos ts_local);
  // Returns a kError/kUnknown verdict, or kGo to carry on.
  ParseResult read_payload(od::object& obj, Fields& f, bool top_level);
  ParseResult read_levels(od::value& v, std::string_view field, uint32_t& begin, uint32_t& end);
  ParseResult build(Fields& f, UnixNanos ts_local);

  // kUnknown is a verdict on well-formed JSON only, but on-demand parsing stops reading at the first
  // field that decides it: the whole document is checked by the DOM parser before it stands (cold:
  // other streams, subscription replies). Invalid JSON becomes kBadJson.
  ParseResult confirm_unknown(sj::padded_string_view message, ParseResult r);

  BinanceParser& self;
  od::parser parser;
  sj::dom::parser validator;  // allocated on the first unknown message
};

ParseResult BinanceParser::Impl::confirm_unknown(sj::padded_string_view message, ParseResult r) {
  if (r.kind != MsgKind::kUnknown) return r;
  sj::dom::element root;
  if (auto e = validator.parse(message.data(), message.size(), false).get(root); e) {
    return error(ParseError::kBadJson, {}, e);
  }
  return r;
}

BinanceParser::BinanceParser(core::SymbolTable& symbols, bool allow_new_symbols, uint8_t feed_id,
                             std::size_t max_message_bytes)
    : symbols_(symbols),
      allow_new_symbols_(allow_new_symbols),
      feed_id_(feed_id),
      max_message_bytes_(max_message_bytes),
      impl_(std::make_unique<Impl>(*this)),
      scanner_(std::make_unique<internal::BookTickerScanner>()) {
  // Allocate now rather than on the first message; a failure here shows up as kBadJson (MEMALLOC)
  // on every parse, which is loud enough for a condition that never happens in practice.
  [[maybe_unused]] sj::error_code alloc_error = impl_->parser.allocate(kDefaultScratchBytes);
  scratch_.assign(kDefaultScratchBytes + sj::SIMDJSON_PADDING, '\0');
  levels_.reserve(kDefaultLevelCapacity);
}

BinanceParser::~BinanceParser() = default;

ParseResult BinanceParser::finish(ParseResult r) {
  ++counters_.by_kind[static_cast<std::size_t>(r.kind)];
  if (r.error != ParseError::kNone) ++counters_.by_error[static_cast<std::size_t>(r.error)];
  return r;
}

bool BinanceParser::fast_book_ticker(std::string_view message, UnixNanos ts_local) {
  internal::BookTickerText t;
  if (!scanner_->scan(message, t)) return false;
  core::MdTick tick;
  if (t.has_times && !ms_to_ns(t.ev_time, tick.ts_exchange)) return false;
  tick.ts_local = ts_local;
  tick.update_id = t.u;
  tick.bid.raw = t.b;
  tick.bid_qty.raw = t.bq;
  tick.ask.raw = t.a;
  tick.ask_qty.raw = t.aq;
  // Last: the message is known to be valid by now, and the generic path resolves (and may intern)
  // the symbol for every valid message too, so the table ends up the same whichever path ran.
  tick.symbol = resolve_symbol(t.s);
  if (tick.symbol == core::kNoSymbol) return false;
  tick.feed = feed_id_;
  tick_ = tick;
  ++counters_.fast_path;
  return true;
}

ParseResult BinanceParser::parse(std::string_view message, UnixNanos ts_local) {
  if (message.size() > max_message_bytes_) return finish(error(ParseError::kTooLarge));
  if (fast_path_ && fast_book_ticker(message, ts_local)) return finish(kFastTick);
  return parse_copy(message, ts_local);
}

ParseResult BinanceParser::parse_copy(std::string_view message, UnixNanos ts_local) {
  const std::size_t need = message.size() + sj::SIMDJSON_PADDING;
  if (scratch_.size() < need) {
    // Warm-up growth only: the next power of two, so a slowly growing stream reallocates rarely.
    std::size_t cap = scratch_.size();
    while (cap < need) cap *= 2;
    scratch_.assign(cap, '\0');
  }
  // simdjson reads into the padding when a document ends early (a number or literal cut at the end
  // is read on into it; an unbalanced brace is matched against it), so stale bytes of an earlier,
  // longer message would make the answer depend on history: blank the padding every time.
  std::memcpy(scratch_.data(), message.data(), message.size());
  std::memset(scratch_.data() + message.size(), 0, sj::SIMDJSON_PADDING);
  return finish(impl_->parse_document(sj::padded_string_view(scratch_.data(), message.size(), scratch_.size()),
                                      ts_local));
}

ParseResult BinanceParser::parse_padded(const char* data, std::size_t size, std::size_t capacity,
                                        UnixNanos ts_local) {
  if (size > max_message_bytes_) return finish(error(ParseError::kTooLarge));
  if (capacity < size + sj::SIMDJSON_PADDING) return parse(std::string_view(data, size), ts_local);
  if (fast_path_ && fast_book_ticker(std::string_view(data, size), ts_local)) {
    return finish(kFastTick);
  }
  const ParseResult r = impl_->parse_document(sj::padded_string_view(data, size, capacity), ts_local);
  // A document parsed in place is complete only when its closing brace lies inside `size`, and then
  // no token can reach into the padding: a success does not depend on the caller's padding bytes. A
  // failure may (simdjson reads on into them when the document ends early), so failures are decided
  // again on a copy with blank padding: the answer is parse()'s whatever the caller's bytes hold.
  if (r.kind != MsgKind::kError) return finish(r);
  return parse_copy(std::string_view(data, size), ts_local);
}

ParseResult BinanceParser::Impl::parse_document(sj::padded_string_view message, UnixNanos ts_local) {
  {
    std::size_t n = 0;
    while (n < message.size() && is_space(message[n])) ++n;
    if (n == message.size()) return error(ParseError::kEmpty);
  }
  self.levels_.clear();
  od::document doc;
  if (auto e = parser.iterate(message).get(doc); e) return error(ParseError::kBadJson, {}, e);
  od::object obj;
  if (auto e = doc.get_object().get(obj); e) {
    return e == sj::INCORRECT_TYPE ? error(ParseError::kNotObject, {}, e) : error(ParseError::kBadJson, {}, e);
  }
  Fields f;
  if (ParseResult r = read_payload(obj, f, true); r.kind != MsgKind::kCount) return confirm_unknown(message, r);
  // On-demand parsing stops at the closing brace; anything after it would be silently ignored.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == sj::SUCCESS) return error(ParseError::kTrailingContent);
  return confirm_unknown(message, build(f, ts_local));
}

ParseResult BinanceParser::Impl::read_levels(od::value& v, std::string_view field, uint32_t& begin, uint32_t& end) {
  od::array arr;
  if (auto e = v.get_array().get(arr); e) return value_error(e, field);
  begin = static_cast<uint32_t>(self.levels_.size());
  for (auto level_res : arr) {
    od::array level_arr;
    if (auto e = level_res.get_array().get(level_arr); e) {
      return e == sj::INCORRECT_TYPE ? error(ParseError::kBadLevel, field, e) : error(ParseError::kBadJson, field, e);
    }
    Level level;
    int n = 0;
    for (auto item_res : level_arr) {
      if (auto e = item_res.error(); e) return error(ParseError::kBadJson, field, e);
      od::value& item = item_res.value_unsafe();
      if (n < 2) {  // later elements (old spot streams sent an ignored third one) are skipped
        std::string_view text;
        if (!string_token(item, text)) return error(ParseError::kBadLevel, field);
        const core::DecimalError de = internal::parse_unsigned_decimal(text, n == 0 ? level.price.raw : level.qty.raw);
        if (de != core::DecimalError::kOk) return decimal_error(de, field);
      }
      ++n;
    }
    if (n < 2) return error(ParseError::kBadLevel, field);
    self.levels_.push_back(level);
  }
  end = static_cast<uint32_t>(self.levels_.size());
  return kGo;
}

ParseResult BinanceParser::Impl::read_payload(od::object& obj, Fields& f, bool top_level) {
  for (auto field_res : obj) {
    if (auto e = field_res.error(); e) return error(ParseError::kBadJson, {}, e);
    // By reference: copying the field out of its result costs a store-forwarding stall per field.
    od::field& field = field_res.value_unsafe();
    const char* k = field.key().raw();
    od::value& v = field.value();
    ParseResult r = kGo;
    if (k[1] == '"') {
      // One-letter keys: everything inside a market-data payload except "pu" and the snapshot's.
      switch (k[0]) {
        case 'e': {
          std::string_view ev;
          if (!string_token(v, ev)) return error(ParseError::kWrongType, "e");
          f.seen |= kSeenEvent;
          if (ev == "bookTicker") {
            f.event_kind = MsgKind::kMdTick;
          } else if (ev == "trade") {
            f.event_kind = MsgKind::kTrade;
          } else if (ev == "depthUpdate") {
            f.event_kind = MsgKind::kDepth;
          } else if (ev == "markPriceUpdate") {
            f.event_kind = MsgKind::kMarkPrice;
          } else if (ev == "aggTrade") {
            f.event_kind = MsgKind::kTrade;
            f.agg_trade = true;
          } else {
            return unknown(ParseError::kUnknownEvent, "e");  // no need to read the rest
          }
          break;
        }
        case 'E': r = read_u64(v, "E", f.ev_time, f.seen, kSeenEvTime); break;
        case 'T': r = read_u64(v, "T", f.tx_time, f.seen, kSeenTxTime); break;
        case 'u': r = read_u64(v, "u", f.last_u, f.seen, kSeenLastU); break;
        case 'U': r = read_u64(v, "U", f.first_u, f.seen, kSeenFirstU); break;
        case 't': r = read_u64(v, "t", f.trade_id, f.seen, kSeenTradeId); break;
        case 's': r = read_str(v, "s", f.symbol, f.seen, kSeenSymbol); break;
        case 'p': r = read_str(v, "p", f.p, f.seen, kSeenP); break;
        case 'q': r = read_str(v, "q", f.q, f.seen, kSeenQ); break;
        case 'i': r = read_str(v, "i", f.i, f.seen, kSeenI); break;
        case 'r': r = read_str(v, "r", f.r, f.seen, kSeenR); break;
        case 'B': r = read_str(v, "B", f.bq, f.seen, kSeenBidQty); break;
        case 'A': r = read_str(v, "A", f.aq, f.seen, kSeenAskQty); break;
        case 'm':
          if (auto e = v.get_bool().get(f.maker); e) return value_error(e, "m");
          f.seen |= kSeenMaker;
          break;
        case 'b':
        case 'a': {
          // bookTicker: a price string; depthUpdate: an array of levels; aggTrade "a": the id.
          const bool bid = k[0] == 'b';
          const std::string_view name = bid ? "b" : "a";
          const std::string_view tok = v.raw_json_token();
          const char c = tok.empty() ? '\0' : tok.front();
          if (c == '"') {
            r = read_str(v, name, bid ? f.b : f.a, f.seen, bid ? kSeenBidStr : kSeenAskStr);
          } else if (c == '[') {
            r = bid ? read_levels(v, name, f.bid_begin, f.bid_end) : read_levels(v, name, f.ask_begin, f.ask_end);
            f.seen |= bid ? kSeenBidLevels : kSeenAskLevels;
          } else if (!bid && c >= '0' && c <= '9') {
            r = read_u64(v, "a", f.agg_id, f.seen, kSeenAggId);
          } else {
            return error(ParseError::kWrongType, name);
          }
          break;
        }
        default:
          break;
      }
    } else {
      switch (k[0]) {
        case 's':
          if (top_level && key_is(k, "stream")) {
            std::string_view name;
            if (!string_token(v, name)) return error(ParseError::kWrongType, "stream");
            f.seen |= kSeenStream;
            f.stream_kind = stream_kind(name, f.stream_symbol);
            if (f.stream_kind == MsgKind::kCount) return unknown(ParseError::kUnknownStream, "stream");
          }
          break;
        case 'd':
          if (top_level && key_is(k, "data")) {
            od::object inner;
            if (auto e = v.get_object().get(inner); e) return value_error(e, "data");
            r = read_payload(inner, f, false);
          }
          break;
        case 'p':
          if (key_is(k, "pu")) r = read_u64(v, "pu", f.prev_u, f.seen, kSeenPrevU);
          break;
        case 'b':
          if (key_is(k, "bids")) {
            r = read_levels(v, "bids", f.bid_begin, f.bid_end);
            f.seen |= kSeenBidLevels;
          }
          break;
        case 'a':
          if (key_is(k, "asks")) {
            r = read_levels(v, "asks", f.ask_begin, f.ask_end);
            f.seen |= kSeenAskLevels;
          }
          break;
        case 'l':
          if (key_is(k, "lastUpdateId")) r = read_u64(v, "lastUpdateId", f.last_update_id, f.seen, kSeenLastUpdateId);
          break;
        default:
          break;
      }
    }
    if (r.kind != MsgKind::kCount) return r;
  }
  return kGo;
}

core::SymbolId BinanceParser::resolve_symbol(std::string_view name) {
  if (name.size() == cached_len_ && std::memcmp(name.data(), cached_name_.data(), cached_len_) == 0 &&
      cached_id_ != core::kNoSymbol) {
    return cached_id_;
  }
  if (!valid_symbol_text(name)) return core::kNoSymbol;
  core::SymbolId id = symbols_.find(name);
  if (id == core::kNoSymbol && allow_new_symbols_) id = symbols_.add(name);
  if (id != core::kNoSymbol && name.size() <= cached_name_.size()) {
    std::memcpy(cached_name_.data(), name.data(), name.size());
    cached_len_ = name.size();
    cached_id_ = id;
  }
  return id;
}

ParseResult BinanceParser::Impl::build(Fields& f, UnixNanos ts_local) {
  MsgKind kind;
  if (f.event_kind != MsgKind::kCount) {
    kind = f.event_kind;
  } else if (f.has(kSeenLastUpdateId)) {
    kind = MsgKind::kSnapshot;  // REST depth or spot partial book: the only shape with lastUpdateId
  } else if (f.stream_kind != MsgKind::kCount) {
    kind = f.stream_kind;
  } else if (f.has(kSeenLastU | kSeenBidStr | kSeenAskStr)) {
    kind = MsgKind::kMdTick;  // bare spot bookTicker: no "e"
  } else {
    return unknown(ParseError::kNoEventType);
  }

  // Presence of a string field; a depth array where a string belongs is a type error.
  auto need = [&f](uint32_t bit, std::string_view name, uint32_t wrong_bit = 0) -> ParseResult {
    if (f.has(bit)) return kGo;
    if ((f.seen & wrong_bit) != 0) return error(ParseError::kWrongType, name);
    return error(ParseError::kMissingField, name);
  };
#define DMABOT_NEED(...)                                                  \
  do {                                                                    \
    if (ParseResult nr = need(__VA_ARGS__); nr.kind != MsgKind::kCount) { \
      return nr;                                                          \
    }                                                                     \
  } while (0)
#define DMABOT_DECIMAL(call, name)                                        \
  do {                                                                    \
    if (core::DecimalError de = (call); de != core::DecimalError::kOk) {  \
      return decimal_error(de, name);                                     \
    }                                                                     \
  } while (0)
#define DMABOT_MS(ms, out, name)                                          \
  do {                                                                    \
    if (!ms_to_ns((ms), (out))) return error(ParseError::kOutOfRange, name); \
  } while (0)

  const uint8_t feed = self.feed_id_;
  switch (kind) {
    case MsgKind::kMdTick: {
      DMABOT_NEED(kSeenLastU, "u");
      DMABOT_NEED(kSeenSymbol, "s");
      DMABOT_NEED(kSeenBidStr, "b", kSeenBidLevels);
      DMABOT_NEED(kSeenBidQty, "B");
      DMABOT_NEED(kSeenAskStr, "a", kSeenAskLevels | kSeenAggId);
      DMABOT_NEED(kSeenAskQty, "A");
      core::SymbolId sym = self.resolve_symbol(f.symbol);
      if (sym == core::kNoSymbol) return unknown(ParseError::kUnknownSymbol, "s");
      core::MdTick t;
      if (f.has(kSeenEvTime)) DMABOT_MS(f.ev_time, t.ts_exchange, "E");
      t.ts_local = ts_local;
      t.update_id = f.last_u;
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.b, t.bid.raw), "b");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.bq, t.bid_qty.raw), "B");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.a, t.ask.raw), "a");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.aq, t.ask_qty.raw), "A");
      t.symbol = sym;
      t.feed = feed;
      self.tick_ = t;
      break;
    }
    case MsgKind::kTrade: {
      if (f.agg_trade) {
        DMABOT_NEED(kSeenAggId, "a", kSeenAskStr | kSeenAskLevels);
      } else {
        DMABOT_NEED(kSeenTradeId, "t");
      }
      DMABOT_NEED(kSeenSymbol, "s");
      DMABOT_NEED(kSeenP, "p");
      DMABOT_NEED(kSeenQ, "q");
      DMABOT_NEED(kSeenMaker, "m");
      DMABOT_NEED(kSeenEvTime, "E");
      core::SymbolId sym = self.resolve_symbol(f.symbol);
      if (sym == core::kNoSymbol) return unknown(ParseError::kUnknownSymbol, "s");
      core::Trade t;
      DMABOT_MS(f.ev_time, t.ts_exchange, "E");
      t.ts_local = ts_local;
      t.trade_id = f.agg_trade ? f.agg_id : f.trade_id;
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.p, t.price.raw), "p");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.q, t.qty.raw), "q");
      t.symbol = sym;
      // "m": the buyer was the maker, so the seller crossed the spread.
      t.aggressor = f.maker ? core::Side::kSell : core::Side::kBuy;
      t.feed = feed;
      self.trade_ = t;
      break;
    }
    case MsgKind::kMarkPrice: {
      DMABOT_NEED(kSeenSymbol, "s");
      DMABOT_NEED(kSeenP, "p");
      DMABOT_NEED(kSeenI, "i");
      DMABOT_NEED(kSeenR, "r");
      DMABOT_NEED(kSeenTxTime, "T");
      DMABOT_NEED(kSeenEvTime, "E");
      core::SymbolId sym = self.resolve_symbol(f.symbol);
      if (sym == core::kNoSymbol) return unknown(ParseError::kUnknownSymbol, "s");
      core::MarkPrice m;
      DMABOT_MS(f.ev_time, m.ts_exchange, "E");
      m.ts_local = ts_local;
      DMABOT_MS(f.tx_time, m.next_funding_time, "T");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.p, m.mark.raw), "p");
      DMABOT_DECIMAL(internal::parse_unsigned_decimal(f.i, m.index.raw), "i");
      // Delivery contracts carry no funding: Binance sends "r":"" there.
      if (!f.r.empty()) DMABOT_DECIMAL(core::parse_decimal(f.r, true, m.funding_rate_raw), "r");
      m.symbol = sym;
      m.feed = feed;
      self.mark_ = m;
      break;
    }
    case MsgKind::kDepth: {
      DMABOT_NEED(kSeenSymbol, "s");
      DMABOT_NEED(kSeenFirstU, "U");
      DMABOT_NEED(kSeenLastU, "u");
      DMABOT_NEED(kSeenEvTime, "E");
      DMABOT_NEED(kSeenBidLevels, "b", kSeenBidStr);
      DMABOT_NEED(kSeenAskLevels, "a", kSeenAskStr | kSeenAggId);
      core::SymbolId sym = self.resolve_symbol(f.symbol);
      if (sym == core::kNoSymbol) return unknown(ParseError::kUnknownSymbol, "s");
      DepthUpdate d;
      DMABOT_MS(f.ev_time, d.ts_exchange, "E");
      if (f.has(kSeenTxTime)) DMABOT_MS(f.tx_time, d.ts_transaction, "T");
      d.ts_local = ts_local;
      d.first_update_id = f.first_u;
      d.last_update_id = f.last_u;
      d.prev_update_id = f.has(kSeenPrevU) ? f.prev_u : 0;
      d.symbol = sym;
      d.feed = feed;
      // Spans are made last: self.levels_ may have reallocated while the arrays were read.
      d.bids = std::span<const Level>(self.levels_.data() + f.bid_begin, f.bid_end - f.bid_begin);
      d.asks = std::span<const Level>(self.levels_.data() + f.ask_begin, f.ask_end - f.ask_begin);
      self.depth_ = d;
      break;
    }
    case MsgKind::kSnapshot: {
      DMABOT_NEED(kSeenLastUpdateId, "lastUpdateId");
      DMABOT_NEED(kSeenBidLevels, "bids");
      DMABOT_NEED(kSeenAskLevels, "asks");
      core::SymbolId sym = core::kNoSymbol;
      if (f.has(kSeenSymbol) || f.has(kSeenStream)) {
        sym = self.resolve_symbol(f.has(kSeenSymbol) ? f.symbol : f.stream_symbol);
        if (sym == core::kNoSymbol) return unknown(ParseError::kUnknownSymbol, f.has(kSeenSymbol) ? "s" : "stream");
      }
      DepthSnapshot s;
      if (f.has(kSeenEvTime)) DMABOT_MS(f.ev_time, s.ts_exchange, "E");
      if (f.has(kSeenTxTime)) DMABOT_MS(f.tx_time, s.ts_transaction, "T");
      s.ts_local = ts_local;
      s.last_update_id = f.last_update_id;
      s.symbol = sym;
      s.feed = feed;
      s.bids = std::span<const Level>(self.levels_.data() + f.bid_begin, f.bid_end - f.bid_begin);
      s.asks = std::span<const Level>(self.levels_.data() + f.ask_begin, f.ask_end - f.ask_begin);
      self.snapshot_ = s;
      break;
    }
    default:
      return unknown(ParseError::kNoEventType);
  }
#undef DMABOT_NEED
#undef DMABOT_DECIMAL
#undef DMABOT_MS
  return ParseResult{kind, ParseError::kNone, {}, 0};
}

}  // namespace dmabot::feed
