// risk/risk_stage.h — the risk stage: strategy signals in, approved orders out, venue reports back
// through positions and working orders to the strategy that owns them.
//
//   signals_in[i] ──Signal──▶ RiskChecker ──Order──▶ order_out (router)
//                                  │ reject: ExecReport{kRejected, venue kRiskVenue, reason}
//                                  ├──────────▶ exec_to_worker[slot - 1]   (+ tap to record_exec)
//   exec_in (router) ──ExecReport──┴─ positions, working orders ─▶ exec_to_worker[owner slot - 1]
//   md_in ──MdTick──▶ mids (price bands, unrealized PnL, drawdown)
//   control (ops / shutdown) ──▶ kCancelAll, kKillSwitchOn (also cancels all), kKillSwitchOff
//
// Flow control (never drops, never blocks): a signal is consumed only when what it produces has
// room — order_out for an approved one, the owner's exec ring for a rejected one. Reports for a
// worker whose exec ring is full wait in a small per-worker backlog (kWorkerBacklog, pre-reserved)
// and go out in order before anything newer. The backlog breaks the wait cycle worker ⇄ risk that a
// full exec ring and a full signal ring would otherwise form when both stages fuse on one thread:
// the worker stops reading reports while it cannot emit, and risk would stop reading its signals
// while it cannot report. A venue report is consumed only when its worker (ring or backlog) can take
// it. Engine cancels (cancel-all, kill switch, drawdown) are emitted as order_out has room, with
// client ids core::make_client_id(0, n) (slot 0 = engine); their reports carry the target's id and
// go to the target's owner. Reports for slot 0 or an unknown slot are not forwarded
// (unrouted_reports()).
//
// One poll handles at most kBatch (64) events — controls, md (<= 16), venue reports (<= 16), engine
// cancels, then signals round-robin over the workers — plus whatever backlog it can flush.
//
// Time: clock.now() stamps orders (Order::ts_local) and drives the rate windows and the UTC-day
// rollover, so a simulated clock reproduces decisions exactly.
//
// Metrics (registered in the constructor when metrics != nullptr; written by the risk thread only):
//   risk_rejects_total{reason}            every RejectReason, including zeros
//   signal_to_order_seconds               order.ts_local - signal.ts_local
//   inventory_qty{symbol,venue}           base qty
//   realized_pnl{symbol}, unrealized_pnl{symbol}, fees_paid{symbol}   quote, on fills / mid changes
//   equity                                total realized + unrealized - fees
//   kill_switch (0/1), working_orders
// venue label: venue_names[i] when given, else the venue index.
//
// Threads: poll() on the risk thread only. The accessors after that thread stopped (shutdown
// summary), or from it. Allocation: in the constructor only (checker tables, backlogs, metrics).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<concurrentqueue/moodycamel/concurrentqueue.h>)
#include <concurrentqueue/moodycamel/concurrentqueue.h>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif

#include "core/clock.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "risk/positions.h"
#include "risk/risk_checker.h"
#include "risk/risk_limits.h"

namespace dmabot::risk {

struct RiskRings {
  std::vector<core::SpscRing<core::Signal>*> signals_in;          // one per strategy worker
  core::SpscRing<core::MdTick>* md_in = nullptr;                  // mids for bands + unrealized PnL (nullable)
  core::SpscRing<core::ExecReport>* exec_in = nullptr;            // from the router (venue reports)
  core::SpscRing<core::Order>* order_out = nullptr;               // to the router
  std::vector<core::SpscRing<core::ExecReport>*> exec_to_worker;  // index = strategy slot - 1
  core::SpscRing<core::ExecReport>* record_exec = nullptr;        // risk rejections -> recorder (nullable)
  core::Counter* recorder_waits = nullptr;                        // nullable
};

class RiskStage final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kWorkerBacklog = 64;  // > a worker's SignalBuffer (16): see above

  RiskStage(RiskLimits limits, const core::SymbolTable& symbols, std::size_t n_venues, const core::Clock& clock,
            RiskRings rings, core::Registry* metrics /*nullable*/,
            moodycamel::ConcurrentQueue<core::Control>* control /*nullable*/,
            std::vector<std::string> venue_names = {});

  int poll() override;
  std::string_view name() const override { return "risk"; }

  // Shutdown summary / tests.
  [[nodiscard]] const Positions& positions() const { return checker_.positions(); }
  [[nodiscard]] std::size_t working_orders() const { return checker_.working_orders(); }
  [[nodiscard]] uint64_t rejects(core::RejectReason r) const { return checker_.rejects(r); }
  [[nodiscard]] bool kill_switch() const { return checker_.kill_switch(); }
  [[nodiscard]] const RiskChecker& checker() const { return checker_; }
  [[nodiscard]] uint64_t unrouted_reports() const { return unrouted_; }
  // True when nothing waits inside the stage (backlogs, queued engine cancels).
  [[nodiscard]] bool idle() const;

 private:
  // Fixed ring of reports waiting for a worker's exec ring.
  struct Backlog {
    std::vector<core::ExecReport> items;  // sized kWorkerBacklog
    std::size_t head = 0;
    std::size_t count = 0;
  };

  int drain_control();
  int flush_backlogs();
  int emit_engine_cancels(int budget);
  int poll_md(int budget);
  int poll_exec(int budget);
  int poll_signals(int budget);
  // Worker index for a slot, or -1.
  [[nodiscard]] int worker_index(uint8_t slot) const;
  [[nodiscard]] bool can_deliver(int worker);
  void deliver(int worker, const core::ExecReport& r);
  void publish_fill(core::SymbolId s, uint8_t venue);
  void publish_mark(core::SymbolId s);
  void publish_state();

  RiskChecker checker_;
  const core::Clock& clock_;
  RiskRings rings_;
  moodycamel::ConcurrentQueue<core::Control>* control_;
  std::vector<Backlog> backlogs_;  // one per exec_to_worker
  std::size_t n_venues_;
  std::size_t next_worker_ = 0;  // round-robin start for signals
  uint64_t engine_cancel_seq_ = 0;
  uint64_t unrouted_ = 0;

  // Metrics (all nullptr without a registry).
  std::array<core::Counter*, static_cast<std::size_t>(core::RejectReason::kCount)> reject_counters_{};
  core::LatencyHistogram* signal_to_order_ = nullptr;
  std::vector<core::Gauge*> inventory_;  // [symbol * n_venues + venue]
  std::vector<core::Gauge*> realized_;
  std::vector<core::Gauge*> unrealized_;
  std::vector<core::Gauge*> fees_;
  core::Gauge* equity_ = nullptr;
  core::Gauge* kill_gauge_ = nullptr;
  core::Gauge* working_gauge_ = nullptr;
};

}  // namespace dmabot::risk
