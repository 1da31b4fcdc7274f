// feed/event_cache.h — "dmabot event cache v1": market events converted once from a raw capture or
// a JSONL recording into fixed-size binary records, so replays, backtests and sweeps that read the
// same data many times skip the text parsing (CacheSource in feed/replay_feed.h reads it;
// open_source() recognises it by its magic bytes).
//
// File layout (native byte order; the header says which, and a reader of the other order refuses):
//   [0, 128)            fixed header, see CacheHeader below
//   [128, 4224)         source path (informational, cut at kMaxSourceName bytes)
//   [4224, kRecordsOffset)  symbol table: per symbol u16 length + name bytes, in cache id order
//   [kRecordsOffset, ...)   slots of kRecordBytes, in blocks of kBlockSlots: up to kBlockRecords
//                       records, then one seal. A record is u8 kind (ReplayEvent::Kind), 7 zero
//                       bytes, then the MdTick / Trade / MarkPrice bytes (zero-padded to 64). A seal
//                       (BlockSeal below) holds the block's number, its first record number, its
//                       record count and a checksum of its record bytes; the last block, shorter,
//                       is sealed too. The reader checks each block's seal before it hands out any
//                       record of the block, so a flipped byte stops the replay with the block's
//                       byte range instead of silently changing a backtest.
// The symbol area is reserved at a fixed size (64 KiB) because the symbols are only all known once
// the whole source has been read; reserving it keeps the header readable in a file cut short, so
// the records before the cut still replay. Events are stored as their in-memory bytes, so the header
// carries a layout fingerprint (sizeof/alignof/offsetof of every field, kScale, byte order, record
// kinds): a file written by a build with another event layout is rejected, never misread. The event
// count is written last (the writer patches the header when it closes), so an unfinished file is
// recognised; the writer also writes to OUT.tmp.<pid> and renames it over OUT only when complete.
// Padding bytes are written as zeros, so converting the same source twice gives identical files.
// Records start at byte 69760 (128 + 4096 + 65536); a bookTicker capture of 451k events is ~32 MB.
// A file cut short still replays: sealed blocks are checked, the records after the last seal are
// handed out unchecked and the reader's status reports the cut.
//
// Cost (bench/backtest_bench, Release, this VM): ReplayFeed over a cache delivers ~53M events/s
// (~19 ns each, backtest/cache_read_only) against ~11M/s (~88 ns) parsing the plain-text capture.
//
// Threads: write_event_cache() is a cold-path function usable from any thread (one call per
// output). Allocation: freely (cold path): the source's buffers and a 1 MiB write buffer.
// Errors: problems with the input come back as NotFound/InvalidArgument naming the input (from
// open_source(); also InvalidArgument when OUT is IN itself or the symbol names overflow the 64 KiB
// area); problems writing the output as Internal naming the file and errno's text (the CLI maps the
// former to exit 2, the latter to exit 1). A source that stops early (truncated gzip) still gives a
// cache of the events before the cut: CacheWriteSummary::source_status says so, and the cache remembers
// it (its CacheSource::status() is then non-OK at EOF, as the source's would be).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/events.h"
#include "feed/replay_feed.h"

