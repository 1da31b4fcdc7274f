// risk/risk_checker.h — the pre-trade rule engine: pure decisions plus the state they depend on.
//
// RiskChecker holds everything a decision needs — working orders, per-symbol working exposure,
// positions and marks (Positions), the order-rate windows and the kill switch — and no I/O: it never
// touches a ring, a clock or a metric, so it is tested by calling it with hand-made events and
// injected times. RiskStage (risk_stage.h) wraps it with rings and metrics.
//
// Rules for a kNew / kReplace signal, in this order (first failure wins):
//   kBadOrder        unknown symbol, qty or price <= 0, client id 0 or already working, replace of an
//                    order that is not working (or on another symbol/side), working table full
//   kKillSwitch      kill switch engaged by the operator (kDrawdown when engaged by MAX_DRAWDOWN,
//                    kDailyLoss when engaged by MAX_DAILY_LOSS)
//   kPriceBand       price outside [PX_MIN, PX_MAX]
//   kNoMarket        PX_BAND_PCT is on and the symbol has no mid yet
//   kPriceDeviation  |price - mid| > PX_BAND_PCT % of mid
//   kNotionalOrder   price * qty > MAX_NOTIONAL
//   kNotionalSymbol  |position| * mark + working notional + this order > MAX_SYMBOL_NOTIONAL
//   kInventory       |position + same-side working qty + qty| * mark > MAX_INVENTORY
//   kQpsSecond       MAX_QPS orders already accepted in the last 1 s (window (now - 1 s, now])
//   kQpsMinute       MAX_QPM orders already accepted in the last 60 s
// mark = the last mid (before the first mid: the last fill price, else the order price). A replace is judged as a new
// order at its new price/qty, with the order it replaces left out of the working exposure. Reduce-only orders (opposite
// side to the position, and with the same-side working qty not exceeding |position|) are exempt from the
// symbol-notional and inventory limits, so the engine can always trade back to flat. Cancels are never throttled nor
// blocked by the kill switch; a cancel of an order that is not working gets kUnknownOrder.
//
// The kill switch is engaged by set_kill_switch(true), or by on_exec/on_mid when total equity
// (realized + unrealized - fees) falls more than MAX_DRAWDOWN below its running peak, or more than
// MAX_DAILY_LOSS below its value at the first event of the current UTC day (day from `now`). It stays
// engaged until set_kill_switch(false), which also re-bases the peak and the day start to the current
// equity (otherwise the same loss would engage it again on the next event). Engaging it, whatever the
// cause, queues an engine cancel for every working order (see request_cancel_all). kill_event() describes
// the current state as the `ctl` event the stage records and logs: the cause, and for a loss limit the
// drawdown / daily loss that crossed it, the limit and the equity at that moment.
//
// Engine cancels (cancel-all, kill switch): request_cancel_all() snapshots the matching working
// orders that have no cancel in flight into a queue reserved to MAX_WORKING_ORDERS; the stage pulls
// them with next_engine_cancel() as its output ring has room. Each order is queued at most once, and
// one that finished or got a strategy cancel meanwhile is skipped.
//
// Threads: one owner (the risk thread). Allocation: in the constructor only (Positions arrays,
// order table, throttle rings of MAX_QPS and MAX_QPM timestamps). Errors are RejectReason values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/events.h"
#include "core/types.h"
#include "risk/order_table.h"
#include "risk/positions.h"
#include "risk/risk_limits.h"

namespace dmabot::risk {

using core::KillCause;

// The timestamps of the last `cap` accepted orders; allows another while fewer than cap of them lie
// in (now - window, now]. Fixed ring, no allocation after construction.
class SlidingWindow {
 public:
  SlidingWindow(std::size_t cap, core::UnixNanos window) : ts_(cap == 0 ? 1 : cap), window_(window) {}
  [[nodiscard]] bool allows(core::UnixNanos now) const { return count_ < ts_.size() || ts_[head_] <= now - window_; }
  [[nodiscard]] std::size_t in_window(core::UnixNanos now) const;
  void record(core::UnixNanos now) {
    if (count_ < ts_.size()) {
      ts_[(head_ + count_) % ts_.size()] = now;
      ++count_;
    } else {
      ts_[head_] = now;  // the oldest leaves the ring
      head_ = (head_ + 1) % ts_.size();
    }
  }

