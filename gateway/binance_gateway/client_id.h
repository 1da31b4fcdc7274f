// gateway/binance_gateway/client_id.h — newClientOrderId text for an engine client id, and back.
//
// Text: "dm" + an 8-character run id + "-" + the engine id in base 32 (1..13 characters), lower-case
// digits and letters only: at most 24 characters, inside Binance's limits (36 spot, 32 USD-M) and its
// charset [.A-Z:/a-z0-9_-]. Example: engine id 0x0100000000000010 of run "0k3m9q2a" → "dm0k3m9q2a-400000000000g".
//
// Why this shape:
//   * Unique across restarts: the run id comes from the wall clock (ms) at start, so two runs of the
//     engine (whose client-id counters both start at 1) never send the same text; Binance rejects a
//     duplicate client id only among open orders, so uniqueness is ours to keep.
//   * Decodable without a map: the engine id is the text itself; an event or a query answer finds its
//     table entry by decoding.
//   * Foreign ids recognised: a well-formed text with another run id is kForeignRun (an order left by
//     an earlier run, for start-up reconciliation); anything else (placed by hand, by another tool,
//     Binance's own "autoclose-..." ids) is kNotOurs.
//   * A retry reuses the text: encode() is a pure function of (run, engine id), so every send of the
//     same engine order carries the same newClientOrderId and can never create a second order.
//
// Threads: immutable after construction; any thread. Allocation: none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dmabot::binance_gateway {

inline constexpr std::size_t kClientIdTextMax = 24;
inline constexpr std::size_t kRunIdChars = 8;

class ClientIdCodec {
 public:
  enum class Origin : uint8_t { kOurs, kForeignRun, kNotOurs };

  // run_id: only its low 40 bits count (8 base-32 characters).
  explicit ClientIdCodec(uint64_t run_id = 0);
  // A run id from the wall clock at start: milliseconds since the epoch (low 40 bits: wraps every
  // ~34 years; two runs started in the same millisecond would collide, which a restart cannot do).
  [[nodiscard]] static uint64_t run_id_from_wall_ns(int64_t wall_ns) {
    return static_cast<uint64_t>(wall_ns / 1'000'000);
  }

  // Writes the text into out; returns its length (<= kClientIdTextMax).
  std::size_t encode(uint64_t engine_id, char (&out)[kClientIdTextMax]) const noexcept;
  // Origin of a text; engine_id is set for kOurs and kForeignRun.
  [[nodiscard]] Origin decode(std::string_view text, uint64_t& engine_id) const noexcept;

  [[nodiscard]] std::string_view run_text() const { return {run_.data(), run_.size()}; }

 private:
  std::array<char, kRunIdChars> run_{};
};

}  // namespace dmabot::binance_gateway
