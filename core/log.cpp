#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace dmabot::core {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;
}  // namespace

absl::StatusOr<LogLevel> parse_log_level(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  if (s == "off") return LogLevel::kOff;
  return invalid("unknown log level '", s, "' (debug, info, warn, error, off)");
}

void set_log_level(LogLevel l) { g_level.store(l, std::memory_order_relaxed); }
LogLevel log_level() { return g_level.load(std::memory_order_relaxed); }

void log_line(LogLevel l, std::string_view msg) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "%02d:%02d:%02d.%03ld %-5s %.*s\n", t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1'000'000,
               kNames[static_cast<int>(l)], static_cast<int>(msg.size()), msg.data());
}

}  // namespace dmabot::core
