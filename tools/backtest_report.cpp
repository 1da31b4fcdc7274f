#include "tools/backtest_report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include "core/strings.h"

namespace dmabot::tools {

using core::str_append;
using core::str_cat;

absl::StatusOr<BacktestReportParams> BacktestReportParams::from_config(core::Config& cfg) {
  BacktestReportParams p;
  auto capital = cfg.get_double("BACKTEST_CAPITAL", p.capital, 1e-6, 1e15);
  if (!capital.ok()) return capital.status();
  p.capital = *capital;
  auto sharpe = cfg.get_int("BACKTEST_SHARPE_INTERVAL_S", p.sharpe_interval_s, 1, 7 * 86'400);
  if (!sharpe.ok()) return sharpe.status();
  p.sharpe_interval_s = *sharpe;
  auto sample = cfg.get_int("BACKTEST_SAMPLE_MS", p.sample_interval_ms, 1, 3'600'000);
  if (!sample.ok()) return sample.status();
  p.sample_interval_ms = *sample;
  auto points = cfg.get_int("BACKTEST_CHART_POINTS", p.max_chart_points, 100, 1'000'000);
  if (!points.ok()) return points.status();
  p.max_chart_points = *points;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Recorder

BacktestRecorder::BacktestRecorder(const BacktestReportParams& params) : params_(params) {
  // As many buckets as chart points: streaming compaction leaves between half and all of them in
  // use, and chart_points() groups them further to fit the budget exactly.
  max_buckets_ = static_cast<std::size_t>(std::max<int64_t>(params_.max_chart_points, 8));
  buckets_.reserve(max_buckets_);
  interval_ns_ = std::max<int64_t>(params_.sharpe_interval_s, 1) * 1'000'000'000;
}

namespace {

// Welford update with `count` copies of x: the parallel-merge form, exact for count == 1 and cheap
// for the run of zero returns a long quiet gap produces.
void push_returns(uint64_t& n, double& mean, double& m2, double x, uint64_t count) {
  if (count == 0) return;
  if (count == 1) {
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
    return;
  }
  const double na = static_cast<double>(n);
  const double nb = static_cast<double>(count);
  const double nt = na + nb;
  const double d = x - mean;
  mean += d * nb / nt;
  m2 += d * d * na * nb / nt;
  n += count;
}

// Closes every interval boundary strictly before `ts` (strict: a sample exactly at a boundary
// defines the PnL there, so that boundary closes on the next sample or at the end).
struct SharpeAcc {
  uint64_t n;
  double mean, m2;
  core::UnixNanos next_boundary;
  double pnl_at_boundary;

  void close_before(core::UnixNanos ts, double pnl_so_far, int64_t interval_ns) {
    if (ts <= next_boundary) return;
    const uint64_t count = static_cast<uint64_t>((ts - next_boundary - 1) / interval_ns) + 1;
    push_returns(n, mean, m2, pnl_so_far - pnl_at_boundary, 1);
    push_returns(n, mean, m2, 0.0, count - 1);
    pnl_at_boundary = pnl_so_far;
    next_boundary += static_cast<int64_t>(count) * interval_ns;
  }
};

}  // namespace

void BacktestRecorder::on_sample(const Sample& in) {
  Kept k;
  k.point.sample = in;
  Sample& s = k.point.sample;
  k.seq = samples_;
  if (samples_ == 0) {
    next_boundary_ = s.ts + interval_ns_;
    pnl_at_boundary_ = s.pnl;
    inv_min_ = inv_max_ = s.inventory;
  } else {
    const Sample& prev = last_.point.sample;
    if (s.ts < prev.ts) s.ts = prev.ts;
    const double dt = static_cast<double>(s.ts - prev.ts) / 1e9;  // division: exact when representable
    inv_time_sum_ += prev.inventory * dt;
    inv_abs_time_sum_ += std::fabs(prev.inventory) * dt;
    SharpeAcc acc{n_intervals_, ret_mean_, ret_m2_, next_boundary_, pnl_at_boundary_};
    acc.close_before(s.ts, prev.pnl, interval_ns_);
    n_intervals_ = acc.n;
    ret_mean_ = acc.mean;
    ret_m2_ = acc.m2;
    next_boundary_ = acc.next_boundary;
    pnl_at_boundary_ = acc.pnl_at_boundary;
    inv_min_ = std::min(inv_min_, s.inventory);
    inv_max_ = std::max(inv_max_, s.inventory);
  }
  inv_sum_ += s.inventory;
  inv_abs_sum_ += std::fabs(s.inventory);

  peak_pnl_ = std::max(peak_pnl_, s.pnl);
  k.point.drawdown = peak_pnl_ - s.pnl;
  max_drawdown_ = std::max(max_drawdown_, k.point.drawdown);
  if (samples_ == 0) first_ = k;
  last_ = k;
  ++samples_;
  add_to_buckets(k);
}

void BacktestRecorder::add_to_buckets(const Kept& k) {
  if (buckets_.empty() || buckets_.back().count >= bucket_width_) {
    if (buckets_.size() >= max_buckets_) {
      // Merge neighbours pairwise: the earlier bucket wins ties so the choice never depends on
      // when compaction happened.
      std::size_t out = 0;
      for (std::size_t i = 0; i < buckets_.size(); i += 2) {
        Bucket m = buckets_[i];
        if (i + 1 < buckets_.size()) {
          const Bucket& b = buckets_[i + 1];
          if (b.low.point.sample.pnl < m.low.point.sample.pnl) m.low = b.low;
          if (b.high.point.sample.pnl > m.high.point.sample.pnl) m.high = b.high;
          if (b.deep.point.drawdown > m.deep.point.drawdown) m.deep = b.deep;
          m.count += b.count;
        }
        buckets_[out++] = m;
      }
      buckets_.resize(out);
      bucket_width_ *= 2;
    }
    if (buckets_.empty() || buckets_.back().count >= bucket_width_) {
      buckets_.push_back(Bucket{1, k, k, k});
      return;
    }
  }
  Bucket& b = buckets_.back();
  if (k.point.sample.pnl < b.low.point.sample.pnl) b.low = k;
  if (k.point.sample.pnl > b.high.point.sample.pnl) b.high = k;
  if (k.point.drawdown > b.deep.point.drawdown) b.deep = k;
  ++b.count;
}

void BacktestRecorder::on_fill(double qty, double price, double fee, bool maker) {
  ++fills_;
  if (maker) {
    ++maker_fills_;
  } else {
    ++taker_fills_;
  }
  fees_ += fee;
  turnover_ += std::fabs(qty * price);
}

std::vector<ChartPoint> BacktestRecorder::chart_points() const {
  std::vector<ChartPoint> out;
  if (samples_ == 0) return out;
  const std::size_t budget = static_cast<std::size_t>(std::max<int64_t>(params_.max_chart_points, 8));
  const std::size_t n = buckets_.size();
  std::vector<const Kept*> kept;
  kept.reserve(n * 3 + 2);
  // The distinct kept samples when the buckets are grouped into g consecutive runs.
  auto collect = [&](std::size_t g) {
    kept.clear();
    kept.push_back(&first_);
    for (std::size_t j = 0; j < g; ++j) {
      const std::size_t from = j * n / g, to = (j + 1) * n / g;
      const Kept* low = &buckets_[from].low;
      const Kept* high = &buckets_[from].high;
      const Kept* deep = &buckets_[from].deep;
      for (std::size_t i = from + 1; i < to; ++i) {
        if (buckets_[i].low.point.sample.pnl < low->point.sample.pnl) low = &buckets_[i].low;
        if (buckets_[i].high.point.sample.pnl > high->point.sample.pnl) high = &buckets_[i].high;
        if (buckets_[i].deep.point.drawdown > deep->point.drawdown) deep = &buckets_[i].deep;
      }
      kept.push_back(low);
      kept.push_back(high);
      kept.push_back(deep);
    }
    kept.push_back(&last_);
    std::stable_sort(kept.begin(), kept.end(), [](const Kept* a, const Kept* b) { return a->seq < b->seq; });
    kept.erase(std::unique(kept.begin(), kept.end(), [](const Kept* a, const Kept* b) { return a->seq == b->seq; }),
               kept.end());
    return kept.size();
  };
  // The most groups that fit the budget (binary search; one group always fits: <= 5 points).
  if (collect(n) > budget) {
    std::size_t lo = 1, hi = n - 1;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo + 1) / 2;
      if (collect(mid) <= budget) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (collect(lo) > budget) collect(1);
  }
  out.reserve(kept.size());
  for (const Kept* k : kept) out.push_back(k->point);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Summary

BacktestSummary summarize(const BacktestRecorder& rec, uint64_t events_processed) {
  BacktestSummary s;
  const BacktestReportParams& p = rec.params_;
  s.capital = p.capital;
  s.events = events_processed;
  s.orders = rec.orders_;
  s.cancels = rec.cancels_;
  s.fills = rec.fills_;
  s.maker_fills = rec.maker_fills_;
  s.taker_fills = rec.taker_fills_;
  s.samples = rec.samples_;
  s.fees = rec.fees_;
  s.turnover = rec.turnover_;
  s.fill_ratio = rec.orders_ > 0 ? static_cast<double>(rec.fills_) / static_cast<double>(rec.orders_) : 0.0;
  if (rec.fills_ > 0) {
    s.cancel_to_trade = static_cast<double>(rec.cancels_) / static_cast<double>(rec.fills_);
  } else {
    s.cancel_to_trade = rec.cancels_ > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  if (rec.samples_ == 0) return s;

  const Sample& first = rec.first_.point.sample;
  const Sample& last = rec.last_.point.sample;
  s.net_pnl = last.pnl;
  s.return_frac = s.net_pnl / p.capital;
  s.max_drawdown = rec.max_drawdown_;
  s.max_drawdown_frac = rec.max_drawdown_ / p.capital;
  s.duration_s = static_cast<double>(last.ts - first.ts) / 1e9;
  s.inventory_min = rec.inv_min_;
  s.inventory_max = rec.inv_max_;
  if (last.ts > first.ts) {
    s.inventory_mean = rec.inv_time_sum_ / s.duration_s;
    s.inventory_mean_abs = rec.inv_abs_time_sum_ / s.duration_s;
  } else {
    const double n = static_cast<double>(rec.samples_);
    s.inventory_mean = rec.inv_sum_ / n;
    s.inventory_mean_abs = rec.inv_abs_sum_ / n;
  }

  // Boundaries at or before the last sample take its PnL: close them on a copy.
  SharpeAcc acc{rec.n_intervals_, rec.ret_mean_, rec.ret_m2_, rec.next_boundary_, rec.pnl_at_boundary_};
  acc.close_before(last.ts + 1, last.pnl, rec.interval_ns_);
  if (acc.n >= 2) {
    const double sd = std::sqrt(acc.m2 / static_cast<double>(acc.n - 1));
    if (sd > 0.0 && std::isfinite(sd)) {
      const double per_year = 365.0 * 86'400.0 / static_cast<double>(p.sharpe_interval_s);
      s.sharpe = acc.mean / sd * std::sqrt(per_year);
    }
  }
  return s;
}

std::vector<BacktestSummary::Field> BacktestSummary::fields() const {
  auto num = [](std::string_view n, double v) { return Field{n, v, false, 0}; };
  auto cnt = [](std::string_view n, uint64_t c) { return Field{n, static_cast<double>(c), true, c}; };
  return {
      num("net_pnl", net_pnl),
      num("fees", fees),
      num("return", return_frac),
      num("sharpe", sharpe),
      num("max_drawdown", max_drawdown),
      num("max_drawdown_frac", max_drawdown_frac),
      num("fill_ratio", fill_ratio),
      num("cancel_to_trade", cancel_to_trade),
      num("inventory_mean", inventory_mean),
      num("inventory_min", inventory_min),
      num("inventory_max", inventory_max),
      num("inventory_mean_abs", inventory_mean_abs),
      num("turnover", turnover),
      cnt("orders", orders),
      cnt("cancels", cancels),
      cnt("fills", fills),
      cnt("maker_fills", maker_fills),
      cnt("taker_fills", taker_fills),
      cnt("samples", samples),
      num("duration_s", duration_s),
      num("capital", capital),
      cnt("events", events),
  };
}

namespace {

// 6 significant digits for humans ("12.5", "267.716", "1.5e-05"); "inf" / "nan" spelled out.
std::string human_number(const BacktestSummary::Field& f) {
  if (f.is_count) return str_cat(f.count);
  if (std::isnan(f.value)) return "n/a";
  if (std::isinf(f.value)) return f.value > 0 ? "inf" : "-inf";
  const double v = f.value == 0.0 ? 0.0 : f.value;  // no "-0"
  char buf[48];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  return std::string(buf, end);
}

}  // namespace

std::string BacktestSummary::to_json() const {
  std::string out = "{";
  bool first = true;
  for (const Field& f : fields()) {
    if (!first) out.push_back(',');
    first = false;
    str_append(out, '"', f.name, "\":");
    if (f.is_count) {
      str_append(out, f.count);
    } else if (!std::isfinite(f.value)) {
      out.append("null");
    } else {
      str_append(out, f.value == 0.0 ? 0.0 : f.value);
    }
  }
  out.push_back('}');
  return out;
}

std::string BacktestSummary::to_text() const {
  std::string out;
  for (const Field& f : fields()) {
    std::string line(f.name);
    line.resize(20, ' ');
    const std::string v = human_number(f);
    if (v.size() < 16) line.append(16 - v.size(), ' ');
    str_append(out, line, v, '\n');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTML

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

constexpr double kWidth = 960, kHeight = 280;
constexpr double kLeft = 84, kRight = 24, kTop = 40, kBottom = 48;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

// Coordinates with one decimal: plenty for a screen and locale-independent (to_chars).
void append_fixed(std::string& out, double v, int decimals) {
  if (v == 0.0) v = 0.0;  // no "-0.0"
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  if (ec != std::errc()) {
    out.append("0");
    return;
  }
  out.append(buf, end);
}
std::string fixed(double v, int decimals) {
  std::string s;
  append_fixed(s, v, decimals);
  return s;
}

// 1, 2 or 5 times a power of ten, so that about `target` steps cover span.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double nice = r <= 1.0 ? 1.0 : r <= 2.0 ? 2.0 : r <= 5.0 ? 5.0 : 10.0;
  return nice * mag;
}
int step_decimals(double step) { return std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9))); }

struct Axis {
  double lo, hi, step;
  int decimals;
};

// Y axis widened to whole steps so the top and bottom gridlines carry labels.
Axis y_axis(double lo, double hi) {
  if (!(hi > lo)) {
    const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.01;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(hi - lo, 5);
  return Axis{std::floor(lo / step) * step, std::ceil(hi / step) * step, step, step_decimals(step)};
}
// X axis keeps the data extent; ticks fall inside it.
Axis x_axis(double lo, double hi) {
  if (!(hi > lo)) hi = lo + 1.0;
  const double step = nice_step(hi - lo, 8);
  return Axis{lo, hi, step, step_decimals(step)};
}

struct Series {
  std::string_view label;
  std::string_view color;
  std::vector<double> y;
  bool dashed = false;
};

std::string format_utc(core::UnixNanos ts) {
  const std::time_t secs = static_cast<std::time_t>(ts / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string(buf, n);
}

std::string svg_chart(std::string_view id, std::string_view title, std::string_view y_label,
                      const std::vector<double>& x, std::string_view x_label, const std::vector<Series>& series,
                      bool zero_line) {
  std::string o;
  str_append(o, "<svg id=\"", id, "\" class=\"chart\" viewBox=\"0 0 ", fixed(kWidth, 0), ' ', fixed(kHeight, 0),
             "\" width=\"", fixed(kWidth, 0), "\" height=\"", fixed(kHeight, 0), "\" role=\"img\" aria-label=\"",
             html_escape(title), "\">\n");
  str_append(o, "<text class=\"title\" x=\"", fixed(kLeft, 0), "\" y=\"22\">", html_escape(title), "</text>\n");
  str_append(o, "<rect class=\"frame\" x=\"", fixed(kLeft, 0), "\" y=\"", fixed(kTop, 0), "\" width=\"",
             fixed(kPlotW, 0), "\" height=\"", fixed(kPlotH, 0), "\"/>\n");

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series) {
    for (double v : s.y) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (x.empty() || !(lo <= hi)) {
    str_append(o, "<text class=\"nodata\" x=\"", fixed(kLeft + kPlotW / 2, 1), "\" y=\"", fixed(kTop + kPlotH / 2, 1),
               "\" text-anchor=\"middle\">no data</text>\n</svg>\n");
    return o;
  }
  if (zero_line) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  const Axis ya = y_axis(lo, hi);
  const Axis xa = x_axis(x.front(), x.back());
  auto px = [&](double v) { return kLeft + (v - xa.lo) / (xa.hi - xa.lo) * kPlotW; };
  auto py = [&](double v) { return kTop + kPlotH - (v - ya.lo) / (ya.hi - ya.lo) * kPlotH; };

  // Grid and tick labels. Tick values are k * step with integer k, so labels never show 0.30000000000000004.
  const long y0 = std::lround(ya.lo / ya.step), y1 = std::lround(ya.hi / ya.step);
  for (long k = y0; k <= y1; ++k) {
    const double v = static_cast<double>(k) * ya.step;
    const std::string yy = fixed(py(v), 1);
    str_append(o, "<line class=\"grid\" x1=\"", fixed(kLeft, 0), "\" x2=\"", fixed(kLeft + kPlotW, 0), "\" y1=\"", yy,
               "\" y2=\"", yy, "\"/>", "<text class=\"tick\" x=\"", fixed(kLeft - 6, 0), "\" y=\"", yy,
               "\" text-anchor=\"end\" dominant-baseline=\"middle\">", fixed(v, ya.decimals), "</text>\n");
  }
  const long x0 = static_cast<long>(std::ceil(xa.lo / xa.step - 1e-9));
  const long x1 = static_cast<long>(std::floor(xa.hi / xa.step + 1e-9));
  for (long k = x0; k <= x1; ++k) {
    const double v = static_cast<double>(k) * xa.step;
    const std::string xx = fixed(px(v), 1);
    str_append(o, "<line class=\"grid\" x1=\"", xx, "\" x2=\"", xx, "\" y1=\"", fixed(kTop, 0), "\" y2=\"",
               fixed(kTop + kPlotH, 0), "\"/>", "<text class=\"tick\" x=\"", xx, "\" y=\"",
               fixed(kTop + kPlotH + 16, 0), "\" text-anchor=\"middle\">", fixed(v, xa.decimals), "</text>\n");
  }
  str_append(o, "<text class=\"axis-label\" x=\"", fixed(kLeft + kPlotW / 2, 0), "\" y=\"", fixed(kHeight - 8, 0),
             "\" text-anchor=\"middle\">", html_escape(x_label), "</text>\n");
  str_append(o, "<text class=\"axis-label\" transform=\"translate(16 ", fixed(kTop + kPlotH / 2, 0),
             ") rotate(-90)\" text-anchor=\"middle\">", html_escape(y_label), "</text>\n");
  if (zero_line && ya.lo < 0.0 && ya.hi > 0.0) {
    const std::string yy = fixed(py(0.0), 1);
    str_append(o, "<line class=\"zero\" x1=\"", fixed(kLeft, 0), "\" x2=\"", fixed(kLeft + kPlotW, 0), "\" y1=\"", yy,
               "\" y2=\"", yy, "\"/>\n");
  }

  // Series: a NaN lifts the pen; a lone point still shows as a round-capped dot.
  for (const Series& s : series) {
    std::string d;
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.y.size() && i < x.size(); ++i) {
      if (!std::isfinite(s.y[i])) {
        if (run == 1) d.append(" h0.1");
        run = 0;
        continue;
      }
      str_append(d, run == 0 ? (d.empty() ? "M" : " M") : " L", fixed(px(x[i]), 1), ',', fixed(py(s.y[i]), 1));
      ++run;
    }
    if (run == 1) d.append(" h0.1");
    if (d.empty()) continue;
    str_append(o, "<path class=\"series\" fill=\"none\" stroke=\"", s.color, "\" stroke-width=\"1.3\"",
               s.dashed ? " stroke-dasharray=\"4 3\"" : "", " stroke-linecap=\"round\" d=\"", d, "\"/>\n");
  }

  // Legend, right-aligned above the plot.
  double lx = kLeft + kPlotW;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    lx -= 24.0 + 7.0 * static_cast<double>(it->label.size()) + 14.0;
    str_append(o, "<line x1=\"", fixed(lx, 0), "\" x2=\"", fixed(lx + 20, 0), "\" y1=\"18\" y2=\"18\" stroke=\"",
               it->color, "\" stroke-width=\"2\"", it->dashed ? " stroke-dasharray=\"4 3\"" : "", "/>",
               "<text class=\"legend\" x=\"", fixed(lx + 24, 0), "\" y=\"22\">", html_escape(it->label), "</text>\n");
  }
  o.append("</svg>\n");
  return o;
}

constexpr std::string_view kStyle = R"(body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}
p.sub{color:#59636e;margin:0 0 16px;font-size:13px}
table.summary{border-collapse:collapse;font-size:13px;margin-bottom:20px}
table.summary td{padding:2px 14px 2px 0;border-bottom:1px solid #eee}
table.summary td.v{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{display:block;margin:0 0 18px;max-width:100%;height:auto;font-size:11px}
svg .frame{fill:none;stroke:#8c959f}
svg .grid{stroke:#eaeef2}
svg .zero{stroke:#8c959f;stroke-dasharray:2 2}
svg .tick{fill:#59636e}
svg .title{font-size:14px;font-weight:600;fill:#1f2328}
svg .axis-label{fill:#59636e}
svg .legend{fill:#1f2328}
svg .nodata{fill:#8c959f;font-size:14px}
)";

}  // namespace

std::string render_html(const BacktestSummary& summary, const BacktestRecorder& rec, std::string_view title) {
  const std::vector<ChartPoint> pts = rec.chart_points();
  const std::string esc_title = html_escape(title);

  // Elapsed time since the first sample in a unit that keeps tick labels short.
  const double span_s = pts.empty() ? 0.0 : static_cast<double>(pts.back().sample.ts - pts.front().sample.ts) * 1e-9;
  double unit = 1.0;
  std::string_view unit_name = "s";
  if (span_s >= 2 * 86'400.0) {
    unit = 86'400.0;
    unit_name = "days";
  } else if (span_s >= 2 * 3'600.0) {
    unit = 3'600.0;
    unit_name = "h";
  } else if (span_s >= 120.0) {
    unit = 60.0;
    unit_name = "min";
  }
  std::vector<double> x, mid, bid, ask, pnl, inv, dd;
  for (auto* v : {&x, &mid, &bid, &ask, &pnl, &inv, &dd}) v->reserve(pts.size());
  for (const ChartPoint& p : pts) {
    x.push_back(static_cast<double>(p.sample.ts - pts.front().sample.ts) * 1e-9 / unit);
    mid.push_back(p.sample.mid);
    bid.push_back(p.sample.bid_quote);
    ask.push_back(p.sample.ask_quote);
    pnl.push_back(p.sample.pnl);
    inv.push_back(p.sample.inventory);
    dd.push_back(-p.drawdown);
  }
  const std::string x_label = pts.empty()
                                  ? std::string("elapsed")
                                  : str_cat("elapsed (", unit_name, ") since ", format_utc(pts.front().sample.ts));

  std::string o;
  o.reserve(64 * 1024 + pts.size() * 80);
  str_append(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", esc_title,
             "</title>\n<style>\n", kStyle, "</style>\n</head>\n<body>\n");
  str_append(o, "<h1>", esc_title, "</h1>\n<p class=\"sub\">");
  if (pts.empty()) {
    o.append("no samples recorded");
  } else {
    str_append(o, html_escape(format_utc(pts.front().sample.ts)), " to ", html_escape(format_utc(pts.back().sample.ts)),
               " &middot; ", summary.samples, " samples, ", pts.size(), " charted");
  }
  o.append("</p>\n<table class=\"summary\">\n");
  for (const BacktestSummary::Field& f : summary.fields()) {
    const std::string v = human_number(f);
    str_append(o, "<tr><td>", html_escape(f.name), "</td><td class=\"v\">", html_escape(v), "</td></tr>\n");
  }
  o.append("</table>\n");

  o += svg_chart(
      "chart-mid", "Mid price and our quotes", "price (quote)", x, x_label,
      {{"mid", "#57606a", mid, false}, {"bid quote", "#1a7f37", bid, true}, {"ask quote", "#cf222e", ask, true}},
      false);
  o += svg_chart("chart-pnl", "PnL (realized + unrealized - fees)", "PnL (quote)", x, x_label,
                 {{"pnl", "#0969da", pnl, false}}, true);
  o += svg_chart("chart-inventory", "Inventory", "inventory (base)", x, x_label, {{"inventory", "#8250df", inv, false}},
                 true);
  o += svg_chart("chart-drawdown", "Drawdown from running PnL peak", "drawdown (quote)", x, x_label,
                 {{"drawdown", "#cf222e", dd, false}}, true);
  o.append("</body>\n</html>\n");
  return o;
}

}  // namespace dmabot::tools
