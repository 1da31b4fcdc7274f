// strategy/strategy.h — the contract every strategy meets, and the plumbing they share.
//
// A strategy is a plain class (no virtual functions: the worker dispatches over a std::variant, see
// strategy/registry.h) with
//     explicit X(const XParams&, const StrategyContext&);
//     void on_tick(const core::MdTick&, SignalBuffer&);      // all decisions come from ticks
//     void on_exec(const core::ExecReport&, SignalBuffer&);  // own acks/fills/cancels/rejects
//     core::Qty inventory(core::SymbolId) const;             // own position, from own fills
//     static constexpr std::string_view kName;               // what STRATEGIES= accepts
// and `static absl::StatusOr<XParams> XParams::from_config(core::Config&)`. Optional:
//     void on_book_status(const core::BookStatus&, SignalBuffer&);  // the live feed's book went
//                                                                   // stale / recovered
// A strategy without it ignores book statuses (the default: HasBookStatusHook below, dispatched by
// strategy::on_book_status in registry.h). The worker holds new orders of a stale symbol back anyway
// (SignalBuffer::hold_new_orders; cancels pass) and risk rejects them (kStaleBook); the hook is for a
// strategy that must act, like the market makers pulling their quotes (quoting.h: pull_quotes).
// Only the live Binance feed emits statuses: on mock, replay and backtest the hook is never called.
//     void on_position_adjust(const core::ExecReport&, SignalBuffer&);  // a position the engine did
//                                                                       // not trade (risk booked it)
// Risk books positions the engine did not trade (a live venue's start position, a reconciliation, a
// user-data balance/position event; a replay's recorded adjustments) and tells the worker of the
// symbol's shard with a fill-shaped report (core::is_position_adjust_report: side, last_qty = |change|).
// A strategy that skews by inventory adds it (StrategyCore::apply_fill), so a market maker started on
// an existing position quotes skewed from its first tick; without the hook it is ignored
// (HasPositionAdjustHook). Every strategy on the symbol hears the whole change.
//
// Rules every strategy follows (the shared helpers here and in order_tracker.h enforce most):
//  * Time comes only from event timestamps (tick.ts_local), never from a clock, so a replay on a
//    simulated clock reproduces every decision.
//  * Signal::ts_tick = the causing tick's ts_local; Signal::ts_local stays 0 (the worker stamps it).
//  * Prices are quantized to the tick (bids down, asks up), quantities down to the lot step; an
//    order whose quantity rounds to 0, falls below min_qty, or whose notional is below
//    min_notional is not sent.
//  * Own orders are tracked by client id (core::client_id_parent() on reports, since the router may
//    split an order into children); nothing new is sent on a side while a new/cancel/replace of
//    that side awaits its report.
//  * Per-symbol state lives in vectors indexed by SymbolId, sized at construction for every symbol
//    in the table.
//
// Threads: a strategy object belongs to one worker thread. Allocation: constructors only.
// Errors: none on the hot path (bad ticks/foreign reports are ignored); configuration errors come
// from the params' from_config, one line naming the key.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/symbol_table.h"
#include "core/types.h"
#include "strategy/signal_buffer.h"

