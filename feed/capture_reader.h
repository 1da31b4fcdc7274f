// feed/capture_reader.h — reads raw Binance captures: one message per line, `<local time> <json>`,
// gzip-compressed or plain text (zlib reads both transparently).
//
// CaptureReader splits each line, normalises the local receive time to ns (the unit — ns, µs, ms or
// s — is detected once per file from the first line's magnitude; a later line of another
// magnitude is malformed), parses the JSON with BinanceParser and hands out one CaptureEvent per
// market-data line through next(). Nothing stops the walk: a malformed line (no separator, bad
// time, bad JSON, a field of the wrong type, ...) is counted per reason and its line number kept
// (the first CaptureStats::kMaxSamples of them), an empty line is counted and skipped, a
// well-formed message that is not market data we handle (other streams, unknown symbols when
// allow_new_symbols is false) is counted as unknown. An unterminated last line that does not parse
// is kTruncated (the recorder died mid-write). A gzip stream that ends early (file cut short) ends
// the walk after the last complete data, and status() says so.
//
// The REST depth snapshot lines carry no symbol: their DepthSnapshot::symbol is kNoSymbol.
//
// Cost per bookTicker line (bench/replay_read_bench, Release, this VM): ~87 ns from a plain-text
// file with BinanceParser's fast path (CaptureOptions::fast_path, on by default; ~186 ns without),
// of which the parse is ~40-60; a .gz capture adds zlib's inflate, ~210 ns per line, which then
// dominates (~3.5M lines/s).
//
// Threads: one reader per thread. Allocation: at construction and open() (1 MiB read buffer); a
// line longer than the buffer grows it (up to max_line_bytes); no allocation per line otherwise.
// Errors: open() returns NotFound/InvalidArgument naming the file; after next() returns false,
// status() is non-OK if reading stopped early (I/O error, truncated gzip stream).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/events.h"
#include "core/symbol_table.h"
#include "feed/binance_parser.h"
#include "feed/internal/capture_line.h"

struct gzFile_s;  // zlib's file handle, kept out of this header

namespace dmabot::feed {

using TimeUnit = internal::TimeUnit;

struct CaptureEvent {
  enum Kind : uint8_t { kMdTick, kTrade, kMarkPrice, kDepth, kSnapshot };
  static constexpr std::size_t kKindCount = 5;

  Kind kind = kMdTick;
  uint64_t line = 0;             // 1-based line number in the file
  core::UnixNanos ts_local = 0;  // the line's local receive time in ns (also in the event)
  // Only the member named by `kind` is meaningful. depth/snapshot level spans point into the
  // reader's parser: valid until the next call of next().
  core::MdTick tick;
  core::Trade trade;
  core::MarkPrice mark;
  DepthUpdate depth;
  DepthSnapshot snapshot;
};
std::string_view to_string(CaptureEvent::Kind k);

enum class LineError : uint8_t {
  kNone = 0,
  kNoSeparator,   // no space between time and JSON
  kBadLocalTime,  // not digits, overflows, implausible, or another unit than the file's first line
  kTooLong,       // longer than max_line_bytes
  kTruncated,     // unterminated last line that does not parse
  kParse,         // the JSON part did not parse: see LineIssue::parse_error
  kCount
};
std::string_view to_string(LineError e);
// What a line with this error should have looked like, for messages ("FILE:LINE: bad_local_time:
// expected ...").
std::string_view expectation(LineError e);

struct LineIssue {
  uint64_t line = 0;
  LineError error = LineError::kNone;
  ParseError parse_error = ParseError::kNone;  // for kParse / kTruncated
  std::string_view field;                      // the JSON field to blame, when there is one
};

struct CaptureStats {
  static constexpr std::size_t kMaxSamples = 100;

