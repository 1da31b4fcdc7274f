// binance-sim's REST API in process: SimVenue::on_http with an injected clock, requests built by the
// engine's own encoder (order_messages.h) and signed with signer.h, answers read back with the
// engine's ResponseDecoder (so engine and sim agree) or simdjson where no decoder exists. Expected
// codes and texts are Binance's (errors.md, rest-api.md); amounts are computed here from the inputs.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/strings.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/signer.h"
#include "simdjson.h"
#include "tests/common/test_data.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"

namespace dmabot::binance_sim {
namespace {

using binance::OrderResult;
using binance::ParamList;

// 2026-01-01T00:00:10Z: 10 s into a minute (the weight window), in ns.
constexpr UnixNanos kT0 = 1767225610LL * kNsPerSec;
constexpr std::string_view kEdKey = "venue-test-ed25519";

std::string pem(std::string_view which) {
  return testdata::source_dir() + "/tests/binance_clients/keys/test-ed25519-" + std::string(which) + ".pem";
}

Price px(std::string_view s) {
  Price p;
  EXPECT_EQ(Price::parse(s, p), core::DecimalError::kOk);
  return p;
}
Qty qty(std::string_view s) {
  Qty q;
  EXPECT_EQ(Qty::parse(s, q), core::DecimalError::kOk);
  return q;
}

std::string_view header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

enum class Key { kHmac, kEd25519 };

struct VenueTest : ::testing::Test {
  ManualClock clock{kT0};
  Exchange ex;
  KeyRegistry keys;
  std::unique_ptr<SimVenue> venue;
  std::optional<binance::HmacSha256Signer> hmac;
  std::optional<binance::Ed25519Signer> ed;
  binance::ResponseDecoder decoder;
  simdjson::dom::parser json;

  void SetUp() override {
    ExchangeOptions opt;
    opt.symbols = {"BTCUSDT", "ETHUSDT"};
    opt.balances = {{"USDT", "10000"}, {"BTC", "1"}};
    AccountFlag f;
    f.api_key = std::string(kEdKey);
    f.key_type = AccountFlag::KeyType::kEd25519;
    f.public_key_pem = pem("public");
    opt.accounts.push_back(f);
    ASSERT_TRUE(setup_exchange(opt, ex, keys).ok());
    ex.set_market_top(Product::kSpot, "BTCUSDT", {px("60000.00"), qty("1"), px("60000.01"), qty("1")}, kT0);
    ex.set_market_top(Product::kUsdmFutures, "BTCUSDT", {px("60000.0"), qty("2"), px("60000.1"), qty("2")}, kT0);
    auto h = binance::HmacSha256Signer::create(kDefaultHmacSecret);
    ASSERT_TRUE(h.ok());
    hmac.emplace(std::move(*h));
    auto e = binance::Ed25519Signer::from_pem_file(pem("private"));
    ASSERT_TRUE(e.ok()) << e.status();
    ed.emplace(std::move(*e));
    make_venue({});
  }
  void make_venue(const ExchangeFaults& faults) {
    SimVenueOptions o;
    o.faults = faults;
    venue = std::make_unique<SimVenue>(ex, keys, o, &clock);
  }
  int64_t now_ms() const { return clock.now() / kNsPerMs; }

