// The presets through the real program (`dmabot config --env`, `dmabot run`), secrets kept out of
// every output of a run, and tools/run_local.sh (`make run-local`): its stop order checked with fake
// sim and engine commands that log what happens to them.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kPemCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

TEST(Presets, LocalLoadsOnceTheSimsCaExists) {
  const std::string dir = temp_dir();
  Child c;
  // Before the sim ran: the CA is missing, and the error says where it comes from.
  EXPECT_EQ(run({dmabot_bin(), "config", "--env", source_dir() + "/.env.local", "--set",
                 "BINANCE_CA_FILE=" + dir + "/none.pem"},
                dir, &c),
            2);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("BINANCE_CA_FILE='" + dir + "/none.pem' (--set): no such file"), std::string::npos) << err;
  EXPECT_NE(err.find("make run-local"), std::string::npos) << err;
  const std::string ca = write(dir + "/ca.pem", kPemCert);
  ASSERT_EQ(
      run({dmabot_bin(), "config", "--env", source_dir() + "/.env.local", "--set", "BINANCE_CA_FILE=" + ca}, dir, &c),
      0)
      << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("\nBINANCE_ENV=local\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nBINANCE_API_SECRET=***\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("dmabot-local-secret"), std::string::npos) << out;
  EXPECT_NE(out.find("#   spot REST     https://127.0.0.1:18443\n"), std::string::npos) << out;
  EXPECT_NE(out.find("#   USD-M WS API  wss://127.0.0.1:18444/ws-fapi/v1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("spot key set, signing hmac"), std::string::npos) << out;
  // Spot and USD-M at once, with the exchange's filters (no overrides in the preset).
  EXPECT_NE(out.find("\nVENUE_MODE=binance\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nFUTURES_SYMBOLS=BTCUSDT\n"), std::string::npos) << out;
  const std::string preset = read_file(source_dir() + "/.env.local");
  for (const char* key : {"\nTICK_SIZE=", "\nSTEP_SIZE=", "\nMIN_NOTIONAL="})
    EXPECT_EQ(preset.find(key), std::string::npos) << key << " overrides exchangeInfo";
  // The sim serves both markets: the preset loads for one of them too (without FUTURES_SYMBOLS).
  for (const char* venue : {"VENUE_MODE=binance_futures", "VENUE_MODE=binance_spot"}) {
    EXPECT_EQ(run({dmabot_bin(), "config", "--env", source_dir() + "/.env.local", "--set", "BINANCE_CA_FILE=" + ca,
                   "--set", venue, "--set", "FUTURES_SYMBOLS="},
                  dir, &c),
              0)
        << read_file(c.err_path);
  }
  // The engine checks it, then loads the instruments from the sim: none runs here, and this CA file is
  // only PEM-shaped (a configuration error, exit 2). One line naming the URL.
  EXPECT_EQ(
      run({dmabot_bin(), "run", "--env", source_dir() + "/.env.local", "--set", "BINANCE_CA_FILE=" + ca}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("dmabot: exchangeInfo https://127.0.0.1:18443/api/v3/exchangeInfo"),
            std::string::npos)
      << read_file(c.err_path);
}

TEST(Presets, SandboxAndMainnetLoadWithKeysFromTheEnvironmentOnly) {
  const std::string dir = temp_dir();
  const std::string key = "K3yFromTheEnvironment", secret = "S3cretFromTheEnvironment";
  const std::vector<std::string> env = {"BINANCE_API_KEY=" + key, "BINANCE_API_SECRET=" + secret};
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "config", "--env", source_dir() + "/.env.sandbox"}, dir, &c, env), 0)
      << read_file(c.err_path);
  std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("#   USD-M REST    https://testnet.binancefuture.com\n"), std::string::npos) << out;
  EXPECT_EQ(out.find(key), std::string::npos);
  EXPECT_EQ(out.find(secret), std::string::npos);
  // Mainnet: refused without CONFIRM_LIVE, loads with it.
  EXPECT_EQ(run({dmabot_bin(), "config", "--env", source_dir() + "/.env.mainnet"}, dir, &c, env), 2);
  EXPECT_NE(read_file(c.err_path).find("CONFIRM_LIVE"), std::string::npos);
  ASSERT_EQ(
      run({dmabot_bin(), "config", "--env", source_dir() + "/.env.mainnet", "--set", "CONFIRM_LIVE=yes"}, dir, &c, env),
      0)
      << read_file(c.err_path);
  out = read_file(c.out_path);
  EXPECT_NE(out.find("#   spot REST     https://api.binance.com\n"), std::string::npos) << out;
  // A key written into a copy of the preset is refused, with the way to do it instead.
  std::string text = read_file(source_dir() + "/.env.sandbox");
  const std::size_t at = text.find("\nBINANCE_API_KEY=\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 18, "\nBINANCE_API_KEY=" + key + "\n");
  const std::string copy = write(dir + "/.env.mine", text);
  EXPECT_EQ(run({dmabot_bin(), "config", "--env", copy}, dir, &c), 2);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("BINANCE_API_KEY='***' (" + copy + ":"), std::string::npos) << err;
  EXPECT_NE(err.find("from the environment only (export BINANCE_API_KEY=...)"), std::string::npos) << err;
  EXPECT_EQ(err.find(key), std::string::npos) << err;
}

