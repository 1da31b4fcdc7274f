// tools/metrics_server.h — the HTTP endpoint Prometheus scrapes.
//
//   GET /metrics  -> 200, core::Registry::render(), Content-Type "text/plain; version=0.0.4"
//   GET /healthz  -> 200, "ok"
//   anything else -> 404 (other paths, other methods)
//
// HTTP/1.1 with keep-alive on Boost.Beast, served asynchronously by one thread of its own, so a slow
// or idle client never holds up another and never touches a trading thread. Each connection has a
// 30 s inactivity timeout and an 8 KiB request limit. Bind to 127.0.0.1 (the default everywhere):
// the endpoint has no authentication, and metrics never contain secrets.
//
// Threads: construct, start(), stop() and port() from one control thread. The registry is read (via
// render(), which locks its own mutex) on the server thread.
// Allocation: per request (rendering, buffers) on the server thread; nothing on the hot path.
// Errors: start() returns a one-line status naming the address and port, e.g.
//   metrics server: cannot listen on 127.0.0.1:9898: Address already in use (is another dmabot running?)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/metrics.h"

namespace dmabot::tools {

class MetricsServer {
 public:
  // port 0 = an ephemeral port chosen by the kernel (tests); read it back with port() after start().
  MetricsServer(core::Registry& registry, std::string bind_addr, uint16_t port);
  ~MetricsServer();  // stop()
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds, listens and starts the server thread. Fails if the address is not an IP address or the
  // port cannot be bound (taken, privileged). Calling it twice is an error.
  absl::Status start();
  // Closes the listener and every connection and joins the thread; prompt even with clients
  // connected. Idempotent.
  void stop();
  // The bound port (the ephemeral one when constructed with 0); 0 before start().
  [[nodiscard]] uint16_t port() const { return bound_port_; }
  // Requests answered so far (any status; kept after stop()); for tests and the shutdown summary.
  [[nodiscard]] uint64_t requests() const;

  struct Impl;  // Asio/Beast state, defined in metrics_server.cpp (keeps Boost out of this header)

 private:
  core::Registry& registry_;
  std::string bind_addr_;
  uint16_t port_;
  uint16_t bound_port_ = 0;
  uint64_t requests_at_stop_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::tools
