// Tests for the mock random-walk feed: determinism, instrument grid, sharded fan-out, pacing on a
// simulated clock, and back-pressure without loss.
#include "feed/mock_feed.h"

#include <gtest/gtest.h>

#include <vector>

namespace dmabot::feed {
namespace {

core::SymbolTable three_symbols() {
  core::SymbolTable t;
  core::InstrumentInfo a;
  a.name = "BTCUSDT";
  a.tick = core::Price::from_raw(1'000'000);  // 0.01
  t.add(a);
  core::InstrumentInfo b;
  b.name = "ETHUSDT";
  b.tick = core::Price::from_raw(10'000'000);  // 0.1
  t.add(b);
  core::InstrumentInfo c;
  c.name = "SOLUSDT";
  c.tick = core::Price::from_raw(100'000);  // 0.001
  t.add(c);
  return t;
}

MockFeedParams params(uint64_t seed) {
  MockFeedParams p;
  p.seed = seed;
  p.start_px = {60000, 3000, 150};
  p.rate_per_sec = 0;
  return p;
}

std::vector<core::MdTick> generate(uint64_t seed, int n) {
  core::SymbolTable t = three_symbols();
  RandomWalkMarket m(params(seed), t);
  std::vector<core::MdTick> out(n);
  for (auto& tick : out) m.next(tick);
  return out;
}

TEST(RandomWalkMarket, SameSeedSameTicks) {
  const auto a = generate(42, 5000);
  const auto b = generate(42, 5000);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].symbol, b[i].symbol) << i;
    EXPECT_EQ(a[i].bid, b[i].bid) << i;
    EXPECT_EQ(a[i].ask, b[i].ask) << i;
    EXPECT_EQ(a[i].bid_qty, b[i].bid_qty) << i;
    EXPECT_EQ(a[i].update_id, b[i].update_id) << i;
  }
}

TEST(RandomWalkMarket, DifferentSeedDifferentTicks) {
  const auto a = generate(1, 200);
  const auto b = generate(2, 200);
  int differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += (a[i].symbol != b[i].symbol || a[i].bid != b[i].bid);
  EXPECT_GT(differ, 100);
}

TEST(RandomWalkMarket, QuotesSitOnTheTickGridAndNeverCross) {
  core::SymbolTable t = three_symbols();
  const auto ticks = generate(7, 20000);
  std::vector<uint64_t> last_id(3, 0);
  std::vector<int> per_symbol(3, 0);
  for (const auto& k : ticks) {
    ASSERT_LT(k.symbol, 3);
    const int64_t tick = t.info(k.symbol).tick.raw;
    EXPECT_EQ(k.bid.raw % tick, 0);
    EXPECT_EQ(k.ask.raw % tick, 0);
    EXPECT_GT(k.ask, k.bid);
    // spread between 1 and 3 ticks (MOCK_SPREAD_TICKS default 3)
    EXPECT_LE(k.ask.raw - k.bid.raw, 3 * tick);
    EXPECT_GT(k.bid_qty.raw, 0);
    EXPECT_EQ(k.update_id, last_id[k.symbol] + 1);  // per-symbol update ids are consecutive
    last_id[k.symbol] = k.update_id;
    ++per_symbol[k.symbol];
  }
  // Uniform symbol choice: each of 3 symbols gets roughly a third of 20000 (well within +-10%).
  for (int n : per_symbol) EXPECT_NEAR(n, 20000 / 3, 700);
}

TEST(RandomWalkMarket, StartsNearTheConfiguredPrice) {
  const auto ticks = generate(3, 30);
  for (const auto& k : ticks) {
    const double mid = (k.bid.to_double() + k.ask.to_double()) / 2;
    const double start = k.symbol == 0 ? 60000 : k.symbol == 1 ? 3000 : 150;
    EXPECT_NEAR(mid / start, 1.0, 0.01);  // 30 steps of 2 bps cannot move 1%
  }
}

