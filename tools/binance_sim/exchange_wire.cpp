#include "tools/binance_sim/exchange_wire.h"

#include <cstdlib>

namespace dmabot::binance_sim {

namespace {
int64_t ms(UnixNanos t) { return t / kNsPerMs; }
Price money(int64_t raw) { return Price::from_raw(raw); }
}  // namespace

binance::OrderResult to_wire(const OrderSnapshot& o) {
  binance::OrderResult r;
  (void)r.symbol.assign(o.symbol);
  (void)r.client_order_id.assign(o.client_order_id);
  (void)r.orig_client_order_id.assign(o.orig_client_order_id);
  r.order_id = static_cast<uint64_t>(o.order_id);
  r.transact_time_ms = ms(o.update_time);
  r.time_ms = ms(o.time);
  r.update_time_ms = ms(o.update_time);
  r.working_time_ms = ms(o.working_time);
  r.has_details = true;
  r.price = o.price;
  r.orig_qty = o.orig_qty;
  r.executed_qty = o.executed_qty;
  r.cum_quote = Qty::from_raw(o.cum_quote_raw);
  r.orig_quote_order_qty = o.quote_order_qty;
  r.cum_qty = o.executed_qty;
  r.avg_price = o.avg_price;
  r.status = o.status;
  r.time_in_force = o.time_in_force;
  r.type = o.type;
  r.orig_type = o.type;
  r.side = o.side;
  r.position_side = o.position_side;
  r.reduce_only = o.reduce_only;
  r.is_working = o.status == OrderStatus::kNew || o.status == OrderStatus::kPartiallyFilled;
  (void)r.self_trade_prevention_mode.assign(wire_name(o.stp_mode));
  if (o.product == Product::kUsdmFutures) {
    (void)r.working_type.assign("CONTRACT_PRICE");
    (void)r.price_match.assign("NONE");
  }
  return r;
}

binance::Fill to_wire_fill(const TradeRecord& t) {
  binance::Fill f;
  f.price = t.price;
  f.qty = t.qty;
  f.commission = Qty::from_raw(t.commission_raw);
  (void)f.commission_asset.assign(t.commission_asset);
  f.trade_id = static_cast<uint64_t>(t.trade_id);
  return f;
}

binance::AccountTrade to_wire(const TradeRecord& t) {
  binance::AccountTrade a;
  (void)a.symbol.assign(t.symbol);
  a.id = static_cast<uint64_t>(t.trade_id);
  a.order_id = static_cast<uint64_t>(t.order_id);
  a.price = t.price;
  a.qty = t.qty;
  a.quote_qty = Qty::from_raw(t.quote_qty_raw);
  a.commission = Qty::from_raw(t.commission_raw);
  (void)a.commission_asset.assign(t.commission_asset);
  a.time_ms = ms(t.time);
  a.is_buyer = t.side == OrderSide::kBuy;
  a.is_maker = t.is_maker;
  a.side = t.side;
  a.position_side = t.position_side;
  a.realized_pnl = money(t.realized_pnl_raw);
  return a;
}

binance::FuturesPositionInfo to_wire(const PositionSnapshot& p, std::string_view margin_asset) {
  binance::FuturesPositionInfo w;
  (void)w.symbol.assign(p.symbol);
  w.position_side = p.position_side;
  w.position_amt = p.amount;
  w.entry_price = p.entry_price;
  w.break_even_price = p.entry_price;
  w.mark_price = p.mark_price;
  w.unrealized_profit = money(p.unrealized_pnl_raw);
  int64_t value = core::notional_raw(p.mark_price, Qty::from_raw(std::llabs(p.amount.raw)));
  w.notional = money(p.amount.raw < 0 ? -value : value);
  (void)w.margin_asset.assign(margin_asset);
  int64_t im = p.leverage > 0 ? value / p.leverage : 0;
  w.initial_margin = money(im);
  w.position_initial_margin = money(im);
  w.leverage = p.leverage;
  (void)w.margin_type.assign("cross");
  w.max_notional_value = money(1'000'000 * core::kScale);
  w.update_time_ms = ms(p.update_time);
  return w;
}

binance::LeverageResult to_wire(const LeverageResult& r) {
  binance::LeverageResult w;
  w.leverage = r.leverage;
  w.max_notional_value = money(r.max_notional_raw);
  (void)w.symbol.assign(r.symbol);
  return w;
}

void spot_account_to_wire(const Account& a, UnixNanos now, binance::SpotAccount& out,
                          std::vector<binance::SpotAssetBalance>& balances) {
  out = binance::SpotAccount{};
  // Basis points as integers ("makerCommission": 10 for 0.1%), and the exact fractions.
  out.maker_commission = static_cast<int>(a.config.spot_maker_rate_raw / 10'000);
  out.taker_commission = static_cast<int>(a.config.spot_taker_rate_raw / 10'000);
  out.commission_maker = Price::from_raw(a.config.spot_maker_rate_raw);
  out.commission_taker = Price::from_raw(a.config.spot_taker_rate_raw);
  out.update_time_ms = ms(now);
  (void)out.account_type.assign("SPOT");
  balances.clear();
  for (const auto& [asset, b] : a.spot) {
    binance::SpotAssetBalance w;
    (void)w.asset.assign(asset);
    w.free = Qty::from_raw(b.free);
    w.locked = Qty::from_raw(b.locked);
    balances.push_back(w);
  }
}

void futures_account_to_wire(const FuturesAccountView& v, UnixNanos now, binance::FuturesAccount& out,
                             std::vector<binance::FuturesAssetBalance>& assets) {
  out = binance::FuturesAccount{};
  out.total_initial_margin = money(v.position_margin_raw + v.open_order_margin_raw);
  out.total_wallet_balance = money(v.wallet_raw);
  out.total_unrealized_profit = money(v.unrealized_raw);
  out.total_margin_balance = money(v.margin_balance_raw);
  out.total_position_initial_margin = money(v.position_margin_raw);
  out.total_open_order_initial_margin = money(v.open_order_margin_raw);
  out.total_cross_wallet_balance = money(v.wallet_raw);
  out.total_cross_un_pnl = money(v.unrealized_raw);
  out.available_balance = money(v.available_raw);
  out.max_withdraw_amount = money(v.available_raw < v.wallet_raw ? v.available_raw : v.wallet_raw);
  assets.clear();
  binance::FuturesAssetBalance b;
  (void)b.asset.assign(v.asset);
  b.wallet_balance = out.total_wallet_balance;
  b.unrealized_profit = out.total_unrealized_profit;
  b.margin_balance = out.total_margin_balance;
  b.initial_margin = out.total_initial_margin;
  b.position_initial_margin = out.total_position_initial_margin;
  b.open_order_initial_margin = out.total_open_order_initial_margin;
  b.cross_wallet_balance = out.total_cross_wallet_balance;
  b.cross_un_pnl = out.total_cross_un_pnl;
  b.available_balance = out.available_balance;
  b.max_withdraw_amount = out.max_withdraw_amount;
  b.update_time_ms = ms(now);
  assets.push_back(b);
}

namespace {
binance::ExecutionType exec_type(ExecType x) {
  switch (x) {
    case ExecType::kNew:
      return binance::ExecutionType::kNew;
    case ExecType::kCanceled:
      return binance::ExecutionType::kCanceled;
    case ExecType::kReplaced:
      return binance::ExecutionType::kReplaced;
    case ExecType::kRejected:
      return binance::ExecutionType::kRejected;
    case ExecType::kTrade:
      return binance::ExecutionType::kTrade;
    case ExecType::kExpired:
      return binance::ExecutionType::kExpired;
    case ExecType::kTradePrevention:
      return binance::ExecutionType::kTradePrevention;
  }
  return binance::ExecutionType::kNew;
}
bool open_status(OrderStatus s) { return s == OrderStatus::kNew || s == OrderStatus::kPartiallyFilled; }
}  // namespace

binance::ExecutionReport to_execution_report(const OrderEvent& e, int64_t execution_id) {
  const OrderSnapshot& o = e.order;
  binance::ExecutionReport r;
  r.event_time = e.ts;
  r.transaction_time = e.ts;
  r.order_time = o.time;
  if (open_status(o.status)) r.working_time = o.working_time;
  (void)r.symbol.assign(o.symbol);
  (void)r.client_order_id.assign(o.client_order_id);
  (void)r.orig_client_order_id.assign(o.orig_client_order_id);
  r.side = o.side;
  r.order_type = o.type;
  r.time_in_force = o.time_in_force;
  r.orig_qty = o.orig_qty;
  r.price = o.price;
  r.execution_type = exec_type(e.exec_type);
  r.status = o.status;
  (void)r.reject_reason.assign(e.reject_reason.empty() ? std::string_view("NONE") : std::string_view(e.reject_reason));
  r.order_id = o.order_id;
  r.cum_qty = o.executed_qty;
  r.cum_quote_qty = Qty::from_raw(o.cum_quote_raw);
  r.quote_order_qty = o.quote_order_qty;
  if (e.fill) {
    r.last_qty = e.fill->qty;
    r.last_price = e.fill->price;
    r.last_quote_qty = Qty::from_raw(e.fill->quote_qty_raw);
    r.commission = Qty::from_raw(e.fill->commission_raw);
    (void)r.commission_asset.assign(e.fill->commission_asset);
    r.trade_id = e.fill->trade_id;
    r.is_maker = e.fill->is_maker;
  }
  if (e.exec_type == ExecType::kTradePrevention) r.prevented_match_id = o.prevented_match_id;
  r.execution_id = execution_id;
  r.is_working = open_status(o.status);
  (void)r.stp_mode.assign(wire_name(o.stp_mode));
  return r;
}

binance::OrderTradeUpdate to_order_trade_update(const OrderEvent& e) {
  const OrderSnapshot& o = e.order;
  binance::OrderTradeUpdate u;
  u.event_time = e.ts;
  u.transaction_time = e.ts;
  u.trade_time = e.ts;
  (void)u.symbol.assign(o.symbol);
  (void)u.client_order_id.assign(o.client_order_id);
  u.side = o.side;
  u.order_type = o.type;
  u.time_in_force = o.time_in_force;
  u.orig_qty = o.orig_qty;
  u.price = o.price;
  u.avg_price = o.avg_price;
  u.execution_type =
      e.exec_type == ExecType::kTradePrevention ? binance::ExecutionType::kExpired : exec_type(e.exec_type);
  u.status = o.status;
  u.order_id = o.order_id;
  u.cum_qty = o.executed_qty;
  if (e.fill) {
    u.last_qty = e.fill->qty;
    u.last_price = e.fill->price;
    u.commission = Qty::from_raw(e.fill->commission_raw);
    (void)u.commission_asset.assign(e.fill->commission_asset);
    u.trade_id = e.fill->trade_id;
    u.is_maker = e.fill->is_maker;
    u.realized_profit = Qty::from_raw(e.fill->realized_pnl_raw);
  }
  u.reduce_only = o.reduce_only;
  (void)u.working_type.assign("CONTRACT_PRICE");
  u.orig_type = o.type;
  u.orig_type_known = true;
  u.position_side = o.position_side;
  (void)u.stp_mode.assign(wire_name(o.stp_mode));
  (void)u.price_match.assign("NONE");
  return u;
}

binance::SpotBalance to_spot_balance(const BalanceEvent& e) {
  binance::SpotBalance b;
  (void)b.asset.assign(e.asset);
  b.free = Qty::from_raw(e.free_raw);
  b.locked = Qty::from_raw(e.locked_raw);
  return b;
}

binance::FuturesBalance to_futures_balance(const BalanceEvent& e) {
  binance::FuturesBalance b;
  (void)b.asset.assign(e.asset);
  b.wallet_balance = Qty::from_raw(e.free_raw);
  b.cross_wallet_balance = Qty::from_raw(e.free_raw);  // cross margin: the whole wallet
  b.balance_change = Qty::from_raw(e.change_raw);
  return b;
}

binance::FuturesPosition to_futures_position(const PositionSnapshot& p) {
  binance::FuturesPosition w;
  (void)w.symbol.assign(p.symbol);
  w.amount = p.amount;
  w.entry_price = p.entry_price;
  w.breakeven_price = p.entry_price;
  w.accumulated_realized = Qty::from_raw(p.realized_pnl_raw);
  w.unrealized_pnl = Qty::from_raw(p.unrealized_pnl_raw);
  w.position_side = p.position_side;
  return w;
}

}  // namespace dmabot::binance_sim
