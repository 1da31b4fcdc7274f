// tools/exact_replay.h — exact replay: a journal recording that holds the decision stages' input takes
// (RECORD_FORMAT=journal, core/input_sequence.h) replayed to the very same signals and orders, even
// when it was recorded by a threaded live run.
//
// A threaded run's decisions depend on when each input reached each stage, so replaying its market
// data alone gives other decisions. The recording also holds, per decision stage, the runs of takes
// (stage, input, count, the stage's time) and the venue reports as the router took them (the router's
// raw `exec` lines). An exact replay (Engine with EngineOptions::exact, run by
// Engine::run_exact_to_completion) is fused, on one thread:
//   * the feed is the recording's market data (ReplayFeed over the same file, paced by the engine's
//     simulated clock);
//   * the venues are RecordedVenues: it hands each venue's recorded reports to the router in recorded
//     order as ring room allows, and drains (drops) what the router and the feed send the venues;
//   * control commands, book statuses and live venues' position events come from the take records'
//     payloads (a live Binance run replays too: its venues are the recorded reports, built by name and
//     order as the live run had them, with nothing connected and no credentials needed);
//   * each decision stage follows its recorded takes through its InputSequence (kReplay): it takes
//     only the input the next record names, only that many, at the record's time, and waits while
//     that input has not delivered yet.
// So every stage sees the same inputs in the same order at the same times and makes the same
// decisions. A recording that cannot be followed (inputs that never arrive: a damaged or edited
// file, another build's stages) ends the run with one line naming the stage, the record and the
// input (detected as a pass with no progress, never a hang).
//
// Threads: the loader and the stage run on the replaying thread. Allocation: the loader holds every
// take record and venue report in memory (64 bytes a record; a very long recording needs as much
// RAM — see "not done" in docs/ARCHITECTURE.md); the stage allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/events.h"
#include "core/input_sequence.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"

namespace dmabot::tools {

struct ExactReplay {
  std::vector<std::vector<core::InputTake>> takes;           // by stage id (core::take_ids)
  std::vector<std::vector<core::ExecReport>> venue_reports;  // by venue id, in the router's take order
  std::vector<std::string> symbol_names;  // the reports' SymbolIds are indexes here (the engine maps them)
  uint64_t take_records = 0;
  // "" when the file ended with its footer; else why not (a cut-short last slot, no footer).
  std::string incomplete;
};

// Reads the journal at `path`: its take records and its venue reports (exec lines whose venue is not
// core::kRiskVenue). take_records == 0: a recording without takes (JSONL, or a journal from before
// them): replay it as before. Errors name the file.
[[nodiscard]] absl::StatusOr<ExactReplay> load_exact_replay(const std::string& path);

// A rotated journal (core/recorder.h: PATH, PATH.1, PATH.2, ... — `parts` in that order) as one journal
// at `out_path`, so it replays exactly: the first part's header, every part's slots in order without
// their footers (each part repeats its symbol records with the same ids, which readers accept), and one
// footer with the summed counts when every part has one (a clean stop). A last part cut short stays
// cut short (the replay says so); any other part cut short, or parts from different runs (another
// config header), is an error naming the part. Returns the slots written. Cold; streams the parts.
[[nodiscard]] absl::StatusOr<uint64_t> join_rotated_journal(const std::vector<std::string>& parts,
                                                            const std::string& out_path);

// "risk", "router" or the worker's name; "exec", "md", "signals of <worker>", "venue <name>", ...
[[nodiscard]] std::string take_stage_name(uint16_t stage, const std::vector<std::string>& worker_names);
[[nodiscard]] std::string take_input_name(uint16_t stage, uint8_t input, const std::vector<std::string>& worker_names,
                                          const std::vector<std::string>& venue_names);

// The venues of an exact replay (see above). One stage for every venue.
class RecordedVenues final : public core::Stage {
 public:
  struct Venue {
    core::SpscRing<core::Order>* in = nullptr;        // from the router: drained, dropped
    core::SpscRing<core::ExecReport>* out = nullptr;  // to the router: the recorded reports
    const std::vector<core::ExecReport>* reports = nullptr;
    std::size_t next = 0;
  };
  RecordedVenues(std::vector<Venue> venues, std::vector<core::SpscRing<core::MdTick>*> md,
                 std::vector<core::SpscRing<core::Trade>*> trades, std::vector<core::SpscRing<core::MarkPrice>*> marks)
      : venues_(std::move(venues)), md_(std::move(md)), trades_(std::move(trades)), marks_(std::move(marks)) {}
  int poll() override;
  std::string_view name() const override { return "recorded_venues"; }
  // Reports of venue v not handed to the router yet.
  [[nodiscard]] std::size_t left(std::size_t v) const { return venues_[v].reports->size() - venues_[v].next; }
  [[nodiscard]] std::size_t venue_count() const { return venues_.size(); }

 private:
  std::vector<Venue> venues_;
  std::vector<core::SpscRing<core::MdTick>*> md_;
  std::vector<core::SpscRing<core::Trade>*> trades_;
  std::vector<core::SpscRing<core::MarkPrice>*> marks_;
};

}  // namespace dmabot::tools
