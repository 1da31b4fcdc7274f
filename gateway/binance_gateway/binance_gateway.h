// gateway/binance_gateway/binance_gateway.h — the live Binance venues: BinanceSpotGateway (orders over
// the WebSocket API, REST when the WS session is not ready) and BinanceFuturesGateway (USD-M, REST),
// behind the same venue contract as MockGateway and SimExchange: a core::Stage whose poll() takes
// core::Order off one SpscRing and puts core::ExecReport on another (core/events.h).
//
// Both share GatewayCore (non-template, gateway_core.cpp); the stages differ only in where user data
// comes from: spot — the WsApiClient's event side (executionReport); futures — a listenKey stream
// with the same event API (event_front()/event_pop() → const binance_io::WsEvent*, kinds kEvent /
// kSessionReady / kDisconnected; ORDER_TRADE_UPDATE), a template parameter so no call is virtual.
//
// Per order a fixed-size table entry (IdMap keyed by the engine client id): state, the
// newClientOrderId text (client_id.h: derived from the engine id + a per-run prefix, so it is unique
// across restarts, decodable without a map, and the same on every retry), Binance's orderId, the
// venue's executed quantity, the quantity reported as fills, and the last trade ids.
//
// Rules:
//   * Before anything leaves: the order is quantized and checked (order_encoder.h). A failed check
//     is answered kRejected (kVenueReject) locally and counted by LocalReject; nothing is sent.
//   * Rate: RateGovernor (fed by every response's headers / rateLimits) gates each send. New orders it
//     refuses (headroom, or after 429/418 until Retry-After) are rejected locally (kRateLimited):
//     a delayed quote is a stale quote, the strategy re-decides (a 429/418 answer to an order that
//     went out: kRejected, counted the same). Cancels and queries are never
//     dropped: they wait (a deferred list) and go when the governor allows — a cancel that goes late
//     still removes risk.
//   * Unknown outcome (HTTP 5xx, timeout, connection dropped with the request out): the entry goes
//     kUnknown and the order is queried by origClientOrderId (WS order.status or GET order) — never
//     resent. An answer "does not exist" (-2013) is conclusive only once the venue's clock has passed
//     the request's timestamp + recvWindow + conclusive_margin_ms: until then the request could still
//     be accepted (it may sit in a queue; Binance checks the window when it processes it), so the
//     query is repeated at that time; after it, the order is answered kRejected (kVenueReject).
//   * -1021 (timestamp outside recvWindow): ClockOffset::resync(), one time sample (GET time, through
//     the same REST client, non-blocking), then one retry of the same request with the same client
//     id and a fresh timestamp. A second -1021 rejects.
//   * Post-only that would cross: Binance refuses it (spot LIMIT_MAKER -2010 "Order would immediately
//     match and take.", USD-M GTX -5022); reported kExpired (kVenueReject) as core/events.h and
//     MockGateway define post-only crossing.
//   * Fills: from order responses (spot FULL fills), user data (executionReport / ORDER_TRADE_UPDATE)
//     and trade queries (myTrades / userTrades by orderId) — deduplicated by trade id per order, so
//     each fill is reported once. A final status (FILLED/CANCELED/EXPIRED) is reported only after the
//     fills that make up the venue's executed quantity; if they have not come within fill_grace_ms,
//     the trades are queried. After a user-data kSessionReady that follows a disconnect, every
//     working order is queried (and its trades when its executed quantity is ahead of ours).
//   * Replace, STOP_ON_FAILURE semantics (as the mock and sim venues): spot with the WS session ready
//     sends one order.cancelReplace; otherwise (REST, futures) the cancel goes first and the new order
//     once the cancel is confirmed. If the cancel fails: kCancelRejected (old id) + kRejected (new id,
//     kUnknownOrder). A cancelReplace refused as a whole (4xx without `data`: -1021, -1022, a
//     parameter error) is conclusive: kCancelRejected (old) + kRejected (new), -1021 also resyncs
//     the clock. An unknown outcome of a cancelReplace queries both orders; the old one found still
//     open is reported kCancelRejected (risk then tracks it as working again). A plain cancel with an
//     unknown outcome queries the order; still open, the cancel goes again (cancels never create).
//   * Fees: ExecReport::fee_raw is quote * 1e8. Commission in the quote asset: as is; in the base
//     asset (spot buys): converted at the fill price; any other asset (BNB): 0, counted in
//     stats().fees_other_asset (the balance events still show it).
//
//   * DRY_RUN (dry_run): every new order is quantized and checked as above, then answered kRejected
//     (LocalReject::kDryRun) instead of sent; with dry_run_out, a copy as it would have gone out is
//     pushed there for a cold thread to log (tools/binance_venue.h does).
//   * Positions (positions_out set): each outboundAccountPosition balance of a traded symbol's base
//     asset (spot: free + locked less spot_neutral, inventory.h) and each one-way ACCOUNT_UPDATE
//     position (USD-M: pa, ep, reason m; hedge-mode rows are counted in position_events_ignored)
//     becomes a core::PositionEvent for risk, which holds the exchange's absolute position at that
//     point of the stream. Why this compares right: Binance sends the account event after the order
//     events of the same change, so it reflects exactly the stream's fills before it; the event carries
//     fills_before (fill reports this gateway has emitted so far) and risk compares only after it has
//     booked as many fills from this venue — the exec path (gateway → router → risk) and the event
//     ring are separate, and the count joins them without a lock or a shared ring. Fills reported from
//     elsewhere (a spot order response's FULL fills, a trade query) are in the engine but may not be
//     in the exchange's event yet: each waits in a small table (256, by orderId + tradeId) until the
//     stream reports the same trade, or an account event later than the trade (by the exchange's
//     times) comes, or kUnconfirmedMaxMs passed, and the table is cleared after a user-stream gap;
//     their sum per symbol travels as unconfirmed_raw; once one is taken as in the exchange's events
//     without the stream having shown it, its base-asset commission joins fees_raw (settle_unconfirmed). After a
//     user-stream gap the gateway knows it may lack fills the exchange's next account event already holds (the gap lost
//     their reports; the status query after the reconnect finds them, the trade query after fill_grace_ms reports
//     them): while an order of the symbol awaits that status answer, or the venue's executed quantity exceeds what the
//     gateway reported, the symbol's account event is held back (the latest one per symbol, position_events_held counts
//     them) and sent once the fills are known — so risk never sees a difference that is only fills on their way (at
//     most kHeldPositionMaxMs; RECONCILE_S stays the backstop). Commissions the engine's own spot fills paid in the
//     base asset (seen on the stream) travel as fees_raw: the wallet is smaller by them. A full positions_out ring
//     drops the event (position_events_dropped; the next event or the RECONCILE_S round restores the position). The
//     start position and reconciliation stay with tools/binance_venue.h (REST). A gateway without a user stream
//     (NoUserStream) learns of a resting order's fills only from a resync, and sends no position events.
//
// Threads: one gateway thread calls poll() (and the cold hooks); stats() from anywhere (relaxed
// atomics). Allocation: construction (tables, slots, decoders — grown there to the largest message
// the clients hand over); none per order after that (tests/gateway/binance_gateway/noalloc_test.cpp).
// No locks, no exceptions, no std::function on the order path.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance/user_data.h"
#include "gateway/binance_gateway/client_id.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "gateway/binance_io/clock_offset.h"
#include "gateway/binance_io/rate_governor.h"
#include "gateway/binance_io/rest_client.h"
#include "gateway/binance_io/ws_api_client.h"
#include "gateway/internal/id_map.h"

