// feed/internal/book_ticker_scan.h — recognises the exact byte shapes Binance sends bookTicker
// messages in, without a JSON parser.
//
// BinanceParser tries this before simdjson: a market-data capture is mostly bookTicker lines, and
// for those a left-to-right walk over fixed keys is ~3x cheaper than a generic parse. Accepted (no
// whitespace anywhere, keys in exactly this order, the combined-stream wrapper optional):
//   spot:     {"stream":"<name>","data":{"u":N,"s":"S","b":"D","B":"D","a":"D","A":"D"}}
//   futures:  {"stream":"<name>","data":{"e":"bookTicker","u":N,"s":"S","b":"D","B":"D","a":"D","A":"D","T":N,"E":N}}
//   futures as documented: ... "u":N,"E":N,"T":N,"s":"S",...  (E and T before s)
// N is a JSON unsigned integer of 1..19 digits (no sign, no leading zero, no fraction: it always
// fits a uint64 and simdjson reads the same value); string contents are printable ASCII without a
// backslash (so no escapes and nothing for UTF-8 validation to object to); the symbol only needs to
// be backslash-free, because the caller accepts nothing but a valid symbol name; D is a decimal in
// parse_unsigned_decimal's fast shape, converted while scanning. Anything else — other key orders,
// whitespace, escapes, a 20-digit id, 9 decimals, trailing bytes — returns false and the caller uses
// the generic parser, which stays the only authority on errors and their reasons. What this accepts
// is therefore valid JSON that the generic path reads to the same values. The scanning steps are
// core/internal/json_scan.h's ExactScanner, shared with the recorded-event decoder's fast path.
//
// Reads only [msg.data(), msg.data() + msg.size()): no padding needed. Threads: one
// BookTickerScanner per thread (it remembers the last stream name); scan_book_ticker() is pure.
// Allocation: none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/internal/json_scan.h"

namespace dmabot::feed::internal {

// What scan() read. Only the flags are always set; the other fields are meaningful when scan()
// returned true, stream only when wrapped, ev_time/tx_time only when has_times. (No default member
// values: zeroing the struct on every call cost more than some of the fields' parsing.)
struct BookTickerText {
  bool wrapped;             // combined-stream wrapper present, stream name "<symbol>@bookTicker"
  bool has_e;               // "e":"bookTicker" present
  bool has_times;           // "E" and "T" present (futures)
  std::string_view stream;  // the wrapper's stream name (when wrapped)
  std::string_view s;       // the symbol, unvalidated (no backslash)
  uint64_t u, ev_time, tx_time;
  int64_t b, bq, a, aq;  // the four decimals, scaled by 1e8
};

// "<symbol>@bookTicker" with no other '@': the only stream name the generic path maps to a
// bookTicker (its symbol part is not used: "s" names the symbol).
[[nodiscard]] inline bool is_book_ticker_stream(std::string_view stream) {
  constexpr std::string_view kSuffix = "@bookTicker";
  if (stream.size() <= kSuffix.size()) return false;
  const std::size_t at = stream.size() - kSuffix.size();
  for (std::size_t i = 0; i < at; ++i) {
    if (stream[i] == '@') return false;
  }
  for (std::size_t i = 0; i < kSuffix.size(); ++i) {
    if (stream[at + i] != kSuffix[i]) return false;
  }
  return true;
}

// Scans bookTickers; remembers the last stream name it accepted, so that a capture of one stream
// compares the name as a few words instead of validating it byte by byte on every line.
class BookTickerScanner {
 public:
  [[nodiscard]] bool scan(std::string_view msg, BookTickerText& t) {
    core::internal::ExactScanner sc(msg);
    t.wrapped = false;
    t.has_times = false;
    if (sc.lit("{\"stream\":\"")) {
      const char* name = sc.pos();
      if (stream_len_ != 0 && sc.same_as(stream_.data(), stream_len_) && sc.lit("\",\"data\":{")) {
        t.stream = std::string_view(name, stream_len_);
      } else {
        sc.seek(name);
        if (!sc.str(t.stream) || !sc.lit(",\"data\":{") || !is_book_ticker_stream(t.stream)) return false;
        if (t.stream.size() <= kMaxCachedStream) {
          std::memcpy(stream_.data(), t.stream.data(), t.stream.size());
          stream_len_ = t.stream.size();
        }
      }
      t.wrapped = true;
    } else if (!sc.lit("{")) {
      return false;
    }
    t.has_e = sc.lit("\"e\":\"bookTicker\",");
    if (!sc.lit("\"u\":") || !sc.u64(t.u)) return false;
    if (sc.lit(",\"E\":")) {
      if (!sc.u64(t.ev_time) || !sc.lit(",\"T\":") || !sc.u64(t.tx_time)) return false;
      t.has_times = true;
    }
    if (!sc.lit(",\"s\":\"") || !sc.name(t.s) || !sc.lit(",\"b\":\"") || !sc.unsigned_decimal(t.b) ||
        !sc.lit(",\"B\":\"") || !sc.unsigned_decimal(t.bq) || !sc.lit(",\"a\":\"") || !sc.unsigned_decimal(t.a) ||
        !sc.lit(",\"A\":\"") || !sc.unsigned_decimal(t.aq)) {
      return false;
    }
    if (!t.has_times && sc.lit(",\"T\":")) {
      if (!sc.u64(t.tx_time) || !sc.lit(",\"E\":") || !sc.u64(t.ev_time)) return false;
      t.has_times = true;
    }
    if (!sc.lit("}")) return false;
    if (t.wrapped && !sc.lit("}")) return false;
    return sc.at_end();
  }

 private:
  static constexpr std::size_t kMaxCachedStream = 32;
  std::array<char, kMaxCachedStream + 8> stream_{};  // + 8: same_as reads whole words
  std::size_t stream_len_ = 0;
};

// One-off scan without the stream-name memory (tests, tools).
[[nodiscard]] inline bool scan_book_ticker(std::string_view msg, BookTickerText& t) {
  BookTickerScanner scanner;
  return scanner.scan(msg, t);
}

}  // namespace dmabot::feed::internal
