// gateway/binance/user_data.h — Binance user-data events: decoded by the live gateways, encoded by
// binance-sim.
//
// Events (field names as Binance's docs spell them; see each struct):
//   Spot (WebSocket API user data stream, user-data-stream.md): executionReport,
//     outboundAccountPosition, balanceUpdate, externalLockUpdate, eventStreamTerminated; listStatus is
//     a known event that is not decoded (kIgnored).
//   USD-M futures (listenKey stream on the /private route): ORDER_TRADE_UPDATE, ACCOUNT_UPDATE,
//     MARGIN_CALL, listenKeyExpired (its "E" is a string there; a number is accepted too), TRADE_LITE,
//     ACCOUNT_CONFIG_UPDATE; ALGO_UPDATE, CONDITIONAL_ORDER_TRIGGER_REJECT, STRATEGY_UPDATE and
//     GRID_UPDATE are kIgnored.
//   Both: serverShutdown (2026), wherever it arrives.
// Envelopes, recognised by their keys in any order (UserDataResult::envelope says which one came):
//   kWsApi    {"subscriptionId":N,"event":{...}}  spot WebSocket API; serverShutdown has no subscriptionId
//   kCombined {"stream":"<listenKey>","data":{...}}  futures /private/stream?streams=<listenKey>
//   kBare     {"e":...}  futures /private/ws?listenKey=..., raw streams
// Anything else that is well-formed JSON (a WS API response {"id":..,"status":..}, an event type not
// listed above) is kUnknown with a reason and is counted: it never stops a stream. A malformed
// message is kError naming the field to blame ("o.X", "B[].f", "E").
//
// Decoding: one simdjson on-demand parser and one padded scratch buffer, allocated at construction
// and reused (simdjson stays behind a pimpl, as in feed/binance_parser.h). Decimals go from their
// text straight to core::Price/core::Qty (exact; a 9th decimal is an error), ids and times straight
// from JSON integers to int64 (never through double: TRADE_LITE ids exceed 2^53). Times become
// UnixNanos using the decoder's TimeUnit (the connection's `timeUnit=MICROSECOND`, spot only).
// Strings (symbol, client order ids, assets, listenKey, reason texts) are COPIED into fixed char
// arrays inside the event structs (FixedString): they stay valid after the next decode; a longer
// string is an error (kTooLong), never a silent cut. Lists (balances, positions) hold at most
// kMaxBalances / kMaxPositions entries; more is kTooMany naming the list.
// The event accessors return the decoder's own storage: the struct of the kind the last decode
// returned is overwritten by the next decode of that kind (also by one that fails: after kError,
// read nothing).
//
// Wire enums with values dmabot cannot act on but that must not lose the event (order type, time in
// force: Binance adds values such as LIQUIDATION or GTE_GTC) decode leniently: *_known = false.
// Side, execution type, status and position side are strict (kBadEnum).
//
// Threads: a decoder belongs to one thread (the gateway's I/O thread). Encoders are pure functions.
// Allocation: decoder — at construction (simdjson buffers, 64 KiB scratch, the validator for
// unknown events); a message larger than any before grows them once (warm-up); none otherwise (a
// test counts). Encoders append to a std::string (cold path: the sim).
// Errors: values (UserDataResult), never exceptions.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/types.h"
#include "gateway/binance/binance_types.h"

namespace dmabot::binance {

// A string of at most N bytes stored inline (UTF-8 as received; JSON escapes already undone).
template <std::size_t N>
struct FixedString {
  static_assert(N > 0 && N < 256);
  std::array<char, N> chars{};
  uint8_t len = 0;

  [[nodiscard]] std::string_view view() const { return {chars.data(), len}; }
  [[nodiscard]] bool empty() const { return len == 0; }
  // False (and unchanged) when s does not fit.
  [[nodiscard]] bool assign(std::string_view s) {
    if (s.size() > N) return false;
    for (std::size_t i = 0; i < s.size(); ++i) chars[i] = s[i];
    len = static_cast<uint8_t>(s.size());
    return true;
  }
  friend bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const FixedString& a, const FixedString& b) { return a.view() == b.view(); }
};

