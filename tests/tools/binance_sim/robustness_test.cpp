// `dmabot binance-sim` as a child process under abuse, then a normal signed order: 200 concurrent
// connections sending garbage (raw bytes at the TLS port, garbage HTTP inside TLS), a slowloris
// client, an oversized body, a flood of malformed WebSocket API frames and an oversized WS message.
// Afterwards the process is alive, answers a signed POST/DELETE /api/v3/order, and exits 0 on SIGTERM.
// Every wait is an event (a read completing, a close) bounded by a deadline; no sleeps.
//
// The sim runs with --request-timeout-ms 1500 (so lingering garbage connections and the slowloris
// are cut quickly) and --fault weight-limit=100000000: the flood comes from 127.0.0.1 like the final
// order, and Binance's per-IP weight ban (418 for minutes) would otherwise refuse that order — the
// limits are tested elsewhere (rate_limiter_test); here the point is that the process survives.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <functional>
#include <random>

#include "core/clock.h"
#include "core/strings.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "tests/tools/binance_sim/sim_client.h"
#include "tests/tools/test_process.h"
#include "tools/binance_sim/security.h"

namespace dmabot::binance_sim {
namespace {

namespace tp = dmabot::testing;
using namespace testing;  // NOLINT
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

struct Ready {
  unsigned spot = 0, futures = 0;
  std::string ca_file;
};

bool parse_ready(const std::string& text, Ready& r) {
  char ca[4096] = {};
  if (std::sscanf(text.c_str(), "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"%4095[^\"]\"}", &r.spot,
                  &r.futures, ca) != 3)
    return false;
  r.ca_file = ca;
  return true;
}

bool alive(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

tcp::endpoint ep(unsigned port) {
  return tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
}

// One abusive connection: connect (TLS or not), write `junk`, then read until the server answers or
// closes. `outcome` is set once: "answer: <first line>" or "closed: <error>".
struct Abuser : std::enable_shared_from_this<Abuser> {
  Abuser(asio::io_context& ioc, ssl::context* ctx) : tcp_(ioc) {
    if (ctx) tls_ = std::make_unique<ssl::stream<tcp::socket&>>(tcp_, *ctx);
  }
  void start(const tcp::endpoint& to, std::string junk, std::function<void()> on_done) {
    junk_ = std::move(junk);
    done_ = std::move(on_done);
    auto self = shared_from_this();
    tcp_.async_connect(to, [self](error_code ec) {
      if (ec) return self->finish("connect: " + ec.message());
      if (!self->tls_) return self->write_then_read();
      self->tls_->async_handshake(ssl::stream_base::client, [self](error_code ec2) {
        if (ec2) return self->finish("handshake: " + ec2.message());
        self->write_then_read();
      });
    });
  }
  void write_then_read() {
    auto self = shared_from_this();
    auto on_read = [self](error_code ec, std::size_t n) {
      if (n > 0) {
        const std::string got(self->buf_, n);
        return self->finish("answer: " + got.substr(0, got.find('\r')));
      }
      self->finish("closed: " + ec.message());
    };
    auto on_write = [](error_code, std::size_t) {};  // a refused write shows in the read
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(junk_), on_write);
      tls_->async_read_some(asio::buffer(buf_), on_read);
    } else {
      asio::async_write(tcp_, asio::buffer(junk_), on_write);
      tcp_.async_read_some(asio::buffer(buf_), on_read);
    }
  }
  void finish(std::string what) {
    if (!outcome.empty()) return;
    outcome = std::move(what);
    error_code ignored;
    tcp_.close(ignored);
    if (done_) done_();
  }

  tcp::socket tcp_;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls_;
  std::string junk_;
  char buf_[512];
  std::function<void()> done_;
  std::string outcome;
};

class BinanceSimRobustness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tp::temp_dir();
    const std::string ready = dir_ + "/ready.json";
    child_ = tp::spawn({tp::dmabot_bin(), "binance-sim", "--ready-file", ready, "--tls-dir", dir_ + "/tls",
                        "--request-timeout-ms", "1500", "--fault", "weight-limit=100000000"},
                       dir_);
    ASSERT_TRUE(tp::wait_for_size(child_, ready, 10, 20)) << tp::read_file(child_.err_path);
    ASSERT_TRUE(parse_ready(tp::read_file(ready), r_)) << tp::read_file(ready);
    tls_ = client_tls(r_.ca_file);
  }
  void TearDown() override {
    if (child_.pid > 0 && alive(child_.pid)) {
      kill(child_.pid, SIGKILL);
      (void)tp::wait_exit(child_, 10);
    }
  }

