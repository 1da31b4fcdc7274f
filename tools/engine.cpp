#include "tools/engine.h"

#include <cmath>
#include <thread>

#include "core/log.h"
#include "core/strings.h"
#include "strategy/registry.h"
#include "tools/binance_venue.h"
#include "tools/metrics_server.h"

namespace dmabot::tools {
namespace {

double ring_backlog(const void* ctx) { return static_cast<double>(static_cast<const core::Recorder*>(ctx)->backlog()); }

// Summary numbers for people: money at a fixed 4 decimals (sub-cent for USDT quotes), quantities
// exact to 1e-8 (Binance's step precision) without trailing zeros. Positions, PnL and fees come out
// of double arithmetic, so printing them in full shows float noise (21.093304480000004).
std::string money(double v) { return core::format_fixed(v, 4); }
std::string qty(double v) { return core::format_decimal(v, 8); }
// JSON keeps every real digit (8 decimals, Binance's precision) and drops the noise; a non-finite
// value (never expected) becomes null rather than invalid JSON.
std::string json_number(double v) { return std::isfinite(v) ? core::format_decimal(v, 8) : std::string("null"); }

// The venue a Binance product trades on: its name (recordings and metrics) and its router info.
std::string_view binance_venue_name(core::Product product) {
  return product == core::Product::kSpot ? "binance_spot" : "binance_futures";
}
gateway::VenueInfo binance_venue_info(core::Product product) {
  const gateway::FeeSchedule fees = gateway::binance_base_fees(
      product == core::Product::kSpot ? gateway::MarketType::kSpot : gateway::MarketType::kUsdm);
  return gateway::VenueInfo{std::string(binance_venue_name(product)), fees.maker_bps, fees.taker_bps, 2'000'000};
}

}  // namespace

Engine::Engine(EngineConfig ec, core::Clock clock, EngineOptions options)
    : ec_(std::move(ec)), clock_(clock), options_(options) {}

Engine::~Engine() { shutdown(); }

absl::StatusOr<std::unique_ptr<Engine>> Engine::create(EngineConfig ec, core::Config& cfg, core::Clock clock,
                                                       EngineOptions options) {
  std::unique_ptr<Engine> e(new Engine(std::move(ec), clock, options));
  if (auto st = e->build(cfg); !st.ok()) return st;
  return e;
}

template <class T>
core::SpscRing<T>* Engine::make_ring(std::vector<std::unique_ptr<core::SpscRing<T>>>& pool, std::size_t cap) {
  pool.push_back(std::make_unique<core::SpscRing<T>>(cap));
  return pool.back().get();
}

// One live Binance venue (one per product with VENUE_MODE=binance).
struct Engine::LiveVenue {
  core::Product product = core::Product::kSpot;
  InstrumentRules rules;                       // this product's symbols (exchange names) and overrides
  std::unique_ptr<InstrumentSet> instruments;  // the gateway points at their specs
  std::vector<core::SymbolId> ids;             // instruments->instruments[i] is the engine's ids[i]
  std::unique_ptr<BinanceVenueParams> params;
  core::SpscRing<core::Order>* in = nullptr;
  core::SpscRing<core::ExecReport>* out = nullptr;
  std::unique_ptr<BinanceVenue> venue;
  // INSTRUMENTS_REFRESH_S (control thread, poll_events): a copy of the instruments that each refresh
  // updates in place (the gateway's specs above stay as they were; changes reach it through
  // BinanceVenue::update_spec), the next refresh time, which symbols risk was told are not trading.
  std::unique_ptr<InstrumentSet> now;
  int64_t next_refresh_ns = 0;
  std::vector<uint8_t> halted;
  std::vector<core::Gauge*> trading;
  core::Counter* refresh_failures = nullptr;
};

BinanceVenue* Engine::binance_venue() { return live_.empty() ? nullptr : live_.front()->venue.get(); }

BinanceVenue* Engine::binance_venue(core::Product product) {
  for (const auto& lv : live_)
    if (lv->product == product) return lv->venue.get();
  return nullptr;
}

// VENUE_MODE=binance*: one product's symbols, their grids and the gateway's specs from exchangeInfo
// (the configured TICK_SIZE/STEP_SIZE/MIN_NOTIONAL are checked overrides), and what start() connects
// with. The product's instruments replace its configured ones in ec_.instruments (SYMBOLS=auto fills
// them here); the engine's name of a USD-M instrument next to spot ones is "UM:<symbol>".
absl::Status Engine::load_binance_instruments(core::Config& cfg, core::Product cp,
                                              const std::vector<core::InstrumentInfo>& configured) {
  const bool spot = cp == core::Product::kSpot;
  const binance::Product product = spot ? binance::Product::kSpot : binance::Product::kUsdmFutures;
  const bool both = ec_.venue_mode == "binance";
  auto lv = std::make_unique<LiveVenue>();
  lv->product = cp;
  // This product's share of the rules: its exchange names and their overrides (SYMBOLS then
  // FUTURES_SYMBOLS order in the configuration).
  lv->rules = ec_.instrument_rules;
  lv->rules.auto_symbols =
      both && !spot ? ec_.instrument_rules.auto_futures_symbols : ec_.instrument_rules.auto_symbols;
  if (both && !spot) lv->rules.symbols_key = "FUTURES_SYMBOLS";
  lv->rules.symbols.clear();
  lv->rules.overrides.clear();
  const std::vector<core::InstrumentInfo>& ov = ec_.instrument_rules.overrides;
  for (std::size_t i = 0; i < configured.size(); ++i) {
    const core::InstrumentInfo& info = configured[i];
    if (both && info.product != cp) continue;
    lv->rules.symbols.push_back(info.exchange_name.empty() ? info.name : info.exchange_name);
    if (!ov.empty()) lv->rules.overrides.push_back(ov[ov.size() == 1 ? 0 : i]);
  }
  std::vector<core::InstrumentInfo> kept;  // the other product's instruments (as loaded or configured)
  for (const core::InstrumentInfo& info : ec_.instruments)
    if (both && info.product != cp) kept.push_back(info);
  if (lv->rules.symbols.empty() && !lv->rules.auto_symbols) return absl::OkStatus();  // no venue for it
  auto set = load_instruments(InstrumentSource::from_settings(ec_.binance, product), lv->rules);
  if (!set.ok()) return set.status();
  for (const std::string& note : set->notes) core::log_info(note);
  lv->instruments = std::make_unique<InstrumentSet>(std::move(*set));
  std::vector<std::string> names;
  for (LoadedInstrument& li : lv->instruments->instruments) {
    li.info.product = cp;
    li.info.exchange_name = li.info.name;
    if (both && !spot) li.info.name = core::str_cat(core::kUsdmPrefix, li.info.exchange_name);
    names.push_back(li.info.exchange_name);
  }
  // Spot's instruments first, then USD-M's: the SymbolIds follow ec_.instruments.
  std::vector<core::InstrumentInfo> all = spot ? std::vector<core::InstrumentInfo>{} : kept;
  for (const LoadedInstrument& li : lv->instruments->instruments) {
    lv->ids.push_back(static_cast<core::SymbolId>(all.size()));
    all.push_back(li.info);
  }
  if (spot)
    for (core::InstrumentInfo& k : kept) all.push_back(std::move(k));
  ec_.instruments = std::move(all);
  if (ec_.feed_mode == "binance") (spot ? ec_.binance_stream.spot_symbols : ec_.binance_stream.futures_symbols) = names;
  auto p = std::make_unique<BinanceVenueParams>();
  // By SymbolId: nullptr for the other product's symbols (filled once every product is loaded).
  for (const LoadedInstrument& li : lv->instruments->instruments) p->symbols.push_back(&li.spec);
  p->name = binance_venue_name(cp);
  p->product = product;
  p->rest_url = spot ? ec_.binance.spot_rest_url : ec_.binance.futures_rest_url;
  p->ws_api_url = ec_.binance.spot_ws_api_url;
  p->stream_url = ec_.binance.futures_stream_url;
  p->ca_file = ec_.binance.ca_file;
  p->rate_limits = lv->instruments->rate_limits;
  p->dry_run = ec_.binance.dry_run;
  p->cancel_stale_orders = ec_.binance.cancel_stale_orders;
  p->adopt_stale_orders = ec_.binance.adopt_stale_orders;
  p->clock_refresh_ms = int64_t{ec_.binance.clock_refresh_s} * 1000;
  p->reconcile_ms = int64_t{ec_.binance.reconcile_s} * 1000;
  p->spot_neutral = ec_.binance.spot_neutral;
  // Credentials: BinanceSettings checked their presence and origin; the values are read only here.
  const bool own = !spot && ec_.binance.futures.from_futures_keys;
  const std::string prefix = own ? "BINANCE_FUTURES_" : "BINANCE_";
  for (auto [key, field] : {std::pair{"API_KEY", &p->api_key}, std::pair{"API_SECRET", &p->api_secret},
                            std::pair{"PRIVATE_KEY_FILE", &p->private_key_file}}) {
    auto v = cfg.get_string(prefix + key, "");
    if (!v.ok()) return v.status();
    *field = std::move(*v);
  }
  lv->params = std::move(p);
  live_.push_back(std::move(lv));
  return absl::OkStatus();
}

// A live Binance venue's instruments come from exchangeInfo (SYMBOLS=auto picks them; unset filters are
// the exchange's). The effective configuration — the recording's header, which replay rebuilds the
// engine from — gets what was loaded, so a replay trades the same symbols on the same grids: SYMBOLS
// and FUTURES_SYMBOLS as resolved, TICK_SIZE, STEP_SIZE and MIN_NOTIONAL one value per instrument in
// that order (the exchange's values, or the checked overrides).
void Engine::record_loaded_instruments() {
  std::string spot, futures, tick, step, notional;
  const bool both = ec_.venue_mode == "binance";
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    const core::InstrumentInfo& info = symbols_.info(static_cast<core::SymbolId>(i));
    std::string& list = both && info.product == core::Product::kUsdm ? futures : spot;
    core::str_append(list, list.empty() ? "" : ",", both ? info.exchange_name : info.name);
    core::str_append(tick, i == 0 ? "" : ",", core::decimal_to_string(info.tick.raw));
    core::str_append(step, i == 0 ? "" : ",", core::decimal_to_string(info.step.raw));
    core::str_append(notional, i == 0 ? "" : ",", core::decimal_to_string(info.min_notional_raw));
  }
  auto set = [&](const std::string& key, const std::string& value) {
    for (auto& [k, v] : ec_.effective)
      if (k == key) {
        v = value;
        return;
      }
    ec_.effective.emplace_back(key, value);
  };
  set("SYMBOLS", spot);
  if (both) set("FUTURES_SYMBOLS", futures);
  set("TICK_SIZE", tick);
  set("STEP_SIZE", step);
  set("MIN_NOTIONAL", notional);
}

