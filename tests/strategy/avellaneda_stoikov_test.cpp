// AvellanedaStoikov: the pure formula against hand-computed numbers (the 2008 paper's example
// parameters), then the live strategy with fixed and estimated sigma and inventory skew.
#include "strategy/avellaneda_stoikov.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/prng.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using core::ExecStatus;
using core::Side;
using core::SignalAction;
using namespace testutil;

// Paper parameters: s = 100, gamma = 0.1, sigma = 2, T - t = 1, k = 1.5.
// gamma * sigma^2 * tau = 0.1 * 4 * 1 = 0.4
// (2 / gamma) * ln(1 + gamma / k) = 20 * ln(1.0666667) = 20 * 0.0645385 = 1.2907704
TEST(AsQuotes, MatchesHandComputedReservationAndSpread) {
  AsQuotes a = as_quotes(100.0, 0.0, 0.1, 2.0, 1.0, 1.5);
  EXPECT_NEAR(a.reservation, 100.0, 1e-9);
  EXPECT_NEAR(a.spread, 1.6907704, 1e-6);  // 0.4 + 1.2907704
  EXPECT_NEAR(a.bid, 99.1546148, 1e-6);    // 100 - 1.6907704 / 2
  EXPECT_NEAR(a.ask, 100.8453852, 1e-6);
  // Long 3 units: r = 100 - 3 * 0.4 = 98.8; the spread does not depend on q.
  AsQuotes b = as_quotes(100.0, 3.0, 0.1, 2.0, 1.0, 1.5);
  EXPECT_NEAR(b.reservation, 98.8, 1e-9);
  EXPECT_NEAR(b.spread, a.spread, 1e-12);
  // Half the remaining time: risk term 0.2.
  AsQuotes c = as_quotes(100.0, 0.0, 0.1, 2.0, 0.5, 1.5);
  EXPECT_NEAR(c.spread, 1.4907704, 1e-6);
}

AvellanedaStoikovParams params() {
  AvellanedaStoikovParams p;
  p.gamma = 0.1;
  p.k = 1.5;
  p.sigma = 2.0;
  p.sigma_window = 2;
  p.horizon_s = 1.0;
  p.order_qty = qty("1");
  p.tolerance_bps = 1.0;
  p.min_requote_ms = 0;
  return p;
}

class AsTest : public ::testing::Test {
 protected:
  core::SymbolTable table_ = make_symbols();
  SignalBuffer buf_;
  std::vector<core::Signal> at(AvellanedaStoikov& s, std::string_view bid, std::string_view ask, int64_t ts_ms) {
    s.on_tick(tick(0, bid, ask, ts_ms), buf_);
    return take(buf_);
  }
};

TEST_F(AsTest, FixedSigmaQuotesAroundTheMid) {
  AvellanedaStoikov s(params(), StrategyContext{&table_, 6});
  // bid 99.1546148 -> 99.15 (down), ask 100.8453852 -> 100.85 (up), qty 1, post-only.
  std::vector<core::Signal> q = at(s, "99.99", "100.01", 0);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].side, Side::kBuy);
  EXPECT_EQ(q[0].price, px("99.15"));
  EXPECT_EQ(q[0].qty, qty("1"));
  EXPECT_EQ(q[0].tif, core::TimeInForce::kPostOnly);
  EXPECT_EQ(q[1].side, Side::kSell);
  EXPECT_EQ(q[1].price, px("100.85"));
}

TEST_F(AsTest, InventorySkewsBothQuotesDown) {
  AvellanedaStoikov s(params(), StrategyContext{&table_, 6});
  std::vector<core::Signal> q = at(s, "99.99", "100.01", 0);
  ASSERT_EQ(q.size(), 2u);
  s.on_exec(report(q[0], ExecStatus::kNew), buf_);
  s.on_exec(report(q[1], ExecStatus::kNew), buf_);
  core::ExecReport fill = report(q[0], ExecStatus::kPartiallyFilled, "0.5", "0.5");
  s.on_exec(fill, buf_);
  s.on_exec(fill, buf_);  // two fills of 0.5 (report reused; cum is not what counts): long 1
  EXPECT_EQ(s.inventory(0), qty("1"));
  // q = 1 / 1 = 1: r = 100 - 0.4 = 99.6; bid 99.6 - 0.8453852 = 98.7546148 -> 98.75,
  // ask 99.6 + 0.8453852 = 100.4453852 -> 100.45. Both are > 1 bps off: replaced.
  std::vector<core::Signal> r = at(s, "99.99", "100.01", 100);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].action, SignalAction::kReplace);
  EXPECT_EQ(r[0].price, px("98.75"));
  EXPECT_EQ(r[0].target_id, q[0].client_id);
  EXPECT_EQ(r[1].action, SignalAction::kReplace);
  EXPECT_EQ(r[1].price, px("100.45"));
}

