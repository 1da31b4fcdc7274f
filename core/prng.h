// core/prng.h — splitmix64, the seeded PRNG of the mock market, the simulated venues and the
// simulations.
//
// Tiny state, a fixed algorithm (same numbers on every platform and compiler, unlike the
// distributions in <random>), good enough statistics for coin flips. Not for cryptography.
// Threads: one owner. Allocation: none.
#pragma once

#include <cstdint>

namespace dmabot::core {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) noexcept : state_(seed) {}
  [[nodiscard]] uint64_t next() noexcept {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits; `uniform() < p` is true with probability p, never for
  // p = 0 and always for p = 1.
  [[nodiscard]] double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace dmabot::core
