// core/recorder.h — writes every tapped event to a JSONL file (schema: core/event_codec.h) on its
// own thread, and JsonlReader, which reads such files back line by line.
//
// Producers never talk to the recorder directly: each one copies its events into its own tap ring
// with core::tap_blocking (core/tap.h), which waits instead of dropping when the ring is full, so the
// recording is complete. The recorder thread polls its input rings round-robin (up to 64 events per
// ring per pass), numbers the lines 1, 2, 3, ... in file order, encodes them into one big buffer and
// hands that buffer to write(2) whole: every write() holds only complete lines, so a crash (even
// kill -9) leaves complete lines plus at most one partial last line, which readers report as
// truncated. The buffer is written when it is nearly full, when the thread is about to sleep (the
// rings went quiet), and at the latest flush_interval after its oldest line was encoded (50 ms by
// default) — so under load one write() carries many lines, and a quiet engine's file is current.
// When every ring is empty the thread yields a few times, then sleeps (50 µs doubling up to
// max_idle_sleep).
//
// Lifecycle, all from one control thread: construct -> add_input()... -> open() -> start() -> ...
// -> stop(). stop() must come after the producers have stopped: it drains every ring until a full
// pass finds nothing, writes the "end" footer, flushes and fsyncs. stop() also works when start()
// was never called (it drains on the caller's thread), and is idempotent; the destructor calls it.
// written(), backlog(), status(), io_errors() may be called from any thread at any time.
//
// Allocation: the write buffer and input table at construction/add_input; the config header in
// open(). None per event.
// Errors: open() returns a one-line status naming the file. A failed write() never crashes and
// never blocks the producers: the recorder keeps draining its rings, counts io_errors() and the
// lines it could not write (lines_lost()), remembers the first error in status() and logs it once
// (an error line naming the file, when the losses start). A write that fails part-way (disk full)
// is cut back to its last complete line (ftruncate), so the file never holds a partial line that a
// later write would continue: when space comes back, writing resumes with whole lines (the gap shows
// in the `seq` numbers). If even the cut fails, every later line is counted as lost instead.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/event_codec.h"
#include "core/events.h"
#include "core/input_sequence.h"
#include "core/journal.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"

