// Unit tests of binance-sim's WebSocket side: the WebSocket API (ws_api.h), user-data delivery and the
// listenKey store (user_data_publisher.h), the market streams (market_publisher.h). In process: fake
// connections and stream hub, the real Exchange and Security, an injected clock.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/strings.h"
#include "gateway/binance/signer.h"
#include "simdjson.h"
#include "tests/tools/binance_sim/exchange_test_util.h"
#include "tools/binance_sim/market_publisher.h"
#include "tools/binance_sim/rate_limiter.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/user_data_publisher.h"
#include "tools/binance_sim/ws_api.h"
#include "tools/binance_sim/ws_venue.h"

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

constexpr UnixNanos kT0 = 1'700'000'000LL * kNsPerSec;
constexpr int64_t kT0Ms = kT0 / kNsPerMs;
constexpr std::string_view kHmacKey = "hmac-key";
constexpr std::string_view kHmacSecret = "hmac-secret-for-tests";
constexpr std::string_view kEdKey = "ed-key";

class FakeConn final : public WsConnection {
 public:
  FakeConn(uint64_t id, Product p, bool us = false) : id_(id), product_(p), us_(us) {}
  uint64_t id() const override { return id_; }
  Product product() const override { return product_; }
  bool time_unit_us() const override { return us_; }
  bool send_text(std::string text) override {
    sent.push_back(std::move(text));
    return open_;
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::vector<std::string> sent;

 private:
  uint64_t id_;
  Product product_;
  bool us_;
  bool open_ = true;
};

struct Published {
  Product product;
  StreamRoute route;
  std::string stream, ms, us;
};

class FakeHub final : public StreamHub {
 public:
  std::size_t publish(Product p, StreamRoute r, std::string_view s, std::string_view ms, std::string_view us) override {
    if (!has_subscribers(p, r, s)) return 0;
    events.push_back(Published{p, r, std::string(s), std::string(ms), std::string(us)});
    return 1;
  }
  bool has_subscribers(Product p, StreamRoute r, std::string_view s) const override {
    (void)p;
    return subs.count({r, std::string(s)}) > 0;
  }
  std::size_t close_subscribers(Product p, StreamRoute r, std::string_view s) override {
    (void)p;
    closed.push_back(std::string(s));
    return subs.erase({r, std::string(s)});
  }
  void subscribe(StreamRoute r, std::string s) { subs.insert({r, std::move(s)}); }
  std::set<std::pair<StreamRoute, std::string>> subs;
  std::vector<Published> events;
  std::vector<std::string> closed;
};

// WsApiHost over the real Security and RateLimiter (what WsVenue does over SimVenue).
class TestHost final : public WsApiHost {
 public:
  explicit TestHost(const KeyRegistry& keys) : security_(keys, 0) {}
  KeyKind key_kind(std::string_view k) const override {
    auto t = security_.keys().type(k);
    if (!t) return KeyKind::kUnknown;
    return *t == KeyType::kEd25519 ? KeyKind::kEd25519 : KeyKind::kHmac;
  }
  ExchangeError verify_signed(Product, binance::RequestParams& params, UnixNanos now) override {
    std::string key;
    return security_.authenticate_ws(params, now, key);
  }
  ExchangeError check_timestamp(Product, binance::RequestParams& params, UnixNanos now) override {
    return security_.check_timing(params, now);
  }
  ExchangeError charge(Product, std::string_view api_key, int weight, bool order, UnixNanos now,
                       std::vector<binance::RateLimitStatus>& limits) override {
    RateDecision d = limiter_.on_request("127.0.0.1", weight, now);
    limits.clear();
    binance::RateLimitStatus s;
    if (order && d.allowed()) {
      RateDecision o = limiter_.on_order(std::string(api_key), now);
      (void)s.rate_limit_type.assign("ORDERS");
      (void)s.interval.assign("SECOND");
      s.interval_num = 10;
      s.limit = 100;
      s.count = o.order_count_10s;
      limits.push_back(s);
    }
    (void)s.rate_limit_type.assign("REQUEST_WEIGHT");
    (void)s.interval.assign("MINUTE");
    s.interval_num = 1;
    s.limit = 6000;
    s.count = d.used_weight_1m;
    limits.push_back(s);
    weights.push_back(weight);
    if (!d.allowed()) return ExchangeError::make(d.code, d.msg, d.http_status);
    return {};
  }
  std::vector<binance::RateLimit> rate_limits(Product p) const override {
    return RateLimits::for_product(p).to_exchange_info();
  }
  std::vector<int> weights;

 private:
  Security security_;
  RateLimiter limiter_{RateLimits::for_product(Product::kSpot)};
};

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& s) {
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(s).get(e), simdjson::SUCCESS) << s;
  return e;
}

class WsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
      SymbolConfig s;
      s.product = p;
      s.name = "BTCUSDT";
      s.base_asset = "BTC";
      s.quote_asset = "USDT";
      s.tick_size = px("0.01");
      s.step_size = qty("0.00001");
      s.min_qty = qty("0.00001");
      s.min_notional_raw = money("5");
      ASSERT_TRUE(ex.add_symbol(s).ok());
      ex.set_market_top(p, "BTCUSDT", top("60000", "1", "60000.01", "1"), kT0);
    }
    uint8_t seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i + 1);
    auto signer = binance::Ed25519Signer::from_raw(std::span<const uint8_t, 32>(seed));
    ASSERT_TRUE(signer.ok());
    ed_signer = std::make_unique<binance::Ed25519Signer>(std::move(*signer));
    ASSERT_TRUE(keys.add_hmac(std::string(kHmacKey), kHmacSecret).ok());
    ASSERT_TRUE(keys.add_ed25519_pem(std::string(kEdKey), ed_signer->public_key_pem()).ok());
    for (std::string_view k : {kHmacKey, kEdKey}) {
      AccountConfig a;
      a.api_key = std::string(k);
      a.hmac_secret = std::string(kHmacSecret);  // the exchange keeps keys as configured; Security checks them
      a.spot_balances = {{"USDT", money("100000")}, {"BTC", money("10")}};
      a.futures_wallet_raw = money("10000");
      ASSERT_TRUE(ex.add_account(a).ok());
    }
    ex.add_listener(&uds);
  }

  // A request frame; signed=true adds apiKey, timestamp and the signature over the sorted params.
  std::string frame(std::string_view id_json, std::string_view method, std::map<std::string, std::string> params,
                    std::string_view key = {}, bool add_timestamp = true) {
    if (add_timestamp) params["timestamp"] = std::to_string(now / kNsPerMs);
    if (!key.empty()) {
      params["apiKey"] = std::string(key);
      std::string payload;
      for (const auto& [k, v] : params) core::str_append(payload, payload.empty() ? "" : "&", k, "=", v);
      if (key == kHmacKey) {
        auto s = binance::HmacSha256Signer::create(kHmacSecret);
        char hex[binance::kHmacSha256HexSize];
        s->sign(payload, hex);
        params["signature"] = std::string(hex, sizeof hex);
      } else {
        char b64[binance::kEd25519Base64Size];
        EXPECT_TRUE(ed_signer->sign(payload, b64));
        params["signature"] = std::string(b64, sizeof b64);
      }
    }
    std::string f = core::str_cat("{\"id\":", id_json, ",\"method\":\"", method, "\",\"params\":{");
    bool first = true;
    for (const auto& [k, v] : params) {
      if (!first) f += ',';
      first = false;
      core::append_json_string(f, k);
      f += ':';
      if (k == "timestamp")
        f += v;  // the connectors send timestamp as a number, everything else as strings
      else
        core::append_json_string(f, v);
    }
    f += "}}";
    return f;
  }
  // Sends one frame and returns the answer (the last text the connection got).
  std::string call(FakeConn& c, const std::string& f) {
    const std::size_t before = c.sent.size();
    api.on_text(conn(c), f, now);
    EXPECT_GT(c.sent.size(), before);
    return answer_of(c, before);
  }
  // The first message after `from` that is a request answer (not a user-data event).
  static std::string answer_of(const FakeConn& c, std::size_t from) {
    for (std::size_t i = from; i < c.sent.size(); ++i)
      if (c.sent[i].find("\"subscriptionId\":") == std::string::npos ||
          c.sent[i].find("\"status\"") != std::string::npos)
        return c.sent[i];
    return {};
  }
  WsConnectionPtr conn(FakeConn& c) {
    return WsConnectionPtr(std::shared_ptr<WsConnection>{}, &c);  // non-owning alias
  }
  std::map<std::string, std::string> limit_buy(std::string cid, std::string price = "59000") {
    return {{"symbol", "BTCUSDT"}, {"side", "BUY"},  {"type", "LIMIT"},        {"timeInForce", "GTC"},
            {"quantity", "0.001"}, {"price", price}, {"newClientOrderId", cid}};
  }

  UnixNanos now = kT0;
  Exchange ex;
  KeyRegistry keys;
  std::unique_ptr<binance::Ed25519Signer> ed_signer;
  FakeHub hub;
  ListenKeyStore listen_keys{hub, 60LL * 60 * kNsPerSec};
  UserDataPublisher uds{hub, listen_keys};
  TestHost host{keys};
  WsApi api{ex, uds, listen_keys, host};
  FakeConn spot{1, Product::kSpot};
  FakeConn spot2{2, Product::kSpot};
  FakeConn fut{3, Product::kUsdmFutures};
  simdjson::dom::parser jp;
};

// ---- envelope and errors -------------------------------------------------------------------------------

TEST_F(WsApiTest, PingEchoesStringAndNumberIdsWithRateLimits) {
  EXPECT_EQ(
      call(spot, R"({"id":"abc-1","method":"ping","params":{}})"),
      R"({"id":"abc-1","status":200,"result":{},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":1}]})");
  const std::string r = call(spot, R"({"id":7,"method":"ping"})");
  EXPECT_EQ(r.rfind(R"({"id":7,"status":200,"result":{})", 0), 0u) << r;
  // returnRateLimits=false leaves them out.
  EXPECT_EQ(call(spot, R"({"id":8,"method":"ping","params":{"returnRateLimits":false}})"),
            R"({"id":8,"status":200,"result":{}})");
}

