#include "tools/cli_common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/input_file.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "feed/capture_reader.h"
#include "feed/event_cache.h"
#include "feed/replay_feed.h"
#include "tools/engine_config.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler may only touch a lock-free atomic");

void on_stop_signal(int sig) { g_stop_signal.store(sig, std::memory_order_relaxed); }

std::string prefixed(std::string_view flag, const std::string& path, std::string_view what) {
  return flag.empty() ? str_cat(path, ": ", what) : str_cat(flag, " ", path, ": ", what);
}

// The first non-blank line of a (possibly gzip) file, at most 60 characters, unprintable bytes as '?'.
std::string first_line(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return "";
  char buf[4096];
  const int n = gzread(gz, buf, sizeof buf);
  gzclose(gz);
  std::string out;
  bool started = false;
  for (int i = 0; i < n && out.size() < 60; ++i) {
    const unsigned char c = static_cast<unsigned char>(buf[i]);
    if (c == '\n' || c == '\r') {
      if (started) break;
      continue;
    }
    if (!started && (c == ' ' || c == '\t')) continue;
    started = true;
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return out;
}

}  // namespace

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "dmabot: %s\n", msg.c_str());
  return kExitUsage;
}

int runtime_error(const std::string& msg) {
  std::fprintf(stderr, "dmabot: %s\n", msg.c_str());
  return kExitRuntime;
}

bool write_file(const std::string& path, const std::string& text) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
    // A device or a pipe (--summary-json /dev/stdout): nothing to rename over; write it directly.
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.flush();
    return static_cast<bool>(out);
  }
  const std::string tmp = str_cat(path, ".tmp.", static_cast<int64_t>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const char* p = text.data();
  std::size_t left = text.size();
  bool ok = true;
  while (ok && left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) {
      p += w;
      left -= static_cast<std::size_t>(w);
    }
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
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

std::string check_readable_file(std::string_view flag, const std::string& path) {
  if (path.empty()) return str_cat(flag, " needs a file");
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) {
    return prefixed(flag, path, errno == ENOENT || errno == ENOTDIR ? "no such file" : std::strerror(errno));
  }
  if (S_ISDIR(sb.st_mode)) return prefixed(flag, path, "is a directory");
  // Opening a FIFO would block, and a device never ends: refused before they are opened.
  if (!S_ISREG(sb.st_mode))
    return prefixed(flag, path, str_cat("is ", core::file_type_name(sb.st_mode), ", not a file"));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return prefixed(flag, path, str_cat("cannot read (", std::strerror(errno), ")"));
  ::close(fd);
  return "";
}

std::string check_market_data(std::string_view flag, const std::string& path, std::size_t max_line_bytes) {
  if (std::string err = check_readable_file(flag, path); !err.empty()) return err;
  if (feed::is_event_cache(path) || feed::is_raw_capture(path)) return "";
  core::SymbolTable scratch;
  feed::RecordingSource rec(scratch, max_line_bytes);
  const absl::Status st = rec.open(path);
  if (st.ok()) return "";
  const std::string line = first_line(path);
  // A journal the reader refused (another build's layout, a cut header): its own message says why.
  {
    char magic[sizeof core::journal::kMagic] = {};
    std::ifstream f(path, std::ios::binary);
    if (f.read(magic, sizeof magic) && core::journal::has_magic(std::string_view(magic, sizeof magic))) {
      return std::string(st.message());
    }
  }
  // A recording whose header outgrew the limit (it begins like one): name the limit, not the file.
  if (absl::IsOutOfRange(st) && line.find("\"kind\":\"config\"") != std::string::npos) {
    return prefixed(flag, path,
                    str_cat("first line longer than ", max_line_bytes,
                            " bytes (REPLAY_MAX_LINE_BYTES): too long for a recording header at this limit"));
  }
  if (line.empty()) return prefixed(flag, path, "empty file: not a dmabot recording, Binance capture or event cache");
  return prefixed(flag, path,
                  str_cat("not a dmabot recording, Binance capture or event cache (first line: '", line, "')"));
}

std::size_t replay_line_limit(const std::vector<std::string>& sets) {
  constexpr std::string_view kKey = "REPLAY_MAX_LINE_BYTES=";
  std::size_t limit = core::JsonlReader::kDefaultMaxLineBytes;
  for (const std::string& kv : sets) {
    if (kv.compare(0, kKey.size(), kKey) != 0) continue;
    int64_t v = 0;
    if (parse_non_negative(std::string_view(kv).substr(kKey.size()), v) && v >= kMinReplayLineBytes &&
        v <= kMaxReplayLineBytes) {
      limit = static_cast<std::size_t>(v);
    } else {
      limit = core::JsonlReader::kDefaultMaxLineBytes;
    }
  }
  return limit;
}

const std::atomic<int>& install_stop_handler() {
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return g_stop_signal;
}

std::string signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return str_cat("signal ", sig);
}

}  // namespace dmabot::tools