namespace dmabot::core {

// kJsonl: one JSON line per event (core/event_codec.h). kJournal: one fixed 72-byte slot per event
// (core/journal.h), no text formatting on the recorder thread; every reader of recordings reads it
// and `dmabot export` turns it into the same JSONL.
enum class RecordFormat : uint8_t { kJsonl, kJournal };

struct RecorderOptions {
  std::string program = "dmabot";  // "program" in the config header (name and version)
  RecordFormat format = RecordFormat::kJsonl;
  std::size_t buffer_bytes = 1 << 20;      // encode buffer; one write() per fill
  int64_t flush_interval_ns = 50'000'000;  // oldest buffered line waits at most this long
  int64_t max_idle_sleep_ns = 200'000;     // back-off cap when all rings are empty
  bool fsync_on_stop = true;
  // Rotation (0 = off): when the file holds rotate_bytes, or rotate_interval_ns after it was started,
  // the recorder closes it with its footer and goes on in PATH.1, PATH.2, ... Each file is a whole
  // recording (config header; a journal names its own symbols; the footer counts that file's lines);
  // seq runs on across files. Checked when the buffer is written, so files end on whole lines.
  uint64_t rotate_bytes = 0;
  int64_t rotate_interval_ns = 0;
};

class Recorder {
 public:
  // symbols: read-only from the recorder thread; must not change after start().
  Recorder(std::string path, const SymbolTable& symbols, std::vector<std::pair<std::string, std::string>> config_pairs,
           RecorderOptions options = {});
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Creates or truncates the file and writes the config header (keys for which is_secret_key() is
  // true are left out). Error: "cannot open recording file '<path>': <reason>".
  absl::Status open();

  // Adds a tap ring to drain (this thread becomes its consumer). Before start(); ring must outlive
  // the recorder. T: MdTick, Trade, MarkPrice, Signal, Order, ExecReport or Control.
  // Also SpscRing<TakeBlock> (a decision stage's input takes, core/input_sequence.h): journal take
  // slots, no seq and no line; a JSONL recorder drains and drops them (the engine makes none then).
  template <class T>
  void add_input(SpscRing<T>* ring) {
    static_assert(kRecordable<T> || std::is_same_v<T, TakeBlock>,
                  "the recorder has no line format for this event type");
    if (ring == nullptr) return;
    inputs_.push_back(Input{ring, &drain_ring<T>, &ring_size<T>});
  }

  // Optional, before start(): publishes recorder_lines_total{kind}, recorder_bytes_total,
  // recorder_io_errors_total and recorder_lines_lost_total in `registry` (recorder_backlog is left
  // to the caller: see backlog()).
  void attach_metrics(Registry& registry);

  void start();
  void stop();
  // Deterministic mode (replay, backtest, fused runs): instead of start(), the driving thread calls
  // this after every pass over the stages. It drains every ring round-robin until all are empty, so
  // the file's line order depends only on the order of the stages' work, never on thread timing.
  // Only between open() and stop(), and never together with start(). Returns events written.
  int drain_inline();

  // Lines written (encoded into the file stream) per kind; relaxed reads, any thread.
  [[nodiscard]] uint64_t written(EventKind k) const { return lines_[static_cast<std::size_t>(k)]->value(); }
  [[nodiscard]] uint64_t written_total() const;
  // Journal take slots written (the recorder's thread, or any thread after stop()).
  [[nodiscard]] uint64_t takes_written() const { return takes_written_; }
  // Events waiting in the input rings (sum of size_approx); any thread.
  [[nodiscard]] std::size_t backlog() const;
  // OK, or the first I/O error (one line naming the file).
  [[nodiscard]] absl::Status status() const;
  [[nodiscard]] uint64_t io_errors() const { return io_errors_->value(); }
  // Lines that were encoded but could not be written because write() failed.
  [[nodiscard]] uint64_t lines_lost() const { return lines_lost_->value(); }
  [[nodiscard]] const std::string& path() const { return path_; }
  // The file being written now (path(), or PATH.N after N rotations) and how many rotations happened.
  // The recorder's thread, or any thread after stop().
  [[nodiscard]] const std::string& current_path() const { return segment_path_; }
  [[nodiscard]] uint64_t rotations() const { return segment_; }

 private:
  struct Input {
    void* ring;
    std::size_t (*drain)(Recorder&, void*, std::size_t budget);
    std::size_t (*size)(const void*);
  };
  template <class T>
  static std::size_t drain_ring(Recorder& r, void* ring, std::size_t budget) {
    auto* q = static_cast<SpscRing<T>*>(ring);
    std::size_t n = 0;
    for (; n < budget; ++n) {
      T* e = q->front();
      if (e == nullptr) break;
      r.append(*e);
      q->pop();
    }
    return n;
  }
  template <class T>
  static std::size_t ring_size(const void* ring) {
    return static_cast<const SpscRing<T>*>(ring)->size_approx();
  }
  void append(const TakeBlock& t) {
    if (!journal_) return;
    if (buf_.size() - len_ < journal::kSlotBytes) flush();
    len_ += journal::kSlotBytes * journal::write_take(t, slot_at(len_));
    ++takes_written_;
  }
  template <class T>
  void append(const T& e) {
    constexpr auto k = static_cast<std::size_t>(event_kind_of<T>());
    // A full buffer is written (and the file rotated when due) before the event, never inside it:
    // the writes below (write_buffer) do not rotate, so a journal's symbols and the event that names
    // them always land in the same file.
    if (journal_) {
      if (buf_.size() - len_ < journal::kSlotBytes) flush();
      if (symbols_.size() != symbols_written_) append_symbols();
      if (buf_.size() - len_ < journal::kSlotBytes) write_buffer();
      len_ += journal::kSlotBytes * journal::write_event(e, next_seq_, slot_at(len_));
    } else {
      if (buf_.size() - len_ < kLineReserve) flush();
      std::size_t n = encode(e, next_seq_, symbols_, buf_.data() + len_, buf_.size() - len_);
      if (n == 0) {  // a symbol name too long for kLineReserve: give the line the whole buffer
        write_buffer();
        n = encode(e, next_seq_, symbols_, buf_.data() + len_, buf_.size() - len_);
        if (n == 0) return;  // longer than the whole buffer: cannot happen with sane names
      }
      len_ += n;
    }
    if (pending_lines_ == 0) oldest_ns_ = now_ns_;
    ++next_seq_;
    ++pending_lines_;
    lines_[k]->inc();
  }
  // Journal: the buffer holds whole slots from its start (len_ is a multiple of kSlotBytes).
  journal::Slot* slot_at(std::size_t offset) { return reinterpret_cast<journal::Slot*>(buf_.data() + offset); }
  void append_symbols();  // journal: symbol records for the ids not written yet (cold: once per symbol)
  // Whole lines (JSONL) or whole event slots (journal) in data[0, n): what a failed write keeps.
  [[nodiscard]] std::size_t whole_prefix(const char* data, std::size_t done, uint64_t& lines) const;

  void thread_main();
  // One round-robin pass; returns events handled. budget_used: whether some ring gave kBudget events
  // (it may hold more).
  int drain_pass(bool* budget_used = nullptr);
  void finish();         // drain to empty, footer, flush, fsync, close
  void flush();          // write the whole buffer, then rotate when due
  void write_buffer();   // write the whole buffer
  void append_footer();  // the footer of the current file into the buffer
  [[nodiscard]] bool rotation_due() const;
  void rotate();  // footer, close, next file, header (cold: the recorder's thread)
  void write_all(const char* data, std::size_t n, uint64_t lines);
  void record_error(int err, std::string_view what);

  static constexpr std::size_t kLineReserve = 1024;  // >= max_event_line_bytes() for names <= 100 chars
  static constexpr std::size_t kBudget = 64;         // events per ring per pass

  const std::string path_;
  const SymbolTable& symbols_;
  const std::vector<std::pair<std::string, std::string>> config_pairs_;
  const RecorderOptions options_;

  std::vector<Input> inputs_;
  const bool journal_;
  std::size_t symbols_written_ = 0;  // journal: ids [0, symbols_written_) have their symbol record
  std::vector<char> buf_;
  std::size_t len_ = 0;
  uint64_t pending_lines_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t takes_written_ = 0;
  int64_t now_ns_ = 0;     // monotonic time of the current pass
  int64_t oldest_ns_ = 0;  // when the first buffered line was encoded
  int fd_ = -1;

  enum class State : uint8_t { kNew, kOpen, kRunning, kClosed };
  State state_ = State::kNew;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  std::array<Counter, kEventKindCount> own_lines_;
  std::array<Counter*, kEventKindCount> lines_{};
  Counter own_bytes_, own_io_errors_;
  Counter* bytes_ = &own_bytes_;
  Counter* io_errors_ = &own_io_errors_;
  Counter own_lines_lost_;
  Counter* lines_lost_ = &own_lines_lost_;  // written by the recorder's thread only (inc_shared: open() too)
  uint64_t file_bytes_ = 0;                 // bytes of complete lines in the file (the write offset)
  std::string header_;                      // the file header every file starts with (open(), rotate())
  std::string segment_path_;                // the file being written
  uint64_t segment_ = 0;                    // rotations so far
  int64_t segment_start_ns_ = 0;
  uint64_t rotate_retry_bytes_ = 0;                       // a failed rotation waits for this many more bytes
  std::array<uint64_t, kEventKindCount> segment_base_{};  // lines_ when the current file started
  mutable std::mutex status_mu_;                          // cold: taken only on an I/O error and by status()
  absl::Status status_;
};

// Reads a JSONL file line by line through one large buffer: no allocation per line (a line longer
// than the buffer grows it, up to max_line_bytes). Each returned line excludes its '\n' and is
// followed by at least kJsonPadding readable bytes, so it can go straight to
// EventDecoder::decode_padded(). A line longer than max_line_bytes is skipped in bounded memory (its
// bytes are read and dropped up to its '\n') and reported as kTooLong, so memory never exceeds
// about max_line_bytes + buffer_bytes whatever the input.
// A journal (RECORD_FORMAT=journal, core/journal.h) is read the same way: open() recognises its magic
// bytes and next() hands out each slot rendered as the JSONL line the recorder would have written
// (config header first, "end" footer last), so every reader of recordings reads both formats; a
// partial last slot comes back as kTruncated (a line that does not parse), like a partial last line.
// Threads: one reader per thread. Errors: open() and kError carry one line naming the file.
class JsonlReader {
 public:
  enum class Result : uint8_t {
    kLine,       // a complete line ('\n'-terminated)
    kTruncated,  // the file's last bytes had no '\n': a partial line (crash mid-write); then kEof
    kTooLong,    // a line longer than max_line_bytes, skipped (line is empty; line_number() is its number)
    kEof,
    kError,  // read() failed; see status()
  };
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{64} << 20;