namespace dmabot::feed {

namespace cache {

// A non-ASCII first byte, then CR LF: a text-mode transfer that mangles either is caught at once.
inline constexpr char kMagic[8] = {'\x89', 'D', 'M', 'B', 'E', 'V', '\r', '\n'};
inline constexpr uint32_t kVersion = 2;                 // 2: sealed blocks (per-block checksums)
inline constexpr uint32_t kByteOrderMark = 0x01020304;  // as written by the writer's CPU
inline constexpr uint64_t kUnfinished = ~uint64_t{0};   // record count until the writer closes
inline constexpr std::size_t kEventBytes = 64;
inline constexpr std::size_t kRecordHeaderBytes = 8;
inline constexpr std::size_t kRecordBytes = kRecordHeaderBytes + kEventBytes;
inline constexpr std::size_t kFixedHeaderBytes = 128;
inline constexpr std::size_t kMaxSourceName = 4096;
inline constexpr std::size_t kSymbolAreaBytes = 64 * 1024;
inline constexpr std::size_t kRecordsOffset = kFixedHeaderBytes + kMaxSourceName + kSymbolAreaBytes;
inline constexpr std::size_t kBlockBytes = (std::size_t{1} << 20) / kRecordBytes * kRecordBytes;  // ~1 MiB
inline constexpr std::size_t kBlockSlots = kBlockBytes / kRecordBytes;  // 14563: records + the seal
inline constexpr std::size_t kBlockRecords = kBlockSlots - 1;           // 14562
inline constexpr uint8_t kSealKind = 0xB5;  // first byte of a seal slot; no ReplayEvent kind

// The slot after each block's records.
struct BlockSeal {
  uint8_t kind;  // kSealKind
  uint8_t zero[7];
  uint64_t block;         // 0-based block number
  uint64_t first_record;  // 1-based number of the block's first record
  uint32_t records;       // records in the block (kBlockRecords, or fewer in the last block)
  uint32_t zero2;
  uint64_t checksum;  // block_checksum() of the block's record bytes
  uint8_t pad[kRecordBytes - 40];
};
static_assert(sizeof(BlockSeal) == kRecordBytes && std::is_trivially_copyable_v<BlockSeal>);

// Slots that `records` records take, seals included.
[[nodiscard]] constexpr uint64_t slots_for(uint64_t records) {
  return records + (records + kBlockRecords - 1) / kBlockRecords;
}

static_assert(sizeof(core::MdTick) <= kEventBytes && sizeof(core::Trade) <= kEventBytes &&
              sizeof(core::MarkPrice) <= kEventBytes);
static_assert(std::is_trivially_copyable_v<core::MdTick> && std::is_trivially_copyable_v<core::Trade> &&
              std::is_trivially_copyable_v<core::MarkPrice>);
static_assert(kRecordsOffset % 64 == 0);

// The fixed part of the header, as it lies in the file (native byte order).
struct CacheHeader {
  char magic[8];
  uint32_t version;
  uint32_t byte_order;      // kByteOrderMark
  uint64_t layout;          // layout_fingerprint() of the writer
  uint32_t record_bytes;    // kRecordBytes
  uint32_t records_offset;  // kRecordsOffset
  uint64_t records;         // kUnfinished until the writer closes
  uint64_t events[3];       // per ReplayEvent::Kind
  uint64_t source_size;
  int64_t source_mtime_ns;
  uint64_t source_lines;
  uint64_t source_skipped;
  uint64_t source_malformed;
  uint32_t source_name_bytes;
  uint32_t symbol_count;
  uint32_t symbol_bytes;  // used part of the symbol area
  uint32_t flags;         // kSourceIncomplete
  uint64_t checksum;      // FNV-1a over the header with this field zero, the name and symbol areas
};
inline constexpr uint32_t kSourceIncomplete = 1;
static_assert(sizeof(CacheHeader) == kFixedHeaderBytes && std::is_trivially_copyable_v<CacheHeader>);

// A hash of everything the record bytes depend on: sizeof/alignof/offsetof of every MdTick, Trade
// and MarkPrice field, the fixed-point scale, the byte order and the record kind numbers.
[[nodiscard]] uint64_t layout_fingerprint();

// FNV-1a 64 over the header (checksum zeroed), the source name area and the symbol area.
[[nodiscard]] uint64_t header_checksum(const char* header_and_areas);

// Checksum of a block's record bytes (`bytes` a multiple of 8): four lanes of 64-bit
// multiply-rotate rounds over the 8-byte words (the xxHash64 round), merged. Any change to one word
// changes its lane's state for good (each round is a bijection of the lane), so every single-bit
// flip is caught; it runs at several GB/s, a small share of the cost of reading a record.
[[nodiscard]] uint64_t block_checksum(const char* bytes, std::size_t n);

}  // namespace cache

// True when the file starts with the cache's magic bytes (false when it cannot be read).
[[nodiscard]] bool is_event_cache(const std::string& path);

struct CacheWriteSummary {
  SourceStats source;          // what reading the source found: events per kind, skipped, malformed + samples
  absl::Status source_status;  // non-OK when the source stopped early (the cache holds what came before)
  uint64_t records = 0;        // events written (== source.total_events())
  uint64_t bytes = 0;          // size of the cache file
  std::size_t symbols = 0;
  double seconds = 0;  // wall time of the conversion (for the CLI's events/s)
};

// Converts every md/trade/mark event of `in_path` (anything open_source() reads, another cache
// included) into a cache at `out_path`, in file order. Writes OUT.tmp.<pid>, fsyncs it and renames
// it over `out_path` only when complete; on any error the temporary file is removed and an existing
// `out_path` is left untouched. Refuses to write over `in_path` itself.
absl::StatusOr<CacheWriteSummary> write_event_cache(const std::string& in_path, const std::string& out_path);

}  // namespace dmabot::feed
