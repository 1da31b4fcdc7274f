// core/internal/json_scan.h — ExactScanner: a left-to-right cursor for recognising JSON text in one
// exact, known byte shape without a JSON parser.
//
// Used by the two read-path fast paths: EventDecoder's md/trade/mark lines in exactly the shape
// encode() writes (core/event_codec.cpp) and BinanceParser's bookTicker messages in the shapes
// Binance sends (feed/internal/book_ticker_scan.h). The caller spells out the expected keys and
// punctuation with lit() and reads values with the typed steps; every step either consumes what it
// recognised and returns true, or returns false, after which the caller gives up and hands the line
// to its generic (simdjson) parser — that parser alone reports errors. So each step accepts only
// text that is valid JSON and that the generic path reads to the same value, and rejects anything
// else (whitespace, escapes, leading zeros, too many digits), never guesses.
//
// Every step checks the remaining length: reads stay inside [s.data(), s.data() + s.size()), no
// padding needed. Threads: one scanner per call (it is two pointers). Allocation: none. Steps are
// always inlined: the calls are the whole loop body of the fast paths.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/internal/swar_digits.h"

namespace dmabot::core::internal {

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
      // One masked 8-byte load where the input has the bytes (not a narrow memcpy into a zeroed
      // word: that stalls store forwarding); byte compares in the last 7 bytes.
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

  // A JSON unsigned integer of 1..19 digits without a leading zero: it always fits a uint64, and
  // simdjson reads the same value.
  [[nodiscard, gnu::always_inline]] bool u64(uint64_t& v) {
    const char* s = p_;
    const std::size_t n = digits();
    if (n == 0 || n > 19 || (n > 1 && *s == '0')) return false;
    v = value(s, n);
    return true;
  }
  // A JSON integer within int64 ("-0" and leading zeros are left to the generic path).
  [[nodiscard, gnu::always_inline]] bool i64(int64_t& v) {
    const bool neg = p_ < e_ && *p_ == '-';
    if (neg) ++p_;
    if (neg && (p_ == e_ || *p_ == '0')) return false;
    uint64_t u = 0;
    if (!u64(u) || u > static_cast<uint64_t>(INT64_MAX)) return false;
    v = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
    return true;
  }

  // The rest of a string whose opening quote was consumed: its contents (printable ASCII, no
  // backslash — so no escapes and nothing for UTF-8 validation to object to) up to the closing
  // quote, which is consumed too.
  [[nodiscard, gnu::always_inline]] bool str(std::string_view& out) { return string_rest<true>(out); }
  // The same, unvalidated except that it holds no backslash: for a name the caller validates anyway
  // (an escaped quote could otherwise end the string early).
  [[nodiscard, gnu::always_inline]] bool name(std::string_view& out) { return string_rest<false>(out); }

  // The rest of a decimal string (opening quote consumed) and its closing quote, scaled by 1e8:
  // digits, at most one '.', at least one digit, at most 10 integer digits and 8 decimals. In that
  // shape the value cannot overflow (< 1e10 * 1e8 < 2^63) and equals what the checked decimal
  // parsers return; anything else returns false, and the generic path reports the error or handles
  // the rare valid outlier ("00000000001.5": 11 integer digits).
  [[nodiscard, gnu::always_inline]] bool unsigned_decimal(int64_t& raw) {
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
        const unsigned n = int_digits + frac_digits;
        if (n <= 7) {
          // Both parts sit in one word: drop the '.' byte and convert all digits at once. (& 0x0F,
          // not - '0': the '.' is below '0' and a subtraction would borrow from the next digit.)
          const uint64_t x = load8(s) & 0x0F0F0F0F0F0F0F0FULL;
          const uint64_t below_dot = (uint64_t{1} << (8 * int_digits)) - 1;
          const uint64_t digits = (x & below_dot) | ((x >> 8) & ~below_dot);
          raw = static_cast<int64_t>(value8(digits << (8 * (8 - n))) * kFracScale[frac_digits]);
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
    const uint64_t int_part = int_digits == 0 ? 0 : value(s, int_digits);
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
        for (std::size_t i = 0; i < frac_digits; ++i) frac = frac * 10 + static_cast<unsigned>(f[i] - '0');
        frac *= kFracScale[frac_digits];
      }
    }
    if (p_ == e_ || *p_ != '"' || int_digits + frac_digits == 0) return false;
    ++p_;
    raw = static_cast<int64_t>(int_part * 100000000 + frac);
    return true;
  }
  // The same with an optional leading '-' ("-0.5"; "-0" reads as 0, as the generic path does).
  [[nodiscard, gnu::always_inline]] bool signed_decimal(int64_t& raw) {
    const bool neg = p_ < e_ && *p_ == '-';
    if (neg) ++p_;
    if (!unsigned_decimal(raw)) return false;
    if (neg) raw = -raw;
    return true;
  }

  // Consumes n bytes equal to text[0, n); text must be readable up to n rounded up to 8. Wants
  // n + 8 bytes left, so the last word load stays inside the input.
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
  // 10^(8 - k): scales a fraction of k decimals to 8.
  static constexpr uint64_t kFracScale[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};

  // str() and name(): a string's rest up to and including its closing quote; a backslash always
  // fails, other control, DEL and non-ASCII bytes only when kPrintable.
  template <bool kPrintable>
  [[nodiscard, gnu::always_inline]] bool string_rest(std::string_view& out) {
    const char* s = p_;
    while (e_ - p_ >= 8) {
      const uint64_t x = load8(p_);
      const uint64_t quote = bytes_equal(x, '"');
      uint64_t bad = bytes_equal(x, '\\');
      if constexpr (kPrintable) bad |= bytes_below(x, 0x20) | bytes_equal(x, 0x7F) | (x & 0x8080808080808080ULL);
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
      if (c == '\\' || (kPrintable && static_cast<unsigned char>(c - 0x20) > 0x5E)) return false;
      ++p_;
    }
    return false;
  }

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
  // The value of the n (1..19) digits at s, which lie inside the input.
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

}  // namespace dmabot::core::internal
