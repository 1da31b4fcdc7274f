// core/event_codec.h — the recorded-event JSONL schema (version 1): encoders and a decoder.
//
// One JSON object per line. Event lines carry "v" (schema version), "seq" (1, 2, 3, ... in file
// order) and "kind" first, then the event's fields; a "config" header opens a file and an "end"
// footer closes it cleanly. Prices and quantities are exact decimal strings ("61837.63"), ids are
// unsigned integers, timestamps signed integer ns, enums short strings. docs/EVENT_SCHEMA.md lists
// every field and the compatibility rules (a reader rejects a newer major version; unknown fields are
// ignored; a file may end in one partial line after a crash).
//
// Encoding: encode(event, seq, symbols, buf, cap) writes one whole line, '\n' included, into the
// caller's buffer and returns its length, or 0 (nothing usable written) when cap is below
// max_event_line_bytes(length of the symbol's name) — checked once up front, not per field. No
// allocation, no locale, no floating point: integers via std::to_chars, decimals via
// format_decimal_trimmed. Real lines are 150-400 bytes. The config header is cold and returns a
// std::string.
//
// Decoding: md, trade and mark lines in exactly the shape encode() writes (keys in its order, no
// whitespace, no escapes, integers and decimals in its forms) go through a hand-written fast path
// that walks the line left to right (core/internal/json_scan.h): most of a recording, at about half
// the cost of a JSON parse. Anything else (other kinds, key orders or spacing, hand-edited or foreign
// files, and every invalid line) goes through simdjson, which alone reports errors. A line the fast
// path takes decodes to exactly what simdjson would give, symbol interning included, so results and
// errors do not depend on the path (tests compare the two); set_fast_path(false) sends every line
// through simdjson and fast_path_lines() counts the lines the fast path took.
//
// EventDecoder owns one simdjson On-Demand parser and a padded copy buffer, both reused, so a steady
// stream of event lines allocates nothing (a config line allocates its key/value pairs; a line
// longer than any seen before grows the buffer). Symbols are interned into the SymbolTable the
// decoder was given (SymbolTable::add allocates once per new name), so the decoder must own that
// table's writes: use it before the table is shared with other threads, or on the only thread that
// reads it (replay). Errors come back as a DecodeResult; error() then names the field and the problem
// in one line, e.g. "field 'bid': not a decimal number".
//
// Threads: encoders are pure (any thread). One EventDecoder per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/events.h"
#include "core/symbol_table.h"

