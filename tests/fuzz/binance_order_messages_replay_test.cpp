// Replays tests/fuzz/corpus/binance_order_messages/* and tests/fuzz/regressions/binance_order_messages/*
// through check_binance_order_messages in the normal build (the shared fuzz_regression_test does the
// same for the targets of targets()).
#include <gtest/gtest.h>

#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_replay.h"

namespace dmabot::fuzz {
namespace {

std::size_t replay(std::string_view kind) {
  return replay_inputs(kind, "binance_order_messages", check_binance_order_messages);
}

TEST(BinanceOrderMessagesFuzzReplay, CorpusAndRegressionsHoldEveryProperty) {
  EXPECT_GT(replay("corpus"), 5u);
  replay("regressions");
}

}  // namespace
}  // namespace dmabot::fuzz
