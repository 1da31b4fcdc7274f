// core/spsc_ring.h — the bounded single-producer single-consumer ring that is every bus.
//
// Why it looks like this:
//  * Capacity is a power of two so a slot index is `seq & mask`, no division.
//  * The producer's write index and the consumer's read index live on separate cache lines, and each
//    side keeps a private cached copy of the other side's index on its own line. The shared line is
//    only read when the cached value says "full" (producer) or "empty" (consumer), so in steady state
//    each side touches only its own lines.
//  * Ordering: a side loads its own index relaxed (nobody else writes it), loads the other side's
//    index with acquire (to see the slot contents it published) and publishes its own with release.
//    No fences, no read-modify-write instructions.
//  * Indices are free-running 64-bit counters; they never wrap in practice.
//  * Slots are raw storage: elements are constructed on push and destroyed on pop, so non-trivial
//    types work (the tests track lifetimes), though the buses carry trivially copyable events.
//
// Threads: try_push/emplace from exactly one producer thread; front/pop/try_pop from exactly one
// consumer thread; size_approx/capacity from anywhere.
// Allocation: the slot array, once, in the constructor. Nothing after that.
// Errors: try_push returns false when full; front returns nullptr when empty. Nothing throws except
// the constructor (bad_alloc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dmabot::core {

inline constexpr std::size_t kCacheLine = 64;

template <class T>
class SpscRing {
 public:
  // capacity is rounded up to a power of two (minimum 2).
  explicit SpscRing(std::size_t capacity) : mask_(round_up_pow2(capacity) - 1) {
    slots_ = static_cast<Slot*>(::operator new[](sizeof(Slot) * (mask_ + 1), std::align_val_t{alignof(Slot)}));
  }
  ~SpscRing() {
    while (front() != nullptr) pop();
    ::operator delete[](slots_, std::align_val_t{alignof(Slot)});
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer side ------------------------------------------------------------------------------
  template <class... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    const uint64_t w = prod_.write.load(std::memory_order_relaxed);
    if (w - prod_.read_cache > mask_) {
      prod_.read_cache = cons_.read.load(std::memory_order_acquire);
      if (w - prod_.read_cache > mask_) return false;
    }
    ::new (static_cast<void*>(&slots_[w & mask_].storage)) T(std::forward<Args>(args)...);
    prod_.write.store(w + 1, std::memory_order_release);
    return true;
  }
  [[nodiscard]] bool try_push(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) { return try_emplace(v); }
  [[nodiscard]] bool try_push(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) { return try_emplace(std::move(v)); }
  // True when a push would succeed now (producer thread only).
  [[nodiscard]] bool can_push() noexcept {
    const uint64_t w = prod_.write.load(std::memory_order_relaxed);
    if (w - prod_.read_cache <= mask_) return true;
    prod_.read_cache = cons_.read.load(std::memory_order_acquire);
    return w - prod_.read_cache <= mask_;
  }
  // Free slots as seen by the producer (refreshes the cache).
  [[nodiscard]] std::size_t free_slots() noexcept {
    prod_.read_cache = cons_.read.load(std::memory_order_acquire);
    return static_cast<std::size_t>(mask_ + 1 - (prod_.write.load(std::memory_order_relaxed) - prod_.read_cache));
  }

  // Consumer side ------------------------------------------------------------------------------
  [[nodiscard]] T* front() noexcept {
    const uint64_t r = cons_.read.load(std::memory_order_relaxed);
    // `>=`, not `==`: pop() is valid whenever the ring is non-empty (e.g. after size_approx()),
    // not only after front(), so read may have moved past a stale write_cache.
    if (r >= cons_.write_cache) {
      cons_.write_cache = prod_.write.load(std::memory_order_acquire);
      if (r == cons_.write_cache) return nullptr;
    }
    return std::launder(reinterpret_cast<T*>(&slots_[r & mask_].storage));
  }
  // Precondition: front() != nullptr.
  void pop() noexcept {
    const uint64_t r = cons_.read.load(std::memory_order_relaxed);
    std::launder(reinterpret_cast<T*>(&slots_[r & mask_].storage))->~T();
    cons_.read.store(r + 1, std::memory_order_release);
  }
  [[nodiscard]] bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    T* p = front();
    if (p == nullptr) return false;
    out = std::move(*p);
    pop();
    return true;
  }

  // Anywhere (approximate while both sides run).
  [[nodiscard]] std::size_t size_approx() const noexcept {
    const uint64_t r = cons_.read.load(std::memory_order_acquire);
    const uint64_t w = prod_.write.load(std::memory_order_acquire);
    return w >= r ? static_cast<std::size_t>(w - r) : 0;
  }
  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }
  // The two position counters (events ever written / read), for a driver that watches many rings of
  // different types at once (Engine's quiescence check). Read-only views; relaxed/acquire loads only.
  [[nodiscard]] const std::atomic<uint64_t>& written_counter() const noexcept { return prod_.write; }
  [[nodiscard]] const std::atomic<uint64_t>& read_counter() const noexcept { return cons_.read; }
  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(mask_ + 1); }

 private:
  static uint64_t round_up_pow2(std::size_t n) {
    uint64_t c = 2;
    while (c < n) c <<= 1;
    return c;
  }
  struct alignas(kCacheLine) Slot {
    alignas(alignof(T)) unsigned char storage[sizeof(T)];
  };
  struct alignas(kCacheLine) ProducerSide {
    std::atomic<uint64_t> write{0};
    uint64_t read_cache = 0;  // producer's view of cons_.read
  };
  struct alignas(kCacheLine) ConsumerSide {
    std::atomic<uint64_t> read{0};
    uint64_t write_cache = 0;  // consumer's view of prod_.write
  };
  static_assert(sizeof(ProducerSide) == kCacheLine && sizeof(ConsumerSide) == kCacheLine);

  const uint64_t mask_;
  Slot* slots_ = nullptr;
  alignas(kCacheLine) ProducerSide prod_;
  ConsumerSide cons_;
};

}  // namespace dmabot::core
