// The pure pieces of gateway/binance_gateway: the newClientOrderId codec and the order encoder
// (quantize, check, render, sign) — no sockets.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/events.h"
#include "gateway/binance/request_params.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_gateway/client_id.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "tools/binance_sim/sim_setup.h"

namespace dmabot::binance_gateway {
namespace {

using binance::Product;

TEST(ClientIdCodec, RoundTripsWithinBinanceLimitsAndCharset) {
  const ClientIdCodec c(ClientIdCodec::run_id_from_wall_ns(1'764'590'000'123'000'000));
  for (uint64_t id : std::initializer_list<uint64_t>{0, 1, 31, 32, core::make_client_id(7, 123456) | 3, ~uint64_t{0}}) {
    char buf[kClientIdTextMax];
    const std::string_view t(buf, c.encode(id, buf));
    EXPECT_LE(t.size(), 32u) << t;  // USD-M limit (spot: 36)
    for (char ch : t) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') << t;
    }
    uint64_t back = 0;
    EXPECT_EQ(c.decode(t, back), ClientIdCodec::Origin::kOurs) << t;
    EXPECT_EQ(back, id);
  }
}

TEST(ClientIdCodec, SameIdSameTextAndRunsDiffer) {
  const ClientIdCodec a(1000), b(1001);
  char x[kClientIdTextMax], y[kClientIdTextMax], z[kClientIdTextMax];
  const std::string_view tx(x, a.encode(42, x)), ty(y, a.encode(42, y)), tz(z, b.encode(42, z));
  EXPECT_EQ(tx, ty);  // a retry reuses the text
  EXPECT_NE(tx, tz);  // another run never does
  uint64_t id = 0;
  EXPECT_EQ(a.decode(tz, id), ClientIdCodec::Origin::kForeignRun);
  EXPECT_EQ(id, 42u);
}

TEST(ClientIdCodec, OtherTextsAreNotOurs) {
  const ClientIdCodec c(5);
  uint64_t id = 0;
  for (std::string_view t : {"", "web_123", "autoclose-123", "dm", "dm0000000", "dm0000000f-", "dm0000000f-zz",
                             "dm0000000f-x", "dm0000000F-1", "dm0000000f-ggggggggggggg", "dm0000000f-11111111111111"}) {
    EXPECT_EQ(c.decode(t, id), ClientIdCodec::Origin::kNotOurs) << t;
  }
}

binance::InstrumentSpec spec(Product p) {
  binance::InstrumentSpec s;
  EXPECT_TRUE(binance_sim::default_instrument(p, "BTCUSDT", s).ok());
  return s;
}

core::Order order(double px, double qty, core::Side side, core::TimeInForce tif) {
  core::Order o;
  o.client_id = core::make_client_id(1, 9);
  o.price = core::Price::from_raw(static_cast<int64_t>(px * 1e8 + 0.5));
  o.qty = core::Qty::from_raw(static_cast<int64_t>(qty * 1e8 + 0.5));
  o.side = side;
  o.tif = tif;
  return o;
}

TEST(PrepareNewOrder, QuantizesNeverMoreAggressive) {
  const auto s = spec(Product::kSpot);  // tick 0.01, step 0.00001
  binance::NewOrder m;
  ASSERT_TRUE(
      prepare_new_order(order(60000.019, 0.001239, core::Side::kBuy, core::TimeInForce::kGtc), s, "x", {}, m).ok());
  EXPECT_EQ(m.price->raw, core::Price::from_raw(6000001000000).raw);  // floored
  EXPECT_EQ(m.quantity->raw, 123000);                                 // 0.00123
  ASSERT_TRUE(
      prepare_new_order(order(60000.011, 0.001, core::Side::kSell, core::TimeInForce::kGtc), s, "x", {}, m).ok());
  EXPECT_EQ(m.price->raw, 6000002000000);  // ceiled
}

TEST(PrepareNewOrder, PostOnlyIsLimitMakerOnSpotAndGtxOnFutures) {
  binance::NewOrder m;
  ASSERT_TRUE(prepare_new_order(order(60000, 0.01, core::Side::kBuy, core::TimeInForce::kPostOnly),
                                spec(Product::kSpot), "x", {}, m)
                  .ok());
  EXPECT_EQ(m.type, binance::OrderType::kLimitMaker);
  EXPECT_FALSE(m.time_in_force.has_value());
  NewOrderExtras ex;
  ex.reduce_only = true;
  ASSERT_TRUE(prepare_new_order(order(60000, 0.01, core::Side::kSell, core::TimeInForce::kPostOnly),
                                spec(Product::kUsdmFutures), "x", ex, m)
                  .ok());
  EXPECT_EQ(m.type, binance::OrderType::kLimit);
  EXPECT_EQ(m.time_in_force, binance::TimeInForce::kGtx);
  EXPECT_EQ(m.reduce_only, true);
  ASSERT_TRUE(prepare_new_order(order(60000, 0.01, core::Side::kSell, core::TimeInForce::kIoc), spec(Product::kSpot),
                                "x", ex, m)
                  .ok());
  EXPECT_EQ(m.time_in_force, binance::TimeInForce::kIoc);
  EXPECT_FALSE(m.reduce_only.has_value());  // spot has no reduceOnly
}

TEST(PrepareNewOrder, FilterFailuresClassified) {
  binance::NewOrder m;
  // Spot NOTIONAL min 5: 0.00001 * 60000 = 0.6.
  auto r = prepare_new_order(order(60000, 0.00001, core::Side::kBuy, core::TimeInForce::kGtc), spec(Product::kSpot),
                             "x", {}, m);
  EXPECT_EQ(r.code, -1013);
  EXPECT_EQ(classify(r), LocalReject::kNotional);
  // Quantity below one step: zero after quantizing.
  r = prepare_new_order(order(60000, 0.000001, core::Side::kBuy, core::TimeInForce::kGtc), spec(Product::kSpot), "x",
                        {}, m);
  EXPECT_EQ(classify(r), LocalReject::kQuantity);
  // USD-M MIN_NOTIONAL 100: 0.001 * 60000 = 60.
  r = prepare_new_order(order(60000, 0.001, core::Side::kBuy, core::TimeInForce::kGtc), spec(Product::kUsdmFutures),
                        "x", {}, m);
  EXPECT_EQ(r.code, -4164);
  EXPECT_EQ(classify(r), LocalReject::kNotional);
}

TEST(OrderEncoder, RestQueryIsSignedAndVerifies) {
  auto hmac = binance::HmacSha256Signer::create("secret");
  ASSERT_TRUE(hmac.ok());
  OrderEncoder enc({Product::kSpot, "key", false}, &*hmac, nullptr);
  const auto s = spec(Product::kSpot);
  const auto r = enc.encode_order(order(60000, 0.01, core::Side::kBuy, core::TimeInForce::kGtc), s, "dm-abc", {},
                                  1700000000000, 5000, Wire::kRest, 0);
  ASSERT_TRUE(r.ok()) << r.msg();
  const std::string q(enc.view());
  EXPECT_NE(q.find("symbol=BTCUSDT"), std::string::npos) << q;
  EXPECT_NE(q.find("newClientOrderId=dm-abc"), std::string::npos) << q;
  EXPECT_NE(q.find("price=60000&"), std::string::npos) << q;
  const auto pos = q.find("&signature=");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_TRUE(hmac->verify(q.substr(0, pos), q.substr(pos + 11)));
}

TEST(OrderEncoder, WsRequestSignedPerRequestOrUnsignedOnALoggedOnSession) {
  auto hmac = binance::HmacSha256Signer::create("secret");
  ASSERT_TRUE(hmac.ok());
  const auto s = spec(Product::kSpot);
  OrderEncoder signed_enc({Product::kSpot, "key", false}, &*hmac, nullptr);
  ASSERT_TRUE(signed_enc
                  .encode_order(order(60000, 0.01, core::Side::kSell, core::TimeInForce::kPostOnly), s, "dm-x", {},
                                1700000000000, 5000, Wire::kWsApi, 77)
                  .ok());
  binance::RequestParams p;
  ASSERT_TRUE(p.parse_ws_request(signed_enc.view()).ok()) << signed_enc.view();
  EXPECT_EQ(p.ws_method(), "order.place");
  EXPECT_EQ(p.ws_id_json(), "\"77\"");
  EXPECT_EQ(p.peek("type"), "LIMIT_MAKER");
  EXPECT_EQ(p.peek("apiKey"), "key");
  EXPECT_TRUE(hmac->verify(p.ws_signature_payload(), p.peek("signature")));
  OrderEncoder session_enc({Product::kSpot, "key", true}, &*hmac, nullptr);
  ASSERT_TRUE(session_enc
                  .encode_order(order(60000, 0.01, core::Side::kSell, core::TimeInForce::kGtc), s, "dm-x", {},
                                1700000000000, 5000, Wire::kWsApi, 78)
                  .ok());
  ASSERT_TRUE(p.parse_ws_request(session_enc.view()).ok());
  EXPECT_FALSE(p.has("signature"));
  EXPECT_FALSE(p.has("apiKey"));
}

// Start-up reconciliation hook: open orders of this run become table entries; those of another run
// or not placed by dmabot are left to the caller.
TEST(GatewayCoreHooks, LoadOpenOrdersAdoptsThisRunsOrdersOnly) {
  const auto s = spec(Product::kSpot);
  GatewayOptions o;
  o.symbols = {&s};
  o.run_id = 77;
  o.max_orders = 16;
  core::SpscRing<core::Order> in(8);
  core::SpscRing<core::ExecReport> out(8);
  const core::Clock clock = core::Clock::live();
  GatewayCore gw(o, clock, &in, &out, GatewayLinks{});
  char buf[kClientIdTextMax];
  std::vector<binance::OrderResult> open(3);
  ASSERT_TRUE(open[0].client_order_id.assign(gw.client_text(core::make_client_id(1, 5), buf)));
  ASSERT_TRUE(open[1].client_order_id.assign(std::string_view(buf, ClientIdCodec(78).encode(6, buf))));
  ASSERT_TRUE(open[2].client_order_id.assign("web_abc"));
  for (auto& r : open) {
    r.orig_qty = core::Qty::from_raw(100'000);
    r.price = core::Price::from_units(60'000);
  }
  EXPECT_EQ(gw.load_open_orders(open, 0), 2u);
  EXPECT_EQ(gw.live_orders(), 1u);
  EXPECT_EQ(gw.load_open_orders(open, 0), 3u);  // loading again adopts nothing twice
}

// ON_START_OPEN_ORDERS=adopt: an earlier run's order becomes an entry under a new engine id; user data
// about it (its own client id text) reaches that entry, and its fills are reported under the engine id.
// This run's orders and orders not placed by dmabot are refused.
TEST(GatewayCoreHooks, AdoptedOrderKeepsItsTextAndReportsFillsUnderTheEngineId) {
  const auto s = spec(Product::kSpot);
  GatewayOptions o;
  o.symbols = {&s};
  o.run_id = 77;
  o.max_orders = 16;
  o.venue_id = 3;
  core::SpscRing<core::Order> in(8);
  core::SpscRing<core::ExecReport> out(8);
  const core::Clock clock = core::Clock::live();
  GatewayCore gw(o, clock, &in, &out, GatewayLinks{});
  char buf[kClientIdTextMax];
  binance::OrderResult r;
  const std::string text(buf, ClientIdCodec(78).encode(6, buf));
  ASSERT_TRUE(r.client_order_id.assign(text));
  r.order_id = 4293153;
  r.orig_qty = core::Qty::from_raw(100'000'000);
  r.executed_qty = core::Qty::from_raw(25'000'000);
  r.price = core::Price::from_units(60'000);
  r.side = binance::OrderSide::kSell;
  const uint64_t engine_id = core::make_client_id(0, (uint64_t{1} << 40) + 1);
  core::Order adopted;
  ASSERT_TRUE(gw.adopt_open_order(r, 0, engine_id, adopted));
  EXPECT_EQ(adopted.client_id, engine_id);
  EXPECT_EQ(adopted.qty.raw, 75'000'000);  // what is left
  EXPECT_EQ(adopted.side, core::Side::kSell);
  EXPECT_EQ(adopted.venue, 3);
  EXPECT_EQ(gw.live_orders(), 1u);
  EXPECT_FALSE(gw.adopt_open_order(r, 0, engine_id, adopted));  // already tracked
  binance::OrderResult mine = r, manual = r;
  ASSERT_TRUE(mine.client_order_id.assign(gw.client_text(core::make_client_id(1, 5), buf)));
  ASSERT_TRUE(manual.client_order_id.assign("web_abc"));
  EXPECT_FALSE(gw.adopt_open_order(mine, 0, engine_id + 16, adopted));
  EXPECT_FALSE(gw.adopt_open_order(manual, 0, engine_id + 32, adopted));

  // A partial fill of 0.25 more at 60000 (cumulative 0.5), as user data with the old text.
  binance_io::WsEvent ev;
  const std::string json =
      R"({"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"BTCUSDT","c":")" + text +
      R"(","S":"SELL","o":"LIMIT","f":"GTC","q":"1.00000000","p":"60000.00","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":4293153,"l":"0.25000000","z":"0.50000000","L":"60000.00","n":"0","N":"USDT","T":1499405658657,"t":991,"v":3,"I":8641984,"w":false,"m":true,"M":true,"O":1499405658657,"Z":"30000.00","Y":"15000.00","Q":"0.00000000","W":1499405658657,"V":"NONE"}})";
  std::copy(json.begin(), json.end(), ev.json);
  ev.len = static_cast<uint32_t>(json.size());
  gw.on_user_event(ev);
  (void)gw.poll_venue();
  core::ExecReport rep;
  ASSERT_TRUE(out.try_pop(rep)) << "foreign " << gw.stats().foreign_events.load() << " stale "
                                << gw.stats().stale_events.load() << " decode " << gw.stats().decode_errors.load();
  EXPECT_EQ(rep.client_id, engine_id);
  EXPECT_EQ(rep.status, core::ExecStatus::kPartiallyFilled);
  EXPECT_EQ(rep.last_qty.raw, 25'000'000);
  EXPECT_EQ(rep.cum_qty.raw, 50'000'000);
  EXPECT_EQ(gw.stats().foreign_events.load(), 0u);
}

}  // namespace
}  // namespace dmabot::binance_gateway
