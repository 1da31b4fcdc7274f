// DynMm decisions on scripted ticks; every expected price is worked out by hand in the comments.
#include <gtest/gtest.h>

#include <vector>

#include "strategy/dyn_mm.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using core::SignalAction;
using namespace testutil;

constexpr uint8_t kSlot = 4;

DynMmParams base_params() {
  DynMmParams p;
  p.sigma_window = 2;
  p.a = 1.0;
  p.b = 0.0;
  p.floor_bps = 10.0;
  p.inv_cap = qty("1");
  p.base_size_usd = 50.0;
  p.tolerance_bps = 2.0;
  p.min_requote_ms = 0;
  return p;
}

class DynMmTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols(2);
  SignalBuffer buf_;

  std::vector<core::Signal> feed(DynMm& mm, const core::MdTick& t) {
    mm.on_tick(t, buf_);
    return take(buf_);
  }
  void exec(DynMm& mm, const core::ExecReport& r) { mm.on_exec(r, buf_); }
  // Three ticks at mid 100 (book 99.99 / 100.01): the window of 2 returns fills with zeros, so
  // sigma = 0 and the spread is the floor. Returns the quotes of the third tick, acknowledged.
  std::vector<core::Signal> quote_flat(DynMm& mm, int64_t t0_ms = 0) {
    EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", t0_ms)).empty());
    EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", t0_ms + 100)).empty());
    std::vector<core::Signal> q = feed(mm, tick(0, "99.99", "100.01", t0_ms + 200));
    EXPECT_EQ(q.size(), 2u);
    for (const core::Signal& s : q) exec(mm, report(s, ExecStatus::kNew));
    return q;
  }
};

TEST_F(DynMmTest, QuotesFromRollingSigmaQuantizedOutward) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  // Mids 100, 101, 100: log-returns +0.00995033, -0.00995033 -> population stdev 0.00995033 =
  // 99.5033 bps. spread = max(1 * 99.5033 + 0, 10) = 99.5033 bps, half = 0.00497517.
  // bid = 100 * (1 - 0.00497517) = 99.502483 -> down to 99.50
  // ask = 100 * (1 + 0.00497517) = 100.497517 -> up to 100.50
  // size = 50 / 100 = 0.5
  EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", 0)).empty());
  EXPECT_TRUE(feed(mm, tick(0, "100.99", "101.01", 100)).empty());  // window not full yet
  std::vector<core::Signal> q = feed(mm, tick(0, "99.99", "100.01", 200));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_NEAR(mm.sigma_bps(0), 99.5033, 1e-3);

  EXPECT_EQ(q[0].action, SignalAction::kNew);
  EXPECT_EQ(q[0].side, Side::kBuy);
  EXPECT_EQ(q[0].price, px("99.50"));
  EXPECT_EQ(q[0].qty, qty("0.5"));
  EXPECT_EQ(q[0].tif, core::TimeInForce::kPostOnly);
  EXPECT_EQ(q[0].client_id, core::make_client_id(kSlot, 1));
  EXPECT_EQ(q[0].strategy, kSlot);
  EXPECT_EQ(q[0].ts_tick, 200 * kMs);
  EXPECT_EQ(q[0].ts_local, 0);

  EXPECT_EQ(q[1].side, Side::kSell);
  EXPECT_EQ(q[1].price, px("100.50"));
  EXPECT_EQ(q[1].qty, qty("0.5"));
  EXPECT_EQ(q[1].client_id, core::make_client_id(kSlot, 2));
}

TEST_F(DynMmTest, FlatMarketQuotesAtTheFloor) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  // sigma 0 -> spread = floor 10 bps, half 0.0005: bid 100 * 0.9995 = 99.95, ask 100.05.
  std::vector<core::Signal> q = quote_flat(mm);
  EXPECT_EQ(q[0].price, px("99.95"));
  EXPECT_EQ(q[1].price, px("100.05"));
}

TEST_F(DynMmTest, SizeRoundsDownToTheStep) {
  DynMmParams p = base_params();
  p.base_size_usd = 50.0;
  DynMm mm(p, StrategyContext{&table_, kSlot});
  // Mid 101.37 (101.36 / 101.38): 50 / 101.37 = 0.493242577... -> 0.49324.
  feed(mm, tick(0, "101.36", "101.38", 0));
  feed(mm, tick(0, "101.36", "101.38", 100));
  std::vector<core::Signal> q = feed(mm, tick(0, "101.36", "101.38", 200));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].qty, qty("0.49324"));
}

