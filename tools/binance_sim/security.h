// tools/binance_sim/security.h — binance-sim's API keys and Binance's request authentication: which
// keys exist (the --account flags plus the well-known test account), whose signature a request
// carries, and whether its timestamp is inside recvWindow on the server's (possibly skewed) clock.
//
// Rules (rest-api.md "SIGNED (TRADE and USER_DATA) Endpoint security", "Timing security"; errors.md):
//   API key       X-MBX-APIKEY (REST) / `apiKey` param (WebSocket API). Absent or empty → HTTP 401
//                 -2014 "API-key format invalid."; not registered → HTTP 401 -2015 "Invalid API-key,
//                 IP, or permissions for action.".
//   timestamp     mandatory (-1102); milliseconds, or microseconds when the value is >= 1e14 (a
//                 millisecond clock reaches 1e14 in the year 5138).
//   recvWindow    optional decimal ms with up to 3 decimals (µs precision), default 5000; above 60000
//                 → -1131 "recvWindow must be less than 60000" (not in errors.md: Binance's observed
//                 answer); 0 or malformed → -1100/-1102 from the typed getter.
//   window        accepted when timestamp < server + 1 s and server − timestamp <= recvWindow, else
//                 -1021 with the text for the side it missed (exchange_faults.h check_timestamp).
//   signature     mandatory (-1102). HMAC: hex, case-insensitive. Ed25519: base64 (the REST value is
//                 percent-decoded by RequestParams; a '+' that arrived unencoded became a space and is
//                 put back). Wrong → -1022 "Signature for this request is not valid.".
//   payloads      REST: Binance's documented form — the raw query then the raw body, `signature`
//                 removed — OR the form Binance's official Node connectors sign (every value through
//                 encodeURIComponent; they differ for spaces and !~'()); both accepted because real
//                 Binance accepts what those connectors send for ASCII ids (notes: connectors.md 3).
//                 WebSocket API: params sorted by name with raw values (the docs) or encodeURIComponent
//                 values (the connectors) — both accepted.
//   session.logon spot only, Ed25519 keys only (web-socket-api.md "Authentication requests"); an HMAC
//                 key → -4056 "HMAC_SHA256 API key is not supported." (Binance's observed answer).
// Order of checks, as Binance answers a request with several faults: API key, timestamp present,
// recvWindow, signature present, signature valid, timestamp window.
//
// Threads: the sim's io thread only (KeyRegistry is filled before serving, then read-only).
// Allocation: per request (payload strings); this is the venue side, not the engine's hot path.
// Secrets: HMAC secrets go into HmacSha256Signer at once (which keeps midstates only); no method here
// prints or returns key material, and errors name the api key and the file, never the secret.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/binance/request_params.h"
#include "gateway/binance/signer.h"
#include "tools/binance_sim/accounts.h"
#include "tools/binance_sim/exchange_types.h"
#include "tools/binance_sim/sim_options.h"

namespace dmabot::binance_sim {

// The default account of `dmabot binance-sim` (docs/BINANCE_SIM.md "Default account"). TEST ONLY: a
// well-known key pair so `.env.local` works against a fresh sim; it never grants anything on Binance.
inline constexpr std::string_view kDefaultApiKey = "dmabot-local-key";
inline constexpr std::string_view kDefaultHmacSecret = "dmabot-local-secret";

inline constexpr int64_t kDefaultRecvWindowMs = 5000;
inline constexpr int64_t kMaxRecvWindowMs = 60000;

class KeyRegistry {
 public:
  // Errors: duplicate api key, empty key or secret, unreadable / non-Ed25519 PEM (names key and file).
  [[nodiscard]] absl::Status add_hmac(const std::string& api_key, std::string_view secret);
  [[nodiscard]] absl::Status add_ed25519_pem(const std::string& api_key, std::string_view pem_text);
  [[nodiscard]] absl::Status add_ed25519_pem_file(const std::string& api_key, const std::string& path);
  // An --account flag / an exchange AccountConfig.
  [[nodiscard]] absl::Status add(const AccountFlag& flag);
  [[nodiscard]] absl::Status add(const AccountConfig& config);

