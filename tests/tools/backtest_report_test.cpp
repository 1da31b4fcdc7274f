#include "tools/backtest_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/strings.h"

namespace dmabot::tools {
namespace {

constexpr core::UnixNanos kSec = 1'000'000'000;
constexpr core::UnixNanos kT0 = 1'700'000'000 * kSec;  // 2023-11-14 22:13:20 UTC

Sample at(int64_t secs, double pnl, double inv, double mid = 100.0) {
  Sample s;
  s.ts = kT0 + secs * kSec;
  s.mid = mid;
  s.bid_quote = mid - 0.5;
  s.ask_quote = mid + 0.5;
  s.inventory = inv;
  s.pnl = pnl;
  return s;
}

// Five samples one minute apart: PnL 0, 10, 5, 15, 12; inventory 0, 1, -1, 2, 1.
void feed_hand_series(BacktestRecorder& rec) {
  rec.on_sample(at(0, 0, 0));
  rec.on_sample(at(60, 10, 1));
  rec.on_sample(at(120, 5, -1));
  rec.on_sample(at(180, 15, 2));
  rec.on_sample(at(240, 12, 1));
  for (int i = 0; i < 4; ++i) rec.on_order();
  rec.on_cancel();
  rec.on_cancel();
  rec.on_fill(0.5, 100.0, 0.25, true);
  rec.on_fill(-1.0, 200.0, 0.5, false);  // a sell: turnover counts |qty * price|
  rec.on_fill(0.5, 100.0, 0.25, true);
}

BacktestReportParams params_with_capital(double capital) {
  BacktestReportParams p;
  p.capital = capital;
  p.sharpe_interval_s = 60;
  return p;
}

TEST(BacktestSummary, MatchesHandComputedSeries) {
  BacktestRecorder rec(params_with_capital(1000.0));
  feed_hand_series(rec);
  const BacktestSummary s = summarize(rec, 1234);

  EXPECT_DOUBLE_EQ(s.net_pnl, 12.0);       // last sample
  EXPECT_DOUBLE_EQ(s.return_frac, 0.012);  // 12 / 1000
  EXPECT_DOUBLE_EQ(s.fees, 1.0);           // 0.25 + 0.5 + 0.25
  // Running peak 0,10,10,15,15 -> drawdowns 0,0,5,0,3 -> max 5.
  EXPECT_DOUBLE_EQ(s.max_drawdown, 5.0);
  EXPECT_DOUBLE_EQ(s.max_drawdown_frac, 0.005);  // 5 / 1000
  // Minute returns: 10-0, 5-10, 15-5, 12-15 = 10, -5, 10, -3. Mean 3. Deviations 7,-8,7,-6,
  // squares 49+64+49+36 = 198, sample variance 198/3 = 66. Minutes per year 365*1440 = 525600.
  EXPECT_NEAR(s.sharpe, 3.0 / std::sqrt(66.0) * std::sqrt(525600.0), 1e-9);
  // Each sample held 60 s except the last: (0 + 1 - 1 + 2) * 60 / 240 = 0.5; |.|: (0+1+1+2)*60/240 = 1.
  EXPECT_DOUBLE_EQ(s.inventory_mean, 0.5);
  EXPECT_DOUBLE_EQ(s.inventory_mean_abs, 1.0);
  EXPECT_DOUBLE_EQ(s.inventory_min, -1.0);
  EXPECT_DOUBLE_EQ(s.inventory_max, 2.0);
  EXPECT_DOUBLE_EQ(s.turnover, 300.0);  // 50 + 200 + 50
  EXPECT_EQ(s.orders, 4u);
  EXPECT_EQ(s.cancels, 2u);
  EXPECT_EQ(s.fills, 3u);
  EXPECT_EQ(s.maker_fills, 2u);
  EXPECT_EQ(s.taker_fills, 1u);
  EXPECT_DOUBLE_EQ(s.fill_ratio, 0.75);  // 3 / 4
  EXPECT_DOUBLE_EQ(s.cancel_to_trade, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.duration_s, 240.0);
  EXPECT_EQ(s.samples, 5u);
  EXPECT_EQ(s.events, 1234u);
}

TEST(BacktestSummary, SharpeCountsQuietIntervalsAsZeroReturns) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_sample(at(0, 0, 0));
  rec.on_sample(at(30, 6, 0));
  rec.on_sample(at(210, 0, 0));
  const BacktestSummary s = summarize(rec, 0);
  // PnL at t = 60, 120, 180 is 6 (the 30 s sample); t = 240 is past the end. Returns 6, 0, 0:
  // mean 2, deviations 4,-2,-2, squares 16+4+4 = 24, variance 24/2 = 12.
  EXPECT_NEAR(s.sharpe, 2.0 / std::sqrt(12.0) * std::sqrt(525600.0), 1e-9);
  // Peak 6, final 0.
  EXPECT_DOUBLE_EQ(s.max_drawdown, 6.0);
}

TEST(BacktestSummary, SharpeIsZeroWithoutVariationOrIntervals) {
  BacktestRecorder steady(params_with_capital(1000.0));
  for (int i = 0; i <= 10; ++i) steady.on_sample(at(60 * i, i, 0));  // +1 every minute: stdev 0
  EXPECT_EQ(summarize(steady, 0).sharpe, 0.0);
  EXPECT_DOUBLE_EQ(summarize(steady, 0).net_pnl, 10.0);

  BacktestRecorder short_run(params_with_capital(1000.0));
  short_run.on_sample(at(0, 0, 0));
  short_run.on_sample(at(90, 50, 0));  // one full minute only
  EXPECT_EQ(summarize(short_run, 0).sharpe, 0.0);

  BacktestRecorder empty(params_with_capital(1000.0));
  const BacktestSummary e = summarize(empty, 0);
  EXPECT_EQ(e.sharpe, 0.0);
  EXPECT_EQ(e.net_pnl, 0.0);
  EXPECT_EQ(e.samples, 0u);
}

TEST(BacktestSummary, JsonHasFixedKeyOrderAndExactNumbers) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_sample(at(0, 0, 0));
  rec.on_sample(at(10, 4, 2));
  rec.on_sample(at(20, 1, 2));
  rec.on_order();
  rec.on_fill(0.5, 100.0, 0.25, true);
  // net 1, return 1/1000, peak 4 -> drawdown 3 (0.003 of capital), inventory 0 for 10 s and 2 for
  // 10 s -> mean 1, no full minute -> sharpe 0, turnover 0.5*100 = 50.
  EXPECT_EQ(summarize(rec, 7).to_json(),
            "{\"net_pnl\":1,\"fees\":0.25,\"return\":0.001,\"sharpe\":0,\"max_drawdown\":3,"
            "\"max_drawdown_frac\":0.003,\"fill_ratio\":1,\"cancel_to_trade\":0,\"inventory_mean\":1,"
            "\"inventory_min\":0,\"inventory_max\":2,\"inventory_mean_abs\":1,\"turnover\":50,\"orders\":1,"
            "\"cancels\":0,\"fills\":1,\"maker_fills\":1,\"taker_fills\":0,\"samples\":3,\"duration_s\":20,"
            "\"capital\":1000,\"events\":7}");
}

