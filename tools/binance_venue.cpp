#include "tools/binance_venue.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "core/strings.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance_gateway/order_encoder.h"

namespace dmabot::tools {
namespace {

using binance::Product;
using core::str_cat;

std::string_view product_name(Product p) { return p == Product::kSpot ? "spot" : "USD-M"; }

// Blocking round trip on a cold client; "" when answered (any HTTP status), else what happened.
std::string call(binance_io::RestClient& c, const binance_io::RestRequest& req, int timeout_ms, int& status,
                 std::string& body) {
  if (!c.submit(req)) return "request queue full";
  if (!c.wait_response(std::chrono::milliseconds(timeout_ms + 1000)))
    return str_cat("no answer within ", timeout_ms, " ms");
  const binance_io::RestResponse* r = c.front();
  std::string err;
  if (r->outcome != binance_io::Outcome::kResponse) {
    err = str_cat(binance_io::to_string(r->outcome), r->error.empty() ? "" : ": ", r->error.view());
  }
  status = r->status;
  body.assign(r->body_view());
  c.pop();
  return err;
}

}  // namespace

BinanceVenue::~BinanceVenue() {
  // The gateway first (it points at the clients), then the user stream (a ListenKeyStream DELETEs its
  // key), then the REST clients (their I/O threads).
  spot_.reset();
  futures_.reset();
  lk_.reset();
  ws_.reset();
  rest_.reset();
  control_.reset();
}

absl::StatusOr<std::unique_ptr<BinanceVenue>> BinanceVenue::connect(BinanceVenueParams params, const core::Clock& clock,
                                                                    core::SpscRing<core::Order>* orders_in,
                                                                    core::SpscRing<core::ExecReport>* execs_out) {
  std::unique_ptr<BinanceVenue> v(new BinanceVenue(std::move(params)));
  BinanceVenueParams& p = v->p_;
  const bool spot = p.product == Product::kSpot;
  const std::string where = str_cat("Binance ", product_name(p.product), " ", p.rest_url);
  if (spot) {
    if (auto st = check_spot_assets(p.symbols); !st.ok()) return st;
  }

  // 1. Signers. The settings already checked that exactly one method is configured.
  if (!p.private_key_file.empty()) {
    auto ed = binance::Ed25519Signer::from_pem_file(p.private_key_file);
    if (!ed.ok())
      return absl::InvalidArgumentError(str_cat("Ed25519 private key: ", std::string(ed.status().message())));
    v->ed25519_.emplace(std::move(*ed));
  } else {
    auto h = binance::HmacSha256Signer::create(p.api_secret);
    if (!h.ok()) return absl::InvalidArgumentError(str_cat("HMAC API secret: ", std::string(h.status().message())));
    v->hmac_.emplace(std::move(*h));
  }

  // 2. REST clients.
  binance_io::RestClient::Options ro;
  ro.base_url = p.rest_url;
  ro.ca_file = p.ca_file;
  ro.api_key = p.api_key;
  auto rest = binance_io::RestClient::create(ro);
  if (!rest.ok()) return absl::InvalidArgumentError(str_cat(where, ": ", std::string(rest.status().message())));
  v->rest_ = std::move(*rest);
  auto control = binance_io::RestClient::create(ro);
  if (!control.ok()) return absl::InvalidArgumentError(str_cat(where, ": ", std::string(control.status().message())));
  v->control_ = std::move(*control);

  // 3. Clock.
  if (auto st = v->clock_offset_.sync(*v->control_, spot ? binance::kSpotServerTime : binance::kFuturesServerTime);
      !st.ok()) {
    return absl::UnavailableError(str_cat(where, ": clock sync failed: ", std::string(st.message())));
  }

  // 4. Credentials and resting orders. The run id is fixed here so that the gateway's client ids and
  // the check's view of "this run" agree.
  const uint64_t run_id = binance_gateway::ClientIdCodec::run_id_from_wall_ns(core::wall_clock_ns());
  v->ids_ = binance_gateway::ClientIdCodec(run_id);
  v->enc_ = std::make_unique<binance_gateway::OrderEncoder>(
      binance_gateway::OrderEncoder::Options{p.product, p.api_key, false}, v->hmac_ ? &*v->hmac_ : nullptr,
      v->ed25519_ ? &*v->ed25519_ : nullptr);
  v->dec_ = std::make_unique<binance::ResponseDecoder>();
  if (auto st = v->check_account(); !st.ok()) return st;
  if (auto st = v->load_positions(v->start_positions_); !st.ok()) return st;

  // 5. User data (and, on spot, the order session).
  if (spot) {
    binance_io::WsApiClient::Options wo;
    wo.url = p.ws_api_url;
    wo.ca_file = p.ca_file;
    wo.api_key = p.api_key;
    if (v->ed25519_) {
      wo.auth = binance_io::WsApiClient::Auth::kEd25519Logon;
      auto ed = binance::Ed25519Signer::from_pem_file(p.private_key_file);  // the I/O thread's own
      if (!ed.ok())
        return absl::InvalidArgumentError(str_cat("Ed25519 private key: ", std::string(ed.status().message())));
      wo.ed25519.emplace(std::move(*ed));
    } else {
      wo.auth = binance_io::WsApiClient::Auth::kHmac;
      wo.hmac.emplace(std::move(*binance::HmacSha256Signer::create(p.api_secret)));
    }
    wo.user_data = true;
    wo.clock = &v->clock_offset_;
    wo.connect_timeout_ms = p.connect_timeout_ms;
    auto ws = binance_io::WsApiClient::create(std::move(wo));
    if (!ws.ok())
      return absl::InvalidArgumentError(
          str_cat("Binance spot ", p.ws_api_url, ": ", std::string(ws.status().message())));
    v->ws_ = std::move(*ws);
  } else {
    binance_io::ListenKeyStream::Options lo;
    lo.rest_url = p.rest_url;
    lo.stream_url = p.stream_url;
    lo.ca_file = p.ca_file;
    lo.api_key = p.api_key;
    lo.connect_timeout_ms = p.connect_timeout_ms;
    auto lk = binance_io::ListenKeyStream::create(lo);
    if (!lk.ok())
      return absl::InvalidArgumentError(str_cat(where, " user stream: ", std::string(lk.status().message())));
    v->lk_ = std::move(*lk);
  }
  if (auto st = v->wait_user_stream(); !st.ok()) return st;

  // 6. The gateway stage.
  binance_gateway::GatewayOptions go;
  go.name = p.name;
  go.run_id = run_id;
  go.venue_id = p.venue_id;
  go.symbols = p.symbols;
  go.api_key = p.api_key;
  go.ws_session_auth = spot && v->ed25519_.has_value();
  go.rate_limits = p.rate_limits;
  go.dry_run = p.dry_run;
  go.positions_out = p.positions_out;
  go.spot_neutral = p.spot_neutral;
  if (p.dry_run) {
    v->dry_ = std::make_unique<core::SpscRing<core::Order>>(1024);
    go.dry_run_out = v->dry_.get();
  }
  binance_gateway::GatewayLinks links;
  links.rest = v->rest_.get();
  links.ws = v->ws_.get();
  links.clock_offset = &v->clock_offset_;
  links.hmac = v->hmac_ ? &*v->hmac_ : nullptr;
  links.ed25519 = v->ed25519_ ? &*v->ed25519_ : nullptr;
  if (spot) {
    v->spot_ = std::make_unique<binance_gateway::BinanceSpotGateway>(go, clock, orders_in, execs_out, links);
    v->stage_ = v->spot_.get();
    v->core_ = &v->spot_->core();
  } else {
    v->futures_ =
        std::make_unique<binance_gateway::BinanceFuturesGateway>(go, clock, orders_in, execs_out, links, v->lk_.get());
    v->stage_ = v->futures_.get();
    v->core_ = &v->futures_->core();
  }
  // ON_START_OPEN_ORDERS=adopt: the earlier runs' orders become the gateway's (before it is polled).
  for (const auto& [symbol, o] : v->to_adopt_) {
    core::Order order;
    const uint64_t engine_id = core::make_client_id(0, (uint64_t{1} << 40) + v->adopted_.size() + 1);
    if (!v->core_->adopt_open_order(o.result, symbol, engine_id, order)) {
      core::log_warn("venue ", p.name, ": ", o.client_id, " on ", p.symbols[symbol]->symbol,
                     " could not be adopted (table full or not an earlier run's): left alone");
      continue;
    }
    v->adopted_.push_back(order);
    v->adopted_text_.push_back(o.client_id);
    core::log_info("venue ", p.name, ": adopted ", o.client_id, " on ", p.symbols[symbol]->symbol, " (",
                   order.side == core::Side::kBuy ? "BUY " : "SELL ", core::decimal_to_string(order.qty.raw), " @ ",
                   core::decimal_to_string(order.price.raw), " left; ON_START_OPEN_ORDERS=adopt)");
  }
  v->to_adopt_.clear();
  core::log_info("venue ", p.name, ": ",
                 spot ? str_cat("orders over ", p.ws_api_url, " (REST fallback ", p.rest_url, ")")
                      : str_cat("orders over ", p.rest_url, ", user data ", p.stream_url),
                 "; clock offset ", v->clock_offset_.offset_ns() / 1'000'000, " ms (rtt ",
                 v->clock_offset_.best_rtt_ns() / 1'000, " us); ",
                 std::count_if(p.symbols.begin(), p.symbols.end(), [](const auto* s) { return s != nullptr; }),
                 " symbol(s); client ids dm", v->core_->ids().run_text(), "-...",
                 p.dry_run ? "; DRY_RUN: orders are checked and logged, nothing is sent" : "");
  return v;
}

// A signed request on the control client, answered within 5 s. OK: the body of a 200 answer in `body`.
// Else one line: `what`, then the transport failure or Binance's code and message (with a hint when it
// is about the key).
absl::Status BinanceVenue::signed_call(const binance::RestTarget& target, const std::string& what, std::string& body) {
  binance_io::RestRequest req;
  if (!req.set(++tag_, target, enc_->view())) return absl::InternalError(str_cat(what, ": request too large"));
  int status = 0;
  if (std::string err = call(*control_, req, 5000, status, body); !err.empty()) {
    return absl::UnavailableError(str_cat(what, ": ", err));
  }
  if (status == 200) return absl::OkStatus();
  binance::ErrorBody eb;
  const bool decoded = dec_->decode_error(body, eb).ok();
  const std::string text = decoded ? str_cat(eb.code, " ", eb.msg) : body.substr(0, 200);
  const bool auth = status == 401 || (decoded && (eb.code == -2014 || eb.code == -2015 || eb.code == -1022));
  last_code_ = decoded ? eb.code : 0;
  return absl::PermissionDeniedError(
      str_cat(what, ": HTTP ", status, ": ", text,
              auth ? " (the API key, its secret/private key or its permissions: check BINANCE_API_KEY and "
                     "BINANCE_API_SECRET / BINANCE_PRIVATE_KEY_FILE)"
                   : ""));
}

// GET openOrders of one symbol: each order's client id and who placed it (by the id's shape).
absl::Status BinanceVenue::open_orders(const binance::InstrumentSpec& spec, std::vector<OpenOrder>& out) {
  const binance::RestTarget target =
      p_.product == Product::kSpot ? binance::kSpotOpenOrders : binance::kFuturesOpenOrders;
  const std::string what =
      str_cat("Binance ", product_name(p_.product), " GET ", p_.rest_url, target.path, " (", spec.symbol, ")");
  const binance::SymbolScope scope{p_.product, spec.symbol, clock_offset_.now_server_ms(), 5000};
  if (!enc_->encode_scope(scope, binance_gateway::Wire::kRest, "", 0))
    return absl::InternalError(str_cat(what, ": cannot encode"));
  std::string body;
  if (auto st = signed_call(target, what, body); !st.ok()) return st;
  std::span<const binance::OrderResult> orders;
  if (auto r = dec_->decode_orders(body, p_.product, orders); !r.ok()) {
    return absl::DataLossError(str_cat(what, ": unparsable answer: ", binance::describe(r)));
  }
  out.clear();
  for (const binance::OrderResult& o : orders) {
    uint64_t id = 0;
    out.push_back({std::string(o.client_order_id.view()), ids_.decode(o.client_order_id.view(), id), o});
  }
  return absl::OkStatus();
}

// The first signed requests: a GET openOrders per symbol, so a wrong key, secret or permission shows
// here with Binance's own code and message. Orders earlier dmabot runs left are canceled
// (ON_START_OPEN_ORDERS=cancel: one DELETE each by client id, then openOrders again to be sure) or
// left; orders dmabot did not place are left alone. Both cases are logged.
absl::Status BinanceVenue::check_account() {
  std::vector<OpenOrder> open;
  for (const binance::InstrumentSpec* const& spec : p_.symbols) {
    if (spec == nullptr) continue;
    if (auto st = open_orders(*spec, open); !st.ok()) return st;
    std::size_t stale = 0;
    for (const OpenOrder& o : open) stale += o.origin != binance_gateway::ClientIdCodec::Origin::kNotOurs;
    open_at_start_ += open.size();
    if (open.size() > stale) {
      core::log_warn("venue ", p_.name, ": ", open.size() - stale, " open order(s) on ", spec->symbol,
                     " not placed by dmabot: left alone");
    }
    if (stale == 0) continue;
    if (p_.adopt_stale_orders && !p_.dry_run) {
      for (const OpenOrder& o : open) {
        if (o.origin == binance_gateway::ClientIdCodec::Origin::kForeignRun)
          to_adopt_.emplace_back(static_cast<core::SymbolId>(&spec - p_.symbols.data()), o);
      }
      continue;
    }
    if (!p_.cancel_stale_orders || p_.dry_run) {
      core::log_warn(
          "venue ", p_.name, ": ", stale, " open order(s) on ", spec->symbol,
          " from earlier dmabot runs: left alone and not tracked (",
          p_.dry_run ? "DRY_RUN: would cancel or adopt them (ON_START_OPEN_ORDERS)" : "ON_START_OPEN_ORDERS=leave",
          ")");
      continue;
    }
    for (const OpenOrder& o : open) {
      if (o.origin == binance_gateway::ClientIdCodec::Origin::kNotOurs) continue;
      if (auto st = cancel_order(*spec, o.client_id, "ON_START_OPEN_ORDERS=cancel"); !st.ok()) return st;
    }
    if (auto st = open_orders(*spec, open); !st.ok()) return st;
    for (const OpenOrder& o : open) {
      if (o.origin != binance_gateway::ClientIdCodec::Origin::kNotOurs) {
        return absl::UnavailableError(str_cat("venue ", p_.name, ": ", o.client_id, " on ", spec->symbol,
                                              " is still open after its cancel (ON_START_OPEN_ORDERS=cancel)"));
      }
    }
    stale_canceled_ += stale;
    core::log_info("venue ", p_.name, ": canceled ", stale, " open order(s) earlier dmabot runs left on ", spec->symbol,
                   " (ON_START_OPEN_ORDERS=cancel)");
  }
  return absl::OkStatus();
}

absl::Status BinanceVenue::cancel_order(const binance::InstrumentSpec& spec, const std::string& client_id,
                                        std::string_view why) {
  const binance::RestTarget cancel =
      p_.product == Product::kSpot ? binance::kSpotCancelOrder : binance::kFuturesCancelOrder;
  binance::OrderRef ref;
  ref.product = p_.product;
  ref.symbol = spec.symbol;
  ref.orig_client_order_id = client_id;
  ref.timestamp_ms = clock_offset_.now_server_ms();
  ref.recv_window_ms = 5000;
  const std::string what = str_cat("Binance ", product_name(p_.product), " DELETE ", p_.rest_url, cancel.path, " (",
                                   spec.symbol, " ", client_id, ", ", why, ")");
  if (!enc_->encode_ref(ref, binance_gateway::Wire::kRest, "", 0))
    return absl::InternalError(str_cat(what, ": cannot encode"));
  std::string body;
  last_code_ = 0;
  if (auto st = signed_call(cancel, what, body); !st.ok() && last_code_ != -2011) return st;  // -2011: gone
  return absl::OkStatus();
}

// Waits (bounded) for the user-data side; the notices read here are the set-up's, before any order.
absl::Status BinanceVenue::wait_user_stream() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(p_.connect_timeout_ms);
  std::string last;
  auto drain = [&](auto& client) {
    for (const binance_io::WsEvent* e; (e = client.event_front()) != nullptr; client.event_pop()) {
      if (e->kind == binance_io::WsEvent::Kind::kDisconnected) last = std::string(e->info.view());
    }
  };
  for (;;) {
    const bool ready = ws_ ? ws_->ready() : lk_->ready();
    if (ready) return absl::OkStatus();
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (ws_) {
      drain(*ws_);
      (void)ws_->wait(std::chrono::milliseconds(20));
    } else {
      drain(*lk_);
      (void)lk_->wait(std::chrono::milliseconds(20));
    }
  }
  return absl::UnavailableError(
      str_cat(ws_ ? str_cat("Binance spot WebSocket API ", p_.ws_api_url, ": session (logon / user data)")
                  : str_cat("Binance USD-M user data stream ", p_.stream_url, "/private"),
              " not ready within ", p_.connect_timeout_ms, " ms", last.empty() ? "" : str_cat(" (last: ", last, ")")));
}