TEST_F(WsApiTest, MalformedFramesGetBinanceErrorsAndTheConnectionStays) {
  std::string r = call(spot, "{not json");
  EXPECT_NE(r.find(R"("id":null,"status":400,"error":{"code":-1135)"), std::string::npos) << r;
  r = call(spot, R"({"method":"ping"})");
  EXPECT_NE(r.find(R"("status":400,"error":{"code":-1102)"), std::string::npos) << r;
  r = call(spot, R"({"id":"x","method":"no.such.method"})");
  EXPECT_NE(r.find(R"({"id":"x","status":400,"error":{"code":-1020)"), std::string::npos) << r;
  // A futures-only method on spot is unknown there.
  r = call(spot, R"({"id":"y","method":"userDataStream.start","params":{"apiKey":"hmac-key"}})");
  EXPECT_NE(r.find(R"("code":-1020)"), std::string::npos) << r;
  EXPECT_TRUE(spot.is_open());
  EXPECT_EQ(
      call(spot, R"({"id":1,"method":"time"})"),
      core::str_cat(
          R"({"id":1,"status":200,"result":{"serverTime":)", kT0Ms,
          R"(},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000,"count":)",
          // the refused frames were not charged: time is the first request counted
          1, "}]}"));
}

TEST_F(WsApiTest, OddFramesAreAnsweredOnceEachWithAnError) {
  const std::vector<std::string> frames = {
      "",
      "[]",
      "null",
      "1",
      R"({"id":{},"method":"ping"})",
      R"({"id":1,"method":5})",
      R"({"id":1,"method":"order.place","params":[]})",
      R"({"id":1,"method":"order.place","params":{"symbol":7}})",
      R"({"id":1,"method":"order.place","params":{"symbol":"BTCUSDT","timestamp":"x","apiKey":"hmac-key","signature":"zz"}})",
      R"({"id":1,"method":"order.status","params":{"timestamp":1}})",
      R"({"id":"q","method":"ticker.book","params":{"symbol":""}})",
      std::string(1000, '{'),
      "{\"id\":\"\xff\",\"method\":\"ping\"}"};
  for (const std::string& f : frames) {
    const std::size_t before = spot.sent.size();
    api.on_text(conn(spot), f, now);
    ASSERT_EQ(spot.sent.size(), before + 1) << f;
    auto d = parse(jp, spot.sent.back());
    EXPECT_GE(int64_t(d["status"]), 200) << spot.sent.back();
  }
  EXPECT_TRUE(spot.is_open());
}

TEST_F(WsApiTest, ExchangeInfoAndTickerBook) {
  std::string r = call(spot, R"({"id":"e","method":"exchangeInfo","params":{"symbol":"BTCUSDT"}})");
  auto doc = parse(jp, r);
  EXPECT_EQ(std::string_view(doc["result"]["symbols"].at(0)["symbol"]), "BTCUSDT");
  EXPECT_EQ(std::string_view(doc["result"]["symbols"].at(0)["status"]), "TRADING");
  r = call(spot, R"({"id":"e2","method":"exchangeInfo","params":{"symbol":"NOPE"}})");
  EXPECT_NE(r.find(R"("code":-1121)"), std::string::npos) << r;
  // Weights as web-socket-api.md lists them: exchangeInfo 20 (then 20 for the failed one), ticker.book 2.
  EXPECT_EQ(host.weights, (std::vector<int>{20, 20}));
  r = call(spot, R"({"id":"t","method":"ticker.book","params":{"symbol":"BTCUSDT"}})");
  EXPECT_EQ(host.weights.back(), 2);
  EXPECT_NE(
      r.find(
          R"("result":{"symbol":"BTCUSDT","bidPrice":"60000.00000000","bidQty":"1.00000000","askPrice":"60000.01000000","askQty":"1.00000000"})"),
      std::string::npos)
      << r;
}

// ---- signed requests --------------------------------------------------------------------------------

TEST_F(WsApiTest, OrderPlaceStatusOpenOrdersCancelWithHmac) {
  std::string r = call(spot, frame("\"p1\"", "order.place", limit_buy("c1"), kHmacKey));
  auto doc = parse(jp, r);
  ASSERT_EQ(int64_t(doc["status"]), 200) << r;
  EXPECT_EQ(std::string_view(doc["result"]["clientOrderId"]), "c1");
  EXPECT_EQ(std::string_view(doc["result"]["status"]), "NEW");
  EXPECT_EQ(std::string_view(doc["result"]["price"]), "59000.00000000");
  EXPECT_EQ(std::string_view(doc["rateLimits"].at(0)["rateLimitType"]), "ORDERS");
  const int64_t order_id = int64_t(doc["result"]["orderId"]);

  r = call(spot, frame("\"s\"", "order.status", {{"symbol", "BTCUSDT"}, {"origClientOrderId", "c1"}}, kHmacKey));
  doc = parse(jp, r);
  EXPECT_EQ(int64_t(doc["result"]["orderId"]), order_id) << r;
  r = call(spot, frame("\"o\"", "openOrders.status", {{"symbol", "BTCUSDT"}}, kHmacKey));
  doc = parse(jp, r);
  EXPECT_EQ(simdjson::dom::array(doc["result"]).size(), 1u) << r;
  r = call(spot,
           frame("\"c\"", "order.cancel", {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(order_id)}}, kHmacKey));
  doc = parse(jp, r);
  EXPECT_EQ(std::string_view(doc["result"]["status"]), "CANCELED") << r;
  EXPECT_EQ(std::string_view(doc["result"]["origClientOrderId"]), "c1");
  r = call(spot,
           frame("\"c2\"", "order.cancel", {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(order_id)}}, kHmacKey));
  EXPECT_NE(r.find(R"({"id":"c2","status":400,"error":{"code":-2011,"msg":"Unknown order sent."})"), std::string::npos)
      << r;
}

