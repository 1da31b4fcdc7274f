// THREAD_LAYOUT=auto (tools/engine_config.h, auto_thread_plan): which stages share a thread and which
// CPUs the hot and the other threads get, for the CPUs a process may use; and the start line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/config.h"
#include "core/runner.h"
#include "tools/engine_config.h"

namespace dmabot::tools {
namespace {

using K = StageKind;
const std::vector<std::vector<K>> kOneThread = {{K::kFeed, K::kStrategy, K::kRisk, K::kRouter, K::kGateway}};
const std::vector<std::vector<K>> kTwoThreads = {{K::kFeed, K::kStrategy}, {K::kRisk, K::kRouter, K::kGateway}};

TEST(ThreadPlan, TwoCpusPutEveryHotStageOnOneThreadPinnedToTheLastAndTheRestOnTheOther) {
  const ThreadPlan p = auto_thread_plan({0, 1}, {});
  EXPECT_EQ(p.layout, kOneThread);
  EXPECT_EQ(p.hot_cpus, std::vector<int>{1});
  EXPECT_EQ(p.other_cpus, std::vector<int>{0});
  EXPECT_EQ(p.description,
            "threads: THREAD_LAYOUT=auto on 2 usable CPUs (0-1): 1 hot thread "
            "[feed,strategy,risk,router,gateway] pinned to CPU 1; recorder, metrics and I/O threads on CPU 0");
}

TEST(ThreadPlan, OneCpuIsNeitherPinnedNorSplit) {
  const ThreadPlan p = auto_thread_plan({3}, {});
  EXPECT_EQ(p.layout, kOneThread);
  EXPECT_TRUE(p.hot_cpus.empty());
  EXPECT_TRUE(p.other_cpus.empty());
  EXPECT_NE(p.description.find("unpinned"), std::string::npos) << p.description;
  EXPECT_NE(p.description.find("anywhere"), std::string::npos) << p.description;
}

TEST(ThreadPlan, ThreeCpusStillShareOneHotThread) {
  const ThreadPlan p = auto_thread_plan({0, 1, 2}, {});
  EXPECT_EQ(p.layout, kOneThread);
  EXPECT_EQ(p.hot_cpus, std::vector<int>{2});
  EXPECT_EQ(p.other_cpus, (std::vector<int>{0, 1}));
}

TEST(ThreadPlan, FourOrMoreCpusSpreadOverTwoPinnedThreads) {
  const ThreadPlan p = auto_thread_plan({0, 1, 2, 3, 4, 5, 6, 7}, {});
  EXPECT_EQ(p.layout, kTwoThreads);
  EXPECT_EQ(p.hot_cpus, (std::vector<int>{6, 7}));
  EXPECT_EQ(p.other_cpus, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_NE(p.description.find("2 hot threads [feed,strategy;risk,router,gateway] pinned to CPUs 6-7"),
            std::string::npos)
      << p.description;
  EXPECT_NE(p.description.find("on CPUs 0-5"), std::string::npos) << p.description;
}

TEST(ThreadPlan, PinCpusReplaceTheHotCpusAndTheOthersAvoidThem) {
  const ThreadPlan p = auto_thread_plan({0, 1}, {0});
  EXPECT_EQ(p.hot_cpus, std::vector<int>{0});
  EXPECT_EQ(p.other_cpus, std::vector<int>{1});
  EXPECT_NE(p.description.find("pinned to CPU 0 (PIN_CPUS)"), std::string::npos) << p.description;
  // PIN_CPUS covering every usable CPU leaves the other threads where the kernel puts them.
  const ThreadPlan all = auto_thread_plan({0, 1}, {0, 1});
  EXPECT_TRUE(all.other_cpus.empty());
}

TEST(ThreadPlan, AnUnknownCpuSetGivesOneUnpinnedThread) {
  const ThreadPlan p = auto_thread_plan({}, {});
  EXPECT_EQ(p.layout, kOneThread);
  EXPECT_TRUE(p.hot_cpus.empty());
  EXPECT_TRUE(p.other_cpus.empty());
}

TEST(ThreadPlan, CpuListText) {
  EXPECT_EQ(cpu_list_text({0, 1, 2, 3, 6}), "0-3,6");
  EXPECT_EQ(cpu_list_text({5}), "5");
  EXPECT_EQ(cpu_list_text({1, 0}), "1,0");
  EXPECT_EQ(cpu_list_text({}), "");
}

absl::StatusOr<EngineConfig> engine_config(const std::string& text) {
  auto cfg = core::Config::parse(text, "test.env", {}, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return EngineConfig::from_config(*cfg);
}

TEST(ThreadPlan, AutoIsTheDefaultAndUsesThisProcesssCpus) {
  auto ec = engine_config("");
  ASSERT_TRUE(ec.ok()) << ec.status();
  const ThreadPlan expected = auto_thread_plan(core::usable_cpus(), {});
  EXPECT_EQ(ec->thread_layout, expected.layout);
  EXPECT_EQ(ec->pin_cpus, expected.hot_cpus);
  EXPECT_EQ(ec->other_cpus, expected.other_cpus);
  EXPECT_EQ(ec->thread_plan, expected.description);
}

TEST(ThreadPlan, AnExplicitLayoutIsKeptAndNamedOnTheStartLine) {
  auto ec = engine_config("THREAD_LAYOUT=feed,strategy;risk,router,gateway\nPIN_CPUS=0\n");
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_EQ(ec->thread_layout, kTwoThreads);
  EXPECT_EQ(ec->pin_cpus, std::vector<int>{0});
  EXPECT_TRUE(ec->other_cpus.empty());
  EXPECT_EQ(ec->thread_plan, "threads: THREAD_LAYOUT=feed,strategy;risk,router,gateway (2 hot threads), PIN_CPUS=0");
}

}  // namespace
}  // namespace dmabot::tools
