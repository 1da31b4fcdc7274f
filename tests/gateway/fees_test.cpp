// Default fees of the simulated venues: Binance's base tier (VIP 0, no BNB discount) for the market
// they imitate — spot maker 0.1% / taker 0.1%, USD-M futures maker 0.02% / taker 0.05% — figures
// from Binance's published fee schedule, not from this code.
#include "gateway/fees.h"

#include <gtest/gtest.h>

#include <string>

#include "core/config.h"
#include "gateway/mock_gateway.h"
#include "gateway/sim_exchange.h"

namespace dmabot::gateway {
namespace {

absl::StatusOr<SimExchangeParams> sim_from(const std::string& text) {
  auto cfg = core::Config::parse(text, "test.env", {}, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return SimExchangeParams::from_config(*cfg);
}

TEST(Fees, BinanceBaseTiers) {
  EXPECT_DOUBLE_EQ(binance_base_fees(MarketType::kSpot).maker_bps, 10.0);  // 0.1%
  EXPECT_DOUBLE_EQ(binance_base_fees(MarketType::kSpot).taker_bps, 10.0);  // 0.1%
  EXPECT_DOUBLE_EQ(binance_base_fees(MarketType::kUsdm).maker_bps, 2.0);   // 0.02%
  EXPECT_DOUBLE_EQ(binance_base_fees(MarketType::kUsdm).taker_bps, 5.0);   // 0.05%
}

TEST(Fees, SimExchangeDefaultsFollowMarketType) {
  auto p = sim_from("");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->market, MarketType::kSpot);
  EXPECT_DOUBLE_EQ(p->maker_fee_bps, 10.0);
  EXPECT_DOUBLE_EQ(p->taker_fee_bps, 10.0);
  p = sim_from("MARKET_TYPE=usdm\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->market, MarketType::kUsdm);
  EXPECT_DOUBLE_EQ(p->maker_fee_bps, 2.0);
  EXPECT_DOUBLE_EQ(p->taker_fee_bps, 5.0);
  p = sim_from("MARKET_TYPE=usdm\nSIM_TAKER_FEE_BPS=4.5\n");  // an explicit key wins
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_DOUBLE_EQ(p->maker_fee_bps, 2.0);
  EXPECT_DOUBLE_EQ(p->taker_fee_bps, 4.5);
}

TEST(Fees, AutoIsTheMarketsTierAndAnythingElseIsANumber) {
  auto p = sim_from("MARKET_TYPE=usdm\nSIM_MAKER_FEE_BPS=auto\nSIM_TAKER_FEE_BPS=auto\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_DOUBLE_EQ(p->maker_fee_bps, 2.0);
  EXPECT_DOUBLE_EQ(p->taker_fee_bps, 5.0);
  p = sim_from("SIM_MAKER_FEE_BPS=cheap\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("SIM_MAKER_FEE_BPS='cheap' (test.env:1)"), std::string::npos);
  p = sim_from("SIM_TAKER_FEE_BPS=101\n");
  ASSERT_FALSE(p.ok());
  auto cfg = core::Config::parse("MARKET_TYPE=usdm\nMOCK_VENUES=a,b\nMOCK_MAKER_FEE_BPS=auto,1\n", "test.env", {},
                                 &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  auto v = mock_venues_from_config(*cfg);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_DOUBLE_EQ((*v)[0].second.maker_fee_bps, 2.0);
  EXPECT_DOUBLE_EQ((*v)[1].second.maker_fee_bps, 1.0);
  EXPECT_DOUBLE_EQ((*v)[1].second.taker_fee_bps, 5.0);
}

TEST(Fees, StructDefaultsAreTheSpotTier) {
  // Code that builds the params without a config (tests, tools) gets the same truth.
  EXPECT_DOUBLE_EQ(SimExchangeParams{}.maker_fee_bps, 10.0);
  EXPECT_DOUBLE_EQ(SimExchangeParams{}.taker_fee_bps, 10.0);
  EXPECT_DOUBLE_EQ(MockGatewayParams{}.maker_fee_bps, 10.0);
  EXPECT_DOUBLE_EQ(MockGatewayParams{}.taker_fee_bps, 10.0);
}

TEST(Fees, UnknownMarketTypeNamesTheKey) {
  auto p = sim_from("MARKET_TYPE=spot,usdm\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("MARKET_TYPE='spot,usdm' (test.env:1): must be one of: spot, usdm"),
            std::string::npos)
      << p.status();
}

}  // namespace
}  // namespace dmabot::gateway
