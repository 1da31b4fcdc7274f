// feed/synthetic_feed.h — a synthetic L1 market for studying strategies without data: a Brownian
// mid price, a fixed quoted spread, and Poisson market orders whose depth gives resting quotes the
// Avellaneda–Stoikov fill intensity λ(δ) = A·exp(−k·δ).
//
// Model, per symbol, on a fixed step dt (SYN_DT_MS); step i is due at t_i = t0 + i·dt, where t0 is
// clock.now() when the feed is built:
//   mid      m_0 = SYN_S0; for i >= 1, gbm: m_i = m_{i-1}·exp(−σ²dt/2 + σ√dt·Z) (σ relative per √s),
//            abm: m_i = m_{i-1} + σ√dt·Z (σ in price units per √s; the mid is held at >= one tick).
//            Z is standard normal (Box–Muller on the object's seeded SplitMix64).
//   quote    at t_i one MdTick: bid = floor_to_tick(m_i − spread/2) (at least one tick),
//            ask = bid + SYN_SPREAD_TICKS ticks, bid_qty = ask_qty = SYN_DEPTH_QTY. A strategy sees
//            only the quotes: their mid (bid + ask)/2 lies in (m_i − tick, m_i] (market().mid() has m_i).
//   orders   at t_i + dt/2 (mid-step, so a strategy that answered tick i within dt/2 is judged by
//            its quote against m_i, as in the AS discretisation) each side independently gets the
//            market orders of one step: a Poisson number with mean A·dt, each reaching a depth
//            D ~ Exponential(k) (price units from m_i). Only the deepest matters for fills, so it is
//            drawn directly: P(deepest >= δ) = 1 − exp(−A·e^{−kδ}·dt) for δ >= 0 (no order at all
//            with probability exp(−A·dt)), from one uniform per side and step. The step's orders are
//            printed as ONE public Trade per side (qty SYN_TRADE_QTY; sell aggressor on the bid
//            side, buy aggressor on the ask side) at the deepest price they reached.
// Price of that print, for gateway::SimExchange (a resting buy at p fills completely when a trade
// prints strictly below p; a sell when strictly above p). With x = m_i − D and y = m_i + D:
//   bid side: print at ceil_to_tick(x) − tick (clamped at 0). A buy at grid price p is then traded
//             through iff p >= ceil_to_tick(x) iff p >= x iff D >= δ = m_i − p: exactly the AS law.
//   ask side: print at floor_to_tick(y) + tick. A sell at p is traded through iff p <= y iff D >= δ.
// So a quote at distance δ >= 0 fills in a step with probability 1 − exp(−A·e^{−kδ}·dt) (≈ A·e^{−kδ}·dt
// for small dt), exactly, when the venue does not know its queue position (it rests behind the
// touch). Quantisation caveat: the print lies on the tick one below (above) the deepest level reached,
// so a quote exactly AT the print price whose queue position SimExchange knows (it joined or improved
// the touch) is also filled by the "trade at your price eats the queue" rule once SYN_TRADE_QTY
// exceeds the queue ahead. Such a quote fills iff D >= δ − tick, i.e. with intensity A·e^{−k(δ−tick)}:
// the law is off by a factor e^{k·tick} (1.5% for k = 1.5, tick 0.01). For δ < 0 (a buy above the mid)
// the rate saturates at the arrival rate: λ = A·exp(−k·max(δ, 0)). Quotes crossed by the quoted touch
// itself (the mid moved through them) fill by SimExchange's book rule, outside this law.
//
// Two PRNG streams derived from SYN_SEED: one for the mids, one for the order flow, so sweeping A or
// k keeps the price path. Same seed + params (+ same t0) => the same event sequence, timestamps
// included: ts_local = ts_exchange = the scheduled time, never the wall clock. On a live clock a
// late poll catches up in bursts (steps are never skipped, for determinism).
//
// SyntheticFeed delivery: ticks go to every FeedOutput whose shard owns the symbol
// (symbol % shard_count == shard_index) and to the recorder tap (core::tap_blocking); every trade goes
// to every trade ring. An event a ring cannot take stays pending and is retried next poll (rings that
// already took it are not offered it again): nothing is dropped or reordered. A poll handles at most
// kBatch events. The order within a step: the ticks of every symbol (ascending id), then at mid-step
// the trades, per symbol bid side before ask side.
//
// Threads: construct on the control thread; poll()/next_wakeup()/market() on the stage's thread;
// stop(), finished(), steps_done() from any thread.
// Allocation: constructor only (per-symbol state and one step's event buffers).
// Errors: from_config returns one line naming the key; nothing fails after construction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/prng.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "feed/mock_feed.h"  // FeedOutput

namespace dmabot::feed {

enum class MidModel : uint8_t { kGbm, kAbm };

struct SyntheticMarketParams {
  MidModel model = MidModel::kGbm;  // SYN_MODEL: gbm | abm
  std::vector<double> s0;           // SYN_S0: start mid, one value or one per symbol [100]
  double sigma = 0.0005;            // SYN_SIGMA per √s: relative (gbm) [0.0005] / price units (abm) [0.05]
  int64_t dt_ns = 100'000'000;      // SYN_DT_MS: step in ms, fractional allowed [100]
  uint64_t steps = 36'000;          // SYN_STEPS: steps to run, 0 = unlimited [36000]
  int64_t spread_ticks = 2;         // SYN_SPREAD_TICKS: quoted spread in ticks, >= 1 [2]
  core::Qty depth_qty = core::Qty::from_units(1);     // SYN_DEPTH_QTY: size shown at bid and ask [1]
  double a = 140.0;                                   // SYN_A: market orders per second per side [140]
  double k = 1.5;                                     // SYN_K: depth decay per unit of price [1.5], > 0
  core::Qty trade_qty = core::Qty::from_units(1000);  // SYN_TRADE_QTY: qty of each print [1000]
  uint64_t seed = 1;                                  // SYN_SEED [1]

