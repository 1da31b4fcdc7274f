// tests/fuzz/fuzz_util.h — small helpers shared by the fuzz checks (test code: allocates freely).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "feed/binance_parser.h"

namespace dmabot::fuzz {

// The input shown in a finding: printable ASCII as is, anything else as \xNN, cut at `max` bytes.
inline std::string shown(std::string_view s, std::size_t max = 160) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) core::str_append(out, "...(", s.size(), " bytes)");
  return out;
}

// Splits on '\n', keeping empty pieces (the last piece may be empty).
inline std::vector<std::string_view> lines_of(std::string_view s) { return core::split(s, '\n'); }

// Every field of an event as text, the symbol by name (ids differ between tables), for comparisons.
std::string flatten(const core::MdTick& e, const core::SymbolTable& symbols);
std::string flatten(const core::Trade& e, const core::SymbolTable& symbols);
std::string flatten(const core::MarkPrice& e, const core::SymbolTable& symbols);
std::string flatten(const feed::DepthUpdate& e, const core::SymbolTable& symbols);
std::string flatten(const feed::DepthSnapshot& e, const core::SymbolTable& symbols);
std::string symbol_name(core::SymbolId id, const core::SymbolTable& symbols);

// A file in a fresh temporary directory holding `bytes`; removed (with the directory) on destruction.
class TempFile {
 public:
  explicit TempFile(std::string_view bytes, std::string_view name = "input");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

}  // namespace dmabot::fuzz
