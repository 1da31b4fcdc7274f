// gateway/binance_io/https_get.h — one blocking HTTPS GET for cold paths whose answer is too large
// for RestClient's fixed 64 KiB response slots: exchangeInfo (Spot lists thousands of symbols, several
// MB; USD-M about a MB). Same TLS rules as the other clients (io_common.h): certificate and host-name
// verification always on, the CA file or the system trust store, SNI for DNS names.
//
// One call = one connection (resolve, connect, TLS, request, response, close) on a private
// io_context run on the caller's thread; `timeout_ms` bounds connect, TLS, request and response. A
// DNS lookup that hangs is bounded by the system resolver's own timeout, not by timeout_ms:
// getaddrinfo cannot be cancelled (the same holds for RestClient).
//
// Threads: any thread; nothing is shared between calls. Allocation: freely (cold path only — never
// call it from a hot thread). Errors: a one-line absl::Status; an HTTP answer of any status is a
// result, not an error (the caller decides what a 4xx means).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dmabot::binance_io {

struct HttpsGetOptions {
  std::string ca_file;  // "" = the system trust store
  std::string api_key;  // sent as X-MBX-APIKEY when not empty (never logged)
  int timeout_ms = 10'000;
  std::size_t max_body_bytes = std::size_t{64} << 20;
};

struct HttpsGetResult {
  int status = 0;              // HTTP status
  std::string body;            // the whole body
  int64_t retry_after_s = -1;  // Retry-After header (seconds), -1 when absent
};

// GET base_url + target. base_url: https://host[:port] (no path); target: "/api/v3/exchangeInfo?...".
// Errors (messages name the step): InvalidArgument for a bad URL, FailedPrecondition for an
// unreadable CA file, Unavailable for resolve/connect/TLS/read failures (a wrong CA: "TLS handshake:
// certificate verify failed"), DeadlineExceeded on the timeout, ResourceExhausted when the body is
// longer than max_body_bytes.
[[nodiscard]] absl::StatusOr<HttpsGetResult> https_get(std::string_view base_url, std::string_view target,
                                                       const HttpsGetOptions& options);

}  // namespace dmabot::binance_io
