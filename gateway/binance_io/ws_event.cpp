#include "gateway/binance_io/ws_event.h"

#include <algorithm>
#include <charconv>

#include "core/clock.h"
#include "gateway/binance_io/io_common.h"

namespace dmabot::binance_io {

WsEvent& WsEvent::operator=(const WsEvent& o) {
  using E = WsEvent;
  return assign_slot(*this, o, &E::kind, &E::subscription_id, &E::recv_wall_ns, &E::truncated, &E::info,
                     slot_payload(&E::len, &E::json));
}

void EventWriter::put(WsEvent::Kind kind, int64_t sub_id, std::string_view json, std::string_view info) {
  WsEvent& e = *slot_;
  e.kind = kind;
  e.subscription_id = sub_id;
  e.recv_wall_ns = core::wall_clock_ns();
  e.truncated = json.size() > WsEvent::kMaxEvent;
  e.len = static_cast<uint32_t>(std::min(json.size(), WsEvent::kMaxEvent));
  std::copy_n(json.begin(), e.len, e.json);
  e.info.len = 0;
  (void)e.info.assign(info.substr(0, 200));
  (void)ring_.try_push(e);  // room checked by the caller
}

bool EventWriter::flush(bool session_up) {
  if (owed_ == 0) return true;
  if (ring_.free_slots() < kReserve) return false;
  char text[96] = "events dropped (event ring full): resync; dropped: ";
  std::size_t n = std::strlen(text);
  auto [end, ec] = std::to_chars(text + n, text + sizeof text, owed_);
  (void)ec;
  put(WsEvent::Kind::kDisconnected, -1, "", std::string_view(text, static_cast<std::size_t>(end - text)));
  if (session_up) put(WsEvent::Kind::kSessionReady, -1, "", "resync after dropped events");
  owed_ = 0;
  return true;
}

bool EventWriter::push(WsEvent::Kind kind, int64_t sub_id, std::string_view json, std::string_view info,
                       bool session_up) {
  bool ok = flush(session_up) && ring_.free_slots() > kReserve;
  if (ok) {
    put(kind, sub_id, json, info);
    if (kind == WsEvent::Kind::kEvent) events_.fetch_add(1, std::memory_order_relaxed);
  } else {
    ++owed_;
    if (kind == WsEvent::Kind::kEvent) dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  return ok;
}

}  // namespace dmabot::binance_io