absl::Status Engine::build(core::Config& cfg) {
  const std::vector<core::InstrumentInfo> configured = ec_.instruments;
  // An exact replay of a live Binance run connects to nothing: the recording's header holds the
  // instruments as loaded, its take records the venues' reports and position events.
  const bool binance_venues = ec_.venue_mode.starts_with("binance");
  const bool exact_binance = binance_venues && options_.exact != nullptr;
  if (binance_venues && !exact_binance) {
    if (ec_.venue_mode == "binance_spot" || ec_.venue_mode == "binance") {
      if (auto st = load_binance_instruments(cfg, core::Product::kSpot, configured); !st.ok()) return st;
    }
    if (ec_.venue_mode == "binance_futures" || ec_.venue_mode == "binance") {
      if (auto st = load_binance_instruments(cfg, core::Product::kUsdm, configured); !st.ok()) return st;
    }
  }
  for (const core::InstrumentInfo& info : ec_.instruments) symbols_.add(info);
  if (!live_.empty()) record_loaded_instruments();
  for (auto& lv : live_) {
    // The gateway's specs by SymbolId: its own product's, nullptr for the others' (not traded there).
    std::vector<const binance::InstrumentSpec*> by_id(symbols_.size(), nullptr);
    for (std::size_t i = 0; i < lv->ids.size(); ++i) by_id[lv->ids[i]] = &lv->instruments->instruments[i].spec;
    lv->params->symbols = std::move(by_id);
  }
  const std::size_t n_symbols = symbols_.size();
  const std::size_t cap = ec_.ring_capacity;
  const bool recording = !ec_.record_file.empty();

  // Configuration as metrics, so a dashboard shows what is running.
  registry_.add_gauge("dmabot_config_feed_mode", "Feed mode in use (value 1).", {{{"mode", ec_.feed_mode}}}).set(1);
  registry_.add_gauge("dmabot_config_venue_mode", "Venue mode in use (value 1).", {{{"mode", ec_.venue_mode}}}).set(1);
  // Risk limits an alert compares against (ops/prometheus/alerts.yml), quote units; 0 = off.
  registry_.add_gauge("dmabot_config_max_drawdown", "MAX_DRAWDOWN in quote units (0 = off).")
      .set(static_cast<double>(ec_.risk.max_drawdown_raw) / core::kScale);
  registry_.add_gauge("dmabot_config_max_daily_loss", "MAX_DAILY_LOSS in quote units (0 = off).")
      .set(static_cast<double>(ec_.risk.max_daily_loss_raw) / core::kScale);
  for (const auto& info : ec_.instruments) {
    registry_.add_gauge("dmabot_config_symbol", "Configured symbol (value 1).", {{{"symbol", info.name}}}).set(1);
  }
  for (const auto& s : ec_.strategies) {
    registry_
        .add_gauge("dmabot_config_strategy", "Configured strategy; value = worker count.", {{{"strategy", s.name}}})
        .set(s.workers);
  }
  for (const auto& info : ec_.instruments) {
    ticks_by_symbol_.push_back(
        &registry_.add_counter("ticks_total", "Market-data ticks produced by the feed.", {{{"symbol", info.name}}}));
  }
  auto waits_for = [&](const std::string& stage) -> core::Counter* {
    if (!recording) return nullptr;
    core::Counter* c = &registry_.add_counter(
        "recorder_waits_total", "Times a producer waited because its recorder ring was full.", {{{"stage", stage}}});
    recorder_waits_.push_back(c);
    return c;
  };

  if (recording) {
    core::RecorderOptions ro;
    ro.format = ec_.record_format;
    ro.rotate_bytes = ec_.record_rotate_bytes;
    ro.rotate_interval_ns = ec_.record_rotate_ns;
    recorder_ = std::make_unique<core::Recorder>(ec_.record_file, symbols_, ec_.effective, ro);
    recorder_->attach_metrics(registry_);  // recorder_lines/bytes/io_errors/lines_lost_total
  }

  // Feed fan-out: one md ring per worker (sharded by symbol) and one to risk (mids).
  // Risk gets each tick before the workers do, so it always has the mid a signal was computed from.
  std::vector<feed::FeedOutput> outputs;
  core::SpscRing<core::MdTick>* md_to_risk = make_ring(md_rings_, cap);
  outputs.push_back(feed::FeedOutput{md_to_risk, 1, 0});
  std::vector<core::SpscRing<core::ExecReport>*> exec_to_worker;
  std::vector<core::SpscRing<core::Signal>*> signals_to_risk;
  // Book statuses (stale / recovered) exist only with the live feed: one ring to risk, one per worker.
  const bool live_feed = ec_.feed_mode == "binance";
  core::SpscRing<core::BookStatus>* status_to_risk = live_feed ? make_ring(status_rings_, cap) : nullptr;
  if (live_feed) status_out_.push_back(status_to_risk);
  int slot = 1;
  for (const StrategySpec& spec : ec_.strategies) {
    // signals_total{strategy,symbol}: one series per pair, owned by the worker whose shard has the symbol.
    std::vector<core::Counter*> per_symbol(n_symbols, nullptr);
    for (std::size_t s = 0; s < n_symbols; ++s) {
      per_symbol[s] = &registry_.add_counter("signals_total", "Signals emitted by strategies.",
                                             {{{"strategy", spec.name}, {"symbol", ec_.instruments[s].name}}});
    }
    for (int w = 0; w < spec.workers; ++w) {
      const std::string wname = core::str_cat(spec.name, "/", w);
      strategy::StrategyContext ctx{&symbols_, static_cast<uint8_t>(slot)};
      auto strat = strategy::make_strategy(spec.name, cfg, ctx);
      if (!strat.ok()) return strat.status();
      strategy::WorkerRings rings;
      rings.md_in = make_ring(md_rings_, cap);
      rings.exec_in = make_ring(exec_rings_, cap);
      rings.signal_out = make_ring(sig_rings_, cap);
      rings.status_in = live_feed ? make_ring(status_rings_, cap) : nullptr;
      if (live_feed) status_out_.push_back(rings.status_in);
      rings.record_out = recording ? make_ring(sig_rings_, cap) : nullptr;
      rings.recorder_waits = waits_for(wname);
      if (recording) recorder_->add_input(rings.record_out);
      strategy::WorkerMetrics wm;
      wm.signals_by_symbol.assign(n_symbols, nullptr);
      for (std::size_t s = 0; s < n_symbols; ++s) {
        if (s % static_cast<std::size_t>(spec.workers) == static_cast<std::size_t>(w))
          wm.signals_by_symbol[s] = per_symbol[s];
      }
      core::Labels wl{{{"strategy", spec.name}, {"worker", std::to_string(w)}}};
      wm.tick_to_signal = &registry_.add_histogram("tick_to_signal_seconds", "Tick receive to signal emit.", wl);
      wm.ticks_seen = &registry_.add_counter("strategy_ticks_total", "Ticks handled by a strategy worker.", wl);
      outputs.push_back(feed::FeedOutput{rings.md_in, static_cast<uint32_t>(spec.workers), static_cast<uint32_t>(w)});
      exec_to_worker.push_back(rings.exec_in);
      signals_to_risk.push_back(rings.signal_out);
      workers_.push_back(std::make_unique<strategy::StrategyWorker>(wname, std::move(*strat), clock_, rings, wm));
      workers_.back()->set_shard(static_cast<uint32_t>(spec.workers), static_cast<uint32_t>(w));
      ++slot;
    }
  }
  // Venues.
  std::vector<gateway::VenueInfo> venues;
  std::vector<core::SpscRing<core::Order>*> to_venue;
  std::vector<core::SpscRing<core::ExecReport>*> from_venue;
  std::vector<core::Product> venue_products;  // Binance venues (live or replayed exactly): by venue id
  uint8_t venue_id = 0;
  if (ec_.venue_mode == "sim") {
    // One simulated exchange matching against the feed's own ticks, trades and mark prices.
    core::SpscRing<core::Order>* in = make_ring(ord_rings_, cap);
    core::SpscRing<core::ExecReport>* out = make_ring(exec_rings_, cap);
    core::SpscRing<core::MdTick>* md = make_ring(md_rings_, cap);
    trade_rings_.push_back(std::make_unique<core::SpscRing<core::Trade>>(cap));
    mark_rings_.push_back(std::make_unique<core::SpscRing<core::MarkPrice>>(cap));
    sim_md_.push_back(feed::FeedOutput{md, 1, 0});
    sim_trades_.push_back(trade_rings_.back().get());
    sim_marks_.push_back(mark_rings_.back().get());
    sims_.push_back(std::make_unique<gateway::SimExchange>("sim", venue_id++, ec_.sim, symbols_, clock_, in, out, md,
                                                           sim_trades_.back(), sim_marks_.back()));
    venues.push_back(gateway::VenueInfo{"sim", ec_.sim.maker_fee_bps, ec_.sim.taker_fee_bps,
                                        ec_.sim.entry_latency_ns + ec_.sim.ack_latency_ns});
    venue_names_.push_back("sim");
    to_venue.push_back(in);
    from_venue.push_back(out);
    int64_t worst = ec_.sim.entry_latency_ns + ec_.sim.ack_latency_ns;
    for (int64_t v : ec_.sim.latency_samples_ns) worst = std::max(worst, v + ec_.sim.ack_latency_ns);
    for (int64_t v : ec_.sim.ack_latency_samples_ns) worst = std::max(worst, v + ec_.sim.entry_latency_ns);
    max_venue_latency_ns_ = worst;
  } else if (!live_.empty()) {
    // The live venues: their stages are built by start() once connected; the router knows them from here.
    for (auto& lv : live_) {
      lv->in = make_ring(ord_rings_, cap);
      lv->out = make_ring(exec_rings_, cap);
      lv->params->venue_id = venue_id++;
      lv->params->positions_out = make_ring(position_rings_, 1024);
      venues.push_back(binance_venue_info(lv->product));
      venue_names_.push_back(lv->params->name);
      to_venue.push_back(lv->in);
      from_venue.push_back(lv->out);
      venue_products.push_back(lv->product);
    }
    max_venue_latency_ns_ = 20'000'000;  // the drain also waits for the gateways' own idle flags
  } else if (exact_binance) {
    // The same venues in the same order as the live run (spot, then USD-M: a product with instruments);
    // attach_exact() makes them the recorded reports.
    for (const core::Product product : {core::Product::kSpot, core::Product::kUsdm}) {
      if (std::none_of(ec_.instruments.begin(), ec_.instruments.end(),
                       [&](const core::InstrumentInfo& i) { return i.product == product; }))
        continue;
      ++venue_id;
      venues.push_back(binance_venue_info(product));
      venue_names_.emplace_back(binance_venue_name(product));
      to_venue.push_back(make_ring(ord_rings_, cap));
      from_venue.push_back(make_ring(exec_rings_, cap));
      venue_products.push_back(product);
    }
  } else {
    for (const auto& [name, params] : ec_.mock_venues) {
      core::SpscRing<core::Order>* in = make_ring(ord_rings_, cap);
      core::SpscRing<core::ExecReport>* out = make_ring(exec_rings_, cap);
      // Its own copy of the market, so it fills only where the market went (trade-through).
      core::SpscRing<core::MdTick>* md = make_ring(md_rings_, cap);
      sim_md_.push_back(feed::FeedOutput{md, 1, 0});
      gateways_.push_back(std::make_unique<gateway::MockGateway>(name, venue_id++, params, clock_, in, out, md));
      venues.push_back(gateway::mock_venue_info(name, params));
      venue_names_.push_back(name);
      to_venue.push_back(in);
      from_venue.push_back(out);
      max_venue_latency_ns_ = std::max({max_venue_latency_ns_, params.ack_latency_ns, params.fill_latency_ns});
    }
  }

  for (const feed::FeedOutput& o : sim_md_) outputs.push_back(o);
  core::SpscRing<core::MdTick>* md_record = recording ? make_ring(md_rings_, cap) : nullptr;
  if (recording) recorder_->add_input(md_record);
  if (auto st = build_feed(std::move(outputs), md_record); !st.ok()) return st;

  // Risk and router.
  risk::RiskRings rr;
  rr.signals_in = signals_to_risk;
  rr.md_in = md_to_risk;
  rr.status_in = status_to_risk;
  rr.exec_in = make_ring(exec_rings_, cap);
  rr.order_out = make_ring(ord_rings_, cap);
  rr.exec_to_worker = exec_to_worker;
  rr.record_exec = recording ? make_ring(exec_rings_, cap) : nullptr;
  rr.record_ctl = recording ? make_ring(ctl_rings_, 64) : nullptr;
  rr.recorder_waits = waits_for("risk");
  rr.control_in = replay_control_;
  rr.positions_in.assign(venues.size(), nullptr);
  for (const auto& lv : live_) rr.positions_in[lv->params->venue_id] = lv->params->positions_out;
  if (recording) recorder_->add_input(rr.record_exec);
  if (recording) recorder_->add_input(rr.record_ctl);
  risk_ = std::make_unique<risk::RiskStage>(ec_.risk, symbols_, venues.size(), clock_, rr, &registry_, &control_,
                                            venue_names_);

  gateway::RouterRings gr;
  gr.orders_in = rr.order_out;
  gr.to_venue = to_venue;
  gr.from_venue = from_venue;
  gr.exec_out = rr.exec_in;
  gr.record_orders = recording ? make_ring(ord_rings_, cap) : nullptr;
  gr.record_execs = recording ? make_ring(exec_rings_, cap) : nullptr;
  gr.recorder_waits = waits_for("router");
  if (recording) {
    recorder_->add_input(gr.record_orders);
    recorder_->add_input(gr.record_execs);
  }
  if (options_.observe) {
    observer_.orders = gr.observe_orders = make_ring(ord_rings_, cap);
    observer_.execs = gr.observe_execs = make_ring(exec_rings_, cap);
  }
  router_ = std::make_unique<gateway::RouterStage>(ec_.router, venues, symbols_, clock_, gr, &registry_);
  // RECORD_FORMAT=journal: every decision stage records its input takes (core/input_sequence.h) on a
  // tap ring of its own, so a threaded run's recording replays to the same decisions. Only threaded
  // runs switch it on (start()): a fused run is deterministic, its recording replays exactly as it is.
  if (recording && ec_.record_format == core::RecordFormat::kJournal && options_.exact == nullptr) {
    auto record_takes = [&](core::InputSequence& seq, uint16_t stage, const std::string& who) {
      core::SpscRing<core::TakeBlock>* ring = make_ring(take_rings_, cap);
      recorder_->add_input(ring);
      take_taps_.push_back(TakeTap{&seq, stage, ring, waits_for(core::str_cat(who, "/takes"))});
    };
    record_takes(risk_->input_sequence(), core::take_ids::kRiskStage, "risk");
    record_takes(router_->input_sequence(), core::take_ids::kRouterStage, "router");
    for (std::size_t k = 0; k < workers_.size(); ++k) {
      record_takes(workers_[k]->input_sequence(), static_cast<uint16_t>(core::take_ids::kFirstWorkerStage + k),
                   std::string(workers_[k]->name()));
    }
  }
  if (venue_products.size() > 1) {
    // Each symbol only to the venue that lists it (its product's).
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      uint32_t mask = 0;
      for (std::size_t v = 0; v < venue_products.size(); ++v) {
        if (symbols_.info(static_cast<core::SymbolId>(s)).product == venue_products[v]) mask |= uint32_t{1} << v;
      }
      router_->set_symbol_venues(static_cast<core::SymbolId>(s), mask);
    }
  }

  if (options_.exact != nullptr) {
    if (auto st = attach_exact(to_venue, from_venue); !st.ok()) return st;
  }
  stages_ = all_stages();
  auto add_counters = [this](const auto& pool, const char* kind) {
    for (const auto& r : pool) ring_counters_.push_back(RingCounters{&r->written_counter(), &r->read_counter(), kind});
  };
  add_counters(md_rings_, "md");
  add_counters(sig_rings_, "signals");
  add_counters(ord_rings_, "orders");
  add_counters(exec_rings_, "exec reports");
  add_counters(trade_rings_, "trades");
  add_counters(mark_rings_, "mark prices");
  add_counters(ctl_rings_, "control");
  add_counters(status_rings_, "book statuses");
  add_counters(take_rings_, "input takes");
  if (recording) {
    registry_.add_callback_gauge("recorder_backlog", "Events waiting in the recorder's rings.", {}, &ring_backlog,
                                 recorder_.get());
  }
  return absl::OkStatus();
}

