#include "gateway/binance_io/rest_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/strings.h"

namespace dmabot::binance_io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kResponse:
      return "response";
    case Outcome::kTimeout:
      return "timeout (outcome unknown)";
    case Outcome::kUnknownOutcome:
      return "unknown outcome";
    case Outcome::kNotSent:
      return "not sent";
    case Outcome::kInvalid:
      return "invalid request";
  }
  return "?";
}

RestRequest& RestRequest::operator=(const RestRequest& o) {
  using R = RestRequest;
  return assign_slot(*this, o, &R::tag, &R::timeout_ms, &R::method, &R::path, slot_payload(&R::query_len, &R::query),
                     slot_payload(&R::body_len, &R::body));
}

bool RestRequest::set(uint64_t tag_, std::string_view method_, std::string_view path_, std::string_view query_,
                      std::string_view body_) {
  tag = tag_;
  if (!method.assign(method_) || !path.assign(path_) || query_.size() > kMaxQuery || body_.size() > kMaxBody)
    return false;
  query_len = static_cast<uint32_t>(query_.size());
  body_len = static_cast<uint32_t>(body_.size());
  if (query_len) std::memcpy(query, query_.data(), query_len);
  if (body_len) std::memcpy(body, body_.data(), body_len);
  return true;
}

RestResponse& RestResponse::operator=(const RestResponse& o) {
  using R = RestResponse;
  return assign_slot(*this, o, &R::tag, &R::outcome, &R::status, &R::usage, &R::sent_wall_ns, &R::done_wall_ns,
                     &R::truncated, &R::error, slot_payload(&R::body_len, &R::body));
}

// ---------------------------------------------------------------------------------------------------
// I/O side

struct RestClient::Impl {
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  // One TLS connection's objects. Every handler holds the shared_ptr, so a connection replaced while
  // its aborted operations are still queued stays alive until they have run.
  struct Session {
    Session(asio::io_context& ioc, ssl::context& tls) : stream(ioc, tls) {}
    Stream stream;
    beast::flat_buffer buf;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string wire;
  };
  struct Conn {
    enum class State : uint8_t { kClosed, kIdle, kBusy };
    Impl* impl = nullptr;
    std::shared_ptr<Session> sess;
    State state = State::kClosed;
    bool write_started = false;
    bool open = false;  // TLS established and not failed since
    [[nodiscard]] bool was_open_and_fresh(int max_idle_ms) const;
    int64_t idle_since_ns = 0;
    uint64_t generation = 0;  // bumps on every request: stale completions are ignored
    std::unique_ptr<RestRequest> req = std::make_unique<RestRequest>();
    std::unique_ptr<RestResponse> resp = std::make_unique<RestResponse>();
  };

  RestClient& c;
  asio::io_context ioc{1};
  asio::posix::stream_descriptor wake{ioc};
  tcp::resolver resolver{ioc};
  std::unique_ptr<ssl::context> tls;
  std::vector<std::unique_ptr<Conn>> conns;
  std::string host_header;
  std::thread thread;

  explicit Impl(RestClient& client) : c(client) {}

  void start() {
    wake.assign(::dup(c.to_io_.fd()));
    for (int i = 0; i < std::max(1, c.opt_.connections); ++i) {
      auto conn = std::make_unique<Conn>();
      conn->impl = this;
      conns.push_back(std::move(conn));
    }
    arm_wake();
    thread = std::thread([this] { ioc.run(); });
  }
  void stop() {
    asio::post(ioc, [this] {
      boost::system::error_code ec;
      wake.close(ec);
      for (auto& conn : conns) {
        ++conn->generation;
        if (conn->sess) beast::get_lowest_layer(conn->sess->stream).close();
      }
      ioc.stop();
    });
    if (thread.joinable()) thread.join();
  }

