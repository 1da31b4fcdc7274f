#include "tests/tools/binance_sim/sim_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace dmabot::binance_sim::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint loopback(uint16_t port) { return tcp::endpoint(asio::ip::address_v4::loopback(), port); }

http::verb to_verb(Method m) {
  switch (m) {
    case Method::kGet:
      return http::verb::get;
    case Method::kPost:
      return http::verb::post;
    case Method::kPut:
      return http::verb::put;
    case Method::kDelete:
      return http::verb::delete_;
  }
  return http::verb::unknown;
}

// One HTTP exchange on a fresh connection; `ioc` first so that it outlives the streams its pending
// handlers still hold when a call times out.
struct Call {
  asio::io_context ioc;
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  HttpResult out;
  bool done = false;

  void finish(beast::error_code ec, const char* step) {
    if (ec) out.error = std::string(step) + ": " + ec.message();
    done = true;
  }
  HttpResult result() {
    if (!done) out.error = "timed out";
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& field : res) out.headers.emplace_back(field.name_string(), field.value());
    return std::move(out);
  }
};

// Connects to the port on loopback (and shakes hands when ctx is given), then calls next(stream).
template <class Next>
void connect(Call& c, uint16_t port, ssl::context* ctx, Next next) {
  if (ctx) {
    auto s = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(c.ioc, *ctx);
    beast::get_lowest_layer(*s).async_connect(loopback(port), [&c, s, next](beast::error_code ec) {
      if (ec) return c.finish(ec, "connect");
      s->async_handshake(ssl::stream_base::client, [&c, s, next](beast::error_code ec2) {
        if (ec2) return c.finish(ec2, "handshake");
        next(s);
      });
    });
  } else {
    auto s = std::make_shared<beast::tcp_stream>(c.ioc);
    s->async_connect(loopback(port), [&c, s, next](beast::error_code ec) {
      if (ec) return c.finish(ec, "connect");
      next(s);
    });
  }
}

template <class Stream>
void read_response(Call& c, const std::shared_ptr<Stream>& s) {
  http::async_read(*s, c.buf, c.res, [&c, s](beast::error_code ec, std::size_t) {
    if (!ec) c.out.ok = true;
    c.finish(ec, "read");
  });
}

}  // namespace

TlsContextPtr client_tls(const std::string& ca_file, const std::string& host) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file(ca_file);
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_verify_callback(ssl::host_name_verification(host));
  return ctx;
}

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, beast::string_view(name.data(), name.size()))) return v;
  return "";
}

bool run_until(asio::io_context& ioc, const bool& done, std::chrono::milliseconds limit) {
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  return done;
}

HttpResult http_request(uint16_t port, Method method, const std::string& target, ssl::context* ctx,
                        const std::string& body, std::chrono::milliseconds limit, const std::string& extra_header_name,
                        const std::string& extra_header_value) {
  Call c;
  http::request<http::string_body> req{to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!extra_header_name.empty()) req.set(extra_header_name, extra_header_value);
  req.body() = body;
  req.prepare_payload();
  connect(c, port, ctx, [&c, &req](auto s) {
    http::async_write(*s, req, [&c, s](beast::error_code ec, std::size_t) {
      if (ec) return c.finish(ec, "write");
      read_response(c, s);
    });
  });
  run_until(c.ioc, c.done, limit);
  return c.result();
}

HttpResult raw_http_exchange(uint16_t port, const std::string& bytes, ssl::context* ctx,
                             std::chrono::milliseconds limit) {
  Call c;
  connect(c, port, ctx, [&c, &bytes](auto s) {
    asio::async_write(*s, asio::buffer(bytes), [s](beast::error_code, std::size_t) {});  // a refusal shows in the read
    read_response(c, s);
  });
  run_until(c.ioc, c.done, limit);
  return c.result();
}

// ------------------------------------------------------------------------------------------ WsClient

struct WsClient::Impl {
  using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
  using PlainWs = websocket::stream<beast::tcp_stream>;

