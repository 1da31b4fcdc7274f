// tools/binance_sim/ledger.h — `dmabot binance-sim --ledger FILE`: one JSON line per accepted or
// rejected request, order state change, fill and funding settlement, so a test can prove the engine
// and the venue agree.
//
// Lines (every one has "type", "ts" (exchange time, Unix ns), "product" ("spot" | "usdm"),
// "account" (the API key — public, never the secret), "symbol"):
//   order_accepted  side, clientOrderId, orderId, orderType, timeInForce, price, origQty, status
//   order_state     side, clientOrderId (the order's own), orderId, status, execType, executedQty
//                   (CANCELED, EXPIRED); a spot cancel adds cancelClientOrderId
//   fill            side, clientOrderId, orderId, tradeId, price, qty, quoteQty, fee, feeAsset, maker,
//                   status (the order's status after the fill), realizedPnl (usdm)
//   order_rejected  request ("order.new", "order.cancel", ...), side (when known), clientOrderId,
//                   orderId (0 when none), code, msg
//   funding         positionSide, positionAmt, markPrice, fundingRate, amount (> 0 received)
// Decimals are exact strings ("61837.63"); ids are integers.
//
// Each line goes out with one write(2) (looping on short writes) as soon as the event happens: no
// buffering, so a crash loses nothing already reported. A failed write is never silent: it is
// counted (write_errors()), the first error is kept (last_error()), and the sim reports both.
//
// Threads: one owner (the exchange's thread: the ledger is an ExchangeListener). Allocation: one
// line buffer, reused.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "tools/binance_sim/exchange_types.h"

namespace dmabot::binance_sim {

class Ledger final : public ExchangeListener {
 public:
  Ledger() = default;
  ~Ledger() override;
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Opens (creates, appends to) `path`. NotFound / PermissionDenied-style errors name the file.
  [[nodiscard]] absl::Status open(const std::string& path);

  void on_order(const OrderEvent& e) override;
  void on_reject(const RejectEvent& e) override;
  void on_funding(const FundingEvent& e) override;

  [[nodiscard]] uint64_t lines_written() const { return lines_; }
  [[nodiscard]] uint64_t write_errors() const { return errors_; }
  // The first write error ("ledger FILE: write: No space left on device"); empty when none.
  [[nodiscard]] const std::string& last_error() const { return first_error_; }

 private:
  void begin(std::string_view type, UnixNanos ts, Product product, const std::string& account,
             const std::string& symbol);
  void finish();

  int fd_ = -1;
  std::string path_;
  std::string line_;
  uint64_t lines_ = 0;
  uint64_t errors_ = 0;
  std::string first_error_;
};

}  // namespace dmabot::binance_sim
