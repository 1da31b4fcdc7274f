#include "tools/backtest_driver.h"

#include <algorithm>
#include <string_view>

#include "core/strings.h"

namespace dmabot::tools {

namespace {

bool has_prefix(std::string_view key, std::string_view prefix) { return key.substr(0, prefix.size()) == prefix; }

// Keys that never change a backtest's result (threads, I/O, logging, live-trading safety).
bool is_plumbing(std::string_view key) {
  for (std::string_view k :
       {"METRICS_PORT", "METRICS_BIND", "LOG_LEVEL", "PIN_CPUS", "IDLE_POLICY", "THREAD_LAYOUT", "RING_CAPACITY",
        "RECORD_FILE", "CONFIRM_LIVE", "BACKTEST_SAMPLE_MS", "BACKTEST_CHART_POINTS"}) {
    if (key == k) return true;
  }
  return has_prefix(key, "BINANCE_");
}

}  // namespace

RunInfo backtest_run_info(const EngineConfig& ec, const core::SymbolTable& symbols, core::SymbolId chart_symbol) {
  // Each strategy's keys share a prefix; keys of strategies not in the run are left out.
  struct StrategyKeys {
    std::string_view name, prefix;
  };
  constexpr StrategyKeys kStrategyKeys[] = {
      {"dynmm", "DYNMM_"}, {"as", "AS_"}, {"mean_reversion", "MR_"}, {"ma_cross", "MAC_"}, {"vol_breakout", "VB_"}};
  auto used = [&](std::string_view name) {
    for (const StrategySpec& s : ec.strategies) {
      if (s.name == name) return true;
    }
    return false;
  };
  const bool mock = ec.feed_mode == "mock" || ec.venue_mode == "mock";
  RunInfo info;
  for (const auto& [k, v] : ec.effective) {
    if (core::is_secret_key(k) || is_plumbing(k)) continue;
    if (has_prefix(k, "MOCK_") && !mock) continue;
    if (has_prefix(k, "SYN_") && ec.feed_mode != "synthetic") continue;
    if (has_prefix(k, "SIM_") && ec.venue_mode != "sim") continue;
    if (has_prefix(k, "REPLAY_") && ec.feed_mode != "replay") continue;
    bool other_strategy = false;
    for (const StrategyKeys& s : kStrategyKeys)
      other_strategy = other_strategy || (has_prefix(k, s.prefix) && !used(s.name));
    if (other_strategy) continue;
    info.params.emplace_back(k, v);
  }
  if (ec.venue_mode == "sim") {
    info.maker_fee_bps = ec.sim.maker_fee_bps;
    info.taker_fee_bps = ec.sim.taker_fee_bps;
    info.fee_keys = "SIM_MAKER_FEE_BPS / SIM_TAKER_FEE_BPS";
  } else if (!ec.mock_venues.empty()) {
    info.maker_fee_bps = ec.mock_venues.front().second.maker_fee_bps;
    info.taker_fee_bps = ec.mock_venues.front().second.taker_fee_bps;
    info.fee_keys = core::str_cat("MOCK_MAKER_FEE_BPS / MOCK_TAKER_FEE_BPS (venue ", ec.mock_venues.front().first,
                                  ec.mock_venues.size() > 1 ? "; the others differ per MOCK_VENUES" : "", ")");
  }
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    info.symbol_names.emplace_back(symbols.name(static_cast<core::SymbolId>(i)));
  }
  if (chart_symbol < symbols.size()) {
    info.symbol = std::string(symbols.name(chart_symbol));
    auto [base, quote] = split_symbol(info.symbol);
    if (!quote.empty()) {
      info.base_unit = base;
      info.quote_unit = quote;
    }
  }
  return info;
}

BacktestObserver::BacktestObserver(Engine& engine, BacktestRecorder& rec, core::SymbolId chart_symbol)
    : engine_(engine), rec_(rec), rings_(engine.observer()), chart_(chart_symbol) {
  working_.reserve(4096);
  rec_.set_run_info(backtest_run_info(engine.config(), engine.symbols(), chart_symbol));
}

void BacktestObserver::remove(uint64_t client_id) {
  for (std::size_t i = 0; i < working_.size(); ++i) {
    if (working_[i].client_id == client_id) {
      working_[i] = working_.back();
      working_.pop_back();
      return;
    }
  }
}

void BacktestObserver::on_order(const core::Order& o) {
  switch (o.action) {
    case core::OrderAction::kNew:
      rec_.on_order();
      break;
    case core::OrderAction::kCancel:
      rec_.on_cancel();
      return;
    case core::OrderAction::kReplace:
      rec_.on_cancel();
      rec_.on_order();
      break;
  }
  // A replace's old order stays until its final report; the new id is working from now on.
  if (o.symbol == chart_ && working_.size() < working_.capacity()) {
    working_.push_back(Working{o.client_id, o.price, o.side});
  }
}

