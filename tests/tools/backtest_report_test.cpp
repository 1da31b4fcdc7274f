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

FillEvent fill(double secs, core::Side side, double price, double qty, double fee = 0.0, bool maker = true) {
  FillEvent f;
  f.ts = kT0 + static_cast<core::UnixNanos>(secs * 1e9);
  f.side = side;
  f.price = price;
  f.qty = qty;
  f.fee = fee;
  f.maker = maker;
  return f;
}

core::UnixNanos at_s(double secs) { return kT0 + static_cast<core::UnixNanos>(secs * 1e9); }

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
  rec.on_fill(fill(10, core::Side::kBuy, 100.0, 0.5, 0.25, true));
  rec.on_fill(fill(20, core::Side::kSell, 200.0, 1.0, 0.5, false));  // turnover counts |qty * price|
  rec.on_fill(fill(30, core::Side::kBuy, 100.0, 0.5, 0.25, true));
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

TEST(BacktestSummary, SharpeIsNullWithoutVariationOrIntervals) {
  BacktestRecorder steady(params_with_capital(1000.0));
  for (int i = 0; i <= 10; ++i) steady.on_sample(at(60 * i, i, 0));  // +1 every minute: stdev 0
  const BacktestSummary st = summarize(steady, 0);
  EXPECT_TRUE(std::isnan(st.sharpe));
  EXPECT_EQ(st.sharpe_buckets, 10u);
  EXPECT_EQ(st.sharpe_buckets_up, 10u);
  EXPECT_NE(st.sharpe_note.find("zero variance"), std::string::npos) << st.sharpe_note;
  EXPECT_DOUBLE_EQ(st.net_pnl, 10.0);

  // Samples at 0 and 90 s: one full minute (0..60); the 30 s after it are a partial bucket.
  BacktestRecorder short_run(params_with_capital(1000.0));
  short_run.on_sample(at(0, 0, 0));
  short_run.on_sample(at(90, 50, 0));
  const BacktestSummary sh = summarize(short_run, 0);
  EXPECT_TRUE(std::isnan(sh.sharpe));
  EXPECT_EQ(sh.sharpe_buckets, 1u);
  EXPECT_EQ(sh.sharpe_note, "1 full bucket of 60 s in 90.0 s; Sharpe needs at least 2");
  const std::string json = sh.to_json();
  EXPECT_NE(json.find("\"sharpe\":null,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"sharpe_buckets\":1,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"sharpe_note\":\"1 full bucket of 60 s in 90.0 s; Sharpe needs at least 2\""), std::string::npos)
      << json;
  // Undefined is not a number: no annualisation warning either.
  EXPECT_EQ(json.find("annualised"), std::string::npos) << json;
  EXPECT_NE(sh.to_text().find("sharpe undefined: 1 full bucket"), std::string::npos) << sh.to_text();

  BacktestRecorder empty(params_with_capital(1000.0));
  const BacktestSummary e = summarize(empty, 0);
  EXPECT_TRUE(std::isnan(e.sharpe));
  EXPECT_EQ(e.net_pnl, 0.0);
  EXPECT_EQ(e.samples, 0u);
}

TEST(BacktestSummary, ShortWindowSharpeCarriesAWarning) {
  BacktestRecorder rec(params_with_capital(1000.0));
  feed_hand_series(rec);  // 4 minutes: Sharpe is defined, and annualised from 240 s
  const BacktestSummary s = summarize(rec, 0);
  ASSERT_FALSE(std::isnan(s.sharpe));
  EXPECT_EQ(s.sharpe_buckets, 4u);
  EXPECT_EQ(s.sharpe_buckets_up, 2u);    // +10, +10
  EXPECT_EQ(s.sharpe_buckets_down, 2u);  // -5, -3
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("annualised from only 240 s (4 min) (4 buckets of 60 s)"), std::string::npos)
      << s.warnings[0];
  EXPECT_NE(s.to_json().find("\"warnings\":\"sharpe is annualised"), std::string::npos);
  EXPECT_NE(s.to_text().find("WARNING: sharpe is annualised"), std::string::npos);
}

