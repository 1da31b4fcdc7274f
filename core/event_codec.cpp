#include "core/event_codec.h"

#include <charconv>
#include <climits>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "core/config.h"
#include "core/internal/json_scan.h"
#include "core/strings.h"
#include "simdjson.h"

namespace dmabot::core {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);
static_assert(static_cast<int>(RecordKind::kCtl) == static_cast<int>(EventKind::kControl));
static_assert(static_cast<int>(RecordKind::kExec) == static_cast<int>(EventKind::kExecReport));

std::string_view to_string(RecordKind k) {
  switch (k) {
    case RecordKind::kMd: return "md";
    case RecordKind::kTrade: return "trade";
    case RecordKind::kMark: return "mark";
    case RecordKind::kSig: return "sig";
    case RecordKind::kOrd: return "ord";
    case RecordKind::kExec: return "exec";
    case RecordKind::kCtl: return "ctl";
    case RecordKind::kConfig: return "config";
    case RecordKind::kEnd: return "end";
  }
  return "?";
}

std::string_view control_command_name(ControlCommand c) { return to_string(c); }

std::string_view to_string(DecodeResult r) {
  switch (r) {
    case DecodeResult::kOk: return "ok";
    case DecodeResult::kEmpty: return "empty line";
    case DecodeResult::kMalformed: return "malformed line";
    case DecodeResult::kUnknownKind: return "unknown kind";
    case DecodeResult::kBadField: return "bad field";
    case DecodeResult::kUnsupportedVersion: return "unsupported schema version";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------
namespace {

// Appends without bounds checks: every public encoder checks cap against the worst case first, which
// keeps the per-field cost to a memcpy or a to_chars.
class LineWriter {
 public:
  explicit LineWriter(char* p) : start_(p), p_(p) {}
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void raw(std::string_view s) {
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void i64(int64_t v) { p_ = std::to_chars(p_, p_ + 24, v).ptr; }
  void u64(uint64_t v) { p_ = std::to_chars(p_, p_ + 24, v).ptr; }
  // Decimal string: exact, trimmed ("61837.63", "-0.5", "0").
  void dec(int64_t raw) {
    *p_++ = '"';
    p_ += format_decimal_trimmed(raw, p_);
    *p_++ = '"';
  }
  void boolean(bool b) {
    if (b) {
      lit("true");
    } else {
      lit("false");
    }
  }
  // JSON string with escaping (symbol names never need it in practice, but a file must stay valid).
  void str(std::string_view s) {
    *p_++ = '"';
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        *p_++ = '\\';
        *p_++ = c;
      } else if (u < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        lit("\\u00");
        *p_++ = kHex[u >> 4];
        *p_++ = kHex[u & 0xF];
      } else {
        *p_++ = c;
      }
    }
    *p_++ = '"';
  }
  // Enum names are plain ASCII without quotes or backslashes.
  void name(std::string_view s) {
    *p_++ = '"';
    raw(s);
    *p_++ = '"';
  }
  std::size_t finish() {
    *p_++ = '\n';
    return static_cast<std::size_t>(p_ - start_);
  }

 private:
  char* start_;
  char* p_;
};

std::string_view symbol_name(const SymbolTable& symbols, SymbolId id) {
  if (id == kNoSymbol || id >= symbols.size()) return {};
  return symbols.name(id);
}

// Common head of an event line: {"v":1,"seq":N,"kind":"<kind>"
void head(LineWriter& w, uint64_t seq, RecordKind kind) {
  w.lit("{\"v\":1,\"seq\":");
  w.u64(seq);
  w.lit(",\"kind\":");
  w.name(to_string(kind));
}

}  // namespace

std::size_t encode(const MdTick& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, RecordKind::kMd);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"ts_exch\":");
  w.i64(e.ts_exchange);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"u\":");
  w.u64(e.update_id);
  w.lit(",\"bid\":");
  w.dec(e.bid.raw);
  w.lit(",\"bq\":");
  w.dec(e.bid_qty.raw);
  w.lit(",\"ask\":");
  w.dec(e.ask.raw);
  w.lit(",\"aq\":");
  w.dec(e.ask_qty.raw);
  w.lit(",\"feed\":");
  w.u64(e.feed);
  w.lit("}");
  return w.finish();
}

std::size_t encode(const Trade& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, RecordKind::kTrade);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"ts_exch\":");
  w.i64(e.ts_exchange);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"id\":");
  w.u64(e.trade_id);
  w.lit(",\"px\":");
  w.dec(e.price.raw);
  w.lit(",\"qty\":");
  w.dec(e.qty.raw);
  w.lit(",\"aggr\":");
  w.name(to_string(e.aggressor));
  w.lit(",\"feed\":");
  w.u64(e.feed);
  w.lit("}");
  return w.finish();
}

std::size_t encode(const MarkPrice& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, RecordKind::kMark);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"ts_exch\":");
  w.i64(e.ts_exchange);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"mark\":");
  w.dec(e.mark.raw);
  w.lit(",\"index\":");
  w.dec(e.index.raw);
  w.lit(",\"funding\":");
  w.dec(e.funding_rate_raw);
  w.lit(",\"next_funding\":");
  w.i64(e.next_funding_time);
  w.lit(",\"feed\":");
  w.u64(e.feed);
  w.lit("}");
  return w.finish();
}

namespace {
// sig and ord share every field but venue.
template <class E>
std::size_t encode_intent(const E& e, RecordKind kind, bool with_venue, uint8_t venue, uint64_t seq,
                          const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, kind);
  w.lit(",\"ts_tick\":");
  w.i64(e.ts_tick);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"strat\":");
  w.u64(e.strategy);
  if (with_venue) {
    w.lit(",\"venue\":");
    w.u64(venue);
  }
  w.lit(",\"action\":");
  w.name(to_string(e.action));
  w.lit(",\"side\":");
  w.name(to_string(e.side));
  w.lit(",\"tif\":");
  w.name(to_string(e.tif));
  w.lit(",\"px\":");
  w.dec(e.price.raw);
  w.lit(",\"qty\":");
  w.dec(e.qty.raw);
  w.lit(",\"cid\":");
  w.u64(e.client_id);
  w.lit(",\"tid\":");
  w.u64(e.target_id);
  w.lit("}");
  return w.finish();
}
}  // namespace

