// binance_io's clients against binance-sim in process (sim_harness.h), over TLS verified against the
// sim's generated CA: orders placed and canceled over REST and the WebSocket API with the engine's
// encoders and signers (HMAC and Ed25519), user data via userDataStream.subscribe(.signature), and
// the sim's faults: latency → timeout, 5xx after the order applied → unknown outcome then found by
// client id, weight-limit → the governor stops before 429 and obeys Retry-After after one, clock skew
// → measured offset, a dropped WebSocket → unknown outcome and reconnect, a wrong CA → refused.
// Every wait is bounded and waits on the clients' own wake-ups (no sleeps).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "gateway/binance/instruments.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/user_data.h"
#include "gateway/binance_io/clock_offset.h"
#include "gateway/binance_io/rate_governor.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "tests/gateway/binance_io/sim_harness.h"

namespace dmabot::binance_io {
namespace {

using namespace std::chrono_literals;
using binance::OrderStatus;
using testing::SimHarness;

constexpr auto kWait = 10s;

std::unique_ptr<RestClient> make_rest(const SimHarness& sim, std::string api_key = testing::kHmacKey,
                                      int timeout_ms = 5000) {
  RestClient::Options o;
  o.base_url = sim.spot_url();
  o.ca_file = sim.ca_file();
  o.api_key = std::move(api_key);
  o.default_timeout_ms = timeout_ms;
  auto c = RestClient::create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

using testing::call;
using testing::signed_rest;

binance::NewOrder resting_buy(std::string_view client_id, int64_t ts_ms) {
  binance::NewOrder o;
  o.symbol = "BTCUSDT";
  o.side = binance::OrderSide::kBuy;
  o.type = binance::OrderType::kLimit;
  o.time_in_force = binance::TimeInForce::kGtc;
  o.quantity = core::Qty::from_raw(100'000);  // 0.001 BTC
  o.price = core::Price::from_units(30'000);  // far below the sim's 60000 walk: rests
  o.new_client_order_id = client_id;
  o.timestamp_ms = ts_ms;
  return o;
}

int64_t wall_ms() { return core::wall_clock_ns() / 1'000'000; }

binance::HmacSha256Signer hmac() { return std::move(*binance::HmacSha256Signer::create(testing::kHmacSecret)); }

TEST(BinanceIoRest, PlaceQueryAndCancelWithHmacAndRateHeaders) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  const auto signer = hmac();
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(resting_buy("binio-rest-1", wall_ms()), p));
  auto r = call(*rest, signed_rest(1, binance::kSpotNewOrder, p, signer));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->outcome, Outcome::kResponse) << r->error.view();
  ASSERT_EQ(r->status, 200) << r->body_view();
  binance::ResponseDecoder dec;
  binance::OrderResult o;
  ASSERT_TRUE(dec.decode_order(r->body_view(), binance::Product::kSpot, o).ok()) << r->body_view();
  EXPECT_EQ(o.client_order_id.view(), "binio-rest-1");
  EXPECT_EQ(o.status, OrderStatus::kNew);
  // Binance sends the used weight and the order count on an order response.
  bool weight = false, orders = false;
  for (const UsageCount& u : r->usage.view()) {
    if (u.type == RateLimitType::kRequestWeight && u.interval == RateLimitInterval::kMinute) weight = u.count >= 1;
    if (u.type == RateLimitType::kOrders && u.interval == RateLimitInterval::kSecond && u.interval_num == 10)
      orders = u.count == 1;
  }
  EXPECT_TRUE(weight);
  EXPECT_TRUE(orders);

  binance::OrderRef ref;
  ref.symbol = "BTCUSDT";
  ref.orig_client_order_id = "binio-rest-1";
  ref.timestamp_ms = wall_ms();
  ASSERT_TRUE(binance::build_order_ref(ref, p));
  r = call(*rest, signed_rest(2, binance::kSpotCancelOrder, p, signer));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  ASSERT_TRUE(dec.decode_order(r->body_view(), binance::Product::kSpot, o).ok());
  EXPECT_EQ(o.status, OrderStatus::kCanceled);
  EXPECT_EQ(o.orig_client_order_id.view(), "binio-rest-1");
  // Both requests went over the one keep-alive connection.
  EXPECT_EQ(rest->stats().connects.load(), 1u);
}

TEST(BinanceIoRest, LatencyBeyondTheTimeoutIsATimeoutThenTheNextRequestReconnects) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "latency-ms=800"}), "");
  auto rest = make_rest(sim, testing::kHmacKey, 200);
  ASSERT_NE(rest, nullptr);
  RestRequest req;
  ASSERT_TRUE(req.set(7, binance::kSpotServerTime, ""));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = call(*rest, req);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kTimeout) << to_string(r->outcome) << " " << r->error.view();
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 800ms);  // answered at the timeout, not when the late response came
  ASSERT_TRUE(req.set(8, binance::kSpotServerTime, ""));
  req.timeout_ms = 5000;
  r = call(*rest, req);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kResponse) << r->error.view();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(rest->stats().connects.load(), 2u);  // the timed-out connection was not reused
}