// Capacities: Binance symbols are short but may be UTF-8 (testnet has CJK symbols); client order ids
// are at most 36 characters on both products, system ones ("autoclose-…", "settlement_autoclose-…")
// a little longer; listenKeys are 60-64 characters.
inline constexpr std::size_t kSymbolCap = 32;
inline constexpr std::size_t kClientIdCap = 64;
inline constexpr std::size_t kAssetCap = 32;
inline constexpr std::size_t kTextCap = 48;  // reason / mode texts ("STOP_PRICE_WOULD_TRIGGER_IMMEDIATELY")
inline constexpr std::size_t kListenKeyCap = 96;
inline constexpr std::size_t kMaxBalances = 32;
inline constexpr std::size_t kMaxPositions = 32;

using Symbol = FixedString<kSymbolCap>;
using ClientId = FixedString<kClientIdCap>;
using Asset = FixedString<kAssetCap>;
using Text = FixedString<kTextCap>;

// The unit of every time field on the connection: milliseconds unless the spot connection URL asked
// for `timeUnit=MICROSECOND`.
enum class TimeUnit : uint8_t { kMillisecond, kMicrosecond };

// Futures margin type: "cross"/"isolated" in ACCOUNT_UPDATE, "CROSSED"/"ISOLATED" in MARGIN_CALL.
enum class MarginType : uint8_t { kCross, kIsolated };

// ---- spot ----------------------------------------------------------------------------------------

// executionReport. Times in ns (0 when the field was absent); ids -1 when Binance says "none".
struct ExecutionReport {
  core::UnixNanos event_time = 0;            // E
  core::UnixNanos transaction_time = 0;      // T
  core::UnixNanos order_time = 0;            // O (order creation)
  core::UnixNanos working_time = 0;          // W, only while the order is on the book
  Symbol symbol;                             // s
  ClientId client_order_id;                  // c
  ClientId orig_client_order_id;             // C: the order being canceled ("" otherwise)
  OrderSide side = OrderSide::kBuy;          // S
  OrderType order_type = OrderType::kLimit;  // o
  bool order_type_known = true;
  TimeInForce time_in_force = TimeInForce::kGtc;  // f
  bool time_in_force_known = true;
  core::Qty orig_qty;                                  // q
  core::Price price;                                   // p
  core::Price stop_price;                              // P
  core::Qty iceberg_qty;                               // F
  int64_t order_list_id = -1;                          // g
  ExecutionType execution_type = ExecutionType::kNew;  // x
  OrderStatus status = OrderStatus::kNew;              // X
  Text reject_reason;                                  // r ("NONE" when not rejected)
  int64_t order_id = 0;                                // i
  core::Qty last_qty;                                  // l
  core::Qty cum_qty;                                   // z
  core::Price last_price;                              // L
  core::Qty commission;                                // n
  Asset commission_asset;                              // N (null -> "")
  int64_t trade_id = -1;                               // t
  int64_t prevented_match_id = -1;                     // v, only for orders expired by STP
  int64_t execution_id = 0;                            // I
  bool is_working = false;                             // w
  bool is_maker = false;                               // m
  core::Qty cum_quote_qty;                             // Z
  core::Qty last_quote_qty;                            // Y
  core::Qty quote_order_qty;                           // Q
  Text stp_mode;                                       // V
  Text expiry_reason;                                  // eR, only when expired
  friend bool operator==(const ExecutionReport&, const ExecutionReport&) = default;
};

struct SpotBalance {
  Asset asset;       // a
  core::Qty free;    // f
  core::Qty locked;  // l
  friend bool operator==(const SpotBalance&, const SpotBalance&) = default;
};

// outboundAccountPosition.
struct AccountPosition {
  core::UnixNanos event_time = 0;        // E
  core::UnixNanos last_update_time = 0;  // u
  uint32_t count = 0;
  std::array<SpotBalance, kMaxBalances> entries{};
  [[nodiscard]] std::span<const SpotBalance> balances() const { return {entries.data(), count}; }
  friend bool operator==(const AccountPosition& a, const AccountPosition& b) {
    return a.event_time == b.event_time && a.last_update_time == b.last_update_time && a.count == b.count &&
           std::equal(a.balances().begin(), a.balances().end(), b.balances().begin());
  }
};