TEST_F(WsApiTest, BadSignatureStaleTimestampAndMissingAuth) {
  std::string f = frame("1", "openOrders.status", {{"symbol", "BTCUSDT"}}, kHmacKey);
  f.replace(f.find("\"signature\":\"") + 13, 4, "0000");
  std::string r = call(spot, f);
  EXPECT_NE(r.find(R"("code":-1022)"), std::string::npos) << r;
  now = kT0 + 120 * kNsPerSec;  // the request's timestamp stays 120 s behind
  f = frame("2", "openOrders.status", {{"symbol", "BTCUSDT"}}, kHmacKey);
  now = kT0;
  f = frame("2", "openOrders.status", {{"symbol", "BTCUSDT"}}, kHmacKey);
  now = kT0 + 120 * kNsPerSec;
  r = call(spot, f);
  EXPECT_NE(r.find(R"("code":-1021)"), std::string::npos) << r;
  now = kT0;
  r = call(spot, frame("3", "openOrders.status", {{"symbol", "BTCUSDT"}}));
  EXPECT_NE(r.find(R"("code":-1102)"), std::string::npos) << r;
}

// ---- session.logon ------------------------------------------------------------------------------------

TEST_F(WsApiTest, SessionLogonIsEd25519OnlyThenRequestsNeedOnlyTimestamp) {
  std::string r = call(spot, frame("\"l1\"", "session.logon", {}, kHmacKey));
  auto doc = parse(jp, r);
  EXPECT_EQ(int64_t(doc["status"]), 400) << r;
  EXPECT_EQ(int64_t(doc["error"]["code"]), -4056) << r;

  r = call(spot, frame("\"l2\"", "session.logon", {}, kEdKey));
  doc = parse(jp, r);
  ASSERT_EQ(int64_t(doc["status"]), 200) << r;
  EXPECT_EQ(std::string_view(doc["result"]["apiKey"]), kEdKey);
  EXPECT_EQ(int64_t(doc["result"]["authorizedSince"]), kT0Ms);
  EXPECT_EQ(bool(doc["result"]["userDataStream"]), false);

  // connectors.md 5: no apiKey, no signature, timestamp only.
  r = call(spot, frame("\"p\"", "order.place", limit_buy("sess1")));
  doc = parse(jp, r);
  EXPECT_EQ(std::string_view(doc["result"]["status"]), "NEW") << r;
  EXPECT_EQ(ex.open_orders(std::string(kEdKey), Product::kSpot, "BTCUSDT").size(), 1u);
  // Still needs a timestamp.
  r = call(spot, frame("\"p2\"", "openOrders.status", {{"symbol", "BTCUSDT"}}, {}, false));
  EXPECT_NE(r.find(R"("code":-1102)"), std::string::npos) << r;
  // Another connection is not logged on.
  r = call(spot2, frame("\"p3\"", "openOrders.status", {{"symbol", "BTCUSDT"}}));
  EXPECT_NE(r.find(R"("code":-1102)"), std::string::npos) << r;

  r = call(spot, R"({"id":"lo","method":"session.logout"})");
  doc = parse(jp, r);
  EXPECT_TRUE(doc["result"]["apiKey"].is_null()) << r;
  r = call(spot, frame("\"p4\"", "openOrders.status", {{"symbol", "BTCUSDT"}}));
  EXPECT_NE(r.find(R"("code":-1102)"), std::string::npos) << r;
}

// ---- user data ------------------------------------------------------------------------------------------

TEST_F(WsApiTest, SubscribeNeedsLogonSignatureSubscriptionWorksWithHmac) {
  std::string r = call(spot, R"({"id":"u","method":"userDataStream.subscribe"})");
  EXPECT_NE(r.find(R"("status":401,"error":{"code":-2015)"), std::string::npos) << r;
  r = call(spot, frame("\"us\"", "userDataStream.subscribe.signature", {}, kHmacKey));
  EXPECT_NE(r.find(R"("result":{"subscriptionId":0})"), std::string::npos) << r;
  r = call(spot, R"({"id":"ls","method":"session.subscriptions"})");
  EXPECT_NE(r.find(R"("result":[{"subscriptionId":0}])"), std::string::npos) << r;
  r = call(spot, R"({"id":"un","method":"userDataStream.unsubscribe","params":{"subscriptionId":0}})");
  EXPECT_NE(r.find(R"("result":{})"), std::string::npos) << r;
  r = call(spot, R"({"id":"ls2","method":"session.subscriptions"})");
  EXPECT_NE(r.find(R"("result":[])"), std::string::npos) << r;
}

