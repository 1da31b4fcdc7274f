// The capture target: the line splitter against a reference, and CaptureReader configured three ways
// (64 KiB buffer + fast path; 4 KiB buffer grown per line + generic path; the same bytes gzipped).
#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

#include "feed/capture_reader.h"
#include "feed/internal/capture_line.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

using feed::internal::SplitResult;

// split_capture_line()'s contract (feed/internal/capture_line.h), written the plain way.
SplitResult reference_split(std::string_view line, uint64_t& time, std::string_view& json) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!line.empty() && blank(line.back())) line.remove_suffix(1);
  while (!line.empty() && blank(line.front())) line.remove_prefix(1);
  if (line.empty()) return SplitResult::kEmpty;
  const std::size_t sep = line.find_first_of(" \t");
  if (sep == std::string_view::npos) return SplitResult::kNoSeparator;
  const std::string_view digits = line.substr(0, sep);
  if (digits.size() > 19) return SplitResult::kBadTime;
  unsigned __int128 v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return SplitResult::kBadTime;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > static_cast<unsigned __int128>(~uint64_t{0})) return SplitResult::kBadTime;
  time = static_cast<uint64_t>(v);
  json = line.substr(sep);
  while (!json.empty() && (json.front() == ' ' || json.front() == '\t')) json.remove_prefix(1);
  return SplitResult::kOk;
}

std::string check_split(std::string_view line) {
  uint64_t t1 = 0, t2 = 0;
  std::string_view j1, j2;
  const SplitResult r1 = feed::internal::split_capture_line(line, t1, j1);
  const SplitResult r2 = reference_split(line, t2, j2);
  if (r1 != r2 || (r1 == SplitResult::kOk && (t1 != t2 || j1 != j2))) {
    return core::str_cat("split_capture_line('", shown(line), "') = ", static_cast<int>(r1), " time ", t1, " json '",
                         shown(j1), "', the reference ", static_cast<int>(r2), " time ", t2, " json '", shown(j2), "'");
  }
  return {};
}

std::string flatten(const feed::CaptureEvent& e, const core::SymbolTable& symbols) {
  std::string out = core::str_cat(e.line, " ", e.ts_local, " ");
  switch (e.kind) {
    case feed::CaptureEvent::kMdTick:
      return out + fuzz::flatten(e.tick, symbols);
    case feed::CaptureEvent::kTrade:
      return out + fuzz::flatten(e.trade, symbols);
    case feed::CaptureEvent::kMarkPrice:
      return out + fuzz::flatten(e.mark, symbols);
    case feed::CaptureEvent::kDepth:
      return out + fuzz::flatten(e.depth, symbols);
    case feed::CaptureEvent::kSnapshot:
      return out + fuzz::flatten(e.snapshot, symbols);
  }
  return out + "?";
}

std::string flatten(const feed::CaptureStats& s) {
  std::string out =
      core::str_cat("lines ", s.lines, " empty ", s.empty_lines, " events ", s.events, " unknown ", s.unknown,
                    " malformed ", s.malformed, " unterminated ", s.last_line_unterminated, " by_kind");
  for (uint64_t v : s.by_kind) core::str_append(out, " ", v);
  out += " unknown_by_reason";
  for (uint64_t v : s.unknown_by_reason) core::str_append(out, " ", v);
  out += " malformed_by_error";
  for (uint64_t v : s.malformed_by_error) core::str_append(out, " ", v);
  out += " parse_errors";
  for (uint64_t v : s.parse_errors) core::str_append(out, " ", v);
  out += " samples";
  for (const feed::LineIssue& i : s.samples) {
    core::str_append(out, " ", i.line, ":", feed::to_string(i.error), ":", feed::to_string(i.parse_error), ":",
                     i.field);
  }
  return out;
}

struct Run {
  std::vector<std::string> events;
  std::string stats;
  std::string open_status, status;
  std::string invariant;  // "" or what broke
};

Run read_all(const std::string& path, feed::CaptureOptions options) {
  core::SymbolTable symbols;
  feed::CaptureReader reader(symbols, options);
  Run run;
  const absl::Status opened = reader.open(path);
  run.open_status = opened.ToString();
  if (!opened.ok()) return run;
  feed::CaptureEvent ev;
  while (reader.next(ev)) {
    run.events.push_back(flatten(ev, symbols));
    if (run.events.size() > 100000) {
      run.invariant = "more events than the input can hold";
      break;
    }
  }
  const feed::CaptureStats& s = reader.stats();
  run.stats = flatten(s);
  run.status = reader.status().ToString();
  uint64_t by_kind = 0;
  for (uint64_t v : s.by_kind) by_kind += v;
  if (s.lines != s.empty_lines + s.events + s.unknown + s.malformed) {
    run.invariant = "lines != empty + events + unknown + malformed: " + run.stats;
  } else if (by_kind != s.events || s.events != run.events.size()) {
    run.invariant = "events per kind do not add up to the events handed out: " + run.stats;
  }
  return run;
}

std::string compare(const Run& a, const Run& b, std::string_view what) {
  if (!b.invariant.empty()) return core::str_cat(what, ": ", b.invariant);
  if (a.open_status != b.open_status) return core::str_cat(what, ": open() ", b.open_status, " vs ", a.open_status);
  if (a.status != b.status) return core::str_cat(what, ": status() ", b.status, " vs ", a.status);
  const std::size_t n = std::min(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.events[i] != b.events[i])
      return core::str_cat(what, ": event ", i + 1, " '", b.events[i], "' vs '", a.events[i], "'");
  }
  if (a.events.size() != b.events.size())
    return core::str_cat(what, ": ", b.events.size(), " events vs ", a.events.size());
  if (a.stats != b.stats) return core::str_cat(what, ": stats '", b.stats, "' vs '", a.stats, "'");
  return {};
}

}  // namespace

std::string check_capture_reader(std::string_view input) {
  for (std::string_view line : lines_of(input)) {
    if (std::string d = check_split(line); !d.empty()) return d;
  }
  // A gzip file in the input would be inflated by zlib: only the plain-text reading is compared.
  const bool gzip_input = input.size() >= 2 && input[0] == '\x1f' && input[1] == '\x8b';
  TempFile plain(input, "capture.raw");
  feed::CaptureOptions defaults;
  defaults.buffer_bytes = 64 << 10;  // holds any input the fuzzer makes (max_len 12 KiB): never grown
  const Run a = read_all(plain.path(), defaults);
  if (!a.invariant.empty()) return "default reader: " + a.invariant;
  if (gzip_input) return {};

  feed::CaptureOptions small;
  small.buffer_bytes = 4096;  // the smallest the reader takes: longer lines grow it
  small.fast_path = false;
  if (std::string d = compare(a, read_all(plain.path(), small), "4 KiB buffer, generic path vs 64 KiB, fast path");
      !d.empty()) {
    return d;
  }

  TempFile gz("", "capture.raw.gz");
  gzFile out = gzopen(gz.path().c_str(), "wb");
  if (out == nullptr) return "cannot write " + gz.path();
  if (!input.empty()) gzwrite(out, input.data(), static_cast<unsigned>(input.size()));
  gzclose(out);
  return compare(a, read_all(gz.path(), defaults), "gzipped vs plain");
}

}  // namespace dmabot::fuzz