TEST(Presets, ConfigEnvUsage) {
  const std::string dir = temp_dir();
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "config", "--env", dir + "/missing.env"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("no such file"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "config", "--set", "MAX_QPS=1"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("--set goes with --env FILE"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "config", "--list", "--env", source_dir() + "/.env.mock"}, dir, &c), 2);
  ASSERT_EQ(run({dmabot_bin(), "config", "--env", source_dir() + "/.env.mock", "--set", "MAX_QPS=7"}, dir, &c), 0);
  EXPECT_NE(read_file(c.out_path).find("\nMAX_QPS=7\n"), std::string::npos);
}

// Every Binance secret in the environment of a real run that records and writes metrics: no value
// reaches the recording (its config header), the metrics, the summary, stdout or stderr.
TEST(Presets, SecretsNeverReachARunsOutputs) {
  const std::string dir = temp_dir();
  const std::string key_file = write(dir + "/ed25519-private.pem", "-----BEGIN PRIVATE KEY-----\nMC4C\n");
  const std::vector<std::string> values = {"AkEy-Spot-0001", "FkEy-Futures-0002", "FsEcret-Futures-0003"};
  const std::vector<std::string> env = {"BINANCE_API_KEY=" + values[0], "BINANCE_PRIVATE_KEY_FILE=" + key_file,
                                        "BINANCE_FUTURES_API_KEY=" + values[1],
                                        "BINANCE_FUTURES_API_SECRET=" + values[2]};
  const std::string rec = dir + "/rec.jsonl", metrics = dir + "/metrics.txt", summary = dir + "/summary.json";
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", source_dir() + "/.env.mock", "--fused", "--set", "MOCK_MAX_TICKS=200",
                 "--set", "METRICS_PORT=-1", "--set", "RECORD_FILE=" + rec, "--metrics-out", metrics, "--summary-json",
                 summary, "--set", "LOG_LEVEL=debug"},
                dir, &c, env),
            0)
      << read_file(c.err_path);
  const std::string recorded = read_file(rec);
  ASSERT_NE(recorded.find("\"kind\":\"config\""), std::string::npos) << recorded.substr(0, 200);
  for (const std::string& file : {rec, metrics, summary, c.out_path, c.err_path}) {
    const std::string text = read_file(file);
    EXPECT_FALSE(text.empty()) << file;
    for (const std::string& v : values) EXPECT_EQ(text.find(v), std::string::npos) << file << " holds " << v;
    EXPECT_EQ(text.find(key_file), std::string::npos) << file << " holds the key file's path";
  }
}

// --- tools/run_local.sh ------------------------------------------------------------------------

struct RunLocal {
  std::string dir, log;
  Child child;
};