// balanceUpdate (and externalLockUpdate, same fields).
struct BalanceUpdate {
  core::UnixNanos event_time = 0;  // E
  core::UnixNanos clear_time = 0;  // T
  Asset asset;                     // a
  core::Qty delta;                 // d (signed)
  friend bool operator==(const BalanceUpdate&, const BalanceUpdate&) = default;
};

// eventStreamTerminated, serverShutdown.
struct StreamEvent {
  core::UnixNanos event_time = 0;  // E
  friend bool operator==(const StreamEvent&, const StreamEvent&) = default;
};

// ---- USD-M futures -------------------------------------------------------------------------------

// ORDER_TRADE_UPDATE (the order object "o" and the envelope's times).
struct OrderTradeUpdate {
  core::UnixNanos event_time = 0;            // E
  core::UnixNanos transaction_time = 0;      // T
  core::UnixNanos trade_time = 0;            // o.T
  Symbol symbol;                             // s
  ClientId client_order_id;                  // c
  OrderSide side = OrderSide::kBuy;          // S
  OrderType order_type = OrderType::kLimit;  // o
  bool order_type_known = true;
  TimeInForce time_in_force = TimeInForce::kGtc;  // f
  bool time_in_force_known = true;
  core::Qty orig_qty;                                  // q
  core::Price price;                                   // p
  core::Price avg_price;                               // ap
  core::Price stop_price;                              // sp
  ExecutionType execution_type = ExecutionType::kNew;  // x
  OrderStatus status = OrderStatus::kNew;              // X
  int64_t order_id = 0;                                // i
  core::Qty last_qty;                                  // l
  core::Qty cum_qty;                                   // z
  core::Price last_price;                              // L
  Asset commission_asset;                              // N, absent when no commission
  core::Qty commission;                                // n (signed)
  int64_t trade_id = 0;                                // t
  core::Qty bid_notional;                              // b
  core::Qty ask_notional;                              // a
  bool is_maker = false;                               // m
  bool reduce_only = false;                            // R
  Text working_type;                                   // wt
  OrderType orig_type = OrderType::kLimit;             // ot
  bool orig_type_known = false;                        // false also when ot is absent
  PositionSide position_side = PositionSide::kBoth;    // ps
  bool close_position = false;                         // cp
  core::Price activation_price;                        // AP (trailing stop only)
  core::Price callback_rate;                           // cr (trailing stop only)
  bool price_protect = false;                          // pP
  core::Qty realized_profit;                           // rp (signed)
  Text stp_mode;                                       // V
  Text price_match;                                    // pm
  core::UnixNanos good_till = 0;                       // gtd (0: none)
  friend bool operator==(const OrderTradeUpdate&, const OrderTradeUpdate&) = default;
};

struct FuturesBalance {
  Asset asset;                     // a
  core::Qty wallet_balance;        // wb (signed)
  core::Qty cross_wallet_balance;  // cw (signed)
  core::Qty balance_change;        // bc (signed): except PnL and commission
  friend bool operator==(const FuturesBalance&, const FuturesBalance&) = default;
};

struct FuturesPosition {
  Symbol symbol;                                     // s
  core::Qty amount;                                  // pa (signed)
  core::Price entry_price;                           // ep
  core::Price breakeven_price;                       // bep
  core::Qty accumulated_realized;                    // cr (signed)
  core::Qty unrealized_pnl;                          // up (signed)
  MarginType margin_type = MarginType::kCross;       // mt
  core::Qty isolated_wallet;                         // iw (signed)
  PositionSide position_side = PositionSide::kBoth;  // ps
  friend bool operator==(const FuturesPosition&, const FuturesPosition&) = default;
};

