// tools/binance_instruments.h against binance-sim in process (tests/gateway/binance_io/sim_harness.h):
// exchangeInfo fetched over TLS with the sim's CA for both products, resolved into the engine's
// instruments, refreshed; and the failures a trader can meet at start — an unknown symbol, a wrong CA,
// an error answer, a server that does not answer in time. The sim's symbols (tools/binance_sim/
// sim_setup.cpp): spot BTCUSDT tick 0.01 step 0.00001, ETHUSDT step 0.0001, both NOTIONAL 5; USD-M
// BTCUSDT tick 0.10 step 0.001 MIN_NOTIONAL 100, ETHUSDT tick 0.01 MIN_NOTIONAL 20.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/strings.h"
#include "gateway/binance_io/https_get.h"
#include "gateway/binance_io/rest_client.h"
#include "tests/gateway/binance_io/sim_harness.h"
#include "tools/binance_instruments.h"

namespace dmabot::tools {
namespace {

using binance::Product;
using core::kScale;
using SimHarness = binance_io::testing::SimHarness;

InstrumentSource source(const SimHarness& sim, Product p) {
  InstrumentSource s;
  s.product = p;
  s.rest_url = p == Product::kSpot ? sim.spot_url() : sim.futures_url();
  s.ca_file = sim.ca_file();
  s.timeout_ms = 5000;
  return s;
}

InstrumentRules explicit_rules(std::vector<std::string> symbols, int64_t order_usd) {
  InstrumentRules r;
  r.symbols = std::move(symbols);
  r.order_notional_raw = order_usd * kScale;
  r.order_size_key = "DYNMM_BASE_SIZE_USD";
  return r;
}

std::string message(const absl::Status& st) { return st.ok() ? "(ok)" : std::string(st.message()); }

TEST(BinanceInstrumentsSim, SpotExplicitSymbolsOverTls) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--symbols", "BTCUSDT,ETHUSDT"}), "");
  auto set = load_instruments(source(sim, Product::kSpot), explicit_rules({"ETHUSDT", "BTCUSDT"}, 20));
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->instruments.size(), 2u);
  EXPECT_EQ(set->instruments[0].info.name, "ETHUSDT");   // SYMBOLS order
  EXPECT_EQ(set->instruments[0].info.step.raw, 10'000);  // 0.0001
  EXPECT_EQ(set->instruments[1].info.name, "BTCUSDT");
  EXPECT_EQ(set->instruments[1].info.tick.raw, 1'000'000);  // 0.01
  EXPECT_EQ(set->instruments[1].info.step.raw, 1'000);      // 0.00001
  EXPECT_EQ(set->instruments[1].info.min_notional_raw, 5 * kScale);
  EXPECT_EQ(set->instruments[1].spec.status, binance::SymbolStatus::kTrading);
  EXPECT_GT(set->server_time_ms, 0);
  EXPECT_FALSE(set->rate_limits.empty());
  // A refresh with nothing changed reports nothing and keeps the values.
  auto changes = refresh_instruments(source(sim, Product::kSpot), explicit_rules({"ETHUSDT", "BTCUSDT"}, 20), *set);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_TRUE(changes->empty());
  EXPECT_EQ(set->instruments[1].info.tick.raw, 1'000'000);
}

TEST(BinanceInstrumentsSim, FuturesAutoDiscoveryOverTls) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--symbols", "BTCUSDT,ETHUSDT"}), "");
  InstrumentRules r = explicit_rules({}, 20);
  r.auto_symbols = true;
  auto set = load_instruments(source(sim, Product::kUsdmFutures), r);
  ASSERT_TRUE(set.ok()) << set.status();
  // BTCUSDT's minimum notional 100 is above the order size 20; ETHUSDT's 20 is not.
  ASSERT_EQ(set->instruments.size(), 1u);
  EXPECT_EQ(set->instruments[0].info.name, "ETHUSDT");
  EXPECT_EQ(set->instruments[0].info.min_notional_raw, 20 * kScale);
  EXPECT_EQ(set->instruments[0].info.step.raw, 100'000);  // 0.001
  EXPECT_EQ(set->instruments[0].spec.contract_type, binance::ContractType::kPerpetual);
  ASSERT_GE(set->notes.size(), 2u);
  EXPECT_EQ(set->notes[1],
            "SYMBOLS=auto skipped 1 whose minimum notional exceeds the order size 20 (DYNMM_BASE_SIZE_USD): BTCUSDT");
  // Explicitly, BTCUSDT with that order size is an error; with 100 it loads.
  EXPECT_EQ(message(load_instruments(source(sim, Product::kUsdmFutures), explicit_rules({"BTCUSDT"}, 20)).status()),
            "SYMBOLS: BTCUSDT minimum notional 100 exceeds the order size 20 (DYNMM_BASE_SIZE_USD): every order would "
            "be rejected");
  auto btc = load_instruments(source(sim, Product::kUsdmFutures), explicit_rules({"BTCUSDT"}, 100));
  ASSERT_TRUE(btc.ok()) << btc.status();
  EXPECT_EQ(btc->instruments[0].info.tick.raw, 10'000'000);  // 0.10
}

// A real exchangeInfo is megabytes; this one (100 symbols) is already more than a RestClient response
// slot holds, which is why the loader fetches with https_get.
TEST(BinanceInstrumentsSim, AnExchangeInfoLargerThanARestSlotLoadsWhole) {
  std::string symbols;
  for (int i = 0; i < 100; ++i) core::str_append(symbols, i ? "," : "", "C", 100 + i, "USDT");
  SimHarness sim;
  ASSERT_EQ(sim.start({"--symbols", symbols}), "");
  binance_io::HttpsGetOptions o;
  o.ca_file = sim.ca_file();
  auto raw = binance_io::https_get(sim.spot_url(), "/api/v3/exchangeInfo", o);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->status, 200);
  EXPECT_GT(raw->body.size(), binance_io::RestResponse::kMaxBody);
  InstrumentRules r = explicit_rules({}, 20);
  r.auto_symbols = true;
  r.max_symbols = 1000;
  auto set = load_instruments(source(sim, Product::kSpot), r);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->instruments.size(), 100u);
  EXPECT_EQ(set->instruments.front().info.name, "C100USDT");  // the sim's listing order
  EXPECT_EQ(set->instruments.back().info.name, "C199USDT");
  // A body over the caller's bound is refused, not cut.
  o.max_body_bytes = 4096;
  auto small = binance_io::https_get(sim.spot_url(), "/api/v3/exchangeInfo", o);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(message(small.status()), "the body is longer than 4096 bytes");
}