 private:
  std::vector<core::UnixNanos> ts_;
  core::UnixNanos window_;
  std::size_t head_ = 0;  // oldest
  std::size_t count_ = 0;
};

class RiskChecker {
 public:
  RiskChecker(const RiskLimits& limits, std::size_t n_symbols, std::size_t n_venues);

  // The decision for a signal, without changing any state.
  [[nodiscard]] core::RejectReason evaluate(const core::Signal& s, core::UnixNanos now) const;
  // evaluate() + commit().
  [[nodiscard]] core::RejectReason check(const core::Signal& s, core::UnixNanos now);
  // Applies the decision evaluate(s, now) returned (same s, same now, no state change in between):
  // on kNone a new/replace becomes a working order and is counted in the rate windows (a replaced
  // order is marked cancel-pending) and a cancel marks its target; any other result is counted in
  // rejects(). Split from evaluate() so the stage can check for output room before committing.
  void commit(const core::Signal& s, core::UnixNanos now, core::RejectReason decided);

  // A report from a venue: fills go to Positions and reduce the order's remaining qty; final
  // statuses remove it; kCancelRejected clears its cancel-pending flag. Returns true when this
  // tripped the kill switch (drawdown / daily loss).
  bool on_exec(const core::ExecReport& r, core::UnixNanos now);
  // A new mid for a symbol (bands, marks). Returns true when it tripped the kill switch.
  bool on_mid(core::SymbolId symbol, core::Price mid, core::UnixNanos now);
  // ON_START_OPEN_ORDERS=adopt: an order already working on a venue (an earlier run's) becomes a
  // working order (acked, owner o.strategy, remaining o.qty): counted in the working exposure, canceled
  // by cancel-all and the kill switch, its reports applied. False: bad id/symbol, already working, or
  // the table is full.
  bool adopt(const core::Order& o);
  // A position the engine did not trade (ControlCommand::kPositionAdjust: a live venue's start-up
  // position or reconciliation): Positions::adjust. `applied` says whether it was in range. Returns true
  // when it tripped the kill switch. An adjustment of a symbol that has no mid yet (a start position)
  // re-bases the loss limits: until every such symbol has had its first mid, the drawdown peak and the
  // day's start equity follow the equity, so PnL the position carried before the engine started (a
  // futures position's unrealized loss at its entry price) does not count as a loss of this run.
  bool adjust_position(core::SymbolId symbol, uint8_t venue, int64_t delta_raw, core::Price px, core::UnixNanos now,
                       bool& applied);

  // Book freshness from the feed (core::BookStatus): while stale, new and replace orders on the
  // symbol get kStaleBook; cancels pass. Unknown symbols are ignored.
  void set_book_stale(core::SymbolId symbol, bool stale) {
    if (symbol < stale_.size()) stale_[symbol] = stale ? 1 : 0;
  }
  [[nodiscard]] bool book_stale(core::SymbolId symbol) const { return symbol < stale_.size() && stale_[symbol] != 0; }
  // The venue stopped trading the symbol (ControlCommand::kSymbolHalt): while set, new and replace
  // orders on it get kNotTrading; cancels pass. Unknown symbols are ignored.
  void set_symbol_halted(core::SymbolId symbol, bool halted) {
    if (symbol < halted_.size()) halted_[symbol] = halted ? 1 : 0;
  }
  [[nodiscard]] bool symbol_halted(core::SymbolId symbol) const {
    return symbol < halted_.size() && halted_[symbol] != 0;
  }

