// `dmabot replay` and `dmabot backtest` end to end: the real binary as a child process.
//
// What must hold: a fused mock recording replays to the same decisions (--diff says identical, and
// a changed strategy parameter is reported as a divergence naming a field); malformed lines in a
// capture or a recording are counted and reported with their line numbers, never a crash; a
// backtest on a real capture writes summary.json and report.html, and the same input gives
// byte-identical outputs twice; bad usage exits 2 with one line.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

// The in-repo cut of a real capture (tests/data: the first 3000 lines of each).
std::string data_file(const std::string& stem) { return testdata::fixture_capture(stem); }

bool exists(const std::string& path) {
  struct stat sb;
  return ::stat(path.c_str(), &sb) == 0;
}

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// Records a fused mock run; returns the recording's path.
std::string record_mock_run(const std::string& dir, const std::string& ticks) {
  const std::string rec = dir + "/mock.jsonl";
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "MOCK_MAX_TICKS=" + ticks, "--set",
                 "METRICS_PORT=-1", "--set", "RECORD_FILE=" + rec},
                dir, &c),
            0)
      << read_file(c.err_path);
  return rec;
}

// A plain raw capture of three BTCUSDT bookTicker lines (no data files needed).
std::string write_btc_capture(const std::string& dir) {
  const std::string cap = dir + "/btc.raw";
  std::ofstream f(cap, std::ios::binary);
  for (int i = 0; i < 3; ++i) {
    f << "172316125408789" << 1000 + i << " {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":" << i + 1
      << ",\"s\":\"BTCUSDT\",\"b\":\"61837.6" << i << "\",\"B\":\"3.7\",\"a\":\"61837.7" << i << "\",\"A\":\"1.5\"}}\n";
  }
  return cap;
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

// The preset's RECORD_FILE (.env.mock: dmabot-mock.jsonl, relative) must not be written by a
// backtest or a replay: it would overwrite a live run's recording in the same directory.
TEST(DmabotBacktest, PresetRecordFileIsNotWrittenIntoTheWorkingDirectory) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "2000");
  const std::string cwd = temp_dir();
  const char* src = std::getenv("DMABOT_SOURCE_DIR");
  const std::string preset = std::string(src != nullptr ? src : ".") + "/.env.mock";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{dmabot_bin(), "backtest", "--env", preset, "--data", rec, "--strategy", "dynmm",
                                 "--json-summary-only"},
        std::vector<std::string>{dmabot_bin(), "replay", write_btc_capture(dir), "--env", preset}}) {
    Child c = spawn(args, dir, {}, cwd);
    ASSERT_EQ(wait_exit(c, 120), 0) << args[1] << ": " << read_file(c.err_path);
    EXPECT_TRUE(files_in(cwd).empty()) << args[1] << " wrote " << files_in(cwd).front();
  }
}

// --record (or --set RECORD_FILE=) never overwrites an existing file unless --force, and never the input.
TEST(DmabotReplay, RecordRefusesToOverwriteWithoutForce) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "500");
  const std::string taken = dir + "/taken.jsonl";
  std::ofstream(taken) << "precious\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{dmabot_bin(), "replay", rec, "--record", taken}, "--record " + taken + ": already exists; pass --force"},
      {{dmabot_bin(), "replay", rec, "--set", "RECORD_FILE=" + taken}, "RECORD_FILE=" + taken + ": already exists"},
      {{dmabot_bin(), "backtest", "--data", rec, "--strategy", "dynmm", "--record", taken}, "--record " + taken},
      {{dmabot_bin(), "replay", rec, "--record", rec, "--force"}, "--record " + rec + ": is the input file"},
  };
  for (const auto& [args, needle] : refused) {
    Child c;
    EXPECT_EQ(run(args, dir, &c), 2) << needle;
    EXPECT_EQ(count_lines(read_file(c.err_path)), 1) << read_file(c.err_path);
    EXPECT_NE(read_file(c.err_path).find(needle), std::string::npos) << read_file(c.err_path);
    EXPECT_EQ(read_file(taken), "precious\n");
  }
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", rec, "--record", taken, "--force"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(taken).find("\"kind\":\"end\""), std::string::npos);
}

