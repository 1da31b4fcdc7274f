// End-to-end tests of the dmabot program: the mock preset trades until SIGINT, and the counts agree
// between the metrics endpoint, the recorder file and the printed summary; configuration errors exit
// 2 with one line naming the key and the file; live presets refuse to start; secrets never leak.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// Sum of every sample of a metric family (all label sets), from Prometheus text.
double metric_sum(const std::string& text, const std::string& name, const std::string& label_filter = "") {
  double sum = 0;
  for (const std::string& l : lines_of(text)) {
    if (l.rfind(name + "{", 0) != 0 && l.rfind(name + " ", 0) != 0) continue;
    if (!label_filter.empty() && l.find(label_filter) == std::string::npos) continue;
    sum += std::stod(l.substr(l.rfind(' ') + 1));
  }
  return sum;
}

// Value of "key":NUMBER in a one-line JSON object.
double json_number(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(json.substr(at + key.size() + 3));
}

std::string field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const std::size_t at = line.find(k);
  if (at == std::string::npos) return "";
  std::size_t start = at + k.size();
  if (line[start] == '"') {
    const std::size_t end = line.find('"', start + 1);
    return line.substr(start + 1, end - start - 1);
  }
  std::size_t end = line.find_first_of(",}", start);
  return line.substr(start, end - start);
}

uint16_t port_from_log(const std::string& err) {
  const std::string marker = "metrics=http://127.0.0.1:";
  const std::size_t at = err.find(marker);
  if (at == std::string::npos) return 0;
  return static_cast<uint16_t>(std::stoi(err.substr(at + marker.size())));
}

