// A Binance gateway wired to binance-sim in process, for the binance_gateway tests: the sim (with a
// ledger), the REST and (spot) WebSocket API clients, a synced ClockOffset, the symbol's spec from
// the sim's exchangeInfo, the order/report rings and the gateway stage. poll_until() drives the stage
// with a deadline; reports are collected in `reports`.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/spsc_ring.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_io/listen_key_stream.h"
#include "tests/gateway/binance_io/sim_harness.h"

namespace dmabot::binance_gateway::testing {

using namespace std::chrono_literals;
namespace bt = dmabot::binance_io::testing;

struct RigOptions {
  binance::Product product = binance::Product::kSpot;
  bool ws = true;           // spot: orders over the WS API (user data too); futures: a ListenKeyStream
  bool sync_clock = true;   // run a ClockOffset round before trading
  bool rate_limits = true;  // give the gateway the exchange's rate limits
  bool ed25519 = false;     // spot: the Ed25519 account (session.logon, unsigned WS orders, REST signed Ed25519)
  std::vector<std::string> faults;  // binance-sim flags
  int rest_timeout_ms = 5000;
  std::function<void(GatewayOptions&)> tweak;
};

class Rig {
 public:
  explicit Rig(RigOptions o) : o_(std::move(o)) {}
  ~Rig() {
    gw_.reset();
    futures_gw_.reset();
    lk_gw_.reset();
    lk_.reset();
    ws_.reset();
    rest_.reset();
    time_rest_.reset();
  }

  // Empty string on success.
  std::string start() {
    ledger_ = ::testing::TempDir() + "/gw_ledger_" + std::to_string(core::monotonic_ns()) + ".jsonl";
    std::vector<std::string> flags = {"--ledger", ledger_};
    flags.insert(flags.end(), o_.faults.begin(), o_.faults.end());
    if (std::string err = sim_.start(flags); !err.empty()) return err;
    const bool spot = o_.product == binance::Product::kSpot;
    const std::string base = spot ? sim_.spot_url() : sim_.futures_url();
    binance_io::RestClient::Options ro;
    ro.base_url = base;
    ro.ca_file = sim_.ca_file();
    ro.api_key = o_.ed25519 ? bt::kEdKey : bt::kHmacKey;
    ro.default_timeout_ms = o_.rest_timeout_ms;
    auto rest = binance_io::RestClient::create(ro);
    if (!rest.ok()) return std::string(rest.status().message());
    rest_ = std::move(*rest);
    ro.default_timeout_ms = 5000;
    auto trest = binance_io::RestClient::create(ro);
    if (!trest.ok()) return std::string(trest.status().message());
    time_rest_ = std::move(*trest);
    // exchangeInfo (cold) on the clock's client.
    binance_io::RestRequest req;
    if (!req.set(1, "GET", spot ? "/api/v3/exchangeInfo" : "/fapi/v1/exchangeInfo", spot ? "symbol=BTCUSDT" : ""))
      return "request";
    std::string body;
    if (std::string err = call(*time_rest_, req, body); !err.empty()) return "exchangeInfo: " + err;
    if (auto st = binance::parse_exchange_info(body, o_.product, info_); !st.ok()) return std::string(st.message());
    spec_ = info_.find("BTCUSDT");
    if (spec_ == nullptr) return "no BTCUSDT";
    if (o_.sync_clock) {
      if (auto st = clock_offset_.sync(*time_rest_, spot ? binance::kSpotServerTime : binance::kFuturesServerTime);
          !st.ok())
        return std::string(st.message());
    }
    auto h = binance::HmacSha256Signer::create(bt::kHmacSecret);
    if (!h.ok()) return "signer";
    hmac_.emplace(std::move(*h));
    if (spot && o_.ws) {
      binance_io::WsApiClient::Options wo;
      wo.url = sim_.spot_ws_api_url();
      wo.ca_file = sim_.ca_file();
      if (o_.ed25519) {
        wo.auth = binance_io::WsApiClient::Auth::kEd25519Logon;
        wo.api_key = bt::kEdKey;
        wo.ed25519 = bt::test_ed25519();
      } else {
        wo.auth = binance_io::WsApiClient::Auth::kHmac;
        wo.api_key = bt::kHmacKey;
        wo.hmac = std::move(*binance::HmacSha256Signer::create(bt::kHmacSecret));
      }
      wo.user_data = true;
      wo.clock = &clock_offset_;
      wo.default_timeout_ms = o_.rest_timeout_ms;
      auto ws = binance_io::WsApiClient::create(std::move(wo));
      if (!ws.ok()) return std::string(ws.status().message());
      ws_ = std::move(*ws);
    }
    GatewayOptions go;
    go.name = spot ? "binance_spot" : "binance_futures";
    go.venue_id = 1;
    go.symbols = {spec_};
    go.api_key = o_.ed25519 ? bt::kEdKey : bt::kHmacKey;
    go.ws_session_auth = o_.ed25519;
    if (o_.rate_limits) go.rate_limits = info_.rate_limits;
    if (o_.tweak) o_.tweak(go);
    GatewayLinks links;
    links.rest = rest_.get();
    links.ws = ws_.get();
    links.clock_offset = &clock_offset_;
    if (o_.ed25519) {
      ed_.emplace(bt::test_ed25519());
      links.ed25519 = &*ed_;
    } else {
      links.hmac = &*hmac_;
    }
    if (spot) {
      gw_ = std::make_unique<BinanceSpotGateway>(go, clock_, &orders_, &execs_, links);
      stage_ = gw_.get();
      core_ = &gw_->core();
    } else if (o_.ws) {
      binance_io::ListenKeyStream::Options lo;
      lo.rest_url = sim_.futures_url();
      lo.stream_url = sim_.futures_stream_url();
      lo.ca_file = sim_.ca_file();
      lo.api_key = bt::kHmacKey;
      auto lk = binance_io::ListenKeyStream::create(lo);
      if (!lk.ok()) return std::string(lk.status().message());
      lk_ = std::move(*lk);
      lk_gw_ = std::make_unique<BinanceFuturesGateway>(go, clock_, &orders_, &execs_, links, lk_.get());
      stage_ = lk_gw_.get();
      core_ = &lk_gw_->core();
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (!lk_->ready()) {
        if (std::chrono::steady_clock::now() > deadline) return "listenKey stream not ready";
        stage_->poll();
        lk_->wait(10ms);
      }
    } else {
      futures_gw_ = std::make_unique<BasicFuturesGateway<NoUserStream>>(go, clock_, &orders_, &execs_, links, nullptr);
      stage_ = futures_gw_.get();
      core_ = &futures_gw_->core();
    }
    if (ws_) {  // the session (and its user-data subscription) first
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (!ws_->ready()) {
        if (std::chrono::steady_clock::now() > deadline) return "ws session not ready";
        stage_->poll();
        ws_->wait(10ms);
      }
    }
    return "";
  }