void BinanceVenue::export_metrics(core::Registry& registry) {
  for (std::size_t k = 0; k < drift_counters_.size(); ++k) {
    drift_counters_[k] = &registry.add_counter(
        "binance_drift_total",
        "Reconciliation: differences between the exchange and the engine seen twice in a row and resynced.",
        {{{"venue", p_.name}, {"kind", k == 0 ? "position" : "order"}}});
  }
  const binance_gateway::GatewayStats& s = core_->stats();
  const core::Labels venue{{{"venue", p_.name}}};
  using Counter = std::atomic<uint64_t>;
  const struct {
    const char* name;
    const char* help;
    const Counter* value;
  } counters[] = {
      {"binance_orders_sent", "New orders sent to Binance (REST or WS API).", &s.orders_sent},
      {"binance_cancels_sent", "Cancels sent to Binance.", &s.cancels_sent},
      {"binance_queries_sent", "Order status queries sent (unknown outcomes, resyncs).", &s.queries_sent},
      {"binance_venue_rejects", "Requests Binance refused.", &s.venue_rejects},
      {"binance_unknown_outcomes", "Requests whose outcome was unknown (5xx, timeout, dropped connection).",
       &s.unknown_outcomes},
      {"binance_rate_limited", "429/418 answers.", &s.rate_limited},
      {"binance_clock_resyncs", "-1021 answers (timestamp outside recvWindow).", &s.clock_resyncs},
      {"binance_fills", "Fills reported to the engine.", &s.fills},
      {"binance_duplicate_fills", "Fills seen again (deduplicated by trade id).", &s.duplicate_fills},
      {"binance_decode_errors", "Binance messages the gateway could not decode.", &s.decode_errors},
      {"binance_resyncs_after_reconnect", "Working orders re-queried after a user-data reconnect.",
       &s.resyncs_after_reconnect},
      {"binance_dry_run_unlogged", "DRY_RUN orders not logged (log ring full).", &s.dry_run_unlogged},
      {"binance_position_events_held",
       "Account events held back after a user-stream gap until the fills it lost were reported.",
       &s.position_events_held},
      {"binance_position_events_dropped", "Account events dropped (the ring to risk was full).",
       &s.position_events_dropped},
      {"binance_position_events_ignored", "Hedge-mode position rows ignored (one-way orders only).",
       &s.position_events_ignored},
  };
  auto read = [](const void* c) {
    return static_cast<double>(static_cast<const Counter*>(c)->load(std::memory_order_relaxed));
  };
  for (const auto& c : counters) registry.add_callback_gauge(c.name, c.help, venue, read, c.value);
  for (std::size_t i = 0; i < s.local_rejects.size(); ++i) {
    const auto why = static_cast<binance_gateway::LocalReject>(i);
    registry.add_callback_gauge("binance_local_rejects", "Orders answered by the gateway without sending, by reason.",
                                {{{"venue", p_.name}, {"reason", std::string(binance_gateway::to_string(why))}}}, read,
                                &s.local_rejects[i]);
  }
  registry.add_callback_gauge(
      "binance_requests_outstanding", "Gateway requests in flight + deferred work + queued reports (last poll).", venue,
      [](const void* c) { return static_cast<double>(static_cast<const std::atomic<uint32_t>*>(c)->load()); },
      &s.outstanding);
  registry.add_callback_gauge(
      "binance_clock_offset_seconds", "Binance server time minus local wall time.", venue,
      [](const void* c) {
        return static_cast<double>(static_cast<const binance_io::ClockOffset*>(c)->offset_ns()) / 1e9;
      },
      &clock_offset_);
  registry.add_callback_gauge(
      "binance_clock_rounds", "Clock offset measurements committed (start, periodic, after -1021).", venue,
      [](const void* c) { return static_cast<double>(static_cast<const binance_io::ClockOffset*>(c)->rounds()); },
      &clock_offset_);
  registry.add_callback_gauge(
      "binance_clock_round_failures", "Periodic clock rounds that got no sample (the previous offset was kept).", venue,
      [](const void* c) { return static_cast<double>(static_cast<const Counter*>(c)->load()); }, &clock_failures_);
  registry.add_callback_gauge(
      "binance_user_stream_connected", "1 while the user-data stream (spot WS API session, USD-M listenKey) is up.",
      venue,
      [](const void* c) {
        const auto* v = static_cast<const BinanceVenue*>(c);
        return v->ws_ ? (v->ws_->ready() ? 1.0 : 0.0) : (v->lk_ && v->lk_->ready() ? 1.0 : 0.0);
      },
      this);
}