TEST(BinanceIoRest, A5xxAfterTheOrderAppliedIsUnknownAndTheQueryByClientIdFindsIt) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "http-5xx-applied-rate=1"}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  const auto signer = hmac();
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(resting_buy("binio-5xx-1", wall_ms()), p));
  auto r = call(*rest, signed_rest(1, binance::kSpotNewOrder, p, signer));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->outcome, Outcome::kResponse);
  EXPECT_GE(r->status, 500);
  EXPECT_TRUE(outcome_unknown(*r));
  binance::OrderRef ref;
  ref.symbol = "BTCUSDT";
  ref.orig_client_order_id = "binio-5xx-1";
  ref.timestamp_ms = wall_ms();
  ASSERT_TRUE(binance::build_order_ref(ref, p));
  r = call(*rest, signed_rest(2, binance::kSpotQueryOrder, p, signer));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  EXPECT_FALSE(outcome_unknown(*r));
  binance::ResponseDecoder dec;
  binance::OrderResult o;
  ASSERT_TRUE(dec.decode_order(r->body_view(), binance::Product::kSpot, o).ok()) << r->body_view();
  EXPECT_EQ(o.client_order_id.view(), "binio-5xx-1");
  EXPECT_EQ(o.status, OrderStatus::kNew);
}

// exchangeInfo's rateLimits (the sim advertises --fault weight-limit) feed the governor.
RateGovernor governor_from_exchange_info(RestClient& rest) {
  RateGovernor g;
  RestRequest req;
  EXPECT_TRUE(req.set(99, "GET", "/api/v3/exchangeInfo", ""));
  auto r = call(rest, req);
  EXPECT_NE(r, nullptr);
  if (!r) return g;
  EXPECT_FALSE(r->truncated);
  binance::ExchangeInfo info;
  const auto st = binance::parse_exchange_info(r->body_view(), binance::Product::kSpot, info);
  EXPECT_TRUE(st.ok()) << st;
  g.set_limits(info.rate_limits);
  g.on_response(r->status, r->usage, wall_ms());
  return g;
}

TEST(BinanceIoRest, TheGovernorStopsBeforeTheWeightLimit) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "weight-limit=40"}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  RateGovernor g = governor_from_exchange_info(*rest);
  int sent = 0, refused_at = -1;
  for (int i = 0; i < 60; ++i) {
    const auto v = g.try_request(1, wall_ms());  // GET /api/v3/time weighs 1
    if (!v.allowed) {
      EXPECT_EQ(v.reason, RateGovernor::Reason::kWeight);
      refused_at = i;
      break;
    }
    RestRequest req;
    ASSERT_TRUE(req.set(100 + i, binance::kSpotServerTime, ""));
    auto r = call(*rest, req);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->status, 200) << "the governor let a request reach the limit: " << r->body_view();
    g.on_response(r->status, r->usage, wall_ms());
    ++sent;
  }
  // 40 * 0.9 = 36 weight per minute, exchangeInfo (weight 20 on Binance's table, whatever the sim
  // counts) included: it stopped before 40 and sent something.
  EXPECT_GE(refused_at, 1);
  EXPECT_GT(sent, 0);
  EXPECT_LE(g.count(RateLimitType::kRequestWeight, RateLimitInterval::kMinute, 1, wall_ms()), 36);
}

