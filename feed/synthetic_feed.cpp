#include "feed/synthetic_feed.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/strings.h"
#include "core/tap.h"

namespace dmabot::feed {

namespace {

// Prints beyond this are clamped (raw stays far from int64 overflow even after adding a tick).
constexpr double kMaxPrintPx = 1e10;

// Uniform in the open interval (0, 1): safe under log().
double open_uniform(core::SplitMix64& rng) noexcept {
  return (static_cast<double>(rng.next() >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace

absl::StatusOr<SyntheticMarketParams> SyntheticMarketParams::from_config(core::Config& cfg, std::size_t n_symbols) {
  SyntheticMarketParams p;
  auto model = cfg.get_choice("SYN_MODEL", "gbm", {"gbm", "abm"});
  if (!model.ok()) return model.status();
  p.model = *model == "abm" ? MidModel::kAbm : MidModel::kGbm;

  auto s0 = cfg.get_list("SYN_S0", "100");
  if (!s0.ok()) return s0.status();
  if (s0->empty() || (s0->size() != 1 && s0->size() != n_symbols)) {
    return cfg.error("SYN_S0", core::str_cat("has ", s0->size(), " values for ", n_symbols,
                                             " symbols (give one, or one per symbol)"));
  }
  for (const std::string& item : *s0) {
    core::Price v;
    if (core::Price::parse(item, v) != core::DecimalError::kOk || v.raw <= 0) {
      return cfg.error("SYN_S0", core::str_cat("'", item, "' is not a positive price"));
    }
    p.s0.push_back(v.to_double());
  }

  // Same typical move either way: 5 bps per √s of a 100 mid.
  const double sigma_def = p.model == MidModel::kGbm ? 0.0005 : 0.05;
  auto sigma = cfg.get_double("SYN_SIGMA", sigma_def, 0, p.model == MidModel::kGbm ? 10.0 : 1e9);
  if (!sigma.ok()) return sigma.status();
  p.sigma = *sigma;

  auto dt = cfg.get_double("SYN_DT_MS", 100, 0, 3'600'000);
  if (!dt.ok()) return dt.status();
  p.dt_ns = std::llround(*dt * 1e6);
  if (p.dt_ns < 2) return cfg.error("SYN_DT_MS", "must be at least 0.000002 (2 ns)");

  auto steps = cfg.get_int("SYN_STEPS", 36'000, 0, INT64_MAX);
  if (!steps.ok()) return steps.status();
  p.steps = static_cast<uint64_t>(*steps);

  auto spread = cfg.get_int("SYN_SPREAD_TICKS", 2, 1, 1'000'000);
  if (!spread.ok()) return spread.status();
  p.spread_ticks = *spread;

  auto depth = cfg.get_decimal_raw("SYN_DEPTH_QTY", "1", 1, INT64_MAX);
  if (!depth.ok()) return depth.status();
  p.depth_qty = core::Qty::from_raw(*depth);

  auto a = cfg.get_double("SYN_A", 140, 0, 1e9);
  if (!a.ok()) return a.status();
  p.a = *a;

  auto k = cfg.get_double("SYN_K", 1.5, 0, 1e12);
  if (!k.ok()) return k.status();
  if (*k <= 0) return cfg.error("SYN_K", "must be greater than 0");
  p.k = *k;

  auto tq = cfg.get_decimal_raw("SYN_TRADE_QTY", "1000", 1, INT64_MAX);
  if (!tq.ok()) return tq.status();
  p.trade_qty = core::Qty::from_raw(*tq);

  auto seed = cfg.get_int("SYN_SEED", 1, 0, INT64_MAX);
  if (!seed.ok()) return seed.status();
  p.seed = static_cast<uint64_t>(*seed);
  return p;
}

// ---------------------------------------------------------------------------------------------------

SyntheticMarket::SyntheticMarket(const SyntheticMarketParams& p, const core::SymbolTable& symbols)
    : symbols_(symbols),
      model_(p.model),
      k_(p.k > 0 ? p.k : 1e-12),
      spread_ticks_(std::max<int64_t>(p.spread_ticks, 1)),
      depth_qty_(p.depth_qty),
      trade_qty_(p.trade_qty),
      // Two independent streams from one seed (distinct odd offsets, as MockFeed mixes its seed).
      mid_rng_(p.seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull),
      flow_rng_(p.seed * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull) {
  const double dt = static_cast<double>(p.dt_ns) * 1e-9;
  drift_ = p.model == MidModel::kGbm ? -0.5 * p.sigma * p.sigma * dt : 0.0;
  vol_ = p.sigma * std::sqrt(dt);
  a_dt_ = p.a * dt;
  const std::size_t n = symbols.size();
  mid_.resize(n);
  tick_raw_.resize(n);
  update_id_.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    mid_[i] = p.s0.empty() ? 100.0 : p.s0[std::min(i, p.s0.size() - 1)];
    tick_raw_[i] = std::max<int64_t>(symbols.info(static_cast<core::SymbolId>(i)).tick.raw, 1);
  }
}

double SyntheticMarket::normal() noexcept {
  // Box–Muller: exact normals (the mock's Irwin–Hall is bounded, which would bias a variance test),
  // both values used so a step costs one log, one sqrt and one sincos per two symbols.
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  const double r = std::sqrt(-2.0 * std::log(open_uniform(mid_rng_)));
  const double theta = 2.0 * std::numbers::pi * mid_rng_.uniform();
  spare_normal_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

void SyntheticMarket::advance() noexcept {
  for (std::size_t i = 0; i < mid_.size(); ++i) {
    const double z = normal();
    if (model_ == MidModel::kGbm) {
      mid_[i] *= std::exp(drift_ + vol_ * z);
    } else {
      // An arithmetic walk would cross zero; holding it at one tick keeps the quotes meaningful.
      mid_[i] = std::max(mid_[i] + vol_ * z, static_cast<double>(tick_raw_[i]) / core::kScale);
    }
  }
}

void SyntheticMarket::quote(core::SymbolId s, core::MdTick& out) noexcept {
  const int64_t tick = tick_raw_[s];
  const double half = static_cast<double>(spread_ticks_ * tick) / core::kScale / 2.0;
  int64_t bid = core::quantize_bid(mid_[s] - half, core::Price::from_raw(tick)).raw;
  if (bid < tick) bid = tick;
  out.symbol = s;
  out.bid = core::Price::from_raw(bid);
  out.ask = core::Price::from_raw(bid + spread_ticks_ * tick);
  out.bid_qty = depth_qty_;
  out.ask_qty = depth_qty_;
  out.update_id = ++update_id_[s];
  out.feed = 0;
}

bool SyntheticMarket::market_order(core::SymbolId s, core::Side aggressor, core::Trade& out) noexcept {
  // E ~ Exp(1). The deepest of Poisson(A·dt) Exp(k) depths is >= δ iff E <= A·dt·e^{−kδ}
  // (P = 1 − exp(−A·dt·e^{−kδ})); inverting gives D = ln(A·dt / E) / k, and E >= A·dt means no order.
  const double e = -std::log(open_uniform(flow_rng_));
  if (!(e < a_dt_)) {
    last_depth_ = -1;
    return false;
  }
  const double d = std::log(a_dt_ / e) / k_;
  last_depth_ = d;
  const int64_t tick = tick_raw_[s];
  const core::Price tick_px = core::Price::from_raw(tick);
  int64_t px;
  if (aggressor == core::Side::kSell) {
    // Lowest bid reached: x = mid − D. Printing one tick below ceil(x) makes "strictly below p" true
    // exactly for the grid prices p >= x.
    px = std::max<int64_t>(core::quantize_ask(mid_[s] - d, tick_px).raw - tick, 0);
  } else {
    px = core::quantize_bid(std::min(mid_[s] + d, kMaxPrintPx), tick_px).raw + tick;
  }
  out.symbol = s;
  out.price = core::Price::from_raw(px);
  out.qty = trade_qty_;
  out.aggressor = aggressor;
  out.trade_id = ++trade_id_;
  out.feed = 0;
  return true;
}

// ---------------------------------------------------------------------------------------------------

SyntheticFeed::SyntheticFeed(const SyntheticMarketParams& p, const core::SymbolTable& symbols, const core::Clock& clock,
                             std::vector<FeedOutput> md_outputs,
                             std::vector<core::SpscRing<core::Trade>*> trade_outputs,
                             std::vector<core::Counter*> ticks_by_symbol, core::SpscRing<core::MdTick>* record_out,
                             core::Counter* recorder_waits)
    : market_(p, symbols),
      clock_(clock),
      md_outputs_(std::move(md_outputs)),
      trade_outputs_(std::move(trade_outputs)),
      ticks_by_symbol_(std::move(ticks_by_symbol)),
      record_out_(record_out),
      recorder_waits_(recorder_waits),
      t0_(clock.now()),
      dt_ns_(std::max<int64_t>(p.dt_ns, 2)),
      max_steps_(p.steps) {
  if (md_outputs_.size() > kMaxOutputs) md_outputs_.resize(kMaxOutputs);
  if (trade_outputs_.size() > kMaxOutputs) trade_outputs_.resize(kMaxOutputs);
  for (FeedOutput& o : md_outputs_) o.shard_count = std::max<uint32_t>(o.shard_count, 1);
  ticks_.resize(symbols.size());
  trades_.resize(2 * symbols.size());
}

core::UnixNanos SyntheticFeed::phase_time() const noexcept {
  return t0_ + static_cast<int64_t>(step_) * dt_ns_ + (phase_ == Phase::kTrades ? dt_ns_ / 2 : 0);
}

int64_t SyntheticFeed::next_wakeup() const {
  if (finished_.load(std::memory_order_relaxed)) return kNever;
  if (cursor_ < count_) {
    // Held up by a full ring: the phase is already due; report its time (never later than now).
    return buffered_ == Phase::kTicks ? ticks_[cursor_].ts_local : trades_[cursor_].ts_local;
  }
  if (stopped_.load(std::memory_order_relaxed) || (max_steps_ != 0 && step_ >= max_steps_)) return kNever;
  return phase_time();
}

void SyntheticFeed::generate_phase(core::UnixNanos at) noexcept {
  cursor_ = 0;
  count_ = 0;
  started_ = false;
  buffered_ = phase_;
  if (phase_ == Phase::kTicks) {
    if (step_ > 0) market_.advance();  // step 0 quotes SYN_S0 itself
    for (std::size_t s = 0; s < market_.size(); ++s) {
      core::MdTick& t = ticks_[count_++];
      market_.quote(static_cast<core::SymbolId>(s), t);
      t.ts_local = at;
      t.ts_exchange = at;
    }
    phase_ = Phase::kTrades;
  } else {
    for (std::size_t s = 0; s < market_.size(); ++s) {
      for (core::Side side : {core::Side::kSell, core::Side::kBuy}) {
        core::Trade& tr = trades_[count_];
        if (!market_.market_order(static_cast<core::SymbolId>(s), side, tr)) continue;
        tr.ts_local = at;
        tr.ts_exchange = at;
        ++count_;
      }
    }
    phase_ = Phase::kTicks;
    ++step_;
  }
}

bool SyntheticFeed::deliver_current() noexcept {
  if (buffered_ == Phase::kTicks) {
    const core::MdTick& t = ticks_[cursor_];
    if (!started_) {
      if (t.symbol < ticks_by_symbol_.size() && ticks_by_symbol_[t.symbol] != nullptr)
        ticks_by_symbol_[t.symbol]->inc();
      core::tap_blocking(record_out_, t, recorder_waits_);
      pending_mask_ = 0;
      for (std::size_t i = 0; i < md_outputs_.size(); ++i) {
        const FeedOutput& o = md_outputs_[i];
        if (o.ring != nullptr && t.symbol % o.shard_count == o.shard_index) pending_mask_ |= uint64_t{1} << i;
      }
      started_ = true;
    }
    for (std::size_t i = 0; i < md_outputs_.size() && pending_mask_ != 0; ++i) {
      const uint64_t bit = uint64_t{1} << i;
      if ((pending_mask_ & bit) && md_outputs_[i].ring->try_push(t)) pending_mask_ &= ~bit;
    }
  } else {
    const core::Trade& tr = trades_[cursor_];
    if (!started_) {
      pending_mask_ = 0;
      for (std::size_t i = 0; i < trade_outputs_.size(); ++i) {
        if (trade_outputs_[i] != nullptr) pending_mask_ |= uint64_t{1} << i;
      }
      started_ = true;
    }
    for (std::size_t i = 0; i < trade_outputs_.size() && pending_mask_ != 0; ++i) {
      const uint64_t bit = uint64_t{1} << i;
      if ((pending_mask_ & bit) && trade_outputs_[i]->try_push(tr)) pending_mask_ &= ~bit;
    }
  }
  if (pending_mask_ != 0) return false;
  started_ = false;
  ++cursor_;
  return true;
}

int SyntheticFeed::poll() {
  if (finished_.load(std::memory_order_relaxed)) return 0;
  const core::UnixNanos now = clock_.now();
  int events = 0;
  int phases = 0;
  // Phases count toward the bound too: a catch-up over many empty trade phases stays bounded.
  while (events + phases < kBatch) {
    if (cursor_ < count_) {
      if (!deliver_current()) break;  // a ring is full: retry this event next poll
      ++events;
      if (cursor_ == count_ && buffered_ == Phase::kTrades) steps_done_.store(step_, std::memory_order_relaxed);
      continue;
    }
    if (stopped_.load(std::memory_order_acquire) || (max_steps_ != 0 && step_ >= max_steps_)) {
      finished_.store(true, std::memory_order_release);
      break;
    }
    const core::UnixNanos at = phase_time();
    if (at > now) break;
    generate_phase(at);
    ++phases;
    if (buffered_ == Phase::kTrades && count_ == 0) steps_done_.store(step_, std::memory_order_relaxed);
  }
  return events + phases;
}

}  // namespace dmabot::feed
