// `dmabot binance-sim` as a child process: the ready file, TLS against the CA it names, clean exit on
// SIGTERM/SIGINT, and exit 2 with the flag named for bad options (secrets never echoed). Also the
// option parser itself.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>

#include "tests/tools/binance_sim/sim_client.h"
#include "tests/tools/test_process.h"
#include "tools/binance_sim/sim_options.h"

namespace dmabot::binance_sim {
namespace {

namespace tp = dmabot::testing;

struct Ready {
  unsigned spot = 0, futures = 0;
  std::string ca_file;
};

bool parse_ready(const std::string& text, Ready& r) {
  char ca[4096] = {};
  if (std::sscanf(text.c_str(), "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"%4095[^\"]\"}", &r.spot,
                  &r.futures, ca) != 3)
    return false;
  r.ca_file = ca;
  return true;
}

TEST(BinanceSimCli, ReadyFileThenTlsThenCleanExitOnSigterm) {
  const std::string dir = tp::temp_dir();
  const std::string ready = dir + "/ready.json";
  tp::Child c = tp::spawn({tp::dmabot_bin(), "binance-sim", "--ready-file", ready, "--tls-dir", dir + "/tls",
                           "--account", "k1:hmac:TOPSECRETVALUE", "--balance", "USDT=10000,BTC=1"},
                          dir);
  ASSERT_TRUE(tp::wait_for_size(c, ready, 10, 20)) << tp::read_file(c.err_path);
  Ready r;
  ASSERT_TRUE(parse_ready(tp::read_file(ready), r)) << tp::read_file(ready);
  EXPECT_NE(r.spot, 0u);
  EXPECT_NE(r.futures, 0u);
  EXPECT_EQ(r.ca_file, dir + "/tls/ca.pem");
  auto tls = testing::client_tls(r.ca_file);
  auto ping = testing::http_request(static_cast<uint16_t>(r.spot), testing::Method::kGet, "/api/v3/ping", tls.get());
  ASSERT_TRUE(ping.ok) << ping.error;
  EXPECT_EQ(ping.body, "{}");
  auto ftime =
      testing::http_request(static_cast<uint16_t>(r.futures), testing::Method::kGet, "/fapi/v1/time", tls.get());
  ASSERT_TRUE(ftime.ok) << ftime.error;
  EXPECT_EQ(ftime.body.rfind("{\"serverTime\":", 0), 0u);
  // An open WebSocket must not hold up the shutdown.
  testing::WsClient ws(static_cast<uint16_t>(r.spot), "/stream?streams=btcusdt@bookTicker", tls.get());
  ASSERT_TRUE(ws.open()) << ws.error();
  kill(c.pid, SIGTERM);
  EXPECT_EQ(tp::wait_exit(c, 10), 0) << tp::read_file(c.err_path);
  const std::string all = tp::read_file(c.out_path) + tp::read_file(c.err_path);
  EXPECT_EQ(all.find("TOPSECRETVALUE"), std::string::npos);
}

TEST(BinanceSimCli, PlainHttpWarnsAndSigintExitsZero) {
  const std::string dir = tp::temp_dir();
  const std::string ready = dir + "/ready.json";
  tp::Child c = tp::spawn({tp::dmabot_bin(), "binance-sim", "--plain-http", "--ready-file", ready}, dir);
  ASSERT_TRUE(tp::wait_for_size(c, ready, 10, 20)) << tp::read_file(c.err_path);
  Ready r;
  unsigned spot = 0, fut = 0;
  ASSERT_EQ(
      std::sscanf(tp::read_file(ready).c_str(), "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"\"}", &spot, &fut),
      2);
  auto ping = testing::http_request(static_cast<uint16_t>(spot), testing::Method::kGet, "/api/v3/ping", nullptr);
  EXPECT_TRUE(ping.ok && ping.body == "{}");
  kill(c.pid, SIGINT);
  EXPECT_EQ(tp::wait_exit(c, 10), 0);
  EXPECT_NE(tp::read_file(c.err_path).find("warning: binance-sim: --plain-http"), std::string::npos);
}

TEST(BinanceSimCli, BadFlagsExit2NamingThem) {
  const std::string dir = tp::temp_dir();
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const Case cases[] = {
      {{"--fault", "drop-ws=1"}, "unknown fault 'drop-ws'"},
      {{"--fault", "latency-ms=fast"}, "--fault latency-ms: 'fast'"},
      {{"--fault", "reject-rate=1.5"}, "--fault reject-rate: '1.5'"},
      {{"--listen-spot", "nowhere"}, "--listen-spot 'nowhere'"},
      {{"--leverage", "0"}, "--leverage '0'"},
      {{"--position-mode", "both"}, "--position-mode 'both'"},
      {{"--balance", "USDT=-5"}, "--balance USDT: '-5'"},
      {{"--account", "k:rsa:SECRETX"}, "key type 'rsa'"},
      {{"--account", "nocolons"}, "--account needs"},
      {{"--tls-cert", "/x.pem"}, "--tls-cert and --tls-key go together"},
      {{"--bogus"}, "unknown option '--bogus'"},
  };
  for (const Case& k : cases) {
    std::vector<std::string> argv{tp::dmabot_bin(), "binance-sim"};
    argv.insert(argv.end(), k.args.begin(), k.args.end());
    tp::Child c;
    EXPECT_EQ(tp::run(argv, dir, &c, {}, 20), 2) << k.expect;
    const std::string err = tp::read_file(c.err_path);
    EXPECT_NE(err.find(k.expect), std::string::npos) << err;
    EXPECT_EQ(err.find("SECRETX"), std::string::npos) << err;
  }
  // A port already taken (we hold it): exit 1 naming the listener.
  testing::ListeningPort taken;
  const std::string addr = "127.0.0.1:" + std::to_string(taken.port());
  tp::Child c;
  EXPECT_EQ(tp::run({tp::dmabot_bin(), "binance-sim", "--listen-futures", addr, "--plain-http"}, dir, &c, {}, 20), 1);
  EXPECT_NE(tp::read_file(c.err_path).find("--listen-futures " + addr + ": cannot listen"), std::string::npos)
      << tp::read_file(c.err_path);
}

TEST(BinanceSimOptions, ParsesEveryFlagIntoTheStructs) {
  std::vector<std::string> args{"--listen-spot",    "127.0.0.1:0",
                                "--listen-futures", "[::1]:4443",
                                "--fault",          "drop-ws-every-s=5",
                                "--fault",          "latency-ms=12.5",
                                "--fault",          "stall-stream-s=3",
                                "--fault",          "http-5xx-rate=0.1",
                                "--fault",          "http-5xx-applied-rate=0.2",
                                "--fault",          "clock-skew-ms=-1500",
                                "--fault",          "listenkey-expire-s=60",
                                "--fault",          "reject-rate=0.05",
                                "--fault",          "weight-limit=100",
                                "--account",        "k1:hmac:s3cr:et",
                                "--account",        "k2:ed25519:/keys/k2.pem",
                                "--balance",        "USDT=10000,BTC=1.5",
                                "--leverage",       "7",
                                "--position-mode",  "hedge",
                                "--seed",           "42",
                                "--market",         "walk",
                                "--symbols",        "BTCUSDT,ETHUSDT",
                                "--ledger",         "/tmp/l.jsonl",
                                "--ws-max-age-s",   "2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  SimOptions o;
  ASSERT_EQ(parse_sim_args(static_cast<int>(argv.size()), argv.data(), o), "");
  EXPECT_EQ(o.server.futures.host, "::1");
  EXPECT_EQ(o.server.futures.port, 4443);
  const Faults& f = o.server.faults;
  EXPECT_EQ(f.drop_ws_every_s, 5);
  EXPECT_EQ(f.latency_ms, 12.5);
  EXPECT_EQ(f.stall_stream_s, 3);
  EXPECT_EQ(f.http_5xx_rate, 0.1);
  EXPECT_EQ(f.http_5xx_applied_rate, 0.2);
  EXPECT_EQ(f.clock_skew_ms, -1500);
  EXPECT_EQ(f.listenkey_expire_s, 60);
  EXPECT_EQ(f.reject_rate, 0.05);
  EXPECT_EQ(f.weight_limit, 100);
  ASSERT_EQ(o.exchange.accounts.size(), 2u);
  EXPECT_EQ(o.exchange.accounts[0].secret, "s3cr:et");  // a secret may contain ':'
  EXPECT_EQ(o.exchange.accounts[1].key_type, AccountFlag::KeyType::kEd25519);
  EXPECT_EQ(o.exchange.accounts[1].public_key_pem, "/keys/k2.pem");
  ASSERT_EQ(o.exchange.balances.size(), 2u);
  EXPECT_EQ(o.exchange.balances[1].asset, "BTC");
  EXPECT_EQ(o.exchange.balances[1].amount, "1.5");
  EXPECT_EQ(o.exchange.leverage, 7);
  EXPECT_TRUE(o.exchange.hedge_mode);
  EXPECT_EQ(o.exchange.seed, 42u);
  EXPECT_EQ(o.exchange.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(o.exchange.ledger, "/tmp/l.jsonl");
  EXPECT_EQ(o.server.limits.ws_max_age, std::chrono::milliseconds(2000));
}

TEST(BinanceSimOptions, DuplicateAccountAndHelp) {
  std::vector<std::string> args{"--account", "k:hmac:a", "--account", "k:hmac:b"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  SimOptions o;
  EXPECT_EQ(parse_sim_args(4, argv.data(), o), "--account k: this API key is given twice");
  std::string h = "--help";
  char* hv[] = {h.data()};
  SimOptions o2;
  EXPECT_EQ(parse_sim_args(1, hv, o2), "");
  EXPECT_TRUE(o2.help);
}

}  // namespace
}  // namespace dmabot::binance_sim
