// gateway/mock_gateway.h — a venue with no network: acknowledges, fills, expires and cancels
// orders after configurable latencies. With a market-data ring (the engine always attaches one) it
// fills only where the market went: the same trade-through rule as the simulated exchange
// (gateway/internal/trade_through.h). What stays random is said at start (start_notes()):
// venue rejects (reject_prob) and whether a fill comes in two halves (partial_prob).
//
// Life of a new order (all times from the injected clock; "arrival" is when poll() takes the
// order off orders_in, later steps are scheduled on venue time, not on when poll() runs):
//   arrival + ack_latency      reject with reject_prob (kRejected, kVenueReject); a post-only order
//                              that would take (a buy at or above the best ask) expires (kExpired,
//                              as Binance rejects it); else kNew
//   ack + fill_latency         the order reaches the matcher:
//     IOC: if it crosses the touch it takes at the touch (best ask for a buy), taker fee — with
//          partial_prob only half (floor(qty.raw / 2), the mock knows no lot steps) and the rest
//          expires; if it does not cross it expires.
//     GTC / post-only: rests. It fills at its own price, maker fee, as soon as the market trades
//          through it: at once if the latest tick already does, else at the first later tick whose
//          best ask is at or below a buy's price (best bid at or above a sell's). With
//          partial_prob the first such fill is half and the rest waits for the next tick that
//          still trades through.
//   Market data (MdTick from md_in) and due events are handled in time order (an event due at T
//   before a tick stamped T); a fill caused by a tick is stamped with the tick's ts_local.
//   Without a market-data ring (unit tests of other stages) there is no market to check against:
//   the fill attempt is a coin flip instead (fill_prob; a partial's rest fills one fill_latency
//   later), at the order price.
//   cancel: arrival + ack_latency: kCanceled if the target still works, else kCancelRejected
//           (kUnknownOrder). The report carries the target's id.
//   replace (client_id = new id, target_id = old id): at arrival + ack_latency the old order is
//           cancelled (kCanceled, old id) and the new one acknowledged as above (kNew or
//           kRejected, new id). If the old order no longer works, neither happens:
//           kCancelRejected (old id) + kRejected (new id, kUnknownOrder) — Binance's
//           cancelReplace STOP_ON_FAILURE.
//   A kNew whose id already works, or that would exceed max_live_orders working orders (like a
//   venue's open-order limit), is rejected (kVenueReject) at its ack time.
// fee_raw = round(notional_raw * fee_bps / 1e4) with the maker fee for GTC / post-only and the
// taker fee for IOC (ExecReport::maker says which). Reports carry ts_exchange = the venue time and
// ts_local = the clock when emitted.
// Random draws happen in a fixed order per event (one at ack, one per fill), so the same seed and
// venue id on a simulated clock reproduce the same report sequence exactly. The venue id is mixed
// into the seed so venues configured with one seed do not flip identical coins.
//
// Capacity: max_live_orders working orders (beyond that, new orders are rejected as a venue's
// open-order limit would), 4 * max_live_orders scheduled events and max_live_orders + 4 pending
// reports, all reserved in the constructor, plus a best bid/ask per symbol id when md_in is set.
// When the event heap is full, poll() stops taking orders off orders_in (backpressure) instead of
// dropping; it drains as simulated time passes. An event or tick is processed only when the report
// buffer is empty (so the reports it causes always fit); reports go out when execs_out has room.
//
// Threads: poll() from one thread (the consumer of orders_in and md_in, producer of execs_out).
// Allocation: constructor only. Errors: none on the hot path; config errors from
// mock_venues_from_config name the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/prng.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "gateway/fees.h"
#include "gateway/internal/id_map.h"
#include "gateway/venue.h"

