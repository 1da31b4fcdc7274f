// gateway/router.h — the smart order router: picks a venue for every risk-approved order, splits
// large ones across the two best venues, sends cancels where the order's pieces live, and folds
// the venues' execution reports back into one report stream per parent order.
//
// Scoring (VenueScorer, lower is better):
//   score = w_fee * fee_bps + w_latency * latency_us - w_fill * fill_rate + w_inventory * skew
//   fee_bps    the venue's maker fee for GTC / post-only, taker fee for IOC
//   latency_us EWMA of router send -> first report (kNew / kRejected), seeded with
//              VenueInfo::expected_latency_ns
//   fill_rate  exponentially weighted fills / acknowledged orders: on each kNew the decayed ack
//              weight gains 1 (and the fill weight decays), on an order's first fill the fill
//              weight gains 1; the ratio, clamped to [0, 1]. 1 before any ack (optimistic, so an
//              untried venue gets traffic).
//   skew       side_sign * (venue inventory - mean inventory over venues) / order qty, for the
//              order's symbol: how many order-sizes this venue is already long (for a buy) or
//              short (for a sell) compared with the others. Inventory is the net of fills seen.
// Ties go to the lower venue index. All maths is from reports and the injected clock, so a fused
// simulated run routes identically every time.
//
// Splitting: when split_notional_raw > 0, there are at least two venues, and the order's notional
// is above it, the order goes to the best two venues with quantity proportional to 1/score (when
// the best score is <= 0, both scores are first shifted so the best is 1), rounded to the symbol's
// lot step; each child must be a whole number of steps, at least min_qty and min_notional, or the
// order goes unsplit to the best venue. Children get client_id = parent | 1 (best venue) and
// parent | 2; an unsplit order keeps its id. Parent ids must have zero split bits
// (core::make_client_id guarantees it); an id that has some is never split.
//
// Venue eligibility: set_symbol_venues() (cold, before the stage runs) limits a symbol to some of the
// venues — with VENUE_MODE=binance a spot symbol trades on the spot venue only and a USD-M one on
// the futures venue only. Ranking and splitting consider only those venues (one mask test per
// venue; a single eligible venue never splits); a new order whose symbol has no eligible venue is
// rejected locally (kRejected, kVenueReject; counted in no_venue_rejects()). Every symbol may use
// every venue until told otherwise.
//
// Cancels go to every venue holding a non-final child. A replace of an unsplit order that would
// not split goes to that order's venue as a venue-side replace (cancel + new, atomically); any
// other replace becomes cancels of every child plus a fresh route of the new order.
//
// Reports: every venue report is recorded raw (record_execs), counted, fed to the scorer and then
// folded into the parent: unsplit orders pass through unchanged. For a split order the parent gets
// one kNew (the first child ack), a kPartiallyFilled per child fill while any child works (cum_qty =
// sum over children; last_px / last_qty / fee_raw = that child's fill), and one final report when
// every child is final: kFilled if the children filled the parent quantity, else kCanceled if any
// child was cancelled, else kExpired if any expired, else kRejected. Children's intermediate
// cancel/expire/reject reports and their kCancelRejected are folded away (their effect shows in
// the parent's final report). A report for an id the router no longer tracks is forwarded with the
// split bits cleared, except a child's kCancelRejected, which is folded away as above.
// Local answers (no venue involved, venue = core::kRiskVenue): a cancel or replace of an unknown
// target gets kCancelRejected (kUnknownOrder), a replace's new id then also kRejected
// (kUnknownOrder); a new id already live is kRejected (kBadOrder); when the live-order table is
// full a new order is kRejected (kVenueReject) rather than stalling the order stream.
//
// Flow control: poll() handles at most kBatch events, reports from venues first (they free table
// slots). A report is taken only when exec_out has room; an order only when every venue ring it
// targets and exec_out have room for everything it produces. Recording uses core::tap_blocking
// (lossless, counts waits in recorder_waits).
//
// Threads: poll() on one thread: consumer of orders_in and from_venue, producer of to_venue,
// exec_out and the record rings. Allocation: the constructor (live-order table of
// max_live_orders parents, per-symbol inventory, metric registration) and nothing after.
// Errors: from_config returns one line naming the key.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/input_sequence.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "gateway/internal/id_map.h"
#include "gateway/venue.h"

