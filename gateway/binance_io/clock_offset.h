// gateway/binance_io/clock_offset.h — the offset between this machine's clock and Binance's, for the
// `timestamp` of SIGNED requests (Binance refuses one more than 1 s ahead of its clock or older than
// recvWindow: -1021).
//
// A sync round sends N sequential GET /api/v3/time (spot) or /fapi/v1/time (USD-M) and keeps the
// sample with the smallest round trip: the server stamped its time somewhere inside that trip, and
// the midpoint (local send + RTT/2) is the best guess of when; the smaller the trip, the smaller the
// error (at most RTT/2, plus the 1 ms truncation of serverTime, for which half a millisecond is added).
// The owner runs a round at start, again when needs_sync() says so (refresh_ms elapsed, or resync()
// was called — the caller does that on -1021), and may feed samples it got otherwise (add_sample).
//
// Threads: now_server_ms()/offset_ms()/resync()/needs_sync() from any thread (atomics). sync() from one
// thread at a time, begin_round/add_sample/commit from one (other) thread at a time: a sync() round
// keeps its samples on its own stack, so the venue's control thread may run the periodic rounds while
// the gateway feeds its -1021 sample (each commit publishes its own round; the three atomics may for a
// moment mix two rounds' values, each a valid measurement). sync() needs a RestClient whose responses
// nobody else reads (give the clock its own: one extra keep-alive connection).
// Allocation: none, except sync() (status strings on failure).
// Errors: sync() returns a status naming what failed (no sample: every request failed, with the last
// outcome/HTTP status); the previous offset is then kept.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/binance/order_messages.h"

namespace dmabot::binance_io {

class RestClient;

class ClockOffset {
 public:
  struct Options {
    int samples = 5;  // requests per round
    int64_t refresh_ms = 60'000;
  };
  ClockOffset() : ClockOffset(Options{}) {}
  explicit ClockOffset(Options o) : opt_(o) {}

  // Server time now, in ms: the local wall clock plus the offset (0 before the first round).
  [[nodiscard]] int64_t now_server_ms() const noexcept;
  [[nodiscard]] int64_t server_ms_at(int64_t local_wall_ns) const noexcept;
  // Server minus local, in ns (for logs/metrics).
  [[nodiscard]] int64_t offset_ns() const noexcept { return offset_ns_.load(std::memory_order_relaxed); }
  // Round trip of the sample the offset came from (-1: no round yet).
  [[nodiscard]] int64_t best_rtt_ns() const noexcept { return rtt_ns_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool synced() const noexcept { return rtt_ns_.load(std::memory_order_relaxed) >= 0; }

  // The offset is suspect (a -1021): needs_sync() answers true until the next round commits.
  void resync() noexcept { stale_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool needs_sync(int64_t local_wall_ns) const noexcept;

  // A round by hand: begin, add samples, commit (false when the round had no sample).
  void begin_round() noexcept { round_ = Round{}; }
  void add_sample(int64_t send_wall_ns, int64_t recv_wall_ns, int64_t server_time_ms) noexcept {
    add(round_, send_wall_ns, recv_wall_ns, server_time_ms);
  }
  bool commit(int64_t local_wall_ns) noexcept { return publish(round_, local_wall_ns); }
  // Rounds committed since construction (sync() and by hand).
  [[nodiscard]] uint64_t rounds() const noexcept { return rounds_.load(std::memory_order_relaxed); }

  // A whole round over `client` (blocking, up to `timeout` per request).
  [[nodiscard]] absl::Status sync(RestClient& client, const binance::RestTarget& time_endpoint,
                                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

 private:
  struct Round {
    int64_t best_rtt_ns = -1;
    int64_t offset_ns = 0;
  };
  static void add(Round& r, int64_t send_wall_ns, int64_t recv_wall_ns, int64_t server_time_ms) noexcept;
  bool publish(const Round& r, int64_t local_wall_ns) noexcept;

  Options opt_;
  std::atomic<int64_t> offset_ns_{0};
  std::atomic<int64_t> rtt_ns_{-1};
  std::atomic<int64_t> synced_at_ns_{0};
  std::atomic<bool> stale_{true};
  std::atomic<uint64_t> rounds_{0};
  Round round_;  // begin_round/add_sample/commit's
  uint64_t tag_ = 0;
};

}  // namespace dmabot::binance_io
