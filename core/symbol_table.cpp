#include "core/symbol_table.h"

#include <cctype>

#include "core/fnv.h"

namespace dmabot::core {
namespace {
constexpr unsigned char ascii_upper(unsigned char c) { return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c; }

// `upper` is stored upper case; `a` may be in any case.
bool equal_ci(std::string_view a, std::string_view upper) {
  if (a.size() != upper.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(upper[i])) return false;
  }
  return true;
}

uint64_t hash_upper(std::string_view name) {
  Fnv1a f;
  for (char c : name) {
    const unsigned char u = ascii_upper(static_cast<unsigned char>(c));
    f.bytes(&u, 1);
  }
  return f.h;
}
}  // namespace

SymbolId SymbolTable::find(std::string_view name) const {
  for (std::size_t i = hash_upper(name) & (kIndexSlots - 1);; i = (i + 1) & (kIndexSlots - 1)) {
    const uint16_t slot = by_name_[i];
    if (slot == 0) return kNoSymbol;
    if (equal_ci(name, infos_[slot - 1].name)) return static_cast<SymbolId>(slot - 1);
  }
}

std::string_view to_string(Product p) { return p == Product::kUsdm ? "usdm" : "spot"; }

SymbolId SymbolTable::find_exchange(Product product, std::string_view exchange_name) const {
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (infos_[i].product == product && equal_ci(exchange_name, infos_[i].exchange_name))
      return static_cast<SymbolId>(i);
  }
  return find(exchange_name);
}

SymbolId SymbolTable::add(std::string_view name) {
  InstrumentInfo info;
  info.name = std::string(name);
  return add(std::move(info));
}

SymbolId SymbolTable::add(InstrumentInfo info) {
  if (info.name.empty()) return kNoSymbol;
  for (char& c : info.name) {
    if (std::isspace(static_cast<unsigned char>(c))) return kNoSymbol;
    c = static_cast<char>(ascii_upper(static_cast<unsigned char>(c)));
  }
  if (SymbolId id = find(info.name); id != kNoSymbol) return id;
  if (infos_.size() >= kMaxSymbols) return kNoSymbol;
  if (info.name.starts_with(kUsdmPrefix)) {
    if (info.name.size() == kUsdmPrefix.size()) return kNoSymbol;
    info.product = Product::kUsdm;
    info.exchange_name = info.name.substr(kUsdmPrefix.size());
  }
  if (info.exchange_name.empty()) info.exchange_name = info.name;
  for (char& c : info.exchange_name) c = static_cast<char>(ascii_upper(static_cast<unsigned char>(c)));
  std::size_t i = hash_upper(info.name) & (kIndexSlots - 1);
  while (by_name_[i] != 0) i = (i + 1) & (kIndexSlots - 1);
  infos_.push_back(std::move(info));
  by_name_[i] = static_cast<uint16_t>(infos_.size());  // id + 1
  return static_cast<SymbolId>(infos_.size() - 1);
}

}  // namespace dmabot::core
