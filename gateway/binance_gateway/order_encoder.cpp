#include "gateway/binance_gateway/order_encoder.h"

#include "gateway/binance/errors.h"

namespace dmabot::binance_gateway {

using binance::CheckResult;
using binance::Product;

std::string_view to_string(LocalReject r) {
  switch (r) {
    case LocalReject::kSymbolStatus:
      return "symbol_status";
    case LocalReject::kOrderType:
      return "order_type";
    case LocalReject::kPrice:
      return "price";
    case LocalReject::kQuantity:
      return "quantity";
    case LocalReject::kNotional:
      return "notional";
    case LocalReject::kPercentPrice:
      return "percent_price";
    case LocalReject::kMaxOrders:
      return "max_orders";
    case LocalReject::kOtherFilter:
      return "other_filter";
    case LocalReject::kUnknownSymbol:
      return "unknown_symbol";
    case LocalReject::kEncode:
      return "encode";
    case LocalReject::kRateLimited:
      return "rate_limited";
    case LocalReject::kTableFull:
      return "table_full";
    case LocalReject::kDuplicateId:
      return "duplicate_id";
    case LocalReject::kDryRun:
      return "dry_run";
    case LocalReject::kCount:
      break;
  }
  return "?";
}

LocalReject classify(const CheckResult& r) {
  switch (r.code) {
    case -1013: {  // spot "Filter failure: X"
      const std::string_view m = r.msg();
      if (m.find("PRICE_FILTER") != std::string_view::npos) return LocalReject::kPrice;
      if (m.find("LOT_SIZE") != std::string_view::npos) return LocalReject::kQuantity;
      if (m.find("NOTIONAL") != std::string_view::npos) return LocalReject::kNotional;
      if (m.find("PERCENT_PRICE") != std::string_view::npos) return LocalReject::kPercentPrice;
      if (m.find("MAX_NUM_ORDERS") != std::string_view::npos) return LocalReject::kMaxOrders;
      return LocalReject::kOtherFilter;
    }
    case -2010:
      return r.msg() == binance::spot_msg::kMarketClosed ? LocalReject::kSymbolStatus : LocalReject::kOtherFilter;
    case -4140:
    case -4141:
      return LocalReject::kSymbolStatus;
    case -1116:
    case -1115:
    case -1102:
    case -1106:
      return LocalReject::kOrderType;
    case -4013:
    case -4002:
    case -4014:
      return LocalReject::kPrice;
    case -4003:
    case -4004:
    case -4005:
    case -4023:
    case -1111:
      return LocalReject::kQuantity;
    case -4164:
      return LocalReject::kNotional;
    case -4016:
    case -4024:
      return LocalReject::kPercentPrice;
    case -2025:
      return LocalReject::kMaxOrders;
    default:
      return LocalReject::kOtherFilter;
  }
}

CheckResult prepare_new_order(const core::Order& o, const binance::InstrumentSpec& spec, std::string_view client_text,
                              const NewOrderExtras& extras, binance::NewOrder& out) {
  const bool futures = spec.product == Product::kUsdmFutures;
  out = binance::NewOrder{};
  out.product = spec.product;
  out.symbol = spec.symbol;
  out.side = o.side == core::Side::kBuy ? binance::OrderSide::kBuy : binance::OrderSide::kSell;
  out.new_client_order_id = client_text;
  out.new_order_resp_type = extras.resp_type;
  const core::Price px =
      o.side == core::Side::kBuy ? binance::price_floor(spec, o.price) : binance::price_ceil(spec, o.price);
  const core::Qty qty = binance::qty_floor(spec, o.qty);
  out.price = px;
  out.quantity = qty;
  binance::OrderCheck chk;
  chk.side = out.side;
  chk.price = px;
  chk.qty = qty;
  chk.reference_price = extras.reference_price;
  chk.open_orders_count = extras.open_orders_count;
  switch (o.tif) {
    case core::TimeInForce::kGtc:
      out.type = binance::OrderType::kLimit;
      out.time_in_force = binance::TimeInForce::kGtc;
      break;
    case core::TimeInForce::kIoc:
      out.type = binance::OrderType::kLimit;
      out.time_in_force = binance::TimeInForce::kIoc;
      break;
    case core::TimeInForce::kPostOnly:
      if (futures) {
        out.type = binance::OrderType::kLimit;
        out.time_in_force = binance::TimeInForce::kGtx;
      } else {
        out.type = binance::OrderType::kLimitMaker;  // takes no timeInForce
      }
      break;
  }
  chk.type = out.type;
  chk.has_tif = out.time_in_force.has_value();
  if (chk.has_tif) chk.tif = *out.time_in_force;
  if (futures && extras.reduce_only) {
    out.reduce_only = true;
    chk.reduce_only = true;
  }
  if (px.raw <= 0)
    return CheckResult::reject(futures ? -4001 : -1013,
                               futures ? "Price less than 0." : "Filter failure: PRICE_FILTER");
  if (qty.raw <= 0)
    return CheckResult::reject(futures ? -4003 : -1013,
                               futures ? "Quantity less than or equal to zero." : "Filter failure: LOT_SIZE");
  return binance::check_new_order(spec, chk);
}

OrderEncoder::OrderEncoder(Options o, const binance::HmacSha256Signer* hmac, binance::Ed25519Signer* ed25519)
    : opt_(std::move(o)), hmac_(hmac), ed_(ed25519) {}

bool OrderEncoder::render(Wire wire, std::string_view ws_method, uint64_t ws_id) {
  if (!params_.ok()) return false;
  out_.clear();
  if (wire == Wire::kRest) {
    if (!binance::encode_query(params_, out_)) return false;
    if (hmac_ != nullptr) {
      char sig[binance::kHmacSha256HexSize];
      hmac_->sign(out_.view(), "", sig);
      return binance::append_signature(out_, std::string_view(sig, sizeof sig));
    }
    if (ed_ == nullptr) return false;
    char sig[binance::kEd25519Base64Size];
    if (!ed_->sign(out_.view(), sig)) return false;
    return binance::append_signature(out_, std::string_view(sig, sizeof sig));
  }
  const bool per_request = !opt_.ws_session_auth;
  if (per_request && !params_.add("apiKey", opt_.api_key)) return false;
  char idbuf[24];
  char* p = idbuf + sizeof idbuf;
  do {
    *--p = static_cast<char>('0' + ws_id % 10);
    ws_id /= 10;
  } while (ws_id != 0);
  if (!binance::encode_ws_request(std::string_view(p, static_cast<std::size_t>(idbuf + sizeof idbuf - p)), ws_method,
                                  params_, out_, payload_))
    return false;
  if (!per_request) return binance::finish_ws_request(out_, params_, "");
  if (hmac_ != nullptr) {
    char sig[binance::kHmacSha256HexSize];
    hmac_->sign(payload_.view(), sig);
    return binance::finish_ws_request(out_, params_, std::string_view(sig, sizeof sig));
  }
  if (ed_ == nullptr) return false;
  char sig[binance::kEd25519Base64Size];
  if (!ed_->sign(payload_.view(), sig)) return false;
  return binance::finish_ws_request(out_, params_, std::string_view(sig, sizeof sig));
}

bool OrderEncoder::encode_new(const binance::NewOrder& o, Wire wire, uint64_t ws_id) {
  last_ = o;
  return binance::build_new_order(o, params_) && render(wire, binance::kWsOrderPlace, ws_id);
}

bool OrderEncoder::encode_ref(const binance::OrderRef& r, Wire wire, std::string_view ws_method, uint64_t ws_id) {
  return binance::build_order_ref(r, params_) && render(wire, ws_method, ws_id);
}

bool OrderEncoder::encode_cancel_replace(const binance::CancelReplace& c, uint64_t ws_id) {
  return binance::build_cancel_replace(c, params_) && render(Wire::kWsApi, binance::kWsOrderCancelReplace, ws_id);
}

bool OrderEncoder::encode_scope(const binance::SymbolScope& s, Wire wire, std::string_view ws_method, uint64_t ws_id) {
  return binance::build_symbol_scope(s, params_, false) && render(wire, ws_method, ws_id);
}

bool OrderEncoder::encode_trades(std::string_view symbol, uint64_t order_id, int64_t timestamp_ms,
                                 std::optional<int64_t> recv_window_ms) {
  params_.clear();
  params_.add("symbol", symbol);
  params_.add_uint("orderId", order_id);
  if (recv_window_ms) params_.add_int("recvWindow", *recv_window_ms);
  params_.add_int("timestamp", timestamp_ms);
  return render(Wire::kRest, "", 0);
}

CheckResult OrderEncoder::encode_order(const core::Order& o, const binance::InstrumentSpec& spec,
                                       std::string_view client_text, const NewOrderExtras& extras, int64_t timestamp_ms,
                                       std::optional<int64_t> recv_window_ms, Wire wire, uint64_t ws_id) {
  binance::NewOrder msg;
  CheckResult r = prepare_new_order(o, spec, client_text, extras, msg);
  if (!r.ok()) return r;
  msg.timestamp_ms = timestamp_ms;
  msg.recv_window_ms = recv_window_ms;
  if (!encode_new(msg, wire, ws_id)) return CheckResult::reject(-1000, "request does not fit the send buffer");
  return r;
}

}  // namespace dmabot::binance_gateway