absl::Status Engine::build_feed(std::vector<feed::FeedOutput> outputs, core::SpscRing<core::MdTick>* md_record) {
  core::Counter* feed_waits = nullptr;
  if (recorder_) {
    feed_waits = &registry_.add_counter(
        "recorder_waits_total", "Times a producer waited because its recorder ring was full.", {{{"stage", "feed"}}});
    recorder_waits_.push_back(feed_waits);
  }
  if (ec_.feed_mode == "replay") {
    feed::SourceOptions source_options;
    source_options.max_line_bytes = static_cast<std::size_t>(ec_.replay_max_line_bytes);
    auto source = feed::open_source(ec_.replay_file, source_symbols_, source_options);
    if (!source.ok()) return source.status();
    feed::ReplayOptions opt;
    opt.source_symbols = &source_symbols_;
    opt.symbols = &symbols_;
    if (ec_.replay_from_ns != 0) opt.from = ec_.replay_from_ns;
    if (ec_.replay_until_ns != 0) opt.until = ec_.replay_until_ns;
    // Recorded position adjustments -> risk. Not in an exact replay: there every control command risk
    // took comes from its recorded takes (payload), and a second copy would book it twice.
    if (options_.exact == nullptr) opt.control_out = replay_control_ = make_ring(ctl_rings_, 64);
    if (recorder_) {
      opt.record_md = md_record;
      trade_rings_.push_back(std::make_unique<core::SpscRing<core::Trade>>(ec_.ring_capacity));
      mark_rings_.push_back(std::make_unique<core::SpscRing<core::MarkPrice>>(ec_.ring_capacity));
      opt.record_trade = trade_rings_.back().get();
      opt.record_mark = mark_rings_.back().get();
      recorder_->add_input(opt.record_trade);
      recorder_->add_input(opt.record_mark);
      opt.recorder_waits = feed_waits;
    }
    replay_feed_ = std::make_unique<feed::ReplayFeed>(std::move(*source), clock_, std::move(outputs), sim_trades_,
                                                      sim_marks_, ticks_by_symbol_, opt);
    feed_ = replay_feed_.get();
    return absl::OkStatus();
  }
  if (ec_.feed_mode == "binance") {
    build_binance_feed(std::move(outputs), md_record);
    return absl::OkStatus();
  }
  if (ec_.feed_mode == "synthetic") {
    synthetic_feed_ = std::make_unique<feed::SyntheticFeed>(ec_.synthetic, symbols_, clock_, std::move(outputs),
                                                            sim_trades_, ticks_by_symbol_, md_record, feed_waits);
    feed_ = synthetic_feed_.get();
    return absl::OkStatus();
  }
  mock_feed_ = std::make_unique<feed::MockFeed>(ec_.mock_feed, symbols_, clock_, std::move(outputs), ticks_by_symbol_,
                                                md_record, feed_waits);
  feed_ = mock_feed_.get();
  return absl::OkStatus();
}

