// ListenKeyStream against binance-sim in process (sim_harness.h), over TLS verified against the sim's
// CA: a futures order placed over REST shows up as ORDER_TRADE_UPDATE on the /private stream; short
// keepalives keep a short-lived key alive; pings are answered; the sim's listenkey-expire-s → listenKeyExpired → a new
// key and a new session that still carries events; drop-ws-every-s → kDisconnected then kSessionReady; a full event
// ring → a resync notice instead of a silent loss; DELETE on destruction; a wrong CA → a clear kDisconnected. Every
// wait is bounded and waits on the stream's own wake-up (no sleeps).
#include "gateway/binance_io/listen_key_stream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/binance/order_messages.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/signer.h"
#include "gateway/binance/user_data.h"
#include "gateway/binance_io/rest_client.h"
#include "tests/gateway/binance_io/sim_harness.h"

namespace dmabot::binance_io {
namespace {

using namespace std::chrono_literals;
using testing::SimHarness;
using Kind = WsEvent::Kind;

constexpr auto kWait = 10s;

std::unique_ptr<RestClient> futures_rest(const SimHarness& sim, std::string ca_file = "") {
  RestClient::Options o;
  o.base_url = sim.futures_url();
  o.ca_file = ca_file.empty() ? sim.ca_file() : ca_file;
  o.api_key = testing::kHmacKey;
  auto c = RestClient::create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

ListenKeyStream::Options stream_options(const SimHarness& sim) {
  ListenKeyStream::Options o;
  o.rest_url = sim.futures_url();
  o.stream_url = sim.futures_stream_url();
  o.ca_file = sim.ca_file();
  o.api_key = testing::kHmacKey;
  o.backoff_initial_ms = 20;
  o.backoff_max_ms = 200;
  return o;
}

std::unique_ptr<ListenKeyStream> make_stream(ListenKeyStream::Options o) {
  auto s = ListenKeyStream::create(std::move(o));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(*s) : nullptr;
}

using testing::call;

// A resting post-only futures buy (0.01 BTC at 30000: 300 USDT, above MIN_NOTIONAL), HMAC signed.
bool place_futures_order(RestClient& rest, std::string_view cid) {
  binance::NewOrder n;
  n.product = binance::Product::kUsdmFutures;
  n.symbol = "BTCUSDT";
  n.side = binance::OrderSide::kBuy;
  n.type = binance::OrderType::kLimit;
  n.time_in_force = binance::TimeInForce::kGtx;
  n.quantity = core::Qty::from_raw(1'000'000);
  n.price = core::Price::from_units(30'000);
  n.new_client_order_id = cid;
  n.timestamp_ms = core::wall_clock_ns() / 1'000'000;
  binance::ParamList p;
  if (!binance::build_new_order(n, p)) return false;
  const RestRequest req =
      testing::signed_rest(1, binance::kFuturesNewOrder, p, *binance::HmacSha256Signer::create(testing::kHmacSecret));
  auto r = call(rest, req);
  EXPECT_NE(r, nullptr);
  if (!r) return false;
  EXPECT_EQ(r->status, 200) << r->body_view();
  return r->status == 200;
}

// The api key's live listenKey as the venue sees it (POST returns it again while valid), or "".
std::string live_key(RestClient& rest) {
  RestRequest req;
  EXPECT_TRUE(req.set(2, binance::kFuturesListenKeyNew, ""));
  auto r = call(rest, req);
  binance::ResponseDecoder dec;
  binance::InlineString<128> k;
  if (!r || r->status != 200 || !dec.decode_listen_key(r->body_view(), k).ok()) return "";
  return std::string(k.view());
}

// Pops events until one matches (true) or the deadline passes; every popped item goes to `seen`.
struct Seen {
  Kind kind;
  std::string info;
  std::string json;
};
bool next(ListenKeyStream& s, const std::function<bool(const WsEvent&)>& match, std::vector<Seen>* seen = nullptr,
          std::chrono::nanoseconds within = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    const WsEvent* e = s.event_front();
    if (!e) {
      (void)s.wait(deadline - std::chrono::steady_clock::now());
      continue;
    }
    const bool m = match(*e);
    if (seen) seen->push_back({e->kind, std::string(e->info.view()), std::string(e->view())});
    s.event_pop();
    if (m) return true;
  }
  return false;
}
auto kind_is(Kind k) {
  return [k](const WsEvent& e) { return e.kind == k; };
}
// An ORDER_TRADE_UPDATE for client order id `cid`.
auto order_update(std::string cid) {
  return [cid, dec = std::make_shared<binance::UserDataDecoder>()](const WsEvent& e) {
    if (e.kind != Kind::kEvent) return false;
    const auto r = dec->decode(e.view());
    return r.kind == binance::UserEventKind::kOrderTradeUpdate &&
           dec->order_trade_update().client_order_id.view() == cid;
  };
}

TEST(ListenKeyStream, AFuturesOrderArrivesAsOrderTradeUpdate) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto stream = make_stream(stream_options(sim));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  EXPECT_TRUE(stream->ready());
  auto rest = futures_rest(sim);
  ASSERT_TRUE(place_futures_order(*rest, "lks-order-1"));
  ASSERT_TRUE(next(*stream, order_update("lks-order-1")));
  EXPECT_EQ(stream->stats().keys_created.load(), 1u);
  EXPECT_GE(stream->stats().events.load(), 1u);
  EXPECT_EQ(stream->stats().reconnects.load(), 0u);
}

TEST(ListenKeyStream, KeepalivesKeepAShortLivedKeyAlive) {
  SimHarness sim;
  // Keys expire after 1 s without a keepalive; the stream sends one every 150 ms.
  ASSERT_EQ(sim.start({"--fault", "listenkey-expire-s=1"}), "");
  auto o = stream_options(sim);
  o.keepalive_interval_ms = 150;
  auto stream = make_stream(o);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  // Poll the stats until 15 keepalives (> 2 s, twice the key's life) have gone through.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  std::vector<Seen> seen;
  while (stream->stats().keepalives.load() < 15 && std::chrono::steady_clock::now() < deadline)
    (void)next(*stream, kind_is(Kind::kDisconnected), &seen, 20ms);
  EXPECT_GE(stream->stats().keepalives.load(), 15u);
  EXPECT_EQ(stream->stats().keepalive_failures.load(), 0u);
  EXPECT_EQ(stream->stats().expired_events.load(), 0u);
  EXPECT_EQ(stream->stats().keys_created.load(), 1u);
  for (const Seen& s : seen) EXPECT_NE(s.kind, Kind::kDisconnected) << s.info;
  auto rest = futures_rest(sim);
  ASSERT_TRUE(place_futures_order(*rest, "lks-keepalive-1"));
  EXPECT_TRUE(next(*stream, order_update("lks-keepalive-1")));
}

TEST(ListenKeyStream, AnExpiredKeyIsReplacedAndEventsFlowOnTheNewOne) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "listenkey-expire-s=2"}), "");
  auto stream = make_stream(stream_options(sim));  // keepalive every 30 min: the key will expire
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  binance::UserDataDecoder dec;
  std::string expired_key;
  ASSERT_TRUE(next(*stream, [&](const WsEvent& e) {
    if (e.kind != Kind::kEvent || dec.decode(e.view()).kind != binance::UserEventKind::kListenKeyExpired) return false;
    expired_key = std::string(dec.listen_key_expired().listen_key.view());
    return true;
  }));
  std::string info;
  ASSERT_TRUE(next(*stream, kind_is(Kind::kDisconnected), nullptr));
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  EXPECT_EQ(stream->stats().expired_events.load(), 1u);
  EXPECT_EQ(stream->stats().keys_created.load(), 2u);
  auto rest = futures_rest(sim);
  ASSERT_TRUE(place_futures_order(*rest, "lks-expired-1"));
  EXPECT_TRUE(next(*stream, order_update("lks-expired-1")));
  // The venue's live key is a new one (the stream is on it: it just carried the order).
  const std::string now_live = live_key(*rest);
  EXPECT_FALSE(expired_key.empty());
  EXPECT_FALSE(now_live.empty());
  EXPECT_NE(now_live, expired_key);
}

