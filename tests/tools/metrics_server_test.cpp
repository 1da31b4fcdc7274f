#include "tools/metrics_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <string>

namespace dmabot::tools {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A blocking HTTP/1.1 client on one connection (loopback only).
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> request(http::verb method, const std::string& target, bool keep_alive = true) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    req.prepare_payload();
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

http::response<http::string_body> get(uint16_t port, const std::string& target) {
  Client c(port);
  return c.request(http::verb::get, target, false);
}

std::string header(const http::response<http::string_body>& res, http::field f) {
  const auto v = res[f];
  return std::string(v.data(), v.size());
}

TEST(MetricsServerTest, ServesMetricsOnAnEphemeralPort) {
  core::Registry registry;
  core::Counter& c = registry.add_counter("test_events_total", "Events seen by the test.");
  c.inc(3);
  MetricsServer server(registry, "127.0.0.1", 0);
  ASSERT_TRUE(server.start().ok());
  ASSERT_NE(server.port(), 0);

  const auto res = get(server.port(), "/metrics");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(header(res, http::field::content_type), "text/plain; version=0.0.4");
  EXPECT_NE(res.body().find("# TYPE dmabot_test_events_total counter"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("\ndmabot_test_events_total 3"), std::string::npos) << res.body();
  // Rendered per request: a later scrape sees the new value (3 + 4 = 7).
  c.inc(4);
  EXPECT_NE(get(server.port(), "/metrics").body().find("\ndmabot_test_events_total 7"), std::string::npos);
  server.stop();
}

TEST(MetricsServerTest, HealthzAnd404) {
  core::Registry registry;
  MetricsServer server(registry, "127.0.0.1", 0);
  ASSERT_TRUE(server.start().ok());
  const auto health = get(server.port(), "/healthz");
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_EQ(health.body(), "ok");
  EXPECT_EQ(get(server.port(), "/").result(), http::status::not_found);
  EXPECT_EQ(get(server.port(), "/metricsx").result(), http::status::not_found);
  EXPECT_EQ(get(server.port(), "/metrics/").result(), http::status::not_found);
  Client c(server.port());
  EXPECT_EQ(c.request(http::verb::post, "/metrics", false).result(), http::status::not_found);
  EXPECT_EQ(server.requests(), 5u);  // healthz + 3 paths + the POST
}

TEST(MetricsServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  core::Registry registry;
  registry.add_gauge("test_gauge", "A gauge.").set(2.5);
  MetricsServer server(registry, "127.0.0.1", 0);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  EXPECT_EQ(c.request(http::verb::get, "/healthz").body(), "ok");
  EXPECT_NE(c.request(http::verb::get, "/metrics?x=1").body().find("test_gauge 2.5"), std::string::npos);
  EXPECT_EQ(c.request(http::verb::get, "/nope").result(), http::status::not_found);
  EXPECT_EQ(c.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST(MetricsServerTest, TakenPortFailsNamingThePort) {
  core::Registry registry;
  MetricsServer first(registry, "127.0.0.1", 0);
  ASSERT_TRUE(first.start().ok());
  const uint16_t port = first.port();
  MetricsServer second(registry, "127.0.0.1", port);
  const absl::Status st = second.start();
  ASSERT_FALSE(st.ok());
  const std::string msg(st.message());
  EXPECT_NE(msg.find(":" + std::to_string(port)), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(second.port(), 0);
  // The first server is unaffected.
  EXPECT_EQ(get(port, "/healthz").body(), "ok");
}

TEST(MetricsServerTest, BadBindAddressIsRejected) {
  core::Registry registry;
  MetricsServer server(registry, "localhost:99", 0);
  const absl::Status st = server.start();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("localhost:99"), std::string::npos) << st.message();
}

TEST(MetricsServerTest, StopIsPromptWithAnIdleClientAndFreesThePort) {
  core::Registry registry;
  MetricsServer server(registry, "127.0.0.1", 0);
  ASSERT_TRUE(server.start().ok());
  const uint16_t port = server.port();
  Client idle(port);  // connected, keep-alive, never sends: stop() must not wait for its 30 s timeout
  EXPECT_EQ(idle.request(http::verb::get, "/healthz").body(), "ok");
  EXPECT_FALSE(server.start().ok());  // already started
  server.stop();
  server.stop();  // idempotent
  EXPECT_EQ(server.requests(), 1u);
  // Nothing listens any more, and the port can be bound again at once.
  asio::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec) << "still accepting after stop()";
  MetricsServer again(registry, "127.0.0.1", port);
  EXPECT_TRUE(again.start().ok());
}

TEST(MetricsServerTest, DestructorWithoutStartIsFine) {
  core::Registry registry;
  MetricsServer server(registry, "127.0.0.1", 0);
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(server.requests(), 0u);
}

}  // namespace
}  // namespace dmabot::tools
