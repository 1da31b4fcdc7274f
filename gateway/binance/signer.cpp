// The HMAC midstates use OpenSSL's low-level SHA256_* functions: deprecated in 3.0 in favour of EVP,
// but EVP cannot copy a digest context without allocating (EVP_MD_CTX_copy_ex dups the provider
// context; EVP_MAC re-init does the same: 2 mallocs per message), and a copyable midstate is the
// whole point of pre-keying. They use the same assembly (SHA-NI/AVX2) as EVP.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "gateway/binance/signer.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <utility>

#include "core/strings.h"

namespace dmabot::binance {

namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "HmacSha256Signer::kStateBytes must hold a SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= 8);

constexpr char kHexLower[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// No prompt, ever: an encrypted PEM fails to load instead of reading a passphrase from the tty.
int no_passphrase(char*, int, int, void*) { return -1; }

// The reason of the last OpenSSL error (a fixed library string such as "unsupported"; never key
// bytes), and the error queue cleared so that it does not leak into the next caller's checks.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return r != nullptr ? std::string(r) : std::string("unknown error");
}

bool contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

// Reads a key file (PEM keys are a few hundred bytes; anything over 64 KiB is not one).
absl::StatusOr<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(core::str_cat(path, ": cannot open (", std::strerror(errno), ")"));
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > 64 * 1024) return absl::InvalidArgumentError(core::str_cat(path, ": too large to be a PEM key"));
  }
  if (in.bad()) return absl::InvalidArgumentError(core::str_cat(path, ": read error"));
  return text;
}

absl::Status prefixed(std::string_view prefix, const absl::Status& st) {
  return absl::InvalidArgumentError(core::str_cat(prefix, ": ", std::string(st.message())));
}

