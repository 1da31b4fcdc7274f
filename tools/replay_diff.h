// tools/replay_diff.h — compares the decisions of two recordings: what `dmabot replay --diff` prints.
//
// Decisions are the Signal ("sig") and Order ("ord") lines, compared pairwise, field by field, as flat
// JSON objects, per stream: the signals of each strategy slot ("strat") in file order, and the orders
// in file order. Each stream has one producer (a worker, the router), so its order is the run's own;
// how the recorder interleaved different streams depends on thread timing in a threaded run, and is
// not a decision. Both files are held in memory (offline tool). "seq" is left out: it numbers every line of
// a file (market data included), so it differs whenever the two files hold different market-data
// lines, while the decisions themselves are the same. Everything else — timestamps, symbol, strategy
// slot, side, price, quantity, client id — must match byte for byte.
//
// The difference earliest in the recorded file is reported with both line numbers, the field and the two values; a file
// that runs out of decisions first is a difference in the pseudo-field "<end>". A line that is not a flat JSON object
// (a truncated last line, say) is an error naming the file and line.
//
// Threads: any. Allocation: freely (offline tool).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace dmabot::tools {

struct DecisionDiff {
  bool identical = true;
  uint64_t signals = 0;  // decisions compared before the first difference (or in total)
  uint64_t orders = 0;
  // First divergence (when !identical).
  uint64_t recorded_line = 0;  // 0 = the file had no more decisions
  uint64_t replayed_line = 0;
  std::string field;
  std::string recorded_value;  // JSON token text, or "(none)"
  std::string replayed_value;

  // "identical: 128 signals and 135 orders" or
  // "first divergence: recorded line 153 vs replayed line 150, field 'px': recorded \"3002.62\", replayed \"3002.63\""
  [[nodiscard]] std::string to_text() const;
};

[[nodiscard]] absl::StatusOr<DecisionDiff> diff_decisions(const std::string& recorded_path,
                                                          const std::string& replayed_path);

}  // namespace dmabot::tools
