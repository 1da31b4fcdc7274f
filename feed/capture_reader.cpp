#include "feed/capture_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/input_file.h"
#include "core/strings.h"

namespace dmabot::feed {

std::string_view to_string(CaptureEvent::Kind k) {
  switch (k) {
    case CaptureEvent::kMdTick: return "md_tick";
    case CaptureEvent::kTrade: return "trade";
    case CaptureEvent::kMarkPrice: return "mark_price";
    case CaptureEvent::kDepth: return "depth";
    case CaptureEvent::kSnapshot: return "snapshot";
  }
  return "?";
}

std::string_view expectation(LineError e) {
  switch (e) {
    case LineError::kNoSeparator:
      return "expected '<receive time> <JSON>' with a space between them";
    case LineError::kBadLocalTime:
      return "expected a receive time in the unit of the file's first line (16 digits: µs, 19: ns), in range";
    case LineError::kTooLong:
      return "expected a line shorter than the limit (REPLAY_MAX_LINE_BYTES); skipped";
    case LineError::kTruncated:
      return "the last line ends without a newline and does not parse (file cut short?)";
    case LineError::kParse:
      return "expected a Binance market-data message after the time";
    case LineError::kNone:
    case LineError::kCount:
      break;
  }
  return "";
}

std::string_view to_string(LineError e) {
  switch (e) {
    case LineError::kNone: return "none";
    case LineError::kNoSeparator: return "no_separator";
    case LineError::kBadLocalTime: return "bad_local_time";
    case LineError::kTooLong: return "too_long";
    case LineError::kTruncated: return "truncated";
    case LineError::kParse: return "parse";
    case LineError::kCount: break;
  }
  return "?";
}

CaptureReader::CaptureReader(core::SymbolTable& symbols, CaptureOptions options)
    : options_(options), parser_(symbols, options.allow_new_symbols, options.feed_id) {
  if (options_.buffer_bytes < 4096) options_.buffer_bytes = 4096;
  if (options_.max_line_bytes < options_.buffer_bytes) options_.max_line_bytes = options_.buffer_bytes;
  stats_.samples.reserve(CaptureStats::kMaxSamples);
  parser_.set_fast_path(options_.fast_path);
}

CaptureReader::~CaptureReader() { close(); }

void CaptureReader::close() {
  if (gz_ != nullptr) gzclose(gz_);
  gz_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status CaptureReader::open(const std::string& path) {
  close();
  path_ = path;
  status_ = absl::OkStatus();
  stats_ = CaptureStats{};
  stats_.samples.reserve(CaptureStats::kMaxSamples);
  unit_ = TimeUnit::kUnknown;
  head_ = tail_ = scan_ = 0;
  eof_ = false;
  discarding_ = false;
  line_no_ = 0;
  errno = 0;
  // A plain file is read straight into our buffer: through zlib it would be copied twice (zlib's
  // buffer, then ours) in 4x as many read() calls, about a quarter of a plain replay's time.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  unsigned char magic[2] = {0, 0};
  const bool gzip = fd_ >= 0 && ::pread(fd_, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (fd_ >= 0 && gzip) {
    ::close(fd_);
    fd_ = -1;
    gz_ = gzopen(path.c_str(), "rb");
  }
  if (fd_ < 0 && gz_ == nullptr) {
    const int err = errno;
    std::string msg = core::str_cat("capture '", path, "': cannot open");
    if (err != 0) core::str_append(msg, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  // zlib's own buffer; ours (below) holds whole lines.
  if (gz_ != nullptr) gzbuffer(gz_, 256 * 1024);
  struct stat sb;
  file_size_ = ::stat(path.c_str(), &sb) == 0 ? static_cast<uint64_t>(sb.st_size) : 0;
  plain_read_ = 0;
  if (buf_.size() != options_.buffer_bytes + BinanceParser::kPadding) {
    buf_.assign(options_.buffer_bytes + BinanceParser::kPadding, '\0');
  }
  return absl::OkStatus();
}

bool CaptureReader::fill() {
  if (eof_ || (gz_ == nullptr && fd_ < 0)) return false;
  // Keep the unread part at the front, then make room: a line longer than the buffer grows it.
  if (head_ > 0) {
    std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
    tail_ -= head_;
    scan_ -= head_;
    head_ = 0;
  }
  std::size_t capacity = buf_.size() - BinanceParser::kPadding;
  if (tail_ == capacity) {
    std::size_t grown = std::min(capacity * 2, options_.max_line_bytes + 1);
    if (grown <= capacity) return false;  // caller handles the too-long line
    buf_.resize(grown + BinanceParser::kPadding, '\0');
    capacity = grown;
  }
  const std::size_t want = std::min<std::size_t>(capacity - tail_, INT_MAX);
  if (fd_ >= 0) return fill_plain(want);
  const int n = gzread(gz_, buf_.data() + tail_, static_cast<unsigned>(want));
  if (n > 0) {
    tail_ += static_cast<std::size_t>(n);
    return true;
  }
  eof_ = true;
  int zerr = Z_OK;
  const char* zmsg = gzerror(gz_, &zerr);
  if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
    // Z_BUF_ERROR at the end: the gzip stream stops mid-way (file cut short); the complete lines
    // before it have been delivered, the partial one is reported as truncated.
    status_ = absl::DataLossError(core::str_cat("capture '", path_, "': read stopped after line ", line_no_, ": ",
                                                zerr == Z_BUF_ERROR ? "gzip stream ends early (truncated file)"
                                                                    : (zmsg != nullptr ? zmsg : "read error")));
  }
  return false;
}

bool CaptureReader::fill_plain(std::size_t want) {
  for (;;) {
    const ssize_t n = ::read(fd_, buf_.data() + tail_, want);
    if (n > 0) {
      tail_ += static_cast<std::size_t>(n);
      plain_read_ += static_cast<uint64_t>(n);
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    eof_ = true;
    if (n < 0) {
      status_ = absl::DataLossError(core::str_cat("capture '", path_, "': read stopped after line ", line_no_, ": ",
                                                  std::strerror(errno)));
    }
    return false;
  }
}

uint64_t CaptureReader::file_offset() const {
  if (fd_ >= 0) return plain_read_;
  if (gz_ != nullptr) {
    const z_off_t off = gzoffset(gz_);
    return off > 0 ? static_cast<uint64_t>(off) : 0;
  }
  return 0;
}

CaptureReader::LineRead CaptureReader::next_line(const char*& begin, std::size_t& size, bool& terminated) {
  for (;;) {
    const char* base = buf_.data();
    const void* nl = scan_ < tail_ ? std::memchr(base + scan_, '\n', tail_ - scan_) : nullptr;
    if (nl != nullptr) {
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      begin = base + head_;
      size = end - head_;
      head_ = scan_ = end + 1;
      terminated = true;
      if (discarding_) {
        discarding_ = false;
        return LineRead::kTooLong;
      }
      return LineRead::kLine;
    }
    scan_ = tail_;
    if (discarding_) head_ = scan_ = tail_ = 0;  // drop what we have of the overlong line
    const std::size_t capacity = buf_.size() - BinanceParser::kPadding;
    if (!discarding_ && tail_ - head_ >= options_.max_line_bytes && tail_ == capacity && head_ == 0) {
      discarding_ = true;
      head_ = scan_ = tail_ = 0;
      continue;
    }
    if (fill()) continue;
    if (discarding_) {  // the file ended inside the overlong line
      discarding_ = false;
      terminated = false;
      return LineRead::kTooLong;
    }
    if (head_ < tail_) {
      begin = buf_.data() + head_;  // fill() may have moved the buffer
      size = tail_ - head_;
      head_ = scan_ = tail_;
      terminated = false;
      return LineRead::kLine;
    }
    return LineRead::kEnd;
  }
}

void CaptureReader::malformed(LineError e, ParseError pe, std::string_view field) {
  ++stats_.malformed;
  ++stats_.malformed_by_error[static_cast<std::size_t>(e)];
  if (pe != ParseError::kNone) ++stats_.parse_errors[static_cast<std::size_t>(pe)];
  if (stats_.samples.size() < CaptureStats::kMaxSamples) stats_.samples.push_back(LineIssue{line_no_, e, pe, field});
}

bool CaptureReader::handle_line(const char* begin, std::size_t size, bool terminated, CaptureEvent& out) {
  if (!terminated) stats_.last_line_unterminated = true;
  uint64_t raw_time = 0;
  std::string_view json;
  switch (internal::split_capture_line(std::string_view(begin, size), raw_time, json)) {
    case internal::SplitResult::kOk:
      break;
    case internal::SplitResult::kEmpty:
      ++stats_.empty_lines;
      return false;
    case internal::SplitResult::kNoSeparator:
      malformed(terminated ? LineError::kNoSeparator : LineError::kTruncated);
      return false;
    case internal::SplitResult::kBadTime:
      malformed(terminated ? LineError::kBadLocalTime : LineError::kTruncated);
      return false;
  }
  const TimeUnit unit = internal::unit_of(raw_time);
  core::UnixNanos ts_local = 0;
  if (unit == TimeUnit::kUnknown || (unit_ != TimeUnit::kUnknown && unit != unit_) ||
      !internal::to_ns(raw_time, unit, ts_local)) {
    malformed(terminated ? LineError::kBadLocalTime : LineError::kTruncated);
    return false;
  }
  if (unit_ == TimeUnit::kUnknown) unit_ = unit;

  // The JSON is followed in buf_ by the rest of the data and at least kPadding bytes: no copy.
  const char* buf_end = buf_.data() + buf_.size();
  const ParseResult r = parser_.parse_padded(json.data(), json.size(),
                                             static_cast<std::size_t>(buf_end - json.data()), ts_local);
  switch (r.kind) {
    case MsgKind::kMdTick:
      out.kind = CaptureEvent::kMdTick;
      out.tick = parser_.tick();
      break;
    case MsgKind::kTrade:
      out.kind = CaptureEvent::kTrade;
      out.trade = parser_.trade();
      break;
    case MsgKind::kMarkPrice:
      out.kind = CaptureEvent::kMarkPrice;
      out.mark = parser_.mark_price();
      break;
    case MsgKind::kDepth:
      out.kind = CaptureEvent::kDepth;
      out.depth = parser_.depth();
      break;
    case MsgKind::kSnapshot:
      out.kind = CaptureEvent::kSnapshot;
      out.snapshot = parser_.snapshot();
      break;
    case MsgKind::kUnknown:
      ++stats_.unknown;
      ++stats_.unknown_by_reason[static_cast<std::size_t>(r.error)];
      return false;
    case MsgKind::kError:
    case MsgKind::kCount:
      malformed(terminated ? LineError::kParse : LineError::kTruncated, r.error, r.field);
      return false;
  }
  out.line = line_no_;
  out.ts_local = ts_local;
  ++stats_.events;
  ++stats_.by_kind[out.kind];
  return true;
}

bool CaptureReader::next(CaptureEvent& out) {
  if (gz_ == nullptr && fd_ < 0) return false;
  for (;;) {
    const char* begin = nullptr;
    std::size_t size = 0;
    bool terminated = true;
    const LineRead lr = next_line(begin, size, terminated);
    if (lr == LineRead::kEnd) return false;
    ++stats_.lines;
    ++line_no_;
    if (lr == LineRead::kTooLong) {
      if (!terminated) stats_.last_line_unterminated = true;
      malformed(LineError::kTooLong);
      continue;
    }
    if (handle_line(begin, size, terminated, out)) return true;
  }
}

bool is_raw_capture(const std::string& path) {
  if (!core::require_regular_file(path).ok()) return false;  // opening a FIFO would block
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return false;
  // The first line may be a REST snapshot of 100 KB or more; its first bytes are all we need, but
  // blank lines before it are skipped, so read a generous prefix.
  std::vector<char> buf(64 * 1024);
  const int n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()));
  gzclose(gz);
  if (n <= 0) return false;
  std::size_t i = 0;
  const std::size_t end = static_cast<std::size_t>(n);
  while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) ++i;
  const std::size_t digits_start = i;
  while (i < end && buf[i] >= '0' && buf[i] <= '9') ++i;
  if (i == digits_start || i >= end || buf[i] != ' ') return false;
  while (i < end && buf[i] == ' ') ++i;
  return i < end && buf[i] == '{';
}

}  // namespace dmabot::feed