TEST_F(WsApiTest, EventsArriveNewThenTradeThenBalanceOnEverySubscribedConnection) {
  ASSERT_NE(call(spot, frame("\"l\"", "session.logon", {}, kEdKey)).find("\"status\":200"), std::string::npos);
  ASSERT_NE(call(spot, R"({"id":"s","method":"userDataStream.subscribe"})").find(R"("subscriptionId":0)"),
            std::string::npos);
  FakeConn us_conn{9, Product::kSpot, /*us=*/true};
  ASSERT_NE(call(us_conn, frame("\"s2\"", "userDataStream.subscribe.signature", {}, kEdKey)).find("\"status\":200"),
            std::string::npos);
  // Someone else's subscription sees nothing of it.
  ASSERT_NE(call(spot2, frame("\"s3\"", "userDataStream.subscribe.signature", {}, kHmacKey)).find("\"status\":200"),
            std::string::npos);

  const std::size_t from = spot.sent.size();
  const std::size_t from_us = us_conn.sent.size();
  const std::size_t from2 = spot2.sent.size();
  // A marketable buy: NEW, then TRADE, then the balances it moved.
  std::map<std::string, std::string> p = limit_buy("taker1", "60000.01");
  const std::string r = call(spot, frame("\"b\"", "order.place", p));
  ASSERT_NE(r.find("\"FILLED\""), std::string::npos) << r;
  std::vector<std::string> kinds;
  for (std::size_t i = from; i < spot.sent.size(); ++i) {
    const std::string& m = spot.sent[i];
    if (m.rfind(R"({"subscriptionId":0,"event":{"e":"executionReport")", 0) == 0) {
      auto d = parse(jp, m);
      kinds.push_back(core::str_cat("ER ", std::string_view(d["event"]["x"])));
      EXPECT_EQ(std::string_view(d["event"]["c"]), "taker1");
      EXPECT_EQ(int64_t(d["event"]["E"]), kT0Ms);
    } else if (m.rfind(R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition")", 0) == 0) {
      kinds.push_back("OAP");
      EXPECT_NE(m.find(R"("a":"BTC")"), std::string::npos) << m;
      EXPECT_NE(m.find(R"("a":"USDT")"), std::string::npos) << m;
    } else {
      kinds.push_back("answer");
    }
  }
  // The answer goes out after the events the request caused (they are emitted while it executes).
  EXPECT_EQ(kinds, (std::vector<std::string>{"ER NEW", "ER TRADE", "answer", "OAP"}));
  // The µs connection got the same events with microsecond times.
  bool saw_us = false;
  for (std::size_t i = from_us; i < us_conn.sent.size(); ++i)
    if (us_conn.sent[i].find("executionReport") != std::string::npos) {
      auto d = parse(jp, us_conn.sent[i]);
      EXPECT_EQ(int64_t(d["event"]["E"]), kT0Ms * 1000);
      saw_us = true;
    }
  EXPECT_TRUE(saw_us);
  EXPECT_EQ(spot2.sent.size(), from2);
}

TEST_F(WsApiTest, CancelEventCarriesTheOriginalClientIdInC) {
  ASSERT_NE(call(spot, frame("\"s\"", "userDataStream.subscribe.signature", {}, kHmacKey)).find("\"status\":200"),
            std::string::npos);
  auto doc = parse(jp, call(spot, frame("\"p\"", "order.place", limit_buy("orig1"), kHmacKey)));
  const int64_t id = int64_t(doc["result"]["orderId"]);
  const std::size_t from = spot.sent.size();
  (void)call(spot, frame("\"c\"", "order.cancel", {{"symbol", "BTCUSDT"}, {"orderId", std::to_string(id)}}, kHmacKey));
  bool found = false;
  for (std::size_t i = from; i < spot.sent.size(); ++i) {
    if (spot.sent[i].find("executionReport") == std::string::npos) continue;
    auto d = parse(jp, spot.sent[i]);
    EXPECT_EQ(std::string_view(d["event"]["X"]), "CANCELED");
    EXPECT_EQ(std::string_view(d["event"]["C"]), "orig1");
    found = true;
  }
  EXPECT_TRUE(found);
}

// ---- futures ------------------------------------------------------------------------------------------

TEST_F(WsApiTest, FuturesOrderAndUserDataOnTheListenKey) {
  std::string r = call(fut, R"({"id":"k","method":"userDataStream.start","params":{"apiKey":"hmac-key"}})");
  auto doc = parse(jp, r);
  const std::string key{std::string_view(doc["result"]["listenKey"])};
  ASSERT_EQ(key.size(), 64u) << r;
  hub.subscribe(StreamRoute::kPrivate, key);

  std::map<std::string, std::string> p = limit_buy("f1");
  p["timeInForce"] = "GTX";
  p["recvWindow"] = "5000";
  r = call(fut, frame("\"fp\"", "order.place", p, kHmacKey));
  doc = parse(jp, r);
  ASSERT_EQ(std::string_view(doc["result"]["status"]), "NEW") << r;
  ASSERT_FALSE(hub.events.empty());
  const Published& e = hub.events.front();
  EXPECT_EQ(e.route, StreamRoute::kPrivate);
  EXPECT_EQ(e.stream, key);
  auto ev = parse(jp, e.ms);
  EXPECT_EQ(std::string_view(ev["e"]), "ORDER_TRADE_UPDATE");
  EXPECT_EQ(std::string_view(ev["o"]["c"]), "f1");
  EXPECT_EQ(std::string_view(ev["o"]["x"]), "NEW");
  EXPECT_EQ(std::string_view(ev["o"]["f"]), "GTX");

  r = call(fut, R"({"id":"kp","method":"userDataStream.ping","params":{"apiKey":"hmac-key"}})");
  EXPECT_NE(r.find(key), std::string::npos) << r;
  r = call(fut, R"({"id":"ks","method":"userDataStream.stop","params":{"apiKey":"hmac-key"}})");
  EXPECT_NE(r.find(R"("result":{})"), std::string::npos) << r;
  EXPECT_EQ(hub.closed, std::vector<std::string>{key});
  r = call(fut, R"({"id":"kp2","method":"userDataStream.ping","params":{"apiKey":"hmac-key"}})");
  EXPECT_NE(r.find(R"({"code":-1125,"msg":"This listenKey does not exist."})"), std::string::npos) << r;

  r = call(fut, frame("\"a\"", "account.status", {}, kHmacKey));
  doc = parse(jp, r);
  EXPECT_EQ(int64_t(doc["status"]), 200) << r;
}