namespace dmabot::core {

inline constexpr int kEventSchemaVersion = 1;

// Kinds of recorded lines. The first seven mirror EventKind value for value.
enum class RecordKind : uint8_t { kMd, kTrade, kMark, kSig, kOrd, kExec, kCtl, kConfig, kEnd };
inline constexpr std::size_t kEventKindCount = 7;  // EventKind values (md .. ctl)
// "md", "trade", "mark", "sig", "ord", "exec", "ctl", "config", "end".
[[nodiscard]] std::string_view to_string(RecordKind k);
[[nodiscard]] constexpr RecordKind record_kind(EventKind k) { return static_cast<RecordKind>(k); }
// Precondition: k is one of the seven event kinds.
[[nodiscard]] constexpr EventKind event_kind(RecordKind k) { return static_cast<EventKind>(k); }
[[nodiscard]] constexpr bool is_event(RecordKind k) { return static_cast<uint8_t>(k) < kEventKindCount; }
// ControlCommand names used in "ctl" lines: "none", "cancel_all", "kill_on", "kill_off", "shutdown",
// "symbol_halt", "symbol_resume", "position_adjust".
[[nodiscard]] std::string_view control_command_name(ControlCommand c);

// The bus events a recording holds, and their EventKind.
template <class T>
inline constexpr bool kRecordable =
    std::is_same_v<T, MdTick> || std::is_same_v<T, Trade> || std::is_same_v<T, MarkPrice> ||
    std::is_same_v<T, Signal> || std::is_same_v<T, Order> || std::is_same_v<T, ExecReport> ||
    std::is_same_v<T, Control>;

template <class T>
constexpr EventKind event_kind_of() {
  if constexpr (std::is_same_v<T, MdTick>) return EventKind::kMdTick;
  if constexpr (std::is_same_v<T, Trade>) return EventKind::kTrade;
  if constexpr (std::is_same_v<T, MarkPrice>) return EventKind::kMarkPrice;
  if constexpr (std::is_same_v<T, Signal>) return EventKind::kSignal;
  if constexpr (std::is_same_v<T, Order>) return EventKind::kOrder;
  if constexpr (std::is_same_v<T, ExecReport>) return EventKind::kExecReport;
  return EventKind::kControl;
}

// The "end" footer: lines written per event kind (indexed by EventKind) and their sum.
struct RecordFooter {
  uint64_t events = 0;
  std::array<uint64_t, kEventKindCount> counts{};
  friend bool operator==(const RecordFooter&, const RecordFooter&) = default;
};

// The "config" header as decoded (allocates; read once per file).
struct ConfigHeader {
  int version = 0;
  std::string program;
  std::vector<std::pair<std::string, std::string>> pairs;  // in file order
};

// One decoded line. seq is 0 for config/end lines (they carry none).
struct RecordedEvent {
  RecordKind kind = RecordKind::kMd;
  uint64_t seq = 0;
  std::variant<std::monostate, MdTick, Trade, MarkPrice, Signal, Order, ExecReport, Control, RecordFooter> event;
};

// Bytes an event line can take at most, given the length of its symbol's name (which is JSON-escaped,
// so up to 6 bytes per character in the pathological case).
[[nodiscard]] constexpr std::size_t max_event_line_bytes(std::size_t symbol_name_len) {
  return 400 + 6 * symbol_name_len;
}

// Event encoders: one whole line including the trailing '\n'; 0 when cap < max_event_line_bytes(name
// length). A symbol id
// of kNoSymbol (or one the table does not know) is written as "sym":"".
std::size_t encode(const MdTick& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const Trade& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const MarkPrice& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const Signal& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const Order& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const ExecReport& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
std::size_t encode(const Control& e, uint64_t seq, const SymbolTable& symbols, char* buf, std::size_t cap);
// The "end" footer line ('\n' included); 0 when cap is too small (it needs at most 400 bytes).
std::size_t encode_footer(const RecordFooter& f, char* buf, std::size_t cap);
// The "config" header line ('\n' included). Pairs whose key is_secret_key() are left out entirely.
// Cold path: allocates.
[[nodiscard]] std::string encode_config_header(std::string_view program,
                                               const std::vector<std::pair<std::string, std::string>>& pairs);

enum class DecodeResult : uint8_t {
  kOk = 0,
  kEmpty,               // blank line (only whitespace)
  kMalformed,           // not one complete JSON object (truncated line, trailing garbage, bad syntax)
  kUnknownKind,         // "kind" names no kind this reader knows
  kBadField,            // a field is missing, has the wrong type or an out-of-range value
  kUnsupportedVersion,  // "v" is newer than kEventSchemaVersion
};
[[nodiscard]] std::string_view to_string(DecodeResult r);

// Extra readable bytes decode_padded() needs after the line (>= SIMDJSON_PADDING).
inline constexpr std::size_t kJsonPadding = 64;

class EventDecoder {
 public:
  // symbols: names met in "sym" are interned here (see the overview). Must outlive the decoder.
  explicit EventDecoder(SymbolTable* symbols);
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;
  EventDecoder(EventDecoder&&) noexcept;
  EventDecoder& operator=(EventDecoder&&) noexcept;

  // Decodes one line (a trailing '\n' or "\r\n" is allowed). The line is copied into an internal
  // padded buffer first. On anything but kOk, `out` is unspecified and error() explains.
  [[nodiscard]] DecodeResult decode(std::string_view line, RecordedEvent& out);
  // Same without the copy: the kJsonPadding bytes after line.end() must be readable (their content
  // does not matter). JsonlReader's lines satisfy this.
  [[nodiscard]] DecodeResult decode_padded(std::string_view line, RecordedEvent& out);

  // After a failed decode: one line such as "field 'bid': not a decimal number". Valid until the next
  // decode call.
  [[nodiscard]] std::string_view error() const { return std::string_view(err_, err_len_); }
  // The field the last error is about ("" when it concerns the whole line).
  [[nodiscard]] std::string_view error_field() const { return err_field_; }
  // The last decoded "config" line.
  [[nodiscard]] const ConfigHeader& config_header() const { return config_; }

  // The md/trade/mark fast path is on by default; off sends every line through simdjson (same
  // results, slower). For tests (fast vs generic must agree) and benchmarks (both in one run).
  void set_fast_path(bool on) { fast_path_ = on; }
  [[nodiscard]] bool fast_path() const { return fast_path_; }
  // Lines the fast path decoded since construction (each also returned kOk); the rest of the kOk
  // lines went through simdjson.
  [[nodiscard]] uint64_t fast_path_lines() const { return fast_path_lines_; }

  struct Impl;  // simdjson state; defined in event_codec.cpp (keeps simdjson.h out of this header)

 private:
  friend struct Impl;
  // True when the fast path is on and took the line (then counted, error cleared, `out` filled).
  bool try_fast_path(std::string_view line, RecordedEvent& out);
  // simdjson over a line with kJsonPadding readable bytes after it.
  DecodeResult decode_generic(std::string_view line, RecordedEvent& out);

  std::unique_ptr<Impl> impl_;
  SymbolTable* symbols_;
  bool fast_path_ = true;
  uint64_t fast_path_lines_ = 0;
  ConfigHeader config_;
  std::string_view err_field_;
  char err_[192];
  std::size_t err_len_ = 0;
};

}  // namespace dmabot::core