// ACCOUNT_UPDATE: only changed balances and positions.
struct AccountUpdate {
  core::UnixNanos event_time = 0;        // E
  core::UnixNanos transaction_time = 0;  // T
  Text reason;                           // a.m ("ORDER", "FUNDING_FEE", "DEPOSIT", ...)
  uint32_t balance_count = 0;
  uint32_t position_count = 0;
  std::array<FuturesBalance, kMaxBalances> balance_entries{};
  std::array<FuturesPosition, kMaxPositions> position_entries{};
  [[nodiscard]] std::span<const FuturesBalance> balances() const { return {balance_entries.data(), balance_count}; }
  [[nodiscard]] std::span<const FuturesPosition> positions() const { return {position_entries.data(), position_count}; }
  friend bool operator==(const AccountUpdate& a, const AccountUpdate& b) {
    return a.event_time == b.event_time && a.transaction_time == b.transaction_time && a.reason == b.reason &&
           a.balance_count == b.balance_count && a.position_count == b.position_count &&
           std::equal(a.balances().begin(), a.balances().end(), b.balances().begin()) &&
           std::equal(a.positions().begin(), a.positions().end(), b.positions().begin());
  }
};

struct MarginCallPosition {
  Symbol symbol;                                     // s
  PositionSide position_side = PositionSide::kBoth;  // ps
  core::Qty amount;                                  // pa (signed)
  MarginType margin_type = MarginType::kCross;       // mt
  core::Qty isolated_wallet;                         // iw
  core::Price mark_price;                            // mp
  core::Qty unrealized_pnl;                          // up (signed)
  core::Qty maint_margin;                            // mm
  friend bool operator==(const MarginCallPosition&, const MarginCallPosition&) = default;
};

// MARGIN_CALL.
struct MarginCall {
  core::UnixNanos event_time = 0;  // E
  bool has_cross_wallet = false;   // cw is pushed only with a crossed position's margin call
  core::Qty cross_wallet_balance;  // cw (signed)
  uint32_t count = 0;
  std::array<MarginCallPosition, kMaxPositions> entries{};
  [[nodiscard]] std::span<const MarginCallPosition> positions() const { return {entries.data(), count}; }
  friend bool operator==(const MarginCall& a, const MarginCall& b) {
    return a.event_time == b.event_time && a.has_cross_wallet == b.has_cross_wallet &&
           a.cross_wallet_balance == b.cross_wallet_balance && a.count == b.count &&
           std::equal(a.positions().begin(), a.positions().end(), b.positions().begin());
  }
};

// listenKeyExpired: re-create the listenKey (POST /fapi/v1/listenKey) and reconnect.
struct ListenKeyExpired {
  core::UnixNanos event_time = 0;         // E (a string on the wire)
  FixedString<kListenKeyCap> listen_key;  // listenKey ("" when absent)
  friend bool operator==(const ListenKeyExpired&, const ListenKeyExpired&) = default;
};

// TRADE_LITE: a fill, earlier and smaller than the ORDER_TRADE_UPDATE that follows it.
struct TradeLite {
  core::UnixNanos event_time = 0;        // E
  core::UnixNanos transaction_time = 0;  // T
  Symbol symbol;                         // s
  core::Qty orig_qty;                    // q
  core::Price orig_price;                // p
  bool is_maker = false;                 // m
  ClientId client_order_id;              // c
  OrderSide side = OrderSide::kBuy;      // S
  core::Price last_price;                // L
  core::Qty last_qty;                    // l
  int64_t trade_id = 0;                  // t
  int64_t order_id = 0;                  // i
  friend bool operator==(const TradeLite&, const TradeLite&) = default;
};

// ACCOUNT_CONFIG_UPDATE: a symbol's leverage ("ac") or the Multi-Assets mode ("ai").
struct AccountConfigUpdate {
  core::UnixNanos event_time = 0;        // E
  core::UnixNanos transaction_time = 0;  // T
  bool has_leverage = false;
  Symbol symbol;         // ac.s
  int32_t leverage = 0;  // ac.l
  bool has_multi_assets = false;
  bool multi_assets = false;  // ai.j
  friend bool operator==(const AccountConfigUpdate&, const AccountConfigUpdate&) = default;
};

// ---- decoding ------------------------------------------------------------------------------------

