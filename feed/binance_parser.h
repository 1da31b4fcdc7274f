// feed/binance_parser.h — turns one Binance market-data message (JSON text) into an engine event.
//
// BinanceParser understands the combined-stream wrapper {"stream":"btcusdt@bookTicker","data":{...}}
// and bare events, for spot and USD-M futures:
//   bookTicker                         -> core::MdTick    (spot has no event time: ts_exchange = 0)
//   trade, aggTrade                    -> core::Trade     (aggTrade: trade_id is the aggregate id "a")
//   markPriceUpdate (markPrice@1s)     -> core::MarkPrice (funding rate exact, signed, scaled 1e8)
//   depthUpdate (depth, depth@100ms/0ms)-> DepthUpdate    (all levels, in the order Binance sent them)
//   REST depth snapshot / partial book -> DepthSnapshot   ({"lastUpdateId","bids","asks"}, no "e")
// Anything else that is well-formed JSON (other streams, subscription replies, unknown symbols) is
// kUnknown; anything unusable is kError. Both name a reason and, where one is to blame, the field.
//
// How: bookTicker messages in the exact byte shapes Binance sends (feed/internal/book_ticker_scan.h)
// take a fast path that walks the fixed keys left to right without a JSON parser, converting digits
// 8 at a time; anything else, or anything unexpected in such a message, goes to the generic path, so
// results, errors, counters and interned symbols are the same either way (tests compare the two on
// every line of the real captures and on mutated lines). The generic path is
// one simdjson on-demand parser, allocated at construction and reused (kept behind a pimpl:
// simdjson's on-demand types change layout with the optimisation level, and its 30k-line header
// has no business in every file that includes this one). parse() copies the input into a padded
// scratch buffer; parse_padded() reads the caller's buffer in place. Fields are read in whatever
// order they arrive. Prices and quantities go from the decimal text straight to fixed point
// (core::parse_decimal semantics: exact, a 9th decimal or a sign is an error); ids and times are
// read as uint64 (never through double: ids exceed 2^53); Binance millisecond times become ns.
// Timestamps: ts_exchange is the event time "E" wherever the message has one (the moment Binance
// published it); DepthUpdate/DepthSnapshot also keep the transaction time "T"; ts_local is what the
// caller passes in. Cost (Release, this 2-core VM, bench/market_data_bench): a bookTicker ~42 ns
// (spot) / ~62 ns (futures) on the fast path, ~150 / ~190 ns through simdjson.
//
// Threads: one parser per thread; a parser is not thread-safe. With allow_new_symbols the parser
// calls SymbolTable::add(), which is only safe while no other thread reads the table (offline
// replay, start-up); live feeds construct it with allow_new_symbols=false.
// Allocation: at construction (simdjson buffers, 64 KiB scratch, level storage). A message larger
// than anything seen before grows the scratch/parser buffers once (warm-up); no allocation otherwise.
// Errors: returned as values (ParseResult), never thrown; simdjson is used only through its
// error-code API. The events returned by tick()/trade()/... stay valid until the next parse().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/symbol_table.h"
#include "core/types.h"

