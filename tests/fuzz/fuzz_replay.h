// tests/fuzz/fuzz_replay.h — the replay of committed fuzz inputs, shared by the GoogleTest replay tests
// (fuzz_regression_test for the targets of targets(), <target>_replay_test for the others): every file
// of tests/fuzz/<kind>/<target>/ (kind "corpus": the seeds, "regressions": inputs that once crashed or
// broke a property) goes through the target's check, which must find nothing ("").
// Test code: header-only, needs GoogleTest, allocates freely.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tests/common/test_data.h"

namespace dmabot::fuzz {

inline std::filesystem::path fuzz_dir() { return std::filesystem::path(testdata::source_dir()) / "tests" / "fuzz"; }

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The files of tests/fuzz/<kind>/<target>/, sorted, dot files left out; none if the directory is missing.
inline std::vector<std::filesystem::path> fuzz_inputs(std::string_view kind, std::string_view target) {
  const std::filesystem::path dir = fuzz_dir() / kind / target;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir)) {
    for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs every input of <kind>/<target> through `check` and expects "" for each (a finding is reported
// with the file's path). `check` takes the input's bytes, or the bytes and the file's path. Inputs
// whose "<target>/<file name>" is in `skip` are left out, with a line saying so. Returns how many ran.
// Why a skip exists: `skip` is tests/fuzz/regressions/PENDING, the findings that are committed before
// their fix (docs/RELIABILITY.md); each still runs, and fails, in FuzzReplay.DISABLED_Pending until the
// fix lands and its line is removed. PENDING is empty today, so nothing is skipped.
template <class Check>
std::size_t replay_inputs(std::string_view kind, std::string_view target, Check&& check,
                          const std::set<std::string>& skip = {}) {
  std::size_t ran = 0;
  for (const std::filesystem::path& f : fuzz_inputs(kind, target)) {
    const std::string key = std::string(target) + "/" + f.filename().string();
    if (skip.count(key) != 0) {
      std::printf("not replayed (pending fix, see its DISABLED_ test): %s\n", key.c_str());
      continue;
    }
    const std::string bytes = read_bytes(f);
    if constexpr (std::is_invocable_v<Check&, const std::string&, const std::filesystem::path&>) {
      EXPECT_EQ(check(bytes, f), "") << f.string();
    } else {
      EXPECT_EQ(check(bytes), "") << f.string();
    }
    ++ran;
  }
  return ran;
}

}  // namespace dmabot::fuzz