// What a decode produced; the ones before kIgnored carry an event (UserDataResult::ok()).
enum class UserEventKind : uint8_t {
  kExecutionReport,
  kAccountPosition,
  kBalanceUpdate,
  kExternalLockUpdate,     // BalanceUpdate struct
  kEventStreamTerminated,  // StreamEvent struct
  kServerShutdown,         // StreamEvent struct
  kOrderTradeUpdate,
  kAccountUpdate,
  kMarginCall,
  kListenKeyExpired,
  kTradeLite,
  kAccountConfigUpdate,
  kIgnored,  // a known event type this decoder does not turn into a struct (listStatus, ALGO_UPDATE)
  kUnknown,  // well-formed, but no user-data event we know (see UserDataError)
  kError,
  kCount
};
std::string_view to_string(UserEventKind k);

enum class UserDataError : uint8_t {
  kNone = 0,
  // kError reasons
  kEmpty,            // empty or whitespace only
  kBadJson,          // not valid JSON (truncated, unbalanced, ...)
  kNotObject,        // valid JSON, not an object
  kTrailingContent,  // something after the closing brace
  kMissingField,     // a field the event needs is absent
  kWrongType,        // a field has the wrong JSON type
  kBadDecimal,       // a decimal string that is not a number
  kNegative,         // a negative value where none is allowed
  kTooManyDecimals,  // more than 8 decimals
  kOutOfRange,       // an integer or time that does not fit
  kBadEnum,          // a side/status/execution type/... Binance does not define
  kTooLong,          // a string longer than its FixedString
  kTooMany,          // more list entries than kMaxBalances / kMaxPositions
  kTooLarge,         // message larger than max_message_bytes
  kBadEnvelope,      // both "event" and "data", or a wrapper that is not an object
  // kUnknown reasons
  kUnknownEvent,  // "e" names an event type not listed in this header
  kNoEventType,   // an object that is no event (a WS API response, a subscription reply)
  kCount
};
std::string_view to_string(UserDataError e);

enum class Envelope : uint8_t { kBare, kWsApi, kCombined };
std::string_view to_string(Envelope e);

struct [[nodiscard]] UserDataResult {
  UserEventKind kind = UserEventKind::kError;
  UserDataError error = UserDataError::kNone;
  // The field to blame ("o.X", "B[].f"); a string literal, so it may be kept. Empty when none.
  std::string_view field;
  int json_error = 0;  // simdjson::error_code behind kBadJson/kWrongType (0 = none)
  Envelope envelope = Envelope::kBare;
  int64_t subscription_id = -1;  // kWsApi: "subscriptionId" (-1 when absent, as on serverShutdown)

  [[nodiscard]] bool ok() const { return kind < UserEventKind::kIgnored; }
};

struct UserDataCounters {
  std::array<uint64_t, static_cast<std::size_t>(UserEventKind::kCount)> by_kind{};
  std::array<uint64_t, static_cast<std::size_t>(UserDataError::kCount)> by_error{};
  [[nodiscard]] uint64_t kind(UserEventKind k) const { return by_kind[static_cast<std::size_t>(k)]; }
  [[nodiscard]] uint64_t error(UserDataError e) const { return by_error[static_cast<std::size_t>(e)]; }
};

class UserDataDecoder {
 public:
  static constexpr std::size_t kDefaultScratchBytes = 64 * 1024;
  static constexpr std::size_t kDefaultMaxMessageBytes = 4 * 1024 * 1024;
  static constexpr std::size_t kPadding = 64;  // == simdjson::SIMDJSON_PADDING (checked in the .cpp)

  explicit UserDataDecoder(TimeUnit unit = TimeUnit::kMillisecond,
                           std::size_t max_message_bytes = kDefaultMaxMessageBytes);
  ~UserDataDecoder();
  UserDataDecoder(const UserDataDecoder&) = delete;
  UserDataDecoder& operator=(const UserDataDecoder&) = delete;

  // Decodes one WebSocket text frame (copied into the padded scratch buffer first).
  UserDataResult decode(std::string_view message);
  // In place when capacity >= size + kPadding (else as decode()); the padding must be readable and
  // its bytes do not change the answer.
  UserDataResult decode_padded(const char* data, std::size_t size, std::size_t capacity);

