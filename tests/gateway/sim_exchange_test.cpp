// Simulated exchange against scripted books on a simulated clock; every expected time, quantity
// and fee is worked out by hand in the comments.
#include "gateway/sim_exchange.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include <string>
#include <vector>

#include "core/event_codec.h"
#include "tests/gateway/test_util.h"

namespace dmabot::gateway {
namespace {

using namespace testutil;

Order new_order(uint64_t id, const char* price, const char* q, TimeInForce tif = TimeInForce::kGtc,
                Side side = Side::kBuy) {
  Order o;
  o.client_id = id;
  o.price = px(price);
  o.qty = qty(q);
  o.symbol = 0;
  o.side = side;
  o.tif = tif;
  return o;
}

// Entry 1000 ns, ack 0 ns (reports leave at book time), maker 2 bps, taker 4 bps.
SimExchangeParams base_params() {
  SimExchangeParams p;
  p.entry_latency_ns = 1000;
  p.ack_latency_ns = 0;
  p.maker_fee_bps = 2.0;
  p.taker_fee_bps = 4.0;
  p.seed = 7;
  p.max_live_orders = 16;
  return p;
}

core::SymbolTable make_symbols() {
  core::SymbolTable t;
  core::InstrumentInfo i;
  i.name = "BTCUSDT";
  i.tick = Price::from_raw(1'000'000);  // 0.01
  i.step = Qty::from_raw(100'000);      // 0.001
  i.min_qty = Qty::from_raw(100'000);   // 0.001
  i.min_notional_raw = 5 * core::kScale;
  t.add(i);
  return t;
}

struct Harness {
  explicit Harness(SimExchangeParams p)
      : symbols(make_symbols()),
        in(64), out(64), md(64), trades(64), marks(64),
        sx("sim", 3, std::move(p), symbols, clock, &in, &out, &md, &trades, &marks) {}

  std::vector<ExecReport> at(core::UnixNanos t) {
    clock.advance_to(t);
    while (sx.poll() > 0) {
    }
    std::vector<ExecReport> got;
    ExecReport r;
    while (out.try_pop(r)) got.push_back(r);
    return got;
  }
  // Hands an order to the venue at the current clock (it arrives when poll() takes it).
  void send(const Order& o) {
    ASSERT_TRUE(in.try_push(o));
    while (sx.poll() > 0) {
    }
  }
  void book(core::UnixNanos t, const char* bid, const char* bq, const char* ask, const char* aq) {
    core::MdTick m;
    m.ts_local = t;
    m.bid = px(bid);
    m.bid_qty = qty(bq);
    m.ask = px(ask);
    m.ask_qty = qty(aq);
    m.symbol = 0;
    ASSERT_TRUE(md.try_push(m));
  }
  void trade(core::UnixNanos t, const char* price, const char* q) {
    core::Trade tr;
    tr.ts_local = t;
    tr.price = px(price);
    tr.qty = qty(q);
    tr.symbol = 0;
    ASSERT_TRUE(trades.try_push(tr));
  }

  core::SymbolTable symbols;
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<Order> in;
  core::SpscRing<ExecReport> out;
  core::SpscRing<core::MdTick> md;
  core::SpscRing<core::Trade> trades;
  core::SpscRing<core::MarkPrice> marks;
  SimExchange sx;
};

TEST(SimExchange, OrderReachesBookAfterEntryLatencyAndReportsAfterAck) {
  SimExchangeParams p = base_params();
  p.ack_latency_ns = 500;
  Harness h(p);
  h.book(0, "100", "1", "101", "1");
  h.send(new_order(16, "100", "1"));
  EXPECT_TRUE(h.at(0).empty());
  EXPECT_EQ(h.sx.next_wakeup(), 1000);  // arrival 0 + entry 1000
  EXPECT_TRUE(h.at(999).empty());
  EXPECT_TRUE(h.at(1499).empty());  // at the book at 1000, report due 1000 + 500
  auto r = h.at(1500);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  EXPECT_EQ(r[0].ts_exchange, 1000);
  EXPECT_EQ(r[0].ts_local, 1500);
  EXPECT_EQ(r[0].venue, 3);
  EXPECT_EQ(h.sx.live_orders(), 1u);
}

TEST(SimExchange, PostOnlyThatWouldCrossExpires) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "1");
  h.send(new_order(16, "101", "1", TimeInForce::kPostOnly));  // buy at the ask would take
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kExpired);
  EXPECT_EQ(h.sx.live_orders(), 0u);
  // One tick lower it rests.
  h.send(new_order(32, "100.99", "1", TimeInForce::kPostOnly));
  r = h.at(2000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
}

TEST(SimExchange, FiltersReject) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "1");
  h.send(new_order(16, "100.005", "1"));  // price not a multiple of 0.01
  h.send(new_order(32, "100", "1.0005"));  // qty not a multiple of 0.001
  h.send(new_order(48, "100", "0.001"));  // notional 100 * 0.001 = 0.1 < 5
  h.send(new_order(64, "100", "0.05"));   // notional 5.0 >= 5: accepted
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r[i].status, ExecStatus::kRejected) << i;
    EXPECT_EQ(r[i].reject_reason, RejectReason::kVenueReject) << i;
  }
  EXPECT_EQ(r[3].status, ExecStatus::kNew);
  EXPECT_EQ(r[3].client_id, 64u);
}