// PEM text → an Ed25519 private key. Messages carry no prefix and no key material.
absl::StatusOr<EVP_PKEY*> load_private_pem(std::string_view pem) {
  if (!contains(pem, "-----BEGIN ")) return absl::InvalidArgumentError("not PEM text (no '-----BEGIN' line)");
  if (contains(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(
        "an encrypted private key; give the plain PEM (openssl pkey -in KEY -out PLAIN.pem), kept private");
  }
  if (!contains(pem, "PRIVATE KEY-----") && contains(pem, "-----BEGIN PUBLIC KEY-----")) {
    return absl::InvalidArgumentError("a public key; signing needs the private key (-----BEGIN PRIVATE KEY-----)");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("out of memory");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (key == nullptr)
    return absl::InvalidArgumentError(core::str_cat("not a PEM private key (", openssl_reason(), ")"));
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(key);
    std::string msg = core::str_cat("a ", type != nullptr ? type : "non-Ed25519", " key, not Ed25519");
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError(msg);
  }
  return key;
}

absl::StatusOr<EVP_PKEY*> load_public_pem(std::string_view pem) {
  if (!contains(pem, "-----BEGIN ")) return absl::InvalidArgumentError("not PEM text (no '-----BEGIN' line)");
  if (contains(pem, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError("a private key; the verifier takes the public key (-----BEGIN PUBLIC KEY-----)");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("out of memory");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (key == nullptr) return absl::InvalidArgumentError(core::str_cat("not a PEM public key (", openssl_reason(), ")"));
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(key);
    std::string msg = core::str_cat("a ", type != nullptr ? type : "non-Ed25519", " key, not Ed25519");
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError(msg);
  }
  return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HmacSha256Signer

absl::StatusOr<HmacSha256Signer> HmacSha256Signer::create(std::string_view secret) {
  if (secret.empty()) return absl::InvalidArgumentError("HMAC secret is empty");
  // RFC 2104: a key longer than the block is hashed first; a shorter one is zero-padded.
  unsigned char key[SHA256_CBLOCK] = {};
  if (secret.size() > SHA256_CBLOCK) {
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  unsigned char ipad[SHA256_CBLOCK], opad[SHA256_CBLOCK];
  for (std::size_t i = 0; i < SHA256_CBLOCK; ++i) {
    ipad[i] = key[i] ^ 0x36;
    opad[i] = key[i] ^ 0x5c;
  }
  HmacSha256Signer s;
  auto* inner = reinterpret_cast<SHA256_CTX*>(s.inner_);
  auto* outer = reinterpret_cast<SHA256_CTX*>(s.outer_);
  SHA256_Init(inner);
  SHA256_Update(inner, ipad, sizeof(ipad));
  SHA256_Init(outer);
  SHA256_Update(outer, opad, sizeof(opad));
  OPENSSL_cleanse(key, sizeof(key));
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  return s;
}

HmacSha256Signer::HmacSha256Signer(HmacSha256Signer&& other) noexcept {
  std::memcpy(inner_, other.inner_, kStateBytes);
  std::memcpy(outer_, other.outer_, kStateBytes);
  OPENSSL_cleanse(other.inner_, kStateBytes);
  OPENSSL_cleanse(other.outer_, kStateBytes);
}

HmacSha256Signer& HmacSha256Signer::operator=(HmacSha256Signer&& other) noexcept {
  if (this != &other) {
    std::memcpy(inner_, other.inner_, kStateBytes);
    std::memcpy(outer_, other.outer_, kStateBytes);
    OPENSSL_cleanse(other.inner_, kStateBytes);
    OPENSSL_cleanse(other.outer_, kStateBytes);
  }
  return *this;
}

HmacSha256Signer::~HmacSha256Signer() {
  OPENSSL_cleanse(inner_, kStateBytes);
  OPENSSL_cleanse(outer_, kStateBytes);
}

void HmacSha256Signer::mac2(std::string_view a, std::string_view b, uint8_t (&out)[32]) const noexcept {
  SHA256_CTX c;
  unsigned char inner_hash[SHA256_DIGEST_LENGTH];
  std::memcpy(&c, inner_, sizeof(c));
  SHA256_Update(&c, a.data(), a.size());
  if (!b.empty()) SHA256_Update(&c, b.data(), b.size());
  SHA256_Final(inner_hash, &c);
  std::memcpy(&c, outer_, sizeof(c));
  SHA256_Update(&c, inner_hash, sizeof(inner_hash));
  SHA256_Final(out, &c);
  OPENSSL_cleanse(&c, sizeof(c));  // the copy of the keyed midstate
}

void HmacSha256Signer::mac(std::string_view payload, uint8_t (&out)[32]) const noexcept { mac2(payload, {}, out); }

void HmacSha256Signer::sign(std::string_view payload, char (&out)[kHmacSha256HexSize]) const noexcept {
  sign(payload, {}, out);
}

void HmacSha256Signer::sign(std::string_view query, std::string_view body,
                            char (&out)[kHmacSha256HexSize]) const noexcept {
  uint8_t m[32];
  mac2(query, body, m);
  for (std::size_t i = 0; i < 32; ++i) {
    out[2 * i] = kHexLower[m[i] >> 4];
    out[2 * i + 1] = kHexLower[m[i] & 0x0f];
  }
}

bool HmacSha256Signer::verify(std::string_view payload, std::string_view hex) const noexcept {
  return verify(payload, {}, hex);
}

bool HmacSha256Signer::verify(std::string_view query, std::string_view body, std::string_view hex) const noexcept {
  if (hex.size() != kHmacSha256HexSize) return false;
  uint8_t given[32];
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    given[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  uint8_t expected[32];
  mac2(query, body, expected);
  return CRYPTO_memcmp(expected, given, sizeof(expected)) == 0;
}

void PrintTo(const HmacSha256Signer&, std::ostream* os) { *os << "HmacSha256Signer{<redacted>}"; }

// ---------------------------------------------------------------------------------------------
// Ed25519Signer

absl::StatusOr<Ed25519Signer> Ed25519Signer::from_key(EVP_PKEY* key, std::string_view what) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) {
    EVP_PKEY_free(key);
    return absl::InternalError("out of memory");
  }
  Ed25519Signer s(key, ctx);
  // The first init fetches the provider's algorithm and builds the context (a hundred-odd mallocs
  // on a fresh process); do it here so that no signature pays for it.
  if (EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) != 1) {
    return absl::InternalError(core::str_cat(what, ": cannot set up Ed25519 signing (", openssl_reason(), ")"));
  }
  s.initialised_ = true;
  return s;
}

absl::StatusOr<Ed25519Signer> Ed25519Signer::from_pem(std::string_view pem_text) {
  auto key = load_private_pem(pem_text);
  if (!key.ok()) return prefixed("Ed25519 private key", key.status());
  return from_key(*key, "Ed25519 private key");
}

absl::StatusOr<Ed25519Signer> Ed25519Signer::from_pem_file(const std::string& path) {
  auto text = read_key_file(path);
  if (!text.ok()) return text.status();
  auto key = load_private_pem(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!key.ok()) return prefixed(path, key.status());
  return from_key(*key, path);
}

absl::StatusOr<Ed25519Signer> Ed25519Signer::from_raw(std::span<const uint8_t, 32> seed) {
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (key == nullptr) {
    return absl::InvalidArgumentError(core::str_cat("Ed25519 raw private key rejected (", openssl_reason(), ")"));
  }
  return from_key(key, "Ed25519 raw private key");
}

Ed25519Signer::Ed25519Signer(Ed25519Signer&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)),
      ctx_(std::exchange(other.ctx_, nullptr)),
      initialised_(std::exchange(other.initialised_, false)) {}

Ed25519Signer& Ed25519Signer::operator=(Ed25519Signer&& other) noexcept {
  std::swap(key_, other.key_);
  std::swap(ctx_, other.ctx_);
  std::swap(initialised_, other.initialised_);
  return *this;
}

Ed25519Signer::~Ed25519Signer() {
  EVP_MD_CTX_free(ctx_);  // frees (and OpenSSL cleanses) the provider's key copy
  EVP_PKEY_free(key_);
}

bool Ed25519Signer::sign_raw(std::string_view payload, uint8_t (&out)[64]) noexcept {
  if (ctx_ == nullptr || key_ == nullptr) return false;
  // A NULL key re-initialises the context in place with the key it holds: no allocation and no key
  // set-up. Should an OpenSSL version refuse that, fall back to a full init with the key.
  int ok = initialised_ ? EVP_DigestSignInit(ctx_, nullptr, nullptr, nullptr, nullptr) : 0;
  if (ok != 1) {
    ERR_clear_error();
    ok = EVP_DigestSignInit(ctx_, nullptr, nullptr, nullptr, key_);
    initialised_ = ok == 1;
  }
  std::size_t len = sizeof(out);
  ok = ok == 1 &&
       EVP_DigestSign(ctx_, out, &len, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
  if (!ok || len != sizeof(out)) {
    ERR_clear_error();
    return false;
  }
  return true;
}

bool Ed25519Signer::sign(std::string_view payload, char (&out)[kEd25519Base64Size]) noexcept {
  uint8_t sig[64];
  if (!sign_raw(payload, sig)) return false;
  base64_encode_64(sig, out);
  return true;
}

std::string Ed25519Signer::public_key_pem() const {
  if (key_ == nullptr) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  std::string pem;
  if (PEM_write_bio_PUBKEY(bio, key_) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) pem.assign(data, static_cast<std::size_t>(n));
  }
  BIO_free(bio);
  ERR_clear_error();
  return pem;
}

void PrintTo(const Ed25519Signer&, std::ostream* os) { *os << "Ed25519Signer{<redacted>}"; }

// ---------------------------------------------------------------------------------------------
// Ed25519Verifier

absl::StatusOr<Ed25519Verifier> Ed25519Verifier::from_pem(std::string_view pem_text) {
  auto key = load_public_pem(pem_text);
  if (!key.ok()) return prefixed("Ed25519 public key", key.status());
  return Ed25519Verifier(*key);
}

absl::StatusOr<Ed25519Verifier> Ed25519Verifier::from_pem_file(const std::string& path) {
  auto text = read_key_file(path);
  if (!text.ok()) return text.status();
  auto key = load_public_pem(*text);
  if (!key.ok()) return prefixed(path, key.status());
  return Ed25519Verifier(*key);
}

absl::StatusOr<Ed25519Verifier> Ed25519Verifier::from_raw(std::span<const uint8_t, 32> public_key) {
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
  if (key == nullptr) {
    return absl::InvalidArgumentError(core::str_cat("Ed25519 raw public key rejected (", openssl_reason(), ")"));
  }
  return Ed25519Verifier(key);
}

Ed25519Verifier::Ed25519Verifier(Ed25519Verifier&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

Ed25519Verifier& Ed25519Verifier::operator=(Ed25519Verifier&& other) noexcept {
  std::swap(key_, other.key_);
  return *this;
}

Ed25519Verifier::~Ed25519Verifier() { EVP_PKEY_free(key_); }

bool Ed25519Verifier::verify_raw(std::string_view payload, std::span<const uint8_t, 64> sig) const noexcept {
  if (key_ == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
                  EVP_DigestVerify(ctx, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(payload.data()),
                                   payload.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) ERR_clear_error();
  return ok;
}

bool Ed25519Verifier::verify(std::string_view payload, std::string_view base64_sig) const noexcept {
  uint8_t sig[64];
  if (!base64_decode_64(base64_sig, sig)) return false;
  return verify_raw(payload, sig);
}

void PrintTo(const Ed25519Verifier&, std::ostream* os) { *os << "Ed25519Verifier{public key}"; }

// ---------------------------------------------------------------------------------------------
// Payloads

bool build_ws_payload(std::span<WsParam> params, std::span<char> out, std::size_t& len) noexcept {
  // Insertion sort: stable, in place, allocation-free, and the fastest choice for the dozen params
  // a request has (std::stable_sort may allocate a buffer).
  for (std::size_t i = 1; i < params.size(); ++i) {
    const WsParam p = params[i];
    std::size_t j = i;
    while (j > 0 && p.name < params[j - 1].name) {
      params[j] = params[j - 1];
      --j;
    }
    params[j] = p;
  }
  std::size_t n = 0;
  bool first = true;
  for (const WsParam& p : params) {
    if (p.name == "signature") continue;
    const std::size_t need = (first ? 0 : 1) + p.name.size() + 1 + p.value.size();
    if (need > out.size() - n) {
      len = n;
      return false;
    }
    if (!first) out[n++] = '&';
    first = false;
    std::memcpy(out.data() + n, p.name.data(), p.name.size());
    n += p.name.size();
    out[n++] = '=';
    std::memcpy(out.data() + n, p.value.data(), p.value.size());
    n += p.value.size();
  }
  len = n;
  return true;
}

bool build_rest_payload(std::string_view query, std::string_view body, std::span<char> out, std::size_t& len) noexcept {
  if (query.size() + body.size() > out.size()) {
    len = 0;
    return false;
  }
  if (!query.empty()) std::memcpy(out.data(), query.data(), query.size());
  if (!body.empty()) std::memcpy(out.data() + query.size(), body.data(), body.size());
  len = query.size() + body.size();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Base64 of the 64-byte signature

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int b64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

void base64_encode_64(const uint8_t (&in)[64], char (&out)[kEd25519Base64Size]) noexcept {
  std::size_t o = 0;
  for (std::size_t i = 0; i + 3 <= 63; i += 3) {  // 21 full groups cover bytes 0..62
    const uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    out[o++] = kB64[v >> 18 & 63];
    out[o++] = kB64[v >> 12 & 63];
    out[o++] = kB64[v >> 6 & 63];
    out[o++] = kB64[v & 63];
  }
  const uint32_t last = uint32_t{in[63]} << 16;  // one byte left: two chars and "=="
  out[o++] = kB64[last >> 18 & 63];
  out[o++] = kB64[last >> 12 & 63];
  out[o++] = '=';
  out[o++] = '=';
}

bool base64_decode_64(std::string_view in, uint8_t (&out)[64]) noexcept {
  if (in.size() != kEd25519Base64Size || in[86] != '=' || in[87] != '=') return false;
  std::size_t o = 0;
  for (std::size_t i = 0; i < 84; i += 4) {
    const int a = b64_value(in[i]), b = b64_value(in[i + 1]), c = b64_value(in[i + 2]), d = b64_value(in[i + 3]);
    if ((a | b | c | d) < 0) return false;
    const uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    out[o++] = static_cast<uint8_t>(v >> 16);
    out[o++] = static_cast<uint8_t>(v >> 8);
    out[o++] = static_cast<uint8_t>(v);
  }
  const int a = b64_value(in[84]), b = b64_value(in[85]);
  if ((a | b) < 0 || (b & 0x0f) != 0) return false;  // canonical: the unused low bits are zero
  out[o] = static_cast<uint8_t>(a << 2 | b >> 4);
  return true;
}

}  // namespace dmabot::binance
