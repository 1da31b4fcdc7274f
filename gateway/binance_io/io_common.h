// gateway/binance_io/io_common.h — pieces the Binance I/O clients share: URL parsing, the TLS client
// context (certificate and host-name verification always on), Notifier, the eventfd that wakes a
// thread without a lock or an allocation, Backoff, the reconnect delays, and assign_slot, the copy of
// a ring slot that moves only the used part of its payload buffers.
//
// Threads: Notifier::notify from any thread; wait/drain from the thread that owns the waiting side.
// Backoff: one thread (the client's I/O thread).
// Allocation: parse_url and make_tls_context allocate (cold, at construction); Notifier, Backoff and
// assign_slot never do.
// Errors: parse_url / make_tls_context return a one-line message ("" on success).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace dmabot::binance_io {

// https://host[:port][/path] or wss://host[:port][/path]. http:// and ws:// are refused: TLS is always on.
struct Url {
  std::string host;  // as written (an IPv6 literal without its brackets)
  uint16_t port = 443;
  std::string path;  // "" or starting with '/'
};
[[nodiscard]] std::string parse_url(std::string_view text, std::string_view scheme, Url& out);

// A client context that verifies the peer's chain (against ca_file when given, else the system's
// trust store) and its name (host: DNS name or IP literal). TLS 1.2 minimum.
[[nodiscard]] std::string make_tls_context(const std::string& ca_file, const std::string& host,
                                           std::unique_ptr<boost::asio::ssl::context>& out);

// Sets SNI on an SSL object when host is a DNS name (RFC 6066 forbids IP literals there).
void set_sni(void* ssl_native_handle, const std::string& host);

// An eventfd counter: notify() adds one and wakes a waiter; wait() blocks up to `timeout` for a
// non-zero count and clears it. Both are single syscalls; neither allocates.
class Notifier {
 public:
  Notifier();
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  void notify() const noexcept;
  // True if notified (since the last wait/drain) before the timeout.
  bool wait(std::chrono::nanoseconds timeout) const noexcept;
  void drain() const noexcept;
  // Blocks up to `timeout` until ready() is true (checked first, and after each wake-up); its result.
  template <class Ready>
  bool wait_until(Ready ready, std::chrono::nanoseconds timeout) const noexcept {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (ready()) return true;
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::nanoseconds::zero()) return false;
      (void)wait(left);
    }
  }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Exponential backoff with ±20% jitter (xorshift), so many clients do not reconnect in step:
// next_ms() is the wait before the next attempt and doubles the one after (up to max_ms); reset()
// after a success.
class Backoff {
 public:
  Backoff(int initial_ms, int max_ms) : initial_ms_(initial_ms), max_ms_(max_ms), current_ms_(initial_ms) {}
  [[nodiscard]] int next_ms() noexcept;
  void reset() noexcept { current_ms_ = initial_ms_; }

 private:
  int initial_ms_;
  int max_ms_;
  int current_ms_;
  uint64_t jitter_ = 0x9e3779b97f4a7c15ULL;
};

// A ring slot's payload buffer with the member that counts its used bytes (see assign_slot).
template <class Slot, std::size_t N>
struct SlotPayload {
  uint32_t Slot::*len;
  char (Slot::*buf)[N];
};
template <class Slot, std::size_t N>
constexpr SlotPayload<Slot, N> slot_payload(uint32_t Slot::*len, char (Slot::*buf)[N]) {
  return {len, buf};
}

namespace internal {
template <class Slot, class Member>
void assign_member(Slot& to, const Slot& from, Member Slot::*m) {
  to.*m = from.*m;
}
template <class Slot, std::size_t N>
void assign_member(Slot& to, const Slot& from, SlotPayload<Slot, N> p) {
  to.*p.len = from.*p.len;
  std::memcpy(to.*p.buf, from.*p.buf, from.*p.len);
}
}  // namespace internal

// The copy-assignment of a ring slot (requests, responses, events: KiBs of buffer, usually a short
// message in it): each listed member is assigned, and of each slot_payload(&Slot::len, &Slot::buf)
// only the first `len` bytes are copied. A buffer listed without slot_payload() does not compile.
//   WsRequest& WsRequest::operator=(const WsRequest& o) {
//     using R = WsRequest;
//     return assign_slot(*this, o, &R::id, &R::timeout_ms, slot_payload(&R::len, &R::json));
//   }
template <class Slot, class... Parts>
Slot& assign_slot(Slot& to, const Slot& from, Parts... parts) {
  if (&to != &from) (internal::assign_member(to, from, parts), ...);
  return to;
}

}  // namespace dmabot::binance_io
