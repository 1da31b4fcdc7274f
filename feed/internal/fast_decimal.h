// feed/internal/fast_decimal.h — the common case of core::parse_decimal, without per-digit
// overflow checks.
//
// Binance prices and quantities are short unsigned decimals ("61837.63000000", "0.060"). For those
// (no sign, at most 10 integer digits, at most 8 decimals) the scaled value is below 1e18 and cannot
// overflow, so the digits are accumulated straight into a uint64. Every other input — signs,
// 9 decimals, long integers, junk — is handed to core::parse_decimal, which stays the single
// authority on what is accepted and which error is reported: this function returns exactly what
// core::parse_decimal(text, false, raw) would (a test checks that on real and random inputs).
//
// Threads: pure. Allocation: none.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace dmabot::feed::internal {

[[nodiscard]] inline core::DecimalError parse_unsigned_decimal(std::string_view s, int64_t& raw_out) {
  static constexpr uint64_t kPow10[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
  const std::size_t n = s.size();
  if (n != 0 && n <= 19) {
    uint64_t acc = 0;
    std::size_t i = 0;
    while (i < n && static_cast<unsigned char>(s[i] - '0') <= 9) acc = acc * 10 + static_cast<unsigned>(s[i++] - '0');
    const std::size_t int_digits = i;
    std::size_t frac_digits = 0;
    if (i < n && s[i] == '.') {
      ++i;
      const std::size_t frac_start = i;
      while (i < n && static_cast<unsigned char>(s[i] - '0') <= 9) acc = acc * 10 + static_cast<unsigned>(s[i++] - '0');
      frac_digits = i - frac_start;
    }
    // n <= 19 keeps acc below 1e19 (no wrap); 10 integer digits + 8 decimals keep the result < 1e18.
    if (i == n && int_digits + frac_digits > 0 && int_digits <= 10 && frac_digits <= 8) {
      raw_out = static_cast<int64_t>(acc * kPow10[frac_digits]);
      return core::DecimalError::kOk;
    }
  }
  return core::parse_decimal(s, false, raw_out);
}

}  // namespace dmabot::feed::internal
