// The binance_order_messages target: gateway/binance's order/account codecs on hostile bytes.
#include <set>
#include <string>
#include <string_view>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/request_params.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/response_encoders.h"
#include "simdjson.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

using namespace dmabot::binance;

// The codes a getter may answer (request_params.h).
bool known_getter_code(int code) {
  switch (code) {
    case -1100:
    case -1102:
    case -1105:
    case -1108:
    case -1111:
    case -1115:
    case -1116:
    case -1117:
      return true;
    default:
      return false;
  }
}

bool legal_text(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return simdjson::validate_utf8(s.data(), s.size());
}

// Every name/value legal, no name twice; every typed getter answers ok or a known code with a message.
std::string check_params(RequestParams& p, std::string_view where) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p.name(i).empty() || !legal_text(p.name(i)) || !legal_text(p.value(i))) {
      return core::str_cat(where, ": accepted an illegal name/value '", shown(p.name(i)), "'");
    }
    if (!names.insert(p.name(i)).second) return core::str_cat(where, ": name twice: ", shown(p.name(i)));
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    const std::string name(p.name(i));
    core::Price price;
    core::Qty qty;
    int64_t i64 = 0;
    uint64_t u64 = 0;
    bool b = false;
    OrderSide side{};
    OrderType type{};
    TimeInForce tif{};
    const ApiError errs[] = {
        p.get_price(name, price, Need::kRequired),     p.get_qty(name, qty, Need::kOptional),
        p.get_int64(name, i64, Need::kRequired),       p.get_uint64(name, u64, Need::kOptional),
        p.get_bool(name, b, Need::kOptional),          p.get_side(name, side, Need::kRequired),
        p.get_order_type(name, type, Need::kRequired), p.get_time_in_force(name, tif, Need::kOptional)};
    for (const ApiError& e : errs) {
      if (!e.ok() && (!known_getter_code(e.code) || e.msg.empty())) {
        return core::str_cat(where, ": getter on '", shown(name), "' answered code ", e.code, " '", e.msg, "'");
      }
    }
    // A decimal the getter accepted prints back to text the getter accepts as the same value.
    if (p.get_price(name, price, Need::kRequired).ok()) {
      const std::string again = core::decimal_to_string(price.raw);
      int64_t raw = 0;
      if (core::parse_decimal(again, false, raw) != core::DecimalError::kOk || raw != price.raw) {
        return core::str_cat(where, ": decimal '", shown(p.value(i)), "' did not round-trip");
      }
    }
  }
  if (!p.check_all_read().ok()) return core::str_cat(where, ": every param was read, yet -1104");
  return {};
}

// REST: the first line is the query, the rest the body. A request that parses re-encodes (engine
// encoder) into a query that parses to the same params and whose signature payload is that query.
std::string check_rest(std::string_view input) {
  const std::size_t nl = input.find('\n');
  const std::string_view query = input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  RequestParams p;
  const ApiError e = p.parse_rest(query, body);
  if (!e.ok()) {
    if (e.code != -1100 && e.code != -1101) return core::str_cat("rest: unexpected parse error ", e.code, " ", e.msg);
    return {};
  }
  if (p.rest_signature_payload().size() > query.size() + body.size()) return "rest: payload longer than the input";
  if (std::string r = check_params(p, "rest"); !r.empty()) return r;

  // Re-encode with the engine's encoder (names must outlive the list: keep copies).
  std::vector<std::string> names, values;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p.name(i) == "signature") continue;
    names.emplace_back(p.name(i));
    values.emplace_back(p.value(i));
  }
  ParamList list;
  for (std::size_t i = 0; i < names.size(); ++i) (void)list.add(names[i], values[i]);
  if (!list.ok()) return {};  // beyond the engine's inline capacity: nothing to compare
  FixedBuffer<1 << 16> q;
  if (!encode_query(list, q)) return "rest: encode_query failed on a list that fit";
  RequestParams again;
  if (ApiError e2 = again.parse_rest(q.view(), ""); !e2.ok()) {
    return core::str_cat("rest: re-encoded query rejected: ", e2.code, " ", e2.msg, " query ", shown(q.view()));
  }
  if (again.size() != names.size()) return "rest: re-encoded query has another param count";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (again.name(i) != names[i] || again.value(i) != values[i]) {
      return core::str_cat("rest: param ", i, " changed in the round trip: ", shown(names[i]), "=", shown(values[i]));
    }
  }
  if (again.rest_signature_payload() != q.view()) return "rest: signature payload is not the query sent";
  return {};
}