// A fake sim that writes its CA and the ready file like binance-sim, and a fake engine; both log
// start and stop to one file. The fake engine takes a moment to stop (as the real one, cancelling
// its orders, does), so a script that signalled both at once would log the sim's stop first.
// `engine` empty = the fake engine; else that command. `sim_exits` = the fake sim quits by itself
// once the engine has started.
RunLocal start_run_local(const std::string& engine, bool sim_exits = false) {
  RunLocal r;
  r.dir = temp_dir();
  r.log = r.dir + "/events.log";
  const std::string sim =
      write(r.dir + "/fake_sim.sh",
            "#!/bin/bash\n"
            "while [ $# -gt 0 ]; do case $1 in --ready-file) ready=$2; shift;; --tls-dir) tls=$2; shift;; esac; shift; "
            "done\n"
            "trap 'echo sim stopped >> " +
                r.log +
                "; kill $sp; exit 0' TERM INT\n"
                "echo sim started >> " +
                r.log + "\nprintf -- '" + kPemCert + "' > \"$tls/ca.pem\"\n" +
                "echo '{}' > \"$ready.tmp\" && mv \"$ready.tmp\" \"$ready\"\n" +
                (sim_exits ? "while ! grep -q 'engine started' " + r.log + "; do sleep 0.05; done\necho sim died >> " +
                                 r.log + "\nexit 7\n"
                           : "") +
                "sleep 1000 & sp=$!\nwait $sp\n");
  const std::string fake_engine =
      write(r.dir + "/fake_engine.sh", "#!/bin/bash\ntrap 'sleep 0.3; echo engine stopped >> " + r.log +
                                           "; kill $sp; exit 0' INT\n"
                                           "echo engine started >> " +
                                           r.log + "\nsleep 1000 & sp=$!\nwait $sp\n");
  ::chmod(sim.c_str(), 0755);
  ::chmod(fake_engine.c_str(), 0755);
  std::vector<std::string> env = {"RUN_LOCAL_SIM=" + sim, "RUN_LOCAL_DIR=" + r.dir + "/sim", "DMABOT=" + dmabot_bin(),
                                  "RUN_LOCAL_ENV=" + source_dir() + "/.env.local", "RUN_LOCAL_READY_TIMEOUT_S=20"};
  if (engine.empty()) env.push_back("RUN_LOCAL_ENGINE=" + fake_engine);
  r.child = spawn({"/bin/bash", source_dir() + "/tools/run_local.sh"}, r.dir, env, r.dir);
  return r;
}

// Polls (bounded) until the log holds `line`.
bool wait_for_line(const RunLocal& r, const std::string& line) {
  for (int i = 0; i < 2000; ++i) {
    if (read_file(r.log).find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a file, bounded (20 s)
  }
  return false;
}

TEST(RunLocal, CtrlCStopsTheEngineFirstThenTheSim) {
  for (int sig : {SIGINT, SIGTERM}) {
    RunLocal r = start_run_local("");
    ASSERT_TRUE(wait_for_line(r, "engine started\n")) << read_file(r.child.err_path);
    kill(r.child.pid, sig);
    EXPECT_EQ(wait_exit(r.child, 20), 0) << read_file(r.child.err_path);
    EXPECT_EQ(read_file(r.log), "sim started\nengine started\nengine stopped\nsim stopped\n") << "signal " << sig;
    EXPECT_NE(read_file(r.child.err_path).find("run-local: stopped (engine exit code 0)"), std::string::npos);
  }
}

// The real engine against the fake sim (nothing listens, its CA is only PEM-shaped): it checks
// .env.local, cannot load the instruments from the venue, exits 2; the script then stops the sim and
// passes the engine's code on.
TEST(RunLocal, TheEngineStoppingByItselfStopsTheSim) {
  RunLocal r = start_run_local("real");
  EXPECT_EQ(wait_exit(r.child, 30), 2) << read_file(r.child.err_path);
  const std::string err = read_file(r.child.err_path);
  EXPECT_NE(err.find("dmabot: exchangeInfo https://127.0.0.1:18443/api/v3/exchangeInfo"), std::string::npos) << err;
  EXPECT_NE(err.find("run-local: the engine exited by itself (code 2); stopping binance-sim"), std::string::npos)
      << err;
  EXPECT_EQ(read_file(r.log), "sim started\nsim stopped\n");
}

TEST(RunLocal, TheSimDyingStopsTheEngine) {
  RunLocal r = start_run_local("", true);
  EXPECT_EQ(wait_exit(r.child, 30), 1) << read_file(r.child.err_path);
  EXPECT_EQ(read_file(r.log), "sim started\nengine started\nsim died\nengine stopped\n");
  EXPECT_NE(read_file(r.child.err_path).find("exited by itself (code 7); stopping the engine"), std::string::npos)
      << read_file(r.child.err_path);
}

}  // namespace
}  // namespace dmabot::testing