TEST(BinanceIoRest, After429TheGovernorRefusesEverythingUntilRetryAfter) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "weight-limit=5"}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  RateGovernor g;  // no limits known: only the 429 teaches it
  std::unique_ptr<RestResponse> r;
  for (int i = 0; i < 10; ++i) {
    RestRequest req;
    ASSERT_TRUE(req.set(200 + i, binance::kSpotServerTime, ""));
    r = call(*rest, req);
    ASSERT_NE(r, nullptr);
    if (r->status == 429) break;
  }
  ASSERT_EQ(r->status, 429) << r->body_view();
  ASSERT_GE(r->usage.retry_after_s, 1);
  const int64_t at = r->done_wall_ns / 1'000'000;
  g.on_response(r->status, r->usage, at);
  const int64_t until = at + r->usage.retry_after_s * 1000;
  EXPECT_EQ(g.blocked_until_ms(), until);
  auto v = g.check_request(1, until - 1);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reason, RateGovernor::Reason::kRetryAfter);
  EXPECT_EQ(v.wait_until_ms, until);
  EXPECT_FALSE(g.check_order(1, at + 1).allowed);
  EXPECT_TRUE(g.check_request(1, until).allowed);
}

TEST(BinanceIoRest, PlaceAndCancelSignedWithEd25519) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto rest = make_rest(sim, testing::kEdKey);
  ASSERT_NE(rest, nullptr);
  auto signer = testing::test_ed25519();
  auto ed_signed = [&](uint64_t tag, const binance::RestTarget& t, const binance::ParamList& p) {
    binance::FixedBuffer<4096> q;
    EXPECT_TRUE(binance::encode_query(p, q));
    char sig[binance::kEd25519Base64Size];
    EXPECT_TRUE(signer.sign(q.view(), sig));  // REST payload: query + body (no body here)
    EXPECT_TRUE(binance::append_signature(q, std::string_view(sig, sizeof sig)));
    RestRequest r;
    EXPECT_TRUE(r.set(tag, t, q.view()));
    return r;
  };
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(resting_buy("binio-rest-ed-1", wall_ms()), p));
  auto r = call(*rest, ed_signed(1, binance::kSpotNewOrder, p));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  binance::OrderRef ref;
  ref.symbol = "BTCUSDT";
  ref.orig_client_order_id = "binio-rest-ed-1";
  ref.timestamp_ms = wall_ms();
  ASSERT_TRUE(binance::build_order_ref(ref, p));
  r = call(*rest, ed_signed(2, binance::kSpotCancelOrder, p));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  binance::ResponseDecoder dec;
  binance::OrderResult o;
  ASSERT_TRUE(dec.decode_order(r->body_view(), binance::Product::kSpot, o).ok());
  EXPECT_EQ(o.status, OrderStatus::kCanceled);
}

TEST(BinanceIoRest, AVenueGoneMidRequestIsUnknownAndTheNextIsNotSent) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "latency-ms=300"}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  RestRequest req;
  ASSERT_TRUE(req.set(1, binance::kSpotServerTime, ""));
  auto r = call(*rest, req);  // opens the connection
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200);
  ASSERT_TRUE(req.set(2, binance::kSpotServerTime, ""));
  ASSERT_TRUE(rest->submit(req));
  // Once the I/O thread has started writing it, the venue goes away (its answer waits 300 ms).
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (rest->stats().submitted.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(rest->stats().submitted.load(), 2u);
  sim.stop();
  ASSERT_TRUE(rest->wait_response(kWait));
  r = std::make_unique<RestResponse>(*rest->front());
  rest->pop();
  EXPECT_EQ(r->tag, 2u);
  EXPECT_EQ(r->outcome, Outcome::kUnknownOutcome) << to_string(r->outcome) << " " << r->error.view();
  EXPECT_TRUE(outcome_unknown(*r));
  // Never resent by the client: the next request opens a new connection, which is refused.
  ASSERT_TRUE(req.set(3, binance::kSpotServerTime, ""));
  r = call(*rest, req);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kNotSent) << r->error.view();
  EXPECT_EQ(rest->stats().submitted.load(), 2u);
}

