// tools/binance_sim/market_driver.h — moves binance-sim's own market: advances the random walks and
// capture replays to `now` and hands what they produce to the Exchange (tops, trades, mark prices),
// then settles funding that fell due. The sim's io thread calls poll() from a timer (every 10–100 ms
// is plenty); tests call it with the times they choose.
//
// A capture feeds the symbols of one product by name; its lines for symbols the exchange does not
// list are counted (ignored()) and dropped. A symbol may have a walk or a capture, not both.
//
// Threads: the sim's io thread (the Exchange's). Allocation: per poll, the list of changed symbols.
// Errors: add_capture() returns the reader's error naming the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/sim_market.h"

namespace dmabot::binance_sim {

class MarketDriver {
 public:
  explicit MarketDriver(Exchange& ex) : ex_(ex) {}

  // A seeded random walk for one symbol (the symbol must exist in the exchange).
  [[nodiscard]] absl::Status add_random_walk(Product p, const std::string& symbol, const RandomWalkConfig& cfg);
  // A capture replayed in real time from `start` (feed::open_source: raw capture, recording, cache).
  [[nodiscard]] absl::Status add_capture(Product p, const std::string& path, UnixNanos start);

  // The symbols whose top of book changed in this call (for bookTicker / depth streams), in order.
  struct Changed {
    Product product;
    std::string symbol;
  };
  std::vector<Changed> poll(UnixNanos now);

  [[nodiscard]] uint64_t ignored() const { return ignored_; }
  [[nodiscard]] bool captures_finished() const;

 private:
  struct Walk {
    Product product;
    std::string symbol;
    RandomWalkMarket market;
  };
  struct Capture {
    Product product;
    std::unique_ptr<CaptureMarket> market;
  };
  Exchange& ex_;
  std::vector<Walk> walks_;
  std::vector<Capture> captures_;
  uint64_t ignored_ = 0;
};

}  // namespace dmabot::binance_sim
