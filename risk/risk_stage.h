// risk/risk_stage.h — the risk stage: strategy signals in, approved orders out, venue reports back
// through positions and working orders to the strategy that owns them.
//
//   signals_in[i] ──Signal──▶ RiskChecker ──Order──▶ order_out (router)
//                                  │ reject: ExecReport{kRejected, venue kRiskVenue, reason}
//                                  ├──────────▶ exec_to_worker[slot - 1]   (+ tap to record_exec)
//   exec_in (router) ──ExecReport──┴─ positions, working orders ─▶ exec_to_worker[owner slot - 1]
//   md_in ──MdTick──▶ mids (price bands, unrealized PnL, drawdown)
//   status_in ──BookStatus──▶ stale books: new/replace orders on a stale symbol get kStaleBook
//                             (cancels pass) until the feed reports the book recovered
//   control (ops / shutdown) ──▶ kCancelAll, kKillSwitchOn (also cancels all), kKillSwitchOff
//   control (live venue)     ──▶ kPositionAdjust: Positions::adjust (the exchange's position at start,
//                                a reconciliation's correction), tapped to record_ctl; then
//                                adjusts_applied() counts it and published_qty() shows the result
//   control_in (replay)      ──▶ the recording's position_adjust lines, handled as the control queue's
//   positions_in[venue] ──PositionEvent──▶ the live venue's absolute position from its user-data
//                                stream (see below); a difference is booked like kPositionAdjust
//
// Position events (live Binance venues): the gateway sees the user-data stream in order, and Binance
// sends an account event (outboundAccountPosition / ACCOUNT_UPDATE) after the order events of the same
// change, so the event holds exactly the fills that preceded it on the stream. Those fills reach risk
// over the exec path (gateway → router → exec_in), the event over its own ring; the event says how many
// fill reports the gateway had emitted before it (fills_before), and risk takes it off its ring only
// once it has consumed that many fill reports from the venue. At that point risk's position holds the
// same fills as the exchange's, plus the ones the gateway reported from order responses that the stream
// has not shown yet (PositionEvent::unconfirmed_raw). So diff = qty + unconfirmed - risk's qty is what
// the engine did not trade: 0 → nothing; equal to -fees_raw (spot commissions in the base asset) →
// booked at once with cause kCommission, silently; else a change behind the engine's back (deposit,
// withdrawal, a trade on the web UI, ADL, liquidation, insurance clear) — once it holds: the event is
// kept (the latest per symbol and venue) and the difference is booked only when it is still there
// kPositionConfirmNs after it was first seen and risk has booked no fill of that symbol and venue since
// the latest event (else the next event decides); it goes away by itself when fills the event already held reach
// risk late (found by a trade query after a stream gap, or an account event Binance sent before its
// order event — USD-M does not promise that order). Booked at the mark (at the entry price when risk
// was flat) with cause kUserData, counted (position_external_changes_total{venue}) and handed to the
// control thread for one log line (next_position_notice()). Every booked difference is
// tapped to record_ctl as a `ctl` position_adjust line with its cause and venue, published
// (published_qty), and reported to the workers (below). position_events_total{venue} counts the events.
//
// Workers hear of every booked adjustment (kPositionAdjust or a position event) as a position adjust
// report (core::is_position_adjust_report): the change is summed per (worker, symbol) until the worker
// can take it, so nothing is lost or reordered against itself while its ring is full.
//
// Kill switch: every change of state — engaged by the operator or by MAX_DRAWDOWN / MAX_DAILY_LOSS,
// released by the operator — becomes one core::Control (RiskChecker::kill_event: command, cause,
// measured loss, limit, equity, time), built on the risk thread without formatting anything and
//   * tapped to record_ctl (the recorder's `ctl` line; lossless, core::tap_blocking),
//   * pushed to kill_log, which the control thread drains with next_kill_event() and logs
//     (describe_kill_event; a full log ring drops the entry and counts it in kill_log_dropped()),
//   * counted: kill_switch_trips_total{reason} / kill_switch_resets_total, the kill_switch gauge,
//     and kill_history() (first and last trip, last reset) for the final summary,
//   * broadcast to every worker as a risk state report (core::is_risk_state_report): "halted" with
//     the halt reject reason, or "resumed", so strategies stop sending instead of being rejected.
//     A worker whose ring and backlog are full gets it as soon as there is room (before newer
//     reports: it goes through the same backlog).
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
// One poll handles at most kBatch (64) events — controls, book statuses (<= 16), md (<= 16), venue
// reports (<= 16), engine cancels, then signals round-robin over the workers — plus whatever backlog
// it can flush. A signal about to be rejected as kStaleBook first drains status_in again: the feed
// pushes "recovered" before the fresh tick a signal may come from, so a signal visible here is never
// judged on an older status than the one its tick followed.
//
// Time: clock.now() stamps orders (Order::ts_local) and drives the rate windows and the UTC-day
// rollover, so a simulated clock reproduces decisions exactly. The clock is read through
// input_sequence() (core/input_sequence.h), once per run of takes from one input; with
// RECORD_FORMAT=journal each run is recorded (inputs take_ids::kRisk*: control commands, book statuses
// and live venues' position events with their payload; emitting queued engine cancels counts as an
// input too, since when it happens decides which orders they cancel, and so does a confirmation round
// of held position differences that decides something, since when it runs decides what is booked), and
// an exact replay follows the recorded runs.
//
// Metrics (registered in the constructor when metrics != nullptr; written by the risk thread only):
//   risk_rejects_total{reason}            every RejectReason, including zeros
//   signal_to_order_seconds               order.ts_local - signal.ts_local
//   inventory_qty{symbol,venue}           base qty
//   realized_pnl{symbol}, unrealized_pnl{symbol}, fees_paid{symbol}   quote, on fills / mid changes
//   equity                                total realized + unrealized - fees
//   kill_switch (0/1), working_orders
//   kill_switch_trips_total{reason}       manual, drawdown, daily_loss
//   kill_switch_resets_total
//   book_stale{symbol} (0/1), book_stale_events_total{symbol}   from status_in
// venue label: venue_names[i] when given, else the venue index.
//
// Threads: poll() on the risk thread only. The accessors after that thread stopped (shutdown
// summary), or from it. Allocation: in the constructor only (checker tables, backlogs, metrics).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
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
#include "core/input_sequence.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "risk/positions.h"
#include "risk/risk_checker.h"
#include "risk/risk_limits.h"

