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

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "strategy/registry.h"
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

// The sweep checks keys against the engine's config before running, so the points use real keys:
// A and B below stand for these two.
constexpr const char* kA = "DYNMM_FLOOR_BPS";
constexpr const char* kB = "DYNMM_MIN_REQUOTE_MS";
std::string spec(const std::string& a, const std::string& b = "") {
  return std::string(kA) + "=" + a + (b.empty() ? "" : std::string(",") + kB + "=" + b);
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
    --set) case "$2" in DYNMM_FLOOR_BPS=*) a=${2#*=} ;; DYNMM_MIN_REQUOTE_MS=*) b=${2#*=} ;; esac; shift ;;
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
      {{"--strategy", "dynmm", "--grid", spec("1")}, "--data"},
      {{"--data", "synthetic", "--grid", spec("1")}, "--strategy"},
      {ok, "--grid"},
      {with({"--grid", spec("1"), "--random", "3", "--space", spec("1:2")}), "--random"},
      {with({"--random", "0", "--space", spec("1:2")}), "--random"},
      {with({"--random", "x", "--space", spec("1:2")}), "--random"},
      {with({"--random", "3"}), "--space"},
      {with({"--grid", spec("1"), "--space", spec("1:2")}), "--space"},
      {with({"--grid", spec("1"), "--seed", "4"}), "--seed"},
      {with({"--random", "3", "--space", spec("1:2"), "--seed", "-1"}), "--seed"},
      {with({"--grid", spec("3:1:1")}), "--grid"},                   // stop below start
      {with({"--random", "2", "--space", spec("5:1")}), "--space"},  // hi below lo
      {with({"--grid", spec("1"), "--jobs", "0"}), "--jobs"},
      {with({"--grid", spec("1"), "--jobs", "two"}), "--jobs"},
      {with({"--grid", spec("1"), "--jobs"}), "--jobs"},  // value missing at the end
      {with({"--grid", spec("1"), "--shard", "2/2"}), "--shard"},
      {with({"--grid", spec("1"), "--shard", "1"}), "--shard"},
      {with({"--grid", spec("1"), "--out", dir + "/r.txt"}), "--out"},
      {with({"--grid", spec("1"), "--oos-frac", "0.3"}), "--oos-frac"},  // synthetic data cannot be split
      {{"--data", data, "--strategy", "dynmm", "--grid", spec("1"), "--oos-frac", "1"}, "--oos-frac"},
      {{"--data", data, "--strategy", "dynmm", "--grid", spec("1"), "--oos-frac", "-0.1"}, "--oos-frac"},
      {{"--data", data, "--strategy", "dynmm", "--grid", spec("1"), "--oos-frac", "abc"}, "--oos-frac"},
      {{"--data", data, "--strategy", "dynmm", "--grid", spec("1"), "--oos-frac", "0.95"}, "--oos-frac"},  // k = 0
      {with({"--grid", spec("1"), "--timeout", "-1"}), "--timeout"},
      {with({"--grid", spec("1"), "--top", "0"}), "--top"},
      {with({"--grid", spec("1"), "--set", "NOEQUALS"}), "--set"},
      {with({"--grid", spec("1"), "--set", "=v"}), "--set"},
      {with({"--grid", spec("1"), "--ascending=yes"}), "--ascending"},
      {with({"--grid", spec("1"), "--data", "synthetic"}), "--data"},  // given twice
      {with({"--grid", spec("1"), "--bogus"}), "--bogus"},
      {with({"--grid", spec("1"), "--env", dir + "/no_such.env"}), "--env"},
      {{"--data", dir + "/no_such.capture", "--strategy", "dynmm", "--grid", spec("1")}, "--data"},
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
      {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1|2"), "--jobs", "0", "--out", dir + "/r.csv"},
      script);
  EXPECT_EQ(r.rc, 2);
  EXPECT_FALSE(exists(marker));
  EXPECT_FALSE(exists(dir + "/r.csv"));
}