TEST(DmabotRun, MockPresetTradesAndCountsAgreeAcrossMetricsRecorderAndSummary) {
  const std::string dir = temp_dir();
  const std::string rec = dir + "/rec.jsonl";
  Child c =
      spawn({dmabot_bin(), "run", "--env", ".env.mock", "--set", "METRICS_PORT=0", "--set", "RECORD_FILE=" + rec,
             "--set", "MOCK_RATE=4000", "--summary-json", dir + "/summary.json", "--metrics-out", dir + "/metrics.txt"},
            dir);
  ASSERT_GT(c.pid, 0);
  // Wait (bounded) for the start-up line, then for every strategy to have traded on the metrics.
  uint16_t port = 0;
  std::string live;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool all_traded = false;
  while (std::chrono::steady_clock::now() < deadline && !all_traded) {
    if (port == 0) port = port_from_log(read_file(c.err_path));
    if (port != 0) {
      live = http_get(port, "/metrics");
      all_traded = true;
      for (const char* s : {"dynmm", "mean_reversion", "ma_cross", "vol_breakout", "as"}) {
        all_traded = all_traded && metric_sum(live, "dmabot_signals_total", std::string("strategy=\"") + s + "\"") > 0;
      }
      all_traded = all_traded && metric_sum(live, "dmabot_exec_reports_total", "status=\"FILLED\"") > 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling the live endpoint, bounded
  }
  ASSERT_NE(port, 0) << read_file(c.err_path);
  EXPECT_TRUE(all_traded) << live;
  EXPECT_NE(live.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(live.find("text/plain; version=0.0.4"), std::string::npos);
  // Every family carries the dmabot_ namespace (core::Registry applies it at registration).
  for (const char* family :
       {"dmabot_ticks_total", "dmabot_signals_total", "dmabot_orders_total", "dmabot_risk_rejects_total",
        "dmabot_exec_reports_total", "dmabot_inventory_qty", "dmabot_realized_pnl", "dmabot_unrealized_pnl",
        "dmabot_recorder_backlog", "dmabot_tick_to_signal_seconds_bucket", "dmabot_signal_to_order_seconds_bucket",
        "dmabot_order_to_ack_seconds_bucket", "dmabot_config_feed_mode", "dmabot_config_venue_mode",
        "dmabot_config_symbol", "dmabot_config_strategy"}) {
    EXPECT_NE(live.find(std::string("\n") + family), std::string::npos) << family;
  }
  for (const char* sym : {"BTCUSDT", "ETHUSDT", "SOLUSDT"}) {
    EXPECT_GT(metric_sum(live, "dmabot_ticks_total", std::string("symbol=\"") + sym + "\""), 0) << sym;
  }
  EXPECT_EQ(http_get(port, "/nope").find("404"), std::string("HTTP/1.1 404").find("404"));
  // The live scrape passes promtool (Debian package prometheus, installed by `make test`).
  if (access("/usr/bin/promtool", X_OK) == 0) {
    const std::string body_path = dir + "/live_metrics.txt";
    {
      std::ofstream f(body_path);
      f << live.substr(live.find("\r\n\r\n") + 4);
    }
    EXPECT_EQ(std::system(("/usr/bin/promtool check metrics < " + body_path + " > /dev/null 2>&1").c_str()), 0);
  } else {
    ADD_FAILURE() << "promtool missing: make test installs the prometheus package";
  }

  ASSERT_EQ(kill(c.pid, SIGINT), 0);
  ASSERT_EQ(wait_exit(c, 60), 0) << read_file(c.err_path);

  const std::string summary_text = read_file(c.out_path);
  const std::string summary = read_file(dir + "/summary.json");
  const std::string metrics = read_file(dir + "/metrics.txt");
  ASSERT_FALSE(summary.empty());
  EXPECT_NE(summary_text.find("summary: ticks="), std::string::npos) << summary_text;

  // Count the recording.
  std::map<std::string, double> kinds;
  std::set<std::string> md_symbols, sig_strategies;
  double venue_fills = 0;
  const std::vector<std::string> lines = lines_of(read_file(rec));
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(field(lines.front(), "kind"), "config");
  EXPECT_EQ(field(lines.back(), "kind"), "end");
  uint64_t expected_seq = 1;
  for (const std::string& l : lines) {
    const std::string kind = field(l, "kind");
    kinds[kind] += 1;
    if (kind == "config" || kind == "end") continue;
    EXPECT_EQ(field(l, "seq"), std::to_string(expected_seq++));
    if (kind == "md") md_symbols.insert(field(l, "sym"));
    if (kind == "sig") sig_strategies.insert(field(l, "strat"));
    if (kind == "exec" && field(l, "venue") != "255" &&
        (field(l, "status") == "FILLED" || field(l, "status") == "PARTIALLY_FILLED")) {
      venue_fills += 1;
    }
  }
  EXPECT_EQ(md_symbols.size(), 3u);
  EXPECT_EQ(sig_strategies.size(), 5u);  // five strategies, one worker each: slots 1..5

  // Three-way agreement.
  EXPECT_EQ(json_number(summary, "ticks"), metric_sum(metrics, "dmabot_ticks_total"));
  EXPECT_EQ(json_number(summary, "ticks"), kinds["md"]);
  EXPECT_EQ(json_number(summary, "signals"), metric_sum(metrics, "dmabot_signals_total"));
  EXPECT_EQ(json_number(summary, "signals"), kinds["sig"]);
  EXPECT_EQ(json_number(summary, "orders"), metric_sum(metrics, "dmabot_orders_total"));
  EXPECT_EQ(json_number(summary, "orders"), kinds["ord"]);
  EXPECT_EQ(json_number(summary, "fills"), venue_fills);
  EXPECT_GT(json_number(summary, "fills"), 0);
  EXPECT_EQ(json_number(summary, "risk_rejects"), metric_sum(metrics, "dmabot_risk_rejects_total"));
  // The footer's own counts match what was written.
  EXPECT_EQ(json_number(lines.back(), "n_md"), kinds["md"]);
  EXPECT_EQ(json_number(lines.back(), "n_exec"), kinds["exec"]);
  // Shutdown cancelled everything: no order is left working.
  EXPECT_EQ(metric_sum(metrics, "dmabot_working_orders"), 0);
}

struct ConfigCase {
  const char* name;
  std::vector<std::string> args;
  const char* must_contain;
};

void PrintTo(const ConfigCase& c, std::ostream* os) { *os << c.name; }

class DmabotConfigErrors : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(DmabotConfigErrors, ExitTwoWithOneLineNamingKeyAndFile) {
  const ConfigCase& tc = GetParam();
  const std::string dir = temp_dir();
  std::vector<std::string> args{dmabot_bin(), "run", "--env", ".env.mock"};
  args.insert(args.end(), tc.args.begin(), tc.args.end());
  Child c;
  EXPECT_EQ(run(args, dir, &c), 2);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find(tc.must_contain), std::string::npos) << err;
  EXPECT_EQ(lines_of(err).size(), 1u) << err;
  EXPECT_TRUE(read_file(c.out_path).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DmabotConfigErrors,
    ::testing::Values(ConfigCase{"unknown_key", {"--set", "MAX_NOTIONALL=5"}, "MAX_NOTIONALL (--set): unknown key"},
                      ConfigCase{"malformed_number", {"--set", "MAX_NOTIONAL=12x"}, "MAX_NOTIONAL='12x' (--set)"},
                      ConfigCase{"empty_symbol", {"--set", "SYMBOLS=BTCUSDT,,ETHUSDT"}, "SYMBOLS="},
                      ConfigCase{"padded_symbol", {"--set", "SYMBOLS=BTCUSDT, ETHUSDT"}, "contains spaces"},
                      ConfigCase{
                          "unknown_strategy", {"--set", "STRATEGIES=dynmm,moonshot"}, "unknown strategy 'moonshot'"},
                      ConfigCase{"bad_workers", {"--set", "STRATEGY_WORKERS=0"}, "STRATEGY_WORKERS"},
                      ConfigCase{"bad_layout", {"--set", "THREAD_LAYOUT=feed;risk"}, "THREAD_LAYOUT"},
                      ConfigCase{"bad_cpu", {"--set", "PIN_CPUS=0,x"}, "PIN_CPUS"},
                      ConfigCase{"bad_flag", {"--frobnicate"}, "unknown option '--frobnicate'"},
                      ConfigCase{"missing_file", {"--env", "/nonexistent/.env.x"}, "/nonexistent/.env.x"}),
    [](const ::testing::TestParamInfo<ConfigCase>& i) { return std::string(i.param.name); });

TEST(DmabotConfig, ErrorInFileNamesFileAndLine) {
  const std::string dir = temp_dir();
  const std::string env = dir + "/.env.bad";
  {
    std::ofstream f(env);
    f << "# comment\nSYMBOLS=BTCUSDT\nMAX_QPS=lots\n";
  }
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "run", "--env", env}, dir, &c), 2);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("MAX_QPS='lots' (" + env + ":3)"), std::string::npos) << err;
}

