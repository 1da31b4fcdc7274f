// Order/account message codecs: engine request encoders against Binance's documented payloads, the
// response decoder against the docs' example responses, the sim's request-param parser against
// Binance's error rules, and encode -> decode round trips in both directions.
#include "gateway/binance/order_messages.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/binance/request_params.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/response_encoders.h"

namespace dmabot::binance {
namespace {

using core::Price;
using core::Qty;

Price px(std::string_view s) {
  Price p;
  EXPECT_EQ(Price::parse_signed(s, p), core::DecimalError::kOk) << s;
  return p;
}
Qty qty(std::string_view s) {
  Qty q;
  EXPECT_EQ(Qty::parse_signed(s, q), core::DecimalError::kOk) << s;
  return q;
}

std::string query_of(const ParamList& p) {
  FixedBuffer<2048> out;
  EXPECT_TRUE(encode_query(p, out));
  return std::string(out.view());
}

// The example keys of Binance's docs (rest-api.md / web-socket-api.md "SIGNED request example").
constexpr std::string_view kDocsApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";

// ------------------------------------------------------------------------------------------------
// Engine: request encoding

// rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order", step 1 (ASCII symbol).
TEST(OrderRequests, SpotNewOrderQueryIsTheDocsSignaturePayload) {
  NewOrder o;
  o.symbol = "LTCBTC";
  o.side = OrderSide::kBuy;
  o.type = OrderType::kLimit;
  o.time_in_force = TimeInForce::kGtc;
  o.quantity = qty("1");
  o.price = px("0.1");
  o.recv_window_ms = 5000;
  o.timestamp_ms = 1499827319559;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  EXPECT_EQ(query_of(p),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
            "timestamp=1499827319559");
}

// Same section, the non-ASCII symbol: percent-encoded UTF-8, upper-case hex.
TEST(OrderRequests, NonAsciiSymbolIsPercentEncodedAsTheDocsShow) {
  NewOrder o;
  o.symbol = "１２３４５６";
  o.time_in_force = TimeInForce::kGtc;
  o.quantity = qty("1");
  o.price = px("0.1");
  o.recv_window_ms = 5000;
  o.timestamp_ms = 1499827319559;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  EXPECT_EQ(query_of(p),
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&"
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");
}

// Numbers, decimals and booleans skip the percent-encoder (they cannot hold a reserved byte); strings
// still go through it. The query must be what encoding every value would give.
TEST(OrderRequests, PlainValuesAreCopiedStringsStillEncoded) {
  ParamList p;
  ASSERT_TRUE(p.add_int("i", -5));
  ASSERT_TRUE(p.add_uint("u", ~uint64_t{0}));
  ASSERT_TRUE(p.add_decimal("d", -1));
  ASSERT_TRUE(p.add_decimal("e", 6183763000000));
  ASSERT_TRUE(p.add_bool("b", true));
  ASSERT_TRUE(p.add("s", "a b/c"));
  EXPECT_TRUE(p.plain(0) && p.plain(1) && p.plain(2) && p.plain(3) && p.plain(4));
  EXPECT_FALSE(p.plain(5));
  FixedBuffer<256> q;
  ASSERT_TRUE(encode_query(p, q));
  EXPECT_EQ(q.view(), "i=-5&u=18446744073709551615&d=-0.00000001&e=61837.63&b=true&s=a%20b%2Fc");
  // Every plain value the writers can make holds only unreserved bytes.
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX, int64_t{123456789}}) {
    ParamList one;
    ASSERT_TRUE(one.add_decimal("x", v) && one.add_int("y", v));
    for (std::size_t k = 0; k < one.size(); ++k) {
      for (char c : one.value(k)) EXPECT_TRUE((c >= '0' && c <= '9') || c == '-' || c == '.') << one.value(k);
    }
  }
}

TEST(OrderRequests, DecimalsAreExactAndTrimmedIdsAreExact) {
  NewOrder o;
  o.symbol = "BTCUSDT";
  o.quantity = Qty::from_raw(1);              // 1e-8
  o.price = Price::from_raw(12345670000000);  // 123456.7
  o.timestamp_ms = 1;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  EXPECT_EQ(query_of(p), "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.00000001&price=123456.7&timestamp=1");

  OrderRef r;
  r.symbol = "BTCUSDT";
  r.order_id = 9007199254740993ULL;  // 2^53 + 1: a double would print ...992
  r.timestamp_ms = 2;
  ASSERT_TRUE(build_order_ref(r, p));
  EXPECT_EQ(query_of(p), "symbol=BTCUSDT&orderId=9007199254740993&timestamp=2");
  r.order_id = 18446744073709551615ULL;
  ASSERT_TRUE(build_order_ref(r, p));
  EXPECT_EQ(query_of(p), "symbol=BTCUSDT&orderId=18446744073709551615&timestamp=2");
}

TEST(OrderRequests, FuturesOrderCarriesPositionSideReduceOnlyAndGtx) {
  NewOrder o;
  o.product = Product::kUsdmFutures;
  o.symbol = "BTCUSDT";
  o.side = OrderSide::kSell;
  o.time_in_force = TimeInForce::kGtx;
  o.quantity = qty("0.001");
  o.price = px("43187.1");
  o.position_side = PositionSide::kBoth;
  o.reduce_only = true;
  o.new_client_order_id = "dmabot-1";
  o.new_order_resp_type = OrderRespType::kResult;
  o.timestamp_ms = 1702555533821;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  EXPECT_EQ(query_of(p),
            "symbol=BTCUSDT&side=SELL&type=LIMIT&positionSide=BOTH&timeInForce=GTX&quantity=0.001&price=43187.1&"
            "reduceOnly=true&newClientOrderId=dmabot-1&newOrderRespType=RESULT&timestamp=1702555533821");
  // Spot has no reduceOnly/positionSide: the same request for spot leaves them out.
  o.product = Product::kSpot;
  ASSERT_TRUE(build_new_order(o, p));
  EXPECT_EQ(query_of(p).find("reduceOnly"), std::string::npos);
  EXPECT_EQ(query_of(p).find("positionSide"), std::string::npos);
}

TEST(OrderRequests, CancelQueryAndCancelAllShapes) {
  OrderRef r;
  r.product = Product::kUsdmFutures;
  r.symbol = "ETHUSDT";
  r.orig_client_order_id = "my order/1";  // space and '/' must be escaped
  r.recv_window_ms = 3000;
  r.timestamp_ms = 10;
  ParamList p;
  ASSERT_TRUE(build_order_ref(r, p));
  EXPECT_EQ(query_of(p), "symbol=ETHUSDT&origClientOrderId=my%20order%2F1&recvWindow=3000&timestamp=10");
  r.orig_client_order_id = {};
  EXPECT_FALSE(build_order_ref(r, p)) << "neither orderId nor origClientOrderId";
  r.order_id = 5;
  r.symbol = {};
  EXPECT_FALSE(build_order_ref(r, p)) << "no symbol";

  SymbolScope s{Product::kSpot, "BTCUSDT", 77, std::nullopt};
  ASSERT_TRUE(build_symbol_scope(s, p, true));
  EXPECT_EQ(query_of(p), "symbol=BTCUSDT&timestamp=77");
  s.symbol = {};
  EXPECT_FALSE(build_symbol_scope(s, p, true));
  ASSERT_TRUE(build_symbol_scope(s, p, false));
  EXPECT_EQ(query_of(p), "timestamp=77");
}

TEST(OrderRequests, SignatureIsAppendedPercentEncoded) {
  FixedBuffer<256> out;
  ASSERT_TRUE(out.append("symbol=X&timestamp=1"));
  // An Ed25519 signature is base64: '+', '/' and '=' must be escaped in a URL.
  ASSERT_TRUE(append_signature(out, "ab+/c=="));
  EXPECT_EQ(out.view(), "symbol=X&timestamp=1&signature=ab%2B%2Fc%3D%3D");
  FixedBuffer<64> empty;
  ASSERT_TRUE(append_signature(empty, "deadbeef"));
  EXPECT_EQ(empty.view(), "signature=deadbeef");
}

// web-socket-api.md, "SIGNED request example (HMAC)": the payload is the params (apiKey included,
// signature not) sorted by name, raw values.
TEST(OrderRequests, WsRequestGivesTheDocsSignaturePayloadInOnePass) {
  ParamList p;
  ASSERT_TRUE(p.add("symbol", "BTCUSDT"));
  ASSERT_TRUE(p.add("side", "SELL"));
  ASSERT_TRUE(p.add("type", "LIMIT"));
  ASSERT_TRUE(p.add("timeInForce", "GTC"));
  ASSERT_TRUE(p.add("quantity", "0.01000000"));
  ASSERT_TRUE(p.add("price", "52000.00"));
  ASSERT_TRUE(p.add_int("recvWindow", 100));
  ASSERT_TRUE(p.add_int("timestamp", 1645423376532));
  ASSERT_TRUE(p.add("apiKey", kDocsApiKey));
  FixedBuffer<2048> json;
  FixedBuffer<1024> payload;
  ASSERT_TRUE(encode_ws_request("4885f793-e5ad-4c3b-8f6c-55d891472b71", kWsOrderPlace, p, json, payload));
  EXPECT_EQ(payload.view(),
            "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&"
            "quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&"
            "type=LIMIT");
  // The docs' HMAC of that payload, appended as the request's signature.
  ASSERT_TRUE(finish_ws_request(json, p, "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"));
  EXPECT_EQ(json.view(),
            "{\"id\":\"4885f793-e5ad-4c3b-8f6c-55d891472b71\",\"method\":\"order.place\",\"params\":{\"apiKey\":"
            "\"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\",\"price\":\"52000.00\","
            "\"quantity\":\"0.01000000\",\"recvWindow\":100,\"side\":\"SELL\",\"symbol\":\"BTCUSDT\","
            "\"timeInForce\":\"GTC\",\"timestamp\":1645423376532,\"type\":\"LIMIT\",\"signature\":"
            "\"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24\"}}");

  // The sim reads the same frame back: same payload, so a signature made on one side verifies on the other.
  RequestParams sim;
  ASSERT_TRUE(sim.parse_ws_request(json.view()).ok());
  EXPECT_EQ(sim.ws_method(), "order.place");
  EXPECT_EQ(sim.ws_id_json(), "\"4885f793-e5ad-4c3b-8f6c-55d891472b71\"");
  EXPECT_EQ(sim.ws_signature_payload(), payload.view());
  EXPECT_EQ(sim.peek("signature"), "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
}

TEST(OrderRequests, WsShapesWithoutParamsSessionLogonAndEscapedIds) {
  ParamList none;
  FixedBuffer<512> json;
  FixedBuffer<512> payload;
  ASSERT_TRUE(encode_ws_request("d3df8a21", kWsUserDataSubscribe, none, json, payload));
  ASSERT_TRUE(finish_ws_request(json, none, {}));
  EXPECT_EQ(json.view(), "{\"id\":\"d3df8a21\",\"method\":\"userDataStream.subscribe\"}");
  EXPECT_TRUE(payload.empty());

  ParamList p;
  ASSERT_TRUE(build_signed_session({kDocsApiKey, 1649729878532, std::nullopt}, p));
  ASSERT_TRUE(encode_ws_request("a\"b", kWsSessionLogon, p, json, payload));
  EXPECT_EQ(payload.view(), "apiKey=" + std::string(kDocsApiKey) + "&timestamp=1649729878532");
  ASSERT_TRUE(finish_ws_request(json, p, "sig+/="));
  EXPECT_EQ(json.view(), "{\"id\":\"a\\\"b\",\"method\":\"session.logon\",\"params\":{\"apiKey\":\"" +
                             std::string(kDocsApiKey) + "\",\"timestamp\":1649729878532,\"signature\":\"sig+/=\"}}");

  // JSON escapes: quote, backslash, control bytes; UTF-8 as it is.
  ParamList esc;
  ASSERT_TRUE(esc.add("newClientOrderId", std::string_view("q\"b\\s\x01\n\xE4\xB8\xAD", 10)));
  ASSERT_TRUE(encode_ws_request("1", kWsOrderPlace, esc, json, payload));
  ASSERT_TRUE(finish_ws_request(json, esc, {}));
  EXPECT_EQ(json.view(),
            "{\"id\":\"1\",\"method\":\"order.place\",\"params\":{\"newClientOrderId\":"
            "\"q\\\"b\\\\s\\u0001\\u000a\xE4\xB8\xAD\"}}");
  RequestParams back;
  EXPECT_EQ(back.parse_ws_request(json.view()).code, -1100) << "control characters are illegal for Binance";

  // After session.logon: no apiKey, no signature, params closed as they are.
  ParamList t;
  ASSERT_TRUE(build_symbol_scope({Product::kSpot, "BTCUSDT", 5, std::nullopt}, t, false));
  ASSERT_TRUE(encode_ws_request("7", kWsOpenOrdersStatus, t, json, payload));
  ASSERT_TRUE(finish_ws_request(json, t, {}));
  EXPECT_EQ(json.view(),
            "{\"id\":\"7\",\"method\":\"openOrders.status\",\"params\":{\"symbol\":\"BTCUSDT\","
            "\"timestamp\":5}}");
}

TEST(OrderRequests, CancelReplaceCarriesBothHalves) {
  CancelReplace c;
  c.cancel_order_id = 12;
  c.order.symbol = "BTCUSDT";
  c.order.side = OrderSide::kSell;
  c.order.type = OrderType::kLimitMaker;
  c.order.quantity = qty("0.5");
  c.order.price = px("70000.01");
  c.order.timestamp_ms = 99;
  ParamList p;
  ASSERT_TRUE(build_cancel_replace(c, p));
  EXPECT_EQ(query_of(p),
            "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&cancelOrderId=12&side=SELL&type=LIMIT_MAKER&"
            "quantity=0.5&price=70000.01&timestamp=99");
}

TEST(OrderRequests, TooSmallBuffersAndFullListsFailCleanly) {
  NewOrder o;
  o.symbol = "BTCUSDT";
  o.timestamp_ms = 1;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  FixedBuffer<16> small;
  EXPECT_FALSE(encode_query(p, small));
  EXPECT_TRUE(small.overflowed());
  FixedBuffer<16> json;
  FixedBuffer<8> payload;
  EXPECT_FALSE(encode_ws_request("1", kWsOrderPlace, p, json, payload));
  EXPECT_FALSE(finish_ws_request(json, p, {}));

  ParamList full;
  for (std::size_t i = 0; i < ParamList::kMaxParams; ++i) ASSERT_TRUE(full.add("k", "v"));
  EXPECT_FALSE(full.add("k", "v"));
  EXPECT_FALSE(full.ok());
  FixedBuffer<1024> out;
  EXPECT_FALSE(encode_query(full, out));
  ParamList big;
  EXPECT_FALSE(big.add("k", std::string(ParamList::kArenaBytes + 1, 'x')));
}

// ------------------------------------------------------------------------------------------------
// Engine: decoding the docs' example responses

// rest-api.md "New order" Response - ACK / RESULT / FULL.
constexpr std::string_view kSpotAck = R"({
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
    "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595 })";
constexpr std::string_view kSpotResult = R"({
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
    "transactTime": 1507725176595, "price": "0.00000000", "origQty": "10.00000000",
    "executedQty": "10.00000000", "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "10.00000000",
    "status": "FILLED", "timeInForce": "GTC", "type": "MARKET", "side": "SELL",
    "workingTime": 1507725176595, "selfTradePreventionMode": "NONE" })";