// replay and backtest share one check: SYMBOLS none of which is in the file is exit 2, same line.
TEST(DmabotReplay, SymbolsAbsentFromTheFileExitTwoLikeBacktest) {
  const std::string dir = temp_dir();
  const std::string cap = write_btc_capture(dir);
  const std::string expected = "SYMBOLS=ETHUSDT: " + cap + " has no events for these symbols (it has BTCUSDT)";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{dmabot_bin(), "replay", cap, "--set", "SYMBOLS=ETHUSDT"},
        std::vector<std::string>{dmabot_bin(), "backtest", "--data", cap, "--strategy", "dynmm", "--set",
                                 "SYMBOLS=ETHUSDT"}}) {
    Child c;
    EXPECT_EQ(run(args, dir, &c), 2) << args[1];
    EXPECT_EQ(read_file(c.err_path), "dmabot: " + expected + "\n") << args[1];
  }
  // The same capture with its own symbol replays fine.
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", cap, "--set", "SYMBOLS=BTCUSDT"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path).find("BTCUSDT ticks=3"), std::string::npos) << read_file(c.out_path);
}

// Ctrl-C during a backtest: it stops, says so, exits 128+SIGINT and leaves no report that could pass
// for a complete one (and --json-summary-only prints nothing a sweep could parse).
TEST(DmabotBacktest, InterruptedBacktestSaysSoAndWritesNoReport) {
  for (const bool json_only : {false, true}) {
    const std::string dir = temp_dir();
    const std::string rec = dir + "/bt.jsonl";
    std::vector<std::string> args = {
        dmabot_bin(), "backtest",       "--data", "synthetic",      "--strategy", "as",
        "--set",      "SYN_STEPS=0",    "--set",  "SYMBOLS=SYNUSD", "--set",      "STEP_SIZE=1",
        "--set",      "MIN_NOTIONAL=0", "--set",  "AS_ORDER_QTY=1", "--set",      "RECORD_FILE=" + rec,
        "--out",      dir + "/bt"};
    if (json_only) args.push_back("--json-summary-only");
    Child c = spawn(args, dir);  // SYN_STEPS=0: an endless market, only the signal ends it
    ASSERT_TRUE(wait_for_size(c, rec, 1 << 20, 60)) << read_file(c.err_path);
    ASSERT_EQ(kill(c.pid, SIGINT), 0);
    ASSERT_EQ(wait_exit(c, 60), 128 + SIGINT) << read_file(c.err_path);  // 60 s: hang guard
    const std::string err = read_file(c.err_path);
    EXPECT_NE(err.find("backtest interrupted by SIGINT"), std::string::npos) << err;
    EXPECT_FALSE(exists(dir + "/bt/summary.json"));
    EXPECT_FALSE(exists(dir + "/bt/report.html"));
    const std::string out = read_file(c.out_path);
    if (json_only) {
      EXPECT_TRUE(out.empty()) << out;
    } else {
      EXPECT_NE(out.find("INTERRUPTED"), std::string::npos) << out;
    }
    // The recording was closed properly (footer), like any stopped run.
    const std::string text = read_file(rec);
    EXPECT_NE(text.find("\"kind\":\"end\"", text.size() > 4096 ? text.size() - 4096 : 0), std::string::npos);
  }
}

TEST(DmabotReplay, RecordedMockRunReplaysToTheSameDecisions) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "20000");
  const std::string text = read_file(rec);
  int sigs = 0, ords = 0;
  for (std::size_t at = 0; (at = text.find("\"kind\":\"sig\"", at)) != std::string::npos; ++at) ++sigs;
  for (std::size_t at = 0; (at = text.find("\"kind\":\"ord\"", at)) != std::string::npos; ++at) ++ords;
  ASSERT_GT(sigs, 100);
  ASSERT_GT(ords, 100);

  Child c;
  const std::string replayed = dir + "/replayed.jsonl";
  ASSERT_EQ(run({dmabot_bin(), "replay", rec, "--diff", "--record", replayed}, dir, &c), 0) << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("diff: identical: " + std::to_string(sigs) + " signals and " + std::to_string(ords) + " orders"),
            std::string::npos)
      << out;
  // The replay's own recording holds the same ticks (every md line of the original).
  int md_a = 0, md_b = 0;
  const std::string rep = read_file(replayed);
  for (std::size_t at = 0; (at = text.find("\"kind\":\"md\"", at)) != std::string::npos; ++at) ++md_a;
  for (std::size_t at = 0; (at = rep.find("\"kind\":\"md\"", at)) != std::string::npos; ++at) ++md_b;
  EXPECT_EQ(md_a, 20000);
  EXPECT_EQ(md_b, md_a);
}