TEST(BinanceIoRest, ConnectionsServeRequestsInParallel) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "latency-ms=400"}), "");
  RestClient::Options o;
  o.base_url = sim.spot_url();
  o.ca_file = sim.ca_file();
  o.connections = 3;
  auto rest = RestClient::create(o);
  ASSERT_TRUE(rest.ok()) << rest.status();
  RestRequest req;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(req.set(i, binance::kSpotServerTime, ""));
    ASSERT_TRUE((*rest)->submit(req));
  }
  int answered = 0;
  while (answered < 3 && (*rest)->wait_response(kWait)) {
    EXPECT_EQ((*rest)->front()->status, 200);
    (*rest)->pop();
    ++answered;
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(answered, 3);
  // One connection would need 3 x 400 ms; three take about one latency (plus three handshakes).
  EXPECT_LT(took, 1100ms);
  EXPECT_EQ((*rest)->stats().connects.load(), 3u);
}

TEST(BinanceIoClock, FuturesTimeAndAFuturesOrderWithTheOffset) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "clock-skew-ms=2500"}), "");
  RestClient::Options o;
  o.base_url = sim.futures_url();
  o.ca_file = sim.ca_file();
  o.api_key = testing::kHmacKey;
  auto rest = RestClient::create(o);
  ASSERT_TRUE(rest.ok());
  ClockOffset clock;
  ASSERT_TRUE(clock.sync(**rest, binance::kFuturesServerTime).ok());
  EXPECT_NEAR(static_cast<double>(clock.offset_ns()) / 1e6, 2500.0, 25.0);
  binance::NewOrder n = resting_buy("binio-fut-1", clock.now_server_ms());
  n.product = binance::Product::kUsdmFutures;
  n.time_in_force = binance::TimeInForce::kGtx;  // post-only
  n.quantity = core::Qty::from_raw(1'000'000);   // 0.01 BTC: 300 USDT notional >= MIN_NOTIONAL 100
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(n, p));
  auto r = call(**rest, signed_rest(1, binance::kFuturesNewOrder, p, hmac()));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  binance::ResponseDecoder dec;
  binance::OrderResult res;
  ASSERT_TRUE(dec.decode_order(r->body_view(), binance::Product::kUsdmFutures, res).ok()) << r->body_view();
  EXPECT_EQ(res.client_order_id.view(), "binio-fut-1");
  EXPECT_EQ(res.status, OrderStatus::kNew);
  bool weight = false;
  for (const UsageCount& u : r->usage.view()) weight |= u.type == RateLimitType::kRequestWeight;
  EXPECT_TRUE(weight);
}

TEST(BinanceIoClock, TheMeasuredOffsetMatchesTheSimsSkewAndFixesTimestamps) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "clock-skew-ms=-4000"}), "");
  auto time_client = make_rest(sim);
  ASSERT_NE(time_client, nullptr);
  ClockOffset clock;
  const auto st = clock.sync(*time_client, binance::kSpotServerTime);
  ASSERT_TRUE(st.ok()) << st;
  // The sim runs on this machine's clock minus 4000 ms; loopback trips are sub-millisecond.
  EXPECT_NEAR(static_cast<double>(clock.offset_ns()) / 1e6, -4000.0, 25.0);
  EXPECT_GE(clock.best_rtt_ns(), 0);

  // A timestamp 4 s ahead of the server is refused (-1021); the corrected one is accepted.
  auto rest = make_rest(sim);
  const auto signer = hmac();
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(resting_buy("binio-skew-1", wall_ms()), p));
  auto r = call(*rest, signed_rest(1, binance::kSpotNewOrder, p, signer));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body_view().find("-1021"), std::string_view::npos) << r->body_view();
  clock.resync();  // what the caller does on -1021
  EXPECT_TRUE(clock.needs_sync(core::wall_clock_ns()));
  ASSERT_TRUE(clock.sync(*time_client, binance::kSpotServerTime).ok());
  ASSERT_TRUE(binance::build_new_order(resting_buy("binio-skew-2", clock.now_server_ms()), p));
  r = call(*rest, signed_rest(2, binance::kSpotNewOrder, p, signer));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 200) << r->body_view();
}

