// tools/binance_sim/sim_market.h — where binance-sim's own market comes from: the top of book (bid,
// ask and their sizes) that the exchange's accounts trade against, and, for futures, the mark price.
//
//   RandomWalkMarket  a seeded random walk: every `interval` the mid moves one tick up, one tick down
//                     or stays (equal odds), the spread stays `spread_ticks`, and each side's size is
//                     drawn between half and one and a half of `size` (in step units). Same seed → same
//                     path. Nothing runs by itself: the caller asks advance(now).
//   CaptureMarket     replays a capture or recording (feed::open_source: raw Binance capture, dmabot
//                     JSONL recording, event cache) in real time: an event whose ts_local is d after
//                     the file's first event is handed out once now >= start + d. bookTicker lines
//                     become tops, trades trades, markPrice lines mark prices, by symbol name.
//
// Threads: one owner (the sim's io thread). Allocation: CaptureMarket's reader buffers at open();
// poll() returns a small vector (cold path). Errors: open() names the file (NotFound/InvalidArgument).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/prng.h"
#include "core/symbol_table.h"
#include "core/types.h"

namespace dmabot::feed {
class EventSource;
}

namespace dmabot::binance_sim {

struct TopOfBook {
  core::Price bid;
  core::Qty bid_qty;
  core::Price ask;
  core::Qty ask_qty;
  [[nodiscard]] bool valid() const { return bid.raw > 0 && ask.raw > 0 && bid < ask; }
};

struct RandomWalkConfig {
  core::Price start_mid = core::Price::from_units(60000);
  core::Price tick = core::Price::from_raw(1'000'000);  // 0.01
  int spread_ticks = 1;
  core::Qty size = core::Qty::from_units(1);  // mean size per side
  core::Qty step = core::Qty::from_raw(1'000);
  core::UnixNanos interval = 100'000'000;  // 100 ms
  uint64_t seed = 1;
};

class RandomWalkMarket {
 public:
  explicit RandomWalkMarket(const RandomWalkConfig& cfg);
  // The current top.
  [[nodiscard]] const TopOfBook& top() const { return top_; }
  // Steps the walk for every interval that ended by `now`; true when the top changed.
  bool advance(core::UnixNanos now);

 private:
  void make_top();
  RandomWalkConfig cfg_;
  core::SplitMix64 rng_;
  int64_t mid_ticks_ = 0;  // mid / tick, rounded down (the bid sits at mid_ticks_ * tick)
  core::UnixNanos next_ = 0;
  bool started_ = false;
  TopOfBook top_;
};

// One market update read from a capture.
struct MarketUpdate {
  enum Kind : uint8_t { kTop, kTrade, kMark };
  Kind kind = kTop;
  std::string symbol;
  TopOfBook top;                 // kTop
  core::Price trade_price;       // kTrade
  core::Qty trade_qty;           // kTrade
  core::Price mark, index;       // kMark
  int64_t funding_rate_raw = 0;  // kMark
  core::UnixNanos next_funding_time = 0;
  core::UnixNanos ts_file = 0;  // ts_local in the file
};

class CaptureMarket {
 public:
  CaptureMarket();
  ~CaptureMarket();
  [[nodiscard]] absl::Status open(const std::string& path, core::UnixNanos start);
  // Every update due by `now` (at most `max` of them), in file order.
  std::vector<MarketUpdate> poll(core::UnixNanos now, std::size_t max = 1024);
  [[nodiscard]] bool finished() const { return done_; }

 private:
  bool load_next();
  core::SymbolTable symbols_;
  std::unique_ptr<feed::EventSource> source_;
  core::UnixNanos start_ = 0;
  core::UnixNanos first_ts_ = 0;
  bool have_first_ = false;
  bool have_pending_ = false;
  bool done_ = false;
  MarketUpdate pending_;
};

}  // namespace dmabot::binance_sim
