// Positions: average-cost accounting checked against hand-computed figures.
#include "risk/positions.h"

#include <gtest/gtest.h>

#include "tests/risk/test_util.h"

namespace dmabot::risk {
namespace {

using core::Side;
using testing::fill;
using testing::px;
using testing::quote_raw;

TEST(Positions, BuyAddPartialCloseFlipAndUnrealized) {
  Positions p(2, 1);
  // Buy 2 @ 100, fee 0.1.
  p.on_fill(fill(0, 0, Side::kBuy, "2", "100", quote_raw("0.1")));
  EXPECT_EQ(p.qty(0, 0).raw, 2 * core::kScale);
  EXPECT_EQ(p.avg_price(0, 0), px("100"));
  EXPECT_EQ(p.symbol_realized_raw(0), 0);

  // Add 2 @ 110, fee 0.11: cost 200 + 220 = 420 over 4 -> average 105.
  p.on_fill(fill(0, 0, Side::kBuy, "2", "110", quote_raw("0.11")));
  EXPECT_EQ(p.symbol_qty(0).raw, 4 * core::kScale);
  EXPECT_EQ(p.avg_price(0, 0), px("105"));

  // Sell 1 @ 120: realizes 1 * (120 - 105) = 15; 3 left at average 105 (cost 315).
  p.on_fill(fill(0, 0, Side::kSell, "1", "120"));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("15"));
  EXPECT_EQ(p.qty(0, 0).raw, 3 * core::kScale);
  EXPECT_EQ(p.avg_price(0, 0), px("105"));

  // Mid 100: unrealized 3 * 100 - 315 = -15.
  p.on_mid(0, px("100"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("-15"));
  EXPECT_EQ(p.unrealized_raw(0, 0), quote_raw("-15"));

  // Sell 5 @ 90 flips: closes 3 (3 * 90 - 315 = -45, realized 15 - 45 = -30), opens short 2 @ 90.
  p.on_fill(fill(0, 0, Side::kSell, "5", "90"));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("-30"));
  EXPECT_EQ(p.qty(0, 0).raw, -2 * core::kScale);
  EXPECT_EQ(p.avg_price(0, 0), px("90"));
  // Still marked at 100: -2 * 100 - (-180) = -20.
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("-20"));

  // Mid 80: -2 * 80 + 180 = +20.
  p.on_mid(0, px("80"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("20"));

  // Buy 2 @ 85 closes the short: realizes 2 * (90 - 85) = 10 -> -20 in total; flat, nothing unrealized.
  p.on_fill(fill(0, 0, Side::kBuy, "2", "85"));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("-20"));
  EXPECT_EQ(p.symbol_qty(0).raw, 0);
  EXPECT_EQ(p.symbol_unrealized_raw(0), 0);
  EXPECT_EQ(p.avg_price(0, 0).raw, 0);

  // Fees 0.1 + 0.11 = 0.21; equity -20 + 0 - 0.21 = -20.21.
  EXPECT_EQ(p.symbol_fees_raw(0), quote_raw("0.21"));
  EXPECT_EQ(p.symbol_equity_raw(0), quote_raw("-20.21"));
  EXPECT_EQ(p.total_equity_raw(), quote_raw("-20.21"));
  EXPECT_DOUBLE_EQ(p.symbol_fees(0), 0.21);
  EXPECT_EQ(p.fills(), 5u);
  // The other symbol is untouched.
  EXPECT_EQ(p.symbol_qty(1).raw, 0);
  EXPECT_EQ(p.symbol_equity_raw(1), 0);
}

TEST(Positions, PartialCloseResidueIsRealizedWhenFlat) {
  Positions p(1, 1);
  // 1 @ 10 + 2 @ 11: cost 32 for 3 (average 10.666...).
  p.on_fill(fill(0, 0, Side::kBuy, "1", "10"));
  p.on_fill(fill(0, 0, Side::kBuy, "2", "11"));
  EXPECT_EQ(p.avg_price(0, 0).raw, 1'066'666'666);  // 32/3 truncated to 1e-8
  // Sell 1 @ 12: 12 - 32/3 = 1.3333... -> 1.33333333 after truncation to 1e-8.
  p.on_fill(fill(0, 0, Side::kSell, "1", "12"));
  EXPECT_EQ(p.symbol_realized_raw(0), 133'333'333);
  // Sell 2 @ 12: the round trip earned exactly 3 * 12 - 32 = 4.
  p.on_fill(fill(0, 0, Side::kSell, "2", "12"));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("4"));
  EXPECT_EQ(p.symbol_qty(0).raw, 0);
}

TEST(Positions, ShortReduceRealizesAgainstAverage) {
  Positions p(1, 1);
  // Short 4 @ 50, then buy 1 @ 45: realizes 1 * (50 - 45) = 5.
  p.on_fill(fill(0, 0, Side::kSell, "4", "50"));
  p.on_fill(fill(0, 0, Side::kBuy, "1", "45"));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("5"));
  EXPECT_EQ(p.qty(0, 0).raw, -3 * core::kScale);
  // Before any mid the mark is the last fill (45): -3 * 45 - (-150) = 15.
  EXPECT_FALSE(p.has_mid(0));
  EXPECT_EQ(p.mark(0), px("45"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("15"));
}

