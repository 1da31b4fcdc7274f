#include "tools/binance_sim/rest_api.h"

#include <algorithm>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/strings.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/response_encoders.h"
#include "tools/binance_sim/exchange_requests.h"
#include "tools/binance_sim/exchange_wire.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/sim_venue.h"

namespace dmabot::binance_sim {

using binance::Need;
using binance::RequestParams;

namespace {

ExchangeError from_api(const binance::ApiError& e) { return ExchangeError::make(e.code, e.msg, 400); }

HttpResponse error_of(const ExchangeError& e) {
  return error_response(e.http_status >= 400 ? e.http_status : 400, e.code, e.msg);
}

HttpResponse ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

void append_decimal(std::string& out, int64_t raw, int decimals) {
  char buf[core::kDecimalBufSize];
  const std::size_t n = core::format_decimal(raw, buf, decimals);
  out += '"';
  out.append(buf, n);
  out += '"';
}

ExchangeError bad_symbol() { return ExchangeError::make(-1121, "Invalid symbol."); }

}  // namespace

// One request in flight.
struct RestApi::Call {
  SimVenue& venue;
  Exchange& ex;
  Product product;
  const HttpRequest& req;
  RequestParams& params;
  UnixNanos now;  // the server's clock (SimVenue::server_now)
  int64_t& book_update_id;
  std::string api_key;            // authenticated (USER_STREAM / SIGNED)
  bool reached_exchange = false;  // the order request got to the faults / the exchange (which log it)
  std::vector<std::pair<std::string, std::string>> headers;

