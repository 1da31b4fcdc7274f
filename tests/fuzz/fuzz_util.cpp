#include "tests/fuzz/fuzz_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <span>
#include <stdexcept>

namespace dmabot::fuzz {

TempFile::TempFile(std::string_view bytes, std::string_view name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dmabot-fuzz.XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + templ);
  dir_ = templ;
  path_ = dir_ + "/" + std::string(name);
  std::ofstream out(path_, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path_);
}

TempFile::~TempFile() {
  ::unlink(path_.c_str());
  ::rmdir(dir_.c_str());
}

}  // namespace dmabot::fuzz

namespace dmabot::fuzz {

std::string symbol_name(core::SymbolId id, const core::SymbolTable& symbols) {
  if (id == core::kNoSymbol) return "<none>";
  if (id >= symbols.size()) return core::str_cat("<bad id ", id, ">");
  return std::string(symbols.name(id));
}

std::string flatten(const core::MdTick& e, const core::SymbolTable& symbols) {
  return core::str_cat("md ", e.ts_exchange, " ", e.ts_local, " ", e.update_id, " ", e.bid.raw, " ", e.bid_qty.raw, " ",
                       e.ask.raw, " ", e.ask_qty.raw, " ", symbol_name(e.symbol, symbols), " ", int{e.feed});
}

std::string flatten(const core::Trade& e, const core::SymbolTable& symbols) {
  return core::str_cat("trade ", e.ts_exchange, " ", e.ts_local, " ", e.trade_id, " ", e.price.raw, " ", e.qty.raw, " ",
                       symbol_name(e.symbol, symbols), " ", core::to_string(e.aggressor), " ", int{e.feed});
}

std::string flatten(const core::MarkPrice& e, const core::SymbolTable& symbols) {
  return core::str_cat("mark ", e.ts_exchange, " ", e.ts_local, " ", e.next_funding_time, " ", e.mark.raw, " ",
                       e.index.raw, " ", e.funding_rate_raw, " ", symbol_name(e.symbol, symbols), " ", int{e.feed});
}

namespace {
std::string flatten_levels(std::span<const feed::Level> levels) {
  std::string out;
  for (const feed::Level& l : levels) core::str_append(out, " ", l.price.raw, "@", l.qty.raw);
  return out;
}
}  // namespace

std::string flatten(const feed::DepthUpdate& d, const core::SymbolTable& symbols) {
  return core::str_cat("depth ", d.ts_exchange, " ", d.ts_transaction, " ", d.ts_local, " ", d.first_update_id, " ",
                       d.last_update_id, " ", d.prev_update_id, " ", symbol_name(d.symbol, symbols), " ", int{d.feed},
                       " bids", flatten_levels(d.bids), " asks", flatten_levels(d.asks));
}

std::string flatten(const feed::DepthSnapshot& d, const core::SymbolTable& symbols) {
  return core::str_cat("snapshot ", d.ts_exchange, " ", d.ts_transaction, " ", d.ts_local, " ", d.last_update_id, " ",
                       symbol_name(d.symbol, symbols), " ", int{d.feed}, " bids", flatten_levels(d.bids), " asks",
                       flatten_levels(d.asks));
}

}  // namespace dmabot::fuzz