constexpr std::string_view kSpotFull = R"({
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
    "transactTime": 1507725176595, "price": "0.00000000", "origQty": "10.00000000",
    "executedQty": "10.00000000", "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "10.00000000",
    "status": "FILLED", "timeInForce": "GTC", "type": "MARKET", "side": "SELL",
    "workingTime": 1507725176595, "selfTradePreventionMode": "NONE",
    "fills": [
        { "price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000", "commissionAsset": "USDT", "tradeId": 56 },
        { "price": "3999.00000000", "qty": "5.00000000", "commission": "19.99500000", "commissionAsset": "USDT", "tradeId": 57 },
        { "price": "3998.00000000", "qty": "2.00000000", "commission": "7.99600000", "commissionAsset": "USDT", "tradeId": 58 },
        { "price": "3997.00000000", "qty": "1.00000000", "commission": "3.99700000", "commissionAsset": "USDT", "tradeId": 59 },
        { "price": "3995.00000000", "qty": "1.00000000", "commission": "3.99500000", "commissionAsset": "USDT", "tradeId": 60 }
    ] })";

TEST(OrderResponses, SpotNewOrderAckResultFull) {
  ResponseDecoder d;
  OrderResult o;
  ASSERT_TRUE(d.decode_order(kSpotAck, Product::kSpot, o).ok());
  EXPECT_EQ(o.symbol, "BTCUSDT");
  EXPECT_EQ(o.order_id, 28u);
  EXPECT_EQ(o.order_list_id, -1);
  EXPECT_EQ(o.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
  EXPECT_EQ(o.transact_time_ms, 1507725176595);
  EXPECT_FALSE(o.has_details);
  EXPECT_TRUE(d.fills().empty());

  ASSERT_TRUE(d.decode_order(kSpotResult, Product::kSpot, o).ok());
  EXPECT_TRUE(o.has_details);
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  EXPECT_EQ(o.type, OrderType::kMarket);
  EXPECT_EQ(o.side, OrderSide::kSell);
  EXPECT_EQ(o.orig_qty.raw, 10 * core::kScale);
  EXPECT_EQ(o.cum_quote.raw, 10 * core::kScale);
  EXPECT_EQ(o.working_time_ms, 1507725176595);
  EXPECT_EQ(o.self_trade_prevention_mode, "NONE");

  ASSERT_TRUE(d.decode_order(kSpotFull, Product::kSpot, o).ok());
  const auto fills = d.fills();
  ASSERT_EQ(fills.size(), 5u);
  EXPECT_EQ(fills[1].price.raw, 3999 * core::kScale);
  EXPECT_EQ(fills[1].qty.raw, 5 * core::kScale);
  EXPECT_EQ(fills[1].commission.raw, 1999500000);  // 19.995
  EXPECT_EQ(fills[1].commission_asset, "USDT");
  EXPECT_EQ(fills[4].trade_id, 60u);
  int64_t filled = 0;
  for (const Fill& f : fills) filled += f.qty.raw;
  EXPECT_EQ(filled, o.executed_qty.raw);
}

TEST(OrderResponses, SpotCancelQueryOpenOrdersAndCancelAll) {
  ResponseDecoder d;
  OrderResult o;
  // rest-api.md "Cancel order" response.
  ASSERT_TRUE(d.decode_order(R"({"symbol": "LTCBTC", "origClientOrderId": "myOrder1", "orderId": 4,
    "orderListId": -1, "clientOrderId": "cancelMyOrder1", "transactTime": 1684804350068, "price": "2.00000000",
    "origQty": "1.00000000", "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
    "cummulativeQuoteQty": "0.00000000", "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT",
    "side": "BUY", "selfTradePreventionMode": "NONE"})",
                             Product::kSpot, o)
                  .ok());
  EXPECT_EQ(o.orig_client_order_id, "myOrder1");
  EXPECT_EQ(o.client_order_id, "cancelMyOrder1");
  EXPECT_EQ(o.status, OrderStatus::kCanceled);
  EXPECT_EQ(o.price.raw, 2 * core::kScale);

  // "Current open orders" response ("0.1", "1.0": not every field has 8 decimals).
  std::span<const OrderResult> list;
  ASSERT_TRUE(d.decode_orders(R"([{"symbol": "LTCBTC", "orderId": 1, "orderListId": -1, "clientOrderId": "myOrder1",
    "price": "0.1", "origQty": "1.0", "executedQty": "0.0", "cummulativeQuoteQty": "0.0", "status": "NEW",
    "timeInForce": "GTC", "type": "LIMIT", "side": "BUY", "stopPrice": "0.0", "icebergQty": "0.0",
    "time": 1499827319559, "updateTime": 1499827319559, "isWorking": true, "origQuoteOrderQty": "0.000000",
    "workingTime": 1499827319559, "selfTradePreventionMode": "NONE"}])",
                              Product::kSpot, list)
                  .ok());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].price.raw, 10000000);
  EXPECT_EQ(list[0].orig_qty.raw, core::kScale);
  EXPECT_TRUE(list[0].is_working);
  EXPECT_EQ(list[0].time_ms, 1499827319559);

  // "Cancel All Open Orders on a Symbol": the order-list entry is skipped, both orders kept.
  ASSERT_TRUE(d.decode_orders(R"([
    {"symbol": "BTCUSDT", "origClientOrderId": "E6APeyTJvkMvLMYMqu1KQ4", "orderId": 11, "orderListId": -1,
     "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "transactTime": 1684804350068, "price": "0.089853",
     "origQty": "0.178622", "executedQty": "0.000000", "origQuoteOrderQty": "0.000000",
     "cummulativeQuoteQty": "0.000000", "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT",
     "side": "BUY", "selfTradePreventionMode": "NONE"},
    {"orderListId": 1929, "contingencyType": "OCO", "listStatusType": "ALL_DONE", "listOrderStatus": "ALL_DONE",
     "listClientOrderId": "2inzWQdDvZLHbbAmAozX2N", "transactionTime": 1585230948299, "symbol": "BTCUSDT",
     "orders": [{"symbol": "BTCUSDT", "orderId": 20, "clientOrderId": "CwOOIPHSmYywx6jZX77TdL"}]},
    {"symbol": "BTCUSDT", "origClientOrderId": "A3EF2HCwxgZPFMrfwbgrhv", "orderId": 13, "orderListId": -1,
     "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx", "transactTime": 1684804350069, "price": "0.090430",
     "origQty": "0.178622", "executedQty": "0.000000", "origQuoteOrderQty": "0.000000",
     "cummulativeQuoteQty": "0.000000", "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT",
     "side": "BUY", "selfTradePreventionMode": "NONE"}])",
                              Product::kSpot, list)
                  .ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].order_id, 11u);
  EXPECT_EQ(list[1].order_id, 13u);
  EXPECT_EQ(list[1].price.raw, 9043000);
}

