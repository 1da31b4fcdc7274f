// HdrHistogram: every value lands in a bucket whose bounds hold it and whose width is ≤ 1% of it;
// quantiles of known distributions agree with the exact (sorted) answer within one bucket width.
#include "core/hdr_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace dmabot::core {
namespace {

// The exact value at quantile q of sorted samples, with the histogram's rank rule (ceil(q*n), >= 1).
int64_t exact_quantile(const std::vector<int64_t>& sorted, double q) {
  const double n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(HdrHistogram, EveryBucketHoldsItsValuesAndIsAtMostOnePercentWide) {
  // Contiguous and non-overlapping: bucket i+1 starts right after bucket i ends.
  for (std::size_t i = 0; i + 1 < HdrHistogram::kBuckets; ++i) {
    ASSERT_EQ(HdrHistogram::bucket_highest(i) + 1, HdrHistogram::bucket_lowest(i + 1)) << i;
  }
  EXPECT_EQ(HdrHistogram::bucket_highest(HdrHistogram::kBuckets - 1), HdrHistogram::kMaxValue);
  // Exact below 256, then width / lowest <= 1/128 everywhere.
  for (int64_t v = 0; v < 256; ++v) EXPECT_EQ(HdrHistogram::bucket_index(v), static_cast<std::size_t>(v));
  double worst = 0.0;
  for (std::size_t i = 256; i < HdrHistogram::kBuckets; ++i) {
    const double width = static_cast<double>(HdrHistogram::bucket_highest(i) - HdrHistogram::bucket_lowest(i) + 1);
    worst = std::max(worst, width / static_cast<double>(HdrHistogram::bucket_lowest(i)));
  }
  EXPECT_LE(worst, HdrHistogram::kMaxRelativeWidth);
  EXPECT_LE(worst, 0.01);
  // Random values over the whole range, and the edges of every power of two.
  std::mt19937_64 rng(42);
  for (int k = 0; k < 200000; ++k) {
    const int bits = static_cast<int>(rng() % HdrHistogram::kMaxBits) + 1;
    const int64_t v = static_cast<int64_t>(rng() & ((uint64_t{1} << bits) - 1));
    const std::size_t b = HdrHistogram::bucket_index(v);
    ASSERT_LE(HdrHistogram::bucket_lowest(b), v);
    ASSERT_GE(HdrHistogram::bucket_highest(b), v);
  }
  for (int p = 1; p < HdrHistogram::kMaxBits; ++p) {
    const int64_t edge = int64_t{1} << p;
    for (int64_t v : {edge - 1, edge, edge + 1}) {
      const std::size_t b = HdrHistogram::bucket_index(v);
      EXPECT_LE(HdrHistogram::bucket_lowest(b), v);
      EXPECT_GE(HdrHistogram::bucket_highest(b), v);
    }
  }
}

TEST(HdrHistogram, OutOfRangeValuesAreClampedButMinMaxStayExact) {
  HdrHistogram h;
  h.record(-5);
  h.record(HdrHistogram::kMaxValue + 1000);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), HdrHistogram::kMaxValue + 1000);
  EXPECT_EQ(h.bucket_count(0), 1u);
  EXPECT_EQ(h.bucket_count(HdrHistogram::kBuckets - 1), 1u);
  EXPECT_EQ(h.value_at_quantile(1.0), HdrHistogram::kMaxValue + 1000);
}

TEST(HdrHistogram, EmptyAnswersZero) {
  HdrHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.value_at_quantile(0.5), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(HdrHistogram, UniformIntegersQuantilesWithinOnePercent) {
  HdrHistogram h;
  for (int64_t v = 1; v <= 1'000'000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1'000'000u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), 500'000.5);
  for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}) {
    const double exact = q * 1'000'000.0;
    const auto got = static_cast<double>(h.value_at_quantile(q));
    EXPECT_GE(got, exact) << q;  // never under-reports
    EXPECT_LE(got, exact * 1.01) << q;
  }
  EXPECT_EQ(h.value_at_quantile(1.0), 1'000'000);
  EXPECT_EQ(h.value_at_quantile(0.0), 1);
}

TEST(HdrHistogram, LogNormalAndBimodalQuantilesMatchSortedSamples) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> lat(std::log(2000.0), 1.2);  // ~2 us median, heavy tail
  std::vector<int64_t> samples;
  HdrHistogram h;
  for (int i = 0; i < 300000; ++i) {
    // 95% fast path around 2 us, 5% slow path around 300 us (a bimodal tail, like a scheduler hit).
    const double base = (i % 20 == 0) ? 150.0 * lat(rng) : lat(rng);
    const auto v = static_cast<int64_t>(base);
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999, 0.9999}) {
    const int64_t exact = exact_quantile(samples, q);
    const int64_t got = h.value_at_quantile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * (1.0 + HdrHistogram::kMaxRelativeWidth) + 1.0)
        << q;
  }
  EXPECT_EQ(h.value_at_quantile(1.0), samples.back());
  EXPECT_EQ(h.min(), samples.front());
}

TEST(HdrHistogram, RecordNAddFromAndReset) {
  HdrHistogram a, b;
  a.record_n(1000, 99);
  b.record(50'000);
  a.add_from(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.max(), 50'000);
  EXPECT_EQ(a.min(), 1000);
  EXPECT_EQ(a.sum(), 99u * 1000u + 50'000u);
  EXPECT_EQ(a.value_at_quantile(0.99), 1003);  // rank 99: the bucket [1000, 1003] (width 4 at 2^9)
  EXPECT_EQ(a.value_at_quantile(0.995), 50'000);
  EXPECT_EQ(a.count_at_or_below(999), 0u);
  EXPECT_EQ(a.count_at_or_below(1002), 0u);  // whole buckets only
  EXPECT_EQ(a.count_at_or_below(1003), 99u);
  EXPECT_EQ(a.count_at_or_below(49'000), 99u);
  EXPECT_EQ(a.count_at_or_below(1'000'000), 100u);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.count_at_or_below(1'000'000), 0u);
  EXPECT_EQ(a.value_at_quantile(0.5), 0);
}

}  // namespace
}  // namespace dmabot::core
