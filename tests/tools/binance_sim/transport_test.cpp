// binance-sim transport on loopback: TLS with the generated CA, REST routing and Binance's answers,
// streams (raw, combined, live SUBSCRIBE, futures routes, µs variants), WebSocket API plumbing,
// limits (oversized, slowloris, max connections, message size, pings), and the transport faults.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <functional>
#include <future>
#include <thread>

#include "core/clock.h"
#include "tests/tools/binance_sim/sim_client.h"
#include "tools/binance_sim/basic_venue.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/tls_identity.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// The stand-in venue plus what tests need: listen-key validation and a WS API echo.
class TestVenue final : public Venue {
 public:
  HttpResponse on_http(Product p, const HttpRequest& r) override {
    last_api_key = r.api_key;
    last_query = r.query;
    return basic.on_http(p, r);
  }
  void on_ws_api_open(const WsConnectionPtr& c) override { api_conns.push_back(c); }
  void on_ws_api_text(const WsConnectionPtr& c, std::string_view text) override {
    c->send_text(std::string("echo:") + std::string(text) + (c->time_unit_us() ? ":us" : ":ms"));
  }
  void on_ws_api_close(const WsConnectionPtr& c) override { std::erase(api_conns, c); }
  bool validate_listen_key(std::string_view k) override { return k.substr(0, 5) == "good-"; }

  BasicVenue basic;
  std::string last_api_key, last_query;
  std::vector<WsConnectionPtr> api_conns;
};

class SimServer {
 public:
  explicit SimServer(ServerOptions opt) : server_(ioc_, std::move(opt), venue_) {
    start_error_ = server_.start();
    if (start_error_.empty()) thread_ = std::thread([this] { ioc_.run(); });
    if (!server_.ca_file().empty()) tls_ = client_tls(server_.ca_file());
  }
  ~SimServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  // Runs f on the io thread and waits for its result.
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> p;
    boost::asio::post(ioc_, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
  std::size_t publish(Product p, StreamRoute r, std::string s, std::string ms, std::string us = "") {
    return on_io([&] { return server_.publish(p, r, s, ms, us); });
  }

  Server& server() { return server_; }
  TestVenue& venue() { return venue_; }
  boost::asio::ssl::context* tls() { return tls_.get(); }
  const std::string& start_error() const { return start_error_; }

 private:
  boost::asio::io_context ioc_{1};
  TestVenue venue_;
  Server server_;
  std::string start_error_;
  std::thread thread_;
  TlsContextPtr tls_;
};

std::string temp_dir() {
  char tmpl[] = "/tmp/dmabot_simnet_XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

ServerOptions base_options() {
  ServerOptions o;
  o.tls_dir = temp_dir() + "/tls";
  return o;
}

// Bounded polling of a server counter (the event itself is on the server's side).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);  // polling a condition, bounded
  }
  return pred();
}

int64_t now_ms() { return core::wall_clock_ns() / 1'000'000; }

// ------------------------------------------------------------------------------------------- REST

TEST(BinanceSimTransport, TlsVerifiesAgainstGeneratedCaAndAnswersPingTime) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  ASSERT_NE(sim.server().spot_port(), 0);
  ASSERT_NE(sim.server().futures_port(), 0);
  ASSERT_NE(sim.server().spot_port(), sim.server().futures_port());

  // Binance: GET /api/v3/ping -> {} ; GET /api/v3/time -> {"serverTime":<ms>} (rest-api.md).
  auto ping = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls());
  ASSERT_TRUE(ping.ok) << ping.error;
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "{}");
  const int64_t before = now_ms();
  auto t = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/time", sim.tls());
  const int64_t after = now_ms();
  ASSERT_TRUE(t.ok) << t.error;
  long long server_time = 0;
  ASSERT_EQ(std::sscanf(t.body.c_str(), "{\"serverTime\":%lld}", &server_time), 1) << t.body;
  EXPECT_GE(server_time, before);
  EXPECT_LE(server_time, after);

  auto fping = http_request(sim.server().futures_port(), Method::kGet, "/fapi/v1/ping", sim.tls());
  ASSERT_TRUE(fping.ok) << fping.error;
  EXPECT_EQ(fping.body, "{}");
  auto ftime = http_request(sim.server().futures_port(), Method::kGet, "/fapi/v1/time", sim.tls());
  ASSERT_TRUE(ftime.ok);
  EXPECT_EQ(ftime.body.rfind("{\"serverTime\":", 0), 0u) << ftime.body;

  // The venue sees the raw query and the API key header.
  auto q = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping?a=1%2B&b=2", sim.tls(), "", 5000ms,
                        "X-MBX-APIKEY", "key123");
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(sim.on_io([&] { return sim.venue().last_query; }), "a=1%2B&b=2");
  EXPECT_EQ(sim.on_io([&] { return sim.venue().last_api_key; }), "key123");

  // The certificate names localhost as well; any other name fails verification.
  auto localhost_ctx = client_tls(sim.server().ca_file(), "localhost");
  EXPECT_TRUE(http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", localhost_ctx.get()).ok);
  auto wrong = client_tls(sim.server().ca_file(), "example.com");
  auto bad = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", wrong.get());
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.error.find("handshake"), std::string::npos) << bad.error;
}

