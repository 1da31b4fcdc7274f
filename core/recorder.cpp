#include "core/recorder.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "core/input_file.h"
#include "core/log.h"
#include "core/runner.h"
#include "core/strings.h"

namespace dmabot::core {

Recorder::Recorder(std::string path, const SymbolTable& symbols,
                   std::vector<std::pair<std::string, std::string>> config_pairs, RecorderOptions options)
    : path_(std::move(path)),
      symbols_(symbols),
      config_pairs_(std::move(config_pairs)),
      options_(std::move(options)),
      journal_(options_.format == RecordFormat::kJournal) {
  buf_.resize(std::max<std::size_t>(options_.buffer_bytes, 4 * kLineReserve));
  for (std::size_t k = 0; k < kEventKindCount; ++k) lines_[k] = &own_lines_[k];
}

Recorder::~Recorder() { stop(); }

absl::Status Recorder::open() {
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(str_cat("recording file '", path_, "' already opened"));
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return absl::UnavailableError(str_cat("cannot open recording file '", path_, "': ", std::strerror(errno)));
  }
  state_ = State::kOpen;
  header_ = encode_config_header(options_.program, config_pairs_);
  if (journal_) header_ = journal::encode_file_header(header_);
  segment_path_ = path_;
  segment_start_ns_ = monotonic_ns();
  write_all(header_.data(), header_.size(), 1);
  if (io_errors() != 0) return status();
  return absl::OkStatus();
}

void Recorder::attach_metrics(Registry& registry) {
  for (std::size_t k = 0; k < kEventKindCount; ++k) {
    Labels labels;
    labels.pairs.emplace_back("kind", std::string(to_string(record_kind(static_cast<EventKind>(k)))));
    lines_[k] =
        &registry.add_counter("recorder_lines_total", "Event lines written to the recording file.", std::move(labels));
  }
  bytes_ = &registry.add_counter("recorder_bytes_total", "Bytes written to the recording file.");
  io_errors_ = &registry.add_counter("recorder_io_errors_total", "Failed writes to the recording file.");
  lines_lost_ = &registry.add_counter("recorder_lines_lost_total",
                                      "Event lines that could not be written to the recording file.");
}

void Recorder::start() {
  if (state_ == State::kRunning || state_ == State::kClosed) return;
  if (state_ == State::kNew) {
    // Producers may already be tapping into the rings: drain them anyway (counting the lines as lost)
    // rather than let tap_blocking stall the hot path forever.
    std::lock_guard<std::mutex> lock(status_mu_);
    status_ = absl::FailedPreconditionError(str_cat("recording file '", path_, "' was never opened"));
  }
  state_ = State::kRunning;
  stop_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] { thread_main(); });
}

void Recorder::stop() {
  switch (state_) {
    case State::kRunning:
      stop_.store(true, std::memory_order_release);
      thread_.join();  // the thread runs finish()
      break;
    case State::kOpen:
      finish();
      break;
    case State::kNew:
    case State::kClosed:
      break;
  }
  state_ = State::kClosed;
}

uint64_t Recorder::written_total() const {
  uint64_t n = 0;
  for (const Counter* c : lines_) n += c->value();
  return n;
}

std::size_t Recorder::backlog() const {
  std::size_t n = 0;
  for (const Input& in : inputs_) n += in.size(in.ring);
  return n;
}

absl::Status Recorder::status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

int Recorder::drain_inline() {
  if (state_ != State::kOpen) return 0;
  // No clock read: inline mode flushes when the buffer fills and at stop, never by age. Producers are
  // this thread's stages, so nothing arrives during a pass: another pass is needed only when one ring
  // gave its whole budget (the common case, a pass finding a few events, is one walk over the rings).
  int total = 0;
  bool more = true;
  while (more) {
    const int n = drain_pass(&more);
    total += n;
  }
  return total;
}

int Recorder::drain_pass(bool* budget_used) {
  std::size_t n = 0;
  bool full = false;
  for (const Input& in : inputs_) {
    const std::size_t k = in.drain(*this, in.ring, kBudget);
    n += k;
    full |= k == kBudget;
  }
  if (budget_used != nullptr) *budget_used = full;
  return static_cast<int>(n);
}

