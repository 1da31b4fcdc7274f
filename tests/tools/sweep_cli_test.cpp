// Tests for tools/sweep_cli.h (`dmabot sweep`):
//  - every argument error exits 2 with one "dmabot: ..." line naming the flag;
//  - the out-of-sample split timestamp on small captures / recordings written here (expected
//    event index and ts computed by hand);
//  - the child command lines, the results file, the ranking and the exit codes, by running
//    sweep_command in-process with a small /bin/sh script standing in for `dmabot backtest`
//    (it echoes what it was given as its JSON summary);
//  - shards 0/2 and 1/2 write disjoint rows that together cover the grid;
//  - end to end with the real binary (build/dmabot sweep -> dmabot backtest children).
#include "tools/sweep_cli.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "tests/tools/test_process.h"

namespace dmabot::tools {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

std::string fresh_dir() { return testing::temp_dir(); }

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> split_csv_simple(const std::string& line) {  // no quoted fields in these tests
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t c = line.find(',', pos);
    out.push_back(line.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  return out;
}

// A CSV results file as header -> value maps, one per row.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  const std::vector<std::string> lines = lines_of(testing::read_file(path));
  std::vector<std::map<std::string, std::string>> rows;
  if (lines.empty()) return rows;
  const std::vector<std::string> header = split_csv_simple(lines[0]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = split_csv_simple(lines[i]);
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < header.size() && c < cells.size(); ++c) row[header[c]] = cells[c];
    rows.push_back(row);
  }
  return rows;
}

struct Result {
  int rc = -1;
  std::string out, err;
};

// Runs sweep_command in this process with stdout/stderr captured.
Result sweep(const std::vector<std::string>& args, const std::string& self_exe = "/nonexistent/dmabot") {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Result r;
  r.rc = sweep_command(static_cast<int>(copy.size()), argv.data(), self_exe);
  r.err = ::testing::internal::GetCapturedStderr();
  r.out = ::testing::internal::GetCapturedStdout();
  return r;
}

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // ns: the capture reader infers ns from the magnitude

std::string book_line(int64_t ts, int update_id) {
  return std::to_string(ts) + R"( {"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(update_id) +
         R"(,"s":"BTCUSDT","b":"100.5","B":"1","a":"101","A":"2"}})" + "\n";
}
std::string depth_line(int64_t ts) {
  return std::to_string(ts) + R"( {"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["100","1"]],"a":[]})" + "\n";
}

// A plain-text capture with 10 bookTicker events at kT0 + i*i*1000 ns (i = 0..9) and a depth
// update (not a market event we yield, so not counted) between events 3 and 4.
std::string ten_event_capture(const std::string& dir) {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += book_line(kT0 + static_cast<int64_t>(i) * i * 1000, i + 1);
    if (i == 3) text += depth_line(kT0 + 9'500);
  }
  const std::string path = dir + "/ten.capture";
  write_text(path, text);
  return path;
}

// The stand-in for `dmabot backtest`: reads the window flags and the A and B params, fails for
// A=13 (stderr "boom ..."), and prints a flat JSON summary. In-sample sharpe = 100 - A*B and
// out-of-sample sharpe = A*B, so ranking on the wrong run would reverse the order.
std::string fake_backtest(const std::string& dir) {
  const std::string path = dir + "/fake_dmabot.sh";
  write_text(path, R"(#!/bin/sh
[ "$1" = backtest ] || { echo "fake: expected backtest, got $1" >&2; exit 9; }
all="$*"
a=0; b=1; win=all; ts=0
while [ $# -gt 0 ]; do
  case "$1" in
    --until) win=until; ts=$2; shift ;;
    --from) win=from; ts=$2; shift ;;
    --set) case "$2" in A=*) a=${2#A=} ;; B=*) b=${2#B=} ;; esac; shift ;;
  esac
  shift
done
if [ "$a" = 13 ]; then echo "boom for A=13" >&2; exit 3; fi
if [ "$win" = until ]; then s=$((100 - a * b)); else s=$((a * b)); fi
echo "some progress text"
echo "{\"sharpe\": $s, \"max_drawdown\": $a, \"window\": \"$win\", \"ts\": $ts, \"args\": \"$all\"}"
)");
  ::chmod(path.c_str(), 0755);
  return path;
}

// ---------------------------------------------------------------------------------------------
// Argument errors

