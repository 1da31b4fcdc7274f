#include "tools/binance_sim/sim_market.h"

#include <algorithm>

#include "feed/replay_feed.h"

namespace dmabot::binance_sim {

RandomWalkMarket::RandomWalkMarket(const RandomWalkConfig& cfg) : cfg_(cfg), rng_(cfg.seed) {
  if (cfg_.tick.raw <= 0) cfg_.tick = core::Price::from_raw(1);
  if (cfg_.step.raw <= 0) cfg_.step = core::Qty::from_raw(1);
  if (cfg_.spread_ticks < 1) cfg_.spread_ticks = 1;
  if (cfg_.interval <= 0) cfg_.interval = 100'000'000;
  mid_ticks_ = cfg_.start_mid.raw / cfg_.tick.raw;
  make_top();
}

void RandomWalkMarket::make_top() {
  // Sizes: uniform over [size/2, 3*size/2] in whole steps, at least one step.
  int64_t mean_steps = std::max<int64_t>(1, cfg_.size.raw / cfg_.step.raw);
  auto draw = [&] {
    int64_t lo = std::max<int64_t>(1, mean_steps / 2);
    int64_t span = mean_steps + 1;
    return core::Qty::from_raw((lo + static_cast<int64_t>(rng_.next() % static_cast<uint64_t>(span))) * cfg_.step.raw);
  };
  top_.bid = core::Price::from_raw(mid_ticks_ * cfg_.tick.raw);
  top_.ask = core::Price::from_raw((mid_ticks_ + cfg_.spread_ticks) * cfg_.tick.raw);
  top_.bid_qty = draw();
  top_.ask_qty = draw();
}

bool RandomWalkMarket::advance(core::UnixNanos now) {
  if (!started_) {
    started_ = true;
    next_ = now + cfg_.interval;
    return true;  // the first call publishes the initial top
  }
  bool changed = false;
  while (now >= next_) {
    uint64_t r = rng_.next() % 3;
    if (r == 0 && mid_ticks_ > 1) --mid_ticks_;
    if (r == 2) ++mid_ticks_;
    make_top();
    next_ += cfg_.interval;
    changed = true;
  }
  return changed;
}

CaptureMarket::CaptureMarket() = default;
CaptureMarket::~CaptureMarket() = default;

absl::Status CaptureMarket::open(const std::string& path, core::UnixNanos start) {
  auto src = feed::open_source(path, symbols_);
  if (!src.ok()) return src.status();
  source_ = std::move(*src);
  start_ = start;
  done_ = false;
  have_first_ = have_pending_ = false;
  return absl::OkStatus();
}

bool CaptureMarket::load_next() {
  feed::ReplayEvent ev;
  if (!source_ || !source_->next(ev)) return false;
  MarketUpdate u;
  u.ts_file = ev.ts_local;
  switch (ev.kind) {
    case feed::ReplayEvent::kMdTick:
      u.kind = MarketUpdate::kTop;
      u.symbol = std::string(symbols_.name(ev.tick.symbol));
      u.top = TopOfBook{ev.tick.bid, ev.tick.bid_qty, ev.tick.ask, ev.tick.ask_qty};
      break;
    case feed::ReplayEvent::kTrade:
      u.kind = MarketUpdate::kTrade;
      u.symbol = std::string(symbols_.name(ev.trade.symbol));
      u.trade_price = ev.trade.price;
      u.trade_qty = ev.trade.qty;
      break;
    case feed::ReplayEvent::kMarkPrice:
      u.kind = MarketUpdate::kMark;
      u.symbol = std::string(symbols_.name(ev.mark.symbol));
      u.mark = ev.mark.mark;
      u.index = ev.mark.index;
      u.funding_rate_raw = ev.mark.funding_rate_raw;
      u.next_funding_time = ev.mark.next_funding_time;
      break;
  }
  pending_ = std::move(u);
  have_pending_ = true;
  if (!have_first_) {
    have_first_ = true;
    first_ts_ = pending_.ts_file;
  }
  return true;
}

std::vector<MarketUpdate> CaptureMarket::poll(core::UnixNanos now, std::size_t max) {
  std::vector<MarketUpdate> out;
  while (out.size() < max) {
    if (!have_pending_ && !load_next()) {
      done_ = true;
      break;
    }
    // Real-time pacing; an event older than the first (out of order) is due at once.
    if (pending_.ts_file - first_ts_ > now - start_) break;
    out.push_back(std::move(pending_));
    have_pending_ = false;
  }
  return out;
}

}  // namespace dmabot::binance_sim
