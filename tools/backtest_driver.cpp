#include "tools/backtest_driver.h"

#include <algorithm>

namespace dmabot::tools {

BacktestObserver::BacktestObserver(Engine& engine, BacktestRecorder& rec, core::SymbolId chart_symbol)
    : engine_(engine), rec_(rec), rings_(engine.observer()), chart_(chart_symbol) {
  working_.reserve(4096);
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
    rec_.on_fill(r.last_qty.to_double(), r.last_px.to_double(), static_cast<double>(r.fee_raw) / 1e8, r.maker);
  }
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
  if (rec_.sample_due(now) && chart_ < engine_.symbols().size() && engine_.positions().has_mid(chart_)) sample(now);
}

void BacktestObserver::finish() {
  drain();
  sample(engine_.now());
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
