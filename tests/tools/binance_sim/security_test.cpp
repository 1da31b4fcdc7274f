// binance-sim security: keys, Binance's REST/WebSocket API authentication rules and codes.
#include "tools/binance_sim/security.h"

#include <gtest/gtest.h>

#include <string>

#include "core/strings.h"
#include "tests/common/test_data.h"

namespace dmabot::binance_sim {
namespace {

// rest-api.md "SIGNED Endpoint Examples for POST /api/v3/order", HMAC keys.
constexpr std::string_view kDocKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::string_view kDocSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr std::string_view kDocQuery =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
constexpr std::string_view kDocSig = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
constexpr UnixNanos kDocNow = 1499827319559LL * kNsPerMs;

std::string ed25519_public_path() {
  return testdata::source_dir() + "/tests/binance_clients/keys/test-ed25519-public.pem";
}
std::string ed25519_private_path() {
  return testdata::source_dir() + "/tests/binance_clients/keys/test-ed25519-private.pem";
}

struct SecurityTest : ::testing::Test {
  KeyRegistry keys;
  void SetUp() override {
    ASSERT_TRUE(keys.add_hmac(std::string(kDocKey), kDocSecret).ok());
    ASSERT_TRUE(keys.add_ed25519_pem_file("ed", ed25519_public_path()).ok());
  }
  ExchangeError rest(std::string_view key, std::string_view query, UnixNanos now, std::string_view body = {},
                     int64_t skew = 0) {
    binance::RequestParams p;
    auto e = p.parse_rest(query, body);
    EXPECT_TRUE(e.ok()) << e.msg;
    Security s(keys, skew);
    return s.authenticate_rest(key, p, now);
  }
};

TEST_F(SecurityTest, DocsHmacExampleVerifies) {
  auto e = rest(kDocKey, core::str_cat(kDocQuery, "&signature=", kDocSig), kDocNow);
  EXPECT_TRUE(e.ok()) << e.code << " " << e.msg;
}

TEST_F(SecurityTest, HmacHexIsCaseInsensitive) {
  std::string upper(kDocSig);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(rest(kDocKey, core::str_cat(kDocQuery, "&signature=", upper), kDocNow).ok());
}

TEST_F(SecurityTest, QueryPlusBodyIsThePayload) {
  // The query and the form body: the signature covers their concatenation, no separator.
  auto signer = binance::HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(signer.ok());
  char sig[binance::kHmacSha256HexSize];
  signer->sign("symbol=LTCBTC&side=BUY", "type=LIMIT&timestamp=1499827319559", sig);
  EXPECT_TRUE(rest(kDocKey, "symbol=LTCBTC&side=BUY", kDocNow,
                   core::str_cat("type=LIMIT&timestamp=1499827319559&signature=", std::string_view(sig, 64)))
                  .ok());
}

TEST_F(SecurityTest, ErrorsAndCodes) {
  const std::string good = core::str_cat(kDocQuery, "&signature=", kDocSig);
  auto e = rest("", good, kDocNow);
  EXPECT_EQ(e.code, -2014);
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.msg, "API-key format invalid.");
  e = rest("nobody", good, kDocNow);
  EXPECT_EQ(e.code, -2015);
  EXPECT_EQ(e.msg, "Invalid API-key, IP, or permissions for action.");
  std::string bad = good;
  bad.back() = bad.back() == '1' ? '2' : '1';
  e = rest(kDocKey, bad, kDocNow);
  EXPECT_EQ(e.code, -1022);
  EXPECT_EQ(e.msg, "Signature for this request is not valid.");
  e = rest(kDocKey, kDocQuery, kDocNow);
  EXPECT_EQ(e.code, -1102);
  EXPECT_NE(e.msg.find("'signature'"), std::string::npos);
  e = rest(kDocKey, "symbol=LTCBTC&signature=00", kDocNow);
  EXPECT_EQ(e.code, -1102);
  EXPECT_NE(e.msg.find("'timestamp'"), std::string::npos);
  // Signed with the HMAC key, checked as the Ed25519 key: invalid.
  EXPECT_EQ(rest("ed", good, kDocNow).code, -1022);
}

TEST_F(SecurityTest, TimestampWindow) {
  const std::string good = core::str_cat(kDocQuery, "&signature=", kDocSig);
  // recvWindow=5000: 5000 ms late is still in, 5001 ms is out.
  EXPECT_TRUE(rest(kDocKey, good, kDocNow + 5000 * kNsPerMs).ok());
  auto e = rest(kDocKey, good, kDocNow + 5001 * kNsPerMs);
  EXPECT_EQ(e.code, -1021);
  EXPECT_EQ(e.msg, "Timestamp for this request is outside of the recvWindow.");
  // timestamp must be < server + 1 s.
  EXPECT_TRUE(rest(kDocKey, good, kDocNow - 999 * kNsPerMs).ok());
  e = rest(kDocKey, good, kDocNow - 1000 * kNsPerMs);
  EXPECT_EQ(e.code, -1021);
  EXPECT_EQ(e.msg, "Timestamp for this request was 1000ms ahead of the server's time.");
  // The clock-skew fault moves the server clock: 10 s behind makes a current request "ahead".
  EXPECT_EQ(rest(kDocKey, good, kDocNow, {}, -10'000).code, -1021);
  EXPECT_TRUE(rest(kDocKey, good, kDocNow - 3000 * kNsPerMs, {}, 3000).ok());
}

TEST_F(SecurityTest, RecvWindowRulesAndMicroseconds) {
  auto signer = binance::HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(signer.ok());
  auto signed_q = [&](std::string q) {
    char sig[binance::kHmacSha256HexSize];
    signer->sign(q, sig);
    return core::str_cat(q, "&signature=", std::string_view(sig, 64));
  };
  const int64_t ms = 1499827319559;
  EXPECT_EQ(rest(kDocKey, signed_q(core::str_cat("recvWindow=60001&timestamp=", ms)), kDocNow).code, -1131);
  // Default window 5000 ms.
  EXPECT_TRUE(rest(kDocKey, signed_q(core::str_cat("timestamp=", ms)), kDocNow + 5000 * kNsPerMs).ok());
  EXPECT_EQ(rest(kDocKey, signed_q(core::str_cat("timestamp=", ms)), kDocNow + 5001 * kNsPerMs).code, -1021);
  // Microsecond timestamp and a fractional recvWindow (µs precision): 1.5 ms window.
  const std::string q = signed_q(core::str_cat("recvWindow=1.5&timestamp=", ms * 1000));
  EXPECT_TRUE(rest(kDocKey, q, kDocNow + 1'500'000).ok());
  EXPECT_EQ(rest(kDocKey, q, kDocNow + 1'501'000).code, -1021);
}

TEST_F(SecurityTest, ConnectorUriComponentFormAccepted) {
  // connectors.md 3: the Node connectors sign `a%20b~!` but send `a+b%7E%21`.
  auto signer = binance::HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(signer.ok());
  char sig[binance::kHmacSha256HexSize];
  signer->sign("newClientOrderId=a%20b~!&timestamp=1499827319559", sig);
  const std::string wire =
      core::str_cat("newClientOrderId=a+b%7E%21&timestamp=1499827319559&signature=", std::string_view(sig, 64));
  EXPECT_TRUE(rest(kDocKey, wire, kDocNow).ok());
  // And the documented raw form too.
  signer->sign("newClientOrderId=a+b%7E%21&timestamp=1499827319559", sig);
  EXPECT_TRUE(
      rest(kDocKey,
           core::str_cat("newClientOrderId=a+b%7E%21&timestamp=1499827319559&signature=", std::string_view(sig, 64)),
           kDocNow)
          .ok());
}

std::string pct_encode_b64(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '+')
      out += "%2B";
    else if (c == '/')
      out += "%2F";
    else if (c == '=')
      out += "%3D";
    else
      out += c;
  }
  return out;
}

TEST_F(SecurityTest, Ed25519RestSignaturePercentDecoded) {
  auto signer = binance::Ed25519Signer::from_pem_file(ed25519_private_path());
  ASSERT_TRUE(signer.ok()) << signer.status();
  const std::string q = "symbol=BTCUSDT&timestamp=1499827319559";
  char sig[binance::kEd25519Base64Size];
  ASSERT_TRUE(signer->sign(q, sig));
  const std::string_view s(sig, sizeof sig);
  EXPECT_TRUE(rest("ed", core::str_cat(q, "&signature=", pct_encode_b64(s)), kDocNow).ok());
  // Unencoded '+' decodes to a space under form rules; still the client's signature.
  EXPECT_TRUE(rest("ed", core::str_cat(q, "&signature=", s), kDocNow).ok());
  EXPECT_EQ(
      rest("ed", core::str_cat("symbol=ETHUSDT&timestamp=1499827319559&signature=", pct_encode_b64(s)), kDocNow).code,
      -1022);
}

TEST_F(SecurityTest, WsApiSignatureAndLogon) {
  auto ed = binance::Ed25519Signer::from_pem_file(ed25519_private_path());
  ASSERT_TRUE(ed.ok());
  // web-socket-api.md: sorted params, raw values.
  const std::string payload = "apiKey=ed&symbol=BTCUSDT&timestamp=1499827319559";
  char sig[binance::kEd25519Base64Size];
  ASSERT_TRUE(ed->sign(payload, sig));
  const std::string frame = core::str_cat(
      R"({"id":"a1","method":"session.logon","params":{"timestamp":1499827319559,"symbol":"BTCUSDT","apiKey":"ed","signature":")",
      std::string_view(sig, sizeof sig), "\"}}");
  Security sec(keys, 0);
  {
    binance::RequestParams p;
    ASSERT_TRUE(p.parse_ws_request(frame).ok());
    std::string key;
    auto e = sec.session_logon(Product::kSpot, p, kDocNow, key);
    EXPECT_TRUE(e.ok()) << e.msg;
    EXPECT_EQ(key, "ed");
  }
  {
    binance::RequestParams p;
    ASSERT_TRUE(p.parse_ws_request(frame).ok());
    std::string key;
    EXPECT_EQ(sec.session_logon(Product::kUsdmFutures, p, kDocNow, key).code, -1020);
  }
  // HMAC keys cannot log on (spot docs: Ed25519 only), even with a valid signature.
  auto hm = binance::HmacSha256Signer::create(kDocSecret);
  char hs[binance::kHmacSha256HexSize];
  hm->sign(core::str_cat("apiKey=", kDocKey, "&timestamp=1499827319559"), hs);
  const std::string hframe =
      core::str_cat(R"({"id":1,"method":"session.logon","params":{"apiKey":")", kDocKey,
                    R"(","timestamp":1499827319559,"signature":")", std::string_view(hs, 64), "\"}}");
  {
    binance::RequestParams p;
    ASSERT_TRUE(p.parse_ws_request(hframe).ok());
    std::string key;
    EXPECT_EQ(sec.session_logon(Product::kSpot, p, kDocNow, key).code, -4056);
  }
  {
    // The same HMAC-signed params are a valid signed request (e.g. userDataStream.subscribe.signature).
    binance::RequestParams p;
    ASSERT_TRUE(p.parse_ws_request(hframe).ok());
    std::string key;
    EXPECT_TRUE(sec.authenticate_ws(p, kDocNow, key).ok());
    EXPECT_EQ(key, kDocKey);
    EXPECT_TRUE(p.check_all_read().ok());
  }
  {
    // A logged-on session's request: timing only.
    binance::RequestParams p;
    ASSERT_TRUE(p.parse_ws_request(R"({"id":2,"method":"order.status","params":{"timestamp":1499827319559}})").ok());
    EXPECT_TRUE(sec.check_timing(p, kDocNow).ok());
    EXPECT_EQ(sec.check_timing(p, kDocNow + 6 * kNsPerSec).code, -1021);
  }
}

TEST(KeyRegistry, BadKeysNamed) {
  KeyRegistry k;
  EXPECT_TRUE(k.add_hmac("a", "s").ok());
  auto st = k.add_hmac("a", "t");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("'a'"), std::string::npos);
  st = k.add_hmac("b", "");
  EXPECT_FALSE(st.ok());
  st = k.add_ed25519_pem_file("c", "/nonexistent.pem");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("nonexistent"), std::string::npos);
  EXPECT_EQ(k.size(), 1u);
}

}  // namespace
}  // namespace dmabot::binance_sim
