// The Binance configuration keys (tools/binance_settings.h) through EngineConfig::from_config, as
// `dmabot run` reads them: defaults per BINANCE_ENV, every URL rule, the CA and key files, where
// credentials may come from, which are required, and that no secret value ever reaches an error
// message or the effective (printed, recorded) configuration.
#include "tools/binance_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "tests/tools/test_process.h"
#include "tools/engine_config.h"

namespace dmabot::tools {
namespace {

// The process environment as the tests want it (Config::EnvLookup is a plain function pointer).
std::map<std::string, std::string>& fake_env() {
  static std::map<std::string, std::string> env;
  return env;
}
std::optional<std::string> env_lookup(const char* key) {
  auto it = fake_env().find(key);
  if (it == fake_env().end()) return std::nullopt;
  return it->second;
}

class BinanceSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake_env().clear(); }
  void TearDown() override { fake_env().clear(); }

  // "" when the configuration is valid, else the error line.
  std::string check(const std::string& file_text, const std::vector<std::string>& sets = {}) {
    auto cfg = core::Config::parse(file_text, "t.env", sets, &env_lookup);
    if (!cfg.ok()) return std::string(cfg.status().message());
    auto ec = EngineConfig::from_config(*cfg);
    if (!ec.ok()) return std::string(ec.status().message());
    last_ = *ec;
    return "";
  }
  std::string check_set(const std::string& kv) { return check("", {kv}); }
  EngineConfig last_;
};

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kPemCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
constexpr const char* kPemKey = "-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----\n";

// Expected defaults typed from the sources named in tools/binance_settings.cpp (Binance's spot docs
// repo, developers.binance.com, Binance's connectors' constants) and docs/BINANCE_SIM.md.
TEST_F(BinanceSettingsTest, EachEnvironmentPicksItsDefaultUrls) {
  ASSERT_EQ(check(""), "");
  const BinanceSettings& t = last_.binance;  // the default environment is the testnet
  EXPECT_EQ(t.env, "testnet");
  EXPECT_EQ(t.spot_rest_url, "https://testnet.binance.vision");
  EXPECT_EQ(t.spot_ws_api_url, "wss://ws-api.testnet.binance.vision/ws-api/v3");
  EXPECT_EQ(t.spot_stream_url, "wss://stream.testnet.binance.vision");
  EXPECT_EQ(t.futures_rest_url, "https://testnet.binancefuture.com");
  EXPECT_EQ(t.futures_ws_api_url, "wss://testnet.binancefuture.com/ws-fapi/v1");
  EXPECT_EQ(t.futures_stream_url, "wss://stream.binancefuture.com");

  ASSERT_EQ(check_set("BINANCE_ENV=mainnet"), "");
  const BinanceSettings& m = last_.binance;
  EXPECT_EQ(m.spot_rest_url, "https://api.binance.com");
  EXPECT_EQ(m.spot_ws_api_url, "wss://ws-api.binance.com:443/ws-api/v3");
  EXPECT_EQ(m.spot_stream_url, "wss://stream.binance.com:9443");
  EXPECT_EQ(m.futures_rest_url, "https://fapi.binance.com");
  EXPECT_EQ(m.futures_ws_api_url, "wss://ws-fapi.binance.com/ws-fapi/v1");
  EXPECT_EQ(m.futures_stream_url, "wss://fstream.binance.com");

  ASSERT_EQ(check_set("BINANCE_ENV=local"), "");
  const BinanceSettings& l = last_.binance;
  EXPECT_EQ(l.spot_rest_url, "https://127.0.0.1:18443");
  EXPECT_EQ(l.spot_ws_api_url, "wss://127.0.0.1:18443/ws-api/v3");
  EXPECT_EQ(l.spot_stream_url, "wss://127.0.0.1:18443");
  EXPECT_EQ(l.futures_rest_url, "https://127.0.0.1:18444");
  EXPECT_EQ(l.futures_ws_api_url, "wss://127.0.0.1:18444/ws-fapi/v1");
  EXPECT_EQ(l.futures_stream_url, "wss://127.0.0.1:18444");
  EXPECT_EQ(kLocalSpotPort, 18443);
  EXPECT_EQ(kLocalFuturesPort, 18444);
}

TEST_F(BinanceSettingsTest, UnknownEnvironmentIsAnErrorNamingTheKey) {
  EXPECT_EQ(check_set("BINANCE_ENV=prod"), "BINANCE_ENV='prod' (--set): must be one of: local, testnet, mainnet");
  EXPECT_EQ(check_set("BINANCE_ENV=Mainnet").rfind("BINANCE_ENV='Mainnet'", 0), 0u);
}