TEST(DmabotConfig, EnvironmentOverridesFileAndSetOverridesEnvironment) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--print-config"}, dir, &c, {"MAX_QPS=77"}), 0);
  EXPECT_NE(read_file(c.out_path).find("\nMAX_QPS=77\n"), std::string::npos);
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--print-config", "--set", "MAX_QPS=78"}, dir, &c,
                {"MAX_QPS=77"}),
            0);
  EXPECT_NE(read_file(c.out_path).find("\nMAX_QPS=78\n"), std::string::npos);
}

TEST(DmabotSafety, SandboxRefusesWithoutKeys) {
  const std::string dir = temp_dir();
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "run", "--env", ".env.sandbox"}, dir, &c, {"BINANCE_API_KEY=", "BINANCE_API_SECRET="}),
            2);
  EXPECT_NE(read_file(c.err_path).find("BINANCE_API_KEY"), std::string::npos);
}

TEST(DmabotSafety, MainnetRefusesWithoutConfirmationAndNeverPrintsSecrets) {
  const std::string dir = temp_dir();
  const std::string secret = "S3cr3tValueThatMustNeverAppear";
  const std::string key = "K3yValueThatMustNeverAppear";
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "run", "--env", ".env.mainnet"}, dir, &c,
                {"BINANCE_API_KEY=" + key, "BINANCE_API_SECRET=" + secret}),
            2);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("CONFIRM_LIVE"), std::string::npos) << err;
  EXPECT_EQ(err.find(secret), std::string::npos);
  EXPECT_EQ(err.find(key), std::string::npos);
  // --print-config masks secrets.
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--print-config"}, dir, &c,
                {"BINANCE_API_KEY=" + key, "BINANCE_API_SECRET=" + secret}),
            0);
  const std::string out = read_file(c.out_path);
  EXPECT_EQ(out.find(secret), std::string::npos);
  EXPECT_EQ(out.find(key), std::string::npos);
  EXPECT_NE(out.find("BINANCE_API_SECRET=***"), std::string::npos) << out;
  // A recording's header never carries them either.
  const std::string rec = dir + "/rec.jsonl";
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=200", "--set",
                 "METRICS_PORT=-1", "--set", "RECORD_FILE=" + rec},
                dir, &c, {"BINANCE_API_KEY=" + key, "BINANCE_API_SECRET=" + secret}),
            0)
      << read_file(c.err_path);
  const std::string recorded = read_file(rec);
  EXPECT_FALSE(recorded.empty());
  EXPECT_EQ(recorded.find(secret), std::string::npos);
  EXPECT_EQ(recorded.find(key), std::string::npos);
}

