// Tests for the synthetic L1 market: config validation, the mid processes' step statistics, the
// depth law of the market orders, the Avellaneda–Stoikov fill law end to end through a real
// gateway::SimExchange, pacing on a simulated clock, determinism and back-pressure without loss.
#include "feed/synthetic_feed.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "gateway/sim_exchange.h"
#include "tests/common/alloc_counter.h"

namespace dmabot::feed {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kCent = 1'000'000;  // 0.01 in raw units (the tick)

core::SymbolTable symbols(int n) {
  core::SymbolTable t;
  const char* names[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  for (int i = 0; i < n; ++i) {
    core::InstrumentInfo info;
    info.name = names[i];
    info.tick = core::Price::from_raw(kCent);
    t.add(info);
  }
  return t;
}

// abm, sigma 0, mid 100, dt 10 ms (A·dt = 140 · 0.01 = 1.4), k 1.5, spread 2 ticks.
SyntheticMarketParams flat(uint64_t steps) {
  SyntheticMarketParams p;
  p.model = MidModel::kAbm;
  p.s0 = {100.0};
  p.sigma = 0;
  p.dt_ns = 10 * kMs;
  p.steps = steps;
  p.spread_ticks = 2;
  p.a = 140;
  p.k = 1.5;
  return p;
}

// ---------------------------------------------------------------------------------------------------
// Config

absl::StatusOr<SyntheticMarketParams> parse(const std::string& text, std::size_t n_symbols) {
  auto cfg = core::Config::parse(text, "syn.env", {}, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return SyntheticMarketParams::from_config(*cfg, n_symbols);
}

TEST(SyntheticConfig, Defaults) {
  auto p = parse("", 2);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->model, MidModel::kGbm);
  EXPECT_EQ(p->s0, (std::vector<double>{100.0}));
  EXPECT_DOUBLE_EQ(p->sigma, 0.0005);
  EXPECT_EQ(p->dt_ns, 100 * kMs);
  EXPECT_EQ(p->steps, 36'000u);
  EXPECT_EQ(p->spread_ticks, 2);
  EXPECT_EQ(p->depth_qty.raw, 100'000'000);  // 1
  EXPECT_DOUBLE_EQ(p->a, 140.0);
  EXPECT_DOUBLE_EQ(p->k, 1.5);
  EXPECT_EQ(p->trade_qty.raw, 1000 * 100'000'000ll);  // 1000
  EXPECT_EQ(p->seed, 1u);
}

TEST(SyntheticConfig, ValuesAndAbmDefaultSigma) {
  auto p = parse(
      "SYN_MODEL=abm\nSYN_S0=60000.5,3000\nSYN_DT_MS=0.5\nSYN_STEPS=0\nSYN_DEPTH_QTY=0.25\n"
      "SYN_K=20\nSYN_SEED=9\n",
      2);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->model, MidModel::kAbm);
  EXPECT_DOUBLE_EQ(p->sigma, 0.05);  // abm default: price units
  EXPECT_EQ(p->s0, (std::vector<double>{60000.5, 3000.0}));
  EXPECT_EQ(p->dt_ns, 500'000);  // 0.5 ms
  EXPECT_EQ(p->steps, 0u);
  EXPECT_EQ(p->depth_qty.raw, 25'000'000);
  EXPECT_DOUBLE_EQ(p->k, 20.0);
  EXPECT_EQ(p->seed, 9u);
}

TEST(SyntheticConfig, BadValuesNameTheKeyAndTheFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SYN_MODEL", "ou"},       {"SYN_S0", "1,2,3"},    {"SYN_S0", "-5"},      {"SYN_S0", "0"},
      {"SYN_SIGMA", "-0.1"},     {"SYN_DT_MS", "0"},     {"SYN_DT_MS", "fast"}, {"SYN_STEPS", "-1"},
      {"SYN_SPREAD_TICKS", "0"}, {"SYN_DEPTH_QTY", "0"}, {"SYN_A", "-1"},       {"SYN_K", "0"},
      {"SYN_TRADE_QTY", "lots"}, {"SYN_SEED", "x"},
  };
  for (const auto& [key, value] : cases) {
    auto p = parse(key + "=" + value + "\n", 2);
    ASSERT_FALSE(p.ok()) << key << "=" << value;
    const std::string msg(p.status().message());
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find("syn.env"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------------------------------------------
// The generator

TEST(SyntheticMarket, AbmWithZeroSigmaKeepsTheMidAndTheQuote) {
  core::SymbolTable t = symbols(1);
  SyntheticMarket m(flat(0), t);
  core::MdTick tick;
  for (int i = 0; i < 1000; ++i) {
    m.advance();
    ASSERT_EQ(m.mid(0), 100.0) << i;
    m.quote(0, tick);
    // bid = floor_to_tick(100 − 2·0.01/2) = 99.99, ask = 99.99 + 2 ticks = 100.01
    EXPECT_EQ(tick.bid.raw, 9'999'000'000);
    EXPECT_EQ(tick.ask.raw, 10'001'000'000);
    EXPECT_EQ(tick.bid_qty.raw, 100'000'000);
    EXPECT_EQ(tick.update_id, static_cast<uint64_t>(i + 1));
  }
}

// Sample variance of n iid normal increments with variance v has standard deviation
// v·sqrt(2/(n−1)); with n = 200000 that is 0.316% of v, so 5 standard deviations is 1.58% of v.
// The sample mean's standard deviation is sqrt(v/n).
struct Moments {
  double mean = 0, var = 0;
  std::size_t n = 0;
};
Moments moments(const std::vector<double>& x) {
  Moments m;
  m.n = x.size();
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(m.n);
  for (double v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(m.n - 1);
  return m;
}

TEST(SyntheticMarket, GbmLogIncrementsHaveVarianceSigmaSquaredDt) {
  core::SymbolTable t = symbols(1);
  SyntheticMarketParams p = flat(0);
  p.model = MidModel::kGbm;
  p.sigma = 0.001;
  p.dt_ns = 100 * kMs;  // v = σ²·dt = 1e-6 · 0.1 = 1e-7; mean −v/2 = −5e-8
  SyntheticMarket m(p, t);
  std::vector<double> inc;
  inc.reserve(200'000);
  double prev = m.mid(0);
  for (int i = 0; i < 200'000; ++i) {
    m.advance();
    inc.push_back(std::log(m.mid(0) / prev));
    prev = m.mid(0);
  }
  const Moments s = moments(inc);
  const double v = 1e-7;
  EXPECT_NEAR(s.var, v, 5 * v * std::sqrt(2.0 / (s.n - 1)));
  EXPECT_NEAR(s.mean, -5e-8, 5 * std::sqrt(v / s.n));  // 5 · 7.07e-7
}

TEST(SyntheticMarket, AbmIncrementsHaveVarianceSigmaSquaredDt) {
  core::SymbolTable t = symbols(2);
  SyntheticMarketParams p = flat(0);
  p.s0 = {1000.0};  // far from the floor: 200000 steps move it by ~sqrt(2.5e-4 · 2e5) ≈ 7
  p.sigma = 0.05;
  p.dt_ns = 100 * kMs;  // v = 0.05² · 0.1 = 2.5e-4 per step, mean 0
  SyntheticMarket m(p, t);
  std::vector<double> inc0, inc1;
  inc0.reserve(200'000);
  inc1.reserve(200'000);
  double prev0 = m.mid(0), prev1 = m.mid(1);
  for (int i = 0; i < 200'000; ++i) {
    m.advance();
    inc0.push_back(m.mid(0) - prev0);
    inc1.push_back(m.mid(1) - prev1);
    prev0 = m.mid(0);
    prev1 = m.mid(1);
  }
  const double v = 2.5e-4;
  for (const auto* inc : {&inc0, &inc1}) {
    const Moments s = moments(*inc);
    EXPECT_NEAR(s.var, v, 5 * v * std::sqrt(2.0 / (s.n - 1)));
    EXPECT_NEAR(s.mean, 0.0, 5 * std::sqrt(v / s.n));
  }
  // The two symbols move independently: sample correlation of independent series has standard
  // deviation 1/sqrt(n) = 0.00224; 5 of them is 0.0112.
  double cov = 0;
  const Moments a = moments(inc0), b = moments(inc1);
  for (std::size_t i = 0; i < inc0.size(); ++i) cov += (inc0[i] - a.mean) * (inc1[i] - b.mean);
  cov /= static_cast<double>(inc0.size() - 1);
  EXPECT_NEAR(cov / std::sqrt(a.var * b.var), 0.0, 5.0 / std::sqrt(200'000.0));
}

// P(deepest order of a step reaches δ) = 1 − exp(−A·dt·e^{−kδ}), A·dt = 1.4, k = 1.5:
//   δ = 0: 1 − e^{−1.4}                         = 1 − 0.246597 = 0.753403 (any order at all)
//   δ = 1: 1.4·e^{−1.5} = 1.4·0.223130 = 0.312382 -> 1 − e^{−0.312382} = 0.268298
//   δ = 2: 1.4·e^{−3}   = 1.4·0.049787 = 0.069702 -> 1 − e^{−0.069702} = 0.067328
// Binomial standard error sqrt(p(1−p)/n) with n = 200000: at most 0.00112; the bound is 5 of them.
TEST(SyntheticMarket, DeepestOrderDepthFollowsThePoissonExponentialLaw) {
  core::SymbolTable t = symbols(1);
  SyntheticMarket m(flat(0), t);
  const int n = 200'000;
  int reach0 = 0, reach1 = 0, reach2 = 0;
  core::Trade tr;
  for (int i = 0; i < n; ++i) {
    const core::Side side = i % 2 == 0 ? core::Side::kSell : core::Side::kBuy;
    if (!m.market_order(0, side, tr)) {
      EXPECT_EQ(m.last_depth(), -1.0);
      continue;
    }
    const double d = m.last_depth();
    ASSERT_GE(d, 0.0);
    reach0 += 1;
    reach1 += d >= 1.0;
    reach2 += d >= 2.0;
    EXPECT_EQ(tr.aggressor, side);
    EXPECT_EQ(tr.qty.raw, 1000 * 100'000'000ll);
    EXPECT_EQ(tr.price.raw % kCent, 0);  // on the tick grid
    // The print is the grid price just beyond the deepest level reached: for a sell, strictly
    // below x = 100 − d and no more than one tick below it (1e-9 slack for the double).
    const double px = tr.price.to_double();
    if (side == core::Side::kSell) {
      EXPECT_LT(px, 100.0 - d + 1e-9);
      EXPECT_GE(px + 0.01, 100.0 - d - 1e-9);
    } else {
      EXPECT_GT(px, 100.0 + d - 1e-9);
      EXPECT_LE(px - 0.01, 100.0 + d + 1e-9);
    }
  }
  const auto check = [n](int count, double p) {
    EXPECT_NEAR(static_cast<double>(count) / n, p, 5 * std::sqrt(p * (1 - p) / n)) << "p=" << p;
  };
  check(reach0, 0.753403);
  check(reach1, 0.268298);
  check(reach2, 0.067328);
}

// ---------------------------------------------------------------------------------------------------
// The stage

struct Collected {
  std::vector<core::MdTick> ticks;
  std::vector<core::Trade> trades;
};

// Runs a feed to the end on a simulated clock with roomy rings, jumping the clock to next_wakeup().
Collected run_all(const SyntheticMarketParams& p, int n_symbols, core::UnixNanos start = 1'000) {
  core::SymbolTable t = symbols(n_symbols);
  core::Clock clock = core::Clock::simulated(start);
  core::SpscRing<core::MdTick> md(1024);
  core::SpscRing<core::Trade> tr(1024);
  SyntheticFeed feed(p, t, clock, {FeedOutput{&md, 1, 0}}, {&tr}, {}, nullptr, nullptr);
  Collected out;
  for (int guard = 0; !feed.finished() && guard < 10'000'000; ++guard) {
    feed.poll();
    while (const core::MdTick* x = md.front()) out.ticks.push_back(*x), md.pop();
    while (const core::Trade* x = tr.front()) out.trades.push_back(*x), tr.pop();
    if (feed.next_wakeup() != core::Stage::kNever) clock.advance_to(feed.next_wakeup());
  }
  EXPECT_TRUE(feed.finished());
  return out;
}

bool same_tick(const core::MdTick& a, const core::MdTick& b) {
  return a.ts_local == b.ts_local && a.ts_exchange == b.ts_exchange && a.update_id == b.update_id && a.bid == b.bid &&
         a.ask == b.ask && a.bid_qty == b.bid_qty && a.ask_qty == b.ask_qty && a.symbol == b.symbol;
}
bool same_trade(const core::Trade& a, const core::Trade& b) {
  return a.ts_local == b.ts_local && a.ts_exchange == b.ts_exchange && a.trade_id == b.trade_id && a.price == b.price &&
         a.qty == b.qty && a.symbol == b.symbol && a.aggressor == b.aggressor;
}

SyntheticMarketParams moving(uint64_t seed) {
  SyntheticMarketParams p;
  p.model = MidModel::kGbm;
  p.s0 = {100.0, 30.0, 5.0};
  p.sigma = 0.01;
  p.dt_ns = 10 * kMs;
  p.steps = 2000;
  p.k = 15;  // prints land a few ticks from the mid
  p.seed = seed;
  return p;
}

TEST(SyntheticFeed, SameSeedSameEventsDifferentSeedDifferentEvents) {
  const Collected a = run_all(moving(7), 3);
  const Collected b = run_all(moving(7), 3);
  const Collected c = run_all(moving(8), 3);
  ASSERT_EQ(a.ticks.size(), 3u * 2000u);
  ASSERT_EQ(a.ticks.size(), b.ticks.size());
  ASSERT_EQ(a.trades.size(), b.trades.size());
  ASSERT_GT(a.trades.size(), 1000u);
  for (std::size_t i = 0; i < a.ticks.size(); ++i) ASSERT_TRUE(same_tick(a.ticks[i], b.ticks[i])) << i;
  for (std::size_t i = 0; i < a.trades.size(); ++i) ASSERT_TRUE(same_trade(a.trades[i], b.trades[i])) << i;
  int differ = 0;
  for (std::size_t i = 0; i < c.ticks.size(); ++i) differ += !same_tick(a.ticks[i], c.ticks[i]);
  EXPECT_GT(differ, 5000);  // after the first step (equal at S0) the paths separate
}

TEST(SyntheticFeed, OrderFlowParametersDoNotChangeThePricePath) {
  SyntheticMarketParams p = moving(3);
  const Collected a = run_all(p, 3);
  p.a = 20;
  p.k = 2;
  const Collected b = run_all(p, 3);
  ASSERT_EQ(a.ticks.size(), b.ticks.size());
  for (std::size_t i = 0; i < a.ticks.size(); ++i) ASSERT_TRUE(same_tick(a.ticks[i], b.ticks[i])) << i;
  EXPECT_NE(a.trades.size(), b.trades.size());
}

TEST(SyntheticFeed, EventsAreStampedFromTheStepScheduleInOrder) {
  // dt = 10 ms, start 1000 ns: ticks of step i at 1000 + i·10ms, trades at 1000 + i·10ms + 5ms.
  const Collected a = run_all(moving(7), 3);
  std::vector<uint64_t> last_id(3, 0);
  for (std::size_t i = 0; i < a.ticks.size(); ++i) {
    const core::MdTick& t = a.ticks[i];
    EXPECT_EQ(t.symbol, i % 3);  // symbols in id order within a step
    EXPECT_EQ(t.ts_local, 1'000 + static_cast<int64_t>(i / 3) * 10 * kMs);
    EXPECT_EQ(t.ts_exchange, t.ts_local);
    EXPECT_EQ(t.ask.raw - t.bid.raw, 2 * kCent);
    EXPECT_EQ(t.update_id, ++last_id[t.symbol]);
  }
  for (std::size_t i = 0; i < a.trades.size(); ++i) {
    EXPECT_EQ((a.trades[i].ts_local - 1'000 - 5 * kMs) % (10 * kMs), 0);
    EXPECT_EQ(a.trades[i].trade_id, i + 1);
    if (i > 0) {
      EXPECT_GE(a.trades[i].ts_local, a.trades[i - 1].ts_local);
    }
  }
}

TEST(SyntheticFeed, PacingNextWakeupAndStepLimit) {
  core::SymbolTable t = symbols(1);
  core::Clock clock = core::Clock::simulated(5'000);
  core::SpscRing<core::MdTick> md(64);
  core::SpscRing<core::Trade> tr(64);
  core::Counter ticks;
  SyntheticMarketParams p = flat(3);
  p.dt_ns = 100 * kMs;  // A·dt = 14: a print on each side in nearly every step (not asserted)
  SyntheticFeed feed(p, t, clock, {FeedOutput{&md, 1, 0}}, {&tr}, {&ticks}, nullptr, nullptr);
  EXPECT_EQ(feed.start_time(), 5'000);
  EXPECT_EQ(feed.next_wakeup(), 5'000);  // step 0 is due at construction time

  EXPECT_GT(feed.poll(), 0);
  EXPECT_EQ(md.size_approx(), 1u);
  EXPECT_EQ(tr.size_approx(), 0u);  // trades of step 0 wait for mid-step
  EXPECT_EQ(feed.next_wakeup(), 5'000 + 50 * kMs);
  clock.advance_to(5'000 + 50 * kMs - 1);
  EXPECT_EQ(feed.poll(), 0);  // not due yet
  EXPECT_EQ(feed.steps_done(), 0u);
  clock.advance_to(5'000 + 50 * kMs);
  feed.poll();
  EXPECT_EQ(feed.steps_done(), 1u);
  EXPECT_EQ(feed.next_wakeup(), 5'000 + 100 * kMs);
  EXPECT_EQ(md.size_approx(), 1u);

  // Jump past the rest of the schedule: steps 1 and 2 come out in one burst, then it stops at 3.
  clock.advance_to(5'000 + 10'000 * kMs);
  feed.poll();
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(feed.steps_done(), 3u);
  EXPECT_EQ(feed.next_wakeup(), core::Stage::kNever);
  EXPECT_EQ(feed.poll(), 0);
  EXPECT_EQ(ticks.value(), 3u);
  std::vector<int64_t> ts;
  while (const core::MdTick* x = md.front()) ts.push_back(x->ts_local), md.pop();
  EXPECT_EQ(ts, (std::vector<int64_t>{5'000, 5'000 + 100 * kMs, 5'000 + 200 * kMs}));
}

TEST(SyntheticFeed, StopEndsGeneration) {
  core::SymbolTable t = symbols(1);
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(64);
  SyntheticFeed feed(flat(0), t, clock, {FeedOutput{&md, 1, 0}}, {}, {}, nullptr, nullptr);  // unlimited
  feed.poll();
  EXPECT_FALSE(feed.finished());
  feed.stop();
  clock.advance_to(1'000 * kMs);
  feed.poll();
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(md.size_approx(), 1u);
  EXPECT_EQ(feed.next_wakeup(), core::Stage::kNever);
}

TEST(SyntheticFeed, TinyRingsLoseNothingAndKeepOrder) {
  SyntheticMarketParams p = moving(11);
  p.steps = 300;
  const Collected ref = run_all(p, 3, 0);
  // Reference split as the sharded outputs will see it: shard 0 of 2 owns symbols 0 and 2.
  std::vector<core::MdTick> ref0, ref1;
  for (const auto& x : ref.ticks) (x.symbol % 2 == 0 ? ref0 : ref1).push_back(x);

  core::SymbolTable t = symbols(3);
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md0(2), md1(2), rec(1024);  // rec holds all 900 ticks
  core::SpscRing<core::Trade> tr0(2), tr1(2);
  core::Counter c0, c1, c2;
  SyntheticFeed feed(p, t, clock, {FeedOutput{&md0, 2, 0}, FeedOutput{&md1, 2, 1}}, {&tr0, &tr1}, {&c0, &c1, &c2}, &rec,
                     nullptr);
  std::vector<core::MdTick> got0, got1;
  std::vector<core::Trade> gtr0, gtr1;
  int stalls = 0;
  for (int guard = 0; guard < 1'000'000 && !feed.finished(); ++guard) {
    feed.poll();
    if (feed.next_wakeup() <= clock.now()) ++stalls;  // held up by a full ring
    // Consumers take one event per pass, and the second trade ring only every other pass.
    if (const core::MdTick* x = md0.front()) got0.push_back(*x), md0.pop();
    if (const core::MdTick* x = md1.front()) got1.push_back(*x), md1.pop();
    if (const core::Trade* x = tr0.front()) gtr0.push_back(*x), tr0.pop();
    if (guard % 2 == 0) {
      if (const core::Trade* x = tr1.front()) gtr1.push_back(*x), tr1.pop();
    }
    if (feed.next_wakeup() != core::Stage::kNever) clock.advance_to(feed.next_wakeup());
  }
  ASSERT_TRUE(feed.finished());
  while (const core::MdTick* x = md0.front()) got0.push_back(*x), md0.pop();
  while (const core::MdTick* x = md1.front()) got1.push_back(*x), md1.pop();
  while (const core::Trade* x = tr0.front()) gtr0.push_back(*x), tr0.pop();
  while (const core::Trade* x = tr1.front()) gtr1.push_back(*x), tr1.pop();
  EXPECT_GT(stalls, 100);

  ASSERT_EQ(got0.size(), ref0.size());
  ASSERT_EQ(got1.size(), ref1.size());
  for (std::size_t i = 0; i < ref0.size(); ++i) ASSERT_TRUE(same_tick(got0[i], ref0[i])) << i;
  for (std::size_t i = 0; i < ref1.size(); ++i) ASSERT_TRUE(same_tick(got1[i], ref1[i])) << i;
  ASSERT_EQ(gtr0.size(), ref.trades.size());
  ASSERT_EQ(gtr1.size(), ref.trades.size());
  for (std::size_t i = 0; i < ref.trades.size(); ++i) {
    ASSERT_TRUE(same_trade(gtr0[i], ref.trades[i])) << i;
    ASSERT_TRUE(same_trade(gtr1[i], ref.trades[i])) << i;
  }
  // The recorder tap saw every tick once, in generation order; one counter per symbol.
  std::size_t n = 0;
  for (; const core::MdTick* x = rec.front(); rec.pop(), ++n) ASSERT_TRUE(same_tick(*x, ref.ticks[n])) << n;
  EXPECT_EQ(n, 900u);  // 300 steps · 3 symbols
  EXPECT_EQ(c0.value(), 300u);
  EXPECT_EQ(c1.value(), 300u);
  EXPECT_EQ(c2.value(), 300u);
  EXPECT_EQ(feed.steps_done(), 300u);
}

TEST(SyntheticFeed, NoAllocationAfterConstruction) {
  SyntheticMarketParams p = moving(5);
  p.steps = 3000;
  core::SymbolTable t = symbols(3);
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md0(4), md1(4), rec(16);  // rec > the 9 ticks one poll can start
  core::SpscRing<core::Trade> tr(4);
  core::Counter c0, c1, c2, waits;
  SyntheticFeed feed(p, t, clock, {FeedOutput{&md0, 2, 0}, FeedOutput{&md1, 2, 1}}, {&tr}, {&c0, &c1, &c2}, &rec,
                     &waits);
  const uint64_t before = testing::allocation_count();
  uint64_t ticks = 0;
  for (int guard = 0; guard < 1'000'000 && !feed.finished(); ++guard) {
    feed.poll();
    for (auto* r : {&md0, &md1, &rec}) {
      while (r->front() != nullptr) r->pop(), ++ticks;
    }
    while (tr.front() != nullptr) tr.pop();
    if (feed.next_wakeup() != core::Stage::kNever) clock.advance_to(feed.next_wakeup());
  }
  const uint64_t after = testing::allocation_count();
  ASSERT_TRUE(feed.finished());
  EXPECT_EQ(ticks, 2u * 3000u * 3u);  // each tick once on its shard's ring and once on the tap
  EXPECT_EQ(after, before);
}

// ---------------------------------------------------------------------------------------------------
// The fill law, end to end: SyntheticFeed -> SimExchange (zero latencies) with resting quotes that
// are re-posted at the same price after every fill; fills per step must match 1 − exp(−A·e^{−kδ}·dt).

struct Quote {
  core::Side side;
  int64_t price_raw;
  int fills = 0;
};

// Runs `steps` steps with the quotes resting from step 0's trades on; returns the steps run.
uint64_t run_fill_experiment(const SyntheticMarketParams& p, std::vector<Quote>& quotes) {
  core::SymbolTable t = symbols(1);
  core::Clock clock = core::Clock::simulated(1'000'000'000);
  core::SpscRing<core::MdTick> md(64);
  core::SpscRing<core::Trade> tr(64);
  core::SpscRing<core::Order> orders(64);
  core::SpscRing<core::ExecReport> execs(256);
  gateway::SimExchangeParams sp;
  sp.entry_latency_ns = 0;
  sp.ack_latency_ns = 0;
  sp.max_live_orders = 16;
  gateway::SimExchange ex("sim", 0, sp, t, clock, &orders, &execs, &md, &tr, nullptr);
  SyntheticFeed feed(p, t, clock, {FeedOutput{&md, 1, 0}}, {&tr}, {}, nullptr, nullptr);

  std::unordered_map<uint64_t, std::size_t> owner;  // client id -> quote index
  uint64_t next_id = 1;
  const auto post = [&](std::size_t q) {
    core::Order o;
    o.client_id = core::make_client_id(1, next_id++);
    o.symbol = 0;
    o.side = quotes[q].side;
    o.price = core::Price::from_raw(quotes[q].price_raw);
    o.qty = core::Qty::from_units(1);
    o.action = core::OrderAction::kNew;
    o.tif = core::TimeInForce::kGtc;
    owner[o.client_id] = q;
    EXPECT_TRUE(orders.try_push(o));
  };
  int rejects = 0;
  const auto settle = [&] {
    for (int guard = 0; guard < 1000; ++guard) {
      int n = feed.poll() + ex.poll();
      while (const core::ExecReport* r = execs.front()) {
        ++n;
        if (r->status == core::ExecStatus::kFilled) {
          const std::size_t q = owner.at(r->client_id);
          ++quotes[q].fills;
          post(q);
        }
        rejects += r->status == core::ExecStatus::kRejected || r->status == core::ExecStatus::kExpired;
        execs.pop();
      }
      if (n == 0) return;
    }
    ADD_FAILURE() << "did not settle";
  };
  settle();  // step 0's tick: the book exists before the quotes arrive (their queue is then known)
  for (std::size_t q = 0; q < quotes.size(); ++q) post(q);
  settle();
  EXPECT_EQ(ex.live_orders(), quotes.size());
  while (!feed.finished()) {
    const int64_t at = std::min(feed.next_wakeup(), ex.next_wakeup());
    if (at == core::Stage::kNever) break;
    clock.advance_to(at);
    settle();
  }
  EXPECT_EQ(rejects, 0);
  EXPECT_EQ(ex.live_orders(), quotes.size());
  return feed.steps_done();
}

void expect_rate(const Quote& q, uint64_t steps, double p) {
  const double n = static_cast<double>(steps);
  EXPECT_NEAR(q.fills / n, p, 5 * std::sqrt(p * (1 - p) / n))
      << (q.side == core::Side::kBuy ? "buy @" : "sell @") << q.price_raw << " fills " << q.fills;
}

TEST(SyntheticFillLaw, QuotesBehindTheTouchFillAtTheAvellanedaStoikovRate) {
  // Mid 100 (σ = 0), touch 99.99 / 100.01. A·dt = 1.4, k = 1.5. Per step:
  //   buy  @ 99.00 (δ = 1):  1 − exp(−1.4·e^{−1.5}) = 1 − exp(−0.312382) = 0.268298
  //   buy  @ 98.00 (δ = 2):  1 − exp(−1.4·e^{−3})   = 1 − exp(−0.069702) = 0.067328
  //   sell @ 100.50 (δ = 0.5): 1 − exp(−1.4·e^{−0.75}) = 1 − exp(−0.661313) = 0.483827
  // 20000 steps: binomial standard errors 0.0031, 0.0018, 0.0035; the bound is 5 of them.
  std::vector<Quote> q = {
      {core::Side::kBuy, 99 * 100 * kCent}, {core::Side::kBuy, 98 * 100 * kCent}, {core::Side::kSell, 10'050 * kCent}};
  const uint64_t steps = run_fill_experiment(flat(20'000), q);
  ASSERT_EQ(steps, 20'000u);
  expect_rate(q[0], steps, 0.268298);
  expect_rate(q[1], steps, 0.067328);
  expect_rate(q[2], steps, 0.483827);
}

TEST(SyntheticFillLaw, AtTheTouchTheQueueRuleMovesTheQuoteOneTickCloser) {
  // Documented caveat: the venue knows the queue of a buy that joins the bid (queue ahead = 1), so a
  // print AT its price (deepest level reached between it and the mid) also fills it: it fills with
  // intensity A·e^{−k·(δ − tick)}. With k = 100 the tick matters: buy @ 99.99 has δ = 0.01, so
  //   observed: 1 − exp(−1.4·e^{0})     = 1 − e^{−1.4}        = 0.753403
  //   (the exact AS law would be 1 − exp(−1.4·e^{−1}) = 1 − exp(−0.515031) = 0.402518)
  // while quotes resting behind the touch, buy @ 99.97 and sell @ 100.03 (δ = 0.03, queue unknown),
  // follow the exact law to the tick (one tick off would give 1 − exp(−1.4·e^{−2}) = 0.172):
  //   1 − exp(−1.4·e^{−3}) = 1 − exp(−0.069702) = 0.067328.
  SyntheticMarketParams p = flat(20'000);
  p.k = 100;
  std::vector<Quote> q = {
      {core::Side::kBuy, 9'999 * kCent}, {core::Side::kBuy, 9'997 * kCent}, {core::Side::kSell, 10'003 * kCent}};
  const uint64_t steps = run_fill_experiment(p, q);
  ASSERT_EQ(steps, 20'000u);
  expect_rate(q[0], steps, 0.753403);
  expect_rate(q[1], steps, 0.067328);
  expect_rate(q[2], steps, 0.067328);
}

}  // namespace
}  // namespace dmabot::feed
