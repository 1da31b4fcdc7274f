// strategy/avellaneda_stoikov.h — AvellanedaStoikov ("as"): the Avellaneda & Stoikov (2008)
// inventory-aware market maker.
//
// The model (as_quotes, pure, reusable by the paper's simulation):
//   reservation r = s - q * gamma * sigma^2 * tau
//   spread  delta = gamma * sigma^2 * tau + (2 / gamma) * ln(1 + gamma / k)
//   bid = r - delta / 2,   ask = r + delta / 2
// with s the mid, q the inventory in units of the order size, gamma the risk aversion, sigma the
// volatility in price units per sqrt(second), tau = T - t in seconds and k the order-arrival decay.
//
// Live use, per symbol: s = tick mid; q = inventory / AS_ORDER_QTY; tau = AS_HORIZON_S held constant
// (a rolling horizon: the paper's terminal time never arrives in continuous trading); sigma =
// AS_SIGMA when > 0, else the realized volatility of the mid sampled on a fixed time grid:
// every h = AS_SIGMA_SAMPLE_MS of tick time (ts_local) the mid in force at that instant (the last
// tick at or before it) is sampled, and over the last AS_SIGMA_WINDOW increments d between samples
//     sigma^2 = sum(d^2) / (AS_SIGMA_WINDOW * h in seconds)
// (no quotes until the window is full). Why a grid and not tick-to-tick changes over their own dt:
// feeds deliver ticks in bursts whose local stamps are nanoseconds apart (a network read holding
// many messages: on the USD-M capture 24% of bookTicker gaps are < 1 µs), so sum(dt) over a window
// of tick changes can be ~0 while the price moved — dividing by it put quotes 10% off the mid. On the
// grid the denominator is always the window's true length, and a quiet gap simply samples zero
// increments. A gap longer than the window only needs window + 1 samples, so a tick after an hour
// of silence costs O(window), not O(gap / h). Nothing is clamped. Quotes are post-only, AS_ORDER_QTY
// each (rounded down to the lot step), quantized (bid down, ask up, one tick off the opposite
// touch), kept while within AS_TOLERANCE_BPS of the new target and replaced otherwise, at most once
// per AS_MIN_REQUOTE_MS of tick time per side.
//
// Threads: one worker thread. Allocation: constructor only.
#pragma once

#include <array>
#include <cmath>
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

struct AsQuotes {
  double reservation = 0.0;
  double spread = 0.0;  // total, ask - bid
  double bid = 0.0;
  double ask = 0.0;
};

[[nodiscard]] inline AsQuotes as_quotes(double s, double q, double gamma, double sigma, double tau,
                                        double k) noexcept {
  AsQuotes a;
  const double risk = gamma * sigma * sigma * tau;
  a.reservation = s - q * risk;
  a.spread = risk + (2.0 / gamma) * std::log(1.0 + gamma / k);
  a.bid = a.reservation - a.spread / 2.0;
  a.ask = a.reservation + a.spread / 2.0;
  return a;
}

struct AvellanedaStoikovParams {
  double gamma = 0.1;                                     // AS_GAMMA          1e-9..1000
  double k = 1.5;                                         // AS_K              1e-9..1e9
  double sigma = 0.0;                                     // AS_SIGMA          0 = estimate; price/sqrt(s)
  int64_t sigma_window = 100;                             // AS_SIGMA_WINDOW   sampled increments, 2..100000
  int64_t sigma_sample_ms = 100;                          // AS_SIGMA_SAMPLE_MS grid step h, 1..3600000
  double horizon_s = 1.0;                                 // AS_HORIZON_S      1e-6..1e6 seconds
  core::Qty order_qty = core::Qty::from_raw(100'000);     // AS_ORDER_QTY      base qty (0.001), > 0
  double tolerance_bps = 1.0;                             // AS_TOLERANCE_BPS  0..10000
  int64_t min_requote_ms = 0;                             // AS_MIN_REQUOTE_MS 0..3600000

  static absl::StatusOr<AvellanedaStoikovParams> from_config(core::Config& cfg);
};

class AvellanedaStoikov {
 public:
  static constexpr std::string_view kName = "as";

  explicit AvellanedaStoikov(const AvellanedaStoikovParams& p, const StrategyContext& ctx);

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

  // Volatility in use for a symbol (price per sqrt(second)); < 0 while it cannot be estimated.
  [[nodiscard]] double sigma(core::SymbolId id) const;
  [[nodiscard]] const OrderTracker& side(core::SymbolId id, core::Side s) const {
    return sym_[id].sides[static_cast<int>(s)];
  }
  [[nodiscard]] const AvellanedaStoikovParams& params() const { return p_; }

 private:
  struct PerSymbol {
    explicit PerSymbol(std::size_t window) : d2(window) {}
    RollingStats d2;                  // squared increments of the sampled mid
    double last_mid = 0.0;            // 0 before the first usable tick
    double sample_mid = 0.0;          // mid at the last grid point
    core::UnixNanos next_sample = 0;  // the next grid point
    std::array<OrderTracker, 2> sides;
    bool stale = false;  // the live feed says the book is stale
  };
  // Samples the grid points strictly before ts (their mid is known once a later tick arrives).
  void sample_until(PerSymbol& s, core::UnixNanos ts) const;
  AvellanedaStoikovParams p_;
  StrategyCore core_;
  std::vector<PerSymbol> sym_;
};

}  // namespace dmabot::strategy
