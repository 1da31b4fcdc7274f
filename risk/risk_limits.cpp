#include "risk/risk_limits.h"

#include <limits>

#include "core/strings.h"

namespace dmabot::risk {
namespace {

constexpr int64_t kMaxRaw = std::numeric_limits<int64_t>::max();
// Quote amounts up to 1e10 keep every product with a price/qty far inside __int128.
constexpr int64_t kMaxQuoteRaw = 10'000'000'000 * core::kScale;

}  // namespace

absl::StatusOr<RiskLimits> RiskLimits::from_config(core::Config& cfg) {
  RiskLimits l;
  auto px_min = cfg.get_decimal_raw("PX_MIN", "0.00000001", 1, kMaxRaw);
  if (!px_min.ok()) return px_min.status();
  auto px_max = cfg.get_decimal_raw("PX_MAX", "10000000", 1, kMaxRaw);
  if (!px_max.ok()) return px_max.status();
  if (*px_min >= *px_max) {
    return cfg.error("PX_MIN", core::str_cat("must be below PX_MAX (", core::decimal_to_string(*px_max), ", from ",
                                             cfg.origin("PX_MAX"), ")"));
  }
  l.px_min = core::Price::from_raw(*px_min);
  l.px_max = core::Price::from_raw(*px_max);

  auto band = cfg.get_decimal_raw("PX_BAND_PCT", "5", 0, 100 * core::kScale);
  if (!band.ok()) return band.status();
  l.px_band_pct_raw = *band;

  auto notional = cfg.get_decimal_raw("MAX_NOTIONAL", "10000", 1, kMaxQuoteRaw);
  if (!notional.ok()) return notional.status();
  l.max_notional_raw = *notional;
  auto sym_notional = cfg.get_decimal_raw("MAX_SYMBOL_NOTIONAL", "50000", 1, kMaxQuoteRaw);
  if (!sym_notional.ok()) return sym_notional.status();
  l.max_symbol_notional_raw = *sym_notional;

  auto qps = cfg.get_int("MAX_QPS", 50, 1, 100'000);
  if (!qps.ok()) return qps.status();
  l.max_qps = static_cast<uint32_t>(*qps);
  auto qpm = cfg.get_int("MAX_QPM", 1200, 1, 1'000'000);
  if (!qpm.ok()) return qpm.status();
  l.max_qpm = static_cast<uint32_t>(*qpm);

  auto inventory = cfg.get_decimal_raw("MAX_INVENTORY", "25000", 1, kMaxQuoteRaw);
  if (!inventory.ok()) return inventory.status();
  l.max_inventory_raw = *inventory;
  auto drawdown = cfg.get_decimal_raw("MAX_DRAWDOWN", "0", 0, kMaxQuoteRaw);
  if (!drawdown.ok()) return drawdown.status();
  l.max_drawdown_raw = *drawdown;
  auto daily = cfg.get_decimal_raw("MAX_DAILY_LOSS", "0", 0, kMaxQuoteRaw);
  if (!daily.ok()) return daily.status();
  l.max_daily_loss_raw = *daily;

  auto working = cfg.get_int("MAX_WORKING_ORDERS", 16384, 16, 1 << 20);
  if (!working.ok()) return working.status();
  l.max_working_orders = static_cast<uint32_t>(*working);
  return l;
}

}  // namespace dmabot::risk
