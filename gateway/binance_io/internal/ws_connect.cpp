#include "gateway/binance_io/internal/ws_connect.h"

#include <boost/beast/http.hpp>

namespace dmabot::binance_io::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string why(const char* step, const beast::error_code& ec) {
  return std::string(step) + ": " + (ec == beast::error::timeout ? std::string("timed out") : ec.message());
}

void upgrade(const std::shared_ptr<WsConn>& c, const Url& url, const std::string& target, int timeout_ms,
             std::function<void(const std::string&)> done) {
  beast::get_lowest_layer(c->ws).expires_never();
  websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
  t.handshake_timeout = std::chrono::milliseconds(timeout_ms);
  c->ws.set_option(t);
  c->ws.read_message_max(4 * 1024 * 1024);
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  host += ":" + std::to_string(url.port);
  auto res = std::make_shared<websocket::response_type>();
  c->ws.async_handshake(*res, host, target.empty() ? "/" : target,
                        [c, res, done = std::move(done)](const beast::error_code& ec) {
                          if (!ec) return done("");
                          std::string msg = why("WebSocket handshake", ec);
                          if (res->result_int() != 0 && res->result_int() != 101) {
                            msg += ": HTTP " + std::to_string(res->result_int());
                            if (!res->body().empty()) msg += " " + res->body().substr(0, 120);
                          }
                          done(msg);
                        });
}

}  // namespace

void async_open_ws(const std::shared_ptr<WsConn>& conn, tcp::resolver& resolver, const Url& url,
                   const std::string& target, int timeout_ms, std::function<void(const std::string&)> done) {
  set_sni(conn->ws.next_layer().native_handle(), url.host);
  beast::get_lowest_layer(conn->ws).expires_after(std::chrono::milliseconds(timeout_ms));
  resolver.async_resolve(
      url.host, std::to_string(url.port),
      [conn, url, target, timeout_ms, done = std::move(done)](const beast::error_code& ec,
                                                              tcp::resolver::results_type results) mutable {
        if (ec) return done(why("resolve", ec));
        beast::get_lowest_layer(conn->ws).async_connect(
            results, [conn, url, target, timeout_ms, done = std::move(done)](const beast::error_code& ec2,
                                                                             const tcp::endpoint&) mutable {
              if (ec2) return done(why("connect", ec2));
              // No Nagle: two requests written back to back (a quote's two sides) must not wait for
              // the venue's ACK of the first (bench/tick_to_wire measured ~+200 µs on loopback).
              beast::error_code nd;
              beast::get_lowest_layer(conn->ws).socket().set_option(tcp::no_delay(true), nd);
              conn->ws.next_layer().async_handshake(
                  asio::ssl::stream_base::client,
                  [conn, url, target, timeout_ms, done = std::move(done)](const beast::error_code& ec3) mutable {
                    if (ec3) return done(why("TLS handshake", ec3));
                    upgrade(conn, url, target, timeout_ms, std::move(done));
                  });
            });
      });
}

void close_socket(WsConn& conn) {
  beast::error_code ec;
  beast::get_lowest_layer(conn.ws).socket().close(ec);
}

}  // namespace dmabot::binance_io::internal
