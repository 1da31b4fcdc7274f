// binance-sim's own market: the seeded random walk and the real-time capture replay (through the
// replay readers, on the repository's small USD-M capture with markPrice lines).
#include "tools/binance_sim/sim_market.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/tools/binance_sim/exchange_test_util.h"
#include "tools/binance_sim/market_driver.h"

namespace dmabot::binance_sim {
namespace {

constexpr core::UnixNanos kSec = 1'000'000'000;

std::string fixture(const char* name) {
  const char* dir = std::getenv("DMABOT_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/" + name;
}

TEST(RandomWalkMarket, SameSeedSamePathOneTickPerStepConstantSpread) {
  RandomWalkConfig cfg;
  cfg.seed = 11;
  cfg.start_mid = core::Price::from_units(100);
  cfg.tick = core::Price::from_raw(1'000'000);  // 0.01
  cfg.spread_ticks = 2;
  cfg.size = core::Qty::from_units(2);
  cfg.step = core::Qty::from_raw(10'000'000);  // 0.1
  cfg.interval = 100'000'000;
  RandomWalkMarket a(cfg), b(cfg);
  cfg.seed = 12;
  RandomWalkMarket c(cfg);
  EXPECT_TRUE(a.advance(0));  // the first call publishes the start
  EXPECT_EQ(a.top().bid, core::Price::from_units(100));
  b.advance(0);
  c.advance(0);
  bool differs = false, moved = false;
  core::Price prev = a.top().bid;
  for (int i = 1; i <= 500; ++i) {
    core::UnixNanos t = i * cfg.interval;
    EXPECT_TRUE(a.advance(t));
    EXPECT_FALSE(a.advance(t));  // nothing new until the next interval
    b.advance(t);
    c.advance(t);
    EXPECT_EQ(a.top().bid, b.top().bid);
    EXPECT_EQ(a.top().ask_qty, b.top().ask_qty);
    differs |= a.top().bid != c.top().bid;
    EXPECT_LE(std::llabs(a.top().bid.raw - prev.raw), cfg.tick.raw);
    moved |= a.top().bid != prev;
    prev = a.top().bid;
    EXPECT_EQ(a.top().ask.raw - a.top().bid.raw, 2 * cfg.tick.raw);
    // Sizes: whole steps between half and one and a half of the mean.
    EXPECT_EQ(a.top().bid_qty.raw % cfg.step.raw, 0);
    EXPECT_GE(a.top().bid_qty, core::Qty::from_units(1));
    EXPECT_LE(a.top().bid_qty, core::Qty::from_units(3));
  }
  EXPECT_TRUE(differs);
  EXPECT_TRUE(moved);
}

TEST(CaptureMarket, ReplaysACaptureInRealTime) {
  CaptureMarket cap;
  const core::UnixNanos start = 5'000 * kSec;
  ASSERT_TRUE(cap.open(fixture("usdm_btcusdt_20230405.head.raw.gz"), start).ok());
  auto first = cap.poll(start);
  ASSERT_FALSE(first.empty());
  core::UnixNanos first_ts = first.front().ts_file;
  for (const auto& u : first) EXPECT_EQ(u.ts_file, first_ts);  // only what is due at once
  int tops = 0, marks = 0;
  core::UnixNanos elapsed = 0;
  for (int s = 1; s <= 3600 && !cap.finished(); ++s) {
    elapsed = s * kSec;
    for (const auto& u : cap.poll(start + elapsed, 100000)) {
      EXPECT_LE(u.ts_file - first_ts, elapsed);  // never ahead of its time
      EXPECT_EQ(u.symbol, "BTCUSDT");
      if (u.kind == MarketUpdate::kTop) {
        ++tops;
        EXPECT_TRUE(u.top.valid());
      }
      if (u.kind == MarketUpdate::kMark) {
        ++marks;
        EXPECT_GT(u.mark.raw, 0);
      }
    }
  }
  EXPECT_TRUE(cap.finished());
  EXPECT_GT(tops, 100);
  EXPECT_EQ(marks, 17);  // the fixture's markPrice@1s lines
  EXPECT_FALSE(cap.open("/nonexistent/capture.gz", 0).ok());
}

TEST(CaptureMarket, FeedsTheExchangesTopAndMarkPrice) {
  using namespace testing;  // NOLINT
  Exchange ex;
  SymbolConfig s;
  s.product = Product::kUsdmFutures;
  s.name = "BTCUSDT";
  s.base_asset = "BTC";
  s.quote_asset = "USDT";
  s.tick_size = px("0.1");
  s.step_size = qty("0.001");
  s.min_qty = qty("0.001");
  ASSERT_TRUE(ex.add_symbol(s).ok());
  CaptureMarket cap;
  ASSERT_TRUE(cap.open(fixture("usdm_btcusdt_20230405.head.raw.gz"), 0).ok());
  MarketUpdate last_top, last_mark;
  for (int i = 1; i <= 100 && !cap.finished(); ++i) {
    for (const auto& u : cap.poll(i * kSec, 100000)) {
      if (u.kind == MarketUpdate::kTop) {
        ex.set_market_top(Product::kUsdmFutures, u.symbol, u.top, i * kSec);
        last_top = u;
      } else if (u.kind == MarketUpdate::kMark) {
        ex.set_mark_price(u.symbol, u.mark, u.index, u.funding_rate_raw, 0, i * kSec);
        last_mark = u;
      }
    }
  }
  ASSERT_GT(last_mark.mark.raw, 0);
  TopOfBook t = ex.book_ticker(Product::kUsdmFutures, "BTCUSDT");
  EXPECT_EQ(t.bid, last_top.top.bid);
  EXPECT_EQ(t.ask, last_top.top.ask);
  auto m = ex.mark_price("BTCUSDT");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->mark, last_mark.mark);  // the feed's mark, not the mid
  EXPECT_EQ(m->funding_rate_raw, money("0.0000276"));
  EXPECT_EQ(m->next_funding_time, 8LL * 3600 * kSec);  // the sim's own schedule
}

TEST(MarketDriver, WalksAndCapturesFeedTheExchangeAndFundingFollows) {
  using namespace testing;  // NOLINT
  Exchange ex;
  SymbolConfig spot;
  spot.name = "BTCUSDT";
  spot.base_asset = "BTC";
  spot.quote_asset = "USDT";
  ASSERT_TRUE(ex.add_symbol(spot).ok());
  SymbolConfig fut = spot;
  fut.product = Product::kUsdmFutures;
  fut.tick_size = px("0.1");
  fut.step_size = qty("0.001");
  fut.min_qty = qty("0.001");
  ASSERT_TRUE(ex.add_symbol(fut).ok());
  AccountConfig a;
  a.api_key = "A";
  a.hmac_secret = "s";
  a.spot_balances = {{"USDT", money("1000000")}};
  a.futures_wallet_raw = money("100000");
  ASSERT_TRUE(ex.add_account(a).ok());
  Recorder rec;
  ex.add_listener(&rec);

  MarketDriver drv(ex);
  RandomWalkConfig rw;
  rw.start_mid = px("100");
  rw.seed = 3;
  ASSERT_TRUE(drv.add_random_walk(Product::kSpot, "BTCUSDT", rw).ok());
  EXPECT_FALSE(drv.add_random_walk(Product::kSpot, "BTCUSDT", rw).ok());
  EXPECT_FALSE(drv.add_random_walk(Product::kSpot, "NOPE", rw).ok());
  ASSERT_TRUE(drv.add_capture(Product::kUsdmFutures, fixture("usdm_btcusdt_20230405.head.raw.gz"), 0).ok());
  EXPECT_FALSE(drv.add_capture(Product::kSpot, "/nonexistent.gz", 0).ok());

  auto changed = drv.poll(0);
  ASSERT_FALSE(changed.empty());
  EXPECT_EQ(changed[0].product, Product::kSpot);
  EXPECT_EQ(ex.book_ticker(Product::kSpot, "BTCUSDT").bid, px("100"));
  // A buy resting one tick under the walk's bid fills once the walk comes down to it.
  ASSERT_TRUE(ex.new_order("A", Product::kSpot, limit(OrderSide::kBuy, "99.99", "1"), 0).ok());
  // Hold a futures position so funding has something to settle.
  UnixNanos t = kSec;
  drv.poll(t);
  ASSERT_TRUE(ex.new_order("A", Product::kUsdmFutures, market_order(OrderSide::kBuy, "0.1"), t).ok());
  for (; t <= 8LL * 3600 * kSec; t += kSec) drv.poll(t);
  EXPECT_TRUE(drv.captures_finished());
  EXPECT_EQ(drv.ignored(), 0u);
  bool spot_filled = false;
  for (const auto& e : rec.orders) spot_filled |= e.fill && e.order.product == Product::kSpot;
  EXPECT_TRUE(spot_filled);
  ASSERT_EQ(rec.fundings.size(), 1u);  // one boundary (8 h) passed
  auto mark = ex.mark_price("BTCUSDT");
  ASSERT_TRUE(mark.has_value());
  EXPECT_EQ(rec.fundings[0].mark_price, mark->mark);  // the capture's last mark
  EXPECT_EQ(rec.fundings[0].funding_rate_raw, money("0.0000276"));
}

}  // namespace
}  // namespace dmabot::binance_sim
