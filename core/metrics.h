// core/metrics.h — counters, gauges and latency histograms that the hot path can update for the cost
// of a relaxed atomic add, and a registry that renders them in the Prometheus text format.
//
// Ownership model: each metric object is written by exactly one thread (the stage that owns it) and
// read by the exporter thread, so updates are relaxed load+store (no locked RMW) and reads are
// relaxed loads. Counter::inc_shared() exists for the rare metric written by several threads.
// Objects are cache-line aligned so two stages' metrics never share a line.
//
// Registration (Registry::add_*) happens at start-up and allocates; rendering (Registry::render)
// runs on the metrics HTTP thread and allocates; updating never allocates.
//
// Names: every family is exported under the registry's namespace, "dmabot_" by default, applied at
// registration: add_counter("ticks_total", ...) exports dmabot_ticks_total (a name that already
// starts with the namespace is kept). Code names stay greppable — grep ticks_total finds both the
// code and the exported name — and lookups (counter_total, counter_value) take either spelling.
// Conventions (Prometheus): counters end in _total, histograms are in seconds and end in _seconds;
// tests/tools/ops_test.cpp checks them on a real engine's registry.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/hdr_histogram.h"
#include "core/runner.h"
#include "core/spsc_ring.h"

namespace dmabot::core {

class alignas(kCacheLine) Counter {
 public:
  // Single-writer increment: a relaxed load and store, no lock prefix.
  void inc(uint64_t n = 1) noexcept { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  // Multi-writer increment (atomic RMW). Use only off the hot path or where writers really share.
  void inc_shared(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class alignas(kCacheLine) Gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  [[nodiscard]] double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

// Latency histogram in nanoseconds with fixed log-spaced bucket bounds (4 per power of two from
// 64 ns to ~17 s). Single writer. Quantiles are estimated from bucket bounds (upper bound of the
// bucket holding the rank), so they are conservative by at most one bucket width (~19%).
class alignas(kCacheLine) LatencyHistogram {
 public:
  static constexpr int kBuckets = 4 * 28 + 1;  // last bucket = +Inf
  LatencyHistogram();
  void record(int64_t ns) noexcept;
  [[nodiscard]] uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t sum_ns() const noexcept { return sum_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t bucket_count(int i) const noexcept { return buckets_[i].load(std::memory_order_relaxed); }
  [[nodiscard]] static int64_t bucket_upper_ns(int i) noexcept;  // INT64_MAX for the last
  // q in [0,1]; 0 when empty.
  [[nodiscard]] int64_t quantile_ns(double q) const noexcept;
  [[nodiscard]] static int bucket_index(int64_t ns) noexcept;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
};

// Label set rendered verbatim between braces, e.g. {symbol="BTCUSDT",venue="mock"}. Values are
// escaped at registration.
struct Labels {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string render() const;  // "" or {k="v",...}
};

// Owns metric objects (stable addresses) and renders them. Thread-safe for add_* vs render via a
// mutex (both cold); metric updates never touch the mutex.
class Registry {
 public:
  static constexpr std::string_view kDefaultNamespace = "dmabot_";
  explicit Registry(std::string name_space = std::string(kDefaultNamespace)) : namespace_(std::move(name_space)) {}

  Counter& add_counter(std::string name, std::string help, Labels labels = {});
  Gauge& add_gauge(std::string name, std::string help, Labels labels = {});
  LatencyHistogram& add_histogram(std::string name, std::string help, Labels labels = {});
  // A latency whose tail matters (tick_to_order_seconds): recorded at ≤ 1% resolution
  // (core::HdrHistogram, one writer) and exported as a Prometheus histogram whose `le` bounds are
  // chosen at render time: kFineExportPerOctave (8) per power of two, ≈ 9% apart, from 256 ns to
  // 2^30 ns (~1.07 s), then +Inf. Each bound's count is the sum of the fine buckets that lie wholly at
  // or below it, so a sample within 1% below a bound may be counted in the next one.
  HdrHistogram& add_fine_histogram(std::string name, std::string help, Labels labels = {});
  static constexpr int kFineExportPerOctave = 8;
  static constexpr int kFineExportFirstShift = 8;  // 256 ns
  static constexpr int kFineExportLastShift = 30;  // ~1.07 s
  // Gauge whose value is computed at render time (e.g. ring backlog). Called on the render thread.
  void add_callback_gauge(std::string name, std::string help, Labels labels, double (*fn)(const void*),
                          const void* ctx);

  // Prometheus text exposition format 0.0.4, families grouped with one HELP/TYPE each.
  std::string render() const;
  // Sum of every counter named `name` (all label sets); for summaries and tests.
  uint64_t counter_total(std::string_view name) const;
  // Value of one counter by exact rendered labels; 0 when absent.
  uint64_t counter_value(std::string_view name, const Labels& labels) const;
  // The exported name of `name` (the namespace prepended unless already there).
  [[nodiscard]] std::string exported_name(std::string_view name) const;
  // Every registered family, exported name and type ("counter", "gauge", "histogram"), in
  // registration order (tests, ops checks).
  struct FamilyInfo {
    std::string name, type;
  };
  [[nodiscard]] std::vector<FamilyInfo> families() const;

 private:
  enum class Type : uint8_t { kCounter, kGauge, kHistogram, kCallbackGauge, kFineHistogram };
  struct Family {
    std::string name, help;
    Type type;
  };
  struct Series {
    std::size_t family;
    std::string labels;  // rendered
    const void* metric;
    double (*fn)(const void*) = nullptr;
  };
  std::size_t family_index(const std::string& name, const std::string& help, Type t);
  std::string namespace_;
  mutable std::mutex mu_;
  std::vector<Family> families_;
  std::vector<Series> series_;
  std::deque<Counter> counters_;
  std::deque<Gauge> gauges_;
  std::deque<LatencyHistogram> histograms_;
  std::deque<HdrHistogram> fine_histograms_;
};

}  // namespace dmabot::core
