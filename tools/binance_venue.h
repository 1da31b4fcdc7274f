// tools/binance_venue.h — VENUE_MODE=binance_spot|binance_futures for the engine (VENUE_MODE=binance: one
// BinanceVenue per product, each with its own venue id, rings and gateway stage): the network clients,
// the clock offset, a credentials check and the gateway stage (gateway/binance_gateway), built and
// connected at start, torn down in the right order.
//
// connect() (cold, the engine's control thread, Engine::start()) does, each step bounded:
//   1. signers from the credentials (HMAC secret or Ed25519 PEM file; the values are never logged);
//   2. two RestClients on the product's REST base: one for the gateway's orders, one for this
//      thread's cold calls (the clock rounds, the start-up checks);
//   3. ClockOffset::sync (GET time, 5 samples, 2 s each);
//   4. a signed GET openOrders per symbol: proves the key and the signature (a bad key is Binance's
//      -2014/-2015/-1022, reported as such). Orders earlier dmabot runs left there (their client ids
//      say so) are canceled, one DELETE each, and openOrders is asked again to be sure
//      (ON_START_OPEN_ORDERS=cancel, the default), left alone untracked (=leave), or adopted (=adopt,
//      below); orders dmabot did not place are never touched (a warning counts them). DRY_RUN logs the
//      cancels it would send and sends none, and adopts nothing;
//   4b. the account (tools/binance_reconcile.h): spot GET account (base-asset balances minus
//      BINANCE_SPOT_NEUTRAL_BALANCE), USD-M GET positionRisk (positionAmt, entryPrice; one-way mode):
//      the exchange's position per symbol, which attach() hands to risk as the engine's start position;
//   5. the user-data side: spot — the WebSocket API session (logon or HMAC, user data subscribed),
//      which also carries the orders; futures — a ListenKeyStream; both waited for up to
//      connect_timeout_ms;
//   6. the gateway stage (BinanceSpotGateway / BinanceFuturesGateway) on the engine's venue rings.
// Any failure is one line naming the endpoint and what went wrong; nothing is left running. Spot first
// refuses symbols whose inventories the wallet cannot separate (check_spot_assets: a shared base asset).
//
// DRY_RUN: the gateway checks and answers every new order locally (kRejected, kDryRun) and sends
// nothing; each order as it would have been sent goes through a ring to log_dry_run(), which the
// control thread calls (Engine::poll_events) to log "DRY_RUN: would send ...". Connecting, the clock
// and the openOrders check are reads; they still happen, so a dry run proves the set-up.
//
// Clock upkeep: maintain() (the control thread: Engine::poll_events, which dmabot's main loop calls every
// 100 ms) runs a ClockOffset round on the control REST client whenever needs_sync() says so — every
// clock_refresh_ms, or after the gateway saw a -1021 and its own one-sample round has not committed yet).
// A round blocks the control thread only (5 GET time, each bounded); the gateway's hot thread keeps
// signing with the previous offset meanwhile. A failed round is one warning line, the previous offset
// stays, and the next try is 5 s later.
//
// ON_START_OPEN_ORDERS=adopt: after step 6 each earlier run's open order becomes a gateway entry
// (GatewayCore::adopt_open_order: its own client id on the wire, under a new engine id in slot 0,
// make_client_id(0, 2^40 + n), clear of risk's engine cancels) and adopted_orders() lists them for the
// engine, which hands each to risk (RiskStage::adopt_order) and the router (RouterStage::adopt) before
// the stages run. So they count in the working exposure, their fills reach the positions, cancel-all
// (Ctrl-C, kill switch) cancels them. No strategy owns them: adopting into a strategy's book would need
// a strategy hook that does not exist; their reports go to no worker.
//
// Positions from the exchange (attach(), once, after connect(), before or after the stages started):
// each non-zero start position becomes a ControlCommand::kPositionAdjust on the engine's control
// queue — at entryPrice for USD-M; for spot at the first mid (a balance has no entry price, so its
// unrealized PnL starts at 0) — which the risk stage books (Positions::adjust) and records as a `ctl`
// line. Risk's inventory, symbol-notional and drawdown checks and the PnL tracker then start from it.
//
// Between rounds the user-data stream keeps the positions: the gateway turns each outboundAccountPosition
// (spot) / ACCOUNT_UPDATE (USD-M) into a core::PositionEvent on params.positions_out, which risk compares
// with its own position at the same point of the stream (risk/risk_stage.h) and adjusts at once when the
// exchange changed behind the engine's back. Reconciliation stays as the backstop (events lost in a
// stream gap, a REST fill the stream never confirmed).
//
// Reconciliation (RECONCILE_S, 0 = off; maintain() runs a round when one is due, after attach()):
//   * positions: the account again (4b) against risk's published position (RiskStage::published_qty,
//     read before and after the request; a symbol whose engine position moved meanwhile is skipped).
//     A difference seen twice in a row (DriftTracker) is drift: counted
//     (dmabot_binance_drift_total{venue,kind="position"}), one warning line, and resynced — a
//     kPositionAdjust of the difference at the mark (the exchange wins). Until risk has applied every
//     adjustment sent, no comparison is made.
//   * orders: GET openOrders per symbol. An open order of an earlier dmabot run that was not adopted is
//     drift (kind="order"): one line, and it is canceled (not in DRY_RUN; not with =leave). This run's
//     open orders go to the gateway as a snapshot (GatewayCore::post_open_snapshot, compared on its
//     thread against its table): a working order missing from two snapshots in a row is drift, queried
//     by client id to settle it; an order of this run the gateway does not track, reported by two
//     snapshots in a row, is drift and canceled. Orders dmabot did not place are never touched.
//   A round blocks the control thread only: 1 + one request per symbol, each bounded (5 s); a failed
//   request is one warning line and the round ends (the next one is RECONCILE_S later).
//
// Threads: connect(), attach(), log_dry_run(), maintain(), the destructor: the control thread. stage() is polled by the
// engine's gateway thread (core::Runner). stats via core().stats() (atomics) from any thread.
// Allocation: connect() and the clients' own I/O threads; none on the gateway's order path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#if __has_include(<concurrentqueue/moodycamel/concurrentqueue.h>)
#include <concurrentqueue/moodycamel/concurrentqueue.h>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif
#include "core/clock.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "gateway/binance_io/clock_offset.h"
#include "gateway/binance_io/listen_key_stream.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "risk/risk_stage.h"
#include "tools/binance_reconcile.h"

