// gateway/binance/signer.h — request signing for Binance's SIGNED endpoints, shared by the gateways
// (client side: sign) and binance-sim (venue side: verify).
//
// Keys:
//   HmacSha256Signer  the API secret → lower-case hex HMAC-SHA256 (64 chars). The secret is turned
//                     into the two SHA-256 midstates (key^ipad, key^opad) once, at create(); a
//                     signature then hashes only the payload plus one block — no per-message key
//                     set-up. The secret itself is not kept.
//   Ed25519Signer     a PEM private key (PKCS#8) → base64 Ed25519 signature (88 chars).
//   Ed25519Verifier   a PEM public key (SubjectPublicKeyInfo) → verify a base64 signature.
//
// Payloads (Binance's docs, rest-api.md and web-socket-api.md "SIGNED request example"):
//   REST: the query string concatenated with the request body, no separator (both as sent,
//         percent-encoded). HmacSha256Signer::sign(query, body, out) hashes the two without copying.
//   WebSocket API: every param except `signature`, sorted by name (byte order), `name=value` joined
//         by `&`, values not encoded (UTF-8 as is): build_ws_payload().
//
// Threads: HmacSha256Signer::sign/verify and Ed25519Verifier::verify are const and may be called from
// any number of threads at once. Ed25519Signer::sign reuses one OpenSSL context: one thread at a time
// per signer (give each sending thread its own signer).
//
// Allocation (measured by tests/gateway/binance/signer_noalloc_test.cpp, which counts both global
// operator new and OpenSSL's own mallocs):
//   - HmacSha256Signer::sign/verify, build_ws_payload, build_rest_payload: none, ever.
//   - Ed25519Signer::sign: no allocation of ours and no context set-up per message (the EVP_MD_CTX is
//     re-initialised in place with the key it already holds), but OpenSSL 3.0's Ed25519 provider
//     itself allocates on every signature (it fetches SHA-512 and creates a digest context inside
//     ossl_ed25519_sign): 5 mallocs per signature with Debian's 3.0.x. There is no public API to
//     avoid them. Binance's WebSocket API needs Ed25519 only once per connection (session.logon),
//     after which orders carry no signature; REST with Ed25519 pays this per request.
//   - Ed25519Verifier::verify: allocates (a fresh context per call keeps it const and thread-safe;
//     it runs on the venue side).
//   - Loading a key (create / from_pem*) allocates freely.
//
// Errors: loading returns absl::Status with one line naming what is wrong (empty secret, not PEM,
// encrypted PEM, wrong key type, unreadable file) and never any key material; no exception escapes.
// Signing cannot fail for HMAC; Ed25519Signer::sign answers false only if OpenSSL fails internally.
//
// Ownership: move-only; a moved-from object holds no key and must not be used again (its HMAC
// midstates are wiped, Ed25519 sign/verify answer false).
//
// Secrets: none of these types can be streamed (operator<< is deleted) and gtest prints them as
// "<redacted>"; key material is wiped (OPENSSL_cleanse) on destruction.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dmabot::binance {

inline constexpr std::size_t kHmacSha256HexSize = 64;  // 32-byte MAC as lower-case hex
inline constexpr std::size_t kEd25519Base64Size = 88;  // 64-byte signature as padded base64

class HmacSha256Signer {
 public:
  // The API secret as Binance shows it (its ASCII bytes are the HMAC key). Empty → InvalidArgument.
  [[nodiscard]] static absl::StatusOr<HmacSha256Signer> create(std::string_view secret);

  HmacSha256Signer(HmacSha256Signer&& other) noexcept;
  HmacSha256Signer& operator=(HmacSha256Signer&& other) noexcept;
  HmacSha256Signer(const HmacSha256Signer&) = delete;
  HmacSha256Signer& operator=(const HmacSha256Signer&) = delete;
  ~HmacSha256Signer();

  // out = lower-case hex HMAC-SHA256(secret, payload). Not NUL-terminated.
  void sign(std::string_view payload, char (&out)[kHmacSha256HexSize]) const noexcept;
  // The REST form: HMAC over query + body as if concatenated (no separator, no copy).
  void sign(std::string_view query, std::string_view body, char (&out)[kHmacSha256HexSize]) const noexcept;
  // The raw 32-byte MAC.
  void mac(std::string_view payload, uint8_t (&out)[32]) const noexcept;

  // Venue side: does `hex` sign `payload`? Binance treats HMAC signatures as case-insensitive, so
  // upper- and lower-case hex are both accepted. The MAC comparison is constant-time (CRYPTO_memcmp);
  // a wrong length or a non-hex character answers false at once (those reveal nothing about the key).
  [[nodiscard]] bool verify(std::string_view payload, std::string_view hex) const noexcept;
  [[nodiscard]] bool verify(std::string_view query, std::string_view body, std::string_view hex) const noexcept;

  friend std::ostream& operator<<(std::ostream&, const HmacSha256Signer&) = delete;
  friend void PrintTo(const HmacSha256Signer&, std::ostream* os);

 private:
  HmacSha256Signer() = default;
  void mac2(std::string_view a, std::string_view b, uint8_t (&out)[32]) const noexcept;

