// Shared vocabulary of the gateway tests: the core names they use and exact decimal builders.
#pragma once

#include <gtest/gtest.h>

#include "core/events.h"
#include "core/types.h"

namespace dmabot::gateway::testutil {

using core::ExecReport;
using core::ExecStatus;
using core::Order;
using core::OrderAction;
using core::Price;
using core::Qty;
using core::RejectReason;
using core::Side;
using core::TimeInForce;

// Exact fixed-point values from decimal text; a malformed literal fails the calling test.
inline Price px(const char* s) {
  Price p;
  EXPECT_EQ(Price::parse(s, p), core::DecimalError::kOk) << s;
  return p;
}
inline Qty qty(const char* s) {
  Qty q;
  EXPECT_EQ(Qty::parse(s, q), core::DecimalError::kOk) << s;
  return q;
}

}  // namespace dmabot::gateway::testutil
