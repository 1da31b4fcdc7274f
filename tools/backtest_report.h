// tools/backtest_report.h — backtest analytics: a streaming recorder, the summary metrics, and a
// self-contained HTML report.
//
//   BacktestRecorder rec(params);          // params from BacktestReportParams::from_config
//   rec.set_run_info({...});               // parameters used, fee rates, units (the driver does this)
//   driver loop: rec.on_order() / rec.on_cancel() / rec.on_fill({ts, symbol, side, px, qty, fee, maker})
//                rec.on_mark(symbol, ts, mid)  whenever a mid is known (after every fused pass)
//                if (rec.sample_due(ts)) rec.on_sample({...});   and on every fill
//   rec.set_rejects(...)                   // at the end: rejects by reason
//   BacktestSummary s = summarize(rec, events_processed);
//   s.to_json() (one flat line: stdout, sweeps), s.to_json_document() (summary.json: the same keys,
//   plus "units" and "params"), s.to_text() (terminal), render_html(s, rec, title) (report.html)
//
// Every statistic is exact over all samples and fills (computed while streaming). For the charts
// the recorder keeps, per bucket of consecutive samples, the lowest-PnL, highest-PnL and
// deepest-drawdown sample, plus the very first and last samples, so the PnL envelope and the worst
// drawdown survive downsampling. There are at most max_chart_points buckets; when they run out,
// neighbours merge and buckets double in width. Every fill is kept (the fills table, the markers on
// the price chart, markouts and round trips need them).
//
// Definitions (money in quote currency, quantities in base currency, unless stated):
//   net_pnl        PnL of the last sample (realized + unrealized - fees, as the driver reports it).
//   PnL split      net_pnl = spread_capture + inventory_pnl - fees, where
//                    spread_capture = sum over fills of side * qty * (mid before the fill - price)
//                                     (what each fill earned against the mid at that moment),
//                    inventory_pnl  = sum over mid changes of inventory held * change of mid
//                                     (mark-to-market of the position),
//                    fees           = sum of fees (negative = rebates).
//                  side is +1 for a buy, -1 for a sell. Before a symbol's first mid its last fill
//                  price stands in for the mid (as risk's positions mark it). The split adds up to
//                  net_pnl exactly in real arithmetic (a telescoping sum); in doubles to ~1e-9.
//   return         net_pnl / capital (BACKTEST_CAPITAL).
//   sharpe         PnL is read as a step function of simulated time (the last sample at or before
//                  t). Its change over each full bucket of BACKTEST_SHARPE_INTERVAL_S seconds,
//                  counted from the first sample, gives one return; a trailing partial bucket is
//                  left out. sharpe_per_bucket = mean / sample stdev (n-1); sharpe = that *
//                  sqrt(buckets per 365-day year). Undefined (JSON null, with sharpe_note saying
//                  why) with fewer than 2 buckets or a zero stdev: a run that never traded has no
//                  Sharpe, not a Sharpe of 0. Annualising less than a day of data is flagged in
//                  "warnings".
//   max_drawdown   largest (running peak of PnL - PnL); the peak starts at 0, the PnL before the
//                  first sample. max_drawdown_frac = max_drawdown / capital.
//   fill_ratio     fill events / orders (0 without orders; a partially filled order can count
//                  several fills). cancel_to_trade = cancels / fills: +inf when cancels without fills
//                  (written as null in JSON), 0 when neither.
//   inventory_*    time-weighted over the samples (sample i weighs t[i+1]-t[i]; the plain mean of the
//                  samples when they span no time); min/max over the samples.
//   turnover       sum of |qty * price| over fills; turnover_per_capital = turnover / capital.
//   round trips    fills matched FIFO per symbol: a fill that reduces the position closes the
//                  oldest open lots first. Each reducing fill is one round trip; its PnL is
//                  sum of matched qty * (exit - entry) * side of the entry, minus the fees of the
//                  matched quantities (each fill's fee shared pro rata by quantity). win_rate =
//                  round trips with PnL > 0 / round trips; avg_win / avg_loss = mean PnL of the
//                  winning / losing ones; profit_factor = gross wins / |gross losses|;
//                  holding_time_s = quantity-weighted mean of (exit time - entry time).
//   markout_Hs_bps side * (mid H seconds after the fill - price) / price * 1e4, the mid being the
//                  last one at or before that time, for H = 1, 10, 60 (positive = the fill was
//                  good). Undefined when the data ends first. Summary: mean over the fills that
//                  have one.
//   rejects        risk_rejects_<reason> (risk's pre-trade checks) and venue_rejects_<reason>
//                  (the venue refused); only non-zero reasons appear. expired = orders the venue
//                  expired (post-only that would cross, IOC remainders).
//   warnings       "; "-separated, null when none: results shaped by risk (risk rejects >= orders,
//                  or the kill switch fired), Sharpe annualised from less than a day, no orders.
//
// Threads: one recorder per backtest, used from the driver's thread only. summarize(), to_json(),
// to_text() and render_html() are const and may run anywhere once the run is over.
// Allocation: the constructor reserves what on_*() need for the first kFillReserve fills and 64
// symbols; beyond that the fill log grows (amortized). set_run_info/set_rejects, summarize and the
// renderers allocate freely (cold path). Samples and fills must come in non-decreasing ts order (an
// earlier ts is treated as the previous one); PnL must be finite.
// Determinism: the same calls give byte-identical JSON, text and HTML (no wall clock, no locale).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
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
inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

