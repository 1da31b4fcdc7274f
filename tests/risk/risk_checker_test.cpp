// RiskChecker: every reject reason, cancels under kill switch and throttle, sliding windows with
// injected time, replace checked at its new price, kill switch from drawdown and daily loss.
#include "risk/risk_checker.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/risk/test_util.h"

namespace dmabot::risk {
namespace {

using core::RejectReason;
using core::Side;
using namespace testing;

// Limits chosen so each rule can be hit on its own with round numbers (mid 100 on symbol 0).
RiskLimits base_limits() {
  RiskLimits l;
  l.px_min = px("1");
  l.px_max = px("1000000");
  l.px_band_pct_raw = quote_raw("10");  // 10 %
  l.max_notional_raw = quote_raw("1000");
  l.max_symbol_notional_raw = quote_raw("3000");
  l.max_qps = 1000;
  l.max_qpm = 1000;
  l.max_inventory_raw = quote_raw("2000");
  l.max_working_orders = 64;
  return l;
}

uint64_t id(uint64_t n) { return core::make_client_id(1, n); }

struct CheckerTest : ::testing::Test {
  explicit CheckerTest(RiskLimits l = base_limits()) : rc(l, 2, 1) { (void)rc.on_mid(0, px("100"), 0); }
  RiskChecker rc;
};

TEST_F(CheckerTest, AcceptsAValidOrderAndTracksItAsWorking) {
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "2", "99"), 0), RejectReason::kNone);
  ASSERT_NE(rc.find_working(id(1)), nullptr);
  EXPECT_EQ(rc.find_working(id(1))->strategy, 1);
  EXPECT_EQ(rc.working_qty(0, Side::kBuy).raw, 2 * core::kScale);
  EXPECT_EQ(rc.working_qty(0, Side::kSell).raw, 0);
  // 2 * 99 = 198 quote of working notional, in 1e-16 units.
  EXPECT_EQ(rc.working_notional_wide(0), Wide{198} * core::kScale * core::kScale);
  EXPECT_EQ(rc.accepted(), 1u);
}

TEST_F(CheckerTest, BadOrders) {
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "0", "100"), 0), RejectReason::kBadOrder);  // zero qty
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "1", "0"), 0), RejectReason::kBadOrder);    // zero price
  EXPECT_EQ(rc.check(new_order(id(3), 5, Side::kBuy, "1", "100"), 0), RejectReason::kBadOrder);  // symbol 5 of 2
  EXPECT_EQ(rc.check(new_order(0, 0, Side::kBuy, "1", "100"), 0), RejectReason::kBadOrder);      // id 0
  ASSERT_EQ(rc.check(new_order(id(4), 0, Side::kBuy, "1", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(4), 0, Side::kBuy, "1", "100"), 0), RejectReason::kBadOrder);        // duplicate id
  EXPECT_EQ(rc.check(replace(id(99), id(5), 0, Side::kBuy, "1", "100"), 0), RejectReason::kBadOrder);  // no target
  EXPECT_EQ(rc.check(replace(id(4), id(6), 0, Side::kSell, "1", "100"), 0), RejectReason::kBadOrder);  // other side
  EXPECT_EQ(rc.rejects(RejectReason::kBadOrder), 7u);
  EXPECT_EQ(rc.working_orders(), 1u);
}

TEST_F(CheckerTest, PriceBandAndDeviationAndNoMarket) {
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "0.5"), 0), RejectReason::kPriceBand);  // < PX_MIN 1
  RiskLimits l = base_limits();
  l.px_max = px("105");
  RiskChecker capped(l, 2, 1);
  (void)capped.on_mid(0, px("100"), 0);
  EXPECT_EQ(capped.check(new_order(id(2), 0, Side::kSell, "1", "105.01"), 0), RejectReason::kPriceBand);
  EXPECT_EQ(capped.check(new_order(id(3), 0, Side::kSell, "1", "105"), 0), RejectReason::kNone);

  // Band 10 % of mid 100: 110 and 90 are on the edge (allowed), 110.01 and 89.99 are not.
  EXPECT_EQ(rc.check(new_order(id(4), 0, Side::kSell, "1", "110"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(5), 0, Side::kBuy, "1", "90"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(6), 0, Side::kSell, "1", "110.01"), 0), RejectReason::kPriceDeviation);
  EXPECT_EQ(rc.check(new_order(id(7), 0, Side::kBuy, "1", "89.99"), 0), RejectReason::kPriceDeviation);
  // Symbol 1 has no mid yet.
  EXPECT_EQ(rc.check(new_order(id(8), 1, Side::kBuy, "1", "100"), 0), RejectReason::kNoMarket);
  // Band off: no mid needed.
  RiskLimits off = base_limits();
  off.px_band_pct_raw = 0;
  RiskChecker no_band(off, 2, 1);
  EXPECT_EQ(no_band.check(new_order(id(9), 1, Side::kBuy, "1", "500"), 0), RejectReason::kNone);
}

