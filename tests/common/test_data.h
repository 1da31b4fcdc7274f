// tests/common/test_data.h — where tests find real Binance market data.
//
// Two sources, so that a user's clone (which has nothing beside it) runs the whole suite:
//   - fixture_capture(stem): tests/data/<stem>.head.raw.gz, the first 3,000 lines of each real
//     capture, shipped in the repository (see tests/data/README.md). Always present.
//   - full_capture(stem): ../shared/data/binance/<stem>.raw.gz, the full captures, present only on
//     the team's machines. Tests that want them call it and GTEST_SKIP with the returned reason when
//     it is empty.
// Paths are rooted at DMABOT_SOURCE_DIR (ctest sets it to the repo root), else the working directory.
// Header-only; allocates the returned strings.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace dmabot::testdata {

inline std::string source_dir() {
  const char* src = std::getenv("DMABOT_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".");
}

// The in-repo cut of a capture: stem "spot_btcusdt_20240808" -> tests/data/spot_btcusdt_20240808.head.raw.gz.
inline std::string fixture_capture(std::string_view stem) {
  return source_dir() + "/tests/data/" + std::string(stem) + ".head.raw.gz";
}

// The directory of the full captures (may not exist).
inline std::string full_capture_dir() { return source_dir() + "/../shared/data/binance"; }

// The full capture when it is readable, else "" (skip with skip_reason(stem)).
inline std::string full_capture(std::string_view stem) {
  const std::string path = full_capture_dir() + "/" + std::string(stem) + ".raw.gz";
  return ::access(path.c_str(), R_OK) == 0 ? path : std::string();
}

inline std::string skip_reason(std::string_view stem) {
  return "full capture " + full_capture_dir() + "/" + std::string(stem) +
         ".raw.gz is absent (only the team's machines have ../shared/data); the in-repo cut is tested instead";
}

}  // namespace dmabot::testdata
