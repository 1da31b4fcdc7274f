// strategy/signal_buffer.h — the fixed-capacity scratch buffer a strategy appends its signals to
// while it handles one event; the strategy worker then drains it into its output ring.
//
// Why a buffer and not a direct ring push: a strategy decides (and updates its own order state)
// inside on_tick/on_exec, but the output ring may be full at that moment. The worker only hands an
// event to the strategy when the buffer is empty, and only takes the next input once everything
// in it went out, so a decision is never lost and stages fused on one thread never deadlock.
//
// Capacity 16 is far above what one event produces (a market maker emits at most one signal per
// side per tick). push() returns false when full; a strategy must then leave its state unchanged
// (the strategy helpers in strategy/order_tracker.h do exactly that).
//
// Holding new orders back: the worker calls hold_new_orders(true) before handing the strategy an
// event for a symbol that is backing off after a risk reject, or while the kill switch is engaged.
// Then push() refuses kNew and kReplace signals (cancels still go in) and remaining() is 0: to the
// strategy it looks like a full buffer, so it keeps its state and tries again on a later event —
// no strategy needs code of its own for it. held() counts the refused pushes.
//
// Threads: owned by one worker thread. Allocation: none (inline array).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/events.h"

namespace dmabot::strategy {

class SignalBuffer {
 public:
  static constexpr std::size_t kCapacity = 16;

  // Appends; false (and nothing stored) when the tail reached the capacity.
  [[nodiscard]] bool push(const core::Signal& s) noexcept {
    if (hold_ && s.action != core::SignalAction::kCancel) {
      ++held_;
      return false;
    }
    if (end_ == kCapacity) return false;
    items_[end_++] = s;
    return true;
  }
  // Free slots at the tail (what a strategy may still append while handling this event).
  // 0 while new orders are held back.
  [[nodiscard]] std::size_t remaining() const noexcept { return hold_ ? 0 : kCapacity - end_; }
  [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }
  [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }

  // Drain side (the worker). Precondition for front/pop_front: !empty().
  [[nodiscard]] core::Signal& front() noexcept { return items_[begin_]; }
  void pop_front() noexcept {
    ++begin_;
    // Rewind once drained so the next event gets the whole capacity again.
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void clear() noexcept { begin_ = end_ = 0; }

  void hold_new_orders(bool on) noexcept { hold_ = on; }
  [[nodiscard]] bool holding() const noexcept { return hold_; }
  [[nodiscard]] uint64_t held() const noexcept { return held_; }

  // The pending signals, oldest first (for stamping and inspection).
  [[nodiscard]] core::Signal* begin() noexcept { return items_.data() + begin_; }
  [[nodiscard]] core::Signal* end() noexcept { return items_.data() + end_; }
  [[nodiscard]] const core::Signal* begin() const noexcept { return items_.data() + begin_; }
  [[nodiscard]] const core::Signal* end() const noexcept { return items_.data() + end_; }
  [[nodiscard]] const core::Signal& operator[](std::size_t i) const noexcept { return items_[begin_ + i]; }

 private:
  std::array<core::Signal, kCapacity> items_{};
  uint32_t begin_ = 0;
  uint32_t end_ = 0;
  bool hold_ = false;
  uint64_t held_ = 0;
};

}  // namespace dmabot::strategy