TEST_F(CheckerTest, OrderNotional) {
  // 10 * 100 = 1000 = MAX_NOTIONAL is allowed; 10.01 * 100 = 1001 is not.
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "10", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kSell, "10.01", "100"), 0), RejectReason::kNotionalOrder);
}

TEST_F(CheckerTest, SymbolNotionalCountsWorkingOrders) {
  // Working: buy 10 @ 100, buy 10 @ 100, sell 10 @ 100 -> 3000 of working notional = the limit.
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "10", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "10", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(3), 0, Side::kSell, "10", "100"), 0), RejectReason::kNone);
  // One more sell of 0.01 @ 100 = 1 quote: 3000 + 1 > 3000.
  EXPECT_EQ(rc.check(new_order(id(4), 0, Side::kSell, "0.01", "100"), 0), RejectReason::kNotionalSymbol);
  // The other symbol has its own budget.
  (void)rc.on_mid(1, px("100"), 0);
  EXPECT_EQ(rc.check(new_order(id(5), 1, Side::kSell, "0.01", "100"), 0), RejectReason::kNone);
  // A cancel report frees the exposure: 2000 + 1 <= 3000.
  (void)rc.on_exec(report(id(3), core::ExecStatus::kCanceled), 0);
  EXPECT_EQ(rc.check(new_order(id(6), 0, Side::kSell, "0.01", "100"), 0), RejectReason::kNone);
}

TEST_F(CheckerTest, InventoryCountsPositionPlusSameSideWorking) {
  // Position +15 from a fill (marked at mid 100 = 1500), working buy 5 -> 20 * 100 = 2000 = limit.
  (void)rc.on_exec(fill(0, 0, Side::kBuy, "15", "100"), 0);
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "5", "100"), 0), RejectReason::kNone);
  // Buy 0.01 more: |15 + 5 + 0.01| * 100 = 2001 > 2000 (exposure 1500 + 500 + 1 = 2001 <= 3000).
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "0.01", "100"), 0), RejectReason::kInventory);
  // A sell is on the other side: 15 - 5 = 10 -> 1000.
  EXPECT_EQ(rc.check(new_order(id(3), 0, Side::kSell, "5", "100"), 0), RejectReason::kNone);
}

TEST_F(CheckerTest, ReduceOnlyOrdersPassEvenOverTheLimits) {
  // Position +25 (2500 > MAX_INVENTORY 2000, and 2500 + orders near MAX_SYMBOL_NOTIONAL).
  (void)rc.on_exec(fill(0, 0, Side::kBuy, "25", "100"), 0);
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "0.01", "100"), 0), RejectReason::kInventory);
  // Selling 10 then another 10 only reduces: 20 <= 25. Exposure would be 2500 + 1000 + 1000 > 3000.
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kSell, "10", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(3), 0, Side::kSell, "10", "100"), 0), RejectReason::kNone);
  // A further 10 would go past flat (30 > 25): no longer reduce-only, and 2500 + 2000 + 1000 > 3000.
  EXPECT_EQ(rc.check(new_order(id(4), 0, Side::kSell, "10", "100"), 0), RejectReason::kNotionalSymbol);
}

