// Decimal parsing and formatting benchmarks on seeded Binance-like price strings.
//
//   decimal_parse/<impl>   core::parse_decimal (exact, to int64 raw) vs strtod vs std::from_chars
//                          (double): the cost of the exact fixed-point path against the usual
//                          double parsers. One string per iteration, cycling through 4096 inputs.
//   decimal_format/<impl>  core::format_decimal (8 decimals) and format_decimal_trimmed vs
//                          std::to_chars(double) shortest and snprintf("%.8f").
//
// Inputs mix the two shapes Binance sends: spot prints 8 decimals ("61837.63000000"), futures
// prints the trimmed form ("61837.6"). The first benchmark of each group is the baseline that
// run_benchmarks.sh divides by.
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/types.h"

namespace {

constexpr std::size_t kInputs = 4096;  // power of two: index with a mask

struct Inputs {
  std::vector<std::string> text;
  std::vector<int64_t> raw;
  std::vector<double> value;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs r;
    std::mt19937_64 rng(42);
    // Price magnitudes from 1e-4 (small alts) to 1e5 (BTC), on grids of 2..8 decimals.
    std::uniform_int_distribution<int> magnitude(-4, 5);
    std::uniform_int_distribution<int> decimals(2, 8);
    std::uniform_real_distribution<double> mantissa(1.0, 10.0);
    for (std::size_t i = 0; i < kInputs; ++i) {
      double v = mantissa(rng);
      const int mag = magnitude(rng);
      for (int m = mag; m > 0; --m) v *= 10;
      for (int m = mag; m < 0; ++m) v /= 10;
      int64_t step = 1;
      for (int d = decimals(rng); d < dmabot::core::kDecimals; ++d) step *= 10;
      const int64_t raw = dmabot::core::floor_to_step(static_cast<int64_t>(v * dmabot::core::kScale), step);
      char buf[dmabot::core::kDecimalBufSize];
      const std::size_t n = (i % 2 == 0) ? dmabot::core::format_decimal(raw, buf)
                                         : dmabot::core::format_decimal_trimmed(raw, buf);
      r.text.emplace_back(buf, n);
      r.raw.push_back(raw);
      r.value.push_back(static_cast<double>(raw) / dmabot::core::kScale);
    }
    return r;
  }();
  return in;
}

void BM_ParseDecimal(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  int64_t sum = 0;
  for (auto _ : state) {
    const std::string& s = in.text[i++ & (kInputs - 1)];
    int64_t raw = 0;
    const auto err = dmabot::core::parse_decimal(s, false, raw);
    benchmark::DoNotOptimize(err);
    sum += raw;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Strtod(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    const std::string& s = in.text[i++ & (kInputs - 1)];
    char* end = nullptr;
    sum += std::strtod(s.c_str(), &end);
    benchmark::DoNotOptimize(end);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_FromCharsDouble(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    const std::string& s = in.text[i++ & (kInputs - 1)];
    double v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    benchmark::DoNotOptimize(res.ptr);
    sum += v;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_FormatDecimal(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  char buf[dmabot::core::kDecimalBufSize];
  for (auto _ : state) {
    const std::size_t n = dmabot::core::format_decimal(in.raw[i++ & (kInputs - 1)], buf);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_FormatDecimalTrimmed(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  char buf[dmabot::core::kDecimalBufSize];
  for (auto _ : state) {
    const std::size_t n = dmabot::core::format_decimal_trimmed(in.raw[i++ & (kInputs - 1)], buf);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_ToCharsDouble(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  char buf[64];
  for (auto _ : state) {
    auto res = std::to_chars(buf, buf + sizeof(buf), in.value[i++ & (kInputs - 1)]);
    benchmark::DoNotOptimize(res.ptr);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Snprintf8(benchmark::State& state) {
  const Inputs& in = inputs();
  std::size_t i = 0;
  char buf[64];
  for (auto _ : state) {
    const int n = std::snprintf(buf, sizeof(buf), "%.8f", in.value[i++ & (kInputs - 1)]);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

BENCHMARK(BM_ParseDecimal)->Name("decimal_parse/dmabot_parse_decimal");
BENCHMARK(BM_Strtod)->Name("decimal_parse/strtod");
BENCHMARK(BM_FromCharsDouble)->Name("decimal_parse/from_chars_double");

BENCHMARK(BM_FormatDecimal)->Name("decimal_format/dmabot_format_decimal");
BENCHMARK(BM_FormatDecimalTrimmed)->Name("decimal_format/dmabot_format_decimal_trimmed");
BENCHMARK(BM_ToCharsDouble)->Name("decimal_format/to_chars_double_shortest");
BENCHMARK(BM_Snprintf8)->Name("decimal_format/snprintf_8f");

}  // namespace

BENCHMARK_MAIN();
