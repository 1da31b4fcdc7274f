// binance-sim's order round trip on loopback, as a client sees it: request written → response read.
//
//   sim_rest/ping                    baseline: GET /api/v3/ping on the same keep-alive TLS connection
//   sim_rest/order_place             POST /api/v3/order (LIMIT GTC far below the touch, encoded with
//                                    gateway/binance/order_messages.h and signed with signer.h, the
//                                    engine's own encoder and signer), timed; then DELETE it, untimed
//   sim_rest/order_cancel            the same pair, the DELETE /api/v3/order timed
//   sim_ws/ping                      baseline: {"method":"ping"} on one TLS WebSocket (/ws-api/v3)
//   sim_ws/order_place, order_cancel order.place / order.cancel on that WebSocket, each signed per
//                                    request (HMAC, apiKey in params), timed as above
// Time per item is one timed request, so the ratio to the group's ping is what the order path costs
// over the bare TLS round trip. Counters: p50_us / p99_us of the timed request over the whole run;
// req_per_s = every request sent (timed or not) per second of wall time on the one connection.
//
// The sim runs in this process on its own thread (Server + SimVenue + WsVenue, as `dmabot binance-sim`
// assembles them, port 0): no binary to locate, the bench runs alone from run_benchmarks.sh, and the
// venue's clock can be injected. That clock is the wall clock plus an offset the client moves 10 s
// ahead every 20 orders, so Binance's order-count limit (100 per 10 s per account, which a benchmark
// passes in a few milliseconds) never refuses an order; the client reads the same clock for its
// timestamps. The weight limit is raised with the sim's weight-limit fault. The two share the machine's
// cores, as a child process would.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/ws_venue.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace dmabot;  // NOLINT

constexpr int kOrdersPerWarp = 20;

