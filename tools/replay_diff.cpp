#include "tools/replay_diff.h"

#include <map>
#include <string_view>
#include <utility>
#include <vector>

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

namespace {

// One file's decisions split into streams, each in file order: the signals of each strategy slot
// ("strat"), and the orders. Each stream has one producer (a worker's tap, the router's tap), so its
// order is the run's; how the recorder interleaved the streams depends on thread timing.
struct Decision {
  Metrics m;
  uint64_t line = 0;
  bool signal = false;
};
using Streams = std::map<std::string, std::vector<Decision>>;

absl::StatusOr<Streams> read_streams(const std::string& path) {
  DecisionReader r;
  if (auto st = r.open(path); !st.ok()) return st;
  Streams out;
  for (;;) {
    Decision d;
    auto has = r.next(d.m, d.signal);
    if (!has.ok()) return has.status();
    if (!*has) return out;
    d.line = r.line();
    const std::string* strat = d.m.find("strat");
    std::string key = d.signal ? core::str_cat("sig/", strat != nullptr ? *strat : "") : std::string("ord");
    out[key].push_back(std::move(d));
  }
}

}  // namespace

absl::StatusOr<DecisionDiff> diff_decisions(const std::string& recorded_path, const std::string& replayed_path) {
  auto rec = read_streams(recorded_path);
  if (!rec.ok()) return rec.status();
  auto rep = read_streams(replayed_path);
  if (!rep.ok()) return rep.status();
  DecisionDiff d;
  // Each stream's first difference; the one earliest in the recorded file is reported (a recorded
  // stream that ran out sorts after every recorded line).
  uint64_t best = UINT64_MAX;
  std::vector<std::string> keys;
  for (const auto& [k, v] : *rec) keys.push_back(k);
  for (const auto& [k, v] : *rep)
    if (rec->find(k) == rec->end()) keys.push_back(k);
  static const std::vector<Decision> kNone;
  for (const std::string& k : keys) {
    const auto ia = rec->find(k);
    const auto ib = rep->find(k);
    const std::vector<Decision>& a = ia == rec->end() ? kNone : ia->second;
    const std::vector<Decision>& b = ib == rep->end() ? kNone : ib->second;
    for (std::size_t i = 0; i < a.size() || i < b.size(); ++i) {
      std::string va, vb, field;
      if (i >= a.size() || i >= b.size()) {
        field = "<end>";
        va = i < a.size() ? (a[i].signal ? "a signal" : "an order") : "(none)";
        vb = i < b.size() ? (b[i].signal ? "a signal" : "an order") : "(none)";
      } else {
        field = first_difference(a[i].m, b[i].m, va, vb);
      }
      if (field.empty()) continue;
      const uint64_t at = i < a.size() ? a[i].line : UINT64_MAX - 1;
      if (at < best || (d.identical && at == best)) {
        best = at;
        d.identical = false;
        d.recorded_line = i < a.size() ? a[i].line : 0;
        d.replayed_line = i < b.size() ? b[i].line : 0;
        d.field = field;
        d.recorded_value = va;
        d.replayed_value = vb;
      }
      break;
    }
  }
  // Decisions before the reported difference (all of them when identical).
  for (const auto& [k, a] : *rec) {
    for (const Decision& x : a) {
      if (!d.identical && x.line >= best) break;
      ++(x.signal ? d.signals : d.orders);
    }
  }
  return d;
}

}  // namespace dmabot::tools
