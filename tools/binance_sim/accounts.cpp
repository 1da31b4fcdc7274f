#include "tools/binance_sim/accounts.h"

#include <algorithm>
#include <cstdlib>

namespace dmabot::binance_sim {

int64_t mul_div(int64_t a, int64_t b, int64_t c) {
  __int128 p = static_cast<__int128>(a) * b;
  return static_cast<int64_t>(p / c);
}

Price Position::entry_price() const {
  if (amount_raw == 0) return Price{};
  return Price::from_raw(mul_div(cost_raw, core::kScale, std::abs(amount_raw)));
}

int64_t Position::unrealized(Price mark) const {
  if (amount_raw == 0) return 0;
  int64_t value = core::notional_raw(mark, Qty::from_raw(std::abs(amount_raw)));
  return amount_raw > 0 ? value - cost_raw : cost_raw - value;
}

int64_t Position::apply_fill(int64_t dq, Price px) {
  if (dq == 0) return 0;
  if (amount_raw == 0 || (amount_raw > 0) == (dq > 0)) {
    cost_raw += core::notional_raw(px, Qty::from_raw(std::abs(dq)));
    amount_raw += dq;
    return 0;
  }
  int64_t open = std::abs(amount_raw);
  int64_t closing = std::min(open, std::abs(dq));
  int64_t closed_cost = closing == open ? cost_raw : mul_div(cost_raw, closing, open);
  int64_t value = core::notional_raw(px, Qty::from_raw(closing));
  int64_t pnl = amount_raw > 0 ? value - closed_cost : closed_cost - value;
  cost_raw -= closed_cost;
  amount_raw += dq > 0 ? closing : -closing;
  realized_raw += pnl;
  int64_t rest = std::abs(dq) - closing;
  if (rest > 0) {  // flipped: the rest opens the other way
    amount_raw = dq > 0 ? rest : -rest;
    cost_raw = core::notional_raw(px, Qty::from_raw(rest));
  }
  return pnl;
}

}  // namespace dmabot::binance_sim
