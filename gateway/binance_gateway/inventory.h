// gateway/binance_gateway/inventory.h — how a spot balance becomes the engine's inventory of a symbol,
// in one place for both readers of the account: start-up and reconciliation (tools/binance_reconcile.h,
// GET /api/v3/account) and the gateway's user-data position events (outboundAccountPosition).
//
// The inventory of a spot symbol is its base asset's free + locked balance less the part of the wallet
// that counts as flat (BINANCE_SPOT_NEUTRAL_BALANCE, "ASSET:AMOUNT,..."; an unlisted asset: 0). Each
// base asset belongs to one traded symbol at most (tools/binance_venue.h refuses a configuration where
// two traded symbols share a base asset, or where one's base asset is another's quote asset: the
// wallet could not tell their inventories apart).
//
// Pure functions: any thread, no allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace dmabot::binance_gateway {

using NeutralBalances = std::span<const std::pair<std::string, int64_t>>;

// free + locked of `asset` (raw 1e-8) less its neutral amount.
[[nodiscard]] inline int64_t spot_inventory_raw(std::string_view asset, int64_t free_raw, int64_t locked_raw,
                                                NeutralBalances neutral) {
  int64_t qty = free_raw + locked_raw;
  for (const auto& [a, raw] : neutral) {
    if (a == asset) qty -= raw;
  }
  return qty;
}

}  // namespace dmabot::binance_gateway