void Recorder::thread_main() {
  name_current_thread("recorder");
  uint32_t idle_passes = 0;
  int64_t sleep_ns = 50'000;
  while (!stop_.load(std::memory_order_acquire)) {
    now_ns_ = monotonic_ns();
    const int handled = drain_pass();
    if (len_ != 0 && (now_ns_ - oldest_ns_ >= options_.flush_interval_ns)) flush();
    if (handled != 0) {
      idle_passes = 0;
      sleep_ns = 50'000;
      continue;
    }
    // Nothing to do: yield a few times (a burst usually follows within microseconds), then sleep with
    // a doubling back-off so an idle recorder costs almost no CPU on a shared machine.
    if (++idle_passes <= 16) {
      sched_yield();
      continue;
    }
    // Going to sleep: write what is buffered first, so a quiet period never leaves lines in memory
    // (at high rates the thread never gets here and the buffer batches many lines per write()).
    flush();
    timespec ts{0, static_cast<long>(std::min(sleep_ns, options_.max_idle_sleep_ns))};
    nanosleep(&ts, nullptr);
    sleep_ns = std::min(sleep_ns * 2, options_.max_idle_sleep_ns);
  }
  finish();
}

void Recorder::finish() {
  now_ns_ = monotonic_ns();
  while (drain_pass() != 0) {
  }
  append_footer();
  write_buffer();
  if (fd_ >= 0) {
    if (options_.fsync_on_stop && ::fsync(fd_) != 0) record_error(errno, "fsync");
    if (::close(fd_) != 0) record_error(errno, "close");
    fd_ = -1;
  }
}

void Recorder::append_footer() {
  RecordFooter footer;  // this file's lines (a rotated recording: this segment's)
  for (std::size_t k = 0; k < kEventKindCount; ++k) {
    footer.counts[k] = lines_[k]->value() - segment_base_[k];
    footer.events += footer.counts[k];
  }
  if (journal_) {
    if (buf_.size() - len_ < journal::kSlotBytes) write_buffer();
    len_ += journal::kSlotBytes * journal::write_footer(footer, slot_at(len_));
  } else {
    if (buf_.size() - len_ < kLineReserve) write_buffer();
    len_ += encode_footer(footer, buf_.data() + len_, buf_.size() - len_);
  }
  ++pending_lines_;
}

void Recorder::flush() {
  write_buffer();
  if (fd_ >= 0 && rotation_due()) rotate();
}

void Recorder::write_buffer() {
  if (len_ == 0) return;
  write_all(buf_.data(), len_, pending_lines_);
  len_ = 0;
  pending_lines_ = 0;
}

bool Recorder::rotation_due() const {
  if (options_.rotate_bytes != 0 && file_bytes_ >= options_.rotate_bytes + rotate_retry_bytes_) return true;
  return options_.rotate_interval_ns != 0 && monotonic_ns() - segment_start_ns_ >= options_.rotate_interval_ns;
}

void Recorder::rotate() {
  // The next file first: if it cannot be created, the recording goes on in this one (nothing lost),
  // and the next try waits for another rotate_bytes / rotate_interval.
  const std::string next = str_cat(path_, ".", segment_ + 1);
  const int fd = ::open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  segment_start_ns_ = monotonic_ns();
  if (fd < 0) {
    log_warn("recording: cannot start the next file '", next, "': ", std::strerror(errno), "; continuing in '",
             segment_path_, "'");
    if (options_.rotate_bytes != 0) rotate_retry_bytes_ += options_.rotate_bytes;
    return;
  }
  append_footer();
  write_buffer();
  if (options_.fsync_on_stop && ::fsync(fd_) != 0) record_error(errno, "fsync");
  if (::close(fd_) != 0) record_error(errno, "close");
  fd_ = fd;
  ++segment_;
  segment_path_ = next;
  file_bytes_ = 0;
  rotate_retry_bytes_ = 0;
  for (std::size_t k = 0; k < kEventKindCount; ++k) segment_base_[k] = lines_[k]->value();
  symbols_written_ = 0;  // a journal segment names its own symbols
  write_all(header_.data(), header_.size(), 1);
  log_info("recording: continues in '", next, "'");
}

