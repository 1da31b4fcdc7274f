// Router: venue choice, splitting, cancel fan-out, report aggregation and flow control. The test
// plays the venues by reading to_venue rings and writing from_venue rings; expected numbers are
// worked out by hand in the comments.
#include "gateway/router.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "gateway/mock_gateway.h"
#include "tests/gateway/test_util.h"

namespace dmabot::gateway {
namespace {

using namespace testutil;

constexpr uint64_t kParent = uint64_t{5} << core::kSplitBits;  // what make_client_id produces: low bits 0

Order new_order(uint64_t id, const char* price, const char* q, TimeInForce tif = TimeInForce::kGtc,
                Side side = Side::kBuy) {
  Order o;
  o.client_id = id;
  o.price = px(price);
  o.qty = qty(q);
  o.symbol = 0;
  o.strategy = 4;
  o.side = side;
  o.tif = tif;
  return o;
}
Order cancel_of(uint64_t target) {
  Order o;
  o.action = OrderAction::kCancel;
  o.client_id = 0;
  o.target_id = target;
  o.symbol = 0;
  return o;
}
Order replace_of(uint64_t target, uint64_t id, const char* price) {
  Order o = new_order(id, price, "1");
  o.action = OrderAction::kReplace;
  o.target_id = target;
  return o;
}
ExecReport report_for(const Order& child, ExecStatus st, const char* last, const char* cum, int64_t fee = 0) {
  ExecReport r;
  r.client_id = child.client_id;
  r.symbol = child.symbol;
  r.strategy = child.strategy;
  r.side = child.side;
  r.venue = child.venue;
  r.last_px = child.price;
  r.last_qty = qty(last);
  r.cum_qty = qty(cum);
  r.status = st;
  r.fee_raw = fee;
  return r;
}

// Venue a: maker 2 bps, taker 1 bps; venue b: maker 1 bps, taker 3 bps; both 0 latency.
std::vector<VenueInfo> two_venues() { return {{"a", 2.0, 1.0, 0}, {"b", 1.0, 3.0, 0}}; }

RouterParams fee_only() {
  RouterParams p;
  p.w_fee = 1.0;
  p.w_latency = 0.0;
  p.w_fill = 0.0;
  p.w_inventory = 0.0;
  p.ewma_alpha = 0.5;
  p.max_live_orders = 64;
  return p;
}

struct Harness {
  Harness(RouterParams p, std::vector<VenueInfo> venues, std::size_t venue_cap = 64, std::size_t exec_cap = 64,
          std::vector<std::string> more_symbols = {})
      : orders_in(64), exec_out(exec_cap), record_orders(256), record_execs(256) {
    core::InstrumentInfo btc;
    btc.name = "BTCUSDT";
    btc.tick = px("0.01");
    btc.step = qty("0.001");
    btc.min_qty = qty("0.001");
    btc.min_notional_raw = 5 * core::kScale;
    symbols.add(btc);
    for (const std::string& name : more_symbols) {
      core::InstrumentInfo i = btc;
      i.name = name;
      i.exchange_name.clear();
      symbols.add(i);
    }
    RouterRings rings;
    rings.orders_in = &orders_in;
    rings.exec_out = &exec_out;
    rings.record_orders = &record_orders;
    rings.record_execs = &record_execs;
    for (std::size_t v = 0; v < venues.size(); ++v) {
      to_venue.push_back(std::make_unique<core::SpscRing<Order>>(venue_cap));
      from_venue.push_back(std::make_unique<core::SpscRing<ExecReport>>(64));
      rings.to_venue.push_back(to_venue.back().get());
      rings.from_venue.push_back(from_venue.back().get());
    }
    router = std::make_unique<RouterStage>(p, venues, symbols, clock, rings, &registry);
  }
  void idle() {
    while (router->poll() > 0) {
    }
  }
  void send(const Order& o) {
    ASSERT_TRUE(orders_in.try_push(o));
    idle();
  }
  void report(std::size_t v, const ExecReport& r) {
    ASSERT_TRUE(from_venue[v]->try_push(r));
    idle();
  }
  std::vector<Order> at_venue(std::size_t v) {
    std::vector<Order> got;
    Order o;
    while (to_venue[v]->try_pop(o)) got.push_back(o);
    return got;
  }
  std::vector<ExecReport> out() {
    std::vector<ExecReport> got;
    ExecReport r;
    while (exec_out.try_pop(r)) got.push_back(r);
    return got;
  }
  uint64_t orders_total(const std::string& venue) const {
    return registry.counter_value("orders_total", core::Labels{{{"venue", venue}}});
  }

