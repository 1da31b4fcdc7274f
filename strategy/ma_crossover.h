// strategy/ma_crossover.h — MaCrossover ("ma_cross"): trend following on two moving averages.
//
// Per symbol, every usable tick's mid joins a fast (MAC_FAST) and a slow (MAC_SLOW) simple moving
// average. Once the slow window is full:
//   edge_bps = (fast - slow) / slow * 1e4
//   trend    = +1 when edge_bps >  MAC_MIN_EDGE_BPS, -1 when edge_bps < -MAC_MIN_EDGE_BPS,
//              unchanged inside the band (the band keeps noise around the crossing from flapping).
// The first trend established is not a cross (nothing to follow yet). When the trend flips, the
// strategy takes toward the new trend with an IOC limit order at the touch: target position
// +MAC_ORDER_USD / mid when up (buy), -MAC_ORDER_USD / mid when down (sell; flat with
// MAC_LONG_ONLY). At most one cross trade per MAC_COOLDOWN_MS of tick time: a cross inside the
// cooldown, or while an order is in flight, is traded on the first tick after (if the trend still
// holds); a cross that finds the position already at target sends nothing.
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

struct MaCrossoverParams {
  int64_t fast = 10;            // MAC_FAST          mids, 1..100000, below MAC_SLOW
  int64_t slow = 50;            // MAC_SLOW          mids, 2..100000
  double order_usd = 20.0;      // MAC_ORDER_USD     quote units, > 0
  double min_edge_bps = 0.5;    // MAC_MIN_EDGE_BPS  0..10000
  int64_t cooldown_ms = 1000;   // MAC_COOLDOWN_MS   0..86400000
  bool long_only = false;       // MAC_LONG_ONLY     a down-cross only flattens

  static absl::StatusOr<MaCrossoverParams> from_config(core::Config& cfg);
};

class MaCrossover {
 public:
  static constexpr std::string_view kName = "ma_cross";

  explicit MaCrossover(const MaCrossoverParams& p, const StrategyContext& ctx);

  void on_tick(const core::MdTick& t, SignalBuffer& out);
  void on_exec(const core::ExecReport& r, SignalBuffer& out);
  [[nodiscard]] core::Qty inventory(core::SymbolId id) const { return core_.inventory(id); }

  // +1 up, -1 down, 0 not established yet.
  [[nodiscard]] int trend(core::SymbolId id) const { return sym_[id].trend; }
  [[nodiscard]] const OrderTracker& tracker(core::SymbolId id) const { return sym_[id].orders; }
  [[nodiscard]] const MaCrossoverParams& params() const { return p_; }

 private:
  struct PerSymbol {
    PerSymbol(std::size_t fast, std::size_t slow) : fast_ma(fast), slow_ma(slow) {}
    RollingStats fast_ma;
    RollingStats slow_ma;
    OrderTracker orders;
    int trend = 0;
    bool cross_pending = false;  // a cross whose trade has not been sent yet
    core::UnixNanos last_trade_ts = kLongAgo;
  };
  MaCrossoverParams p_;
  StrategyCore core_;
  std::vector<PerSymbol> sym_;
};

}  // namespace dmabot::strategy