TEST(BacktestSummary, JsonHasFixedKeyOrderAndNoFloatNoise) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_sample(at(0, 0, 0));
  rec.on_sample(at(10, 4, 2));
  rec.on_sample(at(20, 1, 2));
  rec.on_order();
  // Fees 0.1 + 0.2 are 0.30000000000000004 in doubles; money is written at 8 decimals: 0.3.
  rec.on_fill(fill(5, core::Side::kBuy, 100.0, 0.5, 0.1));
  rec.on_fill(fill(6, core::Side::kBuy, 100.0, 0.5, 0.2));
  const BacktestSummary s = summarize(rec, 7);
  ASSERT_NE(s.fees, 0.3);  // the noise is really there
  const std::string json = s.to_json();
  EXPECT_NE(json.find("\"fees\":0.3,"), std::string::npos) << json;
  // net 1, return 1/1000, peak 4 -> drawdown 3, inventory 0 for 10 s and 2 for 10 s -> mean 1,
  // turnover 2 * 0.5 * 100 = 100; fill_ratio 2 fills / 1 order.
  EXPECT_EQ(json.substr(0, 32), "{\"net_pnl\":1,\"spread_capture\":0,") << json;
  for (const char* kv :
       {"\"return\":0.001,", "\"max_drawdown\":3,", "\"max_drawdown_frac\":0.003,", "\"fill_ratio\":2,",
        "\"inventory_mean\":1,", "\"turnover\":100,", "\"orders\":1,", "\"fills\":2,", "\"duration_s\":20,",
        "\"capital\":1000,", "\"events\":7,", "\"sharpe\":null,", "\"sharpe_buckets\":0,", "\"maker_fee_bps\":null,"}) {
    EXPECT_NE(json.find(kv), std::string::npos) << kv << " in " << json;
  }
  EXPECT_EQ(json.back(), '}');
  EXPECT_EQ(json.find("e-17"), std::string::npos);
  // The order of keys is fixed: every key of fields() appears in that order.
  std::size_t pos = 0;
  for (const BacktestSummary::Field& f : s.fields()) {
    const std::size_t at = json.find(std::string("\"") + std::string(f.name) + "\":", pos);
    ASSERT_NE(at, std::string::npos) << f.name;
    pos = at;
  }
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

// A BTCUSDT run on the simulated exchange with the given maker fee and one parameter.
RunInfo btcusdt_info(double maker_fee_bps, std::string floor_bps) {
  RunInfo info;
  info.symbol = "BTCUSDT";
  info.quote_unit = "USDT";
  info.base_unit = "BTC";
  info.maker_fee_bps = maker_fee_bps;
  info.taker_fee_bps = 4;
  info.fee_keys = "SIM_MAKER_FEE_BPS / SIM_TAKER_FEE_BPS";
  info.params = {{"DYNMM_FLOOR_BPS", std::move(floor_bps)}};
  return info;
}