TEST(RiskCheckerThrottle, SlidingWindowsWithInjectedTime) {
  RiskLimits l = base_limits();
  l.max_qps = 3;
  l.max_qpm = 5;
  RiskChecker rc(l, 1, 1);
  (void)rc.on_mid(0, px("100"), 0);
  uint64_t n = 0;
  auto order = [&](core::UnixNanos t) {
    ++n;
    return rc.check(new_order(id(n), 0, n % 2 ? Side::kBuy : Side::kSell, "0.01", "100"), t);
  };
  EXPECT_EQ(order(0), RejectReason::kNone);
  EXPECT_EQ(order(100 * kMs), RejectReason::kNone);
  EXPECT_EQ(order(200 * kMs), RejectReason::kNone);
  EXPECT_EQ(order(300 * kMs), RejectReason::kQpsSecond);   // 3 in (-0.7 s, 0.3 s]
  EXPECT_EQ(order(1000 * kMs), RejectReason::kNone);       // the one at 0 left the window (0, 1 s]
  EXPECT_EQ(order(1050 * kMs), RejectReason::kQpsSecond);  // 0.1, 0.2, 1.0 are in (0.05, 1.05]
  EXPECT_EQ(order(1100 * kMs), RejectReason::kNone);       // 0.1 left: 0.2, 1.0 + this one
  // 5 accepted within the last minute (0, 0.1, 0.2, 1.0, 1.1): the per-second window is fine, not this one.
  EXPECT_EQ(order(2500 * kMs), RejectReason::kQpsMinute);
  EXPECT_EQ(order(59'999 * kMs), RejectReason::kQpsMinute);
  EXPECT_EQ(order(60'000 * kMs), RejectReason::kNone);  // the one at 0 left (0, 60 s]
  EXPECT_EQ(rc.rejects(RejectReason::kQpsSecond), 2u);
  EXPECT_EQ(rc.rejects(RejectReason::kQpsMinute), 2u);
  EXPECT_EQ(rc.accepted(), 6u);

  // Cancels are never throttled (and do not use up the windows).
  EXPECT_EQ(rc.check(cancel(id(1)), 60'000 * kMs), RejectReason::kNone);
  EXPECT_EQ(rc.check(cancel(id(2)), 60'000 * kMs), RejectReason::kNone);
  EXPECT_EQ(rc.check(cancel(id(3)), 60'000 * kMs), RejectReason::kNone);
  EXPECT_EQ(rc.check(cancel(id(5)), 60'000 * kMs), RejectReason::kNone);
}

TEST_F(CheckerTest, CancelsOfUnknownOrders) {
  EXPECT_EQ(rc.check(cancel(id(42)), 0), RejectReason::kUnknownOrder);
  EXPECT_EQ(rc.check(cancel(0), 0), RejectReason::kUnknownOrder);
  EXPECT_EQ(rc.rejects(RejectReason::kUnknownOrder), 2u);
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  EXPECT_TRUE(rc.find_working(id(1))->cancel_pending);
  // Once the venue confirms, the order is gone and a second cancel is unknown.
  (void)rc.on_exec(report(id(1), core::ExecStatus::kCanceled), 0);
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kUnknownOrder);
}

TEST_F(CheckerTest, KillSwitchBlocksNewAndReplaceButNotCancels) {
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "100"), 0), RejectReason::kNone);
  rc.set_kill_switch(true);
  EXPECT_TRUE(rc.kill_switch());
  EXPECT_EQ(rc.kill_cause(), KillCause::kManual);
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "1", "100"), 0), RejectReason::kKillSwitch);
  EXPECT_EQ(rc.check(replace(id(1), id(3), 0, Side::kBuy, "1", "99"), 0), RejectReason::kKillSwitch);
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  rc.set_kill_switch(false);
  EXPECT_EQ(rc.check(new_order(id(4), 0, Side::kBuy, "1", "100"), 0), RejectReason::kNone);
}

TEST_F(CheckerTest, StaleBookBlocksNewAndReplaceOnThatSymbolOnlyButNotCancels) {
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "99"), 0), RejectReason::kNone);
  (void)rc.on_mid(1, px("100"), 0);
  rc.set_book_stale(0, true);
  EXPECT_TRUE(rc.book_stale(0));
  EXPECT_FALSE(rc.book_stale(1));
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "1", "99"), 0), RejectReason::kStaleBook);
  EXPECT_EQ(rc.check(replace(id(1), id(3), 0, Side::kBuy, "1", "98"), 0), RejectReason::kStaleBook);
  EXPECT_EQ(rc.check(new_order(id(4), 1, Side::kBuy, "1", "99"), 0), RejectReason::kNone);  // other symbol
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  EXPECT_EQ(rc.rejects(RejectReason::kStaleBook), 2u);
  // The kill switch outranks it (a halt reason tells the workers more).
  rc.set_kill_switch(true);
  EXPECT_EQ(rc.evaluate(new_order(id(5), 0, Side::kBuy, "1", "99"), 0), RejectReason::kKillSwitch);
  rc.set_kill_switch(false);
  rc.set_book_stale(0, false);
  EXPECT_EQ(rc.check(new_order(id(6), 0, Side::kBuy, "1", "99"), 0), RejectReason::kNone);
  rc.set_book_stale(200, true);  // unknown symbol: ignored
  EXPECT_FALSE(rc.book_stale(200));
}

