#include "strategy/strategy_worker.h"

#include <utility>

#include "core/symbol_table.h"
#include "core/tap.h"

namespace dmabot::strategy {

StrategyWorker::StrategyWorker(std::string name, AnyStrategy strategy, const core::Clock& clock, WorkerRings rings,
                               WorkerMetrics metrics, BackoffPolicy backoff)
    : name_(std::move(name)),
      strategy_(std::move(strategy)),
      clock_(clock),
      seq_(clock),
      rings_(rings),
      metrics_(std::move(metrics)),
      policy_(backoff),
      backoff_(core::SymbolTable::kMaxSymbols),
      stale_(core::SymbolTable::kMaxSymbols, 0) {}

bool StrategyWorker::holds(core::SymbolId s) const {
  if (halted_) return true;
  if (s < stale_.size() && stale_[s] != 0) return true;
  if (backing_off_ == 0 || s >= backoff_.size()) return false;
  const Backoff& b = backoff_[s];
  return b.rejects != 0 && seq_.now() < b.until;
}

bool StrategyWorker::note_report(const core::ExecReport& r) {
  if (core::is_risk_state_report(r)) {
    halted_ = r.status == core::ExecStatus::kRejected && core::is_halt(r.reject_reason);
    return false;
  }
  if (r.symbol >= backoff_.size()) return true;
  Backoff& b = backoff_[r.symbol];
  if (r.venue == core::kRiskVenue) {
    if (r.status != core::ExecStatus::kRejected) return true;
    if (core::is_halt(r.reject_reason)) {
      halted_ = true;
      return true;
    }
    if (r.reject_reason == core::RejectReason::kStaleBook) return true;  // held until the book recovers
    if (b.rejects++ == 0) ++backing_off_;
    int64_t delay = policy_.first_ns;
    for (uint32_t i = 1; i < b.rejects && delay < policy_.max_ns; ++i) delay *= 2;
    b.until = seq_.now() + (delay < policy_.max_ns ? delay : policy_.max_ns);
    return true;
  }
  const bool accepted = r.status == core::ExecStatus::kNew || r.last_qty.raw > 0;
  if (accepted && b.rejects != 0) {
    b.rejects = 0;
    --backing_off_;
  }
  return true;
}

void StrategyWorker::stamp_pending() {
  if (pending_.empty()) return;
  const core::UnixNanos now = seq_.now();
  for (core::Signal& s : pending_) s.ts_local = now;
}

int StrategyWorker::drain() {
  int pushed = 0;
  while (!pending_.empty()) {
    const core::Signal& s = pending_.front();
    if (!rings_.signal_out->try_push(s)) break;
    if (s.symbol < metrics_.signals_by_symbol.size() && metrics_.signals_by_symbol[s.symbol] != nullptr) {
      metrics_.signals_by_symbol[s.symbol]->inc();
    }
    if (metrics_.tick_to_signal != nullptr && s.ts_tick != 0) metrics_.tick_to_signal->record(s.ts_local - s.ts_tick);
    core::tap_blocking(rings_.record_out, s, rings_.recorder_waits);
    pending_.pop_front();
    ++signals_emitted_;
    ++pushed;
  }
  return pushed;
}

void StrategyWorker::poll_statuses(int& consumed, int& work) {
  using namespace core::take_ids;
  while (pending_.empty()) {
    core::BookStatus st;
    if (!seq_.take_payload_from(kWorkerStatus, rings_.status_in, st)) break;
    if (st.symbol < stale_.size()) stale_[st.symbol] = st.stale ? 1 : 0;
    pending_.hold_new_orders(holds(st.symbol));
    on_book_status(strategy_, st, pending_);
    ++book_statuses_;
    ++consumed;
    stamp_pending();
    work += drain();
  }
}

bool StrategyWorker::status_waiting() const {
  if (seq_.replaying()) return seq_.next_is(core::take_ids::kWorkerStatus);
  return rings_.status_in != nullptr && rings_.status_in->front() != nullptr;
}

int StrategyWorker::poll() {
  using namespace core::take_ids;
  int work = drain();
  int consumed = 0;
  poll_statuses(consumed, work);
  if (rings_.exec_in != nullptr) {
    while (consumed < kBatch && pending_.empty()) {
      const core::ExecReport* r = rings_.exec_in->front();
      if (r == nullptr || !seq_.may_take(kWorkerExec, r->ts_local)) break;
      if (core::is_position_adjust_report(*r)) {
        if (r->symbol % shard_count_ == shard_index_) {
          pending_.hold_new_orders(holds(r->symbol));
          on_position_adjust(strategy_, *r, pending_);
        }
      } else if (note_report(*r)) {
        pending_.hold_new_orders(holds(r->symbol));
        on_exec(strategy_, *r, pending_);
      }
      rings_.exec_in->pop();
      seq_.took();
      ++consumed;
      stamp_pending();
      work += drain();
    }
  }
  if (rings_.md_in != nullptr) {
    while (consumed < kBatch && pending_.empty()) {
      const core::MdTick* t = rings_.md_in->front();
      if (t == nullptr) break;
      if (status_waiting()) {
        poll_statuses(consumed, work);  // statuses the feed pushed before this tick
        continue;
      }
      if (!seq_.may_take(kWorkerMd, t->ts_local)) break;
      pending_.hold_new_orders(holds(t->symbol));
      on_tick(strategy_, *t, pending_);
      rings_.md_in->pop();
      seq_.took();
      ++consumed;
      if (metrics_.ticks_seen != nullptr) metrics_.ticks_seen->inc();
      stamp_pending();
      work += drain();
    }
  }
  seq_.end_run();
  return work + consumed;
}

}  // namespace dmabot::strategy