  core::SymbolTable symbols;
  core::Clock clock = core::Clock::simulated(1'000'000);
  core::Registry registry;
  core::SpscRing<Order> orders_in;
  core::SpscRing<ExecReport> exec_out;
  core::SpscRing<Order> record_orders;
  core::SpscRing<ExecReport> record_execs;
  std::vector<std::unique_ptr<core::SpscRing<Order>>> to_venue;
  std::vector<std::unique_ptr<core::SpscRing<ExecReport>>> from_venue;
  std::unique_ptr<RouterStage> router;
};

// --- venue choice ------------------------------------------------------------------------------

TEST(Router, CheapestVenueWinsWithFeeWeightOnly) {
  Harness h(fee_only(), two_venues());
  h.send(new_order(kParent, "100", "1"));  // GTC pays maker: a 2 bps, b 1 bps -> b
  auto b = h.at_venue(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].venue, 1);
  EXPECT_EQ(b[0].client_id, kParent);  // unsplit keeps the parent id
  EXPECT_TRUE(h.at_venue(0).empty());

  const uint64_t ioc_id = kParent + (1 << core::kSplitBits);
  h.send(new_order(ioc_id, "100", "1", TimeInForce::kIoc));  // IOC pays taker: a 1 bps, b 3 bps -> a
  auto a = h.at_venue(0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].client_id, ioc_id);

  Order rec;
  ASSERT_TRUE(h.record_orders.try_pop(rec));
  EXPECT_EQ(rec.venue, 1);
  ASSERT_TRUE(h.record_orders.try_pop(rec));
  EXPECT_EQ(rec.venue, 0);
  EXPECT_EQ(h.orders_total("a"), 1u);
  EXPECT_EQ(h.orders_total("b"), 1u);
}

