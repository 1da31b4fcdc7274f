// feed/internal/capture_line.h — the line format of raw captures: `<local receive time> <json>`.
//
// The local time is an unsigned integer whose unit is not written down: recorders used ns (19
// digits today), µs (16), ms (13) or s (10). The unit is read off the magnitude, per file (see
// CaptureReader), because one file never mixes units and a per-line guess could silently turn a
// corrupted ns stamp into a plausible µs one.
//
// Threads: pure functions. Allocation: none.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "core/types.h"
#include "core/internal/swar_digits.h"

namespace dmabot::feed::internal {

enum class TimeUnit : uint8_t { kUnknown, kSeconds, kMillis, kMicros, kNanos };

[[nodiscard]] constexpr std::string_view to_string(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSeconds: return "s";
    case TimeUnit::kMillis: return "ms";
    case TimeUnit::kMicros: return "us";
    case TimeUnit::kNanos: return "ns";
    case TimeUnit::kUnknown: break;
  }
  return "unknown";
}

// The unit a Unix timestamp of this magnitude must be in, for dates from 1973 to 2286: each unit
// is 1000x the next, so the ranges do not overlap. kUnknown below 1e8 (no plausible date).
[[nodiscard]] constexpr TimeUnit unit_of(uint64_t v) {
  if (v >= 100'000'000'000'000'000ULL) return TimeUnit::kNanos;
  if (v >= 100'000'000'000'000ULL) return TimeUnit::kMicros;
  if (v >= 100'000'000'000ULL) return TimeUnit::kMillis;
  if (v >= 100'000'000ULL) return TimeUnit::kSeconds;
  return TimeUnit::kUnknown;
}

// v in `unit` -> ns; false on overflow or kUnknown.
[[nodiscard]] constexpr bool to_ns(uint64_t v, TimeUnit unit, core::UnixNanos& out) {
  uint64_t scale = 0;
  switch (unit) {
    case TimeUnit::kNanos: scale = 1; break;
    case TimeUnit::kMicros: scale = 1'000; break;
    case TimeUnit::kMillis: scale = 1'000'000; break;
    case TimeUnit::kSeconds: scale = 1'000'000'000; break;
    case TimeUnit::kUnknown: return false;
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / scale) return false;
  out = static_cast<core::UnixNanos>(v * scale);
  return true;
}

enum class SplitResult : uint8_t { kOk, kEmpty, kNoSeparator, kBadTime };

// Splits `<digits><one or more spaces/tabs><json>`. A trailing '\r' and surrounding blanks are
// ignored; a blank line is kEmpty. The time must be 1..19 digits and fit a uint64.
[[nodiscard]] inline SplitResult split_capture_line(std::string_view line, uint64_t& time, std::string_view& json) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!line.empty() && blank(line.back())) line.remove_suffix(1);
  // Every real line: 1..19 digits right at the start, then a separator. Found and converted 8 bytes
  // at a time (the 24 bytes loaded are inside the line); 19 digits always fit a uint64.
  if (line.size() >= 24) {
    const char* p = line.data();
    std::size_t n = core::internal::digit_run8(p);
    if (n == 8) {
      n += core::internal::digit_run8(p + 8);
      if (n == 16) n += core::internal::digit_run8(p + 16);
    }
    if (n != 0 && n <= 19 && (p[n] == ' ' || p[n] == '\t')) {
      const unsigned head = static_cast<unsigned>((n - 1) % 8 + 1);
      uint64_t v = core::internal::value_front(p, head);
      for (std::size_t i = head; i < n; i += 8) v = v * 100000000 + core::internal::value_front(p + i, 8);
      std::size_t j = n + 1;
      while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
      time = v;
      json = line.substr(j);
      return SplitResult::kOk;
    }
  }
  // Anything else, digit by digit.
  std::size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  line.remove_prefix(i);
  if (line.empty()) return SplitResult::kEmpty;
  std::size_t sep = 0;
  while (sep < line.size() && line[sep] != ' ' && line[sep] != '\t') ++sep;
  if (sep == line.size()) return SplitResult::kNoSeparator;
  if (sep > 19) return SplitResult::kBadTime;
  uint64_t v = 0;
  for (std::size_t k = 0; k < sep; ++k) {
    const char c = line[k];
    if (c < '0' || c > '9') return SplitResult::kBadTime;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return SplitResult::kBadTime;
    v = v * 10 + d;
  }
  std::size_t j = sep;
  while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
  time = v;
  json = line.substr(j);
  return SplitResult::kOk;
}

}  // namespace dmabot::feed::internal
