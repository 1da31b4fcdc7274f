// BinanceSpotGateway / BinanceFuturesGateway against binance-sim in process: the venue contract
// (place, ack, cancel, fills, post-only, local filter rejects) and Binance's failure rules (unknown
// outcome → query, never resend; -1021 → resync + one retry; 429 → Retry-After). Duplicates are
// checked in the sim's ledger by client id.
#include <gtest/gtest.h>

#include "tests/gateway/binance_gateway/gateway_rig.h"
#include "tools/binance_sim/exchange_faults.h"

namespace dmabot::binance_gateway {
namespace {

using core::ExecStatus;
using testing::Rig;
using testing::RigOptions;

core::Price ticks(const binance::InstrumentSpec& s, int64_t n) {
  return core::Price::from_raw(s.price.tick_size.raw * n);
}

// A buy far enough below the bid to rest, inside the percent-price band.
core::Price resting_bid(const Rig& rig, core::Price bid) { return bid - ticks(rig.spec(), 200); }

void place_ack_cancel(RigOptions o, core::Qty qty) {
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); })) << rig.reports.size();
  const core::ExecReport* ack = rig.last(o1.client_id);
  EXPECT_EQ(ack->venue, 1);
  EXPECT_EQ(ack->strategy, 3);
  EXPECT_EQ(ack->cum_qty.raw, 0);
  EXPECT_EQ(rig.core().live_orders(), 1u);
  rig.send(rig.cancel_of(2, o1.client_id));
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kCanceled); }));
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kNew), 1);  // user data's NEW did not ack twice
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kCanceled), 1);
  EXPECT_EQ(rig.core().live_orders(), 0u);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
  EXPECT_EQ(rig.stats().local(LocalReject::kNotional), 0u);
}

