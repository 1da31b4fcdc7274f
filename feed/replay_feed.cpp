#include "feed/replay_feed.h"

#include <algorithm>
#include <utility>

#include "core/input_file.h"
#include "core/strings.h"
#include "core/tap.h"
#include "feed/event_cache.h"

namespace dmabot::feed {

std::string_view to_string(ReplayEvent::Kind k) {
  switch (k) {
    case ReplayEvent::kMdTick: return "md";
    case ReplayEvent::kTrade: return "trade";
    case ReplayEvent::kMarkPrice: return "mark";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// CaptureSource

CaptureSource::CaptureSource(core::SymbolTable& symbols, CaptureOptions options)
    : reader_(std::make_unique<CaptureReader>(symbols, options)) {}

bool CaptureSource::next(ReplayEvent& out) {
  while (reader_->next(ev_)) {
    switch (ev_.kind) {
      case CaptureEvent::kMdTick:
        out.kind = ReplayEvent::kMdTick;
        out.tick = ev_.tick;
        break;
      case CaptureEvent::kTrade:
        out.kind = ReplayEvent::kTrade;
        out.trade = ev_.trade;
        break;
      case CaptureEvent::kMarkPrice:
        out.kind = ReplayEvent::kMarkPrice;
        out.mark = ev_.mark;
        break;
      default:
        continue;  // depth / snapshot: counted as skipped in stats()
    }
    out.line = ev_.line;
    out.ts_local = ev_.ts_local;
    return true;
  }
  return false;
}

SourceStats CaptureSource::stats() const {
  const CaptureStats& c = reader_->stats();
  SourceStats s;
  s.lines = c.lines;
  s.events[ReplayEvent::kMdTick] = c.count(CaptureEvent::kMdTick);
  s.events[ReplayEvent::kTrade] = c.count(CaptureEvent::kTrade);
  s.events[ReplayEvent::kMarkPrice] = c.count(CaptureEvent::kMarkPrice);
  s.skipped = c.count(CaptureEvent::kDepth) + c.count(CaptureEvent::kSnapshot) + c.unknown + c.empty_lines;
  s.malformed = c.malformed;
  for (const LineIssue& i : c.samples) {
    if (s.samples.size() >= SourceStats::kMaxSamples) break;
    std::string reason(to_string(i.error));
    if (i.parse_error != ParseError::kNone) core::str_append(reason, ": ", to_string(i.parse_error));
    if (!i.field.empty()) core::str_append(reason, " (field '", i.field, "')");
    core::str_append(reason, " — ", expectation(i.error));
    s.samples.push_back(ReplayIssue{i.line, std::move(reason)});
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// RecordingSource

RecordingSource::RecordingSource(core::SymbolTable& symbols, std::size_t max_line_bytes)
    : reader_(std::make_unique<core::JsonlReader>(std::size_t{1} << 20, max_line_bytes)), decoder_(&symbols) {}

void RecordingSource::malformed(uint64_t line, std::string_view reason) {
  ++stats_.malformed;
  if (stats_.samples.size() < SourceStats::kMaxSamples) {
    stats_.samples.push_back(ReplayIssue{line, std::string(reason)});
  }
}

absl::Status RecordingSource::open(const std::string& path) {
  if (absl::Status st = reader_->open(path); !st.ok()) return st;
  std::string_view line;
  for (;;) {
    const core::JsonlReader::Result r = reader_->next(line);
    if (r == core::JsonlReader::Result::kError) return reader_->status();
    if (r == core::JsonlReader::Result::kEof) break;
    if (r == core::JsonlReader::Result::kTooLong) {
      // Its own status code: the caller can tell "raise the limit" from "not a recording".
      return absl::OutOfRangeError(core::str_cat("'", path, "' line ", reader_->line_number(), ": longer than ",
                                                 reader_->max_line_bytes(), " bytes; not a dmabot recording header"));
    }
    ++stats_.lines;
    // A truncated first line may still be a complete header; decode() copies it into padding.
    const core::DecodeResult d = r == core::JsonlReader::Result::kLine ? decoder_.decode_padded(line, rec_)
                                                                       : decoder_.decode(line, rec_);
    if (d == core::DecodeResult::kEmpty) {
      ++stats_.skipped;
      continue;
    }
    if (d == core::DecodeResult::kOk && rec_.kind == core::RecordKind::kConfig) {
      ++stats_.skipped;
      return absl::OkStatus();
    }
    return core::invalid("'", path, "' line ", reader_->line_number(),
                         ": not a dmabot recording (the first line is not a \"kind\":\"config\" header)");
  }
  return core::invalid("'", path, "': empty file, neither a raw capture nor a dmabot recording");
}

bool RecordingSource::next(ReplayEvent& out) {
  std::string_view line;
  while (!done_) {
    const core::JsonlReader::Result r = reader_->next(line);
    if (r == core::JsonlReader::Result::kEof || r == core::JsonlReader::Result::kError) {
      done_ = true;
      break;
    }
    ++stats_.lines;
    const uint64_t line_no = reader_->line_number();
    if (r == core::JsonlReader::Result::kTooLong) {
      malformed(line_no, core::str_cat("line longer than ", reader_->max_line_bytes(), " bytes: skipped"));
      continue;
    }
    const bool truncated = r == core::JsonlReader::Result::kTruncated;
    const core::DecodeResult d = truncated ? decoder_.decode(line, rec_) : decoder_.decode_padded(line, rec_);
    if (d == core::DecodeResult::kEmpty) {
      ++stats_.skipped;
      continue;
    }
    if (d != core::DecodeResult::kOk) {
      malformed(line_no, core::str_cat(truncated ? "truncated last line: " : "", to_string(d), ": ",
                                       decoder_.error()));
      continue;
    }
    switch (rec_.kind) {
      case core::RecordKind::kMd:
        out.kind = ReplayEvent::kMdTick;
        out.tick = std::get<core::MdTick>(rec_.event);
        out.ts_local = out.tick.ts_local;
        break;
      case core::RecordKind::kTrade:
        out.kind = ReplayEvent::kTrade;
        out.trade = std::get<core::Trade>(rec_.event);
        out.ts_local = out.trade.ts_local;
        break;
      case core::RecordKind::kMark:
        out.kind = ReplayEvent::kMarkPrice;
        out.mark = std::get<core::MarkPrice>(rec_.event);
        out.ts_local = out.mark.ts_local;
        break;
      case core::RecordKind::kCtl:
        if (const auto& c = std::get<core::Control>(rec_.event); c.command == core::ControlCommand::kPositionAdjust) {
          controls_.push_back(c);  // cold: a handful per run
        } else {
          ++stats_.skipped;
        }
        continue;
      default:
        ++stats_.skipped;
        continue;
    }
    out.line = line_no;
    ++stats_.events[out.kind];
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<EventSource>> open_source(const std::string& path, core::SymbolTable& symbols,
                                                         const SourceOptions& options) {
  // Sniffing reads the start of the file and the readers need its end: only regular files.
  if (absl::Status st = core::require_regular_file(path); !st.ok()) return st;
  if (is_event_cache(path)) {
    CacheSource src(symbols);
    if (absl::Status st = src.open(path); !st.ok()) return st;
    return std::make_unique<EventSource>(EventSource::Impl(std::move(src)));
  }
  if (is_raw_capture(path)) {
    CaptureOptions capture;
    capture.max_line_bytes = options.max_line_bytes;
    CaptureSource src(symbols, capture);
    if (absl::Status st = src.open(path); !st.ok()) return st;
    return std::make_unique<EventSource>(EventSource::Impl(std::move(src)));
  }
  RecordingSource src(symbols, options.max_line_bytes);
  if (absl::Status st = src.open(path); !st.ok()) return st;
  return std::make_unique<EventSource>(EventSource::Impl(std::move(src)));
}

// ---------------------------------------------------------------------------------------------
// ReplayFeed

ReplayFeed::ReplayFeed(std::unique_ptr<EventSource> source, const core::Clock& clock,
                       std::vector<FeedOutput> md_outputs, std::vector<core::SpscRing<core::Trade>*> trade_outputs,
                       std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs,
                       std::vector<core::Counter*> ticks_by_symbol, ReplayOptions options)
    : source_(std::move(source)), clock_(clock), md_outputs_(std::move(md_outputs)),
      trade_outputs_(std::move(trade_outputs)), mark_outputs_(std::move(mark_outputs)),
      ticks_by_symbol_(std::move(ticks_by_symbol)), opt_(options) {
  symbol_map_.reserve(64);
  md_mask_.reserve(64);
  if (md_outputs_.size() > kMaxOutputs) md_outputs_.resize(kMaxOutputs);
  if (trade_outputs_.size() > kMaxOutputs) trade_outputs_.resize(kMaxOutputs);
  if (mark_outputs_.size() > kMaxOutputs) mark_outputs_.resize(kMaxOutputs);
  fetch();
  if (!have_next_) finished_.store(true, std::memory_order_release);
}

void ReplayFeed::fetch() {
  while ((have_next_ = source_ != nullptr && source_->next(next_))) {
    if (opt_.control_out != nullptr) (void)source_->take_controls(controls_);
    if (accept(next_)) return;
  }
  if (source_ != nullptr && opt_.control_out != nullptr)
    (void)source_->take_controls(controls_);  // after the last event
}

int ReplayFeed::deliver_controls(core::UnixNanos now, bool all) {
  int n = 0;
  while (controls_head_ < controls_.size()) {
    core::Control c = controls_[controls_head_];
    if (!all && c.ts_local > now) break;
    if (opt_.source_symbols != nullptr && opt_.symbols != nullptr && c.symbol != core::kNoSymbol)
      c.symbol = map_symbol(c.symbol);
    if (c.symbol != core::kNoSymbol) {
      c.ts_local = now;
      if (!opt_.control_out->try_push(c)) break;  // risk has not taken the last ones yet: next poll
      ++controls_delivered_;
    }
    ++controls_head_;
    ++n;
  }
  if (controls_head_ == controls_.size() && controls_head_ != 0) {
    controls_.clear();
    controls_head_ = 0;
  }
  return n;
}

core::SymbolId ReplayFeed::map_symbol(core::SymbolId source_id) {
  if (source_id >= opt_.source_symbols->size()) return core::kNoSymbol;
  while (symbol_map_.size() <= source_id) {
    const auto id = static_cast<core::SymbolId>(symbol_map_.size());
    symbol_map_.push_back(opt_.symbols->find(opt_.source_symbols->name(id)));
  }
  return symbol_map_[source_id];
}

uint64_t ReplayFeed::md_mask(core::SymbolId sym) {
  // The shard test costs a division per output; a symbol's outputs never change, so cache them.
  if (sym < md_mask_.size()) return md_mask_[sym];
  while (md_mask_.size() <= sym) {
    const std::size_t id = md_mask_.size();
    uint64_t mask = 0;
    for (std::size_t i = 0; i < md_outputs_.size(); ++i) {
      const FeedOutput& o = md_outputs_[i];
      if (o.ring != nullptr && o.shard_count != 0 && id % o.shard_count == o.shard_index) mask |= uint64_t{1} << i;
    }
    md_mask_.push_back(mask);
  }
  return md_mask_[sym];
}

bool ReplayFeed::accept(ReplayEvent& e) {
  if (e.ts_local < opt_.from || e.ts_local >= opt_.until) {
    ++outside_window_;
    return false;
  }
  if (opt_.symbols == nullptr || opt_.source_symbols == nullptr) return true;
  core::SymbolId* sym = nullptr;
  switch (e.kind) {
    case ReplayEvent::kMdTick: sym = &e.tick.symbol; break;
    case ReplayEvent::kTrade: sym = &e.trade.symbol; break;
    case ReplayEvent::kMarkPrice: sym = &e.mark.symbol; break;
  }
  *sym = map_symbol(*sym);
  if (*sym == core::kNoSymbol) {
    ++unconfigured_symbol_;
    return false;
  }
  return true;
}

int64_t ReplayFeed::next_wakeup() const {
  if (pending_mask_ != 0) return last_ts_;  // already due: waiting for ring space, not for time
  const int64_t control = controls_.empty() ? kNever : std::max(controls_[controls_head_].ts_local, last_ts_);
  if (!have_next_) return controls_.empty() ? kNever : last_ts_;
  return std::min(control, std::max(next_.ts_local, last_ts_));
}

void ReplayFeed::start_delivery() noexcept {
  if (next_.ts_local < last_ts_) {
    if (out_of_order_++ == 0) {
      first_backwards_line_ = next_.line;
      first_backwards_ns_ = last_ts_ - next_.ts_local;
    }
    max_backwards_ns_ = std::max(max_backwards_ns_, last_ts_ - next_.ts_local);
  } else {
    last_ts_ = next_.ts_local;
  }
  pending_mask_ = 0;
  switch (next_.kind) {
    case ReplayEvent::kMdTick: {
      core::tap_blocking(opt_.record_md, next_.tick, opt_.recorder_waits);
      const core::SymbolId sym = next_.tick.symbol;
      if (sym < ticks_by_symbol_.size() && ticks_by_symbol_[sym] != nullptr) ticks_by_symbol_[sym]->inc();
      pending_mask_ = md_mask(sym);
      break;
    }
    case ReplayEvent::kTrade:
      core::tap_blocking(opt_.record_trade, next_.trade, opt_.recorder_waits);
      for (std::size_t i = 0; i < trade_outputs_.size(); ++i) {
        if (trade_outputs_[i] != nullptr) pending_mask_ |= uint64_t{1} << i;
      }
      break;
    case ReplayEvent::kMarkPrice:
      core::tap_blocking(opt_.record_mark, next_.mark, opt_.recorder_waits);
      for (std::size_t i = 0; i < mark_outputs_.size(); ++i) {
        if (mark_outputs_[i] != nullptr) pending_mask_ |= uint64_t{1} << i;
      }
      break;
  }
}

bool ReplayFeed::deliver_pending() noexcept {
  uint64_t todo = pending_mask_;
  while (todo != 0) {
    const auto i = static_cast<std::size_t>(__builtin_ctzll(todo));  // lowest owed ring
    const uint64_t bit = uint64_t{1} << i;
    todo &= ~bit;
    bool ok = false;
    switch (next_.kind) {
      case ReplayEvent::kMdTick: ok = md_outputs_[i].ring->try_push(next_.tick); break;
      case ReplayEvent::kTrade: ok = trade_outputs_[i]->try_push(next_.trade); break;
      case ReplayEvent::kMarkPrice: ok = mark_outputs_[i]->try_push(next_.mark); break;
    }
    if (ok) pending_mask_ &= ~bit;
  }
  return pending_mask_ == 0;
}

int ReplayFeed::poll() {
  if (finished_.load(std::memory_order_relaxed)) return 0;
  if (stop_.load(std::memory_order_acquire) && pending_mask_ == 0) {
    have_next_ = false;
    finished_.store(true, std::memory_order_release);
    return 0;
  }
  int handled = 0;
  if (pending_mask_ != 0) {
    if (!deliver_pending()) return 0;
    ++delivered_[next_.kind];
    fetch();
  }
  const core::UnixNanos now = clock_.now();
  if (!controls_.empty()) handled += deliver_controls(now, !have_next_);
  while (handled < kBatch && have_next_) {
    // An event older than one already delivered goes out at once: waiting would need the clock
    // to run backwards.
    if (next_.ts_local > now && next_.ts_local >= last_ts_) break;
    // The adjustments recorded before this event go first.
    if (!controls_.empty()) {
      handled += deliver_controls(now, true);
      if (!controls_.empty()) break;  // control_out full: the event waits behind them
    }
    start_delivery();
    ++handled;
    if (!deliver_pending()) break;
    ++delivered_[next_.kind];
    fetch();
  }
  if (!have_next_ && pending_mask_ == 0 && controls_.empty()) finished_.store(true, std::memory_order_release);
  return handled;
}

ReplayStats ReplayFeed::stats() const {
  ReplayStats s;
  s.delivered = delivered_;
  s.out_of_order = out_of_order_;
  s.first_out_of_order_line = first_backwards_line_;
  s.first_out_of_order_ns = first_backwards_ns_;
  s.max_out_of_order_ns = max_backwards_ns_;
  s.unconfigured_symbol = unconfigured_symbol_;
  s.outside_window = outside_window_;
  if (source_ != nullptr) s.source = source_->stats();
  return s;
}

}  // namespace dmabot::feed
