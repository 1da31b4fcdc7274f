#include "gateway/binance/response_encoders.h"

#include <charconv>

#include "core/strings.h"

namespace dmabot::binance {
namespace {

// One JSON object being written: keys in call order, commas handled here.
class Obj {
 public:
  explicit Obj(std::string& out) : out_(out) { out_.push_back('{'); }
  Obj& str(std::string_view k, std::string_view v) {
    key(k);
    core::append_json_string(out_, v);
    return *this;
  }
  Obj& num(std::string_view k, int64_t v) {
    key(k);
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
    return *this;
  }
  Obj& unum(std::string_view k, uint64_t v) {
    key(k);
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
    return *this;
  }
  // An integer Binance sends as a string (positionRisk v2 `leverage`: "10").
  Obj& qnum(std::string_view k, int64_t v) {
    key(k);
    char buf[24];
    out_.push_back('"');
    out_.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
    out_.push_back('"');
    return *this;
  }
  Obj& dec(std::string_view k, int64_t raw, int decimals) {
    key(k);
    char buf[core::kDecimalBufSize];
    out_.push_back('"');
    out_.append(buf, core::format_decimal(raw, buf, decimals));
    out_.push_back('"');
    return *this;
  }
  Obj& boolean(std::string_view k, bool v) {
    key(k);
    out_.append(v ? "true" : "false");
    return *this;
  }
  Obj& raw(std::string_view k, std::string_view json) {
    key(k);
    out_.append(json.data(), json.size());
    return *this;
  }
  // Starts `"k":` for a value the caller writes itself (arrays).
  std::string& open(std::string_view k) {
    key(k);
    return out_;
  }
  void close() { out_.push_back('}'); }

 private:
  void key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    core::append_json_string(out_, k);
    out_.push_back(':');
  }
  std::string& out_;
  bool first_ = true;
};

constexpr int k8 = 8;

bool is_conditional(OrderType t) {
  return t == OrderType::kStopLoss || t == OrderType::kStopLossLimit || t == OrderType::kTakeProfit ||
         t == OrderType::kTakeProfitLimit;
}

std::string_view stp(const OrderResult& o) {
  return o.self_trade_prevention_mode.empty() ? std::string_view("NONE") : o.self_trade_prevention_mode.view();
}

template <class T, class F>
void array(std::span<const T> items, std::string& out, F&& one) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    one(items[i]);
  }
  out.push_back(']');
}

void spot_cancel_fields(const OrderResult& o, const DecimalStyle& s, std::string& out) {
  Obj j(out);
  j.str("symbol", o.symbol.view())
      .str("origClientOrderId", o.orig_client_order_id.view())
      .unum("orderId", o.order_id)
      .num("orderListId", o.order_list_id)
      .str("clientOrderId", o.client_order_id.view())
      .num("transactTime", o.transact_time_ms)
      .dec("price", o.price.raw, s.price)
      .dec("origQty", o.orig_qty.raw, s.qty)
      .dec("executedQty", o.executed_qty.raw, s.qty)
      .dec("origQuoteOrderQty", o.orig_quote_order_qty.raw, s.quote)
      .dec("cummulativeQuoteQty", o.cum_quote.raw, s.quote)
      .str("status", wire_name(o.status))
      .str("timeInForce", wire_name(o.time_in_force))
      .str("type", wire_name(o.type))
      .str("side", wire_name(o.side));
  if (is_conditional(o.type)) j.dec("stopPrice", o.stop_price.raw, s.price);
  j.str("selfTradePreventionMode", stp(o));
  j.close();
}

}  // namespace

