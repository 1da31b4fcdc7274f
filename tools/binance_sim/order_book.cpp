#include "tools/binance_sim/order_book.h"

#include <algorithm>

namespace dmabot::binance_sim {

void OrderBook::add(core::Side side, core::Price price, int64_t order_id) {
  if (side == core::Side::kBuy) {
    bids_[price].push_back(order_id);
  } else {
    asks_[price].push_back(order_id);
  }
  ++count_;
}

namespace {
template <class Map>
bool remove_from(Map& m, core::Price price, int64_t id) {
  auto it = m.find(price);
  if (it == m.end()) return false;
  auto& q = it->second;
  auto pos = std::find(q.begin(), q.end(), id);
  if (pos == q.end()) return false;
  q.erase(pos);
  if (q.empty()) m.erase(it);
  return true;
}

template <class Map, class Reaches>
void collect(const Map& m, Reaches reaches, std::vector<int64_t>& out) {
  for (const auto& [px, q] : m) {
    if (!reaches(px)) break;  // levels are best first: once one does not reach, none behind it does
    out.insert(out.end(), q.begin(), q.end());
  }
}
}  // namespace

bool OrderBook::remove(core::Side side, core::Price price, int64_t order_id) {
  bool ok = side == core::Side::kBuy ? remove_from(bids_, price, order_id) : remove_from(asks_, price, order_id);
  if (ok) --count_;
  return ok;
}

std::vector<int64_t> OrderBook::crossing(core::Side resting_side, core::Price limit, bool any) const {
  std::vector<int64_t> out;
  // A resting ask at px is reached by a buyer at `limit` when px <= limit (book_reaches from the
  // taker's side with the resting price as the opposite touch), and symmetrically for bids.
  core::Side taker = core::opposite(resting_side);
  auto reaches = [&](core::Price px) { return any || gateway::internal::book_reaches(taker, limit, px); };
  if (resting_side == core::Side::kBuy) {
    collect(bids_, reaches, out);
  } else {
    collect(asks_, reaches, out);
  }
  return out;
}

std::vector<int64_t> OrderBook::all(core::Side side) const { return crossing(side, core::Price{}, true); }

core::Price OrderBook::best(core::Side side) const {
  if (side == core::Side::kBuy) return bids_.empty() ? core::Price{} : bids_.begin()->first;
  return asks_.empty() ? core::Price{} : asks_.begin()->first;
}

}  // namespace dmabot::binance_sim