TEST(DmabotRun, MetricsPortTakenIsARuntimeFailure) {
  // Occupy a port, then ask dmabot to use it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  const std::string dir = temp_dir();
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--set", "METRICS_PORT=" + std::to_string(port), "--set",
                 "RECORD_FILE="},
                dir, &c),
            1);
  EXPECT_NE(read_file(c.err_path).find(std::to_string(port)), std::string::npos) << read_file(c.err_path);
  close(fd);
}

// Venues that answer nothing within the shutdown's drain bound (5 s): the cancel-all cannot be
// confirmed, so orders are still working when the run ends — said in the summary, its JSON and one
// stderr line, never silently.
TEST(DmabotRun, OrdersStillWorkingAfterShutdownAreReported) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--duration", "1", "--set", "METRICS_PORT=-1", "--set",
                 "RECORD_FILE=", "--set", "MOCK_ACK_LATENCY_US=30000000", "--set", "MOCK_FILL_LATENCY_US=30000000",
                 "--summary-json", dir + "/summary.json"},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  const std::string json = read_file(dir + "/summary.json");
  const std::string key = "\"working_orders\":";
  const std::size_t at = json.find(key);
  ASSERT_NE(at, std::string::npos) << json;
  const long working = std::stol(json.substr(at + key.size()));
  EXPECT_GT(working, 0) << json;
  EXPECT_NE(err.find("dmabot: WARNING: " + std::to_string(working) + " order(s) still working after shutdown"),
            std::string::npos)
      << err;
  EXPECT_NE(read_file(c.out_path).find("  WARNING: " + std::to_string(working) + " order(s) still working"),
            std::string::npos)
      << read_file(c.out_path);
}

TEST(DmabotRun, FusedRunsAreByteIdentical) {
  const std::string dir = temp_dir();
  std::string first;
  for (int i = 0; i < 2; ++i) {
    const std::string rec = dir + "/fused" + std::to_string(i) + ".jsonl";
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=20000", "--set",
                   "METRICS_PORT=-1", "--set", "RECORD_FILE=" + rec, "--summary-json", dir + "/s.json"},
                  dir, &c),
              0)
        << read_file(c.err_path);
    std::string text = read_file(rec);
    // The header names RECORD_FILE itself, which differs between the two runs; compare everything after it.
    ASSERT_NE(text.find("\"RECORD_FILE\":\"" + rec + "\""), std::string::npos);
    text = text.substr(text.find('\n') + 1);
    EXPECT_GT(text.size(), 1000u);
    EXPECT_GT(json_number(read_file(dir + "/s.json"), "orders"), 0);
    if (i == 0) {
      first = text;
    } else {
      EXPECT_TRUE(text == first) << "two fused runs of the same config differ";
    }
  }
}