  // The event of the last decode of each kind.
  [[nodiscard]] const ExecutionReport& execution_report() const { return execution_report_; }
  [[nodiscard]] const AccountPosition& account_position() const { return account_position_; }
  [[nodiscard]] const BalanceUpdate& balance_update() const { return balance_update_; }  // also externalLockUpdate
  [[nodiscard]] const StreamEvent& stream_event() const { return stream_event_; }        // terminated / shutdown
  [[nodiscard]] const OrderTradeUpdate& order_trade_update() const { return order_trade_update_; }
  [[nodiscard]] const AccountUpdate& account_update() const { return account_update_; }
  [[nodiscard]] const MarginCall& margin_call() const { return margin_call_; }
  [[nodiscard]] const ListenKeyExpired& listen_key_expired() const { return listen_key_expired_; }
  [[nodiscard]] const TradeLite& trade_lite() const { return trade_lite_; }
  [[nodiscard]] const AccountConfigUpdate& account_config_update() const { return account_config_update_; }

  // The "e" text of the last decode (for kIgnored/kUnknown: which event it was; cut at kTextCap).
  [[nodiscard]] std::string_view event_type() const { return event_type_.view(); }
  // The "stream" of the last kCombined message (the listenKey), else "".
  [[nodiscard]] std::string_view stream() const { return stream_.view(); }

  [[nodiscard]] const UserDataCounters& counters() const { return counters_; }
  [[nodiscard]] TimeUnit time_unit() const { return unit_; }

 private:
  struct Impl;  // simdjson and the document walk: user_data.cpp
  friend struct Impl;
  UserDataResult finish(UserDataResult r);
  UserDataResult decode_copy(std::string_view message);

  TimeUnit unit_;
  std::size_t max_message_bytes_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<char[]> scratch_;
  std::size_t scratch_size_ = 0;

  ExecutionReport execution_report_;
  AccountPosition account_position_;
  BalanceUpdate balance_update_;
  StreamEvent stream_event_;
  OrderTradeUpdate order_trade_update_;
  AccountUpdate account_update_;
  MarginCall margin_call_;
  ListenKeyExpired listen_key_expired_;
  TradeLite trade_lite_;
  AccountConfigUpdate account_config_update_;
  Text event_type_;
  FixedString<kListenKeyCap> stream_;
  UserDataCounters counters_;
};

// ---- encoding (binance-sim) ----------------------------------------------------------------------
// Each appends one event object to `out` exactly as Binance sends it: field names and order of the
// docs' examples, decimals as strings (spot: 8 decimals, commission "0" when zero; futures: the
// shortest exact form, as "0.001"/"0"), ids and times as JSON integers (listenKeyExpired's "E" as a
// string), times in `unit`. Optional fields are written when set: executionReport W (working_time
// != 0), v (prevented_match_id >= 0), eR (non-empty); ORDER_TRADE_UPDATE N/n (commission_asset
// non-empty), AP/cr (order type TRAILING_STOP_MARKET), MARGIN_CALL cw (has_cross_wallet).

void encode_execution_report(const ExecutionReport& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_account_position(const AccountPosition& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_balance_update(const BalanceUpdate& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_external_lock_update(const BalanceUpdate& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_event_stream_terminated(const StreamEvent& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_server_shutdown(const StreamEvent& e, std::string& out, TimeUnit unit = TimeUnit::kMillisecond);
void encode_order_trade_update(const OrderTradeUpdate& e, std::string& out);
void encode_account_update(const AccountUpdate& e, std::string& out);
void encode_margin_call(const MarginCall& e, std::string& out);
void encode_listen_key_expired(const ListenKeyExpired& e, std::string& out);
void encode_trade_lite(const TradeLite& e, std::string& out);
void encode_account_config_update(const AccountConfigUpdate& e, std::string& out);

// Envelopes around an encoded event. subscription_id < 0 leaves "subscriptionId" out (serverShutdown).
void wrap_ws_api_event(std::string_view event_json, int64_t subscription_id, std::string& out);
void wrap_combined(std::string_view stream, std::string_view data_json, std::string& out);

}  // namespace dmabot::binance
