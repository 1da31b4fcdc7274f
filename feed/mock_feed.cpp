#include "feed/mock_feed.h"

#include <cmath>

#include "core/strings.h"
#include "core/tap.h"

namespace dmabot::feed {

absl::StatusOr<MockFeedParams> MockFeedParams::from_config(core::Config& cfg, std::size_t symbols) {
  MockFeedParams p;
  auto rate = cfg.get_double("MOCK_RATE", 1000, 0, 50'000'000);
  if (!rate.ok()) return rate.status();
  p.rate_per_sec = *rate;
  auto seed = cfg.get_int("MOCK_SEED", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  p.seed = static_cast<uint64_t>(*seed);
  auto vol = cfg.get_double("MOCK_VOL_BPS", 2.0, 0, 1000);
  if (!vol.ok()) return vol.status();
  p.vol_bps = *vol;
  auto spread = cfg.get_int("MOCK_SPREAD_TICKS", 3, 1, 1000);
  if (!spread.ok()) return spread.status();
  p.spread_ticks = static_cast<int>(*spread);
  auto max = cfg.get_int("MOCK_MAX_TICKS", 0, 0, INT64_MAX);
  if (!max.ok()) return max.status();
  p.max_ticks = static_cast<uint64_t>(*max);
  auto px = cfg.get_list("MOCK_START_PX", "100");
  if (!px.ok()) return px.status();
  if (px->size() != 1 && px->size() != symbols) {
    return cfg.error("MOCK_START_PX", core::str_cat("has ", px->size(), " values for ", symbols,
                                                    " symbols (give one, or one per symbol)"));
  }
  for (std::size_t i = 0; i < symbols; ++i) {
    const std::string& item = (*px)[px->size() == 1 ? 0 : i];
    core::Price v;
    if (core::Price::parse(item, v) != core::DecimalError::kOk || v.raw <= 0) {
      return cfg.error("MOCK_START_PX", core::str_cat("'", item, "' is not a positive price"));
    }
    p.start_px.push_back(v.to_double());
  }
  return p;
}

RandomWalkMarket::RandomWalkMarket(const MockFeedParams& p, const core::SymbolTable& symbols)
    : symbols_(symbols), vol_(p.vol_bps * 1e-4), spread_ticks_(p.spread_ticks),
      rng_(p.seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {
  log_mid_.resize(symbols.size());
  update_id_.assign(symbols.size(), 0);
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const double px = p.start_px.empty() ? 100.0 : p.start_px[i < p.start_px.size() ? i : 0];
    log_mid_[i] = std::log(px);
  }
}

double RandomWalkMarket::next_gaussian() noexcept {
  // Irwin–Hall with 4 uniforms: bounded, cheap, close enough to normal for a random walk.
  double s = 0;
  for (int i = 0; i < 4; ++i) s += rng_.uniform();
  return (s - 2.0) * 1.7320508075688772;  // variance of the sum is 4/12; scale to 1
}

void RandomWalkMarket::next(core::MdTick& out) noexcept {
  const std::size_t n = log_mid_.size();
  const auto sym = static_cast<core::SymbolId>(rng_.next() % n);
  log_mid_[sym] += vol_ * next_gaussian();
  const core::InstrumentInfo& info = symbols_.info(sym);
  const double mid = std::exp(log_mid_[sym]);
  const int64_t spread = 1 + static_cast<int64_t>(rng_.next() % static_cast<uint64_t>(spread_ticks_));
  const double half = static_cast<double>(spread) * info.tick.to_double() / 2.0;
  core::Price bid = core::quantize_bid(mid - half, info.tick);
  if (bid.raw <= 0) bid = info.tick;
  out.symbol = sym;
  out.bid = bid;
  out.ask = core::Price::from_raw(bid.raw + spread * info.tick.raw);
  // Sizes: 1..1000 lot steps.
  out.bid_qty = core::Qty::from_raw(info.step.raw * static_cast<int64_t>(1 + rng_.next() % 1000));
  out.ask_qty = core::Qty::from_raw(info.step.raw * static_cast<int64_t>(1 + rng_.next() % 1000));
  out.update_id = ++update_id_[sym];
  out.feed = 0;
}

MockFeed::MockFeed(const MockFeedParams& p, const core::SymbolTable& symbols, const core::Clock& clock,
                   std::vector<FeedOutput> outputs, std::vector<core::Counter*> ticks_by_symbol,
                   core::SpscRing<core::MdTick>* record_out, core::Counter* recorder_waits)
    : market_(p, symbols), clock_(clock), outputs_(std::move(outputs)), ticks_by_symbol_(std::move(ticks_by_symbol)),
      record_out_(record_out), recorder_waits_(recorder_waits), rate_(p.rate_per_sec), max_ticks_(p.max_ticks) {
  if (rate_ > 0) period_ns_ = static_cast<int64_t>(1e9 / rate_);
}

bool MockFeed::deliver_pending() noexcept {
  for (std::size_t i = 0; i < outputs_.size() && pending_mask_ != 0; ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if ((pending_mask_ & bit) && outputs_[i].ring->try_push(pending_)) pending_mask_ &= ~bit;
  }
  return pending_mask_ == 0;
}

int MockFeed::poll() {
  if (finished_.load(std::memory_order_relaxed)) return 0;
  int handled = 0;
  if (pending_mask_ != 0 && !deliver_pending()) return 0;
  const core::UnixNanos now = clock_.now();
  if (next_due_ == 0) next_due_ = now;
  // A rate far above what the consumers take must not build an unbounded catch-up debt.
  if (period_ns_ > 0 && now - next_due_ > 100'000'000) next_due_ = now - 100'000'000;
  const uint64_t done = generated_.load(std::memory_order_relaxed);
  for (int k = 0; k < 64; ++k) {
    if (stopped_.load(std::memory_order_relaxed) || (max_ticks_ != 0 && done + static_cast<uint64_t>(k) >= max_ticks_)) {
      finished_.store(true, std::memory_order_release);
      break;
    }
    if (period_ns_ > 0 && next_due_ > now) break;
    next_due_ += period_ns_;
    core::MdTick& t = pending_;
    market_.next(t);
    t.ts_local = clock_.now();
    t.ts_exchange = t.ts_local;
    if (t.symbol < ticks_by_symbol_.size() && ticks_by_symbol_[t.symbol] != nullptr) ticks_by_symbol_[t.symbol]->inc();
    core::tap_blocking(record_out_, t, recorder_waits_);
    generated_.store(done + static_cast<uint64_t>(k) + 1, std::memory_order_relaxed);
    ++handled;
    pending_mask_ = 0;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      const FeedOutput& o = outputs_[i];
      if (t.symbol % o.shard_count == o.shard_index) pending_mask_ |= uint64_t{1} << i;
    }
    if (!deliver_pending()) break;
  }
  return handled;
}

}  // namespace dmabot::feed