TEST(BinanceSimTransport, GivenCertificateAndKeyAreServed) {
  const std::string dir = temp_dir();
  TlsIdentity id;
  ASSERT_EQ(make_tls_identity(dir + "/made", id), "");
  auto write = [](const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  };
  write(dir + "/chain.pem", id.cert_chain_pem);
  write(dir + "/key.pem", id.key_pem);
  ServerOptions o;
  o.tls_cert = dir + "/chain.pem";
  o.tls_key = dir + "/key.pem";
  {
    SimServer sim(o);
    ASSERT_EQ(sim.start_error(), "");
    EXPECT_EQ(sim.server().ca_file(), o.tls_cert);
    auto ctx = client_tls(id.ca_file);  // the CA that signed the given certificate
    auto r = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", ctx.get());
    EXPECT_TRUE(r.ok) << r.error;
  }
  // A key that is not the certificate's: refused at start, naming both flags.
  TlsIdentity other;
  ASSERT_EQ(make_tls_identity(dir + "/other", other), "");
  write(dir + "/other_key.pem", other.key_pem);
  o.tls_key = dir + "/other_key.pem";
  SimServer bad(o);
  EXPECT_EQ(bad.start_error(), "--tls-key " + o.tls_key + " does not match --tls-cert " + o.tls_cert);
  o.tls_key = dir + "/missing.pem";
  SimServer missing(o);
  EXPECT_EQ(missing.start_error(), "--tls-key " + o.tls_key + ": cannot read it");
}

TEST(BinanceSimTransport, UnknownPathsAnswerBinance404Shape) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  for (auto [port, target] :
       {std::pair{sim.server().spot_port(), "/api/v3/nope"},
        std::pair{sim.server().spot_port(), "/fapi/v1/ping"},  // futures path on spot
        std::pair{sim.server().futures_port(), "/api/v3/ping"}, std::pair{sim.server().spot_port(), "/"},
        std::pair{sim.server().spot_port(), "/ws"}}) {  // stream path without upgrade
    auto r = http_request(port, Method::kGet, target, sim.tls());
    ASSERT_TRUE(r.ok) << target << ": " << r.error;
    EXPECT_EQ(r.status, 404) << target;
    // Not a JSON error body: Binance's unknown paths answer an HTML page (docs/BINANCE_SIM.md).
    EXPECT_EQ(r.header("Content-Type"), "text/html") << target;
    EXPECT_EQ(r.body.find("\"code\""), std::string::npos) << target;
  }
}

TEST(BinanceSimTransport, OversizedBodyAndHeaderGetBinanceErrorsAndServerLivesOn) {
  ServerOptions o = base_options();
  o.limits.body_limit = 1024;
  o.limits.header_limit = 2048;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  // 512 KiB: the 413 goes out after the headers while the client is still sending; the server must
  // drain what follows, or its close resets the connection and the client never reads the answer.
  auto big =
      http_request(sim.server().spot_port(), Method::kPost, "/api/v3/order", sim.tls(), std::string(512 * 1024, 'a'));
  ASSERT_TRUE(big.ok) << big.error;
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body.rfind("{\"code\":-1000,\"msg\":\"", 0), 0u) << big.body;
  auto hdr = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls(), "", 5000ms, "X-Big",
                          std::string(4096, 'b'));
  ASSERT_TRUE(hdr.ok) << hdr.error;
  EXPECT_EQ(hdr.status, 431);
  EXPECT_EQ(hdr.body.rfind("{\"code\":-1000,", 0), 0u) << hdr.body;
  EXPECT_EQ(sim.server().stats().http_rejected.load(), 2u);
  auto ping = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls());
  EXPECT_TRUE(ping.ok && ping.body == "{}");
}

