// The gateway side of binance_io allocates nothing after warm-up: encoding + signing an order, the
// RestRequest / WsRequest slot, submit(), front()/pop() of responses and events (WsApiClient's and
// ListenKeyStream's event_front/event_pop/wait) — measured on the
// calling thread only (tests/common/alloc_counter.cpp counts per thread too), because the clients'
// I/O threads and the in-process binance-sim allocate freely and run at the same time.
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <memory>
#include <vector>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_io/listen_key_stream.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "tests/common/alloc_counter.h"
#include "tests/gateway/binance_io/sim_harness.h"

namespace dmabot::binance_io {
namespace {

using namespace std::chrono_literals;

// The hot-path state a gateway keeps: everything preallocated.
struct GatewaySide {
  binance::ParamList params;
  binance::FixedBuffer<4096> query;
  binance::FixedBuffer<4096> json;
  binance::FixedBuffer<2048> payload;
  char cid[32];
  std::size_t cid_len = 0;

  std::string_view client_id(uint64_t n) {
    std::memcpy(cid, "na-", 3);
    auto [p, ec] = std::to_chars(cid + 3, cid + sizeof cid, n);
    (void)ec;
    cid_len = static_cast<std::size_t>(p - cid);
    return {cid, cid_len};
  }
};

binance::NewOrder order(std::string_view cid) {
  binance::NewOrder o;
  o.symbol = "BTCUSDT";
  o.time_in_force = binance::TimeInForce::kGtc;
  o.quantity = core::Qty::from_raw(100'000);
  o.price = core::Price::from_units(30'000);
  o.new_client_order_id = cid;
  o.timestamp_ms = core::wall_clock_ns() / 1'000'000;
  return o;
}

// One REST place + cancel (spot, or USD-M futures: GTX, 300 USDT notional); false on any failure. No
// allocation on this thread.
bool rest_round(RestClient& rest, RestRequest& slot, GatewaySide& g, const binance::HmacSha256Signer& signer,
                uint64_t n, binance::Product product = binance::Product::kSpot) {
  const bool futures = product == binance::Product::kUsdmFutures;
  const std::string_view cid = g.client_id(n);
  for (int step = 0; step < 2; ++step) {
    bool ok;
    if (step == 0) {
      binance::NewOrder o = order(cid);
      o.product = product;
      if (futures) {
        o.time_in_force = binance::TimeInForce::kGtx;
        o.quantity = core::Qty::from_raw(1'000'000);  // above the futures MIN_NOTIONAL
      }
      ok = binance::build_new_order(o, g.params);
    } else {
      binance::OrderRef ref;
      ref.product = product;
      ref.symbol = "BTCUSDT";
      ref.orig_client_order_id = cid;
      ref.timestamp_ms = core::wall_clock_ns() / 1'000'000;
      ok = binance::build_order_ref(ref, g.params);
    }
    g.query.clear();
    char sig[binance::kHmacSha256HexSize];
    if (!ok || !binance::encode_query(g.params, g.query)) return false;
    signer.sign(g.query.view(), "", sig);
    if (!binance::append_signature(g.query, std::string_view(sig, sizeof sig))) return false;
    const binance::RestTarget& target = step == 0
                                            ? (futures ? binance::kFuturesNewOrder : binance::kSpotNewOrder)
                                            : (futures ? binance::kFuturesCancelOrder : binance::kSpotCancelOrder);
    if (!slot.set(n * 2 + step, target, g.query.view())) return false;
    if (!rest.submit(slot)) return false;
    if (!rest.wait_response(10s)) return false;
    const RestResponse* r = rest.front();
    const bool good = r->outcome == Outcome::kResponse && r->status == 200 && r->tag == n * 2 + step;
    rest.pop();
    if (!good) return false;
  }
  return true;
}

TEST(BinanceIoNoAlloc, ThePerThreadCounterSeesThisThreadsAllocations) {
  const uint64_t before = dmabot::testing::thread_allocation_count();
  auto v = std::make_unique<std::vector<char>>(1000);
  asm volatile("" : : "r"(v->data()) : "memory");
  EXPECT_GE(dmabot::testing::thread_allocation_count() - before, 2u);
}

TEST(BinanceIoNoAlloc, RestSubmitAndPollAllocateNothingOnTheGatewayThread) {
  testing::SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  RestClient::Options o;
  o.base_url = sim.spot_url();
  o.ca_file = sim.ca_file();
  o.api_key = testing::kHmacKey;
  auto rest = RestClient::create(o);
  ASSERT_TRUE(rest.ok()) << rest.status();
  auto signer = binance::HmacSha256Signer::create(testing::kHmacSecret);
  ASSERT_TRUE(signer.ok());
  auto slot = std::make_unique<RestRequest>();
  auto g = std::make_unique<GatewaySide>();
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(rest_round(**rest, *slot, *g, *signer, i)) << i;
  const uint64_t before = dmabot::testing::thread_allocation_count();
  const uint64_t before_all = dmabot::testing::allocation_count();
  for (uint64_t i = 10; i < 60; ++i) ASSERT_TRUE(rest_round(**rest, *slot, *g, *signer, i)) << i;
  EXPECT_EQ(dmabot::testing::thread_allocation_count() - before, 0u);
  // The process as a whole did allocate meanwhile (I/O thread, sim): the per-thread count is what
  // isolates the gateway side.
  EXPECT_GT(dmabot::testing::allocation_count() - before_all, 0u);
}

// One WS API place + cancel (signed per request, HMAC) and the events drained. No allocation here.
bool ws_round(WsApiClient& ws, WsRequest& slot, GatewaySide& g, const binance::HmacSha256Signer& signer, uint64_t n,
              uint64_t& events) {
  const std::string_view cid = g.client_id(n);
  for (int step = 0; step < 2; ++step) {
    bool ok;
    if (step == 0) {
      ok = binance::build_new_order(order(cid), g.params);
    } else {
      binance::OrderRef ref;
      ref.symbol = "BTCUSDT";
      ref.orig_client_order_id = cid;
      ref.timestamp_ms = core::wall_clock_ns() / 1'000'000;
      ok = binance::build_order_ref(ref, g.params);
    }
    if (!ok || !g.params.add("apiKey", testing::kHmacKey)) return false;
    const uint64_t id = ws.next_id();
    char idbuf[24];
    if (!binance::encode_ws_request(WsApiClient::format_id(id, idbuf),
                                    step == 0 ? binance::kWsOrderPlace : binance::kWsOrderCancel, g.params, g.json,
                                    g.payload))
      return false;
    char sig[binance::kHmacSha256HexSize];
    signer.sign(g.payload.view(), sig);
    if (!binance::finish_ws_request(g.json, g.params, std::string_view(sig, sizeof sig))) return false;
    if (!slot.set(id, g.json.view()) || !ws.submit(slot)) return false;
    const WsResponse* r = nullptr;
    while (r == nullptr) {
      if (!ws.wait(10s)) return false;
      while (const WsEvent* e = ws.event_front()) {
        events += e->kind == WsEvent::Kind::kEvent;
        ws.event_pop();
      }
      r = ws.front();
    }
    const bool good = r->outcome == Outcome::kResponse && r->status == 200 && r->id == id;
    ws.pop();
    if (!good) return false;
  }
  return true;
}

TEST(BinanceIoNoAlloc, WsApiSubmitAndPollAllocateNothingOnTheGatewayThread) {
  testing::SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto signer = binance::HmacSha256Signer::create(testing::kHmacSecret);
  ASSERT_TRUE(signer.ok());
  WsApiClient::Options o;
  o.url = sim.spot_ws_api_url();
  o.ca_file = sim.ca_file();
  o.auth = WsApiClient::Auth::kHmac;
  o.api_key = testing::kHmacKey;
  o.hmac = std::move(*binance::HmacSha256Signer::create(testing::kHmacSecret));
  o.user_data = true;
  auto ws = WsApiClient::create(std::move(o));
  ASSERT_TRUE(ws.ok()) << ws.status();
  while (!(*ws)->ready()) ASSERT_TRUE((*ws)->wait(10s));
  auto slot = std::make_unique<WsRequest>();
  auto g = std::make_unique<GatewaySide>();
  uint64_t events = 0;
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(ws_round(**ws, *slot, *g, *signer, i, events)) << i;
  const uint64_t before = dmabot::testing::thread_allocation_count();
  const uint64_t events_before = events;
  for (uint64_t i = 10; i < 60; ++i) ASSERT_TRUE(ws_round(**ws, *slot, *g, *signer, i, events)) << i;
  EXPECT_EQ(dmabot::testing::thread_allocation_count() - before, 0u);
  EXPECT_GT(events, events_before);  // user data flowed through the event ring in the measured window
}

// One futures REST place + cancel, then waits for and drains the ListenKeyStream's events of it
// (NEW and CANCELED) with event_front/event_pop/wait. No allocation here.
bool futures_round(RestClient& rest, ListenKeyStream& stream, RestRequest& slot, GatewaySide& g,
                   const binance::HmacSha256Signer& signer, uint64_t n, uint64_t& events) {
  const uint64_t want = events + 2;
  if (!rest_round(rest, slot, g, signer, n, binance::Product::kUsdmFutures)) return false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (events < want) {
    if (std::chrono::steady_clock::now() >= deadline || !stream.wait(deadline - std::chrono::steady_clock::now()))
      return false;
    while (const WsEvent* e = stream.event_front()) {
      if (e->kind != WsEvent::Kind::kEvent) return false;  // no drop, no resync expected here
      ++events;
      stream.event_pop();
    }
  }
  return true;
}

TEST(BinanceIoNoAlloc, ListenKeyStreamEventsAllocateNothingOnTheGatewayThread) {
  testing::SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  RestClient::Options o;
  o.base_url = sim.futures_url();
  o.ca_file = sim.ca_file();
  o.api_key = testing::kHmacKey;
  auto rest = RestClient::create(o);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ListenKeyStream::Options lo;
  lo.rest_url = sim.futures_url();
  lo.stream_url = sim.futures_stream_url();
  lo.ca_file = sim.ca_file();
  lo.api_key = testing::kHmacKey;
  auto stream = ListenKeyStream::create(std::move(lo));
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE((*stream)->wait(10s));
  ASSERT_EQ((*stream)->event_front()->kind, WsEvent::Kind::kSessionReady);
  (*stream)->event_pop();
  auto signer = binance::HmacSha256Signer::create(testing::kHmacSecret);
  ASSERT_TRUE(signer.ok());
  auto slot = std::make_unique<RestRequest>();
  auto g = std::make_unique<GatewaySide>();
  uint64_t events = 0;
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(futures_round(**rest, **stream, *slot, *g, *signer, i, events)) << i;
  const uint64_t before = dmabot::testing::thread_allocation_count();
  const uint64_t events_before = events;
  for (uint64_t i = 10; i < 40; ++i) ASSERT_TRUE(futures_round(**rest, **stream, *slot, *g, *signer, i, events)) << i;
  EXPECT_EQ(dmabot::testing::thread_allocation_count() - before, 0u);
  EXPECT_GE(events - events_before, 60u);  // NEW + CANCELED per round went through the ring
}

}  // namespace
}  // namespace dmabot::binance_io
