#include "risk/positions.h"

#include <cstdlib>
#include <limits>

namespace dmabot::risk {

Positions::Positions(std::size_t n_symbols, std::size_t n_venues)
    : n_venues_(n_venues == 0 ? 1 : n_venues), books_(n_symbols * n_venues_), symbols_(n_symbols) {}

int64_t Positions::to_raw(Wide w) {
  const Wide r = w / kWidePerRaw;  // C++ division truncates toward zero
  if (r > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (r < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(r);
}

core::Price Positions::avg_price(core::SymbolId s, uint8_t venue) const {
  const Book& b = at(s, venue);
  if (b.qty == 0) return core::Price{};
  return core::Price::from_raw(static_cast<int64_t>(b.cost / b.qty));
}

int64_t Positions::unrealized_raw(core::SymbolId s, uint8_t venue) const {
  const Book& b = at(s, venue);
  return to_raw(Wide{b.qty} * symbols_[s].mark - b.cost);
}

Wide Positions::symbol_abs_notional_wide(core::SymbolId s) const {
  const SymbolState& st = symbols_[s];
  const Wide n = Wide{st.qty} * st.mark;
  return n < 0 ? -n : n;
}

void Positions::remark(SymbolState& st) {
  const Wide u = Wide{st.qty} * st.mark - st.cost;
  unrealized_total_ += u - st.unrealized;
  st.unrealized = u;
}

void Positions::on_fill(const core::ExecReport& r) {
  if (r.status != core::ExecStatus::kPartiallyFilled && r.status != core::ExecStatus::kFilled) return;
  if (r.last_qty.raw <= 0) return;
  if (r.symbol >= symbols_.size() || r.venue >= n_venues_) {
    ++ignored_fills_;
    return;
  }
  ++fills_;
  if (symbols_[r.symbol].pending) settle_pending(r.symbol, r.last_px.raw);
  apply(r.symbol, r.venue, core::side_sign(r.side) * r.last_qty.raw, r.last_px.raw, r.fee_raw);
}

bool Positions::adjust(core::SymbolId s, uint8_t venue, int64_t delta_raw, core::Price px) {
  if (s >= symbols_.size() || venue >= n_venues_ || delta_raw == 0 || px.raw < 0) return false;
  SymbolState& st = symbols_[s];
  const int64_t at = px.raw != 0 ? px.raw : st.mark;
  if (at != 0) {
    if (st.pending) settle_pending(s, at);
    apply(s, venue, delta_raw, at, 0);
    return true;
  }
  // No price and no mark yet: the quantity counts now, its cost basis comes with the first mark.
  Book& b = books_[s * n_venues_ + venue];
  b.qty += delta_raw;
  b.pending += delta_raw;
  st.qty += delta_raw;
  st.pending = true;
  return true;
}

void Positions::settle_pending(core::SymbolId s, int64_t px) {
  SymbolState& st = symbols_[s];
  for (std::size_t v = 0; v < n_venues_; ++v) {
    Book& b = books_[s * n_venues_ + v];
    const Wide cost = Wide{b.pending} * px;
    b.cost += cost;
    st.cost += cost;
    b.pending = 0;
  }
  st.pending = false;
  remark(st);
}

void Positions::apply(core::SymbolId s, uint8_t venue, int64_t delta, int64_t px, int64_t fee) {
  Book& b = books_[s * n_venues_ + venue];
  SymbolState& st = symbols_[s];

  Wide realized = 0;
  Wide cost_change = 0;
  if (b.qty == 0 || (b.qty > 0) == (delta > 0)) {
    cost_change = Wide{delta} * px;  // opens or adds
  } else {
    const int64_t pos_abs = std::llabs(b.qty);
    const int64_t fill_abs = std::llabs(delta);
    if (fill_abs <= pos_abs) {
      // Reduce: the closed part leaves at fill px and takes its share of the cost basis with it.
      // -delta has the position's sign, so (-delta) * px is the closed part valued at the fill.
      const Wide removed = fill_abs == pos_abs ? b.cost : b.cost * fill_abs / pos_abs;
      realized = Wide{-delta} * px - removed;
      cost_change = -removed;
    } else {
      // Flip: close everything, then open the remainder at the fill price.
      realized = Wide{b.qty} * px - b.cost;
      const int64_t rest = b.qty + delta;  // sign of delta
      cost_change = -b.cost + Wide{rest} * px;
    }
  }
  b.qty += delta;
  b.cost += cost_change;
  b.realized += realized;
  b.fees += fee;
  st.qty += delta;
  st.cost += cost_change;
  st.realized += realized;
  st.fees += fee;
  realized_total_ += realized;
  fees_total_ += fee;
  if (!st.has_mid) st.mark = px;
  remark(st);
}

void Positions::on_mid(core::SymbolId symbol, core::Price mid) {
  if (symbol >= symbols_.size() || mid.raw <= 0) return;
  SymbolState& st = symbols_[symbol];
  if (st.pending) settle_pending(symbol, mid.raw);
  st.mark = mid.raw;
  st.has_mid = true;
  remark(st);
}

}  // namespace dmabot::risk
