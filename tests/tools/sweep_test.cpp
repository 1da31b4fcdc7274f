#include "tools/sweep.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/strings.h"
#include "core/types.h"

namespace dmabot::tools {
namespace {

std::vector<std::string> values_of(const std::vector<SweepPoint>& pts, std::size_t param) {
  std::vector<std::string> out;
  for (const SweepPoint& p : pts) out.push_back(p.params.at(param).second);
  return out;
}

std::string message(const absl::Status& s) { return std::string(s.message()); }

TEST(ExpandGrid, InclusiveRangeHasExactCountAndValues) {
  auto pts = expand_grid("DYNMM_FLOOR_BPS=4:30:2");
  ASSERT_TRUE(pts.ok()) << pts.status();
  // (30 - 4) / 2 + 1 = 14 points: 4, 6, ..., 30.
  ASSERT_EQ(pts->size(), 14u);
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ((*pts)[i].index, i);
    ASSERT_EQ((*pts)[i].params.size(), 1u);
    EXPECT_EQ((*pts)[i].params[0].first, "DYNMM_FLOOR_BPS");
    EXPECT_EQ((*pts)[i].params[0].second, std::to_string(4 + 2 * i));
  }
}

TEST(ExpandGrid, DecimalStepsAreExact) {
  auto a = expand_grid("X=0.1:0.3:0.1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(values_of(*a, 0), (std::vector<std::string>{"0.1", "0.2", "0.3"}));
  auto b = expand_grid("X=0:1:0.25");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(values_of(*b, 0), (std::vector<std::string>{"0", "0.25", "0.5", "0.75", "1"}));
  // Stop not on the grid: last value is the largest start + i*step <= stop (1.9 <= 2 < 2.2).
  auto c = expand_grid("X=1:2:0.3");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(values_of(*c, 0), (std::vector<std::string>{"1", "1.3", "1.6", "1.9"}));
  auto d = expand_grid("X=-0.5:0.5:0.5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(values_of(*d, 0), (std::vector<std::string>{"-0.5", "0", "0.5"}));
}

TEST(ExpandGrid, CartesianProductFirstKeySlowest) {
  auto pts = expand_grid("DYNMM_FLOOR_BPS=4:30:2, DYNMM_A=0.5|1|2");
  ASSERT_TRUE(pts.ok()) << pts.status();
  ASSERT_EQ(pts->size(), 42u);       // 14 * 3
  const SweepPoint& p4 = (*pts)[4];  // 4 = 1*3 + 1 -> floor index 1 (6), A index 1 (1)
  EXPECT_EQ(p4.index, 4);
  ASSERT_EQ(p4.params.size(), 2u);
  EXPECT_EQ(p4.params[0], (std::pair<std::string, std::string>{"DYNMM_FLOOR_BPS", "6"}));
  EXPECT_EQ(p4.params[1], (std::pair<std::string, std::string>{"DYNMM_A", "1"}));
  EXPECT_EQ((*pts)[41].params[0].second, "30");
  EXPECT_EQ((*pts)[41].params[1].second, "2");

  auto lists = expand_grid("A=1|2,B=x|y|z,C=k");
  ASSERT_TRUE(lists.ok());
  std::vector<std::string> seen;
  for (const SweepPoint& p : *lists) seen.push_back(p.params[0].second + p.params[1].second + p.params[2].second);
  EXPECT_EQ(seen, (std::vector<std::string>{"1xk", "1yk", "1zk", "2xk", "2yk", "2zk"}));
}

TEST(ExpandGrid, BadSpecsNameTheBadPiece) {
  struct Case {
    const char* spec;
    const char* needle;
  };
  const Case cases[] = {
      {"", "empty"},
      {"DYNMM_A", "'DYNMM_A': expected KEY=VALUE"},
      {"A=1:2", "'A=1:2': expected start:stop:step"},
      {"A=1:5:0", "'A=1:5:0': step must be positive"},
      {"A=5:1:1", "'A=5:1:1': stop is below start"},
      {"A=1:x:1", "stop 'x' is not a decimal number"},
      {"A=0.123456789:1:0.1", "start '0.123456789'"},
      {"A=1|2,A=3", "key 'A' appears twice"},
      {"A=1,,B=2", "item 2 is empty"},
      {"1A=2", "'1A' is not a valid key"},
      {"A=1||2", "empty value in the '|' list"},
      {"A=", "empty value"},
      {"A=0:10000000:0.00001", "more than"},
  };
  for (const Case& c : cases) {
    auto r = expand_grid(c.spec);
    ASSERT_FALSE(r.ok()) << c.spec;
    EXPECT_NE(message(r.status()).find(c.needle), std::string::npos) << c.spec << " -> " << r.status();
  }
}

TEST(SampleRandom, DeterministicAndWithinRange) {
  const char* spec = "A=0.5:2.5, B=1:100:log, C=10:20, D=x|y, E=fixed";
  auto a = sample_random(spec, 200, 42);
  auto b = sample_random(spec, 200, 42);
  auto other = sample_random(spec, 200, 43);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok() && other.ok());
  ASSERT_EQ(a->size(), 200u);
  int b_below_10 = 0;
  std::set<std::string> c_seen, d_seen;
  bool differs = false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const SweepPoint& p = (*a)[i];
    EXPECT_EQ(p.index, static_cast<int>(i));
    EXPECT_EQ(p.params, (*b)[i].params);
    differs = differs || p.params != (*other)[i].params;
    ASSERT_EQ(p.params.size(), 5u);
    // Every value is a plain decimal with at most 8 decimals (parseable by any Config getter).
    for (std::size_t k = 0; k < 3; ++k) {
      int64_t raw = 0;
      EXPECT_EQ(core::parse_decimal(p.params[k].second, true, raw), core::DecimalError::kOk) << p.params[k].second;
    }
    const double av = std::stod(p.params[0].second);
    EXPECT_GE(av, 0.5);
    EXPECT_LE(av, 2.5);
    const std::string& bv = p.params[1].second;
    EXPECT_EQ(bv.find('.'), std::string::npos) << "integer range gives integers: " << bv;
    const int bi = std::stoi(bv);
    EXPECT_GE(bi, 1);
    EXPECT_LE(bi, 100);
    if (bi < 10) ++b_below_10;
    const int ci = std::stoi(p.params[2].second);
    EXPECT_GE(ci, 10);
    EXPECT_LE(ci, 20);
    c_seen.insert(p.params[2].second);
    d_seen.insert(p.params[3].second);
    EXPECT_EQ(p.params[4].second, "fixed");
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ(c_seen.size(), 11u);  // 10..20 all drawn in 200 tries
  EXPECT_EQ(d_seen, (std::set<std::string>{"x", "y"}));
  // Log-uniform over [1, 101): P(B < 10) = ln 10 / ln 101 ~ 0.50 (a linear draw gives 0.09).
  EXPECT_GT(b_below_10, 70);
  EXPECT_LT(b_below_10, 130);
}

TEST(SampleRandom, BadSpecsNameTheBadPiece) {
  auto zero_lo = sample_random("A=0:10:log", 5, 1);
  ASSERT_FALSE(zero_lo.ok());
  EXPECT_NE(message(zero_lo.status()).find("'A=0:10:log': log range needs lo > 0"), std::string::npos);
  auto step = sample_random("A=1:5:2", 5, 1);
  ASSERT_FALSE(step.ok());
  EXPECT_NE(message(step.status()).find("'A=1:5:2': third field must be 'log'"), std::string::npos);
  auto reversed = sample_random("A=5:1", 5, 1);
  ASSERT_FALSE(reversed.ok());
  EXPECT_NE(message(reversed.status()).find("hi is below lo"), std::string::npos);
  auto none = sample_random("A=1:5", 0, 1);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(message(none.status()).find("point count 0"), std::string::npos);
}

TEST(Shard, ParseAndErrors) {
  auto s = parse_shard("1/3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 1);
  EXPECT_EQ(s->count, 3);
  for (const char* bad : {"3/3", "a/3", "1/0", "-1/3", "1", "1/3x", "/3"}) {
    auto r = parse_shard(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(message(r.status()).find(std::string("shard '") + bad + "'"), std::string::npos) << r.status();
  }
}

TEST(Shard, ShardsPartitionEveryPointExactlyOnce) {
  auto pts = expand_grid("A=1:20:1");
  ASSERT_TRUE(pts.ok());
  std::vector<int> hits(20, 0);
  for (int i = 0; i < 3; ++i) {
    auto shard = parse_shard(core::str_cat(i, "/3"));
    ASSERT_TRUE(shard.ok());
    for (const SweepPoint& p : filter_shard(*pts, *shard)) {
      EXPECT_EQ(p.index % 3, i);
      ++hits.at(p.index);
    }
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(hits[i], 1) << "index " << i;
}

TEST(ParseSummaryJson, FlatObjectKeepsTokens) {
  auto m = parse_summary_json(R"( {"net_pnl": 1.5e2, "cancel_to_trade":null,"name":"a\"b","ok":true} )");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->values.size(), 4u);
  EXPECT_EQ(m->values[0], (std::pair<std::string, std::string>{"net_pnl", "1.5e2"}));
  EXPECT_EQ(*m->number("net_pnl"), 150.0);
  EXPECT_EQ(*m->find("cancel_to_trade"), "null");
  EXPECT_FALSE(m->number("cancel_to_trade").has_value());
  EXPECT_EQ(*m->find("name"), "\"a\\\"b\"");
  EXPECT_FALSE(m->number("missing").has_value());

  EXPECT_FALSE(parse_summary_json(R"({"a":{"b":1}})").ok());
  EXPECT_FALSE(parse_summary_json(R"({"a":1} x)").ok());
  EXPECT_FALSE(parse_summary_json(R"({"a":01})").ok());
  EXPECT_FALSE(parse_summary_json(R"({"a":1,})").ok());
  EXPECT_TRUE(parse_summary_json("{}").ok());
}

// The child: /bin/sh -c SCRIPT --set KEY=VALUE ... ($0 is "--set", $1 the first "KEY=VALUE").
SweepRunOptions shell(const std::string& script, int jobs) {
  SweepRunOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.jobs = jobs;
  o.timeout_s = 60;  // a safety net so a broken scheduler fails instead of hanging
  return o;
}

TEST(RunSweep, TwoJobsGiveRowsInIndexOrder) {
  auto pts = expand_grid("V=1:6:1");
  ASSERT_TRUE(pts.ok());
  std::size_t progress = 0;
  SweepRunOptions o = shell(R"(v=${1#*=}; echo "noise before"; echo "{\"net_pnl\":$v,\"sharpe\":null}")", 2);
  o.on_row = [&](const SweepRow&, std::size_t done, std::size_t total) {
    EXPECT_EQ(total, 6u);
    progress = done;
  };
  auto rows = run_sweep(*pts, o);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 6u);
  EXPECT_EQ(progress, 6u);
  for (int i = 0; i < 6; ++i) {
    const SweepRow& r = (*rows)[i];
    EXPECT_EQ(r.index, i);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status(), "ok");
    ASSERT_TRUE(r.is.number("net_pnl").has_value());
    EXPECT_EQ(*r.is.number("net_pnl"), i + 1);
    EXPECT_EQ(*r.is.find("sharpe"), "null");
  }
}

// Proves two children really run at once without timing anything: each one blocks opening a FIFO
// until the other opens the other end, so with one slot neither could finish.
TEST(RunSweep, JobsRunConcurrently) {
  char dir[] = "/tmp/sweep_test_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pts = expand_grid("ROLE=reader|writer");
  ASSERT_TRUE(pts.ok());
  const std::string script = "case \"$1\" in ROLE=reader) read x < '" + fifo +
                             "'; echo \"{\\\"got\\\":$x}\";; ROLE=writer) echo 7 > '" + fifo +
                             "'; echo '{\"got\":0}';; esac";
  auto rows = run_sweep(*pts, shell(script, 2));
  ::unlink(fifo.c_str());
  ::rmdir(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE((*rows)[0].ok) << (*rows)[0].error;
  EXPECT_TRUE((*rows)[1].ok) << (*rows)[1].error;
  EXPECT_EQ(*(*rows)[0].is.number("got"), 7.0);
}

TEST(RunSweep, FailingChildrenGiveErrorRowsAndTheSweepGoesOn) {
  auto pts = expand_grid("V=1:5:1");
  ASSERT_TRUE(pts.ok());
  const std::string script = R"(case "$1" in
    V=2) echo "  " >&2; echo "bad param V=2" >&2; echo "second line" >&2; exit 3;;
    V=3) exit 4;;
    V=4) echo "not json"; exit 0;;
    V=5) kill -9 $$;;
  esac
  echo '{"net_pnl":1}')";
  auto rows = run_sweep(*pts, shell(script, 2));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_TRUE((*rows)[0].ok);
  EXPECT_EQ((*rows)[1].status(), "error");
  EXPECT_EQ((*rows)[1].error, "bad param V=2");  // first non-blank stderr line
  EXPECT_EQ((*rows)[2].error, "exit status 4");
  EXPECT_EQ((*rows)[3].error, "no JSON summary line on stdout");
  EXPECT_EQ((*rows)[4].error, "killed by signal 9");
  for (int i = 1; i < 5; ++i) EXPECT_FALSE((*rows)[i].ok);

  SweepRunOptions missing;
  missing.argv = {"/nonexistent/dmabot", "backtest"};
  auto r = run_sweep(*pts, missing);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 5u);
  EXPECT_NE((*r)[0].error.find("cannot start '/nonexistent/dmabot'"), std::string::npos) << (*r)[0].error;
}