TEST(OrderResponses, FuturesOrderRestAndWsEnvelope) {
  ResponseDecoder d;
  OrderResult o;
  // USD-M "New Order" REST response example.
  ASSERT_TRUE(d.decode_order(R"({"clientOrderId": "testOrder", "cumQty": "0", "cumQuote": "0",
    "executedQty": "0", "orderId": 22542179, "avgPrice": "0.00000", "origQty": "10", "price": "0",
    "reduceOnly": false, "side": "BUY", "positionSide": "SHORT", "status": "NEW", "stopPrice": "9300",
    "closePosition": false, "symbol": "BTCUSDT", "timeInForce": "GTD", "type": "TRAILING_STOP_MARKET",
    "origType": "TRAILING_STOP_MARKET", "activatePrice": "9020", "priceRate": "0.3", "updateTime": 1566818724722,
    "workingType": "CONTRACT_PRICE", "priceProtect": false, "priceMatch": "NONE",
    "selfTradePreventionMode": "NONE", "goodTillDate": 1693207680000})",
                             Product::kUsdmFutures, o)
                  .ok());
  EXPECT_EQ(o.order_id, 22542179u);
  EXPECT_EQ(o.position_side, PositionSide::kShort);
  EXPECT_EQ(o.time_in_force, TimeInForce::kGtd);
  EXPECT_EQ(o.type, OrderType::kTrailingStopMarket);
  EXPECT_EQ(o.stop_price.raw, 9300 * core::kScale);
  EXPECT_EQ(o.orig_qty.raw, 10 * core::kScale);
  EXPECT_EQ(o.good_till_date, 1693207680000);
  EXPECT_EQ(o.working_type, "CONTRACT_PRICE");

  // USD-M WebSocket API order.place response example, with rateLimits.
  WsEnvelope env;
  ASSERT_TRUE(d.decode_ws_envelope(R"({"id": "3f7df6e3-2df4-44b9-9919-d2f38f90a99a", "status": 200,
    "result": {"orderId": 325078477, "symbol": "BTCUSDT", "status": "NEW", "clientOrderId": "iCXL1BywlBaf2sesNUrVl3",
      "price": "43187.00", "avgPrice": "0.00", "origQty": "0.100", "executedQty": "0.000", "cumQty": "0.000",
      "cumQuote": "0.00000", "timeInForce": "GTC", "type": "LIMIT", "reduceOnly": false, "closePosition": false,
      "side": "BUY", "positionSide": "BOTH", "stopPrice": "0.00", "workingType": "CONTRACT_PRICE",
      "priceProtect": false, "origType": "LIMIT", "priceMatch": "NONE", "selfTradePreventionMode": "NONE",
      "goodTillDate": 0, "updateTime": 1702555534435},
    "rateLimits": [
      {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300, "count": 1},
      {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200, "count": 1},
      {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400, "count": 1}]})",
                                   env)
                  .ok());
  EXPECT_EQ(env.id, "3f7df6e3-2df4-44b9-9919-d2f38f90a99a");
  EXPECT_TRUE(env.id_is_string);
  EXPECT_EQ(env.status, 200);
  ASSERT_TRUE(env.has_result);
  ASSERT_EQ(env.rate_limits.size(), 3u);
  EXPECT_EQ(env.rate_limits[2].rate_limit_type, "REQUEST_WEIGHT");
  EXPECT_EQ(env.rate_limits[2].limit, 2400);
  ASSERT_TRUE(d.decode_order(kWsResult, Product::kUsdmFutures, o).ok());
  EXPECT_EQ(o.order_id, 325078477u);
  EXPECT_EQ(o.price.raw, 4318700000000);
  EXPECT_EQ(o.orig_qty.raw, 10000000);

  // web-socket-api.md failed response example.
  ASSERT_TRUE(d.decode_ws_envelope(R"({"id": "e2a85d9f-07a5-4f94-8d5f-789dc3deb097", "status": 400,
    "error": {"code": -2010, "msg": "Account has insufficient balance for requested action."},
    "rateLimits": [{"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50, "count": 13}]})",
                                   env)
                  .ok());
  EXPECT_FALSE(env.has_result);
  EXPECT_EQ(env.status, 400);
  EXPECT_EQ(env.error.code, -2010);
  EXPECT_EQ(env.error.msg, "Account has insufficient balance for requested action.");
  EXPECT_EQ(d.decode_order(kWsResult, Product::kSpot, o).error, DecodeError::kNoWsResult);

  // Numeric and null ids.
  ASSERT_TRUE(
      d.decode_ws_envelope(R"({"id":9007199254740993,"status":200,"result":{"serverTime":1656400526260}})", env).ok());
  EXPECT_EQ(env.id, "9007199254740993");
  EXPECT_FALSE(env.id_is_string);
  int64_t t = 0;
  ASSERT_TRUE(d.decode_server_time(kWsResult, t).ok());
  EXPECT_EQ(t, 1656400526260);
  ASSERT_TRUE(
      d.decode_ws_envelope(R"({"id":null,"status":400,"error":{"code":-1135,"msg":"Invalid JSON Request"}})", env)
          .ok());
  EXPECT_TRUE(env.id_is_null);
}

TEST(OrderResponses, SpotAccountAndMyTrades) {
  ResponseDecoder d;
  SpotAccount a;
  std::span<const SpotAssetBalance> bal;
  // rest-api.md "Account information" response.
  ASSERT_TRUE(d.decode_spot_account(R"({"makerCommission": 15, "takerCommission": 15, "buyerCommission": 0,
    "sellerCommission": 0, "commissionRates": {"maker": "0.00150000", "taker": "0.00150000", "buyer": "0.00000000",
    "seller": "0.00000000"}, "canTrade": true, "canWithdraw": true, "canDeposit": true, "brokered": false,
    "requireSelfTradePrevention": false, "preventSor": false, "updateTime": 123456789, "accountType": "SPOT",
    "balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"},
                 {"asset": "LTC", "free": "4763368.68006011", "locked": "0.00000000"}],
    "permissions": ["SPOT"], "uid": 354937868})",
                                    a, bal)
                  .ok());
  EXPECT_EQ(a.maker_commission, 15);
  EXPECT_EQ(a.commission_maker.raw, 150000);
  EXPECT_EQ(a.uid, 354937868u);
  EXPECT_EQ(a.account_type, "SPOT");
  ASSERT_EQ(bal.size(), 2u);
  EXPECT_EQ(bal[0].asset, "BTC");
  EXPECT_EQ(bal[0].free.raw, 472384689208129);
  EXPECT_EQ(bal[1].free.raw, 476336868006011);

  std::span<const AccountTrade> tr;
  // rest-api.md "Account trade list" response.
  ASSERT_TRUE(d.decode_trades(R"([{"symbol": "BNBBTC", "id": 28457, "orderId": 100234, "orderListId": -1,
    "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.000012", "commission": "10.10000000",
    "commissionAsset": "BNB", "time": 1499865549590, "isBuyer": true, "isMaker": false, "isBestMatch": true}])",
                              Product::kSpot, tr)
                  .ok());
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].id, 28457u);
  EXPECT_EQ(tr[0].price.raw, 400000100);
  EXPECT_EQ(tr[0].quote_qty.raw, 4800001200);
  EXPECT_TRUE(tr[0].is_buyer);
  EXPECT_FALSE(tr[0].is_maker);
  EXPECT_EQ(tr[0].side, OrderSide::kBuy);
}

