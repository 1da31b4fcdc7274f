// core/journal.h — "dmabot journal v1": the recorder's binary format. The recorder thread copies each
// event's bytes into a fixed-size slot instead of formatting a JSON line (RECORD_FORMAT=journal,
// core/recorder.h), and anything that reads recordings reads journals too: core::JsonlReader
// recognises the magic bytes and renders every slot as the very JSONL line the recorder would have
// written (same "seq", same bytes), so replay, replay --diff, backtests and `dmabot export JOURNAL
// --jsonl` need no second code path, and exporting a journal gives the JSONL recording exactly.
//
// File layout (native byte order; the header says which, and a reader of the other order refuses):
//   [0, 32)      FileHeader: magic, version, byte-order mark, layout fingerprint, config line length
//   [32, 32+n)   the "config" header line exactly as the JSONL recording starts (its '\n' included),
//                zero-padded to a multiple of 8 bytes
//   then slots of kSlotBytes (72): a u64 tag (kind in the low 8 bits, the rest per kind) and 64 bytes:
//     event kinds (EventKind values 0..6)  tag >> 8 = the event's "seq"; the 64 bytes = the event
//                                           struct's bytes (zero-padded to 64)
//     kSymbolSlot                           tag >> 8 = the SymbolId; bytes = u32 name length, then the
//                                           name, continued in as many whole slots as it needs. The
//                                           recorder writes the symbols it has not written yet before
//                                           the event that needs them (names are read by id later).
//     kFooterSlot                           bytes = RecordFooter (events, then per-kind counts): the
//                                           "end" line of a clean stop
//     kTakeSlot                             tag >> 8 = take_layout(); bytes = a core::TakeBlock (up to six
//                                           runs of a decision stage's input takes, or one with its
//                                           payload, core/input_sequence.h). Not an
//                                           event: no seq, not in the footer's counts, no JSONL line
//                                           (export and every line reader skip it); read with a take
//                                           sink (JournalRenderer::set_take_sink) by the exact replay.
// Every write(2) carries whole slots (the recorder cuts a failed partial write back to the last whole
// slot, as it does for lines), so a crash — kill -9 included — leaves whole slots plus at most one
// partial last slot, which the reader reports as a truncated last line.
// Events are stored as their in-memory bytes, so the header carries a fingerprint of the event
// layout (sizeof/offsetof of every field, kScale, byte order): a journal written by a build with
// another layout is refused with one line, never misread; `dmabot export` from the writing build
// turns it into JSONL, which every build reads. A slot is 72 bytes against 150–400 for a JSON line.
//
// Threads: the functions here are pure; JournalRenderer is one per reader thread.
// Allocation: encode_file_header() and JournalRenderer's symbol names (cold: once per symbol).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "core/event_codec.h"
#include "core/events.h"
#include "core/input_sequence.h"
#include "core/symbol_table.h"

namespace dmabot::core::journal {

// A non-ASCII first byte, then CR LF: a text-mode transfer that mangles either is caught.
inline constexpr char kMagic[8] = {'\x89', 'D', 'M', 'B', 'J', 'N', '\r', '\n'};
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kByteOrderMark = 0x01020304;
inline constexpr std::size_t kEventBytes = 64;
inline constexpr std::size_t kSlotBytes = 8 + kEventBytes;
inline constexpr uint8_t kSymbolSlot = 0xF0;
inline constexpr uint8_t kFooterSlot = 0xFE;
inline constexpr uint8_t kTakeSlot = 0xF1;
// The TakeBlock layout a take slot holds (its own check: journals without takes keep the fingerprint
// they always had, so they stay readable; a reader refuses a take slot of another layout).
[[nodiscard]] uint64_t take_layout();
inline constexpr std::size_t kSymbolFirstBytes = kEventBytes - 4;  // name bytes in a symbol's first slot

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t byte_order;
  uint64_t layout;      // layout_fingerprint() of the writing build
  uint32_t config_len;  // bytes of the config line ('\n' included), before padding
  uint32_t reserved;
};
static_assert(sizeof(FileHeader) == 32 && std::is_trivially_copyable_v<FileHeader>);

