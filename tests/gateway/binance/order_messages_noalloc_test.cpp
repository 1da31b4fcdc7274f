// The engine's hot path through the order codecs allocates nothing after warm-up: building and
// rendering REST queries and WebSocket API requests (with their signature payloads), and decoding the
// responses with a warmed-up ResponseDecoder. Global operator new is replaced in this executable
// (tests/common/alloc_counter.cpp), so it counts every heap allocation of any thread.
#include <gtest/gtest.h>

#include <string_view>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "tests/common/alloc_counter.h"

namespace dmabot::binance {
namespace {

constexpr std::string_view kFull = R"({"symbol":"BTCUSDT","orderId":9007199254740993,"orderListId":-1,
  "clientOrderId":"dmabot-1","transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000",
  "executedQty":"10.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"10.00000000","status":"FILLED",
  "timeInForce":"GTC","type":"MARKET","side":"SELL","workingTime":1507725176595,"selfTradePreventionMode":"NONE",
  "fills":[{"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},
           {"price":"3999.00000000","qty":"9.00000000","commission":"19.99500000","commissionAsset":"USDT","tradeId":57}]})";
constexpr std::string_view kEnvelope = R"({"id":"abc","status":200,"result":{"orderId":325078477,"symbol":"BTCUSDT",
  "status":"NEW","clientOrderId":"x","price":"43187.00","avgPrice":"0.00","origQty":"0.100","executedQty":"0.000",
  "cumQty":"0.000","cumQuote":"0.00000","timeInForce":"GTX","type":"LIMIT","reduceOnly":true,"closePosition":false,
  "side":"BUY","positionSide":"BOTH","stopPrice":"0.00","workingType":"CONTRACT_PRICE","priceProtect":false,
  "origType":"LIMIT","priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0,"updateTime":1702555534435},
  "rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300,"count":1}]})";

struct HotPath {
  ParamList params;
  FixedBuffer<2048> query;
  FixedBuffer<2048> json;
  FixedBuffer<1024> payload;
  ResponseDecoder decoder;
  uint64_t checksum = 0;

  void run(int64_t i) {
    NewOrder o;
    o.product = (i & 1) ? Product::kUsdmFutures : Product::kSpot;
    o.symbol = "BTCUSDT";
    o.side = (i & 2) ? OrderSide::kSell : OrderSide::kBuy;
    o.time_in_force = TimeInForce::kGtc;
    o.quantity = core::Qty::from_raw(1 + i);
    o.price = core::Price::from_raw(6183763000000 + i);
    o.new_client_order_id = "dmabot-123456789";
    o.reduce_only = true;
    o.timestamp_ms = 1700000000000 + i;
    o.recv_window_ms = 5000;
    ASSERT_TRUE(build_new_order(o, params));
    query.clear();
    ASSERT_TRUE(encode_query(params, query));
    ASSERT_TRUE(append_signature(query, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    ASSERT_TRUE(params.add("apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"));
    ASSERT_TRUE(encode_ws_request("req-1", kWsOrderPlace, params, json, payload));
    ASSERT_TRUE(finish_ws_request(json, params, "c2lnbmF0dXJlK2Jhc2U2NC8="));
    OrderRef r{o.product, "BTCUSDT", static_cast<uint64_t>(i), "dmabot-1", {}, o.timestamp_ms, std::nullopt};
    ASSERT_TRUE(build_order_ref(r, params));
    query.clear();
    ASSERT_TRUE(encode_query(params, query));
    checksum += query.size() + json.size() + payload.size();

    OrderResult out;
    ASSERT_TRUE(decoder.decode_order(kFull, Product::kSpot, out).ok());
    checksum += out.order_id + decoder.fills().size();
    WsEnvelope env;
    ASSERT_TRUE(decoder.decode_ws_envelope(kEnvelope, env).ok());
    ASSERT_TRUE(decoder.decode_order(kWsResult, Product::kUsdmFutures, out).ok());
    checksum += out.order_id + env.rate_limits.size();
  }
};

TEST(OrderMessagesNoAlloc, EncodeAndDecodeAllocateNothingAfterWarmUp) {
  HotPath h;
  for (int64_t i = 0; i < 100; ++i) h.run(i);  // warm-up: decoder buffers reach their size
  const uint64_t before = testing::allocation_count();
  for (int64_t i = 100; i < 20100; ++i) h.run(i);
  const uint64_t allocs = testing::allocation_count() - before;
  EXPECT_GT(h.checksum, 0u);
  EXPECT_EQ(allocs, 0u);
}

}  // namespace
}  // namespace dmabot::binance