TEST(BinanceSimTransport, MalformedHttpGets400) {
  ServerOptions o = base_options();
  o.plain_http = true;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), sim.server().spot_port()));
  const std::string junk = "NOT HTTP AT ALL\r\n\r\n";
  asio::write(s, asio::buffer(junk));
  std::string got;
  error_code ec;
  char buf[1024];
  for (;;) {
    const std::size_t n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("{\"code\":-1000,"), std::string::npos) << got;
}

// A client that sends one header byte at a time is cut at the request deadline, and the server
// keeps serving others meanwhile.
TEST(BinanceSimTransport, SlowlorisIsCutAtTheRequestDeadline) {
  ServerOptions o = base_options();
  o.plain_http = true;
  o.limits.request_timeout = 400ms;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), sim.server().spot_port()));
  const std::string req = "GET /api/v3/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  std::size_t sent = 0;
  asio::steady_timer drip(ioc);
  std::function<void()> send_one = [&] {
    const char c = sent < req.size() ? req[sent] : 'x';
    ++sent;
    asio::async_write(s, asio::buffer(&c, 1), [&](error_code ec, std::size_t) {
      if (ec) return;
      drip.expires_after(50ms);  // the slow client's pace, not a synchronisation
      drip.async_wait([&](error_code e) {
        if (!e) send_one();
      });
    });
  };
  bool closed = false;
  char buf[64];
  const auto start = std::chrono::steady_clock::now();
  s.async_read_some(asio::buffer(buf), [&](error_code, std::size_t) {
    closed = true;
    drip.cancel();
  });
  send_one();
  ASSERT_TRUE(run_until(ioc, closed, 10'000ms));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 5000ms);
  EXPECT_GE(sent, 5u);
  EXPECT_TRUE(eventually([&] { return sim.server().stats().timeouts.load() == 1u; }));
}

TEST(BinanceSimTransport, SilentTlsClientIsCutAtTheHandshakeDeadline) {
  ServerOptions o = base_options();
  o.limits.request_timeout = 300ms;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), sim.server().spot_port()));
  bool closed = false;
  char buf[64];
  s.async_read_some(asio::buffer(buf), [&](error_code, std::size_t) { closed = true; });
  EXPECT_TRUE(run_until(ioc, closed, 5000ms));
  EXPECT_TRUE(eventually([&] { return sim.server().stats().timeouts.load() == 1u; }));
}

TEST(BinanceSimTransport, ConnectionsOverTheLimitAreRefusedIdleOnesEvicted) {
  ServerOptions o = base_options();
  o.limits.max_connections = 2;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient a(sim.server().spot_port(), "/ws", sim.tls());
  WsClient b(sim.server().spot_port(), "/ws", sim.tls());
  ASSERT_TRUE(a.open() && b.open());
  auto third = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls());
  EXPECT_FALSE(third.ok);
  EXPECT_TRUE(eventually([&] { return sim.server().stats().refused.load() == 1u; }));
  // The futures listener has its own budget.
  EXPECT_TRUE(http_request(sim.server().futures_port(), Method::kGet, "/fapi/v1/ping", sim.tls()).ok);
  // WebSocket connections still work after the refusal.
  ASSERT_TRUE(a.send(R"({"method":"LIST_SUBSCRIPTIONS","id":1})"));
  EXPECT_EQ(a.read(), R"({"result":[],"id":1})");
}

// ---------------------------------------------------------------------------------------- streams