TEST(SimExchange, IocTakesAtTouchAndRemainderExpires) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "0.3");
  h.send(new_order(16, "102", "0.5", TimeInForce::kIoc));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  EXPECT_EQ(r[1].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(r[1].last_px, px("101"));  // the touch, not our limit
  EXPECT_EQ(r[1].last_qty, qty("0.3"));  // displayed ask size
  EXPECT_FALSE(r[1].maker);
  // 101 * 0.3 = 30.3 quote; 4 bps -> 0.01212 = 1'212'000 raw.
  EXPECT_EQ(r[1].fee_raw, 1'212'000);
  EXPECT_EQ(r[2].status, ExecStatus::kExpired);
  EXPECT_EQ(r[2].cum_qty, qty("0.3"));
  EXPECT_EQ(h.sx.live_orders(), 0u);
  EXPECT_EQ(h.sx.position_raw(0), 30'000'000);  // +0.3
}

TEST(SimExchange, CrossingGtcRemainderRests) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "0.3");
  h.send(new_order(16, "101", "0.5"));
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(h.sx.live_orders(), 1u);
  EXPECT_EQ(h.sx.queue_ahead_raw(16), 0);
}

TEST(SimExchange, RestingBuyFillsOnTradeThroughNotOnTouchWithQueueAhead) {
  Harness h(base_params());
  h.book(0, "100", "2", "101", "1");
  h.send(new_order(16, "100", "1"));
  ASSERT_EQ(h.at(1000).size(), 1u);  // kNew
  EXPECT_EQ(h.sx.queue_ahead_raw(16), 200'000'000);  // joined behind 2.0
  h.trade(2000, "100", "0.5");  // touches our price: 2.0 - 0.5 = 1.5 still ahead
  EXPECT_TRUE(h.at(2000).empty());
  EXPECT_EQ(h.sx.queue_ahead_raw(16), 150'000'000);
  h.trade(3000, "99.99", "0.1");  // prints below our buy: the whole order fills
  auto r = h.at(3000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].last_px, px("100"));
  EXPECT_EQ(r[0].last_qty, qty("1"));
  EXPECT_TRUE(r[0].maker);
  EXPECT_EQ(r[0].fee_raw, 2'000'000);  // 100 * 1 = 100 quote * 2 bps = 0.02
  EXPECT_EQ(h.sx.live_orders(), 0u);
}

TEST(SimExchange, RestingBuyFillsWhenAskDropsToItsPrice) {
  Harness h(base_params());
  h.book(0, "100", "2", "101", "1");
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  h.book(2000, "99.99", "1", "100", "3");
  auto r = h.at(2000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kFilled);
  EXPECT_EQ(r[0].ts_exchange, 2000);
}