namespace dmabot::risk {

struct RiskRings {
  std::vector<core::SpscRing<core::Signal>*> signals_in;           // one per strategy worker
  core::SpscRing<core::MdTick>* md_in = nullptr;                   // mids for bands + unrealized PnL (nullable)
  core::SpscRing<core::BookStatus>* status_in = nullptr;           // stale/recovered books (nullable)
  core::SpscRing<core::ExecReport>* exec_in = nullptr;             // from the router (venue reports)
  core::SpscRing<core::Order>* order_out = nullptr;                // to the router
  std::vector<core::SpscRing<core::ExecReport>*> exec_to_worker;   // index = strategy slot - 1
  core::SpscRing<core::ExecReport>* record_exec = nullptr;         // risk rejections -> recorder (nullable)
  core::SpscRing<core::Control>* record_ctl = nullptr;             // kill-switch changes -> recorder (nullable)
  std::vector<core::SpscRing<core::PositionEvent>*> positions_in;  // by venue, nullptr: none (live venues)
  core::SpscRing<core::Control>* control_in = nullptr;  // a replay's recorded position adjustments (nullable)
  core::Counter* recorder_waits = nullptr;              // nullable
};

// What the kill switch did during the run (read by the control thread after the risk thread stopped).
struct KillSwitchHistory {
  uint64_t trips = 0;
  uint64_t resets = 0;
  core::Control first_trip;  // valid when trips > 0
  core::Control last_trip;   // valid when trips > 0
  core::Control last_reset;  // valid when resets > 0
  bool engaged = false;      // at the time of reading
};

// A position event risk booked as a change the engine did not trade, for the control thread's log line.
struct PositionNotice {
  core::Control adjust;      // as recorded (symbol, venue, measured = the change, limit = the price)
  int64_t exchange_raw = 0;  // the exchange's position (+ unconfirmed fills)
  int64_t engine_raw = 0;    // risk's before the change
  char reason[sizeof(core::PositionEvent::reason)] = {};
};
// One line (cold, allocates): "position BTCUSDT on venue binance_spot changed behind the engine's back
// (ADJUSTMENT): exchange 1.5, engine 1.0: adjusted by 0.5 at the mark".
[[nodiscard]] std::string describe_position_notice(const PositionNotice& n, std::string_view symbol,
                                                   std::string_view venue);

// Halt reject reason for a kill cause: kKillSwitch (manual), kDrawdown, kDailyLoss; kNone for kNone.
[[nodiscard]] core::RejectReason halt_reason(core::KillCause c);

// One line for a person (cold, allocates): "kill switch tripped at 2023-11-14 22:13:20.123 UTC
// reason=daily_loss (loss 512.30 > limit 500.00, equity -512.30)" or "kill switch reset at ...
// (lifts reason=daily_loss, equity -512.30)". Money with 2 decimals, truncated toward zero.
[[nodiscard]] std::string describe_kill_event(const core::Control& c);
// "2023-11-14 22:13:20.123 UTC" (ns since the epoch; simulated clocks start at a fixed epoch time).
[[nodiscard]] std::string format_utc_ms(core::UnixNanos ts);
// The final summary's line: "kill switch: not tripped", or "kill switch: tripped at ... reason=...
// (...)" for the last trip, followed by how many trips there were and whether it is still engaged.
[[nodiscard]] std::string describe_kill_history(const KillSwitchHistory& h);

class RiskStage final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kWorkerBacklog = 64;  // > a worker's SignalBuffer (16): see above
  static constexpr std::size_t kKillLogCapacity = 64;
  static constexpr int64_t kPositionConfirmNs = 1'000'000'000;  // a user-data difference must hold this long

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
  // Control thread (one consumer): the next kill-switch change not yet taken; false when none.
  [[nodiscard]] bool next_kill_event(core::Control& out);
  [[nodiscard]] uint64_t kill_log_dropped() const { return kill_log_dropped_.load(std::memory_order_relaxed); }
  // After the risk thread stopped (or from it).
  [[nodiscard]] KillSwitchHistory kill_history() const;
  // True when nothing waits inside the stage (backlogs, queued engine cancels).
  [[nodiscard]] bool idle() const;
  // Any thread (acquire): the (symbol, venue) position as of the last report or adjustment risk applied
  // (raw base qty), and how many kPositionAdjust commands it has handled (applied or out of range). A
  // reconciler that enqueued n adjustments reads published_qty() only once adjusts_applied() reached n.
  [[nodiscard]] int64_t published_qty(core::SymbolId s, uint8_t venue) const {
    const std::size_t i = s * n_venues_ + venue;
    return s < n_symbols_ && venue < n_venues_ ? published_qty_[i].load(std::memory_order_acquire) : 0;
  }
  [[nodiscard]] uint64_t adjusts_applied() const { return adjusts_applied_.load(std::memory_order_acquire); }
  // Any thread: position events compared, and those booked as a change the engine did not trade.
  [[nodiscard]] uint64_t position_events() const { return position_events_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t external_changes() const { return external_changes_.load(std::memory_order_relaxed); }
  // Control thread (one consumer): the next external change to log; false when none (a full ring of
  // kKillLogCapacity drops the notice and counts it in kill_log_dropped()).
  [[nodiscard]] bool next_position_notice(PositionNotice& out);
  // Cold, before the risk thread runs (Engine::start, ON_START_OPEN_ORDERS=adopt): RiskChecker::adopt.
  // Its reports go to no worker (slot 0: unrouted_reports()).
  // Cold, before the stage runs: record or replay its input takes. Off by default.
  [[nodiscard]] core::InputSequence& input_sequence() { return seq_; }
  [[nodiscard]] const core::InputSequence& input_sequence() const { return seq_; }
  // Cold, before the stage runs (Engine::start, ON_START_OPEN_ORDERS=adopt): an order already working
  // on a live venue becomes a working order of risk's; recorded as a take (kRiskAdopted) so an exact
  // replay adopts it at the same point. False: the checker's table is full.
  bool adopt_order(const core::Order& o);

 private:
  // Fixed ring of reports waiting for a worker's exec ring.
  struct Backlog {
    std::vector<core::ExecReport> items;  // sized kWorkerBacklog
    std::size_t head = 0;
    std::size_t count = 0;
  };

  int drain_control();
  int flush_backlogs();
  int flush_state_reports();
  // After the kill switch changed state: record, log, count, tell the workers.
  void on_kill_change(core::UnixNanos now);
  int emit_engine_cancels(int budget);
  int poll_status(int budget);
  int poll_md(int budget);
  int poll_exec(int budget);
  int poll_signals(int budget);
  // Worker index for a slot, or -1.
  [[nodiscard]] int worker_index(uint8_t slot) const;
  [[nodiscard]] bool can_deliver(int worker);
  void deliver(int worker, const core::ExecReport& r);
  void publish_fill(core::SymbolId s, uint8_t venue);
  void publish_qty(core::SymbolId s, uint8_t venue);
  void on_position_adjust(const core::Control& c);
  // Books delta at px for (s, venue) as cause; records, publishes, tells the workers. False: nothing
  // changed (out of range, delta 0).
  bool book_adjust(core::SymbolId s, uint8_t venue, int64_t delta_raw, int64_t px_raw, core::KillCause cause,
                   core::UnixNanos now, core::Control& rec);
  int poll_positions(int budget);
  int confirm_positions();
  int take_adopted();
  void on_position_event(const core::PositionEvent& e, uint8_t venue, core::UnixNanos now);
  enum class PositionVerdict : uint8_t { kWait, kResolved, kBook };
  [[nodiscard]] PositionVerdict verdict(std::size_t pending_index, core::UnixNanos now) const;
  int flush_adjust_reports();
  void publish_mark(core::SymbolId s);
  void publish_state();

  RiskChecker checker_;
  const core::Clock& clock_;
  core::InputSequence seq_;
  RiskRings rings_;
  moodycamel::ConcurrentQueue<core::Control>* control_;
  std::vector<Backlog> backlogs_;  // one per exec_to_worker
  std::size_t n_venues_;
  std::size_t n_symbols_;
  std::unique_ptr<std::atomic<int64_t>[]> published_qty_;  // [symbol * n_venues + venue]
  std::atomic<uint64_t> adjusts_applied_{0};
  std::size_t next_worker_ = 0;  // round-robin start for signals
  uint64_t engine_cancel_seq_ = 0;
  uint64_t unrouted_ = 0;
  core::SpscRing<core::Control> kill_log_{kKillLogCapacity};
  std::atomic<uint64_t> kill_log_dropped_{0};
  KillSwitchHistory kill_history_;
  std::vector<uint64_t> venue_fills_;  // fill reports consumed from exec_in, by venue
  struct PendingPosition {             // a user-data difference waiting to be confirmed
    core::PositionEvent event;         // the latest event for the (symbol, venue)
    uint64_t fills_at = 0;             // symbol_fills_ when it was taken
    core::UnixNanos since = 0;         // first seen unresolved
    bool active = false;
  };
  std::vector<PendingPosition> pending_pos_;  // [symbol * n_venues + venue], sized when positions_in is set
  std::size_t pending_pos_n_ = 0;
  std::vector<uint64_t> symbol_fills_;   // fill reports per (symbol, venue), with pending_pos_
  std::vector<int64_t> adjust_pending_;  // [worker * n_symbols + symbol]: change not yet reported
  std::vector<uint8_t> adjust_waiting_;  // per worker: some adjust_pending_ entry is non-zero
  std::atomic<uint64_t> position_events_{0};
  std::atomic<uint64_t> external_changes_{0};
  core::SpscRing<PositionNotice> position_log_{kKillLogCapacity};
  std::vector<core::Counter*> position_event_counters_;  // [venue]
  std::vector<core::Counter*> external_counters_;        // [venue]
  std::vector<uint8_t> state_pending_;                   // per worker: a state report waits for room
  core::ExecReport state_report_;                        // the one to send (the latest state wins)

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
  std::array<core::Counter*, 4> trips_by_cause_{};  // index = KillCause
  core::Counter* resets_ = nullptr;
  std::vector<core::Gauge*> stale_gauges_;      // [symbol]
  std::vector<core::Counter*> stale_counters_;  // [symbol]
};

}  // namespace dmabot::risk
