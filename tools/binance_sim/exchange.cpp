#include "tools/binance_sim/exchange.h"

#include <algorithm>
#include <cstdlib>

#include "core/strings.h"
#include "gateway/internal/trade_through.h"

namespace dmabot::binance_sim {

namespace {

using binance::ErrorCode;
namespace spot_msg = binance::spot_msg;

core::Side to_core(OrderSide s) { return s == OrderSide::kBuy ? core::Side::kBuy : core::Side::kSell; }
bool is_spot(Product p) { return p == Product::kSpot; }

ExchangeError err(int code, std::string msg, int http = 400) { return ExchangeError::make(code, std::move(msg), http); }
ExchangeError err(ErrorCode code, std::string_view msg, int http = 400) {
  return ExchangeError::make(binance::code_value(code), std::string(msg), http);
}
// The docs' text for the code on that product (errors.h).
ExchangeError doc_err(ErrorCode code, Product p, int http = 400) {
  return err(code, binance::error_message(code, p), http);
}
ExchangeError mandatory(std::string_view name) {
  return err(ErrorCode::kMandatoryParamEmptyOrMalformed,
             core::str_cat("Mandatory parameter '", name, "' was not sent, was empty/null, or malformed."));
}
ExchangeError not_required(std::string_view name) {
  return err(ErrorCode::kParamNotRequired, core::str_cat("Parameter '", name, "' sent when not required."));
}
ExchangeError bad_key() { return doc_err(ErrorCode::kRejectedMbxKey, Product::kSpot, 401); }
ExchangeError bad_symbol() { return doc_err(ErrorCode::kBadSymbol, Product::kSpot); }

bool valid_client_id(std::string_view s) {
  if (s.empty() || s.size() > 36) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == ':' ||
              c == '/' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// What can still execute: original − executed − prevented (stp_faq.md).
Qty remaining(const OrderSnapshot& o) { return o.orig_qty - o.executed_qty - o.prevented_qty; }

}  // namespace

std::string_view to_string(ExecType e) {
  switch (e) {
    case ExecType::kNew:
      return "NEW";
    case ExecType::kCanceled:
      return "CANCELED";
    case ExecType::kReplaced:
      return "REPLACED";
    case ExecType::kRejected:
      return "REJECTED";
    case ExecType::kTrade:
      return "TRADE";
    case ExecType::kExpired:
      return "EXPIRED";
    case ExecType::kTradePrevention:
      return "TRADE_PREVENTION";
  }
  return "?";
}

std::string_view wire_name(StpMode m) {
  switch (m) {
    case StpMode::kNone:
      return "NONE";
    case StpMode::kExpireTaker:
      return "EXPIRE_TAKER";
    case StpMode::kExpireMaker:
      return "EXPIRE_MAKER";
    case StpMode::kExpireBoth:
      return "EXPIRE_BOTH";
    case StpMode::kDecrement:
      return "DECREMENT";
    case StpMode::kTransfer:
      return "TRANSFER";
  }
  return "?";
}

bool parse_stp_mode(std::string_view s, StpMode& out) {
  for (StpMode m : {StpMode::kNone, StpMode::kExpireTaker, StpMode::kExpireMaker, StpMode::kExpireBoth,
                    StpMode::kDecrement, StpMode::kTransfer}) {
    if (s == wire_name(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

std::string_view to_string(StepResult r) {
  switch (r) {
    case StepResult::kSuccess:
      return "SUCCESS";
    case StepResult::kFailure:
      return "FAILURE";
    case StepResult::kNotAttempted:
      return "NOT_ATTEMPTED";
  }
  return "?";
}

namespace {
int decimals_of(int64_t raw) {
  int d = core::kDecimals;
  while (d > 0 && raw % 10 == 0 && raw != 0) {
    raw /= 10;
    --d;
  }
  return d;
}
}  // namespace

binance::InstrumentSpec to_instrument(const SymbolConfig& c) {
  using binance::FilterType;
  binance::InstrumentSpec s;
  s.symbol = c.name;
  s.product = c.product;
  s.status = c.status;
  s.base_asset = c.base_asset;
  s.quote_asset = c.quote_asset;
  s.price = {Price{}, Price{}, c.tick_size};
  s.add_filter(FilterType::kPriceFilter);
  s.lot = {c.min_qty, c.max_qty, c.step_size};
  s.add_filter(FilterType::kLotSize);
  if (c.product == Product::kSpot) {
    s.order_types = {OrderType::kLimit, OrderType::kLimitMaker, OrderType::kMarket};
    s.notional.min_notional = Price::from_raw(c.min_notional_raw);
    s.notional.apply_min_to_market = true;
    s.notional.max_notional = Price::from_raw(c.max_notional_raw);
    s.add_filter(FilterType::kNotional);
    s.cancel_replace_allowed = true;
    s.quote_order_qty_market_allowed = true;
    s.permissions = {"SPOT"};
    // As the live spot symbols: orders that would trade with their own account expire the maker.
    s.default_stp_mode = "EXPIRE_MAKER";
    s.allowed_stp_modes = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"};
  } else {
    s.order_types = {OrderType::kLimit, OrderType::kMarket};
    s.time_in_force = {TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok, TimeInForce::kGtx};
    s.pair = c.name;
    s.margin_asset = c.quote_asset;
    s.contract_type = binance::ContractType::kPerpetual;
    s.price_precision = c.price_precision >= 0 ? c.price_precision : decimals_of(c.tick_size.raw);
    s.quantity_precision = c.quantity_precision >= 0 ? c.quantity_precision : decimals_of(c.step_size.raw);
    s.min_notional.min_notional = Price::from_raw(c.min_notional_raw);
    s.add_filter(FilterType::kMinNotional);
  }
  s.max_num_orders = c.max_num_orders;
  s.add_filter(FilterType::kMaxNumOrders);
  return s;
}

Exchange::Exchange(ExchangeConfig cfg) : cfg_(cfg), rng_(cfg.seed) {}

// ---------------------------------------------------------------- set-up and look-ups

absl::Status Exchange::add_symbol(const binance::InstrumentSpec& s) {
  if (s.symbol.empty()) return core::invalid("symbol: empty name");
  if (s.base_asset.empty() || s.quote_asset.empty())
    return core::invalid("symbol ", s.symbol, ": base and quote assets needed");
  auto key = std::make_pair(s.product, s.symbol);
  if (markets_.count(key)) return core::invalid("symbol ", s.symbol, ": added twice");
  Market& m = markets_[key];
  m.spec = s;
  m.funding_rate_raw = cfg_.default_funding_rate_raw;
  return absl::OkStatus();
}

absl::Status Exchange::add_symbol(const SymbolConfig& s) {
  if (s.tick_size.raw <= 0 || s.step_size.raw <= 0)
    return core::invalid("symbol ", s.name, ": tickSize and stepSize must be positive");
  return add_symbol(to_instrument(s));
}

absl::Status Exchange::add_account(const AccountConfig& c) {
  if (c.api_key.empty()) return core::invalid("account: empty API key");
  if (accounts_.count(c.api_key)) return core::invalid("account ", c.api_key, ": added twice");
  if (c.key_type == KeyType::kHmac && c.hmac_secret.empty())
    return core::invalid("account ", c.api_key, ": empty HMAC secret");
  if (c.key_type == KeyType::kEd25519 && c.ed25519_pem_path.empty())
    return core::invalid("account ", c.api_key, ": Ed25519 key needs a public key PEM file");
  if (c.default_leverage < 1 || c.default_leverage > 125)
    return core::invalid("account ", c.api_key, ": leverage must be 1..125");
  Account a;
  a.config = c;
  for (const auto& [asset, raw] : c.spot_balances) {
    if (raw < 0) return core::invalid("account ", c.api_key, ": negative balance of ", asset);
    a.spot[asset].free += raw;
  }
  a.futures_wallet_raw = c.futures_wallet_raw;
  a.hedge_mode = c.hedge_mode;
  accounts_.emplace(c.api_key, std::move(a));
  return absl::OkStatus();
}

absl::Status Exchange::set_symbol_status(Product p, const std::string& symbol, SymbolStatus st) {
  Market* m = market(p, symbol);
  if (!m) return core::invalid("symbol ", symbol, ": unknown");
  m->spec.status = st;
  return absl::OkStatus();
}

absl::Status Exchange::set_symbol_min_notional(Product p, const std::string& symbol, core::Price min_notional) {
  Market* m = market(p, symbol);
  if (!m) return core::invalid("symbol ", symbol, ": unknown");
  const bool notional = m->spec.has(binance::FilterType::kNotional);
  const bool min = m->spec.has(binance::FilterType::kMinNotional);
  if (!notional && !min) return core::invalid("symbol ", symbol, ": lists no NOTIONAL / MIN_NOTIONAL filter");
  if (notional) m->spec.notional.min_notional = min_notional;
  if (min) m->spec.min_notional.min_notional = min_notional;
  return absl::OkStatus();
}

absl::Status Exchange::set_position(const std::string& api_key, const std::string& symbol, int64_t amount_raw,
                                    Price entry, core::UnixNanos now, std::string_view reason, bool announce) {
  Account* a = account(api_key);
  if (!a) return core::invalid("account ", api_key, ": unknown");
  const Market* m = market(Product::kUsdmFutures, symbol);
  if (!m) return core::invalid("symbol ", symbol, ": unknown");
  Position& p = a->positions[std::make_pair(symbol, PositionSide::kBoth)];
  p.amount_raw = amount_raw;
  p.cost_raw = mul_div(amount_raw < 0 ? -amount_raw : amount_raw, entry.raw, core::kScale);
  p.update_time = now;
  if (announce) emit_position(api_key, *a, *m, PositionSide::kBoth, reason, now);
  return absl::OkStatus();
}

absl::Status Exchange::set_spot_balance(const std::string& api_key, const std::string& asset, int64_t free_raw,
                                        core::UnixNanos now, bool announce) {
  Account* a = account(api_key);
  if (!a) return core::invalid("account ", api_key, ": unknown");
  a->spot[asset].free = free_raw;
  if (announce) emit_spot_balance(api_key, *a, asset, now);
  return absl::OkStatus();
}

const Account* Exchange::find_account(std::string_view api_key) const {
  auto it = accounts_.find(api_key);
  return it == accounts_.end() ? nullptr : &it->second;
}
Account* Exchange::account(std::string_view api_key) {
  auto it = accounts_.find(api_key);
  return it == accounts_.end() ? nullptr : &it->second;
}
Exchange::Market* Exchange::market(Product p, std::string_view symbol) {
  auto it = markets_.find(std::make_pair(p, std::string(symbol)));
  return it == markets_.end() ? nullptr : &it->second;
}
const Exchange::Market* Exchange::market(Product p, std::string_view symbol) const {
  auto it = markets_.find(std::make_pair(p, std::string(symbol)));
  return it == markets_.end() ? nullptr : &it->second;
}
const binance::InstrumentSpec* Exchange::find_symbol(Product p, std::string_view symbol) const {
  const Market* m = market(p, symbol);
  return m ? &m->spec : nullptr;
}
std::vector<binance::InstrumentSpec> Exchange::symbols(Product p) const {
  std::vector<binance::InstrumentSpec> out;
  for (const auto& [k, m] : markets_)
    if (k.first == p) out.push_back(m.spec);
  return out;
}

Exchange::Depth Exchange::depth(Product p, const std::string& symbol, int levels) const {
  Depth d;
  const Market* m = market(p, symbol);
  if (!m || levels <= 0) return d;
  for (core::Side side : {core::Side::kBuy, core::Side::kSell}) {
    std::map<Price, Qty> agg;
    for (int64_t id : m->book.all(side)) {
      const auto& o = m->orders.at(id).snap;
      agg[o.price] += remaining(o);
    }
    if (m->has_top) {
      Price px = side == core::Side::kBuy ? m->top.bid : m->top.ask;
      Qty q = side == core::Side::kBuy ? m->bid_left : m->ask_left;
      if (px.raw > 0 && q.raw > 0) agg[px] += q;
    }
    auto& out = side == core::Side::kBuy ? d.bids : d.asks;
    if (side == core::Side::kBuy) {
      for (auto it = agg.rbegin(); it != agg.rend() && static_cast<int>(out.size()) < levels; ++it)
        out.push_back({it->first, it->second});
    } else {
      for (auto it = agg.begin(); it != agg.end() && static_cast<int>(out.size()) < levels; ++it)
        out.push_back({it->first, it->second});
    }
  }
  return d;
}

TopOfBook Exchange::book_ticker(Product p, const std::string& symbol) const {
  Depth d = depth(p, symbol, 1);
  TopOfBook t;
  if (!d.bids.empty()) t.bid = d.bids[0].price, t.bid_qty = d.bids[0].qty;
  if (!d.asks.empty()) t.ask = d.asks[0].price, t.ask_qty = d.asks[0].qty;
  return t;
}

std::optional<MarkPriceEvent> Exchange::mark_price(const std::string& symbol) const {
  const Market* m = market(Product::kUsdmFutures, symbol);
  if (!m) return std::nullopt;
  MarkPriceEvent e;
  e.symbol = symbol;
  e.mark = m->mark;
  e.index = m->index;
  e.funding_rate_raw = m->funding_rate_raw;
  e.next_funding_time = m->next_funding;
  return e;
}

// ---------------------------------------------------------------- events

void Exchange::emit_order(const std::string& api_key, const OrderSnapshot& o, ExecType x, UnixNanos now,
                          const TradeRecord* fill, std::string_view reason) {
  OrderEvent e;
  e.api_key = api_key;
  e.exec_type = x;
  e.order = o;
  if (fill) e.fill = *fill;
  e.reject_reason = std::string(reason);
  e.ts = now;
  for (auto* l : listeners_) l->on_order(e);
}

void Exchange::record_reject(const std::string& api_key, Product p, std::string_view request, const std::string& symbol,
                             std::optional<OrderSide> side, const std::string& client_id, int64_t order_id,
                             const ExchangeError& e, UnixNanos now) {
  ++orders_rejected_;
  RejectEvent r;
  r.api_key = api_key;
  r.product = p;
  r.request = std::string(request);
  r.symbol = symbol;
  r.side = side;
  r.client_order_id = client_id;
  r.order_id = order_id;
  r.error = e;
  r.ts = now;
  for (auto* l : listeners_) l->on_reject(r);
}

void Exchange::emit_spot_balance(const std::string& api_key, const Account& a, const std::string& asset,
                                 UnixNanos now) {
  BalanceEvent e;
  e.api_key = api_key;
  e.product = Product::kSpot;
  e.asset = asset;
  AssetBalance b = a.balance(asset);
  e.free_raw = b.free;
  e.locked_raw = b.locked;
  e.ts = now;
  for (auto* l : listeners_) l->on_balance(e);
}

void Exchange::emit_futures_balance(const std::string& api_key, const Account& a, int64_t change,
                                    std::string_view reason, UnixNanos now) {
  BalanceEvent e;
  e.api_key = api_key;
  e.product = Product::kUsdmFutures;
  e.asset = "USDT";
  e.free_raw = a.futures_wallet_raw;
  e.change_raw = change;
  e.reason = std::string(reason);
  e.ts = now;
  for (auto* l : listeners_) l->on_balance(e);
}

PositionSnapshot Exchange::position_snapshot(const Account& a, const Market& m, PositionSide ps) const {
  PositionSnapshot s;
  s.symbol = m.spec.symbol;
  s.position_side = ps;
  s.leverage = a.leverage_for(m.spec.symbol);
  s.mark_price = m.mark;
  auto it = a.positions.find({m.spec.symbol, ps});
  if (it != a.positions.end()) {
    const Position& p = it->second;
    s.amount = Qty::from_raw(p.amount_raw);
    s.entry_price = p.entry_price();
    s.cost_raw = p.cost_raw;
    s.realized_pnl_raw = p.realized_raw;
    s.unrealized_pnl_raw = m.mark.raw > 0 ? p.unrealized(m.mark) : 0;
    s.update_time = p.update_time;
  }
  return s;
}

void Exchange::emit_position(const std::string& api_key, const Account& a, const Market& m, PositionSide ps,
                             std::string_view reason, UnixNanos now) {
  PositionEvent e;
  e.api_key = api_key;
  e.position = position_snapshot(a, m, ps);
  e.reason = std::string(reason);
  e.ts = now;
  for (auto* l : listeners_) l->on_position(e);
}

std::string Exchange::generate_client_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string id(22, 'x');
  for (char& c : id) c = kAlphabet[rng_.next() % 62];
  return id;
}

// ---------------------------------------------------------------- validation

Price Exchange::reference_price(const Market& m, OrderSide side) const {
  if (m.has_top) {
    Price px = side == OrderSide::kBuy ? m.top.ask : m.top.bid;
    if (px.raw > 0) return px;
  }
  Price best = m.book.best(side == OrderSide::kBuy ? core::Side::kSell : core::Side::kBuy);
  if (best.raw > 0) return best;
  return m.mark;
}

ExchangeError Exchange::validate_new(const Account& a, const Market& m, const NewOrderRequest& r) const {
  const binance::InstrumentSpec& s = m.spec;
  bool spot = is_spot(s.product);
  // Parameters the checks below need.
  if (!r.quantity) {
    if (spot && r.type == OrderType::kMarket) {
      return err(ErrorCode::kMandatoryParamEmptyOrMalformed,
                 "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    return mandatory("quantity");
  }
  bool priced = r.type == OrderType::kLimit || r.type == OrderType::kLimitMaker;
  if (priced && !r.price) return mandatory("price");
  if (r.type == OrderType::kMarket && r.price) return not_required("price");
  // Open orders of this account on the symbol: MAX_NUM_ORDERS, and duplicate client ids among them.
  int32_t open = 0;
  bool duplicate = false;
  for (core::Side side : {core::Side::kBuy, core::Side::kSell}) {
    for (int64_t id : m.book.all(side)) {
      const Order& o = m.orders.at(id);
      if (o.api_key != a.config.api_key) continue;
      ++open;
      duplicate |= r.new_client_order_id && o.snap.client_order_id == *r.new_client_order_id;
    }
  }
  // Symbol status, order type, timeInForce and the filters: the protocol core's checks, so the sim
  // and the gateways' pre-checks agree on every code and message.
  binance::OrderCheck c;
  c.side = r.side;
  c.type = r.type;
  c.has_tif = r.time_in_force.has_value();
  c.tif = r.time_in_force.value_or(TimeInForce::kGtc);
  c.price = r.price.value_or(Price{});
  c.qty = *r.quantity;
  c.reference_price = check_reference_price(m);
  c.reduce_only = !spot && r.reduce_only;
  c.open_orders_count = open;
  if (binance::CheckResult res = binance::check_new_order(s, c); !res.ok()) {
    return err(res.code, std::string(res.msg()));
  }
  // What the exchange does not implement, even when the symbol lists it.
  if (r.type != OrderType::kLimit && r.type != OrderType::kMarket && r.type != OrderType::kLimitMaker) {
    return err(code_value(binance::ErrorCode::kUnsupportedOperation), "This operation is not supported.");
  }
  if (c.has_tif && c.tif == TimeInForce::kGtd) {
    return err(code_value(binance::ErrorCode::kUnsupportedOperation), "This operation is not supported.");
  }
  if (r.self_trade_prevention_mode) {
    StpMode mode = *r.self_trade_prevention_mode;
    if (mode == StpMode::kDecrement || mode == StpMode::kTransfer) {
      return err(ErrorCode::kUnsupportedOperation, "This operation is not supported.");
    }
    const auto& allowed = s.allowed_stp_modes;
    if (spot && !allowed.empty() && std::find(allowed.begin(), allowed.end(), wire_name(mode)) == allowed.end()) {
      return err(ErrorCode::kInvalidMessage, "This symbol does not allow the specified self-trade prevention mode.");
    }
  }
  if (r.new_client_order_id && !valid_client_id(*r.new_client_order_id)) {
    return err(code_value(binance::ErrorCode::kIllegalChars),
               "Illegal characters found in parameter 'newClientOrderId'; legal range is "
               "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
  }
  if (duplicate) {
    return spot
               ? err(code_value(binance::ErrorCode::kNewOrderRejected), std::string(binance::spot_msg::kDuplicateOrder))
               : err(code_value(binance::ErrorCode::kDuplicatedClientOrderId),
                     std::string(binance::error_message(binance::ErrorCode::kDuplicatedClientOrderId, s.product)));
  }
  if (!spot) {
    if (r.new_order_resp_type == OrderRespType::kFull) {  // USD-M answers ACK or RESULT only
      return doc_err(ErrorCode::kInvalidNewOrderRespType, s.product);
    }
    PositionSide ps = r.position_side.value_or(PositionSide::kBoth);
    if (a.hedge_mode == (ps == PositionSide::kBoth)) {
      return err(code_value(binance::ErrorCode::kPositionSideNotMatch),
                 std::string(binance::error_message(binance::ErrorCode::kPositionSideNotMatch, s.product)));
    }
    if (a.hedge_mode && r.reduce_only) return not_required("reduceonly");
  }
  return {};
}

Price Exchange::check_reference_price(const Market& m) const {
  // Spot: the market's mid stands in for the average price; USD-M: the mark price.
  if (!is_spot(m.spec.product)) return m.mark;
  if (m.has_top && m.top.valid()) return Price::from_raw((m.top.bid.raw + m.top.ask.raw) / 2);
  return Price{};
}

// ---------------------------------------------------------------- matching

std::vector<Exchange::Liquidity> Exchange::liquidity(const Market& m, const Order& t) const {
  core::Side side = to_core(t.snap.side);
  bool any = t.snap.type == OrderType::kMarket;
  Price limit = t.snap.price;
  std::vector<Liquidity> out;
  for (int64_t id : m.book.crossing(core::opposite(side), limit, any)) {
    const OrderSnapshot& o = m.orders.at(id).snap;
    out.push_back({false, id, o.price, remaining(o)});
  }
  if (m.has_top) {
    Price px = side == core::Side::kBuy ? m.top.ask : m.top.bid;
    Qty left = side == core::Side::kBuy ? m.ask_left : m.bid_left;
    if (px.raw > 0 && left.raw > 0 && (any || gateway::internal::book_reaches(side, limit, px))) {
      // Before the first book entry that is not strictly better (equal price: the market first).
      auto not_better = [&](const Liquidity& l) { return side == core::Side::kBuy ? l.px >= px : l.px <= px; };
      auto pos = std::find_if(out.begin(), out.end(), not_better);
      out.insert(pos, Liquidity{true, 0, px, left});
    }
  }
  return out;
}

TradeRecord Exchange::execute(Market& m, Order& o, Price px, Qty q, bool maker, int64_t trade_id, UnixNanos now) {
  Account& a = *account(o.api_key);
  OrderSnapshot& s = o.snap;
  s.executed_qty += q;
  int64_t quote = core::notional_raw(px, q);
  s.cum_quote_raw += quote;
  s.avg_price = Price::from_raw(mul_div(s.cum_quote_raw, core::kScale, s.executed_qty.raw));
  s.update_time = now;
  bool done = s.executed_qty == s.orig_qty;
  s.status = done ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;

  TradeRecord t;
  t.product = s.product;
  t.symbol = s.symbol;
  t.trade_id = trade_id;
  t.order_id = s.order_id;
  t.client_order_id = s.client_order_id;
  t.side = s.side;
  t.price = px;
  t.qty = q;
  t.quote_qty_raw = quote;
  t.position_side = s.position_side;
  t.is_maker = maker;
  t.time = now;
  ++fills_;

  if (is_spot(s.product)) {
    const std::string& base = m.spec.base_asset;
    const std::string& quote_asset = m.spec.quote_asset;
    int64_t rate = maker ? a.config.spot_maker_rate_raw : a.config.spot_taker_rate_raw;
    if (s.side == OrderSide::kBuy) {
      AssetBalance& qb = a.spot[quote_asset];
      if (!o.lock_asset.empty()) {
        int64_t release = done ? o.locked_raw : std::min(core::notional_raw(s.price, q), o.locked_raw);
        o.locked_raw -= release;
        qb.locked -= release;
        qb.free += release - quote;
      } else {
        qb.free -= quote;
      }
      int64_t fee = fee_of(q.raw, rate);
      a.spot[base].free += q.raw - fee;
      t.commission_raw = fee;
      t.commission_asset = base;
    } else {
      AssetBalance& bb = a.spot[base];
      if (!o.lock_asset.empty()) {
        int64_t release = done ? o.locked_raw : std::min(q.raw, o.locked_raw);
        o.locked_raw -= release;
        bb.locked -= release;
        bb.free += release - q.raw;
      } else {
        bb.free -= q.raw;
      }
      int64_t fee = fee_of(quote, rate);
      a.spot[quote_asset].free += quote - fee;
      t.commission_raw = fee;
      t.commission_asset = quote_asset;
    }
    if (done) o.lock_asset.clear();
    m.trades[o.api_key].push_back(t);
    emit_order(o.api_key, s, ExecType::kTrade, now, &t);
    emit_spot_balance(o.api_key, a, base, now);
    emit_spot_balance(o.api_key, a, quote_asset, now);
  } else {
    int64_t rate = maker ? a.config.futures_maker_rate_raw : a.config.futures_taker_rate_raw;
    int64_t fee = fee_of(quote, rate);
    Position& pos = a.positions[{s.symbol, s.position_side}];
    int64_t dq = s.side == OrderSide::kBuy ? q.raw : -q.raw;
    int64_t pnl = pos.apply_fill(dq, px);
    pos.update_time = now;
    a.futures_wallet_raw += pnl - fee;
    t.commission_raw = fee;
    t.commission_asset = m.spec.quote_asset;
    t.realized_pnl_raw = pnl;
    m.trades[o.api_key].push_back(t);
    emit_order(o.api_key, s, ExecType::kTrade, now, &t);
    emit_futures_balance(o.api_key, a, 0, "ORDER", now);  // bc excludes PnL and commission
    emit_position(o.api_key, a, m, s.position_side, "ORDER", now);
  }
  if (done && o.resting) {
    m.book.remove(to_core(s.side), s.price, s.order_id);
    o.resting = false;
  }
  return t;
}

void Exchange::unlock(Order& o, UnixNanos now) {
  if (o.lock_asset.empty() || o.locked_raw == 0) {
    o.lock_asset.clear();
    return;
  }
  Account& a = *account(o.api_key);
  AssetBalance& b = a.spot[o.lock_asset];
  b.locked -= o.locked_raw;
  b.free += o.locked_raw;
  o.locked_raw = 0;
  std::string asset = o.lock_asset;
  o.lock_asset.clear();
  emit_spot_balance(o.api_key, a, asset, now);
}

void Exchange::finish_order(Market& m, Order& o, OrderStatus st, ExecType x, UnixNanos now) {
  if (o.resting) {
    m.book.remove(to_core(o.snap.side), o.snap.price, o.snap.order_id);
    o.resting = false;
  }
  o.snap.status = st;
  o.snap.update_time = now;
  emit_order(o.api_key, o.snap, x, now);
  unlock(o, now);
}

Qty Exchange::fill_resting(Market& m, core::Side resting_side, Price px, Qty available, bool by_trade, UnixNanos now) {
  Qty used;
  std::vector<std::string> touched;
  for (int64_t id : m.book.all(resting_side)) {
    if (available.raw <= 0) break;
    Order& o = m.orders.at(id);
    bool reached = by_trade ? gateway::internal::trade_through(resting_side, o.snap.price, px)
                            : gateway::internal::book_reaches(resting_side, o.snap.price, px);
    if (!reached) break;  // best first: nothing behind it is reached either
    if (!can_still_reduce(m, o)) {  // an earlier fill in this sweep closed what it was to reduce
      finish_order(m, o, OrderStatus::kExpired, ExecType::kExpired, now);
      continue;
    }
    Qty q = std::min(remaining(o.snap), available);
    int64_t tid = m.next_trade_id++;
    execute(m, o, o.snap.price, q, true, tid, now);
    available -= q;
    used += q;
    touched.push_back(o.api_key);
  }
  if (!is_spot(m.spec.product)) {
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& k : touched) expire_stale_reduce_only(m, k, now);
  }
  return used;
}

bool Exchange::can_still_reduce(const Market& m, const Order& o) const {
  const OrderSnapshot& s = o.snap;
  bool closing_hedge = (s.position_side == PositionSide::kLong && s.side == OrderSide::kSell) ||
                       (s.position_side == PositionSide::kShort && s.side == OrderSide::kBuy);
  if (is_spot(s.product) || !(s.reduce_only || closing_hedge)) return true;
  const Account* a = find_account(o.api_key);
  auto it = a->positions.find({m.spec.symbol, s.position_side});
  int64_t amt = it == a->positions.end() ? 0 : it->second.amount_raw;
  bool reduces = s.side == OrderSide::kBuy ? amt < 0 : amt > 0;
  return reduces && remaining(s).raw <= std::abs(amt);
}

void Exchange::expire_stale_reduce_only(Market& m, const std::string& api_key, UnixNanos now) {
  std::vector<int64_t> stale;
  for (core::Side side : {core::Side::kBuy, core::Side::kSell}) {
    for (int64_t id : m.book.all(side)) {
      const Order& o = m.orders.at(id);
      if (o.api_key == api_key && !can_still_reduce(m, o)) stale.push_back(id);
    }
  }
  for (int64_t id : stale) finish_order(m, m.orders.at(id), OrderStatus::kExpired, ExecType::kExpired, now);
}

int64_t Exchange::order_margin_need(const Account& a, const Market& m, const Order& o) const {
  const OrderSnapshot& s = o.snap;
  if (s.reduce_only) return 0;
  bool closing_side = (s.position_side == PositionSide::kLong && s.side == OrderSide::kSell) ||
                      (s.position_side == PositionSide::kShort && s.side == OrderSide::kBuy);
  if (closing_side) return 0;
  int64_t qty = remaining(s).raw;
  if (s.position_side == PositionSide::kBoth) {
    auto it = a.positions.find({m.spec.symbol, PositionSide::kBoth});
    int64_t amt = it == a.positions.end() ? 0 : it->second.amount_raw;
    bool opposite = s.side == OrderSide::kBuy ? amt < 0 : amt > 0;
    if (opposite) qty = std::max<int64_t>(0, qty - std::abs(amt));
  }
  Price px = s.type == OrderType::kMarket ? reference_price(m, s.side) : s.price;
  return core::notional_raw(px, Qty::from_raw(qty)) / a.leverage_for(m.spec.symbol);
}

FuturesAccountView Exchange::futures_view(const Account& a) const {
  FuturesAccountView v;
  v.wallet_raw = a.futures_wallet_raw;
  v.hedge_mode = a.hedge_mode;
  for (const auto& [key, m] : markets_) {
    if (key.first != Product::kUsdmFutures) continue;
    for (PositionSide ps : {PositionSide::kBoth, PositionSide::kLong, PositionSide::kShort}) {
      auto it = a.positions.find({m.spec.symbol, ps});
      if (it == a.positions.end()) continue;
      const Position& p = it->second;
      Price mark = m.mark.raw > 0 ? m.mark : p.entry_price();
      v.unrealized_raw += p.unrealized(mark);
      v.position_margin_raw +=
          core::notional_raw(mark, Qty::from_raw(std::abs(p.amount_raw))) / a.leverage_for(m.spec.symbol);
      v.positions.push_back(position_snapshot(a, m, ps));
    }
    for (core::Side side : {core::Side::kBuy, core::Side::kSell}) {
      for (int64_t id : m.book.all(side)) {
        const Order& o = m.orders.at(id);
        if (o.api_key == a.config.api_key) v.open_order_margin_raw += order_margin_need(a, m, o);
      }
    }
  }
  v.margin_balance_raw = v.wallet_raw + v.unrealized_raw;
  v.available_raw = v.margin_balance_raw - v.position_margin_raw - v.open_order_margin_raw;
  return v;
}

FuturesAccountView Exchange::futures_account(const std::string& api_key) const {
  const Account* a = find_account(api_key);
  if (!a) {
    FuturesAccountView v;
    v.error = bad_key();
    return v;
  }
  return futures_view(*a);
}

// ---------------------------------------------------------------- requests

ExchangeError Exchange::plan_quote_order(const Market& m, NewOrderRequest& r) const {
  if (!is_spot(m.spec.product) || r.type != OrderType::kMarket || r.quantity) return not_required("quoteOrderQty");
  if (!m.spec.quote_order_qty_market_allowed) {
    return err(ErrorCode::kNewOrderRejected, "Quote order qty market orders are not support for this symbol.");
  }
  int64_t left = r.quote_order_qty->raw;
  if (left <= 0) return mandatory("quoteOrderQty");
  Order probe;
  probe.snap.side = r.side;
  probe.snap.type = OrderType::kMarket;
  int64_t step = m.spec.lot.step_size.raw > 0 ? m.spec.lot.step_size.raw : 1;
  int64_t total = 0;
  // The quantity the amount takes from the liquidity there is, level by level, on the step grid.
  for (const Liquidity& l : liquidity(m, probe)) {
    int64_t by_quote = core::floor_to_step(mul_div(left, core::kScale, l.px.raw), step);
    int64_t q = std::min(l.qty.raw, by_quote);
    if (q <= 0) break;
    total += q;
    left -= core::notional_raw(l.px, Qty::from_raw(q));
    if (q < l.qty.raw) break;
  }
  if (total == 0)
    return err(ErrorCode::kNewOrderRejected, "Order book liquidity is less than symbol minimum quantity.");
  if (total < m.spec.lot.min_qty.raw) {
    return err(ErrorCode::kNewOrderRejected, "Order book liquidity is less than `LOT_SIZE` filter minimum quantity.");
  }
  r.quantity = Qty::from_raw(total);
  return {};
}

OrderResult Exchange::new_order(const std::string& api_key, Product p, const NewOrderRequest& in, UnixNanos now) {
  OrderResult res;
  std::string cid = in.new_client_order_id.value_or("");
  auto fail = [&](ExchangeError e) {
    record_reject(api_key, p, "order.new", in.symbol, in.side, cid, 0, e, now);
    res.error = std::move(e);
    return res;
  };
  Account* a = account(api_key);
  if (!a) return fail(bad_key());
  Market* mp = market(p, in.symbol);
  if (!mp) return fail(bad_symbol());
  Market& m = *mp;
  bool spot = is_spot(p);
  NewOrderRequest req = in;
  if (in.quote_order_qty) {
    if (ExchangeError e = plan_quote_order(m, req); !e.ok()) return fail(std::move(e));
  }
  if (ExchangeError e = validate_new(*a, m, req); !e.ok()) return fail(std::move(e));

  Order o;
  o.api_key = api_key;
  OrderSnapshot& s = o.snap;
  s.product = p;
  s.symbol = req.symbol;
  s.side = req.side;
  s.type = req.type;
  s.time_in_force = req.time_in_force.value_or(TimeInForce::kGtc);
  s.price = req.price.value_or(Price{});
  s.orig_qty = *req.quantity;
  s.quote_order_qty = in.quote_order_qty.value_or(Qty{});
  s.reduce_only = req.reduce_only;
  s.position_side = spot ? PositionSide::kBoth : req.position_side.value_or(PositionSide::kBoth);
  if (req.new_order_resp_type) {
    s.resp_type = *req.new_order_resp_type;
  } else if (spot) {
    s.resp_type =
        (req.type == OrderType::kLimit || req.type == OrderType::kMarket) ? OrderRespType::kFull : OrderRespType::kAck;
  } else {
    s.resp_type = OrderRespType::kAck;
  }
  s.client_order_id = req.new_client_order_id ? *req.new_client_order_id : generate_client_id();
  cid = s.client_order_id;
  if (req.self_trade_prevention_mode) {
    s.stp_mode = *req.self_trade_prevention_mode;
  } else if (spot) {
    StpMode def = StpMode::kNone;
    s.stp_mode = parse_stp_mode(m.spec.default_stp_mode, def) ? def : StpMode::kNone;
  }

  std::vector<Liquidity> liq = liquidity(m, o);
  int64_t fillable = 0, fill_cost = 0;
  for (const auto& l : liq) {
    int64_t q = std::min(l.qty.raw, s.orig_qty.raw - fillable);
    if (q <= 0) break;
    fillable += q;
    fill_cost += core::notional_raw(l.px, Qty::from_raw(q));
  }
  bool post_only = s.type == OrderType::kLimitMaker || s.time_in_force == TimeInForce::kGtx;
  if (post_only && !liq.empty()) {
    if (spot) return fail(err(ErrorCode::kNewOrderRejected, spot_msg::kWouldMatchAndTake));
    // The live text (binance-futures-connector-java#51, passivbot#437) is longer than the docs' one.
    return fail(err(ErrorCode::kGtxOrderReject,
                    "Due to the order could not be executed as maker, the Post Only order will be rejected. The order "
                    "will not be recorded in the order history"));
  }
  bool fok_short = s.time_in_force == TimeInForce::kFok && fillable < s.orig_qty.raw;
  if (fok_short && !spot) {
    return fail(err(ErrorCode::kFokOrderReject,
                    "Due to the order could not be filled immediately, the FOK order has been rejected. The order will "
                    "not be recorded in the order history"));
  }

  if (spot) {
    const std::string& lock_asset = s.side == OrderSide::kBuy ? m.spec.quote_asset : m.spec.base_asset;
    int64_t need = s.side == OrderSide::kSell     ? s.orig_qty.raw
                   : s.type == OrderType::kMarket ? fill_cost
                                                  : core::notional_raw(s.price, s.orig_qty);
    if (a->balance(lock_asset).free < need)
      return fail(err(ErrorCode::kNewOrderRejected, spot_msg::kInsufficientBalance));
    if (s.type != OrderType::kMarket) {
      o.lock_asset = lock_asset;
      o.locked_raw = need;
    }
  } else {
    auto it = a->positions.find({s.symbol, s.position_side});
    int64_t amt = it == a->positions.end() ? 0 : it->second.amount_raw;
    bool closing_hedge = (s.position_side == PositionSide::kLong && s.side == OrderSide::kSell) ||
                         (s.position_side == PositionSide::kShort && s.side == OrderSide::kBuy);
    if (s.reduce_only || closing_hedge) {
      bool reduces = s.side == OrderSide::kBuy ? amt < 0 : amt > 0;
      if (!reduces || s.orig_qty.raw > std::abs(amt)) return fail(doc_err(ErrorCode::kReduceOnlyReject, p));
    } else {
      Order probe = o;
      if (s.type == OrderType::kMarket && fillable > 0) {
        // Margin at the prices the order would actually take.
        probe.snap.type = OrderType::kLimit;
        probe.snap.price = Price::from_raw(mul_div(fill_cost, core::kScale, fillable));
      }
      int64_t need = order_margin_need(*a, m, probe);
      if (need > futures_view(*a).available_raw) return fail(doc_err(ErrorCode::kMarginNotSufficient, p));
    }
  }

  // Accepted.
  ++orders_accepted_;
  s.order_id = m.next_order_id++;
  s.time = s.update_time = s.working_time = now;
  s.status = OrderStatus::kNew;
  Order& ord = m.orders.emplace(s.order_id, std::move(o)).first->second;
  OrderSnapshot& os = ord.snap;
  if (!ord.lock_asset.empty()) {
    AssetBalance& b = a->spot[ord.lock_asset];
    b.free -= ord.locked_raw;
    b.locked += ord.locked_raw;
  }
  emit_order(api_key, os, ExecType::kNew, now);
  if (!ord.lock_asset.empty()) emit_spot_balance(api_key, *a, ord.lock_asset, now);

  if (fok_short) {  // spot FOK: accepted, then expired without trading
    finish_order(m, ord, OrderStatus::kExpired, ExecType::kExpired, now);
    res.order = os;
    return res;
  }

  std::vector<std::string> touched{api_key};
  bool taker_prevented = false;
  for (const auto& l : liq) {
    Qty left = remaining(os);
    if (left.raw <= 0) break;
    if (l.from_market) {
      Qty& avail = os.side == OrderSide::kBuy ? m.ask_left : m.bid_left;
      Qty q = std::min({left, l.qty, avail});
      if (q.raw <= 0) continue;
      avail -= q;
      int64_t tid = m.next_trade_id++;
      res.fills.push_back(execute(m, ord, l.px, q, false, tid, now));
    } else {
      Order& maker = m.orders.at(l.maker_id);
      if (!maker.resting) continue;
      if (maker.api_key == api_key && os.stp_mode != StpMode::kNone) {
        // Self-trade prevention, by the taker's mode: no trade; expire the maker, the taker, or both.
        int64_t match_id = m.next_prevented_match_id++;
        bool expire_maker = os.stp_mode != StpMode::kExpireTaker;
        bool expire_taker = os.stp_mode != StpMode::kExpireMaker;
        if (expire_maker) {
          maker.snap.prevented_qty += remaining(maker.snap);
          maker.snap.prevented_match_id = match_id;
          finish_order(m, maker, OrderStatus::kExpiredInMatch, ExecType::kTradePrevention, now);
        }
        if (expire_taker) {
          os.prevented_qty += remaining(os);
          os.prevented_match_id = match_id;
          taker_prevented = true;
          break;
        }
        continue;
      }
      if (!can_still_reduce(m, maker)) {
        finish_order(m, maker, OrderStatus::kExpired, ExecType::kExpired, now);
        continue;
      }
      Qty q = std::min(left, remaining(maker.snap));
      if (q.raw <= 0) continue;
      int64_t tid = m.next_trade_id++;
      execute(m, maker, l.px, q, true, tid, now);
      touched.push_back(maker.api_key);
      res.fills.push_back(execute(m, ord, l.px, q, false, tid, now));
    }
  }
  if (taker_prevented) {
    finish_order(m, ord, OrderStatus::kExpiredInMatch, ExecType::kTradePrevention, now);
  } else if (remaining(os).raw > 0) {
    bool rests = os.type != OrderType::kMarket &&
                 (os.time_in_force == TimeInForce::kGtc || os.time_in_force == TimeInForce::kGtx);
    if (rests) {
      m.book.add(to_core(os.side), os.price, os.order_id);
      ord.resting = true;
    } else {
      finish_order(m, ord, OrderStatus::kExpired, ExecType::kExpired, now);
    }
  }
  if (!spot) {
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& k : touched) expire_stale_reduce_only(m, k, now);
  }
  res.order = os;
  return res;
}

namespace {
// orderId first; origClientOrderId must then match it. By client id: the newest order with that id.
template <class Orders>
auto find_order(Orders& orders, const std::string& api_key, const OrderRef& ref) -> decltype(&orders.begin()->second) {
  if (ref.order_id) {
    auto it = orders.find(*ref.order_id);
    if (it == orders.end() || it->second.api_key != api_key) return nullptr;
    if (ref.orig_client_order_id && it->second.snap.client_order_id != *ref.orig_client_order_id) return nullptr;
    return &it->second;
  }
  for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
    if (it->second.api_key == api_key && it->second.snap.client_order_id == *ref.orig_client_order_id)
      return &it->second;
  }
  return nullptr;
}
const ExchangeError kNoRef =
    ExchangeError::make(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
}  // namespace

OrderResult Exchange::query_order(const std::string& api_key, Product p, const std::string& symbol,
                                  const OrderRef& ref) const {
  OrderResult res;
  if (!find_account(api_key)) return res.error = bad_key(), res;
  const Market* m = market(p, symbol);
  if (!m) return res.error = bad_symbol(), res;
  if (!ref.order_id && !ref.orig_client_order_id) return res.error = kNoRef, res;
  const Order* o = find_order(m->orders, api_key, ref);
  if (!o) return res.error = doc_err(ErrorCode::kNoSuchOrder, p), res;
  res.order = o->snap;
  return res;
}

OrderResult Exchange::cancel_order(const std::string& api_key, Product p, const std::string& symbol,
                                   const OrderRef& ref, const std::optional<std::string>& new_client_order_id,
                                   UnixNanos now) {
  OrderResult res;
  std::string cid = ref.orig_client_order_id.value_or("");
  auto fail = [&](ExchangeError e) {
    record_reject(api_key, p, "order.cancel", symbol, std::nullopt, cid, ref.order_id.value_or(0), e, now);
    res.error = std::move(e);
    return res;
  };
  if (!account(api_key)) return fail(bad_key());
  Market* m = market(p, symbol);
  if (!m) return fail(bad_symbol());
  if (!ref.order_id && !ref.orig_client_order_id) return fail(kNoRef);
  if (new_client_order_id && !valid_client_id(*new_client_order_id)) {
    return fail(err(ErrorCode::kIllegalChars,
                    "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                    "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'."));
  }
  if (binance::CheckResult c = binance::check_cancel(m->spec); !c.ok()) return fail(err(c.code, std::string(c.msg())));
  Order* o = find_order(m->orders, api_key, ref);
  if (!o || binance::is_final(o->snap.status)) return fail(err(ErrorCode::kCancelRejected, spot_msg::kUnknownOrder));
  if (o->resting) {
    m->book.remove(to_core(o->snap.side), o->snap.price, o->snap.order_id);
    o->resting = false;
  }
  o->snap.status = OrderStatus::kCanceled;
  o->snap.update_time = now;
  OrderSnapshot shown = o->snap;
  if (is_spot(p)) {  // the cancel has its own client id; the order's is the "orig" one
    shown.orig_client_order_id = o->snap.client_order_id;
    shown.client_order_id = new_client_order_id ? *new_client_order_id : generate_client_id();
  }
  emit_order(api_key, shown, ExecType::kCanceled, now);
  unlock(*o, now);
  res.order = shown;
  return res;
}

CancelAllResult Exchange::cancel_open_orders(const std::string& api_key, Product p, const std::string& symbol,
                                             UnixNanos now) {
  CancelAllResult res;
  if (!account(api_key)) {
    res.error = bad_key();
    record_reject(api_key, p, "openOrders.cancelAll", symbol, std::nullopt, "", 0, res.error, now);
    return res;
  }
  Market* m = market(p, symbol);
  if (!m) {
    res.error = bad_symbol();
    record_reject(api_key, p, "openOrders.cancelAll", symbol, std::nullopt, "", 0, res.error, now);
    return res;
  }
  std::vector<int64_t> ids;
  for (const auto& [id, o] : m->orders)
    if (o.api_key == api_key && o.resting) ids.push_back(id);
  if (ids.empty() && is_spot(p)) {
    res.error = err(ErrorCode::kCancelRejected, spot_msg::kUnknownOrder);
    record_reject(api_key, p, "openOrders.cancelAll", symbol, std::nullopt, "", 0, res.error, now);
    return res;
  }
  for (int64_t id : ids) {
    OrderRef ref;
    ref.order_id = id;
    OrderResult r = cancel_order(api_key, p, symbol, ref, std::nullopt, now);
    if (r.ok()) res.canceled.push_back(r.order);
  }
  return res;
}

CancelReplaceResult Exchange::cancel_replace(const std::string& api_key, const std::string& symbol,
                                             const CancelReplaceRequest& req, UnixNanos now) {
  CancelReplaceResult res;
  const Product p = Product::kSpot;
  NewOrderRequest nreq = req.new_order;
  nreq.symbol = symbol;
  auto fail_all = [&](ExchangeError e) {
    record_reject(api_key, p, "order.cancelReplace", symbol, nreq.side, nreq.new_client_order_id.value_or(""),
                  req.cancel.order_id.value_or(0), e, now);
    res.http_status = e.http_status;
    res.error = std::move(e);
    return res;
  };
  const Account* a = find_account(api_key);
  if (!a) return fail_all(bad_key());
  const Market* m = market(p, symbol);
  if (!m) return fail_all(bad_symbol());
  // Filters are checked before anything happens.
  if (ExchangeError e = validate_new(*a, *m, nreq); !e.ok()) {
    // A duplicate id of the very order being cancelled is fine: it is gone by the time the new one lands.
    const Order* target =
        req.cancel.order_id || req.cancel.orig_client_order_id ? find_order(m->orders, api_key, req.cancel) : nullptr;
    bool dup_of_cancelled = e.code == code_value(ErrorCode::kNewOrderRejected) && e.msg == spot_msg::kDuplicateOrder &&
                            target && target->resting && nreq.new_client_order_id == target->snap.client_order_id;
    if (!dup_of_cancelled) return fail_all(std::move(e));
  }

  res.cancel_response = cancel_order(api_key, p, symbol, req.cancel, req.cancel_new_client_order_id, now);
  res.cancel_result = res.cancel_response.ok() ? StepResult::kSuccess : StepResult::kFailure;
  res.cancel_error = res.cancel_response.error;
  if (!res.cancel_response.ok() && req.mode == CancelReplaceMode::kStopOnFailure) {
    res.new_order_result = StepResult::kNotAttempted;
    res.http_status = 400;
    res.error = doc_err(ErrorCode::kCancelReplaceFailed, p);
    return res;
  }
  res.new_order_response = new_order(api_key, p, nreq, now);
  res.new_order_result = res.new_order_response.ok() ? StepResult::kSuccess : StepResult::kFailure;
  res.new_order_error = res.new_order_response.error;
  bool c = res.cancel_result == StepResult::kSuccess, n = res.new_order_result == StepResult::kSuccess;
  if (c && n) {
    res.http_status = 200;
  } else if (c || n) {
    res.http_status = 409;
    res.error = doc_err(ErrorCode::kCancelReplacePartiallyFailed, p, 409);
  } else {
    res.http_status = 400;
    res.error = doc_err(ErrorCode::kCancelReplaceFailed, p);
  }
  return res;
}

std::vector<OrderSnapshot> Exchange::open_orders(const std::string& api_key, Product p,
                                                 const std::string& symbol) const {
  std::vector<OrderSnapshot> out;
  for (const auto& [key, m] : markets_) {
    if (key.first != p || (!symbol.empty() && key.second != symbol)) continue;
    for (const auto& [id, o] : m.orders)
      if (o.api_key == api_key && o.resting) out.push_back(o.snap);
  }
  return out;
}

TradesResult Exchange::trades(const std::string& api_key, Product p, const std::string& symbol,
                              const TradeQuery& q) const {
  TradesResult res;
  if (!find_account(api_key)) return res.error = bad_key(), res;
  const Market* m = market(p, symbol);
  if (!m) return res.error = bad_symbol(), res;
  int limit = std::clamp(q.limit, 1, 1000);
  auto it = m->trades.find(api_key);
  if (it == m->trades.end()) return res;
  std::vector<TradeRecord> sel;
  for (const auto& t : it->second) {
    if (q.order_id && t.order_id != *q.order_id) continue;
    if (q.from_id && t.trade_id < *q.from_id) continue;
    sel.push_back(t);
  }
  if (static_cast<int>(sel.size()) > limit) {
    if (q.from_id) {
      sel.resize(limit);  // the first `limit` from fromId
    } else {
      sel.erase(sel.begin(), sel.end() - limit);  // the most recent `limit`
    }
  }
  res.trades = std::move(sel);
  return res;
}

std::vector<PositionSnapshot> Exchange::position_risk(const std::string& api_key, const std::string& symbol) const {
  std::vector<PositionSnapshot> out;
  const Account* a = find_account(api_key);
  if (!a) return out;
  for (const auto& [key, m] : markets_) {
    if (key.first != Product::kUsdmFutures || (!symbol.empty() && key.second != symbol)) continue;
    if (a->hedge_mode) {
      out.push_back(position_snapshot(*a, m, PositionSide::kLong));
      out.push_back(position_snapshot(*a, m, PositionSide::kShort));
    } else {
      out.push_back(position_snapshot(*a, m, PositionSide::kBoth));
    }
  }
  return out;
}

LeverageResult Exchange::set_leverage(const std::string& api_key, const std::string& symbol, int leverage, UnixNanos) {
  LeverageResult r;
  Account* a = account(api_key);
  if (!a) return r.error = bad_key(), r;
  if (!market(Product::kUsdmFutures, symbol)) return r.error = bad_symbol(), r;
  if (leverage < 1 || leverage > 125) {
    r.error = err(ErrorCode::kInvalidLeverage, core::str_cat("Leverage ", leverage, " is not valid"));
    return r;
  }
  a->leverage[symbol] = leverage;
  r.symbol = symbol;
  r.leverage = leverage;
  // One notional bracket for every leverage (Binance's brackets are per symbol and tier).
  r.max_notional_raw = 1'000'000 * core::kScale;
  return r;
}

ExchangeError Exchange::set_position_mode(const std::string& api_key, bool hedge) {
  Account* a = account(api_key);
  if (!a) return bad_key();
  if (a->hedge_mode == hedge) return err(-4059, "No need to change position side.");
  for (const auto& [k, pos] : a->positions)
    if (pos.amount_raw != 0) return err(-4068, "Position side cannot be changed if there exists position.");
  if (!open_orders(api_key, Product::kUsdmFutures, "").empty())
    return err(-4067, "Position side cannot be changed if there exists open orders.");
  a->hedge_mode = hedge;
  return {};
}

// ---------------------------------------------------------------- the sim's market

void Exchange::set_market_top(Product p, const std::string& symbol, const TopOfBook& top, UnixNanos now) {
  Market* m = market(p, symbol);
  if (!m) return;
  m->top = top;
  m->has_top = true;
  m->bid_left = top.bid.raw > 0 ? top.bid_qty : Qty{};
  m->ask_left = top.ask.raw > 0 ? top.ask_qty : Qty{};
  if (p == Product::kUsdmFutures) {
    schedule_funding(*m, now);
    if (top.valid()) {
      // Without a mark price feed, the mark is the mid, rounded down to the tick.
      Price mid = Price::from_raw(core::floor_to_step((top.bid.raw + top.ask.raw) / 2, m->spec.price.tick_size.raw));
      if (m->mark.raw == 0 || !m->mark_from_feed) {
        m->mark = mid;
        m->index = mid;
      }
    }
  }
  // Resting buys reached by the new ask take from its size; resting sells from the bid's.
  if (m->top.ask.raw > 0) m->ask_left -= fill_resting(*m, core::Side::kBuy, m->top.ask, m->ask_left, false, now);
  if (m->top.bid.raw > 0) m->bid_left -= fill_resting(*m, core::Side::kSell, m->top.bid, m->bid_left, false, now);
}

void Exchange::on_market_trade(Product p, const std::string& symbol, Price px, Qty qty, UnixNanos now) {
  Market* m = market(p, symbol);
  if (!m || px.raw <= 0 || qty.raw <= 0) return;
  Qty left = qty;
  left -= fill_resting(*m, core::Side::kBuy, px, left, true, now);
  fill_resting(*m, core::Side::kSell, px, left, true, now);
}

void Exchange::set_mark_price(const std::string& symbol, Price mark, Price index, int64_t funding_rate_raw,
                              UnixNanos next_funding_time, UnixNanos now) {
  Market* m = market(Product::kUsdmFutures, symbol);
  if (!m) return;
  m->mark = mark;
  m->index = index;
  m->funding_rate_raw = funding_rate_raw;
  m->mark_from_feed = true;
  schedule_funding(*m, now);
  // A time not after now (markPrice's T at a boundary is the funding just passed) keeps the schedule.
  if (next_funding_time > now) m->next_funding = next_funding_time;
  MarkPriceEvent e;
  e.symbol = symbol;
  e.mark = mark;
  e.index = index;
  e.funding_rate_raw = funding_rate_raw;
  e.next_funding_time = m->next_funding;
  e.ts = now;
  for (auto* l : listeners_) l->on_mark_price(e);
}

void Exchange::schedule_funding(Market& m, UnixNanos now) {
  if (m.next_funding != 0) return;
  core::UnixNanos iv = cfg_.funding_interval;
  m.next_funding = (now / iv + 1) * iv;
}

void Exchange::advance_time(UnixNanos now) {
  for (auto& [key, m] : markets_) {
    if (key.first != Product::kUsdmFutures) continue;
    schedule_funding(m, now);
    while (m.next_funding <= now) {
      UnixNanos t = m.next_funding;
      for (auto& [api_key, a] : accounts_) {
        for (PositionSide ps : {PositionSide::kBoth, PositionSide::kLong, PositionSide::kShort}) {
          auto it = a.positions.find({m.spec.symbol, ps});
          if (it == a.positions.end() || it->second.amount_raw == 0) continue;
          const Position& pos = it->second;
          Price mark = m.mark.raw > 0 ? m.mark : pos.entry_price();
          int64_t value = core::notional_raw(mark, Qty::from_raw(std::abs(pos.amount_raw)));
          int64_t pay = mul_div(value, m.funding_rate_raw, core::kScale);  // longs pay a positive rate
          int64_t amount = pos.amount_raw > 0 ? -pay : pay;
          a.futures_wallet_raw += amount;
          FundingEvent f;
          f.api_key = api_key;
          f.symbol = m.spec.symbol;
          f.position_side = ps;
          f.position_amount = Qty::from_raw(pos.amount_raw);
          f.mark_price = mark;
          f.funding_rate_raw = m.funding_rate_raw;
          f.amount_raw = amount;
          f.ts = t;
          for (auto* l : listeners_) l->on_funding(f);
          emit_futures_balance(api_key, a, amount, "FUNDING_FEE", t);
        }
      }
      m.next_funding += cfg_.funding_interval;
    }
  }
}

}  // namespace dmabot::binance_sim
