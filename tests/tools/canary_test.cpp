// `dmabot canary` end to end against binance-sim as a child process (with its ledger): the program
// places one far post-only order and cancels it on spot and on USD-M (the ledger shows exactly that
// order, canceled); mainnet without CONFIRM_LIVE=yes exits 2 before anything is sent; bad credentials
// exit 1 with Binance's code and without the secret; a venue that refuses (-2010) or answers 503 after
// placing the order (unknown outcome) exits 1 and leaves nothing open. Bounded: each run has a timeout.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/tools/sim_process.h"
#include "tests/tools/test_process.h"
#include "tests/tools/venue_ledger_check.h"

namespace dmabot::testing {
namespace {

struct CanaryRun {
  int rc = -1;
  std::string out, err;
};

// `dmabot canary` with an empty preset, the sim's settings as --set flags (plus `sets`), `args`, and
// `env` added to its environment.
CanaryRun run_canary(const SimProcess& sim, const std::vector<std::string>& sets, const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {}) {
  const std::string dir = temp_dir();
  const std::string preset = dir + "/empty.env";
  { std::ofstream(preset).close(); }
  std::vector<std::string> argv = {dmabot_bin(), "canary", "--env", preset, "--timeout-ms", "5000"};
  for (const std::string& kv : with(sim_binance_sets(sim), sets)) {
    if (kv.find('=') + 1 == kv.size()) continue;  // an emptied key: left out
    argv.push_back("--set");
    argv.push_back(kv);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  const Child c = spawn(argv, dir, env);
  CanaryRun r;
  r.rc = wait_exit(c, 60);
  r.out = read_file(c.out_path);
  r.err = read_file(c.err_path);
  return r;
}

// The ledger's lines of one product.
Ledger product_ledger(const std::string& ledger, bool futures) {
  const std::string product = futures ? "\"product\":\"usdm\"" : "\"product\":\"spot\"";
  std::string mine, line;
  std::istringstream in(read_file(ledger));
  while (std::getline(in, line)) {
    if (line.find(product) != std::string::npos) mine += line + "\n";
  }
  const std::string path = temp_dir() + "/product.jsonl";
  std::ofstream(path) << mine;
  return read_ledger(path, "dm");
}

// The client id the report names ("canary ok: <id> placed and canceled").
std::string reported_id(const std::string& out) {
  const std::string key = "canary ok: ";
  const std::size_t at = out.find(key);
  if (at == std::string::npos) return "";
  const std::size_t from = at + key.size();
  return out.substr(from, out.find(' ', from) - from);
}

TEST(Canary, PlacesAndCancelsOneOrderOnSpotAndUsdm) {
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  for (bool futures : {false, true}) {
    SCOPED_TRACE(futures ? "usdm" : "spot");
    const CanaryRun r =
        run_canary(sim, {futures ? "VENUE_MODE=binance_futures" : "VENUE_MODE=binance_spot"}, {"--symbol", "ETHUSDT"});
    ASSERT_EQ(r.rc, 0) << r.err << r.out;
    for (const char* step : {"exchangeInfo", "bookTicker", "clock sync", "user data ready", "order ack", "cancel ack"})
      EXPECT_NE(r.out.find(step), std::string::npos) << step << "\n" << r.out;
    EXPECT_NE(r.out.find(futures ? "ORDER_TRADE_UPDATE NEW" : "executionReport NEW"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(futures ? "ORDER_TRADE_UPDATE CANCELED" : "executionReport CANCELED"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(futures ? "LIMIT GTX" : "LIMIT_MAKER"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("dmabot-local-secret"), std::string::npos);
    const std::string id = reported_id(r.out);
    ASSERT_FALSE(id.empty()) << r.out;
    const Ledger l = product_ledger(ledger, futures);
    ASSERT_EQ(l.accepted, std::vector<std::string>{id}) << read_file(ledger);
    EXPECT_EQ(l.closed, std::set<std::string>{id}) << "canceled";
    EXPECT_EQ(l.fills, 0);
    int canceled = 0;
    std::istringstream in(read_file(ledger));
    for (std::string line; std::getline(in, line);)
      canceled += field(line, "type") == "order_state" && field(line, "clientOrderId") == id &&
                  field(line, "status") == "CANCELED";
    EXPECT_EQ(canceled, 1) << read_file(ledger);
  }
}

// The preset's product comes from --product too, and DRY_RUN connects and sends nothing.
TEST(Canary, DryRunConnectsAndSendsNoOrder) {
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  const CanaryRun r = run_canary(sim, {"DRY_RUN=true"}, {"--product", "usdm", "--symbol", "BTCUSDT"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("DRY_RUN: would send BTCUSDT BUY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("user data ready"), std::string::npos) << r.out;
  EXPECT_EQ(read_ledger(ledger, "").order_lines, 0) << read_file(ledger);
}

TEST(Canary, MainnetWithoutConfirmLiveExits2AndSendsNothing) {
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  // Mainnet's rules (credentials from the environment only), the sim's URLs standing in for Binance's.
  const std::vector<std::string> env = {"BINANCE_API_KEY=dmabot-local-key", "BINANCE_API_SECRET=dmabot-local-secret"};
  const std::vector<std::string> sets = {"BINANCE_ENV=mainnet",
                                         "BINANCE_API_KEY=", "BINANCE_API_SECRET=", "VENUE_MODE=binance_spot"};
  const CanaryRun r = run_canary(sim, sets, {"--symbol", "ETHUSDT"}, env);
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find("CONFIRM_LIVE=yes"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(read_ledger(ledger, "").order_lines, 0) << read_file(ledger);
  // With the confirmation the same run goes through: the refusal was the only thing in the way.
  const CanaryRun ok = run_canary(sim, with(sets, {"CONFIRM_LIVE=yes"}), {"--symbol", "ETHUSDT"}, env);
  EXPECT_EQ(ok.rc, 0) << ok.err;
  EXPECT_EQ(read_ledger(ledger, "dm").accepted.size(), 1u);
}

TEST(Canary, BadCredentialsExit1WithBinancesCodeAndNoSecret) {
  const std::string ledger = temp_dir() + "/ledger.jsonl";
  SimProcess sim({}, {"--ledger", ledger});
  ASSERT_TRUE(sim.ok()) << sim.log();
  for (bool futures : {false, true}) {
    SCOPED_TRACE(futures ? "usdm" : "spot");
    const CanaryRun r = run_canary(
        sim, {futures ? "VENUE_MODE=binance_futures" : "VENUE_MODE=binance_spot", "BINANCE_API_SECRET=not-the-secret"},
        {"--symbol", "ETHUSDT"});
    EXPECT_EQ(r.rc, 1) << r.err;
    EXPECT_NE(r.err.find("-1022 Signature for this request is not valid."), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("not-the-secret"), std::string::npos) << "the secret is never echoed";
    EXPECT_EQ(r.out.find("not-the-secret"), std::string::npos);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const CanaryRun r = run_canary(sim, {"VENUE_MODE=binance_spot", "BINANCE_API_KEY=nobody"}, {"--symbol", "ETHUSDT"});
  EXPECT_EQ(r.rc, 1) << r.err;
  EXPECT_NE(r.err.find("-2015"), std::string::npos) << r.err;
  EXPECT_EQ(read_ledger(ledger, "").order_lines, 0) << read_file(ledger);
}

// A venue that refuses every new order (-2010): the step and Binance's answer on one line, nothing open.
// A venue that places the order and then answers 503 (execution status unknown; the cancel too): the
// canary cancels and asks until it knows the order is gone.
TEST(Canary, AVenueThatRefusesOrFailsLeavesNothingOpen) {
  for (const std::string fault : {"reject-rate=1", "http-5xx-applied-rate=1"}) {
    for (bool futures : {false, true}) {
      SCOPED_TRACE(fault + (futures ? " usdm" : " spot"));
      const std::string ledger = temp_dir() + "/ledger.jsonl";
      SimProcess sim({fault}, {"--ledger", ledger});
      ASSERT_TRUE(sim.ok()) << sim.log();
      const CanaryRun r = run_canary(sim, {futures ? "VENUE_MODE=binance_futures" : "VENUE_MODE=binance_spot"},
                                     {"--symbol", "ETHUSDT"});
      EXPECT_EQ(r.rc, 1) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_NE(r.err.find("dmabot: canary: order ack: ETHUSDT BUY"), std::string::npos) << r.err;
      const Ledger l = read_ledger(ledger, "dm");
      if (fault == "reject-rate=1") {
        EXPECT_NE(r.err.find("HTTP 400: -2010"), std::string::npos) << r.err;
        EXPECT_TRUE(l.accepted.empty()) << read_file(ledger);
      } else {
        EXPECT_NE(r.err.find("HTTP 503: -1007"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("nothing left open"), std::string::npos) << r.err;
        ASSERT_EQ(l.accepted.size(), 1u) << read_file(ledger);
        EXPECT_EQ(l.closed.count(l.accepted[0]), 1u) << "left open:\n" << read_file(ledger);
      }
    }
  }
}

TEST(Canary, UsageAndConfigurationErrorsExit2) {
  SimProcess sim({});
  ASSERT_TRUE(sim.ok()) << sim.log();
  EXPECT_EQ(run_canary(sim, {"VENUE_MODE=mock"}, {}).rc, 2);
  EXPECT_EQ(run_canary(sim, {}, {"--product", "options"}).rc, 2);
  const CanaryRun r = run_canary(sim, {}, {"--product", "spot", "--symbol", "NOSUCHPAIR"});
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find("NOSUCHPAIR"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dmabot::testing