TEST_F(WsApiTest, FuturesFillIsNewThenTradeLiteThenTradeThenAccountUpdate) {
  auto doc = parse(jp, call(fut, R"({"id":"k","method":"userDataStream.start","params":{"apiKey":"hmac-key"}})"));
  const std::string key{std::string_view(doc["result"]["listenKey"])};
  hub.subscribe(StreamRoute::kPrivate, key);
  std::map<std::string, std::string> p = limit_buy("ft1", "60000.01");
  const std::string r = call(fut, frame("\"fb\"", "order.place", p, kHmacKey));
  ASSERT_NE(r.find("\"FILLED\""), std::string::npos) << r;
  std::vector<std::string> kinds;
  for (const Published& e : hub.events) {
    auto d = parse(jp, e.ms);
    std::string k{std::string_view(d["e"])};
    if (k == "ORDER_TRADE_UPDATE") k += core::str_cat(" ", std::string_view(d["o"]["x"]));
    if (k == "ACCOUNT_UPDATE") {
      EXPECT_EQ(std::string_view(d["a"]["m"]), "ORDER");
      EXPECT_EQ(std::string_view(d["a"]["P"].at(0)["pa"]), "0.001") << e.ms;
    }
    kinds.push_back(k);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"ORDER_TRADE_UPDATE NEW", "TRADE_LITE", "ORDER_TRADE_UPDATE TRADE",
                                             "ACCOUNT_UPDATE"}));
}

// ---- listenKey store --------------------------------------------------------------------------------

TEST(ListenKeyStoreTest, SameKeyWhileValidKeepaliveExtendsExpiryPublishesThenCloses) {
  FakeHub hub;
  ListenKeyStore keys(hub, 60 * kNsPerSec);
  const std::string k = keys.create("A", kT0);
  EXPECT_EQ(keys.create("A", kT0 + 10 * kNsPerSec), k);  // same key, extended to t+70 s
  EXPECT_NE(keys.create("B", kT0 + 65 * kNsPerSec), k);  // valid until t+125 s
  EXPECT_TRUE(keys.valid(k, kT0 + 69 * kNsPerSec));
  ASSERT_TRUE(keys.keepalive("A", kT0 + 60 * kNsPerSec).has_value());  // now until t+120 s
  EXPECT_FALSE(keys.keepalive("nobody", kT0).has_value());
  hub.subscribe(StreamRoute::kPrivate, k);
  keys.expire(kT0 + 119 * kNsPerSec);
  EXPECT_TRUE(hub.events.empty());
  keys.expire(kT0 + 120 * kNsPerSec);
  ASSERT_EQ(hub.events.size(), 1u);
  // USD-M docs: {"e":"listenKeyExpired","E":"1736996475556","listenKey":"..."} — E is a string.
  EXPECT_EQ(hub.events[0].ms,
            core::str_cat(R"({"e":"listenKeyExpired","E":")", kT0Ms + 120'000, R"(","listenKey":")", k, R"("})"));
  EXPECT_EQ(hub.closed, std::vector<std::string>{k});
  EXPECT_FALSE(keys.valid(k, kT0 + 120 * kNsPerSec));
  EXPECT_FALSE(keys.keepalive("A", kT0 + 121 * kNsPerSec).has_value());
  EXPECT_NE(keys.create("A", kT0 + 121 * kNsPerSec), k);  // a fresh one after expiry
  // B lapsed at t+125 s with no tick since: a new POST announces that before replacing it.
  const std::string kb = *keys.key_of("B");
  hub.subscribe(StreamRoute::kPrivate, kb);
  EXPECT_NE(keys.create("B", kT0 + 131 * kNsPerSec), kb);
  ASSERT_EQ(hub.events.size(), 2u);
  EXPECT_NE(hub.events[1].ms.find(kb), std::string::npos);
}

// ---- market streams -----------------------------------------------------------------------------------

TEST(MarketPublisherFormat, SpotBookTickerIsTheDocsExample) {
  // web-socket-streams.md "Individual Symbol Book Ticker Streams".
  EXPECT_EQ(MarketPublisher::spot_book_ticker("BNBUSDT", top("25.3519", "31.21", "25.3652", "40.66"), 400900217),
            R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})");
}

TEST(MarketPublisherFormat, FuturesBookTickerAndMarkPriceFields) {
  binance::InstrumentSpec spec;
  spec.symbol = "BNBUSDT";
  spec.price_precision = 4;
  spec.quantity_precision = 2;
  const UnixNanos t = 1568014460893LL * kNsPerMs;
  EXPECT_EQ(
      MarketPublisher::futures_book_ticker(spec, top("25.3519", "31.21", "25.3652", "40.66"), 400900217, t),
      R"({"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460893,"s":"BNBUSDT","b":"25.3519","B":"31.21","a":"25.3652","A":"40.66"})");
  // USD-M "Mark Price Stream" example values (P: a perpetual's estimated settle price is its index).
  MarkPriceEvent m;
  m.symbol = "BTCUSDT";
  m.mark = px("11794.15");
  m.index = px("11784.62659091");
  m.funding_rate_raw = money("0.00038167");
  m.next_funding_time = 1562306400000LL * kNsPerMs;
  EXPECT_EQ(
      MarketPublisher::mark_price_update(m, 1562305380000LL * kNsPerMs),
      R"({"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.62659091","r":"0.00038167","T":1562306400000})");
}

