#include "tools/binance_sim/ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {
void key(std::string& out, std::string_view k) {
  out.push_back(',');
  core::append_json_string(out, k);
  out.push_back(':');
}
void str_field(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  core::append_json_string(out, v);
}
void int_field(std::string& out, std::string_view k, int64_t v) {
  key(out, k);
  core::str_append(out, v);
}
void dec_field(std::string& out, std::string_view k, int64_t raw) {
  key(out, k);
  char buf[core::kDecimalBufSize];
  std::size_t n = core::format_decimal_trimmed(raw, buf);
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}
std::string_view product_name(Product p) { return p == Product::kSpot ? "spot" : "usdm"; }
}  // namespace

Ledger::~Ledger() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Ledger::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(core::str_cat("--ledger ", path, ": cannot open: ", std::strerror(errno)));
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = path;
  return absl::OkStatus();
}

void Ledger::begin(std::string_view type, UnixNanos ts, Product product, const std::string& account,
                   const std::string& symbol) {
  line_.clear();
  line_.append("{\"type\":");
  core::append_json_string(line_, type);
  int_field(line_, "ts", ts);
  str_field(line_, "product", product_name(product));
  str_field(line_, "account", account);
  str_field(line_, "symbol", symbol);
}

void Ledger::finish() {
  line_.append("}\n");
  if (fd_ < 0) return;
  const char* p = line_.data();
  std::size_t left = line_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++errors_;
      if (first_error_.empty()) first_error_ = core::str_cat("ledger ", path_, ": write: ", std::strerror(errno));
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ++lines_;
}

void Ledger::on_order(const OrderEvent& e) {
  const OrderSnapshot& o = e.order;
  if (e.exec_type == ExecType::kNew) {
    begin("order_accepted", e.ts, o.product, e.api_key, o.symbol);
    str_field(line_, "side", binance::wire_name(o.side));
    str_field(line_, "clientOrderId", o.client_order_id);
    int_field(line_, "orderId", o.order_id);
    str_field(line_, "orderType", binance::wire_name(o.type));
    str_field(line_, "timeInForce", binance::wire_name(o.time_in_force));
    dec_field(line_, "price", o.price.raw);
    dec_field(line_, "origQty", o.orig_qty.raw);
    str_field(line_, "status", binance::wire_name(o.status));
  } else if (e.exec_type == ExecType::kTrade && e.fill) {
    const TradeRecord& f = *e.fill;
    begin("fill", e.ts, o.product, e.api_key, o.symbol);
    str_field(line_, "side", binance::wire_name(o.side));
    str_field(line_, "clientOrderId", o.client_order_id);
    int_field(line_, "orderId", o.order_id);
    int_field(line_, "tradeId", f.trade_id);
    dec_field(line_, "price", f.price.raw);
    dec_field(line_, "qty", f.qty.raw);
    dec_field(line_, "quoteQty", f.quote_qty_raw);
    dec_field(line_, "fee", f.commission_raw);
    str_field(line_, "feeAsset", f.commission_asset);
    key(line_, "maker");
    line_.append(f.is_maker ? "true" : "false");
    str_field(line_, "status", binance::wire_name(o.status));
    if (o.product == Product::kUsdmFutures) dec_field(line_, "realizedPnl", f.realized_pnl_raw);
  } else {
    begin("order_state", e.ts, o.product, e.api_key, o.symbol);
    str_field(line_, "side", binance::wire_name(o.side));
    // A spot cancel carries its own client id; the order's own one is what the engine knows it by.
    if (o.orig_client_order_id.empty()) {
      str_field(line_, "clientOrderId", o.client_order_id);
    } else {
      str_field(line_, "clientOrderId", o.orig_client_order_id);
      str_field(line_, "cancelClientOrderId", o.client_order_id);
    }
    int_field(line_, "orderId", o.order_id);
    str_field(line_, "status", binance::wire_name(o.status));
    str_field(line_, "execType", to_string(e.exec_type));
    dec_field(line_, "executedQty", o.executed_qty.raw);
  }
  finish();
}

void Ledger::on_reject(const RejectEvent& e) {
  begin("order_rejected", e.ts, e.product, e.api_key, e.symbol);
  str_field(line_, "request", e.request);
  if (e.side) str_field(line_, "side", binance::wire_name(*e.side));
  str_field(line_, "clientOrderId", e.client_order_id);
  int_field(line_, "orderId", e.order_id);
  int_field(line_, "code", e.error.code);
  str_field(line_, "msg", e.error.msg);
  finish();
}

void Ledger::on_funding(const FundingEvent& e) {
  begin("funding", e.ts, Product::kUsdmFutures, e.api_key, e.symbol);
  str_field(line_, "positionSide", binance::wire_name(e.position_side));
  dec_field(line_, "positionAmt", e.position_amount.raw);
  dec_field(line_, "markPrice", e.mark_price.raw);
  dec_field(line_, "fundingRate", e.funding_rate_raw);
  dec_field(line_, "amount", e.amount_raw);
  finish();
}

}  // namespace dmabot::binance_sim