  uint64_t lines = 0;        // lines read, empty ones included
  uint64_t empty_lines = 0;  // blank lines: skipped, neither events nor malformed
  uint64_t events = 0;       // lines returned by next()
  std::array<uint64_t, CaptureEvent::kKindCount> by_kind{};
  uint64_t unknown = 0;      // well-formed, but not an event we produce
  std::array<uint64_t, static_cast<std::size_t>(ParseError::kCount)> unknown_by_reason{};
  uint64_t malformed = 0;
  std::array<uint64_t, static_cast<std::size_t>(LineError::kCount)> malformed_by_error{};
  std::array<uint64_t, static_cast<std::size_t>(ParseError::kCount)> parse_errors{};  // of malformed lines
  std::vector<LineIssue> samples;  // the first kMaxSamples malformed lines, in file order
  bool last_line_unterminated = false;

  [[nodiscard]] uint64_t count(CaptureEvent::Kind k) const { return by_kind[k]; }
  [[nodiscard]] uint64_t malformed_count(LineError e) const { return malformed_by_error[static_cast<std::size_t>(e)]; }
  [[nodiscard]] uint64_t unknown_count(ParseError e) const { return unknown_by_reason[static_cast<std::size_t>(e)]; }
};

struct CaptureOptions {
  // Captures are read offline, before other threads use the symbol table, so by default every
  // symbol met is interned; pass false to keep only the table's symbols (others count as unknown).
  bool allow_new_symbols = true;
  uint8_t feed_id = 0;
  std::size_t buffer_bytes = 1 << 20;
  std::size_t max_line_bytes = 64 << 20;
  // BinanceParser's bookTicker fast path (same results; off only to compare against the generic path).
  bool fast_path = true;
};

class CaptureReader {
 public:
  explicit CaptureReader(core::SymbolTable& symbols, CaptureOptions options = {});
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Opens (or re-opens) a capture and resets the stats. Errors name the file.
  absl::Status open(const std::string& path);
  // The next market-data event; false at the end of the file (or when nothing is open).
  bool next(CaptureEvent& out);

  [[nodiscard]] const CaptureStats& stats() const { return stats_; }
  // OK unless reading stopped early; meaningful once next() has returned false.
  [[nodiscard]] const absl::Status& status() const { return status_; }
  [[nodiscard]] TimeUnit time_unit() const { return unit_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const BinanceParser& parser() const { return parser_; }
  // How far reading has got, for progress bars: bytes of the file read so far (compressed bytes for
  // gzip, read ahead of the lines handed out by up to a buffer) and the file's size at open().
  [[nodiscard]] uint64_t file_offset() const;
  [[nodiscard]] uint64_t file_size() const { return file_size_; }

 private:
  enum class LineRead : uint8_t { kLine, kTooLong, kEnd };
  LineRead next_line(const char*& begin, std::size_t& size, bool& terminated);
  bool fill();  // reads more into the buffer; false at end of input
  bool fill_plain(std::size_t want);
  // True (and `out` filled) when the line is an event.
  bool handle_line(const char* begin, std::size_t size, bool terminated, CaptureEvent& out);
  void malformed(LineError e, ParseError pe = ParseError::kNone, std::string_view field = {});
  void close();

  CaptureOptions options_;
  BinanceParser parser_;
  gzFile_s* gz_ = nullptr;  // gzip files
  int fd_ = -1;             // plain files (read without zlib)
  uint64_t file_size_ = 0;
  uint64_t plain_read_ = 0;  // bytes read from fd_
  std::string path_;
  absl::Status status_;
  CaptureStats stats_;
  TimeUnit unit_ = TimeUnit::kUnknown;

  // buf_ = [consumed | head_..tail_ unread | free | kPadding never written by reads], so every
  // line has the padding the parser wants after it without being copied.
  std::vector<char> buf_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t scan_ = 0;  // no '\n' in [head_, scan_)
  bool eof_ = false;
  bool discarding_ = false;  // inside a too-long line: drop bytes up to the next '\n'
  uint64_t line_no_ = 0;
};

// True when the file's first non-blank line looks like `<digits> {`: a raw capture rather than a
// JSONL recording. False when it cannot be opened.
[[nodiscard]] bool is_raw_capture(const std::string& path);

}  // namespace dmabot::feed
