// gateway/binance/signer.h against published vectors: Binance's own signing examples (rest-api.md,
// web-socket-api.md, fix-api.md of binance-spot-api-docs), RFC 4231 (HMAC-SHA256) and RFC 8032
// (Ed25519). Every expected value below is copied from those documents, never from this code's output.
#include "gateway/binance/signer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cctype>
#include <concepts>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

namespace dmabot::binance {
namespace {

// The example secret of Binance's spot docs (rest-api.md "SIGNED Endpoint Examples for POST
// /api/v3/order", web-socket-api.md "SIGNED request example (HMAC)") — illustrative, not a real key.
constexpr std::string_view kDocSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

std::string hex_sig(const HmacSha256Signer& s, std::string_view payload) {
  char out[kHmacSha256HexSize];
  s.sign(payload, out);
  return std::string(out, sizeof(out));
}

std::vector<uint8_t> unhex(std::string_view h) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string to_hex(const uint8_t* p, std::size_t n) {
  std::string s;
  char b[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof(b), "%02x", p[i]);
    s += b;
  }
  return s;
}

std::string bytes(std::string_view hex) {
  auto v = unhex(hex);
  return std::string(v.begin(), v.end());
}

// ---- HMAC: Binance's docs ----

TEST(HmacSigner, BinanceRestExampleAscii) {
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(hex_sig(*s,
                    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp="
                    "1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(HmacSigner, BinanceRestExamplePercentEncoded) {
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(hex_sig(*s,
                    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&"
                    "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

// rest-api.md before commit f83a5bf ("Example 3: Mixed query string and request body"): the payload
// is the query string and the body with no '&' between them.
TEST(HmacSigner, BinanceRestExampleQueryPlusBody) {
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  const std::string_view query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
  const std::string_view body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  constexpr std::string_view kExpected = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
  char out[kHmacSha256HexSize];
  s->sign(query, body, out);
  EXPECT_EQ(std::string_view(out, sizeof(out)), kExpected);
  char buf[256];
  std::size_t len = 0;
  ASSERT_TRUE(build_rest_payload(query, body, buf, len));
  EXPECT_EQ(hex_sig(*s, std::string_view(buf, len)), kExpected);
  EXPECT_TRUE(s->verify(query, body, kExpected));
  EXPECT_FALSE(s->verify(std::string(query) + "&", body, kExpected));  // a separator changes it
}

// web-socket-api.md "SIGNED request example (HMAC)": params in the request's order, plus the
// `signature` placeholder that the payload must leave out.
TEST(HmacSigner, BinanceWebSocketExampleAscii) {
  WsParam params[] = {
      {"symbol", "BTCUSDT"},
      {"side", "SELL"},
      {"type", "LIMIT"},
      {"timeInForce", "GTC"},
      {"quantity", "0.01000000"},
      {"price", "52000.00"},
      {"recvWindow", "100"},
      {"timestamp", "1645423376532"},
      {"apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"},
      {"signature", "------ FILL ME ------"},
  };
  char buf[512];
  std::size_t len = 0;
  ASSERT_TRUE(build_ws_payload(params, buf, len));
  const std::string_view payload(buf, len);
  EXPECT_EQ(
      payload,
      "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&"
      "recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT");
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(hex_sig(*s, payload), "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
}

TEST(HmacSigner, BinanceWebSocketExampleUtf8NotEncoded) {
  // The docs' table for this example (quantity 1.00000000), UTF-8 symbol kept as is.
  WsParam params[] = {
      {"symbol", "１２３４５６"},
      {"side", "BUY"},
      {"type", "LIMIT"},
      {"timeInForce", "GTC"},
      {"quantity", "1.00000000"},
      {"price", "0.10000000"},
      {"recvWindow", "5000"},
      {"timestamp", "1645423376532"},
      {"apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"},
  };
  char buf[512];
  std::size_t len = 0;
  ASSERT_TRUE(build_ws_payload(params, buf, len));
  const std::string_view payload(buf, len);
  EXPECT_EQ(
      payload,
      "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=0.10000000&quantity=1.00000000&"
      "recvWindow=5000&side=BUY&symbol=１２３４５６&timeInForce=GTC&timestamp=1645423376532&type=LIMIT");
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(hex_sig(*s, payload), "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd");
}

// ---- HMAC: RFC 4231 section 4 ----

struct Rfc4231Case {
  const char* name;
  std::string key;
  std::string data;
  const char* mac_hex;  // full 32 bytes, except test case 5 (truncated to 128 bits by the RFC)
};

TEST(HmacSigner, Rfc4231Vectors) {
  const Rfc4231Case cases[] = {
      {"1", std::string(20, '\x0b'), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2", "Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4", bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"5", std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {"6", std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"7", std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
       "hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    auto s = HmacSha256Signer::create(c.key);
    ASSERT_TRUE(s.ok()) << c.name;
    const std::string got = hex_sig(*s, c.data);
    const std::string_view want = c.mac_hex;
    EXPECT_EQ(got.substr(0, want.size()), want) << "RFC 4231 test case " << c.name;
    uint8_t raw[32];
    s->mac(c.data, raw);
    EXPECT_EQ(to_hex(raw, 32), got) << c.name;
  }
}

TEST(HmacSigner, VerifyIsCaseInsensitiveAndRejectsAnyChange) {
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  const std::string payload =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  const std::string good = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
  EXPECT_TRUE(s->verify(payload, good));
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(s->verify(payload, upper));  // rest-api.md: HMAC signatures are not case-sensitive
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == '0' ? '1' : '0';
    EXPECT_FALSE(s->verify(payload, bad)) << "changed hex digit " << i;
  }
  EXPECT_FALSE(s->verify(payload, good.substr(0, 63)));
  EXPECT_FALSE(s->verify(payload, good + "0"));
  EXPECT_FALSE(s->verify(payload, std::string(63, 'a') + "g"));
  EXPECT_FALSE(s->verify(payload, ""));
  EXPECT_FALSE(s->verify(payload + "&", good));
  auto other = HmacSha256Signer::create("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0J");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->verify(payload, good));  // secret is case-sensitive
}

TEST(HmacSigner, EmptySecretIsAnError) {
  auto s = HmacSha256Signer::create("");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "HMAC secret is empty");
}

TEST(HmacSigner, MovedSignerStillSigns) {
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  HmacSha256Signer moved = std::move(*s);
  EXPECT_EQ(hex_sig(moved,
                    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp="
                    "1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

template <class T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

TEST(Signers, AreNotPrintable) {
  static_assert(!Streamable<HmacSha256Signer>);
  static_assert(!Streamable<Ed25519Signer>);
  static_assert(!Streamable<Ed25519Verifier>);
  auto s = HmacSha256Signer::create(kDocSecret);
  ASSERT_TRUE(s.ok());
  const std::string printed = ::testing::PrintToString(*s);
  EXPECT_EQ(printed, "HmacSha256Signer{<redacted>}");
  EXPECT_EQ(printed.find(kDocSecret), std::string::npos);
}

// ---- WebSocket payload ----

TEST(WsPayload, SortsByteWiseDropsSignatureAndChecksTheBuffer) {
  WsParam params[] = {{"timestamp", "2"}, {"signature", "x"}, {"timeInForce", "GTC"}, {"Zeta", "z"}, {"a", "1"}};
  char buf[64];
  std::size_t len = 0;
  ASSERT_TRUE(build_ws_payload(params, buf, len));
  // Byte order: upper case before lower case, "timeInForce" ('I') before "timestamp" ('s').
  EXPECT_EQ(std::string_view(buf, len), "Zeta=z&a=1&timeInForce=GTC&timestamp=2");
  WsParam again[] = {{"b", "2"}, {"a", "1"}};
  char tiny[6];
  EXPECT_FALSE(build_ws_payload(again, tiny, len));  // "a=1&b=2" needs 7
  char exact[7];
  ASSERT_TRUE(build_ws_payload(again, exact, len));
  EXPECT_EQ(std::string_view(exact, len), "a=1&b=2");
  ASSERT_TRUE(build_ws_payload(std::span<WsParam>(), exact, len));
  EXPECT_EQ(len, 0u);
}

TEST(WsPayload, EqualNamesKeepTheirOrder) {
  WsParam params[] = {{"b", "1"}, {"a", "2"}, {"b", "0"}};
  char buf[32];
  std::size_t len = 0;
  ASSERT_TRUE(build_ws_payload(params, buf, len));
  EXPECT_EQ(std::string_view(buf, len), "a=2&b=1&b=0");
}

TEST(RestPayload, ConcatenatesWithoutSeparator) {
  char buf[8];
  std::size_t len = 0;
  ASSERT_TRUE(build_rest_payload("a=1", "b=2", buf, len));
  EXPECT_EQ(std::string_view(buf, len), "a=1b=2");
  EXPECT_FALSE(build_rest_payload("a=1&", "b=2&c", buf, len));
}

// ---- Ed25519: RFC 8032 section 7.1 ----

struct Rfc8032Case {
  const char* name;
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};

constexpr Rfc8032Case kRfc8032[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe246"
     "55"
     "141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb"
     "00"
     "d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc"
     "02"
     "7beceea1ec40a"},
};

TEST(Ed25519, Rfc8032SignAndVerify) {
  for (const auto& c : kRfc8032) {
    const auto seed = unhex(c.secret);
    const auto pub = unhex(c.public_key);
    const std::string msg = bytes(c.message);
    auto signer = Ed25519Signer::from_raw(std::span<const uint8_t, 32>(seed.data(), 32));
    ASSERT_TRUE(signer.ok()) << c.name << ": " << signer.status();
    for (int round = 0; round < 3; ++round) {  // the re-initialised context signs the same
      uint8_t sig[64];
      ASSERT_TRUE(signer->sign_raw(msg, sig)) << c.name;
      EXPECT_EQ(to_hex(sig, 64), c.signature) << c.name << " round " << round;
    }
    auto verifier = Ed25519Verifier::from_raw(std::span<const uint8_t, 32>(pub.data(), 32));
    ASSERT_TRUE(verifier.ok()) << c.name;
    auto sig = unhex(c.signature);
    EXPECT_TRUE(verifier->verify_raw(msg, std::span<const uint8_t, 64>(sig.data(), 64))) << c.name;
    for (int bit : {0, 7, 255, 300, 511}) {
      auto bad = sig;
      bad[static_cast<std::size_t>(bit / 8)] ^= static_cast<uint8_t>(1u << (bit % 8));
      EXPECT_FALSE(verifier->verify_raw(msg, std::span<const uint8_t, 64>(bad.data(), 64))) << c.name << " bit " << bit;
    }
    std::string other_msg = msg + "x";
    EXPECT_FALSE(verifier->verify_raw(other_msg, std::span<const uint8_t, 64>(sig.data(), 64))) << c.name;
    // Base64 form: what the docs' `openssl enc -base64` prints for these bytes.
    uint8_t sig_arr[64];
    std::copy(sig.begin(), sig.end(), sig_arr);
    char b64[kEd25519Base64Size];
    base64_encode_64(sig_arr, b64);
    unsigned char ref[100];
    EXPECT_EQ(EVP_EncodeBlock(ref, sig_arr, 64), 88);
    EXPECT_EQ(std::string_view(b64, 88), std::string_view(reinterpret_cast<char*>(ref), 88)) << c.name;
    char signed_b64[kEd25519Base64Size];
    ASSERT_TRUE(signer->sign(msg, signed_b64));
    EXPECT_EQ(std::string_view(signed_b64, 88), std::string_view(b64, 88));
    EXPECT_TRUE(verifier->verify(msg, std::string_view(b64, 88)));
  }
}

// PKCS#8 / SubjectPublicKeyInfo wrappers of a raw Ed25519 key (RFC 8410), built here independently of
// the code under test, so that the PEM loaders are checked against the RFC 8032 keys.
std::string pem_of(std::string_view label, const std::vector<uint8_t>& der) {
  std::vector<unsigned char> b64(4 * ((der.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(b64.data(), der.data(), static_cast<int>(der.size()));
  return std::string("-----BEGIN ") + std::string(label) + "-----\n" +
         std::string(reinterpret_cast<char*>(b64.data()), static_cast<std::size_t>(n)) + "\n-----END " +
         std::string(label) + "-----\n";
}
std::string pkcs8_pem(const std::vector<uint8_t>& seed) {
  std::vector<uint8_t> der = unhex("302e020100300506032b657004220420");
  der.insert(der.end(), seed.begin(), seed.end());
  return pem_of("PRIVATE KEY", der);
}
std::string spki_pem(const std::vector<uint8_t>& pub) {
  std::vector<uint8_t> der = unhex("302a300506032b6570032100");
  der.insert(der.end(), pub.begin(), pub.end());
  return pem_of("PUBLIC KEY", der);
}

TEST(Ed25519, PemKeysMatchTheRfcKeys) {
  const auto& c = kRfc8032[1];
  auto signer = Ed25519Signer::from_pem(pkcs8_pem(unhex(c.secret)));
  ASSERT_TRUE(signer.ok()) << signer.status();
  uint8_t sig[64];
  ASSERT_TRUE(signer->sign_raw(bytes(c.message), sig));
  EXPECT_EQ(to_hex(sig, 64), c.signature);
  EXPECT_EQ(signer->public_key_pem(), spki_pem(unhex(c.public_key)));
  auto verifier = Ed25519Verifier::from_pem(spki_pem(unhex(c.public_key)));
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  auto want = unhex(c.signature);
  EXPECT_TRUE(verifier->verify_raw(bytes(c.message), std::span<const uint8_t, 64>(want.data(), 64)));
}

// fix-api.md "How to sign Logon <A> request": Binance's own Ed25519 example key and signature. The
// payload is MsgType, SenderCompID, TargetCompID, MsgSeqNum, SendingTime joined by SOH (0x01).
constexpr std::string_view kBinanceFixKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";

TEST(Ed25519, BinanceFixLogonExample) {
  auto signer = Ed25519Signer::from_pem(kBinanceFixKeyPem);
  ASSERT_TRUE(signer.ok()) << signer.status();
  const std::string payload = std::string(
      "A\x01"
      "EXAMPLE\x01SPOT\x01"
      "1\x01"
      "20240627-11:17:25.223");
  constexpr std::string_view kExpected =
      "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==";
  char out[kEd25519Base64Size];
  ASSERT_TRUE(signer->sign(payload, out));
  EXPECT_EQ(std::string_view(out, sizeof(out)), kExpected);
  auto verifier = Ed25519Verifier::from_pem(signer->public_key_pem());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_TRUE(verifier->verify(payload, kExpected));
  std::string lower(kExpected);
  lower[0] = '4';
  lower[1] = 'm';  // Ed25519 signatures are case-sensitive
  EXPECT_FALSE(verifier->verify(payload, lower));
  EXPECT_FALSE(verifier->verify(payload, kExpected.substr(0, 87)));
  EXPECT_FALSE(verifier->verify(payload, std::string(kExpected.substr(0, 86)) + "A="));
  EXPECT_FALSE(verifier->verify(payload + " ", kExpected));
}

// A WebSocket API order signed with the same key: the payload is built from the params and the
// signature checked with the verifier made from the signer's public key (the docs give no key for
// their WebSocket Ed25519 example, so its expected value cannot be reproduced).
TEST(Ed25519, WebSocketParamsRoundTrip) {
  auto signer = Ed25519Signer::from_pem(kBinanceFixKeyPem);
  ASSERT_TRUE(signer.ok());
  WsParam params[] = {{"symbol", "BTCUSDT"}, {"side", "SELL"}, {"timestamp", "1645423376532"}, {"apiKey", "k"}};
  char buf[256];
  std::size_t len = 0;
  ASSERT_TRUE(build_ws_payload(params, buf, len));
  char sig[kEd25519Base64Size];
  ASSERT_TRUE(signer->sign(std::string_view(buf, len), sig));
  auto verifier = Ed25519Verifier::from_pem(signer->public_key_pem());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->verify("apiKey=k&side=SELL&symbol=BTCUSDT&timestamp=1645423376532", std::string_view(sig, 88)));
}

// ---- load-time errors ----

std::string pem_of_key(EVP_PKEY* k, bool priv, const EVP_CIPHER* cipher = nullptr) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (priv) {
    if (cipher != nullptr) {
      PEM_write_bio_PKCS8PrivateKey(bio, k, cipher, const_cast<char*>("pass"), 4, nullptr, nullptr);
    } else {
      PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
    }
  } else {
    PEM_write_bio_PUBKEY(bio, k);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return s;
}

// The body of a PEM (the key material), which must never appear in a message.
std::string pem_body(const std::string& pem) {
  const auto a = pem.find('\n');
  const auto b = pem.find("-----END");
  return pem.substr(a + 1, b - a - 1);
}

TEST(Ed25519, LoadErrorsNameTheProblemAndNeverTheKey) {
  auto not_pem = Ed25519Signer::from_pem("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  ASSERT_FALSE(not_pem.ok());
  EXPECT_NE(not_pem.status().message().find("not PEM"), std::string::npos) << not_pem.status();
  EXPECT_EQ(not_pem.status().message().find("NhqPtm"), std::string::npos);

  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  const std::string ec_pem = pem_of_key(ec, true);
  auto wrong_type = Ed25519Signer::from_pem(ec_pem);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("a EC key, not Ed25519"), std::string::npos) << wrong_type.status();
  EXPECT_EQ(wrong_type.status().message().find(pem_body(ec_pem).substr(0, 20)), std::string::npos);
  auto wrong_pub = Ed25519Verifier::from_pem(pem_of_key(ec, false));
  ASSERT_FALSE(wrong_pub.ok());
  EXPECT_NE(wrong_pub.status().message().find("not Ed25519"), std::string::npos) << wrong_pub.status();
  EVP_PKEY_free(ec);

  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  const std::string encrypted = pem_of_key(ed, true, EVP_aes_256_cbc());
  ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
  auto enc = Ed25519Signer::from_pem(encrypted);  // must fail, not prompt for a passphrase
  ASSERT_FALSE(enc.ok());
  EXPECT_NE(enc.status().message().find("encrypted"), std::string::npos) << enc.status();
  auto pub_as_priv = Ed25519Signer::from_pem(pem_of_key(ed, false));
  ASSERT_FALSE(pub_as_priv.ok());
  EXPECT_NE(pub_as_priv.status().message().find("a public key"), std::string::npos) << pub_as_priv.status();
  const std::string priv_pem = pem_of_key(ed, true);
  auto priv_as_pub = Ed25519Verifier::from_pem(priv_pem);
  ASSERT_FALSE(priv_as_pub.ok());
  EXPECT_NE(priv_as_pub.status().message().find("a private key"), std::string::npos) << priv_as_pub.status();
  EXPECT_EQ(priv_as_pub.status().message().find(pem_body(priv_pem).substr(0, 20)), std::string::npos);
  EVP_PKEY_free(ed);

  std::string garbled(kBinanceFixKeyPem);
  garbled[40] = '!';
  auto bad = Ed25519Signer::from_pem(garbled);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a PEM private key"), std::string::npos) << bad.status();
  EXPECT_EQ(bad.status().message().find("MC4CAQAw"), std::string::npos);

  auto missing = Ed25519Signer::from_pem_file("/nonexistent/dir/key.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/key.pem: cannot open"), std::string::npos)
      << missing.status();
  auto missing_pub = Ed25519Verifier::from_pem_file("/nonexistent/dir/pub.pem");
  EXPECT_FALSE(missing_pub.ok());
}

TEST(Ed25519, PemFileLoads) {
  const std::string path = ::testing::TempDir() + "/signer_test_key.pem";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fwrite(kBinanceFixKeyPem.data(), 1, kBinanceFixKeyPem.size(), f);
    std::fclose(f);
  }
  auto signer = Ed25519Signer::from_pem_file(path);
  ASSERT_TRUE(signer.ok()) << signer.status();
  char out[kEd25519Base64Size];
  ASSERT_TRUE(signer->sign(std::string("A\x01"
                                       "EXAMPLE\x01SPOT\x01"
                                       "1\x01"
                                       "20240627-11:17:25.223"),
                           out));
  EXPECT_EQ(std::string_view(out, 88),
            "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==");
  EXPECT_EQ(::testing::PrintToString(*signer), "Ed25519Signer{<redacted>}");
  std::remove(path.c_str());
}

TEST(Base64, StrictCanonicalDecoding) {
  uint8_t in[64];
  for (int i = 0; i < 64; ++i) in[i] = static_cast<uint8_t>(i * 37 + 11);
  char enc[kEd25519Base64Size];
  base64_encode_64(in, enc);
  uint8_t back[64];
  ASSERT_TRUE(base64_decode_64(std::string_view(enc, 88), back));
  EXPECT_EQ(std::memcmp(in, back, 64), 0);
  std::string s(enc, 88);
  std::string noncanon = s;
  // The last symbol carries 2 bits of data and 4 zero bits: one of A, Q, g, w. The next letter sets
  // an unused bit — a second spelling of the same bytes, which must not decode.
  ASSERT_NE(std::string_view("AQgw").find(s[85]), std::string_view::npos);
  noncanon[85] = static_cast<char>(s[85] + 1);
  EXPECT_FALSE(base64_decode_64(noncanon, back));
  std::string bad = s;
  bad[10] = '-';  // URL-safe alphabet is not Binance's
  EXPECT_FALSE(base64_decode_64(bad, back));
  EXPECT_FALSE(base64_decode_64(s.substr(0, 86), back));
}

}  // namespace
}  // namespace dmabot::binance