TEST(RunSweep, TimeoutKillsTheChild) {
  auto pts = expand_grid("V=1");
  ASSERT_TRUE(pts.ok());
  SweepRunOptions o = shell("exec sleep 30", 1);
  o.timeout_s = 1;
  auto rows = run_sweep(*pts, o);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].error, "timed out after 1 s");
}

TEST(RunSweep, RejectsUnusableOptions) {
  auto pts = expand_grid("V=1");
  ASSERT_TRUE(pts.ok());
  EXPECT_FALSE(run_sweep(*pts, SweepRunOptions{}).ok());
  EXPECT_FALSE(run_sweep(*pts, shell("true", 0)).ok());
}

TEST(RunSweep, OutOfSampleRunsFeedTheRanking) {
  auto pts = expand_grid("V=1:3:1");
  ASSERT_TRUE(pts.ok());
  // In-sample sharpe rises with V, out-of-sample falls: the ranking must follow the oos one.
  SweepRunOptions o = shell(R"(v=${1#*=}; echo "{\"sharpe\":$v}")", 2);
  o.oos_argv = {"/bin/sh", "-c", R"(v=${1#*=}; echo "{\"sharpe\":$((10 - v))}")"};
  auto rows = run_sweep(*pts, o);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_TRUE((*rows)[2].has_oos);
  EXPECT_EQ(*(*rows)[2].is.number("sharpe"), 3.0);
  EXPECT_EQ(*(*rows)[2].oos.number("sharpe"), 7.0);  // 10 - 3

  const std::vector<SweepRow> ranked = rank(*rows, "sharpe", true);
  // oos sharpe 9, 8, 7 for index 0, 1, 2.
  EXPECT_EQ(ranked[0].index, 0);
  EXPECT_EQ(ranked[2].index, 2);

  EXPECT_EQ(to_csv(*rows),
            "index,V,status,error,is_sharpe,oos_sharpe\n"
            "0,1,ok,,1,9\n"
            "1,2,ok,,2,8\n"
            "2,3,ok,,3,7\n");
  const std::string table = top_table(ranked, "sharpe");
  EXPECT_NE(table.find("is_sharpe"), std::string::npos);
  EXPECT_NE(table.find("oos_sharpe"), std::string::npos);
}

SweepRow row(int index, std::vector<std::pair<std::string, std::string>> params, bool ok, std::string error,
             std::vector<std::pair<std::string, std::string>> metrics) {
  SweepRow r;
  r.index = index;
  r.params = std::move(params);
  r.ok = ok;
  r.error = std::move(error);
  r.is.values = std::move(metrics);
  return r;
}

std::vector<SweepRow> sample_rows() {
  return {
      row(0, {{"A", "1"}, {"MODE", "x,y"}}, true, "", {{"net_pnl", "5"}, {"sharpe", "1.5"}}),
      row(1, {{"A", "2"}, {"MODE", "z"}}, false, "bad \"value\"", {}),
      row(2, {{"A", "3"}, {"MODE", "z"}}, true, "", {{"net_pnl", "-2"}, {"sharpe", "null"}}),
      row(3, {{"A", "4"}, {"MODE", "z"}}, true, "", {{"net_pnl", "9"}, {"sharpe", "0.5"}}),
  };
}

TEST(SweepOutput, CsvAndJsonlAreExact) {
  const std::vector<SweepRow> rows = sample_rows();
  EXPECT_EQ(to_csv(rows),
            "index,A,MODE,status,error,net_pnl,sharpe\n"
            "0,1,\"x,y\",ok,,5,1.5\n"
            "1,2,z,error,\"bad \"\"value\"\"\",,\n"
            "2,3,z,ok,,-2,\n"
            "3,4,z,ok,,9,0.5\n");
  EXPECT_EQ(to_jsonl(rows),
            "{\"index\":0,\"A\":1,\"MODE\":\"x,y\",\"status\":\"ok\",\"error\":null,\"net_pnl\":5,\"sharpe\":1.5}\n"
            "{\"index\":1,\"A\":2,\"MODE\":\"z\",\"status\":\"error\",\"error\":\"bad \\\"value\\\"\","
            "\"net_pnl\":null,\"sharpe\":null}\n"
            "{\"index\":2,\"A\":3,\"MODE\":\"z\",\"status\":\"ok\",\"error\":null,\"net_pnl\":-2,\"sharpe\":null}\n"
            "{\"index\":3,\"A\":4,\"MODE\":\"z\",\"status\":\"ok\",\"error\":null,\"net_pnl\":9,\"sharpe\":0.5}\n");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SweepOutput, WriteResultsPicksFormatByExtension) {
  char dir[] = "/tmp/sweep_out_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::vector<SweepRow> rows = sample_rows();
  const std::string csv = std::string(dir) + "/r.csv", jsonl = std::string(dir) + "/r.jsonl";
  ASSERT_TRUE(write_results(rows, csv).ok());
  ASSERT_TRUE(write_results(rows, jsonl).ok());
  EXPECT_EQ(slurp(csv), to_csv(rows));
  EXPECT_EQ(slurp(jsonl), to_jsonl(rows));
  auto bad = write_results(rows, std::string(dir) + "/r.txt");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(message(bad).find("r.txt"), std::string::npos);
  EXPECT_FALSE(write_results(rows, std::string(dir) + "/no/such/dir.csv").ok());
  ::unlink(csv.c_str());
  ::unlink(jsonl.c_str());
  ::rmdir(dir);
}

std::vector<int> indexes(const std::vector<SweepRow>& rows) {
  std::vector<int> out;
  for (const SweepRow& r : rows) out.push_back(r.index);
  return out;
}

TEST(Rank, SortsByMetricWithMissingAndErrorsLast) {
  const std::vector<SweepRow> rows = sample_rows();
  EXPECT_EQ(indexes(rank(rows, "net_pnl", true)), (std::vector<int>{3, 0, 2, 1}));  // 9, 5, -2, then the error row
  // sharpe: 0.5 (index 3), 1.5 (index 0), null (index 2), error (index 1). Lowest first for the
  // defined ones, then the undefined ok row, then the error row — not the two mixed by index.
  EXPECT_EQ(indexes(rank(rows, "sharpe", false)), (std::vector<int>{3, 0, 2, 1}));
  EXPECT_EQ(indexes(rank(rows, "sharpe", true)), (std::vector<int>{0, 3, 2, 1}));
}

// A point that never traded (sharpe undefined) must not outrank a losing point, whichever way the
// ranking goes; undefined means missing, null, a string or a number that is not finite.
TEST(Rank, UndefinedValuesRankAfterEveryDefinedValueInBothDirections) {
  const std::vector<SweepRow> rows = {
      row(0, {{"A", "1"}}, true, "", {{"sharpe", "null"}}),     // never traded
      row(1, {{"A", "2"}}, true, "", {{"sharpe", "-3.5"}}),     // lost
      row(2, {{"A", "3"}}, false, "boom", {}),                  // failed
      row(3, {{"A", "4"}}, true, "", {}),                       // sharpe missing
      row(4, {{"A", "5"}}, true, "", {{"sharpe", "2"}}),        // won
      row(5, {{"A", "6"}}, true, "", {{"sharpe", "\"n/a\""}}),  // a string
      row(6, {{"A", "7"}}, true, "", {{"sharpe", "1e999"}}),    // overflows to inf
  };
  EXPECT_EQ(indexes(rank(rows, "sharpe", true)), (std::vector<int>{4, 1, 0, 3, 5, 6, 2}));
  EXPECT_EQ(indexes(rank(rows, "sharpe", false)), (std::vector<int>{1, 4, 0, 3, 5, 6, 2}));
  // Out-of-sample rows rank on the oos run: an in-sample value does not make it defined.
  std::vector<SweepRow> oos = {row(0, {}, true, "", {{"sharpe", "9"}}), row(1, {}, true, "", {{"sharpe", "-1"}})};
  for (SweepRow& r : oos) r.has_oos = true;
  oos[0].oos.values = {{"sharpe", "null"}};
  oos[1].oos.values = {{"sharpe", "-2"}};
  EXPECT_EQ(indexes(rank(oos, "sharpe", true)), (std::vector<int>{1, 0}));
  EXPECT_EQ(indexes(rank(oos, "sharpe", false)), (std::vector<int>{1, 0}));
}

TEST(Rank, WarningNamesTheMetricTheCountAndWhy) {
  // Every ok row defines it (the error row does not count): no warning.
  EXPECT_EQ(undefined_metric_warning(sample_rows(), "net_pnl"), "");
  // One of three ok rows has a null sharpe and no note.
  EXPECT_EQ(undefined_metric_warning(sample_rows(), "sharpe"),
            "warning: sharpe undefined for 1 of 3 points: the backtest reported null (too few buckets?); they are "
            "ranked after every point that has a value");
  // The summary's own reason (<metric>_note) is used, grouped with counts when reasons differ.
  std::vector<SweepRow> rows = {
      row(0, {}, true, "", {{"sharpe", "null"}, {"sharpe_note", "\"1 bucket of 60 s; needs 2\""}}),
      row(1, {}, true, "", {{"sharpe", "null"}, {"sharpe_note", "\"1 bucket of 60 s; needs 2\""}}),
      row(2, {}, true, "", {{"sharpe", "1.5"}}),
      row(3, {}, true, "", {}),
      row(4, {}, false, "boom", {}),
  };
  EXPECT_EQ(undefined_metric_warning(rows, "sharpe"),
            "warning: sharpe undefined for 3 of 4 points: 1 bucket of 60 s; needs 2 (2); the backtest did not report "
            "it (1); they are ranked after every point that has a value");
  // No point defines it: the ranking is meaningless and the line says so, naming the oos metric.
  std::vector<SweepRow> none = {row(0, {}, true, "", {}), row(1, {}, true, "", {})};
  for (SweepRow& r : none) {
    r.has_oos = true;
    r.is.values = {{"sharpe", "0.7"}};
    r.oos.values = {{"sharpe", "null"}};
  }
  EXPECT_EQ(undefined_metric_warning(none, "sharpe"),
            "WARNING: oos_sharpe undefined for every point (2 of 2): the backtest reported null (too few buckets?). "
            "The ranking is meaningless (points are listed by index); rank on a metric this data defines, e.g. "
            "--rank net_pnl");
  // Other metrics: no bucket hint; a non-finite value is named.
  EXPECT_EQ(undefined_metric_warning(
                {row(0, {}, true, "", {{"fill_ratio", "null"}}), row(1, {}, true, "", {{"fill_ratio", "\"x\""}}),
                 row(2, {}, true, "", {{"fill_ratio", "0.5"}})},
                "fill_ratio"),
            "warning: fill_ratio undefined for 2 of 3 points: the backtest reported null (1); the backtest reported "
            "\"x\", not a finite number (1); they are ranked after every point that has a value");
}

TEST(Rank, TopTableShowsAtMostTenRows) {
  std::vector<SweepRow> rows;
  for (int i = 0; i < 15; ++i)
    rows.push_back(row(i, {{"A", std::to_string(i)}}, true, "", {{"net_pnl", std::to_string(i)}}));
  const std::string table = top_table(rank(rows, "net_pnl", true), "net_pnl");
  const std::vector<std::string_view> lines = core::split(table, '\n');
  ASSERT_EQ(lines.size(), 12u);  // header + 10 rows + empty piece after the last '\n'
  EXPECT_EQ(lines[0], "rank  index  status  net_pnl  params");
  EXPECT_EQ(lines[1], "   1     14      ok       14  A=14");
}

// ---------------------------------------------------------------------------------------------
// Stopping a running sweep

// Points V=1 and V=2 finish at once; the others block opening a FIFO nobody writes to, so they can
// only end by being killed. The first finished row raises the stop: run_sweep must kill the blocked
// children (their FIFO then has no reader left) and return the finished rows only.
TEST(RunSweep, StopFdEndsTheSweepWithTheFinishedRowsAndKillsTheRest) {
  char dir[] = "/tmp/sweep_stop_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int stop[2];
  ASSERT_EQ(::pipe(stop), 0);
  auto pts = expand_grid("V=1:6:1");
  ASSERT_TRUE(pts.ok());
  SweepRunOptions o =
      shell("v=${1#*=}; if [ $v -gt 2 ]; then read x < '" + fifo + "'; fi; echo \"{\\\"net_pnl\\\":$v}\"", 2);
  o.timeout_s = 0;
  o.stop_fd = stop[0];
  std::size_t seen = 0;
  o.on_row = [&](const SweepRow&, std::size_t done, std::size_t) {
    seen = done;
    if (done == 2) {
      ASSERT_EQ(::write(stop[1], "x", 1), 1);
    }
  };
  auto rows = run_sweep(*pts, o);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(seen, 2u);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].index, 0);
  EXPECT_EQ((*rows)[1].index, 1);
  EXPECT_TRUE((*rows)[0].ok && (*rows)[1].ok);
  // No reader holds the FIFO: opening it for writing without blocking fails with ENXIO.
  const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  EXPECT_LT(w, 0);
  EXPECT_EQ(errno, ENXIO);
  if (w >= 0) ::close(w);

  // Raised before the start: nothing runs.
  std::size_t calls = 0;
  o.on_row = [&](const SweepRow&, std::size_t, std::size_t) { ++calls; };
  rows = run_sweep(*pts, o);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
  EXPECT_EQ(calls, 0u);
  ::close(stop[0]);
  ::close(stop[1]);
  ::unlink(fifo.c_str());
  ::rmdir(dir);
}