namespace dmabot::feed {
namespace internal {
class BookTickerScanner;  // feed/internal/book_ticker_scan.h
}

// One price level of a depth message. qty == 0 means "remove this level" in a DepthUpdate.
struct Level {
  core::Price price;
  core::Qty qty;
};

// Incremental order-book update (Binance depthUpdate). The spans point into storage owned by the
// parser: valid until its next parse(); copy what you need.
struct DepthUpdate {
  core::UnixNanos ts_exchange = 0;     // "E"
  core::UnixNanos ts_transaction = 0;  // "T" (futures); 0 when absent (spot)
  core::UnixNanos ts_local = 0;
  uint64_t first_update_id = 0;        // "U"
  uint64_t last_update_id = 0;         // "u"
  uint64_t prev_update_id = 0;         // "pu" (futures: the previous message's "u"); 0 on spot
  core::SymbolId symbol = core::kNoSymbol;
  uint8_t feed = 0;
  std::span<const Level> bids;         // in message order (not necessarily best first)
  std::span<const Level> asks;
};

// Full (REST /depth) or partial-book (spot depth5/10/20) snapshot: best first, as Binance sends.
struct DepthSnapshot {
  core::UnixNanos ts_exchange = 0;     // "E" (futures REST); 0 when absent
  core::UnixNanos ts_transaction = 0;  // "T" (futures REST); 0 when absent
  core::UnixNanos ts_local = 0;
  uint64_t last_update_id = 0;         // "lastUpdateId"
  // From "s" or the combined-stream name; a bare REST snapshot names no symbol: kNoSymbol.
  core::SymbolId symbol = core::kNoSymbol;
  uint8_t feed = 0;
  std::span<const Level> bids;
  std::span<const Level> asks;
};

enum class MsgKind : uint8_t { kMdTick, kTrade, kMarkPrice, kDepth, kSnapshot, kUnknown, kError, kCount };
std::string_view to_string(MsgKind k);

enum class ParseError : uint8_t {
  kNone = 0,
  // kError reasons
  kEmpty,            // empty or whitespace-only input
  kBadJson,          // not valid JSON (truncated, unbalanced, bad literal, bad UTF-8, ...)
  kNotObject,        // valid JSON but not an object
  kTrailingContent,  // something after the closing brace
  kMissingField,     // a field this message kind needs is absent
  kWrongType,        // a field has the wrong JSON type (number where a string belongs, ...)
  kBadLevel,         // a depth level is not ["price","qty"]
  kBadDecimal,       // a price/qty string is empty or not a decimal number
  kNegative,         // a negative price/qty
  kTooManyDecimals,  // more than 8 decimals
  kOutOfRange,       // integer/decimal too large, negative id, time beyond int64 ns
  kTooLarge,         // message larger than max_message_bytes
  // kUnknown reasons: well-formed, just not something this parser turns into an event
  kUnknownStream,    // combined-stream name of a stream we do not handle ("btcusdt@kline_1m")
  kUnknownEvent,     // "e" names an event we do not handle ("kline", "executionReport")
  kUnknownSymbol,    // symbol not in the table and allow_new_symbols is false (or table full)
  kNoEventType,      // an object that is no market-data message ({"result":null,"id":1})
  kCount
};
std::string_view to_string(ParseError e);
// simdjson's text for ParseResult::json_error ("TAPE_ERROR: ...").
std::string_view json_error_message(int json_error);
[[nodiscard]] constexpr bool is_unknown_reason(ParseError e) {
  return e >= ParseError::kUnknownStream && e < ParseError::kCount;
}

struct [[nodiscard]] ParseResult {
  MsgKind kind = MsgKind::kError;
  ParseError error = ParseError::kNone;
  // The field to blame ("b", "data", "lastUpdateId"); empty when none. Always a string literal, so
  // it may be kept after the next parse().
  std::string_view field;
  // The simdjson::error_code behind kBadJson/kWrongType/kOutOfRange (0 = none), for diagnostics;
  // json_error_message() spells it out.
  int json_error = 0;

  [[nodiscard]] bool ok() const { return kind < MsgKind::kUnknown; }
};

struct ParseCounters {
  std::array<uint64_t, static_cast<std::size_t>(MsgKind::kCount)> by_kind{};
  std::array<uint64_t, static_cast<std::size_t>(ParseError::kCount)> by_error{};  // kError and kUnknown
  uint64_t fast_path = 0;  // bookTickers the fast path read (also counted in by_kind)
  [[nodiscard]] uint64_t kind(MsgKind k) const { return by_kind[static_cast<std::size_t>(k)]; }
  [[nodiscard]] uint64_t error(ParseError e) const { return by_error[static_cast<std::size_t>(e)]; }
};

class BinanceParser {
 public:
  static constexpr std::size_t kDefaultScratchBytes = 64 * 1024;
  static constexpr std::size_t kDefaultLevelCapacity = 16 * 1024;  // REST snapshots: 5000 a side max
  static constexpr std::size_t kDefaultMaxMessageBytes = 64 * 1024 * 1024;

