#include "strategy/strategy.h"

namespace dmabot::strategy {

StrategyCore::StrategyCore(const StrategyContext& ctx) : slot_(ctx.slot) {
  const std::size_t n = ctx.symbols != nullptr ? ctx.symbols->size() : 0;
  filters_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const core::InstrumentInfo& info = ctx.symbols->info(static_cast<core::SymbolId>(i));
    InstrumentFilters f;
    // A zero tick/step would divide by zero in quantization; fall back to the smallest grid.
    f.tick = info.tick.raw > 0 ? info.tick : core::Price::from_raw(1);
    f.step = info.step.raw > 0 ? info.step : core::Qty::from_raw(1);
    f.min_qty = info.min_qty;
    f.min_notional_raw = info.min_notional_raw;
    filters_.push_back(f);
  }
  inventory_.assign(n, core::Qty{});
}

core::Price StrategyCore::quantize_price(core::SymbolId id, core::Side side, double px) const noexcept {
  const core::Price tick = filters_[id].tick;
  return side == core::Side::kBuy ? core::quantize_bid(px, tick) : core::quantize_ask(px, tick);
}

bool StrategyCore::shape_qty(core::SymbolId id, core::Price px, double qty, core::Qty& qty_out) const noexcept {
  const InstrumentFilters& f = filters_[id];
  if (!(qty > 0.0) || px.raw <= 0) return false;
  qty_out = core::quantize_qty_down(qty, f.step);
  if (qty_out.raw <= 0 || qty_out < f.min_qty) return false;
  return core::notional_raw(px, qty_out) >= f.min_notional_raw;
}

core::Signal StrategyCore::new_order(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty,
                                     core::TimeInForce tif, uint64_t id) const noexcept {
  core::Signal s;
  s.ts_tick = t.ts_local;
  s.price = px;
  s.qty = qty;
  s.client_id = id;
  s.symbol = t.symbol;
  s.strategy = slot_;
  s.side = side;
  s.action = core::SignalAction::kNew;
  s.tif = tif;
  return s;
}

core::Signal StrategyCore::replace(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty,
                                   core::TimeInForce tif, uint64_t id, uint64_t target) const noexcept {
  core::Signal s = new_order(t, side, px, qty, tif, id);
  s.action = core::SignalAction::kReplace;
  s.target_id = target;
  return s;
}

core::Signal StrategyCore::cancel(const core::MdTick& t, core::Side side, core::Price px, core::Qty qty, uint64_t id,
                                  uint64_t target) const noexcept {
  core::Signal s = new_order(t, side, px, qty, core::TimeInForce::kGtc, id);
  s.action = core::SignalAction::kCancel;
  s.target_id = target;
  return s;
}

}  // namespace dmabot::strategy
