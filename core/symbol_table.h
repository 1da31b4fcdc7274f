// core/symbol_table.h — symbol interning: exchange symbol name <-> dense SymbolId, plus the
// instrument filters (tick size, lot step, minimum notional) that quantization and risk need.
//
// Built once at start-up (add() allocates), then read-only: lookups from any thread are safe
// once the table is published to the worker threads (they are started after it is built).
// find() is on the feed's hot path (every bookTicker frame names its symbol; with SYMBOLS=auto up to
// kMaxSymbols of them): a fixed open-addressing index (2 × kMaxSymbols slots, FNV-1a over the
// ASCII-upper-cased name, linear probing) makes it O(1) without allocation, whatever the table's size.
//
// Products: one engine can trade the same exchange symbol on Binance Spot and on USD-M Futures
// (VENUE_MODE=binance, SYMBOLS + FUTURES_SYMBOLS). The engine's instrument name is what keys the
// table, metrics ({symbol="..."}), recordings ("sym") and logs; it must tell the two apart, so a
// USD-M instrument listed with FUTURES_SYMBOLS is named with the product prefix "UM:" —
// "UM:BTCUSDT" — while its exchange name ("BTCUSDT") is what goes on the wire (orders, stream
// subscriptions, exchangeInfo). add() derives product and exchange name from a prefixed name, so a
// recording's "UM:BTCUSDT" interned by the decoder comes back as the USD-M instrument. A name
// without the prefix is its own exchange name; its product is whatever the caller set (default
// spot; VENUE_MODE=binance_futures and MARKET_TYPE=usdm name their USD-M symbols without prefix).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace dmabot::core {

// Which market an instrument trades on. Spot also stands for "not a Binance product" (mock symbols).
enum class Product : uint8_t { kSpot = 0, kUsdm = 1 };
inline constexpr std::string_view kUsdmPrefix = "UM:";
std::string_view to_string(Product p);  // "spot" / "usdm"

struct InstrumentInfo {
  std::string name;           // the engine's name, upper case: "BTCUSDT", "UM:BTCUSDT"
  std::string exchange_name;  // as the exchange spells it ("BTCUSDT"); add() fills it when empty
  Product product = Product::kSpot;
  Price tick = Price::from_raw(1'000'000);  // 0.01
  Qty step = Qty::from_raw(1'000);          // 0.00001
  Qty min_qty = Qty::from_raw(1'000);
  int64_t min_notional_raw = 5 * kScale;  // 5 quote units
};

class SymbolTable {
 public:
  static constexpr std::size_t kMaxSymbols = 1024;

  // Adds a symbol (or returns its id if present). Case-insensitive on input; stored upper case.
  // Returns kNoSymbol when the table is full or the name is empty/has spaces (or is the bare prefix).
  // A "UM:" name gets product kUsdm and the rest as its exchange name; otherwise an empty
  // exchange_name becomes the name.
  SymbolId add(std::string_view name);
  SymbolId add(InstrumentInfo info);

  // Case-insensitive (ASCII) lookup without allocation, O(1) through the index; kNoSymbol when unknown.
  [[nodiscard]] SymbolId find(std::string_view name) const;
  // The instrument of `product` whose exchange name is `exchange_name` (case-insensitive); when no
  // instrument of that product has it, the one *named* exchange_name (whatever its product: feeds and
  // tests that put bare names in a table without saying the product). Cold (start-up): a linear scan.
  [[nodiscard]] SymbolId find_exchange(Product product, std::string_view exchange_name) const;
  [[nodiscard]] const InstrumentInfo& info(SymbolId id) const { return infos_[id]; }
  // For filters (tick, step, ...). The name and exchange name must not change: the index is keyed by them.
  [[nodiscard]] InstrumentInfo& mutable_info(SymbolId id) { return infos_[id]; }
  [[nodiscard]] std::string_view name(SymbolId id) const { return infos_[id].name; }
  [[nodiscard]] std::size_t size() const { return infos_.size(); }

 private:
  static constexpr std::size_t kIndexSlots = 2 * kMaxSymbols;  // a power of two; load factor <= 1/2
  std::vector<InstrumentInfo> infos_;
  std::array<uint16_t, kIndexSlots> by_name_{};  // id + 1 of the instrument named so; 0 = empty slot
};

}  // namespace dmabot::core
