#include "feed/event_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "core/fnv.h"
#include "core/input_file.h"
#include "core/strings.h"

namespace dmabot::feed {

using core::str_cat;

namespace cache {
namespace {

using Fnv = core::Fnv1a;

}  // namespace

uint64_t layout_fingerprint() {
  Fnv f;
#define DMABOT_FIELD(T, m) f.num(offsetof(T, m)), f.num(sizeof(T::m))
  f.num(sizeof(core::MdTick)), f.num(alignof(core::MdTick));
  DMABOT_FIELD(core::MdTick, ts_exchange);
  DMABOT_FIELD(core::MdTick, ts_local);
  DMABOT_FIELD(core::MdTick, update_id);
  DMABOT_FIELD(core::MdTick, bid);
  DMABOT_FIELD(core::MdTick, bid_qty);
  DMABOT_FIELD(core::MdTick, ask);
  DMABOT_FIELD(core::MdTick, ask_qty);
  DMABOT_FIELD(core::MdTick, symbol);
  DMABOT_FIELD(core::MdTick, feed);
  f.num(sizeof(core::Trade)), f.num(alignof(core::Trade));
  DMABOT_FIELD(core::Trade, ts_exchange);
  DMABOT_FIELD(core::Trade, ts_local);
  DMABOT_FIELD(core::Trade, trade_id);
  DMABOT_FIELD(core::Trade, price);
  DMABOT_FIELD(core::Trade, qty);
  DMABOT_FIELD(core::Trade, symbol);
  DMABOT_FIELD(core::Trade, aggressor);
  DMABOT_FIELD(core::Trade, feed);
  f.num(sizeof(core::MarkPrice)), f.num(alignof(core::MarkPrice));
  DMABOT_FIELD(core::MarkPrice, ts_exchange);
  DMABOT_FIELD(core::MarkPrice, ts_local);
  DMABOT_FIELD(core::MarkPrice, next_funding_time);
  DMABOT_FIELD(core::MarkPrice, mark);
  DMABOT_FIELD(core::MarkPrice, index);
  DMABOT_FIELD(core::MarkPrice, funding_rate_raw);
  DMABOT_FIELD(core::MarkPrice, symbol);
  DMABOT_FIELD(core::MarkPrice, feed);
#undef DMABOT_FIELD
  f.num(sizeof(core::Price)), f.num(sizeof(core::Qty)), f.num(static_cast<uint64_t>(core::kScale));
  f.num(ReplayEvent::kMdTick), f.num(ReplayEvent::kTrade), f.num(ReplayEvent::kMarkPrice);
  f.num(kRecordBytes), f.num(kRecordHeaderBytes);
  f.num(kByteOrderMark);  // native byte order: the bytes hashed differ on the other order
  return f.h;
}

uint64_t header_checksum(const char* header_and_areas) {
  CacheHeader h;
  std::memcpy(&h, header_and_areas, sizeof h);
  h.checksum = 0;
  Fnv f;
  f.bytes(&h, sizeof h);
  f.bytes(header_and_areas + kFixedHeaderBytes, kRecordsOffset - kFixedHeaderBytes);
  return f.h;
}

namespace {

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ull;

constexpr uint64_t rotl(uint64_t v, int r) { return (v << r) | (v >> (64 - r)); }
inline uint64_t round(uint64_t lane, uint64_t word) { return rotl(lane + word * kPrime2, 31) * kPrime1; }

}  // namespace

uint64_t block_checksum(const char* bytes, std::size_t n) {
  uint64_t lane[4] = {kPrime1 + kPrime2, kPrime2, 0, uint64_t{0} - kPrime1};
  const std::size_t words = n / 8;
  std::size_t i = 0;
  uint64_t w[4];
  for (; i + 4 <= words; i += 4) {
    std::memcpy(w, bytes + i * 8, sizeof w);
    lane[0] = round(lane[0], w[0]);
    lane[1] = round(lane[1], w[1]);
    lane[2] = round(lane[2], w[2]);
    lane[3] = round(lane[3], w[3]);
  }
  for (; i < words; ++i) {
    std::memcpy(w, bytes + i * 8, 8);
    lane[i % 4] = round(lane[i % 4], w[0]);
  }
  // Each lane enters the sum through a bijection, so a changed lane changes the sum; the
  // avalanche after it is a bijection too.
  uint64_t h = rotl(lane[0], 1) + rotl(lane[1], 7) + rotl(lane[2], 12) + rotl(lane[3], 18);
  h += static_cast<uint64_t>(n);
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

}  // namespace cache

namespace {

using namespace cache;

// Writes to `out` the seal of a block whose `records` records start at `block_bytes`.
void seal_block_into(char* out, const char* block_bytes, uint64_t block, uint64_t first_record, std::size_t records) {
  BlockSeal seal{};  // reserved bytes zero
  seal.kind = kSealKind;
  seal.block = block;
  seal.first_record = first_record;
  seal.records = static_cast<uint32_t>(records);
  seal.checksum = block_checksum(block_bytes, records * kRecordBytes);
  std::memcpy(out, &seal, sizeof seal);
}

std::string errno_text(int e) { return std::strerror(e); }

// Reads exactly n bytes at `offset` unless the file ends first; returns the bytes read, -1 on error.
ssize_t pread_full(int fd, char* buf, std::size_t n, uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(done);
}

bool write_full(int fd, const char* buf, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    buf += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool pwrite_full(int fd, const char* buf, std::size_t n, uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::pwrite(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(w);
  }
  return true;
}

template <class T>
void put(char* dst, std::size_t offset, const T& v) {
  std::memcpy(dst + offset, &v, sizeof v);
}

// Field by field into a zeroed record, so struct padding (indeterminate in the source event) is
// written as zeros and the file is a pure function of the events.
void encode_record(const ReplayEvent& e, char* rec) {
  std::memset(rec, 0, kRecordBytes);
  rec[0] = static_cast<char>(e.kind);
  char* ev = rec + kRecordHeaderBytes;
  switch (e.kind) {
    case ReplayEvent::kMdTick: {
      const core::MdTick& t = e.tick;
      put(ev, offsetof(core::MdTick, ts_exchange), t.ts_exchange);
      put(ev, offsetof(core::MdTick, ts_local), t.ts_local);
      put(ev, offsetof(core::MdTick, update_id), t.update_id);
      put(ev, offsetof(core::MdTick, bid), t.bid);
      put(ev, offsetof(core::MdTick, bid_qty), t.bid_qty);
      put(ev, offsetof(core::MdTick, ask), t.ask);
      put(ev, offsetof(core::MdTick, ask_qty), t.ask_qty);
      put(ev, offsetof(core::MdTick, symbol), t.symbol);
      put(ev, offsetof(core::MdTick, feed), t.feed);
      break;
    }
    case ReplayEvent::kTrade: {
      const core::Trade& t = e.trade;
      put(ev, offsetof(core::Trade, ts_exchange), t.ts_exchange);
      put(ev, offsetof(core::Trade, ts_local), t.ts_local);
      put(ev, offsetof(core::Trade, trade_id), t.trade_id);
      put(ev, offsetof(core::Trade, price), t.price);
      put(ev, offsetof(core::Trade, qty), t.qty);
      put(ev, offsetof(core::Trade, symbol), t.symbol);
      put(ev, offsetof(core::Trade, aggressor), t.aggressor);
      put(ev, offsetof(core::Trade, feed), t.feed);
      break;
    }
    case ReplayEvent::kMarkPrice: {
      const core::MarkPrice& m = e.mark;
      put(ev, offsetof(core::MarkPrice, ts_exchange), m.ts_exchange);
      put(ev, offsetof(core::MarkPrice, ts_local), m.ts_local);
      put(ev, offsetof(core::MarkPrice, next_funding_time), m.next_funding_time);
      put(ev, offsetof(core::MarkPrice, mark), m.mark);
      put(ev, offsetof(core::MarkPrice, index), m.index);
      put(ev, offsetof(core::MarkPrice, funding_rate_raw), m.funding_rate_raw);
      put(ev, offsetof(core::MarkPrice, symbol), m.symbol);
      put(ev, offsetof(core::MarkPrice, feed), m.feed);
      break;
    }
  }
}

// Closes and removes the temporary file unless committed.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep && !path.empty()) ::unlink(path.c_str());
  }
};

absl::Status write_error(const std::string& what, const std::string& path, int e) {
  return absl::InternalError(str_cat("'", path, "': cannot ", what, ": ", errno_text(e)));
}

}  // namespace

bool is_event_cache(const std::string& path) {
  if (!core::require_regular_file(path).ok()) return false;  // opening a FIFO would block
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[sizeof kMagic];
  const ssize_t n = pread_full(fd, magic, sizeof magic, 0);
  ::close(fd);
  return n == static_cast<ssize_t>(sizeof magic) && std::memcmp(magic, kMagic, sizeof magic) == 0;
}

// ---------------------------------------------------------------------------------------------
// Writer

absl::StatusOr<CacheWriteSummary> write_event_cache(const std::string& in_path, const std::string& out_path) {
  const auto started = std::chrono::steady_clock::now();
  struct stat in_st {};
  if (::stat(in_path.c_str(), &in_st) != 0) {
    return absl::NotFoundError(str_cat("'", in_path, "': cannot open: ", errno_text(errno)));
  }
  struct stat out_st {};
  if (::stat(out_path.c_str(), &out_st) == 0 && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino) {
    return core::invalid("'", out_path, "' is the input file itself; write the cache elsewhere");
  }
  core::SymbolTable symbols;
  auto src = open_source(in_path, symbols);
  if (!src.ok()) return src.status();
  EventSource& source = **src;

  TempFile tmp;
  tmp.path = str_cat(out_path, ".tmp.", static_cast<int64_t>(::getpid()));
  tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (tmp.fd < 0) {
    const int e = errno;
    tmp.path.clear();  // not ours to remove
    return write_error("create", str_cat(out_path, ".tmp.*"), e);
  }

  // The header area goes first as a placeholder (count kUnfinished); it is rewritten at the end.
  std::vector<char> head(kRecordsOffset, 0);
  CacheHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.byte_order = kByteOrderMark;
  h.layout = layout_fingerprint();
  h.record_bytes = kRecordBytes;
  h.records_offset = kRecordsOffset;
  h.records = kUnfinished;
  std::memcpy(head.data(), &h, sizeof h);
  if (!write_full(tmp.fd, head.data(), head.size())) return write_error("write", tmp.path, errno);

  // One buffer holds one block: its records, then its seal.
  std::vector<char> buf(kBlockBytes);
  std::size_t in_block = 0;
  uint64_t block = 0;
  ReplayEvent ev;
  uint64_t records = 0;
  std::array<uint64_t, ReplayEvent::kKindCount> by_kind{};
  const auto flush_block = [&]() -> bool {
    seal_block_into(buf.data() + in_block * kRecordBytes, buf.data(), block, records - in_block + 1, in_block);
    const bool ok = write_full(tmp.fd, buf.data(), (in_block + 1) * kRecordBytes);
    ++block;
    in_block = 0;
    return ok;
  };
  while (source.next(ev)) {
    encode_record(ev, buf.data() + in_block * kRecordBytes);
    ++in_block;
    ++records;
    ++by_kind[ev.kind];
    if (in_block == kBlockRecords && !flush_block()) return write_error("write", tmp.path, errno);
  }
  if (in_block > 0 && !flush_block()) return write_error("write", tmp.path, errno);

  CacheWriteSummary sum;
  sum.source = source.stats();
  sum.source_status = source.status();
  sum.records = records;
  sum.symbols = symbols.size();
  sum.bytes = kRecordsOffset + slots_for(records) * kRecordBytes;

  // Name and symbol areas, then the finished header.
  const std::size_t name_bytes = std::min(in_path.size(), kMaxSourceName);
  std::memcpy(head.data() + kFixedHeaderBytes, in_path.data(), name_bytes);
  std::size_t sym_used = 0;
  char* sym_area = head.data() + kFixedHeaderBytes + kMaxSourceName;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string_view name = symbols.name(static_cast<core::SymbolId>(i));
    if (name.size() > 0xFFFF || sym_used + 2 + name.size() > kSymbolAreaBytes) {
      return core::invalid("'", in_path, "': its ", symbols.size(), " symbol names take more than the cache's ",
                           kSymbolAreaBytes, "-byte symbol area");
    }
    const auto len = static_cast<uint16_t>(name.size());
    std::memcpy(sym_area + sym_used, &len, sizeof len);
    std::memcpy(sym_area + sym_used + 2, name.data(), name.size());
    sym_used += 2 + name.size();
  }
  h.records = records;
  for (std::size_t k = 0; k < ReplayEvent::kKindCount; ++k) h.events[k] = by_kind[k];
  h.source_size = static_cast<uint64_t>(in_st.st_size);
  h.source_mtime_ns = static_cast<int64_t>(in_st.st_mtim.tv_sec) * 1'000'000'000 + in_st.st_mtim.tv_nsec;
  h.source_lines = sum.source.lines;
  h.source_skipped = sum.source.skipped;
  h.source_malformed = sum.source.malformed;
  h.source_name_bytes = static_cast<uint32_t>(name_bytes);
  h.symbol_count = static_cast<uint32_t>(symbols.size());
  h.symbol_bytes = static_cast<uint32_t>(sym_used);
  h.flags = sum.source_status.ok() ? 0 : kSourceIncomplete;
  h.checksum = 0;
  std::memcpy(head.data(), &h, sizeof h);
  h.checksum = header_checksum(head.data());
  std::memcpy(head.data(), &h, sizeof h);
  if (!pwrite_full(tmp.fd, head.data(), head.size(), 0)) return write_error("write", tmp.path, errno);
  if (::fsync(tmp.fd) != 0) return write_error("sync", tmp.path, errno);
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) return write_error("close", tmp.path, errno);
  if (::rename(tmp.path.c_str(), out_path.c_str()) != 0) return write_error("rename over", out_path, errno);
  tmp.keep = true;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Reader

