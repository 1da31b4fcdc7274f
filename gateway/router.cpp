#include "gateway/router.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/strings.h"
#include "core/tap.h"

namespace dmabot::gateway {

using core::ExecReport;
using core::ExecStatus;
using core::Order;
using core::OrderAction;
using core::Qty;
using core::RejectReason;

namespace {

constexpr uint64_t kSplitMask = (uint64_t{1} << core::kSplitBits) - 1;
constexpr ExecStatus kAllStatuses[] = {ExecStatus::kNew,           ExecStatus::kPartiallyFilled, ExecStatus::kFilled,
                                       ExecStatus::kCanceled,      ExecStatus::kRejected,        ExecStatus::kExpired,
                                       ExecStatus::kCancelRejected};
static_assert(std::size(kAllStatuses) == 7);

}  // namespace

// ---------------------------------------------------------------------------------------------
// RouterParams

absl::StatusOr<RouterParams> RouterParams::from_config(core::Config& cfg) {
  RouterParams p;
  auto w_fee = cfg.get_double("ROUTER_W_FEE", p.w_fee, 0.0, 1e9);
  if (!w_fee.ok()) return w_fee.status();
  auto w_lat = cfg.get_double("ROUTER_W_LATENCY", p.w_latency, 0.0, 1e9);
  if (!w_lat.ok()) return w_lat.status();
  auto w_fill = cfg.get_double("ROUTER_W_FILL", p.w_fill, 0.0, 1e9);
  if (!w_fill.ok()) return w_fill.status();
  auto w_inv = cfg.get_double("ROUTER_W_INVENTORY", p.w_inventory, 0.0, 1e9);
  if (!w_inv.ok()) return w_inv.status();
  auto split = cfg.get_decimal_raw("ROUTER_SPLIT_NOTIONAL", "0", 0, std::numeric_limits<int64_t>::max());
  if (!split.ok()) return split.status();
  auto alpha = cfg.get_double("ROUTER_EWMA_ALPHA", p.ewma_alpha, 1e-6, 1.0);
  if (!alpha.ok()) return alpha.status();
  auto max_live = cfg.get_int("ROUTER_MAX_LIVE_ORDERS", static_cast<int64_t>(p.max_live_orders), 16, int64_t{1} << 22);
  if (!max_live.ok()) return max_live.status();
  p.w_fee = *w_fee;
  p.w_latency = *w_lat;
  p.w_fill = *w_fill;
  p.w_inventory = *w_inv;
  p.split_notional_raw = *split;
  p.ewma_alpha = *alpha;
  p.max_live_orders = static_cast<std::size_t>(*max_live);
  return p;
}

// ---------------------------------------------------------------------------------------------
// VenueScorer

VenueScorer::VenueScorer(std::vector<VenueInfo> venues, const RouterParams& params, std::size_t symbol_count)
    : venues_(std::move(venues)),
      stats_(venues_.size()),
      inventory_(symbol_count * venues_.size(), 0),
      symbols_(symbol_count),
      w_fee_(params.w_fee),
      w_latency_(params.w_latency),
      w_fill_(params.w_fill),
      w_inventory_(params.w_inventory),
      alpha_(params.ewma_alpha) {
  for (std::size_t v = 0; v < venues_.size(); ++v)
    stats_[v].latency_ns = static_cast<double>(venues_[v].expected_latency_ns);
}

void VenueScorer::on_ack(std::size_t v, int64_t latency_ns, bool accepted) noexcept {
  Stats& s = stats_[v];
  s.latency_ns += alpha_ * (static_cast<double>(latency_ns) - s.latency_ns);
  if (accepted) {
    s.acks_w = s.acks_w * (1.0 - alpha_) + 1.0;
    s.fills_w *= 1.0 - alpha_;
  }
}

void VenueScorer::on_first_fill(std::size_t v) noexcept { stats_[v].fills_w += 1.0; }

void VenueScorer::on_fill(std::size_t v, core::SymbolId symbol, core::Side side, Qty qty) noexcept {
  if (symbol >= symbols_) return;
  inventory_[symbol * venues_.size() + v] += core::side_sign(side) * qty.raw;
}

double VenueScorer::fee_bps(std::size_t v, core::TimeInForce tif) const noexcept {
  return tif == core::TimeInForce::kIoc ? venues_[v].taker_fee_bps : venues_[v].maker_fee_bps;
}

double VenueScorer::fill_rate(std::size_t v) const noexcept {
  const Stats& s = stats_[v];
  if (s.acks_w <= 0.0) return 1.0;
  return std::min(1.0, s.fills_w / s.acks_w);
}

int64_t VenueScorer::inventory_raw(core::SymbolId symbol, std::size_t v) const noexcept {
  return symbol < symbols_ ? inventory_[symbol * venues_.size() + v] : 0;
}

double VenueScorer::inventory_skew(std::size_t v, const Order& o) const noexcept {
  if (o.symbol >= symbols_ || o.qty.raw <= 0 || venues_.empty()) return 0.0;
  const int64_t* row = &inventory_[o.symbol * venues_.size()];
  double sum = 0.0;
  for (std::size_t i = 0; i < venues_.size(); ++i) sum += static_cast<double>(row[i]);
  const double mean = sum / static_cast<double>(venues_.size());
  return core::side_sign(o.side) * (static_cast<double>(row[v]) - mean) / static_cast<double>(o.qty.raw);
}

double VenueScorer::score(std::size_t v, const Order& o) const noexcept {
  return w_fee_ * fee_bps(v, o.tif) + w_latency_ * latency_us(v) - w_fill_ * fill_rate(v) +
         w_inventory_ * inventory_skew(v, o);
}

VenueScorer::Ranking VenueScorer::rank(const Order& o, uint32_t eligible) const noexcept {
  Ranking r;
  for (std::size_t v = 0; v < venues_.size(); ++v) {
    if ((eligible >> v & 1U) == 0) continue;
    const double s = score(v, o);
    const int iv = static_cast<int>(v);
    if (r.best < 0 || s < r.best_score) {
      r.second = r.best;
      r.second_score = r.best_score;
      r.best = iv;
      r.best_score = s;
    } else if (r.second < 0 || s < r.second_score) {
      r.second = iv;
      r.second_score = s;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// RouterStage

RouterStage::RouterStage(RouterParams params, std::vector<VenueInfo> venues, const core::SymbolTable& symbols,
                         const core::Clock& clock, RouterRings rings, core::Registry* metrics)
    : p_(params),
      scorer_(venues, params, symbols.size()),
      symbols_(symbols),
      clock_(clock),
      seq_(clock),
      rings_(std::move(rings)),
      live_(std::max<std::size_t>(params.max_live_orders, 1)) {
  const std::size_t nv = venues.size();
  if (nv == 0 || nv > kMaxVenues || rings_.to_venue.size() != nv || rings_.from_venue.size() != nv ||
      rings_.orders_in == nullptr || rings_.exec_out == nullptr) {
    // Wiring bug, not a user error: the engine builds these vectors from the same venue list.
    std::fprintf(stderr, "RouterStage: %zu venues, %zu to_venue rings, %zu from_venue rings (need 1..%zu, equal)\n", nv,
                 rings_.to_venue.size(), rings_.from_venue.size(), kMaxVenues);
    std::abort();
  }
  vm_.resize(nv);
  symbol_venues_.assign(symbols.size(), static_cast<uint32_t>((uint64_t{1} << nv) - 1));
  if (metrics == nullptr) return;
  for (std::size_t v = 0; v < nv; ++v) {
    const std::string& name = venues[v].name;
    VenueMetrics& m = vm_[v];
    m.orders = &metrics->add_counter("orders_total", "Orders (new, cancel, replace) sent to a venue by the router.",
                                     {{{"venue", name}}});
    for (ExecStatus st : kAllStatuses) {
      m.reports[static_cast<std::size_t>(st)] =
          &metrics->add_counter("exec_reports_total", "Execution reports received from a venue.",
                                {{{"venue", name}, {"status", std::string(core::to_string(st))}}});
    }
    m.ack = &metrics->add_histogram("order_to_ack_seconds",
                                    "Router send to the venue's first report (kNew or kRejected), local clock.",
                                    {{{"venue", name}}});
    // End of the hot path as far as the engine sees it: the order is on the venue gateway's ring
    // (the gateway's encode + sign come after; bench/tick_to_order measures those too).
    m.tick_to_order = &metrics->add_fine_histogram(
        "tick_to_order_seconds",
        "Tick receive (its ts_local) to the order handed to the venue's gateway by the router, local clock; "
        "recorded at 1% resolution.",
        {{{"venue", name}}});
    m.fill_rate = &metrics->add_gauge("venue_fill_rate", "Router's exponentially weighted fills per acked order.",
                                      {{{"venue", name}}});
    m.fill_rate->set(scorer_.fill_rate(v));
  }
  no_venue_metric_ = &metrics->add_counter(
      "router_no_venue_total", "New orders rejected because no venue lists their symbol (set_symbol_venues).");
  table_full_metric_ = &metrics->add_counter("router_table_full_total",
                                             "New orders rejected because the router's live-order table was full.");
}

int RouterStage::poll() {
  int n = take_adopted();
  const std::size_t nv = rings_.from_venue.size();
  // Venue reports first, one per venue per round so no venue starves another. Two free slots in
  // exec_out cover the largest output of one report (a fill, then the parent's final report).
  bool progress = true;
  while (progress && n < kBatch) {
    progress = false;
    for (std::size_t k = 0; k < nv && n < kBatch; ++k) {
      std::size_t v = next_venue_ + k;
      if (v >= nv) v -= nv;
      const ExecReport* r = rings_.from_venue[v]->front();
      if (r == nullptr) continue;
      if (rings_.exec_out->free_slots() < 2) {
        progress = false;
        break;
      }
      if (!seq_.may_take(static_cast<uint8_t>(core::take_ids::kRouterVenue + v), r->ts_local)) continue;
      const ExecReport copy = *r;
      rings_.from_venue[v]->pop();
      seq_.took();
      handle_exec(static_cast<uint8_t>(v), copy);
      ++n;
      progress = true;
    }
  }
  // Rotate only after polls that took reports, so the order of simultaneous reports does not depend
  // on how many idle polls happened in between (replays must not depend on the driver's pass count).
  if (n != 0 && ++next_venue_ >= nv) next_venue_ = 0;

  while (n < kBatch) {
    const Order* o = rings_.orders_in->front();
    if (o == nullptr || !seq_.may_take(core::take_ids::kRouterOrders, o->ts_local)) break;
    const Order copy = *o;
    if (!handle_order(copy)) break;  // a target ring is full: try again next poll
    rings_.orders_in->pop();
    seq_.took();
    ++n;
  }
  seq_.end_run();
  return n;
}

RouterStage::Parent* RouterStage::find_parent(uint64_t id, Child** child) {
  Parent* p = live_.find(core::client_id_parent(id));
  if (p == nullptr) return nullptr;
  for (int i = 0; i < p->n_children; ++i) {
    if (p->child[i].id == id) {
      if (child != nullptr) *child = &p->child[i];
      return p;
    }
  }
  return nullptr;
}

void RouterStage::set_symbol_venues(core::SymbolId symbol, uint32_t venue_mask) {
  if (symbol < symbol_venues_.size()) symbol_venues_[symbol] = venue_mask & all_venues();
}

void RouterStage::add_local(Plan& plan, const Order& o, uint64_t id, ExecStatus st, RejectReason why) const {
  ExecReport& r = plan.local[plan.n_local++];
  r = ExecReport{};
  r.ts_exchange = seq_.now();
  r.ts_local = r.ts_exchange;
  r.last_px = o.price;
  r.client_id = id;
  r.symbol = o.symbol;
  r.strategy = o.strategy;
  r.venue = core::kRiskVenue;
  r.side = o.side;
  r.status = st;
  r.reject_reason = why;
  r.maker = o.tif != core::TimeInForce::kIoc;
}

void RouterStage::plan_new(const Order& o, Plan& plan) const {
  Parent& p = plan.parent;
  p = Parent{};
  p.order = o;
  p.order.action = OrderAction::kNew;
  p.order.target_id = 0;
  plan.insert = true;

  const uint32_t eligible = o.symbol < symbol_venues_.size() ? symbol_venues_[o.symbol] : all_venues();
  const VenueScorer::Ranking rk = scorer_.rank(o, eligible);
  if (rk.best < 0) {  // no venue lists the symbol
    plan.insert = false;
    add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kVenueReject);
    plan.no_venue = true;
    return;
  }
  Qty q1 = o.qty, q2{};
  const bool try_split = p_.split_notional_raw > 0 && rk.second >= 0 && (o.client_id & kSplitMask) == 0 &&
                         o.symbol < symbols_.size() && core::notional_raw(o.price, o.qty) > p_.split_notional_raw;
  if (try_split) {
    const core::InstrumentInfo& info = symbols_.info(o.symbol);
    const int64_t step = info.step.raw;
    if (step > 0 && o.qty.raw % step == 0 && o.qty.raw / step >= 2) {
      const int64_t units = o.qty.raw / step;
      // Inverse scores need positive scores; shift so the best is 1 when it is not.
      const double shift = rk.best_score > 0.0 ? 0.0 : 1.0 - rk.best_score;
      const double inv1 = 1.0 / (rk.best_score + shift);
      const double inv2 = 1.0 / (rk.second_score + shift);
      const int64_t u1 =
          std::clamp<int64_t>(std::llround(static_cast<double>(units) * inv1 / (inv1 + inv2)), 1, units - 1);
      const Qty a = Qty::from_raw(u1 * step);
      const Qty b = o.qty - a;
      const bool big_enough = std::min(a, b) >= info.min_qty &&
                              core::notional_raw(o.price, a) >= info.min_notional_raw &&
                              core::notional_raw(o.price, b) >= info.min_notional_raw;
      if (big_enough) {
        q1 = a;
        q2 = b;
      }
    }
  }

  const int venues_used = q2.is_zero() ? 1 : 2;
  for (int i = 0; i < venues_used; ++i) {
    Child& c = p.child[i];
    c.id = venues_used == 1 ? o.client_id : (o.client_id | static_cast<uint64_t>(i + 1));
    c.venue = static_cast<uint8_t>(i == 0 ? rk.best : rk.second);
    Send& s = plan.sends[plan.n_sends++];
    s.venue = c.venue;
    s.order = p.order;
    s.order.client_id = c.id;
    s.order.qty = i == 0 ? q1 : q2;
    s.order.venue = c.venue;
  }
  p.n_children = static_cast<uint8_t>(venues_used);
}

void RouterStage::plan_cancel_children(const Parent& target, const Order& o, Plan& plan) const {
  for (int i = 0; i < target.n_children; ++i) {
    const Child& c = target.child[i];
    if (c.final) continue;
    Send& s = plan.sends[plan.n_sends++];
    s.venue = c.venue;
    s.order = target.order;
    s.order.ts_tick = o.ts_tick;
    s.order.ts_local = o.ts_local;
    s.order.action = OrderAction::kCancel;
    s.order.client_id = o.client_id;
    s.order.target_id = c.id;
    s.order.venue = c.venue;
  }
}

bool RouterStage::handle_order(const Order& o) {
  Plan plan;
  switch (o.action) {
    case OrderAction::kNew:
      if (live_.find(core::client_id_parent(o.client_id)) != nullptr) {
        add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kBadOrder);
      } else if (live_.full()) {
        add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kVenueReject);
        plan.table_full = true;
      } else {
        plan_new(o, plan);
      }
      break;
    case OrderAction::kCancel: {
      const Parent* t = live_.find(core::client_id_parent(o.target_id));
      if (t == nullptr || t->order.client_id != o.target_id) {
        add_local(plan, o, o.target_id, ExecStatus::kCancelRejected, RejectReason::kUnknownOrder);
      } else {
        plan_cancel_children(*t, o, plan);
      }
      break;
    }
    case OrderAction::kReplace: {
      const Parent* t = live_.find(core::client_id_parent(o.target_id));
      if (t == nullptr || t->order.client_id != o.target_id) {
        add_local(plan, o, o.target_id, ExecStatus::kCancelRejected, RejectReason::kUnknownOrder);
        add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kUnknownOrder);
      } else if (live_.find(core::client_id_parent(o.client_id)) != nullptr) {
        add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kBadOrder);
      } else if (live_.full()) {
        add_local(plan, o, o.client_id, ExecStatus::kRejected, RejectReason::kVenueReject);
        plan.table_full = true;
      } else {
        Plan fresh;
        plan_new(o, fresh);
        if (fresh.n_sends == 0) {
          // No venue for the new order's symbol: the old order is canceled, the new one rejected.
          plan_cancel_children(*t, o, plan);
          plan.local[plan.n_local++] = fresh.local[0];
          plan.no_venue = true;
        } else if (t->n_children == 1 && fresh.parent.n_children == 1) {
          // Venue-side replace: the venue cancels and places atomically, so the new order stays
          // where the old one was.
          const Child& old = t->child[0];
          plan.insert = true;
          plan.parent = fresh.parent;
          plan.parent.child[0].venue = old.venue;
          Send& s = plan.sends[plan.n_sends++];
          s.venue = old.venue;
          s.order = o;
          s.order.target_id = old.id;
          s.order.venue = old.venue;
        } else {
          plan_cancel_children(*t, o, plan);
          for (int i = 0; i < fresh.n_sends; ++i) plan.sends[plan.n_sends++] = fresh.sends[i];
          plan.insert = true;
          plan.parent = fresh.parent;
        }
      }
      break;
    }
  }
  if (!has_room(plan)) return false;
  commit(plan);
  return true;
}