namespace dmabot::gateway {

struct RouterParams {
  double w_fee = 1.0;                   // ROUTER_W_FEE        per bps of fee
  double w_latency = 0.01;              // ROUTER_W_LATENCY    per µs of latency (100 µs ~ 1 bps)
  double w_fill = 1.0;                  // ROUTER_W_FILL       per unit of fill rate (0..1)
  double w_inventory = 0.1;             // ROUTER_W_INVENTORY  per order-size of inventory skew
  int64_t split_notional_raw = 0;       // ROUTER_SPLIT_NOTIONAL (quote units, decimal; 0 = never split)
  double ewma_alpha = 0.1;              // ROUTER_EWMA_ALPHA   weight of the newest sample (0 < a <= 1)
  std::size_t max_live_orders = 16384;  // ROUTER_MAX_LIVE_ORDERS parents tracked at once

  static absl::StatusOr<RouterParams> from_config(core::Config& cfg);
};

// Per-venue statistics and the score. Pure: no I/O, no clock, no allocation after construction.
class VenueScorer {
 public:
  struct Ranking {
    int best = -1;    // venue index, -1 when there are no venues
    int second = -1;  // -1 when there is only one venue
    double best_score = 0.0;
    double second_score = 0.0;
  };

  VenueScorer(std::vector<VenueInfo> venues, const RouterParams& params, std::size_t symbol_count);

  // A first report for an order sent to venue v arrived latency_ns after the send; accepted =
  // kNew (counts as an acknowledged order), otherwise a reject (latency sample only).
  void on_ack(std::size_t v, int64_t latency_ns, bool accepted) noexcept;
  // An order on venue v filled for the first time.
  void on_first_fill(std::size_t v) noexcept;
  // Every fill: moves the (symbol, venue) inventory.
  void on_fill(std::size_t v, core::SymbolId symbol, core::Side side, core::Qty qty) noexcept;

  [[nodiscard]] double score(std::size_t v, const core::Order& o) const noexcept;
  // Only venues whose bit is set in `eligible` (bit v = venue v) are ranked; none: best = -1.
  [[nodiscard]] Ranking rank(const core::Order& o, uint32_t eligible = ~uint32_t{0}) const noexcept;

  [[nodiscard]] std::size_t venue_count() const noexcept { return venues_.size(); }
  [[nodiscard]] const VenueInfo& venue(std::size_t v) const { return venues_[v]; }
  [[nodiscard]] double fee_bps(std::size_t v, core::TimeInForce tif) const noexcept;
  [[nodiscard]] double latency_us(std::size_t v) const noexcept { return stats_[v].latency_ns / 1000.0; }
  [[nodiscard]] double fill_rate(std::size_t v) const noexcept;
  [[nodiscard]] int64_t inventory_raw(core::SymbolId symbol, std::size_t v) const noexcept;
  [[nodiscard]] double inventory_skew(std::size_t v, const core::Order& o) const noexcept;

 private:
  struct Stats {
    double latency_ns = 0.0;
    double acks_w = 0.0;   // decayed count of acknowledged orders
    double fills_w = 0.0;  // decayed count of those that filled
  };
  std::vector<VenueInfo> venues_;
  std::vector<Stats> stats_;
  std::vector<int64_t> inventory_;  // [symbol * venues + venue], raw qty
  std::size_t symbols_;
  double w_fee_, w_latency_, w_fill_, w_inventory_, alpha_;
};

struct RouterRings {
  core::SpscRing<core::Order>* orders_in = nullptr;           // from risk
  std::vector<core::SpscRing<core::Order>*> to_venue;         // index = venue id
  std::vector<core::SpscRing<core::ExecReport>*> from_venue;  // index = venue id
  core::SpscRing<core::ExecReport>* exec_out = nullptr;       // to risk
  core::SpscRing<core::Order>* record_orders = nullptr;       // nullable: every order sent to a venue
  core::SpscRing<core::ExecReport>* record_execs = nullptr;   // nullable: every venue report, raw
  core::Counter* recorder_waits = nullptr;                    // nullable
  // nullable: a second copy of the same streams for an in-process observer (backtest analytics),
  // handed off like the recorder taps (lossless).
  core::SpscRing<core::Order>* observe_orders = nullptr;
  core::SpscRing<core::ExecReport>* observe_execs = nullptr;
};

class RouterStage final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr int kMaxChildren = 2;

  // venues[i] is served by to_venue[i] / from_venue[i]; the sizes must match (1..kMaxVenues).
  RouterStage(RouterParams params, std::vector<VenueInfo> venues, const core::SymbolTable& symbols,
              const core::Clock& clock, RouterRings rings, core::Registry* metrics /*nullable*/);

  int poll() override;
  std::string_view name() const override { return "router"; }

