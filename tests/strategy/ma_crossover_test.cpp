// MaCrossover: fires on the crossing tick (not before), not on the first trend, respects the
// cooldown, takes toward the new trend's target position.
#include <gtest/gtest.h>

#include <vector>

#include "strategy/ma_crossover.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using namespace testutil;

MaCrossoverParams params() {
  MaCrossoverParams p;
  p.fast = 2;
  p.slow = 4;
  p.order_usd = 100.0;
  p.min_edge_bps = 0.0;
  p.cooldown_ms = 1000;
  return p;
}

class MaCrossoverTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols();
  SignalBuffer buf_;
  std::vector<core::Signal> at(MaCrossover& s, int64_t mid, int64_t ts_ms) {
    core::MdTick t = tick(0, "1", "1", ts_ms);
    t.bid = core::Price::from_units(mid) - px("0.01");
    t.ask = core::Price::from_units(mid) + px("0.01");
    s.on_tick(t, buf_);
    return take(buf_);
  }
  // Mids 100 x4 (fast = slow: no trend), 99 (fast 99.5 < slow 99.75: first trend, down, no trade),
  // 99 (fast 99 < slow 99.5: still down).
  void down_trend(MaCrossover& s) {
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(at(s, 100, i * 100).empty());
    EXPECT_EQ(s.trend(0), 0);
    EXPECT_TRUE(at(s, 99, 400).empty());
    EXPECT_EQ(s.trend(0), -1);
    EXPECT_TRUE(at(s, 99, 500).empty());  // the tick before the cross: nothing
  }
};

TEST_F(MaCrossoverTest, BuysOnTheCrossingTickOnly) {
  MaCrossover s(params(), StrategyContext{&table_, 9});
  down_trend(s);
  // Mid 101: fast (99+101)/2 = 100, slow (100+99+99+101)/4 = 99.75 -> up by 25 bps: cross.
  // Target +100/101 = 0.990099 -> buy 0.99009 at the ask 101.01, IOC.
  std::vector<core::Signal> c = at(s, 101, 600);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].side, Side::kBuy);
  EXPECT_EQ(c[0].tif, core::TimeInForce::kIoc);
  EXPECT_EQ(c[0].price, px("101.01"));
  EXPECT_EQ(c[0].qty, qty("0.99009"));
  EXPECT_EQ(s.trend(0), 1);
  s.on_exec(report(c[0], ExecStatus::kFilled, "0.99009", "0.99009"), buf_);
  // Trend continues: no new trade.
  EXPECT_TRUE(at(s, 103, 1700).empty());
}

TEST_F(MaCrossoverTest, MinEdgeBandDelaysTheCross) {
  MaCrossoverParams p = params();
  p.min_edge_bps = 30.0;  // the 25 bps cross above is inside the band
  MaCrossover s(p, StrategyContext{&table_, 9});
  for (int i = 0; i < 4; ++i) at(s, 100, i * 100);
  // 98: fast 99, slow 99.5 -> -50.25 bps: first trend down.
  EXPECT_TRUE(at(s, 98, 400).empty());
  EXPECT_EQ(s.trend(0), -1);
  // 101: fast 99.5, slow (100+100+98+101)/4 = 99.75 -> -25 bps: still down.
  EXPECT_TRUE(at(s, 101, 500).empty());
  // 102: fast 101.5, slow (100+98+101+102)/4 = 100.25 -> +124.7 bps > 30: cross up.
  std::vector<core::Signal> c = at(s, 102, 600);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].side, Side::kBuy);
}

TEST_F(MaCrossoverTest, CrossInsideTheCooldownTradesWhenItEnds) {
  MaCrossover s(params(), StrategyContext{&table_, 9});
  down_trend(s);
  std::vector<core::Signal> c = at(s, 101, 600);  // buy 0.99009 at 600 ms
  ASSERT_EQ(c.size(), 1u);
  s.on_exec(report(c[0], ExecStatus::kFilled, "0.99009", "0.99009"), buf_);
  // 97: fast 99, slow (99+99+101+97)/4 = 99 -> 0: inside the band, trend stays up.
  EXPECT_TRUE(at(s, 97, 700).empty());
  // 95: fast 96, slow (99+101+97+95)/4 = 98 -> down: a cross, but only 200 ms after the buy.
  EXPECT_TRUE(at(s, 95, 800).empty());
  EXPECT_EQ(s.trend(0), -1);
  // 1500 ms: still inside the cooldown (900 ms).
  EXPECT_TRUE(at(s, 95, 1500).empty());
  // 1600 ms: cooldown over, trend still down (fast 95 < slow (97+95+95+95)/4 = 95.5).
  // Target -100/95 = -1.0526316; delta = -1.0526316 - 0.99009 = -2.0427216 -> sell 2.04272 at 94.99.
  std::vector<core::Signal> c2 = at(s, 95, 1600);
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].side, Side::kSell);
  EXPECT_EQ(c2[0].price, px("94.99"));
  EXPECT_EQ(c2[0].qty, qty("2.04272"));
}

TEST_F(MaCrossoverTest, LongOnlyDownCrossOnlyFlattens) {
  MaCrossoverParams p = params();
  p.long_only = true;
  p.cooldown_ms = 0;
  MaCrossover s(p, StrategyContext{&table_, 9});
  down_trend(s);
  std::vector<core::Signal> c = at(s, 101, 600);
  ASSERT_EQ(c.size(), 1u);
  s.on_exec(report(c[0], ExecStatus::kFilled, "0.99009", "0.99009"), buf_);
  EXPECT_TRUE(at(s, 97, 700).empty());
  std::vector<core::Signal> c2 = at(s, 95, 800);  // cross down: sell exactly the 0.99009 held
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].side, Side::kSell);
  EXPECT_EQ(c2[0].qty, qty("0.99009"));
}

TEST_F(MaCrossoverTest, CrossWhileAnOrderIsInFlightWaitsForItsReport) {
  MaCrossoverParams p = params();
  p.cooldown_ms = 0;
  MaCrossover s(p, StrategyContext{&table_, 9});
  down_trend(s);
  std::vector<core::Signal> c = at(s, 101, 600);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(at(s, 97, 700).empty());
  EXPECT_TRUE(at(s, 95, 800).empty());  // cross down while the buy has no report yet
  s.on_exec(report(c[0], ExecStatus::kExpired), buf_);  // nothing filled
  // Flat now; target -100/95 -> sell 1.05263 at 94.99.
  std::vector<core::Signal> c2 = at(s, 95, 900);
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].side, Side::kSell);
  EXPECT_EQ(c2[0].qty, qty("1.05263"));
}

}  // namespace
}  // namespace dmabot::strategy