void encode_spot_new_order(const OrderResult& o, std::span<const Fill> fills, OrderRespType resp_type,
                           const DecimalStyle& s, std::string& out) {
  Obj j(out);
  j.str("symbol", o.symbol.view())
      .unum("orderId", o.order_id)
      .num("orderListId", o.order_list_id)
      .str("clientOrderId", o.client_order_id.view())
      .num("transactTime", o.transact_time_ms);
  if (resp_type != OrderRespType::kAck) {
    j.dec("price", o.price.raw, s.price)
        .dec("origQty", o.orig_qty.raw, s.qty)
        .dec("executedQty", o.executed_qty.raw, s.qty)
        .dec("origQuoteOrderQty", o.orig_quote_order_qty.raw, s.quote)
        .dec("cummulativeQuoteQty", o.cum_quote.raw, s.quote)
        .str("status", wire_name(o.status))
        .str("timeInForce", wire_name(o.time_in_force))
        .str("type", wire_name(o.type))
        .str("side", wire_name(o.side));
    if (is_conditional(o.type)) j.dec("stopPrice", o.stop_price.raw, s.price);
    j.num("workingTime", o.working_time_ms).str("selfTradePreventionMode", stp(o));
  }
  if (resp_type == OrderRespType::kFull) {
    array(fills, j.open("fills"), [&](const Fill& f) {
      Obj(out)
          .dec("price", f.price.raw, s.price)
          .dec("qty", f.qty.raw, s.qty)
          .dec("commission", f.commission.raw, k8)
          .str("commissionAsset", f.commission_asset.view())
          .unum("tradeId", f.trade_id)
          .close();
    });
  }
  j.close();
}

void encode_spot_cancel(const OrderResult& o, const DecimalStyle& s, std::string& out) {
  spot_cancel_fields(o, s, out);
}

void encode_spot_cancel_all(std::span<const OrderResult> orders, const DecimalStyle& s, std::string& out) {
  array(orders, out, [&](const OrderResult& o) { spot_cancel_fields(o, s, out); });
}

void encode_spot_query(const OrderResult& o, const DecimalStyle& s, std::string& out) {
  Obj(out)
      .str("symbol", o.symbol.view())
      .unum("orderId", o.order_id)
      .num("orderListId", o.order_list_id)
      .str("clientOrderId", o.client_order_id.view())
      .dec("price", o.price.raw, s.price)
      .dec("origQty", o.orig_qty.raw, s.qty)
      .dec("executedQty", o.executed_qty.raw, s.qty)
      .dec("cummulativeQuoteQty", o.cum_quote.raw, s.quote)
      .str("status", wire_name(o.status))
      .str("timeInForce", wire_name(o.time_in_force))
      .str("type", wire_name(o.type))
      .str("side", wire_name(o.side))
      .dec("stopPrice", o.stop_price.raw, s.price)
      .dec("icebergQty", 0, s.qty)
      .num("time", o.time_ms)
      .num("updateTime", o.update_time_ms)
      .boolean("isWorking", o.is_working)
      .num("workingTime", o.working_time_ms)
      .dec("origQuoteOrderQty", o.orig_quote_order_qty.raw, s.quote)
      .str("selfTradePreventionMode", stp(o))
      .close();
}

void encode_spot_open_orders(std::span<const OrderResult> orders, const DecimalStyle& s, std::string& out) {
  array(orders, out, [&](const OrderResult& o) { encode_spot_query(o, s, out); });
}

void encode_spot_account(const SpotAccount& a, std::span<const SpotAssetBalance> balances, std::string& out) {
  Obj j(out);
  j.num("makerCommission", a.maker_commission)
      .num("takerCommission", a.taker_commission)
      .num("buyerCommission", a.buyer_commission)
      .num("sellerCommission", a.seller_commission);
  Obj(j.open("commissionRates"))
      .dec("maker", a.commission_maker.raw, k8)
      .dec("taker", a.commission_taker.raw, k8)
      .dec("buyer", a.commission_buyer.raw, k8)
      .dec("seller", a.commission_seller.raw, k8)
      .close();
  j.boolean("canTrade", a.can_trade)
      .boolean("canWithdraw", a.can_withdraw)
      .boolean("canDeposit", a.can_deposit)
      .boolean("brokered", a.brokered)
      .boolean("requireSelfTradePrevention", a.require_self_trade_prevention)
      .boolean("preventSor", a.prevent_sor)
      .num("updateTime", a.update_time_ms)
      .str("accountType", a.account_type.empty() ? std::string_view("SPOT") : a.account_type.view());
  array(balances, j.open("balances"), [&](const SpotAssetBalance& b) {
    Obj(out).str("asset", b.asset.view()).dec("free", b.free.raw, k8).dec("locked", b.locked.raw, k8).close();
  });
  j.raw("permissions", "[\"SPOT\"]").unum("uid", a.uid);
  j.close();
}