  // The sim's best bid / ask (REST bookTicker).
  std::string touch(core::Price& bid, core::Price& ask, core::Qty* bid_qty = nullptr) {
    const bool spot = o_.product == binance::Product::kSpot;
    binance_io::RestRequest req;
    if (!req.set(2, "GET", spot ? "/api/v3/ticker/bookTicker" : "/fapi/v1/ticker/bookTicker", "symbol=BTCUSDT"))
      return "request";
    std::string body;
    if (std::string err = call(*time_rest_, req, body); !err.empty()) return err;
    auto field = [&](std::string_view key, core::Price& out) {
      const std::string k = "\"" + std::string(key) + "\":\"";
      const auto p = body.find(k);
      if (p == std::string::npos) return false;
      const auto e = body.find('"', p + k.size());
      return core::Price::parse(std::string_view(body).substr(p + k.size(), e - p - k.size()), out) ==
             core::DecimalError::kOk;
    };
    if (!field("bidPrice", bid) || !field("askPrice", ask)) return "bookTicker: " + body;
    core::Price q;
    if (bid_qty != nullptr) {
      if (!field("bidQty", q)) return "bookTicker: " + body;
      bid_qty->raw = q.raw;
    }
    return "";
  }

  // Another account (the Ed25519 one) sends an IOC on the same symbol over REST, blocking: it trades
  // with our resting order when it crosses it. Empty string on success.
  std::string counterparty_ioc(core::Side side, core::Price px, core::Qty qty) {
    const bool spot = o_.product == binance::Product::kSpot;
    binance_io::RestClient::Options ro;
    ro.base_url = spot ? sim_.spot_url() : sim_.futures_url();
    ro.ca_file = sim_.ca_file();
    ro.api_key = bt::kEdKey;
    auto rest = binance_io::RestClient::create(ro);
    if (!rest.ok()) return std::string(rest.status().message());
    binance::Ed25519Signer ed = bt::test_ed25519();
    OrderEncoder enc({o_.product, bt::kEdKey, false}, nullptr, &ed);
    core::Order o = order(999'999, side, px, qty, core::TimeInForce::kIoc);
    const binance::CheckResult r =
        enc.encode_order(o, *spec_, "counterparty-1", {}, clock_offset_.now_server_ms(), 5000, Wire::kRest, 0);
    if (!r.ok()) return std::string(r.msg());
    binance_io::RestRequest req;
    if (!req.set(3, spot ? binance::kSpotNewOrder : binance::kFuturesNewOrder, enc.view())) return "request";
    std::string body;
    return call(**rest, req, body);
  }

  core::Order order(uint64_t counter, core::Side side, core::Price px, core::Qty qty,
                    core::TimeInForce tif = core::TimeInForce::kGtc) {
    core::Order o;
    o.client_id = core::make_client_id(3, counter);
    o.symbol = 0;
    o.strategy = 3;
    o.side = side;
    o.price = px;
    o.qty = qty;
    o.tif = tif;
    o.venue = 1;
    return o;
  }
  core::Order cancel_of(uint64_t counter, uint64_t target) {
    core::Order o;
    o.client_id = core::make_client_id(3, counter);
    o.target_id = target;
    o.action = core::OrderAction::kCancel;
    o.venue = 1;
    return o;
  }
  core::Order replace_of(uint64_t counter, uint64_t target, core::Side side, core::Price px, core::Qty qty) {
    core::Order o = order(counter, side, px, qty);
    o.target_id = target;
    o.action = core::OrderAction::kReplace;
    return o;
  }
  void send(const core::Order& o) { ASSERT_TRUE(orders_.try_push(o)); }
  [[nodiscard]] bool orders_push(const core::Order& o) { return orders_.try_push(o); }

  // Polls the stage until pred() or the deadline; collects reports (no allocation while `reports`
  // has capacity).
  template <class Pred>
  bool poll_until(Pred&& pred, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      drain();
      if (pred()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (stage_->poll() == 0) {
        if (ws_)
          ws_->wait(1ms);
        else
          rest_->wait_response(1ms);
      }
    }
  }
  void drain() {
    core::ExecReport r;
    while (execs_.try_pop(r)) reports.push_back(r);
  }
  // Reports for one engine id with that status.
  int count(uint64_t id, core::ExecStatus st) const {
    int n = 0;
    for (const auto& r : reports) n += r.client_id == id && r.status == st;
    return n;
  }
  const core::ExecReport* last(uint64_t id) const {
    for (auto it = reports.rbegin(); it != reports.rend(); ++it) {
      if (it->client_id == id) return &*it;
    }
    return nullptr;
  }
  bool has(uint64_t id, core::ExecStatus st) const { return count(id, st) > 0; }
  // The same over the last few reports only (the no-allocation test's hot loop).
  bool has_fast(uint64_t id, core::ExecStatus st) const {
    const std::size_t n = std::min<std::size_t>(reports.size(), 16);
    for (std::size_t i = reports.size() - n; i < reports.size(); ++i) {
      if (reports[i].client_id == id && reports[i].status == st) return true;
    }
    return false;
  }

  // Ledger lines of this type for this engine id's client text.
  int ledger_count(std::string_view type, uint64_t engine_id) const {
    char buf[kClientIdTextMax];
    const std::string text(core_->client_text(engine_id, buf));
    std::ifstream in(ledger_);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      n += line.find("\"type\":\"" + std::string(type) + "\"") != std::string::npos &&
           line.find("\"clientOrderId\":\"" + text + "\"") != std::string::npos;
    }
    return n;
  }