// `run --fused` on a feed that would run for hours: a stop signal must end it like a threaded run —
// cancel, drain, footer, summary — and promptly.
class DmabotFusedStop : public ::testing::TestWithParam<int> {};

TEST_P(DmabotFusedStop, StopsWithSummaryAndRecordingFooter) {
  const int sig = GetParam();
  const std::string dir = temp_dir();
  const std::string rec = dir + "/rec.jsonl";
  // 10^12 ticks: several hours at the fused rate (~400k ticks/s here), so only the signal ends it.
  Child c = spawn({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=1000000000000",
                   "--set", "METRICS_PORT=-1", "--set", "RECORD_FILE=" + rec, "--summary-json", dir + "/s.json"},
                  dir);
  ASSERT_GT(c.pid, 0);
  ASSERT_TRUE(wait_for_size(c, rec, 1 << 20, 60)) << read_file(c.err_path);  // it is trading
  ASSERT_EQ(kill(c.pid, sig), 0);
  ASSERT_EQ(wait_exit(c, 60), 0) << read_file(c.err_path);  // 60 s: a hang guard, not a timing claim
  const std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("summary: ticks="), std::string::npos) << out;
  EXPECT_NE(read_file(c.err_path).find(sig == SIGINT ? "received SIGINT" : "received SIGTERM"), std::string::npos)
      << read_file(c.err_path);
  const std::vector<std::string> lines = lines_of(read_file(rec));
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(field(lines.front(), "kind"), "config");
  EXPECT_EQ(field(lines.back(), "kind"), "end") << lines.back();
  // The footer counts what was written, and the summary agrees with it.
  const double ticks = json_number(read_file(dir + "/s.json"), "ticks");
  EXPECT_GT(ticks, 0);
  EXPECT_LT(ticks, 1e12);
  EXPECT_EQ(json_number(lines.back(), "n_md"), ticks);
  // Shutdown cancelled what was working: the last order-related lines are cancels or final reports,
  // and the summary counts match the recording's own counts.
  EXPECT_EQ(json_number(read_file(dir + "/s.json"), "orders"), json_number(lines.back(), "n_ord"));
}

INSTANTIATE_TEST_SUITE_P(Signals, DmabotFusedStop, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(i.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

// Money in the printed summary has a fixed number of decimals (no float noise such as
// 21.093304480000004), and summary.json at most 8 (Binance's precision).
TEST(DmabotRun, SummaryPrintsMoneyAtFixedPrecision) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=20000", "--set",
                 "METRICS_PORT=-1", "--set", "RECORD_FILE=", "--summary-json", dir + "/s.json"},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  int money_fields = 0;
  for (const std::string& key : {"realized_pnl=", "unrealized_pnl=", "fees=", "net_pnl="}) {
    for (std::size_t at = out.find(" " + key); at != std::string::npos; at = out.find(" " + key, at + 1)) {
      const std::size_t start = at + 1 + key.size();
      const std::string v = out.substr(start, out.find_first_of(" \n", start) - start);
      ++money_fields;
      const std::size_t dot = v.find('.');
      ASSERT_NE(dot, std::string::npos) << key << v;
      EXPECT_EQ(v.size() - dot - 1, 4u) << key << v << "\n" << out;
      EXPECT_EQ(v.find_first_not_of("-0123456789."), std::string::npos) << key << v;
    }
  }
  EXPECT_EQ(money_fields, 12) << out;  // four per symbol, three symbols
  // The fee rates behind those fees: Binance's spot base tier (0.1% maker and taker) on both venues.
  EXPECT_NE(out.find("\n  fees (bps, maker/taker; MARKET_TYPE=spot): mock_a 10/10, mock_b 10/10\n"), std::string::npos)
      << out;
  // summary.json: no number with more than 8 decimals.
  const std::string json = read_file(dir + "/s.json");
  std::size_t digits = 0;
  bool after_dot = false;
  for (char ch : json) {
    if (ch == '.') {
      after_dot = true;
      digits = 0;
    } else if (after_dot && ch >= '0' && ch <= '9') {
      EXPECT_LE(++digits, 8u) << json;
    } else {
      after_dot = false;
    }
  }
}