TEST(ListenKeyStream, ADroppedStreamIsReportedAndReconnected) {
  SimHarness sim;
  ASSERT_EQ(sim.start({"--fault", "drop-ws-every-s=1"}), "");
  auto stream = make_stream(stream_options(sim));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  std::vector<Seen> seen;
  ASSERT_TRUE(next(*stream, kind_is(Kind::kDisconnected), &seen));
  EXPECT_FALSE(seen.back().info.empty());
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  EXPECT_GE(stream->stats().reconnects.load(), 1u);
  EXPECT_GE(stream->stats().connects.load(), 2u);
  EXPECT_GE(stream->stats().keys_created.load(), 2u);  // each recovery POSTs (the live key comes back)
}

TEST(ListenKeyStream, ServerPingsAreAnsweredSoTheStreamStays) {
  SimHarness sim;
  // Pings every 50 ms; a connection with a ping unanswered for 200 ms is cut.
  ASSERT_EQ(sim.start({"--ws-ping-interval-ms", "50", "--ws-pong-timeout-ms", "200"}), "");
  auto stream = make_stream(stream_options(sim));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  // Nothing may arrive for 800 ms (16 pings): a kDisconnected notice would wake this wait.
  EXPECT_FALSE(stream->wait(800ms));
  EXPECT_TRUE(stream->ready());
  EXPECT_EQ(sim.server_stats().ws_pong_timeouts.load(), 0u);
  EXPECT_EQ(stream->stats().reconnects.load(), 0u);
}

