#include "gateway/mock_gateway.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/strings.h"
#include "core/symbol_table.h"
#include "gateway/internal/trade_through.h"

namespace dmabot::gateway {

using core::ExecStatus;
using core::Order;
using core::OrderAction;
using core::Qty;
using core::RejectReason;
using core::TimeInForce;
using core::UnixNanos;

namespace {

// Events in the heap per allowed live order: its ack, one fill event, a cancel or replace in
// flight, and stale fill attempts of orders cancelled within the last fill latency.
constexpr std::size_t kTimersPerOrder = 4;

int64_t fee_raw_of(core::Price px, Qty qty, double bps) {
  return std::llround(static_cast<double>(core::notional_raw(px, qty)) * bps / 10'000.0);
}

// Reads a key that holds either one value for every venue or one value per venue, parsing each item
// with parse(item, out) -> bool. `what` completes "expected ..." in the error line.
template <class T, class Parse>
absl::Status per_venue(core::Config& cfg, std::string_view key, std::string_view def, std::size_t venues,
                       std::string_view what, Parse parse, std::vector<T>& out) {
  auto items = cfg.get_list(key, def);
  if (!items.ok()) return items.status();
  if (items->size() != 1 && items->size() != venues) {
    return cfg.error(key, core::str_cat("has ", items->size(), " values; expected 1 (for every venue) or ", venues,
                                        " (one per venue in MOCK_VENUES)"));
  }
  out.clear();
  for (const std::string& item : *items) {
    T v{};
    if (!parse(item, v)) return cfg.error(key, core::str_cat("item '", item, "': expected ", what));
    out.push_back(v);
  }
  if (out.size() == 1) out.assign(venues, out[0]);
  return absl::OkStatus();
}

auto double_in(double lo, double hi) {
  return [lo, hi](const std::string& s, double& v) {
    errno = 0;
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return errno != ERANGE && end == s.c_str() + s.size() && std::isfinite(v) && v >= lo && v <= hi;
  };
}

bool parse_u64(const std::string& s, uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, MockGatewayParams>>> mock_venues_from_config(core::Config& cfg) {
  auto names = cfg.get_list("MOCK_VENUES", "mock");
  if (!names.ok()) return names.status();
  if (names->empty()) return cfg.error("MOCK_VENUES", "must name at least one venue");
  if (names->size() > kMaxVenues) {
    return cfg.error("MOCK_VENUES", core::str_cat("names ", names->size(), " venues; at most ", kMaxVenues));
  }
  for (std::size_t i = 0; i < names->size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if ((*names)[i] == (*names)[j])
        return cfg.error("MOCK_VENUES", core::str_cat("venue '", (*names)[i], "' appears twice"));
    }
  }
  const std::size_t n = names->size();
  auto market = market_type_from_config(cfg);
  if (!market.ok()) return market.status();
  const FeeSchedule base = binance_base_fees(*market);
  std::vector<double> ack_us, fill_us, partial_prob, reject_prob, maker, taker;
  std::vector<uint64_t> seed;
  const auto prob = double_in(0.0, 1.0);
  const auto latency = double_in(0.0, 60e6);
  const auto fee = double_in(-100.0, 100.0);
  absl::Status st;
  if (!(st = per_venue(cfg, "MOCK_ACK_LATENCY_US", "50", n, "microseconds between 0 and 60000000", latency, ack_us))
           .ok())
    return st;
  if (!(st = per_venue(cfg, "MOCK_FILL_LATENCY_US", "1000", n, "microseconds between 0 and 60000000", latency, fill_us))
           .ok())
    return st;
  if (!(st = per_venue(cfg, "MOCK_PARTIAL_PROB", "0.2", n, "a probability between 0 and 1", prob, partial_prob)).ok())
    return st;
  if (!(st = per_venue(cfg, "MOCK_REJECT_PROB", "0", n, "a probability between 0 and 1", prob, reject_prob)).ok())
    return st;
  if (!(st = per_venue(cfg, "MOCK_SEED", "1", n, "an unsigned integer", parse_u64, seed)).ok()) return st;
  // "auto": the Binance base tier of MARKET_TYPE.
  auto fee_or = [&fee](double automatic) {
    return [&fee, automatic](const std::string& item, double& v) {
      if (item == "auto") {
        v = automatic;
        return true;
      }
      return fee(item, v);
    };
  };
  if (!(st = per_venue(cfg, "MOCK_MAKER_FEE_BPS", "auto", n, "auto or basis points between -100 and 100",
                       fee_or(base.maker_bps), maker))
           .ok())
    return st;
  if (!(st = per_venue(cfg, "MOCK_TAKER_FEE_BPS", "auto", n, "auto or basis points between -100 and 100",
                       fee_or(base.taker_bps), taker))
           .ok())
    return st;

  std::vector<std::pair<std::string, MockGatewayParams>> out;
  for (std::size_t i = 0; i < n; ++i) {
    MockGatewayParams p;
    p.ack_latency_ns = std::llround(ack_us[i] * 1000.0);
    p.fill_latency_ns = std::llround(fill_us[i] * 1000.0);
    p.partial_prob = partial_prob[i];
    p.reject_prob = reject_prob[i];
    p.seed = seed[i];
    p.market = *market;
    p.maker_fee_bps = maker[i];
    p.taker_fee_bps = taker[i];
    out.emplace_back((*names)[i], p);
  }
  return out;
}

VenueInfo mock_venue_info(const std::string& name, const MockGatewayParams& p) {
  return VenueInfo{name, p.maker_fee_bps, p.taker_fee_bps, p.ack_latency_ns};
}

MockGateway::MockGateway(std::string name, uint8_t venue_id, MockGatewayParams params, const core::Clock& clock,
                         core::SpscRing<core::Order>* orders_in, core::SpscRing<core::ExecReport>* execs_out,
                         core::SpscRing<core::MdTick>* md_in)
    : name_(std::move(name)),
      venue_id_(venue_id),
      p_(params),
      clock_(clock),
      in_(orders_in),
      out_(execs_out),
      md_(md_in),
      rng_(params.seed ^ (0xD1B54A32D192ED03ull * (uint64_t{venue_id} + 1))),
      live_(std::max<std::size_t>(params.max_live_orders, 1)),
      timer_cap_(kTimersPerOrder * std::max<std::size_t>(params.max_live_orders, 1)) {
  timers_.reserve(timer_cap_);
  outbuf_.resize(live_.max_entries() + 4);
  if (md_ != nullptr) {
    books_.resize(core::SymbolTable::kMaxSymbols);
    resting_.reserve(live_.max_entries());
  }
}

int MockGateway::flush() {
  int n = 0;
  while (out_count_ > 0 && out_->try_push(outbuf_[out_head_])) {
    out_head_ = (out_head_ + 1) % outbuf_.size();
    --out_count_;
    ++n;
  }
  return n;
}

void MockGateway::push_report(const core::ExecReport& r) {
  // Events and ticks are processed only with an empty buffer; one emits at most one report per
  // working order plus two, so the slot exists.
  outbuf_[(out_head_ + out_count_) % outbuf_.size()] = r;
  ++out_count_;
}

void MockGateway::emit(const Order& o, ExecStatus st, UnixNanos at, Qty cum, RejectReason reason, Qty last_qty,
                       int64_t fee_raw, core::Price last_px) {
  core::ExecReport r;
  r.ts_exchange = at;
  r.ts_local = clock_.now();
  r.last_px = last_px.is_zero() ? o.price : last_px;
  r.last_qty = last_qty;
  r.cum_qty = cum;
  r.client_id = o.client_id;
  r.fee_raw = fee_raw;
  r.symbol = o.symbol;
  r.strategy = o.strategy;
  r.venue = venue_id_;
  r.side = o.side;
  r.status = st;
  r.reject_reason = reason;
  r.maker = o.tif != TimeInForce::kIoc;
  push_report(r);
}

void MockGateway::finish(uint64_t id) {
  Working* w = live_.find(id);
  if (w == nullptr) return;
  if (w->rest_idx >= 0) {
    const auto i = static_cast<std::size_t>(w->rest_idx);
    resting_[i] = resting_.back();
    resting_.pop_back();
    if (i < resting_.size()) live_.find(resting_[i])->rest_idx = static_cast<int32_t>(i);
  }
  live_.erase(id);
}

core::Price MockGateway::opposite_touch(const Order& o) const {
  if (o.symbol >= books_.size()) return core::Price{};
  return o.side == core::Side::kBuy ? books_[o.symbol].ask : books_[o.symbol].bid;
}

void MockGateway::schedule(UnixNanos due, const Order& o, TimerKind kind) {
  timers_.push_back(Timer{due, next_seq_++, o, kind});
  std::push_heap(timers_.begin(), timers_.end(), TimerLater{});
}

bool MockGateway::accept(const Order& o, UnixNanos now) {
  if (timers_.size() >= timer_cap_) return false;
  switch (o.action) {
    case OrderAction::kNew:
    case OrderAction::kReplace:
      schedule(now + p_.ack_latency_ns, o, o.action == OrderAction::kNew ? TimerKind::kAck : TimerKind::kReplace);
      return true;
    case OrderAction::kCancel:
      schedule(now + p_.ack_latency_ns, o, TimerKind::kCancel);
      return true;
  }
  return true;
}

void MockGateway::ack_new(const Order& o, UnixNanos at) {
  const bool reject = rng_.uniform() < p_.reject_prob;
  if (reject || live_.full() || live_.find(o.client_id) != nullptr) {
    emit(o, ExecStatus::kRejected, at, Qty{}, RejectReason::kVenueReject);
    return;
  }
  if (md_ != nullptr && o.tif == TimeInForce::kPostOnly && internal::book_reaches(o.side, o.price, opposite_touch(o))) {
    emit(o, ExecStatus::kExpired, at, Qty{});  // it would take: Binance rejects a post-only that crosses
    return;
  }
  Working* w = live_.insert(o.client_id);  // not full, not present: checked above
  w->order = o;
  w->fill_seq = next_seq_;
  emit(o, ExecStatus::kNew, at, Qty{});
  schedule(at + p_.fill_latency_ns, o, TimerKind::kFillAttempt);
}

void MockGateway::fill(Working& w, Qty qty, UnixNanos at, core::Price px) {
  w.cum += qty;
  const double bps = w.order.tif == TimeInForce::kIoc ? p_.taker_fee_bps : p_.maker_fee_bps;
  const ExecStatus st = w.cum == w.order.qty ? ExecStatus::kFilled : ExecStatus::kPartiallyFilled;
  emit(w.order, st, at, w.cum, RejectReason::kNone, qty, fee_raw_of(px, qty, bps), px);
}

bool MockGateway::try_rest_fill(Working& w, UnixNanos at) {
  if (!internal::book_reaches(w.order.side, w.order.price, opposite_touch(w.order))) return false;
  const bool partial = w.cum.is_zero() && rng_.uniform() < p_.partial_prob;
  const Qty half = Qty::from_raw(w.order.qty.raw / 2);
  if (partial && !half.is_zero()) {
    fill(w, half, at, w.order.price);
    return false;
  }
  fill(w, w.order.qty - w.cum, at, w.order.price);
  finish(w.order.client_id);
  return true;
}

void MockGateway::match(const Timer& t, Working& w) {
  w.fill_seq = 0;
  if (w.order.tif != TimeInForce::kIoc) {
    w.rest_idx = static_cast<int32_t>(resting_.size());
    resting_.push_back(w.order.client_id);
    try_rest_fill(w, t.due);
    return;
  }
  const core::Price touch = opposite_touch(w.order);
  if (internal::book_reaches(w.order.side, w.order.price, touch)) {
    const bool partial = rng_.uniform() < p_.partial_prob;
    const Qty half = Qty::from_raw(w.order.qty.raw / 2);
    fill(w, partial && !half.is_zero() ? half : w.order.qty, t.due, touch);
  }
  if (w.cum != w.order.qty) emit(w.order, ExecStatus::kExpired, t.due, w.cum);
  finish(w.order.client_id);
}

void MockGateway::on_tick(const core::MdTick& t) {
  if (t.symbol >= books_.size()) return;
  books_[t.symbol] = Touch{t.bid, t.ask};
  for (std::size_t i = 0; i < resting_.size();) {
    Working* w = live_.find(resting_[i]);
    // finish() moves the last resting order into slot i: look at slot i again.
    if (w->order.symbol == t.symbol && try_rest_fill(*w, t.ts_local)) continue;
    ++i;
  }
}

void MockGateway::fire(const Timer& t) {
  const Order& o = t.order;
  switch (t.kind) {
    case TimerKind::kAck:
      ack_new(o, t.due);
      return;
    case TimerKind::kReplace: {
      Working* old = live_.find(o.target_id);
      if (old == nullptr) {
        Order gone = o;
        gone.client_id = o.target_id;
        emit(gone, ExecStatus::kCancelRejected, t.due, Qty{}, RejectReason::kUnknownOrder);
        emit(o, ExecStatus::kRejected, t.due, Qty{}, RejectReason::kUnknownOrder);
        return;
      }
      emit(old->order, ExecStatus::kCanceled, t.due, old->cum);
      finish(o.target_id);
      ack_new(o, t.due);
      return;
    }
    case TimerKind::kCancel: {
      Working* w = live_.find(o.target_id);
      if (w == nullptr) {
        Order gone = o;
        gone.client_id = o.target_id;
        emit(gone, ExecStatus::kCancelRejected, t.due, Qty{}, RejectReason::kUnknownOrder);
        return;
      }
      emit(w->order, ExecStatus::kCanceled, t.due, w->cum);
      finish(o.target_id);
      return;
    }
    case TimerKind::kFillAttempt: {
      Working* w = live_.find(o.client_id);
      if (w == nullptr || w->fill_seq != t.seq) return;  // cancelled or replaced meanwhile
      if (md_ != nullptr) {
        match(t, *w);
        return;
      }
      // Both draws always happen so the stream stays aligned whatever the outcome.
      const bool fills = rng_.uniform() < p_.fill_prob;
      const bool partial = rng_.uniform() < p_.partial_prob;
      const bool ioc = w->order.tif == TimeInForce::kIoc;
      if (!fills) {
        w->fill_seq = 0;
        if (ioc) {
          emit(w->order, ExecStatus::kExpired, t.due, w->cum);
          finish(o.client_id);
        }
        return;
      }
      const Qty half = Qty::from_raw(w->order.qty.raw / 2);
      if (partial && !half.is_zero()) {
        fill(*w, half, t.due, w->order.price);
        if (ioc) {
          emit(w->order, ExecStatus::kExpired, t.due, w->cum);
          finish(o.client_id);
        } else {
          w->fill_seq = next_seq_;
          schedule(t.due + p_.fill_latency_ns, o, TimerKind::kFillRest);
        }
        return;
      }
      fill(*w, w->order.qty - w->cum, t.due, w->order.price);
      finish(o.client_id);
      return;
    }
    case TimerKind::kFillRest: {
      Working* w = live_.find(o.client_id);
      if (w == nullptr || w->fill_seq != t.seq) return;
      fill(*w, w->order.qty - w->cum, t.due, w->order.price);
      finish(o.client_id);
      return;
    }
  }
}

int MockGateway::poll() {
  int handled = flush();
  const UnixNanos now = clock_.now();
  int n = 0;
  while (n < kBatch) {
    const Order* o = in_->front();
    if (o == nullptr || !accept(*o, now)) break;
    in_->pop();
    ++n;
  }
  // Due events and ticks in time order (an event due at T before a tick stamped T), each only when
  // the report buffer is empty, so whatever it emits fits and nothing is dropped.
  while (n < kBatch && out_count_ == 0) {
    const bool due = !timers_.empty() && timers_.front().due <= now;
    const core::MdTick* tick = md_ != nullptr ? md_->front() : nullptr;
    if (due && (tick == nullptr || timers_.front().due <= tick->ts_local)) {
      std::pop_heap(timers_.begin(), timers_.end(), TimerLater{});
      const Timer t = timers_.back();
      timers_.pop_back();
      fire(t);
    } else if (tick != nullptr) {
      on_tick(*tick);
      md_->pop();
    } else {
      break;
    }
    ++n;
    handled += flush();
  }
  return handled + n;
}

}  // namespace dmabot::gateway
