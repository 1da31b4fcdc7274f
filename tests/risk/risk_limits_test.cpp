// RiskLimits::from_config: defaults, parsing, and one-line errors naming the key.
#include "risk/risk_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace dmabot::risk {
namespace {

absl::StatusOr<RiskLimits> load(const std::string& text) {
  auto cfg = core::Config::parse(text, ".env.test", {}, &core::Config::no_env);
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  return RiskLimits::from_config(*cfg);
}

TEST(RiskLimits, ReadsEveryKey) {
  auto l = load(
      "PX_MIN=0.5\nPX_MAX=200000\nPX_BAND_PCT=2.5\nMAX_NOTIONAL=1000.25\nMAX_SYMBOL_NOTIONAL=5000\n"
      "MAX_QPS=7\nMAX_QPM=300\nMAX_INVENTORY=2500\nMAX_DRAWDOWN=150\nMAX_DAILY_LOSS=75.5\nMAX_WORKING_ORDERS=128\n");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->px_min.raw, 50'000'000);
  EXPECT_EQ(l->px_max.raw, 200'000 * core::kScale);
  EXPECT_EQ(l->px_band_pct_raw, 250'000'000);
  EXPECT_EQ(l->max_notional_raw, 100'025'000'000);
  EXPECT_EQ(l->max_symbol_notional_raw, 5000 * core::kScale);
  EXPECT_EQ(l->max_qps, 7u);
  EXPECT_EQ(l->max_qpm, 300u);
  EXPECT_EQ(l->max_inventory_raw, 2500 * core::kScale);
  EXPECT_EQ(l->max_drawdown_raw, 150 * core::kScale);
  EXPECT_EQ(l->max_daily_loss_raw, 7'550'000'000);
  EXPECT_EQ(l->max_working_orders, 128u);
}

TEST(RiskLimits, DefaultsWhenAbsent) {
  auto l = load("");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->px_min.raw, 1);
  EXPECT_EQ(l->max_drawdown_raw, 0);    // off
  EXPECT_EQ(l->max_daily_loss_raw, 0);  // off
  EXPECT_EQ(l->max_qps, 50u);
}

TEST(RiskLimits, PxMinNotBelowPxMaxNamesTheKey) {
  auto l = load("PX_MIN=100\nPX_MAX=100\n");
  ASSERT_FALSE(l.ok());
  const std::string msg(l.status().message());
  EXPECT_NE(msg.find("PX_MIN"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".env.test:1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("PX_MAX"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(RiskLimits, MalformedNumberNamesTheKey) {
  auto l = load("PX_MIN=1\nMAX_NOTIONAL=12x\n");
  ASSERT_FALSE(l.ok());
  const std::string msg(l.status().message());
  EXPECT_NE(msg.find("MAX_NOTIONAL='12x'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".env.test:2"), std::string::npos) << msg;
}

TEST(RiskLimits, OutOfRangeNamesTheKey) {
  auto l = load("MAX_QPS=0\n");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(std::string(l.status().message()).find("MAX_QPS"), std::string::npos);
  auto band = load("PX_BAND_PCT=-1\n");
  ASSERT_FALSE(band.ok());
  EXPECT_NE(std::string(band.status().message()).find("PX_BAND_PCT"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::risk