TEST_F(BinanceSettingsTest, OverridesReplaceTheDefaultAndLoseOneTrailingSlash) {
  ASSERT_EQ(check("", {"BINANCE_ENV=mainnet", "BINANCE_SPOT_REST_URL=https://api-gcp.binance.com/",
                       "BINANCE_FUTURES_STREAM_URL=wss://fstream.binance.com:443",
                       "BINANCE_SPOT_WS_API_URL=wss://[::1]:9/ws-api/v3"}),
            "");
  EXPECT_EQ(last_.binance.spot_rest_url, "https://api-gcp.binance.com");
  EXPECT_EQ(last_.binance.futures_stream_url, "wss://fstream.binance.com:443");
  EXPECT_EQ(last_.binance.spot_ws_api_url, "wss://[::1]:9/ws-api/v3");
  EXPECT_EQ(last_.binance.spot_stream_url, "wss://stream.binance.com:9443");  // untouched
}

TEST_F(BinanceSettingsTest, EveryUrlKeyRefusesPlaintextAndMalformedUrls) {
  struct K {
    const char* key;
    bool ws, needs_path;
  };
  const K keys[] = {{"BINANCE_SPOT_REST_URL", false, false},    {"BINANCE_SPOT_WS_API_URL", true, true},
                    {"BINANCE_SPOT_STREAM_URL", true, false},   {"BINANCE_FUTURES_REST_URL", false, false},
                    {"BINANCE_FUTURES_WS_API_URL", true, true}, {"BINANCE_FUTURES_STREAM_URL", true, false}};
  for (const K& k : keys) {
    const std::string key = k.key;
    const std::string good_path = k.needs_path ? "/ws-api/v3" : "";
    auto err = [&](const std::string& url) { return check_set(key + "=" + url); };
    auto expect_error = [&](const std::string& url, const std::string& what) {
      const std::string e = err(url);
      EXPECT_EQ(e.rfind(key + "='" + url + "' (--set): ", 0), 0u) << key << " " << url << ": " << e;
      EXPECT_NE(e.find(what), std::string::npos) << key << " " << url << ": " << e;
      EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    };
    const std::string scheme = k.ws ? "wss://" : "https://";
    EXPECT_EQ(err(scheme + "example.com" + good_path), "") << key;
    expect_error(std::string(k.ws ? "ws://" : "http://") + "example.com" + good_path, "is not encrypted");
    expect_error(std::string(k.ws ? "http://" : "ws://") + "example.com" + good_path, "is not encrypted");
    expect_error(std::string(k.ws ? "https://" : "wss://") + "example.com" + good_path, "must start with " + scheme);
    expect_error("example.com" + good_path, "must start with " + scheme);
    expect_error(scheme + "user:pw@example.com" + good_path, "user:password@");
    expect_error(scheme + "example.com" + good_path + "?x=1", "query");
    expect_error(scheme + "example.com:0" + good_path, "not a number 1..65535");
    expect_error(scheme + "example.com:70000" + good_path, "not a number 1..65535");
    expect_error(scheme + "example.com:" + good_path, "empty port");
    expect_error(scheme + good_path, "no host");
    if (k.needs_path) {
      expect_error(scheme + "example.com", "needs the API path");
    } else {
      expect_error(scheme + "example.com/api", "is a base URL: no path");
    }
    // local: loopback only.
    EXPECT_EQ(check("", {"BINANCE_ENV=local", key + "=" + scheme + "localhost:1" + good_path}), "") << key;
    const std::string e = check("", {"BINANCE_ENV=local", key + "=" + scheme + "example.com" + good_path});
    EXPECT_NE(e.find("is not loopback"), std::string::npos) << e;
  }
  EXPECT_NE(check_set("BINANCE_SPOT_REST_URL=https://a b").find("spaces"), std::string::npos);
  EXPECT_NE(check_set("BINANCE_SPOT_REST_URL=https://::1:443").find("in brackets"), std::string::npos);
  EXPECT_NE(check_set("BINANCE_SPOT_REST_URL=https://[::1").find("unterminated"), std::string::npos);
}

