#include "tools/backtest_report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/strings.h"

namespace dmabot::tools {

using core::append_json_string;
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
  fill_log_.reserve(kFillReserve);
  symbols_.reserve(64);
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
  uint64_t up, down;

  void close_before(core::UnixNanos ts, double pnl_so_far, int64_t interval_ns) {
    if (ts <= next_boundary) return;
    const uint64_t count = static_cast<uint64_t>((ts - next_boundary - 1) / interval_ns) + 1;
    const double r = pnl_so_far - pnl_at_boundary;
    if (r > 0) ++up;
    if (r < 0) ++down;
    push_returns(n, mean, m2, r, 1);
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
  s.spread_cum = spread_;
  s.inventory_pnl_cum = inv_pnl_;
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
    SharpeAcc acc{n_intervals_, ret_mean_, ret_m2_, next_boundary_, pnl_at_boundary_, up_, down_};
    acc.close_before(s.ts, prev.pnl, interval_ns_);
    up_ = acc.up;
    down_ = acc.down;
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

BacktestRecorder::SymbolState& BacktestRecorder::state(core::SymbolId sym) {
  if (sym >= symbols_.size()) symbols_.resize(static_cast<std::size_t>(sym) + 1);
  SymbolState& st = symbols_[sym];
  if (st.lots.capacity() == 0) st.lots.reserve(1024);
  return st;
}

void BacktestRecorder::on_fill(const FillEvent& in) {
  FillEvent f = in;
  if (f.ts < last_ts_) f.ts = last_ts_;
  last_ts_ = f.ts;
  ++fills_n_;
  if (f.maker) {
    ++maker_fills_;
  } else {
    ++taker_fills_;
  }
  fees_ += f.fee;
  turnover_ += std::fabs(f.qty * f.price);

  SymbolState& st = state(f.symbol);
  const double sign = f.side == core::Side::kBuy ? 1.0 : -1.0;
  FillRecord rec;
  rec.fill = f;
  rec.mid = st.has_mid ? st.mark : kUndefined;
  // Before the first mid the last fill price is the mark (as risk's positions do): the position
  // is re-marked at the fill's price first, so the fill itself has no edge.
  if (!st.has_mid) {
    if (!std::isnan(st.mark)) inv_pnl_ += st.inventory * (f.price - st.mark);
    st.mark = f.price;
  }
  spread_ += sign * f.qty * (st.mark - f.price);
  st.inventory += sign * f.qty;
  match_round_trip(st, f);
  fill_log_.push_back(rec);
}

void BacktestRecorder::match_round_trip(SymbolState& st, const FillEvent& f) {
  const double sign = f.side == core::Side::kBuy ? 1.0 : -1.0;
  const double fee_per_qty = f.qty > 0 ? f.fee / f.qty : 0.0;
  double left = f.qty;
  double pnl = 0.0, matched = 0.0;
  while (left > 0 && st.lot_head < st.lots.size() && st.lots[st.lot_head].sign != sign) {
    Lot& lot = st.lots[st.lot_head];
    const double m = std::min(left, lot.qty);
    pnl += lot.sign * m * (f.price - lot.price) - m * (lot.fee_per_qty + fee_per_qty);
    held_qty_seconds_ += m * static_cast<double>(f.ts - lot.ts) / 1e9;
    matched += m;
    left -= m;
    lot.qty -= m;
    // Quantities are decimal fixed-point converted to double: a remainder this small is rounding.
    if (lot.qty <= 1e-12 * std::max(1.0, m)) ++st.lot_head;
    if (left <= 1e-12 * std::max(1.0, f.qty)) left = 0;
  }
  if (st.lot_head == st.lots.size()) {
    st.lots.clear();
    st.lot_head = 0;
  } else if (st.lot_head >= 512 && st.lot_head * 2 >= st.lots.size()) {
    st.lots.erase(st.lots.begin(), st.lots.begin() + static_cast<std::ptrdiff_t>(st.lot_head));
    st.lot_head = 0;
  }
  if (left > 0) st.lots.push_back(Lot{f.ts, sign, left, f.price, fee_per_qty});
  if (matched > 0) {
    ++round_trips_;
    matched_qty_ += matched;
    if (pnl > 0) {
      ++wins_;
      win_sum_ += pnl;
    } else if (pnl < 0) {
      ++losses_;
      loss_sum_ += pnl;
    }
  }
}

void BacktestRecorder::on_mark(core::SymbolId sym, core::UnixNanos ts, double mid) {
  if (!(mid > 0) || !std::isfinite(mid)) return;
  SymbolState& st = state(sym);
  if (ts < st.mark_ts) ts = st.mark_ts;
  st.mark_ts = ts;
  if (ts > last_ts_) last_ts_ = ts;
  // Markouts: the mid at a deadline d is the last mid at or before d, i.e. the current one for
  // every deadline before this update.
  if (st.has_mid) {
    for (std::size_t h = 0; h < kMarkoutHorizonsS.size(); ++h) {
      const int64_t horizon_ns = kMarkoutHorizonsS[h] * 1'000'000'000;
      std::size_t& c = st.cursor[h];
      while (c < fill_log_.size() && fill_log_[c].fill.ts + horizon_ns < ts) {
        FillRecord& r = fill_log_[c];
        if (r.fill.symbol == sym) {
          const double sign = r.fill.side == core::Side::kBuy ? 1.0 : -1.0;
          r.markout_bps[h] = sign * (st.mark - r.fill.price) / r.fill.price * 1e4;
        }
        ++c;
      }
    }
  } else {
    // The first mid: deadlines before it have no mid (their markouts stay undefined).
    for (std::size_t h = 0; h < kMarkoutHorizonsS.size(); ++h) {
      const int64_t horizon_ns = kMarkoutHorizonsS[h] * 1'000'000'000;
      std::size_t& c = st.cursor[h];
      while (c < fill_log_.size() && fill_log_[c].fill.ts + horizon_ns < ts) ++c;
    }
  }
  if (!std::isnan(st.mark)) inv_pnl_ += st.inventory * (mid - st.mark);
  st.mark = mid;
  st.has_mid = true;
}

std::vector<FillRecord> BacktestRecorder::fills() const {
  std::vector<FillRecord> out = fill_log_;
  const core::UnixNanos end = std::max(last_ts_, samples_ > 0 ? last_.point.sample.ts : 0);
  // Fills past a symbol's cursor wait for a mid after their deadline. When the data reaches the
  // deadline without one, the current mid is the mid at the deadline.
  for (std::size_t sym = 0; sym < symbols_.size(); ++sym) {
    const SymbolState& st = symbols_[sym];
    if (!st.has_mid) continue;
    for (std::size_t h = 0; h < kMarkoutHorizonsS.size(); ++h) {
      const int64_t horizon_ns = kMarkoutHorizonsS[h] * 1'000'000'000;
      for (std::size_t i = st.cursor[h]; i < out.size(); ++i) {
        FillRecord& r = out[i];
        if (r.fill.symbol != sym || r.fill.ts + horizon_ns > end) continue;
        const double sign = r.fill.side == core::Side::kBuy ? 1.0 : -1.0;
        r.markout_bps[h] = sign * (st.mark - r.fill.price) / r.fill.price * 1e4;
      }
    }
  }
  return out;
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

namespace {

std::string seconds_text(double s) {
  if (s >= 2 * 86'400.0) return str_cat(std::lround(s / 3'600.0), " h");
  if (s >= 2 * 3'600.0) return str_cat(std::lround(s / 60.0), " min");
  if (s >= 120.0) return str_cat(std::lround(s), " s (", std::lround(s / 60.0), " min)");
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", s);  // "59.9 s", not a rounded "60 s" beside 60 s buckets
  return buf;
}

}  // namespace

BacktestSummary summarize(const BacktestRecorder& rec, uint64_t events_processed) {
  BacktestSummary s;
  const BacktestReportParams& p = rec.params_;
  s.run = rec.info_;
  s.capital = p.capital;
  s.events = events_processed;
  s.orders = rec.orders_;
  s.cancels = rec.cancels_;
  s.fills = rec.fills_n_;
  s.maker_fills = rec.maker_fills_;
  s.taker_fills = rec.taker_fills_;
  s.samples = rec.samples_;
  s.fees = rec.fees_;
  s.spread_capture = rec.spread_;
  s.inventory_pnl = rec.inv_pnl_;
  s.turnover = rec.turnover_;
  s.turnover_per_capital = rec.turnover_ / p.capital;
  s.sharpe_interval_s = p.sharpe_interval_s;
  s.maker_fee_bps = rec.info_.maker_fee_bps;
  s.taker_fee_bps = rec.info_.taker_fee_bps;
  s.rejects = rec.rejects_;
  for (const auto& [reason, n] : s.rejects.risk) s.risk_rejects += n;
  for (const auto& [reason, n] : s.rejects.venue) s.venue_rejects += n;
  s.expired = s.rejects.expired;
  s.fill_ratio = rec.orders_ > 0 ? static_cast<double>(rec.fills_n_) / static_cast<double>(rec.orders_) : 0.0;
  if (rec.fills_n_ > 0) {
    s.cancel_to_trade = static_cast<double>(rec.cancels_) / static_cast<double>(rec.fills_n_);
  } else {
    s.cancel_to_trade = rec.cancels_ > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }

  s.round_trips = rec.round_trips_;
  if (rec.round_trips_ > 0) {
    s.win_rate = static_cast<double>(rec.wins_) / static_cast<double>(rec.round_trips_);
    s.holding_time_s = rec.held_qty_seconds_ / rec.matched_qty_;
  }
  if (rec.wins_ > 0) s.avg_win = rec.win_sum_ / static_cast<double>(rec.wins_);
  if (rec.losses_ > 0) {
    s.avg_loss = rec.loss_sum_ / static_cast<double>(rec.losses_);
    s.profit_factor = rec.win_sum_ / -rec.loss_sum_;
  }
  const std::vector<FillRecord> fills = rec.fills();
  for (std::size_t h = 0; h < kMarkoutHorizonsS.size(); ++h) {
    double sum = 0.0;
    uint64_t n = 0;
    for (const FillRecord& f : fills) {
      if (std::isnan(f.markout_bps[h])) continue;
      sum += f.markout_bps[h];
      ++n;
    }
    s.markout_fills[h] = n;
    if (n > 0) s.markout_bps[h] = sum / static_cast<double>(n);
  }

  if (rec.samples_ > 0) {
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
    SharpeAcc acc{rec.n_intervals_,     rec.ret_mean_, rec.ret_m2_, rec.next_boundary_,
                  rec.pnl_at_boundary_, rec.up_,       rec.down_};
    acc.close_before(last.ts + 1, last.pnl, rec.interval_ns_);
    s.sharpe_buckets = acc.n;
    s.sharpe_buckets_up = acc.up;
    s.sharpe_buckets_down = acc.down;
    if (acc.n >= 2) {
      const double sd = std::sqrt(acc.m2 / static_cast<double>(acc.n - 1));
      if (sd > 0.0 && std::isfinite(sd)) {
        const double per_year = 365.0 * 86'400.0 / static_cast<double>(p.sharpe_interval_s);
        s.sharpe_per_bucket = acc.mean / sd;
        s.sharpe = s.sharpe_per_bucket * std::sqrt(per_year);
      } else {
        s.sharpe_note = str_cat("PnL changed by the same amount in all ", acc.n, " buckets of ", p.sharpe_interval_s,
                                " s (zero variance", acc.up + acc.down == 0 ? ": it never moved" : "", ")");
      }
    } else {
      s.sharpe_note = str_cat(acc.n, " full bucket", acc.n == 1 ? "" : "s", " of ", p.sharpe_interval_s, " s in ",
                              seconds_text(s.duration_s), "; Sharpe needs at least 2");
    }
  } else {
    s.sharpe_note = "no samples";
  }

  // What a reader must know before trusting the numbers.
  if (s.orders == 0) s.warnings.push_back("no orders reached the venue: nothing was traded");
  if (s.risk_rejects > 0 && s.risk_rejects >= s.orders) {
    std::string top;
    uint64_t top_n = 0;
    for (const auto& [reason, n] : s.rejects.risk) {
      if (n > top_n) {
        top = reason;
        top_n = n;
      }
    }
    s.warnings.push_back(str_cat("results are shaped by risk limits: ", s.risk_rejects, " risk rejects against ",
                                 s.orders, " orders sent (most: ", top, " ", top_n, ")"));
  }
  if (s.rejects.kill_switch_rejects > 0) {
    s.warnings.push_back(str_cat("the kill switch was on: ", s.rejects.kill_switch_rejects, " signals rejected by it"));
  }
  if (!std::isnan(s.sharpe) && s.duration_s < 86'400.0) {
    s.warnings.push_back(str_cat("sharpe is annualised from only ", seconds_text(s.duration_s), " (", s.sharpe_buckets,
                                 " buckets of ", p.sharpe_interval_s, " s): not a reliable estimate"));
  }
  return s;
}

std::vector<BacktestSummary::Field> BacktestSummary::fields() const {
  using K = Kind;
  auto num = [](std::string_view n, K k, double v) { return Field{n, k, v, 0}; };
  auto cnt = [](std::string_view n, uint64_t c) { return Field{n, K::kCount, static_cast<double>(c), c}; };
  return {
      num("net_pnl", K::kMoney, net_pnl),
      num("spread_capture", K::kMoney, spread_capture),
      num("inventory_pnl", K::kMoney, inventory_pnl),
      num("fees", K::kMoney, fees),
      num("return", K::kRatio, return_frac),
      num("sharpe", K::kRatio, sharpe),
      num("sharpe_per_bucket", K::kRatio, sharpe_per_bucket),
      cnt("sharpe_buckets", sharpe_buckets),
      cnt("sharpe_buckets_up", sharpe_buckets_up),
      cnt("sharpe_buckets_down", sharpe_buckets_down),
      cnt("sharpe_interval_s", static_cast<uint64_t>(sharpe_interval_s)),
      num("max_drawdown", K::kMoney, max_drawdown),
      num("max_drawdown_frac", K::kRatio, max_drawdown_frac),
      num("fill_ratio", K::kRatio, fill_ratio),
      num("cancel_to_trade", K::kRatio, cancel_to_trade),
      num("inventory_mean", K::kBase, inventory_mean),
      num("inventory_min", K::kBase, inventory_min),
      num("inventory_max", K::kBase, inventory_max),
      num("inventory_mean_abs", K::kBase, inventory_mean_abs),
      num("turnover", K::kMoney, turnover),
      num("turnover_per_capital", K::kRatio, turnover_per_capital),
      cnt("round_trips", round_trips),
      num("win_rate", K::kPercent, win_rate),
      num("avg_win", K::kMoney, avg_win),
      num("avg_loss", K::kMoney, avg_loss),
      num("profit_factor", K::kRatio, profit_factor),
      num("holding_time_s", K::kSeconds, holding_time_s),
      num("markout_1s_bps", K::kBps, markout_bps[0]),
      num("markout_10s_bps", K::kBps, markout_bps[1]),
      num("markout_60s_bps", K::kBps, markout_bps[2]),
      num("maker_fee_bps", K::kBps, maker_fee_bps),
      num("taker_fee_bps", K::kBps, taker_fee_bps),
      cnt("orders", orders),
      cnt("cancels", cancels),
      cnt("fills", fills),
      cnt("maker_fills", maker_fills),
      cnt("taker_fills", taker_fills),
      cnt("risk_rejects", risk_rejects),
      cnt("venue_rejects", venue_rejects),
      cnt("expired", expired),
      cnt("samples", samples),
      num("duration_s", K::kSeconds, duration_s),
      num("capital", K::kMoney, capital),
      cnt("events", events),
  };
}

namespace {

// JSON numbers at the precision of their kind, shortest form, so no float noise shows
// (0.6161075699999999 -> 0.61610757). Non-finite values are null.
void append_json_number(std::string& out, const BacktestSummary::Field& f) {
  using K = BacktestSummary::Kind;
  if (f.kind == K::kCount) {
    str_append(out, f.count);
    return;
  }
  if (!std::isfinite(f.value)) {
    out.append("null");
    return;
  }
  double v = f.value;
  int decimals = -1;
  switch (f.kind) {
    case K::kMoney:
    case K::kBase:
      decimals = 8;
      break;
    case K::kBps:
      decimals = 4;
      break;
    case K::kSeconds:
      decimals = 9;
      break;
    default:
      break;
  }
  char buf[64];
  if (decimals >= 0) {
    const double scale = std::pow(10.0, decimals);
    const double r = std::round(v * scale) / scale;
    if (std::isfinite(r)) v = r;
  } else {
    // Ratios: 10 significant digits, then back to a double so the shortest form applies.
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 10);
    std::from_chars(buf, end, v);
  }
  if (v == 0.0) v = 0.0;  // no "-0"
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

std::string join_warnings(const std::vector<std::string>& w) {
  std::string out;
  for (std::size_t i = 0; i < w.size(); ++i) str_append(out, i ? "; " : "", w[i]);
  return out;
}

// key:value pairs in JSON order, shared by the one-line and the document forms.
std::vector<std::pair<std::string, std::string>> json_pairs(const BacktestSummary& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const BacktestSummary::Field& f : s.fields()) {
    std::string v;
    append_json_number(v, f);
    out.emplace_back(std::string(f.name), std::move(v));
    if (f.name == "sharpe_interval_s") {
      std::string note;
      if (s.sharpe_note.empty()) {
        note = "null";
      } else {
        append_json_string(note, s.sharpe_note);
      }
      out.emplace_back("sharpe_note", std::move(note));
    }
    if (f.name == "expired") {
      for (const auto& [reason, n] : s.rejects.risk) {
        if (n > 0) out.emplace_back(str_cat("risk_rejects_", reason), str_cat(n));
      }
      for (const auto& [reason, n] : s.rejects.venue) {
        if (n > 0) out.emplace_back(str_cat("venue_rejects_", reason), str_cat(n));
      }
    }
  }
  std::string w;
  if (s.warnings.empty()) {
    w = "null";
  } else {
    append_json_string(w, join_warnings(s.warnings));
  }
  out.emplace_back("warnings", std::move(w));
  return out;
}

// The unit of a field for people ("USDT", "BTC", "%", "s", "bps"; empty for plain ratios/counts).
std::string unit_of(const BacktestSummary& s, BacktestSummary::Kind k) {
  using K = BacktestSummary::Kind;
  switch (k) {
    case K::kMoney:
      return s.run.quote_unit;
    case K::kBase:
      return s.run.base_unit;
    case K::kPercent:
      return "%";
    case K::kSeconds:
      return "s";
    case K::kBps:
      return "bps";
    default:
      return "";
  }
}

// Fixed precision for people: money 4 decimals, base quantities 8, bps 2, seconds 3, percent 1,
// ratios 4 significant digits (Sharpe 2 decimals); "n/a" for undefined values.
std::string human_value(const BacktestSummary::Field& f) {
  using K = BacktestSummary::Kind;
  if (f.kind == K::kCount) return str_cat(f.count);
  if (std::isnan(f.value)) return "n/a";
  if (std::isinf(f.value)) return f.value > 0 ? "inf" : "-inf";
  double v = f.value == 0.0 ? 0.0 : f.value;
  char buf[64];
  std::to_chars_result r{};
  switch (f.kind) {
    case K::kMoney:
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 4);
      break;
    case K::kBase:
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 8);
      break;
    case K::kBps:
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 2);
      break;
    case K::kSeconds:
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 3);
      break;
    case K::kPercent:
      r = std::to_chars(buf, buf + sizeof(buf), v * 100.0, std::chars_format::fixed, 1);
      break;
    default:
      if (f.name.starts_with("sharpe")) {
        r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 2);
      } else {
        r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 4);
      }
  }
  std::string out(buf, r.ptr);
  if (out == "-0.0000" || out == "-0.00" || out == "-0.0" || out == "-0.000" || out == "-0.00000000") out.erase(0, 1);
  return out;
}

}  // namespace