TEST(RunSweep, ChildrenLeadTheirOwnProcessGroup) {
  auto pts = expand_grid("V=1");
  ASSERT_TRUE(pts.ok());
  // Field 5 of /proc/PID/stat is the process group ("sh" has no spaces in its name).
  auto rows = run_sweep(*pts, shell(R"(set -- $(cat /proc/$$/stat); echo "{\"pid\":$1,\"pgid\":$5}")", 1));
  ASSERT_TRUE(rows.ok());
  ASSERT_TRUE((*rows)[0].ok) << (*rows)[0].error;
  EXPECT_EQ(*(*rows)[0].is.find("pid"), *(*rows)[0].is.find("pgid"));
  EXPECT_NE(*(*rows)[0].is.find("pgid"), std::to_string(::getpgrp()));
}

// ---------------------------------------------------------------------------------------------
// ResultsWriter / read_results

std::string temp_dir_path() {
  char dir[] = "/tmp/sweep_writer_XXXXXX";
  return ::mkdtemp(dir) ? std::string(dir) : std::string("/tmp");
}

TEST(ResultsWriter, EveryAppendedRowIsInTheFileAtOnceAndTheFileStaysValid) {
  const std::string path = temp_dir_path() + "/r.csv";
  auto w = ResultsWriter::create(path, {"A", "MODE"}, false, {});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(slurp(path), "index,A,MODE,status,error\n");  // header before any row
  const std::vector<SweepRow> rows = sample_rows();
  // Completion order 3, 1, 0, 2: the error row brings no metric (no rewrite), index 3 brings
  // net_pnl and sharpe (one rewrite with the wider header), the others append.
  ASSERT_TRUE(w->append(rows[1]).ok());
  EXPECT_EQ(slurp(path), "index,A,MODE,status,error\n1,2,z,error,\"bad \"\"value\"\"\"\n");
  EXPECT_EQ(w->rewrites(), 0);
  ASSERT_TRUE(w->append(rows[3]).ok());
  EXPECT_EQ(w->rewrites(), 1);
  EXPECT_EQ(slurp(path),
            "index,A,MODE,status,error,net_pnl,sharpe\n"
            "1,2,z,error,\"bad \"\"value\"\"\",,\n"
            "3,4,z,ok,,9,0.5\n");
  ASSERT_TRUE(w->append(rows[0]).ok());
  ASSERT_TRUE(w->append(rows[2]).ok());
  EXPECT_EQ(w->rewrites(), 1);
  EXPECT_EQ(slurp(path),
            "index,A,MODE,status,error,net_pnl,sharpe\n"
            "1,2,z,error,\"bad \"\"value\"\"\",,\n"
            "3,4,z,ok,,9,0.5\n"
            "0,1,\"x,y\",ok,,5,1.5\n"
            "2,3,z,ok,,-2,\n");
  // finish(): index order, exactly what write_results gives.
  ASSERT_TRUE(w->finish().ok());
  EXPECT_EQ(slurp(path), to_csv(rows));
  // Appends after finish() go on in the same file.
  ASSERT_TRUE(w->append(row(4, {{"A", "5"}, {"MODE", "q"}}, true, "", {{"net_pnl", "1"}})).ok());
  EXPECT_EQ(slurp(path), to_csv(rows) + "4,5,q,ok,,1,\n");
}

// The disk fills up mid-row (RLIMIT_FSIZE stands in: write() stores what fits, then fails with
// EFBIG while SIGXFSZ is ignored). The append fails, the partial row is cut back, and once there is
// room again the next row starts on a line of its own: read_results sees every whole row, no mix.
TEST(ResultsWriter, DiskFullMidRowLeavesNoPartialRow) {
  const std::string path = temp_dir_path() + "/full.jsonl";
  auto w = ResultsWriter::create(path, {"A", "MODE"}, false, {});
  ASSERT_TRUE(w.ok()) << w.status();
  const std::vector<SweepRow> rows = sample_rows();
  ASSERT_TRUE(w->append(rows[0]).ok());
  const std::string first = slurp(path);
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = first.size() + 10;  // room for 10 bytes of the next row
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const absl::Status st = w->append(rows[3]);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("cannot write '" + path + "'"), std::string::npos) << st;
  EXPECT_EQ(slurp(path), first);  // the 10 bytes that fitted are gone again
  ASSERT_TRUE(w->append(rows[2]).ok());
  auto back = read_results(path, false);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].index, rows[0].index);
  EXPECT_EQ((*back)[1].index, rows[2].index);
  EXPECT_EQ(w->rows().size(), 2u);  // the lost row is not claimed as written
}