namespace dmabot::tools {

struct BinanceVenueParams {
  std::string name;  // "binance_spot" / "binance_futures" (metric label, log name)
  uint8_t venue_id = 0;
  binance::Product product = binance::Product::kSpot;
  std::string rest_url;    // https://host[:port]
  std::string ws_api_url;  // spot: wss://host[:port]/ws-api/v3
  std::string stream_url;  // futures: the stream base (the listenKey stream's /private)
  std::string ca_file;
  // Credentials (from the environment, or with BINANCE_ENV=local from the config): never logged.
  std::string api_key;
  std::string api_secret;        // HMAC
  std::string private_key_file;  // Ed25519 (PEM)
  // By core::SymbolId, nullptr = not traded on this venue (VENUE_MODE=binance: the other product's
  // symbols); the specs must outlive the venue.
  std::vector<const binance::InstrumentSpec*> symbols;
  std::vector<binance::RateLimit> rate_limits;
  bool dry_run = false;
  bool cancel_stale_orders = true;    // ON_START_OPEN_ORDERS=cancel
  bool adopt_stale_orders = false;    // ON_START_OPEN_ORDERS=adopt
  int connect_timeout_ms = 10'000;    // the WS session / listenKey stream must be up within it
  int64_t clock_refresh_ms = 60'000;  // BINANCE_CLOCK_REFRESH_S: maintain() measures the offset again
  int64_t reconcile_ms = 30'000;      // RECONCILE_S: maintain() reconciles (0 = never)
  std::vector<std::pair<std::string, int64_t>> spot_neutral;  // BINANCE_SPOT_NEUTRAL_BALANCE (raw)
  // The gateway's user-data position events, to risk (RiskRings::positions_in[venue_id]); the engine
  // owns the ring. nullptr: the events are decoded and dropped.
  core::SpscRing<core::PositionEvent>* positions_out = nullptr;
};

class BinanceVenue {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BinanceVenue>> connect(
      BinanceVenueParams params, const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
      core::SpscRing<core::ExecReport>* execs_out);
  ~BinanceVenue();
  BinanceVenue(const BinanceVenue&) = delete;
  BinanceVenue& operator=(const BinanceVenue&) = delete;

