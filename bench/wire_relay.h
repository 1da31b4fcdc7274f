// bench/wire_relay.h — a transparent loopback TCP relay that timestamps what a client writes, for
// bench/tick_to_wire: the engine's WebSocket API connection goes through it to binance-sim, so the
// moment a signed order leaves the engine is the moment its bytes reach the relay (CLOCK_MONOTONIC,
// read right after recv(2) returns; the clock is shared with the engine and the benchmark's own
// feed, so the stamps compare across processes).
//
// TLS passes through untouched: the relay never decrypts. It reads the client→upstream byte stream
// as TLS records (5-byte header: content type, version, length) and reports every record whose
// length is at least `min_record_len`, stamped with the time of the recv() that delivered its first
// header byte. An order frame (order.place / order.cancelReplace, ~400+ bytes of JSON) is one large
// application-data record; a WebSocket pong or TLS 1.3's Finished is a small one — the threshold
// tells them apart (what bench/tick_to_wire's attribution rule rests on; it also cross-checks the
// count against the engine's own order counters).
//
// Threads: start()/stop() from one owner thread; one acceptor thread and two blocking pump threads
// per accepted connection (client→upstream stamps and forwards, upstream→client forwards). records()
// is an SPSC ring: producers (the stamping pumps of every connection) are serialised by a mutex taken
// after the stamp is read, so the ring has one producer at a time; the owner is the only consumer.
// Allocation: at start() and per accepted connection (threads, buffers); none per forwarded chunk.
// Errors: start() returns a one-line message ("" on success); a failed upstream connect closes the
// accepted client (counted in upstream_failures()).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"

namespace dmabot::bench {

// One TLS record header seen in the client→upstream stream.
struct WireRecord {
  int64_t t_ns = 0;         // CLOCK_MONOTONIC right after the recv() that delivered the header's first byte
  uint32_t length = 0;      // the record's payload length (header excluded)
  uint8_t type = 0;         // TLS content type (23 = application data)
  uint32_t connection = 0;  // 1, 2, ... in accept order
};

// Splits a byte stream into TLS record headers across arbitrary chunk boundaries. Pure.
class TlsRecordScanner {
 public:
  // Feeds one chunk received at t_ns; calls on_record(const WireRecord&) for every record header
  // completed in it (its t_ns is the time of the chunk holding the header's first byte).
  template <class F>
  void feed(const uint8_t* p, std::size_t n, int64_t t_ns, F&& on_record) {
    std::size_t i = 0;
    while (i < n) {
      if (skip_ > 0) {
        const std::size_t k = skip_ < n - i ? skip_ : n - i;
        skip_ -= k;
        i += k;
        continue;
      }
      if (have_ == 0) first_t_ = t_ns;
      hdr_[have_++] = p[i++];
      if (have_ == 5) {
        WireRecord r;
        r.t_ns = first_t_;
        r.type = hdr_[0];
        r.length = static_cast<uint32_t>(hdr_[3]) << 8 | hdr_[4];
        skip_ = r.length;
        have_ = 0;
        on_record(r);
      }
    }
  }

 private:
  uint8_t hdr_[5] = {};
  std::size_t have_ = 0;
  std::size_t skip_ = 0;
  int64_t first_t_ = 0;
};

class TcpRelay {
 public:
  // Relays 127.0.0.1:<port()> to 127.0.0.1:upstream_port.
  TcpRelay(uint16_t upstream_port, uint32_t min_record_len, std::size_t ring_capacity = 1 << 16);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  // Listens on 127.0.0.1:0 and starts the acceptor. "" on success.
  [[nodiscard]] std::string start();
  // Closes the listener and every connection, joins every thread. Idempotent.
  void stop();
  uint16_t port() const { return port_; }

  // Client→upstream records of at least min_record_len bytes, in arrival order (a full ring drops
  // and counts in dropped()).
  core::SpscRing<WireRecord>& records() { return ring_; }
  uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  uint64_t upstream_failures() const { return upstream_failures_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t bytes_up() const { return bytes_up_.load(std::memory_order_relaxed); }
  uint64_t bytes_down() const { return bytes_down_.load(std::memory_order_relaxed); }

 private:
  struct Conn;
  void accept_loop();
  void pump_up(Conn* c);
  void pump_down(Conn* c);

  const uint16_t upstream_port_;
  const uint32_t min_record_len_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex conns_mu_;  // guards conns_ (acceptor adds, stop() walks)
  std::vector<std::unique_ptr<Conn>> conns_;
  std::mutex push_mu_;  // serialises the ring's producers
  core::SpscRing<WireRecord> ring_;
  std::atomic<uint64_t> connections_{0}, upstream_failures_{0}, dropped_{0}, bytes_up_{0}, bytes_down_{0};
};

}  // namespace dmabot::bench
