#include "risk/risk_checker.h"

namespace dmabot::risk {
namespace {

using core::RejectReason;

constexpr core::UnixNanos kSecond = 1'000'000'000;
constexpr core::UnixNanos kDay = 86'400 * kSecond;

Wide abs_wide(Wide w) { return w < 0 ? -w : w; }

}  // namespace

std::size_t SlidingWindow::in_window(core::UnixNanos now) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    if (ts_[(head_ + i) % ts_.size()] > now - window_) ++n;
  }
  return n;
}

RiskChecker::RiskChecker(const RiskLimits& limits, std::size_t n_symbols, std::size_t n_venues)
    : limits_(limits),
      positions_(n_symbols, n_venues),
      orders_(limits.max_working_orders),
      working_qty_(2 * n_symbols, 0),
      working_notional_(n_symbols, 0),
      stale_(n_symbols, 0),
      halted_(n_symbols, 0),
      rebase_until_mid_(n_symbols, 0),
      per_second_(limits.max_qps, kSecond),
      per_minute_(limits.max_qpm, 60 * kSecond) {
  cancel_queue_.reserve(orders_.capacity());
}

RejectReason RiskChecker::evaluate(const core::Signal& s, core::UnixNanos now) const {
  if (s.action == core::SignalAction::kCancel) {
    return orders_.find(s.target_id) != nullptr ? RejectReason::kNone : RejectReason::kUnknownOrder;
  }
  if (s.symbol >= positions_.n_symbols() || s.qty.raw <= 0 || s.price.raw <= 0 || s.client_id == 0 ||
      orders_.find(s.client_id) != nullptr || orders_.full()) {
    return RejectReason::kBadOrder;
  }
  const WorkingOrder* target = nullptr;
  if (s.action == core::SignalAction::kReplace) {
    target = orders_.find(s.target_id);
    if (target == nullptr || target->symbol != s.symbol || target->side != s.side) return RejectReason::kBadOrder;
  }
  switch (kill_) {
    case KillCause::kNone:
    default:  // position-adjust causes: never set here
      break;
    case KillCause::kManual:
      return RejectReason::kKillSwitch;
    case KillCause::kDrawdown:
      return RejectReason::kDrawdown;
    case KillCause::kDailyLoss:
      return RejectReason::kDailyLoss;
  }
  if (halted_[s.symbol] != 0) return RejectReason::kNotTrading;
  if (stale_[s.symbol] != 0) return RejectReason::kStaleBook;

  if (s.price < limits_.px_min || s.price > limits_.px_max) return RejectReason::kPriceBand;
  const bool has_mid = positions_.has_mid(s.symbol);
  const int64_t mid = positions_.mid(s.symbol).raw;
  if (limits_.px_band_pct_raw > 0) {
    if (!has_mid) return RejectReason::kNoMarket;
    // |px - mid| / mid > pct / 100, cross-multiplied (pct is scaled by 1e8).
    if (abs_wide(Wide{s.price.raw} - mid) * 100 * core::kScale > Wide{limits_.px_band_pct_raw} * mid) {
      return RejectReason::kPriceDeviation;
    }
  }
  const Wide order_notional = Wide{s.price.raw} * s.qty.raw;
  if (order_notional > Wide{limits_.max_notional_raw} * kWidePerRaw) return RejectReason::kNotionalOrder;

  const int64_t known_mark = positions_.mark(s.symbol).raw;
  const int64_t mark = known_mark > 0 ? known_mark : s.price.raw;
  const int64_t pos = positions_.symbol_qty(s.symbol).raw;
  int64_t same_side = working_qty_[2 * s.symbol + static_cast<std::size_t>(s.side)];
  Wide working_notional = working_notional_[s.symbol];
  if (target != nullptr) {
    same_side -= target->remaining.raw;
    working_notional -= Wide{target->price.raw} * target->remaining.raw;
  }
  const int64_t abs_pos = pos < 0 ? -pos : pos;
  const bool reduces = pos != 0 && (pos > 0) == (s.side == core::Side::kSell);
  const bool reduce_only = reduces && Wide{same_side} + s.qty.raw <= abs_pos;
  if (!reduce_only) {
    const Wide exposure = Wide{abs_pos} * mark + working_notional + order_notional;
    if (exposure > Wide{limits_.max_symbol_notional_raw} * kWidePerRaw) return RejectReason::kNotionalSymbol;
    const Wide projected = Wide{pos} + Wide{core::side_sign(s.side)} * (Wide{same_side} + s.qty.raw);
    if (abs_wide(projected) * mark > Wide{limits_.max_inventory_raw} * kWidePerRaw) return RejectReason::kInventory;
  }
  if (!per_second_.allows(now)) return RejectReason::kQpsSecond;
  if (!per_minute_.allows(now)) return RejectReason::kQpsMinute;
  return RejectReason::kNone;
}

