// strategy/internal/params_util.h — helpers for the strategies' from_config functions (cold path).
#pragma once

#include <cstdint>

#include "core/types.h"

// Assigns the value of an absl::StatusOr expression to lhs, or returns its error status.
#define DMABOT_STRATEGY_CONCAT_INNER(a, b) a##b
#define DMABOT_STRATEGY_CONCAT(a, b) DMABOT_STRATEGY_CONCAT_INNER(a, b)
#define DMABOT_STRATEGY_ASSIGN(lhs, expr) DMABOT_STRATEGY_ASSIGN_IMPL(DMABOT_STRATEGY_CONCAT(so_, __LINE__), lhs, expr)
#define DMABOT_STRATEGY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = *tmp

namespace dmabot::strategy::internal {

// Upper bound for quantity keys: 1e9 base units (far above any real order, far below overflow).
inline constexpr int64_t kMaxQtyRaw = int64_t{1'000'000'000} * core::kScale;

}  // namespace dmabot::strategy::internal
