// tests/risk/test_util.h — small builders shared by the risk tests.
#pragma once

#include <string_view>

#include "core/events.h"
#include "core/types.h"

namespace dmabot::risk::testing {

inline core::Price px(std::string_view s) {
  core::Price p;
  if (core::Price::parse(s, p) != core::DecimalError::kOk) return core::Price::from_raw(-1);
  return p;
}
inline core::Qty qty(std::string_view s) {
  core::Qty q;
  if (core::Qty::parse(s, q) != core::DecimalError::kOk) return core::Qty::from_raw(-1);
  return q;
}
// Quote amount "12.5" -> raw 1e-8 units.
inline int64_t quote_raw(std::string_view s) {
  int64_t raw = 0;
  if (core::parse_decimal(s, true, raw) != core::DecimalError::kOk) return -1;
  return raw;
}

inline core::ExecReport fill(core::SymbolId sym, uint8_t venue, core::Side side, std::string_view q, std::string_view p,
                             int64_t fee_raw = 0, uint64_t id = 0, core::ExecStatus st = core::ExecStatus::kFilled) {
  core::ExecReport r;
  r.symbol = sym;
  r.venue = venue;
  r.side = side;
  r.last_qty = qty(q);
  r.last_px = px(p);
  r.fee_raw = fee_raw;
  r.client_id = id;
  r.status = st;
  return r;
}

inline core::ExecReport report(uint64_t id, core::ExecStatus st) {
  core::ExecReport r;
  r.client_id = id;
  r.status = st;
  return r;
}

inline core::Signal new_order(uint64_t id, core::SymbolId sym, core::Side side, std::string_view q,
                              std::string_view p) {
  core::Signal s;
  s.client_id = id;
  s.symbol = sym;
  s.side = side;
  s.qty = qty(q);
  s.price = px(p);
  s.strategy = core::client_id_slot(id);
  s.action = core::SignalAction::kNew;
  return s;
}

inline core::Signal cancel(uint64_t target, core::SymbolId sym = 0) {
  core::Signal s;
  s.target_id = target;
  s.symbol = sym;
  s.strategy = core::client_id_slot(target);
  s.action = core::SignalAction::kCancel;
  return s;
}

inline core::Signal replace(uint64_t target, uint64_t id, core::SymbolId sym, core::Side side, std::string_view q,
                            std::string_view p) {
  core::Signal s = new_order(id, sym, side, q, p);
  s.target_id = target;
  s.action = core::SignalAction::kReplace;
  return s;
}

inline constexpr core::UnixNanos kMs = 1'000'000;
inline constexpr core::UnixNanos kSec = 1'000'000'000;

}  // namespace dmabot::risk::testing