TEST(Router, TickToOrderIsRecordedPerVenueForOrdersWithATick) {
  Harness h(fee_only(), two_venues());  // simulated clock at 1'000'000 ns
  Order o = new_order(kParent, "100", "1");
  o.ts_tick = 400'000;  // 600 us before the router sends it
  h.send(o);
  Order engine_cancel = cancel_of(kParent);  // no tick behind it (cancel-all): not timed
  engine_cancel.client_id = core::make_client_id(0, 1);
  h.send(engine_cancel);
  ASSERT_EQ(h.at_venue(1).size(), 2u);
  const std::string text = h.registry.render();
  EXPECT_NE(text.find("\ndmabot_tick_to_order_seconds_count{venue=\"b\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndmabot_tick_to_order_seconds_count{venue=\"a\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndmabot_tick_to_order_seconds_sum{venue=\"b\"} 6e-04\n"), std::string::npos) << text;
  // 600 us (fine bucket [598016, 602111] ns) lies between the export bounds 2^(153/8) = 571740 ns
  // and 2^(154/8) = 623487 ns.
  EXPECT_NE(text.find("dmabot_tick_to_order_seconds_bucket{venue=\"b\",le=\"0.00057174\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("dmabot_tick_to_order_seconds_bucket{venue=\"b\",le=\"0.000623487\"} 1\n"), std::string::npos)
      << text;
}

TEST(Router, LatencyWeightFlipsTheChoice) {
  std::vector<VenueInfo> v = {{"a", 2.0, 2.0, 10'000}, {"b", 1.0, 1.0, 500'000}};  // 10 µs vs 500 µs
  RouterParams p = fee_only();
  {
    Harness h(p, v);  // fee only: b (1 < 2)
    h.send(new_order(kParent, "100", "1"));
    EXPECT_EQ(h.at_venue(1).size(), 1u);
  }
  p.w_latency = 0.01;
  Harness h(p, v);  // a: 2 + 0.01 * 10 = 2.1; b: 1 + 0.01 * 500 = 6 -> a
  EXPECT_DOUBLE_EQ(h.router->scorer().score(0, new_order(kParent, "100", "1")), 2.1);
  EXPECT_DOUBLE_EQ(h.router->scorer().score(1, new_order(kParent, "100", "1")), 6.0);
  h.send(new_order(kParent, "100", "1"));
  EXPECT_EQ(h.at_venue(0).size(), 1u);
}

TEST(VenueScorer, LatencyAndFillRateAreExponentiallyWeighted) {
  RouterParams p = fee_only();  // alpha 0.5
  p.w_fee = 0.0;
  p.w_fill = 1.0;
  VenueScorer s({{"a", 1, 1, 500'000}, {"b", 1, 1, 0}}, p, 1);
  EXPECT_DOUBLE_EQ(s.fill_rate(0), 1.0);  // optimistic before any ack
  s.on_ack(0, 100'000, true);             // latency 500 + 0.5 * (100 - 500) = 300 µs
  EXPECT_DOUBLE_EQ(s.latency_us(0), 300.0);
  s.on_ack(0, 100'000, true);             // acks 1 -> 1 * 0.5 + 1 = 1.5, fills 0
  EXPECT_DOUBLE_EQ(s.fill_rate(0), 0.0);
  s.on_ack(1, 0, true);                   // acks 1, fills 0
  s.on_first_fill(1);                     // fills 1
  s.on_ack(1, 0, true);                   // acks 1.5, fills 0.5
  EXPECT_DOUBLE_EQ(s.fill_rate(1), 0.5 / 1.5);
  s.on_ack(1, 0, false);                  // a reject moves latency only
  EXPECT_DOUBLE_EQ(s.fill_rate(1), 0.5 / 1.5);
  const Order o = new_order(kParent, "100", "1");
  EXPECT_DOUBLE_EQ(s.score(1, o), -(0.5 / 1.5));
  EXPECT_EQ(s.rank(o).best, 1);
  EXPECT_EQ(s.rank(o).second, 0);
}

TEST(VenueScorer, InventorySkewPrefersTheVenueThatFlattens) {
  RouterParams p = fee_only();
  p.w_fee = 0.0;
  p.w_inventory = 1.0;
  VenueScorer s(two_venues(), p, 1);
  s.on_fill(0, 0, Side::kBuy, qty("2"));  // inventory a = 2, b = 0, mean 1
  EXPECT_EQ(s.inventory_raw(0, 0), qty("2").raw);
  const Order buy = new_order(kParent, "100", "1");
  // buy of 1: a skew = +(2 - 1) / 1 = 1, b skew = (0 - 1) / 1 = -1
  EXPECT_DOUBLE_EQ(s.score(0, buy), 1.0);
  EXPECT_DOUBLE_EQ(s.score(1, buy), -1.0);
  EXPECT_EQ(s.rank(buy).best, 1);
  const Order sell = new_order(kParent, "100", "1", TimeInForce::kGtc, Side::kSell);
  EXPECT_EQ(s.rank(sell).best, 0);
}

TEST(Router, LearnsFillRateFromReports) {
  RouterParams p = fee_only();
  p.w_fee = 0.0;
  p.w_fill = 1.0;
  Harness h(p, {{"a", 1, 1, 0}, {"b", 1, 1, 0}});
  h.send(new_order(kParent, "100", "1"));  // both fill rates 1 (prior): tie -> lower index a
  auto a = h.at_venue(0);
  ASSERT_EQ(a.size(), 1u);
  h.report(0, report_for(a[0], ExecStatus::kNew, "0", "0"));  // a: acks 1, fills 0 -> rate 0
  EXPECT_DOUBLE_EQ(h.router->scorer().fill_rate(0), 0.0);
  EXPECT_EQ(h.registry.counter_value("exec_reports_total", core::Labels{{{"venue", "a"}, {"status", "NEW"}}}), 1u);
  EXPECT_NE(h.registry.render().find("venue_fill_rate{venue=\"a\"} 0\n"), std::string::npos);
  h.send(new_order(kParent + 16, "100", "1"));  // a scores 0, b scores -1 -> b
  EXPECT_EQ(h.at_venue(1).size(), 1u);
}

// --- splitting ---------------------------------------------------------------------------------

RouterParams split_params() {
  RouterParams p = fee_only();
  p.split_notional_raw = 1000 * core::kScale;
  return p;
}

TEST(Router, SplitFollowsInverseScoreOnTheLotStep) {
  Harness h(split_params(), two_venues());
  // notional 1'000'000 * 0.007 = 7000 > 1000 -> split. Scores b = 1, a = 2; inverses 1 and 0.5,
  // so b gets 2/3 of 7 lots = 4.67 -> 5 lots (0.005), a the other 2 (0.002).
  h.send(new_order(kParent, "1000000", "0.007"));
  auto b = h.at_venue(1);
  auto a = h.at_venue(0);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(b[0].qty, qty("0.005"));
  EXPECT_EQ(a[0].qty, qty("0.002"));
  EXPECT_EQ(a[0].qty + b[0].qty, qty("0.007"));
  EXPECT_EQ(b[0].qty.raw % qty("0.001").raw, 0);
  EXPECT_EQ(a[0].qty.raw % qty("0.001").raw, 0);
  EXPECT_EQ(b[0].client_id, kParent | 1);
  EXPECT_EQ(a[0].client_id, kParent | 2);
  EXPECT_EQ(core::client_id_parent(a[0].client_id), kParent);
  EXPECT_EQ(h.orders_total("a") + h.orders_total("b"), 2u);

  // notional 100'000 * 0.005 = 500 <= 1000: not split, parent id kept.
  h.send(new_order(kParent + 16, "100000", "0.005"));
  auto one = h.at_venue(1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].client_id, kParent + 16);
  EXPECT_EQ(one[0].qty, qty("0.005"));
  EXPECT_TRUE(h.at_venue(0).empty());
}

TEST(Router, CancelOfSplitOrderReachesBothVenues) {
  Harness h(split_params(), two_venues());
  h.send(new_order(kParent, "1000000", "0.007"));
  h.at_venue(0);
  h.at_venue(1);
  h.send(cancel_of(kParent));
  auto a = h.at_venue(0);
  auto b = h.at_venue(1);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].action, OrderAction::kCancel);
  EXPECT_EQ(a[0].target_id, kParent | 2);
  EXPECT_EQ(b[0].action, OrderAction::kCancel);
  EXPECT_EQ(b[0].target_id, kParent | 1);
  EXPECT_TRUE(h.out().empty());
}

TEST(Router, ChildReportsAggregateIntoOneParentFinal) {
  Harness h(split_params(), two_venues());
  h.send(new_order(kParent, "1000000", "0.007"));
  const Order a = h.at_venue(0)[0];  // 0.002
  const Order b = h.at_venue(1)[0];  // 0.005

  h.report(1, report_for(b, ExecStatus::kNew, "0", "0"));
  auto out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kNew);
  EXPECT_EQ(out[0].client_id, kParent);
  h.report(0, report_for(a, ExecStatus::kNew, "0", "0"));
  EXPECT_TRUE(h.out().empty());  // the parent was acknowledged once already

  h.report(1, report_for(b, ExecStatus::kFilled, "0.005", "0.005", 123));
  out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kPartiallyFilled);  // a still works
  EXPECT_EQ(out[0].client_id, kParent);
  EXPECT_EQ(out[0].last_qty, qty("0.005"));
  EXPECT_EQ(out[0].cum_qty, qty("0.005"));
  EXPECT_EQ(out[0].fee_raw, 123);
  EXPECT_EQ(out[0].venue, 1);

  h.report(0, report_for(a, ExecStatus::kPartiallyFilled, "0.001", "0.001", 7));
  out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(out[0].cum_qty, qty("0.006"));  // 0.005 + 0.001

  h.report(0, report_for(a, ExecStatus::kFilled, "0.001", "0.002", 8));
  out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kFilled);
  EXPECT_EQ(out[0].cum_qty, qty("0.007"));  // 0.005 + 0.002
  EXPECT_EQ(out[0].last_qty, qty("0.001"));
  EXPECT_EQ(out[0].fee_raw, 8);
  EXPECT_EQ(out[0].venue, 0);
  EXPECT_EQ(h.router->live_orders(), 0u);

  // Every raw venue report was recorded (2 acks + 3 fills).
  EXPECT_EQ(h.record_execs.size_approx(), 5u);
}

