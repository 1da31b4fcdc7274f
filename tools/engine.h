// tools/engine.h — wires the stages into a running engine.
//
//   MockFeed | ReplayFeed | SyntheticFeed | BinanceStreamStage ──md──▶ StrategyWorker × (strategies × workers) ──sig──▶
//   RiskStage ──ord──▶ RouterStage
//      │                          ▲                                 ▲   │                 │  ▲
//      └──md (mids)───────────────┼─────────────────────────────────┘   │          ord ▼  │ exec
//                                 └────────────── exec ────────────────┘   MockGateway × venues | SimExchange
//   VENUE_MODE=binance_spot|binance_futures: one live gateway stage (tools/binance_venue.h) on the
//   same venue rings; the instruments come from exchangeInfo at create(), the network clients, the
//   clock sync and the credentials check at start() (their I/O threads are the clients' own).
//   VENUE_MODE=binance: two of them, venue 0 "binance_spot" (SYMBOLS) and venue 1 "binance_futures"
//   (FUTURES_SYMBOLS, instruments "UM:<symbol>"), each with its own rings, gateway stage (both in the
//   THREAD_LAYOUT's gateway slot), exchangeInfo and refresh; the router sends each symbol's orders
//   only to the venue of its product (RouterStage::set_symbol_venues). A product without symbols
//   gets no venue.
//   SimExchange (VENUE_MODE=sim) also gets its own copy of md, trades and mark prices from the feed;
//   each MockGateway gets its own copy of md (it fills resting orders only by trade-through).
//   Recorder (own thread) taps: md (feed), sig (each worker), ord + exec (router), exec (risk rejects),
//   ctl (risk's kill-switch changes); with RECORD_FORMAT=journal in a threaded run also each decision
//   stage's input takes (worker, risk, router: core/input_sequence.h), which an exact replay follows
//   MetricsServer (own thread) renders the Registry.
//   FEED_MODE=binance (threaded runs only): BinanceStreamIo's own I/O thread (started by start(),
//   stopped and joined by shutdown()) hands frames to the BinanceStreamStage, the feed stage; its
//   BookStatus events (stale / recovered books) go to risk and to every strategy worker, each on a
//   ring of its own. The other feeds create no status rings.
//
// Every arrow is its own SpscRing (one producer, one consumer). The stages are grouped onto threads
// by THREAD_LAYOUT; or all run on the caller's thread with run_fused() (tests, replay, backtest).
//
// Lifecycle: create() -> start() -> [running] -> shutdown() (stops the feed, cancels working orders,
// drains every ring, stops the threads, flushes the recorder) -> summary().
// Threads: every method from the one control thread.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/recorder.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "feed/binance_stream.h"
#include "feed/mock_feed.h"
#include "feed/replay_feed.h"
#include "feed/synthetic_feed.h"
#include "gateway/mock_gateway.h"
#include "gateway/router.h"
#include "gateway/sim_exchange.h"
#include "risk/risk_stage.h"
#include "strategy/strategy_worker.h"
#include "tools/engine_config.h"
#include "tools/exact_replay.h"

