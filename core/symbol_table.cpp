#include "core/symbol_table.h"

#include <cctype>

namespace dmabot::core {
namespace {
bool equal_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i])) return false;
  }
  return true;
}
}  // namespace

SymbolId SymbolTable::find(std::string_view name) const {
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (equal_ci(name, infos_[i].name)) return static_cast<SymbolId>(i);
  }
  return kNoSymbol;
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
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (SymbolId id = find(info.name); id != kNoSymbol) return id;
  if (infos_.size() >= kMaxSymbols) return kNoSymbol;
  if (info.name.starts_with(kUsdmPrefix)) {
    if (info.name.size() == kUsdmPrefix.size()) return kNoSymbol;
    info.product = Product::kUsdm;
    info.exchange_name = info.name.substr(kUsdmPrefix.size());
  }
  if (info.exchange_name.empty()) info.exchange_name = info.name;
  for (char& c : info.exchange_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  infos_.push_back(std::move(info));
  return static_cast<SymbolId>(infos_.size() - 1);
}

}  // namespace dmabot::core