TEST(ResultsWriter, JsonlLinesAreAppendedWithoutRewrites) {
  const std::string path = temp_dir_path() + "/r.jsonl";
  auto w = ResultsWriter::create(path, {"A", "MODE"}, false, {});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(slurp(path), "");
  const std::vector<SweepRow> rows = sample_rows();
  ASSERT_TRUE(w->append(rows[1]).ok());
  ASSERT_TRUE(w->append(rows[0]).ok());
  EXPECT_EQ(w->rewrites(), 0);
  EXPECT_EQ(slurp(path),
            "{\"index\":1,\"A\":2,\"MODE\":\"z\",\"status\":\"error\",\"error\":\"bad \\\"value\\\"\"}\n"
            "{\"index\":0,\"A\":1,\"MODE\":\"x,y\",\"status\":\"ok\",\"error\":null,\"net_pnl\":5,\"sharpe\":1.5}\n");
  ASSERT_TRUE(w->append(rows[3]).ok());
  ASSERT_TRUE(w->append(rows[2]).ok());
  ASSERT_TRUE(w->finish().ok());
  EXPECT_EQ(slurp(path), to_jsonl(rows));
}

TEST(ResultsWriter, CreateReplacesTheFileWithTheGivenRows) {
  const std::string path = temp_dir_path() + "/r.csv";
  {
    std::ofstream old(path);
    old << "something else entirely\n";
  }
  const std::vector<SweepRow> rows = sample_rows();
  auto w = ResultsWriter::create(path, {"A", "MODE"}, false, {rows[0], rows[3]});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(slurp(path), to_csv({rows[0], rows[3]}));
  EXPECT_FALSE(ResultsWriter::create(path + ".txt", {}, false, {}).ok());
  EXPECT_FALSE(ResultsWriter::create("/no/such/dir/r.csv", {}, false, {}).ok());
}