TEST_F(DynMmTest, NoQuoteBelowMinNotional) {
  DynMmParams p = base_params();
  p.base_size_usd = 4.0;  // 0.04 at 100: notional 3.998 at the bid < 5
  DynMm mm(p, StrategyContext{&table_, kSlot});
  feed(mm, tick(0, "99.99", "100.01", 0));
  feed(mm, tick(0, "99.99", "100.01", 100));
  EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", 200)).empty());
}

TEST_F(DynMmTest, ToleranceKeepsTheNearSideAndReplacesTheFarOne) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);  // 99.95 / 100.05, acknowledged
  // Mid 100.02 (100.01 / 100.03). Returns (0, ln(100.02/100) = 0.00019998) -> stdev 0.0001 = 1 bps;
  // 1 bps < floor 10, so half = 0.0005 again:
  //   bid = 100.02 * 0.9995 = 99.96999 -> 99.96: |99.95 - 99.96| / 99.96 = 1.0 bps <= 2 -> keep
  //   ask = 100.02 * 1.0005 = 100.07001 -> 100.08: |100.05 - 100.08| / 100.08 = 3.0 bps > 2 -> replace
  std::vector<core::Signal> r = feed(mm, tick(0, "100.01", "100.03", 300));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].action, SignalAction::kReplace);
  EXPECT_EQ(r[0].side, Side::kSell);
  EXPECT_EQ(r[0].price, px("100.08"));
  EXPECT_EQ(r[0].target_id, q[1].client_id);
  EXPECT_EQ(r[0].client_id, core::make_client_id(kSlot, 3));
  EXPECT_EQ(r[0].tif, core::TimeInForce::kPostOnly);
}

TEST_F(DynMmTest, NothingNewWhileAReplaceIsInFlight) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);
  std::vector<core::Signal> r = feed(mm, tick(0, "100.01", "100.03", 300));  // replaces the ask (above)
  ASSERT_EQ(r.size(), 1u);
  // A big move: both sides far off. The bid is free (replaced now); the ask waits for its report.
  std::vector<core::Signal> r2 = feed(mm, tick(0, "104.99", "105.01", 400));
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].side, Side::kBuy);
  // Old ask cancelled, new ask acknowledged: the ask side may move again.
  exec(mm, target_report(r[0], ExecStatus::kCanceled));
  EXPECT_TRUE(feed(mm, tick(0, "104.99", "105.01", 500)).empty());  // still waiting for the new ack
  exec(mm, report(r[0], ExecStatus::kNew));
  std::vector<core::Signal> r3 = feed(mm, tick(0, "104.99", "105.01", 600));
  ASSERT_EQ(r3.size(), 1u);
  EXPECT_EQ(r3[0].side, Side::kSell);
  EXPECT_EQ(r3[0].action, SignalAction::kReplace);
  EXPECT_EQ(r3[0].target_id, r[0].client_id);
}

TEST_F(DynMmTest, MinRequoteIntervalDelaysReplaces) {
  DynMmParams p = base_params();
  p.min_requote_ms = 100;
  DynMm mm(p, StrategyContext{&table_, kSlot});
  quote_flat(mm, 0);  // quotes placed at t = 200 ms
  // At 250 ms the ask is 3 bps off (as above) but only 50 ms passed since it was placed.
  EXPECT_TRUE(feed(mm, tick(0, "100.01", "100.03", 250)).empty());
  // At 300 ms, 100 ms passed: replace. (Returns now (0, 0.0002, 0) -> window (0.0002, 0):
  // stdev 1 bps < floor, same targets as before.)
  std::vector<core::Signal> r = feed(mm, tick(0, "100.01", "100.03", 300));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].action, SignalAction::kReplace);
  EXPECT_EQ(r[0].price, px("100.08"));
}

TEST_F(DynMmTest, FillsMoveInventoryAndWidenTheSpread) {
  DynMmParams p = base_params();
  p.b = 40.0;
  p.tolerance_bps = 1.0;
  DynMm mm(p, StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);  // 99.95 / 100.05 (inventory 0: b term 0)
  exec(mm, report(q[0], ExecStatus::kFilled, "0.5", "0.5"));
  EXPECT_EQ(mm.inventory(0), qty("0.5"));
  EXPECT_EQ(mm.inventory(1), qty("0"));
  // spread = max(0 + 40 * |0.5 / 1|, 10) = 20 bps, half 0.001: bid 99.90, ask 100.10.
  // The bid side is empty (filled): new bid. The ask at 100.05 is 5 bps off 100.10: replace.
  std::vector<core::Signal> r = feed(mm, tick(0, "99.99", "100.01", 300));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].action, SignalAction::kNew);
  EXPECT_EQ(r[0].price, px("99.90"));
  EXPECT_EQ(r[1].action, SignalAction::kReplace);
  EXPECT_EQ(r[1].price, px("100.10"));
  EXPECT_EQ(r[1].target_id, q[1].client_id);
}

