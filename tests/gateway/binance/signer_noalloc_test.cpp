// Allocation per signature, counted two ways: global operator new (tests/common/alloc_counter.cpp
// replaces it in this executable) and OpenSSL's own allocator (CRYPTO_set_mem_functions, installed by
// a static initializer before any OpenSSL call — OpenSSL refuses the hooks once it has allocated, and
// the first test checks that they took).
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gateway/binance/signer.h"
#include "tests/common/alloc_counter.h"

namespace {

std::atomic<uint64_t> g_openssl_allocs{0};

void* counting_malloc(size_t n, const char*, int) {
  g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
void* counting_realloc(void* p, size_t n, const char*, int) {
  g_openssl_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) { std::free(p); }

const bool g_hooks_installed = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;

struct Counts {
  uint64_t news = 0;
  uint64_t openssl = 0;
};
Counts now() { return {dmabot::testing::allocation_count(), g_openssl_allocs.load(std::memory_order_relaxed)}; }

// A realistic order: ~200 bytes of query string.
const std::string kOrder =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00123000&price=67321.45000000&newClientOrderId="
    "dmabot-7f3a9c2e-000123&newOrderRespType=ACK&recvWindow=5000&timestamp=1764581234567";

}  // namespace

namespace dmabot::binance {
namespace {

TEST(SignerNoAlloc, OpenSslHooksAreInstalled) { ASSERT_TRUE(g_hooks_installed); }

TEST(SignerNoAlloc, HmacSignAndVerifyAllocateNothing) {
  ASSERT_TRUE(g_hooks_installed);
  auto s = HmacSha256Signer::create("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  ASSERT_TRUE(s.ok());
  char out[kHmacSha256HexSize];
  s->sign(kOrder, out);  // warm-up
  const Counts before = now();
  int verified = 0;
  for (int i = 0; i < 10'000; ++i) {
    s->sign(kOrder, out);
    s->sign(std::string_view(kOrder).substr(0, 60), std::string_view(kOrder).substr(60), out);
    verified += s->verify(kOrder, std::string_view(out, sizeof(out))) ? 1 : 0;
  }
  const Counts after = now();
  EXPECT_EQ(verified, 10'000);  // the loop really signed and checked
  EXPECT_EQ(after.news - before.news, 0u);
  EXPECT_EQ(after.openssl - before.openssl, 0u);
}

TEST(SignerNoAlloc, PayloadBuildersAllocateNothing) {
  WsParam params[] = {{"symbol", "BTCUSDT"},          {"side", "BUY"},     {"type", "LIMIT"},
                      {"timeInForce", "GTC"},         {"quantity", "0.1"}, {"price", "1.5"},
                      {"timestamp", "1700000000000"}, {"apiKey", "k"},     {"signature", "x"}};
  char buf[512];
  std::size_t len = 0;
  const Counts before = now();
  bool ok = true;
  for (int i = 0; i < 1000; ++i) {
    ok = ok && build_ws_payload(params, buf, len);
    ok = ok && build_rest_payload("a=1", "b=2", buf, len);
  }
  const Counts after = now();
  EXPECT_TRUE(ok);
  EXPECT_EQ(after.news - before.news, 0u);
  EXPECT_EQ(after.openssl - before.openssl, 0u);
}

// Ed25519 through OpenSSL 3.0: our side allocates nothing and the context is re-initialised in place
// (a full EVP_DigestSignInit per message would add 5-7 mallocs), but the provider's
// ossl_ed25519_sign fetches SHA-512 and creates a digest context on every call. This test pins the
// figure the header documents, so a change (better or worse) is noticed.
TEST(SignerNoAlloc, Ed25519AllocatesOnlyInsideOpenSslsProvider) {
  ASSERT_TRUE(g_hooks_installed);
  auto s = Ed25519Signer::from_pem(
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
      "-----END PRIVATE KEY-----\n");
  ASSERT_TRUE(s.ok()) << s.status();
  char out[kEd25519Base64Size];
  ASSERT_TRUE(s->sign(kOrder, out));  // warm-up
  constexpr int kN = 1000;
  const Counts before = now();
  int ok = 0;
  for (int i = 0; i < kN; ++i) ok += s->sign(kOrder, out) ? 1 : 0;
  const Counts after = now();
  EXPECT_EQ(ok, kN);
  EXPECT_EQ(after.news - before.news, 0u);
  const double per_sig = static_cast<double>(after.openssl - before.openssl) / kN;
  std::printf("Ed25519Signer::sign: %.2f OpenSSL mallocs per signature (OpenSSL %s)\n", per_sig,
              OpenSSL_version(OPENSSL_VERSION));
  RecordProperty("openssl_mallocs_per_ed25519_signature", std::to_string(per_sig));
  EXPECT_LE(per_sig, 5.0);
}

}  // namespace
}  // namespace dmabot::binance