TEST(BinanceGatewaySim, SpotWsApiPlaceAckCancel) {
  RigOptions o;
  place_ack_cancel(o, core::Qty::from_raw(100'000));  // 0.001 BTC
}

// Ed25519 account: the WS session is logged on, orders go unsigned; REST (queries, fallback) signs
// with Ed25519.
TEST(BinanceGatewaySim, SpotWsApiEd25519SessionPlaceAckCancel) {
  RigOptions o;
  o.ed25519 = true;
  place_ack_cancel(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, SpotRestEd25519PlaceAckCancel) {
  RigOptions o;
  o.ed25519 = true;
  o.ws = false;
  place_ack_cancel(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, SpotRestFallbackPlaceAckCancel) {
  RigOptions o;
  o.ws = false;
  place_ack_cancel(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesRestPlaceAckCancel) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  o.ws = false;
  place_ack_cancel(o, core::Qty::from_raw(1'000'000));  // 0.01 BTC: above MIN_NOTIONAL 100
}

TEST(BinanceGatewaySim, SpotWsOrdersGoOverTheWsApi) {
  Rig rig(RigOptions{});
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  EXPECT_EQ(rig.stats().sent_ws.load(), 1u);
  EXPECT_EQ(rig.stats().sent_rest.load(), 0u);
}

void post_only_cross(RigOptions o, core::Qty qty) {
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, ask + ticks(rig.spec(), 5), qty, core::TimeInForce::kPostOnly);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  EXPECT_EQ(rig.last(o1.client_id)->status, ExecStatus::kExpired);
  EXPECT_EQ(rig.last(o1.client_id)->reject_reason, core::RejectReason::kVenueReject);
  EXPECT_EQ(rig.stats().orders_sent.load(), 1u);  // it went out: only the venue knows the book
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 0);
  EXPECT_EQ(rig.core().live_orders(), 0u);
}

TEST(BinanceGatewaySim, SpotPostOnlyThatWouldCrossExpires) {
  post_only_cross(RigOptions{}, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesGtxThatWouldCrossExpires) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  post_only_cross(o, core::Qty::from_raw(1'000'000));
}

// An IOC through the ask fills at once: the spot FULL response carries the fill and user data
// brings the same trade again; one fill report per trade.
TEST(BinanceGatewaySim, SpotCrossingFillReportedOnceAcrossResponseAndUserData) {
  Rig rig(RigOptions{});
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, ask + ticks(rig.spec(), 20), core::Qty::from_raw(100'000),
                                   core::TimeInForce::kIoc);
  rig.send(o1);
  auto done = [&] {
    const core::ExecReport* r = rig.last(o1.client_id);
    return r != nullptr && core::is_final(r->status);
  };
  ASSERT_TRUE(rig.poll_until(done));
  // Wait until both sources have delivered: the answer and user data's NEW + TRADE.
  ASSERT_TRUE(rig.poll_until([&] {
    return rig.core().requests_in_flight() == 0 && rig.stats().user_events.load() >= 2 + rig.stats().fills.load();
  })) << "fills "
      << rig.stats().fills.load() << " events " << rig.stats().user_events.load();
  // The second sight of the trade was dropped: as a duplicate trade id, or as an answer for an order
  // already final.
  EXPECT_GE(rig.stats().duplicate_fills.load() + rig.stats().stale_answers.load(), 1u);
  core::Qty sum;
  int fills = 0;
  for (const auto& r : rig.reports) {
    if (r.client_id != o1.client_id || r.last_qty.raw == 0) continue;
    ++fills;
    sum += r.last_qty;
    EXPECT_FALSE(r.maker);
    EXPECT_GT(r.fee_raw, 0);  // spot buy: commission in BTC, converted to USDT
    EXPECT_EQ(r.cum_qty, sum);
  }
  EXPECT_GE(fills, 1);
  EXPECT_EQ(static_cast<uint64_t>(fills), rig.stats().fills.load());
  EXPECT_EQ(rig.last(o1.client_id)->cum_qty, sum);
  EXPECT_EQ(rig.ledger_count("fill", o1.client_id), fills);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
}

// Position events (issue 11): each outboundAccountPosition becomes a core::PositionEvent for BTCUSDT (the
// BTC balance less the neutral 1 BTC) that says how many fill reports came before it; the last one,
// after the IOC's fills (from the FULL response and from user data), holds exactly them less the BTC
// commissions the events listed, and nothing is left unconfirmed.
TEST(BinanceGatewaySim, SpotAccountEventsHoldTheFillsBeforeThem) {
  core::SpscRing<core::PositionEvent> positions(64);
  RigOptions o;
  o.tweak = [&](GatewayOptions& g) {
    g.positions_out = &positions;
    g.spot_neutral = {{"BTC", core::kScale}};
  };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, ask + ticks(rig.spec(), 20), core::Qty::from_raw(100'000),
                                   core::TimeInForce::kIoc);
  rig.send(o1);
  std::vector<core::PositionEvent> events;
  auto take = [&] {
    for (core::PositionEvent e; positions.try_pop(e);) events.push_back(e);
  };
  ASSERT_TRUE(rig.poll_until([&] {
    take();
    const core::ExecReport* r = rig.last(o1.client_id);
    return r != nullptr && core::is_final(r->status) && !events.empty() &&
           events.back().fills_before == rig.stats().fills.load();
  })) << events.size()
      << " events, " << rig.stats().fills.load() << " fills";
  int64_t filled = 0;
  for (const auto& r : rig.reports) filled += r.client_id == o1.client_id ? r.last_qty.raw : 0;
  ASSERT_GT(filled, 0);
  int64_t fees = 0;
  for (const core::PositionEvent& e : events) {
    EXPECT_EQ(e.symbol, 0);
    EXPECT_EQ(e.venue, 1);
    EXPECT_EQ(std::string_view(e.reason, 7), "BALANCE");
    fees += e.fees_raw;
  }
  EXPECT_GT(fees, 0) << "a spot buy pays its commission in BTC";
  const core::PositionEvent& last = events.back();
  EXPECT_EQ(last.unconfirmed_raw, 0) << "user data has shown every trade";
  EXPECT_EQ(last.qty_raw + last.unconfirmed_raw, filled - fees);
  EXPECT_EQ(rig.stats().position_events.load(), events.size());
}

// Futures without a user stream: the RESULT response has the executed quantity but no trade ids;
// the fills come from userTrades after the grace period.
TEST(BinanceGatewaySim, FuturesCrossingFillFromUserTrades) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  o.ws = false;  // no user stream: userTrades is the only source of trade ids
  o.tweak = [](GatewayOptions& g) { g.fill_grace_ms = 100; };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, ask + ticks(rig.spec(), 20), core::Qty::from_raw(1'000'000),
                                   core::TimeInForce::kIoc);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] {
    const core::ExecReport* r = rig.last(o1.client_id);
    return r != nullptr && core::is_final(r->status);
  }));
  int fills = 0;
  for (const auto& r : rig.reports) fills += r.client_id == o1.client_id && r.last_qty.raw != 0;
  EXPECT_GE(fills, 1);
  EXPECT_GE(rig.stats().trade_queries_sent.load(), 1u);
  EXPECT_EQ(rig.ledger_count("fill", o1.client_id), fills);
  EXPECT_GT(rig.last(o1.client_id)->cum_qty.raw, 0);
}

TEST(BinanceGatewaySim, FilterFailureRejectedLocallyAndNeverSent) {
  Rig rig(RigOptions{});
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(1'000));  // 0.00001
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  EXPECT_EQ(rig.last(o1.client_id)->status, ExecStatus::kRejected);
  EXPECT_EQ(rig.last(o1.client_id)->reject_reason, core::RejectReason::kVenueReject);
  EXPECT_EQ(rig.stats().local(LocalReject::kNotional), 1u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 0u);
  EXPECT_EQ(rig.ledger_count("order_rejected", o1.client_id), 0);
}

TEST(BinanceGatewaySim, DryRunChecksButNeverSends) {
  RigOptions o;
  o.tweak = [](GatewayOptions& g) { g.dry_run = true; };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  const core::Order bad = rig.order(2, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(1'000));
  rig.send(o1);
  rig.send(bad);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr && rig.last(bad.client_id) != nullptr; }));
  EXPECT_EQ(rig.stats().local(LocalReject::kDryRun), 1u);
  EXPECT_EQ(rig.stats().local(LocalReject::kNotional), 1u);  // the checks still run
  EXPECT_EQ(rig.stats().orders_sent.load(), 0u);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 0);
}