void encode_spot_my_trades(std::span<const AccountTrade> trades, const DecimalStyle& s, std::string& out) {
  array(trades, out, [&](const AccountTrade& t) {
    Obj(out)
        .str("symbol", t.symbol.view())
        .unum("id", t.id)
        .unum("orderId", t.order_id)
        .num("orderListId", t.order_list_id)
        .dec("price", t.price.raw, s.price)
        .dec("qty", t.qty.raw, s.qty)
        .dec("quoteQty", t.quote_qty.raw, s.quote)
        .dec("commission", t.commission.raw, k8)
        .str("commissionAsset", t.commission_asset.view())
        .num("time", t.time_ms)
        .boolean("isBuyer", t.is_buyer)
        .boolean("isMaker", t.is_maker)
        .boolean("isBestMatch", t.is_best_match)
        .close();
  });
}

void encode_futures_order(const OrderResult& o, const DecimalStyle& s, bool query_shape, std::string& out) {
  const std::string_view working_type =
      o.working_type.empty() ? std::string_view("CONTRACT_PRICE") : o.working_type.view();
  const std::string_view price_match = o.price_match.empty() ? std::string_view("NONE") : o.price_match.view();
  Obj j(out);
  if (query_shape) {
    j.dec("avgPrice", o.avg_price.raw, s.price)
        .str("clientOrderId", o.client_order_id.view())
        .dec("cumQuote", o.cum_quote.raw, s.quote)
        .dec("executedQty", o.executed_qty.raw, s.qty)
        .unum("orderId", o.order_id)
        .dec("origQty", o.orig_qty.raw, s.qty)
        .str("origType", wire_name(o.orig_type))
        .dec("price", o.price.raw, s.price)
        .boolean("reduceOnly", o.reduce_only)
        .str("side", wire_name(o.side))
        .str("positionSide", wire_name(o.position_side))
        .str("status", wire_name(o.status))
        .dec("stopPrice", o.stop_price.raw, s.price)
        .boolean("closePosition", o.close_position)
        .str("symbol", o.symbol.view())
        .num("time", o.time_ms)
        .str("timeInForce", wire_name(o.time_in_force))
        .str("type", wire_name(o.type));
  } else {
    j.str("clientOrderId", o.client_order_id.view())
        .dec("cumQty", o.cum_qty.raw, s.qty)
        .dec("cumQuote", o.cum_quote.raw, s.quote)
        .dec("executedQty", o.executed_qty.raw, s.qty)
        .unum("orderId", o.order_id)
        .dec("avgPrice", o.avg_price.raw, s.price)
        .dec("origQty", o.orig_qty.raw, s.qty)
        .dec("price", o.price.raw, s.price)
        .boolean("reduceOnly", o.reduce_only)
        .str("side", wire_name(o.side))
        .str("positionSide", wire_name(o.position_side))
        .str("status", wire_name(o.status))
        .dec("stopPrice", o.stop_price.raw, s.price)
        .boolean("closePosition", o.close_position)
        .str("symbol", o.symbol.view())
        .str("timeInForce", wire_name(o.time_in_force))
        .str("type", wire_name(o.type))
        .str("origType", wire_name(o.orig_type));
  }
  j.num("updateTime", o.update_time_ms)
      .str("workingType", working_type)
      .boolean("priceProtect", o.price_protect)
      .str("priceMatch", price_match)
      .str("selfTradePreventionMode", stp(o))
      .num("goodTillDate", o.good_till_date);
  j.close();
}

void encode_futures_open_orders(std::span<const OrderResult> orders, const DecimalStyle& s, std::string& out) {
  array(orders, out, [&](const OrderResult& o) { encode_futures_order(o, s, true, out); });
}