  GatewayCore& core() { return *core_; }
  const GatewayStats& stats() { return core_->stats(); }
  const binance::InstrumentSpec& spec() const { return *spec_; }
  binance_io::ClockOffset& clock_offset() { return clock_offset_; }
  core::Stage& stage() { return *stage_; }
  binance_io::ListenKeyStream* listen_key_stream() { return lk_.get(); }

  std::vector<core::ExecReport> reports;

 private:
  static std::string call(binance_io::RestClient& c, binance_io::RestRequest& req, std::string& body) {
    if (!c.submit(req)) return "submit";
    if (!c.wait_response(10s)) return "no response";
    const binance_io::RestResponse* r = c.front();
    std::string err;
    if (r->outcome != binance_io::Outcome::kResponse || r->status != 200)
      err = "outcome " + std::string(binance_io::to_string(r->outcome)) + " status " + std::to_string(r->status) + " " +
            std::string(r->body_view());
    body.assign(r->body_view());
    c.pop();
    return err;
  }

  RigOptions o_;
  bt::SimHarness sim_;
  std::string ledger_;
  core::Clock clock_ = core::Clock::live();
  std::unique_ptr<binance_io::RestClient> rest_, time_rest_;
  std::unique_ptr<binance_io::WsApiClient> ws_;
  binance_io::ClockOffset clock_offset_;
  binance::ExchangeInfo info_;
  const binance::InstrumentSpec* spec_ = nullptr;
  std::optional<binance::HmacSha256Signer> hmac_;
  std::optional<binance::Ed25519Signer> ed_;
  core::SpscRing<core::Order> orders_{256};
  core::SpscRing<core::ExecReport> execs_{1024};
  std::unique_ptr<BinanceSpotGateway> gw_;
  std::unique_ptr<BasicFuturesGateway<NoUserStream>> futures_gw_;
  std::unique_ptr<binance_io::ListenKeyStream> lk_;
  std::unique_ptr<BinanceFuturesGateway> lk_gw_;
  core::Stage* stage_ = nullptr;
  GatewayCore* core_ = nullptr;
};

}  // namespace dmabot::binance_gateway::testing