// A backtest's own recording (real capture, simulated exchange: trades and fills included) replays
// to the same decisions as well.
TEST(DmabotReplay, BacktestRecordingReplaysToTheSameDecisions) {
  const std::string src = data_file("spot_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  const std::string rec = dir + "/bt.jsonl";
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", src, "--strategy", "dynmm", "--json-summary-only", "--set",
                 "RECORD_FILE=" + rec},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string text = read_file(rec);
  ASSERT_NE(text.find("\"kind\":\"trade\""), std::string::npos) << "trades must be recorded for the sim venue";
  ASSERT_NE(text.find("\"status\":\"FILLED\""), std::string::npos) << "the run should have fills";
  ASSERT_EQ(run({dmabot_bin(), "replay", rec, "--diff"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path).find("diff: identical: "), std::string::npos) << read_file(c.out_path);
}

// Issue 11: a recording's `ctl` position_adjust lines (a live run's start position, reconciliation
// and user-data changes) are applied to risk at their place in the stream, so the replay holds the
// recorded inventory. A long of 100 BTCUSDT put into a mock run's recording after its 20th tick:
// the replay books it (its own recording has the line again, same cause and venue), and risk then
// refuses BTCUSDT buys for inventory that the same replay without the line lets through.
TEST(DmabotReplay, RecordedPositionAdjustsReplayWithTheirInventory) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "3000");
  const std::string text = read_file(rec);
  // After the 20th md line, at its time.
  std::size_t at = 0;
  for (int i = 0; i < 20; ++i) at = text.find("\"kind\":\"md\"", at + 1);
  ASSERT_NE(at, std::string::npos);
  const std::size_t eol = text.find('\n', at);
  const std::string md = text.substr(text.rfind('\n', at) + 1, eol - text.rfind('\n', at) - 1);
  const std::string ts =
      md.substr(md.find("\"ts_local\":") + 11, md.find(',', md.find("\"ts_local\":")) - md.find("\"ts_local\":") - 11);
  const std::string ctl = "{\"v\":1,\"seq\":0,\"kind\":\"ctl\",\"ts_local\":" + ts +
                          ",\"sym\":\"BTCUSDT\",\"cmd\":\"position_adjust\",\"cause\":\"start\",\"measured\":\"100\","
                          "\"limit\":\"0\",\"equity\":\"0\",\"venue\":0}";
  const std::string with_adjust = dir + "/with_adjust.jsonl";
  {
    std::ofstream f(with_adjust, std::ios::binary);
    f << text.substr(0, eol + 1) << ctl << '\n' << text.substr(eol + 1);
  }
  // Risk's refusals of BTCUSDT buys for inventory (exec lines from risk).
  auto inventory_rejects = [](const std::string& recording) {
    int n = 0;
    std::istringstream in(recording);
    for (std::string l; std::getline(in, l);) {
      n += l.find("\"kind\":\"exec\"") != std::string::npos &&
           l.find("\"reason\":\"inventory\"") != std::string::npos &&
           l.find("\"sym\":\"BTCUSDT\"") != std::string::npos && l.find("\"side\":\"BUY\"") != std::string::npos;
    }
    return n;
  };
  Child c;
  const std::string plain_out = dir + "/plain_replay.jsonl";
  // The symbol-notional limit out of the way, so the inventory limit is the one that speaks.
  const std::string no_symbol_limit = "MAX_SYMBOL_NOTIONAL=1000000000";
  ASSERT_EQ(run({dmabot_bin(), "replay", rec, "--record", plain_out, "--set", no_symbol_limit}, dir, &c), 0)
      << read_file(c.err_path);
  const std::string adjusted_out = dir + "/adjusted_replay.jsonl";
  ASSERT_EQ(run({dmabot_bin(), "replay", with_adjust, "--record", adjusted_out, "--set", no_symbol_limit}, dir, &c), 0)
      << read_file(c.err_path);
  const std::string plain = read_file(plain_out);
  const std::string adjusted = read_file(adjusted_out);
  EXPECT_EQ(plain.find("\"cmd\":\"position_adjust\""), std::string::npos);
  const std::size_t line = adjusted.find("\"cmd\":\"position_adjust\"");
  ASSERT_NE(line, std::string::npos) << "the replay booked the recorded adjustment";
  const std::string booked =
      adjusted.substr(adjusted.rfind('\n', line) + 1, adjusted.find('\n', line) - adjusted.rfind('\n', line) - 1);
  EXPECT_NE(booked.find("\"sym\":\"BTCUSDT\""), std::string::npos) << booked;
  EXPECT_NE(booked.find("\"measured\":\"100\""), std::string::npos) << booked;
  EXPECT_NE(booked.find("\"cause\":\"start\""), std::string::npos) << booked;
  EXPECT_NE(booked.find("\"venue\":0"), std::string::npos) << booked;
  // Booked before the 21st tick: the line follows the 20th md line in the replay's recording too.
  const std::size_t first_md_after = adjusted.find("\"kind\":\"md\"", line);
  int md_before = 0;
  for (std::size_t p = 0; (p = adjusted.find("\"kind\":\"md\"", p)) != std::string::npos && p < line; ++p) ++md_before;
  EXPECT_NE(first_md_after, std::string::npos);
  EXPECT_GE(md_before, 20);
  EXPECT_LE(md_before, 21);
  const int rejects_plain = inventory_rejects(plain);
  const int rejects_adjusted = inventory_rejects(adjusted);
  EXPECT_GT(rejects_adjusted, rejects_plain) << "long 100 BTC: buys past MAX_INVENTORY are refused";
  EXPECT_GE(rejects_adjusted, 1);
}

