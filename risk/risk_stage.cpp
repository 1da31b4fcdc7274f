#include "risk/risk_stage.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

#include "core/strings.h"
#include "core/tap.h"

namespace dmabot::risk {
namespace {

using core::ExecReport;
using core::RejectReason;

constexpr int kMaxControls = 8;
constexpr int kMdShare = 16;
constexpr int kExecShare = 16;
constexpr int kStatusShare = 16;

// Quote amounts in a sentence: 2 decimals, truncated toward zero.
std::string money(int64_t raw) {
  char buf[core::kDecimalBufSize];
  return std::string(buf, core::format_decimal(raw, buf, 2));
}

}  // namespace

core::RejectReason halt_reason(core::KillCause c) {
  switch (c) {
    case core::KillCause::kNone:
      return RejectReason::kNone;
    case core::KillCause::kManual:
      return RejectReason::kKillSwitch;
    case core::KillCause::kDrawdown:
      return RejectReason::kDrawdown;
    case core::KillCause::kDailyLoss:
      return RejectReason::kDailyLoss;
    default:  // position-adjust causes never engage the switch
      return RejectReason::kKillSwitch;
  }
}

std::string format_utc_ms(core::UnixNanos ts) {
  constexpr int64_t kNs = 1'000'000'000;
  int64_t secs = ts / kNs;
  int64_t ns = ts % kNs;
  if (ns < 0) {
    ns += kNs;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03d", static_cast<int>(ns / 1'000'000));
  return core::str_cat(std::string_view(buf, n), ms, " UTC");
}

std::string describe_position_notice(const PositionNotice& n, std::string_view symbol, std::string_view venue) {
  const std::size_t len = std::find(std::begin(n.reason), std::end(n.reason), '\0') - std::begin(n.reason);
  const std::string_view reason(n.reason, len);
  return core::str_cat("position ", symbol, " on venue ", venue, " changed behind the engine's back",
                       reason.empty() ? "" : core::str_cat(" (", reason, ")"), ": exchange ",
                       core::decimal_to_string(n.exchange_raw), ", engine ", core::decimal_to_string(n.engine_raw),
                       ": adjusted by ", core::decimal_to_string(n.adjust.measured_raw),
                       n.adjust.limit_raw != 0 ? core::str_cat(" at ", core::decimal_to_string(n.adjust.limit_raw))
                                               : std::string(" at the mark"));
}

std::string describe_kill_event(const core::Control& c) {
  const std::string when = format_utc_ms(c.ts_local);
  if (c.command == core::ControlCommand::kKillSwitchOff) {
    return core::str_cat("kill switch reset at ", when, " (lifts reason=", core::to_string(c.cause), ", equity ",
                         money(c.equity_raw), ")");
  }
  std::string detail;
  switch (c.cause) {
    case core::KillCause::kDrawdown:
      detail = core::str_cat("drawdown ", money(c.measured_raw), " > limit ", money(c.limit_raw), ", ");
      break;
    case core::KillCause::kDailyLoss:
      detail = core::str_cat("loss ", money(c.measured_raw), " > limit ", money(c.limit_raw), ", ");
      break;
    case core::KillCause::kManual:
      detail = "by the operator, ";
      break;
    default:
      break;
  }
  return core::str_cat("kill switch tripped at ", when, " reason=", core::to_string(c.cause), " (", detail, "equity ",
                       money(c.equity_raw), ")");
}

std::string describe_kill_history(const KillSwitchHistory& h) {
  if (h.trips == 0) return "kill switch: not tripped";
  std::string out = core::str_cat("kill switch: ", describe_kill_event(h.last_trip).substr(12));
  if (h.trips > 1)
    core::str_append(out, "; ", h.trips, " trips, first at ", format_utc_ms(h.first_trip.ts_local),
                     " reason=", core::to_string(h.first_trip.cause));
  core::str_append(out, h.engaged ? "; still engaged at the end" : "; reset at ",
                   h.engaged ? "" : format_utc_ms(h.last_reset.ts_local));
  return out;
}

RiskStage::RiskStage(RiskLimits limits, const core::SymbolTable& symbols, std::size_t n_venues,
                     const core::Clock& clock, RiskRings rings, core::Registry* metrics,
                     moodycamel::ConcurrentQueue<core::Control>* control, std::vector<std::string> venue_names)
    : checker_(limits, symbols.size(), n_venues == 0 ? 1 : n_venues),
      clock_(clock),
      seq_(clock),
      rings_(std::move(rings)),
      control_(control),
      backlogs_(rings_.exec_to_worker.size()),
      n_venues_(n_venues == 0 ? 1 : n_venues),
      n_symbols_(symbols.size()),
      published_qty_(new std::atomic<int64_t>[symbols.size() * n_venues_]) {
  for (std::size_t i = 0; i < n_symbols_ * n_venues_; ++i) published_qty_[i].store(0, std::memory_order_relaxed);
  for (Backlog& b : backlogs_) b.items.resize(kWorkerBacklog);
  state_pending_.assign(rings_.exec_to_worker.size(), 0);
  venue_fills_.assign(n_venues_, 0);
  adjust_pending_.assign(rings_.exec_to_worker.size() * n_symbols_, 0);
  adjust_waiting_.assign(rings_.exec_to_worker.size(), 0);
  pending_pos_.assign(rings_.positions_in.empty() ? 0 : n_symbols_ * n_venues_, PendingPosition{});
  symbol_fills_.assign(pending_pos_.size(), 0);
  if (metrics == nullptr) return;
  for (std::size_t v = 0; v < rings_.positions_in.size() && v < n_venues_; ++v) {
    if (rings_.positions_in[v] == nullptr) continue;
    position_event_counters_.resize(n_venues_, nullptr);
    external_counters_.resize(n_venues_, nullptr);
    const std::string venue = v < venue_names.size() ? venue_names[v] : std::to_string(v);
    position_event_counters_[v] = &metrics->add_counter(
        "position_events_total", "User-data position events compared with risk's position.", {{{"venue", venue}}});
    external_counters_[v] = &metrics->add_counter(
        "position_external_changes_total",
        "Position changes the engine did not trade, seen in user-data position events and booked.",
        {{{"venue", venue}}});
  }
  for (std::size_t i = 1; i < reject_counters_.size(); ++i) {
    reject_counters_[i] =
        &metrics->add_counter("risk_rejects_total", "Signals rejected by risk, by reason.",
                              {{{"reason", std::string(core::to_string(static_cast<RejectReason>(i)))}}});
  }
  signal_to_order_ = &metrics->add_histogram("signal_to_order_seconds", "Signal emit to risk-approved order.");
  for (std::size_t s = 0; s < symbols.size(); ++s) {
    const std::string sym(symbols.name(static_cast<core::SymbolId>(s)));
    for (std::size_t v = 0; v < n_venues_; ++v) {
      const std::string venue = v < venue_names.size() ? venue_names[v] : std::to_string(v);
      inventory_.push_back(&metrics->add_gauge("inventory_qty", "Position in base units per symbol and venue.",
                                               {{{"symbol", sym}, {"venue", venue}}}));
    }
    realized_.push_back(
        &metrics->add_gauge("realized_pnl", "Realized PnL in quote units (before fees).", {{{"symbol", sym}}}));
    unrealized_.push_back(&metrics->add_gauge("unrealized_pnl", "Unrealized PnL in quote units, marked at the mid.",
                                              {{{"symbol", sym}}}));
    fees_.push_back(
        &metrics->add_gauge("fees_paid", "Fees paid in quote units (negative = rebates).", {{{"symbol", sym}}}));
    stale_gauges_.push_back(&metrics->add_gauge(
        "book_stale", "1 while the symbol's book is stale (risk blocks new orders on it).", {{{"symbol", sym}}}));
    stale_counters_.push_back(&metrics->add_counter(
        "book_stale_events_total", "Times the live feed reported the symbol's book stale.", {{{"symbol", sym}}}));
  }
  equity_ = &metrics->add_gauge("equity", "Total realized + unrealized PnL - fees, quote units.");
  kill_gauge_ = &metrics->add_gauge("kill_switch", "1 while the kill switch blocks new orders.");
  working_gauge_ = &metrics->add_gauge("working_orders", "Orders approved by risk and not yet final.");
  for (core::KillCause c : {core::KillCause::kManual, core::KillCause::kDrawdown, core::KillCause::kDailyLoss}) {
    trips_by_cause_[static_cast<std::size_t>(c)] =
        &metrics->add_counter("kill_switch_trips_total", "Times the kill switch engaged, by what engaged it.",
                              {{{"reason", std::string(core::to_string(c))}}});
  }
  resets_ = &metrics->add_counter("kill_switch_resets_total", "Times the kill switch was released.");
}

bool RiskStage::next_kill_event(core::Control& out) {
  const core::Control* c = kill_log_.front();
  if (c == nullptr) return false;
  out = *c;
  kill_log_.pop();
  return true;
}

KillSwitchHistory RiskStage::kill_history() const {
  KillSwitchHistory h = kill_history_;
  h.engaged = checker_.kill_switch();
  return h;
}

void RiskStage::on_kill_change(core::UnixNanos now) {
  const core::Control c = checker_.kill_event(now);
  core::tap_blocking(rings_.record_ctl, c, rings_.recorder_waits);
  if (!kill_log_.try_push(c)) kill_log_dropped_.fetch_add(1, std::memory_order_relaxed);
  if (c.command == core::ControlCommand::kKillSwitchOn) {
    if (kill_history_.trips++ == 0) kill_history_.first_trip = c;
    kill_history_.last_trip = c;
    if (core::Counter* k = trips_by_cause_[static_cast<std::size_t>(c.cause)]; k != nullptr) k->inc();
  } else {
    ++kill_history_.resets;
    kill_history_.last_reset = c;
    if (resets_ != nullptr) resets_->inc();
  }
  ExecReport r;
  r.ts_local = now;
  r.client_id = 0;
  r.venue = core::kRiskVenue;
  const bool on = c.command == core::ControlCommand::kKillSwitchOn;
  r.status = on ? core::ExecStatus::kRejected : core::ExecStatus::kCanceled;
  r.reject_reason = on ? halt_reason(c.cause) : RejectReason::kNone;
  state_report_ = r;
  std::fill(state_pending_.begin(), state_pending_.end(), uint8_t{1});
  publish_state();
}

int RiskStage::flush_state_reports() {
  int n = 0;
  for (std::size_t w = 0; w < state_pending_.size(); ++w) {
    if (state_pending_[w] == 0) continue;
    if (rings_.exec_to_worker[w] == nullptr) {
      state_pending_[w] = 0;
      continue;
    }
    if (!can_deliver(static_cast<int>(w))) continue;
    ExecReport r = state_report_;
    r.strategy = static_cast<uint8_t>(w + 1);
    deliver(static_cast<int>(w), r);
    state_pending_[w] = 0;
    ++n;
  }
  return n;
}

bool RiskStage::idle() const {
  for (const Backlog& b : backlogs_) {
    if (b.count != 0) return false;
  }
  for (uint8_t p : state_pending_) {
    if (p != 0) return false;
  }
  for (uint8_t p : adjust_waiting_) {
    if (p != 0) return false;
  }
  return !checker_.engine_cancels_queued();
}

int RiskStage::worker_index(uint8_t slot) const {
  if (slot == 0 || slot > rings_.exec_to_worker.size() || rings_.exec_to_worker[slot - 1] == nullptr) return -1;
  return slot - 1;
}

bool RiskStage::can_deliver(int worker) {
  const Backlog& b = backlogs_[worker];
  return b.count < b.items.size() || rings_.exec_to_worker[worker]->can_push();
}

void RiskStage::deliver(int worker, const ExecReport& r) {
  Backlog& b = backlogs_[worker];
  // Order per worker: nothing may overtake what already waits in the backlog.
  if (b.count == 0 && rings_.exec_to_worker[worker]->try_push(r)) return;
  b.items[(b.head + b.count) % b.items.size()] = r;  // caller checked can_deliver()
  ++b.count;
}

int RiskStage::flush_backlogs() {
  int moved = 0;
  for (std::size_t w = 0; w < backlogs_.size(); ++w) {
    Backlog& b = backlogs_[w];
    while (b.count != 0 && rings_.exec_to_worker[w]->try_push(b.items[b.head])) {
      b.head = (b.head + 1) % b.items.size();
      --b.count;
      ++moved;
    }
  }
  return moved;
}

int RiskStage::drain_control() {
  int n = 0;
  core::Control c;
  // The live control queue, then (replays of recordings) the recorded position adjusts' ring.
  auto next_live = [&] {
    if (control_ != nullptr && control_->try_dequeue(c)) return true;
    const core::Control* r = rings_.control_in != nullptr ? rings_.control_in->front() : nullptr;
    if (r == nullptr) return false;
    c = *r;
    rings_.control_in->pop();
    return true;
  };
  while (n < kMaxControls) {
    if (seq_.replaying()) {
      if (!seq_.may_take(core::take_ids::kRiskControl)) break;
      (void)seq_.payload(c);
      seq_.took();
    } else {
      if (!next_live()) break;
      seq_.take_payload(core::take_ids::kRiskControl, c);
    }
    ++n;
    switch (c.command) {
      case core::ControlCommand::kCancelAll:
        checker_.request_cancel_all(c.symbol);
        break;
      case core::ControlCommand::kKillSwitchOn:
        if (checker_.set_kill_switch(true)) on_kill_change(seq_.now());
        break;
      case core::ControlCommand::kKillSwitchOff:
        if (checker_.set_kill_switch(false)) on_kill_change(seq_.now());
        break;
      case core::ControlCommand::kSymbolHalt:
      case core::ControlCommand::kSymbolResume:
        checker_.set_symbol_halted(c.symbol, c.command == core::ControlCommand::kSymbolHalt);
        break;
      case core::ControlCommand::kPositionAdjust:
        on_position_adjust(c);
        break;
      case core::ControlCommand::kNone:
      case core::ControlCommand::kShutdown:
        break;  // the engine's business, not risk's
    }
  }
  if (n != 0) publish_state();
  return n;
}

// Cold (a live venue's start-up and reconciliation rounds): books the position, records what was
// applied (ts_local = now), publishes it, then counts the command as handled.
void RiskStage::on_position_adjust(const core::Control& c) {
  core::Control rec;
  (void)book_adjust(c.symbol, c.venue, c.measured_raw, c.limit_raw, c.cause, seq_.now(), rec);
  adjusts_applied_.fetch_add(1, std::memory_order_release);
}

bool RiskStage::book_adjust(core::SymbolId s, uint8_t venue, int64_t delta_raw, int64_t px_raw, core::KillCause cause,
                            core::UnixNanos now, core::Control& rec) {
  bool applied = false;
  const bool tripped = checker_.adjust_position(s, venue, delta_raw, core::Price::from_raw(px_raw), now, applied);
  if (applied) {
    rec = core::Control{};
    rec.ts_local = now;
    rec.command = core::ControlCommand::kPositionAdjust;
    rec.cause = cause;
    rec.symbol = s;
    rec.venue = venue;
    rec.measured_raw = delta_raw;
    rec.limit_raw = px_raw;
    rec.equity_raw = checker_.positions().total_equity_raw();
    core::tap_blocking(rings_.record_ctl, rec, rings_.recorder_waits);
    if (s < realized_.size()) publish_fill(s, venue);
    publish_qty(s, venue);
    for (std::size_t w = 0; w < adjust_waiting_.size(); ++w) {
      if (rings_.exec_to_worker[w] == nullptr) continue;
      adjust_pending_[w * n_symbols_ + s] += delta_raw;
      adjust_waiting_[w] = 1;
    }
  }
  if (tripped) on_kill_change(now);
  return applied;
}

// Input takes (core/input_sequence.h): each event is a payload take (kRiskPositions + venue; a
// PositionTake, since nothing else records it), and a confirmation round that decides something is a
// take of kRiskConfirmPositions, so an exact replay books the same differences at the same times.
int RiskStage::poll_positions(int budget) {
  int n = 0;
  // Recording: the venues with a ring (RiskStage's constructor allows kRiskMaxPositionVenues); replay:
  // whichever venue the next take names.
  const std::size_t nv = seq_.replaying() ? std::min<std::size_t>(n_venues_, core::take_ids::kRiskMaxPositionVenues)
                                          : std::min(rings_.positions_in.size(), n_venues_);
  for (std::size_t v = 0; v < nv; ++v) {
    core::SpscRing<core::PositionEvent>* in = v < rings_.positions_in.size() ? rings_.positions_in[v] : nullptr;
    const auto input = static_cast<uint8_t>(core::take_ids::kRiskPositions + v);
    if (in == nullptr && !seq_.replaying()) continue;
    while (n < budget) {
      core::PositionEvent e;
      if (seq_.replaying()) {
        core::PositionTake t;
        if (!seq_.take_payload_from<core::PositionTake>(input, nullptr, t)) break;
        e = t.event();
      } else {
        const core::PositionEvent* ev = in->front();
        // Not before risk has booked every fill the gateway reported ahead of it (see the overview).
        if (ev == nullptr || venue_fills_[v] < ev->fills_before) break;
        e = *ev;
        in->pop();
        seq_.take_payload(input, core::PositionTake::of(e));
      }
      ++n;
      on_position_event(e, static_cast<uint8_t>(v), seq_.now());
    }
  }
  return n;
}

void RiskStage::on_position_event(const core::PositionEvent& e, uint8_t v, core::UnixNanos now) {
  position_events_.fetch_add(1, std::memory_order_relaxed);
  if (v < position_event_counters_.size() && position_event_counters_[v] != nullptr) position_event_counters_[v]->inc();
  if (e.symbol >= n_symbols_) return;
  PendingPosition& p = pending_pos_[e.symbol * n_venues_ + v];
  const int64_t engine = checker_.positions().qty(e.symbol, v).raw;
  const int64_t diff = e.qty_raw + e.unconfirmed_raw - engine;
  if (diff == 0 || (e.fees_raw != 0 && diff == -e.fees_raw)) {
    if (p.active) --pending_pos_n_;
    p.active = false;
    // Spot commissions paid in the base asset: exact, expected, booked at once and silently.
    core::Control rec;
    if (diff != 0) (void)book_adjust(e.symbol, v, diff, 0, core::KillCause::kCommission, now, rec);
    return;
  }
  // A difference: confirmed only if it holds (see the overview). The first unresolved sighting
  // starts the wait; a newer event replaces the older one's values.
  if (!p.active) {
    p.since = now;
    p.active = true;
    ++pending_pos_n_;
  }
  p.event = e;
  p.fills_at = symbol_fills_[e.symbol * n_venues_ + v];
}

// What the confirmation round does with a held difference at `now`.
RiskStage::PositionVerdict RiskStage::verdict(std::size_t i, core::UnixNanos now) const {
  const PendingPosition& p = pending_pos_[i];
  if (!p.active) return PositionVerdict::kWait;
  const int64_t engine = checker_.positions().qty(p.event.symbol, static_cast<uint8_t>(i % n_venues_)).raw;
  // Resolved: the fills the event already held reached risk late (a trade query, an account event
  // sent ahead of its order event). Not yet due, or risk booked fills since the event (the exchange's
  // next event will say more): wait.
  if (p.event.qty_raw + p.event.unconfirmed_raw == engine) return PositionVerdict::kResolved;
  if (now - p.since < kPositionConfirmNs || symbol_fills_[i] != p.fills_at) return PositionVerdict::kWait;
  return PositionVerdict::kBook;
}

int RiskStage::confirm_positions() {
  if (pending_pos_n_ == 0) return 0;
  if (seq_.replaying()) {
    if (!seq_.may_take(core::take_ids::kRiskConfirmPositions)) return 0;
  } else {
    // A round is a take only when it decides something (most polls hold a difference that is not due).
    const core::UnixNanos probe = clock_.now();
    bool decides = false;
    for (std::size_t i = 0; i < pending_pos_.size() && !decides; ++i)
      decides = verdict(i, probe) != PositionVerdict::kWait;
    if (!decides) return 0;
    (void)seq_.may_take(core::take_ids::kRiskConfirmPositions);
  }
  const core::UnixNanos now = seq_.now();
  int n = 0;
  for (std::size_t i = 0; i < pending_pos_.size(); ++i) {
    const PositionVerdict what = verdict(i, now);
    if (what == PositionVerdict::kWait) continue;
    PendingPosition& p = pending_pos_[i];
    p.active = false;
    --pending_pos_n_;
    ++n;
    if (what == PositionVerdict::kResolved) continue;
    const core::PositionEvent& e = p.event;
    const auto venue = static_cast<uint8_t>(i % n_venues_);
    const int64_t engine = checker_.positions().qty(e.symbol, venue).raw;
    const int64_t exchange = e.qty_raw + e.unconfirmed_raw;
    // From flat, a futures position's entry price is the price of the whole change.
    const int64_t px = engine == 0 ? e.entry_px_raw : 0;
    core::Control rec;
    if (!book_adjust(e.symbol, venue, exchange - engine, px, core::KillCause::kUserData, now, rec)) continue;
    external_changes_.fetch_add(1, std::memory_order_relaxed);
    if (venue < external_counters_.size() && external_counters_[venue] != nullptr) external_counters_[venue]->inc();
    PositionNotice notice;
    notice.adjust = rec;
    notice.exchange_raw = exchange;
    notice.engine_raw = engine;
    std::copy(std::begin(e.reason), std::end(e.reason), notice.reason);
    if (!position_log_.try_push(notice)) kill_log_dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  seq_.took();
  return n;
}

int RiskStage::flush_adjust_reports() {
  int n = 0;
  for (std::size_t w = 0; w < adjust_waiting_.size(); ++w) {
    if (adjust_waiting_[w] == 0) continue;
    bool left = false;
    for (std::size_t s = 0; s < n_symbols_; ++s) {
      int64_t& d = adjust_pending_[w * n_symbols_ + s];
      if (d == 0) continue;
      if (!can_deliver(static_cast<int>(w))) {
        left = true;
        break;
      }
      ExecReport r;
      r.ts_local = clock_.now();
      r.client_id = 0;
      r.venue = core::kRiskVenue;
      r.status = core::ExecStatus::kPartiallyFilled;
      r.symbol = static_cast<core::SymbolId>(s);
      r.strategy = static_cast<uint8_t>(w + 1);
      r.side = d > 0 ? core::Side::kBuy : core::Side::kSell;
      r.last_qty = core::Qty::from_raw(d > 0 ? d : -d);
      r.cum_qty = r.last_qty;
      deliver(static_cast<int>(w), r);
      d = 0;
      ++n;
    }
    adjust_waiting_[w] = left ? 1 : 0;
  }
  return n;
}

bool RiskStage::next_position_notice(PositionNotice& out) {
  const PositionNotice* p = position_log_.front();
  if (p == nullptr) return false;
  out = *p;
  position_log_.pop();
  return true;
}

void RiskStage::publish_qty(core::SymbolId s, uint8_t venue) {
  if (s >= n_symbols_ || venue >= n_venues_) return;
  published_qty_[s * n_venues_ + venue].store(checker_.positions().qty(s, venue).raw, std::memory_order_release);
}

int RiskStage::emit_engine_cancels(int budget) {
  int n = 0;
  while (n < budget && checker_.engine_cancels_queued() && rings_.order_out->can_push() &&
         seq_.may_take(core::take_ids::kRiskEngineCancels)) {
    const WorkingOrder* w = checker_.next_engine_cancel();
    if (w == nullptr) break;
    seq_.took();
    core::Order o;
    o.ts_local = seq_.now();
    o.price = w->price;
    o.qty = w->remaining;
    o.client_id = core::make_client_id(0, ++engine_cancel_seq_);
    o.target_id = w->client_id;
    o.symbol = w->symbol;
    o.strategy = w->strategy;  // the venue's report about the target goes back to its owner
    o.side = w->side;
    o.action = core::OrderAction::kCancel;
    (void)rings_.order_out->try_push(o);  // can_push() checked; single producer
    ++n;
  }
  return n;
}

int RiskStage::poll_status(int budget) {
  int n = 0;
  while (n < budget) {
    core::BookStatus st;
    if (!seq_.take_payload_from(core::take_ids::kRiskStatus, rings_.status_in, st)) break;
    const core::SymbolId s = st.symbol;
    checker_.set_book_stale(s, st.stale);
    if (s < stale_gauges_.size()) {
      stale_gauges_[s]->set(st.stale ? 1.0 : 0.0);
      if (st.stale) stale_counters_[s]->inc();
    }
    ++n;
  }
  return n;
}

int RiskStage::poll_md(int budget) {
  if (rings_.md_in == nullptr) return 0;
  int n = 0;
  while (n < budget) {
    const core::MdTick* t = rings_.md_in->front();
    if (t == nullptr || !seq_.may_take(core::take_ids::kRiskMd, t->ts_local)) break;
    const core::UnixNanos now = seq_.now();
    // An empty side has no mid; the tick is consumed and ignored.
    if (t->bid.raw > 0 && t->ask.raw > 0) {
      const core::SymbolId s = t->symbol;
      const bool tripped = checker_.on_mid(s, core::Price::from_raw((t->bid.raw + t->ask.raw) / 2), now);
      if (s < unrealized_.size()) publish_mark(s);
      if (tripped) on_kill_change(now);
    }
    rings_.md_in->pop();
    seq_.took();
    ++n;
  }
  return n;
}

int RiskStage::poll_exec(int budget) {
  if (rings_.exec_in == nullptr) return 0;
  int n = 0;
  while (n < budget) {
    const ExecReport* r = rings_.exec_in->front();
    if (r == nullptr || !seq_.may_take(core::take_ids::kRiskExec, r->ts_local)) break;
    const core::UnixNanos now = seq_.now();
    const WorkingOrder* w = checker_.find_working(r->client_id);
    if (w == nullptr) w = checker_.find_working(core::client_id_parent(r->client_id));
    const uint8_t slot =
        w != nullptr ? w->strategy : (r->strategy != 0 ? r->strategy : core::client_id_slot(r->client_id));
    const int worker = worker_index(slot);
    if (worker >= 0 && !can_deliver(worker)) break;  // head-of-line: keeps every worker's reports in order
    const ExecReport report = *r;
    rings_.exec_in->pop();
    seq_.took();
    ++n;
    if (report.last_qty.raw > 0 && report.venue < n_venues_) {
      ++venue_fills_[report.venue];
      if (report.symbol < n_symbols_ && !pending_pos_.empty())
        ++symbol_fills_[report.symbol * n_venues_ + report.venue];
    }
    const bool tripped = checker_.on_exec(report, now);
    if (report.last_qty.raw > 0) {
      if (report.symbol < realized_.size()) publish_fill(report.symbol, report.venue);
      publish_qty(report.symbol, report.venue);
    }
    if (worker >= 0) {
      deliver(worker, report);
    } else {
      ++unrouted_;
    }
    if (tripped) on_kill_change(now);
  }
  if (n != 0 && working_gauge_ != nullptr) working_gauge_->set(static_cast<double>(checker_.working_orders()));
  return n;
}

int RiskStage::poll_signals(int budget) {
  const std::size_t n_in = rings_.signals_in.size();
  if (n_in == 0) return 0;
  const std::size_t first = next_worker_;
  int n = 0;
  bool out_full = false;
  for (std::size_t k = 0; k < n_in && n < budget && !out_full; ++k) {
    const std::size_t i = (first + k) % n_in;
    core::SpscRing<core::Signal>* in = rings_.signals_in[i];
    if (in == nullptr) continue;
    while (n < budget) {
      const core::Signal* sp = in->front();
      const auto input = static_cast<uint8_t>(core::take_ids::kRiskSignals + i);
      if (sp == nullptr || !seq_.may_take(input, sp->ts_local)) break;
      core::UnixNanos now = seq_.now();
      RejectReason r = checker_.evaluate(*sp, now);
      // A recovery pushed before the tick behind this signal may have arrived since poll_status: the
      // status takes end the signal run, so the signal is judged again in a run (and at a time) of its own.
      if (r == RejectReason::kStaleBook && !seq_.replaying() && poll_status(kStatusShare) != 0) {
        (void)seq_.may_take(input, sp->ts_local);
        now = seq_.now();
        r = checker_.evaluate(*sp, now);
      }
      if (r == RejectReason::kNone) {
        if (!rings_.order_out->can_push()) {
          out_full = true;  // every worker needs order_out: stop this poll
          break;
        }
        const core::Signal s = *sp;
        checker_.commit(s, now, r);
        core::Order o;
        o.ts_tick = s.ts_tick;
        o.ts_local = now;
        o.price = s.price;
        o.qty = s.qty;
        o.client_id = s.client_id;
        o.target_id = s.target_id;
        o.symbol = s.symbol;
        o.strategy = s.strategy;
        o.side = s.side;
        o.action = s.action;
        o.tif = s.tif;
        if (s.action == core::SignalAction::kCancel) {
          // The router needs the target's symbol; a strategy may leave it unset on a cancel.
          const WorkingOrder* t = checker_.find_working(s.target_id);
          o.symbol = t->symbol;
          o.side = t->side;
          o.price = t->price;
          o.qty = t->remaining;
        }
        (void)rings_.order_out->try_push(o);  // can_push() checked; single producer
        if (signal_to_order_ != nullptr && s.ts_local > 0 && now >= s.ts_local)
          signal_to_order_->record(now - s.ts_local);
        in->pop();
        seq_.took();
        ++n;
        continue;
      }
      // Rejected: the report goes to the slot that owns the id, else to the ring's own worker.
      const uint64_t owned_id = sp->client_id != 0 ? sp->client_id : sp->target_id;  // a cancel may carry no id
      const uint8_t slot = sp->strategy != 0 ? sp->strategy : core::client_id_slot(owned_id);
      int worker = worker_index(slot);
      if (worker < 0 && i < rings_.exec_to_worker.size() && rings_.exec_to_worker[i] != nullptr) {
        worker = static_cast<int>(i);
      }
      if (worker >= 0 && !can_deliver(worker)) break;  // try the next worker
      const core::Signal s = *sp;
      checker_.commit(s, now, r);
      ExecReport rep;
      rep.ts_local = now;
      rep.symbol = s.symbol;
      rep.strategy = s.strategy != 0 ? s.strategy : slot;
      rep.venue = core::kRiskVenue;
      rep.side = s.side;
      rep.reject_reason = r;
      if (s.action == core::SignalAction::kCancel) {
        rep.status = core::ExecStatus::kCancelRejected;  // about the target, as a venue reports it
        rep.client_id = s.target_id;
      } else {
        rep.status = core::ExecStatus::kRejected;
        rep.client_id = s.client_id;
        rep.last_px = s.price;
      }
      if (worker >= 0) {
        deliver(worker, rep);
      } else {
        ++unrouted_;
      }
      core::tap_blocking(rings_.record_exec, rep, rings_.recorder_waits);
      if (core::Counter* c = reject_counters_[static_cast<std::size_t>(r)]; c != nullptr) c->inc();
      in->pop();
      seq_.took();
      ++n;
    }
  }
  // A different worker goes first next time — counted in polls that took signals, so the order in
  // which simultaneous signals are handled does not depend on how many idle polls happened between.
  if (n != 0) next_worker_ = (first + 1) % n_in;
  if (n != 0 && working_gauge_ != nullptr) working_gauge_->set(static_cast<double>(checker_.working_orders()));
  return n;
}

void RiskStage::publish_fill(core::SymbolId s, uint8_t venue) {
  const Positions& p = checker_.positions();
  if (venue < n_venues_ && !inventory_.empty()) {
    inventory_[s * n_venues_ + venue]->set(p.qty(s, venue).to_double());
  }
  realized_[s]->set(p.symbol_realized(s));
  fees_[s]->set(p.symbol_fees(s));
  publish_mark(s);
}

void RiskStage::publish_mark(core::SymbolId s) {
  const Positions& p = checker_.positions();
  unrealized_[s]->set(p.symbol_unrealized(s));
  equity_->set(p.total_equity());
}

void RiskStage::publish_state() {
  if (kill_gauge_ != nullptr) kill_gauge_->set(checker_.kill_switch() ? 1.0 : 0.0);
  if (working_gauge_ != nullptr) working_gauge_->set(static_cast<double>(checker_.working_orders()));
}

bool RiskStage::adopt_order(const core::Order& o) {
  if (!checker_.adopt(o)) return false;
  seq_.take_payload(core::take_ids::kRiskAdopted, core::AdoptTake::of(o));
  seq_.end_run();
  publish_state();
  return true;
}

// Exact replay: the orders the recorded run adopted, where its takes have them (first).
int RiskStage::take_adopted() {
  int n = 0;
  for (core::AdoptTake t;
       seq_.replaying() && seq_.take_payload_from<core::AdoptTake>(core::take_ids::kRiskAdopted, nullptr, t); ++n) {
    if (checker_.adopt(t.order())) publish_state();
  }
  return n;
}

int RiskStage::poll() {
  int n = take_adopted();
  n += drain_control();
  n += flush_backlogs();  // bounded by kWorkerBacklog per worker
  n += flush_state_reports();
  n += flush_adjust_reports();
  auto left = [&n] { return n < kBatch ? kBatch - n : 0; };
  n += poll_status(std::min(kStatusShare, left()));
  n += poll_md(std::min(kMdShare, left()));
  n += poll_exec(std::min(kExecShare, left()));
  // After the exec reports: an event waits for the fills the gateway emitted before it.
  n += poll_positions(std::min(kStatusShare, left()));
  n += confirm_positions();
  n += emit_engine_cancels(left());  // before new signals: getting out comes first
  n += poll_signals(left());
  seq_.end_run();
  return n;
}

}  // namespace dmabot::risk
