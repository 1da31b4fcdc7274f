// core/clock.h — one clock type for live and simulated time.
//
// Live: now() reads CLOCK_REALTIME (ns since the epoch, comparable with exchange timestamps).
// Simulated (replay/backtest): now() returns the value the driver last set with advance_to(); the
// fused single-thread runner moves it forward from the event timestamps, so every stage sees the
// same deterministic time. A plain branch, not a virtual call, decides which.
//
// Threads: now() from any thread. advance_to() only from the thread that drives a simulated run.
// Allocation: none.
#pragma once

#include <atomic>
#include <ctime>

#include "core/types.h"

namespace dmabot::core {

[[nodiscard]] inline UnixNanos wall_clock_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<UnixNanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
[[nodiscard]] inline UnixNanos monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<UnixNanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class Clock {
 public:
  static Clock live() { return Clock(false); }
  static Clock simulated(UnixNanos start = 0) {
    Clock c(true);
    c.sim_now_.store(start, std::memory_order_relaxed);
    return c;
  }
  Clock(const Clock& o) : simulated_(o.simulated_), sim_now_(o.sim_now_.load(std::memory_order_relaxed)) {}

  [[nodiscard]] UnixNanos now() const noexcept {
    return simulated_ ? sim_now_.load(std::memory_order_relaxed) : wall_clock_ns();
  }
  [[nodiscard]] bool is_simulated() const noexcept { return simulated_; }
  // Simulated clocks only; time never goes backwards (an older timestamp is ignored).
  void advance_to(UnixNanos t) noexcept {
    if (simulated_ && t > sim_now_.load(std::memory_order_relaxed)) sim_now_.store(t, std::memory_order_relaxed);
  }

 private:
  explicit Clock(bool simulated) : simulated_(simulated) {}
  bool simulated_;
  std::atomic<UnixNanos> sim_now_{0};
};

}  // namespace dmabot::core
