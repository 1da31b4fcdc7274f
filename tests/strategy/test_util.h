// tests/strategy/test_util.h — builders for the strategy tests: a symbol table with known filters,
// ticks from decimal strings, and exec reports answering a signal.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/symbol_table.h"
#include "core/types.h"
#include "strategy/signal_buffer.h"

namespace dmabot::strategy::testutil {

inline core::Price px(std::string_view s) {
  core::Price p;
  if (core::Price::parse(s, p) != core::DecimalError::kOk) p.raw = -1;
  return p;
}
inline core::Qty qty(std::string_view s) {
  core::Qty q;
  if (core::Qty::parse_signed(s, q) != core::DecimalError::kOk) q.raw = -1;
  return q;
}

// n symbols "SYM0".."SYMn-1": tick 0.01, step 0.00001, min_qty 0.00001, min_notional 5.
inline core::SymbolTable make_symbols(int n = 1) {
  core::SymbolTable t;
  for (int i = 0; i < n; ++i) {
    core::InstrumentInfo info;
    info.name = "SYM" + std::to_string(i);
    info.tick = px("0.01");
    info.step = qty("0.00001");
    info.min_qty = qty("0.00001");
    info.min_notional_raw = 5 * core::kScale;
    t.add(info);
  }
  return t;
}

inline constexpr int64_t kMs = 1'000'000;

inline core::MdTick tick(core::SymbolId sym, std::string_view bid, std::string_view ask, int64_t ts_ms) {
  core::MdTick t;
  t.symbol = sym;
  t.bid = px(bid);
  t.ask = px(ask);
  t.bid_qty = qty("1");
  t.ask_qty = qty("1");
  t.ts_local = ts_ms * kMs;
  t.ts_exchange = t.ts_local;
  return t;
}

// A report for the order a signal created (its client_id), e.g. the ack or a fill.
inline core::ExecReport report(const core::Signal& s, core::ExecStatus st, std::string_view last_qty = "0",
                               std::string_view cum_qty = "0") {
  core::ExecReport r;
  r.client_id = s.client_id;
  r.symbol = s.symbol;
  r.strategy = s.strategy;
  r.side = s.side;
  r.status = st;
  r.last_px = s.price;
  r.last_qty = qty(last_qty);
  r.cum_qty = qty(cum_qty);
  return r;
}
// A report for the order a cancel/replace targeted (kCanceled / kCancelRejected).
inline core::ExecReport target_report(const core::Signal& s, core::ExecStatus st) {
  core::ExecReport r = report(s, st);
  r.client_id = s.target_id;
  return r;
}
inline core::ExecReport risk_reject(const core::Signal& s, core::RejectReason why) {
  core::ExecReport r = report(s, core::ExecStatus::kRejected);
  r.venue = core::kRiskVenue;
  r.reject_reason = why;
  return r;
}

inline std::vector<core::Signal> take(SignalBuffer& b) {
  std::vector<core::Signal> out(b.begin(), b.end());
  b.clear();
  return out;
}

}  // namespace dmabot::strategy::testutil
