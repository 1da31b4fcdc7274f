// core/log.h — cold-path logging to stderr with a level filter (LOG_LEVEL).
//
// For start-up, shutdown, connection events and errors only: it formats and locks, so the hot path
// never calls it (hot stages count things in metrics instead). Messages must never contain secrets.
//
// Threads: any. Allocation: yes (formatting).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "core/strings.h"

namespace dmabot::core {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError, kOff };
absl::StatusOr<LogLevel> parse_log_level(std::string_view s);
void set_log_level(LogLevel l);
LogLevel log_level();
void log_line(LogLevel l, std::string_view msg);

template <class... Args>
void log_info(const Args&... a) { if (log_level() <= LogLevel::kInfo) log_line(LogLevel::kInfo, str_cat(a...)); }
template <class... Args>
void log_warn(const Args&... a) { if (log_level() <= LogLevel::kWarn) log_line(LogLevel::kWarn, str_cat(a...)); }
template <class... Args>
void log_error(const Args&... a) { if (log_level() <= LogLevel::kError) log_line(LogLevel::kError, str_cat(a...)); }
template <class... Args>
void log_debug(const Args&... a) { if (log_level() <= LogLevel::kDebug) log_line(LogLevel::kDebug, str_cat(a...)); }

}  // namespace dmabot::core
