// Tests for core/spsc_ring.h: capacity rounding, full/empty, FIFO, element lifetimes, move-only
// elements, and a two-thread stress run on a tiny ring that checks strict order and count.
// Built twice (tests/core/CMakeLists.txt): the quick tests as core_spsc_ring_test (label unit) and,
// with DMABOT_RING_STRESS=1, the threaded stress tests as core_spsc_ring_stress_test (unit;slow).
#include "core/spsc_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "core/events.h"

namespace dmabot::core {
namespace {

#if !DMABOT_RING_STRESS
TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(0).capacity(), 2u);  // minimum 2
  EXPECT_EQ(SpscRing<int>(1).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(2).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(3).capacity(), 4u);
  EXPECT_EQ(SpscRing<int>(4).capacity(), 4u);
  EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1024).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1025).capacity(), 2048u);
}

TEST(SpscRing, FullAndEmpty) {
  SpscRing<int> r(4);
  EXPECT_EQ(r.front(), nullptr);
  int out = -1;
  EXPECT_FALSE(r.try_pop(out));
  EXPECT_EQ(out, -1);
  EXPECT_TRUE(r.can_push());
  EXPECT_EQ(r.free_slots(), 4u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(r.try_push(i));
  EXPECT_FALSE(r.can_push());
  EXPECT_FALSE(r.try_push(99));
  EXPECT_EQ(r.free_slots(), 0u);
  EXPECT_EQ(r.size_approx(), 4u);
  ASSERT_NE(r.front(), nullptr);
  EXPECT_EQ(*r.front(), 0);
  r.pop();
  EXPECT_TRUE(r.can_push());
  EXPECT_EQ(r.free_slots(), 1u);
  ASSERT_TRUE(r.try_push(4));
  EXPECT_FALSE(r.try_push(5));
  for (int want = 1; want <= 4; ++want) {
    ASSERT_TRUE(r.try_pop(out));
    EXPECT_EQ(out, want);
  }
  EXPECT_EQ(r.front(), nullptr);
  EXPECT_TRUE(r.empty_approx());
}

TEST(SpscRing, FifoAcrossManyWraps) {
  SpscRing<uint64_t> r(8);
  uint64_t next_in = 0;
  uint64_t next_out = 0;
  // Push 3 then pop 2 per round so the fill level and the wrap point keep moving.
  for (int round = 0; round < 1000; ++round) {
    for (int k = 0; k < 3; ++k) {
      if (r.try_push(next_in)) ++next_in;
    }
    for (int k = 0; k < 2; ++k) {
      uint64_t v = 0;
      if (r.try_pop(v)) {
        ASSERT_EQ(v, next_out);
        ++next_out;
      }
    }
  }
  uint64_t v = 0;
  while (r.try_pop(v)) {
    ASSERT_EQ(v, next_out);
    ++next_out;
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_GT(next_in, 1000u);  // the ring wrapped many times (capacity 8)
}

TEST(SpscRing, CarriesSixtyFourByteEvents) {
  static_assert(sizeof(MdTick) <= 64);
  SpscRing<MdTick> r(2);
  MdTick t;
  t.update_id = 42;
  t.bid = Price::from_units(100);
  ASSERT_TRUE(r.try_push(t));
  ASSERT_NE(r.front(), nullptr);
  EXPECT_EQ(r.front()->update_id, 42u);
  EXPECT_EQ(r.front()->bid, Price::from_units(100));
  r.pop();
}

// Counts live instances and catches double destruction through a per-object canary.
struct Tracked {
  static inline std::atomic<int> live{0};
  static inline std::atomic<int> double_destroys{0};
  static constexpr uint32_t kAlive = 0xA11CE;
  static constexpr uint32_t kDead = 0xDEAD;
  uint32_t canary = kAlive;
  int value = 0;

  explicit Tracked(int v) : value(v) { ++live; }
  Tracked(const Tracked& o) : value(o.value) { ++live; }
  Tracked(Tracked&& o) noexcept : value(o.value) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) noexcept = default;
  ~Tracked() {
    if (canary != kAlive) ++double_destroys;
    canary = kDead;
    --live;
  }
};

class SpscRingLifetime : public ::testing::Test {
 protected:
  void SetUp() override {
    Tracked::live = 0;
    Tracked::double_destroys = 0;
  }
};

TEST_F(SpscRingLifetime, PopDestroysEachElementOnce) {
  {
    SpscRing<Tracked> r(4);
    EXPECT_EQ(Tracked::live, 0);  // slots are raw storage: nothing constructed up front
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(r.try_emplace(i));
    EXPECT_EQ(Tracked::live, 4);
    EXPECT_FALSE(r.try_emplace(9));
    EXPECT_EQ(Tracked::live, 4);  // a failed push constructs nothing
    Tracked out(-1);
    EXPECT_EQ(Tracked::live, 5);
    ASSERT_TRUE(r.try_pop(out));
    EXPECT_EQ(out.value, 0);
    EXPECT_EQ(Tracked::live, 4);  // 3 in the ring + out
    r.pop();
    r.pop();
    r.pop();
    EXPECT_EQ(Tracked::live, 1);  // only out
    EXPECT_EQ(r.front(), nullptr);
  }
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_EQ(Tracked::double_destroys, 0);
}

TEST_F(SpscRingLifetime, DestroyingNonEmptyRingDestroysTheRest) {
  {
    SpscRing<Tracked> r(8);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(r.try_emplace(i));
    r.pop();  // 5 left, and the read index is no longer at slot 0
    Tracked t(7);
    ASSERT_TRUE(r.try_push(t));  // copy
    EXPECT_EQ(Tracked::live, 7);  // 6 in the ring + t
  }
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_EQ(Tracked::double_destroys, 0);
}

TEST_F(SpscRingLifetime, WrappedNonEmptyRingDestroysTheRest) {
  {
    SpscRing<Tracked> r(4);
    // Cycle through the slots several times so the live elements straddle the wrap point.
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(r.try_emplace(i));
      if (i >= 2) r.pop();
    }
    EXPECT_EQ(Tracked::live, 2);
    EXPECT_EQ(r.front()->value, 8);
  }
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_EQ(Tracked::double_destroys, 0);
}