// ControlCommand::kSymbolHalt (the venue stopped trading the symbol): like a stale book, but its own
// reason and flag (a feed recovery does not lift it).
TEST_F(CheckerTest, AHaltedSymbolBlocksNewAndReplaceOnItButNotCancels) {
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "99"), 0), RejectReason::kNone);
  (void)rc.on_mid(1, px("100"), 0);
  rc.set_symbol_halted(0, true);
  rc.set_book_stale(0, true);
  rc.set_book_stale(0, false);
  EXPECT_TRUE(rc.symbol_halted(0));
  EXPECT_FALSE(rc.symbol_halted(1));
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "1", "99"), 0), RejectReason::kNotTrading);
  EXPECT_EQ(rc.check(replace(id(1), id(3), 0, Side::kBuy, "1", "98"), 0), RejectReason::kNotTrading);
  EXPECT_EQ(rc.check(new_order(id(4), 1, Side::kBuy, "1", "99"), 0), RejectReason::kNone);  // other symbol
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  EXPECT_EQ(rc.rejects(RejectReason::kNotTrading), 2u);
  rc.set_symbol_halted(0, false);
  EXPECT_EQ(rc.check(new_order(id(6), 0, Side::kBuy, "1", "99"), 0), RejectReason::kNone);
  rc.set_symbol_halted(200, true);  // unknown symbol: ignored
  EXPECT_FALSE(rc.symbol_halted(200));
}

TEST_F(CheckerTest, ReplaceIsCheckedAtItsNewPriceAndQty) {
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "5", "100"), 0), RejectReason::kNone);
  // New price 111 is 11 % from mid 100.
  EXPECT_EQ(rc.check(replace(id(1), id(2), 0, Side::kBuy, "5", "111"), 0), RejectReason::kPriceDeviation);
  // New qty 10.1 * 99 = 999.9 ok; 10.2 * 99 = 1009.8 > MAX_NOTIONAL 1000.
  EXPECT_EQ(rc.check(replace(id(1), id(3), 0, Side::kBuy, "10.2", "99"), 0), RejectReason::kNotionalOrder);
  EXPECT_EQ(rc.check(replace(id(1), id(4), 0, Side::kBuy, "10.1", "99"), 0), RejectReason::kNone);
  ASSERT_NE(rc.find_working(id(4)), nullptr);
  EXPECT_TRUE(rc.find_working(id(1))->cancel_pending);  // until the venue reports it cancelled
  (void)rc.on_exec(report(id(1), core::ExecStatus::kCanceled), 0);
  EXPECT_EQ(rc.find_working(id(1)), nullptr);
  EXPECT_EQ(rc.working_qty(0, Side::kBuy).raw, qty("10.1").raw);
}

TEST(RiskCheckerReplace, OldOrderIsLeftOutOfTheExposure) {
  RiskLimits l = base_limits();
  l.max_notional_raw = quote_raw("5000");
  RiskChecker rc(l, 1, 1);
  (void)rc.on_mid(0, px("100"), 0);
  // Working buy 20 -> 20 * 100 = 2000 = MAX_INVENTORY.
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "20", "100"), 0), RejectReason::kNone);
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "0.01", "100"), 0), RejectReason::kInventory);
  // Replacing it by 20 @ 100.5 keeps 20 on the bid (the old 20 is left out): allowed.
  EXPECT_EQ(rc.check(replace(id(1), id(3), 0, Side::kBuy, "20", "100.5"), 0), RejectReason::kNone);
}