struct BadArgs {
  std::vector<std::string> args;
  std::string names;  // the flag the one-line message must name
};

TEST(SweepCli, ArgumentErrorsExit2WithOneLineNamingTheFlag) {
  const std::string dir = fresh_dir();
  const std::string data = ten_event_capture(dir);
  const std::vector<std::string> ok = {"--data", "synthetic", "--strategy", "dynmm"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = ok;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  const std::vector<BadArgs> cases = {
      {{}, "--data"},
      {{"--strategy", "dynmm", "--grid", "A=1"}, "--data"},
      {{"--data", "synthetic", "--grid", "A=1"}, "--strategy"},
      {ok, "--grid"},
      {with({"--grid", "A=1", "--random", "3", "--space", "A=1:2"}), "--random"},
      {with({"--random", "0", "--space", "A=1:2"}), "--random"},
      {with({"--random", "x", "--space", "A=1:2"}), "--random"},
      {with({"--random", "3"}), "--space"},
      {with({"--grid", "A=1", "--space", "A=1:2"}), "--space"},
      {with({"--grid", "A=1", "--seed", "4"}), "--seed"},
      {with({"--random", "3", "--space", "A=1:2", "--seed", "-1"}), "--seed"},
      {with({"--grid", "A=3:1:1"}), "--grid"},                   // stop below start
      {with({"--random", "2", "--space", "A=5:1"}), "--space"},  // hi below lo
      {with({"--grid", "A=1", "--jobs", "0"}), "--jobs"},
      {with({"--grid", "A=1", "--jobs", "two"}), "--jobs"},
      {with({"--grid", "A=1", "--jobs"}), "--jobs"},  // value missing at the end
      {with({"--grid", "A=1", "--shard", "2/2"}), "--shard"},
      {with({"--grid", "A=1", "--shard", "1"}), "--shard"},
      {with({"--grid", "A=1", "--out", dir + "/r.txt"}), "--out"},
      {with({"--grid", "A=1", "--oos-frac", "0.3"}), "--oos-frac"},  // synthetic data cannot be split
      {{"--data", data, "--strategy", "s", "--grid", "A=1", "--oos-frac", "1"}, "--oos-frac"},
      {{"--data", data, "--strategy", "s", "--grid", "A=1", "--oos-frac", "-0.1"}, "--oos-frac"},
      {{"--data", data, "--strategy", "s", "--grid", "A=1", "--oos-frac", "abc"}, "--oos-frac"},
      {{"--data", data, "--strategy", "s", "--grid", "A=1", "--oos-frac", "0.95"}, "--oos-frac"},  // k = 0
      {with({"--grid", "A=1", "--timeout", "-1"}), "--timeout"},
      {with({"--grid", "A=1", "--top", "0"}), "--top"},
      {with({"--grid", "A=1", "--set", "NOEQUALS"}), "--set"},
      {with({"--grid", "A=1", "--set", "=v"}), "--set"},
      {with({"--grid", "A=1", "--ascending=yes"}), "--ascending"},
      {with({"--grid", "A=1", "--data", "synthetic"}), "--data"},  // given twice
      {with({"--grid", "A=1", "--bogus"}), "--bogus"},
      {with({"--grid", "A=1", "--env", dir + "/no_such.env"}), "--env"},
      {{"--data", dir + "/no_such.capture", "--strategy", "s", "--grid", "A=1"}, "--data"},
  };
  for (const BadArgs& c : cases) {
    std::string joined;
    for (const std::string& a : c.args) joined += a + " ";
    const Result r = sweep(c.args);
    EXPECT_EQ(r.rc, 2) << joined << "\n" << r.err;
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << joined << "\n" << r.err;
    EXPECT_EQ(lines[0].rfind("dmabot: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(c.names), std::string::npos) << joined << "-> " << lines[0];
    EXPECT_EQ(r.out, "") << joined;
  }
}

TEST(SweepCli, ArgumentErrorsStartNoChildAndWriteNoFile) {
  const std::string dir = fresh_dir();
  const std::string marker = dir + "/ran";
  const std::string script = dir + "/touch.sh";
  write_text(script, "#!/bin/sh\ntouch " + marker + "\n");
  ::chmod(script.c_str(), 0755);
  const Result r = sweep(
      {"--data", "synthetic", "--strategy", "s", "--grid", "A=1|2", "--jobs", "0", "--out", dir + "/r.csv"}, script);
  EXPECT_EQ(r.rc, 2);
  EXPECT_FALSE(exists(marker));
  EXPECT_FALSE(exists(dir + "/r.csv"));
}

TEST(SweepCli, HelpPrintsUsageAndExits0) {
  const Result r = sweep({"--help"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("usage: dmabot sweep", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("--oos-frac"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(SweepCli, ParseDefaultsAndSyntheticDefaultsToNoOos) {
  std::vector<std::string> args = {"--data", "d.capture", "--strategy", "dynmm", "--grid", "A=1"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  auto p = parse_sweep_args(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->oos_frac, 0.3);
  EXPECT_EQ(p->rank_metric, "sharpe");
  EXPECT_FALSE(p->ascending);
  EXPECT_EQ(p->out, "sweep_results.csv");
  EXPECT_EQ(p->top, 10);
  EXPECT_EQ(p->jobs, 0);  // default_jobs() at run time
  EXPECT_FALSE(p->shard.has_value());

  std::vector<std::string> syn = {"--data", "synthetic", "--strategy", "dynmm", "--random=5", "--space=A=1:9", "--seed",
                                  "42",     "--shard",   "1/3",        "--set", "X=1",        "--set",         "Y=a=b"};
  argv.clear();
  for (std::string& a : syn) argv.push_back(a.data());
  p = parse_sweep_args(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->oos_frac, 0.0);  // synthetic: nothing to split
  EXPECT_EQ(p->random_n, 5);
  EXPECT_EQ(p->space, "A=1:9");
  EXPECT_EQ(p->seed, 42u);
  ASSERT_TRUE(p->shard.has_value());
  EXPECT_EQ(p->shard->index, 1);
  EXPECT_EQ(p->shard->count, 3);
  EXPECT_EQ(p->sets, (std::vector<std::string>{"X=1", "Y=a=b"}));
}

// ---------------------------------------------------------------------------------------------
// Out-of-sample split

TEST(SweepCli, SplitTimestampOnACapture) {
  const std::string path = ten_event_capture(fresh_dir());
  // N = 10 (the depth line is not a market event). Event i is at kT0 + i*i*1000.
  auto s = compute_oos_split(path, 0.3);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->events, 10u);
  EXPECT_EQ(s->index, 7u);            // floor(0.7 * 10) = 7 (exactly, not 6.999...)
  EXPECT_EQ(s->ts, kT0 + 49'000);     // 7*7*1000
  s = compute_oos_split(path, 0.25);  // floor(0.75 * 10) = floor(7.5) = 7
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->index, 7u);
  EXPECT_EQ(s->ts, kT0 + 49'000);
  s = compute_oos_split(path, 0.35);  // floor(0.65 * 10) = floor(6.5) = 6
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->index, 6u);
  EXPECT_EQ(s->ts, kT0 + 36'000);    // 6*6*1000
  s = compute_oos_split(path, 0.9);  // floor(0.1 * 10) = 1
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->index, 1u);
  EXPECT_EQ(s->ts, kT0 + 1'000);
  s = compute_oos_split(path, 0.95);  // floor(0.05 * 10) = 0: no in-sample event
  EXPECT_FALSE(s.ok());
}

TEST(SweepCli, SplitTimestampOnARecording) {
  // Recording: config header, md at +10, trade at +20, ctl (skipped), mark at +30, md at +40.
  // Market events N = 4; F = 0.5 -> k = floor(0.5 * 4) = 2 -> the mark at kT0 + 30.
  core::SymbolTable wsym;
  wsym.add("BTCUSDT");
  core::MdTick t1;
  t1.ts_exchange = kT0 + 5;
  t1.ts_local = kT0 + 10;
  t1.update_id = 1;
  t1.bid = core::Price::from_raw(10'000'000'000);
  t1.ask = core::Price::from_raw(10'100'000'000);
  t1.bid_qty = core::Qty::from_raw(100'000'000);
  t1.ask_qty = core::Qty::from_raw(100'000'000);
  t1.symbol = 0;
  core::MdTick t2 = t1;
  t2.ts_local = kT0 + 40;
  t2.update_id = 2;
  core::Trade tr;
  tr.ts_local = kT0 + 20;
  tr.trade_id = 9;
  tr.price = core::Price::from_raw(10'000'000'000);
  tr.qty = core::Qty::from_raw(1'000'000);
  tr.symbol = 0;
  core::MarkPrice mk;
  mk.ts_local = kT0 + 30;
  mk.mark = core::Price::from_raw(10'000'000'000);
  mk.index = core::Price::from_raw(10'000'000'000);
  mk.symbol = 0;
  core::Control ctl;
  ctl.ts_local = kT0 + 25;
  std::string text = core::encode_config_header("test", {{"SYMBOLS", "BTCUSDT"}});
  char buf[1024];
  auto add = [&](const auto& e, uint64_t seq) {
    const std::size_t n = core::encode(e, seq, wsym, buf, sizeof buf);
    ASSERT_GT(n, 0u);
    text.append(buf, n);
  };
  add(t1, 1);
  add(tr, 2);
  add(ctl, 3);
  add(mk, 4);
  add(t2, 5);
  const std::string path = fresh_dir() + "/rec.jsonl";
  write_text(path, text);
  auto s = compute_oos_split(path, 0.5);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->events, 4u);
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->ts, kT0 + 30);
}

TEST(SweepCli, SplitErrorsNameTheProblem) {
  const std::string dir = fresh_dir();
  auto s = compute_oos_split(dir + "/missing.capture", 0.3);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("missing.capture"), std::string::npos) << s.status();

  const std::string only_depth = dir + "/depth.capture";
  write_text(only_depth, depth_line(kT0) + depth_line(kT0 + 1));
  s = compute_oos_split(only_depth, 0.3);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no market events"), std::string::npos) << s.status();

  // Same timestamp everywhere: N = 4, k = floor(0.7 * 4) = 2, but [start, ts_2) holds nothing.
  const std::string flat = dir + "/flat.capture";
  write_text(flat, book_line(kT0, 1) + book_line(kT0, 2) + book_line(kT0, 3) + book_line(kT0, 4));
  s = compute_oos_split(flat, 0.3);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("in-sample window would be empty"), std::string::npos) << s.status();

  EXPECT_FALSE(compute_oos_split(ten_event_capture(dir), 0.0).ok());
  EXPECT_FALSE(compute_oos_split(ten_event_capture(dir), 1.0).ok());
}

// ---------------------------------------------------------------------------------------------
// Child command lines

TEST(SweepCli, BacktestArgvPerWindow) {
  SweepArgs a;
  a.data = "d.capture";
  a.strategy = "dynmm";
  a.env_file = ".env.mock";
  a.sets = {"MOCK_SEED=3", "X=y"};
  const std::vector<std::string> base = {
      "/bin/dmabot", "backtest",  "--data", "d.capture",   "--strategy", "dynmm", "--json-summary-only",
      "--env",       ".env.mock", "--set",  "MOCK_SEED=3", "--set",      "X=y"};
  std::vector<std::string> is = base, oos = base;
  is.insert(is.end(), {"--until", "1700000000000000123"});
  oos.insert(oos.end(), {"--from", "1700000000000000123"});
  EXPECT_EQ(backtest_argv(a, "/bin/dmabot", 0, 0), base);
  EXPECT_EQ(backtest_argv(a, "/bin/dmabot", -1, kT0 + 123), is);
  EXPECT_EQ(backtest_argv(a, "/bin/dmabot", +1, kT0 + 123), oos);
  SweepArgs bare;
  bare.data = "synthetic";
  bare.strategy = "as";
  EXPECT_EQ(backtest_argv(bare, "x", 0, 0), (std::vector<std::string>{"x", "backtest", "--data", "synthetic",
                                                                      "--strategy", "as", "--json-summary-only"}));
}

// ---------------------------------------------------------------------------------------------
// The whole command with a stand-in backtest

TEST(SweepCli, GridWithOosRunsEveryPointTwiceAndRanksOnOos) {
  const std::string dir = fresh_dir();
  const std::string data = ten_event_capture(dir);
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r = sweep({"--data", data, "--strategy", "dynmm", "--grid", "A=1|2|3,B=10:20:10", "--jobs", "2", "--set",
                          "K=v", "--out", out, "--top", "3"},
                         exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  // Split as in SplitTimestampOnACapture: event 7 of 10, at kT0 + 49000.
  const std::string ts = std::to_string(kT0 + 49'000);
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 6u) << testing::read_file(out);
  // Grid order: A slowest, B fastest: (1,10) (1,20) (2,10) (2,20) (3,10) (3,20).
  const int a_of[] = {1, 1, 2, 2, 3, 3};
  const int b_of[] = {10, 20, 10, 20, 10, 20};
  for (int i = 0; i < 6; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i)];
    EXPECT_EQ(row.at("index"), std::to_string(i));
    EXPECT_EQ(row.at("A"), std::to_string(a_of[i]));
    EXPECT_EQ(row.at("B"), std::to_string(b_of[i]));
    EXPECT_EQ(row.at("status"), "ok") << row.at("error");
    EXPECT_EQ(row.at("is_window"), "until");
    EXPECT_EQ(row.at("oos_window"), "from");
    EXPECT_EQ(row.at("is_ts"), ts);
    EXPECT_EQ(row.at("oos_ts"), ts);
    EXPECT_EQ(row.at("is_sharpe"), std::to_string(100 - a_of[i] * b_of[i]));
    EXPECT_EQ(row.at("oos_sharpe"), std::to_string(a_of[i] * b_of[i]));
    // The pass-through --set comes before the window and the point's own --set pairs.
    const std::string want_is = "backtest --data " + data + " --strategy dynmm --json-summary-only --set K=v --until " +
                                ts + " --set A=" + std::to_string(a_of[i]) + " --set B=" + std::to_string(b_of[i]);
    EXPECT_EQ(row.at("is_args"), want_is);
  }
  // Ranked on the out-of-sample sharpe, highest first: index 5 (3*20=60), 3 (2*20=40), 4 (3*10=30).
  const std::vector<std::string> table = lines_of(r.out);
  ASSERT_GE(table.size(), 4u) << r.out;  // header + top 3
  EXPECT_EQ(table.size(), 4u) << r.out;
  auto second_col = [](const std::string& line) {
    std::istringstream in(line);
    std::string rank, index;
    in >> rank >> index;
    return index;
  };
  EXPECT_EQ(second_col(table[1]), "5") << r.out;
  EXPECT_EQ(second_col(table[2]), "3") << r.out;
  EXPECT_EQ(second_col(table[3]), "4") << r.out;
  // stderr: the plan, one progress line per row, the summary.
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_EQ(err.size(), 8u) << r.err;
  EXPECT_NE(err[0].find("event 7 of 10"), std::string::npos) << err[0];
  for (int k = 1; k <= 6; ++k) {
    EXPECT_EQ(err[static_cast<std::size_t>(k)].rfind("[" + std::to_string(k) + "/6] index ", 0), 0u)
        << err[static_cast<std::size_t>(k)];
  }
  EXPECT_NE(err[7].find("6 ok, 0 failed"), std::string::npos) << err[7];
}

TEST(SweepCli, AscendingRankAndNoOosRanksOnTheOnlyRun) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.jsonl";
  // No split: the script sees no window flag, so sharpe = A*B = A and max_drawdown = A.
  const Result r = sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=4|2|9", "--jobs", "1", "--out", out,
                          "--rank", "max_drawdown", "--ascending"},
                         exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::vector<std::string> lines = lines_of(testing::read_file(out));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("\"window\":\"all\""), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("--until"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("--from"), std::string::npos) << lines[0];
  // Lowest max_drawdown first: A=2 (index 1), A=4 (index 0), A=9 (index 2).
  const std::vector<std::string> table = lines_of(r.out);
  ASSERT_EQ(table.size(), 4u) << r.out;
  std::istringstream l1(table[1]), l2(table[2]), l3(table[3]);
  std::string rank, index;
  l1 >> rank >> index;
  EXPECT_EQ(index, "1");
  l2 >> rank >> index;
  EXPECT_EQ(index, "0");
  l3 >> rank >> index;
  EXPECT_EQ(index, "2");
}

TEST(SweepCli, FailedRowsAreRecordedAndTheSweepStillSucceeds) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r =
      sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=1|13|3", "--jobs", "2", "--out", out}, exe);
  EXPECT_EQ(r.rc, 0) << r.err;  // two of three rows ok
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].at("status"), "ok");
  EXPECT_EQ(rows[1].at("status"), "error");
  EXPECT_EQ(rows[1].at("error"), "boom for A=13");
  EXPECT_EQ(rows[2].at("status"), "ok");
  EXPECT_NE(r.err.find("index 1 error"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 ok, 1 failed"), std::string::npos) << r.err;
}

TEST(SweepCli, EveryRowFailingExits1AndStillWritesTheFile) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r = sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=13", "--out", out}, exe);
  EXPECT_EQ(r.rc, 1);
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("status"), "error");
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back(), "dmabot: every run failed; index 0: boom for A=13");
  EXPECT_EQ(r.out, "");  // no ranking table
}

TEST(SweepCli, UnknownRankMetricExits2AfterWritingResults) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r =
      sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=1|2", "--out", out, "--rank", "sharp"}, exe);
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(read_csv(out).size(), 2u);
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back().rfind("dmabot: --rank: ", 0), 0u) << err.back();
}

TEST(SweepCli, UnwritableOutExits1BeforeRunningAnything) {
  const std::string dir = fresh_dir();
  const std::string marker = dir + "/ran";
  const std::string script = dir + "/touch.sh";
  write_text(script, "#!/bin/sh\ntouch " + marker + "\n");
  ::chmod(script.c_str(), 0755);
  const Result r =
      sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=1", "--out", dir + "/no/such/dir/r.csv"}, script);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

TEST(SweepCli, RandomPointsFollowTheSeed) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  auto run_a = [&](const std::string& seed, const std::string& out) {
    const Result r = sweep({"--data", "synthetic", "--strategy", "s", "--random", "4", "--space", "A=1:1000", "--seed",
                            seed, "--out", out},
                           exe);
    EXPECT_EQ(r.rc, 0) << r.err;
    std::vector<std::string> as;
    for (const auto& row : read_csv(out)) as.push_back(row.at("A"));
    return as;
  };
  const std::vector<std::string> a1 = run_a("7", dir + "/a.csv");
  const std::vector<std::string> a2 = run_a("7", dir + "/b.csv");
  const std::vector<std::string> a3 = run_a("8", dir + "/c.csv");
  ASSERT_EQ(a1.size(), 4u);
  EXPECT_EQ(a1, a2);  // same seed, same points
  EXPECT_NE(a1, a3);  // 4 draws from 1000 integers: equal by chance with probability 1e-12
  for (const std::string& a : a1) {
    const int v = std::stoi(a);
    EXPECT_GE(v, 1);
    EXPECT_LE(v, 1000);
  }
  // The CLI hands the sweep the library's points unchanged.
  auto pts = sample_random("A=1:1000", 4, 7);
  ASSERT_TRUE(pts.ok());
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(a1[i], (*pts)[i].params[0].second);
}

std::set<int> indexes_of(const std::vector<std::map<std::string, std::string>>& rows) {
  std::set<int> s;
  for (const auto& r : rows) s.insert(std::stoi(r.at("index")));
  return s;
}

TEST(SweepCli, ShardsWriteDisjointRowsCoveringTheGrid) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  std::vector<std::map<std::string, std::string>> shard_rows[2];
  for (int s = 0; s < 2; ++s) {
    const std::string out = dir + "/shard" + std::to_string(s) + ".csv";
    const Result r = sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=1:5:1", "--jobs", "2", "--shard",
                            std::to_string(s) + "/2", "--out", out},
                           exe);
    ASSERT_EQ(r.rc, 0) << r.err;
    shard_rows[s] = read_csv(out);
  }
  // 5 points, index i has A = i + 1; shard i of 2 owns index % 2 == i.
  EXPECT_EQ(indexes_of(shard_rows[0]), (std::set<int>{0, 2, 4}));
  EXPECT_EQ(indexes_of(shard_rows[1]), (std::set<int>{1, 3}));
  for (const auto& rows : shard_rows) {
    for (const auto& row : rows) EXPECT_EQ(std::stoi(row.at("A")), std::stoi(row.at("index")) + 1);
  }
}