TEST(BacktestSummary, JsonIsByteIdenticalForTheSameInput) {
  BacktestRecorder a(params_with_capital(1000.0)), b(params_with_capital(1000.0));
  feed_hand_series(a);
  feed_hand_series(b);
  const std::string ja = summarize(a, 9).to_json();
  EXPECT_EQ(ja, summarize(a, 9).to_json());
  EXPECT_EQ(ja, summarize(b, 9).to_json());
  EXPECT_EQ(ja.find('\n'), std::string::npos);  // one line: sweeps read it from a child's stdout
}

TEST(BacktestSummary, InfiniteCancelToTradeIsNullInJson) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_order();
  rec.on_cancel();
  const BacktestSummary s = summarize(rec, 0);
  EXPECT_TRUE(std::isinf(s.cancel_to_trade));
  EXPECT_NE(s.to_json().find("\"cancel_to_trade\":null,"), std::string::npos);
  EXPECT_NE(s.to_text().find("inf"), std::string::npos);
}

TEST(BacktestSummary, TextIsAlignedTable) {
  BacktestRecorder rec(params_with_capital(1000.0));
  feed_hand_series(rec);
  const std::string text = summarize(rec, 0).to_text();
  const std::vector<std::string_view> lines = core::split(text, '\n');
  ASSERT_EQ(lines.size(), 23u);  // 22 fields + the empty piece after the final '\n'
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 36u) << lines[i];
  EXPECT_EQ(lines[0], "net_pnl                           12");
}

TEST(BacktestRecorder, ShortSeriesKeepsEverySample) {
  BacktestRecorder rec(params_with_capital(1000.0));
  feed_hand_series(rec);
  const std::vector<ChartPoint> pts = rec.chart_points();
  ASSERT_EQ(pts.size(), 5u);
  const double pnl[] = {0, 10, 5, 15, 12};
  const double dd[] = {0, 0, 5, 0, 3};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(pts[i].sample.ts, kT0 + 60 * i * kSec);
    EXPECT_EQ(pts[i].sample.pnl, pnl[i]);
    EXPECT_EQ(pts[i].drawdown, dd[i]);
  }
}