std::string BacktestSummary::to_json() const {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : json_pairs(*this)) {
    if (!first) out.push_back(',');
    first = false;
    str_append(out, '"', k, "\":", v);
  }
  out.push_back('}');
  return out;
}

std::string BacktestSummary::to_json_document() const {
  std::string out = "{\n";
  for (const auto& [k, v] : json_pairs(*this)) str_append(out, "  \"", k, "\":", v, ",\n");
  str_append(out, "  \"units\":{\"money\":");
  append_json_string(out, run.quote_unit);
  out.append(",\"inventory\":");
  append_json_string(out, run.base_unit);
  out.append(
      ",\"return\":\"fraction of capital\",\"win_rate\":\"fraction\",\"time\":\"s\",\"markout\":\"bps\","
      "\"fee_rate\":\"bps\"},\n");
  out.append("  \"symbol\":");
  append_json_string(out, run.symbol);
  out.append(",\n  \"fee_rates_from\":");
  append_json_string(out, run.fee_keys);
  out.append(",\n  \"params\":{");
  for (std::size_t i = 0; i < run.params.size(); ++i) {
    out.append(i ? ",\n    " : "\n    ");
    append_json_string(out, run.params[i].first);
    out.push_back(':');
    append_json_string(out, run.params[i].second);
  }
  out.append(run.params.empty() ? "}\n}\n" : "\n  }\n}\n");
  return out;
}

