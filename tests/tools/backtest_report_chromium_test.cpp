// report.html in a real browser: `dmabot backtest` writes the page, headless Chromium loads it from
// disk (no network), runs its script and dumps the DOM. The page's script fills
// <pre id="selfcheck"> with one line per chart ("chart-mid points=N markers=M drawn_series=K"), the
// fills table's row count, "zoom ok" (the page zooms and unzooms itself once) and "errors=N" (every script error,
// collected from the page's first script on); Chromium's own log (--enable-logging) must hold no console message. A
// page with a script error, or a chart without a drawn series, fails it (checked by hand on edited copies).
//
// Without /usr/bin/chromium (Debian package `chromium`) the test skips and says why; with
// DMABOT_REQUIRE_CHROMIUM=1 (CI) a missing browser fails it instead. DMABOT_CHROMIUM overrides the
// binary's path.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

std::string chromium_bin() {
  const char* b = std::getenv("DMABOT_CHROMIUM");
  return b != nullptr ? b : "/usr/bin/chromium";
}

bool chromium_required() {
  const char* r = std::getenv("DMABOT_REQUIRE_CHROMIUM");
  return r != nullptr && std::string(r) == "1";
}

// Why the browser cannot run ("" when it can).
std::string missing_chromium() {
  if (::access(chromium_bin().c_str(), X_OK) == 0) return "";
  return chromium_bin() + " not found: install the Debian package 'chromium' to check report.html in a browser";
}

// Skips the test without a browser, or fails it when DMABOT_REQUIRE_CHROMIUM=1.
#define REQUIRE_CHROMIUM_OR_SKIP()                                                      \
  do {                                                                                  \
    const std::string why = missing_chromium();                                         \
    if (!why.empty()) {                                                                 \
      if (chromium_required()) FAIL() << why << " (and DMABOT_REQUIRE_CHROMIUM=1)";     \
      GTEST_SKIP() << why << " (set DMABOT_REQUIRE_CHROMIUM=1 to make this a failure)"; \
    }                                                                                   \
  } while (0)

struct PageCheck {
  std::string selfcheck;                                      // the <pre id="selfcheck"> text
  std::map<std::string, std::map<std::string, long>> charts;  // id -> key -> value
  long fills_rows = -1;
  long errors = -1;
  std::string log;  // Chromium's stderr
};

PageCheck load_in_chromium(const std::string& html_path, const std::string& dir) {
  PageCheck pc;
  const std::string profile = temp_dir();
  Child c;
  const int rc = run(
      {chromium_bin(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
       "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", "file://" + html_path},
      dir, &c, {}, 120);
  EXPECT_EQ(rc, 0) << read_file(c.err_path);
  const std::string dom = read_file(c.out_path);
  pc.log = read_file(c.err_path);
  const std::string open = "<pre id=\"selfcheck\">";
  const std::size_t a = dom.find(open);
  if (a == std::string::npos) return pc;
  const std::size_t b = dom.find("</pre>", a);
  pc.selfcheck = dom.substr(a + open.size(), b - a - open.size());
  std::istringstream lines(pc.selfcheck);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string id, kv;
    words >> id;
    if (id == "zoom") continue;
    if (id.rfind("errors=", 0) == 0) {
      pc.errors = std::stol(id.substr(7));
      continue;
    }
    while (words >> kv) {
      const std::size_t eq = kv.find('=');
      if (eq == std::string::npos) continue;
      const long v = std::stol(kv.substr(eq + 1));
      if (id == "fills_table") {
        pc.fills_rows = v;
      } else {
        pc.charts[id][kv.substr(0, eq)] = v;
      }
    }
  }
  return pc;
}

void check_report(const std::vector<std::string>& backtest_args) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/bt";
  std::vector<std::string> args = {dmabot_bin(), "backtest", "--out", out};
  args.insert(args.end(), backtest_args.begin(), backtest_args.end());
  Child c;
  ASSERT_EQ(run(args, dir, &c), 0) << read_file(c.err_path);
  const PageCheck pc = load_in_chromium(out + "/report.html", dir);
  ASSERT_FALSE(pc.selfcheck.empty()) << "no <pre id=\"selfcheck\"> in the dumped DOM";
  ASSERT_NE(pc.selfcheck, "script did not run") << pc.log;
  EXPECT_EQ(pc.errors, 0) << pc.selfcheck;
  for (const char* id : {"chart-mid", "chart-pnl", "chart-inventory", "chart-drawdown"}) {
    ASSERT_EQ(pc.charts.count(id), 1u) << id << " missing from: " << pc.selfcheck;
    const auto& m = pc.charts.at(id);
    EXPECT_GT(m.at("points"), 1) << id << ": " << pc.selfcheck;
    EXPECT_GE(m.at("drawn_series"), 1) << id << " has no series with a rendered extent: " << pc.selfcheck;
  }
  EXPECT_GT(pc.charts.at("chart-mid").at("markers"), 0) << "fills must be marked on the price chart";
  EXPECT_EQ(pc.charts.at("chart-pnl").at("drawn_series"), 4) << "net PnL and its three parts";
  EXPECT_GT(pc.fills_rows, 0) << pc.selfcheck;
  // The page zooms every chart to its middle half and back when it loads: the zoom code ran and
  // each chart still had data to draw.
  EXPECT_NE(pc.selfcheck.find("\nzoom ok\n"), std::string::npos) << pc.selfcheck;
  // A console message (an uncaught error, a failed load, a warning) shows in Chromium's log as
  // "INFO:CONSOLE:<line>] "<message>", source: ...".
  EXPECT_EQ(pc.log.find(":CONSOLE"), std::string::npos) << pc.log;
  EXPECT_EQ(pc.log.find("Uncaught"), std::string::npos) << pc.log;
}

TEST(BacktestReportChromium, SyntheticRunRendersEveryChartWithoutErrors) {
  REQUIRE_CHROMIUM_OR_SKIP();
  check_report({"--data", "synthetic", "--strategy", "as", "--set", "SYN_STEPS=6000", "--set", "SYMBOLS=SYNUSD",
                "--set", "STEP_SIZE=1", "--set", "MIN_NOTIONAL=0", "--set", "AS_ORDER_QTY=1"});
}

TEST(BacktestReportChromium, RealCaptureRendersEveryChartWithoutErrors) {
  const std::string data = testdata::fixture_capture("spot_btcusdt_20240808");  // in the repo: always there
  REQUIRE_CHROMIUM_OR_SKIP();
  check_report({"--data", data, "--strategy", "dynmm"});
}

}  // namespace
}  // namespace dmabot::testing