  // SHA256_CTX midstates after absorbing key^ipad and key^opad (opaque here so that the header does
  // not pull in OpenSSL's deprecated low-level API; the .cpp checks the size).
  static constexpr std::size_t kStateBytes = 112;
  alignas(8) unsigned char inner_[kStateBytes]{};
  alignas(8) unsigned char outer_[kStateBytes]{};
};

class Ed25519Signer {
 public:
  // PEM text ("-----BEGIN PRIVATE KEY-----", PKCS#8, unencrypted) holding an Ed25519 key.
  [[nodiscard]] static absl::StatusOr<Ed25519Signer> from_pem(std::string_view pem_text);
  // The same, read from a file; errors name the file.
  [[nodiscard]] static absl::StatusOr<Ed25519Signer> from_pem_file(const std::string& path);
  // The 32-byte RFC 8032 secret key (seed).
  [[nodiscard]] static absl::StatusOr<Ed25519Signer> from_raw(std::span<const uint8_t, 32> seed);

  Ed25519Signer(Ed25519Signer&& other) noexcept;
  Ed25519Signer& operator=(Ed25519Signer&& other) noexcept;
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;
  ~Ed25519Signer();

  // out = base64(Ed25519(payload)), 88 chars, not NUL-terminated. False only on an internal OpenSSL
  // failure (out is then unspecified). One thread at a time.
  [[nodiscard]] bool sign(std::string_view payload, char (&out)[kEd25519Base64Size]) noexcept;
  // The raw 64-byte signature.
  [[nodiscard]] bool sign_raw(std::string_view payload, uint8_t (&out)[64]) noexcept;

  // The matching public key as PEM (what a user uploads to Binance and gives to binance-sim).
  [[nodiscard]] std::string public_key_pem() const;

  friend std::ostream& operator<<(std::ostream&, const Ed25519Signer&) = delete;
  friend void PrintTo(const Ed25519Signer&, std::ostream* os);

 private:
  Ed25519Signer(EVP_PKEY* key, EVP_MD_CTX* ctx) : key_(key), ctx_(ctx) {}
  static absl::StatusOr<Ed25519Signer> from_key(EVP_PKEY* key, std::string_view what);
  EVP_PKEY* key_ = nullptr;
  EVP_MD_CTX* ctx_ = nullptr;
  bool initialised_ = false;  // ctx_ has been set up with key_ once; later signs re-init in place
};

class Ed25519Verifier {
 public:
  // PEM text ("-----BEGIN PUBLIC KEY-----") holding an Ed25519 public key.
  [[nodiscard]] static absl::StatusOr<Ed25519Verifier> from_pem(std::string_view pem_text);
  [[nodiscard]] static absl::StatusOr<Ed25519Verifier> from_pem_file(const std::string& path);
  // The 32-byte RFC 8032 public key.
  [[nodiscard]] static absl::StatusOr<Ed25519Verifier> from_raw(std::span<const uint8_t, 32> public_key);

  Ed25519Verifier(Ed25519Verifier&& other) noexcept;
  Ed25519Verifier& operator=(Ed25519Verifier&& other) noexcept;
  Ed25519Verifier(const Ed25519Verifier&) = delete;
  Ed25519Verifier& operator=(const Ed25519Verifier&) = delete;
  ~Ed25519Verifier();

  // Does `base64_sig` (standard alphabet, padded, 88 chars — Ed25519 signatures are case-sensitive)
  // sign `payload`? Anything that is not a canonical base64 encoding of 64 bytes answers false.
  [[nodiscard]] bool verify(std::string_view payload, std::string_view base64_sig) const noexcept;
  [[nodiscard]] bool verify_raw(std::string_view payload, std::span<const uint8_t, 64> sig) const noexcept;

  friend std::ostream& operator<<(std::ostream&, const Ed25519Verifier&) = delete;
  friend void PrintTo(const Ed25519Verifier&, std::ostream* os);

 private:
  explicit Ed25519Verifier(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_ = nullptr;
};

// One request parameter for the WebSocket API payload: the name and the value exactly as the JSON
// `params` carries it (a string's unescaped content, a number's literal text).
struct WsParam {
  std::string_view name;
  std::string_view value;
};

// The WebSocket API signature payload: sorts `params` in place by name (byte order; stable, so
// repeated names keep their order — Binance rejects those anyway), skips any param named
// `signature`, and writes `name=value` pairs joined by `&` into out. False when out is too small
// (out then holds a prefix). No allocation.
[[nodiscard]] bool build_ws_payload(std::span<WsParam> params, std::span<char> out, std::size_t& len) noexcept;

// The REST payload for Ed25519 (HMAC signs query and body without copying): query + body.
[[nodiscard]] bool build_rest_payload(std::string_view query, std::string_view body, std::span<char> out,
                                      std::size_t& len) noexcept;

// Standard base64 (RFC 4648, padded) of exactly 64 bytes into 88 chars, and its strict inverse
// (only the canonical encoding decodes). Exposed for the venue side and tests.
void base64_encode_64(const uint8_t (&in)[64], char (&out)[kEd25519Base64Size]) noexcept;
[[nodiscard]] bool base64_decode_64(std::string_view in, uint8_t (&out)[64]) noexcept;

}  // namespace dmabot::binance
