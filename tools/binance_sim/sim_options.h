// tools/binance_sim/sim_options.h — everything `dmabot binance-sim` is told on its command line:
// listeners, TLS, limits (ServerOptions, read by the transport), the exchange's flags (accounts,
// balances, market, ledger; read by the venue) and the faults (--fault NAME=VALUE; transport faults
// applied by the server, exchange faults kept for the venue).
//
// Threads: plain data; parse on the main thread before anything starts.
// Allocation: at parse time only.
// Errors: parse_sim_args() returns a one-line message naming the flag and the bad value, e.g.
//   "--fault: unknown fault 'drop-ws' (known: drop-ws-every-s, latency-ms, ...)"; the CLI exits 2.
//   Secrets (hmac secrets) never appear in an error or in any output.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmabot::binance_sim {

// --fault NAME=VALUE. Zero means "off" for every fault.
struct Faults {
  // Transport (server.cpp applies them).
  double drop_ws_every_s = 0;  // drop-ws-every-s: every N s, every WebSocket connection is cut (TCP
                               // close without a close frame, as a network drop looks)
  double latency_ms = 0;       // latency-ms: each HTTP response and each WS message waits N ms (timer)
  double stall_stream_s = 0;   // stall-stream-s: market stream connections cycle N s live, N s silent
                               // (data dropped, pings and the connection kept)
  // Exchange (kept for the venue).
  double http_5xx_rate = 0;          // http-5xx-rate: probability in [0,1] of a 5xx, order not taken
  double http_5xx_applied_rate = 0;  // http-5xx-applied-rate: probability of a 5xx after the order took effect
  double clock_skew_ms = 0;          // clock-skew-ms: server clock offset (may be negative)
  double listenkey_expire_s = 0;     // listenkey-expire-s: listenKeys expire after N s
  double reject_rate = 0;            // reject-rate: probability in [0,1] of a random order rejection
  double weight_limit = 0;           // weight-limit: request weight per minute (replaces Binance's 6000/2400)
  double order_limit_10s = 0;        // order-limit-10s: new orders per 10 s per account (replaces 100/300;
                                     // benchmarks raise it)
};

// Sets one fault from "NAME=VALUE"; "" on success, else a message naming the fault or the value.
[[nodiscard]] std::string parse_fault(std::string_view name_eq_value, Faults& faults);

struct ListenAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks a free port
};

// Transport limits. Defaults suit real clients; tests shrink them.
struct Limits {
  std::size_t header_limit = 8 * 1024;                 // request line + headers; more → 431
  std::size_t body_limit = 64 * 1024;                  // request body; more → 413
  std::size_t ws_message_limit = 64 * 1024;            // one incoming WS message; more → close 1009
  std::size_t ws_outbound_limit = 16 * 1024 * 1024;    // queued bytes per WS connection; more → cut (slow consumer)
  std::size_t max_connections = 1024;                  // per listener; more → accepted and closed at once
  std::chrono::milliseconds request_timeout{10'000};   // a whole request (headers+body) must arrive within it
  std::chrono::milliseconds idle_timeout{60'000};      // keep-alive HTTP connection without a request
  std::chrono::milliseconds ws_ping_interval{20'000};  // server ping, as Binance
  std::chrono::milliseconds ws_pong_timeout{60'000};   // no pong for this long after a ping → close
  std::chrono::milliseconds ws_max_age{24 * 3600 * 1000};  // Binance ends connections at 24 h
};

struct ServerOptions {
  ListenAddress spot;
  ListenAddress futures;
  bool plain_http = false;  // no TLS (debugging only)
  std::string tls_dir;      // where ca.pem goes ("" → a fresh temp dir)
  std::string tls_cert;     // given server certificate chain (PEM); with tls_key, no CA is generated
  std::string tls_key;
  Limits limits;
  Faults faults;
};

struct AccountFlag {  // --account KEY:TYPE:SECRET|PEM
  std::string api_key;
  enum class KeyType : uint8_t { kHmac, kEd25519 } key_type = KeyType::kHmac;
  std::string secret;          // hmac secret (never printed)
  std::string public_key_pem;  // ed25519: the PEM file's path
};

struct BalanceFlag {  // --balance ASSET=AMOUNT
  std::string asset;
  std::string amount;  // decimal string as given (validated as a non-negative decimal)
};

// The exchange's flags, parsed and validated here, used by the venue.
struct ExchangeOptions {
  std::vector<AccountFlag> accounts;
  std::vector<BalanceFlag> balances;
  int leverage = 20;
  bool hedge_mode = false;  // --position-mode hedge
  uint64_t seed = 1;
  std::string market = "walk";  // "walk" or a capture file
  std::vector<std::string> symbols{"BTCUSDT"};
  std::string ledger;  // "" = no ledger
  bool admin = false;  // --admin: the /sim/admin/* test hooks (docs/BINANCE_SIM.md "Admin hooks")
};

struct SimOptions {
  ServerOptions server;
  ExchangeOptions exchange;
  std::string ready_file;
  bool help = false;
};

// Parses the arguments after "binance-sim". "" on success, else the one-line error.
[[nodiscard]] std::string parse_sim_args(int argc, char** argv, SimOptions& out);

extern const char* const kBinanceSimHelp;

}  // namespace dmabot::binance_sim