TEST(Router, SplitEndingShortReportsTheFillThenTheFinal) {
  Harness h(split_params(), two_venues());
  h.send(new_order(kParent, "1000000", "0.007"));
  const Order a = h.at_venue(0)[0];
  const Order b = h.at_venue(1)[0];
  h.report(0, report_for(a, ExecStatus::kCanceled, "0", "0"));
  EXPECT_TRUE(h.out().empty());  // b still works: folded away
  h.report(1, report_for(b, ExecStatus::kFilled, "0.005", "0.005", 50));
  auto out = h.out();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(out[0].last_qty, qty("0.005"));
  EXPECT_EQ(out[0].fee_raw, 50);
  EXPECT_EQ(out[1].status, ExecStatus::kCanceled);
  EXPECT_EQ(out[1].cum_qty, qty("0.005"));
  EXPECT_EQ(out[1].last_qty, Qty{});
  EXPECT_EQ(out[1].fee_raw, 0);
  EXPECT_EQ(h.router->live_orders(), 0u);
}

// --- cancel / replace --------------------------------------------------------------------------

// --- venue eligibility (VENUE_MODE=binance: a spot symbol on the spot venue, a USD-M one on futures) ---

TEST(Router, EachSymbolGoesOnlyToItsEligibleVenues) {
  Harness h(split_params(), two_venues(), 64, 64, {"UM:BTCUSDT"});
  h.router->set_symbol_venues(0, 0b01);  // BTCUSDT: venue a only
  h.router->set_symbol_venues(1, 0b10);  // UM:BTCUSDT: venue b only
  EXPECT_EQ(h.router->symbol_venues(0), 0b01u);
  // GTC: b is cheaper (maker 1 < 2 bps), but symbol 0 may only use a; large enough to split, but one
  // eligible venue never splits.
  h.send(new_order(kParent, "1000000", "0.007"));
  auto a = h.at_venue(0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].client_id, kParent);
  EXPECT_EQ(a[0].qty, qty("0.007"));
  EXPECT_EQ(a[0].venue, 0);
  EXPECT_TRUE(h.at_venue(1).empty());
  // IOC: a is cheaper (taker 1 < 3 bps), but symbol 1 may only use b.
  Order um = new_order(kParent + 16, "100", "1", TimeInForce::kIoc);
  um.symbol = 1;
  h.send(um);
  auto b = h.at_venue(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].symbol, 1);
  EXPECT_EQ(b[0].venue, 1);
  EXPECT_TRUE(h.at_venue(0).empty());
  // Cancels follow the order to its venue.
  Order c = cancel_of(kParent + 16);
  c.client_id = kParent + 32;
  c.symbol = 1;
  h.send(c);
  EXPECT_EQ(h.at_venue(1).size(), 1u);
  EXPECT_TRUE(h.at_venue(0).empty());
  EXPECT_EQ(h.router->no_venue_rejects(), 0u);
}