TEST_F(BinanceSettingsTest, CaFileMustBeAReadablePemCertificate) {
  const std::string dir = testing::temp_dir();
  EXPECT_EQ(check_set("BINANCE_CA_FILE=" + dir + "/missing.pem"),
            "BINANCE_CA_FILE='" + dir + "/missing.pem' (--set): no such file");
  EXPECT_EQ(check_set("BINANCE_CA_FILE=" + dir), "BINANCE_CA_FILE='" + dir + "' (--set): is a directory, not a file");
  const std::string junk = write_temp("junk.pem", "hello\n");
  EXPECT_NE(check_set("BINANCE_CA_FILE=" + junk).find("is not a PEM certificate file"), std::string::npos);
  const std::string ca = write_temp("ca.pem", kPemCert);
  ASSERT_EQ(check_set("BINANCE_CA_FILE=" + ca), "");
  EXPECT_EQ(last_.binance.ca_file, ca);
  // local names the sim as the CA's source.
  EXPECT_NE(check("", {"BINANCE_ENV=local", "BINANCE_CA_FILE=" + dir + "/nope.pem"}).find("make run-local"),
            std::string::npos);
  if (::geteuid() != 0) {  // root reads anything
    const std::string unreadable = write_temp("unreadable.pem", kPemCert);
    ::chmod(unreadable.c_str(), 0);
    EXPECT_NE(check_set("BINANCE_CA_FILE=" + unreadable).find("cannot read"), std::string::npos);
  }
}

constexpr const char* kSecretKeys[] = {
    "BINANCE_API_KEY",         "BINANCE_API_SECRET",         "BINANCE_PRIVATE_KEY_FILE",
    "BINANCE_FUTURES_API_KEY", "BINANCE_FUTURES_API_SECRET", "BINANCE_FUTURES_PRIVATE_KEY_FILE"};

TEST_F(BinanceSettingsTest, CredentialsInAFileOrOnTheCommandLineAreRefused) {
  const std::string value = "Zq9ValueThatMustNeverBeEchoed";
  for (const char* key : kSecretKeys) {
    const std::string k = key;
    const std::string from_file = check(k + "=" + value + "\n");
    EXPECT_EQ(from_file.rfind(k + "='***' (t.env:1): credentials are read from the environment only (export " + k, 0),
              0u)
        << from_file;
    EXPECT_EQ(from_file.find(value), std::string::npos);
    const std::string from_set = check_set(k + "=" + value);
    EXPECT_EQ(from_set.rfind(k + "='***' (--set): credentials are read from the environment only", 0), 0u) << from_set;
    EXPECT_EQ(from_set.find(value), std::string::npos);
    // Mainnet too, of course.
    EXPECT_NE(check("BINANCE_ENV=mainnet\n" + k + "=" + value + "\n").find("environment only"), std::string::npos);
    // An empty value in a preset (the committed presets' form) is fine.
    EXPECT_EQ(check(k + "=\n"), "") << k;
  }
}

TEST_F(BinanceSettingsTest, LocalAllowsTheSimsTestKeyInAFile) {
  ASSERT_EQ(check("BINANCE_ENV=local\nBINANCE_API_KEY=dmabot-local-key\nBINANCE_API_SECRET=dmabot-local-secret\n"
                  "VENUE_MODE=binance_spot\n"),
            "");
  EXPECT_TRUE(last_.binance.spot.has_api_key);
  EXPECT_EQ(last_.binance.spot.signing, SigningKind::kHmac);
  // ...but the environment overriding BINANCE_ENV away from local brings the rule back.
  fake_env()["BINANCE_ENV"] = "testnet";
  EXPECT_NE(check("BINANCE_ENV=local\nBINANCE_API_KEY=dmabot-local-key\n").find("environment only"), std::string::npos);
}

TEST_F(BinanceSettingsTest, CredentialsFromTheEnvironmentAreAcceptedAndRequiredByTheVenue) {
  EXPECT_EQ(check_set("VENUE_MODE=binance_spot"),
            "BINANCE_API_KEY='***' (default, not in t.env): is empty; the Binance venue needs an API key (export "
            "BINANCE_API_KEY=...)");
  fake_env()["BINANCE_API_KEY"] = "k-123";
  EXPECT_NE(check_set("VENUE_MODE=binance_spot").find("BINANCE_API_SECRET='***' (default, not in t.env): is empty"),
            std::string::npos);
  fake_env()["BINANCE_API_SECRET"] = "s-456";
  ASSERT_EQ(check_set("VENUE_MODE=binance_spot"), "");
  EXPECT_EQ(last_.binance.spot.signing, SigningKind::kHmac);
  // Futures falls back to the shared keys...
  ASSERT_EQ(check_set("VENUE_MODE=binance_futures"), "");
  EXPECT_FALSE(last_.binance.futures.from_futures_keys);
  EXPECT_EQ(last_.binance.futures.signing, SigningKind::kHmac);
  // ...unless any futures credential is set: then those, complete.
  fake_env()["BINANCE_FUTURES_API_SECRET"] = "fs-789";
  EXPECT_NE(
      check_set("VENUE_MODE=binance_futures").find("BINANCE_FUTURES_API_KEY='***' (default, not in t.env): is empty"),
      std::string::npos);
  fake_env()["BINANCE_FUTURES_API_KEY"] = "fk-000";
  ASSERT_EQ(check_set("VENUE_MODE=binance_futures"), "");
  EXPECT_TRUE(last_.binance.futures.from_futures_keys);
  // Mainnet needs the confirmation.
  EXPECT_EQ(check("", {"VENUE_MODE=binance_spot", "BINANCE_ENV=mainnet"}),
            "CONFIRM_LIVE='' (default, not in t.env): live trading on mainnet requires CONFIRM_LIVE=yes");
  EXPECT_EQ(check("", {"VENUE_MODE=binance_spot", "BINANCE_ENV=mainnet", "CONFIRM_LIVE=yes"}), "");
  // The feed alone needs no keys.
  fake_env().clear();
  EXPECT_EQ(check_set("FEED_MODE=binance"), "");
}