RejectReason RiskChecker::check(const core::Signal& s, core::UnixNanos now) {
  const RejectReason r = evaluate(s, now);
  commit(s, now, r);
  return r;
}

void RiskChecker::commit(const core::Signal& s, core::UnixNanos now, RejectReason decided) {
  if (decided != RejectReason::kNone) {
    ++rejects_[static_cast<std::size_t>(decided)];
    return;
  }
  if (s.action == core::SignalAction::kCancel) {
    orders_.find(s.target_id)->cancel_pending = true;
    return;
  }
  if (s.action == core::SignalAction::kReplace) orders_.find(s.target_id)->cancel_pending = true;
  WorkingOrder* w = orders_.insert(s.client_id);  // room and uniqueness checked by evaluate()
  w->price = s.price;
  w->remaining = s.qty;
  w->symbol = s.symbol;
  w->strategy = owner_slot(s);
  w->side = s.side;
  add_working(*w, +1);
  per_second_.record(now);
  per_minute_.record(now);
  ++accepted_;
}

void RiskChecker::add_working(const WorkingOrder& w, int sign) {
  working_qty_[2 * w.symbol + static_cast<std::size_t>(w.side)] += sign * w.remaining.raw;
  working_notional_[w.symbol] += Wide{sign} * w.price.raw * w.remaining.raw;
}

void RiskChecker::remove_working(uint64_t id) {
  const WorkingOrder* w = orders_.find(id);
  if (w == nullptr) return;
  add_working(*w, -1);
  orders_.erase(id);
}

bool RiskChecker::on_exec(const core::ExecReport& r, core::UnixNanos now) {
  // Reports normally carry the parent id (the router aggregates split children); a child id that
  // slipped through still finds its parent.
  WorkingOrder* w = orders_.find(r.client_id);
  if (w == nullptr) w = orders_.find(core::client_id_parent(r.client_id));
  const bool fill =
      (r.status == core::ExecStatus::kPartiallyFilled || r.status == core::ExecStatus::kFilled) && r.last_qty.raw > 0;
  if (w != nullptr) {
    if (fill) {
      const int64_t done = r.last_qty.raw < w->remaining.raw ? r.last_qty.raw : w->remaining.raw;
      working_qty_[2 * w->symbol + static_cast<std::size_t>(w->side)] -= done;
      working_notional_[w->symbol] -= Wide{w->price.raw} * done;
      w->remaining.raw -= done;
    }
    if (r.status == core::ExecStatus::kNew) w->acked = true;
    if (r.status == core::ExecStatus::kCancelRejected) w->cancel_pending = false;
    if (core::is_final(r.status)) remove_working(w->client_id);
  }
  if (!fill) return false;
  roll_day(now);
  positions_.on_fill(r);
  return after_equity_change();
}

bool RiskChecker::on_mid(core::SymbolId symbol, core::Price mid, core::UnixNanos now) {
  if (symbol >= positions_.n_symbols() || mid.raw <= 0) return false;
  roll_day(now);
  positions_.on_mid(symbol, mid);
  if (rebase_pending_ > 0) {  // start positions not all marked yet: their earlier PnL is no loss of ours
    if (rebase_until_mid_[symbol] != 0) {
      rebase_until_mid_[symbol] = 0;
      --rebase_pending_;
    }
    peak_equity_ = day_start_equity_ = positions_.total_equity_wide();
    return false;
  }
  return after_equity_change();
}

bool RiskChecker::adopt(const core::Order& o) {
  if (o.symbol >= positions_.n_symbols() || o.qty.raw <= 0 || orders_.find(o.client_id) != nullptr) return false;
  WorkingOrder* w = orders_.insert(o.client_id);
  if (w == nullptr) return false;
  w->price = o.price;
  w->remaining = o.qty;
  w->symbol = o.symbol;
  w->strategy = o.strategy;
  w->side = o.side;
  w->acked = true;
  add_working(*w, +1);
  return true;
}

