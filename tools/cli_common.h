// tools/cli_common.h — small pieces every dmabot subcommand shares: one-line errors with the house
// exit codes (2 bad usage/config, 1 runtime failure), flag values, whole-file writes.
//
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dmabot::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Prints "dmabot: <msg>" on stderr and returns kExitUsage / kExitRuntime.
int usage_error(const std::string& msg);
int runtime_error(const std::string& msg);

// Writes `text` to `path` (truncating). False on any I/O error.
[[nodiscard]] bool write_file(const std::string& path, const std::string& text);

// Whole non-negative decimal number that fits in int64 (no sign, no spaces).
[[nodiscard]] bool parse_non_negative(std::string_view s, int64_t& out);

// Iterates argv: `take_value(flag, out)` consumes the next argument as the flag's value.
class ArgCursor {
 public:
  ArgCursor(int argc, char** argv) : argc_(argc), argv_(argv) {}
  [[nodiscard]] bool done() const { return i_ >= argc_; }
  [[nodiscard]] std::string_view next() { return argv_[i_++]; }
  // False when the flag is the last argument.
  [[nodiscard]] bool take_value(std::string& out) {
    if (i_ >= argc_) return false;
    out = argv_[i_++];
    return true;
  }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
};

}  // namespace dmabot::tools
