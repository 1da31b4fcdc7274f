// risk/risk_limits.h — the pre-trade limits RiskChecker enforces, read from configuration.
//
// Keys (decimal values are exact fixed point; "quote" = quote currency, e.g. USDT):
//   PX_MIN              "0.00000001"  lowest accepted order price
//   PX_MAX              "10000000"    highest accepted order price (PX_MIN < PX_MAX)
//   PX_BAND_PCT         "5"           max |price - last mid| in percent of the mid; 0 = off
//   MAX_NOTIONAL        "10000"       max price * qty of one order (quote)
//   MAX_SYMBOL_NOTIONAL "50000"       max |position| * mark + working orders' notional, per symbol
//   MAX_QPS             50            accepted new/replace orders in any 1 s window
//   MAX_QPM             1200          accepted new/replace orders in any 60 s window
//   MAX_INVENTORY       "25000"       max |position| per symbol in quote, marked at the mid
//   MAX_DRAWDOWN        "0"           equity drop from its peak that engages the kill switch; 0 = off
//   MAX_DAILY_LOSS      "0"           equity drop since the start of the UTC day that engages it; 0 = off
//   MAX_WORKING_ORDERS  16384         capacity of the working-order table (orders beyond it are
//                                     rejected with kBadOrder rather than allocating)
//
// Threads: built on the start-up thread, then copied into the risk stage. Allocation: none.
// Errors: one line naming the key and where its value came from (Config::error).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/types.h"

namespace dmabot::risk {

struct RiskLimits {
  core::Price px_min = core::Price::from_raw(1);
  core::Price px_max = core::Price::from_units(10'000'000);
  int64_t px_band_pct_raw = 5 * core::kScale;        // percent * 1e8; 0 = off
  int64_t max_notional_raw = 10'000 * core::kScale;  // quote * 1e8
  int64_t max_symbol_notional_raw = 50'000 * core::kScale;
  uint32_t max_qps = 50;
  uint32_t max_qpm = 1200;
  int64_t max_inventory_raw = 25'000 * core::kScale;
  int64_t max_drawdown_raw = 0;    // 0 = off
  int64_t max_daily_loss_raw = 0;  // 0 = off
  uint32_t max_working_orders = 16384;

  static absl::StatusOr<RiskLimits> from_config(core::Config& cfg);
};

}  // namespace dmabot::risk
