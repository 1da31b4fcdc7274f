// libFuzzer driver for one check of tests/fuzz/fuzz_checks.h; DMABOT_FUZZ_CHECK names it (set per
// executable in tests/fuzz/CMakeLists.txt). A violated property prints its one-line description and
// aborts, which libFuzzer records as a crash (crash-<sha1> in the working directory or -artifact_prefix).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string finding =
      dmabot::fuzz::DMABOT_FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!finding.empty()) {
    std::fprintf(stderr, "\nFUZZ FINDING (" DMABOT_FUZZ_NAME "): %s\n", finding.c_str());
    std::abort();
  }
  return 0;
}
