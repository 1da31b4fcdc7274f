// gateway/binance_io/ws_event.h — the event slot the WebSocket clients (WsApiClient's user data,
// ListenKeyStream) hand to the gateway thread, and EventWriter, the I/O-thread side of that ring.
//
// A gateway treats every event source alike: kEvent carries one event object; kDisconnected says the
// stream is down (info says why); the kSessionReady after it says it is up again, and that the
// gateway must resynchronise (open orders, fills, balances) because events may have been missed.
//
// A full ring never loses events silently: EventWriter keeps two slots in reserve and, once it had to
// drop anything, owes the gateway the notice pair kDisconnected ("N events dropped (event ring full):
// resync") + kSessionReady (when the session is up), delivered as soon as the gateway has made room.
// The gateway then resynchronises exactly as after a real drop.
//
// Threads: EventWriter on the producing (I/O) thread only; the gateway reads the ring (front/pop).
// Allocation: none (the staging slot is allocated once, in the constructor).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/spsc_ring.h"
#include "gateway/binance/order_messages.h"

namespace dmabot::binance_io {

struct WsEvent {
  static constexpr std::size_t kMaxEvent = 16 * 1024;
  enum class Kind : uint8_t {
    kEvent,         // one event object (user data, serverShutdown, listenKeyExpired, ...)
    kSessionReady,  // connected (and logged on / subscribed): after a kDisconnected, resynchronise
    kDisconnected,  // the connection dropped, set-up failed, or events were dropped (info says why)
  };
  Kind kind = Kind::kEvent;
  int64_t subscription_id = -1;  // WsApiClient: the subscription (-1: none); ListenKeyStream: -1
  int64_t recv_wall_ns = 0;
  bool truncated = false;  // the event was longer than kMaxEvent (only its start is here)
  binance::InlineString<200> info;
  uint32_t len = 0;
  char json[kMaxEvent];

  WsEvent() = default;
  WsEvent(const WsEvent& o) { *this = o; }
  WsEvent& operator=(const WsEvent& o);
  [[nodiscard]] std::string_view view() const { return {json, len}; }
};

class EventWriter {
 public:
  // `ring` needs at least 4 slots; `events` counts kEvent pushed, `dropped` kEvent dropped.
  EventWriter(core::SpscRing<WsEvent>& ring, std::atomic<uint64_t>& events, std::atomic<uint64_t>& dropped)
      : ring_(ring), events_(events), dropped_(dropped), slot_(std::make_unique<WsEvent>()) {}

  // Queues one item (first the owed notice, if any). False when it had to be dropped (counted; the
  // notice is then owed). `session_up`: whether the owed notice ends with kSessionReady.
  bool push(WsEvent::Kind kind, int64_t sub_id, std::string_view json, std::string_view info, bool session_up);
  // Delivers the owed notice if there is room now (call it from a timer while owes_notice()).
  bool flush(bool session_up);
  [[nodiscard]] bool owes_notice() const { return owed_ != 0; }

 private:
  static constexpr std::size_t kReserve = 2;  // room kept for the notice pair
  void put(WsEvent::Kind kind, int64_t sub_id, std::string_view json, std::string_view info);

  core::SpscRing<WsEvent>& ring_;
  std::atomic<uint64_t>& events_;
  std::atomic<uint64_t>& dropped_;
  std::unique_ptr<WsEvent> slot_;
  uint64_t owed_ = 0;  // items dropped since the last notice (0: none owed)
};

}  // namespace dmabot::binance_io