TEST(OrderResponses, FuturesPositionsBalancesAccountAndTrades) {
  ResponseDecoder d;
  std::span<const FuturesPositionInfo> pos;
  // USD-M "Position Information V3" examples (one-way and hedge mode).
  ASSERT_TRUE(d.decode_positions(R"([
    {"symbol": "ADAUSDT", "positionSide": "BOTH", "positionAmt": "30", "entryPrice": "0.385",
     "breakEvenPrice": "0.385077", "markPrice": "0.41047590", "unRealizedProfit": "0.76427700",
     "liquidationPrice": "0", "isolatedMargin": "0", "notional": "12.31427700", "marginAsset": "USDT",
     "isolatedWallet": "0", "initialMargin": "0.61571385", "maintMargin": "0.08004280",
     "positionInitialMargin": "0.61571385", "openOrderInitialMargin": "0", "adl": 2, "bidNotional": "0",
     "askNotional": "0", "updateTime": 1720736417660},
    {"symbol": "COMPUSDT", "positionSide": "SHORT", "positionAmt": "-1.000", "entryPrice": "70.92841",
     "unRealizedProfit": "-2.5", "updateTime": 1720736417660}])",
                                 pos)
                  .ok());
  ASSERT_EQ(pos.size(), 2u);
  EXPECT_EQ(pos[0].position_amt.raw, 30 * core::kScale);
  EXPECT_EQ(pos[0].mark_price.raw, 41047590);
  EXPECT_EQ(pos[0].unrealized_profit.raw, 76427700);
  EXPECT_EQ(pos[0].adl, 2);
  EXPECT_EQ(pos[1].position_side, PositionSide::kShort);
  EXPECT_EQ(pos[1].position_amt.raw, -core::kScale);
  EXPECT_EQ(pos[1].unrealized_profit.raw, -250000000);

  // positionRisk v2: leverage and isAutoAddMargin are strings there.
  ASSERT_TRUE(d.decode_positions(R"([{"entryPrice": "0.00000", "breakEvenPrice": "0.0", "marginType": "isolated",
    "isAutoAddMargin": "false", "isolatedMargin": "0.00000000", "leverage": "10", "liquidationPrice": "0",
    "markPrice": "6679.50671178", "maxNotionalValue": "20000000", "positionAmt": "0.000", "notional": "0",
    "isolatedWallet": "0", "symbol": "BTCUSDT", "unRealizedProfit": "0.00000000", "positionSide": "BOTH",
    "updateTime": 0}])",
                                 pos)
                  .ok());
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(pos[0].leverage, 10);
  EXPECT_EQ(pos[0].margin_type, "isolated");
  EXPECT_EQ(pos[0].mark_price.raw, 667950671178);

  std::span<const FuturesAssetBalance> bal;
  ASSERT_TRUE(d.decode_futures_balances(R"([{"accountAlias": "SgsR", "asset": "USDT", "balance": "122607.35137903",
    "crossWalletBalance": "23.72469206", "crossUnPnl": "0.00000000", "availableBalance": "23.72469206",
    "maxWithdrawAmount": "23.72469206", "marginAvailable": true, "updateTime": 1617939110373}])",
                                        bal)
                  .ok());
  ASSERT_EQ(bal.size(), 1u);
  EXPECT_EQ(bal[0].wallet_balance.raw, 12260735137903);
  EXPECT_EQ(bal[0].available_balance.raw, 2372469206);
  EXPECT_EQ(bal[0].account_alias, "SgsR");

  FuturesAccount acc;
  std::span<const FuturesPositionInfo> ap;
  ASSERT_TRUE(d.decode_futures_account(R"({"totalInitialMargin": "0.00000000", "totalMaintMargin": "0.00000000",
    "totalWalletBalance": "103.12345678", "totalUnrealizedProfit": "-0.5", "totalMarginBalance": "102.62345678",
    "totalPositionInitialMargin": "0.00000000", "totalOpenOrderInitialMargin": "0.00000000",
    "totalCrossWalletBalance": "103.12345678", "totalCrossUnPnl": "0.00000000", "availableBalance": "103.12345678",
    "maxWithdrawAmount": "103.12345678",
    "assets": [{"asset": "USDT", "walletBalance": "23.72469206", "unrealizedProfit": "0.00000000",
      "marginBalance": "23.72469206", "maintMargin": "0.00000000", "initialMargin": "0.00000000",
      "positionInitialMargin": "0.00000000", "openOrderInitialMargin": "0.00000000",
      "crossWalletBalance": "23.72469206", "crossUnPnl": "0.00000000", "availableBalance": "23.72469206",
      "maxWithdrawAmount": "23.72469206", "updateTime": 1625474304765}],
    "positions": [{"symbol": "BTCUSDT", "positionSide": "BOTH", "positionAmt": "1.000",
      "unrealizedProfit": "0.00000000", "isolatedMargin": "0.00000000", "notional": "0", "isolatedWallet": "0",
      "initialMargin": "0", "maintMargin": "0", "updateTime": 0}]})",
                                       acc, bal, ap)
                  .ok());
  EXPECT_EQ(acc.total_wallet_balance.raw, 10312345678);
  EXPECT_EQ(acc.total_unrealized_profit.raw, -50000000);
  ASSERT_EQ(bal.size(), 1u);
  EXPECT_EQ(bal[0].wallet_balance.raw, 2372469206);
  ASSERT_EQ(ap.size(), 1u);
  EXPECT_EQ(ap[0].position_amt.raw, core::kScale);

  std::span<const AccountTrade> tr;
  ASSERT_TRUE(d.decode_trades(R"([{"buyer": false, "commission": "-0.07819010", "commissionAsset": "USDT",
    "id": 698759, "maker": false, "orderId": 25851813, "price": "7819.01", "qty": "0.002", "quoteQty": "15.63802",
    "realizedPnl": "-0.91539999", "side": "SELL", "positionSide": "SHORT", "symbol": "BTCUSDT",
    "time": 1569514978020}])",
                              Product::kUsdmFutures, tr)
                  .ok());
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].commission.raw, -7819010);
  EXPECT_EQ(tr[0].realized_pnl.raw, -91539999);
  EXPECT_EQ(tr[0].side, OrderSide::kSell);
  EXPECT_EQ(tr[0].position_side, PositionSide::kShort);
}

TEST(OrderResponses, SmallBodiesAndErrors) {
  ResponseDecoder d;
  int64_t t = 0;
  ASSERT_TRUE(d.decode_server_time(R"({"serverTime": 1499827319559})", t).ok());
  EXPECT_EQ(t, 1499827319559);
  InlineString<128> key;
  ASSERT_TRUE(
      d.decode_listen_key(R"({"listenKey": "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"})", key)
          .ok());
  EXPECT_EQ(key, "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
  LeverageResult lev;
  ASSERT_TRUE(d.decode_leverage(R"({"leverage": 21, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"})", lev).ok());
  EXPECT_EQ(lev.leverage, 21);
  EXPECT_EQ(lev.max_notional_value.raw, 1000000 * core::kScale);
  ErrorBody e;
  ASSERT_TRUE(d.decode_error(R"({"code": -1121, "msg": "Invalid symbol."})", e).ok());
  EXPECT_EQ(e.code, -1121);
  EXPECT_EQ(e.msg, "Invalid symbol.");
  // A rejection where an order was expected: kApiError, the error kept.
  OrderResult o;
  const DecodeResult r =
      d.decode_order(R"({"code":-2010,"msg":"Account has insufficient balance."})", Product::kSpot, o);
  EXPECT_EQ(r.error, DecodeError::kApiError);
  EXPECT_EQ(d.last_api_error().code, -2010);
  std::span<const OrderResult> list;
  EXPECT_EQ(d.decode_orders(R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})",
                            Product::kSpot, list)
                .error,
            DecodeError::kApiError);
  EXPECT_EQ(d.last_api_error().code, -1021);
}