TEST(BinanceSimTransport, RawAndCombinedStreamsWithLiveSubscribe) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  const uint16_t port = sim.server().spot_port();
  WsClient combined(port, "/stream?streams=btcusdt@bookTicker/ethusdt@trade", sim.tls());
  WsClient raw(port, "/ws/btcusdt@bookTicker", sim.tls());
  ASSERT_TRUE(combined.open()) << combined.error();
  ASSERT_TRUE(raw.open()) << raw.error();
  // Handshakes completed on the server before publishing (its counter, not a sleep).
  ASSERT_TRUE(eventually([&] { return sim.server().stats().ws_open_now.load() == 2; }));

  const std::string bt = R"({"u":1,"s":"BTCUSDT","b":"1.00","B":"2","a":"1.01","A":"3"})";
  EXPECT_EQ(sim.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@bookTicker", bt), 2u);
  EXPECT_EQ(combined.read(), std::string(R"({"stream":"btcusdt@bookTicker","data":)") + bt + "}");
  EXPECT_EQ(raw.read(), bt);

  // Binance's live control messages (web-socket-streams.md): numeric and string ids echoed.
  ASSERT_TRUE(raw.send(R"({"method":"SUBSCRIBE","params":["ethusdt@trade","bnbusdt@depth"],"id":7})"));
  EXPECT_EQ(raw.read(), R"({"result":null,"id":7})");
  ASSERT_TRUE(
      raw.send(R"({"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":"0123456789abcdef0123456789abcdef"})"));
  EXPECT_EQ(raw.read(), R"({"result":null,"id":"0123456789abcdef0123456789abcdef"})");
  ASSERT_TRUE(raw.send(R"({"method":"LIST_SUBSCRIPTIONS","id":3})"));
  EXPECT_EQ(raw.read(), R"({"result":["ethusdt@trade","bnbusdt@depth"],"id":3})");
  ASSERT_TRUE(raw.send(R"({"method":"GET_PROPERTY","params":["combined"],"id":4})"));
  EXPECT_EQ(raw.read(), R"({"result":false,"id":4})");

  // After UNSUBSCRIBE the raw connection gets no bookTicker: the next thing it reads is the trade.
  EXPECT_EQ(sim.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@bookTicker", bt), 1u);
  const std::string trade = R"({"e":"trade","E":5,"s":"ETHUSDT","t":1})";
  EXPECT_EQ(sim.publish(Product::kSpot, StreamRoute::kSpot, "ethusdt@trade", trade), 2u);
  EXPECT_EQ(raw.read(), trade);
  EXPECT_EQ(combined.read(), std::string(R"({"stream":"btcusdt@bookTicker","data":)") + bt + "}");
  EXPECT_EQ(combined.read(), std::string(R"({"stream":"ethusdt@trade","data":)") + trade + "}");
  // Spot events never reach a futures publish and vice versa.
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kPublic, "ethusdt@trade", trade), 0u);
}

TEST(BinanceSimTransport, MalformedControlMessagesGetBinanceStreamErrors) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  WsClient c(sim.server().spot_port(), "/ws", sim.tls());
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(c.send("{not json"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rfind(R"({"code":3,"msg":"Invalid JSON: expected value at line 1 column )", 0), 0u) << *r;
  ASSERT_TRUE(c.send(R"({"method":"SUBSCRIB","params":[],"id":1})"));
  EXPECT_EQ(
      c.read(),
      R"({"code":2,"msg":"Invalid request: unknown variant `SUBSCRIB`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"})");
  ASSERT_TRUE(c.send(R"({"params":[],"id":1})"));
  EXPECT_EQ(c.read(), R"({"code":2,"msg":"Invalid request: missing field `method`"})");
  ASSERT_TRUE(c.send(R"({"method":"SUBSCRIBE","params":[]})"));
  EXPECT_EQ(c.read(), R"({"code":2,"msg":"Invalid request: request ID must be an unsigned integer"})");
  ASSERT_TRUE(c.send(R"({"method":"SET_PROPERTY","params":["nope",true],"id":9})"));
  EXPECT_EQ(c.read(), R"({"code":0,"msg":"Unknown property","id":9})");
  ASSERT_TRUE(c.send(std::string("\x01\x02", 2)));
  r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rfind(R"({"code":3,)", 0), 0u) << *r;
  EXPECT_EQ(sim.server().stats().ws_control_errors.load(), 6u);
  // Still connected and serving.
  ASSERT_TRUE(c.send(R"({"method":"SUBSCRIBE","params":["a@b"],"id":2})"));
  EXPECT_EQ(c.read(), R"({"result":null,"id":2})");
  // A text frame that is not UTF-8 breaks the WebSocket protocol itself (RFC 6455 8.1): close 1007.
  ASSERT_TRUE(c.send(std::string("\xff\xfe", 2)));
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.close_code(), 1007);
  EXPECT_TRUE(http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls()).ok);
}

