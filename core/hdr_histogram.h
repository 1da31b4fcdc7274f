// core/hdr_histogram.h — a log-linear latency histogram with ≤ 1% relative bucket width
// (HdrHistogram's layout, two significant decimal digits), for tails that the coarse
// core::LatencyHistogram (~19% buckets) cannot resolve: p99.9 and p99.99 of tick-to-order.
//
// Layout: values 0 .. 2·kSub-1 (0..255) have one bucket each (exact). Above that, every power of two
// [2^k, 2^(k+1)) is split into kSub = 128 equal sub-buckets of width 2^(k-7), so a bucket's width is
// at most 1/128 = 0.78% of its lower bound. A value's bucket is found with one count-leading-zeros
// and one shift (no loop, no floating point). Values above kMaxValue (2^42-1 ≈ 73 minutes in ns)
// land in the last bucket; negative values count as 0. min() and max() are kept exactly.
//
// Quantiles: value_at_quantile(q) walks the buckets to the one holding rank ceil(q·count) and
// answers that bucket's highest value, clamped to [min(), max()] — so it never under-reports and
// over-reports by at most one bucket width (< 1%). q = 1 answers max() exactly.
//
// Threads: one writer (record/reset/add_from on the thread that owns it); any number of readers
// (quantiles, count, export) on other threads at any time. Updates are relaxed load+store on the
// writer's own counters (no locked RMW, as core::Counter), so a concurrent reader sees a slightly
// stale, possibly not mutually consistent snapshot: fine for metrics, exact once the writer stopped.
// Allocation: the bucket array (~37 KB), once, in the constructor. Nothing after that.
// Errors: none; nothing throws except the constructor (bad_alloc).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace dmabot::core {

class HdrHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int64_t kSub = int64_t{1} << kSubBits;  // sub-buckets per power of two
  static constexpr int kMaxBits = 42;                      // values up to 2^42 - 1 are resolved
  static constexpr int64_t kMaxValue = (int64_t{1} << kMaxBits) - 1;
  // Exponents 0 .. kMaxBits-1-kSubBits; bucket index = e·kSub + (v >> e) < (e_max + 2)·kSub.
  static constexpr std::size_t kBuckets = static_cast<std::size_t>(kMaxBits - kSubBits + 1) * kSub;
  // Upper bound of a bucket's width relative to any value in it (tests check it).
  static constexpr double kMaxRelativeWidth = 1.0 / static_cast<double>(kSub);

  HdrHistogram() : buckets_(std::make_unique<std::atomic<uint64_t>[]>(kBuckets)) { reset(); }
  HdrHistogram(const HdrHistogram&) = delete;
  HdrHistogram& operator=(const HdrHistogram&) = delete;

  // Bucket of v (v clamped to [0, kMaxValue]).
  [[nodiscard]] static constexpr std::size_t bucket_index(int64_t v) noexcept {
    const uint64_t u = static_cast<uint64_t>(std::clamp<int64_t>(v, 0, kMaxValue));
    const int msb = 63 - std::countl_zero(u | 1);
    const int e = msb > kSubBits ? msb - kSubBits : 0;
    return static_cast<std::size_t>(e) * kSub + static_cast<std::size_t>(u >> e);
  }
  // Smallest and largest value that map to bucket i.
  [[nodiscard]] static constexpr int64_t bucket_lowest(std::size_t i) noexcept {
    const int64_t idx = static_cast<int64_t>(i);
    if (idx < 2 * kSub) return idx;
    const int64_t e = idx / kSub - 1;
    return (idx - e * kSub) << e;
  }
  [[nodiscard]] static constexpr int64_t bucket_highest(std::size_t i) noexcept {
    const int64_t idx = static_cast<int64_t>(i);
    if (idx < 2 * kSub) return idx;
    const int64_t e = idx / kSub - 1;
    return bucket_lowest(i) + (int64_t{1} << e) - 1;
  }

  // Writer thread.
  void record(int64_t v) noexcept { record_n(v, 1); }
  void record_n(int64_t v, uint64_t n) noexcept {
    if (v < 0) v = 0;
    bump(buckets_[bucket_index(v)], n);
    bump(count_, n);
    sum_.store(sum_.load(std::memory_order_relaxed) + static_cast<uint64_t>(v) * n, std::memory_order_relaxed);
    if (v < min_.load(std::memory_order_relaxed)) min_.store(v, std::memory_order_relaxed);
    if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
  }
  void reset() noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i].store(0, std::memory_order_relaxed);
    count_.store(0, std::memory_order_relaxed);
    sum_.store(0, std::memory_order_relaxed);
    min_.store(INT64_MAX, std::memory_order_relaxed);
    max_.store(0, std::memory_order_relaxed);
  }
  // Adds every sample of `other` (read with relaxed loads: exact when other's writer stopped).
  void add_from(const HdrHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) {
      const uint64_t n = other.bucket_count(i);
      if (n != 0) bump(buckets_[i], n);
    }
    bump(count_, other.count());
    sum_.store(sum_.load(std::memory_order_relaxed) + other.sum(), std::memory_order_relaxed);
    if (other.count() != 0) {
      min_.store(std::min(min_.load(std::memory_order_relaxed), other.min()), std::memory_order_relaxed);
      max_.store(std::max(max_.load(std::memory_order_relaxed), other.max()), std::memory_order_relaxed);
    }
  }

  // Any thread.
  [[nodiscard]] uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t bucket_count(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  // 0 when empty.
  [[nodiscard]] int64_t min() const noexcept { return count() == 0 ? 0 : min_.load(std::memory_order_relaxed); }
  [[nodiscard]] int64_t max() const noexcept { return max_.load(std::memory_order_relaxed); }
  [[nodiscard]] double mean() const noexcept {
    const uint64_t n = count();
    return n == 0 ? 0.0 : static_cast<double>(sum()) / static_cast<double>(n);
  }
  // q in [0, 1] (clamped); 0 when empty.
  [[nodiscard]] int64_t value_at_quantile(double q) const noexcept {
    const uint64_t n = count();
    if (n == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    if (q >= 1.0) return max();
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(n));
    if (static_cast<double>(rank) < q * static_cast<double>(n)) ++rank;  // ceil
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += bucket_count(i);
      if (seen >= rank) return std::clamp(bucket_highest(i), min(), max());
    }
    return max();  // a concurrent writer moved count ahead of the buckets
  }
  // Samples <= v (counted by whole buckets: those whose highest value is <= v). For exporting the
  // fine histogram with coarse cumulative bounds (Prometheus `le`).
  [[nodiscard]] uint64_t count_at_or_below(int64_t v) const noexcept {
    if (v < 0) return 0;
    const std::size_t b = bucket_index(v);
    const std::size_t last = bucket_highest(b) <= v ? b : b - 1;  // b == 0 implies highest(0) == 0 <= v
    uint64_t seen = 0;
    for (std::size_t i = 0; i <= last; ++i) seen += bucket_count(i);
    return seen;
  }

 private:
  static void bump(std::atomic<uint64_t>& a, uint64_t n) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<int64_t> min_{INT64_MAX};
  std::atomic<int64_t> max_{0};
};

static_assert(HdrHistogram::bucket_index(HdrHistogram::kMaxValue) == HdrHistogram::kBuckets - 1);
static_assert(HdrHistogram::bucket_index(255) == 255 && HdrHistogram::bucket_index(256) == 256);
static_assert(HdrHistogram::bucket_lowest(256) == 256 && HdrHistogram::bucket_highest(256) == 257);

}  // namespace dmabot::core
