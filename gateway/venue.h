// gateway/venue.h — what the router knows about a venue before it has seen any traffic.
//
// A venue's index in the router's venue list is its id: Order::venue and ExecReport::venue carry
// it, and the gateway serving venue i is built with venue_id i. Fees are in basis points of
// notional (negative = rebate); expected_latency_ns seeds the router's order->ack latency estimate.
//
// Threads: plain value, built at start-up and copied into the stages. Allocation: the name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dmabot::gateway {

struct VenueInfo {
  std::string name;             // metric label and log name: "mock", "binance_futures"
  double maker_fee_bps = 0.0;   // GTC and post-only fills
  double taker_fee_bps = 0.0;   // IOC fills
  int64_t expected_latency_ns = 0;
};

// Most venues a router serves; venue ids are uint8_t and the router keeps small fixed arrays.
inline constexpr std::size_t kMaxVenues = 16;

}  // namespace dmabot::gateway