  explicit JsonlReader(std::size_t buffer_bytes = 1 << 20, std::size_t max_line_bytes = kDefaultMaxLineBytes);
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  absl::Status open(const std::string& path);
  // The next line; `line` stays valid until the next call.
  [[nodiscard]] Result next(std::string_view& line);
  // 1-based number of the line last returned (for messages: "file.jsonl:12: ...").
  [[nodiscard]] uint64_t line_number() const { return line_no_; }
  [[nodiscard]] const absl::Status& status() const { return status_; }
  // Bytes read from the file so far (ahead of the lines handed out by up to a buffer) and its size
  // at open(): for progress bars.
  [[nodiscard]] uint64_t file_offset() const { return read_total_; }
  [[nodiscard]] uint64_t file_size() const { return file_size_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::size_t max_line_bytes() const { return max_line_; }
  // The line buffer's size now: never more than max(buffer_bytes, max_line_bytes + 1).
  [[nodiscard]] std::size_t buffer_capacity() const { return cap_; }
  // Journal: the take slots (core/input_sequence.h), which give no line, go to `fn` as they are read.
  // Before open().
  void set_take_sink(journal::JournalRenderer::TakeSink fn, void* ctx) {
    take_sink_ = fn;
    take_ctx_ = ctx;
  }
  // Journal: whether the file's "end" footer has been read (a clean stop).
  [[nodiscard]] bool saw_footer() const { return journal_ != nullptr && journal_->saw_footer(); }

 private:
  bool fill();                  // reads more after compacting; false at EOF or error
  absl::Status open_journal();  // after open(): header checked, config line kept, file at the first slot
  Result next_journal(std::string_view& line);
  bool fill_raw();  // journal: more file bytes into raw_; false at EOF or error
  // One read(2) into buf[end, cap), retried on EINTR: true with end advanced; false at EOF (eof_) or
  // on an error (status_).
  bool read_into(char* buf, std::size_t cap, std::size_t& end);
  Result skip_long_line();  // drops the current line's bytes up to its '\n' (or EOF)
  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;  // capacity + kJsonPadding
  std::size_t cap_;
  std::size_t max_line_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes are [begin_, end_)
  std::size_t scan_ = 0;             // bytes from begin_ already known to hold no '\n'
  bool eof_ = false;
  uint64_t line_no_ = 0;
  uint64_t read_total_ = 0;
  uint64_t file_size_ = 0;
  absl::Status status_;
  // Journal mode: the file's bytes in raw_[raw_begin_, raw_end_), rendered line by line into buf_.
  std::unique_ptr<journal::JournalRenderer> journal_;
  journal::JournalRenderer::TakeSink take_sink_ = nullptr;
  void* take_ctx_ = nullptr;
  std::string config_line_;  // the header's config line, handed out first
  std::vector<char> raw_;
  std::size_t raw_begin_ = 0, raw_end_ = 0;
  uint64_t raw_offset_ = 0;  // file offset of raw_[raw_begin_]
};

}  // namespace dmabot::core
