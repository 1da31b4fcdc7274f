// tests/tools/engine_test_util.h — builds an Engine from a loaded Config in one step for in-process
// tests (EngineConfig::from_config, then Engine::create), so each test states only its config and
// checks one status. Header-only; allocates the engine.
#pragma once

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "core/clock.h"
#include "core/config.h"
#include "tools/engine.h"
#include "tools/engine_config.h"

namespace dmabot::tools {

// The simulated start most in-process engine tests use (2023-11-14 22:13:20 UTC).
inline constexpr core::UnixNanos kTestEngineStart = 1'700'000'000'000'000'000;

inline absl::StatusOr<std::unique_ptr<Engine>> build_test_engine(
    core::Config& cfg, core::Clock clock = core::Clock::simulated(kTestEngineStart), EngineOptions options = {}) {
  auto ec = EngineConfig::from_config(cfg);
  if (!ec.ok()) return ec.status();
  return Engine::create(std::move(*ec), cfg, clock, options);
}

}  // namespace dmabot::tools
