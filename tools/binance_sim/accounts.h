// tools/binance_sim/accounts.h — binance-sim's accounts: API key and how its requests are signed, the
// spot wallet (free / locked per asset), the USD-M futures wallet (USDT), leverage and position mode
// per account, positions, and commission rates.
//
// Money is int64 raw units of 1e-8 of its asset; rates are raw fractions of 1e-8 (0.1% = 100000).
// Position maths is exact: a position keeps the quote cost of its open amount (`cost_raw`), so the
// entry price is cost / |amount| and closing q of it releases cost * q / |amount| (exact whenever
// that divides; otherwise truncated toward zero, the remainder staying in the cost of what is left,
// so nothing is ever lost or created over a position's life).
//
// Threads: one owner (the exchange's io thread). Allocation: map nodes per new asset / position.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/binance_sim/exchange_types.h"

namespace dmabot::binance_sim {

enum class KeyType : uint8_t { kHmac, kEd25519 };

// Binance's base tier (VIP 0, no BNB discount), as gateway/fees.h: spot 0.1%/0.1%, USD-M 0.02%/0.05%.
inline constexpr int64_t kSpotMakerRateRaw = 100'000;
inline constexpr int64_t kSpotTakerRateRaw = 100'000;
inline constexpr int64_t kFuturesMakerRateRaw = 20'000;
inline constexpr int64_t kFuturesTakerRateRaw = 50'000;

struct AccountConfig {
  std::string api_key;
  KeyType key_type = KeyType::kHmac;
  std::string hmac_secret;                                     // kHmac (never printed, logged or written to the ledger)
  std::string ed25519_pem_path;                                // kEd25519: the public key PEM file
  std::vector<std::pair<std::string, int64_t>> spot_balances;  // asset → raw amount
  int64_t futures_wallet_raw = 0;                              // USDT
  int default_leverage = 20;
  bool hedge_mode = false;  // dualSidePosition
  int64_t spot_maker_rate_raw = kSpotMakerRateRaw;
  int64_t spot_taker_rate_raw = kSpotTakerRateRaw;
  int64_t futures_maker_rate_raw = kFuturesMakerRateRaw;
  int64_t futures_taker_rate_raw = kFuturesTakerRateRaw;
};

struct AssetBalance {
  int64_t free = 0;
  int64_t locked = 0;
};

struct Position {
  int64_t amount_raw = 0;  // signed qty (1e-8)
  int64_t cost_raw = 0;    // quote notional of |amount| at entry (>= 0)
  int64_t realized_raw = 0;
  core::UnixNanos update_time = 0;

  // Entry price, truncated to 1e-8; 0 when flat.
  [[nodiscard]] Price entry_price() const;
  // Unrealized PnL at `mark` (long: value - cost; short: cost - value).
  [[nodiscard]] int64_t unrealized(Price mark) const;
  // Applies a fill of signed quantity `signed_qty_raw` at `px`; returns the PnL realized by the part
  // that closed (0 when it only added). A fill larger than an opposite position closes it and opens
  // the rest the other way at `px`.
  int64_t apply_fill(int64_t signed_qty_raw, Price px);
};

struct Account {
  AccountConfig config;
  std::map<std::string, AssetBalance> spot;  // ordered: stable output
  int64_t futures_wallet_raw = 0;
  std::map<std::string, int> leverage;  // per futures symbol; default_leverage when absent
  bool hedge_mode = false;
  std::map<std::pair<std::string, PositionSide>, Position> positions;

  [[nodiscard]] int leverage_for(const std::string& symbol) const {
    auto it = leverage.find(symbol);
    return it == leverage.end() ? config.default_leverage : it->second;
  }
  [[nodiscard]] AssetBalance balance(const std::string& asset) const {
    auto it = spot.find(asset);
    return it == spot.end() ? AssetBalance{} : it->second;
  }
};

// `--account KEY:hmac:SECRET` or `--account KEY:ed25519:PUBKEY.pem` (the secret may contain ':').
// Errors name the key and what is wrong, never the secret. Balances and leverage stay at defaults.
[[nodiscard]] absl::StatusOr<AccountConfig> parse_account_spec(std::string_view spec);
// `--balance USDT=10000,BTC=1.5`: exact decimals (at most 8 places), non-negative, each asset once.
[[nodiscard]] absl::Status parse_balances(std::string_view spec, std::vector<std::pair<std::string, int64_t>>& out);

// a * b / c with a 128-bit intermediate, truncated toward zero (c != 0).
[[nodiscard]] int64_t mul_div(int64_t a, int64_t b, int64_t c);
// Fee on `amount_raw` at `rate_raw` (fraction * 1e8), truncated toward zero.
[[nodiscard]] inline int64_t fee_of(int64_t amount_raw, int64_t rate_raw) {
  return mul_div(amount_raw, rate_raw, core::kScale);
}

}  // namespace dmabot::binance_sim