// VENUE_MODE=binance trades both products: both sets of credentials are required (USD-M's own when any
// BINANCE_FUTURES_* is set); FUTURES_SYMBOLS become "UM:" instruments after SYMBOLS', streamed on the
// futures streams by exchange name.
TEST_F(BinanceSettingsTest, BothProductsNeedBothCredentialsAndNameUsdmInstruments) {
  fake_env()["BINANCE_API_KEY"] = "k-123";
  fake_env()["BINANCE_API_SECRET"] = "s-456";
  fake_env()["BINANCE_FUTURES_API_SECRET"] = "fs-789";
  const std::vector<std::string> both = {"VENUE_MODE=binance", "FEED_MODE=binance", "SYMBOLS=BTCUSDT,ethusdt",
                                         "FUTURES_SYMBOLS=btcusdt"};
  EXPECT_NE(check("", both).find("BINANCE_FUTURES_API_KEY='***' (default, not in t.env): is empty"), std::string::npos)
      << "the spot keys alone are not enough once a futures credential is set";
  fake_env()["BINANCE_FUTURES_API_KEY"] = "fk-000";
  ASSERT_EQ(check("", both), "");
  ASSERT_EQ(last_.instruments.size(), 3u);
  EXPECT_EQ(last_.instruments[1].name, "ETHUSDT");
  EXPECT_EQ(last_.instruments[1].product, core::Product::kSpot);
  EXPECT_EQ(last_.instruments[2].name, "UM:BTCUSDT");
  EXPECT_EQ(last_.instruments[2].exchange_name, "BTCUSDT");
  EXPECT_EQ(last_.instruments[2].product, core::Product::kUsdm);
  EXPECT_EQ(last_.binance_stream.spot_symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(last_.binance_stream.futures_symbols, (std::vector<std::string>{"BTCUSDT"}));
  EXPECT_FALSE(last_.binance_stream.spot_stream_url.empty());
  EXPECT_FALSE(last_.binance_stream.futures_stream_url.empty());
  // Mock venues (a replay of such a run) keep the instruments; the single-product Binance modes refuse them.
  ASSERT_EQ(check("", {"VENUE_MODE=mock", "SYMBOLS=BTCUSDT", "FUTURES_SYMBOLS=BTCUSDT"}), "");
  EXPECT_EQ(last_.instruments.back().name, "UM:BTCUSDT");
  EXPECT_NE(check("", {"VENUE_MODE=binance_spot", "FUTURES_SYMBOLS=BTCUSDT"}).find("FUTURES_SYMBOLS='BTCUSDT'"),
            std::string::npos);
  EXPECT_NE(check("", {"VENUE_MODE=binance", "FUTURES_SYMBOLS=BTCUSDT,btcusdt"}).find("is listed twice"),
            std::string::npos);
  EXPECT_NE(check("", {"VENUE_MODE=binance", "MARKET_TYPE=usdm", "FUTURES_SYMBOLS=BTCUSDT"}).find("MARKET_TYPE"),
            std::string::npos);
  // Overrides count SYMBOLS then FUTURES_SYMBOLS.
  EXPECT_NE(check("", {"VENUE_MODE=mock", "SYMBOLS=BTCUSDT", "FUTURES_SYMBOLS=BTCUSDT", "TICK_SIZE=0.01,0.1,1"})
                .find("has 3 values for 2 symbols"),
            std::string::npos);
  ASSERT_EQ(check("", {"VENUE_MODE=mock", "SYMBOLS=BTCUSDT", "FUTURES_SYMBOLS=BTCUSDT", "TICK_SIZE=0.01,0.1"}), "");
  EXPECT_EQ(last_.instruments[1].tick.raw, 10'000'000);
}

TEST_F(BinanceSettingsTest, Ed25519KeyFileIsCheckedAndExclusiveWithTheSecret) {
  const std::string key = write_temp("ed25519.pem", kPemKey);
  const std::string junk = write_temp("notakey.pem", "-----BEGIN PUBLIC KEY-----\nMCow\n");
  fake_env()["BINANCE_API_KEY"] = "k-123";
  fake_env()["BINANCE_PRIVATE_KEY_FILE"] = key;
  ASSERT_EQ(check_set("VENUE_MODE=binance_spot"), "");
  EXPECT_EQ(last_.binance.spot.signing, SigningKind::kEd25519);
  fake_env()["BINANCE_PRIVATE_KEY_FILE"] = junk;
  const std::string e = check("");
  EXPECT_EQ(e.rfind("BINANCE_PRIVATE_KEY_FILE='***' (environment): is not a PEM private key file", 0), 0u) << e;
  EXPECT_EQ(e.find(junk), std::string::npos) << "the path is masked like the secret";
  fake_env()["BINANCE_PRIVATE_KEY_FILE"] = testing::temp_dir() + "/missing.pem";
  EXPECT_EQ(check(""), "BINANCE_PRIVATE_KEY_FILE='***' (environment): no such file");
  fake_env()["BINANCE_PRIVATE_KEY_FILE"] = key;
  fake_env()["BINANCE_API_SECRET"] = "s-456";
  EXPECT_EQ(check(""),
            "BINANCE_PRIVATE_KEY_FILE='***' (environment): set either BINANCE_API_SECRET (HMAC) or "
            "BINANCE_PRIVATE_KEY_FILE (Ed25519), not both");
  fake_env().clear();
  fake_env()["BINANCE_FUTURES_API_KEY"] = "fk";
  fake_env()["BINANCE_FUTURES_PRIVATE_KEY_FILE"] = key;
  ASSERT_EQ(check_set("VENUE_MODE=binance_futures"), "");
  EXPECT_EQ(last_.binance.futures.signing, SigningKind::kEd25519);
  EXPECT_EQ(last_.binance.spot.signing, SigningKind::kNone);
}

TEST_F(BinanceSettingsTest, DryRunIsABoolean) {
  ASSERT_EQ(check(""), "");
  EXPECT_FALSE(last_.binance.dry_run);
  ASSERT_EQ(check_set("DRY_RUN=1"), "");
  EXPECT_TRUE(last_.binance.dry_run);
  EXPECT_EQ(check_set("DRY_RUN=maybe"), "DRY_RUN='maybe' (--set): expected true or false");
}

// Every secret set in the environment, then a run of failing checks: none of the errors, and not the
// effective configuration that `run --print-config`, `config --env` and the recorder's header use,
// carries a value.
TEST_F(BinanceSettingsTest, SecretValuesNeverReachErrorsOrTheEffectiveConfig) {
  const std::string key_file = write_temp("k.pem", kPemKey);
  std::vector<std::string> values;
  for (const char* k : kSecretKeys) {
    const std::string v = std::string(k).find("FILE") != std::string::npos ? key_file : std::string("V4lue-of-") + k;
    fake_env()[k] = v;
    values.push_back(v);
  }
  fake_env().erase("BINANCE_API_SECRET");  // one signing method each
  fake_env().erase("BINANCE_FUTURES_API_SECRET");
  std::vector<std::string> outputs;
  outputs.push_back(check("", {"VENUE_MODE=binance_spot", "BINANCE_ENV=mainnet"}));  // CONFIRM_LIVE
  outputs.push_back(check_set("BINANCE_SPOT_REST_URL=http://x"));
  outputs.push_back(check_set("DRY_RUN=x"));
  fake_env()["BINANCE_API_SECRET"] = values[1];
  outputs.push_back(check(""));  // both signing methods
  fake_env().erase("BINANCE_API_SECRET");
  ASSERT_EQ(check_set("VENUE_MODE=binance_futures"), "");
  for (const auto& [k, v] : last_.effective) outputs.push_back(k + "=" + v);
  bool masked = false;
  for (const auto& [k, v] : last_.effective) masked = masked || (k == "BINANCE_FUTURES_API_KEY" && v == "***");
  EXPECT_TRUE(masked);
  for (const std::string& out : outputs) {
    for (const std::string& v : values) EXPECT_EQ(out.find(v), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace dmabot::tools