  // Cold, before poll() runs: bit v set = `symbol` may trade on venue v (see the overview). Bits of
  // venues that do not exist are dropped; an unknown symbol is ignored.
  void set_symbol_venues(core::SymbolId symbol, uint32_t venue_mask);
  [[nodiscard]] uint32_t symbol_venues(core::SymbolId symbol) const {
    return symbol < symbol_venues_.size() ? symbol_venues_[symbol] : all_venues();
  }
  uint64_t no_venue_rejects() const { return no_venue_rejects_; }
  // Cold, before the stage runs (Engine::start, ON_START_OPEN_ORDERS=adopt): an order already working
  // on venue o.venue becomes a live unsplit parent, acknowledged, so cancels reach it and its reports
  // pass through. False: bad venue, id already live, or the table is full. Recorded as a take
  // (kRouterAdopted) so an exact replay adopts it at the same point.
  bool adopt(const core::Order& o);

  // Cold, before the stage runs: record or replay its input takes (core/input_sequence.h; inputs
  // take_ids::kRouterOrders and kRouterVenue + v). The router's clock reads (send times for the
  // latency EWMA, local answers' times) go through it. Off by default.
  [[nodiscard]] core::InputSequence& input_sequence() { return seq_; }
  [[nodiscard]] const core::InputSequence& input_sequence() const { return seq_; }
  const VenueScorer& scorer() const { return scorer_; }
  std::size_t live_orders() const { return live_.size(); }
  uint64_t table_full_rejects() const { return table_full_rejects_; }

 private:
  [[nodiscard]] bool can_adopt(const core::Order& o) const;
  void adopt_now(const core::Order& o, core::UnixNanos now);
  int take_adopted();
  struct Child {
    uint64_t id = 0;
    core::UnixNanos sent_ts = 0;
    core::Qty cum;
    core::ExecStatus status = core::ExecStatus::kNew;
    uint8_t venue = 0;
    bool acked = false;   // first report seen
    bool filled = false;  // first fill seen
    bool final = false;
  };
  struct Parent {
    core::Order order;  // as received from risk (parent id, full qty)
    std::array<Child, kMaxChildren> child{};
    uint8_t n_children = 0;
    bool ack_forwarded = false;
  };
  struct Send {
    uint8_t venue;
    core::Order order;
  };
  // Everything one order from risk produces, computed before anything is mutated so an order is
  // either handled completely or left in orders_in.
  struct Plan {
    std::array<Send, 2 * kMaxChildren> sends;
    int n_sends = 0;
    std::array<core::ExecReport, 2> local;
    int n_local = 0;
    bool insert = false;
    bool table_full = false;
    bool no_venue = false;
    Parent parent;
  };
  struct VenueMetrics {
    core::Counter* orders = nullptr;
    std::array<core::Counter*, 7> reports{};  // by ExecStatus
    core::LatencyHistogram* ack = nullptr;
    core::HdrHistogram* tick_to_order = nullptr;  // tick ts_local -> handed to this venue's ring
    core::Gauge* fill_rate = nullptr;
  };

  bool handle_order(const core::Order& o);
  void handle_exec(uint8_t venue, const core::ExecReport& r);
  void plan_new(const core::Order& o, Plan& plan) const;
  void plan_cancel_children(const Parent& target, const core::Order& o, Plan& plan) const;
  void add_local(Plan& plan, const core::Order& o, uint64_t id, core::ExecStatus st, core::RejectReason why) const;
  bool has_room(const Plan& plan);
  void commit(Plan& plan);
  Parent* find_parent(uint64_t id, Child** child);
  void forward(const core::ExecReport& r);

  RouterParams p_;
  VenueScorer scorer_;
  const core::SymbolTable& symbols_;
  const core::Clock& clock_;
  core::InputSequence seq_;
  RouterRings rings_;
  internal::IdMap<Parent> live_;  // key: client_id_parent(parent id)
  std::vector<VenueMetrics> vm_;
  [[nodiscard]] uint32_t all_venues() const { return static_cast<uint32_t>((uint64_t{1} << vm_.size()) - 1); }
  std::vector<uint32_t> symbol_venues_;  // by SymbolId: eligible venues (bit v = venue v)
  uint64_t no_venue_rejects_ = 0;
  core::Counter* no_venue_metric_ = nullptr;
  core::Counter* table_full_metric_ = nullptr;
  uint64_t table_full_rejects_ = 0;
  std::size_t next_venue_ = 0;  // round-robin start for draining venue reports
};

}  // namespace dmabot::gateway