// Wall clock + an offset the client advances (see the overview). Read on both threads.
class WarpClock final : public binance_sim::SimClock {
 public:
  [[nodiscard]] core::UnixNanos now() const override {
    return core::wall_clock_ns() + offset_.load(std::memory_order_relaxed);
  }
  void on_order() {
    if (++orders_ % kOrdersPerWarp == 0) offset_.fetch_add(10 * binance_sim::kNsPerSec, std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t now_ms() const { return now() / binance_sim::kNsPerMs; }

 private:
  std::atomic<int64_t> offset_{0};
  uint64_t orders_ = 0;
};

// The sim on its own thread, as the CLI builds it (default account, BTCUSDT on both products).
class InProcessSim {
 public:
  bool start() {
    binance_sim::ExchangeOptions eo;
    if (!binance_sim::setup_exchange(eo, exchange_, keys_).ok()) return fail("setup_exchange");
    // A fixed top at 60000: the bench's buys at 30000 never fill.
    exchange_.set_market_top(binance::Product::kSpot, "BTCUSDT",
                             binance_sim::TopOfBook{core::Price::from_units(59'999), core::Qty::from_units(1),
                                                    core::Price::from_units(60'001), core::Qty::from_units(1)},
                             clock_.now());
    binance_sim::SimVenueOptions vo;
    vo.faults.weight_limit = int64_t{1} << 40;
    venue_ = std::make_unique<binance_sim::SimVenue>(exchange_, keys_, vo, &clock_);
    binance_sim::ServerOptions so;
    so.limits.max_connections = 64;
    server_ = std::make_unique<binance_sim::Server>(ioc_, so, *venue_);
    ws_ = std::make_unique<binance_sim::WsVenue>(*venue_, *server_);
    if (std::string err = server_->start(); !err.empty()) return fail(err);
    thread_ = std::thread([this] { ioc_.run(); });
    return true;
  }
  ~InProcessSim() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] uint16_t port() const { return server_->spot_port(); }
  [[nodiscard]] const std::string& ca_file() const { return server_->ca_file(); }
  WarpClock& clock() { return clock_; }

 private:
  bool fail(const std::string& what) {
    std::fprintf(stderr, "binance_sim_bench: sim start failed: %s\n", what.c_str());
    return false;
  }
  WarpClock clock_;
  binance_sim::Exchange exchange_;
  binance_sim::KeyRegistry keys_;
  std::unique_ptr<binance_sim::SimVenue> venue_;
  asio::io_context ioc_{1};
  std::unique_ptr<binance_sim::Server> server_;
  std::unique_ptr<binance_sim::WsVenue> ws_;
  std::thread thread_;
};

InProcessSim* sim() {
  static InProcessSim* s = [] {
    auto* p = new InProcessSim();  // lives until exit (the io thread must not outlive it)
    if (!p->start()) std::exit(1);
    return p;
  }();
  return s;
}

std::unique_ptr<ssl::context> client_tls() {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file(sim()->ca_file());
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  return ctx;
}

double percentile_us(std::vector<double>& ns, double q) {
  if (ns.empty()) return 0;
  const std::size_t k = std::min(ns.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ns.size())));
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
  return ns[k] / 1e3;
}

// Signed order requests with the engine's encoder: the REST query / WS frame for a place and a cancel
// of one client order id.
class Orders {
 public:
  Orders() {
    auto s = binance::HmacSha256Signer::create(binance_sim::kDefaultHmacSecret);
    if (!s.ok()) std::abort();
    signer_ = std::make_unique<binance::HmacSha256Signer>(std::move(*s));
  }
  void next_id() {
    const int n = std::snprintf(id_, sizeof id_, "bench-%llu", static_cast<unsigned long long>(++seq_));
    id_len_ = static_cast<std::size_t>(n);
  }
  std::string_view rest_place(int64_t ts) {
    binance::NewOrder o = new_order(ts);
    return rest(binance::build_new_order(o, params_));
  }
  std::string_view rest_cancel(int64_t ts) {
    binance::OrderRef r = ref(ts);
    return rest(binance::build_order_ref(r, params_));
  }
  std::string_view ws_place(int64_t ts) {
    binance::NewOrder o = new_order(ts);
    return ws(binance::build_new_order(o, params_), binance::kWsOrderPlace);
  }
  std::string_view ws_cancel(int64_t ts) {
    binance::OrderRef r = ref(ts);
    return ws(binance::build_order_ref(r, params_), binance::kWsOrderCancel);
  }

 private:
  binance::NewOrder new_order(int64_t ts) const {
    binance::NewOrder o;
    o.symbol = "BTCUSDT";
    o.side = binance::OrderSide::kBuy;
    o.type = binance::OrderType::kLimit;
    o.time_in_force = binance::TimeInForce::kGtc;
    o.quantity = core::Qty::from_raw(100'000);  // 0.001
    o.price = core::Price::from_units(30'000);
    o.new_client_order_id = std::string_view(id_, id_len_);
    o.new_order_resp_type = binance::OrderRespType::kResult;
    o.timestamp_ms = ts;
    return o;
  }
  binance::OrderRef ref(int64_t ts) const {
    binance::OrderRef r;
    r.symbol = "BTCUSDT";
    r.orig_client_order_id = std::string_view(id_, id_len_);
    r.timestamp_ms = ts;
    return r;
  }
  std::string_view rest(bool built) {
    char sig[binance::kHmacSha256HexSize];
    out_.clear();
    if (!built || !binance::encode_query(params_, out_)) std::abort();
    signer_->sign(out_.view(), sig);
    if (!binance::append_signature(out_, std::string_view(sig, sizeof sig))) std::abort();
    return out_.view();
  }
  std::string_view ws(bool built, std::string_view method) {
    char sig[binance::kHmacSha256HexSize];
    if (!built || !params_.add("apiKey", binance_sim::kDefaultApiKey)) std::abort();
    if (!binance::encode_ws_request(std::string_view(id_, id_len_), method, params_, out_, payload_)) std::abort();
    signer_->sign(payload_.view(), sig);
    if (!binance::finish_ws_request(out_, params_, std::string_view(sig, sizeof sig))) std::abort();
    return out_.view();
  }

  std::unique_ptr<binance::HmacSha256Signer> signer_;
  binance::ParamList params_;
  binance::FixedBuffer<2048> out_;
  binance::FixedBuffer<2048> payload_;
  char id_[32] = {};
  std::size_t id_len_ = 0;
  uint64_t seq_ = 0;
};

// One keep-alive HTTPS connection, synchronous (the bench thread only waits for its answer).
class RestClient {
 public:
  RestClient() : ctx_(client_tls()), stream_(ioc_, *ctx_) {
    beast::get_lowest_layer(stream_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), sim()->port()));
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true));
    stream_.handshake(ssl::stream_base::client);
  }
  // Sends one request, reads its answer; the status.
  int round_trip(http::verb verb, std::string_view target, std::string_view body = {}) {
    http::request<http::string_body> req{verb, beast::string_view(target.data(), target.size()), 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-MBX-APIKEY", beast::string_view(binance_sim::kDefaultApiKey.data(), binance_sim::kDefaultApiKey.size()));
    if (!body.empty()) req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body().assign(body.data(), body.size());
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buf_, res);
    last_body_ = std::move(res.body());
    return static_cast<int>(res.result_int());
  }
  const std::string& last_body() const { return last_body_; }

 private:
  asio::io_context ioc_;
  std::unique_ptr<ssl::context> ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buf_;
  std::string last_body_;
};

class WsClient {
 public:
  WsClient() : ctx_(client_tls()), ws_(ioc_, *ctx_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), sim()->port()));
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ws_.next_layer().handshake(ssl::stream_base::client);
    ws_.handshake("127.0.0.1", "/ws-api/v3");
    ws_.text(true);
  }
  // Sends one frame and reads the next; "" on the status of anything but 200.
  bool round_trip(std::string_view frame) {
    ws_.write(asio::buffer(frame.data(), frame.size()));
    buf_.clear();
    ws_.read(buf_);
    last_ = beast::buffers_to_string(buf_.data());
    return last_.find("\"status\":200") != std::string::npos;
  }
  const std::string& last() const { return last_; }

 private:
  asio::io_context ioc_;
  std::unique_ptr<ssl::context> ctx_;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buf_;
  std::string last_;
};

