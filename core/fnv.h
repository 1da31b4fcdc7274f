// core/fnv.h — FNV-1a 64-bit: a tiny non-cryptographic hash for fingerprints of in-memory layouts
// (which event layout wrote a binary file: feed/event_cache.h, core/journal.h).
// Threads: a value type. Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dmabot::core {

struct Fnv1a {
  uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 0x100000001b3ull;
    }
  }
  void num(uint64_t v) { bytes(&v, sizeof v); }
};

}  // namespace dmabot::core
