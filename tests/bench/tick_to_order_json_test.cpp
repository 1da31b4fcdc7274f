// bench/tick_to_order --json: one JSON object with every configuration and the fields scripts read
// (name, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, events_per_s; baseline_parse_sign_p50_ns), the
// fused full-speed configuration named "fused". Run with a tiny sample count; the assertions are on
// shape and internal consistency (percentiles ordered, samples collected), never on timings.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <cstdio>
#include <set>
#include <string>

namespace {

struct HarnessRun {
  std::string out;
  int status = -1;
};

HarnessRun run(const std::string& args) {
  HarnessRun r;
  const std::string cmd = std::string(DMABOT_TICK_TO_ORDER_BIN) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(TickToOrderJson, EveryConfigurationHasTheRequiredFields) {
  // All configurations (fused, one and two threads, every idle policy, fixed rate and full speed).
  const HarnessRun r = run("--json --samples 3000 --warmup 500 --rate 200000");
  ASSERT_EQ(r.status, 0) << r.out;
  // Exactly one object: it starts with '{' and the parser consumes all of it but the final newline.
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "more than one line on stdout";

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  simdjson::dom::object top;
  ASSERT_EQ(doc.get(top), simdjson::SUCCESS);
  int64_t baseline = 0;
  ASSERT_EQ(top["baseline_parse_sign_p50_ns"].get(baseline), simdjson::SUCCESS);
  EXPECT_GT(baseline, 0);
  simdjson::dom::array configs;
  ASSERT_EQ(top["configs"].get(configs), simdjson::SUCCESS);

  std::set<std::string> names;
  for (simdjson::dom::element c : configs) {
    std::string_view name;
    ASSERT_EQ(c["name"].get(name), simdjson::SUCCESS);
    EXPECT_TRUE(names.insert(std::string(name)).second) << "duplicate " << name;
    int64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    ASSERT_EQ(c["p50_ns"].get(p50), simdjson::SUCCESS) << name;
    ASSERT_EQ(c["p90_ns"].get(p90), simdjson::SUCCESS) << name;
    ASSERT_EQ(c["p99_ns"].get(p99), simdjson::SUCCESS) << name;
    ASSERT_EQ(c["p999_ns"].get(p999), simdjson::SUCCESS) << name;
    ASSERT_EQ(c["max_ns"].get(max), simdjson::SUCCESS) << name;
    double eps = 0;
    ASSERT_EQ(c["events_per_s"].get(eps), simdjson::SUCCESS) << name;
    int64_t samples = 0;
    ASSERT_EQ(c["samples"].get(samples), simdjson::SUCCESS) << name;
    EXPECT_EQ(samples, 3000) << name;
    EXPECT_GT(p50, 0) << name;
    EXPECT_LE(p50, p90) << name;
    EXPECT_LE(p90, p99) << name;
    EXPECT_LE(p99, p999) << name;
    EXPECT_LE(p999, max) << name;
    EXPECT_GT(eps, 0.0) << name;
  }
  EXPECT_EQ(names.count("fused"), 1u);
  EXPECT_EQ(names.count("fused_fixed"), 1u);
  EXPECT_EQ(names.count("t2_spin_yield_fixed"), 1u);
  EXPECT_GE(names.size(), 16u);
}

TEST(TickToOrderJson, ConfigsFilterAndWsWire) {
  const HarnessRun r = run("--json --samples 2000 --warmup 200 --configs fused --wire ws");
  ASSERT_EQ(r.status, 0) << r.out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  simdjson::dom::array configs;
  ASSERT_EQ(doc["configs"].get(configs), simdjson::SUCCESS);
  ASSERT_EQ(configs.size(), 1u);
  std::string_view name;
  ASSERT_EQ(configs.at(0)["name"].get(name), simdjson::SUCCESS);
  EXPECT_EQ(name, "fused");
}

TEST(TickToOrderJson, BadArgumentsAreRefused) {
  EXPECT_EQ(run("--samples 0").status, 2);
  EXPECT_EQ(run("--wire carrier-pigeon").status, 2);
  EXPECT_EQ(run("--configs no_such_config --json").status, 2);
}

}  // namespace