TEST(BacktestSummary, TextShowsMoneyAtFixedPrecisionWithUnits) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.set_run_info(btcusdt_info(2, "2"));
  feed_hand_series(rec);
  const std::string text = summarize(rec, 0).to_text();
  EXPECT_NE(text.find("net_pnl                        12.0000 USDT\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fees                            1.0000 USDT\n"), std::string::npos) << text;
  EXPECT_NE(text.find("inventory_max               2.00000000 BTC\n"), std::string::npos) << text;
  EXPECT_NE(text.find("maker_fee_bps                     2.00 bps\n"), std::string::npos) << text;
  EXPECT_NE(text.find("taker_fee_bps                     4.00 bps\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fee rates from        SIM_MAKER_FEE_BPS / SIM_TAKER_FEE_BPS"), std::string::npos) << text;
  EXPECT_NE(text.find("parameters            DYNMM_FLOOR_BPS=2"), std::string::npos) << text;
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
  rec.set_run_info(btcusdt_info(1.5, "<2>"));
  rec.on_mark(0, kT0, 100.0);
  feed_hand_series(rec);
  Sample no_quotes = at(300, 12, 1);
  no_quotes.bid_quote = kNoQuote;  // a gap in the bid line
  rec.on_sample(no_quotes);
  const BacktestSummary s = summarize(rec, 5);
  const std::string html = render_html(s, rec, "<b>&");

  // Nothing to fetch: no URLs, no external scripts, stylesheets or images.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_EQ(count(html, "&lt;b&gt;&amp;"), 2);  // <title> and <h1>
  EXPECT_EQ(count(html, "<svg "), 4);
  for (const char* id : {"chart-mid", "chart-pnl", "chart-inventory", "chart-drawdown"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
    EXPECT_NE(html.find(std::string("data-for=\"") + id + "\""), std::string::npos) << id;  // hover data
  }
  // The PnL chart also draws the split: with the one mid of 100, the sell of 1 at 200 captured
  // 1 * (200 - 100) = 100 of spread, so the chart spans 0..100: nice step 20, labels 0, 20, ..., 100.
  EXPECT_NE(html.find(">100</text>"), std::string::npos);
  EXPECT_NE(html.find(">80</text>"), std::string::npos);
  // The x axis is in minutes (5 min span) and says where it starts.
  EXPECT_NE(html.find("elapsed (min) since 2023-11-14 22:13:20 UTC"), std::string::npos);
  // Key figures with units, the split, fee rates, parameters (escaped), a fills table of 3 rows and
  // the fill markers (2 buys, 1 sell) on the price chart.
  EXPECT_NE(html.find("<td>= net PnL</td><td class=\"v\">12.0000 USDT</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>maker fee rate</td><td class=\"v\">1.50 bps</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>DYNMM_FLOOR_BPS</td><td class=\"v\">&lt;2&gt;</td>"), std::string::npos);
  const std::size_t body = html.find("<tbody>");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(count(html.substr(body, html.find("</tbody>") - body), "<tr>"), 3);
  // Columns at the fewest decimals that show every value: prices 100/200 need none, quantities
  // 0.5/1 need one, so the sell reads "200" and "1.0".
  EXPECT_NE(html.find("<td class=\"sell\">sell</td><td class=\"v\">200</td><td class=\"v\">1.0</td>"),
            std::string::npos);
  EXPECT_EQ(count(html, "<path class=\"markers buy\""), 1);
  EXPECT_EQ(count(html, "<path class=\"markers sell\""), 1);
  const std::size_t mid_at = html.rfind("<svg ", html.find("id=\"chart-mid\""));
  ASSERT_NE(mid_at, std::string::npos);
  const std::string mid_svg = html.substr(mid_at, html.find("</svg>", mid_at) - mid_at);
  EXPECT_EQ(count(mid_svg, " l-4,7 h8 z"), 2);
  EXPECT_EQ(count(mid_svg, " l-4,-7 h8 z"), 1);
  EXPECT_NE(html.find("<pre id=\"selfcheck\">"), std::string::npos);
  EXPECT_NE(html.find("class=\"warn\""), std::string::npos);  // the short-window Sharpe warning
  EXPECT_EQ(html, render_html(s, rec, "<b>&"));               // deterministic
}

TEST(RenderHtml, FillsTableNamesTheSymbolWhenSeveralTrade) {
  BacktestRecorder one(params_with_capital(1000.0));
  feed_hand_series(one);  // symbol 0 only: no symbol column
  EXPECT_EQ(render_html(summarize(one, 0), one, "t").find("<th>symbol</th>"), std::string::npos);

  BacktestRecorder two(params_with_capital(1000.0));
  RunInfo info;
  info.symbol_names = {"BTCUSDT", "ETHUSDT"};
  two.set_run_info(info);
  feed_hand_series(two);
  FillEvent eth = fill(40, core::Side::kSell, 3000.0, 0.1);
  eth.symbol = 1;
  two.on_fill(eth);
  const std::string html = render_html(summarize(two, 0), two, "t");
  EXPECT_NE(html.find("<th>symbol</th>"), std::string::npos);
  EXPECT_EQ(count(html, "<td>BTCUSDT</td>"), 3);
  EXPECT_EQ(count(html, "<td>ETHUSDT</td>"), 1);
}

TEST(RenderHtml, EmptyRunStillRendersEveryChart) {
  BacktestRecorder rec;
  const std::string html = render_html(summarize(rec, 0), rec, "empty");
  EXPECT_EQ(count(html, "<svg "), 4);
  EXPECT_EQ(count(html, ">no data</text>"), 4);
}

