// The decimal target: core::parse_decimal against an independent reference, the feed's fast decimal
// path against parse_decimal, and format -> parse round trips.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/types.h"
#include "feed/internal/fast_decimal.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

using core::DecimalError;

// What the contract in core/types.h says about `s`, computed another way: every rule the text breaks
// (not just the first one met), and the value when it breaks none.
struct Reference {
  bool negative_sign = false;  // a '-' where none is allowed
  bool bad_char = false;       // anything but digits and one '.', after an optional leading sign
  bool too_many_decimals = false;
  bool empty = false;     // no digit at all
  bool overflow = false;  // the scaled value does not fit int64
  int64_t value = 0;

  [[nodiscard]] int violations() const {
    return int{negative_sign} + int{bad_char} + int{too_many_decimals} + int{empty} + int{overflow};
  }
  [[nodiscard]] bool breaks(DecimalError e) const {
    switch (e) {
      case DecimalError::kOk:
        return violations() == 0;
      case DecimalError::kEmpty:
        return empty;
      case DecimalError::kBadChar:
        return bad_char;
      case DecimalError::kNegative:
        return negative_sign;
      case DecimalError::kTooManyDecimals:
        return too_many_decimals;
      case DecimalError::kOverflow:
        return overflow;
    }
    return false;
  }
};

Reference reference(std::string_view s, bool allow_negative) {
  Reference r;
  std::size_t i = 0;
  bool minus = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    minus = s[0] == '-';
    r.negative_sign = minus && !allow_negative;
    i = 1;
  }
  // The magnitude in units of 1e-8 of the integer digits and the first 8 decimals, as a 128-bit
  // integer saturated far above int64's range (further decimals are a rule of their own).
  constexpr __int128 kCap = static_cast<__int128>(1) << 100;
  __int128 mag = 0;
  int digits = 0, frac = 0, points = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (++points > 1) r.bad_char = true;
    } else if (c >= '0' && c <= '9') {
      ++digits;
      if (points > 0) ++frac;
      if (mag < kCap && frac <= core::kDecimals) mag = mag * 10 + (c - '0');
    } else {
      r.bad_char = true;
    }
  }
  r.empty = digits == 0;
  r.too_many_decimals = frac > core::kDecimals;
  for (int k = std::min(frac, core::kDecimals); k < core::kDecimals && mag < kCap; ++k) mag *= 10;
  const __int128 limit = minus ? -static_cast<__int128>(std::numeric_limits<int64_t>::min())
                               : static_cast<__int128>(std::numeric_limits<int64_t>::max());
  r.overflow = mag > limit;
  if (r.violations() == 0) r.value = static_cast<int64_t>(minus ? -mag : mag);
  return r;
}

std::string check_one(std::string_view s, bool allow_negative) {
  const std::string where = core::str_cat("'", shown(s), "' (allow_negative ", allow_negative, "): ");
  int64_t raw = 0x5a5a5a5a;
  const DecimalError e = core::parse_decimal(s, allow_negative, raw);
  const Reference ref = reference(s, allow_negative);
  if ((e == DecimalError::kOk) != (ref.violations() == 0)) {
    return where + core::str_cat("parse_decimal says ", core::to_string(e), ", the reference finds ", ref.violations(),
                                 " violations");
  }
  if (e == DecimalError::kOk && raw != ref.value) {
    return where + core::str_cat("parse_decimal gives ", raw, ", the reference ", static_cast<int64_t>(ref.value));
  }
  if (e != DecimalError::kOk && !ref.breaks(e)) {
    return where +
           core::str_cat("parse_decimal reports ", core::to_string(e), " but the text does not break that rule");
  }
  if (e != DecimalError::kOk && ref.violations() == 1 && !ref.breaks(e)) {
    return where + core::str_cat("wrong error class ", core::to_string(e));
  }
  if (!allow_negative) {
    int64_t fast = 0x3c3c3c3c;
    const DecimalError fe = feed::internal::parse_unsigned_decimal(s, fast);
    if (fe != e) {
      return where + core::str_cat("fast_decimal says ", core::to_string(fe), ", parse_decimal ", core::to_string(e));
    }
    if (fe == DecimalError::kOk && fast != raw) {
      return where + core::str_cat("fast_decimal gives ", fast, ", parse_decimal ", raw);
    }
  }
  if (e == DecimalError::kOk) {
    char buf[core::kDecimalBufSize];
    for (int form = 0; form < 2; ++form) {
      const std::size_t n = form == 0 ? core::format_decimal_trimmed(raw, buf) : core::format_decimal(raw, buf);
      const std::string_view text(buf, n);
      int64_t back = 0;
      const DecimalError be = core::parse_decimal(text, true, back);
      if (be != DecimalError::kOk || back != raw) {
        return where + core::str_cat(form == 0 ? "format_decimal_trimmed" : "format_decimal", " gives '", text,
                                     "', which parses to ", core::to_string(be), " ", back, " instead of ", raw);
      }
    }
  }
  return {};
}

}  // namespace

std::string check_decimal(std::string_view input) {
  // The whole input, then each '\n'-separated piece (so a corpus file may hold many cases).
  for (bool allow_negative : {false, true}) {
    if (std::string d = check_one(input, allow_negative); !d.empty()) return d;
  }
  if (input.find('\n') == std::string_view::npos) return {};
  for (std::string_view piece : lines_of(input)) {
    for (bool allow_negative : {false, true}) {
      if (std::string d = check_one(piece, allow_negative); !d.empty()) return d;
    }
  }
  return {};
}

}  // namespace dmabot::fuzz