TEST(Router, SymbolWithoutAVenueIsRejectedLocally) {
  Harness h(fee_only(), two_venues(), 64, 64, {"UM:BTCUSDT"});
  h.router->set_symbol_venues(1, 0b100);  // a venue that does not exist: dropped, none left
  EXPECT_EQ(h.router->symbol_venues(1), 0u);
  Order o = new_order(kParent, "100", "1");
  o.symbol = 1;
  h.send(o);
  EXPECT_TRUE(h.at_venue(0).empty());
  EXPECT_TRUE(h.at_venue(1).empty());
  auto out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kRejected);
  EXPECT_EQ(out[0].reject_reason, RejectReason::kVenueReject);
  EXPECT_EQ(out[0].venue, core::kRiskVenue);
  EXPECT_EQ(out[0].client_id, kParent);
  EXPECT_EQ(h.router->live_orders(), 0u);
  EXPECT_EQ(h.router->no_venue_rejects(), 1u);
  EXPECT_NE(h.registry.render().find("dmabot_router_no_venue_total 1\n"), std::string::npos);
  // Symbol 0 still uses both venues (untouched default): the cheaper b.
  h.send(new_order(kParent + 16, "100", "1"));
  EXPECT_EQ(h.at_venue(1).size(), 1u);
}

TEST(Router, ReplaceWhoseSymbolLostItsVenueCancelsTheOldAndRejectsTheNew) {
  Harness h(fee_only(), two_venues());
  h.send(new_order(kParent, "100", "1"));
  ASSERT_EQ(h.at_venue(1).size(), 1u);
  h.router->set_symbol_venues(0, 0);  // (a test hook: the engine sets masks before start)
  h.send(replace_of(kParent, kParent + 16, "101"));
  auto b = h.at_venue(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].action, OrderAction::kCancel);
  EXPECT_EQ(b[0].target_id, kParent);
  auto out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].client_id, kParent + 16);
  EXPECT_EQ(out[0].status, ExecStatus::kRejected);
  EXPECT_EQ(out[0].reject_reason, RejectReason::kVenueReject);
  EXPECT_EQ(h.router->no_venue_rejects(), 1u);
}

