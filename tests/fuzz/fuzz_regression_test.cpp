// Replays every committed fuzz input through its target's check (tests/fuzz/fuzz_checks.h), in the
// normal build: tests/fuzz/regressions/<target>/* (inputs that once crashed or broke a property) and
// tests/fuzz/corpus/<target>/* (the seeds). A regression input whose bug is not fixed yet is listed
// in tests/fuzz/regressions/PENDING: the sweep leaves it out (a crash would take the whole sweep
// down) and FuzzReplay.DISABLED_Pending replays it (the line goes with the fix; docs/RELIABILITY.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_replay.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

namespace fs = std::filesystem;

// Regression inputs of bugs still open: "<target>/<file>", the first word of each PENDING line.
std::set<std::string> pending() {
  std::set<std::string> out;
  std::ifstream in(fuzz_dir() / "regressions" / "PENDING");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.insert(line.substr(0, line.find(' ')));
  }
  return out;
}

const Target& target(std::string_view name) {
  for (const Target& t : targets()) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no fuzz target " + std::string(name));
}

// Runs every file of <kind>/<target>/ through the check, pending regressions left out; returns how many ran.
std::size_t replay_dir(const Target& t, std::string_view kind) {
  return replay_inputs(kind, t.name, t.check, kind == "regressions" ? pending() : std::set<std::string>{});
}

class FuzzReplay : public ::testing::TestWithParam<std::string_view> {};

TEST_P(FuzzReplay, CorpusAndRegressionsHoldEveryProperty) {
  const Target& t = target(GetParam());
  const std::size_t corpus = replay_dir(t, "corpus");
  replay_dir(t, "regressions");
  EXPECT_GT(corpus, 0u) << "no seed corpus under " << (fuzz_dir() / "corpus" / t.name).string();
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay,
                         ::testing::Values("binance_parser", "capture_reader", "jsonl_recording", "decimal", "config",
                                           "event_cache"),
                         [](const ::testing::TestParamInfo<std::string_view>& info) {
                           return std::string(info.param);
                         });

// Every target has its directory name in the list above.
TEST(FuzzReplay, EveryTargetIsReplayed) { EXPECT_EQ(targets().size(), 6u); }

// Every pending input exists, so a renamed file cannot leave the list silently stale.
TEST(FuzzReplay, PendingInputsExist) {
  for (const std::string& key : pending()) EXPECT_TRUE(fs::is_regular_file(fuzz_dir() / "regressions" / key)) << key;
}

// The inputs of bugs not fixed yet (tests/fuzz/regressions/PENDING; each line names its finding in
// /work/wt/notes/fuzz-findings.md). Disabled: they fail, and a crasher would take the binary down.
// Run with --gtest_also_run_disabled_tests; when a fix lands, its line leaves PENDING and the normal
// sweep above replays the input.
TEST(FuzzReplay, DISABLED_Pending) {
  for (const std::string& key : pending()) {
    const std::size_t slash = key.find('/');
    const Target& t = target(key.substr(0, slash));
    EXPECT_EQ(t.check(read_bytes(fuzz_dir() / "regressions" / key)), "") << key;
  }
}

}  // namespace
}  // namespace dmabot::fuzz