// PnL split on a hand-built sequence (one symbol, zero spread between bookkeeping and truth):
//   mid 100 at t=0; buy 2 @ 99.5 (fee 0.1) at t=1; mid 101 at t=2; sell 1 @ 101.5 (fee 0.05) at t=3;
//   mid 99 at t=4.
// spread capture: buy 2 * (100 - 99.5) = 1.0; sell -1 * (101 - 101.5) = 0.5 -> 1.5
// inventory: 2 held while the mid goes 100 -> 101: +2; 1 held while 101 -> 99: -2 -> 0
// fees: 0.15. Independently: cash -2*99.5 + 101.5 = -97.5, plus 1 BTC at 99 = 1.5, minus fees
// = 1.35 = 1.5 + 0 - 0.15.
TEST(BacktestRecorder, PnlSplitAddsUpOnAHandBuiltSequence) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_mark(0, at_s(0), 100.0);
  rec.on_fill(fill(1, core::Side::kBuy, 99.5, 2.0, 0.1));
  rec.on_mark(0, at_s(2), 101.0);
  rec.on_fill(fill(3, core::Side::kSell, 101.5, 1.0, 0.05));
  rec.on_mark(0, at_s(4), 99.0);
  EXPECT_DOUBLE_EQ(rec.spread_capture(), 1.5);
  EXPECT_DOUBLE_EQ(rec.inventory_pnl(), 0.0);
  EXPECT_DOUBLE_EQ(rec.fees(), 0.15);
  EXPECT_NEAR(rec.spread_capture() + rec.inventory_pnl() - rec.fees(), 1.35, 1e-12);
  // Before the first mid the last fill price is the mark (as risk's positions do): each fill
  // re-marks the position at its price and has no edge. Buy 1 @ 50, buy 1 @ 52 (1 held, 50 -> 52:
  // +2), first mid 51 (2 held, 52 -> 51: -2). Truth: cash -102 + 2 * 51 = 0.
  BacktestRecorder early(params_with_capital(1000.0));
  early.on_fill(fill(1, core::Side::kBuy, 50.0, 1.0));
  early.on_fill(fill(2, core::Side::kBuy, 52.0, 1.0));
  early.on_mark(0, at_s(3), 51.0);
  EXPECT_DOUBLE_EQ(early.spread_capture(), 0.0);
  EXPECT_DOUBLE_EQ(early.inventory_pnl(), 0.0);
  EXPECT_TRUE(std::isnan(early.fills()[0].mid));  // no mid behind the first fills
}

// Markouts on a hand-built mid path: 100 @0, 100.2 @0.5 s, 100.4 @1.5 s, 99.9 @5 s, 101 @30 s,
// 100 @62 s (the end). Fills:
//   A buy  1 @ 100   at 0.2 s: 1 s -> mid at 1.2 = 100.2: +20 bps; 10 s -> at 10.2 = 99.9: -10 bps;
//                              60 s -> at 60.2 = 101: +100 bps.
//   B sell 1 @ 100.5 at 2 s:   1 s -> at 3 = 100.4: (100.5-100.4)/100.5*1e4 = 9.9502487562;
//                              10 s -> at 12 = 99.9: 0.6/100.5*1e4 = 59.7014925373;
//                              60 s -> at 62 = 100 (a mid exactly at the deadline counts):
//                              0.5/100.5*1e4 = 49.7512437811.
//   C buy  1 @ 101   at 40 s:  1 s, 10 s -> 101: 0; 60 s -> 100 s, after the data: undefined.
TEST(BacktestRecorder, MarkoutsFollowTheMidPath) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_mark(0, at_s(0), 100.0);
  rec.on_fill(fill(0.2, core::Side::kBuy, 100.0, 1.0));
  rec.on_mark(0, at_s(0.5), 100.2);
  rec.on_mark(0, at_s(1.5), 100.4);
  rec.on_fill(fill(2, core::Side::kSell, 100.5, 1.0));
  rec.on_mark(0, at_s(5), 99.9);
  rec.on_mark(0, at_s(30), 101.0);
  rec.on_fill(fill(40, core::Side::kBuy, 101.0, 1.0));
  rec.on_mark(0, at_s(62), 100.0);
  const std::vector<FillRecord> f = rec.fills();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_DOUBLE_EQ(f[0].mid, 100.0);
  EXPECT_DOUBLE_EQ(f[1].mid, 100.4);
  EXPECT_NEAR(f[0].markout_bps[0], 20.0, 1e-9);
  EXPECT_NEAR(f[0].markout_bps[1], -10.0, 1e-9);
  EXPECT_NEAR(f[0].markout_bps[2], 100.0, 1e-9);
  EXPECT_NEAR(f[1].markout_bps[0], 9.9502487562, 1e-9);
  EXPECT_NEAR(f[1].markout_bps[1], 59.7014925373, 1e-9);
  EXPECT_NEAR(f[1].markout_bps[2], 49.7512437811, 1e-9);
  EXPECT_NEAR(f[2].markout_bps[0], 0.0, 1e-9);
  EXPECT_NEAR(f[2].markout_bps[1], 0.0, 1e-9);
  EXPECT_TRUE(std::isnan(f[2].markout_bps[2]));
  const BacktestSummary s = summarize(rec, 0);
  EXPECT_EQ(s.markout_fills[0], 3u);
  EXPECT_EQ(s.markout_fills[2], 2u);
  EXPECT_NEAR(s.markout_bps[0], (20.0 + 9.9502487562 + 0.0) / 3, 1e-9);
  EXPECT_NEAR(s.markout_bps[1], (-10.0 + 59.7014925373 + 0.0) / 3, 1e-9);
  EXPECT_NEAR(s.markout_bps[2], (100.0 + 49.7512437811) / 2, 1e-9);
  EXPECT_NE(s.to_json().find("\"markout_60s_bps\":74.8756,"), std::string::npos) << s.to_json();
}