std::string check_ws(std::string_view input) {
  RequestParams p;
  const ApiError e = p.parse_ws_request(input);
  if (!e.ok()) {
    if (e.code != -1100 && e.code != -1101 && e.code != -1102 && e.code != -1135) {
      return core::str_cat("ws: unexpected parse error ", e.code, " ", e.msg);
    }
    return {};
  }
  if (std::string r = check_params(p, "ws"); !r.empty()) return r;
  const std::string payload = p.ws_signature_payload();
  if (payload.find("signature=") == 0 || payload.find("&signature=") != std::string::npos) {
    if (!p.has("signature")) return {};  // a value may contain the text itself
  }
  return {};
}

bool valid(DecodeResult r) { return r.error <= DecodeError::kNoWsResult && (r.ok() || !describe(r).empty()); }

// Every decoder answers without crashing; an order that decodes re-encodes (sim encoder) to a body
// that decodes to the same values.
std::string check_decoders(std::string_view input) {
  ResponseDecoder d;
  OrderResult o;
  ErrorBody err;
  std::span<const OrderResult> orders;
  SpotAccount sa;
  std::span<const SpotAssetBalance> sb;
  FuturesAccount fa;
  std::span<const FuturesAssetBalance> fab;
  std::span<const FuturesPositionInfo> fp;
  std::span<const AccountTrade> tr;
  int64_t t = 0;
  InlineString<128> key;
  LeverageResult lev;
  CancelReplaceResult cr;
  WsEnvelope env;
  const DecodeResult rs[] = {d.decode_error(input, err),
                             d.decode_orders(input, Product::kSpot, orders),
                             d.decode_spot_account(input, sa, sb),
                             d.decode_futures_account(input, fa, fab, fp),
                             d.decode_futures_balances(input, fab),
                             d.decode_positions(input, fp),
                             d.decode_trades(input, Product::kSpot, tr),
                             d.decode_trades(input, Product::kUsdmFutures, tr),
                             d.decode_server_time(input, t),
                             d.decode_listen_key(input, key),
                             d.decode_leverage(input, lev),
                             d.decode_cancel_replace(input, cr),
                             d.decode_ws_envelope(input, env)};
  for (const DecodeResult& r : rs) {
    if (!valid(r)) return "decoder: invalid DecodeResult";
  }
  if (rs[12].ok()) (void)d.decode_order(kWsResult, Product::kUsdmFutures, o);

  for (Product product : {Product::kSpot, Product::kUsdmFutures}) {
    const DecodeResult r = d.decode_order(input, product, o);
    if (!valid(r)) return "decoder: invalid DecodeResult";
    if (!r.ok()) continue;
    const std::vector<Fill> fills(d.fills().begin(), d.fills().end());
    std::string body;
    if (product == Product::kSpot) {
      encode_spot_new_order(o, fills, o.has_details ? OrderRespType::kFull : OrderRespType::kAck, DecimalStyle{}, body);
    } else {
      encode_futures_order(o, DecimalStyle{}, o.time_ms != 0, body);
    }
    OrderResult back;
    const DecodeResult r2 = d.decode_order(body, product, back);
    if (!r2.ok()) return core::str_cat("order re-encoded does not decode: ", describe(r2), " body ", shown(body, 400));
    const bool same = back.order_id == o.order_id && back.symbol.view() == o.symbol.view() &&
                      back.client_order_id.view() == o.client_order_id.view() && back.has_details == o.has_details &&
                      (!o.has_details ||
                       (back.price == o.price && back.orig_qty == o.orig_qty && back.executed_qty == o.executed_qty &&
                        back.cum_quote == o.cum_quote && back.status == o.status && back.side == o.side &&
                        back.type == o.type && back.time_in_force == o.time_in_force));
    if (!same) return core::str_cat("order changed in the round trip: ", shown(body, 400));
    if (product == Product::kSpot && o.has_details) {
      if (d.fills().size() != fills.size()) return "fills count changed in the round trip";
      for (std::size_t i = 0; i < fills.size(); ++i) {
        const Fill& a = fills[i];
        const Fill& b = d.fills()[i];
        if (a.price != b.price || a.qty != b.qty || a.commission != b.commission || a.trade_id != b.trade_id ||
            a.commission_asset.view() != b.commission_asset.view()) {
          return core::str_cat("fill ", i, " changed in the round trip");
        }
      }
    }
  }
  return {};
}

}  // namespace

std::string check_binance_order_messages(std::string_view input) {
  if (std::string r = check_rest(input); !r.empty()) return r;
  if (std::string r = check_ws(input); !r.empty()) return r;
  return check_decoders(input);
}

}  // namespace dmabot::fuzz