TEST(MarketPublisherFormat, Depth) {
  Exchange::Depth d;
  d.bids.push_back({px("0.0024"), qty("10")});
  d.asks.push_back({px("0.0026"), qty("100")});
  EXPECT_EQ(MarketPublisher::spot_depth(d, 160),
            R"({"lastUpdateId":160,"bids":[["0.00240000","10.00000000"]],"asks":[["0.00260000","100.00000000"]]})");
  binance::InstrumentSpec spec;
  spec.symbol = "BTCUSDT";
  spec.price_precision = 2;
  spec.quantity_precision = 3;
  Exchange::Depth f;
  f.bids.push_back({px("7403.89"), qty("0.002")});
  f.asks.push_back({px("7405.96"), qty("3.34")});
  EXPECT_EQ(
      MarketPublisher::futures_depth(spec, f, 157, 160, 149, 1571889248277LL * kNsPerMs),
      R"({"e":"depthUpdate","E":1571889248277,"T":1571889248277,"s":"BTCUSDT","U":157,"u":160,"pu":149,"b":[["7403.89","0.002"]],"a":[["7405.96","3.340"]]})");
}

TEST(MarketPublisherPoll, PublishesOnlyToListenersAndOnlyChanges) {
  Exchange ex;
  for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
    SymbolConfig s;
    s.product = p;
    s.name = "BTCUSDT";
    s.base_asset = "BTC";
    s.quote_asset = "USDT";
    ASSERT_TRUE(ex.add_symbol(s).ok());
    ex.set_market_top(p, "BTCUSDT", top("100", "1", "101", "2"), kT0);
  }
  ex.set_mark_price("BTCUSDT", px("100.5"), px("100.4"), money("0.0001"), 0, kT0);
  FakeHub hub;
  MarketPublisher mp(ex, hub);
  mp.poll(kT0);
  EXPECT_TRUE(hub.events.empty());  // nobody listens
  hub.subscribe(StreamRoute::kSpot, "btcusdt@bookTicker");
  hub.subscribe(StreamRoute::kPublic, "btcusdt@bookTicker");
  hub.subscribe(StreamRoute::kMarket, "btcusdt@markPrice@1s");
  hub.subscribe(StreamRoute::kPublic, "btcusdt@depth5@100ms");
  mp.poll(kT0 + 50 * kNsPerMs);
  EXPECT_TRUE(hub.events.empty());  // nothing changed, no boundary crossed
  ex.set_market_top(Product::kSpot, "BTCUSDT", top("100.5", "1", "101", "2"), kT0 + 60 * kNsPerMs);
  mp.poll(kT0 + 100 * kNsPerMs);
  std::vector<std::string> got;
  for (const auto& e : hub.events) got.push_back(e.stream);
  EXPECT_EQ(got, (std::vector<std::string>{"btcusdt@bookTicker", "btcusdt@depth5@100ms"}));
  EXPECT_EQ(hub.events[0].route, StreamRoute::kSpot);
  EXPECT_EQ(hub.events[0].ms,
            R"({"u":2,"s":"BTCUSDT","b":"100.50000000","B":"1.00000000","a":"101.00000000","A":"2.00000000"})");
  hub.events.clear();
  mp.poll(kT0 + 1000 * kNsPerMs);  // a second boundary: markPrice@1s (and depth)
  got.clear();
  for (const auto& e : hub.events) got.push_back(e.stream);
  EXPECT_EQ(got, (std::vector<std::string>{"btcusdt@depth5@100ms", "btcusdt@markPrice@1s"}));
  auto mark = hub.events.back().ms;
  EXPECT_NE(mark.find(R"("p":"100.50000000","i":"100.40000000")"), std::string::npos) << mark;
  EXPECT_EQ(hub.events.back().route, StreamRoute::kMarket);
  // USD-M !bookTicker carries every symbol's futures bookTicker on /public.
  hub.subscribe(StreamRoute::kPublic, "!bookTicker");
  hub.events.clear();
  ex.set_market_top(Product::kUsdmFutures, "BTCUSDT", top("100", "3", "101", "2"), kT0 + 1010 * kNsPerMs);
  mp.poll(kT0 + 1020 * kNsPerMs);
  ASSERT_EQ(hub.events.size(), 2u);
  EXPECT_EQ(hub.events[1].stream, "!bookTicker");
  EXPECT_EQ(hub.events[1].ms, hub.events[0].ms);
  EXPECT_NE(hub.events[1].ms.find(R"("e":"bookTicker","u":2,"E":)"), std::string::npos) << hub.events[1].ms;
}

}  // namespace
}  // namespace dmabot::binance_sim