namespace dmabot::binance_io {
class ListenKeyStream;  // gateway/binance_io/listen_key_stream.h (futures user data)
}

namespace dmabot::binance_gateway {

struct GatewayOptions {
  std::string name = "binance";
  uint8_t venue_id = 0;
  binance::Product product = binance::Product::kSpot;
  // By core::SymbolId; nullptr = not traded on this venue. The specs must outlive the gateway.
  std::vector<const binance::InstrumentSpec*> symbols;
  uint64_t run_id = 0;           // ClientIdCodec run; 0 = from the wall clock at construction
  std::string api_key;           // WS API per-request signing (REST sends it as a header itself)
  bool ws_session_auth = false;  // the WS session is logged on (Ed25519): WS requests go unsigned
  int64_t recv_window_ms = 5000;
  std::vector<binance::RateLimit> rate_limits;  // exchangeInfo rateLimits
  binance_io::RateGovernor::Options governor;
  std::size_t max_orders = 4096;        // working orders (table entries)
  int32_t order_timeout_ms = 0;         // new order / cancel request timeout (0 = the client's default)
  int32_t query_timeout_ms = 0;         // order status / trades / time (0 = the client's default)
  int64_t fill_grace_ms = 1000;         // a final status waits this long for its fills, then trades are queried
  int64_t conclusive_margin_ms = 1000;  // "does not exist" is conclusive after timestamp + recvWindow + this
  bool dry_run = false;  // DRY_RUN: orders are checked and counted, not sent; answered kRejected (kDryRun)
  // DRY_RUN: each new order as it would have been sent (price and quantity quantized) is pushed here
  // for a cold thread to log (the client id text: ids().encode); a full ring counts dry_run_unlogged.
  core::SpscRing<core::Order>* dry_run_out = nullptr;
  // User-data position events for risk (see above); nullptr: account events are decoded and dropped.
  core::SpscRing<core::PositionEvent>* positions_out = nullptr;
  std::vector<std::pair<std::string, int64_t>> spot_neutral;  // BINANCE_SPOT_NEUTRAL_BALANCE (raw)
};

// Reconciliation: this run's orders open on the exchange on one symbol, as of a server time (the
// openOrders request's timestamp), for GatewayCore::post_open_snapshot.
struct OpenSnapshot {
  static constexpr std::size_t kMaxIds = 60;
  int64_t as_of_ms = 0;
  core::SymbolId symbol = core::kNoSymbol;
  uint8_t n = 0;
  std::array<uint64_t, kMaxIds> ids{};  // engine client ids
};

struct GatewayStats {
  std::array<std::atomic<uint64_t>, static_cast<std::size_t>(LocalReject::kCount)> local_rejects{};
  std::atomic<uint64_t> orders_sent{0};
  std::atomic<uint64_t> cancels_sent{0};
  std::atomic<uint64_t> sent_rest{0};
  std::atomic<uint64_t> sent_ws{0};
  std::atomic<uint64_t> venue_rejects{0};
  std::atomic<uint64_t> unknown_outcomes{0};
  std::atomic<uint64_t> queries_sent{0};
  std::atomic<uint64_t> trade_queries_sent{0};
  std::atomic<uint64_t> clock_resyncs{0};  // -1021 seen
  std::atomic<uint64_t> retries{0};        // requests sent again after -1021 (or never sent)
  std::atomic<uint64_t> rate_limited{0};   // 429/418 answers
  std::atomic<uint64_t> deferred{0};       // cancels/queries that waited for the governor
  std::atomic<uint64_t> fills{0};
  std::atomic<uint64_t> duplicate_fills{0};
  std::atomic<uint64_t> user_events{0};
  std::atomic<uint64_t> foreign_events{0};  // user data for client ids not of this run
  std::atomic<uint64_t> stale_events{0};    // ours, but no entry (already final)
  std::atomic<uint64_t> stale_answers{0};   // answers for orders already final (user data was first)
  std::atomic<uint64_t> decode_errors{0};
  std::atomic<uint64_t> fees_other_asset{0};
  std::atomic<uint64_t> resyncs_after_reconnect{0};
  std::atomic<uint64_t> dry_run_unlogged{0};  // DRY_RUN orders not logged (dry_run_out full)
  // Reconciliation: working orders missing from two open-order snapshots in a row (queried to settle).
  std::atomic<uint64_t> missing_orders{0};
  // User-data position events: sent to risk, dropped (positions_out full), rows not used (hedge mode).
  std::atomic<uint64_t> position_events{0};
  std::atomic<uint64_t> position_events_dropped{0};
  std::atomic<uint64_t> position_events_ignored{0};
  // Account events held back until the fills a user-stream gap lost were found (see the overview).
  std::atomic<uint64_t> position_events_held{0};
  // Requests awaiting an answer + deferred work + reports waiting for ring room, as of the end of the
  // last poll (published only when it changes): 0 = nothing of ours in flight (the engine's drain).
  std::atomic<uint32_t> outstanding{0};
  [[nodiscard]] uint64_t local(LocalReject r) const {
    return local_rejects[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  }
};

// The connections a gateway uses (non-owning; they must outlive it). rest is required; ws only for
// spot (null: REST only); clock_offset null = the local wall clock; one signer for SIGNED requests.
struct GatewayLinks {
  binance_io::RestClient* rest = nullptr;
  binance_io::WsApiClient* ws = nullptr;
  binance_io::ClockOffset* clock_offset = nullptr;
  const binance::HmacSha256Signer* hmac = nullptr;
  binance::Ed25519Signer* ed25519 = nullptr;
};

class GatewayCore {
 public:
  static constexpr int kBatch = 32;
  static constexpr std::size_t kMaxUnconfirmed = 256;
  static constexpr int64_t kUnconfirmedMaxMs = 5000;
  static constexpr int64_t kHeldPositionMaxMs = 30'000;  // an account event is never held longer

