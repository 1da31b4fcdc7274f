// strategy/quoting.h — the two ways a strategy acts, shared by all of them:
//   * quoting (DynMm, Avellaneda–Stoikov): keep one post-only order per side near a target price,
//     replacing it only when it drifts beyond a tolerance and not more often than a minimum
//     interval, and cancelling it when the side should not quote;
//   * taking (mean reversion, MA crossover, vol breakout): one IOC limit order at the touch that
//     moves the inventory toward a target position.
//
// Threads: the owning worker's. Allocation: none. Functions return true when they emitted a signal.
#pragma once

#include <array>
#include <cstdint>

#include "core/events.h"
#include "core/types.h"
#include "strategy/order_tracker.h"
#include "strategy/signal_buffer.h"
#include "strategy/strategy.h"

namespace dmabot::strategy {

struct QuoteTarget {
  bool want = false;  // false: this side should not quote (cancel what works)
  core::Price price;
  core::Qty qty;
};

// A post-only quote target from model prices: the price quantized (bid down, ask up) and kept at
// least one tick off the opposite touch so post-only does not cross; the quantity rounded down to
// the step. want == false when the order would not be valid (qty 0, below min_qty/min_notional,
// price <= 0).
[[nodiscard]] QuoteTarget quote_target(const StrategyCore& core, const core::MdTick& t, core::Side side, double px,
                                       double qty) noexcept;

// Brings one quoting side toward `target` (post-only):
//   in flight              -> nothing (wait for the report)
//   !want                  -> cancel the working order, if any
//   no order               -> new
//   |order px - target px| <= tolerance_bps of the target -> keep
//   otherwise              -> replace, once min_requote_ns passed since the last new/replace of
//                             this side (tick time)
bool requote(StrategyCore& core, OrderTracker& tracker, const core::MdTick& t, core::Side side,
             const QuoteTarget& target, double tolerance_bps, int64_t min_requote_ns, SignalBuffer& out) noexcept;

// Market makers on a stale book (core::BookStatus): nothing new is quoted and what works is pulled.
// pull_quotes() cancels each side's working order unless that side is in flight; the report that ends
// the flight reaches on_exec, which calls it again while the book is stale, so an order acknowledged
// after the book went stale is pulled too. Returns true when it emitted a cancel.
bool pull_quotes(StrategyCore& core, std::array<OrderTracker, 2>& sides, const core::MdTick& t,
                 SignalBuffer& out) noexcept;

// The tick-shaped origin of a signal not caused by a tick (a book status, a report): the signal
// builders read only its symbol and its time (Signal::ts_tick).
[[nodiscard]] inline core::MdTick signal_origin(core::SymbolId symbol, core::UnixNanos ts) noexcept {
  core::MdTick t;
  t.symbol = symbol;
  t.ts_local = ts;
  return t;
}

// Sends an IOC limit order at the touch (buy at the ask, sell at the bid) for target - inventory
// (base quantity, signed), unless the tracker has an order or anything in flight, or the
// difference does not make a valid order.
bool take_toward(StrategyCore& core, OrderTracker& tracker, const core::MdTick& t, double target_qty,
                 SignalBuffer& out) noexcept;

}  // namespace dmabot::strategy
