// Replays the binance_sim fuzz target's committed inputs (tests/fuzz/corpus/binance_sim: the docs
// examples and edge shapes; tests/fuzz/regressions/binance_sim when there are any) through
// check_binance_sim(), in every build — the same sweep fuzz_regression_test does for the other targets.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_replay.h"

namespace dmabot::fuzz {
namespace {

std::size_t replay(std::string_view kind) {
  return replay_inputs(kind, "binance_sim", [](const std::string& input, const std::filesystem::path& file) {
    std::string trace;
    std::string finding = check_binance_sim(input, &trace);
    // DMABOT_FUZZ_TRACE=1: print every answer, to see how far a seed gets.
    if (std::getenv("DMABOT_FUZZ_TRACE")) std::printf("== %s\n%s", file.filename().c_str(), trace.c_str());
    return finding;
  });
}

TEST(FuzzReplayBinanceSim, CorpusAndRegressionsHoldEveryProperty) {
  EXPECT_GT(replay("corpus"), 10u);
  replay("regressions");
}

std::string read(const std::string& name) { return read_bytes(fuzz_dir() / "corpus" / "binance_sim" / name); }

// The seeds reach the exchange: the harness's signatures pass the venue's real checks, so the
// fuzzer starts from orders that are placed and cancelled, not from -1022 answers.
TEST(FuzzReplayBinanceSim, SignedSeedsGetPastAuthentication) {
  std::string trace;
  ASSERT_EQ(check_binance_sim(read("rest_place_cancel_hmac"), &trace), "");
  EXPECT_EQ(trace.substr(0, 4), "200 ") << trace;
  EXPECT_NE(trace.find(R"("status":"NEW")"), std::string::npos) << trace;
  EXPECT_NE(trace.find(R"("status":"CANCELED")"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("-1022"), std::string::npos) << trace;
  trace.clear();
  ASSERT_EQ(check_binance_sim(read("rest_place_cancel_ed25519"), &trace), "");
  EXPECT_EQ(trace.substr(0, 4), "200 ") << trace;
  EXPECT_EQ(trace.find("-1022"), std::string::npos) << trace;
  trace.clear();
  ASSERT_EQ(check_binance_sim(read("ws_place_cancel_hmac"), &trace), "");
  EXPECT_NE(trace.find(R"("status":200)"), std::string::npos) << trace;
  EXPECT_EQ(trace.find("-1022"), std::string::npos) << trace;
  trace.clear();
  ASSERT_EQ(check_binance_sim(read("ws_place_cancel_ed25519"), &trace), "");
  EXPECT_EQ(trace.find("\"status\":4"), std::string::npos) << trace;
}

// Unsigned and garbage input is answered, not crashed on: a forged signature gets -1022, an unknown
// path the 404 page, a non-JSON frame an error response.
TEST(FuzzReplayBinanceSim, BadInputIsAnsweredWithBinanceErrors) {
  std::string trace;
  using namespace std::string_view_literals;
  ASSERT_EQ(check_binance_sim("\x20POST\n/api/v3/order\nsymbol=BTCUSDT&timestamp=1700000000000&signature=ab\n"
                              "\x1e\x01not json\x1e\x00GET\n/api/v3/nope\n\n"sv,
                              &trace),
            "");
  EXPECT_NE(trace.find("401 {\"code\":-2014"), std::string::npos) << trace;
  EXPECT_NE(trace.find("\"status\":400"), std::string::npos) << trace;
  EXPECT_NE(trace.find("404 "), std::string::npos) << trace;
  EXPECT_EQ(check_binance_sim(""), "");
}

}  // namespace
}  // namespace dmabot::fuzz
