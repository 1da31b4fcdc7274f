#include "tools/metrics_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>

#include "core/log.h"
#include "core/runner.h"
#include "core/strings.h"

namespace dmabot::tools {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr std::size_t kRequestLimit = 8 * 1024;
constexpr std::string_view kPrometheusType = "text/plain; version=0.0.4";

std::string_view to_std(beast::string_view s) { return std::string_view(s.data(), s.size()); }
}  // namespace

struct MetricsServer::Impl {
  explicit Impl(core::Registry& r) : registry(r) {}

  core::Registry& registry;
  // Declared before the acceptor: members are destroyed in reverse, and the acceptor must go first.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::atomic<uint64_t> requests{0};

  http::response<http::string_body> respond(const http::request<http::string_body>& req) {
    requests.fetch_add(1, std::memory_order_relaxed);
    std::string_view target = to_std(req.target());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    http::status status = http::status::not_found;
    std::string_view type = "text/plain";
    std::string body;
    if (req.method() == http::verb::get && target == "/metrics") {
      status = http::status::ok;
      type = kPrometheusType;
      body = registry.render();
    } else if (req.method() == http::verb::get && target == "/healthz") {
      status = http::status::ok;
      body = "ok";
    } else {
      body = "not found\n";
    }
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "dmabot");
    res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  void do_accept();
};

namespace {

// One connection: read a request, write the response, repeat while keep-alive. Owned by the pending
// handler (shared_ptr), so it lives exactly as long as it has I/O in flight.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, MetricsServer::Impl& server) : stream_(std::move(socket)), server_(server) {}
  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(kRequestLimit);
    parser_->body_limit(kRequestLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return close();
    if (ec) return;  // timeout, reset, oversized or malformed request: drop the connection
    res_ = server_.respond(parser_->get());
    const bool keep_alive = res_.keep_alive();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!keep_alive) return close();
    do_read();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  MetricsServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

}  // namespace

void MetricsServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopping
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->run();
    // Other accept errors (EMFILE, ...) are transient: keep accepting.
    do_accept();
  });
}

MetricsServer::MetricsServer(core::Registry& registry, std::string bind_addr, uint16_t port)
    : registry_(registry), bind_addr_(std::move(bind_addr)), port_(port) {}

MetricsServer::~MetricsServer() { stop(); }

uint64_t MetricsServer::requests() const {
  return impl_ ? impl_->requests.load(std::memory_order_relaxed) : requests_at_stop_;
}

absl::Status MetricsServer::start() {
  if (impl_) return absl::FailedPreconditionError("metrics server: already started");
  beast::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(bind_addr_, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        core::str_cat("metrics server: bind address '", bind_addr_, "' is not an IP address"));
  }
  auto impl = std::make_unique<Impl>(registry_);
  const tcp::endpoint endpoint(addr, port_);
  const std::string where = core::str_cat(bind_addr_, ":", port_);
  auto fail = [&](std::string_view step) {
    std::string msg = core::str_cat("metrics server: cannot ", step, " on ", where, ": ", ec.message());
    if (ec == asio::error::address_in_use) {
      core::str_append(msg, " (port ", port_, " is taken: is another dmabot running? change METRICS_PORT)");
    }
    return absl::UnavailableError(msg);
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket");
  // Lets a restarted engine rebind while old connections sit in TIME_WAIT. On Linux this does not
  // allow two listeners on one port, so a running instance is still detected.
  impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR");
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("listen");
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  bound_port_ = impl->acceptor.local_endpoint(ec).port();
  if (ec) return fail("read the bound port");

  impl->do_accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    core::name_current_thread("metrics_http");
    for (;;) {
      try {
        raw->ioc.run();
        return;
      } catch (const std::exception& e) {  // e.g. bad_alloc while rendering: keep serving
        core::log_error("metrics server: ", e.what());
      }
    }
  });
  impl_ = std::move(impl);
  core::log_info("metrics server listening on http://", bind_addr_, ":", bound_port_, "/metrics");
  return absl::OkStatus();
}

void MetricsServer::stop() {
  if (!impl_) return;
  // Stopping the io_context abandons every pending accept/read/write at once; destroying it (with
  // impl_) then frees the sessions and closes their sockets. No waiting on clients.
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  requests_at_stop_ = impl_->requests.load(std::memory_order_relaxed);
  impl_.reset();
}

}  // namespace dmabot::tools