  GatewayCore(GatewayOptions options, const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
              core::SpscRing<core::ExecReport>* execs_out, GatewayLinks links);
  ~GatewayCore();
  GatewayCore(const GatewayCore&) = delete;
  GatewayCore& operator=(const GatewayCore&) = delete;

  // Responses, due deferred work, then new orders (a bounded batch). Returns work done.
  int poll_venue();
  // One user-data notice or event (spot WS API events, futures listenKey stream).
  void on_user_event(const binance_io::WsEvent& e);

  // Cold hooks ---------------------------------------------------------------------------------
  // Futures reduceOnly: orders on this symbol are sent reduceOnly=true while set.
  void set_reduce_only(core::SymbolId symbol, bool on);
  // One other thread (the venue's control thread): a new spec for `symbol` (an exchangeInfo refresh
  // changed its status or filters). The gateway takes it at its next poll_venue(), before new orders,
  // and checks and encodes with it from then on. `spec` must outlive the gateway (the caller keeps
  // every version it hands over: the old one may still be read until the swap). False: the handoff
  // ring (64) is full or the symbol is not this gateway's; nothing changed.
  bool update_spec(core::SymbolId symbol, const binance::InstrumentSpec* spec);
  // Start-up reconciliation plugs in here: open orders loaded from the venue (GET openOrders). Orders
  // of this run become table entries (their events are then tracked); returns how many were of
  // another run or not ours at all (for the caller to cancel or adopt).
  std::size_t load_open_orders(std::span<const binance::OrderResult> orders, core::SymbolId symbol);
  // ON_START_OPEN_ORDERS=adopt (cold, before the gateway is polled): an open order of an earlier dmabot
  // run (its client id is kForeignRun) becomes a working entry under `engine_id`, keeping its own
  // client id text on the wire (cancels, queries) and in user data; fills it had before are not
  // reported (the exchange's position already holds them). `out` is the order as the engine should
  // track it (risk, router): qty = the original quantity less what had filled, strategy 0. False: not an
  // earlier run's order, already tracked, not this gateway's symbol, or the table is full.
  bool adopt_open_order(const binance::OrderResult& r, core::SymbolId symbol, uint64_t engine_id, core::Order& out);

