// tools/binance_reconcile.h — the network-free half of a Binance venue's reconciliation: the
// exchange's account read as the engine's inventory, and the rule that tells drift from orders and
// fills still in flight. BinanceVenue (tools/binance_venue.h) makes the requests and acts on the result.
//
// Inventory per traded symbol, as the engine's risk stage keeps it (risk/positions.h, one account per
// venue):
//   * USD-M (one-way mode): positionRisk's positionAmt, entryPrice. A hedge-mode row (LONG/SHORT)
//     is an error: the gateway sends one-way orders only.
//   * Spot: the base asset's free + locked balance minus BINANCE_SPOT_NEUTRAL_BALANCE's amount for it
//     (the part of the wallet that counts as flat; binance_gateway::spot_inventory_raw, which the
//     gateway's user-data position events use too). check_spot_assets() refuses symbol sets whose
//     inventories the wallet cannot separate (a shared base asset, a base asset that is another
//     symbol's quote asset). No entry price: a balance has none; the engine
//     books it at the first mid (Positions::adjust with price 0). Commissions Binance takes in the base
//     asset (spot buys) make the wallet smaller than the engine's fills say: reconciliation sees that
//     as position drift and follows the wallet.
//
// DriftTracker: a difference (exchange - engine) is drift only when the same non-zero value is seen
// in two rounds in a row. A fill the engine has not seen yet, or an order in flight, shows once and
// then goes (or changes); a change behind the engine's back stays the same while the engine keeps
// trading, because both sides move by the engine's own fills. The caller also skips a symbol whose
// engine position moved during the request (observe is not called: skip()).
//
// Threads: the venue's control thread only. Allocation: the vectors built here (cold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/types.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/order_messages.h"

namespace dmabot::tools {

struct ExchangePosition {
  core::SymbolId symbol = core::kNoSymbol;
  int64_t qty_raw = 0;       // signed base quantity (1e-8)
  int64_t entry_px_raw = 0;  // 0 = none (spot)
};

// One entry per traded symbol (symbols[i] != nullptr), in symbol order; qty 0 when the account holds
// none of it.
[[nodiscard]] std::vector<ExchangePosition> spot_inventory(std::span<const binance::SpotAssetBalance> balances,
                                                           std::span<const binance::InstrumentSpec* const> symbols,
                                                           std::span<const std::pair<std::string, int64_t>> neutral);
// Spot: each base asset must belong to one traded symbol and be no traded symbol's quote asset, or the
// wallet's balance cannot say whose inventory it is. Error (one line naming both symbols) otherwise.
[[nodiscard]] absl::Status check_spot_assets(std::span<const binance::InstrumentSpec* const> symbols);
// Error (one line): a non-zero hedge-mode row on a traded symbol.
[[nodiscard]] absl::Status futures_inventory(std::span<const binance::FuturesPositionInfo> rows,
                                             std::span<const binance::InstrumentSpec* const> symbols,
                                             std::vector<ExchangePosition>& out);

class DriftTracker {
 public:
  explicit DriftTracker(std::size_t n = 0) : last_(n, 0) {}
  // One round's difference for key i; true when it is drift to act on (non-zero, equal to the
  // previous round's). Acting resets the key (the next round starts afresh).
  bool observe(std::size_t i, int64_t diff) {
    if (i >= last_.size()) return false;
    const bool drift = diff != 0 && diff == last_[i];
    last_[i] = drift ? 0 : diff;
    return drift;
  }
  // No comparable view of key i this round: forget what the previous round suspected.
  void skip(std::size_t i) {
    if (i < last_.size()) last_[i] = 0;
  }

 private:
  std::vector<int64_t> last_;
};

}  // namespace dmabot::tools