TEST(DmabotReplay, ChangedParameterIsReportedAsFirstDivergence) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "5000");
  Child c;
  // A wider DynMm floor moves its quotes: some price must differ.
  ASSERT_EQ(run({dmabot_bin(), "replay", rec, "--diff", "--set", "DYNMM_FLOOR_BPS=7"}, dir, &c), 1)
      << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("diff: first divergence"), std::string::npos) << out;
  EXPECT_NE(out.find("field '"), std::string::npos) << out;
  EXPECT_NE(out.find("recorded line "), std::string::npos) << out;
}

TEST(DmabotReplay, TruncatedRecordingIsReportedWithItsLineNumber) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "2000");
  std::string text = read_file(rec);
  // Cut the file in the middle of its 100th line and add a garbage line before it.
  std::size_t at = 0;
  for (int i = 0; i < 99; ++i) at = text.find('\n', at) + 1;
  const std::string cut = text.substr(0, at) + "{\"v\":1,\"kind\":\"md\",\"garbage\n" + text.substr(at, 40);
  const std::string bad = dir + "/cut.jsonl";
  std::ofstream(bad, std::ios::binary) << cut;
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", bad}, dir, &c), 0) << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find(bad + ":100:"), std::string::npos) << err;  // the garbage line
  EXPECT_NE(err.find(bad + ":101:"), std::string::npos) << err;  // the truncated last line
  EXPECT_NE(err.find("2 malformed"), std::string::npos) << err;
}

// Local time that steps back is reported with its first line, how often and how far, by replay
// (stderr) and by backtest (a warning in the summary, so it reaches summary.json and the report).
TEST(DmabotReplay, TimeGoingBackwardsIsReportedWithItsFirstLine) {
  const std::string dir = temp_dir();
  const std::string cap = dir + "/back.raw";
  auto tick = [](const char* ts, int u, const char* bid) {
    return std::string(ts) + " {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":" + std::to_string(u) +
           ",\"s\":\"BTCUSDT\",\"b\":\"" + bid + "\",\"B\":\"3.7\",\"a\":\"61837.64\",\"A\":\"1.5\"}}\n";
  };
  // Line 3 is 2.5 ms older than line 2; line 5 is 1 ms older than line 4.
  std::ofstream(cap, std::ios::binary) << tick("1723161254000000000", 1, "61837.60")
                                       << tick("1723161254005000000", 2, "61837.61")
                                       << tick("1723161254002500000", 3, "61837.62")
                                       << tick("1723161254009000000", 4, "61837.61")
                                       << tick("1723161254008000000", 5, "61837.60");
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", cap}, dir, &c), 0) << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find(cap + ":3: time goes backwards: 2 event(s) older than one before them (this one by 2.500 ms, "
                           "the largest step 2.500 ms)"),
            std::string::npos)
      << err;
  ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", cap, "--strategy", "dynmm", "--json-summary-only"}, dir, &c), 0)
      << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path).find(cap + ":3: time goes backwards: 2 event(s)"), std::string::npos)
      << read_file(c.out_path);
}

// A recording made by another version may name a key this build no longer has: the key is dropped
// with a warning, not the whole recording. A line longer than REPLAY_MAX_LINE_BYTES is skipped and
// reported with its number, and the replay goes on.
TEST(DmabotReplay, OldHeaderKeysAreIgnoredAndOverlongLinesSkipped) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "2000");
  std::string text = read_file(rec);
  const std::size_t cfg = text.find("\"config\":{");
  ASSERT_NE(cfg, std::string::npos);
  text.insert(cfg + 10, "\"MOCK_RETIRED_KEY\":\"1\",");
  // After line 5, a 10000-byte line.
  std::size_t at = 0;
  for (int i = 0; i < 5; ++i) at = text.find('\n', at) + 1;
  text.insert(at, "{\"v\":1,\"kind\":\"md\",\"pad\":\"" + std::string(10'000, 'x') + "\"}\n");
  const std::string old = dir + "/old.jsonl";
  std::ofstream(old, std::ios::binary) << text;
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", old, "--set", "REPLAY_MAX_LINE_BYTES=4096"}, dir, &c), 0)
      << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("keys this build does not know, ignored: MOCK_RETIRED_KEY"), std::string::npos) << err;
  EXPECT_NE(err.find(old + ":6: line longer than 4096 bytes: skipped"), std::string::npos) << err;
  EXPECT_NE(err.find("1 malformed"), std::string::npos) << err;
}