std::string BacktestSummary::to_text() const {
  std::string out;
  for (const std::string& w : warnings) str_append(out, "WARNING: ", w, '\n');
  auto line = [&](std::string_view name, const std::string& value, std::string_view unit) {
    std::string l(name);
    l.resize(22, ' ');
    if (value.size() < 16) l.append(16 - value.size(), ' ');
    str_append(l, value);
    if (!unit.empty()) str_append(l, ' ', unit);
    str_append(out, l, '\n');
  };
  for (const Field& f : fields()) {
    std::string v = human_value(f);
    if (f.name == "sharpe" && std::isnan(f.value)) v = "n/a";
    line(f.name, v, unit_of(*this, f.kind));
    if (f.name == "sharpe" && !sharpe_note.empty()) str_append(out, "  (sharpe undefined: ", sharpe_note, ")\n");
    if (f.name == "expired") {
      for (const auto& [reason, n] : rejects.risk) {
        if (n > 0) line(str_cat("  risk: ", reason), str_cat(n), "");
      }
      for (const auto& [reason, n] : rejects.venue) {
        if (n > 0) line(str_cat("  venue: ", reason), str_cat(n), "");
      }
    }
  }
  if (!run.fee_keys.empty()) str_append(out, "fee rates from        ", run.fee_keys, '\n');
  if (!run.params.empty()) {
    std::string l = "parameters           ";
    for (const auto& [k, v] : run.params) {
      const std::string kv = str_cat(' ', k, '=', v);
      if (l.size() + kv.size() > 110) {
        str_append(out, l, '\n');
        l = "                     ";
      }
      l += kv;
    }
    str_append(out, l, '\n');
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

// Fill markers on the price chart: x in the chart's units, y a price.
struct Markers {
  std::vector<double> x, y;
  std::vector<bool> buy;
};

std::string format_utc(core::UnixNanos ts) {
  const std::time_t secs = static_cast<std::time_t>(ts / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::string(buf, n);
}
// "HH:MM:SS.mmm" (UTC).
std::string format_utc_ms(core::UnixNanos ts) {
  const std::time_t secs = static_cast<std::time_t>(ts / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ts / 1'000'000 % 1000));
  return buf;
}

// Shortest round-trip form of a finite double, "null" otherwise (for the inline chart data).
void append_json_value(std::string& out, double v, int significant) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, significant);
  double r = 0;
  std::from_chars(buf, end, r);
  if (r == 0.0) r = 0.0;
  auto [end2, ec2] = std::to_chars(buf, buf + sizeof(buf), r);
  out.append(buf, end2);
}

