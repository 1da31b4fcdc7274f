// risk/positions.h — inventory and PnL per (symbol, venue), per symbol and in total.
//
// Accounting: average cost per (symbol, venue) — each venue is its own account (a spot wallet and a
// futures wallet do not net against each other), and the per-symbol figures are sums over venues.
//   * A fill that adds to the position (or opens one) adds qty * px to the cost basis.
//   * A fill that reduces it realizes (fill px - average entry) on the closed part and removes that
//     share of the cost basis.
//   * A fill that flips the sign closes the whole position (realizing), then opens the rest at the
//     fill price.
// Fees (ExecReport::fee_raw, quote * 1e8, negative = rebate) are kept apart from realized PnL, so
//   equity = realized + unrealized - fees.
// Unrealized PnL is marked at the latest mid of the symbol (on_mid); before the first mid it is
// marked at the symbol's last fill price.
// adjust() books a quantity the engine did not trade itself (a live venue's position at start, or
// the difference its reconciliation found): exactly like a fee-less fill at the given price (not
// counted in fills()). Price 0 means "at the mark": the symbol's mark when it has one; otherwise the
// quantity counts at once (inventory) and its cost basis is set at the first mid or fill price that
// arrives (until then it adds nothing to unrealized PnL).
//
// Exactness: cost basis, realized and unrealized are kept as __int128 in units of 1e-16 quote
// (price raw * qty raw), so opening, adding, marking and closing a whole position are exact. Only
// a partial close divides (cost * closed / position) and truncates below 1e-16 quote; the residue
// is realized when the position next returns to flat. The *_raw getters return 1e-8 quote units
// (truncated toward zero); the double getters are for display.
//
// Threads: one writer (the risk thread). Readers on other threads only after that thread stopped
// (shutdown summary). Allocation: the per-symbol and per-(symbol, venue) arrays, in the
// constructor only. Errors: a fill for a symbol or venue outside the constructed range is ignored
// and counted in ignored_fills().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/events.h"
#include "core/types.h"

namespace dmabot::risk {

// 1e-16 quote units: the product of a raw price and a raw qty.
using Wide = __int128;
inline constexpr Wide kWidePerRaw = core::kScale;  // wide units per 1e-8 quote unit

class Positions {
 public:
  Positions(std::size_t n_symbols, std::size_t n_venues);

  // Applies a fill (status kPartiallyFilled/kFilled with last_qty > 0); anything else is ignored.
  void on_fill(const core::ExecReport& r);
  // Marks the symbol at a new mid (ignored for an out-of-range symbol or a mid <= 0).
  void on_mid(core::SymbolId symbol, core::Price mid);
  // Books delta_raw (signed base qty) at px (0: at the mark, see above). False: symbol or venue out of
  // range, delta 0 or px < 0 (nothing changed).
  bool adjust(core::SymbolId s, uint8_t venue, int64_t delta_raw, core::Price px);

  [[nodiscard]] std::size_t n_symbols() const { return symbols_.size(); }
  [[nodiscard]] std::size_t n_venues() const { return n_venues_; }

  // Per (symbol, venue).
  [[nodiscard]] core::Qty qty(core::SymbolId s, uint8_t venue) const { return core::Qty::from_raw(at(s, venue).qty); }
  // Average entry price (cost / qty, truncated to 1e-8); 0 when flat.
  [[nodiscard]] core::Price avg_price(core::SymbolId s, uint8_t venue) const;
  [[nodiscard]] int64_t realized_raw(core::SymbolId s, uint8_t venue) const { return to_raw(at(s, venue).realized); }
  [[nodiscard]] int64_t unrealized_raw(core::SymbolId s, uint8_t venue) const;
  [[nodiscard]] int64_t fees_raw(core::SymbolId s, uint8_t venue) const { return at(s, venue).fees; }

  // Per symbol (sum over venues).
  [[nodiscard]] core::Qty symbol_qty(core::SymbolId s) const { return core::Qty::from_raw(symbols_[s].qty); }
  [[nodiscard]] int64_t symbol_realized_raw(core::SymbolId s) const { return to_raw(symbols_[s].realized); }
  [[nodiscard]] int64_t symbol_unrealized_raw(core::SymbolId s) const { return to_raw(symbols_[s].unrealized); }
  [[nodiscard]] int64_t symbol_fees_raw(core::SymbolId s) const { return symbols_[s].fees; }
  [[nodiscard]] int64_t symbol_equity_raw(core::SymbolId s) const { return to_raw(symbol_equity_wide(s)); }
  // |qty| * mark in 1e-16 quote units (the exposure the inventory limit looks at).
  [[nodiscard]] Wide symbol_abs_notional_wide(core::SymbolId s) const;
  [[nodiscard]] double symbol_realized(core::SymbolId s) const { return to_double(symbols_[s].realized); }
  [[nodiscard]] double symbol_unrealized(core::SymbolId s) const { return to_double(symbols_[s].unrealized); }
  [[nodiscard]] double symbol_fees(core::SymbolId s) const {
    return static_cast<double>(symbols_[s].fees) / core::kScale;
  }
  [[nodiscard]] double symbol_equity(core::SymbolId s) const { return to_double(symbol_equity_wide(s)); }