std::size_t encode(const Signal& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  return encode_intent(e, RecordKind::kSig, false, 0, seq, symbols, buf, cap);
}

std::size_t encode(const Order& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  return encode_intent(e, RecordKind::kOrd, true, e.venue, seq, symbols, buf, cap);
}

std::size_t encode(const ExecReport& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, RecordKind::kExec);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"ts_exch\":");
  w.i64(e.ts_exchange);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"strat\":");
  w.u64(e.strategy);
  w.lit(",\"venue\":");
  w.u64(e.venue);
  w.lit(",\"cid\":");
  w.u64(e.client_id);
  w.lit(",\"status\":");
  w.name(to_string(e.status));
  w.lit(",\"side\":");
  w.name(to_string(e.side));
  w.lit(",\"px\":");
  w.dec(e.last_px.raw);
  w.lit(",\"lq\":");
  w.dec(e.last_qty.raw);
  w.lit(",\"cq\":");
  w.dec(e.cum_qty.raw);
  w.lit(",\"fee\":");
  w.dec(e.fee_raw);
  w.lit(",\"maker\":");
  w.boolean(e.maker);
  w.lit(",\"reason\":");
  w.name(to_string(e.reject_reason));
  w.lit("}");
  return w.finish();
}

std::size_t encode(const Control& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap) {
  const std::string_view sym = symbol_name(symbols, e.symbol);
  if (cap < max_event_line_bytes(sym.size())) return 0;
  LineWriter w(buf);
  head(w, seq, RecordKind::kCtl);
  w.lit(",\"ts_local\":");
  w.i64(e.ts_local);
  w.lit(",\"sym\":");
  w.str(sym);
  w.lit(",\"cmd\":");
  w.name(control_command_name(e.command));
  w.lit(",\"cause\":");
  w.name(to_string(e.cause));
  w.lit(",\"measured\":");
  w.dec(e.measured_raw);
  w.lit(",\"limit\":");
  w.dec(e.limit_raw);
  w.lit(",\"equity\":");
  w.dec(e.equity_raw);
  if (e.command == ControlCommand::kPositionAdjust) {  // whose account (replay applies it to that venue)
    w.lit(",\"venue\":");
    w.u64(e.venue);
  }
  w.lit("}");
  return w.finish();
}

std::size_t encode_footer(const RecordFooter& f, char* buf, std::size_t cap) {
  // 8 integers of <= 20 digits plus ~110 bytes of names.
  if (cap < 400) return 0;
  LineWriter w(buf);
  w.lit("{\"v\":1,\"kind\":\"end\",\"events\":");
  w.u64(f.events);
  static constexpr std::string_view kKeys[kEventKindCount] = {",\"n_md\":",  ",\"n_trade\":", ",\"n_mark\":",
                                                             ",\"n_sig\":", ",\"n_ord\":",   ",\"n_exec\":",
                                                             ",\"n_ctl\":"};
  for (std::size_t k = 0; k < kEventKindCount; ++k) {
    w.raw(kKeys[k]);
    w.u64(f.counts[k]);
  }
  w.lit("}");
  return w.finish();
}