// Every command, the same mistakes: exit 2 and exactly one stderr line naming the file or the flag.
struct InputCase {
  std::string name;
  std::vector<std::string> args;  // after the binary; {REC} {MISSING} {DIR} {GARBAGE} {OUT} are replaced
  std::string needle;             // must appear in the line (after the same replacement)
  std::string also;               // and this too, when not empty
};

void PrintTo(const InputCase& c, std::ostream* os) { *os << c.name; }

class DmabotInputErrors : public ::testing::TestWithParam<InputCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(temp_dir());
    rec_ = new std::string(*dir_ + "/rec.jsonl");
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=300", "--set",
                   "METRICS_PORT=-1", "--set", "RECORD_FILE=" + *rec_},
                  *dir_, &c),
              0)
        << read_file(c.err_path);
    ASSERT_EQ(mkdir((*dir_ + "/adir").c_str(), 0755), 0);
    std::ofstream(*dir_ + "/garbage.txt") << "hello world, not market data\n";
  }
  static std::string subst(std::string s) {
    const std::pair<std::string, std::string> vars[] = {{"{REC}", *rec_},
                                                        {"{MISSING}", *dir_ + "/missing.file"},
                                                        {"{DIR}", *dir_ + "/adir"},
                                                        {"{GARBAGE}", *dir_ + "/garbage.txt"},
                                                        {"{OUT}", *dir_ + "/out.file"}};
    for (const auto& [k, v] : vars) {
      for (std::size_t at = s.find(k); at != std::string::npos; at = s.find(k, at + v.size()))
        s.replace(at, k.size(), v);
    }
    return s;
  }
  static std::string* dir_;
  static std::string* rec_;
};
std::string* DmabotInputErrors::dir_ = nullptr;
std::string* DmabotInputErrors::rec_ = nullptr;

TEST_P(DmabotInputErrors, ExitTwoWithOneLineNamingFileOrFlag) {
  const InputCase& tc = GetParam();
  const std::string dir = temp_dir();
  std::vector<std::string> args{dmabot_bin()};
  for (const std::string& a : tc.args) args.push_back(subst(a));
  Child c;
  EXPECT_EQ(run(args, dir, &c, {}, 60), 2);  // 60 s: a hang guard (a directory once ran as an empty config)
  const std::string err = read_file(c.err_path);
  EXPECT_EQ(lines_of(err).size(), 1u) << err;
  EXPECT_NE(err.find(subst(tc.needle)), std::string::npos) << err;
  if (!tc.also.empty()) EXPECT_NE(err.find(tc.also), std::string::npos) << err;
}

// An unreadable file is an input error too (root reads everything, so this needs another user).
TEST(DmabotInputErrorsUnreadable, ExitTwoNamingTheFile) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: every file is readable";
  const std::string dir = temp_dir();
  const std::string locked = dir + "/locked.env";
  std::ofstream(locked) << "SYMBOLS=BTCUSDT\n";
  ASSERT_EQ(chmod(locked.c_str(), 0), 0);
  for (const std::vector<std::string>& args : {std::vector<std::string>{dmabot_bin(), "run", "--env", locked},
                                               std::vector<std::string>{dmabot_bin(), "replay", locked},
                                               std::vector<std::string>{dmabot_bin(), "convert", locked, dir + "/o"}}) {
    Child c;
    EXPECT_EQ(run(args, dir, &c, {}, 60), 2) << args[1];
    const std::string err = read_file(c.err_path);
    EXPECT_EQ(lines_of(err).size(), 1u) << err;
    EXPECT_NE(err.find(locked + ": cannot read"), std::string::npos) << err;
  }
}