  // Mark used for the symbol: the latest mid, else the last fill price, else 0.
  [[nodiscard]] core::Price mark(core::SymbolId s) const { return core::Price::from_raw(symbols_[s].mark); }
  [[nodiscard]] bool has_mid(core::SymbolId s) const { return symbols_[s].has_mid; }
  [[nodiscard]] core::Price mid(core::SymbolId s) const {
    return core::Price::from_raw(symbols_[s].has_mid ? symbols_[s].mark : 0);
  }

  // Totals over every symbol.
  [[nodiscard]] Wide total_equity_wide() const {
    return realized_total_ + unrealized_total_ - Wide{fees_total_} * kWidePerRaw;
  }
  [[nodiscard]] int64_t total_equity_raw() const { return to_raw(total_equity_wide()); }
  [[nodiscard]] double total_equity() const { return to_double(total_equity_wide()); }
  [[nodiscard]] int64_t total_realized_raw() const { return to_raw(realized_total_); }
  [[nodiscard]] int64_t total_unrealized_raw() const { return to_raw(unrealized_total_); }
  [[nodiscard]] int64_t total_fees_raw() const { return fees_total_; }

  [[nodiscard]] uint64_t fills() const { return fills_; }
  [[nodiscard]] uint64_t ignored_fills() const { return ignored_fills_; }

  // 1e-16 -> 1e-8 quote, truncated toward zero and saturated to int64.
  [[nodiscard]] static int64_t to_raw(Wide w);
  // Within one ulp of the exact quotient. Plain double arithmetic on the two 64-bit halves: the
  // x87 long double route this replaces cost ~10% of a replayed tick (it runs on every mid).
  [[nodiscard]] static double to_double(Wide w) {
    const bool neg = w < 0;
    const auto u = neg ? -static_cast<unsigned __int128>(w) : static_cast<unsigned __int128>(w);
    const double d = static_cast<double>(static_cast<uint64_t>(u >> 64)) * 0x1p64 +
                     static_cast<double>(static_cast<uint64_t>(u));
    return (neg ? -d : d) / (static_cast<double>(core::kScale) * static_cast<double>(core::kScale));
  }

 private:
  struct Book {     // one (symbol, venue)
    Wide cost = 0;  // signed: qty * entry prices, positive for a long
    Wide realized = 0;
    int64_t qty = 0;      // raw, signed
    int64_t fees = 0;     // raw quote
    int64_t pending = 0;  // part of qty booked by adjust() whose cost basis waits for a mark
  };
  struct SymbolState {
    Wide cost = 0;  // sum over venues
    Wide realized = 0;
    Wide unrealized = 0;  // cached: qty * mark - cost
    int64_t qty = 0;
    int64_t fees = 0;
    int64_t mark = 0;  // raw price
    bool has_mid = false;
    bool pending = false;  // a Book of this symbol has pending qty
  };
  [[nodiscard]] const Book& at(core::SymbolId s, uint8_t venue) const { return books_[s * n_venues_ + venue]; }
  [[nodiscard]] Wide symbol_equity_wide(core::SymbolId s) const {
    const SymbolState& st = symbols_[s];
    return st.realized + st.unrealized - Wide{st.fees} * kWidePerRaw;
  }
  void remark(SymbolState& st);
  // Signed qty delta at px into (symbol, venue), with a fee; the accounting of on_fill.
  void apply(core::SymbolId s, uint8_t venue, int64_t delta, int64_t px, int64_t fee);
  // Sets the cost basis of the symbol's pending qty at px (> 0).
  void settle_pending(core::SymbolId s, int64_t px);

  std::size_t n_venues_;
  std::vector<Book> books_;  // [symbol * n_venues + venue]
  std::vector<SymbolState> symbols_;
  Wide realized_total_ = 0;
  Wide unrealized_total_ = 0;
  int64_t fees_total_ = 0;
  uint64_t fills_ = 0;
  uint64_t ignored_fills_ = 0;
};

}  // namespace dmabot::risk
