// VolBreakout: breakouts beyond k sigma and the min edge, cooldown, time stop after the hold.
#include <gtest/gtest.h>

#include <vector>

#include "strategy/vol_breakout.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using namespace testutil;

VolBreakoutParams params() {
  VolBreakoutParams p;
  p.window = 3;
  p.k = 1.0;
  p.min_edge_bps = 0.0;
  p.order_usd = 100.0;
  p.cooldown_ms = 1000;
  p.hold_ms = 2000;
  return p;
}

class VolBreakoutTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols();
  SignalBuffer buf_;
  std::vector<core::Signal> at(VolBreakout& s, std::string_view bid, std::string_view ask, int64_t ts_ms) {
    s.on_tick(tick(0, bid, ask, ts_ms), buf_);
    return take(buf_);
  }
  // Mids 100, 101, 100, 101, 101.5. After them the range holds (100, 101, 101.5) and the changes
  // (-1, +1, +0.5): mean 0.1667, mean of squares (1+1+0.25)/3 = 0.75, variance 0.75 - 0.02778 =
  // 0.72222, sigma 0.84984. The 101.5 tick itself is no breakout: the range then was
  // (101, 100, 101) with changes (1, -1, 1): sigma 0.9428 and 101.5 - 101 = 0.5 < 0.9428.
  void warm(VolBreakout& s) {
    EXPECT_TRUE(at(s, "99.99", "100.01", 0).empty());
    EXPECT_TRUE(at(s, "100.99", "101.01", 100).empty());
    EXPECT_TRUE(at(s, "99.99", "100.01", 200).empty());
    EXPECT_TRUE(at(s, "100.99", "101.01", 300).empty());
    EXPECT_TRUE(at(s, "101.49", "101.51", 400).empty());
  }
};

TEST_F(VolBreakoutTest, BuysABreakAboveTheRangeByKSigma) {
  VolBreakout s(params(), StrategyContext{&table_, 5});
  warm(s);
  // Mid 103: 103 - 101.5 = 1.5 >= 1 * 0.84984 -> buy 100/103 = 0.970873 -> 0.97087 at 103.01, IOC.
  std::vector<core::Signal> e = at(s, "102.99", "103.01", 500);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].side, Side::kBuy);
  EXPECT_EQ(e[0].tif, core::TimeInForce::kIoc);
  EXPECT_EQ(e[0].price, px("103.01"));
  EXPECT_EQ(e[0].qty, qty("0.97087"));
}

TEST_F(VolBreakoutTest, KSigmaAndMinEdgeBothGate) {
  VolBreakoutParams p = params();
  p.k = 2.0;  // 1.5 < 2 * 0.84984 = 1.6997: no breakout
  VolBreakout s(p, StrategyContext{&table_, 5});
  warm(s);
  EXPECT_TRUE(at(s, "102.99", "103.01", 500).empty());

  p = params();
  p.min_edge_bps = 150.0;  // 1.5 / 101.5 = 147.8 bps < 150
  VolBreakout s2(p, StrategyContext{&table_, 5});
  warm(s2);
  EXPECT_TRUE(at(s2, "102.99", "103.01", 500).empty());
}

TEST_F(VolBreakoutTest, SellsABreakBelowTheRange) {
  VolBreakout s(params(), StrategyContext{&table_, 5});
  warm(s);
  // Low 100; mid 98: 100 - 98 = 2 >= 0.84984 -> sell 100/98 = 1.020408 -> 1.0204 at the bid 97.99.
  std::vector<core::Signal> e = at(s, "97.99", "98.01", 500);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].side, Side::kSell);
  EXPECT_EQ(e[0].price, px("97.99"));
  EXPECT_EQ(e[0].qty, qty("1.0204"));
}

TEST_F(VolBreakoutTest, FlattensAfterTheHoldAndRespectsTheCooldown) {
  VolBreakout s(params(), StrategyContext{&table_, 5});
  warm(s);
  std::vector<core::Signal> e = at(s, "102.99", "103.01", 500);  // entry at 500 ms
  ASSERT_EQ(e.size(), 1u);
  s.on_exec(report(e[0], ExecStatus::kFilled, "0.97087", "0.97087"), buf_);
  EXPECT_EQ(s.inventory(0), qty("0.97087"));
  // 2400 ms: held 1900 ms < 2000, mid 102 inside the range (101.5, 103): nothing.
  EXPECT_TRUE(at(s, "101.99", "102.01", 2400).empty());
  // 2500 ms: held 2000 ms: flatten, sell 0.97087 at the bid 101.99.
  std::vector<core::Signal> x = at(s, "101.99", "102.01", 2500);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].side, Side::kSell);
  EXPECT_EQ(x[0].qty, qty("0.97087"));
  EXPECT_EQ(x[0].price, px("101.99"));
  s.on_exec(report(x[0], ExecStatus::kFilled, "0.97087", "0.97087"), buf_);
  EXPECT_EQ(s.inventory(0), qty("0"));
}

TEST_F(VolBreakoutTest, SecondBreakoutInsideTheCooldownIsSkipped) {
  VolBreakout s(params(), StrategyContext{&table_, 5});
  warm(s);
  std::vector<core::Signal> e = at(s, "102.99", "103.01", 500);
  ASSERT_EQ(e.size(), 1u);
  s.on_exec(report(e[0], ExecStatus::kExpired), buf_);  // not filled: still flat
  // Range (101, 101.5, 103), changes (1, 0.5, 1.5): mean 1, variance (0 + 0.25 + 0.25)/3 = 0.16667,
  // sigma 0.40825. Mid 105: 2 >= 0.408 -> breakout, but 100 ms after the last entry.
  EXPECT_TRUE(at(s, "104.99", "105.01", 600).empty());
  // Range (101.5, 103, 105), changes (0.5, 1.5, 2): mean 1.3333, mean sq (0.25+2.25+4)/3 = 2.1667,
  // variance 0.38889, sigma 0.62361. Mid 107 at 1500 ms (1000 ms after the entry): 2 >= 0.6236 ->
  // buy 100/107 = 0.934579 -> 0.93457 at 107.01.
  std::vector<core::Signal> e2 = at(s, "106.99", "107.01", 1500);
  ASSERT_EQ(e2.size(), 1u);
  EXPECT_EQ(e2[0].side, Side::kBuy);
  EXPECT_EQ(e2[0].qty, qty("0.93457"));
}

}  // namespace
}  // namespace dmabot::strategy