  // Reconciliation (one other thread, the venue's control thread). post_open_snapshot hands over the
  // exchange's view; at its next poll the gateway compares it with its table for that symbol:
  //   * a working, acknowledged entry placed well before as_of_ms (its request timestamp + recvWindow
  //     + conclusive_margin_ms) that is not in the snapshot is suspect; missing from two snapshots in
  //     a row it is counted (stats().missing_orders) and queried by client id, whose answer settles it;
  //   * an id in the snapshot the table does not hold (this run's order, but finished or never
  //     tracked here) goes to next_untracked() for the control thread, which cancels it when two
  //     snapshots in a row report it.
  // False: the handoff ring (4) is full; nothing changed.
  bool post_open_snapshot(const OpenSnapshot& s) { return snapshots_.try_push(s); }
  // An (engine id, symbol) of the last snapshots the table does not hold; false when none (ring of 256:
  // overflow drops, the next round reports them again).
  bool next_untracked(uint64_t& engine_id, core::SymbolId& symbol) {
    Untracked u;
    if (!untracked_.try_pop(u)) return false;
    engine_id = u.engine_id;
    symbol = u.symbol;
    return true;
  }

  [[nodiscard]] const GatewayStats& stats() const { return stats_; }
  [[nodiscard]] const ClientIdCodec& ids() const { return ids_; }
  [[nodiscard]] std::size_t live_orders() const { return table_.size(); }
  [[nodiscard]] std::size_t requests_in_flight() const { return pending_.size(); }
  [[nodiscard]] std::size_t deferred_count() const { return deferred_n_; }
  // After a 429/418: nothing is sent before this server time (ms); 0 = not blocked.
  [[nodiscard]] int64_t rate_blocked_until_ms() const { return governor_.blocked_until_ms(); }
  // The client id text of an engine id (what Binance sees).
  [[nodiscard]] std::string_view client_text(uint64_t engine_id, char (&buf)[kClientIdTextMax]) const {
    return {buf, ids_.encode(engine_id, buf)};
  }
  [[nodiscard]] const std::string& name() const { return opt_.name; }