  HttpResponse send(Product p, std::string_view method, std::string_view path, std::string query = {},
                    std::string api_key = {}, std::string body = {}) {
    HttpRequest r;
    r.method = std::string(method);
    r.path = std::string(path);
    r.query = std::move(query);
    r.body = std::move(body);
    if (!r.body.empty()) r.content_type = "application/x-www-form-urlencoded";
    r.api_key = std::move(api_key);
    r.remote_ip = "127.0.0.1";
    return venue->on_http(p, r);
  }
  // The engine's way: ParamList → encode_query → sign → append_signature; POSTs send it as the body.
  HttpResponse signed_send(Product p, binance::RestTarget t, const ParamList& params, Key key = Key::kHmac,
                           bool in_body = false) {
    char buf[2048];
    binance::Buffer q(buf, sizeof buf);
    EXPECT_TRUE(binance::encode_query(params, q));
    std::string sig;
    if (key == Key::kHmac) {
      char s[binance::kHmacSha256HexSize];
      hmac->sign(q.view(), s);
      sig.assign(s, sizeof s);
    } else {
      char s[binance::kEd25519Base64Size];
      EXPECT_TRUE(ed->sign(q.view(), s));
      sig.assign(s, sizeof s);
    }
    EXPECT_TRUE(binance::append_signature(q, sig));
    const std::string api_key(key == Key::kHmac ? kDefaultApiKey : kEdKey);
    if (in_body) return send(p, t.method, t.path, {}, api_key, std::string(q.view()));
    return send(p, t.method, t.path, std::string(q.view()), api_key);
  }
  HttpResponse signed_plain(Product p, binance::RestTarget t, Key key = Key::kHmac) {
    ParamList l;
    l.add_int("timestamp", now_ms());
    return signed_send(p, t, l, key);
  }
  HttpResponse place(Product p, std::string_view side_price, std::string_view quantity, std::string_view cid,
                     Key key = Key::kHmac, std::optional<binance::TimeInForce> tif = binance::TimeInForce::kGtc,
                     binance::OrderSide side = binance::OrderSide::kBuy, bool in_body = false) {
    binance::NewOrder o;
    o.product = p;
    o.symbol = "BTCUSDT";
    o.side = side;
    o.type = binance::OrderType::kLimit;
    o.time_in_force = tif;
    o.quantity = qty(quantity);
    o.price = px(side_price);
    o.new_client_order_id = cid;
    o.timestamp_ms = now_ms();
    ParamList l;
    EXPECT_TRUE(binance::build_new_order(o, l));
    return signed_send(p, p == Product::kSpot ? binance::kSpotNewOrder : binance::kFuturesNewOrder, l, key, in_body);
  }
  HttpResponse order_ref(Product p, binance::RestTarget t, std::optional<uint64_t> id, std::string_view cid = {},
                         Key key = Key::kHmac) {
    binance::OrderRef r;
    r.product = p;
    r.symbol = "BTCUSDT";
    r.order_id = id;
    r.orig_client_order_id = cid;
    r.timestamp_ms = now_ms();
    ParamList l;
    EXPECT_TRUE(binance::build_order_ref(r, l));
    return signed_send(p, t, l, key);
  }
  OrderResult decode_order(const HttpResponse& r, Product p) {
    OrderResult o;
    const auto d = decoder.decode_order(r.body, p, o);
    EXPECT_TRUE(d.ok()) << binance::describe(d) << " in " << r.body;
    return o;
  }
  void expect_error(const HttpResponse& r, int status, int code, std::string_view msg = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    binance::ErrorBody e;
    const auto d = decoder.decode_error(r.body, e);
    ASSERT_TRUE(d.ok() || d.error == binance::DecodeError::kApiError) << r.body;
    EXPECT_EQ(e.code, code) << r.body;
    if (!msg.empty()) {
      EXPECT_EQ(e.msg, msg);
    }
  }
  simdjson::dom::element parse(const HttpResponse& r) {
    simdjson::dom::element el;
    EXPECT_EQ(json.parse(r.body).get(el), simdjson::SUCCESS) << r.body;
    return el;
  }
};

// ---------------------------------------------------------------- market data

TEST_F(VenueTest, PingTimeAndWeightHeaders) {
  auto r = send(Product::kSpot, "GET", "/api/v3/ping");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(header(r, "x-mbx-used-weight-1m"), "1");
  r = send(Product::kSpot, "GET", "/api/v3/time");
  EXPECT_EQ(r.body, core::str_cat("{\"serverTime\":", now_ms(), "}"));
  // exchangeInfo weighs 20 on spot: 1 + 1 + 20.
  r = send(Product::kSpot, "GET", "/api/v3/exchangeInfo");
  EXPECT_EQ(header(r, "x-mbx-used-weight-1m"), "22");
  r = send(Product::kUsdmFutures, "GET", "/fapi/v1/ping");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(header(r, "x-mbx-used-weight-1m"), "1");  // per product: futures counts its own
}

TEST_F(VenueTest, ClockSkewFaultShiftsServerTime) {
  ExchangeFaults f;
  f.clock_skew_ms = -2500;
  make_venue(f);
  auto r = send(Product::kUsdmFutures, "GET", "/fapi/v1/time");
  EXPECT_EQ(r.body, core::str_cat("{\"serverTime\":", now_ms() - 2500, "}"));
  // A request stamped with the client's (true) clock is now 2.5 s ahead: more than Binance's 1 s.
  expect_error(signed_plain(Product::kSpot, binance::kSpotAccount), 400, -1021,
               "Timestamp for this request was 1000ms ahead of the server's time.");
  // A client synced to the server's clock gets through, and the answer's times are the server's.
  ParamList l;
  l.add_int("timestamp", now_ms() - 2500);
  r = signed_send(Product::kSpot, binance::kSpotAccount, l);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(int64_t(parse(r)["updateTime"].get_int64().value()), now_ms() - 2500);
}

TEST_F(VenueTest, ExchangeInfoServesTheEnforcedRulesAndLimits) {
  auto r = send(Product::kSpot, "GET", "/api/v3/exchangeInfo", "symbol=BTCUSDT");
  ASSERT_EQ(r.status, 200) << r.body;
  binance::ExchangeInfo info;
  ASSERT_TRUE(binance::parse_exchange_info(r.body, Product::kSpot, info).ok());
  ASSERT_EQ(info.symbols.size(), 1u);
  EXPECT_EQ(info.symbols[0].price.tick_size, px("0.01"));
  EXPECT_EQ(info.symbols[0].lot.step_size, qty("0.00001"));
  EXPECT_EQ(info.rate_limits, RateLimits::for_product(Product::kSpot).to_exchange_info());
  r = send(Product::kSpot, "GET", "/api/v3/exchangeInfo", "symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D");
  ASSERT_TRUE(binance::parse_exchange_info(r.body, Product::kSpot, info).ok());
  EXPECT_EQ(info.symbols.size(), 2u);
  expect_error(send(Product::kSpot, "GET", "/api/v3/exchangeInfo", "symbol=NOPEUSDT"), 400, -1121, "Invalid symbol.");
  expect_error(send(Product::kSpot, "GET", "/api/v3/exchangeInfo", "symbol=BTCUSDT&bogus=1"), 400, -1104);

  r = send(Product::kUsdmFutures, "GET", "/fapi/v1/exchangeInfo");
  ASSERT_TRUE(binance::parse_exchange_info(r.body, Product::kUsdmFutures, info).ok());
  ASSERT_NE(info.find("BTCUSDT"), nullptr);
  EXPECT_EQ(info.find("BTCUSDT")->contract_type, binance::ContractType::kPerpetual);
  EXPECT_EQ(info.find("BTCUSDT")->price.tick_size, px("0.1"));
  EXPECT_TRUE(info.find("BTCUSDT")->allows(binance::TimeInForce::kGtx));
  EXPECT_EQ(info.rate_limits, RateLimits::for_product(Product::kUsdmFutures).to_exchange_info());
}

TEST_F(VenueTest, DepthAndBookTicker) {
  auto r = send(Product::kSpot, "GET", "/api/v3/ticker/bookTicker", "symbol=BTCUSDT");
  EXPECT_EQ(
      r.body,
      R"({"symbol":"BTCUSDT","bidPrice":"60000.00000000","bidQty":"1.00000000","askPrice":"60000.01000000","askQty":"1.00000000"})");
  r = send(Product::kSpot, "GET", "/api/v3/ticker/bookTicker");
  EXPECT_EQ(parse(r).get_array().size(), 2u);  // every symbol
  r = send(Product::kSpot, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5");
  auto d = parse(r);
  EXPECT_EQ(std::string_view(d["bids"].at(0).at(0).get_string().value()), "60000.00000000");
  EXPECT_EQ(std::string_view(d["asks"].at(0).at(1).get_string().value()), "1.00000000");
  expect_error(send(Product::kSpot, "GET", "/api/v3/depth"), 400, -1102,
               "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  r = send(Product::kUsdmFutures, "GET", "/fapi/v1/ticker/bookTicker", "symbol=BTCUSDT");
  auto t = parse(r);
  EXPECT_EQ(std::string_view(t["bidPrice"].get_string().value()), "60000.00");  // pricePrecision 2
  EXPECT_EQ(std::string_view(t["askQty"].get_string().value()), "2.000");       // quantityPrecision 3
  EXPECT_EQ(int64_t(t["time"].get_int64().value()), now_ms());
  r = send(Product::kUsdmFutures, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=7");
  expect_error(r, 400, -1100);
}

TEST_F(VenueTest, UnknownPathAndMethod) {
  auto r = send(Product::kSpot, "GET", "/api/v3/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "text/html");
  r = send(Product::kSpot, "GET", "/fapi/v1/ping");  // a futures path on the spot port
  EXPECT_EQ(r.status, 404);
  expect_error(send(Product::kSpot, "PUT", "/api/v3/order"), 405, -1020, "This operation is not supported.");
}

// ---------------------------------------------------------------- spot orders

TEST_F(VenueTest, SpotOrderLifecycleWithHmacKey) {
  auto r = place(Product::kSpot, "59000.00", "0.01", "life-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "x-mbx-order-count-10s"), "1");
  EXPECT_EQ(header(r, "x-mbx-order-count-1d"), "1");
  OrderResult o = decode_order(r, Product::kSpot);
  EXPECT_EQ(o.status, binance::OrderStatus::kNew);
  EXPECT_EQ(o.client_order_id, "life-1");
  EXPECT_EQ(o.price, px("59000"));
  EXPECT_EQ(o.orig_qty, qty("0.01"));
  const uint64_t id = o.order_id;

  // 590 USDT locked (59000 * 0.01).
  r = signed_plain(Product::kSpot, binance::kSpotAccount);
  binance::SpotAccount acct;
  std::span<const binance::SpotAssetBalance> bal;
  ASSERT_TRUE(decoder.decode_spot_account(r.body, acct, bal).ok()) << r.body;
  bool seen = false;
  for (const auto& b : bal)
    if (b.asset == "USDT") {
      seen = true;
      EXPECT_EQ(b.free, qty("9410"));
      EXPECT_EQ(b.locked, qty("590"));
    }
  EXPECT_TRUE(seen);

  o = decode_order(order_ref(Product::kSpot, binance::kSpotQueryOrder, std::nullopt, "life-1"), Product::kSpot);
  EXPECT_EQ(o.order_id, id);
  EXPECT_EQ(o.status, binance::OrderStatus::kNew);
  r = signed_plain(Product::kSpot, binance::kSpotOpenOrders);
  EXPECT_EQ(parse(r).get_array().size(), 1u);

  o = decode_order(order_ref(Product::kSpot, binance::kSpotCancelOrder, id), Product::kSpot);
  EXPECT_EQ(o.status, binance::OrderStatus::kCanceled);
  EXPECT_EQ(o.orig_client_order_id, "life-1");
  expect_error(order_ref(Product::kSpot, binance::kSpotCancelOrder, id), 400, -2011, "Unknown order sent.");
  expect_error(order_ref(Product::kSpot, binance::kSpotQueryOrder, 999999), 400, -2013, "Order does not exist.");
  r = signed_plain(Product::kSpot, binance::kSpotOpenOrders);
  EXPECT_EQ(parse(r).get_array().size(), 0u);
}

TEST_F(VenueTest, SpotOrderWithEd25519KeyInTheBody) {
  auto r = place(Product::kSpot, "59000.00", "0.001", "ed-1", Key::kEd25519, binance::TimeInForce::kGtc,
                 binance::OrderSide::kBuy, /*in_body=*/true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(decode_order(r, Product::kSpot).client_order_id, "ed-1");
  // Another account's order is unknown to the HMAC key.
  expect_error(order_ref(Product::kSpot, binance::kSpotQueryOrder, std::nullopt, "ed-1", Key::kHmac), 400, -2013);
  EXPECT_EQ(order_ref(Product::kSpot, binance::kSpotQueryOrder, std::nullopt, "ed-1", Key::kEd25519).status, 200);
}

TEST_F(VenueTest, SpotFillsTradesAndCancelAll) {
  // A buy through the ask takes the sim's 1 BTC offer at 60000.01: one trade.
  auto r = place(Product::kSpot, "60000.01", "0.001", "take-1", Key::kHmac, binance::TimeInForce::kIoc);
  ASSERT_EQ(r.status, 200) << r.body;
  OrderResult o = decode_order(r, Product::kSpot);
  EXPECT_EQ(o.status, binance::OrderStatus::kFilled);
  EXPECT_EQ(decoder.fills().size(), 1u);
  ParamList l;
  l.add("symbol", "BTCUSDT");
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kSpot, binance::kSpotMyTrades, l);
  std::span<const binance::AccountTrade> trades;
  ASSERT_TRUE(decoder.decode_trades(r.body, Product::kSpot, trades).ok()) << r.body;
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, px("60000.01"));
  EXPECT_EQ(trades[0].qty, qty("0.001"));

  ASSERT_EQ(place(Product::kSpot, "58000.00", "0.001", "rest-1").status, 200);
  ASSERT_EQ(place(Product::kSpot, "58000.00", "0.001", "rest-2").status, 200);
  r = signed_send(Product::kSpot, binance::kSpotCancelAll, l);
  EXPECT_EQ(parse(r).get_array().size(), 2u) << r.body;
  expect_error(signed_send(Product::kSpot, binance::kSpotCancelAll, l), 400, -2011, "Unknown order sent.");
}

TEST_F(VenueTest, SpotCancelReplaceAndTestOrder) {
  auto r = place(Product::kSpot, "59000.00", "0.001", "cr-old");
  const uint64_t id = decode_order(r, Product::kSpot).order_id;
  ParamList l;
  l.add("symbol", "BTCUSDT");
  l.add("side", "BUY");
  l.add("type", "LIMIT");
  l.add("cancelReplaceMode", "STOP_ON_FAILURE");
  l.add("timeInForce", "GTC");
  l.add("quantity", "0.002");
  l.add("price", "59100.00");
  l.add_uint("cancelOrderId", id);
  l.add("newClientOrderId", "cr-new");
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kSpot, {"POST", "/api/v3/order/cancelReplace"}, l);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = parse(r);
  EXPECT_EQ(std::string_view(j["cancelResult"].get_string().value()), "SUCCESS");
  EXPECT_EQ(std::string_view(j["newOrderResult"].get_string().value()), "SUCCESS");
  EXPECT_EQ(std::string_view(j["newOrderResponse"]["clientOrderId"].get_string().value()), "cr-new");
  // Cancelling the same order again fails and, STOP_ON_FAILURE, the new order is not attempted: 400
  // -2022 with the outcome in `data`.
  l.clear();
  l.add("symbol", "BTCUSDT");
  l.add("side", "BUY");
  l.add("type", "LIMIT");
  l.add("cancelReplaceMode", "STOP_ON_FAILURE");
  l.add("timeInForce", "GTC");
  l.add("quantity", "0.002");
  l.add("price", "59100.00");
  l.add_uint("cancelOrderId", id);
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kSpot, {"POST", "/api/v3/order/cancelReplace"}, l);
  expect_error(r, 400, -2022);
  EXPECT_EQ(std::string_view(parse(r)["data"]["newOrderResult"].get_string().value()), "NOT_ATTEMPTED");

  l.clear();
  l.add("symbol", "BTCUSDT");
  l.add("side", "SELL");
  l.add("type", "LIMIT");
  l.add("timeInForce", "GTC");
  l.add("quantity", "0.001");
  l.add("price", "61000.00");
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kSpot, {"POST", "/api/v3/order/test"}, l);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(ex.open_orders(std::string(kDefaultApiKey), Product::kSpot, "BTCUSDT").size(), 1u);  // cr-new only
}

TEST_F(VenueTest, SpotRulesFiltersAndBalance) {
  expect_error(place(Product::kSpot, "59000.005", "0.001", "tick"), 400, -1013, "Filter failure: PRICE_FILTER");
  expect_error(place(Product::kSpot, "59000.03", "0.000015", "step"), 400, -1013, "Filter failure: LOT_SIZE");
  expect_error(place(Product::kSpot, "59000.00", "0.00001", "tiny"), 400, -1013, "Filter failure: NOTIONAL");
  // 1 BTC at 59000 needs 59000 USDT; the account has 10000.
  expect_error(place(Product::kSpot, "59000.00", "1", "big"), 400, -2010,
               "Account has insufficient balance for requested action.");
  ParamList l;
  l.add("symbol", "BTCUSDT");
  l.add("side", "HOLD");
  l.add("type", "LIMIT");
  l.add_int("timestamp", now_ms());
  expect_error(signed_send(Product::kSpot, binance::kSpotNewOrder, l), 400, -1117, "Invalid side.");
  l.clear();
  l.add("symbol", "BTCUSDT");
  l.add("type", "LIMIT");
  l.add_int("timestamp", now_ms());
  expect_error(signed_send(Product::kSpot, binance::kSpotNewOrder, l), 400, -1102,
               "Mandatory parameter 'side' was not sent, was empty/null, or malformed.");
  l.clear();
  l.add_int("timestamp", now_ms());
  l.add("color", "blue");
  expect_error(signed_send(Product::kSpot, binance::kSpotAccount, l), 400, -1104);
  // USD-M ignores parameters it does not know.
  EXPECT_EQ(signed_send(Product::kUsdmFutures, binance::kFuturesBalanceV3, l).status, 200);
}

// ---------------------------------------------------------------- authentication

TEST_F(VenueTest, AuthenticationErrors) {
  ParamList l;
  l.add_int("timestamp", now_ms());
  char buf[512];
  binance::Buffer q(buf, sizeof buf);
  ASSERT_TRUE(binance::encode_query(l, q));
  const std::string unsigned_q(q.view());
  expect_error(send(Product::kSpot, "GET", "/api/v3/account", unsigned_q + "&signature=00"), 401, -2014,
               "API-key format invalid.");
  expect_error(send(Product::kSpot, "GET", "/api/v3/account", unsigned_q + "&signature=00", "who"), 401, -2015,
               "Invalid API-key, IP, or permissions for action.");
  expect_error(send(Product::kSpot, "GET", "/api/v3/account", unsigned_q, std::string(kDefaultApiKey)), 400, -1102,
               "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  expect_error(send(Product::kUsdmFutures, "GET", "/fapi/v3/account", unsigned_q + "&signature=" + std::string(64, 'a'),
                    std::string(kDefaultApiKey)),
               400, -1022, "Signature for this request is not valid.");
  // An Ed25519 key's request signed with the HMAC secret.
  char hs[binance::kHmacSha256HexSize];
  hmac->sign(unsigned_q, hs);
  expect_error(send(Product::kSpot, "GET", "/api/v3/account", unsigned_q + "&signature=" + std::string(hs, 64),
                    std::string(kEdKey)),
               400, -1022);
  // Signed a moment ago, checked 5.001 s later (default recvWindow 5000).
  const HttpResponse ok_now = signed_plain(Product::kSpot, binance::kSpotAccount);
  EXPECT_EQ(ok_now.status, 200);
  l.clear();
  l.add_int("timestamp", now_ms() - 5001);
  expect_error(signed_send(Product::kSpot, binance::kSpotAccount, l), 400, -1021,
               "Timestamp for this request is outside of the recvWindow.");
  l.clear();
  l.add_int("recvWindow", 10000);
  l.add_int("timestamp", now_ms() - 5001);
  EXPECT_EQ(signed_send(Product::kSpot, binance::kSpotAccount, l).status, 200);
  l.clear();
  l.add_int("timestamp", (now_ms() - 1) * 1000);  // microseconds
  EXPECT_EQ(signed_send(Product::kUsdmFutures, binance::kFuturesAccountV3, l, Key::kEd25519).status, 200);
}

TEST_F(VenueTest, RefusedOrderRequestsReachTheLedgerOnce) {
  struct Rejects : ExchangeListener {
    std::vector<RejectEvent> seen;
    void on_reject(const RejectEvent& e) override { seen.push_back(e); }
  } rejects;
  ex.add_listener(&rejects);
  // Accepted: nothing refused.
  ASSERT_EQ(place(Product::kSpot, "59000.00", "0.001", "ok-1").status, 200);
  EXPECT_TRUE(rejects.seen.empty());
  // Stale timestamp: refused by the venue before the exchange.
  clock.advance(10 * kNsPerSec);
  binance::NewOrder o;
  o.symbol = "BTCUSDT";
  o.side = binance::OrderSide::kSell;
  o.time_in_force = binance::TimeInForce::kGtc;
  o.quantity = qty("0.001");
  o.price = px("61000");
  o.new_client_order_id = "late-1";
  o.timestamp_ms = now_ms() - 10'000;
  ParamList l;
  ASSERT_TRUE(binance::build_new_order(o, l));
  expect_error(signed_send(Product::kSpot, binance::kSpotNewOrder, l), 400, -1021);
  ASSERT_EQ(rejects.seen.size(), 1u);
  EXPECT_EQ(rejects.seen[0].request, "order.new");
  EXPECT_EQ(rejects.seen[0].symbol, "BTCUSDT");
  EXPECT_EQ(rejects.seen[0].client_order_id, "late-1");
  EXPECT_EQ(rejects.seen[0].side, OrderSide::kSell);
  EXPECT_EQ(rejects.seen[0].error.code, -1021);
  EXPECT_EQ(rejects.seen[0].error.msg, "Timestamp for this request is outside of the recvWindow.");
  // Refused by the exchange (insufficient balance): the exchange's own record, not a second one.
  expect_error(place(Product::kSpot, "59000.00", "1", "big-1"), 400, -2010);
  ASSERT_EQ(rejects.seen.size(), 2u);
  EXPECT_EQ(rejects.seen[1].client_order_id, "big-1");
  // Not an order request: not recorded.
  expect_error(send(Product::kSpot, "GET", "/api/v3/account", "timestamp=1&signature=00", "who"), 401, -2015);
  EXPECT_EQ(rejects.seen.size(), 2u);
}

// ---------------------------------------------------------------- limits and faults

TEST_F(VenueTest, WeightLimitThen429Then418WithRetryAfter) {
  ExchangeFaults f;
  f.weight_limit = 3;
  make_venue(f);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(send(Product::kSpot, "GET", "/api/v3/ping").status, 200);
  auto r = send(Product::kSpot, "GET", "/api/v3/ping");
  expect_error(r, 429, -1003);
  EXPECT_EQ(header(r, "Retry-After"), "50");  // kT0 is 10 s into its minute
  EXPECT_EQ(header(r, "x-mbx-used-weight-1m"), "3");
  r = send(Product::kSpot, "GET", "/api/v3/ping");
  expect_error(r, 418, -1003);
  EXPECT_EQ(header(r, "Retry-After"), "120");  // first ban: 2 minutes
  // Still banned in the next minute; free again after the ban.
  clock.advance(60 * kNsPerSec);
  EXPECT_EQ(send(Product::kSpot, "GET", "/api/v3/ping").status, 418);
  clock.advance(61 * kNsPerSec);
  EXPECT_EQ(send(Product::kSpot, "GET", "/api/v3/ping").status, 200);
  // exchangeInfo advertises the tightened limit.
  binance::ExchangeInfo info;
  clock.advance(60 * kNsPerSec);
  r = send(Product::kUsdmFutures, "GET", "/fapi/v1/exchangeInfo");
  ASSERT_TRUE(binance::parse_exchange_info(r.body, Product::kUsdmFutures, info).ok()) << r.body;
  EXPECT_EQ(info.rate_limits.front().limit, 3);
}

TEST_F(VenueTest, OrderCountLimitIs429With1015) {
  // Spot ORDERS: 100 per 10 s (exchangeInfo rateLimits). kT0 is 10 s into its minute: a 10 s window
  // starts there, so the 101st order waits the full 10 s.
  for (int i = 0; i < 100; ++i) {
    auto r = place(Product::kSpot, "61000.00", "0.001", core::str_cat("n", i), Key::kHmac, binance::TimeInForce::kGtc,
                   binance::OrderSide::kSell);
    ASSERT_EQ(r.status, 200) << i << " " << r.body;
  }
  auto r = place(Product::kSpot, "61000.00", "0.001", "n100", Key::kHmac, binance::TimeInForce::kGtc,
                 binance::OrderSide::kSell);
  expect_error(r, 429, -1015);
  EXPECT_EQ(header(r, "Retry-After"), "10");
  EXPECT_EQ(header(r, "x-mbx-order-count-10s"), "100");
  // The other account counts its own orders.
  EXPECT_EQ(place(Product::kSpot, "59000.00", "0.001", "ed-n", Key::kEd25519).status, 200);
  clock.advance(10 * kNsPerSec);
  EXPECT_EQ(place(Product::kSpot, "61000.00", "0.001", "n101", Key::kHmac, binance::TimeInForce::kGtc,
                  binance::OrderSide::kSell)
                .status,
            200);
}

TEST_F(VenueTest, OrderLimitFaultSetsTheTenSecondCountAndIsAdvertised) {
  ExchangeFaults f;
  f.order_limit_10s = 3;
  make_venue(f);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(place(Product::kSpot, "61000.00", "0.001", core::str_cat("o", i), Key::kHmac, binance::TimeInForce::kGtc,
                    binance::OrderSide::kSell)
                  .status,
              200);
  }
  expect_error(place(Product::kSpot, "61000.00", "0.001", "o3", Key::kHmac, binance::TimeInForce::kGtc,
                     binance::OrderSide::kSell),
               429, -1015);
  binance::ExchangeInfo info;
  auto r = send(Product::kSpot, "GET", "/api/v3/exchangeInfo");
  ASSERT_TRUE(binance::parse_exchange_info(r.body, Product::kSpot, info).ok()) << r.body;
  bool advertised = false;
  for (const auto& l : info.rate_limits) advertised |= l.limit == 3;
  EXPECT_TRUE(advertised) << r.body;
}

TEST_F(VenueTest, Http5xxBeforeTakesNothing) {
  ExchangeFaults f;
  f.http_5xx_rate = 1;
  make_venue(f);
  auto r = place(Product::kSpot, "59000.00", "0.001", "lost-1");
  expect_error(r, 503, -1007,
               "Timeout waiting for response from backend server. Send status unknown; execution status unknown.");
  make_venue({});
  expect_error(order_ref(Product::kSpot, binance::kSpotQueryOrder, std::nullopt, "lost-1"), 400, -2013);
}

TEST_F(VenueTest, Http5xxAppliedThenQueryShowsTheOrder) {
  ExchangeFaults f;
  f.http_5xx_applied_rate = 1;
  make_venue(f);
  expect_error(place(Product::kUsdmFutures, "59000.0", "0.002", "unknown-1"), 503, -1007);
  make_venue({});
  auto r = order_ref(Product::kUsdmFutures, binance::kFuturesQueryOrder, std::nullopt, "unknown-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(decode_order(r, Product::kUsdmFutures).status, binance::OrderStatus::kNew);
}

TEST_F(VenueTest, RejectRateRejects) {
  ExchangeFaults f;
  f.reject_rate = 1;
  make_venue(f);
  expect_error(place(Product::kSpot, "59000.00", "0.001", "rej-1"), 400, -2010);
  EXPECT_TRUE(ex.open_orders(std::string(kDefaultApiKey), Product::kSpot, "BTCUSDT").empty());
}

// ---------------------------------------------------------------- USD-M

TEST_F(VenueTest, FuturesAccountsPositionsLeverageMode) {
  auto r = signed_plain(Product::kUsdmFutures, binance::kFuturesAccountV3, Key::kEd25519);
  binance::FuturesAccount acct;
  std::span<const binance::FuturesAssetBalance> assets;
  std::span<const binance::FuturesPositionInfo> positions;
  ASSERT_TRUE(decoder.decode_futures_account(r.body, acct, assets, positions).ok()) << r.body;
  EXPECT_EQ(acct.total_wallet_balance, px("10000"));
  r = signed_plain(Product::kUsdmFutures, {"GET", "/fapi/v2/balance"});
  std::span<const binance::FuturesAssetBalance> bal;
  ASSERT_TRUE(decoder.decode_futures_balances(r.body, bal).ok()) << r.body;
  ASSERT_EQ(bal.size(), 1u);
  EXPECT_EQ(bal[0].wallet_balance, px("10000"));

  ParamList l;
  l.add("symbol", "BTCUSDT");
  l.add_int("leverage", 7);
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kUsdmFutures, binance::kFuturesLeverage, l);
  binance::LeverageResult lev;
  ASSERT_TRUE(decoder.decode_leverage(r.body, lev).ok()) << r.body;
  EXPECT_EQ(lev.leverage, 7);
  // v2 lists every symbol (with the leverage); v3 only symbols with a position or open orders.
  r = signed_plain(Product::kUsdmFutures, {"GET", "/fapi/v2/positionRisk"});
  ASSERT_TRUE(decoder.decode_positions(r.body, positions).ok()) << r.body;
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions[0].leverage, 7);
  r = signed_plain(Product::kUsdmFutures, binance::kFuturesPositionRiskV3);
  ASSERT_TRUE(decoder.decode_positions(r.body, positions).ok()) << r.body;
  EXPECT_EQ(positions.size(), 0u);