CacheSource::Fd& CacheSource::Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd = o.fd;
    o.fd = -1;
  }
  return *this;
}

void CacheSource::Fd::reset() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void CacheSource::malformed(uint64_t record, std::string_view reason) {
  ++stats_.malformed;
  if (stats_.samples.size() < SourceStats::kMaxSamples) {
    stats_.samples.push_back(ReplayIssue{record, std::string(reason)});
  }
}

absl::Status CacheSource::open(const std::string& path) {
  path_ = path;
  fd_.reset();
  fd_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_.fd < 0) return absl::NotFoundError(str_cat("'", path, "': cannot open: ", errno_text(errno)));
  struct stat st {};
  if (::fstat(fd_.fd, &st) != 0) return core::invalid("'", path, "': cannot stat: ", errno_text(errno));
  file_size_ = static_cast<uint64_t>(st.st_size);
  std::vector<char> head(kRecordsOffset, 0);
  const ssize_t got = pread_full(fd_.fd, head.data(), head.size(), 0);
  if (got < 0) return core::invalid("'", path, "': cannot read: ", errno_text(errno));
  if (static_cast<std::size_t>(got) < sizeof kMagic || std::memcmp(head.data(), kMagic, sizeof kMagic) != 0) {
    return core::invalid("'", path, "': not a dmabot event cache (no magic bytes)");
  }
  CacheHeader h;
  std::memcpy(&h, head.data(), sizeof h);
  // Version before size: a later version may have another header size.
  if (static_cast<std::size_t>(got) >= offsetof(CacheHeader, byte_order) && h.version != kVersion) {
    return core::invalid("'", path, "': event cache version ", h.version, "; this build reads version ", kVersion,
                         " (convert the source again)");
  }
  if (static_cast<std::size_t>(got) < head.size()) {
    return core::invalid("'", path, "': cut short inside the event cache header (", got, " of ", head.size(),
                         " bytes)");
  }
  if (h.byte_order != kByteOrderMark) {
    return core::invalid("'", path, "': written on a machine of the other byte order (convert the source again here)");
  }
  if (h.layout != layout_fingerprint()) {
    return core::invalid("'", path, "': written by a build with another event layout (fingerprint ", h.layout,
                         ", this build ", layout_fingerprint(), "; convert the source again)");
  }
  if (h.record_bytes != kRecordBytes || h.records_offset != kRecordsOffset) {
    return core::invalid("'", path, "': unexpected record size ", h.record_bytes, " / records offset ",
                         h.records_offset, " (this build: ", kRecordBytes, " / ", kRecordsOffset, ")");
  }
  if (h.checksum != header_checksum(head.data())) {
    return core::invalid("'", path, "': event cache header checksum mismatch (corrupt file)");
  }
  if (h.records == kUnfinished) {
    return core::invalid("'", path, "': unfinished event cache (its writer never closed it; convert again)");
  }
  if (h.events[0] + h.events[1] + h.events[2] != h.records || h.source_name_bytes > kMaxSourceName ||
      h.symbol_bytes > kSymbolAreaBytes) {
    return core::invalid("'", path, "': inconsistent event cache header (corrupt file)");
  }

  info_ = EventCacheInfo{};
  info_.version = h.version;
  info_.records = h.records;
  for (std::size_t k = 0; k < ReplayEvent::kKindCount; ++k) info_.events[k] = h.events[k];
  info_.source_path.assign(head.data() + kFixedHeaderBytes, h.source_name_bytes);
  info_.source_size = h.source_size;
  info_.source_mtime_ns = h.source_mtime_ns;
  info_.source_lines = h.source_lines;
  info_.source_skipped = h.source_skipped;
  info_.source_malformed = h.source_malformed;
  info_.source_incomplete = (h.flags & kSourceIncomplete) != 0;

  const char* area = head.data() + kFixedHeaderBytes + kMaxSourceName;
  std::size_t pos = 0;
  id_map_.clear();
  id_map_.reserve(h.symbol_count);
  for (uint32_t i = 0; i < h.symbol_count; ++i) {
    uint16_t len = 0;
    if (pos + 2 > h.symbol_bytes) return core::invalid("'", path, "': symbol table cut short (corrupt file)");
    std::memcpy(&len, area + pos, 2);
    if (pos + 2 + len > h.symbol_bytes) return core::invalid("'", path, "': symbol table cut short (corrupt file)");
    const std::string_view name(area + pos + 2, len);
    pos += 2 + len;
    const core::SymbolId id = symbols_->add(name);
    if (id == core::kNoSymbol) {
      return core::invalid("'", path, "': symbol '", name, "' cannot be added (bad name, or the table is full)");
    }
    id_map_.push_back(id);
    info_.symbols.emplace_back(name);
  }

  records_offset_ = kRecordsOffset;
  // Whole slots in the file; of them, records (a cut file lacks the seal of its last block).
  slots_present_ = (file_size_ - records_offset_) / kRecordBytes;
  const uint64_t full_blocks = slots_present_ / kBlockSlots;
  const uint64_t rest = std::min<uint64_t>(slots_present_ % kBlockSlots, kBlockRecords);
  complete_ = std::min<uint64_t>(h.records, full_blocks * kBlockRecords + rest);
  loaded_ = record_no_ = block_no_ = 0;
  cur_ = end_ = 0;
  buf_.assign(kBlockBytes, 0);
  stats_ = SourceStats{};
  status_ = absl::OkStatus();
  done_ = false;
  return absl::OkStatus();
}

