// feed/binance_stream against binance-sim in process (TLS on loopback with the sim's generated CA):
// ticks and marks from the real sim exchange, exact values from frames the test publishes, stale
// `u` dropped, oversized frames counted, wrong CA refused, reconnect after drop-ws-every-s, silence
// after stall-stream-s, make-before-break rotation without a stale gap, option validation.
// Every wait polls a condition against a deadline.
#include "feed/binance_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/strings.h"
#include "tools/binance_sim/basic_venue.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/market_driver.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/ws_venue.h"

namespace dmabot::feed {
namespace {

using namespace std::chrono_literals;
namespace sim = binance_sim;
using binance::Product;
using sim::StreamRoute;

std::string temp_dir() {
  char tmpl[] = "/tmp/dmabot_wsfeed_XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

// binance-sim in process on its own io thread. Real market: the sim exchange (SimVenue + WsVenue +
// random-walk market every 20 ms, as `dmabot binance-sim` runs it). Synthetic: the stand-in venue
// and a publisher whose frames the test can predict: every 10 ms a spot and a futures bookTicker for
// BTCUSDT with u = n, bid = 1000+n + 0.5, ask = bid + 1; every 50 ms a markPrice with E = n ms.
class Sim {
 public:
  Sim(sim::Faults faults, bool real_market, sim::Limits limits = {}) : real_(real_market) {
    sim::ServerOptions so;
    so.tls_dir = temp_dir() + "/tls";
    so.faults = faults;
    so.limits = limits;
    if (real_) {
      sim::ExchangeOptions eo;
      eo.symbols = {"BTCUSDT", "ETHUSDT"};
      exchange_ = std::make_unique<sim::Exchange>(sim::ExchangeConfig{});
      EXPECT_TRUE(sim::setup_exchange(eo, *exchange_, keys_).ok());
      driver_ = std::make_unique<sim::MarketDriver>(*exchange_);
      EXPECT_TRUE(sim::setup_market(eo, *exchange_, *driver_, core::wall_clock_ns()).ok());
      (void)driver_->poll(core::wall_clock_ns());
      sim_venue_ = std::make_unique<sim::SimVenue>(*exchange_, keys_, sim::SimVenueOptions{});
      server_ = std::make_unique<sim::Server>(ioc_, so, *sim_venue_);
      ws_ = std::make_unique<sim::WsVenue>(*sim_venue_, *server_);
    } else {
      server_ = std::make_unique<sim::Server>(ioc_, so, basic_);
    }
    start_error_ = server_->start();
    if (!start_error_.empty()) return;
    tick();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Sim() {
    if (thread_.joinable()) {
      std::promise<void> done;
      boost::asio::post(ioc_, [&] {
        stopped_ = true;
        timer_.cancel();
        server_->stop();
        done.set_value();
      });
      done.get_future().wait();
      thread_.join();
    }
  }
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> p;
    boost::asio::post(ioc_, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
  std::size_t publish(Product p, StreamRoute r, std::string stream, std::string payload) {
    return on_io([&] { return server_->publish(p, r, stream, payload); });
  }
  std::string spot_url() const { return core::str_cat("wss://127.0.0.1:", server_->spot_port()); }
  std::string futures_url() const { return core::str_cat("wss://127.0.0.1:", server_->futures_port()); }
  const std::string& ca_file() const { return server_->ca_file(); }
  const std::string& start_error() const { return start_error_; }
  sim::Server& server() { return *server_; }

  static std::string spot_book(uint64_t n) {
    return core::str_cat("{\"u\":", n, ",\"s\":\"BTCUSDT\",\"b\":\"", 1000 + n,
                         ".50000000\",\"B\":\"1.25000000\",\"a\":\"", 1001 + n, ".50000000\",\"A\":\"2.00000000\"}");
  }
  static std::string futures_book(uint64_t n) {
    return core::str_cat("{\"e\":\"bookTicker\",\"u\":", n, ",\"E\":", n, ",\"T\":", n, ",\"s\":\"BTCUSDT\",\"b\":\"",
                         1000 + n, ".5\",\"B\":\"3\",\"a\":\"", 1001 + n, ".5\",\"A\":\"4\"}");
  }
  static std::string mark(uint64_t n) {
    return core::str_cat(
        "{\"e\":\"markPriceUpdate\",\"E\":", n, ",\"s\":\"BTCUSDT\",\"p\":\"", 2000 + n,
        ".25000000\",\"i\":\"2000.00000000\",\"P\":\"2000.00000000\",\"r\":\"-0.00012500\",\"T\":", 28'800'000, "}");
  }

 private:
  void tick() {
    if (stopped_) return;
    if (real_) {
      const core::UnixNanos now = core::wall_clock_ns();
      (void)driver_->poll(now);
      ws_->tick(now);
    } else {
      ++n_;
      server_->publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@bookTicker", spot_book(n_));
      server_->publish(Product::kUsdmFutures, StreamRoute::kPublic, "btcusdt@bookTicker", futures_book(n_));
      if (n_ % 5 == 0) server_->publish(Product::kUsdmFutures, StreamRoute::kMarket, "btcusdt@markPrice@1s", mark(n_));
    }
    timer_.expires_after(real_ ? 20ms : 10ms);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }

  bool real_;
  boost::asio::io_context ioc_{1};
  boost::asio::steady_timer timer_{ioc_};
  sim::BasicVenue basic_;
  sim::KeyRegistry keys_;
  std::unique_ptr<sim::Exchange> exchange_;
  std::unique_ptr<sim::MarketDriver> driver_;
  std::unique_ptr<sim::SimVenue> sim_venue_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<sim::WsVenue> ws_;
  std::string start_error_;
  std::thread thread_;
  uint64_t n_ = 0;  // io thread
  bool stopped_ = false;
};

// The engine side: the stage's outputs, drained into vectors by the test thread.
struct Sink {
  core::SpscRing<core::MdTick> md{1 << 15};
  core::SpscRing<core::MarkPrice> mark{1 << 12};
  core::SpscRing<core::BookStatus> status{1 << 10};
  std::vector<core::MdTick> ticks;
  std::vector<core::MarkPrice> marks;
  std::vector<core::BookStatus> statuses;
  void drain() {
    core::MdTick t;
    while (md.try_pop(t)) ticks.push_back(t);
    core::MarkPrice m;
    while (mark.try_pop(m)) marks.push_back(m);
    core::BookStatus s;
    while (status.try_pop(s)) statuses.push_back(s);
  }
  std::size_t count_ticks(uint8_t feed) const {
    return static_cast<std::size_t>(
        std::count_if(ticks.begin(), ticks.end(), [&](const auto& t) { return t.feed == feed; }));
  }
};

struct Fixture {
  core::SymbolTable symbols;
  core::Clock clock = core::Clock::live();
  Sink sink;
  std::unique_ptr<BinanceStreamFeed> feed;
  core::SymbolId btc = core::kNoSymbol, eth = core::kNoSymbol;

  Fixture() {
    btc = symbols.add("BTCUSDT");
    eth = symbols.add("ETHUSDT");
  }
  BinanceStreamOptions options(const Sim& s, std::vector<std::string> spot = {"BTCUSDT"},
                               std::vector<std::string> fut = {"BTCUSDT"}) const {
    BinanceStreamOptions o;
    o.spot_stream_url = s.spot_url();
    o.futures_stream_url = s.futures_url();
    o.ca_file = s.ca_file();
    o.spot_symbols = std::move(spot);
    o.futures_symbols = std::move(fut);
    o.backoff_min_s = 0.05;
    o.backoff_max_s = 0.2;
    o.silent_timeout_s = 5;
    return o;
  }
  void make(const BinanceStreamOptions& o) {
    feed = std::make_unique<BinanceStreamFeed>(o, symbols, clock, std::vector<FeedOutput>{{&sink.md, 1, 0}},
                                               std::vector<core::SpscRing<core::MarkPrice>*>{&sink.mark},
                                               std::vector<core::SpscRing<core::BookStatus>*>{&sink.status}, nullptr);
  }
  // Polls the stage on this thread until pred() or the deadline.
  template <class Pred>
  bool pump(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      while (feed->stage().poll() > 0) sink.drain();
      sink.drain();
      if (pred()) return true;
      std::this_thread::sleep_for(1ms);  // polling a condition, bounded by the deadline
    }
    return pred();
  }
  const StreamMetrics& m(StreamKind k) const { return feed->metrics(k); }
};

// Strictly increasing u per (feed, symbol): what the stage promises downstream.
void expect_increasing_u(const std::vector<core::MdTick>& ticks) {
  std::map<std::pair<int, int>, uint64_t> last;
  for (const core::MdTick& t : ticks) {
    uint64_t& l = last[{t.feed, static_cast<int>(t.symbol)}];
    EXPECT_GT(t.update_id, l) << "feed " << int(t.feed) << " symbol " << t.symbol;
    l = t.update_id;
  }
}

TEST(BinanceStream, TicksAndMarksFromTheSimExchange) {
  Sim s({}, /*real_market=*/true);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  fx.make(fx.options(s, {"BTCUSDT", "ETHUSDT"}, {"BTCUSDT", "ETHUSDT"}));
  ASSERT_TRUE(fx.feed->start().ok());
  // markPrice@1s comes once a second: wait for one per symbol, and ticks of both symbols on both products.
  auto have = [&](uint8_t feed, core::SymbolId sym) {
    return std::any_of(fx.sink.ticks.begin(), fx.sink.ticks.end(),
                       [&](const core::MdTick& t) { return t.feed == feed && t.symbol == sym; });
  };
  auto mark_of = [&](core::SymbolId sym) {
    return std::any_of(fx.sink.marks.begin(), fx.sink.marks.end(), [&](const auto& m) { return m.symbol == sym; });
  };
  ASSERT_TRUE(fx.pump([&] {
    return have(0, fx.btc) && have(0, fx.eth) && have(1, fx.btc) && have(1, fx.eth) && mark_of(fx.btc) &&
           mark_of(fx.eth);
  })) << "ticks "
      << fx.sink.ticks.size() << " marks " << fx.sink.marks.size() << " error " << fx.feed->io().last_error();
  for (const core::MdTick& t : fx.sink.ticks) {
    EXPECT_GT(t.bid.raw, 0);
    EXPECT_GT(t.ask.raw, t.bid.raw);  // the sim's book is never crossed
    EXPECT_GT(t.bid_qty.raw, 0);
    EXPECT_GT(t.ts_local, 0);
    // Spot bookTicker has no event time (BINANCE.md); USD-M has E.
    if (t.feed == 0) {
      EXPECT_EQ(t.ts_exchange, 0);
    } else {
      EXPECT_GT(t.ts_exchange, 0);
    }
  }
  for (const core::MarkPrice& m : fx.sink.marks) {
    EXPECT_EQ(m.feed, 1);
    EXPECT_GT(m.mark.raw, 0);
    EXPECT_GT(m.next_funding_time, 0);
  }
  expect_increasing_u(fx.sink.ticks);
  EXPECT_TRUE(fx.sink.statuses.empty());
  for (StreamKind k : {StreamKind::kSpotBook, StreamKind::kFuturesBook, StreamKind::kFuturesMark}) {
    EXPECT_EQ(fx.m(k).connected->value(), 1.0) << to_string(k);
    EXPECT_GT(fx.m(k).messages->value(), 0u) << to_string(k);
    EXPECT_EQ(fx.m(k).reconnects->value(), 0u) << to_string(k);
  }
  const std::string text = fx.feed->registry().render();
  EXPECT_NE(text.find("dmabot_md_stream_messages_total{stream=\"futures_mark\"}"), std::string::npos);
  EXPECT_NE(text.find("dmabot_md_stream_last_message_age_seconds{stream=\"spot_book\"}"), std::string::npos);
  EXPECT_NE(text.find("dmabot_md_stream_connected{stream=\"futures_book\"} 1"), std::string::npos);
  fx.feed->stop();
}

TEST(BinanceStream, ExactValuesStaleUpdatesAndOversizedFrames) {
  Sim s({}, /*real_market=*/false);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  fx.make(fx.options(s));
  ASSERT_TRUE(fx.feed->start().ok());
  ASSERT_TRUE(
      fx.pump([&] { return fx.sink.count_ticks(0) >= 5 && fx.sink.count_ticks(1) >= 5 && fx.sink.marks.size() >= 2; }));
  for (const core::MdTick& t : fx.sink.ticks) {
    // The publisher's formula, computed here from u.
    EXPECT_EQ(t.symbol, fx.btc);
    EXPECT_EQ(t.bid.raw, static_cast<int64_t>((1000 + t.update_id) * core::kScale + core::kScale / 2));
    EXPECT_EQ(t.ask.raw - t.bid.raw, core::kScale);
    if (t.feed == 0) {
      EXPECT_EQ(t.bid_qty.raw, core::kScale + core::kScale / 4);
      EXPECT_EQ(t.ts_exchange, 0);
    } else {
      EXPECT_EQ(t.ask_qty.raw, 4 * core::kScale);
      EXPECT_EQ(t.ts_exchange, static_cast<int64_t>(t.update_id) * 1'000'000);  // E in ms -> ns
    }
  }
  for (const core::MarkPrice& m : fx.sink.marks) {
    const int64_t n = m.ts_exchange / 1'000'000;
    EXPECT_EQ(m.mark.raw, (2000 + n) * core::kScale + core::kScale / 4);
    EXPECT_EQ(m.funding_rate_raw, -12'500);
    EXPECT_EQ(m.next_funding_time, int64_t{28'800'000} * 1'000'000);
  }
  // An update older than what was delivered (u = 1, distinctive price) is dropped and counted.
  const uint64_t stale_before = fx.m(StreamKind::kSpotBook).stale_updates->value();
  ASSERT_EQ(s.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@bookTicker",
                      R"({"u":1,"s":"BTCUSDT","b":"7.77","B":"1","a":"7.78","A":"1"})"),
            1u);
  ASSERT_TRUE(fx.pump([&] { return fx.m(StreamKind::kSpotBook).stale_updates->value() == stale_before + 1; }));
  // A frame larger than a slot: counted, dropped, the stream goes on.
  std::string big = R"({"u":999999999,"s":"BTCUSDT","b":"7.77","B":"1","a":"7.78","A":"1","x":")";
  big.append(2000, 'x');
  big += "\"}";
  ASSERT_EQ(s.publish(Product::kSpot, StreamRoute::kSpot, "btcusdt@bookTicker", big), 1u);
  ASSERT_TRUE(fx.pump([&] { return fx.m(StreamKind::kSpotBook).oversized_frames->value() == 1; }));
  const std::size_t n = fx.sink.count_ticks(0);
  ASSERT_TRUE(fx.pump([&] { return fx.sink.count_ticks(0) >= n + 3; }));  // still flowing
  for (const core::MdTick& t : fx.sink.ticks) EXPECT_NE(t.bid.raw, 777 * core::kScale / 100);
  expect_increasing_u(fx.sink.ticks);
  EXPECT_TRUE(fx.sink.statuses.empty());
  fx.feed->stop();
}

TEST(BinanceStream, AFullRingDropsAndCountsFrames) {
  Sim s({}, false);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  BinanceStreamOptions o = fx.options(s);
  o.ring_slots = 4;
  fx.make(o);
  ASSERT_TRUE(fx.feed->start().ok());
  auto sum = [&](core::Counter* StreamMetrics::*field) {
    uint64_t n = 0;
    for (StreamKind k : {StreamKind::kSpotBook, StreamKind::kFuturesBook, StreamKind::kFuturesMark})
      n += (fx.m(k).*field)->value();
    return n;
  };
  // The stage is not polled: after 4 frames the ring is full and the rest are dropped.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (sum(&StreamMetrics::messages) < 30 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);  // polling a counter, bounded
  fx.feed->stop();                     // the I/O thread is joined: the counters are final
  const uint64_t messages = sum(&StreamMetrics::messages);
  ASSERT_GE(messages, 30u);
  EXPECT_EQ(sum(&StreamMetrics::ring_full_drops), messages - 4);
  while (fx.feed->stage().poll() > 0) fx.sink.drain();
  fx.sink.drain();
  EXPECT_EQ(fx.sink.ticks.size() + fx.sink.marks.size(), 4u);
}

TEST(BinanceStream, WrongCaIsRefusedWithAClearErrorAndNoData) {
  Sim s({}, false);
  Sim other({}, false);  // a different generated CA
  ASSERT_EQ(s.start_error(), "");
  ASSERT_EQ(other.start_error(), "");
  ASSERT_NE(s.ca_file(), other.ca_file());
  Fixture fx;
  BinanceStreamOptions o = fx.options(s);
  o.ca_file = other.ca_file();
  fx.make(o);
  ASSERT_TRUE(fx.feed->start().ok());
  ASSERT_TRUE(fx.pump([&] { return fx.m(StreamKind::kSpotBook).connect_failures->value() >= 2; }));
  const std::string err = fx.feed->io().last_error();
  EXPECT_NE(err.find("tls_handshake"), std::string::npos) << err;
  EXPECT_NE(err.find("certificate verify failed"), std::string::npos) << err;
  EXPECT_GE(fx.m(StreamKind::kSpotBook).reconnects->value(), 1u);  // it keeps trying, with backoff
  EXPECT_EQ(fx.m(StreamKind::kSpotBook).messages->value(), 0u);
  EXPECT_EQ(fx.m(StreamKind::kFuturesBook).messages->value(), 0u);
  EXPECT_EQ(fx.m(StreamKind::kSpotBook).connected->value(), 0.0);
  EXPECT_TRUE(fx.sink.ticks.empty());
  EXPECT_TRUE(fx.sink.marks.empty());
  fx.feed->stop();
}

TEST(BinanceStream, MissingCaFileIsAnErrorAtStart) {
  Sim s({}, false);
  Fixture fx;
  BinanceStreamOptions o = fx.options(s);
  o.ca_file = "/nonexistent/ca.pem";
  fx.make(o);
  const absl::Status st = fx.feed->start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/ca.pem"), std::string::npos) << st;
}

// A status sequence per (feed, symbol) alternates stale, recovered, ... starting with stale.
void expect_alternating(const std::vector<core::BookStatus>& v) {
  std::map<std::pair<int, int>, bool> stale;
  for (const core::BookStatus& s : v) {
    bool& cur = stale[{s.feed, static_cast<int>(s.symbol)}];
    EXPECT_NE(s.stale, cur) << "feed " << int(s.feed) << " symbol " << s.symbol;
    cur = s.stale;
    if (!s.stale) {
      EXPECT_LE(s.stale_since, s.ts_local);
    }
  }
}

TEST(BinanceStream, ReconnectsAfterDroppedConnections) {
  sim::Faults f;
  f.drop_ws_every_s = 1;
  Sim s(f, false);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  fx.make(fx.options(s));
  ASSERT_TRUE(fx.feed->start().ok());
  // Stale (disconnected) then recovered for the spot and the futures book, and ticks after that.
  auto recovered_after_drop = [&](uint8_t feed) {
    bool saw_stale = false;
    for (const auto& st : fx.sink.statuses) {
      if (st.feed != feed || st.symbol != fx.btc) continue;
      if (st.stale && st.reason == core::StaleReason::kDisconnected) saw_stale = true;
      if (!st.stale && saw_stale) return true;
    }
    return false;
  };
  ASSERT_TRUE(fx.pump([&] { return recovered_after_drop(0) && recovered_after_drop(1); }, 15s))
      << "statuses " << fx.sink.statuses.size() << " error " << fx.feed->io().last_error();
  const std::size_t n = fx.sink.ticks.size();
  ASSERT_TRUE(fx.pump([&] { return fx.sink.ticks.size() >= n + 5; }));
  for (StreamKind k : {StreamKind::kSpotBook, StreamKind::kFuturesBook})
    EXPECT_GE(fx.m(k).reconnects->value(), 1u) << to_string(k);
  EXPECT_NE(fx.feed->io().last_error().find("read"), std::string::npos) << fx.feed->io().last_error();
  expect_increasing_u(fx.sink.ticks);
  expect_alternating(fx.sink.statuses);
  fx.feed->stop();
}

TEST(BinanceStream, SilentStreamIsDetectedAndReconnected) {
  sim::Faults f;
  f.stall_stream_s = 1;  // each connection: 1 s live, then 1 s silent
  Sim s(f, false);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  BinanceStreamOptions o = fx.options(s);
  o.silent_timeout_s = 0.3;
  fx.make(o);
  ASSERT_TRUE(fx.feed->start().ok());
  auto silent_then_recovered = [&] {
    bool saw = false;
    for (const auto& st : fx.sink.statuses) {
      if (st.feed != 0 || st.symbol != fx.btc) continue;
      if (st.stale && st.reason == core::StaleReason::kSilent) saw = true;
      if (!st.stale && saw) return true;
    }
    return false;
  };
  ASSERT_TRUE(fx.pump(silent_then_recovered, 15s)) << "statuses " << fx.sink.statuses.size();
  EXPECT_GE(fx.m(StreamKind::kSpotBook).silent_timeouts->value(), 1u);
  EXPECT_GE(fx.m(StreamKind::kSpotBook).reconnects->value(), 1u);
  expect_increasing_u(fx.sink.ticks);
  expect_alternating(fx.sink.statuses);
  fx.feed->stop();
}

TEST(BinanceStream, RotationIsMakeBeforeBreakWithoutAStaleBook) {
  sim::Limits limits;
  limits.ws_max_age = 1000ms;  // the sim cuts connections at 1 s, as Binance at 24 h
  Sim s({}, false, limits);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  BinanceStreamOptions o = fx.options(s);
  o.rotation_age_s = 0.5;
  fx.make(o);
  ASSERT_TRUE(fx.feed->start().ok());
  ASSERT_TRUE(fx.pump([&] {
    return fx.m(StreamKind::kSpotBook).rotations->value() >= 2 &&
           fx.m(StreamKind::kFuturesBook).rotations->value() >= 2;
  }));
  // A rotation on request (what a serverShutdown frame triggers) works the same way.
  const uint64_t r = fx.m(StreamKind::kFuturesMark).rotations->value();
  fx.feed->io().request_rotation(StreamKind::kFuturesMark);
  ASSERT_TRUE(fx.pump([&] { return fx.m(StreamKind::kFuturesMark).rotations->value() > r; }));
  EXPECT_TRUE(fx.sink.statuses.empty());  // never stale: the new connection delivered before the old closed
  EXPECT_EQ(s.server().stats().ws_aged_out.load(), 0u);  // rotated before the server's cut
  EXPECT_EQ(fx.m(StreamKind::kSpotBook).reconnects->value(), 0u);
  EXPECT_EQ(fx.m(StreamKind::kSpotBook).connected->value(), 1.0);
  expect_increasing_u(fx.sink.ticks);  // the overlap's duplicates were dropped
  // No gap in time, and in updates at most what the old connection still had in flight when the new
  // one took over (its socket is closed then; a bookTicker is the whole top of book, so the next one
  // supersedes what it missed): consecutive spot ticks skip a u only at a switch, and only a few.
  uint64_t prev = 0, skips = 0;
  for (const core::MdTick& t : fx.sink.ticks) {
    if (t.feed != 0) continue;
    if (prev != 0 && t.update_id != prev + 1) {
      ++skips;
      EXPECT_LE(t.update_id - prev, 4u) << "a gap of more than the in-flight updates";
    }
    prev = t.update_id;
  }
  EXPECT_LE(skips, fx.m(StreamKind::kSpotBook).rotations->value());
  fx.feed->stop();
}

TEST(BinanceStream, ServerPingsAreAnswered) {
  sim::Limits limits;
  limits.ws_ping_interval = 50ms;
  limits.ws_pong_timeout = 200ms;  // a client that does not answer is cut after 200 ms
  Sim s({}, false, limits);
  ASSERT_EQ(s.start_error(), "");
  Fixture fx;
  fx.make(fx.options(s));
  ASSERT_TRUE(fx.feed->start().ok());
  // Ticks spanning 1.5 s (7 pong timeouts) from one connection each.
  ASSERT_TRUE(fx.pump([&] {
    return fx.sink.ticks.size() >= 2 && fx.sink.ticks.back().ts_local - fx.sink.ticks.front().ts_local > 1'500'000'000;
  }));
  EXPECT_EQ(s.server().stats().ws_pong_timeouts.load(), 0u);
  for (StreamKind k : {StreamKind::kSpotBook, StreamKind::kFuturesBook, StreamKind::kFuturesMark})
    EXPECT_EQ(fx.m(k).reconnects->value(), 0u) << to_string(k);
  EXPECT_TRUE(fx.sink.statuses.empty());
  fx.feed->stop();
}

TEST(BinanceStream, ServerShutdownFramesAreRecognised) {
  EXPECT_TRUE(is_server_shutdown(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}})"));
  EXPECT_TRUE(is_server_shutdown(R"({"e":"serverShutdown","E":1770123456789})"));
  EXPECT_FALSE(is_server_shutdown(R"({"stream":"btcusdt@bookTicker","data":{"u":1}})"));
  EXPECT_FALSE(is_server_shutdown(""));
}

TEST(BinanceStream, OptionsAreValidated) {
  core::SymbolTable t;
  t.add("BTCUSDT");
  BinanceStreamOptions o;
  o.spot_stream_url = "wss://stream.binance.com:9443";
  o.spot_symbols = {"BTCUSDT"};
  EXPECT_TRUE(validate(o, t).ok());
  auto bad = [&](BinanceStreamOptions x, std::string_view needle) {
    const absl::Status st = validate(x, t);
    EXPECT_FALSE(st.ok()) << needle;
    EXPECT_NE(std::string(st.message()).find(needle), std::string::npos) << st;
  };
  BinanceStreamOptions x = o;
  x.spot_stream_url = "ws://stream.binance.com";
  bad(x, "wss://");
  x = o;
  x.spot_stream_url = "wss://host:99999";
  bad(x, "port");
  x = o;
  x.spot_symbols = {"DOGEUSDT"};
  bad(x, "DOGEUSDT");
  x = o;
  x.spot_symbols = {"BTC/USDT"};
  bad(x, "BTC/USDT");
  x = o;
  x.spot_symbols.clear();
  bad(x, "no spot symbols");
  x = o;
  x.backoff_max_s = 0.01;
  bad(x, "backoff_max_s");
  x = o;
  x.spot_stream_url.clear();
  bad(x, "neither");
}

}  // namespace
}  // namespace dmabot::feed
