// TscClock: after calibration its nanoseconds advance at CLOCK_MONOTONIC's rate, start on
// CLOCK_REALTIME's scale and never go backwards.
#include "core/tsc_clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

#include "core/clock.h"

namespace dmabot::core {
namespace {

// (monotonic, tsc ns) read close together: retried until the monotonic pair around the TSC read is
// within 50 us (a preemption between the reads would skew the comparison).
struct Pair {
  int64_t mono = 0;
  int64_t tsc = 0;
};
Pair read_pair(const TscClock& c) {
  for (;;) {
    const int64_t m0 = monotonic_ns();
    const int64_t t = c.now_ns();
    const int64_t m1 = monotonic_ns();
    if (m1 - m0 < 50'000) return Pair{m0 + (m1 - m0) / 2, t};
  }
}

TEST(TscClock, AdvancesAtTheMonotonicRate) {
  TscClock c;
  c.calibrate(20'000'000);
  EXPECT_GT(c.ghz(), 0.0);
  const Pair a = read_pair(c);
  const int64_t until = a.mono + 200'000'000;
  while (monotonic_ns() < until) {
  }
  const Pair b = read_pair(c);
  const double mono = static_cast<double>(b.mono - a.mono);
  const double tsc = static_cast<double>(b.tsc - a.tsc);
  EXPECT_NEAR(tsc / mono, 1.0, 0.05) << "tsc " << tsc << " ns vs monotonic " << mono << " ns";
}

TEST(TscClock, StartsOnTheWallClockScaleAndIsMonotone) {
  TscClock c;
  c.calibrate(10'000'000);
  // Within a second of CLOCK_REALTIME (exactly, less the drift over the calibration and a preemption).
  EXPECT_LT(std::llabs(c.now_ns() - wall_clock_ns()), 1'000'000'000);
  int64_t prev = c.now_ns();
  for (int i = 0; i < 100'000; ++i) {
    const int64_t t = c.now_ns();
    ASSERT_GE(t, prev);
    prev = t;
  }
}

}  // namespace
}  // namespace dmabot::core