TEST(BacktestRecorder, DownsamplingKeepsEndsAndExtremesWithinBudget) {
  BacktestReportParams p = params_with_capital(1000.0);
  p.max_chart_points = 500;
  BacktestRecorder rec(p);
  // A seeded walk with a planted spike (new peak) and crash (deepest drawdown).
  uint64_t x = 12345;
  double pnl = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    pnl += static_cast<double>(static_cast<int>((x >> 33) % 3) - 1);
    double v = pnl;
    if (i == 31'337) v = 5'000;
    if (i == 77'777) v = -5'000;
    rec.on_sample(at(i, v, 0));
  }
  const std::vector<ChartPoint> pts = rec.chart_points();
  EXPECT_LE(pts.size(), 500u);
  EXPECT_GE(pts.size(), 450u);  // the budget is used, not collapsed to a handful
  EXPECT_EQ(pts.front().sample.ts, kT0);
  EXPECT_EQ(pts.back().sample.ts, kT0 + (n - 1) * kSec);
  bool spike = false, crash = false;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(pts[i - 1].sample.ts, pts[i].sample.ts);
    }
    spike = spike || (pts[i].sample.ts == kT0 + 31'337 * kSec && pts[i].sample.pnl == 5'000);
    crash = crash || (pts[i].sample.ts == kT0 + 77'777 * kSec && pts[i].sample.pnl == -5'000);
  }
  EXPECT_TRUE(spike);
  EXPECT_TRUE(crash);
  // The crash sits 10'000 below the spike's peak: the worst drawdown, exact in summary and chart.
  const BacktestSummary s = summarize(rec, 0);
  EXPECT_EQ(s.max_drawdown, 10'000.0);
  double chart_max_dd = 0;
  for (const ChartPoint& c : pts) chart_max_dd = std::max(chart_max_dd, c.drawdown);
  EXPECT_EQ(chart_max_dd, 10'000.0);
  EXPECT_EQ(s.samples, static_cast<uint64_t>(n));
  EXPECT_EQ(s.net_pnl, pnl);
}

TEST(BacktestRecorder, SampleDueThrottlesBySimulatedTime) {
  BacktestReportParams p;
  p.sample_interval_ms = 1000;
  BacktestRecorder rec(p);
  EXPECT_TRUE(rec.sample_due(kT0));  // nothing yet
  rec.on_sample(at(0, 0, 0));
  EXPECT_FALSE(rec.sample_due(kT0 + 999'000'000));
  EXPECT_TRUE(rec.sample_due(kT0 + 1'000'000'000));
}

int count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(RenderHtml, SelfContainedWithFourChartsAndEscapedTitle) {
  BacktestRecorder rec(params_with_capital(1000.0));
  feed_hand_series(rec);
  Sample no_quotes = at(300, 12, 1);
  no_quotes.bid_quote = kNoQuote;  // a gap in the bid line
  rec.on_sample(no_quotes);
  const BacktestSummary s = summarize(rec, 5);
  const std::string html = render_html(s, rec, "<b>&");

  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_EQ(count(html, "&lt;b&gt;&amp;"), 2);  // <title> and <h1>
  EXPECT_EQ(count(html, "<svg "), 4);
  for (const char* id : {"chart-mid", "chart-pnl", "chart-inventory", "chart-drawdown"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  // PnL spans 0..15: nice step 5 gives y labels 0, 5, 10, 15.
  EXPECT_NE(html.find(">15</text>"), std::string::npos);
  // The x axis is in minutes (5 min span) and says where it starts.
  EXPECT_NE(html.find("elapsed (min) since 2023-11-14 22:13:20 UTC"), std::string::npos);
  // The summary table carries the values.
  EXPECT_NE(html.find("<td>max_drawdown</td><td class=\"v\">5</td>"), std::string::npos);
  EXPECT_EQ(html, render_html(s, rec, "<b>&"));  // deterministic
}

TEST(RenderHtml, EmptyRunStillRendersEveryChart) {
  BacktestRecorder rec;
  const std::string html = render_html(summarize(rec, 0), rec, "empty");
  EXPECT_EQ(count(html, "<svg "), 4);
  EXPECT_EQ(count(html, ">no data</text>"), 4);
}

TEST(BacktestReportParams, ReadsKeysAndNamesBadOnes) {
  auto cfg = core::Config::parse("BACKTEST_CAPITAL=5000\nBACKTEST_SHARPE_INTERVAL_S=300\n", "test.env", {},
                                 &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto p = BacktestReportParams::from_config(*cfg);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->capital, 5000.0);
  EXPECT_EQ(p->sharpe_interval_s, 300);
  EXPECT_EQ(p->max_chart_points, 5000);  // default
  EXPECT_TRUE(cfg->check_unknown_keys().ok());

  auto bad = core::Config::parse("BACKTEST_CAPITAL=-1\n", "test.env", {}, &core::Config::no_env);
  ASSERT_TRUE(bad.ok());
  auto e = BacktestReportParams::from_config(*bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("BACKTEST_CAPITAL"), std::string::npos) << e.status();
  EXPECT_NE(e.status().message().find("test.env:1"), std::string::npos) << e.status();
}

}  // namespace
}  // namespace dmabot::tools