const std::string kNotData = "not a dmabot recording, Binance capture or event cache (first line: 'hello world";
const std::vector<std::string> kSweepTail = {"--strategy", "dynmm",          "--grid", "DYNMM_FLOOR_BPS=1:2:1",
                                             "--out",      "{DIR}/sweep.csv"};

std::vector<std::string> sweep(std::vector<std::string> head) {
  head.insert(head.begin(), "sweep");
  head.insert(head.end(), kSweepTail.begin(), kSweepTail.end());
  return head;
}

INSTANTIATE_TEST_SUITE_P(
    Commands, DmabotInputErrors,
    ::testing::Values(
        InputCase{"run_missing", {"run", "--env", "{MISSING}"}, "--env {MISSING}", "no such file"},
        InputCase{"run_directory", {"run", "--env", "{DIR}"}, "--env {DIR}: is a directory", ""},
        InputCase{"run_garbage", {"run", "--env", "{GARBAGE}"}, "{GARBAGE}:1", "KEY=VALUE"},
        InputCase{"run_bad_value", {"run", "--duration", "soon"}, "--duration 'soon'", ""},
        InputCase{"run_unknown_flag", {"run", "--bogus"}, "'--bogus'", ""},
        InputCase{"replay_missing", {"replay", "{MISSING}"}, "{MISSING}: no such file", ""},
        InputCase{"replay_directory", {"replay", "{DIR}"}, "{DIR}: is a directory", ""},
        InputCase{"replay_garbage", {"replay", "{GARBAGE}"}, "{GARBAGE}: ", kNotData},
        InputCase{"replay_env_directory", {"replay", "{REC}", "--env", "{DIR}"}, "--env {DIR}: is a directory", ""},
        InputCase{"replay_bad_value", {"replay", "{REC}", "--from", "yesterday"}, "--from 'yesterday'", ""},
        InputCase{"replay_empty_window", {"replay", "{REC}", "--from", "5", "--until", "3"}, "--from 5 --until 3", ""},
        InputCase{"replay_unknown_flag", {"replay", "{REC}", "--bogus"}, "'--bogus'", ""},
        InputCase{"backtest_missing",
                  {"backtest", "--data", "{MISSING}", "--strategy", "dynmm"},
                  "--data {MISSING}: no such file",
                  ""},
        InputCase{"backtest_directory",
                  {"backtest", "--data", "{DIR}", "--strategy", "dynmm"},
                  "--data {DIR}: is a directory",
                  ""},
        InputCase{"backtest_garbage",
                  {"backtest", "--data", "{GARBAGE}", "--strategy", "dynmm"},
                  "--data {GARBAGE}: ",
                  kNotData},
        InputCase{"backtest_env_directory",
                  {"backtest", "--data", "{REC}", "--strategy", "dynmm", "--env", "{DIR}"},
                  "--env {DIR}: is a directory",
                  ""},
        InputCase{"backtest_bad_value",
                  {"backtest", "--data", "{REC}", "--strategy", "dynmm", "--until", "later"},
                  "--until 'later'",
                  ""},
        InputCase{"backtest_empty_window",
                  {"backtest", "--data", "{REC}", "--strategy", "dynmm", "--from", "5", "--until", "3"},
                  "--from 5 --until 3",
                  ""},
        InputCase{"backtest_unknown_flag",
                  {"backtest", "--data", "{REC}", "--strategy", "dynmm", "--bogus"},
                  "'--bogus'",
                  ""},
        InputCase{"convert_missing", {"convert", "{MISSING}", "{OUT}"}, "{MISSING}: no such file", ""},
        InputCase{"convert_directory", {"convert", "{DIR}", "{OUT}"}, "{DIR}: is a directory", ""},
        InputCase{"convert_garbage", {"convert", "{GARBAGE}", "{OUT}"}, "{GARBAGE}: ", kNotData},
        InputCase{"convert_out_directory", {"convert", "{REC}", "{DIR}"}, "{DIR}: is a directory", ""},
        InputCase{"convert_unknown_flag", {"convert", "{REC}", "{OUT}", "--bogus"}, "'--bogus'", ""},
        InputCase{"sweep_missing", sweep({"--data", "{MISSING}"}), "{MISSING}", ""},
        InputCase{"sweep_directory", sweep({"--data", "{DIR}"}), "{DIR}", ""},
        InputCase{"sweep_garbage", sweep({"--data", "{GARBAGE}"}), "{GARBAGE}", ""},
        InputCase{"sweep_bad_value", sweep({"--data", "{REC}", "--jobs", "many"}), "--jobs 'many'", ""},
        InputCase{"sweep_unknown_flag", sweep({"--data", "{REC}", "--bogus"}), "--bogus", ""}),
    [](const ::testing::TestParamInfo<InputCase>& i) { return i.param.name; });

}  // namespace
}  // namespace dmabot::testing