bool RouterStage::has_room(const Plan& plan) {
  std::array<int, kMaxVenues> need{};
  for (int i = 0; i < plan.n_sends; ++i) ++need[plan.sends[i].venue];
  for (std::size_t v = 0; v < rings_.to_venue.size(); ++v) {
    if (need[v] == 1 && !rings_.to_venue[v]->can_push()) return false;
    if (need[v] > 1 && rings_.to_venue[v]->free_slots() < static_cast<std::size_t>(need[v])) return false;
  }
  if (plan.n_local > 0 && rings_.exec_out->free_slots() < static_cast<std::size_t>(plan.n_local)) return false;
  return true;
}

void RouterStage::commit(Plan& plan) {
  const core::UnixNanos now = seq_.now();
  if (plan.insert) {
    Parent* p = live_.insert(core::client_id_parent(plan.parent.order.client_id));  // absent, not full: checked
    *p = plan.parent;
    for (int i = 0; i < p->n_children; ++i) p->child[i].sent_ts = now;
  }
  for (int i = 0; i < plan.n_sends; ++i) {
    const Send& s = plan.sends[i];
    core::tap_blocking(rings_.record_orders, s.order, rings_.recorder_waits);
    core::tap_blocking(rings_.observe_orders, s.order, rings_.recorder_waits);
    (void)rings_.to_venue[s.venue]->try_push(s.order);  // room checked in has_room
    if (vm_[s.venue].orders != nullptr) vm_[s.venue].orders->inc();
    // Engine-made orders (cancel-all) have no tick: ts_tick == 0.
    if (vm_[s.venue].tick_to_order != nullptr && s.order.ts_tick != 0) {
      vm_[s.venue].tick_to_order->record(now - s.order.ts_tick);
    }
  }
  for (int i = 0; i < plan.n_local; ++i) {
    core::tap_blocking(rings_.record_execs, plan.local[i], rings_.recorder_waits);
    core::tap_blocking(rings_.observe_execs, plan.local[i], rings_.recorder_waits);
    (void)rings_.exec_out->try_push(plan.local[i]);  // room checked in has_room
  }
  if (plan.no_venue) {
    ++no_venue_rejects_;
    if (no_venue_metric_ != nullptr) no_venue_metric_->inc();
  }
  if (plan.table_full) {
    ++table_full_rejects_;
    if (table_full_metric_ != nullptr) table_full_metric_->inc();
  }
}