 private:
  enum class Kind : uint8_t { kNew, kCancel, kQuery, kTrades, kTime, kCancelReplace };
  enum class State : uint8_t { kPendingNew, kWorking, kUnknown };
  struct Entry {
    core::Order order;    // as sent: price and quantity quantized
    core::Order replace;  // the new half of a replace, sent once the cancel is confirmed
    core::Qty cum;        // reported as fills
    core::Qty venue_cum;  // the venue's executed quantity (any source)
    uint64_t order_id = 0;
    int64_t sent_timestamp_ms = 0;     // `timestamp` of the new-order request (unknown-outcome rule)
    int64_t fill_deadline_ms = 0;      // 0 = not armed
    std::array<uint64_t, 8> trades{};  // last trade ids (dedup), ring
    uint8_t trade_pos = 0;
    uint8_t trade_queries = 0;
    State state = State::kPendingNew;
    binance::OrderStatus final_status = binance::OrderStatus::kNew;
    bool has_final = false;
    bool acked = false;
    bool has_replace = false;
    bool replace_unknown = false;  // the replace's cancel had an unknown outcome: the query decides
    bool cancel_unknown = false;   // a cancel had an unknown outcome: still open per the query → again
    bool resync_query = false;     // queried after a user-stream gap, not answered yet: fills may be missing
    uint8_t missing = 0;           // consecutive open-order snapshots without it (reconciliation)
    uint8_t text_len = 0;
    char text[kClientIdTextMax];
    [[nodiscard]] std::string_view text_view() const { return {text, text_len}; }
  };
  struct Pending {
    Kind kind = Kind::kNew;
    uint8_t attempt = 0;
    bool ws = false;
    uint64_t client_id = 0;
    int64_t timestamp_ms = 0;
    core::Order order;       // the order it is about (reports when its entry is gone)
    uint64_t target_id = 0;  // kCancelReplace: the order being canceled (client_id: the new one)
    core::Order repl;        // kCancel of a two-step replace: the new half, placed once it is confirmed
    bool for_replace = false;
  };
  struct Deferred {
    int64_t due_ms = 0;
    uint64_t client_id = 0;
    Kind kind = Kind::kNew;
    uint8_t attempt = 0;
  };
  struct Fill {
    uint64_t trade_id = 0;
    core::Price px;
    core::Qty qty;
    core::Qty commission;
    std::string_view commission_asset;
    bool maker = false;
    bool stream = false;  // from the user-data stream (else a response or a trade query)
    core::UnixNanos ts = 0;
  };
  struct HeldPosition {  // an account event waiting for the fills it holds that the engine lacks
    int64_t qty_raw = 0;
    int64_t entry_px_raw = 0;
    core::UnixNanos ts = 0;  // the exchange's event time
    int64_t since_ms = 0;    // when it was first held (kHeldPositionMaxMs)
    char reason[sizeof(core::PositionEvent::reason)] = {};
    uint8_t reason_len = 0;
    bool active = false;
  };
  struct Unconfirmed {  // a fill reported from a response / trade query, not yet seen on the stream
    int64_t order_id = 0;
    uint64_t trade_id = 0;
    int64_t qty_raw = 0;     // signed
    int64_t fee_raw = 0;     // its commission in the base asset (spot), else 0
    core::UnixNanos ts = 0;  // the trade's time (the exchange's)
    core::SymbolId symbol = core::kNoSymbol;
  };

  [[nodiscard]] int64_t now_ms() const;
  [[nodiscard]] bool ws_usable() const;
  int flush_reports();
  void emit(const core::Order& o, core::ExecStatus st, core::Qty cum, core::RejectReason reason,
            core::UnixNanos ts_exchange, core::Qty last_qty = {}, core::Price last_px = {}, int64_t fee = 0,
            bool maker = false);
  void reject_local(const core::Order& o, LocalReject why);

  void on_order(const core::Order& o);
  void new_order(const core::Order& o);
  void cancel(const core::Order& o);
  void replace(const core::Order& o);