TEST(BinanceSimTransport, OversizedWsMessageClosesWith1009) {
  ServerOptions o = base_options();
  o.limits.ws_message_limit = 1024;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient c(sim.server().spot_port(), "/ws", sim.tls());
  ASSERT_TRUE(c.open());
  c.send(std::string(4096, ' '));
  EXPECT_FALSE(c.read());
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.close_code(), 1009) << c.read_error();
  EXPECT_TRUE(http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls()).ok);
}

TEST(BinanceSimTransport, FuturesRoutesAreSeparateAndNoRouteMeansPublic) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  const uint16_t port = sim.server().futures_port();
  WsClient market(port, "/market/stream?streams=btcusdt@markPrice@1s", sim.tls());
  WsClient wrong(port, "/public/stream?streams=btcusdt@markPrice@1s/btcusdt@bookTicker", sim.tls());
  WsClient noroute(port, "/ws/btcusdt@bookTicker", sim.tls());
  WsClient priv(port, "/private/ws?listenKey=good-key1", sim.tls());
  WsClient priv2(port, "/private/stream?streams=", sim.tls());
  for (WsClient* c : {&market, &wrong, &noroute, &priv, &priv2}) ASSERT_TRUE(c->open()) << c->error();
  ASSERT_TRUE(eventually([&] { return sim.server().stats().ws_open_now.load() == 5; }));

  const std::string mp = R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.0"})";
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kMarket, "btcusdt@markPrice@1s", mp), 1u);
  EXPECT_EQ(market.read(), std::string(R"({"stream":"btcusdt@markPrice@1s","data":)") + mp + "}");
  const std::string bt = R"({"e":"bookTicker","u":2,"s":"BTCUSDT"})";
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kPublic, "btcusdt@bookTicker", bt), 2u);
  // The /public connection asked for markPrice too but got only the bookTicker.
  EXPECT_EQ(wrong.read(), std::string(R"({"stream":"btcusdt@bookTicker","data":)") + bt + "}");
  EXPECT_EQ(noroute.read(), bt);

  // User data: listenKey in the URL, or SUBSCRIBE on /private (what the official connector does).
  ASSERT_TRUE(priv2.send(R"({"method":"SUBSCRIBE","params":["good-key2","bad-key"],"id":"a1"})"));
  EXPECT_EQ(priv2.read(), R"({"result":null,"id":"a1"})");
  ASSERT_TRUE(priv2.send(R"({"method":"LIST_SUBSCRIPTIONS","id":2})"));
  EXPECT_EQ(priv2.read(), R"({"result":["good-key2"],"id":2})");
  const std::string ev = R"({"e":"ACCOUNT_UPDATE","E":3})";
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kPrivate, "good-key1", ev), 1u);
  EXPECT_EQ(priv.read(), ev);
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kPrivate, "good-key2", ev), 1u);
  EXPECT_EQ(priv2.read(), std::string(R"({"stream":"good-key2","data":)") + ev + "}");
  EXPECT_EQ(sim.publish(Product::kUsdmFutures, StreamRoute::kPublic, "good-key1", ev), 0u);

  // A listenKey the venue does not know: the upgrade is refused with Binance's -1125.
  WsClient refused(port, "/private/ws/bad-key", sim.tls());
  EXPECT_FALSE(refused.open());
  EXPECT_EQ(refused.handshake_status(), 400);
  // close_subscribers ends the listenKey's connections (after listenKeyExpired).
  EXPECT_EQ(sim.on_io([&] {
    return sim.server().close_subscribers(Product::kUsdmFutures, StreamRoute::kPrivate, "good-key1");
  }),
            1u);
  EXPECT_FALSE(priv.read());
  EXPECT_EQ(priv.close_code(), 1000);
}

TEST(BinanceSimTransport, MicrosecondConnectionsGetTheMicrosecondVariant) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  WsClient us(sim.server().spot_port(), "/stream?streams=btcusdt@trade&timeUnit=MICROSECOND", sim.tls());
  WsClient us_lower(sim.server().spot_port(), "/ws/btcusdt@trade?timeUnit=microsecond", sim.tls());
  WsClient ms(sim.server().spot_port(), "/ws/btcusdt@trade", sim.tls());
  ASSERT_TRUE(us.open() && us_lower.open() && ms.open());
  ASSERT_TRUE(eventually([&] { return sim.server().stats().ws_open_now.load() == 3; }));
  EXPECT_EQ(sim.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@trade", R"({"E":1})", R"({"E":1000})"), 3u);
  EXPECT_EQ(us.read(), R"({"stream":"btcusdt@trade","data":{"E":1000}})");
  EXPECT_EQ(us_lower.read(), R"({"E":1000})");
  EXPECT_EQ(ms.read(), R"({"E":1})");
  // Without a µs variant everyone gets the ms payload.
  sim.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@trade", R"({"x":2})");
  EXPECT_EQ(us_lower.read(), R"({"x":2})");
}