void encode_futures_account(const FuturesAccount& a, std::span<const FuturesAssetBalance> assets,
                            std::span<const FuturesPositionInfo> positions, int version, std::string& out) {
  Obj j(out);
  if (version == 2) {
    j.num("feeTier", 0)
        .boolean("feeBurn", false)
        .boolean("canTrade", true)
        .boolean("canDeposit", true)
        .boolean("canWithdraw", true)
        .num("updateTime", 0)
        .boolean("multiAssetsMargin", false)
        .num("tradeGroupId", -1);
  }
  j.dec("totalInitialMargin", a.total_initial_margin.raw, k8)
      .dec("totalMaintMargin", a.total_maint_margin.raw, k8)
      .dec("totalWalletBalance", a.total_wallet_balance.raw, k8)
      .dec("totalUnrealizedProfit", a.total_unrealized_profit.raw, k8)
      .dec("totalMarginBalance", a.total_margin_balance.raw, k8)
      .dec("totalPositionInitialMargin", a.total_position_initial_margin.raw, k8)
      .dec("totalOpenOrderInitialMargin", a.total_open_order_initial_margin.raw, k8)
      .dec("totalCrossWalletBalance", a.total_cross_wallet_balance.raw, k8)
      .dec("totalCrossUnPnl", a.total_cross_un_pnl.raw, k8)
      .dec("availableBalance", a.available_balance.raw, k8)
      .dec("maxWithdrawAmount", a.max_withdraw_amount.raw, k8);
  array(assets, j.open("assets"), [&](const FuturesAssetBalance& x) {
    Obj o(out);
    o.str("asset", x.asset.view())
        .dec("walletBalance", x.wallet_balance.raw, k8)
        .dec("unrealizedProfit", x.unrealized_profit.raw, k8)
        .dec("marginBalance", x.margin_balance.raw, k8)
        .dec("maintMargin", x.maint_margin.raw, k8)
        .dec("initialMargin", x.initial_margin.raw, k8)
        .dec("positionInitialMargin", x.position_initial_margin.raw, k8)
        .dec("openOrderInitialMargin", x.open_order_initial_margin.raw, k8)
        .dec("crossWalletBalance", x.cross_wallet_balance.raw, k8)
        .dec("crossUnPnl", x.cross_un_pnl.raw, k8)
        .dec("availableBalance", x.available_balance.raw, k8)
        .dec("maxWithdrawAmount", x.max_withdraw_amount.raw, k8);
    if (version == 2) o.boolean("marginAvailable", x.margin_available);
    o.num("updateTime", x.update_time_ms).close();
  });
  array(positions, j.open("positions"), [&](const FuturesPositionInfo& p) {
    Obj o(out);
    o.str("symbol", p.symbol.view());
    if (version == 2) {
      o.dec("initialMargin", p.initial_margin.raw, k8)
          .dec("maintMargin", p.maint_margin.raw, k8)
          .dec("unrealizedProfit", p.unrealized_profit.raw, k8)
          .dec("positionInitialMargin", p.position_initial_margin.raw, k8)
          .dec("openOrderInitialMargin", p.open_order_initial_margin.raw, k8)
          .qnum("leverage", p.leverage)
          .boolean("isolated", p.margin_type == "isolated")
          .dec("entryPrice", p.entry_price.raw, k8)
          .dec("breakEvenPrice", p.break_even_price.raw, k8)
          .dec("maxNotional", p.max_notional_value.raw, k8)
          .dec("bidNotional", p.bid_notional.raw, k8)
          .dec("askNotional", p.ask_notional.raw, k8)
          .str("positionSide", wire_name(p.position_side))
          .dec("positionAmt", p.position_amt.raw, k8);
    } else {
      o.str("positionSide", wire_name(p.position_side))
          .dec("positionAmt", p.position_amt.raw, k8)
          .dec("unrealizedProfit", p.unrealized_profit.raw, k8)
          .dec("isolatedMargin", p.isolated_margin.raw, k8)
          .dec("notional", p.notional.raw, k8)
          .dec("isolatedWallet", p.isolated_wallet.raw, k8)
          .dec("initialMargin", p.initial_margin.raw, k8)
          .dec("maintMargin", p.maint_margin.raw, k8);
    }
    o.num("updateTime", p.update_time_ms).close();
  });
  j.close();
}