void BacktestObserver::on_exec(const core::ExecReport& r) {
  const bool fill = r.status == core::ExecStatus::kPartiallyFilled || r.status == core::ExecStatus::kFilled;
  if (fill && r.last_qty.raw > 0) {
    rec_.on_fill(FillEvent{r.ts_local, r.symbol, r.side, r.last_px.to_double(), r.last_qty.to_double(),
                           static_cast<double>(r.fee_raw) / 1e8, r.maker});
  }
  if (r.status == core::ExecStatus::kRejected && r.venue != core::kRiskVenue) {
    const auto reason = static_cast<std::size_t>(r.reject_reason);
    ++venue_rejects_[reason < venue_rejects_.size() ? reason : 0];
  }
  if (r.status == core::ExecStatus::kExpired) ++expired_;
  switch (r.status) {
    case core::ExecStatus::kFilled:
    case core::ExecStatus::kCanceled:
    case core::ExecStatus::kRejected:
    case core::ExecStatus::kExpired:
      remove(r.client_id);
      break;
    default:
      break;
  }
  if (fill) sample(r.ts_local);
}

void BacktestObserver::sample(core::UnixNanos ts) {
  const risk::Positions& pos = engine_.positions();
  Sample s;
  s.ts = ts;
  const bool charted = chart_ < engine_.symbols().size();
  s.mid = charted && pos.has_mid(chart_) ? pos.mid(chart_).to_double() : kNoQuote;
  double best_bid = kNoQuote, best_ask = kNoQuote;
  for (const Working& w : working_) {
    const double px = w.price.to_double();
    if (w.side == core::Side::kBuy) {
      if (!(best_bid >= px)) best_bid = px;
    } else if (!(best_ask <= px)) {
      best_ask = px;
    }
  }
  s.bid_quote = best_bid;
  s.ask_quote = best_ask;
  s.inventory = charted ? pos.symbol_qty(chart_).to_double() : 0.0;
  s.pnl = pos.total_equity();
  s.fees_cum = static_cast<double>(pos.total_fees_raw()) / 1e8;
  rec_.on_sample(s);
}

void BacktestObserver::mark(core::UnixNanos ts) {
  const risk::Positions& pos = engine_.positions();
  const std::size_t n = std::min(engine_.symbols().size(), pos.n_symbols());
  for (std::size_t i = 0; i < n; ++i) {
    const auto s = static_cast<core::SymbolId>(i);
    if (pos.has_mid(s)) rec_.on_mark(s, ts, pos.mid(s).to_double());
  }
}

void BacktestObserver::drain() {
  while (const core::Order* o = rings_.orders->front()) {
    on_order(*o);
    rings_.orders->pop();
  }
  while (const core::ExecReport* r = rings_.execs->front()) {
    on_exec(*r);
    rings_.execs->pop();
  }
  const core::UnixNanos now = engine_.now();
  mark(now);
  if (rec_.sample_due(now) && chart_ < engine_.symbols().size() && engine_.positions().has_mid(chart_)) sample(now);
}

void BacktestObserver::finish() {
  drain();
  sample(engine_.now());
  RejectCounts rc;
  for (std::size_t i = 1; i < static_cast<std::size_t>(core::RejectReason::kCount); ++i) {
    const auto reason = static_cast<core::RejectReason>(i);
    const std::string name(core::to_string(reason));
    rc.risk.emplace_back(name, engine_.risk_rejects(reason));
    rc.venue.emplace_back(name, venue_rejects_[i]);
  }
  rc.expired = expired_;
  rc.kill_switch_rejects = engine_.risk_rejects(core::RejectReason::kKillSwitch);
  rec_.set_rejects(std::move(rc));
}

absl::Status run_backtest(Engine& engine, BacktestRecorder& rec, core::SymbolId chart_symbol,
                          void (*progress)(const BacktestProgress&, void*), void* progress_ctx) {
  if (engine.observer().orders == nullptr)
    return absl::FailedPreconditionError("run_backtest: engine has no observer rings");
  BacktestObserver obs(engine, rec, chart_symbol);
  if (auto st = engine.open_fused(); !st.ok()) return st;
  // The observer rings must be drained after every pass, also during shutdown's drain.
  engine.set_fused_hook([](void* o) { static_cast<BacktestObserver*>(o)->drain(); }, &obs);
  BacktestProgress p;
  while (!engine.feed_finished()) {
    engine.step_fused();
    if (progress != nullptr && (++p.steps & 0xFFFF) == 0) {
      p.events = engine.market_events();
      p.fraction = engine.feed_progress();
      progress(p, progress_ctx);
    }
  }
  engine.shutdown();
  obs.finish();
  engine.set_fused_hook(nullptr, nullptr);
  return absl::OkStatus();
}

}  // namespace dmabot::tools