void expect_same_rows(const std::vector<SweepRow>& got, const std::vector<SweepRow>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].index, want[i].index);
    EXPECT_EQ(got[i].params, want[i].params);
    EXPECT_EQ(got[i].ok, want[i].ok);
    EXPECT_EQ(got[i].error, want[i].error);
    EXPECT_EQ(got[i].has_oos, want[i].has_oos);
  }
}

TEST(ReadResults, CsvAndJsonlComeBackAsTheRowsThatWereWritten) {
  const std::string dir = temp_dir_path();
  const std::vector<SweepRow> rows = sample_rows();
  for (const std::string name : {"r.csv", "r.jsonl"}) {
    const std::string path = dir + "/" + name;
    ASSERT_TRUE(write_results(rows, path).ok());
    auto back = read_results(path, false);
    ASSERT_TRUE(back.ok()) << back.status();
    expect_same_rows(*back, rows);
    // Metrics as tokens: numbers as printed, a null (or, in CSV, an empty cell) as null.
    EXPECT_EQ(*(*back)[0].is.find("sharpe"), "1.5");
    EXPECT_EQ(*(*back)[2].is.find("sharpe"), "null");
    EXPECT_EQ(*(*back)[3].is.find("net_pnl"), "9");
    // Written again, the file is byte-identical.
    ASSERT_TRUE(write_results(*back, path + ".again" + name.substr(1)).ok());
    EXPECT_EQ(slurp(path + ".again" + name.substr(1)), slurp(path));
  }
}

