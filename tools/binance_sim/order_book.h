// tools/binance_sim/order_book.h — one symbol's book of resting account orders, price-time priority.
//
// The book holds order ids only (the exchange owns the orders). Bids are kept best (highest) first,
// asks best (lowest) first; within a level, arrival order. It knows nothing about quantities: the
// exchange walks it with for_each_crossing() and removes what filled.
//
// Threads: one owner (the sim's io thread). Allocation: a std::map node per new level and deque
// growth per order; binance-sim is a test venue, not the engine's hot path.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "core/types.h"
#include "gateway/internal/trade_through.h"

namespace dmabot::binance_sim {

class OrderBook {
 public:
  void add(core::Side side, core::Price price, int64_t order_id);
  // False when the id is not resting at that price on that side.
  bool remove(core::Side side, core::Price price, int64_t order_id);

  // Ids of the resting orders on `side` whose price reaches `limit` from the other side's point of
  // view (for a taker buying at limit: asks <= limit), best price first, then time. A taker with
  // no limit (MARKET) passes std::nullopt-like `any = true`.
  [[nodiscard]] std::vector<int64_t> crossing(core::Side resting_side, core::Price limit, bool any) const;
  // Every resting id on `side`, best price first, then time.
  [[nodiscard]] std::vector<int64_t> all(core::Side side) const;

  [[nodiscard]] bool empty(core::Side side) const { return side == core::Side::kBuy ? bids_.empty() : asks_.empty(); }
  // Best resting price on `side` (raw 0 when empty).
  [[nodiscard]] core::Price best(core::Side side) const;
  [[nodiscard]] std::size_t size() const { return count_; }

 private:
  std::map<core::Price, std::deque<int64_t>, std::greater<>> bids_;
  std::map<core::Price, std::deque<int64_t>> asks_;
  std::size_t count_ = 0;
};

}  // namespace dmabot::binance_sim
