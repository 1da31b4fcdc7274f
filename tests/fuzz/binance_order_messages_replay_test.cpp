// Replays tests/fuzz/corpus/binance_order_messages/* and tests/fuzz/regressions/binance_order_messages/*
// through check_binance_order_messages in the normal build (the shared fuzz_regression_test does the
// same for the targets of targets()).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"
#include "tests/fuzz/fuzz_checks.h"

namespace dmabot::fuzz {
namespace {

namespace fs = std::filesystem;

std::size_t replay(std::string_view kind) {
  const fs::path dir = fs::path(testdata::source_dir()) / "tests" / "fuzz" / kind / "binance_order_messages";
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(check_binance_order_messages(ss.str()), "") << f.string();
  }
  return files.size();
}

TEST(BinanceOrderMessagesFuzzReplay, CorpusAndRegressionsHoldEveryProperty) {
  EXPECT_GT(replay("corpus"), 5u);
  replay("regressions");
}

}  // namespace
}  // namespace dmabot::fuzz