  // A signed spot request with the engine's encoder and the default account's secret.
  std::string signed_query(bool place, std::string_view client_id) {
    auto signer = binance::HmacSha256Signer::create(kDefaultHmacSecret);
    EXPECT_TRUE(signer.ok());
    binance::ParamList params;
    const int64_t now_ms = core::wall_clock_ns() / kNsPerMs;
    bool built = false;
    if (place) {
      binance::NewOrder o;
      o.symbol = "BTCUSDT";
      o.side = binance::OrderSide::kBuy;
      o.type = binance::OrderType::kLimit;
      o.time_in_force = binance::TimeInForce::kGtc;
      o.quantity = core::Qty::from_raw(1'000'000);  // 0.01: 10 USDT, over NOTIONAL 5
      o.price = core::Price::from_units(1'000);     // far below any walk price: rests
      o.new_client_order_id = client_id;
      o.timestamp_ms = now_ms;
      built = binance::build_new_order(o, params);
    } else {
      binance::OrderRef ref;
      ref.symbol = "BTCUSDT";
      ref.orig_client_order_id = client_id;
      ref.timestamp_ms = now_ms;
      built = binance::build_order_ref(ref, params);
    }
    binance::FixedBuffer<1024> out;
    EXPECT_TRUE(built && binance::encode_query(params, out));
    char sig[binance::kHmacSha256HexSize];
    signer->sign(out.view(), sig);
    EXPECT_TRUE(binance::append_signature(out, std::string_view(sig, sizeof sig)));
    return std::string(out.view());
  }

  std::string dir_;
  tp::Child child_;
  Ready r_;
  TlsContextPtr tls_;
};

TEST_F(BinanceSimRobustness, SurvivesGarbageSlowlorisOversizeAndWsFloodThenTrades) {
  // 1. 200 concurrent connections with garbage: half raw bytes at the TLS listener (no handshake),
  // half garbage HTTP inside a valid TLS session; both listeners. Each must be answered or closed.
  {
    asio::io_context ioc;
    std::mt19937_64 rng(42);
    std::vector<std::shared_ptr<Abuser>> abusers;
    int finished = 0;
    bool all_done = false;
    constexpr int kConns = 200;
    for (int i = 0; i < kConns; ++i) {
      const bool use_tls = i % 2 == 1;
      std::string junk(64 + rng() % 2048, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      if (use_tls && i % 4 == 1) junk = "GARBAGE /\x01\x02 HTTP/9.9\r\nHost \r\n\r\n" + junk;
      auto a = std::make_shared<Abuser>(ioc, use_tls ? tls_.get() : nullptr);
      a->start(ep(i % 3 == 0 ? r_.futures : r_.spot), std::move(junk), [&] { all_done = ++finished == kConns; });
      abusers.push_back(std::move(a));
    }
    ASSERT_TRUE(run_until(ioc, all_done, 30'000ms)) << finished << " of " << kConns << " connections ended";
    int http_400 = 0;
    for (const auto& a : abusers) {
      EXPECT_TRUE(a->outcome.rfind("answer: ", 0) == 0 || a->outcome.rfind("closed: ", 0) == 0) << a->outcome;
      EXPECT_EQ(a->outcome.rfind("connect: ", 0), std::string::npos) << a->outcome;
      if (a->outcome.rfind("answer: HTTP/1.1 4", 0) == 0) ++http_400;
    }
    EXPECT_GT(http_400, 0);  // garbage HTTP inside TLS is answered with a 4xx, not just dropped
    ASSERT_TRUE(alive(child_.pid)) << tp::read_file(child_.err_path);
  }

  // 2. Slowloris: one header byte per 100 ms is cut at the request deadline; meanwhile others are served.
  {
    asio::io_context ioc;
    ssl::stream<tcp::socket> s(ioc, *tls_);
    s.lowest_layer().connect(ep(r_.spot));
    s.handshake(ssl::stream_base::client);
    const std::string req = "GET /api/v3/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    std::size_t sent = 0;
    bool closed = false;
    asio::steady_timer drip(ioc);
    std::function<void()> send_one = [&] {
      const char c = sent < req.size() ? req[sent] : 'x';
      ++sent;
      asio::async_write(s, asio::buffer(&c, 1), [&](error_code ec, std::size_t) {
        if (ec || closed) return;
        drip.expires_after(100ms);  // the slow client's pace, not a synchronisation
        drip.async_wait([&](error_code e) {
          if (!e && !closed) send_one();
        });
      });
    };
    char buf[256];
    std::size_t got = 0;
    const auto start = std::chrono::steady_clock::now();
    s.async_read_some(asio::buffer(buf), [&](error_code, std::size_t n) {
      got = n;
      closed = true;
      drip.cancel();
    });
    send_one();
    // While it drips: a normal request on another connection is answered.
    auto ping = http_request(static_cast<uint16_t>(r_.spot), Method::kGet, "/api/v3/ping", tls_.get());
    EXPECT_TRUE(ping.ok && ping.status == 200 && ping.body == "{}") << ping.error << ping.body;
    ASSERT_TRUE(run_until(ioc, closed, 15'000ms)) << "slowloris connection never cut";
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 1000ms);
    EXPECT_GT(sent, 5u);
    if (got > 0) EXPECT_EQ(std::string(buf, got).rfind("HTTP/1.1 408", 0), 0u) << std::string(buf, got);
  }

  // 3. An oversized body (Content-Length 10 MB, 256 KiB actually sent): 413 with Binance's error shape.
  {
    const std::string head =
        "POST /api/v3/order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 10000000\r\n\r\n";
    auto res =
        raw_http_exchange(static_cast<uint16_t>(r_.spot), head + std::string(256 * 1024, 'a'), tls_.get(), 10'000ms);
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(res.status, 413);
    EXPECT_EQ(res.body.rfind("{\"code\":", 0), 0u) << res.body;
  }

  // 4. WebSocket API flood of malformed frames: each is answered with an error (or the server ends the
  // connection); an oversized message closes with 1009. Both products.
  for (unsigned port : {r_.spot, r_.futures}) {
    const std::string target = port == r_.spot ? "/ws-api/v3" : "/ws-fapi/v1";
    WsClient ws(static_cast<uint16_t>(port), target, tls_.get());
    ASSERT_TRUE(ws.open()) << ws.error();
    std::mt19937_64 rng(port);
    constexpr int kFrames = 500;
    int sent = 0;
    for (; sent < kFrames; ++sent) {
      std::string f;
      switch (sent % 5) {
        case 0:
          f = "{";
          break;
        case 1:
          f = R"({"id":1,"method":"order.place","params":{"symbol":"BTCUSDT","price":"NaN"}})";
          break;
        case 2:
          f = R"({"id":[],"method":{},"params":7})";
          break;
        case 3:
          f = std::string(1 + rng() % 300, 'z');
          break;
        default:
          f = R"({"id":"x","method":"order.cancel","params":{"symbol":"\u0000\ud800","orderId":-1}})";
      }
      if (!ws.send(f)) break;
    }
    int errors = 0;
    while (errors < sent) {
      auto m = ws.read(10'000ms);
      if (!m) break;
      if (m->find("\"error\":{\"code\":") != std::string::npos) ++errors;
    }
    EXPECT_TRUE(errors == sent || ws.closed()) << errors << " errors for " << sent << " frames on " << target;
    EXPECT_EQ(sent, kFrames);

    WsClient big(static_cast<uint16_t>(port), target, tls_.get());
    ASSERT_TRUE(big.open()) << big.error();
    (void)big.send(std::string(64 * 1024 + 100, 'q'));  // just over the 64 KiB limit
    EXPECT_FALSE(big.read(10'000ms).has_value());
    EXPECT_TRUE(big.closed());
    EXPECT_EQ(big.close_code(), 1009) << big.read_error();
    ASSERT_TRUE(alive(child_.pid)) << tp::read_file(child_.err_path);
  }

  // 5. The venue still trades: a signed order is placed and cancelled, and SIGTERM ends it cleanly.
  ASSERT_TRUE(alive(child_.pid)) << tp::read_file(child_.err_path);
  auto place =
      http_request(static_cast<uint16_t>(r_.spot), Method::kPost, "/api/v3/order?" + signed_query(true, "robust-1"),
                   tls_.get(), "", 5000ms, "X-MBX-APIKEY", std::string(kDefaultApiKey));
  ASSERT_TRUE(place.ok) << place.error;
  EXPECT_EQ(place.status, 200) << place.body;
  EXPECT_NE(place.body.find("\"status\":\"NEW\""), std::string::npos) << place.body;
  auto cancel =
      http_request(static_cast<uint16_t>(r_.spot), Method::kDelete, "/api/v3/order?" + signed_query(false, "robust-1"),
                   tls_.get(), "", 5000ms, "X-MBX-APIKEY", std::string(kDefaultApiKey));
  ASSERT_TRUE(cancel.ok) << cancel.error;
  EXPECT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_NE(cancel.body.find("\"status\":\"CANCELED\""), std::string::npos) << cancel.body;
  kill(child_.pid, SIGTERM);
  EXPECT_EQ(tp::wait_exit(child_, 10), 0) << tp::read_file(child_.err_path);
  child_.pid = -1;
}

}  // namespace
}  // namespace dmabot::binance_sim