std::string encode_config_header(std::string_view program,
                                 const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = "{\"v\":1,\"kind\":\"config\",\"program\":";
  append_json_string(out, program);
  out += ",\"config\":{";
  bool first = true;
  for (const auto& [k, v] : pairs) {
    if (is_secret_key(k)) continue;  // never recorded, not even masked
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, k);
    out.push_back(':');
    append_json_string(out, v);
  }
  out += "}}\n";
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------------
namespace {

namespace namso = simdjson::ondemand;

// clang-format off
enum Field : uint8_t {
  fV, fSeq, fKind, fTsLocal, fTsExch, fTsTick, fNextFunding, fSym, fU, fBid, fBq, fAsk, fAq, fPx, fQty,
  fMark, fIndex, fFunding, fFee, fId, fAggr, fFeed, fStrat, fVenue, fAction, fSide, fTif, fCid, fTid,
  fStatus, fReason, fMaker, fLq, fCq, fCmd, fProgram, fConfig, fEvents, fNMd, fNTrade, fNMark, fNSig,
  fNOrd, fNExec, fNCtl, fCause, fMeasured, fLimit, fEquity, kFieldCount
};
// clang-format on
static_assert(kFieldCount <= 64, "presence is a 64-bit mask");

// How a field's JSON value is read. A field name has one type in every kind, which lets the decoder
// read fields in whatever order they come, before it knows the kind.
// clang-format off
enum class FieldType : uint8_t { kInt, kUint, kU8, kDecimal, kString, kSide, kAction, kTif, kStatus, kReason,
                                 kCmd, kCause, kBool, kObject };
// clang-format on

struct FieldDef {
  std::string_view name;
  FieldType type;
};

// clang-format off
constexpr FieldDef kFields[kFieldCount] = {
    {"v", FieldType::kUint},          {"seq", FieldType::kUint},       {"kind", FieldType::kString},
    {"ts_local", FieldType::kInt},    {"ts_exch", FieldType::kInt},    {"ts_tick", FieldType::kInt},
    {"next_funding", FieldType::kInt}, {"sym", FieldType::kString},    {"u", FieldType::kUint},
    {"bid", FieldType::kDecimal},     {"bq", FieldType::kDecimal},     {"ask", FieldType::kDecimal},
    {"aq", FieldType::kDecimal},      {"px", FieldType::kDecimal},     {"qty", FieldType::kDecimal},
    {"mark", FieldType::kDecimal},    {"index", FieldType::kDecimal},  {"funding", FieldType::kDecimal},
    {"fee", FieldType::kDecimal},     {"id", FieldType::kUint},        {"aggr", FieldType::kSide},
    {"feed", FieldType::kU8},         {"strat", FieldType::kU8},       {"venue", FieldType::kU8},
    {"action", FieldType::kAction},   {"side", FieldType::kSide},      {"tif", FieldType::kTif},
    {"cid", FieldType::kUint},        {"tid", FieldType::kUint},       {"status", FieldType::kStatus},
    {"reason", FieldType::kReason},   {"maker", FieldType::kBool},     {"lq", FieldType::kDecimal},
    {"cq", FieldType::kDecimal},      {"cmd", FieldType::kCmd},        {"program", FieldType::kString},
    {"config", FieldType::kObject},   {"events", FieldType::kUint},    {"n_md", FieldType::kUint},
    {"n_trade", FieldType::kUint},    {"n_mark", FieldType::kUint},    {"n_sig", FieldType::kUint},
    {"n_ord", FieldType::kUint},      {"n_exec", FieldType::kUint},    {"n_ctl", FieldType::kUint},
    {"cause", FieldType::kCause},     {"measured", FieldType::kDecimal}, {"limit", FieldType::kDecimal},
    {"equity", FieldType::kDecimal},
};
// clang-format on

// Field lookup by a collision-free hash of (length, first, middle, last char) into 128 slots,
// verified at compile time: one table load and one short compare per key instead of a string chain.
constexpr unsigned field_hash(std::string_view k) {
  return (static_cast<unsigned>(k.size()) * 8 + static_cast<unsigned char>(k[0]) * 11 +
          static_cast<unsigned char>(k[k.size() - 1]) + static_cast<unsigned char>(k[k.size() / 2])) & 127;
}
struct FieldSlots {
  uint8_t slot[128];
  bool collision_free;
};
constexpr FieldSlots make_slots() {
  FieldSlots s{};
  s.collision_free = true;
  for (auto& x : s.slot) x = 0xFF;
  for (uint8_t i = 0; i < kFieldCount; ++i) {
    const unsigned h = field_hash(kFields[i].name);
    if (s.slot[h] != 0xFF) s.collision_free = false;
    s.slot[h] = i;
  }
  return s;
}
constexpr FieldSlots kSlots = make_slots();
static_assert(kSlots.collision_free, "change field_hash: two field names share a slot");

// Short-string equality without a memcmp call (names here are 1-15 bytes).
inline bool eq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

int lookup_field(std::string_view k) {
  if (k.empty()) return -1;
  const uint8_t i = kSlots.slot[field_hash(k)];
  if (i == 0xFF || !eq(kFields[i].name, k)) return -1;
  return i;
}

// The order in which encode() writes each kind's fields. The decoder first checks whether the next
// key is the one the writer would put there — a single short compare that hits on every line this
// program wrote — and only otherwise hashes the key (hand-edited or foreign files, other versions).
constexpr Field kOrderMd[] = {fV, fSeq, fKind, fTsLocal, fTsExch, fSym, fU, fBid, fBq, fAsk, fAq, fFeed};
constexpr Field kOrderTrade[] = {fV, fSeq, fKind, fTsLocal, fTsExch, fSym, fId, fPx, fQty, fAggr, fFeed};
constexpr Field kOrderMark[] = {fV,   fSeq,   fKind,    fTsLocal,     fTsExch, fSym,
                                fMark, fIndex, fFunding, fNextFunding, fFeed};
constexpr Field kOrderSig[] = {fV,    fSeq,  fKind, fTsTick, fTsLocal, fSym, fStrat,
                               fAction, fSide, fTif,  fPx,     fQty,     fCid, fTid};
constexpr Field kOrderOrd[] = {fV,     fSeq,    fKind, fTsTick, fTsLocal, fSym, fStrat, fVenue,
                               fAction, fSide, fTif,  fPx,     fQty,     fCid, fTid};
constexpr Field kOrderExec[] = {fV,      fSeq,  fKind, fTsLocal, fTsExch, fSym, fStrat, fVenue, fCid,
                                fStatus, fSide, fPx,   fLq,      fCq,     fFee, fMaker, fReason};
constexpr Field kOrderCtl[] = {fV, fSeq, fKind, fTsLocal, fSym, fCmd, fCause, fMeasured, fLimit, fEquity, fVenue};
constexpr Field kOrderConfig[] = {fV, fKind, fProgram, fConfig};
constexpr Field kOrderEnd[] = {fV, fKind, fEvents, fNMd, fNTrade, fNMark, fNSig, fNOrd, fNExec, fNCtl};
struct FieldOrder {
  const Field* fields;
  std::size_t size;
};
template <std::size_t N>
constexpr FieldOrder order_of(const Field (&a)[N]) {
  return {a, N};
}
constexpr FieldOrder kOrders[] = {order_of(kOrderMd),  order_of(kOrderTrade), order_of(kOrderMark),
                                  order_of(kOrderSig), order_of(kOrderOrd),   order_of(kOrderExec),
                                  order_of(kOrderCtl), order_of(kOrderConfig), order_of(kOrderEnd)};

// Each field name plus its closing quote, packed little-endian into two words with masks, so that
// "is the key at p exactly this name" is two 8-byte loads and compares. Reading 16 bytes from a key
// start stays inside line + kJsonPadding, which decode_padded's contract makes readable.
struct KeyPattern {
  uint64_t w0 = 0, w1 = 0, m0 = 0, m1 = 0;
};
constexpr KeyPattern make_pattern(std::string_view name) {
  KeyPattern k;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    const uint64_t c = i < name.size() ? static_cast<unsigned char>(name[i]) : uint64_t{'"'};
    if (i < 8) {
      k.w0 |= c << (8 * i);
      k.m0 |= uint64_t{0xFF} << (8 * i);
    } else {
      k.w1 |= c << (8 * (i - 8));
      k.m1 |= uint64_t{0xFF} << (8 * (i - 8));
    }
  }
  return k;
}
struct KeyPatterns {
  KeyPattern p[kFieldCount];
};
constexpr KeyPatterns make_patterns() {
  KeyPatterns k{};
  for (int i = 0; i < kFieldCount; ++i) k.p[i] = make_pattern(kFields[i].name);
  return k;
}
constexpr KeyPatterns kPatterns = make_patterns();
constexpr bool names_fit_patterns() {
  for (const FieldDef& f : kFields) {
    if (f.name.size() > 15) return false;
  }
  return true;
}
static_assert(names_fit_patterns(), "field names are at most 15 bytes (16 with the closing quote)");

