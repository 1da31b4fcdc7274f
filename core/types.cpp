#include "core/types.h"

#include <cmath>
#include <limits>

namespace dmabot::core {

std::string_view to_string(DecimalError e) {
  switch (e) {
    case DecimalError::kOk: return "ok";
    case DecimalError::kEmpty: return "empty number";
    case DecimalError::kBadChar: return "not a decimal number";
    case DecimalError::kNegative: return "negative value not allowed";
    case DecimalError::kTooManyDecimals: return "more than 8 decimals";
    case DecimalError::kOverflow: return "number too large";
  }
  return "unknown";
}

DecimalError parse_decimal(std::string_view s, bool allow_negative, int64_t& raw_out) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    if (negative && !allow_negative) return DecimalError::kNegative;
    ++i;
  }
  if (i == s.size()) return DecimalError::kEmpty;
  // Accumulate as a negative number so that INT64_MIN is reachable and overflow checks are simple.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t acc = 0;
  int digits = 0;
  int frac_digits = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (seen_point) return DecimalError::kBadChar;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return DecimalError::kBadChar;
    if (seen_point && ++frac_digits > kDecimals) return DecimalError::kTooManyDecimals;
    const int d = c - '0';
    if (acc < (kMin + d) / 10) return DecimalError::kOverflow;
    acc = acc * 10 - d;
    ++digits;
  }
  if (digits == 0) return DecimalError::kEmpty;
  for (int k = frac_digits; k < kDecimals; ++k) {
    if (acc < kMin / 10) return DecimalError::kOverflow;
    acc *= 10;
  }
  if (!negative) {
    if (acc == kMin) return DecimalError::kOverflow;
    acc = -acc;
  }
  raw_out = acc;
  return DecimalError::kOk;
}

namespace {
// Writes the unsigned magnitude digits of v (as uint64) right-aligned ending at end; returns start.
char* write_u64(uint64_t v, char* end) {
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}
}  // namespace

std::size_t format_decimal(int64_t raw, char* buf, int decimals) {
  if (decimals < 0) decimals = 0;
  if (decimals > kDecimals) decimals = kDecimals;
  const bool negative = raw < 0;
  const uint64_t mag = negative ? (~static_cast<uint64_t>(raw) + 1) : static_cast<uint64_t>(raw);
  const uint64_t int_part = mag / kScale;
  uint64_t frac = mag % kScale;
  for (int k = decimals; k < kDecimals; ++k) frac /= 10;
  const uint64_t shown_frac = frac;
  char tmp[kDecimalBufSize];
  char* end = tmp + sizeof(tmp);
  char* p = end;
  if (decimals > 0) {
    for (int k = 0; k < decimals; ++k) {
      *--p = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    *--p = '.';
  }
  p = write_u64(int_part, p);
  // The sign follows the printed (truncated) value, so -0.00000001 at 2 decimals is "0.00".
  if (negative && (int_part != 0 || shown_frac != 0)) *--p = '-';
  const std::size_t n = static_cast<std::size_t>(end - p);
  for (std::size_t k = 0; k < n; ++k) buf[k] = p[k];
  return n;
}

std::size_t format_decimal_trimmed(int64_t raw, char* buf) {
  std::size_t n = format_decimal(raw, buf, kDecimals);
  while (buf[n - 1] == '0') --n;
  if (buf[n - 1] == '.') --n;
  return n;
}

std::string decimal_to_string(int64_t raw) {
  char buf[kDecimalBufSize];
  return std::string(buf, format_decimal_trimmed(raw, buf));
}

int64_t notional_raw(Price px, Qty qty) {
  const __int128 n = static_cast<__int128>(px.raw) * qty.raw / kScale;
  if (n > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (n < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(n);
}

namespace {
int64_t to_raw_nearest(double v) {
  // NaN (a strategy's 0/0) becomes 0, a price every venue and risk check rejects; saturating it to
  // INT64_MAX, as the comparisons below would, made a bid that crosses any book.
  if (std::isnan(v)) return 0;
  const double r = std::nearbyint(v * kScale);
  if (!(r < 9.2e18)) return std::numeric_limits<int64_t>::max();
  if (!(r > -9.2e18)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(r);
}

// floor_to_step/ceil_to_step in 128 bits: near the int64 limits (a huge or saturated double) the
// next grid point may lie outside int64, so take the nearest grid point that fits instead of
// overflowing.
int64_t to_grid(int64_t raw, int64_t step, bool up) {
  __int128 q = raw / step;
  if (raw % step != 0) {
    if (up && raw > 0) ++q;
    if (!up && raw < 0) --q;
  }
  __int128 v = q * step;
  if (v > std::numeric_limits<int64_t>::max()) v -= step;
  if (v < std::numeric_limits<int64_t>::min()) v += step;
  return static_cast<int64_t>(v);
}
}  // namespace

Price quantize_bid(double px, Price tick) { return Price{to_grid(to_raw_nearest(px), tick.raw, false)}; }
Price quantize_ask(double px, Price tick) { return Price{to_grid(to_raw_nearest(px), tick.raw, true)}; }
Qty quantize_qty_down(double qty, Qty step) { return Qty{to_grid(to_raw_nearest(qty), step.raw, false)}; }

}  // namespace dmabot::core
