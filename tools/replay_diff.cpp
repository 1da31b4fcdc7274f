#include "tools/replay_diff.h"

#include <string_view>
#include <utility>

#include "core/recorder.h"
#include "core/strings.h"
#include "tools/sweep.h"

namespace dmabot::tools {
namespace {

// Walks one file's decision lines.
class DecisionReader {
 public:
  absl::Status open(const std::string& path) { return reader_.open(path); }

  // The next sig/ord line as a flat object; false at the end of the file.
  absl::StatusOr<bool> next(Metrics& out, bool& is_signal) {
    std::string_view line;
    for (;;) {
      const core::JsonlReader::Result r = reader_.next(line);
      if (r == core::JsonlReader::Result::kEof) return false;
      if (r == core::JsonlReader::Result::kError) return reader_.status();
      if (r == core::JsonlReader::Result::kTooLong) {
        return core::invalid(reader_.path(), ":", reader_.line_number(), ": line longer than ",
                             reader_.max_line_bytes(), " bytes");
      }
      const bool sig = line.find("\"kind\":\"sig\"") != std::string_view::npos;
      const bool ord = !sig && line.find("\"kind\":\"ord\"") != std::string_view::npos;
      if (!sig && !ord) {
        if (r == core::JsonlReader::Result::kTruncated) {
          return core::invalid(reader_.path(), ":", reader_.line_number(), ": truncated last line");
        }
        continue;
      }
      auto m = parse_summary_json(line);
      if (!m.ok() || r == core::JsonlReader::Result::kTruncated) {
        return core::invalid(reader_.path(), ":", reader_.line_number(), ": not a complete decision line");
      }
      out = std::move(*m);
      is_signal = sig;
      return true;
    }
  }
  uint64_t line() const { return reader_.line_number(); }

 private:
  core::JsonlReader reader_;
};

// First differing field of two decision lines ("" when equal), seq ignored.
std::string first_difference(const Metrics& a, const Metrics& b, std::string& va, std::string& vb) {
  for (const auto& [key, value] : a.values) {
    if (key == "seq") continue;
    const std::string* other = b.find(key);
    if (other == nullptr || *other != value) {
      va = value;
      vb = other == nullptr ? "(none)" : *other;
      return key;
    }
  }
  for (const auto& [key, value] : b.values) {
    if (key != "seq" && a.find(key) == nullptr) {
      va = "(none)";
      vb = value;
      return key;
    }
  }
  return "";
}

}  // namespace

std::string DecisionDiff::to_text() const {
  if (identical) return core::str_cat("identical: ", signals, " signals and ", orders, " orders");
  auto where = [](uint64_t line) { return line == 0 ? std::string("end of file") : core::str_cat("line ", line); };
  return core::str_cat("first divergence after ", signals, " signals and ", orders, " identical orders: recorded ",
                       where(recorded_line), " vs replayed ", where(replayed_line), ", field '", field, "': recorded ",
                       recorded_value, ", replayed ", replayed_value);
}

absl::StatusOr<DecisionDiff> diff_decisions(const std::string& recorded_path, const std::string& replayed_path) {
  DecisionReader rec, rep;
  if (auto st = rec.open(recorded_path); !st.ok()) return st;
  if (auto st = rep.open(replayed_path); !st.ok()) return st;
  DecisionDiff d;
  for (;;) {
    Metrics a, b;
    bool a_sig = false, b_sig = false;
    auto ha = rec.next(a, a_sig);
    if (!ha.ok()) return ha.status();
    auto hb = rep.next(b, b_sig);
    if (!hb.ok()) return hb.status();
    if (!*ha && !*hb) return d;
    if (!*ha || !*hb) {
      d.identical = false;
      d.recorded_line = *ha ? rec.line() : 0;
      d.replayed_line = *hb ? rep.line() : 0;
      d.field = "<end>";
      d.recorded_value = *ha ? (a_sig ? "a signal" : "an order") : "(none)";
      d.replayed_value = *hb ? (b_sig ? "a signal" : "an order") : "(none)";
      return d;
    }
    std::string va, vb;
    const std::string field = first_difference(a, b, va, vb);
    if (!field.empty()) {
      d.identical = false;
      d.recorded_line = rec.line();
      d.replayed_line = rep.line();
      d.field = field;
      d.recorded_value = va;
      d.replayed_value = vb;
      return d;
    }
    ++(a_sig ? d.signals : d.orders);
  }
}

}  // namespace dmabot::tools