  l.clear();
  l.add("dualSidePosition", "true");
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kUsdmFutures, {"POST", "/fapi/v1/positionSide/dual"}, l);
  EXPECT_EQ(r.body, R"({"code":200,"msg":"success"})");
  r = signed_plain(Product::kUsdmFutures, {"GET", "/fapi/v1/positionSide/dual"});
  EXPECT_EQ(r.body, R"({"dualSidePosition":true})");
}

TEST_F(VenueTest, FuturesOrdersTradesAndCancelAll) {
  auto r = place(Product::kUsdmFutures, "59000.0", "0.002", "fut-1", Key::kHmac, binance::TimeInForce::kGtx);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "x-mbx-order-count-1m"), "1");
  OrderResult o = decode_order(r, Product::kUsdmFutures);
  EXPECT_EQ(o.time_in_force, binance::TimeInForce::kGtx);
  EXPECT_EQ(o.position_side, binance::PositionSide::kBoth);
  // A GTX that would cross is refused (-5022).
  expect_error(place(Product::kUsdmFutures, "60000.1", "0.002", "fut-x", Key::kHmac, binance::TimeInForce::kGtx), 400,
               -5022);
  // MIN_NOTIONAL 100: 0.001 * 59000 = 59.
  expect_error(place(Product::kUsdmFutures, "59000.0", "0.001", "fut-small"), 400, -4164);
  // A taker buy: one trade at the ask.
  ASSERT_EQ(place(Product::kUsdmFutures, "60000.1", "0.002", "fut-take", Key::kHmac, binance::TimeInForce::kIoc).status,
            200);
  ParamList l;
  l.add("symbol", "BTCUSDT");
  l.add_int("timestamp", now_ms());
  r = signed_send(Product::kUsdmFutures, binance::kFuturesUserTrades, l);
  std::span<const binance::AccountTrade> trades;
  ASSERT_TRUE(decoder.decode_trades(r.body, Product::kUsdmFutures, trades).ok()) << r.body;
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, px("60000.1"));
  r = signed_plain(Product::kUsdmFutures, binance::kFuturesPositionRiskV3);
  std::span<const binance::FuturesPositionInfo> positions;
  ASSERT_TRUE(decoder.decode_positions(r.body, positions).ok()) << r.body;
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].position_amt, qty("0.002"));

  r = signed_send(Product::kUsdmFutures, binance::kFuturesCancelAll, l);
  EXPECT_EQ(r.body, R"({"code":200,"msg":"The operation of cancel all open order is done."})");
  r = signed_send(Product::kUsdmFutures, binance::kFuturesOpenOrders, l);
  EXPECT_EQ(parse(r).get_array().size(), 0u);
  expect_error(order_ref(Product::kUsdmFutures, binance::kFuturesCancelOrder, o.order_id), 400, -2011);
}

