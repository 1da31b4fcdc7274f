// strategy/strategy_worker.h — StrategyWorker, the stage that runs one strategy instance for a
// shard of symbols: ticks and own exec reports in, signals out.
//
// poll(), a bounded batch (at most kBatch input events):
//   1. drain pending signals (left from an earlier event because signal_out was full);
//   2. book statuses (status_in: the live feed's stale/recovered books), all that are there;
//   3. exec reports, as many as are available up to the batch — before ticks, so the strategy sees
//      its fills, acks and rejects as early as possible and decides on fresh state;
//   4. ticks, for the rest of the batch; statuses that arrived meanwhile go first, before each tick
//      (the feed pushes a status before the tick that follows it, so a tick is never handled on an
//      older status than the feed had when it sent the tick).
// An input event is consumed only while the pending buffer is empty, and its signals are pushed
// right away; whatever does not fit stays pending and blocks further input until it drains. So a
// full output ring stops this stage instead of dropping a signal, and a consumer fused on the same
// thread always gets its turn (no deadlock).
//
// Back-off after a risk rejection (so a strategy does not resend a refused intent on every tick):
//   * a report from risk (venue kRiskVenue) with status kRejected and a non-halt reason backs the
//     report's symbol off: no new/replace for it until clock.now() + first_ns * 2^(n-1), capped at
//     max_ns, where n counts that symbol's rejects since its last accepted order; a venue report of
//     an accepted order (kNew ack or a fill) for the symbol ends the back-off and resets n;
//   * a halt reason (core::is_halt: kill switch, drawdown, daily loss), or risk's "halted" state
//     report, stops new/replace orders on every symbol until risk's "resumed" state report
//     (core::is_risk_state_report; state reports are not passed to the strategy).
//   * a stale book (a BookStatus with stale = true) holds new/replace orders of its symbol until the
//     status that says it recovered; the strategy hears both through its on_book_status hook (a
//     market maker pulls its quotes). Risk's kStaleBook rejects start no back-off (the hold covers it).
// Position adjust reports from risk (core::is_position_adjust_report) go to the strategy's
// on_position_adjust hook when the symbol is in this worker's shard (set_shard: symbol % count ==
// index; default: every symbol); they change no halt or back-off state.
// The worker applies it through SignalBuffer::hold_new_orders before each event of a held symbol: the
// strategy keeps its indicators up to date and simply finds the buffer full. Cancels always pass.
// The clock is read only while some symbol backs off. held_signals() counts the refused pushes.
//
// Time and input order (core/input_sequence.h): every take goes through input_sequence(), which
// reads the clock once per run of takes (the time the signals of that run are stamped with and the
// back-off is judged at) and, with RECORD_FORMAT=journal, records the run; in an exact replay it
// lets the worker take exactly the recorded inputs, in order, at the recorded times.
//
// Each emitted signal gets ts_local = clock.now() (read once per event that produced signals) and,
// when it is pushed: signals_by_symbol[symbol]->inc(), tick_to_signal->record(ts_local - ts_tick)
// (signals with ts_tick == 0 are not timed), and a copy to record_out through core::tap_blocking
// (lossless; the recorder runs on its own thread). ticks_seen counts ticks handed to the strategy.
// Every metric pointer may be null.
//
// Threads: poll() on one thread — the consumer of md_in and exec_in and the producer of signal_out
// and record_out. strategy() is for that thread, or for any thread once the runner stopped.
// Allocation: none after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/input_sequence.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "strategy/registry.h"
#include "strategy/signal_buffer.h"