  // Manual kill switch. On also requests cancel-all; off re-bases the drawdown peak and the day
  // start to the current equity. Returns true when the switch changed state (on while already on
  // keeps the first cause, and still requests cancel-all).
  bool set_kill_switch(bool on);
  [[nodiscard]] bool kill_switch() const { return kill_ != KillCause::kNone; }
  [[nodiscard]] KillCause kill_cause() const { return kill_; }
  // The state as a `ctl` event stamped `now`: kKillSwitchOn with the cause and, for a loss limit, the
  // measured drawdown / daily loss, the limit and the equity when it engaged; kKillSwitchOff with the
  // cause that was lifted (kNone before any trip) and the equity now.
  [[nodiscard]] core::Control kill_event(core::UnixNanos now) const;

  // Queues an engine cancel for every working order of `symbol` (kNoSymbol = all) that has no cancel
  // in flight and is not queued yet. Cold: scans the order table.
  void request_cancel_all(core::SymbolId symbol);
  // The next queued order to cancel, now marked cancel-pending; nullptr when the queue is empty.
  // Call only when the cancel can be sent (the stage checks its ring first).
  [[nodiscard]] const WorkingOrder* next_engine_cancel();
  [[nodiscard]] bool engine_cancels_queued() const { return cancel_head_ < cancel_queue_.size(); }

  [[nodiscard]] const WorkingOrder* find_working(uint64_t id) const { return orders_.find(id); }
  [[nodiscard]] std::size_t working_orders() const { return orders_.size(); }
  [[nodiscard]] const OrderTable& orders() const { return orders_; }
  [[nodiscard]] core::Qty working_qty(core::SymbolId s, core::Side side) const {
    return core::Qty::from_raw(working_qty_[2 * s + static_cast<std::size_t>(side)]);
  }
  // Sum of price * remaining over the symbol's working orders, in 1e-16 quote.
  [[nodiscard]] Wide working_notional_wide(core::SymbolId s) const { return working_notional_[s]; }

  [[nodiscard]] const Positions& positions() const { return positions_; }
  [[nodiscard]] const RiskLimits& limits() const { return limits_; }
  [[nodiscard]] int64_t peak_equity_raw() const { return Positions::to_raw(peak_equity_); }
  [[nodiscard]] uint64_t rejects(core::RejectReason r) const { return rejects_[static_cast<std::size_t>(r)]; }
  [[nodiscard]] uint64_t accepted() const { return accepted_; }

 private:
  void add_working(const WorkingOrder& w, int sign);
  void remove_working(uint64_t id);
  void roll_day(core::UnixNanos now);
  bool after_equity_change();
  [[nodiscard]] uint8_t owner_slot(const core::Signal& s) const {
    return s.strategy != 0 ? s.strategy : core::client_id_slot(s.client_id);
  }

  RiskLimits limits_;
  Positions positions_;
  OrderTable orders_;
  std::vector<int64_t> working_qty_;    // [2 * symbol + side], raw qty
  std::vector<Wide> working_notional_;  // [symbol], 1e-16 quote
  std::vector<uint8_t> stale_;          // [symbol], 1 while the book is stale
  std::vector<uint8_t> halted_;         // [symbol], 1 while the venue does not trade it
  SlidingWindow per_second_;
  SlidingWindow per_minute_;
  KillCause kill_ = KillCause::kNone;
  KillCause released_ = KillCause::kNone;  // the cause the last set_kill_switch(false) lifted
  int64_t trip_measured_raw_ = 0;          // drawdown / daily loss that engaged it, quote * 1e8
  int64_t trip_limit_raw_ = 0;
  int64_t trip_equity_raw_ = 0;
  Wide peak_equity_ = 0;
  std::vector<uint8_t> rebase_until_mid_;  // [symbol]: adjusted before its first mid (see adjust_position)
  int rebase_pending_ = 0;
  Wide day_start_equity_ = 0;
  int64_t day_ = INT64_MIN;
  uint64_t accepted_ = 0;
  std::array<uint64_t, static_cast<std::size_t>(core::RejectReason::kCount)> rejects_{};
  std::vector<uint64_t> cancel_queue_;  // reserved to max_working_orders
  std::size_t cancel_head_ = 0;
};

}  // namespace dmabot::risk