bool CacheSource::refill() {
  if (loaded_ >= complete_ || fd_.fd < 0) return false;
  // Block block_no_ starts at record loaded_ + 1 (every block before it is full).
  const uint64_t first_slot = block_no_ * kBlockSlots;
  const uint64_t n = std::min<uint64_t>(kBlockRecords, complete_ - loaded_);
  const uint64_t block_records = std::min<uint64_t>(kBlockRecords, info_.records - loaded_);
  const bool sealed = n == block_records && first_slot + n + 1 <= slots_present_;
  const std::size_t want = static_cast<std::size_t>(n + (sealed ? 1 : 0)) * kRecordBytes;
  const ssize_t got = pread_full(fd_.fd, buf_.data(), want, records_offset_ + first_slot * kRecordBytes);
  if (got < 0 || static_cast<std::size_t>(got) < want) {
    // The file shrank or the disk failed under us: hand out the whole records that did arrive.
    status_ = absl::DataLossError(str_cat("'", path_, "': reading stopped at record ", loaded_ + 1, ": ",
                                          got < 0 ? errno_text(errno) : std::string("the file got shorter")));
    const uint64_t whole = std::min<uint64_t>(n, got < 0 ? 0 : static_cast<uint64_t>(got) / kRecordBytes);
    complete_ = loaded_ + whole;
    if (whole == 0) return false;
    loaded_ += whole;
    ++block_no_;
    cur_ = 0;
    end_ = static_cast<std::size_t>(whole) * kRecordBytes;
    return true;
  }
  if (sealed) {
    // The seal must be exactly what the writer makes of these records, reserved bytes included.
    char expect[kRecordBytes];
    seal_block_into(expect, buf_.data(), block_no_, loaded_ + 1, static_cast<std::size_t>(n));
    if (std::memcmp(expect, buf_.data() + n * kRecordBytes, kRecordBytes) != 0) {
      // Nothing of a block that fails its check is handed out: the replay stops here.
      const uint64_t from = records_offset_ + first_slot * kRecordBytes;
      status_ = absl::DataLossError(str_cat("'", path_, "': event cache block ", block_no_, " (records ", loaded_ + 1,
                                            "..", loaded_ + n, ", bytes ", from, "..", from + want - 1,
                                            ") fails its checksum: the file is corrupt (convert the source again)"));
      complete_ = loaded_;
      return false;
    }
  }
  loaded_ += n;
  ++block_no_;
  cur_ = 0;
  end_ = static_cast<std::size_t>(n) * kRecordBytes;
  return true;
}