inline bool key_is(const char* p, Field f) {
  uint64_t a, b;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  const KeyPattern& k = kPatterns.p[f];
  return ((a & k.m0) == k.w0) & ((b & k.m1) == k.w1);
}

// The key of a field straight from the input (no copy). Keys of this schema never contain escapes; a
// key that does is reported as empty, i.e. an unknown field, and skipped.
inline std::string_view raw_key(const namso::field& field) {
  const char* p = field.key().raw();
  std::size_t n = 0;
  while (p[n] != '"') {
    if (p[n] == '\\') return {};
    ++n;
  }
  return std::string_view(p, n);
}

// A string value's raw contents between the quotes, straight from the input (no unescaping, no copy);
// false when the value is not a string. Decimals and enum names never contain escapes, so a backslash
// simply fails their parse; "sym" falls back to get_string() when it sees one.
inline bool raw_string(namso::value& v, std::string_view& out) {
  std::string_view t = v.raw_json_token();
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  if (t.size() < 2 || t.front() != '"' || t.back() != '"') return false;
  out = t.substr(1, t.size() - 2);
  return true;
}

constexpr uint64_t bit(Field f) { return uint64_t{1} << f; }
constexpr uint64_t kRequired[kEventKindCount + 2] = {
    // md
    bit(fSeq) | bit(fTsLocal) | bit(fTsExch) | bit(fSym) | bit(fU) | bit(fBid) | bit(fBq) | bit(fAsk) | bit(fAq) |
        bit(fFeed),
    // trade
    bit(fSeq) | bit(fTsLocal) | bit(fTsExch) | bit(fSym) | bit(fId) | bit(fPx) | bit(fQty) | bit(fAggr) | bit(fFeed),
    // mark
    bit(fSeq) | bit(fTsLocal) | bit(fTsExch) | bit(fSym) | bit(fMark) | bit(fIndex) | bit(fFunding) |
        bit(fNextFunding) | bit(fFeed),
    // sig
    bit(fSeq) | bit(fTsTick) | bit(fTsLocal) | bit(fSym) | bit(fStrat) | bit(fAction) | bit(fSide) | bit(fTif) |
        bit(fPx) | bit(fQty) | bit(fCid) | bit(fTid),
    // ord
    bit(fSeq) | bit(fTsTick) | bit(fTsLocal) | bit(fSym) | bit(fStrat) | bit(fVenue) | bit(fAction) | bit(fSide) |
        bit(fTif) | bit(fPx) | bit(fQty) | bit(fCid) | bit(fTid),
    // exec
    bit(fSeq) | bit(fTsLocal) | bit(fTsExch) | bit(fSym) | bit(fStrat) | bit(fVenue) | bit(fCid) | bit(fStatus) |
        bit(fSide) | bit(fPx) | bit(fLq) | bit(fCq) | bit(fFee) | bit(fMaker) | bit(fReason),
    // ctl (cause, measured, limit, equity were added later in version 1: optional, default none / 0)
    bit(fSeq) | bit(fTsLocal) | bit(fSym) | bit(fCmd),
    // config
    bit(fProgram) | bit(fConfig),
    // end
    bit(fEvents) | bit(fNMd) | bit(fNTrade) | bit(fNMark) | bit(fNSig) | bit(fNOrd) | bit(fNExec) | bit(fNCtl),
};

// The common decimal shapes ("61837.63", "-0.5", "3") with at most 10 integer digits, where no
// overflow check is needed (< 1e10 * 1e8 < 2^63). Anything else (or anything invalid) returns false
// and goes through parse_decimal, which has the full validation and error reporting.
inline bool fast_decimal(std::string_view s, int64_t& out) {
  static constexpr uint64_t kPow10[9] = {1,      10,      100,      1000,      10000,
                                         100000, 1000000, 10000000, 100000000};
  std::size_t i = 0;
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) i = 1;
  uint64_t acc = 0;
  int int_digits = 0;
  int frac_digits = -1;  // -1: no point seen
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      acc = acc * 10 + static_cast<uint64_t>(c - '0');
      if (frac_digits < 0) {
        ++int_digits;
      } else {
        ++frac_digits;
      }
      if (int_digits > 10 || frac_digits > kDecimals) return false;
    } else if (c == '.' && frac_digits < 0) {
      frac_digits = 0;
    } else {
      return false;
    }
  }
  if (frac_digits < 0) frac_digits = 0;
  if (int_digits + frac_digits == 0) return false;
  acc *= kPow10[kDecimals - frac_digits];
  out = neg ? -static_cast<int64_t>(acc) : static_cast<int64_t>(acc);
  return true;
}

// Reverse lookup of an enum by its to_string name: a handful of short compares.
template <class E, std::size_t N>
bool parse_enum(std::string_view s, const E (&values)[N], std::string_view (*name)(E), int64_t& out) {
  for (E v : values) {
    if (eq(name(v), s)) {
      out = static_cast<int64_t>(v);
      return true;
    }
  }
  return false;
}
constexpr Side kSides[] = {Side::kBuy, Side::kSell};
constexpr SignalAction kActions[] = {SignalAction::kNew, SignalAction::kCancel, SignalAction::kReplace};
constexpr TimeInForce kTifs[] = {TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kPostOnly};
constexpr ExecStatus kStatuses[] = {ExecStatus::kNew,      ExecStatus::kPartiallyFilled, ExecStatus::kFilled,
                                    ExecStatus::kCanceled, ExecStatus::kRejected,        ExecStatus::kExpired,
                                    ExecStatus::kCancelRejected};
constexpr ControlCommand kCommands[] = {ControlCommand::kNone,         ControlCommand::kCancelAll,
                                        ControlCommand::kKillSwitchOn, ControlCommand::kKillSwitchOff,
                                        ControlCommand::kShutdown,     ControlCommand::kSymbolHalt,
                                        ControlCommand::kSymbolResume, ControlCommand::kPositionAdjust};