// web-socket-api.md "Cancel and replace order": success, partial failure (409) and STOP_ON_FAILURE (400).
TEST(OrderResponses, CancelReplaceOutcomes) {
  ResponseDecoder d;
  WsEnvelope env;
  CancelReplaceResult cr;
  ASSERT_TRUE(d.decode_ws_envelope(R"({"id": "99de1036-b5e2-4e0f-9b5c-13d751c93a1a", "status": 200,
    "result": {"cancelResult": "SUCCESS", "newOrderResult": "SUCCESS",
      "cancelResponse": {"symbol": "BTCUSDT", "origClientOrderId": "4d96324ff9d44481926157", "orderId": 125690984230,
        "orderListId": -1, "clientOrderId": "91fe37ce9e69c90d6358c0", "transactTime": 1684804350068,
        "price": "23450.00000000", "origQty": "0.00847000", "executedQty": "0.00001000",
        "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "0.23450000", "status": "CANCELED",
        "timeInForce": "GTC", "type": "LIMIT", "side": "SELL", "selfTradePreventionMode": "NONE"},
      "newOrderResponse": {"symbol": "BTCUSDT", "orderId": 12569099453, "orderListId": -1,
        "clientOrderId": "bX5wROblo6YeDwa9iTLeyY", "transactTime": 1660813156959, "price": "23416.10000000",
        "origQty": "0.00847000", "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
        "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC", "type": "LIMIT",
        "side": "SELL", "selfTradePreventionMode": "NONE"}},
    "rateLimits": [{"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50, "count": 1}]})",
                                   env)
                  .ok());
  ASSERT_TRUE(d.decode_cancel_replace(kWsResult, cr).ok());
  EXPECT_EQ(cr.cancel_result, "SUCCESS");
  ASSERT_TRUE(cr.has_cancel);
  EXPECT_EQ(cr.cancel.order_id, 125690984230u);
  EXPECT_EQ(cr.cancel.executed_qty.raw, 1000);
  ASSERT_TRUE(cr.has_new_order);
  EXPECT_EQ(cr.new_order.order_id, 12569099453u);
  EXPECT_EQ(cr.new_order.price.raw, 2341610000000);

  ASSERT_TRUE(d.decode_ws_envelope(R"({"id": "b220edfe", "status": 409, "error": {"code": -2021,
    "msg": "Order cancel-replace partially failed.", "data": {"cancelResult": "SUCCESS", "newOrderResult": "FAILURE",
      "cancelResponse": {"symbol": "BTCUSDT", "origClientOrderId": "4d96324ff9d44481926157", "orderId": 125690984230,
        "orderListId": -1, "clientOrderId": "91fe37ce9e69c90d6358c0", "transactTime": 1684804350068,
        "price": "23450.00000000", "origQty": "0.00847000", "executedQty": "0.00001000",
        "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "0.23450000", "status": "CANCELED",
        "timeInForce": "GTC", "type": "LIMIT", "side": "SELL", "selfTradePreventionMode": "NONE"},
      "newOrderResponse": {"code": -2010, "msg": "Order would immediately match and take."}}}})",
                                   env)
                  .ok());
  EXPECT_EQ(env.status, 409);
  EXPECT_EQ(env.error.code, -2021);
  ASSERT_TRUE(env.error_has_data);
  ASSERT_TRUE(d.decode_cancel_replace(kWsResult, cr).ok());
  EXPECT_TRUE(cr.has_cancel);
  EXPECT_FALSE(cr.has_new_order);
  EXPECT_EQ(cr.new_order_error.code, -2010);
  EXPECT_EQ(cr.new_order_result, "FAILURE");

  // REST failure body, STOP_ON_FAILURE: the new order was not attempted (null).
  ASSERT_TRUE(d.decode_cancel_replace(R"({"code": -2022, "msg": "Order cancel-replace failed.", "data": {
      "cancelResult": "FAILURE", "newOrderResult": "NOT_ATTEMPTED",
      "cancelResponse": {"code": -2011, "msg": "Unknown order sent."}, "newOrderResponse": null}})",
                                      cr)
                  .ok());
  EXPECT_FALSE(cr.has_cancel);
  EXPECT_EQ(cr.cancel_error.code, -2011);
  EXPECT_EQ(cr.cancel_error.msg, "Unknown order sent.");
  EXPECT_FALSE(cr.has_new_order);
  EXPECT_EQ(cr.new_order_error.code, 0);
  EXPECT_EQ(cr.new_order_result, "NOT_ATTEMPTED");
  EXPECT_EQ(d.last_api_error().code, -2022);

  // The sim's encoding of the partial failure decodes to the same halves.
  OrderResult canceled;
  ASSERT_TRUE(canceled.symbol.assign("BTCUSDT"));
  ASSERT_TRUE(canceled.client_order_id.assign("c1"));
  canceled.order_id = 9007199254740993ULL;
  canceled.status = OrderStatus::kCanceled;
  canceled.price = px("23450");
  CancelReplaceReport rep;
  rep.cancel_result = "SUCCESS";
  rep.new_order_result = "FAILURE";
  rep.cancel = &canceled;
  rep.new_order_error = {-2010, "Order would immediately match and take."};
  std::string data;
  encode_cancel_replace(rep, DecimalStyle{}, data);
  std::string frame;
  encode_ws_error("\"x\"", 409, -2021, "Order cancel-replace partially failed.", {}, frame, data);
  ASSERT_TRUE(d.decode_ws_envelope(frame, env).ok()) << frame;
  ASSERT_TRUE(d.decode_cancel_replace(kWsResult, cr).ok()) << frame;
  EXPECT_EQ(cr.cancel.order_id, canceled.order_id);
  EXPECT_EQ(cr.cancel.price, canceled.price);
  EXPECT_EQ(cr.new_order_error.msg, "Order would immediately match and take.");
  rep.new_order_error = {};
  rep.new_order_result = "NOT_ATTEMPTED";
  data.clear();
  encode_cancel_replace(rep, DecimalStyle{}, data);
  EXPECT_NE(data.find("\"newOrderResponse\":null"), std::string::npos) << data;
}

// Malformed bodies: a clear error naming the field, never a crash.
TEST(OrderResponses, MalformedBodiesNameTheProblem) {
  ResponseDecoder d;
  OrderResult o;
  auto dec = [&](std::string_view body) { return d.decode_order(body, Product::kSpot, o); };
  EXPECT_EQ(dec("").error, DecodeError::kEmpty);
  EXPECT_EQ(dec("   \n").error, DecodeError::kEmpty);
  EXPECT_EQ(dec(R"({"symbol":"BTCUSDT","orderId":28,)").error, DecodeError::kBadJson);
  EXPECT_EQ(dec(R"({"symbol":"BTCUSDT","orderId":28,"clientOrderId":"x"} trailing)").error, DecodeError::kBadJson);
  EXPECT_EQ(dec("[1,2]").error, DecodeError::kNotObject);
  DecodeResult r = dec(R"({"orderId":28,"clientOrderId":"x"})");
  EXPECT_EQ(r.error, DecodeError::kMissingField);
  EXPECT_EQ(r.field, "symbol");
  EXPECT_EQ(describe(r), "missing field in 'symbol'");
  r = dec(R"({"symbol":"BTCUSDT","orderId":"28","clientOrderId":"x"})");
  EXPECT_EQ(r.error, DecodeError::kWrongType);
  EXPECT_EQ(r.field, "orderId");
  r = dec(R"({"symbol":"BTCUSDT","orderId":-28,"clientOrderId":"x"})");
  EXPECT_EQ(r.error, DecodeError::kOutOfRange);
  r = dec(R"({"symbol":"BTCUSDT","orderId":28.5,"clientOrderId":"x"})");
  EXPECT_EQ(r.error, DecodeError::kWrongType);
  r = dec(R"({"symbol":"BTCUSDT","orderId":184467440737095516150,"clientOrderId":"x"})");
  EXPECT_NE(r.error, DecodeError::kOk);
  const std::string base = R"({"symbol":"BTCUSDT","orderId":1,"clientOrderId":"x","executedQty":"0",
    "cummulativeQuoteQty":"0","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY",)";
  r = dec(base + R"("price":"0.000000001","origQty":"1"})");
  EXPECT_EQ(r.error, DecodeError::kTooManyDecimals);
  EXPECT_EQ(r.field, "price");
  r = dec(base + R"("price":"1e5","origQty":"1"})");
  EXPECT_EQ(r.error, DecodeError::kBadDecimal);
  r = dec(base + R"("price":"-1","origQty":"1"})");
  EXPECT_EQ(r.error, DecodeError::kNegative);
  r = dec(base + R"("price":"1","origQty":1})");
  EXPECT_EQ(r.error, DecodeError::kWrongType);
  EXPECT_EQ(r.field, "origQty");
  r = dec(std::string(R"({"symbol":"BTCUSDT","orderId":1,"clientOrderId":"x","executedQty":"0",
    "cummulativeQuoteQty":"0","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"HOLD","price":"1","origQty":"1"})"));
  EXPECT_EQ(r.error, DecodeError::kBadEnum);
  EXPECT_EQ(r.field, "side");
  r = dec(R"({"symbol":")" + std::string(65, 'A') + R"(","orderId":1,"clientOrderId":"x"})");
  EXPECT_EQ(r.error, DecodeError::kTooLong);
  // Computed values keep 8 decimals; echoed ones do not.
  r = d.decode_order(R"({"symbol":"BTCUSDT","orderId":1,"clientOrderId":"x","price":"1","origQty":"1",
    "executedQty":"0.3","avgPrice":"1.38016981132075","status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY"})",
                     Product::kUsdmFutures, o);
  ASSERT_TRUE(r.ok()) << describe(r);
  EXPECT_EQ(o.avg_price.raw, 138016981);
  WsEnvelope env;
  EXPECT_EQ(d.decode_ws_envelope(R"({"id":"1","status":200})", env).error, DecodeError::kMissingField);
  EXPECT_EQ(d.decode_ws_envelope(R"({"id":[1],"status":200,"result":{}})", env).error, DecodeError::kWrongType);
  std::span<const FuturesPositionInfo> pos;
  EXPECT_EQ(d.decode_positions(R"({"symbol":"x"})", pos).error, DecodeError::kNotArray);
  EXPECT_EQ(d.decode_positions(R"([{"symbol":"x","positionAmt":"abc"}])", pos).error, DecodeError::kBadDecimal);
}

