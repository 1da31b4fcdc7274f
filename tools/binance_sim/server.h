// tools/binance_sim/server.h — binance-sim's network side: the Spot and USD-M Futures listeners (TLS
// by default), HTTP routing to the Venue, WebSocket API connections, the stream hub (raw and combined
// streams, live SUBSCRIBE/UNSUBSCRIBE, futures routes), Binance's server pings and 24 h connection
// age, the limits that keep bad clients harmless, and the transport faults.
//
//   spot port:    /api/...            → Venue::on_http(kSpot)
//                 /ws-api/v3          → WebSocket API (Venue::on_ws_api_*)
//                 /ws, /ws/<s>[/<s>]  → raw streams; /stream?streams=a/b → combined streams
//   futures port: /fapi/...           → Venue::on_http(kUsdmFutures)
//                 /ws-fapi/v1         → WebSocket API
//                 [/public|/market|/private](/ws[/<s>] | /stream?streams=...) → routed streams (no
//                 prefix = /public); /private/ws?listenKey=K, /private/ws/K, /private/stream?streams=K
//   anything else → not_found_response(); a query timeUnit=MICROSECOND (any case) on a WebSocket URL
//   selects the µs payloads (StreamHub::publish, WsConnection::time_unit_us).
//
// Threads: one io_context thread runs everything — the server's handlers and every Venue callback —
// so neither side locks. Construct and start() on one thread before running the io_context; stop()
// may be called from any thread (it posts). Destroy the Server only after io_context::run() returned
// (stop() makes it return once every connection is gone); publish()/has_subscribers()/
// close_subscribers() only on the io thread. stats() may be read from any thread.
// Allocation: per connection and per message; bounded by the Limits (header/body/message size,
// connection count, per-connection outbound queue).
// Errors: start() returns a one-line message ("--listen-spot 127.0.0.1:80: cannot listen: Permission
// denied"). At run time nothing a client sends ends the process: bad HTTP gets a 4xx with a Binance
// body and the connection closed, a slow client is cut at its deadline, a bad WS control message gets
// Binance's stream error, an oversized WS message closes that connection (1009).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "tools/binance_sim/sim_options.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

class Server final : public StreamHub {
 public:
  Server(boost::asio::io_context& ioc, ServerOptions options, Venue& venue);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Makes (or loads) the TLS identity, binds and listens on both ports and starts accepting (the
  // accepts run when the io_context runs). "" on success, else the error. Call once.
  [[nodiscard]] std::string start();
  // Closes the listeners and every connection and cancels the fault timers, so io_context::run()
  // returns. Any thread; idempotent.
  void stop();

  [[nodiscard]] uint16_t spot_port() const { return spot_port_; }
  [[nodiscard]] uint16_t futures_port() const { return futures_port_; }
  // The CA file clients must trust ("" with plain HTTP; the given --tls-cert when one was given).
  [[nodiscard]] const std::string& ca_file() const { return ca_file_; }
  [[nodiscard]] boost::asio::io_context& io_context() { return ioc_; }
  [[nodiscard]] const ServerOptions& options() const { return options_; }

  // StreamHub (io thread only).
  std::size_t publish(Product product, StreamRoute route, std::string_view stream, std::string_view payload_ms,
                      std::string_view payload_us = {}) override;
  [[nodiscard]] bool has_subscribers(Product product, StreamRoute route, std::string_view stream) const override;
  std::size_t close_subscribers(Product product, StreamRoute route, std::string_view stream) override;

  // Counters for tests and the exit summary; any thread.
  struct Stats {
    std::atomic<uint64_t> http_requests{0};      // requests answered (any status)
    std::atomic<uint64_t> http_rejected{0};      // 4xx from the transport: oversized, malformed
    std::atomic<uint64_t> timeouts{0};           // cut at the request or handshake deadline (slowloris)
    std::atomic<uint64_t> refused{0};            // connections over max_connections
    std::atomic<uint64_t> ws_opened{0};          // WebSocket handshakes completed
    std::atomic<uint64_t> ws_open_now{0};        // WebSocket connections open now
    std::atomic<uint64_t> ws_dropped{0};         // cut by the drop-ws-every-s fault
    std::atomic<uint64_t> ws_pong_timeouts{0};   // closed for not answering pings
    std::atomic<uint64_t> ws_aged_out{0};        // closed at ws_max_age
    std::atomic<uint64_t> ws_slow_consumers{0};  // cut for an outbound queue over the limit
    std::atomic<uint64_t> ws_control_errors{0};  // stream control messages answered with an error
  };
  [[nodiscard]] const Stats& stats() const;

  struct Impl;  // Asio/Beast state (server.cpp)

 private:
  boost::asio::io_context& ioc_;
  ServerOptions options_;
  std::shared_ptr<Impl> impl_;  // shared with every connection, so none outlives what it uses
  uint16_t spot_port_ = 0, futures_port_ = 0;
  std::string ca_file_;
};

}  // namespace dmabot::binance_sim
