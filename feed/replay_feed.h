// feed/replay_feed.h — replays recorded market data (a raw Binance capture or a dmabot JSONL
// recording) as a Stage, paced by a simulated clock.
//
// EventSource yields the market events of one file in file order: MdTick, Trade or MarkPrice with
// the line's ts_local. It is a std::variant of the two readers, so the per-event call is a
// std::visit, not a virtual call:
//   CaptureSource   — CaptureReader over `<local ns> <json>` lines (gzip or plain). Depth updates,
//                     REST snapshots, empty lines and well-formed messages we do not handle are
//                     counted as skipped; malformed lines are counted with their line numbers.
//   RecordingSource — JsonlReader + EventDecoder over a recording (core/recorder.h). Only md, trade
//                     and mark lines are yielded; `ctl` position_adjust lines (positions the engine
//                     did not trade: a live venue's start position, reconciliation, user-data events)
//                     are kept for take_controls(); every other line (config, end, sig, ord, exec,
//                     other ctl, empty) is counted as skipped; a line that does not decode (truncated
//                     last line included) is counted as malformed with line number and reason.
//                     Nothing throws.
//   CacheSource     — a binary event cache (feed/event_cache.h: `dmabot convert`): fixed-size records
//                     copied straight into the event, read with read(2) in ~1 MiB blocks. Its "line"
//                     is the record number (1-based). An unknown record kind, a record cut short by
//                     the end of the file or bytes past the last record are counted as malformed
//                     with their record number; a file shorter than its header says also makes
//                     status() non-OK. Its symbol names are interned at open().
// open_source() picks the reader by sniffing: the event cache's magic bytes, then
// feed::is_raw_capture(), else a JSONL file whose first non-blank line is a "kind":"config" header;
// anything else is an InvalidArgument naming the file.
//
// ReplayFeed emits, per poll, up to 64 events whose ts_local <= clock.now(): MdTicks go to every
// FeedOutput whose shard owns the symbol (symbol % shard_count == shard_index, as MockFeed), every
// Trade to every trade ring, every MarkPrice to every mark ring. An event that cannot be delivered
// because a ring is full stays pending (the rings that took it are not offered it again); nothing
// is dropped or reordered. next_wakeup() is the ts_local of the next undelivered event (kNever at
// EOF), so a simulated-time driver jumps the clock from event to event. A ts_local older than the
// previous one is delivered at once and counted (out_of_order): the clock is never asked to go
// backwards, since next_wakeup() never reports less than the latest time already delivered.
//
// Recorded position adjustments: with ReplayOptions::control_out, each position_adjust line of a
// recording goes to risk's control path (RiskRings::control_in, handled as the control queue's
// kPositionAdjust) at its place in the file: when the clock reaches its ts_local, and at the latest
// just before the market event that followed it in the file. So a replay holds the inventory the
// recorded run held (risk's inventory limits, PnL and the strategies' skew follow from it). The
// recorded symbol is mapped by name like the events, the venue index is kept (a venue the replay does
// not have is ignored by risk). Without control_out (or from captures and caches) there are none.
//
// ReplayOptions can map symbols onto the engine's table (skipping others), restrict the replay to a
// time window, and tap what is delivered to the recorder; skipped events are counted in stats().
//
// Threads: construct on the control thread; poll()/next_wakeup() on the stage's thread; finished()
// and stop() from any thread; stats() from the stage's thread or after it has stopped.
// Allocation: the readers' buffers at open_source() (a cache interns all its symbols there too);
// the first event is read in the constructor;
// none per event after that, except the few malformed-line samples (capped) and interning a new
// symbol name met in the file (SymbolTable::add) — so the SymbolTable given to open_source() must
// not be read by other threads while a replay runs unless all its symbols are already known.
// Errors: open_source() returns NotFound/InvalidArgument naming the file; after EOF, status() is
// non-OK if reading stopped early (I/O error, truncated gzip stream).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/event_codec.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/recorder.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "feed/capture_reader.h"
#include "feed/mock_feed.h"

namespace dmabot::feed {

struct ReplayEvent {
  enum Kind : uint8_t { kMdTick, kTrade, kMarkPrice };
  static constexpr std::size_t kKindCount = 3;