// ------------------------------------------------------------------------------------------------
// Sim: request parameters

TEST(RequestParamsTest, RestQueryTypedGettersAndSignaturePayload) {
  RequestParams p;
  const std::string q =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
      "timestamp=1499827319559";
  ASSERT_TRUE(p.parse_rest(q + "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71", "").ok());
  EXPECT_EQ(p.rest_signature_payload(), q);
  std::string_view sym;
  OrderSide side{};
  OrderType type{};
  TimeInForce tif{};
  Qty quantity;
  Price price;
  int64_t ts = 0;
  ASSERT_TRUE(p.get_string("symbol", sym, Need::kRequired).ok());
  ASSERT_TRUE(p.get_side("side", side, Need::kRequired).ok());
  ASSERT_TRUE(p.get_order_type("type", type, Need::kRequired).ok());
  ASSERT_TRUE(p.get_time_in_force("timeInForce", tif, Need::kOptional).ok());
  ASSERT_TRUE(p.get_qty("quantity", quantity, Need::kOptional).ok());
  ASSERT_TRUE(p.get_price("price", price, Need::kOptional).ok());
  ASSERT_TRUE(p.get_int64("timestamp", ts, Need::kRequired).ok());
  EXPECT_EQ(sym, "LTCBTC");
  EXPECT_EQ(side, OrderSide::kBuy);
  EXPECT_EQ(tif, TimeInForce::kGtc);
  EXPECT_EQ(quantity.raw, core::kScale);
  EXPECT_EQ(price.raw, 10000000);
  EXPECT_EQ(ts, 1499827319559);
  // recvWindow and signature not read yet: Binance's -1104 with both counts.
  ApiError e = p.check_all_read();
  EXPECT_EQ(e.code, -1104);
  EXPECT_EQ(e.msg, "Not all sent parameters were read; read '7' parameter(s) but was sent '9'.");
  p.mark_read("signature");
  Price rw;
  ASSERT_TRUE(p.get_price("recvWindow", rw, Need::kOptional).ok());
  EXPECT_TRUE(p.check_all_read().ok());
  // An optional one not sent leaves the default.
  bool reduce_only = false;
  ASSERT_TRUE(p.get_bool("reduceOnly", reduce_only, Need::kOptional).ok());
  EXPECT_FALSE(reduce_only);
}

TEST(RequestParamsTest, PercentDecodingQueryBodyMixAndDuplicates) {
  RequestParams p;
  // The docs' non-ASCII example, split between query and body; '+' is a space in form encoding.
  ASSERT_TRUE(p.parse_rest("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY",
                           "newClientOrderId=a+b%2Fc&side=SELL&signature=x%2By")
                  .ok());
  EXPECT_EQ(p.peek("symbol"), "１２３４５６");
  EXPECT_EQ(p.peek("newClientOrderId"), "a b/c");
  EXPECT_EQ(p.peek("side"), "BUY") << "a name in query and body: the query's value is used";
  EXPECT_EQ(p.peek("signature"), "x+y");
  EXPECT_EQ(p.rest_signature_payload(),
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"
            "newClientOrderId=a+b%2Fc&side=SELL");

  // The Node connectors' case (notes/connectors.md): `a b~!(x)*` goes on the wire as URLSearchParams
  // writes it, but is signed as encodeURIComponent writes it.
  ASSERT_TRUE(p.parse_rest("symbol=BTCUSDT&newClientOrderId=a+b%7E%21%28x%29*&timestamp=1&signature=ff", "").ok());
  EXPECT_EQ(p.peek("newClientOrderId"), "a b~!(x)*");
  EXPECT_EQ(p.rest_signature_payload(), "symbol=BTCUSDT&newClientOrderId=a+b%7E%21%28x%29*&timestamp=1");
  EXPECT_EQ(p.rest_signature_payload_uri_component(), "symbol=BTCUSDT&newClientOrderId=a%20b~!(x)*&timestamp=1");

  ApiError e = p.parse_rest("symbol=A&symbol=B", "");
  EXPECT_EQ(e.code, -1101);
  EXPECT_EQ(e.msg, "Duplicate values for a parameter detected.");
  EXPECT_EQ(p.parse_rest("a=1", "b=2&b=3").code, -1101);
  EXPECT_EQ(p.parse_rest("symbol=%G1", "").code, -1100);
  EXPECT_EQ(p.parse_rest("symbol=%4", "").code, -1100);
  EXPECT_EQ(p.parse_rest("symbol=%0A", "").code, -1100) << "a control character";
  EXPECT_EQ(p.parse_rest("symbol=%FF", "").code, -1100) << "broken UTF-8";
  EXPECT_EQ(p.parse_rest("=5", "").code, -1100);
  std::string many;
  for (int i = 0; i <= static_cast<int>(RequestParams::kMaxParams); ++i) {
    many += 'p';
    many += std::to_string(i);
    many += "=1&";
  }
  EXPECT_EQ(p.parse_rest(many, "").code, -1101);
  // Empty pieces are skipped, signature in the middle is cut out with its '&'.
  ASSERT_TRUE(p.parse_rest("a=1&&signature=s&b=2", "").ok());
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.rest_signature_payload(), "a=1&&b=2");
}

TEST(RequestParamsTest, GetterErrorsAreBinances) {
  RequestParams p;
  ASSERT_TRUE(p.parse_rest("symbol=&price=abc&quantity=0.000000001&orderId=99999999999999999999&side=buy&type=X&"
                           "timeInForce=GTE&newOrderRespType=NONE&newClientOrderId=&timestamp=12a&reduceOnly=maybe",
                           "")
                  .ok());
  std::string_view s;
  ApiError e = p.get_string("symbol", s, Need::kRequired);
  EXPECT_EQ(e.code, -1102);
  EXPECT_EQ(e.msg, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  e = p.get_string("newClientOrderId", s, Need::kOptional);
  EXPECT_EQ(e.code, -1105);
  EXPECT_EQ(e.msg, "Parameter 'newClientOrderId' was empty.");
  EXPECT_EQ(p.get_string("missing", s, Need::kRequired).msg,
            "Mandatory parameter 'missing' was not sent, was empty/null, or malformed.");
  Price price;
  e = p.get_price("price", price, Need::kRequired);
  EXPECT_EQ(e.code, -1100);
  EXPECT_EQ(e.msg, "Illegal characters found in parameter 'price'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.");
  Qty q;
  e = p.get_qty("quantity", q, Need::kRequired);
  EXPECT_EQ(e.code, -1111);
  EXPECT_EQ(e.msg, "Parameter 'quantity' has too much precision.");
  uint64_t id = 0;
  e = p.get_uint64("orderId", id, Need::kOptional);
  EXPECT_EQ(e.code, -1108);
  EXPECT_EQ(e.msg, "Parameter 'orderId' overflowed.");
  OrderSide side{};
  e = p.get_side("side", side, Need::kRequired);
  EXPECT_EQ(e.code, -1117) << "Binance's enums are case-sensitive";
  EXPECT_EQ(e.msg, "Invalid side.");
  OrderType type{};
  EXPECT_EQ(p.get_order_type("type", type, Need::kRequired).code, -1116);
  TimeInForce tif{};
  EXPECT_EQ(p.get_time_in_force("timeInForce", tif, Need::kOptional).code, -1115);
  OrderRespType rt{};
  EXPECT_EQ(p.get_resp_type("newOrderRespType", rt, Need::kOptional).code, -1100);
  int64_t ts = 0;
  EXPECT_EQ(p.get_int64("timestamp", ts, Need::kRequired).code, -1100);
  bool b = false;
  EXPECT_EQ(p.get_bool("reduceOnly", b, Need::kOptional).code, -1100);
  EXPECT_EQ(RequestParams::either_error("orderId", "origClientOrderId").msg,
            "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
}

TEST(RequestParamsTest, WsParamsNumbersStringsNullsAndErrors) {
  RequestParams p;
  // The connectors send numbers as strings except timestamp; Binance's docs send recvWindow as a number.
  ASSERT_TRUE(p.parse_ws_request(R"({"id":7,"method":"order.place","params":{"symbol":"BTCUSDT","quantity":"0.001",
    "recvWindow":5000,"timestamp":1645423376532,"reduceOnly":true,"newClientOrderId":null}})")
                  .ok());
  EXPECT_EQ(p.ws_id_json(), "7");
  EXPECT_EQ(p.peek("recvWindow"), "5000");
  EXPECT_EQ(p.peek("reduceOnly"), "true");
  std::string_view s = "default";
  EXPECT_EQ(p.get_string("newClientOrderId", s, Need::kOptional).code, -1105);
  int64_t ts = 0;
  ASSERT_TRUE(p.get_int64("timestamp", ts, Need::kRequired).ok());
  EXPECT_EQ(ts, 1645423376532);
  EXPECT_EQ(p.ws_signature_payload(),
            "newClientOrderId=&quantity=0.001&recvWindow=5000&reduceOnly=true&"
            "symbol=BTCUSDT&timestamp=1645423376532");

  // No params at all is fine (userDataStream.subscribe).
  ASSERT_TRUE(p.parse_ws_request(R"({"id":"x","method":"userDataStream.subscribe"})").ok());
  EXPECT_EQ(p.size(), 0u);
  // Non-ASCII values: raw for Binance's rule, percent-encoded the way the Node connectors sign.
  ASSERT_TRUE(
      p.parse_ws_request(R"({"id":"x","method":"order.place","params":{"symbol":"１２","newClientOrderId":"a b"}})")
          .ok());
  EXPECT_EQ(p.ws_signature_payload(), "newClientOrderId=a b&symbol=１２");
  EXPECT_EQ(p.ws_signature_payload(RequestParams::PayloadEncoding::kUriComponent),
            "newClientOrderId=a%20b&symbol=%EF%BC%91%EF%BC%92");

  ApiError e = p.parse_ws_request("{\"id\":1,\"method\":");
  EXPECT_EQ(e.code, -1135);
  EXPECT_EQ(e.msg, "Invalid JSON Request");
  EXPECT_EQ(p.parse_ws_request(R"({"id":"q","method":"order.place","params":[1]})").code, -1135);
  EXPECT_EQ(p.ws_id_json(), "\"q\"") << "the id survives for the error reply";
  EXPECT_EQ(p.parse_ws_request(R"({"id":"q","params":{}})").code, -1102);
  EXPECT_EQ(p.parse_ws_request(R"({"id":"q","method":"m","params":{"a":"1","a":"2"}})").code, -1101);
  EXPECT_EQ(p.parse_ws_request("{\"id\":\"q\",\"method\":\"m\",\"params\":{\"a\":\"x\\u0001\"}}").code, -1100);
}

