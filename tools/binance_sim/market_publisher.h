// tools/binance_sim/market_publisher.h — binance-sim's public market streams: it reads the
// exchange's merged top of book, depth and mark price and publishes them through the StreamHub in
// Binance's wire formats (web-socket-streams.md for spot, the USD-M "Websocket Market Streams"
// pages for futures):
//
//   spot    kSpot    <sym>@bookTicker             {"u","s","b","B","a","A"} on every change
//                    <sym>@depth5|10|20[@100ms]   {"lastUpdateId","bids","asks"} each 1000 ms / 100 ms
//   USD-M   kPublic  <sym>@bookTicker, !bookTicker {"e":"bookTicker","u","E","T","s","b","B","a","A"}
//                    <sym>@depth5|10|20[@100ms|@500ms]  {"e":"depthUpdate","E","T","s","U","u","pu",
//                                                 "b","a"} each 250 ms / 100 ms / 500 ms
//           kMarket  <sym>@markPrice[@1s]         {"e":"markPriceUpdate","E","s","p","i","P","r","T"}
//                                                 each 3 s / 1 s
// Stream names use the lower-case symbol, as Binance's. A payload is formatted only when someone
// listens (StreamHub::has_subscribers). Spot depth has no timestamps and spot bookTicker none
// either, so no microsecond variant is needed; USD-M streams have no timeUnit option.
// Also: server_shutdown() sends {"e":"serverShutdown","E":..} to spot WS API connections through a
// callback (the WS API owns them), for the sim's SIGTERM path.
//
// Driving: the io thread's market timer calls poll(now) right after MarketDriver::poll; bookTicker
// goes out when the merged top differs from the last one published (account orders move it too),
// depth and mark price on their interval boundaries.
//
// Threads: the sim's io thread only. Allocation: per published payload (a test venue).
// Errors: none; a symbol without a valid top publishes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/venue_api.h"

namespace dmabot::binance_sim {

class MarketPublisher {
 public:
  MarketPublisher(const Exchange& exchange, StreamHub& hub) : ex_(exchange), hub_(hub) {}

  // Publishes what is due at `now` (sim clock, Unix ns).
  void poll(UnixNanos now);

  // The formatters, public for tests (exact Binance shapes).
  [[nodiscard]] static std::string spot_book_ticker(std::string_view symbol, const TopOfBook& top, int64_t update_id);
  [[nodiscard]] static std::string futures_book_ticker(const binance::InstrumentSpec& spec, const TopOfBook& top,
                                                       int64_t update_id, UnixNanos now);
  [[nodiscard]] static std::string spot_depth(const Exchange::Depth& d, int64_t last_update_id);
  [[nodiscard]] static std::string futures_depth(const binance::InstrumentSpec& spec, const Exchange::Depth& d,
                                                 int64_t first_id, int64_t last_id, int64_t prev_last_id,
                                                 UnixNanos now);
  [[nodiscard]] static std::string mark_price_update(const MarkPriceEvent& m, UnixNanos now);

 private:
  struct SymbolState {
    TopOfBook last_top;
    bool published = false;
    int64_t update_id = 0;                                     // bumps on every top change (u / lastUpdateId)
    std::map<std::string, int64_t, std::less<>> depth_last_u;  // futures: u of each depth stream's last message (pu)
  };
  void publish_symbol(Product p, const binance::InstrumentSpec& spec, UnixNanos now);

  const Exchange& ex_;
  StreamHub& hub_;
  std::map<std::pair<Product, std::string>, SymbolState> state_;
  UnixNanos last_poll_ = 0;
};

// The lower-case stream prefix of a symbol ("BTCUSDT" -> "btcusdt").
[[nodiscard]] std::string stream_symbol(std::string_view symbol);

}  // namespace dmabot::binance_sim
