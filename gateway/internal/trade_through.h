// gateway/internal/trade_through.h — the one rule every simulated venue uses to decide whether the
// market has reached a limit price (the simulated exchange and the mock venue share it, so a mock
// fill is never at a price the market did not reach).
//
//   book_reaches(side, limit, opposite_touch): a buy at `limit` is reached when the best ask is at or
//     below it, a sell when the best bid is at or above it. A missing touch (raw <= 0) never reaches.
//     For a resting order this is the trade-through fill; for an incoming order it means it crosses
//     (takes liquidity; a post-only order would be rejected).
//   trade_through(side, limit, trade_px): a trade printed strictly through the limit (a buy: below
//     it). A trade exactly at the limit is a queue question (see SimExchange), not a trade-through.
//
// Threads: pure functions. Allocation: none.
#pragma once

#include "core/types.h"

namespace dmabot::gateway::internal {

[[nodiscard]] constexpr bool book_reaches(core::Side side, core::Price limit, core::Price opposite_touch) noexcept {
  if (opposite_touch.raw <= 0) return false;
  return side == core::Side::kBuy ? opposite_touch <= limit : opposite_touch >= limit;
}

[[nodiscard]] constexpr bool trade_through(core::Side side, core::Price limit, core::Price trade_px) noexcept {
  return side == core::Side::kBuy ? trade_px < limit : trade_px > limit;
}

}  // namespace dmabot::gateway::internal