  Kind kind = kMdTick;
  uint64_t line = 0;             // 1-based line number in the file
  core::UnixNanos ts_local = 0;  // also stored in the event itself
  // Only the member named by `kind` is meaningful.
  core::MdTick tick;
  core::Trade trade;
  core::MarkPrice mark;
};
std::string_view to_string(ReplayEvent::Kind k);

struct ReplayIssue {
  uint64_t line = 0;
  std::string reason;  // e.g. "parse: field 'b': ..." or "malformed: ..."
};

struct SourceStats {
  static constexpr std::size_t kMaxSamples = 32;
  uint64_t lines = 0;  // lines read (capture: every line; recording: every line incl. header)
  std::array<uint64_t, ReplayEvent::kKindCount> events{};  // yielded, per kind
  uint64_t skipped = 0;              // well-formed lines that are not md/trade/mark (see the overview)
  uint64_t malformed = 0;            // lines that could not be read
  std::vector<ReplayIssue> samples;  // the first kMaxSamples malformed lines, in file order

  [[nodiscard]] uint64_t count(ReplayEvent::Kind k) const { return events[k]; }
  [[nodiscard]] uint64_t total_events() const { return events[0] + events[1] + events[2]; }
};

// done / total in [0, 1]; -1 when the total is unknown (empty file, stat failed).
inline double fraction(uint64_t done, uint64_t total) {
  if (total == 0) return -1.0;
  return done >= total ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
}

class CaptureSource {
 public:
  explicit CaptureSource(core::SymbolTable& symbols, CaptureOptions options = {});
  absl::Status open(const std::string& path) { return reader_->open(path); }
  bool next(ReplayEvent& out);
  [[nodiscard]] SourceStats stats() const;  // built from CaptureStats (cold: allocates)
  [[nodiscard]] absl::Status status() const { return reader_->status(); }
  [[nodiscard]] const CaptureReader& reader() const { return *reader_; }
  [[nodiscard]] double progress() const { return fraction(reader_->file_offset(), reader_->file_size()); }

 private:
  std::unique_ptr<CaptureReader> reader_;  // not movable itself; the variant must be
  CaptureEvent ev_;
};

class RecordingSource {
 public:
  explicit RecordingSource(core::SymbolTable& symbols,
                           std::size_t max_line_bytes = core::JsonlReader::kDefaultMaxLineBytes);
  // Opens the file and requires its first non-blank line to be a "config" header. A first line longer
  // than max_line_bytes gives an OutOfRange status (the limit, not the file, may be what is wrong).
  absl::Status open(const std::string& path);
  bool next(ReplayEvent& out);
  [[nodiscard]] SourceStats stats() const { return stats_; }
  [[nodiscard]] absl::Status status() const { return reader_->status(); }
  // The recording's header (program, config pairs), valid after open().
  [[nodiscard]] const core::ConfigHeader& header() const { return decoder_.config_header(); }
  [[nodiscard]] double progress() const { return fraction(reader_->file_offset(), reader_->file_size()); }
  // The position_adjust lines read since the last call (those before the event next() returned last),
  // appended to `out` in file order; their symbols are the source's ids. Returns how many.
  std::size_t take_controls(std::vector<core::Control>& out) {
    const std::size_t n = controls_.size();
    out.insert(out.end(), controls_.begin(), controls_.end());
    controls_.clear();
    return n;
  }

 private:
  void malformed(uint64_t line, std::string_view reason);
  std::vector<core::Control> controls_;
  std::unique_ptr<core::JsonlReader> reader_;
  core::EventDecoder decoder_;
  core::RecordedEvent rec_;
  SourceStats stats_;
  bool done_ = false;
};

// What a cache file's header says about itself and the file it was made from (informational).
struct EventCacheInfo {
  uint32_t version = 0;
  uint64_t records = 0;                                    // events the writer wrote
  std::array<uint64_t, ReplayEvent::kKindCount> events{};  // of which, per kind
  std::string source_path;                                 // as given to the writer
  uint64_t source_size = 0;                                // bytes, at conversion time
  int64_t source_mtime_ns = 0;
  uint64_t source_lines = 0, source_skipped = 0, source_malformed = 0;  // the source's SourceStats
  bool source_incomplete = false;    // the source stopped early (truncated gzip...): events after that are missing
  std::vector<std::string> symbols;  // in cache id order
};

// Reader of a binary event cache (format: feed/event_cache.h). Movable, not copyable. One thread.
// open() allocates (a ~1 MiB block buffer, the symbol names); next() copies records out of the
// block and reads the next block with pread(2) when it runs out, without allocating (the capped
// malformed samples aside).
class CacheSource {
 public:
  explicit CacheSource(core::SymbolTable& symbols) : symbols_(&symbols) {}

  // Reads and checks the header (magic, version, byte order, event layout, header checksum, a
  // finished writer) and interns the symbol names. Errors are InvalidArgument/NotFound naming the file.
  absl::Status open(const std::string& path);
  bool next(ReplayEvent& out);
  [[nodiscard]] SourceStats stats() const { return stats_; }
  // Non-OK (DataLoss, naming the file) after EOF when the file is shorter than its header says, a
  // read failed, or the cache was made from a source that stopped early; and as soon as a block
  // fails its checksum (none of its records is handed out: the replay ends there), naming the
  // block, its records and its byte range.
  [[nodiscard]] absl::Status status() const { return status_; }
  [[nodiscard]] double progress() const;
  [[nodiscard]] const EventCacheInfo& info() const { return info_; }