struct Sample {
  core::UnixNanos ts = 0;
  double mid = kNoQuote;
  double bid_quote = kNoQuote;  // our resting bid, NaN when none
  double ask_quote = kNoQuote;  // our resting ask, NaN when none
  double inventory = 0.0;       // base quantity held
  double pnl = 0.0;             // realized + unrealized - fees
  double fees_cum = 0.0;
  // Filled in by on_sample() from the recorder's own PnL split (callers leave them).
  double spread_cum = 0.0;
  double inventory_pnl_cum = 0.0;
};

// A kept sample with the drawdown measured when it arrived (exact, from the full series).
struct ChartPoint {
  Sample sample;
  double drawdown = 0.0;  // running peak of pnl - pnl, >= 0
};

// One fill as the venue reported it.
struct FillEvent {
  core::UnixNanos ts = 0;
  core::SymbolId symbol = 0;
  core::Side side = core::Side::kBuy;
  double price = 0.0;
  double qty = 0.0;  // > 0
  double fee = 0.0;  // quote, negative = rebate
  bool maker = true;
};

inline constexpr std::array<int64_t, 3> kMarkoutHorizonsS = {1, 10, 60};

// A fill with what the recorder measured around it.
struct FillRecord {
  FillEvent fill;
  double mid = kUndefined;  // the mid just before the fill (NaN before the symbol's first mid)
  std::array<double, kMarkoutHorizonsS.size()> markout_bps = {kUndefined, kUndefined, kUndefined};
};

// What the run was: set once by the driver, carried into the summary and the report.
struct RunInfo {
  std::vector<std::pair<std::string, std::string>> params;  // effective keys, secrets excluded
  double maker_fee_bps = kUndefined;
  double taker_fee_bps = kUndefined;
  std::string fee_keys;                   // where the rates come from, e.g. "SIM_MAKER_FEE_BPS/SIM_TAKER_FEE_BPS"
  std::string symbol;                     // the charted symbol, e.g. "BTCUSDT"
  std::vector<std::string> symbol_names;  // by SymbolId, for the fills table of a multi-symbol run
  std::string quote_unit = "quote";       // e.g. "USDT"
  std::string base_unit = "base";         // e.g. "BTC"
};

// Counts by reason name, in the driver's order (only non-zero ones are reported).
struct RejectCounts {
  std::vector<std::pair<std::string, uint64_t>> risk;   // risk's pre-trade checks
  std::vector<std::pair<std::string, uint64_t>> venue;  // the venue refused
  uint64_t expired = 0;                                 // venue expired (post-only cross, IOC rest)
  uint64_t kill_switch_rejects = 0;                     // included in risk
};

struct BacktestSummary;

class BacktestRecorder {
 public:
  static constexpr std::size_t kFillReserve = 16'384;

