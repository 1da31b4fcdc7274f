// feed/mock_feed.h — the mock market: seeded random-walk bookTicker ticks for many symbols.
//
// RandomWalkMarket is the pure generator: the same seed and parameters give the same sequence of
// (symbol, bid, ask, sizes, update id) on every run and machine — only ts_local, stamped from the
// clock, differs between live runs. Each step picks a symbol uniformly, moves its log-mid by a
// Gaussian step of `vol_bps` basis points, and quotes a spread of 1..spread_ticks ticks around it,
// bid floored and ask ceiled to the instrument tick.
//
// MockFeed is the stage around it: it paces generation at MOCK_RATE ticks per second of the clock
// (a high rate generates bursts of up to a batch per poll; MOCK_RATE=0 means as fast as the
// consumers take them), and fans each tick out to every output whose shard owns the symbol
// (symbol % shard_count == shard_index), so one symbol's ticks stay in order for its worker. A tick
// that cannot be delivered because an output ring is full stays pending — generation pauses, nothing
// is dropped or reordered.
//
// Threads: the MockFeed stage runs on one thread; stop() may be called from any thread.
// Allocation: at construction only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/prng.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"

namespace dmabot::feed {

struct MockFeedParams {
  double rate_per_sec = 1000;        // MOCK_RATE; 0 = unthrottled
  uint64_t seed = 1;                 // MOCK_SEED
  double vol_bps = 2.0;              // MOCK_VOL_BPS: stdev of one step of the log-mid, in bps
  int spread_ticks = 3;              // MOCK_SPREAD_TICKS: max quoted spread in ticks (>= 1)
  std::vector<double> start_px;      // MOCK_START_PX: one per symbol (a single value applies to all)
  uint64_t max_ticks = 0;            // MOCK_MAX_TICKS: stop after this many (0 = unlimited)

  // Reads the MOCK_* feed keys; `symbols` is the number of configured symbols.
  static absl::StatusOr<MockFeedParams> from_config(core::Config& cfg, std::size_t symbols);
};

class RandomWalkMarket {
 public:
  RandomWalkMarket(const MockFeedParams& p, const core::SymbolTable& symbols);
  // Writes the next tick (ts_local and ts_exchange left to the caller).
  void next(core::MdTick& out) noexcept;

 private:
  double next_gaussian() noexcept;
  const core::SymbolTable& symbols_;
  double vol_;
  int spread_ticks_;
  core::SplitMix64 rng_;
  std::vector<double> log_mid_;
  std::vector<uint64_t> update_id_;
};

struct FeedOutput {
  core::SpscRing<core::MdTick>* ring = nullptr;
  uint32_t shard_count = 1;
  uint32_t shard_index = 0;
};

class MockFeed final : public core::Stage {
 public:
  // ticks_by_symbol: one counter per symbol (ticks_total{symbol}); record_out/recorder_waits nullable.
  MockFeed(const MockFeedParams& p, const core::SymbolTable& symbols, const core::Clock& clock,
           std::vector<FeedOutput> outputs, std::vector<core::Counter*> ticks_by_symbol,
           core::SpscRing<core::MdTick>* record_out, core::Counter* recorder_waits);

  int poll() override;
  std::string_view name() const override { return "mock_feed"; }
  // When the next paced tick is due (a simulated-time driver jumps there when all stages idle).
  int64_t next_wakeup() const override {
    return finished_.load(std::memory_order_relaxed) || period_ns_ == 0 ? kNever : next_due_;
  }

  void stop() { stopped_.store(true, std::memory_order_release); }
  uint64_t generated() const { return generated_.load(std::memory_order_relaxed); }
  // True when max_ticks is reached (or stop() was called) and nothing is pending.
  bool finished() const { return finished_.load(std::memory_order_acquire); }

 private:
  bool deliver_pending() noexcept;
  RandomWalkMarket market_;
  const core::Clock& clock_;
  std::vector<FeedOutput> outputs_;
  std::vector<core::Counter*> ticks_by_symbol_;
  core::SpscRing<core::MdTick>* record_out_;
  core::Counter* recorder_waits_;
  double rate_;
  uint64_t max_ticks_;
  int64_t period_ns_ = 0;
  int64_t next_due_ = 0;
  core::MdTick pending_{};
  uint64_t pending_mask_ = 0;  // outputs still owed the pending tick
  std::atomic<bool> stopped_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> generated_{0};
};

}  // namespace dmabot::feed