TEST(Router, CancelOfUnknownOrderIsAnsweredLocally) {
  Harness h(fee_only(), two_venues());
  h.send(cancel_of(kParent));
  auto out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kCancelRejected);
  EXPECT_EQ(out[0].reject_reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(out[0].client_id, kParent);
  EXPECT_EQ(out[0].venue, core::kRiskVenue);
  EXPECT_TRUE(h.at_venue(0).empty());
  EXPECT_TRUE(h.at_venue(1).empty());
}

// ON_START_OPEN_ORDERS=adopt: an adopted order is live on its venue: a cancel goes there, and the
// venue's report passes through.
TEST(Router, AdoptedOrderIsLiveOnItsVenue) {
  Harness h(fee_only(), two_venues());
  Order o;
  o.client_id = kParent;
  o.symbol = 0;
  o.price = px("100");
  o.qty = qty("1");
  o.venue = 1;
  ASSERT_TRUE(h.router->adopt(o));
  EXPECT_FALSE(h.router->adopt(o));  // already live
  o.venue = 7;
  EXPECT_FALSE(h.router->adopt(o));  // no such venue
  EXPECT_EQ(h.router->live_orders(), 1u);
  h.send(cancel_of(kParent));
  EXPECT_TRUE(h.out().empty());
  const auto sent = h.at_venue(1);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].action, core::OrderAction::kCancel);
  EXPECT_EQ(sent[0].target_id, kParent);
  ExecReport r;
  r.client_id = kParent;
  r.venue = 1;
  r.status = ExecStatus::kCanceled;
  h.report(1, r);
  const auto out = h.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status, ExecStatus::kCanceled);
  EXPECT_EQ(h.router->live_orders(), 0u);
}