TEST(Positions, VenuesAreSeparateAccountsAndSymbolSums) {
  Positions p(1, 2);
  // Venue 0 long 1 @ 100, venue 1 short 1 @ 102: symbol flat, but each venue keeps its own entry.
  p.on_fill(fill(0, 0, Side::kBuy, "1", "100", quote_raw("0.02")));
  p.on_fill(fill(0, 1, Side::kSell, "1", "102", quote_raw("-0.01")));  // maker rebate
  EXPECT_EQ(p.symbol_qty(0).raw, 0);
  EXPECT_EQ(p.qty(0, 0).raw, core::kScale);
  EXPECT_EQ(p.qty(0, 1).raw, -core::kScale);
  EXPECT_EQ(p.symbol_realized_raw(0), 0);
  // Mid 101: venue 0 +1, venue 1 +1, symbol +2; fees 0.02 - 0.01 = 0.01; equity 1.99.
  p.on_mid(0, px("101"));
  EXPECT_EQ(p.unrealized_raw(0, 0), quote_raw("1"));
  EXPECT_EQ(p.unrealized_raw(0, 1), quote_raw("1"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("2"));
  EXPECT_EQ(p.fees_raw(0, 1), quote_raw("-0.01"));
  EXPECT_EQ(p.total_equity_raw(), quote_raw("1.99"));
}

TEST(Positions, IgnoresNonFillsAndOutOfRange) {
  Positions p(1, 1);
  p.on_fill(fill(0, 0, Side::kBuy, "1", "100", 0, 0, core::ExecStatus::kNew));
  p.on_fill(fill(0, 0, Side::kBuy, "0", "100"));
  EXPECT_EQ(p.fills(), 0u);
  EXPECT_EQ(p.symbol_qty(0).raw, 0);
  p.on_fill(fill(0, 3, Side::kBuy, "1", "100"));  // venue 3 of 1
  p.on_fill(fill(7, 0, Side::kBuy, "1", "100"));  // symbol 7 of 1
  EXPECT_EQ(p.ignored_fills(), 2u);
  EXPECT_EQ(p.symbol_qty(0).raw, 0);
  // Partial fills count like full ones.
  p.on_fill(fill(0, 0, Side::kBuy, "0.5", "100", 0, 0, core::ExecStatus::kPartiallyFilled));
  EXPECT_EQ(p.symbol_qty(0).raw, core::kScale / 2);
}

// adjust(): a position the engine did not trade, booked like a fee-less fill at its price; price 0
// waits for the first mark for its cost basis but counts as inventory at once.
TEST(Positions, AdjustAtAPriceIsAFeeLessFillThatIsNotCounted) {
  Positions p(2, 2);
  ASSERT_TRUE(p.adjust(0, 1, -2 * core::kScale, px("100")));  // short 2 @ 100 on venue 1
  EXPECT_EQ(p.qty(0, 1).raw, -2 * core::kScale);
  EXPECT_EQ(p.avg_price(0, 1), px("100"));
  EXPECT_EQ(p.fills(), 0u);
  EXPECT_EQ(p.symbol_fees_raw(0), 0);
  p.on_mid(0, px("90"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("20"));
  // An adjustment back at the mark (price 0) realizes against the entry: buy 1 @ 90 -> +10.
  ASSERT_TRUE(p.adjust(0, 1, core::kScale, core::Price{}));
  EXPECT_EQ(p.symbol_realized_raw(0), quote_raw("10"));
  EXPECT_EQ(p.qty(0, 1).raw, -core::kScale);
  EXPECT_FALSE(p.adjust(0, 2, core::kScale, px("1")));  // no venue 2
  EXPECT_FALSE(p.adjust(2, 0, core::kScale, px("1")));  // no symbol 2
  EXPECT_FALSE(p.adjust(0, 0, 0, px("1")));
}

TEST(Positions, AdjustWithoutAMarkCountsNowAndTakesItsBasisFromTheFirstMid) {
  Positions p(1, 1);
  ASSERT_TRUE(p.adjust(0, 0, 3 * core::kScale, core::Price{}));
  EXPECT_EQ(p.symbol_qty(0).raw, 3 * core::kScale);
  EXPECT_EQ(p.symbol_unrealized_raw(0), 0);
  p.on_mid(0, px("50"));
  EXPECT_EQ(p.avg_price(0, 0), px("50"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), 0);
  p.on_mid(0, px("52"));
  EXPECT_EQ(p.symbol_unrealized_raw(0), quote_raw("6"));

  // Before any mid, a fill is the first mark: the pending basis is set at its price first.
  Positions q(1, 1);
  ASSERT_TRUE(q.adjust(0, 0, 2 * core::kScale, core::Price{}));
  q.on_fill(fill(0, 0, Side::kSell, "1", "40"));
  EXPECT_EQ(q.symbol_realized_raw(0), 0);  // sold at the basis it just got
  EXPECT_EQ(q.avg_price(0, 0), px("40"));
  EXPECT_EQ(q.symbol_qty(0).raw, core::kScale);
}

}  // namespace
}  // namespace dmabot::risk