TEST(BinanceIoTls, AWrongCaIsRefusedAndNothingIsSent) {
  SimHarness sim, other;
  ASSERT_EQ(sim.start({}), "");
  ASSERT_EQ(other.start({}), "");
  RestClient::Options o;
  o.base_url = sim.spot_url();
  o.ca_file = other.ca_file();  // another sim's CA: the chain does not verify
  auto c = RestClient::create(o);
  ASSERT_TRUE(c.ok()) << c.status();
  RestRequest req;
  ASSERT_TRUE(req.set(1, binance::kSpotServerTime, ""));
  auto r = call(**c, req);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kNotSent);
  EXPECT_NE(r->error.view().find("TLS handshake"), std::string_view::npos) << r->error.view();
  EXPECT_EQ((*c)->stats().connects.load(), 0u);

  WsApiClient::Options w;
  w.url = sim.spot_ws_api_url();
  w.ca_file = other.ca_file();
  auto ws = WsApiClient::create(std::move(w));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE((*ws)->wait(kWait));
  const WsEvent* e = (*ws)->event_front();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, WsEvent::Kind::kDisconnected);
  EXPECT_NE(e->info.view().find("TLS handshake"), std::string_view::npos) << e->info.view();
  EXPECT_FALSE((*ws)->ready());
}

TEST(BinanceIoTls, PlainHttpUrlsAreRefused) {
  RestClient::Options o;
  o.base_url = "http://127.0.0.1:1";
  auto c = RestClient::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("https://"), std::string_view::npos);
  WsApiClient::Options w;
  w.url = "ws://127.0.0.1:1/ws-api/v3";
  EXPECT_FALSE(WsApiClient::create(std::move(w)).ok());
}

// ---- WebSocket API ----------------------------------------------------------------------------------

// Waits for the next event of `kind`, skipping others (account positions, ...); the kEvent ones are
// decoded into `dec`, kept only if `keep` says so.
template <class Keep>
bool next_event(WsApiClient& ws, WsEvent::Kind kind, binance::UserDataDecoder* dec, Keep keep,
                std::string* info = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    const WsEvent* e = ws.event_front();
    if (!e) {
      (void)ws.wait(deadline - std::chrono::steady_clock::now());
      continue;
    }
    bool match = e->kind == kind;
    if (match && info) *info = std::string(e->info.view());
    if (match && kind == WsEvent::Kind::kEvent && dec) match = dec->decode(e->view()).ok() && keep();
    ws.event_pop();
    if (match) return true;
  }
  return false;
}
bool next_notice(WsApiClient& ws, WsEvent::Kind kind, std::string* info = nullptr) {
  return next_event(
      ws, kind, nullptr, [] { return true; }, info);
}

std::unique_ptr<WsResponse> ws_call(WsApiClient& ws, uint64_t id) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const WsResponse* r = ws.front()) {
      auto out = std::make_unique<WsResponse>(*r);
      ws.pop();
      EXPECT_EQ(out->id, id);
      return out;
    }
    (void)ws.wait(deadline - std::chrono::steady_clock::now());
  }
  ADD_FAILURE() << "no WebSocket answer";
  return nullptr;
}

