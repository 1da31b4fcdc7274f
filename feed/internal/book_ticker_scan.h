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
// is therefore valid JSON that the generic path reads to the same values.
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

#include "feed/internal/swar_digits.h"

namespace dmabot::feed::internal {

// Left-to-right cursor over a message; every step checks the remaining length. Always inlined: the
// calls are the whole loop body.
class ExactScanner {
 public:
  explicit ExactScanner(std::string_view s) : p_(s.data()), e_(s.data() + s.size()) {}

  // Consumes `s` when the input continues with it; otherwise consumes nothing. Compares in 8-byte
  // words (the last one overlapping), which a memcmp of these odd lengths did not.
  template <std::size_t N>
  [[nodiscard, gnu::always_inline]] bool lit(const char (&s)[N]) {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(e_ - p_) < n) return false;
    if constexpr (n < 8) {
      // One masked 8-byte load where the message has the bytes (not a narrow memcpy into a
      // zeroed word: that stalls store forwarding); byte compares in the last 7 bytes.
      if (e_ - p_ >= 8) {
        uint64_t want = 0;
        for (std::size_t i = 0; i < n; ++i) want |= uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
        if ((load8(p_) & ((uint64_t{1} << (8 * n)) - 1)) != want) return false;
      } else {
        for (std::size_t i = 0; i < n; ++i) {
          if (p_[i] != s[i]) return false;
        }
      }
    } else {
      uint64_t diff = 0;
      for (std::size_t i = 0; i + 8 < n; i += 8) diff |= load8(p_ + i) ^ load8(s + i);
      diff |= load8(p_ + n - 8) ^ load8(s + n - 8);
      if (diff != 0) return false;
    }
    p_ += n;
    return true;
  }
  // A JSON unsigned integer of 1..19 digits without a leading zero.
  [[nodiscard, gnu::always_inline]] bool u64(uint64_t& v) {
    const char* s = p_;
    const std::size_t n = digits();
    if (n == 0 || n > 19 || (n > 1 && *s == '0')) return false;
    v = value(s, n);
    return true;
  }
  // The rest of a string whose opening quote was consumed: its contents (printable ASCII, no
  // backslash) up to the closing quote, which is consumed too.
  [[nodiscard, gnu::always_inline]] bool str(std::string_view& out) {
    const char* s = p_;
    while (e_ - p_ >= 8) {
      const uint64_t x = load8(p_);
      const uint64_t quote = bytes_equal(x, '"');
      const uint64_t bad =
          bytes_equal(x, '\\') | bytes_below(x, 0x20) | bytes_equal(x, 0x7F) | (x & 0x8080808080808080ULL);
      if ((quote | bad) == 0) {
        p_ += 8;
        continue;
      }
      if (bad != 0 && (quote == 0 || first_byte(bad) < first_byte(quote))) return false;
      p_ += first_byte(quote);
      out = std::string_view(s, static_cast<std::size_t>(p_ - s));
      ++p_;
      return true;
    }
    while (p_ < e_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(s, static_cast<std::size_t>(p_ - s));
        ++p_;
        return true;
      }
      if (static_cast<unsigned char>(c - 0x20) > 0x5E || c == '\\') return false;
      ++p_;
    }
    return false;
  }
  // The rest of a string (opening quote consumed) up to the closing quote, unvalidated except that
  // it holds no backslash: for a name the caller validates anyway (an escaped quote could otherwise
  // end the string early).
  [[nodiscard, gnu::always_inline]] bool name(std::string_view& out) {
    const char* s = p_;
    while (e_ - p_ >= 8) {
      const uint64_t x = load8(p_);
      const uint64_t quote = bytes_equal(x, '"');
      const uint64_t bad = bytes_equal(x, '\\');
      if ((quote | bad) == 0) {
        p_ += 8;
        continue;
      }
      if (bad != 0 && (quote == 0 || first_byte(bad) < first_byte(quote))) return false;
      p_ += first_byte(quote);
      out = std::string_view(s, static_cast<std::size_t>(p_ - s));
      ++p_;
      return true;
    }
    while (p_ < e_ && *p_ != '"') {
      if (*p_ == '\\') return false;
      ++p_;
    }
    if (p_ == e_) return false;
    out = std::string_view(s, static_cast<std::size_t>(p_ - s));
    ++p_;
    return true;
  }
  // The rest of a decimal string (opening quote consumed) and its closing quote, scaled by 1e8, in
  // the shapes internal::parse_unsigned_decimal takes its fast branch for: digits, at most one '.',
  // at least one digit, at most 10 integer digits and 8 decimals — the value cannot overflow and
  // equals what parse_unsigned_decimal returns. Anything else returns false: the generic path
  // then reports the error or handles the rare valid outlier ("00000000001.5": 11 integer digits).
  [[nodiscard, gnu::always_inline]] bool decimal(int64_t& raw) {
    // Common case in one or two words: at most 7 integer digits, with 16 bytes to load from.
    if (e_ - p_ >= 16) {
      const char* s = p_;
      const unsigned int_digits = digit_run8(s);
      if (int_digits < 8) {
        if (s[int_digits] != '.') {  // an integer
          if (int_digits == 0 || s[int_digits] != '"') return false;
          raw = static_cast<int64_t>(value_front(s, int_digits) * 100000000);
          p_ = s + int_digits + 1;
          return true;
        }
        const char* f = s + int_digits + 1;
        const unsigned frac_digits = digit_run8(f);  // a 9th decimal fails the quote check
        const char* end = f + frac_digits;           // <= s + 16
        if (end == e_ || *end != '"' || int_digits + frac_digits == 0) return false;
        static constexpr uint64_t kScale[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
        const unsigned n = int_digits + frac_digits;
        if (n <= 7) {
          // Both parts sit in one word: drop the '.' byte and convert all digits at once. (& 0x0F,
          // not - '0': the '.' is below '0' and a subtraction would borrow from the next digit.)
          const uint64_t x = load8(s) & 0x0F0F0F0F0F0F0F0FULL;
          const uint64_t below_dot = (uint64_t{1} << (8 * int_digits)) - 1;
          const uint64_t digits = (x & below_dot) | ((x >> 8) & ~below_dot);
          raw = static_cast<int64_t>(value8(digits << (8 * (8 - n))) * kScale[frac_digits]);
        } else {
          raw = static_cast<int64_t>((int_digits == 0 ? 0 : value_front(s, int_digits)) * 100000000 +
                                     value_padded(f, frac_digits));
        }
        p_ = end + 1;
        return true;
      }
    }
    const char* s = p_;
    const std::size_t int_digits = digits();
    if (int_digits > 10) return false;
    uint64_t int_part = int_digits == 0 ? 0 : value(s, int_digits);
    uint64_t frac = 0;  // scaled to 8 decimals
    std::size_t frac_digits = 0;
    if (p_ < e_ && *p_ == '.') {
      const char* f = ++p_;
      if (e_ - f >= 8) {
        // At most 8 decimals: one word. A 9th digit is left at p_, where the closing quote must be.
        frac_digits = digit_run8(f);
        p_ += frac_digits;
        frac = value_padded(f, static_cast<unsigned>(frac_digits));
      } else {
        frac_digits = digits();
        if (frac_digits > 8) return false;
        static constexpr uint64_t kPow10[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
        for (std::size_t i = 0; i < frac_digits; ++i) frac = frac * 10 + static_cast<unsigned>(f[i] - '0');
        frac *= kPow10[frac_digits];
      }
    }
    if (p_ == e_ || *p_ != '"' || int_digits + frac_digits == 0) return false;
    ++p_;
    raw = static_cast<int64_t>(int_part * 100000000 + frac);
    return true;
  }
  // Consumes n bytes equal to text[0, n); text must be readable up to n rounded up to 8. Wants
  // n + 8 bytes left, so the last word load stays inside the message.
  [[nodiscard, gnu::always_inline]] bool same_as(const char* text, std::size_t n) {
    if (static_cast<std::size_t>(e_ - p_) < n + 8) return false;
    uint64_t diff = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) diff |= load8(p_ + i) ^ load8(text + i);
    if (i < n) diff |= (load8(p_ + i) ^ load8(text + i)) & ((uint64_t{1} << (8 * (n - i))) - 1);
    if (diff != 0) return false;
    p_ += n;
    return true;
  }
  [[nodiscard]] const char* pos() const { return p_; }
  void seek(const char* p) { p_ = p; }
  [[nodiscard]] bool at_end() const { return p_ == e_; }

 private:
  // Consumes the digits at p_ and returns how many (counting stops past 19: too many anyway).
  [[gnu::always_inline]] std::size_t digits() {
    const char* s = p_;
    while (e_ - p_ >= 8) {
      const unsigned r = digit_run8(p_);
      p_ += r;
      if (r < 8 || p_ - s > 19) return static_cast<std::size_t>(p_ - s);
    }
    while (p_ < e_ && static_cast<unsigned char>(*p_ - '0') <= 9) ++p_;
    return static_cast<std::size_t>(p_ - s);
  }
  // The value of the n (1..19) digits at s, which lie inside the message.
  [[gnu::always_inline]] uint64_t value(const char* s, std::size_t n) const {
    if (n < 8 && e_ - s < 8) {  // too close to the end for an 8-byte load
      uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = v * 10 + static_cast<unsigned>(s[i] - '0');
      return v;
    }
    const unsigned head = static_cast<unsigned>((n - 1) % 8 + 1);  // 1..8 digits, then whole groups of 8
    uint64_t v = value_front(s, head);
    for (std::size_t i = head; i < n; i += 8) v = v * 100000000 + value_front(s + i, 8);
    return v;
  }

  const char* p_;
  const char* e_;
};

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
    ExactScanner sc(msg);
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
    if (!sc.lit(",\"s\":\"") || !sc.name(t.s) || !sc.lit(",\"b\":\"") || !sc.decimal(t.b) ||
        !sc.lit(",\"B\":\"") || !sc.decimal(t.bq) || !sc.lit(",\"a\":\"") || !sc.decimal(t.a) ||
        !sc.lit(",\"A\":\"") || !sc.decimal(t.aq)) {
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
