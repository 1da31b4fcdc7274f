// core/tsc_clock.h — nanosecond timestamps from the CPU's time-stamp counter, for latency
// measurement where clock_gettime's ~20-50 ns (in this VM) would be a large part of what is measured.
//
// calibrate() reads (TSC, CLOCK_MONOTONIC, CLOCK_REALTIME) together, spins for `spin_ns` of
// CLOCK_MONOTONIC, reads the pair again and keeps the ratio. now_ns() is then one rdtsc, one
// subtraction and one multiply, on CLOCK_REALTIME's scale (ns since the epoch at calibration, moving
// at CLOCK_MONOTONIC's rate), so its values can stand where the engine puts wall times (ts_local) and
// be subtracted from each other. It is meant for the duration of a measurement (seconds to minutes):
// over hours it drifts from CLOCK_REALTIME as NTP slews the latter; recalibrate for long runs.
// Assumes an invariant TSC (constant_tsc + nonstop_tsc in /proc/cpuinfo, true on every x86-64 server
// and VM of the last decade); invariant_tsc() says whether the kernel reports it. On other
// architectures now_ns() falls back to CLOCK_MONOTONIC (same scale, same epoch shift).
//
// Threads: calibrate() once, on one thread, before sharing; now_ns() const, from any thread.
// Allocation: none (invariant_tsc() reads /proc/cpuinfo and allocates; call it at start-up).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "core/clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define DMABOT_HAVE_RDTSC 1
#else
#define DMABOT_HAVE_RDTSC 0
#endif

namespace dmabot::core {

class TscClock {
 public:
  [[nodiscard]] static uint64_t ticks() noexcept {
#if DMABOT_HAVE_RDTSC
    return __rdtsc();
#else
    return static_cast<uint64_t>(monotonic_ns());
#endif
  }

  // Spins spin_ns (default 100 ms) of CLOCK_MONOTONIC to measure the TSC rate.
  void calibrate(int64_t spin_ns = 100'000'000) noexcept {
    const int64_t mono0 = monotonic_ns();
    const uint64_t tsc0 = ticks();
    const int64_t wall0 = wall_clock_ns();
    int64_t mono1 = mono0;
    while (mono1 - mono0 < spin_ns) mono1 = monotonic_ns();
    const uint64_t tsc1 = ticks();
    ns_per_tick_ = tsc1 > tsc0 ? static_cast<double>(mono1 - mono0) / static_cast<double>(tsc1 - tsc0) : 1.0;
    tsc0_ = tsc0;
    base_ns_ = wall0;
  }

  [[nodiscard]] int64_t now_ns() const noexcept { return to_ns(ticks()); }
  [[nodiscard]] int64_t to_ns(uint64_t tsc) const noexcept {
    return base_ns_ + static_cast<int64_t>(static_cast<double>(static_cast<int64_t>(tsc - tsc0_)) * ns_per_tick_);
  }
  [[nodiscard]] double ghz() const noexcept { return 1.0 / ns_per_tick_; }

  // True when /proc/cpuinfo lists both constant_tsc and nonstop_tsc (cold; allocates).
  [[nodiscard]] static bool invariant_tsc() {
#if DMABOT_HAVE_RDTSC
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("flags", 0) == 0) {
        return line.find(" constant_tsc") != std::string::npos && line.find(" nonstop_tsc") != std::string::npos;
      }
    }
#endif
    return false;
  }

 private:
  uint64_t tsc0_ = 0;
  int64_t base_ns_ = 0;
  double ns_per_tick_ = 1.0;
};

}  // namespace dmabot::core