constexpr KillCause kCauses[] = {KillCause::kNone,      KillCause::kManual,    KillCause::kDrawdown,
                                 KillCause::kDailyLoss, KillCause::kStart,     KillCause::kReconcile,
                                 KillCause::kUserData,  KillCause::kCommission};
std::string_view cause_name(KillCause c) { return to_string(c); }
std::string_view side_name(Side s) { return to_string(s); }
std::string_view action_name(SignalAction a) { return to_string(a); }
std::string_view tif_name(TimeInForce t) { return to_string(t); }
std::string_view status_name(ExecStatus s) { return to_string(s); }
std::string_view reason_name(RejectReason r) { return to_string(r); }
std::string_view kind_name(RecordKind k) { return to_string(k); }

bool parse_reason(std::string_view s, int64_t& out) {
  for (int r = 0; r < static_cast<int>(RejectReason::kCount); ++r) {
    if (eq(reason_name(static_cast<RejectReason>(r)), s)) {
      out = r;
      return true;
    }
  }
  return false;
}

bool parse_kind(std::string_view s, RecordKind& out) {
  for (int k = 0; k <= static_cast<int>(RecordKind::kEnd); ++k) {
    if (eq(kind_name(static_cast<RecordKind>(k)), s)) {
      out = static_cast<RecordKind>(k);
      return true;
    }
  }
  return false;
}

// The fast path's cursor (core/internal/json_scan.h, shared with the feed's bookTicker fast path).
// Its signed_decimal() takes only shapes fast_decimal() takes too (optional '-', <= 10 integer
// digits, <= 8 decimals, >= 1 digit) and returns the same value, so both paths agree.
using internal::ExactScanner;

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct EventDecoder::Impl {
  namso::parser parser;
  std::vector<char> copy;  // padded copy of the line for decode()
  std::vector<std::pair<std::string, std::string>> pairs;  // scratch for a config line
  std::unordered_map<std::string, SymbolId, TransparentHash, std::equal_to<>> sym_cache;
  // The few most recent names, searched linearly before hashing: a recording interleaves a handful
  // of symbols, and comparing short names beats hashing them. Views point at sym_cache keys
  // (node-based map: stable addresses).
  static constexpr std::size_t kRecent = 16;
  std::array<std::pair<std::string_view, SymbolId>, kRecent> recent{};
  std::size_t recent_count = 0, recent_next = 0;

  SymbolId find_recent(std::string_view name) const {
    for (std::size_t i = 0; i < recent_count; ++i) {
      if (eq(recent[i].first, name)) return recent[i].second;
    }
    return kNoSymbol;
  }
  void remember(std::string_view name, SymbolId id) {
    recent[recent_next] = {name, id};
    recent_next = (recent_next + 1) % kRecent;
    if (recent_count < kRecent) ++recent_count;
  }

  // Per-line values; only the entries whose bit is in `seen` are meaningful.
  int64_t num[kFieldCount];
  std::string_view sym;
  std::string_view program;
  RecordKind kind = RecordKind::kMd;

  static void fail_text(EventDecoder& d, std::string_view a, std::string_view b = {}, std::string_view c = {},
                        std::string_view e = {}) {
    std::size_t n = 0;
    for (std::string_view s : {a, b, c, e}) {
      const std::size_t k = std::min(s.size(), sizeof(d.err_) - n);
      if (k != 0) std::memcpy(d.err_ + n, s.data(), k);
      n += k;
    }
    d.err_len_ = n;
  }
  static DecodeResult bad_field(EventDecoder& d, Field f, std::string_view what) {
    d.err_field_ = kFields[f].name;
    fail_text(d, "field '", kFields[f].name, "': ", what);
    return DecodeResult::kBadField;
  }
  static DecodeResult malformed(EventDecoder& d, simdjson::error_code ec) {
    fail_text(d, "malformed JSON: ", simdjson::error_message(ec));
    return DecodeResult::kMalformed;
  }

  // A symbol name -> its id, interning new names; false when the table refuses the name.
  bool resolve(SymbolTable& symbols, std::string_view name, SymbolId& id) {
    id = find_recent(name);
    if (id != kNoSymbol) return true;
    auto it = sym_cache.find(name);
    if (it == sym_cache.end()) {
      const SymbolId added = symbols.add(name);
      if (added == kNoSymbol) return false;
      it = sym_cache.emplace(std::string(name), added).first;
    }
    id = it->second;
    remember(it->first, id);
    return true;
  }

  // md/trade/mark lines exactly as encode() writes them, without simdjson. True: `out` is filled and
  // the line is valid. False: nothing observable changed; the generic decoder must run.
  bool fast_decode(SymbolTable& symbols, std::string_view line, RecordedEvent& out);
  // out.event for an md (k == kMd), trade or mark line from num[] (both paths end here).
  void build_market(RecordKind k, SymbolId sym, RecordedEvent& out) const;
};