struct Slot {
  uint64_t tag;
  alignas(8) unsigned char bytes[kEventBytes];
};
static_assert(sizeof(Slot) == kSlotBytes && std::is_trivially_copyable_v<Slot>);
static_assert(sizeof(RecordFooter) <= kEventBytes);

// A fingerprint of every recordable event's layout: two builds agree iff they store events alike.
[[nodiscard]] uint64_t layout_fingerprint();

// True when `prefix` (the file's first bytes, at least 8) starts with kMagic.
[[nodiscard]] inline bool has_magic(std::string_view prefix) {
  return prefix.size() >= sizeof kMagic && std::memcmp(prefix.data(), kMagic, sizeof kMagic) == 0;
}

// The file's start: FileHeader + the config line + zero padding to a multiple of 8.
[[nodiscard]] std::string encode_file_header(std::string_view config_line);
// Bytes of the header encode_file_header() writes for a config line of that length.
[[nodiscard]] constexpr std::size_t header_bytes(std::size_t config_len) {
  return sizeof(FileHeader) + (config_len + 7) / 8 * 8;
}

// Slot writers: each fills whole slots at `out` (room for the count they return) and returns how many.
template <class T>
inline std::size_t write_event(const T& e, uint64_t seq, Slot* out) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kEventBytes);
  constexpr auto kind = static_cast<uint64_t>(event_kind_of<T>());
  out->tag = kind | (seq << 8);
  std::memcpy(out->bytes, &e, sizeof(T));
  if constexpr (sizeof(T) < kEventBytes) std::memset(out->bytes + sizeof(T), 0, kEventBytes - sizeof(T));
  return 1;
}
// Slots the symbol record of a name of `len` bytes takes.
[[nodiscard]] constexpr std::size_t symbol_slots(std::size_t len) {
  return len <= kSymbolFirstBytes ? 1 : 1 + (len - kSymbolFirstBytes + kSlotBytes - 1) / kSlotBytes;
}
std::size_t write_symbol(SymbolId id, std::string_view name, Slot* out);
std::size_t write_footer(const RecordFooter& f, Slot* out);
inline std::size_t write_take(const TakeBlock& t, Slot* out) {
  out->tag = kTakeSlot | (take_layout() << 8);
  std::memcpy(out->bytes, &t, sizeof t);
  return 1;
}

// Turns a journal's slots back into the JSONL lines they stand for. The caller feeds it the file's
// bytes after the header, a slot at a time (consume()); it says how many more slots a symbol record
// needs, keeps the names, and renders event and footer slots with the JSONL encoders.
class JournalRenderer {
 public:
  // Checks a file's first bytes (at least sizeof(FileHeader)); sets config_len. InvalidArgument
  // naming `path` when the version, byte order or layout differ from this build's.
  static absl::Status check_header(const FileHeader& h, const std::string& path);

  enum class Step : uint8_t {
    kLine,       // a line was rendered into the caller's buffer (its length in line_len)
    kNoLine,     // the slot (a symbol) gave no line
    kMoreSlots,  // a symbol record continues: call again with the next slot
    kBadSlot,    // unknown kind or a malformed symbol record: error() says which
  };
  // `slot` is one whole slot; `buf` has room for a line (max_line_bytes()).
  Step consume(const Slot& slot, char* buf, std::size_t cap, std::size_t& line_len);
  [[nodiscard]] std::size_t max_line_bytes() const { return max_event_line_bytes(longest_name_) + 64; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] bool saw_footer() const { return footer_; }
  // Take slots give no line; with a sink each run they hold is handed to it (in file order) instead.
  using TakeSink = void (*)(void* ctx, const InputTake& take);
  void set_take_sink(TakeSink fn, void* ctx) {
    take_sink_ = fn;
    take_ctx_ = ctx;
  }

 private:
  Step define_symbol(SymbolId id);  // pending_ complete: the name of `id`

  SymbolTable names_;
  std::size_t longest_name_ = 16;
  std::string pending_;  // a symbol name still being read
  std::size_t pending_len_ = 0;
  SymbolId pending_id_ = kNoSymbol;
  bool footer_ = false;
  std::string error_;
  TakeSink take_sink_ = nullptr;
  void* take_ctx_ = nullptr;
};

}  // namespace dmabot::core::journal
