// gateway/binance_io/ws_api_client.h — Binance's WebSocket API (spot /ws-api/v3, USD-M /ws-fapi/v1)
// over TLS, on its own I/O thread.
//
// The gateway thread takes an id from next_id(), renders it with format_id(), encodes the request with
// gateway/binance/order_messages.h (encode_ws_request → sign when needed → finish_ws_request) into a
// WsRequest slot and submit()s it. Answers come back in WsResponse slots (front/pop) matched by id:
// the whole frame, for binance::ResponseDecoder::decode_ws_envelope. Frames carrying
// `{"subscriptionId":N,"event":{...}}` (user data, serverShutdown) go to a second ring (event_front/
// event_pop) as the event object alone; the same ring carries the session notices kSessionReady and
// kDisconnected, so the gateway knows when to resynchronise (open orders, balances) after a drop (the
// WsEvent rules, ws_event.h: a full event ring ends in a kDisconnected "events dropped" notice too).
//
// Session: after each (re)connect the client itself signs in before any gateway request goes out:
//   Auth::kEd25519Logon  session.logon signed with the Ed25519 key (then requests need no signature);
//                        with user_data, userDataStream.subscribe.
//   Auth::kHmac          nothing to log on; with user_data, userDataStream.subscribe.signature (HMAC).
//   Auth::kNone          neither (public methods only, or requests the caller signs itself).
// Timestamps for those come from `clock` (ClockOffset) or the local wall clock.
// Requests submitted while disconnected wait in the ring; if still waiting after their timeout they
// are answered kNotSent (they never left). Pings from the server are answered (Beast does it on read).
//
// Outcomes (WsResponse::outcome), the same rules as RestClient's:
//   kResponse        the server's answer (status 200 or an error status; see the frame).
//   kTimeout         no answer within the request's timeout: outcome unknown (a late answer is dropped
//                    and counted in stats().late_answers).
//   kUnknownOutcome  the connection dropped while the request was sent or awaiting its answer.
//   kNotSent         never left (not connected before its timeout).
// A dropped connection is reopened with exponential backoff (with jitter) until it works.
//
// Threads: next_id/submit/front/pop/event_front/event_pop/wait: one gateway thread. ready()/stats():
// any thread. Everything else on the I/O thread.
// Allocation: create() and the I/O thread; none in next_id/format_id/submit/front/pop/event_*.
// Errors: create() returns a one-line status (bad URL, unreadable CA, missing key for the auth).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/spsc_ring.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_io/clock_offset.h"
#include "gateway/binance_io/io_common.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_event.h"

namespace dmabot::binance_io {

struct WsRequest {
  static constexpr std::size_t kMaxJson = 4096;
  uint64_t id = 0;             // the id encoded in the JSON (format_id(next_id()))
  int32_t timeout_ms = 0;      // 0: the client's default
  int64_t submit_mono_ns = 0;  // set by submit()
  uint32_t len = 0;
  char json[kMaxJson];

  WsRequest() = default;
  WsRequest(const WsRequest& o) { *this = o; }
  WsRequest& operator=(const WsRequest& o);
  [[nodiscard]] bool set(uint64_t id_, std::string_view json_);
  [[nodiscard]] std::string_view view() const { return {json, len}; }
};

struct WsResponse {
  static constexpr std::size_t kMaxFrame = 64 * 1024;
  uint64_t id = 0;
  Outcome outcome = Outcome::kResponse;
  int status = 0;  // the frame's `status` (kResponse only)
  int64_t done_wall_ns = 0;
  bool truncated = false;
  binance::InlineString<200> error;
  uint32_t len = 0;
  char frame[kMaxFrame];

  WsResponse() = default;
  WsResponse(const WsResponse& o) { *this = o; }
  WsResponse& operator=(const WsResponse& o);
  [[nodiscard]] std::string_view view() const { return {frame, len}; }
};

class WsApiClient {
 public:
  enum class Auth : uint8_t { kNone, kEd25519Logon, kHmac };
  struct Options {
    std::string url;      // wss://host:port/ws-api/v3
    std::string ca_file;  // "" = the system trust store
    Auth auth = Auth::kNone;
    std::string api_key;                            // for kEd25519Logon / kHmac (never logged)
    std::optional<binance::Ed25519Signer> ed25519;  // kEd25519Logon (used on the I/O thread only)
    std::optional<binance::HmacSha256Signer> hmac;  // kHmac
    bool user_data = false;                         // subscribe to user data after connecting
    const ClockOffset* clock = nullptr;             // timestamps; null = local wall clock
    std::optional<int64_t> recv_window_ms;
    int default_timeout_ms = 5000;
    int connect_timeout_ms = 5000;
    int backoff_initial_ms = 100;
    int backoff_max_ms = 5000;
    std::size_t ring_capacity = 64;  // requests, responses, events (events: 4x)
  };
  struct Stats {
    std::atomic<uint64_t> connects{0};  // sessions made ready
    std::atomic<uint64_t> disconnects{0};
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> responses{0};
    std::atomic<uint64_t> timeouts{0};
    std::atomic<uint64_t> unknown_outcomes{0};
    std::atomic<uint64_t> not_sent{0};
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> events_dropped{0};  // the event ring was full (then a resync notice follows)
    std::atomic<uint64_t> late_answers{0};    // answers to no pending id (after a timeout)
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WsApiClient>> create(Options options);
  ~WsApiClient();
  WsApiClient(const WsApiClient&) = delete;
  WsApiClient& operator=(const WsApiClient&) = delete;

  // Gateway thread --------------------------------------------------------------------------------
  [[nodiscard]] uint64_t next_id() noexcept { return ++last_id_; }
  // Decimal text of an id (what encode_ws_request sends as the JSON string).
  [[nodiscard]] static std::string_view format_id(uint64_t id, char (&buf)[24]) noexcept;
  [[nodiscard]] bool submit(WsRequest& r) noexcept;  // stamps submit_mono_ns; false: ring full
  [[nodiscard]] const WsResponse* front() noexcept;
  void pop() noexcept;
  [[nodiscard]] const WsEvent* event_front() noexcept;
  void event_pop() noexcept;
  // Blocks up to `timeout` until a response or an event is readable (cold paths and tests).
  bool wait(std::chrono::nanoseconds timeout) noexcept;

  [[nodiscard]] bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  struct Impl;
  WsApiClient() = default;
  Options opt_;
  Url url_;
  Stats stats_;
  uint64_t last_id_ = 0;
  std::atomic<bool> ready_{false};
  std::unique_ptr<core::SpscRing<WsRequest>> requests_;
  std::unique_ptr<core::SpscRing<WsResponse>> responses_;
  std::unique_ptr<core::SpscRing<WsEvent>> events_;
  Notifier to_io_;
  Notifier to_gateway_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::binance_io