bool RouterStage::adopt(const core::Order& o) {
  if (!can_adopt(o)) return false;
  seq_.take_payload(core::take_ids::kRouterAdopted, core::AdoptTake::of(o));
  adopt_now(o, seq_.now());
  seq_.end_run();
  return true;
}

bool RouterStage::can_adopt(const core::Order& o) const {
  const uint64_t id = core::client_id_parent(o.client_id);
  return o.venue < rings_.to_venue.size() && !live_.full() && live_.find(id) == nullptr;
}

// Exact replay: the orders the recorded run adopted, where its takes have them (first).
int RouterStage::take_adopted() {
  int n = 0;
  for (core::AdoptTake t;
       seq_.replaying() && seq_.take_payload_from<core::AdoptTake>(core::take_ids::kRouterAdopted, nullptr, t); ++n) {
    if (can_adopt(t.order())) adopt_now(t.order(), seq_.now());
  }
  return n;
}

void RouterStage::adopt_now(const core::Order& o, core::UnixNanos now) {
  const uint64_t id = core::client_id_parent(o.client_id);
  Parent* p = live_.insert(id);
  *p = Parent{};
  p->order = o;
  p->n_children = 1;
  p->child[0].id = o.client_id;
  p->child[0].venue = o.venue;
  p->child[0].sent_ts = now;
  p->child[0].acked = true;
  p->ack_forwarded = true;
}

