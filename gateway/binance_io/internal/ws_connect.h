// gateway/binance_io/internal/ws_connect.h — opening one WebSocket over TLS with Beast, shared by
// WsApiClient and ListenKeyStream: resolve, TCP connect, TLS handshake (SNI; the context from
// make_tls_context verifies the chain and the host name), WebSocket upgrade; then Beast's suggested
// client timeouts (idle pings answered on read).
//
// Threads: the io_context's thread. Allocation: yes (cold: once per connection).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <memory>
#include <string>

#include "gateway/binance_io/io_common.h"

namespace dmabot::binance_io::internal {

// One connection's objects. Handlers hold the shared_ptr, so a connection replaced while its aborted
// operations are still queued stays alive until they have run.
struct WsConn {
  using Ws = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
  WsConn(boost::asio::io_context& ioc, boost::asio::ssl::context& tls) : ws(ioc, tls) {}
  Ws ws;
  boost::beast::flat_buffer in;
  std::string out;  // the frame being written
};

// Opens `conn` to url.host:url.port and upgrades with request target `target` ("/ws-api/v3",
// "/private/ws?listenKey=..."). Each step is bounded by timeout_ms. `done` gets "" on success, else
// one line naming the step ("connect: ...", "TLS handshake: ...", "WebSocket handshake: HTTP 400
// {...}"). The caller ignores the answer of an attempt it has abandoned (its own generation count).
void async_open_ws(const std::shared_ptr<WsConn>& conn, boost::asio::ip::tcp::resolver& resolver, const Url& url,
                   const std::string& target, int timeout_ms, std::function<void(const std::string&)> done);

// Closes the socket at once (no close frame), ignoring errors.
void close_socket(WsConn& conn);

}  // namespace dmabot::binance_io::internal
