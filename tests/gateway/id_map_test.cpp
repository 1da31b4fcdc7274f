// The fixed open-addressing id map against std::unordered_map under a seeded random workload that
// keeps the table near its entry limit, so backward-shift erasure runs over long probe chains.
#include "gateway/internal/id_map.h"

#include <gtest/gtest.h>

#include <unordered_map>

#include "core/prng.h"

namespace dmabot::gateway::internal {
namespace {

TEST(IdMap, InsertFindEraseAndLimit) {
  IdMap<int> m(2);
  int* a = m.insert(16);
  ASSERT_NE(a, nullptr);
  *a = 1;
  EXPECT_EQ(m.insert(16), nullptr);  // present
  ASSERT_NE(m.insert(32), nullptr);
  EXPECT_TRUE(m.full());
  EXPECT_EQ(m.insert(48), nullptr);  // at the limit
  ASSERT_NE(m.find(16), nullptr);
  EXPECT_EQ(*m.find(16), 1);
  EXPECT_TRUE(m.erase(16));
  EXPECT_FALSE(m.erase(16));
  EXPECT_EQ(m.find(16), nullptr);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_NE(m.insert(48), nullptr);
}

TEST(IdMap, MatchesReferenceUnderChurn) {
  constexpr std::size_t kMax = 200;
  IdMap<uint64_t> m(kMax);
  std::unordered_map<uint64_t, uint64_t> ref;
  core::SplitMix64 rng(99);
  for (int step = 0; step < 200'000; ++step) {
    const uint64_t id = rng.next() % 600;  // small key space: many hits, misses and collisions
    if (rng.next() % 2 == 0) {
      uint64_t* v = m.insert(id);
      const bool expect_ok = ref.count(id) == 0 && ref.size() < kMax;
      ASSERT_EQ(v != nullptr, expect_ok) << "step " << step;
      if (v != nullptr) {
        *v = id * 3;
        ref[id] = id * 3;
      }
    } else {
      ASSERT_EQ(m.erase(id), ref.erase(id) == 1) << "step " << step;
    }
    ASSERT_EQ(m.size(), ref.size());
  }
  for (uint64_t id = 0; id < 600; ++id) {
    const uint64_t* v = m.find(id);
    auto it = ref.find(id);
    ASSERT_EQ(v != nullptr, it != ref.end()) << id;
    if (v != nullptr) {
      EXPECT_EQ(*v, it->second);
    }
  }
}

}  // namespace
}  // namespace dmabot::gateway::internal