  void arm_wake() {
    wake.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;
      c.to_io_.drain();
      pump();
      arm_wake();
    });
  }

  std::size_t busy() const {
    std::size_t n = 0;
    for (const auto& conn : conns) n += conn->state == Conn::State::kBusy;
    return n;
  }

  // Takes requests off the ring while a connection is free and the response ring has room for every
  // answer that may come (so a response never has to be dropped).
  void pump() {
    for (;;) {
      Conn* free_conn = nullptr;
      for (auto& conn : conns)
        if (conn->state != Conn::State::kBusy) {
          free_conn = conn.get();
          if (conn->state == Conn::State::kIdle) break;  // prefer an open one
        }
      if (!free_conn) return;
      if (c.responses_->free_slots() <= busy()) return;
      RestRequest* r = c.requests_->front();
      if (!r) return;
      *free_conn->req = *r;
      c.requests_->pop();
      begin(*free_conn);
    }
  }

  void finish(Conn& conn, Outcome o, std::string_view error = {}) {
    RestResponse& resp = *conn.resp;
    resp.tag = conn.req->tag;
    resp.outcome = o;
    resp.done_wall_ns = core::wall_clock_ns();
    if (!error.empty()) (void)resp.error.assign(error.substr(0, 200));
    ++conn.generation;
    switch (o) {
      case Outcome::kResponse:
        c.stats_.responses.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kTimeout:
        c.stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kUnknownOutcome:
        c.stats_.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kNotSent:
        c.stats_.not_sent.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kInvalid:
        break;
    }
    if (o != Outcome::kResponse)
      close(conn);
    else {
      conn.state = Conn::State::kIdle;
      conn.idle_since_ns = core::monotonic_ns();
    }
    (void)c.responses_->try_push(resp);  // room was checked in pump()
    c.to_gateway_.notify();
    // Completion handlers run after the current one returns: pump from a fresh handler so a failure
    // cascade cannot recurse.
    asio::post(ioc, [this] { pump(); });
  }

  void close(Conn& conn) {
    if (conn.sess) {
      beast::error_code ec;
      beast::get_lowest_layer(conn.sess->stream).socket().close(ec);
    }
    // The stream object is kept until a new connection replaces it: handlers still pending on it
    // complete with operation_aborted and are ignored by generation.
    conn.state = Conn::State::kClosed;
    conn.open = false;
  }

  void begin(Conn& conn) {
    RestResponse& resp = *conn.resp;
    resp.status = 0;
    resp.usage.clear();
    resp.truncated = false;
    resp.error.len = 0;
    resp.body_len = 0;
    resp.sent_wall_ns = 0;
    const RestRequest& req = *conn.req;
    conn.state = Conn::State::kBusy;
    conn.write_started = false;
    if (req.method.empty() || req.path.empty() || req.path.view().front() != '/') {
      finish(conn, Outcome::kInvalid, "empty method or path not starting with '/'");
      return;
    }
    const uint64_t gen = ++conn.generation;
    const int timeout_ms = req.timeout_ms > 0 ? req.timeout_ms : c.opt_.default_timeout_ms;
    const auto deadline = std::chrono::milliseconds(timeout_ms);
    if (conn.sess && conn.was_open_and_fresh(c.opt_.max_idle_ms)) {
      beast::get_lowest_layer(conn.sess->stream).expires_after(deadline);
      write(conn, gen);
      return;
    }
    connect(conn, gen, deadline);
  }

  void connect(Conn& conn, uint64_t gen, std::chrono::milliseconds deadline) {
    if (conn.sess) {
      beast::error_code ec;
      beast::get_lowest_layer(conn.sess->stream).socket().close(ec);
    }
    conn.sess = std::make_shared<Session>(ioc, *tls);
    conn.sess->wire.reserve(RestRequest::kMaxPath + RestRequest::kMaxQuery + RestRequest::kMaxBody + 512);
    conn.open = false;
    set_sni(conn.sess->stream.native_handle(), c.url_.host);
    beast::get_lowest_layer(conn.sess->stream).expires_after(deadline);
    std::shared_ptr<Session> s = conn.sess;
    resolver.async_resolve(c.url_.host, std::to_string(c.url_.port),
                           [this, &conn, gen, s](const beast::error_code& ec, tcp::resolver::results_type results) {
                             if (gen != conn.generation) return;
                             if (ec) return fail_before_send(conn, "resolve", ec);
                             beast::get_lowest_layer(s->stream).async_connect(
                                 results, [this, &conn, gen, s](const beast::error_code& ec2, const tcp::endpoint&) {
                                   if (gen != conn.generation) return;
                                   if (ec2) return fail_before_send(conn, "connect", ec2);
                                   // No Nagle: a request must not wait for the ACK of the previous one.
                                   beast::error_code nd;
                                   beast::get_lowest_layer(s->stream).socket().set_option(tcp::no_delay(true), nd);
                                   s->stream.async_handshake(
                                       ssl::stream_base::client, [this, &conn, gen, s](const beast::error_code& ec3) {
                                         if (gen != conn.generation) return;
                                         if (ec3) return fail_before_send(conn, "TLS handshake", ec3);
                                         conn.open = true;
                                         c.stats_.connects.fetch_add(1, std::memory_order_relaxed);
                                         write(conn, gen);
                                       });
                                 });
                           });
  }

  void fail_before_send(Conn& conn, const char* step, const beast::error_code& ec) {
    std::string msg = std::string(step) + ": ";
    if (ec == beast::error::timeout)
      msg += "timed out";
    else
      msg += ec.message();
    finish(conn, Outcome::kNotSent, msg);
  }

  void write(Conn& conn, uint64_t gen) {
    const RestRequest& req = *conn.req;
    std::shared_ptr<Session> s = conn.sess;
    std::string& w = s->wire;
    w.clear();
    w.append(req.method.view()).append(" ").append(req.path.view());
    if (req.query_len) w.append("?").append(req.query_view());
    w.append(" HTTP/1.1\r\nHost: ").append(host_header).append("\r\nUser-Agent: dmabot\r\n");
    if (!c.opt_.api_key.empty()) w.append("X-MBX-APIKEY: ").append(c.opt_.api_key).append("\r\n");
    if (req.body_len || req.method.view() == "POST" || req.method.view() == "PUT") {
      w.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ");
      w.append(std::to_string(req.body_len)).append("\r\n");
    }
    w.append("\r\n").append(req.body_view());
    conn.write_started = true;
    conn.resp->sent_wall_ns = core::wall_clock_ns();
    c.stats_.submitted.fetch_add(1, std::memory_order_relaxed);
    asio::async_write(s->stream, asio::buffer(w), [this, &conn, gen, s](const beast::error_code& ec, std::size_t) {
      if (gen != conn.generation) return;
      if (ec) return fail_after_send(conn, "write", ec);
      read(conn, gen);
    });
  }

  void fail_after_send(Conn& conn, const char* step, const beast::error_code& ec) {
    if (ec == beast::error::timeout) return finish(conn, Outcome::kTimeout, std::string(step) + ": timed out");
    finish(conn, Outcome::kUnknownOutcome, std::string(step) + ": " + ec.message());
  }

  void read(Conn& conn, uint64_t gen) {
    std::shared_ptr<Session> s = conn.sess;
    s->parser.emplace();
    s->parser->body_limit(64 * 1024 * 1024);
    s->parser->header_limit(64 * 1024);
    if (conn.req->method.view() == "HEAD") s->parser->skip(true);
    http::async_read(s->stream, s->buf, *s->parser, [this, &conn, gen, s](const beast::error_code& ec, std::size_t) {
      if (gen != conn.generation) return;
      if (ec) return fail_after_send(conn, "read", ec);
      auto& msg = s->parser->get();
      RestResponse& resp = *conn.resp;
      resp.status = static_cast<int>(msg.result_int());
      for (const auto& f : msg) {
        const auto name = f.name_string();
        const auto value = f.value();
        (void)parse_usage_header(std::string_view(name.data(), name.size()),
                                 std::string_view(value.data(), value.size()), resp.usage);
      }
      const std::string& body = msg.body();
      resp.truncated = body.size() > RestResponse::kMaxBody;
      resp.body_len = static_cast<uint32_t>(std::min(body.size(), RestResponse::kMaxBody));
      std::memcpy(resp.body, body.data(), resp.body_len);
      const bool keep = msg.keep_alive();
      beast::get_lowest_layer(s->stream).expires_never();
      finish(conn, Outcome::kResponse);
      if (!keep) close(conn);
    });
  }
};

