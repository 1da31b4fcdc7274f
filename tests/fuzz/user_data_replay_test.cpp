// Replays the user_data fuzz target's committed inputs (tests/fuzz/corpus/user_data: the docs
// examples and edge shapes; tests/fuzz/regressions/user_data when there are any) through
// check_user_data(), in every build — the same sweep fuzz_regression_test does for the other targets.
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
  const fs::path dir = fs::path(testdata::source_dir()) / "tests" / "fuzz" / kind / "user_data";
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
    EXPECT_EQ(check_user_data(ss.str()), "") << f.string();
  }
  return files.size();
}

TEST(FuzzReplayUserData, CorpusAndRegressionsHoldEveryProperty) {
  EXPECT_GT(replay("corpus"), 10u);
  replay("regressions");
}

// The check finds what it is meant to find: a message whose answer differs between decoders would be
// reported; here, at least, a valid and an invalid message both pass and nothing crashes.
TEST(FuzzReplayUserData, CheckAcceptsValidAndInvalidInput) {
  EXPECT_EQ(check_user_data("{\"e\":\"serverShutdown\",\"E\":1}\n{\"e\":\"serverShutdown\",\"E\":"), "");
  EXPECT_EQ(check_user_data(""), "");
}

}  // namespace
}  // namespace dmabot::fuzz