TEST(BinanceSimTransport, WsApiConnectionsReachTheVenueAndCanBePushedTo) {
  SimServer sim(base_options());
  ASSERT_EQ(sim.start_error(), "");
  WsClient spot(sim.server().spot_port(), "/ws-api/v3", sim.tls());
  WsClient fut(sim.server().futures_port(), "/ws-fapi/v1?timeUnit=MICROSECOND", sim.tls());
  ASSERT_TRUE(spot.open() && fut.open());
  ASSERT_TRUE(spot.send(R"({"id":"x","method":"ping"})"));
  EXPECT_EQ(spot.read(), R"(echo:{"id":"x","method":"ping"}:ms)");
  ASSERT_TRUE(fut.send("{}"));
  EXPECT_EQ(fut.read(), "echo:{}:us");
  // Later pushes through the kept handle (user data).
  EXPECT_EQ(sim.on_io([&] {
    int n = 0;
    for (auto& c : sim.venue().api_conns) n += c->send_text("{\"event\":{\"e\":\"x\"}}") ? 1 : 0;
    return n;
  }),
            2);
  EXPECT_EQ(spot.read(), R"({"event":{"e":"x"}})");
  EXPECT_EQ(fut.read(), R"({"event":{"e":"x"}})");
  // Wrong-product WS API paths do not exist.
  WsClient none(sim.server().spot_port(), "/ws-fapi/v1", sim.tls());
  EXPECT_FALSE(none.open());
  EXPECT_EQ(none.handshake_status(), 404);
}

// -------------------------------------------------------------------------------- pings and ages

TEST(BinanceSimTransport, ServerPingsAndClosesClientsThatNeverPong) {
  ServerOptions o = base_options();
  o.limits.ws_ping_interval = 50ms;
  o.limits.ws_pong_timeout = 300ms;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient reader(sim.server().spot_port(), "/ws", sim.tls());  // reads, so Beast answers each ping
  WsClient deaf(sim.server().spot_port(), "/ws", sim.tls());    // never reads: never pongs
  ASSERT_TRUE(reader.open() && deaf.open());
  // The reader stays connected through several pings while the deaf one is closed.
  while (sim.server().stats().ws_pong_timeouts.load() == 0) {
    ASSERT_FALSE(reader.read(100ms)) << "no data expected";
    ASSERT_FALSE(reader.closed()) << reader.read_error();
  }
  EXPECT_GE(reader.pings(), 3);
  EXPECT_TRUE(eventually([&] { return sim.server().stats().ws_pong_timeouts.load() == 1u; }));
  EXPECT_FALSE(deaf.read());
  EXPECT_TRUE(deaf.closed());
}

TEST(BinanceSimTransport, ConnectionsCloseAtMaxAgeWithGoingAway) {
  ServerOptions o = base_options();
  o.limits.ws_max_age = 300ms;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient c(sim.server().spot_port(), "/ws", sim.tls());
  ASSERT_TRUE(c.open());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.read(5000ms));
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.close_code(), 1001);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_TRUE(eventually([&] { return sim.server().stats().ws_aged_out.load() == 1u; }));
}

// ---------------------------------------------------------------------------------------- faults

TEST(BinanceSimTransport, FaultDropWsEverySecondsCutsEveryConnection) {
  ServerOptions o = base_options();
  o.faults.drop_ws_every_s = 0.3;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient s(sim.server().spot_port(), "/ws", sim.tls());
  WsClient a(sim.server().futures_port(), "/ws-fapi/v1", sim.tls());
  ASSERT_TRUE(s.open() && a.open());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s.read(5000ms));
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_code(), 0);  // a drop, not a close frame
  EXPECT_FALSE(a.read(5000ms));
  EXPECT_TRUE(a.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  EXPECT_TRUE(eventually([&] { return sim.server().stats().ws_dropped.load() >= 2u; }));
  // New connections are accepted after a drop (the fault repeats, the listener stays).
  WsClient again(sim.server().spot_port(), "/ws", sim.tls());
  EXPECT_TRUE(again.open());
}