std::string svg_chart(std::string_view id, std::string_view title, std::string_view y_label,
                      const std::vector<double>& x, std::string_view x_label, const std::vector<Series>& series,
                      bool zero_line, const Markers* markers = nullptr) {
  std::string o;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series) {
    for (double v : s.y) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (markers != nullptr) {
    for (double v : markers->y) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  const bool has_data = !x.empty() && lo <= hi;
  if (has_data && zero_line) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  const Axis ya = has_data ? y_axis(lo, hi) : Axis{0, 1, 1, 0};
  const Axis xa = has_data ? x_axis(x.front(), x.back()) : Axis{0, 1, 1, 0};

  str_append(o, "<svg id=\"", id, "\" class=\"chart\" viewBox=\"0 0 ", fixed(kWidth, 0), ' ', fixed(kHeight, 0),
             "\" width=\"", fixed(kWidth, 0), "\" height=\"", fixed(kHeight, 0), "\" role=\"img\" aria-label=\"",
             html_escape(title), "\" data-left=\"", fixed(kLeft, 0), "\" data-top=\"", fixed(kTop, 0),
             "\" data-plotw=\"", fixed(kPlotW, 0), "\" data-ploth=\"", fixed(kPlotH, 0), "\" data-xlo=\"");
  append_json_value(o, xa.lo, 17);
  o.append("\" data-xhi=\"");
  append_json_value(o, xa.hi, 17);
  o.append("\">\n");
  str_append(o, "<text class=\"title\" x=\"", fixed(kLeft, 0), "\" y=\"22\">", html_escape(title), "</text>\n");
  str_append(o, "<rect class=\"frame\" x=\"", fixed(kLeft, 0), "\" y=\"", fixed(kTop, 0), "\" width=\"",
             fixed(kPlotW, 0), "\" height=\"", fixed(kPlotH, 0), "\"/>\n");
  if (!has_data) {
    str_append(o, "<text class=\"nodata\" x=\"", fixed(kLeft + kPlotW / 2, 1), "\" y=\"", fixed(kTop + kPlotH / 2, 1),
               "\" text-anchor=\"middle\">no data</text>\n</svg>\n");
    return o;
  }
  auto px = [&](double v) { return kLeft + (v - xa.lo) / (xa.hi - xa.lo) * kPlotW; };
  auto py = [&](double v) { return kTop + kPlotH - (v - ya.lo) / (ya.hi - ya.lo) * kPlotH; };

  // Grid and tick labels (in one group the page's zoom redraws). Tick values are k * step with
  // integer k, so labels never show 0.30000000000000004.
  o.append("<g class=\"axes\">\n");
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
  if (zero_line && ya.lo < 0.0 && ya.hi > 0.0) {
    const std::string yy = fixed(py(0.0), 1);
    str_append(o, "<line class=\"zero\" x1=\"", fixed(kLeft, 0), "\" x2=\"", fixed(kLeft + kPlotW, 0), "\" y1=\"", yy,
               "\" y2=\"", yy, "\"/>\n");
  }
  o.append("</g>\n");
  str_append(o, "<text class=\"axis-label\" x=\"", fixed(kLeft + kPlotW / 2, 0), "\" y=\"", fixed(kHeight - 8, 0),
             "\" text-anchor=\"middle\">", html_escape(x_label), "</text>\n");
  str_append(o, "<text class=\"axis-label\" transform=\"translate(16 ", fixed(kTop + kPlotH / 2, 0),
             ") rotate(-90)\" text-anchor=\"middle\">", html_escape(y_label), "</text>\n");

  // Series: a NaN lifts the pen; a lone point still shows as a round-capped dot.
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
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
    str_append(o, "<path class=\"series\" data-k=\"", k, "\" fill=\"none\" stroke=\"", s.color,
               "\" stroke-width=\"1.3\"", s.dashed ? " stroke-dasharray=\"4 3\"" : "", " stroke-linecap=\"round\" d=\"",
               d, "\"/>\n");
  }
  // Fills: a triangle pointing up (buy) or down (sell) with its tip on the fill price.
  if (markers != nullptr) {
    for (const bool buy : {true, false}) {
      std::string d;
      for (std::size_t i = 0; i < markers->x.size(); ++i) {
        if (markers->buy[i] != buy) continue;
        const double mx = px(markers->x[i]), my = py(markers->y[i]);
        str_append(d, d.empty() ? "M" : " M", fixed(mx, 1), ',', fixed(my, 1), buy ? " l-4,7 h8 z" : " l-4,-7 h8 z");
      }
      if (d.empty()) continue;
      str_append(o, "<path class=\"markers ", buy ? "buy" : "sell", "\" d=\"", d, "\"/>\n");
    }
  }
  // Hover read-out and zoom selection, moved by the page's script.
  str_append(o, "<rect class=\"zoom-sel\" x=\"0\" y=\"", fixed(kTop, 0), "\" width=\"0\" height=\"", fixed(kPlotH, 0),
             "\" style=\"display:none\"/>");
  str_append(o, "<line class=\"hover-line\" x1=\"0\" x2=\"0\" y1=\"", fixed(kTop, 0), "\" y2=\"",
             fixed(kTop + kPlotH, 0), "\" style=\"display:none\"/><text class=\"hover-text\" x=\"", fixed(kLeft + 4, 0),
             "\" y=\"", fixed(kTop + 14, 0), "\" style=\"display:none\"></text>\n");

  // Legend, right-aligned above the plot.
  double lx = kLeft + kPlotW;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    lx -= 24.0 + 7.0 * static_cast<double>(it->label.size()) + 14.0;
    str_append(o, "<line x1=\"", fixed(lx, 0), "\" x2=\"", fixed(lx + 20, 0), "\" y1=\"18\" y2=\"18\" stroke=\"",
               it->color, "\" stroke-width=\"2\"", it->dashed ? " stroke-dasharray=\"4 3\"" : "", "/>",
               "<text class=\"legend\" x=\"", fixed(lx + 24, 0), "\" y=\"22\">", html_escape(it->label), "</text>\n");
  }
  o.append("</svg>\n");

  // The charted values for the hover read-out (inline JSON, never fetched).
  str_append(o, "<script type=\"application/json\" class=\"chart-data\" data-for=\"", id, "\">{\"x\":[");
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (i) o.push_back(',');
    append_json_value(o, x[i], 10);
  }
  o.append("],\"s\":[");
  for (std::size_t k = 0; k < series.size(); ++k) {
    if (k) o.push_back(',');
    str_append(o, "{\"n\":\"", html_escape(series[k].label), "\",\"y\":[");
    for (std::size_t i = 0; i < series[k].y.size(); ++i) {
      if (i) o.push_back(',');
      append_json_value(o, series[k].y[i], 10);
    }
    o.append("]}");
  }
  str_append(o, "],\"z\":", zero_line ? "true" : "false");
  if (markers != nullptr) {
    o.append(",\"m\":{\"x\":[");
    for (std::size_t i = 0; i < markers->x.size(); ++i) {
      if (i) o.push_back(',');
      append_json_value(o, markers->x[i], 10);
    }
    o.append("],\"y\":[");
    for (std::size_t i = 0; i < markers->y.size(); ++i) {
      if (i) o.push_back(',');
      append_json_value(o, markers->y[i], 12);
    }
    o.append("],\"b\":[");
    for (std::size_t i = 0; i < markers->buy.size(); ++i) str_append(o, i ? "," : "", markers->buy[i] ? '1' : '0');
    o.append("]}");
  }
  o.append("}</script>\n");
  return o;
}

