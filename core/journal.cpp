#include "core/journal.h"

#include <algorithm>
#include <cstddef>

#include "core/fnv.h"
#include "core/strings.h"

namespace dmabot::core::journal {

uint64_t layout_fingerprint() {
  Fnv1a f;
#define DMABOT_TYPE(T) f.num(sizeof(T)), f.num(alignof(T))
#define DMABOT_FIELD(T, m) f.num(offsetof(T, m)), f.num(sizeof(T::m))
  DMABOT_TYPE(MdTick);
  DMABOT_FIELD(MdTick, ts_exchange);
  DMABOT_FIELD(MdTick, ts_local);
  DMABOT_FIELD(MdTick, update_id);
  DMABOT_FIELD(MdTick, bid);
  DMABOT_FIELD(MdTick, bid_qty);
  DMABOT_FIELD(MdTick, ask);
  DMABOT_FIELD(MdTick, ask_qty);
  DMABOT_FIELD(MdTick, symbol);
  DMABOT_FIELD(MdTick, feed);
  DMABOT_TYPE(Trade);
  DMABOT_FIELD(Trade, ts_exchange);
  DMABOT_FIELD(Trade, ts_local);
  DMABOT_FIELD(Trade, trade_id);
  DMABOT_FIELD(Trade, price);
  DMABOT_FIELD(Trade, qty);
  DMABOT_FIELD(Trade, symbol);
  DMABOT_FIELD(Trade, aggressor);
  DMABOT_FIELD(Trade, feed);
  DMABOT_TYPE(MarkPrice);
  DMABOT_FIELD(MarkPrice, ts_exchange);
  DMABOT_FIELD(MarkPrice, ts_local);
  DMABOT_FIELD(MarkPrice, next_funding_time);
  DMABOT_FIELD(MarkPrice, mark);
  DMABOT_FIELD(MarkPrice, index);
  DMABOT_FIELD(MarkPrice, funding_rate_raw);
  DMABOT_FIELD(MarkPrice, symbol);
  DMABOT_FIELD(MarkPrice, feed);
  DMABOT_TYPE(Signal);
  DMABOT_FIELD(Signal, ts_tick);
  DMABOT_FIELD(Signal, ts_local);
  DMABOT_FIELD(Signal, price);
  DMABOT_FIELD(Signal, qty);
  DMABOT_FIELD(Signal, client_id);
  DMABOT_FIELD(Signal, target_id);
  DMABOT_FIELD(Signal, symbol);
  DMABOT_FIELD(Signal, strategy);
  DMABOT_FIELD(Signal, side);
  DMABOT_FIELD(Signal, action);
  DMABOT_FIELD(Signal, tif);
  DMABOT_TYPE(Order);
  DMABOT_FIELD(Order, ts_tick);
  DMABOT_FIELD(Order, ts_local);
  DMABOT_FIELD(Order, price);
  DMABOT_FIELD(Order, qty);
  DMABOT_FIELD(Order, client_id);
  DMABOT_FIELD(Order, target_id);
  DMABOT_FIELD(Order, symbol);
  DMABOT_FIELD(Order, strategy);
  DMABOT_FIELD(Order, side);
  DMABOT_FIELD(Order, action);
  DMABOT_FIELD(Order, tif);
  DMABOT_FIELD(Order, venue);
  DMABOT_TYPE(ExecReport);
  DMABOT_FIELD(ExecReport, ts_exchange);
  DMABOT_FIELD(ExecReport, ts_local);
  DMABOT_FIELD(ExecReport, last_px);
  DMABOT_FIELD(ExecReport, last_qty);
  DMABOT_FIELD(ExecReport, cum_qty);
  DMABOT_FIELD(ExecReport, client_id);
  DMABOT_FIELD(ExecReport, fee_raw);
  DMABOT_FIELD(ExecReport, symbol);
  DMABOT_FIELD(ExecReport, strategy);
  DMABOT_FIELD(ExecReport, venue);
  DMABOT_FIELD(ExecReport, side);
  DMABOT_FIELD(ExecReport, status);
  DMABOT_FIELD(ExecReport, reject_reason);
  DMABOT_FIELD(ExecReport, maker);
  DMABOT_TYPE(Control);
  DMABOT_FIELD(Control, ts_local);
  DMABOT_FIELD(Control, measured_raw);
  DMABOT_FIELD(Control, limit_raw);
  DMABOT_FIELD(Control, equity_raw);
  DMABOT_FIELD(Control, command);
  DMABOT_FIELD(Control, cause);
  DMABOT_FIELD(Control, symbol);
  DMABOT_FIELD(Control, venue);
  DMABOT_TYPE(RecordFooter);
#undef DMABOT_FIELD
#undef DMABOT_TYPE
  f.num(sizeof(Price)), f.num(sizeof(Qty)), f.num(sizeof(SymbolId)), f.num(static_cast<uint64_t>(kScale));
  f.num(kEventKindCount), f.num(kSlotBytes), f.num(kSymbolSlot), f.num(kFooterSlot);
  f.num(kByteOrderMark);  // native byte order: the bytes hashed differ on the other order
  return f.h;
}

uint64_t take_layout() {
  static const uint64_t layout = [] {
    Fnv1a f;
    f.num(sizeof(TakeBlock)), f.num(offsetof(TakeBlock, base_ts)), f.num(offsetof(TakeBlock, stage));
    f.num(offsetof(TakeBlock, n)), f.num(offsetof(TakeBlock, payload)), f.num(offsetof(TakeBlock, input));
    f.num(offsetof(TakeBlock, runs)), f.num(TakeBlock::kRunsPerBlock), f.num(sizeof(BookStatus)),
        f.num(sizeof(Control));
    f.num(kByteOrderMark), f.num(2);         // 2: the packed-run layout (input 8, count 16, time offset 40 bits)
    return f.h & ((uint64_t{1} << 56) - 1);  // the slot tag's upper 56 bits
  }();
  return layout;
}

std::string encode_file_header(std::string_view config_line) {
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.byte_order = kByteOrderMark;
  h.layout = layout_fingerprint();
  h.config_len = static_cast<uint32_t>(config_line.size());
  std::string out(header_bytes(config_line.size()), '\0');
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, config_line.data(), config_line.size());
  return out;
}