template <typename F>
double timed_ns(F&& f) {
  const auto t0 = Clock::now();
  f();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

// What one benchmark row times. kPlace and kCancel both place and cancel an order per iteration (so
// the book stays empty); each times its own request only.
enum class Timed { kPing, kPlace, kCancel };

// Counters, the same names in every row (Google Benchmark's CSV wants that): p50/p99 latency of the
// timed request, and req_per_s = every request the loop sent (timed or not) per second of wall time
// on this one connection.
void report(benchmark::State& state, std::vector<double>& lat, int64_t requests, Clock::time_point start) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["p50_us"] = percentile_us(lat, 0.50);
  state.counters["p99_us"] = percentile_us(lat, 0.99);
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  state.counters["req_per_s"] = wall_s > 0 ? static_cast<double>(requests) / wall_s : 0;
}

void BM_Rest(benchmark::State& state, Timed what) {
  RestClient c;
  Orders orders;
  WarpClock& clock = sim()->clock();
  std::vector<double> lat;
  lat.reserve(1 << 16);
  int64_t requests = 0;
  const auto start = Clock::now();
  for (auto _ : state) {
    if (what == Timed::kPing) {
      int status = 0;
      const double ns = timed_ns([&] { status = c.round_trip(http::verb::get, "/api/v3/ping"); });
      ++requests;
      if (status != 200) {
        state.SkipWithError("ping failed");
        break;
      }
      lat.push_back(ns);
      state.SetIterationTime(ns / 1e9);
      continue;
    }
    orders.next_id();
    clock.on_order();
    const std::string_view body = orders.rest_place(clock.now_ms());
    int s1 = 0, s2 = 0;
    const double t1 = timed_ns([&] { s1 = c.round_trip(http::verb::post, "/api/v3/order", body); });
    if (s1 != 200) {
      state.SkipWithError(("place: " + c.last_body()).c_str());
      break;
    }
    const std::string target = std::string("/api/v3/order?") + std::string(orders.rest_cancel(clock.now_ms()));
    const double t2 = timed_ns([&] { s2 = c.round_trip(http::verb::delete_, target); });
    requests += 2;
    if (s2 != 200) {
      state.SkipWithError(("cancel: " + c.last_body()).c_str());
      break;
    }
    const double ns = what == Timed::kPlace ? t1 : t2;
    lat.push_back(ns);
    state.SetIterationTime(ns / 1e9);
  }
  report(state, lat, requests, start);
}

void BM_Ws(benchmark::State& state, Timed what) {
  WsClient c;
  Orders orders;
  WarpClock& clock = sim()->clock();
  std::vector<double> lat;
  lat.reserve(1 << 16);
  int64_t requests = 0;
  const auto start = Clock::now();
  for (auto _ : state) {
    if (what == Timed::kPing) {
      bool ok = false;
      const double ns = timed_ns([&] { ok = c.round_trip(R"({"id":"p","method":"ping"})"); });
      ++requests;
      if (!ok) {
        state.SkipWithError(("ping: " + c.last()).c_str());
        break;
      }
      lat.push_back(ns);
      state.SetIterationTime(ns / 1e9);
      continue;
    }
    orders.next_id();
    clock.on_order();
    bool ok1 = false, ok2 = false;
    const std::string_view f1 = orders.ws_place(clock.now_ms());
    const double t1 = timed_ns([&] { ok1 = c.round_trip(f1); });
    if (!ok1) {
      state.SkipWithError(("order.place: " + c.last()).c_str());
      break;
    }
    const std::string_view f2 = orders.ws_cancel(clock.now_ms());
    const double t2 = timed_ns([&] { ok2 = c.round_trip(f2); });
    requests += 2;
    if (!ok2) {
      state.SkipWithError(("order.cancel: " + c.last()).c_str());
      break;
    }
    const double ns = what == Timed::kPlace ? t1 : t2;
    lat.push_back(ns);
    state.SetIterationTime(ns / 1e9);
  }
  report(state, lat, requests, start);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Rest, ping, Timed::kPing)->Name("sim_rest/ping")->UseManualTime();
BENCHMARK_CAPTURE(BM_Rest, place, Timed::kPlace)->Name("sim_rest/order_place")->UseManualTime();
BENCHMARK_CAPTURE(BM_Rest, cancel, Timed::kCancel)->Name("sim_rest/order_cancel")->UseManualTime();
BENCHMARK_CAPTURE(BM_Ws, ping, Timed::kPing)->Name("sim_ws/ping")->UseManualTime();
BENCHMARK_CAPTURE(BM_Ws, place, Timed::kPlace)->Name("sim_ws/order_place")->UseManualTime();
BENCHMARK_CAPTURE(BM_Ws, cancel, Timed::kCancel)->Name("sim_ws/order_cancel")->UseManualTime();

BENCHMARK_MAIN();