// The recording's header is read under the user's REPLAY_MAX_LINE_BYTES too, before the config it
// carries exists: a header longer than the limit is a usage error that names the limit, not a claim
// that the file is no recording; at the default limit the same file replays.
TEST(DmabotReplay, HeaderLongerThanTheLineLimitNamesTheLimit) {
  const std::string dir = temp_dir();
  const std::string rec = record_mock_run(dir, "500");
  std::string text = read_file(rec);
  const std::size_t cfg = text.find("\"config\":{");
  ASSERT_NE(cfg, std::string::npos);
  text.insert(cfg + 10, "\"MOCK_PAD\":\"" + std::string(10'000, 'x') + "\",");
  const std::string big = dir + "/big_header.jsonl";
  std::ofstream(big, std::ios::binary) << text;
  for (const char* cmd : {"replay", "backtest"}) {
    Child c;
    std::vector<std::string> args = {dmabot_bin(), cmd};
    if (std::string(cmd) == "backtest") {
      args.insert(args.end(), {"--data", big, "--strategy", "dynmm", "--json-summary-only"});
    } else {
      args.push_back(big);
    }
    args.insert(args.end(), {"--set", "REPLAY_MAX_LINE_BYTES=4096"});
    EXPECT_EQ(run(args, dir, &c), 2) << cmd;
    const std::string err = read_file(c.err_path);
    EXPECT_NE(err.find(big + ": first line longer than 4096 bytes (REPLAY_MAX_LINE_BYTES)"), std::string::npos)
        << cmd << ": " << err;
    EXPECT_EQ(err.find("not a dmabot recording"), std::string::npos) << cmd << ": " << err;
  }
  Child ok;
  EXPECT_EQ(run({dmabot_bin(), "replay", big}, dir, &ok), 0) << read_file(ok.err_path);
}

// --out is checked before the backtest runs (exit 2, nothing printed as a result), and the report
// files are written all or nothing: when summary.json cannot be put in place, the run fails (exit 1)
// and leaves no temporary or half-written file behind.
TEST(DmabotBacktest, OutIsCheckedFirstAndReportsAreWrittenWholeOrNotAtAll) {
  const std::string dir = temp_dir();
  const std::vector<std::string> synthetic = {
      dmabot_bin(), "backtest",       "--data", "synthetic",      "--strategy", "as",
      "--set",      "SYN_STEPS=2000", "--set",  "SYMBOLS=SYNUSD", "--set",      "STEP_SIZE=1",
      "--set",      "MIN_NOTIONAL=0", "--set",  "AS_ORDER_QTY=1"};
  const std::string not_a_dir = dir + "/plain_file";
  std::ofstream(not_a_dir) << "x";
  Child c;
  std::vector<std::string> args = synthetic;
  args.insert(args.end(), {"--out", not_a_dir});
  EXPECT_EQ(run(args, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("--out " + not_a_dir + ": not a directory"), std::string::npos)
      << read_file(c.err_path);
  EXPECT_EQ(read_file(c.out_path).find("backtest:"), std::string::npos) << "it ran before checking --out";

  const std::string out = dir + "/out";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((out + "/summary.json").c_str(), 0755), 0);  // nothing can be renamed over it
  args = synthetic;
  args.insert(args.end(), {"--out", out});
  EXPECT_EQ(run(args, dir, &c), 1) << read_file(c.err_path);
  EXPECT_NE(read_file(c.err_path).find("cannot write summary.json/report.html"), std::string::npos)
      << read_file(c.err_path);
  for (const std::string& name : {std::string("/summary.json.tmp."), std::string("/report.html.tmp.")}) {
    const std::string ls = out + name + std::to_string(c.pid);
    EXPECT_FALSE(exists(ls)) << ls << " left behind";
  }
}

// Fees default to Binance's base tier of the market the data comes from: a USD-M capture (its
// bookTickers carry event times) backtests at 2/5 bps maker/taker and says so, a spot one at 10/10;
// an explicit MARKET_TYPE wins.
TEST(DmabotBacktest, FeesFollowTheMarketOfTheCapture) {
  const std::string dir = temp_dir();
  auto fees = [&](const std::string& stem, const std::vector<std::string>& extra, std::string* err = nullptr) {
    std::vector<std::string> args = {dmabot_bin(), "backtest",           "--data", data_file(stem), "--strategy",
                                     "dynmm",      "--json-summary-only"};
    args.insert(args.end(), extra.begin(), extra.end());
    Child c;
    EXPECT_EQ(run(args, dir, &c), 0) << read_file(c.err_path);
    if (err != nullptr) *err = read_file(c.err_path);
    const std::string out = read_file(c.out_path);
    const std::size_t m = out.find("\"maker_fee_bps\":"), t = out.find("\"taker_fee_bps\":");
    if (m == std::string::npos || t == std::string::npos) return std::string("missing: ") + out;
    return out.substr(m + 16, out.find_first_of(",}", m) - m - 16) + "/" +
           out.substr(t + 16, out.find_first_of(",}", t) - t - 16);
  };
  std::string err;
  EXPECT_EQ(fees("usdm_btcusdt_20240808", {"--set", "TICK_SIZE=0.1", "--set", "STEP_SIZE=0.001"}, &err), "2/5");
  EXPECT_NE(err.find("is a USD-M futures capture: MARKET_TYPE=usdm"), std::string::npos) << err;
  EXPECT_EQ(fees("usdm_btcusdt_20240808",
                 {"--set", "TICK_SIZE=0.1", "--set", "STEP_SIZE=0.001", "--set", "MARKET_TYPE=spot"}),
            "10/10");
  EXPECT_EQ(fees("spot_btcusdt_20240808", {}), "10/10");
}

// A backtest's or a replay's own recording that the disk cannot take (the file-size limit stands in
// for a full disk) fails the command (exit 1, saying how many lines were lost), like `run` does.
TEST(DmabotBacktest, RecordingLossFailsTheCommand) {
  const std::string dir = temp_dir();
  for (const char* command : {"backtest", "replay"}) {
    SCOPED_TRACE(command);
    const std::string rec = dir + "/" + command + ".jsonl";
    std::string cmd = "trap '' XFSZ; ulimit -f 40; exec " + dmabot_bin() + " " + command + " ";
    cmd += std::string(command) == "backtest"
               ? "--data " + data_file("spot_btcusdt_20240808") + " --strategy dynmm --json-summary-only"
               : data_file("spot_btcusdt_20240808");
    cmd += " --record " + rec;
    Child c;
    EXPECT_EQ(run({"/bin/sh", "-c", cmd}, dir, &c), 1) << read_file(c.err_path);
    EXPECT_NE(read_file(c.err_path).find("dmabot: recording " + rec + " is incomplete: "), std::string::npos)
        << read_file(c.err_path);
  }
}

TEST(DmabotReplay, RawCaptureWithMalformedLinesIsCountedNotFatal) {
  const std::string src = data_file("spot_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  // A plain capture: three good bookTicker lines around two broken ones.
  const std::string cap = dir + "/cap.raw";
  std::ofstream(cap, std::ios::binary)
      << "1723161254087891268 "
         "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"61837.63\","
         "\"B\":\"3.7\",\"a\":\"61837.64\",\"A\":\"1.5\"}}\n"
      << "1723161254087891300 {\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":2,\"s\":\"BTCUSDT\",\"b\":\"x\"}}\n"
      << "1723161254087891400 "
         "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":3,\"s\":\"BTCUSDT\",\"b\":\"61837.60\","
         "\"B\":\"3.7\",\"a\":\"61837.65\",\"A\":\"1.5\"}}\n"
      << "garbage without a time\n"
      << "1723161254087891500 "
         "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":4,\"s\":\"BTCUSDT\",\"b\":\"61837.61\","
         "\"B\":\"3.7\",\"a\":\"61837.66\",\"A\":\"1.5\"}}\n";
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", cap}, dir, &c), 0) << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find(cap + ":2:"), std::string::npos) << err;
  EXPECT_NE(err.find(cap + ":4:"), std::string::npos) << err;
  EXPECT_NE(err.find("3 ticks"), std::string::npos) << err;
  EXPECT_NE(err.find("2 malformed"), std::string::npos) << err;
  EXPECT_NE(read_file(c.out_path).find("BTCUSDT ticks=3"), std::string::npos) << read_file(c.out_path);
}

TEST(DmabotReplay, UsageErrorsExitTwoWithOneLine) {
  const std::string dir = temp_dir();
  const std::string src = data_file("spot_btcusdt_20240808");
  std::vector<std::vector<std::string>> cases = {
      {dmabot_bin(), "replay"},
      {dmabot_bin(), "replay", dir + "/missing.jsonl"},
      {dmabot_bin(), "replay", dir + "/missing.jsonl", "--bogus"},
      {dmabot_bin(), "replay", dir + "/x", "--from", "yesterday"},
  };
  cases.push_back({dmabot_bin(), "replay", src, "--diff"});
  for (const auto& args : cases) {
    Child c;
    EXPECT_EQ(run(args, dir, &c), 2) << args.back();
    EXPECT_EQ(count_lines(read_file(c.err_path)), 1) << read_file(c.err_path);
  }
}

TEST(DmabotBacktest, RealCaptureWritesSummaryAndReportByteIdenticalTwice) {
  const std::string src = data_file("spot_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  std::string summary[2], report[2];
  for (int i = 0; i < 2; ++i) {
    const std::string out = dir + "/out" + std::to_string(i);
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", src, "--strategy", "dynmm", "--out", out}, dir, &c), 0)
        << read_file(c.err_path);
    summary[i] = read_file(out + "/summary.json");
    report[i] = read_file(out + "/report.html");
    EXPECT_NE(read_file(c.out_path).find("net_pnl"), std::string::npos);
  }
  EXPECT_TRUE(summary[0] == summary[1]);
  EXPECT_TRUE(report[0] == report[1]);
  // The cut has 2200 bookTicker and 518 trade lines (zcat | grep -c): all replayed.
  EXPECT_NE(summary[0].find("\"events\":2718"), std::string::npos) << summary[0];
  EXPECT_EQ(summary[0].find("\"orders\":0,"), std::string::npos) << "the strategy never traded: " << summary[0];
  EXPECT_NE(report[0].find("<svg"), std::string::npos);
  EXPECT_EQ(report[0].find("http://"), std::string::npos) << "the report must not fetch anything";
}

TEST(DmabotBacktest, JsonSummaryOnlyPrintsOneLineAndWindowLimitsEvents) {
  const std::string src = data_file("usdm_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  Child c;
  // First bookTicker time 1723161255088169167; the cut spans 12.2 s: five seconds of it.
  ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", src, "--strategy", "as", "--json-summary-only", "--set",
                 "TICK_SIZE=0.1", "--set", "STEP_SIZE=0.001", "--until", "1723161260088169167"},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  EXPECT_EQ(count_lines(out), 1) << out;
  EXPECT_EQ(out.front(), '{');
  const std::size_t at = out.find("\"events\":");
  ASSERT_NE(at, std::string::npos);
  const long events = std::stol(out.substr(at + 9));
  EXPECT_GT(events, 0);
  EXPECT_LT(events, 2296 + 469);  // fewer than the whole cut's bookTicker + trade lines
  EXPECT_FALSE(exists(dir + "/backtest_out")) << "--json-summary-only writes files only with --out";
}

TEST(DmabotBacktest, SyntheticMarketIsDeterministicAndFollowsItsSeed) {
  const std::string dir = temp_dir();
  std::string json[3];
  const char* seeds[] = {"1", "1", "2"};
  for (int i = 0; i < 3; ++i) {
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", "synthetic", "--strategy", "as", "--json-summary-only", "--set",
                   "SYN_STEPS=3000", "--set", std::string("SYN_SEED=") + seeds[i], "--set", "SYMBOLS=SYNUSD", "--set",
                   "STEP_SIZE=1", "--set", "MIN_NOTIONAL=0", "--set", "AS_ORDER_QTY=1"},
                  dir, &c),
              0)
        << read_file(c.err_path);
    json[i] = read_file(c.out_path);
  }
  EXPECT_TRUE(json[0] == json[1]);
  EXPECT_FALSE(json[0] == json[2]) << "another seed must give another market";
  EXPECT_NE(json[0].find("\"events\":3000"), std::string::npos) << json[0];  // one tick per step, one symbol
  EXPECT_EQ(json[0].find("\"fills\":0,"), std::string::npos) << "no quote was ever filled: " << json[0];
}

// dmabot convert: a backtest from the event cache is byte-identical to one from the capture, and
// replay reads the cache too; bad usage exits 2.
TEST(DmabotConvert, CacheBacktestsExactlyLikeItsCapture) {
  const std::string src = data_file("spot_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  const std::string cache = dir + "/s.dmbev";
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "convert", src, cache}, dir, &c), 0) << read_file(c.err_path);
  // 2200 bookTicker + 518 trade lines in the cut (zcat | grep -c).
  EXPECT_NE(read_file(c.out_path).find("2718 events (2200 md, 518 trade, 0 mark)"), std::string::npos)
      << read_file(c.out_path);
  std::string json[2];
  const std::string inputs[2] = {src, cache};
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        run({dmabot_bin(), "backtest", "--data", inputs[i], "--strategy", "dynmm", "--json-summary-only"}, dir, &c), 0)
        << read_file(c.err_path);
    json[i] = read_file(c.out_path);
  }
  EXPECT_TRUE(json[0] == json[1]) << json[0] << "\n" << json[1];
  ASSERT_EQ(run({dmabot_bin(), "replay", cache}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path).find("BTCUSDT ticks=2200"), std::string::npos) << read_file(c.out_path);
  EXPECT_EQ(run({dmabot_bin(), "convert", src}, dir, &c), 2);
  EXPECT_EQ(count_lines(read_file(c.err_path)), 1) << read_file(c.err_path);
  EXPECT_EQ(run({dmabot_bin(), "replay", cache, "--diff"}, dir, &c), 2);

  // One flipped bit in a price of record 101 (69760-byte header area, 72-byte records, the price 24
  // bytes into the tick after the 8-byte record header): the backtest fails and names the block's
  // byte range (2718 records and their seal: bytes 69760..265527) instead of trading on it.
  std::string bytes = read_file(cache);
  ASSERT_EQ(bytes.size(), 69'760u + 2'719u * 72u);
  bytes[69'760 + 100 * 72 + 8 + 24] ^= 1;
  const std::string bad = dir + "/bad.dmbev";
  std::ofstream(bad, std::ios::binary) << bytes;
  EXPECT_EQ(run({dmabot_bin(), "backtest", "--data", bad, "--strategy", "dynmm", "--json-summary-only"}, dir, &c), 1);
  EXPECT_NE(read_file(c.err_path).find("block 0 (records 1..2718, bytes 69760..265527) fails its checksum"),
            std::string::npos)
      << read_file(c.err_path);
}