namespace dmabot::binance_sim {
namespace {

using namespace testing;  // NOLINT

constexpr UnixNanos kStart = 1'700'000'000LL * kNsPerSec;

// WsVenue on a real SimVenue (ManualClock): the seams are wired and the venue's faults apply.
class WsVenueTest : public ::testing::Test {
 protected:
  void build(ExchangeFaults faults) {
    for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
      SymbolConfig s;
      s.product = p;
      s.name = "BTCUSDT";
      s.base_asset = "BTC";
      s.quote_asset = "USDT";
      ASSERT_TRUE(ex.add_symbol(s).ok());
      ex.set_market_top(p, "BTCUSDT", top("100", "1", "101", "1"), kStart);
    }
    AccountConfig a;
    a.api_key = "k";
    a.hmac_secret = "s";
    a.spot_balances = {{"USDT", money("1000")}};
    a.futures_wallet_raw = money("1000");
    ASSERT_TRUE(ex.add_account(a).ok());
    ASSERT_TRUE(keys.add(a).ok());
    SimVenueOptions o;
    o.faults = faults;
    venue = std::make_unique<SimVenue>(ex, keys, o, &clock);
    ws = std::make_unique<WsVenue>(*venue, hub, faults.listenkey_expire_s * kNsPerSec);
  }
  std::string signed_frame(std::string method, std::map<std::string, std::string> params) {
    params["apiKey"] = "k";
    params["timestamp"] = std::to_string(clock.now() / kNsPerMs);
    std::string payload;
    for (const auto& [k, v] : params) core::str_append(payload, payload.empty() ? "" : "&", k, "=", v);
    char hex[binance::kHmacSha256HexSize];
    binance::HmacSha256Signer::create("s")->sign(payload, hex);
    params["signature"] = std::string(hex, sizeof hex);
    std::string f = core::str_cat(R"({"id":"r","method":")", method, R"(","params":{)");
    for (const auto& [k, v] : params) core::str_append(f, f.back() == '{' ? "" : ",", "\"", k, "\":\"", v, "\"");
    return f + "}}";
  }

  ManualClock clock{kStart};
  Exchange ex;
  KeyRegistry keys;
  FakeHub hub;
  std::unique_ptr<SimVenue> venue;
  std::unique_ptr<WsVenue> ws;
};

TEST_F(WsVenueTest, RestListenKeyIsTheStoreTheStreamsCheckAndExpiryFollowsTheFault) {
  ExchangeFaults f;
  f.listenkey_expire_s = 5;
  build(f);
  HttpRequest post;
  post.method = "POST";
  post.path = "/fapi/v1/listenKey";
  post.api_key = "k";
  post.remote_ip = "127.0.0.1";
  post.headers.emplace_back("x-mbx-apikey", "k");
  const HttpResponse r = venue->on_http(Product::kUsdmFutures, post);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string key = r.body.substr(r.body.find(":\"") + 2, 64);
  EXPECT_TRUE(venue->validate_listen_key(key));
  EXPECT_FALSE(venue->validate_listen_key("not-a-key"));
  hub.subscribe(StreamRoute::kPrivate, key);
  clock.advance(4 * kNsPerSec);
  ws->tick(clock.now());
  EXPECT_TRUE(hub.events.empty());
  clock.advance(1 * kNsPerSec);
  ws->tick(clock.now());
  ASSERT_EQ(hub.events.size(), 1u);
  EXPECT_NE(hub.events[0].ms.find(R"("e":"listenKeyExpired")"), std::string::npos);
  EXPECT_EQ(hub.closed, std::vector<std::string>{key});
  EXPECT_FALSE(venue->validate_listen_key(key));
}

TEST_F(WsVenueTest, WsApiGoesThroughTheVenueWithItsFaultsAndLimits) {
  ExchangeFaults f;
  f.reject_rate = 1.0;
  f.weight_limit = 3;
  build(f);
  FakeConn c{1, Product::kSpot};
  WsConnectionPtr p(std::shared_ptr<WsConnection>{}, &c);
  venue->on_ws_api_open(p);
  venue->on_ws_api_text(p, R"({"id":1,"method":"ping"})");
  ASSERT_EQ(c.sent.size(), 1u);
  EXPECT_NE(c.sent[0].find(R"("status":200)"), std::string::npos) << c.sent[0];
  venue->on_ws_api_text(p, signed_frame("order.place", {{"symbol", "BTCUSDT"},
                                                        {"side", "BUY"},
                                                        {"type", "LIMIT"},
                                                        {"timeInForce", "GTC"},
                                                        {"quantity", "1"},
                                                        {"price", "90"}}));
  ASSERT_EQ(c.sent.size(), 2u);
  EXPECT_NE(c.sent[1].find(R"("status":400,"error":{"code":-2010,"msg":"NEW_ORDER_REJECTED"})"), std::string::npos)
      << c.sent[1];
  EXPECT_EQ(ex.open_orders("k", Product::kSpot, "BTCUSDT").size(), 0u);
  venue->on_ws_api_text(p, R"({"id":3,"method":"ping"})");
  venue->on_ws_api_text(p, R"({"id":4,"method":"ping"})");  // over weight-limit=3: 429
  ASSERT_EQ(c.sent.size(), 4u);
  EXPECT_NE(c.sent[3].find(R"({"id":4,"status":429,"error":{"code":-1003)"), std::string::npos) << c.sent[3];
  venue->on_ws_api_close(p);
}

}  // namespace
}  // namespace dmabot::binance_sim