TEST(SimExchange, QueuePositionPartialFill) {
  Harness h(base_params());
  h.book(0, "100", "2", "101", "1");
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  h.trade(2000, "100", "1.5");  // ahead 2.0 -> 0.5
  EXPECT_TRUE(h.at(2000).empty());
  h.trade(3000, "100", "1.0");  // 0.5 clears the queue, the other 0.5 fills us
  auto r = h.at(3000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(r[0].last_qty, qty("0.5"));
  EXPECT_EQ(r[0].cum_qty, qty("0.5"));
  EXPECT_EQ(r[0].fee_raw, 1'000'000);  // 100 * 0.5 = 50 * 2 bps = 0.01
  EXPECT_EQ(h.sx.queue_ahead_raw(16), 0);
}

TEST(SimExchange, QueueModels) {
  for (QueueModel m : {QueueModel::kRiskAverse, QueueModel::kProbabilistic}) {
    SimExchangeParams p = base_params();
    p.queue_model = m;
    Harness h(p);
    h.book(0, "100", "2", "101", "1");
    h.send(new_order(16, "100", "1"));
    h.at(1000);                         // ahead 2.0
    h.book(2000, "100", "3", "101", "1");  // someone joined behind: ahead stays 2.0 of 3.0
    h.book(3000, "100", "1.5", "101", "1");  // 1.5 cancelled, no trades
    h.at(3000);
    if (m == QueueModel::kRiskAverse) {
      EXPECT_EQ(h.sx.queue_ahead_raw(16), 150'000'000);  // min(2.0, displayed 1.5)
    } else {
      // 2.0 - 1.5 * (2.0 / 3.0) = 1.0
      EXPECT_EQ(h.sx.queue_ahead_raw(16), 100'000'000);
    }
  }
}

TEST(SimExchange, ProbabilisticIgnoresDecreaseExplainedByTrades) {
  SimExchangeParams p = base_params();
  p.queue_model = QueueModel::kProbabilistic;
  Harness h(p);
  h.book(0, "100", "2", "101", "1");
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  h.book(1500, "100", "4", "101", "1");  // ahead 2.0 of 4.0
  h.trade(2000, "100", "1");             // ahead 1.0
  h.book(3000, "100", "3", "101", "1");  // decrease 1.0 fully explained by the trade
  h.at(3000);
  EXPECT_EQ(h.sx.queue_ahead_raw(16), 100'000'000);
}

TEST(SimExchange, CancelAndUnknownCancel) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "1");
  h.send(new_order(16, "100", "1"));
  h.at(0);
  Order c;
  c.action = OrderAction::kCancel;
  c.client_id = 99;
  c.target_id = 16;
  h.send(c);  // arrives at 0 too: reaches the book at 1000, after the new (FIFO on equal due)
  auto r = h.at(1000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kNew);
  EXPECT_EQ(r[1].status, ExecStatus::kCanceled);
  EXPECT_EQ(r[1].client_id, 16u);
  h.send(c);
  EXPECT_TRUE(h.at(1000).empty());  // taken off the ring at 1000, at the book at 2000
  r = h.at(2000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, ExecStatus::kCancelRejected);
  EXPECT_EQ(r[0].reject_reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[0].ts_exchange, 2000);
}

TEST(SimExchange, ReplaceCancelsOldAndPlacesNew) {
  Harness h(base_params());
  h.book(0, "100", "1", "101", "1");
  h.send(new_order(16, "100", "1"));
  h.at(1000);
  Order rp = new_order(32, "100.5", "1");
  rp.action = OrderAction::kReplace;
  rp.target_id = 16;
  h.send(rp);
  auto r = h.at(2000);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, ExecStatus::kCanceled);
  EXPECT_EQ(r[0].client_id, 16u);
  EXPECT_EQ(r[1].status, ExecStatus::kNew);
  EXPECT_EQ(r[1].client_id, 32u);
  EXPECT_EQ(h.sx.queue_ahead_raw(32), 0);  // improves the 100 bid: nobody ahead
}

