// Signing one Binance order request (gateway/binance/signer.h) against OpenSSL's usual ways to do it.
//
//   binance_sign/openssl_hmac_oneshot     baseline: HMAC(EVP_sha256(), secret, ...) per message, as
//                                         most clients do (key set-up and 13 mallocs every call),
//                                         plus the same hex encoding
//   binance_sign/dmabot_hmac_prekeyed     HmacSha256Signer::sign: midstates computed once, no malloc
//   binance_sign/openssl_evp_mac_reinit   one EVP_MAC_CTX keyed once, EVP_MAC_init(NULL key) per
//                                         message (the EVP way to reuse a key: 2 mallocs per call)
//   binance_sign/dmabot_ed25519           Ed25519Signer::sign: context re-initialised in place
//   binance_sign/openssl_ed25519_fresh_ctx EVP_MD_CTX_new + EVP_DigestSignInit + EVP_DigestSign per
//                                         message, base64 included
//   binance_sign/dmabot_ed25519_verify    Ed25519Verifier::verify (the venue side, binance-sim)
//
// Input: 256 seeded order payloads of ~200 bytes (a POST /api/v3/order query string: symbol, side,
// LIMIT GTC, quantity, price, newClientOrderId, newOrderRespType, recvWindow, timestamp), cycled.
// Ratios are to the one-shot HMAC measured in the same run (run_benchmarks.sh: first of the group).
// A second group, binance_encode/*, renders the order itself (see below).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"

namespace {

constexpr std::string_view kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr std::string_view kEdKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::size_t kInputs = 256;  // power of two: index with a mask

const std::vector<std::string>& payloads() {
  static const std::vector<std::string> p = [] {
    std::vector<std::string> r;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> price(6'000'000, 7'000'000);
    std::uniform_int_distribution<int> qty(1, 99'999);
    int64_t ts = 1'764'581'234'567;
    for (std::size_t i = 0; i < kInputs; ++i) {
      char buf[320];
      const int n = std::snprintf(
          buf, sizeof(buf),
          "symbol=BTCUSDT&side=%s&type=LIMIT&timeInForce=GTC&quantity=0.%08d&price=%d.%02d000000"
          "&newClientOrderId=dmabot-7f3a9c2e-%06zu&newOrderRespType=ACK&recvWindow=5000"
          "&timestamp=%lld",
          (i & 1) ? "SELL" : "BUY", qty(rng), price(rng) / 100, price(rng) % 100, i, static_cast<long long>(ts));
      ts += 1 + static_cast<int64_t>(rng() % 50);
      r.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return r;
  }();
  return p;
}

void to_hex(const unsigned char* m, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) {
    out[2 * i] = kHex[m[i] >> 4];
    out[2 * i + 1] = kHex[m[i] & 15];
  }
}

void set_label(benchmark::State& state) {
  std::size_t total = 0;
  for (const auto& p : payloads()) total += p.size();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::to_string(total / kInputs) + "-byte payloads");
}

void BM_OpenSslHmacOneShot(benchmark::State& state) {
  const auto& in = payloads();
  std::size_t i = 0;
  unsigned char mac[32];
  unsigned int mac_len = 0;
  char hex[64];
  for (auto _ : state) {
    const std::string& p = in[i++ & (kInputs - 1)];
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
         reinterpret_cast<const unsigned char*>(p.data()), p.size(), mac, &mac_len);
    to_hex(mac, hex);
    benchmark::DoNotOptimize(hex);
  }
  set_label(state);
}

void BM_DmabotHmacPrekeyed(benchmark::State& state) {
  const auto& in = payloads();
  auto signer = dmabot::binance::HmacSha256Signer::create(kSecret);
  if (!signer.ok()) {
    state.SkipWithError("HmacSha256Signer::create failed");
    return;
  }
  std::size_t i = 0;
  char hex[dmabot::binance::kHmacSha256HexSize];
  for (auto _ : state) {
    signer->sign(in[i++ & (kInputs - 1)], hex);
    benchmark::DoNotOptimize(hex);
  }
  set_label(state);
}

void BM_OpenSslEvpMacReinit(benchmark::State& state) {
  const auto& in = payloads();
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kSecret.data()), kSecret.size(), params) != 1) {
    state.SkipWithError("EVP_MAC_init failed");
    return;
  }
  std::size_t i = 0;
  unsigned char out[32];
  std::size_t out_len = 0;
  char hex[64];
  for (auto _ : state) {
    const std::string& p = in[i++ & (kInputs - 1)];
    EVP_MAC_init(ctx, nullptr, 0, nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size());
    EVP_MAC_final(ctx, out, &out_len, sizeof(out));
    to_hex(out, hex);
    benchmark::DoNotOptimize(hex);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  set_label(state);
}

