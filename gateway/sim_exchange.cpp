#include "gateway/sim_exchange.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <unordered_map>

#include "core/event_codec.h"
#include "core/recorder.h"
#include "core/strings.h"
#include "gateway/fees.h"
#include "gateway/internal/trade_through.h"

namespace dmabot::gateway {

using core::ExecStatus;
using core::Order;
using core::OrderAction;
using core::Price;
using core::Qty;
using core::RejectReason;
using core::Side;
using core::TimeInForce;
using core::UnixNanos;

namespace {

constexpr std::size_t kTimersPerOrder = 4;
// Reports one book event can emit besides one per working order: kCanceled + kNew + fill + kExpired.
constexpr std::size_t kReportsPerEvent = 4;

absl::Status read_samples(core::Config& cfg, std::string_view key, std::vector<int64_t>& out) {
  auto items = cfg.get_list(key, "");
  if (!items.ok()) return items.status();
  out.clear();
  for (const std::string& item : *items) {
    errno = 0;
    char* end = nullptr;
    const double us = std::strtod(item.c_str(), &end);
    if (errno == ERANGE || end != item.c_str() + item.size() || !std::isfinite(us) || us < 0 || us > 60e6) {
      return cfg.error(key, core::str_cat("item '", item, "': expected microseconds between 0 and 60000000"));
    }
    out.push_back(std::llround(us * 1000.0));
  }
  return absl::OkStatus();
}

// A fee key: "auto" (the default) is the Binance base tier of MARKET_TYPE, else bps -100..100.
absl::StatusOr<double> fee_or_auto(core::Config& cfg, std::string_view key, double automatic) {
  auto v = cfg.get_string(key, "auto");
  if (!v.ok()) return v.status();
  if (*v == "auto") return automatic;
  return cfg.get_double(key, automatic, -100, 100);
}

}  // namespace

absl::StatusOr<SimExchangeParams> SimExchangeParams::from_config(core::Config& cfg) {
  SimExchangeParams p;
  auto entry = cfg.get_double("SIM_ENTRY_LATENCY_US", 200, 0, 60e6);
  if (!entry.ok()) return entry.status();
  auto ack = cfg.get_double("SIM_ACK_LATENCY_US", 200, 0, 60e6);
  if (!ack.ok()) return ack.status();
  absl::Status st = read_samples(cfg, "SIM_ENTRY_LATENCY_SAMPLES_US", p.latency_samples_ns);
  if (!st.ok()) return st;
  st = read_samples(cfg, "SIM_ACK_LATENCY_SAMPLES_US", p.ack_latency_samples_ns);
  if (!st.ok()) return st;
  auto recording = cfg.get_string("SIM_LATENCY_RECORDING", "");
  if (!recording.ok()) return recording.status();
  if (!recording->empty()) {
    if (!p.latency_samples_ns.empty() || !p.ack_latency_samples_ns.empty()) {
      return cfg.error("SIM_LATENCY_RECORDING", "set together with SIM_*_LATENCY_SAMPLES_US: use one or the other");
    }
    auto trips = latency_samples_from_recording(*recording);
    if (!trips.ok()) return cfg.error("SIM_LATENCY_RECORDING", std::string(trips.status().message()));
    for (int64_t r : *trips) {
      p.latency_samples_ns.push_back(r / 2);
      p.ack_latency_samples_ns.push_back(r - r / 2);
    }
  }
  auto market = market_type_from_config(cfg);
  if (!market.ok()) return market.status();
  const FeeSchedule base = binance_base_fees(*market);
  auto maker = fee_or_auto(cfg, "SIM_MAKER_FEE_BPS", base.maker_bps);
  if (!maker.ok()) return maker.status();
  auto taker = fee_or_auto(cfg, "SIM_TAKER_FEE_BPS", base.taker_bps);
  if (!taker.ok()) return taker.status();
  auto seed = cfg.get_int("SIM_SEED", 42, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  auto qm = cfg.get_choice("SIM_QUEUE_MODEL", "risk_averse", {"risk_averse", "probabilistic"});
  if (!qm.ok()) return qm.status();
  p.entry_latency_ns = std::llround(*entry * 1000.0);
  p.ack_latency_ns = std::llround(*ack * 1000.0);
  p.market = *market;
  p.maker_fee_bps = *maker;
  p.taker_fee_bps = *taker;
  p.seed = static_cast<uint64_t>(*seed);
  p.queue_model = *qm == "probabilistic" ? QueueModel::kProbabilistic : QueueModel::kRiskAverse;
  return p;
}

absl::StatusOr<std::vector<int64_t>> latency_samples_from_recording(const std::string& path,
                                                                    std::size_t max_samples) {
  core::JsonlReader reader;
  if (absl::Status st = reader.open(path); !st.ok()) return st;
  core::SymbolTable scratch;
  core::EventDecoder decoder(&scratch);
  core::RecordedEvent ev;
  std::unordered_map<uint64_t, UnixNanos> sent;  // client id -> ts_local of the new order
  std::vector<int64_t> out;
  std::string_view line;
  for (;;) {
    const core::JsonlReader::Result r = reader.next(line);
    if (r == core::JsonlReader::Result::kEof || r == core::JsonlReader::Result::kTruncated) break;
    if (r == core::JsonlReader::Result::kError) return reader.status();
    if (r == core::JsonlReader::Result::kTooLong) continue;  // no event line is that long
    if (decoder.decode_padded(line, ev) != core::DecodeResult::kOk) continue;
    if (const auto* o = std::get_if<Order>(&ev.event)) {
      if (o->action != OrderAction::kCancel) sent.emplace(o->client_id, o->ts_local);
    } else if (const auto* x = std::get_if<core::ExecReport>(&ev.event)) {
      if (x->venue == core::kRiskVenue) continue;
      auto it = sent.find(x->client_id);
      if (it == sent.end()) continue;
      if (x->ts_local >= it->second) out.push_back(x->ts_local - it->second);
      sent.erase(it);
      if (out.size() >= max_samples) break;
    }
  }
  if (out.empty()) return core::invalid(path, ": no order with a venue report in it (is it a dmabot recording?)");
  return out;
}

SimExchange::SimExchange(std::string name, uint8_t venue_id, SimExchangeParams params,
                         const core::SymbolTable& symbols, const core::Clock& clock,
                         core::SpscRing<core::Order>* orders_in, core::SpscRing<core::ExecReport>* execs_out,
                         core::SpscRing<core::MdTick>* md_in, core::SpscRing<core::Trade>* trades_in,
                         core::SpscRing<core::MarkPrice>* marks_in)
    : name_(std::move(name)),
      venue_id_(venue_id),
      p_(std::move(params)),
      symbols_(symbols),
      clock_(clock),
      in_(orders_in),
      out_(execs_out),
      md_(md_in),
      trades_(trades_in),
      marks_(marks_in),
      // Venue id mixed in so venues sharing a seed draw different latencies (as in MockGateway).
      rng_(p_.seed ^ (0xD1B54A32D192ED03ull * (uint64_t{venue_id} + 1))),
      timer_cap_(kTimersPerOrder * std::max<std::size_t>(p_.max_live_orders, 1)) {
  p_.max_live_orders = std::max<std::size_t>(p_.max_live_orders, 1);
  books_.resize(symbols.size());
  live_.reserve(p_.max_live_orders);
  timers_.reserve(timer_cap_);
  pending_.resize(2 * p_.max_live_orders + 8);
}

int64_t SimExchange::draw(const std::vector<int64_t>& samples, int64_t constant) {
  if (samples.empty()) return constant;
  return samples[rng_.next() % samples.size()];
}

int64_t SimExchange::next_wakeup() const {
  int64_t t = timers_.empty() ? kNever : timers_.front().due;
  if (pend_count_ > 0) t = std::min(t, pending_[pend_head_].due);
  return t;
}

int64_t SimExchange::position_raw(core::SymbolId s) const { return s < books_.size() ? books_[s].position : 0; }
double SimExchange::funding_paid(core::SymbolId s) const { return s < books_.size() ? books_[s].funding_paid : 0.0; }

int64_t SimExchange::queue_ahead_raw(uint64_t client_id) const {
  for (const Working& w : live_) {
    if (w.order.client_id == client_id) return w.queue_ahead;
  }
  return -1;
}

SimExchange::Working* SimExchange::find(uint64_t id) {
  for (Working& w : live_) {
    if (w.order.client_id == id) return &w;
  }
  return nullptr;
}

bool SimExchange::room_for_event() const { return pending_.size() - pend_count_ >= live_.size() + kReportsPerEvent; }

void SimExchange::emit(const Order& o, ExecStatus st, UnixNanos at, Qty cum, RejectReason reason, Price last_px,
                       Qty last_qty, int64_t fee_raw, bool maker) {
  core::ExecReport r;
  r.ts_exchange = at;
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
  r.maker = maker;
  // Reports leave in venue order even when a drawn ack latency is shorter than the previous one.
  const UnixNanos due = std::max(at + draw(p_.ack_latency_samples_ns, p_.ack_latency_ns), last_due_);
  last_due_ = due;
  // room_for_event() guaranteed the slot.
  pending_[(pend_head_ + pend_count_) % pending_.size()] = Pending{due, r};
  ++pend_count_;
}

int SimExchange::flush(UnixNanos now) {
  int n = 0;
  while (pend_count_ > 0 && pending_[pend_head_].due <= now) {
    core::ExecReport r = pending_[pend_head_].report;
    r.ts_local = now;
    if (!out_->try_push(r)) break;
    pend_head_ = (pend_head_ + 1) % pending_.size();
    --pend_count_;
    ++n;
  }
  return n;
}

void SimExchange::fill(Working& w, Price px, int64_t qty_raw, bool maker, UnixNanos at) {
  const Qty q = Qty::from_raw(qty_raw);
  w.cum += q;
  const double bps = maker ? p_.maker_fee_bps : p_.taker_fee_bps;
  const int64_t fee = std::llround(static_cast<double>(core::notional_raw(px, q)) * bps / 10'000.0);
  books_[w.order.symbol].position += core::side_sign(w.order.side) * qty_raw;
  const ExecStatus st = w.cum == w.order.qty ? ExecStatus::kFilled : ExecStatus::kPartiallyFilled;
  emit(w.order, st, at, w.cum, RejectReason::kNone, px, q, fee, maker);
}

void SimExchange::sweep(UnixNanos) {
  std::erase_if(live_, [](const Working& w) { return w.cum == w.order.qty; });
}

void SimExchange::on_new(const Order& o, UnixNanos at) {
  if (o.symbol >= books_.size() || o.symbol >= symbols_.size()) {
    emit(o, ExecStatus::kRejected, at, Qty{}, RejectReason::kVenueReject);
    return;
  }
  const core::InstrumentInfo& info = symbols_.info(o.symbol);
  const bool bad_filters = o.price.raw <= 0 || o.qty.raw <= 0 || (info.tick.raw > 0 && o.price.raw % info.tick.raw != 0) ||
                           (info.step.raw > 0 && o.qty.raw % info.step.raw != 0) || o.qty < info.min_qty ||
                           core::notional_raw(o.price, o.qty) < info.min_notional_raw;
  if (bad_filters || live_.size() >= p_.max_live_orders || find(o.client_id) != nullptr) {
    emit(o, ExecStatus::kRejected, at, Qty{}, RejectReason::kVenueReject);
    return;
  }
  Book& b = books_[o.symbol];
  const bool buy = o.side == Side::kBuy;
  const Price touch = buy ? b.ask : b.bid;
  const bool crosses = b.has && internal::book_reaches(o.side, o.price, touch);
  if (o.tif == TimeInForce::kPostOnly && crosses) {
    emit(o, ExecStatus::kExpired, at, Qty{});
    return;
  }
  Working w{o, Qty{}, -1};
  emit(o, ExecStatus::kNew, at, Qty{});
  if (crosses) {
    int64_t& avail = buy ? b.ask_avail : b.bid_avail;
    const int64_t take = std::min(o.qty.raw, avail);
    if (take > 0) {
      avail -= take;
      fill(w, touch, take, /*maker=*/false, at);
      if (w.cum == o.qty) return;
    }
  }
  if (o.tif == TimeInForce::kIoc) {
    emit(o, ExecStatus::kExpired, at, w.cum);
    return;
  }
  // Rests. Queue ahead: displayed size when joining the touch, nothing when improving it (or after
  // taking), unknown when behind the touch.
  const Price same = buy ? b.bid : b.ask;
  if (!b.has || crosses || same.raw <= 0 || (buy ? o.price > same : o.price < same)) {
    w.queue_ahead = 0;
  } else if (o.price == same) {
    w.queue_ahead = buy ? b.bid_qty : b.ask_qty;
  }
  live_.push_back(w);
}

bool SimExchange::cancel(uint64_t id, const Order& req, UnixNanos at) {
  auto it = std::find_if(live_.begin(), live_.end(), [id](const Working& w) { return w.order.client_id == id; });
  if (it == live_.end()) {
    Order gone = req;
    gone.client_id = id;
    emit(gone, ExecStatus::kCancelRejected, at, Qty{}, RejectReason::kUnknownOrder);
    return false;
  }
  emit(it->order, ExecStatus::kCanceled, at, it->cum);
  live_.erase(it);
  return true;
}

void SimExchange::fire(const Timer& t) {
  const Order& o = t.order;
  switch (t.kind) {
    case TimerKind::kNew:
      on_new(o, t.due);
      return;
    case TimerKind::kCancel:
      cancel(o.target_id, o, t.due);
      return;
    case TimerKind::kReplace:
      if (!cancel(o.target_id, o, t.due)) {
        emit(o, ExecStatus::kRejected, t.due, Qty{}, RejectReason::kUnknownOrder);
        return;
      }
      on_new(o, t.due);
      return;
  }
}

void SimExchange::on_tick(const core::MdTick& t) {
  if (t.symbol >= books_.size()) return;
  Book& b = books_[t.symbol];
  const UnixNanos at = t.ts_local;
  for (Working& w : live_) {
    if (w.order.symbol != t.symbol) continue;
    const bool buy = w.order.side == Side::kBuy;
    const Price p = w.order.price;
    const Price old_px = buy ? b.bid : b.ask;
    const int64_t old_qty = buy ? b.bid_qty : b.ask_qty;
    const int64_t traded = buy ? b.traded_bid : b.traded_ask;
    const Price new_px = buy ? t.bid : t.ask;
    const int64_t new_qty = buy ? t.bid_qty.raw : t.ask_qty.raw;
    // Trade-through on the book: the opposite touch reached our price.
    if (internal::book_reaches(w.order.side, p, buy ? t.ask : t.bid)) {
      fill(w, p, w.order.qty.raw - w.cum.raw, /*maker=*/true, at);
      continue;
    }
    if (p_.queue_model == QueueModel::kProbabilistic && w.queue_ahead > 0 && b.has && old_px == p &&
        new_px == p && old_qty > 0) {
      const int64_t cancelled = std::max<int64_t>(0, old_qty - new_qty - traded);
      w.queue_ahead -= static_cast<int64_t>(static_cast<__int128>(cancelled) * w.queue_ahead / old_qty);
    }
    if (new_px == p) {
      w.queue_ahead = w.queue_ahead < 0 ? new_qty : std::min(w.queue_ahead, new_qty);
    } else if (new_px.raw > 0 && (buy ? new_px < p : new_px > p)) {
      w.queue_ahead = 0;  // nobody displays at our price any more
    }
  }
  b.bid = t.bid;
  b.ask = t.ask;
  b.bid_qty = b.bid_avail = t.bid_qty.raw;
  b.ask_qty = b.ask_avail = t.ask_qty.raw;
  b.traded_bid = b.traded_ask = 0;
  b.has = true;
  sweep(at);
}

void SimExchange::on_trade(const core::Trade& tr) {
  if (tr.symbol >= books_.size()) return;
  Book& b = books_[tr.symbol];
  const UnixNanos at = tr.ts_local;
  if (tr.price == b.bid) b.traded_bid += tr.qty.raw;
  if (tr.price == b.ask) b.traded_ask += tr.qty.raw;
  for (Working& w : live_) {
    if (w.order.symbol != tr.symbol) continue;
    const Price p = w.order.price;
    const int64_t rest = w.order.qty.raw - w.cum.raw;
    if (internal::trade_through(w.order.side, p, tr.price)) {
      fill(w, p, rest, /*maker=*/true, at);
    } else if (tr.price == p && w.queue_ahead >= 0) {
      if (tr.qty.raw <= w.queue_ahead) {
        w.queue_ahead -= tr.qty.raw;
      } else {
        const int64_t beyond = tr.qty.raw - w.queue_ahead;
        w.queue_ahead = 0;
        fill(w, p, std::min(beyond, rest), /*maker=*/true, at);
      }
    }
  }
  sweep(at);
}

void SimExchange::on_mark(const core::MarkPrice& m) {
  if (m.symbol >= books_.size()) return;
  Book& b = books_[m.symbol];
  if (b.next_funding != 0 && m.next_funding_time > b.next_funding) {
    const double pay = static_cast<double>(b.position) / core::kScale * m.mark.to_double() *
                       static_cast<double>(m.funding_rate_raw) / core::kScale;
    b.funding_paid += pay;
    funding_total_ += pay;
  }
  b.next_funding = std::max(b.next_funding, m.next_funding_time);
}

int SimExchange::poll() {
  const UnixNanos now = clock_.now();
  int handled = flush(now);
  int n = 0;
  while (n < kBatch && timers_.size() < timer_cap_) {
    const Order* o = in_->front();
    if (o == nullptr) break;
    const TimerKind kind = o->action == OrderAction::kNew      ? TimerKind::kNew
                           : o->action == OrderAction::kCancel ? TimerKind::kCancel
                                                               : TimerKind::kReplace;
    timers_.push_back(Timer{now + draw(p_.latency_samples_ns, p_.entry_latency_ns), next_seq_++, *o, kind});
    std::push_heap(timers_.begin(), timers_.end(), TimerLater{});
    in_->pop();
    ++n;
  }
  // Book events and market data in time order; a book event wins ties (it reached the venue first).
  while (n < kBatch && room_for_event()) {
    enum { kNone, kTimer, kTick, kTrade, kMark } pick = kNone;
    UnixNanos best = kNever;
    if (!timers_.empty() && timers_.front().due <= now) {
      pick = kTimer;
      best = timers_.front().due;
    }
    const core::MdTick* tick = md_ != nullptr ? md_->front() : nullptr;
    if (tick != nullptr && tick->ts_local < best) pick = kTick, best = tick->ts_local;
    const core::Trade* trade = trades_ != nullptr ? trades_->front() : nullptr;
    if (trade != nullptr && trade->ts_local < best) pick = kTrade, best = trade->ts_local;
    const core::MarkPrice* mark = marks_ != nullptr ? marks_->front() : nullptr;
    if (mark != nullptr && mark->ts_local < best) pick = kMark, best = mark->ts_local;
    if (pick == kNone) break;
    switch (pick) {
      case kTimer: {
        std::pop_heap(timers_.begin(), timers_.end(), TimerLater{});
        const Timer t = timers_.back();
        timers_.pop_back();
        fire(t);
        break;
      }
      case kTick:
        on_tick(*tick);
        md_->pop();
        break;
      case kTrade:
        on_trade(*trade);
        trades_->pop();
        break;
      case kMark:
        on_mark(*mark);
        marks_->pop();
        break;
      case kNone:
        break;
    }
    ++n;
  }
  handled += flush(now);
  return handled + n;
}

}  // namespace dmabot::gateway
