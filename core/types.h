// core/types.h — the domain vocabulary: exact fixed-point Price and Qty, Side, SymbolId, time.
//
// Price and Qty hold a raw int64 scaled by 1e8 (Binance never sends more than 8 decimals), so
// "61837.63000000" is exactly 6183763000000 raw. Parsing goes straight from the decimal string to
// the integer — never through double — and rejects a 9th decimal, a sign where none is allowed and
// anything that would overflow. Formatting back gives the exact decimal string.
//
// Threads: every function here is pure and may be called from any thread.
// Allocation: none, except the std::string-returning to_string() helpers (cold paths only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dmabot::core {

inline constexpr int kDecimals = 8;
inline constexpr int64_t kScale = 100'000'000;

// Nanoseconds since the Unix epoch (or since an arbitrary origin for a simulated clock).
using UnixNanos = int64_t;

// Small id given to each symbol at start-up (see symbol_table.h). Dense: 0..count-1.
using SymbolId = uint16_t;
inline constexpr SymbolId kNoSymbol = 0xFFFF;

enum class Side : uint8_t { kBuy = 0, kSell = 1 };
[[nodiscard]] constexpr Side opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }
[[nodiscard]] constexpr int side_sign(Side s) { return s == Side::kBuy ? 1 : -1; }
[[nodiscard]] constexpr std::string_view to_string(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }

enum class DecimalError : uint8_t {
  kOk = 0,
  kEmpty,          // "" or just a sign
  kBadChar,        // anything but digits, one '.', and a leading sign where allowed
  kNegative,       // a '-' where the value must not be negative
  kTooManyDecimals,// more than 8 digits after the point
  kOverflow,       // does not fit int64 after scaling
};
[[nodiscard]] std::string_view to_string(DecimalError e);

// Parses a decimal string into raw units of 1e-8. Accepts "123", "123.", ".5", "0.00000001", "+1",
// and "-1.5" when allow_negative. Trailing zeros beyond 8 decimals ("1.000000000") are rejected too:
// Binance never sends them, so they signal a wrong field.
[[nodiscard]] DecimalError parse_decimal(std::string_view text, bool allow_negative, int64_t& raw_out);

// Writes raw (units of 1e-8) as a decimal string into buf; returns chars written (<= 21).
// Always prints exactly `decimals` fractional digits (0..8); no trailing '.' when decimals == 0.
// The value is printed exactly when decimals == 8; fewer decimals truncate toward zero.
inline constexpr std::size_t kDecimalBufSize = 32;
std::size_t format_decimal(int64_t raw, char* buf, int decimals = kDecimals);
// Shortest exact form: "61837.63", "0.5", "3", "-0.00000001".
std::size_t format_decimal_trimmed(int64_t raw, char* buf);
std::string decimal_to_string(int64_t raw);  // trimmed form, allocates

// Fixed-point wrapper with the operators that are exact on integers. Price may be negative (PnL,
// spreads); the parser for market data rejects negatives.
template <class Tag>
struct Fixed {
  int64_t raw = 0;

  static constexpr Fixed from_raw(int64_t r) { return Fixed{r}; }
  static constexpr Fixed from_units(int64_t units) { return Fixed{units * kScale}; }
  // Validating parse (non-negative). Use parse_signed() where a sign is allowed.
  [[nodiscard]] static DecimalError parse(std::string_view s, Fixed& out) {
    return parse_decimal(s, false, out.raw);
  }
  [[nodiscard]] static DecimalError parse_signed(std::string_view s, Fixed& out) {
    return parse_decimal(s, true, out.raw);
  }
  // Lossy conversions for strategy maths (double) — results go back through quantize_*.
  [[nodiscard]] constexpr double to_double() const { return static_cast<double>(raw) / kScale; }
  std::string to_string() const { return decimal_to_string(raw); }

  constexpr bool is_zero() const { return raw == 0; }
  friend constexpr bool operator==(Fixed a, Fixed b) = default;
  friend constexpr auto operator<=>(Fixed a, Fixed b) = default;
  friend constexpr Fixed operator+(Fixed a, Fixed b) { return Fixed{a.raw + b.raw}; }
  friend constexpr Fixed operator-(Fixed a, Fixed b) { return Fixed{a.raw - b.raw}; }
  constexpr Fixed operator-() const { return Fixed{-raw}; }
  constexpr Fixed& operator+=(Fixed b) { raw += b.raw; return *this; }
  constexpr Fixed& operator-=(Fixed b) { raw -= b.raw; return *this; }
};

struct PriceTag {};
struct QtyTag {};
using Price = Fixed<PriceTag>;
using Qty = Fixed<QtyTag>;

// Notional = price * qty, in raw units of 1e-8 quote currency. 128-bit intermediate: exact for any
// price and qty that fit the types; saturates at int64 limits instead of wrapping.
[[nodiscard]] int64_t notional_raw(Price px, Qty qty);
[[nodiscard]] inline double notional(Price px, Qty qty) {
  return static_cast<double>(notional_raw(px, qty)) / kScale;
}

// Quantization to an instrument's grid, in integer arithmetic. step.raw must be > 0.
[[nodiscard]] constexpr int64_t floor_to_step(int64_t raw, int64_t step) {
  int64_t q = raw / step;
  if ((raw % step != 0) && (raw < 0)) --q;
  return q * step;
}
[[nodiscard]] constexpr int64_t ceil_to_step(int64_t raw, int64_t step) {
  int64_t q = raw / step;
  if ((raw % step != 0) && (raw > 0)) ++q;
  return q * step;
}
// From a double price: the nearest raw integer first (exact enough: prices < 1e10 keep 1e-8
// resolution within double's 53 bits for values below ~9e7; beyond that the error stays below one
// tick of any real instrument), then floor (bids) or ceil (asks) to the tick.
[[nodiscard]] Price quantize_bid(double px, Price tick);
[[nodiscard]] Price quantize_ask(double px, Price tick);
[[nodiscard]] Qty quantize_qty_down(double qty, Qty step);

}  // namespace dmabot::core