TEST_F(AsTest, EstimatesSigmaFromTheMidSampledOnATimeGrid) {
  AvellanedaStoikovParams p = params();
  p.sigma = 0.0;  // estimate: a window of 2 increments of the mid sampled every 500 ms
  p.sigma_sample_ms = 500;
  AvellanedaStoikov s(p, StrategyContext{&table_, 6});
  // Mids 100 @ 0, 101 @ 500, 100 @ 1000, 100 @ 1500 ms. A grid point's mid is the last tick at or
  // before it, known once a later tick arrives: samples 100 (0), 101 (500), 100 (1000) -> increments
  // +1, -1 -> sigma^2 = (1 + 1) / (2 * 0.5 s) = 2.
  EXPECT_TRUE(at(s, "99.99", "100.01", 0).empty());
  EXPECT_TRUE(at(s, "100.99", "101.01", 500).empty());
  EXPECT_TRUE(at(s, "99.99", "100.01", 1000).empty());  // one increment so far: window not full
  EXPECT_LT(s.sigma(0), 0.0);
  std::vector<core::Signal> q = at(s, "99.99", "100.01", 1500);
  EXPECT_NEAR(s.sigma(0), std::sqrt(2.0), 1e-9);
  // risk term 0.1 * 2 * 1 = 0.2; spread 0.2 + 1.2907704 = 1.4907704, half 0.7453852:
  // bid 99.2546148 -> 99.25, ask 100.7453852 -> 100.75.
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].price, px("99.25"));
  EXPECT_EQ(q[1].price, px("100.75"));
  // Two seconds without a tick are four zero increments: the window (2) holds only zeros.
  (void)at(s, "99.99", "100.01", 4000);
  EXPECT_EQ(s.sigma(0), 0.0);
}

// Issue 8: on the USD-M capture quotes went up to 10.8% off the mid. Ticks arrive in bursts whose
// local stamps are nanoseconds apart (one network read holding many messages); the old estimator
// divided the squared changes of a window of ticks by the sum of their dt, ~0 inside a burst.
// Synthetic market with a known volatility: each ms of true time the bid moves +-0.50 with
// probability 0.1 (variance 0.025 per ms, so sigma^2 = 25 per second, sigma = 5), and each second
// of ticks is delivered as one burst stamped 1 ns apart (or all with the same stamp): a window of
// 600 tick changes then mostly lies inside one burst.
void expect_quotes_near_the_model(bool identical_stamps) {
  constexpr double kSigmaTrue = 5.0;
  core::SymbolTable table = make_symbols();
  AvellanedaStoikovParams p = params();
  p.sigma = 0.0;
  p.sigma_window = 600;  // 60 s of 100 ms samples
  p.sigma_sample_ms = 100;
  AvellanedaStoikov s(p, StrategyContext{&table, 6});
  SignalBuffer buf;
  core::SplitMix64 rng(2024);
  int64_t bid = 6'000'000;  // in ticks of 0.01: 60000.00
  // The largest distance the A&S formula allows at this volatility with q = 0 (no fills here), with
  // sigma overestimated up to 2x (the estimate comes from 60 s of data), plus one tick of rounding.
  const double half_spread = as_quotes(60000.0, 0.0, p.gamma, 2 * kSigmaTrue, p.horizon_s, p.k).spread / 2;
  const double bound = half_spread + 0.01;
  double worst = 0.0;
  int quotes = 0;
  int checks = 0;
  for (int64_t ms = 0; ms < 180'000; ++ms) {
    if (rng.uniform() < 0.1) bid += rng.uniform() < 0.5 ? 50 : -50;
    core::MdTick t;
    t.symbol = 0;
    t.bid = core::Price::from_raw(bid * 1'000'000);
    t.ask = core::Price::from_raw((bid + 2) * 1'000'000);
    t.bid_qty = t.ask_qty = qty("1");
    const int64_t burst = ms / 1000 * 1000 * kMs;
    t.ts_local = identical_stamps ? burst : burst + ms % 1000;  // ns apart inside the burst
    s.on_tick(t, buf);
    const double mid = (static_cast<double>(bid) + 1.0) / 100.0;
    for (const core::Signal& q : take(buf)) {
      if (q.action == SignalAction::kCancel) continue;
      ++quotes;
      const double dist = std::fabs(q.price.to_double() - mid);
      worst = std::max(worst, dist);
      EXPECT_LE(dist, bound) << "quote " << q.price.to_string() << " vs mid " << mid << " at ms " << ms;
      // Acknowledge, so the strategy keeps requoting (a replace also finishes the replaced order).
      if (q.action == SignalAction::kReplace) s.on_exec(target_report(q, ExecStatus::kCanceled), buf);
      s.on_exec(report(q, ExecStatus::kNew), buf);
      ASSERT_TRUE(take(buf).empty());
    }
    if (ms % 1000 == 999 && s.sigma(0) >= 0.0) {
      ++checks;
      EXPECT_GT(s.sigma(0), kSigmaTrue / 2) << "at ms " << ms;
      EXPECT_LT(s.sigma(0), kSigmaTrue * 2) << "at ms " << ms;
    }
  }
  EXPECT_GT(quotes, 100) << "the strategy must keep quoting";
  EXPECT_GT(checks, 100);  // quoting from 60 s on: ~120 bursts checked
  EXPECT_LE(worst, bound);
}

TEST(AsVolatility, NearIdenticalTimestampsKeepQuotesWithinTheModelsDistance) { expect_quotes_near_the_model(false); }

TEST(AsVolatility, IdenticalTimestampsKeepQuotesWithinTheModelsDistance) { expect_quotes_near_the_model(true); }

TEST_F(AsTest, KeepsQuotesWithinTolerance) {
  AvellanedaStoikov s(params(), StrategyContext{&table_, 6});
  std::vector<core::Signal> q = at(s, "99.99", "100.01", 0);
  for (const core::Signal& x : q) s.on_exec(report(x, ExecStatus::kNew), buf_);
  // Mid 100.005 (99.99 / 100.02): bid 99.1596148 -> 99.15, ask 100.8503852 -> 100.86:
  // bid unchanged, ask 0.01 / 100.86 = 0.99 bps <= 1: both kept.
  EXPECT_TRUE(at(s, "99.99", "100.02", 100).empty());
}

}  // namespace
}  // namespace dmabot::strategy