TEST_F(CheckerTest, WorkingOrdersFollowReports) {
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kSell, "3", "100"), 0), RejectReason::kNone);
  (void)rc.on_exec(report(id(1), core::ExecStatus::kNew), 0);
  EXPECT_TRUE(rc.find_working(id(1))->acked);
  // Partial fill of 1: 2 left working; position -1.
  (void)rc.on_exec(fill(0, 0, Side::kSell, "1", "100", 0, id(1), core::ExecStatus::kPartiallyFilled), 0);
  EXPECT_EQ(rc.find_working(id(1))->remaining.raw, 2 * core::kScale);
  EXPECT_EQ(rc.working_qty(0, Side::kSell).raw, 2 * core::kScale);
  EXPECT_EQ(rc.positions().symbol_qty(0).raw, -core::kScale);
  // A venue cancel-reject clears the pending flag.
  ASSERT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  (void)rc.on_exec(report(id(1), core::ExecStatus::kCancelRejected), 0);
  EXPECT_FALSE(rc.find_working(id(1))->cancel_pending);
  // The rest fills: gone, and nothing left working on the symbol.
  (void)rc.on_exec(fill(0, 0, Side::kSell, "2", "100", 0, id(1), core::ExecStatus::kFilled), 0);
  EXPECT_EQ(rc.find_working(id(1)), nullptr);
  EXPECT_EQ(rc.working_qty(0, Side::kSell).raw, 0);
  EXPECT_EQ(rc.working_notional_wide(0), 0);
  EXPECT_EQ(rc.positions().symbol_qty(0).raw, -3 * core::kScale);
}

TEST(RiskCheckerKill, DrawdownEngagesAndQueuesCancels) {
  RiskLimits l = base_limits();
  l.max_drawdown_raw = quote_raw("50");
  RiskChecker rc(l, 1, 1);
  (void)rc.on_mid(0, px("100"), 0);
  ASSERT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "95"), 0), RejectReason::kNone);
  ASSERT_EQ(rc.check(new_order(id(2), 0, Side::kSell, "1", "105"), 0), RejectReason::kNone);
  // Long 10 @ 100; mid 106 -> equity +60 = the peak.
  EXPECT_FALSE(rc.on_exec(fill(0, 0, Side::kBuy, "10", "100"), 0));
  EXPECT_FALSE(rc.on_mid(0, px("106"), 0));
  EXPECT_EQ(rc.peak_equity_raw(), quote_raw("60"));
  // Mid 101: equity 10, 50 below the peak: not more than MAX_DRAWDOWN yet.
  EXPECT_FALSE(rc.on_mid(0, px("101"), 0));
  // Mid 100.99: equity 9.9, 50.1 below the peak -> engaged.
  EXPECT_TRUE(rc.on_mid(0, px("100.99"), 0));
  EXPECT_EQ(rc.kill_cause(), KillCause::kDrawdown);
  EXPECT_EQ(rc.check(new_order(id(3), 0, Side::kBuy, "1", "100"), 0), RejectReason::kDrawdown);
  // The event risk records: what crossed which limit, and the equity then.
  const core::Control c = rc.kill_event(77);
  EXPECT_EQ(c.ts_local, 77);
  EXPECT_EQ(c.command, core::ControlCommand::kKillSwitchOn);
  EXPECT_EQ(c.cause, KillCause::kDrawdown);
  EXPECT_EQ(c.measured_raw, quote_raw("50.1"));
  EXPECT_EQ(c.limit_raw, quote_raw("50"));
  EXPECT_EQ(c.equity_raw, quote_raw("9.9"));
  // Both working orders are queued for engine cancels, once each.
  std::set<uint64_t> targets;
  while (const WorkingOrder* w = rc.next_engine_cancel()) targets.insert(w->client_id);
  EXPECT_EQ(targets, (std::set<uint64_t>{id(1), id(2)}));
  EXPECT_TRUE(rc.find_working(id(1))->cancel_pending);
  EXPECT_FALSE(rc.engine_cancels_queued());
  // Cancels still pass; a later equity drop does not re-trigger while engaged.
  EXPECT_EQ(rc.check(cancel(id(1)), 0), RejectReason::kNone);
  EXPECT_FALSE(rc.on_mid(0, px("90"), 0));
  // Off re-bases the peak at the current equity (-100): a 10 drop is fine now.
  rc.set_kill_switch(false);
  EXPECT_EQ(rc.peak_equity_raw(), quote_raw("-100"));
  EXPECT_FALSE(rc.on_mid(0, px("89"), 0));
}

