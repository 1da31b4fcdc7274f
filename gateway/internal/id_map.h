// gateway/internal/id_map.h — fixed-capacity open-addressing map from a 64-bit client order id to a
// small value, for the per-order state of the router and the venues.
//
// Why not absl::flat_hash_map: erasing leaves tombstones, and whether a later insert rehashes (and
// allocates) depends on the tombstone count and the Abseil version. Here the table is sized once to
// at least twice the entry limit (load <= 50%, short probes), uses linear probing, and erases by
// backward shift, so there are never tombstones and never an allocation after construction.
//
// Threads: one owner thread. Allocation: the slot array, in the constructor only.
// Errors: insert() returns nullptr when the id is present or the map holds max_entries() ids.
// Pointers returned by find()/insert() stay valid until the next insert() or erase().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmabot::gateway::internal {

template <class V>
class IdMap {
 public:
  explicit IdMap(std::size_t max_entries) : max_(max_entries) {
    std::size_t cap = 16;
    while (cap < 2 * max_entries) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t max_entries() const noexcept { return max_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_; }

  [[nodiscard]] V* find(uint64_t id) noexcept {
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.id == id) return &s.value;
    }
  }
  [[nodiscard]] const V* find(uint64_t id) const noexcept { return const_cast<IdMap*>(this)->find(id); }

  // Inserts a value-initialised V under id.
  [[nodiscard]] V* insert(uint64_t id) noexcept {
    if (full()) return nullptr;
    std::size_t i = home(id);
    for (; slots_[i].used; i = (i + 1) & mask_) {
      if (slots_[i].id == id) return nullptr;
    }
    slots_[i].used = true;
    slots_[i].id = id;
    slots_[i].value = V{};
    ++size_;
    return &slots_[i].value;
  }

  bool erase(uint64_t id) noexcept {
    std::size_t i = home(id);
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].used) return false;
      if (slots_[i].id == id) break;
    }
    // Backward shift: pull every later entry of the probe run whose home lies cyclically at or
    // before the hole into it, so lookups never need tombstones.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].id);
      const bool movable = (hole <= j) ? (h <= hole || h > j) : (h <= hole && h > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole].used = false;
    --size_;
    return true;
  }

  // Visits every entry (cold paths: cancel-all, tests). fn(uint64_t id, V& value).
  template <class Fn>
  void for_each(Fn&& fn) {
    for (Slot& s : slots_) {
      if (s.used) fn(s.id, s.value);
    }
  }

 private:
  struct Slot {
    uint64_t id = 0;
    bool used = false;
    V value{};
  };
  // Client ids are structured (slot, counter, split bits), so mix them before masking.
  [[nodiscard]] std::size_t home(uint64_t id) const noexcept {
    uint64_t z = id + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::size_t>(z ^ (z >> 31)) & mask_;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t max_;
};

}  // namespace dmabot::gateway::internal
