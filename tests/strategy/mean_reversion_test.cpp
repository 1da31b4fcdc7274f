// MeanReversion: entries against the move, exits near the mean, min edge, cooldown, long-only.
#include <gtest/gtest.h>

#include <vector>

#include "strategy/mean_reversion.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using core::SignalAction;
using namespace testutil;

MeanReversionParams params() {
  MeanReversionParams p;
  p.window = 4;
  p.entry_z = 1.5;
  p.exit_z = 0.5;
  p.order_usd = 100.0;
  p.min_edge_bps = 0.0;
  p.cooldown_ms = 1000;
  return p;
}

class MeanReversionTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols();
  SignalBuffer buf_;
  // Book one cent either side of the mid.
  std::vector<core::Signal> at(MeanReversion& s, double mid, int64_t ts_ms) {
    const core::Price m = core::Price::from_raw(static_cast<int64_t>(mid * 100 + 0.5) * 1'000'000);
    core::MdTick t = tick(0, "1", "1", ts_ms);
    t.bid = m - px("0.01");
    t.ask = m + px("0.01");
    s.on_tick(t, buf_);
    return take(buf_);
  }
  void flat_window(MeanReversion& s) {
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(at(s, 100, i * 100).empty());  // stdev 0: no z
  }
};

TEST_F(MeanReversionTest, SellsARiseThenBuysBackNearTheMean) {
  MeanReversion s(params(), StrategyContext{&table_, 2});
  flat_window(s);
  // Window 100,100,100,104: mean 101, variance (1+1+1+9)/4 = 3, stdev 1.7320508;
  // z = 3 / 1.7320508 = 1.732 >= 1.5 -> sell 100 / 104 = 0.961538 -> 0.96153 at the bid 103.99, IOC.
  std::vector<core::Signal> e = at(s, 104, 400);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].action, SignalAction::kNew);
  EXPECT_EQ(e[0].side, Side::kSell);
  EXPECT_EQ(e[0].tif, core::TimeInForce::kIoc);
  EXPECT_EQ(e[0].price, px("103.99"));
  EXPECT_EQ(e[0].qty, qty("0.96153"));
  EXPECT_EQ(e[0].ts_tick, 400 * kMs);
  s.on_exec(report(e[0], ExecStatus::kFilled, "0.96153", "0.96153"), buf_);
  EXPECT_EQ(s.inventory(0), qty("-0.96153"));
  // Window 100,100,104,101: mean 101.25, deviations -1.25,-1.25,2.75,-0.25 -> variance
  // (1.5625*2 + 7.5625 + 0.0625)/4 = 2.6875, stdev 1.6394; z = -0.25/1.6394 = -0.15 -> |z| <= 0.5:
  // exit, buy 0.96153 at the ask 101.01.
  std::vector<core::Signal> x = at(s, 101, 500);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].side, Side::kBuy);
  EXPECT_EQ(x[0].price, px("101.01"));
  EXPECT_EQ(x[0].qty, qty("0.96153"));
  EXPECT_EQ(x[0].tif, core::TimeInForce::kIoc);
}

TEST_F(MeanReversionTest, BuysADrop) {
  MeanReversion s(params(), StrategyContext{&table_, 2});
  flat_window(s);
  // Mirror image: window 100,100,100,96, z = -1.732 -> buy 100 / 96 = 1.0416666 -> 1.04166 at 96.01.
  std::vector<core::Signal> e = at(s, 96, 400);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].side, Side::kBuy);
  EXPECT_EQ(e[0].price, px("96.01"));
  EXPECT_EQ(e[0].qty, qty("1.04166"));
}

TEST_F(MeanReversionTest, MinEdgeFiltersSmallDeviations) {
  MeanReversionParams p = params();
  p.min_edge_bps = 300.0;  // |104 - 101| / 101 = 297 bps < 300
  MeanReversion s(p, StrategyContext{&table_, 2});
  flat_window(s);
  EXPECT_TRUE(at(s, 104, 400).empty());
  p.min_edge_bps = 290.0;  // 297 >= 290
  MeanReversion s2(p, StrategyContext{&table_, 2});
  flat_window(s2);
  EXPECT_EQ(at(s2, 104, 400).size(), 1u);
}

TEST_F(MeanReversionTest, CooldownSpacesEntries) {
  MeanReversion s(params(), StrategyContext{&table_, 2});
  flat_window(s);
  std::vector<core::Signal> e = at(s, 104, 400);  // entry at 400 ms (as above)
  ASSERT_EQ(e.size(), 1u);
  s.on_exec(report(e[0], ExecStatus::kExpired), buf_);  // IOC found nothing: still flat
  EXPECT_EQ(s.inventory(0), qty("0"));
  // Window 100,100,104,108: mean 103, variance (9+9+1+25)/4 = 11, stdev 3.3166; z = 5/3.3166 =
  // 1.5076 >= 1.5, but only 100 ms since the last entry (cooldown 1000).
  EXPECT_TRUE(at(s, 108, 500).empty());
  // Window 100,104,108,116: mean 107, variance (49+9+1+81)/4 = 35, stdev 5.9161; z = 9/5.9161 =
  // 1.5213 at 1400 ms = 400 + 1000: entry allowed. Sell 100/116 = 0.862068 -> 0.86206 at 115.99.
  std::vector<core::Signal> e2 = at(s, 116, 1400);
  ASSERT_EQ(e2.size(), 1u);
  EXPECT_EQ(e2[0].side, Side::kSell);
  EXPECT_EQ(e2[0].qty, qty("0.86206"));
  EXPECT_EQ(e2[0].price, px("115.99"));
}

TEST_F(MeanReversionTest, OneOrderAtATimeAndNoReentryOnTheSameSide) {
  MeanReversion s(params(), StrategyContext{&table_, 2});
  flat_window(s);
  std::vector<core::Signal> e = at(s, 104, 400);
  ASSERT_EQ(e.size(), 1u);
  // Still in flight at 1400 ms: the z of 1.5213 (window 100,104,108,116 as above after a 108 tick)
  // sends nothing.
  EXPECT_TRUE(at(s, 108, 500).empty());
  EXPECT_TRUE(at(s, 116, 1400).empty());
  // Filled short; another upward extreme does not add to the short.
  s.on_exec(report(e[0], ExecStatus::kFilled, "0.96153", "0.96153"), buf_);
  // Window 104,108,116,130: mean 114.5, dev -10.5,-6.5,1.5,15.5 -> (110.25+42.25+2.25+240.25)/4 =
  // 98.75, stdev 9.937; z = 15.5/9.937 = 1.56 -> entry signal, but already short.
  EXPECT_TRUE(at(s, 130, 2500).empty());
}

TEST_F(MeanReversionTest, LongOnlyTurnsAShortEntryIntoNothingWhenFlat) {
  MeanReversionParams p = params();
  p.long_only = true;
  MeanReversion s(p, StrategyContext{&table_, 2});
  flat_window(s);
  EXPECT_TRUE(at(s, 104, 400).empty());
}

TEST_F(MeanReversionTest, RiskRejectedEntryLeavesNoOrderBehind) {
  MeanReversion s(params(), StrategyContext{&table_, 2});
  flat_window(s);
  std::vector<core::Signal> e = at(s, 104, 400);
  ASSERT_EQ(e.size(), 1u);
  s.on_exec(risk_reject(e[0], core::RejectReason::kInventory), buf_);
  EXPECT_FALSE(s.tracker(0).has_order());
  EXPECT_FALSE(s.tracker(0).in_flight());
  EXPECT_EQ(s.inventory(0), qty("0"));
}

}  // namespace
}  // namespace dmabot::strategy