namespace dmabot::tools {

class MetricsServer;
class BinanceVenue;
struct BinanceVenueParams;

struct SymbolSummary {
  std::string symbol;
  uint64_t ticks = 0;
  double position = 0;
  double realized = 0;
  double unrealized = 0;
  double fees = 0;
};

struct EngineSummary {
  uint64_t ticks = 0;
  uint64_t signals = 0;
  uint64_t orders = 0;
  uint64_t fills = 0;  // fill reports (partial + full)
  uint64_t risk_rejects = 0;
  uint64_t recorder_waits = 0;
  // Orders risk still counted working when the summary was taken (after shutdown: their cancels were
  // refused — a venue's rate-limit back-off or ban — or not answered within the drain bound). Non-zero
  // is a warning line in the text and on stderr: those orders may still rest on the venue.
  uint64_t working_orders = 0;
  std::string kill_switch;  // risk::describe_kill_history: "kill switch: not tripped" / "...: tripped at ..."
  std::string fees;         // "fees (bps, maker/taker; MARKET_TYPE=spot): mock_a 10/10, ..." (start_notes)
  // The recording (RECORD_FILE): its path (empty = off), lines written and lost, the first I/O error.
  std::string record_file;
  uint64_t record_lines_lost = 0;
  uint64_t record_io_errors = 0;
  std::string record_error;
  [[nodiscard]] bool recording_ok() const { return record_lines_lost == 0 && record_io_errors == 0; }
  // "" when the recording is complete (or off); else one line for stderr: "recording F is
  // incomplete: N event lines lost (first error)". Every command that records exits 1 then.
  [[nodiscard]] std::string recording_problem() const;
  // "" when no order is left working; else one line for stderr naming how many and what to do.
  [[nodiscard]] std::string working_orders_warning() const;
  std::vector<SymbolSummary> symbols;
  std::string to_text() const;
  std::string to_json() const;
};

struct EngineOptions {
  // Creates ObserverRings: copies of the router's orders and venue reports for an in-process
  // consumer (backtest analytics; market prices it reads from positions()). In fused mode the driver
  // must drain them after every step_fused() (they are handed off losslessly, like the recorder taps).
  bool observe = false;
  // Exact replay (tools/exact_replay.h; FEED_MODE=replay of the same journal, fused only): the decision
  // stages follow these recorded input takes and the venues are RecordedVenues. The engine maps the
  // reports' symbols onto its table in place; the object must outlive the engine.
  ExactReplay* exact = nullptr;
};

struct ObserverRings {
  core::SpscRing<core::Order>* orders = nullptr;
  core::SpscRing<core::ExecReport>* execs = nullptr;
};

class Engine {
 public:
  // cfg is read again for the strategies' parameters (already validated by EngineConfig).
  // FEED_MODE=replay opens REPLAY_FILE here (errors name the file). VENUE_MODE=binance_*: loads the
  // instruments from exchangeInfo here (tools/binance_instruments.h; errors name the URL or the symbol).
  static absl::StatusOr<std::unique_ptr<Engine>> create(EngineConfig ec, core::Config& cfg, core::Clock clock,
                                                        EngineOptions options = {});
  ~Engine();

  // VENUE_MODE=binance_*: connects the venue first (clock, credentials, user data; bounded, one error
  // line naming the endpoint). Then opens the recorder, starts the metrics server, the live feed's I/O
  // thread (FEED_MODE=binance) and the stage threads.
  absl::Status start();
  // Deterministic mode: runs every stage on this thread until the feed has finished and all rings are
  // empty, then cancels working orders and drains again. Recorder still runs on its own thread.
  absl::Status run_fused_to_completion();
  // EngineOptions::exact: the same, for an exact replay. Runs until no stage can do anything more,
  // then checks that every stage followed all of its recorded takes and the router took every
  // recorded venue report; if not, an error line naming the stage, its take record and the input it
  // waited for (FailedPrecondition). Never hangs: a pass after which nothing can move ends the run.
  absl::Status run_exact_to_completion();
  // The same, one pass at a time (tests, external drivers): open_fused() once, then step_fused()
  // until feed_finished(), then shutdown(). step_fused() allocates nothing after warm-up.
  // FEED_MODE=binance is live data on wall time: both refuse it (FailedPrecondition).
  absl::Status open_fused();
  int step_fused();
  // Stops the feed, cancels every working order, waits (bounded) until all rings drain, stops threads,
  // closes the recorder. Safe to call twice.
  void shutdown();