  explicit BacktestRecorder(const BacktestReportParams& params = {});

  // True when at least sample_interval_ms of simulated time passed since the last sample (or none
  // was taken yet): lets the driver throttle periodic samples. Fills should be sampled regardless.
  [[nodiscard]] bool sample_due(core::UnixNanos ts) const {
    return samples_ == 0 || ts - last_.point.sample.ts >= params_.sample_interval_ms * 1'000'000;
  }
  void on_sample(const Sample& s);
  void on_order() { ++orders_; }
  void on_cancel() { ++cancels_; }
  void on_fill(const FillEvent& f);
  // The symbol's mid at ts (called whenever known; repeating an unchanged mid is harmless).
  void on_mark(core::SymbolId symbol, core::UnixNanos ts, double mid);

  void set_run_info(RunInfo info) { info_ = std::move(info); }
  void set_rejects(RejectCounts r) { rejects_ = std::move(r); }

  // Downsampled series for the charts, in time order, at most params().max_chart_points long.
  [[nodiscard]] std::vector<ChartPoint> chart_points() const;
  // Every fill, in order, with markouts resolved as far as the data reaches.
  [[nodiscard]] std::vector<FillRecord> fills() const;

  [[nodiscard]] const BacktestReportParams& params() const { return params_; }
  [[nodiscard]] const RunInfo& run_info() const { return info_; }
  [[nodiscard]] uint64_t samples() const { return samples_; }
  // Running PnL split (see the header comment).
  [[nodiscard]] double spread_capture() const { return spread_; }
  [[nodiscard]] double inventory_pnl() const { return inv_pnl_; }
  [[nodiscard]] double fees() const { return fees_; }

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
  struct Lot {  // an open FIFO lot
    core::UnixNanos ts;
    double sign, qty, price, fee_per_qty;
  };
  struct SymbolState {
    double mark = kUndefined;  // last mid (or last fill price before the first mid)
    bool has_mid = false;
    double inventory = 0.0;
    core::UnixNanos mark_ts = 0;
    std::array<std::size_t, kMarkoutHorizonsS.size()> cursor{};  // next fill to resolve, per horizon
    std::vector<Lot> lots;
    std::size_t lot_head = 0;
  };
  void add_to_buckets(const Kept& k);
  SymbolState& state(core::SymbolId s);
  void match_round_trip(SymbolState& st, const FillEvent& f);

  BacktestReportParams params_;
  RunInfo info_;
  RejectCounts rejects_;
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

  // Sharpe: PnL changes over fixed intervals (Welford mean/variance, counts by sign).
  int64_t interval_ns_ = 0;
  core::UnixNanos next_boundary_ = 0;
  double pnl_at_boundary_ = 0.0;
  uint64_t n_intervals_ = 0;
  double ret_mean_ = 0.0, ret_m2_ = 0.0;
  uint64_t up_ = 0, down_ = 0;

  uint64_t orders_ = 0, cancels_ = 0, fills_n_ = 0, maker_fills_ = 0, taker_fills_ = 0;
  double fees_ = 0.0, turnover_ = 0.0;
  double spread_ = 0.0, inv_pnl_ = 0.0;
  core::UnixNanos last_ts_ = 0;  // latest fill or mark time: how far markouts can reach

  std::vector<FillRecord> fill_log_;
  std::vector<SymbolState> symbols_;

  // Round trips.
  uint64_t round_trips_ = 0, wins_ = 0, losses_ = 0;
  double win_sum_ = 0.0, loss_sum_ = 0.0;
  double matched_qty_ = 0.0, held_qty_seconds_ = 0.0;
};

struct BacktestSummary {
  // How a value is written: units and precision follow from the kind.
  enum class Kind : uint8_t { kMoney, kBase, kRatio, kPercent, kSeconds, kBps, kCount };
  struct Field {
    std::string_view name;
    Kind kind;
    double value;  // NaN / inf: null in JSON, "n/a" / "inf" in text
    uint64_t count = 0;
  };