TEST(SweepCli, HelpPrintsUsageAndExits0) {
  const Result r = sweep({"--help"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out.rfind("usage: dmabot sweep", 0), 0u) << r.out;
  for (const char* piece : {"--oos-frac", "--resume", "--force", "--yes", "more than 10000 points", "undefined",
                            "130 interrupted by SIGINT", "143 by SIGTERM"}) {
    EXPECT_NE(r.out.find(piece), std::string::npos) << piece;
  }
  for (std::string_view name : strategy::strategy_names()) {
    EXPECT_NE(r.out.find(std::string(name)), std::string::npos) << name << " missing from --help";
  }
  EXPECT_EQ(r.err, "");
}

TEST(SweepCli, ParseDefaultsAndSyntheticDefaultsToNoOos) {
  std::vector<std::string> args = {"--data", "d.capture", "--strategy", "dynmm", "--grid", spec("1")};
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
  const Result r = sweep({"--data", data, "--strategy", "dynmm", "--grid", spec("1|2|3", "10:20:10"), "--jobs", "2",
                          "--set", "MOCK_SEED=3", "--out", out, "--top", "3"},
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
    EXPECT_EQ(row.at(kA), std::to_string(a_of[i]));
    EXPECT_EQ(row.at(kB), std::to_string(b_of[i]));
    EXPECT_EQ(row.at("status"), "ok") << row.at("error");
    EXPECT_EQ(row.at("is_window"), "until");
    EXPECT_EQ(row.at("oos_window"), "from");
    EXPECT_EQ(row.at("is_ts"), ts);
    EXPECT_EQ(row.at("oos_ts"), ts);
    EXPECT_EQ(row.at("is_sharpe"), std::to_string(100 - a_of[i] * b_of[i]));
    EXPECT_EQ(row.at("oos_sharpe"), std::to_string(a_of[i] * b_of[i]));
    // The pass-through --set comes before the window and the point's own --set pairs.
    const std::string want_is = "backtest --data " + data +
                                " --strategy dynmm --json-summary-only --set MOCK_SEED=3 --until " + ts + " --set " +
                                kA + "=" + std::to_string(a_of[i]) + " --set " + kB + "=" + std::to_string(b_of[i]);
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
  // stderr: the plan (points and backtests), the first progress line, the time estimate, the other
  // progress lines, the summary.
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_EQ(err.size(), 9u) << r.err;
  EXPECT_NE(err[0].find("sweep: 6 point(s); running 6 point(s) = 12 backtest(s) (in- and out-of-sample), 2 job(s)"),
            std::string::npos)
      << err[0];
  EXPECT_NE(err[0].find("event 7 of 10"), std::string::npos) << err[0];
  EXPECT_EQ(err[1].rfind("[1/6] index ", 0), 0u) << err[1];
  EXPECT_EQ(err[2].rfind("sweep: first point took ", 0), 0u) << err[2];
  EXPECT_NE(err[2].find("the 6 point(s) should take about "), std::string::npos) << err[2];
  for (int k = 2; k <= 6; ++k) {
    EXPECT_EQ(err[static_cast<std::size_t>(k + 1)].rfind("[" + std::to_string(k) + "/6] index ", 0), 0u)
        << err[static_cast<std::size_t>(k + 1)];
  }
  EXPECT_NE(err[8].find("6 ok, 0 failed"), std::string::npos) << err[8];
}

TEST(SweepCli, AscendingRankAndNoOosRanksOnTheOnlyRun) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.jsonl";
  // No split: the script sees no window flag, so sharpe = A*B = A and max_drawdown = A.
  const Result r = sweep({"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("4|2|9"), "--jobs", "1", "--out",
                          out, "--rank", "max_drawdown", "--ascending"},
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
      sweep({"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1|13|3"), "--jobs", "2", "--out", out}, exe);
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
  const Result r = sweep({"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("13"), "--out", out}, exe);
  EXPECT_EQ(r.rc, 1);
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("status"), "error");
  const std::vector<std::string> err = lines_of(r.err);
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back(), "dmabot: every run failed; index 0: boom for A=13");
  EXPECT_EQ(r.out, "");  // no ranking table
}

TEST(SweepCli, UnwritableOutExits1BeforeRunningAnything) {
  const std::string dir = fresh_dir();
  const std::string marker = dir + "/ran";
  const std::string script = dir + "/touch.sh";
  write_text(script, "#!/bin/sh\ntouch " + marker + "\n");
  ::chmod(script.c_str(), 0755);
  const Result r = sweep(
      {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1"), "--out", dir + "/no/such/dir/r.csv"}, script);
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

TEST(SweepCli, RandomPointsFollowTheSeed) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  auto run_a = [&](const std::string& seed, const std::string& out) {
    const Result r = sweep({"--data", "synthetic", "--strategy", "dynmm", "--random", "4", "--space", spec("1:1000"),
                            "--seed", seed, "--out", out},
                           exe);
    EXPECT_EQ(r.rc, 0) << r.err;
    std::vector<std::string> as;
    for (const auto& row : read_csv(out)) as.push_back(row.at(kA));
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
    const Result r = sweep({"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1:5:1"), "--jobs", "2",
                            "--shard", std::to_string(s) + "/2", "--out", out},
                           exe);
    ASSERT_EQ(r.rc, 0) << r.err;
    shard_rows[s] = read_csv(out);
  }
  // 5 points, index i has A = i + 1; shard i of 2 owns index % 2 == i.
  EXPECT_EQ(indexes_of(shard_rows[0]), (std::set<int>{0, 2, 4}));
  EXPECT_EQ(indexes_of(shard_rows[1]), (std::set<int>{1, 3}));
  for (const auto& rows : shard_rows) {
    for (const auto& row : rows) EXPECT_EQ(std::stoi(row.at(kA)), std::stoi(row.at("index")) + 1);
  }
}

TEST(SweepCli, EmptyShardSucceedsWithNoRows) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Result r =
      sweep({"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1|2"), "--shard", "3/4", "--out", out}, exe);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(read_csv(out).empty());
}