  [[nodiscard]] core::Stage* stage() const { return stage_; }
  [[nodiscard]] binance_gateway::GatewayCore& core() const { return *core_; }
  // Nothing of the gateway's in flight (requests, deferred work, reports), as of its last poll.
  [[nodiscard]] bool idle() const { return core_->stats().outstanding.load(std::memory_order_relaxed) == 0; }
  // Orders resting on the venue at start, per the openOrders check (any run's, or not dmabot's), and
  // how many of them (earlier dmabot runs') were canceled.
  [[nodiscard]] std::size_t open_orders_at_start() const { return open_at_start_; }
  [[nodiscard]] std::size_t stale_orders_canceled() const { return stale_canceled_; }
  // Cold, before the registry is rendered by another thread: the gateway's counters as callback gauges
  // (dmabot_binance_<counter>{venue}, dmabot_binance_local_rejects{venue,reason}), the requests in
  // flight, the clock offset and whether the user-data stream is up. They read the atomics; the venue
  // must outlive the registry's renders.
  void export_metrics(core::Registry& registry);
  // Control thread, once: the engine's control queue and risk stage (both must outlive the venue's
  // use of them). Enqueues the start positions (see above) and enables reconciliation rounds.
  void attach(moodycamel::ConcurrentQueue<core::Control>* control, const risk::RiskStage* risk,
              const core::Clock* clock);
  // ON_START_OPEN_ORDERS=adopt: the orders adopted at start, as the engine tracks them (see above).
  [[nodiscard]] const std::vector<core::Order>& adopted_orders() const { return adopted_; }
  // The exchange's position per traded symbol as loaded by connect() (4b).
  [[nodiscard]] const std::vector<ExchangePosition>& start_positions() const { return start_positions_; }
  // Reconciliation: rounds run, drift found (kind position / order), rounds that failed.
  [[nodiscard]] uint64_t reconcile_rounds() const { return rounds_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t position_drift() const { return drift_[0].load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t order_drift() const { return drift_[1].load(std::memory_order_relaxed); }
  // Control thread: runs one reconciliation round now (tests; maintain() runs them when due).
  void reconcile();
  // Control thread: logs the DRY_RUN orders queued since the last call (one line each); returns how many.
  std::size_t log_dry_run();
  // Control thread, cold: the clock round, then a reconciliation round, when due (see above). Returns true when
  // either ran.
  bool maintain();
  [[nodiscard]] const binance_io::ClockOffset& clock_offset() const { return clock_offset_; }
  // Control thread: the symbol's spec after an exchangeInfo refresh changed its status or filters. A
  // copy is kept for the venue's life (the gateway may read the previous one until it swaps) and handed
  // to the gateway, which checks and encodes new orders with it from its next poll. False (one warning
  // line): the handoff ring was full; the next refresh tries again.
  bool update_spec(core::SymbolId symbol, const binance::InstrumentSpec& spec);
  [[nodiscard]] const BinanceVenueParams& params() const { return p_; }

 private:
  explicit BinanceVenue(BinanceVenueParams p)
      : p_(std::move(p)), clock_offset_(binance_io::ClockOffset::Options{5, p_.clock_refresh_ms}) {}
  struct OpenOrder {
    std::string client_id;
    binance_gateway::ClientIdCodec::Origin origin;
    binance::OrderResult result;
  };
  absl::Status check_account();
  absl::Status open_orders(const binance::InstrumentSpec& spec, std::vector<OpenOrder>& out);
  absl::Status signed_call(const binance::RestTarget& target, const std::string& what, std::string& body);
  absl::Status wait_user_stream();
  absl::Status load_positions(std::vector<ExchangePosition>& out);
  // DELETE order by client id; a -2011 answer (already gone) counts as done.
  absl::Status cancel_order(const binance::InstrumentSpec& spec, const std::string& client_id, std::string_view why);
  void send_adjust(core::SymbolId symbol, int64_t delta_raw, int64_t px_raw, core::KillCause cause);
  void count_drift(int kind);

  BinanceVenueParams p_;
  std::optional<binance::HmacSha256Signer> hmac_;
  std::optional<binance::Ed25519Signer> ed25519_;
  std::unique_ptr<binance_io::RestClient> rest_;     // the gateway's
  std::unique_ptr<binance_io::RestClient> control_;  // this thread's: clock rounds, checks
  binance_io::ClockOffset clock_offset_;
  std::unique_ptr<binance_io::WsApiClient> ws_;                          // spot
  std::unique_ptr<binance_io::ListenKeyStream> lk_;                      // futures
  std::unique_ptr<core::SpscRing<core::Order>> dry_;                     // DRY_RUN orders to log
  std::vector<std::unique_ptr<binance::InstrumentSpec>> spec_versions_;  // every spec update_spec handed over
  std::size_t open_at_start_ = 0;
  std::size_t stale_canceled_ = 0;
  std::vector<std::pair<core::SymbolId, OpenOrder>> to_adopt_;  // check_account -> step 6
  std::vector<core::Order> adopted_;
  std::vector<std::string> adopted_text_;  // their client ids (reconciliation leaves them alone)
  // The control thread's start-up requests.
  binance_gateway::ClientIdCodec ids_;
  std::unique_ptr<binance_gateway::OrderEncoder> enc_;
  std::unique_ptr<binance::ResponseDecoder> dec_;
  uint64_t tag_ = 0;
  int64_t clock_retry_at_ns_ = 0;  // maintain(): no round before this (monotonic) after a failure
  std::atomic<uint64_t> clock_failures_{0};
  int last_code_ = 0;  // Binance's code of the last signed_call error (0: none / not decoded)
  // Positions and reconciliation.
  std::vector<ExchangePosition> start_positions_;
  moodycamel::ConcurrentQueue<core::Control>* control_q_ = nullptr;
  const risk::RiskStage* risk_ = nullptr;
  const core::Clock* engine_clock_ = nullptr;
  uint64_t adjusts_sent_ = 0;
  int64_t next_reconcile_ns_ = 0;  // monotonic; 0 = not attached or off
  DriftTracker position_drift_;
  std::atomic<uint64_t> rounds_{0};
  std::array<std::atomic<uint64_t>, 2> drift_{};  // position, order
  std::array<core::Counter*, 2> drift_counters_{};
  uint64_t missing_seen_ = 0;  // gateway stats().missing_orders already counted
  std::vector<std::pair<uint64_t, core::SymbolId>> untracked_suspects_;  // reported by the last snapshots
  // Declared last: destroyed first (it holds pointers to everything above).
  std::unique_ptr<binance_gateway::BinanceSpotGateway> spot_;
  std::unique_ptr<binance_gateway::BinanceFuturesGateway> futures_;
  core::Stage* stage_ = nullptr;
  binance_gateway::GatewayCore* core_ = nullptr;
};

}  // namespace dmabot::tools