std::vector<core::UnixNanos> run_with_seed(uint64_t seed) {
  SimExchangeParams p = base_params();
  p.seed = seed;
  p.latency_samples_ns = {100, 2000, 5000};
  Harness h(p);
  h.book(0, "100", "1", "101", "1");
  for (uint64_t i = 1; i <= 8; ++i) h.send(new_order(i * 16, "99", "1"));
  std::vector<core::UnixNanos> ts;
  for (const ExecReport& r : h.at(10'000)) ts.push_back(r.ts_exchange);
  return ts;
}

TEST(SimExchange, SameSeedSameSequence) {
  auto a = run_with_seed(5);
  auto b = run_with_seed(5);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a, b);
  // Orders taken at 0: each book time is one of the samples.
  for (core::UnixNanos t : a) EXPECT_TRUE(t == 100 || t == 2000 || t == 5000) << t;
}

TEST(SimExchange, FundingPaymentOnBoundary) {
  Harness h(base_params());
  h.book(0, "100", "1", "100.5", "5");
  h.send(new_order(16, "100.5", "2", TimeInForce::kIoc));  // long 2 at 100.5
  ASSERT_EQ(h.at(1000).back().status, ExecStatus::kFilled);
  core::MarkPrice m;
  m.symbol = 0;
  m.ts_local = 2000;
  m.next_funding_time = 8'000;
  m.mark = px("100");
  m.funding_rate_raw = 10'000;  // 0.0001
  ASSERT_TRUE(h.marks.try_push(m));
  m.ts_local = 3000;  // same boundary: nothing due
  ASSERT_TRUE(h.marks.try_push(m));
  h.at(3000);
  EXPECT_EQ(h.sx.funding_paid(0), 0.0);
  m.ts_local = 9000;
  m.next_funding_time = 16'000;  // boundary at 8000 passed
  m.mark = px("101");
  ASSERT_TRUE(h.marks.try_push(m));
  h.at(9000);
  // 2 * 101 * 0.0001 = 0.0202 paid by the long.
  EXPECT_NEAR(h.sx.funding_paid(0), 0.0202, 1e-12);
  EXPECT_NEAR(h.sx.funding_paid_total(), 0.0202, 1e-12);
}

TEST(SimExchange, BackpressureKeepsReportsUntilRoom) {
  SimExchangeParams p = base_params();
  Harness h(p);
  h.book(0, "100", "1", "101", "1");
  core::SpscRing<ExecReport> tiny(2);
  SimExchange sx("sim", 3, p, h.symbols, h.clock, &h.in, &tiny, &h.md, &h.trades, &h.marks);
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(h.in.try_push(new_order(i * 16, "99", "1")));
  sx.poll();  // takes the orders at 0: at the book at 1000
  h.clock.advance_to(1000);
  std::vector<uint64_t> ids;
  for (int k = 0; k < 10; ++k) {
    sx.poll();
    ExecReport r;
    while (tiny.try_pop(r)) ids.push_back(r.client_id);
  }
  // All five acks come out, in order, through a 2-slot ring.
  EXPECT_EQ(ids, (std::vector<uint64_t>{16, 32, 48, 64, 80}));
}

TEST(SimExchange, FromConfigDefaultsAndErrors) {
  auto cfg = core::Config::parse("", "test.env", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  auto p = SimExchangeParams::from_config(*cfg);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->entry_latency_ns, 200'000);  // 200 us
  EXPECT_TRUE(p->latency_samples_ns.empty());
  EXPECT_EQ(p->queue_model, QueueModel::kRiskAverse);

  auto cfg2 = core::Config::parse("SIM_ENTRY_LATENCY_SAMPLES_US=1.5,3\nSIM_QUEUE_MODEL=probabilistic\n", "test.env",
                                  {}, &core::Config::no_env);
  ASSERT_TRUE(cfg2.ok());
  auto p2 = SimExchangeParams::from_config(*cfg2);
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_EQ(p2->latency_samples_ns, (std::vector<int64_t>{1500, 3000}));  // us -> ns
  EXPECT_EQ(p2->queue_model, QueueModel::kProbabilistic);

  auto cfg3 = core::Config::parse("SIM_ACK_LATENCY_SAMPLES_US=5,x\n", "test.env", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg3.ok());
  auto p3 = SimExchangeParams::from_config(*cfg3);
  ASSERT_FALSE(p3.ok());
  EXPECT_NE(std::string(p3.status().message()).find("SIM_ACK_LATENCY_SAMPLES_US"), std::string::npos);
}

}  // namespace
// A recording written here: three new orders and one cancel, their venue reports (one risk
// rejection among them), in file order. Round trips by hand: id 1: 1000 -> 1050 = 50 ns;
// id 2: 2000 -> 2120 = 120 ns (its later fill is not a first report); id 3 rejected by risk (no
// sample); the cancel of id 1 is not an order round trip; id 4: 5000 -> 5060 = 60 ns.
std::string write_latency_recording() {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  std::string text = "{\"v\":1,\"kind\":\"config\",\"program\":\"dmabot\",\"config\":{}}\n";
  char buf[1024];
  uint64_t seq = 1;
  auto order = [&](uint64_t id, int64_t ts, core::OrderAction a) {
    core::Order o;
    o.client_id = id;
    o.ts_local = ts;
    o.action = a;
    o.symbol = 0;
    o.price = core::Price::from_raw(100'00000000);
    o.qty = core::Qty::from_raw(1'00000000);
    text.append(buf, core::encode(o, seq++, symbols, buf, sizeof(buf)));
  };
  auto report = [&](uint64_t id, int64_t ts, core::ExecStatus st, uint8_t venue) {
    core::ExecReport r;
    r.client_id = id;
    r.ts_local = ts;
    r.status = st;
    r.venue = venue;
    r.symbol = 0;
    text.append(buf, core::encode(r, seq++, symbols, buf, sizeof(buf)));
  };
  order(1, 1000, core::OrderAction::kNew);
  order(2, 2000, core::OrderAction::kNew);
  report(1, 1050, core::ExecStatus::kNew, 0);
  report(2, 2120, core::ExecStatus::kNew, 1);
  report(3, 2500, core::ExecStatus::kRejected, core::kRiskVenue);
  report(2, 3000, core::ExecStatus::kFilled, 1);
  order(1, 4000, core::OrderAction::kCancel);
  report(1, 4100, core::ExecStatus::kCanceled, 0);
  order(4, 5000, core::OrderAction::kNew);
  report(4, 5060, core::ExecStatus::kNew, 0);
  const std::string path = ::testing::TempDir() + "/sim_latency_" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(SimExchange, LatencySamplesFromARecording) {
  const std::string path = write_latency_recording();
  auto samples = latency_samples_from_recording(path);
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_EQ(*samples, (std::vector<int64_t>{50, 120, 60}));
  // As config: each round trip split into an entry half and an ack half.
  auto cfg = core::Config::parse("", "test.env", {"SIM_LATENCY_RECORDING=" + path}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  auto p = SimExchangeParams::from_config(*cfg);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->latency_samples_ns, (std::vector<int64_t>{25, 60, 30}));
  EXPECT_EQ(p->ack_latency_samples_ns, (std::vector<int64_t>{25, 60, 30}));
  // Both ways at once, or a file without pairs, is an error naming the key.
  auto both = core::Config::parse("", "test.env", {"SIM_LATENCY_RECORDING=" + path, "SIM_ACK_LATENCY_SAMPLES_US=5"},
                                  &core::Config::no_env);
  auto pb = SimExchangeParams::from_config(*both);
  ASSERT_FALSE(pb.ok());
  EXPECT_NE(std::string(pb.status().message()).find("SIM_LATENCY_RECORDING"), std::string::npos);
  auto none = core::Config::parse("", "test.env", {"SIM_LATENCY_RECORDING=/nonexistent/rec.jsonl"},
                                  &core::Config::no_env);
  auto pn = SimExchangeParams::from_config(*none);
  ASSERT_FALSE(pn.ok());
  EXPECT_NE(std::string(pn.status().message()).find("/nonexistent/rec.jsonl"), std::string::npos);
}

}  // namespace dmabot::gateway