  double capital = 0.0;
  double net_pnl = 0.0;
  double fees = 0.0;
  double spread_capture = 0.0;
  double inventory_pnl = 0.0;
  double return_frac = 0.0;  // "return" in JSON
  double sharpe = kUndefined;
  double sharpe_per_bucket = kUndefined;
  uint64_t sharpe_buckets = 0;
  uint64_t sharpe_buckets_up = 0;
  uint64_t sharpe_buckets_down = 0;
  int64_t sharpe_interval_s = 0;
  std::string sharpe_note;  // why sharpe is null (empty when it is defined)
  double max_drawdown = 0.0;
  double max_drawdown_frac = 0.0;
  double fill_ratio = 0.0;
  double cancel_to_trade = 0.0;  // +inf -> null in JSON
  double inventory_mean = 0.0;
  double inventory_min = 0.0;
  double inventory_max = 0.0;
  double inventory_mean_abs = 0.0;
  double turnover = 0.0;
  double turnover_per_capital = 0.0;
  uint64_t round_trips = 0;
  double win_rate = kUndefined;
  double avg_win = kUndefined;
  double avg_loss = kUndefined;
  double profit_factor = kUndefined;
  double holding_time_s = kUndefined;
  std::array<double, kMarkoutHorizonsS.size()> markout_bps = {kUndefined, kUndefined, kUndefined};
  std::array<uint64_t, kMarkoutHorizonsS.size()> markout_fills = {0, 0, 0};
  double maker_fee_bps = kUndefined;
  double taker_fee_bps = kUndefined;
  uint64_t orders = 0;
  uint64_t cancels = 0;
  uint64_t fills = 0;
  uint64_t maker_fills = 0;
  uint64_t taker_fills = 0;
  uint64_t risk_rejects = 0;
  uint64_t venue_rejects = 0;
  uint64_t expired = 0;
  RejectCounts rejects;
  uint64_t samples = 0;
  double duration_s = 0.0;
  uint64_t events = 0;
  std::vector<std::string> warnings;
  RunInfo run;

  // One line, no trailing newline, flat (every value a number, string or null: what sweeps read).
  // Keys in a fixed order; numbers rounded to their kind's precision (money and quantities to 8
  // decimals, bps to 4, seconds to 9, ratios to 10 significant digits) so no float noise shows.
  [[nodiscard]] std::string to_json() const;
  // summary.json: the same keys one per line, then "units" (the unit of each kind of value) and
  // "params" (the parameters used, secrets excluded). Ends in '\n'.
  [[nodiscard]] std::string to_json_document() const;
  // Sections of aligned "name  value unit" lines for the terminal, money at 4 decimals, warnings
  // first. Ends in '\n'.
  [[nodiscard]] std::string to_text() const;

  // The numeric fields in JSON order (strings — sharpe_note, warnings — and rejects by reason are
  // written around them by to_json()).
  [[nodiscard]] std::vector<Field> fields() const;
};

// Exact statistics of everything the recorder saw. events_processed is the driver's count of
// market events replayed (reported as "events").
[[nodiscard]] BacktestSummary summarize(const BacktestRecorder& rec, uint64_t events_processed);

// One self-contained HTML page (no external scripts, fonts or links; one small inline script for
// hover read-outs and a self-check): warnings, key figures with units, the PnL split, trade
// statistics, rejects by reason, fee rates and parameters, inline SVG charts — mid with our quotes
// and fill markers, PnL and its split, inventory, drawdown — a fills table with markouts, and the
// definitions. <pre id="selfcheck"> is filled by the script: one line per chart with its drawn
// points, and any script error (a headless browser test reads it). Text is HTML-escaped.
[[nodiscard]] std::string render_html(const BacktestSummary& summary, const BacktestRecorder& rec,
                                      std::string_view title);

// &, <, >, " and ' as entities. Exposed for the sweep report and tests.
[[nodiscard]] std::string html_escape(std::string_view s);

// Splits a symbol into (base, quote) by a known quote-asset suffix ("BTCUSDT" -> BTC, USDT);
// ("", "") when no known suffix matches.
[[nodiscard]] std::pair<std::string, std::string> split_symbol(std::string_view symbol);

}  // namespace dmabot::tools