  // feed_id is stamped into every event's `feed` field.
  explicit BinanceParser(core::SymbolTable& symbols, bool allow_new_symbols = false, uint8_t feed_id = 0,
                         std::size_t max_message_bytes = kDefaultMaxMessageBytes);
  ~BinanceParser();
  BinanceParser(const BinanceParser&) = delete;
  BinanceParser& operator=(const BinanceParser&) = delete;

  // Parses one message; ts_local is stamped into the resulting event. Copies the input into the
  // padded scratch buffer first.
  ParseResult parse(std::string_view message, core::UnixNanos ts_local);
  // Same without the copy when the caller's buffer has at least kPadding readable bytes after the
  // text (capacity >= size + kPadding); otherwise falls back to parse(). The padding bytes' values
  // do not change the answer (a message that fails in place is decided again on a blank-padded
  // copy, the cold path) but must be readable.
  static constexpr std::size_t kPadding = 64;  // == simdjson::SIMDJSON_PADDING (checked in the .cpp)
  ParseResult parse_padded(const char* data, std::size_t size, std::size_t capacity, core::UnixNanos ts_local);

  // The event of the last successful parse, selected by ParseResult::kind.
  [[nodiscard]] const core::MdTick& tick() const { return tick_; }
  [[nodiscard]] const core::Trade& trade() const { return trade_; }
  [[nodiscard]] const core::MarkPrice& mark_price() const { return mark_; }
  [[nodiscard]] const DepthUpdate& depth() const { return depth_; }
  [[nodiscard]] const DepthSnapshot& snapshot() const { return snapshot_; }

  [[nodiscard]] const ParseCounters& counters() const { return counters_; }
  [[nodiscard]] uint8_t feed_id() const { return feed_id_; }

  // The bookTicker fast path is on by default; off sends every message through simdjson. For tests
  // (fast vs generic must agree) and benchmarks (old vs new in the same run).
  void set_fast_path(bool on) { fast_path_ = on; }
  [[nodiscard]] bool fast_path() const { return fast_path_; }

 private:
  struct Impl;  // the simdjson parser and the code that walks documents: binance_parser.cpp
  ParseResult finish(ParseResult r);
  // The generic path on a copy of `message` in scratch_, with blank padding (counts the result).
  ParseResult parse_copy(std::string_view message, core::UnixNanos ts_local);
  // True (tick_ set) when `message` is a bookTicker in one of the exact shapes and every value in it
  // is valid; false means "ask the generic parser", never "error".
  bool fast_book_ticker(std::string_view message, core::UnixNanos ts_local);
  // kNoSymbol when the symbol is unknown and may not (or cannot) be added.
  core::SymbolId resolve_symbol(std::string_view name);

  core::SymbolTable& symbols_;
  bool allow_new_symbols_;
  uint8_t feed_id_;
  std::size_t max_message_bytes_;
  bool fast_path_ = true;

  std::unique_ptr<Impl> impl_;
  std::unique_ptr<internal::BookTickerScanner> scanner_;  // the fast path (remembers a stream name)
  std::vector<char> scratch_;  // message + SIMDJSON_PADDING zero bytes
  std::vector<Level> levels_;  // bids and asks of the current depth message, back to back

  // One-entry cache: a feed almost always sees the same few symbols in a row.
  std::array<char, 24> cached_name_{};
  std::size_t cached_len_ = 0;
  core::SymbolId cached_id_ = core::kNoSymbol;

  core::MdTick tick_;
  core::Trade trade_;
  core::MarkPrice mark_;
  DepthUpdate depth_;
  DepthSnapshot snapshot_;
  ParseCounters counters_;
};

}  // namespace dmabot::feed
