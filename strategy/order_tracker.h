// strategy/order_tracker.h — one strategy's view of its own order(s) on one side of one symbol
// (market makers keep one tracker per symbol and side; takers one per symbol).
//
// The tracker holds the order we want working (`order()`), the order a replace in flight is
// replacing, and the id of a cancel in flight. It sends new/replace/cancel signals through
// StrategyCore and folds the exec reports back in, matching by core::client_id_parent (the router
// may split an order into children whose ids differ only in the split bits).
//
// in_flight() is true while anything awaits its report: a new or replacement order not yet
// acknowledged, a replaced order not yet final, or a cancel not yet answered. Strategies send
// nothing for a tracker that is in flight — this is the "never send a new order while a
// cancel/replace of that side is in flight" rule.
//
// How reports resolve (mirrors Binance cancelReplace STOP_ON_FAILURE, the router and risk):
//   current order: kNew / kPartiallyFilled -> acknowledged; kFilled / kCanceled / kExpired -> gone;
//                  kRejected -> gone, unless it was a replacement and the replaced order has no
//                  final report yet: then the replace was refused before it touched the old order
//                  (risk rejects a replace as a whole) and the old order is working again;
//                  kCancelRejected -> our cancel/replace found it not working: gone.
//   replaced order: any final status or kCancelRejected -> resolved.
//   a report under the cancel's own id: kCanceled / kCancelRejected -> the target is gone;
//                  kRejected -> the cancel was refused, the order still works (a later tick may
//                  cancel again).
// Fills are not counted here: inventory comes from StrategyCore::apply_fill on every own report.
//
// Threads: the owning worker's. Allocation: none. Send functions return false and change nothing
// when the signal buffer is full.
#pragma once

#include <cstdint>

#include "core/events.h"
#include "core/types.h"
#include "strategy/signal_buffer.h"
#include "strategy/strategy.h"

namespace dmabot::strategy {

struct OwnOrder {
  uint64_t id = 0;  // 0 = none
  core::Price price;
  core::Qty qty;
  core::Side side = core::Side::kBuy;
  core::TimeInForce tif = core::TimeInForce::kGtc;
  bool acked = false;  // any report for it arrived
};

class OrderTracker {
 public:
  [[nodiscard]] bool has_order() const noexcept { return cur_.id != 0; }
  [[nodiscard]] const OwnOrder& order() const noexcept { return cur_; }
  [[nodiscard]] bool in_flight() const noexcept {
    return (cur_.id != 0 && !cur_.acked) || old_.id != 0 || cancel_id_ != 0;
  }
  // Tick time of the last new or replace sent (kLongAgo before the first).
  [[nodiscard]] core::UnixNanos last_quote_ts() const noexcept { return last_quote_ts_; }

  [[nodiscard]] bool send_new(StrategyCore& core, const core::MdTick& t, core::Side side, core::Price px,
                              core::Qty qty, core::TimeInForce tif, SignalBuffer& out) noexcept {
    const uint64_t id = core.next_id();
    if (!out.push(core.new_order(t, side, px, qty, tif, id))) return false;
    cur_ = OwnOrder{id, px, qty, side, tif, false};
    last_quote_ts_ = t.ts_local;
    return true;
  }
  // Precondition: has_order() && !in_flight(). Keeps the side and time in force.
  [[nodiscard]] bool send_replace(StrategyCore& core, const core::MdTick& t, core::Price px, core::Qty qty,
                                  SignalBuffer& out) noexcept {
    const uint64_t id = core.next_id();
    if (!out.push(core.replace(t, cur_.side, px, qty, cur_.tif, id, cur_.id))) return false;
    old_ = cur_;
    cur_ = OwnOrder{id, px, qty, old_.side, old_.tif, false};
    last_quote_ts_ = t.ts_local;
    return true;
  }
  // Precondition: has_order() && !in_flight().
  [[nodiscard]] bool send_cancel(StrategyCore& core, const core::MdTick& t, SignalBuffer& out) noexcept {
    const uint64_t id = core.next_id();
    if (!out.push(core.cancel(t, cur_.side, cur_.price, cur_.qty, id, cur_.id))) return false;
    cancel_id_ = id;
    return true;
  }

  // Folds in a report of this strategy; true when it concerned one of this tracker's ids.
  bool on_report(const core::ExecReport& r) noexcept {
    const uint64_t id = core::client_id_parent(r.client_id);
    if (id == 0) return false;
    if (id == cur_.id) {
      if (r.status == core::ExecStatus::kCancelRejected) {
        cur_ = OwnOrder{};
        cancel_id_ = 0;
      } else if (core::is_final(r.status)) {
        if (r.status == core::ExecStatus::kRejected && old_.id != 0) {
          cur_ = old_;
          old_ = OwnOrder{};
        } else {
          cur_ = OwnOrder{};
        }
        // A cancel racing this final report is moot: its answer (if any) no longer matters.
        cancel_id_ = 0;
      } else {
        cur_.acked = true;
      }
      return true;
    }
    if (id == old_.id) {
      if (core::is_final(r.status) || r.status == core::ExecStatus::kCancelRejected) old_ = OwnOrder{};
      return true;
    }
    if (id == cancel_id_) {
      if (r.status == core::ExecStatus::kCanceled || r.status == core::ExecStatus::kCancelRejected) cur_ = OwnOrder{};
      cancel_id_ = 0;
      return true;
    }
    return false;
  }

 private:
  OwnOrder cur_;
  OwnOrder old_;            // being replaced by cur_
  uint64_t cancel_id_ = 0;  // cancel of cur_ in flight
  core::UnixNanos last_quote_ts_ = kLongAgo;
};

}  // namespace dmabot::strategy