  [[nodiscard]] bool contains(std::string_view api_key) const { return keys_.find(api_key) != keys_.end(); }
  [[nodiscard]] std::optional<KeyType> type(std::string_view api_key) const;
  // Does `signature` (hex for HMAC, base64 for Ed25519) sign `payload` with this key? False for an
  // unknown key.
  [[nodiscard]] bool verify(std::string_view api_key, std::string_view payload, std::string_view signature) const;
  [[nodiscard]] std::size_t size() const { return keys_.size(); }

 private:
  struct Key {
    KeyType type = KeyType::kHmac;
    std::optional<binance::HmacSha256Signer> hmac;
    std::optional<binance::Ed25519Verifier> ed25519;
  };
  std::map<std::string, Key, std::less<>> keys_;
};

// Binance's authentication answers, as ExchangeError (code, HTTP status, msg).
[[nodiscard]] ExchangeError missing_api_key_error();  // 401 -2014
[[nodiscard]] ExchangeError unknown_api_key_error();  // 401 -2015
[[nodiscard]] ExchangeError bad_signature_error();    // 400 -1022

class Security {
 public:
  // clock_skew_ms: the clock-skew-ms fault (server time = now + skew).
  Security(const KeyRegistry& keys, int64_t clock_skew_ms) : keys_(keys), skew_ms_(clock_skew_ms) {}

  [[nodiscard]] const KeyRegistry& keys() const { return keys_; }
  // The server clock as clients see it (time endpoints, timestamp checks).
  [[nodiscard]] UnixNanos server_time(UnixNanos now) const { return now + skew_ms_ * kNsPerMs; }
  // The admin hook (/sim/admin/clock): moves the server clock while running.
  void set_skew_ms(int64_t ms) { skew_ms_ = ms; }
  [[nodiscard]] int64_t server_time_ms(UnixNanos now) const { return server_time(now) / kNsPerMs; }

  // USER_STREAM and other key-only endpoints (futures listenKey): the key must be registered.
  [[nodiscard]] ExchangeError check_api_key(std::string_view api_key) const;

  // A REST SIGNED request: the X-MBX-APIKEY value and its parsed query/body. On success `timestamp`,
  // `recvWindow` and `signature` are marked read (check_all_read then sees only trading params).
  [[nodiscard]] ExchangeError authenticate_rest(std::string_view api_key, binance::RequestParams& params,
                                                UnixNanos now) const;

  // A WebSocket API SIGNED request carrying apiKey + signature (before or without session.logon).
  // On success api_key_out is the key and apiKey/timestamp/recvWindow/signature are marked read.
  [[nodiscard]] ExchangeError authenticate_ws(binance::RequestParams& params, UnixNanos now,
                                              std::string& api_key_out) const;
  // Only the signature over the WS params (raw or uri-component payload) for `api_key`; no timing.
  [[nodiscard]] bool verify_ws_signature(std::string_view api_key, const binance::RequestParams& params) const;
  // A request on a logged-on session (no apiKey / signature, connectors.md 5): timestamp and
  // recvWindow only; marks them read.
  [[nodiscard]] ExchangeError check_timing(binance::RequestParams& params, UnixNanos now) const;
  // session.logon: spot only, Ed25519 keys only, then as authenticate_ws.
  [[nodiscard]] ExchangeError session_logon(Product product, binance::RequestParams& params, UnixNanos now,
                                            std::string& api_key_out) const;

 private:
  [[nodiscard]] ExchangeError read_timing(binance::RequestParams& params, UnixNanos& ts, UnixNanos& window) const;

  const KeyRegistry& keys_;
  int64_t skew_ms_;
};

}  // namespace dmabot::binance_sim