// Every order request takes effect, then answers 503: unknown outcome. The gateway queries by client
// id and learns the order exists — one order in the sim's ledger, never a resend.
void five_xx_applied(RigOptions o, core::Qty qty) {
  o.faults = {"--fault", "http-5xx-applied-rate=1"};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  // User data may have acknowledged it before the 503 came: wait for the answer and its query too.
  ASSERT_TRUE(
      rig.poll_until([&] { return rig.stats().unknown_outcomes.load() >= 1 && rig.core().requests_in_flight() == 0; }));
  EXPECT_GE(rig.stats().unknown_outcomes.load(), 1u);
  EXPECT_GE(rig.stats().queries_sent.load(), 1u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 1u);
  rig.send(rig.cancel_of(2, o1.client_id));
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kCanceled); }));
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kNew), 1);
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kCanceled), 1);
}

TEST(BinanceGatewaySim, SpotRest5xxWithEffectQueriedNotResent) {
  RigOptions o;
  o.ws = false;
  five_xx_applied(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, SpotWs5xxWithEffectQueriedNotResent) {
  five_xx_applied(RigOptions{}, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, Futures5xxWithEffectQueriedNotResent) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  five_xx_applied(o, core::Qty::from_raw(1'000'000));
}

// 503 before the effect: the query says "does not exist", which is conclusive only after the
// request's timestamp + recvWindow (+ margin); then the order is rejected, never resent.
TEST(BinanceGatewaySim, FiveXxWithoutEffectConclusiveAfterRecvWindow) {
  RigOptions o;
  o.ws = false;
  o.faults = {"--fault", "http-5xx-rate=1"};
  o.tweak = [](GatewayOptions& g) {
    g.recv_window_ms = 1000;
    g.conclusive_margin_ms = 500;
  };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  const auto t0 = std::chrono::steady_clock::now();
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1400));
  EXPECT_EQ(rig.last(o1.client_id)->status, ExecStatus::kRejected);
  EXPECT_GE(rig.stats().queries_sent.load(), 2u);  // once at once, once after the window
  EXPECT_EQ(rig.stats().orders_sent.load(), 1u);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 0);
}

// The answer is late (latency 600 ms, order timeout 250 ms): outcome unknown; the query (longer
// timeout) finds the order.
TEST(BinanceGatewaySim, TimeoutIsUnknownThenQueried) {
  RigOptions o;
  o.ws = false;
  o.faults = {"--fault", "latency-ms=600"};
  o.tweak = [](GatewayOptions& g) {
    g.order_timeout_ms = 250;
    g.query_timeout_ms = 5000;
  };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }, std::chrono::seconds(15)));
  EXPECT_GE(rig.stats().unknown_outcomes.load(), 1u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 1u);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
}

// The sim's clock runs 8 s ahead and ours is not synced: -1021, a time sample, one retry with the
// same client id.
void clock_skew(RigOptions o, core::Qty qty) {
  o.faults = {"--fault", "clock-skew-ms=8000"};
  o.sync_clock = false;
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  EXPECT_EQ(rig.last(o1.client_id)->status, ExecStatus::kNew);
  EXPECT_EQ(rig.stats().clock_resyncs.load(), 1u);
  EXPECT_EQ(rig.stats().retries.load(), 1u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 2u);
  EXPECT_GT(rig.clock_offset().offset_ns(), 7'000'000'000);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
}

TEST(BinanceGatewaySim, SpotRestClockSkewResyncAndOneRetry) {
  RigOptions o;
  o.ws = false;
  clock_skew(o, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesClockSkewResyncAndOneRetry) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  clock_skew(o, core::Qty::from_raw(1'000'000));
}

// Weight limit tightened and advertised in exchangeInfo; the governor, fed the limits and every
// answer's x-mbx-used-weight-1m, stops new orders locally before the venue ever answers 429.
TEST(BinanceGatewaySim, RateGovernorStopsBeforeThe429) {
  RigOptions o;
  o.ws = false;
  o.faults = {"--fault", "weight-limit=60"};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  uint64_t n = 0;
  while (rig.stats().local(LocalReject::kRateLimited) == 0 && n < 100) {
    const core::Order o1 = rig.order(++n, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
    rig.send(o1);
    ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  }
  EXPECT_EQ(rig.stats().local(LocalReject::kRateLimited), 1u);
  EXPECT_EQ(rig.stats().rate_limited.load(), 0u);  // no 429 / 418 seen
  EXPECT_GE(rig.stats().orders_sent.load(), 1u);
}

// Weight limit tightened; the gateway is not told the limits, so the venue's 429 is what stops it.
// After it: new orders are rejected locally (nothing sent) and a cancel waits for Retry-After.
TEST(BinanceGatewaySim, RateLimit429RespectsRetryAfter) {
  RigOptions o;
  o.ws = false;
  o.rate_limits = false;
  o.faults = {"--fault", "weight-limit=60"};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  uint64_t first_live = 0;
  uint64_t n = 0;
  while (rig.stats().rate_limited.load() == 0 && n < 200) {
    const core::Order o1 = rig.order(++n, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
    rig.send(o1);
    ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
    if (first_live == 0 && rig.last(o1.client_id)->status == ExecStatus::kNew) first_live = o1.client_id;
  }
  ASSERT_GT(rig.stats().rate_limited.load(), 0u);
  ASSERT_NE(first_live, 0u);
  const uint64_t sent = rig.stats().orders_sent.load() + rig.stats().cancels_sent.load();
  const core::Order late = rig.order(++n, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  rig.send(late);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(late.client_id) != nullptr; }));
  EXPECT_EQ(rig.last(late.client_id)->status, ExecStatus::kRejected);
  EXPECT_GE(rig.stats().local(LocalReject::kRateLimited), 1u);
  const int64_t until = rig.core().rate_blocked_until_ms();
  ASSERT_GT(until, rig.clock_offset().now_server_ms());
  rig.send(rig.cancel_of(++n, first_live));
  // Until Retry-After has passed, the cancel waits (up to 1 s of it is watched).
  const int64_t watch_ms = std::clamp<int64_t>(until - 50 - rig.clock_offset().now_server_ms(), 0, 1000);
  rig.poll_until([] { return false; }, std::chrono::milliseconds(watch_ms));
  if (rig.clock_offset().now_server_ms() < until) {
    EXPECT_EQ(rig.stats().orders_sent.load() + rig.stats().cancels_sent.load(), sent);  // nothing went out
    EXPECT_GE(rig.core().deferred_count(), 1u);
    EXPECT_FALSE(rig.has(first_live, ExecStatus::kCanceled));
  }
  // Then it goes (when Retry-After is short enough to wait for here: it runs to the minute's end).
  if (until - rig.clock_offset().now_server_ms() < 6000) {
    ASSERT_TRUE(rig.poll_until([&] { return rig.has(first_live, ExecStatus::kCanceled); }, std::chrono::seconds(9)));
    EXPECT_GE(rig.clock_offset().now_server_ms(), until);
  }
}

TEST(BinanceGatewaySim, FuturesWithListenKeyStreamPlaceAckCancel) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  place_ack_cancel(o, core::Qty::from_raw(1'000'000));
}