  // Fused mode: called after every pass (after the recorder's inline drain), also during shutdown's
  // drain — how an in-process consumer of the ObserverRings keeps them from filling up.
  void set_fused_hook(void (*fn)(void*), void* ctx) {
    hook_ = fn;
    hook_ctx_ = ctx;
  }
  // Fused mode: a flag written elsewhere (a signal handler: tools/cli_common.h) and read once per
  // pass (one relaxed load). When it holds a non-zero value the engine stops its feed, as
  // shutdown() would: the feed finishes with what it has pending, so run_fused_to_completion() and
  // any step_fused() loop that waits for feed_finished() end, and shutdown() then cancels working
  // orders, drains and flushes the recorder as after a complete run. nullptr (default) = never.
  void set_stop_flag(const std::atomic<int>* flag) { stop_flag_ = flag; }
  // The flag's value when it stopped the feed (e.g. SIGINT), 0 if the run was not stopped early.
  int stopped_by() const { return stopped_by_; }
  bool feed_finished() const;
  // Cold, control thread: logs kill-switch changes risk reported since the last call (one line each) and,
  // with a live Binance venue, its DRY_RUN orders and its upkeep (BinanceVenue::maintain: the clock
  // round when due; it may block this thread for a few seconds on a slow network, never the hot ones).
  // Fused runs call it after every pass and shutdown() at the end; a live driver calls it while it waits.
  void poll_events();
  EngineSummary summary() const;
  // FEED_MODE=replay only (nullptr otherwise): the replay stage, for its stats() and status().
  const feed::ReplayFeed* replay_feed() const { return replay_feed_.get(); }
  // FEED_MODE=binance only (nullptr otherwise): the live feed (its stage's stats, its I/O's last error).
  feed::BinanceStreamFeed* binance_feed() { return binance_feed_.get(); }
  // Market events the feed has delivered: replay — ticks, trades and mark prices read from the file
  // and delivered; mock and synthetic — ticks (ticks_total).
  uint64_t market_events() const;
  // Share of the feed done, for progress bars: replay — bytes of the file read; synthetic — steps;
  // mock — ticks of MOCK_MAX_TICKS. -1 when unknown (an unlimited feed). Cold path.
  double feed_progress() const;
  // FEED_MODE=replay: every symbol met in the file so far (configured or not).
  const core::SymbolTable& replay_symbols() const { return source_symbols_; }
  // EngineOptions::observe only (all null otherwise).
  ObserverRings observer() const { return observer_; }
  // Risk's positions (read from the driving thread in fused mode, or after shutdown()).
  const risk::Positions& positions() const { return risk_->positions(); }
  // The risk stage (its atomics — published_qty, position_events, external_changes — from any thread).
  const risk::RiskStage& risk() const { return *risk_; }
  // Signals risk rejected for `reason` so far (same thread rules as positions()).
  uint64_t risk_rejects(core::RejectReason reason) const { return risk_->rejects(reason); }
  // Simulated time now (fused mode) or wall time.
  core::UnixNanos now() const { return clock_.now(); }
  core::Registry& metrics() { return registry_; }
  const core::SymbolTable& symbols() const { return symbols_; }
  uint16_t metrics_port() const;
  const EngineConfig& config() const { return ec_; }
  // VENUE_MODE=binance* after start() (nullptr otherwise): the live venue (its gateway's stats, ids);
  // with VENUE_MODE=binance the first (spot) one. binance_venue(product): that product's, or nullptr.
  BinanceVenue* binance_venue();
  BinanceVenue* binance_venue(core::Product product);
  [[nodiscard]] std::size_t binance_venue_count() const { return live_.size(); }

 private:
  Engine(EngineConfig ec, core::Clock clock, EngineOptions options);
  absl::Status build(core::Config& cfg);
  struct LiveVenue;
  void record_loaded_instruments();  // the loaded symbols and filters into ec_.effective (the header)
  absl::Status load_binance_instruments(core::Config& cfg, core::Product product,
                                        const std::vector<core::InstrumentInfo>& configured);
  bool venues_idle() const;
  absl::Status attach_exact(const std::vector<core::SpscRing<core::Order>*>& to_venue,
                            const std::vector<core::SpscRing<core::ExecReport>*>& from_venue);
  absl::Status exact_outcome() const;
  absl::Status build_feed(std::vector<feed::FeedOutput> outputs, core::SpscRing<core::MdTick>* md_record);
  void build_binance_feed(std::vector<feed::FeedOutput> outputs, core::SpscRing<core::MdTick>* md_record);
  void stop_feed();
  template <class T>
  core::SpscRing<T>* make_ring(std::vector<std::unique_ptr<core::SpscRing<T>>>& pool, std::size_t cap);
  std::vector<core::Stage*> stages_of(StageKind k) const;
  std::vector<core::Stage*> all_stages() const;
  bool rings_empty() const;
  int64_t next_wakeup() const;
  int fused_step(const std::vector<core::Stage*>& stages);
  void drain_until_quiet(bool threaded);