// ---------------------------------------------------------------------------------------------
// Everything is checked before the first point runs

// A stand-in that only records that it ran.
std::string touch_script(const std::string& dir, const std::string& marker) {
  const std::string script = dir + "/touch.sh";
  write_text(script, "#!/bin/sh\ntouch " + marker + "\necho '{\"sharpe\":1}'\n");
  ::chmod(script.c_str(), 0755);
  return script;
}

TEST(SweepCli, TyposInKeysValuesStrategyAndMetricExit2BeforeAnyPointRuns) {
  const std::string dir = fresh_dir();
  const std::string marker = dir + "/ran";
  const std::string script = touch_script(dir, marker);
  const std::string data = ten_event_capture(dir);
  const std::string env = dir + "/bad.env";
  write_text(env, "MAX_QPS=fast\n");
  struct Case {
    std::vector<std::string> args;
    std::string want;  // a piece of the one line
  };
  const std::vector<Case> cases = {
      {{"--grid", "DYNMM_FLOR_BPS=1|2"}, "--grid: unknown key 'DYNMM_FLOR_BPS'"},
      {{"--grid", "DYNMM_FLOR_BPS=1|2"}, "did you mean 'DYNMM_FLOOR_BPS'?"},
      {{"--random", "3", "--space", "NOT_A_KEY=1:5"}, "--space: unknown key 'NOT_A_KEY'"},
      {{"--grid", "DYNMM_FLOOR_BPS=1|0|2"}, "--grid: DYNMM_FLOOR_BPS='0'"},  // below the key's range
      {{"--grid", "DYNMM_MIN_REQUOTE_MS=10|abc"}, "--grid: DYNMM_MIN_REQUOTE_MS='abc'"},
      {{"--random", "5", "--space", "DYNMM_A=-5:-1"}, "--space: DYNMM_A="},  // every draw is negative
      {{"--grid", "STRATEGIES=as|dynmm"}, "--grid: STRATEGIES is set by the sweep itself"},
      {{"--grid", "DYNMM_A=1", "--strategy=dynnm"}, "--strategy 'dynnm': unknown strategy (did you mean 'dynmm'?)"},
      {{"--grid", "DYNMM_A=1", "--rank", "sharp"}, "--rank 'sharp': the backtest summary has no such metric"},
      {{"--grid", "DYNMM_A=1", "--rank", "pnl"}, "(known: net_pnl, "},
      {{"--grid", "DYNMM_A=1", "--set", "MAX_QPS=x"}, "--env/--set: MAX_QPS='x'"},
      {{"--grid", "DYNMM_A=1", "--set", "NO_SUCH_KEY=1"}, "--env/--set: "},
      {{"--grid", "DYNMM_A=1", "--env", env}, "MAX_QPS='fast' (" + env + ":1)"},
      {{"--grid", "DYNMM_A=1", "--env", dir}, "--env " + dir + ": is a directory"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--data", data, "--out", dir + "/r.csv"};
    bool has_strategy = false;
    for (const std::string& a : c.args) has_strategy = has_strategy || a.rfind("--strategy", 0) == 0;
    if (!has_strategy) args.insert(args.end(), {"--strategy", "dynmm"});
    args.insert(args.end(), c.args.begin(), c.args.end());
    const Result r = sweep(args, script);
    EXPECT_EQ(r.rc, 2) << c.want << "\n" << r.err;
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << c.want << "\n" << r.err;
    EXPECT_NE(lines[0].find(c.want), std::string::npos) << lines[0];
    EXPECT_FALSE(exists(marker)) << c.want;
    EXPECT_FALSE(exists(dir + "/r.csv")) << c.want;
  }
  // --data that is a directory: named, nothing run.
  const Result r =
      sweep({"--data", dir, "--strategy", "dynmm", "--grid", "DYNMM_A=1", "--out", dir + "/r.csv"}, script);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--data " + dir + ": is a directory"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

TEST(SweepCli, MoreThanTenThousandPointsNeedYes) {
  const std::string dir = fresh_dir();
  const std::string marker = dir + "/ran";
  const std::string script = touch_script(dir, marker);
  const std::string data = ten_event_capture(dir);
  // 0..10000 step 1: 10001 points, 20002 backtests with the out-of-sample runs.
  const std::vector<std::string> big = {
      "--data", data, "--strategy", "dynmm", "--grid", "DYNMM_MIN_REQUOTE_MS=0:10000:1", "--out", dir + "/r.csv"};
  Result r = sweep(big, script);
  EXPECT_EQ(r.rc, 2);
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err,
            "dmabot: --yes: this sweep would run 10001 points (20002 backtests), more than 10000; add --yes to run "
            "them, or narrow --grid/--random or use --shard\n");
  EXPECT_FALSE(exists(marker));
  EXPECT_FALSE(exists(dir + "/r.csv"));
  // With --yes the size check passes and the next check speaks (here a split with no in-sample
  // event), so nothing runs in this test either.
  std::vector<std::string> yes = big;
  yes.insert(yes.end(), {"--yes", "--oos-frac", "0.95"});
  r = sweep(yes, script);
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err.find("--yes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--oos-frac"), std::string::npos) << r.err;
  // 10000 points exactly are not refused: the same next check answers.
  r = sweep({"--data", data, "--strategy", "dynmm", "--grid", "DYNMM_MIN_REQUOTE_MS=1:10000:1", "--out", dir + "/r.csv",
             "--oos-frac", "0.95"},
            script);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--oos-frac"), std::string::npos) << r.err;
  // A shard counts its own points: 10001 points in 2 shards run without --yes.
  r = sweep({"--data", data, "--strategy", "dynmm", "--grid", "DYNMM_MIN_REQUOTE_MS=0:10000:1", "--shard", "0/2",
             "--out", dir + "/r.csv", "--oos-frac", "0.95"},
            script);
  EXPECT_NE(r.err.find("--oos-frac"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

// ---------------------------------------------------------------------------------------------
// Undefined rank metrics

// Writes an executable /bin/sh stand-in for `dmabot backtest`: `body` runs with $a set to the
// point's DYNMM_FLOOR_BPS (0 when the point has none).
std::string stand_in(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name;
  write_text(path, R"(#!/bin/sh
a=0
while [ $# -gt 0 ]; do
  case "$1" in --set) case "$2" in DYNMM_FLOOR_BPS=*) a=${2#*=} ;; esac; shift ;; esac
  shift
done
)" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

// A stand-in whose sharpe depends on A: 1 -> 2.5, 2 -> null with a note, 3 -> -1.5 (a losing
// point), 4 -> null without a note, 5 -> missing; 13 fails. net_pnl = A everywhere.
std::string undefined_sharpe_backtest(const std::string& dir) {
  return stand_in(dir, "undef.sh", R"(case "$a" in
  1) echo "{\"net_pnl\": 1, \"sharpe\": 2.5}" ;;
  2) echo "{\"net_pnl\": 2, \"sharpe\": null, \"sharpe_note\": \"1 bucket of 60 s (needs 2)\"}" ;;
  3) echo "{\"net_pnl\": 3, \"sharpe\": -1.5}" ;;
  4) echo "{\"net_pnl\": 4, \"sharpe\": null}" ;;
  5) echo "{\"net_pnl\": 5}" ;;
  *) echo "boom" >&2; exit 3 ;;
