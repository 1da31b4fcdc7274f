#include "strategy/mean_reversion.h"

#include <cmath>

#include "core/strings.h"
#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<MeanReversionParams> MeanReversionParams::from_config(core::Config& cfg) {
  MeanReversionParams p;
  DMABOT_STRATEGY_ASSIGN(p.window, cfg.get_int("MR_WINDOW", p.window, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.entry_z, cfg.get_double("MR_ENTRY_Z", p.entry_z, 0.01, 100.0));
  DMABOT_STRATEGY_ASSIGN(p.exit_z, cfg.get_double("MR_EXIT_Z", p.exit_z, 0.0, 100.0));
  DMABOT_STRATEGY_ASSIGN(p.order_usd, cfg.get_double("MR_ORDER_USD", p.order_usd, 1e-6, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.min_edge_bps, cfg.get_double("MR_MIN_EDGE_BPS", p.min_edge_bps, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.cooldown_ms, cfg.get_int("MR_COOLDOWN_MS", p.cooldown_ms, 0, 86'400'000));
  DMABOT_STRATEGY_ASSIGN(p.long_only, cfg.get_bool("MR_LONG_ONLY", p.long_only));
  if (p.exit_z >= p.entry_z) {
    return cfg.error("MR_EXIT_Z", core::str_cat("must be below MR_ENTRY_Z (", p.entry_z, ")"));
  }
  return p;
}

MeanReversion::MeanReversion(const MeanReversionParams& p, const StrategyContext& ctx) : p_(p), core_(ctx) {
  sym_.reserve(core_.symbol_count());
  for (std::size_t i = 0; i < core_.symbol_count(); ++i) sym_.emplace_back(static_cast<std::size_t>(p_.window));
}

void MeanReversion::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];
  s.mids.push(mid);
  if (!s.mids.full()) return;
  const double mean = s.mids.mean();
  const double sd = s.mids.stdev();
  if (!(sd > 0.0) || !(mean > 0.0)) return;
  const double z = (mid - mean) / sd;
  const double edge_bps = std::fabs(mid - mean) / mean * 1e4;
  const int64_t inv = core_.inventory(t.symbol).raw;

  if (std::fabs(z) >= p_.entry_z && edge_bps >= p_.min_edge_bps) {
    // Fade the move: a mid above the mean is sold, below it bought.
    const int dir = z > 0 ? -1 : 1;
    double target = dir * p_.order_usd / mid;
    if (p_.long_only && target < 0) target = 0.0;
    const bool already_there = target > 0 ? inv > 0 : (target < 0 ? inv < 0 : inv == 0);
    if (already_there) return;
    // Long-only and told to sell: that only flattens, which is an exit (no cooldown).
    if (target == 0.0) {
      take_toward(core_, s.orders, t, 0.0, out);
      return;
    }
    if (t.ts_local - s.last_entry_ts < p_.cooldown_ms * kNsPerMs) return;
    if (take_toward(core_, s.orders, t, target, out)) s.last_entry_ts = t.ts_local;
    return;
  }
  if (std::fabs(z) <= p_.exit_z && inv != 0) take_toward(core_, s.orders, t, 0.0, out);
}

void MeanReversion::on_exec(const core::ExecReport& r, SignalBuffer&) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  sym_[r.symbol].orders.on_report(r);
}

}  // namespace dmabot::strategy