bool RiskChecker::adjust_position(core::SymbolId symbol, uint8_t venue, int64_t delta_raw, core::Price px,
                                  core::UnixNanos now, bool& applied) {
  roll_day(now);
  applied = positions_.adjust(symbol, venue, delta_raw, px);
  if (applied && !positions_.has_mid(symbol) && rebase_until_mid_[symbol] == 0) {
    rebase_until_mid_[symbol] = 1;
    ++rebase_pending_;
  }
  if (rebase_pending_ > 0) {
    peak_equity_ = day_start_equity_ = positions_.total_equity_wide();
    return false;
  }
  return applied && after_equity_change();
}

void RiskChecker::roll_day(core::UnixNanos now) {
  const int64_t day = now >= 0 ? now / kDay : (now - kDay + 1) / kDay;
  if (day == day_) return;
  day_ = day;
  day_start_equity_ = positions_.total_equity_wide();  // before this event's change
}

bool RiskChecker::after_equity_change() {
  const Wide equity = positions_.total_equity_wide();
  if (equity > peak_equity_) peak_equity_ = equity;
  if (kill_ != KillCause::kNone) return false;
  if (limits_.max_drawdown_raw > 0 && peak_equity_ - equity > Wide{limits_.max_drawdown_raw} * kWidePerRaw) {
    kill_ = KillCause::kDrawdown;
    trip_measured_raw_ = Positions::to_raw(peak_equity_ - equity);
    trip_limit_raw_ = limits_.max_drawdown_raw;
  } else if (limits_.max_daily_loss_raw > 0 &&
             day_start_equity_ - equity > Wide{limits_.max_daily_loss_raw} * kWidePerRaw) {
    kill_ = KillCause::kDailyLoss;
    trip_measured_raw_ = Positions::to_raw(day_start_equity_ - equity);
    trip_limit_raw_ = limits_.max_daily_loss_raw;
  } else {
    return false;
  }
  trip_equity_raw_ = Positions::to_raw(equity);
  request_cancel_all(core::kNoSymbol);
  return true;
}

bool RiskChecker::set_kill_switch(bool on) {
  if (on) {
    const bool changed = kill_ == KillCause::kNone;
    if (changed) {
      kill_ = KillCause::kManual;
      trip_measured_raw_ = trip_limit_raw_ = 0;
      trip_equity_raw_ = positions_.total_equity_raw();
    }
    request_cancel_all(core::kNoSymbol);
    return changed;
  }
  const bool changed = kill_ != KillCause::kNone;
  if (changed) released_ = kill_;
  kill_ = KillCause::kNone;
  peak_equity_ = positions_.total_equity_wide();
  day_start_equity_ = peak_equity_;
  return changed;
}

core::Control RiskChecker::kill_event(core::UnixNanos now) const {
  core::Control c;
  c.ts_local = now;
  if (kill_ != KillCause::kNone) {
    c.command = core::ControlCommand::kKillSwitchOn;
    c.cause = kill_;
    c.measured_raw = trip_measured_raw_;
    c.limit_raw = trip_limit_raw_;
    c.equity_raw = trip_equity_raw_;
  } else {
    c.command = core::ControlCommand::kKillSwitchOff;
    c.cause = released_;
    c.equity_raw = positions_.total_equity_raw();
  }
  return c;
}

void RiskChecker::request_cancel_all(core::SymbolId symbol) {
  // Compact first: drop what was already sent and what is no longer working, so the queue never
  // holds more than the working orders and its reserved capacity is enough.
  std::size_t keep = 0;
  for (std::size_t i = cancel_head_; i < cancel_queue_.size(); ++i) {
    WorkingOrder* w = orders_.find(cancel_queue_[i]);
    if (w == nullptr) continue;
    if (w->cancel_pending) {
      w->cancel_queued = false;
      continue;
    }
    cancel_queue_[keep++] = cancel_queue_[i];
  }
  cancel_queue_.resize(keep);
  cancel_head_ = 0;
  orders_.for_each_mutable([&](WorkingOrder& w) {
    if (w.cancel_pending || w.cancel_queued) return;
    if (symbol != core::kNoSymbol && w.symbol != symbol) return;
    w.cancel_queued = true;
    cancel_queue_.push_back(w.client_id);
  });
}

const WorkingOrder* RiskChecker::next_engine_cancel() {
  while (cancel_head_ < cancel_queue_.size()) {
    WorkingOrder* w = orders_.find(cancel_queue_[cancel_head_++]);
    if (w == nullptr) continue;  // finished meanwhile
    w->cancel_queued = false;
    if (w->cancel_pending) continue;  // the strategy cancelled or replaced it meanwhile
    w->cancel_pending = true;
    return w;
  }
  cancel_queue_.clear();
  cancel_head_ = 0;
  return nullptr;
}

}  // namespace dmabot::risk