namespace dmabot::strategy {

struct StrategyContext {
  const core::SymbolTable* symbols = nullptr;  // must outlive the strategy
  uint8_t slot = 1;  // this instance's global id (1..255): client-id namespace and Signal::strategy
};

template <class S>
concept StrategyType = requires(S& s, const S& cs, const core::MdTick& t, const core::ExecReport& r,
                                SignalBuffer& b, core::SymbolId id) {
  { s.on_tick(t, b) } -> std::same_as<void>;
  { s.on_exec(r, b) } -> std::same_as<void>;
  { cs.inventory(id) } -> std::same_as<core::Qty>;
  { S::kName } -> std::convertible_to<std::string_view>;
};

// The optional hook (see the overview); without it a strategy's default is to do nothing.
template <class S>
concept HasBookStatusHook = requires(S& s, const core::BookStatus& st, SignalBuffer& b) {
  { s.on_book_status(st, b) } -> std::same_as<void>;
};

template <class S>
concept HasPositionAdjustHook = requires(S& s, const core::ExecReport& r, SignalBuffer& b) {
  { s.on_position_adjust(r, b) } -> std::same_as<void>;
};

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr double kNsPerSec = 1e9;
// "Long ago": initial value of last-action timestamps so the first action is never throttled.
inline constexpr core::UnixNanos kLongAgo = std::numeric_limits<core::UnixNanos>::min() / 2;

// The mid of a usable book (both sides positive and not crossed); false otherwise. Strategies
// ignore ticks for which this is false.
[[nodiscard]] inline bool book_mid(const core::MdTick& t, double& mid) noexcept {
  if (t.bid.raw <= 0 || t.ask.raw <= t.bid.raw) return false;
  mid = (static_cast<double>(t.bid.raw) + static_cast<double>(t.ask.raw)) * 0.5 / core::kScale;
  return true;
}

// The instrument filters quantization needs, copied out of the symbol table at construction so
// the hot path reads a compact array instead of InstrumentInfo (which carries a std::string).
struct InstrumentFilters {
  core::Price tick;
  core::Qty step;
  core::Qty min_qty;
  int64_t min_notional_raw = 0;
};

// Shared plumbing composed into every strategy: slot and client ids, instrument filters,
// inventory from fills, quantization and signal construction.
class StrategyCore {
 public:
  explicit StrategyCore(const StrategyContext& ctx);

  [[nodiscard]] uint8_t slot() const noexcept { return slot_; }
  [[nodiscard]] std::size_t symbol_count() const noexcept { return filters_.size(); }
  [[nodiscard]] bool known(core::SymbolId id) const noexcept { return id < filters_.size(); }
  [[nodiscard]] const InstrumentFilters& filters(core::SymbolId id) const noexcept { return filters_[id]; }

  // A report this instance should look at: its id is in our slot's namespace and its symbol known.
  [[nodiscard]] bool owns(const core::ExecReport& r) const noexcept {
    return core::client_id_slot(r.client_id) == slot_ && known(r.symbol);
  }
  // Fresh client id: make_client_id(slot, 1), (slot, 2), ... (split bits zero, as the router needs).
  [[nodiscard]] uint64_t next_id() noexcept { return core::make_client_id(slot_, ++counter_); }

  [[nodiscard]] core::Qty inventory(core::SymbolId id) const noexcept {
    return known(id) ? inventory_[id] : core::Qty{};
  }
  // Adds a fill (last_qty > 0, signed by side) to the symbol's inventory; ignores anything else.
  // Call only for reports that owns() accepted.
  void apply_fill(const core::ExecReport& r) noexcept {
    if (r.last_qty.raw > 0) inventory_[r.symbol].raw += core::side_sign(r.side) * r.last_qty.raw;
  }

  // Price from double onto the tick grid: bids round down, asks up.
  [[nodiscard]] core::Price quantize_price(core::SymbolId id, core::Side side, double px) const noexcept;
  // Quantity from double down to the lot step; true when the order (px, qty_out) may be sent:
  // qty > 0, qty >= min_qty, price > 0 and notional >= min_notional.
  [[nodiscard]] bool shape_qty(core::SymbolId id, core::Price px, double qty, core::Qty& qty_out) const noexcept;

  // Signal builders. ts_tick = tick.ts_local, strategy = slot, ts_local = 0.
  [[nodiscard]] core::Signal new_order(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty,
                                       core::TimeInForce tif, uint64_t id) const noexcept;
  [[nodiscard]] core::Signal replace(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty,
                                     core::TimeInForce tif, uint64_t id, uint64_t target) const noexcept;
  // Cancels carry their own fresh id (so a rejection of the cancel itself can be matched) and the
  // target's price and quantity (informational).
  [[nodiscard]] core::Signal cancel(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty,
                                    uint64_t id, uint64_t target) const noexcept;

 private:
  uint8_t slot_;
  uint64_t counter_ = 0;
  std::vector<InstrumentFilters> filters_;
  std::vector<core::Qty> inventory_;
};

}  // namespace dmabot::strategy
