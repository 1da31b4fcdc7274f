// gateway/binance_io/listen_key_stream.h — USD-M futures user data over a listenKey, on its own I/O
// thread: POST /fapi/v1/listenKey for a key, the routed private stream
// `<stream_url>/private/ws?listenKey=<key>` over TLS (certificate and host name always verified), a
// keepalive PUT every keepalive_interval_ms (Binance expires a key after 60 min without one), and
// DELETE on destruction.
//
// The gateway side is WsApiClient's event side (ws_event.h), so a gateway treats both alike:
//   kEvent         one event object as Binance sent it (ORDER_TRADE_UPDATE, TRADE_LITE, ACCOUNT_UPDATE,
//                  MARGIN_CALL, listenKeyExpired, serverShutdown, ...): binance::UserDataDecoder reads it.
//   kDisconnected  the stream is down or could not be opened (info says why, one line; never the API
//                  key nor the listenKey); or events were dropped because the ring was full ("events
//                  dropped (event ring full): resync; dropped: N").
//   kSessionReady  the stream is up. After any kDisconnected the gateway must resynchronise (GET
//                  openOrders, userTrades / account) because events may have been missed meanwhile.
// Nothing is lost silently: a full ring counts the event in stats().events_dropped and ends in that
// kDisconnected + kSessionReady pair once the gateway has made room (ws_event.h, EventWriter).
//
// Recovery, all on the I/O thread: a keepalive answered -1125, a listenKeyExpired event, a
// serverShutdown event, a closed or dropped connection, or a failed attempt → kDisconnected, then POST
// (a new key, or the live one again: Binance returns it while valid) and reconnect. listenKeyExpired,
// serverShutdown and -1125 reconnect at once; drops and failed attempts wait an exponential backoff
// with jitter (reset once a session is up). serverShutdown is break-before-make on purpose: two
// connections on one listenKey would deliver every event of the overlap twice, and the
// kDisconnected/kSessionReady pair tells the gateway to resync anyway. A failed keepalive (timeout,
// 5xx) is retried after min(keepalive interval, backoff_max_ms); the key has 60 min of slack.
// Pings are answered by Beast while reading. One ListenKeyStream per API key: Binance keeps one
// listenKey per API key (POST returns the same one), so the DELETE on destruction ends it for every
// user of that key.
//
// Threads: event_front/event_pop/wait: one gateway thread. ready()/stats(): any thread. Construction
// and destruction: the owning thread (the destructor stops the I/O thread, then DELETEs the key,
// bounded by rest_timeout_ms). Everything else runs on the I/O thread (and the REST calls on an
// internal RestClient's).
// Allocation: create() and the I/O threads; none in event_front/event_pop/wait (proven by
// tests/gateway/binance_io/noalloc_test.cpp).
// Errors: create() returns a one-line status (bad URL, unreadable CA file, no API key). At run time
// failures are kDisconnected notices and stats, never exceptions.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/spsc_ring.h"
#include "gateway/binance_io/io_common.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_event.h"

namespace dmabot::binance_io {

class ListenKeyStream {
 public:
  struct Options {
    std::string rest_url;    // futures REST base, https://host[:port]
    std::string stream_url;  // futures stream base, wss://host[:port] (the base of /public, /market, /private)
    std::string ca_file;     // "" = the system trust store
    std::string api_key;     // sent as X-MBX-APIKEY (never logged)
    int keepalive_interval_ms = 30 * 60 * 1000;  // well before Binance's 60 min expiry
    int rest_timeout_ms = 5000;                  // each POST / PUT / DELETE
    int connect_timeout_ms = 5000;               // TCP + TLS + WebSocket upgrade, each step
    int backoff_initial_ms = 100;
    int backoff_max_ms = 5000;
    std::size_t ring_capacity = 256;  // events (at least 4)
  };
  struct Stats {
    std::atomic<uint64_t> keys_created{0};        // successful POSTs (the live key again counts too)
    std::atomic<uint64_t> keepalives{0};          // successful PUTs
    std::atomic<uint64_t> keepalive_failures{0};  // PUTs failed (-1125, timeout, 5xx, not sent)
    std::atomic<uint64_t> connects{0};            // sessions made ready (kSessionReady, not the resync ones)
    std::atomic<uint64_t> reconnects{0};          // recoveries started (after a drop, expiry, failure, ...)
    std::atomic<uint64_t> events{0};              // kEvent queued
    std::atomic<uint64_t> events_dropped{0};      // kEvent dropped: the ring was full (a resync notice follows)
    std::atomic<uint64_t> expired_events{0};      // listenKeyExpired received
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ListenKeyStream>> create(Options options);
  ~ListenKeyStream();
  ListenKeyStream(const ListenKeyStream&) = delete;
  ListenKeyStream& operator=(const ListenKeyStream&) = delete;

  // Gateway thread --------------------------------------------------------------------------------
  [[nodiscard]] const WsEvent* event_front() noexcept;
  void event_pop() noexcept;
  // Blocks up to `timeout` until an event is readable (cold paths and tests). True when event_front()
  // is not null.
  bool wait(std::chrono::nanoseconds timeout) noexcept;

  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  struct Impl;
  ListenKeyStream() = default;
  Options opt_;
  Url stream_url_;
  Stats stats_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<core::SpscRing<WsEvent>> events_;
  Notifier to_gateway_;
  std::unique_ptr<RestClient> rest_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::binance_io
