// tools/binance_sim/sim_setup.h — turns `dmabot binance-sim`'s exchange flags (sim_options.h
// ExchangeOptions) into a ready Exchange, key registry and market: each symbol on both products with
// realistic trading rules, the well-known default account plus the --account ones, balances, leverage,
// position mode, and the market source (random walk or capture).
//
// Default trading rules (from Binance's exchangeInfo, as in tests/data/binance/exchange_info_*.json):
//   spot   BTCUSDT tick 0.01, step/minQty 0.00001, maxQty 9000, NOTIONAL 5..9000000
//          ETHUSDT tick 0.01, step/minQty 0.0001, maxQty 9000, NOTIONAL 5
//          others  tick 0.01, step/minQty 0.001, maxQty 9000000, NOTIONAL 5
//   USD-M  BTCUSDT tick 0.10, step/minQty 0.001, maxQty 1000, MIN_NOTIONAL 100, precision 2/3
//          ETHUSDT tick 0.01, step/minQty 0.001, maxQty 10000, MIN_NOTIONAL 20, precision 2/3
//          others  tick 0.01, step/minQty 0.001, maxQty 1000000, MIN_NOTIONAL 5
// Balances: --balance applies to every account's spot balances and its USD-M wallet (the USDT amount);
// without --balance: USDT=10000, BTC=1, ETH=10 (spot) and 10000 USDT (USD-M).
//
// Threads: set-up on the main thread before serving. Allocation: free. Errors: absl::Status naming the
// flag / symbol / key that is wrong (never a secret).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gateway/binance/instruments.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/market_driver.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/sim_options.h"

namespace dmabot::binance_sim {

// The symbol's InstrumentSpec on that product; error when no base/quote split is known.
[[nodiscard]] absl::Status default_instrument(Product p, std::string_view symbol, binance::InstrumentSpec& out);
// The random walk a symbol gets (start mid, tick, sizes) from its spec and the seed.
[[nodiscard]] RandomWalkConfig default_walk(const binance::InstrumentSpec& spec, uint64_t seed);

// Symbols on both products, accounts (default first), keys. `keys` receives every account's key.
[[nodiscard]] absl::Status setup_exchange(const ExchangeOptions& opt, Exchange& ex, KeyRegistry& keys);
// Walks for every symbol, or the capture for the product its file name says (a name containing
// "usdm", "futures" or "fapi" is USD-M, else spot) and walks for the other product.
[[nodiscard]] absl::Status setup_market(const ExchangeOptions& opt, const Exchange& ex, MarketDriver& driver,
                                        UnixNanos now);

}  // namespace dmabot::binance_sim
