// strategy/registry.h — the closed set of strategies, selected by name at start-up.
//
// AnyStrategy is a std::variant, so the per-event dispatch in the worker is a std::visit (a jump
// on the index), not a virtual call. Names are what STRATEGIES= accepts:
//   dynmm  mean_reversion  ma_cross  vol_breakout  as
//
// read_all_strategy_params() reads and validates every strategy's keys, so keys of strategies
// that are not selected are still known to Config (no "unknown key") and still checked (a typo in
// an unused strategy's value is reported too). make_strategy() reads the selected one's params
// again (cheap) and builds it.
//
// Threads: make_strategy/read_all_strategy_params on the start-up thread; on_tick/on_exec on the
// worker thread owning the strategy. Allocation: construction only. Errors: one line naming the
// key (from Config) or the unknown strategy name.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/events.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/dyn_mm.h"
#include "strategy/ma_crossover.h"
#include "strategy/mean_reversion.h"
#include "strategy/signal_buffer.h"
#include "strategy/strategy.h"
#include "strategy/vol_breakout.h"

namespace dmabot::strategy {

using AnyStrategy = std::variant<DynMm, MeanReversion, MaCrossover, VolBreakout, AvellanedaStoikov>;

static_assert(StrategyType<DynMm> && StrategyType<MeanReversion> && StrategyType<MaCrossover> &&
              StrategyType<VolBreakout> && StrategyType<AvellanedaStoikov>);

// In variant order: dynmm, mean_reversion, ma_cross, vol_breakout, as.
const std::vector<std::string_view>& strategy_names();

absl::Status read_all_strategy_params(core::Config& cfg);

// Unknown name -> InvalidArgument "unknown strategy 'x' (known: ...)". ctx.symbols must be set and
// ctx.slot must be 1..255.
absl::StatusOr<AnyStrategy> make_strategy(std::string_view name, core::Config& cfg, const StrategyContext& ctx);

inline void on_tick(AnyStrategy& s, const core::MdTick& t, SignalBuffer& out) {
  std::visit([&](auto& x) { x.on_tick(t, out); }, s);
}
inline void on_exec(AnyStrategy& s, const core::ExecReport& r, SignalBuffer& out) {
  std::visit([&](auto& x) { x.on_exec(r, out); }, s);
}
// A stale/recovered book: the strategy's hook when it has one (HasBookStatusHook), else nothing.
inline void on_book_status(AnyStrategy& s, const core::BookStatus& st, SignalBuffer& out) {
  std::visit(
      [&](auto& x) {
        if constexpr (HasBookStatusHook<std::decay_t<decltype(x)>>) x.on_book_status(st, out);
      },
      s);
}
// A position adjustment from risk (core::is_position_adjust_report): the strategy's hook when it has
// one (HasPositionAdjustHook), else nothing.
inline void on_position_adjust(AnyStrategy& s, const core::ExecReport& r, SignalBuffer& out) {
  std::visit(
      [&](auto& x) {
        if constexpr (HasPositionAdjustHook<std::decay_t<decltype(x)>>) x.on_position_adjust(r, out);
      },
      s);
}
[[nodiscard]] inline core::Qty inventory(const AnyStrategy& s, core::SymbolId id) {
  return std::visit([&](const auto& x) { return x.inventory(id); }, s);
}
[[nodiscard]] inline std::string_view strategy_name(const AnyStrategy& s) {
  return std::visit([](const auto& x) -> std::string_view { return std::decay_t<decltype(x)>::kName; }, s);
}

}  // namespace dmabot::strategy
