// risk/order_table.h — the working-order table: open addressing keyed by client id.
//
// Why not a node map: the risk thread inserts and erases on every order and must not allocate.
// The slot array is sized once to a power of two >= 2 * capacity (load factor <= 0.5 keeps linear
// probes short), and erase uses backward-shift deletion, so there are no tombstones and the table
// never needs a rehash. insert() returns nullptr when `capacity` orders are already working; the
// caller rejects the order (RejectReason::kBadOrder) instead of growing.
//
// Key 0 marks an empty slot, so client id 0 is never stored (risk rejects it as a bad order).
//
// Threads: one owner thread. Allocation: the slot array, in the constructor only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/types.h"

namespace dmabot::risk {

struct WorkingOrder {
  uint64_t client_id = 0;  // 0 = empty slot
  core::Price price;
  core::Qty remaining;  // order qty minus fills reported so far
  core::SymbolId symbol = core::kNoSymbol;
  uint8_t strategy = 0;  // owner slot (exec reports go back to it)
  core::Side side = core::Side::kBuy;
  bool acked = false;           // the venue reported kNew
  bool cancel_pending = false;  // a cancel or replace of it has been sent
  bool cancel_queued = false;   // waiting in RiskChecker's engine-cancel queue
};

class OrderTable {
 public:
  explicit OrderTable(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    std::size_t n = 2;
    while (n < 2 * capacity_) n <<= 1;
    slots_.resize(n);
    mask_ = n - 1;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] bool full() const { return size_ >= capacity_; }

  [[nodiscard]] WorkingOrder* find(uint64_t id) {
    if (id == 0) return nullptr;
    for (std::size_t i = home(id);; i = (i + 1) & mask_) {
      if (slots_[i].client_id == id) return &slots_[i];
      if (slots_[i].client_id == 0) return nullptr;
    }
  }
  [[nodiscard]] const WorkingOrder* find(uint64_t id) const { return const_cast<OrderTable*>(this)->find(id); }

  // Inserts a new entry for id (which must not be present and not 0); nullptr when full.
  [[nodiscard]] WorkingOrder* insert(uint64_t id) {
    if (id == 0 || full()) return nullptr;
    std::size_t i = home(id);
    while (slots_[i].client_id != 0) i = (i + 1) & mask_;
    slots_[i] = WorkingOrder{};
    slots_[i].client_id = id;
    ++size_;
    return &slots_[i];
  }

  // Removes id if present. Pointers returned earlier may then point at another entry.
  bool erase(uint64_t id) {
    WorkingOrder* w = find(id);
    if (w == nullptr) return false;
    std::size_t hole = static_cast<std::size_t>(w - slots_.data());
    // Backward shift: move later members of the probe run into the hole when their home slot does
    // not lie cyclically in (hole, j].
    for (std::size_t j = (hole + 1) & mask_; slots_[j].client_id != 0; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].client_id);
      const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (stays) continue;
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole] = WorkingOrder{};
    --size_;
    return true;
  }

  // Visits every entry (cold: scans the whole slot array). f must not insert or erase.
  template <class F>
  void for_each(F&& f) const {
    for (const WorkingOrder& w : slots_) {
      if (w.client_id != 0) f(w);
    }
  }
  template <class F>
  void for_each_mutable(F&& f) {
    for (WorkingOrder& w : slots_) {
      if (w.client_id != 0) f(w);
    }
  }

 private:
  [[nodiscard]] std::size_t home(uint64_t id) const {
    // Client ids differ mostly in the middle bits (slot << 56 | counter << 4): mix them all.
    uint64_t x = id;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x) & mask_;
  }

  std::size_t capacity_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::vector<WorkingOrder> slots_;
};

}  // namespace dmabot::risk