esac
)");
}

std::vector<std::string> ranked_indexes(const std::string& table) {
  std::vector<std::string> out;
  const std::vector<std::string> lines = lines_of(table);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string rank, index;
    in >> rank >> index;
    out.push_back(index);
  }
  return out;
}

TEST(SweepCli, PointsWithoutTheRankMetricRankLastInBothDirectionsWithAWarning) {
  const std::string dir = fresh_dir();
  const std::string exe = undefined_sharpe_backtest(dir);
  const std::string out = dir + "/r.csv";
  // Index 0 (A=13) fails; index i > 0 has A = i.
  const std::vector<std::string> base = {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("13|1|2|3|4|5"),
                                         "--jobs", "2",         "--out",      out,     "--rank", "sharpe"};
  Result r = sweep(base, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  // Highest first among the defined (2.5, then the losing -1.5), then the undefined by index, then
  // the failed point.
  EXPECT_EQ(ranked_indexes(r.out), (std::vector<std::string>{"1", "3", "2", "4", "5", "0"})) << r.out;
  const std::string warning =
      "dmabot: warning: sharpe undefined for 3 of 5 points: 1 bucket of 60 s (needs 2) (1); the backtest reported "
      "null (too few buckets?) (1); the backtest did not report it (1); they are ranked after every point that has a "
      "value";
  EXPECT_NE(r.err.find(warning + "\n"), std::string::npos) << r.err;
  // The results file: undefined cells are empty.
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1].at("sharpe"), "2.5");
  EXPECT_EQ(rows[2].at("sharpe"), "");
  EXPECT_EQ(rows[4].at("sharpe"), "");
  EXPECT_EQ(rows[5].at("sharpe"), "");

  std::vector<std::string> asc = base;
  asc.insert(asc.end(), {"--ascending", "--force"});
  r = sweep(asc, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(ranked_indexes(r.out), (std::vector<std::string>{"3", "1", "2", "4", "5", "0"})) << r.out;
  EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;

  // A metric every point defines: no warning.
  std::vector<std::string> pnl = base;
  pnl.back() = "net_pnl";
  pnl.push_back("--force");
  r = sweep(pnl, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(ranked_indexes(r.out), (std::vector<std::string>{"5", "4", "3", "2", "1", "0"})) << r.out;
}

TEST(SweepCli, AMetricNoPointDefinesWarnsThatTheRankingIsMeaningless) {
  const std::string dir = fresh_dir();
  const std::string exe = undefined_sharpe_backtest(dir);
  const std::string data = ten_event_capture(dir);
  // With the out-of-sample split every point runs twice and ranks on the oos run.
  const Result r =
      sweep({"--data", data, "--strategy", "dynmm", "--grid", spec("2|4"), "--out", dir + "/r.jsonl"}, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("dmabot: WARNING: oos_sharpe undefined for every point (2 of 2): 1 bucket of 60 s (needs 2) "
                       "(1); the backtest reported null (too few buckets?) (1). The ranking is meaningless (points "
                       "are listed by index); rank on a metric this data defines, e.g. --rank net_pnl\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(ranked_indexes(r.out), (std::vector<std::string>{"0", "1"}));
  // JSONL: undefined is null.
  const std::vector<std::string> lines = lines_of(testing::read_file(dir + "/r.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"oos_sharpe\":null"), std::string::npos) << lines[0];
}

// ---------------------------------------------------------------------------------------------
// Results as points finish; Ctrl-C; --resume

// The stand-in for slow backtests: points with A <= 2 finish at once; the others block opening
// dir/fifo (nobody writes to it) unless dir/open exists. Every finished run appends A to dir/log.
std::string gated_backtest(const std::string& dir) {
  return stand_in(dir, "gated.sh",
                  "if [ \"$a\" -gt 2 ] && [ ! -e " + dir + "/open ]; then read x < " + dir + "/fifo; fi\n" +
                      "echo \"$a\" >> " + dir + "/log\n" + R"(echo "{\"net_pnl\": $a, \"sharpe\": $a}")" + "\n");
}

// The FIFO gated_backtest() blocks on. On destruction (also when a test fails half way) it opens the
// gate and releases any stand-in still blocked, so that no process outlives the test.
struct Gate {
  std::string dir, fifo;
  explicit Gate(std::string d) : dir(std::move(d)), fifo(dir + "/fifo") {}
  [[nodiscard]] bool create() const { return ::mkfifo(fifo.c_str(), 0600) == 0; }
  ~Gate() {
    std::ofstream(dir + "/open").flush();
    const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
};

// Runs sweep_command in a forked child with stdout/stderr in dir/out.txt and dir/err.txt.
pid_t sweep_in_child(const std::vector<std::string>& args, const std::string& exe, const std::string& dir) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int out = ::open((dir + "/out.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open((dir + "/err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out, 1);
  ::dup2(err, 2);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = sweep_command(static_cast<int>(copy.size()), argv.data(), exe);
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(rc);
}

// Polls until `path` holds at least n CSV rows (or the deadline passes: then false).
bool wait_for_rows(const std::string& path, std::size_t n) {
  for (int i = 0; i < 6000; ++i) {  // 60 s at most
    if (read_csv(path).size() >= n) return true;
    ::usleep(10'000);
  }
  return false;
}

std::multiset<std::string> log_lines(const std::string& path) {
  const std::vector<std::string> v = lines_of(testing::read_file(path));
  return {v.begin(), v.end()};
}

TEST(SweepCli, CtrlCKeepsFinishedRowsAndResumeRunsOnlyTheRest) {
  const std::string dir = fresh_dir();
  const std::string exe = gated_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Gate gate(dir);
  ASSERT_TRUE(gate.create());
  // Index i has A = i + 1: indexes 0 and 1 finish, 2 and 3 then block, 4 and 5 wait for a slot.
  const std::vector<std::string> args = {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1|2|3|4|5|6"),
                                         "--jobs", "2",         "--out",      out,     "--rank", "net_pnl"};
  const pid_t pid = sweep_in_child(args, exe, dir);
  ASSERT_GT(pid, 0);
  const bool two_rows = wait_for_rows(out, 2);
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(two_rows) << testing::read_file(dir + "/err.txt");
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 130) << testing::read_file(dir + "/err.txt");

  // The finished rows are in the file, complete and in index order; nothing else is.
  auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 2u) << testing::read_file(out);
  const std::vector<std::string> text = lines_of(testing::read_file(out));
  ASSERT_EQ(text.size(), 3u);
  for (const std::string& line : text) EXPECT_EQ(split_csv_simple(line).size(), split_csv_simple(text[0]).size());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at("index"), std::to_string(i));
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at("status"), "ok");
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at("net_pnl"), std::to_string(i + 1));
  }
  const std::string err = testing::read_file(dir + "/err.txt");
  EXPECT_NE(err.find("sweep: interrupted by SIGINT: 2 of 6 point(s) finished (2 this run), kept in " + out),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("dmabot sweep --data synthetic --strategy dynmm --grid '" + spec("1|2|3|4|5|6") +
                     "' --jobs 2 --out " + out + " --rank net_pnl --resume\n"),
            std::string::npos)
      << err;
  EXPECT_EQ(testing::read_file(dir + "/out.txt"), "");  // no ranking of a partial sweep
  EXPECT_EQ(log_lines(dir + "/log"), (std::multiset<std::string>{"1", "2"}));
  // The blocked children were killed: the FIFO has no reader left.
  const int w = ::open(gate.fifo.c_str(), O_WRONLY | O_NONBLOCK);
  EXPECT_LT(w, 0);
  EXPECT_EQ(errno, ENXIO);
  if (w >= 0) ::close(w);

  // Without --resume or --force the existing results are not touched.
  const std::string before = testing::read_file(out);
  Result r = sweep(args, exe);
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, "dmabot: --out '" + out +
                       "' already exists: add --resume to keep its finished points and run the rest, or --force to "
                       "overwrite it\n");
  EXPECT_EQ(testing::read_file(out), before);
  EXPECT_EQ(log_lines(dir + "/log"), (std::multiset<std::string>{"1", "2"}));

  // --resume runs the four other points only; the file and the ranking have all six, once each.
  write_text(dir + "/open", "");
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  r = sweep(resume, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(log_lines(dir + "/log"), (std::multiset<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_NE(
      r.err.find("sweep: 6 point(s), 2 already done in " + out + " (0 failed row(s) to retry); running 4 point(s)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sweep: 6 row(s), 6 ok, 0 failed (2 kept from the earlier run)"), std::string::npos) << r.err;
  rows = read_csv(out);
  ASSERT_EQ(rows.size(), 6u) << testing::read_file(out);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at("index"), std::to_string(i));
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at(kA), std::to_string(i + 1));
    EXPECT_EQ(rows[static_cast<std::size_t>(i)].at("net_pnl"), std::to_string(i + 1));
  }
  // net_pnl = A, highest first: the two kept rows (indexes 1 and 0) rank too.
  EXPECT_EQ(ranked_indexes(r.out), (std::vector<std::string>{"5", "4", "3", "2", "1", "0"})) << r.out;

  // Resuming a finished sweep runs nothing.
  r = sweep(resume, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(log_lines(dir + "/log").size(), 6u);
  EXPECT_EQ(read_csv(out).size(), 6u);

  // --force starts over.
  std::vector<std::string> force = args;
  force.push_back("--force");
  r = sweep(force, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(log_lines(dir + "/log").size(), 12u);
  EXPECT_EQ(read_csv(out).size(), 6u);
}

TEST(SweepCli, SigtermBeforeAnyPointFinishesExits143WithAValidEmptyFile) {
  const std::string dir = fresh_dir();
  const std::string exe = gated_backtest(dir);
  const std::string out = dir + "/r.csv";
  const Gate gate(dir);
  ASSERT_TRUE(gate.create());
  // Both points block; the results file appears (header only) once the handlers are in place.
  const pid_t pid = sweep_in_child(
      {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("3|4"), "--jobs", "2", "--out", out}, exe, dir);
  ASSERT_GT(pid, 0);
  bool appeared = false;
  for (int i = 0; i < 6000 && !appeared; ++i) {  // 60 s at most
    appeared = !testing::read_file(out).empty();
    if (!appeared) ::usleep(10'000);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(appeared) << testing::read_file(dir + "/err.txt");
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 143) << testing::read_file(dir + "/err.txt");
  EXPECT_EQ(testing::read_file(out), "index," + std::string(kA) + ",status,error\n");
  EXPECT_NE(testing::read_file(dir + "/err.txt").find("sweep: interrupted by SIGTERM: 0 of 2 point(s) finished"),
            std::string::npos)
      << testing::read_file(dir + "/err.txt");
  EXPECT_FALSE(exists(dir + "/log"));  // no point ran to its end
}

TEST(SweepCli, ResumeRetriesFailedRowsAndRefusesAnotherSweepsFile) {
  const std::string dir = fresh_dir();
  const std::string exe = fake_backtest(dir);  // fails for A=13
  const std::string out = dir + "/r.jsonl";
  const std::vector<std::string> args = {"--data", "synthetic",    "--strategy", "dynmm",
                                         "--grid", spec("1|13|3"), "--out",      out};
  Result r = sweep(args, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  // The failed point (index 1) runs again; the two ok ones do not.
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  r = sweep(resume, exe);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("2 already done in " + out + " (1 failed row(s) to retry); running 1 point(s)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(lines_of(testing::read_file(out)).size(), 3u);

  // Another grid, same file: refused, file untouched.
  const std::string before = testing::read_file(out);
  std::vector<std::string> other = {"--data",      "synthetic", "--strategy", "dynmm",   "--grid",
                                    spec("1|2|3"), "--out",     out,          "--resume"};
  r = sweep(other, exe);
  EXPECT_EQ(r.rc, 2);
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("--resume: '" + out + "' row index 1 has " + std::string(kA) + "=13, this sweep's point 1 has " +
                       kA + "=2: it holds another sweep's results"),
            std::string::npos)
      << r.err;
  // A row index beyond this sweep's points.
  other = {"--data", "synthetic", "--strategy", "dynmm", "--grid", spec("1|13"), "--out", out, "--resume"};
  r = sweep(other, exe);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("has a row with index 2, which is not a point of this sweep"), std::string::npos) << r.err;
  // The same grid with out-of-sample runs reads the file as another kind of sweep.
  const std::string data = ten_event_capture(dir);
  other = {"--data", data, "--strategy", "dynmm", "--grid", spec("1|13|3"), "--out", out, "--resume"};
  r = sweep(other, exe);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--resume: "), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(out), before);
  // --resume and --force together make no sense.
  other = args;
  other.insert(other.end(), {"--resume", "--force"});
  r = sweep(other, exe);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--resume and --force exclude each other"), std::string::npos) << r.err;
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

// The README's sweep example, run as written (paths taken from the source tree, --out moved to a
// temporary directory): the metric it ranks on must be defined for every point of its data and
// tell the points apart, or "rank 1" means nothing.
std::vector<std::string> readme_sweep_example() {
  const std::string readme = testing::read_file(source_dir() + "/README.md");
  std::size_t at = readme.find("\nbuild/dmabot sweep --data ");
  if (at == std::string::npos) return {};
  std::string cmd;
  for (std::size_t pos = at + 1;;) {
    const std::size_t nl = readme.find('\n', pos);
    std::string line = readme.substr(pos, nl - pos);
    const bool more = !line.empty() && line.back() == '\\';
    if (more) line.pop_back();
    cmd += line + " ";
    if (!more || nl == std::string::npos) break;
    pos = nl + 1;
  }
  std::vector<std::string> words;  // shell words: blanks split, '...' quotes, # starts a comment
  std::string word;
  bool in_word = false, quoted = false;
  for (char c : cmd) {
    if (quoted) {
      if (c == '\'') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

TEST(SweepCliE2E, ReadmeSweepExampleRanksOnAMetricItsDataDefines) {
  ASSERT_EQ(::access(testing::dmabot_bin().c_str(), X_OK), 0) << testing::dmabot_bin() << " is not built";
  std::vector<std::string> args = readme_sweep_example();
  ASSERT_GT(args.size(), 2u) << "no 'build/dmabot sweep --data' example in README.md";
  ASSERT_EQ(args[0], "build/dmabot");
  const std::string dir = fresh_dir();
  const std::string out = dir + "/readme.csv";
  std::string metric = "sharpe";  // the default
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--data") {
      args[i + 1] = source_dir() + "/" + args[i + 1];
      ASSERT_EQ(::access(args[i + 1].c_str(), R_OK), 0) << "README's --data is not in the repository: " << args[i + 1];
    } else if (args[i] == "--out") {
      args[i + 1] = out;
    } else if (args[i] == "--rank") {
      metric = args[i + 1];
    }
  }
  args[0] = testing::dmabot_bin();
  testing::Child c;
  const int rc = testing::run(args, dir, &c, {}, 300);
  const std::string err = testing::read_file(c.err_path);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_EQ(err.find("undefined"), std::string::npos) << err;
  const auto rows = read_csv(out);
  ASSERT_GE(rows.size(), 2u);
  std::set<std::string> values;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "ok") << row.at("error");
    const std::string v = row.count("oos_" + metric) ? row.at("oos_" + metric) : row.at(metric);
    EXPECT_FALSE(v.empty()) << "index " << row.at("index") << ": " << metric << " undefined";
    values.insert(v);
  }
  EXPECT_GE(values.size(), 2u) << metric << " is the same for every point: the ranking is arbitrary";
}

}  // namespace
}  // namespace dmabot::tools