TEST(ReadResults, OutOfSampleColumnsSplitIntoTheTwoRuns) {
  const std::string path = temp_dir_path() + "/r.csv";
  std::vector<SweepRow> rows = {row(0, {{"V", "1"}}, true, "", {{"sharpe", "1"}})};
  rows[0].has_oos = true;
  rows[0].oos.values = {{"sharpe", "9"}};
  ASSERT_TRUE(write_results(rows, path).ok());
  auto back = read_results(path, true);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(*(*back)[0].is.find("sharpe"), "1");
  EXPECT_EQ(*(*back)[0].oos.find("sharpe"), "9");
  // The other setting is an error naming the file and line.
  auto wrong = read_results(path, false);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(message(wrong.status()).find(path + ":2: column 'oos_sharpe'"), std::string::npos) << wrong.status();
  ASSERT_TRUE(write_results(sample_rows(), path).ok());
  EXPECT_FALSE(read_results(path, true).ok());
}

TEST(ReadResults, ACutShortLastLineIsIgnoredOtherDamageIsAnError) {
  const std::string dir = temp_dir_path();
  const std::string csv = dir + "/r.csv", jsonl = dir + "/r.jsonl";
  const std::vector<SweepRow> rows = sample_rows();
  std::string text = to_csv(rows);
  {
    std::ofstream out(csv);
    out << text << "4,5,z,o";  // the write of row 4 was cut
  }
  auto back = read_results(csv, false);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), 4u);
  {
    std::ofstream out(jsonl);
    out << to_jsonl(rows) << "{\"index\":4,\"A\":";
  }
  back = read_results(jsonl, false);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->size(), 4u);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"index,A,status,error\n0,1,ok\n", ":2: 3 fields, the header has 4"},
      {"index,A,status,error\nx,1,ok,\n", ":2: index 'x' is not a whole number"},
      {"index,A,status,error\n0,1,maybe,\n", ":2: status 'maybe'"},
      {"index,A,error\n0,1,\n", ":2: no 'status' and 'error' columns"},
      {"index,A,status,error\n0,\"1\"x,ok,\n", ":2: malformed CSV quoting"},
  };
  for (const auto& [body, want] : bad) {
    {
      std::ofstream out(csv);
      out << body;
    }
    auto r = read_results(csv, false);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(message(r.status()).find(csv + want), std::string::npos) << r.status();
  }
  {
    std::ofstream out(jsonl);
    out << "{\"index\":0,\"status\":\"ok\",\"error\":null}\nnot json\n";
  }
  auto r = read_results(jsonl, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(message(r.status()).find(jsonl + ":2:"), std::string::npos) << r.status();
  // An empty file has no rows.
  { std::ofstream out(csv); }
  back = read_results(csv, false);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->empty());
}

}  // namespace
}  // namespace dmabot::tools