// Encodes and submits one request; signer null = unsigned (after session.logon).
uint64_t ws_submit(WsApiClient& ws, std::string_view method, binance::ParamList& params,
                   const binance::HmacSha256Signer* signer) {
  const uint64_t id = ws.next_id();
  char idbuf[24];
  binance::FixedBuffer<4096> json;
  binance::FixedBuffer<2048> payload;
  if (signer) {
    EXPECT_TRUE(params.add("apiKey", testing::kHmacKey));
  }
  EXPECT_TRUE(binance::encode_ws_request(WsApiClient::format_id(id, idbuf), method, params, json, payload));
  char sig[binance::kHmacSha256HexSize];
  std::string_view s;
  if (signer) {
    signer->sign(payload.view(), sig);
    s = std::string_view(sig, sizeof sig);
  }
  EXPECT_TRUE(binance::finish_ws_request(json, params, s));
  WsRequest req;
  EXPECT_TRUE(req.set(id, json.view()));
  EXPECT_TRUE(ws.submit(req));
  return id;
}

void place_and_cancel_over_ws(WsApiClient& ws, const binance::HmacSha256Signer* signer, std::string_view cid) {
  binance::UserDataDecoder ud;
  binance::ResponseDecoder dec;
  binance::ParamList p;
  ASSERT_TRUE(binance::build_new_order(resting_buy(cid, wall_ms()), p));
  uint64_t id = ws_submit(ws, binance::kWsOrderPlace, p, signer);
  auto r = ws_call(ws, id);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->outcome, Outcome::kResponse);
  ASSERT_EQ(r->status, 200) << r->view();
  binance::WsEnvelope env;
  ASSERT_TRUE(dec.decode_ws_envelope(r->view(), env).ok());
  EXPECT_EQ(env.id.view(), std::to_string(id));
  binance::OrderResult o;
  ASSERT_TRUE(dec.decode_order(binance::kWsResult, binance::Product::kSpot, o).ok()) << r->view();
  EXPECT_EQ(o.client_order_id.view(), cid);
  EXPECT_EQ(o.status, OrderStatus::kNew);
  EXPECT_TRUE(next_event(ws, WsEvent::Kind::kEvent, &ud,
                         [&] {
                           const auto& er = ud.execution_report();
                           return er.client_order_id.view() == cid && er.execution_type == binance::ExecutionType::kNew;
                         }))
      << "no executionReport NEW for " << cid;

  binance::OrderRef ref;
  ref.symbol = "BTCUSDT";
  ref.orig_client_order_id = cid;
  ref.timestamp_ms = wall_ms();
  ASSERT_TRUE(binance::build_order_ref(ref, p));
  id = ws_submit(ws, binance::kWsOrderCancel, p, signer);
  r = ws_call(ws, id);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->view();
  ASSERT_TRUE(dec.decode_ws_envelope(r->view(), env).ok());
  ASSERT_TRUE(dec.decode_order(binance::kWsResult, binance::Product::kSpot, o).ok()) << r->view();
  EXPECT_EQ(o.status, OrderStatus::kCanceled);
  EXPECT_TRUE(next_event(ws, WsEvent::Kind::kEvent, &ud,
                         [&] {
                           const auto& er = ud.execution_report();
                           return er.orig_client_order_id.view() == cid &&
                                  er.execution_type == binance::ExecutionType::kCanceled;
                         }))
      << "no executionReport CANCELED for " << cid;
}

TEST(BinanceIoWsApi, Ed25519LogonPlaceCancelAndUserData) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  o.auth = WsApiClient::Auth::kEd25519Logon;
  o.api_key = testing::kEdKey;
  o.ed25519 = testing::test_ed25519();
  o.user_data = true;
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  std::string info;
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady, &info)) << info;
  EXPECT_TRUE((*ws)->ready());
  place_and_cancel_over_ws(**ws, nullptr, "binio-ws-ed-1");
}

TEST(BinanceIoWsApi, HmacPerRequestSignatureAndSubscribeSignature) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  o.auth = WsApiClient::Auth::kHmac;
  o.api_key = testing::kHmacKey;
  o.hmac = hmac();
  o.user_data = true;
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));
  const auto signer = hmac();
  place_and_cancel_over_ws(**ws, &signer, "binio-ws-hmac-1");
}