// Futures with the listenKey stream: ORDER_TRADE_UPDATE brings the trade ids; one fill report per
// trade.
TEST(BinanceGatewaySim, FuturesCrossingFillFromUserDataOnce) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, ask + ticks(rig.spec(), 20), core::Qty::from_raw(1'000'000),
                                   core::TimeInForce::kIoc);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] {
    const core::ExecReport* r = rig.last(o1.client_id);
    return r != nullptr && core::is_final(r->status);
  }));
  // The rest of user data (TRADE_LITE, ORDER_TRADE_UPDATE, ACCOUNT_UPDATE) arrives too.
  ASSERT_TRUE(rig.poll_until([&] { return rig.stats().user_events.load() >= 3; }));
  int fills = 0;
  for (const auto& r : rig.reports) {
    if (r.client_id != o1.client_id || r.last_qty.raw == 0) continue;
    ++fills;
    EXPECT_GT(r.fee_raw, 0);  // USDT commission
  }
  EXPECT_GE(fills, 1);
  EXPECT_EQ(rig.ledger_count("fill", o1.client_id), fills);
  EXPECT_EQ(rig.stats().trade_queries_sent.load(), 0u);  // user data was in time
}

// The user-data connection drops every second: after each kSessionReady that follows a drop, the
// gateway queries its working orders. Orders that fill meanwhile are still reported, once (the
// ledger's fills equal the reported ones).
void reconnect_no_lost_fill(RigOptions o, core::Qty qty, std::string fault = "drop-ws-every-s=1") {
  o.faults = {"--fault", fault};
  o.tweak = [](GatewayOptions& g) { g.fill_grace_ms = 200; };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  std::vector<uint64_t> ids;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t n = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(3500)) {
    const core::Order x = rig.order(++n, core::Side::kBuy, ask + ticks(rig.spec(), 20), qty, core::TimeInForce::kIoc);
    ids.push_back(x.client_id);
    rig.send(x);
    ASSERT_TRUE(rig.poll_until([&] {
      const core::ExecReport* r = rig.last(x.client_id);
      return r != nullptr && core::is_final(r->status);
    }));
    rig.poll_until([] { return false; }, std::chrono::milliseconds(100));  // spread orders over the drops
    ASSERT_EQ(rig.touch(bid, ask), "");
  }
  EXPECT_GE(rig.stats().resyncs_after_reconnect.load(), 1u)
      << (rig.listen_key_stream() ? rig.listen_key_stream()->stats().expired_events.load() : 0) << " expired, "
      << (rig.listen_key_stream() ? rig.listen_key_stream()->stats().reconnects.load() : 0) << " reconnects";
  for (uint64_t id : ids) {
    int fills = 0;
    for (const auto& r : rig.reports) fills += r.client_id == id && r.last_qty.raw != 0;
    EXPECT_EQ(fills, rig.ledger_count("fill", id)) << id;
    EXPECT_EQ(rig.ledger_count("order_accepted", id), 1) << id;
  }
}

TEST(BinanceGatewaySim, SpotWsReconnectLosesNoFill) {
  reconnect_no_lost_fill(RigOptions{}, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesListenKeyReconnectLosesNoFill) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  reconnect_no_lost_fill(o, core::Qty::from_raw(1'000'000));
}

