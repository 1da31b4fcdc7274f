// strategy/mean_reversion.h — MeanReversion ("mean_reversion"): fade moves away from a rolling mean.
//
// Per symbol, on every usable tick the mid joins a window of the last MR_WINDOW mids (including
// this one); once the window is full:
//   z    = (mid - mean) / stdev        (population stdev; no decision while stdev == 0)
//   edge = |mid - mean| / mean * 1e4   (bps)
//   entry: |z| >= MR_ENTRY_Z and edge >= MR_MIN_EDGE_BPS and the position is not already on the
//          fading side -> IOC limit at the touch toward target = -sign(z) * MR_ORDER_USD / mid
//          (sell into a rise, buy into a drop); at most one entry per MR_COOLDOWN_MS of tick time.
//          With MR_LONG_ONLY the short target becomes flat (sell what is held, never short).
//   exit:  |z| <= MR_EXIT_Z with a position -> IOC toward flat (no cooldown: exits reduce risk).
// One order per symbol at a time (see strategy/quoting.h take_toward).
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

struct MeanReversionParams {
  int64_t window = 50;          // MR_WINDOW        mids, 2..100000
  double entry_z = 2.0;         // MR_ENTRY_Z       0.01..100
  double exit_z = 0.5;          // MR_EXIT_Z        0..100, below MR_ENTRY_Z
  double order_usd = 20.0;      // MR_ORDER_USD     quote units, > 0
  double min_edge_bps = 1.0;    // MR_MIN_EDGE_BPS  0..10000
  int64_t cooldown_ms = 1000;   // MR_COOLDOWN_MS   0..86400000
  bool long_only = false;       // MR_LONG_ONLY     spot accounts cannot short

  static absl::StatusOr<MeanReversionParams> from_config(core::Config& cfg);
};

class MeanReversion {
 public:
  static constexpr std::string_view kName = "mean_reversion";

  explicit MeanReversion(const MeanReversionParams& p, const StrategyContext& ctx);

  void on_tick(const core::MdTick& t, SignalBuffer& out);
  void on_exec(const core::ExecReport& r, SignalBuffer& out);
  [[nodiscard]] core::Qty inventory(core::SymbolId id) const { return core_.inventory(id); }

  [[nodiscard]] const OrderTracker& tracker(core::SymbolId id) const { return sym_[id].orders; }
  [[nodiscard]] const MeanReversionParams& params() const { return p_; }

 private:
  struct PerSymbol {
    explicit PerSymbol(std::size_t window) : mids(window) {}
    RollingStats mids;
    OrderTracker orders;
    core::UnixNanos last_entry_ts = kLongAgo;
  };
  MeanReversionParams p_;
  StrategyCore core_;
  std::vector<PerSymbol> sym_;
};

}  // namespace dmabot::strategy