void Recorder::write_all(const char* data, std::size_t n, uint64_t lines) {
  if (fd_ < 0) {  // never opened, or poisoned by a failed cut: nothing more reaches the file
    io_errors_->inc();
    lines_lost_->inc(lines);
    return;
  }
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd_, data + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      record_error(errno, "write");
      // Keep the whole lines (slots) that made it; cut the partial one off so no later write continues it.
      uint64_t kept_lines = 0;
      const std::size_t keep = whole_prefix(data, done, kept_lines);
      // Symbol records may have been among the lost slots: write them all again before the next
      // event (a reader takes a repeated record of the same name and id as it is).
      if (journal_) symbols_written_ = 0;
      lines_lost_->inc(lines - std::min(lines, kept_lines));
      file_bytes_ += keep;
      if (keep != done) {
        const auto size = static_cast<off_t>(file_bytes_);
        if (::ftruncate(fd_, size) != 0 || ::lseek(fd_, size, SEEK_SET) != size) {
          record_error(errno, "cutting a partial line off (every later line is lost)");
          ::close(fd_);
          fd_ = -1;
        }
      }
      return;
    }
    done += static_cast<std::size_t>(w);
    bytes_->inc(static_cast<uint64_t>(w));
  }
  file_bytes_ += n;
}

std::size_t Recorder::whole_prefix(const char* data, std::size_t done, uint64_t& lines) const {
  if (!journal_) {
    const char* nl = static_cast<const char*>(::memrchr(data, '\n', done));
    const std::size_t keep = nl == nullptr ? 0 : static_cast<std::size_t>(nl - data) + 1;
    lines = static_cast<uint64_t>(std::count(data, data + keep, '\n'));
    return keep;
  }
  if (file_bytes_ == 0) {  // the journal's header did not make it whole: nothing of it counts
    lines = 0;
    return 0;
  }
  // The buffer starts at a slot boundary and holds whole slots; a symbol record's continuation slots
  // are raw name bytes, so walk the records rather than look at every slot's tag.
  const std::size_t keep = done - done % journal::kSlotBytes;
  lines = 0;
  for (std::size_t off = 0; off < keep;) {
    journal::Slot s;
    std::memcpy(&s, data + off, sizeof s);
    const auto kind = static_cast<uint8_t>(s.tag & 0xFF);
    std::size_t slots = 1;
    if (kind == journal::kSymbolSlot) {
      uint32_t len = 0;
      std::memcpy(&len, s.bytes, sizeof len);
      slots = journal::symbol_slots(len);
    } else if (kind != journal::kTakeSlot) {
      ++lines;
    }
    if (off + slots * journal::kSlotBytes > keep) return off;  // a symbol record cut in two: drop it whole
    off += slots * journal::kSlotBytes;
  }
  return keep;
}

void Recorder::append_symbols() {
  for (; symbols_written_ < symbols_.size(); ++symbols_written_) {
    const std::string_view name = symbols_.name(static_cast<SymbolId>(symbols_written_));
    const std::size_t bytes = journal::symbol_slots(name.size()) * journal::kSlotBytes;
    if (buf_.size() - len_ < bytes) write_buffer();
    if (buf_.size() - len_ < bytes) buf_.resize(len_ + bytes);  // a name longer than the buffer (cold)
    len_ += journal::kSlotBytes * journal::write_symbol(static_cast<SymbolId>(symbols_written_), name, slot_at(len_));
  }
}

void Recorder::record_error(int err, std::string_view what) {
  io_errors_->inc();
  std::lock_guard<std::mutex> lock(status_mu_);
  if (status_.ok()) {
    status_ =
        absl::InternalError(str_cat("recording file '", segment_path_, "': ", what, " failed: ", std::strerror(err)));
    // Once, when the losses start (cold: an I/O error), on the recorder's thread.
    log_error(std::string(status_.message()), "; event lines are being lost (counted in recorder_lines_lost_total)");
  }
}

// ---------------------------------------------------------------------------------------------------