TEST(MockFeed, ShardsTicksSoEachSymbolGoesToOneWorkerInOrder) {
  core::SymbolTable t = three_symbols();
  core::Clock clock = core::Clock::simulated(1'000);
  core::SpscRing<core::MdTick> w0(1 << 14), w1(1 << 14), all(1 << 14);
  std::vector<FeedOutput> outs{{&w0, 2, 0}, {&w1, 2, 1}, {&all, 1, 0}};
  core::Counter c0, c1, c2;
  MockFeedParams p = params(9);
  p.max_ticks = 3000;
  MockFeed feed(p, t, clock, outs, {&c0, &c1, &c2}, nullptr, nullptr);
  while (!feed.finished()) feed.poll();
  EXPECT_EQ(feed.generated(), 3000u);
  EXPECT_EQ(c0.value() + c1.value() + c2.value(), 3000u);
  EXPECT_EQ(all.size_approx(), 3000u);
  core::MdTick k;
  std::size_t n0 = 0, n1 = 0;
  while (w0.try_pop(k)) {
    EXPECT_EQ(k.symbol % 2, 0);
    ++n0;
  }
  while (w1.try_pop(k)) {
    EXPECT_EQ(k.symbol % 2, 1);
    ++n1;
  }
  EXPECT_EQ(n0, c0.value() + c2.value());  // symbols 0 and 2
  EXPECT_EQ(n1, c1.value());
}

TEST(MockFeed, FullRingPausesGenerationWithoutLoss) {
  core::SymbolTable t = three_symbols();
  core::Clock clock = core::Clock::simulated(1'000);
  core::SpscRing<core::MdTick> out(4);
  MockFeedParams p = params(5);
  p.max_ticks = 100;
  MockFeed feed(p, t, clock, {{&out, 1, 0}}, {}, nullptr, nullptr);
  std::vector<core::MdTick> got;
  const auto expected = generate(5, 100);
  while (got.size() < 100) {
    feed.poll();
    EXPECT_LE(out.size_approx(), 4u);
    core::MdTick k;
    if (out.try_pop(k)) got.push_back(k);  // consume one per poll: the ring is always near full
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].update_id, expected[i].update_id) << i;
    EXPECT_EQ(got[i].bid, expected[i].bid) << i;
  }
  EXPECT_TRUE(feed.finished());
}

TEST(MockFeed, PacesTicksAtTheConfiguredRateOnTheClock) {
  core::SymbolTable t = three_symbols();
  core::Clock clock = core::Clock::simulated(1'000'000'000);
  core::SpscRing<core::MdTick> out(1 << 12);
  MockFeedParams p = params(5);
  p.rate_per_sec = 1000;  // one tick per 1 ms of clock time
  MockFeed feed(p, t, clock, {{&out, 1, 0}}, {}, nullptr, nullptr);
  feed.poll();  // first poll: due immediately -> 1 tick
  EXPECT_EQ(feed.generated(), 1u);
  feed.poll();  // clock has not moved: nothing more is due
  EXPECT_EQ(feed.generated(), 1u);
  clock.advance_to(1'000'000'000 + 10'000'000);  // +10 ms -> 10 more ticks due
  feed.poll();
  EXPECT_EQ(feed.generated(), 11u);
}

TEST(MockFeedParams, RejectsWrongStartPriceCountNamingTheKey) {
  auto cfg = core::Config::parse("MOCK_START_PX=1,2\n", ".env.test", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  auto p = MockFeedParams::from_config(*cfg, 3);
  ASSERT_FALSE(p.ok());
  const std::string msg(p.status().message());
  EXPECT_NE(msg.find("MOCK_START_PX"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".env.test:1"), std::string::npos) << msg;
}

TEST(MockFeedParams, RejectsNonPositiveStartPrice) {
  auto cfg = core::Config::parse("MOCK_START_PX=0\n", ".env.test", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(MockFeedParams::from_config(*cfg, 1).ok());
  auto cfg2 = core::Config::parse("MOCK_RATE=fast\n", ".env.test", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg2.ok());
  auto p = MockFeedParams::from_config(*cfg2, 1);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("MOCK_RATE"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::feed
