// tools/binance_sim/exchange_types.h — the vocabulary of binance-sim's exchange: symbols, requests,
// order/trade/position snapshots, Binance-shaped errors and the events the exchange emits.
//
// Everything here is plain data. Prices, quantities and money are exact fixed point (core::Price /
// core::Qty, raw units of 1e-8; money as int64 raw units of 1e-8 of the asset); ids are int64; no
// double anywhere near a balance. Times are Unix nanoseconds (the HTTP layer turns them into the
// milliseconds Binance prints).
//
// Threads: the exchange is single-threaded (the sim's io thread); these types carry no locks.
// Allocation: the std::string members (symbol names, client order ids, error messages) allocate —
// binance-sim is a test venue, not the engine's hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "gateway/binance/binance_types.h"

namespace dmabot::binance_sim {

using binance::OrderRespType;
using binance::OrderSide;
using binance::OrderStatus;
using binance::OrderType;
using binance::PositionSide;
using binance::Product;
using binance::SymbolStatus;
using binance::TimeInForce;
using core::Price;
using core::Qty;
using core::UnixNanos;

inline constexpr UnixNanos kNsPerMs = 1'000'000;
inline constexpr UnixNanos kNsPerSec = 1'000'000'000;

// Self-trade prevention (enums.md "STP Modes"). The exchange implements NONE and the three EXPIRE_*
// modes; DECREMENT and TRANSFER are refused (-1020).
enum class StpMode : uint8_t { kNone, kExpireTaker, kExpireMaker, kExpireBoth, kDecrement, kTransfer };
[[nodiscard]] std::string_view wire_name(StpMode m);
[[nodiscard]] bool parse_stp_mode(std::string_view s, StpMode& out);

// A Binance error answer: {"code":code,"msg":msg} with HTTP status http_status. code == 0 is success.
struct ExchangeError {
  int code = 0;
  int http_status = 200;
  std::string msg;