// Replace a resting order: the old one ends kCanceled, the new one is acknowledged; each exists once
// in the ledger. Spot with the WS session: one order.cancelReplace; REST / futures: cancel, then new.
void replace_resting(RigOptions o, core::Qty qty, bool expect_ws) {
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  const uint64_t ws_before = rig.stats().sent_ws.load();
  const core::Order r =
      rig.replace_of(2, o1.client_id, core::Side::kBuy, resting_bid(rig, bid) - ticks(rig.spec(), 3), qty);
  rig.send(r);
  ASSERT_TRUE(rig.poll_until(
      [&] { return rig.has(o1.client_id, ExecStatus::kCanceled) && rig.has(r.client_id, ExecStatus::kNew); }));
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kCanceled), 1);
  EXPECT_EQ(rig.count(r.client_id, ExecStatus::kNew), 1);
  EXPECT_EQ(rig.last(r.client_id)->last_px, r.price);
  EXPECT_EQ(rig.ledger_count("order_accepted", r.client_id), 1);
  EXPECT_EQ(rig.ledger_count("order_accepted", o1.client_id), 1);
  if (expect_ws) {
    EXPECT_EQ(rig.stats().sent_ws.load() - ws_before, 1u);  // one order.cancelReplace
  }
  EXPECT_EQ(rig.core().live_orders(), 1u);
}

TEST(BinanceGatewaySim, SpotWsReplaceIsOneCancelReplace) {
  replace_resting(RigOptions{}, core::Qty::from_raw(100'000), true);
}

// A WS order.cancelReplace refused as a whole (-1021: our clock is made 8 s fast once the order
// rests): the old order stands (kCancelRejected), the new one is rejected at once and never reaches
// the venue, the clock is measured again — a conclusive answer, so no unknown outcome and no queries
// (which would wait out the new order's recvWindow, 8 s late by our clock).
TEST(BinanceGatewaySim, SpotWsCancelReplaceRefusedAsAWholeIsConclusive) {
  Rig rig(RigOptions{});
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Qty qty = core::Qty::from_raw(100'000);
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  binance_io::ClockOffset& clock = rig.clock_offset();
  const int64_t now = core::wall_clock_ns();
  clock.begin_round();
  clock.add_sample(now, now, now / 1'000'000 + 8000);
  ASSERT_TRUE(clock.commit(now));
  const uint64_t unknown_before = rig.stats().unknown_outcomes.load();
  const uint64_t queries_before = rig.stats().queries_sent.load();
  const core::Order r =
      rig.replace_of(2, o1.client_id, core::Side::kBuy, resting_bid(rig, bid) - ticks(rig.spec(), 3), qty);
  rig.send(r);
  ASSERT_TRUE(rig.poll_until(
      [&] { return rig.has(o1.client_id, ExecStatus::kCancelRejected) && rig.has(r.client_id, ExecStatus::kRejected); },
      std::chrono::seconds(3)));
  EXPECT_EQ(rig.stats().unknown_outcomes.load(), unknown_before);
  EXPECT_EQ(rig.stats().queries_sent.load(), queries_before);
  EXPECT_EQ(rig.stats().clock_resyncs.load(), 1u);
  EXPECT_EQ(rig.ledger_count("order_accepted", r.client_id), 0);
  EXPECT_FALSE(rig.has(o1.client_id, ExecStatus::kCanceled));
  EXPECT_EQ(rig.core().live_orders(), 1u);  // the old order still rests
}

// A WS order.cancelReplace answered 503 without effect (unknown outcome): both halves are queried;
// the old order is still open, so it is reported kCancelRejected — else the engine's risk keeps it
// cancel-pending and its cancel-all (shutdown) skips it, leaving it on the exchange — and the new one
// ends kRejected once "does not exist" is conclusive. The seed is one whose first order draw is no
// fault and second a 5xx (the sim's faults are one seeded draw per order request).
TEST(BinanceGatewaySim, SpotWsCancelReplaceWithUnknownOutcomeReportsTheOldOrderStillOpen) {
  uint64_t seed = 0;
  for (uint64_t s = 1; s < 1000 && seed == 0; ++s) {
    binance_sim::ExchangeFaults f;
    f.http_5xx_rate = 0.5;
    f.seed = s;
    binance_sim::FaultInjector fi(f);
    if (fi.decide_order(true) == binance_sim::OrderFault::kNone &&
        fi.decide_order(true) == binance_sim::OrderFault::kHttp5xxBefore)
      seed = s;
  }
  ASSERT_NE(seed, 0u);
  RigOptions o;
  o.faults = {"--fault", "http-5xx-rate=0.5", "--seed", std::to_string(seed)};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Qty qty = core::Qty::from_raw(100'000);
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  ASSERT_EQ(rig.stats().unknown_outcomes.load(), 0u);
  const core::Order r =
      rig.replace_of(2, o1.client_id, core::Side::kBuy, resting_bid(rig, bid) - ticks(rig.spec(), 3), qty);
  rig.send(r);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kCancelRejected); }));
  EXPECT_EQ(rig.stats().unknown_outcomes.load(), 1u);
  EXPECT_FALSE(rig.has(o1.client_id, ExecStatus::kCanceled));
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(r.client_id, ExecStatus::kRejected); }, std::chrono::seconds(15)));
  EXPECT_EQ(rig.ledger_count("order_accepted", r.client_id), 0);
  EXPECT_EQ(rig.core().live_orders(), 1u);  // the old order, still resting and tracked
}

