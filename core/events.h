// core/events.h — the messages that travel on the buses between stages.
//
// Every event is trivially copyable and at most 64 bytes (one cache line), carries the exchange's
// timestamp where there is one (ts_exchange) and the local time at which this process created or
// received it (ts_local), both in ns. Events are immutable values: a stage that changes something
// creates a new event.
//
//   feed ──MdTick/Trade/MarkPrice──▶ strategy worker ──Signal──▶ risk ──Order──▶ router ──▶ gateway
//   gateway ──ExecReport──▶ router ──▶ risk (positions, working orders) ──▶ strategy worker
//
// Client order ids: a strategy worker names each intent with an id from its own namespace
// (make_client_id); the router sets the low kSplitBits when it splits one order over venues, so
// every id sent to a venue is unique within the process run.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "core/types.h"

namespace dmabot::core {

enum class EventKind : uint8_t { kMdTick, kTrade, kMarkPrice, kSignal, kOrder, kExecReport, kControl };
std::string_view to_string(EventKind k);

// Best bid/offer update (Binance bookTicker).
struct MdTick {
  UnixNanos ts_exchange = 0;  // exchange event/transaction time; 0 when the stream has none (spot)
  UnixNanos ts_local = 0;     // receive (or generation) time
  uint64_t update_id = 0;     // Binance "u"; monotonically increasing per symbol
  Price bid;
  Qty bid_qty;
  Price ask;
  Qty ask_qty;
  SymbolId symbol = kNoSymbol;
  uint8_t feed = 0;           // index of the feed that produced it
};

// Public trade (Binance trade/aggTrade). Used by the simulated exchange to fill resting orders.
struct Trade {
  UnixNanos ts_exchange = 0;
  UnixNanos ts_local = 0;
  uint64_t trade_id = 0;
  Price price;
  Qty qty;
  SymbolId symbol = kNoSymbol;
  Side aggressor = Side::kBuy;  // side of the taker (Binance "m" = buyer is maker -> seller aggressed)
  uint8_t feed = 0;
};

// Futures mark price and funding (Binance markPrice@1s).
struct MarkPrice {
  UnixNanos ts_exchange = 0;
  UnixNanos ts_local = 0;
  UnixNanos next_funding_time = 0;  // ns
  Price mark;
  Price index;
  int64_t funding_rate_raw = 0;     // rate * 1e8 (may be negative)
  SymbolId symbol = kNoSymbol;
  uint8_t feed = 0;
};

enum class SignalAction : uint8_t { kNew, kCancel, kReplace };
enum class TimeInForce : uint8_t { kGtc, kIoc, kPostOnly };
std::string_view to_string(SignalAction a);
std::string_view to_string(TimeInForce t);

// A strategy's intent: place, cancel or replace one order. Risk turns it into an Order or rejects it
// (the rejection comes back to the strategy as an ExecReport with status kRejected).
struct Signal {
  UnixNanos ts_tick = 0;    // ts_local of the tick that caused it (tick->signal latency origin)
  UnixNanos ts_local = 0;   // when the strategy emitted it
  Price price;              // limit price (kNew / kReplace)
  Qty qty;                  // quantity (kNew / kReplace)
  uint64_t client_id = 0;   // id of the new order (kNew / kReplace)
  uint64_t target_id = 0;   // id of the order to cancel or replace (kCancel / kReplace)
  SymbolId symbol = kNoSymbol;
  uint8_t strategy = 0;     // global strategy-instance slot (see StrategySlot in strategy/)
  Side side = Side::kBuy;
  SignalAction action = SignalAction::kNew;
  TimeInForce tif = TimeInForce::kGtc;
};

using OrderAction = SignalAction;

// A risk-approved order instruction, routed to one venue.
struct Order {
  UnixNanos ts_tick = 0;    // carried through for tick->order latency
  UnixNanos ts_local = 0;   // when risk approved it (signal->order latency end)
  Price price;
  Qty qty;
  uint64_t client_id = 0;
  uint64_t target_id = 0;   // cancel/replace: the order being cancelled or replaced
  SymbolId symbol = kNoSymbol;
  uint8_t strategy = 0;
  Side side = Side::kBuy;
  OrderAction action = OrderAction::kNew;
  TimeInForce tif = TimeInForce::kGtc;
  uint8_t venue = 0;        // set by the router
};

enum class ExecStatus : uint8_t {
  kNew,             // acknowledged, resting
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,        // by the venue, or by risk (venue == kRiskVenue, reason in reject_reason)
  kExpired,         // IOC remainder, post-only that would cross
  kCancelRejected,  // cancel of an unknown / already final order
};
std::string_view to_string(ExecStatus s);
[[nodiscard]] constexpr bool is_final(ExecStatus s) {
  return s == ExecStatus::kFilled || s == ExecStatus::kCanceled || s == ExecStatus::kRejected ||
         s == ExecStatus::kExpired;
}
inline constexpr uint8_t kRiskVenue = 0xFF;

// Why an order was rejected. Risk reasons and venue reasons share the enum so one counter family
// (risk_rejects_total{reason}) and one recorder field cover both.
enum class RejectReason : uint8_t {
  kNone = 0,
  kPriceBand,       // outside PX_MIN/PX_MAX
  kPriceDeviation,  // too far from the last mid
  kNotionalOrder,   // order notional above MAX_NOTIONAL
  kNotionalSymbol,  // symbol exposure above MAX_SYMBOL_NOTIONAL
  kQpsSecond,
  kQpsMinute,
  kInventory,  // would breach MAX_INVENTORY
  kDrawdown,
  kKillSwitch,
  kNoMarket,      // no mid yet for a deviation check
  kBadOrder,      // zero qty / price, unknown target
  kVenueReject,   // venue refused (filters, post-only would cross, ...)
  kUnknownOrder,  // cancel of an unknown order
  kDailyLoss,     // kill switch engaged by MAX_DAILY_LOSS (kDrawdown: by MAX_DRAWDOWN)
  kStaleBook,     // the symbol's book is stale (live feed down or silent: BookStatus); cancels pass
  kNotTrading,    // the venue stopped trading the symbol (exchangeInfo status: kSymbolHalt); cancels pass
  kCount
};
std::string_view to_string(RejectReason r);
// True for the reasons that mean "the kill switch is engaged": nothing new goes out until a reset.
[[nodiscard]] constexpr bool is_halt(RejectReason r) {
  return r == RejectReason::kKillSwitch || r == RejectReason::kDrawdown || r == RejectReason::kDailyLoss;
}

struct ExecReport {
  UnixNanos ts_exchange = 0;  // venue time of the event
  UnixNanos ts_local = 0;     // local time the report was created/received
  Price last_px;              // fill price (fills), order price otherwise
  Qty last_qty;               // this fill's quantity (0 when not a fill)
  Qty cum_qty;                // filled so far on this order
  uint64_t client_id = 0;
  int64_t fee_raw = 0;        // fee of this fill in quote units * 1e8 (negative = rebate)
  SymbolId symbol = kNoSymbol;
  uint8_t strategy = 0;
  uint8_t venue = 0;
  Side side = Side::kBuy;
  ExecStatus status = ExecStatus::kNew;
  RejectReason reject_reason = RejectReason::kNone;
  bool maker = true;          // liquidity flag of this fill
};

// Risk state broadcast: risk tells every strategy worker that the kill switch engaged or released
// with an ExecReport from kRiskVenue for client id 0 (no order has that id): status kRejected with
// the halt reason (is_halt) when it engaged, status kCanceled with kNone when it released. Workers
// act on it and do not pass it to the strategy.
[[nodiscard]] constexpr bool is_risk_state_report(const ExecReport& r) {
  return r.venue == kRiskVenue && r.client_id == 0;
}
// Position adjustment broadcast: risk booked a position the engine did not trade (ControlCommand::
// kPositionAdjust: a live venue's start position, a reconciliation, a user-data position event). It
// tells every worker with a risk state report of status kPartiallyFilled shaped like a fill of the
// change: symbol, side (kBuy = the position grew), last_qty = |change|, last_px = the price it was
// booked at (0 = at the mark). Workers hand it to their strategy's optional on_position_adjust hook.
[[nodiscard]] constexpr bool is_position_adjust_report(const ExecReport& r) {
  return is_risk_state_report(r) && r.status == ExecStatus::kPartiallyFilled;
}

// kSymbolHalt / kSymbolResume (symbol set): the venue stopped / resumed trading the symbol (an
// exchangeInfo refresh saw its status change); while halted risk rejects new and replace orders on it
// (kNotTrading), cancels pass.
// kPositionAdjust (symbol, venue set): the exchange says the (symbol, venue) position differs from the
// engine's by measured_raw (signed base qty * 1e8): risk books that quantity as a fee-less fill at
// limit_raw (price * 1e8; 0 = at the symbol's mark, or at the first mid / fill price when it has
// none). Sent by a live venue's start-up load and its reconciliation (tools/binance_venue.h).
enum class ControlCommand : uint8_t {
  kNone,
  kCancelAll,
  kKillSwitchOn,
  kKillSwitchOff,
  kShutdown,
  kSymbolHalt,
  kSymbolResume,
  kPositionAdjust
};
// What engaged the kill switch: the operator (ops API, control queue) or a loss limit. The same field
// (Control::cause) says where a kPositionAdjust came from: a live venue's start-up position (kStart),
// a reconciliation round's correction (kReconcile), a user-data balance/position event that showed a
// change the engine did not trade (kUserData), or spot commissions taken in the base asset (the wallet
// is smaller than the engine's fills say; kCommission). kNone on a recording from before the causes.
enum class KillCause : uint8_t { kNone, kManual, kDrawdown, kDailyLoss, kStart, kReconcile, kUserData, kCommission };
std::string_view to_string(ControlCommand c);  // "none", "cancel_all", "kill_on", "kill_off", "shutdown",
                                               // "symbol_halt", "symbol_resume", "position_adjust"
std::string_view to_string(KillCause c);       // "none", "manual", "drawdown", "daily_loss", "start",
                                               // "reconcile", "user_data", "commission"

// A control command (ops / engine -> risk over the control queue) and, as recorded `ctl` events,
// what risk did with the kill switch: kKillSwitchOn when it engaged (cause = why, and for a loss limit
// the measured value that crossed it), kKillSwitchOff when it released (cause = what had engaged it),
// kPositionAdjust as risk applied it (measured = the qty, limit = the price; see above).
struct Control {
  UnixNanos ts_local = 0;
  int64_t measured_raw = 0;  // kill_on by a limit: drawdown from the peak (kDrawdown) or loss since the
                             // UTC day start (kDailyLoss), quote * 1e8; 0 otherwise
  int64_t limit_raw = 0;     // the limit it crossed (MAX_DRAWDOWN / MAX_DAILY_LOSS), quote * 1e8; 0 otherwise
  int64_t equity_raw = 0;    // total equity (realized + unrealized - fees) at that moment, quote * 1e8
  ControlCommand command = ControlCommand::kNone;
  KillCause cause = KillCause::kNone;
  SymbolId symbol = kNoSymbol;  // kNoSymbol = all
  uint8_t venue = 0;            // kPositionAdjust: the venue (account) whose position it is
};

// A live venue's absolute position for (symbol, venue) from its user-data stream (spot
// outboundAccountPosition: the base asset's free + locked less BINANCE_SPOT_NEUTRAL_BALANCE; USD-M
// ACCOUNT_UPDATE: the one-way position "pa", entry price "ep"), gateway -> risk on a ring of its own.
// It holds exactly the fills that preceded it on the stream; fills_before says how many fill reports
// the gateway had put on its exec ring by then, so risk compares only once it has booked that many
// from the venue (see risk/risk_stage.h). unconfirmed_raw: the signed qty of fills the gateway reported
// from order responses or trade queries whose stream report has not come yet (in the engine's position,
// not yet in the exchange's); fees_raw: commissions taken in the base asset by the engine's own fills
// reported on the stream since the last event for the symbol (spot). reason: ACCOUNT_UPDATE's "m"
// ("ORDER", "DEPOSIT", "ADJUSTMENT", ...; cut at 13 bytes, NUL-padded) or "BALANCE" (spot).
struct PositionEvent {
  UnixNanos ts_exchange = 0;  // the event's E
  int64_t qty_raw = 0;        // signed base qty * 1e8 on the exchange
  int64_t entry_px_raw = 0;   // USD-M entry price * 1e8; 0 = none (spot)
  int64_t unconfirmed_raw = 0;
  int64_t fees_raw = 0;
  uint64_t fills_before = 0;
  SymbolId symbol = kNoSymbol;
  uint8_t venue = 0;
  char reason[13] = {};
};

// Book freshness (feed -> strategy workers, risk): a live feed marks a symbol's book stale while its
// stream is down or silent (stale = true) and says so again when the first fresh update arrives
// (stale = false). Strategies should not quote and risk should block new orders on a stale book
// (kStaleBook). The engine fans every status out to risk and to each strategy worker.
enum class StaleReason : uint8_t { kNone, kDisconnected, kSilent };
std::string_view to_string(StaleReason r);  // "none", "disconnected", "silent"
struct BookStatus {
  UnixNanos ts_local = 0;     // when the feed decided it
  UnixNanos stale_since = 0;  // ts_local of the stale event this one ends (recovered); = ts_local when stale
  SymbolId symbol = kNoSymbol;
  uint8_t feed = 0;
  bool stale = true;
  StaleReason reason = StaleReason::kNone;  // why it went stale (also on the recovery)
};

template <class E>
inline constexpr bool kIsBusEvent = std::is_trivially_copyable_v<E> && sizeof(E) <= 64;
static_assert(kIsBusEvent<MdTick>);
static_assert(kIsBusEvent<Trade>);
static_assert(kIsBusEvent<MarkPrice>);
static_assert(kIsBusEvent<Signal>);
static_assert(kIsBusEvent<Order>);
static_assert(kIsBusEvent<ExecReport>);
static_assert(kIsBusEvent<Control>);
static_assert(kIsBusEvent<BookStatus>);
static_assert(kIsBusEvent<PositionEvent>);

// Client ids: [slot:8][counter:52][split:4]. slot 0 is reserved for orders the engine creates itself.
inline constexpr int kSplitBits = 4;
[[nodiscard]] constexpr uint64_t make_client_id(uint8_t slot, uint64_t counter) {
  return (static_cast<uint64_t>(slot) << 56) | ((counter & ((uint64_t{1} << 52) - 1)) << kSplitBits);
}
[[nodiscard]] constexpr uint8_t client_id_slot(uint64_t id) { return static_cast<uint8_t>(id >> 56); }
[[nodiscard]] constexpr uint64_t client_id_parent(uint64_t id) { return id & ~((uint64_t{1} << kSplitBits) - 1); }

}  // namespace dmabot::core
