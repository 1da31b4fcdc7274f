// gateway/binance_gateway/order_encoder.h — core::Order → a signed Binance order request in a fixed
// send buffer: pure, no I/O, no allocation. The Binance gateways use it for every request they send;
// a latency benchmark (bench/tick_to_order) can call it alone.
//
// Two steps, each callable on its own:
//   1. prepare_new_order(): the engine order on the symbol's grid and through Binance's own checks.
//      Price: a buy is floored to the tick, a sell ceiled (quantizing never makes an order more
//      aggressive); quantity floored to the step. Then binance::check_new_order() — the very checks
//      binance-sim applies — answers Binance's code and msg. A failure never leaves the process: the
//      gateway answers it locally (kRejected, kVenueReject) and counts it by LocalReject.
//      Mapping: kGtc → LIMIT GTC, kIoc → LIMIT IOC, kPostOnly → LIMIT_MAKER (spot) / LIMIT GTX
//      (USD-M); reduceOnly=true on USD-M when NewOrderExtras::reduce_only.
//   2. OrderEncoder::encode_*(): the typed request (binance::NewOrder / OrderRef / CancelReplace /
//      SymbolScope / trades) rendered and signed for one wire — a REST query string (parameters in the
//      query, also for POST/DELETE, signature last) or a WebSocket API JSON frame — into the encoder's
//      own buffer: view() is what goes into RestRequest / WsRequest.
//   encode_order() does both for a new order (what the benchmark times).
// Signing: REST with HMAC-SHA256 (no allocation) or Ed25519 (OpenSSL allocates inside, see signer.h);
// WebSocket API either unsigned (the session is logged on with Ed25519: ws_session_auth) or signed per
// request (apiKey + HMAC signature).
//
// Threads: one OrderEncoder per thread (the gateway's). prepare_new_order and classify are pure.
// Allocation: none (constructor: the API key copy).
// Errors: [[nodiscard]] results; false / a non-ok CheckResult, never exceptions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/events.h"
#include "gateway/binance/instruments.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"

namespace dmabot::binance_gateway {

enum class Wire : uint8_t { kRest, kWsApi };

// Why an order was answered locally instead of being sent. The first group comes from the filter
// checks (classify()), the rest from the gateway.
enum class LocalReject : uint8_t {
  kSymbolStatus,   // not TRADING (-2010 "Market is closed.", -4140, -4141)
  kOrderType,      // type or timeInForce not allowed on the symbol
  kPrice,          // PRICE_FILTER (-1013 spot, -4013/-4002/-4014)
  kQuantity,       // LOT_SIZE / zero after quantizing (-4003/-4004/-4005/-4023)
  kNotional,       // NOTIONAL / MIN_NOTIONAL (-4164)
  kPercentPrice,   // PERCENT_PRICE(_BY_SIDE) (-4016/-4024)
  kMaxOrders,      // MAX_NUM_ORDERS (-2025)
  kOtherFilter,    // any other check failure
  kUnknownSymbol,  // no spec for the order's symbol on this venue
  kEncode,         // did not fit the send buffer / signing failed
  kRateLimited,    // RateGovernor said no (headroom or after a 429/418 until Retry-After)
  kTableFull,      // the per-order table is full
  kDuplicateId,    // the engine id is already in the table
  kDryRun,         // DRY_RUN: encoded, not sent
  kCount
};
[[nodiscard]] std::string_view to_string(LocalReject r);
[[nodiscard]] LocalReject classify(const binance::CheckResult& r);

struct NewOrderExtras {
  bool reduce_only = false;       // USD-M only
  core::Price reference_price;    // for PERCENT_PRICE checks; 0 = unknown (those checks skipped)
  int32_t open_orders_count = 0;  // for MAX_NUM_ORDERS
  binance::OrderRespType resp_type = binance::OrderRespType::kResult;
};

// Quantizes and checks; fills `out` (its symbol and client id are views of spec.symbol and
// client_text). timestamp/recvWindow are the caller's (set them on out before encoding).
[[nodiscard]] binance::CheckResult prepare_new_order(const core::Order& o, const binance::InstrumentSpec& spec,
                                                     std::string_view client_text, const NewOrderExtras& extras,
                                                     binance::NewOrder& out);

class OrderEncoder {
 public:
  struct Options {
    binance::Product product = binance::Product::kSpot;
    std::string api_key;           // WebSocket API per-request signing (REST sends it as a header)
    bool ws_session_auth = false;  // WS requests unsigned: the session is logged on (Ed25519)
  };
  // Non-owning signers; at least one for SIGNED requests. Ed25519 is used when hmac is null.
  OrderEncoder(Options o, const binance::HmacSha256Signer* hmac, binance::Ed25519Signer* ed25519);

  // Each renders one request into view(); false when it does not fit or signing fails.
  [[nodiscard]] bool encode_new(const binance::NewOrder& o, Wire wire, uint64_t ws_id);
  // order.cancel / order.status (WS: method), DELETE / GET order (REST: the target of the caller).
  [[nodiscard]] bool encode_ref(const binance::OrderRef& r, Wire wire, std::string_view ws_method, uint64_t ws_id);
  [[nodiscard]] bool encode_cancel_replace(const binance::CancelReplace& c, uint64_t ws_id);  // WS only
  [[nodiscard]] bool encode_scope(const binance::SymbolScope& s, Wire wire, std::string_view ws_method, uint64_t ws_id);
  // GET myTrades / userTrades of one order (REST).
  [[nodiscard]] bool encode_trades(std::string_view symbol, uint64_t order_id, int64_t timestamp_ms,
                                   std::optional<int64_t> recv_window_ms);

  // prepare_new_order + encode_new. On a failed check nothing is rendered and the result says why.
  [[nodiscard]] binance::CheckResult encode_order(const core::Order& o, const binance::InstrumentSpec& spec,
                                                  std::string_view client_text, const NewOrderExtras& extras,
                                                  int64_t timestamp_ms, std::optional<int64_t> recv_window_ms,
                                                  Wire wire, uint64_t ws_id);

  [[nodiscard]] std::string_view view() const { return out_.view(); }
  [[nodiscard]] const binance::NewOrder& last_new_order() const { return last_; }

 private:
  [[nodiscard]] bool render(Wire wire, std::string_view ws_method, uint64_t ws_id);

  Options opt_;
  const binance::HmacSha256Signer* hmac_;
  binance::Ed25519Signer* ed_;
  binance::ParamList params_;
  binance::FixedBuffer<4096> out_;
  binance::FixedBuffer<2048> payload_;
  binance::NewOrder last_;
};

}  // namespace dmabot::binance_gateway