TEST(SweepCli, EmptyShardSucceedsWithNoRows) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r =
      sweep({"--data", "synthetic", "--strategy", "s", "--grid", "A=1|2", "--shard", "3/4", "--out", out}, exe);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(read_csv(out).empty());
}

// ---------------------------------------------------------------------------------------------
// End to end with the real binary

// Why the real `dmabot sweep` cannot run yet, or "" when it can.
std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d ? d : DMABOT_SWEEP_TEST_SOURCE_DIR;
}

// 200 BTCUSDT bookTicker events, 10 ms apart, mid walking up and down a few cents.
std::string small_capture(const std::string& dir) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    const int px = 6000000 + (i % 20 < 10 ? i % 20 : 20 - i % 20);  // cents
    auto dec = [](int cents) {
      return std::to_string(cents / 100) + "." + std::to_string(cents % 100 / 10) + std::to_string(cents % 10);
    };
    text += std::to_string(kT0 + static_cast<int64_t>(i) * 10'000'000) +
            R"( {"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(i + 1) + R"(,"s":"BTCUSDT","b":")" +
            dec(px) + R"(","B":"1","a":")" + dec(px + 1) + R"(","A":"1"}})" + "\n";
  }
  const std::string path = dir + "/small.capture";
  write_text(path, text);
  return path;
}

