// tools/binance_sim/exchange_wire.h — the exchange's snapshots and events as the protocol core's value
// types: responses (gateway/binance/order_messages.h, encoded by response_encoders.h: orders, fills,
// account trades, positions, spot and USD-M accounts, leverage) and user-data events
// (gateway/binance/user_data.h: executionReport, ORDER_TRADE_UPDATE, balances, positions).
//
// Every field the exchange knows is filled; the ones it does not model keep Binance's neutral value
// (liquidation price 0, margin type "cross", isolated margin 0, breakeven = entry). For a spot ACK
// answer the caller sets has_details = false (the encoder then prints the ids only).
//
// Threads: pure functions. Allocation: the vectors returned by the account helpers.
#pragma once

#include <vector>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/user_data.h"
#include "tools/binance_sim/exchange.h"

namespace dmabot::binance_sim {

[[nodiscard]] binance::OrderResult to_wire(const OrderSnapshot& o);
[[nodiscard]] binance::Fill to_wire_fill(const TradeRecord& t);
[[nodiscard]] binance::AccountTrade to_wire(const TradeRecord& t);
[[nodiscard]] binance::FuturesPositionInfo to_wire(const PositionSnapshot& p, std::string_view margin_asset = "USDT");
[[nodiscard]] binance::LeverageResult to_wire(const LeverageResult& r);

// GET /api/v3/account: commissions from the account's spot rates (basis points and fractions),
// balances in asset order.
void spot_account_to_wire(const Account& a, UnixNanos now, binance::SpotAccount& out,
                          std::vector<binance::SpotAssetBalance>& balances);
// GET /fapi/v2|v3/account and /balance: the USDT asset and the totals (cross margin: cross wallet =
// wallet; maintenance margin not modelled, 0).
void futures_account_to_wire(const FuturesAccountView& v, UnixNanos now, binance::FuturesAccount& out,
                             std::vector<binance::FuturesAssetBalance>& assets);

// ---- user-data events (user_data.h encoders) ----
// Spot executionReport of an order event; execution_id is the report's "I" (the caller numbers its
// reports, one counter per sim).
[[nodiscard]] binance::ExecutionReport to_execution_report(const OrderEvent& e, int64_t execution_id);
// USD-M ORDER_TRADE_UPDATE of an order event (a spot TRADE_PREVENTION is EXPIRED on USD-M).
[[nodiscard]] binance::OrderTradeUpdate to_order_trade_update(const OrderEvent& e);
// One outboundAccountPosition entry / one ACCOUNT_UPDATE balance, from a BalanceEvent.
[[nodiscard]] binance::SpotBalance to_spot_balance(const BalanceEvent& e);
[[nodiscard]] binance::FuturesBalance to_futures_balance(const BalanceEvent& e);
// One ACCOUNT_UPDATE position.
[[nodiscard]] binance::FuturesPosition to_futures_position(const PositionSnapshot& p);

}  // namespace dmabot::binance_sim