  Impl(uint16_t port, const std::string& target, ssl::context* ctx) : tls(ctx != nullptr), target(target) {
    if (ctx) {
      tws = std::make_unique<TlsWs>(ioc, *ctx);
      beast::get_lowest_layer(*tws).async_connect(loopback(port), [this](beast::error_code ec) {
        if (ec) return after_tcp(*tws, ec);
        tws->next_layer().async_handshake(ssl::stream_base::client, [this](beast::error_code ec2) {
          if (ec2) {
            error = "tls handshake: " + ec2.message();
            connect_done = true;
            return;
          }
          after_tcp(*tws, ec2);
        });
      });
    } else {
      pws = std::make_unique<PlainWs>(ioc);
      beast::get_lowest_layer(*pws).async_connect(loopback(port),
                                                  [this](beast::error_code ec) { after_tcp(*pws, ec); });
    }
    if (!run_until(ioc, connect_done, 5000ms)) error = "connect timed out";
  }

  template <class Ws>
  void after_tcp(Ws& ws, beast::error_code ec) {
    if (ec) {
      error = "connect: " + ec.message();
      connect_done = true;
      return;
    }
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++pings;
    });
    ws.async_handshake(handshake_res, "127.0.0.1", target, [this](beast::error_code ec2) {
      if (ec2)
        error = "ws handshake: " + ec2.message();
      else
        open = true;
      connect_done = true;
    });
  }

  template <class F>
  void with_ws(F&& f) {
    if (tls)
      f(*tws);
    else
      f(*pws);
  }

  asio::io_context ioc;
  bool tls;
  std::string target;
  std::unique_ptr<TlsWs> tws;
  std::unique_ptr<PlainWs> pws;
  websocket::response_type handshake_res;
  beast::flat_buffer buf;
  bool open = false, closed = false, pending_read = false, read_done = false, connect_done = false;
  beast::error_code read_ec;
  std::string error, read_error;
  int pings = 0;
  int close_code = 0;
};

WsClient::WsClient(uint16_t port, const std::string& target, ssl::context* ctx)
    : impl_(std::make_unique<Impl>(port, target, ctx)) {}
WsClient::~WsClient() = default;

bool WsClient::open() const { return impl_->open; }
const std::string& WsClient::error() const { return impl_->error; }
int WsClient::handshake_status() const { return static_cast<int>(impl_->handshake_res.result_int()); }
int WsClient::pings() const { return impl_->pings; }
int WsClient::close_code() const { return impl_->close_code; }
bool WsClient::closed() const { return impl_->closed; }
const std::string& WsClient::read_error() const { return impl_->read_error; }

bool WsClient::send(const std::string& text) {
  bool done = false, ok = false;
  impl_->with_ws([&](auto& ws) {
    ws.text(true);
    ws.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
      ok = !ec;
      done = true;
    });
  });
  run_until(impl_->ioc, done, 5000ms);
  return ok;
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds limit) {
  Impl& m = *impl_;
  if (!m.pending_read) {
    m.pending_read = true;
    m.read_done = false;
    m.with_ws([&m](auto& ws) {
      ws.async_read(m.buf, [&m, &ws](beast::error_code ec, std::size_t) {
        m.read_ec = ec;
        m.read_done = true;
        m.pending_read = false;
        // The close frame's code, also when the peer tore down before our echo (then the error is
        // e.g. broken pipe, not websocket::error::closed).
        if (ec) m.close_code = ws.reason().code;
      });
    });
  }
  if (!run_until(m.ioc, m.read_done, limit)) return std::nullopt;  // the read stays pending
  if (m.read_ec) {
    m.closed = true;
    m.read_error = m.read_ec.message();
    return std::nullopt;
  }
  std::string s = beast::buffers_to_string(m.buf.data());
  m.buf.consume(m.buf.size());
  return s;
}

// ------------------------------------------------------------------------------------- ListeningPort

struct ListeningPort::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, loopback(0)};
};

ListeningPort::ListeningPort() : impl_(std::make_unique<Impl>()) {}
ListeningPort::~ListeningPort() = default;
uint16_t ListeningPort::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace dmabot::binance_sim::testing