TEST(SweepCliE2E, RealBinaryGridWithOosOnASmallCapture) {
  const std::string dir = fresh_dir();
  ASSERT_EQ(::access(testing::dmabot_bin().c_str(), X_OK), 0) << testing::dmabot_bin() << " is not built";
  const std::string data = small_capture(dir);
  const std::string out = dir + "/r.csv";
  testing::Child c;
  const int rc = testing::run(
      {testing::dmabot_bin(), "sweep", "--data", data, "--strategy", "dynmm", "--env", source_dir() + "/.env.mock",
       "--grid", "DYNMM_FLOOR_BPS=4|8,DYNMM_A=0.5|1", "--jobs", "2", "--oos-frac", "0.5", "--out", out},
      dir, &c, {}, 300);
  ASSERT_EQ(rc, 0) << testing::read_file(c.err_path);
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 4u) << testing::read_file(out);
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "ok") << row.at("error");
    EXPECT_TRUE(row.count("is_sharpe") && row.count("oos_sharpe")) << testing::read_file(out);
    // N = 200, k = floor(0.5 * 200) = 100: events 0..99 before the split, 100..199 after it.
    EXPECT_EQ(row.at("is_events"), "100");
    EXPECT_EQ(row.at("oos_events"), "100");
  }
  // The split is at event 100: kT0 + 100 * 10 ms.
  EXPECT_NE(testing::read_file(c.err_path).find("out-of-sample from ts_local " + std::to_string(kT0 + 1'000'000'000)),
            std::string::npos)
      << testing::read_file(c.err_path);
  EXPECT_NE(testing::read_file(c.out_path).find("sharpe"), std::string::npos);  // the ranking table
}

TEST(SweepCliE2E, RealBinaryShardsAreDisjointAndCoverTheGrid) {
  const std::string dir = fresh_dir();
  ASSERT_EQ(::access(testing::dmabot_bin().c_str(), X_OK), 0) << testing::dmabot_bin() << " is not built";
  const std::string data = small_capture(dir);
  std::vector<std::map<std::string, std::string>> shard_rows[2];
  for (int s = 0; s < 2; ++s) {
    const std::string out = dir + "/shard" + std::to_string(s) + ".csv";
    const std::string sub = dir + "/s" + std::to_string(s);
    ::mkdir(sub.c_str(), 0755);
    testing::Child c;
    const int rc = testing::run({testing::dmabot_bin(), "sweep", "--data", data, "--strategy", "dynmm", "--env",
                                 source_dir() + "/.env.mock", "--oos-frac", "0", "--grid", "DYNMM_FLOOR_BPS=2:6:2",
                                 "--jobs", "2", "--shard", std::to_string(s) + "/2", "--out", out},
                                sub, &c, {}, 300);
    ASSERT_EQ(rc, 0) << testing::read_file(c.err_path);
    shard_rows[s] = read_csv(out);
  }
  // Grid 2, 4, 6 -> indexes 0, 1, 2; shard 0/2 owns 0 and 2, shard 1/2 owns 1.
  EXPECT_EQ(indexes_of(shard_rows[0]), (std::set<int>{0, 2}));
  EXPECT_EQ(indexes_of(shard_rows[1]), (std::set<int>{1}));
  for (const auto& rows : shard_rows) {
    for (const auto& row : rows) {
      EXPECT_EQ(row.at("status"), "ok") << row.at("error");
      EXPECT_EQ(std::stoi(row.at("DYNMM_FLOOR_BPS")), 2 + 2 * std::stoi(row.at("index")));
      EXPECT_EQ(row.at("events"), "200");  // --oos-frac 0: one run over the whole file
    }
  }
}

}  // namespace
}  // namespace dmabot::tools
