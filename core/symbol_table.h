// core/symbol_table.h — symbol interning: exchange symbol name <-> dense SymbolId, plus the
// instrument filters (tick size, lot step, minimum notional) that quantization and risk need.
//
// Built once at start-up (add() allocates), then read-only: lookups from any thread are safe
// once the table is published to the worker threads (they are started after it is built).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace dmabot::core {

struct InstrumentInfo {
  std::string name;                    // upper case, as the exchange spells it: "BTCUSDT"
  Price tick = Price::from_raw(1'000'000);   // 0.01
  Qty step = Qty::from_raw(1'000);           // 0.00001
  Qty min_qty = Qty::from_raw(1'000);
  int64_t min_notional_raw = 5 * kScale;     // 5 quote units
};

class SymbolTable {
 public:
  static constexpr std::size_t kMaxSymbols = 1024;

  // Adds a symbol (or returns its id if present). Case-insensitive on input; stored upper case.
  // Returns kNoSymbol when the table is full or the name is empty/has spaces.
  SymbolId add(std::string_view name);
  SymbolId add(InstrumentInfo info);

  // Case-insensitive lookup without allocation; kNoSymbol when unknown.
  [[nodiscard]] SymbolId find(std::string_view name) const;
  [[nodiscard]] const InstrumentInfo& info(SymbolId id) const { return infos_[id]; }
  [[nodiscard]] InstrumentInfo& mutable_info(SymbolId id) { return infos_[id]; }
  [[nodiscard]] std::string_view name(SymbolId id) const { return infos_[id].name; }
  [[nodiscard]] std::size_t size() const { return infos_.size(); }

 private:
  std::vector<InstrumentInfo> infos_;
};

}  // namespace dmabot::core