TEST(Router, ReplaceOfUnsplitOrderIsAVenueReplace) {
  Harness h(fee_only(), two_venues());
  h.send(new_order(kParent, "100", "1"));
  const Order old = h.at_venue(1)[0];
  h.send(replace_of(kParent, kParent + 16, "101"));
  auto b = h.at_venue(1);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].action, OrderAction::kReplace);
  EXPECT_EQ(b[0].target_id, kParent);
  EXPECT_EQ(b[0].client_id, kParent + 16);
  h.report(1, report_for(old, ExecStatus::kCanceled, "0", "0"));
  h.report(1, report_for(b[0], ExecStatus::kNew, "0", "0"));
  auto out = h.out();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].client_id, kParent);
  EXPECT_EQ(out[0].status, ExecStatus::kCanceled);
  EXPECT_EQ(out[1].client_id, kParent + 16);
  EXPECT_EQ(out[1].status, ExecStatus::kNew);
  EXPECT_EQ(h.router->live_orders(), 1u);
}

TEST(Router, ReplaceOfSplitOrderCancelsChildrenAndRoutesAgain) {
  Harness h(split_params(), two_venues());
  h.send(new_order(kParent, "1000000", "0.007"));
  h.at_venue(0);
  h.at_venue(1);
  h.send(replace_of(kParent, kParent + 16, "100"));  // notional 100: not split, goes to b
  auto a = h.at_venue(0);
  auto b = h.at_venue(1);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].action, OrderAction::kCancel);
  EXPECT_EQ(a[0].target_id, kParent | 2);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].action, OrderAction::kCancel);
  EXPECT_EQ(b[0].target_id, kParent | 1);
  EXPECT_EQ(b[1].action, OrderAction::kNew);
  EXPECT_EQ(b[1].client_id, kParent + 16);
}

// --- flow control ------------------------------------------------------------------------------

TEST(Router, FullVenueRingBackpressuresWithoutLoss) {
  Harness h(fee_only(), two_venues(), /*venue_cap=*/2);
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(h.orders_in.try_push(new_order(i << 4, "100", "1")));
  h.idle();
  EXPECT_EQ(h.to_venue[1]->size_approx(), 2u);  // ring full
  EXPECT_EQ(h.orders_in.size_approx(), 3u);     // the rest wait, not dropped
  std::vector<uint64_t> seen;
  for (int round = 0; round < 5; ++round) {
    for (const Order& o : h.at_venue(1)) seen.push_back(o.client_id);
    h.idle();
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{16, 32, 48, 64, 80}));
  EXPECT_EQ(h.orders_in.size_approx(), 0u);
}

TEST(Router, FullExecOutBackpressuresVenueReports) {
  Harness h(fee_only(), two_venues(), 64, /*exec_cap=*/2);
  std::vector<Order> sent;
  for (uint64_t i = 1; i <= 3; ++i) h.send(new_order(i << 4, "100", "1"));
  sent = h.at_venue(1);
  ASSERT_EQ(sent.size(), 3u);
  for (const Order& o : sent) ASSERT_TRUE(h.from_venue[1]->try_push(report_for(o, ExecStatus::kNew, "0", "0")));
  h.idle();
  // A report is taken only with two free slots, so one gets through and two wait in the venue ring.
  EXPECT_EQ(h.exec_out.size_approx(), 1u);
  EXPECT_EQ(h.from_venue[1]->size_approx(), 2u);
  std::vector<uint64_t> ids;
  for (int round = 0; round < 4; ++round) {
    for (const ExecReport& r : h.out()) ids.push_back(r.client_id);
    h.idle();
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{16, 32, 48}));
}

// Value of one series in Prometheus text; -1 when absent.
double sample(const std::string& text, const std::string& series) {
  const std::size_t at = text.find(series + " ");
  if (at == std::string::npos) return -1.0;
  return std::strtod(text.c_str() + at + series.size() + 1, nullptr);
}

// --- with the mock venues ----------------------------------------------------------------------

