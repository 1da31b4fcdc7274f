#include "tools/canary_cli.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/strings.h"
#include "core/types.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/signer.h"
#include "gateway/binance/user_data.h"
#include "gateway/binance_gateway/client_id.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "gateway/binance_io/clock_offset.h"
#include "gateway/binance_io/https_get.h"
#include "gateway/binance_io/listen_key_stream.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "tools/binance_instruments.h"
#include "tools/binance_settings.h"
#include "tools/cli_common.h"

namespace dmabot::tools {
namespace {

using binance::Product;
using core::str_cat;
using Clock = std::chrono::steady_clock;

constexpr const char* kHelp =
    "usage: dmabot canary --env FILE [--set KEY=VALUE ...] [--symbol S] [--product spot|usdm]\n"
    "                     [--distance-pct P]\n"
    "\n"
    "Places ONE small post-only BUY (spot LIMIT_MAKER, USD-M LIMIT GTX) far below the best bid with\n"
    "the preset's Binance settings, waits for its ack and its user-data NEW, cancels it, waits for the\n"
    "cancel's ack and its user-data CANCELED, and prints each step's round-trip time and the order's\n"
    "client id. Any failure: one line naming the step and Binance's code/message; an order that may\n"
    "have been placed is canceled first. BINANCE_ENV=mainnet needs CONFIRM_LIVE=yes. DRY_RUN=1: every\n"
    "read and connection, then the order it would send is printed and nothing is sent.\n"
    "\n"
    "  --env FILE          .env preset (.env.local, .env.sandbox, .env.mainnet)\n"
    "  --set KEY=VALUE     override one key (repeatable)\n"
    "  --symbol S          the symbol (default: the first of SYMBOLS)\n"
    "  --product P         spot or usdm (default: from VENUE_MODE)\n"
    "  --distance-pct P    how far below the best bid, in percent (default 5, 1..50)\n"
    "  --timeout-ms N      each step's bound (default 10000)\n"
    "  --help              this text\n"
    "\n"
    "Exit codes: 0 placed and canceled, 1 a step failed (venue, network, credentials), 2 bad usage or\n"
    "configuration.\n";

// A failed step: what to print and the exit code.
struct Failure {
  int code = kExitRuntime;
  std::string line;
};

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// "bidPrice":"123.45" from a bookTicker answer; false when absent or not a decimal.
bool json_decimal(std::string_view body, std::string_view key, int64_t& raw) {
  const std::string k = str_cat("\"", key, "\":\"");
  const std::size_t at = body.find(k);
  if (at == std::string_view::npos) return false;
  const std::size_t from = at + k.size();
  const std::size_t end = body.find('"', from);
  if (end == std::string_view::npos) return false;
  return core::parse_decimal(body.substr(from, end - from), false, raw) == core::DecimalError::kOk;
}

std::string msg(const absl::Status& s) { return std::string(s.message()); }

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// a * b / 1e8 rounded up (b a 1e-8 fixed-point ratio or price), without overflow for Binance's ranges.
int64_t mul_e8_up(int64_t a, int64_t b) {
  const __int128 p = static_cast<__int128>(a) * b;
  return static_cast<int64_t>((p + 99'999'999) / 100'000'000);
}

class Canary {
 public:
  Canary(BinanceSettings s, Product product, std::string symbol, int64_t distance_e8, int timeout_ms)
      : s_(std::move(s)),
        product_(product),
        symbol_(std::move(symbol)),
        distance_e8_(distance_e8),
        timeout_ms_(timeout_ms),
        clock_(binance_io::ClockOffset::Options{5, 60'000}) {}
  ~Canary() {  // user data first (a ListenKeyStream DELETEs its key), then REST
    lk_.reset();
    ws_.reset();
    rest_.reset();
  }

  std::optional<Failure> run(core::Config& cfg);

 private:
  bool spot() const { return product_ == Product::kSpot; }
  std::string_view product_text() const { return spot() ? "spot" : "USD-M"; }
  std::string rest_url() const { return spot() ? s_.spot_rest_url : s_.futures_rest_url; }
  void step(std::string_view name, double ms, std::string_view detail = "") {
    char t[32];
    std::snprintf(t, sizeof(t), "%9.1f ms", ms);
    steps_.push_back(str_cat("  ", name, std::string(name.size() < 28 ? 28 - name.size() : 1, ' '), t,
                             detail.empty() ? "" : "  ", detail));
  }
  std::optional<Failure> read_market();
  std::optional<Failure> connect(core::Config& cfg);
  std::optional<Failure> place();
  std::optional<Failure> cancel();
  // A signed REST call on rest_, waited for. Returns "" when answered (any status; `status`/`body`
  // set); else the transport problem. `unknown` says whether the request may have taken effect.
  std::string call(const binance::RestTarget& target, int& status, std::string& body, bool& unknown);
  // One line for a non-200 answer: "HTTP 400: -2010 Order would immediately match and take."
  std::string error_text(int status, const std::string& body);
  // Drains user data; records the times our order's NEW and CANCELED events arrived.
  void pump_events(int wait_ms);
  bool wait_event(bool canceled, Clock::time_point from, double& ms);
  // Cancels by client id until the order is known gone (canceled, filled, or never existed). "" when
  // nothing is left; else why that is not sure.
  std::string clean_up();
  binance::OrderRef ref() const;

  BinanceSettings s_;
  Product product_;
  std::string symbol_;
  int64_t distance_e8_;
  int timeout_ms_;
  std::vector<std::string> steps_;

  binance::InstrumentSpec spec_;
  int64_t bid_ = 0, ask_ = 0;
  std::string client_id_;
  binance::NewOrder sent_;
  int64_t sent_ts_ms_ = 0;
  bool maybe_placed_ = false;

  std::optional<binance::HmacSha256Signer> hmac_;
  std::optional<binance::Ed25519Signer> ed25519_;
  std::unique_ptr<binance_io::RestClient> rest_;
  binance_io::ClockOffset clock_;
  std::unique_ptr<binance_io::WsApiClient> ws_;      // spot user data
  std::unique_ptr<binance_io::ListenKeyStream> lk_;  // USD-M user data
  std::unique_ptr<binance_gateway::OrderEncoder> enc_;
  binance::ResponseDecoder dec_;
  binance::UserDataDecoder ud_;
  uint64_t tag_ = 0;
  std::optional<Clock::time_point> new_seen_, canceled_seen_;
  std::string user_stream_note_;  // the last disconnect notice
};

std::optional<Failure> Canary::read_market() {
  const InstrumentSource src = InstrumentSource::from_settings(s_, product_);
  auto t0 = Clock::now();
  auto info = fetch_exchange_info(src, spot() ? std::vector<std::string>{symbol_} : std::vector<std::string>{});
  if (!info.ok()) {
    // Spot answers -1121 for a name it does not list (the request names the symbol).
    const bool unknown = msg(info.status()).find("\"code\":-1121") != std::string::npos;
    return Failure{unknown ? kExitUsage : kExitRuntime,
                   unknown ? str_cat("canary: --symbol ", symbol_, ": not listed by ", product_text(),
                                     " exchangeInfo at ", src.rest_url, " (-1121 Invalid symbol.)")
                           : str_cat("canary: exchangeInfo: ", msg(info.status()))};
  }
  const auto it = std::find_if(info->symbols.begin(), info->symbols.end(),
                               [&](const binance::InstrumentSpec& sp) { return sp.symbol == symbol_; });
  if (it == info->symbols.end())
    return Failure{kExitUsage, str_cat("canary: --symbol ", symbol_, ": not listed by ", product_text(),
                                       " exchangeInfo at ", src.rest_url)};
  spec_ = *it;
  if (spec_.status != binance::SymbolStatus::kTrading)
    return Failure{kExitRuntime, str_cat("canary: exchangeInfo: ", symbol_, " is ", wire_name(spec_.status),
                                         ", not TRADING: no order can rest on it")};
  step("exchangeInfo", ms_since(t0),
       str_cat(symbol_, " tick ", core::decimal_to_string(spec_.price.tick_size.raw), " step ",
               core::decimal_to_string(spec_.lot.step_size.raw)));

  binance_io::HttpsGetOptions o;
  o.ca_file = s_.ca_file;
  o.timeout_ms = timeout_ms_;
  const std::string target =
      str_cat(spot() ? "/api/v3/ticker/bookTicker" : "/fapi/v1/ticker/bookTicker", "?symbol=", symbol_);
  t0 = Clock::now();
  auto r = binance_io::https_get(src.rest_url, target, o);
  if (!r.ok())
    return Failure{kExitRuntime, str_cat("canary: bookTicker ", src.rest_url, target, ": ", msg(r.status()))};
  if (r->status != 200)
    return Failure{kExitRuntime,
                   str_cat("canary: bookTicker ", src.rest_url, target, ": ", error_text(r->status, r->body))};
  if (!json_decimal(r->body, "bidPrice", bid_) || !json_decimal(r->body, "askPrice", ask_) || bid_ <= 0)
    return Failure{kExitRuntime, str_cat("canary: bookTicker ", src.rest_url, target, ": no best bid in '",
                                         r->body.substr(0, 200), "'")};
  step("bookTicker", ms_since(t0),
       str_cat("bid ", core::decimal_to_string(bid_), " ask ", core::decimal_to_string(ask_)));
  return std::nullopt;
}

std::optional<Failure> Canary::connect(core::Config& cfg) {
  // Credentials, as the engine reads them (tools/engine.cpp): the values never leave this function's
  // clients and signers.
  const bool own = !spot() && s_.futures.from_futures_keys;
  const std::string prefix = own ? "BINANCE_FUTURES_" : "BINANCE_";
  std::string api_key, secret, key_file;
  for (auto [key, field] :
       {std::pair{"API_KEY", &api_key}, std::pair{"API_SECRET", &secret}, std::pair{"PRIVATE_KEY_FILE", &key_file}}) {
    auto v = cfg.get_string(prefix + key, "");
    if (!v.ok()) return Failure{kExitUsage, msg(v.status())};
    *field = std::move(*v);
  }
  if (!key_file.empty()) {
    auto ed = binance::Ed25519Signer::from_pem_file(key_file);
    if (!ed.ok()) return Failure{kExitUsage, str_cat("canary: ", prefix, "PRIVATE_KEY_FILE: ", msg(ed.status()))};
    ed25519_.emplace(std::move(*ed));
  } else {
    auto h = binance::HmacSha256Signer::create(secret);
    if (!h.ok()) return Failure{kExitUsage, str_cat("canary: ", prefix, "API_SECRET: ", msg(h.status()))};
    hmac_.emplace(std::move(*h));
  }
  enc_ =
      std::make_unique<binance_gateway::OrderEncoder>(binance_gateway::OrderEncoder::Options{product_, api_key, false},
                                                      hmac_ ? &*hmac_ : nullptr, ed25519_ ? &*ed25519_ : nullptr);

  binance_io::RestClient::Options ro;
  ro.base_url = rest_url();
  ro.ca_file = s_.ca_file;
  ro.api_key = api_key;
  ro.default_timeout_ms = timeout_ms_;
  auto rest = binance_io::RestClient::create(ro);
  if (!rest.ok()) return Failure{kExitUsage, str_cat("canary: ", rest_url(), ": ", msg(rest.status()))};
  rest_ = std::move(*rest);

  auto t0 = Clock::now();
  if (auto st = clock_.sync(*rest_, spot() ? binance::kSpotServerTime : binance::kFuturesServerTime); !st.ok())
    return Failure{kExitRuntime, str_cat("canary: clock (GET time) ", rest_url(), ": ", msg(st))};
  step("clock sync", ms_since(t0), str_cat("offset ", clock_.offset_ns() / 1'000'000, " ms"));

  // The first signed request, before any stream or order: a wrong key, secret or permission shows
  // here with Binance's own code (-2014/-2015/-1022), as the engine's start-up check does.
  const binance::SymbolScope scope{product_, symbol_, clock_.now_server_ms(), 5000};
  if (!enc_->encode_scope(scope, binance_gateway::Wire::kRest, "", 0))
    return Failure{kExitRuntime, "canary: open orders: cannot encode"};
  t0 = Clock::now();
  {
    int status = 0;
    std::string body;
    bool unknown = false;
    const binance::RestTarget target = spot() ? binance::kSpotOpenOrders : binance::kFuturesOpenOrders;
    const std::string what = str_cat("canary: credentials (signed GET ", rest_url(), target.path, "): ");
    if (std::string err = call(target, status, body, unknown); !err.empty()) return Failure{kExitRuntime, what + err};
    if (status != 200) return Failure{kExitRuntime, what + error_text(status, body)};
    std::span<const binance::OrderResult> open;
    if (auto d = dec_.decode_orders(body, product_, open); !d.ok())
      return Failure{kExitRuntime, str_cat(what, "unparsable answer: ", binance::describe(d))};
    step("signed openOrders", ms_since(t0), str_cat(open.size(), " open order(s) on ", symbol_, ", left alone"));
  }

  t0 = Clock::now();
  std::string where;
  if (spot()) {
    binance_io::WsApiClient::Options wo;
    wo.url = s_.spot_ws_api_url;
    wo.ca_file = s_.ca_file;
    wo.api_key = api_key;
    if (ed25519_) {
      wo.auth = binance_io::WsApiClient::Auth::kEd25519Logon;
      auto ed = binance::Ed25519Signer::from_pem_file(key_file);  // the I/O thread's own
      if (!ed.ok()) return Failure{kExitUsage, str_cat("canary: ", prefix, "PRIVATE_KEY_FILE: ", msg(ed.status()))};
      wo.ed25519.emplace(std::move(*ed));
    } else {
      wo.auth = binance_io::WsApiClient::Auth::kHmac;
      wo.hmac.emplace(std::move(*binance::HmacSha256Signer::create(secret)));
    }
    wo.user_data = true;
    wo.clock = &clock_;
    wo.connect_timeout_ms = timeout_ms_;
    auto ws = binance_io::WsApiClient::create(std::move(wo));
    if (!ws.ok()) return Failure{kExitUsage, str_cat("canary: ", s_.spot_ws_api_url, ": ", msg(ws.status()))};
    ws_ = std::move(*ws);
    where = str_cat("user data (WebSocket API ", s_.spot_ws_api_url, ")");
  } else {
    binance_io::ListenKeyStream::Options lo;
    lo.rest_url = rest_url();
    lo.stream_url = s_.futures_stream_url;
    lo.ca_file = s_.ca_file;
    lo.api_key = api_key;
    lo.connect_timeout_ms = timeout_ms_;
    auto lk = binance_io::ListenKeyStream::create(lo);
    if (!lk.ok()) return Failure{kExitUsage, str_cat("canary: ", s_.futures_stream_url, ": ", msg(lk.status()))};
    lk_ = std::move(*lk);
    where = str_cat("user data (listenKey, ", s_.futures_stream_url, "/private)");
  }
  const auto deadline = t0 + std::chrono::milliseconds(timeout_ms_);
  while (!(ws_ ? ws_->ready() : lk_->ready())) {
    if (Clock::now() >= deadline)
      return Failure{kExitRuntime, str_cat("canary: ", where, ": not ready within ", timeout_ms_, " ms",
                                           user_stream_note_.empty() ? "" : str_cat(" (", user_stream_note_, ")"))};
    pump_events(20);
  }
  step("user data ready", ms_since(t0), spot() ? "WebSocket API session" : "listenKey stream");
  return std::nullopt;
}

std::string Canary::call(const binance::RestTarget& target, int& status, std::string& body, bool& unknown) {
  binance_io::RestRequest req;
  unknown = false;
  if (!req.set(++tag_, target, enc_->view())) return "request too large";
  req.timeout_ms = timeout_ms_;
  if (!rest_->submit(req)) return "request queue full";
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_ + 1000);
  while (!rest_->wait_response(std::chrono::milliseconds(2))) {
    pump_events(0);  // user data may come first
    if (Clock::now() >= deadline) {
      unknown = true;
      return str_cat("no answer within ", timeout_ms_, " ms");
    }
  }
  const binance_io::RestResponse* r = rest_->front();
  std::string err;
  if (r->outcome != binance_io::Outcome::kResponse)
    err = str_cat(binance_io::to_string(r->outcome), r->error.empty() ? "" : ": ", r->error.view());
  unknown = binance_io::outcome_unknown(*r);
  status = r->status;
  body.assign(r->body_view());
  rest_->pop();
  return err;
}

std::string Canary::error_text(int status, const std::string& body) {
  binance::ErrorBody eb;
  if (dec_.decode_error(body, eb).ok()) return str_cat("HTTP ", status, ": ", eb.code, " ", eb.msg);
  return str_cat("HTTP ", status, ": ", body.substr(0, 200));
}

void Canary::pump_events(int wait_ms) {
  auto drain = [&](auto& c) {
    if (wait_ms > 0 && c.event_front() == nullptr) (void)c.wait(std::chrono::milliseconds(wait_ms));
    for (const binance_io::WsEvent* e; (e = c.event_front()) != nullptr; c.event_pop()) {
      if (e->kind == binance_io::WsEvent::Kind::kDisconnected) user_stream_note_ = std::string(e->info.view());
      if (e->kind != binance_io::WsEvent::Kind::kEvent || client_id_.empty()) continue;
      const binance::UserDataResult r = ud_.decode(e->view());
      binance::ExecutionType x{};
      bool ours = false;
      if (r.kind == binance::UserEventKind::kExecutionReport) {
        const binance::ExecutionReport& er = ud_.execution_report();
        ours = er.client_order_id.view() == client_id_ || er.orig_client_order_id.view() == client_id_;
        x = er.execution_type;
      } else if (r.kind == binance::UserEventKind::kOrderTradeUpdate) {
        const binance::OrderTradeUpdate& u = ud_.order_trade_update();
        ours = u.client_order_id.view() == client_id_;
        x = u.execution_type;
      }
      if (!ours) continue;
      if (x == binance::ExecutionType::kNew && !new_seen_) new_seen_ = Clock::now();
      if (x == binance::ExecutionType::kCanceled && !canceled_seen_) canceled_seen_ = Clock::now();
    }
  };
  if (ws_) drain(*ws_);
  if (lk_) drain(*lk_);
}

bool Canary::wait_event(bool canceled, Clock::time_point from, double& ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  const std::optional<Clock::time_point>& seen = canceled ? canceled_seen_ : new_seen_;
  while (!seen) {
    if (Clock::now() >= deadline) return false;
    pump_events(20);
  }
  ms = std::chrono::duration<double, std::milli>(*seen - from).count();
  return true;
}

binance::OrderRef Canary::ref() const {
  binance::OrderRef r;
  r.product = product_;
  r.symbol = symbol_;
  r.orig_client_order_id = client_id_;
  r.timestamp_ms = clock_.now_server_ms();
  r.recv_window_ms = 5000;
  return r;
}

std::optional<Failure> Canary::place() {
  // Price: distance below the bid, floored to the tick; no lower than PERCENT_PRICE(_BY_SIDE) allows
  // against the bid (Binance checks against its average / mark price, near the bid: one tick of margin).
  const int64_t tick = std::max<int64_t>(spec_.price.tick_size.raw, 1);
  int64_t px = (bid_ - mul_e8_up(bid_, distance_e8_)) / tick * tick;
  int64_t down_e8 = 0;
  if (spec_.has(binance::FilterType::kPercentPriceBySide)) down_e8 = spec_.percent_price_by_side.bid_multiplier_down_e8;
  if (spec_.has(binance::FilterType::kPercentPrice))
    down_e8 = std::max(down_e8, spec_.percent_price.multiplier_down_e8);
  if (down_e8 > 0) px = std::max(px, ceil_div(mul_e8_up(bid_, down_e8), tick) * tick + tick);
  px = std::max(px, spec_.price.min_price.raw);
  // Quantity: the minimum notional (spot NOTIONAL, else MIN_NOTIONAL) with 10 % to spare, ceiled to
  // the step, at least the minimum quantity.
  const int64_t step_raw = std::max<int64_t>(spec_.lot.step_size.raw, 1);
  int64_t min_notional =
      spec_.has(binance::FilterType::kNotional) ? spec_.notional.min_notional.raw : spec_.min_notional.min_notional.raw;
  min_notional += min_notional / 10;
  int64_t qty = min_notional > 0
                    ? static_cast<int64_t>((static_cast<__int128>(min_notional) * 100'000'000 + px - 1) / px)
                    : step_raw;
  qty = std::max(ceil_div(qty, step_raw) * step_raw, spec_.lot.min_qty.raw);

  client_id_.resize(binance_gateway::kClientIdTextMax);
  {
    const binance_gateway::ClientIdCodec ids(
        binance_gateway::ClientIdCodec::run_id_from_wall_ns(core::wall_clock_ns()));
    char buf[binance_gateway::kClientIdTextMax];
    client_id_.assign(buf, ids.encode(1, buf));
  }
  core::Order o;
  o.price = core::Price::from_raw(px);
  o.qty = core::Qty::from_raw(qty);
  o.client_id = 1;
  o.side = core::Side::kBuy;
  o.tif = core::TimeInForce::kPostOnly;
  binance_gateway::NewOrderExtras extras;
  extras.reference_price = core::Price::from_raw(bid_);
  sent_ts_ms_ = clock_.now_server_ms();
  const binance::CheckResult check =
      enc_->encode_order(o, spec_, client_id_, extras, sent_ts_ms_, 5000, binance_gateway::Wire::kRest, 0);
  const std::string what = str_cat(symbol_, " BUY ", core::decimal_to_string(qty), " @ ", core::decimal_to_string(px),
                                   spot() ? " LIMIT_MAKER" : " LIMIT GTX", " (",
                                   core::decimal_to_string((bid_ - px) * 10'000 / bid_ * 1'000'000),
                                   "% below the bid), newClientOrderId=", client_id_);
  if (!check.ok())
    return Failure{kExitRuntime,
                   str_cat("canary: order check (before sending): ", what, ": ", check.code, " ", check.msg())};
  if (s_.dry_run) {
    steps_.push_back(str_cat("  DRY_RUN: would send ", what, "; nothing sent"));
    return std::nullopt;
  }
  const auto t0 = Clock::now();
  int status = 0;
  std::string body;
  bool unknown = false;
  maybe_placed_ = true;
  const std::string err = call(spot() ? binance::kSpotNewOrder : binance::kFuturesNewOrder, status, body, unknown);
  if (!err.empty()) return Failure{kExitRuntime, str_cat("canary: order ack: ", what, ": ", err)};
  if (status != 200) {
    maybe_placed_ = unknown;  // a 4xx is a refusal: nothing rests
    return Failure{kExitRuntime, str_cat("canary: order ack: ", what, ": ", error_text(status, body))};
  }
  const double ack_ms = ms_since(t0);
  binance::OrderResult res;
  if (auto d = dec_.decode_order(body, product_, res); !d.ok())
    return Failure{kExitRuntime, str_cat("canary: order ack: unparsable answer: ", binance::describe(d))};
  if (res.has_details && res.status != binance::OrderStatus::kNew)
    return Failure{kExitRuntime,
                   str_cat("canary: order ack: ", what, ": status ", wire_name(res.status),
                           res.status == binance::OrderStatus::kExpired ? " (post-only would have crossed)" : "")};
  step("order ack", ack_ms, str_cat("orderId ", res.order_id, " ", what));
  double ms = 0;
  if (!wait_event(false, t0, ms))
    return Failure{kExitRuntime,
                   str_cat("canary: user data NEW: no event for ", client_id_, " within ", timeout_ms_, " ms",
                           user_stream_note_.empty() ? "" : str_cat(" (", user_stream_note_, ")"))};
  step(spot() ? "executionReport NEW" : "ORDER_TRADE_UPDATE NEW", ms, "(from the order's send)");
  return std::nullopt;
}

std::optional<Failure> Canary::cancel() {
  if (s_.dry_run) return std::nullopt;
  const binance::OrderRef r = ref();
  if (!enc_->encode_ref(r, binance_gateway::Wire::kRest, "", 0))
    return Failure{kExitRuntime, "canary: cancel: cannot encode"};
  const auto t0 = Clock::now();
  int status = 0;
  std::string body;
  bool unknown = false;
  const std::string err =
      call(spot() ? binance::kSpotCancelOrder : binance::kFuturesCancelOrder, status, body, unknown);
  if (!err.empty()) return Failure{kExitRuntime, str_cat("canary: cancel ack: ", client_id_, ": ", err)};
  if (status != 200)
    return Failure{kExitRuntime, str_cat("canary: cancel ack: ", client_id_, ": ", error_text(status, body))};
  const double ack_ms = ms_since(t0);
  binance::OrderResult res;
  if (auto d = dec_.decode_order(body, product_, res); !d.ok())
    return Failure{kExitRuntime, str_cat("canary: cancel ack: unparsable answer: ", binance::describe(d))};
  if (res.status != binance::OrderStatus::kCanceled)
    return Failure{kExitRuntime, str_cat("canary: cancel ack: ", client_id_, ": status ", wire_name(res.status))};
  step("cancel ack", ack_ms, str_cat("status ", wire_name(res.status)));
  double ms = 0;
  if (!wait_event(true, t0, ms))
    return Failure{kExitRuntime,
                   str_cat("canary: user data CANCELED: no event for ", client_id_, " within ", timeout_ms_, " ms")};
  maybe_placed_ = false;
  step(spot() ? "executionReport CANCELED" : "ORDER_TRADE_UPDATE CANCELED", ms, "(from the cancel's send)");
  return std::nullopt;
}

std::string Canary::clean_up() {
  const bool is_spot = spot();
  std::string last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a pause between tries
    int status = 0;
    std::string body;
    bool unknown = false;
    binance::OrderRef r = ref();
    if (enc_->encode_ref(r, binance_gateway::Wire::kRest, "", 0)) {
      last = call(is_spot ? binance::kSpotCancelOrder : binance::kFuturesCancelOrder, status, body, unknown);
      if (last.empty() && status == 200) return "";
      if (last.empty()) last = str_cat("cancel: ", error_text(status, body));
    }
    // Whatever the cancel said (-2011 unknown order, 5xx, timeout), ask for the order itself.
    r = ref();
    if (!enc_->encode_ref(r, binance_gateway::Wire::kRest, "", 0)) continue;
    const std::string err =
        call(is_spot ? binance::kSpotQueryOrder : binance::kFuturesQueryOrder, status, body, unknown);
    if (!err.empty()) {
      last = str_cat("query: ", err);
      continue;
    }
    if (status == 200) {
      binance::OrderResult res;
      if (dec_.decode_order(body, product_, res).ok() && res.status != binance::OrderStatus::kNew &&
          res.status != binance::OrderStatus::kPartiallyFilled && res.status != binance::OrderStatus::kPendingNew)
        return "";
      last = "query: still open";
      continue;
    }
    binance::ErrorBody eb;
    if (dec_.decode_error(body, eb).ok() && eb.code == -2013) {
      // "Does not exist" is conclusive once the venue's clock passed the request's window: until then a
      // queued request could still be accepted.
      const int64_t conclusive_at = sent_ts_ms_ + 5000 + 1000;
      const int64_t now = clock_.now_server_ms();
      if (now >= conclusive_at) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(conclusive_at - now));
      --attempt;  // that wait was not a failed try
      sent_ts_ms_ = 0;
      continue;
    }
    last = str_cat("query: ", error_text(status, body));
  }
  return last;
}

std::optional<Failure> Canary::run(core::Config& cfg) {
  if (auto f = read_market()) return f;
  if (auto f = connect(cfg)) return f;
  auto f = place();
  if (!f) f = cancel();
  if (f && maybe_placed_) {
    const std::string left = clean_up();
    f->line += left.empty() ? str_cat("; nothing left open (", client_id_, " canceled or never accepted)")
                            : str_cat("; ", client_id_, " MAY STILL BE OPEN (", left, "): cancel it by hand");
    return f;
  }
  if (f) return f;
  std::printf("canary %s %s (%s, %s)\n", spot() ? "binance_spot" : "binance_futures", symbol_.c_str(), s_.env.c_str(),
              rest_url().c_str());
  for (const std::string& line : steps_) std::printf("%s\n", line.c_str());
  if (s_.dry_run) {
    std::printf("canary ok (DRY_RUN): connected and checked, no order sent\n");
  } else {
    std::printf("canary ok: %s placed and canceled, nothing left open\n", client_id_.c_str());
  }
  std::fflush(stdout);
  return std::nullopt;
}

}  // namespace

int canary_command(int argc, char** argv) {
  std::string env_file, symbol, product_flag, v;
  std::vector<std::string> overrides;
  int64_t distance_pct_e8 = 5'00000000;
  int64_t timeout_ms = 10'000;
  ArgCursor args(argc, argv);
  while (!args.done()) {
    const std::string_view a = args.next();
    if (a == "--help" || a == "-h") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    } else if (a == "--env") {
      if (!args.take_value(env_file)) return usage_error("--env needs a file");
    } else if (a == "--set") {
      if (!args.take_value(v)) return usage_error("--set needs KEY=VALUE");
      overrides.push_back(v);
    } else if (a == "--symbol") {
      if (!args.take_value(symbol) || symbol.empty()) return usage_error("--symbol needs a symbol");
      symbol = core::to_upper(symbol);
    } else if (a == "--product") {
      if (!args.take_value(product_flag) || (product_flag != "spot" && product_flag != "usdm"))
        return usage_error("--product needs spot or usdm");
    } else if (a == "--distance-pct") {
      if (!args.take_value(v) || core::parse_decimal(v, false, distance_pct_e8) != core::DecimalError::kOk ||
          distance_pct_e8 < 1'00000000 || distance_pct_e8 > 50'00000000)
        return usage_error(str_cat("--distance-pct '", v, "' is not a percentage from 1 to 50"));
    } else if (a == "--timeout-ms") {
      if (!args.take_value(v) || !parse_non_negative(v, timeout_ms) || timeout_ms < 100 || timeout_ms > 120'000)
        return usage_error(str_cat("--timeout-ms '", v, "' is not a number of milliseconds from 100 to 120000"));
    } else {
      return usage_error(str_cat("canary: unknown option '", a, "' (see dmabot canary --help)"));
    }
  }
  if (env_file.empty()) return usage_error("canary: --env FILE is required (.env.local, .env.sandbox, .env.mainnet)");
  if (std::string err = check_readable_file("--env", env_file); !err.empty()) return usage_error(err);
  auto cfg = core::Config::load(env_file, overrides);
  if (!cfg.ok()) return usage_error(msg(cfg.status()));
  auto level = cfg->get_string("LOG_LEVEL", "warn");
  if (level.ok()) {
    if (auto l = core::parse_log_level(*level); l.ok()) core::set_log_level(*l);
  }
  auto venue = cfg->get_string("VENUE_MODE", "mock");
  if (!venue.ok()) return usage_error(msg(venue.status()));
  std::string venue_mode = *venue;
  if (!product_flag.empty()) venue_mode = product_flag == "spot" ? "binance_spot" : "binance_futures";
  if (venue_mode != "binance_spot" && venue_mode != "binance_futures")
    return usage_error(str_cat("canary: VENUE_MODE=", venue_mode, " in ", env_file,
                               " is not a Binance venue: use a Binance preset or --product spot|usdm"));
  // URLs, TLS, credentials' origin, and mainnet's CONFIRM_LIVE=yes: before anything connects.
  auto settings = BinanceSettings::from_config(*cfg, venue_mode);
  if (!settings.ok()) return usage_error(msg(settings.status()));
  if (symbol.empty()) {
    auto symbols = cfg->get_list("SYMBOLS", "BTCUSDT");
    if (!symbols.ok()) return usage_error(msg(symbols.status()));
    if (symbols->empty() || (*symbols)[0] == "auto")
      return usage_error("canary: SYMBOLS has no explicit symbol: pass --symbol");
    symbol = core::to_upper((*symbols)[0]);
  }
  const Product product = venue_mode == "binance_spot" ? Product::kSpot : Product::kUsdmFutures;
  Canary c(std::move(*settings), product, symbol, distance_pct_e8 / 100, static_cast<int>(timeout_ms));
  if (auto f = c.run(*cfg)) {
    std::fprintf(stderr, "dmabot: %s\n", f->line.c_str());
    return f->code;
  }
  return kExitOk;
}

}  // namespace dmabot::tools
