// GatewayCore: the order table, the request bookkeeping and the Binance rules of binance_gateway.h.
#include <algorithm>
#include <cstdio>
#include <string>

#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_gateway/inventory.h"

namespace dmabot::binance_gateway {

using binance::OrderStatus;
using binance::Product;
using binance_io::Outcome;
using core::ExecStatus;
using core::RejectReason;

namespace {

constexpr uint64_t kRestTagBit = 1ull << 63;
constexpr int kMaxTradeQueries = 5;
constexpr int64_t kRetryDelayMs = 200;

bool is_spot_cross(int code, std::string_view msg) {
  return code == -2010 && msg == binance::spot_msg::kWouldMatchAndTake;
}

}  // namespace

GatewayCore::GatewayCore(GatewayOptions options, const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
                         core::SpscRing<core::ExecReport>* execs_out, GatewayLinks links)
    : opt_(std::move(options)),
      clock_(clock),
      in_(orders_in),
      out_(execs_out),
      links_(links),
      ids_(opt_.run_id != 0 ? opt_.run_id : ClientIdCodec::run_id_from_wall_ns(core::wall_clock_ns())),
      enc_(OrderEncoder::Options{opt_.product, opt_.api_key, opt_.ws_session_auth}, links.hmac, links.ed25519),
      governor_(opt_.governor),
      reduce_only_(opt_.symbols.size(), 0),
      has_spec_(opt_.symbols.size(), 0),
      table_(opt_.max_orders),
      pending_(opt_.max_orders + 64),
      deferred_(opt_.max_orders + 64),
      reports_(2 * opt_.max_orders + 64),
      rest_slot_(std::make_unique<binance_io::RestRequest>()),
      ws_slot_(std::make_unique<binance_io::WsRequest>()),
      dec_(std::make_unique<binance::ResponseDecoder>()),
      ud_(std::make_unique<binance::UserDataDecoder>()),
      unconfirmed_(kMaxUnconfirmed),
      stream_fees_(opt_.symbols.size(), 0),
      held_(opt_.symbols.size()) {
  governor_.set_limits(opt_.rate_limits);
  for (std::size_t s = 0; s < opt_.symbols.size(); ++s) has_spec_[s] = opt_.symbols[s] != nullptr ? 1 : 0;
  // The decoders grow to the largest message they have seen; a message one byte longer than any
  // before (order ids and counters gain digits) would allocate on the order path. Grow them now to the
  // largest message the clients can hand over.
  std::string big = "{\"code\":0,\"msg\":\"";
  big.append(binance_io::WsResponse::kMaxFrame - 64, 'x');
  big += "\"}";
  binance::ErrorBody eb;
  (void)dec_->decode_error(big, eb);
  big.resize(binance_io::WsEvent::kMaxEvent - 4);
  big += "\"}";
  (void)ud_->decode(big);
}

GatewayCore::~GatewayCore() = default;

int64_t GatewayCore::now_ms() const {
  return links_.clock_offset != nullptr ? links_.clock_offset->now_server_ms() : core::wall_clock_ns() / 1'000'000;
}

bool GatewayCore::ws_usable() const {
  return opt_.product == Product::kSpot && links_.ws != nullptr && links_.ws->ready();
}

void GatewayCore::set_reduce_only(core::SymbolId symbol, bool on) {
  if (symbol < reduce_only_.size()) reduce_only_[symbol] = on ? 1 : 0;
}

bool GatewayCore::update_spec(core::SymbolId symbol, const binance::InstrumentSpec* spec) {
  if (spec == nullptr || symbol >= has_spec_.size() || has_spec_[symbol] == 0) return false;
  return spec_updates_.try_push(SpecUpdate{symbol, spec});
}

// ---- reports -------------------------------------------------------------------------------------

int GatewayCore::flush_reports() {
  int n = 0;
  while (rep_n_ > 0 && out_->try_push(reports_[rep_head_])) {
    rep_head_ = (rep_head_ + 1) % reports_.size();
    --rep_n_;
    ++n;
  }
  return n;
}

void GatewayCore::emit(const core::Order& o, ExecStatus st, core::Qty cum, RejectReason reason,
                       core::UnixNanos ts_exchange, core::Qty last_qty, core::Price last_px, int64_t fee, bool maker) {
  core::ExecReport r;
  r.ts_exchange = ts_exchange != 0 ? ts_exchange : now_ms() * 1'000'000;
  r.ts_local = clock_.now();
  r.last_px = last_qty.raw != 0 ? last_px : o.price;
  r.last_qty = last_qty;
  r.cum_qty = cum;
  r.client_id = o.client_id;
  r.fee_raw = fee;
  r.symbol = o.symbol;
  r.strategy = o.strategy;
  r.venue = opt_.venue_id;
  r.side = o.side;
  r.status = st;
  r.reject_reason = reason;
  r.maker = maker;
  if (last_qty.raw > 0) ++fills_emitted_;
  if (rep_n_ == 0 && out_->try_push(r)) return;
  if (rep_n_ == reports_.size()) {  // cannot happen with the sizing above; never silently
    std::fprintf(stderr, "binance_gateway %s: report buffer full, report for %llu dropped\n", opt_.name.c_str(),
                 static_cast<unsigned long long>(o.client_id));
    return;
  }
  reports_[(rep_head_ + rep_n_) % reports_.size()] = r;
  ++rep_n_;
}

void GatewayCore::reject_local(const core::Order& o, LocalReject why) {
  stats_.local_rejects[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  emit(o, ExecStatus::kRejected, {}, RejectReason::kVenueReject, 0);
}

// ---- the order path --------------------------------------------------------------------------------

int GatewayCore::poll_venue() {
  int n = flush_reports();
  for (const SpecUpdate* u; (u = spec_updates_.front()) != nullptr; spec_updates_.pop()) {
    opt_.symbols[u->symbol] = u->spec;  // update_spec checked the id
    ++n;
  }
  for (const OpenSnapshot* s; (s = snapshots_.front()) != nullptr; snapshots_.pop()) {
    check_snapshot(*s);  // cold: one per symbol per RECONCILE_S
    ++n;
  }
  if (links_.rest != nullptr) {
    for (const binance_io::RestResponse* r; n < kBatch && (r = links_.rest->front()) != nullptr; ++n) {
      on_rest_response(*r);
      links_.rest->pop();
    }
  }
  if (links_.ws != nullptr && opt_.product == Product::kSpot) {
    for (const binance_io::WsResponse* r; n < kBatch && (r = links_.ws->front()) != nullptr; ++n) {
      on_ws_response(*r);
      links_.ws->pop();
    }
  }
  n += run_deferred();
  if (held_n_ != 0) n += release_held_positions();
  // New work only while reports flow (each order makes at most a few reports).
  for (int k = 0; k < kBatch && rep_n_ == 0; ++k) {
    core::Order* o = in_->front();
    if (o == nullptr) break;
    const core::Order order = *o;
    in_->pop();
    on_order(order);
    ++n;
  }
  n += flush_reports();
  const auto outstanding = static_cast<uint32_t>(pending_.size() + deferred_n_ + rep_n_);
  if (outstanding != outstanding_) {
    outstanding_ = outstanding;
    stats_.outstanding.store(outstanding, std::memory_order_relaxed);
  }
  return n;
}

void GatewayCore::on_order(const core::Order& o) {
  switch (o.action) {
    case core::OrderAction::kNew:
      new_order(o);
      break;
    case core::OrderAction::kCancel:
      cancel(o);
      break;
    case core::OrderAction::kReplace:
      replace(o);
      break;
  }
}

void GatewayCore::new_order(const core::Order& o) {
  const binance::InstrumentSpec* spec = o.symbol < opt_.symbols.size() ? opt_.symbols[o.symbol] : nullptr;
  if (spec == nullptr) return reject_local(o, LocalReject::kUnknownSymbol);
  if (table_.find(o.client_id) != nullptr) return reject_local(o, LocalReject::kDuplicateId);
  if (table_.full()) return reject_local(o, LocalReject::kTableFull);
  char text[kClientIdTextMax];
  const std::size_t len = ids_.encode(o.client_id, text);
  NewOrderExtras extras;
  extras.reduce_only = reduce_only_[o.symbol] != 0;
  binance::NewOrder msg;
  const binance::CheckResult chk = prepare_new_order(o, *spec, std::string_view(text, len), extras, msg);
  if (!chk.ok()) return reject_local(o, classify(chk));
  if (opt_.dry_run) {
    if (opt_.dry_run_out != nullptr) {
      core::Order as_sent = o;
      as_sent.price = *msg.price;
      as_sent.qty = *msg.quantity;
      if (!opt_.dry_run_out->try_push(as_sent)) stats_.dry_run_unlogged.fetch_add(1, std::memory_order_relaxed);
    }
    return reject_local(o, LocalReject::kDryRun);
  }
  const binance_io::RateGovernor::Verdict v = governor_.check_order(1, now_ms());
  if (!v.allowed) return reject_local(o, LocalReject::kRateLimited);
  Entry* e = table_.insert(o.client_id);
  e->order = o;
  e->order.price = *msg.price;
  e->order.qty = *msg.quantity;
  e->order.action = core::OrderAction::kNew;
  std::copy(text, text + len, e->text);
  e->text_len = static_cast<uint8_t>(len);
  if (!send_new(*e, 0)) {
    const core::Order copy = e->order;
    table_.erase(o.client_id);
    reject_local(copy, LocalReject::kEncode);
  }
}

void GatewayCore::cancel(const core::Order& o) {
  Entry* e = table_.find(o.target_id);
  if (e == nullptr) {
    core::Order gone = o;
    gone.client_id = o.target_id;
    emit(gone, ExecStatus::kCancelRejected, {}, RejectReason::kUnknownOrder, 0);
    return;
  }
  if (!send_cancel(*e, 0)) defer(now_ms() + kRetryDelayMs, e->order.client_id, Kind::kCancel, 0);
}

void GatewayCore::replace(const core::Order& o) {
  Entry* e = table_.find(o.target_id);
  if (e == nullptr || e->has_replace) {
    core::Order gone = o;
    gone.client_id = o.target_id;
    emit(gone, ExecStatus::kCancelRejected, {}, RejectReason::kUnknownOrder, 0);
    emit(o, ExecStatus::kRejected, {}, RejectReason::kUnknownOrder, 0);
    return;
  }
  core::Order repl = o;
  repl.action = core::OrderAction::kNew;
  repl.target_id = 0;
  if (ws_usable()) {
    if (!send_cancel_replace(*e, repl)) {
      core::Order old = e->order;
      emit(old, ExecStatus::kCancelRejected, e->cum, RejectReason::kVenueReject, 0);
    }
    return;
  }
  e->replace = repl;
  e->has_replace = true;
  if (!send_cancel(*e, 0)) defer(now_ms() + kRetryDelayMs, e->order.client_id, Kind::kCancel, 0);
}

// One WS order.cancelReplace (STOP_ON_FAILURE). The new order gets its entry now; a check failure of
// the new half is answered locally and nothing is sent (as Binance checks it first). False: could not
// be sent (the new half has been answered kRejected then).
bool GatewayCore::send_cancel_replace(Entry& old_entry, const core::Order& repl) {
  const uint64_t old_id = old_entry.order.client_id;
  const binance::InstrumentSpec* spec = repl.symbol < opt_.symbols.size() ? opt_.symbols[repl.symbol] : nullptr;
  if (spec == nullptr || table_.find(repl.client_id) != nullptr || table_.full()) {
    reject_local(repl, spec == nullptr ? LocalReject::kUnknownSymbol
                                       : (table_.full() ? LocalReject::kTableFull : LocalReject::kDuplicateId));
    return false;
  }
  char text[kClientIdTextMax];
  const std::size_t len = ids_.encode(repl.client_id, text);
  NewOrderExtras extras;
  extras.reduce_only = reduce_only_[repl.symbol] != 0;
  extras.resp_type = binance::OrderRespType::kFull;
  binance::CancelReplace cr;
  const binance::CheckResult chk = prepare_new_order(repl, *spec, std::string_view(text, len), extras, cr.order);
  if (!chk.ok()) {
    reject_local(repl, classify(chk));
    return false;
  }
  const int64_t ts = now_ms();
  if (!governor_.check_order(1, ts).allowed) {
    reject_local(repl, LocalReject::kRateLimited);
    return false;
  }
  cr.order.timestamp_ms = ts;
  cr.order.recv_window_ms = opt_.recv_window_ms;
  char old_text[kClientIdTextMax];
  const std::size_t old_len = old_entry.text_len;
  std::copy(old_entry.text, old_entry.text + old_len, old_text);
  cr.cancel_orig_client_order_id = std::string_view(old_text, old_len);
  const uint64_t ws_id = links_.ws->next_id();
  if (!enc_.encode_cancel_replace(cr, ws_id)) {
    reject_local(repl, LocalReject::kEncode);
    return false;
  }
  Entry* ne = table_.insert(repl.client_id);
  ne->order = repl;
  ne->order.price = *cr.order.price;
  ne->order.qty = *cr.order.quantity;
  std::copy(text, text + len, ne->text);
  ne->text_len = static_cast<uint8_t>(len);
  ne->sent_timestamp_ms = ts;
  if (!submit(Kind::kCancelReplace, repl.client_id, 0, ws_id, ts)) {
    const core::Order o = ne->order;
    table_.erase(repl.client_id);
    reject_local(o, LocalReject::kEncode);
    return false;
  }
  if (Pending* p = pending_.find(ws_id); p != nullptr) p->target_id = old_id;
  governor_.on_order_sent(1, ts);
  stats_.orders_sent.fetch_add(1, std::memory_order_relaxed);
  stats_.cancels_sent.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// The answer to an order.cancelReplace (answered: the frame was decoded as a result or an error with
// `data`; false: unknown outcome — query both halves).
void GatewayCore::on_cancel_replace(const Pending& p, bool answered) {
  if (!answered) {
    stats_.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
    for (uint64_t id : {p.target_id, p.client_id}) {
      Entry* e = table_.find(id);
      if (e == nullptr) continue;
      if (id == p.client_id) e->state = State::kUnknown;
      // The old half: if the query finds it still open, the cancel did not happen — say so
      // (kCancelRejected), or the engine keeps it as cancel-pending and never cancels it again.
      if (id == p.target_id) e->replace_unknown = true;
      if (!send_query(*e, 0)) defer(now_ms() + kRetryDelayMs, id, Kind::kQuery, 0);
    }
    return;
  }
  binance::CancelReplaceResult res;
  if (!dec_->decode_cancel_replace(binance::kWsResult, res).ok()) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    return on_cancel_replace(p, false);
  }
  if (Entry* old = table_.find(p.target_id); old != nullptr) {
    if (res.has_cancel) {
      if (res.cancel.order_id != 0) old->order_id = res.cancel.order_id;
      apply_status(*old, res.cancel.status, res.cancel.executed_qty, res.cancel.update_time_ms * 1'000'000);
    } else if (res.cancel_error.code != 0) {
      const core::Order o = old->order;
      emit(o, ExecStatus::kCancelRejected, old->cum,
           res.cancel_error.code == -2011 ? RejectReason::kUnknownOrder : RejectReason::kVenueReject, 0);
    }
  }
  Entry* ne = table_.find(p.client_id);
  if (ne == nullptr) return;
  if (res.has_new_order) return apply_result(*ne, res.new_order, dec_->fills());
  const core::Order o = ne->order;
  table_.erase(p.client_id);
  stats_.venue_rejects.fetch_add(1, std::memory_order_relaxed);
  const bool crossed = is_spot_cross(res.new_order_error.code, res.new_order_error.msg);
  emit(o, crossed ? ExecStatus::kExpired : ExecStatus::kRejected, {},
       res.new_order_error.code == 0 ? RejectReason::kUnknownOrder : RejectReason::kVenueReject, 0);
}

// ---- sending ---------------------------------------------------------------------------------------

bool GatewayCore::submit(Kind kind, uint64_t client_id, uint8_t attempt, uint64_t ws_id, int64_t timestamp_ms) {
  if (pending_.full()) return false;
  const bool ws = ws_id != 0;
  uint64_t id = ws_id;
  const int32_t timeout = kind == Kind::kNew || kind == Kind::kCancel ? opt_.order_timeout_ms : opt_.query_timeout_ms;
  if (ws) {
    ws_slot_->timeout_ms = timeout;
    if (!ws_slot_->set(id, enc_.view()) || !links_.ws->submit(*ws_slot_)) return false;
    stats_.sent_ws.fetch_add(1, std::memory_order_relaxed);
  } else {
    id = kRestTagBit | ++rest_seq_;
    binance::RestTarget t{};
    const bool spot = opt_.product == Product::kSpot;
    switch (kind) {
      case Kind::kNew:
        t = spot ? binance::kSpotNewOrder : binance::kFuturesNewOrder;
        break;
      case Kind::kCancel:
        t = spot ? binance::kSpotCancelOrder : binance::kFuturesCancelOrder;
        break;
      case Kind::kQuery:
        t = spot ? binance::kSpotQueryOrder : binance::kFuturesQueryOrder;
        break;
      case Kind::kTrades:
        t = spot ? binance::kSpotMyTrades : binance::kFuturesUserTrades;
        break;
      case Kind::kTime:
        t = spot ? binance::kSpotServerTime : binance::kFuturesServerTime;
        break;
      case Kind::kCancelReplace:
        return false;  // WebSocket API only
    }
    rest_slot_->timeout_ms = timeout;
    if (!rest_slot_->set(id, t, kind == Kind::kTime ? std::string_view() : enc_.view()) ||
        !links_.rest->submit(*rest_slot_))
      return false;
    stats_.sent_rest.fetch_add(1, std::memory_order_relaxed);
  }
  Pending* p = pending_.insert(id);
  p->kind = kind;
  p->attempt = attempt;
  p->ws = ws;
  p->client_id = client_id;
  p->timestamp_ms = timestamp_ms;
  if (const Entry* e = table_.find(client_id); e != nullptr) {
    p->order = e->order;
    if (kind == Kind::kCancel && e->has_replace) {
      p->for_replace = true;
      p->repl = e->replace;
    }
  }
  return true;
}

bool GatewayCore::send_new(Entry& e, uint8_t attempt) {
  const binance::InstrumentSpec& spec = *opt_.symbols[e.order.symbol];
  const uint64_t ws_id = ws_usable() ? links_.ws->next_id() : 0;
  NewOrderExtras extras;
  extras.reduce_only = reduce_only_[e.order.symbol] != 0;
  extras.resp_type = opt_.product == Product::kSpot ? binance::OrderRespType::kFull : binance::OrderRespType::kResult;
  const int64_t ts = now_ms();
  const binance::CheckResult r = enc_.encode_order(e.order, spec, e.text_view(), extras, ts, opt_.recv_window_ms,
                                                   ws_id != 0 ? Wire::kWsApi : Wire::kRest, ws_id);
  if (!r.ok()) return false;
  if (!submit(Kind::kNew, e.order.client_id, attempt, ws_id, ts)) return false;
  governor_.on_order_sent(1, ts);
  e.sent_timestamp_ms = ts;
  stats_.orders_sent.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool GatewayCore::send_cancel(Entry& e, uint8_t attempt) {
  return send_order_ref(e, attempt, Kind::kCancel, 1, binance::kWsOrderCancel, stats_.cancels_sent);
}

bool GatewayCore::send_query(Entry& e, uint8_t attempt) {
  return send_order_ref(e, attempt, Kind::kQuery, opt_.product == Product::kSpot ? 4 : 1, binance::kWsOrderStatus,
                        stats_.queries_sent);
}

// A request about one order by its client id (cancel or status): deferred while the governor says
// no, over the WS API when usable, else REST.
bool GatewayCore::send_order_ref(Entry& e, uint8_t attempt, Kind kind, int64_t weight, std::string_view ws_method,
                                 std::atomic<uint64_t>& sent_counter) {
  const int64_t ts = now_ms();
  if (!governor_.check_request(weight, ts).allowed) {
    stats_.deferred.fetch_add(1, std::memory_order_relaxed);
    defer(std::max(governor_.blocked_until_ms(), ts + kRetryDelayMs), e.order.client_id, kind, attempt);
    return true;
  }
  const uint64_t ws_id = ws_usable() ? links_.ws->next_id() : 0;
  binance::OrderRef ref;
  ref.product = opt_.product;
  ref.symbol = opt_.symbols[e.order.symbol]->symbol;
  ref.orig_client_order_id = e.text_view();
  ref.timestamp_ms = ts;
  ref.recv_window_ms = opt_.recv_window_ms;
  if (!enc_.encode_ref(ref, ws_id != 0 ? Wire::kWsApi : Wire::kRest, ws_method, ws_id)) return false;
  if (!submit(kind, e.order.client_id, attempt, ws_id, ts)) return false;
  governor_.on_request_sent(weight, ts);
  sent_counter.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool GatewayCore::send_trades(Entry& e, uint8_t attempt) {
  const int64_t ts = now_ms();
  if (e.order_id == 0) return send_query(e, attempt);  // the orderId first
  const int64_t weight = 5;
  if (!governor_.check_request(weight, ts).allowed) {
    stats_.deferred.fetch_add(1, std::memory_order_relaxed);
    defer(std::max(governor_.blocked_until_ms(), ts + kRetryDelayMs), e.order.client_id, Kind::kTrades, attempt);
    return true;
  }
  if (!enc_.encode_trades(opt_.symbols[e.order.symbol]->symbol, e.order_id, ts, opt_.recv_window_ms)) return false;
  if (!submit(Kind::kTrades, e.order.client_id, attempt, 0, ts)) return false;
  governor_.on_request_sent(weight, ts);
  ++e.trade_queries;
  stats_.trade_queries_sent.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void GatewayCore::send_time() {
  if (time_sync_in_flight_ || links_.rest == nullptr) return;
  if (submit(Kind::kTime, 0, 0, 0, 0)) time_sync_in_flight_ = true;
}

void GatewayCore::defer(int64_t due_ms, uint64_t client_id, Kind kind, uint8_t attempt) {
  if (deferred_n_ == deferred_.size()) {
    std::fprintf(stderr, "binance_gateway %s: deferred list full, work for %llu dropped\n", opt_.name.c_str(),
                 static_cast<unsigned long long>(client_id));
    return;
  }
  deferred_[deferred_n_++] = Deferred{due_ms, client_id, kind, attempt};
}

int GatewayCore::run_deferred() {
  if (deferred_n_ == 0) return 0;
  const int64_t now = now_ms();
  int n = 0;
  // Work added while running (a failed send deferred again) waits for the next poll.
  std::size_t todo = deferred_n_;
  for (std::size_t i = 0; i < deferred_n_ && todo > 0 && n < kBatch; --todo) {
    const Deferred d = deferred_[i];
    const bool waits_for_clock = d.kind == Kind::kNew && time_sync_in_flight_;
    if (d.due_ms > now || waits_for_clock) {
      ++i;
      continue;
    }
    deferred_[i] = deferred_[--deferred_n_];  // order among due items does not matter
    run_one(d);
    ++n;
  }
  return n;
}

void GatewayCore::run_one(const Deferred& d) {
  Entry* e = table_.find(d.client_id);
  if (e == nullptr) return;  // finished meanwhile
  bool ok = true;
  switch (d.kind) {
    case Kind::kNew:
      stats_.retries.fetch_add(1, std::memory_order_relaxed);
      if (!send_new(*e, d.attempt)) {
        const core::Order o = e->order;
        table_.erase(d.client_id);
        reject_local(o, LocalReject::kEncode);
      }
      return;
    case Kind::kCancel:
      ok = send_cancel(*e, d.attempt);
      break;
    case Kind::kQuery:
      ok = send_query(*e, d.attempt);
      break;
    case Kind::kTrades:
      if (e->fill_deadline_ms != 0 && e->venue_cum > e->cum) {
        e->fill_deadline_ms = 0;
        ok = send_trades(*e, d.attempt);
      }
      break;
    case Kind::kTime:
    case Kind::kCancelReplace:
      break;
  }
  if (!ok) defer(now_ms() + kRetryDelayMs, d.client_id, d.kind, d.attempt);
}

// ---- answers --------------------------------------------------------------------------------------

void GatewayCore::on_rest_response(const binance_io::RestResponse& r) {
  const Pending* pp = pending_.find(r.tag);
  if (pp == nullptr) return;
  const Pending p = *pp;
  pending_.erase(r.tag);
  const int64_t now = now_ms();
  if (r.outcome == Outcome::kResponse) governor_.on_response(r.status, r.usage, now);
  if (p.kind == Kind::kTime) {
    time_sync_in_flight_ = false;
    int64_t server_ms = 0;
    if (r.outcome == Outcome::kResponse && r.status == 200 && links_.clock_offset != nullptr &&
        dec_->decode_server_time(r.body_view(), server_ms).ok()) {
      links_.clock_offset->begin_round();
      links_.clock_offset->add_sample(r.sent_wall_ns, r.done_wall_ns, server_ms);
      links_.clock_offset->commit(r.done_wall_ns);
    }
    return;
  }
  if (binance_io::outcome_unknown(r)) return on_unknown(p);
  if (r.outcome != Outcome::kResponse) return on_not_sent(p);
  if (r.status == 200) return on_success(p, r.body_view());
  binance::ErrorBody err;
  if (!dec_->decode_error(r.body_view(), err).ok()) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    err.code = 0;
    err.msg = {};
  }
  on_error(p, r.status, err.code, err.msg);
}

void GatewayCore::on_ws_response(const binance_io::WsResponse& r) {
  const Pending* pp = pending_.find(r.id);
  if (pp == nullptr || !pp->ws) return;
  const Pending p = *pp;
  pending_.erase(r.id);
  if (r.outcome == Outcome::kTimeout || r.outcome == Outcome::kUnknownOutcome) {
    return p.kind == Kind::kCancelReplace ? on_cancel_replace(p, false) : on_unknown(p);
  }
  if (r.outcome != Outcome::kResponse) {
    if (p.kind != Kind::kCancelReplace) return on_not_sent(p);
    // Never left: neither half happened. The replace goes again the two-step way.
    Entry* ne = table_.find(p.client_id);
    if (ne == nullptr) return;
    const core::Order repl = ne->order;
    table_.erase(p.client_id);
    if (Entry* old = table_.find(p.target_id); old != nullptr) {
      old->replace = repl;
      old->has_replace = true;
      if (!send_cancel(*old, 0)) defer(now_ms() + kRetryDelayMs, p.target_id, Kind::kCancel, 0);
    } else {
      emit(repl, ExecStatus::kRejected, {}, RejectReason::kUnknownOrder, 0);
    }
    return;
  }
  binance::WsEnvelope env;
  if (!dec_->decode_ws_envelope(r.view(), env).ok()) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    return on_unknown(p);
  }
  const int64_t now = now_ms();
  governor_.on_ws_rate_limits(env.rate_limits, now);
  if (env.status == 429 || env.status == 418) governor_.on_response(env.status, binance_io::UsageHeaders{}, now);
  if (p.kind == Kind::kCancelReplace) {
    if (env.status == 429 || env.status == 418) {
      stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
      if (Entry* old = table_.find(p.target_id); old != nullptr) {
        emit(old->order, ExecStatus::kCancelRejected, old->cum, RejectReason::kVenueReject, 0);
      }
      if (Entry* ne = table_.find(p.client_id); ne != nullptr) {
        const core::Order o = ne->order;
        table_.erase(p.client_id);
        reject_local(o, LocalReject::kRateLimited);
      }
      return;
    }
    if (env.status >= 400 && env.status < 500 && !env.has_result && !env.error_has_data) {
      // Refused as a whole, before either half ran (Binance adds `data` only once the halves were
      // tried): -1021, -1022, a parameter error. The old order stands, the new one was never placed:
      // a conclusive answer, not an unknown outcome (which would query both and wait out the new
      // one's recvWindow). -1021: the clock is measured again; the strategy re-decides the replace.
      stats_.venue_rejects.fetch_add(1, std::memory_order_relaxed);
      if (env.error.code == -1021) {
        stats_.clock_resyncs.fetch_add(1, std::memory_order_relaxed);
        if (links_.clock_offset != nullptr) links_.clock_offset->resync();
        send_time();
      }
      if (Entry* old = table_.find(p.target_id); old != nullptr) {
        emit(old->order, ExecStatus::kCancelRejected, old->cum, RejectReason::kVenueReject, 0);
      }
      if (Entry* ne = table_.find(p.client_id); ne != nullptr) {
        const core::Order o = ne->order;
        table_.erase(p.client_id);
        emit(o, ExecStatus::kRejected, {}, RejectReason::kVenueReject, 0);
      }
      return;
    }
    return on_cancel_replace(p, env.status < 500 && (env.has_result || env.error_has_data));
  }
  if (env.status >= 500) return on_unknown(p);
  if (env.has_result && env.status == 200) return on_success(p, binance::kWsResult);
  on_error(p, env.status, env.error.code, env.error.msg);
}

void GatewayCore::place_or_reject_replace(const core::Order& repl, bool old_canceled) {
  if (old_canceled) return new_order(repl);
  emit(repl, ExecStatus::kRejected, {}, RejectReason::kUnknownOrder, 0);
}

// The cancel half of a two-step replace answered: the old order's state, then the new half.
void GatewayCore::on_replace_cancel(const Pending& p, binance::DecodeInput body) {
  binance::OrderResult res;
  if (!dec_->decode_order(body, opt_.product, res).ok()) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    return on_unknown(p);
  }
  if (Entry* e = table_.find(p.client_id); e != nullptr) {
    e->has_replace = false;
    e->replace_unknown = false;
    if (res.order_id != 0) e->order_id = res.order_id;
    apply_status(*e, res.status, res.executed_qty, res.update_time_ms * 1'000'000);
  } else {
    stats_.stale_answers.fetch_add(1, std::memory_order_relaxed);
  }
  place_or_reject_replace(p.repl, res.status == OrderStatus::kCanceled);
}

void GatewayCore::on_success(const Pending& p, binance::DecodeInput body) {
  if (p.kind == Kind::kCancel && p.for_replace) return on_replace_cancel(p, body);
  Entry* e = table_.find(p.client_id);
  if (e == nullptr) {
    stats_.stale_answers.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (p.kind == Kind::kTrades) {
    std::span<const binance::AccountTrade> trades;
    if (!dec_->decode_trades(body, opt_.product, trades).ok()) {
      stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    } else {
      for (const binance::AccountTrade& t : trades) {
        if (t.order_id != e->order_id) continue;
        Fill f;
        f.trade_id = t.id;
        f.px = t.price;
        f.qty = t.qty;
        f.commission = t.commission;
        f.commission_asset = t.commission_asset.view();
        f.maker = t.is_maker;
        f.ts = t.time_ms * 1'000'000;
        on_fill(*e, f);
        if ((e = table_.find(p.client_id)) == nullptr) return;
      }
    }
    if (e->venue_cum > e->cum && e->trade_queries >= kMaxTradeQueries) {
      std::fprintf(stderr, "binance_gateway %s: order %llu: venue executed more than its trades show\n",
                   opt_.name.c_str(), static_cast<unsigned long long>(p.client_id));
      e->venue_cum = e->cum;
    }
    return try_finish(*e);
  }
  binance::OrderResult res;
  if (!dec_->decode_order(body, opt_.product, res).ok()) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    return on_unknown(p);
  }
  const std::span<const binance::Fill> fills = p.kind == Kind::kNew ? dec_->fills() : std::span<const binance::Fill>();
  if (p.kind == Kind::kCancel) {
    // Binance answers the canceled order (spot: clientOrderId is the cancel's, origClientOrderId ours).
    e->order_id = res.order_id;
    apply_status(*e, res.status, res.executed_qty, res.update_time_ms * 1'000'000);
    return;
  }
  const bool replace_pending = p.kind == Kind::kQuery && e->has_replace && e->replace_unknown;
  // The old half of an order.cancelReplace whose outcome was unknown (on_cancel_replace).
  const bool cancel_replace_pending = p.kind == Kind::kQuery && !e->has_replace && e->replace_unknown;
  const bool cancel_pending = p.kind == Kind::kQuery && e->cancel_unknown;
  if (p.kind == Kind::kQuery) e->resync_query = false;  // its venue_cum now says what the gap lost
  apply_result(*e, res, fills);
  if (cancel_pending && !binance::is_final(res.status)) {
    // The cancel did not happen (or not yet): it goes again — risk still counts it cancel-pending, so
    // nothing else would ever cancel this order (a shutdown's cancel-all skips it).
    if (Entry* still = table_.find(p.client_id); still != nullptr) {
      still->cancel_unknown = false;
      if (!send_cancel(*still, 0)) defer(now_ms() + kRetryDelayMs, p.client_id, Kind::kCancel, 0);
    }
  }
  if (cancel_replace_pending && !binance::is_final(res.status)) {
    if (Entry* still = table_.find(p.client_id); still != nullptr) {
      still->replace_unknown = false;
      emit(still->order, ExecStatus::kCancelRejected, still->cum, RejectReason::kVenueReject, 0);
    }
  }
  if (replace_pending && !binance::is_final(res.status)) {
    if (Entry* still = table_.find(p.client_id); still != nullptr) {
      still->replace_unknown = false;  // the cancel did not happen: it goes again
      if (!send_cancel(*still, 0)) defer(now_ms() + kRetryDelayMs, p.client_id, Kind::kCancel, 0);
    }
  }
}

void GatewayCore::on_error(const Pending& p, int http_status, int code, std::string_view msg) {
  const int64_t now = now_ms();
  Entry* e = table_.find(p.client_id);
  if (http_status == 429 || http_status == 418) stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
  if (e == nullptr) {
    stats_.stale_answers.fetch_add(1, std::memory_order_relaxed);
    // The order finished meanwhile (filled, or canceled by an earlier attempt): the cancel has nothing
    // left to cancel, as MockGateway answers it.
    if (p.kind == Kind::kCancel) {
      emit(p.order, ExecStatus::kCancelRejected, {}, RejectReason::kUnknownOrder, 0);
      if (p.for_replace) place_or_reject_replace(p.repl, false);
    }
    return;
  }
  if (code == -1021) {
    stats_.clock_resyncs.fetch_add(1, std::memory_order_relaxed);
    if (links_.clock_offset != nullptr) links_.clock_offset->resync();
    send_time();
    if (p.attempt == 0) {
      // The request was refused before the matching engine: retry once, same client id, new timestamp,
      // after the clock round (run_deferred holds a new order while the time request is out).
      defer(now, p.client_id, p.kind, 1);
      return;
    }
  }
  switch (p.kind) {
    case Kind::kNew: {
      if (http_status == 429 || http_status == 418) {
        stats_.local_rejects[static_cast<std::size_t>(LocalReject::kRateLimited)].fetch_add(1,
                                                                                            std::memory_order_relaxed);
      } else {
        stats_.venue_rejects.fetch_add(1, std::memory_order_relaxed);
      }
      if ((code == -2010 && msg == binance::spot_msg::kDuplicateOrder) || code == -4116) {
        // An order with our text exists: an earlier attempt of ours got through. Find it.
        e->state = State::kUnknown;
        if (!send_query(*e, 0)) defer(now + kRetryDelayMs, p.client_id, Kind::kQuery, 0);
        return;
      }
      const bool crossed = is_spot_cross(code, msg) || code == -5022;
      const core::Order o = e->order;
      table_.erase(p.client_id);
      emit(o, crossed ? ExecStatus::kExpired : ExecStatus::kRejected, {}, RejectReason::kVenueReject, 0);
      return;
    }
    case Kind::kCancel: {
      if (http_status == 429 || http_status == 418) {
        stats_.deferred.fetch_add(1, std::memory_order_relaxed);
        defer(std::max(governor_.blocked_until_ms(), now + kRetryDelayMs), p.client_id, Kind::kCancel, p.attempt);
        return;
      }
      core::Order old = e->order;
      emit(old, ExecStatus::kCancelRejected, e->cum,
           code == -2011 ? RejectReason::kUnknownOrder : RejectReason::kVenueReject, 0);
      if (p.for_replace) {
        e->has_replace = false;
        place_or_reject_replace(p.repl, false);
      }
      return;
    }
    case Kind::kQuery: {
      if (code == -2013 || code == -2011) {
        const int64_t conclusive_at = e->sent_timestamp_ms + opt_.recv_window_ms + opt_.conclusive_margin_ms;
        if (e->acked || now >= conclusive_at) {
          // Never accepted (or gone): final. An acked order that vanished is reported canceled.
          const core::Order o = e->order;
          const bool acked = e->acked;
          const core::Qty cum = e->cum;
          table_.erase(p.client_id);
          stats_.venue_rejects.fetch_add(acked ? 0 : 1, std::memory_order_relaxed);
          emit(o, acked ? ExecStatus::kCanceled : ExecStatus::kRejected, cum,
               acked ? RejectReason::kNone : RejectReason::kVenueReject, 0);
        } else {
          defer(conclusive_at, p.client_id, Kind::kQuery, p.attempt);
        }
        return;
      }
      defer(std::max(governor_.blocked_until_ms(), now + kRetryDelayMs), p.client_id, Kind::kQuery, p.attempt);
      return;
    }
    case Kind::kTrades:
      e->fill_deadline_ms = now + kRetryDelayMs;
      defer(std::max(governor_.blocked_until_ms(), now + kRetryDelayMs), p.client_id, Kind::kTrades, p.attempt);
      return;
    case Kind::kTime:
    case Kind::kCancelReplace:
      return;
  }
}

void GatewayCore::on_unknown(const Pending& p) {
  stats_.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
  Entry* e = table_.find(p.client_id);
  if (e == nullptr) return;
  if (p.kind == Kind::kNew) e->state = State::kUnknown;
  if (p.kind == Kind::kCancel && p.for_replace) e->replace_unknown = true;
  if (p.kind == Kind::kCancel && !p.for_replace) e->cancel_unknown = true;
  // New order or cancel: what happened is the order's state now — ask for it, never resend.
  if (p.kind == Kind::kTrades) {
    e->fill_deadline_ms = now_ms() + kRetryDelayMs;
    defer(e->fill_deadline_ms, p.client_id, Kind::kTrades, p.attempt);
    return;
  }
  if (!send_query(*e, 0)) defer(now_ms() + kRetryDelayMs, p.client_id, Kind::kQuery, 0);
}

void GatewayCore::on_not_sent(const Pending& p) {
  Entry* e = table_.find(p.client_id);
  if (e == nullptr) return;
  if (p.kind == Kind::kNew && p.attempt >= 1) {
    const core::Order o = e->order;
    table_.erase(p.client_id);
    reject_local(o, LocalReject::kEncode);
    return;
  }
  // Nothing reached the venue: sending again cannot make a second order (same text anyway).
  defer(now_ms() + kRetryDelayMs, p.client_id, p.kind, static_cast<uint8_t>(p.attempt + 1));
}

// ---- state ----------------------------------------------------------------------------------------

void GatewayCore::ack(Entry& e, core::UnixNanos ts) {
  if (e.acked) return;
  e.acked = true;
  e.state = State::kWorking;
  emit(e.order, ExecStatus::kNew, {}, RejectReason::kNone, ts);
}

void GatewayCore::apply_result(Entry& e, const binance::OrderResult& r, std::span<const binance::Fill> fills) {
  if (r.order_id != 0) e.order_id = r.order_id;
  const core::UnixNanos ts = (r.transact_time_ms != 0 ? r.transact_time_ms : r.update_time_ms) * 1'000'000;
  if (r.status != OrderStatus::kRejected) ack(e, ts);
  const uint64_t id = e.order.client_id;
  for (const binance::Fill& f : fills) {
    Fill x;
    x.trade_id = f.trade_id;
    x.px = f.price;
    x.qty = f.qty;
    x.commission = f.commission;
    x.commission_asset = f.commission_asset.view();
    x.maker = false;  // fills of the placing request: the order took liquidity
    x.ts = ts;
    Entry* cur = table_.find(id);
    if (cur == nullptr) return;
    on_fill(*cur, x);
  }
  Entry* cur = table_.find(id);
  if (cur == nullptr) return;
  const bool has_details = r.has_details || opt_.product == Product::kUsdmFutures;
  if (has_details) apply_status(*cur, r.status, r.executed_qty, ts);
}

void GatewayCore::apply_status(Entry& e, OrderStatus st, core::Qty venue_cum, core::UnixNanos ts) {
  if (venue_cum > e.venue_cum) e.venue_cum = venue_cum;
  if (st == OrderStatus::kRejected && !e.acked) {
    const core::Order o = e.order;
    table_.erase(o.client_id);
    stats_.venue_rejects.fetch_add(1, std::memory_order_relaxed);
    emit(o, ExecStatus::kRejected, {}, RejectReason::kVenueReject, ts);
    return;
  }
  ack(e, ts);
  if (binance::is_final(st)) {
    e.has_final = true;
    e.final_status = st;
  }
  try_finish(e);
}

void GatewayCore::try_finish(Entry& e) {
  if (e.venue_cum > e.cum) {
    if (e.fill_deadline_ms == 0) {
      e.fill_deadline_ms = now_ms() + opt_.fill_grace_ms;
      defer(e.fill_deadline_ms, e.order.client_id, Kind::kTrades, 0);
    }
    return;
  }
  if (e.has_final) finish(e, true);
}

void GatewayCore::finish(Entry& e, bool report) {
  const core::Order o = e.order;
  const core::Qty cum = e.cum;
  ExecStatus st = ExecStatus::kCanceled;
  switch (e.final_status) {
    case OrderStatus::kFilled:
      st = ExecStatus::kFilled;
      break;
    case OrderStatus::kExpired:
    case OrderStatus::kExpiredInMatch:
      st = ExecStatus::kExpired;
      break;
    case OrderStatus::kRejected:
      st = ExecStatus::kRejected;
      break;
    default:
      st = ExecStatus::kCanceled;
      break;
  }
  // A FILLED order's last fill report already said kFilled.
  if (st == ExecStatus::kFilled && cum >= o.qty) report = false;
  // A pending replace is decided by the answer to its cancel (it travels in that request's Pending),
  // or, after an unknown outcome, by the query.
  const bool replace_by_query = e.has_replace && e.replace_unknown;
  const core::Order repl = e.replace;
  table_.erase(o.client_id);  // e is gone from here on
  if (report) emit(o, st, cum, st == ExecStatus::kRejected ? RejectReason::kVenueReject : RejectReason::kNone, 0);
  if (replace_by_query) place_or_reject_replace(repl, st == ExecStatus::kCanceled);
}

int64_t GatewayCore::fee_raw(const binance::InstrumentSpec& spec, const Fill& f) {
  if (f.commission.raw == 0) return 0;
  if (f.commission_asset == spec.quote_asset ||
      (opt_.product == Product::kUsdmFutures && f.commission_asset == spec.margin_asset))
    return f.commission.raw;
  if (f.commission_asset == spec.base_asset) return core::notional_raw(f.px, f.commission);
  stats_.fees_other_asset.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

void GatewayCore::on_fill(Entry& e, const Fill& f) {
  for (uint64_t t : e.trades) {
    if (t == f.trade_id && t != 0) {
      stats_.duplicate_fills.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  if (e.cum + f.qty > e.order.qty || f.qty.raw <= 0) {  // more than the order: a replay of an old trade
    stats_.duplicate_fills.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  e.trades[e.trade_pos] = f.trade_id;
  e.trade_pos = static_cast<uint8_t>((e.trade_pos + 1) % e.trades.size());
  ack(e, f.ts);
  e.cum += f.qty;
  if (e.cum > e.venue_cum) e.venue_cum = e.cum;
  stats_.fills.fetch_add(1, std::memory_order_relaxed);
  const bool full = e.cum >= e.order.qty;
  emit(e.order, full ? ExecStatus::kFilled : ExecStatus::kPartiallyFilled, e.cum, RejectReason::kNone, f.ts, f.qty,
       f.px, fee_raw(*opt_.symbols[e.order.symbol], f), f.maker);
  if (!f.stream && opt_.positions_out != nullptr) {
    // In the engine's position now, in the exchange's account events only once the stream reports it.
    if (unconfirmed_n_ == unconfirmed_.size()) {  // the oldest goes (it is the likeliest to be confirmed)
      settle_unconfirmed(0);
      std::move(unconfirmed_.begin() + 1, unconfirmed_.end(), unconfirmed_.begin());
      --unconfirmed_n_;
    }
    Unconfirmed& u = unconfirmed_[unconfirmed_n_++];
    u.order_id = static_cast<int64_t>(e.order_id);
    u.trade_id = f.trade_id;
    const binance::InstrumentSpec& spec = *opt_.symbols[e.order.symbol];
    u.fee_raw = opt_.product == Product::kSpot && f.commission_asset == spec.base_asset ? f.commission.raw : 0;
    u.qty_raw = core::side_sign(e.order.side) * f.qty.raw;
    u.ts = f.ts != 0 ? f.ts : now_ms() * 1'000'000;
    u.symbol = e.order.symbol;
  }
  if (full) {
    e.has_final = true;
    e.final_status = OrderStatus::kFilled;
    finish(e, false);
  }
}

// ---- user data ------------------------------------------------------------------------------------

GatewayCore::Entry* GatewayCore::find_ours(std::string_view text) {
  uint64_t id = 0;
  switch (ids_.decode(text, id)) {
    case ClientIdCodec::Origin::kOurs:
      break;
    case ClientIdCodec::Origin::kForeignRun:
      for (const Adopted& a : adopted_) {
        if (std::string_view(a.text, a.len) == text) return table_.find(a.engine_id);
      }
      [[fallthrough]];
    default:
      stats_.foreign_events.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
  }
  Entry* e = table_.find(id);
  if (e == nullptr) stats_.stale_events.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void GatewayCore::on_exec(std::string_view text, std::string_view orig_text, int64_t order_id, binance::ExecutionType x,
                          OrderStatus st, core::Qty cum, const Fill& f) {
  Entry* e = find_ours(!orig_text.empty() ? orig_text : text);
  if (e == nullptr) return;
  if (order_id > 0) e->order_id = static_cast<uint64_t>(order_id);
  const uint64_t id = e->order.client_id;
  switch (x) {
    case binance::ExecutionType::kNew:
      ack(*e, f.ts);
      break;
    case binance::ExecutionType::kTrade:
      if (cum > e->venue_cum) e->venue_cum = cum;
      on_fill(*e, f);
      if ((e = table_.find(id)) != nullptr) try_finish(*e);
      break;
    case binance::ExecutionType::kCanceled:
    case binance::ExecutionType::kExpired:
    case binance::ExecutionType::kRejected:
    case binance::ExecutionType::kTradePrevention:
      apply_status(*e, st, cum, f.ts);
      break;
    default:
      break;
  }
}

void GatewayCore::on_user_event(const binance_io::WsEvent& ev) {
  using Kind = binance_io::WsEvent::Kind;
  if (ev.kind == Kind::kDisconnected) {
    user_stream_dropped_ = true;
    return;
  }
  if (ev.kind == Kind::kSessionReady) {
    if (user_stream_dropped_) {
      user_stream_dropped_ = false;
      // The gap lost their stream reports; the next account event includes them (and their fees).
      for (std::size_t i = 0; i < unconfirmed_n_; ++i) settle_unconfirmed(i);
      unconfirmed_n_ = 0;
      stats_.resyncs_after_reconnect.fetch_add(1, std::memory_order_relaxed);
      resync_all();
    }
    return;
  }
  stats_.user_events.fetch_add(1, std::memory_order_relaxed);
  const binance::UserDataResult r = ud_->decode(ev.view());
  if (r.kind == binance::UserEventKind::kError) {
    stats_.decode_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (r.kind == binance::UserEventKind::kExecutionReport) {
    const binance::ExecutionReport& x = ud_->execution_report();
    Fill f;
    f.trade_id = x.trade_id > 0 ? static_cast<uint64_t>(x.trade_id) : 0;
    f.px = x.last_price;
    f.qty = x.last_qty;
    f.commission = x.commission;
    f.commission_asset = x.commission_asset.view();
    f.maker = x.is_maker;
    f.stream = true;
    f.ts = x.transaction_time != 0 ? x.transaction_time : x.event_time;
    if (x.execution_type == binance::ExecutionType::kTrade)
      on_stream_trade(x.order_id, f, x.symbol.view(), x.client_order_id.view());
    on_exec(x.client_order_id.view(), x.orig_client_order_id.view(), x.order_id, x.execution_type, x.status, x.cum_qty,
            f);
  } else if (r.kind == binance::UserEventKind::kOrderTradeUpdate) {
    const binance::OrderTradeUpdate& x = ud_->order_trade_update();
    Fill f;
    f.trade_id = x.trade_id > 0 ? static_cast<uint64_t>(x.trade_id) : 0;
    f.px = x.last_price;
    f.qty = x.last_qty;
    f.commission = x.commission;
    f.commission_asset = x.commission_asset.view();
    f.maker = x.is_maker;
    f.stream = true;
    f.ts = x.trade_time != 0 ? x.trade_time : x.event_time;
    if (x.execution_type == binance::ExecutionType::kTrade)
      on_stream_trade(x.order_id, f, x.symbol.view(), x.client_order_id.view());
    on_exec(x.client_order_id.view(), {}, x.order_id, x.execution_type, x.status, x.cum_qty, f);
  } else if (r.kind == binance::UserEventKind::kAccountPosition) {
    on_account_position(ud_->account_position());
  } else if (r.kind == binance::UserEventKind::kAccountUpdate) {
    on_account_update(ud_->account_update());
  }
}

// ---- position events --------------------------------------------------------------------------------

core::SymbolId GatewayCore::symbol_by_name(std::string_view name) const {
  for (std::size_t s = 0; s < opt_.symbols.size(); ++s) {
    if (opt_.symbols[s] != nullptr && opt_.symbols[s]->symbol == name) return static_cast<core::SymbolId>(s);
  }
  return core::kNoSymbol;
}

bool GatewayCore::is_ours(std::string_view text) const {
  uint64_t id = 0;
  switch (ids_.decode(text, id)) {
    case ClientIdCodec::Origin::kOurs:
      return true;
    case ClientIdCodec::Origin::kForeignRun:
      for (const Adopted& a : adopted_) {
        if (std::string_view(a.text, a.len) == text) return true;
      }
      return false;
    default:
      return false;
  }
}

// A trade on the stream (any order's): the exchange's next account event includes it. A fill reported
// earlier from a response is confirmed; the base-asset commission of our own fill is noted.
void GatewayCore::on_stream_trade(int64_t order_id, const Fill& f, std::string_view symbol, std::string_view text) {
  if (opt_.positions_out == nullptr) return;
  for (std::size_t i = 0; i < unconfirmed_n_; ++i) {
    if (unconfirmed_[i].order_id == order_id && unconfirmed_[i].trade_id == f.trade_id) {
      unconfirmed_[i] = unconfirmed_[--unconfirmed_n_];
      break;
    }
  }
  if (opt_.product != Product::kSpot || f.commission.raw == 0) return;
  const core::SymbolId s = symbol_by_name(symbol);
  if (s == core::kNoSymbol || f.commission_asset != opt_.symbols[s]->base_asset || !is_ours(text)) return;
  stream_fees_[s] += f.commission.raw;
}

// An unconfirmed fill taken as in the exchange's account events without the stream having shown it (an
// event later than the trade, its age, or a stream gap): its base-asset commission is in the wallet too,
// so it travels with the symbol's next event as the stream's would have (stream_fees_).
void GatewayCore::settle_unconfirmed(std::size_t i) {
  const Unconfirmed& u = unconfirmed_[i];
  if (u.symbol < stream_fees_.size()) stream_fees_[u.symbol] += u.fee_raw;
}

void GatewayCore::on_account_position(const binance::AccountPosition& a) {
  for (const binance::SpotBalance& b : a.balances()) {
    for (std::size_t s = 0; s < opt_.symbols.size(); ++s) {
      if (opt_.symbols[s] == nullptr || opt_.symbols[s]->base_asset != b.asset.view()) continue;
      push_position(static_cast<core::SymbolId>(s),
                    spot_inventory_raw(b.asset.view(), b.free.raw, b.locked.raw, opt_.spot_neutral), 0, a.event_time,
                    "BALANCE");
    }
  }
}

void GatewayCore::on_account_update(const binance::AccountUpdate& a) {
  for (const binance::FuturesPosition& p : a.positions()) {
    const core::SymbolId s = symbol_by_name(p.symbol.view());
    if (s == core::kNoSymbol) continue;
    if (p.position_side != binance::PositionSide::kBoth) {  // hedge mode: never ours (one-way orders only)
      stats_.position_events_ignored.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    push_position(s, p.amount.raw, p.entry_price.raw, a.event_time, a.reason.view());
  }
}

void GatewayCore::push_position(core::SymbolId s, int64_t qty_raw, int64_t entry_px_raw, core::UnixNanos ts,
                                std::string_view reason) {
  if (opt_.positions_out == nullptr) return;
  if (!fills_known(s)) {
    HeldPosition& h = held_[s];
    if (!h.active) {
      h.active = true;
      h.since_ms = now_ms();
      ++held_n_;
    }
    h.qty_raw = qty_raw;
    h.entry_px_raw = entry_px_raw;
    h.ts = ts;
    h.reason_len = static_cast<uint8_t>(std::min(reason.size(), sizeof(h.reason)));
    std::copy_n(reason.data(), h.reason_len, h.reason);
    stats_.position_events_held.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (held_[s].active) {  // a newer event replaces the one held (its fills became known between polls)
    held_[s].active = false;
    --held_n_;
  }
  send_position(s, qty_raw, entry_px_raw, ts, reason);
}

// Whether the gateway has reported every fill of the symbol the venue has told it of: no order awaits
// its status answer after a user-stream gap, none has a venue executed quantity beyond its fill reports.
bool GatewayCore::fills_known(core::SymbolId s) {
  bool known = true;
  table_.for_each([&](uint64_t, Entry& e) {
    if (e.order.symbol == s && (e.resync_query || e.venue_cum > e.cum)) known = false;
  });
  return known;
}

int GatewayCore::release_held_positions() {
  const int64_t now = now_ms();
  if (now == held_checked_ms_) return 0;  // at most once per millisecond (a table walk per held symbol)
  held_checked_ms_ = now;
  int n = 0;
  for (std::size_t s = 0; s < held_.size(); ++s) {
    HeldPosition& h = held_[s];
    const auto sym = static_cast<core::SymbolId>(s);
    if (!h.active || (now - h.since_ms < kHeldPositionMaxMs && !fills_known(sym))) continue;
    h.active = false;
    --held_n_;
    ++n;
    send_position(sym, h.qty_raw, h.entry_px_raw, h.ts, {h.reason, h.reason_len});
  }
  return n;
}

void GatewayCore::send_position(core::SymbolId s, int64_t qty_raw, int64_t entry_px_raw, core::UnixNanos ts,
                                std::string_view reason) {
  // A trade older than the account event is in it (Binance made the event after the trade), whether or
  // not the stream showed the trade (it may have been lost in a gap and found again by a query); one the
  // stream should have shown long ago is trusted to be in it too.
  const core::UnixNanos in_it_before = std::max<core::UnixNanos>(ts, (now_ms() - kUnconfirmedMaxMs) * 1'000'000);
  core::PositionEvent ev;
  for (std::size_t i = 0; i < unconfirmed_n_;) {
    if (unconfirmed_[i].ts < in_it_before) {
      settle_unconfirmed(i);
      unconfirmed_[i] = unconfirmed_[--unconfirmed_n_];
      continue;
    }
    if (unconfirmed_[i].symbol == s) ev.unconfirmed_raw += unconfirmed_[i].qty_raw;
    ++i;
  }
  ev.ts_exchange = ts;
  ev.qty_raw = qty_raw;
  ev.entry_px_raw = entry_px_raw;
  ev.fees_raw = stream_fees_[s];
  ev.fills_before = fills_emitted_;
  ev.symbol = s;
  ev.venue = opt_.venue_id;
  std::copy_n(reason.data(), std::min(reason.size(), sizeof(ev.reason)), ev.reason);
  if (!opt_.positions_out->try_push(ev)) {
    stats_.position_events_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  stream_fees_[s] = 0;
  stats_.position_events.fetch_add(1, std::memory_order_relaxed);
}

void GatewayCore::check_snapshot(const OpenSnapshot& s) {
  const auto begin = s.ids.begin(), end = s.ids.begin() + std::min<std::size_t>(s.n, OpenSnapshot::kMaxIds);
  const int64_t now = now_ms();
  const int64_t margin = opt_.recv_window_ms + opt_.conclusive_margin_ms;
  table_.for_each([&](uint64_t id, Entry& e) {
    if (e.order.symbol != s.symbol) return;
    const bool settled_before = e.state == State::kWorking && e.acked && !e.has_final && !e.has_replace &&
                                e.sent_timestamp_ms + margin < s.as_of_ms;
    if (!settled_before || std::find(begin, end, id) != end) {
      e.missing = 0;
      return;
    }
    if (++e.missing < 2) return;
    e.missing = 0;
    stats_.missing_orders.fetch_add(1, std::memory_order_relaxed);
    defer(now, id, Kind::kQuery, 0);  // the answer (FILLED, CANCELED, does not exist) settles it
  });
  for (auto it = begin; it != end; ++it) {
    if (table_.find(*it) == nullptr) (void)untracked_.try_push(Untracked{*it, s.symbol});
  }
}

void GatewayCore::resync_all() {
  const int64_t now = now_ms();
  table_.for_each([&](uint64_t id, Entry& e) {
    e.resync_query = true;
    defer(now, id, Kind::kQuery, 0);
  });
}

std::size_t GatewayCore::load_open_orders(std::span<const binance::OrderResult> orders, core::SymbolId symbol) {
  std::size_t others = 0;
  for (const binance::OrderResult& r : orders) {
    uint64_t id = 0;
    if (ids_.decode(r.client_order_id.view(), id) != ClientIdCodec::Origin::kOurs || table_.find(id) != nullptr) {
      ++others;
      continue;
    }
    Entry* e = table_.insert(id);
    if (e == nullptr) {
      ++others;
      continue;
    }
    e->order.client_id = id;
    e->order.symbol = symbol;
    e->order.price = r.price;
    e->order.qty = r.orig_qty;
    e->order.side = r.side == binance::OrderSide::kBuy ? core::Side::kBuy : core::Side::kSell;
    e->order_id = r.order_id;
    e->venue_cum = r.executed_qty;
    e->cum = r.executed_qty;
    e->acked = true;
    e->state = State::kWorking;
    e->text_len = static_cast<uint8_t>(ids_.encode(id, e->text));
  }
  return others;
}

bool GatewayCore::adopt_open_order(const binance::OrderResult& r, core::SymbolId symbol, uint64_t engine_id,
                                   core::Order& out) {
  uint64_t id = 0;
  const std::string_view text = r.client_order_id.view();
  if (ids_.decode(text, id) != ClientIdCodec::Origin::kForeignRun || text.size() > kClientIdTextMax ||
      symbol >= opt_.symbols.size() || opt_.symbols[symbol] == nullptr || table_.find(engine_id) != nullptr)
    return false;
  Entry* e = table_.insert(engine_id);
  if (e == nullptr) return false;
  e->order = core::Order{};
  e->order.client_id = engine_id;
  e->order.symbol = symbol;
  e->order.price = r.price;
  e->order.qty = r.orig_qty;
  e->order.side = r.side == binance::OrderSide::kBuy ? core::Side::kBuy : core::Side::kSell;
  e->order.tif =
      r.time_in_force == binance::TimeInForce::kGtx || r.type == binance::OrderType::kLimitMaker
          ? core::TimeInForce::kPostOnly
          : (r.time_in_force == binance::TimeInForce::kIoc ? core::TimeInForce::kIoc : core::TimeInForce::kGtc);
  e->order.venue = opt_.venue_id;
  e->order_id = r.order_id;
  e->venue_cum = r.executed_qty;
  e->cum = r.executed_qty;
  e->acked = true;
  e->state = State::kWorking;
  std::copy(text.begin(), text.end(), e->text);
  e->text_len = static_cast<uint8_t>(text.size());
  Adopted a;
  std::copy(text.begin(), text.end(), a.text);
  a.len = static_cast<uint8_t>(text.size());
  a.engine_id = engine_id;
  adopted_.push_back(a);
  out = e->order;
  out.qty = core::Qty::from_raw(r.orig_qty.raw - r.executed_qty.raw);
  return true;
}

}  // namespace dmabot::binance_gateway