// ------------------------------------------------------------------------------------------------
// Round trips: the sim encodes, the engine decodes (and the reverse for requests)

OrderResult sample_spot_order() {
  OrderResult o;
  EXPECT_TRUE(o.symbol.assign("BTCUSDT"));
  EXPECT_TRUE(o.client_order_id.assign("dmabot-42"));
  EXPECT_TRUE(o.orig_client_order_id.assign("orig-41"));
  o.order_id = 9007199254740993ULL;
  o.transact_time_ms = 1700000000123;
  o.time_ms = 1700000000000;
  o.update_time_ms = 1700000000456;
  o.working_time_ms = 1700000000123;
  o.price = px("61837.63");
  o.orig_qty = qty("0.00000001");
  o.executed_qty = qty("0.00000001");
  o.cum_quote = qty("0.00061837");
  o.status = OrderStatus::kPartiallyFilled;
  o.time_in_force = TimeInForce::kIoc;
  o.type = OrderType::kLimit;
  o.side = OrderSide::kSell;
  o.is_working = true;
  return o;
}

TEST(RoundTrip, SpotOrderShapes) {
  const OrderResult o = sample_spot_order();
  std::vector<Fill> fills(2);
  fills[0].price = px("61837.63");
  fills[0].qty = Qty::from_raw(1);
  fills[0].commission = Qty::from_raw(0);
  ASSERT_TRUE(fills[0].commission_asset.assign("BNB"));
  fills[0].trade_id = 9007199254740995ULL;
  fills[1] = fills[0];
  fills[1].trade_id = 18446744073709551615ULL;
  ResponseDecoder d;
  OrderResult back;
  for (OrderRespType rt : {OrderRespType::kAck, OrderRespType::kResult, OrderRespType::kFull}) {
    std::string body;
    encode_spot_new_order(o, fills, rt, DecimalStyle{}, body);
    ASSERT_TRUE(d.decode_order(body, Product::kSpot, back).ok()) << body;
    EXPECT_EQ(back.order_id, o.order_id) << body;
    EXPECT_EQ(back.client_order_id, "dmabot-42");
    EXPECT_EQ(back.transact_time_ms, o.transact_time_ms);
    EXPECT_EQ(back.has_details, rt != OrderRespType::kAck);
    if (rt != OrderRespType::kAck) {
      EXPECT_EQ(back.price, o.price);
      EXPECT_EQ(back.orig_qty, o.orig_qty);
      EXPECT_EQ(back.cum_quote, o.cum_quote);
      EXPECT_EQ(back.status, OrderStatus::kPartiallyFilled);
      EXPECT_EQ(back.time_in_force, TimeInForce::kIoc);
      EXPECT_EQ(back.side, OrderSide::kSell);
    }
    ASSERT_EQ(d.fills().size(), rt == OrderRespType::kFull ? 2u : 0u);
    if (rt == OrderRespType::kFull) {
      EXPECT_EQ(d.fills()[1].trade_id, 18446744073709551615ULL);
      EXPECT_EQ(d.fills()[0].qty.raw, 1);
    }
  }
  std::string body;
  encode_spot_new_order(o, fills, OrderRespType::kResult, DecimalStyle{}, body);
  EXPECT_NE(body.find("\"price\":\"61837.63000000\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"orderId\":9007199254740993"), std::string::npos) << body;

  body.clear();
  encode_spot_cancel(o, DecimalStyle{}, body);
  ASSERT_TRUE(d.decode_order(body, Product::kSpot, back).ok()) << body;
  EXPECT_EQ(back.orig_client_order_id, "orig-41");
  body.clear();
  const OrderResult two[] = {o, o};
  encode_spot_open_orders(two, DecimalStyle{}, body);
  std::span<const OrderResult> list;
  ASSERT_TRUE(d.decode_orders(body, Product::kSpot, list).ok()) << body;
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[1].is_working);
  EXPECT_EQ(list[1].update_time_ms, o.update_time_ms);
  EXPECT_EQ(list[1].time_ms, o.time_ms);
  body.clear();
  encode_spot_cancel_all(two, DecimalStyle{}, body);
  ASSERT_TRUE(d.decode_orders(body, Product::kSpot, list).ok()) << body;
  EXPECT_EQ(list.size(), 2u);
}

TEST(RoundTrip, FuturesOrderWithSymbolPrecision) {
  OrderResult o = sample_spot_order();
  o.price = px("43187.1");
  o.orig_qty = qty("0.1");
  o.executed_qty = qty("0.05");
  o.cum_qty = qty("0.05");
  o.cum_quote = qty("2159.355");
  o.avg_price = px("43187.1");
  o.type = OrderType::kLimit;
  o.orig_type = OrderType::kLimit;
  o.time_in_force = TimeInForce::kGtx;
  o.position_side = PositionSide::kLong;
  o.reduce_only = true;
  const DecimalStyle style{2, 3, 5};
  ResponseDecoder d;
  OrderResult back;
  for (bool query : {false, true}) {
    std::string body;
    encode_futures_order(o, style, query, body);
    ASSERT_TRUE(d.decode_order(body, Product::kUsdmFutures, back).ok()) << body;
    EXPECT_EQ(back.price, o.price);
    EXPECT_EQ(back.avg_price, o.avg_price);
    EXPECT_EQ(back.executed_qty, o.executed_qty);
    EXPECT_EQ(back.cum_quote, o.cum_quote);
    EXPECT_EQ(back.time_in_force, TimeInForce::kGtx);
    EXPECT_EQ(back.position_side, PositionSide::kLong);
    EXPECT_TRUE(back.reduce_only);
    EXPECT_EQ(back.order_id, o.order_id);
    EXPECT_EQ(back.time_ms, query ? o.time_ms : 0);
    EXPECT_NE(body.find("\"price\":\"43187.10\""), std::string::npos) << body;
    EXPECT_NE(body.find("\"origQty\":\"0.100\""), std::string::npos) << body;
  }
}