// The live feed: its stage on the feed thread like the other feeds, its I/O thread started by
// start(). The recorder's md and mark rings are outputs like any other (the stage waits for room,
// as tap_blocking would: lossless). Marks (MARKET_TYPE=usdm) also reach the simulated exchange.
void Engine::build_binance_feed(std::vector<feed::FeedOutput> outputs, core::SpscRing<core::MdTick>* md_record) {
  if (md_record != nullptr) outputs.push_back(feed::FeedOutput{md_record, 1, 0});
  std::vector<core::SpscRing<core::MarkPrice>*> marks = sim_marks_;
  if (recorder_) {
    mark_rings_.push_back(std::make_unique<core::SpscRing<core::MarkPrice>>(ec_.ring_capacity));
    marks.push_back(mark_rings_.back().get());
    recorder_->add_input(marks.back());
  }
  binance_feed_ = std::make_unique<feed::BinanceStreamFeed>(ec_.binance_stream, symbols_, clock_, std::move(outputs),
                                                            std::move(marks), status_out_, &registry_);
  binance_feed_->stage().count_ticks(ticks_by_symbol_);
  feed_ = &binance_feed_->stage();
}

bool Engine::feed_finished() const {
  if (binance_feed_) return binance_stopped_;
  if (replay_feed_) return replay_feed_->finished();
  if (synthetic_feed_) return synthetic_feed_->finished();
  return mock_feed_->finished();
}