TEST(BinanceIoWsApi, ADroppedConnectionAnswersPendingAsUnknownAndReconnects) {
  SimHarness sim;
  // Answers wait 3 s; every WebSocket connection is cut every 1 s: a request is pending at the cut.
  ASSERT_EQ(sim.start({"--fault", "latency-ms=3000", "--fault", "drop-ws-every-s=1"}), "");
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  o.default_timeout_ms = 8000;
  o.backoff_initial_ms = 20;
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));
  binance::ParamList none;
  const uint64_t id = ws_submit(**ws, "time", none, nullptr);
  auto r = ws_call(**ws, id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kUnknownOutcome) << r->error.view();
  EXPECT_TRUE(next_notice(**ws, WsEvent::Kind::kDisconnected));
  EXPECT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));  // reconnected by itself
  EXPECT_GE((*ws)->stats().connects.load(), 2u);
}

TEST(BinanceIoWsApi, ARequestWithoutAnswerTimesOut) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "latency-ms=1500"}), "");
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));
  binance::ParamList none;
  const uint64_t id = (*ws)->next_id();
  char idbuf[24];
  binance::FixedBuffer<512> json;
  binance::FixedBuffer<64> payload;
  ASSERT_TRUE(binance::encode_ws_request(WsApiClient::format_id(id, idbuf), "time", none, json, payload));
  ASSERT_TRUE(binance::finish_ws_request(json, none, ""));
  WsRequest req;
  ASSERT_TRUE(req.set(id, json.view()));
  req.timeout_ms = 200;
  ASSERT_TRUE((*ws)->submit(req));
  auto r = ws_call(**ws, id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome, Outcome::kTimeout);
  EXPECT_TRUE((*ws)->ready());  // a slow answer does not cost the connection
}

TEST(BinanceIoWsApi, ServerPingsAreAnsweredSoTheConnectionStays) {
  SimHarness sim;
  // Pings every 50 ms; a connection with a ping unanswered for 200 ms is cut.
  ASSERT_EQ(sim.start({"--ws-ping-interval-ms", "50", "--ws-pong-timeout-ms", "200"}), "");
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));
  // Nothing may arrive for 800 ms (16 pings): a kDisconnected notice would wake this wait.
  EXPECT_FALSE((*ws)->wait(800ms));
  EXPECT_TRUE((*ws)->ready());
  EXPECT_EQ(sim.server_stats().ws_pong_timeouts.load(), 0u);
  EXPECT_EQ((*ws)->stats().disconnects.load(), 0u);
  binance::ParamList none;
  const uint64_t id = ws_submit(**ws, "ping", none, nullptr);
  auto r = ws_call(**ws, id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 200) << r->view();
}

// Client sockets of this process whose peer is 127.0.0.1:port (found through /proc/self/fd; the
// in-process sim's own accepted sockets have that port as their local one): {count, with TCP_NODELAY}.
std::pair<int, int> client_sockets_to(uint16_t port) {
  int n = 0, nodelay = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::atoi(e.path().filename().c_str());
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 || peer.sin_family != AF_INET ||
        ntohs(peer.sin_port) != port)
      continue;
    int on = 0;
    socklen_t olen = sizeof on;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &olen) != 0) continue;
    ++n;
    if (on != 0) ++nodelay;
  }
  return {n, nodelay};
}

// Nagle off on the order sockets: with it on, a request written while the previous one is unacknowledged
// waits for the venue's ACK (bench/tick_to_wire saw a quote's second side leave ~135 µs after the first).
TEST(BinanceIoSockets, RestAndWsApiConnectionsDisableNagle) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto rest = make_rest(sim);
  ASSERT_NE(rest, nullptr);
  RestRequest req;
  ASSERT_TRUE(req.set(1, binance::kSpotServerTime, ""));
  auto r = call(*rest, req);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200);
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  ASSERT_TRUE(next_notice(**ws, WsEvent::Kind::kSessionReady));
  const uint16_t port = static_cast<uint16_t>(std::stoi(sim.spot_url().substr(sim.spot_url().rfind(':') + 1)));
  const auto [n, nodelay] = client_sockets_to(port);
  EXPECT_GE(n, 2) << "one REST and one WebSocket API connection";
  EXPECT_EQ(nodelay, n);
}

}  // namespace
}  // namespace dmabot::binance_io
