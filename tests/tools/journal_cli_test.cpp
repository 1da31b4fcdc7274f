// RECORD_FORMAT=journal end to end, the real binary as a child process: a backtest recorded as a
// journal exports (`dmabot export --jsonl`) to the same lines as the same backtest recorded as JSONL,
// replays to the same decisions (replay --diff reads the journal directly), and export's bad usage is
// one line and exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

// Everything after the first line (the config header, which names the file and the format).
std::string after_header(const std::string& text) {
  const std::size_t nl = text.find('\n');
  return nl == std::string::npos ? std::string() : text.substr(nl + 1);
}

std::string backtest_recording(const std::string& dir, const std::string& name, const std::string& format) {
  const std::string rec = dir + "/" + name;
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "backtest", "--data", testdata::fixture_capture("spot_btcusdt_20240808"), "--strategy",
                 "dynmm", "--json-summary-only", "--set", "RECORD_FILE=" + rec, "--set", "RECORD_FORMAT=" + format},
                dir, &c),
            0)
      << read_file(c.err_path);
  return rec;
}

TEST(DmabotJournal, ExportGivesTheJsonlRecordingAndReplayReadsTheJournal) {
  const std::string dir = temp_dir();
  const std::string jsonl = backtest_recording(dir, "bt.jsonl", "jsonl");
  const std::string journal = backtest_recording(dir, "bt.journal", "journal");
  const std::string text = read_file(jsonl);
  ASSERT_NE(text.find("\"status\":\"FILLED\""), std::string::npos) << "the run should have fills";
  EXPECT_EQ(read_file(journal).find("\"kind\":\"md\""), std::string::npos) << "a journal holds no JSON lines";

  Child c;
  const std::string exported = dir + "/exported.jsonl";
  ASSERT_EQ(run({dmabot_bin(), "export", journal, "--jsonl", "--out", exported}, dir, &c), 0) << read_file(c.err_path);
  const std::string ex = read_file(exported);
  EXPECT_NE(ex.find("\"RECORD_FORMAT\":\"journal\""), std::string::npos) << ex.substr(0, 300);
  EXPECT_EQ(after_header(ex), after_header(text));  // every event line and the footer, byte for byte
  // To stdout as well.
  ASSERT_EQ(run({dmabot_bin(), "export", journal, "--jsonl"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_EQ(read_file(c.out_path), ex);

  ASSERT_EQ(run({dmabot_bin(), "replay", journal, "--diff"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path).find("diff: identical: "), std::string::npos) << read_file(c.out_path);
}

TEST(DmabotJournal, ExportBadUsageIsOneLineAndExitTwo) {
  const std::string dir = temp_dir();
  const std::string journal = backtest_recording(dir, "bt.journal", "journal");
  const std::string garbage = dir + "/garbage.txt";
  {
    std::ofstream f(garbage);
    f << "hello\n";
  }
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"export", journal}, "--jsonl"},
      {{"export", "--jsonl"}, "needs IN"},
      {{"export", dir + "/missing.journal", "--jsonl"}, "missing.journal"},
      {{"export", garbage, "--jsonl"}, "not a dmabot recording"},
      {{"export", journal, "--jsonl", "--out", dir}, "is a directory"},
      {{"export", journal, "--jsonl", "--bogus"}, "--bogus"},
  };
  for (const Case& k : cases) {
    std::vector<std::string> argv = {dmabot_bin()};
    argv.insert(argv.end(), k.args.begin(), k.args.end());
    Child c;
    EXPECT_EQ(run(argv, dir, &c), 2) << k.says;
    const std::string err = read_file(c.err_path);
    EXPECT_NE(err.find(k.says), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  // A journal of another build's event layout: replay and export name the file and the reason.
  std::string raw = read_file(journal);
  raw[16] ^= 0x5A;  // FileHeader::layout
  const std::string foreign = dir + "/foreign.journal";
  {
    std::ofstream f(foreign, std::ios::binary);
    f << raw;
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{dmabot_bin(), "replay", foreign}, {dmabot_bin(), "export", foreign, "--jsonl"}}) {
    Child c;
    EXPECT_EQ(run(args, dir, &c), 2) << args[1];
    const std::string err = read_file(c.err_path);
    EXPECT_NE(err.find("another event layout"), std::string::npos) << err;
    EXPECT_NE(err.find("foreign.journal"), std::string::npos) << err;
  }
  // RECORD_FORMAT itself is checked like any key.
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "backtest", "--data", testdata::fixture_capture("spot_btcusdt_20240808"), "--strategy",
                 "dynmm", "--json-summary-only", "--set", "RECORD_FILE=" + dir + "/x", "--set", "RECORD_FORMAT=csv"},
                dir, &c),
            2);
  EXPECT_NE(read_file(c.err_path).find("RECORD_FORMAT"), std::string::npos) << read_file(c.err_path);
}

}  // namespace
}  // namespace dmabot::testing
