#include "strategy/avellaneda_stoikov.h"

#include <algorithm>

#include "strategy/internal/params_util.h"
#include "strategy/quoting.h"

namespace dmabot::strategy {

absl::StatusOr<AvellanedaStoikovParams> AvellanedaStoikovParams::from_config(core::Config& cfg) {
  AvellanedaStoikovParams p;
  DMABOT_STRATEGY_ASSIGN(p.gamma, cfg.get_double("AS_GAMMA", p.gamma, 1e-9, 1000.0));
  DMABOT_STRATEGY_ASSIGN(p.k, cfg.get_double("AS_K", p.k, 1e-9, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.sigma, cfg.get_double("AS_SIGMA", p.sigma, 0.0, 1e9));
  DMABOT_STRATEGY_ASSIGN(p.sigma_window, cfg.get_int("AS_SIGMA_WINDOW", p.sigma_window, 2, 100000));
  DMABOT_STRATEGY_ASSIGN(p.sigma_sample_ms, cfg.get_int("AS_SIGMA_SAMPLE_MS", p.sigma_sample_ms, 1, 3'600'000));
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
  if (!s.d2.full()) return -1.0;
  const double secs = static_cast<double>(s.d2.count()) * static_cast<double>(p_.sigma_sample_ms) * 1e-3;
  const double var = s.d2.sum() / secs;
  return var > 0.0 ? std::sqrt(var) : 0.0;
}

void AvellanedaStoikov::sample_until(PerSymbol& s, core::UnixNanos ts) const {
  if (s.next_sample >= ts) return;
  const int64_t h = p_.sigma_sample_ms * kNsPerMs;
  const int64_t points = (ts - 1 - s.next_sample) / h + 1;  // grid points in [next_sample, ts)
  // The first sees the move since the last sample; the rest are zero increments (no tick between
  // them), of which more than the window would only overwrite each other.
  const double d = s.last_mid - s.sample_mid;
  s.d2.push(d * d);
  const int64_t zeros = std::min<int64_t>(points - 1, static_cast<int64_t>(s.d2.window()));
  for (int64_t i = 0; i < zeros; ++i) s.d2.push(0.0);
  s.sample_mid = s.last_mid;
  s.next_sample += points * h;
}

void AvellanedaStoikov::on_tick(const core::MdTick& t, SignalBuffer& out) {
  double mid = 0.0;
  if (!core_.known(t.symbol) || !book_mid(t, mid)) return;
  PerSymbol& s = sym_[t.symbol];
  if (s.last_mid > 0.0) {
    sample_until(s, t.ts_local);
  } else {
    s.sample_mid = mid;
    s.next_sample = t.ts_local + p_.sigma_sample_ms * kNsPerMs;
  }
  s.last_mid = mid;
  if (s.stale) {  // a tick racing the stale status: keep the indicators, quote nothing
    pull_quotes(core_, s.sides, t, out);
    return;
  }
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

void AvellanedaStoikov::on_exec(const core::ExecReport& r, SignalBuffer& out) {
  if (!core_.owns(r)) return;
  core_.apply_fill(r);
  PerSymbol& s = sym_[r.symbol];
  if (!s.sides[0].on_report(r)) s.sides[1].on_report(r);
  if (s.stale) pull_quotes(core_, s.sides, signal_origin(r.symbol, r.ts_local), out);
}

void AvellanedaStoikov::on_book_status(const core::BookStatus& st, SignalBuffer& out) {
  if (!core_.known(st.symbol)) return;
  PerSymbol& s = sym_[st.symbol];
  s.stale = st.stale;
  if (s.stale) pull_quotes(core_, s.sides, signal_origin(st.symbol, st.ts_local), out);
}

}  // namespace dmabot::strategy