TEST_F(VenueTest, FuturesListenKeys) {
  const std::string key(kDefaultApiKey);
  auto r = send(Product::kUsdmFutures, "POST", "/fapi/v1/listenKey", {}, key);
  binance::InlineString<128> lk;
  ASSERT_TRUE(decoder.decode_listen_key(r.body, lk).ok()) << r.body;
  EXPECT_EQ(lk.view().size(), 64u);
  EXPECT_TRUE(venue->validate_listen_key(lk.view()));
  EXPECT_EQ(send(Product::kUsdmFutures, "POST", "/fapi/v1/listenKey", {}, key).body, r.body);  // the same key
  EXPECT_EQ(send(Product::kUsdmFutures, "PUT", "/fapi/v1/listenKey", {}, key).body, r.body);
  EXPECT_EQ(send(Product::kUsdmFutures, "DELETE", "/fapi/v1/listenKey", {}, key).body, "{}");
  EXPECT_FALSE(venue->validate_listen_key(lk.view()));
  expect_error(send(Product::kUsdmFutures, "PUT", "/fapi/v1/listenKey", {}, key), 400, -1125,
               "This listenKey does not exist.");
  expect_error(send(Product::kUsdmFutures, "POST", "/fapi/v1/listenKey"), 401, -2014);
  // Expiry: listenkey-expire-s.
  ExchangeFaults f;
  f.listenkey_expire_s = 5;
  make_venue(f);
  r = send(Product::kUsdmFutures, "POST", "/fapi/v1/listenKey", {}, key);
  ASSERT_TRUE(decoder.decode_listen_key(r.body, lk).ok());
  clock.advance(5 * kNsPerSec);
  EXPECT_FALSE(venue->validate_listen_key(lk.view()));
  expect_error(send(Product::kUsdmFutures, "PUT", "/fapi/v1/listenKey", {}, key), 400, -1125);
}

TEST_F(VenueTest, WsApiWithoutHandlerAnswersBinanceErrorShape) {
  struct Conn : WsConnection {
    std::vector<std::string> sent;
    uint64_t id() const override { return 1; }
    Product product() const override { return Product::kSpot; }
    bool time_unit_us() const override { return false; }
    bool send_text(std::string t) override { return sent.push_back(std::move(t)), true; }
    void close() override {}
    bool is_open() const override { return true; }
  };
  auto c = std::make_shared<Conn>();
  venue->on_ws_api_text(c, R"({"id":"abc","method":"ping","params":{}})");
  ASSERT_EQ(c->sent.size(), 1u);
  binance::WsEnvelope env;
  ASSERT_TRUE(decoder.decode_ws_envelope(c->sent[0], env).ok()) << c->sent[0];
  EXPECT_EQ(env.id, "abc");
  EXPECT_EQ(env.status, 400);
  EXPECT_EQ(env.error.code, -1020);
}

}  // namespace
}  // namespace dmabot::binance_sim