void Engine::stop_feed() {
  if (binance_feed_) {
    binance_feed_->stop();  // closes the connections, joins the I/O thread; the stage drains what came
    binance_stopped_ = true;
  }
  if (replay_feed_) replay_feed_->stop();
  if (synthetic_feed_) synthetic_feed_->stop();
  if (mock_feed_) mock_feed_->stop();
}

double Engine::feed_progress() const {
  if (binance_feed_) return -1.0;
  if (replay_feed_) return replay_feed_->progress();
  if (synthetic_feed_) {
    return ec_.synthetic.steps == 0 ? -1.0 : feed::fraction(synthetic_feed_->steps_done(), ec_.synthetic.steps);
  }
  return ec_.mock_feed.max_ticks == 0 ? -1.0 : feed::fraction(mock_feed_->generated(), ec_.mock_feed.max_ticks);
}

uint64_t Engine::market_events() const {
  if (replay_feed_) {
    const feed::ReplayStats s = replay_feed_->stats();
    return s.delivered[0] + s.delivered[1] + s.delivered[2];
  }
  return registry_.counter_total("ticks_total");
}

std::vector<core::Stage*> Engine::stages_of(StageKind k) const {
  std::vector<core::Stage*> out;
  switch (k) {
    case StageKind::kFeed:
      out.push_back(feed_);
      break;
    case StageKind::kStrategy:
      for (const auto& w : workers_) out.push_back(w.get());
      break;
    case StageKind::kRisk:
      out.push_back(risk_.get());
      break;
    case StageKind::kRouter:
      out.push_back(router_.get());
      break;
    case StageKind::kGateway:
      if (recorded_venues_) {
        out.push_back(recorded_venues_.get());
        break;
      }
      for (const auto& g : gateways_) out.push_back(g.get());
      for (const auto& g : sims_) out.push_back(g.get());
      for (const auto& lv : live_)
        if (lv->venue) out.push_back(lv->venue->stage());
      break;
  }
  return out;
}

std::vector<core::Stage*> Engine::all_stages() const {
  std::vector<core::Stage*> out;
  for (StageKind k :
       {StageKind::kFeed, StageKind::kStrategy, StageKind::kRisk, StageKind::kRouter, StageKind::kGateway}) {
    for (core::Stage* s : stages_of(k)) out.push_back(s);
  }
  return out;
}

uint16_t Engine::metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }

absl::Status Engine::start() {
  core::log_info(ec_.thread_plan);
  // The threads started here other than the hot ones (recorder, metrics server, the live feed's I/O) inherit this
  // thread's CPU set: with THREAD_LAYOUT=auto, the CPUs the hot threads do not use. The caller's own set is restored
  // before start() returns.
  const std::vector<int> caller_cpus = core::usable_cpus();
  const bool moved = !ec_.other_cpus.empty() && core::set_current_thread_cpus(ec_.other_cpus);
  if (!ec_.other_cpus.empty() && !moved) {
    core::log_warn("threads: could not move the recorder and metrics threads to CPUs ", cpu_list_text(ec_.other_cpus),
                   "; they run anywhere");
  }
  struct RestoreCpus {
    const std::vector<int>& cpus;
    bool active;
    ~RestoreCpus() {
      if (active) core::set_current_thread_cpus(cpus);
    }
  } restore{caller_cpus, moved};
  for (auto& lv : live_) {
    if (lv->venue) continue;
    // Before anything else starts, so a failure leaves nothing to stop (a venue connected before it is
    // torn down by the destructor). The clients' I/O threads take this thread's CPU set (the non-hot CPUs).
    auto venue = BinanceVenue::connect(*lv->params, clock_, lv->in, lv->out);
    if (!venue.ok()) {
      for (auto& other : live_) other->venue.reset();
      return venue.status();
    }
    lv->venue = std::move(*venue);
    lv->params->api_secret.clear();
  }
  for (auto& lv : live_) {
    if (lv->now) continue;
    lv->venue->export_metrics(registry_);                // before the metrics server renders it
    lv->venue->attach(&control_, risk_.get(), &clock_);  // start positions into risk, reconciliation
    lv->now = std::make_unique<InstrumentSet>(*lv->instruments);
    lv->halted.assign(lv->now->instruments.size(), 0);
    for (const LoadedInstrument& li : lv->now->instruments) {
      lv->trading.push_back(&registry_.add_gauge(
          "binance_symbol_trading", "1 while exchangeInfo says the venue trades the symbol (INSTRUMENTS_REFRESH_S).",
          {{{"venue", lv->params->name}, {"symbol", li.info.name}}}));
      lv->trading.back()->set(1);
    }
    lv->refresh_failures = &registry_.add_counter("binance_instrument_refresh_failures_total",
                                                  "exchangeInfo refreshes that failed (the previous specs stay).",
                                                  {{{"venue", lv->params->name}}});
    const int refresh_s = ec_.instrument_rules.refresh_s;
    lv->next_refresh_ns = refresh_s > 0 ? core::monotonic_ns() + int64_t{refresh_s} * 1'000'000'000 : 0;
  }
  if (recorder_) {
    if (auto st = recorder_->open(); !st.ok()) return st;
    recorder_->start();
    recorder_threaded_ = true;
  }
  if (ec_.metrics_port >= 0) {
    metrics_server_ =
        std::make_unique<MetricsServer>(registry_, ec_.metrics_bind, static_cast<uint16_t>(ec_.metrics_port));
    if (auto st = metrics_server_->start(); !st.ok()) {
      if (recorder_) recorder_->stop();
      return st;
    }
  }
  if (binance_feed_) {
    // Options (URLs, symbols) and the CA file are checked here; connection trouble later is the feed's
    // to retry (logged, counted in md_stream_*), never a reason to stop.
    if (auto st = binance_feed_->start(); !st.ok()) {
      if (metrics_server_) metrics_server_->stop();
      if (recorder_) recorder_->stop();
      return st;
    }
  }
  for (const TakeTap& t : take_taps_) t.seq->record_to(t.stage, t.ring, t.waits);
  // ON_START_OPEN_ORDERS=adopt, once the stages record their takes (an adoption is one) and before
  // they run.
  for (auto& lv : live_) {
    for (const core::Order& o : lv->venue->adopted_orders()) {
      if (!risk_->adopt_order(o) || !router_->adopt(o)) core::log_warn("adopt: risk or router table full");
    }
  }
  runner_ = std::make_unique<core::Runner>(ec_.idle, ec_.pin_cpus);
  for (std::size_t g = 0; g < ec_.thread_layout.size(); ++g) {
    core::ThreadGroup group;
    for (StageKind k : ec_.thread_layout[g]) {
      for (core::Stage* s : stages_of(k)) {
        if (!group.name.empty()) group.name += "+";
        group.name += std::string(s->name()).substr(0, 6);
        group.stages.push_back(s);
      }
    }
    group.name = core::str_cat("dmabot-", g);
    runner_->add_group(std::move(group));
  }
  started_ = true;
  runner_->start();
  return absl::OkStatus();
}

