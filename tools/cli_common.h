// tools/cli_common.h — small pieces every dmabot subcommand shares: one-line errors with the house
// exit codes (2 bad usage/config/input, 1 runtime failure, 128+signal after an interrupt), input-file
// checks with one wording for every command, stop signals for fused runs, flag values, whole-file
// writes.
//
// Threads: the main thread (the stop-signal handler only stores the signal number in an atomic).
// Allocation: freely (cold path).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/recorder.h"

namespace dmabot::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Prints "dmabot: <msg>" on stderr and returns kExitUsage / kExitRuntime.
int usage_error(const std::string& msg);
int runtime_error(const std::string& msg);

// Writes `text` to `path` all or nothing: into `path`.tmp.<pid>, every write and the close checked,
// fsync'd, then renamed over `path`. On any error the temporary file is removed, an existing `path`
// is left as it was, and false is returned: a failed run never leaves a half-written summary.json
// or report.html that looks complete.
[[nodiscard]] bool write_file(const std::string& path, const std::string& text);

// Whole non-negative decimal number that fits in int64 (no sign, no spaces).
[[nodiscard]] bool parse_non_negative(std::string_view s, int64_t& out);

// Input files. Both return "" when the file is fine, else the one-line problem, prefixed by `flag`
// when the user gave the path after one ("--env DIR: is a directory"; for a positional argument pass
// "": "FILE: no such file"). Every command reports these with kExitUsage.
// A regular file this process can open for reading: not missing, not a directory, not unreadable.
[[nodiscard]] std::string check_readable_file(std::string_view flag, const std::string& path);
// The same, and market data a replay can read: an event cache, a raw Binance capture or a dmabot
// recording. Anything else: "FILE: not a dmabot recording, Binance capture or event cache (first
// line: '...')". Reads the file's first bytes (and, for a recording, its header line, no longer than
// max_line_bytes: pass the run's REPLAY_MAX_LINE_BYTES, see replay_line_limit()).
[[nodiscard]] std::string check_market_data(std::string_view flag, const std::string& path,
                                            std::size_t max_line_bytes = core::JsonlReader::kDefaultMaxLineBytes);
// The REPLAY_MAX_LINE_BYTES a command's `--set K=V` list asks for (the last one wins, as in the
// config), or the default when absent or not a valid value — the config check that follows names
// an invalid one. Lets a recording's header be read under the user's limit before the config exists.
[[nodiscard]] std::size_t replay_line_limit(const std::vector<std::string>& sets);

// Stop signals for runs on the calling thread (fused run, replay, backtest). The handler stores the
// signal number (SIGINT or SIGTERM) in the returned atomic and nothing else (async-signal-safe); the
// engine polls it once per fused pass (Engine::set_stop_flag) and shuts down normally. The handler is
// installed with SA_RESETHAND: a second Ctrl-C kills the process at once.
const std::atomic<int>& install_stop_handler();
// "SIGINT", "SIGTERM" or "signal N".
std::string signal_name(int sig);
// The shell convention for a run cut short by a signal: 128 + the signal number (130 for SIGINT).
inline int interrupted_exit_code(int sig) { return 128 + sig; }

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