TEST_F(DynMmTest, InventoryCapCancelsTheSideThatWouldAddToIt) {
  DynMmParams p = base_params();
  p.inv_cap = qty("0.3");
  DynMm mm(p, StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);
  // The bid is partially filled 0.3: inventory 0.3 >= cap 0.3 -> the bid is cancelled.
  exec(mm, report(q[0], ExecStatus::kPartiallyFilled, "0.3", "0.3"));
  std::vector<core::Signal> r = feed(mm, tick(0, "99.99", "100.01", 300));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].action, SignalAction::kCancel);
  EXPECT_EQ(r[0].side, Side::kBuy);
  EXPECT_EQ(r[0].target_id, q[0].client_id);
  exec(mm, target_report(r[0], ExecStatus::kCanceled));
  // No bid comes back while at the cap; the ask (selling reduces the position) keeps quoting.
  EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", 400)).empty());
  EXPECT_FALSE(mm.side(0, Side::kBuy).has_order());
  EXPECT_TRUE(mm.side(0, Side::kSell).has_order());
  // Selling 0.3 brings inventory to 0 and the bid returns.
  exec(mm, report(q[1], ExecStatus::kPartiallyFilled, "0.3", "0.3"));
  EXPECT_EQ(mm.inventory(0), qty("0"));
  std::vector<core::Signal> r2 = feed(mm, tick(0, "99.99", "100.01", 500));
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].side, Side::kBuy);
  EXPECT_EQ(r2[0].action, SignalAction::kNew);
}

TEST_F(DynMmTest, ShortInventoryCapStopsTheAsk) {
  DynMmParams p = base_params();
  p.inv_cap = qty("0.5");
  DynMm mm(p, StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);
  exec(mm, report(q[1], ExecStatus::kFilled, "0.5", "0.5"));  // sold 0.5: inventory -0.5
  EXPECT_EQ(mm.inventory(0), qty("-0.5"));
  // Ask side empty and at -cap: no new ask; the bid at 99.95 is on target: nothing at all.
  EXPECT_TRUE(feed(mm, tick(0, "99.99", "100.01", 300)).empty());
  EXPECT_FALSE(mm.side(0, Side::kSell).has_order());
}

TEST_F(DynMmTest, RiskRejectedQuoteIsNotThoughtWorkingAndIsRetried) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  feed(mm, tick(0, "99.99", "100.01", 0));
  feed(mm, tick(0, "99.99", "100.01", 100));
  std::vector<core::Signal> q = feed(mm, tick(0, "99.99", "100.01", 200));
  ASSERT_EQ(q.size(), 2u);
  exec(mm, risk_reject(q[0], core::RejectReason::kQpsSecond));
  exec(mm, report(q[1], ExecStatus::kNew));
  EXPECT_FALSE(mm.side(0, Side::kBuy).has_order());
  EXPECT_FALSE(mm.side(0, Side::kBuy).in_flight());
  std::vector<core::Signal> r = feed(mm, tick(0, "99.99", "100.01", 300));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].action, SignalAction::kNew);  // a fresh order, not a replace of the rejected one
  EXPECT_EQ(r[0].side, Side::kBuy);
  EXPECT_EQ(r[0].client_id, core::make_client_id(kSlot, 3));
}

TEST_F(DynMmTest, ReportsOfOtherSlotsAreIgnored) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  std::vector<core::Signal> q = quote_flat(mm);
  core::ExecReport r = report(q[0], ExecStatus::kFilled, "0.5", "0.5");
  r.client_id = core::make_client_id(kSlot + 1, 1);
  exec(mm, r);
  EXPECT_EQ(mm.inventory(0), qty("0"));
  EXPECT_TRUE(mm.side(0, Side::kBuy).has_order());
}

TEST_F(DynMmTest, SymbolsAreIndependent) {
  DynMm mm(base_params(), StrategyContext{&table_, kSlot});
  quote_flat(mm);
  // Symbol 1 has its own window: its first ticks quote nothing.
  EXPECT_TRUE(feed(mm, tick(1, "49.99", "50.01", 300)).empty());
  EXPECT_LT(mm.sigma_bps(1), 0.0);
  // Crossed or one-sided books are ignored.
  EXPECT_TRUE(feed(mm, tick(0, "100.02", "100.01", 400)).empty());
  EXPECT_TRUE(feed(mm, tick(7, "99.99", "100.01", 400)).empty());  // unknown symbol
}

}  // namespace
}  // namespace dmabot::strategy