std::size_t write_symbol(SymbolId id, std::string_view name, Slot* out) {
  const std::size_t n = symbol_slots(name.size());
  std::memset(static_cast<void*>(out), 0, n * kSlotBytes);
  out->tag = kSymbolSlot | (static_cast<uint64_t>(id) << 8);
  const auto len = static_cast<uint32_t>(name.size());
  std::memcpy(out->bytes, &len, sizeof len);
  const std::size_t first = name.size() < kSymbolFirstBytes ? name.size() : kSymbolFirstBytes;
  std::memcpy(out->bytes + 4, name.data(), first);
  if (name.size() > first) std::memcpy(reinterpret_cast<char*>(out + 1), name.data() + first, name.size() - first);
  return n;
}

std::size_t write_footer(const RecordFooter& f, Slot* out) {
  out->tag = kFooterSlot;
  std::memset(out->bytes, 0, kEventBytes);
  std::memcpy(out->bytes, &f, sizeof f);
  return 1;
}

absl::Status JournalRenderer::check_header(const FileHeader& h, const std::string& path) {
  if (!has_magic(std::string_view(h.magic, sizeof h.magic))) return invalid("'", path, "': not a dmabot journal");
  if (h.version != kVersion) {
    return invalid("'", path, "': journal version ", h.version, ", this build reads version ", kVersion);
  }
  if (h.byte_order != kByteOrderMark) {
    return invalid("'", path, "': journal written on a machine of the other byte order");
  }
  if (h.layout != layout_fingerprint()) {
    return invalid("'", path, "': journal written by a build with another event layout (fingerprint ", h.layout,
                   ", this build ", layout_fingerprint(), "); export it to JSONL with the build that wrote it");
  }
  return absl::OkStatus();
}