// A cancel answered 503 without effect (unknown outcome): the order is queried, found still open, and
// the cancel goes again — else risk keeps it cancel-pending forever and a shutdown's cancel-all skips
// it (found by the fault matrix: a WebSocket drop under a cancel left the order on the exchange).
// Seeded so that the order draws no fault, the first cancel a 5xx and the second none.
TEST(BinanceGatewaySim, SpotWsCancelWithUnknownOutcomeIsSentAgainWhenTheOrderIsStillOpen) {
  uint64_t seed = 0;
  for (uint64_t s = 1; s < 1000 && seed == 0; ++s) {
    binance_sim::ExchangeFaults f;
    f.http_5xx_rate = 0.5;
    f.seed = s;
    binance_sim::FaultInjector fi(f);
    if (fi.decide_order(true) == binance_sim::OrderFault::kNone &&
        fi.decide_order(false) == binance_sim::OrderFault::kHttp5xxBefore &&
        fi.decide_order(false) == binance_sim::OrderFault::kNone)
      seed = s;
  }
  ASSERT_NE(seed, 0u);
  RigOptions o;
  o.faults = {"--fault", "http-5xx-rate=0.5", "--seed", std::to_string(seed)};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  ASSERT_EQ(rig.stats().unknown_outcomes.load(), 0u);
  rig.send(rig.cancel_of(2, o1.client_id));
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kCanceled); }, std::chrono::seconds(5)));
  EXPECT_EQ(rig.stats().unknown_outcomes.load(), 1u);
  EXPECT_EQ(rig.stats().cancels_sent.load(), 2u);
  EXPECT_FALSE(rig.has(o1.client_id, ExecStatus::kCancelRejected));
  EXPECT_EQ(rig.core().live_orders(), 0u);
}

TEST(BinanceGatewaySim, SpotRestReplaceIsCancelThenNew) {
  RigOptions o;
  o.ws = false;
  replace_resting(o, core::Qty::from_raw(100'000), false);
}

TEST(BinanceGatewaySim, FuturesReplaceIsCancelThenNew) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  replace_resting(o, core::Qty::from_raw(1'000'000), false);
}

// Replacing an order that is gone: STOP_ON_FAILURE — kCancelRejected (old) + kRejected (new), and the
// new order never reaches the venue.
void replace_gone(RigOptions o, core::Qty qty) {
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kNew); }));
  rig.send(rig.cancel_of(2, o1.client_id));
  const core::Order r = rig.replace_of(3, o1.client_id, core::Side::kBuy, resting_bid(rig, bid), qty);
  rig.send(r);  // races the cancel: the venue sees the cancel first
  ASSERT_TRUE(
      rig.poll_until([&] { return rig.last(r.client_id) != nullptr && rig.has(o1.client_id, ExecStatus::kCanceled); }));
  EXPECT_EQ(rig.last(r.client_id)->status, ExecStatus::kRejected);
  EXPECT_EQ(rig.last(r.client_id)->reject_reason, core::RejectReason::kUnknownOrder);
  EXPECT_EQ(rig.ledger_count("order_accepted", r.client_id), 0);
  ASSERT_TRUE(rig.poll_until([&] { return rig.core().requests_in_flight() == 0; }));
  EXPECT_EQ(rig.core().live_orders(), 0u);
}

TEST(BinanceGatewaySim, SpotWsReplaceOfAGoneOrderRejectsTheNewHalf) {
  replace_gone(RigOptions{}, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesReplaceOfAGoneOrderRejectsTheNewHalf) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  replace_gone(o, core::Qty::from_raw(1'000'000));
}

// The listenKey expires every second (listenKeyExpired, then the stream is re-created): same rule.
TEST(BinanceGatewaySim, FuturesListenKeyExpiryLosesNoFill) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  reconnect_no_lost_fill(o, core::Qty::from_raw(1'000'000), "listenkey-expire-s=1");
}