void CacheSource::finish() {
  done_ = true;
  if (!status_.ok()) return;  // a read error or a failed block check already said what went wrong
  const uint64_t expected_slots = slots_for(info_.records);
  if (complete_ < info_.records || slots_present_ < expected_slots) {
    const uint64_t slots_end = records_offset_ + slots_present_ * kRecordBytes;
    const uint64_t tail = file_size_ > slots_end ? file_size_ - slots_end : 0;
    if (tail > 0 && complete_ < info_.records) {
      ++stats_.lines;
      malformed(complete_ + 1,
                str_cat("truncated record: the file ends ", tail, " of ", kRecordBytes, " bytes into it"));
    }
    const uint64_t sealed_records = std::min<uint64_t>(complete_, slots_present_ / kBlockSlots * kBlockRecords);
    const uint64_t unchecked = complete_ - sealed_records;
    status_ = absl::DataLossError(str_cat("'", path_, "': cut short: its header says ", info_.records,
                                          " records, the file holds ", complete_, " whole ones (the last ", unchecked,
                                          " unchecked: their block's seal is missing)"));
    return;
  }
  const uint64_t records_end = records_offset_ + expected_slots * kRecordBytes;
  if (file_size_ > records_end) {
    ++stats_.lines;
    malformed(info_.records + 1, str_cat(file_size_ - records_end, " bytes after the last record (the header says ",
                                         info_.records, " records)"));
  }
  if (info_.source_incomplete) {
    status_ = absl::DataLossError(str_cat("'", path_, "': made from '", info_.source_path,
                                          "', which stopped early (cut short?): the events after that point are "
                                          "missing"));
  }
}

