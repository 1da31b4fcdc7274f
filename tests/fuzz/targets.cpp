#include <array>

#include "tests/fuzz/fuzz_checks.h"

namespace dmabot::fuzz {

std::span<const Target> targets() {
  static constexpr std::array<Target, 6> kTargets = {{
      {"binance_parser", &check_binance_parser},
      {"capture_reader", &check_capture_reader},
      {"jsonl_recording", &check_jsonl_recording},
      {"decimal", &check_decimal},
      {"config", &check_config},
      {"event_cache", &check_event_cache},
  }};
  return kTargets;
}

}  // namespace dmabot::fuzz