  EngineConfig ec_;
  core::Clock clock_;
  core::SymbolTable symbols_;
  core::Registry registry_;
  moodycamel::ConcurrentQueue<core::Control> control_;

  std::vector<std::unique_ptr<core::SpscRing<core::MdTick>>> md_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::Signal>>> sig_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::Order>>> ord_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::ExecReport>>> exec_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::Trade>>> trade_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::MarkPrice>>> mark_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::Control>>> ctl_rings_;
  std::vector<std::unique_ptr<core::SpscRing<core::BookStatus>>> status_rings_;       // FEED_MODE=binance
  std::vector<std::unique_ptr<core::SpscRing<core::PositionEvent>>> position_rings_;  // live venue -> risk
  core::SpscRing<core::Control>* replay_control_ = nullptr;  // FEED_MODE=replay: recorded adjustments -> risk
  std::vector<std::unique_ptr<core::SpscRing<core::TakeBlock>>> take_rings_;  // RECORD_FORMAT=journal
  struct TakeTap {  // a decision stage's take recording, switched on by start() (threaded runs only)
    core::InputSequence* seq;
    uint16_t stage;
    core::SpscRing<core::TakeBlock>* ring;
    core::Counter* waits;
  };
  std::vector<TakeTap> take_taps_;

  EngineOptions options_;
  ObserverRings observer_;
  core::SymbolTable source_symbols_;  // what a replayed file interns; mapped onto symbols_ by name
  std::vector<std::string> venue_names_;
  int64_t max_venue_latency_ns_ = 0;
  core::Stage* feed_ = nullptr;  // one of the four below
  std::unique_ptr<feed::MockFeed> mock_feed_;
  std::unique_ptr<feed::ReplayFeed> replay_feed_;
  std::unique_ptr<feed::SyntheticFeed> synthetic_feed_;
  std::unique_ptr<feed::BinanceStreamFeed> binance_feed_;
  bool binance_stopped_ = false;
  // FEED_MODE=binance: risk's and each worker's BookStatus ring (built with the workers).
  std::vector<core::SpscRing<core::BookStatus>*> status_out_;
  // Rings the feed fills for the simulated exchanges and mock venues (built before the feed).
  std::vector<feed::FeedOutput> sim_md_;
  std::vector<core::SpscRing<core::Trade>*> sim_trades_;
  std::vector<core::SpscRing<core::MarkPrice>*> sim_marks_;
  std::vector<std::unique_ptr<strategy::StrategyWorker>> workers_;
  std::unique_ptr<risk::RiskStage> risk_;
  std::unique_ptr<gateway::RouterStage> router_;
  std::vector<std::unique_ptr<gateway::MockGateway>> gateways_;
  std::vector<std::unique_ptr<gateway::SimExchange>> sims_;
  std::unique_ptr<RecordedVenues> recorded_venues_;  // EngineOptions::exact: stands in for the venues
  // VENUE_MODE=binance*: per live venue (one per product), its instruments, what start() connects with,
  // the venue once connected and its exchangeInfo refresh state (engine.cpp).
  std::vector<std::unique_ptr<LiveVenue>> live_;
  void refresh_binance_instruments(LiveVenue& lv);
  std::unique_ptr<core::Recorder> recorder_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<core::Runner> runner_;
  std::vector<core::Counter*> ticks_by_symbol_;
  std::vector<core::Counter*> recorder_waits_;
  std::vector<core::Stage*> stages_;  // every stage in pipeline order, built once
  // Every ring's (written, read) counters in one flat array, built once: rings_empty() runs after
  // every fused pass, and walking six vectors of owned rings cost ~4% of a replay.
  struct RingCounters {
    const std::atomic<uint64_t>* written;
    const std::atomic<uint64_t>* read;
    const char* kind;  // what the ring carries ("md", "orders", ...), for messages
  };
  std::vector<RingCounters> ring_counters_;
  void (*hook_)(void*) = nullptr;
  void* hook_ctx_ = nullptr;
  const std::atomic<int>* stop_flag_ = nullptr;
  int stopped_by_ = 0;
  bool recorder_threaded_ = false;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace dmabot::tools
