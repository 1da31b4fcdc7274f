// strategy/dyn_mm.h — DynMm, the dynamic market maker ("dynmm").
//
// Per symbol, on every usable tick:
//   mid        = (bid + ask) / 2
//   sigma_bps  = population stdev of the last DYNMM_SIGMA_WINDOW mid log-returns, * 1e4
//                (no quotes until the window is full: a market maker without a volatility
//                estimate would quote at the floor blindly)
//   spread_bps = max(a * sigma_bps + b * |inventory / inv_cap|, floor_bps)
//   half       = spread_bps / 2 / 1e4
//   bid        = mid * (1 - half)  quantized down;  ask = mid * (1 + half)  quantized up
//                (each kept one tick off the opposite touch so post-only never crosses)
//   size       = base_size_usd / mid, rounded down to the lot step
// Quotes are post-only. A working quote stays while its price is within DYNMM_TOLERANCE_BPS of the
// new target and is otherwise replaced (kReplace, target_id = the working order), at most once per
// DYNMM_MIN_REQUOTE_MS of tick time per side (counted from the side's last new or replace). When
// |inventory| >= inv_cap the side that would increase it is cancelled and not quoted. See
// strategy/quoting.h and strategy/order_tracker.h for the order lifecycle rules.
//
// Threads: one worker thread. Allocation: constructor only (per-symbol windows and trackers).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/events.h"
#include "core/types.h"
#include "strategy/order_tracker.h"
#include "strategy/rolling.h"
#include "strategy/signal_buffer.h"
#include "strategy/strategy.h"

namespace dmabot::strategy {

struct DynMmParams {
  int64_t sigma_window = 100;                     // DYNMM_SIGMA_WINDOW  returns, 2..100000
  double a = 1.0;                                  // DYNMM_A             0..1000 (bps per bps of sigma)
  double b = 5.0;                                  // DYNMM_B             0..10000 bps at a full inventory
  double floor_bps = 2.0;                          // DYNMM_FLOOR_BPS     0.01..10000
  core::Qty inv_cap = core::Qty::from_units(1);    // DYNMM_INV_CAP       base qty, > 0
  double base_size_usd = 20.0;                     // DYNMM_BASE_SIZE_USD quote units, > 0
  double tolerance_bps = 1.0;                      // DYNMM_TOLERANCE_BPS 0..10000
  int64_t min_requote_ms = 50;                     // DYNMM_MIN_REQUOTE_MS 0..3600000

  static absl::StatusOr<DynMmParams> from_config(core::Config& cfg);
};

class DynMm {
 public:
  static constexpr std::string_view kName = "dynmm";

  explicit DynMm(const DynMmParams& p, const StrategyContext& ctx);

  void on_tick(const core::MdTick& t, SignalBuffer& out);
  void on_exec(const core::ExecReport& r, SignalBuffer& out);
  // Stale book: cancel both sides' quotes and quote nothing on the symbol until it recovered (the
  // next tick after the recovery quotes again).
  void on_book_status(const core::BookStatus& st, SignalBuffer& out);
  // A position the engine did not trade: part of the inventory the quotes skew by, from the next tick.
  void on_position_adjust(const core::ExecReport& r, SignalBuffer&) {
    if (core_.known(r.symbol)) core_.apply_fill(r);
  }
  [[nodiscard]] bool stale(core::SymbolId id) const { return core_.known(id) && sym_[id].stale; }
  [[nodiscard]] core::Qty inventory(core::SymbolId id) const { return core_.inventory(id); }

  // Introspection (tests, ops): volatility estimate in bps (< 0 before the window is full) and the
  // tracker of one side.
  [[nodiscard]] double sigma_bps(core::SymbolId id) const;
  [[nodiscard]] const OrderTracker& side(core::SymbolId id, core::Side s) const {
    return sym_[id].sides[static_cast<int>(s)];
  }
  [[nodiscard]] const DynMmParams& params() const { return p_; }

 private:
  struct PerSymbol {
    explicit PerSymbol(std::size_t window) : returns(window) {}
    RollingStats returns;  // log-returns of the mid
    double last_mid = 0.0;
    std::array<OrderTracker, 2> sides;  // index = Side
    bool stale = false;                 // the live feed says the book is stale
  };
  DynMmParams p_;
  StrategyCore core_;
  std::vector<PerSymbol> sym_;
};

}  // namespace dmabot::strategy