bool BinanceVenue::maintain() {
  bool ran = false;
  if (next_reconcile_ns_ != 0 && core::monotonic_ns() >= next_reconcile_ns_) {
    reconcile();
    next_reconcile_ns_ = core::monotonic_ns() + p_.reconcile_ms * 1'000'000;
    ran = true;
  }
  if (!clock_offset_.needs_sync(core::wall_clock_ns()) || core::monotonic_ns() < clock_retry_at_ns_) return ran;
  const binance::RestTarget time =
      p_.product == Product::kSpot ? binance::kSpotServerTime : binance::kFuturesServerTime;
  const int64_t before = clock_offset_.offset_ns();
  if (auto st = clock_offset_.sync(*control_, time); !st.ok()) {
    clock_failures_.fetch_add(1, std::memory_order_relaxed);
    clock_retry_at_ns_ = core::monotonic_ns() + 5'000'000'000;
    core::log_warn("venue ", p_.name, ": clock round on ", p_.rest_url, time.path, " failed (",
                   std::string(st.message()), "); keeping the offset ", before / 1'000'000, " ms, next try in 5 s");
    return true;
  }
  clock_retry_at_ns_ = 0;
  const int64_t after = clock_offset_.offset_ns();
  core::log_debug("venue ", p_.name, ": clock offset ", after / 1'000'000, " ms (was ", before / 1'000'000, " ms, rtt ",
                  clock_offset_.best_rtt_ns() / 1'000, " us)");
  return true;
}

bool BinanceVenue::update_spec(core::SymbolId symbol, const binance::InstrumentSpec& spec) {
  spec_versions_.push_back(std::make_unique<binance::InstrumentSpec>(spec));
  if (core_->update_spec(symbol, spec_versions_.back().get())) return true;
  spec_versions_.pop_back();  // never handed over
  core::log_warn("venue ", p_.name, ": ", spec.symbol, ": the new exchangeInfo spec did not reach the gateway (",
                 "handoff full or not its symbol); it keeps the previous one until the next refresh");
  return false;
}

std::size_t BinanceVenue::log_dry_run() {
  if (!dry_) return 0;
  std::size_t n = 0;
  core::Order o;
  while (dry_->try_pop(o)) {
    char text[binance_gateway::kClientIdTextMax];
    const std::string_view id = core_->client_text(o.client_id, text);
    const binance::InstrumentSpec* spec = o.symbol < p_.symbols.size() ? p_.symbols[o.symbol] : nullptr;
    core::log_info("DRY_RUN: would send ", p_.name, " ", spec ? spec->symbol : std::string("?"), " ",
                   o.side == core::Side::kBuy ? "BUY" : "SELL", " ", core::decimal_to_string(o.qty.raw), " @ ",
                   core::decimal_to_string(o.price.raw), " ", core::to_string(o.tif), " newClientOrderId=", id);
    ++n;
  }
  return n;
}

}  // namespace dmabot::tools
