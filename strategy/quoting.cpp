#include "strategy/quoting.h"

#include <cmath>
#include <cstdlib>

namespace dmabot::strategy {

QuoteTarget quote_target(const StrategyCore& core, const core::MdTick& t, core::Side side, double px,
                         double qty) noexcept {
  QuoteTarget q;
  if (!core.known(t.symbol) || !std::isfinite(px) || !std::isfinite(qty)) return q;
  const core::Price tick = core.filters(t.symbol).tick;
  core::Price p = core.quantize_price(t.symbol, side, px);
  if (side == core::Side::kBuy) {
    if (p.raw >= t.ask.raw) p.raw = t.ask.raw - tick.raw;
  } else {
    if (p.raw <= t.bid.raw) p.raw = t.bid.raw + tick.raw;
  }
  q.price = p;
  q.want = core.shape_qty(t.symbol, p, qty, q.qty);
  return q;
}

bool requote(StrategyCore& core, OrderTracker& tracker, const core::MdTick& t, core::Side side,
             const QuoteTarget& target, double tolerance_bps, int64_t min_requote_ns, SignalBuffer& out) noexcept {
  if (tracker.in_flight()) return false;
  if (!target.want) return tracker.has_order() && tracker.send_cancel(core, t, out);
  if (!tracker.has_order()) {
    return tracker.send_new(core, t, side, target.price, target.qty, core::TimeInForce::kPostOnly, out);
  }
  const double diff = static_cast<double>(std::llabs(tracker.order().price.raw - target.price.raw));
  if (diff * 1e4 <= tolerance_bps * static_cast<double>(target.price.raw)) return false;
  if (t.ts_local - tracker.last_quote_ts() < min_requote_ns) return false;
  return tracker.send_replace(core, t, target.price, target.qty, out);
}

bool pull_quotes(StrategyCore& core, std::array<OrderTracker, 2>& sides, const core::MdTick& t,
                 SignalBuffer& out) noexcept {
  bool sent = false;
  for (OrderTracker& tracker : sides) {
    if (!tracker.in_flight() && tracker.has_order()) sent = tracker.send_cancel(core, t, out) || sent;
  }
  return sent;
}

bool take_toward(StrategyCore& core, OrderTracker& tracker, const core::MdTick& t, double target_qty,
                 SignalBuffer& out) noexcept {
  if (tracker.has_order() || tracker.in_flight()) return false;
  const double delta = target_qty - core.inventory(t.symbol).to_double();
  if (!(std::fabs(delta) > 0.0)) return false;
  const core::Side side = delta > 0 ? core::Side::kBuy : core::Side::kSell;
  const core::Price px = side == core::Side::kBuy ? t.ask : t.bid;
  core::Qty qty;
  if (!core.shape_qty(t.symbol, px, std::fabs(delta), qty)) return false;
  return tracker.send_new(core, t, side, px, qty, core::TimeInForce::kIoc, out);
}

}  // namespace dmabot::strategy
