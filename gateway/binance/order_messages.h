// gateway/binance/order_messages.h — the order and account messages of Binance's REST and WebSocket
// APIs (Spot /api/v3, USD-M /fapi, WebSocket API /ws-api/v3 and /ws-fapi/v1), engine side: request
// encoders, plus the value types every order/account response decodes into (response_decoder.h) and
// binance-sim encodes from (response_encoders.h). The sim's request parsing is request_params.h.
//
// Encoding is two steps, both into caller-owned fixed storage:
//   1. build_*() turns a typed request (NewOrder, OrderRef, ...) into a ParamList: names in the order
//      Binance's docs list them, decimals as exact trimmed text straight from core::Price/Qty raw
//      ("0.00000001", "123456.7"), ids and times as integers.
//   2. encode_query() renders a REST query string / form body (values percent-encoded, which is
//      exactly the payload Binance's REST signing wants; append_signature() adds `signature=`
//      afterwards), or encode_ws_request() renders a WebSocket API request and, in the same pass over
//      the params, its signature payload (all params sorted by name, `k=v` joined by `&`, not
//      encoded); finish_ws_request() then closes it, with or without a signature.
// Signing itself is gateway/binance/signer.h's job; nothing here knows a key.
//
// Threads: a ParamList/Buffer belongs to one thread; every function is pure otherwise.
// Allocation: none. ParamList and FixedBuffer hold their storage inline; a request that does not fit
// makes the call return false (and the buffer/list reports overflow), never allocates.
// Errors: [[nodiscard]] bool — false means "did not fit" (or a value the wire cannot carry, e.g. an
// empty symbol); the output is then unusable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/types.h"
#include "gateway/binance/binance_types.h"

namespace dmabot::binance {

// ---------------------------------------------------------------------------------------------------
// Fixed storage

// A view over caller-owned chars that refuses to grow: an append that does not fit sets overflowed()
// and leaves the contents as they were before that append.
class Buffer {
 public:
  Buffer(char* data, std::size_t capacity) : data_(data), cap_(capacity) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void clear() {
    len_ = 0;
    overflow_ = false;
  }
  bool append(std::string_view s) {
    if (s.size() > cap_ - len_) return overflow_ = true, false;
    if (!s.empty()) std::memcpy(data_ + len_, s.data(), s.size());
    len_ += s.size();
    return true;
  }
  bool push_back(char c) {
    if (len_ == cap_) return overflow_ = true, false;
    data_[len_++] = c;
    return true;
  }
  [[nodiscard]] bool overflowed() const { return overflow_; }
  [[nodiscard]] std::string_view view() const { return {data_, len_}; }
  [[nodiscard]] std::size_t size() const { return len_; }
  [[nodiscard]] std::size_t capacity() const { return cap_; }
  [[nodiscard]] bool empty() const { return len_ == 0; }
  [[nodiscard]] char back() const { return data_[len_ - 1]; }

 private:
  char* data_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// A Buffer with its N chars inline (stack, member of a gateway, ...). Not copyable: the base points
// into this object.
template <std::size_t N>
class FixedBuffer : public Buffer {
 public:
  FixedBuffer() : Buffer(storage_, N) {}

 private:
  char storage_[N];
};

// Short text inline (symbols, client order ids, assets): no allocation when decoding or encoding.
// Symbols may be UTF-8 (the Spot testnet lists Chinese-character symbols), hence the room.
template <std::size_t N>
struct InlineString {
  char data[N] = {};
  uint16_t len = 0;

  [[nodiscard]] bool assign(std::string_view s) {
    if (s.size() > N) return false;
    if (!s.empty()) std::memcpy(data, s.data(), s.size());
    len = static_cast<uint16_t>(s.size());
    return true;
  }
  [[nodiscard]] std::string_view view() const { return {data, len}; }
  [[nodiscard]] bool empty() const { return len == 0; }
  friend bool operator==(const InlineString& a, std::string_view b) { return a.view() == b; }
};
using SymbolText = InlineString<64>;
using ClientIdText = InlineString<64>;  // Binance allows 36 chars (spot) / 32 (futures); room to spare
using AssetText = InlineString<32>;
using ShortText = InlineString<32>;  // enum-like values dmabot passes through (stp mode, workingType)

// ---------------------------------------------------------------------------------------------------
// Parameter lists

// Request parameters in the order they were added, their values copied into an inline arena. Names
// must outlive the list (string literals: every name comes from this header's build_* functions or
// the caller's literals).
class ParamList {
 public:
  static constexpr std::size_t kMaxParams = 24;
  static constexpr std::size_t kArenaBytes = 1024;