  [[nodiscard]] bool ok() const { return code == 0; }
  static ExchangeError make(int code, std::string msg, int http_status = 400) {
    return ExchangeError{code, http_status, std::move(msg)};
  }
};

// A symbol's trading rules in a few fields, for configuration and tests; to_instrument() (exchange.h)
// turns it into the binance::InstrumentSpec the exchange keeps (exchangeInfo filters PRICE_FILTER,
// LOT_SIZE, NOTIONAL (spot) / MIN_NOTIONAL (USD-M), MAX_NUM_ORDERS; order types LIMIT, LIMIT_MAKER
// (spot), MARKET; USD-M timeInForce GTC, IOC, FOK, GTX).
struct SymbolConfig {
  Product product = Product::kSpot;
  std::string name;         // "BTCUSDT"
  std::string base_asset;   // "BTC"
  std::string quote_asset;  // "USDT" (futures: the margin asset)
  SymbolStatus status = SymbolStatus::kTrading;
  Price tick_size = Price::from_raw(1'000'000);  // 0.01
  Qty step_size = Qty::from_raw(1'000);          // 0.00001
  Qty min_qty = Qty::from_raw(1'000);
  Qty max_qty = Qty::from_units(9000);
  int64_t min_notional_raw = 5 * core::kScale;  // 5 USDT (spot NOTIONAL.minNotional / futures MIN_NOTIONAL.notional)
  int64_t max_notional_raw = 9'000'000 * core::kScale;  // spot NOTIONAL.maxNotional
  int max_num_orders = 200;                     // MAX_NUM_ORDERS per account and symbol
  int price_precision = -1;                     // USD-M pricePrecision; -1 = the tick size's decimals
  int quantity_precision = -1;                  // USD-M quantityPrecision; -1 = the step size's decimals
};

// A new-order request as the REST/WS layer decoded it. Optional fields keep Binance's "absent" apart
// from a zero value.
struct NewOrderRequest {
  std::string symbol;
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  std::optional<TimeInForce> time_in_force;
  std::optional<Qty> quantity;
  std::optional<Qty> quote_order_qty;  // spot MARKET: spend (buy) or receive (sell) this much quote
  std::optional<Price> price;
  std::optional<std::string> new_client_order_id;
  std::optional<OrderRespType> new_order_resp_type;
  bool reduce_only = false;                   // futures
  std::optional<PositionSide> position_side;  // futures; BOTH when absent
  std::optional<StpMode> self_trade_prevention_mode;  // the symbol's default when absent
};

// Which order a query/cancel names: orderId first (Binance's rule), else origClientOrderId.
struct OrderRef {
  std::optional<int64_t> order_id;
  std::optional<std::string> orig_client_order_id;
};

// One order as Binance would print it (REST answers and user-data events build from this).
struct OrderSnapshot {
  Product product = Product::kSpot;
  std::string symbol;
  int64_t order_id = 0;
  std::string client_order_id;
  std::string orig_client_order_id;  // set when a cancel gave the order a new client id (spot)
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  OrderStatus status = OrderStatus::kNew;
  Price price;  // 0 for MARKET
  Qty orig_qty;         // quoteOrderQty orders: the quantity the quote amount buys / sells
  Qty quote_order_qty;  // spot MARKET quoteOrderQty (0 = not used)
  Qty executed_qty;
  int64_t cum_quote_raw = 0;  // cummulativeQuoteQty / cumQuote
  Price avg_price;            // futures avgPrice (cum_quote / executed, truncated to 1e-8)
  bool reduce_only = false;
  PositionSide position_side = PositionSide::kBoth;
  OrderRespType resp_type = OrderRespType::kFull;
  StpMode stp_mode = StpMode::kNone;
  Qty prevented_qty;               // expired by self-trade prevention (preventedQuantity)
  int64_t prevented_match_id = 0;  // the last prevented match (0 = none)
  UnixNanos time = 0;  // placement ("time", "transactTime" of the new order)
  UnixNanos update_time = 0;
  UnixNanos working_time = 0;  // when it started working (spot workingTime)
};

// One execution, from one side's point of view (myTrades / userTrades rows, FULL "fills").
struct TradeRecord {
  Product product = Product::kSpot;
  std::string symbol;
  int64_t trade_id = 0;
  int64_t order_id = 0;
  std::string client_order_id;
  OrderSide side = OrderSide::kBuy;
  Price price;
  Qty qty;
  int64_t quote_qty_raw = 0;
  int64_t commission_raw = 0;
  std::string commission_asset;
  int64_t realized_pnl_raw = 0;  // futures
  PositionSide position_side = PositionSide::kBoth;
  bool is_maker = false;
  UnixNanos time = 0;
};

// A futures position (positionRisk row).
struct PositionSnapshot {
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Qty amount;                    // signed: > 0 long, < 0 short (BOTH); LONG >= 0, SHORT <= 0
  Price entry_price;             // cost / |amount|, truncated to 1e-8; 0 when flat
  int64_t cost_raw = 0;          // quote notional of the open amount at entry (exact)
  int64_t realized_pnl_raw = 0;  // cumulative, from closing fills
  int64_t unrealized_pnl_raw = 0;
  Price mark_price;
  int leverage = 20;
  UnixNanos update_time = 0;
};

// What new_order() answers: either an error, or the order (status after the immediate matching)
// and the fills it made on the way in.
struct OrderResult {
  ExchangeError error;
  OrderSnapshot order;
  std::vector<TradeRecord> fills;
  [[nodiscard]] bool ok() const { return error.ok(); }
};

// ---- events out: every state change, in the order it happened ----

// kTradePrevention: expired by self-trade prevention (status EXPIRED_IN_MATCH).
enum class ExecType : uint8_t { kNew, kCanceled, kReplaced, kRejected, kTrade, kExpired, kTradePrevention };
[[nodiscard]] std::string_view to_string(ExecType e);

// An order changed (executionReport / ORDER_TRADE_UPDATE). For kTrade, `fill` is the execution.
struct OrderEvent {
  std::string api_key;
  ExecType exec_type = ExecType::kNew;
  OrderSnapshot order;
  std::optional<TradeRecord> fill;
  std::string reject_reason;  // kRejected: the error message
  UnixNanos ts = 0;
};

// A request the exchange refused (nothing changed). The ledger's order_rejected line.
struct RejectEvent {
  std::string api_key;
  Product product = Product::kSpot;
  std::string request;  // "order.new", "order.cancel", "order.cancelReplace", ...
  std::string symbol;
  std::optional<OrderSide> side;
  std::string client_order_id;
  int64_t order_id = 0;
  ExchangeError error;
  UnixNanos ts = 0;
};

// Spot: free/locked of an asset changed (outboundAccountPosition). Futures: the USDT wallet changed
// (ACCOUNT_UPDATE B[]); reason as Binance's "m" (ORDER, FUNDING_FEE, ...).
struct BalanceEvent {
  std::string api_key;
  Product product = Product::kSpot;
  std::string asset;
  int64_t free_raw = 0;    // spot free; futures wallet balance
  int64_t locked_raw = 0;  // spot locked; futures: 0
  int64_t change_raw =
      0;  // futures "bc": the change except PnL and commission (0 for ORDER; the amount for FUNDING_FEE)
  std::string reason;      // futures "m"
  UnixNanos ts = 0;
};

// A futures position changed (ACCOUNT_UPDATE P[]).
struct PositionEvent {
  std::string api_key;
  PositionSnapshot position;
  std::string reason;  // "ORDER", "FUNDING_FEE"
  UnixNanos ts = 0;
};

// A funding settlement for one position: amount_raw > 0 received, < 0 paid.
struct FundingEvent {
  std::string api_key;
  std::string symbol;
  PositionSide position_side = PositionSide::kBoth;
  Qty position_amount;
  Price mark_price;
  int64_t funding_rate_raw = 0;  // rate * 1e8
  int64_t amount_raw = 0;
  UnixNanos ts = 0;
};

// The exchange's mark price for a futures symbol (markPrice@1s: p, i, r, T).
struct MarkPriceEvent {
  std::string symbol;
  Price mark;
  Price index;
  int64_t funding_rate_raw = 0;
  UnixNanos next_funding_time = 0;
  UnixNanos ts = 0;
};

// Receives every event, on the exchange's thread, synchronously, in order. Implementations must not
// call back into the exchange from inside a callback.
class ExchangeListener {
 public:
  virtual ~ExchangeListener() = default;
  virtual void on_order(const OrderEvent&) {}
  virtual void on_reject(const RejectEvent&) {}
  virtual void on_balance(const BalanceEvent&) {}
  virtual void on_position(const PositionEvent&) {}
  virtual void on_funding(const FundingEvent&) {}
  virtual void on_mark_price(const MarkPriceEvent&) {}
};

}  // namespace dmabot::binance_sim