bool Engine::rings_empty() const {
  for (const RingCounters& c : ring_counters_) {
    if (c.written->load(std::memory_order_acquire) != c.read->load(std::memory_order_acquire)) return false;
  }
  return true;
}

int64_t Engine::next_wakeup() const {
  int64_t t = core::Stage::kNever;
  for (core::Stage* s : stages_) t = std::min(t, s->next_wakeup());
  return t;
}

// One fused pass; on a simulated clock an idle pass jumps time to the earliest scheduled work.
// Returns events handled, or -1 when idle with nothing scheduled.
int Engine::fused_step(const std::vector<core::Stage*>& stages) {
  if (stop_flag_ != nullptr && stopped_by_ == 0) {
    if (const int v = stop_flag_->load(std::memory_order_relaxed); v != 0) {
      stopped_by_ = v;
      stop_feed();
    }
  }
  const int handled = core::Runner::poll_once(stages);
  if (recorder_ && !recorder_threaded_) recorder_->drain_inline();
  if (hook_ != nullptr) hook_(hook_ctx_);
  poll_events();
  if (handled > 0) {
    // On a simulated clock, a pass that leaves every ring empty and risk idle has reached the state
    // the next (idle) pass would only confirm: move time on now and save that pass — half the
    // passes of a replay, where every event has a time of its own. Work due now (t <= now) waits
    // for the next pass, as before.
    if (clock_.is_simulated() && rings_empty() && risk_->idle()) {
      const int64_t t = next_wakeup();
      if (t != core::Stage::kNever && t > clock_.now()) clock_.advance_to(t);
    }
    return handled;
  }
  if (!clock_.is_simulated()) return 0;
  const int64_t t = next_wakeup();
  if (t == core::Stage::kNever) return -1;
  clock_.advance_to(std::max(t, clock_.now() + 1));
  return 0;
}

// Waits until the pipeline is quiet. Simulated clock: until every ring is empty and no stage has
// scheduled work. Live clock: until every ring has been empty (and the live Binance venue has no request
// in flight) for longer than any venue latency (so acknowledgements and fills scheduled inside the mock
// venues have come out). Bounded: 5 s.
void Engine::drain_until_quiet(bool threaded) {
  const std::vector<core::Stage*> stages = all_stages();
  if (recorded_venues_) {  // exact replay: run_exact_to_completion() already ran to a standstill
    for (int guard = 0; guard < 1000 && fused_step(stages) > 0; ++guard) {
    }
    return;
  }
  if (!threaded && clock_.is_simulated()) {
    while (fused_step(stages) != -1 || !rings_empty() || !risk_->idle()) {
    }
    return;
  }
  const int64_t quiet_needed = 3 * max_venue_latency_ns_ + 20'000'000;
  const int64_t deadline = core::monotonic_ns() + 5'000'000'000;
  int64_t quiet_since = -1;
  while (core::monotonic_ns() < deadline) {
    int handled = 0;
    if (!threaded) {
      handled = core::Runner::poll_once(stages);
      if (recorder_ && !recorder_threaded_) recorder_->drain_inline();
      if (hook_ != nullptr) hook_(hook_ctx_);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling for quiescence, not synchronising data
    }
    // A command still in the control queue (the cancel-all just sent) is not quiet either: on a loaded
    // machine the risk thread may not have run for longer than quiet_needed, and the rings alone would
    // look quiet before it took the command (seen: shutdown left orders working, none cancelled).
    if (handled != 0 || !rings_empty() || !venues_idle() || control_.size_approx() != 0) {
      quiet_since = -1;
      continue;
    }
    const int64_t now = core::monotonic_ns();
    if (quiet_since < 0) quiet_since = now;
    if (now - quiet_since >= quiet_needed) return;
  }
  core::log_warn("shutdown: pipeline did not drain within 5 s");
}

bool Engine::venues_idle() const {
  for (const auto& lv : live_)
    if (lv->venue && !lv->venue->idle()) return false;
  return true;
}

absl::Status Engine::open_fused() {
  if (!live_.empty()) {
    return absl::FailedPreconditionError(core::str_cat(
        "VENUE_MODE=", ec_.venue_mode, " is a live venue on wall time; it cannot run fused on simulated time"));
  }
  if (binance_feed_) {
    return absl::FailedPreconditionError(
        "FEED_MODE=binance is live market data on wall time; it cannot run fused on simulated time");
  }
  if (recorder_) {
    if (auto st = recorder_->open(); !st.ok()) return st;
  }
  started_ = true;
  return absl::OkStatus();
}

int Engine::step_fused() { return fused_step(stages_); }