namespace dmabot::strategy {

struct WorkerRings {
  core::SpscRing<core::MdTick>* md_in = nullptr;
  core::SpscRing<core::ExecReport>* exec_in = nullptr;
  core::SpscRing<core::Signal>* signal_out = nullptr;
  core::SpscRing<core::Signal>* record_out = nullptr;     // nullable
  core::Counter* recorder_waits = nullptr;                // nullable
  core::SpscRing<core::BookStatus>* status_in = nullptr;  // nullable: no live feed, no statuses
};

struct WorkerMetrics {
  std::vector<core::Counter*> signals_by_symbol;     // indexed by SymbolId, may hold nullptr
  core::LatencyHistogram* tick_to_signal = nullptr;  // nullable
  core::Counter* ticks_seen = nullptr;               // nullable
};

struct BackoffPolicy {
  int64_t first_ns = 50'000'000;   // after the first reject: 50 ms
  int64_t max_ns = 5'000'000'000;  // doubling per further reject, at most 5 s
};

class StrategyWorker final : public core::Stage {
 public:
  static constexpr int kBatch = 64;

  // The clock is held by reference (a simulated clock is advanced by the driver): it must outlive
  // the worker. md_in/exec_in may be null (that input is then never polled); signal_out must not.
  StrategyWorker(std::string name, AnyStrategy strategy, const core::Clock& clock, WorkerRings rings,
                 WorkerMetrics metrics, BackoffPolicy backoff = {});

  // Returns input events consumed plus signals pushed (0 = idle).
  int poll() override;
  std::string_view name() const override { return name_; }

  [[nodiscard]] const AnyStrategy& strategy() const { return strategy_; }
  [[nodiscard]] std::size_t pending_signals() const { return pending_.size(); }
  [[nodiscard]] uint64_t signals_emitted() const { return signals_emitted_; }
  [[nodiscard]] uint64_t held_signals() const { return pending_.held(); }
  [[nodiscard]] bool halted() const { return halted_; }
  // True while new orders for the symbol are held back (halted, stale book, or backing off at clock.now()).
  [[nodiscard]] bool holds(core::SymbolId s) const;
  [[nodiscard]] bool book_stale(core::SymbolId s) const { return s < stale_.size() && stale_[s] != 0; }
  [[nodiscard]] uint64_t book_statuses() const { return book_statuses_; }
  // Cold, before the stage runs: record or replay its input takes (core/input_sequence.h; inputs
  // take_ids::kWorkerMd / kWorkerExec / kWorkerStatus). Off by default.
  [[nodiscard]] core::InputSequence& input_sequence() { return seq_; }
  [[nodiscard]] const core::InputSequence& input_sequence() const { return seq_; }
  // Cold, before poll(): the symbols this worker trades (symbol % count == index), as the feed shards.
  void set_shard(uint32_t count, uint32_t index) {
    shard_count_ = count == 0 ? 1 : count;
    shard_index_ = index;
  }

 private:
  // Pushes pending signals while signal_out has room; returns how many went out.
  int drain();
  void stamp_pending();
  // Updates halt/back-off state from a report; false for a risk state report (not for the strategy).
  bool note_report(const core::ExecReport& r);
  // Hands waiting book statuses to the strategy while the pending buffer is empty; adds what it
  // consumed and pushed to consumed / work.
  void poll_statuses(int& consumed, int& work);
  // A book status is due before the next tick: one waits in status_in (replay: the next take is one).
  [[nodiscard]] bool status_waiting() const;

  struct Backoff {
    core::UnixNanos until = 0;
    uint32_t rejects = 0;  // since the last accepted order
  };

  std::string name_;
  AnyStrategy strategy_;
  const core::Clock& clock_;
  core::InputSequence seq_;  // every input take and every clock read goes through it
  WorkerRings rings_;
  WorkerMetrics metrics_;
  SignalBuffer pending_;
  uint64_t signals_emitted_ = 0;
  BackoffPolicy policy_;
  std::vector<Backoff> backoff_;  // indexed by SymbolId, sized SymbolTable::kMaxSymbols
  std::size_t backing_off_ = 0;   // symbols with rejects != 0
  std::vector<uint8_t> stale_;    // indexed by SymbolId: 1 while the book is stale
  uint64_t book_statuses_ = 0;
  bool halted_ = false;
  uint32_t shard_count_ = 1;
  uint32_t shard_index_ = 0;
};

}  // namespace dmabot::strategy