void encode_futures_balances(std::span<const FuturesAssetBalance> balances, std::string& out) {
  array(balances, out, [&](const FuturesAssetBalance& b) {
    Obj(out)
        .str("accountAlias", b.account_alias.view())
        .str("asset", b.asset.view())
        .dec("balance", b.wallet_balance.raw, k8)
        .dec("crossWalletBalance", b.cross_wallet_balance.raw, k8)
        .dec("crossUnPnl", b.cross_un_pnl.raw, k8)
        .dec("availableBalance", b.available_balance.raw, k8)
        .dec("maxWithdrawAmount", b.max_withdraw_amount.raw, k8)
        .boolean("marginAvailable", b.margin_available)
        .num("updateTime", b.update_time_ms)
        .close();
  });
}

void encode_position_risk(std::span<const FuturesPositionInfo> positions, int version, const DecimalStyle& s,
                          std::string& out) {
  array(positions, out, [&](const FuturesPositionInfo& p) {
    Obj o(out);
    if (version == 2) {
      o.dec("entryPrice", p.entry_price.raw, s.price)
          .dec("breakEvenPrice", p.break_even_price.raw, k8)
          .str("marginType", p.margin_type.empty() ? std::string_view("cross") : p.margin_type.view())
          .str("isAutoAddMargin", p.is_auto_add_margin ? "true" : "false")
          .dec("isolatedMargin", p.isolated_margin.raw, k8)
          .qnum("leverage", p.leverage)
          .dec("liquidationPrice", p.liquidation_price.raw, k8)
          .dec("markPrice", p.mark_price.raw, k8)
          .dec("maxNotionalValue", p.max_notional_value.raw, k8)
          .dec("positionAmt", p.position_amt.raw, s.qty)
          .dec("notional", p.notional.raw, k8)
          .dec("isolatedWallet", p.isolated_wallet.raw, k8)
          .str("symbol", p.symbol.view())
          .dec("unRealizedProfit", p.unrealized_profit.raw, k8)
          .str("positionSide", wire_name(p.position_side));
    } else {
      o.str("symbol", p.symbol.view())
          .str("positionSide", wire_name(p.position_side))
          .dec("positionAmt", p.position_amt.raw, s.qty)
          .dec("entryPrice", p.entry_price.raw, s.price)
          .dec("breakEvenPrice", p.break_even_price.raw, k8)
          .dec("markPrice", p.mark_price.raw, k8)
          .dec("unRealizedProfit", p.unrealized_profit.raw, k8)
          .dec("liquidationPrice", p.liquidation_price.raw, k8)
          .dec("isolatedMargin", p.isolated_margin.raw, k8)
          .dec("notional", p.notional.raw, k8)
          .str("marginAsset", p.margin_asset.empty() ? std::string_view("USDT") : p.margin_asset.view())
          .dec("isolatedWallet", p.isolated_wallet.raw, k8)
          .dec("initialMargin", p.initial_margin.raw, k8)
          .dec("maintMargin", p.maint_margin.raw, k8)
          .dec("positionInitialMargin", p.position_initial_margin.raw, k8)
          .dec("openOrderInitialMargin", p.open_order_initial_margin.raw, k8)
          .num("adl", p.adl)
          .dec("bidNotional", p.bid_notional.raw, k8)
          .dec("askNotional", p.ask_notional.raw, k8);
    }
    o.num("updateTime", p.update_time_ms).close();
  });
}

void encode_futures_user_trades(std::span<const AccountTrade> trades, const DecimalStyle& s, std::string& out) {
  array(trades, out, [&](const AccountTrade& t) {
    Obj(out)
        .boolean("buyer", t.is_buyer)
        .dec("commission", t.commission.raw, k8)
        .str("commissionAsset", t.commission_asset.view())
        .unum("id", t.id)
        .boolean("maker", t.is_maker)
        .unum("orderId", t.order_id)
        .dec("price", t.price.raw, s.price)
        .dec("qty", t.qty.raw, s.qty)
        .dec("quoteQty", t.quote_qty.raw, s.quote)
        .dec("realizedPnl", t.realized_pnl.raw, k8)
        .str("side", wire_name(t.side))
        .str("positionSide", wire_name(t.position_side))
        .str("symbol", t.symbol.view())
        .num("time", t.time_ms)
        .close();
  });
}