JsonlReader::JsonlReader(std::size_t buffer_bytes, std::size_t max_line_bytes)
    : cap_(std::max<std::size_t>(buffer_bytes, 4096)), max_line_(std::max<std::size_t>(max_line_bytes, 1)) {
  buf_.resize(cap_ + kJsonPadding);
}

JsonlReader::~JsonlReader() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status JsonlReader::open(const std::string& path) {
  if (fd_ >= 0) ::close(fd_);
  path_ = path;
  begin_ = end_ = scan_ = 0;
  eof_ = false;
  line_no_ = 0;
  status_ = absl::OkStatus();
  // A line that never ends (a FIFO, /dev/zero) would be read forever: regular files only.
  if (absl::Status st = require_regular_file(path); !st.ok()) {
    status_ = st;
    return status_;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    std::string msg = str_cat("cannot open '", path, "': ", std::strerror(err));
    status_ = err == ENOENT ? absl::NotFoundError(msg) : absl::UnavailableError(msg);
    return status_;
  }
  struct stat sb;
  file_size_ = ::fstat(fd_, &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
  read_total_ = 0;
  journal_.reset();
  char magic[sizeof journal::kMagic];
  if (::pread(fd_, magic, sizeof magic, 0) == static_cast<ssize_t>(sizeof magic) &&
      journal::has_magic(std::string_view(magic, sizeof magic))) {
    status_ = open_journal();
    return status_;
  }
  return absl::OkStatus();
}

absl::Status JsonlReader::open_journal() {
  journal::FileHeader h;
  if (::pread(fd_, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
    return invalid("'", path_, "': journal header cut short (", file_size_, " bytes)");
  }
  if (absl::Status st = journal::JournalRenderer::check_header(h, path_); !st.ok()) return st;
  const std::size_t header = journal::header_bytes(h.config_len);
  if (h.config_len == 0 || file_size_ < header) {
    return invalid("'", path_, "': journal header cut short (", file_size_, " of ", header, " bytes)");
  }
  config_line_.assign(h.config_len, '\0');
  if (::pread(fd_, config_line_.data(), h.config_len, sizeof h) != static_cast<ssize_t>(h.config_len) ||
      config_line_.back() != '\n') {
    return invalid("'", path_, "': journal config line unreadable");
  }
  config_line_.pop_back();
  if (::lseek(fd_, static_cast<off_t>(header), SEEK_SET) != static_cast<off_t>(header)) {
    return absl::InternalError(str_cat("seeking in '", path_, "': ", std::strerror(errno)));
  }
  read_total_ = header;
  raw_offset_ = header;
  raw_.resize(cap_ / journal::kSlotBytes * journal::kSlotBytes);
  raw_begin_ = raw_end_ = 0;
  journal_ = std::make_unique<journal::JournalRenderer>();
  journal_->set_take_sink(take_sink_, take_ctx_);
  return absl::OkStatus();
}

bool JsonlReader::read_into(char* buf, std::size_t cap, std::size_t& end) {
  for (;;) {
    const ssize_t n = ::read(fd_, buf + end, cap - end);
    if (n > 0) {
      end += static_cast<std::size_t>(n);
      read_total_ += static_cast<uint64_t>(n);
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    status_ = absl::InternalError(str_cat("reading '", path_, "' after line ", line_no_, ": ", std::strerror(errno)));
    return false;
  }
}

bool JsonlReader::fill_raw() {
  if (raw_begin_ > 0) {
    std::memmove(raw_.data(), raw_.data() + raw_begin_, raw_end_ - raw_begin_);
    raw_end_ -= raw_begin_;
    raw_begin_ = 0;
  }
  return read_into(raw_.data(), raw_.size(), raw_end_);
}

JsonlReader::Result JsonlReader::next_journal(std::string_view& line) {
  if (line_no_ == 0) {
    ++line_no_;
    std::memcpy(buf_.data(), config_line_.data(), config_line_.size());
    line = std::string_view(buf_.data(), config_line_.size());
    return Result::kLine;
  }
  if (const std::size_t need = journal_->max_line_bytes(); need > cap_) {  // a long symbol name (cold)
    cap_ = need;
    buf_.resize(cap_ + kJsonPadding);
  }
  for (;;) {
    if (raw_end_ - raw_begin_ < journal::kSlotBytes) {
      if (!eof_ && fill_raw()) continue;
      if (!status_.ok()) return Result::kError;
      if (raw_end_ == raw_begin_) return Result::kEof;
      // The writer died mid-slot: a line that does not parse, as a partial JSONL line would be.
      const std::string text = str_cat("{\"journal\":\"last slot cut short at byte ", raw_offset_, ": ",
                                       raw_end_ - raw_begin_, " of ", journal::kSlotBytes, " bytes\"");
      std::memcpy(buf_.data(), text.data(), text.size());
      std::memset(buf_.data() + text.size(), ' ', kJsonPadding);
      line = std::string_view(buf_.data(), text.size());
      raw_begin_ = raw_end_;
      ++line_no_;
      return Result::kTruncated;
    }
    journal::Slot slot;
    std::memcpy(&slot, raw_.data() + raw_begin_, sizeof slot);
    const uint64_t at = raw_offset_;
    raw_begin_ += journal::kSlotBytes;
    raw_offset_ += journal::kSlotBytes;
    std::size_t len = 0;
    switch (journal_->consume(slot, buf_.data(), cap_, len)) {
      case journal::JournalRenderer::Step::kLine:
        ++line_no_;
        line = std::string_view(buf_.data(), len - 1);  // without its '\n'
        return Result::kLine;
      case journal::JournalRenderer::Step::kNoLine:
      case journal::JournalRenderer::Step::kMoreSlots:
        continue;
      case journal::JournalRenderer::Step::kBadSlot:
        status_ = invalid("'", path_, "': journal slot at byte ", at, ": ", journal_->error());
        return Result::kError;
    }
  }
}

bool JsonlReader::fill() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == cap_) {  // one line fills the whole buffer: grow (rare, cold), never past max_line_ + 1:
    // next() skips a line as soon as it holds more than max_line_ bytes.
    cap_ = std::max(cap_ + 1, std::min(cap_ * 2, max_line_ + 1));
    buf_.resize(cap_ + kJsonPadding);
  }
  return read_into(buf_.data(), cap_, end_);
}

JsonlReader::Result JsonlReader::next(std::string_view& line) {
  if (!status_.ok()) return Result::kError;
  if (fd_ < 0) {
    status_ = absl::FailedPreconditionError("JsonlReader::next() before a successful open()");
    return Result::kError;
  }
  if (journal_ != nullptr) return next_journal(line);
  for (;;) {
    const char* base = buf_.data() + begin_;
    const std::size_t avail = end_ - begin_;
    if (const void* nl = std::memchr(base + scan_, '\n', avail - scan_)) {
      const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      begin_ += len + 1;
      scan_ = 0;
      ++line_no_;
      if (len > max_line_) {  // it fit in the buffer, but the limit holds whatever the buffer's size
        line = {};
        return Result::kTooLong;
      }
      line = std::string_view(base, len);
      return Result::kLine;
    }
    scan_ = avail;
    if (avail > max_line_) {
      line = {};
      return skip_long_line();
    }
    if (eof_) {
      if (avail == 0) return Result::kEof;
      // A final line without '\n': the writer died mid-line. Blank the bytes after it so the padding
      // decode_padded() may look at holds nothing stale.
      std::memset(buf_.data() + end_, ' ', kJsonPadding);
      line = std::string_view(base, avail);
      begin_ = end_;
      scan_ = 0;
      ++line_no_;
      return Result::kTruncated;
    }
    // fill() moves the unread bytes to the front; scan_ counts from begin_, so it stays valid.
    if (!fill() && !status_.ok()) return Result::kError;
  }
}

JsonlReader::Result JsonlReader::skip_long_line() {
  // Drop what is buffered and read on, dropping, until the line's '\n' or the end of the file.
  for (;;) {
    begin_ = end_ = scan_ = 0;
    if (!fill()) {
      if (!status_.ok()) return Result::kError;
      ++line_no_;  // the long line ended with the file
      return Result::kTooLong;
    }
    if (const void* nl = std::memchr(buf_.data(), '\n', end_)) {
      begin_ = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data()) + 1;
      ++line_no_;
      return Result::kTooLong;
    }
  }
}

}  // namespace dmabot::core
