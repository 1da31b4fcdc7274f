// Strategy registry: names, construction by name, config validation and error messages.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "core/config.h"
#include "strategy/registry.h"
#include "tests/strategy/test_util.h"

namespace dmabot::strategy {
namespace {

using namespace testutil;

core::Config config(std::string_view text) {
  absl::StatusOr<core::Config> c = core::Config::parse(text, "test.env", {}, &core::Config::no_env);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(Registry, NamesAreTheFiveStrategiesInVariantOrder) {
  const std::vector<std::string_view> want = {"dynmm", "mean_reversion", "ma_cross", "vol_breakout", "as"};
  EXPECT_EQ(strategy_names(), want);
}

TEST(Registry, MakesEachStrategyByName) {
  core::SymbolTable t = make_symbols();
  core::Config cfg = config("");
  const StrategyContext ctx{&t, 3};
  for (std::size_t i = 0; i < strategy_names().size(); ++i) {
    absl::StatusOr<AnyStrategy> s = make_strategy(strategy_names()[i], cfg, ctx);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->index(), i);
    EXPECT_EQ(strategy_name(*s), strategy_names()[i]);
    EXPECT_EQ(inventory(*s, 0), core::Qty{});
  }
}

TEST(Registry, UnknownNameIsAnErrorNamingIt) {
  core::SymbolTable t = make_symbols();
  core::Config cfg = config("");
  absl::StatusOr<AnyStrategy> s = make_strategy("market_maker", cfg, StrategyContext{&t, 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            "unknown strategy 'market_maker' (known: dynmm, mean_reversion, ma_cross, vol_breakout, as)");
}

TEST(Registry, RejectsMissingSymbolsAndReservedSlot) {
  core::SymbolTable t = make_symbols();
  core::Config cfg = config("");
  EXPECT_FALSE(make_strategy("dynmm", cfg, StrategyContext{nullptr, 1}).ok());
  EXPECT_FALSE(make_strategy("dynmm", cfg, StrategyContext{&t, 0}).ok());
}

TEST(Registry, ParamsComeFromConfig) {
  core::SymbolTable t = make_symbols();
  core::Config cfg = config("DYNMM_INV_CAP=0.25\nDYNMM_SIGMA_WINDOW=7\nDYNMM_FLOOR_BPS=3.5\n");
  absl::StatusOr<AnyStrategy> s = make_strategy("dynmm", cfg, StrategyContext{&t, 1});
  ASSERT_TRUE(s.ok()) << s.status();
  const DynMmParams& p = std::get<DynMm>(*s).params();
  EXPECT_EQ(p.inv_cap, qty("0.25"));
  EXPECT_EQ(p.sigma_window, 7);
  EXPECT_DOUBLE_EQ(p.floor_bps, 3.5);
  EXPECT_EQ(p.min_requote_ms, DynMmParams{}.min_requote_ms);  // default kept
}

TEST(Registry, BadValueErrorNamesTheKeyAndWhereItCameFrom) {
  core::Config cfg = config("DYNMM_A=1\nMR_WINDOW=abc\n");
  absl::Status st = read_all_strategy_params(cfg);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "MR_WINDOW='abc' (test.env:2): expected an integer");
}

TEST(Registry, OutOfRangeValueIsRejected) {
  core::Config cfg = config("VB_WINDOW=1\n");
  absl::Status st = read_all_strategy_params(cfg);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "VB_WINDOW='1' (test.env:1): must be between 2 and 100000");
  core::Config cfg2 = config("AS_ORDER_QTY=0\n");
  absl::Status st2 = read_all_strategy_params(cfg2);
  ASSERT_FALSE(st2.ok());
  EXPECT_NE(st2.message().find("AS_ORDER_QTY='0' (test.env:1): must be between"), std::string_view::npos)
      << st2.message();
}

TEST(Registry, CrossKeyChecksNameTheKey) {
  core::Config cfg = config("MR_ENTRY_Z=2\nMR_EXIT_Z=2\n");
  absl::Status st = read_all_strategy_params(cfg);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "MR_EXIT_Z='2' (test.env:2): must be below MR_ENTRY_Z (2)");
  core::Config cfg2 = config("MAC_FAST=50\nMAC_SLOW=50\n");
  absl::Status st2 = read_all_strategy_params(cfg2);
  ASSERT_FALSE(st2.ok());
  EXPECT_EQ(st2.message(), "MAC_FAST='50' (test.env:1): must be below MAC_SLOW (50)");
}

TEST(Registry, ReadAllMakesEveryStrategysKeysKnown) {
  // Keys of every strategy, although only one would be selected: none is "unknown".
  core::Config cfg = config(
      "DYNMM_A=2\nMR_WINDOW=20\nMAC_FAST=3\nVB_HOLD_MS=10\nAS_GAMMA=0.5\nAS_SIGMA=1\nMR_LONG_ONLY=yes\n");
  ASSERT_TRUE(read_all_strategy_params(cfg).ok());
  EXPECT_TRUE(cfg.check_unknown_keys().ok()) << cfg.check_unknown_keys();
  // A typo is still caught (by Config, because no strategy asked for it).
  core::Config typo = config("DYNMM_AA=2\n");
  ASSERT_TRUE(read_all_strategy_params(typo).ok());
  EXPECT_FALSE(typo.check_unknown_keys().ok());
}

}  // namespace
}  // namespace dmabot::strategy