  // kNumber values are JSON numbers in a WebSocket request (timestamp, orderId, recvWindow, as in
  // Binance's examples); everything else is a JSON string ("0.1", "true", "BUY").
  enum class Kind : uint8_t { kString, kNumber };

  void clear() {
    n_ = 0;
    used_ = 0;
    ok_ = true;
  }
  bool add(std::string_view name, std::string_view value, Kind kind = Kind::kString);
  bool add_int(std::string_view name, int64_t v);
  bool add_uint(std::string_view name, uint64_t v);
  bool add_decimal(std::string_view name, int64_t raw);  // exact, trimmed: raw 1 -> "0.00000001"
  bool add_bool(std::string_view name, bool v);          // "true" / "false" (a string, as Binance wants)

  [[nodiscard]] std::size_t size() const { return n_; }
  [[nodiscard]] std::string_view name(std::size_t i) const { return entries_[i].name; }
  [[nodiscard]] std::string_view value(std::size_t i) const { return {arena_ + entries_[i].off, entries_[i].len}; }
  [[nodiscard]] Kind kind(std::size_t i) const { return entries_[i].kind; }
  // True for values add_int / add_uint / add_decimal / add_bool wrote: only [0-9.-] or true/false,
  // which percent-encoding leaves as they are (encode_query copies them without looking).
  [[nodiscard]] bool plain(std::size_t i) const { return entries_[i].plain; }
  // False once any add() did not fit (too many params or too many bytes); the list is then unusable.
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  struct Entry {
    std::string_view name;
    uint16_t off;
    uint16_t len;
    Kind kind;
    bool plain;  // the value holds unreserved bytes only (numbers, decimals, booleans): sent as it is
  };
  bool add_entry(std::string_view name, std::string_view value, Kind kind, bool plain);
  std::array<Entry, kMaxParams> entries_{};
  std::size_t n_ = 0;
  std::size_t used_ = 0;
  bool ok_ = true;
  char arena_[kArenaBytes];
};

// ---------------------------------------------------------------------------------------------------
// Typed requests

// POST /api/v3/order, POST /fapi/v1/order, WebSocket order.place (both products). An absent optional
// is not sent. For a futures post-only order use time_in_force GTX; for a spot one type LIMIT_MAKER.
struct NewOrder {
  Product product = Product::kSpot;
  std::string_view symbol;
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  std::optional<TimeInForce> time_in_force;
  std::optional<core::Qty> quantity;
  std::optional<core::Price> price;
  std::string_view new_client_order_id;  // empty: not sent (Binance generates one)
  std::optional<OrderRespType> new_order_resp_type;
  std::optional<PositionSide> position_side;  // futures only
  std::optional<bool> reduce_only;            // futures only
  int64_t timestamp_ms = 0;
  std::optional<int64_t> recv_window_ms;
};

// One order by orderId and/or origClientOrderId: DELETE/GET /api/v3/order, DELETE/GET /fapi/v1/order,
// WebSocket order.cancel / order.status. Binance wants at least one of the two ids.
struct OrderRef {
  Product product = Product::kSpot;
  std::string_view symbol;
  std::optional<uint64_t> order_id;
  std::string_view orig_client_order_id;
  std::string_view new_client_order_id;  // spot cancel only: the cancel's own id; empty = not sent
  int64_t timestamp_ms = 0;
  std::optional<int64_t> recv_window_ms;
};

// DELETE /api/v3/openOrders, DELETE /fapi/v1/allOpenOrders, GET openOrders, WS openOrders.status
// (symbol may be empty there: all symbols).
struct SymbolScope {
  Product product = Product::kSpot;
  std::string_view symbol;
  int64_t timestamp_ms = 0;
  std::optional<int64_t> recv_window_ms;
};

// Spot WebSocket order.cancelReplace: cancel one order, place `order` in the same request.
struct CancelReplace {
  std::string_view cancel_replace_mode = "STOP_ON_FAILURE";  // or ALLOW_FAILURE
  std::optional<uint64_t> cancel_order_id;
  std::string_view cancel_orig_client_order_id;
  NewOrder order;  // its symbol, timestamp and recv window are the request's
};

// session.logon and userDataStream.subscribe.signature: apiKey + timestamp (+ recvWindow), signed.
struct SignedSession {
  std::string_view api_key;
  int64_t timestamp_ms = 0;
  std::optional<int64_t> recv_window_ms;
};

// Each fills `out` (cleared first). False: a missing mandatory value (empty symbol, neither order id)
// or the list overflowed.
[[nodiscard]] bool build_new_order(const NewOrder& o, ParamList& out);
[[nodiscard]] bool build_order_ref(const OrderRef& r, ParamList& out);
[[nodiscard]] bool build_symbol_scope(const SymbolScope& s, ParamList& out, bool symbol_required);
[[nodiscard]] bool build_cancel_replace(const CancelReplace& c, ParamList& out);
[[nodiscard]] bool build_signed_session(const SignedSession& s, ParamList& out);

// ---------------------------------------------------------------------------------------------------
// Wire rendering

// REST: `k=v&k=v` in list order, names and values percent-encoded (RFC 3986 unreserved characters
// kept, everything else %XX upper-case, UTF-8 bytes included) — what Binance signs for REST. Appends
// to out. Send it as the query string (GET/DELETE) or the form body (POST); then append_signature().
[[nodiscard]] bool encode_query(const ParamList& params, Buffer& out);
// Appends `&signature=<sig>` (no '&' when out is empty), the signature percent-encoded: an Ed25519
// signature is base64 and its '+', '/', '=' must not reach the server raw.
[[nodiscard]] bool append_signature(Buffer& out, std::string_view signature);

// WebSocket API: writes `{"id":"<id>","method":"<method>"` and, when params is not empty,
// `,"params":{"k":v,...` (left open) into json — params in sorted-name order — and the signature
// payload `k=v&...` (same order, raw UTF-8, `signature` never part of it) into payload, in one pass.
// Add "apiKey" to params first when the request is signed per request (it is part of the payload).
// json and payload are cleared first. id is sent as a JSON string.
[[nodiscard]] bool encode_ws_request(std::string_view id, std::string_view method, const ParamList& params,
                                     Buffer& json, Buffer& payload);
// Closes what encode_ws_request() wrote: `,"signature":"<sig>"}}` when signature is not empty,
// else `}}` (or `}` for a request without params). `params` must be the list passed to encode.
[[nodiscard]] bool finish_ws_request(Buffer& json, const ParamList& params, std::string_view signature);

// WebSocket API method names.
inline constexpr std::string_view kWsOrderPlace = "order.place";
inline constexpr std::string_view kWsOrderCancel = "order.cancel";
inline constexpr std::string_view kWsOrderStatus = "order.status";
inline constexpr std::string_view kWsOrderCancelReplace = "order.cancelReplace";
inline constexpr std::string_view kWsOpenOrdersStatus = "openOrders.status";
inline constexpr std::string_view kWsOpenOrdersCancelAll = "openOrders.cancelAll";
inline constexpr std::string_view kWsSessionLogon = "session.logon";
inline constexpr std::string_view kWsUserDataSubscribe = "userDataStream.subscribe";
inline constexpr std::string_view kWsUserDataSubscribeSignature = "userDataStream.subscribe.signature";

// REST endpoints (method, path) dmabot calls for orders and accounts.
struct RestTarget {
  std::string_view method;
  std::string_view path;
};
inline constexpr RestTarget kSpotNewOrder{"POST", "/api/v3/order"};
inline constexpr RestTarget kSpotCancelOrder{"DELETE", "/api/v3/order"};
inline constexpr RestTarget kSpotQueryOrder{"GET", "/api/v3/order"};
inline constexpr RestTarget kSpotCancelAll{"DELETE", "/api/v3/openOrders"};
inline constexpr RestTarget kSpotOpenOrders{"GET", "/api/v3/openOrders"};
inline constexpr RestTarget kSpotAccount{"GET", "/api/v3/account"};
inline constexpr RestTarget kSpotMyTrades{"GET", "/api/v3/myTrades"};
inline constexpr RestTarget kSpotServerTime{"GET", "/api/v3/time"};
inline constexpr RestTarget kFuturesNewOrder{"POST", "/fapi/v1/order"};
inline constexpr RestTarget kFuturesCancelOrder{"DELETE", "/fapi/v1/order"};
inline constexpr RestTarget kFuturesQueryOrder{"GET", "/fapi/v1/order"};
inline constexpr RestTarget kFuturesCancelAll{"DELETE", "/fapi/v1/allOpenOrders"};
inline constexpr RestTarget kFuturesOpenOrders{"GET", "/fapi/v1/openOrders"};
inline constexpr RestTarget kFuturesAccountV3{"GET", "/fapi/v3/account"};
inline constexpr RestTarget kFuturesBalanceV3{"GET", "/fapi/v3/balance"};
inline constexpr RestTarget kFuturesPositionRiskV3{"GET", "/fapi/v3/positionRisk"};
inline constexpr RestTarget kFuturesUserTrades{"GET", "/fapi/v1/userTrades"};
inline constexpr RestTarget kFuturesLeverage{"POST", "/fapi/v1/leverage"};
inline constexpr RestTarget kFuturesListenKeyNew{"POST", "/fapi/v1/listenKey"};
inline constexpr RestTarget kFuturesListenKeyKeepAlive{"PUT", "/fapi/v1/listenKey"};
inline constexpr RestTarget kFuturesListenKeyClose{"DELETE", "/fapi/v1/listenKey"};
inline constexpr RestTarget kFuturesServerTime{"GET", "/fapi/v1/time"};

// ---------------------------------------------------------------------------------------------------
// Response values (decoded by response_decoder.h, encoded by the sim with response_encoders.h)

// One order as Binance reports it: spot new order (ACK/RESULT/FULL), cancel, query, openOrders
// entries; futures new/cancel/query. Fields a shape lacks keep their defaults.
struct OrderResult {
  SymbolText symbol;
  ClientIdText client_order_id;
  ClientIdText orig_client_order_id;  // spot cancel responses: the canceled order's client id
  uint64_t order_id = 0;
  int64_t order_list_id = -1;    // spot
  int64_t transact_time_ms = 0;  // spot new order / cancel
  int64_t time_ms = 0;           // query / openOrders: creation time
  int64_t update_time_ms = 0;    // spot query; futures everywhere
  int64_t working_time_ms = 0;   // spot
  bool has_details = false;      // false for a spot ACK: only the ids and transactTime
  core::Price price;
  core::Qty orig_qty;
  core::Qty executed_qty;
  core::Qty cum_quote;             // spot cummulativeQuoteQty (may be < 0: unknown), futures cumQuote
  core::Qty orig_quote_order_qty;  // spot
  core::Qty cum_qty;               // futures cumQty
  core::Price avg_price;           // futures
  core::Price stop_price;          // spot conditional types; futures
  OrderStatus status = OrderStatus::kNew;
  TimeInForce time_in_force = TimeInForce::kGtc;
  OrderType type = OrderType::kLimit;
  OrderType orig_type = OrderType::kLimit;  // futures
  OrderSide side = OrderSide::kBuy;
  PositionSide position_side = PositionSide::kBoth;  // futures
  bool reduce_only = false;                          // futures
  bool close_position = false;                       // futures
  bool price_protect = false;                        // futures
  bool is_working = false;                           // spot query / openOrders
  int64_t good_till_date = 0;                        // futures
  ShortText self_trade_prevention_mode;              // "NONE", "EXPIRE_MAKER", ...
  ShortText working_type;                            // futures: "CONTRACT_PRICE" / "MARK_PRICE"
  ShortText price_match;                             // futures: "NONE", "OPPONENT", ...
};

// One fill of a spot FULL response.
struct Fill {
  core::Price price;
  core::Qty qty;
  core::Qty commission;
  AssetText commission_asset;
  uint64_t trade_id = 0;
};

// Body of an error (HTTP 4xx/5xx) and of a WebSocket API `error`: {"code":-1121,"msg":"..."}.
// DELETE /fapi/v1/allOpenOrders answers success in the same shape with code 200.
struct ErrorBody {
  int code = 0;
  std::string_view msg;  // decoder: valid until its next decode; sim: caller-owned
};

// A `rateLimits` entry of a WebSocket API response.
struct RateLimitStatus {
  ShortText rate_limit_type;  // REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
  ShortText interval;         // SECOND, MINUTE, HOUR, DAY
  int interval_num = 0;
  int64_t limit = 0;
  int64_t count = 0;
};

struct SpotAssetBalance {
  AssetText asset;
  core::Qty free;
  core::Qty locked;
};

// GET /api/v3/account (balances live in a span beside it).
struct SpotAccount {
  int maker_commission = 0;  // basis points, as Binance sends them
  int taker_commission = 0;
  int buyer_commission = 0;
  int seller_commission = 0;
  core::Price commission_maker;  // commissionRates.maker, e.g. "0.00150000"
  core::Price commission_taker;
  core::Price commission_buyer;
  core::Price commission_seller;
  bool can_trade = true;
  bool can_withdraw = true;
  bool can_deposit = true;
  bool brokered = false;
  bool require_self_trade_prevention = false;
  bool prevent_sor = false;
  int64_t update_time_ms = 0;
  ShortText account_type;  // "SPOT"
  uint64_t uid = 0;
};

// A USD-M asset: an `assets` entry of /fapi/v2|v3/account, or an entry of /fapi/v2|v3/balance (there
// `balance` is the wallet balance). Signed where Binance may send a negative value.
struct FuturesAssetBalance {
  ShortText account_alias;  // balance only
  AssetText asset;
  core::Price wallet_balance;  // account: walletBalance; balance: balance
  core::Price unrealized_profit;
  core::Price margin_balance;
  core::Price maint_margin;
  core::Price initial_margin;
  core::Price position_initial_margin;
  core::Price open_order_initial_margin;
  core::Price cross_wallet_balance;
  core::Price cross_un_pnl;
  core::Price available_balance;
  core::Price max_withdraw_amount;
  bool margin_available = true;  // balance only
  int64_t update_time_ms = 0;
};

// A USD-M position: /fapi/v2|v3/positionRisk entry or /fapi/v3/account `positions` entry.
struct FuturesPositionInfo {
  SymbolText symbol;
  PositionSide position_side = PositionSide::kBoth;
  core::Qty position_amt;  // signed: < 0 is short in one-way mode
  core::Price entry_price;
  core::Price break_even_price;
  core::Price mark_price;
  core::Price unrealized_profit;  // signed
  core::Price liquidation_price;
  core::Price isolated_margin;
  core::Price notional;  // signed
  AssetText margin_asset;
  core::Price isolated_wallet;
  core::Price initial_margin;
  core::Price maint_margin;
  core::Price position_initial_margin;
  core::Price open_order_initial_margin;
  int adl = 0;
  core::Price bid_notional;
  core::Price ask_notional;
  int leverage = 0;                 // v2 only (0: not sent)
  ShortText margin_type;            // v2 only: "cross" / "isolated"
  bool is_auto_add_margin = false;  // v2 only
  core::Price max_notional_value;   // v2 only
  int64_t update_time_ms = 0;
};

// USD-M account totals (/fapi/v2|v3/account); assets and positions live in spans beside it.
struct FuturesAccount {
  core::Price total_initial_margin;
  core::Price total_maint_margin;
  core::Price total_wallet_balance;
  core::Price total_unrealized_profit;
  core::Price total_margin_balance;
  core::Price total_position_initial_margin;
  core::Price total_open_order_initial_margin;
  core::Price total_cross_wallet_balance;
  core::Price total_cross_un_pnl;
  core::Price available_balance;
  core::Price max_withdraw_amount;
};

// One trade of GET /api/v3/myTrades (spot) or GET /fapi/v1/userTrades (futures).
struct AccountTrade {
  SymbolText symbol;
  uint64_t id = 0;
  uint64_t order_id = 0;
  int64_t order_list_id = -1;  // spot
  core::Price price;
  core::Qty qty;
  core::Qty quote_qty;
  core::Qty commission;  // signed (futures rebates)
  AssetText commission_asset;
  int64_t time_ms = 0;
  bool is_buyer = false;                             // spot isBuyer / futures buyer
  bool is_maker = false;                             // spot isMaker / futures maker
  bool is_best_match = true;                         // spot
  OrderSide side = OrderSide::kBuy;                  // futures
  PositionSide position_side = PositionSide::kBoth;  // futures
  core::Price realized_pnl;                          // futures, signed
};

// Spot order.cancelReplace (and POST /api/v3/order/cancelReplace): which half worked. A half that
// failed carries its error; one not attempted has neither.
struct CancelReplaceResult {
  ShortText cancel_result;     // "SUCCESS", "FAILURE"
  ShortText new_order_result;  // "SUCCESS", "FAILURE", "NOT_ATTEMPTED"
  bool has_cancel = false;     // cancel holds the canceled order
  OrderResult cancel;
  ErrorBody cancel_error;      // code != 0 when the cancel failed
  bool has_new_order = false;  // new_order holds the placed order (its fills: the decoder's fills())
  OrderResult new_order;
  ErrorBody new_order_error;  // code != 0 when the placement failed
};

// POST /fapi/v1/leverage.
struct LeverageResult {
  int leverage = 0;
  core::Price max_notional_value;
  SymbolText symbol;
};

}  // namespace dmabot::binance
