#include "tools/binance_sim/security.h"

#include <utility>

#include "core/strings.h"
#include "tools/binance_sim/exchange_faults.h"

namespace dmabot::binance_sim {

namespace {

absl::Status key_error(const std::string& api_key, std::string_view what) {
  return absl::InvalidArgumentError(core::str_cat("account '", api_key, "': ", what));
}

// Timestamps at or above this are microseconds (rest-api.md: "in milliseconds or microseconds").
constexpr int64_t kMicrosThreshold = 100'000'000'000'000;  // 1e14

}  // namespace

absl::Status KeyRegistry::add_hmac(const std::string& api_key, std::string_view secret) {
  if (api_key.empty()) return absl::InvalidArgumentError("account: empty api key");
  if (contains(api_key)) return key_error(api_key, "api key given twice");
  auto signer = binance::HmacSha256Signer::create(secret);
  if (!signer.ok()) return key_error(api_key, signer.status().ToString());
  Key k;
  k.type = KeyType::kHmac;
  k.hmac.emplace(std::move(*signer));
  keys_.emplace(api_key, std::move(k));
  return absl::OkStatus();
}

absl::Status KeyRegistry::add_ed25519_pem(const std::string& api_key, std::string_view pem_text) {
  if (api_key.empty()) return absl::InvalidArgumentError("account: empty api key");
  if (contains(api_key)) return key_error(api_key, "api key given twice");
  auto v = binance::Ed25519Verifier::from_pem(pem_text);
  if (!v.ok()) return key_error(api_key, v.status().ToString());
  Key k;
  k.type = KeyType::kEd25519;
  k.ed25519.emplace(std::move(*v));
  keys_.emplace(api_key, std::move(k));
  return absl::OkStatus();
}

absl::Status KeyRegistry::add_ed25519_pem_file(const std::string& api_key, const std::string& path) {
  if (api_key.empty()) return absl::InvalidArgumentError("account: empty api key");
  if (contains(api_key)) return key_error(api_key, "api key given twice");
  auto v = binance::Ed25519Verifier::from_pem_file(path);
  if (!v.ok()) return key_error(api_key, v.status().ToString());
  Key k;
  k.type = KeyType::kEd25519;
  k.ed25519.emplace(std::move(*v));
  keys_.emplace(api_key, std::move(k));
  return absl::OkStatus();
}

absl::Status KeyRegistry::add(const AccountFlag& flag) {
  if (flag.key_type == AccountFlag::KeyType::kHmac) return add_hmac(flag.api_key, flag.secret);
  return add_ed25519_pem_file(flag.api_key, flag.public_key_pem);
}

absl::Status KeyRegistry::add(const AccountConfig& config) {
  if (config.key_type == KeyType::kHmac) return add_hmac(config.api_key, config.hmac_secret);
  return add_ed25519_pem_file(config.api_key, config.ed25519_pem_path);
}

std::optional<KeyType> KeyRegistry::type(std::string_view api_key) const {
  auto it = keys_.find(api_key);
  if (it == keys_.end()) return std::nullopt;
  return it->second.type;
}

bool KeyRegistry::verify(std::string_view api_key, std::string_view payload, std::string_view signature) const {
  auto it = keys_.find(api_key);
  if (it == keys_.end()) return false;
  const Key& k = it->second;
  if (k.type == KeyType::kHmac) return k.hmac && k.hmac->verify(payload, signature);
  if (!k.ed25519) return false;
  if (k.ed25519->verify(payload, signature)) return true;
  // A base64 '+' sent without percent-encoding was decoded to a space (form encoding): put it back.
  if (signature.find(' ') == std::string_view::npos) return false;
  std::string fixed(signature);
  for (char& c : fixed)
    if (c == ' ') c = '+';
  return k.ed25519->verify(payload, fixed);
}

ExchangeError missing_api_key_error() { return ExchangeError::make(-2014, "API-key format invalid.", 401); }
ExchangeError unknown_api_key_error() {
  return ExchangeError::make(-2015, "Invalid API-key, IP, or permissions for action.", 401);
}
ExchangeError bad_signature_error() { return ExchangeError::make(-1022, "Signature for this request is not valid."); }

namespace {
ExchangeError from_api(const binance::ApiError& e) { return ExchangeError::make(e.code, e.msg, 400); }
}  // namespace

ExchangeError Security::check_api_key(std::string_view api_key) const {
  if (api_key.empty()) return missing_api_key_error();
  if (!keys_.contains(api_key)) return unknown_api_key_error();
  return {};
}

ExchangeError Security::read_timing(binance::RequestParams& params, UnixNanos& ts, UnixNanos& window) const {
  int64_t t = 0;
  if (auto e = params.get_int64("timestamp", t, binance::Need::kRequired); !e.ok()) return from_api(e);
  if (t <= 0) return from_api(binance::RequestParams::mandatory_error("timestamp"));
  // recvWindow: decimal milliseconds with up to 3 decimals (µs precision).
  core::Qty rw = core::Qty::from_units(kDefaultRecvWindowMs);
  if (auto e = params.get_qty("recvWindow", rw, binance::Need::kOptional); !e.ok()) return from_api(e);
  if (rw.raw > kMaxRecvWindowMs * core::kScale) return ExchangeError::make(-1131, "recvWindow must be less than 60000");
  if (rw.raw < 0) return from_api(binance::RequestParams::mandatory_error("recvWindow"));
  ts = t >= kMicrosThreshold ? t * 1000 : t * kNsPerMs;
  window = rw.raw / (core::kScale / kNsPerMs);  // raw 1e-8 ms → ns
  return {};
}

ExchangeError Security::check_timing(binance::RequestParams& params, UnixNanos now) const {
  UnixNanos ts = 0, window = 0;
  if (auto e = read_timing(params, ts, window); !e.ok()) return e;
  return check_timestamp(ts, window, server_time(now));
}

ExchangeError Security::authenticate_rest(std::string_view api_key, binance::RequestParams& params,
                                          UnixNanos now) const {
  if (auto e = check_api_key(api_key); !e.ok()) return e;
  UnixNanos ts = 0, window = 0;
  if (auto e = read_timing(params, ts, window); !e.ok()) return e;
  std::string_view sig;
  if (auto e = params.get_string("signature", sig, binance::Need::kRequired); !e.ok()) return from_api(e);
  if (!keys_.verify(api_key, params.rest_signature_payload(), sig) &&
      !keys_.verify(api_key, params.rest_signature_payload_uri_component(), sig))
    return bad_signature_error();
  return check_timestamp(ts, window, server_time(now));
}

bool Security::verify_ws_signature(std::string_view api_key, const binance::RequestParams& params) const {
  const std::string_view sig = params.peek("signature");
  if (sig.empty()) return false;
  using Enc = binance::RequestParams::PayloadEncoding;
  return keys_.verify(api_key, params.ws_signature_payload(Enc::kRaw), sig) ||
         keys_.verify(api_key, params.ws_signature_payload(Enc::kUriComponent), sig);
}

ExchangeError Security::authenticate_ws(binance::RequestParams& params, UnixNanos now, std::string& api_key_out) const {
  std::string_view key;
  if (auto e = params.get_string("apiKey", key, binance::Need::kOptional); !e.ok()) return from_api(e);
  if (auto e = check_api_key(key); !e.ok()) return e;
  UnixNanos ts = 0, window = 0;
  if (auto e = read_timing(params, ts, window); !e.ok()) return e;
  std::string_view sig;
  if (auto e = params.get_string("signature", sig, binance::Need::kRequired); !e.ok()) return from_api(e);
  if (!verify_ws_signature(key, params)) return bad_signature_error();
  if (auto e = check_timestamp(ts, window, server_time(now)); !e.ok()) return e;
  api_key_out.assign(key);
  return {};
}

ExchangeError Security::session_logon(Product product, binance::RequestParams& params, UnixNanos now,
                                      std::string& api_key_out) const {
  if (product != Product::kSpot)
    return ExchangeError::make(-1020, "This operation is not supported.");  // USD-M has no session.logon
  const std::string_view key = params.peek("apiKey");
  if (auto t = keys_.type(key); t && *t == KeyType::kHmac)
    return ExchangeError::make(-4056, "HMAC_SHA256 API key is not supported.");
  return authenticate_ws(params, now, api_key_out);
}

}  // namespace dmabot::binance_sim