TEST(RiskCheckerKill, DailyLossCountsFromTheStartOfTheUtcDay) {
  RiskLimits l = base_limits();
  l.max_daily_loss_raw = quote_raw("30");
  l.px_band_pct_raw = 0;
  RiskChecker rc(l, 1, 1);
  const core::UnixNanos day = 86'400 * kSec;
  const core::UnixNanos t = 20'000 * day + 10 * 3600 * kSec;  // 10:00 UTC
  // Long 10 @ 100 (equity 0 at the day's first event); mid 98 -> -20: within 30.
  EXPECT_FALSE(rc.on_exec(fill(0, 0, Side::kBuy, "10", "100"), t));
  EXPECT_FALSE(rc.on_mid(0, px("98"), t + kSec));
  // Next day starts at -20; mid 95.5 -> -45, a loss of 25 today: fine.
  EXPECT_FALSE(rc.on_mid(0, px("95.5"), t + day));
  EXPECT_FALSE(rc.kill_switch());
  // Mid 94.9 -> -51: 31 below the day start -> engaged, and labelled a daily loss (not a drawdown).
  EXPECT_TRUE(rc.on_mid(0, px("94.9"), t + day + kSec));
  EXPECT_EQ(rc.kill_cause(), KillCause::kDailyLoss);
  EXPECT_EQ(rc.check(new_order(id(1), 0, Side::kBuy, "1", "95"), t + day + kSec), RejectReason::kDailyLoss);
  EXPECT_EQ(rc.rejects(RejectReason::kDailyLoss), 1u);
  EXPECT_EQ(rc.rejects(RejectReason::kDrawdown), 0u);
  const core::Control on = rc.kill_event(t + day + kSec);
  EXPECT_EQ(on.command, core::ControlCommand::kKillSwitchOn);
  EXPECT_EQ(on.cause, KillCause::kDailyLoss);
  EXPECT_EQ(on.measured_raw, quote_raw("31"));  // -20 at the day start, -51 now
  EXPECT_EQ(on.limit_raw, quote_raw("30"));
  EXPECT_EQ(on.equity_raw, quote_raw("-51"));
  // Released by the operator: kill_off names the cause it lifts; a second release changes nothing.
  EXPECT_TRUE(rc.set_kill_switch(false));
  EXPECT_FALSE(rc.set_kill_switch(false));
  const core::Control off = rc.kill_event(t + day + 2 * kSec);
  EXPECT_EQ(off.command, core::ControlCommand::kKillSwitchOff);
  EXPECT_EQ(off.cause, KillCause::kDailyLoss);
  EXPECT_EQ(off.equity_raw, quote_raw("-51"));
  EXPECT_EQ(rc.check(new_order(id(2), 0, Side::kBuy, "1", "95"), t + day + 2 * kSec), RejectReason::kNone);
}

TEST(RiskCheckerTable, FullTableRejectsAsBadOrder) {
  RiskLimits l = base_limits();
  l.max_working_orders = 16;
  l.px_band_pct_raw = 0;
  RiskChecker rc(l, 1, 1);
  for (uint64_t i = 1; i <= 16; ++i) {
    ASSERT_EQ(rc.check(new_order(id(i), 0, i % 2 ? Side::kBuy : Side::kSell, "0.01", "100"), 0), RejectReason::kNone);
  }
  EXPECT_EQ(rc.check(new_order(id(17), 0, Side::kBuy, "0.01", "100"), 0), RejectReason::kBadOrder);
  // Removing one makes room again, and every other entry is still found (backward-shift erase).
  (void)rc.on_exec(report(id(7), core::ExecStatus::kCanceled), 0);
  EXPECT_EQ(rc.check(new_order(id(17), 0, Side::kBuy, "0.01", "100"), 0), RejectReason::kNone);
  for (uint64_t i = 1; i <= 17; ++i) EXPECT_EQ(rc.find_working(id(i)) != nullptr, i != 7) << i;
}

TEST(OrderTable, EraseKeepsProbeChainsIntact) {
  OrderTable t(64);
  // Many keys, erase every third, then all remaining ones must still be found.
  for (uint64_t i = 1; i <= 64; ++i) ASSERT_NE(t.insert(i * 7919), nullptr);
  EXPECT_EQ(t.insert(99'999'999), nullptr);  // full at 64
  for (uint64_t i = 3; i <= 64; i += 3) EXPECT_TRUE(t.erase(i * 7919));
  for (uint64_t i = 1; i <= 64; ++i) EXPECT_EQ(t.find(i * 7919) != nullptr, i % 3 != 0) << i;
  EXPECT_EQ(t.size(), 64u - 21u);
}

}  // namespace
}  // namespace dmabot::risk