constexpr std::string_view kStyle =
    R"(body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:22px 0 8px}
p.sub{color:#59636e;margin:0 0 16px;font-size:13px}
div.warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:0 0 12px;font-size:14px}
div.warn b{color:#9a6700}
div.cards{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 8px}
div.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:130px}
div.card .k{font-size:12px;color:#59636e}
div.card .v{font-size:18px;font-variant-numeric:tabular-nums}
div.card .u{font-size:12px;color:#59636e}
div.cols{display:flex;flex-wrap:wrap;gap:28px}
table{border-collapse:collapse;font-size:13px;margin-bottom:12px}
td,th{padding:2px 12px 2px 0;border-bottom:1px solid #eee;text-align:left}
td.v,th.v{text-align:right;font-variant-numeric:tabular-nums}
td.buy{color:#1a7f37}
td.sell{color:#cf222e}
tr.total td{font-weight:600;border-top:1px solid #8c959f}
div.scroll{max-height:420px;overflow:auto;border:1px solid #d0d7de;margin-bottom:8px}
div.scroll table{margin:0}
div.scroll th{position:sticky;top:0;background:#f6f8fa}
dl{font-size:13px}
dt{font-weight:600;margin-top:6px}
dd{margin:0 0 0 16px;color:#31363b}
pre#selfcheck{font-size:11px;color:#59636e}
svg.chart{display:block;margin:0 0 18px;max-width:100%;height:auto;font-size:11px}
svg .frame{fill:none;stroke:#8c959f}
svg .grid{stroke:#eaeef2}
svg .zero{stroke:#8c959f;stroke-dasharray:2 2}
svg .tick{fill:#59636e}
svg .title{font-size:14px;font-weight:600;fill:#1f2328}
svg .axis-label{fill:#59636e}
svg .legend{fill:#1f2328}
svg .nodata{fill:#8c959f;font-size:14px}
svg .markers.buy{fill:#1a7f37;fill-opacity:.75}
svg .markers.sell{fill:#cf222e;fill-opacity:.75}
svg .hover-line{stroke:#1f2328;stroke-width:.6}
svg .hover-text{fill:#1f2328;font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .zoom-sel{fill:#0969da;fill-opacity:.12;stroke:#0969da;stroke-width:.5}
)";

// First thing on the page: collects script errors (any script's) for the self-check below.
constexpr std::string_view kErrorHook =
    "<script>window.reportErrors=[];window.addEventListener('error',function(e){"
    "window.reportErrors.push(String(e.message||e));});</script>\n";

// The page's main script: hover read-outs from the inline chart data, and the self-check a
// headless browser reads (points drawn per chart, script errors). No network; one global
// (reportErrors, from kErrorHook).
constexpr std::string_view kScript = R"(<script>
(function(){
var errs=window.reportErrors||[];
function fmt(v){if(v===null||v===undefined)return 'n/a';var a=Math.abs(v);if(a>=1000)return v.toFixed(2);if(a>=1)return v.toFixed(4);if(a===0)return '0';return v.toPrecision(4);}
function nice(span,n){var raw=span/n,mag=Math.pow(10,Math.floor(Math.log10(raw))),r=raw/mag;return (r<=1?1:r<=2?2:r<=5?5:10)*mag;}
function dec(step){return Math.max(0,-Math.floor(Math.log10(step)+1e-9));}
var charts=[];
function setup(svg){
  var node=document.querySelector('script.chart-data[data-for="'+svg.id+'"]');
  if(!node)return;
  var d=JSON.parse(node.textContent),ds=svg.dataset;
  var c={svg:svg,d:d,L:+ds.left,T:+ds.top,W:+ds.plotw,H:+ds.ploth,x0:+ds.xlo,x1:+ds.xhi,
         axes:svg.querySelector('g.axes'),
         buy:svg.querySelector('path.markers.buy'),sell:svg.querySelector('path.markers.sell'),
         line:svg.querySelector('.hover-line'),txt:svg.querySelector('.hover-text'),sel:svg.querySelector('.zoom-sel')};
  c.a=c.x0;c.b=c.x1;
  if(!c.line||!c.txt||d.x.length===0)return;
  charts.push(c);
  function dataX(ev){var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;return pt.matrixTransform(svg.getScreenCTM().inverse()).x;}
  function hide(){c.line.style.display='none';c.txt.style.display='none';}
  var drag=null;
  svg.addEventListener('mousedown',function(ev){var x=dataX(ev);if(x>=c.L&&x<=c.L+c.W){drag=x;ev.preventDefault();}});
  svg.addEventListener('mouseup',function(ev){
    if(drag===null)return;var x=Math.min(Math.max(dataX(ev),c.L),c.L+c.W),lo=Math.min(drag,x),hi=Math.max(drag,x);
    drag=null;c.sel.style.display='none';
    if(hi-lo>4)zoomAll(c.a+(lo-c.L)/c.W*(c.b-c.a),c.a+(hi-c.L)/c.W*(c.b-c.a));
  });
  svg.addEventListener('dblclick',function(){zoomAll(null,null);});
  svg.addEventListener('mousemove',function(ev){
    var px=dataX(ev);
    if(drag!==null){c.sel.setAttribute('x',Math.min(drag,px));c.sel.setAttribute('width',Math.abs(px-drag));c.sel.style.display='';}
    if(px<c.L||px>c.L+c.W){hide();return;}
    var xv=c.a+(px-c.L)/c.W*(c.b-c.a),xs=d.x,lo=0,hi=xs.length-1;
    while(hi-lo>1){var m=(lo+hi)>>1;if(xs[m]<=xv)lo=m;else hi=m;}
    var i=Math.abs(xs[hi]-xv)<Math.abs(xs[lo]-xv)?hi:lo;
    var X=c.L+(xs[i]-c.a)/(c.b-c.a)*c.W;
    c.line.setAttribute('x1',X);c.line.setAttribute('x2',X);c.line.style.display='';
    c.txt.textContent=svg.dataset.xname+' '+fmt(xs[i])+': '+d.s.map(function(q){return q.n+' '+fmt(q.y[i]);}).join(', ');
    c.txt.style.display='';
  });
  svg.addEventListener('mouseleave',function(){hide();drag=null;c.sel.style.display='none';});
}
// Redraws one chart for elapsed x in [a, b]: y axis fitted to what is visible, grid, series, fills.
function render(c,a,b){
  var d=c.d,lo=Infinity,hi=-Infinity,i,k,v;
  function seen(y){if(y!==null&&isFinite(y)){lo=Math.min(lo,y);hi=Math.max(hi,y);}}
  for(i=0;i<d.x.length;i++)if(d.x[i]>=a&&d.x[i]<=b)for(k=0;k<d.s.length;k++)seen(d.s[k].y[i]);
  if(d.m)for(i=0;i<d.m.x.length;i++)if(d.m.x[i]>=a&&d.m.x[i]<=b)seen(d.m.y[i]);
  if(!(lo<=hi))return false;
  if(d.z){lo=Math.min(lo,0);hi=Math.max(hi,0);}
  if(!(hi>lo)){var pad=lo===0?1:Math.abs(lo)*0.01;lo-=pad;hi+=pad;}
  var ys=nice(hi-lo,5);lo=Math.floor(lo/ys)*ys;hi=Math.ceil(hi/ys)*ys;
  var L=c.L,T=c.T,W=c.W,H=c.H;
  function px(x){return (L+(x-a)/(b-a)*W).toFixed(1);}
  function py(y){return (T+H-(y-lo)/(hi-lo)*H).toFixed(1);}
  var g='';
  for(k=Math.round(lo/ys);k<=Math.round(hi/ys);k++){v=k*ys;var yy=py(v);
    g+='<line class="grid" x1="'+L+'" x2="'+(L+W)+'" y1="'+yy+'" y2="'+yy+'"/><text class="tick" x="'+(L-6)+'" y="'+yy+'" text-anchor="end" dominant-baseline="middle">'+v.toFixed(dec(ys))+'</text>';}
  var xs=nice(b-a,8);
  for(k=Math.ceil(a/xs-1e-9);k<=Math.floor(b/xs+1e-9);k++){v=k*xs;var xx=px(v);
    g+='<line class="grid" x1="'+xx+'" x2="'+xx+'" y1="'+T+'" y2="'+(T+H)+'"/><text class="tick" x="'+xx+'" y="'+(T+H+16)+'" text-anchor="middle">'+v.toFixed(dec(xs))+'</text>';}
  if(d.z&&lo<0&&hi>0)g+='<line class="zero" x1="'+L+'" x2="'+(L+W)+'" y1="'+py(0)+'" y2="'+py(0)+'"/>';
  c.axes.innerHTML=g;
  for(k=0;k<d.s.length;k++){
    var path='',run=0;
    for(i=0;i<d.x.length;i++){var y=d.s[k].y[i];
      if(d.x[i]<a||d.x[i]>b||y===null){if(run===1)path+=' h0.1';run=0;continue;}
      path+=(run===0?(path?' M':'M'):' L')+px(d.x[i])+','+py(y);run++;}
    if(run===1)path+=' h0.1';
    var el=c.svg.querySelector('path.series[data-k="'+k+'"]');
    if(el)el.setAttribute('d',path);
  }
  if(d.m){var pb='',ps='';
    for(i=0;i<d.m.x.length;i++){if(d.m.x[i]<a||d.m.x[i]>b)continue;
      var mk=' M'+px(d.m.x[i])+','+py(d.m.y[i])+(d.m.b[i]?' l-4,7 h8 z':' l-4,-7 h8 z');if(d.m.b[i])pb+=mk;else ps+=mk;}
    if(c.buy)c.buy.setAttribute('d',pb.trim());if(c.sell)c.sell.setAttribute('d',ps.trim());}
  c.a=a;c.b=b;
  return true;
}
function zoomAll(a,b){charts.forEach(function(c){
  var lo=a===null?c.x0:Math.max(a,c.x0),hi=b===null?c.x1:Math.min(b,c.x1);
  if(hi>lo)render(c,lo,hi);});}
var out=[];
document.querySelectorAll('svg.chart').forEach(function(svg){
  try{setup(svg);}catch(e){errs.push(svg.id+': '+e);}
  var n=0,m=0,drawn=0;
  svg.querySelectorAll('path.series').forEach(function(p){n+=(p.getAttribute('d').match(/[ML]/g)||[]).length;var b=p.getBBox();if(b.width>0||b.height>0)drawn++;});
  svg.querySelectorAll('path.markers').forEach(function(p){m+=(p.getAttribute('d').match(/M/g)||[]).length;});
  out.push(svg.id+' points='+n+' markers='+m+' drawn_series='+drawn);
});
// The zoom path: redraw every chart on its middle half and back; each must still draw its data.
try{var ok=charts.length>0;charts.forEach(function(c){var q=(c.x1-c.x0)/4;ok=render(c,c.x0+q,c.x1-q)&&ok;ok=render(c,c.x0,c.x1)&&ok;});
  out.push('zoom '+(ok?'ok':'failed'));}catch(e){errs.push('zoom: '+e);out.push('zoom failed');}
out.push('fills_table rows='+document.querySelectorAll('#fills tbody tr').length);
var sc=document.getElementById('selfcheck');
setTimeout(function(){sc.textContent=out.join('\n')+'\nerrors='+errs.length+(errs.length?'\n'+errs.join('\n'):'');},0);
})();
</script>
)";

std::string money(double v, std::string_view unit) {
  if (!std::isfinite(v)) return "n/a";
  return str_cat(fixed(v, 4), " ", unit);
}
// Fewest decimals (0..8) that show every value exactly (prices and quantities are decimal
// fixed-point with at most 8), so a column of prices lines up: 61845.00 beside 61824.93.
int column_decimals(const std::vector<FillRecord>& fills, double FillEvent::*field) {
  int d = 0;
  for (const FillRecord& f : fills) {
    const double v = f.fill.*field;
    while (d < 8) {
      const double scale = std::pow(10.0, d);
      if (std::fabs(std::round(v * scale) / scale - v) <= 1e-9 * std::max(1.0, std::fabs(v))) break;
      ++d;
    }
  }
  return d;
}

std::string bps(double v) { return std::isfinite(v) ? fixed(v, 2) : "n/a"; }

void row(std::string& o, std::string_view k, const std::string& v, std::string_view cls = "") {
  str_append(o, "<tr", cls.empty() ? "" : " class=\"", cls, cls.empty() ? "" : "\"", "><td>", html_escape(k),
             "</td><td class=\"v\">", html_escape(v), "</td></tr>\n");
}

void card(std::string& o, std::string_view k, const std::string& v, std::string_view unit) {
  str_append(o, "<div class=\"card\"><div class=\"k\">", html_escape(k), "</div><div class=\"v\">", html_escape(v),
             " <span class=\"u\">", html_escape(unit), "</span></div></div>\n");
}

constexpr std::size_t kFillsTableRows = 2'000;
constexpr std::size_t kMaxMarkers = 5'000;

}  // namespace

std::pair<std::string, std::string> split_symbol(std::string_view symbol) {
  for (std::string_view q : {"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "TRY", "BTC", "ETH", "BNB"}) {
    if (symbol.size() > q.size() && symbol.substr(symbol.size() - q.size()) == q) {
      return {std::string(symbol.substr(0, symbol.size() - q.size())), std::string(q)};
    }
  }
  return {"", ""};
}

std::string render_html(const BacktestSummary& summary, const BacktestRecorder& rec, std::string_view title) {
  const std::vector<ChartPoint> pts = rec.chart_points();
  const std::vector<FillRecord> fills = rec.fills();
  const std::string esc_title = html_escape(title);
  const std::string& qu = summary.run.quote_unit;
  const std::string& bu = summary.run.base_unit;

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
  const core::UnixNanos t0 = pts.empty() ? 0 : pts.front().sample.ts;
  std::vector<double> x, mid, bid, ask, pnl, spread, invpnl, negfees, inv, dd;
  for (auto* v : {&x, &mid, &bid, &ask, &pnl, &spread, &invpnl, &negfees, &inv, &dd}) v->reserve(pts.size());
  for (const ChartPoint& p : pts) {
    x.push_back(static_cast<double>(p.sample.ts - t0) * 1e-9 / unit);
    mid.push_back(p.sample.mid);
    bid.push_back(p.sample.bid_quote);
    ask.push_back(p.sample.ask_quote);
    pnl.push_back(p.sample.pnl);
    spread.push_back(p.sample.spread_cum);
    invpnl.push_back(p.sample.inventory_pnl_cum);
    negfees.push_back(-p.sample.fees_cum);
    inv.push_back(p.sample.inventory);
    dd.push_back(-p.drawdown);
  }
  // Markers: fills of the charted symbol (0) inside the charted span; evenly thinned past kMaxMarkers.
  Markers marks;
  std::size_t chart_fills = 0;
  for (const FillRecord& f : fills) chart_fills += f.fill.symbol == 0 ? 1 : 0;
  const std::size_t stride = chart_fills > kMaxMarkers ? (chart_fills + kMaxMarkers - 1) / kMaxMarkers : 1;
  std::size_t seen = 0;
  for (const FillRecord& f : fills) {
    if (f.fill.symbol != 0 || pts.empty()) continue;
    if (seen++ % stride != 0) continue;
    if (f.fill.ts < t0 || f.fill.ts > pts.back().sample.ts) continue;
    marks.x.push_back(static_cast<double>(f.fill.ts - t0) * 1e-9 / unit);
    marks.y.push_back(f.fill.price);
    marks.buy.push_back(f.fill.side == core::Side::kBuy);
  }
  const std::string x_label =
      pts.empty() ? std::string("elapsed") : str_cat("elapsed (", unit_name, ") since ", format_utc(t0));

  std::string o;
  o.reserve(128 * 1024 + pts.size() * 200 + fills.size() * 300);
  str_append(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", esc_title,
             "</title>\n<style>\n", kStyle, "</style>\n", kErrorHook, "</head>\n<body>\n");
  str_append(o, "<h1>", esc_title, "</h1>\n<p class=\"sub\">");
  if (pts.empty()) {
    o.append("no samples recorded");
  } else {
    str_append(o, html_escape(summary.run.symbol), summary.run.symbol.empty() ? "" : " &middot; ",
               html_escape(format_utc(pts.front().sample.ts)), " to ", html_escape(format_utc(pts.back().sample.ts)),
               " (", html_escape(seconds_text(summary.duration_s)), ") &middot; ", summary.events, " market events, ",
               summary.samples, " samples, ", pts.size(), " charted &middot; money in ", html_escape(qu),
               ", inventory in ", html_escape(bu));
  }
  o.append("</p>\n");
  for (const std::string& w : summary.warnings) {
    str_append(o, "<div class=\"warn\"><b>Warning:</b> ", html_escape(w), "</div>\n");
  }

  // Key figures.
  o.append("<div class=\"cards\">\n");
  card(o, "net PnL", fixed(summary.net_pnl, 4), qu);
  card(o, "return", fixed(summary.return_frac * 100.0, 4), "% of capital");
  card(o, "Sharpe (annualised)", std::isnan(summary.sharpe) ? "n/a" : fixed(summary.sharpe, 2),
       str_cat(summary.sharpe_buckets, " buckets of ", summary.sharpe_interval_s, " s"));
  card(o, "max drawdown", fixed(summary.max_drawdown, 4), qu);
  card(o, "fills", str_cat(summary.fills), str_cat(summary.maker_fills, " maker / ", summary.taker_fills, " taker"));
  card(o, "win rate", std::isnan(summary.win_rate) ? "n/a" : fixed(summary.win_rate * 100.0, 1),
       str_cat("% of ", summary.round_trips, " round trips"));
  card(o, "risk rejects", str_cat(summary.risk_rejects), str_cat("vs ", summary.orders, " orders"));
  o.append("</div>\n");
  if (!summary.sharpe_note.empty()) {
    str_append(o, "<p class=\"sub\">Sharpe undefined: ", html_escape(summary.sharpe_note), "</p>\n");
  }

  // PnL split, trades, risk, fees.
  o.append("<div class=\"cols\">\n<div>\n<h2>PnL split</h2>\n<table id=\"pnl-split\">\n");
  row(o, "spread capture", money(summary.spread_capture, qu));
  row(o, "+ inventory (mark-to-market)", money(summary.inventory_pnl, qu));
  row(o, "- fees", money(-summary.fees, qu));
  row(o, "= net PnL", money(summary.net_pnl, qu), "total");
  o.append("</table>\n<h2>Fees</h2>\n<table id=\"fees\">\n");
  row(o, "maker fee rate", str_cat(bps(summary.maker_fee_bps), " bps"));
  row(o, "taker fee rate", str_cat(bps(summary.taker_fee_bps), " bps"));
  if (!summary.run.fee_keys.empty()) row(o, "rates from", summary.run.fee_keys);
  row(o, "fees paid", money(summary.fees, qu));
  o.append("</table>\n</div>\n<div>\n<h2>Trades</h2>\n<table id=\"trades\">\n");
  row(o, "orders / cancels", str_cat(summary.orders, " / ", summary.cancels));
  row(o, "fills (maker / taker)", str_cat(summary.fills, " (", summary.maker_fills, " / ", summary.taker_fills, ")"));
  row(o, "fill ratio", fixed(summary.fill_ratio, 4));
  row(o, "round trips (FIFO)", str_cat(summary.round_trips));
  row(o, "win rate", std::isnan(summary.win_rate) ? "n/a" : str_cat(fixed(summary.win_rate * 100.0, 1), " %"));
  row(o, "average win", money(summary.avg_win, qu));
  row(o, "average loss", money(summary.avg_loss, qu));
  row(o, "profit factor", std::isnan(summary.profit_factor) ? "n/a" : fixed(summary.profit_factor, 2));
  row(o, "holding time (qty-weighted)",
      std::isnan(summary.holding_time_s) ? "n/a" : str_cat(fixed(summary.holding_time_s, 3), " s"));
  row(o, "turnover", money(summary.turnover, qu));
  row(o, "turnover / capital", fixed(summary.turnover_per_capital, 4));
  for (std::size_t h = 0; h < kMarkoutHorizonsS.size(); ++h) {
    row(o, str_cat("markout ", kMarkoutHorizonsS[h], " s (mean, ", summary.markout_fills[h], " fills)"),
        str_cat(bps(summary.markout_bps[h]), " bps"));
  }
  o.append("</table>\n</div>\n<div>\n<h2>Risk and rejects</h2>\n<table id=\"rejects\">\n");
  row(o, "orders sent", str_cat(summary.orders));
  row(o, "risk rejects", str_cat(summary.risk_rejects));
  for (const auto& [reason, n] : summary.rejects.risk) {
    if (n > 0) row(o, str_cat("  risk: ", reason), str_cat(n));
  }
  row(o, "venue rejects", str_cat(summary.venue_rejects));
  for (const auto& [reason, n] : summary.rejects.venue) {
    if (n > 0) row(o, str_cat("  venue: ", reason), str_cat(n));
  }
  row(o, "expired at the venue", str_cat(summary.expired));
  o.append("</table>\n<h2>Performance</h2>\n<table id=\"performance\">\n");
  row(o, "capital", money(summary.capital, qu));
  row(o, "Sharpe per bucket", std::isnan(summary.sharpe_per_bucket) ? "n/a" : fixed(summary.sharpe_per_bucket, 4));
  row(o, "Sharpe buckets (up / down / flat)",
      str_cat(summary.sharpe_buckets, " (", summary.sharpe_buckets_up, " / ", summary.sharpe_buckets_down, " / ",
              summary.sharpe_buckets - summary.sharpe_buckets_up - summary.sharpe_buckets_down, ")"));
  row(o, "max drawdown / capital", str_cat(fixed(summary.max_drawdown_frac * 100.0, 4), " %"));
  row(o, "inventory mean (time-weighted)", str_cat(fixed(summary.inventory_mean, 8), " ", bu));
  row(o, "inventory mean |.|", str_cat(fixed(summary.inventory_mean_abs, 8), " ", bu));
  row(o, "inventory min / max",
      str_cat(fixed(summary.inventory_min, 8), " / ", fixed(summary.inventory_max, 8), " ", bu));
  row(o, "cancel to trade",
      std::isfinite(summary.cancel_to_trade) ? fixed(summary.cancel_to_trade, 2) : std::string("inf"));
  o.append("</table>\n</div>\n</div>\n");

  // Charts.
  o.append(
      "<h2>Charts</h2>\n<p class=\"sub\">Hover a chart to read its values; drag across one to zoom every chart to that "
      "span, double-click to zoom out.</p>\n");
  const std::string mid_title = summary.run.symbol.empty()
                                    ? std::string("Mid price, our quotes and fills")
                                    : str_cat(summary.run.symbol, " mid price, our quotes and fills");
  std::string chart = svg_chart(
      "chart-mid", mid_title, str_cat("price (", qu, ")"), x, x_label,
      {{"mid", "#57606a", mid, false}, {"bid quote", "#1a7f37", bid, true}, {"ask quote", "#cf222e", ask, true}}, false,
      &marks);
  auto tag = [&](std::string& c) {
    c.insert(c.find(' '), str_cat(" data-xname=\"", html_escape(unit_name), "\""));
    o += c;
  };
  tag(chart);
  if (marks.x.size() > 0) {
    str_append(o, "<p class=\"sub\">&#9650; buy fill, &#9660; sell fill (", marks.x.size(),
               stride > 1 ? str_cat(" of ", chart_fills, " shown, every ", stride, "th") : std::string(), ")</p>\n");
  }
  chart = svg_chart("chart-pnl", "PnL and its split", str_cat("PnL (", qu, ")"), x, x_label,
                    {{"net pnl", "#0969da", pnl, false},
                     {"spread capture", "#1a7f37", spread, true},
                     {"inventory", "#8250df", invpnl, true},
                     {"-fees", "#cf222e", negfees, true}},
                    true);
  tag(chart);
  chart = svg_chart("chart-inventory", "Inventory", str_cat("inventory (", bu, ")"), x, x_label,
                    {{"inventory", "#8250df", inv, false}}, true);
  tag(chart);
  chart = svg_chart("chart-drawdown", "Drawdown from running PnL peak", str_cat("drawdown (", qu, ")"), x, x_label,
                    {{"drawdown", "#cf222e", dd, false}}, true);
  tag(chart);

  // Fills table.
  str_append(o, "<h2>Fills</h2>\n<p class=\"sub\">", fills.size(), " fills",
             fills.size() > kFillsTableRows ? str_cat(", the first ", kFillsTableRows, " shown") : std::string(),
             " (the price chart marks those of the charted symbol). Edge = side &times; (mid before the fill &minus; "
             "price) / price; markout H = side &times; (mid H "
             "later &minus; price) / price; both in bps, positive = good for us.</p>\n");
  o.append("<div class=\"scroll\"><table id=\"fills\">\n<thead><tr><th>#</th><th>time (UTC)</th>");
  bool multi = false;
  for (const FillRecord& f : fills) multi = multi || f.fill.symbol != 0;
  if (multi) o.append("<th>symbol</th>");
  o.append(
      "<th>side</th>"
      "<th class=\"v\">price</th><th class=\"v\">qty</th><th class=\"v\">fee</th><th>liquidity</th>"
      "<th class=\"v\">mid</th><th class=\"v\">edge bps</th>");
  for (int64_t h : kMarkoutHorizonsS) str_append(o, "<th class=\"v\">markout ", h, " s</th>");
  o.append("</tr></thead>\n<tbody>\n");
  const int px_dec = column_decimals(fills, &FillEvent::price);
  const int qty_dec = column_decimals(fills, &FillEvent::qty);
  for (std::size_t i = 0; i < fills.size() && i < kFillsTableRows; ++i) {
    const FillRecord& f = fills[i];
    const bool buy = f.fill.side == core::Side::kBuy;
    const double edge =
        std::isfinite(f.mid) ? (buy ? 1.0 : -1.0) * (f.mid - f.fill.price) / f.fill.price * 1e4 : kUndefined;
    str_append(o, "<tr><td>", i + 1, "</td><td>", format_utc_ms(f.fill.ts), "</td>");
    if (multi) {
      const auto& names = summary.run.symbol_names;
      str_append(o, "<td>",
                 f.fill.symbol < names.size() ? html_escape(names[f.fill.symbol]) : str_cat("#", f.fill.symbol),
                 "</td>");
    }
    str_append(o, "<td class=\"", buy ? "buy" : "sell", "\">", buy ? "buy" : "sell", "</td><td class=\"v\">",
               fixed(f.fill.price, px_dec), "</td><td class=\"v\">", fixed(f.fill.qty, qty_dec),
               "</td><td class=\"v\">", fixed(f.fill.fee, 6), "</td><td>", f.fill.maker ? "maker" : "taker",
               "</td><td class=\"v\">", (std::isfinite(f.mid) ? fixed(f.mid, px_dec + 1) : std::string("n/a")),
               "</td><td class=\"v\">", bps(edge), "</td>");
    for (double m : f.markout_bps) str_append(o, "<td class=\"v\">", bps(m), "</td>");
    o.append("</tr>\n");
  }
  str_append(o, "</tbody></table></div>\n<p class=\"sub\">price and qty as reported; fee in ", html_escape(qu),
             " (negative = rebate).</p>\n");

  // Parameters.
  o.append("<h2>Parameters used</h2>\n<table id=\"params\">\n");
  for (const auto& [k, v] : summary.run.params) row(o, k, v);
  if (summary.run.params.empty()) row(o, "(not recorded)", "");
  o.append("</table>\n");

  // Definitions.
  str_append(
      o, "<h2>Definitions</h2>\n<dl>\n",
      "<dt>net PnL</dt><dd>realized + unrealized &minus; fees at the end, marked at the last mid.</dd>\n",
      "<dt>PnL split</dt><dd>spread capture = &Sigma; side &times; qty &times; (mid before the fill &minus; fill "
      "price); inventory = &Sigma; position held &times; change of the mid (mark-to-market); fees = &Sigma; fees. "
      "spread capture + inventory &minus; fees = net PnL.</dd>\n",
      "<dt>Sharpe</dt><dd>mean / standard deviation of the PnL change over each full bucket of ",
      summary.sharpe_interval_s,
      " s, annualised by &radic;(buckets per 365-day year). Undefined with fewer than 2 buckets or no variation. "
      "Annualising a short window extrapolates wildly: read it with the bucket counts beside it.</dd>\n",
      "<dt>round trip</dt><dd>fills matched first-in first-out per symbol: each fill that reduces the position "
      "closes the oldest open quantity; its PnL is the price difference on the matched quantity minus the fees of "
      "that quantity on both sides. Win rate = round trips with PnL &gt; 0 / all; average win / loss = mean PnL of "
      "the winning / losing ones; profit factor = gross wins / |gross losses|.</dd>\n",
      "<dt>holding time</dt><dd>exit time &minus; entry time, weighted by matched quantity.</dd>\n",
      "<dt>turnover</dt><dd>&Sigma; |qty &times; price| over fills.</dd>\n",
      "<dt>markout</dt><dd>side &times; (mid H seconds after the fill &minus; fill price) / fill price, in bps; the "
      "mid is the last one at or before that time; n/a when the data ends first.</dd>\n",
      "<dt>drawdown</dt><dd>running peak of PnL (starting at 0) &minus; PnL.</dd>\n",
      "<dt>rejects</dt><dd>risk: refused by the pre-trade checks (the order never left); venue: refused by the "
      "(simulated) exchange; expired: post-only orders that would have crossed and IOC remainders.</dd>\n",
      "</dl>\n");
  o.append("<pre id=\"selfcheck\">script did not run</pre>\n");
  o.append(kScript);
  o.append("</body>\n</html>\n");
  return o;
}

}  // namespace dmabot::tools
