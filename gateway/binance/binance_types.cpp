#include "gateway/binance/binance_types.h"

#include <array>
#include <cstddef>

namespace dmabot::binance {
namespace {

// One table per enum, indexed by the enum's value; parse is a linear scan (cold and short).
template <typename E, std::size_t N>
struct NameTable {
  std::array<std::string_view, N> names;

  [[nodiscard]] constexpr std::string_view name(E v) const {
    const auto i = static_cast<std::size_t>(v);
    return i < N ? names[i] : std::string_view{"?"};
  }
  [[nodiscard]] bool parse(std::string_view s, E& out) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == s) {
        out = static_cast<E>(i);
        return true;
      }
    }
    return false;
  }
};

constexpr NameTable<Product, 2> kProducts{{"SPOT", "USDM_FUTURES"}};
constexpr NameTable<SymbolStatus, 12> kSymbolStatuses{
    {"TRADING", "END_OF_DAY", "HALT", "BREAK", "CANCEL_ONLY", "PENDING_TRADING", "PRE_DELIVERING",
     "DELIVERING", "DELIVERED", "PRE_SETTLE", "SETTLING", "CLOSE"}};
constexpr NameTable<ContractType, 8> kContractTypes{
    {"", "PERPETUAL", "CURRENT_MONTH", "NEXT_MONTH", "CURRENT_QUARTER", "NEXT_QUARTER",
     "PERPETUAL_DELIVERING", "TRADIFI_PERPETUAL"}};
constexpr NameTable<OrderSide, 2> kSides{{"BUY", "SELL"}};
constexpr NameTable<OrderType, 11> kOrderTypes{
    {"LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
     "TAKE_PROFIT_LIMIT", "STOP", "STOP_MARKET", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}};
constexpr NameTable<TimeInForce, 5> kTimeInForces{{"GTC", "IOC", "FOK", "GTX", "GTD"}};
constexpr NameTable<OrderStatus, 9> kOrderStatuses{
    {"NEW", "PENDING_NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "PENDING_CANCEL", "REJECTED",
     "EXPIRED", "EXPIRED_IN_MATCH"}};
constexpr NameTable<ExecutionType, 9> kExecutionTypes{
    {"NEW", "CANCELED", "REPLACED", "REJECTED", "TRADE", "EXPIRED", "TRADE_PREVENTION",
     "AMENDMENT", "CALCULATED"}};
constexpr NameTable<OrderRespType, 3> kRespTypes{{"ACK", "RESULT", "FULL"}};
constexpr NameTable<PositionSide, 3> kPositionSides{{"BOTH", "LONG", "SHORT"}};

}  // namespace

std::string_view wire_name(Product v) { return kProducts.name(v); }
std::string_view wire_name(SymbolStatus v) { return kSymbolStatuses.name(v); }
std::string_view wire_name(ContractType v) { return kContractTypes.name(v); }
std::string_view wire_name(OrderSide v) { return kSides.name(v); }
std::string_view wire_name(OrderType v) { return kOrderTypes.name(v); }
std::string_view wire_name(TimeInForce v) { return kTimeInForces.name(v); }
std::string_view wire_name(OrderStatus v) { return kOrderStatuses.name(v); }
std::string_view wire_name(ExecutionType v) { return kExecutionTypes.name(v); }
std::string_view wire_name(OrderRespType v) { return kRespTypes.name(v); }
std::string_view wire_name(PositionSide v) { return kPositionSides.name(v); }

bool parse_symbol_status(std::string_view s, SymbolStatus& out) { return kSymbolStatuses.parse(s, out); }
bool parse_contract_type(std::string_view s, ContractType& out) {
  return !s.empty() && kContractTypes.parse(s, out);
}
bool parse_order_side(std::string_view s, OrderSide& out) { return kSides.parse(s, out); }
bool parse_order_type(std::string_view s, OrderType& out) { return kOrderTypes.parse(s, out); }
bool parse_time_in_force(std::string_view s, TimeInForce& out) { return kTimeInForces.parse(s, out); }
bool parse_order_status(std::string_view s, OrderStatus& out) { return kOrderStatuses.parse(s, out); }
bool parse_execution_type(std::string_view s, ExecutionType& out) { return kExecutionTypes.parse(s, out); }
bool parse_order_resp_type(std::string_view s, OrderRespType& out) { return kRespTypes.parse(s, out); }
bool parse_position_side(std::string_view s, PositionSide& out) { return kPositionSides.parse(s, out); }

}  // namespace dmabot::binance