void RouterStage::forward(const ExecReport& r) { (void)rings_.exec_out->try_push(r); }  // room checked in poll

void RouterStage::handle_exec(uint8_t v, const ExecReport& r) {
  core::tap_blocking(rings_.record_execs, r, rings_.recorder_waits);
  core::tap_blocking(rings_.observe_execs, r, rings_.recorder_waits);
  VenueMetrics& m = vm_[v];
  if (core::Counter* c = m.reports[static_cast<std::size_t>(r.status)]; c != nullptr) c->inc();

  Child* c = nullptr;
  Parent* p = find_parent(r.client_id, &c);
  if (p == nullptr || c->venue != v) {
    // Late news about an order already final here: only a child's cancel-reject has no parent meaning.
    if (r.status == ExecStatus::kCancelRejected && (r.client_id & kSplitMask) != 0) return;
    ExecReport out = r;
    out.client_id = core::client_id_parent(r.client_id);
    out.venue = v;
    forward(out);
    return;
  }

  bool stats_changed = false;
  if (!c->acked && r.status != ExecStatus::kCancelRejected) {
    c->acked = true;
    const int64_t latency = seq_.now() - c->sent_ts;
    if (m.ack != nullptr) m.ack->record(latency);
    scorer_.on_ack(v, latency, r.status != ExecStatus::kRejected);
    stats_changed = true;
  }
  if (r.last_qty.raw > 0) {
    scorer_.on_fill(v, r.symbol, r.side, r.last_qty);
    if (!c->filled) {
      c->filled = true;
      scorer_.on_first_fill(v);
      stats_changed = true;
    }
  }
  if (stats_changed && m.fill_rate != nullptr) m.fill_rate->set(scorer_.fill_rate(v));
  if (r.status != ExecStatus::kCancelRejected) c->cum = r.cum_qty;
  if (core::is_final(r.status)) {
    c->final = true;
    c->status = r.status;
  }
  const uint64_t key = core::client_id_parent(p->order.client_id);

  if (p->n_children == 1) {
    ExecReport out = r;
    out.client_id = p->order.client_id;
    out.venue = v;
    forward(out);
    if (c->final) live_.erase(key);
    return;
  }

  bool all_final = true;
  Qty cum{};
  bool any_canceled = false, any_expired = false;
  for (int i = 0; i < p->n_children; ++i) {
    const Child& ch = p->child[i];
    all_final = all_final && ch.final;
    cum += ch.cum;
    any_canceled = any_canceled || (ch.final && ch.status == ExecStatus::kCanceled);
    any_expired = any_expired || (ch.final && ch.status == ExecStatus::kExpired);
  }
  ExecStatus final_status = ExecStatus::kRejected;
  if (cum == p->order.qty) {
    final_status = ExecStatus::kFilled;
  } else if (any_canceled) {
    final_status = ExecStatus::kCanceled;
  } else if (any_expired) {
    final_status = ExecStatus::kExpired;
  }

  ExecReport out = r;
  out.client_id = p->order.client_id;
  out.venue = v;
  out.cum_qty = cum;
  const bool is_fill = r.last_qty.raw > 0;
  bool sent = false;
  if (r.status == ExecStatus::kNew) {
    if (!p->ack_forwarded) {
      forward(out);
      sent = true;
    }
  } else if (is_fill) {
    // The fill itself, then (when this fill ends the parent short of its quantity) a separate final
    // report, so a consumer that books fills only from fill statuses never misses one.
    out.status = all_final && final_status == ExecStatus::kFilled ? ExecStatus::kFilled : ExecStatus::kPartiallyFilled;
    forward(out);
    sent = true;
    if (all_final && final_status != ExecStatus::kFilled) {
      ExecReport fin = out;
      fin.status = final_status;
      fin.last_qty = Qty{};
      fin.fee_raw = 0;
      fin.reject_reason = final_status == ExecStatus::kRejected ? RejectReason::kVenueReject : RejectReason::kNone;
      forward(fin);
    }
  } else if (all_final && r.status != ExecStatus::kCancelRejected) {
    out.status = final_status;
    out.reject_reason = final_status == ExecStatus::kRejected
                            ? (r.status == ExecStatus::kRejected ? r.reject_reason : RejectReason::kVenueReject)
                            : RejectReason::kNone;
    forward(out);
    sent = true;
  }
  if (sent) p->ack_forwarded = true;
  if (all_final) live_.erase(key);
}

}  // namespace dmabot::gateway
