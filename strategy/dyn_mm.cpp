#include "strategy/dyn_mm.h"

#include <algorithm>
#include <cmath>

#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<DynMmParams> DynMmParams::from_config(core::Config& cfg) {
  DynMmParams p;
  DMABOT_STRATEGY_ASSIGN(p.sigma_window, cfg.get_int("DYNMM_SIGMA_WINDOW", p.sigma_window, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.a, cfg.get_double("DYNMM_A", p.a, 0.0, 1000.0));
  DMABOT_STRATEGY_ASSIGN(p.b, cfg.get_double("DYNMM_B", p.b, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.floor_bps, cfg.get_double("DYNMM_FLOOR_BPS", p.floor_bps, 0.01, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.inv_cap.raw, cfg.get_decimal_raw("DYNMM_INV_CAP", core::decimal_to_string(p.inv_cap.raw), 1, internal::kMaxQtyRaw));
  DMABOT_STRATEGY_ASSIGN(p.base_size_usd, cfg.get_double("DYNMM_BASE_SIZE_USD", p.base_size_usd, 1e-6, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.tolerance_bps, cfg.get_double("DYNMM_TOLERANCE_BPS", p.tolerance_bps, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.min_requote_ms, cfg.get_int("DYNMM_MIN_REQUOTE_MS", p.min_requote_ms, 0, 3'600'000));
  return p;
}

DynMm::DynMm(const DynMmParams& p, const StrategyContext& ctx) : p_(p), core_(ctx) {
  sym_.reserve(core_.symbol_count());
  for (std::size_t i = 0; i < core_.symbol_count(); ++i) sym_.emplace_back(static_cast<std::size_t>(p_.sigma_window));
}

double DynMm::sigma_bps(core::SymbolId id) const {
  if (!core_.known(id) || !sym_[id].returns.full()) return -1.0;
  return sym_[id].returns.stdev() * 1e4;
}

void DynMm::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];
  if (s.last_mid > 0.0) s.returns.push(std::log(mid / s.last_mid));
  s.last_mid = mid;
  if (s.stale) {  // a tick racing the stale status: keep the indicators, quote nothing
    pull_quotes(core_, s.sides, t, out);
    return;
  }
  if (!s.returns.full()) return;

  const double sigma = s.returns.stdev() * 1e4;
  const double inv = core_.inventory(t.symbol).to_double();
  const double cap = p_.inv_cap.to_double();
  const double spread_bps = std::max(p_.a * sigma + p_.b * std::fabs(inv / cap), p_.floor_bps);
  const double half = spread_bps / 2.0 / 1e4;
  const double size = p_.base_size_usd / mid;

  QuoteTarget bid = quote_target(core_, t, core::Side::kBuy, mid * (1.0 - half), size);
  QuoteTarget ask = quote_target(core_, t, core::Side::kSell, mid * (1.0 + half), size);
  // At the cap, stop adding to the position: a long book stops bidding, a short one stops offering.
  const int64_t inv_raw = core_.inventory(t.symbol).raw;
  if (inv_raw >= p_.inv_cap.raw) bid.want = false;
  if (inv_raw <= -p_.inv_cap.raw) ask.want = false;

  const int64_t min_requote_ns = p_.min_requote_ms * kNsPerMs;
  requote(core_, s.sides[0], t, core::Side::kBuy, bid, p_.tolerance_bps, min_requote_ns, out);
  requote(core_, s.sides[1], t, core::Side::kSell, ask, p_.tolerance_bps, min_requote_ns, out);
}

void DynMm::on_exec(const core::ExecReport& r, SignalBuffer& out) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  PerSymbol& s = sym_[r.symbol];
  if (!s.sides[0].on_report(r)) s.sides[1].on_report(r);
  if (s.stale) pull_quotes(core_, s.sides, signal_origin(r.symbol, r.ts_local), out);
}

void DynMm::on_book_status(const core::BookStatus& st, SignalBuffer& out) {
  if (!core_.known(st.symbol)) return;
  PerSymbol& s = sym_[st.symbol];
  s.stale = st.stale;
  if (s.stale) pull_quotes(core_, s.sides, signal_origin(st.symbol, st.ts_local), out);
}

}  // namespace dmabot::strategy
