// gateway/sim_exchange.h — a simulated venue that matches our orders against replayed market data
// (best bid/offer ticks, public trades, mark prices) instead of coin flips (compare MockGateway).
//
// Time: "arrival" is when poll() takes an order off orders_in (clock.now()). The order reaches the
// book at arrival + entry latency; everything the venue does there is stamped ts_exchange = that
// book time. Each report reaches execs_out no earlier than ts_exchange + ack latency (reports keep
// venue order: a later report is never released before an earlier one). Entry and ack latencies are
// constants, or when entry_/ack_latency_samples_ns is non-empty, one sample drawn uniformly per
// order / per report from that empirical distribution with the object's seeded SplitMix64.
// Market data is applied in ts_local order interleaved with due book events (a book event at time T
// runs before market data stamped T or later), so a replay on a simulated clock is deterministic.
//
// At the book (new order): filters like Binance — unknown symbol, price % tick, qty % step,
// qty < min_qty, notional < min_notional -> kRejected (kVenueReject); duplicate working id or more
// than max_live_orders working -> kRejected (kVenueReject). Post-only that would take (buy >= best
// ask, sell <= best bid) -> kExpired. IOC, or a limit that crosses, takes at the touch (best ask for
// buys, best bid for sells) up to the displayed size, which the venue then treats as consumed until
// the next tick; taker fee. The IOC remainder expires; a GTC remainder rests. An IOC with no market
// expires. Accepted resting orders get kNew.
// Resting fills (maker fee, at the order's price):
//   trade-through: a buy fills completely when a trade prints below its price or the best ask
//     drops to/below it (sells symmetric) — the rule in gateway/internal/trade_through.h, shared
//     with MockGateway;
//   queue: the order joins behind queue_ahead = displayed size at its price when it rests at the
//     touch (0 when it improves the touch; when it rests behind the touch the size is unknown and is
//     taken when the level first becomes the touch). Trades at its price reduce queue_ahead; the part
//     of a trade beyond queue_ahead fills the order (partials). queue_ahead never exceeds the
//     displayed size of its level. QueueModel::kProbabilistic also lets a displayed-size decrease not
//     explained by trades since the previous tick (cancels) reduce queue_ahead by decrease *
//     queue_ahead / previous level size.
// Cancels at the book: kCanceled (cum so far) if working, else kCancelRejected (kUnknownOrder).
// Replace = cancel + new at one book time; if the old order no longer works: kCancelRejected (old id)
// + kRejected (new id, kUnknownOrder), like cancelReplace STOP_ON_FAILURE.
// Funding: positions per symbol follow our fills. A MarkPrice whose next_funding_time is later than
// the previous one for the symbol means a funding boundary passed: funding_paid += position * mark *
// funding_rate (quote units; positive = we paid). Kept out of the order flow.
//
// Capacity: max_live_orders working orders, 4 * max_live_orders scheduled book events and
// 2 * max_live_orders + 8 pending reports, all reserved in the constructor. An input is consumed only
// when the reports it can produce fit; otherwise poll() leaves it on its ring (backpressure).
// Threads: poll() and the accessors from one thread. Allocation: constructor only.
// Errors: none on the hot path; from_config returns one line naming the key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/prng.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "gateway/fees.h"

namespace dmabot::gateway {

enum class QueueModel : uint8_t { kRiskAverse, kProbabilistic };

struct SimExchangeParams {
  int64_t entry_latency_ns = 200'000;
  int64_t ack_latency_ns = 200'000;
  std::vector<int64_t> latency_samples_ns;      // entry latency samples; empty = entry_latency_ns
  std::vector<int64_t> ack_latency_samples_ns;  // empty = ack_latency_ns
  MarketType market = MarketType::kSpot;  // what the fee defaults imitate (MARKET_TYPE)
  double maker_fee_bps = 10.0;             // Binance spot base tier (see gateway/fees.h)
  double taker_fee_bps = 10.0;
  uint64_t seed = 42;
  QueueModel queue_model = QueueModel::kRiskAverse;
  std::size_t max_live_orders = 4096;  // not a config key

