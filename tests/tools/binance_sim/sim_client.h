// Test clients for binance-sim's transport: HTTPS (or plain) requests and WebSocket connections on
// loopback with Boost.Beast, verifying the server certificate against the generated CA and the host
// name 127.0.0.1. Every wait is bounded (async operations run with io_context::run_for), so a server
// bug fails a test instead of hanging it.
//
// The Beast code lives in sim_client.cpp, compiled once into dmabot_sim_test_client: this header
// shows only plain types and forward declarations, so a test that includes it does not instantiate
// Beast's HTTP/WebSocket/TLS templates again (they cost tens of seconds per translation unit).
// Each call runs its own io_context on the calling thread; a WsClient is used from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}
namespace boost::asio::ssl {
class context;
}

namespace dmabot::binance_sim::testing {

using namespace std::chrono_literals;

// A client TLS context. shared_ptr because its deleter is bound where it is made (sim_client.cpp), so
// includers need not see the definition of ssl::context to own one.
using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// TLS context that trusts only `ca_file` and checks the peer's name (IP SAN for "127.0.0.1").
TlsContextPtr client_tls(const std::string& ca_file, const std::string& host = "127.0.0.1");

enum class Method { kGet, kPost, kPut, kDelete };

struct HttpResult {
  bool ok = false;  // a response was read
  std::string error;
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in the order received

  // The first header called `name` (case-insensitive), "" if none.
  [[nodiscard]] std::string header(std::string_view name) const;
};

// Runs ioc until `done` or the deadline; true if done.
bool run_until(boost::asio::io_context& ioc, const bool& done, std::chrono::milliseconds limit);

// One request on a fresh connection. `ctx` null = plain HTTP.
HttpResult http_request(uint16_t port, Method method, const std::string& target, boost::asio::ssl::context* ctx,
                        const std::string& body = "", std::chrono::milliseconds limit = 5000ms,
                        const std::string& extra_header_name = "", const std::string& extra_header_value = "");

// Writes `bytes` as they are on a fresh connection (TLS when ctx is given) and reads one HTTP
// response, while the write may still be going on (a server that answers before reading all of a
// request). For requests http_request cannot make: a lying Content-Length, broken syntax.
HttpResult raw_http_exchange(uint16_t port, const std::string& bytes, boost::asio::ssl::context* ctx,
                             std::chrono::milliseconds limit = 5000ms);

// A WebSocket client (TLS when ctx is given). Connects in the constructor (bounded by 5 s).
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target, boost::asio::ssl::context* ctx);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  [[nodiscard]] bool open() const;
  [[nodiscard]] const std::string& error() const;
  [[nodiscard]] int handshake_status() const;
  [[nodiscard]] int pings() const;
  // Close code the server sent (0 if none: a drop).
  [[nodiscard]] int close_code() const;

  bool send(const std::string& text);

  // Next text message; nullopt on close/error (closed() then true) or after `limit` (closed() false).
  std::optional<std::string> read(std::chrono::milliseconds limit = 5000ms);
  [[nodiscard]] bool closed() const;
  [[nodiscard]] const std::string& read_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A TCP port on 127.0.0.1 held open (listening, never accepting) while the object lives: a port that
// is certainly taken.
class ListeningPort {
 public:
  ListeningPort();
  ~ListeningPort();
  ListeningPort(const ListeningPort&) = delete;
  ListeningPort& operator=(const ListeningPort&) = delete;
  [[nodiscard]] uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::binance_sim::testing
