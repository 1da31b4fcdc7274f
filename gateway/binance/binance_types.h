// gateway/binance/binance_types.h — the Binance protocol's enumerations, shared by the protocol core
// (signing, instruments, messages), the live gateways and binance-sim.
//
// Each enum maps one-to-one onto the wire names of Binance's docs (enums.md of binance-spot-api-docs
// and the USD-M futures "Common Definition" page). `wire_name()` gives the exact string; `parse_*`
// reads one and answers false for anything else (case-sensitive, as Binance is), so a decoder can
// count an unknown value instead of guessing.
//
// Threads: every function is pure; any thread may call it.
// Allocation: none.
#pragma once

#include <cstdint>
#include <string_view>

namespace dmabot::binance {

// Which Binance product a message belongs to. The two differ in field names, filters and error codes.
enum class Product : uint8_t { kSpot = 0, kUsdmFutures = 1 };

// exchangeInfo `status`. Spot: TRADING, END_OF_DAY, HALT, BREAK, CANCEL_ONLY (no new orders, cancels
// allowed). USD-M: TRADING, PENDING_TRADING, PRE_DELIVERING, DELIVERING, DELIVERED, PRE_SETTLE,
// SETTLING, CLOSE.
enum class SymbolStatus : uint8_t {
  kTrading,
  kEndOfDay,
  kHalt,
  kBreak,
  kCancelOnly,
  kPendingTrading,
  kPreDelivering,
  kDelivering,
  kDelivered,
  kPreSettle,
  kSettling,
  kClose,
};

// USD-M `contractType`; spot symbols have kNone.
enum class ContractType : uint8_t {
  kNone,
  kPerpetual,
  kCurrentMonth,
  kNextMonth,
  kCurrentQuarter,
  kNextQuarter,
  kPerpetualDelivering,
  kTradifiPerpetual,
};

enum class OrderSide : uint8_t { kBuy, kSell };

// Order types dmabot places or may meet on an account. Conditional USD-M types moved to the algo
// order endpoint in 2025 and are read (an adopted order may have one), never placed.
enum class OrderType : uint8_t {
  kLimit,
  kMarket,
  kLimitMaker,       // spot post-only
  kStopLoss,         // spot
  kStopLossLimit,    // spot
  kTakeProfit,       // spot and futures
  kTakeProfitLimit,  // spot
  kStop,             // futures
  kStopMarket,       // futures
  kTakeProfitMarket, // futures
  kTrailingStopMarket,
};

// GTX is USD-M post-only ("Good Till Crossing"); GTD exists on USD-M only.
enum class TimeInForce : uint8_t { kGtc, kIoc, kFok, kGtx, kGtd };

enum class OrderStatus : uint8_t {
  kNew,
  kPendingNew,
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kPendingCancel,
  kRejected,
  kExpired,
  kExpiredInMatch,
};

// `executionReport.x` (spot) and `ORDER_TRADE_UPDATE.o.x` (futures: NEW, CANCELED, CALCULATED,
// EXPIRED, TRADE, AMENDMENT).
enum class ExecutionType : uint8_t {
  kNew,
  kCanceled,
  kReplaced,
  kRejected,
  kTrade,
  kExpired,
  kTradePrevention,
  kAmendment,
  kCalculated,  // futures: liquidation / ADL
};

enum class OrderRespType : uint8_t { kAck, kResult, kFull };

// USD-M position side: BOTH in one-way mode, LONG/SHORT in hedge mode.
enum class PositionSide : uint8_t { kBoth, kLong, kShort };

[[nodiscard]] std::string_view wire_name(Product v);
[[nodiscard]] std::string_view wire_name(SymbolStatus v);
[[nodiscard]] std::string_view wire_name(ContractType v);
[[nodiscard]] std::string_view wire_name(OrderSide v);
[[nodiscard]] std::string_view wire_name(OrderType v);
[[nodiscard]] std::string_view wire_name(TimeInForce v);
[[nodiscard]] std::string_view wire_name(OrderStatus v);
[[nodiscard]] std::string_view wire_name(ExecutionType v);
[[nodiscard]] std::string_view wire_name(OrderRespType v);
[[nodiscard]] std::string_view wire_name(PositionSide v);

[[nodiscard]] bool parse_symbol_status(std::string_view s, SymbolStatus& out);
[[nodiscard]] bool parse_contract_type(std::string_view s, ContractType& out);
[[nodiscard]] bool parse_order_side(std::string_view s, OrderSide& out);
[[nodiscard]] bool parse_order_type(std::string_view s, OrderType& out);
[[nodiscard]] bool parse_time_in_force(std::string_view s, TimeInForce& out);
[[nodiscard]] bool parse_order_status(std::string_view s, OrderStatus& out);
[[nodiscard]] bool parse_execution_type(std::string_view s, ExecutionType& out);
[[nodiscard]] bool parse_order_resp_type(std::string_view s, OrderRespType& out);
[[nodiscard]] bool parse_position_side(std::string_view s, PositionSide& out);

// True for statuses after which an order can change no more (FILLED, CANCELED, REJECTED, EXPIRED,
// EXPIRED_IN_MATCH).
[[nodiscard]] constexpr bool is_final(OrderStatus s) {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired || s == OrderStatus::kExpiredInMatch;
}

}  // namespace dmabot::binance