namespace {

template <class T>
std::size_t render(const Slot& s, const SymbolTable& names, char* buf, std::size_t cap, std::string& error) {
  T e;
  std::memcpy(&e, s.bytes, sizeof e);
  if (e.symbol != kNoSymbol && e.symbol >= names.size()) {
    error = str_cat("event seq ", s.tag >> 8, " names symbol id ", e.symbol, ", which no symbol record defined");
    return 0;
  }
  const std::size_t n = encode(e, s.tag >> 8, names, buf, cap);
  if (n == 0) error = str_cat("event seq ", s.tag >> 8, ": line does not fit ", cap, " bytes");
  return n;
}

}  // namespace

JournalRenderer::Step JournalRenderer::define_symbol(SymbolId id) {
  // A repeated record (written again after a failed write) names the same id: add() returns it.
  if (names_.add(pending_) != id) {
    error_ = str_cat("symbol record ", id, " ('", pending_, "') is out of order or invalid");
    return Step::kBadSlot;
  }
  longest_name_ = std::max(longest_name_, pending_.size());
  return Step::kNoLine;
}

JournalRenderer::Step JournalRenderer::consume(const Slot& slot, char* buf, std::size_t cap, std::size_t& line_len) {
  line_len = 0;
  if (pending_id_ != kNoSymbol) {  // a long symbol name continues
    const std::size_t take = std::min(kSlotBytes, pending_len_ - pending_.size());
    pending_.append(reinterpret_cast<const char*>(&slot), take);
    if (pending_.size() < pending_len_) return Step::kMoreSlots;
    const SymbolId want = pending_id_;
    pending_id_ = kNoSymbol;
    return define_symbol(want);
  }
  const auto kind = static_cast<uint8_t>(slot.tag & 0xFF);
  std::size_t n = 0;
  switch (kind) {
    case kSymbolSlot: {
      uint32_t len = 0;
      std::memcpy(&len, slot.bytes, sizeof len);
      const auto id = static_cast<SymbolId>(slot.tag >> 8);
      if ((slot.tag >> 8) != id || len == 0 || len > 4096) {
        error_ = str_cat("symbol record with id ", slot.tag >> 8, " and length ", len, " is malformed");
        return Step::kBadSlot;
      }
      pending_.assign(reinterpret_cast<const char*>(slot.bytes) + 4, std::min<std::size_t>(len, kSymbolFirstBytes));
      pending_len_ = len;
      if (len > kSymbolFirstBytes) {
        pending_id_ = id;
        return Step::kMoreSlots;
      }
      return define_symbol(id);
    }
    case kTakeSlot: {
      if ((slot.tag >> 8) != take_layout()) {
        error_ = "take record of another layout (written by another build)";
        return Step::kBadSlot;
      }
      TakeBlock b;
      std::memcpy(&b, slot.bytes, sizeof b);
      if (b.n == 0 || b.n > TakeBlock::kRunsPerBlock || (b.payload != 0 && b.n != 1)) {
        error_ = str_cat("take record with ", int{b.n}, " runs is malformed");
        return Step::kBadSlot;
      }
      for (int i = 0; take_sink_ != nullptr && i < b.n; ++i) take_sink_(take_ctx_, b.take(i));
      return Step::kNoLine;
    }
    case kFooterSlot: {
      RecordFooter f;
      std::memcpy(&f, slot.bytes, sizeof f);
      n = encode_footer(f, buf, cap);
      footer_ = true;
      if (n == 0) error_ = "the footer does not fit the line buffer";
      break;
    }
    case static_cast<uint8_t>(EventKind::kMdTick):
      n = render<MdTick>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kTrade):
      n = render<Trade>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kMarkPrice):
      n = render<MarkPrice>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kSignal):
      n = render<Signal>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kOrder):
      n = render<Order>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kExecReport):
      n = render<ExecReport>(slot, names_, buf, cap, error_);
      break;
    case static_cast<uint8_t>(EventKind::kControl):
      n = render<Control>(slot, names_, buf, cap, error_);
      break;
    default:
      error_ = str_cat("slot of unknown kind ", static_cast<int>(kind));
      return Step::kBadSlot;
  }
  if (n == 0) return Step::kBadSlot;
  line_len = n;
  return Step::kLine;
}

}  // namespace dmabot::core::journal
