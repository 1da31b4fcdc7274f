// core/strings.h — small string helpers for cold paths (config, errors, rendering).
//
// Debian's Abseil is built with its own absl::string_view (not std::string_view), so absl::StrCat
// and friends do not accept std::string_view; these helpers fill that gap. All of them allocate:
// never call them on the hot path.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"

namespace dmabot::core {

namespace internal {
inline void append_one(std::string& out, std::string_view s) { out.append(s.data(), s.size()); }
inline void append_one(std::string& out, const char* s) { out.append(s); }
inline void append_one(std::string& out, const std::string& s) { out.append(s); }
inline void append_one(std::string& out, char c) { out.push_back(c); }
inline void append_one(std::string& out, bool b) { out.append(b ? "true" : "false"); }
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool> &&
         !std::is_same_v<T, char>) inline void append_one(std::string& out, T v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, p);
}
void append_double(std::string& out, double v);
inline void append_one(std::string& out, double v) { append_double(out, v); }
}  // namespace internal

template <class... Args>
void str_append(std::string& out, const Args&... args) {
  (internal::append_one(out, args), ...);
}
template <class... Args>
[[nodiscard]] std::string str_cat(const Args&... args) {
  std::string out;
  str_append(out, args...);
  return out;
}

// An InvalidArgument status built from pieces: invalid(key, " must be positive").
template <class... Args>
[[nodiscard]] absl::Status invalid(const Args&... args) {
  return absl::InvalidArgumentError(str_cat(args...));
}

[[nodiscard]] std::string_view strip(std::string_view s);
[[nodiscard]] std::string_view strip_leading(std::string_view s);
[[nodiscard]] std::string_view strip_trailing(std::string_view s);
[[nodiscard]] std::string to_upper(std::string_view s);
[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] bool starts_with(std::string_view s, std::string_view prefix);
// Splits on a single character; keeps empty pieces.
[[nodiscard]] std::vector<std::string_view> split(std::string_view s, char sep);
// Shortest round-trip formatting of a double ("0.1", "1e-09", "12345.678").
[[nodiscard]] std::string format_double(double v);
// Exactly `decimals` digits after the point, rounded, never "-0.00", never an exponent:
// format_fixed(21.093304480000004, 4) == "21.0933". For money a person reads (summaries). NaN and
// infinities as in format_double.
[[nodiscard]] std::string format_fixed(double v, int decimals);
// At most `max_decimals` digits after the point, trailing zeros dropped: format_decimal(
// 21.093304480000004, 8) == "21.09330448", format_decimal(0.5, 8) == "0.5". Prices, quantities and
// money are exact to 1e-8 (Binance's precision), so 8 keeps every real digit and drops float noise;
// the result is also valid JSON for finite values.
[[nodiscard]] std::string format_decimal(double v, int max_decimals);
// Appends s as a JSON string literal: quotes, backslash escapes for " and \, \uXXXX for control
// characters; other bytes (UTF-8 included) as they are.
void append_json_string(std::string& out, std::string_view s);

}  // namespace dmabot::core
