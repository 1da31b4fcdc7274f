#include "tools/cli_common.h"

#include <cstdint>
#include <cstdio>
#include <fstream>

namespace dmabot::tools {

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "dmabot: %s\n", msg.c_str());
  return kExitUsage;
}

int runtime_error(const std::string& msg) {
  std::fprintf(stderr, "dmabot: %s\n", msg.c_str());
  return kExitRuntime;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

bool parse_non_negative(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  out = v;
  return true;
}

}  // namespace dmabot::tools
