#include "strategy/avellaneda_stoikov.h"

#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<AvellanedaStoikovParams> AvellanedaStoikovParams::from_config(core::Config& cfg) {
  AvellanedaStoikovParams p;
  DMABOT_STRATEGY_ASSIGN(p.gamma, cfg.get_double("AS_GAMMA", p.gamma, 1e-9, 1000.0));
  DMABOT_STRATEGY_ASSIGN(p.k, cfg.get_double("AS_K", p.k, 1e-9, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.sigma, cfg.get_double("AS_SIGMA", p.sigma, 0.0, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.sigma_window, cfg.get_int("AS_SIGMA_WINDOW", p.sigma_window, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.horizon_s, cfg.get_double("AS_HORIZON_S", p.horizon_s, 1e-6, 1e6));
  DMABOT_STRATEGY_ASSIGN(p.order_qty.raw, cfg.get_decimal_raw("AS_ORDER_QTY", core::decimal_to_string(p.order_qty.raw),
                                                              1, internal::kMaxQtyRaw));
  DMABOT_STRATEGY_ASSIGN(p.tolerance_bps, cfg.get_double("AS_TOLERANCE_BPS", p.tolerance_bps, 0.0, 10000.0));
  DMABOT_STRATEGY_ASSIGN(p.min_requote_ms, cfg.get_int("AS_MIN_REQUOTE_MS", p.min_requote_ms, 0, 3'600'000));
  return p;
}

AvellanedaStoikov::AvellanedaStoikov(const AvellanedaStoikovParams& p, const StrategyContext& ctx)
    : p_(p), core_(ctx) {
  sym_.reserve(core_.symbol_count());
  for (std::size_t i = 0; i < core_.symbol_count(); ++i) sym_.emplace_back(static_cast<std::size_t>(p_.sigma_window));
}

double AvellanedaStoikov::sigma(core::SymbolId id) const {
  if (p_.sigma > 0.0) return p_.sigma;
  if (!core_.known(id)) return -1.0;
  const PerSymbol& s = sym_[id];
  const double secs = s.dt.sum();
  if (!s.ds2.full() || !(secs > 0.0)) return -1.0;
  const double var = s.ds2.sum() / secs;
  return var > 0.0 ? std::sqrt(var) : 0.0;
}

void AvellanedaStoikov::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];
  if (s.last_mid > 0.0) {
    const double ds = mid - s.last_mid;
    s.ds2.push(ds * ds);
    s.dt.push(static_cast<double>(t.ts_local - s.last_ts) / kNsPerSec);
  }
  s.last_mid = mid;
  s.last_ts = t.ts_local;
  const double sig = sigma(t.symbol);
  if (sig < 0.0) return;

  const double q = core_.inventory(t.symbol).to_double() / p_.order_qty.to_double();
  const AsQuotes a = as_quotes(mid, q, p_.gamma, sig, p_.horizon_s, p_.k);
  const double size = p_.order_qty.to_double();
  const QuoteTarget bid = quote_target(core_, t, core::Side::kBuy, a.bid, size);
  const QuoteTarget ask = quote_target(core_, t, core::Side::kSell, a.ask, size);
  const int64_t min_requote_ns = p_.min_requote_ms * kNsPerMs;
  requote(core_, s.sides[0], t, core::Side::kBuy, bid, p_.tolerance_bps, min_requote_ns, out);
  requote(core_, s.sides[1], t, core::Side::kSell, ask, p_.tolerance_bps, min_requote_ns, out);
}

void AvellanedaStoikov::on_exec(const core::ExecReport& r, SignalBuffer&) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  PerSymbol& s = sym_[r.symbol];
  if (!s.sides[0].on_report(r)) s.sides[1].on_report(r);
}

}  // namespace dmabot::strategy
