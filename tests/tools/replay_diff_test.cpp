// Tests for tools/replay_diff.h on hand-written recordings: identical decisions (seq and market data
// lines ignored), the first differing field with both line numbers, a file that runs out of
// decisions first, and a truncated decision line.
#include "tools/replay_diff.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace dmabot::tools {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/diff_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

const std::string kHeader = R"({"v":1,"kind":"config","program":"dmabot","config":{"A":"1"}})"
                            "\n";
std::string md(int seq) {
  return R"({"v":1,"seq":)" + std::to_string(seq) +
         R"(,"kind":"md","ts_local":5,"sym":"BTCUSDT","bid":"1","bq":"1","ask":"2","aq":"1"})"
         "\n";
}
std::string sig(int seq, const std::string& px) {
  return R"({"v":1,"seq":)" + std::to_string(seq) +
         R"(,"kind":"sig","ts_local":7,"sym":"BTCUSDT","side":"BUY","px":")" + px +
         R"(","qty":"1","cid":11})"
         "\n";
}
std::string ord(int seq, const std::string& qty) {
  return R"({"v":1,"seq":)" + std::to_string(seq) +
         R"(,"kind":"ord","ts_local":7,"sym":"BTCUSDT","side":"BUY","px":"1.5","qty":")" + qty +
         R"(","cid":11})"
         "\n";
}

TEST(DecisionDiff, SameDecisionsAreIdenticalWhateverSeqAndMarketData) {
  // The replayed file numbers its lines differently and has an extra md line: still identical.
  const auto a = write("a1", kHeader + md(1) + sig(2, "1.5") + ord(3, "1") + md(4) + sig(5, "1.4"));
  const auto b = write("b1", kHeader + md(1) + md(2) + sig(3, "1.5") + ord(4, "1") + sig(9, "1.4"));
  auto d = diff_decisions(a, b);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->identical);
  EXPECT_EQ(d->signals, 2u);
  EXPECT_EQ(d->orders, 1u);
  EXPECT_EQ(d->to_text(), "identical: 2 signals and 1 orders");
}

TEST(DecisionDiff, FirstDifferingFieldWithBothLineNumbers) {
  const auto a = write("a2", kHeader + sig(1, "1.5") + ord(2, "1") + sig(3, "1.4"));
  const auto b = write("b2", kHeader + md(1) + sig(2, "1.5") + ord(3, "2") + sig(4, "1.3"));
  auto d = diff_decisions(a, b);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->identical);
  EXPECT_EQ(d->recorded_line, 3u);  // header, sig, ord
  EXPECT_EQ(d->replayed_line, 4u);  // header, md, sig, ord
  EXPECT_EQ(d->field, "qty");
  EXPECT_EQ(d->recorded_value, "\"1\"");
  EXPECT_EQ(d->replayed_value, "\"2\"");
  EXPECT_EQ(d->signals, 1u);
  EXPECT_EQ(d->orders, 0u);
  EXPECT_NE(d->to_text().find("recorded line 3 vs replayed line 4, field 'qty'"), std::string::npos) << d->to_text();
}

TEST(DecisionDiff, FileRunningOutOfDecisionsIsADivergence) {
  const auto a = write("a3", kHeader + sig(1, "1.5") + ord(2, "1"));
  const auto b = write("b3", kHeader + sig(1, "1.5"));
  auto d = diff_decisions(a, b);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->identical);
  EXPECT_EQ(d->field, "<end>");
  EXPECT_EQ(d->recorded_line, 3u);
  EXPECT_EQ(d->replayed_line, 0u);
  EXPECT_EQ(d->replayed_value, "(none)");
}

TEST(DecisionDiff, TruncatedDecisionLineIsAnErrorNamingFileAndLine) {
  std::string cut = sig(2, "1.5");
  cut.resize(cut.size() / 2);  // no newline, half a line
  const auto a = write("a4", kHeader + sig(1, "1.5") + cut);
  const auto b = write("b4", kHeader + sig(1, "1.5") + sig(2, "1.5"));
  auto d = diff_decisions(a, b);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(std::string(d.status().message()).find(a + ":3"), std::string::npos) << d.status();
}

TEST(DecisionDiff, MissingFileIsAnError) {
  const auto b = write("b5", kHeader);
  EXPECT_FALSE(diff_decisions(::testing::TempDir() + "/no_such_recording.jsonl", b).ok());
}

}  // namespace
}  // namespace dmabot::tools
