// `dmabot latency` end to end, the real binary as a child process: on a recording whose order and
// signal latencies the test chose, the reported count, min, max and percentiles are those latencies
// (percentiles within the histogram's 1% bucket, never below); orders without a causing tick and
// lines whose clock stepped back are counted apart. A journal and its JSONL export measure the same.
// Bad input is one line: exit 2 for usage / not a recording, exit 1 naming the line that does not decode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "tests/common/test_data.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

// The integer after "key": in a one-object JSON text, from the first occurrence after `from`.
int64_t json_int(const std::string& text, const std::string& key, std::size_t from = 0) {
  const std::string k = "\"" + key + "\":";
  const std::size_t at = text.find(k, from);
  EXPECT_NE(at, std::string::npos) << key << " in " << text;
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + k.size()));
}

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

// A recording with 100 timed orders (latency (i+1) µs), 2 untimed ones, one whose clock stepped back,
// and 10 signals of 500 ns.
std::string write_recording(const std::string& dir, const std::string& bad_line = "") {
  core::SymbolTable symbols;
  core::InstrumentInfo info;
  info.name = "BTCUSDT";
  symbols.add(info);
  std::string text = core::encode_config_header(
      "dmabot", {{"THREAD_LAYOUT", "auto"}, {"IDLE_POLICY", "spin_yield"}, {"PIN_CPUS", ""}});
  char buf[1024];
  uint64_t seq = 1;
  auto order = [&](int64_t ts_tick, int64_t ts_local) {
    core::Order o;
    o.ts_tick = ts_tick;
    o.ts_local = ts_local;
    o.price = core::Price::from_raw(60'000 * core::kScale);
    o.qty = core::Qty::from_raw(core::kScale / 1000);
    o.client_id = seq;
    o.symbol = 0;
    text.append(buf, core::encode(o, seq++, symbols, buf, sizeof(buf)));
  };
  for (int i = 0; i < 100; ++i) order(kT0 + i * 1'000'000, kT0 + i * 1'000'000 + (i + 1) * 1'000);
  order(0, kT0 + 5);  // shutdown's cancel-all: no causing tick
  order(0, kT0 + 6);
  order(kT0 + 10'000, kT0 + 9'000);  // the wall clock stepped back
  if (!bad_line.empty()) text += bad_line + "\n";
  for (int i = 0; i < 10; ++i) {
    core::Signal s;
    s.ts_tick = kT0 + i * 7'000;
    s.ts_local = s.ts_tick + 500;
    s.price = core::Price::from_raw(60'000 * core::kScale);
    s.qty = core::Qty::from_raw(core::kScale / 1000);
    s.client_id = 1000 + i;
    s.symbol = 0;
    text.append(buf, core::encode(s, seq++, symbols, buf, sizeof(buf)));
  }
  const std::string path = dir + "/rec.jsonl";
  std::ofstream(path) << text;
  return path;
}

TEST(DmabotLatency, ReportsTheRecordedLatenciesExactly) {
  const std::string dir = temp_dir();
  const std::string rec = write_recording(dir);
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "latency", rec, "--json"}, dir, &c), 0) << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  const std::size_t order = out.find("\"tick_to_order\":");
  const std::size_t signal = out.find("\"tick_to_signal\":");
  ASSERT_NE(order, std::string::npos) << out;
  ASSERT_NE(signal, std::string::npos) << out;
  EXPECT_EQ(json_int(out, "count", order), 100);
  EXPECT_EQ(json_int(out, "min_ns", order), 1'000);
  EXPECT_EQ(json_int(out, "max_ns", order), 100'000);
  // The 50th of 1..100 µs is 50 µs, the 99th 99 µs: reported within one bucket (< 1%) above.
  const int64_t p50 = json_int(out, "p50_ns", order);
  EXPECT_GE(p50, 50'000);
  EXPECT_LE(p50, 50'500);
  const int64_t p99 = json_int(out, "p99_ns", order);
  EXPECT_GE(p99, 99'000);
  EXPECT_LE(p99, 99'990);
  EXPECT_EQ(json_int(out, "p999_ns", order), 100'000);
  EXPECT_EQ(json_int(out, "count", signal), 10);
  EXPECT_EQ(json_int(out, "p50_ns", signal), 500);
  EXPECT_EQ(json_int(out, "untimed_orders"), 2);
  EXPECT_EQ(json_int(out, "negative"), 1);
  EXPECT_NE(out.find("\"thread_layout\":\"auto\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"idle_policy\":\"spin_yield\""), std::string::npos) << out;

  // The table says the same.
  ASSERT_EQ(run({dmabot_bin(), "latency", rec}, dir, &c), 0) << read_file(c.err_path);
  const std::string table = read_file(c.out_path);
  EXPECT_NE(table.find("THREAD_LAYOUT=auto IDLE_POLICY=spin_yield"), std::string::npos) << table;
  EXPECT_NE(table.find("without a causing tick: 2 orders, 0 signals; clock stepped back: 1"), std::string::npos)
      << table;
}

TEST(DmabotLatency, AJournalAndItsJsonlExportMeasureTheSame) {
  const std::string dir = temp_dir();
  const std::string journal = dir + "/bt.journal";
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "backtest", "--data", testdata::fixture_capture("spot_btcusdt_20240808"), "--strategy",
                 "dynmm", "--json-summary-only", "--set", "RECORD_FILE=" + journal, "--set", "RECORD_FORMAT=journal"},
                dir, &c),
            0)
      << read_file(c.err_path);
  const std::string exported = dir + "/bt.jsonl";
  ASSERT_EQ(run({dmabot_bin(), "export", journal, "--jsonl", "--out", exported}, dir, &c), 0) << read_file(c.err_path);
  ASSERT_EQ(run({dmabot_bin(), "latency", journal, "--json"}, dir, &c), 0) << read_file(c.err_path);
  std::string from_journal = read_file(c.out_path);
  ASSERT_EQ(run({dmabot_bin(), "latency", exported, "--json"}, dir, &c), 0) << read_file(c.err_path);
  std::string from_jsonl = read_file(c.out_path);
  EXPECT_GT(json_int(from_journal, "count", from_journal.find("\"tick_to_order\":")), 0) << from_journal;
  // Everything after the file name is the same.
  const auto tail = [](const std::string& s) { return s.substr(s.find("\"thread_layout\"")); };
  EXPECT_EQ(tail(from_journal), tail(from_jsonl));
}

TEST(DmabotLatency, BadInputIsOneLine) {
  const std::string dir = temp_dir();
  const std::string garbage = dir + "/garbage.txt";
  std::ofstream(garbage) << "hello\n";
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const std::string broken = write_recording(dir, R"({"v":1,"seq":999,"kind":"ord","ts_tick":"x"})");
  const std::vector<Case> cases = {
      {{"latency"}, 2, "needs REC"},
      {{"latency", dir + "/missing.jsonl"}, 2, "missing.jsonl"},
      {{"latency", garbage}, 2, "not a dmabot recording"},
      {{"latency", broken, "--bogus"}, 2, "--bogus"},
      {{"latency", broken}, 1, "rec.jsonl:105: "},
  };
  for (const Case& k : cases) {
    std::vector<std::string> argv = {dmabot_bin()};
    argv.insert(argv.end(), k.args.begin(), k.args.end());
    Child c;
    EXPECT_EQ(run(argv, dir, &c), k.code) << k.says;
    const std::string err = read_file(c.err_path);
    EXPECT_NE(err.find(k.says), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

}  // namespace
}  // namespace dmabot::testing