TEST(SpscRing, MoveOnlyElements) {
  SpscRing<std::unique_ptr<int>> r(2);
  ASSERT_TRUE(r.try_push(std::make_unique<int>(1)));
  auto p = std::make_unique<int>(2);
  ASSERT_TRUE(r.try_push(std::move(p)));
  EXPECT_EQ(p, nullptr);  // moved in
  auto q = std::make_unique<int>(3);
  EXPECT_FALSE(r.try_push(std::move(q)));
  // A failed push must not consume the argument.
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(*q, 3);
  std::unique_ptr<int> out;
  ASSERT_TRUE(r.try_pop(out));
  EXPECT_EQ(*out, 1);
  ASSERT_NE(r.front(), nullptr);
  EXPECT_EQ(**r.front(), 2);
  // Left in the ring on purpose: the destructor frees it (leak checkers would flag it otherwise).
}

#else  // DMABOT_RING_STRESS
// Item counts: 10M through a roomy ring (the throughput path), fewer through a 4-slot ring, where
// nearly every operation meets a full or empty ring and each handoff may need the peer to be
// scheduled (this machine has 2 cores shared with other work). Fewer again in Debug and under
// sanitizers, to keep each test within a few seconds.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kLargeRingItems = 500'000;
constexpr uint64_t kTinyRingItems = 100'000;
#elif defined(NDEBUG)
constexpr uint64_t kLargeRingItems = 10'000'000;
constexpr uint64_t kTinyRingItems = 1'000'000;
#else
constexpr uint64_t kLargeRingItems = 2'000'000;
constexpr uint64_t kTinyRingItems = 500'000;
#endif

// Spins briefly, then yields: with two threads on a shared 2-core machine the peer may be
// descheduled, and pure spinning on a 4-slot ring would then burn whole time slices.
inline void backoff(int& fails) {
  if (++fails > 64) {
    std::this_thread::yield();
    fails = 0;
  }
}

// Producer sends 0..n-1; the consumer checks that each value is exactly the next one.
void stress_sequence(std::size_t capacity, uint64_t n) {
  SpscRing<uint64_t> r(capacity);
  ASSERT_EQ(r.capacity(), capacity);
  std::thread producer([&] {
    int fails = 0;
    for (uint64_t seq = 0; seq < n;) {
      if (r.try_push(seq)) {
        ++seq;
        fails = 0;
      } else {
        backoff(fails);
      }
    }
  });
  uint64_t expected = 0;
  uint64_t out_of_order = 0;
  int fails = 0;
  while (expected < n) {
    const uint64_t* v = r.front();
    if (v == nullptr) {
      backoff(fails);
      continue;
    }
    fails = 0;
    if (*v != expected) ++out_of_order;
    ++expected;
    r.pop();
  }
  producer.join();
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(expected, n);
  EXPECT_EQ(r.front(), nullptr);  // nothing extra arrived
}

TEST(SpscRingStress, TwoThreadsTinyRingStrictOrder) { stress_sequence(4, kTinyRingItems); }

TEST(SpscRingStress, TwoThreadsLargeRingStrictOrder) { stress_sequence(1024, kLargeRingItems); }

// Same on 64-byte events: a torn read (slot reused before the consumer finished) shows up as a
// mismatch between fields written together.
TEST(SpscRingStress, TwoThreadsWholeEventsArriveIntact) {
  constexpr uint64_t kItems = kTinyRingItems / 4;
  SpscRing<MdTick> r(4);
  std::thread producer([&] {
    int fails = 0;
    for (uint64_t seq = 0; seq < kItems;) {
      MdTick t;
      t.update_id = seq;
      t.ts_local = static_cast<int64_t>(seq * 3);
      t.bid = Price::from_raw(static_cast<int64_t>(seq * 7));
      t.ask_qty = Qty::from_raw(static_cast<int64_t>(~seq));
      if (r.try_push(t)) {
        ++seq;
        fails = 0;
      } else {
        backoff(fails);
      }
    }
  });
  uint64_t expected = 0;
  uint64_t bad = 0;
  int fails = 0;
  while (expected < kItems) {
    MdTick t;
    if (!r.try_pop(t)) {
      backoff(fails);
      continue;
    }
    fails = 0;
    if (t.update_id != expected || t.ts_local != static_cast<int64_t>(expected * 3) ||
        t.bid.raw != static_cast<int64_t>(expected * 7) || t.ask_qty.raw != static_cast<int64_t>(~expected)) {
      ++bad;
    }
    ++expected;
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(expected, kItems);
}

#endif  // DMABOT_RING_STRESS

}  // namespace
}  // namespace dmabot::core