// Exact replay: each decision stage follows its recorded takes (InputSequence::replay_from), the
// venues are the recorded reports. Checked here: every record names a stage and an input this
// configuration has, and every report a venue.
absl::Status Engine::attach_exact(const std::vector<core::SpscRing<core::Order>*>& to_venue,
                                  const std::vector<core::SpscRing<core::ExecReport>*>& from_venue) {
  ExactReplay& ex = *options_.exact;
  using namespace core::take_ids;
  const std::string& file = ec_.replay_file;
  if (ex.takes.size() > kFirstWorkerStage + workers_.size()) {
    return core::invalid(file, ": input takes of stage ", ex.takes.size() - 1, ", but this configuration has ",
                         workers_.size(), " strategy workers (stages 0..", kFirstWorkerStage + workers_.size() - 1,
                         ")");
  }
  ex.takes.resize(kFirstWorkerStage + workers_.size());
  std::vector<std::string> worker_names;
  for (const auto& w : workers_) worker_names.emplace_back(w->name());
  for (std::size_t stage = 0; stage < ex.takes.size(); ++stage) {
    const std::size_t n_inputs = stage == kRiskStage     ? kRiskSignals + workers_.size()
                                 : stage == kRouterStage ? kRouterVenue + to_venue.size()
                                                         : std::size_t{kWorkerStatus} + 1;
    for (std::size_t i = 0; i < ex.takes[stage].size(); ++i) {
      const uint8_t input = ex.takes[stage][i].input;
      // Risk's position inputs (live venues' user data): of a venue this configuration has.
      const bool position_input =
          stage == kRiskStage &&
          (input == kRiskConfirmPositions || (input >= kRiskPositions && input < kRiskPositions + to_venue.size() &&
                                              input < kRiskPositions + kRiskMaxPositionVenues));
      const bool adopted_input =
          (stage == kRiskStage && input == kRiskAdopted) || (stage == kRouterStage && input == kRouterAdopted);
      if (input >= n_inputs && !position_input && !adopted_input) {
        return core::invalid(file, ": take record ", i + 1, " of stage ",
                             take_stage_name(static_cast<uint16_t>(stage), worker_names), " names input ",
                             int{ex.takes[stage][i].input}, ", which this configuration does not have");
      }
    }
    core::InputSequence& seq = stage == kRiskStage     ? risk_->input_sequence()
                               : stage == kRouterStage ? router_->input_sequence()
                                                       : workers_[stage - kFirstWorkerStage]->input_sequence();
    seq.replay_from(ex.takes[stage].data(), ex.takes[stage].size());
  }
  if (ex.venue_reports.size() > to_venue.size()) {
    return core::invalid(file, ": reports of venue ", ex.venue_reports.size() - 1, ", but this configuration has ",
                         to_venue.size(), " venues");
  }
  ex.venue_reports.resize(to_venue.size());
  for (auto& reports : ex.venue_reports) {
    for (core::ExecReport& r : reports) {
      if (r.symbol == core::kNoSymbol) continue;
      const core::SymbolId id =
          r.symbol < ex.symbol_names.size() ? symbols_.find(ex.symbol_names[r.symbol]) : core::kNoSymbol;
      if (id == core::kNoSymbol) return core::invalid(file, ": a venue report's symbol is not in SYMBOLS");
      r.symbol = id;
    }
  }
  std::vector<RecordedVenues::Venue> venues;
  for (std::size_t v = 0; v < to_venue.size(); ++v) {
    venues.push_back(RecordedVenues::Venue{to_venue[v], from_venue[v], &ex.venue_reports[v], 0});
  }
  std::vector<core::SpscRing<core::MdTick>*> md;
  for (const feed::FeedOutput& o : sim_md_) md.push_back(o.ring);
  recorded_venues_ = std::make_unique<RecordedVenues>(std::move(venues), std::move(md), sim_trades_, sim_marks_);
  return absl::OkStatus();
}

absl::Status Engine::run_exact_to_completion() {
  if (options_.exact == nullptr) return absl::FailedPreconditionError("not an exact replay");
  if (auto st = open_fused(); !st.ok()) return st;
  // A pass that handles nothing either ends the run (nothing scheduled: -1) or moved the clock to the
  // feed's next event, which the next pass delivers — unless a ring it feeds is full because its
  // stage waits for an input that never comes. So many idle passes in a row mean no progress.
  constexpr int kStuckPasses = 10'000;
  int idle = 0;
  for (;;) {
    const int h = fused_step(stages_);
    if (h > 0) {
      idle = 0;
      continue;
    }
    if (h < 0 || ++idle > kStuckPasses) break;
  }
  absl::Status st = stopped_by_ != 0 ? absl::OkStatus() : exact_outcome();
  shutdown();
  return st;
}

absl::Status Engine::exact_outcome() const {
  std::vector<std::string> workers, venues = venue_names_;
  for (const auto& w : workers_) workers.emplace_back(w->name());
  const core::InputSequence* stuck = nullptr;
  uint16_t stuck_stage = 0;
  for (std::size_t stage = 0; stage < core::take_ids::kFirstWorkerStage + workers_.size(); ++stage) {
    const core::InputSequence& seq = stage == core::take_ids::kRiskStage     ? risk_->input_sequence()
                                     : stage == core::take_ids::kRouterStage ? router_->input_sequence()
                                                                             : workers_[stage - 2]->input_sequence();
    if (seq.finished()) continue;
    // The earliest record due is where the recording stopped making sense; later ones wait on it.
    if (stuck == nullptr || seq.due()->ts < stuck->due()->ts) {
      stuck = &seq;
      stuck_stage = static_cast<uint16_t>(stage);
    }
  }
  if (stuck != nullptr) {
    const core::InputTake& t = *stuck->due();
    return absl::FailedPreconditionError(
        core::str_cat("exact replay of ", ec_.replay_file, ": stage ", take_stage_name(stuck_stage, workers),
                      " cannot follow its take record ", stuck->position() + 1, " (input ",
                      take_input_name(stuck_stage, t.input, workers, venues), ", ", stuck->taken_of_due(), " of ",
                      t.count, " taken, t=", t.ts,
                      "): that input has nothing more to give; the recording is damaged, cut short or "
                      "not from this configuration"));
  }
  for (std::size_t v = 0; v < recorded_venues_->venue_count(); ++v) {
    if (recorded_venues_->left(v) != 0) {
      return absl::FailedPreconditionError(
          core::str_cat("exact replay of ", ec_.replay_file, ": venue ", venues[v], ": ", recorded_venues_->left(v),
                        " recorded reports were never taken by the router (the take records are missing some)"));
    }
  }
  if (!rings_empty()) {
    // Which kinds of events were left (a ring's consumer is the stage whose takes are missing some).
    std::vector<std::pair<const char*, uint64_t>> by_kind;  // in ring_counters_ order (pools are contiguous)
    for (const RingCounters& c : ring_counters_) {
      const uint64_t n = c.written->load(std::memory_order_acquire) - c.read->load(std::memory_order_acquire);
      if (n == 0) continue;
      if (by_kind.empty() || by_kind.back().first != c.kind) by_kind.emplace_back(c.kind, 0);
      by_kind.back().second += n;
    }
    std::string left;
    for (const auto& [kind, n] : by_kind) core::str_append(left, left.empty() ? "" : ", ", n, " ", kind);
    return absl::FailedPreconditionError(core::str_cat(
        "exact replay of ", ec_.replay_file, ": every stage followed all its take records, but events are left that ",
        "no recorded take consumed (", left, "; the take records are missing some)"));
  }
  return absl::OkStatus();
}

absl::Status Engine::run_fused_to_completion() {
  // The recorder is drained inline after every pass (no thread), so the file is byte-identical
  // from run to run.
  if (auto st = open_fused(); !st.ok()) return st;
  while (!feed_finished()) fused_step(stages_);
  shutdown();
  return absl::OkStatus();
}

void Engine::shutdown() {
  if (shut_down_ || !started_) return;
  shut_down_ = true;
  const bool threaded = runner_ != nullptr && runner_->running();
  stop_feed();
  drain_until_quiet(threaded);
  core::Control c;
  c.ts_local = clock_.now();
  c.command = core::ControlCommand::kCancelAll;
  control_.enqueue(c);
  drain_until_quiet(threaded);
  if (runner_) runner_->stop();
  for (const TakeTap& t : take_taps_) t.seq->flush();  // the stage threads stopped: their last blocks
  if (recorder_) recorder_->stop();
  if (metrics_server_) metrics_server_->stop();
  poll_events();
}

void Engine::poll_events() {
  for (auto& lv : live_) {
    if (!lv->venue) continue;
    lv->venue->log_dry_run();
    if (!shut_down_) {
      lv->venue->maintain();  // the clock round when one is due (blocks this thread only)
      refresh_binance_instruments(*lv);
    }
  }
  core::Control c;
  while (risk_->next_kill_event(c)) core::log_warn(risk::describe_kill_event(c));
  for (risk::PositionNotice n; risk_->next_position_notice(n);) {
    const std::string_view venue =
        n.adjust.venue < venue_names_.size() ? std::string_view(venue_names_[n.adjust.venue]) : std::string_view("?");
    core::log_warn(risk::describe_position_notice(n, symbols_.name(n.adjust.symbol), venue));
  }
}