 private:
  bool refill();  // reads the next block of whole records; false at the end
  void malformed(uint64_t record, std::string_view reason);
  void finish();  // end of the records: account for a cut or trailing bytes

  // Owns the descriptor; moving hands it over, so CacheSource can live in the variant.
  struct Fd {
    int fd = -1;
    Fd() = default;
    Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
    Fd& operator=(Fd&& o) noexcept;
    ~Fd() { reset(); }
    void reset();
  };

  core::SymbolTable* symbols_;
  Fd fd_;
  std::string path_;
  EventCacheInfo info_;
  std::vector<core::SymbolId> id_map_;  // cache symbol id -> id in symbols_
  std::vector<char> buf_;
  std::size_t cur_ = 0;  // next record in buf_
  std::size_t end_ = 0;  // end of the whole records in buf_
  uint64_t file_size_ = 0;
  uint64_t records_offset_ = 0;
  uint64_t slots_present_ = 0;  // whole record/seal slots in the file
  uint64_t complete_ = 0;       // whole records present: min(header count, what the file holds)
  uint64_t loaded_ = 0;         // records read into buf_ so far
  uint64_t block_no_ = 0;       // blocks read into buf_ so far
  uint64_t record_no_ = 0;      // records handed out or rejected so far
  SourceStats stats_;
  absl::Status status_;
  bool done_ = false;
};

class EventSource {
 public:
  using Impl = std::variant<CaptureSource, RecordingSource, CacheSource>;
  explicit EventSource(Impl impl) : impl_(std::move(impl)) {}

  // The next market event in file order; false at EOF.
  bool next(ReplayEvent& out) {
    return std::visit([&](auto& s) { return s.next(out); }, impl_);
  }
  [[nodiscard]] SourceStats stats() const {
    return std::visit([](const auto& s) { return s.stats(); }, impl_);
  }
  // OK unless reading stopped early; meaningful once next() has returned false.
  [[nodiscard]] absl::Status status() const {
    return std::visit([](const auto& s) { return s.status(); }, impl_);
  }
  [[nodiscard]] bool is_capture() const { return std::holds_alternative<CaptureSource>(impl_); }
  [[nodiscard]] bool is_cache() const { return std::holds_alternative<CacheSource>(impl_); }
  // Share of the file read so far (bytes; compressed bytes for gzip), -1 when unknown. Cold path.
  [[nodiscard]] double progress() const {
    return std::visit([](const auto& s) { return s.progress(); }, impl_);
  }
  [[nodiscard]] Impl& impl() { return impl_; }
  // Recorded position adjustments read so far (RecordingSource::take_controls; none from the others).
  std::size_t take_controls(std::vector<core::Control>& out) {
    if (auto* r = std::get_if<RecordingSource>(&impl_)) return r->take_controls(out);
    return 0;
  }

 private:
  Impl impl_;
};

struct SourceOptions {
  // Longest line a capture or recording may have (REPLAY_MAX_LINE_BYTES); a longer one is skipped
  // in bounded memory and counted as malformed with its line number.
  std::size_t max_line_bytes = core::JsonlReader::kDefaultMaxLineBytes;
};

// Opens `path` as an event cache, a raw capture or a JSONL recording (see the overview). Symbols met are interned
// into `symbols`, which must outlive the source. Only regular files are read: a directory, a FIFO,
// a device (/dev/zero) or a socket is an InvalidArgument naming the file and what it is.
absl::StatusOr<std::unique_ptr<EventSource>> open_source(const std::string& path, core::SymbolTable& symbols,
                                                         const SourceOptions& options = {});

struct ReplayStats {
  std::array<uint64_t, ReplayEvent::kKindCount> delivered{};  // fully delivered, per kind
  uint64_t out_of_order = 0;                                  // events whose ts_local was older than an earlier one's
  uint64_t first_out_of_order_line = 0;                       // line (record) of the first such event; 0 when none
  int64_t first_out_of_order_ns = 0;                          // how far back in time it went
  int64_t max_out_of_order_ns = 0;                            // the largest step back
  uint64_t unconfigured_symbol = 0;                           // events skipped: symbol not in ReplayOptions::symbols
  uint64_t outside_window = 0;                                // events skipped: ts_local outside [from, until)
  SourceStats source;
};

// Optional behaviour of a ReplayFeed (defaults: every event, ids as the source interned them).
struct ReplayOptions {
  // When both are set, each event's symbol id (interned by the source into source_symbols) is mapped
  // by name onto `symbols` (the engine's table, never modified); events of other symbols are skipped
  // and counted. The map grows by one entry per new source symbol (the only allocation per event).
  const core::SymbolTable* source_symbols = nullptr;
  const core::SymbolTable* symbols = nullptr;
  // Only events with from <= ts_local < until are delivered; the others are skipped and counted.
  core::UnixNanos from = INT64_MIN;
  core::UnixNanos until = INT64_MAX;
  // Lossless recorder taps (core::tap_blocking) of what is delivered; nullable.
  core::SpscRing<core::MdTick>* record_md = nullptr;
  core::SpscRing<core::Trade>* record_trade = nullptr;
  core::SpscRing<core::MarkPrice>* record_mark = nullptr;
  core::Counter* recorder_waits = nullptr;
  // Recorded position adjustments to risk (see above); nullable: not replayed.
  core::SpscRing<core::Control>* control_out = nullptr;
};

class ReplayFeed final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kMaxOutputs = 64;  // per vector (a bit per ring in the pending mask)