void BM_DmabotEd25519(benchmark::State& state) {
  const auto& in = payloads();
  auto signer = dmabot::binance::Ed25519Signer::from_pem(kEdKeyPem);
  if (!signer.ok()) {
    state.SkipWithError("Ed25519Signer::from_pem failed");
    return;
  }
  std::size_t i = 0;
  char sig[dmabot::binance::kEd25519Base64Size];
  for (auto _ : state) {
    if (!signer->sign(in[i++ & (kInputs - 1)], sig)) {
      state.SkipWithError("sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig);
  }
  set_label(state);
}

void BM_OpenSslEd25519FreshCtx(benchmark::State& state) {
  const auto& in = payloads();
  BIO* bio = BIO_new_mem_buf(kEdKeyPem.data(), static_cast<int>(kEdKeyPem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    state.SkipWithError("PEM_read_bio_PrivateKey failed");
    return;
  }
  std::size_t i = 0;
  unsigned char sig[64];
  unsigned char b64[89];
  for (auto _ : state) {
    const std::string& p = in[i++ & (kInputs - 1)];
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = sizeof(sig);
    EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
    EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(p.data()), p.size());
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock(b64, sig, 64);
    benchmark::DoNotOptimize(b64);
  }
  EVP_PKEY_free(key);
  set_label(state);
}

void BM_DmabotEd25519Verify(benchmark::State& state) {
  const auto& in = payloads();
  auto signer = dmabot::binance::Ed25519Signer::from_pem(kEdKeyPem);
  if (!signer.ok()) {
    state.SkipWithError("Ed25519Signer::from_pem failed");
    return;
  }
  auto verifier = dmabot::binance::Ed25519Verifier::from_pem(signer->public_key_pem());
  if (!verifier.ok()) {
    state.SkipWithError("Ed25519Verifier::from_pem failed");
    return;
  }
  std::vector<std::string> sigs;
  for (const auto& p : in) {
    char s[dmabot::binance::kEd25519Base64Size];
    if (!signer->sign(p, s)) {
      state.SkipWithError("sign failed");
      return;
    }
    sigs.emplace_back(s, sizeof(s));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    if (!verifier->verify(in[k], sigs[k])) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  set_label(state);
}

}  // namespace

// --- Encoding one order request from fixed-point values (no signature) ------------------------------
//   binance_encode/rest_query     baseline: build_new_order + encode_query (the REST query string)
//   binance_encode/ws_api_json    build_new_order + encode_ws_request (order.place JSON and, in the same
//                                 pass, the sorted signature payload)
// Input: 256 seeded orders (price and quantity as core::Price / core::Qty raw values, LIMIT GTC, a
// 24-character client id, ACK, recvWindow 5000, a moving timestamp), cycled.

struct EncodeInput {
  dmabot::core::Price px;
  dmabot::core::Qty qty;
  int64_t ts_ms;
  std::string id;
};

const std::vector<EncodeInput>& encode_inputs() {
  static const std::vector<EncodeInput> v = [] {
    std::vector<EncodeInput> r;
    std::mt19937_64 rng(11);
    int64_t ts = 1'764'581'234'567;
    for (std::size_t i = 0; i < kInputs; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "dm0k3m9q2a-%013zu", i);
      r.push_back({dmabot::core::Price::from_raw(6'000'000'000'000 + static_cast<int64_t>(rng() % 100'000) * 1'000'000),
                   dmabot::core::Qty::from_raw(1'000 + static_cast<int64_t>(rng() % 100'000) * 1'000), ts, id});
      ts += 1 + static_cast<int64_t>(rng() % 50);
    }
    return r;
  }();
  return v;
}

dmabot::binance::NewOrder new_order_of(const EncodeInput& in, std::size_t i) {
  dmabot::binance::NewOrder o;
  o.symbol = "BTCUSDT";
  o.side = (i & 1) != 0 ? dmabot::binance::OrderSide::kSell : dmabot::binance::OrderSide::kBuy;
  o.type = dmabot::binance::OrderType::kLimit;
  o.time_in_force = dmabot::binance::TimeInForce::kGtc;
  o.quantity = in.qty;
  o.price = in.px;
  o.new_client_order_id = in.id;
  o.new_order_resp_type = dmabot::binance::OrderRespType::kAck;
  o.timestamp_ms = in.ts_ms;
  o.recv_window_ms = 5000;
  return o;
}

void BM_EncodeRestQuery(benchmark::State& state) {
  dmabot::binance::ParamList params;
  dmabot::binance::FixedBuffer<2048> out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    out.clear();
    if (!dmabot::binance::build_new_order(new_order_of(encode_inputs()[k], k), params) ||
        !dmabot::binance::encode_query(params, out)) {
      return state.SkipWithError("encode");
    }
    bytes += out.view().size();
    benchmark::DoNotOptimize(out.view().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::to_string(bytes / std::max<std::size_t>(1, i)) + "-byte queries");
}

void BM_EncodeWsJson(benchmark::State& state) {
  dmabot::binance::ParamList params;
  dmabot::binance::FixedBuffer<2048> json, payload;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    if (!dmabot::binance::build_new_order(new_order_of(encode_inputs()[k], k), params) ||
        !dmabot::binance::encode_ws_request(encode_inputs()[k].id, dmabot::binance::kWsOrderPlace, params, json,
                                            payload)) {
      return state.SkipWithError("encode");
    }
    bytes += json.view().size();
    benchmark::DoNotOptimize(json.view().data());
    benchmark::DoNotOptimize(payload.view().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::to_string(bytes / std::max<std::size_t>(1, i)) + "-byte requests");
}

BENCHMARK(BM_EncodeRestQuery)->Name("binance_encode/rest_query");
BENCHMARK(BM_EncodeWsJson)->Name("binance_encode/ws_api_json");

BENCHMARK(BM_OpenSslHmacOneShot)->Name("binance_sign/openssl_hmac_oneshot");
BENCHMARK(BM_DmabotHmacPrekeyed)->Name("binance_sign/dmabot_hmac_prekeyed");
BENCHMARK(BM_OpenSslEvpMacReinit)->Name("binance_sign/openssl_evp_mac_reinit");
BENCHMARK(BM_DmabotEd25519)->Name("binance_sign/dmabot_ed25519");
BENCHMARK(BM_OpenSslEd25519FreshCtx)->Name("binance_sign/openssl_ed25519_fresh_ctx");
BENCHMARK(BM_DmabotEd25519Verify)->Name("binance_sign/dmabot_ed25519_verify");

BENCHMARK_MAIN();
