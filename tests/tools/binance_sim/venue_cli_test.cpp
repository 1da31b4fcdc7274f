// `dmabot binance-sim` with the real venue, as a child process: the default (test-only) account works
// with no --account, orders reach the exchange, --ledger records them, --help documents the account.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "core/clock.h"
#include "core/strings.h"
#include "gateway/binance/signer.h"
#include "tests/tools/binance_sim/sim_client.h"
#include "tests/tools/test_process.h"
#include "tools/binance_sim/security.h"

namespace dmabot::binance_sim {
namespace {

namespace tp = dmabot::testing;

TEST(BinanceSimVenueCli, DefaultAccountTradesAndTheLedgerRecordsIt) {
  const std::string dir = tp::temp_dir();
  const std::string ready = dir + "/ready.json";
  const std::string ledger = dir + "/ledger.jsonl";
  tp::Child c = tp::spawn({tp::dmabot_bin(), "binance-sim", "--plain-http", "--ready-file", ready, "--ledger", ledger,
                           "--symbols", "BTCUSDT,ETHUSDT"},
                          dir);
  ASSERT_TRUE(tp::wait_for_size(c, ready, 10, 20)) << tp::read_file(c.err_path);
  unsigned spot = 0, fut = 0;
  ASSERT_EQ(
      std::sscanf(tp::read_file(ready).c_str(), "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"\"}", &spot, &fut),
      2);
  auto signer = binance::HmacSha256Signer::create(kDefaultHmacSecret);
  ASSERT_TRUE(signer.ok());
  auto signed_target = [&](std::string_view path, std::string query) {
    query += core::str_cat("&timestamp=", core::wall_clock_ns() / 1'000'000);
    char sig[binance::kHmacSha256HexSize];
    signer->sign(query, sig);
    return core::str_cat(path, "?", query, "&signature=", std::string_view(sig, sizeof sig));
  };
  // A resting buy far below the walk's price (it starts at 60000), on both products.
  auto r = testing::http_request(
      static_cast<uint16_t>(spot), testing::Method::kPost,
      signed_target("/api/v3/order",
                    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=30000&"
                    "newClientOrderId=cli-spot-1"),
      nullptr, "", std::chrono::milliseconds(5000), "X-MBX-APIKEY", std::string(kDefaultApiKey));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"clientOrderId\":\"cli-spot-1\""), std::string::npos) << r.body;
  r = testing::http_request(static_cast<uint16_t>(fut), testing::Method::kPost,
                            signed_target("/fapi/v1/order",
                                          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.1&price=1500&"
                                          "newClientOrderId=cli-fut-1"),
                            nullptr, "", std::chrono::milliseconds(5000), "X-MBX-APIKEY", std::string(kDefaultApiKey));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  // A request signed with another secret is refused.
  r = testing::http_request(static_cast<uint16_t>(spot), testing::Method::kGet,
                            core::str_cat("/api/v3/account?timestamp=1&signature=", std::string(64, '0')), nullptr, "",
                            std::chrono::milliseconds(5000), "X-MBX-APIKEY", std::string(kDefaultApiKey));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 400);
  kill(c.pid, SIGTERM);
  ASSERT_EQ(tp::wait_exit(c, 10), 0) << tp::read_file(c.err_path);
  const std::string lines = tp::read_file(ledger);
  EXPECT_NE(lines.find("\"type\":\"order_accepted\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("cli-spot-1"), std::string::npos) << lines;
  EXPECT_NE(lines.find("cli-fut-1"), std::string::npos) << lines;
  EXPECT_NE(tp::read_file(c.out_path).find("2 orders accepted"), std::string::npos) << tp::read_file(c.out_path);
}

TEST(BinanceSimVenueCli, HelpNamesTheTestOnlyDefaultAccount) {
  const std::string dir = tp::temp_dir();
  tp::Child c;
  ASSERT_EQ(tp::run({tp::dmabot_bin(), "binance-sim", "--help"}, dir, &c), 0);
  const std::string out = tp::read_file(c.out_path);
  EXPECT_NE(out.find("dmabot-local-key"), std::string::npos);
  EXPECT_NE(out.find("TEST ONLY"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::binance_sim
