// tools/binance_sim/exchange_faults.h — the exchange-side faults of `dmabot binance-sim --fault
// NAME=VALUE`, and the seeded decisions the HTTP / WebSocket API layers ask for.
//
//   http-5xx-rate=P          an order request is answered 5xx before it takes effect (nothing changes)
//   http-5xx-applied-rate=P  the order takes effect, then the answer is a 5xx: the "unknown outcome"
//                            a client must resolve by querying
//   reject-rate=P            a new order is rejected (-2010 spot / -1000-style futures) at random
//   clock-skew-ms=N          the server clock (time endpoint, timestamps, recvWindow checks) runs N ms
//                            ahead (negative: behind)
//   listenkey-expire-s=N     listen keys expire after N s instead of 60 min
//   weight-limit=N           request weight per minute tightened to N
//   order-limit-10s=N        new orders per 10 s per account set to N (Binance: spot 100, USD-M 300);
//                            a benchmark raises it (bench/tick_to_wire), a test may tighten it
// The transport's faults (drop-ws-every-s, latency-ms, stall-stream-s) are parsed here too so the CLI
// has one parser; the exchange ignores them.
//
// Decisions come from one SplitMix64 seeded from `seed`, drawn in request order, so the same seed and
// the same requests give the same faults. Rates are probabilities in [0, 1].
//
// Threads: one owner (the sim's io thread). Allocation: none after construction.
// Errors: parse_fault() answers InvalidArgument naming the fault and what is wrong with its value.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "core/prng.h"
#include "core/types.h"
#include "tools/binance_sim/exchange_types.h"

namespace dmabot::binance_sim {

struct ExchangeFaults {
  double http_5xx_rate = 0.0;
  double http_5xx_applied_rate = 0.0;
  double reject_rate = 0.0;
  int64_t clock_skew_ms = 0;
  int64_t listenkey_expire_s = 0;  // 0 = Binance's 60 minutes
  int64_t weight_limit = 0;        // 0 = the product's limit
  int64_t order_limit_10s = 0;     // 0 = the product's limit
  // Transport faults (not used by the exchange).
  int64_t drop_ws_every_s = 0;
  int64_t latency_ms = 0;
  int64_t stall_stream_s = 0;
  uint64_t seed = 1;
};

// Parses one "NAME=VALUE" into `faults`.
[[nodiscard]] absl::Status parse_fault(std::string_view spec, ExchangeFaults& faults);

// What to do with an order request (new / cancel / cancelReplace).
enum class OrderFault : uint8_t {
  kNone,
  kHttp5xxBefore,   // answer 5xx, do not apply
  kHttp5xxApplied,  // apply, then answer 5xx
  kReject,          // reject with a Binance error (order requests that create an order only)
};

// The answer to send for a fault. Both 5xx kinds look the same to the client (that is the point: it
// must query to learn the outcome): HTTP 503 with -1007 "Timeout waiting for response from backend
// server. Send status unknown; execution status unknown." A random rejection is HTTP 400 with -2010
// NEW_ORDER_REJECTED. kNone gives code 0.
[[nodiscard]] ExchangeError fault_error(OrderFault f);

// Binance's timing rule for SIGNED requests (rest-api.md "Timing security"), on the server's clock
// (server_time(), so clock-skew-ms applies): accepted when timestamp < server + 1 s and
// server - timestamp <= recv_window; otherwise -1021 with the message for the side it missed.
// All three in ns (the caller converts the request's ms or µs; recvWindow defaults to 5000 ms and
// may not exceed 60000 ms — the caller rejects a larger one as a bad parameter).
[[nodiscard]] ExchangeError check_timestamp(core::UnixNanos timestamp, core::UnixNanos recv_window,
                                            core::UnixNanos server_now);

class FaultInjector {
 public:
  explicit FaultInjector(const ExchangeFaults& faults) : faults_(faults), rng_(faults.seed ^ 0x5EEDFA17ull) {}

  // One draw per call, in this order of precedence: 5xx-before, 5xx-applied, reject (reject only when
  // creates_order). Deterministic for a seed and a sequence of calls.
  [[nodiscard]] OrderFault decide_order(bool creates_order);
  // The server's clock as clients see it.
  [[nodiscard]] core::UnixNanos server_time(core::UnixNanos now) const {
    return now + faults_.clock_skew_ms * 1'000'000;
  }
  [[nodiscard]] int64_t listen_key_validity_s() const {
    return faults_.listenkey_expire_s > 0 ? faults_.listenkey_expire_s : 3600;
  }
  [[nodiscard]] const ExchangeFaults& faults() const { return faults_; }

 private:
  ExchangeFaults faults_;
  core::SplitMix64 rng_;
};

}  // namespace dmabot::binance_sim