// The venue rejects every new order (-2010): each is answered kRejected (kVenueReject) once, never
// retried.
TEST(BinanceGatewaySim, VenueRejectsAnsweredOnceNeverRetried) {
  RigOptions o;
  o.faults = {"--fault", "reject-rate=1"};
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Price bid, ask;
  ASSERT_EQ(rig.touch(bid, ask), "");
  const core::Order o1 = rig.order(1, core::Side::kBuy, resting_bid(rig, bid), core::Qty::from_raw(100'000));
  rig.send(o1);
  ASSERT_TRUE(rig.poll_until([&] { return rig.last(o1.client_id) != nullptr; }));
  ASSERT_TRUE(rig.poll_until([&] { return rig.core().requests_in_flight() == 0; }));
  EXPECT_EQ(rig.count(o1.client_id, ExecStatus::kRejected), 1);
  EXPECT_EQ(rig.last(o1.client_id)->reject_reason, core::RejectReason::kVenueReject);
  EXPECT_EQ(rig.stats().venue_rejects.load(), 1u);
  EXPECT_EQ(rig.stats().orders_sent.load(), 1u);
  EXPECT_EQ(rig.ledger_count("order_rejected", o1.client_id), 1);
  EXPECT_EQ(rig.core().live_orders(), 0u);
}

// A resting order fills while the gateway hears nothing of it (no user stream here); the user-data
// notices of a reconnect (kDisconnected, kSessionReady) make it query its working orders, find the
// fill and fetch its trades: the fill is reported once, as the ledger has it.
// No user stream (a resting order's fill is heard of only by asking), a counterparty with enough to
// sell into the sim's top bid, and a short fill grace.
RigOptions silent_fills(RigOptions o) {
  o.ws = false;
  o.faults = {"--balance", "USDT=10000000,BTC=10"};  // the counterparty sells the sim's top bid too
  o.tweak = [](GatewayOptions& g) { g.fill_grace_ms = 50; };
  return o;
}

// A post-only buy joining the best bid (behind the sim's own size there, which trades first),
// acknowledged and resting. The sim's market walks on: when it moved down between reading the touch and
// the order's arrival, the order would cross and expires; then another goes at the new bid (at most
// five). client_id 0: none rested.
core::Order rest_at_bid(Rig& rig, core::Qty qty, core::Qty& bid_qty) {
  for (uint64_t n = 1; n <= 5; ++n) {
    core::Price bid, ask;
    if (!rig.touch(bid, ask, &bid_qty).empty()) break;
    const core::Order o = rig.order(n, core::Side::kBuy, bid, qty, core::TimeInForce::kPostOnly);
    rig.send(o);
    if (!rig.poll_until([&] { return rig.last(o.client_id) != nullptr; })) break;
    if (rig.last(o.client_id)->status == ExecStatus::kNew) return o;
  }
  return {};
}

void fill_found_after_reconnect(RigOptions o, core::Qty qty) {
  Rig rig(silent_fills(std::move(o)));
  ASSERT_EQ(rig.start(), "");
  core::Qty bid_qty;
  const core::Order o1 = rest_at_bid(rig, qty, bid_qty);
  ASSERT_NE(o1.client_id, 0u) << "no post-only buy at the bid rested in five tries";
  // More than the sim's top can hold (0.5..1.5 BTC), so ours fills even if the bid moved up meanwhile.
  ASSERT_EQ(rig.counterparty_ioc(core::Side::kSell, o1.price, std::max(bid_qty, core::Qty::from_units(2)) + qty), "");
  ASSERT_EQ(rig.ledger_count("fill", o1.client_id), 1);  // it traded at the venue
  rig.poll_until([] { return false; }, std::chrono::milliseconds(100));
  EXPECT_FALSE(rig.has(o1.client_id, ExecStatus::kFilled));  // and nobody told the gateway
  binance_io::WsEvent notice;
  notice.kind = binance_io::WsEvent::Kind::kDisconnected;
  rig.core().on_user_event(notice);
  notice.kind = binance_io::WsEvent::Kind::kSessionReady;
  rig.core().on_user_event(notice);
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kFilled); }));
  EXPECT_EQ(rig.stats().resyncs_after_reconnect.load(), 1u);
  EXPECT_GE(rig.stats().trade_queries_sent.load(), 1u);
  int fills = 0;
  for (const auto& r : rig.reports) fills += r.client_id == o1.client_id && r.last_qty.raw != 0;
  EXPECT_EQ(fills, 1);
  EXPECT_TRUE(rig.last(o1.client_id)->maker);
  EXPECT_EQ(rig.last(o1.client_id)->cum_qty, o1.qty);
}

