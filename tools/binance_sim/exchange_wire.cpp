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

}  // namespace dmabot::binance_sim
