// gateway/binance_io/rest_client.h — Binance REST over HTTPS/1.1 keep-alive, on its own I/O thread.
//
// The gateway thread builds a request (method, path, query and/or form body — already encoded and
// signed with gateway/binance/order_messages.h and signer.h) into a RestRequest slot, submit()s it,
// and later reads RestResponse slots with front()/pop(). Between the two threads there are only two
// SPSC rings (core/spsc_ring.h) and an eventfd wake-up: no lock, no allocation on the gateway side.
//
// Outcomes (RestResponse::outcome) — what the caller may conclude:
//   kResponse        a complete HTTP response, any status: body, status, rate headers (x-mbx-used-weight-*,
//                    x-mbx-order-count-*, Retry-After) parsed into `usage`.
//   kTimeout         no complete response within the request's timeout. The request may or may not
//                    have taken effect (outcome unknown): query by client order id; never resend blindly.
//                    The connection is closed (a late answer would be read as the next one's).
//   kUnknownOutcome  the connection failed after the request started going out (reset, EOF, TLS
//                    error mid-request). Same rule as kTimeout. The client never resends by itself.
//   kNotSent         nothing reached the server: DNS, TCP connect, or TLS handshake failed (a wrong CA or
//                    host name lands here, with the reason in `error`). Safe to retry.
//   kInvalid         the request could not be used (empty method/path) — a caller bug.
// Connections: `connections` keep-alive connections, one request at a time each (HTTP/1.1, no
// pipelining); opened on demand (the first request, or the first after a failure), reopened when idle
// longer than max_idle_ms (servers drop idle keep-alives; reusing one would turn a harmless close
// into an unknown outcome). Requests wait in the ring while every connection is busy.
// Timeout: from the moment a connection starts on the request (TCP connect and TLS handshake included
// when it has to connect; DNS resolution is not bounded by it) until the whole response is read.
//
// Threads: submit/front/pop/wait_response/can_submit: one gateway thread. Everything else runs on the
// client's own I/O thread. stats() from anywhere.
// Allocation: create() allocates the rings and the thread; the I/O thread allocates freely (Beast);
// submit/front/pop: none (proven by tests/gateway/binance_io/rest_noalloc_test.cpp).
// Errors: create() returns a one-line status (bad URL, unreadable CA file). At run time failures are
// outcomes, never exceptions.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/spsc_ring.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance_io/io_common.h"
#include "gateway/binance_io/rate_governor.h"

namespace dmabot::binance_io {

enum class Outcome : uint8_t { kResponse, kTimeout, kUnknownOutcome, kNotSent, kInvalid };
[[nodiscard]] std::string_view to_string(Outcome o);

// A request slot. Copies (into and out of the ring) move only the used bytes.
struct RestRequest {
  static constexpr std::size_t kMaxPath = 256;
  static constexpr std::size_t kMaxQuery = 4096;
  static constexpr std::size_t kMaxBody = 4096;

  uint64_t tag = 0;        // echoed in the response (the caller's correlation id)
  int32_t timeout_ms = 0;  // 0: the client's default
  binance::InlineString<8> method;
  binance::InlineString<kMaxPath> path;
  uint32_t query_len = 0;
  uint32_t body_len = 0;
  char query[kMaxQuery];
  char body[kMaxBody];

  RestRequest() = default;
  RestRequest(const RestRequest& o) { *this = o; }
  RestRequest& operator=(const RestRequest& o);

  // Fills the slot. False when a part does not fit (the slot is then unusable).
  [[nodiscard]] bool set(uint64_t tag_, std::string_view method_, std::string_view path_, std::string_view query_,
                         std::string_view body_ = {});
  [[nodiscard]] bool set(uint64_t tag_, const binance::RestTarget& t, std::string_view query_,
                         std::string_view body_ = {}) {
    return set(tag_, t.method, t.path, query_, body_);
  }
  [[nodiscard]] std::string_view query_view() const { return {query, query_len}; }
  [[nodiscard]] std::string_view body_view() const { return {body, body_len}; }
};

// A response slot.
struct RestResponse {
  static constexpr std::size_t kMaxBody = 64 * 1024;

  uint64_t tag = 0;
  Outcome outcome = Outcome::kResponse;
  int status = 0;                    // HTTP status (kResponse only)
  UsageHeaders usage;                // rate headers (kResponse only)
  int64_t sent_wall_ns = 0;          // wall clock when the request started going out (0: never)
  int64_t done_wall_ns = 0;          // wall clock when the response was complete / the failure seen
  bool truncated = false;            // the body was longer than kMaxBody (only its start is here)
  binance::InlineString<200> error;  // failures: what happened ("connect: Connection refused")
  uint32_t body_len = 0;
  char body[kMaxBody];

  RestResponse() = default;
  RestResponse(const RestResponse& o) { *this = o; }
  RestResponse& operator=(const RestResponse& o);
  [[nodiscard]] std::string_view body_view() const { return {body, body_len}; }
};

// Binance's rule for an order request: a 5xx, a timeout or a dropped connection means the execution
// status is UNKNOWN (it may have succeeded): query by client order id, never resend blindly.
[[nodiscard]] inline bool outcome_unknown(const RestResponse& r) {
  return r.outcome == Outcome::kTimeout || r.outcome == Outcome::kUnknownOutcome ||
         (r.outcome == Outcome::kResponse && r.status >= 500);
}

class RestClient {
 public:
  struct Options {
    std::string base_url;  // https://host[:port]
    std::string ca_file;   // "" = the system trust store
    std::string api_key;   // sent as X-MBX-APIKEY when not empty (never logged)
    int connections = 1;
    int default_timeout_ms = 5000;
    int max_idle_ms = 20'000;
    std::size_t ring_capacity = 64;  // each direction
  };
  struct Stats {
    std::atomic<uint64_t> submitted{0};
    std::atomic<uint64_t> responses{0};
    std::atomic<uint64_t> timeouts{0};
    std::atomic<uint64_t> unknown_outcomes{0};
    std::atomic<uint64_t> not_sent{0};
    std::atomic<uint64_t> connects{0};  // TLS sessions established
  };

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RestClient>> create(Options options);
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  // Gateway thread -------------------------------------------------------------------------------
  // False when the request ring is full (nothing was queued).
  [[nodiscard]] bool submit(const RestRequest& r) noexcept;
  [[nodiscard]] bool can_submit() noexcept;
  // The oldest unread response, or nullptr. Valid until pop().
  [[nodiscard]] const RestResponse* front() noexcept;
  void pop() noexcept;
  // Blocks up to `timeout` until a response is readable (for cold paths and tests; the gateway's hot
  // loop polls front()). True when front() is not null.
  bool wait_response(std::chrono::nanoseconds timeout) noexcept;

  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] const Url& url() const { return url_; }
  // The eventfd that turns readable when a response is queued, for an owner that polls front() from an
  // event loop instead of wait_response() (ListenKeyStream); it reads the eventfd to clear it.
  [[nodiscard]] int response_fd() const noexcept { return to_gateway_.fd(); }

 private:
  struct Impl;
  RestClient() = default;
  Options opt_;
  Url url_;
  Stats stats_;
  std::unique_ptr<core::SpscRing<RestRequest>> requests_;
  std::unique_ptr<core::SpscRing<RestResponse>> responses_;
  Notifier to_io_;
  Notifier to_gateway_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::binance_io