// Round trips, FIFO, hand-built (fees 0 except the last fill):
//   t=0  buy 1 @ 100                         opens long 1
//   t=10 sell 1 @ 103    RT1: +3, held 10 s
//   t=20 sell 2 @ 103                        opens short 2
//   t=50 buy 1 @ 105     RT2: -(105-103) = -2, held 30 s
//   t=60 buy 3 @ 101     RT3: closes short 1: +2, held 40 s; opens long 2 @ 101
//   t=70 sell 2 @ 100.5, fee 0.2   RT4: 2 * (100.5 - 101) - 0.2 = -1.2, 2 held 10 s
// win rate 2/4; avg win (3+2)/2 = 2.5; avg loss (-2-1.2)/2 = -1.6; profit factor 5/3.2 = 1.5625;
// holding time (1*10 + 1*30 + 1*40 + 2*10) / 5 = 20 s.
TEST(BacktestRecorder, RoundTripsMatchFifo) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_fill(fill(0, core::Side::kBuy, 100.0, 1.0));
  rec.on_fill(fill(10, core::Side::kSell, 103.0, 1.0));
  rec.on_fill(fill(20, core::Side::kSell, 103.0, 2.0));
  rec.on_fill(fill(50, core::Side::kBuy, 105.0, 1.0));
  rec.on_fill(fill(60, core::Side::kBuy, 101.0, 3.0));
  rec.on_fill(fill(70, core::Side::kSell, 100.5, 2.0, 0.2));
  const BacktestSummary s = summarize(rec, 0);
  EXPECT_EQ(s.round_trips, 4u);
  EXPECT_DOUBLE_EQ(s.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(s.avg_win, 2.5);
  EXPECT_NEAR(s.avg_loss, -1.6, 1e-12);
  EXPECT_NEAR(s.profit_factor, 1.5625, 1e-12);
  EXPECT_DOUBLE_EQ(s.holding_time_s, 20.0);
  EXPECT_DOUBLE_EQ(s.turnover, 100 + 103 + 206 + 105 + 303 + 201);
  EXPECT_NE(s.to_text().find("win_rate                          50.0 %\n"), std::string::npos) << s.to_text();

  BacktestRecorder none(params_with_capital(1000.0));
  none.on_fill(fill(0, core::Side::kBuy, 100.0, 1.0));  // opened, never closed
  const BacktestSummary n = summarize(none, 0);
  EXPECT_EQ(n.round_trips, 0u);
  EXPECT_TRUE(std::isnan(n.win_rate));
  EXPECT_NE(n.to_json().find("\"win_rate\":null,"), std::string::npos);
}