TEST(BinanceInstrumentsSim, AnUnknownSymbolIsNamed) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  // The narrowed request fails as a whole (-1121) ...
  const std::string names[] = {"NOPEUSDT"};
  auto raw = fetch_exchange_info(source(sim, Product::kSpot), names);
  ASSERT_FALSE(raw.ok());
  const std::string m = message(raw.status());
  EXPECT_EQ(
      m.rfind("exchangeInfo " + sim.spot_url() + "/api/v3/exchangeInfo?symbols=%5B%22NOPEUSDT%22%5D: HTTP 400: ", 0),
      0u)
      << m;
  EXPECT_NE(m.find("-1121"), std::string::npos) << m;
  // ... so the loader asks for everything and names the symbol.
  EXPECT_EQ(
      message(load_instruments(source(sim, Product::kSpot), explicit_rules({"BTCUSDT", "NOPEUSDT"}, 20)).status()),
      "SYMBOLS: NOPEUSDT is not listed by Binance spot (exchangeInfo)");
}

TEST(BinanceInstrumentsSim, AWrongCaFailsTheHandshakeAndNamesTheUrl) {
  SimHarness sim, other;
  ASSERT_EQ(sim.start({}), "");
  ASSERT_EQ(other.start({}), "");
  InstrumentSource s = source(sim, Product::kUsdmFutures);
  s.ca_file = other.ca_file();
  const std::string m = message(fetch_exchange_info(s).status());
  EXPECT_EQ(m.rfind("exchangeInfo " + sim.futures_url() + "/fapi/v1/exchangeInfo: TLS handshake: ", 0), 0u) << m;
  EXPECT_NE(m.find("certificate verify failed"), std::string::npos) << m;
  // An unreadable CA file never gets as far as connecting.
  s.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(
      message(fetch_exchange_info(s).status())
          .rfind("exchangeInfo " + sim.futures_url() + "/fapi/v1/exchangeInfo: CA file '/nonexistent/ca.pem': ", 0),
      0u);
}

TEST(BinanceInstrumentsSim, AnErrorAnswerIsReportedWithItsStatusAndBody) {
  SimHarness sim;
  // Spot exchangeInfo weighs 20: above a limit of 10 the sim answers 429 with Retry-After.
  ASSERT_EQ(sim.start({"--fault", "weight-limit=10"}), "");
  auto r = fetch_exchange_info(source(sim, Product::kSpot));
  ASSERT_FALSE(r.ok());
  const std::string m = message(r.status());
  EXPECT_EQ(m.rfind("exchangeInfo " + sim.spot_url() + "/api/v3/exchangeInfo: HTTP 429 (Retry-After ", 0), 0u) << m;
  EXPECT_NE(m.find("\"code\":-1003"), std::string::npos) << m;
}

TEST(BinanceInstrumentsSim, NoAnswerInTimeIsATimeoutNamingTheUrl) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "latency-ms=2000"}), "");
  InstrumentSource s = source(sim, Product::kUsdmFutures);
  s.timeout_ms = 300;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string m = message(fetch_exchange_info(s).status());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
  EXPECT_EQ(m, "exchangeInfo " + sim.futures_url() + "/fapi/v1/exchangeInfo: no complete answer within 300 ms");
}

}  // namespace
}  // namespace dmabot::tools