  [[nodiscard]] bool spot() const { return product == Product::kSpot; }
  [[nodiscard]] int64_t server_ms() const { return now / kNsPerMs; }  // now is the server clock
  [[nodiscard]] binance::DecimalStyle style(std::string_view symbol) const {
    if (spot()) return {};
    const binance::InstrumentSpec* s = ex.find_symbol(product, symbol);
    if (!s) return {};
    return {s->price_precision, s->quantity_precision, 8};
  }
  // Spot refuses parameters the endpoint does not read (-1104); USD-M ignores them.
  [[nodiscard]] ExchangeError all_read() const {
    if (!spot()) return {};
    if (auto e = params.check_all_read(); !e.ok()) return from_api(e);
    return {};
  }
  // Counts a new order (ORDERS limits) and sets the x-mbx-order-count-* headers; 429 -1015 when over.
  [[nodiscard]] ExchangeError count_order() {
    const RateDecision d = venue.rate_limiter(product).on_order(api_key, now);
    headers.emplace_back("x-mbx-order-count-10s", std::to_string(d.order_count_10s));
    if (spot())
      headers.emplace_back("x-mbx-order-count-1d", std::to_string(d.order_count_1d));
    else
      headers.emplace_back("x-mbx-order-count-1m", std::to_string(d.order_count_1m));
    if (!d.allowed()) {
      headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
      return ExchangeError::make(d.code, d.msg, d.http_status);
    }
    return {};
  }
  // The order faults: returns the fault drawn; a "before" fault or a rejection is recorded and
  // answered through `refused`.
  OrderFault draw_fault(bool creates_order, std::string_view request, const std::string& symbol,
                        std::optional<OrderSide> side, const std::string& client_id, ExchangeError& refused) {
    reached_exchange = true;
    const OrderFault f = venue.fault_injector().decide_order(creates_order);
    if (f == OrderFault::kHttp5xxBefore || f == OrderFault::kReject) {
      refused = fault_error(f);
      ex.record_reject(api_key, product, request, symbol, side, client_id, 0, refused, now);
    }
    return f;
  }
};

namespace {

using Call = RestApi::Call;
using Handler = HttpResponse (*)(Call&);

// ---------------------------------------------------------------- market data

HttpResponse ping(Call& c) {
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  return ok("{}");
}

HttpResponse server_time(Call& c) {
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  std::string out;
  binance::encode_server_time(c.server_ms(), out);
  return ok(std::move(out));
}

// symbols=["A","B"] (JSON array of strings, as Binance takes it).
bool parse_symbol_list(std::string_view s, std::vector<std::string>& out) {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  s = s.substr(1, s.size() - 2);
  while (!s.empty()) {
    const auto comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.size() < 3 || item.front() != '"' || item.back() != '"') return false;
    out.emplace_back(item.substr(1, item.size() - 2));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return !out.empty();
}

// The symbols a request names with `symbol` or `symbols`; both at once is -1128 (errors.md
// OPTIONAL_PARAMS_BAD_COMBO), an unknown one -1121.
ExchangeError named_symbols(Call& c, std::vector<std::string>& out, bool& named) {
  std::string_view one, many;
  if (auto e = c.params.get_string("symbol", one, Need::kOptional); !e.ok()) return from_api(e);
  // USD-M takes `symbol` only (its docs list no `symbols`).
  if (c.spot())
    if (auto e = c.params.get_string("symbols", many, Need::kOptional); !e.ok()) return from_api(e);
  if (!one.empty() && !many.empty()) return ExchangeError::make(-1128, "Combination of optional parameters invalid.");
  named = !one.empty() || !many.empty();
  if (!one.empty()) out.emplace_back(one);
  if (!many.empty() && !parse_symbol_list(many, out))
    return ExchangeError::make(-1100,
                               "Illegal characters found in parameter 'symbols'; legal range is "
                               "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
  for (const auto& s : out)
    if (!c.ex.find_symbol(c.product, s)) return bad_symbol();
  return {};
}

HttpResponse exchange_info(Call& c) {
  binance::ExchangeInfo info;
  info.product = c.product;
  std::vector<std::string> wanted;
  bool named = false;
  std::string_view permissions, status;
  // USD-M's exchangeInfo takes no parameters (all symbols, always).
  if (c.spot()) {
    if (auto e = named_symbols(c, wanted, named); !e.ok()) return error_of(e);
    bool show = false;
    if (auto e = c.params.get_string("permissions", permissions, Need::kOptional); !e.ok())
      return error_of(from_api(e));
    if (auto e = c.params.get_bool("showPermissionSets", show, Need::kOptional); !e.ok()) return error_of(from_api(e));
    if (auto e = c.params.get_string("symbolStatus", status, Need::kOptional); !e.ok()) return error_of(from_api(e));
    if (named && !status.empty())
      return error_of(ExchangeError::make(-1128, "Combination of optional parameters invalid."));
  }
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  info.rate_limits = c.venue.advertised_rate_limits(c.product);
  if (!c.spot()) {
    info.futures_type = "U_MARGINED";
    binance::FuturesAsset usdt;
    usdt.asset = "USDT";
    usdt.margin_available = true;
    usdt.auto_asset_exchange_json = "\"-10000\"";
    info.assets.push_back(usdt);
  }
  for (auto& s : c.ex.symbols(c.product)) {
    if (named && std::find(wanted.begin(), wanted.end(), s.symbol) == wanted.end()) continue;
    if (!status.empty() && binance::wire_name(s.status) != status) continue;
    if (!permissions.empty()) {
      // permissions=SPOT or ["SPOT","MARGIN"]: keep symbols that list one of them.
      bool any = false;
      for (const auto& p : s.permissions)
        if (permissions.find(core::str_cat("\"", p, "\"")) != std::string_view::npos || permissions == p) any = true;
      if (!any && !s.permissions.empty()) continue;
    }
    info.symbols.push_back(std::move(s));
  }
  std::string out;
  binance::write_exchange_info(info, c.server_ms(), out);
  return ok(std::move(out));
}

HttpResponse depth(Call& c) {
  std::string_view symbol;
  if (auto e = c.params.get_string("symbol", symbol, Need::kRequired); !e.ok()) return error_of(from_api(e));
  int64_t limit = c.spot() ? 100 : 500;
  if (auto e = c.params.get_int64("limit", limit, Need::kOptional); !e.ok()) return error_of(from_api(e));
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const binance::InstrumentSpec* spec = c.ex.find_symbol(c.product, symbol);
  if (!spec) return error_of(bad_symbol());
  if (c.spot()
          ? (limit < 1 || limit > 5000)
          : (limit != 5 && limit != 10 && limit != 20 && limit != 50 && limit != 100 && limit != 500 && limit != 1000))
    return error_of(ExchangeError::make(-1100, "Illegal characters found in parameter 'limit'; legal range is '" +
                                                   std::string(c.spot() ? "1-5000" : "5, 10, 20, 50, 100, 500, 1000") +
                                                   "'."));
  const auto d = c.ex.depth(c.product, std::string(symbol), static_cast<int>(limit));
  const binance::DecimalStyle st = c.style(symbol);
  std::string out = core::str_cat("{\"lastUpdateId\":", ++c.book_update_id);
  if (!c.spot()) core::str_append(out, ",\"E\":", c.server_ms(), ",\"T\":", c.server_ms());
  auto side = [&](std::string_view name, const std::vector<Exchange::Level>& levels) {
    core::str_append(out, ",\"", name, "\":[");
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (i) out += ',';
      out += '[';
      append_decimal(out, levels[i].price.raw, st.price);
      out += ',';
      append_decimal(out, levels[i].qty.raw, st.qty);
      out += ']';
    }
    out += ']';
  };
  side("bids", d.bids);
  side("asks", d.asks);
  out += '}';
  return ok(std::move(out));
}

void append_book_ticker(Call& c, const std::string& symbol, std::string& out) {
  const TopOfBook t = c.ex.book_ticker(c.product, symbol);
  const binance::DecimalStyle st = c.style(symbol);
  out += '{';
  if (!c.spot()) core::str_append(out, "\"lastUpdateId\":", ++c.book_update_id, ",");
  out += "\"symbol\":";
  core::append_json_string(out, symbol);
  out += ",\"bidPrice\":";
  append_decimal(out, t.bid.raw, st.price);
  out += ",\"bidQty\":";
  append_decimal(out, t.bid_qty.raw, st.qty);
  out += ",\"askPrice\":";
  append_decimal(out, t.ask.raw, st.price);
  out += ",\"askQty\":";
  append_decimal(out, t.ask_qty.raw, st.qty);
  if (!c.spot()) core::str_append(out, ",\"time\":", c.server_ms());
  out += '}';
}

HttpResponse book_ticker(Call& c) {
  std::vector<std::string> wanted;
  bool named = false;
  if (auto e = named_symbols(c, wanted, named); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  std::string out;
  const bool single = !c.params.peek("symbol").empty();
  if (single) {
    append_book_ticker(c, wanted.front(), out);
    return ok(std::move(out));
  }
  if (!named)
    for (const auto& s : c.ex.symbols(c.product)) wanted.push_back(s.symbol);
  out += '[';
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (i) out += ',';
    append_book_ticker(c, wanted[i], out);
  }
  out += ']';
  return ok(std::move(out));
}

// ---------------------------------------------------------------- spot account and orders

HttpResponse spot_account(Call& c) {
  bool omit_zero = false;
  if (auto e = c.params.get_bool("omitZeroBalances", omit_zero, Need::kOptional); !e.ok()) return error_of(from_api(e));
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const Account* a = c.ex.find_account(c.api_key);
  if (!a) return error_of(unknown_api_key_error());
  binance::SpotAccount acct;
  std::vector<binance::SpotAssetBalance> balances;
  spot_account_to_wire(*a, c.now, acct, balances);
  if (omit_zero)
    std::erase_if(balances, [](const binance::SpotAssetBalance& b) { return b.free.raw == 0 && b.locked.raw == 0; });
  std::string out;
  binance::encode_spot_account(acct, balances, out);
  return ok(std::move(out));
}

std::vector<binance::Fill> wire_fills(const std::vector<TradeRecord>& fills) {
  std::vector<binance::Fill> out;
  out.reserve(fills.size());
  for (const auto& f : fills) out.push_back(to_wire_fill(f));
  return out;
}

HttpResponse new_order(Call& c) {
  NewOrderRequest r;
  if (auto e = read_new_order(c.params, c.product, r); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  if (auto e = c.count_order(); !e.ok()) return error_of(e);
  ExchangeError refused;
  const OrderFault f = c.draw_fault(true, "order.new", r.symbol, r.side, r.new_client_order_id.value_or(""), refused);
  if (!refused.ok()) return error_of(refused);
  const auto res = c.ex.new_order(c.api_key, c.product, r, c.now);
  if (!res.ok()) return error_of(res.error);
  if (f == OrderFault::kHttp5xxApplied) return error_of(fault_error(f));
  const binance::OrderResult o = to_wire(res.order);
  std::string out;
  if (c.spot()) {
    const auto fills = wire_fills(res.fills);
    binance::encode_spot_new_order(o, fills, res.order.resp_type, c.style(r.symbol), out);
  } else {
    binance::encode_futures_order(o, c.style(r.symbol), false, out);
  }
  return ok(std::move(out));
}

// POST /api/v3/order/test: the same parameters and checks as a new order, nothing placed (rest-api.md:
// {} or, with computeCommissionRates=true, the commission rates).
HttpResponse test_order(Call& c) {
  NewOrderRequest r;
  bool rates = false;
  if (auto e = c.params.get_bool("computeCommissionRates", rates, Need::kOptional); !e.ok())
    return error_of(from_api(e));
  if (auto e = read_new_order(c.params, c.product, r); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const binance::InstrumentSpec* spec = c.ex.find_symbol(c.product, r.symbol);
  if (!spec) return error_of(bad_symbol());
  binance::OrderCheck chk;
  chk.side = r.side;
  chk.type = r.type;
  chk.has_tif = r.time_in_force.has_value();
  if (r.time_in_force) chk.tif = *r.time_in_force;
  if (r.price) chk.price = *r.price;
  if (r.quantity) chk.qty = *r.quantity;
  const TopOfBook top = c.ex.book_ticker(c.product, r.symbol);
  chk.reference_price = r.side == OrderSide::kBuy ? top.ask : top.bid;
  if (const auto cr = binance::check_new_order(*spec, chk); !cr.ok())
    return error_of(ExchangeError::make(cr.code, std::string(cr.msg())));
  if (!rates) return ok("{}");
  const Account* a = c.ex.find_account(c.api_key);
  if (!a) return error_of(unknown_api_key_error());
  std::string out = "{\"standardCommissionForOrder\":{\"maker\":";
  append_decimal(out, a->config.spot_maker_rate_raw, 8);
  out += ",\"taker\":";
  append_decimal(out, a->config.spot_taker_rate_raw, 8);
  out +=
      "},\"specialCommissionForOrder\":{\"maker\":\"0.00000000\",\"taker\":\"0.00000000\"},"
      "\"taxCommissionForOrder\":{\"maker\":\"0.00000000\",\"taker\":\"0.00000000\"},"
      "\"discount\":{\"enabledForAccount\":false,\"enabledForSymbol\":false,\"discountAsset\":\"BNB\","
      "\"discount\":\"0.25000000\"}}";
  return ok(std::move(out));
}

HttpResponse query_order(Call& c) {
  std::string symbol;
  OrderRef ref;
  if (auto e = read_order_ref(c.params, symbol, ref, nullptr); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const auto res = c.ex.query_order(c.api_key, c.product, symbol, ref);
  if (!res.ok()) return error_of(res.error);
  std::string out;
  const binance::OrderResult o = to_wire(res.order);
  if (c.spot())
    binance::encode_spot_query(o, c.style(symbol), out);
  else
    binance::encode_futures_order(o, c.style(symbol), true, out);
  return ok(std::move(out));
}

HttpResponse cancel_order(Call& c) {
  std::string symbol;
  OrderRef ref;
  std::optional<std::string> new_cid;
  if (auto e = read_order_ref(c.params, symbol, ref, c.spot() ? &new_cid : nullptr); !e.ok()) return error_of(e);
  if (c.spot()) {
    std::string_view restrictions;  // ONLY_NEW / ONLY_PARTIALLY_FILLED
    if (auto e = c.params.get_string("cancelRestrictions", restrictions, Need::kOptional); !e.ok())
      return error_of(from_api(e));
    if (!restrictions.empty() && restrictions != "ONLY_NEW" && restrictions != "ONLY_PARTIALLY_FILLED")
      return error_of(ExchangeError::make(-1145, "Invalid cancelRestrictions"));
    if (!restrictions.empty()) {
      const auto q = c.ex.query_order(c.api_key, c.product, symbol, ref);
      if (q.ok() && ((restrictions == "ONLY_NEW" && q.order.status != OrderStatus::kNew) ||
                     (restrictions == "ONLY_PARTIALLY_FILLED" && q.order.status != OrderStatus::kPartiallyFilled)))
        return error_of(ExchangeError::make(-2011, "Order was not canceled due to cancel restrictions."));
    }
  }
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  ExchangeError refused;
  const OrderFault f =
      c.draw_fault(false, "order.cancel", symbol, std::nullopt, ref.orig_client_order_id.value_or(""), refused);
  if (!refused.ok()) return error_of(refused);
  const auto res = c.ex.cancel_order(c.api_key, c.product, symbol, ref, new_cid, c.now);
  if (!res.ok()) return error_of(res.error);
  if (f == OrderFault::kHttp5xxApplied) return error_of(fault_error(f));
  std::string out;
  const binance::OrderResult o = to_wire(res.order);
  if (c.spot())
    binance::encode_spot_cancel(o, c.style(symbol), out);
  else
    binance::encode_futures_order(o, c.style(symbol), false, out);
  return ok(std::move(out));
}

HttpResponse cancel_replace(Call& c) {
  std::string symbol;
  CancelReplaceRequest r;
  if (auto e = read_cancel_replace(c.params, symbol, r); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  if (auto e = c.count_order(); !e.ok()) return error_of(e);
  ExchangeError refused;
  const OrderFault f = c.draw_fault(true, "order.cancelReplace", symbol, r.new_order.side,
                                    r.new_order.new_client_order_id.value_or(""), refused);
  if (!refused.ok()) return error_of(refused);
  const auto res = c.ex.cancel_replace(c.api_key, symbol, r, c.now);
  if (f == OrderFault::kHttp5xxApplied && res.http_status != 400) return error_of(fault_error(f));
  if (res.http_status == 400 && res.cancel_result == StepResult::kNotAttempted &&
      res.new_order_result == StepResult::kNotAttempted)
    return error_of(res.error);  // validation failed: a plain error
  const binance::OrderResult cancel = to_wire(res.cancel_response.order);
  const binance::OrderResult placed = to_wire(res.new_order_response.order);
  const auto fills = wire_fills(res.new_order_response.fills);
  binance::CancelReplaceReport rep;
  rep.cancel_result = to_string(res.cancel_result);
  rep.new_order_result = to_string(res.new_order_result);
  if (res.cancel_result == StepResult::kSuccess) rep.cancel = &cancel;
  rep.cancel_error = {res.cancel_error.code, res.cancel_error.msg};
  if (res.new_order_result == StepResult::kSuccess) {
    rep.new_order = &placed;
    rep.new_order_fills = fills;
    rep.new_order_resp_type = res.new_order_response.order.resp_type;
  }
  rep.new_order_error = {res.new_order_error.code, res.new_order_error.msg};
  std::string data;
  binance::encode_cancel_replace(rep, c.style(symbol), data);
  if (res.http_status == 200) return ok(std::move(data));
  HttpResponse resp;
  resp.status = res.http_status;
  binance::encode_error(res.error.code, res.error.msg, resp.body, data);
  return resp;
}

HttpResponse cancel_all(Call& c) {
  std::string_view symbol;
  if (auto e = c.params.get_string("symbol", symbol, Need::kRequired); !e.ok()) return error_of(from_api(e));
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const std::string sym(symbol);
  ExchangeError refused;
  const OrderFault f = c.draw_fault(false, "openOrders.cancelAll", sym, std::nullopt, "", refused);
  if (!refused.ok()) return error_of(refused);
  const auto res = c.ex.cancel_open_orders(c.api_key, c.product, sym, c.now);
  if (!res.error.ok()) return error_of(res.error);
  if (f == OrderFault::kHttp5xxApplied) return error_of(fault_error(f));
  if (!c.spot()) return ok(R"({"code":200,"msg":"The operation of cancel all open order is done."})");
  std::vector<binance::OrderResult> orders;
  for (const auto& o : res.canceled) orders.push_back(to_wire(o));
  std::string out;
  binance::encode_spot_cancel_all(orders, c.style(sym), out);
  return ok(std::move(out));
}

HttpResponse open_orders(Call& c) {
  std::string_view symbol;
  if (auto e = c.params.get_string("symbol", symbol, Need::kOptional); !e.ok()) return error_of(from_api(e));
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  if (!symbol.empty() && !c.ex.find_symbol(c.product, symbol)) return error_of(bad_symbol());
  const auto snaps = c.ex.open_orders(c.api_key, c.product, std::string(symbol));
  std::vector<binance::OrderResult> orders;
  for (const auto& o : snaps) orders.push_back(to_wire(o));
  std::string out;
  // Decimals follow each order's symbol; with no symbol given, spot prints 8 anyway and futures
  // answers mixed symbols with the first one's style (the default pair shares it).
  // (Not one ?: expression: its std::string branch would make the view dangle — found by fuzz_binance_sim.)
  std::string_view style_sym = symbol;
  if (style_sym.empty() && !snaps.empty()) style_sym = snaps.front().symbol;
  if (c.spot())
    binance::encode_spot_open_orders(orders, c.style(style_sym), out);
  else
    binance::encode_futures_open_orders(orders, c.style(style_sym), out);
  return ok(std::move(out));
}

HttpResponse trades(Call& c) {
  std::string symbol;
  TradeQuery q;
  if (auto e = read_trade_query(c.params, symbol, q); !e.ok()) return error_of(e);
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const auto res = c.ex.trades(c.api_key, c.product, symbol, q);
  if (!res.error.ok()) return error_of(res.error);
  std::vector<binance::AccountTrade> rows;
  for (const auto& t : res.trades) rows.push_back(to_wire(t));
  std::string out;
  if (c.spot())
    binance::encode_spot_my_trades(rows, c.style(symbol), out);
  else
    binance::encode_futures_user_trades(rows, c.style(symbol), out);
  return ok(std::move(out));
}

// ---------------------------------------------------------------- futures account

int version_of(std::string_view path) { return path.starts_with("/fapi/v3/") ? 3 : 2; }

HttpResponse futures_account(Call& c) {
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const FuturesAccountView v = c.ex.futures_account(c.api_key);
  if (!v.error.ok()) return error_of(v.error);
  binance::FuturesAccount acct;
  std::vector<binance::FuturesAssetBalance> assets;
  futures_account_to_wire(v, c.now, acct, assets);
  std::vector<binance::FuturesPositionInfo> positions;
  const int version = version_of(c.req.path);
  if (version == 2) {
    // v2 lists every symbol; v3 only those with a position (the view's rows).
    for (const auto& p : c.ex.position_risk(c.api_key, "")) positions.push_back(to_wire(p));
  } else {
    for (const auto& p : v.positions) positions.push_back(to_wire(p));
  }
  std::string out;
  binance::encode_futures_account(acct, assets, positions, version, out);
  return ok(std::move(out));
}

HttpResponse futures_balance(Call& c) {
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  const FuturesAccountView v = c.ex.futures_account(c.api_key);
  if (!v.error.ok()) return error_of(v.error);
  binance::FuturesAccount acct;
  std::vector<binance::FuturesAssetBalance> assets;
  futures_account_to_wire(v, c.now, acct, assets);
  std::string out;
  binance::encode_futures_balances(assets, out);
  return ok(std::move(out));
}

HttpResponse position_risk(Call& c) {
  std::string_view symbol;
  if (auto e = c.params.get_string("symbol", symbol, Need::kOptional); !e.ok()) return error_of(from_api(e));
  if (auto e = c.all_read(); !e.ok()) return error_of(e);
  if (!symbol.empty() && !c.ex.find_symbol(c.product, symbol)) return error_of(bad_symbol());
  if (!c.ex.find_account(c.api_key)) return error_of(unknown_api_key_error());
  const int version = version_of(c.req.path);
  std::vector<binance::FuturesPositionInfo> rows;
  for (const auto& p : c.ex.position_risk(c.api_key, std::string(symbol))) {
    // v3: only symbols with a position or open orders (USD-M docs).
    if (version == 3 && p.amount.raw == 0 && c.ex.open_orders(c.api_key, c.product, p.symbol).empty()) continue;
    rows.push_back(to_wire(p));
  }
  std::string out;
  const std::string style_sym =
      !symbol.empty() ? std::string(symbol) : (rows.empty() ? "" : std::string(rows.front().symbol.view()));
  binance::encode_position_risk(rows, version, c.style(style_sym), out);
  return ok(std::move(out));
}

HttpResponse leverage(Call& c) {
  std::string_view symbol;
  int64_t lev = 0;
  if (auto e = c.params.get_string("symbol", symbol, Need::kRequired); !e.ok()) return error_of(from_api(e));
  if (auto e = c.params.get_int64("leverage", lev, Need::kRequired); !e.ok()) return error_of(from_api(e));
  if (lev < 1 || lev > 125)
    return error_of(ExchangeError::make(-4028, core::str_cat("Leverage ", lev, " is not valid")));
  const auto r = c.ex.set_leverage(c.api_key, std::string(symbol), static_cast<int>(lev), c.now);
  if (!r.error.ok()) return error_of(r.error);
  std::string out;
  binance::encode_leverage(to_wire(r), out);
  return ok(std::move(out));
}

HttpResponse position_mode(Call& c) {
  if (c.req.method == "GET") {
    const Account* a = c.ex.find_account(c.api_key);
    if (!a) return error_of(unknown_api_key_error());
    return ok(core::str_cat("{\"dualSidePosition\":", a->hedge_mode ? "true" : "false", "}"));
  }
  bool dual = false;
  if (auto e = c.params.get_bool("dualSidePosition", dual, Need::kRequired); !e.ok()) return error_of(from_api(e));
  if (auto e = c.ex.set_position_mode(c.api_key, dual); !e.ok()) return error_of(e);
  return ok(R"({"code":200,"msg":"success"})");
}

HttpResponse listen_key(Call& c) {
  ListenKeys& keys = c.venue.listen_keys();
  std::string out;
  if (c.req.method == "POST") {
    binance::encode_listen_key(keys.create(c.api_key, c.now), out);
    return ok(std::move(out));
  }
  if (c.req.method == "PUT") {
    const auto k = keys.keepalive(c.api_key, c.now);
    if (!k) return error_of(ExchangeError::make(-1125, "This listenKey does not exist."));
    binance::encode_listen_key(*k, out);
    return ok(std::move(out));
  }
  if (!keys.remove(c.api_key, c.now)) return error_of(ExchangeError::make(-1125, "This listenKey does not exist."));
  return ok("{}");
}

// ---------------------------------------------------------------- the table

struct Endpoint {
  Product product;
  std::string_view method;
  std::string_view path;
  RestApi::Security security;
  Handler handler;
  // Order requests: the ledger's request name for a refusal before the exchange (rate limit,
  // parameters, authentication); "" for the others.
  std::string_view ledger_request = {};
};

using S = RestApi::Security;
constexpr Product kSpot = Product::kSpot;
constexpr Product kFut = Product::kUsdmFutures;

const Endpoint kEndpoints[] = {
    {kSpot, "GET", "/api/v3/ping", S::kNone, ping},
    {kSpot, "GET", "/api/v3/time", S::kNone, server_time},
    {kSpot, "GET", "/api/v3/exchangeInfo", S::kNone, exchange_info},
    {kSpot, "GET", "/api/v3/depth", S::kNone, depth},
    {kSpot, "GET", "/api/v3/ticker/bookTicker", S::kNone, book_ticker},
    {kSpot, "GET", "/api/v3/account", S::kSigned, spot_account},
    {kSpot, "POST", "/api/v3/order", S::kSigned, new_order, "order.new"},
    {kSpot, "GET", "/api/v3/order", S::kSigned, query_order},
    {kSpot, "DELETE", "/api/v3/order", S::kSigned, cancel_order, "order.cancel"},
    {kSpot, "POST", "/api/v3/order/test", S::kSigned, test_order},
    {kSpot, "POST", "/api/v3/order/cancelReplace", S::kSigned, cancel_replace, "order.cancelReplace"},
    {kSpot, "GET", "/api/v3/openOrders", S::kSigned, open_orders},
    {kSpot, "DELETE", "/api/v3/openOrders", S::kSigned, cancel_all, "openOrders.cancelAll"},
    {kSpot, "GET", "/api/v3/myTrades", S::kSigned, trades},
    {kFut, "GET", "/fapi/v1/ping", S::kNone, ping},
    {kFut, "GET", "/fapi/v1/time", S::kNone, server_time},
    {kFut, "GET", "/fapi/v1/exchangeInfo", S::kNone, exchange_info},
    {kFut, "GET", "/fapi/v1/depth", S::kNone, depth},
    {kFut, "GET", "/fapi/v1/ticker/bookTicker", S::kNone, book_ticker},
    {kFut, "GET", "/fapi/v2/account", S::kSigned, futures_account},
    {kFut, "GET", "/fapi/v3/account", S::kSigned, futures_account},
    {kFut, "GET", "/fapi/v2/balance", S::kSigned, futures_balance},
    {kFut, "GET", "/fapi/v3/balance", S::kSigned, futures_balance},
    {kFut, "GET", "/fapi/v2/positionRisk", S::kSigned, position_risk},
    {kFut, "GET", "/fapi/v3/positionRisk", S::kSigned, position_risk},
    {kFut, "POST", "/fapi/v1/order", S::kSigned, new_order, "order.new"},
    {kFut, "GET", "/fapi/v1/order", S::kSigned, query_order},
    {kFut, "DELETE", "/fapi/v1/order", S::kSigned, cancel_order, "order.cancel"},
    {kFut, "DELETE", "/fapi/v1/allOpenOrders", S::kSigned, cancel_all, "openOrders.cancelAll"},
    {kFut, "GET", "/fapi/v1/openOrders", S::kSigned, open_orders},
    {kFut, "GET", "/fapi/v1/userTrades", S::kSigned, trades},
    {kFut, "POST", "/fapi/v1/leverage", S::kSigned, leverage},
    {kFut, "POST", "/fapi/v1/positionSide/dual", S::kSigned, position_mode},
    {kFut, "GET", "/fapi/v1/positionSide/dual", S::kSigned, position_mode},
    {kFut, "POST", "/fapi/v1/listenKey", S::kUserStream, listen_key},
    {kFut, "PUT", "/fapi/v1/listenKey", S::kUserStream, listen_key},
    {kFut, "DELETE", "/fapi/v1/listenKey", S::kUserStream, listen_key},
};

// {"code":C,"msg":"M"...} as written by error_response / encode_error (M left JSON-escaped).
ExchangeError error_of_body(const HttpResponse& r) {
  ExchangeError e;
  e.http_status = r.status;
  const auto c = r.body.find("\"code\":");
  if (c != std::string::npos) e.code = static_cast<int>(std::strtol(r.body.c_str() + c + 7, nullptr, 10));
  const auto m = r.body.find("\"msg\":\"");
  if (m != std::string::npos) {
    std::size_t end = m + 7;
    while (end < r.body.size() && !(r.body[end] == '"' && r.body[end - 1] != '\\')) ++end;
    e.msg = r.body.substr(m + 7, end - (m + 7));
  }
  return e;
}

bool form_body(const HttpRequest& r) {
  if (r.body.empty()) return false;
  if (r.content_type.empty()) return true;
  return r.content_type.find("x-www-form-urlencoded") != std::string::npos;
}

}  // namespace

// The test hooks (--admin only; GET or POST, parameters in the query; no key, no weight). One change
// per request; the answer echoes it: {"ok":true} or {"code":-1100,"msg":"..."} (HTTP 400).
//   /sim/admin/symbol?symbol=S&status=BREAK      the symbol's status (exchangeInfo and order checks)
//   /sim/admin/symbol?symbol=S&minNotional=25    its NOTIONAL / MIN_NOTIONAL minimum
//   /sim/admin/clock?skewMs=-1500                the server clock's skew (as --fault clock-skew-ms)
//   /sim/admin/position?symbol=S&amount=-0.5&entryPrice=3000[&reason=ADJUSTMENT][&apiKey=K]   (USD-M
//                                                listener) the account's one-way position, behind the
//                                                client's back; an ACCOUNT_UPDATE (reason) tells it
//   /sim/admin/balance?asset=ETH&free=2[&apiKey=K]   (spot listener) the account's free balance, likewise
//                                                (an outboundAccountPosition); &event=0: no event
HttpResponse RestApi::admin(Product product, const HttpRequest& request) {
  auto fail = [](std::string msg) { return error_response(400, -1100, msg); };
  if (auto e = params_.parse_rest(request.query, ""); !e.ok()) return fail(e.msg);
  if (request.path == "/sim/admin/position" || request.path == "/sim/admin/balance") {
    const std::string key = params_.has("apiKey") ? std::string(params_.peek("apiKey")) : std::string(kDefaultApiKey);
    const bool position = request.path == "/sim/admin/position";
    const bool announce = !(params_.has("event") && params_.peek("event") == "0");
    if (position != (product == Product::kUsdmFutures)) return fail("position: USD-M listener; balance: spot listener");
    std::string_view name;
    if (auto e = params_.get_string(position ? "symbol" : "asset", name, Need::kRequired); !e.ok()) return fail(e.msg);
    int64_t amount = 0;
    if (core::parse_decimal(params_.peek(position ? "amount" : "free"), position, amount) != core::DecimalError::kOk)
      return fail(position ? "amount: not a decimal" : "free: not a non-negative decimal");
    absl::Status st;
    if (position) {
      core::Price entry;
      if (core::Price::parse(params_.peek("entryPrice"), entry) != core::DecimalError::kOk)
        return fail("entryPrice: not a decimal");
      const std::string_view reason = params_.has("reason") ? params_.peek("reason") : std::string_view("ADJUSTMENT");
      st = venue_.exchange().set_position(key, std::string(name), amount, entry, venue_.server_now(), reason, announce);
    } else {
      st = venue_.exchange().set_spot_balance(key, std::string(name), amount, venue_.server_now(), announce);
    }
    if (!st.ok()) return fail(std::string(st.message()));
    return ok(R"({"ok":true})");
  }
  if (request.path == "/sim/admin/clock") {
    int64_t skew = 0;
    if (auto e = params_.get_int64("skewMs", skew, Need::kRequired); !e.ok()) return fail(e.msg);
    venue_.security().set_skew_ms(skew);
    return ok(R"({"ok":true})");
  }
  if (request.path != "/sim/admin/symbol") return not_found_response();
  std::string_view symbol;
  if (auto e = params_.get_string("symbol", symbol, Need::kRequired); !e.ok()) return fail(e.msg);
  if (params_.has("status")) {
    SymbolStatus st;
    if (!binance::parse_symbol_status(params_.peek("status"), st)) return fail("status: not a symbol status");
    if (auto s = venue_.exchange().set_symbol_status(product, std::string(symbol), st); !s.ok())
      return fail(std::string(s.message()));
  }
  if (params_.has("minNotional")) {
    core::Price px;
    if (core::Price::parse(params_.peek("minNotional"), px) != core::DecimalError::kOk)
      return fail("minNotional: not a decimal");
    if (auto s = venue_.exchange().set_symbol_min_notional(product, std::string(symbol), px); !s.ok())
      return fail(std::string(s.message()));
  }
  return ok(R"({"ok":true})");
}

HttpResponse RestApi::handle(Product product, const HttpRequest& request) {
  if (request.path.starts_with("/sim/admin/")) return venue_.admin() ? admin(product, request) : not_found_response();
  const Endpoint* ep = nullptr;
  bool path_known = false;
  for (const Endpoint& e : kEndpoints) {
    if (e.product != product || e.path != request.path) continue;
    path_known = true;
    if (e.method == request.method) {
      ep = &e;
      break;
    }
  }
  if (!path_known) return not_found_response();

  const UnixNanos now = venue_.server_now();  // authentication takes venue_.now() and skews it itself
  RateLimiter& limiter = venue_.rate_limiter(product);
  // Parameters first: the weight of some endpoints depends on them.
  const binance::ApiError parse_error = params_.parse_rest(request.query, form_body(request) ? request.body : "");
  WeightParams wp;
  if (parse_error.ok()) {
    wp.has_symbol = params_.has("symbol");
    if (params_.has("limit")) {
      int64_t l = 0;
      const std::string_view lv = params_.peek("limit");
      for (char ch : lv) {
        if (ch < '0' || ch > '9' || l > 100000) break;
        l = l * 10 + (ch - '0');
      }
      wp.limit = static_cast<int>(l);
    }
    wp.has_order_id = params_.has("orderId");
  }
  const int weight = request_weight(product, request.method, request.path, wp);
  const RateDecision d = limiter.on_request(request.remote_ip, weight, now);
  auto finish = [&](HttpResponse r, const std::vector<std::pair<std::string, std::string>>& extra) {
    const std::string used =
        std::to_string(d.allowed() ? d.used_weight_1m : limiter.used_weight(request.remote_ip, now));
    r.headers.emplace_back("x-mbx-used-weight", used);
    r.headers.emplace_back("x-mbx-used-weight-1m", used);
    for (const auto& h : extra) r.headers.push_back(h);
    return r;
  };
  // An order request refused before the exchange saw it still goes to the ledger (order_rejected).
  auto record = [&](const HttpResponse& r) {
    if (!ep || ep->ledger_request.empty()) return;
    OrderSide side;
    std::optional<OrderSide> side_opt;
    if (binance::parse_order_side(params_.peek("side"), side)) side_opt = side;
    std::string cid(params_.peek("newClientOrderId"));
    if (cid.empty()) cid = params_.peek("origClientOrderId");
    const int64_t order_id = std::strtoll(std::string(params_.peek("orderId")).c_str(), nullptr, 10);
    venue_.exchange().record_reject(request.api_key, product, ep->ledger_request, std::string(params_.peek("symbol")),
                                    side_opt, cid, order_id, error_of_body(r), now);
  };
  auto refuse = [&](HttpResponse r) {
    record(r);
    return finish(std::move(r), {});
  };
  if (!d.allowed()) {
    HttpResponse r = error_response(d.http_status, d.code, d.msg);
    r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
    return refuse(std::move(r));
  }
  if (!ep) return finish(error_response(405, -1020, "This operation is not supported."), {});
  if (!parse_error.ok()) return refuse(error_response(400, parse_error.code, parse_error.msg));

  Call c{venue_, venue_.exchange(), product, request, params_, now, book_update_id_, {}, false, {}};
  if (ep->security == Security::kUserStream) {
    if (auto e = venue_.security().check_api_key(request.api_key); !e.ok()) return refuse(error_of(e));
    c.api_key = request.api_key;
  } else if (ep->security == Security::kSigned) {
    if (auto e = venue_.security().authenticate_rest(request.api_key, params_, venue_.now()); !e.ok())
      return refuse(error_of(e));
    c.api_key = request.api_key;
  }
  HttpResponse r = ep->handler(c);
  if (r.status >= 400 && !c.reached_exchange) record(r);
  return finish(std::move(r), c.headers);
}

}  // namespace dmabot::binance_sim
