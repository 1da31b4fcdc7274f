// tools/backtest_driver.h — runs a backtest: the engine fused on a simulated clock, observed by a
// BacktestRecorder (tools/backtest_report.h), producing summary.json and report.html.
//
// BacktestObserver drains the engine's ObserverRings (EngineOptions::observe) after every fused
// step: routed orders and venue reports give order, cancel and fill counts, every fill (time, side,
// price, qty, fee, maker), venue rejects and expiries by reason, and our working quotes (best working
// bid and ask of the chart symbol); risk's positions give each symbol's mid (BacktestRecorder::on_mark,
// after the step's fills, so a fill is measured against the mid before it), the chart symbol's
// inventory and PnL (realized + unrealized - fees, summed over symbols). A sample is taken when
// BACKTEST_SAMPLE_MS of simulated time has passed and after every fill, so the PnL and drawdown curves
// see every trade. At construction it gives the recorder the run's parameters (backtest_run_info) and
// at finish() risk's rejects by reason (Engine::risk_rejects).
//
// run_backtest() drives: open_fused(), step until the feed has finished, shutdown() (cancels what is
// still working, drains), a last sample. `progress` (nullable) is called about every 2^16 steps.
//
// Threads: everything on the calling thread. Allocation: the observer reserves its working-order
// table at construction; draining allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/events.h"
#include "tools/backtest_report.h"
#include "tools/engine.h"

namespace dmabot::tools {

// What the report states about the run: the effective parameters that shape a backtest (the
// strategies' own keys, risk, router, instruments, the venue and feed in use, BACKTEST_*; not secrets,
// not keys of unused modes or strategies, not plumbing such as threads, metrics or logging), the fee
// rates of the venue, the chart symbol and its units.
[[nodiscard]] RunInfo backtest_run_info(const EngineConfig& ec, const core::SymbolTable& symbols,
                                        core::SymbolId chart_symbol);

class BacktestObserver {
 public:
  BacktestObserver(Engine& engine, BacktestRecorder& rec, core::SymbolId chart_symbol);
  // Drains the observer rings; samples when due. After every Engine::step_fused().
  void drain();
  // A last sample at the current time (after shutdown()).
  void finish();
  [[nodiscard]] std::size_t working() const { return working_.size(); }

 private:
  struct Working {
    uint64_t client_id = 0;
    core::Price price;
    core::Side side = core::Side::kBuy;
  };
  void on_order(const core::Order& o);
  void on_exec(const core::ExecReport& r);
  void remove(uint64_t client_id);
  void sample(core::UnixNanos ts);
  void mark(core::UnixNanos ts);

  Engine& engine_;
  BacktestRecorder& rec_;
  ObserverRings rings_;
  core::SymbolId chart_;
  std::vector<Working> working_;  // orders of the chart symbol sent and not yet final
  std::array<uint64_t, static_cast<std::size_t>(core::RejectReason::kCount)> venue_rejects_{};
  uint64_t expired_ = 0;
};

struct BacktestProgress {
  uint64_t steps = 0;
  uint64_t events = 0;     // Engine::market_events()
  double fraction = -1.0;  // Engine::feed_progress()
};

// Runs the engine (created with EngineOptions::observe and a simulated clock) to the end of its feed.
absl::Status run_backtest(Engine& engine, BacktestRecorder& rec, core::SymbolId chart_symbol,
                          void (*progress)(const BacktestProgress&, void*) = nullptr, void* progress_ctx = nullptr);

}  // namespace dmabot::tools
