// Test clients for binance-sim's transport: HTTPS (or plain) requests and WebSocket connections on
// loopback with Boost.Beast, verifying the server certificate against the generated CA and the host
// name 127.0.0.1. Every wait is bounded (async operations run with io_context::run_for), so a server
// bug fails a test instead of hanging it.
#pragma once

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
#include <memory>
#include <optional>
#include <string>

namespace dmabot::binance_sim::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// TLS context that trusts only `ca_file` and checks the peer's name (IP SAN for "127.0.0.1").
inline std::unique_ptr<ssl::context> client_tls(const std::string& ca_file, const std::string& host = "127.0.0.1") {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->load_verify_file(ca_file);
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_verify_callback(ssl::host_name_verification(host));
  return ctx;
}

struct HttpResult {
  bool ok = false;  // a response was read
  std::string error;
  int status = 0;
  std::string body;
  http::response<http::string_body> raw;
};

// Runs ioc until `done` or the deadline; true if done.
inline bool run_until(asio::io_context& ioc, const bool& done, std::chrono::milliseconds limit) {
  ioc.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  return done;
}

// One request on a fresh connection. `ctx` null = plain HTTP.
inline HttpResult http_request(uint16_t port, http::verb verb, const std::string& target, ssl::context* ctx,
                               const std::string& body = "", std::chrono::milliseconds limit = 5000ms,
                               const std::string& extra_header_name = "", const std::string& extra_header_value = "") {
  HttpResult out;
  asio::io_context ioc;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!extra_header_name.empty()) req.set(extra_header_name, extra_header_value);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buf;
  bool done = false;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  auto finish = [&](beast::error_code ec, const char* step) {
    if (ec) out.error = std::string(step) + ": " + ec.message();
    done = true;
  };
  if (ctx) {
    auto s = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(ioc, *ctx);
    beast::get_lowest_layer(*s).async_connect(ep, [&, s](beast::error_code ec) {
      if (ec) return finish(ec, "connect");
      s->async_handshake(ssl::stream_base::client, [&, s](beast::error_code ec2) {
        if (ec2) return finish(ec2, "handshake");
        http::async_write(*s, req, [&, s](beast::error_code ec3, std::size_t) {
          if (ec3) return finish(ec3, "write");
          http::async_read(*s, buf, out.raw, [&, s](beast::error_code ec4, std::size_t) {
            if (!ec4) out.ok = true;
            finish(ec4, "read");
          });
        });
      });
    });
    run_until(ioc, done, limit);
  } else {
    auto s = std::make_shared<beast::tcp_stream>(ioc);
    s->async_connect(ep, [&, s](beast::error_code ec) {
      if (ec) return finish(ec, "connect");
      http::async_write(*s, req, [&, s](beast::error_code ec3, std::size_t) {
        if (ec3) return finish(ec3, "write");
        http::async_read(*s, buf, out.raw, [&, s](beast::error_code ec4, std::size_t) {
          if (!ec4) out.ok = true;
          finish(ec4, "read");
        });
      });
    });
    run_until(ioc, done, limit);
  }
  if (!done) out.error = "timed out";
  out.status = static_cast<int>(out.raw.result_int());
  out.body = out.raw.body();
  return out;
}

// A WebSocket client (TLS when ctx is given).
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target, ssl::context* ctx) : tls_(ctx != nullptr) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    bool done = false;
    auto after_tcp = [&](auto& ws, beast::error_code ec) {
      if (ec) {
        error_ = "connect: " + ec.message();
        done = true;
        return;
      }
      ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) ++pings_;
      });
      ws.async_handshake(handshake_res_, "127.0.0.1", target, [&](beast::error_code ec2) {
        if (ec2)
          error_ = "ws handshake: " + ec2.message();
        else
          open_ = true;
        done = true;
      });
    };
    if (ctx) {
      tws_ = std::make_unique<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>(ioc_, *ctx);
      beast::get_lowest_layer(*tws_).async_connect(ep, [&](beast::error_code ec) {
        if (ec) return after_tcp(*tws_, ec);
        tws_->next_layer().async_handshake(ssl::stream_base::client, [&](beast::error_code ec2) {
          if (ec2) {
            error_ = "tls handshake: " + ec2.message();
            done = true;
            return;
          }
          after_tcp(*tws_, ec2);
        });
      });
    } else {
      pws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
      beast::get_lowest_layer(*pws_).async_connect(ep, [&](beast::error_code ec) { after_tcp(*pws_, ec); });
    }
    if (!run_until(ioc_, done, 5000ms)) error_ = "connect timed out";
  }

  [[nodiscard]] bool open() const { return open_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] int handshake_status() const { return static_cast<int>(handshake_res_.result_int()); }
  [[nodiscard]] int pings() const { return pings_; }
  // Close code the server sent (0 if none: a drop).
  [[nodiscard]] int close_code() const { return close_code_; }

  bool send(const std::string& text) {
    bool done = false, ok = false;
    with_ws([&](auto& ws) {
      ws.text(true);
      ws.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
        ok = !ec;
        done = true;
      });
    });
    run_until(ioc_, done, 5000ms);
    return ok;
  }

  // Next text message; nullopt on close/error (closed() then true) or after `limit` (closed() false).
  std::optional<std::string> read(std::chrono::milliseconds limit = 5000ms) {
    if (!pending_read_) {
      pending_read_ = true;
      read_done_ = false;
      with_ws([&](auto& ws) {
        ws.async_read(buf_, [this, &ws](beast::error_code ec, std::size_t) {
          read_ec_ = ec;
          read_done_ = true;
          pending_read_ = false;
          // The close frame's code, also when the peer tore down before our echo (then the error is
          // e.g. broken pipe, not websocket::error::closed).
          if (ec) close_code_ = ws.reason().code;
        });
      });
    }
    if (!run_until(ioc_, read_done_, limit)) return std::nullopt;  // the read stays pending
    if (read_ec_) {
      closed_ = true;
      read_error_ = read_ec_.message();
      return std::nullopt;
    }
    std::string s = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    return s;
  }
  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] const std::string& read_error() const { return read_error_; }

 private:
  template <class F>
  void with_ws(F&& f) {
    if (tls_)
      f(*tws_);
    else
      f(*pws_);
  }

  asio::io_context ioc_;
  bool tls_;
  std::unique_ptr<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tws_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> pws_;
  websocket::response_type handshake_res_;
  beast::flat_buffer buf_;
  bool open_ = false, closed_ = false, pending_read_ = false, read_done_ = false;
  beast::error_code read_ec_;
  std::string error_, read_error_;
  int pings_ = 0;
  int close_code_ = 0;
};

}  // namespace dmabot::binance_sim::testing