TEST(RoundTrip, AccountsPositionsTradesAndEnvelopes) {
  ResponseDecoder d;
  SpotAccount a;
  a.maker_commission = 10;
  a.commission_maker = px("0.001");
  a.uid = 354937868;
  std::vector<SpotAssetBalance> bal(1);
  ASSERT_TRUE(bal[0].asset.assign("USDT"));
  bal[0].free = qty("10000");
  bal[0].locked = qty("0.00000001");
  std::string body;
  encode_spot_account(a, bal, body);
  SpotAccount a2;
  std::span<const SpotAssetBalance> bal2;
  ASSERT_TRUE(d.decode_spot_account(body, a2, bal2).ok()) << body;
  EXPECT_EQ(a2.maker_commission, 10);
  EXPECT_EQ(a2.commission_maker, a.commission_maker);
  EXPECT_EQ(a2.uid, a.uid);
  ASSERT_EQ(bal2.size(), 1u);
  EXPECT_EQ(bal2[0].locked.raw, 1);

  std::vector<FuturesPositionInfo> pos(1);
  ASSERT_TRUE(pos[0].symbol.assign("BTCUSDT"));
  pos[0].position_amt = qty("-0.003");
  pos[0].entry_price = px("61000.5");
  pos[0].mark_price = px("61010.12345678");
  pos[0].unrealized_profit = px("-0.02870370");
  pos[0].leverage = 20;
  ASSERT_TRUE(pos[0].margin_type.assign("cross"));
  for (int version : {2, 3}) {
    body.clear();
    encode_position_risk(pos, version, DecimalStyle{1, 3, 8}, body);
    std::span<const FuturesPositionInfo> back;
    ASSERT_TRUE(d.decode_positions(body, back).ok()) << body;
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].position_amt, pos[0].position_amt);
    EXPECT_EQ(back[0].entry_price, pos[0].entry_price);
    EXPECT_EQ(back[0].mark_price, pos[0].mark_price);
    EXPECT_EQ(back[0].unrealized_profit, pos[0].unrealized_profit);
    EXPECT_EQ(back[0].leverage, version == 2 ? 20 : 0);
  }

  FuturesAccount fa;
  fa.total_wallet_balance = px("10000.5");
  fa.available_balance = px("9000.25");
  std::vector<FuturesAssetBalance> assets(1);
  ASSERT_TRUE(assets[0].asset.assign("USDT"));
  assets[0].wallet_balance = px("10000.5");
  assets[0].cross_un_pnl = px("-1.5");
  for (int version : {2, 3}) {
    body.clear();
    encode_futures_account(fa, assets, pos, version, body);
    FuturesAccount fa2;
    std::span<const FuturesAssetBalance> as2;
    std::span<const FuturesPositionInfo> ps2;
    ASSERT_TRUE(d.decode_futures_account(body, fa2, as2, ps2).ok()) << body;
    EXPECT_EQ(fa2.total_wallet_balance, fa.total_wallet_balance);
    EXPECT_EQ(fa2.available_balance, fa.available_balance);
    ASSERT_EQ(as2.size(), 1u);
    EXPECT_EQ(as2[0].cross_un_pnl, assets[0].cross_un_pnl);
    ASSERT_EQ(ps2.size(), 1u);
    EXPECT_EQ(ps2[0].position_amt, pos[0].position_amt);
  }
  body.clear();
  encode_futures_balances(assets, body);
  std::span<const FuturesAssetBalance> fb;
  ASSERT_TRUE(d.decode_futures_balances(body, fb).ok()) << body;
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].wallet_balance, assets[0].wallet_balance);

  std::vector<AccountTrade> trades(1);
  ASSERT_TRUE(trades[0].symbol.assign("BTCUSDT"));
  trades[0].id = 9007199254740993ULL;
  trades[0].order_id = 5;
  trades[0].price = px("123456.7");
  trades[0].qty = qty("0.00000001");
  trades[0].quote_qty = qty("0.00123456");
  trades[0].commission = qty("-0.00000012");
  ASSERT_TRUE(trades[0].commission_asset.assign("USDT"));
  trades[0].is_maker = true;
  trades[0].side = OrderSide::kSell;
  trades[0].realized_pnl = px("-3.5");
  for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
    body.clear();
    if (p == Product::kSpot) {
      encode_spot_my_trades(trades, DecimalStyle{}, body);
    } else {
      encode_futures_user_trades(trades, DecimalStyle{}, body);
    }
    std::span<const AccountTrade> back;
    ASSERT_TRUE(d.decode_trades(body, p, back).ok()) << body;
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].id, trades[0].id);
    EXPECT_EQ(back[0].price, trades[0].price);
    EXPECT_EQ(back[0].qty, trades[0].qty);
    EXPECT_EQ(back[0].commission, trades[0].commission);
    EXPECT_TRUE(back[0].is_maker);
    EXPECT_EQ(back[0].side, OrderSide::kSell);
    EXPECT_EQ(back[0].realized_pnl.raw, p == Product::kSpot ? 0 : trades[0].realized_pnl.raw);
  }

  // Envelopes with rate limits, the id echoed with its type.
  std::vector<RateLimitStatus> rl(1);
  ASSERT_TRUE(rl[0].rate_limit_type.assign("REQUEST_WEIGHT"));
  ASSERT_TRUE(rl[0].interval.assign("MINUTE"));
  rl[0].interval_num = 1;
  rl[0].limit = 6000;
  rl[0].count = 321;
  std::string result;
  encode_server_time(1656400526260, result);
  body.clear();
  encode_ws_result("\"abc\"", 200, result, rl, body);
  EXPECT_EQ(body,
            "{\"id\":\"abc\",\"status\":200,\"result\":{\"serverTime\":1656400526260},\"rateLimits\":[{"
            "\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000,"
            "\"count\":321}]}");
  WsEnvelope env;
  ASSERT_TRUE(d.decode_ws_envelope(body, env).ok());
  ASSERT_EQ(env.rate_limits.size(), 1u);
  EXPECT_EQ(env.rate_limits[0].count, 321);
  body.clear();
  encode_ws_error("12", 400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.", {},
                  body);
  EXPECT_EQ(body,
            "{\"id\":12,\"status\":400,\"error\":{\"code\":-1102,\"msg\":\"Mandatory parameter 'symbol' was not "
            "sent, was empty/null, or malformed.\"}}");
  ASSERT_TRUE(d.decode_ws_envelope(body, env).ok());
  EXPECT_EQ(env.error.code, -1102);
  body.clear();
  encode_error(-1121, "Invalid symbol.", body);
  EXPECT_EQ(body, R"({"code":-1121,"msg":"Invalid symbol."})");  // the docs' sample error payload
  body.clear();
  encode_subscription_id(0, body);
  int64_t sub = -1;
  ASSERT_TRUE(d.decode_subscription_id(body, sub).ok());
  EXPECT_EQ(sub, 0);
  body.clear();
  encode_leverage({21, px("1000000"), {}}, body);
  EXPECT_EQ(body, R"({"leverage":21,"maxNotionalValue":"1000000","symbol":""})");
}

// Engine request -> sim params: the values the venue reads are the ones the engine meant.
TEST(RoundTrip, EngineRequestsReadBackBySim) {
  NewOrder o;
  o.product = Product::kUsdmFutures;
  o.symbol = "１２３４５６";
  o.side = OrderSide::kSell;
  o.type = OrderType::kLimit;
  o.time_in_force = TimeInForce::kGtx;
  o.quantity = Qty::from_raw(1);
  o.price = Price::from_raw(12345670000000);
  o.new_client_order_id = "a b/c";
  o.reduce_only = true;
  o.position_side = PositionSide::kShort;
  o.timestamp_ms = 1700000000000;
  ParamList p;
  ASSERT_TRUE(build_new_order(o, p));
  FixedBuffer<1024> q;
  ASSERT_TRUE(encode_query(p, q));
  const std::string payload(q.view());
  ASSERT_TRUE(append_signature(q, "ab+/=="));
  RequestParams sim;
  for (int via = 0; via < 2; ++via) {
    if (via == 0) {
      ASSERT_TRUE(sim.parse_rest(q.view(), "").ok());
      EXPECT_EQ(sim.rest_signature_payload(), payload);
    } else {
      FixedBuffer<2048> json;
      FixedBuffer<1024> ws_payload;
      ASSERT_TRUE(encode_ws_request("id-1", kWsOrderPlace, p, json, ws_payload));
      ASSERT_TRUE(finish_ws_request(json, p, "ab+/=="));
      ASSERT_TRUE(sim.parse_ws_request(json.view()).ok()) << json.view();
      EXPECT_EQ(sim.ws_signature_payload(), ws_payload.view());
    }
    std::string_view sym, cid;
    OrderSide side{};
    TimeInForce tif{};
    Qty qn;
    Price pr;
    bool ro = false;
    PositionSide ps{};
    int64_t ts = 0;
    ASSERT_TRUE(sim.get_string("symbol", sym, Need::kRequired).ok());
    ASSERT_TRUE(sim.get_side("side", side, Need::kRequired).ok());
    ASSERT_TRUE(sim.get_time_in_force("timeInForce", tif, Need::kRequired).ok());
    ASSERT_TRUE(sim.get_qty("quantity", qn, Need::kRequired).ok());
    ASSERT_TRUE(sim.get_price("price", pr, Need::kRequired).ok());
    ASSERT_TRUE(sim.get_string("newClientOrderId", cid, Need::kOptional).ok());
    ASSERT_TRUE(sim.get_bool("reduceOnly", ro, Need::kOptional).ok());
    ASSERT_TRUE(sim.get_position_side("positionSide", ps, Need::kOptional).ok());
    ASSERT_TRUE(sim.get_int64("timestamp", ts, Need::kRequired).ok());
    EXPECT_EQ(sym, "１２３４５６");
    EXPECT_EQ(side, OrderSide::kSell);
    EXPECT_EQ(tif, TimeInForce::kGtx);
    EXPECT_EQ(qn.raw, 1);
    EXPECT_EQ(pr.raw, 12345670000000);
    EXPECT_EQ(cid, "a b/c");
    EXPECT_TRUE(ro);
    EXPECT_EQ(ps, PositionSide::kShort);
    EXPECT_EQ(ts, 1700000000000);
    EXPECT_EQ(sim.peek("signature"), "ab+/==");
  }
}

}  // namespace
}  // namespace dmabot::binance
