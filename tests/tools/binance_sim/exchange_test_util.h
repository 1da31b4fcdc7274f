// Helpers shared by the exchange tests: decimal literals, and a listener that keeps every event and
// renders it as one line (for comparing runs and asserting order).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/strings.h"
#include "tools/binance_sim/exchange.h"

namespace dmabot::binance_sim::testing {

inline Price px(std::string_view s) {
  Price p;
  EXPECT_EQ(Price::parse(s, p), core::DecimalError::kOk) << s;
  return p;
}
inline Qty qty(std::string_view s) {
  Qty q;
  EXPECT_EQ(Qty::parse_signed(s, q), core::DecimalError::kOk) << s;  // signed: short positions
  return q;
}
// Money from a decimal string, raw 1e-8 (signed).
inline int64_t money(std::string_view s) {
  int64_t raw = 0;
  EXPECT_EQ(core::parse_decimal(s, true, raw), core::DecimalError::kOk) << s;
  return raw;
}

struct Recorder : ExchangeListener {
  std::vector<OrderEvent> orders;
  std::vector<RejectEvent> rejects;
  std::vector<BalanceEvent> balances;
  std::vector<PositionEvent> positions;
  std::vector<FundingEvent> fundings;
  std::vector<std::string> log;  // every event, in order, as text

  void on_order(const OrderEvent& e) override {
    orders.push_back(e);
    std::string s = core::str_cat("order ", e.api_key, " ", e.order.symbol, " ", e.order.order_id, " ",
                                  e.order.client_order_id, " ", to_string(e.exec_type), " ",
                                  binance::wire_name(e.order.status), " ", e.order.executed_qty.to_string());
    if (e.fill)
      core::str_append(s, " fill ", e.fill->trade_id, " ", e.fill->price.to_string(), " ", e.fill->qty.to_string(),
                       " fee ", core::decimal_to_string(e.fill->commission_raw), e.fill->commission_asset,
                       e.fill->is_maker ? " maker" : " taker");
    log.push_back(std::move(s));
  }
  void on_reject(const RejectEvent& e) override {
    rejects.push_back(e);
    log.push_back(core::str_cat("reject ", e.request, " ", e.error.code, " ", e.error.msg));
  }
  void on_balance(const BalanceEvent& e) override {
    balances.push_back(e);
    log.push_back(core::str_cat("balance ", e.api_key, " ", e.asset, " ", core::decimal_to_string(e.free_raw), " ",
                                core::decimal_to_string(e.locked_raw)));
  }
  void on_position(const PositionEvent& e) override {
    positions.push_back(e);
    log.push_back(core::str_cat("position ", e.api_key, " ", e.position.symbol, " ", e.position.amount.to_string()));
  }
  void on_funding(const FundingEvent& e) override {
    fundings.push_back(e);
    log.push_back(core::str_cat("funding ", e.api_key, " ", e.symbol, " ", core::decimal_to_string(e.amount_raw)));
  }
  // Exec types of the order events of one order id, in order.
  std::vector<ExecType> exec_types(int64_t order_id, const std::string& symbol = "BTCUSDT") const {
    std::vector<ExecType> out;
    for (const auto& e : orders)
      if (e.order.order_id == order_id && e.order.symbol == symbol) out.push_back(e.exec_type);
    return out;
  }
};

inline NewOrderRequest limit(OrderSide side, std::string_view price, std::string_view quantity,
                             TimeInForce tif = TimeInForce::kGtc, std::string symbol = "BTCUSDT") {
  NewOrderRequest r;
  r.symbol = std::move(symbol);
  r.side = side;
  r.type = OrderType::kLimit;
  r.time_in_force = tif;
  r.price = px(price);
  r.quantity = qty(quantity);
  return r;
}
inline NewOrderRequest market_order(OrderSide side, std::string_view quantity, std::string symbol = "BTCUSDT") {
  NewOrderRequest r;
  r.symbol = std::move(symbol);
  r.side = side;
  r.type = OrderType::kMarket;
  r.quantity = qty(quantity);
  return r;
}
inline TopOfBook top(std::string_view bid, std::string_view bid_qty, std::string_view ask, std::string_view ask_qty) {
  return TopOfBook{px(bid), qty(bid_qty), px(ask), qty(ask_qty)};
}

}  // namespace dmabot::binance_sim::testing