// Conn helpers that need the options.
bool RestClient::Impl::Conn::was_open_and_fresh(int max_idle_ms) const {
  return open && core::monotonic_ns() - idle_since_ns < static_cast<int64_t>(max_idle_ms) * 1'000'000;
}

// ---------------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<RestClient>> RestClient::create(Options options) {
  std::unique_ptr<RestClient> c(new RestClient());
  if (std::string err = parse_url(options.base_url, "https", c->url_); !err.empty())
    return absl::InvalidArgumentError("rest client: " + err);
  if (!c->url_.path.empty())
    return absl::InvalidArgumentError("rest client: base url '" + options.base_url + "' must not have a path");
  c->opt_ = std::move(options);
  c->requests_ = std::make_unique<core::SpscRing<RestRequest>>(c->opt_.ring_capacity);
  c->responses_ = std::make_unique<core::SpscRing<RestResponse>>(c->opt_.ring_capacity);
  if (c->to_io_.fd() < 0 || c->to_gateway_.fd() < 0) return absl::InternalError("rest client: eventfd failed");
  c->impl_ = std::make_unique<Impl>(*c);
  if (std::string err = make_tls_context(c->opt_.ca_file, c->url_.host, c->impl_->tls); !err.empty())
    return absl::InvalidArgumentError("rest client: " + err);
  const bool v6 = c->url_.host.find(':') != std::string::npos;
  c->impl_->host_header = v6 ? "[" + c->url_.host + "]" : c->url_.host;
  if (c->url_.port != 443) c->impl_->host_header += ":" + std::to_string(c->url_.port);
  c->impl_->start();
  return c;
}

RestClient::~RestClient() {
  if (impl_) impl_->stop();
}

bool RestClient::submit(const RestRequest& r) noexcept {
  if (!requests_->try_push(r)) return false;
  to_io_.notify();
  return true;
}
bool RestClient::can_submit() noexcept { return requests_->can_push(); }
const RestResponse* RestClient::front() noexcept { return responses_->front(); }
void RestClient::pop() noexcept { responses_->pop(); }
bool RestClient::wait_response(std::chrono::nanoseconds timeout) noexcept {
  return to_gateway_.wait_until([this] { return responses_->front() != nullptr; }, timeout);
}

}  // namespace dmabot::binance_io