namespace dmabot::gateway {

struct MockGatewayParams {
  int64_t ack_latency_ns = 50'000;
  int64_t fill_latency_ns = 1'000'000;
  double fill_prob = 0.5;  // only without a market-data ring (not a config key: the engine attaches one)
  double partial_prob = 0.2;
  double reject_prob = 0.0;
  uint64_t seed = 1;
  MarketType market = MarketType::kSpot;  // what the fee defaults imitate (MARKET_TYPE)
  double maker_fee_bps = 10.0;            // Binance spot base tier (gateway/fees.h)
  double taker_fee_bps = 10.0;
  std::size_t max_live_orders = 4096;  // open-order limit; not a config key (tests shrink it)
};

// Reads MOCK_VENUES (comma list of names, default "mock") and, per venue, MOCK_ACK_LATENCY_US (50),
// MOCK_FILL_LATENCY_US (1000), MOCK_PARTIAL_PROB (0.2), MOCK_REJECT_PROB (0), MOCK_SEED (1, the
// mock market's seed too), MOCK_MAKER_FEE_BPS / MOCK_TAKER_FEE_BPS (bps, or "auto" = the default:
// Binance's base tier for MARKET_TYPE, spot 10/10, usdm 2/5; per item). Each key holds one value for all venues or a
// comma list with exactly one value per venue; anything else is an error naming the key. Latencies are microseconds
// (fractions allowed, 0..60e6); probabilities 0..1; fees -100..100 bps.
absl::StatusOr<std::vector<std::pair<std::string, MockGatewayParams>>> mock_venues_from_config(core::Config& cfg);

// What the router should assume about a mock venue before traffic: its fees and ack latency.
[[nodiscard]] VenueInfo mock_venue_info(const std::string& name, const MockGatewayParams& p);

class MockGateway final : public core::Stage {
 public:
  static constexpr int kBatch = 64;

  // md_in: the market this venue fills against (nullable: then fills are coin flips, see above).
  MockGateway(std::string name, uint8_t venue_id, MockGatewayParams params, const core::Clock& clock,
              core::SpscRing<core::Order>* orders_in, core::SpscRing<core::ExecReport>* execs_out,
              core::SpscRing<core::MdTick>* md_in = nullptr);

  int poll() override;
  std::string_view name() const override { return name_; }
  // Due time of the earliest scheduled ack/fill (the heap's top), for simulated-time drivers. Ticks
  // need no wakeup: they arrive on md_in.
  int64_t next_wakeup() const override { return timers_.empty() ? kNever : timers_.front().due; }

  uint8_t venue_id() const { return venue_id_; }
  const MockGatewayParams& params() const { return p_; }
  // Working (acknowledged, not final) orders; scheduled events (tests, diagnostics).
  std::size_t live_orders() const { return live_.size(); }
  std::size_t scheduled_events() const { return timers_.size(); }

 private:
  enum class TimerKind : uint8_t { kAck, kReplace, kCancel, kFillAttempt, kFillRest };
  struct Timer {
    core::UnixNanos due = 0;
    uint64_t seq = 0;  // FIFO among equal due times; also identifies a fill attempt
    core::Order order;
    TimerKind kind = TimerKind::kAck;
  };
  struct Working {
    core::Order order;
    core::Qty cum;
    uint64_t fill_seq = 0;  // seq of the one fill event that may act on this order (0 = none)
    int32_t rest_idx = -1;  // index in resting_ once it rests at the matcher (market mode)
  };
  struct Touch {
    core::Price bid, ask;
  };
  struct TimerLater {
    bool operator()(const Timer& a, const Timer& b) const { return a.due != b.due ? a.due > b.due : a.seq > b.seq; }
  };

  bool accept(const core::Order& o, core::UnixNanos now);
  void schedule(core::UnixNanos due, const core::Order& o, TimerKind kind);
  void fire(const Timer& t);
  void ack_new(const core::Order& o, core::UnixNanos at);
  void fill(Working& w, core::Qty qty, core::UnixNanos at, core::Price px);
  void finish(uint64_t id);
  void emit(const core::Order& o, core::ExecStatus st, core::UnixNanos at, core::Qty cum,
            core::RejectReason reason = core::RejectReason::kNone, core::Qty last_qty = {}, int64_t fee_raw = 0,
            core::Price last_px = {});
  void push_report(const core::ExecReport& r);
  void match(const Timer& t, Working& w);              // market mode: the order reaches the matcher
  bool try_rest_fill(Working& w, core::UnixNanos at);  // true when it finished the order
  void on_tick(const core::MdTick& t);
  [[nodiscard]] core::Price opposite_touch(const core::Order& o) const;
  int flush();

  std::string name_;
  uint8_t venue_id_;
  MockGatewayParams p_;
  const core::Clock& clock_;
  core::SpscRing<core::Order>* in_;
  core::SpscRing<core::ExecReport>* out_;
  core::SpscRing<core::MdTick>* md_;
  core::SplitMix64 rng_;
  internal::IdMap<Working> live_;
  std::vector<Timer> timers_;  // min-heap on (due, seq); capacity reserved, never grows
  std::size_t timer_cap_;
  uint64_t next_seq_ = 1;
  std::vector<Touch> books_;              // per symbol id, latest tick (market mode)
  std::vector<uint64_t> resting_;         // ids of orders resting at the matcher (market mode)
  std::vector<core::ExecReport> outbuf_;  // ring, max_live_orders + 4 slots
  std::size_t out_head_ = 0, out_count_ = 0;
};

}  // namespace dmabot::gateway