TEST(BinanceSimTransport, FaultLatencyDelaysResponsesAndEvents) {
  ServerOptions o = base_options();
  o.faults.latency_ms = 250;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  auto t0 = std::chrono::steady_clock::now();
  auto r = http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls());
  ASSERT_TRUE(r.ok);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  WsClient c(sim.server().spot_port(), "/ws/x@y", sim.tls());
  ASSERT_TRUE(c.open());
  ASSERT_TRUE(eventually([&] { return sim.server().stats().ws_open_now.load() == 1; }));
  // Concurrent requests are delayed in parallel (timers, not a blocked io thread).
  t0 = std::chrono::steady_clock::now();
  auto f1 = std::async(std::launch::async,
                       [&] { return http_request(sim.server().spot_port(), Method::kGet, "/api/v3/ping", sim.tls()); });
  auto f2 = std::async(std::launch::async, [&] {
    return http_request(sim.server().futures_port(), Method::kGet, "/fapi/v1/ping", sim.tls());
  });
  EXPECT_TRUE(f1.get().ok);
  EXPECT_TRUE(f2.get().ok);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
  t0 = std::chrono::steady_clock::now();
  sim.publish(Product::kSpot, StreamRoute::kSpot, "x@y", "{\"n\":1}");
  EXPECT_EQ(c.read(), "{\"n\":1}");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
}

TEST(BinanceSimTransport, FaultStallStreamGoesSilentThenResumes) {
  ServerOptions o = base_options();
  o.faults.stall_stream_s = 0.4;
  o.limits.ws_ping_interval = 100ms;
  SimServer sim(o);
  ASSERT_EQ(sim.start_error(), "");
  WsClient c(sim.server().spot_port(), "/ws/x@y", sim.tls());
  WsClient user(sim.server().futures_port(), "/private/ws/good-k", sim.tls());
  ASSERT_TRUE(c.open() && user.open());
  ASSERT_TRUE(eventually([&] { return sim.server().stats().ws_open_now.load() == 2; }));
  // A publisher on the io thread, every 20 ms for 1.4 s, numbering its events.
  auto pub = std::make_shared<asio::steady_timer>(sim.server().io_context());
  auto n = std::make_shared<int>(0);
  auto user_sent = std::make_shared<int>(0);
  std::function<void()> tick;
  tick = [&, pub, n, user_sent] {
    ++*n;
    sim.server().publish(Product::kSpot, StreamRoute::kSpot, "x@y", std::to_string(*n));
    *user_sent += static_cast<int>(
        sim.server().publish(Product::kUsdmFutures, StreamRoute::kPrivate, "good-k", std::to_string(*n)));
    if (*n >= 70) return;
    pub->expires_after(20ms);
    pub->async_wait([&](error_code ec) {
      if (!ec) tick();
    });
  };
  struct StopPublisher {  // before `tick` goes away, make sure no timer will call it again
    SimServer& sim;
    std::shared_ptr<asio::steady_timer> pub;
    std::shared_ptr<int> n;
    ~StopPublisher() {
      sim.on_io([&] {
        *n = 1000;
        pub->cancel();
        return 0;
      });
    }
  } stop_publisher{sim, pub, n};
  boost::asio::post(sim.server().io_context(), tick);
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> got;
  while (auto m = c.read(1500ms)) {
    got.emplace_back(std::stoi(*m), std::chrono::steady_clock::now());
    if (got.back().first >= 70) break;
  }
  ASSERT_FALSE(c.closed()) << c.read_error();
  ASSERT_GE(got.size(), 10u);
  // Events were dropped (not queued) during the silence, and a silent gap of about 0.4 s happened
  // with events before and after it.
  EXPECT_LT(got.size(), 60u);
  bool gap = false;
  for (std::size_t i = 1; i < got.size(); ++i)
    if (got[i].second - got[i - 1].second >= 300ms && got[i].first - got[i - 1].first >= 10) gap = true;
  EXPECT_TRUE(gap);
  EXPECT_GE(c.pings(), 3);  // the connection stays alive through the stall
  // User data on /private is not a market stream: never stalled.
  ASSERT_TRUE(eventually([&] { return sim.on_io([&] { return *n; }) >= 70; }));
  EXPECT_EQ(sim.on_io([&] { return *user_sent; }), 70);
}

}  // namespace
}  // namespace dmabot::binance_sim
