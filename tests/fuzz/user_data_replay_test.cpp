// Replays the user_data fuzz target's committed inputs (tests/fuzz/corpus/user_data: the docs
// examples and edge shapes; tests/fuzz/regressions/user_data when there are any) through
// check_user_data(), in every build — the same sweep fuzz_regression_test does for the other targets.
#include <gtest/gtest.h>

#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_replay.h"

namespace dmabot::fuzz {
namespace {

std::size_t replay(std::string_view kind) { return replay_inputs(kind, "user_data", check_user_data); }

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