TEST(BinanceGatewaySim, SpotRestingFillFoundByTheResyncAfterReconnect) {
  fill_found_after_reconnect(RigOptions{}, core::Qty::from_raw(100'000));
}

TEST(BinanceGatewaySim, FuturesRestingFillFoundByTheResyncAfterReconnect) {
  RigOptions o;
  o.product = binance::Product::kUsdmFutures;
  fill_found_after_reconnect(o, core::Qty::from_raw(1'000'000));
}

// The account event that follows a user-stream gap already holds the fill the gap lost; the gateway
// learns of that fill only from the status query after the reconnect and the trade query fill_grace_ms
// later. Sent at once, risk would see the fill as a change behind the engine's back (and book it twice
// once the fill came: found under TSan by the fault matrix's dropped streams). The event waits until
// the gateway has reported the fill, then says so in fills_before.
TEST(BinanceGatewaySim, AnAccountEventAfterAStreamGapWaitsForTheFillsTheGapLost) {
  core::SpscRing<core::PositionEvent> positions(64);
  RigOptions o = silent_fills(RigOptions{});
  o.tweak = [&](GatewayOptions& g) {
    g.fill_grace_ms = 300;
    g.positions_out = &positions;
    g.spot_neutral = {{"BTC", core::kScale}};
  };
  Rig rig(std::move(o));
  ASSERT_EQ(rig.start(), "");
  core::Qty bid_qty;
  const core::Qty qty = core::Qty::from_raw(100'000);
  const core::Order o1 = rest_at_bid(rig, qty, bid_qty);
  ASSERT_NE(o1.client_id, 0u) << "no post-only buy at the bid rested in five tries";
  ASSERT_EQ(rig.counterparty_ioc(core::Side::kSell, o1.price, std::max(bid_qty, core::Qty::from_units(2)) + qty), "");
  ASSERT_EQ(rig.ledger_count("fill", o1.client_id), 1);
  binance_io::WsEvent notice;
  notice.kind = binance_io::WsEvent::Kind::kDisconnected;
  rig.core().on_user_event(notice);
  notice.kind = binance_io::WsEvent::Kind::kSessionReady;
  rig.core().on_user_event(notice);
  // The exchange's wallet after the fill: the neutral 1 BTC plus ours (no commission in BTC here).
  binance_io::WsEvent account;
  const std::string json = R"({"e":"outboundAccountPosition","E":)" +
                           std::to_string(core::wall_clock_ns() / 1'000'000) +
                           R"(,"u":1,"B":[{"a":"BTC","f":"1.001","l":"0"}]})";
  std::copy(json.begin(), json.end(), account.json);
  account.len = static_cast<uint32_t>(json.size());
  rig.core().on_user_event(account);
  EXPECT_EQ(rig.stats().position_events_held.load(), 1u);
  core::PositionEvent ev;
  bool early = false;
  ASSERT_TRUE(rig.poll_until([&] {
    if (!rig.has(o1.client_id, ExecStatus::kFilled)) {
      early = early || positions.front() != nullptr;
      return false;
    }
    return positions.try_pop(ev);
  })) << rig.stats().position_events.load()
      << " position events";
  EXPECT_FALSE(early) << "the account event went to risk before the fill it holds";
  EXPECT_EQ(ev.fills_before, rig.stats().fills.load());
  EXPECT_EQ(ev.qty_raw, qty.raw);
  EXPECT_EQ(ev.unconfirmed_raw, 0) << "the trade is older than the event: in it";
  // The stream never showed the trade, so its commission (a spot buy pays it in BTC) travels with the
  // event as the stream's would have: risk books it as a commission, not as a change behind its back.
  int64_t fill_fee_quote = 0;
  for (const auto& r : rig.reports) fill_fee_quote += r.client_id == o1.client_id ? r.fee_raw : 0;
  ASSERT_GT(fill_fee_quote, 0);
  EXPECT_GT(ev.fees_raw, 0);
  EXPECT_LT(ev.fees_raw, qty.raw / 100);
  EXPECT_EQ(rig.stats().position_events.load(), 1u);
}

// Reconciliation: the same silent fill, found by comparing open-order snapshots instead (the control
// thread's RECONCILE_S rounds post them). One snapshot without the order is not enough (it could be in
// flight); the second makes it drift: counted, queried by client id, the fill reported once. An order
// of this run the gateway does not track, in a snapshot, is handed back for the control thread.
TEST(BinanceGatewaySim, WorkingOrderMissingFromTwoSnapshotsIsQueriedAndSettled) {
  Rig rig(silent_fills(RigOptions{}));
  ASSERT_EQ(rig.start(), "");
  core::Qty bid_qty;
  const core::Qty qty = core::Qty::from_raw(100'000);
  const core::Order o1 = rest_at_bid(rig, qty, bid_qty);
  ASSERT_NE(o1.client_id, 0u) << "no post-only buy at the bid rested in five tries";
  // Still open: a snapshot holding it changes nothing.
  OpenSnapshot snap;
  snap.symbol = o1.symbol;
  snap.as_of_ms = core::wall_clock_ns() / 1'000'000 + 60'000;  // well after the order was placed
  snap.n = 1;
  snap.ids[0] = o1.client_id;
  ASSERT_TRUE(rig.core().post_open_snapshot(snap));
  rig.poll_until([] { return false; }, std::chrono::milliseconds(50));
  ASSERT_EQ(rig.counterparty_ioc(core::Side::kSell, o1.price, std::max(bid_qty, core::Qty::from_units(2)) + qty), "");
  ASSERT_EQ(rig.ledger_count("fill", o1.client_id), 1);
  // Gone from the exchange's open orders: once is suspect, twice is drift.
  snap.n = 1;
  snap.ids[0] = core::make_client_id(1, 77);  // this run's id, not tracked by the gateway
  ASSERT_TRUE(rig.core().post_open_snapshot(snap));
  rig.poll_until([] { return false; }, std::chrono::milliseconds(100));
  EXPECT_EQ(rig.stats().missing_orders.load(), 0u);
  EXPECT_FALSE(rig.has(o1.client_id, ExecStatus::kFilled));
  uint64_t untracked = 0;
  core::SymbolId sym = core::kNoSymbol;
  ASSERT_TRUE(rig.core().next_untracked(untracked, sym));
  EXPECT_EQ(untracked, core::make_client_id(1, 77));
  EXPECT_EQ(sym, o1.symbol);
  EXPECT_FALSE(rig.core().next_untracked(untracked, sym));
  snap.n = 0;
  ASSERT_TRUE(rig.core().post_open_snapshot(snap));
  ASSERT_TRUE(rig.poll_until([&] { return rig.has(o1.client_id, ExecStatus::kFilled); }));
  EXPECT_EQ(rig.stats().missing_orders.load(), 1u);
  EXPECT_GE(rig.stats().queries_sent.load(), 1u);
  int fills = 0;
  for (const auto& r : rig.reports) fills += r.client_id == o1.client_id && r.last_qty.raw != 0;
  EXPECT_EQ(fills, 1);
  EXPECT_EQ(rig.core().live_orders(), 0u);
}

}  // namespace
}  // namespace dmabot::binance_gateway