TEST(ListenKeyStream, AFullRingEndsInAResyncNoticeNotASilentLoss) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto o = stream_options(sim);
  o.ring_capacity = 4;
  auto stream = make_stream(o);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->wait(kWait));  // kSessionReady, left in the ring
  auto rest = futures_rest(sim);
  // Six orders while nobody drains: the ring cannot hold their events.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(place_futures_order(*rest, "lks-full-" + std::to_string(i)));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  const auto& st = stream->stats();
  while (st.events.load() + st.events_dropped.load() < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();  // polling the counters with a deadline: all six events have come in
  ASSERT_GE(st.events_dropped.load(), 1u);
  // Draining shows every drop: kDisconnected "events dropped ...; dropped: N" notices, each followed by
  // kSessionReady (resync), whose N add up to the dropped count.
  uint64_t announced = 0;
  std::vector<Seen> seen;
  while (announced < st.events_dropped.load()) {
    ASSERT_TRUE(next(
        *stream,
        [](const WsEvent& e) {
          return e.kind == Kind::kDisconnected && e.info.view().find("events dropped") != std::string_view::npos;
        },
        &seen));
    const std::string& info = seen.back().info;
    announced += std::stoull(info.substr(info.rfind(' ') + 1));
    ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady), &seen));
  }
  EXPECT_EQ(announced, st.events_dropped.load());
  EXPECT_GE(st.events.load() + st.events_dropped.load(), 6u);
  // Drained and resynced: new events flow again.
  ASSERT_TRUE(place_futures_order(*rest, "lks-full-after"));
  EXPECT_TRUE(next(*stream, order_update("lks-full-after")));
}

TEST(ListenKeyStream, AKeyDeletedElsewhereIsReplaced) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto stream = make_stream(stream_options(sim));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  auto rest = futures_rest(sim);
  const std::string first = live_key(*rest);
  // Another client of the same API key DELETEs the key: the venue closes the stream.
  RestRequest del;
  ASSERT_TRUE(del.set(4, binance::kFuturesListenKeyClose, ""));
  auto r = call(*rest, del);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->status, 200) << r->body_view();
  ASSERT_TRUE(next(*stream, kind_is(Kind::kDisconnected)));
  ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  EXPECT_EQ(stream->stats().keys_created.load(), 2u);
  ASSERT_TRUE(place_futures_order(*rest, "lks-deleted-1"));
  EXPECT_TRUE(next(*stream, order_update("lks-deleted-1")));
  EXPECT_NE(live_key(*rest), first);
}

TEST(ListenKeyStream, DestructionDeletesTheKey) {
  SimHarness sim;
  ASSERT_EQ(sim.start({}), "");
  auto rest = futures_rest(sim);
  {
    auto stream = make_stream(stream_options(sim));
    ASSERT_NE(stream, nullptr);
    ASSERT_TRUE(next(*stream, kind_is(Kind::kSessionReady)));
  }
  // The key is gone: a keepalive is answered -1125.
  RestRequest req;
  ASSERT_TRUE(req.set(3, binance::kFuturesListenKeyKeepAlive, ""));
  auto r = call(*rest, req);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status, 400) << r->body_view();
  EXPECT_NE(r->body_view().find("-1125"), std::string_view::npos) << r->body_view();
}

TEST(ListenKeyStream, AWrongCaIsAClearFailureAndNoCrash) {
  SimHarness sim, other;
  ASSERT_EQ(sim.start({}), "");
  ASSERT_EQ(other.start({}), "");
  auto o = stream_options(sim);
  o.ca_file = other.ca_file();  // another sim's CA: the chain does not verify
  auto stream = make_stream(o);
  ASSERT_NE(stream, nullptr);
  std::vector<Seen> seen;
  ASSERT_TRUE(next(*stream, kind_is(Kind::kDisconnected), &seen));
  EXPECT_NE(seen.back().info.find("TLS handshake"), std::string::npos) << seen.back().info;
  EXPECT_NE(seen.back().info.find("listenKey POST"), std::string::npos) << seen.back().info;
  // It keeps retrying (with backoff) and never gets a session.
  ASSERT_TRUE(next(*stream, kind_is(Kind::kDisconnected), &seen));
  EXPECT_FALSE(stream->ready());
  EXPECT_EQ(stream->stats().connects.load(), 0u);
  EXPECT_EQ(stream->stats().keys_created.load(), 0u);
}

TEST(ListenKeyStream, BadOptionsAreRefused) {
  ListenKeyStream::Options o;
  o.rest_url = "https://127.0.0.1:1";
  o.stream_url = "ws://127.0.0.1:1";
  o.api_key = "k";
  auto s = ListenKeyStream::create(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("wss://"), std::string_view::npos) << s.status();
  o.stream_url = "wss://127.0.0.1:1";
  o.api_key = "";
  EXPECT_FALSE(ListenKeyStream::create(o).ok());
  o.api_key = "k";
  o.rest_url = "http://127.0.0.1:1";
  EXPECT_FALSE(ListenKeyStream::create(o).ok());
}

}  // namespace
}  // namespace dmabot::binance_io
