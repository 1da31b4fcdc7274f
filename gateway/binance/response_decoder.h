// gateway/binance/response_decoder.h — engine side: decodes Binance's order and account responses
// (REST bodies and WebSocket API frames, Spot and USD-M) into the value types of order_messages.h.
//
// What it reads: spot new order ACK/RESULT/FULL (fills), cancel, query and openOrders entries;
// futures new/cancel/query; error bodies {"code","msg"}; the WebSocket API envelope
// {"id","status","result"|"error","rateLimits"}; spot account + balances; futures account v2/v3,
// balance v2/v3, positionRisk v2/v3; myTrades/userTrades; serverTime; listenKey; leverage;
// userDataStream.subscribe's subscriptionId. Each decoder also reads the `result` of the envelope
// decoded last (pass kWsResult instead of a body), so a WebSocket answer is parsed once.
// Field order never matters; unknown fields are ignored (Binance adds fields without notice).
//
// Exactness: decimals go from the JSON string straight to core fixed point (never double); prices and
// quantities Binance echoes from the request are strict (a 9th decimal is an error), computed values
// (avgPrice, cumQuote, PnL, margins) keep their first 8 decimals. Ids and times are read as integers
// (simdjson parses integer literals exactly: ids above 2^53 survive).
//
// Threads: one decoder per thread. Allocation: the simdjson DOM parser, a padded copy of the input and
// the vectors behind the returned spans grow to the largest message seen (warm-up), then are reused.
// Spans, string_views (ErrorBody::msg) and fills() stay valid until the next decode call.
// Errors: DecodeResult names what is wrong and which field; never throws, never crashes on any input.
// A body that is a Binance error ({"code":-2010,...}) where an order was expected gives kApiError and
// the error in last_api_error().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "gateway/binance/order_messages.h"

namespace dmabot::binance {

enum class DecodeError : uint8_t {
  kOk = 0,
  kEmpty,            // empty or whitespace-only input
  kBadJson,          // not valid JSON (truncated, bad literal, trailing content, bad UTF-8)
  kNotObject,        // an object was expected (field: where)
  kNotArray,         // an array was expected
  kMissingField,     // a field this shape needs is absent
  kWrongType,        // a field has the wrong JSON type
  kBadDecimal,       // a decimal string that is no decimal
  kNegative,         // a negative value where none is allowed
  kTooManyDecimals,  // more than 8 decimals in a strict field
  kOutOfRange,       // an integer that does not fit (negative id, > int64 time, ...)
  kBadEnum,          // an enum value this build does not know ("side":"HOLD")
  kTooLong,          // text longer than its fixed slot (symbol > 64 bytes, ...)
  kApiError,         // the body is a Binance error object: see last_api_error()
  kNoWsResult,       // kWsResult asked for, but the last envelope had no `result`
};
[[nodiscard]] std::string_view to_string(DecodeError e);

struct DecodeResult {
  DecodeError error = DecodeError::kOk;
  std::string_view field;  // the offending field (a static name), empty when not about one field
  [[nodiscard]] bool ok() const { return error == DecodeError::kOk; }
};
// "missing field 'orderId'", "bad decimal in 'price'", "not valid JSON": one line for logs.
[[nodiscard]] std::string describe(DecodeResult r);

// Pass to a decoder instead of a body: read the `result` of the envelope decode_ws_envelope() read last.
struct WsResultTag {};
inline constexpr WsResultTag kWsResult{};

// What a decoder reads: a body, or kWsResult.
struct DecodeInput {
  DecodeInput(std::string_view t) : text(t) {}    // NOLINT: implicit by design
  DecodeInput(const char* t) : text(t) {}         // NOLINT
  DecodeInput(const std::string& t) : text(t) {}  // NOLINT
  DecodeInput(WsResultTag) : ws_result(true) {}   // NOLINT
  std::string_view text;
  bool ws_result = false;
};

// The WebSocket API envelope. `id` is the text of the id (a JSON string's contents, or a number's
// digits); the sim echoes whatever type the request used.
struct WsEnvelope {
  InlineString<80> id;
  bool id_is_string = false;
  bool id_is_null = false;
  int status = 0;
  bool has_result = false;  // false: `error` holds the failure
  ErrorBody error;
  // The error carries `data` (cancel-replace failures): kWsResult then reads that `data`.
  bool error_has_data = false;
  std::span<const RateLimitStatus> rate_limits;
};

class ResponseDecoder {
 public:
  ResponseDecoder();
  ~ResponseDecoder();
  ResponseDecoder(const ResponseDecoder&) = delete;
  ResponseDecoder& operator=(const ResponseDecoder&) = delete;

  [[nodiscard]] DecodeResult decode_error(DecodeInput in, ErrorBody& out);
  // Spot new order (any newOrderRespType), cancel, query, cancelReplace's new order; futures order.
  // A FULL response's fills are in fills().
  [[nodiscard]] DecodeResult decode_order(DecodeInput in, Product product, OrderResult& out);
  // openOrders (GET), spot DELETE openOrders (order-list entries are skipped: dmabot places none).
  [[nodiscard]] DecodeResult decode_orders(DecodeInput in, Product product, std::span<const OrderResult>& out);
  [[nodiscard]] DecodeResult decode_spot_account(DecodeInput in, SpotAccount& out,
                                                 std::span<const SpotAssetBalance>& balances);
  // /fapi/v2/account and /fapi/v3/account.
  [[nodiscard]] DecodeResult decode_futures_account(DecodeInput in, FuturesAccount& out,
                                                    std::span<const FuturesAssetBalance>& assets,
                                                    std::span<const FuturesPositionInfo>& positions);
  // /fapi/v2/balance and /fapi/v3/balance.
  [[nodiscard]] DecodeResult decode_futures_balances(DecodeInput in, std::span<const FuturesAssetBalance>& out);
  // /fapi/v2/positionRisk and /fapi/v3/positionRisk.
  [[nodiscard]] DecodeResult decode_positions(DecodeInput in, std::span<const FuturesPositionInfo>& out);
  // GET /api/v3/myTrades (spot) or GET /fapi/v1/userTrades (futures).
  [[nodiscard]] DecodeResult decode_trades(DecodeInput in, Product product, std::span<const AccountTrade>& out);
  [[nodiscard]] DecodeResult decode_server_time(DecodeInput in, int64_t& server_time_ms);
  [[nodiscard]] DecodeResult decode_listen_key(DecodeInput in, InlineString<128>& listen_key);
  [[nodiscard]] DecodeResult decode_leverage(DecodeInput in, LeverageResult& out);
  // Spot cancel-replace: the success body/result, or a failure's `data` (REST: the error body itself,
  // {"code":-2022,"msg":..,"data":{..}}; WebSocket API: kWsResult after an envelope whose error has
  // `data`, see WsEnvelope::error_has_data). The new order's fills are in fills().
  [[nodiscard]] DecodeResult decode_cancel_replace(DecodeInput in, CancelReplaceResult& out);
  // userDataStream.subscribe(.signature) result: {"subscriptionId":N}.
  [[nodiscard]] DecodeResult decode_subscription_id(DecodeInput in, int64_t& subscription_id);

  [[nodiscard]] DecodeResult decode_ws_envelope(std::string_view frame, WsEnvelope& out);

  [[nodiscard]] std::span<const Fill> fills() const;
  [[nodiscard]] const ErrorBody& last_api_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmabot::binance