bool CacheSource::next(ReplayEvent& out) {
  while (!done_) {
    if (cur_ == end_ && !refill()) {
      finish();
      return false;
    }
    const char* r = buf_.data() + cur_;
    cur_ += kRecordBytes;
    const uint64_t rec_no = ++record_no_;
    ++stats_.lines;
    const char* ev = r + kRecordHeaderBytes;
    core::SymbolId* sym = nullptr;
    const auto kind = static_cast<uint8_t>(r[0]);
    switch (kind) {
      case ReplayEvent::kMdTick:
        std::memcpy(&out.tick, ev, sizeof out.tick);
        out.ts_local = out.tick.ts_local;
        sym = &out.tick.symbol;
        break;
      case ReplayEvent::kTrade:
        std::memcpy(&out.trade, ev, sizeof out.trade);
        out.ts_local = out.trade.ts_local;
        sym = &out.trade.symbol;
        break;
      case ReplayEvent::kMarkPrice:
        std::memcpy(&out.mark, ev, sizeof out.mark);
        out.ts_local = out.mark.ts_local;
        sym = &out.mark.symbol;
        break;
      default:
        malformed(rec_no, str_cat("unknown record kind ", static_cast<int>(kind)));
        continue;
    }
    if (*sym >= id_map_.size()) {
      malformed(rec_no, str_cat("symbol id ", *sym, " is not in the cache's symbol table"));
      continue;
    }
    *sym = id_map_[*sym];
    out.kind = static_cast<ReplayEvent::Kind>(kind);
    out.line = rec_no;
    ++stats_.events[kind];
    return true;
  }
  return false;
}

double CacheSource::progress() const {
  if (done_) return 1.0;
  // Slots passed: the records, and the seals of the blocks handed out completely.
  const uint64_t seals = block_no_ == 0 ? 0 : block_no_ - (cur_ < end_ ? 1 : 0);
  return fraction(records_offset_ + (record_no_ + seals) * kRecordBytes, file_size_);
}

}  // namespace dmabot::feed