  // Sends (false: could not be queued / encoded; the caller decides).
  bool send_new(Entry& e, uint8_t attempt);
  bool send_cancel(Entry& e, uint8_t attempt);
  bool send_query(Entry& e, uint8_t attempt);
  bool send_order_ref(Entry& e, uint8_t attempt, Kind kind, int64_t weight, std::string_view ws_method,
                      std::atomic<uint64_t>& sent_counter);
  bool send_trades(Entry& e, uint8_t attempt);
  bool send_cancel_replace(Entry& old_entry, const core::Order& repl);
  void on_cancel_replace(const Pending& p, bool answered);
  void on_replace_cancel(const Pending& p, binance::DecodeInput body);
  void place_or_reject_replace(const core::Order& repl, bool old_canceled);
  void send_time();
  bool submit(Kind kind, uint64_t client_id, uint8_t attempt, uint64_t ws_id, int64_t timestamp_ms);  // ws_id 0 = REST
  void defer(int64_t due_ms, uint64_t client_id, Kind kind, uint8_t attempt);
  int run_deferred();
  void run_one(const Deferred& d);

  void on_rest_response(const binance_io::RestResponse& r);
  void on_ws_response(const binance_io::WsResponse& r);
  void on_success(const Pending& p, binance::DecodeInput body);
  void on_error(const Pending& p, int http_status, int code, std::string_view msg);
  void on_unknown(const Pending& p);
  void on_not_sent(const Pending& p);

  void apply_result(Entry& e, const binance::OrderResult& r, std::span<const binance::Fill> fills);
  void apply_status(Entry& e, binance::OrderStatus st, core::Qty venue_cum, core::UnixNanos ts);
  void on_fill(Entry& e, const Fill& f);
  void ack(Entry& e, core::UnixNanos ts);
  void try_finish(Entry& e);
  void finish(Entry& e, bool report);
  void on_exec(std::string_view text, std::string_view orig_text, int64_t order_id, binance::ExecutionType x,
               binance::OrderStatus st, core::Qty cum, const Fill& f);
  void resync_all();
  void check_snapshot(const OpenSnapshot& s);
  // Position events (see the overview).
  void on_stream_trade(int64_t order_id, const Fill& f, std::string_view symbol, std::string_view text);
  void on_account_position(const binance::AccountPosition& a);
  void on_account_update(const binance::AccountUpdate& a);
  void push_position(core::SymbolId s, int64_t qty_raw, int64_t entry_px_raw, core::UnixNanos ts,
                     std::string_view reason);
  void settle_unconfirmed(std::size_t i);
  void send_position(core::SymbolId s, int64_t qty_raw, int64_t entry_px_raw, core::UnixNanos ts,
                     std::string_view reason);
  [[nodiscard]] bool fills_known(core::SymbolId s);
  int release_held_positions();
  [[nodiscard]] core::SymbolId symbol_by_name(std::string_view name) const;
  [[nodiscard]] bool is_ours(std::string_view text) const;

  Entry* find_ours(std::string_view text);
  [[nodiscard]] int64_t fee_raw(const binance::InstrumentSpec& spec, const Fill& f);

  GatewayOptions opt_;
  const core::Clock& clock_;
  core::SpscRing<core::Order>* in_;
  core::SpscRing<core::ExecReport>* out_;
  GatewayLinks links_;
  ClientIdCodec ids_;
  OrderEncoder enc_;
  binance_io::RateGovernor governor_;
  GatewayStats stats_;
  std::vector<uint8_t> reduce_only_;
  // Which symbols have a spec, fixed at construction: update_spec() (another thread) reads this, never
  // opt_.symbols, which the gateway's thread rewrites when it takes an update.
  std::vector<uint8_t> has_spec_;
  struct SpecUpdate {
    core::SymbolId symbol = core::kNoSymbol;
    const binance::InstrumentSpec* spec = nullptr;
  };
  core::SpscRing<SpecUpdate> spec_updates_{64};
  struct Untracked {
    uint64_t engine_id = 0;
    core::SymbolId symbol = core::kNoSymbol;
  };
  core::SpscRing<OpenSnapshot> snapshots_{4};
  core::SpscRing<Untracked> untracked_{256};