  // SIM_ENTRY_LATENCY_US (200), SIM_ACK_LATENCY_US (200), SIM_ENTRY_LATENCY_SAMPLES_US (""),
  // SIM_ACK_LATENCY_SAMPLES_US ("") comma lists of microseconds, SIM_LATENCY_RECORDING ("": a dmabot
  // recording whose order round trips become the samples, see latency_samples_from_recording),
  // MARKET_TYPE (spot|usdm), SIM_MAKER_FEE_BPS / SIM_TAKER_FEE_BPS (bps, or "auto" = the default:
  // Binance's base tier for MARKET_TYPE, spot 10/10, usdm 2/5), SIM_SEED (42), SIM_QUEUE_MODEL
  // (risk_averse|probabilistic).
  static absl::StatusOr<SimExchangeParams> from_config(core::Config& cfg);
};

// Order round trips measured in a dmabot recording: for each new order ("ord" line, action new) the
// time from its ts_local to the ts_local of the first venue report about it ("exec" line with the same
// client id, risk rejections excluded), in ns, in file order; at most `max_samples`. A latency model
// "taken from a recording": SIM_LATENCY_RECORDING splits each round trip r into an entry sample r/2
// and an ack sample r - r/2. Errors name the file (unreadable, or no order/report pair in it);
// malformed lines are skipped. Cold path: allocates.
absl::StatusOr<std::vector<int64_t>> latency_samples_from_recording(const std::string& path,
                                                                    std::size_t max_samples = 100'000);

class SimExchange final : public core::Stage {
 public:
  static constexpr int kBatch = 64;

  SimExchange(std::string name, uint8_t venue_id, SimExchangeParams params, const core::SymbolTable& symbols,
              const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
              core::SpscRing<core::ExecReport>* execs_out, core::SpscRing<core::MdTick>* md_in,
              core::SpscRing<core::Trade>* trades_in /*nullable*/,
              core::SpscRing<core::MarkPrice>* marks_in /*nullable*/);

  int poll() override;
  std::string_view name() const override { return name_; }
  // Earliest scheduled book event or pending report (kNever when none).
  int64_t next_wakeup() const override;

  uint8_t venue_id() const { return venue_id_; }
  const SimExchangeParams& params() const { return p_; }
  std::size_t live_orders() const { return live_.size(); }
  // Signed position from our fills (raw 1e-8), funding paid per symbol and in total (quote units).
  [[nodiscard]] int64_t position_raw(core::SymbolId s) const;
  [[nodiscard]] double funding_paid(core::SymbolId s) const;
  [[nodiscard]] double funding_paid_total() const { return funding_total_; }
  // Queue ahead of a working order (raw), -1 if unknown/not working. Tests and diagnostics.
  [[nodiscard]] int64_t queue_ahead_raw(uint64_t client_id) const;

 private:
  enum class TimerKind : uint8_t { kNew, kCancel, kReplace };
  struct Timer {
    core::UnixNanos due = 0;
    uint64_t seq = 0;
    core::Order order;
    TimerKind kind = TimerKind::kNew;
  };
  struct TimerLater {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };
  struct Working {
    core::Order order;
    core::Qty cum;
    int64_t queue_ahead = -1;  // raw; -1 = unknown (rests behind the touch)
  };
  struct Book {
    core::Price bid, ask;
    int64_t bid_qty = 0, ask_qty = 0;      // raw, displayed at the last tick (queue model)
    int64_t bid_avail = 0, ask_avail = 0;  // raw, displayed minus what our takers consumed since
    int64_t traded_bid = 0, traded_ask = 0;  // traded at the touch since the last tick (raw)
    core::UnixNanos next_funding = 0;
    int64_t position = 0;
    double funding_paid = 0.0;
    bool has = false;
  };
  struct Pending {
    core::UnixNanos due = 0;
    core::ExecReport report;
  };

  int64_t draw(const std::vector<int64_t>& samples, int64_t constant);
  bool room_for_event() const;
  void fire(const Timer& t);
  void on_new(const core::Order& o, core::UnixNanos at);
  bool cancel(uint64_t id, const core::Order& req, core::UnixNanos at);
  void on_tick(const core::MdTick& t);
  void on_trade(const core::Trade& t);
  void on_mark(const core::MarkPrice& m);
  void fill(Working& w, core::Price px, int64_t qty_raw, bool maker, core::UnixNanos at);
  void emit(const core::Order& o, core::ExecStatus st, core::UnixNanos at, core::Qty cum,
            core::RejectReason reason = core::RejectReason::kNone, core::Price last_px = {},
            core::Qty last_qty = {}, int64_t fee_raw = 0, bool maker = true);
  Working* find(uint64_t id);
  void remove(std::size_t idx);
  void sweep(core::UnixNanos at);  // removes fully filled orders
  int flush(core::UnixNanos now);

  std::string name_;
  uint8_t venue_id_;
  SimExchangeParams p_;
  const core::SymbolTable& symbols_;
  const core::Clock& clock_;
  core::SpscRing<core::Order>* in_;
  core::SpscRing<core::ExecReport>* out_;
  core::SpscRing<core::MdTick>* md_;
  core::SpscRing<core::Trade>* trades_;
  core::SpscRing<core::MarkPrice>* marks_;
  core::SplitMix64 rng_;
  std::vector<Book> books_;
  std::vector<Working> live_;  // dense, insertion order kept (erase shifts; small n in a sim)
  std::vector<Timer> timers_;  // min-heap on (due, seq)
  std::size_t timer_cap_;
  uint64_t next_seq_ = 1;
  std::vector<Pending> pending_;  // ring buffer of reports waiting for their ack latency
  std::size_t pend_head_ = 0, pend_count_ = 0;
  core::UnixNanos last_due_ = 0;
  double funding_total_ = 0.0;
};

}  // namespace dmabot::gateway
