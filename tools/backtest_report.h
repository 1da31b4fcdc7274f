// tools/backtest_report.h — backtest analytics: a streaming recorder, the summary metrics, and a
// self-contained HTML report.
//
//   BacktestRecorder rec(params);          // params from BacktestReportParams::from_config
//   driver loop: rec.on_order() / rec.on_cancel() / rec.on_fill(qty, px, fee, maker)
//                if (rec.sample_due(ts)) rec.on_sample({...});   and on every fill
//   BacktestSummary s = summarize(rec, events_processed);
//   write s.to_json() (summary.json), s.to_text() (terminal), render_html(s, rec, title) (report.html)
//
// Every statistic is exact over all samples (computed while streaming). For the charts the recorder
// keeps, per bucket of consecutive samples, the lowest-PnL, highest-PnL and deepest-drawdown sample,
// plus the very first and last samples, so the PnL envelope and the worst drawdown survive
// downsampling. There are at most max_chart_points buckets; when they run out, neighbours merge and
// buckets double in width, so memory is fixed at construction and on_sample() never allocates.
// chart_points() then groups buckets so that at most max_chart_points samples come out.
//
// Definitions (all in quote currency unless stated):
//   net_pnl        PnL of the last sample (realized + unrealized - fees, as the driver reports it).
//   fees           sum of on_fill() fees.
//   return         net_pnl / capital (BACKTEST_CAPITAL).
//   sharpe         PnL is read as a step function of simulated time (the last sample at or before
//                  t). Its change over each full interval of BACKTEST_SHARPE_INTERVAL_S seconds,
//                  counted from the first sample, gives one return; a trailing partial interval is
//                  left out. sharpe = mean / sample stdev (n-1) * sqrt(intervals per 365-day year).
//                  It is 0 when there are fewer than 2 intervals or the stdev is 0 (a flat or
//                  perfectly steady PnL has no measurable risk, and 0 keeps JSON finite).
//   max_drawdown   largest (running peak of PnL - PnL); the peak starts at 0, the PnL before the
//                  first sample. max_drawdown_frac = max_drawdown / capital.
//   fill_ratio     fill events / orders (0 without orders; a partially filled order can count
//                  several fills). cancel_to_trade = cancels / fills: +inf when cancels without fills
//                  (written as null in JSON), 0 when neither.
//   inventory_*    time-weighted over the samples (sample i weighs t[i+1]-t[i]; the plain mean of the
//                  samples when they span no time); min/max over the samples.
//   turnover       sum of |qty * price| over fills.
//
// Threads: one recorder per backtest, used from the driver's thread only. summarize(), to_json(),
// to_text() and render_html() are const and may run anywhere once the run is over.
// Allocation: the constructor reserves everything on_*() need; summarize and the renderers allocate
// freely (cold path). Samples must come in non-decreasing ts order (an earlier ts is treated as the
// previous one); PnL must be finite.
// Determinism: the same calls give byte-identical JSON, text and HTML (no wall clock, no locale).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/types.h"

namespace dmabot::tools {

struct BacktestReportParams {
  double capital = 10'000.0;           // BACKTEST_CAPITAL: denominator of return and drawdown %
  int64_t sharpe_interval_s = 60;      // BACKTEST_SHARPE_INTERVAL_S: Sharpe bucket, simulated s
  int64_t sample_interval_ms = 1'000;  // BACKTEST_SAMPLE_MS: what sample_due() throttles to
  int64_t max_chart_points = 5'000;    // BACKTEST_CHART_POINTS: points kept for the charts

  // Keys above; errors name the key and where its value came from.
  static absl::StatusOr<BacktestReportParams> from_config(core::Config& cfg);
};

inline constexpr double kNoQuote = std::numeric_limits<double>::quiet_NaN();

struct Sample {
  core::UnixNanos ts = 0;
  double mid = kNoQuote;
  double bid_quote = kNoQuote;  // our resting bid, NaN when none
  double ask_quote = kNoQuote;  // our resting ask, NaN when none
  double inventory = 0.0;       // base quantity held
  double pnl = 0.0;             // realized + unrealized - fees
  double fees_cum = 0.0;
};

// A kept sample with the drawdown measured when it arrived (exact, from the full series).
struct ChartPoint {
  Sample sample;
  double drawdown = 0.0;  // running peak of pnl - pnl, >= 0
};

struct BacktestSummary;

class BacktestRecorder {
 public:
  explicit BacktestRecorder(const BacktestReportParams& params = {});

