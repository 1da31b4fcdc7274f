#include "tools/binance_sim/market_driver.h"

#include "core/strings.h"

namespace dmabot::binance_sim {

absl::Status MarketDriver::add_random_walk(Product p, const std::string& symbol, const RandomWalkConfig& cfg) {
  if (!ex_.find_symbol(p, symbol)) return core::invalid("random walk for ", symbol, ": no such symbol");
  for (const auto& w : walks_)
    if (w.product == p && w.symbol == symbol) return core::invalid("random walk for ", symbol, ": given twice");
  walks_.push_back(Walk{p, symbol, RandomWalkMarket(cfg)});
  return absl::OkStatus();
}

absl::Status MarketDriver::add_capture(Product p, const std::string& path, UnixNanos start) {
  auto cap = std::make_unique<CaptureMarket>();
  if (absl::Status st = cap->open(path, start); !st.ok()) return st;
  captures_.push_back(Capture{p, std::move(cap)});
  return absl::OkStatus();
}

bool MarketDriver::captures_finished() const {
  for (const auto& c : captures_)
    if (!c.market->finished()) return false;
  return true;
}

std::vector<MarketDriver::Changed> MarketDriver::poll(UnixNanos now) {
  std::vector<Changed> changed;
  auto note = [&](Product p, const std::string& s) {
    for (const auto& c : changed)
      if (c.product == p && c.symbol == s) return;
    changed.push_back({p, s});
  };
  for (auto& w : walks_) {
    if (w.market.advance(now)) {
      ex_.set_market_top(w.product, w.symbol, w.market.top(), now);
      note(w.product, w.symbol);
    }
  }
  for (auto& c : captures_) {
    for (const MarketUpdate& u : c.market->poll(now)) {
      if (!ex_.find_symbol(c.product, u.symbol)) {
        ++ignored_;
        continue;
      }
      switch (u.kind) {
        case MarketUpdate::kTop:
          if (!u.top.valid()) {
            ++ignored_;
            break;
          }
          ex_.set_market_top(c.product, u.symbol, u.top, now);
          note(c.product, u.symbol);
          break;
        case MarketUpdate::kTrade:
          ex_.on_market_trade(c.product, u.symbol, u.trade_price, u.trade_qty, now);
          break;
        case MarketUpdate::kMark:
          if (c.product != Product::kUsdmFutures) {
            ++ignored_;
            break;
          }
          // The capture's funding time is on the capture's clock: keep the sim's schedule.
          ex_.set_mark_price(u.symbol, u.mark, u.index, u.funding_rate_raw, 0, now);
          break;
      }
    }
  }
  ex_.advance_time(now);
  return changed;
}

}  // namespace dmabot::binance_sim