bool EventDecoder::Impl::fast_decode(SymbolTable& symbols, std::string_view line, RecordedEvent& out) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Values go straight into num[] (per-line scratch the generic path overwrites before reading), so
  // both paths share build_market().
  int64_t* n = num;
  ExactScanner sc(line);
  uint64_t seq = 0;
  if (!sc.lit("{\"v\":1,\"seq\":") || !sc.u64(seq) || !sc.lit(",\"kind\":\"")) return false;
  RecordKind k;
  if (sc.lit("md\",\"ts_local\":")) {
    k = RecordKind::kMd;
  } else if (sc.lit("trade\",\"ts_local\":")) {
    k = RecordKind::kTrade;
  } else if (sc.lit("mark\",\"ts_local\":")) {
    k = RecordKind::kMark;
  } else {
    return false;
  }
  std::string_view name;
  if (!sc.i64(n[fTsLocal]) || !sc.lit(",\"ts_exch\":") || !sc.i64(n[fTsExch]) || !sc.lit(",\"sym\":\"") ||
      !sc.str(name)) {
    return false;
  }
  // The three kinds' remaining fields, in encode() order.
  uint64_t id = 0, feed = 0;
  std::string_view aggr;
  switch (k) {
    case RecordKind::kMd:
      if (!sc.lit(",\"u\":") || !sc.u64(id) || !sc.lit(",\"bid\":\"") || !sc.signed_decimal(n[fBid]) ||
          !sc.lit(",\"bq\":\"") || !sc.signed_decimal(n[fBq]) || !sc.lit(",\"ask\":\"") ||
          !sc.signed_decimal(n[fAsk]) || !sc.lit(",\"aq\":\"") || !sc.signed_decimal(n[fAq])) {
        return false;
      }
      n[fU] = static_cast<int64_t>(id);
      break;
    case RecordKind::kTrade:
      if (!sc.lit(",\"id\":") || !sc.u64(id) || !sc.lit(",\"px\":\"") || !sc.signed_decimal(n[fPx]) ||
          !sc.lit(",\"qty\":\"") || !sc.signed_decimal(n[fQty]) || !sc.lit(",\"aggr\":\"") || !sc.str(aggr) ||
          !parse_enum(aggr, kSides, side_name, n[fAggr])) {
        return false;
      }
      n[fId] = static_cast<int64_t>(id);
      break;
    default:  // kMark
      if (!sc.lit(",\"mark\":\"") || !sc.signed_decimal(n[fMark]) || !sc.lit(",\"index\":\"") ||
          !sc.signed_decimal(n[fIndex]) || !sc.lit(",\"funding\":\"") || !sc.signed_decimal(n[fFunding]) ||
          !sc.lit(",\"next_funding\":") || !sc.i64(n[fNextFunding])) {
        return false;
      }
      break;
  }
  if (!sc.lit(",\"feed\":") || !sc.u64(feed) || feed > 255 || !sc.lit("}") || !sc.at_end()) return false;
  n[fFeed] = static_cast<int64_t>(feed);
  // Last, as in the generic path: only a valid line interns its symbol.
  SymbolId sym = kNoSymbol;
  if (!name.empty() && !resolve(symbols, name, sym)) return false;
  out.kind = k;
  out.seq = seq;
  build_market(k, sym, out);
  return true;
}

void EventDecoder::Impl::build_market(RecordKind k, SymbolId sym, RecordedEvent& out) const {
  const int64_t* n = num;
  // Built locally and assigned: emplace<T>() value-initialises (zeroes) the event first.
  switch (k) {
    case RecordKind::kMd: {
      MdTick e;
      e.ts_local = n[fTsLocal];
      e.ts_exchange = n[fTsExch];
      e.update_id = static_cast<uint64_t>(n[fU]);
      e.bid = Price::from_raw(n[fBid]);
      e.bid_qty = Qty::from_raw(n[fBq]);
      e.ask = Price::from_raw(n[fAsk]);
      e.ask_qty = Qty::from_raw(n[fAq]);
      e.symbol = sym;
      e.feed = static_cast<uint8_t>(n[fFeed]);
      out.event = e;
      break;
    }
    case RecordKind::kTrade: {
      Trade e;
      e.ts_local = n[fTsLocal];
      e.ts_exchange = n[fTsExch];
      e.trade_id = static_cast<uint64_t>(n[fId]);
      e.price = Price::from_raw(n[fPx]);
      e.qty = Qty::from_raw(n[fQty]);
      e.symbol = sym;
      e.aggressor = static_cast<Side>(n[fAggr]);
      e.feed = static_cast<uint8_t>(n[fFeed]);
      out.event = e;
      break;
    }
    default: {
      MarkPrice e;
      e.ts_local = n[fTsLocal];
      e.ts_exchange = n[fTsExch];
      e.next_funding_time = n[fNextFunding];
      e.mark = Price::from_raw(n[fMark]);
      e.index = Price::from_raw(n[fIndex]);
      e.funding_rate_raw = n[fFunding];
      e.symbol = sym;
      e.feed = static_cast<uint8_t>(n[fFeed]);
      out.event = e;
      break;
    }
  }
}

EventDecoder::EventDecoder(SymbolTable* symbols) : impl_(std::make_unique<Impl>()), symbols_(symbols) {
  // Sized for event lines; a bigger line (a long config header) makes the parser grow once.
  if (impl_->parser.allocate(64 * 1024) != simdjson::SUCCESS) { /* grows on first use instead */ }
  impl_->copy.resize(4096 + kJsonPadding);
}

EventDecoder::~EventDecoder() = default;
EventDecoder::EventDecoder(EventDecoder&&) noexcept = default;
EventDecoder& EventDecoder::operator=(EventDecoder&&) noexcept = default;

bool EventDecoder::try_fast_path(std::string_view line, RecordedEvent& out) {
  if (!fast_path_ || !impl_->fast_decode(*symbols_, line, out)) return false;
  err_len_ = 0;
  err_field_ = {};
  ++fast_path_lines_;
  return true;
}

DecodeResult EventDecoder::decode(std::string_view line, RecordedEvent& out) {
  if (try_fast_path(line, out)) return DecodeResult::kOk;
  auto& copy = impl_->copy;
  if (copy.size() < line.size() + kJsonPadding) copy.resize(line.size() + kJsonPadding);
  if (!line.empty()) std::memcpy(copy.data(), line.data(), line.size());
  std::memset(copy.data() + line.size(), ' ', kJsonPadding);
  return decode_generic(std::string_view(copy.data(), line.size()), out);
}

DecodeResult EventDecoder::decode_padded(std::string_view line, RecordedEvent& out) {
  if (try_fast_path(line, out)) return DecodeResult::kOk;
  return decode_generic(line, out);
}

