#include "strategy/ma_crossover.h"

#include "core/strings.h"
#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<MaCrossoverParams> MaCrossoverParams::from_config(core::Config& cfg) {
  MaCrossoverParams p;
  DMABOT_STRATEGY_ASSIGN(p.fast, cfg.get_int("MAC_FAST", p.fast, 1, 100000));
  DMABOT_STRATEGY_ASSIGN(p.slow, cfg.get_int("MAC_SLOW", p.slow, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.order_usd, cfg.get_double("MAC_ORDER_USD", p.order_usd, 1e-6, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.min_edge_bps, cfg.get_double("MAC_MIN_EDGE_BPS", p.min_edge_bps, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.cooldown_ms, cfg.get_int("MAC_COOLDOWN_MS", p.cooldown_ms, 0, 86'400'000));
  DMABOT_STRATEGY_ASSIGN(p.long_only, cfg.get_bool("MAC_LONG_ONLY", p.long_only));
  if (p.fast >= p.slow) return cfg.error("MAC_FAST", core::str_cat("must be below MAC_SLOW (", p.slow, ")"));
  return p;
}

MaCrossover::MaCrossover(const MaCrossoverParams& p, const StrategyContext& ctx) : p_(p), core_(ctx) {
  sym_.reserve(core_.symbol_count());
  for (std::size_t i = 0; i < core_.symbol_count(); ++i) {
    sym_.emplace_back(static_cast<std::size_t>(p_.fast), static_cast<std::size_t>(p_.slow));
  }
}

void MaCrossover::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];
  s.fast_ma.push(mid);
  s.slow_ma.push(mid);
  if (!s.slow_ma.full()) return;
  const double slow = s.slow_ma.mean();
  if (!(slow > 0.0)) return;
  const double edge_bps = (s.fast_ma.mean() - slow) / slow * 1e4;
  int next = s.trend;
  if (edge_bps > p_.min_edge_bps) next = 1;
  if (edge_bps < -p_.min_edge_bps) next = -1;
  if (s.trend == 0) {
    s.trend = next;
    return;
  }
  if (next != s.trend) {
    s.trend = next;
    s.cross_pending = true;
  }
  if (!s.cross_pending || t.ts_local - s.last_trade_ts < p_.cooldown_ms * kNsPerMs) return;
  // Trade it once the report is in (or the buffer has room again).
  if (s.orders.has_order() || s.orders.in_flight() || out.remaining() == 0) return;
  double target = s.trend * p_.order_usd / mid;
  if (p_.long_only && target < 0) target = 0.0;
  // Either the order goes out, or the position is already there: the cross is dealt with.
  if (take_toward(core_, s.orders, t, target, out)) s.last_trade_ts = t.ts_local;
  s.cross_pending = false;
}

void MaCrossover::on_exec(const core::ExecReport& r, SignalBuffer&) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  sym_[r.symbol].orders.on_report(r);
}

}  // namespace dmabot::strategy