void encode_leverage(const LeverageResult& r, std::string& out) {
  Obj(out)
      .num("leverage", r.leverage)
      .dec("maxNotionalValue", r.max_notional_value.raw, 0)
      .str("symbol", r.symbol.view())
      .close();
}

void encode_cancel_replace(const CancelReplaceReport& r, const DecimalStyle& style, std::string& out) {
  Obj j(out);
  j.str("cancelResult", r.cancel_result).str("newOrderResult", r.new_order_result);
  std::string& c = j.open("cancelResponse");
  if (r.cancel) {
    spot_cancel_fields(*r.cancel, style, c);
  } else {
    Obj(c).num("code", r.cancel_error.code).str("msg", r.cancel_error.msg).close();
  }
  std::string& n = j.open("newOrderResponse");
  if (r.new_order) {
    encode_spot_new_order(*r.new_order, r.new_order_fills, r.new_order_resp_type, style, n);
  } else if (r.new_order_error.code != 0) {
    Obj(n).num("code", r.new_order_error.code).str("msg", r.new_order_error.msg).close();
  } else {
    n.append("null");
  }
  j.close();
}

void encode_error(int code, std::string_view msg, std::string& out, std::string_view data_json) {
  Obj j(out);
  j.num("code", code).str("msg", msg);
  if (!data_json.empty()) j.raw("data", data_json);
  j.close();
}

void encode_server_time(int64_t server_time_ms, std::string& out) {
  Obj(out).num("serverTime", server_time_ms).close();
}

void encode_listen_key(std::string_view listen_key, std::string& out) { Obj(out).str("listenKey", listen_key).close(); }

void encode_subscription_id(int64_t subscription_id, std::string& out) {
  Obj(out).num("subscriptionId", subscription_id).close();
}

void encode_session_status(const SessionStatus& s, std::string& out) {
  Obj j(out);
  if (s.api_key.empty()) {
    j.raw("apiKey", "null").raw("authorizedSince", "null");
  } else {
    j.str("apiKey", s.api_key).num("authorizedSince", s.authorized_since_ms);
  }
  j.num("connectedSince", s.connected_since_ms)
      .boolean("returnRateLimits", s.return_rate_limits)
      .num("serverTime", s.server_time_ms)
      .boolean("userDataStream", s.user_data_stream)
      .close();
}

namespace {
void rate_limits_field(Obj& j, std::span<const RateLimitStatus> limits, std::string& out) {
  if (limits.empty()) return;
  array(limits, j.open("rateLimits"), [&](const RateLimitStatus& r) {
    Obj(out)
        .str("rateLimitType", r.rate_limit_type.view())
        .str("interval", r.interval.view())
        .num("intervalNum", r.interval_num)
        .num("limit", r.limit)
        .num("count", r.count)
        .close();
  });
}
}  // namespace

void encode_ws_result(std::string_view id_json, int status, std::string_view result_json,
                      std::span<const RateLimitStatus> rate_limits, std::string& out) {
  Obj j(out);
  j.raw("id", id_json.empty() ? std::string_view("null") : id_json).num("status", status).raw("result", result_json);
  rate_limits_field(j, rate_limits, out);
  j.close();
}

void encode_ws_error(std::string_view id_json, int status, int code, std::string_view msg,
                     std::span<const RateLimitStatus> rate_limits, std::string& out, std::string_view data_json) {
  Obj j(out);
  j.raw("id", id_json.empty() ? std::string_view("null") : id_json).num("status", status);
  encode_error(code, msg, j.open("error"), data_json);
  rate_limits_field(j, rate_limits, out);
  j.close();
}

}  // namespace dmabot::binance
