// core/tap.h — lossless hand-off of a copy of an event to a cold consumer (the recorder).
//
// The recorder must never lose an event, so a producer whose tap ring is full waits for room. The
// wait spins briefly, then yields, and counts once per wait in `waits` (recorder_waits_total), so a
// slow disk shows up in the metrics instead of as missing lines. The consumer of a tap ring always
// runs on its own thread, so the wait cannot deadlock a fused stage group.
//
// Threads: the producer of `ring` only. Allocation: none.
#pragma once

#include <sched.h>

#include "core/metrics.h"
#include "core/spsc_ring.h"

namespace dmabot::core {

template <class T>
inline void tap_blocking(SpscRing<T>* ring, const T& e, Counter* waits) noexcept {
  if (ring == nullptr) return;
  if (ring->try_push(e)) return;
  if (waits != nullptr) waits->inc();
  for (int spins = 0; !ring->try_push(e); ++spins) {
    if (spins > 64) sched_yield();
  }
}

}  // namespace dmabot::core
