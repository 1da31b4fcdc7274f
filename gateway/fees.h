// gateway/fees.h — which Binance market the simulated venues imitate, and the fees that follow.
//
// MARKET_TYPE (spot | usdm, default spot) picks the default maker/taker fees of the mock venues
// (MOCK_*_FEE_BPS) and of the simulated exchange (SIM_*_FEE_BPS): Binance's base tier (VIP 0, no
// BNB discount) — spot maker 0.1% / taker 0.1%, USD-M futures maker 0.02% / taker 0.05%. The fee
// keys still override it. The simulators do not infer the market from the data: a backtest of a
// USD-M capture should set MARKET_TYPE=usdm (docs/CONFIG.md).
//
// Threads: start-up only. Allocation: none (errors: the Status message).
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/config.h"

namespace dmabot::gateway {

enum class MarketType : uint8_t { kSpot, kUsdm };

struct FeeSchedule {
  double maker_bps = 0.0;
  double taker_bps = 0.0;
};

[[nodiscard]] constexpr FeeSchedule binance_base_fees(MarketType m) noexcept {
  return m == MarketType::kSpot ? FeeSchedule{10.0, 10.0} : FeeSchedule{2.0, 5.0};
}

[[nodiscard]] constexpr std::string_view to_string(MarketType m) noexcept {
  return m == MarketType::kSpot ? "spot" : "usdm";
}

// Reads MARKET_TYPE (default spot); an unknown value is an error naming the key.
inline absl::StatusOr<MarketType> market_type_from_config(core::Config& cfg) {
  auto v = cfg.get_choice("MARKET_TYPE", "spot", {"spot", "usdm"});
  if (!v.ok()) return v.status();
  return *v == "usdm" ? MarketType::kUsdm : MarketType::kSpot;
}

}  // namespace dmabot::gateway