TEST(BacktestSummary, RejectsByReasonAndRiskShapedWarning) {
  BacktestRecorder rec(params_with_capital(1000.0));
  rec.on_sample(at(0, 0, 0));
  rec.on_order();
  rec.on_order();
  RejectCounts rc;
  rc.risk = {{"qps_second", 5}, {"inventory", 1}, {"kill_switch", 0}};
  rc.venue = {{"venue_reject", 2}};
  rc.expired = 3;
  rec.set_rejects(rc);
  const BacktestSummary s = summarize(rec, 0);
  EXPECT_EQ(s.risk_rejects, 6u);
  EXPECT_EQ(s.venue_rejects, 2u);
  const std::string json = s.to_json();
  for (const char* kv :
       {"\"risk_rejects\":6,", "\"venue_rejects\":2,", "\"expired\":3,", "\"risk_rejects_qps_second\":5,",
        "\"risk_rejects_inventory\":1,", "\"venue_rejects_venue_reject\":2,"}) {
    EXPECT_NE(json.find(kv), std::string::npos) << kv << " in " << json;
  }
  EXPECT_EQ(json.find("kill_switch"), std::string::npos) << "zero reasons are left out: " << json;
  // 6 risk rejects against 2 orders: the result is shaped by risk, and says so everywhere.
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "results are shaped by risk limits: 6 risk rejects against 2 orders sent (most: qps_second 5)");
  EXPECT_NE(json.find("\"warnings\":\"results are shaped by risk limits"), std::string::npos);
  EXPECT_NE(s.to_text().find("WARNING: results are shaped by risk limits"), std::string::npos);
  EXPECT_NE(s.to_text().find("  risk: qps_second                   5\n"), std::string::npos) << s.to_text();
  const std::string html = render_html(s, rec, "t");
  EXPECT_NE(html.find("<b>Warning:</b> results are shaped by risk limits"), std::string::npos);
  EXPECT_NE(html.find("<td>  risk: qps_second</td><td class=\"v\">5</td>"), std::string::npos);
}

TEST(BacktestSummary, JsonDocumentAddsUnitsAndParams) {
  BacktestRecorder rec(params_with_capital(1000.0));
  RunInfo info;
  info.quote_unit = "USDT";
  info.base_unit = "BTC";
  info.params = {{"AS_GAMMA", "0.1"}, {"NAME", "a\"b"}, {"Z", "x\ny\\"}};
  rec.set_run_info(info);
  feed_hand_series(rec);
  const BacktestSummary s = summarize(rec, 3);
  const std::string doc = s.to_json_document();
  EXPECT_EQ(doc.substr(0, 17), "{\n  \"net_pnl\":12,");
  EXPECT_NE(doc.find("\"units\":{\"money\":\"USDT\",\"inventory\":\"BTC\""), std::string::npos) << doc;
  // JSON string escapes: quote and backslash escaped, a newline as \u000a.
  EXPECT_NE(
      doc.find(
          "\"params\":{\n    \"AS_GAMMA\":\"0.1\",\n    \"NAME\":\"a\\\"b\",\n    \"Z\":\"x\\u000ay\\\\\"\n  }\n}\n"),
      std::string::npos)
      << doc;
  // Every key of the one-line form is in the document, with the same value.
  const std::string line = s.to_json();
  const std::string inner = line.substr(1, line.size() - 2);
  for (std::string_view kv : core::split(inner, ',')) {
    EXPECT_NE(doc.find(std::string("  ") + std::string(kv) + ",\n"), std::string::npos) << kv;
  }
}

TEST(SplitSymbol, KnownQuoteAssets) {
  EXPECT_EQ(split_symbol("BTCUSDT"), (std::pair<std::string, std::string>{"BTC", "USDT"}));
  EXPECT_EQ(split_symbol("ETHBTC"), (std::pair<std::string, std::string>{"ETH", "BTC"}));
  EXPECT_EQ(split_symbol("SYNUSD"), (std::pair<std::string, std::string>{"SYN", "USD"}));
  EXPECT_EQ(split_symbol("XYZ"), (std::pair<std::string, std::string>{"", ""}));
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