// INSTRUMENTS_REFRESH_S: exchangeInfo again (blocking this thread, bounded by the fetch's timeout).
// Each change is one log line. A symbol with a change gets its new spec in the gateway (filters and
// status are checked there from its next poll); one that stops trading (status, delisting, a grid the
// engine cannot follow) is halted in risk (ControlCommand::kSymbolHalt: new orders rejected
// kNotTrading, cancels pass) until a refresh sees it tradable again (kSymbolResume). The strategies'
// grid (SymbolTable) keeps the start-up tick and step: a finer grid is refused by the gateway's check.
void Engine::refresh_binance_instruments(LiveVenue& lv) {
  if (!lv.now || lv.next_refresh_ns == 0 || core::monotonic_ns() < lv.next_refresh_ns) return;
  const std::string& venue = lv.params->name;
  auto changes =
      refresh_instruments(InstrumentSource::from_settings(ec_.binance, lv.params->product), lv.rules, *lv.now);
  lv.next_refresh_ns = core::monotonic_ns() + int64_t{ec_.instrument_rules.refresh_s} * 1'000'000'000;
  if (!changes.ok()) {
    lv.refresh_failures->inc();
    core::log_warn("venue ", venue, ": exchangeInfo refresh failed (", std::string(changes.status().message()),
                   "); the current specs stay, next try in ", ec_.instrument_rules.refresh_s, " s");
    return;
  }
  for (std::size_t i = 0; i < lv.now->instruments.size(); ++i) {
    const LoadedInstrument& li = lv.now->instruments[i];
    bool changed = false, tradable = true;
    for (const InstrumentChange& c : *changes) {
      if (c.symbol != li.spec.symbol) continue;
      changed = true;
      tradable = tradable && c.tradable;
      core::log_warn("venue ", venue, ": exchangeInfo: ", c.what, c.tradable ? "" : " (not tradable)");
    }
    if (!changed) continue;
    const core::SymbolId id = lv.ids[i];
    (void)lv.venue->update_spec(id, li.spec);
    if ((lv.halted[i] != 0) == !tradable) continue;
    lv.halted[i] = tradable ? 0 : 1;
    lv.trading[i]->set(tradable ? 1 : 0);
    core::Control c;
    c.ts_local = clock_.now();
    c.command = tradable ? core::ControlCommand::kSymbolResume : core::ControlCommand::kSymbolHalt;
    c.symbol = id;
    control_.enqueue(c);
    core::log_warn("venue ", venue, ": ", symbols_.name(id),
                   tradable ? ": trading again, risk lets new orders through"
                            : ": not trading, risk blocks new orders on it (cancels pass)");
  }
}

EngineSummary Engine::summary() const {
  EngineSummary s;
  s.ticks = registry_.counter_total("ticks_total");
  s.signals = registry_.counter_total("signals_total");
  s.orders = registry_.counter_total("orders_total");
  s.risk_rejects = registry_.counter_total("risk_rejects_total");
  s.recorder_waits = registry_.counter_total("recorder_waits_total");
  s.kill_switch = risk::describe_kill_history(risk_->kill_history());
  s.working_orders = risk_->working_orders();  // summaries are taken once the stages stopped
  for (std::string& note : start_notes(ec_)) {
    if (note.rfind("fees ", 0) == 0) s.fees = std::move(note);
  }
  if (recorder_) {
    s.record_file = recorder_->path();
    s.record_lines_lost = recorder_->lines_lost();
    s.record_io_errors = recorder_->io_errors();
    if (absl::Status st = recorder_->status(); !st.ok()) s.record_error = std::string(st.message());
  }
  for (const std::string& name : venue_names_) {
    for (core::ExecStatus st : {core::ExecStatus::kFilled, core::ExecStatus::kPartiallyFilled}) {
      s.fills += registry_.counter_value("exec_reports_total",
                                         {{{"venue", name}, {"status", std::string(core::to_string(st))}}});
    }
  }
  const risk::Positions& pos = risk_->positions();
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    const auto id = static_cast<core::SymbolId>(i);
    SymbolSummary ss;
    ss.symbol = std::string(symbols_.name(id));
    ss.ticks = ticks_by_symbol_[i]->value();
    ss.position = pos.symbol_qty(id).to_double();
    ss.realized = pos.symbol_realized(id);
    ss.unrealized = pos.symbol_unrealized(id);
    ss.fees = pos.symbol_fees(id);
    s.symbols.push_back(std::move(ss));
  }
  return s;
}

std::string EngineSummary::recording_problem() const {
  if (record_file.empty() || recording_ok()) return "";
  return core::str_cat("recording ", record_file, " is incomplete: ", record_lines_lost, " event lines lost (",
                       record_error, ")");
}

std::string EngineSummary::working_orders_warning() const {
  if (working_orders == 0) return "";
  return core::str_cat("WARNING: ", working_orders,
                       " order(s) still working after shutdown (cancels refused or not answered in time): they "
                       "may still rest on the venue; check it (a Binance venue's next start cancels them with "
                       "ON_START_OPEN_ORDERS=cancel)");
}

std::string EngineSummary::to_text() const {
  std::string out = core::str_cat("summary: ticks=", ticks, " signals=", signals, " orders=", orders, " fills=", fills,
                                  " risk_rejects=", risk_rejects, " recorder_waits=", recorder_waits, "\n");
  if (!kill_switch.empty()) core::str_append(out, "  ", kill_switch, "\n");
  if (working_orders != 0) core::str_append(out, "  ", working_orders_warning(), "\n");
  if (!fees.empty()) core::str_append(out, "  ", fees, "\n");
  if (!record_file.empty() && !recording_ok()) {
    core::str_append(out, "  recording ", record_file, ": INCOMPLETE: ", record_lines_lost, " event lines lost, ",
                     record_io_errors, " write errors (", record_error, ")\n");
  }
  for (const SymbolSummary& s : symbols) {
    core::str_append(out, "  ", s.symbol, " ticks=", s.ticks, " position=", qty(s.position),
                     " realized_pnl=", money(s.realized), " unrealized_pnl=", money(s.unrealized),
                     " fees=", money(s.fees), " net_pnl=", money(s.realized + s.unrealized - s.fees), "\n");
  }
  return out;
}

std::string EngineSummary::to_json() const {
  std::string out =
      core::str_cat("{\"ticks\":", ticks, ",\"signals\":", signals, ",\"orders\":", orders, ",\"fills\":", fills,
                    ",\"risk_rejects\":", risk_rejects, ",\"recorder_waits\":", recorder_waits,
                    ",\"working_orders\":", working_orders, ",\"record_lines_lost\":", record_lines_lost,
                    ",\"record_io_errors\":", record_io_errors, ",\"kill_switch\":");
  core::append_json_string(out, kill_switch);
  out += ",\"symbols\":[";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const SymbolSummary& s = symbols[i];
    core::str_append(out, i ? "," : "", "{\"symbol\":\"", s.symbol, "\",\"ticks\":", s.ticks,
                     ",\"position\":", json_number(s.position), ",\"realized_pnl\":", json_number(s.realized),
                     ",\"unrealized_pnl\":", json_number(s.unrealized), ",\"fees\":", json_number(s.fees), "}");
  }
  out += "]}";
  return out;
}

}  // namespace dmabot::tools