  // True when at least sample_interval_ms of simulated time passed since the last sample (or none
  // was taken yet): lets the driver throttle periodic samples. Fills should be sampled regardless.
  [[nodiscard]] bool sample_due(core::UnixNanos ts) const {
    return samples_ == 0 || ts - last_.point.sample.ts >= params_.sample_interval_ms * 1'000'000;
  }
  void on_sample(const Sample& s);
  void on_order() { ++orders_; }
  void on_cancel() { ++cancels_; }
  void on_fill(double qty, double price, double fee, bool maker);

  // Downsampled series for the charts, in time order, at most params().max_chart_points long.
  [[nodiscard]] std::vector<ChartPoint> chart_points() const;

  [[nodiscard]] const BacktestReportParams& params() const { return params_; }
  [[nodiscard]] uint64_t samples() const { return samples_; }

 private:
  friend BacktestSummary summarize(const BacktestRecorder& rec, uint64_t events_processed);

  struct Kept {
    ChartPoint point;
    uint64_t seq = 0;  // sample number, orders kept points in time
  };
  struct Bucket {
    uint64_t count = 0;
    Kept low, high, deep;  // lowest pnl, highest pnl, deepest drawdown (earliest on ties)
  };
  void add_to_buckets(const Kept& k);

  BacktestReportParams params_;
  std::vector<Bucket> buckets_;
  std::size_t max_buckets_ = 0;
  uint64_t bucket_width_ = 1;

  uint64_t samples_ = 0;
  Kept first_, last_;
  double peak_pnl_ = 0.0;
  double max_drawdown_ = 0.0;
  double inv_min_ = 0.0, inv_max_ = 0.0;
  double inv_sum_ = 0.0, inv_abs_sum_ = 0.0;            // plain sums over samples
  double inv_time_sum_ = 0.0, inv_abs_time_sum_ = 0.0;  // inventory * seconds held

  // Sharpe: PnL changes over fixed intervals (Welford mean/variance).
  int64_t interval_ns_ = 0;
  core::UnixNanos next_boundary_ = 0;
  double pnl_at_boundary_ = 0.0;
  uint64_t n_intervals_ = 0;
  double ret_mean_ = 0.0, ret_m2_ = 0.0;

  uint64_t orders_ = 0, cancels_ = 0, fills_ = 0, maker_fills_ = 0, taker_fills_ = 0;
  double fees_ = 0.0, turnover_ = 0.0;
};

struct BacktestSummary {
  double capital = 0.0;
  double net_pnl = 0.0;
  double fees = 0.0;
  double return_frac = 0.0;  // "return" in JSON
  double sharpe = 0.0;
  double max_drawdown = 0.0;
  double max_drawdown_frac = 0.0;
  double fill_ratio = 0.0;
  double cancel_to_trade = 0.0;  // +inf -> null in JSON
  double inventory_mean = 0.0;
  double inventory_min = 0.0;
  double inventory_max = 0.0;
  double inventory_mean_abs = 0.0;
  double turnover = 0.0;
  uint64_t orders = 0;
  uint64_t cancels = 0;
  uint64_t fills = 0;
  uint64_t maker_fills = 0;
  uint64_t taker_fills = 0;
  uint64_t samples = 0;
  double duration_s = 0.0;
  uint64_t events = 0;

  // One line, no trailing newline, keys always in the order listed above ("return" for
  // return_frac, "events" last), numbers in shortest round-trip form, non-finite values as null.
  [[nodiscard]] std::string to_json() const;
  // Aligned "name  value" lines (6 significant digits) ending in '\n', for the terminal.
  [[nodiscard]] std::string to_text() const;

  // The fields in JSON order, for renderers: name, value, and whether it is a count.
  struct Field {
    std::string_view name;
    double value;
    bool is_count;
    uint64_t count;
  };
  [[nodiscard]] std::vector<Field> fields() const;
};

// Exact statistics of everything the recorder saw. events_processed is the driver's count of
// market events replayed (reported as "events").
[[nodiscard]] BacktestSummary summarize(const BacktestRecorder& rec, uint64_t events_processed);

// One self-contained HTML page (no scripts, fonts or links to fetch): the summary table and four
// inline SVG charts — mid with our bid/ask quotes, PnL, inventory, drawdown — each with axes, tick
// labels and a title. The title and all other text are HTML-escaped.
[[nodiscard]] std::string render_html(const BacktestSummary& summary, const BacktestRecorder& rec,
                                      std::string_view title);

// &, <, >, " and ' as entities. Exposed for the sweep report and tests.
[[nodiscard]] std::string html_escape(std::string_view s);

}  // namespace dmabot::tools
