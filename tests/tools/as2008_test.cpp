// Tests for the Avellaneda–Stoikov (2008) simulation: deterministic for a seed, the inventory
// strategy's average spread equals the closed form (it does not depend on the random path), and the
// paper's qualitative result — the inventory strategy has a much smaller dispersion of profit and of
// final inventory than the symmetric strategy with the same average spread.
#include "tools/as2008.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dmabot::tools {
namespace {

TEST(As2008, SameSeedSameTableDifferentSeedDifferentFigures) {
  As2008Params p;
  p.paths = 200;
  p.seed = 11;
  EXPECT_EQ(as2008_json(p, run_as2008(p)), as2008_json(p, run_as2008(p)));
  As2008Params q = p;
  q.seed = 12;
  EXPECT_NE(run_as2008(p)[0].inventory.profit_mean, run_as2008(q)[0].inventory.profit_mean);
}

TEST(As2008, InventoryStrategySpreadMatchesTheClosedForm) {
  As2008Params p;
  p.paths = 50;
  const auto rows = run_as2008(p);
  ASSERT_EQ(rows.size(), 3u);
  // spread(t) = gamma*sigma^2*(T-t) + (2/gamma)*ln(1+gamma/k), averaged over the 200 steps t = i*dt:
  // mean(T-t) = 1 - 0.005*(0+...+199)/200 = 1 - 0.005*199/2 = 0.5025.
  for (const As2008Row& r : rows) {
    const double expected = r.gamma * 4.0 * 0.5025 + (2.0 / r.gamma) * std::log(1.0 + r.gamma / 1.5);
    EXPECT_NEAR(r.inventory.avg_spread, expected, 1e-9) << r.gamma;
    EXPECT_NEAR(r.symmetric.avg_spread, expected, 1e-9) << r.gamma;  // same spread by construction
  }
  // gamma = 0.1 -> 0.201 + 20*ln(1.0666...) = 1.4918 (the paper's table reports 1.49)
  EXPECT_NEAR(rows[0].inventory.avg_spread, 1.4918, 1e-4);
}

TEST(As2008, InventoryStrategyReducesProfitAndInventoryDispersion) {
  As2008Params p;  // the paper's 1000 paths
  for (const As2008Row& r : run_as2008(p)) {
    EXPECT_LT(r.inventory.profit_std, r.symmetric.profit_std) << r.gamma;
    EXPECT_LT(r.inventory.q_std, r.symmetric.q_std) << r.gamma;
    EXPECT_GT(r.inventory.profit_mean, 0) << r.gamma;  // market making earns the spread on average
  }
}

}  // namespace
}  // namespace dmabot::tools