  gateway::internal::IdMap<Entry> table_;
  struct Adopted {  // adopt_open_order: an earlier run's client id text -> the engine id it runs under
    char text[kClientIdTextMax];
    uint8_t len = 0;
    uint64_t engine_id = 0;
  };
  std::vector<Adopted> adopted_;
  gateway::internal::IdMap<Pending> pending_;
  std::vector<Deferred> deferred_;
  std::size_t deferred_n_ = 0;
  std::vector<core::ExecReport> reports_;  // ring: reports waiting for room on execs_out
  std::size_t rep_head_ = 0, rep_n_ = 0;

  std::unique_ptr<binance_io::RestRequest> rest_slot_;
  std::unique_ptr<binance_io::WsRequest> ws_slot_;
  std::unique_ptr<binance::ResponseDecoder> dec_;
  std::unique_ptr<binance::UserDataDecoder> ud_;
  uint64_t rest_seq_ = 0;
  bool time_sync_in_flight_ = false;
  bool user_stream_dropped_ = false;
  uint32_t outstanding_ = 0;              // last value published in stats_.outstanding
  uint64_t fills_emitted_ = 0;            // fill reports put on execs_out (PositionEvent::fills_before)
  std::vector<Unconfirmed> unconfirmed_;  // kMaxUnconfirmed, the first unconfirmed_n_ in use
  std::size_t unconfirmed_n_ = 0;
  std::vector<int64_t> stream_fees_;  // by symbol: base-asset commissions since the last position event
  std::vector<HeldPosition> held_;    // by symbol: the latest account event held back (fills_known)
  std::size_t held_n_ = 0;
  int64_t held_checked_ms_ = 0;
};

// Spot: orders over the WebSocket API when links.ws is ready, REST otherwise; user data from
// links.ws's event side.
class BinanceSpotGateway final : public core::Stage {
 public:
  BinanceSpotGateway(GatewayOptions options, const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
                     core::SpscRing<core::ExecReport>* execs_out, GatewayLinks links)
      : ws_(links.ws),
        core_(with_product(std::move(options), binance::Product::kSpot), clock, orders_in, execs_out, links) {}
  int poll() override {
    int n = 0;
    if (ws_ != nullptr) {
      for (const binance_io::WsEvent* e; n < GatewayCore::kBatch && (e = ws_->event_front()) != nullptr; ++n) {
        core_.on_user_event(*e);
        ws_->event_pop();
      }
    }
    return n + core_.poll_venue();
  }
  std::string_view name() const override { return core_.name(); }
  GatewayCore& core() { return core_; }

 private:
  static GatewayOptions with_product(GatewayOptions o, binance::Product p) {
    o.product = p;
    return o;
  }
  binance_io::WsApiClient* ws_;
  GatewayCore core_;
};

// A user stream that never has events (a futures gateway without one: fills then come from order
// responses and userTrades queries only).
struct NoUserStream {
  const binance_io::WsEvent* event_front() noexcept { return nullptr; }
  void event_pop() noexcept {}
};

// USD-M futures: orders over REST (/fapi/v1/order); user data from `UserStream` (event_front /
// event_pop, as binance_io::ListenKeyStream), nullable.
template <class UserStream>
class BasicFuturesGateway final : public core::Stage {
 public:
  BasicFuturesGateway(GatewayOptions options, const core::Clock& clock, core::SpscRing<core::Order>* orders_in,
                      core::SpscRing<core::ExecReport>* execs_out, GatewayLinks links, UserStream* user_stream)
      : stream_(user_stream),
        core_(with_futures(std::move(options), links), clock, orders_in, execs_out, no_ws(links)) {}
  int poll() override {
    int n = 0;
    if (stream_ != nullptr) {
      for (const binance_io::WsEvent* e; n < GatewayCore::kBatch && (e = stream_->event_front()) != nullptr; ++n) {
        core_.on_user_event(*e);
        stream_->event_pop();
      }
    }
    return n + core_.poll_venue();
  }
  std::string_view name() const override { return core_.name(); }
  GatewayCore& core() { return core_; }

 private:
  static GatewayOptions with_futures(GatewayOptions o, const GatewayLinks&) {
    o.product = binance::Product::kUsdmFutures;
    return o;
  }
  static GatewayLinks no_ws(GatewayLinks l) {
    l.ws = nullptr;
    return l;
  }
  UserStream* stream_;
  GatewayCore core_;
};

using BinanceFuturesGateway = BasicFuturesGateway<binance_io::ListenKeyStream>;

}  // namespace dmabot::binance_gateway
