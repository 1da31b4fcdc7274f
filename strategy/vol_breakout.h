// strategy/vol_breakout.h — VolBreakout ("vol_breakout"): trade a break out of the recent range.
//
// Per symbol, the window holds the VB_WINDOW mids before the current tick (high = their max,
// low = their min) and the last VB_WINDOW mid-to-mid changes (sigma = their population stdev, in
// price units). Once both are full, a tick's mid is a breakout
//   up   when mid > high and mid - high >= VB_K * sigma and (mid - high) / high * 1e4 >= VB_MIN_EDGE_BPS
//   down when mid < low  and low - mid  >= VB_K * sigma and (low - mid)  / low  * 1e4 >= VB_MIN_EDGE_BPS
// and the strategy takes in the breakout direction with an IOC limit order at the touch toward a
// target of +-VB_ORDER_USD / mid (down: flat with VB_LONG_ONLY), unless the position is already on
// that side; at most one entry per VB_COOLDOWN_MS of tick time. VB_HOLD_MS after the last entry was
// sent, any position is flattened (a time stop: IOC at the touch, retried on later ticks until
// flat, even while the break continues).
// The current mid joins the window after the decision.
//
// Threads: one worker thread. Allocation: constructor only.
#pragma once

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

struct VolBreakoutParams {
  int64_t window = 50;          // VB_WINDOW        mids, 2..100000
  double k = 2.0;               // VB_K             0..100 (multiples of sigma)
  double min_edge_bps = 1.0;    // VB_MIN_EDGE_BPS  0..10000
  double order_usd = 20.0;      // VB_ORDER_USD     quote units, > 0
  int64_t cooldown_ms = 1000;   // VB_COOLDOWN_MS   0..86400000
  int64_t hold_ms = 5000;       // VB_HOLD_MS       1..86400000
  bool long_only = false;       // VB_LONG_ONLY     a downside breakout only flattens

  static absl::StatusOr<VolBreakoutParams> from_config(core::Config& cfg);
};

class VolBreakout {
 public:
  static constexpr std::string_view kName = "vol_breakout";

  explicit VolBreakout(const VolBreakoutParams& p, const StrategyContext& ctx);

  void on_tick(const core::MdTick& t, SignalBuffer& out);
  void on_exec(const core::ExecReport& r, SignalBuffer& out);
  [[nodiscard]] core::Qty inventory(core::SymbolId id) const { return core_.inventory(id); }

  [[nodiscard]] const OrderTracker& tracker(core::SymbolId id) const { return sym_[id].orders; }
  [[nodiscard]] const VolBreakoutParams& params() const { return p_; }

 private:
  struct PerSymbol {
    explicit PerSymbol(std::size_t window) : range(window), changes(window) {}
    RollingMinMax range;
    RollingStats changes;
    double last_mid = 0.0;
    OrderTracker orders;
    core::UnixNanos last_entry_ts = kLongAgo;
  };
  VolBreakoutParams p_;
  StrategyCore core_;
  std::vector<PerSymbol> sym_;
};

}  // namespace dmabot::strategy