DecodeResult EventDecoder::decode_generic(std::string_view line, RecordedEvent& out) {
  err_len_ = 0;
  err_field_ = {};
  Impl& im = *impl_;

  std::size_t first = 0;
  while (first < line.size() &&
         (line[first] == ' ' || line[first] == '\t' || line[first] == '\r' || line[first] == '\n')) {
    ++first;
  }
  if (first == line.size()) {
    Impl::fail_text(*this, "empty line");
    return DecodeResult::kEmpty;
  }

  namso::document doc;
  if (auto ec = im.parser.iterate(line.data(), line.size(), line.size() + kJsonPadding).get(doc)) {
    return Impl::malformed(*this, ec);
  }
  namso::object obj;
  if (auto ec = doc.get_object().get(obj)) {
    if (ec == simdjson::INCORRECT_TYPE) {
      Impl::fail_text(*this, "malformed JSON: not an object");
      return DecodeResult::kMalformed;
    }
    return Impl::malformed(*this, ec);
  }

  uint64_t seen = 0;
  bool kind_unknown = false;
  char kind_text[32];
  std::size_t kind_len = 0;
  bool config_seen = false;

  FieldOrder order = kOrders[0];  // every event kind starts v, seq, kind
  std::size_t pos = 0;
  for (auto field_r : obj) {
    namso::field field;
    if (auto ec = std::move(field_r).get(field)) return Impl::malformed(*this, ec);
    int fi;
    if (pos < order.size && key_is(field.key().raw(), order.fields[pos])) {
      fi = order.fields[pos];
    } else {
      fi = lookup_field(raw_key(field));
    }
    ++pos;
    if (fi < 0) continue;  // unknown fields are skipped: minor versions may add fields
    const auto f = static_cast<Field>(fi);
    if (kind_unknown && f != fV) continue;
    namso::value v = field.value();
    int64_t& slot = im.num[f];
    simdjson::error_code ec = simdjson::SUCCESS;
    switch (kFields[f].type) {
      case FieldType::kInt:
        ec = v.get_int64().get(slot);
        if (ec) {
          if (ec == simdjson::INCORRECT_TYPE || ec == simdjson::NUMBER_ERROR ||
              ec == simdjson::NUMBER_OUT_OF_RANGE) {
            return Impl::bad_field(*this, f, "expected a signed 64-bit integer");
          }
          return Impl::malformed(*this, ec);
        }
        break;
      case FieldType::kUint:
      case FieldType::kU8: {
        uint64_t u = 0;
        ec = v.get_uint64().get(u);
        if (ec) {
          if (ec == simdjson::INCORRECT_TYPE || ec == simdjson::NUMBER_ERROR ||
              ec == simdjson::NUMBER_OUT_OF_RANGE) {
            return Impl::bad_field(*this, f, "expected an unsigned 64-bit integer");
          }
          return Impl::malformed(*this, ec);
        }
        if (kFields[f].type == FieldType::kU8 && u > 255) return Impl::bad_field(*this, f, "must be 0..255");
        slot = static_cast<int64_t>(u);
        if (f == fV) {
          if (u > static_cast<uint64_t>(kEventSchemaVersion)) {
            char digits[24];
            const auto* end = std::to_chars(digits, digits + sizeof(digits), u).ptr;
            err_field_ = kFields[fV].name;
            Impl::fail_text(*this, "schema version ", std::string_view(digits, static_cast<std::size_t>(end - digits)),
                            " is newer than this reader (supports 1); upgrade dmabot to read this file");
            return DecodeResult::kUnsupportedVersion;
          }
          if (u == 0) return Impl::bad_field(*this, f, "schema version must be >= 1");
        }
        break;
      }
      case FieldType::kDecimal: {
        std::string_view s;
        if (!raw_string(v, s)) return Impl::bad_field(*this, f, "expected a decimal string");
        if (!fast_decimal(s, slot)) {
          const DecimalError de = parse_decimal(s, true, slot);
          if (de != DecimalError::kOk) return Impl::bad_field(*this, f, to_string(de));
        }
        break;
      }
      case FieldType::kString: {
        std::string_view s;
        if (!raw_string(v, s)) return Impl::bad_field(*this, f, "expected a string");
        if (s.find('\\') != std::string_view::npos) {
          ec = v.get_string().get(s);  // rare: unescape into the parser's string buffer
          if (ec) return Impl::malformed(*this, ec);
        }
        if (f == fKind) {
          if (parse_kind(s, im.kind)) {
            order = kOrders[static_cast<int>(im.kind)];
          } else {
            kind_unknown = true;
            kind_len = std::min(s.size(), sizeof(kind_text));
            if (kind_len != 0) std::memcpy(kind_text, s.data(), kind_len);
          }
        } else if (f == fSym) {
          im.sym = s;
        } else {
          im.program = s;
        }
        break;
      }
      case FieldType::kSide:
      case FieldType::kAction:
      case FieldType::kTif:
      case FieldType::kStatus:
      case FieldType::kReason:
      case FieldType::kCmd:
      case FieldType::kCause: {
        std::string_view s;
        if (!raw_string(v, s)) return Impl::bad_field(*this, f, "expected a string");
        bool ok = false;
        switch (kFields[f].type) {
          case FieldType::kSide: ok = parse_enum(s, kSides, side_name, slot); break;
          case FieldType::kAction: ok = parse_enum(s, kActions, action_name, slot); break;
          case FieldType::kTif: ok = parse_enum(s, kTifs, tif_name, slot); break;
          case FieldType::kStatus: ok = parse_enum(s, kStatuses, status_name, slot); break;
          case FieldType::kReason: ok = parse_reason(s, slot); break;
          case FieldType::kCause: ok = parse_enum(s, kCauses, cause_name, slot); break;
          default: ok = parse_enum(s, kCommands, control_command_name, slot); break;
        }
        if (!ok) return Impl::bad_field(*this, f, "unknown value");
        break;
      }
      case FieldType::kBool: {
        bool b = false;
        ec = v.get_bool().get(b);
        if (ec) {
          if (ec == simdjson::INCORRECT_TYPE) return Impl::bad_field(*this, f, "expected true or false");
          return Impl::malformed(*this, ec);
        }
        slot = b ? 1 : 0;
        break;
      }
      case FieldType::kObject: {
        namso::object cfg;
        ec = v.get_object().get(cfg);
        if (ec) {
          if (ec == simdjson::INCORRECT_TYPE) return Impl::bad_field(*this, f, "expected an object");
          return Impl::malformed(*this, ec);
        }
        im.pairs.clear();
        for (auto kv_r : cfg) {
          namso::field kv;
          if (auto e2 = std::move(kv_r).get(kv)) return Impl::malformed(*this, e2);
          std::string_view k;
          if (auto e2 = kv.unescaped_key().get(k)) return Impl::malformed(*this, e2);
          std::string kk(k);
          std::string_view val;
          if (auto e2 = kv.value().get_string().get(val)) {
            if (e2 == simdjson::INCORRECT_TYPE) return Impl::bad_field(*this, f, "values must be strings");
            return Impl::malformed(*this, e2);
          }
          im.pairs.emplace_back(std::move(kk), std::string(val));
        }
        config_seen = true;
        break;
      }
    }
    seen |= bit(f);
  }
  // Anything after the closing brace makes the line suspect (two lines glued by a lost '\n').
  {
    const char* loc = nullptr;
    auto ec = doc.current_location().get(loc);
    if (ec != simdjson::OUT_OF_BOUNDS) {
      if (ec == simdjson::SUCCESS) {
        Impl::fail_text(*this, "malformed JSON: trailing content after the object");
        return DecodeResult::kMalformed;
      }
      return Impl::malformed(*this, ec);
    }
  }

  if ((seen & bit(fV)) == 0) return Impl::bad_field(*this, fV, "missing");
  if (kind_unknown) {
    err_field_ = kFields[fKind].name;
    Impl::fail_text(*this, "unknown kind '", std::string_view(kind_text, kind_len), "'");
    return DecodeResult::kUnknownKind;
  }
  if ((seen & bit(fKind)) == 0) return Impl::bad_field(*this, fKind, "missing");

  const RecordKind kind = im.kind;
  const uint64_t missing = kRequired[static_cast<int>(kind)] & ~seen;
  if (missing != 0) {
    for (int i = 0; i < kFieldCount; ++i) {
      if (missing & (uint64_t{1} << i)) return Impl::bad_field(*this, static_cast<Field>(i), "missing");
    }
  }

  const int64_t* n = im.num;
  SymbolId sym = kNoSymbol;
  if (is_event(kind) && !im.sym.empty()) {
    if (!im.resolve(*symbols_, im.sym, sym)) {
      return Impl::bad_field(*this, fSym, "not a valid symbol name (or symbol table full)");
    }
  }
  auto u64 = [n](Field f) { return static_cast<uint64_t>(n[f]); };
  auto u8 = [n](Field f) { return static_cast<uint8_t>(n[f]); };

  out.kind = kind;
  out.seq = is_event(kind) ? u64(fSeq) : 0;
  switch (kind) {
    case RecordKind::kMd:
    case RecordKind::kTrade:
    case RecordKind::kMark: im.build_market(kind, sym, out); break;
    case RecordKind::kSig: {
      Signal& e = out.event.emplace<Signal>();
      e.ts_tick = n[fTsTick];
      e.ts_local = n[fTsLocal];
      e.price = Price::from_raw(n[fPx]);
      e.qty = Qty::from_raw(n[fQty]);
      e.client_id = u64(fCid);
      e.target_id = u64(fTid);
      e.symbol = sym;
      e.strategy = u8(fStrat);
      e.side = static_cast<Side>(n[fSide]);
      e.action = static_cast<SignalAction>(n[fAction]);
      e.tif = static_cast<TimeInForce>(n[fTif]);
      break;
    }
    case RecordKind::kOrd: {
      Order& e = out.event.emplace<Order>();
      e.ts_tick = n[fTsTick];
      e.ts_local = n[fTsLocal];
      e.price = Price::from_raw(n[fPx]);
      e.qty = Qty::from_raw(n[fQty]);
      e.client_id = u64(fCid);
      e.target_id = u64(fTid);
      e.symbol = sym;
      e.strategy = u8(fStrat);
      e.side = static_cast<Side>(n[fSide]);
      e.action = static_cast<OrderAction>(n[fAction]);
      e.tif = static_cast<TimeInForce>(n[fTif]);
      e.venue = u8(fVenue);
      break;
    }
    case RecordKind::kExec: {
      ExecReport& e = out.event.emplace<ExecReport>();
      e.ts_exchange = n[fTsExch];
      e.ts_local = n[fTsLocal];
      e.last_px = Price::from_raw(n[fPx]);
      e.last_qty = Qty::from_raw(n[fLq]);
      e.cum_qty = Qty::from_raw(n[fCq]);
      e.client_id = u64(fCid);
      e.fee_raw = n[fFee];
      e.symbol = sym;
      e.strategy = u8(fStrat);
      e.venue = u8(fVenue);
      e.side = static_cast<Side>(n[fSide]);
      e.status = static_cast<ExecStatus>(n[fStatus]);
      e.reject_reason = static_cast<RejectReason>(n[fReason]);
      e.maker = n[fMaker] != 0;
      break;
    }
    case RecordKind::kCtl: {
      Control& e = out.event.emplace<Control>();
      e.ts_local = n[fTsLocal];
      e.command = static_cast<ControlCommand>(n[fCmd]);
      auto opt = [n, seen](Field f) { return (seen & bit(f)) != 0 ? n[f] : 0; };
      e.cause = static_cast<KillCause>(opt(fCause));
      e.measured_raw = opt(fMeasured);
      e.limit_raw = opt(fLimit);
      e.equity_raw = opt(fEquity);
      e.venue = static_cast<uint8_t>(opt(fVenue));
      e.symbol = sym;
      break;
    }
    case RecordKind::kConfig: {
      out.event.emplace<std::monostate>();
      config_.version = static_cast<int>(n[fV]);
      config_.program.assign(im.program.data(), im.program.size());
      if (config_seen) config_.pairs.swap(im.pairs);
      break;
    }
    case RecordKind::kEnd: {
      RecordFooter& e = out.event.emplace<RecordFooter>();
      e.events = u64(fEvents);
      for (std::size_t k = 0; k < kEventKindCount; ++k) e.counts[k] = u64(static_cast<Field>(fNMd + k));
      break;
    }
  }
  return DecodeResult::kOk;
}

}  // namespace dmabot::core
