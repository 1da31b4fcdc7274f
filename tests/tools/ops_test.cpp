// ops/: the Grafana dashboard and the Prometheus alert rules use only metric names a real engine
// exports, and the engine's names follow Prometheus conventions under the dmabot_ namespace.
// promtool (Debian package prometheus, installed by `make test`) checks and unit-tests the rules.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "tests/tools/test_process.h"
#include "tools/engine.h"
#include "tools/engine_config.h"
#include "tests/tools/engine_test_util.h"

namespace dmabot::tools {
namespace {

std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Family name -> type, from an engine built from the mock preset with the recorder on (so the
// recorder's families exist too).
std::map<std::string, std::string> engine_families(const std::string& venue_mode) {
  const std::string rec = ::testing::TempDir() + "ops_test_" + venue_mode + ".jsonl";
  auto cfg =
      core::Config::load(source_dir() + "/.env.mock",
                         {"METRICS_PORT=-1", "RECORD_FILE=" + rec, "VENUE_MODE=" + venue_mode}, &core::Config::no_env);
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  if (!cfg.ok()) return {};
  auto engine = build_test_engine(*cfg);
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return {};
  std::map<std::string, std::string> out;
  for (const core::Registry::FamilyInfo& f : (*engine)->metrics().families()) out[f.name] = f.type;
  return out;
}

TEST(Ops, EngineMetricNamesFollowConventions) {
  for (const char* venue : {"mock", "sim"}) {
    const auto families = engine_families(venue);
    ASSERT_GT(families.size(), 20u) << venue;
    for (const auto& [name, type] : families) {
      EXPECT_EQ(name.rfind("dmabot_", 0), 0u) << name << " lacks the dmabot_ namespace";
      if (type == "counter") EXPECT_TRUE(ends_with(name, "_total")) << "counter " << name << " must end in _total";
      if (type != "counter") EXPECT_FALSE(ends_with(name, "_total")) << type << " " << name << " ends in _total";
      if (type == "histogram")
        EXPECT_TRUE(ends_with(name, "_seconds")) << "histogram " << name << " must be in seconds";
    }
  }
}

// Every dmabot_* name in a file must be an exported family (a histogram's _bucket/_sum/_count
// series count as the histogram).
void expect_names_exported(const std::string& file, const std::map<std::string, std::string>& families) {
  const std::string text = testing::read_file(file);
  ASSERT_FALSE(text.empty()) << file;
  const std::regex name_re("dmabot_[a-z0-9_]+");
  int n = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name_re); it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    ++n;
    if (families.count(name) != 0) continue;
    bool histogram_series = false;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (ends_with(name, suffix)) {
        auto f = families.find(name.substr(0, name.size() - suffix.size()));
        histogram_series = histogram_series || (f != families.end() && f->second == "histogram");
      }
    }
    EXPECT_TRUE(histogram_series) << file << " uses " << name << ", which the engine does not export";
  }
  EXPECT_GT(n, 0) << file;
}

TEST(Ops, DashboardAndRulesUseOnlyExportedNames) {
  const auto families = engine_families("mock");
  ASSERT_FALSE(families.empty());
  for (const char* f : {"/ops/grafana/dmabot.json", "/ops/prometheus/alerts.yml", "/ops/prometheus/alerts_test.yml"}) {
    expect_names_exported(source_dir() + f, families);
  }
}

TEST(Ops, DashboardIsValidJsonWithTheRequiredPanels) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.load(source_dir() + "/ops/grafana/dmabot.json").get(doc), simdjson::SUCCESS);
  simdjson::dom::array panels;
  ASSERT_EQ(doc["panels"].get(panels), simdjson::SUCCESS);
  std::string exprs;
  std::set<int64_t> ids;
  for (simdjson::dom::element p : panels) {
    int64_t id = 0;
    ASSERT_EQ(p["id"].get(id), simdjson::SUCCESS);
    EXPECT_TRUE(ids.insert(id).second) << "panel id " << id << " twice";
    simdjson::dom::array targets;
    ASSERT_EQ(p["targets"].get(targets), simdjson::SUCCESS);
    for (simdjson::dom::element t : targets) {
      std::string_view e;
      ASSERT_EQ(t["expr"].get(e), simdjson::SUCCESS);
      exprs.append(e).append("\n");
    }
  }
  // The brief of the dashboard: throughput, rejects, latency quantiles, money, safety, recorder.
  for (const char* needed :
       {"rate(dmabot_ticks_total", "rate(dmabot_signals_total", "rate(dmabot_orders_total", "FILLED|PARTIALLY_FILLED",
        "sum by (reason) (rate(dmabot_risk_rejects_total",
        "histogram_quantile(0.99, sum by (le) (rate(dmabot_tick_to_signal_seconds_bucket",
        "histogram_quantile(0.99, sum by (le) (rate(dmabot_signal_to_order_seconds_bucket", "dmabot_equity",
        "dmabot_inventory_qty", "dmabot_kill_switch", "dmabot_recorder_backlog"}) {
    EXPECT_NE(exprs.find(needed), std::string::npos) << "no panel queries " << needed;
  }
}

TEST(Ops, PromtoolChecksAndUnitTestsTheRules) {
  if (access("/usr/bin/promtool", X_OK) != 0) {
    GTEST_FAIL() << "promtool missing: make test installs the prometheus package";
  }
  const std::string dir = source_dir() + "/ops/prometheus";
  EXPECT_EQ(std::system(("/usr/bin/promtool check rules " + dir + "/alerts.yml > /dev/null").c_str()), 0);
  EXPECT_EQ(std::system(("cd " + dir + " && /usr/bin/promtool test rules alerts_test.yml > /dev/null").c_str()), 0);
}

}  // namespace
}  // namespace dmabot::tools
