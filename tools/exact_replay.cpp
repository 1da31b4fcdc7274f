#include "tools/exact_replay.h"

#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>

#include "core/event_codec.h"
#include "core/journal.h"
#include "core/recorder.h"
#include "core/strings.h"

namespace dmabot::tools {
namespace {

struct Loader {
  ExactReplay* out;
  std::string bad;  // the first malformed take record
};

void on_take(void* ctx, const core::InputTake& t) {
  auto* l = static_cast<Loader*>(ctx);
  if (t.count == 0 && l->bad.empty()) l->bad = core::str_cat("take record ", l->out->take_records + 1, " has count 0");
  if (l->out->takes.size() <= t.stage) l->out->takes.resize(t.stage + 1u);
  l->out->takes[t.stage].push_back(t);
  ++l->out->take_records;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

absl::StatusOr<uint64_t> join_rotated_journal(const std::vector<std::string>& parts, const std::string& out_path) {
  namespace j = core::journal;
  File out(std::fopen(out_path.c_str(), "wb"));
  if (!out) return core::invalid(out_path, ": cannot be written");
  std::string first_header;
  core::RecordFooter sum;
  bool every_footer = true;  // each part ended with its footer (a clean stop of the run)
  uint64_t slots = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::string& part = parts[k];
    File in(std::fopen(part.c_str(), "rb"));
    if (!in) return core::invalid(part, ": cannot be read");
    j::FileHeader h{};
    if (std::fread(&h, sizeof h, 1, in.get()) != 1 || !j::has_magic({h.magic, sizeof h.magic}))
      return core::invalid(part, ": not a journal (a rotated journal's parts are all journals)");
    if (absl::Status st = j::JournalRenderer::check_header(h, part); !st.ok()) return st;
    std::string header(j::header_bytes(h.config_len), '\0');
    std::memcpy(header.data(), &h, sizeof h);
    if (std::fread(header.data() + sizeof h, header.size() - sizeof h, 1, in.get()) != 1)
      return core::invalid(part, ": its header is cut short");
    if (k == 0) {
      first_header = header;
      if (std::fwrite(header.data(), header.size(), 1, out.get()) != 1)
        return core::invalid(out_path, ": write failed");
    } else if (header != first_header) {
      return core::invalid(part, ": its config header differs from ", parts[0], "'s: not parts of one recording");
    }
    bool footer = false;
    std::size_t continuation = 0;  // slots a long symbol name still takes
    for (j::Slot s;;) {
      const std::size_t got = std::fread(&s, 1, sizeof s, in.get());
      if (got == 0) break;
      if (got < sizeof s) {
        if (k + 1 != parts.size())
          return core::invalid(part, ": its last slot is cut short, but ", parts[k + 1], " follows it");
        if (std::fwrite(&s, got, 1, out.get()) != 1) return core::invalid(out_path, ": write failed");
        break;
      }
      const auto kind = static_cast<uint8_t>(s.tag & 0xFF);
      if (continuation != 0) {
        --continuation;
      } else if (kind == j::kSymbolSlot) {
        uint32_t len = 0;
        std::memcpy(&len, s.bytes, sizeof len);
        continuation = j::symbol_slots(len) - 1;
      } else if (kind == j::kFooterSlot) {
        core::RecordFooter f;
        std::memcpy(&f, s.bytes, sizeof f);
        sum.events += f.events;
        for (std::size_t i = 0; i < sum.counts.size(); ++i) sum.counts[i] += f.counts[i];
        footer = true;
        continue;
      }
      if (std::fwrite(&s, sizeof s, 1, out.get()) != 1) return core::invalid(out_path, ": write failed");
      ++slots;
    }
    if (std::ferror(in.get())) return core::invalid(part, ": read failed");
    every_footer = every_footer && footer;
  }
  if (every_footer) {
    j::Slot s;
    (void)j::write_footer(sum, &s);
    if (std::fwrite(&s, sizeof s, 1, out.get()) != 1) return core::invalid(out_path, ": write failed");
    ++slots;
  }
  if (std::fflush(out.get()) != 0) return core::invalid(out_path, ": write failed");
  return slots;
}

absl::StatusOr<ExactReplay> load_exact_replay(const std::string& path) {
  ExactReplay er;
  Loader loader{&er, {}};
  core::JsonlReader reader;
  reader.set_take_sink(&on_take, &loader);
  if (absl::Status st = reader.open(path); !st.ok()) return st;
  core::SymbolTable scratch;
  core::EventDecoder decoder(&scratch);
  core::RecordedEvent rec;
  std::string_view line;
  for (;;) {
    const core::JsonlReader::Result r = reader.next(line);
    if (r == core::JsonlReader::Result::kEof) break;
    if (r == core::JsonlReader::Result::kError) return reader.status();
    if (r == core::JsonlReader::Result::kTruncated) {
      // The reader's line for a cut slot says where: {"journal":"last slot cut short at byte N: k of 72 bytes"
      const std::size_t from = line.find("last slot");
      const std::size_t to = line.rfind('"');
      er.incomplete = from != std::string_view::npos && to != std::string_view::npos && to > from
                          ? std::string(line.substr(from, to - from))
                          : core::str_cat("its last slot is cut short (line ", reader.line_number(), ")");
      break;
    }
    if (r != core::JsonlReader::Result::kLine) continue;
    if (line.find("\"kind\":\"exec\"") == std::string_view::npos) continue;
    if (decoder.decode_padded(line, rec) != core::DecodeResult::kOk) {
      return core::invalid(path, ":", reader.line_number(), ": ", decoder.error());
    }
    core::ExecReport e = std::get<core::ExecReport>(rec.event);
    if (e.venue == core::kRiskVenue) continue;  // risk's and the router's own answers, not a venue's
    if (er.venue_reports.size() <= e.venue) er.venue_reports.resize(e.venue + 1u);
    er.venue_reports[e.venue].push_back(e);
  }
  for (std::size_t i = 0; i < scratch.size(); ++i)
    er.symbol_names.emplace_back(scratch.name(static_cast<core::SymbolId>(i)));
  if (!loader.bad.empty()) return core::invalid(path, ": ", loader.bad);
  if (er.incomplete.empty() && !reader.saw_footer())
    er.incomplete = "it has no end footer (the run did not stop cleanly)";
  return er;
}

std::string take_stage_name(uint16_t stage, const std::vector<std::string>& workers) {
  if (stage == core::take_ids::kRiskStage) return "risk";
  if (stage == core::take_ids::kRouterStage) return "router";
  const std::size_t k = stage - core::take_ids::kFirstWorkerStage;
  return k < workers.size() ? workers[k] : core::str_cat("stage ", stage);
}

std::string take_input_name(uint16_t stage, uint8_t input, const std::vector<std::string>& workers,
                            const std::vector<std::string>& venues) {
  using namespace core::take_ids;
  if (stage == kRiskStage) {
    switch (input) {
      case kRiskControl:
        return "control commands";
      case kRiskStatus:
        return "book statuses";
      case kRiskMd:
        return "md";
      case kRiskExec:
        return "exec reports from the router";
      case kRiskEngineCancels:
        return "engine cancels";
      case kRiskConfirmPositions:
        return "position confirmations";
      case kRiskAdopted:
        return "orders adopted at start";
      default: {
        if (input >= kRiskPositions && input < kRiskPositions + kRiskMaxPositionVenues) {
          const std::size_t v = input - kRiskPositions;
          return v < venues.size() ? core::str_cat("position events of venue ", venues[v])
                                   : core::str_cat("position events of venue ", v);
        }
        const std::size_t w = input - kRiskSignals;
        return w < workers.size() ? core::str_cat("signals of ", workers[w]) : core::str_cat("input ", input);
      }
    }
  }
  if (stage == kRouterStage) {
    if (input == kRouterOrders) return "orders from risk";
    if (input == kRouterAdopted) return "orders adopted at start";
    const std::size_t v = input - kRouterVenue;
    return v < venues.size() ? core::str_cat("reports of venue ", venues[v]) : core::str_cat("input ", input);
  }
  switch (input) {
    case kWorkerMd:
      return "md";
    case kWorkerExec:
      return "exec reports from risk";
    case kWorkerStatus:
      return "book statuses";
    default:
      return core::str_cat("input ", input);
  }
}

int RecordedVenues::poll() {
  int n = 0;
  for (Venue& v : venues_) {
    while (v.in->front() != nullptr) {  // what the router sends: already recorded as its ord lines
      v.in->pop();
      ++n;
    }
    while (v.next < v.reports->size() && v.out->try_push((*v.reports)[v.next])) {
      ++v.next;
      ++n;
    }
  }
  for (auto* r : md_)
    while (r->front() != nullptr) r->pop(), ++n;
  for (auto* r : trades_)
    while (r->front() != nullptr) r->pop(), ++n;
  for (auto* r : marks_)
    while (r->front() != nullptr) r->pop(), ++n;
  return n;
}

}  // namespace dmabot::tools