// The simulated exchange as a paper-trading venue behind the mock feed (fused, so the run is exact).
TEST(DmabotRun, SimVenuePaperTradesOnTheMockFeed) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "run", "--env", ".env.mock", "--fused", "--set", "VENUE_MODE=sim", "--set",
                 "MOCK_MAX_TICKS=5000", "--set", "METRICS_PORT=-1", "--set", "RECORD_FILE=", "--summary-json",
                 dir + "/s.json"},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string json = read_file(dir + "/s.json");
  const std::size_t at = json.find("\"fills\":");
  ASSERT_NE(at, std::string::npos) << json;
  EXPECT_GT(std::stol(json.substr(at + 8)), 0) << json;  // fills counted on the venue named "sim"
  EXPECT_NE(json.find("\"ticks\":5000"), std::string::npos) << json;
}

TEST(DmabotBacktest, BadUsageAndUnknownSymbolsExitTwo) {
  const std::string src = data_file("spot_btcusdt_20240808");
  ASSERT_TRUE(exists(src)) << src;
  const std::string dir = temp_dir();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{dmabot_bin(), "backtest", "--strategy", "dynmm"}, "--data"},
      {{dmabot_bin(), "backtest", "--data", src}, "--strategy"},
      {{dmabot_bin(), "backtest", "--data", src, "--strategy", "nope"}, "STRATEGIES"},
      {{dmabot_bin(), "backtest", "--data", dir + "/none", "--strategy", "dynmm"}, "none"},
      {{dmabot_bin(), "backtest", "--data", src, "--strategy", "dynmm", "--set", "SYMBOLS=ETHUSDT"}, "SYMBOLS"},
      {{dmabot_bin(), "backtest", "--data", src, "--strategy", "dynmm", "--set", "SIM_QUEUE_MODEL=magic"},
       "SIM_QUEUE_MODEL"},
      {{dmabot_bin(), "backtest", "--data", "synthetic", "--strategy", "as", "--set", "SYN_MODEL=levy"}, "SYN_MODEL"},
      {{dmabot_bin(), "backtest", "--data", "synthetic", "--strategy", "as", "--until", "5"}, "--until"},
  };
  for (const auto& [args, needle] : cases) {
    Child c;
    EXPECT_EQ(run(args, dir, &c), 2) << needle;
    const std::string err = read_file(c.err_path);
    EXPECT_EQ(count_lines(err), 1) << err;
    EXPECT_NE(err.find(needle), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace dmabot::testing