namespace dmabot::testing {
namespace {

TEST(DmabotSim, As2008JsonAndTableAgreeAndBadOptionsExitTwo) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "sim", "as2008", "--paths", "100", "--seed", "3", "--json"}, dir, &c), 0);
  const std::string json = read_file(c.out_path);
  EXPECT_NE(json.find("\"paths\":100"), std::string::npos) << json;
  EXPECT_NE(json.find("\"gamma\":0.01"), std::string::npos) << json;
  ASSERT_EQ(run({dmabot_bin(), "sim", "as2008", "--paths", "100", "--seed", "3"}, dir, &c), 0);
  const std::string table = read_file(c.out_path);
  EXPECT_NE(table.find("inventory"), std::string::npos);
  EXPECT_NE(table.find("symmetric"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "sim", "as2008", "--paths", "many"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("--paths"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "sim", "as2009"}, dir, &c), 2);
}

}  // namespace
}  // namespace dmabot::testing

namespace dmabot::testing {
namespace {

// The disk fills up during a run (the file-size limit stands in: the shell ignores SIGXFSZ, so
// write() fails with EFBIG once the recording reaches it): the run says so and exits 1, the summary
// marks the recording INCOMPLETE, the loss is exported, and every line on disk is complete.
TEST(DmabotRun, DiskFullDuringARunExitsOneAndSaysWhatWasLost) {
  const std::string dir = temp_dir();
  const std::string rec = dir + "/full.jsonl";
  const std::string metrics = dir + "/metrics.txt";
  // 400 blocks (200 KiB for dash's 512-byte blocks): far below the recording (~7 MB), above the
  // --metrics-out file (~110 KB, written under the same limit).
  const std::string cmd = "trap '' XFSZ; ulimit -f 400; exec " + dmabot_bin() +
                          " run --env .env.mock --fused --set MOCK_MAX_TICKS=50000 --set METRICS_PORT=-1"
                          " --set RECORD_FILE=" +
                          rec + " --metrics-out " + metrics;
  Child c;
  EXPECT_EQ(run({"/bin/sh", "-c", cmd}, dir, &c), 1) << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("dmabot: recording " + rec + " is incomplete: "), std::string::npos) << err;
  EXPECT_NE(err.find("event lines are being lost"), std::string::npos) << err;  // logged when it started
  EXPECT_NE(read_file(c.out_path).find("recording " + rec + ": INCOMPLETE: "), std::string::npos)
      << read_file(c.out_path);
  const std::string m = read_file(metrics);
  const std::size_t at = m.find("\ndmabot_recorder_lines_lost_total ");
  ASSERT_NE(at, std::string::npos) << m;
  EXPECT_GT(std::stoll(m.substr(at + 35)), 0);
  const std::string text = read_file(rec);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "a partial last line was left behind";
  EXPECT_LE(text.size(), 400u * 1024u);
}

}  // namespace
}  // namespace dmabot::testing
