#include "gateway/binance/instruments.h"

#include <gtest/gtest.h>

namespace dmabot::binance {
namespace {

TEST(BinanceInstruments, FilterNamesRoundTrip) {
  for (int i = 0; i < kFilterTypeCount; ++i) {
    FilterType back{};
    ASSERT_TRUE(parse_filter_type(wire_name(static_cast<FilterType>(i)), back));
    EXPECT_EQ(static_cast<int>(back), i);
  }
}

}  // namespace
}  // namespace dmabot::binance