TEST(Router, SplitOrderThroughMockVenuesEndsInOneFilledReport) {
  core::SymbolTable symbols;
  core::InstrumentInfo btc;
  btc.name = "BTCUSDT";
  btc.step = qty("0.001");
  btc.min_qty = qty("0.001");
  symbols.add(btc);
  core::Clock clock = core::Clock::simulated(0);
  core::Registry registry;
  core::SpscRing<Order> orders_in(64), to_a(64), to_b(64);
  core::SpscRing<ExecReport> from_a(64), from_b(64), exec_out(64);
  MockGatewayParams pa;
  pa.ack_latency_ns = 1000;
  pa.fill_latency_ns = 4000;
  pa.fill_prob = 1.0;
  pa.partial_prob = 0.0;
  pa.maker_fee_bps = 2.0;
  MockGatewayParams pb = pa;
  pb.ack_latency_ns = 3000;
  pb.maker_fee_bps = 1.0;
  MockGateway ga("a", 0, pa, clock, &to_a, &from_a);
  MockGateway gb("b", 1, pb, clock, &to_b, &from_b);
  RouterRings rings;
  rings.orders_in = &orders_in;
  rings.to_venue = {&to_a, &to_b};
  rings.from_venue = {&from_a, &from_b};
  rings.exec_out = &exec_out;
  RouterStage router(split_params(), {mock_venue_info("a", pa), mock_venue_info("b", pb)}, symbols, clock, rings,
                     &registry);
  const std::vector<core::Stage*> stages = {&router, &ga, &gb};

  ASSERT_TRUE(orders_in.try_push(new_order(kParent, "1000000", "0.007")));
  core::Runner::run_fused(stages);  // routed at t=0: 0.005 to b, 0.002 to a
  // a acks at 1000 and fills at 5000; b acks at 3000 and fills at 7000.
  for (int64_t t : {1000, 3000, 5000, 7000}) {
    clock.advance_to(t);
    core::Runner::run_fused(stages);
  }
  std::vector<ExecReport> out;
  ExecReport r;
  while (exec_out.try_pop(r)) out.push_back(r);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].status, ExecStatus::kNew);
  EXPECT_EQ(out[1].status, ExecStatus::kPartiallyFilled);
  EXPECT_EQ(out[1].cum_qty, qty("0.002"));
  // a's fee: 1'000'000 * 0.002 = 2000 notional; 2 bps = 0.4
  EXPECT_EQ(out[1].fee_raw, 40'000'000);
  EXPECT_EQ(out[2].status, ExecStatus::kFilled);
  EXPECT_EQ(out[2].cum_qty, qty("0.007"));
  // b's fee: 1'000'000 * 0.005 = 5000 notional; 1 bps = 0.5
  EXPECT_EQ(out[2].fee_raw, 50'000'000);
  for (const ExecReport& e : out) EXPECT_EQ(e.client_id, kParent);
  EXPECT_EQ(router.live_orders(), 0u);
  EXPECT_EQ(registry.counter_value("exec_reports_total", core::Labels{{{"venue", "b"}, {"status", "FILLED"}}}), 1u);
  // order_to_ack_seconds: the router saw a's ack at 1000 ns and b's at 3000 ns after sending at 0.
  const std::string text = registry.render();
  EXPECT_NEAR(sample(text, "order_to_ack_seconds_sum{venue=\"a\"}"), 1e-6, 1e-12);
  EXPECT_NEAR(sample(text, "order_to_ack_seconds_sum{venue=\"b\"}"), 3e-6, 1e-12);
  EXPECT_EQ(sample(text, "order_to_ack_seconds_count{venue=\"a\"}"), 1.0);
}

// --- configuration -----------------------------------------------------------------------------

absl::StatusOr<RouterParams> params_from(const std::string& text) {
  auto cfg = core::Config::parse(text, "test.env", {}, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return RouterParams::from_config(*cfg);
}

TEST(RouterConfig, ReadsKeysAndNamesBadOnes) {
  auto p = params_from("ROUTER_W_FEE=2\nROUTER_SPLIT_NOTIONAL=1000.5\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_DOUBLE_EQ(p->w_fee, 2.0);
  EXPECT_EQ(p->split_notional_raw, 100'050'000'000);  // 1000.5 * 1e8
  auto bad = params_from("ROUTER_W_LATENCY=fast\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("ROUTER_W_LATENCY='fast' (test.env:1)"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::gateway