  // Reads the SYN_* keys; n_symbols is the number of configured symbols (for SYN_S0).
  static absl::StatusOr<SyntheticMarketParams> from_config(core::Config& cfg, std::size_t n_symbols);
};

// The pure generator (no clock, no rings): usable on its own in tests and offline studies.
class SyntheticMarket {
 public:
  // Symbols without an SYN_S0 entry (p.s0 shorter than the table) start at the last given value
  // (100 when p.s0 is empty).
  SyntheticMarket(const SyntheticMarketParams& p, const core::SymbolTable& symbols);

  // Moves every symbol's mid by one step (symbols in ascending id, one normal each).
  void advance() noexcept;
  // The quote for the current mid (symbol, bid, ask, sizes, next update id; timestamps left 0).
  void quote(core::SymbolId s, core::MdTick& out) noexcept;
  // Draws the deepest market order of one step on one side (aggressor kSell hits the bid). Returns
  // false when no order arrived; else fills out (symbol, price, qty, aggressor, next trade id;
  // timestamps left 0). Always consumes exactly one uniform, so arrivals do not shift later draws.
  bool market_order(core::SymbolId s, core::Side aggressor, core::Trade& out) noexcept;

  [[nodiscard]] double mid(core::SymbolId s) const { return mid_[s]; }
  // Depth (price units) of the last order market_order() drew; -1 when none arrived.
  [[nodiscard]] double last_depth() const { return last_depth_; }
  [[nodiscard]] std::size_t size() const { return mid_.size(); }

 private:
  double normal() noexcept;

  const core::SymbolTable& symbols_;
  MidModel model_;
  double drift_;  // gbm: −σ²dt/2 (log space); abm: 0
  double vol_;    // σ√dt
  double a_dt_;
  double k_;
  int64_t spread_ticks_;
  core::Qty depth_qty_;
  core::Qty trade_qty_;
  core::SplitMix64 mid_rng_;
  core::SplitMix64 flow_rng_;
  double spare_normal_ = 0;
  bool has_spare_ = false;
  double last_depth_ = -1;
  uint64_t trade_id_ = 0;
  std::vector<double> mid_;
  std::vector<int64_t> tick_raw_;
  std::vector<uint64_t> update_id_;
};

class SyntheticFeed final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kMaxOutputs = 64;  // per vector (one bit per ring); extra ones ignored

  // md_outputs / trade_outputs may be empty (those events are then generated and dropped on the
  // floor deliberately: nobody listens). ticks_by_symbol: one counter per symbol id (nullable
  // entries; ids beyond the vector are not counted). record_out, recorder_waits: nullable.
  SyntheticFeed(const SyntheticMarketParams& p, const core::SymbolTable& symbols, const core::Clock& clock,
                std::vector<FeedOutput> md_outputs, std::vector<core::SpscRing<core::Trade>*> trade_outputs,
                std::vector<core::Counter*> ticks_by_symbol, core::SpscRing<core::MdTick>* record_out,
                core::Counter* recorder_waits);

  int poll() override;
  std::string_view name() const override { return "synthetic_feed"; }
  // Time of the next tick or mid-step trade phase; the pending phase's time while a ring holds
  // delivery up; kNever once finished or when the step limit is reached.
  int64_t next_wakeup() const override;

  // Ends generation once the events of the phase being delivered are out (any thread).
  void stop() { stopped_.store(true, std::memory_order_release); }
  // True after SYN_STEPS steps (or stop()) with nothing pending.
  [[nodiscard]] bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Steps whose ticks and trades are all delivered.
  [[nodiscard]] uint64_t steps_done() const { return steps_done_.load(std::memory_order_relaxed); }
  [[nodiscard]] core::UnixNanos start_time() const { return t0_; }
  [[nodiscard]] int64_t step_ns() const { return dt_ns_; }
  // The generator (current mids); stage thread only.
  [[nodiscard]] const SyntheticMarket& market() const { return market_; }

 private:
  enum class Phase : uint8_t { kTicks, kTrades };
  [[nodiscard]] core::UnixNanos phase_time() const noexcept;
  void generate_phase(core::UnixNanos at) noexcept;
  bool deliver_current() noexcept;  // true when every owed ring has event cursor_

  SyntheticMarket market_;
  const core::Clock& clock_;
  std::vector<FeedOutput> md_outputs_;
  std::vector<core::SpscRing<core::Trade>*> trade_outputs_;
  std::vector<core::Counter*> ticks_by_symbol_;
  core::SpscRing<core::MdTick>* record_out_;
  core::Counter* recorder_waits_;
  core::UnixNanos t0_;
  int64_t dt_ns_;
  uint64_t max_steps_;

  uint64_t step_ = 0;                // step of the next (or the current) phase
  Phase phase_ = Phase::kTicks;      // next phase to generate; kTrades after the ticks of step_
  Phase buffered_ = Phase::kTicks;   // kind of events in the buffer
  std::vector<core::MdTick> ticks_;  // one step's ticks (n symbols)
  std::vector<core::Trade> trades_;  // one step's trades (<= 2 per symbol)
  std::size_t count_ = 0;            // events in the buffer
  std::size_t cursor_ = 0;           // next event to deliver
  bool started_ = false;             // event cursor_ accounted (counter, tap, mask)
  uint64_t pending_mask_ = 0;        // rings still owed event cursor_
  std::atomic<bool> stopped_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> steps_done_{0};
};

}  // namespace dmabot::feed