  // source: non-null. md_outputs/trade_outputs/mark_outputs: at most kMaxOutputs each (extra ones
  // are ignored); empty vectors are fine (those events are then consumed and counted only).
  // ticks_by_symbol: one counter per symbol id (nullable entries; ids beyond the vector not counted).
  // Reads the first event from the file (so next_wakeup() is right before the first poll).
  ReplayFeed(std::unique_ptr<EventSource> source, const core::Clock& clock, std::vector<FeedOutput> md_outputs,
             std::vector<core::SpscRing<core::Trade>*> trade_outputs,
             std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs, std::vector<core::Counter*> ticks_by_symbol,
             ReplayOptions options = {});

  int poll() override;
  // Ends the replay at the next poll (events not yet started are not delivered). Any thread.
  void stop() { stop_.store(true, std::memory_order_release); }
  std::string_view name() const override { return "replay_feed"; }
  int64_t next_wakeup() const override;

  // True at EOF with nothing pending.
  [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }
  [[nodiscard]] ReplayStats stats() const;
  // Recorded position adjustments handed to control_out so far (the stage's thread, or after it stopped).
  [[nodiscard]] uint64_t controls_delivered() const { return controls_delivered_; }
  [[nodiscard]] absl::Status status() const { return source_->status(); }
  // Share of the file read so far, -1 when unknown (see EventSource::progress()).
  [[nodiscard]] double progress() const { return source_ != nullptr ? source_->progress() : -1.0; }

 private:
  void fetch();  // reads the next event that passes the options (or sets eof)
  // Hands recorded adjustments to control_out: those due at `now`, or all read so far when `all`.
  int deliver_controls(core::UnixNanos now, bool all);
  bool accept(ReplayEvent& e);  // symbol map + window; false = skip it
  core::SymbolId map_symbol(core::SymbolId source_id);
  uint64_t md_mask(core::SymbolId sym);  // md outputs owning the symbol (cached per symbol)
  void start_delivery() noexcept;        // accounts next_ and computes the pending mask
  bool deliver_pending() noexcept;       // true when every owed ring has the event

  std::unique_ptr<EventSource> source_;
  const core::Clock& clock_;
  std::vector<FeedOutput> md_outputs_;
  std::vector<core::SpscRing<core::Trade>*> trade_outputs_;
  std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs_;
  std::vector<core::Counter*> ticks_by_symbol_;
  ReplayOptions opt_;
  std::vector<core::SymbolId> symbol_map_;  // source id -> engine id (kNoSymbol = not configured)
  std::vector<uint64_t> md_mask_;           // symbol id -> md outputs that own it
  uint64_t unconfigured_symbol_ = 0;
  uint64_t outside_window_ = 0;

  ReplayEvent next_;
  bool have_next_ = false;
  std::vector<core::Control> controls_;  // recorded adjustments read, not yet handed over (from controls_head_)
  std::size_t controls_head_ = 0;
  uint64_t controls_delivered_ = 0;
  uint64_t pending_mask_ = 0;            // rings still owed next_ (of the vector for next_.kind)
  core::UnixNanos last_ts_ = INT64_MIN;  // latest ts_local delivered so far
  std::array<uint64_t, ReplayEvent::kKindCount> delivered_{};
  uint64_t out_of_order_ = 0;
  uint64_t first_backwards_line_ = 0;
  int64_t first_backwards_ns_ = 0;
  int64_t max_backwards_ns_ = 0;
  std::atomic<bool> finished_{false};
  std::atomic<bool> stop_{false};
};

}  // namespace dmabot::feed
