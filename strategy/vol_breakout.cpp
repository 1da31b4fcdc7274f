#include "strategy/vol_breakout.h"

#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<VolBreakoutParams> VolBreakoutParams::from_config(core::Config& cfg) {
  VolBreakoutParams p;
  DMABOT_STRATEGY_ASSIGN(p.window, cfg.get_int("VB_WINDOW", p.window, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.k, cfg.get_double("VB_K", p.k, 0.0, 100.0));
  DMABOT_STRATEGY_ASSIGN(p.min_edge_bps, cfg.get_double("VB_MIN_EDGE_BPS", p.min_edge_bps, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.order_usd, cfg.get_double("VB_ORDER_USD", p.order_usd, 1e-6, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.cooldown_ms, cfg.get_int("VB_COOLDOWN_MS", p.cooldown_ms, 0, 86'400'000));
  DMABOT_STRATEGY_ASSIGN(p.hold_ms, cfg.get_int("VB_HOLD_MS", p.hold_ms, 1, 86'400'000));
  DMABOT_STRATEGY_ASSIGN(p.long_only, cfg.get_bool("VB_LONG_ONLY", p.long_only));
  return p;
}

VolBreakout::VolBreakout(const VolBreakoutParams& p, const StrategyContext& ctx) : p_(p), core_(ctx) {
  sym_.reserve(core_.symbol_count());
  for (std::size_t i = 0; i < core_.symbol_count(); ++i) sym_.emplace_back(static_cast<std::size_t>(p_.window));
}

void VolBreakout::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];

  if (s.range.full() && s.changes.full()) {
    const double hi = s.range.max();
    const double lo = s.range.min();
    const double move = p_.k * s.changes.stdev();
    int dir = 0;
    if (mid > hi && mid - hi >= move && (mid - hi) / hi * 1e4 >= p_.min_edge_bps) dir = 1;
    if (mid < lo && lo - mid >= move && (lo - mid) / lo * 1e4 >= p_.min_edge_bps) dir = -1;
    const int64_t inv = core_.inventory(t.symbol).raw;
    bool sent = false;
    if (dir != 0) {
      double target = dir * p_.order_usd / mid;
      if (p_.long_only && target < 0) target = 0.0;
      const bool already_there = target > 0 ? inv > 0 : (target < 0 ? inv < 0 : inv == 0);
      if (!already_there) {
        if (target == 0.0) {
          sent = take_toward(core_, s.orders, t, 0.0, out);  // long-only: a downside break only flattens
        } else if (t.ts_local - s.last_entry_ts >= p_.cooldown_ms * kNsPerMs) {
          sent = take_toward(core_, s.orders, t, target, out);
          if (sent) s.last_entry_ts = t.ts_local;
        }
      }
    }
    // The hold is a time stop: it flattens even while the break continues.
    if (!sent && inv != 0 && t.ts_local - s.last_entry_ts >= p_.hold_ms * kNsPerMs) {
      take_toward(core_, s.orders, t, 0.0, out);
    }
  }

  if (s.last_mid > 0.0) s.changes.push(mid - s.last_mid);
  s.last_mid = mid;
  s.range.push(mid);
}

void VolBreakout::on_exec(const core::ExecReport& r, SignalBuffer&) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  sym_[r.symbol].orders.on_report(r);
}

}  // namespace dmabot::strategy
