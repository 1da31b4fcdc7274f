// Tests for core/types.h: exact decimal parsing and formatting, notional, quantization to a grid.
// Every expected raw value is worked out by hand (raw = value * 1e8).
#include "core/types.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace dmabot::core {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Parses and returns the error; raw_out is left at a sentinel on failure so a test can check that
// a rejected input does not write a half-parsed value.
DecimalError parse(std::string_view s, bool allow_negative, int64_t& raw) {
  raw = 777;
  return parse_decimal(s, allow_negative, raw);
}

std::string fmt(int64_t raw, int decimals = kDecimals) {
  char buf[kDecimalBufSize];
  return std::string(buf, format_decimal(raw, buf, decimals));
}

std::string trimmed(int64_t raw) {
  char buf[kDecimalBufSize];
  return std::string(buf, format_decimal_trimmed(raw, buf));
}

TEST(ParseDecimal, AcceptsBinanceForms) {
  int64_t raw = 0;
  ASSERT_EQ(parse("0", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 0);
  ASSERT_EQ(parse("0.00000001", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 1);  // one unit of 1e-8
  ASSERT_EQ(parse("61837.63000000", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 6'183'763'000'000);  // 61837.63 * 1e8
  ASSERT_EQ(parse(".5", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 50'000'000);  // 0.5 * 1e8
  ASSERT_EQ(parse("5.", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 500'000'000);  // 5 * 1e8
  ASSERT_EQ(parse("+1", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 100'000'000);
  ASSERT_EQ(parse("000123.4500", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 12'345'000'000);  // 123.45 * 1e8
  ASSERT_EQ(parse("0.12345678", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 12'345'678);
}

TEST(ParseDecimal, SignHandling) {
  int64_t raw = 0;
  EXPECT_EQ(parse("-1", false, raw), DecimalError::kNegative);
  EXPECT_EQ(raw, 777);
  ASSERT_EQ(parse("-1", true, raw), DecimalError::kOk);
  EXPECT_EQ(raw, -100'000'000);
  ASSERT_EQ(parse("-0.00000001", true, raw), DecimalError::kOk);
  EXPECT_EQ(raw, -1);
  ASSERT_EQ(parse("-.25", true, raw), DecimalError::kOk);
  EXPECT_EQ(raw, -25'000'000);
  ASSERT_EQ(parse("+2.5", true, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 250'000'000);
  EXPECT_EQ(parse("--1", true, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("+-1", true, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("1-", true, raw), DecimalError::kBadChar);
}

TEST(ParseDecimal, RejectsMalformed) {
  int64_t raw = 0;
  EXPECT_EQ(parse("", false, raw), DecimalError::kEmpty);
  EXPECT_EQ(parse("+", false, raw), DecimalError::kEmpty);
  EXPECT_EQ(parse("-", true, raw), DecimalError::kEmpty);
  EXPECT_EQ(parse(".", false, raw), DecimalError::kEmpty);
  EXPECT_EQ(parse("-.", true, raw), DecimalError::kEmpty);
  EXPECT_EQ(parse("1e5", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("1.2.3", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse(" 1", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("1 ", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("1,5", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("0x10", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse("nan", false, raw), DecimalError::kBadChar);
  EXPECT_EQ(parse(std::string_view("1\0", 2), false, raw), DecimalError::kBadChar);
  EXPECT_EQ(raw, 777);  // nothing written on failure
}

TEST(ParseDecimal, RejectsNinthDecimal) {
  int64_t raw = 0;
  EXPECT_EQ(parse("0.000000001", false, raw), DecimalError::kTooManyDecimals);
  // Trailing zeros beyond 8 decimals are rejected too (documented: signals a wrong field).
  EXPECT_EQ(parse("1.000000000", false, raw), DecimalError::kTooManyDecimals);
  EXPECT_EQ(parse("-1.123456789", true, raw), DecimalError::kTooManyDecimals);
  EXPECT_EQ(raw, 777);
}

TEST(ParseDecimal, Int64Boundaries) {
  int64_t raw = 0;
  // INT64_MAX = 9223372036854775807 raw = 92233720368.54775807
  ASSERT_EQ(parse("92233720368.54775807", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, kMax);
  EXPECT_EQ(parse("92233720368.54775808", false, raw), DecimalError::kOverflow);
  EXPECT_EQ(parse("92233720368.54775808", true, raw), DecimalError::kOverflow);
  // INT64_MIN = -9223372036854775808 raw is reachable only with a sign.
  ASSERT_EQ(parse("-92233720368.54775808", true, raw), DecimalError::kOk);
  EXPECT_EQ(raw, kMin);
  EXPECT_EQ(parse("-92233720368.54775809", true, raw), DecimalError::kOverflow);
  // Integer part too large once scaled: 92233720369 * 1e8 > INT64_MAX.
  EXPECT_EQ(parse("92233720369", false, raw), DecimalError::kOverflow);
  EXPECT_EQ(parse("92233720368.6", false, raw), DecimalError::kOverflow);  // 9223372036860000000 > max
  ASSERT_EQ(parse("92233720368", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 9'223'372'036'800'000'000);
  EXPECT_EQ(parse("99999999999999999999999", false, raw), DecimalError::kOverflow);
  EXPECT_EQ(parse("-99999999999999999999999", true, raw), DecimalError::kOverflow);
  // Many leading zeros never overflow.
  ASSERT_EQ(parse("0000000000000000000000000001.5", false, raw), DecimalError::kOk);
  EXPECT_EQ(raw, 150'000'000);
}

TEST(ParseDecimal, FixedWrappers) {
  Price p;
  ASSERT_EQ(Price::parse("100.25", p), DecimalError::kOk);
  EXPECT_EQ(p.raw, 10'025'000'000);
  EXPECT_EQ(Price::parse("-1", p), DecimalError::kNegative);
  ASSERT_EQ(Price::parse_signed("-1", p), DecimalError::kOk);
  EXPECT_EQ(p, Price::from_units(-1));
  EXPECT_EQ(to_string(DecimalError::kTooManyDecimals), "more than 8 decimals");
}

TEST(FormatDecimal, EightDecimalsExact) {
  EXPECT_EQ(fmt(0), "0.00000000");
  EXPECT_EQ(fmt(1), "0.00000001");
  EXPECT_EQ(fmt(-1), "-0.00000001");
  EXPECT_EQ(fmt(6'183'763'000'000), "61837.63000000");
  EXPECT_EQ(fmt(kMax), "92233720368.54775807");
  EXPECT_EQ(fmt(kMin), "-92233720368.54775808");
  EXPECT_LE(fmt(kMin).size(), 21u);  // documented maximum
}

TEST(FormatDecimal, FewerDecimalsTruncateTowardZero) {
  // 1.23456789 raw 123456789
  EXPECT_EQ(fmt(123'456'789, 0), "1");
  EXPECT_EQ(fmt(123'456'789, 2), "1.23");   // 1.23|456789 -> drop the rest
  EXPECT_EQ(fmt(199'999'999, 2), "1.99");   // 1.99999999 truncates, does not round to 2.00
  EXPECT_EQ(fmt(-199'999'999, 2), "-1.99");
  EXPECT_EQ(fmt(123'456'789, 7), "1.2345678");
  // A value that truncates to zero prints as zero without a sign: -0.00000001 -> "0.00".
  EXPECT_EQ(fmt(-1, 2), "0.00");
  EXPECT_EQ(fmt(-99'999'999, 0), "0");     // -0.99999999 truncated toward zero
  EXPECT_EQ(fmt(-100'000'000, 0), "-1");
  // Out-of-range decimals are clamped to 0..8.
  EXPECT_EQ(fmt(150'000'000, -3), "1");
  EXPECT_EQ(fmt(150'000'000, 12), "1.50000000");
}

TEST(FormatDecimal, Trimmed) {
  EXPECT_EQ(trimmed(6'183'763'000'000), "61837.63");
  EXPECT_EQ(trimmed(50'000'000), "0.5");
  EXPECT_EQ(trimmed(300'000'000), "3");
  EXPECT_EQ(trimmed(1'000'000'000), "10");  // trailing zero of the integer part stays
  EXPECT_EQ(trimmed(0), "0");
  EXPECT_EQ(trimmed(-1), "-0.00000001");
  EXPECT_EQ(trimmed(-250'000'000), "-2.5");
  EXPECT_EQ(decimal_to_string(12'345'000'000), "123.45");
  EXPECT_EQ(Price::from_raw(10'025'000'000).to_string(), "100.25");
}

TEST(FormatDecimal, RoundTripOnSeededRandomRaws) {
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<int64_t> any(kMin, kMax);
  // Binance-like magnitudes too, where most digits are zero.
  std::uniform_int_distribution<int64_t> small(-10'000'000'000'000, 10'000'000'000'000);
  for (int i = 0; i < 200'000; ++i) {
    const int64_t raw = (i % 2 == 0) ? any(rng) : small(rng);
    char buf[kDecimalBufSize];
    const std::size_t n = format_decimal(raw, buf);
    int64_t back = 0;
    ASSERT_EQ(parse_decimal(std::string_view(buf, n), true, back), DecimalError::kOk) << std::string(buf, n);
    ASSERT_EQ(back, raw) << std::string(buf, n);
    const std::size_t m = format_decimal_trimmed(raw, buf);
    ASSERT_EQ(parse_decimal(std::string_view(buf, m), true, back), DecimalError::kOk) << std::string(buf, m);
    ASSERT_EQ(back, raw) << std::string(buf, m);
  }
}

TEST(Notional, ExactAndSaturating) {
  // 61837.63 * 0.00123 = 76.0602849 -> raw 7606028490 (exact, no rounding needed)
  EXPECT_EQ(notional_raw(Price::from_raw(6'183'763'000'000), Qty::from_raw(123'000)), 7'606'028'490);
  // 0.00000003 * 0.5 = 0.000000015 -> truncates to 1 raw (1.5e-8 -> 1e-8)
  EXPECT_EQ(notional_raw(Price::from_raw(3), Qty::from_raw(50'000'000)), 1);
  // Negative price (spread/PnL): -2 * 3 = -6
  EXPECT_EQ(notional_raw(Price::from_units(-2), Qty::from_units(3)), -600'000'000);
  // A product that overflows int64 before the /1e8 but fits after: 90000000000 units * 1 = fits
  // only through the 128-bit intermediate. 9e18 raw * 1e8 raw = 9e26 -> /1e8 = 9e18.
  EXPECT_EQ(notional_raw(Price::from_raw(9'000'000'000'000'000'000), Qty::from_units(1)),
            9'000'000'000'000'000'000);
  // 1e6 units * 1e6 units = 1e12 units = 1e20 raw > INT64_MAX -> saturates.
  EXPECT_EQ(notional_raw(Price::from_units(1'000'000), Qty::from_units(1'000'000)), kMax);
  EXPECT_EQ(notional_raw(Price::from_units(-1'000'000), Qty::from_units(1'000'000)), kMin);
  EXPECT_EQ(notional_raw(Price::from_raw(kMax), Qty::from_raw(kMax)), kMax);
  EXPECT_DOUBLE_EQ(notional(Price::from_units(2), Qty::from_raw(50'000'000)), 1.0);  // 2 * 0.5
}

TEST(Quantize, FloorCeilOnNegatives) {
  // step 3: -5 floors to -6 and ceils to -3; -6 is on the grid.
  EXPECT_EQ(floor_to_step(-5, 3), -6);
  EXPECT_EQ(ceil_to_step(-5, 3), -3);
  EXPECT_EQ(floor_to_step(-6, 3), -6);
  EXPECT_EQ(ceil_to_step(-6, 3), -6);
  EXPECT_EQ(floor_to_step(-1, 3), -3);
  EXPECT_EQ(ceil_to_step(-1, 3), 0);
  EXPECT_EQ(floor_to_step(5, 3), 3);
  EXPECT_EQ(ceil_to_step(5, 3), 6);
  EXPECT_EQ(floor_to_step(0, 3), 0);
  EXPECT_EQ(ceil_to_step(0, 3), 0);
  static_assert(floor_to_step(-7, 2) == -8 && ceil_to_step(-7, 2) == -6);
}

TEST(Quantize, BidDownAskUp) {
  const Price tick = Price::from_raw(1'000'000);  // 0.01
  // 100.123 -> bid 100.12, ask 100.13
  EXPECT_EQ(quantize_bid(100.123, tick).raw, 10'012'000'000);
  EXPECT_EQ(quantize_ask(100.123, tick).raw, 10'013'000'000);
  // Exact grid values stay put, even where the double is not exact (0.1, 61837.63).
  EXPECT_EQ(quantize_bid(0.1, tick).raw, 10'000'000);
  EXPECT_EQ(quantize_ask(0.1, tick).raw, 10'000'000);
  EXPECT_EQ(quantize_bid(61837.63, tick).raw, 6'183'763'000'000);
  EXPECT_EQ(quantize_ask(61837.63, tick).raw, 6'183'763'000'000);
  EXPECT_EQ(quantize_bid(0.29, tick).raw, 29'000'000);  // 0.29 is 0.28999999999999998 in binary
  EXPECT_EQ(quantize_ask(0.29, tick).raw, 29'000'000);
  // Tick 0.5: 2.3 -> 2.0 / 2.5; negative -2.3 -> -2.5 / -2.0
  const Price half = Price::from_raw(50'000'000);
  EXPECT_EQ(quantize_bid(2.3, half).raw, 200'000'000);
  EXPECT_EQ(quantize_ask(2.3, half).raw, 250'000'000);
  EXPECT_EQ(quantize_bid(-2.3, half).raw, -250'000'000);
  EXPECT_EQ(quantize_ask(-2.3, half).raw, -200'000'000);
  // Qty rounds down: 0.123456 with step 0.001 -> 0.123
  EXPECT_EQ(quantize_qty_down(0.123456, Qty::from_raw(100'000)).raw, 12'300'000);
}

TEST(Quantize, HugeInputsSaturateOnTheGrid) {
  const Price tick = Price::from_raw(1'000'000);
  // Beyond int64 after scaling: saturates to the largest grid value instead of overflowing.
  // Largest multiple of 1e6 <= INT64_MAX: 9223372036854000000.
  EXPECT_EQ(quantize_bid(1e20, tick).raw, 9'223'372'036'854'000'000);
  EXPECT_EQ(quantize_ask(1e20, tick).raw, 9'223'372'036'854'000'000);
  EXPECT_EQ(quantize_bid(-1e20, tick).raw, -9'223'372'036'854'000'000);
  EXPECT_EQ(quantize_ask(-1e20, tick).raw, -9'223'372'036'854'000'000);
  EXPECT_EQ(quantize_ask(std::numeric_limits<double>::infinity(), tick).raw, 9'223'372'036'854'000'000);
}

TEST(Quantize, NanBecomesZeroNotAHugePrice) {
  // A NaN from strategy maths must not turn into a bid at the top of the int64 range.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Price tick = Price::from_raw(1'000'000);
  EXPECT_EQ(quantize_bid(nan, tick).raw, 0);
  EXPECT_EQ(quantize_ask(nan, tick).raw, 0);
  EXPECT_EQ(quantize_qty_down(nan, Qty::from_raw(1'000)).raw, 0);
}

}  // namespace
}  // namespace dmabot::core
